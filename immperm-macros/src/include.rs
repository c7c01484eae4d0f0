//! `include_policies!()`, and what the attribute reads of the build script's output: whether
//! the scan found a crate root without `include_policies!()`.
//!
//! Both read only the files the build script wrote into `OUT_DIR` for this crate; cargo runs
//! the crate's compilation again whenever the build script ran again.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::MissingInclude;

use immperm_catalog::{MISSING_INCLUDE_FILE, TABLE_FILE};

/// The stand-in module after an error: every check passes and every constant is `None`, so
/// that the error above is the only one the crate shows.
pub(crate) const STAND_IN: &str = "#[doc(hidden)] #[allow(dead_code)] pub mod immperm_policies { \
    macro_rules! __immperm_doc { ($key:ident) => { \"\" }; } \
    pub(crate) use __immperm_doc as doc; \
    macro_rules! __immperm_check { ($key:ident) => { () }; } \
    pub(crate) use __immperm_check as check; \
    pub const BUCKETS: &[&str] = &[]; \
    pub const CALLER: ::core::option::Option<&str> = ::core::option::Option::None; \
    pub const SERVICE_ROLE: ::core::option::Option<&str> = ::core::option::Option::None; \
    pub const SERVICE_ROLE_TRUST: ::core::option::Option<&str> = ::core::option::Option::None; \
    pub const BATCH_TRIGGER_ROLE: ::core::option::Option<&str> = ::core::option::Option::None; }";

