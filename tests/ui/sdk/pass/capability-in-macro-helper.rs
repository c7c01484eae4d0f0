// A `macro_rules!` helper expanded in the body sees `IMM`.
#![deny(warnings)]

immperm::policies_for_tests!();

use immperm::requires_imm;
use immperm::sdk::{Endpoint, Object, Process, params};

macro_rules! probe {
    ($endpoint:expr, $key:expr) => {
        Process::new(Object::new("media", $key).unwrap(), params::VideoInfo)
            .build_sync($endpoint, &IMM)
            .unwrap()
    };
}

#[requires_imm(op = "video/info")]
fn probe_all(endpoint: &Endpoint, keys: &[&str]) -> usize {
    keys.iter().map(|key| probe!(endpoint, *key)).count()
}

fn main() {
    let endpoint = Endpoint::region("cn-hangzhou").unwrap();
    assert_eq!(probe_all(&endpoint, &["a.mp4", "b.mp4"]), 2);
}
