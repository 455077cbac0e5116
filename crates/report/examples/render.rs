//! Renders the report of a run directory: cargo run -p report --example render -- DIR

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: render DIR"))?;
    let r = report::render(std::path::Path::new(&dir))?;
    println!("{}\n{}", r.markdown.display(), r.html.display());
    for p in r.plots {
        println!("{}", p.display());
    }
    Ok(())
}
