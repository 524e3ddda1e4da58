//! Partitioning one village into k balanced, compact, contiguous grids.
//!
//! This is Hess et al. (1965) location-allocation with exact capacitated
//! assignments, followed by a contiguity and balance repair:
//!
//! # Parameters
//! - `tolerance` τ (default 0.10, `--tolerance`): every grid's load should
//!   lie in t(1 ± τ), t = W/k. ±10 % is the product's balance bar (DESIGN
//!   §7).
//! - `lp_tolerance` (default τ): the band used inside the assignment LP.
//!   Rounding a split building moves a grid by up to one building (12-20 %
//!   for a 60-household building, per our research), which the balance
//!   repair then absorbs. We measured a tighter LP band (τ/2) on the
//!   synthetic county: it bought no balance (100 % of grids within ±10 %
//!   either way) and cost compactness (SSE ratio 1.111 against 1.100).
//! - `candidates` (default 6): nearest centres offered to each unit. Our
//!   research found c = 6 exact on every tested instance and c ≤ 3
//!   infeasible; the solver widens to all centres when pruning is
//!   infeasible.
//! - `max_iter` (default 30): location-allocation rounds. Rounds stop
//!   earlier when the rounded assignment repeats; 30 is the cap of
//!   Hess-style methods in practice (they settle in under 10 here).
//! - `restarts` (default 4, as many as the k-means baseline of the
//!   metrics): independent seedings, of which the most balanced, then most
//!   compact, plan is kept. On the synthetic county 1 → 4 restarts lower the
//!   SSE ratio from 1.100 to 1.081 for 2.3× the partition time; 8 gain only
//!   0.002 more.
//! - `extra_restarts` (default 16): further seedings, tried one at a time
//!   only while no plan reaches the band. They cost nothing on villages that
//!   balance at once (all 510 of the synthetic county) and rescue lumpy
//!   villages of a few large buildings: on random 7-9 building villages
//!   they cut the failures where a balanced contiguous plan exists from 3
//!   in 52 to 1.
//! - `lineage.weight` λ (`--stability`, default 8 in
//!   [`crate::pipeline::DEFAULT_STABILITY`]): the disruption cost of
//!   re-allocation. Assigning a household away from the new grids that
//!   descend from its current grid costs λ·s², s² = σ²/k the village's
//!   typical squared distance within a grid (σ² its household-weighted
//!   variance), so λ = 1 means "as bad as sitting one grid-spread further
//!   from the centre". Measured on synth scale 1.0 (1,024 → 1,565 grids,
//!   with the lineage grid counts then in use; issue 11 moved them to [`crate::engine::counts`]):
//!   λ = 0, 1, 2, 4, 8, 20, 100 keep 84.0, 91.8, 94.1, 95.3, 95.9, 96.1,
//!   96.1 % of households in lineage with 55.0, 76.1, 84.2, 88.1, 90.2,
//!   91.1, 91.4 % clean grids, at SSE ratios 1.081, 1.092, 1.102, 1.113,
//!   1.134, 1.142, 1.146. λ = 8 is the first to reach the 95 % lineage and
//!   90 % clean grids the product aims at; beyond it lineage saturates and
//!   only compactness is lost.
//! - `measures` (`--balance`): further measures, each kept within its own
//!   tolerance of its village mean, by the assignment LP of
//!   [`crate::engine::balance_lp`] (no longer a network flow) from the best
//!   single-measure plan's centres, then [`repair::rebalance_multi`].
//! - `seed`: drives the weighted k-means++ seeding, through a stream derived
//!   from the village code so that the result does not depend on which
//!   thread handles the village.
//!
//! # Algorithm
//! 1. Seed k centres by weighted k-means++ (Arthur & Vassilvitskii 2007,
//!    with each unit's load as its weight). Steps 1-3 run once per restart.
//!    When re-allocating, seed from the current plan instead: an old grid
//!    of load L gets ⌊L/t⌋ centres, the remaining ones go to the largest
//!    remainders (Hamilton), each old grid's centres are seeded by
//!    k-means++ among its own units, and an old grid too small for a
//!    centre merges into the nearest one. Every centre remembers the old
//!    grid it descends from, and the assignment below charges λ·s² per
//!    household placed outside its lineage (an extra cost per unit and
//!    centre, so the assignment stays an exact min-cost flow).
//! 2. Repeat until the rounded assignment no longer changes:
//!    a. solve the transportation LP min Σ w_i·d_ij² subject to every load
//!    in t(1 ± lp_tolerance), exactly, with the min-cost-flow solver of
//!    [`crate::engine::flow`];
//!    b. round: an optimal vertex splits at most k − 1 units, and each goes
//!    to the share centre whose load then ends closest to t;
//!    c. move every centre to the load-weighted centroid of its units.
//! 3. Repair contiguity on the village's Delaunay graph and restore balance
//!    with contiguity-keeping boundary moves ([`crate::engine::repair`]);
//!    when re-allocating, then move border units that keep more households
//!    in lineage ([`crate::engine::polish`]).
//! 4. Keep the restart with the least band violation, then the least
//!    weighted squared distance (plus the disruption cost when
//!    re-allocating), and report the largest deviation reached and, when it exceeds τ, why:
//!    fewer buildings than grids, a building larger than the band, or the
//!    village's shape.
//!
//! 5. With further measures (`--balance`): solve the several-measure
//!    assignment LP at the kept plan's centres, round, repair contiguity
//!    and rebalance over every measure; keep that plan when its summed
//!    relative band violation is no worse than the single-measure plan's
//!    rebalanced over every measure.
//!
//! # Complexity
//! Each round costs one min-cost flow (O(n·c) set-up plus O(k²) per
//! augmentation) and O(n) for the centroids; repair is O(n · deg) per move.
//!
//! # Errors
//! [`PartitionError`] when the assignment problem is malformed (for example
//! a non-finite load). Infeasible balance is not an error: the village is
//! partitioned as well as its buildings allow and the shortfall reported.

use serde::Serialize;

use crate::engine::balance_lp;
use crate::engine::flow::{self, TransportProblem};
use crate::engine::graph::Graph;
use crate::engine::polish;
use crate::engine::repair;
use crate::engine::rng::Rng;

/// Villages with more grids than this get no extra restarts (see
/// `extra_restarts`). They rescue lumpy villages of a few grids (the
/// brute-force tests have k ≤ 3); with many grids the local search, not
/// the seeding, is the limit, and 16 more starts only multiply the cost
/// (a review measured 50 s for a county at `--target 55 --band 50,60`).
pub const EXTRA_RESTARTS_MAX_K: usize = 12;

