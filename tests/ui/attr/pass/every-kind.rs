//! Every kind of function the attribute goes on, under `deny(warnings)` and clippy pedantic
//! (the same file is a module of `tests/attr.rs`, which clippy lints). `unsafe fn` is in
//! `unsafe-fn.rs`: the workspace forbids unsafe code.
#![deny(warnings)]
#![deny(clippy::pedantic)]

immperm::policies_for_tests!();

use immperm::{Has, mode, op, requires_imm};

/// Stands for a request builder of the SDK layer: it takes the capability.
fn info_request(_: &impl Has<op::VideoInfo, mode::Sync>) -> &'static str {
    "x-oss-process=video/info"
}

/// Another builder.
fn snapshots_request(_: &impl Has<op::VideoSnapshots, mode::Async>) -> &'static str {
    "x-oss-async-process=video/snapshots"
}

/// A free function.
#[requires_imm(op = "video/info")]
fn free() -> &'static str {
    info_request(&IMM)
}

/// An `async fn`.
#[requires_imm(op = "video/snapshots", async, notify = "jobs")]
async fn asynchronous() -> &'static str {
    core::future::ready(snapshots_request(&IMM)).await
}

/// A generic function with a `where` clause and a const generic in braces.
#[requires_imm(op = "video/info", bucket = "media-in")]
fn generic<T, const N: usize>(items: [T; N]) -> usize
where
    T: Into<u64> + Copy,
{
    let _ = info_request(&IMM);
    items.len() + N
}

/// Inner attributes stay first.
#[requires_imm(op = "video/info")]
fn with_inner_attributes() -> &'static str {
    #![allow(clippy::let_and_return)]
    let request = info_request(&IMM);
    request
}

/// A `macro_rules!` helper expanded in the body sees `IMM`.
macro_rules! info {
    () => {
        info_request(&IMM)
    };
}

#[requires_imm(op = "video/info")]
fn through_a_macro() -> &'static str {
    info!()
}

/// A `const fn`.
#[requires_imm(op = "image/faces")]
const fn constant(x: u8) -> u8 {
    x + 1
}

/// `constant` runs at compile time.
const TWO: u8 = constant(1);

struct Library {
    bucket: &'static str,
}

impl Library {
    /// An inherent method.
    #[requires_imm(op = "video/snapshots", async, saveas = "media-out/thumbs/")]
    fn thumbnails(&self) -> usize {
        snapshots_request(&IMM).len() + self.bucket.len()
    }
}

trait Media {
    /// A trait method without a body: validated only.
    #[requires_imm(op = "video/info")]
    fn info(&self) -> &'static str;

    /// A trait method with a default body.
    #[requires_imm(op = "video/snapshots", async)]
    fn snapshots(&self) -> &'static str {
        snapshots_request(&IMM)
    }
}

impl Media for Library {
    /// A method of a trait impl.
    #[requires_imm(op = "video/info")]
    fn info(&self) -> &'static str {
        if self.bucket.is_empty() {
            ""
        } else {
            info_request(&IMM)
        }
    }
}

mod outer {
    pub(crate) mod inner {
        use immperm::requires_imm;

        /// A function in nested modules, with the attribute by its full path too.
        #[requires_imm(op = "doc/convert", async, saveas = "media-out/docs/")]
        #[immperm::requires_imm(op = "doc/preview")]
        pub(crate) fn nested() -> u8 {
            7
        }
    }
}

/// The mission's example.
#[requires_imm(op = "video/snapshots", async)]
fn mission() -> &'static str {
    snapshots_request(&IMM)
}

/// Polls a future that is ready at once.
fn block_on<F: core::future::Future>(future: F) -> F::Output {
    use core::task::{Context, Poll, Waker};
    let mut future = core::pin::pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

pub(crate) fn main() {
    let library = Library { bucket: "media" };
    assert_eq!(free(), "x-oss-process=video/info");
    assert_eq!(
        block_on(asynchronous()),
        "x-oss-async-process=video/snapshots"
    );
    assert_eq!(generic([1_u8, 2]), 4);
    assert_eq!(with_inner_attributes(), free());
    assert_eq!(through_a_macro(), free());
    assert_eq!(TWO, 2);
    assert_eq!(library.thumbnails(), 40);
    assert_eq!(library.snapshots(), mission());
    assert_eq!(library.info(), free());
    assert_eq!(outer::inner::nested(), 7);
}
