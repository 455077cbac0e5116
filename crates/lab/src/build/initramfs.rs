//! The guest image: busybox, our init, modules, static binaries and the
//! scenario, packed by the kernel's own `usr/gen_init_cpio`.

use anyhow::{bail, Context, Result};
use flate2::{write::GzEncoder, Compression};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Directories every guest has (init mounts filesystems on some of them).
const DIRS: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr",
    "/usr/bin",
    "/dev",
    "/proc",
    "/sys",
    "/tmp",
    "/lab",
    "/lab/bin",
    "/lab/modules",
    "/results",
];

#[derive(Debug, Default, Clone)]
pub struct Image {
    /// (path in the guest, file on the host, mode)
    files: Vec<(String, PathBuf, u32)>,
    /// (path in the guest, contents) written next to the image
    generated: Vec<(String, String)>,
}

impl Image {
    pub fn file(&mut self, guest: &str, host: &Path, mode: u32) -> &mut Self {
        self.files
            .push((guest.to_string(), host.to_path_buf(), mode));
        self
    }

    pub fn text(&mut self, guest: &str, contents: &str) -> &mut Self {
        self.generated
            .push((guest.to_string(), contents.to_string()));
        self
    }

    /// The gen_init_cpio list (see the kernel's usr/gen_init_cpio.c), and the
    /// symlinks (link, target) in `generated_dir` that stand in for host paths
    /// with whitespace, which the list cannot hold. Parent directories of
    /// files are created as needed.
    pub fn cpio_list(&self, generated_dir: &Path) -> Result<(String, Vec<(PathBuf, PathBuf)>)> {
        let mut links = Vec::new();
        let mut dirs: Vec<String> = DIRS.iter().map(|d| d.to_string()).collect();
        let mut lines = vec!["nod /dev/console 0600 0 0 c 5 1".to_string()];
        let generated =
            self.generated.iter().enumerate().map(|(i, (guest, _))| {
                (guest.clone(), generated_dir.join(format!("gen-{i}")), 0o755)
            });
        for (guest, host, mode) in self.files.iter().cloned().chain(generated) {
            if !guest.starts_with('/') || guest.contains(char::is_whitespace) {
                bail!("guest path must be absolute without spaces: {guest:?}");
            }
            let mut host = host.canonicalize().unwrap_or(host);
            if host.to_string_lossy().contains(char::is_whitespace) {
                let link = generated_dir.join(format!("link-{}", links.len()));
                links.push((link.clone(), host));
                host = link;
            }
            for ancestor in Path::new(&guest).ancestors().skip(1) {
                let a = ancestor.to_string_lossy().into_owned();
                if a != "/" && !dirs.contains(&a) {
                    dirs.push(a);
                }
            }
            lines.push(format!("file {guest} {} {:o} 0 0", host.display(), mode));
        }
        // Parents before children.
        dirs.sort_by_key(|d| d.matches('/').count());
        let mut list: Vec<String> = dirs.iter().map(|d| format!("dir {d} 0755 0 0")).collect();
        list.extend(lines);
        Ok((list.join("\n") + "\n", links))
    }

    /// Writes `initrd.gz` in `work` and returns its path.
    pub fn build(&self, gen_init_cpio: &Path, work: &Path) -> Result<PathBuf> {
        let generated_dir = work.join("generated");
        std::fs::create_dir_all(&generated_dir)
            .with_context(|| format!("cannot create {}", generated_dir.display()))?;
        for (i, (_, contents)) in self.generated.iter().enumerate() {
            let path = generated_dir.join(format!("gen-{i}"));
            std::fs::write(&path, contents)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let list = work.join("initramfs.list");
        let (text, links) = self.cpio_list(&generated_dir)?;
        for (link, target) in links {
            std::os::unix::fs::symlink(&target, &link).with_context(|| {
                format!("cannot link {} to {}", link.display(), target.display())
            })?;
        }
        std::fs::write(&list, text).with_context(|| format!("cannot write {}", list.display()))?;
        let out = Command::new(gen_init_cpio)
            .arg(&list)
            .output()
            .with_context(|| format!("cannot run {}", gen_init_cpio.display()))?;
        if !out.status.success() {
            bail!(
                "gen_init_cpio failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let path = work.join("initrd.gz");
        let write = || -> std::io::Result<()> {
            let mut gz = GzEncoder::new(std::fs::File::create(&path)?, Compression::fast());
            std::io::Write::write_all(&mut gz, &out.stdout)?;
            gz.finish()?.sync_all()
        };
        write().with_context(|| format!("cannot write the guest image {}", path.display()))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_has_console_parents_and_files() {
        let mut img = Image::default();
        img.file("/lab/x/y/probe", Path::new("/bin/sh"), 0o755)
            .text("/lab/scenario.sh", "true\n");
        let (list, _) = img.cpio_list(Path::new("/w")).unwrap();
        assert!(list.contains("nod /dev/console 0600 0 0 c 5 1\n"));
        let x = list.find("dir /lab/x 0755").unwrap();
        let y = list.find("dir /lab/x/y 0755").unwrap();
        let f = list.find("file /lab/x/y/probe /").unwrap();
        assert!(list.find("dir /lab 0755").unwrap() < x && x < y && y < f);
        assert!(list.contains("file /lab/scenario.sh /w/gen-0 755 0 0\n"));
    }

    #[test]
    fn host_paths_with_spaces_go_through_a_link() {
        let mut img = Image::default();
        img.file("/lab/bin/p", Path::new("/tmp/no such/my prog"), 0o755);
        let (list, links) = img.cpio_list(Path::new("/w")).unwrap();
        assert!(
            list.contains("file /lab/bin/p /w/link-0 755 0 0\n"),
            "{list}"
        );
        assert_eq!(
            links,
            [(
                PathBuf::from("/w/link-0"),
                PathBuf::from("/tmp/no such/my prog")
            )]
        );
    }

    #[test]
    fn rejects_relative_or_spaced_guest_paths() {
        let mut img = Image::default();
        img.file("lab/probe", Path::new("/bin/sh"), 0o755);
        assert!(img.cpio_list(Path::new("/w")).is_err());
        let mut img = Image::default();
        img.file("/lab/a b", Path::new("/bin/sh"), 0o755);
        assert!(img.cpio_list(Path::new("/w")).is_err());
    }
}
