//! The re-allocation ceiling beside what the plan achieved, for the county
//! and for each village (docs/DESIGN.md §5, "Ceiling").
//!
//! A planner facing a town meeting needs two numbers: how many households
//! move, and whether any plan could move fewer. [`super::stability`] gives
//! the first; this module the second, from the relaxations of
//! [`crate::engine::ceiling`].
//!
//! # Algorithm
//! For each village, from its (old grid, new grid, households) links:
//! 1. **Achieved**: the households whose link the county's lineage
//!    judgement keeps, and the village's clean grids. The judgement is the
//!    county's, so an old grid that crosses a village border is judged once,
//!    as in the county figures.
//! 2. **The free part**: households in full-scope grids that are not
//!    locked. Their old grids' parts in the village, their total and the
//!    number of such grids k feed [`ceiling::lineage_ceiling`] and
//!    [`ceiling::clean_ceiling`]; the bound in households is rounded down,
//!    which keeps it a bound because kept households are whole.
//! 3. **The fixed part**: dedicated grids are drawn by their premises and
//!    locked grids are kept as they were, so no plan chooses them. The
//!    households of a fixed grid's predecessor are kept; another old grid's
//!    are counted as keepable unless it provably cannot have the fixed grid
//!    as its successor (its other households would not fit in pieces no
//!    larger, see `fixed_keepable`). Each such grid counts as clean exactly
//!    when one old grid holds 90 % of it (its content is fixed, so this is
//!    exact).
//!
//! The county ceiling is the sum over villages. Summing is valid: an old
//! grid split by a village border is treated as one separate grid per
//! village, which can only keep more.
//!
//! The ceiling is computed in households while grids are balanced on the
//! primary measure; with the default households-only workload the two
//! agree and the ceiling is a proven bound, otherwise it is an estimate.
//!
//! # Complexity
//! O(L log L) per village for L links, plus the engine's O(B·n·k²).
//!
//! # Errors
//! None.

use std::collections::BTreeMap;

use serde::Serialize;

use super::MetricsInput;
use super::stability::{Judged, StabilityMetrics};
use crate::engine::ceiling;

/// Lineage of one village: what the plan kept beside the ceiling.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct VillageLineage {
    /// Households with a current grid.
    pub households: u64,
    /// Households the plan kept in lineage.
    pub lineage_kept_households: u64,
    /// `lineage_kept_households / households`.
    pub lineage_kept: f64,
    /// The most households any plan with these grid counts and this
    /// balance could keep.
    pub lineage_ceiling_households: u64,
    /// `lineage_ceiling_households / households`.
    pub lineage_ceiling: f64,
    /// New grids (full-scope and dedicated).
    pub grids: usize,
    /// New grids drawing 90 % from one old grid.
    pub clean_grids: usize,
    /// The most grids any such plan could have clean.
    pub clean_ceiling_grids: usize,
    /// `clean_ceiling_grids / grids`.
    pub clean_ceiling: f64,
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Steps 1-3 for one village's aggregated `links`.
pub(super) fn village_lineage(
    links: &[(u32, u32, u64)],
    judged: &Judged,
    input: &MetricsInput,
    tolerance: f64,
) -> VillageLineage {
    let flag = |v: &[bool], g: u32| v.get(g as usize).copied().unwrap_or(false);
    let fixed = |g: u32| flag(input.dedicated, g) || flag(input.locked, g);
    // 1. Achieved, and each grid's pieces.
    let mut households = 0;
    let mut kept = 0;
    let mut pieces: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for &(o, g, m) in links {
        households += m;
        if judged.kept(o, g) {
            kept += m;
        }
        pieces.entry(g).or_default().push(m);
    }
    let clean_grids = pieces.keys().filter(|&&g| judged.clean(g)).count();
    // 2. The free part.
    let mut old: BTreeMap<u32, f64> = BTreeMap::new();
    let mut free_total = 0.0;
    for &(o, _, m) in links.iter().filter(|l| !fixed(l.1)) {
        free_total += m as f64;
        if o != u32::MAX {
            *old.entry(o).or_insert(0.0) += m as f64;
        }
    }
    let old: Vec<f64> = old.into_values().collect();
    let k = pieces.keys().filter(|&&g| !fixed(g)).count();
    let bound = ceiling::ceiling(&old, free_total, k, tolerance);
    // 3. The fixed part.
    let fixed_households = fixed_keepable(links, judged, &fixed, pieces.len());
    let fixed_clean = pieces
        .iter()
        .filter(|(g, p)| fixed(**g) && is_clean(p))
        .count();
    // Rounding down keeps a bound: kept households are whole.
    let free_kept = (bound.kept + 1e-6).floor() as u64;
    // Not clamped to what the plan achieved: a plan above its ceiling has
    // grids outside the balance the bound assumes, and should show it.
    let ceiling_households = (free_kept + fixed_households).min(households);
    let clean_ceiling_grids = bound.clean + fixed_clean;
    VillageLineage {
        households,
        lineage_kept_households: kept,
        lineage_kept: share(kept, households),
        lineage_ceiling_households: ceiling_households,
        lineage_ceiling: share(ceiling_households, households),
        grids: pieces.len(),
        clean_grids,
        clean_ceiling_grids,
        clean_ceiling: share(clean_ceiling_grids as u64, pieces.len() as u64),
    }
}

