//! Exact capacitated transportation: assign weighted units to centres with
//! load bounds, at minimum weighted squared distance.
//!
//! This is the assignment step at the heart of the partitioner (DESIGN.md
//! §6, "capacitated assignment = transportation LP"). Given units with
//! positions and loads, and centres with load bounds, it finds the
//! fractional assignment `x_ij` that minimises
//! `Σ_ij w_i · x_ij · cost_ij` subject to `Σ_j x_ij = 1` and
//! `lower_j ≤ Σ_i w_i · x_ij ≤ upper_j`, where
//! `cost_ij = |pos_i − c_j|² + extra(i, j)` is a cost per unit of load.
//! The answer is an optimal vertex of that linear programme: every unit sits
//! whole at one centre except at most `k − 1` split units, which the caller
//! rounds.
//!
//! # Parameters
//!
//! See [`TransportProblem`]. `candidates` (default [`DEFAULT_CANDIDATES`] = 6)
//! limits each unit to its nearest centres, found with an `rstar` tree (or,
//! with at most 32 centres, by a plain scan, which is faster there). Our
//! solver probe (docs/DESIGN.md §7, the solver probe) found that
//! 6 candidates gave exactly the unpruned optimum on every instance tested
//! (3000/25, 10000/60, 30000/100) and were 4-10x faster, while 3 candidates
//! were infeasible on the large instances. When the pruned problem turns out
//! infeasible the solver widens to all centres by itself and says so in
//! [`TransportSolution::widened`].
//!
//! # Returns
//!
//! A [`TransportSolution`]: each unit's primary centre, the split units with
//! their shares, the loads per centre and the objective.
//!
//! # Algorithm
//!
//! Successive shortest paths (Ahuja, Magnanti & Orlin, *Network Flows*,
//! 1993, §9.7) on a network whose only nodes are the `k` centres and a sink
//! `T`; the unit nodes of the textbook formulation are folded into
//! centre-to-centre arcs.
//!
//! 1. Put every unit wholly at its cheapest candidate centre. Without load
//!    bounds this is optimal, so the residual network starts with no
//!    negative cycle. Centre `j` now holds a supply equal to its load.
//! 2. Every centre's supply must reach `T` through the arc `j → T`, made of
//!    two segments: capacity `lower_j` at cost `−M`, then capacity
//!    `upper_j − lower_j` at cost 0. `M = 1 + 2(k+1)·(max cost − min cost)`
//!    exceeds the cost of any simple path, so a minimum-cost flow fills every
//!    lower bound whenever that is possible.
//! 3. Moving load of unit `i` from centre `a` to centre `b` is a residual
//!    arc `a → b` of cost `cost_ib − cost_ia` and capacity equal to the load
//!    of `i` now at `a`. For every ordered pair `(a, b)` a lazy min-heap holds
//!    these moves keyed by cost; an entry is dropped when it reaches the top
//!    and its unit no longer has load at `a`, and new entries are pushed when
//!    a unit gains load at a centre. The cheapest arc `a → b` is the top of
//!    its heap.
//! 4. Feed each centre's own lower segment first (a zero-reduced-cost path,
//!    so a valid shortest-path step), then repeat: a Dijkstra over the
//!    `k + 1` nodes with Johnson potentials (linear-scan selection; each
//!    centre relaxes only the centres its heaps reach, a handful when
//!    candidates are pruned), from every centre that still has supply,
//!    stopping at `T`; augment along the path by its bottleneck
//!    (remaining supply, segment residual, or a unit's load on a move arc);
//!    update potentials by `min(d(v), d(T))`, which keeps reduced costs
//!    non-negative without a full search.
//! 5. If supply remains with no path to `T`, or a lower bound stays unfilled,
//!    the pruned problem is infeasible: solve again with all centres.
//! 6. Purify to a vertex: while the units that are split, together with the
//!    centres whose load is strictly inside their bounds, contain a cycle,
//!    push load around that cycle (its cost is zero at an optimum, and the
//!    direction with cost ≤ 0 is taken) until one of its shares or loads
//!    reaches a bound. At a vertex these form a forest, hence at most `k − 1`
//!    split units.
//!
//! Every augmentation empties a source, fills a segment or empties a unit
//! from a centre, so no step is infinitesimal. Amounts below `1e-12` of the
//! total load count as zero, and a share below `1e-9` of its unit is dropped
//! at the end (the unit's other shares are rescaled), moving each load by at
//! most `1e-9` of a unit's weight.
//!
//! # Complexity
//!
//! `O(n·c·log(n·c))` to set up (`c` candidates) and `O(k²)` per Dijkstra plus
//! amortised heap work. The number of augmentations is small in practice
//! (a few per unit that must move); the solver stops with
//! [`FlowError::NoConvergence`] after `100·(n + k) + 10 000` of them rather
//! than run on. Memory is `O(n·c + k²)`.
//!
//! # Errors
//!
//! - [`FlowError::InvalidInput`]: mismatched lengths, no centre, a weight that
//!   is negative or not finite, a non-finite coordinate or bound,
//!   `lower > upper`, or a non-finite extra cost.
//! - [`FlowError::Infeasible`]: the total load lies outside
//!   `[Σ lower, Σ upper]` (fractional assignment makes every other instance
//!   feasible).
//! - [`FlowError::NoConvergence`]: the iteration cap was hit, or floating
//!   point broke the final load check; both mean a bug or absurd input.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rstar::RTree;
use rstar::primitives::GeomWithData;

/// Default number of candidate centres per unit.
///
/// From the solver probe (docs/DESIGN.md §7, the solver probe):
/// `c = 6` reproduced the unpruned optimum on every tested instance, `c = 4`
/// cost up to 0.34 %, and `c ≤ 3` was infeasible on large instances.
pub const DEFAULT_CANDIDATES: usize = 6;

/// Shares at most this fraction of their unit are dropped (the others are
/// rescaled); they are rounding noise, not splits.
const SHARE_EPS: f64 = 1e-9;

/// Up to this many centres, candidates are found by scanning all centres
/// rather than with an rstar tree; both keep the nearest ones.
const SCAN_CENTRES: usize = 32;

/// Amounts at most this fraction of the total load count as zero.
const AMOUNT_EPS: f64 = 1e-12;

/// Relative slack on the feasibility of the bounds (`Σ lower ≤ total ≤ Σ
/// upper`) so that bounds which sum to the total up to rounding are feasible.
const FEAS_EPS: f64 = 1e-10;

/// A transportation problem: units with positions and loads, centres with
/// load bounds.
#[derive(Clone, Copy)]
pub struct TransportProblem<'a> {
    /// Unit positions in metres (local projection).
    pub pos: &'a [[f64; 2]],
    /// Unit loads; finite and ≥ 0 (a zero-weight unit just goes to its
    /// cheapest candidate).
    pub weight: &'a [f64],
    /// Centre positions in metres.
    pub centres: &'a [[f64; 2]],
    /// Lower load bound per centre; finite and ≥ 0.
    pub lower: &'a [f64],
    /// Upper load bound per centre; ≥ lower, may be `f64::INFINITY`.
    pub upper: &'a [f64],
    /// Nearest centres each unit may use; 0 or ≥ k means all.
    pub candidates: usize,
    /// Optional extra cost per unit of load of putting unit `i` at centre
    /// `j`, added to the squared distance (used for stability). Must be
    /// finite.
    pub extra_cost: Option<&'a (dyn Fn(usize, usize) -> f64 + Sync)>,
}

