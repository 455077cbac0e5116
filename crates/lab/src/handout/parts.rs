//! `lab parts`: a handout's modules at work, one boot. Each part directory of handout.toml
//! (built as `--driver`/`--test-module`/`--hello` build them: measure/drivers.rs, a part that
//! does not build yet is reported so) is loaded and unloaded, and, unless
//! `--load-only`, exercised a little: hello's log lines, a write/read/lseek through each
//! driver and its ioctls, the part-5 module refused without the driver and run once after it.
//! What the student's code does is shown, not judged (that is `lab grade`); the command fails
//! when a part does not load or unload, or the kernel reports a problem (oops, WARN, hang).

use std::fmt::Write as _;

use anyhow::{bail, Context, Result};

use super::{Layout, Role, DRIVER_C, DRIVER_RUST, HELLO, KERNEL_TEST};
use crate::measure::drivers::{ModuleArgs, Plan};
use crate::vm::guest::{Lab, Scenario};
use crate::vm::guest_results::read_result;

/// Marker lines the script prints, so the host can cut the console per part.
const PART: &str = "@@LAB-PART";
const RESULT: &str = "@@LAB-PART-RESULT";

/// The runner's options naming the part directories of `layout` (relative to `root`), as
/// the handout's Makefile passes them: `--driver` per driver, `--test-module`, `--hello`.
pub fn module_args(layout: &Layout, root: &std::path::Path) -> ModuleArgs {
    let dir = |r: Role| layout.parts.get(r.module).map(|d| root.join(d));
    ModuleArgs {
        drivers: [DRIVER_C, DRIVER_RUST]
            .into_iter()
            .filter_map(dir)
            .collect(),
        devices: Vec::new(),
        test_module: dir(KERNEL_TEST),
        hello: dir(HELLO),
    }
}

/// A part directory in the boot: its role, the module it built (`None`: it did not build).
pub type Part<'a> = (Role, Option<&'a str>);

/// The parts of `layout` as `plan` built them.
pub fn parts<'a>(layout: &Layout, plan: &'a Plan) -> Vec<Part<'a>> {
    layout
        .roles()
        .into_iter()
        .map(|role| {
            let slot = match role {
                HELLO => &plan.hello,
                DRIVER_C => &plan.c,
                DRIVER_RUST => &plan.rust,
                _ => &plan.test,
            };
            let built = slot
                .given
                .as_ref()
                .filter(|g| g.build_error.is_none())
                .map(|g| g.module.as_str());
            (role, built)
        })
        .collect()
}

/// The guest script for `parts`.
pub fn script(parts: &[Part], load_only: bool) -> String {
    // `res VERDICT WHAT`: one step's result, on the console (shown) and in a results file
    // (counted: a console line can be garbled by the kernel's lines printed beside it).
    let mut s = format!(
        "set +e\nfailed=0\nko=/lab/modules\n\
         res() {{ v=$1; shift; echo \"{RESULT} $v $*@@\"; echo \"$v $*\" >> {file}; }}\n",
        file = results::layout::guest_path(RESULTS_FILE)
    );
    let check = |s: &mut String, what: &str, cmd: &str| {
        let _ = writeln!(
            s,
            "if {cmd}; then res ok {what}; else res failed {what}; failed=1; fi"
        );
    };
    // The Rust driver part 5 runs against: the handout's.
    let rust = parts
        .iter()
        .find(|(r, _)| *r == DRIVER_RUST)
        .and_then(|(_, m)| *m)
        .unwrap_or("mymem");
    for (role, module) in parts {
        let _ = writeln!(s, "echo \"{PART} {}@@\"", role.dir);
        let Some(m) = *module else {
            let _ = writeln!(
                s,
                "res failed {} builds '(its build log is in the run directory)'; failed=1",
                role.dir
            );
            continue;
        };
        match *role {
            HELLO => {
                check(
                    &mut s,
                    &format!("insmod {m} times=3"),
                    &format!("insmod $ko/{m}.ko times=3"),
                );
                check(&mut s, &format!("rmmod {m}"), &format!("rmmod {m}"));
                if !load_only {
                    let _ = writeln!(
                        s,
                        "insmod $ko/{m}.ko times=0 && rmmod {m}\necho \"insmod {m} times=0: $? (must fail)\""
                    );
                }
            }
            DRIVER_C | DRIVER_RUST => {
                let dev = format!("/dev/{m}");
                check(
                    &mut s,
                    &format!("insmod {m}"),
                    &format!("insmod $ko/{m}.ko"),
                );
                if !load_only {
                    let _ = writeln!(
                        s,
                        "ls -l {dev}\n\
                         printf 'hello, mymem' > {dev}; echo \"write 12 bytes: $?\"\n\
                         echo \"read them back:\"; dd if={dev} bs=12 count=1 2>/dev/null | hexdump -C\n\
                         echo \"bytes 7-11 (lseek to 7):\"; dd if={dev} bs=1 skip=7 count=5 2>/dev/null; echo"
                    );
                }
                check(&mut s, &format!("rmmod {m}"), &format!("rmmod {m}"));
            }
            KERNEL_TEST => {
                let _ = writeln!(
                    s,
                    "if insmod $ko/{m}.ko 2>/dev/null; then rmmod {m}; \
                     res failed {m} refused without {rust}; failed=1; \
                     else res ok {m} refused without {rust}; fi"
                );
                check(
                    &mut s,
                    &format!("insmod {rust}"),
                    &format!("insmod $ko/{rust}.ko"),
                );
                check(
                    &mut s,
                    &format!("insmod {m}"),
                    &format!("insmod $ko/{m}.ko"),
                );
                if !load_only {
                    let _ = writeln!(
                        s,
                        "echo 'all workers=4 iterations=200 trials=5 sizes=1,64' > /dev/{m}\ncat /dev/{m}"
                    );
                }
                check(&mut s, &format!("rmmod {m}"), &format!("rmmod {m}"));
                check(&mut s, &format!("rmmod {rust}"), &format!("rmmod {rust}"));
            }
            _ => {}
        }
    }
    s.push_str("exit $failed\n");
    s
}

