//! Everything before the boot: the host toolchain, the kernel source, its config and cached
//! build, our modules and the static guest binaries, packed into the initramfs.

pub mod cache_entry;
pub mod cache_key;
pub mod initramfs;
pub mod kconfig;
pub mod kernel;
pub mod modules;
pub mod source;
pub mod toolchain;
pub mod userspace;
