//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The gridplan binary built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gridplan"))
}

/// Runs gridplan with `args`, returning its output.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("gridplan runs")
}

/// A synthetic county at scale 0.05 (26 villages), generated once per test
/// binary into a temporary folder that lives as long as the process.
pub fn small_county() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let county = gridplan::synth::generate(&gridplan::synth::SynthParams {
            scale: 0.05,
            seed: 7,
        })
        .expect("synth");
        gridplan::synth::write(&county, &dir).expect("write synth");
        dir
    })
}

/// Writes `text` to `name` inside `dir` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

/// A square polygon ring in lon/lat, `size` degrees wide.
pub fn square(x: f64, y: f64, size: f64) -> String {
    format!(
        "[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]",
        x2 = x + size,
        y2 = y + size
    )
}

/// A boundaries file with one county, one town and the given villages
/// (code, ring JSON).
pub fn boundaries(villages: &[(&str, String)]) -> String {
    let mut f = vec![
        r#"{"type":"Feature","properties":{"code":"330381","name":"县","level":"county","parent":null},"geometry":{"type":"Polygon","coordinates":[[[120,27],[121,27],[121,28],[120,28],[120,27]]]}}"#.to_string(),
        r#"{"type":"Feature","properties":{"code":"330381001","name":"镇","level":"town","parent":"330381"},"geometry":{"type":"Polygon","coordinates":[[[120,27],[121,27],[121,28],[120,28],[120,27]]]}}"#.to_string(),
    ];
    for (code, ring) in villages {
        f.push(format!(
            r#"{{"type":"Feature","properties":{{"code":"{code}","name":"村","level":"village","parent":"330381001"}},"geometry":{{"type":"Polygon","coordinates":{ring}}}}}"#
        ));
    }
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        f.join(",")
    )
}

/// A households file from (id, lon, lat, households).
pub fn households(points: &[(&str, f64, f64, u32)]) -> String {
    let f: Vec<String> = points
        .iter()
        .map(|(id, x, y, h)| {
            format!(
                r#"{{"type":"Feature","properties":{{"id":"{id}","households":{h}}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        f.join(",")
    )
}
