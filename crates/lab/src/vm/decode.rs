//! Decoding kernel reports: every frame in one of our modules (`sym+0x2e/0x60 [mod]`) is
//! resolved to `file:line` (inline chain included) from the module's `.ko` debug info, and
//! Rust symbols are demangled everywhere in the report. The kernel's own frames keep
//! `symbol+offset`: the lab kernel has no debug info.
//!
//! Resolution: the frame's symbol is looked up in the `.ko` symbol table (section and
//! section-relative value), and binutils' `addr2line -j <section>` maps value + offset to
//! source lines; `-j` matters because every section of a relocatable object starts at 0.

use crate::paths;
use crate::vm::logscan::Finding;
use anyhow::{bail, Context, Result};
use object::{Object, ObjectSection, ObjectSymbol};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The decoded console beside `console.log`, written when the kernel reported a problem.
pub const DECODED_LOG: &str = "console.decoded.log";

/// One `symbol+0xoff/0xsize [module]` frame found in a kernel line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The symbol as printed (possibly mangled).
    pub symbol: String,
    pub offset: u64,
    pub module: Option<String>,
    /// The faulting instruction itself (RIP, WARN site) rather than a return address.
    pub exact: bool,
    /// Byte range of `symbol` in the message.
    span: std::ops::Range<usize>,
}

/// One source position of a frame: innermost first, then the functions it was inlined into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub function: String,
    /// Repository-relative where possible (`kernel/lab_fault/lab_fault.c`).
    pub file: String,
    pub line: u32,
}