/// Tuning of the village partitioner (see the module docs for defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionParams {
    /// Allowed relative deviation of each grid's load from W/k.
    pub tolerance: f64,
    /// The tighter band used inside the assignment LP.
    pub lp_tolerance: f64,
    /// Nearest centres offered to each unit.
    pub candidates: usize,
    /// Location-allocation rounds at most.
    pub max_iter: usize,
    /// Independent seedings; the best plan is kept.
    pub restarts: usize,
    /// Further seedings tried, one by one, while no plan is balanced.
    pub extra_restarts: usize,
    /// The seed of the k-means++ seeding.
    pub seed: u64,
    /// The household norm as a load range (`--band`, when the load is the
    /// household count), or `None`: the lineage polish never takes a grid
    /// inside it out of it.
    pub norm: Option<(f64, f64)>,
}

impl Default for PartitionParams {
    fn default() -> Self {
        Self::new(0.10, 0)
    }
}

impl PartitionParams {
    /// Defaults for a tolerance and a seed.
    #[must_use]
    pub fn new(tolerance: f64, seed: u64) -> Self {
        Self {
            tolerance,
            lp_tolerance: tolerance,
            restarts: 4,
            extra_restarts: 16,
            candidates: 6,
            max_iter: 30,
            seed,
            norm: None,
        }
    }
}

/// Why a village partition failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PartitionError {
    /// The assignment solver rejected the village.
    #[error("village {village}: assignment with k = {k} failed")]
    Flow {
        /// Village code.
        village: String,
        /// Grids asked for.
        k: usize,
        /// The solver's error.
        source: flow::FlowError,
    },
}

/// One village to partition: its distinct building units.
#[derive(Clone, Copy, Debug)]
pub struct VillageProblem<'a> {
    /// Village code (also keys the random stream).
    pub code: &'a str,
    /// Unit positions in metres.
    pub pos: &'a [[f64; 2]],
    /// Unit loads.
    pub weight: &'a [f64],
    /// The village graph on the units.
    pub graph: &'a Graph,
    /// Per unit, `u32::MAX` for a free unit or the index f of a fixed group
    /// (a dedicated grid, an oversize building) that keeps label k + f.
    /// Fixed units take part in the graph only, so free grids are made
    /// contiguous on the same graph as the metrics use. Empty: all free.
    pub fixed: &'a [u32],
    /// Grids wanted.
    pub k: usize,
    /// The current plan, for re-allocation (`None`: draw afresh).
    pub lineage: Option<Lineage<'a>>,
    /// Further measures to balance besides `weight` (`--balance`); empty
    /// for the single-measure flow path.
    pub measures: &'a [Measure<'a>],
    /// The barriers between the units (`None`: open land).
    pub sides: Option<Sides<'a>>,
}

/// The blocks the barriers cut a village into, and the price of a grid
/// reaching across them (docs/DESIGN.md §9).
#[derive(Clone, Copy, Debug)]
pub struct Sides<'a> {
    /// Per unit, its block between hard barriers.
    pub region: &'a [u32],
    /// Per unit, its block between any barriers.
    pub block: &'a [u32],
    /// The price of a unit outside its grid's hard block, per unit of load,
    /// in units of s² (the grid spread of the lineage cost).
    pub hard_weight: f64,
    /// The same outside its grid's block between any barriers
    /// (`--barrier-weight`).
    pub soft_weight: f64,
}

/// A further balance measure of the units (population, say).
#[derive(Clone, Copy, Debug)]
pub struct Measure<'a> {
    /// The measure of every unit.
    pub values: &'a [f64],
    /// Allowed relative deviation of a grid's total from the mean.
    pub tolerance: f64,
}

/// The current plan of a village's units, for re-allocation.
#[derive(Clone, Copy, Debug)]
pub struct Lineage<'a> {
    /// Per unit, `(old grid, fraction of the unit's load)`; the fractions
    /// sum to at most 1 (households without a current grid add nothing).
    pub old: &'a [Vec<(u32, f64)>],
    /// The stability weight λ (`--stability`, see the module docs).
    pub weight: f64,
}

/// Why a village could not reach the balance tolerance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BalanceShortfall {
    /// Village code.
    pub village_code: String,
    /// Grids made.
    pub k: usize,
    /// The village mean W/k.
    pub target: f64,
    /// The largest |load/target − 1| reached.
    pub max_dev: f64,
    /// The largest single building's load.
    pub largest_unit: f64,
    /// A sentence for the planner.
    pub reason: String,
}

/// The partition of one village.
#[derive(Clone, Debug, PartialEq)]
pub struct VillagePlan {
    /// Grid index per unit: 0..k for the free grids, k + f for the units of
    /// fixed group f.
    pub label: Vec<u32>,
    /// Free grids made (may be fewer than asked when there are fewer units).
    pub k: usize,
    /// Load per free grid.
    pub loads: Vec<f64>,
    /// Largest |load/(W/k) − 1|.
    pub max_dev: f64,
    /// Set when `max_dev` exceeds the tolerance.
    pub shortfall: Option<BalanceShortfall>,
}
fn as_f64(x: usize) -> f64 {
    x as f64
}

fn d2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Weighted k-means++ seeding: the first centre with probability ∝ w, each
/// next one ∝ w·D², D being the distance to the nearest chosen centre.
fn seed_centres(pos: &[[f64; 2]], weight: &[f64], k: usize, rng: &mut Rng) -> Vec<[f64; 2]> {
    let n = pos.len();
    let pick = |probs: &[f64], rng: &mut Rng| -> usize {
        let total: f64 = probs.iter().sum();
        if total <= 0.0 {
            return rng.below(n);
        }
        let mut r = rng.f64() * total;
        for (i, p) in probs.iter().enumerate() {
            r -= p;
            if r < 0.0 {
                return i;
            }
        }
        n - 1
    };
    let mut centres = Vec::with_capacity(k);
    centres.push(pos[pick(weight, rng)]);
    let mut best: Vec<f64> = pos.iter().map(|&p| d2(p, centres[0])).collect();
    while centres.len() < k {
        let probs: Vec<f64> = best.iter().zip(weight).map(|(d, w)| d * w).collect();
        let c = pos[pick(&probs, rng)];
        centres.push(c);
        for (b, &p) in best.iter_mut().zip(pos) {
            *b = b.min(d2(p, c));
        }
    }
    centres
}

