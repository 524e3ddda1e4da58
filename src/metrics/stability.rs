//! Stability of a plan against the current grids (docs/DESIGN.md §5, "Stability").
//!
//! Old and new grids are linked by the households they share: `m(o, g)` is
//! the number of households whose old grid is `o` and new grid is `g`.
//! All shares are shares of households, and all thresholds are tested in
//! exact integer arithmetic (`10·m >= 9·total`), so a share of exactly 90 %
//! passes whatever the floating-point rounding.
//!
//! # Definitions
//! - The **predecessor** of new grid `g` is the old grid `o` with the largest
//!   `m(o, g)`; the **successor** of old grid `o` is the new grid `g` with the
//!   largest `m(o, g)`. Ties go to the lower label index, so the result is
//!   deterministic.
//! - **Lineage kept**: the share of households whose new grid's predecessor
//!   is their old grid, or whose old grid's successor is their new grid. A
//!   clean split (every piece's predecessor is the old grid) and a clean
//!   merge (every old grid's successor is the merged grid) keep 100 %.
//! - **Successor share**: the share of households whose new grid is the
//!   successor of their old grid (the quantity re-allocation maximises,
//!   docs/DESIGN.md §1); never above lineage kept.
//! - A new grid is **clean** when it draws at least 90 % of its households
//!   from one old grid (its predecessor).
//! - Every old grid `o` falls in exactly one class, tested in this order:
//!   1. **kept**: some new grid `g` takes at least 90 % of `o`'s households
//!      and draws at least 90 % of its own households from `o` (a one-to-one
//!      continuation, small edge adjustments allowed);
//!   2. **merged**: some new grid takes at least 90 % of `o`'s households, but
//!      more than 10 % of that grid comes from other old grids;
//!   3. **split**: at least two new grids have `o` as predecessor, and
//!      together they take at least 90 % of `o`'s households;
//!   4. **dissolved**: anything else; `o`'s households were redistributed
//!      without a clean lineage (a reshuffle).
//!
//! The 90 % threshold is the "clean grid" threshold of docs/DESIGN.md §5, reused for
//! the classes so that one number governs every lineage judgement.
//!
//! - **Households moved** are the households *not* kept in lineage,
//!   `households - lineage_kept_households`: a household that follows its
//!   old grid into any piece of a clean split, or into a clean merge, has
//!   not moved. Households whose new grid is not the successor of their old
//!   grid are counted separately (`households_not_in_successor`); that
//!   count also holds the smaller pieces of clean splits.
//!
//! # Transition report
//! [`Transition`] lists the same judgement grid by grid, for re-allocation:
//! each old grid with its class ([`Fate`]), its successor, its households
//! moved and the new grids its households went to; each new grid with its
//! predecessor, whether it is clean and the old grids its households came
//! from. [`transition_csv`] writes one row per (old, new) pair.
//!
//! # Parameters
//! - `links`: `(old label, new label, households)`, one per point or
//!   already aggregated, any order; a point of 0 households still links its
//!   grids (so every grid appears).
//! - `old_code` / `new_code`: name a label (called once per label).
//!
//! # Algorithm
//! 1. Sort the links by (old, new) and sum duplicates.
//! 2. One pass: each old grid's total and successor, each new grid's total
//!    and predecessor (ties to the lower label, by the sort order).
//! 3. A second pass: per old grid, whether some link makes it kept or
//!    merged, and how many pieces (and households) have it as predecessor;
//!    then its class in the order above. Steps 1-3 are one helper shared by
//!    the metrics and the transition report, so they cannot disagree.
//! 4. Metrics: sums over the links; transition: the links grouped by old
//!    and by new grid, lists sorted largest first (ties by code), grids
//!    sorted by code.
//!
//! # Complexity
//! O(L log L) for L distinct (old, new) pairs, at most the number of points.
//! The transition has one entry per grid and one list entry per pair on
//! each side: on the synthetic county (1,479 grids redrawn against 1,479
//! shifted ones, half the households moved, the worst realistic case) it is
//! 0.56 MB of compact JSON (1.1 MB pretty-printed) and its CSV 0.17 MB, and
//! takes 11 ms from the 120,000 point links; a plan that keeps most grids
//! has one or two pairs per grid and is a fraction of that.
//!
//! # Errors
//! None: any labelling can be judged. With no links every list is empty and
//! every share is 1 (vacuously true).

use serde::Serialize;
use std::collections::BTreeMap;

/// The clean / kept threshold as a fraction, 90 % (docs/DESIGN.md §5).
pub const CLEAN_SHARE: f64 = 0.9;
const NUM: u64 = 9;
const DEN: u64 = 10;

