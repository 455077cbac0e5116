//! docs/design.md's crate graph (the mermaid block) must be exactly the workspace's normal
//! dependencies among our own crates, as `cargo metadata` reports them: an edge added or
//! removed in a Cargo.toml fails here until the picture says the same.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

type Edges = BTreeSet<(String, String)>;

/// `a --> b` lines of the first mermaid block.
fn doc_edges(design: &str) -> Edges {
    let block = design
        .split("```mermaid")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/design.md has a mermaid block");
    block
        .lines()
        .filter_map(|l| l.split_once("-->"))
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .collect()
}

/// Normal (not dev, not build) dependencies from a workspace member to another member.
fn workspace_edges(root: &Path) -> Edges {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let ours: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut edges = Edges::new();
    for p in packages {
        for d in p["dependencies"].as_array().expect("dependencies") {
            let name = d["name"].as_str().expect("name");
            if d["kind"].is_null() && ours.contains(name) {
                edges.insert((p["name"].as_str().expect("name").into(), name.into()));
            }
        }
    }
    edges
}

#[test]
fn design_md_crate_graph_is_the_workspace_graph() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = doc_edges(&std::fs::read_to_string(root.join("docs/design.md")).unwrap());
    let real = workspace_edges(&root);
    let missing: Vec<_> = real.difference(&doc).collect();
    let extra: Vec<_> = doc.difference(&real).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/design.md's graph is wrong: missing {missing:?}, not in Cargo.toml {extra:?}"
    );
}

#[test]
fn an_omitted_edge_is_caught() {
    let doc = doc_edges("```mermaid\ngraph LR\n  a --> b\n```\n");
    let mut real = doc.clone();
    real.insert(("mymem-cli".into(), "rawsys".into()));
    assert_ne!(doc, real);
    assert_eq!(doc.len(), 1);
}
