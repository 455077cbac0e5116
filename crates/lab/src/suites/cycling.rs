//! Suite `cycling`: load/unload every module repeatedly, with files opened
//! and the devices mapped in between; rmmod refused while a file is open or
//! a mapping exists.

use anyhow::Result;

use crate::build::kernel::Profile;
use crate::vm::guest::{Lab, Scenario};
use crate::vm::script::{guest_script, Exit, Script};

const CYCLING: Script = guest_script!(
    "cycling.sh",
    &[
        Exit::new("EXIT_LOAD_HELLO", 11, "loading hello failed"),
        Exit::new("EXIT_LOAD_MYMEM", 12, "loading mymem failed"),
        Exit::new("EXIT_LOAD_MYMEM_C", 13, "loading mymem_c failed"),
        Exit::new("EXIT_LOAD_MYMEM_TEST", 14, "loading mymem_test failed"),
        Exit::new(
            "EXIT_WRITE",
            15,
            "writing a device between load and unload failed"
        ),
        Exit::new(
            "EXIT_READ",
            16,
            "reading a device between load and unload failed"
        ),
        Exit::new("EXIT_UNLOAD_MYMEM_TEST", 17, "unloading mymem_test failed"),
        Exit::new("EXIT_UNLOAD_MYMEM_C", 18, "unloading mymem_c failed"),
        Exit::new("EXIT_UNLOAD_MYMEM", 19, "unloading mymem failed"),
        Exit::new("EXIT_UNLOAD_HELLO", 20, "unloading hello failed"),
        Exit::new(
            "EXIT_RELOAD",
            21,
            "loading a driver for the open-file check failed"
        ),
        Exit::new(
            "EXIT_RMMOD_WHILE_OPEN",
            22,
            "rmmod succeeded with a file open"
        ),
        Exit::new(
            "EXIT_WRITE_AFTER_REFUSAL",
            23,
            "writing after a refused rmmod failed"
        ),
        Exit::new(
            "EXIT_READ_AFTER_REFUSAL",
            24,
            "the device is broken after a refused rmmod"
        ),
        Exit::new("EXIT_FINAL_UNLOAD", 25, "the final rmmod failed"),
        Exit::new("EXIT_LEFT_LOADED", 26, "modules are left loaded"),
        Exit::new(
            "EXIT_RMMOD_WHILE_MAPPED",
            27,
            "mapping a device failed, or rmmod succeeded while it was mapped"
        ),
        Exit::new(
            "EXIT_MAP_STORE",
            28,
            "a store through the mapping did not reach the buffer"
        ),
    ]
);

/// Guest script for `cycling`: every module loaded and unloaded `n` times,
/// odd rounds with files opened and closed and the devices mapped in between.
fn cycling_script(n: u32) -> String {
    CYCLING.with(&[("N", n.to_string())])
}

pub fn cycling(lab: &Lab) -> Result<()> {
    let n = match lab.kernel.profile {
        Profile::Lab => 50,
        Profile::Debug => 1000,
    };
    CYCLING.run_clean(
        lab,
        &Scenario::new("cycling", &cycling_script(n)).timeout(3600),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_is_complete() {
        crate::vm::script::tests::check(&super::CYCLING, &super::cycling_script(50));
    }
}