/// Stability of a new plan against the current grids (see module docs of
/// `metrics::stability` for exact definitions).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct StabilityMetrics {
    /// Households counted: those with an old grid.
    pub households: u64,
    /// New households placed: households without an old grid (new since
    /// the current plan), which this plan placed in a grid. They are not in
    /// `households` nor in any share: no lineage is judged for them.
    pub new_households: u64,
    /// Distinct old grids.
    pub old_grids: usize,
    /// Distinct new grids.
    pub new_grids: usize,
    /// Households kept in lineage (predecessor or successor link).
    pub lineage_kept_households: u64,
    /// `lineage_kept_households / households`.
    pub lineage_kept: f64,
    /// Households moved: those *not* kept in lineage,
    /// `households - lineage_kept_households`. A household that follows its
    /// old grid into one piece of a clean split, or into a clean merge, has
    /// not moved.
    pub households_moved: u64,
    /// Households whose new grid is the successor of their old grid.
    pub successor_households: u64,
    /// `successor_households / households`.
    pub successor_share: f64,
    /// New grids drawing at least 90 % of their households from one old grid.
    pub clean_grids: usize,
    /// `clean_grids / new_grids`.
    pub clean_share: f64,
    /// Old grids continued one-to-one.
    pub kept: usize,
    /// Old grids split into two or more new grids.
    pub split: usize,
    /// Old grids merged with others into one new grid.
    pub merged: usize,
    /// Old grids redistributed without a clean lineage.
    pub dissolved: usize,
    /// Up to 20 dissolved old grid codes, in label order, for follow-up.
    pub dissolved_examples: Vec<String>,
    /// The threshold used for clean / kept / merged / split, 0.9.
    pub threshold: f64,
    /// The most households any plan with these grid counts and this
    /// balance could keep in lineage ([`super::ceiling`]); 0 until the
    /// ceiling is filled in.
    pub lineage_ceiling_households: u64,
    /// `lineage_ceiling_households / households`.
    pub lineage_ceiling: f64,
    /// The most new grids any such plan could have clean.
    pub clean_ceiling_grids: usize,
    /// `clean_ceiling_grids / new_grids`.
    pub clean_ceiling: f64,
}

/// What became of an old grid; the classes of the module docs.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Fate {
    /// Continued one-to-one by its successor.
    Kept,
    /// Split into two or more new grids that have it as predecessor.
    Split,
    /// Merged with other old grids into its successor.
    Merged,
    /// Redistributed without a clean lineage.
    Dissolved,
}

impl Fate {
    /// The lower-case name, as in metrics.json and transition CSV.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Fate::Kept => "kept",
            Fate::Split => "split",
            Fate::Merged => "merged",
            Fate::Dissolved => "dissolved",
        }
    }
}

/// A grid on the other side of a link and the households the two share.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// The grid code.
    pub grid: String,
    /// Households shared.
    pub households: u64,
}

/// One old grid of the transition report.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct OldGridFate {
    /// The old grid code.
    pub code: String,
    /// Households of the old grid.
    pub households: u64,
    /// Kept, split, merged or dissolved.
    pub fate: Fate,
    /// The new grid that takes most of its households.
    pub successor: String,
    /// Its households not kept in lineage (see
    /// [`StabilityMetrics::households_moved`]).
    pub moved: u64,
    /// The new grids its households went to, largest first (ties by code).
    pub to: Vec<Share>,
}

/// One new grid of the transition report.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct NewGridLineage {
    /// The new grid code.
    pub code: String,
    /// Households of the new grid.
    pub households: u64,
    /// The old grid that gives it most of its households.
    pub predecessor: String,
    /// At least 90 % of its households come from its predecessor.
    pub clean: bool,
    /// The old grids its households came from, largest first (ties by code).
    pub from: Vec<Share>,
    /// Its new households (without an old grid), not in `households`; a
    /// grid of new households only has `households` 0 and no predecessor.
    /// Left out of metrics.json when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub new_households: u64,
}

/// The transition from the current plan to the new one, grid by grid, for
/// re-allocation (see the module docs).
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// Households counted: those with an old grid.
    pub households: u64,
    /// New households placed (without an old grid), as
    /// [`StabilityMetrics::new_households`].
    pub new_households: u64,
    /// Households not kept in lineage, `households - lineage_kept_households`
    /// (the same number as [`StabilityMetrics::households_moved`]).
    pub households_moved: u64,
    /// Households whose new grid is not the successor of their old grid,
    /// `households - successor_households`; at least `households_moved`,
    /// since the smaller pieces of a clean split count here but not there.
    pub households_not_in_successor: u64,
    /// Every old grid, sorted by code.
    pub old: Vec<OldGridFate>,
    /// Every new grid, sorted by code.
    pub new: Vec<NewGridLineage>,
}

/// For serde: leave a zero count out.
#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

fn at_least_90(part: u64, total: u64) -> bool {
    u128::from(part) * u128::from(DEN) >= u128::from(total) * u128::from(NUM)
}

/// Sorts links by (old, new) and merges duplicates, summing households.
fn aggregate(links: &mut Vec<(u32, u32, u64)>) {
    links.sort_unstable_by_key(|&(o, g, _)| (o, g));
    links.dedup_by(|b, a| {
        if a.0 == b.0 && a.1 == b.1 {
            a.2 += b.2;
            true
        } else {
            false
        }
    });
}

/// An old grid's total, successor and class.
struct OldSide {
    total: u64,
    successor: u32,
    fate: Fate,
}

/// A new grid's total and predecessor, with the households it draws from
/// the predecessor.
struct NewSide {
    total: u64,
    predecessor: u32,
    from_predecessor: u64,
}

impl NewSide {
    fn clean(&self) -> bool {
        at_least_90(self.from_predecessor, self.total)
    }
}

/// Predecessors, successors and classes: the judgement shared by
/// [`stability`] and [`transition`], so the two can never disagree.
struct Lineage {
    old: BTreeMap<u32, OldSide>,
    new: BTreeMap<u32, NewSide>,
}