impl<'a> TransportProblem<'a> {
    /// A problem with the default [`DEFAULT_CANDIDATES`] and no extra cost.
    #[must_use]
    pub fn new(
        pos: &'a [[f64; 2]],
        weight: &'a [f64],
        centres: &'a [[f64; 2]],
        lower: &'a [f64],
        upper: &'a [f64],
    ) -> Self {
        Self {
            pos,
            weight,
            centres,
            lower,
            upper,
            candidates: DEFAULT_CANDIDATES,
            extra_cost: None,
        }
    }
}

impl std::fmt::Debug for TransportProblem<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportProblem")
            .field("units", &self.pos.len())
            .field("centres", &self.centres.len())
            .field("candidates", &self.candidates)
            .field("extra_cost", &self.extra_cost.is_some())
            .finish_non_exhaustive()
    }
}

/// A unit whose load is spread over more than one centre.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// The unit's index.
    pub unit: u32,
    /// `(centre, fraction of the unit)`, sorted by centre; fractions are in
    /// `(0, 1]` and sum to 1.
    pub shares: Vec<(u32, f64)>,
}

/// An optimal (vertex) solution of a [`TransportProblem`].
#[derive(Clone, Debug, PartialEq)]
pub struct TransportSolution {
    /// Per unit, the centre holding its largest share (ties go to the lower
    /// centre index).
    pub primary: Vec<u32>,
    /// Units spread over more than one centre (each share above `1e-9` of
    /// the unit), sorted by unit. At most `k − 1` of them.
    pub splits: Vec<Split>,
    /// Load per centre, `Σ_i w_i · x_ij`.
    pub loads: Vec<f64>,
    /// `Σ_ij w_i · x_ij · cost_ij`.
    pub objective: f64,
    /// The candidate pruning was infeasible and all centres were used.
    pub widened: bool,
}

/// Why [`solve_transport`] could not solve a problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The total load cannot meet the bounds, whatever the assignment.
    #[error(
        "infeasible load bounds: total load {total} must lie between the sum of lower bounds \
         {lower_sum} and the sum of upper bounds {upper_sum}"
    )]
    Infeasible {
        /// Total load of the units.
        total: f64,
        /// Sum of the lower bounds.
        lower_sum: f64,
        /// Sum of the upper bounds.
        upper_sum: f64,
    },
    /// The input breaks a rule stated in [`TransportProblem`].
    #[error("invalid transportation problem: {reason}")]
    InvalidInput {
        /// What is wrong, naming the index and the value.
        reason: String,
    },
    /// The flow did not finish; a bug or numerically absurd input.
    #[error("transportation solver stopped after {iterations} augmentations: {reason}")]
    NoConvergence {
        /// Augmentations done.
        iterations: usize,
        /// What went wrong.
        reason: String,
    },
}

/// Solves a transportation problem exactly; see the module docs.
///
/// # Errors
///
/// [`FlowError::InvalidInput`] for malformed input, [`FlowError::Infeasible`]
/// when `Σ lower ≤ total ≤ Σ upper` fails, [`FlowError::NoConvergence`] if the
/// solver hits its iteration cap.
pub fn solve_transport(p: &TransportProblem) -> Result<TransportSolution, FlowError> {
    validate(p)?;
    let n = p.pos.len();
    let k = p.centres.len();
    let total: f64 = p.weight.iter().sum();
    let lower_sum: f64 = p.lower.iter().sum();
    let upper_sum: f64 = p.upper.iter().sum();
    let slack = FEAS_EPS * total.max(lower_sum).max(1.0);
    if lower_sum > total + slack || upper_sum < total - slack {
        return Err(FlowError::Infeasible {
            total,
            lower_sum,
            upper_sum,
        });
    }
    if n == 0 {
        return Ok(TransportSolution {
            primary: Vec::new(),
            splits: Vec::new(),
            loads: vec![0.0; k],
            objective: 0.0,
            widened: false,
        });
    }
    let pruned = p.candidates != 0 && p.candidates < k;
    if pruned {
        let inst = Instance::build(p, p.candidates)?;
        if let Some(sol) = Ssp::new(&inst, p, total).solve()? {
            return sol.finish(&inst, p, false);
        }
    }
    let inst = Instance::build(p, k)?;
    match Ssp::new(&inst, p, total).solve()? {
        Some(sol) => sol.finish(&inst, p, pruned),
        // With every centre available any total inside the bounds is
        // reachable, so this means the bounds were infeasible after all.
        None => Err(FlowError::Infeasible {
            total,
            lower_sum,
            upper_sum,
        }),
    }
}

fn invalid(reason: String) -> FlowError {
    FlowError::InvalidInput { reason }
}

fn validate(p: &TransportProblem) -> Result<(), FlowError> {
    let n = p.pos.len();
    let k = p.centres.len();
    if p.weight.len() != n {
        return Err(invalid(format!(
            "{} positions but {} weights",
            n,
            p.weight.len()
        )));
    }
    if k == 0 {
        return Err(invalid("no centre".to_owned()));
    }
    if u32::try_from(n).is_err() || u32::try_from(k).is_err() {
        return Err(invalid(format!("{n} units or {k} centres exceed u32")));
    }
    if p.lower.len() != k || p.upper.len() != k {
        return Err(invalid(format!(
            "{} centres but {} lower and {} upper bounds",
            k,
            p.lower.len(),
            p.upper.len()
        )));
    }
    for (i, (q, &w)) in p.pos.iter().zip(p.weight).enumerate() {
        if !(w.is_finite() && w >= 0.0) {
            return Err(invalid(format!(
                "unit {i} has weight {w}; weights must be finite and >= 0"
            )));
        }
        if !(q[0].is_finite() && q[1].is_finite()) {
            return Err(invalid(format!("unit {i} has position {q:?}")));
        }
    }
    for (j, c) in p.centres.iter().enumerate() {
        let (lo, hi) = (p.lower[j], p.upper[j]);
        if !(c[0].is_finite() && c[1].is_finite()) {
            return Err(invalid(format!("centre {j} has position {c:?}")));
        }
        if !(lo.is_finite() && lo >= 0.0 && !hi.is_nan() && lo <= hi) {
            return Err(invalid(format!(
                "centre {j} has bounds [{lo}, {hi}]; need 0 <= lower <= upper, lower finite"
            )));
        }
    }
    Ok(())
}

