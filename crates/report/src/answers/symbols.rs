//! Question 9 (part 5): how Rust modules reach C kernel functions and other
//! modules' symbols.

use crate::ctx::Ctx;
use crate::md::Md;

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(md, super::SYMBOLS);
    let p = ctx.project;
    let named = |files: &[String]| {
        files
            .iter()
            .map(|f| p.link(f))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let only = |rel: &str| -> Vec<String> {
        if p.exists(rel) {
            vec![rel.to_owned()]
        } else {
            Vec::new()
        }
    };
    let mut items = Vec::new();
    let rust_files = p.files("kernel/mymem", ".rs");
    if !rust_files.is_empty() {
        items.push(format!(
            "Kernel C functions: the Rust `mymem` module ({}) calls safe abstractions of \
             `rust/kernel` (miscdevice, `Mutex`, `IovIter`, `UserSlice`, ...), which call the C functions \
             through `kernel::bindings`, the bindgen-generated declarations of the kernel's C \
             headers; the module never declares kernel C functions itself.",
            named(&rust_files)
        ));
    }
    let exports = only("kernel/mymem/mymem_exports.c");
    let header = only("kernel/include/mymem_api.h");
    if !exports.is_empty() {
        items.push(format!(
            "Exporting to other modules: the Rust functions are `extern \"C\"` and \
             `#[no_mangle]`; {} adds `EXPORT_SYMBOL_GPL` for each, since Rust code cannot emit \
             it itself{}.",
            named(&exports),
            if header.is_empty() {
                String::new()
            } else {
                format!("; {} is the C declaration of that API", named(&header))
            }
        ));
    }
    let importer = only("kernel/mymem_test/mymem_api.rs");
    if !importer.is_empty() {
        items.push(format!(
            "Importing: {} declares the same functions in an `unsafe extern \"C\"` block and \
             wraps them in safe functions; the module loader resolves them against mymem's \
             exports at insmod time.",
            named(&importer)
        ));
    }
    let mut build = only("kernel/mymem_test/Kbuild");
    build.extend(only("crates/lab/src/modules.rs"));
    items.push(format!(
        "Build: `modpost` checks every undefined symbol of a module against `Module.symvers` \
         files; the exporter's `Module.symvers` is passed with `KBUILD_EXTRA_SYMBOLS` when the \
         importer is built{}.",
        if build.is_empty() {
            String::new()
        } else {
            format!(" ({})", named(&build))
        }
    ));
    items.push(
        "Load order: `mymem` must be loaded before `mymem_test` (its symbols must exist), and \
         while `mymem_test` is loaded the loader's dependency keeps `mymem` from being \
         unloaded."
            .into(),
    );
    md.bullets(&items);
}
