//! Fixtures shared by the integration tests: running the binary, synthetic
//! counties, hand-written GeoJSON, reading the outputs back, and the
//! external tools some tests need.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

// ---- The binary ----

/// The gridplan binary built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gridplan"))
}

/// Runs gridplan with `args`, returning its output.
pub fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    bin().args(args).output().expect("gridplan runs")
}

/// Asserts that a run succeeded, showing its stderr when it did not.
pub fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `gridplan COMMAND --households H --boundaries B FLAG PATH EXTRA…`.
fn on_files(
    command: &str,
    [households, boundaries]: [&Path; 2],
    flag: &str,
    path: &Path,
    extra: &[&str],
) -> Output {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new(command),
        OsStr::new("--households"),
        households.as_os_str(),
        OsStr::new("--boundaries"),
        boundaries.as_os_str(),
        OsStr::new(flag),
        path.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    run(args)
}

/// `gridplan COMMAND` on the county in folder `county` (its
/// households.geojson and boundaries.geojson), then `flag path`, then
/// `extra`.
fn on_county(command: &str, county: &Path, flag: &str, path: &Path, extra: &[&str]) -> Output {
    let h = county.join("households.geojson");
    let b = county.join("boundaries.geojson");
    on_files(command, [&h, &b], flag, path, extra)
}

/// `gridplan partition` of the given households and boundaries files into
/// `out`, with `extra` options.
pub fn partition_files(households: &Path, boundaries: &Path, out: &Path, extra: &[&str]) -> Output {
    on_files("partition", [households, boundaries], "--out", out, extra)
}

/// `gridplan partition` on the county in folder `county` into `out`, with
/// `extra` options.
pub fn partition(county: &Path, out: &Path, extra: &[&str]) -> Output {
    on_county("partition", county, "--out", out, extra)
}

/// `gridplan scenarios` on the county in folder `county` into `out`, with
/// `extra` options (the sizing at least).
pub fn scenarios(county: &Path, out: &Path, extra: &[&str]) -> Output {
    on_county("scenarios", county, "--out", out, extra)
}

/// `gridplan metrics --json` of `assignment` on the county in folder
/// `county`, with `extra` options; the parsed JSON of a successful run.
pub fn measure(county: &Path, assignment: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let o = on_county("metrics", county, "--assignment", assignment, &args);
    ok(&o);
    serde_json::from_slice(&o.stdout).expect("metrics --json prints JSON")
}

/// The bundled sample county's `gridplan demo`, run once per test binary in
/// a temporary folder: (its output folder, the process output).
pub fn demo() -> &'static (PathBuf, Output) {
    static RUN: OnceLock<(PathBuf, Output)> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = tempfile::tempdir()
            .expect("tempdir")
            .keep()
            .join("gridplan-demo");
        let o = run([OsStr::new("demo"), OsStr::new("--out"), out.as_os_str()]);
        ok(&o);
        (out, o)
    })
}

// ---- Synthetic counties ----

/// A synthetic county at `scale` from `seed`, written into a fresh
/// temporary folder (households.geojson, boundaries.geojson, zones.geojson).
pub fn synth_county(scale: f64, seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let county = gridplan::synth::generate(&gridplan::synth::SynthParams {
        scale,
        seed,
        ..Default::default()
    })
    .expect("synth");
    gridplan::synth::write(&county, dir.path()).expect("write synth");
    dir
}

/// A synthetic county at scale 0.05 (26 villages), generated once per test
/// binary into a temporary folder that lives as long as the process.
pub fn small_county() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| synth_county(0.05, 7).keep())
}

// ---- Hand-written inputs ----

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

/// Boundaries of villages 330381001001 and 330381001002 side by side, each
/// 0.01° wide, west to east from (120.60, 27.70).
pub fn two_villages() -> String {
    boundaries(&[
        ("330381001001", square(120.60, 27.70, 0.01)),
        ("330381001002", square(120.61, 27.70, 0.01)),
    ])
}

/// A households file from (id, lon, lat, households).
pub fn households<S: AsRef<str>>(points: &[(S, f64, f64, u32)]) -> String {
    let f: Vec<String> = points
        .iter()
        .map(|(id, x, y, h)| {
            let id = id.as_ref();
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

// ---- Reading inputs and outputs back ----

/// A JSON file, parsed.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The metrics.json in `out`, parsed.
pub fn metrics(out: &Path) -> serde_json::Value {
    read_json(&out.join("metrics.json"))
}

/// The rows (id, grid, micro_grid) of assignment.csv in `out`, in file
/// order, after checking its header.
pub fn assignment_rows(out: &Path) -> Vec<(String, String, String)> {
    let mut r = csv::Reader::from_path(out.join("assignment.csv")).expect("assignment.csv");
    assert_eq!(r.headers().unwrap(), vec!["id", "grid", "micro_grid"]);
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), rec[1].to_string(), rec[2].to_string())
        })
        .collect()
}

/// id → grid code, from assignment.csv in `out`.
pub fn assignment(out: &Path) -> BTreeMap<String, String> {
    assignment_rows(out)
        .into_iter()
        .map(|(id, grid, _)| (id, grid))
        .collect()
}

/// (id, string property `key` if present) of every household of the county
/// in folder `county`, in input order.
pub fn household_property(county: &Path, key: &str) -> Vec<(String, Option<String>)> {
    let v = read_json(&county.join("households.geojson"));
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                p["id"].as_str().unwrap().to_string(),
                p[key].as_str().map(str::to_string),
            )
        })
        .collect()
}

// ---- External tools ----

/// Whether the tests run in CI: the variable `CI` set to anything but
/// empty, "0" or "false" (CI services set CI=true; so does .ci/run).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// The first of `names` found on PATH, as `command -v` would find it.
pub fn find_tool(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Whether one of `names` is installed, so that a test needing it can run.
/// Outside CI a missing tool skips the test with a note on stderr. In CI it
/// fails the test: a check that silently skipped there would pass by
/// accident. `package` is the Debian package that installs the tool.
pub fn tool_or_skip(names: &[&str], package: &str) -> bool {
    if find_tool(names).is_some() {
        return true;
    }
    let msg = format!(
        "{} not found on PATH; install the Debian package `{package}` \
         (apt-get install -y {package}, as .ci/run does)",
        names.join(" / ")
    );
    assert!(!in_ci(), "CI is set, so this test may not skip: {msg}");
    eprintln!("skipped: {msg}");
    false
}
