//! Run this binary last: the kernel log of the whole run must hold no
//! warning, BUG, oops or call trace.

use conformance::kmsg::{is_bad, Kmsg};
use conformance::setup;

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn kernel_log_is_clean() {
    let _cx = setup();
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