/// Partitions one village (see the module docs).
///
/// # Errors
/// [`PartitionError::Flow`] when the assignment problem is malformed.
pub fn partition_village(
    p: &VillageProblem,
    params: &PartitionParams,
) -> Result<VillagePlan, PartitionError> {
    let n = p.pos.len();
    let fixed_of = |i: usize| p.fixed.get(i).copied().filter(|&f| f != u32::MAX);
    let free: Vec<usize> = (0..n).filter(|&i| fixed_of(i).is_none()).collect();
    let groups = (0..n)
        .filter_map(fixed_of)
        .map(|f| f as usize + 1)
        .max()
        .unwrap_or(0);
    let k = p.k.min(free.len()).max(usize::from(!free.is_empty()));
    let k_total = k + groups;
    let total: f64 = free.iter().map(|&i| p.weight[i]).sum();
    let mut label = vec![0u32; n];
    for (i, l) in label.iter_mut().enumerate() {
        if let Some(f) = fixed_of(i) {
            *l = u32::try_from(k).unwrap_or(u32::MAX) + f;
        }
    }
    if k > 1 {
        let sub = Sub {
            free: &free,
            pos: free.iter().map(|&i| p.pos[i]).collect(),
            weight: free.iter().map(|&i| p.weight[i]).collect(),
            k,
            k_total,
            total,
            old: p.lineage.map(|l| local_old(l.old, &free)),
            lambda: p.lineage.map_or(0.0, |l| l.weight),
            sides: p.sides.map(|sd| {
                let of = |i: usize| {
                    (
                        sd.region.get(i).copied().unwrap_or(0),
                        sd.block.get(i).copied().unwrap_or(0),
                    )
                };
                (
                    free.iter().map(|&i| of(i)).collect(),
                    sd.hard_weight,
                    sd.soft_weight,
                )
            }),
        };
        let mut rng = Rng::derive(params.seed, p.code);
        let mut best: Option<(f64, f64, Vec<u32>)> = None;
        let starts = params.restarts.max(1);
        let t = total / as_f64(k);
        // Extra starts cannot help where balance is provably out of reach:
        // one building above the band's top, or a grid per building.
        let largest = sub.weight.iter().copied().fold(0.0, f64::max);
        let hopeless = largest > t * (1.0 + params.tolerance) || k >= free.len();
        // They pay off in small lumpy villages; in a village of many grids
        // (a 55-household "grid" target, say) 16 more full starts would
        // multiply the cost where the local search is already the limit.
        let extra = if hopeless || k > EXTRA_RESTARTS_MAX_K {
            0
        } else {
            params.extra_restarts
        };
        for attempt in 0..starts + extra {
            // Extra starts only while no start has reached the band.
            if attempt >= starts && best.as_ref().is_some_and(|b| b.0 <= 1e-9) {
                break;
            }
            let (cand, stab, side_cost) = one_start(p, &sub, &label, params, &mut rng)?;
            let loads = repair::loads(p.weight, &cand, k_total);
            let excess: f64 = loads[..k]
                .iter()
                .map(|&l| {
                    repair::violation(
                        l,
                        t * (1.0 - params.tolerance),
                        t * (1.0 + params.tolerance),
                    )
                })
                .sum();
            // With a current plan the restarts compete on the objective the
            // assignment minimises: squared distance plus disruption.
            let sse = sse_of(p.pos, p.weight, &cand, k_total, k)
                + side_cost
                + stab.as_ref().map_or(0.0, |st| {
                    sub.free
                        .iter()
                        .enumerate()
                        .map(|(j, &i)| sub.weight[j] * st.extra(j, cand[i] as usize))
                        .sum()
                });
            // Balance first, then compactness; the first start wins ties.
            if best.as_ref().is_none_or(|(be, bs, _)| {
                excess < *be - 1e-9 || (excess <= *be + 1e-9 && sse < *bs)
            }) {
                best = Some((excess, sse, cand));
            }
        }
        if let Some((_, _, l)) = best {
            label = l;
        }
        if !p.measures.is_empty() {
            label = multi_measure(p, &sub, params, label)?;
        }
    }
    Ok(finish(p, params, label, k, groups, total))
}

/// The free units of a village and their sizes.
struct Sub<'a> {
    /// Indices of the free units in the village.
    free: &'a [usize],
    pos: Vec<[f64; 2]>,
    weight: Vec<f64>,
    /// Free grids.
    k: usize,
    /// Free grids plus fixed groups.
    k_total: usize,
    /// Load of the free units.
    total: f64,
    /// Per free unit, `(local old grid, fraction)`, when re-allocating.
    old: Option<Vec<Vec<(u32, f64)>>>,
    /// The stability weight λ.
    lambda: f64,
    /// Per free unit, (hard block, block), with the weights, when barriers
    /// are given.
    sides: Option<SubSides>,
}

/// Per free unit (hard block, block), with the hard and soft weights.
type SubSides = (Vec<(u32, u32)>, f64, f64);

/// Renumbers the old grids of the free units 0.. in label order, so the
/// seeding's arrays are as small as the village.
fn local_old(old: &[Vec<(u32, f64)>], free: &[usize]) -> Vec<Vec<(u32, f64)>> {
    let mut ids: Vec<u32> = free
        .iter()
        .filter_map(|&i| old.get(i))
        .flat_map(|v| v.iter().map(|&(o, _)| o))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    free.iter()
        .map(|&i| {
            old.get(i).map_or_else(Vec::new, |v| {
                v.iter()
                    .filter_map(|&(o, f)| {
                        let l = ids.binary_search(&o).ok()?;
                        Some((u32::try_from(l).ok()?, f))
                    })
                    .collect()
            })
        })
        .collect()
}

/// The disruption cost of re-allocation: which centres descend from which
/// old grid, and the price λ·s² per unit of load assigned outside them.
struct StabCost<'a> {
    /// λ·s², s² the village's typical squared distance within a grid.
    scale: f64,
    /// Per centre, the old grid it descends from (`u32::MAX`: none).
    parent: Vec<u32>,
    /// Per old grid without centres of its own, the centre it merges into.
    merge_into: Vec<u32>,
    /// Per free unit, `(local old grid, fraction)`.
    old: &'a [Vec<(u32, f64)>],
}

impl StabCost<'_> {
    /// The extra cost per unit of load of putting free unit `i` at centre
    /// `j`: λ·s² times the fraction of the unit whose old grid neither is
    /// `j`'s parent nor merges into `j`.
    fn extra(&self, i: usize, j: usize) -> f64 {
        let mut away = 0.0;
        for &(o, f) in &self.old[i] {
            let keeps = self.parent.get(j) == Some(&o)
                || self
                    .merge_into
                    .get(o as usize)
                    .is_some_and(|&c| c as usize == j);
            if !keeps {
                away += f;
            }
        }
        self.scale * away
    }
}