/// Finds the frame in a kernel message, if it has one.
pub fn parse_frame(msg: &str) -> Option<Frame> {
    let exact = msg.contains("RIP:") || msg.starts_with("WARNING:");
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in msg.char_indices().chain(std::iter::once((msg.len(), ' '))) {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                words.push((s, &msg[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    for (n, (pos, word)) in words.iter().enumerate() {
        let Some((sym, rest)) = word.split_once("+0x") else {
            continue;
        };
        let Some((off, size)) = rest.split_once("/0x") else {
            continue;
        };
        let (Ok(offset), true) = (
            u64::from_str_radix(off, 16),
            !size.is_empty() && size.bytes().all(|b| b.is_ascii_hexdigit()),
        ) else {
            continue;
        };
        // `RIP: 0010:sym+...`: the code segment selector is not part of the symbol.
        let skip = sym.rfind(':').map_or(0, |i| i + 1);
        let symbol = &sym[skip..];
        if symbol.is_empty() {
            continue;
        }
        let module = words
            .get(n + 1)
            // 7.3's WARNING line: `at sym+0x45/0x1000 [mod], CPU#1: insmod/50`.
            .and_then(|(_, w)| {
                w.trim_end_matches([',', ';'])
                    .strip_prefix('[')?
                    .strip_suffix(']')
            })
            .filter(|m| !m.is_empty() && !m.contains(' '))
            .map(str::to_string);
        return Some(Frame {
            symbol: symbol.to_string(),
            offset,
            module,
            exact,
            span: pos + skip..pos + skip + symbol.len(),
        });
    }
    None
}

/// A Rust symbol demangled without its hash (`mymem::file::write`); others unchanged.
pub fn demangle(symbol: &str) -> String {
    // Kernel symbols may carry GCC/LLVM suffixes such as `.cold` or `.llvm.123`.
    let (base, suffix) = match symbol.find('.') {
        Some(i) if symbol.starts_with("_R") || symbol.starts_with("_ZN") => symbol.split_at(i),
        _ => (symbol, ""),
    };
    match rustc_demangle::try_demangle(base) {
        Ok(d) => format!("{d:#}{suffix}"),
        Err(_) => symbol.to_string(),
    }
}

/// Resolves frames against the `.ko` files of our modules (and any module under test).
pub struct Decoder {
    /// module name (as the kernel prints it) -> .ko with debug info
    modules: HashMap<String, PathBuf>,
    cache: HashMap<(String, String, u64), Vec<Location>>,
}

impl Decoder {
    pub fn new<'a>(kos: impl IntoIterator<Item = &'a Path>) -> Self {
        let modules = kos
            .into_iter()
            .filter_map(|ko| {
                let stem = ko.file_stem()?.to_str()?;
                // The kernel names modules with `_` where the file may have `-`.
                Some((stem.replace('-', "_"), ko.to_path_buf()))
            })
            .collect();
        Decoder {
            modules,
            cache: HashMap::new(),
        }
    }

    /// The source locations of a frame, or an empty list when it is not ours or unknown.
    pub fn locate(&mut self, frame: &Frame) -> Vec<Location> {
        let Some(module) = &frame.module else {
            return Vec::new();
        };
        let Some(ko) = self.modules.get(module).cloned() else {
            return Vec::new();
        };
        // A return address points after the call: look one byte back, into the call.
        let offset = if frame.exact {
            frame.offset
        } else {
            frame.offset.saturating_sub(1)
        };
        let key = (module.clone(), frame.symbol.clone(), offset);
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let found = resolve(&ko, &frame.symbol, offset).unwrap_or_default();
        self.cache.insert(key, found.clone());
        found
    }

    /// A kernel line with Rust symbols demangled, plus one indented line per source location.
    pub fn decode_line(&mut self, line: &str) -> Vec<String> {
        let Some(msg) = crate::vm::logscan::kernel_message(line) else {
            return vec![line.to_string()];
        };
        let Some(frame) = parse_frame(msg) else {
            return vec![line.to_string()];
        };
        let msg_start = line.len() - msg.len();
        let span = msg_start + frame.span.start..msg_start + frame.span.end;
        let mut out = vec![format!(
            "{}{}{}",
            &line[..span.start],
            demangle(&frame.symbol),
            &line[span.end..]
        )];
        let locations = self.locate(&frame);
        let last = locations.len().saturating_sub(1);
        for (i, loc) in locations.iter().enumerate() {
            out.push(format!(
                "{:16}{} at {}:{}{}",
                "",
                loc.function,
                loc.file,
                loc.line,
                if i < last { " (inlined)" } else { "" }
            ));
        }
        out
    }

    pub fn decode_lines(&mut self, lines: &[String]) -> Vec<String> {
        lines.iter().flat_map(|l| self.decode_line(l)).collect()
    }
}

/// `symbol + offset` in `ko` to source locations, innermost first.
pub fn resolve(ko: &Path, symbol: &str, offset: u64) -> Result<Vec<Location>> {
    let data = std::fs::read(ko).with_context(|| format!("cannot read {}", ko.display()))?;
    let file = object::File::parse(&*data)
        .with_context(|| format!("{} is not an ELF object", ko.display()))?;
    let sym = file
        .symbols()
        .find(|s| s.name() == Ok(symbol))
        .with_context(|| format!("{symbol} is not in {}", ko.display()))?;
    let section = sym
        .section_index()
        .and_then(|i| file.section_by_index(i).ok())
        .with_context(|| format!("{symbol} has no section in {}", ko.display()))?;
    let section = section.name()?.to_string();
    let address = sym.address() + offset;
    let out = Command::new("addr2line")
        .arg("-e")
        .arg(ko)
        .args(["-f", "-i", "-j", &section, &format!("{address:#x}")])
        .output()
        .context("cannot run addr2line (binutils)")?;
    if !out.status.success() {
        bail!(
            "addr2line failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    // Only our modules are built in a mirror of kernel/ (lab grade's submissions are not).
    let mirror = ko
        .parent()
        .and_then(Path::parent)
        .filter(|m| m.parent().is_some_and(|k| k.ends_with("kbuild")))
        .map(Path::to_path_buf);
    Ok(parse_addr2line(
        &String::from_utf8_lossy(&out.stdout),
        mirror.as_deref(),
    ))
}

/// Pairs of `function` / `file:line` lines from `addr2line -f -i`; unknown ones dropped.
fn parse_addr2line(text: &str, mirror: Option<&Path>) -> Vec<Location> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .chunks(2)
        .filter_map(|pair| {
            let [function, place] = pair else { return None };
            let place = place.split(" (discriminator").next()?.trim();
            let (file, line) = place.rsplit_once(':')?;
            let line: u32 = line.parse().ok().filter(|l| *l > 0)?;
            (file != "??").then(|| Location {
                function: demangle(function.trim()),
                file: repo_path(file, mirror),
                line,
            })
        })
        .collect()
}

/// Sources are built from a mirror of `kernel/` under `target/kbuild/<profile>-<key>/`:
/// show the repository file instead.
fn repo_path(file: &str, mirror: Option<&Path>) -> String {
    let path = Path::new(file);
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if let Some(rest) = mirror
        .and_then(|m| std::fs::canonicalize(m).ok())
        .and_then(|m| path.strip_prefix(m).ok().map(Path::to_path_buf))
    {
        return Path::new("kernel").join(rest).display().to_string();
    }
    let root = std::fs::canonicalize(paths::repo_root()).unwrap_or_else(|_| paths::repo_root());
    path.strip_prefix(&root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}

/// Decodes the reports of a finished boot in place (what the failure output shows) and
/// writes the whole console, decoded, to `console.decoded.log` in `dir` (beside
/// `console.log`). Nothing happens when the console had no findings.
pub fn annotate<'a>(
    findings: &mut [Finding],
    console: &str,
    dir: &Path,
    kos: impl IntoIterator<Item = &'a Path>,
) {
    if findings.is_empty() {
        return;
    }
    let mut decoder = Decoder::new(kos);
    for finding in findings.iter_mut() {
        finding.context = decoder.decode_lines(&finding.context);
    }
    let console: Vec<String> = console.lines().map(str::to_string).collect();
    let mut decoded = decoder.decode_lines(&console).join("\n");
    decoded.push('\n');
    if let Err(e) = std::fs::write(dir.join(DECODED_LOG), decoded) {
        crate::cmd::note(&format!("cannot write {DECODED_LOG}: {e}"));
    }
}

/// The `.ko` files a scenario boots with: ours and any it copies in (a module under test).
pub fn module_files<'a>(
    built: &'a crate::build::modules::Built,
    files: &'a [(PathBuf, String)],
) -> impl Iterator<Item = &'a Path> {
    built.modules.iter().map(|(_, ko)| ko.as_path()).chain(
        files
            .iter()
            .map(|(host, _)| host.as_path())
            .filter(|p| p.extension().is_some_and(|e| e == "ko")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_found_in_report_lines() {
        let f = parse_frame("RIP: 0010:lab_fault_init+0x2e/0xff0 [lab_fault]").unwrap();
        assert_eq!(
            (f.symbol.as_str(), f.offset, f.module.as_deref(), f.exact),
            ("lab_fault_init", 0x2e, Some("lab_fault"), true)
        );
        let f = parse_frame(" ? do_one_initcall+0x45/0x210").unwrap();
        assert_eq!(
            (f.symbol.as_str(), f.module, f.exact),
            ("do_one_initcall", None, false)
        );
        let f = parse_frame(
            "WARNING: CPU: 1 PID: 42 at lab_fault.c:10 lab_fault_init+0x5/0x10 [lab_fault]",
        )
        .unwrap();
        assert!(f.exact && f.offset == 5);
        let f = parse_frame(
            "WARNING: lab_fault_main.c:56 at lab_fault_init+0x45/0x1000 [lab_fault], CPU#1: insmod/50",
        )
        .unwrap();
        assert_eq!((f.module.as_deref(), f.exact), (Some("lab_fault"), true));
        assert_eq!(parse_frame("RIP: 0033:0x7f12345678"), None);
        assert_eq!(parse_frame("Call Trace:"), None);
        assert_eq!(parse_frame("a+0xzz/0x10"), None);
    }

    #[test]
    fn rust_symbols_are_demangled() {
        // v0 mangling of `mymem::file::write`.
        let v0 = "_RNvNtCs1234_5mymem4file5write";
        assert_eq!(demangle(v0), "mymem::file::write");
        assert_eq!(demangle(&format!("{v0}.cold")), "mymem::file::write.cold");
        assert_eq!(demangle("do_one_initcall"), "do_one_initcall");
    }

    #[test]
    fn addr2line_output_becomes_locations() {
        let text = "_RNvNtCs1234_5mymem4file5write\n/x/kernel/mymem/file.rs:12\n\
                    mymem_write\n/x/kernel/mymem/api.rs:40 (discriminator 2)\n??\n??:0\n";
        let locs = parse_addr2line(text, None);
        assert_eq!(locs.len(), 2);
        assert_eq!(locs[0].function, "mymem::file::write");
        assert_eq!(
            (locs[1].file.as_str(), locs[1].line),
            ("/x/kernel/mymem/api.rs", 40)
        );
    }

    /// A real object with debug info, compiled here: `-j` picks the right section even
    /// though both start at address 0 in a relocatable file.
    #[test]
    fn resolves_against_a_relocatable_object_with_debug_info() {
        let dir = std::env::temp_dir().join(format!("lab-decode-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("m.c");
        std::fs::write(
            &src,
            "int a(int x)\n{\n\treturn x * 3;\n}\n\
             __attribute__((section(\".init.text\"))) int b(volatile int *p)\n{\n\t*p = 1;\n\treturn 0;\n}\n",
        )
        .unwrap();
        let ko = dir.join("m.ko");
        let ok = Command::new("gcc")
            .args(["-g", "-O1", "-c", "-o"])
            .arg(&ko)
            .arg(&src)
            .status()
            .unwrap()
            .success();
        assert!(ok, "gcc failed");
        let b = resolve(&ko, "b", 0).unwrap();
        assert_eq!(b[0].function, "b");
        assert_eq!(b[0].line, 7, "{b:?}");
        assert!(b[0].file.ends_with("m.c"), "{b:?}");
        let a = resolve(&ko, "a", 0).unwrap();
        assert_eq!((a[0].function.as_str(), a[0].line), ("a", 3), "{a:?}");
        let mut d = Decoder::new([ko.as_path()]);
        let out = d.decode_line("[    1.000000] RIP: 0010:b+0x0/0x10 [m]");
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out[1].trim_start().starts_with("b at ") && out[1].ends_with("m.c:7"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
