//! Tests of immperm live in `tests/` (trybuild cases under `ui/`); this library holds what
//! several of them share: the official Python SDKs' environment ([`python_sdk`]) and a RAM
//! API server for end-to-end tests ([`ram_server`]).

pub mod python_sdk;
pub mod ram_server;
pub mod scratch;
