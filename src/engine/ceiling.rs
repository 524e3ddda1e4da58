//! The re-allocation ceiling: how much of the current plan any plan with
//! given grid counts and balance can keep (docs/DESIGN.md §5, "Ceiling").
//!
//! For one village cut into k new grids, each within t(1 ± τ) of the mean
//! t = W/k, these bounds hold for *every* plan, whatever its shape:
//! - [`lineage_ceiling`]: the most load that can stay in lineage (the
//!   household's new grid descends from its old grid, or is its old grid's
//!   successor; [`crate::metrics::stability`] has the exact definitions);
//! - [`clean_ceiling`]: the most new grids that can be clean (at least
//!   90 % of the grid from one old grid).
//!
//! They are relaxations: households are divisible, and geometry,
//! contiguity and buildings are ignored. Dropping a constraint can only
//! raise an optimum, so what is computed is an upper bound. A planner reads
//! it as "no plan with these grid counts and this balance keeps more than
//! X %". Current grids may have any code and may cross village borders: a
//! village sees the part of each old grid that lies in it, and treating
//! the parts of a crossing grid as separate grids only loosens the bound.
//!
//! # Parameters
//! - `old`: the load of each old grid's part in the village (positive).
//! - `total` W: the village's load, at least Σ `old`; the rest is load
//!   with no current grid (new buildings), which cannot stay in lineage.
//! - `k`: the number of new grids.
//! - `tol` τ: the balance tolerance (`--tolerance`, default 0.10).
//!
//! # Lineage: the relaxation
//! Work in units of t, so old loads are l_o = L_o / t and Σ l_o ≤ k. In any
//! plan let c_o be the number of new grids whose predecessor is o (its
//! *own* grids), A_o the load o puts into them, and b_o its piece in its
//! successor when the successor is not one of its own grids (else 0). Then
//! kept_o = A_o + b_o exactly, and:
//! 1. A_o ≤ min((1+τ)·c_o, l_o) and A_o + b_o ≤ l_o;
//! 2. if b_o > 0: b_o ≤ (1+τ)/2 (the host grid's predecessor piece is at
//!    least b_o, and both fit in one grid), and b_o ≥ A_o / c_o (the
//!    successor piece is o's largest piece, so at least its mean own piece);
//! 3. the foreign load in o's own grids is at least (1−τ)·c_o − A_o and at
//!    least 0, and in total it is Σ_g T_g − Σ A ≤ k − Σ A; hence
//!    Σ_o max(A_o, (1−τ)·c_o) ≤ k. Every grid has a predecessor when every
//!    household has an old grid, so then Σ c_o = k; otherwise Σ c_o ≤ k.
//!
//! Maximising Σ (A_o + b_o) under 1-3 is a small mixed-integer programme
//! (R3). Its only coupling besides Σ c_o is the capacity of step 3, so it is
//! solved by Lagrangian relaxation of that capacity:
//! 1. For a multiplier μ ≥ 0, each old grid and count c has the value
//!    max A + b − μ·max(A, (1−τ)c) over its own constraints 1-2: a concave
//!    piecewise-linear function of A once b is chosen best, so its maximum
//!    is at one of four breakpoints ([`own_value`]).
//! 2. A dynamic programme over old grids and Σ c_o gives
//!    L(μ) = max Σ value + μ·k, an upper bound on R3 for every μ ≥ 0.
//! 3. L is convex in μ; at μ = 0 the best choice often already meets the
//!    capacity, and then L(0) is R3's exact optimum. Otherwise the
//!    subgradient k − Σ max(A, (1−τ)c) is bisected on [0, 2] for
//!    [`BISECTIONS`] steps (for μ > 1 load beyond (1−τ)c only costs, so the
//!    minimum lies below 1), and the least L seen is the ceiling.
//!
//! Any μ gives a valid bound, so the result is a ceiling however the
//! bisection ends; the tests check it against R3 solved as an integer
//! programme by good_lp (it is never below, and within 0.5 % of a grid on
//! random villages) and against the exact per-piece programme on tiny
//! villages.
//!
//! # Fixed pieces
//! Dedicated and locked grids are fixed by the input. Households of an old
//! grid o in a fixed grid that o does not lead stay in lineage only if that
//! grid is o's successor, so its piece m there is o's largest: every own
//! grid of o then holds at most m of o, and no free grid is o's successor.
//! [`lineage_ceiling_fixed`] gives such an old grid a second choice in
//! step 1 (`fixed_value`): keep m, with A ≤ c·m and b = 0. Step 2 takes
//! the better choice per count, so the bound covers both. Counting m as
//! kept beside o's free households independently, as a separate sum
//! would, overstates the ceiling wherever a zone cuts across old grids.
//!
//! # Clean grids: the relaxation
//! Let q_o be the clean grids whose predecessor is o. Each draws at least
//! 0.9·T ≥ 0.9(1−τ) from o, at most 1+τ in all, and at most 1/9 of its
//! own piece from others. Summing, the clean grids of o hold between
//! (1−τ)q_o and min((1+τ)q_o, (10/9)·l_o), and q_o ≤ l_o / (0.9(1−τ)).
//! The other k − Σq grids must hold the rest within [1−τ, 1+τ] each, which
//! is possible exactly when Σ_o max(0, (1+τ)q_o − (10/9)l_o) ≤ τ·k. That is
//! a budget over convex costs with unit gains, so taking the cheapest
//! increments first is optimal ([`clean_ceiling`]).
//!
//! # Complexity
//! Lineage: O(B·n·k²) for n old grids, k new grids and B, one more than
//! [`BISECTIONS`], dynamic programmes (a Rui'an-sized county, 510 villages,
//! takes 0.25 ms at one count per village, `cargo bench --bench ceiling`).
//! Clean: O(m log m) for m ≤ n + k increments.
//!
//! # Errors
//! None: degenerate input (k = 0, no load, no old grid) gives 0.

