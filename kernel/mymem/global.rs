// SPDX-License-Identifier: GPL-2.0

//! The loaded device, for `open` and for the in-kernel API.

use crate::device::MyMem;
use kernel::{
    prelude::*,
    sync::{global_lock, Arc},
};

global_lock! {
    // SAFETY: `Published::new` initialises it before anything else uses it, once per load.
    unsafe(uninit) static DEVICE: Mutex<Option<Arc<MyMem>>> = None;
}

/// The loaded device, or `ENODEV` outside the time the module publishes one.
pub(crate) fn device() -> Result<Arc<MyMem>> {
    (*DEVICE.lock()).clone().ok_or(ENODEV)
}

/// Makes a device the loaded one until dropped.
pub(crate) struct Published(());

impl Published {
    /// Publishes `dev`; call once, at module init.
    pub(crate) fn new(dev: Arc<MyMem>) -> Self {
        // SAFETY: Module init runs once per load and calls this before the device is registered
        // or the API exported, i.e. before any other use of `DEVICE`.
        unsafe { DEVICE.init() };
        *DEVICE.lock() = Some(dev);
        Self(())
    }
}

impl Drop for Published {
    fn drop(&mut self) {
        *DEVICE.lock() = None;
    }
}
