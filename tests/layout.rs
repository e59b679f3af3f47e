//! The shape of the source tree: a protocol is named only in its own folder, no source file grows
//! past ~700 lines, the page's files import one another without a circle, and nothing refers
//! to files outside the repository.
#![cfg(not(target_arch = "wasm32"))]

use consensus_playground::playground::protocol_names;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn files(dir: &Path, ends: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let path = entry.path();
        if path.is_dir() {
            files(&path, ends, out);
        } else if path.to_string_lossy().ends_with(ends) {
            out.push(path);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sources() -> Vec<(PathBuf, String)> {
    let mut paths = Vec::new();
    files(&root().join("src"), ".rs", &mut paths);
    paths.sort();
    paths.into_iter().map(|p| (p.clone(), std::fs::read_to_string(&p).unwrap())).collect()
}

#[test]
fn a_protocol_is_named_only_in_its_own_folder() {
    let sources = sources();
    for name in protocol_names() {
        let literal = format!("\"{name}\"");
        let home = sources
            .iter()
            .find(|(_, text)| text.contains(&format!("const NAME: &'static str = {literal};")))
            .map(|(path, _)| path.parent().unwrap().to_path_buf())
            .unwrap_or_else(|| panic!("no protocol defines NAME {literal}"));
        for (path, text) in &sources {
            if text.contains(&literal) {
                assert!(
                    path.starts_with(&home),
                    "{} names protocol {literal} outside {}",
                    path.display(),
                    home.display()
                );
            }
        }
    }
}

#[test]
fn no_source_file_is_over_700_lines() {
    for (path, text) in sources() {
        let lines = text.lines().count();
        assert!(lines <= 720, "{} has {lines} lines: split it along its concerns", path.display());
    }
}

#[test]
fn the_page_s_files_import_one_another_without_a_circle() {
    let mut imports: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, text) in sources().into_iter().filter(|(p, _)| p.parent().unwrap().ends_with("src/ui")) {
        let me = path.file_stem().unwrap().to_string_lossy().to_string();
        let uses = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("use super::"))
            .filter_map(|rest| rest.split(|c: char| !c.is_alphanumeric() && c != '_').next())
            .map(str::to_string)
            .collect();
        imports.insert(me, uses);
    }
    assert!(imports.len() > 5, "{imports:?}");
    // Depth-first search for a cycle.
    fn visit(node: &str, graph: &BTreeMap<String, Vec<String>>, path: &mut Vec<String>, done: &mut Vec<String>) {
        if done.iter().any(|d| d == node) {
            return;
        }
        if let Some(at) = path.iter().position(|p| p == node) {
            panic!("src/ui imports in a circle: {} -> {node}", path[at..].join(" -> "));
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.push(node.to_string());
    }
    let mut done = Vec::new();
    for node in imports.keys() {
        visit(node, &imports, &mut Vec::new(), &mut done);
    }
}

#[test]
fn nothing_refers_outside_the_repository() {
    let mut paths = Vec::new();
    for dir in ["src", "docs", "scripts", "www"] {
        files(&root().join(dir), "", &mut paths);
    }
    paths.push(root().join("README.md"));
    paths.push(root().join("index.html"));
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for needle in ["../shared", "shared/TRACE", "shared/STYLE", "shared/TOOLCHAIN", "shared/testdata"] {
            assert!(!text.contains(needle), "{} refers to {needle}, outside the repository", path.display());
        }
    }
}
