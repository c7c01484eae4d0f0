//! The two ways a request invokes IMM through OSS, as types.

use crate::catalog;

mod sealed {
    pub trait Sealed {}
}

/// `x-oss-process`: a `GET`, or a `POST` that saves with `sys/saveas`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sync;

/// `x-oss-async-process`: a `POST` whose result is saved or announced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Async;

/// [`Sync`] or [`Async`].
pub trait ProcessingMode: sealed::Sealed + Copy + Default + 'static {
    /// The mode as a value.
    const MODE: catalog::Mode;
}

impl sealed::Sealed for Sync {}
impl sealed::Sealed for Async {}

impl ProcessingMode for Sync {
    const MODE: catalog::Mode = catalog::Mode::Sync;
}

impl ProcessingMode for Async {
    const MODE: catalog::Mode = catalog::Mode::Async;
}
