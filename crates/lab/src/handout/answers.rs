//! No answers in a handout: every function body of the reference modules (kernel/hello,
//! kernel/mymem, kernel/mymem_c, kernel/mymem_test) is looked for in every file of a
//! handout, and so is every reference source file as a whole, except what is given on
//! purpose (`skeleton::GIVEN_FILES`, `skeleton::GIVEN_FUNCTIONS`: the one list).
//!
//! Bodies are found with a small lexer (comments, strings and char literals of Rust and C, so
//! braces in them do not count) and a brace matcher: a Rust body follows `fn NAME(...) ... {`,
//! a C body a top-level `{` right after a `)`. Text is compared with comments and all
//! whitespace removed, so reformatting or re-commenting a copied body does not hide it.
//! Bodies shorter than [`MIN_TOKENS`] tokens (`{ Ok(()) }`, a getter) are too common to mean
//! anything and are not looked for.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::grading::skeleton::{GIVEN_FILES, GIVEN_FUNCTIONS};

/// The reference solutions, relative to the kit's root.
pub const REFERENCE_DIRS: &[&str] = &[
    "kernel/hello",
    "kernel/mymem",
    "kernel/mymem_c",
    "kernel/mymem_test",
];

/// Bodies with fewer tokens than this are not looked for.
pub const MIN_TOKENS: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Rust,
    C,
    /// Anything else: only whitespace is removed.
    Text,
}

fn syntax(path: &Path) -> Syntax {
    match path.extension().and_then(|e| e.to_str()) {
        Some("rs") => Syntax::Rust,
        Some("c" | "h") => Syntax::C,
        _ => Syntax::Text,
    }
}

/// `src` with comments (and C preprocessor lines) turned into spaces, and which chars are
/// inside a string or char literal.
fn clean(src: &str, syn: Syntax) -> (Vec<char>, Vec<bool>) {
    let s: Vec<char> = src.chars().collect();
    let mut out = Vec::with_capacity(s.len());
    let mut lit = Vec::with_capacity(s.len());
    let mut i = 0;
    let at = |i: usize, t: &str| t.chars().enumerate().all(|(k, c)| s.get(i + k) == Some(&c));
    let mut line_start = true;
    while i < s.len() {
        let c = s[i];
        if syn == Syntax::Text {
            out.push(c);
            lit.push(false);
            i += 1;
            continue;
        }
        if syn == Syntax::C && line_start && c == '#' {
            // A preprocessor line, with its continuations.
            while i < s.len() && !(s[i] == '\n' && s[i - 1] != '\\') {
                i += 1;
            }
            out.push(' ');
            lit.push(false);
            continue;
        }
        if !c.is_whitespace() {
            line_start = false;
        } else if c == '\n' {
            line_start = true;
        }
        if at(i, "//") {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
            out.push(' ');
            lit.push(false);
            continue;
        }
        if at(i, "/*") {
            let mut depth = 0;
            while i < s.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    i += 2;
                    // C comments do not nest.
                    depth = if syn == Syntax::C { 0 } else { depth - 1 };
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
            lit.push(false);
            continue;
        }
        let ident_before = i > 0 && (s[i - 1].is_alphanumeric() || s[i - 1] == '_');
        if syn == Syntax::Rust
            && c == 'r'
            && !ident_before
            && matches!(s.get(i + 1), Some('"' | '#'))
        {
            // Raw string r"..." / r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while s.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if s.get(j) == Some(&'"') {
                let close: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let mut k = j + 1;
                while k < s.len() && !at(k, &close) {
                    k += 1;
                }
                let end = (k + close.len()).min(s.len());
                for &ch in &s[i..end] {
                    out.push(ch);
                    lit.push(true);
                }
                i = end;
                continue;
            }
        }
        if c == '"' {
            let mut k = i + 1;
            while k < s.len() && s[k] != '"' {
                k += if s[k] == '\\' { 2 } else { 1 };
            }
            let end = (k + 1).min(s.len());
            for &ch in &s[i..end] {
                out.push(ch);
                lit.push(true);
            }
            i = end;
            continue;
        }
        if c == '\'' {
            // A char literal ('x', '\n', '\u{7f}'); in Rust a lone ' is a lifetime.
            let end = if s.get(i + 1) == Some(&'\\') {
                (i + 2..s.len().min(i + 12)).find(|&k| s[k] == '\'')
            } else if s.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            if let Some(end) = end {
                for &ch in &s[i..=end] {
                    out.push(ch);
                    lit.push(true);
                }
                i = end + 1;
                continue;
            }
        }
        out.push(c);
        lit.push(false);
        i += 1;
    }
    (out, lit)
}

