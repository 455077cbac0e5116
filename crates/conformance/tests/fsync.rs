//! fsync and fdatasync succeed: the buffer is memory, there is nothing to
//! flush (`dd conv=fsync` used to fail with EINVAL).

use std::process::Command;

use conformance::{random_bytes, read_region, setup, write_region};

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn fsync_and_fdatasync_succeed() {
    let cx = setup();
    let dev = cx.open();
    let data = random_bytes(64);
    write_region(&dev, 0, &data);
    rustix::fs::fsync(&dev).expect("fsync");
    rustix::fs::fdatasync(&dev).expect("fdatasync");
    assert_eq!(read_region(&dev, 0, 64), data, "data changed by fsync");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn dd_conv_fsync_succeeds() {
    let cx = setup();
    let dev = cx.open();
    write_region(&dev, 0, &[0xAA; 4096]);
    let out = Command::new("dd")
        .arg("if=/dev/zero")
        .arg(format!("of={}", cx.cfg.device.display()))
        .args(["bs=4096", "count=1", "conv=fsync"])
        .output()
        .expect("run dd");
    assert!(
        out.status.success(),
        "dd conv=fsync failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        read_region(&dev, 0, 4096),
        vec![0; 4096],
        "dd wrote nothing"
    );
}
