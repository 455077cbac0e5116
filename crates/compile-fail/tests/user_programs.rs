//! The user-space programs are refused by the compiler this workspace builds with, for the
//! reason each one names, and their controls compile. Fails the day one of them compiles.

use compile_fail::{check_user, Side, PROGRAMS};
use std::path::PathBuf;

#[test]
fn racy_user_programs_do_not_compile() {
    // The compiler on PATH (the one cargo builds with), unless $RUSTC names another.
    let rustc = PathBuf::from(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()));
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compile-fail");
    let mut checked = 0;
    for program in PROGRAMS.iter().filter(|p| p.side == Side::User) {
        let (evidence, _) = check_user(&rustc, program, &scratch).unwrap();
        evidence.verdict().unwrap();
        assert!(
            evidence
                .message
                .contains(&format!("error[{}]", program.expected)),
            "{}: {}",
            program.name,
            evidence.message
        );
        checked += 1;
    }
    assert_eq!(checked, 4);
}
