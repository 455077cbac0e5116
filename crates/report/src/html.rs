//! report.html: the markdown rendered by pulldown-cmark, each plot image
//! replaced by the plot's SVG so the file needs nothing else.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::plots::Plot;

const CSS: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1160px;\
margin:2em auto;padding:0 1em;line-height:1.5;color:#1f2328}\
h1,h2{border-bottom:1px solid #d1d9e0;padding-bottom:.3em}\
table{border-collapse:collapse;margin:1em 0;font-size:.92em;display:block;overflow-x:auto}\
th,td{border:1px solid #d1d9e0;padding:.3em .6em}th{background:#f6f8fa}\
tr:nth-child(2n) td{background:#fafbfc}\
code{background:#eff1f3;padding:.1em .3em;border-radius:4px;font-size:.9em}\
pre{background:#f6f8fa;padding:1em;overflow-x:auto;border-radius:6px}pre code{background:none;padding:0}\
blockquote{margin:1em 0;padding:.5em 1em;border-left:.25em solid #d1d9e0;color:#59636e}\
blockquote.markdown-alert-warning{border-color:#9a6700;background:#fff8c5;color:#1f2328}\
blockquote.markdown-alert-caution{border-color:#d1242f;background:#ffebe9;color:#1f2328}\
svg{max-width:100%;height:auto;display:block;margin:1em 0}";

/// GitHub's heading anchor: lower case, punctuation dropped, spaces to '-'.
pub fn slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Renders `markdown` as a complete HTML document with `plots` inlined.
pub fn render(title: &str, markdown: &str, plots: &[Plot]) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_GFM | Options::ENABLE_STRIKETHROUGH;
    let mut events: Vec<Event> = Vec::new();
    let mut in_plot = false;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Image { ref dest_url, .. }) => {
                let file = dest_url.strip_prefix("plots/").unwrap_or(dest_url);
                if let Some(p) = plots.iter().find(|p| p.file == file) {
                    events.push(Event::InlineHtml(CowStr::from(p.svg.clone())));
                    in_plot = true;
                } else {
                    events.push(event);
                }
            }
            Event::End(TagEnd::Image) if in_plot => in_plot = false,
            _ if in_plot => {}
            _ => events.push(event),
        }
    }
    add_heading_ids(&mut events);
    let mut body = String::new();
    html::push_html(&mut body, events.into_iter());
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        html_escape(title)
    )
}

/// Gives every heading its GitHub anchor so in-page links work offline too.
fn add_heading_ids(events: &mut [Event]) {
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { id: None, .. }) = &events[i] {
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(CowStr::from(slug(&text)));
            }
            i = j;
        }
        i += 1;
    }
}

/// `<`, `>` and `&` escaped for HTML text, by pulldown-cmark's own escaper.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html_body_text(&mut out, s)
        .expect("writing to a String cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_match_github() {
        assert_eq!(slug("Raw data"), "raw-data");
        assert_eq!(slug("Cost of the fixes"), "cost-of-the-fixes");
        assert_eq!(
            slug("Parts 2 and 4: read and write latency"),
            "parts-2-and-4-read-and-write-latency"
        );
    }

    #[test]
    fn inlines_plots_and_alerts() {
        let plots = [Plot {
            file: "a.svg",
            title: "A".into(),
            svg: "<svg id=\"x\"></svg>".into(),
        }];
        let md = "# T & U\n\n> [!WARNING]\n> careful\n\n![A](plots/a.svg)\n\n| a | b |\n| :--- | ---: |\n| 1 | 2 |\n";
        let out = render("T & U", md, &plots);
        assert!(out.contains("<svg id=\"x\"></svg>"));
        assert!(!out.contains("<img"));
        assert!(out.contains("markdown-alert-warning"));
        assert!(out.contains("<h1 id=\"t--u\">"));
        assert!(out.contains("<title>T &amp; U</title>"));
        assert_eq!(html_escape("a<b>&\"c\""), "a&lt;b&gt;&amp;\"c\"");
        assert!(out.contains("<table>"));
    }
}
