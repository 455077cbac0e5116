// SPDX-License-Identifier: GPL-2.0

//! The device: one zeroed buffer shared by every open file (and, TODO, the advisory lock).
//!
//! Work on absolute offsets here; file positions live in the callers (`file.rs`).

use crate::shared_buf::SharedBuf;
use kernel::{prelude::*, sync::Arc};

/// The state shared by every open file.
#[pin_data]
pub(crate) struct MyMem {
    /// The buffer: `lock()` gives its bytes under a mutex (hold it across every copy, so that
    /// each access is atomic), `map()` maps it.
    #[pin]
    buf: SharedBuf,
    /// Whether only one file may be open at a time.
    exclusive: bool,
    // TODO: the advisory lock: who holds it (`kernel::sync::Mutex`), and a `CondVar` that
    // waiters sleep on interruptibly. TODO: with `exclusive`, whether a file is open.
}

impl MyMem {
    /// Allocates a device with a zeroed buffer of `size` bytes.
    pub(crate) fn new(size: usize, exclusive: bool) -> Result<Arc<Self>> {
        let buf = SharedBuf::new(size)?;
        Arc::pin_init(pin_init!(Self { buf <- buf, exclusive }), GFP_KERNEL)
    }

    /// Size of the buffer in bytes.
    pub(crate) fn size(&self) -> usize {
        self.buf.size()
    }

    /// Claims the device for a new open file.
    ///
    /// TODO: with `exclusive`, `EBUSY` while another file is open (and give the claim back
    /// when that file closes).
    pub(crate) fn claim(&self) -> Result {
        let _ = self.exclusive;
        Ok(())
    }
}
