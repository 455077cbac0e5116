//! The report's plots, built from the run's data.

mod chart;

use anyhow::Result;
use plotters::style::RGBColor;
use results::Strategy;

use crate::analysis::{Bench, Dir, Race, Source};
use crate::format;
use crate::modules::Names;
use chart::{Axis, Chart, Line, Marker, Panel, Scale};

/// One rendered plot: `plots/<file>` in the run directory.
pub struct Plot {
    pub file: &'static str,
    pub title: String,
    pub svg: String,
}

// Colour-blind-friendly (Tableau 10) and stable across plots.
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const GREEN: RGBColor = RGBColor(44, 160, 44);
const RED: RGBColor = RGBColor(214, 39, 40);
const PURPLE: RGBColor = RGBColor(148, 103, 189);
const BROWN: RGBColor = RGBColor(140, 86, 75);
const PINK: RGBColor = RGBColor(227, 119, 194);
const GRAY: RGBColor = RGBColor(127, 127, 127);

fn style(source: &Source, index: usize) -> (RGBColor, Marker) {
    match source {
        Source::User(l) if l == "C" => (BLUE, Marker::Circle),
        Source::User(l) if l == "Rust" => (ORANGE, Marker::Triangle),
        Source::User(l) if l == "tmpfs" => (PURPLE, Marker::Square),
        Source::InKernel => (GREEN, Marker::Square),
        Source::Memcpy => (GRAY, Marker::Cross),
        Source::User(_) => ([BROWN, PINK][index % 2], Marker::Circle),
    }
}

fn strategy_style(s: Strategy) -> (RGBColor, Marker) {
    match s {
        Strategy::None => (RED, Marker::Circle),
        Strategy::UserMutex => (BLUE, Marker::Triangle),
        Strategy::KernelLock => (PURPLE, Marker::Square),
        Strategy::FetchAdd => (GREEN, Marker::Cross),
        Strategy::MmapAtomic => (ORANGE, Marker::Triangle),
    }
}

fn size_axis(bench: &Bench) -> Axis {
    Axis {
        label: "transfer size per call (bytes, log scale)".into(),
        scale: Scale::Log,
        format: |v| format::size(v.round() as u64),
        ticks: Some(bench.sizes().into_iter().map(|s| s as f64).collect()),
        from_zero: false,
    }
}

/// One line per source, `value` of (source, dir, size) on the y axis.
fn per_source(
    bench: &Bench,
    names: &Names,
    value: impl Fn(&Source, u64) -> Option<f64>,
) -> Vec<Line> {
    let sizes = bench.sizes();
    bench
        .sources()
        .iter()
        .enumerate()
        .map(|(i, source)| {
            let (color, marker) = style(source, i);
            Line {
                name: source.name(names),
                color,
                marker,
                dashed: *source == Source::Memcpy,
                points: sizes
                    .iter()
                    .filter_map(|&s| Some((s as f64, value(source, s)?)))
                    .collect(),
                bars: Vec::new(),
            }
        })
        .filter(|l| !l.points.is_empty())
        .collect()
}

fn panels(
    bench: &Bench,
    names: &Names,
    value: impl Fn(&Source, Dir, u64) -> Option<f64>,
) -> Vec<Panel> {
    Dir::ALL
        .into_iter()
        .map(|dir| Panel {
            caption: format!("{} (p{})", dir.title(), dir.name()),
            lines: per_source(bench, names, |src, size| value(src, dir, size)),
        })
        .collect()
}

fn latency_log(bench: &Bench, names: &Names) -> Chart {
    Chart {
        title: "Mean time per call vs transfer size (log–log)".into(),
        x: size_axis(bench),
        y: Axis {
            label: "mean time per call (µs, log scale)".into(),
            scale: Scale::Log,
            format: format::tick,
            ticks: None,
            from_zero: false,
        },
        panels: panels(bench, names, |src, dir, size| {
            Some(bench.mean_ns(src, dir, size)? / 1000.0)
        }),
    }
}

