//! Benchmarks of the grid and micro-grid polygons (`gridplan::geometry::polygons`).
//!
//! The workload is generated in code from a fixed seed, so no data is
//! committed and every run builds the same polygons. It is shaped like a
//! Rui'an-sized county (docs/DESIGN.md §7):
//! - grids: 510 villages, star-shaped outlines of 160 vertices and about
//!   900 m radius (1,300 km² / 510 villages), one in eight with a lake;
//!   240 sites each, clumped in hamlets, cut into k = 3 compact groups by a
//!   few Lloyd steps, as the partitioner's grids are;
//! - micro-grids: every one of the resulting 1,530 grid polygons is the
//!   territory of its ~80 sites, cut into k = 6 micro-grids.
//!
//! Territories are processed in parallel with rayon, as the pipeline does.
//! `county` runs both levels end to end (the second on the output of the
//! first); the target is under 5 s on the 2-core reference machine.
//!
//! Run with `cargo bench --bench polygons`.

use std::sync::OnceLock;

use geo::{BoundingRect, Contains, LineString, MultiPolygon, Point, Polygon};
use gridplan::engine::rng::Rng;
use gridplan::geometry::polygons::partition_polygons;
use rayon::prelude::*;

fn main() {
    divan::main();
}

/// One territory with its sites and their groups.
struct Job {
    code: String,
    territory: MultiPolygon<f64>,
    sites: Vec<[f64; 2]>,
    labels: Vec<u32>,
    k: usize,
}

fn village(rng: &mut Rng, r: f64, lake: bool) -> MultiPolygon<f64> {
    let n = 160u32;
    let a: Vec<f64> = (0..4).map(|_| rng.range(-0.12, 0.12)).collect();
    let ph: Vec<f64> = (0..4)
        .map(|_| rng.range(0.0, std::f64::consts::TAU))
        .collect();
    let mut ring: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let th = std::f64::consts::TAU * f64::from(i) / f64::from(n);
            let mut rr = 1.0 + rng.range(-0.02, 0.02);
            for (h, (a, ph)) in a.iter().zip(&ph).enumerate() {
                rr += a * ((h as f64 + 2.0) * th + ph).sin();
            }
            (r * rr * th.cos(), r * rr * th.sin())
        })
        .collect();
    ring.push(ring[0]);
    let holes = if lake {
        let (cx, cy, s) = (0.3 * r, -0.2 * r, 0.12 * r);
        vec![LineString::from(vec![
            (cx - s, cy - s),
            (cx - s, cy + s),
            (cx + s, cy + s),
            (cx + s, cy - s),
            (cx - s, cy - s),
        ])]
    } else {
        Vec::new()
    };
    MultiPolygon::new(vec![Polygon::new(LineString::from(ring), holes)])
}

fn sites_in(rng: &mut Rng, t: &MultiPolygon<f64>, n: usize) -> Vec<[f64; 2]> {
    let b = t.bounding_rect().expect("non-empty village");
    let hamlets: Vec<[f64; 2]> = (0..5)
        .map(|_| {
            [
                rng.range(b.min().x, b.max().x),
                rng.range(b.min().y, b.max().y),
            ]
        })
        .collect();
    let spread = 0.12 * b.width();
    let mut sites = Vec::with_capacity(n);
    while sites.len() < n {
        let p = if rng.below(5) == 0 {
            [
                rng.range(b.min().x, b.max().x),
                rng.range(b.min().y, b.max().y),
            ]
        } else {
            let h = hamlets[rng.below(hamlets.len())];
            [h[0] + spread * rng.normal(), h[1] + spread * rng.normal()]
        };
        if t.contains(&Point::new(p[0], p[1])) {
            sites.push(p);
        }
    }
    sites
}