/// Step 3b (re-allocation): border moves that keep more households in
/// lineage, within the band and keeping every grid connected
/// ([`polish::polish`]).
fn polish_lineage(
    p: &VillageProblem,
    sub: &Sub,
    old: &[Vec<(u32, f64)>],
    label: &mut [u32],
    (band, norm): ((f64, f64), Option<(f64, f64)>),
) {
    let mut old_all = vec![Vec::new(); label.len()];
    for (j, &i) in sub.free.iter().enumerate() {
        old_all[i].clone_from(&old[j]);
    }
    let block: Option<Vec<u32>> = sub.sides.as_ref().map(|(of, _, _)| {
        let mut b = vec![u32::MAX; label.len()];
        for (j, &i) in sub.free.iter().enumerate() {
            b[i] = of[j].0;
        }
        b
    });
    let job = polish::Polish {
        graph: p.graph,
        weight: p.weight,
        old: &old_all,
        k: sub.k,
        band,
        norm,
        block: block.as_deref(),
    };
    polish::polish(&job, label);
}

/// Seeds `k` centres from the current plan (re-allocation, step 1'):
/// every old grid o of load L_o gets ⌊L_o/t⌋ centres, the remaining
/// centres go to the largest remainders (Hamilton's method), and each old
/// grid's centres are seeded by weighted k-means++ among its own units. An
/// old grid too small for a centre of its own merges into the centre
/// nearest its centroid.
fn seed_from_old<'a>(
    sub: &Sub,
    old: &'a [Vec<(u32, f64)>],
    rng: &mut Rng,
) -> (Vec<[f64; 2]>, StabCost<'a>) {
    let k = sub.k;
    let (l, c) = old_grid_loads(sub, old);
    let m = centres_per_old(&l, sub.total / as_f64(k), k);
    let (centres, parent) = seed_per_old(sub, old, &m, rng);
    let merge_into: Vec<u32> = (0..l.len())
        .map(|o| {
            if m[o] > 0 || centres.is_empty() {
                return u32::MAX;
            }
            let best = (0..centres.len())
                .min_by(|&a, &b| {
                    d2(centres[a], c[o])
                        .total_cmp(&d2(centres[b], c[o]))
                        .then(a.cmp(&b))
                })
                .unwrap_or(0);
            u32::try_from(best).unwrap_or(u32::MAX)
        })
        .collect();
    (
        centres,
        StabCost {
            scale: sub.lambda * spread(sub) / as_f64(k),
            parent,
            merge_into,
            old,
        },
    )
}

/// The load L_o and the weighted centroid of every old grid o (indexes up
/// to the largest one that occurs; an old grid with no load keeps the
/// origin as centroid).
fn old_grid_loads(sub: &Sub, old: &[Vec<(u32, f64)>]) -> (Vec<f64>, Vec<[f64; 2]>) {
    let n_old = old
        .iter()
        .flat_map(|v| v.iter().map(|&(o, _)| o as usize + 1))
        .max()
        .unwrap_or(0);
    let mut l = vec![0.0; n_old];
    let mut c = vec![[0.0, 0.0]; n_old];
    for (i, v) in old.iter().enumerate() {
        for &(o, f) in v {
            let w = sub.weight[i] * f;
            l[o as usize] += w;
            c[o as usize][0] += w * sub.pos[i][0];
            c[o as usize][1] += w * sub.pos[i][1];
        }
    }
    for (ci, &li) in c.iter_mut().zip(&l) {
        if li > 0.0 {
            ci[0] /= li;
            ci[1] /= li;
        }
    }
    (l, c)
}

