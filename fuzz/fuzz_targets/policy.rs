//! Policy parsing, evaluation and audit on arbitrary input: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        immperm_build::audit::exercise(text);
    }
});
