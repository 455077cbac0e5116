//! Question 9 (part 5): how Rust modules reach C kernel functions and other
//! modules' symbols. Nothing of it depends on the run: the wording
//! (templates/answers/symbols.md.j2) names the files and links docs/modules.md, which explains
//! them.

use serde::Serialize;

use crate::ctx::Ctx;
use crate::md::Md;

/// What the template reads.
#[derive(Serialize)]
struct Facts {
    /// Link target of docs/modules.md, relative to the report.
    modules_md: String,
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(ctx, md, super::SYMBOLS);
    let facts = Facts {
        modules_md: super::repo_path("docs/modules.md"),
    };
    md.raw(&crate::templates::render(ctx, "answers/symbols.md", &facts));
}
