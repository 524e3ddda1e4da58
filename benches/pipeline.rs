//! End-to-end benchmarks on the seeded synthetic county.
//!
//! The county is generated in code (no data is committed): scale 1.0 is a
//! Rui'an-sized county of 510 villages and about 550,000 households on
//! about 120,000 points. Run with `cargo bench --bench pipeline`; the
//! figures and the machine are recorded in BENCHMARKS.md.

use std::path::PathBuf;
use std::sync::OnceLock;

use gridplan::pipeline::{self, PartitionConfig, Sizing};

fn main() {
    divan::main();
}

/// Writes the synthetic county for `scale` once and returns its folder.
fn county(scale: f64) -> PathBuf {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(u64, PathBuf)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().expect("lock");
    let key = scale.to_bits();
    if let Some((_, p)) = cache.iter().find(|(k, _)| *k == key) {
        return p.clone();
    }
    let dir = tempfile::tempdir().expect("tempdir").keep();
    let c = gridplan::synth::generate(&gridplan::synth::SynthParams {
        scale,
        seed: 1,
        ..Default::default()
    })
    .expect("synth");
    gridplan::synth::write(&c, &dir).expect("write");
    cache.push((key, dir.clone()));
    dir
}

fn config(scale: f64) -> PartitionConfig {
    let dir = county(scale);
    PartitionConfig::new(
        dir.join("households.geojson"),
        dir.join("boundaries.geojson"),
        dir.join("out"),
        Sizing::Target(367.0),
    )
    .with_dedicated(dir.join("zones.geojson"))
}

/// `gridplan partition --target 367 --dedicated zones.geojson` end to end:
/// read, locate, full-scope and dedicated grids, micro-grids, metrics and
/// write.
#[divan::bench(args = [0.1, 1.0], sample_count = 3, sample_size = 1)]
fn partition_end_to_end(bencher: divan::Bencher, scale: f64) {
    let cfg = config(scale);
    bencher.bench(|| pipeline::partition(&cfg).expect("partition"));
}

/// `gridplan scenarios --targets 300,350,400,450,500 --dedicated
/// zones.geojson`: five staffing scenarios side by side (rayon over
/// scenarios), each with grids, micro-grids and metrics. The bar
/// is 30 s at scale 1.0.
#[divan::bench(args = [0.1, 1.0], sample_count = 3, sample_size = 1)]
fn scenarios_five_targets(bencher: divan::Bencher, scale: f64) {
    let base = config(scale);
    let cfg = pipeline::ScenariosConfig {
        base,
        sizings: [300.0, 350.0, 400.0, 450.0, 500.0]
            .into_iter()
            .map(Sizing::Target)
            .collect(),
    };
    bencher.bench(|| pipeline::scenarios(&cfg).expect("scenarios"));
}

/// `--balance households,population` (the assignment LP on Clarabel where
/// the flow's plan leaves population out of its band), drawn afresh.
#[divan::bench(args = [0.1, 1.0], sample_count = 3, sample_size = 1)]
fn partition_two_measures(bencher: divan::Bencher, scale: f64) {
    let mut cfg = config(scale);
    cfg.stability = 0.0;
    cfg.inputs.balance =
        gridplan::input::workload::parse_balance("households,population").expect("measures");
    bencher.bench(|| pipeline::partition(&cfg).expect("partition"));
}
