//! Guest scripts: `crates/lab/guest/scripts/*.sh`, included at build time.
//! The runner prepends each script's parameters and its named exit codes as
//! shell variables, so the numbers live here, once, and a failure can say
//! which step failed.

use anyhow::Result;

use crate::vm::exec::single_quoted;
use crate::vm::guest::{Lab, Outcome, Scenario};

/// An exit code a script may end with: shell variable, value, meaning.
#[derive(Debug, Clone, Copy)]
pub struct Exit {
    pub var: &'static str,
    pub code: i32,
    pub what: &'static str,
}

impl Exit {
    pub const fn new(var: &'static str, code: i32, what: &'static str) -> Self {
        Exit { var, code, what }
    }
}

/// A guest script and the exit codes it names.
#[derive(Debug)]
pub struct Script {
    /// File name under crates/lab/guest/scripts.
    pub file: &'static str,
    pub text: &'static str,
    pub exits: &'static [Exit],
}

/// `guest_script!("x.sh", EXITS)`: the script file, included at build time.
macro_rules! guest_script {
    ($file:literal, $exits:expr) => {
        $crate::vm::script::Script {
            file: $file,
            text: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/guest/scripts/",
                $file
            )),
            exits: $exits,
        }
    };
}
pub(crate) use guest_script;

impl Script {
    /// The script with `vars` and its exit codes defined first.
    pub fn with(&self, vars: &[(&str, String)]) -> String {
        let mut s = format!("# guest/scripts/{}\n", self.file);
        for (name, value) in vars {
            s.push_str(&format!("{name}={}\n", single_quoted(value)));
        }
        for e in self.exits {
            s.push_str(&format!("{}={}\n", e.var, e.code));
        }
        s.push_str(self.text);
        s
    }

    /// What exit status `code` means, if the script names it.
    pub fn meaning(&self, code: i32) -> Option<&'static str> {
        self.exits.iter().find(|e| e.code == code).map(|e| e.what)
    }

    /// Boots `scenario` (running this script) and fails unless the run was
    /// clean, naming the step a named exit status stands for.
    pub fn run_clean(&self, lab: &Lab, scenario: &Scenario) -> Result<Outcome> {
        let outcome = lab.boot(scenario)?;
        if let Err(e) = outcome.verdict() {
            let step = outcome
                .exit_code
                .and_then(|c| self.meaning(c))
                .map_or(String::new(), |what| format!(" ({what})"));
            return Err(e.context(format!("guest scenario '{}' failed{step}", scenario.name)));
        }
        Ok(outcome)
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Checks a rendered script: every `$EXIT_*` it uses is defined, every
    /// exit it defines is used, codes are distinct and non-zero, every
    /// upper-case variable it reads is set, and `sh -n` accepts it.
    pub fn check(script: &Script, rendered: &str) {
        let used: BTreeSet<&str> = shell_vars(script.text)
            .into_iter()
            .filter(|v| v.starts_with("EXIT_"))
            .collect();
        let defined: BTreeSet<&str> = script.exits.iter().map(|e| e.var).collect();
        assert_eq!(used, defined, "{}: exit codes used vs defined", script.file);
        let codes: BTreeSet<i32> = script.exits.iter().map(|e| e.code).collect();
        assert_eq!(
            codes.len(),
            script.exits.len(),
            "{}: duplicate exit code",
            script.file
        );
        // 1 and 2 are the shell's own (a failed builtin, a syntax error), 126/127 a command
        // that cannot run, 128+n a signal: a named step must not be blamed for those.
        assert!(
            codes.iter().all(|c| (10..126).contains(c)),
            "{}: exit codes must lie in 10..126, apart from the shell's own",
            script.file
        );
        for var in shell_vars(script.text) {
            let set = rendered.lines().any(|l| l.starts_with(&format!("{var}=")))
                || script.text.contains(&format!("export {var}="));
            assert!(set, "{}: ${var} is never set", script.file);
        }
        let status = std::process::Command::new("sh")
            .args(["-n", "-c", rendered])
            .status()
            .unwrap();
        assert!(status.success(), "{}: sh -n rejects it", script.file);
    }

    /// Upper-case variables the script reads (`$NAME`; not `$1`).
    fn shell_vars(text: &str) -> BTreeSet<&str> {
        text.match_indices('$')
            .filter_map(|(i, _)| {
                let rest = &text[i + 1..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()))
                    .unwrap_or(rest.len());
                // `$1`: a positional parameter, not a variable.
                (end > 0 && !rest.starts_with(|c: char| c.is_ascii_digit())).then(|| &rest[..end])
            })
            .collect()
    }

    #[test]
    fn quotes_one_word() {
        assert_eq!(single_quoted("a b"), "'a b'");
        assert_eq!(single_quoted("it's"), r"'it'\''s'");
        assert_eq!(single_quoted("5"), "'5'");
    }
}