/// Bisection steps on the multiplier; 2⁻⁴⁰ of its range is far below the
/// precision of the loads.
pub const BISECTIONS: usize = 40;

/// The share of a clean grid drawn from its predecessor
/// ([`crate::metrics::stability::CLEAN_SHARE`]).
const CLEAN: f64 = 0.9;

/// Both ceilings of one village.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Ceiling {
    /// The most load that can stay in lineage.
    pub kept: f64,
    /// The most new grids that can be clean.
    pub clean: usize,
}

/// Both ceilings (see the module docs).
#[must_use]
pub fn ceiling(old: &[f64], total: f64, k: usize, tol: f64) -> Ceiling {
    Ceiling {
        kept: lineage_ceiling(old, total, k, tol),
        clean: clean_ceiling(old, total, k, tol),
    }
}

/// The village in units of its mean grid load, or `None` when there is
/// nothing to bound.
fn in_units(old: &[f64], total: f64, k: usize) -> Option<(Vec<f64>, f64)> {
    let sum: f64 = old.iter().sum();
    if k == 0 || sum.is_nan() || sum <= 0.0 || !total.is_finite() {
        return None;
    }
    let total = total.max(sum);
    let t = total / k as f64;
    Some((old.iter().map(|&l| l / t).collect(), t))
}

/// The most load of `old` that can stay in lineage when a village of load
/// `total` is cut into `k` grids within ±`tol` (see the module docs).
#[must_use]
pub fn lineage_ceiling(old: &[f64], total: f64, k: usize, tol: f64) -> f64 {
    let none = vec![0.0; old.len()];
    lineage_ceiling_fixed(old, &none, total, k, tol)
}

/// [`lineage_ceiling`] when some of each old grid's households lie in
/// fixed grids it does not lead (dedicated or locked grids, whose content
/// no plan chooses): `fixed[o]` is the largest such piece of old grid `o`
/// that could be its successor (0 if none), which the caller counts only
/// through this bound. The result covers the `old` loads plus those
/// pieces (module docs, "Fixed pieces").
#[must_use]
pub fn lineage_ceiling_fixed(old: &[f64], fixed: &[f64], total: f64, k: usize, tol: f64) -> f64 {
    let bonus: f64 = fixed.iter().sum();
    let Some((l, t)) = in_units(old, total, k) else {
        return bonus;
    };
    let sum: f64 = old.iter().sum();
    // One old grid is every grid's predecessor: everything stays.
    if l.len() == 1 {
        return sum + bonus;
    }
    // One new grid: each old grid keeps its free load or its fixed piece,
    // whichever is its successor, and the grid's predecessor keeps both.
    if k == 1 {
        let either: f64 = old.iter().zip(fixed).map(|(&a, &m)| a.max(m)).sum();
        let both = old
            .iter()
            .zip(fixed)
            .map(|(&a, &m)| a.min(m))
            .fold(0.0, f64::max);
        return either + both;
    }
    let parts: Vec<(f64, f64)> = l.iter().zip(fixed).map(|(&a, &m)| (a, m / t)).collect();
    let band = (1.0 - tol, 1.0 + tol);
    let exact = total <= sum * (1.0 + 1e-9);
    let (best, _) = best_multiplier(&parts, k, band, exact);
    (best * t).clamp(0.0, sum + bonus)
}

/// Step 3: the least L(μ) found, and its μ.
fn best_multiplier(l: &[(f64, f64)], k: usize, band: (f64, f64), exact: bool) -> (f64, f64) {
    let dual = |mu: f64| lagrangian(l, k, mu, band, exact);
    let capacity = k as f64;
    let (value, used) = dual(0.0);
    let mut best = (value, 0.0);
    if used > capacity + 1e-9 {
        let (mut a, mut b) = (0.0, 2.0);
        for _ in 0..BISECTIONS {
            let mu = 0.5 * (a + b);
            let (value, used) = dual(mu);
            if value < best.0 {
                best = (value, mu);
            }
            if used > capacity {
                a = mu;
            } else {
                b = mu;
            }
        }
        let (value, _) = dual(b);
        if value < best.0 {
            best = (value, b);
        }
    }
    best
}

