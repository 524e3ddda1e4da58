//! The lists of problems and notes: balance shortfalls, villages outside
//! the band, grids in pieces, forced crossings of hard barriers, dedicated
//! zones across villages, empty zones and households placed by snapping.

use crate::output::html::{count, decimals, esc, int, percent, w};
use crate::pipeline::Report;

/// The most rows of each list; metrics.json has them all.
const LIMIT: usize = 200;

/// A column: its heading and whether it holds numbers (right-aligned).
type Col = (&'static str, bool);

/// All the lists, in page order.
pub(super) fn lists(out: &mut String, r: &Report) {
    table(
        out,
        "Balance shortfalls",
        &[
            ("Village", false),
            ("k", true),
            ("Mean", true),
            ("Max dev.", true),
            ("Largest building", true),
            ("Why", false),
        ],
        r.balance_shortfalls.iter().map(|s| {
            vec![
                esc(&s.village_code).to_string(),
                count(s.k),
                decimals(Some(s.target), 1),
                percent(Some(s.max_dev), 1),
                decimals(Some(s.largest_unit), 0),
                esc(&s.reason).to_string(),
            ]
        }),
    );
    table(
        out,
        "Villages outside the band",
        &[
            ("Village", false),
            ("Households", true),
            ("k", true),
            ("Mean per grid", true),
        ],
        r.villages_outside_band.iter().map(|v| {
            vec![
                esc(&v.village_code).to_string(),
                int(Some(v.households)),
                count(v.k),
                decimals(Some(v.mean_households), 1),
            ]
        }),
    );
    table(
        out,
        "Grids in pieces",
        &[
            ("Grid", false),
            ("Village", false),
            ("Pieces", true),
            ("Village parts", true),
        ],
        r.metrics.county.contiguity.examples.iter().map(|g| {
            vec![
                esc(&g.grid).to_string(),
                esc(&g.village).to_string(),
                count(g.pieces),
                count(g.parts),
            ]
        }),
    );
    forced_crossings(out, r);
    zones_across_villages(out, r);
    empty_zones(out, r);
    table(
        out,
        "Households placed by snapping",
        &[
            ("Id", false),
            ("Village", false),
            ("Distance (m)", true),
            ("Why", false),
        ],
        r.snapped.iter().map(|s| {
            vec![
                esc(&s.id).to_string(),
                esc(&s.village_code).to_string(),
                decimals(Some(s.distance_m), 1),
                esc(s.why).to_string(),
            ]
        }),
    );
}

/// A titled table of `rows` (cells already escaped and formatted), "None."
/// when empty, cut after [`LIMIT`] rows with a note.
fn table(
    out: &mut String,
    title: &str,
    cols: &[Col],
    rows: impl ExactSizeIterator<Item = Vec<String>>,
) {
    w!(out, "<h2>{title}</h2>\n");
    let total = rows.len();
    if total == 0 {
        out.push_str("<p class=\"ok\">None.</p>\n");
        return;
    }
    let class = |numeric: bool| if numeric { " class=\"n\"" } else { "" };
    out.push_str("<table class=\"grid-t\">\n<thead><tr>");
    for (h, numeric) in cols {
        w!(out, "<th{}>{h}</th>", class(*numeric));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for cells in rows.take(LIMIT) {
        out.push_str("<tr>");
        for ((_, numeric), s) in cols.iter().zip(cells) {
            w!(out, "<td{}>{s}</td>", class(*numeric));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    if total > LIMIT {
        w!(
            out,
            "<p class=\"note\">… and {} more (see metrics.json).</p>\n",
            total - LIMIT
        );
    }
}

/// Grids that cross a hard barrier because they had to, with the
/// barrier's kind and name, its metres inside the grid and why.
fn forced_crossings(out: &mut String, r: &Report) {
    table(
        out,
        "Forced crossings of hard barriers",
        &[
            ("Grid", false),
            ("Village", false),
            ("Barrier", false),
            ("Name", false),
            ("Metres", true),
            ("Why", false),
        ],
        r.forced_crossings.iter().map(|c| {
            vec![
                esc(&c.grid_code).to_string(),
                esc(&c.village_code).to_string(),
                esc(c.kind.as_str()).to_string(),
                if c.name.is_empty() {
                    "–".to_string()
                } else {
                    esc(&c.name).to_string()
                },
                decimals(Some(c.metres), 0),
                esc(&c.reason).to_string(),
            ]
        }),
    );
}

/// Zones across villages: households per village as one cell.
fn zones_across_villages(out: &mut String, r: &Report) {
    out.push_str("<h2>Dedicated zones across villages</h2>\n");
    let z = &r.zones_across_villages;
    if z.is_empty() {
        out.push_str("<p class=\"ok\">None.</p>\n");
        return;
    }
    out.push_str("<table class=\"grid-t\">\n<thead><tr><th>Zone</th><th>Given to</th><th>Households by village</th></tr></thead>\n<tbody>\n");
    for it in z.iter().take(LIMIT) {
        let by = it
            .households_by_village
            .iter()
            .map(|(k, v)| format!("{}: {}", esc(k), int(Some(*v as f64))))
            .collect::<Vec<_>>()
            .join(", ");
        w!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&it.zone_code),
            esc(&it.village_code),
            by
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Dedicated zones that hold no household, as one line.
fn empty_zones(out: &mut String, r: &Report) {
    out.push_str("<h2>Empty dedicated zones</h2>\n");
    if r.empty_zones.is_empty() {
        out.push_str("<p class=\"ok\">None.</p>\n");
        return;
    }
    let names: Vec<String> = r.empty_zones.iter().map(|z| esc(z).to_string()).collect();
    w!(out, "<p>{}</p>\n", names.join(", "));
}
