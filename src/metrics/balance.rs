//! Balance (docs/DESIGN.md §5): how evenly the full-scope grids share their
//! village's load.
//!
//! Over the balanced grids of a village (full-scope, not locked; see
//! [`super::grids`]), a grid's relative load is `r = load / t_v` (1 when
//! `t_v` is 0, i.e. all loads are 0; also reported for dedicated grids, for
//! information). Then:
//! - `max_dev = max |r - 1|`;
//! - a grid is *within tolerance* when `|r - 1| <= tolerance`, inclusive,
//!   with a [`TOL_SLACK`] so that 90 vs 110 counts as ±10 % despite
//!   rounding;
//! - the coefficient of variation is the population standard deviation of
//!   `r` over its mean, per village and pooled over all grid pieces of the
//!   county;
//! - a grid is *in band* when its households lie in `band`, inclusive;
//! - a village has an *oversize building* when one building alone exceeds
//!   `t_v·(1 + tolerance)`, so no plan can be within tolerance there.
//!
//! Further measures of `--balance` are in [`super::measures`].

use super::grids::VillageGrids;
use super::measures::{self, MeasureBalance, MeasureWork};
use super::village::{GridMetrics, VillageWork};
use super::{FULL_SCOPE, MetricsParams, share};
use serde::Serialize;

/// Slack on the tolerance test, so that a deviation of exactly `tolerance`
/// passes despite floating-point rounding (110 / 100 - 1 > 0.1 in f64).
pub(super) const TOL_SLACK: f64 = 1e-9;

/// Balance over a set of grids (the full-scope ones).
#[derive(Serialize, Clone, Debug)]
pub struct BalanceMetrics {
    /// Balance of each further measure of `--balance` (empty without).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_measure: Vec<MeasureBalance>,
    /// With `--balance`: the share of grids within tolerance on the load
    /// and on every further measure at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within_all_share: Option<f64>,
    /// Grid pieces measured: the full-scope ones.
    pub grids: usize,
    /// max over grids of |load / t_v - 1|.
    pub max_dev: f64,
    /// Grids with |load / t_v - 1| <= tolerance.
    pub within_tol: usize,
    /// `within_tol` / grids.
    pub within_tol_share: f64,
    /// Coefficient of variation of load / t_v (pooled over the county).
    pub cv: f64,
    /// Grids whose household count lies in the band.
    pub in_band: usize,
    /// `in_band` / grids.
    pub in_band_share: f64,
    /// Households of the smallest grid.
    pub min_households: u64,
    /// Households of the largest grid.
    pub max_households: u64,
    /// Villages where one building alone exceeds t_v·(1 + tolerance), so no
    /// plan can be within tolerance there.
    pub villages_with_oversize_building: usize,
}

/// Step 2 for one village.
pub(super) struct VillageBalance {
    /// Per local grid: load / t_v.
    pub rel: Vec<f64>,
    /// max |r - 1| over the balanced grids.
    pub max_dev: f64,
    /// Balanced grids within tolerance.
    pub within_tol: usize,
    /// Balanced grids in the household band.
    pub in_band: usize,
    /// Coefficient of variation of r over the balanced grids.
    pub cv: f64,
    /// The further measures.
    pub measures: MeasureWork,
}

/// Population coefficient of variation of `xs` (0 for fewer than 2 values or
/// a zero mean).
pub(super) fn cv(xs: impl Iterator<Item = f64> + Clone) -> f64 {
    let (n, sum) = xs.clone().fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    if n < 2 {
        return 0.0;
    }
    let mean = sum / n as f64;
    if mean == 0.0 {
        return 0.0;
    }
    let var = xs.map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
    var.sqrt() / mean.abs()
}

