//! `compile-fail/compile-fail.json`: which racy programs the compiler refused (lab part 4).
//! Written by the runner (`lab`, from the programs of the `compile-fail` crate), read by the
//! report.

use crate::Document;
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

pub const COMPILE_FAIL_SCHEMA: &str = "mymem-compile-fail/1";

/// Every program's [`Evidence`], user side first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompileFailReport {
    pub schema: String,
    pub programs: Vec<Evidence>,
}

impl Document for CompileFailReport {
    const SCHEMA: &'static str = COMPILE_FAIL_SCHEMA;
    fn schema(&self) -> &str {
        &self.schema
    }
}

/// Where a program runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// A user-space program, built with plain `rustc` (std).
    User,
    /// An out-of-tree kernel module, built with Kbuild against the lab kernel.
    Kernel,
}

/// What building one program and its control gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub name: String,
    pub side: Side,
    pub tries: String,
    /// The source, relative to the repository root.
    pub source: String,
    pub expected: String,
    /// What the control twin changes (absent in files written before it was recorded).
    #[serde(default)]
    pub control: String,
    /// Whether the program itself compiled (it must not).
    pub compiled: bool,
    /// Whether the control twin compiled (it must).
    pub control_compiled: bool,
    /// Every `error[Exxxx]` code rustc printed for the program, in order.
    pub codes: Vec<String>,
    /// The compiler's first error, as it printed it (up to 30 lines).
    pub message: String,
    /// The compiler that was used (`rustc --version`).
    pub rustc: String,
}

impl Evidence {
    /// Ok when the program was refused with the expected code and its control compiled.
    pub fn verdict(&self) -> Result<()> {
        if self.compiled {
            bail!(
                "{} ({}) compiled: the compiler no longer refuses what it {}",
                self.name,
                self.source,
                self.tries
            );
        }
        if !self.control_compiled {
            bail!(
                "the control of {} ({}, --cfg control) does not compile, so the refusal proves nothing; \
                 fix the program",
                self.name,
                self.source
            );
        }
        if !self.codes.iter().any(|c| c == &self.expected) {
            bail!(
                "{} was refused with {:?}, not {}:\n{}",
                self.name,
                self.codes,
                self.expected,
                self.message
            );
        }
        Ok(())
    }
}