impl Lineage {
    /// From aggregated links sorted by (old, new) (see [`aggregate`]).
    fn of(links: &[(u32, u32, u64)]) -> Lineage {
        // Old grids: total and successor. Links are sorted by (old, new), so a
        // strict ">" leaves ties to the lowest new index.
        let mut old: BTreeMap<u32, (u64, u32, u64)> = BTreeMap::new();
        // New grids: total and predecessor, ties to the lowest old index.
        let mut new: BTreeMap<u32, NewSide> = BTreeMap::new();
        for &(o, g, m) in links {
            let e = old.entry(o).or_insert((0, g, 0));
            e.0 += m;
            if m > e.2 {
                e.1 = g;
                e.2 = m;
            }
            let e = new.entry(g).or_insert(NewSide {
                total: 0,
                predecessor: o,
                from_predecessor: 0,
            });
            e.total += m;
            if m > e.from_predecessor {
                e.predecessor = o;
                e.from_predecessor = m;
            }
        }
        // Per old grid: (kept, merged, children, children's households).
        let mut class: BTreeMap<u32, (bool, bool, usize, u64)> = BTreeMap::new();
        for &(o, g, m) in links {
            let tot_o = old.get(&o).map_or(0, |e| e.0);
            let (tot_g, pred) = new.get(&g).map_or((0, o), |e| (e.total, e.predecessor));
            let c = class.entry(o).or_insert((false, false, 0, 0));
            if at_least_90(m, tot_o) {
                if at_least_90(m, tot_g) {
                    c.0 = true;
                } else {
                    c.1 = true;
                }
            }
            if pred == o {
                c.2 += 1;
                c.3 += m;
            }
        }
        let old = old
            .into_iter()
            .map(|(o, (total, successor, _))| {
                let (is_kept, is_merged, children, child_hh) =
                    class.get(&o).copied().unwrap_or_default();
                let fate = if is_kept {
                    Fate::Kept
                } else if is_merged {
                    Fate::Merged
                } else if children >= 2 && at_least_90(child_hh, total) {
                    Fate::Split
                } else {
                    Fate::Dissolved
                };
                (
                    o,
                    OldSide {
                        total,
                        successor,
                        fate,
                    },
                )
            })
            .collect();
        Lineage { old, new }
    }

    /// Is `g` the successor of `o`?
    fn is_successor(&self, o: u32, g: u32) -> bool {
        self.old.get(&o).is_some_and(|e| e.successor == g)
    }

    /// Is `o` the predecessor of `g`?
    fn is_predecessor(&self, o: u32, g: u32) -> bool {
        self.new.get(&g).is_some_and(|e| e.predecessor == o)
    }

    /// Are the households of link (o, g) kept in lineage?
    fn kept(&self, o: u32, g: u32) -> bool {
        self.is_successor(o, g) || self.is_predecessor(o, g)
    }
}

/// Stability from `(old, new, households)` links, one per point or already
/// aggregated; the vector is sorted and merged in place. `old_code` names an
/// old label for the examples.
pub(crate) fn stability(
    links: &mut Vec<(u32, u32, u64)>,
    old_code: impl Fn(u32) -> String,
) -> StabilityMetrics {
    aggregate(links);
    let lin = Lineage::of(links);

    let households: u64 = links.iter().map(|l| l.2).sum();
    let mut lineage = 0u64;
    let mut successor = 0u64;
    for &(o, g, m) in links.iter() {
        if lin.is_successor(o, g) {
            successor += m;
        }
        if lin.kept(o, g) {
            lineage += m;
        }
    }
    let (mut kept, mut merged, mut split, mut dissolved) = (0, 0, 0, 0);
    let mut dissolved_examples = Vec::new();
    for (&o, side) in &lin.old {
        match side.fate {
            Fate::Kept => kept += 1,
            Fate::Merged => merged += 1,
            Fate::Split => split += 1,
            Fate::Dissolved => {
                dissolved += 1;
                if dissolved_examples.len() < super::MAX_LISTED {
                    dissolved_examples.push(old_code(o));
                }
            }
        }
    }
    let clean_grids = lin.new.values().filter(|n| n.clean()).count();
    StabilityMetrics {
        households,
        new_households: 0,
        old_grids: lin.old.len(),
        new_grids: lin.new.len(),
        lineage_kept_households: lineage,
        lineage_kept: share(lineage, households),
        households_moved: households - lineage,
        successor_households: successor,
        successor_share: share(successor, households),
        clean_grids,
        clean_share: share(clean_grids as u64, lin.new.len() as u64),
        kept,
        split,
        merged,
        dissolved,
        dissolved_examples,
        threshold: CLEAN_SHARE,
        lineage_ceiling_households: 0,
        lineage_ceiling: 0.0,
        clean_ceiling_grids: 0,
        clean_ceiling: 0.0,
    }
}

/// Sorts shares largest first, ties by code, so lists are deterministic.
fn sort_shares(v: &mut [Share]) {
    v.sort_by(|a, b| {
        b.households
            .cmp(&a.households)
            .then_with(|| a.grid.cmp(&b.grid))
    });
}

