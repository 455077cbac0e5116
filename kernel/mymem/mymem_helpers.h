/* SPDX-License-Identifier: GPL-2.0 */
/* C helpers of the Rust mymem driver, declared again on the Rust side in vfs.rs. */
#ifndef MYMEM_HELPERS_H
#define MYMEM_HELPERS_H

#include <linux/types.h>

struct file;

void mymem_file_set_atomic_pos(struct file *file);
extern const int mymem_iocb_append;

#endif /* MYMEM_HELPERS_H */
