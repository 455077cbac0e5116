// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for vfs.rs: FMODE_ATOMIC_POS and IOCB_APPEND are macros with a
 * __force cast, which bindgen does not turn into constants, and their values
 * are internal to the kernel (FMODE_ATOMIC_POS moved between releases), so
 * the Rust side reaches them here instead of copying a number. Not exported.
 */

#include <linux/fs.h>

#include "mymem_helpers.h"

void mymem_file_set_atomic_pos(struct file *file)
{
	file->f_mode |= FMODE_ATOMIC_POS;
}

/* A value, not a function: vfs.rs tests it inline on every write. */
const int mymem_iocb_append = IOCB_APPEND;
