//! Steps 1-6 of the metrics for one village, and the per-village and
//! per-grid figures they give.
//!
//! Villages are independent, so [`super::compute`] runs [`village_work`]
//! in parallel and gathers the [`VillageWork`] in village order.

use super::balance::{self, VillageBalance};
use super::buildings::Buildings;
use super::compactness::{self, PlanCompactness};
use super::compounds::{self, CompoundPiece};
use super::contiguity::{self, Pieces};
use super::crossings::{self, VillageCrossings};
use super::grids::VillageGrids;
use super::measures::MeasureWork;
use super::{
    DEDICATED, FULL_SCOPE, MetricsInput, MetricsParams, VillageInput, code_of, micro, share,
    stability,
};
use crate::engine::territory::Territory;
use serde::Serialize;

/// Metrics of one village.
#[derive(Serialize, Clone, Debug)]
pub struct VillageMetrics {
    /// Village code.
    pub code: String,
    /// Town code.
    pub town_code: String,
    /// Household points.
    pub points: usize,
    /// Distinct coordinates (buildings).
    pub buildings: usize,
    /// Full-scope grids (distinct labels), k_v.
    pub k: usize,
    /// Dedicated grids (distinct labels).
    pub dedicated_grids: usize,
    /// Distinct micro-grid labels among the village's points.
    pub micro_grids: usize,
    /// Households.
    pub households: u64,
    /// Population.
    pub population: f64,
    /// Load of all the village's points (full-scope and dedicated grids).
    pub load: f64,
    /// Load W_v of the full-scope grids' points.
    pub full_scope_load: f64,
    /// Mean load per full-scope grid t_v = W_v / k_v (0 without grids).
    pub target: f64,
    /// max over grids of |load / t_v - 1|.
    pub max_dev: f64,
    /// Grids within tolerance.
    pub within_tol: usize,
    /// `within_tol / k`.
    pub within_tol_share: f64,
    /// Coefficient of variation of the grid loads.
    pub cv: f64,
    /// Grids whose household count lies in the band.
    pub in_band: usize,
    /// Load of the heaviest building.
    pub max_building_load: f64,
    /// True when the heaviest building alone exceeds t_v·(1 + tolerance).
    pub oversize_building: bool,
    /// Grids whose polygon is one piece, enclave links aside.
    pub one_piece: usize,
    /// Load-weighted SSE of the plan, m².
    pub sse: f64,
    /// k-means SSE with k_v clusters; None when skipped.
    pub kmeans_sse: Option<f64>,
    /// `sse / kmeans_sse`; None when skipped.
    pub sse_ratio: Option<f64>,
    /// Household-weighted mean distance to the grid centroid, metres.
    pub mean_distance_m: f64,
    /// Lineage kept beside its ceiling, when re-allocating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lineage: Option<super::ceiling::VillageLineage>,
    /// The full-scope grid count that `--target` (or `--grids`) alone
    /// would give, when the plan chose another with the ceiling in view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k_by_target: Option<usize>,
}

/// Metrics of one grid piece.
#[derive(Serialize, Clone, Debug)]
pub struct GridMetrics {
    /// Grid code.
    pub code: String,
    /// Village code.
    pub village: String,
    /// "full_scope" or "dedicated" ([`FULL_SCOPE`], [`DEDICATED`]).
    pub grid_type: &'static str,
    /// Household points.
    pub points: usize,
    /// Distinct micro-grid labels among its points.
    pub micro_grids: usize,
    /// Households.
    pub households: u64,
    /// Population.
    pub population: f64,
    /// Load.
    pub load: f64,
    /// load / t_v (also given for a dedicated grid, for information; it
    /// does not enter the balance).
    pub relative_load: f64,
    /// Polygon pieces: parts of the union of its buildings' territory
    /// cells (0 when none of them has land).
    pub pieces: usize,
    /// Parts of the village territory its cells touch; the grid is one
    /// piece, enclave links aside, when `pieces <= parts`.
    pub parts: usize,
    /// Hard barriers with more than
    /// [`CROSSING_MIN_M`](super::CROSSING_MIN_M) inside the grid.
    pub hard_crossings: usize,
    /// Soft barriers likewise.
    pub soft_crossings: usize,
    /// Household-weighted centroid, local metres.
    pub centroid: [f64; 2],
    /// Household-weighted mean distance to the centroid, metres.
    pub mean_distance_m: f64,
    /// Locked by decision and left out of the balance figures.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub locked: bool,
}