/// L(μ) and the capacity used by its maximiser (step 2).
fn lagrangian(l: &[(f64, f64)], k: usize, mu: f64, band: (f64, f64), exact: bool) -> (f64, f64) {
    // best[j] = (value, capacity used) of the old grids so far with j own
    // grids in all.
    let none = (f64::NEG_INFINITY, 0.0);
    let mut best = vec![none; k + 1];
    best[0] = (0.0, 0.0);
    let mut next = vec![none; k + 1];
    let mut values = vec![(0.0, 0.0); k + 1];
    for &(lo_, fixed) in l {
        for (c, v) in values.iter_mut().enumerate() {
            *v = own_value(lo_, c, mu, band);
            if fixed > 0.0 {
                let b = fixed_value(lo_, fixed, c, mu, band);
                if b.0 > v.0 {
                    *v = b;
                }
            }
        }
        next.fill(none);
        for (j, &(acc, used)) in best.iter().enumerate() {
            if acc == f64::NEG_INFINITY {
                continue;
            }
            for (c, &(value, u)) in values.iter().enumerate().take(k - j + 1) {
                let cand = (acc + value, used + u);
                if cand.0 > next[j + c].0 {
                    next[j + c] = cand;
                }
            }
        }
        std::mem::swap(&mut best, &mut next);
    }
    let end = if exact {
        best[k]
    } else {
        best.iter()
            .copied()
            .fold(none, |a, b| if b.0 > a.0 { b } else { a })
    };
    (end.0 + mu * k as f64, end.1)
}

/// Step 1: the best A + b − μ·max(A, (1−τ)c) of an old grid of load `l`
/// with `c` own grids, and its max(A, (1−τ)c).
fn own_value(l: f64, c: usize, mu: f64, (lo, hi): (f64, f64)) -> (f64, f64) {
    let c = c as f64;
    let floor = lo * c;
    let score = |a: f64, b: f64| (a + b - mu * a.max(floor), a.max(floor));
    let better = |x: (f64, f64), y: (f64, f64)| if y.0 > x.0 { y } else { x };
    // The successor is one of its own grids: b = 0.
    let most = (hi * c).min(l);
    let mut best = score(0.0, 0.0);
    for a in [floor.min(most), most] {
        best = better(best, score(a, 0.0));
    }
    // The successor is another old grid's: b = min((1+τ)/2, l − A) ≥ A/c.
    let half = 0.5 * hi;
    let most = if c > 0.0 {
        (c * half).min(c * l / (c + 1.0))
    } else {
        0.0
    };
    for a in [0.0, most, (l - half).clamp(0.0, most), floor.min(most)] {
        best = better(best, score(a, half.min(l - a)));
    }
    best
}

/// Step 1 for an old grid whose successor is its fixed piece `m` (in
/// units of t): that piece is kept, no free grid is its successor (b = 0),
/// and each of its `c` own grids holds at most m of it, so A ≤ c·m.
fn fixed_value(l: f64, m: f64, c: usize, mu: f64, (lo, hi): (f64, f64)) -> (f64, f64) {
    let c = c as f64;
    let floor = lo * c;
    let score = |a: f64| (m + a - mu * a.max(floor), a.max(floor));
    let most = (hi * c).min(l).min(m * c);
    [0.0, floor.min(most), most]
        .into_iter()
        .map(score)
        .fold(
            (f64::NEG_INFINITY, 0.0),
            |x, y| if y.0 > x.0 { y } else { x },
        )
}

/// The most of the `k` new grids that can be clean when a village of load
/// `total` with old grid loads `old` is cut within ±`tol` (see the module
/// docs).
#[must_use]
pub fn clean_ceiling(old: &[f64], total: f64, k: usize, tol: f64) -> usize {
    let Some((l, _)) = in_units(old, total, k) else {
        return 0;
    };
    if l.len() == 1 && (old[0] - total).abs() <= 1e-9 * total {
        return k;
    }
    let (lo, hi) = (1.0 - tol, 1.0 + tol);
    // Every increment q → q+1 of every old grid, with its marginal cost.
    let mut steps: Vec<(f64, usize)> = Vec::new();
    for &lo_ in &l {
        let most = ((lo_ / (CLEAN * lo) + 1e-9).floor() as usize).min(k);
        let cost = |q: usize| (hi * q as f64 - lo_ / CLEAN).max(0.0);
        for q in 0..most {
            steps.push((cost(q + 1) - cost(q), q));
        }
    }
    // Ties by q keep each old grid's increments in order (their costs are
    // non-decreasing), so every prefix taken is a valid choice.
    steps.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut budget = tol * k as f64 + 1e-9;
    let mut taken = 0;
    for (cost, _) in steps {
        if taken == k || cost > budget {
            break;
        }
        budget -= cost;
        taken += 1;
    }
    taken
}

#[cfg(test)]
mod tests;