/// The results file of the script (one `VERDICT WHAT` line a step).
const RESULTS_FILE: &str = "parts.txt";

/// The script's results file: (ok, what) per step.
fn results(text: &str) -> Vec<(bool, String)> {
    text.lines()
        .filter_map(|r| {
            let (verdict, what) = r.trim().split_once(' ')?;
            Some((verdict == "ok", what.to_string()))
        })
        .collect()
}

pub fn run(lab: &Lab, layout: &Layout, plan: &Plan, load_only: bool) -> Result<()> {
    let parts = parts(layout, plan);
    let scenario = Scenario::new("parts", &script(&parts, load_only)).timeout(300);
    let outcome = lab.boot(&scenario)?;
    // The console from the first part on: the student's kernel lines and the script's output.
    let shown: String = outcome
        .console
        .lines()
        .skip_while(|l| !l.contains(PART))
        .filter(|l| !l.contains("@@MYMEM-EXIT"))
        .map(|l| {
            let marker = |m: &str| l.trim().strip_prefix(m)?.strip_suffix("@@");
            if let Some(r) = marker(RESULT) {
                format!("  [{}\n", r.trim().replacen(' ', "] ", 1))
            } else if let Some(p) = marker(PART) {
                format!("\n== {}\n", p.trim())
            } else {
                format!("    {l}\n")
            }
        })
        .collect();
    let md = format!("# Your modules at work\n\n```\n{shown}\n```\n");
    let path = lab.run_dir.join("parts.md");
    std::fs::write(&path, md).with_context(|| format!("cannot write {}", path.display()))?;
    println!("{shown}");
    let results = results(&read_result(&outcome, RESULTS_FILE).unwrap_or_default());
    let failed: Vec<&str> = results
        .iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, w)| w.as_str())
        .collect();
    println!(
        "lab parts: {} of {} steps ok; {} (console: {})",
        results.len() - failed.len(),
        results.len(),
        path.display(),
        outcome.dir.join("console.log").display()
    );
    if !failed.is_empty() {
        bail!("failed: {}", failed.join(", "));
    }
    // Kernel problems (oops, WARN, hang) and a lost guest fail the command too.
    outcome.verdict()?;
    if !load_only {
        println!("Scores: make grade. Measurements and report.html: make run.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_checks_every_load_and_unload() {
        let all: Vec<Part> = super::super::ROLES
            .iter()
            .map(|r| (*r, Some(r.module)))
            .collect();
        let s = script(&all, true);
        let sh = std::process::Command::new("sh")
            .args(["-n", "-c", &s])
            .status()
            .unwrap();
        assert!(sh.success(), "sh -n rejects:\n{s}");
        for step in [
            "insmod hello times=3",
            "rmmod hello",
            "insmod mymem_c",
            "rmmod mymem_c",
            "mymem_test refused without mymem",
            "insmod mymem_test",
        ] {
            assert!(s.contains(&format!("res ok {step};")), "{step}");
        }
        assert!(!s.contains("hexdump"), "--load-only exercises nothing");
        assert!(script(&[(DRIVER_C, Some("mymem_c"))], false).contains("hexdump"));
        // A part that did not build fails its step, and nothing is loaded for it.
        let s = script(&[(HELLO, None)], false);
        assert!(s.contains("res failed part1-hello builds"));
        assert!(!s.contains("insmod"));
        assert_eq!(
            results("ok insmod mymem\nfailed rmmod mymem\n"),
            [(true, "insmod mymem".into()), (false, "rmmod mymem".into())]
        );
    }
}
