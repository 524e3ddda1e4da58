//! Apportionment: how many full-scope grids each village gets.
//!
//! # Parameters
//! - `target` T: the mean load per grid (`--target`).
//! - `band` [MIN, MAX]: the household norm for one grid (`--band`, default
//!   300-500, the provincial wording for urban grids quoted in docs/DESIGN.md §2).
//! - `grids` K: a fixed county total (`--grids`), instead of a target.
//!
//! # Algorithm
//! **Target mode.** For village v with load W_v and H_v households:
//! 1. The band allows k in [⌈H_v/MAX⌉, ⌊H_v/MIN⌋]. The band is a household
//!    norm, so it is applied to households; the target is a load.
//! 2. When that range is non-empty, k_v is the value in it nearest to
//!    W_v/T (round half up, then clamp).
//! 3. Otherwise k_v = max(1, round(W_v/T)) and the village is listed as
//!    outside the band (for example a 150-household hamlet village, which
//!    is a rural grid of its own).
//!
//! **Total mode.** Choose k_v ≥ 1 with Σ k_v = K minimising the largest
//! relative deviation max_v |(W_v/k_v)/(W/K) − 1|:
//! 1. For a deviation δ, village v may take any k in
//!    [⌈W_v/(m(1+δ))⌉, ⌊W_v/(m(1−δ))⌋] ∩ [1, ∞), with m = W/K. Feasibility
//!    (all ranges non-empty and Σ lo ≤ K ≤ Σ hi) is monotone in δ.
//! 2. Bisect δ between 0 and max(1, max_v W_v/m), where k_v = 1 is allowed
//!    everywhere, down to f64 resolution: the smallest feasible δ is the
//!    optimum δ* (exact up to rounding; tested against brute force and
//!    against good_lp's integer program).
//! 3. Start every village at its lower end and hand out the remaining
//!    K − Σ lo grids one at a time to the village whose deviation after the
//!    increment is smallest (ties to the lower code), never exceeding hi.
//!    Every choice keeps the maximum at δ*; the greedy spreads the rest.
//!
//! **Lineage mode** (re-allocation, when households carry a current grid)
//! keeps the county total of either mode and moves counts inside the
//! band with the re-allocation ceiling in view: [`crate::engine::counts`].
//!
//! # Complexity
//! Target mode O(V). Total mode O(V · 200) for the bisection plus
//! O(K · V) for handing out the remaining grids.
//!
//! # Errors
//! [`ApportionError`] when K is smaller than the number of villages with
//! households, or a parameter is out of range.

use serde::Serialize;

/// Why apportionment failed.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum ApportionError {
    /// `--grids` below the number of inhabited villages.
    #[error(
        "--grids {grids} is fewer than the {villages} villages with households: every village needs at least one grid"
    )]
    TooFewGrids {
        /// The requested total.
        grids: usize,
        /// Villages with households.
        villages: usize,
    },
    /// No village has households.
    #[error("no village has households, so there is nothing to divide into grids")]
    NoHouseholds,
    /// Every household has zero load.
    #[error(
        "every household has zero load under the workload weights; --grids needs some load to divide"
    )]
    NoLoad,
    /// `--grids` beyond what the codes can number.
    #[error(
        "--grids {grids} is more than the {most} grids that 3-digit codes (001-900) can number in these villages"
    )]
    TooManyGrids {
        /// The requested total.
        grids: usize,
        /// The most possible.
        most: usize,
    },
    /// `--target` not positive.
    #[error("--target must be a positive number, got {target}")]
    BadTarget {
        /// The requested target.
        target: f64,
    },
    /// `--band` with MIN > MAX or non-positive values.
    #[error("--band must be MIN,MAX with 0 < MIN <= MAX, got {min},{max}")]
    BadBand {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
}

/// One village's load as seen by apportionment.
#[derive(Clone, Debug, PartialEq)]
pub struct VillageLoad {
    /// Village code.
    pub code: String,
    /// Total workload W_v.
    pub load: f64,
    /// Total households H_v.
    pub households: f64,
}

