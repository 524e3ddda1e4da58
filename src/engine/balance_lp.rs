//! Balanced assignment under several load measures at once (for example
//! households *and* population, `--balance households,population`).
//!
//! With one measure the capacitated assignment is a network flow and
//! [`crate::engine::flow`] solves it exactly. With `m ≥ 2` measures every unit
//! carries a vector of loads and every centre must keep each of them inside
//! its own band; the constraint matrix is no longer a network matrix, so this
//! module writes the linear programme out and hands it to the interior-point
//! solver Clarabel through `good_lp`:
//!
//! ```text
//! minimise    Σ_ij w⁰_i · x_ij · cost_ij,    cost_ij = |pos_i − c_j|² + extra(i, j)
//! subject to  Σ_j x_ij = 1                            for every unit i
//!             lower_mj ≤ Σ_i wᵐ_i · x_ij ≤ upper_mj    for every measure m, centre j
//!             x_ij ≥ 0                                for every candidate pair (i, j)
//! ```
//!
//! `w⁰` is the *primary* measure (`measures[0]`): it alone weights the
//! squared distances, so with a single measure the LP is exactly the one
//! [`crate::engine::flow::solve_transport`] solves, and the answer has the same
//! [`TransportSolution`] form.
//!
//! # Parameters
//!
//! See [`MultiProblem`]. `candidates` limits each unit to its nearest centres
//! (0 or ≥ k means all); the same default as the flow solver,
//! [`crate::engine::flow::DEFAULT_CANDIDATES`] = 6, is the natural choice: the
//! solver probe (docs/DESIGN.md §7, the solver probe) found 6
//! candidates exact on every tested instance. When the pruned LP is
//! infeasible (or Clarabel fails on it) the solver widens to all centres by
//! itself and says so in [`TransportSolution::widened`].
//!
//! Fixed numerical thresholds, and where they came from:
//!
//! - [`SHARE_DROP`] = 1e-7: an interior-point optimum is not a vertex; every
//!   variable is strictly positive, the non-basic ones at about the final
//!   barrier parameter (1e-10 … 1e-12 at Clarabel's tolerances below). A
//!   share below 1e-7 of its unit is such dust and is dropped.
//! - [`WHOLE_SHARE`] = 1 − 1e-6: a unit whose largest share reaches it is put
//!   there whole. Moving 1e-6 of one unit changes a load by far less than
//!   anything the bands can see.
//! - Clarabel runs with `tol_gap_rel = tol_gap_abs = 1e-9` and
//!   `tol_feas = 1e-9` (good_lp's default for the latter); on the scaled
//!   problem this reproduced the exact flow optimum to better than 1e-6
//!   relative on every single-measure test instance.
//!
//! # Returns
//!
//! A [`TransportSolution`]: each unit's primary centre (largest share, ties
//! to the lower centre index), the split units with their shares, the loads
//! of the *primary* measure per centre, and the objective
//! `Σ_ij w⁰_i · x_ij · cost_ij` with the unscaled cost, as in
//! [`crate::engine::flow`]. Unlike the flow solver's vertex, the number of split
//! units is not bounded by `k − 1`: at a vertex of the m-measure LP it is at
//! most the number of tight load bounds (≤ `m·k`), and on a degenerate
//! instance (ties between equally good assignments) the interior-point
//! optimum may spread more units over the optimal face. The caller rounds
//! the splits.
//!
//! # Algorithm
//!
//! 1. Validate the input (see Errors) and check, per measure, that its total
//!    lies in `[Σ_j lower_mj, Σ_j upper_mj]` (relative slack 1e-10).
//! 2. Units whose measures are all zero touch no constraint; each goes whole
//!    to its cheapest candidate (ties to the lower index) and stays out of
//!    the LP, as the flow solver does with zero-weight units.
//! 3. Candidates: for every unit the `c` nearest centres by
//!    (squared distance, index), found by scanning all centres. The scan is
//!    `O(n·k)` distance evaluations, negligible next to the LP, and its
//!    tie-break is explicit, so the candidate lists are deterministic.
//! 4. Scale the LP so that Clarabel sees numbers near 1:
//!    - subtract each unit's cheapest candidate cost from all its costs
//!      (this shifts the objective by the constant `Σ_i w⁰_i·min_j cost_ij`
//!      because `Σ_j x_ij = 1`, and makes the relative duality gap measure
//!      only the part of the cost the assignment can change);
//!    - divide all objective coefficients by their mean positive value;
//!    - divide each measure's load rows by its mean load per centre
//!      `Σ_i wᵐ_i / k`.
//!
//!    A unit with zero primary measure but some other positive measure gets
//!    the tiny objective weight `1e-6 ×` the mean positive primary measure,
//!    so that the LP still prefers its nearest centre instead of leaving it
//!    on the analytic centre of an indifferent face.
//! 5. Build the LP: one variable `x_ij ≥ 0` per candidate pair (`x_ij ≤ 1`
//!    follows from the unit row), one equality row per unit, and per measure
//!    and centre a `≥ lower` row (skipped when `lower = 0`, implied by
//!    `x ≥ 0`), a `≤ upper` row (skipped when `upper` is infinite), or one
//!    equality when `lower = upper`.
//! 6. Solve with Clarabel; accept only the statuses `Solved` and
//!    `AlmostSolved`. If the pruned LP fails, rebuild it with all centres
//!    (step 5) and solve again, marking the result `widened`.
//! 7. Clean: clamp each share to `[0, 1]`, drop shares below
//!    [`SHARE_DROP`], rescale the unit's other shares to sum 1; a unit whose
//!    largest share is at least [`WHOLE_SHARE`] goes whole to that centre,
//!    the others are reported as [`Split`]s.
//! 8. Recompute every load from the cleaned shares and check it against its
//!    band with a relative tolerance of 1e-5 of the measure's mean load per
//!    centre; a larger breach means Clarabel's answer was numerically
//!    unsound and is reported as an error rather than passed on.
//!
//! # Complexity
//!
//! The LP has `N = n·c` variables and `n + N + 2·m·k` rows. Clarabel's cost
//! is dominated by a sparse LDLᵀ factorisation of its KKT system per
//! iteration (about 20-40 iterations): the unit rows and the `x ≥ 0` rows
//! are very sparse, the `2·m·k` load rows have `N/k` entries each. In
//! practice the solve grows slightly faster than linearly in `n·c`; see the
//! timings in the `timing` test (`cargo test --release --lib balance_lp --
//! --ignored --nocapture`). It is one to two orders of magnitude slower than
//! the flow solver, which is why the single-measure case does not come here.
//!
//! # Errors
//!
//! [`BalanceLpError`]: mismatched lengths, no measure, no centre, a measure
//! value that is negative or not finite, a non-finite coordinate, a bound
//! pair that is not `0 ≤ lower ≤ upper` with `lower` finite, a non-finite
//! extra cost, a measure whose total lies outside its summed bounds, an LP
//! that is infeasible with all centres (the bands of different measures can
//! contradict each other even when each measure alone is feasible), a
//! Clarabel failure, or a cleaned answer breaking a band.

