//! Issue 13, items 3-5: the hostile cases of codes, partial current plans,
//! output folders, synth, flags, lock files, high latitudes and
//! `gridplan metrics` codes, each with its expected outcome (a clear
//! error, or a correct plan). Inputs are generated here (a few lines of
//! GeoJSON each) or read from tests/data/hostile/.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

/// tests/data/hostile/`rel`.
fn hostile(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hostile")
        .join(rel)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failed run: exit 2, every needle in stderr, nothing written.
fn refused(o: &Output, out: &Path, needles: &[&str]) -> String {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    for n in needles {
        assert!(e.contains(n), "missing {n:?} in: {e}");
    }
    assert!(!e.contains("panicked"), "{e}");
    assert!(
        !out.join("assignment.csv").exists(),
        "nothing may be written"
    );
    e
}

/// One village of code `code` (any JSON string) with eight buildings of 50
/// households; `grid(i)` is household i's current grid.
fn county(dir: &Path, code: &str, grid: impl Fn(usize) -> Option<String>) -> [PathBuf; 2] {
    county_at(dir, code, (120.60, 27.70), grid)
}

fn county_at(
    dir: &Path,
    code: &str,
    (x, y): (f64, f64),
    grid: impl Fn(usize) -> Option<String>,
) -> [PathBuf; 2] {
    let code_json = serde_json::to_string(code).unwrap();
    let ring = square(x, y, 0.01);
    let b = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"code":"330381","level":"county"}},"geometry":{{"type":"Polygon","coordinates":{ring}}}}},{{"type":"Feature","properties":{{"code":"330381001","level":"town","parent":"330381"}},"geometry":{{"type":"Polygon","coordinates":{ring}}}}},{{"type":"Feature","properties":{{"code":{code_json},"level":"village","parent":"330381001"}},"geometry":{{"type":"Polygon","coordinates":{ring}}}}}]}}"#
    );
    let hh: Vec<String> = (0..8)
        .map(|i| {
            let px = x + 0.001 + 0.001 * (i % 4) as f64;
            let py = y + 0.002 + 0.005 * (i / 4) as f64;
            let g = grid(i).map_or(String::new(), |g| format!(r#","grid":"{g}""#));
            format!(
                r#"{{"type":"Feature","properties":{{"id":"H{i}","households":50{g}}},"geometry":{{"type":"Point","coordinates":[{px},{py}]}}}}"#
            )
        })
        .collect();
    let h = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        hh.join(",")
    );
    [
        write(dir, "households.geojson", &h),
        write(dir, "boundaries.geojson", &b),
    ]
}

/// `partition` of the county in `files` into `out` at 200 households a
/// grid (two grids), with `extra`.
fn plan(files: &[PathBuf; 2], out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["--target", "200", "--band", "100,300", "--threads", "1"];
    args.extend_from_slice(extra);
    partition_files(&files[0], &files[1], out, &args)
}

#[test]
fn malformed_village_codes_are_refused_with_file_feature_and_code() {
    let codes = std::fs::read_to_string(hostile("village_codes/codes.txt")).unwrap();
    let mut codes: Vec<String> = codes.lines().map(str::to_string).collect();
    // The hostile run's code held a real line break too.
    codes.push("../../x,\"y\n001".into());
    for code in &codes {
        let dir = tempfile::tempdir().unwrap();
        let files = county(dir.path(), code, |_| None);
        let out = dir.path().join("out");
        let shown = format!("{code:?}");
        let e = refused(
            &plan(&files, &out, &[]),
            &out,
            &["boundaries.geojson: feature 2", &shown, "refused"],
        );
        assert!(e.lines().count() == 1, "one line: {e}");
    }
    // An Excel float as a JSON number: with a fraction it is no code...
    let dir = tempfile::tempdir().unwrap();
    let files = county(dir.path(), "X", |_| None);
    let text = std::fs::read_to_string(&files[1]).unwrap();
    std::fs::write(&files[1], text.replace("\"X\"", "330381001001.0001")).unwrap();
    let out = dir.path().join("out");
    refused(
        &plan(&files, &out, &[]),
        &out,
        &["feature 2", "number with a fraction"],
    );
    // ... and a whole one is the code written without fraction.
    std::fs::write(&files[1], text.replace("\"X\"", "330381001001.0")).unwrap();
    ok(&plan(&files, &out, &[]));
    assert!(
        assignment(&out)
            .values()
            .all(|g| g.len() == 15 && g.starts_with("330381001001"))
    );
}

