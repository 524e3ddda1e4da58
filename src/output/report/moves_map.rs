//! The "What moves" layer of the map, when re-allocating: the households
//! that change grid worker, drawn over their old grids' outlines and the
//! new grids.
//!
//! - **Old grids**: the outline of each old grid's part in a village where
//!   it loses households ([`moves`](super::moves) step 2), dashed dark
//!   blue, so it reads apart from the new grids' solid borders, the
//!   micro-grids' thin grey dashes and the compounds' magenta ones.
//! - **Households that move**: one dot per building (buildings that fall
//!   on the same metre are merged), its size by the households moving
//!   there: 1, 2-4, 5-19, 20 or more ([`size_class`]). A dot keeps its
//!   size on screen at any zoom (a zero-length line with round caps and a
//!   non-scaling stroke), so a county view shows where moves cluster and a
//!   close view shows each building. The larger dots are drawn first, so
//!   no small one hides under them. Hovering a dot lists its moves
//!   (old grid → new grid: households).
//!
//! Over 1,500 grids the layer is busy, so it is hidden until switched on in
//! the legend; switching it on also pales the grid fills. Its households
//! are exactly those of the links that move, so they add up to
//! `households_moved` of metrics.json.

use std::collections::{BTreeMap, BTreeSet};

use super::frame::{Frame, Projected};
use super::moves::{Judge, VillageMoves, moved_points};
use super::{MapShape, ReportInput};
use crate::output::html::{esc, w};

/// What the layer holds, for the legend.
pub(super) struct MovesDrawn {
    /// Households that move.
    pub households: u64,
    /// Dots drawn.
    pub points: usize,
    /// Old-grid outlines drawn.
    pub outlines: usize,
}

/// One dot: the households moving at one point, per (old, new) link.
#[derive(Default)]
struct Dot<'a> {
    households: u64,
    moves: BTreeMap<(&'a str, &'a str), u64>,
}

/// The size class of a dot of `households` (CSS `s1` to `s4`).
pub(super) fn size_class(households: u64) -> u8 {
    match households {
        0..=1 => 1,
        2..=4 => 2,
        5..=19 => 3,
        _ => 4,
    }
}

/// The layer's `<g id="moves">`, hidden: the outlines of `old` that lose
/// households according to `moves`, then the dots.
pub(super) fn moves_layer<'a>(
    out: &mut String,
    old: impl Iterator<Item = (&'a MapShape, &'a Projected)>,
    frame: &Frame,
    (moves, input): (&[VillageMoves], &ReportInput),
) -> MovesDrawn {
    let losing: BTreeSet<(&str, &str)> = moves
        .iter()
        .flat_map(|v| v.old.iter().map(move |o| (v.code, o.code)))
        .collect();
    out.push_str("<g id=\"moves\" display=\"none\">\n");
    let mut outlines = 0;
    for (s, p) in old.filter(|(s, _)| losing.contains(&(s.village.as_str(), s.code.as_str()))) {
        w!(
            out,
            "<path class=\"old\" data-code=\"{}\" d=\"{}\"/>\n",
            esc(&s.code),
            p.path_d()
        );
        outlines += 1;
    }
    let dots = dots(input, frame);
    for (xy, d) in &dots {
        dot(out, *xy, d);
    }
    out.push_str("</g>\n");
    MovesDrawn {
        households: dots.iter().map(|(_, d)| d.households).sum(),
        points: dots.len(),
        outlines,
    }
}

/// The dots, merged per metre, larger classes first, then by position.
fn dots<'a>(input: &ReportInput<'a>, frame: &Frame) -> Vec<([i64; 2], Dot<'a>)> {
    let (Some(t), Some(links)) = (&input.report.metrics.transition, input.links) else {
        return Vec::new();
    };
    let judge = Judge::of(t);
    let mut at: BTreeMap<[i64; 2], Dot> = BTreeMap::new();
    for p in moved_points(links, &judge) {
        let Some(xy) = frame.project(p.lonlat) else {
            continue;
        };
        let d = at.entry(xy).or_default();
        for (o, g, m) in p.moves {
            d.households += m;
            *d.moves.entry((o, g)).or_default() += m;
        }
    }
    let mut v: Vec<([i64; 2], Dot)> = at.into_iter().collect();
    // Stable: equal classes stay in position order.
    v.sort_by_key(|(_, d)| std::cmp::Reverse(size_class(d.households)));
    v
}

/// One dot: a zero-length line at `xy`, with its households and its moves
/// (largest first, ties by codes), one per line, for the hover box.
fn dot(out: &mut String, xy: [i64; 2], d: &Dot) {
    w!(
        out,
        "<path class=\"mv s{}\" d=\"M{} {}h0\" data-h=\"{}\" data-m=\"",
        size_class(d.households),
        xy[0],
        xy[1],
        d.households
    );
    let mut moves: Vec<(&(&str, &str), &u64)> = d.moves.iter().collect();
    moves.sort_by(|a, b| b.1.cmp(a.1));
    for (i, ((o, g), m)) in moves.into_iter().enumerate() {
        if i > 0 {
            out.push_str("&#10;");
        }
        w!(out, "{} → {}: {m}", esc(o), esc(g));
    }
    out.push_str("\"/>\n");
}
