//! The per-function capability: proof, checked by the compiler, that the function building a
//! request declared the operation with `#[requires_imm]`.
//!
//! `#[requires_imm(op = "video/snapshots", async)]` adds to the function's body a zero-sized
//! unit struct `IMM` (its name is also its only value) implementing
//! `Has<op::VideoSnapshots, mode::Async>` (see the attribute's documentation). Request builders take `&impl Has<O, M>`, so a
//! request can only be built where it is declared, and the policy derived from the
//! declarations covers every request the code can build.

use crate::mode::ProcessingMode;
use crate::op::{Operation, RunsIn};

/// The function holding this value declared operation `O` in mode `M`.
#[diagnostic::on_unimplemented(
    message = "`{O}` ({M}) is not declared for this function",
    label = "this capability does not include `{O}` in mode `{M}`",
    note = "declare it on the enclosing function with `#[requires_imm(op = \"...\")]`, adding `async` for `x-oss-async-process`, and pass `&IMM`"
)]
pub trait Has<O: Operation + RunsIn<M>, M: ProcessingMode> {}
