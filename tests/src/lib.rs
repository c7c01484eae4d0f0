//! Compile-time tests of immperm live in `tests/` (trybuild cases under `ui/`).
