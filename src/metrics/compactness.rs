//! Compactness (docs/DESIGN.md §5): how close each grid's households live
//! to one another, and how far the plan is from an unconstrained clustering.
//!
//! - **Mean distance** (every grid): the household-weighted mean distance
//!   from a point to its grid's household-weighted centroid, in metres.
//! - **SSE** (full-scope grids): the load-weighted sum of squared distances
//!   from each point to its grid's load-weighted centroid, in m².
//! - **SSE ratio**: the plan's SSE over that of the weighted k-means
//!   yardstick ([`super::kmeans`]) with the village's `k_v`, on its
//!   buildings with positive full-scope load. When `k_v` is at least that
//!   number of buildings the optimum is 0 and the ratio is undefined: the
//!   village is skipped from the ratio and counted. The county ratio is the
//!   sum of plan SSE over the villages in the ratio divided by the sum of
//!   their k-means SSE.

use super::buildings::Buildings;
use super::grids::{Acc, VillageGrids};
use super::village::VillageWork;
use super::{MetricsParams, PointRec, kmeans};
use crate::engine::rng::Rng;
use serde::Serialize;

/// Compactness over the county.
#[derive(Serialize, Clone, Debug)]
pub struct CompactnessMetrics {
    /// Household-weighted mean distance from a point to its grid's
    /// household-weighted centroid, metres.
    pub mean_distance_m: f64,
    /// Load-weighted SSE of the plan over all villages, m².
    pub sse: f64,
    /// Plan SSE over the villages in the ratio, m².
    pub sse_in_ratio: f64,
    /// k-means SSE over the villages in the ratio, m².
    pub kmeans_sse: f64,
    /// `sse_in_ratio / kmeans_sse`; None when no village qualifies.
    pub sse_ratio: Option<f64>,
    /// Villages in the ratio.
    pub villages_in_ratio: usize,
    /// Villages with grids skipped because k_v >= distinct loaded points.
    pub villages_skipped: usize,
}

/// Step 3 for one village: the plan's own compactness.
pub(super) struct PlanCompactness {
    /// Per local grid: household-weighted centroid.
    pub centroid: Vec<[f64; 2]>,
    /// Per local grid: household-weighted sum of distances to it.
    pub dist: Vec<f64>,
    /// Sum of `dist` over the village's grids.
    pub dist_sum: f64,
    /// Load-weighted SSE of the full-scope grids.
    pub sse: f64,
}

impl PlanCompactness {
    /// Household-weighted mean distance of local grid `l` to its centroid.
    pub fn mean_distance(&self, l: usize, households: u64) -> f64 {
        if households > 0 {
            self.dist[l] / households as f64
        } else {
            0.0
        }
    }
}

/// Step 3 of the module docs of [`super`]: distances for every grid, the
/// SSE for the full-scope ones (the k-means yardstick sees only their
/// points).
pub(super) fn village_plan(pts: &[PointRec], g: &VillageGrids) -> PlanCompactness {
    let centroid: Vec<[f64; 2]> = g.acc.iter().map(Acc::hh_centroid).collect();
    let lc: Vec<[f64; 2]> = g.acc.iter().map(Acc::load_centroid).collect();
    let mut dist = vec![0.0; g.len()];
    let mut sse = 0.0;
    for (p, &l) in pts.iter().zip(&g.local) {
        let (dx, dy) = (p.xy[0] - centroid[l][0], p.xy[1] - centroid[l][1]);
        dist[l] += f64::from(p.households) * dx.hypot(dy);
        if !g.dedicated[l] {
            let (dx, dy) = (p.xy[0] - lc[l][0], p.xy[1] - lc[l][1]);
            sse += p.load * (dx * dx + dy * dy);
        }
    }
    let dist_sum: f64 = dist.iter().sum();
    PlanCompactness {
        centroid,
        dist,
        dist_sum,
        sse,
    }
}

/// Step 6: the k-means SSE with `k` clusters on the buildings `b` with
/// positive full-scope load, on the village's own random stream; None when
/// the ratio is undefined (`k` is 0 or not below the number of loaded
/// buildings).
pub(super) fn kmeans_yardstick(
    code: &str,
    b: &Buildings,
    k: usize,
    params: &MetricsParams,
) -> Option<f64> {
    let (kp, kw): (Vec<[f64; 2]>, Vec<f64>) = b
        .coords
        .iter()
        .zip(&b.load)
        .filter(|(_, w)| **w > 0.0)
        .map(|(c, w)| (*c, *w))
        .unzip();
    (k >= 1 && k < kp.len()).then(|| {
        let mut rng = Rng::derive(params.seed, code);
        kmeans::best_sse(&kp, &kw, k, params.kmeans_restarts, &mut rng)
    })
}

