//! The "Villages" table: one sortable row per village, flagged red when it
//! misses the tolerance or contiguity. A re-allocation adds the count
//! `--target` alone would give beside the chosen one, and lineage kept
//! beside its ceiling.

use crate::metrics::{Metrics, VillageMetrics};
use crate::output::html::{count, data_v, decimals, esc, finite, int, percent, w};

/// The village table's rows, sortable in the browser.
pub(super) fn villages_table(out: &mut String, m: &Metrics) {
    out.push_str("<h2>Villages</h2>\n");
    let tol = finite(m.params.tolerance);
    out.push_str(
        "<p class=\"note\">Click a column to sort, a code to zoom to the village. \
         Rows in red miss the tolerance or contiguity.</p>\n\
         <table class=\"grid-t sortable\" id=\"vtable\">\n<thead><tr><th>Village</th><th class=\"n\">k</th>\
         <th class=\"n\">Ded.</th><th class=\"n\">Micro</th><th class=\"n\">Households</th><th class=\"n\">Mean</th>\
         <th class=\"n\">Max dev.</th><th class=\"n\">One piece</th><th class=\"n\">SSE ratio</th>",
    );
    let realloc = m.villages.iter().any(|v| v.lineage.is_some());
    if realloc {
        out.push_str(
            "<th class=\"n\">k by target</th><th class=\"n\">Lineage kept</th>\
             <th class=\"n\">Ceiling</th>",
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for v in &m.villages {
        village_row(out, v, tol, realloc);
    }
    out.push_str("</tbody>\n</table>\n");
}

/// One village: code (a link that zooms the map), then the numbers, each
/// with its sort value.
fn village_row(out: &mut String, v: &VillageMetrics, tol: Option<f64>, realloc: bool) {
    let total = v.k + v.dedicated_grids;
    let md = finite(v.max_dev);
    let bad = matches!((md, tol), (Some(d), Some(t)) if d > t + 1e-9) || v.one_piece < total;
    w!(
        out,
        "<tr{}><td><a href=\"#\" data-goto=\"{}\">{}</a></td>",
        if bad { " class=\"bad\"" } else { "" },
        esc(&v.code),
        esc(&v.code)
    );
    let n = |x: usize| Some(x as f64);
    for (x, s) in [
        (n(v.k), count(v.k)),
        (n(v.dedicated_grids), count(v.dedicated_grids)),
        (n(v.micro_grids), count(v.micro_grids)),
        (Some(v.households as f64), int(Some(v.households as f64))),
        (Some(v.target), decimals(Some(v.target), 1)),
        (md, percent(md, 1)),
        (
            n(v.one_piece),
            format!("{}/{}", count(v.one_piece), count(total)),
        ),
        (v.sse_ratio, decimals(v.sse_ratio, 3)),
    ] {
        w!(out, "<td class=\"n\"{}>{}</td>", data_v(x), s);
    }
    if realloc {
        let by_target = v.k_by_target.map(|k| k as f64);
        let kept = v.lineage.as_ref().map(|l| l.lineage_kept);
        let ceiling = v.lineage.as_ref().map(|l| l.lineage_ceiling);
        for (x, s) in [
            (by_target, int(by_target)),
            (kept, percent(kept, 1)),
            (ceiling, percent(ceiling, 1)),
        ] {
            w!(out, "<td class=\"n\"{}>{}</td>", data_v(x), s);
        }
    }
    out.push_str("</tr>\n");
}