#[test]
fn free_codes_give_documented_grid_codes_and_still_refuse_unsafe_ones() {
    for code in ["A001", "东山村东山村东山村东山村001"] {
        let dir = tempfile::tempdir().unwrap();
        let files = county(dir.path(), code, |_| None);
        let out = dir.path().join("out");
        ok(&plan(&files, &out, &["--free-codes"]));
        let rows = assignment_rows(&out);
        let mut grids: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        grids.sort_unstable();
        grids.dedup();
        assert_eq!(grids, [format!("{code}-001"), format!("{code}-002")]);
        for (_, g, m) in &rows {
            let seq = m.strip_prefix(&format!("{g}-")).unwrap();
            assert!(
                seq.len() == 2 && seq.bytes().all(|b| b.is_ascii_digit()),
                "{m}"
            );
        }
        // The metrics command reads them back with the same flag.
        let a = out.join("assignment.csv");
        let o = run([
            "metrics".as_ref(),
            "--households".as_ref(),
            files[0].as_os_str(),
            "--boundaries".as_ref(),
            files[1].as_os_str(),
            "--assignment".as_ref(),
            a.as_os_str(),
            "--free-codes".as_ref(),
        ]);
        ok(&o);
    }
    for code in ["330381101001.0001", "../../x,\"y\n001"] {
        let dir = tempfile::tempdir().unwrap();
        let files = county(dir.path(), code, |_| None);
        let out = dir.path().join("out");
        refused(
            &plan(&files, &out, &["--free-codes"]),
            &out,
            &["boundaries.geojson: feature 2", "refused"],
        );
    }
}

#[test]
fn a_partial_current_plan_reallocates_and_counts_new_households() {
    // Six of eight buildings carry the current plan (one grid per row of
    // four); two are new since it.
    let dir = tempfile::tempdir().unwrap();
    let files = county(dir.path(), "330381001001", |i| {
        (i % 4 != 3).then(|| format!("330381001001{:03}", 1 + i / 4))
    });
    let out = dir.path().join("out");
    ok(&plan(&files, &out, &[]));
    let m = metrics(&out);
    let s = &m["metrics"]["stability"];
    assert_eq!(s["households"], 300, "{s}");
    assert_eq!(s["new_households"], 100, "{s}");
    assert_eq!(m["metrics"]["transition"]["new_households"], 100);
    let t = std::fs::read_to_string(out.join("transition.csv")).unwrap();
    let new_rows: Vec<&str> = t.lines().filter(|l| l.starts_with(',')).collect();
    assert_eq!(new_rows.len(), 2, "{t}");
    assert!(new_rows.iter().all(|l| l.contains(",new,0,0")), "{t}");
    // The summary on stdout says how many there were.
    let o = plan(&files, &dir.path().join("again"), &[]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.lines().any(
            |l| l.starts_with("new households placed") && l.ends_with(" 100 (no current grid)")
        ),
        "{table}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("New households placed: 100"));
}

#[test]
fn a_current_plan_on_fewer_than_half_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files = county(dir.path(), "330381001001", |i| {
        (i < 3).then(|| "330381001001001".to_string())
    });
    let out = dir.path().join("out");
    refused(
        &plan(&files, &out, &[]),
        &out,
        &[
            "households.geojson: only 3 of 8 household records carry a current `grid`",
            "wrong file",
        ],
    );
}

#[test]
fn a_second_run_leaves_no_stale_layer_and_no_user_file_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let files = county(dir.path(), "330381001001", |_| None);
    let out = dir.path().join("out");
    ok(&plan(&files, &out, &["--format", "geojson,shp,gpkg"]));
    for f in ["grids.shp", "micro_grids.dbf", "gridplan.gpkg"] {
        assert!(out.join(f).exists(), "{f}");
    }
    std::fs::write(out.join("notes.txt"), "the planner's own").unwrap();
    ok(&plan(&files, &out, &["--format", "geojson"]));
    for f in ["grids.shp", "grids.shx", "micro_grids.dbf", "gridplan.gpkg"] {
        assert!(!out.join(f).exists(), "stale {f}");
    }
    for f in ["grids.geojson", "assignment.csv", "notes.txt"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let manifest = std::fs::read_to_string(out.join(".gridplan-manifest")).unwrap();
    assert!(manifest.lines().any(|l| l == "grids.geojson"), "{manifest}");
    assert!(!manifest.contains("notes.txt"), "{manifest}");
}

