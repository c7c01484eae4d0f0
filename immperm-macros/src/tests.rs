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
        |_| Some("src/lib.rs".to_owned()),
        |_| None,
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
fn the_mission_example_gets_its_capability_and_its_check() {
    let out = expand(
        quote!(op = "video/snapshots", async),
        quote! {
            /// Thumbnails.
            pub fn thumbnails(key: &str) -> usize { key.len() }
        },
    );
    assert!(!out.contains("compile_error"), "{out}");
    let key = immperm_catalog::key(
        "src/lib.rs",
        "thumbnails",
        &[
            &immperm_catalog::Declaration::new("video/snapshots", immperm_catalog::Mode::Async)
                .unwrap_or_else(|e| unreachable!("{e}")),
        ],
    );
    let expected_impl = "impl :: immperm :: __private :: Has <:: immperm :: __private :: op :: VideoSnapshots , :: immperm :: __private :: mode :: Async > for IMM";
    assert!(out.contains(expected_impl), "{out}");
    assert!(
        out.contains(&format!("struct IMM where crate :: immperm_policies :: check ! ({key}) : :: core :: marker :: Sized ;")),
        "{out}"
    );
    assert!(
        out.contains("impl :: immperm :: __private :: Sealed for IMM { const BUCKETS : &'static [&'static str] = crate :: immperm_policies :: BUCKETS ; }"),
        "{out}"
    );
    // What the declaration allows, for the builders' run-time check.
    assert!(
        out.contains("function : \"thumbnails\" , declaration : \"op = \\\"video/snapshots\\\", async\" , bucket : :: core :: option :: Option :: None"),
        "{out}"
    );
    assert!(
        out.contains("save : :: core :: option :: Option :: Some (:: immperm :: __private :: Save { bucket : :: core :: option :: Option :: None , prefix : \"\" })"),
        "{out}"
    );
    // The doc section from the build script's table comes after the user's docs.
    let check = format!("# [cfg_attr (doc , doc = crate :: immperm_policies :: doc ! ({key}))]");
    let user_docs = out.find("Thumbnails.").unwrap_or(usize::MAX);
    let at = out.find(&check).unwrap_or(0);
    let signature = out.find("pub fn thumbnails").unwrap_or(0);
    assert!(user_docs < at && at < signature, "{out}");
    // The capability opens the body; the body itself follows unchanged.
    let body = out.find("struct IMM").unwrap_or(usize::MAX);
    assert!(signature < body, "{out}");
    assert!(out.trim_end().ends_with("key . len () }"), "{out}");
}

#[test]
fn the_key_covers_every_declaration_of_the_function() {
    let one = expand(
        quote!(op = "video/info"),
        quote!(
            fn probe() {}
        ),
    );
    let two = expand(
        quote!(op = "video/info"),
        quote! {
            #[requires_imm(op = "doc/convert", async)]
            fn probe() {}
        },
    );
    let elsewhere = expand(
        quote!(op = "video/info", bucket = "archive"),
        quote!(
            fn probe() {}
        ),
    );
    let key = |out: &str| {
        let at = out.find("doc ! (").unwrap_or(0);
        out.get(at..)
            .and_then(|rest| rest.split(')').next())
            .unwrap_or_default()
            .to_owned()
    };
    assert_ne!(key(&one), key(&two));
    assert_ne!(key(&one), key(&elsewhere));
    assert_eq!(two.matches("doc ! (").count(), 1, "{two}");
    assert_eq!(
        two.matches("impl :: immperm :: __private :: Has").count(),
        2,
        "{two}"
    );
}

#[test]
fn a_crate_root_without_the_table_is_reported_once() {
    let item = quote!(
        fn probe() {}
    );
    let run = |reports: bool| {
        requires_imm(
            quote!(op = "video/info"),
            item.clone(),
            |source: &str| source.parse().ok(),
            |_| Some("src/main.rs".to_owned()),
            |_| {
                Some(crate::expand::MissingInclude {
                    reports,
                    root: "src/main.rs".to_owned(),
                })
            },
        )
        .to_string()
    };
    let reporting = run(true);
    assert_eq!(reporting.matches("compile_error").count(), 1, "{reporting}");
    assert!(
        reporting.contains("add `immperm::include_policies!();` at its top level"),
        "{reporting}"
    );
    let quiet = run(false);
    assert!(!quiet.contains("compile_error"), "{quiet}");
    assert!(!quiet.contains("immperm_policies"), "{quiet}");
}

#[test]
fn a_body_passed_as_a_macro_fragment_gets_the_capability() {
    use proc_macro2::{Delimiter, Group, TokenTree};
    let body = Group::new(
        Delimiter::None,
        quote!({
            let _ = &IMM;
        }),
    );
    let mut item: proc_macro2::TokenStream = quote!(fn probe());
    item.extend([TokenTree::Group(body)]);
    let out = expand(quote!(op = "video/info"), item);
    assert!(out.contains("struct IMM"), "{out}");
    assert!(out.contains("doc ! ("), "{out}");
    let capability = out.find("struct IMM").unwrap_or(usize::MAX);
    let use_of_it = out.find("let _ = & IMM").unwrap_or(0);
    assert!(capability < use_of_it, "{out}");
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
    assert_eq!(
        out.matches("impl :: immperm :: __private :: Has").count(),
        1,
        "{out}"
    );
    assert_eq!(out.matches("doc ! (").count(), 1, "{out}");
    assert!(!out.contains("compile_error"), "{out}");
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
            out.contains("doc = crate :: immperm_policies :: doc ! (f__"),
            "{item}"
        );
        assert!(out.contains("check ! (f__"), "{item}");
    }
}
