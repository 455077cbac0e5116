/* SPDX-License-Identifier: GPL-2.0 */
/* C helpers of the Rust mymem driver, declared again on the Rust side in vfs.rs. */
#ifndef MYMEM_HELPERS_H
#define MYMEM_HELPERS_H

#include <linux/types.h>

struct file;
struct kiocb;

void mymem_file_set_atomic_pos(struct file *file);
bool mymem_kiocb_appends(const struct kiocb *iocb);

#endif /* MYMEM_HELPERS_H */
