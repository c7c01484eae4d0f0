//! The rules a declared use of an operation must follow, shared by the attribute, the library
//! and the source scanner so that all three accept exactly the same uses.

use crate::{Mode, Operation, SaveAs};

/// One broken rule. Each consumer words the fix in its own terms (an attribute, a builder
/// call); [`Violation::message`] is the shared description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Violation {
    /// Declared asynchronous, but the operation only runs through `x-oss-process`.
    AsyncOnSyncOnly,
    /// Declared synchronous, but the operation only runs through `x-oss-async-process`.
    SyncOnAsyncOnly,
    /// `sys/saveas` asked for an operation that produces nothing to save.
    NothingToSave,
    /// `notify` asked for a synchronous use.
    NotifyWithoutAsync,
    /// `notify` asked for an operation that does not announce completion.
    NotifyUnsupported,
}

impl Violation {
    /// What is wrong, lowercase, naming the operation in backticks.
    pub fn message(self, op: &Operation) -> String {
        let name = op.name;
        match self {
            Self::AsyncOnSyncOnly => format!(
                "`{name}` only runs synchronously (`x-oss-process`); it cannot be invoked with `x-oss-async-process`"
            ),
            Self::SyncOnAsyncOnly => format!(
                "`{name}` only runs asynchronously (`x-oss-async-process`); it cannot be invoked with `x-oss-process`"
            ),
            Self::NothingToSave => format!(
                "`{name}` produces nothing to save with `sys/saveas`{}",
                if op.note.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", op.note)
                }
            ),
            Self::NotifyWithoutAsync => format!(
                "`notify` only applies to `x-oss-async-process`; `{name}` is declared synchronous"
            ),
            Self::NotifyUnsupported => {
                format!("`{name}` does not send completion notices to SMQ")
            }
        }
    }
}

/// The rules broken by using `op` in `mode`, asking for `sys/saveas` explicitly or not, with a
/// `notify` topic or not. Empty when the use is valid.
pub fn check(op: &Operation, mode: Mode, saveas: bool, notify: bool) -> Vec<Violation> {
    let mut violations = Vec::new();
    if !op.modes.supports(mode) {
        violations.push(match mode {
            Mode::Async => Violation::AsyncOnSyncOnly,
            Mode::Sync => Violation::SyncOnAsyncOnly,
        });
    }
    if saveas && op.saveas == SaveAs::None {
        violations.push(Violation::NothingToSave);
    }
    // A synchronous use of an asynchronous-only operation already reports the missing
    // `async`; `notify` is only judged where the declared mode itself is valid.
    if notify && op.modes.supports(mode) {
        match mode {
            Mode::Sync => violations.push(Violation::NotifyWithoutAsync),
            Mode::Async if !op.notify => violations.push(Violation::NotifyUnsupported),
            Mode::Async => {}
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup;

    fn op(name: &str) -> &'static Operation {
        lookup(name).unwrap_or_else(|| unreachable!("{name} is in the catalog"))
    }

    #[test]
    fn valid_uses_break_nothing() {
        assert!(check(op("video/snapshots"), Mode::Async, false, true).is_empty());
        assert!(check(op("video/snapshots"), Mode::Async, true, false).is_empty());
        assert!(check(op("video/info"), Mode::Sync, false, false).is_empty());
        assert!(check(op("doc/snapshot"), Mode::Sync, true, false).is_empty());
        assert!(check(op("pointcloud/compress"), Mode::Async, true, true).is_empty());
    }

    #[test]
    fn independent_violations_are_all_reported() {
        assert_eq!(
            check(op("video/info"), Mode::Async, true, true),
            [Violation::AsyncOnSyncOnly, Violation::NothingToSave]
        );
        assert_eq!(
            check(op("video/convert"), Mode::Sync, false, true),
            [Violation::SyncOnAsyncOnly]
        );
        assert_eq!(
            check(op("pointcloud/compress"), Mode::Sync, false, true),
            [Violation::NotifyWithoutAsync]
        );
        assert_eq!(
            check(op("video/info"), Mode::Sync, false, true),
            [Violation::NotifyWithoutAsync]
        );
        let message = Violation::NothingToSave.message(op("video/info"));
        assert_eq!(
            message,
            "`video/info` produces nothing to save with `sys/saveas` (returns JSON; nothing to save)"
        );
    }
}
