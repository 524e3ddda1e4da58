//! Benchmarks of the exact transportation solver (`gridplan::engine::flow`).
//!
//! Instances are generated in code from fixed seeds, so no data is committed
//! and every run solves the same problems. Units are households clumped in
//! hamlets (a few heavy buildings among them), bounds are `t(1 ± 0.05)` with
//! `t` the mean load. Two kinds of centres:
//! - `cold`: k units drawn at random, as a first partitioner iteration sees
//!   them; cells are badly unbalanced and much load must move;
//! - `warm`: the same after five weighted Lloyd steps, as later iterations
//!   see them; cells are nearly balanced.
//!
//! `county` solves 510 village-sized problems one after another, like the
//! per-village loop of a county run on one core: 500 villages of about 240
//! units and 3 grids, and 10 large ones of 3000 units and 10-60 grids.
//!
//! Run with `cargo bench --bench flow`.

use gridplan::engine::flow::{TransportProblem, solve_transport};
use gridplan::engine::rng::Rng;

fn main() {
    divan::main();
}

/// One generated instance.
struct Inst {
    pos: Vec<[f64; 2]>,
    weight: Vec<f64>,
    centres: Vec<[f64; 2]>,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl Inst {
    fn problem(&self) -> TransportProblem<'_> {
        TransportProblem::new(
            &self.pos,
            &self.weight,
            &self.centres,
            &self.lower,
            &self.upper,
        )
    }
}
fn generate(seed: u64, n: usize, k: usize, tol: f64, lloyd: usize) -> Inst {
    let mut r = Rng::new(seed);
    // About 25 m between neighbouring buildings, hamlets of ~300 units.
    let side = (n as f64).sqrt() * 25.0;
    let hamlets: Vec<[f64; 2]> = (0..(n / 300).max(3))
        .map(|_| [r.range(0.0, side), r.range(0.0, side)])
        .collect();
    let mut pos = Vec::with_capacity(n);
    let mut weight = Vec::with_capacity(n);
    for _ in 0..n {
        let h = hamlets[r.below(hamlets.len())];
        pos.push([
            h[0] + 0.08 * side * r.normal(),
            h[1] + 0.08 * side * r.normal(),
        ]);
        weight.push(if r.f64() < 0.01 {
            10.0 + r.below(30) as f64
        } else {
            1.0 + r.below(3) as f64
        });
    }
    let mut centres: Vec<[f64; 2]> = (0..k).map(|_| pos[r.below(n)]).collect();
    for _ in 0..lloyd {
        let mut acc = vec![[0.0f64; 3]; k];
        for (q, &w) in pos.iter().zip(&weight) {
            let mut best = 0;
            let mut bd = f64::INFINITY;
            for (j, c) in centres.iter().enumerate() {
                let d = (q[0] - c[0]).powi(2) + (q[1] - c[1]).powi(2);
                if d < bd {
                    bd = d;
                    best = j;
                }
            }
            acc[best][0] += w * q[0];
            acc[best][1] += w * q[1];
            acc[best][2] += w;
        }
        for (c, a) in centres.iter_mut().zip(&acc) {
            if a[2] > 0.0 {
                *c = [a[0] / a[2], a[1] / a[2]];
            }
        }
    }
    let t = weight.iter().sum::<f64>() / k as f64;
    Inst {
        pos,
        weight,
        centres,
        lower: vec![t * (1.0 - tol); k],
        upper: vec![t * (1.0 + tol); k],
    }
}

/// n units / k centres.
#[derive(Clone, Copy, Debug)]
struct Size(usize, usize);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.0, self.1)
    }
}

const SIZES: [Size; 4] = [
    Size(400, 3),
    Size(3000, 8),
    Size(10_000, 60),
    Size(30_000, 100),
];

#[divan::bench(args = SIZES, sample_count = 10, sample_size = 1)]
fn cold(bencher: divan::Bencher, size: Size) {
    let inst = generate(42, size.0, size.1, 0.05, 0);
    bencher.bench(|| solve_transport(&inst.problem()));
}

#[divan::bench(args = SIZES, sample_count = 10, sample_size = 1)]
fn warm(bencher: divan::Bencher, size: Size) {
    let inst = generate(42, size.0, size.1, 0.05, 5);
    bencher.bench(|| solve_transport(&inst.problem()));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn county(bencher: divan::Bencher) {
    let mut villages: Vec<Inst> = (0..500)
        .map(|v| {
            generate(
                1000 + v,
                180 + (v as usize * 37) % 120,
                2 + (v as usize % 3),
                0.05,
                0,
            )
        })
        .collect();
    for v in 0..10u64 {
        villages.push(generate(5000 + v, 3000, 10 + 5 * v as usize, 0.05, 0));
    }
    bencher.bench(|| {
        villages
            .iter()
            .map(|inst| solve_transport(&inst.problem()).map_or(0, |s| s.splits.len()))
            .sum::<usize>()
    });
}
