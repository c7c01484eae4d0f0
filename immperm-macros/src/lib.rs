//! The `#[requires_imm]` attribute of immperm.
//!
//! This crate is an implementation detail of `immperm`, which re-exports the attribute as
//! `immperm::requires_imm` and pins this crate to its own version. Depend on `immperm`.

mod ctxt;
mod expand;
mod include;
mod item;
mod proofs;

#[cfg(test)]
mod tests;

use std::str::FromStr as _;

use proc_macro::TokenStream;

/// Declares that a function invokes an IMM operation through OSS, so that immperm can derive
/// the RAM policies it needs and the compiler can check that every request the function
/// builds was declared.
///
/// ```text
/// #[requires_imm(op = "<operation>" [, async] [, saveas | saveas = "<bucket>/<prefix>"]
///                [, notify = "<topic>"] [, bucket = "<bucket>"] [, batch] [, trigger])]
/// ```
///
/// The attribute goes on functions: free functions, `async fn`, generic functions, methods
/// of inherent and trait impls, trait methods with a default body, `unsafe fn` and `const fn`,
/// at any depth of modules. On a trait method without a body it only checks its arguments.
/// Several attributes on one function declare several operations.
///
/// # Arguments
///
/// - `op = "video/snapshots"` (required, once): the operation as written in
///   `x-oss-process`/`x-oss-async-process`, a string literal naming an operation of the
///   catalog (`immperm::catalog::OPERATIONS`).
/// - `async`: the function invokes the operation through `x-oss-async-process`. Required for
///   operations that only run asynchronously (`video/convert`, `doc/convert`, …); an error on
///   operations that only run synchronously (`image/faces`, `video/info`, …).
/// - `saveas`: the result is saved with `sys/saveas` into the source bucket;
///   `saveas = "bucket/prefix"` names the output bucket and key prefix. An asynchronous
///   operation whose result is saved (`video/snapshots`, `doc/convert`, …) saves into the
///   source bucket without it, so `#[requires_imm(op = "video/snapshots", async)]` covers the
///   output write. An error where the operation produces nothing to save.
/// - `notify = "topic"`: completion notices go to this SMQ (MNS) topic; only with `async`.
/// - `bucket = "name"`: the source bucket, instead of the crate's default buckets.
/// - `batch`, `trigger`: an IMM batch processor or trigger runs the operation.
///
/// Values are checked: bucket names have 3 to 63 lowercase letters, digits and hyphens and
/// start and end with a letter or digit; prefixes do not start with `/` and hold no `//`,
/// wildcard or control character; topic names have 1 to 255 ASCII letters, digits, hyphens
/// and underscores and start with a letter or digit (SMQ documents letters, digits and
/// hyphens; a leading digit and underscores are accepted rather than rejecting a topic that
/// may exist).
///
/// # What it adds
///
/// - A section "IMM permissions" at the end of the function's documentation listing, by
///   principal (the caller, IMM's service role, the batch and trigger role), the actions the
///   declared uses need.
/// - In the function's body, `IMM`: a zero-sized local type (a unit struct, so `IMM` is also
///   its value) implementing `immperm::Has<Op, Mode>` for each declared operation and mode.
///   Request builders take `&impl Has<Op, Mode>`, so passing `&IMM` compiles only for what
///   the function declared. The body must not define another item named `IMM`.
///
/// Nothing runs at run time and nothing is registered: the function is emitted unchanged
/// otherwise (signature, attributes, docs, spans). The attribute is found by its name: to put
/// several on one function, write each as `requires_imm` or `immperm::requires_imm`, not
/// under a `use ... as` alias.
///
/// # Errors
///
/// A compile error, on the token at fault, for: an unknown operation (with the nearest names,
/// and a note when the name is an OSS-native operation that needs no IMM permission, such as
/// `video/snapshot`); `async` on an operation that only runs synchronously; a missing `async`
/// on one that only runs asynchronously (the message shows the corrected attribute); `notify`
/// without `async`; `saveas` where nothing is saved; a missing `op`; a key given twice; an
/// unknown key (with the nearest key); an `op` that is not a string literal, or is empty; an
/// invalid bucket, prefix or topic; the attribute on anything but a function. All the errors
/// of a function's attributes are reported in one compile, and the function is still emitted
/// so that its callers add no errors of their own.
///
/// # The build script's scan
///
/// The crate's policy is derived at build time by `immperm_build::export()` (in `build.rs`)
/// from the source, and `immperm::include_policies!()` at the crate root brings in the table
/// of the annotations it saw. Each expansion asserts at compile time that its annotation is
/// in that table, so one the scan cannot see (made by `macro_rules!`, written through a
/// `use ... as` alias) is a compile error naming the function instead of a policy smaller
/// than the code; a crate without the export does not compile (`immperm_policies` is
/// missing). Doctests and compile tests, which have no build script, declare
/// `immperm::policies_for_tests!()` instead: their annotations are in no policy.
///
/// # Examples
///
/// ```
/// # immperm::policies_for_tests!(); // in a crate: `immperm::include_policies!();`
/// use immperm::requires_imm;
///
/// /// Captures frames of a video, saved next to it.
/// #[requires_imm(op = "video/snapshots", async)]
/// fn thumbnails(key: &str) -> String {
///     // `IMM` proves to request builders that `video/snapshots` (async) was declared.
///     fn declared(_: &impl immperm::Has<immperm::op::VideoSnapshots, immperm::mode::Async>) {}
///     declared(&IMM);
///     format!("{key}?x-oss-async-process=video/snapshots")
/// }
///
/// #[requires_imm(op = "video/info")]
/// #[requires_imm(op = "doc/convert", async, saveas = "media-out/docs/", notify = "jobs")]
/// async fn ingest() {}
///
/// trait Media {
///     #[requires_imm(op = "image/faces", bucket = "photos")]
///     fn faces(&self);
/// }
///
/// # fn main() {
/// assert!(thumbnails("a.mp4").ends_with("video/snapshots"));
/// drop(ingest());
/// # }
/// ```
///
/// Mistakes do not compile:
///
/// ```compile_fail
/// use immperm::requires_imm;
///
/// #[requires_imm(op = "video/snapshot", async)] // unknown IMM operation `video/snapshot`; did you mean `video/snapshots`?
/// fn thumbnails() {}
/// ```
///
/// ```compile_fail
/// use immperm::requires_imm;
///
/// #[requires_imm(op = "video/convert")] // `video/convert` only runs asynchronously
/// fn transcode() {}
/// ```
#[proc_macro_attribute]
pub fn requires_imm(args: TokenStream, item: TokenStream) -> TokenStream {
    let lex = |source: &str| TokenStream::from_str(source).ok().map(Into::into);
    let locate = |span: proc_macro2::Span| {
        let file = span.unwrap().local_file()?;
        let package = std::env::var_os("CARGO_MANIFEST_DIR")?;
        let cwd = std::env::current_dir().ok()?;
        Some(immperm_catalog::package_path(
            std::path::Path::new(&package),
            &cwd,
            &file,
        ))
    };
    expand::requires_imm(
        args.into(),
        item.into(),
        lex,
        locate,
        include::missing_include,
    )
    .into()
}

