// SPDX-License-Identifier: GPL-2.0

//! mymem_test: benchmarks and race tests of the `mymem` module, driven from
//! the kernel through mymem's exported C-ABI API (see docs/modules.md).
//!
//! ```sh
//! insmod mymem.ko && insmod mymem_test.ko
//! echo "all workers=4 iterations=2000 trials=20" > /dev/mymem_test   # starts, returns
//! cat /dev/mymem_test                      # waits for the run, prints JSON
//! rmmod mymem_test                         # stops a running experiment first
//! ```

use kernel::{
    miscdevice::{MiscDeviceOptions, MiscDeviceRegistration},
    prelude::*,
    sync::Arc,
};

mod bench;
mod buffers;
mod config;
mod control;
mod mymem_api;
mod race;
mod report;
mod shared;
mod stats;
mod wq;

use control::Control;
use shared::Shared;

module! {
    type: MymemTest,
    name: "mymem_test",
    authors: ["mymem lab"],
    description: "Benchmarks and race tests of mymem through its exported in-kernel API",
    license: "GPL",
    params: {
        workers: u32 {
            default: 50,
            description: "Race: concurrent work items (1-1000)",
        },
        iterations: u64 {
            default: 150000,
            description: "Race: read-increment-write cycles per worker",
        },
        trials: u32 {
            default: 1000,
            description: "Bench: write+read trials per size",
        },
        max_size: u64 {
            default: 524288,
            description: "Bench: use the default sizes 1,64,1024,65536,524288 up to this (and the device size)",
        },
    },
}

kernel::sync::global_lock! {
    // SAFETY: Initialized first thing in `MymemTest::init`, before /dev/mymem_test (its
    // only other user) exists.
    unsafe(uninit) static SHARED: Mutex<Option<Arc<Shared>>> = None;
}

/// The state behind /dev/mymem_test, while the module is live.
pub(crate) fn shared() -> Option<Arc<Shared>> {
    SHARED.lock().clone()
}

/// Checks the module parameters, creates the shared state and publishes it for `open`.
fn publish() -> Result<Arc<Shared>> {
    let device_size = mymem_api::size();
    config::Params::defaults(device_size).validate(device_size)?;
    let shared = Shared::new()?;
    *SHARED.lock() = Some(shared.clone());
    pr_info!("loaded: /dev/mymem_test drives mymem ({device_size} bytes)\n");
    Ok(shared)
}

#[pin_data(PinnedDrop)]
struct MymemTest {
    #[pin]
    _control: MiscDeviceRegistration<Control>,
    // Published last, so that a failed registration leaves nothing in `SHARED`.
    shared: Arc<Shared>,
}

impl kernel::InPlaceModule for MymemTest {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        // SAFETY: Module init runs once per load of this module's `SHARED` static.
        unsafe { SHARED.init() };
        try_pin_init!(Self {
            _control <- MiscDeviceRegistration::register(MiscDeviceOptions {
                name: c"mymem_test",
            }),
            shared: publish()?,
        })
    }
}

#[pinned_drop]
impl PinnedDrop for MymemTest {
    fn drop(self: Pin<&mut Self>) {
        // No file is open (each pins the module), so nothing can start a run anymore.
        self.shared.shutdown();
        SHARED.lock().take();
        pr_info!("unloaded\n");
    }
}