/// The candidate arcs and their costs, `c` per unit in centre order.
struct Instance {
    n: usize,
    k: usize,
    c: usize,
    /// `cand[i*c + s]`: centre of slot `s` of unit `i`.
    cand: Vec<u32>,
    /// `cost[i*c + s]`: cost per unit of load.
    cost: Vec<f64>,
}
impl Instance {
    fn build(p: &TransportProblem, c: usize) -> Result<Self, FlowError> {
        let n = p.pos.len();
        let k = p.centres.len();
        let c = c.clamp(1, k);
        let cand = if c == k {
            (0..n).flat_map(|_| 0..k as u32).collect()
        } else {
            nearest_centres(p.pos, p.centres, c, k > SCAN_CENTRES)
        };
        let mut cost = Vec::with_capacity(n * c);
        for (i, q) in p.pos.iter().enumerate() {
            for &j in &cand[i * c..(i + 1) * c] {
                let ctr = p.centres[j as usize];
                let (dx, dy) = (q[0] - ctr[0], q[1] - ctr[1]);
                let mut v = dx * dx + dy * dy;
                if let Some(f) = p.extra_cost {
                    let e = f(i, j as usize);
                    if !e.is_finite() {
                        return Err(invalid(format!(
                            "extra cost of unit {i} at centre {j} is {e}"
                        )));
                    }
                    v += e;
                }
                cost.push(v);
            }
        }
        Ok(Self {
            n,
            k,
            c,
            cand,
            cost,
        })
    }
}

/// The `c` nearest centres of every unit (`c < k`), `c` per unit in centre
/// order, found with an rstar tree or, when `tree` is false, by scanning all
/// centres. Both keep the nearest ones; only exact distance ties may differ.
fn nearest_centres(pos: &[[f64; 2]], centres: &[[f64; 2]], c: usize, tree: bool) -> Vec<u32> {
    let mut cand = Vec::with_capacity(pos.len() * c);
    let mut buf = Vec::with_capacity(c);
    if tree {
        let tree = RTree::bulk_load(
            centres
                .iter()
                .enumerate()
                .map(|(j, q)| GeomWithData::new(*q, j as u32))
                .collect(),
        );
        for q in pos {
            buf.clear();
            buf.extend(tree.nearest_neighbor_iter(q).take(c).map(|g| g.data));
            // Slot order is centre order, so tie-breaks never depend on the
            // tree's internal layout.
            buf.sort_unstable();
            cand.extend_from_slice(&buf);
        }
    } else {
        // Few centres: scanning them all beats walking a tree (the rstar
        // iterator took a quarter of the time at 3000 units / 8 centres).
        // Keep the c nearest by (distance, index).
        let mut best: Vec<(f64, u32)> = Vec::with_capacity(c + 1);
        for q in pos {
            best.clear();
            for (j, ctr) in centres.iter().enumerate() {
                let d = (q[0] - ctr[0]).powi(2) + (q[1] - ctr[1]).powi(2);
                if best.len() == c && d >= best[c - 1].0 {
                    continue;
                }
                let at = best.partition_point(|b| b.0 <= d);
                best.insert(at, (d, j as u32));
                best.truncate(c);
            }
            buf.clear();
            buf.extend(best.iter().map(|b| b.1));
            buf.sort_unstable();
            cand.extend_from_slice(&buf);
        }
    }
    cand
}

/// A move of unit load between two slots of one unit; a residual arc.
#[derive(Clone, Copy, Debug)]
struct Move {
    key: f64,
    unit: u32,
    from: u32,
    to: u32,
}

impl PartialEq for Move {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Move {}
impl PartialOrd for Move {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Move {
    /// Reversed so that `BinaryHeap` is a min-heap on (cost, unit, slots).
    fn cmp(&self, o: &Self) -> Ordering {
        o.key
            .total_cmp(&self.key)
            .then(o.unit.cmp(&self.unit))
            .then(o.from.cmp(&self.from))
            .then(o.to.cmp(&self.to))
    }
}

/// How Dijkstra reached a node.
#[derive(Clone, Copy)]
enum Prev {
    Source,
    Move { from: usize, mv: Move },
    Seg { from: usize },
}

/// The successive-shortest-path state.
struct Ssp<'a> {
    inst: &'a Instance,
    weight: &'a [f64],
    lower: &'a [f64],
    /// `upper - lower` per centre.
    cap2: Vec<f64>,
    /// `amt[i*c + s]`: load of unit `i` at its slot `s`.
    amt: Vec<f64>,
    /// `heaps[a*k + b]`: moves from centre `a` to centre `b`.
    heaps: Vec<BinaryHeap<Move>>,
    /// `nbrs[a]`: the centres `b` whose heap `a → b` may be non-empty. With
    /// pruned candidates a centre has far fewer than `k` neighbours, so
    /// Dijkstra relaxes only these instead of all `k`.
    nbrs: Vec<Vec<u32>>,
    /// `listed[a*k + b]`: `b` is in `nbrs[a]`.
    listed: Vec<bool>,
    excess: Vec<f64>,
    flow1: Vec<f64>,
    flow2: Vec<f64>,
    pot: Vec<f64>,
    big_m: f64,
    eps: f64,
    feas_tol: f64,
    iterations: usize,
    // Dijkstra scratch.
    dist: Vec<f64>,
    done: Vec<bool>,
    prev: Vec<Prev>,
}

/// A finished flow: the per-slot amounts.
struct Flow {
    amt: Vec<f64>,
    iterations: usize,
}

impl<'a> Ssp<'a> {
    fn new(inst: &'a Instance, p: &'a TransportProblem, total: f64) -> Self {
        let (n, k, c) = (inst.n, inst.k, inst.c);
        let mut amt = vec![0.0; n * c];
        let mut excess = vec![0.0; k];
        let mut lists: Vec<Vec<Move>> = vec![Vec::new(); k * k];
        let (mut cmin, mut cmax) = (f64::INFINITY, f64::NEG_INFINITY);
        for i in 0..n {
            let row = &inst.cost[i * c..(i + 1) * c];
            let mut best = 0;
            for (s, &v) in row.iter().enumerate() {
                cmin = cmin.min(v);
                cmax = cmax.max(v);
                if v < row[best] {
                    best = s;
                }
            }
            let w = p.weight[i];
            amt[i * c + best] = w;
            let a = inst.cand[i * c + best] as usize;
            excess[a] += w;
            if w > 0.0 {
                for (s, &v) in row.iter().enumerate() {
                    if s != best {
                        let b = inst.cand[i * c + s] as usize;
                        lists[a * k + b].push(Move {
                            key: v - row[best],
                            unit: i as u32,
                            from: best as u32,
                            to: s as u32,
                        });
                    }
                }
            }
        }
        let mut nbrs = vec![Vec::new(); k];
        let mut listed = vec![false; k * k];
        for (idx, l) in lists.iter().enumerate() {
            if !l.is_empty() {
                nbrs[idx / k].push((idx % k) as u32);
                listed[idx] = true;
            }
        }
        let range = (cmax - cmin).max(0.0);
        let big_m = 1.0 + 2.0 * (k as f64 + 1.0) * range;
        let mut pot = vec![0.0; k + 1];
        // Reduced cost of the -M segments starts at zero.
        pot[k] = -big_m;
        Self {
            inst,
            weight: p.weight,
            lower: p.lower,
            cap2: p.lower.iter().zip(p.upper).map(|(l, u)| u - l).collect(),
            amt,
            nbrs,
            listed,
            heaps: lists.into_iter().map(BinaryHeap::from).collect(),
            excess,
            flow1: vec![0.0; k],
            flow2: vec![0.0; k],
            pot,
            big_m,
            eps: AMOUNT_EPS * total,
            feas_tol: FEAS_EPS * total.max(1.0) * (k as f64),
            iterations: 0,
            dist: vec![0.0; k + 1],
            done: vec![false; k + 1],
            prev: vec![Prev::Source; k + 1],
        }
    }

