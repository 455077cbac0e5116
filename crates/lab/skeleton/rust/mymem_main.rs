// SPDX-License-Identifier: GPL-2.0

//! `/dev/mymem` starter code (`lab skeleton --lang rust`): a misc device backed by one kernel
//! buffer, with the ioctls of `<linux/mymem.h>`. Module load/unload, parameters, registration
//! and open are done, and so is the glue that 7.3's Rust API lacks (lseek, splice and fsync in
//! `misc_llseek.rs`, file flags in `vfs.rs`, the mappable buffer in `shared_buf.rs`, the loaded
//! device in `global.rs`): every `TODO` in `device.rs` and `file.rs` is yours, in safe Rust.
//! The contract is `docs/device.md`; grade your work with `lab grade DIR`.

use kernel::{
    miscdevice::{MiscDeviceOptions, MiscDeviceRegistration},
    prelude::*,
};

mod device;
mod file;
mod global;
mod misc_llseek;
// The glue offers more than the starter uses yet (the advisory lock, mmap, O_APPEND, FETCH_ADD).
#[allow(dead_code, reason = "used as the TODOs are filled in")]
mod shared_buf;
#[allow(dead_code, reason = "used as the TODOs are filled in")]
mod uapi;
#[allow(dead_code, reason = "used as the TODOs are filled in")]
mod vfs;

use device::MyMem;
use file::OpenFile;
use global::Published;

module! {
    type: MyMemModule,
    name: "mymem",
    authors: ["mymem lab"],
    description: "Memory-backed misc device /dev/mymem (starter)",
    license: "GPL",
    params: {
        size: u64 {
            default: crate::uapi::SIZE_DEFAULT,
            description: "Buffer size in bytes (1 to 64 MiB)",
        },
        exclusive: bool {
            default: false,
            description: "Refuse a second concurrent open with EBUSY",
        },
    },
}

/// Mode of the device node: every user may read and write it.
const MODE: u16 = 0o666;

#[pin_data(PinnedDrop)]
struct MyMemModule {
    // Fields drop in order: the device node goes before the device is unpublished.
    #[pin]
    _misc: MiscDeviceRegistration<OpenFile>,
    _published: Published,
}

/// The `size` parameter as a buffer length, if valid.
fn buffer_size(size: u64) -> Result<usize> {
    if size == 0 || size > uapi::SIZE_MAX {
        pr_err!(
            "invalid size={size}: must be 1 to {} bytes\n",
            uapi::SIZE_MAX
        );
        return Err(EINVAL);
    }
    usize::try_from(size).map_err(|_| EINVAL)
}

impl kernel::InPlaceModule for MyMemModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let size = module_parameters::size.value();
        let exclusive = module_parameters::exclusive.value();
        try_pin_init!(Self {
            _published: Published::new(MyMem::new(buffer_size(size)?, exclusive)?),
            _misc <- misc_llseek::register(MiscDeviceOptions { name: c"mymem" }, MODE),
        })
        .pin_chain(move |_| {
            pr_info!("loaded: /dev/mymem, {size} bytes, exclusive={exclusive}\n");
            Ok(())
        })
    }
}

#[pinned_drop]
impl PinnedDrop for MyMemModule {
    fn drop(self: Pin<&mut Self>) {
        pr_info!("unloaded\n");
    }
}
