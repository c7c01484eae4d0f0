//! Tests of immperm live in `tests/` (trybuild cases under `ui/`); this library holds what
//! several of them share.

pub mod python_sdk;
pub mod scratch;
