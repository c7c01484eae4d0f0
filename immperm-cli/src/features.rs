//! The features a build of the crate enables, resolved from its `[features]` table the way
//! cargo does for the crate itself: requested features (and `default` unless turned off),
//! then everything they enable, transitively.

use std::collections::BTreeSet;

use toml::{Table, Value};

/// What the command line asks for.
#[derive(Clone, Debug, Default)]
pub(crate) struct Request {
    /// Feature names; each item may hold several, comma- or space-separated.
    pub(crate) features: Vec<String>,
    pub(crate) no_default: bool,
    pub(crate) all: bool,
}

/// The crate's features: its `[features]` table and the implicit features of its optional
/// dependencies.
struct Declared<'a> {
    table: Option<&'a Table>,
    implicit: BTreeSet<String>,
}

impl Declared<'_> {
    fn names(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self
            .table
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        names.extend(self.implicit.iter().cloned());
        names
    }

    fn enables(&self, feature: &str) -> Vec<&str> {
        self.table
            .and_then(|t| t.get(feature))
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
}

fn declared(manifest: &Table) -> Declared<'_> {
    let table = manifest.get("features").and_then(Value::as_table);
    // An optional dependency is a feature of its own name unless a feature enables it
    // with `dep:name`.
    let explicit: BTreeSet<&str> = table
        .into_iter()
        .flat_map(|t| t.values())
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|item| item.strip_prefix("dep:"))
        .collect();
    let mut dependency_tables: Vec<&Table> = ["dependencies", "build-dependencies"]
        .iter()
        .filter_map(|key| manifest.get(*key).and_then(Value::as_table))
        .collect();
    if let Some(targets) = manifest.get("target").and_then(Value::as_table) {
        for target in targets.values().filter_map(Value::as_table) {
            for key in ["dependencies", "build-dependencies"] {
                if let Some(deps) = target.get(key).and_then(Value::as_table) {
                    dependency_tables.push(deps);
                }
            }
        }
    }
    let implicit = dependency_tables
        .into_iter()
        .flat_map(|deps| deps.iter())
        .filter(|(_, spec)| {
            spec.as_table()
                .and_then(|t| t.get("optional"))
                .and_then(Value::as_bool)
                == Some(true)
        })
        .map(|(name, _)| name.clone())
        .filter(|name| !explicit.contains(name.as_str()))
        .collect();
    Declared { table, implicit }
}

/// The enabled features of the crate whose parsed manifest is `manifest`.
///
/// # Errors
/// A requested feature the crate does not have, naming the ones it has.
pub(crate) fn resolve(manifest: &Table, request: &Request) -> Result<BTreeSet<String>, String> {
    let declared = declared(manifest);
    let names = declared.names();
    let mut queue: Vec<String> = Vec::new();
    if request.all {
        queue.extend(names.iter().cloned());
    }
    for item in &request.features {
        for feature in item
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|f| !f.is_empty())
        {
            if !names.contains(feature) {
                return Err(unknown(feature, &names));
            }
            queue.push(feature.to_owned());
        }
    }
    if !request.no_default && names.contains("default") {
        queue.push("default".to_owned());
    }
    let mut enabled = BTreeSet::new();
    while let Some(feature) = queue.pop() {
        if !enabled.insert(feature.clone()) {
            continue;
        }
        for item in declared.enables(&feature) {
            if item.starts_with("dep:") {
                // Enables the dependency, not a feature of this crate.
                continue;
            }
            match item.split_once('/') {
                // `dep?/feature` enables nothing of this crate; `dep/feature` enables the
                // dependency, which is a feature when it is implicit.
                Some((dependency, _)) => {
                    if declared.implicit.contains(dependency) {
                        queue.push(dependency.to_owned());
                    }
                }
                None => {
                    if names.contains(item) {
                        queue.push(item.to_owned());
                    }
                }
            }
        }
    }
    Ok(enabled)
}

fn unknown(feature: &str, names: &BTreeSet<String>) -> String {
    if names.is_empty() {
        return format!("the crate has no feature `{feature}`; it declares no features");
    }
    let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
    let listed = candidates
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match immperm_build::catalog::suggest_among(feature, &candidates).first() {
        Some(best) => {
            format!(
                "the crate has no feature `{feature}`; did you mean `{best}`? (its features: {listed})"
            )
        }
        None => format!("the crate has no feature `{feature}`; its features are {listed}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    fn resolve_text(text: &str, request: &Request) -> Result<Vec<String>, String> {
        resolve(&manifest(text), request).map(|set| set.into_iter().collect())
    }

    const MANIFEST: &str = r#"
[package]
name = "app"

[dependencies]
image = { version = "1", optional = true }
video = { version = "1", optional = true }
serde = { version = "1", optional = true }

[features]
default = ["probe"]
probe = []
gpu = ["dep:video", "fast"]
fast = []
images = ["image/png"]
weak = ["serde?/std"]
"#;

    #[test]
    fn defaults_and_what_they_enable() {
        let request = Request::default();
        assert_eq!(
            resolve_text(MANIFEST, &request).unwrap(),
            ["default", "probe"]
        );
    }

    #[test]
    fn requested_features_enable_theirs_transitively() {
        let request = Request {
            features: vec!["gpu, images".to_owned(), "weak".to_owned()],
            no_default: true,
            all: false,
        };
        assert_eq!(
            resolve_text(MANIFEST, &request).unwrap(),
            ["fast", "gpu", "image", "images", "weak"]
        );
    }

    #[test]
    fn all_features_include_implicit_ones_but_not_dep_prefixed() {
        let request = Request {
            all: true,
            ..Request::default()
        };
        let all = resolve_text(MANIFEST, &request).unwrap();
        assert_eq!(
            all,
            [
                "default", "fast", "gpu", "image", "images", "probe", "serde", "weak"
            ]
        );
        assert!(
            !all.contains(&"video".to_owned()),
            "`dep:video` hides the implicit feature"
        );
    }

    #[test]
    fn unknown_features_are_errors_with_a_suggestion() {
        let request = Request {
            features: vec!["gpus".to_owned()],
            ..Request::default()
        };
        let message = resolve_text(MANIFEST, &request).unwrap_err();
        assert!(
            message.starts_with("the crate has no feature `gpus`; did you mean `gpu`?"),
            "{message}"
        );
        let bare = "[package]\nname = \"app\"\n";
        assert_eq!(
            resolve_text(bare, &request).unwrap_err(),
            "the crate has no feature `gpus`; it declares no features"
        );
        assert_eq!(
            resolve_text(bare, &Request::default()).unwrap(),
            Vec::<String>::new()
        );
    }
}