/// The transition report from `(old, new, households)` links (one per point
/// or already aggregated, in any order); `old_code` and `new_code` name the
/// labels. Classes, predecessors and successors are those of [`stability`].
pub(crate) fn transition(
    links: &[(u32, u32, u64)],
    old_code: impl Fn(u32) -> String,
    new_code: impl Fn(u32) -> String,
) -> Transition {
    let mut links = links.to_vec();
    aggregate(&mut links);
    let lin = Lineage::of(&links);
    // Each label is named once.
    let oc: BTreeMap<u32, String> = lin.old.keys().map(|&o| (o, old_code(o))).collect();
    let nc: BTreeMap<u32, String> = lin.new.keys().map(|&g| (g, new_code(g))).collect();
    let name = |map: &BTreeMap<u32, String>, i: u32| map.get(&i).cloned().unwrap_or_default();
    let mut to: BTreeMap<u32, Vec<Share>> = BTreeMap::new();
    let mut from: BTreeMap<u32, Vec<Share>> = BTreeMap::new();
    let mut moved: BTreeMap<u32, u64> = BTreeMap::new();
    let (mut households, mut kept_hh, mut successor_hh) = (0u64, 0u64, 0u64);
    for &(o, g, m) in &links {
        households += m;
        if lin.kept(o, g) {
            kept_hh += m;
        } else {
            *moved.entry(o).or_default() += m;
        }
        if lin.is_successor(o, g) {
            successor_hh += m;
        }
        to.entry(o).or_default().push(Share {
            grid: name(&nc, g),
            households: m,
        });
        from.entry(g).or_default().push(Share {
            grid: name(&oc, o),
            households: m,
        });
    }

    let mut old: Vec<OldGridFate> = lin
        .old
        .iter()
        .map(|(&o, side)| {
            let mut to = to.remove(&o).unwrap_or_default();
            sort_shares(&mut to);
            OldGridFate {
                code: name(&oc, o),
                households: side.total,
                fate: side.fate,
                successor: name(&nc, side.successor),
                moved: moved.get(&o).copied().unwrap_or(0),
                to,
            }
        })
        .collect();
    let mut new: Vec<NewGridLineage> = lin
        .new
        .iter()
        .map(|(&g, side)| {
            let mut from = from.remove(&g).unwrap_or_default();
            sort_shares(&mut from);
            NewGridLineage {
                code: name(&nc, g),
                households: side.total,
                predecessor: name(&oc, side.predecessor),
                clean: side.clean(),
                from,
                new_households: 0,
            }
        })
        .collect();
    // Stable sorts: equal codes (not expected) stay in label order.
    old.sort_by(|a, b| a.code.cmp(&b.code));
    new.sort_by(|a, b| a.code.cmp(&b.code));
    Transition {
        households,
        new_households: 0,
        households_moved: households - kept_hh,
        households_not_in_successor: households - successor_hh,
        old,
        new,
    }
}

/// The header of [`transition_csv`].
pub const TRANSITION_CSV_HEADER: [&str; 8] = [
    "old_grid",
    "new_grid",
    "households",
    "old_grid_households",
    "new_grid_households",
    "old_fate",
    "is_successor",
    "is_predecessor",
];

