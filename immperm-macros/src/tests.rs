//! The expansion on `proc_macro2` tokens: `quote!` in, text out.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::requires_imm;

/// The expansion as text, whitespace-normalised the way `TokenStream`'s `Display` prints it.
fn expand(args: TokenStream, item: TokenStream) -> String {
    requires_imm(
        args,
        item,
        |source: &str| source.parse().ok(),
        |_| ("src/lib.rs".to_owned(), 7),
    )
    .to_string()
}

/// The messages of the `compile_error!`s in an expansion, in order.
fn errors(args: TokenStream, item: TokenStream) -> Vec<String> {
    let text = expand(args, item);
    text.split(":: core :: compile_error ! {")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find('"')?;
            let rest = rest.get(start + 1..)?;
            let end = rest.find("\" }")?;
            rest.get(..end).map(|message| message.replace("\\\"", "\""))
        })
        .collect()
}

fn one_error(args: TokenStream) -> String {
    let found = errors(
        args,
        quote!(
            fn f() {}
        ),
    );
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap_or_default()
}

#[test]
fn the_mission_example_gets_its_capability_and_docs() {
    let out = expand(
        quote!(op = "video/snapshots", async),
        quote! {
            /// Thumbnails.
            pub fn thumbnails(key: &str) -> usize { key.len() }
        },
    );
    assert!(!out.contains("compile_error"), "{out}");
    let expected_impl = "impl :: immperm :: __private :: Has <:: immperm :: __private :: op :: VideoSnapshots , :: immperm :: __private :: mode :: Async > for IMM { }";
    assert!(out.contains(expected_impl), "{out}");
    // Bound by the check that the build script's scan saw the attribute (src/lib.rs:7).
    assert!(
        out.contains("# [allow (dead_code , non_camel_case_types , clippy :: upper_case_acronyms)] struct IMM where crate :: immperm_policies :: check ! (thumbnails__video_snapshots__async__lib_rs_7) : :: core :: marker :: Sized ;"),
        "{out}"
    );
    // The capability opens the body; the body itself follows unchanged.
    let body = out.find("struct IMM").unwrap_or(usize::MAX);
    let signature = out.find("pub fn thumbnails").unwrap_or(0);
    assert!(signature < body, "{out}");
    assert!(out.trim_end().ends_with("key . len () }"), "{out}");
    // The doc section comes after the user's docs.
    let user_docs = out.find("Thumbnails.").unwrap_or(usize::MAX);
    let section = out.find("# IMM permissions").unwrap_or(0);
    assert!(user_docs < section && section < signature, "{out}");
}

#[test]
fn the_doc_section_lists_what_each_principal_needs() {
    let out = expand(
        quote!(op = "video/snapshots", async, notify = "jobs"),
        quote!(
            fn f() {}
        ),
    );
    let docs = docs_of(&out);
    assert_eq!(
        docs,
        "\n# IMM permissions\n\nDeclared with `#[requires_imm]`:\n\
         - `video/snapshots` asynchronously (`x-oss-async-process`), saving into the source bucket, announcing completion to SMQ topic `jobs`\n\
         \nThe caller (RAM user or role) needs:\n\
         - `oss:GetObject`, `oss:PostProcessTask`, `oss:ProcessImm` on the source objects (in the crate's buckets)\n\
         - `oss:PutObject` on the output objects in the source bucket\n\
         - `imm:CreateMediaConvertTask` on the IMM project bound to the bucket\n\
         - `ram:PassRole` on the IMM service role (`AliyunIMMDefaultRole` unless the project names another)\n\
         \nThe IMM service role needs (`AliyunIMMDefaultRole` already grants this with `AliyunIMMRolePolicy`):\n\
         - `oss:GetObject` on the source objects (in the crate's buckets)\n\
         - `oss:PutObject` on the output objects in the source bucket\n\
         - `mns:PublishMessage` on SMQ topic `jobs`\n"
    );
}

