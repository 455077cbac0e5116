//! Run this binary last: the kernel log of the whole run must hold no
//! warning, BUG, oops or call trace.

use conformance::kmsg::{is_bad, Kmsg};
use conformance::setup;

#[test]
fn kernel_log_is_clean() {
    let Some(_cx) = setup() else { return };
    let lines = Kmsg::from_boot().new_lines();
    assert!(!lines.is_empty(), "could not read the kernel log");
    let bad: Vec<_> = lines.iter().filter(|l| is_bad(l)).collect();
    assert!(
        bad.is_empty(),
        "kernel log shows problems ({} lines):\n{}",
        bad.len(),
        lines.join("\n")
    );
}
