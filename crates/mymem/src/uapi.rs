//! Numbers of the userspace ABI, mirroring `kernel/include/uapi/linux/mymem.h`.
//!
//! The unit tests below re-derive the opcodes from the `_IOC` bit layout by
//! hand, and `tests/uapi_header.rs` compiles the C header and compares.

use rustix::ioctl::{opcode, Opcode};

/// ioctl magic (`MYMEM_IOC_MAGIC`).
pub const MAGIC: u8 = 0xB5;

/// Buffer size when the `size` module parameter is not given (512 KiB).
pub const SIZE_DEFAULT: u64 = 524_288;

/// Largest accepted `size` module parameter (64 MiB).
pub const SIZE_MAX: u64 = 64 << 20;

/// Argument of [`IOC_FETCH_ADD`] (`struct mymem_fetch_add`).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FetchAdd {
    /// In: byte offset, a multiple of 8 with `offset + 8 <= size`.
    pub offset: u64,
    /// In: value added (wrapping).
    pub delta: u64,
    /// Out: value before the add.
    pub old: u64,
}

/// `MYMEM_IOC_SIZE`: `_IOR(MAGIC, 1, __u64)`, stores the buffer size.
pub const IOC_SIZE: Opcode = opcode::read::<u64>(MAGIC, 1);
/// `MYMEM_IOC_FETCH_ADD`: `_IOWR(MAGIC, 2, struct mymem_fetch_add)`.
pub const IOC_FETCH_ADD: Opcode = opcode::read_write::<FetchAdd>(MAGIC, 2);
/// `MYMEM_IOC_LOCK`: `_IO(MAGIC, 3)`, takes the advisory device lock.
pub const IOC_LOCK: Opcode = opcode::none(MAGIC, 3);
/// `MYMEM_IOC_UNLOCK`: `_IO(MAGIC, 4)`, releases it.
pub const IOC_UNLOCK: Opcode = opcode::none(MAGIC, 4);

#[cfg(test)]
mod tests {
    use super::*;

    /// `_IOC(dir, type, nr, size)` for x86/arm/riscv-style layouts:
    /// nr in bits 0..8, type 8..16, size 16..30, direction 30..32.
    fn ioc(dir: u64, ty: u8, nr: u8, size: usize) -> u64 {
        (dir << 30) | ((size as u64) << 16) | (u64::from(ty) << 8) | u64::from(nr)
    }
    const IOC_NONE: u64 = 0;
    const IOC_WRITE: u64 = 1;
    const IOC_READ: u64 = 2;

    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64"))]
    fn opcodes_match_ioc_encoding() {
        assert_eq!(u64::from(IOC_SIZE), ioc(IOC_READ, 0xB5, 1, 8));
        assert_eq!(
            u64::from(IOC_FETCH_ADD),
            ioc(IOC_READ | IOC_WRITE, 0xB5, 2, 24)
        );
        assert_eq!(u64::from(IOC_LOCK), ioc(IOC_NONE, 0xB5, 3, 0));
        assert_eq!(u64::from(IOC_UNLOCK), ioc(IOC_NONE, 0xB5, 4, 0));
        // Literal values, as `printf("%#x", MYMEM_IOC_SIZE)` shows them.
        assert_eq!(u64::from(IOC_SIZE), 0x8008_b501);
        assert_eq!(u64::from(IOC_FETCH_ADD), 0xc018_b502);
        assert_eq!(u64::from(IOC_LOCK), 0xb503);
        assert_eq!(u64::from(IOC_UNLOCK), 0xb504);
    }

    #[test]
    fn fetch_add_layout() {
        assert_eq!(core::mem::size_of::<FetchAdd>(), 24);
        assert_eq!(core::mem::align_of::<FetchAdd>(), 8);
        assert_eq!(core::mem::offset_of!(FetchAdd, offset), 0);
        assert_eq!(core::mem::offset_of!(FetchAdd, delta), 8);
        assert_eq!(core::mem::offset_of!(FetchAdd, old), 16);
    }

    #[test]
    fn sizes() {
        assert_eq!(SIZE_DEFAULT, 512 * 1024);
        assert_eq!(SIZE_MAX, 64 * 1024 * 1024);
    }
}