/// Hamilton's method: ⌊L_o/t⌋ centres per old grid, then one more each to
/// the largest remainders (ties: the lower index) until `k` are given out.
/// Seeding instead by the own-grid counts of the ceiling's best choice
/// ([`crate::engine::ceiling`]) was measured in issue 11 and kept no more:
/// 93.4 % against 93.5 % of lineage on the synthetic county, 90.0 against
/// 90.1 on strip-shaped current grids.
fn centres_per_old(l: &[f64], t: f64, k: usize) -> Vec<usize> {
    let mut m: Vec<usize> = l.iter().map(|&x| (x / t + 1e-9).floor() as usize).collect();
    let mut left = k.saturating_sub(m.iter().sum());
    let mut order: Vec<usize> = (0..l.len()).filter(|&o| l[o] > 0.0).collect();
    order.sort_by(|&a, &b| {
        let ra = l[a] / t - as_f64(m[a]);
        let rb = l[b] / t - as_f64(m[b]);
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &o in &order {
        if left == 0 {
            break;
        }
        m[o] += 1;
        left -= 1;
    }
    m
}

/// Seeds `m[o]` centres among the units of each old grid o, in old-grid
/// order, and returns the centres with the old grid each came from
/// (`u32::MAX` for the centres seeded among all units when fewer than
/// `sub.k` were placed).
fn seed_per_old(
    sub: &Sub,
    old: &[Vec<(u32, f64)>],
    m: &[usize],
    rng: &mut Rng,
) -> (Vec<[f64; 2]>, Vec<u32>) {
    let k = sub.k;
    // Σ⌊L_o/t⌋ ≤ k, so only households without an old grid can leave
    // centres over; those are seeded among all units below.
    let mut centres = Vec::with_capacity(k);
    let mut parent = Vec::with_capacity(k);
    for (o, &mo) in m.iter().enumerate() {
        if mo == 0 {
            continue;
        }
        let mut pos = Vec::new();
        let mut w = Vec::new();
        for (i, v) in old.iter().enumerate() {
            let f: f64 = v
                .iter()
                .filter(|&&(x, _)| x as usize == o)
                .map(|&(_, f)| f)
                .sum();
            if f > 0.0 {
                pos.push(sub.pos[i]);
                w.push(sub.weight[i] * f);
            }
        }
        for cpos in seed_centres(&pos, &w, mo, rng) {
            centres.push(cpos);
            parent.push(u32::try_from(o).unwrap_or(u32::MAX));
        }
    }
    if centres.len() < k {
        let more = seed_centres(&sub.pos, &sub.weight, k, rng);
        for cpos in more.into_iter().skip(centres.len()) {
            centres.push(cpos);
            parent.push(u32::MAX);
        }
    }
    (centres, parent)
}

/// s²: the village's weighted variance over k is the mean squared distance
/// to its centre within one of k equal grids of a uniform village, so λ·s²
/// is in units of a typical grid's spread. This returns the variance.
fn spread(sub: &Sub) -> f64 {
    let (sx, sy) = sub
        .pos
        .iter()
        .zip(&sub.weight)
        .fold((0.0, 0.0), |(x, y), (p, &w)| (x + w * p[0], y + w * p[1]));
    let mean = [sx / sub.total, sy / sub.total];
    sub.pos
        .iter()
        .zip(&sub.weight)
        .map(|(&p, &w)| w * d2(p, mean))
        .sum::<f64>()
        / sub.total
}

/// One seeding followed by location-allocation rounds and repair; returns
/// the label of every unit (fixed ones as in `base`).
fn one_start<'s>(
    p: &VillageProblem,
    sub: &'s Sub,
    base: &[u32],
    params: &PartitionParams,
    rng: &mut Rng,
) -> Result<(Vec<u32>, Option<StabCost<'s>>, f64), PartitionError> {
    let k = sub.k;
    let (mut centres, stab) = match &sub.old {
        // A village without load (every household weighted 0) has no
        // scale for the disruption cost; it is drawn afresh.
        Some(old) if sub.lambda > 0.0 && sub.total > 0.0 && old.iter().any(|v| !v.is_empty()) => {
            let (c, s) = seed_from_old(sub, old, rng);
            (c, Some(s))
        }
        _ => (seed_centres(&sub.pos, &sub.weight, k, rng), None),
    };
    let mut sides = sub
        .sides
        .as_ref()
        .map(|(of, hw, sw)| SideCost::new(sub, of, *hw, *sw, &centres));
    let t = sub.total / as_f64(k);
    let lower = vec![t * (1.0 - params.lp_tolerance); k];
    let upper = vec![t * (1.0 + params.lp_tolerance); k];
    let mut free_label = vec![0u32; sub.pos.len()];
    let mut prev: Option<Vec<u32>> = None;
    for _ in 0..params.max_iter {
        let extra = |i: usize, j: usize| {
            stab.as_ref().map_or(0.0, |s| s.extra(i, j))
                + sides.as_ref().map_or(0.0, |s| s.extra(i, j))
        };
        let has_extra = stab.is_some() || sides.is_some();
        let sol = flow::solve_transport(&TransportProblem {
            pos: &sub.pos,
            weight: &sub.weight,
            centres: &centres,
            lower: &lower,
            upper: &upper,
            candidates: params.candidates,
            extra_cost: has_extra.then_some(&extra as &(dyn Fn(usize, usize) -> f64 + Sync)),
        })
        .map_err(|source| PartitionError::Flow {
            village: p.code.to_string(),
            k,
            source,
        })?;
        free_label = round_splits(&sol, &sub.weight, k, t);
        centres = repair::centroids(&sub.pos, &sub.weight, &free_label, k);
        if let Some(sc) = sides.as_mut() {
            sc.rehome(&sub.weight, &free_label);
        }
        if prev.as_ref() == Some(&free_label) {
            break;
        }
        prev = Some(free_label.clone());
    }
    let mut label = base.to_vec();
    for (j, &i) in sub.free.iter().enumerate() {
        label[i] = free_label[j];
    }
    repair::make_contiguous(p.graph, p.weight, &mut label, sub.k_total, k);
    let lo = t * (1.0 - params.tolerance);
    let hi = t * (1.0 + params.tolerance);
    repair::rebalance(p.graph, p.pos, p.weight, &mut label, sub.k_total, k, lo, hi);
    if let (Some(old), Some(_)) = (&sub.old, &stab) {
        polish_lineage(p, sub, old, &mut label, ((lo, hi), params.norm));
    }
    // The price of the barriers crossed, for comparing restarts.
    let side_cost = sides.as_mut().map_or(0.0, |sc| {
        let free_label: Vec<u32> = sub.free.iter().map(|&i| label[i]).collect();
        sc.rehome(&sub.weight, &free_label);
        free_label
            .iter()
            .enumerate()
            .map(|(j, &g)| sub.weight[j] * sc.extra(j, g as usize))
            .sum()
    });
    Ok((label, stab, side_cost))
}

/// The price of barriers in the assignment: a unit placed in a grid whose
/// home block (the block holding most of its load) is not the unit's own
/// costs `hard_weight`·s² across a hard barrier and `soft_weight`·s²
/// across any barrier, per unit of load. The homes follow the assignment
/// round by round, so the flow learns which side each grid lives on and
/// crosses only where balance needs it, with the fewest households.
struct SideCost<'a> {
    of: &'a [(u32, u32)],
    /// Per grid, (hard block, block) it lives in.
    home: Vec<(u32, u32)>,
    hard: f64,
    soft: f64,
}

impl<'a> SideCost<'a> {
    fn new(sub: &Sub, of: &'a [(u32, u32)], hw: f64, sw: f64, centres: &[[f64; 2]]) -> Self {
        let scale = spread(sub) / as_f64(sub.k.max(1));
        // Each seed centre starts in the block of the unit nearest to it.
        let home = centres
            .iter()
            .map(|&c| {
                (0..sub.pos.len())
                    .min_by(|&a, &b| {
                        d2(sub.pos[a], c)
                            .total_cmp(&d2(sub.pos[b], c))
                            .then(a.cmp(&b))
                    })
                    .map_or((0, 0), |i| of[i])
            })
            .collect();
        Self {
            of,
            home,
            hard: hw * scale,
            soft: sw * scale,
        }
    }

    fn extra(&self, i: usize, j: usize) -> f64 {
        let (r, b) = self.of[i];
        let Some(&(hr, hb)) = self.home.get(j) else {
            return 0.0;
        };
        let mut c = 0.0;
        if r != hr {
            c += self.hard;
        }
        if b != hb {
            c += self.soft;
        }
        c
    }