use good_lp::solvers::clarabel::ClarabelSolution;
use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable, variable,
};

use crate::engine::flow::{Split, TransportSolution};

/// Shares of a unit below this fraction are interior-point dust and are
/// dropped (the unit's other shares are rescaled).
pub const SHARE_DROP: f64 = 1e-7;

/// A unit whose largest share is at least this is put whole at that centre.
pub const WHOLE_SHARE: f64 = 1.0 - 1e-6;

/// Relative slack on `Σ lower ≤ total ≤ Σ upper`, as in the flow solver, so
/// bounds that sum to the total up to rounding are feasible.
const FEAS_EPS: f64 = 1e-10;

/// Clarabel's relative and absolute duality-gap tolerances.
const TOL_GAP: f64 = 1e-9;

/// Clarabel's feasibility tolerance (good_lp's default, set explicitly so a
/// good_lp upgrade cannot loosen it silently).
const TOL_FEAS: f64 = 1e-9;

/// Relative weight in the objective of a unit whose primary measure is zero
/// but which carries another measure.
const ZERO_PRIMARY_WEIGHT: f64 = 1e-6;

/// Tolerated breach of a band by the cleaned loads, as a fraction of the
/// measure's mean load per centre.
const LOAD_CHECK: f64 = 1e-5;

/// A balanced assignment problem with several load measures.
#[derive(Clone, Copy)]
pub struct MultiProblem<'a> {
    /// Unit positions in metres (local projection).
    pub pos: &'a [[f64; 2]],
    /// `m ≥ 1` measures, each of length `n`, finite and ≥ 0.
    /// `measures[0]` is the primary one: it weights the squared distance in
    /// the objective.
    pub measures: &'a [Vec<f64>],
    /// Centre positions in metres.
    pub centres: &'a [[f64; 2]],
    /// `lower[m][j]`: lower bound of measure `m`'s load at centre `j`;
    /// finite and ≥ 0.
    pub lower: &'a [Vec<f64>],
    /// `upper[m][j]`: upper bound of measure `m`'s load at centre `j`;
    /// ≥ lower, may be `f64::INFINITY`.
    pub upper: &'a [Vec<f64>],
    /// Nearest centres offered per unit (0 or ≥ k means all); the solver
    /// widens to all centres when the pruned LP is infeasible.
    pub candidates: usize,
    /// Optional extra cost per unit of primary load of unit `i` at centre
    /// `j`, added to the squared distance (same meaning as
    /// [`crate::engine::flow::TransportProblem::extra_cost`]). Must be finite.
    pub extra_cost: Option<&'a (dyn Fn(usize, usize) -> f64 + Sync)>,
}

impl std::fmt::Debug for MultiProblem<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiProblem")
            .field("units", &self.pos.len())
            .field("measures", &self.measures.len())
            .field("centres", &self.centres.len())
            .field("candidates", &self.candidates)
            .field("extra_cost", &self.extra_cost.is_some())
            .finish_non_exhaustive()
    }
}

/// Why [`solve_multi`] could not solve a problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BalanceLpError {
    /// No measure was given.
    #[error("no load measure given")]
    NoMeasure,
    /// No centre was given.
    #[error("no centre given")]
    NoCentre,
    /// More units or centres than `u32` can index.
    #[error("{units} units or {centres} centres exceed u32")]
    TooLarge {
        /// Number of units.
        units: usize,
        /// Number of centres.
        centres: usize,
    },
    /// An input slice has the wrong length.
    #[error("{what}: expected {expected} entries, found {found}")]
    Length {
        /// Which slice (for example "measure 1" or "lower bounds of measure 0").
        what: String,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// A unit has a non-finite coordinate.
    #[error("unit {unit} has position ({x}, {y}); coordinates must be finite")]
    UnitPosition {
        /// Unit index.
        unit: usize,
        /// Its x.
        x: f64,
        /// Its y.
        y: f64,
    },
    /// A centre has a non-finite coordinate.
    #[error("centre {centre} has position ({x}, {y}); coordinates must be finite")]
    CentrePosition {
        /// Centre index.
        centre: usize,
        /// Its x.
        x: f64,
        /// Its y.
        y: f64,
    },
    /// A measure value is negative or not finite.
    #[error("measure {measure} of unit {unit} is {value}; measures must be finite and >= 0")]
    BadMeasure {
        /// Measure index.
        measure: usize,
        /// Unit index.
        unit: usize,
        /// The value.
        value: f64,
    },
    /// A bound pair is not `0 ≤ lower ≤ upper` with `lower` finite.
    #[error(
        "measure {measure} at centre {centre} has bounds [{lower}, {upper}]; \
         need 0 <= lower <= upper, lower finite"
    )]
    BadBound {
        /// Measure index.
        measure: usize,
        /// Centre index.
        centre: usize,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// The extra cost of a pair is not finite.
    #[error("extra cost of unit {unit} at centre {centre} is {value}; it must be finite")]
    BadExtraCost {
        /// Unit index.
        unit: usize,
        /// Centre index.
        centre: usize,
        /// The value.
        value: f64,
    },
    /// A measure's total cannot meet its bounds, whatever the assignment.
    #[error(
        "measure {measure}: total {total} must lie between the sum of lower bounds \
         {lower_sum} and the sum of upper bounds {upper_sum}"
    )]
    TotalOutsideBounds {
        /// Measure index.
        measure: usize,
        /// Total of the measure over all units.
        total: f64,
        /// Sum of its lower bounds.
        lower_sum: f64,
        /// Sum of its upper bounds.
        upper_sum: f64,
    },
    /// Even fractionally and with every centre available, the bands of the
    /// measures cannot all be met at once.
    #[error(
        "no fractional assignment of {units} units to {centres} centres meets the bands \
         of all {measures} measures at once"
    )]
    Infeasible {
        /// Number of units.
        units: usize,
        /// Number of centres.
        centres: usize,
        /// Number of measures.
        measures: usize,
    },
    /// Clarabel did not return an optimal solution.
    #[error(
        "LP solver (clarabel) failed on {units} units, {centres} centres, \
         {candidates} candidates per unit: {status}"
    )]
    Solver {
        /// Number of units.
        units: usize,
        /// Number of centres.
        centres: usize,
        /// Candidates per unit in the failed LP.
        candidates: usize,
        /// Clarabel's status or good_lp's error.
        status: String,
    },
    /// The cleaned solution breaks a band by more than the tolerance: a
    /// numerically unsound solve.
    #[error(
        "LP solution breaks measure {measure} at centre {centre}: load {load} \
         outside [{lower}, {upper}]"
    )]
    Inaccurate {
        /// Measure index.
        measure: usize,
        /// Centre index.
        centre: usize,
        /// The load after cleaning.
        load: f64,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
}

