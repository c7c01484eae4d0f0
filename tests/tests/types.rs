//! Guarantees the types give: modes an operation does not run in do not compile, and no caller
//! policy lacks `ram:PassRole` or can be made from anything but requirements
//! (`ui/types/fail`, one behaviour per case; `ui/types/pass` for the happy path).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/types/pass/*.rs");
    cases.compile_fail("ui/types/fail/*.rs");
}
