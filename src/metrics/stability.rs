//! Stability of a plan against the current grids (DESIGN §5, "Stability").
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
//!   DESIGN §1); never above lineage kept.
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
//! The 90 % threshold is the "clean grid" threshold of DESIGN §5, reused for
//! the classes so that one number governs every lineage judgement.
//!
//! # Complexity
//! O(L log L) for L distinct (old, new) pairs, at most the number of points.

use serde::Serialize;
use std::collections::BTreeMap;

/// The clean / kept threshold as a fraction, 90 % (DESIGN §5).
pub const CLEAN_SHARE: f64 = 0.9;
const NUM: u64 = 9;
const DEN: u64 = 10;

/// Stability of a new plan against the current grids (see module docs of
/// `metrics::stability` for exact definitions).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct StabilityMetrics {
    /// Households counted (all points carry an old grid).
    pub households: u64,
    /// Distinct old grids.
    pub old_grids: usize,
    /// Distinct new grids.
    pub new_grids: usize,
    /// Households kept in lineage (predecessor or successor link).
    pub lineage_kept_households: u64,
    /// `lineage_kept_households / households`.
    pub lineage_kept: f64,
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
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

fn at_least_90(part: u64, total: u64) -> bool {
    u128::from(part) * u128::from(DEN) >= u128::from(total) * u128::from(NUM)
}

/// Stability from `(old, new, households)` links, one per point or already
/// aggregated; the vector is sorted and merged in place. `old_code` names an
/// old label for the examples.
pub(crate) fn stability(
    links: &mut Vec<(u32, u32, u64)>,
    old_code: impl Fn(u32) -> String,
) -> StabilityMetrics {
    links.sort_unstable_by_key(|&(o, g, _)| (o, g));
    links.dedup_by(|b, a| {
        if a.0 == b.0 && a.1 == b.1 {
            a.2 += b.2;
            true
        } else {
            false
        }
    });

    // Old grids: total and successor. Links are sorted by (old, new), so a
    // strict ">" leaves ties to the lowest new index.
    let mut old: BTreeMap<u32, (u64, u32, u64)> = BTreeMap::new();
    // New grids: total and predecessor, ties to the lowest old index.
    let mut new: BTreeMap<u32, (u64, u32, u64)> = BTreeMap::new();
    for &(o, g, m) in links.iter() {
        let e = old.entry(o).or_insert((0, g, 0));
        e.0 += m;
        if m > e.2 {
            e.1 = g;
            e.2 = m;
        }
        let e = new.entry(g).or_insert((0, o, 0));
        e.0 += m;
        if m > e.2 {
            e.1 = o;
            e.2 = m;
        }
    }

    let households: u64 = links.iter().map(|l| l.2).sum();
    let mut lineage = 0u64;
    let mut successor = 0u64;
    // Per old grid: (kept, merged, children, children's households).
    let mut class: BTreeMap<u32, (bool, bool, usize, u64)> = BTreeMap::new();
    for &(o, g, m) in links.iter() {
        let (tot_o, succ, _) = old[&o];
        let (tot_g, pred, _) = new[&g];
        if succ == g {
            successor += m;
        }
        if succ == g || pred == o {
            lineage += m;
        }
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
    let (mut kept, mut merged, mut split, mut dissolved) = (0, 0, 0, 0);
    let mut dissolved_examples = Vec::new();
    for (o, &(is_kept, is_merged, children, child_hh)) in &class {
        if is_kept {
            kept += 1;
        } else if is_merged {
            merged += 1;
        } else if children >= 2 && at_least_90(child_hh, old[o].0) {
            split += 1;
        } else {
            dissolved += 1;
            if dissolved_examples.len() < super::MAX_LISTED {
                dissolved_examples.push(old_code(*o));
            }
        }
    }
    let clean_grids = new
        .values()
        .filter(|&&(tot, _, pm)| at_least_90(pm, tot))
        .count();
    StabilityMetrics {
        households,
        old_grids: old.len(),
        new_grids: new.len(),
        lineage_kept_households: lineage,
        lineage_kept: share(lineage, households),
        successor_households: successor,
        successor_share: share(successor, households),
        clean_grids,
        clean_share: share(clean_grids as u64, new.len() as u64),
        kept,
        split,
        merged,
        dissolved,
        dissolved_examples,
        threshold: CLEAN_SHARE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