/// A village whose household count admits no k inside the band.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutsideBand {
    /// Village code.
    pub village_code: String,
    /// Households in the village.
    pub households: f64,
    /// The k chosen anyway.
    pub k: usize,
    /// Mean households per grid with that k.
    pub mean_households: f64,
}

/// The grid count of every village, in input order, plus what to report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Apportionment {
    /// k_v per village (0 for a village without households).
    pub k: Vec<usize>,
    /// Villages where no k fits the band (target mode).
    pub outside_band: Vec<OutsideBand>,
    /// The largest |(W_v/k_v)/(W/K) − 1| (total mode), else `None`.
    pub max_deviation_from_county_mean: Option<f64>,
    /// The counts of the target or total mode alone, when re-allocation
    /// chose others with the ceiling in view ([`crate::engine::counts`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_target: Option<Vec<usize>>,
}

/// Target mode: k_v from `target` and the household `band`.
///
/// # Errors
/// [`ApportionError::BadTarget`], [`ApportionError::BadBand`].
pub fn by_target(
    villages: &[VillageLoad],
    target: f64,
    band: (f64, f64),
) -> Result<Apportionment, ApportionError> {
    if !(target.is_finite() && target > 0.0) {
        return Err(ApportionError::BadTarget { target });
    }
    check_band(band)?;
    let mut k = Vec::with_capacity(villages.len());
    let mut outside_band = Vec::new();
    for v in villages {
        // Every village with households gets a grid, even when its load
        // is 0 (say weights on population only, and no population data).
        if v.households <= 0.0 {
            k.push(0);
            continue;
        }
        let ideal = (v.load / target).round().max(1.0);
        let lo = (v.households / band.1).ceil().max(1.0);
        let hi = (v.households / band.0).floor();
        let kv = if lo <= hi {
            ideal.clamp(lo, hi)
        } else {
            outside_band.push(OutsideBand {
                village_code: v.code.clone(),
                households: v.households,
                k: to_usize(ideal),
                mean_households: v.households / ideal,
            });
            ideal
        };
        k.push(to_usize(kv));
    }
    Ok(Apportionment {
        k,
        outside_band,
        max_deviation_from_county_mean: None,
        by_target: None,
    })
}

fn check_band(band: (f64, f64)) -> Result<(), ApportionError> {
    if band.0 > 0.0 && band.0 <= band.1 && band.1.is_finite() {
        Ok(())
    } else {
        Err(ApportionError::BadBand {
            min: band.0,
            max: band.1,
        })
    }
}
fn to_usize(x: f64) -> usize {
    x.max(0.0) as usize
}
fn to_f64(x: usize) -> f64 {
    x as f64
}

/// The feasible k range of a village at deviation `delta`, or `None`.
fn range_at(load: f64, mean: f64, delta: f64, total: usize) -> Option<(usize, usize)> {
    // A tiny relative slack makes the candidate δ values themselves
    // feasible despite rounding in the division.
    let eps = 1e-12;
    let lo = (load / (mean * (1.0 + delta)) * (1.0 - eps))
        .ceil()
        .max(1.0);
    let hi = if delta >= 1.0 {
        to_f64(total)
    } else {
        (load / (mean * (1.0 - delta)) * (1.0 + eps)).floor()
    };
    (lo <= hi).then(|| (to_usize(lo), to_usize(hi).min(total)))
}

