//! `mymem map-hold`: runs a command while the device is mapped, with no
//! descriptor of it open (the load/unload cycling checks that rmmod is
//! refused then).

use std::process::Command;

use anyhow::{bail, ensure, Context, Result};
use mymem::Device;

use crate::cli::MapHoldArgs;

/// Maps the first page of the device shared, closes the file, stores
/// `--store` at offset 0 through the mapping, runs the command, then unmaps.
/// Errors: the open or mmap failed, the command could not start, or it
/// exited with a non-zero status.
pub fn run(args: &MapHoldArgs) -> Result<()> {
    let path = &args.device;
    let dev = Device::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let map = dev
        .map_shared(rustix::param::page_size(), 0)
        .with_context(|| format!("{}: mmap MAP_SHARED of the first page", path.display()))?;
    // Only the mapping is left: it alone must keep the module in use.
    drop(dev);
    if let Some(text) = &args.store {
        ensure!(text.len() <= map.len(), "--store is longer than a page");
        map.store(0, text.as_bytes());
    }
    let (program, rest) = args.command.split_first().context("no command given")?;
    let status = Command::new(program)
        .args(rest)
        .status()
        .with_context(|| format!("cannot run {program}"))?;
    drop(map);
    if !status.success() {
        bail!(
            "{program} failed while {} was mapped: {status}",
            path.display()
        );
    }
    Ok(())
}
