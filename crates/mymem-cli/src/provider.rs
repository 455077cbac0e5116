//! Which loaded module provides a device node: the module whose reference count an open of
//! the node raises (a driver's `file_operations.owner` is pinned while a file is open; the
//! misc and char-device cores take that reference on open). Works for misc and class devices
//! alike, needs nothing but /sys/module.

use std::collections::BTreeMap;
use std::path::Path;

/// `/sys/module/<name>/refcnt` of every module that has one.
fn refcounts(sys_module: &Path) -> BTreeMap<String, u64> {
    let Ok(dir) = std::fs::read_dir(sys_module) else {
        return BTreeMap::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let n: u64 = std::fs::read_to_string(e.path().join("refcnt"))
            .ok()?
            .trim()
            .parse()
            .ok()?;
        Some((e.file_name().to_string_lossy().into_owned(), n))
    })
    .collect()
}

/// The module providing the device at `path`, or `None` (built in, not openable, or a
/// driver that sets no owner). Opens the node read-only once.
pub fn module_of(path: &Path) -> Option<String> {
    module_of_in(path, Path::new("/sys/module"))
}

fn module_of_in(path: &Path, sys_module: &Path) -> Option<String> {
    let before = refcounts(sys_module);
    let file = std::fs::File::open(path).ok()?;
    let after = refcounts(sys_module);
    drop(file);
    let mut raised = after
        .into_iter()
        .filter(|(name, n)| before.get(name).is_some_and(|b| n > b));
    let (name, _) = raised.next()?;
    // Two modules raised at once: something else opened a device meanwhile; claim nothing.
    raised.next().is_none().then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_no_module_provides_has_no_module() {
        // On the host: /dev/null is built in; the answer must be None, not a guess.
        assert_eq!(module_of(Path::new("/dev/null")), None);
        assert_eq!(module_of(Path::new("/nonexistent/device")), None);
    }
}