    /// Runs the flow; `None` when this candidate set is infeasible.
    fn solve(mut self) -> Result<Option<Flow>, FlowError> {
        let k = self.inst.k;
        // Step 4's free first move: a centre's own lower segment is a
        // zero-reduced-cost path, hence a shortest one.
        for j in 0..k {
            let d = self.excess[j].min(self.lower[j]);
            self.flow1[j] = d;
            self.excess[j] -= d;
        }
        let cap = 100 * (self.inst.n + k) + 10_000;
        loop {
            if !self.excess.iter().any(|&e| e > self.eps) {
                break;
            }
            if self.iterations >= cap {
                return Err(FlowError::NoConvergence {
                    iterations: self.iterations,
                    reason: format!(
                        "iteration cap reached with {} load still unrouted",
                        self.excess.iter().sum::<f64>()
                    ),
                });
            }
            self.iterations += 1;
            if !self.dijkstra() {
                let left: f64 = self.excess.iter().sum();
                if left <= self.feas_tol {
                    break;
                }
                return Ok(None);
            }
            self.augment();
        }
        let unfilled: f64 = (0..k)
            .map(|j| (self.lower[j] - self.flow1[j]).max(0.0))
            .sum();
        if unfilled > self.feas_tol {
            return Ok(None);
        }
        let mut flow = Flow {
            amt: self.amt,
            iterations: self.iterations,
        };
        flow.purify(self.inst, self.weight, self.lower, &self.cap2);
        Ok(Some(flow))
    }

    /// The cheapest live move `a → b`, dropping dead heap entries.
    fn top(heaps: &mut [BinaryHeap<Move>], amt: &[f64], c: usize, idx: usize) -> Option<Move> {
        let h = &mut heaps[idx];
        while let Some(m) = h.peek() {
            if amt[m.unit as usize * c + m.from as usize] > 0.0 {
                return Some(*m);
            }
            h.pop();
        }
        None
    }

    /// Dense Dijkstra from every node with supply to `T`; updates
    /// potentials. Returns false when `T` is unreachable.
    fn dijkstra(&mut self) -> bool {
        let k = self.inst.k;
        let c = self.inst.c;
        let t = k;
        for v in 0..=k {
            self.dist[v] = f64::INFINITY;
            self.done[v] = false;
            self.prev[v] = Prev::Source;
        }
        for j in 0..k {
            if self.excess[j] > self.eps {
                self.dist[j] = 0.0;
            }
        }
        loop {
            let mut u = usize::MAX;
            let mut du = f64::INFINITY;
            for v in 0..=k {
                if !self.done[v] && self.dist[v] < du {
                    du = self.dist[v];
                    u = v;
                }
            }
            if u == usize::MAX {
                return false;
            }
            if u == t {
                break;
            }
            self.done[u] = true;
            let pu = self.pot[u];
            let mut x = 0;
            while x < self.nbrs[u].len() {
                let v = self.nbrs[u][x] as usize;
                x += 1;
                if self.done[v] {
                    continue;
                }
                if let Some(mv) = Self::top(&mut self.heaps, &self.amt, c, u * k + v) {
                    let nd = du + (mv.key + pu - self.pot[v]).max(0.0);
                    if nd < self.dist[v] {
                        self.dist[v] = nd;
                        self.prev[v] = Prev::Move { from: u, mv };
                    }
                } else {
                    // The heap ran dry: unlist it until a push refills it.
                    x -= 1;
                    self.nbrs[u].swap_remove(x);
                    self.listed[u * k + v] = false;
                }
            }
            let seg_cost = if self.lower[u] - self.flow1[u] > self.eps {
                Some(-self.big_m)
            } else if self.cap2[u] - self.flow2[u] > self.eps {
                Some(0.0)
            } else {
                None
            };
            if let Some(sc) = seg_cost {
                let nd = du + (sc + pu - self.pot[t]).max(0.0);
                if nd < self.dist[t] {
                    self.dist[t] = nd;
                    self.prev[t] = Prev::Seg { from: u };
                }
            }
        }
        let dt = self.dist[t];
        for v in 0..=k {
            self.pot[v] += self.dist[v].min(dt);
        }
        true
    }

    /// Pushes the bottleneck along the path Dijkstra found.
    fn augment(&mut self) {
        let k = self.inst.k;
        let c = self.inst.c;
        let Prev::Seg { from: last } = self.prev[k] else {
            return;
        };
        let lower_seg = self.lower[last] - self.flow1[last] > self.eps;
        let mut delta = if lower_seg {
            self.lower[last] - self.flow1[last]
        } else {
            self.cap2[last] - self.flow2[last]
        };
        let mut path: Vec<Move> = Vec::new();
        let mut v = last;
        while let Prev::Move { from, mv } = self.prev[v] {
            delta = delta.min(self.amt[mv.unit as usize * c + mv.from as usize]);
            path.push(mv);
            v = from;
        }
        let src = v;
        delta = delta.min(self.excess[src]);
        self.excess[src] -= delta;
        for mv in path.iter().rev() {
            let i = mv.unit as usize;
            let base = i * c;
            let left = self.amt[base + mv.from as usize] - delta;
            // A unit left at a centre by rounding residue only is moved
            // whole; the residue stays as a tiny supply at the new centre.
            let moved = if left <= self.eps {
                let all = self.amt[base + mv.from as usize];
                self.amt[base + mv.from as usize] = 0.0;
                all
            } else {
                self.amt[base + mv.from as usize] = left;
                delta
            };
            let to = mv.to as usize;
            let gained = self.amt[base + to] <= 0.0;
            self.amt[base + to] += moved;
            let b = self.inst.cand[base + to] as usize;
            self.excess[b] += moved - delta;
            if gained {
                let row = &self.inst.cost[base..base + c];
                for (s, &cv) in row.iter().enumerate() {
                    if s != to {
                        let x = self.inst.cand[base + s] as usize;
                        if !self.listed[b * k + x] {
                            self.listed[b * k + x] = true;
                            self.nbrs[b].push(x as u32);
                        }
                        self.heaps[b * k + x].push(Move {
                            key: cv - row[to],
                            unit: mv.unit,
                            from: mv.to,
                            to: s as u32,
                        });
                    }
                }
            }
        }
        if lower_seg {
            self.flow1[last] += delta;
        } else {
            self.flow2[last] += delta;
        }
    }
}

/// An edge of the support graph used by purification.
#[derive(Clone, Copy)]
enum Edge {
    /// Unit node to centre node through the unit's slot.
    Share { unit: usize, slot: usize },
    /// Centre node to `T` through a load strictly inside its bounds.
    Seg { centre: usize },
}

/// A tiny union-find for cycle detection.
fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// An oriented step of a support cycle: from node, to node, and the edge.
type Step = (usize, usize, Edge);

/// The first cycle closed when `edges` are added in order to a forest over
/// `nodes` nodes (union-find), as oriented steps `v -> ... -> u -> v`, or
/// `None` when the support is a forest.
fn first_cycle(edges: &[Step], nodes: usize) -> Option<Vec<Step>> {
    let mut parent: Vec<usize> = (0..nodes).collect();
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nodes];
    for (e, &(u, v, _)) in edges.iter().enumerate() {
        let (ru, rv) = (find(&mut parent, u), find(&mut parent, v));
        if ru != rv {
            parent[ru] = rv;
            adj[u].push((v, e));
            adj[v].push((u, e));
            continue;
        }
        // Path v -> u in the forest, then the edge u -> v closes it.
        let mut back: Vec<Option<(usize, usize)>> = vec![None; nodes];
        let mut seen = vec![false; nodes];
        let mut queue = std::collections::VecDeque::from([v]);
        seen[v] = true;
        while let Some(x) = queue.pop_front() {
            if x == u {
                break;
            }
            for &(y, ey) in &adj[x] {
                if !seen[y] {
                    seen[y] = true;
                    back[y] = Some((x, ey));
                    queue.push_back(y);
                }
            }
        }
        // Walk from u back to v: gives the oriented steps v -> ... -> u.
        let mut steps = vec![(u, v, edges[e].2)];
        let mut x = u;
        while let Some((y, ey)) = back[x] {
            steps.push((y, x, edges[ey].2));
            x = y;
        }
        return Some(steps);
    }
    None
}

