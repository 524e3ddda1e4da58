//! The re-allocation ceiling on a Rui'an-sized county: 510 villages and
//! 1,024 current grids of the seeded synthetic county (scale 1.0, seed 1),
//! redrawn at --target 367.4.
//!
//! - `county_ceiling`: both ceilings for every village at the target's
//!   counts, what metrics.json and the summary report;
//! - `lineage_counts`: the counts chosen with the ceiling in view, which
//!   computes the ceiling for every candidate count of every village.
//!
//! Run with `cargo bench --bench ceiling`; figures in BENCHMARKS.md.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use gridplan::engine::apportion::VillageLoad;
use gridplan::engine::{ceiling, counts};

fn main() {
    divan::main();
}

/// Per village: its load and its current grids' loads, from the synthetic
/// county's households (codes are village code + 3 digits).
fn villages() -> &'static (Vec<VillageLoad>, Vec<Vec<f64>>) {
    static DATA: OnceLock<(Vec<VillageLoad>, Vec<Vec<f64>>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let c = gridplan::synth::generate(&gridplan::synth::SynthParams {
            scale: 1.0,
            seed: 1,
            ..Default::default()
        })
        .expect("synth");
        let mut by: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        for f in &c.households.features {
            let p = f.properties.as_ref().expect("properties");
            let grid = p["grid"].as_str().expect("grid").to_string();
            let h = p["households"].as_f64().expect("households");
            *by.entry(grid[..12].to_string())
                .or_default()
                .entry(grid)
                .or_default() += h;
        }
        by.into_iter()
            .map(|(code, grids)| {
                let w: f64 = grids.values().sum();
                let v = VillageLoad {
                    code,
                    load: w,
                    households: w,
                };
                (v, grids.into_values().collect())
            })
            .unzip()
    })
}

fn target_counts(vs: &[VillageLoad]) -> Vec<usize> {
    vs.iter()
        .map(|v| ((v.load / 367.4).round() as usize).max(1))
        .collect()
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn county_ceiling(bencher: divan::Bencher) {
    let (vs, old) = villages();
    let ks = target_counts(vs);
    bencher.bench(|| {
        vs.iter()
            .zip(old)
            .zip(&ks)
            .map(|((v, o), &k)| ceiling::ceiling(o, v.load, k, 0.1).kept)
            .sum::<f64>()
    });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn lineage_counts(bencher: divan::Bencher) {
    let (vs, old) = villages();
    let ks = target_counts(vs);
    bencher.bench(|| counts::for_lineage(vs, old, &ks, ((300.0, 500.0), 0.1), 0.87));
}
