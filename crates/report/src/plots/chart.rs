//! A small line-chart description and its rendering to SVG with plotters.
//!
//! Log axes are drawn as linear axes over log10 of the values, with tick
//! positions chosen here: that keeps one code path for both scales and
//! gives readable ticks (the bench sizes, 1-2-5 per decade) instead of
//! plotters' default log key points.

use std::ops::Range;

use anyhow::{anyhow, Result};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const FONT: &str = "sans-serif";
const WIDTH: u32 = 1100;
const PANEL_HEIGHT: u32 = 460;
const TITLE_HEIGHT: u32 = 40;
const LEGEND_FONT: u32 = 15;
const LEGEND_ROW: u32 = 26;
/// Left edge of the legend and of the plotting areas (after the y labels).
const LEFT: i32 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
}

pub struct Axis {
    /// Description with unit.
    pub label: String,
    pub scale: Scale,
    /// Tick text of a value.
    pub format: fn(f64) -> String,
    /// Preferred tick values (e.g. the measured sizes); else nice steps.
    pub ticks: Option<Vec<f64>>,
    /// Linear axis starts at 0 (for quantities compared to zero).
    pub from_zero: bool,
}

/// A linear f64 axis whose grid lines and labels are exactly `ticks`.
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let frac = (value - self.lo) / (self.hi - self.lo);
        let length = f64::from(limit.1 - limit.0);
        limit.0 + (length * frac + 1e-3).floor() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Light (minor) grid lines: none.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
}

pub struct Line {
    pub name: String,
    pub color: RGBColor,
    pub marker: Marker,
    pub dashed: bool,
    pub points: Vec<(f64, f64)>,
    /// Vertical error bars: (x, low, high).
    pub bars: Vec<(f64, f64, f64)>,
}

pub struct Panel {
    pub caption: String,
    pub lines: Vec<Line>,
}

/// Panels side by side sharing both axes and one legend below them.
pub struct Chart {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    pub panels: Vec<Panel>,
}

fn to_axis(scale: Scale, v: f64) -> Option<f64> {
    match scale {
        Scale::Linear => v.is_finite().then_some(v),
        Scale::Log => (v > 0.0 && v.is_finite()).then(|| v.log10()),
    }
}

fn from_axis(scale: Scale, v: f64) -> f64 {
    match scale {
        Scale::Linear => v,
        Scale::Log => 10f64.powf(v),
    }
}

/// Axis range (in axis units) covering `values`, padded.
fn range(axis: &Axis, values: &[f64]) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let zero_based = axis.from_zero && axis.scale == Scale::Linear && lo >= 0.0;
    if zero_based {
        lo = 0.0;
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.06
    } else if axis.scale == Scale::Log {
        0.3
    } else {
        hi.abs().max(1.0) * 0.1
    };
    if zero_based {
        (0.0, hi + pad)
    } else {
        (lo - pad, hi + pad)
    }
}

/// 1, 2, 5 x 10^k step giving about `target` intervals over `span`.
fn nice_step(span: f64, target: f64) -> f64 {
    let raw = span / target;
    let base = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * base)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * base)
}

