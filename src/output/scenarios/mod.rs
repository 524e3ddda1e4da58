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
//!
//! # Layout
//! This file holds the row, the CSV, the Markdown and the HTML; the chart
//! (step 3) is in `chart`, split by layer. Escaping and number formats come
//! from [`html`](crate::output::html), shared with `report.html`; the
//! rules of these pages on top of them (no "-0", "< 0.1 %") are at the end
//! of this file.

mod chart;

use serde::Serialize;

use crate::output::html::{
    self, NA, decimals, esc_xml as esc, no_neg_zero, percent_digits, short, w,
};
use chart::chart;

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
    /// The most `lineage_kept` any plan with these grid counts and this
    /// balance could reach (the ceiling, docs/DESIGN.md §5).
    pub lineage_ceiling: Option<f64>,
    /// Share (0..1) of new grids that draw 90 % of their households from one
    /// current grid.
    pub clean_share: Option<f64>,
    /// The most `clean_share` any such plan could reach.
    pub clean_ceiling: Option<f64>,
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
pub const CSV_HEADER: [&str; 20] = [
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
    "lineage_ceiling",
    "clean_share",
    "clean_ceiling",
    "runtime_s",
];

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
        let rec: [String; 20] = [
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
            fixed(r.lineage_ceiling, 4),
            fixed(r.clean_share, 4),
            fixed(r.clean_ceiling, 4),
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
        "Lineage ceiling".to_string(),
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
        (r.lineage_ceiling, pct(r.lineage_ceiling)),
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
         carry their current grid; the lineage ceiling is the most any plan with \
         that scenario's grid counts and balance could keep. Shares are in percent.",
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
// Number formatting (the scenario pages' own rules on top of `html`)

/// A number with `d` decimals for the CSV: empty when missing or not
/// finite, and never "-0.00".
fn fixed(x: Option<f64>, d: usize) -> String {
    match x {
        Some(x) if x.is_finite() => no_neg_zero(format!("{x:.d$}")),
        _ => String::new(),
    }
}

/// A number with `d` decimals, or "–"; never "-0.0".
fn num(x: Option<f64>, d: usize) -> String {
    no_neg_zero(decimals(x, d))
}

/// An integer with thousands separators, or "–" when not finite.
fn int(x: f64) -> String {
    html::int(Some(x))
}

/// A share (0..1) as a percentage with 1 decimal, or "–". A share below 1
/// is never shown as "100.0 %", nor one above 0 as "0.0 %", nor a negative
/// zero as "-0.0 %".
fn pct(x: Option<f64>) -> String {
    match x {
        Some(x) => match percent_digits(x, 1).map(no_neg_zero) {
            Some(s) if x > 0.0 && s == "0.0" => "< 0.1 %".to_string(),
            Some(s) => format!("{s} %"),
            None => NA.to_string(),
        },
        None => NA.to_string(),
    }
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
mod tests;
