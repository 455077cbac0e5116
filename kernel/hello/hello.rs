// SPDX-License-Identifier: GPL-2.0

//! Part 1 of the lab: a Rust module that logs a line on load and on unload.
//!
//! ```sh
//! insmod hello.ko times=3   # "hello: Hello, kernel! (greeting 1 of 3)" ... 3 lines
//! rmmod hello               # "hello: Goodbye, kernel! (greeted 3 times)"
//! ```

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
        if !(1..=10).contains(&times) {
            pr_err!("times={} is out of range 1-10\n", times);
            return Err(EINVAL);
        }
        for i in 1..=times {
            pr_info!("Hello, kernel! (greeting {} of {})\n", i, times);
        }
        Ok(Hello { times })
    }
}

impl Drop for Hello {
    fn drop(&mut self) {
        pr_info!("Goodbye, kernel! (greeted {} times)\n", self.times);
    }
}