/// Tick positions in axis units, at least `min_gap` apart.
fn ticks(axis: &Axis, (lo, hi): (f64, f64), min_gap: f64) -> Vec<f64> {
    let candidates: Vec<f64> = if let Some(values) = &axis.ticks {
        values
            .iter()
            .filter_map(|&v| to_axis(axis.scale, v))
            .collect()
    } else if axis.scale == Scale::Log {
        // The densest of 1-2-5, 1-3, 1 per decade whose ticks are all far
        // enough apart; below one decade, plain steps of the values.
        let sets: [&[f64]; 3] = [&[1.0, 2.0, 5.0], &[1.0, 3.0], &[1.0]];
        let per_decade = |ms: &[f64]| -> Vec<f64> {
            ((lo.floor() as i32)..=(hi.ceil() as i32))
                .flat_map(|d| ms.iter().map(move |m| f64::from(d) + m.log10()))
                .filter(|v| (lo - 1e-9..=hi + 1e-9).contains(v))
                .collect()
        };
        let spaced = |c: &[f64]| c.windows(2).all(|w| w[1] - w[0] >= min_gap);
        match sets.iter().map(|ms| per_decade(ms)).find(|c| spaced(c)) {
            Some(c) if c.len() >= 3 => c,
            found => {
                let (vlo, vhi) = (10f64.powf(lo), 10f64.powf(hi));
                let step = nice_step(vhi - vlo, 6.0);
                let linear: Vec<f64> = ((vlo / step).ceil() as i64..=(vhi / step).floor() as i64)
                    .filter(|&i| i > 0)
                    .map(|i| (i as f64 * step).log10())
                    .collect();
                if linear.len() >= 3 {
                    linear
                } else {
                    found.unwrap_or_else(|| per_decade(&[1.0]))
                }
            }
        }
    } else {
        let step = nice_step(hi - lo, 6.0);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    };
    let candidates: Vec<f64> = candidates
        .into_iter()
        .filter(|v| (lo - 1e-9..=hi + 1e-9).contains(v))
        .collect();
    let mut kept: Vec<f64> = Vec::new();
    for (i, &v) in candidates.iter().enumerate() {
        match kept.last() {
            Some(&last) if v - last < min_gap => {
                // The largest value matters more than its neighbour.
                if i == candidates.len() - 1 && kept.len() > 1 {
                    kept.pop();
                    kept.push(v);
                }
            }
            _ => kept.push(v),
        }
    }
    kept
}

/// Rough width of `text` at font `size` in a sans-serif font (SVG cannot
/// measure). plotters writes font sizes divided by 1.24 into the SVG.
fn text_width(text: &str, size: u32) -> i32 {
    (text.chars().count() as f64 * f64::from(size) / 1.24 * 0.62).ceil() as i32
}

struct LegendEntry {
    name: String,
    color: RGBColor,
    marker: Marker,
    dashed: bool,
}

/// Legend rows: entries with their x offsets, wrapped to the chart width.
fn legend_layout(entries: &[LegendEntry]) -> Vec<Vec<(i32, &LegendEntry)>> {
    let mut rows: Vec<Vec<(i32, &LegendEntry)>> = vec![Vec::new()];
    let mut x = LEFT;
    for e in entries {
        let w = 44 + text_width(&e.name, LEGEND_FONT) + 28;
        if x + w > WIDTH as i32 - 10 && x > LEFT {
            rows.push(Vec::new());
            x = LEFT;
        }
        rows.last_mut().expect("one row").push((x, e));
        x += w;
    }
    rows
}

/// Draws one marker centred on `at`, in the area's own coordinates.
fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    marker: Marker,
    color: RGBColor,
) -> Result<()>
where
    CT::From: Clone,
{
    let style = color.filled();
    let anchor = EmptyElement::at(at);
    let r = match marker {
        Marker::Circle => area.draw(&(anchor + Circle::new((0, 0), 4, style))),
        Marker::Triangle => area.draw(&(anchor + TriangleMarker::new((0, 0), 6, style))),
        Marker::Square => area.draw(&(anchor + Rectangle::new([(-4, -4), (4, 4)], style))),
        Marker::Cross => area.draw(&(anchor + Cross::new((0, 0), 5, color.stroke_width(2)))),
    };
    r.map_err(|e| anyhow!("drawing a marker: {e}"))
}

