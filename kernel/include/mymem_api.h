/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel API exported by the Rust `mymem` module (EXPORT_SYMBOL_GPL from
 * kernel/mymem/mymem_exports.c). The same contract as /dev/mymem minus the
 * file position: every call is atomic with respect to every other call and to
 * userspace access to the device. Other modules link against it through
 * mymem's Module.symvers (KBUILD_EXTRA_SYMBOLS); see docs/modules.md.
 */
#ifndef _MYMEM_API_H
#define _MYMEM_API_H

#include <linux/types.h>

/* Size of the device buffer in bytes. */
u64 mymem_size(void);

/*
 * Copies min(len, size - offset) bytes at @offset into @dst. Returns the
 * number of bytes copied, 0 at offset == size, -EINVAL if offset > size.
 */
ssize_t mymem_read(void *dst, size_t len, u64 offset);

/*
 * Copies min(len, size - offset) bytes from @src to @offset. Returns the
 * number of bytes copied, -ENOSPC at offset == size with len > 0, -EINVAL
 * if offset > size.
 */
ssize_t mymem_write(const void *src, size_t len, u64 offset);

/*
 * Atomic wrapping add of @delta to the u64 at @offset (multiple of 8 and
 * offset + 8 <= size, else -EINVAL); the previous value goes to *@old.
 */
int mymem_fetch_add(u64 offset, u64 delta, u64 *old);

/*
 * The device-wide advisory lock (the one MYMEM_IOC_LOCK takes), held on
 * behalf of "the kernel": sleeps interruptibly until free, -EINTR on a
 * signal. Kernel callers share one owner identity: a caller that already
 * holds the lock and calls mymem_lock() again waits for itself, so each lock
 * must be paired with one unlock by the same caller.
 */
int mymem_lock(void);

/* Releases the lock; -EPERM if the kernel side does not hold it. */
int mymem_unlock(void);

#endif /* _MYMEM_API_H */
