//! The per-function capability: proof, checked by the compiler, that the function building a
//! request declared the operation with `#[requires_imm]`, and what its declarations allow.
//!
//! `#[requires_imm(op = "video/snapshots", async)]` adds to the function's body a zero-sized
//! unit struct `IMM` (its name is also its only value) implementing
//! `Has<op::VideoSnapshots, mode::Async>` (see the attribute's documentation). Request
//! builders take `&IMM`, so a request can only be built where it is declared: building a
//! `video/convert` request in a function that declared `video/snapshots` does not compile
//! (`` `video/convert` (async) is not declared for this function ``).
//!
//! The capability also carries what each declaration allows, and the builders check every
//! request against it when they build it: the source bucket (the declaration's `bucket`, or
//! the crate's `buckets`), the save target (`saveas = "bucket/prefix"`, or the source bucket)
//! and the notification topic. A request outside them is a `BuildError` naming the
//! declaration, never a request the policy does not cover.
//!
//! `Has` is sealed: only `#[requires_imm]` implements it. What stays outside the proof: a
//! request made by hand with the `http` crate, the unsigned request a builder hands out with
//! `into_unsigned_http` (changed afterwards, it is no longer the declared request), and code
//! that names `immperm::__private`, which is not API.

use crate::mode::ProcessingMode;
use crate::op::{Operation, RunsIn};

/// The function holding this value declared operation `O` in mode `M`. Sealed: only
/// `#[requires_imm]` implements it, in the function it annotates.
#[diagnostic::on_unimplemented(
    message = "`{O}` ({M}) is not declared for this function",
    label = "this capability does not include `{O}` in mode `{M}`",
    note = "declare it on the enclosing function with `#[requires_imm(op = \"...\")]`, adding `async` for `x-oss-async-process`, and pass `&IMM`"
)]
pub trait Has<O: Operation + RunsIn<M>, M: ProcessingMode>: Sealed {
    /// The declarations of `O` in `M` on the function: what each allows.
    #[doc(hidden)]
    const DECLARED: &'static [Declared] = &[];
}

/// Made by `#[requires_imm]` only: the seal of [`Has`].
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a capability made by `#[requires_imm]`",
    label = "capabilities are made by `#[requires_imm]`, not by hand",
    note = "annotate the function that builds the request with `#[requires_imm(op = \"...\")]` and pass its `&IMM`"
)]
pub trait Sealed {
    /// The crate's source buckets (`buckets` in `[package.metadata.immperm]`), which
    /// declarations without `bucket = "..."` read from; empty: any bucket, as the policy then
    /// grants.
    const BUCKETS: &'static [&'static str] = &[];
}

/// What one declaration allows a request to do.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The function, for messages.
    pub function: &'static str,
    /// The declaration as written in canonical form (`op = "video/info", bucket = "photos"`).
    pub declaration: &'static str,
    /// `bucket = "..."`; `None` for the crate's buckets.
    pub bucket: Option<&'static str>,
    /// Where results may be saved; `None` when the declaration saves nothing.
    pub save: Option<Save>,
    /// `notify = "..."`.
    pub topic: Option<&'static str>,
}

/// Where a declaration saves: a bucket (`None`: the request's source bucket) and a key prefix.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Save {
    /// The output bucket; `None` for the source bucket.
    pub bucket: Option<&'static str>,
    /// The key prefix; empty for any key.
    pub prefix: &'static str,
}

