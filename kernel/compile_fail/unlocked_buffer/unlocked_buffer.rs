// SPDX-License-Identifier: GPL-2.0

//! Must not compile: writes the device buffer without taking its mutex, as a C driver may do
//! with a `char *buffer` beside a `struct mutex` it forgets to lock.

use kernel::{new_mutex, prelude::*, sync::Mutex};

module! {
    type: UnlockedBuffer,
    name: "unlocked_buffer",
    authors: ["mymem lab"],
    description: "compile-fail evidence: buffer access without its lock",
    license: "GPL",
}

/// The buffer as `kernel/mymem/device.rs` keeps it: only reachable through the mutex.
#[pin_data]
struct Buffer {
    #[pin]
    data: Mutex<KVVec<u8>>,
}

/// A write that skips `data.lock()`.
#[cfg(not(control))]
fn write_byte(buffer: &Buffer, pos: usize, byte: u8) {
    buffer.data[pos] = byte;
}

/// The same write as `kernel/mymem/device.rs` does it (the control: this one compiles).
#[cfg(control)]
fn write_byte(buffer: &Buffer, pos: usize, byte: u8) {
    buffer.data.lock()[pos] = byte;
}

struct UnlockedBuffer;

impl kernel::Module for UnlockedBuffer {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let data = KVVec::from_elem(0u8, 8, GFP_KERNEL)?;
        let buffer = KBox::pin_init(
            pin_init!(Buffer {
                data <- new_mutex!(data),
            }),
            GFP_KERNEL,
        )?;
        write_byte(&buffer, 0, 1);
        Ok(UnlockedBuffer)
    }
}