#[test]
fn the_doc_section_merges_several_declarations_by_resource() {
    let out = expand(
        quote!(op = "video/info", bucket = "media-in"),
        quote! {
            #[requires_imm(op = "doc/preview", bucket = "media-in")]
            #[requires_imm(op = "doc/snapshot", saveas = "media-out/pages/", batch)]
            fn f() {}
        },
    );
    let docs = docs_of(&out);
    assert!(
        docs.contains(
            "- `video/info` synchronously (`x-oss-process`) on objects in bucket `media-in`\n"
        ),
        "{docs}"
    );
    // A synchronous save is a POST: `oss:PostProcessTask` for the crate's buckets only.
    assert!(
        docs.contains("- `oss:GetObject`, `oss:ProcessImm` on objects in bucket `media-in`\n"),
        "{docs}"
    );
    assert!(docs.contains("- `oss:GetObject`, `oss:PostProcessTask`, `oss:ProcessImm` on the source objects (in the crate's buckets)\n"), "{docs}");
    assert!(
        docs.contains("- `oss:PutObject` on objects under `media-out/pages/`\n"),
        "{docs}"
    );
    assert!(docs.contains("- `imm:CreateBatch`, `imm:CreateOfficeConversionTask`, `imm:DetectMediaMeta` on the IMM project bound to the bucket\n"), "{docs}");
    assert!(
        docs.contains("- `imm:GenerateWebofficeToken` on `*`\n"),
        "{docs}"
    );
    assert!(docs.contains("- `ram:PassRole` on the batch and trigger role (`AliyunIMMBatchTriggerRole` unless configured otherwise)\n"), "{docs}");
    assert!(
        docs.contains(
            "The batch and trigger role needs the OSS permissions IMM batch processors use"
        ),
        "{docs}"
    );
    assert_eq!(out.matches("struct IMM").count(), 1, "{out}");
    assert_eq!(out.matches("impl :: immperm").count(), 3, "{out}");
    assert!(
        !out.contains("requires_imm ("),
        "gathered attributes are removed: {out}"
    );
}

/// The one `#[doc = "..."]` the expansion adds, unescaped.
fn docs_of(expansion: &str) -> String {
    let start = expansion.find("# [doc = \"\\n# IMM").unwrap_or(0);
    let rest = expansion
        .get(start + "# [doc = \"".len()..)
        .unwrap_or_default();
    let end = rest.find("\"]").unwrap_or(rest.len());
    rest.get(..end)
        .unwrap_or_default()
        .replace("\\n", "\n")
        .replace("\\\"", "\"")
        .replace("\\'", "'")
}

#[test]
fn the_same_operation_and_mode_twice_gives_one_impl() {
    let out = expand(
        quote!(op = "video/snapshots", async),
        quote! {
            #[immperm::requires_imm(op = "video/snapshots", async, saveas = "out/x/")]
            fn f() {}
        },
    );
    assert_eq!(out.matches("impl :: immperm").count(), 1, "{out}");
    // Both attributes are at `src/lib.rs:7` here: one key, one bound.
    assert_eq!(out.matches("check !").count(), 1, "{out}");
    assert!(!out.contains("compile_error"), "{out}");
}

#[test]
fn each_declaration_is_checked_against_the_scan() {
    let out = expand(
        quote!(op = "video/info"),
        quote! {
            #[requires_imm(op = "doc/convert", async)]
            fn probe() {}
        },
    );
    assert!(
        out.contains(
            "struct IMM where \
             crate :: immperm_policies :: check ! (probe__doc_convert__async__lib_rs_7) : :: core :: marker :: Sized , \
             crate :: immperm_policies :: check ! (probe__video_info__sync__lib_rs_7) : :: core :: marker :: Sized ;"
        ),
        "{out}"
    );
}

#[test]
fn inner_attributes_stay_first_in_the_body() {
    let out = expand(
        quote!(op = "video/info"),
        quote! {
            fn f() {
                #![allow(unused)]
                let x = 1;
            }
        },
    );
    let inner = out.find("# ! [allow (unused)]").unwrap_or(usize::MAX);
    let capability = out.find("struct IMM").unwrap_or(0);
    assert!(inner < capability, "{out}");
}