/// Compact groups: five Lloyd steps from k spread-out sites.
fn lloyd(sites: &[[f64; 2]], k: usize) -> Vec<u32> {
    let mut centres: Vec<[f64; 2]> = (0..k).map(|g| sites[g * sites.len() / k]).collect();
    let mut labels = vec![0u32; sites.len()];
    for _ in 0..5 {
        for (l, s) in labels.iter_mut().zip(sites) {
            let d = |c: &[f64; 2]| (c[0] - s[0]).powi(2) + (c[1] - s[1]).powi(2);
            *l = (0..k)
                .min_by(|&a, &b| d(&centres[a]).total_cmp(&d(&centres[b])))
                .expect("k > 0") as u32;
        }
        let mut sum = vec![[0.0f64; 3]; k];
        for (l, s) in labels.iter().zip(sites) {
            let e = &mut sum[*l as usize];
            e[0] += s[0];
            e[1] += s[1];
            e[2] += 1.0;
        }
        for (c, e) in centres.iter_mut().zip(&sum) {
            if e[2] > 0.0 {
                *c = [e[0] / e[2], e[1] / e[2]];
            }
        }
    }
    for g in 0..k {
        if !labels.iter().any(|&l| l as usize == g) {
            labels[g * sites.len() / k] = g as u32;
        }
    }
    labels
}

fn villages() -> &'static [Job] {
    static V: OnceLock<Vec<Job>> = OnceLock::new();
    V.get_or_init(|| {
        (0..510)
            .map(|i| {
                let code = format!("330381{:03}{:03}", 100 + i / 30, 200 + i % 30);
                let mut rng = Rng::derive(1, &code);
                let r = rng.range(600.0, 1200.0);
                let territory = village(&mut rng, r, i % 8 == 0);
                let sites = sites_in(&mut rng, &territory, 240);
                let labels = lloyd(&sites, 3);
                Job {
                    code,
                    territory,
                    sites,
                    labels,
                    k: 3,
                }
            })
            .collect()
    })
}

fn run(jobs: &[Job]) -> Vec<Vec<MultiPolygon<f64>>> {
    jobs.par_iter()
        .map(|j| {
            partition_polygons(&j.code, &j.sites, &j.labels, j.k, &j.territory).expect("valid job")
        })
        .collect()
}

/// The micro-grid jobs: each grid polygon of `grids` with its sites.
fn micro_jobs(villages: &[Job], grids: &[Vec<MultiPolygon<f64>>]) -> Vec<Job> {
    let mut out = Vec::new();
    for (v, polys) in villages.iter().zip(grids) {
        for (g, poly) in polys.iter().enumerate() {
            let sites: Vec<[f64; 2]> = v
                .sites
                .iter()
                .zip(&v.labels)
                .filter(|&(_, &l)| l as usize == g)
                .map(|(s, _)| *s)
                .collect();
            let k = 6.min(sites.len());
            let labels = lloyd(&sites, k);
            out.push(Job {
                code: format!("{}{:03}", v.code, g + 1),
                territory: poly.clone(),
                sites,
                labels,
                k,
            });
        }
    }
    out
}

fn micros() -> &'static [Job] {
    static M: OnceLock<Vec<Job>> = OnceLock::new();
    M.get_or_init(|| {
        let v = villages();
        micro_jobs(v, &run(v))
    })
}

/// Grid polygons of the 510 villages (rayon over villages).
#[divan::bench(sample_count = 5)]
fn grids_510_villages(b: divan::Bencher) {
    let v = villages();
    b.bench(|| run(v));
}

/// Micro-grid polygons of the ~1,530 grids (rayon over grids).
#[divan::bench(sample_count = 5)]
fn micro_1530_grids(b: divan::Bencher) {
    let m = micros();
    b.bench(|| run(m));
}

/// Both levels end to end: grids, then micro-grids inside them.
#[divan::bench(sample_count = 5)]
fn county(b: divan::Bencher) {
    let v = villages();
    b.bench(|| {
        let grids = run(v);
        let jobs = micro_jobs(v, &grids);
        run(&jobs)
    });
}

/// One village of 240 sites and 3 grids, on one thread.
#[divan::bench]
fn one_village(b: divan::Bencher) {
    let j = &villages()[0];
    b.bench(|| partition_polygons(&j.code, &j.sites, &j.labels, j.k, &j.territory));
}
