// SPDX-License-Identifier: GPL-2.0
/*
 * lab_fault: TEST-ONLY module that misbehaves on load, on request, so the
 * runner's detection of kernel failures can itself be tested. Nothing loads
 * it unless a test asks to. With no parameter it loads and unloads cleanly.
 *
 *   warn=1       WARN() on load (log: "WARNING: ..."), load still succeeds
 *   oops=1       NULL pointer write on load (log: "BUG: kernel NULL pointer
 *                dereference" + "Oops:"); insmod is killed
 *   rust_oops=1  the same from Rust code (lab_fault_rust.rs)
 *   hang=1       takes a mutex it already holds: insmod sleeps forever
 *                (uninterruptible) while the rest of the guest keeps running
 *   panic_now=1  panic() on load (log: "Kernel panic - not syncing: ...")
 *
 * Several may be given; they fire in the order above.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/panic.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN() on load");

static bool oops;
module_param(oops, bool, 0444);
MODULE_PARM_DESC(oops, "NULL pointer dereference on load");

static bool rust_oops;
module_param(rust_oops, bool, 0444);
MODULE_PARM_DESC(rust_oops, "NULL pointer dereference in Rust code on load");

static bool hang;
module_param(hang, bool, 0444);
MODULE_PARM_DESC(hang, "self-deadlock on load: insmod never returns");

static bool panic_now;
module_param(panic_now, bool, 0444);
MODULE_PARM_DESC(panic_now, "panic() on load");

static DEFINE_MUTEX(lab_fault_mutex);

/* lab_fault_rust.rs */
void lab_fault_rust_oops(void);

static int __init lab_fault_init(void)
{
	pr_info("loaded (test-only): warn=%d oops=%d rust_oops=%d hang=%d panic_now=%d\n",
		warn, oops, rust_oops, hang, panic_now);

	WARN(warn, "lab_fault: deliberate warning\n");

	if (oops) {
		int *p = NULL;

		/* Hide the NULL from the compiler: a real store, a real fault. */
		OPTIMIZER_HIDE_VAR(p);
		WRITE_ONCE(*p, 1);
	}

	if (rust_oops)
		lab_fault_rust_oops();

	if (hang) {
		/* A lock bug as it happens in real drivers: sleeps forever. */
		mutex_lock(&lab_fault_mutex);
		mutex_lock(&lab_fault_mutex);
	}

	if (panic_now)
		panic("lab_fault: deliberate panic\n");

	return 0;
}

static void __exit lab_fault_exit(void)
{
	pr_info("unloaded\n");
}

module_init(lab_fault_init);
module_exit(lab_fault_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TEST-ONLY: WARN/oops/hang/panic on load for runner tests");