    /// Each grid's home: the hard block, then the block within it, that
    /// holds most of its load (ties: the lower index).
    fn rehome(&mut self, weight: &[f64], label: &[u32]) {
        let mut acc: Vec<((u32, u32, u32), f64)> = label
            .iter()
            .zip(self.of)
            .zip(weight)
            .filter(|((g, _), _)| (**g as usize) < self.home.len())
            .map(|((&g, &(r, b)), &w)| ((g, r, b), w))
            .collect();
        acc.sort_by_key(|a| a.0);
        let mut sums: Vec<((u32, u32, u32), f64)> = Vec::new();
        for (key, w) in acc {
            match sums.last_mut() {
                Some(s) if s.0 == key => s.1 += w,
                _ => sums.push((key, w)),
            }
        }
        let mut region_load: Vec<((u32, u32), f64)> = Vec::new();
        for &((g, r, _), w) in &sums {
            match region_load.last_mut() {
                Some(s) if s.0 == (g, r) => s.1 += w,
                _ => region_load.push(((g, r), w)),
            }
        }
        for g in 0..self.home.len() {
            let g32 = g as u32;
            let best_r = region_load
                .iter()
                .filter(|x| x.0.0 == g32)
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.1.cmp(&a.0.1)))
                .map(|x| x.0.1);
            let Some(r) = best_r else { continue };
            let best_b = sums
                .iter()
                .filter(|x| x.0.0 == g32 && x.0.1 == r)
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.2.cmp(&a.0.2)))
                .map_or(0, |x| x.0.2);
            self.home[g] = (r, best_b);
        }
    }
}

/// The load-weighted sum of squared distances to the grid centroids, over
/// the free grids `0..free_k` of `k` labels.
/// The several-measure finish (`--balance`): from the centres of the
/// best single-measure plan, solve the assignment LP with every measure's
/// band ([`crate::engine::balance_lp`], Clarabel), round, repair contiguity and
/// rebalance over all measures; keep the result when its summed relative
/// band violation is no worse than the single-measure plan's.
#[expect(
    clippy::unnecessary_wraps,
    reason = "the same shape as the single-measure finish it replaces, so the caller treats both alike"
)]
fn multi_measure(
    p: &VillageProblem,
    sub: &Sub,
    params: &PartitionParams,
    label: Vec<u32>,
) -> Result<Vec<u32>, PartitionError> {
    let k = sub.k;
    let mut measures: Vec<Vec<f64>> = vec![p.weight.to_vec()];
    let mut tols = vec![params.tolerance];
    for m in p.measures {
        measures.push(m.values.to_vec());
        tols.push(m.tolerance);
    }
    let means: Vec<f64> = measures
        .iter()
        .map(|v| sub.free.iter().map(|&i| v[i]).sum::<f64>() / as_f64(k))
        .collect();
    let lower: Vec<f64> = means
        .iter()
        .zip(&tols)
        .map(|(m, t)| m * (1.0 - t))
        .collect();
    let upper: Vec<f64> = means
        .iter()
        .zip(&tols)
        .map(|(m, t)| m * (1.0 + t))
        .collect();
    let violation = |l: &[u32]| -> f64 {
        measures
            .iter()
            .enumerate()
            .map(|(m, v)| {
                repair::loads(v, l, sub.k_total)[..k]
                    .iter()
                    .map(|&x| repair::violation(x, lower[m], upper[m]) / means[m].max(1e-12))
                    .sum::<f64>()
            })
            .sum()
    };
    let before = violation(&label);
    if before <= 1e-12 {
        return Ok(label);
    }
    let mut free_label: Vec<u32> = sub.free.iter().map(|&i| label[i]).collect();
    let centres = repair::centroids(&sub.pos, &sub.weight, &free_label, k);
    let sub_measures: Vec<Vec<f64>> = measures
        .iter()
        .map(|v| sub.free.iter().map(|&i| v[i]).collect())
        .collect();
    let lo: Vec<Vec<f64>> = lower.iter().map(|&x| vec![x; k]).collect();
    let hi: Vec<Vec<f64>> = upper.iter().map(|&x| vec![x; k]).collect();
    let sol = balance_lp::solve_multi(&balance_lp::MultiProblem {
        pos: &sub.pos,
        measures: &sub_measures,
        centres: &centres,
        lower: &lo,
        upper: &hi,
        candidates: params.candidates,
        extra_cost: None,
    });
    // An LP the bands make infeasible (buildings too lumpy) is not an
    // error: the single-measure plan stands and the shortfall is reported.
    let Ok(sol) = sol else {
        return Ok(label);
    };
    free_label = round_splits(&sol, &sub.weight, k, means[0]);
    let mut cand = label.clone();
    for (j, &i) in sub.free.iter().enumerate() {
        cand[i] = free_label[j];
    }
    repair::make_contiguous(p.graph, p.weight, &mut cand, sub.k_total, k);
    repair::rebalance_multi(
        p.graph,
        p.pos,
        &measures,
        &mut cand,
        sub.k_total,
        k,
        &lower,
        &upper,
    );
    // The single-measure plan may itself be rebalanced over all measures.
    let mut alt = label;
    repair::rebalance_multi(
        p.graph,
        p.pos,
        &measures,
        &mut alt,
        sub.k_total,
        k,
        &lower,
        &upper,
    );
    Ok(if violation(&cand) <= violation(&alt) {
        cand
    } else {
        alt
    })
}

fn sse_of(pos: &[[f64; 2]], weight: &[f64], label: &[u32], k: usize, free_k: usize) -> f64 {
    let c = repair::centroids(pos, weight, label, k);
    pos.iter()
        .zip(weight)
        .zip(label)
        .filter(|(_, g)| (**g as usize) < free_k)
        .map(|((&p, &w), &g)| w * d2(p, c[g as usize]))
        .sum()
}

/// Rounds the split units of an LP solution: each goes to the share centre
/// that leaves the smallest band violation given the loads so far (largest
/// units first, since they matter most), and no grid is left empty.
fn round_splits(sol: &flow::TransportSolution, weight: &[f64], k: usize, t: f64) -> Vec<u32> {
    let mut label = sol.primary.clone();
    if sol.splits.is_empty() {
        return label;
    }
    let mut load = vec![0.0; k];
    let mut is_split = vec![false; label.len()];
    for s in &sol.splits {
        is_split[s.unit as usize] = true;
    }
    for (i, &g) in label.iter().enumerate() {
        if !is_split[i] {
            load[g as usize] += weight[i];
        }
    }
    let mut order: Vec<&flow::Split> = sol.splits.iter().collect();
    order.sort_by(|a, b| {
        weight[b.unit as usize]
            .total_cmp(&weight[a.unit as usize])
            .then(a.unit.cmp(&b.unit))
    });
    for s in order {
        let w = weight[s.unit as usize];
        // The best centre is the one whose load ends closest to t.
        let best = s
            .shares
            .iter()
            .map(|&(c, _)| c)
            .min_by(|&a, &b| {
                ((load[a as usize] + w) - t)
                    .abs()
                    .total_cmp(&((load[b as usize] + w) - t).abs())
                    .then(a.cmp(&b))
            })
            .unwrap_or(label[s.unit as usize]);
        label[s.unit as usize] = best;
        load[best as usize] += w;
    }
    // A grid left with no unit takes the split unit with its largest share.
    let mut count = vec![0usize; k];
    for &g in &label {
        count[g as usize] += 1;
    }
    for g in 0..k {
        if count[g] > 0 {
            continue;
        }
        let gi = g as u32;
        let donor = sol
            .splits
            .iter()
            .filter_map(|s| {
                s.shares
                    .iter()
                    .find(|&&(c, _)| c == gi)
                    .map(|&(_, f)| (f, s.unit))
            })
            .filter(|&(_, u)| count[label[u as usize] as usize] > 1)
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        if let Some((_, u)) = donor {
            count[label[u as usize] as usize] -= 1;
            label[u as usize] = gi;
            count[g] += 1;
        }
    }
    label
}

