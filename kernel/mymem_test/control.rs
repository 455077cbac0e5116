// SPDX-License-Identifier: GPL-2.0

//! /dev/mymem_test: writing a command starts a run in the background and
//! returns at once (`EBUSY` if one is active, `EINVAL` if the command is bad);
//! reading waits until no run is active and returns the report as JSON.
//! So `echo all > /dev/mymem_test; cat /dev/mymem_test` prints the finished
//! report. A misc device rather than debugfs because its fops owner pins the
//! module while the file is open (the 7.3 Rust debugfs files have no owner).

use crate::shared::Shared;
use kernel::{
    fs::{File, Kiocb},
    iov::{IovIterDest, IovIterSource},
    miscdevice::{MiscDevice, MiscDeviceRegistration},
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

/// Longest accepted command.
const MAX_COMMAND: usize = 256;

/// One open file.
#[pin_data]
pub(crate) struct Control {
    shared: Arc<Shared>,
    /// The report rendered by the read at position 0; later reads continue in it.
    #[pin]
    snapshot: Mutex<KVVec<u8>>,
}

#[vtable]
impl MiscDevice for Control {
    type Ptr = Pin<KBox<Self>>;

    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<Pin<KBox<Self>>> {
        let shared = crate::shared().ok_or(ENODEV)?;
        KBox::try_pin_init(
            try_pin_init!(Self {
                shared,
                snapshot <- new_mutex!(KVVec::new()),
            }),
            GFP_KERNEL,
        )
    }

    fn read_iter(mut kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let me = kiocb.file();
        let mut snapshot = me.snapshot.lock();
        if kiocb.ki_pos() == 0 {
            snapshot.clear();
            me.shared.render_when_idle(&mut snapshot)?;
        }
        iov.simple_read_from_buffer(kiocb.ki_pos_mut(), &snapshot)
    }

    fn write_iter(kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        let mut buf = [0u8; MAX_COMMAND];
        let len = iov.len();
        if len > MAX_COMMAND {
            return Err(EINVAL);
        }
        if iov.copy_from_iter(&mut buf[..len]) != len {
            return Err(EFAULT);
        }
        let line = core::str::from_utf8(&buf[..len]).map_err(|_| EINVAL)?;
        kiocb.file().shared.start(line)?;
        Ok(len)
    }
}
