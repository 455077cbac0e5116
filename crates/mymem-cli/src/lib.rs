//! The `mymem` measurement and test tool (bench, race, stress, misuse, matrix) as a library;
//! the stress fuzzer itself is the `mymem-stress` crate.
//!
//! The binary is a thin wrapper over [`run`]. The JSON it writes is defined
//! in the `results` crate, which report generators read it with.

pub mod bench;
pub mod blocks;
pub mod cli;
pub mod env_stamp;
pub mod map_hold;
pub mod matrix;
pub mod misuse;
pub mod provider;
pub mod race;
mod rusage;
mod stress_text;
pub mod table;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
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
        Command::Misuse(args) => {
            let report = misuse::run(&args)?;
            print!("{}", misuse::render(&report));
            if let Some(path) = &args.json {
                write_json(path, &report)?;
            }
        }
        Command::Matrix(args) => {
            let report = matrix::run(&args)?;
            print!("{}", matrix::render(&report));
            if let Some(path) = &args.json {
                write_json(path, &report)?;
            }
        }
        Command::MapHold(args) => map_hold::run(&args)?,
        Command::Stress(args) => {
            // A child process (--role) reports to its parent, not here.
            if let Some(report) = mymem_stress::run(&args, env_stamp::collect)? {
                print!("{}", stress_text::render(&report, args.print));
                if let Some(path) = &args.json {
                    write_json(path, &report)?;
                }
                if report.deviation_count > 0 {
                    bail!(
                        "{} deviation(s) from the device contract (replay: {})",
                        report.deviation_count,
                        report.replay
                    );
                }
            }
        }
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
