//! "Transition from the current plan": one summary line, then the old grids
//! with their fate and the new grids that are not clean, each table in a
//! collapsed `<details>` and cut after [`TRANSITION_ROWS`] rows.

use std::collections::BTreeMap;

use super::TRANSITION_ROWS;
use crate::metrics::stability::{Fate, NewGridLineage, OldGridFate, Share, Transition};
use crate::output::html::{count, data_v, esc, int, percent, w};

/// The section, when metrics.json has a transition.
pub(super) fn transition_section(out: &mut String, t: &Transition) {
    out.push_str(
        "<h2>Transition from the current plan</h2>
",
    );
    summary_line(out, t);
    old_grids(out, t);
    unclean_new_grids(out, t);
}

/// The summary paragraph and the note that defines its words.
fn summary_line(out: &mut String, t: &Transition) {
    // Grids of new households only (no old grid) are not judged.
    let old = &t.old;
    let new: Vec<&NewGridLineage> = t
        .new
        .iter()
        .filter(|n| n.households > 0 || n.new_households == 0)
        .collect();
    let fate_count = |f: Fate| count(old.iter().filter(|o| o.fate == f).count());
    let clean = new.iter().filter(|n| n.clean).count();
    let moved_share = if t.households > 0 {
        t.households_moved as f64 / t.households as f64
    } else {
        0.0
    };
    // Any share over zero grids is 1, as in the metrics.
    let clean_share = if new.is_empty() {
        1.0
    } else {
        clean as f64 / new.len() as f64
    };
    w!(
        out,
        "<p class=\"tsum\">Old grids: {} kept, {} split, {} merged, {} dissolved (of {}). \
         Households moved: {} of {} ({}); lineage kept {}; {} not in their old grid&#39;s successor. \
         Clean grids: {} of {} ({}).</p>\n",
        fate_count(Fate::Kept),
        fate_count(Fate::Split),
        fate_count(Fate::Merged),
        fate_count(Fate::Dissolved),
        count(old.len()),
        int(Some(t.households_moved as f64)),
        int(Some(t.households as f64)),
        percent(Some(moved_share), 1),
        percent(Some(1.0 - moved_share), 1),
        int(Some(t.households_not_in_successor as f64)),
        count(clean),
        count(new.len()),
        percent(Some(clean_share), 1),
    );
    if t.new_households > 0 {
        w!(
            out,
            "<p class=\"tsum\">New households placed: {} (without a current grid, new since the plan; \
             in no share above).</p>\n",
            int(Some(t.new_households as f64))
        );
    }
    out.push_str(
        "<p class=\"note\">Moved = households not kept in lineage: neither in their old grid&#39;s \
         successor (the new grid taking most of it) nor in a new grid whose predecessor (the old grid \
         giving it most) is their old grid. A clean grid draws at least 90 % from its predecessor. \
         transition.csv lists every (old, new) pair.</p>\n",
    );
}

/// The note after a table cut at [`TRANSITION_ROWS`].
fn cut(out: &mut String, n: usize) {
    if n > TRANSITION_ROWS {
        w!(
            out,
            "<p class=\"note\">… and {} more (see transition.csv).</p>\n",
            n - TRANSITION_ROWS
        );
    }
}

/// Old grids: fate, successor, moved households and what became of each.
fn old_grids(out: &mut String, t: &Transition) {
    let from_of: BTreeMap<&str, &[Share]> = t
        .new
        .iter()
        .map(|n| (n.code.as_str(), n.from.as_slice()))
        .collect();
    w!(
        out,
        "<details id=\"t-old\"><summary>Old grids ({}): fate and successors</summary>\n\
         <table class=\"grid-t sortable\">\n<thead><tr><th>Old grid</th><th class=\"n\">Households</th>\
         <th>Fate</th><th>Successor</th><th class=\"n\">Moved</th><th>What became of it</th></tr></thead>\n<tbody>\n",
        count(t.old.len())
    );
    for o in t.old.iter().take(TRANSITION_ROWS) {
        let hh = Some(o.households as f64);
        let mv = Some(o.moved as f64);
        w!(
            out,
            "<tr{}><td>{}</td><td class=\"n\"{}>{}</td><td>{}</td><td>{}</td><td class=\"n\"{}>{}</td><td>{}</td></tr>\n",
            if o.fate == Fate::Dissolved {
                " class=\"warn\""
            } else {
                ""
            },
            esc(&o.code),
            data_v(hh),
            int(hh),
            esc(o.fate.as_str()),
            esc(&o.successor),
            data_v(mv),
            int(mv),
            fate_words(o, &from_of)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    cut(out, t.old.len());
    out.push_str("</details>\n");
}

/// New grids that are not clean, with the old grids they came from.
fn unclean_new_grids(out: &mut String, t: &Transition) {
    // A grid of new households only has no lineage to judge.
    let unclean: Vec<&NewGridLineage> = t
        .new
        .iter()
        .filter(|n| !n.clean && (n.households > 0 || n.new_households == 0))
        .collect();
    w!(
        out,
        "<details id=\"t-new\"><summary>New grids not clean ({} of {}): predecessors</summary>\n",
        count(unclean.len()),
        count(
            t.new
                .iter()
                .filter(|n| n.households > 0 || n.new_households == 0)
                .count()
        )
    );
    if unclean.is_empty() {
        out.push_str("<p class=\"ok\">None.</p>\n");
    } else {
        out.push_str(
            "<table class=\"grid-t sortable\">\n<thead><tr><th>New grid</th><th class=\"n\">Households</th>\
             <th>Predecessor</th><th>Households came from</th></tr></thead>\n<tbody>\n",
        );
        for n in unclean.iter().take(TRANSITION_ROWS) {
            let hh = Some(n.households as f64);
            w!(
                out,
                "<tr><td>{}</td><td class=\"n\"{}>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&n.code),
                data_v(hh),
                int(hh),
                esc(&n.predecessor),
                share_list(n.from.iter())
            );
        }
        out.push_str("</tbody>\n</table>\n");
        cut(out, unclean.len());
    }
    out.push_str("</details>\n");
}

/// `A (312), B (290)`: grids with the households they share.
fn share_list<'a>(shares: impl Iterator<Item = &'a Share>) -> String {
    shares
        .map(|s| format!("{} ({})", esc(&s.grid), int(Some(s.households as f64))))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What became of one old grid, in words: "split into A (312), B (290)",
/// "merged with C (280) into B", "kept as B; also D (3)", "dissolved into …".
/// `from_of` gives a new grid's `from` list.
fn fate_words(o: &OldGridFate, from_of: &BTreeMap<&str, &[Share]>) -> String {
    let succ = o.successor.as_str();
    let to = &o.to;
    let also = |s: String| {
        if to.len() > 1 {
            let others = share_list(to.iter().filter(|s| s.grid != succ));
            format!("{s}; also to {others}")
        } else {
            s
        }
    };
    match o.fate {
        Fate::Kept => also(format!("kept as {}", esc(succ))),
        Fate::Split => format!("split into {}", share_list(to.iter())),
        Fate::Merged => {
            let partners = from_of.get(succ).map_or(String::new(), |f| {
                share_list(f.iter().filter(|s| s.grid != o.code))
            });
            if partners.is_empty() {
                also(format!("merged into {}", esc(succ)))
            } else {
                also(format!("merged with {partners} into {}", esc(succ)))
            }
        }
        Fate::Dissolved => format!("dissolved into {}", share_list(to.iter())),
    }
}