/// A village plan from a full labelling: free grids `0..k` (some may be
/// empty), fixed groups from `k`. Used to put together the plans of a
/// village's blocks ([`crate::engine::regions`]).
#[must_use]
pub fn assemble(
    p: &VillageProblem,
    params: &PartitionParams,
    label: Vec<u32>,
    k: usize,
) -> VillagePlan {
    let n = p.pos.len();
    let fixed_of = |i: usize| p.fixed.get(i).copied().filter(|&f| f != u32::MAX);
    let groups = (0..n)
        .filter_map(fixed_of)
        .map(|f| f as usize + 1)
        .max()
        .unwrap_or(0);
    let total: f64 = (0..n)
        .filter(|&i| fixed_of(i).is_none())
        .map(|i| p.weight[i])
        .sum();
    finish(p, params, label, k, groups, total)
}

fn finish(
    p: &VillageProblem,
    params: &PartitionParams,
    mut label: Vec<u32>,
    k: usize,
    groups: usize,
    total: f64,
) -> VillagePlan {
    // Renumber the free grids 0..k' with no empty grid (possible only in
    // degenerate villages), in order of first unit; fixed groups follow.
    let mut map = vec![u32::MAX; k];
    let mut next = 0u32;
    for g in label.iter_mut().filter(|g| (**g as usize) < k) {
        let m = &mut map[*g as usize];
        if *m == u32::MAX {
            *m = next;
            next += 1;
        }
        *g = *m;
    }
    let k2 = next as usize;
    let shift = u32::try_from(k).unwrap_or(u32::MAX) - next;
    for g in label.iter_mut().filter(|g| (**g as usize) >= k) {
        *g -= shift;
    }
    let loads = repair::loads(p.weight, &label, k2 + groups)[..k2].to_vec();
    let t = total / as_f64(k2.max(1));
    let max_dev = if t > 0.0 {
        loads
            .iter()
            .map(|l| (l / t - 1.0).abs())
            .fold(0.0, f64::max)
    } else {
        0.0
    };
    let largest = p
        .weight
        .iter()
        .zip(&label)
        .filter(|(_, g)| (**g as usize) < k2)
        .map(|(w, _)| *w)
        .fold(0.0, f64::max);
    let shortfall = (max_dev > params.tolerance + 1e-9 || k2 < p.k).then(|| {
        let reason = if p.k > p.pos.len() {
            format!(
                "{} grids were asked for but the village has only {} buildings; made {k2}",
                p.k,
                p.pos.len()
            )
        } else if largest > 2.0 * params.tolerance * t {
            format!(
                "indivisible buildings: the largest holds {largest:.0} of load, more than the \
                 ±{:.0}% band around the mean {t:.0} is wide",
                params.tolerance * 100.0
            )
        } else {
            "the village's shape and building sizes allow no contiguous split inside the band; \
             this is the closest found"
                .to_string()
        };
        BalanceShortfall {
            village_code: p.code.to_string(),
            k: k2,
            target: t,
            max_dev,
            largest_unit: largest,
            reason,
        }
    });
    VillagePlan {
        label,
        k: k2,
        loads,
        max_dev,
        shortfall,
    }
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "the expected values are exact (sums of whole households, round shares, coordinates read back), so they are compared bit for bit"
)]
mod tests {
    use super::*;
    use crate::engine::graph::village_graph;

    fn plan(pos: &[[f64; 2]], weight: &[f64], k: usize, seed: u64) -> VillagePlan {
        let graph = village_graph(pos, |_| true);
        partition_village(
            &VillageProblem {
                sides: None,
                code: "330381001001",
                pos,
                weight,
                graph: &graph,
                k,
                fixed: &[],
                lineage: None,
                measures: &[],
            },
            &PartitionParams::new(0.10, seed),
        )
        .unwrap()
    }

    /// The best balanced contiguous labelling by enumeration, as (SSE,
    /// labels); `None` when no labelling is balanced.
    fn brute(pos: &[[f64; 2]], weight: &[f64], k: usize, tol: f64) -> Option<f64> {
        let n = pos.len();
        let graph = village_graph(pos, |_| true);
        let t = weight.iter().sum::<f64>() / as_f64(k);
        let mut best: Option<f64> = None;
        let mut label = vec![0u32; n];
        let total = k.pow(u32::try_from(n).unwrap());
        for code in 0..total {
            let mut c = code;
            for l in &mut label {
                *l = u32::try_from(c % k).unwrap();
                c /= k;
            }
            let loads = repair::loads(weight, &label, k);
            if loads.iter().any(|&l| (l / t - 1.0).abs() > tol + 1e-12) {
                continue;
            }
            let contiguous = (0..k).all(|g| {
                let gi = u32::try_from(g).unwrap();
                let members: Vec<u32> = (0..n)
                    .filter(|&i| label[i] == gi)
                    .map(|i| u32::try_from(i).unwrap())
                    .collect();
                graph.components_of(&members, &label, gi).len() == 1
            });
            if contiguous {
                let s = sse_of(pos, weight, &label, k, k);
                if best.is_none_or(|b| s < b) {
                    best = Some(s);
                }
            }
        }
        best
    }

    #[test]
    fn single_grid_and_single_unit() {
        let p = plan(&[[0.0, 0.0]], &[300.0], 1, 1);
        assert_eq!(p.label, vec![0]);
        assert!(p.shortfall.is_none());
        let p = plan(&[[0.0, 0.0], [1.0, 1.0]], &[300.0, 10.0], 1, 1);
        assert_eq!(p.k, 1);
        assert_eq!(p.max_dev, 0.0);
    }

