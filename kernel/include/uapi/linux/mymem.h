/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mymem: userspace ABI of the memory-backed misc devices /dev/mymem (Rust)
 * and /dev/mymem_c (C). Both drivers implement exactly this contract; the
 * Rust driver and the userspace crate mirror these numbers, and a test checks
 * that they agree. See docs/device.md.
 */
#ifndef _UAPI_LINUX_MYMEM_H
#define _UAPI_LINUX_MYMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Buffer size when the `size` module parameter is not given (512 KiB). */
#define MYMEM_SIZE_DEFAULT	524288ULL
/* Largest accepted `size` module parameter (64 MiB). */
#define MYMEM_SIZE_MAX		(64ULL << 20)

/*
 * MYMEM_IOC_FETCH_ADD argument: atomically adds @delta to the naturally
 * aligned native-endian u64 at byte @offset and stores the previous value in
 * @old.
 */
struct mymem_fetch_add {
	__u64 offset;	/* in: byte offset, multiple of 8, offset + 8 <= size */
	__u64 delta;	/* in: wrapping add */
	__u64 old;	/* out: value before the add */
};

#define MYMEM_IOC_MAGIC		0xB5

/* Stores the buffer size in bytes at the __u64 pointed to by the argument. */
#define MYMEM_IOC_SIZE		_IOR(MYMEM_IOC_MAGIC, 1, __u64)
/* Atomic add on a u64 in the buffer, see struct mymem_fetch_add. */
#define MYMEM_IOC_FETCH_ADD	_IOWR(MYMEM_IOC_MAGIC, 2, struct mymem_fetch_add)
/*
 * Takes the device-wide advisory lock for this open file; sleeps
 * interruptibly (-EINTR) until it is free, or fails at once with -EAGAIN if
 * the file is O_NONBLOCK. -EDEADLK if this file holds it. Released by
 * MYMEM_IOC_UNLOCK or when the file is closed.
 */
#define MYMEM_IOC_LOCK		_IO(MYMEM_IOC_MAGIC, 3)
/* Releases the lock; -EPERM if this open file does not hold it. */
#define MYMEM_IOC_UNLOCK	_IO(MYMEM_IOC_MAGIC, 4)

#endif /* _UAPI_LINUX_MYMEM_H */