/// Solves a multi-measure balanced assignment; see the module docs.
///
/// # Errors
///
/// See [`BalanceLpError`]: malformed input, a measure whose total lies
/// outside its summed bounds, an LP infeasible with all centres, or a
/// Clarabel failure.
pub fn solve_multi(p: &MultiProblem) -> Result<TransportSolution, BalanceLpError> {
    validate(p)?;
    let n = p.pos.len();
    let k = p.centres.len();
    let nm = p.measures.len();
    let mut totals = Vec::with_capacity(nm);
    for (m, w) in p.measures.iter().enumerate() {
        let total: f64 = w.iter().sum();
        let lower_sum: f64 = p.lower[m].iter().sum();
        let upper_sum: f64 = p.upper[m].iter().sum();
        let slack = FEAS_EPS * total.max(lower_sum).max(1.0);
        if lower_sum > total + slack || upper_sum < total - slack {
            return Err(BalanceLpError::TotalOutsideBounds {
                measure: m,
                total,
                lower_sum,
                upper_sum,
            });
        }
        totals.push(total);
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
    let c = if pruned { p.candidates } else { k };
    let inst = Instance::build(p, c)?;
    let (inst, x, widened) = match solve_lp(p, &inst, &totals) {
        Ok(x) => (inst, x, false),
        Err(first) if pruned => {
            let all = Instance::build(p, k)?;
            match solve_lp(p, &all, &totals) {
                Ok(x) => (all, x, true),
                Err(LpFailure::Infeasible) => {
                    return Err(BalanceLpError::Infeasible {
                        units: n,
                        centres: k,
                        measures: nm,
                    });
                }
                Err(LpFailure::Other(status)) => {
                    return Err(BalanceLpError::Solver {
                        units: n,
                        centres: k,
                        candidates: k,
                        status: format!("{status} (pruned to {c} candidates: {first:?})"),
                    });
                }
            }
        }
        Err(LpFailure::Infeasible) => {
            return Err(BalanceLpError::Infeasible {
                units: n,
                centres: k,
                measures: nm,
            });
        }
        Err(LpFailure::Other(status)) => {
            return Err(BalanceLpError::Solver {
                units: n,
                centres: k,
                candidates: c,
                status,
            });
        }
    };
    finish(p, &inst, &x, &totals, widened)
}

fn length(what: String, expected: usize, found: usize) -> Result<(), BalanceLpError> {
    if expected == found {
        Ok(())
    } else {
        Err(BalanceLpError::Length {
            what,
            expected,
            found,
        })
    }
}

fn validate(p: &MultiProblem) -> Result<(), BalanceLpError> {
    let n = p.pos.len();
    let k = p.centres.len();
    let nm = p.measures.len();
    if nm == 0 {
        return Err(BalanceLpError::NoMeasure);
    }
    if k == 0 {
        return Err(BalanceLpError::NoCentre);
    }
    if u32::try_from(n).is_err() || u32::try_from(k).is_err() {
        return Err(BalanceLpError::TooLarge {
            units: n,
            centres: k,
        });
    }
    length(
        "lower bound rows (one per measure)".to_owned(),
        nm,
        p.lower.len(),
    )?;
    length(
        "upper bound rows (one per measure)".to_owned(),
        nm,
        p.upper.len(),
    )?;
    for m in 0..nm {
        length(format!("measure {m}"), n, p.measures[m].len())?;
        length(format!("lower bounds of measure {m}"), k, p.lower[m].len())?;
        length(format!("upper bounds of measure {m}"), k, p.upper[m].len())?;
    }
    for (i, q) in p.pos.iter().enumerate() {
        if !(q[0].is_finite() && q[1].is_finite()) {
            return Err(BalanceLpError::UnitPosition {
                unit: i,
                x: q[0],
                y: q[1],
            });
        }
    }
    for (m, w) in p.measures.iter().enumerate() {
        if let Some((i, &value)) = w
            .iter()
            .enumerate()
            .find(|&(_, &v)| !(v.is_finite() && v >= 0.0))
        {
            return Err(BalanceLpError::BadMeasure {
                measure: m,
                unit: i,
                value,
            });
        }
    }
    for (j, q) in p.centres.iter().enumerate() {
        if !(q[0].is_finite() && q[1].is_finite()) {
            return Err(BalanceLpError::CentrePosition {
                centre: j,
                x: q[0],
                y: q[1],
            });
        }
    }
    for m in 0..nm {
        for j in 0..k {
            let (lo, hi) = (p.lower[m][j], p.upper[m][j]);
            if !(lo.is_finite() && lo >= 0.0 && !hi.is_nan() && lo <= hi) {
                return Err(BalanceLpError::BadBound {
                    measure: m,
                    centre: j,
                    lower: lo,
                    upper: hi,
                });
            }
        }
    }
    Ok(())
}

/// Candidate pairs and their unscaled costs, `c` per unit in centre order.
struct Instance {
    c: usize,
    /// `cand[i*c + s]`: centre of slot `s` of unit `i`.
    cand: Vec<u32>,
    /// `cost[i*c + s]`: cost per unit of primary load.
    cost: Vec<f64>,
}

impl Instance {
    fn build(p: &MultiProblem, c: usize) -> Result<Self, BalanceLpError> {
        let k = p.centres.len();
        let c = c.clamp(1, k);
        let mut cand = Vec::with_capacity(p.pos.len() * c);
        let mut cost = Vec::with_capacity(p.pos.len() * c);
        let d2 = |q: [f64; 2], j: usize| {
            let (dx, dy) = (q[0] - p.centres[j][0], q[1] - p.centres[j][1]);
            dx * dx + dy * dy
        };
        // Bounded insertion into the c nearest by (distance, index): the
        // explicit tie-break keeps the lists independent of any data
        // structure's internal order.
        let mut best: Vec<(f64, u32)> = Vec::with_capacity(c + 1);
        let mut slots: Vec<u32> = Vec::with_capacity(c);
        for (i, &q) in p.pos.iter().enumerate() {
            slots.clear();
            if c == k {
                slots.extend(0..k as u32);
            } else {
                best.clear();
                for j in 0..k {
                    let d = d2(q, j);
                    if best.len() == c && d >= best[c - 1].0 {
                        continue;
                    }
                    let at = best.partition_point(|b| b.0 <= d);
                    best.insert(at, (d, j as u32));
                    best.truncate(c);
                }
                slots.extend(best.iter().map(|b| b.1));
                // Slot order is centre order, like the flow solver.
                slots.sort_unstable();
            }
            for &j in &slots {
                let mut v = d2(q, j as usize);
                if let Some(f) = p.extra_cost {
                    let e = f(i, j as usize);
                    if !e.is_finite() {
                        return Err(BalanceLpError::BadExtraCost {
                            unit: i,
                            centre: j as usize,
                            value: e,
                        });
                    }
                    v += e;
                }
                cand.push(j);
                cost.push(v);
            }
        }
        Ok(Self { c, cand, cost })
    }

    /// Slot of unit `i` with the cheapest cost (ties to the lower centre,
    /// since slots are in centre order).
    fn cheapest(&self, i: usize) -> usize {
        let row = &self.cost[i * self.c..(i + 1) * self.c];
        let mut best = 0;
        for (s, &v) in row.iter().enumerate() {
            if v < row[best] {
                best = s;
            }
        }
        best
    }
}

/// How one LP solve failed.
#[derive(Debug)]
enum LpFailure {
    Infeasible,
    Other(String),
}

/// Whether unit `i` carries any load, hence belongs in the LP.
fn active(p: &MultiProblem, i: usize) -> bool {
    p.measures.iter().any(|w| w[i] > 0.0)
}

/// Builds and solves the scaled LP on `inst`; returns the share of every
/// slot (`x[i*c + s]`, zero rows for inactive units).
fn solve_lp(p: &MultiProblem, inst: &Instance, totals: &[f64]) -> Result<Vec<f64>, LpFailure> {
    let n = p.pos.len();
    let c = inst.c;
    let (coef, obj_scale) = objective_coefs(p, inst);
    let mut vars = ProblemVariables::new();
    let mut x: Vec<Option<Variable>> = vec![None; n * c];
    let mut objective = Expression::with_capacity(n * c);
    for i in (0..n).filter(|&i| active(p, i)) {
        for s in 0..c {
            let v = vars.add(variable().min(0.0));
            x[i * c + s] = Some(v);
            objective.add_mul(coef[i * c + s] / obj_scale, v);
        }
    }
    let mut model = vars.minimise(objective).using(good_lp::clarabel);
    model
        .settings()
        .tol_gap_rel(TOL_GAP)
        .tol_gap_abs(TOL_GAP)
        .tol_feas(TOL_FEAS);
    for i in 0..n {
        let row: Vec<Variable> = x[i * c..(i + 1) * c].iter().flatten().copied().collect();
        if row.is_empty() {
            continue;
        }
        let mut e = Expression::with_capacity(c);
        for v in row {
            e.add_mul(1.0, v);
        }
        model.add_constraint(e.eq(1.0));
    }
    add_band_rows(&mut model, p, inst, &x, totals);
    let sol: ClarabelSolution = match model.solve() {
        Ok(s) => s,
        Err(ResolutionError::Infeasible) => return Err(LpFailure::Infeasible),
        Err(e) => return Err(LpFailure::Other(e.to_string())),
    };
    // good_lp also hands back (almost) dual-infeasible certificates as
    // solutions; the LP is bounded (0 ≤ x ≤ 1), so only these two statuses
    // carry an optimum. The status type lives in clarabel, which is not a
    // direct dependency, hence the comparison by name.
    let status = format!("{:?}", sol.inner().status);
    if status != "Solved" && status != "AlmostSolved" {
        return Err(LpFailure::Other(format!("status {status}")));
    }
    Ok(x.iter().map(|v| v.map_or(0.0, |v| sol.value(v))).collect())
}

/// The objective coefficient of every slot, before scaling, and the scale:
/// the primary weight times the slot's cost above the unit's cheapest
/// (a unit without primary weight counts as [`ZERO_PRIMARY_WEIGHT`] of the
/// mean), and the mean positive coefficient, so the scaled objective is of
/// order one whatever the village's size.
fn objective_coefs(p: &MultiProblem, inst: &Instance) -> (Vec<f64>, f64) {
    let n = p.pos.len();
    let c = inst.c;
    let w0 = &p.measures[0];
    let positive: Vec<f64> = w0.iter().copied().filter(|&w| w > 0.0).collect();
    let mean_w0 = if positive.is_empty() {
        1.0
    } else {
        positive.iter().sum::<f64>() / positive.len() as f64
    };
    // Raw objective coefficients, shifted by each unit's cheapest cost.
    let mut coef = vec![0.0; n * c];
    let (mut coef_sum, mut coef_count) = (0.0, 0usize);
    for i in (0..n).filter(|&i| active(p, i)) {
        let row = &inst.cost[i * c..(i + 1) * c];
        let min = row[inst.cheapest(i)];
        let w = if w0[i] > 0.0 {
            w0[i]
        } else {
            ZERO_PRIMARY_WEIGHT * mean_w0
        };
        for s in 0..c {
            let v = w * (row[s] - min);
            coef[i * c + s] = v;
            if v > 0.0 {
                coef_sum += v;
                coef_count += 1;
            }
        }
    }
    let obj_scale = if coef_count > 0 && coef_sum > 0.0 {
        coef_sum / coef_count as f64
    } else {
        1.0
    };
    (coef, obj_scale)
}

/// Adds every measure's band rows, `lower[m][j] ≤ load ≤ upper[m][j]` for
/// each centre j, with the loads divided by the measure's mean grid load
/// (total / k) so that all rows are of order one.
fn add_band_rows(
    model: &mut impl SolverModel,
    p: &MultiProblem,
    inst: &Instance,
    x: &[Option<Variable>],
    totals: &[f64],
) {
    let n = p.pos.len();
    let k = p.centres.len();
    let c = inst.c;
    let kf = k as f64;
    for (m, w) in p.measures.iter().enumerate() {
        let scale = totals[m] / kf;
        if scale <= 0.0 {
            // Every load of this measure is zero, which the total check has
            // already found inside every band.
            continue;
        }
        let mut rows: Vec<Expression> = (0..k).map(|_| Expression::with_capacity(n)).collect();
        for i in 0..n {
            if w[i] <= 0.0 {
                continue;
            }
            for s in 0..c {
                if let Some(v) = x[i * c + s] {
                    rows[inst.cand[i * c + s] as usize].add_mul(w[i] / scale, v);
                }
            }
        }
        for (j, e) in rows.into_iter().enumerate() {
            let (lo, hi) = (p.lower[m][j] / scale, p.upper[m][j] / scale);
            #[expect(
                clippy::float_cmp,
                reason = "a band given as one value is an equality row; equal inputs are equal bits"
            )]
            let fixed = p.lower[m][j] == p.upper[m][j];
            if fixed {
                model.add_constraint(e.eq(lo));
                continue;
            }
            if p.lower[m][j] > 0.0 {
                model.add_constraint(e.clone().geq(lo));
            }
            if hi.is_finite() {
                model.add_constraint(e.leq(hi));
            }
        }
    }
}