    #[test]
    fn two_clusters_split_cleanly() {
        let mut pos = Vec::new();
        for i in 0..20 {
            let x = as_f64(i % 5) * 10.0;
            let y = as_f64(i / 5) * 10.0;
            pos.push([x, y]);
            pos.push([x + 1000.0, y]);
        }
        let weight = vec![10.0; pos.len()];
        let p = plan(&pos, &weight, 2, 3);
        for (i, q) in pos.iter().enumerate() {
            assert_eq!(p.label[i], p.label[i % 2], "unit {i} at {q:?}");
        }
        assert_ne!(p.label[0], p.label[1]);
        assert!(p.max_dev < 1e-12);
    }

    #[test]
    fn reallocation_splits_old_grids_cleanly() {
        // A 40 x 10 lattice whose current plan is its south and north
        // halves. Drawn afresh, four grids are 10 x 10 squares that cut
        // across both halves; with the disruption cost each half splits in
        // two, and every new grid lies inside one old grid.
        let mut pos = Vec::new();
        let mut old = Vec::new();
        for y in 0..10 {
            for x in 0..40 {
                pos.push([as_f64(x) * 10.0, as_f64(y) * 10.0]);
                old.push(vec![(u32::from(y >= 5), 1.0)]);
            }
        }
        let weight = vec![1.0; pos.len()];
        let graph = village_graph(&pos, |_| true);
        let run = |lineage: Option<Lineage>| {
            partition_village(
                &VillageProblem {
                    sides: None,
                    code: "330381001001",
                    pos: &pos,
                    weight: &weight,
                    graph: &graph,
                    k: 4,
                    fixed: &[],
                    lineage,
                    measures: &[],
                },
                &PartitionParams::new(0.10, 1),
            )
            .unwrap()
        };
        let mixed = |p: &VillagePlan| {
            (0..4u32)
                .filter(|&g| {
                    let olds: std::collections::BTreeSet<u32> = (0..pos.len())
                        .filter(|&i| p.label[i] == g)
                        .map(|i| old[i][0].0)
                        .collect();
                    olds.len() > 1
                })
                .count()
        };
        let fresh = run(None);
        assert!(
            mixed(&fresh) >= 2,
            "the fresh plan should cut across the halves"
        );
        let kept = run(Some(Lineage {
            old: &old,
            weight: 4.0,
        }));
        assert_eq!(mixed(&kept), 0, "{:?}", kept.loads);
        assert!(kept.max_dev <= 0.10 + 1e-9);
    }

    #[test]
    fn a_village_without_load_is_drawn_afresh_when_reallocating() {
        // Every unit weighs 0 (a workload of population 0, say): the
        // disruption cost has no scale, and the village must still be
        // partitioned rather than fail on a NaN cost.
        let pos: Vec<[f64; 2]> = (0..12)
            .map(|i| [as_f64(i % 4) * 10.0, as_f64(i / 4) * 10.0])
            .collect();
        let weight = vec![0.0; pos.len()];
        let old: Vec<Vec<(u32, f64)>> = (0..12).map(|i| vec![(u32::from(i >= 6), 1.0)]).collect();
        let graph = village_graph(&pos, |_| true);
        let p = partition_village(
            &VillageProblem {
                sides: None,
                code: "330381001001",
                pos: &pos,
                weight: &weight,
                graph: &graph,
                k: 3,
                fixed: &[],
                lineage: Some(Lineage {
                    old: &old,
                    weight: 4.0,
                }),
                measures: &[],
            },
            &PartitionParams::new(0.10, 1),
        )
        .unwrap();
        assert_eq!(p.label.len(), 12);
    }

    #[test]
    fn tiny_villages_against_brute_force() {
        // On random villages of 7-9 buildings of 1-30 households with k = 2
        // or 3, compared with the best balanced contiguous plan found by
        // enumeration: ours is always contiguous, balanced in at least 19
        // cases of 20, and close to the optimum SSE.
        let mut rng = Rng::new(11);
        let mut compared = 0;
        let mut unbalanced = 0;
        let mut ratios = Vec::new();
        for case in 0..60 {
            let n = 7 + rng.below(3);
            let k = 2 + rng.below(2);
            let pos: Vec<[f64; 2]> = (0..n)
                .map(|_| [rng.range(0.0, 500.0), rng.range(0.0, 500.0)])
                .collect();
            let weight: Vec<f64> = (0..n).map(|_| (rng.range(1.0, 30.0)).round()).collect();
            let Some(opt) = brute(&pos, &weight, k, 0.10) else {
                continue;
            };
            compared += 1;
            let p = plan(&pos, &weight, k, 5);
            if p.max_dev > 0.10 + 1e-9 {
                unbalanced += 1;
                eprintln!("case {case}: n={n} k={k}, max_dev {:.3}", p.max_dev);
            }
            let graph = village_graph(&pos, |_| true);
            for g in 0..p.k {
                let gi = u32::try_from(g).unwrap();
                let members: Vec<u32> = (0..n)
                    .filter(|&i| p.label[i] == gi)
                    .map(|i| u32::try_from(i).unwrap())
                    .collect();
                assert_eq!(
                    graph.components_of(&members, &p.label, gi).len(),
                    1,
                    "case {case}"
                );
            }
            let ratio = sse_of(&pos, &weight, &p.label, p.k, p.k) / opt;
            ratios.push(ratio);
        }
        assert!(compared >= 40, "only {compared} feasible cases");
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        let worst = ratios[ratios.len() - 1];
        eprintln!(
            "{compared} cases, {unbalanced} unbalanced, SSE/optimum median {median:.3} worst {worst:.3}"
        );
        // Local search is not exact: allow 1 failure in 20 on these
        // deliberately lumpy villages (real villages have far more, smaller
        // buildings; the synthetic county balances 100 %).
        assert!(
            unbalanced * 20 <= compared,
            "{unbalanced} of {compared} unbalanced"
        );
        assert!(median <= 1.05, "median SSE ratio {median}");
        assert!(worst <= 1.5, "worst SSE ratio {worst}");
    }

    #[test]
    fn seeds_are_reproducible() {
        let mut rng = Rng::new(3);
        let pos: Vec<[f64; 2]> = (0..300)
            .map(|_| [rng.range(0.0, 2000.0), rng.range(0.0, 2000.0)])
            .collect();
        let weight: Vec<f64> = (0..300).map(|_| (rng.range(1.0, 5.0)).round()).collect();
        let a = plan(&pos, &weight, 4, 9);
        let b = plan(&pos, &weight, 4, 9);
        assert_eq!(a, b);
        assert!(a.max_dev <= 0.10 + 1e-9);
    }
}