/// Total mode: exactly `grids` grids, minimising the largest deviation of
/// W_v/k_v from the county mean.
///
/// # Errors
/// [`ApportionError::TooFewGrids`].
pub fn by_total(villages: &[VillageLoad], grids: usize) -> Result<Apportionment, ApportionError> {
    let inhabited: Vec<usize> = (0..villages.len())
        .filter(|&i| villages[i].households > 0.0)
        .collect();
    if inhabited.is_empty() {
        return Err(ApportionError::NoHouseholds);
    }
    if grids < inhabited.len() {
        return Err(ApportionError::TooFewGrids {
            grids,
            villages: inhabited.len(),
        });
    }
    let most = inhabited.len() * crate::model::codes::MAX_FULL_SCOPE_SEQ;
    if grids > most {
        return Err(ApportionError::TooManyGrids { grids, most });
    }
    if inhabited.iter().all(|&i| villages[i].load <= 0.0) {
        return Err(ApportionError::NoLoad);
    }
    let total: f64 = inhabited.iter().map(|&i| villages[i].load).sum();
    let mean = total / to_f64(grids);
    let feasible = |delta: f64| -> Option<Vec<(usize, usize)>> {
        let mut ranges = Vec::with_capacity(inhabited.len());
        let (mut slo, mut shi) = (0usize, 0usize);
        for &i in &inhabited {
            let r = range_at(villages[i].load, mean, delta, grids)?;
            slo += r.0;
            shi += r.1;
            ranges.push(r);
        }
        (slo <= grids && grids <= shi).then_some(ranges)
    };
    // Feasibility is monotone in δ, so bisect it. At δ = max(1, W_v/m)
    // every village may take k = 1 and any larger k, which is feasible
    // because K is at least the number of villages. 200 halvings take the
    // bracket below f64 resolution, so the result is the exact optimum up
    // to rounding.
    let mut hi_d = inhabited
        .iter()
        .map(|&i| villages[i].load / mean)
        .fold(1.0, f64::max);
    let mut lo_d = 0.0;
    if feasible(0.0).is_some() {
        hi_d = 0.0;
    }
    for _ in 0..200 {
        if hi_d - lo_d <= f64::EPSILON * hi_d {
            break;
        }
        let mid = 0.5 * (lo_d + hi_d);
        if feasible(mid).is_some() {
            hi_d = mid;
        } else {
            lo_d = mid;
        }
    }
    let delta = hi_d;
    let ranges = feasible(delta).unwrap_or_else(|| vec![(1, grids); inhabited.len()]);
    let mut k = vec![0usize; villages.len()];
    let mut used = 0;
    for (slot, &i) in inhabited.iter().enumerate() {
        k[i] = ranges[slot].0;
        used += k[i];
    }
    // Hand out the rest greedily; each step keeps every village in range.
    let dev = |i: usize, kk: usize| (villages[i].load / (to_f64(kk) * mean) - 1.0).abs();
    while used < grids {
        let mut best: Option<(f64, usize)> = None;
        for (slot, &i) in inhabited.iter().enumerate() {
            if k[i] < ranges[slot].1 {
                let d = dev(i, k[i] + 1);
                if best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, i));
                }
            }
        }
        let Some((_, i)) = best else { break };
        k[i] += 1;
        used += 1;
    }
    let max_dev = inhabited.iter().map(|&i| dev(i, k[i])).fold(0.0, f64::max);
    Ok(Apportionment {
        k,
        outside_band: Vec::new(),
        max_deviation_from_county_mean: Some(max_dev),
        by_target: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(code: &str, load: f64) -> VillageLoad {
        VillageLoad {
            code: code.into(),
            load,
            households: load,
        }
    }

    #[test]
    fn target_uses_band_and_rounding() {
        let vs = [v("a", 1100.0), v("b", 150.0), v("c", 0.0), v("d", 2000.0)];
        // (c has no households at all, so no grid.)
        let a = by_target(&vs, 367.0, (300.0, 500.0)).unwrap();
        // a: 1100/367 = 3.0 -> 3 within [3,3]; b: band empty -> 1, listed;
        // c: empty village; d: 5.45 -> 5 within [4,6].
        assert_eq!(a.k, vec![3, 1, 0, 5]);
        assert_eq!(a.outside_band.len(), 1);
        assert_eq!(a.outside_band[0].village_code, "b");
        // A target far from the band is clamped into it.
        let a = by_target(&[v("x", 1000.0)], 1000.0, (300.0, 500.0)).unwrap();
        assert_eq!(a.k, vec![2]);
    }

    #[test]
    fn bad_parameters() {
        assert!(by_target(&[], 0.0, (300.0, 500.0)).is_err());
        assert!(by_target(&[], 300.0, (500.0, 300.0)).is_err());
        assert_eq!(
            by_total(&[v("a", 10.0), v("b", 10.0)], 1),
            Err(ApportionError::TooFewGrids {
                grids: 1,
                villages: 2
            })
        );
    }

    /// The exact optimum by enumerating every composition of K.
    fn brute(loads: &[f64], grids: usize) -> f64 {
        fn rec(loads: &[f64], left: usize, mean: f64, acc: f64, best: &mut f64) {
            if loads.is_empty() {
                if left == 0 && acc < *best {
                    *best = acc;
                }
                return;
            }
            if left < loads.len() {
                return;
            }
            for kk in 1..=left - (loads.len() - 1) {
                let d = (loads[0] / (to_f64(kk) * mean) - 1.0).abs();
                rec(&loads[1..], left - kk, mean, acc.max(d), best);
            }
        }
        let mean = loads.iter().sum::<f64>() / to_f64(grids);
        let mut best = f64::INFINITY;
        rec(loads, grids, mean, 0.0, &mut best);
        best
    }

    /// The optimum as a mixed-integer program solved by good_lp (microlp):
    /// binary y_{v,k} picks village v's k, Σ_k y = 1, Σ k·y = K, and
    /// δ ≥ dev(v,k)·y_{v,k}; minimise δ.
    fn milp(loads: &[f64], grids: usize) -> f64 {
        use good_lp::{Expression, ProblemVariables, Solution, SolverModel, microlp, variable};
        let mean = loads.iter().sum::<f64>() / to_f64(grids);
        let mut vars = ProblemVariables::new();
        let delta = vars.add(variable().min(0.0));
        let mut ys = Vec::new();
        for (v, &w) in loads.iter().enumerate() {
            let kmax = grids - (loads.len() - 1);
            for kk in 1..=kmax {
                let y = vars.add(variable().binary());
                ys.push((v, kk, (w / (to_f64(kk) * mean) - 1.0).abs(), y));
            }
        }
        let mut model = vars.minimise(delta).using(microlp);
        for v in 0..loads.len() {
            let one: Expression = ys.iter().filter(|t| t.0 == v).map(|t| t.3).sum();
            model = model.with(one.eq(1.0));
        }
        let total: Expression = ys.iter().map(|t| to_f64(t.1) * t.3).sum();
        model = model.with(total.eq(to_f64(grids)));
        for t in &ys {
            model = model.with((t.2 * t.3).leq(delta));
        }
        let sol = model.solve().expect("the MILP is feasible");
        sol.value(delta)
    }

    #[test]
    fn total_mode_matches_the_good_lp_milp() {
        let mut rng = crate::engine::rng::Rng::new(5);
        for case in 0..40 {
            let n = 1 + rng.below(4);
            let loads: Vec<f64> = (0..n)
                .map(|_| (50.0 + rng.f64() * 3000.0).round())
                .collect();
            let grids = n + rng.below(8);
            let vs: Vec<VillageLoad> = loads
                .iter()
                .enumerate()
                .map(|(i, &l)| v(&format!("{i}"), l))
                .collect();
            let got = by_total(&vs, grids)
                .unwrap()
                .max_deviation_from_county_mean
                .unwrap();
            let want = milp(&loads, grids);
            assert!(
                (got - want).abs() < 1e-6,
                "case {case}: {loads:?} K={grids}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn total_mode_matches_brute_force() {
        let mut rng = crate::engine::rng::Rng::new(42);
        for case in 0..300 {
            let n = 1 + rng.below(5);
            let loads: Vec<f64> = (0..n)
                .map(|_| (50.0 + rng.f64() * 3000.0).round())
                .collect();
            let grids = n + rng.below(12);
            let vs: Vec<VillageLoad> = loads
                .iter()
                .enumerate()
                .map(|(i, &l)| v(&format!("{i}"), l))
                .collect();
            let a = by_total(&vs, grids).unwrap();
            assert_eq!(a.k.iter().sum::<usize>(), grids, "case {case}");
            assert!(a.k.iter().all(|&x| x >= 1));
            let got = a.max_deviation_from_county_mean.unwrap();
            let want = brute(&loads, grids);
            assert!(
                (got - want).abs() < 1e-9,
                "case {case}: {loads:?} K={grids}: {got} vs {want}"
            );
        }
    }
}
