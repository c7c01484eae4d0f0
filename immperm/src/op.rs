//! One zero-sized marker type per catalog operation, and the processing modes each runs in.
//!
//! `op::VideoSnapshots` stands for `video/snapshots`. The marker implements
//! [`RunsIn<mode::Async>`](RunsIn) because the catalog says the operation runs through
//! `x-oss-async-process`, and not `RunsIn<mode::Sync>`: asking for the other mode does not
//! compile.

use crate::catalog;
use crate::mode::{self, ProcessingMode};

mod sealed {
    pub trait Sealed {}
}

/// An IMM operation of the catalog, as a type.
pub trait Operation: sealed::Sealed + Copy + Default + 'static {
    /// The catalog row of the operation.
    const ENTRY: &'static catalog::Operation;
}

/// The operation runs through `x-oss-process`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not run synchronously (`x-oss-process`)",
    label = "this operation only runs through `x-oss-async-process`",
    note = "use `mode::Async` (in `#[requires_imm]`: add `async`)"
)]
pub trait RunsSync: Operation {}

/// The operation runs through `x-oss-async-process`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not run asynchronously (`x-oss-async-process`)",
    label = "this operation only runs through `x-oss-process`",
    note = "use `mode::Sync` (in `#[requires_imm]`: remove `async`)"
)]
pub trait RunsAsync: Operation {}

/// The operation runs in mode `M`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not run in mode `{M}`",
    label = "this operation does not run in mode `{M}`",
    note = "`mode::Sync` is `x-oss-process` and `mode::Async` is `x-oss-async-process`: use the mode the operation runs in (in `#[requires_imm]`: add or remove `async`)"
)]
pub trait RunsIn<M: ProcessingMode>: Operation {}

impl<O: RunsSync> RunsIn<mode::Sync> for O {}
impl<O: RunsAsync> RunsIn<mode::Async> for O {}

macro_rules! markers {
    ($(
        $marker:ident {
            name: $name:literal, actions: [$($action:literal),+ $(,)?],
            modes: $modes:ident, $($rest:tt)*
        }
    ),+ $(,)?) => {
        $(
            #[doc = concat!("`", $name, "`: needs `", $($action, "` `",)+ "`.")]
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
            pub struct $marker;

            impl sealed::Sealed for $marker {}

            impl Operation for $marker {
                const ENTRY: &'static catalog::Operation = &catalog::entries::$marker;
            }

            markers!(@modes $modes $marker);
        )+
    };
    (@modes sync $marker:ident) => {
        impl RunsSync for $marker {}
    };
    (@modes async $marker:ident) => {
        impl RunsAsync for $marker {}
    };
    (@modes both $marker:ident) => {
        impl RunsSync for $marker {}
        impl RunsAsync for $marker {}
    };
}

immperm_catalog::__for_each_operation!(markers);

#[cfg(test)]
mod tests {
    use super::*;

    fn runs<O: RunsIn<M>, M: ProcessingMode>() -> (&'static str, catalog::Mode) {
        (O::ENTRY.name, M::MODE)
    }

    #[test]
    fn markers_carry_their_rows() {
        assert_eq!(
            runs::<VideoSnapshots, mode::Async>(),
            ("video/snapshots", catalog::Mode::Async)
        );
        assert_eq!(runs::<VideoInfo, mode::Sync>().0, "video/info");
        assert_eq!(
            runs::<PointcloudCompress, mode::Sync>().0,
            "pointcloud/compress"
        );
        assert_eq!(
            runs::<PointcloudCompress, mode::Async>().0,
            "pointcloud/compress"
        );
        assert_eq!(core::mem::size_of::<VideoSnapshots>(), 0);
    }
}
