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
//!    number of such grids k feed [`ceiling::lineage_ceiling_fixed`] and
//!    [`ceiling::clean_ceiling`]; the bound in households is rounded down,
//!    which keeps it a bound because kept households are whole.
//! 3. **The fixed part**: dedicated grids are drawn by their premises and
//!    locked grids are kept as they were, so no plan chooses them. The
//!    households of a fixed grid's predecessor are kept. Another old grid's
//!    are kept only if the fixed grid is its successor, which constrains
//!    the rest of that old grid; the bound of step 2 weighs that choice
//!    jointly (`free_parts`). Each fixed grid counts as clean exactly when
//!    one old grid holds 90 % of it (its content is fixed, so this is
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
    // 2. The free part, with each old grid's fixed piece (step 3).
    let free = free_parts(links, judged, &fixed);
    let k = pieces.keys().filter(|&&g| !fixed(g)).count();
    let lineage = ceiling::lineage_ceiling_fixed(&free.old, &free.fixed, free.total, k, tolerance);
    let clean = ceiling::clean_ceiling(&free.old, free.total, k, tolerance);
    // 3. The fixed part.
    let fixed_households = free.outright;
    let fixed_clean = pieces
        .iter()
        .filter(|(g, p)| fixed(**g) && is_clean(p))
        .count();
    // Rounding down keeps a bound: kept households are whole.
    let free_kept = (lineage + 1e-6).floor() as u64;
    // Not clamped to what the plan achieved: a plan above its ceiling has
    // grids outside the balance the bound assumes, and should show it.
    let ceiling_households = (free_kept + fixed_households).min(households);
    let clean_ceiling_grids = clean + fixed_clean;
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

/// What the bound is computed from (steps 2-3).
struct FreeParts {
    /// Each old grid's households in free grids (those with any).
    old: Vec<f64>,
    /// Beside each, its piece in a fixed grid it does not lead that could
    /// be its successor, or 0.
    fixed: Vec<f64>,
    /// The households in free grids, with or without an old grid.
    total: f64,
    /// Households of fixed grids kept whatever the free grids do, or
    /// counted as keepable without condition.
    outright: u64,
}

/// Steps 2-3. In a fixed grid d the households of its predecessor p(d)
/// are kept whatever the plan. Those of another old grid o are kept only
/// if d is o's successor, so its piece there must be its largest: of o's
/// fixed pieces only the largest it does not lead can be, and only when no
/// piece it leads is larger. When o has no household in a free grid that
/// settles it; otherwise the piece goes to the bound as o's second choice
/// ([`ceiling::lineage_ceiling_fixed`]). An old grid crossing a village
/// border has pieces elsewhere that this village cannot see, so its fixed
/// pieces are counted as keepable, which only loosens the bound.
fn free_parts(
    links: &[(u32, u32, u64)],
    judged: &Judged,
    fixed: &impl Fn(u32) -> bool,
) -> FreeParts {
    let mut in_village: BTreeMap<u32, u64> = BTreeMap::new();
    let mut free: BTreeMap<u32, u64> = BTreeMap::new();
    let mut total = 0;
    for &(o, g, m) in links {
        *in_village.entry(o).or_insert(0) += m;
        if !fixed(g) {
            total += m;
            if o != u32::MAX {
                *free.entry(o).or_insert(0) += m;
            }
        }
    }
    let mut pred: BTreeMap<u32, (u64, u32)> = BTreeMap::new();
    for &(o, g, m) in links.iter().filter(|l| fixed(l.1)) {
        let e = pred.entry(g).or_insert((m, o));
        if m > e.0 {
            *e = (m, o);
        }
    }
    // Per old grid: its largest led piece and its largest other piece.
    let mut outright = 0;
    let mut best: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    for &(o, g, m) in links.iter().filter(|l| fixed(l.1) && l.0 != u32::MAX) {
        let led = pred.get(&g).is_some_and(|p| p.1 == o);
        let crossing = judged.old_total(o) > in_village.get(&o).copied().unwrap_or(0);
        if led || crossing {
            outright += m;
        }
        let e = best.entry(o).or_insert((0, 0));
        if led {
            e.0 = e.0.max(m);
        } else if !crossing {
            e.1 = e.1.max(m);
        }
    }
    let successor = |o: u32| best.get(&o).filter(|b| b.1 >= b.0).map_or(0, |b| b.1);
    for &o in best.keys().filter(|o| !free.contains_key(o)) {
        outright += successor(o);
    }
    FreeParts {
        old: free.values().map(|&m| m as f64).collect(),
        fixed: free.keys().map(|&o| successor(o) as f64).collect(),
        total: total as f64,
        outright,
    }
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
