//! Plan metrics (docs/DESIGN.md §5): balance, nesting, contiguity (polygon
//! pieces), compactness, stability, micro-grids, barrier crossings and split
//! compounds, computed the same way for any assignment, ours or another
//! tool's.
//!
//! The input is a list of villages, each with its polygon (metres), the
//! barrier lines that reach it, and its household points, every point
//! labelled with its new grid, optionally its old grid, its micro-grid
//! (微网格) and its residential compound (小区). Labels are indices into
//! `grid_codes` / `old_codes` / `micro_codes`. A grid label that occurs in two
//! villages is a nesting violation; every other metric treats each (village,
//! grid) pair — a *grid piece* — as a grid of that village, so a violating
//! plan is still measured rather than refused. With nesting intact (the goal),
//! pieces and grids are the same thing.
//!
//! Grids are *full-scope* or *dedicated* (专属网格, docs/DESIGN.md §2), as
//! flagged by `MetricsInput::dedicated`. A dedicated grid is sized by its premises (a
//! school, a hospital, a park), not by the village mean, so balance (`W_v`,
//! `k_v`, `t_v`, max_dev, within tolerance, CV, band) and the compactness SSE
//! ratio cover the full-scope grids only; nesting, contiguity and the mean
//! distance to the centroid cover every grid. The micro-grid metrics are
//! described in [`micro`].
//!
//! # Parameters
//! [`MetricsParams`]; the defaults are the constants of [`crate::config`].
//! - `band` (default [`crate::config::BAND`], 300-500 households): the urban
//!   norm of docs/DESIGN.md §2; a grid is "in band" when
//!   `band.0 <= households <= band.1`.
//! - `tolerance` (default [`crate::config::TOLERANCE`], 0.10): the
//!   `--tolerance` default of docs/DESIGN.md §4 and the ±10 % goal of
//!   docs/DESIGN.md §7.
//! - `seed` (default 0; the commands pass `--seed`): seeds the k-means
//!   yardstick, one stream per village via
//!   [`Rng::derive`](crate::engine::rng::Rng::derive), so results do not depend
//!   on scheduling.
//! - `kmeans_restarts` (default [`crate::config::KMEANS_RESTARTS`], 4):
//!   independent k-means++ seedings per village, best SSE kept. Four restarts
//!   make the yardstick stable to about a percent on the synthetic county at
//!   negligible cost.
//! - `micro_band` (default [`crate::config::MICRO_BAND`], 20-80 households):
//!   the micro-grid band of docs/DESIGN.md §2; its upper end is also the cap
//!   above which a building may be cut into micro-grids of its own (see
//!   [`micro`]).
//! - `measures` (default none): further measures balanced with their own
//!   tolerance (`--balance`, see `measures.rs`).
//!
//! # Algorithm
//! Villages are independent, so steps 1-6 run in parallel over villages with
//! rayon (`village.rs`) and are gathered in village order; step 7 is
//! sequential. Each step names the module that does it.
//! 1. **Grids of a village** (`grids.rs`): the distinct labels of its points;
//!    `k_v` the count of full-scope ones, `W_v` the load of their points,
//!    `t_v = W_v / k_v`. A grid's load, households and population are sums
//!    over its points in that village.
//! 2. **Balance** (full-scope grids; `balance.rs`, `measures.rs`): relative
//!    load `r = load / t_v` per grid (1 when `t_v` is 0, i.e. all loads are 0;
//!    also reported for dedicated grids, for information);
//!    `max_dev = max |r - 1|`; a grid is *within tolerance* when
//!    `|r - 1| <= tolerance` (inclusive, with a 1e-9 slack so that 90 vs 110
//!    counts as ±10 % despite rounding);
//!    the coefficient of variation is the population standard deviation of `r`
//!    over its mean (per village, and pooled over all grid pieces of the
//!    county).
//! 3. **Compactness** (`compactness.rs`): each grid's household-weighted
//!    centroid and mean distance to it (metres, household-weighted); each
//!    full-scope grid's load-weighted centroid and the load-weighted sum of
//!    squared distances (SSE).
//! 4. **Buildings** (`buildings.rs`): points with exactly equal coordinates are
//!    merged into distinct coordinates (-0.0 and 0.0 are the same), in (x, y)
//!    order. A building's load for balance and k-means is that of its
//!    full-scope points.
//! 5. **Pieces and crossings** (`contiguity.rs`, `crossings.rs`): the
//!    village's territory cells
//!    ([`Territory`](crate::engine::territory::Territory)) on its distinct
//!    coordinates, its polygon and its barrier lines, built once per village
//!    (or taken from [`MetricsInput::cells`] when the planner built them on
//!    the same buildings and lines). A grid's buildings are the coordinates
//!    holding at least one of its points (a coordinate shared by two grids
//!    belongs to both); its polygon pieces are the parts of the union of
//!    their cells, and it is *one piece*, enclave links aside, when those
//!    are no more than the parts of the territory they touch. The same for
//!    each micro-grid (see [`micro`]). A grid *crosses* a barrier when more
//!    than [`CROSSING_MIN_M`] of it lies inside the grid.
//! 6. **k-means yardstick** (`compactness.rs`, `kmeans.rs`): weighted k-means
//!    with the village's `k_v` on the distinct coordinates with positive
//!    full-scope load. When `k_v >=` that number of coordinates the optimum is
//!    0 and the ratio is undefined: the village is skipped from the ratio and
//!    counted.
//! 7. **County** (`county.rs` and each measure's module): sums and maxima in
//!    village order; the SSE ratio is the sum of plan SSE over the villages in
//!    the ratio divided by the sum of their k-means SSE. Nesting
//!    (`nesting.rs`): for each label, the villages it occurs in. Stability
//!    (only when every point has an old grid) from the (old, new, households)
//!    links, see [`stability`], and from the same links the grid-by-grid
//!    [`Transition`] report. Micro-grids (only when some point has a micro
//!    label) from the villages' micro pieces, see [`micro`]. Crossings (only
//!    when barriers are given) and compounds (only when compounds are given,
//!    `compounds.rs`) from the villages' lists.
//!
//! Listings (nesting violations, grids in pieces, hard crossings) are capped
//! at [`MAX_LISTED`] entries, in village order then label order; the counts
//! are always complete. Split compounds are all listed.
//!
//! # Complexity
//! O(n log n) per village for sorting and the territory cells (O((n + b)
//! log(n + b)) with b barrier vertices, see [`crate::engine::territory`]),
//! O(a log a) over its a cells' atoms for the pieces of grids and
//! micro-grids, O(restarts · iterations · n · k_v) for k-means. The cells
//! dominate: on the scale-1.0 synthetic county (120,000 points, 510
//! villages, ~1,500 grids, ~10,500 micro-grids) `gridplan metrics` takes
//! about 1 s on 2 cores, of which the cells about 0.9 s of CPU; `partition`
//! hands its cells on and measures in about 0.2 s (the
//! `synthetic_county_scale` test prints the time with cells built; end to
//! end in `cargo bench --bench pipeline`, see BENCHMARKS.md).
//!
//! # Errors
//! None: any assignment can be measured. Degenerate cases have documented
//! values instead: an empty village has `k = 0`, and any share over zero grids
//! is 1 (vacuously true); a label index beyond `grid_codes` is shown as
//! `#<index>`.