/// `include_policies!()` with `out_dir` as cargo set it (`None`: no build script).
pub(crate) fn include_policies(
    input: &TokenStream,
    out_dir: Option<OsString>,
    lex: impl Fn(&str) -> Option<TokenStream>,
) -> TokenStream {
    let problem = if input.is_empty() {
        match out_dir.map(PathBuf::from) {
            None => Some(
                "this package has no build script, so nothing derived its policies: add `build.rs` \
                 with `fn main() { if let Err(e) = immperm_build::export() { eprintln!(\"{e}\"); std::process::exit(1) } }` \
                 and `immperm-build` under `[build-dependencies]`"
                    .to_owned(),
            ),
            Some(dir) if !dir.join(TABLE_FILE).is_file() => Some(
                "the build script does not run immperm's export: call `immperm_build::export()` \
                 from `build.rs` (and add `immperm-build` under `[build-dependencies]`)"
                    .to_owned(),
            ),
            Some(_) => None,
        }
    } else {
        Some(
            "`include_policies!` takes no arguments: write `immperm::include_policies!();`"
                .to_owned(),
        )
    };
    match problem {
        None => quote! {
            ::core::include!(::core::concat!(::core::env!("OUT_DIR"), "/immperm.rs"));
        },
        Some(message) => {
            let stand_in = lex(STAND_IN).unwrap_or_default();
            quote! {
                ::core::compile_error!(#message);
                #stand_in
            }
        }
    }
}

/// Whether the build script found the root of the target this key's annotation belongs to
/// without `include_policies!()`, read from `OUT_DIR`. `None` outside a build script's crate
/// and when every root includes the table (the file is then absent: one `stat`).
pub(crate) fn missing_include(key: &str) -> Option<MissingInclude> {
    let dir = PathBuf::from(std::env::var_os("OUT_DIR")?);
    let text = std::fs::read_to_string(dir.join(MISSING_INCLUDE_FILE)).ok()?;
    missing_include_in(&text, key)
}

/// [`missing_include`] on the file's text.
pub(crate) fn missing_include_in(text: &str, key: &str) -> Option<MissingInclude> {
    text.lines().find_map(|line| {
        let mut fields = line.split('\t');
        let (root, reporter, keys) = (fields.next()?, fields.next()?, fields.next()?);
        keys.split(' ').any(|k| k == key).then(|| MissingInclude {
            reports: reporter == key,
            root: root.to_owned(),
        })
    })
}

/// `immperm::__policies_seen! { probe(op = "video/info"); both(op = "a") (op = "b"); }`:
/// a table listing the given functions with their declarations, as the build script's
/// export would for annotations in the same file, for compile tests of the check itself.
/// Its keys are computed for the file it is invoked in (`file`).
pub(crate) fn policies_seen(
    input: TokenStream,
    file: &str,
    lex: impl Fn(&str) -> Option<TokenStream>,
) -> TokenStream {
    use proc_macro2::{Delimiter, TokenTree};
    let mut keys = Vec::new();
    let mut tokens = input.into_iter().peekable();
    let fail = |message: &str| {
        let message = format!("`__policies_seen!`: {message}; write `function(op = \"...\");`");
        quote!(::core::compile_error!(#message);)
    };
    while let Some(token) = tokens.next() {
        let TokenTree::Ident(function) = token else {
            return fail("expected a function name");
        };
        let mut declarations = Vec::new();
        while let Some(TokenTree::Group(group)) = tokens.peek() {
            if group.delimiter() != Delimiter::Parenthesis {
                break;
            }
            let index = declarations.len();
            match immperm_catalog::grammar::parse(group.stream(), group.span(), index) {
                Ok(declaration) => declarations.push(declaration),
                Err(errors) => {
                    let message = errors
                        .first()
                        .map(|e| e.message.clone())
                        .unwrap_or_default();
                    return fail(&message);
                }
            }
            tokens.next();
        }
        if !matches!(tokens.next(), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            return fail("expected `;` after the declarations");
        }
        let references: Vec<_> = declarations.iter().collect();
        keys.push(immperm_catalog::key(
            file,
            &function.to_string(),
            &references,
        ));
    }
    let mut text = String::from(
        "#[doc(hidden)] #[allow(dead_code)] mod immperm_policies { \
         pub(crate) const BUCKETS: &[&str] = &[]; \
         #[allow(non_camel_case_types)] pub(crate) mod seen_by_the_build_script {",
    );
    for key in &keys {
        let _ = write!(text, " pub(crate) struct {key};");
    }
    text.push_str(
        " } macro_rules! __immperm_check { ($key:ident) => { \
         crate::immperm_policies::seen_by_the_build_script::$key }; } \
         pub(crate) use __immperm_check as check; \
         macro_rules! __immperm_doc { ($key:ident) => { \"\" }; } \
         pub(crate) use __immperm_doc as doc; }",
    );
    lex(&text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(source: &str) -> Option<TokenStream> {
        source.parse().ok()
    }

    #[test]
    fn a_package_without_build_script_gets_one_error_and_the_stand_in() {
        let out = include_policies(&TokenStream::new(), None, lex).to_string();
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(out.contains("has no build script"), "{out}");
        assert!(out.contains("pub mod immperm_policies"), "{out}");
    }

    #[test]
    fn a_build_script_without_the_export_is_named() {
        let dir = std::env::temp_dir().join(format!("immperm-include-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let out = include_policies(&TokenStream::new(), Some(dir.clone().into_os_string()), lex)
            .to_string();
        assert!(out.contains("does not run immperm's export"), "{out}");
        let _ = std::fs::write(dir.join(TABLE_FILE), "");
        let out = include_policies(&TokenStream::new(), Some(dir.clone().into_os_string()), lex)
            .to_string();
        assert!(out.contains("include !"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_reporting_key_is_found_among_its_targets_keys() {
        let text = "src/main.rs\tb__1\ta__0 b__1\nsrc/bin/x.rs\tc__2\tc__2\n";
        let a = missing_include_in(text, "a__0");
        assert!(
            a.as_ref()
                .is_some_and(|m| !m.reports && m.root == "src/main.rs")
        );
        assert!(missing_include_in(text, "b__1").is_some_and(|m| m.reports));
        assert!(missing_include_in(text, "c__2").is_some_and(|m| m.root == "src/bin/x.rs"));
        assert!(missing_include_in(text, "d__3").is_none());
    }
}
