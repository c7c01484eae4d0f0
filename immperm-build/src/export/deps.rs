//! The workspace crates a crate depends on by path: their annotations belong to its policy.
//!
//! A binary's policy must cover the code of the libraries it links. Libraries of the same
//! workspace are found through the `path` of their entries in `[dependencies]` (and in
//! `[target.'cfg(..)'.dependencies]` tables, whatever their predicate: a dependency for
//! another target would be scanned too, which can only make the policy broader), recursively,
//! and scanned with the same target cfg and the features the dependency entry enables plus
//! the dependency's default features. Registry dependencies are not scanned: a published
//! crate's annotations reach the policy when it is added by path or vendored.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::{BuildError, io};
use crate::scan::CfgSet;

/// One path dependency to scan.
pub(super) struct PathDependency {
    /// The package name.
    pub(super) name: String,
    /// Its directory.
    pub(super) manifest_dir: PathBuf,
    /// Its directory relative to the top crate's, with `/` separators.
    pub(super) relative: String,
    /// The cfg to scan it with.
    pub(super) cfg: CfgSet,
}

/// A dependency entry as written: its key, its path, its features and whether it keeps its
/// default features.
struct Entry {
    path: String,
    features: Vec<String>,
    default_features: bool,
}

fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t DeValue<'i>> {
    table.get(key).map(toml::Spanned::get_ref)
}

fn table<'t, 'i>(value: Option<&'t DeValue<'i>>) -> Option<&'t DeTable<'i>> {
    match value {
        Some(DeValue::Table(table)) => Some(table),
        _ => None,
    }
}

/// The strings of an array value; empty for anything else.
fn strings(value: Option<&DeValue<'_>>) -> Vec<String> {
    match value {
        Some(DeValue::Array(items)) => items
            .iter()
            .filter_map(|item| match item.get_ref() {
                DeValue::String(s) => Some(s.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `[dependencies]` and every `[target.*.dependencies]`.
fn dependency_tables<'t, 'i>(manifest: &'t DeTable<'i>) -> impl Iterator<Item = &'t DeTable<'i>> {
    let target_tables = table(get(manifest, "target"))
        .into_iter()
        .flat_map(|targets| targets.values())
        .filter_map(|target| table(Some(target.get_ref())))
        .filter_map(|target| table(get(target, "dependencies")));
    table(get(manifest, "dependencies"))
        .into_iter()
        .chain(target_tables)
}

fn entries(manifest: &DeTable<'_>) -> Vec<Entry> {
    dependency_tables(manifest)
        .flat_map(|deps| deps.values())
        .filter_map(|spec| {
            let spec = table(Some(spec.get_ref()))?;
            let DeValue::String(path) = get(spec, "path")? else {
                return None;
            };
            Some(Entry {
                path: path.to_string(),
                features: strings(get(spec, "features")),
                default_features: !matches!(
                    get(spec, "default-features"),
                    Some(DeValue::Boolean(false))
                ),
            })
        })
        .collect()
}

/// The package name and the `[features]` table's `default` list of a manifest.
fn package(manifest: &DeTable<'_>) -> (String, Vec<String>) {
    let name = match table(get(manifest, "package")).and_then(|p| get(p, "name")) {
        Some(DeValue::String(name)) => name.to_string(),
        _ => String::new(),
    };
    let default = strings(table(get(manifest, "features")).and_then(|f| get(f, "default")));
    (name, default)
}

/// Whether a manifest depends on `immperm` in `[dependencies]` or a target's dependencies:
/// only there can its code carry `#[requires_imm]`.
fn uses_immperm(manifest: &DeTable<'_>) -> bool {
    dependency_tables(manifest).any(|deps| deps.contains_key("immperm"))
}

fn read(manifest_dir: &Path) -> Result<String, BuildError> {
    let path = manifest_dir.join("Cargo.toml");
    std::fs::read_to_string(&path).map_err(|e| io(&path, &e))
}

fn parse<'a>(text: &'a str, manifest_dir: &Path) -> Result<DeTable<'a>, BuildError> {
    DeTable::parse(text)
        .map(toml::Spanned::into_inner)
        .map_err(|e| BuildError::Io {
            path: manifest_dir.join("Cargo.toml"),
            message: format!("invalid TOML: {}", e.message().trim_end()),
        })
}

/// The path dependencies of the crate in `manifest_dir` that use immperm, transitively, in
/// a stable order.
pub(super) fn path_dependencies(
    manifest_dir: &Path,
    target_cfg: &CfgSet,
) -> Result<Vec<PathDependency>, BuildError> {
    let top = manifest_dir
        .canonicalize()
        .map_err(|e| io(manifest_dir, &e))?;
    let mut seen = BTreeSet::from([top.clone()]);
    let mut queue = vec![top.clone()];
    let mut out = Vec::new();
    while let Some(dir) = queue.pop() {
        let text = read(&dir)?;
        let table = parse(&text, &dir)?;
        for entry in entries(&table) {
            let Ok(dep_dir) = dir.join(&entry.path).canonicalize() else {
                continue;
            };
            if !seen.insert(dep_dir.clone()) {
                continue;
            }
            let dep_text = read(&dep_dir)?;
            queue.push(dep_dir.clone());
            let dep_table = parse(&dep_text, &dep_dir)?;
            if !uses_immperm(&dep_table) {
                continue;
            }
            let (name, default) = package(&dep_table);
            let mut cfg = target_cfg.without_features();
            let defaults = if entry.default_features {
                default
            } else {
                Vec::new()
            };
            for feature in entry.features.iter().chain(&defaults) {
                cfg = cfg.with_feature(feature);
            }
            out.push(PathDependency {
                name,
                relative: relative(&top, &dep_dir),
                manifest_dir: dep_dir,
                cfg,
            });
        }
    }
    out.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(out)
}

/// `to` relative to `from` (`../media-lib`), with `/` separators.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_owned(), from.len().saturating_sub(common));
    let downs = to
        .iter()
        .skip(common)
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}