impl Declared {
    /// The buckets this declaration reads from, given the crate's; empty: any bucket.
    pub fn sources<'a>(&self, crate_buckets: &'a [&'static str]) -> Vec<&'a str> {
        match self.bucket {
            Some(bucket) => vec![bucket],
            None => crate_buckets.to_vec(),
        }
    }

    /// What a request reading `source` (a bucket), saving to `save` (bucket, key) and
    /// notifying `topic` does outside this declaration, as lowercase sentences; empty when
    /// the declaration allows it all.
    pub fn refusals(
        &self,
        crate_buckets: &[&'static str],
        source: &str,
        save: Option<(&str, &str)>,
        topic: Option<&str>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let sources = self.sources(crate_buckets);
        if !sources.is_empty() && !sources.contains(&source) {
            problems.push(format!(
                "it reads from bucket `{source}`, but the declaration reads from {}",
                listed(&sources)
            ));
        }
        match (save, self.save) {
            (None, _) => {}
            (Some((bucket, key)), None) => problems.push(format!(
                "it saves to `{bucket}/{key}`, but the declaration saves nothing"
            )),
            (Some((bucket, key)), Some(declared)) => {
                let bucket_allowed = match declared.bucket {
                    Some(declared) => bucket == declared,
                    None => bucket == source,
                };
                if !bucket_allowed || !key.starts_with(declared.prefix) {
                    let allowed = match declared.bucket {
                        Some(declared_bucket) => format!("`{declared_bucket}/{}`", declared.prefix),
                        None if declared.prefix.is_empty() => "the source bucket".to_owned(),
                        None => format!("`{}` in the source bucket", declared.prefix),
                    };
                    problems.push(format!(
                        "it saves to `{bucket}/{key}`, but the declaration saves under {allowed}"
                    ));
                }
            }
        }
        match (topic, self.topic) {
            (Some(topic), None) => problems.push(format!(
                "it notifies SMQ topic `{topic}`, but the declaration names no topic"
            )),
            (Some(topic), Some(declared)) if topic != declared => problems.push(format!(
                "it notifies SMQ topic `{topic}`, but the declaration names `{declared}`"
            )),
            (None | Some(_), _) => {}
        }
        problems
    }
}

fn listed(buckets: &[&str]) -> String {
    let quoted: Vec<String> = buckets.iter().map(|b| format!("`{b}`")).collect();
    match quoted.as_slice() {
        [one] => format!("bucket {one}"),
        _ => format!("buckets {}", quoted.join(", ")),
    }
}

/// Checks a request against the declarations of its operation and mode on the function that
/// builds it: allowed when one declaration allows all of it.
///
/// # Errors
/// What the request does outside the declarations, naming the function and each of its
/// declarations of the operation.
#[cfg(feature = "sdk")]
pub(crate) fn check(
    declared: &[Declared],
    crate_buckets: &[&'static str],
    source: &str,
    save: Option<(&str, &str)>,
    topic: Option<&str>,
) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for declaration in declared {
        let refusals = declaration.refusals(crate_buckets, source, save, topic);
        if refusals.is_empty() {
            return Ok(());
        }
        problems.push(format!(
            "`{}` declares `#[requires_imm({})]`: {}",
            declaration.function,
            declaration.declaration,
            refusals.join("; ")
        ));
    }
    if problems.is_empty() {
        problems.push(
            "the capability holds no declaration of this operation; pass the `&IMM` of a function annotated with `#[requires_imm]`"
                .to_owned(),
        );
    }
    Err(problems)
}

/// Capabilities for the crate's own tests, declared as the attribute would.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Declared, Save};

    /// A declaration of the crate's tests: reads from any bucket (`bucket`: one bucket),
    /// saves into the source bucket when `saves`, notifies `topic`.
    pub(crate) const fn declared(
        bucket: Option<&'static str>,
        saves: bool,
        topic: Option<&'static str>,
    ) -> Declared {
        Declared {
            function: "test",
            declaration: "op = \"test\"",
            bucket,
            save: if saves {
                Some(Save {
                    bucket: None,
                    prefix: "",
                })
            } else {
                None
            },
            topic,
        }
    }

    /// `capability!(Name { VideoInfo Sync => [declared(..)], .. })`: a capability type.
    macro_rules! capability {
        ($name:ident { $($op:ident $mode:ident => [$($declared:expr),* $(,)?]),* $(,)? }) => {
            struct $name;
            impl $crate::capability::Sealed for $name {}
            $(
                impl $crate::capability::Has<$crate::op::$op, $crate::mode::$mode> for $name {
                    const DECLARED: &'static [$crate::capability::Declared] = &[$($declared),*];
                }
            )*
        };
    }
    pub(crate) use capability;
}

#[cfg(test)]
mod tests {
    use super::*;

    const THUMBS: Declared = Declared {
        function: "make_thumbnails",
        declaration: "op = \"video/snapshots\", async, saveas = \"media-out/thumbs/\", notify = \"jobs\"",
        bucket: None,
        save: Some(Save {
            bucket: Some("media-out"),
            prefix: "thumbs/",
        }),
        topic: Some("jobs"),
    };

    #[test]
    fn a_request_inside_the_declaration_is_allowed() {
        let crate_buckets = &["media-in"];
        assert_eq!(
            check(
                &[THUMBS],
                crate_buckets,
                "media-in",
                Some(("media-out", "thumbs/a.jpg")),
                Some("jobs")
            ),
            Ok(())
        );
    }

    #[test]
    fn each_step_outside_is_named() {
        let crate_buckets = &["media-in"];
        let problems = check(
            &[THUMBS],
            crate_buckets,
            "photoz",
            Some(("other-bucket", "x.jpg")),
            Some("other"),
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "`make_thumbnails` declares `#[requires_imm(op = \"video/snapshots\", async, saveas = \"media-out/thumbs/\", notify = \"jobs\")]`: \
              it reads from bucket `photoz`, but the declaration reads from bucket `media-in`; \
              it saves to `other-bucket/x.jpg`, but the declaration saves under `media-out/thumbs/`; \
              it notifies SMQ topic `other`, but the declaration names `jobs`"
            ]
        );
        // A prefix is a prefix of the key, not of the bucket.
        assert!(
            check(
                &[THUMBS],
                crate_buckets,
                "media-in",
                Some(("media-out", "thumbsx/a.jpg")),
                Some("jobs")
            )
            .is_err()
        );
    }

    #[test]
    fn without_buckets_any_source_is_allowed_and_saving_follows_the_source() {
        let into_source = Declared {
            function: "f",
            declaration: "op = \"doc/snapshot\", saveas",
            bucket: None,
            save: Some(Save {
                bucket: None,
                prefix: "",
            }),
            topic: None,
        };
        assert_eq!(
            check(&[into_source], &[], "any", Some(("any", "k")), None),
            Ok(())
        );
        assert!(check(&[into_source], &[], "any", Some(("other", "k")), None).is_err());
        assert!(check(&[], &[], "any", None, None).is_err());
    }
}