/// What one village contributes to the county figures.
pub(super) struct VillageWork {
    pub metrics: VillageMetrics,
    /// The further measures of `--balance`.
    pub measures: MeasureWork,
    /// Grids in the balance figures (full-scope, not locked).
    pub balanced: usize,
    /// Its grid pieces, in label order.
    pub grids: Vec<GridMetrics>,
    /// Its distinct grid labels, sorted.
    pub labels: Vec<u32>,
    /// Household-weighted sum of distances to the grid centroids.
    pub dist_sum: f64,
    /// Households, as the weight of `dist_sum`.
    pub hh_weight: f64,
    /// (old grid, new grid, households) links, when measuring stability.
    pub links: Vec<(u32, u32, u64)>,
    /// Its micro-grid pieces.
    pub micro: micro::VillageMicro,
    /// Enclave links of its territory.
    pub enclave_links: usize,
    /// Its territory could not be built.
    pub unmeasured: bool,
    /// Its barrier crossings.
    pub crossings: VillageCrossings,
    /// Its compound pieces, in compound order.
    pub compounds: Vec<CompoundPiece>,
}

/// What step 5 finds on the village territory.
struct Contiguity {
    /// Per local grid: its pieces.
    pieces: Vec<Pieces>,
    /// Micro-grids measured on the territory.
    micro: micro::VillageMicro,
    /// Per local grid: barrier crossings.
    crossings: VillageCrossings,
    /// Enclave links of the territory.
    enclave_links: usize,
    /// The territory could not be built.
    unmeasured: bool,
}

/// The results of steps 1-6 for one village.
struct Steps {
    grids: VillageGrids,
    balance: VillageBalance,
    plan: PlanCompactness,
    buildings: Buildings,
    contiguity: Contiguity,
    kmeans_sse: Option<f64>,
}

/// Steps 1-6 of the module docs of [`super`] for village `vi`.
pub(super) fn village_work(
    vi: usize,
    v: &VillageInput,
    input: &MetricsInput,
    params: &MetricsParams,
    with_old: bool,
    with_micro: bool,
) -> VillageWork {
    let pts = &v.points;
    // 1. Grids of the village and their sums.
    let grids = VillageGrids::of(pts, input);
    // 2. Balance, over the full-scope grids.
    let balance = balance::village_balance(&grids, params);
    // 3. Compactness of the plan.
    let plan = compactness::village_plan(pts, &grids);
    // 4. Buildings.
    let buildings = Buildings::of(pts, &grids);
    // 5. Pieces of every grid and micro-grid, and barrier crossings, on
    //    the village territory.
    let prebuilt = input
        .cells
        .get(vi)
        .copied()
        .flatten()
        .filter(|c| c.sites == buildings.coords.as_slice() && c.lines == v.lines.as_slice());
    let contiguity = contiguity_step(
        vi,
        v,
        (&grids, &buildings),
        prebuilt.map(|c| c.territory),
        params,
        with_micro,
    );
    // 6. The k-means yardstick on buildings with full-scope load.
    let kmeans_sse = compactness::kmeans_yardstick(&v.code, &buildings, grids.k(), params);
    let steps = Steps {
        grids,
        balance,
        plan,
        buildings,
        contiguity,
        kmeans_sse,
    };
    let links = if with_old {
        stability::village_links(pts)
    } else {
        Vec::new()
    };
    let grid_metrics = grid_metrics(v, input, &steps);
    let compounds = compounds::village_compounds(pts, &steps.grids, params);
    let metrics = village_metrics(v, &steps, params);
    let Steps {
        grids,
        balance,
        plan,
        contiguity,
        ..
    } = steps;
    VillageWork {
        metrics,
        measures: balance.measures,
        balanced: grids.balanced.len(),
        grids: grid_metrics,
        hh_weight: grids.households() as f64,
        labels: grids.labels,
        dist_sum: plan.dist_sum,
        links,
        micro: contiguity.micro,
        enclave_links: contiguity.enclave_links,
        unmeasured: contiguity.unmeasured,
        crossings: contiguity.crossings,
        compounds,
    }
}