/// Step 3: the households of fixed grids that some plan could keep. In a
/// fixed grid d the households of its predecessor p(d) are kept whatever
/// the plan. Those of another old grid o are kept only if d is o's
/// successor: every other piece of o must then be at most its piece in d.
/// When o lies wholly in this village its other households fall into at
/// most `grids` − 1 other grids, so that needs
/// (o's households − piece) ≤ piece·(`grids` − 1); when o crosses a village
/// border they are counted as keepable.
fn fixed_keepable(
    links: &[(u32, u32, u64)],
    judged: &Judged,
    fixed: &impl Fn(u32) -> bool,
    grids: usize,
) -> u64 {
    let mut in_village: BTreeMap<u32, u64> = BTreeMap::new();
    for &(o, _, m) in links {
        *in_village.entry(o).or_insert(0) += m;
    }
    let mut pred: BTreeMap<u32, (u64, u32)> = BTreeMap::new();
    for &(o, g, m) in links.iter().filter(|l| fixed(l.1)) {
        let e = pred.entry(g).or_insert((m, o));
        if m > e.0 {
            *e = (m, o);
        }
    }
    let others = (grids.saturating_sub(1)) as u64;
    links
        .iter()
        .filter(|l| fixed(l.1))
        .filter(|&&(o, g, m)| {
            let total = in_village.get(&o).copied().unwrap_or(0);
            pred.get(&g).is_some_and(|p| p.1 == o)
                || judged.old_total(o) > total
                || total - m <= m.saturating_mul(others)
        })
        .map(|l| l.2)
        .sum()
}

/// Does one old grid hold 90 % of a grid made of these pieces?
fn is_clean(pieces: &[u64]) -> bool {
    let total: u64 = pieces.iter().sum();
    let most = pieces.iter().copied().max().unwrap_or(0);
    10 * u128::from(most) >= 9 * u128::from(total)
}

/// The county's ceilings: the sums over villages.
pub(super) fn fill_county(s: &mut StabilityMetrics, villages: &[VillageLineage]) {
    let kept: u64 = villages.iter().map(|v| v.lineage_ceiling_households).sum();
    let clean: usize = villages.iter().map(|v| v.clean_ceiling_grids).sum();
    s.lineage_ceiling_households = kept.min(s.households);
    s.lineage_ceiling = share(s.lineage_ceiling_households, s.households);
    s.clean_ceiling_grids = clean.min(s.new_grids);
    s.clean_ceiling = share(s.clean_ceiling_grids as u64, s.new_grids as u64);
}
