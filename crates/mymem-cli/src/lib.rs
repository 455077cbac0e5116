//! The `mymem` measurement and test tool (bench, race, stress) as a library.
//!
//! The binary is a thin wrapper over [`run`]. Report generators depend on
//! this crate for [`report_json`], the schema of the JSON the tool writes.

pub mod bench;
pub mod blocks;
pub mod cli;
pub mod env_stamp;
pub mod race;
pub mod report_json;
mod rusage;
pub mod stats;
pub mod stress;
pub mod table;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use cli::{Cli, Command};

/// Runs one parsed command line: tables on stdout, progress on stderr.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Bench(args) => {
            let report = bench::run(&args)?;
            print!("{}", bench::render(&report));
            if let Some(path) = &args.json {
                write_json(path, &report)?;
            }
        }
        Command::Race(args) => {
            let report = race::run(&args)?;
            print!("{}", race::render(&report));
            if let Some(path) = &args.json {
                write_json(path, &report)?;
            }
        }
        Command::Stress(args) => stress::main(&args)?,
    }
    Ok(())
}

/// Writes `value` as one line of compact JSON.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let write = || -> Result<()> {
        let mut out = BufWriter::new(File::create(path)?);
        serde_json::to_writer(&mut out, value)?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    };
    write().with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