#[test]
fn a_declaration_without_body_is_only_validated() {
    let item = quote!(
        fn faces(&self);
    );
    assert_eq!(
        expand(quote!(op = "image/faces"), item.clone()),
        item.to_string()
    );
    assert_eq!(errors(quote!(op = "image/faces", async), item).len(), 1);
}

#[test]
fn unknown_operations_get_suggestions_and_the_native_note() {
    assert_eq!(
        one_error(quote!(op = "video/snapshot", async)),
        "unknown IMM operation `video/snapshot`; did you mean `video/snapshots`? \
         (`video/snapshot` is OSS-native frame capture and needs no IMM permission; \
         IMM frame capture is `video/snapshots` (asynchronous))"
    );
    assert_eq!(
        one_error(quote!(op = "video/thumbnail")),
        "unknown IMM operation `video/thumbnail`; the catalog's `video/` operations are \
         `video/convert`, `video/animation`, `video/sprite`, `video/snapshots`, `video/concat`, `video/info`"
    );
    assert_eq!(
        one_error(quote!(op = "nothing")),
        "unknown IMM operation `nothing`"
    );
}

#[test]
fn mode_rules_are_the_catalogs_worded_for_the_attribute() {
    assert_eq!(
        one_error(quote!(
            op = "video/convert",
            saveas = "out/v/",
            notify = "jobs"
        )),
        "`video/convert` only runs asynchronously (`x-oss-async-process`); \
         write `#[requires_imm(op = \"video/convert\", async, saveas = \"out/v/\", notify = \"jobs\")]`"
    );
    assert_eq!(
        one_error(quote!(op = "video/info", async)),
        "`video/info` only runs synchronously (`x-oss-process`); remove `async`"
    );
    assert_eq!(
        one_error(quote!(op = "video/info", saveas)),
        "`video/info` produces nothing to save with `sys/saveas` (returns JSON; nothing to save); remove `saveas`"
    );
    assert_eq!(
        one_error(quote!(op = "pointcloud/compress", notify = "jobs")),
        "`notify` only applies with `async` (`x-oss-async-process`); \
         write `#[requires_imm(op = \"pointcloud/compress\", async, notify = \"jobs\")]`"
    );
    assert_eq!(
        one_error(quote!(op = "doc/snapshot", notify = "jobs")),
        "`notify` only applies with `async` (`x-oss-async-process`); \
         `doc/snapshot` only runs synchronously, remove `notify`"
    );
}

#[test]
fn keys_are_checked_one_by_one() {
    assert_eq!(
        one_error(quote!()),
        "missing `op`; name the IMM operation the function invokes: `#[requires_imm(op = \"video/snapshots\")]`"
    );
    assert_eq!(
        one_error(quote!(op = "video/info", op = "audio/info")),
        "duplicate `op`; declare each further operation with its own `#[requires_imm(op = \"...\")]`"
    );
    assert_eq!(
        one_error(quote!(op = "video/snapshots", async, async)),
        "duplicate `async`; give each key once"
    );
    assert_eq!(
        one_error(quote!(op = "doc/snapshot", sveas)),
        "unknown key `sveas`; did you mean `saveas`?"
    );
    assert_eq!(
        one_error(quote!(op = "video/info", colour = "red")),
        "unknown key `colour`; expected `op`, `async`, `saveas`, `notify`, `bucket`, `batch` or `trigger`"
    );
    assert_eq!(
        one_error(quote!(op = VIDEO_SNAPSHOTS)),
        "`op` must be a string literal (constants and macros cannot be read when the policy is derived): `op = \"video/snapshots\"`"
    );
    assert_eq!(
        one_error(quote!(op = 3)),
        "`op` must be a string literal: `op = \"video/snapshots\"`"
    );
    assert_eq!(
        one_error(quote!(op = "")),
        "empty operation name; name an IMM operation: `op = \"video/snapshots\"`"
    );
    assert_eq!(
        one_error(quote!(op = "video/snapshots", async = true)),
        "`async` takes no value; write `async`"
    );
    assert_eq!(
        one_error(quote!(op)),
        "`op` needs a value: `op = \"video/snapshots\"`"
    );
}

