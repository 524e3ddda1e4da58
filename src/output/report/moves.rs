//! What moves: the households that change grid worker, judged link by link
//! the way metrics.json judges them, for the "What moves" map layer
//! (`moves_map`) and the per-village table (`moves_table`).
//!
//! A link (old grid o, new grid g) is **kept** when g is o's successor or o
//! is g's predecessor, both read from the run's [`Transition`]; the
//! households of every other link **move**. This is the judgement of
//! [`crate::metrics::stability`] (lineage kept), so the households on the
//! map and in the table add up to `households_moved` of metrics.json.
//!
//! # Parameters
//! - `transition`: the grid-by-grid transition of metrics.json;
//! - `grids`: the grid pieces of metrics.json, which give each new grid's
//!   village (a grid of our plan lies in one village; a grid with pieces in
//!   several goes to the village of its largest piece);
//! - [`LinkPoints`]: where the households of each link live, one entry per
//!   building, from the plan (built by `output::maps`).
//!
//! # Algorithm
//! 1. **Judge**: the successor of every old grid and the predecessor of
//!    every new grid, by code.
//! 2. **Villages** ([`village_moves`]): every share (o → g, m) of the
//!    transition goes to g's village, into o's moved or kept list; old
//!    grids that lose households are kept, largest loss first (ties by
//!    code), and so are villages.
//! 3. **Points** ([`moved_points`]): each building's links that move, with
//!    their households.
//!
//! # Complexity
//! O((L + B) log G) for L links of the transition, B building links and G
//! grids.
//!
//! # Errors
//! None: a code missing from the transition is judged moved, a grid
//! missing from the metrics lies in the village "".

use std::collections::BTreeMap;

use crate::metrics::GridMetrics;
use crate::metrics::stability::{Share, Transition};

/// Where the households of each (old grid, new grid) link live: the
/// buildings of the plan, for the "What moves" layer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkPoints {
    /// The current plan's grid codes, indexed by [`BuildingLinks::links`].
    pub old_codes: Vec<String>,
    /// The new plan's grid codes, indexed likewise.
    pub new_codes: Vec<String>,
    /// One entry per building with households.
    pub buildings: Vec<BuildingLinks>,
}

/// One building: where it is and its households' links.
#[derive(Clone, Debug, PartialEq)]
pub struct BuildingLinks {
    /// Longitude and latitude, WGS84 degrees.
    pub lonlat: [f64; 2],
    /// `(old code index, new code index, households)`.
    pub links: Vec<(u32, u32, u64)>,
}

/// Step 1: which links keep their households in lineage.
pub(super) struct Judge<'a> {
    successor: BTreeMap<&'a str, &'a str>,
    predecessor: BTreeMap<&'a str, &'a str>,
}

impl<'a> Judge<'a> {
    pub(super) fn of(t: &'a Transition) -> Self {
        Judge {
            successor: t
                .old
                .iter()
                .map(|o| (o.code.as_str(), o.successor.as_str()))
                .collect(),
            predecessor: t
                .new
                .iter()
                .map(|n| (n.code.as_str(), n.predecessor.as_str()))
                .collect(),
        }
    }

    /// Are the households going from `old` to `new` kept in lineage?
    pub(super) fn kept(&self, old: &str, new: &str) -> bool {
        self.successor.get(old) == Some(&new) || self.predecessor.get(new) == Some(&old)
    }
}

/// One old grid's households in one village.
pub(super) struct OldMoves<'a> {
    /// The old grid code.
    pub code: &'a str,
    /// Its households that move, in this village.
    pub moving: u64,
    /// The new grids they move to, largest first (ties by code).
    pub moved: Vec<&'a Share>,
    /// The new grids of the village that keep its households in lineage.
    pub kept: Vec<&'a Share>,
}

/// One village's moves.
pub(super) struct VillageMoves<'a> {
    /// The village code.
    pub code: &'a str,
    /// Its households that move.
    pub moving: u64,
    /// Its old grids that lose households, largest loss first.
    pub old: Vec<OldMoves<'a>>,
}

/// Each new grid's village: that of its largest piece (ties to the lower
/// village code).
fn village_of(grids: &[GridMetrics]) -> BTreeMap<&str, (&str, u64)> {
    let mut out: BTreeMap<&str, (&str, u64)> = BTreeMap::new();
    for g in grids {
        let better = out.get(g.code.as_str()).is_none_or(|&(v, h)| {
            g.households > h || (g.households == h && g.village.as_str() < v)
        });
        if better {
            out.insert(&g.code, (&g.village, g.households));
        }
    }
    out
}

/// Step 2: the villages where households move, most households first
/// (ties by code).
pub(super) fn village_moves<'a>(
    t: &'a Transition,
    grids: &'a [GridMetrics],
) -> Vec<VillageMoves<'a>> {
    let judge = Judge::of(t);
    let village = village_of(grids);
    let mut by: BTreeMap<(&str, &str), OldMoves> = BTreeMap::new();
    for o in &t.old {
        for s in &o.to {
            let v = village.get(s.grid.as_str()).map_or("", |e| e.0);
            let e = by.entry((v, &o.code)).or_insert_with(|| OldMoves {
                code: &o.code,
                moving: 0,
                moved: Vec::new(),
                kept: Vec::new(),
            });
            if judge.kept(&o.code, &s.grid) {
                e.kept.push(s);
            } else {
                e.moving += s.households;
                e.moved.push(s);
            }
        }
    }
    let mut villages: BTreeMap<&str, VillageMoves> = BTreeMap::new();
    for ((v, _), om) in by.into_iter().filter(|(_, om)| om.moving > 0) {
        let e = villages.entry(v).or_insert_with(|| VillageMoves {
            code: v,
            moving: 0,
            old: Vec::new(),
        });
        e.moving += om.moving;
        e.old.push(om);
    }
    let mut out: Vec<VillageMoves> = villages.into_values().collect();
    for v in &mut out {
        // Stable: equal losses stay in code order.
        v.old.sort_by_key(|o| std::cmp::Reverse(o.moving));
    }
    out.sort_by_key(|v| std::cmp::Reverse(v.moving));
    out
}

/// One building's households that move.
pub(super) struct MovedPoint<'a> {
    /// Longitude and latitude, WGS84 degrees.
    pub lonlat: [f64; 2],
    /// `(old code, new code, households)`, in the building's link order.
    pub moves: Vec<(&'a str, &'a str, u64)>,
}

/// Step 3: the buildings whose households move, in building order, each
/// with its links that move.
pub(super) fn moved_points<'a>(links: &'a LinkPoints, judge: &Judge) -> Vec<MovedPoint<'a>> {
    let code = |codes: &'a [String], i: u32| codes.get(i as usize).map_or("", String::as_str);
    links
        .buildings
        .iter()
        .filter_map(|b| {
            let moves: Vec<(&str, &str, u64)> = b
                .links
                .iter()
                .map(|&(o, g, m)| (code(&links.old_codes, o), code(&links.new_codes, g), m))
                .filter(|&(o, g, m)| m > 0 && !judge.kept(o, g))
                .collect();
            (!moves.is_empty()).then_some(MovedPoint {
                lonlat: b.lonlat,
                moves,
            })
        })
        .collect()
}
