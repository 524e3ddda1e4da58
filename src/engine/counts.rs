//! Grid counts chosen with the re-allocation ceiling in view (lineage
//! mode of apportionment, `--counts lineage`).
//!
//! When households carry a current grid, the county total stays the one
//! `--target` or `--grids` gives, but each village's count may move inside
//! its household band, so that grid workers are spent where the current
//! grids divide well. A village of two current grids of 620 households
//! keeps far more in 4 grids of 310 (two clean halves each) than in 3 of
//! 413, though 3 is nearer the target of 367.
//!
//! # Parameters
//! - `villages`, `old`: each village's load and households, and the load of
//!   each of its current grids (their parts in the village).
//! - `base`: the counts of `--target` / `--grids` alone; their sum is kept.
//! - `band` [MIN, MAX]: the household norm of one grid (`--band`).
//! - `tolerance` τ: the balance tolerance.
//! - `in_band` (default [`crate::config::LINEAGE_IN_BAND`], 0.87): the
//!   share of grids expected inside the band that the choice must keep,
//!   or the base counts' own expected share when that is lower (village
//!   sizes do not always allow more). The bar is 85 % of grids in
//!   300-500 households; the 2 points of margin cover the estimate's error.
//!
//! # Algorithm
//! 1. For every village and every count k in its band
//!    [⌈H/MAX⌉, ⌊H/MIN⌋] (only the base count when that range is empty or
//!    misses it), the expected loss is the load the ceiling of
//!    [`crate::engine::ceiling::lineage_ceiling`] says no plan can keep.
//!    The ceiling is what a good plan reaches closely, so it is a better
//!    estimate than a rule of thumb, and it is exact about what is lost.
//! 2. The expected grids outside the band: grid loads spread over the
//!    whole ±τ around the village mean m = H/k (on the synthetic county the
//!    grid loads have a CV of 0.058, that of a uniform spread of ±10 %), so
//!    a count expects k times the share of U[m(1−τ), m(1+τ)] outside
//!    [MIN, MAX].
//! 3. Minimise Σ loss + β·outside + |k − k_base| (one household per grid
//!    away from the base count, so ties keep the base) subject to
//!    Σ k = Σ k_base, exactly, by dynamic programming over villages and the
//!    running total.
//! 4. β = 0 first; when the expected in-band share then falls below the
//!    floor, bisect β (households per out-of-band grid) until it holds, and
//!    keep the least β that meets it: a Lagrangian trade of lineage
//!    against the household norm.
//!
//! # Complexity
//! Step 1 costs one ceiling per candidate count (a few milliseconds for a
//! county, in parallel over villages); each DP of step 3 is O(V·K·c) for V
//! villages, K grids and c candidates per village, and step 4 runs at most
//! [`BISECTIONS`] + 2 of them.
//!
//! # Errors
//! None: a county whose total cannot be met by the candidates keeps `base`.

use rayon::prelude::*;

use crate::engine::apportion::VillageLoad;
use crate::engine::ceiling::lineage_ceiling;

/// Bisection steps on β.
pub const BISECTIONS: usize = 24;

/// The largest β tried, in households per out-of-band grid: far above any
/// village's load, so out-of-band grids then dominate the choice.
const MAX_BETA: f64 = 1.0e6;

/// One candidate count of one village.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Candidate {
    k: usize,
    /// Load no plan with k grids can keep in lineage (step 1).
    loss: f64,
    /// Grids expected outside the band (step 2).
    outside: f64,
    /// |k − k_base|.
    moved: f64,
}