/// Step 2 of the module docs of [`super`]: balance of one village's grids.
pub(super) fn village_balance(g: &VillageGrids, params: &MetricsParams) -> VillageBalance {
    let target = g.target;
    let rel: Vec<f64> = g
        .acc
        .iter()
        .map(|a| if target > 0.0 { a.load / target } else { 1.0 })
        .collect();
    let bal = &g.balanced;
    let max_dev = bal
        .iter()
        .map(|&i| (rel[i] - 1.0).abs())
        .fold(0.0, f64::max);
    let within = |i: usize| (rel[i] - 1.0).abs() <= params.tolerance + TOL_SLACK;
    let within_tol = bal.iter().filter(|&&i| within(i)).count();
    let load_ok: Vec<bool> = bal.iter().map(|&i| within(i)).collect();
    let measures = measures::village_measures(g, load_ok, &params.measures);
    let in_band = bal
        .iter()
        .filter(|&&i| {
            let h = g.acc[i].hh as f64;
            h >= params.band.0 && h <= params.band.1
        })
        .count();
    let cv = cv(bal.iter().map(|&i| rel[i]));
    VillageBalance {
        rel,
        max_dev,
        within_tol,
        in_band,
        cv,
        measures,
    }
}

/// True when the heaviest building (`max_building_load`) alone exceeds
/// `t_v·(1 + tolerance)` in a village with `k` full-scope grids.
pub(super) fn oversize_building(k: usize, max_building_load: f64, target: f64, tol: f64) -> bool {
    k > 0 && max_building_load > target * (1.0 + tol) + TOL_SLACK * target
}

/// County balance, pooled over the balanced grid pieces (full-scope, not
/// locked) of `grids`.
pub(super) fn county_balance(
    works: &[VillageWork],
    grids: &[GridMetrics],
    params: &MetricsParams,
) -> BalanceMetrics {
    let bal_grids: Vec<&GridMetrics> = grids
        .iter()
        .filter(|g| g.grid_type == FULL_SCOPE && !g.locked)
        .collect();
    let vm = || works.iter().map(|w| &w.metrics);
    let within_tol: usize = vm().map(|m| m.within_tol).sum();
    let in_band: usize = vm().map(|m| m.in_band).sum();
    let balanced: usize = works.iter().map(|w| w.balanced).sum();
    let (by_measure, within_all_share) = measures::county_measures(works, params, balanced);
    BalanceMetrics {
        within_all_share,
        by_measure,
        grids: balanced,
        max_dev: vm().map(|m| m.max_dev).fold(0.0, f64::max),
        within_tol,
        within_tol_share: share(within_tol, balanced),
        cv: cv(bal_grids.iter().map(|g| g.relative_load)),
        in_band,
        in_band_share: share(in_band, balanced),
        min_households: bal_grids.iter().map(|g| g.households).min().unwrap_or(0),
        max_households: bal_grids.iter().map(|g| g.households).max().unwrap_or(0),
        villages_with_oversize_building: vm().filter(|m| m.oversize_building).count(),
    }
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "the expected values are exact (sums of whole households, round shares, coordinates read back), so they are compared bit for bit"
)]
mod tests {
    use crate::metrics::test_support::*;
    use crate::metrics::*;

    #[test]
    fn balance_90_110_is_on_the_tolerance_boundary() {
        let vs = vec![village(
            "V1",
            square(0.0, 0.0, 100.0, 100.0),
            vec![pt(10.0, 50.0, 90, 0), pt(90.0, 50.0, 110, 1)],
        )];
        let params = MetricsParams {
            band: (100.0, 500.0),
            ..MetricsParams::default()
        };
        let m = run(&vs, &params);
        let v = &m.villages[0];
        assert_eq!(v.k, 2);
        assert_eq!(v.target, 100.0);
        assert!((v.max_dev - 0.1).abs() < 1e-12, "{}", v.max_dev);
        // Both deviations are exactly 10 %: inclusive boundary.
        assert_eq!(v.within_tol, 2);
        assert_eq!(m.county.balance.within_tol_share, 1.0);
        // Loads / t = 0.9, 1.1: population std 0.1 over mean 1.
        assert!((v.cv - 0.1).abs() < 1e-12);
        assert!((m.county.balance.cv - 0.1).abs() < 1e-12);
        // Only the 110-household grid is in the 100-500 band.
        assert_eq!(v.in_band, 1);
        assert_eq!(m.county.balance.in_band, 1);
        assert_eq!(
            (m.county.min_load, m.county.max_load, m.county.mean_load),
            (90.0, 110.0, 100.0)
        );
        assert_eq!(m.county.households, 200);
        assert_eq!(m.county.population, 600.0);

        let tight = MetricsParams {
            tolerance: 0.099,
            ..MetricsParams::default()
        };
        let m = run(&vs, &tight);
        assert_eq!(m.villages[0].within_tol, 0);
        assert_eq!(m.county.balance.within_tol_share, 0.0);
        assert_eq!(m.county.balance.in_band, 0);
    }

