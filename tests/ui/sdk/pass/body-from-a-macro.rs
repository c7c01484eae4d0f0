// A function whose body reaches the attribute as a `macro_rules!` fragment (`$body:block`)
// gets its capability like any other: the body builds a request with `&IMM`.
immperm::policies_for_tests!();

use immperm::requires_imm;
use immperm::sdk::{BuildError, Endpoint, Object, Process, ProcessRequest, params};

macro_rules! declare {
    ($(#[$meta:meta])* fn $name:ident($endpoint:ident: &Endpoint) $body:block) => {
        $(#[$meta])*
        fn $name($endpoint: &Endpoint) -> Result<ProcessRequest, BuildError> $body
    };
}

declare! {
    #[requires_imm(op = "video/info")]
    fn probe(endpoint: &Endpoint) {
        Process::new(Object::new("media", "a.mp4")?, params::VideoInfo).build_sync(endpoint, &IMM)
    }
}

fn main() {
    let endpoint = Endpoint::region("cn-hangzhou").unwrap();
    assert_eq!(probe(&endpoint).unwrap().method(), "GET");
}
