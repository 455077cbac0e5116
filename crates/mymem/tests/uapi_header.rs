//! Compiles a tiny C program against kernel/include/uapi/linux/mymem.h and
//! checks that `mymem::uapi` agrees with what the C compiler computes.

use std::path::{Path, PathBuf};
use std::process::Command;

use mymem::uapi;

const PROGRAM: &str = r#"
#include <stdio.h>
#include <stddef.h>
#include <linux/mymem.h>

int main(void)
{
	printf("MAGIC %llu\n", (unsigned long long)MYMEM_IOC_MAGIC);
	printf("SIZE_DEFAULT %llu\n", (unsigned long long)MYMEM_SIZE_DEFAULT);
	printf("SIZE_MAX %llu\n", (unsigned long long)MYMEM_SIZE_MAX);
	printf("IOC_SIZE %llu\n", (unsigned long long)MYMEM_IOC_SIZE);
	printf("IOC_FETCH_ADD %llu\n", (unsigned long long)MYMEM_IOC_FETCH_ADD);
	printf("IOC_LOCK %llu\n", (unsigned long long)MYMEM_IOC_LOCK);
	printf("IOC_UNLOCK %llu\n", (unsigned long long)MYMEM_IOC_UNLOCK);
	printf("FA_SIZE %zu\n", sizeof(struct mymem_fetch_add));
	printf("FA_OFFSET %zu\n", offsetof(struct mymem_fetch_add, offset));
	printf("FA_DELTA %zu\n", offsetof(struct mymem_fetch_add, delta));
	printf("FA_OLD %zu\n", offsetof(struct mymem_fetch_add, old));
	return 0;
}
"#;

fn uapi_include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kernel/include/uapi")
}

#[test]
fn rust_constants_match_c_header() {
    let include = uapi_include_dir();
    assert!(
        include.join("linux/mymem.h").is_file(),
        "header not found at {}",
        include.display()
    );
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mymem-uapi-header");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("probe.c");
    let exe = dir.join("probe");
    std::fs::write(&src, PROGRAM).unwrap();

    let status = Command::new(&cc)
        .arg("-Wall")
        .arg("-Werror")
        .arg("-I")
        .arg(&include)
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap_or_else(|e| {
            panic!("cannot run C compiler `{cc}` ({e}); install a C compiler or set CC")
        });
    assert!(
        status.success(),
        "`{cc}` failed to compile the header probe"
    );

    let out = Command::new(&exe).output().expect("run header probe");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let get = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("{name} missing from probe output:\n{text}"))
            .parse()
            .unwrap()
    };

    assert_eq!(get("MAGIC"), u64::from(uapi::MAGIC));
    assert_eq!(get("SIZE_DEFAULT"), uapi::SIZE_DEFAULT);
    assert_eq!(get("SIZE_MAX"), uapi::SIZE_MAX);
    assert_eq!(get("IOC_SIZE"), u64::from(uapi::IOC_SIZE));
    assert_eq!(get("IOC_FETCH_ADD"), u64::from(uapi::IOC_FETCH_ADD));
    assert_eq!(get("IOC_LOCK"), u64::from(uapi::IOC_LOCK));
    assert_eq!(get("IOC_UNLOCK"), u64::from(uapi::IOC_UNLOCK));
    assert_eq!(get("FA_SIZE"), std::mem::size_of::<uapi::FetchAdd>() as u64);
    assert_eq!(
        get("FA_OFFSET"),
        std::mem::offset_of!(uapi::FetchAdd, offset) as u64
    );
    assert_eq!(
        get("FA_DELTA"),
        std::mem::offset_of!(uapi::FetchAdd, delta) as u64
    );
    assert_eq!(
        get("FA_OLD"),
        std::mem::offset_of!(uapi::FetchAdd, old) as u64
    );
}
