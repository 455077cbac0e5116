// SPDX-License-Identifier: GPL-2.0

//! `/dev/mymem`: a memory-backed misc device.
//!
//! One zeroed buffer of `size` bytes (module parameter, default 512 KiB, at most 64 MiB), shared
//! by every open file and kept while the module is loaded. Each open file has its own position;
//! read, write, pread, pwrite, lseek, sendfile/splice and fsync behave as on a fixed-size file
//! that cannot grow (writing at its end, and any `O_APPEND` write, fails with `ENOSPC`), and
//! `mmap(MAP_SHARED)` maps the buffer itself. Every read, write and ioctl is atomic with respect
//! to the others. The ioctls of `include/uapi/linux/mymem.h` return the size, add atomically to a `u64`,
//! and take or release a device-wide advisory lock owned by the open file. With `exclusive=1` a
//! second concurrent open fails with `EBUSY`. Other modules use the same device through the API of
//! `include/mymem_api.h`. The full contract is in `docs/device.md`.
//!
//! A short userspace example:
//!
//! ```c
//! #include <fcntl.h>
//! #include <stdint.h>
//! #include <stdio.h>
//! #include <unistd.h>
//! #include <sys/ioctl.h>
//! #include <linux/mymem.h>
//!
//! int main(void)
//! {
//!         struct mymem_fetch_add fa = { .offset = 8, .delta = 1 };
//!         char buf[6];
//!         uint64_t size;
//!         int fd = open("/dev/mymem", O_RDWR);
//!
//!         if (fd < 0 || ioctl(fd, MYMEM_IOC_SIZE, &size))
//!                 return 1;
//!         write(fd, "hello", 6);                  /* position 6 */
//!         lseek(fd, -6, SEEK_CUR);
//!         read(fd, buf, sizeof(buf));             /* "hello" */
//!         ioctl(fd, MYMEM_IOC_LOCK);              /* advisory, until UNLOCK or close */
//!         ioctl(fd, MYMEM_IOC_FETCH_ADD, &fa);    /* fa.old: the u64 before the add */
//!         ioctl(fd, MYMEM_IOC_UNLOCK);
//!         printf("%llu bytes, %s, %llu\n", (unsigned long long)size, buf,
//!                (unsigned long long)fa.old);
//!         return close(fd);
//! }
//! ```

use kernel::{
    miscdevice::{MiscDeviceOptions, MiscDeviceRegistration},
    prelude::*,
};

pub mod api;
mod device;
mod file;
mod global;
mod misc_iter;
mod misc_llseek;
mod shared_buf;
mod uapi;
mod vfs;

use device::MyMem;
use file::OpenFile;
use global::Published;

module! {
    type: MyMemModule,
    name: "mymem",
    authors: ["mymem lab"],
    description: "Memory-backed misc device /dev/mymem",
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