fn latency_linear(bench: &Bench, names: &Names) -> Chart {
    Chart {
        title: "Mean time per call vs transfer size (linear axes)".into(),
        x: Axis {
            label: "transfer size per call (KiB, linear scale)".into(),
            scale: Scale::Linear,
            format: format::tick,
            ticks: None,
            from_zero: true,
        },
        y: Axis {
            label: "mean time per call (µs)".into(),
            scale: Scale::Linear,
            format: format::tick,
            ticks: None,
            from_zero: true,
        },
        panels: Dir::ALL
            .into_iter()
            .map(|dir| Panel {
                caption: format!("{} (p{})", dir.title(), dir.name()),
                lines: per_source(bench, names, |src, size| {
                    Some(bench.mean_ns(src, dir, size)? / 1000.0)
                })
                .into_iter()
                .map(|mut l| {
                    for p in &mut l.points {
                        p.0 /= 1024.0;
                    }
                    l
                })
                .collect(),
            })
            .collect(),
    }
}

fn throughput(bench: &Bench, names: &Names) -> Chart {
    Chart {
        title: "Throughput vs transfer size".into(),
        x: size_axis(bench),
        y: Axis {
            label: "throughput (MB/s = 10⁶ bytes/s, log scale)".into(),
            scale: Scale::Log,
            format: format::tick,
            ticks: None,
            from_zero: false,
        },
        panels: panels(bench, names, |src, dir, size| {
            Some(results::stats::throughput_mb_s(
                size,
                bench.mean_ns(src, dir, size)?,
            ))
        }),
    }
}

/// Rust and in-kernel means over C's at each size, Rust with its 95% CI.
fn relative_to_c(bench: &Bench, names: &Names) -> Chart {
    let sizes = bench.sizes();
    let panels = Dir::ALL
        .into_iter()
        .map(|dir| {
            let c_mean = |size| bench.user("C", dir, size).map(|s| s.stats.mean_ns);
            let measured: Vec<u64> = sizes
                .iter()
                .copied()
                .filter(|&s| c_mean(s).is_some())
                .collect();
            let mut lines = vec![Line {
                name: format!("{} (reference = 1)", names.c_legend),
                color: BLUE,
                marker: Marker::Circle,
                dashed: true,
                points: measured.iter().map(|&s| (s as f64, 1.0)).collect(),
                bars: Vec::new(),
            }];
            let rust: Vec<_> = measured
                .iter()
                .filter_map(|&s| Some((s, bench.rust_vs_c(dir, s)?)))
                .collect();
            lines.push(Line {
                name: format!("{} / {} (95% CI)", names.rust_legend, names.c_short),
                color: ORANGE,
                marker: Marker::Triangle,
                dashed: false,
                points: rust.iter().map(|(s, d)| (*s as f64, d.ratio)).collect(),
                bars: rust
                    .iter()
                    .map(|(s, d)| (*s as f64, 1.0 + d.ci95[0], 1.0 + d.ci95[1]))
                    .collect(),
            });
            lines.push(Line {
                name: format!("in-kernel / {}", names.c_short),
                color: GREEN,
                marker: Marker::Square,
                dashed: false,
                points: measured
                    .iter()
                    .filter_map(|&s| {
                        let k = bench.mean_ns(&Source::InKernel, dir, s)?;
                        Some((s as f64, k / c_mean(s)?))
                    })
                    .collect(),
                bars: Vec::new(),
            });
            lines.retain(|l| !l.points.is_empty());
            Panel {
                caption: format!("{} (p{})", dir.title(), dir.name()),
                lines,
            }
        })
        .collect();
    Chart {
        title: if names.named {
            format!(
                "{} vs {} vs in-kernel: mean time relative to {}",
                names.rust_legend, names.c_legend, names.c_short
            )
        } else {
            "C vs Rust vs in-kernel: mean time relative to the C driver".into()
        },
        x: size_axis(bench),
        y: Axis {
            label: format!("mean time / {}'s mean time (ratio)", names.c_legend),
            scale: Scale::Linear,
            format: format::tick,
            ticks: None,
            from_zero: true,
        },
        panels,
    }
}

