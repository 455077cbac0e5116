// SPDX-License-Identifier: GPL-2.0

//! The Rust half of `lab_fault` (TEST-ONLY): a deliberate oops from Rust code, so that the
//! runner's decoded traces are tested on a mangled Rust frame beside the C one.
//!
//! `lab_fault_main.c` calls [`lab_fault_rust_oops`] when loaded with `rust_oops=1`. The bug
//! is the classic one of a driver: a register block that was never mapped.

/// A device's registers at `base`, which is NULL here: nothing was ever mapped.
struct Regs {
    base: *mut u32,
}

impl Regs {
    /// Writes `value` to the control register (offset 0).
    ///
    /// Kept out of line so that the trace shows this Rust function as its own frame.
    #[inline(never)]
    fn write_control(&self, value: u32) {
        // SAFETY: none, on purpose: `base` is NULL, so this store faults and the kernel
        // oopses, which is what `rust_oops=1` asks for. Nothing else calls this.
        unsafe { self.base.write_volatile(value) };
    }
}

/// Called from C on `rust_oops=1`; oopses and never returns.
#[no_mangle]
pub extern "C" fn lab_fault_rust_oops() {
    // `black_box` hides the NULL from the optimizer: a real store, a real fault.
    let regs = Regs {
        base: core::hint::black_box(core::ptr::null_mut()),
    };
    regs.write_control(1);
}
