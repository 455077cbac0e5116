//! `lab run` / `lab bench` / `lab compare`: the measurement boots, the run directory and its
//! description, and the comparison of two runs.

pub mod compare;
pub mod drivers;
pub mod pipeline;
pub mod run_info;
pub mod runs;
