//! An `unsafe fn` keeps its qualifier and gets its capability.
#![deny(warnings)]

immperm::policies_for_tests!();

use immperm::{Has, mode, op, requires_imm};

fn info(_: &impl Has<op::VideoInfo, mode::Sync>) -> u8 {
    1
}

/// # Safety
/// Nothing to uphold.
#[requires_imm(op = "video/info")]
unsafe fn probe() -> u8 {
    info(&IMM)
}

fn main() {
    // SAFETY: `probe` has no precondition.
    assert_eq!(unsafe { probe() }, 1);
}
