//! Cache keys: a kernel build is reused only when everything that shapes it is
//! the same (kernel version, config fragments, toolchain, build recipe).

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Bump when the way the kernel is configured or built changes.
pub const RECIPE_VERSION: u32 = 1;

/// Hex digest of the parts, each length-prefixed so that no two different
/// lists of parts can collide by concatenation.
pub fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    hex(&h.finalize())
}

pub fn file_digest(path: &Path) -> Result<String> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key of a kernel build: short enough for a directory name.
pub fn kernel_key(source_id: &str, fragments: &[String], toolchain: &[&str]) -> String {
    let recipe = RECIPE_VERSION.to_string();
    let mut parts: Vec<&str> = vec![&recipe, source_id];
    parts.extend(fragments.iter().map(String::as_str));
    parts.extend_from_slice(toolchain);
    digest(&parts)[..16].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256_of_framed_parts() {
        // Known answer: framing makes ["ab","c"] differ from ["a","bc"].
        assert_ne!(digest(&["ab", "c"]), digest(&["a", "bc"]));
        assert_eq!(digest(&["x"]).len(), 64);
        assert_eq!(digest(&["x"]), digest(&["x"]));
    }

    #[test]
    fn kernel_key_changes_with_every_input() {
        let base = kernel_key("7.3.4", &["CONFIG_A=y".into()], &["rustc 1.96"]);
        assert_eq!(base.len(), 16);
        assert_ne!(
            base,
            kernel_key("7.3.5", &["CONFIG_A=y".into()], &["rustc 1.96"])
        );
        assert_ne!(
            base,
            kernel_key("7.3.4", &["CONFIG_A=n".into()], &["rustc 1.96"])
        );
        assert_ne!(
            base,
            kernel_key("7.3.4", &["CONFIG_A=y".into()], &["rustc 1.97"])
        );
        assert_eq!(
            base,
            kernel_key("7.3.4", &["CONFIG_A=y".into()], &["rustc 1.96"])
        );
    }
}