/// A village's SSE ratio: its plan SSE over its k-means SSE (1 when the
/// k-means SSE is 0).
pub(super) fn sse_ratio(sse: f64, kmeans_sse: Option<f64>) -> Option<f64> {
    kmeans_sse.map(|km| if km > 0.0 { sse / km } else { 1.0 })
}

/// County compactness from the villages, in village order.
pub(super) fn county_compactness(works: &[VillageWork]) -> CompactnessMetrics {
    let dist: f64 = works.iter().map(|w| w.dist_sum).sum();
    let hh_w: f64 = works.iter().map(|w| w.hh_weight).sum();
    let (mut sse_in, mut km, mut in_ratio, mut skipped) = (0.0, 0.0, 0, 0);
    for m in works.iter().map(|w| &w.metrics) {
        match m.kmeans_sse {
            Some(k) => {
                sse_in += m.sse;
                km += k;
                in_ratio += 1;
            }
            None if m.k > 0 => skipped += 1,
            None => {}
        }
    }
    CompactnessMetrics {
        mean_distance_m: if hh_w > 0.0 { dist / hh_w } else { 0.0 },
        sse: works.iter().map(|w| w.metrics.sse).sum(),
        sse_in_ratio: sse_in,
        kmeans_sse: km,
        sse_ratio: if in_ratio == 0 {
            None
        } else if km > 0.0 {
            Some(sse_in / km)
        } else {
            Some(1.0)
        },
        villages_in_ratio: in_ratio,
        villages_skipped: skipped,
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::test_support::*;
    use crate::metrics::*;

    #[test]
    fn sse_ratio_is_one_at_the_kmeans_optimum_and_more_for_a_bad_split() {
        let m = run(
            &two_clusters(|i| u32::from(i >= 4)),
            &MetricsParams::default(),
        );
        let v = &m.villages[0];
        // Each square about its centre: 4 * 50 m².
        assert!((v.sse - 400.0).abs() < 1e-6, "{}", v.sse);
        let r = v.sse_ratio.unwrap_or(f64::NAN);
        assert!((r - 1.0).abs() < 1e-9, "{r}");
        assert_eq!(m.county.compactness.sse_ratio, v.sse_ratio);
        assert_eq!(m.county.compactness.villages_in_ratio, 1);
        // Every point is sqrt(50) m from its centroid.
        assert!((v.mean_distance_m - 50f64.sqrt()).abs() < 1e-9);
        assert!((m.county.compactness.mean_distance_m - 50f64.sqrt()).abs() < 1e-9);

        // Left column of each square vs right column: each grid spans both.
        let m = run(
            &two_clusters(|i| u32::from(i % 2 == 1)),
            &MetricsParams::default(),
        );
        let r = m.county.compactness.sse_ratio.unwrap_or(f64::NAN);
        assert!(r > 100.0, "{r}");
        assert!(m.villages[0].mean_distance_m > 500.0);
    }

    #[test]
    fn villages_with_too_few_buildings_are_skipped_from_the_ratio() {
        // Two grids on two buildings: k-means would be exact (SSE 0).
        let vs = vec![
            village(
                "V1",
                square(0.0, 0.0, 100.0, 100.0),
                vec![
                    pt(10.0, 10.0, 3, 0),
                    pt(10.0, 10.0, 2, 1),
                    pt(90.0, 90.0, 5, 1),
                ],
            ),
            two_clusters(|i| u32::from(i >= 4) + 2).remove(0),
        ];
        let mut vs = vs;
        vs[1].code = "V2".into();
        let m = run(&vs, &MetricsParams::default());
        assert_eq!(m.villages[0].sse_ratio, None);
        assert_eq!(m.villages[0].kmeans_sse, None);
        assert!(m.villages[0].sse > 0.0);
        let c = &m.county.compactness;
        assert_eq!((c.villages_in_ratio, c.villages_skipped), (1, 1));
        // Only V2 enters the ratio.
        assert!((c.sse_ratio.unwrap_or(f64::NAN) - 1.0).abs() < 1e-9);
        assert!((c.sse - c.sse_in_ratio - m.villages[0].sse).abs() < 1e-9);
    }
}