/// Includes what the build script's export (`immperm_build::export()`) generated: the module
/// `immperm_policies` with the policy documents as constants (`CALLER`, `SERVICE_ROLE`,
/// `SERVICE_ROLE_TRUST`, `BATCH_TRIGGER_ROLE`), the crate's `BUCKETS`, and the table of
/// annotations every `#[requires_imm]` checks itself against. Call it once, at the crate
/// root (of each target that has annotations: the library, a binary, an example).
///
/// A crate without the build script's export is one error here, saying what to add.
#[proc_macro]
pub fn include_policies(input: TokenStream) -> TokenStream {
    let lex = |source: &str| TokenStream::from_str(source).ok().map(Into::into);
    include::include_policies(&input.into(), std::env::var_os("OUT_DIR"), lex).into()
}

/// A table listing the given functions and declarations as the build script's export would
/// (`probe(op = "video/info");`), for compile tests of the check; not part of the API.
#[doc(hidden)]
#[proc_macro]
pub fn __policies_seen(input: TokenStream) -> TokenStream {
    let lex = |source: &str| TokenStream::from_str(source).ok().map(Into::into);
    let file = proc_macro::Span::call_site()
        .local_file()
        .and_then(|file| {
            let package = std::env::var_os("CARGO_MANIFEST_DIR")?;
            let cwd = std::env::current_dir().ok()?;
            Some(immperm_catalog::package_path(
                std::path::Path::new(&package),
                &cwd,
                &file,
            ))
        })
        .unwrap_or_default();
    include::policies_seen(input.into(), &file, lex).into()
}

/// The bounds of the request builders, one trait per operation and mode, generated from the
/// catalog so that a compile error names the operation and mode as the attribute writes
/// them. Invoked once, by `immperm` itself.
#[doc(hidden)]
#[proc_macro]
pub fn __operation_proofs(_input: TokenStream) -> TokenStream {
    TokenStream::from_str(&proofs::items()).unwrap_or_default()
}