/// The counts of lineage mode (see the module docs).
#[must_use]
pub fn for_lineage(
    villages: &[VillageLoad],
    old: &[Vec<f64>],
    base: &[usize],
    (band, tolerance): ((f64, f64), f64),
    in_band: f64,
) -> Vec<usize> {
    let total: usize = base.iter().sum();
    // The table below is (total + 1) wide; counts beyond what codes can
    // number are refused by the caller, so such a total keeps `base`.
    if total > base.len().saturating_mul(1000) {
        return base.to_vec();
    }
    // Steps 1-2.
    let options: Vec<Vec<Candidate>> = villages
        .par_iter()
        .zip(base)
        .enumerate()
        .map(|(i, (v, &k0))| {
            let old_v = old.get(i).map_or(&[][..], Vec::as_slice);
            candidates(v, old_v, k0, band, tolerance)
        })
        .collect();
    // Step 4: the floor, never above what the base counts expect.
    let grids = total as f64;
    let base_outside: f64 = options
        .iter()
        .zip(base)
        .filter_map(|(o, &k0)| o.iter().find(|c| c.k == k0))
        .map(|c| c.outside)
        .sum();
    let floor = in_band.min(1.0 - base_outside / grids.max(1.0));
    let meets = |ks: &(Vec<usize>, f64)| 1.0 - ks.1 / grids.max(1.0) >= floor - 1e-9;
    let Some(mut best) = choose(&options, total, 0.0) else {
        return base.to_vec();
    };
    if !meets(&best) {
        // The most β can do, then the least β that meets the floor.
        let (mut lo, mut hi) = (1.0e-3, MAX_BETA);
        best = choose(&options, total, hi).unwrap_or(best);
        for _ in 0..BISECTIONS {
            let beta = (lo * hi).sqrt();
            match choose(&options, total, beta) {
                Some(c) if meets(&c) => {
                    best = c;
                    hi = beta;
                }
                _ => lo = beta,
            }
        }
    }
    best.0
}

/// Steps 1-2 for one village.
fn candidates(
    v: &VillageLoad,
    old: &[f64],
    k0: usize,
    band: (f64, f64),
    tolerance: f64,
) -> Vec<Candidate> {
    let lo = ceil_div(v.households, band.1).max(1);
    let hi = floor_div(v.households, band.0);
    let ks = if k0 == 0 || lo > hi || old.is_empty() || !(lo..=hi).contains(&k0) {
        k0..=k0
    } else {
        lo..=hi
    };
    let kept_load: f64 = old.iter().sum();
    ks.map(|k| Candidate {
        k,
        loss: if k == 0 || old.is_empty() {
            0.0
        } else {
            kept_load - lineage_ceiling(old, v.load, k, tolerance)
        },
        outside: expected_outside(v.households, k, band, tolerance),
        moved: k.abs_diff(k0) as f64,
    })
    .collect()
}

/// Step 2: grids expected outside `band` when `households` are cut into
/// `k` grids spread uniformly over ±`tolerance` of their mean.
fn expected_outside(households: f64, k: usize, (min, max): (f64, f64), tolerance: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let m = households / k as f64;
    let (a, b) = (m * (1.0 - tolerance), m * (1.0 + tolerance));
    if b <= a {
        return if (min..=max).contains(&m) {
            0.0
        } else {
            k as f64
        };
    }
    let inside = (b.min(max) - a.max(min)).max(0.0) / (b - a);
    k as f64 * (1.0 - inside)
}

/// Step 3 for one β: the counts and their expected out-of-band grids, or
/// `None` when no choice of candidates meets the total.
fn choose(options: &[Vec<Candidate>], total: usize, beta: f64) -> Option<(Vec<usize>, f64)> {
    // dp[s] = least cost of the villages so far with s grids; pick[v][s]
    // the candidate index that reached it.
    let mut dp = vec![f64::INFINITY; total + 1];
    dp[0] = 0.0;
    let mut pick: Vec<Vec<u16>> = Vec::with_capacity(options.len());
    let mut next = vec![f64::INFINITY; total + 1];
    for opts in options {
        next.fill(f64::INFINITY);
        let mut p = vec![u16::MAX; total + 1];
        for (s, &c) in dp.iter().enumerate().filter(|(_, c)| c.is_finite()) {
            for (j, o) in opts.iter().enumerate() {
                let s2 = s + o.k;
                let cost = c + o.loss + beta * o.outside + o.moved;
                if s2 <= total && cost < next[s2] {
                    next[s2] = cost;
                    p[s2] = u16::try_from(j).unwrap_or(u16::MAX);
                }
            }
        }
        std::mem::swap(&mut dp, &mut next);
        pick.push(p);
    }
    if !dp[total].is_finite() {
        return None;
    }
    let mut ks = vec![0; options.len()];
    let mut outside = 0.0;
    let mut s = total;
    for v in (0..options.len()).rev() {
        let c = options[v].get(pick[v][s] as usize)?;
        ks[v] = c.k;
        outside += c.outside;
        s -= c.k;
    }
    Some((ks, outside))
}

fn ceil_div(a: f64, b: f64) -> usize {
    (a / b - 1e-9).ceil().max(0.0) as usize
}

fn floor_div(a: f64, b: f64) -> usize {
    (a / b + 1e-9).floor().max(0.0) as usize
}

#[cfg(test)]
mod tests;
