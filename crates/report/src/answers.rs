//! Answers to the lab's questions, in the lab's order: numbers from this
//! run, fixed reasoning that branches on them.

use crate::ctx::Ctx;
use crate::html::slug;
use crate::md::Md;

mod c_vs_rust;
mod fixes;
mod matrix;
mod misuse;
mod read_write;
mod rust_race;
mod symbols;
mod user_kernel;
mod where_races;

/// One question of the lab: its part, what it asks, and the heading of its answer.
pub struct Question {
    pub part: u8,
    pub asks: &'static str,
    pub heading: &'static str,
}

const READ_WRITE: usize = 0;
const WHERE_RACES: usize = 1;
const FIXES: usize = 2;
const MISUSE: usize = 3;
const C_VS_RUST: usize = 4;
const RUST_RACE: usize = 5;
const MATRIX: usize = 6;
const USER_KERNEL: usize = 7;
const SYMBOLS: usize = 8;

/// The lab's questions in the lab's order (parts 2 to 5).
pub const QUESTIONS: [Question; 9] = [
    Question {
        part: 2,
        asks: "Is there a difference between read and write throughput? Why?",
        heading: "1. Is there a read/write throughput difference, and why?",
    },
    Question {
        part: 3,
        asks: "Where do races appear, and why?",
        heading: "2. Where do races appear, and why?",
    },
    Question {
        part: 3,
        asks: "How can the races be avoided? Pros and cons of each fix.",
        heading: "3. Pros and cons of each fix, with measured cost",
    },
    Question {
        part: 3,
        asks: "What other kinds of unsafe behaviour does your module allow? What happens if you \
               close the file descriptor before all worker threads have completed, if a worker \
               accesses a byte outside the region, if several programs use the device at once? \
               How could you avoid them?",
        heading:
            "4. Other unsafe behaviour: closed fds, bytes outside the region, several programs",
    },
    Question {
        part: 4,
        asks: "Is there a difference between the C and the Rust driver? Why?",
        heading: "5. C driver vs Rust driver",
    },
    Question {
        part: 4,
        asks: "What difference does Rust make to the data race of part 3? Does the compiler \
               help, and how?",
        heading: "6. What Rust changes about the data race of part 3",
    },
    Question {
        part: 4,
        asks: "Repeat part 3 with a large N (> 100 000) with both the test program and the \
               driver in Rust. Any difference compared with the C program? Why?",
        heading: "7. Part 3 with the program and the driver in Rust",
    },
    Question {
        part: 5,
        asks: "Is there a difference between user space and in-kernel access? Why?",
        heading: "8. User space vs in-kernel",
    },
    Question {
        part: 5,
        asks: "How do Rust modules reach C kernel functions and other modules' symbols?",
        heading: "9. How Rust modules reach C kernel functions and other modules' symbols",
    },
];

/// Link target of a repository file from the report: run directories are
/// `results/<run-id>/` under the repository root (`results::layout`, the runner's
/// `MYMEM_RESULTS` default).
fn repo_path(rel: &str) -> String {
    format!("../../{rel}")
}

/// Answer `q`'s heading: question 5 names the run's two drivers when it names its modules.
fn heading_text(ctx: &Ctx, q: usize) -> String {
    if q == C_VS_RUST && ctx.names.named {
        format!("5. {}", ctx.names.versus)
    } else {
        QUESTIONS[q].heading.into()
    }
}

fn heading(ctx: &Ctx, md: &mut Md, q: usize) {
    md.heading(3, &heading_text(ctx, q));
}

/// The lab's questions in order, each linked to its answer.
pub fn contents(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "The lab's questions");
    md.para("In the lab's order; each links to its answer below.");
    let items: Vec<String> = QUESTIONS
        .iter()
        .enumerate()
        .map(|(i, q)| {
            format!(
                "Part {}: {} — [answer {}](#{})",
                q.part,
                q.asks,
                q.heading.split('.').next().unwrap_or_default(),
                slug(&heading_text(ctx, i))
            )
        })
        .collect();
    md.bullets(&items);
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Answers to the lab's questions");
    md.para(
        "Each answer quotes this run's numbers; the reasoning around them follows what the \
         numbers show.",
    );
    read_write::render(ctx, md);
    where_races::render(ctx, md);
    fixes::render(ctx, md);
    misuse::render(ctx, md);
    c_vs_rust::render(ctx, md);
    rust_race::render(ctx, md);
    matrix::render(ctx, md);
    user_kernel::render(ctx, md);
    symbols::render(ctx, md);
}