/// Step 5: the village territory (`prebuilt`, or built here once); the
/// pieces of every grid, of the micro-grids (see [`micro`]), and the
/// barrier crossings on it.
fn contiguity_step(
    vi: usize,
    v: &VillageInput,
    (g, b): (&VillageGrids, &Buildings),
    prebuilt: Option<&Territory>,
    params: &MetricsParams,
    with_micro: bool,
) -> Contiguity {
    // A village without buildings has no grids to measure.
    let built = (prebuilt.is_none() && !b.coords.is_empty())
        .then(|| Territory::build(&v.code, &b.coords, &v.polygon, &v.lines));
    let unmeasured = matches!(built, Some(Err(_)));
    let built = built.and_then(Result::ok);
    let land = prebuilt.or(built.as_ref());
    let pieces = contiguity::village_pieces(g, b, land);
    let crossings = if v.lines.is_empty() {
        VillageCrossings {
            per_grid: vec![(0, 0); g.len()],
            hard: Vec::new(),
        }
    } else {
        crossings::village_crossings(&v.points, g, b, land)
    };
    let micro = if with_micro {
        let hh: Vec<u32> = v.points.iter().map(|p| p.households).collect();
        let mic: Vec<Option<u32>> = v.points.iter().map(|p| p.micro).collect();
        micro::village_micro(
            &micro::VillageView {
                village: vi as u32,
                households: &hh,
                micro: &mic,
                local: &g.local,
                labels: &g.labels,
                node: &b.node,
                coords: &b.coords,
                order: &b.order,
            },
            land,
            params.micro_band.1,
        )
    } else {
        micro::VillageMicro {
            per_grid: vec![0; g.len()],
            ..micro::VillageMicro::default()
        }
    };
    Contiguity {
        pieces,
        micro,
        crossings,
        enclave_links: land.map_or(0, |t| t.links().0),
        unmeasured,
    }
}

/// The village's grid pieces, in label order.
fn grid_metrics(v: &VillageInput, input: &MetricsInput, s: &Steps) -> Vec<GridMetrics> {
    let g = &s.grids;
    (0..g.len())
        .map(|l| {
            let a = &g.acc[l];
            GridMetrics {
                code: code_of(input.grid_codes, g.labels[l]),
                village: v.code.clone(),
                grid_type: if g.dedicated[l] {
                    DEDICATED
                } else {
                    FULL_SCOPE
                },
                points: a.points,
                micro_grids: s.contiguity.micro.per_grid[l],
                households: a.hh,
                population: a.pop,
                load: a.load,
                relative_load: s.balance.rel[l],
                pieces: s.contiguity.pieces[l].pieces,
                parts: s.contiguity.pieces[l].parts,
                hard_crossings: s.contiguity.crossings.per_grid[l].0,
                soft_crossings: s.contiguity.crossings.per_grid[l].1,
                centroid: s.plan.centroid[l],
                mean_distance_m: s.plan.mean_distance(l, a.hh),
                locked: g.locked[l],
            }
        })
        .collect()
}

/// The village's own figures.
fn village_metrics(v: &VillageInput, s: &Steps, params: &MetricsParams) -> VillageMetrics {
    let (g, balance, plan) = (&s.grids, &s.balance, &s.plan);
    let households = g.households();
    let max_building_load = s.buildings.max_load();
    let micro_grids = {
        let mut m: Vec<u32> = v.points.iter().filter_map(|p| p.micro).collect();
        m.sort_unstable();
        m.dedup();
        m.len()
    };
    VillageMetrics {
        code: v.code.clone(),
        town_code: v.town_code.clone(),
        points: v.points.len(),
        buildings: s.buildings.coords.len(),
        k: g.k(),
        dedicated_grids: g.len() - g.k(),
        micro_grids,
        households,
        population: g.population(),
        load: g.load(),
        full_scope_load: g.full_scope_load(),
        target: g.target,
        max_dev: balance.max_dev,
        within_tol: balance.within_tol,
        within_tol_share: share(balance.within_tol, g.balanced.len()),
        cv: balance.cv,
        in_band: balance.in_band,
        max_building_load,
        oversize_building: balance::oversize_building(
            g.k(),
            max_building_load,
            g.target,
            params.tolerance,
        ),
        one_piece: s.contiguity.pieces.iter().filter(|p| p.one_piece()).count(),
        sse: plan.sse,
        kmeans_sse: s.kmeans_sse,
        sse_ratio: compactness::sse_ratio(plan.sse, s.kmeans_sse),
        mean_distance_m: if households > 0 {
            plan.dist_sum / households as f64
        } else {
            0.0
        },
        lineage: None,
        k_by_target: None,
    }
}