// One file per measure and per shared step, in alphabetical order; the
// steps are numbered as in the module docs. Every public type is
// re-exported below, so `crate::metrics::X` paths stay flat.
/// Balance of the load over the full-scope grids.
mod balance;
/// Step 4: the buildings (distinct coordinates) of a village.
mod buildings;
/// Compactness: distances, SSE, and the k-means yardstick.
mod compactness;
/// Residential compounds split between grids.
mod compounds;
/// Grids in one piece on the village territory.
mod contiguity;
/// Step 7: the county totals.
mod county;
/// Barrier crossings of the grids.
mod crossings;
/// Step 1: the grids of a village and their sums.
mod grids;
/// The input and the parameters.
mod input;
/// The weighted k-means of the compactness yardstick.
mod kmeans;
/// Balance of the further measures of `--balance`.
mod measures;
// Micro-grids: sizes, per grid, split buildings, nesting, contiguity.
pub mod micro;
/// Nesting of grids in villages.
mod nesting;
// Stability against the current grids, and the transition report.
pub mod ceiling;
pub mod stability;
/// The summary table for stdout.
mod summary;
#[cfg(test)]
mod test_support;
/// Steps 1-6 for one village.
mod village;

use rayon::prelude::*;
use serde::Serialize;

pub use balance::BalanceMetrics;
pub use compactness::CompactnessMetrics;
pub use compounds::CompoundMetrics;
pub use contiguity::{ContiguityMetrics, GridInPieces};
pub use county::CountyMetrics;
pub use crossings::{CROSSING_MIN_M, Crossing, CrossingMetrics};
pub use input::{MetricsInput, MetricsParams, PointRec, PrebuiltCells, VillageInput};
pub use measures::MeasureBalance;
pub use micro::{
    MicroContiguity, MicroInPieces, MicroMetrics, MicroNesting, MicroNestingViolation,
    MicroPerGrid, MicroSizes, SplitBuilding,
};
pub use nesting::{NestingMetrics, NestingViolation};
pub use stability::{
    CLEAN_SHARE, Fate, NewGridLineage, OldGridFate, Share, StabilityMetrics, TRANSITION_CSV_HEADER,
    Transition, transition_csv,
};
pub use village::{GridMetrics, VillageMetrics};

