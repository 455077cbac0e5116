//! Answers to the lab's six questions: numbers from this run, fixed
//! reasoning that branches on them.

use crate::ctx::Ctx;
use crate::md::Md;

mod c_vs_rust;
mod fixes;
mod read_write;
mod symbols;
mod user_kernel;
mod where_races;

pub fn render(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Answers to the lab's questions");
    md.para(
        "Each answer quotes this run's numbers; the reasoning around them follows what the \
         numbers show.",
    );
    read_write::render(ctx, md);
    where_races::render(ctx, md);
    fixes::render(ctx, md);
    c_vs_rust::render(ctx, md);
    user_kernel::render(ctx, md);
    symbols::render(ctx, md);
}
