//! Balance of further measures (`--balance`, docs/DESIGN.md §5): besides the
//! load, each further measure (households, population) is balanced with its
//! own tolerance, every balanced grid against its village mean of that
//! measure.
//!
//! A grid is *within on every measure* when it is within tolerance on the
//! load and on each further measure at once.

use super::balance::TOL_SLACK;
use super::grids::VillageGrids;
use super::village::VillageWork;
use super::{MetricsParams, share};
use crate::input::workload::MeasureKind;
use serde::Serialize;

/// Balance of one further measure (population, say) over the full-scope
/// grids, each against its village mean of that measure.
#[derive(Serialize, Clone, Debug)]
pub struct MeasureBalance {
    /// The measure.
    pub measure: MeasureKind,
    /// Its tolerance.
    pub tolerance: f64,
    /// max |value / village mean − 1|.
    pub max_dev: f64,
    /// Grids within ±tolerance.
    pub within_tol: usize,
    /// `within_tol` over the grids balanced.
    pub within_tol_share: f64,
}

/// The further measures of one village.
pub(super) struct MeasureWork {
    /// Per further measure: (grids within tolerance, max deviation).
    pub within: Vec<(usize, f64)>,
    /// Grids within tolerance on the load and every further measure.
    pub all_within: usize,
}

/// Balances each of `measures` over the balanced grids of `g`. `load_ok`
/// says, per balanced grid, whether its load is within tolerance.
pub(super) fn village_measures(
    g: &VillageGrids,
    mut load_ok: Vec<bool>,
    measures: &[(MeasureKind, f64)],
) -> MeasureWork {
    let bal = &g.balanced;
    let within = measures
        .iter()
        .map(|&(kind, tol)| {
            let value = |i: usize| match kind {
                MeasureKind::Load => g.acc[i].load,
                MeasureKind::Households => g.acc[i].hh as f64,
                MeasureKind::Population => g.acc[i].pop,
            };
            let mean = if bal.is_empty() {
                0.0
            } else {
                bal.iter().map(|&i| value(i)).sum::<f64>() / bal.len() as f64
            };
            let dev = |i: usize| {
                if mean > 0.0 {
                    (value(i) / mean - 1.0).abs()
                } else {
                    0.0
                }
            };
            let mut count = 0;
            for (j, &i) in bal.iter().enumerate() {
                if dev(i) <= tol + TOL_SLACK {
                    count += 1;
                } else {
                    load_ok[j] = false;
                }
            }
            (count, bal.iter().map(|&i| dev(i)).fold(0.0, f64::max))
        })
        .collect();
    MeasureWork {
        within,
        all_within: load_ok.iter().filter(|&&b| b).count(),
    }
}

/// County figures of the further measures over `balanced` grid pieces:
/// each measure's balance, and the share within on every measure (None
/// without further measures).
pub(super) fn county_measures(
    works: &[VillageWork],
    params: &MetricsParams,
    balanced: usize,
) -> (Vec<MeasureBalance>, Option<f64>) {
    let by_measure = params
        .measures
        .iter()
        .enumerate()
        .map(|(i, &(measure, tolerance))| {
            let within: usize = works.iter().map(|w| w.measures.within[i].0).sum();
            MeasureBalance {
                measure,
                tolerance,
                max_dev: works
                    .iter()
                    .map(|w| w.measures.within[i].1)
                    .fold(0.0, f64::max),
                within_tol: within,
                within_tol_share: share(within, balanced),
            }
        })
        .collect();
    let within_all_share = (!params.measures.is_empty())
        .then(|| share(works.iter().map(|w| w.measures.all_within).sum(), balanced));
    (by_measure, within_all_share)
}
