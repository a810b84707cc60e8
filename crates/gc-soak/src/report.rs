//! The soak's report: `soak.json` (every figure), `soak.md` (for people) and `soak.svg` (latency
//! per second over the run, the faults marked, the invariant counts in the caption), drawn with
//! plotters' SVG backend, which writes text as SVG `<text>`: no font files needed.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use plotters::prelude::*;
use serde_json::{Value, json};

use crate::driver::Second;

/// A fault as the report shows it.
#[derive(Debug, Clone)]
pub(crate) struct FaultRow {
    pub(crate) t: f64,
    pub(crate) name: String,
    pub(crate) short: String,
    pub(crate) note: String,
    pub(crate) failed: bool,
    pub(crate) converged_s: Option<f64>,
    pub(crate) differing: Option<usize>,
    pub(crate) example: Option<String>,
}

/// The four invariants' counts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Invariants {
    /// (a) commands neither answered nor dead-lettered.
    pub(crate) lost: u64,
    /// (b) Finesse writes executed twice.
    pub(crate) duplicate_writes: u64,
    /// (c) faults after which the views did not converge within the limit.
    pub(crate) not_converged: u64,
    /// (d) agents logged out (LOGOUT events, LOGOUT writes, LOGOUT in the simulator).
    pub(crate) logouts: u64,
}

impl Invariants {
    pub(crate) fn violations(self) -> u64 {
        self.lost + self.duplicate_writes + self.not_converged + self.logouts
    }

    fn line(self) -> String {
        format!(
            "(a) lost {}  (b) duplicate writes {}  (c) not converged {}  (d) logouts {}",
            self.lost, self.duplicate_writes, self.not_converged, self.logouts
        )
    }
}

/// Draws the plot.
pub(crate) fn svg(
    path: &Path,
    title: &str,
    seconds: &[Second],
    faults: &[FaultRow],
    invariants: Invariants,
) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, (1000, 480)).into_drawing_area();
    draw(&root, title, seconds, faults, invariants)
        .map_err(|e| anyhow::anyhow!("drawing {}: {e}", path.display()))?;
    root.present()
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    Ok(())
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    seconds: &[Second],
    faults: &[FaultRow],
    invariants: Invariants,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let t_max = seconds.last().map_or(1.0, |s| s.t).max(1.0);
    // Log scale from 0.1 ms: a failover's seconds and a normal millisecond on one chart.
    let y_max = seconds
        .iter()
        .map(|s| s.max_ms)
        .fold(10.0_f64, f64::max)
        .mul_add(1.5, 0.0);
    let caption = format!("{title}  |  {}", invariants.line());
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..t_max, (0.1..y_max).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("seconds into the soak")
        .y_desc("command → answer, ms")
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let nonempty: Vec<&Second> = seconds.iter().filter(|s| s.answered > 0).collect();
    let series = [
        ("p50", BLUE, (|s: &Second| s.p50_ms) as fn(&Second) -> f64),
        ("p99", RGBColor(230, 120, 0), |s: &Second| s.p99_ms),
        ("max", RGBColor(160, 160, 160), |s: &Second| s.max_ms),
    ];
    for (name, color, value) in series {
        chart
            .draw_series(LineSeries::new(
                nonempty.iter().map(|s| (s.t, value(s).max(0.1))),
                color.stroke_width(1),
            ))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
    }
    for f in faults {
        let color = if f.failed || f.converged_s.is_none() {
            RED
        } else {
            RGBColor(0, 140, 0)
        };
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(f.t, 0.1), (f.t, y_max)],
            color.mix(0.6).stroke_width(1),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            f.short.clone(),
            (f.t, y_max / 1.6),
            ("sans-serif", 12).into_font().color(&color),
        )))?;
    }
    let lost: Vec<&Second> = seconds.iter().filter(|s| s.lost > 0).collect();
    if !lost.is_empty() {
        chart
            .draw_series(
                lost.iter()
                    .map(|s| Cross::new((s.t, 0.15), 5, RED.stroke_width(2))),
            )?
            .label("lost commands")
            .legend(|(x, y)| Cross::new((x + 8, y), 4, RED));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}