#[test]
fn synth_never_overwrites_inputs_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let mine = write(dir.path(), "households.geojson", "the county's own");
    let synth = |extra: &[&str]| {
        let mut args = vec!["synth", "--scale", "0.02", "--out"];
        let d = dir.path().to_str().unwrap();
        args.push(d);
        args.extend_from_slice(extra);
        run(args)
    };
    let o = synth(&[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("already holds households.geojson") && e.contains("--force"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "the county's own");
    assert!(!dir.path().join("boundaries.geojson").exists());
    // Another form's files are not in the way.
    ok(&synth(&["--format", "gpkg"]));
    ok(&synth(&["--force"]));
    assert_ne!(std::fs::read_to_string(&mine).unwrap(), "the county's own");
}

#[test]
fn numeric_flags_and_grid_counts_name_the_flag_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = county(dir.path(), "330381001001", |_| None);
    let out = dir.path().join("out");
    for target in [
        &["--target=-5"][..],
        &["--target", "-5"],
        &["--target", "0"],
    ] {
        let mut args = vec!["--households", "h", "--boundaries", "b", "--out", "o"];
        args.extend_from_slice(target);
        let o = run(["partition"].iter().chain(&args));
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(e.contains("--target") && e.contains("> 0"), "{e}");
    }
    // A household count of 1e9: the count of grids names the flag and
    // the file it came from.
    let text = std::fs::read_to_string(&files[0]).unwrap();
    std::fs::write(
        &files[0],
        text.replacen("\"households\":50", "\"households\":1000000000", 1),
    )
    .unwrap();
    let o = partition_files(&files[0], &files[1], &out, &["--target", "400"]);
    refused(
        &o,
        &out,
        &[
            "village 330381001001",
            "--target 400",
            "households.geojson",
            "room for 900",
        ],
    );
}

#[test]
fn a_lock_header_after_a_comment_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let files = county(dir.path(), "330381001001", |i| {
        Some(format!("330381001001{:03}", 1 + i / 4))
    });
    let out = dir.path().join("out");
    let lock = hostile("lock_comment_header/lock.txt");
    ok(&plan(&files, &out, &["--lock", lock.to_str().unwrap()]));
    let m = metrics(&out);
    assert_eq!(
        m["metrics"]["stability"]["kept"], 2,
        "{}",
        m["metrics"]["stability"]
    );
}

#[test]
fn a_village_near_the_pole_is_planned() {
    // Longyearbyen, Svalbard: a valid position in WGS84 that the swapped
    // rule used to read as a Chinese [lat, lon].
    let dir = tempfile::tempdir().unwrap();
    let files = county_at(dir.path(), "330381001001", (15.6, 78.2), |_| None);
    let out = dir.path().join("out");
    ok(&plan(&files, &out, &[]));
    assert_eq!(assignment(&out).len(), 8);
    // Declared CGCS2000, a system of China alone, it is swapped.
    let o = plan(&files, &dir.path().join("o2"), &["--input-crs", "cgcs2000"]);
    refused(
        &o,
        &dir.path().join("o2"),
        &["households.geojson", "swapped"],
    );
}

#[test]
fn metrics_refuses_garbage_and_unknown_village_codes() {
    let dir = tempfile::tempdir().unwrap();
    let files = county(dir.path(), "330381001001", |_| None);
    for (grid, needle) in [
        ("330381001999001", "names village 330381001999"),
        ("G1", "12-digit village code and 3 digits"),
        ("../x", "it holds '.'"),
    ] {
        let rows: Vec<String> = (0..8)
            .map(|i| {
                let g = if i == 5 { grid } else { "330381001001001" };
                format!("H{i},{g}")
            })
            .collect();
        let rows = rows.join("\n");
        let a = write(dir.path(), "assignment.csv", &format!("id,grid\n{rows}\n"));
        let o = run([
            "metrics".as_ref(),
            "--households".as_ref(),
            files[0].as_os_str(),
            "--boundaries".as_ref(),
            files[1].as_os_str(),
            "--assignment".as_ref(),
            a.as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        for n in ["assignment.csv: line 7: id \"H5\"", needle] {
            assert!(e.contains(n), "{n}: {e}");
        }
    }
}