/// Text without whitespace: what is compared.
fn squash(chars: &[char]) -> String {
    chars.iter().filter(|c| !c.is_whitespace()).collect()
}

/// Tokens, roughly: identifier/number runs count one, every other visible char one.
fn tokens(chars: &[char]) -> usize {
    let word = |c: &char| c.is_alphanumeric() || *c == '_';
    let mut n = 0;
    let mut in_word = false;
    for c in chars {
        if word(c) {
            if !in_word {
                n += 1;
            }
            in_word = true;
        } else {
            in_word = false;
            if !c.is_whitespace() {
                n += 1;
            }
        }
    }
    n
}

/// A function body of a reference file.
#[derive(Debug, Clone)]
pub struct Body {
    /// The reference file, relative to the kit's root.
    pub file: String,
    pub function: String,
    /// The body between its braces, without comments and whitespace.
    pub text: String,
    pub tokens: usize,
}

/// The index of the brace closing the one at `open`, among code chars.
fn matching(chars: &[char], lit: &[bool], open: usize) -> Option<usize> {
    let mut depth = 0;
    for k in open..chars.len() {
        if lit[k] {
            continue;
        }
        match chars[k] {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// (function name, body chars between the braces) of every function defined in `src`.
fn functions(src: &str, syn: Syntax) -> Vec<(String, Vec<char>)> {
    let (chars, lit) = clean(src, syn);
    let mut found = Vec::new();
    match syn {
        Syntax::Rust => {
            let mut i = 0;
            while i + 2 < chars.len() {
                let kw = !lit[i]
                    && chars[i] == 'f'
                    && chars[i + 1] == 'n'
                    && chars[i + 2].is_whitespace()
                    && (i == 0 || !is_word(chars[i - 1]));
                if !kw {
                    i += 1;
                    continue;
                }
                let mut j = i + 2;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                let name: String = chars[j..].iter().take_while(|c| is_word(**c)).collect();
                // The body's `{`, or a `;` for a declaration without one.
                let mut depth = 0i32;
                let mut open = None;
                for k in j..chars.len() {
                    if lit[k] {
                        continue;
                    }
                    match chars[k] {
                        '(' | '[' => depth += 1,
                        ')' | ']' => depth -= 1,
                        '{' if depth == 0 => {
                            open = Some(k);
                            break;
                        }
                        ';' if depth == 0 => break,
                        _ => {}
                    }
                }
                if let Some(open) = open {
                    if let Some(close) = matching(&chars, &lit, open) {
                        found.push((name, chars[open + 1..close].to_vec()));
                    }
                }
                i = j;
            }
        }
        Syntax::C => {
            let mut i = 0;
            while i < chars.len() {
                if lit[i] || chars[i] != '{' {
                    i += 1;
                    continue;
                }
                let Some(close) = matching(&chars, &lit, i) else {
                    break;
                };
                let prev = chars[..i].iter().rposition(|c| !c.is_whitespace());
                if let Some(p) = prev.filter(|&p| chars[p] == ')') {
                    // The identifier before the parameter list's `(`.
                    let mut depth = 0;
                    let mut k = p;
                    loop {
                        match chars[k] {
                            ')' => depth += 1,
                            '(' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        if k == 0 {
                            break;
                        }
                        k -= 1;
                    }
                    let end = chars[..k].iter().rposition(|c| !c.is_whitespace());
                    let name: String = end
                        .map(|e| {
                            let start = chars[..=e]
                                .iter()
                                .rposition(|c| !is_word(*c))
                                .map_or(0, |s| s + 1);
                            chars[start..=e].iter().collect()
                        })
                        .unwrap_or_default();
                    found.push((name, chars[i + 1..close].to_vec()));
                }
                i = close + 1;
            }
        }
        Syntax::Text => {}
    }
    found
}

/// The reference source files (.rs, .c, .h) under `root`'s REFERENCE_DIRS, relative paths.
fn reference_files(root: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for dir in REFERENCE_DIRS {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .with_context(|| format!("cannot read {dir}"))?
            .filter_map(|e| Some(e.ok()?.path()))
            .filter(|p| syntax(p) != Syntax::Text)
            .collect();
        entries.sort();
        for p in entries {
            files.push(format!(
                "{dir}/{}",
                p.file_name().expect("a file").to_string_lossy()
            ));
        }
    }
    Ok(files)
}

fn given_function(file: &str, function: &str) -> bool {
    GIVEN_FUNCTIONS
        .iter()
        .any(|(f, names)| *f == file && names.contains(&function))
}

/// Every answer body of the reference modules: not in a given file, not a given function,
/// at least MIN_TOKENS long.
pub fn reference_bodies(root: &Path) -> Result<Vec<Body>> {
    let mut bodies = Vec::new();
    for file in reference_files(root)? {
        if GIVEN_FILES.contains(&file.as_str()) {
            continue;
        }
        let path = root.join(&file);
        let src = std::fs::read_to_string(&path)?;
        for (function, chars) in functions(&src, syntax(&path)) {
            let tokens = tokens(&chars);
            if tokens < MIN_TOKENS || given_function(&file, &function) {
                continue;
            }
            bodies.push(Body {
                file: file.clone(),
                function,
                text: squash(&chars),
                tokens,
            });
        }
    }
    Ok(bodies)
}

/// The text a file of a handout is compared as: comments and whitespace removed (a patch's
/// line markers too, so that a diff of a reference file is seen through).
fn compared(path: &Path, text: &str) -> String {
    let is_patch = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("patch" | "diff")
    );
    if is_patch {
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with("---") && !l.starts_with("+++"))
            .map(|l| l.get(1..).unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        return squash(&clean(&body, Syntax::Rust).0);
    }
    squash(&clean(text, syntax(path)).0)
}

fn walk(dir: &Path, into: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if [".git", "target", "results"].contains(&name.to_string_lossy().as_ref()) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), into)?;
        } else if entry.file_type()?.is_file() {
            into.push(entry.path());
        }
    }
    Ok(())
}