/// The transition as CSV (RFC 4180, written by the `csv` crate): the
/// [`TRANSITION_CSV_HEADER`] line, then one row per (old grid, new grid)
/// pair that shares household points, sorted by old code then new code.
///
/// Columns: the two codes; `households` shared by the pair; the totals of
/// the old and the new grid (so a planner can compute either share without
/// a join); `old_fate` (`kept`, `split`, `merged`, `dissolved`);
/// `is_successor` = 1 when the new grid is the old grid's successor and
/// `is_predecessor` = 1 when the old grid is the new grid's predecessor,
/// else 0 (integers rather than true/false, because shapefile attribute
/// tables and spreadsheets sum and filter them directly). A row with both
/// flags 0 is households moved; the households of all rows with
/// `is_successor` = 0 are [`Transition::households_not_in_successor`].
/// Households new since the current plan (without an old grid) follow,
/// one row per new grid that holds any: `old_grid` empty,
/// `old_grid_households` 0, `old_fate` `new` ([`NEW_FATE`]), both flags
/// 0; they are not households moved. `new_grid_households` counts the
/// new grid's households with an old grid, as everywhere in the file.
/// Every old grid and every new grid appears in at least one row, so the
/// file joins to either layer of grids by code.
#[must_use]
pub fn transition_csv(t: &Transition) -> String {
    let new_of: BTreeMap<&str, &NewGridLineage> =
        t.new.iter().map(|n| (n.code.as_str(), n)).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing into a Vec<u8> cannot fail (the sink never reports an I/O
    // error) and every field is a Rust string, so the output is UTF-8; an
    // error here would be a bug of the csv crate, not of the input.
    let result: csv::Result<()> = (|| {
        w.write_record(TRANSITION_CSV_HEADER)?;
        write_old_rows(&mut w, t, &new_of)?;
        // New households: an empty old grid and the fate "new".
        for n in t.new.iter().filter(|n| n.new_households > 0) {
            w.write_record([
                "",
                n.code.as_str(),
                &n.new_households.to_string(),
                "0",
                &n.households.to_string(),
                NEW_FATE,
                "0",
                "0",
            ])?;
        }
        w.flush()?;
        Ok(())
    })();
    debug_assert!(result.is_ok(), "{result:?}");
    let bytes = w
        .into_inner()
        .unwrap_or_else(|e| e.into_inner().get_ref().clone());
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The `old_fate` of a transition.csv row of new households.
pub const NEW_FATE: &str = "new";

/// The rows of [`transition_csv`] of every old grid.
fn write_old_rows(
    w: &mut csv::Writer<Vec<u8>>,
    t: &Transition,
    new_of: &BTreeMap<&str, &NewGridLineage>,
) -> csv::Result<()> {
    let flag = |b: bool| if b { "1" } else { "0" };
    for o in &t.old {
        let mut to: Vec<&Share> = o.to.iter().collect();
        to.sort_by(|a, b| a.grid.cmp(&b.grid));
        for s in to {
            let n = new_of.get(s.grid.as_str());
            w.write_record([
                o.code.as_str(),
                s.grid.as_str(),
                &s.households.to_string(),
                &o.households.to_string(),
                &n.map_or(0, |n| n.households).to_string(),
                o.fate.as_str(),
                flag(o.successor == s.grid),
                flag(n.is_some_and(|n| n.predecessor == o.code)),
            ])?;
        }
    }
    Ok(())
}

/// The `(old, new, households)` links of one village's points, merged per
/// (old, new) pair; a point without an old grid links from `u32::MAX`.
pub(super) fn village_links(pts: &[super::PointRec]) -> Vec<(u32, u32, u64)> {
    let mut l: Vec<(u32, u32, u64)> = pts
        .iter()
        .map(|p| {
            (
                p.old_grid.unwrap_or(u32::MAX),
                p.grid,
                u64::from(p.households),
            )
        })
        .collect();
    l.sort_unstable_by_key(|&(o, g, _)| (o, g));
    l.dedup_by(|b, a| {
        if a.0 == b.0 && a.1 == b.1 {
            a.2 += b.2;
            true
        } else {
            false
        }
    });
    l
}

/// The county's lineage judgement, link by link, for measures that sum it
/// over parts of the county (the per-village figures of
/// [`super::ceiling`]).
pub(super) struct Judged {
    /// The aggregated links, sorted by (old, new).
    links: Vec<(u32, u32, u64)>,
    /// New grids that are clean.
    clean: std::collections::BTreeSet<u32>,
    /// Per link of `links`: are its households kept in lineage?
    kept: Vec<bool>,
}

impl Judged {
    fn of(links: &[(u32, u32, u64)]) -> Self {
        let lin = Lineage::of(links);
        Judged {
            kept: links.iter().map(|&(o, g, _)| lin.kept(o, g)).collect(),
            clean: lin
                .new
                .iter()
                .filter(|(_, n)| n.clean())
                .map(|(&g, _)| g)
                .collect(),
            links: links.to_vec(),
        }
    }

    /// Are the households of link (o, g) kept?
    pub(super) fn kept(&self, o: u32, g: u32) -> bool {
        self.links
            .binary_search_by_key(&(o, g), |&(a, b, _)| (a, b))
            .is_ok_and(|i| self.kept[i])
    }

    /// Households of old grid `o` in the whole county.
    pub(super) fn old_total(&self, o: u32) -> u64 {
        let start = self.links.partition_point(|l| l.0 < o);
        self.links[start..]
            .iter()
            .take_while(|l| l.0 == o)
            .map(|l| l.2)
            .sum()
    }

    /// Is new grid `g` clean?
    pub(super) fn clean(&self, g: u32) -> bool {
        self.clean.contains(&g)
    }
}

/// Stability and the grid-by-grid transition of the whole plan, from the
/// villages' links in village order, with the judgement of every link.
/// Links from no old grid (`u32::MAX`: households new since the current
/// plan) are judged by no lineage rule; they are counted as new
/// households placed, in total and per new grid.
pub(super) fn county_stability(
    works: &[super::village::VillageWork],
    input: &super::MetricsInput,
) -> (StabilityMetrics, Transition, Judged) {
    type Links = Vec<(u32, u32, u64)>;
    let (mut links, fresh): (Links, Links) = works
        .iter()
        .flat_map(|w| w.links.iter().copied())
        .partition(|l| l.0 != u32::MAX);
    let mut s = stability(&mut links, |o| super::code_of(input.old_codes, o));
    let mut t = transition(
        &links,
        |o| super::code_of(input.old_codes, o),
        |g| super::code_of(input.grid_codes, g),
    );
    add_new_households(&mut t, &fresh, |g| super::code_of(input.grid_codes, g));
    s.new_households = t.new_households;
    (s, t, Judged::of(&links))
}

/// Adds the households new since the current plan (`fresh`: links from
/// no old grid) to the transition: their total, each new grid's count,
/// and an entry for every new grid that holds new households only.
fn add_new_households(
    t: &mut Transition,
    fresh: &[(u32, u32, u64)],
    new_code: impl Fn(u32) -> String,
) {
    let mut per_grid: BTreeMap<String, u64> = BTreeMap::new();
    for &(_, g, m) in fresh {
        *per_grid.entry(new_code(g)).or_default() += m;
    }
    t.new_households = per_grid.values().sum();
    for n in &mut t.new {
        if let Some(m) = per_grid.remove(&n.code) {
            n.new_households = m;
        }
    }
    if per_grid.is_empty() {
        return;
    }
    t.new
        .extend(per_grid.into_iter().map(|(code, m)| NewGridLineage {
            code,
            households: 0,
            predecessor: String::new(),
            clean: false,
            from: Vec::new(),
            new_households: m,
        }));
    t.new.sort_by(|a, b| a.code.cmp(&b.code));
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "the expected values are exact (sums of whole households, round shares, coordinates read back), so they are compared bit for bit"
)]
mod tests {
    use super::*;
    use crate::metrics::MetricsParams;
    use crate::metrics::test_support::{run, two_clusters, with_old};

    fn name(o: u32) -> String {
        format!("O{o}")
    }

    /// `n` households from old grid `o` to new grid `g`, one per link.
    fn links(spec: &[(u32, u32, u64)]) -> Vec<(u32, u32, u64)> {
        let mut v = Vec::new();
        for &(o, g, n) in spec {
            for _ in 0..n {
                v.push((o, g, 1));
            }
        }
        v
    }

    #[test]
    fn clean_split_and_kept() {
        // Old 0 splits into new 10 and 11; old 1 continues as new 12.
        let s = stability(&mut links(&[(0, 10, 6), (0, 11, 4), (1, 12, 5)]), name);
        assert_eq!(s.households, 15);
        assert_eq!(s.lineage_kept_households, 15);
        assert_eq!(s.lineage_kept, 1.0);
        assert_eq!(s.clean_grids, 3);
        assert_eq!((s.kept, s.split, s.merged, s.dissolved), (1, 1, 0, 0));
        // Only the larger piece of the split is old 0's successor.
        assert_eq!(s.successor_households, 6 + 5);
    }

    #[test]
    fn clean_merge_keeps_lineage_but_is_not_clean() {
        let s = stability(&mut links(&[(0, 10, 5), (1, 10, 5)]), name);
        assert_eq!(s.lineage_kept, 1.0);
        assert_eq!(s.clean_grids, 0);
        assert_eq!((s.kept, s.split, s.merged, s.dissolved), (0, 0, 2, 0));
    }

    #[test]
    fn reshuffle_loses_lineage() {
        let s = stability(
            &mut links(&[
                (0, 10, 5),
                (1, 10, 3),
                (2, 10, 2),
                (1, 11, 5),
                (2, 11, 3),
                (0, 11, 2),
                (2, 12, 5),
                (0, 12, 3),
                (1, 12, 2),
            ]),
            name,
        );
        assert_eq!(s.lineage_kept_households, 15);
        assert!((s.lineage_kept - 0.5).abs() < 1e-12);
        assert_eq!(s.clean_grids, 0);
        assert_eq!((s.kept, s.split, s.merged, s.dissolved), (0, 0, 0, 3));
        assert_eq!(s.dissolved_examples, vec!["O0", "O1", "O2"]);
    }

    #[test]
    fn ninety_percent_is_inclusive() {
        // 9 of 10 households stay, 1 leaves for a grid drawn mostly elsewhere.
        let s = stability(&mut links(&[(0, 10, 9), (0, 11, 1), (1, 11, 9)]), name);
        assert_eq!(s.kept, 2);
        assert_eq!(s.clean_grids, 2);
        // The leaver is neither in its old grid's successor nor from its new
        // grid's predecessor.
        assert_eq!(s.lineage_kept_households, 18);
    }

    fn new_name(g: u32) -> String {
        format!("N{g}")
    }

    fn trans(spec: &[(u32, u32, u64)]) -> Transition {
        transition(&links(spec), name, new_name)
    }

    fn sh(grid: &str, households: u64) -> Share {
        Share {
            grid: grid.into(),
            households,
        }
    }

    /// The transition must agree with the stability metrics of the same links.
    fn agrees(spec: &[(u32, u32, u64)]) -> (Transition, StabilityMetrics) {
        let t = trans(spec);
        let s = stability(&mut links(spec), name);
        assert_eq!(t.households, s.households);
        assert_eq!(t.households_moved, s.households_moved);
        assert_eq!(t.households_moved, s.households - s.lineage_kept_households);
        assert_eq!(
            t.households_not_in_successor,
            s.households - s.successor_households
        );
        assert_eq!((t.old.len(), t.new.len()), (s.old_grids, s.new_grids));
        let count = |f: Fate| t.old.iter().filter(|o| o.fate == f).count();
        assert_eq!(
            [Fate::Kept, Fate::Split, Fate::Merged, Fate::Dissolved].map(count),
            [s.kept, s.split, s.merged, s.dissolved]
        );
        assert_eq!(t.new.iter().filter(|n| n.clean).count(), s.clean_grids);
        assert_eq!(
            t.old.iter().map(|o| o.moved).sum::<u64>(),
            t.households_moved
        );
        (t, s)
    }

    #[test]
    fn transition_of_a_clean_split() {
        // Old 0 splits into new 10 (6) and 11 (4).
        let (t, _) = agrees(&[(0, 10, 6), (0, 11, 4)]);
        assert_eq!(t.households_moved, 0);
        // The smaller piece is not old 0's successor.
        assert_eq!(t.households_not_in_successor, 4);
        assert_eq!(
            t.old,
            vec![OldGridFate {
                code: "O0".into(),
                households: 10,
                fate: Fate::Split,
                successor: "N10".into(),
                moved: 0,
                to: vec![sh("N10", 6), sh("N11", 4)],
            }]
        );
        assert_eq!(t.new.len(), 2);
        for (n, (code, hh)) in t.new.iter().zip([("N10", 6), ("N11", 4)]) {
            assert_eq!(n.code, code);
            assert_eq!(n.households, hh);
            assert_eq!(n.predecessor, "O0");
            assert!(n.clean);
            assert_eq!(n.from, vec![sh("O0", hh)]);
        }
    }

    #[test]
    fn transition_of_a_clean_merge() {
        // Old 0 (5) and old 1 (3) merge into new 10.
        let (t, _) = agrees(&[(0, 10, 5), (1, 10, 3)]);
        assert_eq!(t.households_moved, 0);
        assert_eq!(t.households_not_in_successor, 0);
        assert_eq!(t.old.len(), 2);
        for o in &t.old {
            assert_eq!(o.fate, Fate::Merged);
            assert_eq!(o.successor, "N10");
            assert_eq!(o.to.len(), 1);
        }
        assert_eq!(t.new.len(), 1);
        assert_eq!(t.new[0].predecessor, "O0");
        assert!(!t.new[0].clean);
        // Predecessors largest first.
        assert_eq!(t.new[0].from, vec![sh("O0", 5), sh("O1", 3)]);
    }

    #[test]
    fn transition_of_a_reshuffle_counts_moved_households() {
        let spec = [
            (0, 10, 5),
            (1, 10, 3),
            (2, 10, 2),
            (1, 11, 5),
            (2, 11, 3),
            (0, 11, 2),
            (2, 12, 5),
            (0, 12, 3),
            (1, 12, 2),
        ];
        let (t, s) = agrees(&spec);
        assert_eq!(t.households, 30);
        assert_eq!(t.households_moved, 15);
        assert_eq!(s.households_moved, 15);
        // Each old grid keeps its 5 with its successor and loses 3 + 2.
        for (o, succ) in t.old.iter().zip(["N10", "N11", "N12"]) {
            assert_eq!(o.fate, Fate::Dissolved);
            assert_eq!(o.successor, succ);
            assert_eq!(o.moved, 5);
            assert_eq!(
                o.to.iter().map(|x| x.households).collect::<Vec<_>>(),
                [5, 3, 2]
            );
        }
        assert!(t.new.iter().all(|n| !n.clean));
        assert_eq!(t.households_not_in_successor, 15);
    }

    #[test]
    fn transition_csv_has_header_and_one_row_per_pair() {
        // Old 0 splits into 10 and 11, old 1 is kept as 12 but 1 household
        // leaves for 11; old 2 merges into 11, whose predecessor stays old 0.
        let spec = [(0, 10, 6), (0, 11, 4), (1, 12, 9), (1, 11, 1), (2, 11, 3)];
        let (t, _) = agrees(&spec);
        let csv = transition_csv(&t);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], TRANSITION_CSV_HEADER.join(","));
        assert_eq!(
            lines[0],
            "old_grid,new_grid,households,old_grid_households,new_grid_households,old_fate,is_successor,is_predecessor"
        );
        assert_eq!(lines.len(), 1 + spec.len());
        assert_eq!(
            &lines[1..],
            [
                "O0,N10,6,10,6,split,1,1",
                "O0,N11,4,10,8,split,0,1",
                "O1,N11,1,10,8,kept,0,0",
                "O1,N12,9,10,9,kept,1,1",
                "O2,N11,3,3,8,merged,1,0",
            ]
        );
        // Rows with both flags 0 are the households moved.
        let moved: u64 = lines[1..]
            .iter()
            .filter(|l| l.ends_with(",0,0"))
            .filter_map(|l| l.split(',').nth(2)?.parse::<u64>().ok())
            .sum();
        assert_eq!(moved, t.households_moved);
        assert_eq!(moved, 1);
        // The csv crate quotes codes that need it.
        let mut q = t.clone();
        q.old[0].code = "a,b".into();
        assert!(transition_csv(&q).contains("\"a,b\",N10,6"));
    }

    #[test]
    fn transition_is_deterministic_and_sorted_by_code() {
        let spec = [
            (3, 2, 4),
            (0, 7, 5),
            (2, 2, 4),
            (1, 7, 1),
            (0, 5, 2),
            (3, 5, 1),
        ];
        // Codes whose order differs from label order.
        let oc = |o: u32| format!("O{}", 9 - o);
        let nc = |g: u32| format!("N{}", 9 - g);
        let a = transition(&links(&spec), oc, nc);
        let mut rev = links(&spec);
        rev.reverse();
        let b = transition(&rev, oc, nc);
        assert_eq!(a, b);
        assert_eq!(transition_csv(&a), transition_csv(&b));
        let codes = |v: Vec<&String>| v.into_iter().cloned().collect::<Vec<_>>();
        assert_eq!(
            codes(a.old.iter().map(|o| &o.code).collect()),
            ["O6", "O7", "O8", "O9"]
        );
        assert_eq!(
            codes(a.new.iter().map(|n| &n.code).collect()),
            ["N2", "N4", "N7"]
        );
        // Ties in a list go to the lower code: new 2 draws 4 from each of
        // old 2 and old 3.
        let n7 = a.new.iter().find(|n| n.code == "N7");
        assert_eq!(
            n7.map(|n| n.from.clone()),
            Some(vec![sh("O6", 4), sh("O7", 4)])
        );
        // CSV rows sorted by old code, then new code.
        let rows: Vec<(String, String)> = transition_csv(&a)
            .lines()
            .skip(1)
            .map(|l| {
                let mut f = l.split(',');
                (
                    f.next().unwrap_or("").to_string(),
                    f.next().unwrap_or("").to_string(),
                )
            })
            .collect();
        let mut sorted = rows.clone();
        sorted.sort();
        assert_eq!(rows, sorted);
        assert_eq!(rows.len(), spec.len());
    }

    #[test]
    fn no_links_give_an_empty_transition() {
        let t = transition(&[], name, new_name);
        assert_eq!((t.households, t.households_moved), (0, 0));
        assert!(t.old.is_empty() && t.new.is_empty());
        assert_eq!(transition_csv(&t).lines().count(), 1);
    }

    // Stability measured through `compute`, from the points' old grids.

    #[test]
    fn stability_of_a_clean_split_and_of_a_reshuffle() {
        // One old grid split into the two clusters: everyone keeps lineage.
        let vs = with_old(two_clusters(|i| u32::from(i >= 4)), |_| 7);
        let m = run(&vs, &MetricsParams::default());
        let s = m.stability.as_ref().map(|s| {
            (
                s.lineage_kept,
                s.clean_share,
                s.split,
                s.old_grids,
                s.new_grids,
            )
        });
        assert_eq!(s, Some((1.0, 1.0, 1, 1, 2)));

        // Two old grids reshuffled 3:1 into two new ones: the minority
        // households lose their lineage.
        let vs = with_old(two_clusters(|i| u32::from(i >= 4)), |i| {
            u32::from(i % 4 == 3) ^ u32::from(i >= 4)
        });
        let m = run(&vs, &MetricsParams::default());
        let Some(s) = m.stability else {
            panic!("stability expected")
        };
        assert!((s.lineage_kept - 0.75).abs() < 1e-12, "{}", s.lineage_kept);
        assert_eq!(s.clean_grids, 0);
        assert_eq!(s.dissolved, 2);
        assert_eq!(s.dissolved_examples, vec!["OLD000", "OLD001"]);

        // No point with an old grid: no stability section.
        let mut vs = two_clusters(|i| u32::from(i >= 4));
        vs[0].points[3].old_grid = None;
        assert!(run(&vs, &MetricsParams::default()).stability.is_none());
    }

    #[test]
    fn new_households_are_placed_and_counted_apart() {
        // Issue 13: one old grid split into the two clusters; one point of
        // cluster A and the whole of cluster B are new since the plan
        // (no old grid).
        let mut vs = with_old(two_clusters(|i| u32::from(i >= 4)), |_| 7);
        vs[0].points[3].old_grid = None;
        for p in &mut vs[0].points[4..] {
            p.old_grid = None;
        }
        let m = run(&vs, &MetricsParams::default());
        let (Some(s), Some(t)) = (&m.stability, &m.transition) else {
            panic!("stability and transition expected")
        };
        // The three old households continue in G000, judged alone.
        assert_eq!((s.households, s.new_households), (3, 5));
        assert_eq!((s.lineage_kept, s.kept, s.new_grids), (1.0, 1, 1));
        assert_eq!(t.new_households, 5);
        let news: Vec<(&str, u64, u64, &str)> = t
            .new
            .iter()
            .map(|n| {
                (
                    n.code.as_str(),
                    n.households,
                    n.new_households,
                    n.predecessor.as_str(),
                )
            })
            .collect();
        assert_eq!(news, [("G000", 3, 1, "OLD007"), ("G001", 0, 4, "")]);
        let csv = transition_csv(t);
        assert_eq!(
            csv.lines().skip(1).collect::<Vec<_>>(),
            [
                "OLD007,G000,3,3,3,kept,1,1",
                ",G000,1,0,3,new,0,0",
                ",G001,4,0,0,new,0,0"
            ],
            "{csv}"
        );
    }

    #[test]
    fn transition_comes_with_stability_and_names_grids_by_code() {
        // Two old grids reshuffled 3:1 into two new ones.
        let vs = with_old(two_clusters(|i| u32::from(i >= 4)), |i| {
            u32::from(i % 4 == 3) ^ u32::from(i >= 4)
        });
        let m = run(&vs, &MetricsParams::default());
        let (Some(s), Some(t)) = (&m.stability, &m.transition) else {
            panic!("stability and transition expected")
        };
        assert_eq!(s.households_moved, 2);
        assert_eq!(t.households_moved, s.households_moved);
        let olds: Vec<(&str, &str, Fate)> = t
            .old
            .iter()
            .map(|o| (o.code.as_str(), o.successor.as_str(), o.fate))
            .collect();
        assert_eq!(
            olds,
            [
                ("OLD000", "G000", Fate::Dissolved),
                ("OLD001", "G001", Fate::Dissolved)
            ]
        );
        assert_eq!(t.new[1].code, "G001");
        assert_eq!(t.new[1].predecessor, "OLD001");
        let json = serde_json::to_value(&m).unwrap_or_default();
        assert_eq!(json["transition"]["old"][0]["fate"], "dissolved");
        assert_eq!(json["stability"]["households_moved"], 2);
        assert!(m.summary_table().contains("households moved"));

        // Without old grids the field is absent from the JSON, not null.
        let m = run(
            &two_clusters(|i| u32::from(i >= 4)),
            &MetricsParams::default(),
        );
        assert!(m.transition.is_none());
        let json = serde_json::to_value(&m).unwrap_or_default();
        assert!(json.get("transition").is_none());
        assert!(json.get("stability").is_some());
    }
}
