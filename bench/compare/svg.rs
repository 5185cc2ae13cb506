//! The main table as a chart: `docs/performance.svg` (or `$REDLINE_BENCH_SVG`), hand-written
//! SVG, one group of horizontal bars per scenario: redline, redis-rs and the limit (the replay
//! or the wire floor) where the row has one. A child of `report`, so it reads the table's rows.

use super::{median, Table, Unit};
use crate::{Config, Res};
use std::fmt::Write as _;

const WIDTH: f64 = 960.0;
/// Left edge of the bars; the value is printed right of each bar.
const BAR_X: f64 = 20.0;
const BAR_MAX: f64 = 700.0;
const BAR_H: f64 = 13.0;
const GAP: f64 = 3.0;
/// (series name, fill): the order of the bars in every group.
const SERIES: [(&str, &str); 3] = [
    ("redline", "#c0392b"),
    ("redis-rs 1.8.1", "#2e6da4"),
    ("limit (raw-socket replay or wire floor)", "#8c8c8c"),
];

/// Where the chart goes: `$REDLINE_BENCH_SVG`, else `docs/performance.svg` of the repository.
pub fn path() -> std::path::PathBuf {
    match std::env::var_os("REDLINE_BENCH_SVG") {
        Some(p) => p.into(),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/performance.svg"),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders the table (medians, as printed) to SVG text.
pub fn render(cfg: &Config, t: &Table, version: &str) -> String {
    let mut body = String::new();
    let mut y = 92.0;
    for row in &t.rows {
        let values = [
            median(&row.redline),
            median(&row.redis),
            median(&row.ceiling),
        ];
        let present: Vec<(usize, f64)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.filter(|v| v.is_finite() && *v > 0.0).map(|v| (i, v)))
            .collect();
        let Some(max) = present.iter().map(|&(_, v)| v).reduce(f64::max) else {
            continue;
        };
        let better = match row.unit {
            Unit::Micros | Unit::Millis => "time: shorter is better",
            Unit::Ops | Unit::MBps => "rate: longer is better",
        };
        let _ = writeln!(
            body,
            r#"<text x="{BAR_X}" y="{y}" class="label">{} <tspan class="note">({better})</tspan></text>"#,
            esc(&row.label)
        );
        y += 6.0;
        for (i, v) in present {
            let w = (v / max * BAR_MAX).max(1.0);
            let (name, fill) = SERIES[i];
            let _ = writeln!(
                body,
                r#"<rect x="{BAR_X}" y="{y:.1}" width="{w:.1}" height="{BAR_H}" fill="{fill}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" class="value">{}</text>"#,
                esc(name),
                esc(&row.unit.fmt(v)),
                BAR_X + w + 5.0,
                y + BAR_H - 2.5,
                esc(&row.unit.fmt(v)),
            );
            y += BAR_H + GAP;
        }
        y += 20.0;
    }
    let height = y + 10.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="sans-serif">"#
    );
    svg.push_str("<style>.title{font-size:16px;font-weight:bold}.sub{font-size:11px;fill:#444}.label{font-size:12px}.note{fill:#777;font-size:11px}.value{font-size:11px}</style>\n");
    svg.push_str(r#"<rect width="100%" height="100%" fill="white"/>"#);
    svg.push('\n');
    let _ = writeln!(
        svg,
        r#"<text x="{BAR_X}" y="24" class="title">redline vs redis-rs 1.8.1 vs the limit{}</text>"#,
        if cfg.quick { " (--quick)" } else { "" }
    );
    let _ = writeln!(
        svg,
        r#"<text x="{BAR_X}" y="42" class="sub">redis-server {}, loopback; {}; medians over {} rounds; bars scaled per scenario</text>"#,
        esc(version),
        esc(&crate::server::machine()),
        cfg.rounds
    );
    let mut x = BAR_X;
    for (name, fill) in SERIES {
        let _ = writeln!(
            svg,
            r#"<rect x="{x}" y="56" width="12" height="12" fill="{fill}"/><text x="{}" y="66" class="sub">{}</text>"#,
            x + 17.0,
            esc(name)
        );
        x += 40.0 + 7.0 * name.len() as f64;
    }
    svg.push_str(&body);
    svg.push_str("</svg>\n");
    svg
}

/// Writes the chart and says where.
pub fn write(cfg: &Config, t: &Table, version: &str) -> Res<()> {
    let path = path();
    std::fs::write(&path, render(cfg, t, version))
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    let shown = std::fs::canonicalize(&path).unwrap_or(path);
    println!("Chart of this table: {}\n", shown.display());
    Ok(())
}