impl Flow {
    fn loads(&self, inst: &Instance) -> Vec<f64> {
        let mut loads = vec![0.0; inst.k];
        for (a, &j) in self.amt.iter().zip(&inst.cand) {
            loads[j as usize] += a;
        }
        loads
    }

    /// Step 6: cancel zero-cost cycles until the support is a forest.
    ///
    /// Each round builds the support graph ([`Flow::support_edges`]), finds
    /// its first cycle ([`first_cycle`]) and pushes flow around it in the
    /// cheaper direction until one edge leaves the support
    /// ([`Flow::cancel_cycle`]).
    fn purify(&mut self, inst: &Instance, weight: &[f64], lower: &[f64], cap2: &[f64]) {
        let (n, k) = (inst.n, inst.k);
        let total: f64 = weight.iter().sum();
        let tol = FEAS_EPS * total;
        let mut rounds = 0;
        loop {
            rounds += 1;
            if rounds > 4 * (n + k) {
                return;
            }
            let loads = self.loads(inst);
            let (edges, nodes) = self.support_edges(inst, &loads, lower, cap2, tol);
            let Some(steps) = first_cycle(&edges, nodes) else {
                return;
            };
            if !self.cancel_cycle(inst, &steps, &loads, lower, cap2) {
                return;
            }
        }
    }

    /// The support graph of the current amounts and its node count. Nodes:
    /// centres `0..k`, `T = k`, then one per split unit. Edges: every
    /// positive share of a split unit, and centre to `T` for every centre
    /// whose load lies strictly inside its bounds (by more than `tol`).
    fn support_edges(
        &self,
        inst: &Instance,
        loads: &[f64],
        lower: &[f64],
        cap2: &[f64],
        tol: f64,
    ) -> (Vec<Step>, usize) {
        let (n, k, c) = (inst.n, inst.k, inst.c);
        let t = k;
        let mut split_units = 0;
        let mut edges: Vec<Step> = Vec::new();
        for i in 0..n {
            let row = &self.amt[i * c..(i + 1) * c];
            if row.iter().filter(|&&a| a > 0.0).count() < 2 {
                continue;
            }
            let node = k + 1 + split_units;
            split_units += 1;
            for (s, &a) in row.iter().enumerate() {
                if a > 0.0 {
                    let j = inst.cand[i * c + s] as usize;
                    edges.push((node, j, Edge::Share { unit: i, slot: s }));
                }
            }
        }
        for j in 0..k {
            let upper = lower[j] + cap2[j];
            if loads[j] > lower[j] + tol && loads[j] < upper - tol {
                edges.push((j, t, Edge::Seg { centre: j }));
            }
        }
        (edges, k + 1 + split_units)
    }

    /// Pushes flow around the cycle `steps` in its cheaper direction until
    /// one edge leaves the support (that edge's share is set to exactly
    /// zero). Returns false when no edge bounds the push.
    fn cancel_cycle(
        &mut self,
        inst: &Instance,
        steps: &[Step],
        loads: &[f64],
        lower: &[f64],
        cap2: &[f64],
    ) -> bool {
        let (k, c) = (inst.k, inst.c);
        let t = k;
        // Orientation: a step (from, to). Share edge: unit -> centre
        // raises the share, centre -> unit lowers it. Seg edge:
        // centre -> T raises the load, T -> centre lowers it.
        let dir_cost = |rev: bool| -> f64 {
            let mut s = 0.0;
            for &(from, _, e) in steps {
                if let Edge::Share { unit, slot } = e {
                    let up = (from > k) != rev;
                    let v = inst.cost[unit * c + slot];
                    s += if up { v } else { -v };
                }
            }
            s
        };
        let rev = dir_cost(false) > 0.0;
        let mut theta = f64::INFINITY;
        let mut arg: Option<usize> = None;
        for (idx, &(from, _, e)) in steps.iter().enumerate() {
            let cap = match e {
                Edge::Share { unit, slot } => {
                    let up = (from > k) != rev;
                    if up {
                        f64::INFINITY
                    } else {
                        self.amt[unit * c + slot]
                    }
                }
                Edge::Seg { centre } => {
                    let up = (from != t) != rev;
                    if up {
                        lower[centre] + cap2[centre] - loads[centre]
                    } else {
                        loads[centre] - lower[centre]
                    }
                }
            };
            if cap < theta {
                theta = cap;
                arg = Some(idx);
            }
        }
        let Some(arg) = arg else {
            return false;
        };
        let theta = theta.max(0.0);
        for (idx, &(from, _, e)) in steps.iter().enumerate() {
            if let Edge::Share { unit, slot } = e {
                let up = (from > k) != rev;
                let a = &mut self.amt[unit * c + slot];
                if up {
                    *a += theta;
                } else if idx == arg {
                    *a = 0.0;
                } else {
                    *a = (*a - theta).max(0.0);
                }
            }
        }
        true
    }