use village::VillageWork;

/// `grid_type` of a full-scope grid (docs/DESIGN.md §4, grids.geojson).
pub const FULL_SCOPE: &str = "full_scope";
/// `grid_type` of a dedicated grid (专属网格).
pub const DEDICATED: &str = "dedicated";

/// The longest listing of offending grids kept in the output.
pub const MAX_LISTED: usize = 20;

/// All metrics of one assignment.
#[derive(Serialize, Clone, Debug)]
pub struct Metrics {
    /// The parameters used.
    pub params: MetricsParams,
    /// County totals and pooled metrics.
    pub county: CountyMetrics,
    /// Per-village metrics, in input (code) order.
    pub villages: Vec<VillageMetrics>,
    /// Per-grid-piece metrics, in village order then label order.
    pub grids: Vec<GridMetrics>,
    /// Stability against the old grids, when every point has one.
    pub stability: Option<StabilityMetrics>,
    /// Grid-by-grid transition from the old grids, whenever `stability` is
    /// present (same judgement, see [`stability`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
    /// Micro-grid metrics, when any point has a micro label.
    pub micro: Option<MicroMetrics>,
}

/// The code of label `i`, or `#<i>` when `codes` has none.
fn code_of(codes: &[String], i: u32) -> String {
    codes
        .get(i as usize)
        .cloned()
        .unwrap_or_else(|| format!("#{i}"))
}

