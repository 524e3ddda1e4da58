//! The scenario table of `gridplan scenarios`: one [`ScenarioRow`] per
//! sizing (a `--target` or a `--grids` value) of the same county, rendered
//! as CSV for scripts, Markdown for planners, a self-contained SVG chart and
//! an HTML `<section>` for `report.html`.
//!
//! Planners compare scenarios to decide on staff: each full-scope grid is
//! one full-time grid worker and each micro-grid one micro-grid leader, so
//! the renderings name those columns after the people they stand for.
//! Dedicated grids are counted apart because their staff come from the
//! premises, not from the village.
//!
//! # Parameters
//! - `rows`: the scenarios, in the order the driver wants them shown (the
//!   order of `--targets`/`--grids` on the command line); nothing here sorts
//!   or drops rows.
//! - `band`: the household norm band of a full-scope grid (default 300-500,
//!   docs/DESIGN.md §2), only used to word the headings.
//! - `tolerance`: the allowed relative deviation from the village mean
//!   (default 0.10, docs/DESIGN.md §4), only used to word the headings.
//!
//! Defaults and where they came from:
//! - CSV precision: shares as fractions with 4 decimals (0.01 %, finer than
//!   one grid in a county of a thousand), loads, the target and the SSE ratio
//!   with 2 decimals (weighted loads are multiples of the config weights,
//!   usually 0.5 or 0.25), metres with 1 decimal (far below the survey
//!   accuracy of a building point), runtime with 2 decimals. Fixed precision
//!   makes every column byte-stable across runs and platforms, except
//!   `runtime_s`: the issue asks for each scenario's runtime, and a wall
//!   time cannot repeat. Compare runs on every other column.
//! - Percentages in Markdown and HTML carry 1 decimal and a share below 1 is
//!   never rounded up to "100.0 %", as in [`report`](crate::output::report).
//! - The chart is 720×360 user units (it scales with its container); bars
//!   are at most 72 units wide so a single scenario does not become a slab;
//!   the left axis has a quarter of headroom so the counts on
//!   the bars stay clear of balance shares near 100 %.
//!
//! # Algorithm
//! 1. **CSV**: a fixed header, then one record per row through the `csv`
//!    crate (which quotes labels containing commas or quotes); `None` and
//!    non-finite numbers are empty cells; `-0` is written as `0`.
//! 2. **Markdown**: a `##` heading, one paragraph explaining the columns, a
//!    GitHub-flavoured table with one line per row; `|` in labels is
//!    escaped and missing values are "–".
//! 3. **SVG**: the left axis runs from 0 to 1.25 times the largest grid
//!    count rounded up to a multiple of a round step (1, 2 or 5 times a
//!    power of ten, about five ticks); with no grids at all the axis runs to
//!    1, so no scale ever divides by zero. Bars are full-scope grids with their count written on
//!    them. The right axis is 0-100 %: one line for the share within
//!    ±tolerance and one for the share of households moved when the rows
//!    carry it, otherwise for the share of grids in the band. Missing or
//!    non-finite shares leave a gap in their line. All text is XML-escaped
//!    and every number is written with at most 2 decimals.
//! 4. **HTML**: `<section>` with `<h2>Staffing scenarios</h2>`, the same
//!    explanation, the SVG inline and a sortable table in the classes of
//!    `report.html` (`grid-t sortable`, numeric cells `n` with `data-v`).
//!
//! # Complexity
//! O(n) time and output size for n rows.
//!
//! # Errors
//! Only [`csv()`] can fail, with the `csv` crate's error (in practice never:
//! it writes into memory). The other renderings never fail and are
//! deterministic: the same rows give byte-identical output.

use serde::Serialize;
use std::fmt::Write as _;

/// One scenario: how the county comes out under one sizing.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ScenarioRow {
    /// What the planner asked for, e.g. "target 400" or "grids 1497".
    pub label: String,
    /// The `--target` value (mean load per full-scope grid), for that sizing.
    pub target: Option<f64>,
    /// The `--grids` value (county total of full-scope grids), for that sizing.
    pub grids_asked: Option<usize>,
    /// Full-scope grids: one full-time grid worker each.
    pub full_scope_grids: usize,
    /// Dedicated grids of premises zones.
    pub dedicated_grids: usize,
    /// Micro-grids: one micro-grid leader each.
    pub micro_grids: usize,
    /// Households of the county: the denominator of `households_moved`.
    pub households: u64,
    /// Mean load of a full-scope grid.
    pub mean_load: f64,
    /// Largest load of a full-scope grid.
    pub max_load: f64,
    /// Share (0..1) of full-scope grids whose household count lies in the
    /// norm band.
    pub in_band_share: f64,
    /// Share (0..1) of full-scope grids whose load lies within ±tolerance of
    /// their village mean.
    pub within_tolerance_share: f64,
    /// Household-weighted mean distance from a household to its grid's
    /// weighted centroid, in metres (compactness).
    pub mean_distance_m: f64,
    /// Sum of squared distances against an unconstrained k-means with the
    /// same grid counts (compactness; 1 is the best).
    pub sse_ratio: Option<f64>,
    /// Share (0..1) of grids whose households form one connected piece.
    pub contiguous_share: f64,
    /// Households whose new grid is not the successor of their current one,
    /// when households carry their current `grid`.
    pub households_moved: Option<u64>,
    /// Share (0..1) of households whose grid lineage is kept (docs/DESIGN.md §5),
    /// when households carry their current `grid`.
    pub lineage_kept: Option<f64>,
    /// Wall-clock seconds this scenario took to compute.
    pub runtime_s: f64,
}

