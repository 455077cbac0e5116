//! `mymem`: see the library crate `mymem_cli`.

use std::process::ExitCode;

use clap::Parser;
use mymem_cli::cli::Cli;

fn main() -> ExitCode {
    match mymem_cli::run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mymem: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
