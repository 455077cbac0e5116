//! A clause's result as the guest reports it, on the results channel
//! ([`crate::channel`]): never on the console, which a module's `printk`
//! shares and can garble or forge.

/// A clause verdict from the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseVerdict {
    Pass,
    Fail,
    /// The driver answered ENOTTY to the ioctl the check needs.
    NotImplemented,
}

/// One clause's result as observed in the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub id: String,
    pub verdict: ClauseVerdict,
    pub detail: String,
}
