//! No circle of files in crates/lab and crates/stress: a file that reaches another through
//! `crate::`/`super::` paths (in `use` or inline, test code aside) must not be reached back.
//! A circle means neither file can be read, changed or moved without the other; break it by
//! moving what both need into a leaf file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`["vm", "exec"]`) of every `.rs` file under `src`.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(src).unwrap().with_extension("");
            let mut m: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(m.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                m.pop();
            }
            out.insert(m, p);
        }
    }
    out
}

/// The code before the first `#[cfg(test)]`, line comments removed.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path of a use tree (`a::{b, c::{d, e}}` gives `a::b`, `a::c::d`, `a::c::e`).
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or("").to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').expect("balanced use tree")];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(expand)
        .map(|p| format!("{prefix}{p}"))
        .collect()
}

/// `crate::`/`super::`/`self::` paths the code names: use trees expanded, inline paths as is.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let boundary = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric();
        let tail = &rest[i + 4..];
        let end = tail.find(';').unwrap_or(tail.len());
        if boundary {
            out.extend(expand(&tail[..end]));
        }
        rest = &tail[if boundary { end } else { 0 }..];
    }
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        for (i, _) in code.match_indices(start) {
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b':') {
                continue;
            }
            let len = code[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(code.len() - i);
            out.push(code[i..i + len].trim_end_matches(':').to_string());
        }
    }
    out
}

/// The module (file) a path named in module `from` lands in: the longest prefix that is a file.
fn target(
    mods: &BTreeMap<Vec<String>, PathBuf>,
    from: &[String],
    path: &str,
) -> Option<Vec<String>> {
    let mut segs = path.split("::").filter(|s| !s.is_empty()).peekable();
    // `self` is the file's own module; each `super` pops one segment (`a/b.rs` -> `a`,
    // `a/mod.rs` -> the crate root).
    let mut at: Vec<String> = match segs.peek().copied()? {
        "crate" => {
            segs.next();
            Vec::new()
        }
        "super" | "self" => from.to_vec(),
        _ => return None,
    };
    while let Some(&s) = segs.peek() {
        match s {
            "super" => {
                at.pop();
            }
            "self" => {}
            _ => break,
        }
        segs.next();
    }
    for s in segs {
        let mut next = at.clone();
        next.push(s.to_string());
        if !mods.contains_key(&next) {
            break;
        }
        at = next;
    }
    mods.contains_key(&at).then_some(at)
}

/// A circle of files, if any: the files in order, the first repeated at the end.
fn circle(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<Vec<String>>> {
    fn visit(
        n: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        state.insert(n.clone(), 1);
        stack.push(n.clone());
        for m in graph.get(n).into_iter().flatten() {
            match state.get(m) {
                Some(1) => {
                    let i = stack.iter().position(|x| x == m).unwrap();
                    let mut c = stack[i..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(m, graph, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if !state.contains_key(n) {
            if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mods = modules(src);
    let mut graph = BTreeMap::new();
    for (m, file) in &mods {
        let text = std::fs::read_to_string(file).unwrap();
        let deps: BTreeSet<Vec<String>> = paths(&code(&text))
            .iter()
            .filter_map(|p| target(&mods, m, p))
            .filter(|t| t != m)
            .collect();
        graph.insert(m.clone(), deps);
    }
    graph
}

fn show(c: &[Vec<String>]) -> String {
    c.iter()
        .map(|m| {
            if m.is_empty() {
                "crate".into()
            } else {
                m.join("::")
            }
        })
        .collect::<Vec<_>>()
        .join(" -> ")
}

#[test]
fn no_circle_of_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for krate in ["crates/lab", "crates/stress"] {
        let g = graph(&root.join(krate).join("src"));
        assert!(g.len() > 3, "{krate}: too few files found");
        if let Some(c) = circle(&g) {
            panic!("{krate}: a circle of files: {}", show(&c));
        }
    }
}

/// The checker itself finds a circle and resolves nested use trees.
#[test]
fn a_circle_is_found() {
    let v = |s: &str| s.split("::").map(String::from).collect::<Vec<_>>();
    let mut g = BTreeMap::new();
    g.insert(v("a"), BTreeSet::from([v("b")]));
    g.insert(v("b"), BTreeSet::from([v("c")]));
    g.insert(v("c"), BTreeSet::from([v("a")]));
    assert_eq!(show(&circle(&g).unwrap()), "a -> b -> c -> a");
    g.insert(v("c"), BTreeSet::new());
    assert!(circle(&g).is_none());
    assert_eq!(
        expand("super::{op::{A, B}, gen}"),
        ["super::op::A", "super::op::B", "super::gen"]
    );
}
