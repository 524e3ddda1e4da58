//! "What moves, village by village", when re-allocating: for each village
//! where households change grid worker, its lineage kept beside its
//! ceiling, and each of its old grids that loses households: how many
//! move, the new grids they move to and the new grids that keep the rest.
//!
//! A town meeting is held village by village, so this is the table a
//! planner takes to it; the map layer "What moves" shows the same
//! households. Villages come most households moving first (ties by code),
//! each in a collapsed `<details>` (a county has about 500), cut after
//! [`MOVES_VILLAGES`]; transition.csv has every (old, new) pair.

use super::MOVES_VILLAGES;
use super::moves::{OldMoves, VillageMoves};
use super::summary::ceiling_percent;
use crate::metrics::stability::Share;
use crate::metrics::{Metrics, VillageMetrics};
use crate::output::html::{count, esc, int, percent, w};

/// The section, from the villages' moves (see [`super::moves`]).
pub(super) fn moves_section(out: &mut String, moves: &[VillageMoves], m: &Metrics) {
    out.push_str("<h2>What moves, village by village</h2>\n");
    if moves.is_empty() {
        out.push_str("<p class=\"ok\">No household changes grid worker.</p>\n");
        return;
    }
    let total: u64 = moves.iter().map(|v| v.moving).sum();
    w!(
        out,
        "<p class=\"note\">{} households in {} villages change grid worker (they are not kept in \
         lineage; the map layer &quot;What moves&quot; shows them). Open a village for its old grids \
         that lose households: where those households go, and the new grids that keep the rest.</p>\n",
        int(Some(total as f64)),
        count(moves.len())
    );
    for v in moves.iter().take(MOVES_VILLAGES) {
        let metrics = m.villages.iter().find(|x| x.code == v.code);
        village(out, v, metrics);
    }
    if moves.len() > MOVES_VILLAGES {
        w!(
            out,
            "<p class=\"note\">… and {} more villages (see transition.csv).</p>\n",
            count(moves.len() - MOVES_VILLAGES)
        );
    }
}

/// One village: a summary line, then its old grids.
fn village(out: &mut String, v: &VillageMoves, metrics: Option<&VillageMetrics>) {
    let lineage = metrics.and_then(|x| x.lineage.as_ref()).map_or_else(
        || "lineage –".to_string(),
        |l| {
            format!(
                "lineage kept {} (ceiling {})",
                percent(Some(l.lineage_kept), 1),
                ceiling_percent(
                    l.lineage_ceiling_households,
                    l.households,
                    l.lineage_kept_households
                )
            )
        },
    );
    w!(
        out,
        "<details class=\"mv-v\"><summary>{} · {} moving · {}</summary>\n\
         <p class=\"note\"><a href=\"#\" data-goto=\"{}\" data-show=\"moves\">Show on the map</a></p>\n\
         <table class=\"grid-t\">\n<thead><tr><th>Old grid</th><th class=\"n\">Moving</th>\
         <th>Moving to</th><th>Kept in</th></tr></thead>\n<tbody>\n",
        esc(v.code),
        int(Some(v.moving as f64)),
        lineage,
        esc(v.code)
    );
    for o in &v.old {
        old_row(out, o);
    }
    out.push_str("</tbody>\n</table>\n</details>\n");
}

/// One old grid: its code, households moving, where they go and where the
/// rest stays.
fn old_row(out: &mut String, o: &OldMoves) {
    let kept = if o.kept.is_empty() {
        "–".to_string()
    } else {
        shares(&o.kept)
    };
    w!(
        out,
        "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
        esc(o.code),
        int(Some(o.moving as f64)),
        shares(&o.moved),
        kept
    );
}

/// `X (30), Y (28)`: new grids with households, escaped.
fn shares(list: &[&Share]) -> String {
    list.iter()
        .map(|s| format!("{} ({})", esc(&s.grid), int(Some(s.households as f64))))
        .collect::<Vec<_>>()
        .join(", ")
}