/// The Markdown report.
pub(crate) fn markdown(summary: &Value, faults: &[FaultRow], image: &str) -> String {
    let mut md = String::new();
    let v = |k: &str| summary.pointer(k).cloned().unwrap_or(Value::Null);
    let _ = writeln!(md, "# gc-soak report\n");
    let _ = writeln!(
        md,
        "{} s soak, {} agents on {} destinations, {} commands/s open loop, a fault every {} s; \
         redundant connector pair, two-node finesse-sim, RabbitMQ node of its own. {} CPUs.\n",
        v("/params/seconds"),
        v("/params/agents"),
        v("/params/destinations"),
        v("/params/rate"),
        v("/params/fault_every_s"),
        v("/cpus")
    );
    let _ = writeln!(md, "![latency over time, faults marked]({image})\n");
    let _ = writeln!(
        md,
        "## Invariants\n\n| invariant | count | |\n|---|---|---|"
    );
    for (name, key) in [
        ("(a) every command answered or dead-lettered: lost", "lost"),
        (
            "(b) no Finesse write executed twice: duplicates",
            "duplicate_writes",
        ),
        (
            "(c) views converge within the limit after each fault: faults not converged",
            "not_converged",
        ),
        ("(d) no agent logged out by a failover: logouts", "logouts"),
    ] {
        let n = summary["invariants"][key].as_u64().unwrap_or(0);
        let _ = writeln!(
            md,
            "| {name} | {n} | {} |",
            if n == 0 { "held" } else { "**VIOLATED**" }
        );
    }
    let _ = writeln!(
        md,
        "\nCommands: {} sent, {} answered ({} of them Error answers: {}), dead-lettered {}, \
         not accepted by the broker (client side, not counted) {}, not sent (client \
         disconnected) {}. Finesse writes audited: {} (log records missed: {}).\n",
        v("/commands/sent"),
        v("/commands/answered"),
        v("/commands/error_answers"),
        v("/commands/errors"),
        v("/commands/dead_lettered"),
        v("/commands/not_accepted"),
        v("/commands/not_sent"),
        v("/audit/writes"),
        v("/audit/missed"),
    );
    let _ = writeln!(
        md,
        "Latency (command → answer over the whole soak): p50 {} ms, p99 {} ms, p99.9 {} ms, \
         max {} ms. Login of every agent: {} s. Connector RSS at the end: {}.\n",
        v("/latency_ms/p50"),
        v("/latency_ms/p99"),
        v("/latency_ms/p99_9"),
        v("/latency_ms/max"),
        v("/login_s"),
        v("/rss_kib")
    );
    let _ = writeln!(
        md,
        "## Faults\n\n| t (s) | fault | what happened | converged after (s) |\n|---|---|---|---|"
    );
    for f in faults {
        let converged = match (f.converged_s, f.differing) {
            (Some(s), _) => format!("{s:.1}"),
            (None, Some(d)) => format!("**not** ({d} agents differed at the limit)"),
            (None, None) => "**not**".to_owned(),
        };
        let _ = writeln!(
            md,
            "| {:.0} | {} | {}{} | {converged}{} |",
            f.t,
            f.name,
            f.note.replace('|', "/"),
            if f.failed { " **(failed)**" } else { "" },
            f.example
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
    }
    md
}

/// Writes the JSON, the Markdown and the plot into `dir`.
pub(crate) fn write_all(
    dir: &Path,
    summary: &Value,
    seconds: &[Second],
    faults: &[FaultRow],
    invariants: Invariants,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut full = summary.clone();
    full["seconds"] = json!(
        seconds
            .iter()
            .map(|s| json!([s.t, s.answered, s.p50_ms, s.p99_ms, s.max_ms, s.lost]))
            .collect::<Vec<_>>()
    );
    std::fs::write(dir.join("soak.json"), serde_json::to_string_pretty(&full)?)?;
    let title = format!(
        "gc-soak: {} s, {} agents, {}/s",
        summary["params"]["seconds"], summary["params"]["agents"], summary["params"]["rate"]
    );
    svg(&dir.join("soak.svg"), &title, seconds, faults, invariants)?;
    std::fs::write(dir.join("soak.md"), markdown(summary, faults, "soak.svg"))?;
    Ok(())
}
