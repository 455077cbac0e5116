// SPDX-License-Identifier: GPL-2.0

//! Part 1 of the lab: a Rust module that logs a line on load and on unload.
//!
//! What `make grade` checks (part 1):
//!
//! ```sh
//! insmod hello.ko times=3   # "hello: Hello, kernel! (greeting 1 of 3)" ... 3 lines
//! rmmod hello               # "hello: Goodbye, kernel! (greeted 3 times)"
//! insmod hello.ko times=0   # refused (EINVAL), with "hello: times=0 is out of range 1-10"
//! ```
//!
//! `pr_info!` prefixes every line with the module name (`hello: `).

use kernel::prelude::*;

module! {
    type: Hello,
    name: "hello",
    authors: ["mymem lab"],
    description: "Part 1 of the mymem lab: logs on load and unload",
    license: "GPL",
    params: {
        times: u32 {
            default: 1,
            description: "How many greetings to log on load (1-10)",
        },
    },
}

struct Hello {
    times: u32,
}

impl kernel::Module for Hello {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let times = module_parameters::times.value();
        // TODO: refuse a `times` outside 1-10: log "times=<N> is out of range 1-10" with
        // `pr_err!` and return `Err(EINVAL)`.
        // TODO: log "Hello, kernel! (greeting <i> of <times>)" once for each i in 1..=times.
        Ok(Hello { times })
    }
}

impl Drop for Hello {
    fn drop(&mut self) {
        // TODO: log "Goodbye, kernel! (greeted <times> times)".
        let _ = self.times;
    }
}