/// `a / b`, and 1 over zero grids (vacuously true).
fn share(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Computes every metric of docs/DESIGN.md §5 for one assignment (see module docs).
///
/// The result depends only on `input` and `params`, not on the number of
/// rayon threads.
#[must_use]
pub fn compute(input: &MetricsInput, params: &MetricsParams) -> Metrics {
    let with_old = input.with_old();
    let with_micro = input.with_micro();
    // Steps 1-6, village by village in parallel, gathered in village order.
    let works: Vec<VillageWork> = input
        .villages
        .par_iter()
        .enumerate()
        .map(|(vi, v)| village::village_work(vi, v, input, params, with_old, with_micro))
        .collect();
    // 7. The county, measure by measure.
    let grids: Vec<GridMetrics> = works.iter().flat_map(|w| w.grids.iter().cloned()).collect();
    let balance = balance::county_balance(&works, &grids, params);
    let plan = nesting::county_nesting(&works, input);
    let contiguity = contiguity::county_contiguity(&works, &grids);
    let compactness = compactness::county_compactness(&works);
    let crossings = input
        .with_barriers()
        .then(|| crossings::county_crossings(&works, &grids, input));
    let compounds = input
        .with_compounds()
        .then(|| compounds::county_compounds(&works, input));
    let (stability, transition, lineage) = if with_old {
        let (mut s, t, judged) = stability::county_stability(&works, input);
        let lineage: Vec<_> = works
            .iter()
            .map(|w| ceiling::village_lineage(&w.links, &judged, input, params.tolerance))
            .collect();
        ceiling::fill_county(&mut s, &lineage);
        (Some(s), Some(t), lineage)
    } else {
        (None, None, Vec::new())
    };
    let micro = with_micro
        .then(|| micro::county_micro(works.iter().map(|w| &w.micro), input, &plan.labels, params));
    let county = county::county_metrics(
        &works,
        &grids,
        county::Measures {
            balance,
            plan,
            contiguity,
            compactness,
            crossings,
            compounds,
        },
    );
    Metrics {
        params: params.clone(),
        county,
        villages: works
            .into_iter()
            .zip(lineage.into_iter().map(Some).chain(std::iter::repeat(None)))
            .map(|(w, l)| VillageMetrics {
                lineage: l,
                ..w.metrics
            })
            .collect(),
        grids,
        stability,
        transition,
        micro,
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::test_support::*;
    use crate::metrics::*;

    #[test]
    fn output_is_deterministic_and_thread_count_free() {
        let (vs, gc) = synth(40, 200, 11);
        let input = MetricsInput {
            villages: &vs,
            grid_codes: &gc,
            old_codes: &gc,
            micro_codes: &[],
            micro_parent: &[],
            dedicated: &[],
            locked: &[],
            barriers: &[],
            compounds: &[],
            cells: &[],
        };
        let p = MetricsParams::default();
        let a = json(&compute(&input, &p));
        assert!(a.len() > 1000);
        assert_eq!(a, json(&compute(&input, &p)));
        let pool = |t| rayon::ThreadPoolBuilder::new().num_threads(t).build();
        let (Ok(p1), Ok(p2)) = (pool(1), pool(2)) else {
            panic!("thread pools")
        };
        assert_eq!(a, p1.install(|| json(&compute(&input, &p))));
        assert_eq!(a, p2.install(|| json(&compute(&input, &p))));
        // A different seed may change only the k-means yardstick.
        let b = compute(
            &input,
            &MetricsParams {
                seed: 5,
                ..p.clone()
            },
        );
        assert_eq!(b.county.households, compute(&input, &p).county.households);
    }

    #[test]
    fn micro_output_is_deterministic_and_thread_count_free() {
        let (mut vs, gc) = synth(40, 200, 12);
        let (mc, parent) = add_micro(&mut vs);
        let dedicated: Vec<bool> = (0..gc.len()).map(|g| g % 7 == 3).collect();
        let input = MetricsInput {
            villages: &vs,
            grid_codes: &gc,
            old_codes: &gc,
            micro_codes: &mc,
            micro_parent: &parent,
            dedicated: &dedicated,
            locked: &[],
            barriers: &[],
            compounds: &[],
            cells: &[],
        };
        let p = MetricsParams::default();
        let m = compute(&input, &p);
        let Some(micro) = &m.micro else {
            panic!("micro metrics expected")
        };
        assert_eq!(micro.count, mc.len());
        assert_eq!(micro.nesting.violations, 0);
        assert!(micro.dedicated > 0 && micro.full_scope > micro.dedicated);
        assert!(m.county.dedicated_grids > 0);
        let a = json(&m);
        assert!(a.contains("\"micro\":{"));
        let pool = |t| rayon::ThreadPoolBuilder::new().num_threads(t).build();
        let (Ok(p1), Ok(p2)) = (pool(1), pool(2)) else {
            panic!("thread pools")
        };
        assert_eq!(a, p1.install(|| json(&compute(&input, &p))));
        assert_eq!(a, p2.install(|| json(&compute(&input, &p))));
    }

    #[test]
    fn synthetic_county_scale() {
        // The full-scale county of docs/DESIGN.md §7: ~120,000 points, 510 villages.
        // With ~10,800 micro-grids of ~50 households, as the two-level plan.
        let (mut vs, gc) = synth(510, 235, 1);
        let (mc, parent) = add_micro(&mut vs);
        let input = MetricsInput {
            villages: &vs,
            grid_codes: &gc,
            old_codes: &gc,
            micro_codes: &mc,
            micro_parent: &parent,
            dedicated: &[],
            locked: &[],
            barriers: &[],
            compounds: &[],
            cells: &[],
        };
        let t = std::time::Instant::now();
        let m = compute(&input, &MetricsParams::default());
        let dt = t.elapsed();
        eprintln!(
            "metrics of {} points, {} villages, {} grids, {} micro-grids in {:.3} s on {} threads\n{}",
            m.county.points,
            m.county.villages,
            m.county.grids,
            mc.len(),
            dt.as_secs_f64(),
            rayon::current_num_threads(),
            m.summary_table()
        );
        assert!((110_000..130_000).contains(&m.county.points));
        assert!((1_300..1_800).contains(&m.county.grids));
        assert_eq!(m.county.nesting.violations, 0);
        assert!(m.stability.is_some());
        let micro = m.micro.as_ref().map(|x| (x.count, x.nesting.violations));
        assert_eq!(micro, Some((mc.len(), 0)));
        assert!((9_000..13_000).contains(&mc.len()));
        // x-strips of uniform points are compact-ish, and far from optimal.
        let r = m.county.compactness.sse_ratio.unwrap_or(0.0);
        assert!(r > 1.0 && r < 3.0, "{r}");
        // Generous bound for a shared 2-core machine; the goal is < 1 s.
    }
}
