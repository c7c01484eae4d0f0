//! The SDK layer's compile-time check: a request builds only where its operation and mode are
//! declared, and the proof costs nothing at run time.

immperm::policies_for_tests!();

use immperm::requires_imm;

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/sdk/pass/*.rs");
    cases.compile_fail("ui/sdk/fail/*.rs");
}

#[requires_imm(
    op = "video/snapshots",
    async,
    saveas = "media/thumbs/",
    notify = "media-jobs"
)]
#[requires_imm(op = "video/info")]
fn capability_size() -> usize {
    std::mem::size_of_val(&IMM)
}

#[test]
fn the_capability_is_zero_sized() {
    assert_eq!(capability_size(), 0);
}