#[test]
fn values_are_validated() {
    assert_eq!(
        one_error(quote!(op = "video/info", bucket = "Media")),
        "bucket name `Media` contains `M`; OSS bucket names use lowercase letters, digits and hyphens"
    );
    assert_eq!(
        one_error(quote!(op = "doc/snapshot", saveas = "out//x")),
        "prefix `/x` starts with `/`; OSS object keys do not, write `x`"
    );
    assert_eq!(
        one_error(quote!(op = "video/convert", async, notify = "jobs.done")),
        "topic name `jobs.done` contains `.`; SMQ topic names use letters, digits and hyphens"
    );
}

#[test]
fn independent_errors_are_all_reported() {
    let found = errors(
        quote!(
            op = "video/info",
            async,
            saveas,
            notify = "-jobs",
            bucket = "B",
            colour
        ),
        quote!(
            fn f() {}
        ),
    );
    assert_eq!(found.len(), 5, "{found:?}");
    let found = errors(
        quote!(op = "video/snapshots", async),
        quote! {
            #[requires_imm(op = "video/snapshot")]
            #[requires_imm]
            fn f() {}
        },
    );
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn after_an_error_the_function_is_still_emitted_with_a_capability() {
    let out = expand(
        quote!(op = "video/snapshot"),
        quote!(
            fn f() -> u8 {
                1
            }
        ),
    );
    assert!(out.contains("fn f () -> u8"), "{out}");
    assert!(
        out.contains("impl < O , M > :: immperm :: __private :: Has < O , M > for IMM"),
        "{out}"
    );
}

#[test]
fn non_functions_are_rejected_with_where_to_put_it() {
    let cases = [
        (
            quote!(
                struct S;
            ),
            "a struct; put it on each function that invokes the operation",
        ),
        (
            quote!(
                pub(crate) const X: u8 = 1;
            ),
            "a constant; put it on each function that invokes the operation",
        ),
        (
            quote!(impl S { fn f() {} }),
            "an `impl` block; put it on each method in the block that invokes the operation",
        ),
        (
            quote!(
                unsafe impl Send for S {}
            ),
            "an `impl` block; put it on each method in the block that invokes the operation",
        ),
        (
            quote!(
                mod m {}
            ),
            "a module; put it on each function in the module that invokes the operation",
        ),
        (
            quote!(
                trait T {}
            ),
            "a trait; put it on each method of the trait that invokes the operation",
        ),
        (
            quote!(
                extern "C" {
                    fn f();
                }
            ),
            "an `extern` block; put it on the Rust function that invokes the operation",
        ),
    ];
    for (item, expected) in cases {
        let found = errors(quote!(op = "video/info"), item.clone());
        assert_eq!(
            found,
            [format!(
                "`#[requires_imm]` goes on functions, not on {expected}"
            )],
            "{item}"
        );
        // The item is emitted unchanged after the error.
        assert!(expand(quote!(op = "video/info"), item.clone()).ends_with(&item.to_string()));
    }
}

#[test]
fn every_kind_of_function_is_recognised() {
    for item in [
        quote!(
            pub async fn f() {}
        ),
        quote!(
            pub(crate) const fn f() -> u8 {
                1
            }
        ),
        quote!(
            unsafe fn f() {}
        ),
        quote!(
            pub const unsafe extern "C" fn f() {}
        ),
        quote!(
            fn f<T: Into<u8>>(t: T) -> u8
            where
                T: Copy,
            {
                t.into()
            }
        ),
        quote!(default fn f() {}),
    ] {
        let out = expand(quote!(op = "video/info"), item.clone());
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains("struct IMM where crate :: immperm_policies :: check ! (f__video_info__sync__lib_rs_7) : :: core :: marker :: Sized ;"),
            "{item}"
        );
    }
}