/// Renders the chart as an SVG document.
pub fn render(chart: &Chart) -> Result<String> {
    let mut entries: Vec<LegendEntry> = Vec::new();
    for line in chart.panels.iter().flat_map(|p| &p.lines) {
        if !entries.iter().any(|e| e.name == line.name) {
            entries.push(LegendEntry {
                name: line.name.clone(),
                color: line.color,
                marker: line.marker,
                dashed: line.dashed,
            });
        }
    }
    let rows = legend_layout(&entries);
    let legend_height = rows.len() as u32 * LEGEND_ROW + 12;
    let height = TITLE_HEIGHT + PANEL_HEIGHT + legend_height;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        let err = |e: DrawingAreaErrorKind<_>| anyhow!("drawing {:?}: {e}", chart.title);
        root.fill(&WHITE).map_err(err)?;
        let body = root
            .titled(&chart.title, (FONT, 22).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        let (plots, legend) = body.split_vertically(PANEL_HEIGHT);

        let xs: Vec<f64> = chart
            .panels
            .iter()
            .flat_map(|p| &p.lines)
            .flat_map(|l| {
                l.points
                    .iter()
                    .map(|p| p.0)
                    .chain(l.bars.iter().map(|b| b.0))
            })
            .filter_map(|v| to_axis(chart.x.scale, v))
            .collect();
        let ys: Vec<f64> = chart
            .panels
            .iter()
            .flat_map(|p| &p.lines)
            .flat_map(|l| {
                l.points
                    .iter()
                    .map(|p| p.1)
                    .chain(l.bars.iter().flat_map(|b| [b.1, b.2]))
            })
            .filter_map(|v| to_axis(chart.y.scale, v))
            .collect();
        let xr = range(&chart.x, &xs);
        let yr = range(&chart.y, &ys);
        let panel_width = f64::from(WIDTH) / chart.panels.len().max(1) as f64;
        // Gaps in pixels between tick labels, converted to axis units.
        let x_ticks = ticks(&chart.x, xr, (xr.1 - xr.0) * 55.0 / (panel_width - 110.0));
        let y_ticks = ticks(
            &chart.y,
            yr,
            (yr.1 - yr.0) * 24.0 / (f64::from(PANEL_HEIGHT) - 110.0),
        );
        let (xs_, ys_) = (chart.x.scale, chart.y.scale);
        let (xf, yf) = (chart.x.format, chart.y.format);
        let x_label = |v: &f64| xf(from_axis(xs_, *v));
        let y_label = |v: &f64| yf(from_axis(ys_, *v));

        for (panel, area) in chart
            .panels
            .iter()
            .zip(plots.split_evenly((1, chart.panels.len().max(1))))
        {
            let mut cc = ChartBuilder::on(&area)
                .caption(&panel.caption, (FONT, 18))
                .margin(12)
                .x_label_area_size(58)
                .y_label_area_size(LEFT - 12)
                .build_cartesian_2d(
                    Ticked {
                        lo: xr.0,
                        hi: xr.1,
                        ticks: x_ticks.clone(),
                    },
                    Ticked {
                        lo: yr.0,
                        hi: yr.1,
                        ticks: y_ticks.clone(),
                    },
                )
                .map_err(err)?;
            cc.configure_mesh()
                .x_desc(chart.x.label.as_str())
                .y_desc(chart.y.label.as_str())
                .x_label_formatter(&x_label)
                .y_label_formatter(&y_label)
                .label_style((FONT, 14))
                .axis_desc_style((FONT, 15))
                .bold_line_style(BLACK.mix(0.12))
                .light_line_style(TRANSPARENT)
                .draw()
                .map_err(err)?;

            for line in &panel.lines {
                let pts: Vec<(f64, f64)> = line
                    .points
                    .iter()
                    .filter_map(|&(x, y)| Some((to_axis(xs_, x)?, to_axis(ys_, y)?)))
                    .collect();
                let stroke = line.color.stroke_width(2);
                if line.dashed {
                    cc.draw_series(DashedLineSeries::new(pts.clone(), 8, 6, stroke))
                        .map_err(err)?;
                } else {
                    cc.draw_series(LineSeries::new(pts.clone(), stroke))
                        .map_err(err)?;
                }
                // Error bars: a vertical line with 8-pixel caps.
                let bar_style = line.color.mix(0.7).stroke_width(1);
                for &(x, lo, hi) in &line.bars {
                    let (Some(x), Some(lo), Some(hi)) =
                        (to_axis(xs_, x), to_axis(ys_, lo), to_axis(ys_, hi))
                    else {
                        continue;
                    };
                    let area = cc.plotting_area();
                    area.draw(&PathElement::new(vec![(x, lo), (x, hi)], bar_style))
                        .map_err(err)?;
                    for y in [lo, hi] {
                        let cap = PathElement::new(vec![(-4, 0), (4, 0)], bar_style);
                        area.draw(&(EmptyElement::at((x, y)) + cap)).map_err(err)?;
                    }
                }
                for p in &pts {
                    draw_marker(cc.plotting_area(), *p, line.marker, line.color)?;
                }
            }
        }

        let font = (FONT, LEGEND_FONT)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (row, entries) in rows.iter().enumerate() {
            let y = 8 + row as i32 * LEGEND_ROW as i32 + LEGEND_ROW as i32 / 2;
            for (x, e) in entries {
                let seg = [(*x, y), (*x + 34, y)];
                let stroke = e.color.stroke_width(2);
                if e.dashed {
                    legend
                        .draw(&DashedPathElement::new(seg, 8, 6, stroke))
                        .map_err(err)?;
                } else {
                    legend.draw(&PathElement::new(seg, stroke)).map_err(err)?;
                }
                draw_marker(&legend, (*x + 17, y), e.marker, e.color)?;
                legend
                    .draw(&Text::new(e.name.clone(), (*x + 44, y), font.clone()))
                    .map_err(err)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(scale: Scale, ticks: Option<Vec<f64>>) -> Axis {
        Axis {
            label: String::new(),
            scale,
            format: |v| v.to_string(),
            ticks,
            from_zero: false,
        }
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(100.0, 6.0), 20.0);
        assert_eq!(nice_step(0.7, 6.0), 0.2);
    }

    #[test]
    fn size_ticks_are_thinned_but_keep_ends() {
        let sizes = vec![1.0, 64.0, 1024.0, 65536.0, 524288.0];
        let a = axis(Scale::Log, Some(sizes));
        let r = (-0.3, 6.0);
        assert_eq!(ticks(&a, r, 0.5).len(), 5);
        // 64 KiB and 512 KiB are 0.9 decades apart: the last one wins.
        let t = ticks(&a, r, 1.0);
        assert_eq!(t.len(), 4);
        assert_eq!(t[0], 0.0);
        assert_eq!(t[3], 524288f64.log10());
    }

    #[test]
    fn log_ticks_are_one_two_five() {
        let a = axis(Scale::Log, None);
        let t: Vec<f64> = ticks(&a, (0.0, 2.0), 0.1)
            .into_iter()
            .map(|v| from_axis(Scale::Log, v).round())
            .collect();
        assert_eq!(t, [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]);
    }

    #[test]
    fn sparse_log_ticks_fall_back() {
        let a = axis(Scale::Log, None);
        // 1-2-5 too dense for a 0.35-decade gap: 1-3 per decade.
        let t: Vec<f64> = ticks(&a, (0.0, 2.0), 0.35)
            .into_iter()
            .map(|v| from_axis(Scale::Log, v).round())
            .collect();
        assert_eq!(t, [1.0, 3.0, 10.0, 30.0, 100.0]);
        // Less than a decade (55k..400k): linear steps.
        let t: Vec<f64> = ticks(&a, (55e3f64.log10(), 4e5f64.log10()), 0.02)
            .into_iter()
            .map(|v| from_axis(Scale::Log, v).round())
            .collect();
        assert_eq!(t, [1e5, 2e5, 3e5, 4e5]);
    }

    #[test]
    fn degenerate_ranges_are_padded() {
        let a = axis(Scale::Linear, None);
        let (lo, hi) = range(&a, &[4.0]);
        assert!(lo < 4.0 && hi > 4.0);
        let (lo, hi) = range(&a, &[]);
        assert!(lo < hi);
    }

    #[test]
    fn renders_svg_with_labels() {
        let chart = Chart {
            title: "T".into(),
            x: Axis {
                label: "size (bytes)".into(),
                ..axis(Scale::Log, None)
            },
            y: Axis {
                label: "time (µs)".into(),
                ..axis(Scale::Linear, None)
            },
            panels: vec![Panel {
                caption: "P".into(),
                lines: vec![Line {
                    name: "a & b".into(),
                    color: RGBColor(1, 2, 3),
                    marker: Marker::Square,
                    dashed: true,
                    points: vec![(1.0, 2.0), (10.0, 3.0)],
                    bars: vec![(1.0, 1.5, 2.5)],
                }],
            }],
        };
        let svg = render(&chart).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("size (bytes)"));
        assert!(svg.contains("time (µs)"));
        assert!(svg.contains("a &amp; b"));
    }
}