/// Cleans the interior-point shares into a [`TransportSolution`] and checks
/// the loads (steps 7-8 of the module docs).
fn finish(
    p: &MultiProblem,
    inst: &Instance,
    x: &[f64],
    totals: &[f64],
    widened: bool,
) -> Result<TransportSolution, BalanceLpError> {
    let n = p.pos.len();
    let k = p.centres.len();
    let c = inst.c;
    let nm = p.measures.len();
    let mut primary = Vec::with_capacity(n);
    let mut splits = Vec::new();
    let mut load = vec![vec![0.0; k]; nm];
    let mut objective = 0.0;
    let mut shares: Vec<(usize, f64)> = Vec::with_capacity(c);
    for i in 0..n {
        shares.clear();
        if active(p, i) {
            let row = &x[i * c..(i + 1) * c];
            shares.extend(
                row.iter()
                    .enumerate()
                    .map(|(s, &v)| (s, v.clamp(0.0, 1.0)))
                    .filter(|&(_, v)| v >= SHARE_DROP),
            );
        }
        let sum: f64 = shares.iter().map(|s| s.1).sum();
        if shares.is_empty() || sum <= 0.0 {
            // Inactive unit (or, defensively, a row of pure dust): the
            // cheapest candidate, as the flow solver does.
            shares.clear();
            shares.push((inst.cheapest(i), 1.0));
        } else {
            for s in &mut shares {
                s.1 /= sum;
            }
        }
        // Largest share; slots are in centre order, so a strict comparison
        // sends ties to the lower centre index.
        let mut top = 0;
        for (t, s) in shares.iter().enumerate() {
            if s.1 > shares[top].1 {
                top = t;
            }
        }
        if shares[top].1 >= WHOLE_SHARE {
            let keep = shares[top].0;
            shares.clear();
            shares.push((keep, 1.0));
            top = 0;
        }
        primary.push(inst.cand[i * c + shares[top].0]);
        for &(s, f) in &shares {
            let j = inst.cand[i * c + s] as usize;
            for (m, w) in p.measures.iter().enumerate() {
                load[m][j] += w[i] * f;
            }
            objective += p.measures[0][i] * f * inst.cost[i * c + s];
        }
        if shares.len() > 1 {
            splits.push(Split {
                unit: i as u32,
                shares: shares
                    .iter()
                    .map(|&(s, f)| (inst.cand[i * c + s], f))
                    .collect(),
            });
        }
    }
    let kf = k as f64;
    for (m, lm) in load.iter().enumerate() {
        let tol = LOAD_CHECK * (totals[m] / kf).max(f64::MIN_POSITIVE);
        for (j, &l) in lm.iter().enumerate() {
            let (lo, hi) = (p.lower[m][j], p.upper[m][j]);
            if l < lo - tol || l > hi + tol {
                return Err(BalanceLpError::Inaccurate {
                    measure: m,
                    centre: j,
                    load: l,
                    lower: lo,
                    upper: hi,
                });
            }
        }
    }
    let loads = load.swap_remove(0);
    Ok(TransportSolution {
        primary,
        splits,
        loads,
        objective,
        widened,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::flow::{self, TransportProblem};
    use crate::engine::rng::Rng;

    /// An owned multi-measure instance.
    #[derive(Clone, Debug)]
    struct Owned {
        pos: Vec<[f64; 2]>,
        measures: Vec<Vec<f64>>,
        centres: Vec<[f64; 2]>,
        lower: Vec<Vec<f64>>,
        upper: Vec<Vec<f64>>,
    }

    impl Owned {
        fn problem(&self, candidates: usize) -> MultiProblem<'_> {
            MultiProblem {
                pos: &self.pos,
                measures: &self.measures,
                centres: &self.centres,
                lower: &self.lower,
                upper: &self.upper,
                candidates,
                extra_cost: None,
            }
        }

        /// The single-measure problem on measure 0.
        fn flow_problem(&self, candidates: usize) -> TransportProblem<'_> {
            TransportProblem {
                candidates,
                ..TransportProblem::new(
                    &self.pos,
                    &self.measures[0],
                    &self.centres,
                    &self.lower[0],
                    &self.upper[0],
                )
            }
        }

        /// Sets every measure's bounds to `t_m(1 ± tol[m])`.
        fn bands(&mut self, tol: &[f64]) {
            let k = self.centres.len();
            let kf = k as f64;
            self.lower.clear();
            self.upper.clear();
            for (w, &tl) in self.measures.iter().zip(tol) {
                let t = w.iter().sum::<f64>() / kf;
                self.lower.push(vec![t * (1.0 - tl); k]);
                self.upper.push(vec![t * (1.0 + tl); k]);
            }
        }
    }

    /// Clustered points, households 1-5 per point, population
    /// ≈ 2.8·households·lognormal(0, 0.35), centres drawn from the points.
    fn instance(seed: u64, n: usize, k: usize, measures: usize, tol: f64) -> Owned {
        let mut r = Rng::new(seed);
        let blobs: Vec<[f64; 2]> = (0..4)
            .map(|_| [r.range(0.0, 1000.0), r.range(0.0, 1000.0)])
            .collect();
        let mut pos = Vec::with_capacity(n);
        let mut hh = Vec::with_capacity(n);
        let mut pop = Vec::with_capacity(n);
        for _ in 0..n {
            let b = blobs[r.below(blobs.len())];
            pos.push([b[0] + 120.0 * r.normal(), b[1] + 120.0 * r.normal()]);
            let h = 1.0 + r.below(5) as f64;
            hh.push(h);
            pop.push(2.8 * h * (0.35 * r.normal()).exp());
        }
        let centres: Vec<[f64; 2]> = (0..k).map(|_| pos[r.below(n)]).collect();
        let mut all = vec![hh, pop];
        all.truncate(measures);
        let mut o = Owned {
            pos,
            measures: all,
            centres,
            lower: Vec::new(),
            upper: Vec::new(),
        };
        o.bands(&vec![tol; measures]);
        o
    }

    fn cost(o: &Owned, i: usize, j: usize, extra: Option<&dyn Fn(usize, usize) -> f64>) -> f64 {
        let (dx, dy) = (o.pos[i][0] - o.centres[j][0], o.pos[i][1] - o.centres[j][1]);
        dx * dx + dy * dy + extra.map_or(0.0, |f| f(i, j))
    }

    /// Checks the solution's form, recomputes every measure's loads and the
    /// objective from the shares, and checks the bands within 1e-6 relative.
    /// Returns the recomputed loads per measure.
    fn check(
        o: &Owned,
        s: &TransportSolution,
        extra: Option<&dyn Fn(usize, usize) -> f64>,
    ) -> Vec<Vec<f64>> {
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
            assert!(sp.shares.windows(2).all(|w| w[0].0 < w[1].0), "by centre");
            let sum: f64 = sp.shares.iter().map(|x| x.1).sum();
            assert!((sum - 1.0).abs() < 1e-9, "shares sum {sum}");
            assert!(
                sp.shares
                    .iter()
                    .all(|x| x.1 >= SHARE_DROP && x.1 < WHOLE_SHARE)
            );
            let best = sp.shares.iter().fold(
                (u32::MAX, -1.0),
                |b, &(j, f)| if f > b.1 { (j, f) } else { b },
            );
            assert_eq!(s.primary[sp.unit as usize], best.0, "primary");
            frac[sp.unit as usize] = sp.shares.iter().map(|&(j, f)| (j as usize, f)).collect();
        }
        let mut loads = vec![vec![0.0; k]; o.measures.len()];
        let mut obj = 0.0;
        for (i, row) in frac.iter().enumerate() {
            for &(j, f) in row {
                for (m, w) in o.measures.iter().enumerate() {
                    loads[m][j] += w[i] * f;
                }
                obj += o.measures[0][i] * f * cost(o, i, j, extra);
            }
        }
        for (j, (&l, &r)) in loads[0].iter().zip(&s.loads).enumerate() {
            assert!((l - r).abs() <= 1e-9 * l.max(1.0), "load {j}: {l} vs {r}");
        }
        for (m, lm) in loads.iter().enumerate() {
            for (j, &l) in lm.iter().enumerate() {
                let tol = 1e-6 * o.upper[m][j].max(1.0);
                assert!(
                    l >= o.lower[m][j] - tol && l <= o.upper[m][j] + tol,
                    "measure {m} centre {j}: {l} outside [{}, {}]",
                    o.lower[m][j],
                    o.upper[m][j]
                );
            }
        }
        assert!((obj - s.objective).abs() <= 1e-9 * obj.abs().max(1.0));
        loads
    }

    #[test]
    fn one_measure_matches_the_flow_optimum() {
        let mut split_seen = 0;
        for seed in 0..20u64 {
            let mut r = Rng::new(300 + seed);
            let n = 50 + r.below(351);
            let k = 2 + r.below(7);
            let o = instance(seed, n, k, 1, 0.1);
            // Every fifth instance pruned to 3 candidates: both solvers see
            // the same candidate lists, so they agree on the optimum and on
            // whether they had to widen.
            let c = if seed % 5 == 4 { 3 } else { 0 };
            let s = solve_multi(&o.problem(c)).unwrap();
            check(&o, &s, None);
            let f = flow::solve_transport(&o.flow_problem(c)).unwrap();
            assert!(
                (s.objective - f.objective).abs() <= 1e-5 * f.objective,
                "seed {seed} n {n} k {k}: LP {} vs flow {}",
                s.objective,
                f.objective
            );
            assert_eq!(s.widened, f.widened, "seed {seed}");
            split_seen += usize::from(!s.splits.is_empty());
            // Deterministic: the same input gives the same answer.
            assert_eq!(s, solve_multi(&o.problem(c)).unwrap());
        }
        // With the bands binding, some optimum must split a unit; if none
        // does, the instances are too easy to test anything.
        assert!(split_seen >= 3, "only {split_seen} instances split a unit");
    }

    #[test]
    fn one_measure_with_extra_cost_matches_the_flow_optimum() {
        let mut changed = 0;
        for seed in 0..6u64 {
            let o = instance(
                50 + seed,
                60 + 50 * seed as usize,
                2 + seed as usize,
                1,
                0.1,
            );
            let extra = |i: usize, j: usize| {
                if (i + 2 * j).is_multiple_of(3) {
                    40_000.0
                } else {
                    0.0
                }
            };
            let p = MultiProblem {
                extra_cost: Some(&extra),
                ..o.problem(0)
            };
            let s = solve_multi(&p).unwrap();
            check(&o, &s, Some(&extra));
            let fp = TransportProblem {
                extra_cost: Some(&extra),
                ..o.flow_problem(0)
            };
            let f = flow::solve_transport(&fp).unwrap();
            assert!(
                (s.objective - f.objective).abs() <= 1e-5 * f.objective,
                "seed {seed}: LP {} vs flow {}",
                s.objective,
                f.objective
            );
            let plain = solve_multi(&o.problem(0)).unwrap();
            changed += usize::from(plain.primary != s.primary);
        }
        assert!(
            changed >= 4,
            "the penalty changed only {changed} assignments"
        );
    }

    #[test]
    fn two_measures_meet_both_bands_and_cost_at_least_one() {
        let mut pop_broken_by_flow = 0;
        for seed in 0..10u64 {
            let mut r = Rng::new(600 + seed);
            let n = 80 + r.below(300);
            let k = 2 + r.below(6);
            let mut o = instance(100 + seed, n, k, 2, 0.05);
            o.bands(&[0.05, 0.03]);
            let s = solve_multi(&o.problem(6)).unwrap();
            let loads = check(&o, &s, None);
            // The single-measure optimum relaxes the population rows, so it
            // can only be cheaper (up to the solver's accuracy).
            let f = flow::solve_transport(&o.flow_problem(6)).unwrap();
            assert!(
                s.objective >= f.objective * (1.0 - 1e-6),
                "seed {seed}: two measures {} < one measure {}",
                s.objective,
                f.objective
            );
            assert!(loads[1].iter().all(|&l| l > 0.0));
            // Does the households-only optimum break the population band?
            let mut pop = vec![0.0; k];
            let mut frac: Vec<Vec<(u32, f64)>> =
                f.primary.iter().map(|&j| vec![(j, 1.0)]).collect();
            for sp in &f.splits {
                frac[sp.unit as usize].clone_from(&sp.shares);
            }
            for (i, row) in frac.iter().enumerate() {
                for &(j, x) in row {
                    pop[j as usize] += o.measures[1][i] * x;
                }
            }
            if pop
                .iter()
                .zip(&o.lower[1])
                .zip(&o.upper[1])
                .any(|((&l, &lo), &hi)| l < lo * (1.0 - 1e-6) || l > hi * (1.0 + 1e-6))
            {
                pop_broken_by_flow += 1;
                assert!(
                    s.objective > f.objective * (1.0 + 1e-7),
                    "seed {seed}: meeting the population band was free"
                );
            }
        }
        assert!(
            pop_broken_by_flow >= 3,
            "the population band bound in only {pop_broken_by_flow} instances"
        );
    }

    #[test]
    fn infeasible_pruning_widens() {
        // Every unit is nearest to centre 0, but centre 1 must take a share.
        let mut r = Rng::new(11);
        let pos: Vec<[f64; 2]> = (0..40)
            .map(|_| [r.range(0.0, 10.0), r.range(0.0, 10.0)])
            .collect();
        let pop: Vec<f64> = (0..40).map(|_| r.range(1.0, 5.0)).collect();
        let mut o = Owned {
            measures: vec![vec![1.0; 40], pop],
            pos,
            centres: vec![[5.0, 5.0], [100.0, 5.0], [5.0, -300.0]],
            lower: Vec::new(),
            upper: Vec::new(),
        };
        o.bands(&[0.2, 0.2]);
        let s = solve_multi(&o.problem(1)).unwrap();
        assert!(s.widened);
        check(&o, &s, None);
        let full = solve_multi(&o.problem(0)).unwrap();
        assert!(!full.widened);
        assert!((full.objective - s.objective).abs() <= 1e-6 * s.objective);
    }

    #[test]
    fn zero_units_and_empty_input() {
        // Unit 1 carries nothing and goes to its nearest centre; unit 2 has
        // no households but population, and must not be left split.
        let o = Owned {
            pos: vec![[0.0, 0.0], [9.0, 0.0], [1.0, 0.0], [10.0, 0.0]],
            measures: vec![vec![2.0, 0.0, 0.0, 2.0], vec![5.0, 0.0, 1.0, 6.0]],
            centres: vec![[0.0, 0.0], [10.0, 0.0]],
            lower: vec![vec![0.0, 0.0], vec![0.0, 0.0]],
            upper: vec![vec![2.0, 2.0], vec![6.0, 6.0]],
        };
        let s = solve_multi(&o.problem(0)).unwrap();
        check(&o, &s, None);
        assert_eq!(s.primary, vec![0, 1, 0, 1]);
        assert!(s.splits.is_empty());
        assert!((s.objective - 0.0).abs() < 1e-9);
        let e = Owned {
            pos: vec![],
            measures: vec![vec![], vec![]],
            centres: vec![[0.0, 0.0]],
            lower: vec![vec![0.0], vec![0.0]],
            upper: vec![vec![1.0], vec![1.0]],
        };
        let s = solve_multi(&e.problem(0)).unwrap();
        assert!(s.primary.is_empty() && s.loads == vec![0.0]);
    }

    #[test]
    fn contradictory_bands_are_infeasible() {
        // Each measure alone is feasible, but centre 0 must hold nearly all
        // households and almost no population, while every unit has
        // population proportional to its households.
        let mut o = instance(7, 60, 2, 2, 0.1);
        o.measures[1] = o.measures[0].iter().map(|h| 3.0 * h).collect();
        let (th, tp): (f64, f64) = (o.measures[0].iter().sum(), o.measures[1].iter().sum());
        o.lower = vec![vec![0.8 * th, 0.0], vec![0.0, 0.8 * tp]];
        o.upper = vec![vec![th, 0.2 * th], vec![0.2 * tp, tp]];
        match solve_multi(&o.problem(0)) {
            Err(BalanceLpError::Infeasible {
                units,
                centres,
                measures,
            }) => assert_eq!((units, centres, measures), (60, 2, 2)),
            other => panic!("expected Infeasible, got {other:?}"),
        }
    }

    #[test]
    #[expect(
        clippy::too_many_lines,
        reason = "one test walks every kind of bad input in turn, each a few lines"
    )]
    fn bad_input_is_rejected_with_the_numbers() {
        let base = instance(5, 30, 3, 2, 0.1);
        let mut o = base.clone();
        o.measures[1][4] = -2.0;
        match solve_multi(&o.problem(0)) {
            Err(BalanceLpError::BadMeasure {
                measure: 1,
                unit: 4,
                value,
            }) => assert!((value + 2.0).abs() < 1e-12),
            other => panic!("{other:?}"),
        }
        let mut o = base.clone();
        o.measures[0][7] = f64::NAN;
        assert!(matches!(
            solve_multi(&o.problem(0)),
            Err(BalanceLpError::BadMeasure {
                measure: 0,
                unit: 7,
                ..
            })
        ));
        let mut o = base.clone();
        o.measures[1].pop();
        match solve_multi(&o.problem(0)) {
            Err(BalanceLpError::Length {
                what,
                expected: 30,
                found: 29,
            }) => assert_eq!(what, "measure 1"),
            other => panic!("{other:?}"),
        }
        let mut o = base.clone();
        o.upper.pop();
        assert!(matches!(
            solve_multi(&o.problem(0)),
            Err(BalanceLpError::Length {
                expected: 2,
                found: 1,
                ..
            })
        ));
        let mut o = base.clone();
        o.lower[1][2] = o.upper[1][2] + 1.0;
        assert!(matches!(
            solve_multi(&o.problem(0)),
            Err(BalanceLpError::BadBound {
                measure: 1,
                centre: 2,
                ..
            })
        ));
        let mut o = base.clone();
        o.pos[3][1] = f64::INFINITY;
        assert!(matches!(
            solve_multi(&o.problem(0)),
            Err(BalanceLpError::UnitPosition { unit: 3, .. })
        ));
        let mut o = base.clone();
        o.centres[1][0] = f64::NAN;
        assert!(matches!(
            solve_multi(&o.problem(0)),
            Err(BalanceLpError::CentrePosition { centre: 1, .. })
        ));
        let mut o = base.clone();
        let total: f64 = o.measures[1].iter().sum();
        o.lower[1] = vec![total / 2.0; 3];
        o.upper[1] = vec![total; 3];
        match solve_multi(&o.problem(0)) {
            Err(BalanceLpError::TotalOutsideBounds {
                measure: 1,
                total: t,
                lower_sum,
                ..
            }) => {
                assert!((t - total).abs() < 1e-9);
                assert!((lower_sum - 1.5 * total).abs() < 1e-9);
            }
            other => panic!("{other:?}"),
        }
        let mut o = base.clone();
        o.measures.clear();
        o.lower.clear();
        o.upper.clear();
        assert!(matches!(
            solve_multi(&o.problem(0)),
            Err(BalanceLpError::NoMeasure)
        ));
        let mut o = base.clone();
        o.centres.clear();
        assert!(matches!(
            solve_multi(&o.problem(0)),
            Err(BalanceLpError::NoCentre)
        ));
        let nan_extra = |i: usize, j: usize| if i == 5 && j == 1 { f64::NAN } else { 0.0 };
        let p = MultiProblem {
            extra_cost: Some(&nan_extra),
            ..base.problem(0)
        };
        assert!(matches!(
            solve_multi(&p),
            Err(BalanceLpError::BadExtraCost {
                unit: 5,
                centre: 1,
                ..
            })
        ));
    }

    /// Solve times in release; run with
    /// `cargo test --release --lib balance_lp -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing printout, not a check"]
    fn timing() {
        for (n, k) in [(500, 3), (3000, 8)] {
            let mut o = instance(42, n, k, 2, 0.1);
            o.bands(&[0.1, 0.1]);
            for c in [flow::DEFAULT_CANDIDATES, 0] {
                let t = std::time::Instant::now();
                let s = solve_multi(&o.problem(c)).unwrap();
                let multi = t.elapsed();
                check(&o, &s, None);
                let t = std::time::Instant::now();
                let one = solve_multi(
                    &Owned {
                        measures: vec![o.measures[0].clone()],
                        lower: vec![o.lower[0].clone()],
                        upper: vec![o.upper[0].clone()],
                        ..o.clone()
                    }
                    .problem(c),
                )
                .unwrap();
                let single = t.elapsed();
                let t = std::time::Instant::now();
                let f = flow::solve_transport(&o.flow_problem(c)).unwrap();
                let fl = t.elapsed();
                println!(
                    "n {n} k {k} c {c}: two measures {multi:?} ({} splits), one measure LP \
                     {single:?} ({} splits, obj/flow {:.2e}), flow {fl:?}",
                    s.splits.len(),
                    one.splits.len(),
                    one.objective / f.objective - 1.0
                );
            }
        }
    }
}
