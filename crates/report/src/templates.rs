//! The answers' wording: one minijinja template per answer (`templates/answers/*.md.j2`,
//! compiled into the crate), rendered from the facts the answer computes.
//!
//! Templates produce markdown. Blocks (`{% if %}`, `{% for %}`) swallow their own line
//! (trim_blocks, lstrip_blocks); undefined names are errors, so a renamed fact fails the golden
//! test instead of rendering as empty text.

use std::sync::LazyLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::Value;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

/// (name, source) of every template.
const TEMPLATES: [(&str, &str); 9] = [
    (
        "answers/c_vs_rust.md",
        include_str!("../templates/answers/c_vs_rust.md.j2"),
    ),
    (
        "answers/fixes.md",
        include_str!("../templates/answers/fixes.md.j2"),
    ),
    (
        "answers/matrix.md",
        include_str!("../templates/answers/matrix.md.j2"),
    ),
    (
        "answers/misuse.md",
        include_str!("../templates/answers/misuse.md.j2"),
    ),
    (
        "answers/read_write.md",
        include_str!("../templates/answers/read_write.md.j2"),
    ),
    (
        "answers/rust_race.md",
        include_str!("../templates/answers/rust_race.md.j2"),
    ),
    (
        "answers/symbols.md",
        include_str!("../templates/answers/symbols.md.j2"),
    ),
    (
        "answers/user_kernel.md",
        include_str!("../templates/answers/user_kernel.md.j2"),
    ),
    (
        "answers/where_races.md",
        include_str!("../templates/answers/where_races.md.j2"),
    ),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("default delimiters"),
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Numbers are formatted by the report's own rules, never by the engine's float display.
    env.add_filter("pct", |v: f64| crate::format::pct(v));
    env.add_filter("si", |v: f64| crate::format::si(v));
    env.add_filter("ratio", |v: f64| crate::format::ratio(v));
    env.add_filter("mb_s", |v: f64| crate::format::mb_s(v));
    env.add_filter("size", |v: u64| crate::format::size(v));
    env.add_filter("cell", |v: &str| crate::format::cell(v));
    env.add_filter("signed", |v: f64, digits: usize| format!("{v:+.digits$}"));
    env.add_filter("us", |ns: f64| crate::format::us(ns));
    env.add_filter("fixed", |v: f64, digits: usize| format!("{v:.digits$}"));
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

/// Renders template `name` (e.g. `answers/symbols.md`) with `facts` as its context, and
/// `drv`: how the run's two drivers are named (`modules::Names`: `drv.rust`, `drv.c_short`...).
///
/// # Panics
/// If the template does not exist or fails to render: templates are part of the crate, so
/// that is a bug the golden test catches.
pub fn render(ctx: &crate::ctx::Ctx, name: &str, facts: &impl Serialize) -> String {
    render_with(&ctx.names, name, facts)
}

fn render_with(names: &crate::modules::Names, name: &str, facts: &impl Serialize) -> String {
    let context = minijinja::context! {
        drv => Value::from(Serde(names)),
        ..Value::from(Serde(facts))
    };
    ENV.get_template(name)
        .and_then(|t| t.render(context))
        .unwrap_or_else(|e| panic!("template {name}: {e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for (name, _) in TEMPLATES {
            ENV.get_template(name).unwrap();
        }
    }
}
