//! Lineage-mode counts against brute force, and the in-band floor.

#![expect(
    clippy::float_cmp,
    reason = "an empty overlap gives exactly 0 grids outside"
)]

use super::*;
use crate::engine::rng::Rng;

const BAND: (f64, f64) = (300.0, 500.0);

fn village(code: &str, w: f64) -> VillageLoad {
    VillageLoad {
        code: code.into(),
        load: w,
        households: w,
    }
}

#[test]
fn grids_go_where_current_grids_split_cleanly() {
    // Village a: 2 current grids of 620 (band 3..4); village b: one of
    // 1,100 (band 3..3). The base gives 3 and 3; b cannot move, so a stays.
    let vs = [village("a", 1240.0), village("b", 1100.0)];
    let old = vec![vec![620.0, 620.0], vec![1100.0]];
    let k = for_lineage(&vs, &old, &[3, 3], (BAND, 0.1), 0.0);
    assert_eq!(k, vec![3, 3]);
    // With b allowed 2..3 (band 300-550), a takes 4 (two clean halves of
    // each grid) and b 2 (550, clean halves): everything can be kept.
    let k = for_lineage(&vs, &old, &[3, 3], ((300.0, 550.0), 0.1), 0.0);
    assert_eq!(k, vec![4, 2]);
    // The total is kept whatever the costs.
    let k = for_lineage(&vs, &old, &[4, 3], ((300.0, 550.0), 0.1), 0.0);
    assert_eq!(k.iter().sum::<usize>(), 7);
}

/// A random county of `n` villages of 1-4 current grids.
fn county(rng: &mut Rng, n: usize) -> (Vec<VillageLoad>, Vec<Vec<f64>>, Vec<usize>) {
    let (mut vs, mut old, mut base) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let grids = 1 + rng.below(4);
        let loads: Vec<f64> = (0..grids)
            .map(|_| (250.0 + rng.f64() * 600.0).round())
            .collect();
        let w: f64 = loads.iter().sum();
        vs.push(village(&format!("v{i}"), w));
        old.push(loads);
        let (lo, hi) = (ceil_div(w, BAND.1).max(1), floor_div(w, BAND.0));
        let k0 = ((w / 367.0).round() as usize).max(1);
        base.push(if lo <= hi { k0.clamp(lo, hi) } else { k0 });
    }
    (vs, old, base)
}

/// Every combination of candidate counts with the base total.
fn every_choice(options: &[Vec<Candidate>], total: usize) -> Vec<Vec<Candidate>> {
    let mut out = vec![Vec::new()];
    for opts in options {
        out = out
            .into_iter()
            .flat_map(|pre| {
                opts.iter().map(move |&c| {
                    let mut p = pre.clone();
                    p.push(c);
                    p
                })
            })
            .collect();
    }
    out.retain(|cs| cs.iter().map(|c| c.k).sum::<usize>() == total);
    out
}

#[test]
fn the_dynamic_programme_is_optimal_against_brute_force() {
    let mut rng = Rng::new(11);
    for case in 0..150 {
        let n = 1 + rng.below(4);
        let (vs, old, base) = county(&mut rng, n);
        let total: usize = base.iter().sum();
        let options: Vec<Vec<Candidate>> = vs
            .iter()
            .zip(&old)
            .zip(&base)
            .map(|((v, o), &k0)| candidates(v, o, k0, BAND, 0.1))
            .collect();
        for beta in [0.0, 50.0] {
            let cost = |cs: &[Candidate]| -> f64 {
                cs.iter().map(|c| c.loss + beta * c.outside + c.moved).sum()
            };
            let best = every_choice(&options, total)
                .iter()
                .map(|cs| cost(cs))
                .fold(f64::INFINITY, f64::min);
            let (ks, _) = choose(&options, total, beta).expect("the base is a choice");
            let got: f64 = ks
                .iter()
                .zip(&options)
                .map(|(&k, o)| {
                    o.iter()
                        .find(|c| c.k == k)
                        .map_or(f64::NAN, |c| c.loss + beta * c.outside + c.moved)
                })
                .sum();
            assert!(
                (got - best).abs() < 1e-6,
                "case {case}, β {beta}: {got} vs {best}"
            );
        }
    }
}

#[test]
fn the_in_band_floor_holds_when_the_base_counts_meet_it() {
    let mut rng = Rng::new(12);
    for case in 0..60 {
        let (vs, old, base) = county(&mut rng, 8);
        let total: usize = base.iter().sum();
        let share = |ks: &[usize]| {
            let out: f64 = vs
                .iter()
                .zip(ks)
                .map(|(v, &k)| expected_outside(v.households, k, BAND, 0.1))
                .sum();
            1.0 - out / total as f64
        };
        let floor = 0.9f64.min(share(&base));
        let ks = for_lineage(&vs, &old, &base, (BAND, 0.1), 0.9);
        assert_eq!(ks.iter().sum::<usize>(), total, "case {case}");
        assert!(
            share(&ks) >= floor - 1e-9,
            "case {case}: {} < {floor}",
            share(&ks)
        );
    }
}

#[test]
fn expected_outside_is_the_uniform_share() {
    // Mean 400 spreads over 360-440: inside 300-500 entirely.
    assert_eq!(expected_outside(1200.0, 3, BAND, 0.1), 0.0);
    // Mean 300 spreads over 270-330: half of each grid's range is below.
    assert!((expected_outside(900.0, 3, BAND, 0.1) - 1.5).abs() < 1e-9);
    assert_eq!(expected_outside(900.0, 0, BAND, 0.1), 0.0);
}