    #[test]
    fn dedicated_grids_leave_the_balance() {
        // Grids 0 and 1: 400 households in four buildings each, 800 m
        // apart; grid 2, dedicated: 2,000 households in the middle.
        let mut pts = Vec::new();
        for (g, base) in [(0, 100.0), (1, 900.0)] {
            for (dx, dy) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0)] {
                pts.push(pt(base + dx, base + dy, 100, g));
            }
        }
        pts.push(pt(500.0, 500.0, 1000, 2));
        pts.push(pt(520.0, 500.0, 1000, 2));
        let vs = vec![village("V1", square(0.0, 0.0, 1000.0, 1000.0), pts)];
        let m = run_micro(&vs, &[], &[false, false, true], &MetricsParams::default());
        let v = &m.villages[0];
        assert_eq!((v.k, v.dedicated_grids), (2, 1));
        assert_eq!(v.target, 400.0);
        assert_eq!(v.full_scope_load, 800.0);
        assert_eq!(v.load, 2800.0);
        assert_eq!(v.max_dev, 0.0);
        assert_eq!(v.within_tol, 2);
        assert_eq!(v.max_building_load, 100.0);
        assert!(!v.oversize_building);
        let c = &m.county;
        assert_eq!((c.grids, c.full_scope_grids, c.dedicated_grids), (3, 2, 1));
        assert_eq!(c.balance.grids, 2);
        assert_eq!(c.balance.max_dev, 0.0);
        assert_eq!(c.balance.within_tol_share, 1.0);
        assert_eq!(c.balance.in_band, 2);
        assert_eq!(c.balance.cv, 0.0);
        assert_eq!(c.balance.max_households, 400);
        assert_eq!((c.mean_load, c.max_load), (400.0, 400.0));
        assert_eq!(c.households, 2800);
        // The pieces cover all three grids.
        assert_eq!(c.contiguity.one_piece, 3);
        let types: Vec<&str> = m.grids.iter().map(|g| g.grid_type).collect();
        assert_eq!(types, vec![FULL_SCOPE, FULL_SCOPE, DEDICATED]);
        // The k-means sees only the two full-scope clusters: the plan is
        // the optimum.
        let r = v.sse_ratio.unwrap_or(f64::NAN);
        assert!((r - 1.0).abs() < 1e-9, "{r}");
        let t = m.summary_table();
        let within = t.lines().find(|l| l.starts_with("within"));
        assert!(within.is_some_and(|l| l.ends_with("100.0 % (2/2)")), "{t}");
        let ded = t.lines().find(|l| l.starts_with("dedicated grids"));
        assert!(ded.is_some_and(|l| l.ends_with(" 1")), "{t}");

        // Taken as a full-scope grid, the 2,000 households wreck the balance.
        let m = run_micro(&vs, &[], &[], &MetricsParams::default());
        assert_eq!(m.county.dedicated_grids, 0);
        assert!((m.county.balance.max_dev - (2000.0 / (2800.0 / 3.0) - 1.0)).abs() < 1e-9);
        assert!(m.micro.is_none());
    }
}
