// SPDX-License-Identifier: GPL-2.0
/*
 * Exports the in-kernel API of the mymem module. The functions are written
 * in Rust (api.rs, `#[no_mangle] extern "C"`); an out-of-tree Rust crate
 * cannot emit EXPORT_SYMBOL_GPL itself, so this file does it.
 */

#include <linux/export.h>
#include <mymem_api.h>

EXPORT_SYMBOL_GPL(mymem_size);
EXPORT_SYMBOL_GPL(mymem_read);
EXPORT_SYMBOL_GPL(mymem_write);
EXPORT_SYMBOL_GPL(mymem_fetch_add);
EXPORT_SYMBOL_GPL(mymem_lock);
EXPORT_SYMBOL_GPL(mymem_unlock);