impl ScenarioRow {
    /// The share (0..1) of households moved, when known and the county has
    /// households.
    #[must_use]
    pub fn households_moved_share(&self) -> Option<f64> {
        match self.households_moved {
            Some(m) if self.households > 0 => Some(m as f64 / self.households as f64),
            _ => None,
        }
    }
}

/// The CSV header, in column order.
pub const CSV_HEADER: [&str; 17] = [
    "label",
    "target",
    "grids_asked",
    "full_scope_grids",
    "dedicated_grids",
    "micro_grids",
    "households",
    "mean_load",
    "max_load",
    "in_band_share",
    "within_tolerance_share",
    "mean_distance_m",
    "sse_ratio",
    "contiguous_share",
    "households_moved",
    "lineage_kept",
    "runtime_s",
];

/// Appends formatted text to a `String`; writing to a `String` cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// The scenarios as CSV: [`CSV_HEADER`], then one record per row. Empty
/// cells for `None` and non-finite numbers; see the module docs for the
/// precision of each column.
///
/// # Errors
/// The `csv` crate's error, should writing into memory ever fail.
pub fn csv(rows: &[ScenarioRow]) -> Result<String, csv::Error> {
    let mut cw = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    cw.write_record(CSV_HEADER)?;
    for r in rows {
        let rec: [String; 17] = [
            r.label.clone(),
            fixed(r.target, 2),
            r.grids_asked.map_or(String::new(), |k| k.to_string()),
            r.full_scope_grids.to_string(),
            r.dedicated_grids.to_string(),
            r.micro_grids.to_string(),
            r.households.to_string(),
            fixed(Some(r.mean_load), 2),
            fixed(Some(r.max_load), 2),
            fixed(Some(r.in_band_share), 4),
            fixed(Some(r.within_tolerance_share), 4),
            fixed(Some(r.mean_distance_m), 1),
            fixed(r.sse_ratio, 4),
            fixed(Some(r.contiguous_share), 4),
            r.households_moved.map_or(String::new(), |m| m.to_string()),
            fixed(r.lineage_kept, 4),
            fixed(Some(r.runtime_s), 2),
        ];
        cw.write_record(&rec)?;
    }
    cw.flush()?;
    let bytes = cw
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    // Every cell came from a `String`, so the bytes are UTF-8; the lossy
    // conversion only avoids a panic path.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The scenarios as GitHub-flavoured Markdown: a heading, a paragraph that
/// explains the columns for planners, and a table with one line per row.
#[must_use]
pub fn markdown(rows: &[ScenarioRow], band: (f64, f64), tolerance: f64) -> String {
    let mut out = String::new();
    out.push_str("## Staffing scenarios\n\n");
    out.push_str(&explanation(band, tolerance));
    out.push_str("\n\n");
    let heads = headings(band, tolerance);
    out.push('|');
    for h in &heads {
        w!(out, " {} |", md_cell(h));
    }
    out.push_str("\n|");
    for (i, _) in heads.iter().enumerate() {
        out.push_str(if i == 0 { " --- |" } else { " ---: |" });
    }
    out.push('\n');
    for r in rows {
        out.push('|');
        for (_, text) in cells(r) {
            w!(out, " {} |", md_cell(&text));
        }
        out.push('\n');
    }
    if rows.is_empty() {
        out.push_str("\nNo scenarios.\n");
    }
    out
}

/// The scenarios as a self-contained SVG chart (about 720×360): bars of
/// full-scope grids (grid workers) on the left axis, lines of shares in
/// percent on the right axis. The legend names the tolerance and band
/// generically; [`svg_chart_with`] words them with their values.
#[must_use]
pub fn svg_chart(rows: &[ScenarioRow]) -> String {
    chart(rows, None)
}

/// [`svg_chart`] with the band and tolerance written into the legend, e.g.
/// "Within ±10 % of village mean".
#[must_use]
pub fn svg_chart_with(rows: &[ScenarioRow], band: (f64, f64), tolerance: f64) -> String {
    chart(rows, Some((band, tolerance)))
}

/// The scenarios as an HTML fragment for `report.html`: a `<section>` with
/// `<h2>Staffing scenarios</h2>`, the explanation, the chart inline and a
/// sortable table. Every text is HTML-escaped.
#[must_use]
pub fn html_section(rows: &[ScenarioRow], band: (f64, f64), tolerance: f64) -> String {
    let mut out = String::new();
    out.push_str("<section class=\"scenarios\" id=\"scenarios\">\n<h2>Staffing scenarios</h2>\n");
    w!(
        out,
        "<p class=\"note\">{}</p>\n",
        esc(&explanation(band, tolerance))
    );
    out.push_str(&chart(rows, Some((band, tolerance))));
    // Fourteen columns are wider than the report's side panel: the table
    // scrolls sideways instead of squeezing every heading into a column.
    out.push_str(
        "<div class=\"scroll\" style=\"overflow-x:auto\">\n<table class=\"grid-t sortable\">\n<thead><tr>",
    );
    for (i, h) in headings(band, tolerance).iter().enumerate() {
        if i == 0 {
            w!(out, "<th>{}</th>", esc(h));
        } else {
            w!(out, "<th class=\"n\">{}</th>", esc(h));
        }
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for (i, (v, text)) in cells(r).into_iter().enumerate() {
            if i == 0 {
                w!(out, "<td>{}</td>", esc(&text));
            } else {
                let dv = v
                    .filter(|x| x.is_finite())
                    .map_or(String::new(), |x| format!(" data-v=\"{x}\""));
                w!(out, "<td class=\"n\"{dv}>{}</td>", esc(&text));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    if rows.is_empty() {
        out.push_str("<p>No scenarios.</p>\n");
    }
    out.push_str("</section>\n");
    out
}

// ---------------------------------------------------------------------------
// Shared wording of the tables

/// The dash shown for a missing value.
const NA: &str = "–";

/// The column headings of the Markdown and HTML tables.
fn headings(band: (f64, f64), tolerance: f64) -> Vec<String> {
    vec![
        "Scenario".to_string(),
        "Grid workers (full-scope grids)".to_string(),
        "Dedicated grids".to_string(),
        "Micro-grid leaders".to_string(),
        "Mean load".to_string(),
        "Max load".to_string(),
        format!("In band {}", band_text(band)),
        format!("Within ±{}", tol_text(tolerance)),
        "Mean distance (m)".to_string(),
        "SSE ratio".to_string(),
        "Contiguous".to_string(),
        "Households moved".to_string(),
        "Lineage kept".to_string(),
        "Runtime (s)".to_string(),
    ]
}

/// The cells of one row, in the order of [`headings`]: the sort value (for
/// `data-v`) and the text shown.
fn cells(r: &ScenarioRow) -> Vec<(Option<f64>, String)> {
    let moved = match (r.households_moved, r.households_moved_share()) {
        (Some(m), Some(s)) => format!("{} ({})", int(m as f64), pct(Some(s))),
        (Some(m), None) => int(m as f64),
        _ => NA.to_string(),
    };
    vec![
        (None, r.label.clone()),
        (
            Some(r.full_scope_grids as f64),
            int(r.full_scope_grids as f64),
        ),
        (
            Some(r.dedicated_grids as f64),
            int(r.dedicated_grids as f64),
        ),
        (Some(r.micro_grids as f64), int(r.micro_grids as f64)),
        (Some(r.mean_load), num(Some(r.mean_load), 1)),
        (Some(r.max_load), num(Some(r.max_load), 1)),
        (Some(r.in_band_share), pct(Some(r.in_band_share))),
        (
            Some(r.within_tolerance_share),
            pct(Some(r.within_tolerance_share)),
        ),
        (Some(r.mean_distance_m), num(Some(r.mean_distance_m), 1)),
        (r.sse_ratio, num(r.sse_ratio, 3)),
        (Some(r.contiguous_share), pct(Some(r.contiguous_share))),
        (r.households_moved.map(|m| m as f64), moved),
        (r.lineage_kept, pct(r.lineage_kept)),
        (Some(r.runtime_s), num(Some(r.runtime_s), 2)),
    ]
}

/// One paragraph that explains the columns to planners.
fn explanation(band: (f64, f64), tolerance: f64) -> String {
    format!(
        "Each row is one sizing of the same county: a target mean load per grid \
         (--target) or a fixed county total of grids (--grids). Grid workers is the \
         number of full-scope grids, one full-time grid worker each; dedicated grids \
         (schools, hospitals, parks, enterprises) are staffed by their premises and \
         counted apart. Micro-grid leaders is the number of micro-grids, one leader \
         each. Mean and max load are per full-scope grid. In band is the share of \
         full-scope grids with {} households; within ±{} is the share whose load is \
         within {} of its village mean. Mean distance (household to grid centre, in \
         metres) and the SSE ratio (squared distances against an unconstrained \
         k-means, 1.000 is the most compact) measure compactness: lower is better. \
         Contiguous is the share of grids that form one connected piece. Households \
         moved and lineage kept compare with the current plan when the households \
         carry their current grid. Shares are in percent.",
        band_text(band),
        tol_text(tolerance),
        tol_text(tolerance),
    )
}

/// The band as "300–500", or "–" when not finite.
fn band_text(band: (f64, f64)) -> String {
    if band.0.is_finite() && band.1.is_finite() {
        format!("{}–{}", short(band.0), short(band.1))
    } else {
        NA.to_string()
    }
}

/// The tolerance as "10 %", or "–" when not finite.
fn tol_text(tolerance: f64) -> String {
    if tolerance.is_finite() {
        format!("{} %", short(tolerance * 100.0))
    } else {
        NA.to_string()
    }
}

/// A Markdown table cell: `|` escaped, line breaks as spaces.
fn md_cell(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => o.push_str("\\|"),
            '\\' => o.push_str("\\\\"),
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

// ---------------------------------------------------------------------------
// Number formatting

/// A number with `d` decimals for the CSV: empty when missing or not
/// finite, and never "-0.00".
fn fixed(x: Option<f64>, d: usize) -> String {
    match x {
        Some(x) if x.is_finite() => no_neg_zero(format!("{x:.d$}")),
        _ => String::new(),
    }
}

/// Drops the sign of a formatted zero ("-0.00" becomes "0.00").
fn no_neg_zero(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// A number with `d` decimals, or "–".
fn num(x: Option<f64>, d: usize) -> String {
    match x {
        Some(x) if x.is_finite() => no_neg_zero(format!("{x:.d$}")),
        _ => NA.to_string(),
    }
}

/// An integer with thousands separators, or "–".
fn int(x: f64) -> String {
    if !x.is_finite() {
        return NA.to_string();
    }
    let r = x.round();
    if r.abs() >= 1e15 {
        return format!("{x:e}");
    }
    let digits = format!("{}", r.abs() as u64);
    let mut o = String::new();
    if r < 0.0 {
        o.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            o.push(',');
        }
        o.push(ch);
    }
    o
}

/// A share (0..1) as a percentage with 1 decimal, or "–". A share below 1
/// is never shown as "100.0 %", nor one above 0 as "0.0 %".
fn pct(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() => {
            let p = x * 100.0;
            let s = no_neg_zero(format!("{p:.1}"));
            if x < 1.0 && s == "100.0" {
                format!("{:.1} %", (p * 10.0).floor() / 10.0)
            } else if x > 0.0 && s == "0.0" {
                "< 0.1 %".to_string()
            } else {
                format!("{s} %")
            }
        }
        _ => NA.to_string(),
    }
}

/// A number with at most 2 decimals and no trailing zeros ("0" when not
/// finite): SVG coordinates and short labels.
fn short(x: f64) -> String {
    if !x.is_finite() {
        return "0".to_string();
    }
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Escapes text for XML/HTML element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            // Control characters other than tab and line breaks are not
            // allowed in XML 1.0 at all, not even escaped.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// A round step near `raw`: 1, 2 or 5 times a power of ten, at least 1
/// (grid counts are integers).
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 1.0) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= raw {
            return m * p;
        }
    }
    10.0 * p
}

// ---------------------------------------------------------------------------
// The chart

/// Chart width, in user units.
const W: f64 = 720.0;
/// Chart height, in user units.
const H: f64 = 360.0;
/// Left margin: tick labels and the left axis title.
const ML: f64 = 64.0;
/// Right margin: percent labels and the right axis title.
const MR: f64 = 64.0;
/// Top margin: title and legend.
const MT: f64 = 56.0;
/// Bottom margin: scenario labels and the x axis title.
const MB: f64 = 64.0;
/// Plot width.
const PW: f64 = W - ML - MR;
/// Plot height.
const PH: f64 = H - MT - MB;
/// Widest bar.
const MAX_BAR: f64 = 72.0;

/// The left axis reaches at least this multiple of the largest grid count.
const HEADROOM: f64 = 1.25;

/// Bar colour (grid workers).
const C_BAR: &str = "#4e79a7";
/// Line colour of the tolerance share.
const C_TOL: &str = "#e15759";
/// Line colour of the second share (moved or in band).
const C_SECOND: &str = "#59a14f";
/// Text colour.
const C_TEXT: &str = "#333";

/// The chart; `words` are the band and tolerance for the legend, if known.
fn chart(rows: &[ScenarioRow], words: Option<((f64, f64), f64)>) -> String {
    let n = rows.len();
    let mut out = String::with_capacity(4096 + n * 600);
    w!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"scenarios-chart\" viewBox=\"0 0 {W} {H}\" \
         width=\"{W}\" height=\"{H}\" style=\"max-width:100%;height:auto\" role=\"img\" aria-label=\"Grid workers and balance per scenario\" \
         font-family=\"sans-serif\" font-size=\"11\">\n"
    );
    w!(
        out,
        "<title>Grid workers and balance per scenario</title>\n\
         <text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\" fill=\"{C_TEXT}\">\
         Grid workers and balance per scenario</text>\n",
        short(W / 2.0)
    );

    // Left axis: grid counts, from 0 to a round number at least a quarter
    // above the largest. The headroom keeps the bar tops, and the counts
    // written there, below the high shares (balance is usually 80-100 %).
    // `max(ystep)` keeps the scale finite when every scenario has no grids.
    let ymax = rows.iter().map(|r| r.full_scope_grids).max().unwrap_or(0) as f64;
    let want = ymax * HEADROOM;
    let ystep = nice_step(want / 5.0);
    let ytop = ((want / ystep).ceil() * ystep).max(ystep);
    let base = MT + PH;
    let ys = |c: f64| base - c / ytop * PH;
    let steps = (ytop / ystep).round() as usize;
    for i in 0..=steps {
        let v = i as f64 * ystep;
        let y = short(ys(v));
        w!(
            out,
            "<line x1=\"{ML}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{C_TEXT}\">{}</text>\n",
            ML + PW,
            ML - 6.0,
            short(ys(v) + 4.0),
            int(v)
        );
    }
    // Right axis: percent, every 20 %.
    for i in 0..=5 {
        let p = i as f64 * 20.0;
        let y = base - p / 100.0 * PH;
        w!(
            out,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{C_TEXT}\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"{C_TEXT}\">{} %</text>\n",
            ML + PW,
            ML + PW + 4.0,
            short(y),
            short(y),
            ML + PW + 7.0,
            short(y + 4.0),
            short(p)
        );
    }

    // Bars with their counts, and the scenario labels below.
    let slot = if n > 0 { PW / n as f64 } else { PW };
    let bw = (slot * 0.6).min(MAX_BAR);
    let cx = |i: usize| ML + slot * (i as f64 + 0.5);
    // Labels would overlap in narrow slots: tilt them.
    let tilt = slot < 64.0;
    for (i, r) in rows.iter().enumerate() {
        let c = r.full_scope_grids as f64;
        let y = ys(c);
        let h = base - y;
        let x = cx(i);
        w!(
            out,
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{C_BAR}\">\
             <title>{}: {} grid workers</title></rect>\n",
            short(x - bw / 2.0),
            short(y),
            short(bw),
            short(h),
            esc(&r.label),
            int(c)
        );
        // Inside the bar when it is tall enough for the text, above it
        // otherwise (short and zero bars).
        // The font shrinks (down to 7) so the count fits a narrow bar; a
        // bold digit is about 0.62 em wide.
        let count = int(c);
        let fs = (bw / (0.62 * count.chars().count() as f64 + 0.4)).clamp(7.0, 11.0);
        let (ty, fill) = if h >= fs + 7.0 {
            (y + fs + 2.0, "#fff")
        } else {
            (y - 4.0, C_TEXT)
        };
        w!(
            out,
            "<text class=\"count\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"{}\" fill=\"{fill}\">{count}</text>\n",
            short(x),
            short(ty),
            short(fs)
        );
        if tilt {
            w!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" transform=\"rotate(-30 {} {})\" fill=\"{C_TEXT}\">{}</text>\n",
                short(x),
                short(base + 14.0),
                short(x),
                short(base + 14.0),
                esc(&r.label)
            );
        } else {
            w!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{C_TEXT}\">{}</text>\n",
                short(x),
                short(base + 16.0),
                esc(&r.label)
            );
        }
    }
    if n == 0 {
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{C_TEXT}\">No scenarios</text>\n",
            short(ML + PW / 2.0),
            short(MT + PH / 2.0)
        );
    }

    // The lines of shares, on the right axis.
    let (tol_name, second_name_band) = match words {
        Some((band, tol)) => (
            format!("Within ±{} of village mean", tol_text(tol)),
            format!("Grids in band {}", band_text(band)),
        ),
        None => (
            "Within ±tolerance of village mean".to_string(),
            "Grids in the norm band".to_string(),
        ),
    };
    let moved: Vec<Option<f64>> = rows.iter().map(|r| r.households_moved_share()).collect();
    let (second_name, second): (String, Vec<Option<f64>>) = if moved.iter().any(Option::is_some) {
        ("Households moved".to_string(), moved)
    } else {
        (
            second_name_band,
            rows.iter().map(|r| Some(r.in_band_share)).collect(),
        )
    };
    let tol: Vec<Option<f64>> = rows
        .iter()
        .map(|r| Some(r.within_tolerance_share))
        .collect();
    let py = |s: f64| base - s.clamp(0.0, 1.0) * PH;
    let series: [(&str, &str, &str, &[Option<f64>]); 2] = [
        (&tol_name, C_TOL, "", &tol),
        (&second_name, C_SECOND, " stroke-dasharray=\"5 3\"", &second),
    ];
    for (k, (name, colour, dash, vals)) in series.iter().enumerate() {
        // A missing value breaks the line: the next point starts anew.
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in vals.iter().enumerate() {
            match v.filter(|s| s.is_finite()) {
                Some(s) => {
                    w!(
                        d,
                        "{}{} {}",
                        if pen_down { " L" } else { " M" },
                        short(cx(i)),
                        short(py(s))
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !d.is_empty() {
            w!(
                out,
                "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\n",
                d.trim_start()
            );
        }
        for (i, v) in vals.iter().enumerate() {
            let Some(s) = v.filter(|s| s.is_finite()) else {
                continue;
            };
            let (x, y) = (cx(i), py(s));
            let tip = format!("{}: {} {}", rows[i].label, pct(Some(s)), name);
            // Circles for the first line, squares for the second: the
            // lines stay apart without colour.
            if k == 0 {
                w!(
                    out,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{colour}\"><title>{}</title></circle>\n",
                    short(x),
                    short(y),
                    esc(&tip)
                );
            } else {
                w!(
                    out,
                    "<path d=\"M{} {}h7v7h-7z\" fill=\"{colour}\"><title>{}</title></path>\n",
                    short(x - 3.5),
                    short(y - 3.5),
                    esc(&tip)
                );
            }
        }
    }

    // Axes and their titles.
    w!(
        out,
        "<path d=\"M{ML} {MT}V{base}H{}V{MT}\" fill=\"none\" stroke=\"{C_TEXT}\"/>\n",
        ML + PW
    );
    w!(
        out,
        "<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\" fill=\"{C_TEXT}\">\
         Grid workers (full-scope grids)</text>\n\
         <text transform=\"translate({} {}) rotate(90)\" text-anchor=\"middle\" fill=\"{C_TEXT}\">Share (%)</text>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{C_TEXT}\">Scenario</text>\n",
        short(MT + PH / 2.0),
        short(W - 14.0),
        short(MT + PH / 2.0),
        short(ML + PW / 2.0),
        short(H - 6.0)
    );

    // Legend, in one line under the title.
    let ly = 40.0;
    let mut lx = ML;
    w!(
        out,
        "<path d=\"M{} {}h12v10h-12z\" fill=\"{C_BAR}\"/><text x=\"{}\" y=\"{}\" fill=\"{C_TEXT}\">Grid workers</text>\n",
        short(lx),
        short(ly - 9.0),
        short(lx + 16.0),
        short(ly)
    );
    lx += 110.0;
    w!(
        out,
        "<path d=\"M{} {}h20\" stroke=\"{C_TOL}\" stroke-width=\"2\"/><circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{C_TOL}\"/>\
         <text x=\"{}\" y=\"{}\" fill=\"{C_TEXT}\">{}</text>\n",
        short(lx),
        short(ly - 4.0),
        short(lx + 10.0),
        short(ly - 4.0),
        short(lx + 24.0),
        short(ly),
        esc(&tol_name)
    );
    lx += 220.0;
    w!(
        out,
        "<path d=\"M{} {}h20\" stroke=\"{C_SECOND}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\
         <path d=\"M{} {}h7v7h-7z\" fill=\"{C_SECOND}\"/>\
         <text x=\"{}\" y=\"{}\" fill=\"{C_TEXT}\">{}</text>\n",
        short(lx),
        short(ly - 4.0),
        short(lx + 6.5),
        short(ly - 7.5),
        short(lx + 24.0),
        short(ly),
        esc(&second_name)
    );
    out.push_str("</svg>\n");
    out
}

/// A whole report.html for `gridplan scenarios`: the scenario section in
/// a self-contained page (no scripts beyond the column sort, no external
/// resources), titled with the data it was made from.
#[must_use]
pub fn html_page(rows: &[ScenarioRow], band: (f64, f64), tolerance: f64, title: &str) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    w!(out, "<title>{}</title>\n", esc(title));
    out.push_str(
        "<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}\
         h1{font-size:20px}table{border-collapse:collapse;margin-top:12px}\
         th,td{border-bottom:1px solid #ddd;padding:4px 8px;white-space:nowrap}\
         th{cursor:pointer;background:#f4f4f4}.n{text-align:right}\
         .note{color:#555}svg{max-width:100%;height:auto}</style>\n</head>\n<body>\n",
    );
    w!(out, "<h1>{}</h1>\n", esc(title));
    out.push_str(&html_section(rows, band, tolerance));
    out.push_str(
        "<script>document.querySelectorAll('table.sortable').forEach(function(tb){\
         tb.querySelectorAll('th').forEach(function(th,i){th.onclick=function(){\
         var b=tb.tBodies[0],r=Array.from(b.rows),up=th.dataset.up!=='1';th.dataset.up=up?'1':'0';\
         r.sort(function(x,y){var a=x.cells[i],c=y.cells[i];\
         var p=a.dataset.v!==undefined?parseFloat(a.dataset.v):a.textContent,\
         q=c.dataset.v!==undefined?parseFloat(c.dataset.v):c.textContent;\
         return (p<q?-1:p>q?1:0)*(up?1:-1);});r.forEach(function(e){b.appendChild(e);});};});});\
         </script>\n</body>\n</html>\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, grids: usize) -> ScenarioRow {
        ScenarioRow {
            label: label.to_string(),
            target: Some(400.0),
            grids_asked: None,
            full_scope_grids: grids,
            dedicated_grids: 3,
            micro_grids: grids * 6,
            households: 500_000,
            mean_load: 398.25,
            max_load: 471.0,
            in_band_share: 0.9637,
            within_tolerance_share: 0.93125,
            mean_distance_m: 123.456,
            sse_ratio: Some(1.2345678),
            contiguous_share: 1.0,
            households_moved: Some(12_345),
            lineage_kept: Some(0.87654),
            runtime_s: 12.3456,
        }
    }

    fn bare(label: &str, grids: usize) -> ScenarioRow {
        ScenarioRow {
            target: None,
            grids_asked: Some(grids),
            sse_ratio: None,
            households_moved: None,
            lineage_kept: None,
            ..row(label, grids)
        }
    }

    fn five() -> Vec<ScenarioRow> {
        [
            (300.0, 1667),
            (350.0, 1429),
            (400.0, 1250),
            (450.0, 1111),
            (500.0, 1000),
        ]
        .into_iter()
        .map(|(t, k)| ScenarioRow {
            target: Some(t),
            ..row(&format!("target {t}"), k)
        })
        .collect()
    }

    /// Checks well-formedness the way an XML parser would for this subset:
    /// tags balance on a stack, attributes are quoted, `&` starts an entity,
    /// no raw `<` in text. Returns the element names in document order.
    fn xml_check(s: &str) -> Result<Vec<String>, String> {
        let mut stack: Vec<String> = Vec::new();
        let mut names = Vec::new();
        let mut rest = s;
        let mut roots = 0;
        while let Some(lt) = rest.find('<') {
            check_text(&rest[..lt])?;
            if !stack.is_empty() || rest[..lt].trim().is_empty() {
            } else {
                return Err(format!("text outside the root: {:?}", &rest[..lt]));
            }
            let after = &rest[lt + 1..];
            let gt = after.find('>').ok_or("unclosed tag")?;
            let tag = &after[..gt];
            rest = &after[gt + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or(format!("stray </{name}>"))?;
                if open != name.trim() {
                    return Err(format!("<{open}> closed by </{name}>"));
                }
                continue;
            }
            let self_closing = tag.ends_with('/');
            let body = tag.trim_end_matches('/');
            let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(format!("bad tag name in <{tag}>"));
            }
            check_attrs(&body[name.len()..])?;
            if stack.is_empty() {
                roots += 1;
            }
            names.push(name.clone());
            if !self_closing {
                stack.push(name);
            }
        }
        check_text(rest)?;
        if !rest.trim().is_empty() {
            return Err("text after the root".to_string());
        }
        if !stack.is_empty() {
            return Err(format!("unclosed {stack:?}"));
        }
        if roots != 1 {
            return Err(format!("{roots} root elements"));
        }
        Ok(names)
    }

    fn check_text(t: &str) -> Result<(), String> {
        for (i, _) in t.match_indices('&') {
            let ent = &t[i..];
            let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| ent.starts_with(e));
            if !ok {
                return Err(format!("raw & in {t:?}"));
            }
        }
        if t.contains('>') {
            return Err(format!("raw > in {t:?}"));
        }
        Ok(())
    }

    fn check_attrs(a: &str) -> Result<(), String> {
        let mut rest = a.trim();
        while !rest.is_empty() {
            let eq = rest
                .find('=')
                .ok_or(format!("attribute without value: {rest}"))?;
            let key = rest[..eq].trim();
            if key.is_empty() || key.contains(char::is_whitespace) {
                return Err(format!("bad attribute name {key:?}"));
            }
            let v = rest[eq + 1..]
                .strip_prefix('"')
                .ok_or("unquoted attribute")?;
            let end = v.find('"').ok_or("unterminated attribute")?;
            check_text(&v[..end])?;
            if v[..end].contains('<') {
                return Err("< in attribute".to_string());
            }
            rest = v[end + 1..].trim_start();
        }
        Ok(())
    }

    /// The value of attribute `key` in the first tag of `tag_text`.
    fn attr(tag_text: &str, key: &str) -> Option<f64> {
        let pat = format!(" {key}=\"");
        let i = tag_text.find(&pat)? + pat.len();
        let end = tag_text[i..].find('"')?;
        tag_text[i..i + end].parse().ok()
    }

    #[test]
    fn csv_header_rows_and_empty_cells_for_none() {
        let rows = vec![row("target 400", 1250), bare("grids 1497", 1497)];
        let text = csv(&rows).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], CSV_HEADER.join(","));
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let recs: Vec<csv::StringRecord> = rd.records().collect::<Result<_, _>>().unwrap();
        assert_eq!(recs.len(), 2);
        for rec in &recs {
            assert_eq!(rec.len(), CSV_HEADER.len());
        }
        let col = |name: &str| CSV_HEADER.iter().position(|h| *h == name).unwrap();
        // The full row: fixed precision.
        assert_eq!(&recs[0][col("target")], "400.00");
        assert_eq!(&recs[0][col("grids_asked")], "");
        assert_eq!(&recs[0][col("in_band_share")], "0.9637");
        assert_eq!(&recs[0][col("within_tolerance_share")], "0.9313");
        assert_eq!(&recs[0][col("mean_distance_m")], "123.5");
        assert_eq!(&recs[0][col("sse_ratio")], "1.2346");
        assert_eq!(&recs[0][col("households_moved")], "12345");
        assert_eq!(&recs[0][col("lineage_kept")], "0.8765");
        assert_eq!(&recs[0][col("runtime_s")], "12.35");
        // The bare row: every None is an empty cell, and only those.
        for name in ["target", "sse_ratio", "households_moved", "lineage_kept"] {
            assert_eq!(&recs[1][col(name)], "", "{name}");
        }
        assert_eq!(&recs[1][col("grids_asked")], "1497");
        let empty = recs[1].iter().filter(|c| c.is_empty()).count();
        assert_eq!(empty, 4);
        // Byte-stable.
        assert_eq!(csv(&rows).unwrap(), text);
    }

    #[test]
    fn csv_quotes_labels_and_blanks_non_finite() {
        let mut r = bare("a, \"b\"", 0);
        r.mean_load = f64::NAN;
        r.max_load = -0.0;
        let text = csv(&[r]).unwrap();
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let rec = rd.records().next().unwrap().unwrap();
        assert_eq!(&rec[0], "a, \"b\"");
        assert_eq!(&rec[7], "");
        assert_eq!(&rec[8], "0.00");
        assert!(!text.contains("NaN") && !text.contains("-0"));
    }

    #[test]
    fn markdown_one_table_line_per_scenario() {
        let rows = five();
        let md = markdown(&rows, (300.0, 500.0), 0.1);
        assert!(md.starts_with("## Staffing scenarios\n"));
        let table: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
        // Header, separator, then one line per scenario.
        assert_eq!(table.len(), 2 + rows.len(), "{md}");
        let ncols = headings((300.0, 500.0), 0.1).len();
        for l in &table {
            assert_eq!(l.matches(" |").count(), ncols, "{l}");
        }
        for (l, r) in table[2..].iter().zip(&rows) {
            assert!(l.starts_with(&format!("| {} |", r.label)), "{l}");
            assert!(l.contains(&int(r.full_scope_grids as f64)), "{l}");
        }
        assert!(md.contains("In band 300–500") && md.contains("Within ±10 %"));
        assert!(md.contains("96.4 %"), "shares in percent: {md}");
        assert!(md.contains("Grid workers") && md.contains("Micro-grid leaders"));
        // A pipe in a label does not add a column.
        let md = markdown(&[bare("a|b", 5)], (300.0, 500.0), 0.1);
        let line = md.lines().filter(|l| l.starts_with('|')).nth(2).unwrap();
        assert_eq!(line.matches(" |").count(), ncols);
        assert!(line.contains("a\\|b"));
        assert!(line.contains(NA), "None shown as a dash: {line}");
    }

    #[test]
    fn svg_is_xml_with_one_bar_and_count_per_scenario() {
        let rows = five();
        let svg = svg_chart(&rows);
        let names = xml_check(&svg).unwrap();
        assert_eq!(names[0], "svg");
        assert_eq!(svg.matches("<svg").count(), 1);
        assert_eq!(svg.matches("</svg>").count(), 1);
        assert_eq!(svg.matches("<rect").count(), rows.len());
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), rows.len());
        for r in &rows {
            let count = format!(">{}</text>", int(r.full_scope_grids as f64));
            assert!(svg.contains(&count), "{count}");
            assert!(svg.contains(&format!(">{}</text>", r.label)));
        }
        assert!(!svg.contains("<script") && !svg.contains("@font-face") && !svg.contains("url("));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        // With moved households, the second line is the moved share.
        assert!(svg.contains("Households moved"));
        assert_eq!(svg_chart(&rows), svg, "deterministic");
    }

    #[test]
    fn svg_bars_fit_the_plot_and_scale_with_counts() {
        let rows = five();
        let svg = svg_chart(&rows);
        let bars: Vec<(f64, f64)> = svg
            .match_indices("<rect class=\"bar\"")
            .map(|(i, _)| {
                let t = &svg[i..i + svg[i..].find('>').unwrap()];
                (attr(t, "y").unwrap(), attr(t, "height").unwrap())
            })
            .collect();
        assert_eq!(bars.len(), rows.len());
        for &(y, h) in &bars {
            assert!(y >= MT - 1e-9 && y + h <= MT + PH + 1e-9, "y {y} h {h}");
            assert!(h > 0.0);
        }
        let tallest = bars.iter().map(|b| b.1).fold(0.0, f64::max);
        // The axis top is a round number above the largest count, so the
        // tallest bar fills most of the plot but never overflows it.
        assert!(tallest > PH * 0.5 && tallest <= PH, "{tallest}");
        // Heights are proportional to the counts (to 0.01 rounding).
        let per = bars[0].1 / rows[0].full_scope_grids as f64;
        for (b, r) in bars.iter().zip(&rows) {
            assert!((b.1 - per * r.full_scope_grids as f64).abs() < 0.02);
        }
    }

    #[test]
    fn svg_edge_cases_zero_grids_one_row_all_none_and_empty() {
        for rows in [
            vec![bare("grids 0", 0)],
            vec![bare("only", 7)],
            vec![bare("z1", 0), bare("z2", 0)],
            Vec::new(),
            (0..30)
                .map(|i| bare(&format!("target {}", 200 + i * 10), i * 40))
                .collect(),
        ] {
            let svg = svg_chart(&rows);
            xml_check(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            assert_eq!(svg.matches("<rect").count(), rows.len());
            for r in &rows {
                assert!(svg.contains(&format!(">{}</text>", int(r.full_scope_grids as f64))));
            }
            // Without moved households, the second line is the band share.
            assert!(svg.contains("Grids in the norm band"));
            let _ = markdown(&rows, (f64::NAN, 500.0), f64::INFINITY);
            xml_check(&html_section(&rows, (300.0, 500.0), 0.1)).unwrap();
            csv(&rows).unwrap();
        }
        // A zero bar has zero height at the axis.
        let svg = svg_chart(&[bare("grids 0", 0)]);
        let i = svg.find("<rect class=\"bar\"").unwrap();
        let t = &svg[i..i + svg[i..].find('>').unwrap()];
        assert_eq!(attr(t, "height"), Some(0.0));
        assert_eq!(attr(t, "y"), Some(MT + PH));
    }

    #[test]
    fn svg_escapes_text_and_breaks_lines_at_gaps() {
        let mut rows = vec![row("a<b & \"c\"", 10), row("x", 20), row("y", 30)];
        rows[1].households_moved = None;
        let svg = svg_chart_with(&rows, (300.0, 500.0), 0.1);
        xml_check(&svg).unwrap();
        assert!(svg.contains("a&lt;b &amp; &quot;c&quot;"));
        assert!(svg.contains("Within ±10 % of village mean"));
        // The moved line restarts after the missing middle value.
        let moved_path = svg
            .lines()
            .find(|l| {
                l.starts_with("<path d=\"M") && l.contains("stroke-dasharray") && !l.contains("h20")
            })
            .unwrap();
        assert_eq!(moved_path.matches('M').count(), 2, "{moved_path}");
        assert!(!moved_path.contains(" L"), "{moved_path}");
    }

    #[test]
    fn html_section_escapes_labels() {
        let rows = vec![row("target <400> & more", 1250), bare("grids 1497", 1497)];
        let html = html_section(&rows, (300.0, 500.0), 0.1);
        xml_check(&html).unwrap_or_else(|e| panic!("{e}\n{html}"));
        assert!(html.starts_with("<section"));
        assert!(html.contains("<h2>Staffing scenarios</h2>"));
        assert!(html.contains("target &lt;400&gt; &amp; more"));
        assert!(!html.contains("<400>"));
        assert_eq!(html.matches("<svg").count(), 1);
        assert_eq!(html.matches("<tbody>").count(), 1);
        assert_eq!(html.matches("<tr>").count(), 1 + rows.len());
        assert!(html.contains("data-v=\"1250\""));
        assert!(html.contains("12,345 (2.5 %)"), "moved with share");
    }

    #[test]
    fn percentages_never_round_to_the_ends() {
        assert_eq!(pct(Some(0.99999)), "99.9 %");
        assert_eq!(pct(Some(1.0)), "100.0 %");
        assert_eq!(pct(Some(0.00001)), "< 0.1 %");
        assert_eq!(pct(Some(0.0)), "0.0 %");
        assert_eq!(pct(Some(-0.0)), "0.0 %");
        assert_eq!(pct(None), NA);
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(333.4), 500.0);
        assert_eq!(nice_step(0.2), 1.0);
    }
}
