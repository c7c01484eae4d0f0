//! The RAM model of immperm: Alibaba Cloud RAM policy documents, read exactly as RAM accepts
//! them and written deterministically ([`policy`]), and the decision RAM makes for a request
//! against a set of identity policies ([`eval`]). With the `api` feature, a client of RAM's
//! API ([`api`]) reads what is attached to a user or role and deploys policies and roles.
//!
//! This crate is part of immperm's build engine and command line; applications depend on
//! `immperm` and build scripts on `immperm-build`.

#[cfg(feature = "api")]
pub mod api;
pub mod eval;
pub mod policy;