/// Every reference solution found in the handout at `dir`, one line each (empty: none):
/// a reference body inside any of its files, or a whole reference file.
pub fn check(dir: &Path) -> Result<Vec<String>> {
    check_against(&crate::paths::repo_root(), dir)
}

fn check_against(root: &Path, dir: &Path) -> Result<Vec<String>> {
    let bodies = reference_bodies(root)?;
    let mut wholes = Vec::new();
    for file in reference_files(root)? {
        if GIVEN_FILES.contains(&file.as_str()) {
            continue;
        }
        let path = root.join(&file);
        let text = compared(&path, &std::fs::read_to_string(&path)?);
        wholes.push((file, text));
    }
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut leaks = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not text
        };
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = compared(&path, &text);
        for (file, whole) in &wholes {
            if !whole.is_empty() && text.contains(whole.as_str()) {
                leaks.push(format!("{rel}: the whole of {file}"));
            }
        }
        for b in &bodies {
            if text.contains(&b.text) {
                leaks.push(format!(
                    "{rel}: the body of {}() of {} ({} tokens)",
                    b.function, b.file, b.tokens
                ));
            }
        }
    }
    Ok(leaks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handout::write::{roles, write};
    use crate::handout::Assignment;

    fn bodies_of(src: &str, syn: Syntax) -> Vec<(String, String)> {
        functions(src, syn)
            .into_iter()
            .map(|(n, b)| (n, squash(&b)))
            .collect()
    }

    #[test]
    fn rust_bodies_are_found_through_strings_comments_and_lifetimes() {
        let src = r##"
            // fn commented() { no }
            fn a<'x>(s: &'x str) -> Result<u8> { let c = '{'; let t = "}{"; let r = r#"}"#; Ok(0) }
            extern "C" { fn decl(x: u32) -> u32; }
            impl T { pub(crate) fn b(&self) where Self: Sized { if x { y } /* } */ } }
        "##;
        let got = bodies_of(src, Syntax::Rust);
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(got[0].1, "letc='{';lett=\"}{\";letr=r#\"}\"#;Ok(0)");
        assert_eq!(got[1].1, "ifx{y}");
    }

    #[test]
    fn c_bodies_are_found_but_not_initialisers() {
        let src = "#include <x.h>\n#define M(a) { a }\nstatic struct file_operations f = {\n\t.owner = THIS_MODULE,\n};\n\
                   static long foo(struct file *f, unsigned int cmd)\n{\n\tif (cmd) { return '}'; }\n\treturn 0; /* } */\n}\n";
        let got = bodies_of(src, Syntax::C);
        assert_eq!(got, [("foo".into(), "if(cmd){return'}';}return0;".into())]);
    }

    /// Today's reference modules have answer bodies in every reference directory, and every
    /// given function still exists (the list does not go stale).
    #[test]
    fn the_reference_has_answers_and_the_given_list_is_current() {
        let root = crate::paths::repo_root();
        let bodies = reference_bodies(&root).unwrap();
        for dir in REFERENCE_DIRS {
            assert!(
                bodies.iter().any(|b| b.file.starts_with(dir)),
                "no answer body found in {dir}"
            );
        }
        for f in GIVEN_FILES {
            assert!(root.join(f).is_file(), "GIVEN_FILES: no {f}");
        }
        for (file, names) in GIVEN_FUNCTIONS {
            let path = root.join(file);
            let src = std::fs::read_to_string(&path).unwrap();
            let defined: Vec<String> = functions(&src, syntax(&path))
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            for n in *names {
                assert!(
                    defined.iter().any(|d| d == n),
                    "GIVEN_FUNCTIONS: no {n} in {file}"
                );
            }
        }
    }

    fn handout(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lab-handout-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let all = roles(&[1, 2, 3, 4, 5], &[skeleton_lang_c(), skeleton_lang_rust()]).unwrap();
        write(&dir, &all, Assignment::Seed).unwrap();
        dir
    }

    fn skeleton_lang_c() -> crate::grading::skeleton::Lang {
        crate::grading::skeleton::Lang::C
    }

    fn skeleton_lang_rust() -> crate::grading::skeleton::Lang {
        crate::grading::skeleton::Lang::Rust
    }

    /// The handout as written has no answer in it; one reference body copied into a part
    /// directory, or one reference file copied whole, is found and named.
    #[test]
    fn a_handout_has_no_answers_and_a_copied_one_is_found() {
        let root = crate::paths::repo_root();
        let dir = handout("answers");
        let leaks = check(&dir).unwrap();
        assert!(
            leaks.is_empty(),
            "the handout gives answers away:\n{}",
            leaks.join("\n")
        );
        for part in [
            "part1-hello",
            "part2-driver-c",
            "part4-driver-rust",
            "part5-kernel-test",
        ] {
            assert!(dir.join(part).join("Kbuild").is_file(), "{part}");
        }
        assert!(dir.join("docs/device.md").is_file() && dir.join("docs/modules.md").is_file());
        // grade's tests read the CI templates, the GitLab one a hidden file.
        assert!(dir.join("grading/ci/.gitlab-ci.yml").is_file());
        assert!(!dir.join("docs/measurement.md").exists());
        assert!(!dir.join("kernel/mymem").exists() && !dir.join("tests/grade").exists());

        // One body: the C driver's read, into the C starter (reformatted on one line).
        let bodies = reference_bodies(&root).unwrap();
        let read = bodies
            .iter()
            .find(|b| b.file == "kernel/mymem_c/mymem_c.c" && b.function.contains("read"))
            .expect("the C driver's read body");
        let src = std::fs::read_to_string(root.join(&read.file)).unwrap();
        let (_, chars) = functions(&src, Syntax::C)
            .into_iter()
            .find(|(n, _)| *n == read.function)
            .unwrap();
        let one_line: String = chars
            .iter()
            .map(|c| if *c == '\n' { ' ' } else { *c })
            .collect();
        let starter = dir.join("part2-driver-c/mymem_c.c");
        let mut text = std::fs::read_to_string(&starter).unwrap();
        text.push_str(&format!(
            "\n/* pasted */\nstatic int pasted(void)\n{{{one_line}}}\n"
        ));
        std::fs::write(&starter, text).unwrap();
        let leaks = check(&dir).unwrap();
        assert_eq!(leaks.len(), 1, "{leaks:?}");
        assert!(
            leaks[0].starts_with("part2-driver-c/mymem_c.c: the body of ")
                && leaks[0].contains(&read.function),
            "{leaks:?}"
        );

        // One whole file: the Rust driver's device.rs over the starter's.
        std::fs::copy(
            root.join("kernel/mymem/device.rs"),
            dir.join("part4-driver-rust/device.rs"),
        )
        .unwrap();
        let leaks = check(&dir).unwrap();
        assert!(
            leaks
                .iter()
                .any(|l| l == "part4-driver-rust/device.rs: the whole of kernel/mymem/device.rs"),
            "{leaks:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
