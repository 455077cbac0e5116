//! `lab exec`: turning the user's command into the guest's script, and
//! `--file` specs into image entries.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

/// What to run in the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A program and its arguments, each passed as one argument, as given.
    Argv(Vec<String>),
    /// A shell command line for busybox sh (`--sh`): pipes, redirections, `$VARS`.
    Shell(String),
}

impl Command {
    /// The line of the guest script that runs it.
    ///
    /// Errors: an argv of one word containing whitespace, which is almost
    /// always a shell command line given without `--sh`.
    pub fn script(&self) -> Result<String> {
        match self {
            Command::Shell(line) => Ok(line.clone()),
            Command::Argv(argv) => {
                if let [word] = argv.as_slice() {
                    if word.contains(char::is_whitespace) {
                        bail!(
                            "lab exec -- {}: one word with spaces would run a program named {word:?}; \
                             for a shell command line write `lab exec --sh {}` (or \
                             `lab exec -- sh -c {}`), for a program with arguments give them \
                             as separate words",
                            sh_quote(word),
                            sh_quote(word),
                            sh_quote(word)
                        );
                    }
                }
                Ok(argv
                    .iter()
                    .map(|w| sh_quote(w))
                    .collect::<Vec<_>>()
                    .join(" "))
            }
        }
    }
}

/// One word for a POSIX shell: single-quoted unless it is plainly safe.
pub fn sh_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c));
    if safe {
        word.to_string()
    } else {
        single_quoted(word)
    }
}

/// `word` in single quotes, always (a `'` inside as `'\''`): one shell word, nothing expanded.
pub fn single_quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// `HOST[:GUEST]`; the guest path defaults to `/lab/bin/<file name>` with
/// whitespace replaced by `_` (the guest image's list cannot hold spaces).
pub fn file_spec(spec: &str) -> Result<(PathBuf, String)> {
    let (host, guest) = match spec.rsplit_once(':') {
        // A colon inside an existing host path is part of the path.
        Some((h, g)) if g.starts_with('/') && !std::path::Path::new(spec).exists() => {
            (PathBuf::from(h), g.to_string())
        }
        _ => {
            let host = PathBuf::from(spec);
            let name = host
                .file_name()
                .context("--file needs a file name")?
                .to_string_lossy()
                .replace(char::is_whitespace, "_");
            (host, format!("/lab/bin/{name}"))
        }
    };
    if !host.is_file() {
        bail!("--file {spec}: {} is not a file", host.display());
    }
    if guest.contains(char::is_whitespace) {
        bail!("--file {spec}: the guest path {guest:?} cannot contain spaces; pick another");
    }
    Ok((host, guest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Command {
        Command::Argv(words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn argv_words_are_quoted_as_given() {
        // The issue's inputs: `printf '[%s]\n' 'a b' c` and `echo 'a   b'`.
        assert_eq!(
            argv(&["printf", "[%s]\\n", "a b", "c"]).script().unwrap(),
            r"printf '[%s]\n' 'a b' c"
        );
        assert_eq!(argv(&["echo", "a   b"]).script().unwrap(), "echo 'a   b'");
        assert_eq!(argv(&["echo", "it's"]).script().unwrap(), r"echo 'it'\''s'");
        assert_eq!(argv(&["echo", ""]).script().unwrap(), "echo ''");
        assert_eq!(
            argv(&["echo", "$HOME;*"]).script().unwrap(),
            "echo '$HOME;*'"
        );
    }

    #[test]
    fn one_word_with_spaces_needs_sh() {
        let e = argv(&["printf hello"]).script().unwrap_err().to_string();
        assert!(e.contains("--sh 'printf hello'"), "{e}");
        assert_eq!(
            Command::Shell("printf hello | wc -c".into())
                .script()
                .unwrap(),
            "printf hello | wc -c"
        );
    }

    #[test]
    fn file_spec_defaults_to_lab_bin() {
        let (h, g) = file_spec("/bin/sh").unwrap();
        assert_eq!((h, g.as_str()), (PathBuf::from("/bin/sh"), "/lab/bin/sh"));
        assert_eq!(file_spec("/bin/sh:/x/y").unwrap().1, "/x/y");
        assert!(file_spec("/nonexistent").is_err());
        assert!(file_spec("/bin/sh:/x y").is_err());
    }

    #[test]
    fn file_with_a_space_gets_a_safe_guest_name() {
        let dir = std::env::temp_dir().join(format!("lab-exec-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let host = dir.join("my prog");
        std::fs::write(&host, "x").unwrap();
        let (h, g) = file_spec(host.to_str().unwrap()).unwrap();
        assert_eq!((h, g.as_str()), (host.clone(), "/lab/bin/my_prog"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