    /// Shares, primaries, loads and objective from the amounts.
    fn finish(
        self,
        inst: &Instance,
        p: &TransportProblem,
        widened: bool,
    ) -> Result<TransportSolution, FlowError> {
        let (n, k, c) = (inst.n, inst.k, inst.c);
        let mut primary = Vec::with_capacity(n);
        let mut splits = Vec::new();
        let mut loads = vec![0.0; k];
        let mut objective = 0.0;
        let mut shares: Vec<(u32, f64, f64)> = Vec::with_capacity(c);
        for i in 0..n {
            let w = p.weight[i];
            shares.clear();
            let row = &self.amt[i * c..(i + 1) * c];
            let sum: f64 = row.iter().sum();
            for (s, &a) in row.iter().enumerate() {
                if a > 0.0 && a > SHARE_EPS * sum {
                    shares.push((inst.cand[i * c + s], a, inst.cost[i * c + s]));
                }
            }
            if shares.is_empty() {
                // Zero weight: the cheapest slot (the first with the least
                // cost, as chosen at the start).
                let row_cost = &inst.cost[i * c..(i + 1) * c];
                let mut best = 0;
                for (s, &v) in row_cost.iter().enumerate() {
                    if v < row_cost[best] {
                        best = s;
                    }
                }
                shares.push((inst.cand[i * c + best], 1.0, row_cost[best]));
            }
            let kept: f64 = shares.iter().map(|s| s.1).sum();
            let mut best = 0;
            for (s, sh) in shares.iter().enumerate() {
                if sh.1 > shares[best].1 {
                    best = s;
                }
            }
            primary.push(shares[best].0);
            for &(j, a, cost) in &shares {
                let f = a / kept;
                loads[j as usize] += w * f;
                objective += w * f * cost;
            }
            if shares.len() > 1 {
                splits.push(Split {
                    unit: i as u32,
                    shares: shares.iter().map(|&(j, a, _)| (j, a / kept)).collect(),
                });
            }
        }
        let total: f64 = p.weight.iter().sum();
        let tol = 1e-7 * total.max(1.0);
        for (j, &l) in loads.iter().enumerate() {
            if l < p.lower[j] - tol || l > p.upper[j] + tol {
                return Err(FlowError::NoConvergence {
                    iterations: self.iterations,
                    reason: format!(
                        "centre {j} ends with load {l} outside [{}, {}]",
                        p.lower[j], p.upper[j]
                    ),
                });
            }
        }
        Ok(TransportSolution {
            primary,
            splits,
            loads,
            objective,
            widened,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::Rng;
    use good_lp::{Expression, ProblemVariables, SolverModel, Variable, constraint, variable};

    /// An owned instance, so tests can build problems from it.
    #[derive(Clone, Debug)]
    struct Owned {
        pos: Vec<[f64; 2]>,
        weight: Vec<f64>,
        centres: Vec<[f64; 2]>,
        lower: Vec<f64>,
        upper: Vec<f64>,
    }

    impl Owned {
        fn problem(&self, candidates: usize) -> TransportProblem<'_> {
            TransportProblem {
                candidates,
                ..TransportProblem::new(
                    &self.pos,
                    &self.weight,
                    &self.centres,
                    &self.lower,
                    &self.upper,
                )
            }
        }

        fn total(&self) -> f64 {
            self.weight.iter().sum()
        }
    }

    /// Seeded random instance: clustered points, some duplicates and heavy
    /// units, centres drawn from the points, bounds `t(1 ± tol)`.
    fn instance(seed: u64, n: usize, k: usize, tol: f64, dup: bool, heavy: bool) -> Owned {
        let mut r = Rng::new(seed);
        let blobs: Vec<[f64; 2]> = (0..4)
            .map(|_| [r.range(0.0, 1000.0), r.range(0.0, 1000.0)])
            .collect();
        let mut pos = Vec::with_capacity(n);
        let mut weight = Vec::with_capacity(n);
        for i in 0..n {
            if dup && i > 0 && r.f64() < 0.3 {
                pos.push(pos[r.below(i)]);
            } else {
                let b = blobs[r.below(blobs.len())];
                pos.push([b[0] + 120.0 * r.normal(), b[1] + 120.0 * r.normal()]);
            }
            weight.push(1.0 + r.below(5) as f64);
        }
        let mut total: f64 = weight.iter().sum();
        if heavy {
            for _ in 0..3 {
                let i = r.below(n);
                let extra = r.range(0.2, 1.5) * total / k as f64;
                weight[i] += extra;
                total += extra;
            }
        }
        let centres: Vec<[f64; 2]> = (0..k).map(|_| pos[r.below(n)]).collect();
        let t = total / k as f64;
        Owned {
            pos,
            weight,
            centres,
            lower: vec![t * (1.0 - tol); k],
            upper: vec![t * (1.0 + tol); k],
        }
    }

    fn cost(o: &Owned, i: usize, j: usize, extra: Option<&dyn Fn(usize, usize) -> f64>) -> f64 {
        let (dx, dy) = (o.pos[i][0] - o.centres[j][0], o.pos[i][1] - o.centres[j][1]);
        dx * dx + dy * dy + extra.map_or(0.0, |f| f(i, j))
    }

    /// The LP written with good_lp: x_ij in [0, 1], one row per unit and
    /// two per centre.
    struct LpOracle {
        vars: ProblemVariables,
        objective: Expression,
        x: Vec<Vec<Variable>>,
        loads: Vec<Expression>,
    }

    impl LpOracle {
        fn new(o: &Owned, extra: Option<&dyn Fn(usize, usize) -> f64>) -> Self {
            let k = o.centres.len();
            let mut vars = ProblemVariables::new();
            let mut objective = Expression::from(0.0);
            let mut loads = vec![Expression::from(0.0); k];
            let mut x = Vec::new();
            for i in 0..o.pos.len() {
                let row = vars.add_vector(variable().min(0.0).max(1.0), k);
                for (j, &v) in row.iter().enumerate() {
                    objective += v * (o.weight[i] * cost(o, i, j, extra));
                    loads[j] += v * o.weight[i];
                }
                x.push(row);
            }
            Self {
                vars,
                objective,
                x,
                loads,
            }
        }

        fn solve(self, o: &Owned) -> f64 {
            let mut model = self
                .vars
                .minimise(self.objective.clone())
                .using(good_lp::clarabel);
            model.settings().tol_gap_rel(1e-11).tol_gap_abs(1e-9);
            for row in &self.x {
                let s: Expression = row.iter().copied().sum();
                model = model.with(constraint!(s == 1.0));
            }
            for (j, l) in self.loads.into_iter().enumerate() {
                model = model.with(constraint!(l.clone() >= o.lower[j]));
                model = model.with(constraint!(l <= o.upper[j]));
            }
            let sol = model.solve().unwrap();
            self.objective.eval_with(&sol)
        }
    }

    fn oracle(o: &Owned, extra: Option<&dyn Fn(usize, usize) -> f64>) -> f64 {
        LpOracle::new(o, extra).solve(o)
    }

    /// Checks shares, loads, bounds, objective and the vertex property;
    /// returns the number of split units.
    fn check(
        o: &Owned,
        s: &TransportSolution,
        extra: Option<&dyn Fn(usize, usize) -> f64>,
    ) -> usize {
        let (n, k) = (o.pos.len(), o.centres.len());
        assert_eq!(s.primary.len(), n);
        assert_eq!(s.loads.len(), k);
        let mut frac: Vec<Vec<(usize, f64)>> =
            s.primary.iter().map(|&j| vec![(j as usize, 1.0)]).collect();
        let mut last = None;
        for sp in &s.splits {
            assert!(last < Some(sp.unit), "splits sorted by unit");
            last = Some(sp.unit);
            assert!(sp.shares.len() >= 2);
            let sum: f64 = sp.shares.iter().map(|x| x.1).sum();
            assert!((sum - 1.0).abs() < 1e-9, "shares sum {sum}");
            assert!(sp.shares.iter().all(|x| x.1 > 1e-9 && x.1 <= 1.0));
            let best = sp.shares.iter().fold(
                (u32::MAX, -1.0),
                |b, &(j, f)| if f > b.1 { (j, f) } else { b },
            );
            assert_eq!(
                s.primary[sp.unit as usize], best.0,
                "primary = largest share"
            );
            frac[sp.unit as usize] = sp.shares.iter().map(|&(j, f)| (j as usize, f)).collect();
        }
        let mut loads = vec![0.0; k];
        let mut obj = 0.0;
        for (i, row) in frac.iter().enumerate() {
            for &(j, f) in row {
                loads[j] += o.weight[i] * f;
                obj += o.weight[i] * f * cost(o, i, j, extra);
            }
        }
        for (j, (&l, &reported)) in loads.iter().zip(&s.loads).enumerate() {
            let scale = o.upper[j].max(1.0);
            assert!(
                (l - reported).abs() <= 1e-9 * scale,
                "load {j}: {l} vs {reported}"
            );
            assert!(l >= o.lower[j] - 1e-9 * scale, "load {j} below lower");
            assert!(l <= o.upper[j] + 1e-9 * scale, "load {j} above upper");
        }
        assert!((obj - s.objective).abs() <= 1e-9 * obj.abs().max(1.0));
        assert!(
            s.splits.len() < k.max(1),
            "{} splits with k = {k}",
            s.splits.len()
        );
        s.splits.len()
    }

    #[test]
    fn matches_lp_oracle_on_random_instances() {
        let tols = [0.02, 0.05, 0.1];
        let mut max_split = 0;
        for seed in 0..30u64 {
            let mut r = Rng::new(1000 + seed);
            let n = 20 + r.below(281);
            let k = 2 + r.below(7);
            let o = instance(
                seed,
                n,
                k,
                tols[seed as usize % 3],
                seed % 4 == 1,
                seed % 5 == 2,
            );
            let s = solve_transport(&o.problem(0)).unwrap();
            assert!(!s.widened);
            max_split = max_split.max(check(&o, &s, None));
            let lp = oracle(&o, None);
            assert!(
                (s.objective - lp).abs() <= 1e-6 * lp.abs(),
                "seed {seed} n {n} k {k}: flow {} vs LP {lp}",
                s.objective
            );
            // Pruning can never beat the full optimum.
            let pruned = solve_transport(&o.problem(3)).unwrap();
            check(&o, &pruned, None);
            assert!(pruned.objective >= s.objective * (1.0 - 1e-9));
        }
        assert!(max_split >= 1, "instances too easy: nothing was split");
    }

    #[test]
    fn lp_bound_and_integral_optimum_on_tiny_instances() {
        let mut equal_checked = 0;
        for seed in 0..60u64 {
            let mut r = Rng::new(7000 + seed);
            let n = 2 + r.below(7);
            let k = 2 + r.below(2);
            let o = instance(seed + 500, n, k, 0.35, seed % 3 == 0, false);
            let s = solve_transport(&o.problem(0)).unwrap();
            check(&o, &s, None);
            // Enumerate every integral assignment.
            let mut best = f64::INFINITY;
            let mut a = vec![0usize; n];
            'outer: loop {
                let mut loads = vec![0.0; k];
                let mut obj = 0.0;
                for (i, &j) in a.iter().enumerate() {
                    loads[j] += o.weight[i];
                    obj += o.weight[i] * cost(&o, i, j, None);
                }
                let ok =
                    (0..k).all(|j| loads[j] >= o.lower[j] - 1e-9 && loads[j] <= o.upper[j] + 1e-9);
                if ok && obj < best {
                    best = obj;
                }
                for d in &mut a {
                    *d += 1;
                    if *d < k {
                        continue 'outer;
                    }
                    *d = 0;
                }
                break;
            }
            if best.is_finite() {
                assert!(s.objective <= best + 1e-9 * best.max(1.0), "seed {seed}");
                if s.splits.is_empty() {
                    assert!((s.objective - best).abs() <= 1e-9 * best.max(1.0));
                    equal_checked += 1;
                }
            } else {
                assert!(
                    !s.splits.is_empty(),
                    "no integral solution, so something is split"
                );
            }
        }
        assert!(equal_checked >= 5, "only {equal_checked} integral cases");
    }

    #[test]
    fn single_centre_takes_everything() {
        let o = Owned {
            pos: vec![[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]],
            weight: vec![1.0, 2.0, 3.0],
            centres: vec![[0.0, 0.0]],
            lower: vec![0.0],
            upper: vec![6.0],
        };
        let s = solve_transport(&o.problem(DEFAULT_CANDIDATES)).unwrap();
        assert_eq!(s.primary, vec![0, 0, 0]);
        assert!(s.splits.is_empty());
        assert!((s.loads[0] - 6.0).abs() < 1e-12);
        assert!((s.objective - (2.0 * 25.0 + 3.0 * 2.0)).abs() < 1e-9);
    }

    #[test]
    fn a_unit_heavier_than_any_upper_bound_is_split() {
        let o = Owned {
            pos: vec![[0.0, 0.0], [10.0, 0.0], [100.0, 0.0]],
            weight: vec![100.0, 1.0, 1.0],
            centres: vec![[0.0, 0.0], [100.0, 0.0]],
            lower: vec![45.0, 45.0],
            upper: vec![57.0, 57.0],
        };
        let s = solve_transport(&o.problem(0)).unwrap();
        check(&o, &s, None);
        assert_eq!(s.splits.len(), 1);
        assert_eq!(s.splits[0].unit, 0);
        // The heavy unit fills centre 0 to its upper bound.
        assert!((s.loads[0] - 57.0).abs() < 1e-9);
        assert!((s.objective - oracle(&o, None)).abs() <= 1e-6 * s.objective);
    }

    #[test]
    fn infeasible_bounds_report_the_numbers() {
        let mut o = instance(3, 50, 3, 0.05, false, false);
        let total = o.total();
        o.lower = vec![total / 2.0; 3];
        o.upper = vec![total; 3];
        match solve_transport(&o.problem(0)) {
            Err(FlowError::Infeasible {
                total: t,
                lower_sum,
                upper_sum,
            }) => {
                assert!((t - total).abs() < 1e-9);
                assert!((lower_sum - 1.5 * total).abs() < 1e-9);
                assert!(upper_sum > 0.0);
            }
            other => panic!("expected Infeasible, got {other:?}"),
        }
        let mut o = instance(4, 50, 3, 0.05, false, false);
        o.lower = vec![0.0; 3];
        o.upper = vec![o.total() / 4.0; 3];
        assert!(matches!(
            solve_transport(&o.problem(0)),
            Err(FlowError::Infeasible { .. })
        ));
    }

    #[test]
    fn bad_input_is_rejected() {
        let base = instance(5, 10, 2, 0.1, false, false);
        for bad in [f64::NAN, -1.0, f64::INFINITY] {
            let mut o = base.clone();
            o.weight[3] = bad;
            let e = solve_transport(&o.problem(0)).unwrap_err();
            assert!(
                matches!(&e, FlowError::InvalidInput { reason } if reason.contains("unit 3")),
                "{e}"
            );
        }
        let mut o = base.clone();
        o.pos[1][0] = f64::NAN;
        assert!(matches!(
            solve_transport(&o.problem(0)),
            Err(FlowError::InvalidInput { .. })
        ));
        let mut o = base.clone();
        o.lower[0] = o.upper[0] + 1.0;
        assert!(matches!(
            solve_transport(&o.problem(0)),
            Err(FlowError::InvalidInput { .. })
        ));
        let mut o = base.clone();
        o.weight.pop();
        assert!(matches!(
            solve_transport(&o.problem(0)),
            Err(FlowError::InvalidInput { .. })
        ));
        let mut o = base;
        o.centres.clear();
        o.lower.clear();
        o.upper.clear();
        assert!(matches!(
            solve_transport(&o.problem(0)),
            Err(FlowError::InvalidInput { .. })
        ));
        let nan_extra = |_: usize, _: usize| f64::NAN;
        let o = instance(6, 10, 2, 0.1, false, false);
        let p = TransportProblem {
            extra_cost: Some(&nan_extra),
            ..o.problem(0)
        };
        assert!(matches!(
            solve_transport(&p),
            Err(FlowError::InvalidInput { .. })
        ));
    }

    #[test]
    fn infeasible_pruning_widens_and_stays_optimal() {
        // Every unit is nearest to centre 0, but centre 1 must take half.
        let mut r = Rng::new(11);
        let pos: Vec<[f64; 2]> = (0..40)
            .map(|_| [r.range(0.0, 10.0), r.range(0.0, 10.0)])
            .collect();
        let o = Owned {
            weight: vec![1.0; 40],
            pos,
            centres: vec![[5.0, 5.0], [100.0, 5.0], [5.0, -300.0]],
            lower: vec![10.0, 15.0, 10.0],
            upper: vec![20.0, 25.0, 20.0],
        };
        let s = solve_transport(&o.problem(1)).unwrap();
        assert!(s.widened);
        check(&o, &s, None);
        let lp = oracle(&o, None);
        assert!(
            (s.objective - lp).abs() <= 1e-6 * lp,
            "{} vs {lp}",
            s.objective
        );
        let full = solve_transport(&o.problem(0)).unwrap();
        assert!(!full.widened);
        assert!((full.objective - s.objective).abs() <= 1e-9 * lp);
    }

    #[test]
    fn extra_cost_matches_lp_oracle() {
        for seed in 0..6u64 {
            let o = instance(
                900 + seed,
                60 + 40 * seed as usize,
                2 + seed as usize,
                0.05,
                seed % 2 == 0,
                false,
            );
            // Penalise about a third of the pairs, strongly enough to matter.
            let extra = |i: usize, j: usize| {
                if (i + 2 * j).is_multiple_of(3) {
                    40_000.0
                } else {
                    0.0
                }
            };
            let p = TransportProblem {
                extra_cost: Some(&extra),
                ..o.problem(0)
            };
            let s = solve_transport(&p).unwrap();
            check(&o, &s, Some(&extra));
            let lp = oracle(&o, Some(&extra));
            assert!(
                (s.objective - lp).abs() <= 1e-6 * lp,
                "seed {seed}: {} vs {lp}",
                s.objective
            );
            let plain = solve_transport(&o.problem(0)).unwrap();
            assert_ne!(plain.primary, s.primary, "the penalty changed nothing");
        }
    }

    #[test]
    fn degenerate_duplicates_stay_a_vertex_and_deterministic() {
        // Many units at few locations: ties everywhere.
        let mut r = Rng::new(21);
        let spots: Vec<[f64; 2]> = (0..12)
            .map(|_| [r.range(0.0, 500.0), r.range(0.0, 500.0)])
            .collect();
        let pos: Vec<[f64; 2]> = (0..600).map(|i| spots[i % spots.len()]).collect();
        let k = 7;
        let weight = vec![1.0; pos.len()];
        let t = 600.0 / k as f64;
        let o = Owned {
            centres: (0..k).map(|j| spots[j]).collect(),
            pos,
            weight,
            lower: vec![t * 0.97; k],
            upper: vec![t * 1.03; k],
        };
        let a = solve_transport(&o.problem(0)).unwrap();
        check(&o, &a, None);
        let b = solve_transport(&o.problem(0)).unwrap();
        assert_eq!(a, b);
        let lp = oracle(&o, None);
        assert!((a.objective - lp).abs() <= 1e-6 * lp);
    }

    #[test]
    fn tree_and_scan_pick_the_same_candidates() {
        let mut o = instance(77, 2000, 45, 0.05, false, false);
        // Distinct random centres, so there are no exact distance ties.
        let mut r = Rng::new(78);
        for q in &mut o.centres {
            *q = [r.range(0.0, 1000.0), r.range(0.0, 1000.0)];
        }
        for c in [1, 4, 6, 20] {
            assert_eq!(
                nearest_centres(&o.pos, &o.centres, c, true),
                nearest_centres(&o.pos, &o.centres, c, false),
                "c = {c}"
            );
        }
        // And they are the nearest: no other centre is strictly closer than
        // the farthest candidate.
        let cand = nearest_centres(&o.pos, &o.centres, 6, true);
        for (i, q) in o.pos.iter().enumerate() {
            let d = |j: usize| (q[0] - o.centres[j][0]).powi(2) + (q[1] - o.centres[j][1]).powi(2);
            let row = &cand[i * 6..(i + 1) * 6];
            let far = row.iter().map(|&j| d(j as usize)).fold(0.0, f64::max);
            for j in 0..o.centres.len() {
                if !row.contains(&(j as u32)) {
                    assert!(d(j) >= far);
                }
            }
        }
    }

    #[test]
    fn pruned_many_centres_match_lp_oracle() {
        // k > SCAN_CENTRES, so the rstar path is used.
        let o = instance(31, 350, 36, 0.05, true, true);
        let s = solve_transport(&o.problem(DEFAULT_CANDIDATES)).unwrap();
        check(&o, &s, None);
        let full = solve_transport(&o.problem(0)).unwrap();
        check(&o, &full, None);
        let lp = oracle(&o, None);
        assert!(
            (full.objective - lp).abs() <= 1e-6 * lp,
            "{} vs {lp}",
            full.objective
        );
        assert!(s.objective >= full.objective * (1.0 - 1e-9));
        assert!(
            s.widened || (s.objective - lp).abs() <= 1e-6 * lp,
            "{} vs {lp}",
            s.objective
        );
    }

    #[test]
    fn zero_weight_and_empty_inputs() {
        let o = Owned {
            pos: vec![[0.0, 0.0], [9.0, 0.0]],
            weight: vec![0.0, 2.0],
            centres: vec![[0.0, 0.0], [10.0, 0.0]],
            lower: vec![0.0, 0.0],
            upper: vec![2.0, 2.0],
        };
        let s = solve_transport(&o.problem(0)).unwrap();
        assert_eq!(s.primary, vec![0, 1]);
        assert!((s.objective - 2.0).abs() < 1e-12);
        let e = Owned {
            pos: vec![],
            weight: vec![],
            centres: vec![[0.0, 0.0]],
            lower: vec![0.0],
            upper: vec![1.0],
        };
        let s = solve_transport(&e.problem(0)).unwrap();
        assert!(s.primary.is_empty() && s.loads == vec![0.0]);
    }
}