fn workers_axis(race: &Race) -> Axis {
    let w = race.workers();
    let spread = match (w.first(), w.last()) {
        (Some(&lo), Some(&hi)) => f64::from(hi) / f64::from(lo.max(1)),
        _ => 1.0,
    };
    let log = spread >= 20.0;
    Axis {
        label: if log {
            "worker threads W (log scale)".into()
        } else {
            "worker threads W".into()
        },
        scale: if log { Scale::Log } else { Scale::Linear },
        format: |v| format!("{}", v.round()),
        ticks: Some(w.iter().map(|&w| f64::from(w)).collect()),
        from_zero: false,
    }
}

fn race_lines(
    race: &Race,
    y: impl Fn(Strategy, u32) -> Option<(f64, Option<(f64, f64)>)>,
) -> Vec<Line> {
    race.strategies()
        .into_iter()
        .map(|s| {
            let (color, marker) = strategy_style(s);
            let values: Vec<_> = race
                .workers()
                .into_iter()
                .filter_map(|w| Some((f64::from(w), y(s, w)?)))
                .collect();
            Line {
                name: s.as_str().into(),
                color,
                marker,
                dashed: false,
                points: values.iter().map(|(w, (v, _))| (*w, *v)).collect(),
                bars: values
                    .iter()
                    .filter_map(|(w, (_, bar))| bar.map(|(lo, hi)| (*w, lo, hi)))
                    .collect(),
            }
        })
        .collect()
}

fn race_error(race: &Race) -> Chart {
    let mut lines = race_lines(race, |s, w| {
        let r = race.summary(w, s)?;
        Some((r.error_pct_mean, Some((r.error_pct_min, r.error_pct_max))))
    });
    // Correct strategies sit on top of each other at 0: say so in the legend.
    for line in &mut lines {
        if line.points.iter().all(|p| p.1 == 0.0) {
            line.name.push_str(" (0 in every trial)");
        }
    }
    Chart {
        title: "Lost updates vs worker threads, per strategy".into(),
        x: workers_axis(race),
        y: Axis {
            label: "lost updates (% of expected increments)".into(),
            scale: Scale::Linear,
            format: format::tick,
            ticks: None,
            from_zero: true,
        },
        panels: vec![Panel {
            caption: "mean over trials, bars: min–max".into(),
            lines,
        }],
    }
}

fn race_throughput(race: &Race) -> Chart {
    Chart {
        title: "Race throughput vs worker threads, per strategy".into(),
        x: workers_axis(race),
        y: Axis {
            label: "attempted increments per second (log scale)".into(),
            scale: Scale::Log,
            format: format::tick_si,
            ticks: None,
            from_zero: false,
        },
        panels: vec![Panel {
            caption: "mean over trials (all workers together)".into(),
            lines: race_lines(race, |s, w| {
                Some((race.summary(w, s)?.incr_per_s_mean, None))
            }),
        }],
    }
}

/// Every plot the data allows, in report order.
pub fn render(bench: &Bench, race: Option<&Race>, names: &Names) -> Result<Vec<Plot>> {
    let mut charts: Vec<(&'static str, Chart)> = Vec::new();
    if !bench.sources().is_empty() {
        charts.push(("latency_log.svg", latency_log(bench, names)));
        charts.push(("latency_linear.svg", latency_linear(bench, names)));
        charts.push(("throughput.svg", throughput(bench, names)));
        if bench.device_labels().contains(&"C") {
            charts.push(("relative_to_c.svg", relative_to_c(bench, names)));
        }
    }
    if let Some(race) = race.filter(|r| !r.workers().is_empty()) {
        charts.push(("race_error.svg", race_error(race)));
        charts.push(("race_throughput.svg", race_throughput(race)));
    }
    charts
        .into_iter()
        .map(|(file, chart)| {
            Ok(Plot {
                file,
                svg: chart::render(&chart)?,
                title: chart.title,
            })
        })
        .collect()
}
