//! Bad input through the real binary: every case of docs/DESIGN.md §3 gets its own
//! message naming the file, the feature and the id, a non-zero exit, no
//! panic, and no output file.

use crate::common::{
    boundaries, households, ok, partition_files, run, square, two_villages, write,
};

/// Sizing for the few households of these fixtures.
const TINY: [&str; 4] = ["--target", "2", "--band", "1,10"];

/// Runs partition on the given texts and returns (exit code, stderr, out dir).
fn partition(hh: &str, bd: &str) -> (i32, String, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap().keep();
    let h = write(&dir, "households.geojson", hh);
    let b = write(&dir, "boundaries.geojson", bd);
    let out = dir.join("out");
    let o = partition_files(&h, &b, &out, &TINY);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    (o.status.code().unwrap_or(-1), stderr, out)
}

/// Asserts a failure whose message holds every one of `needles`, with no
/// panic and nothing written.
fn fails_with(hh: &str, bd: &str, needles: &[&str]) {
    let (code, stderr, out) = partition(hh, bd);
    assert_eq!(code, 2, "exit code; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "missing {n:?} in: {stderr}");
    }
    assert!(
        !out.join("assignment.csv").exists(),
        "nothing may be written"
    );
}

const OK_POINT: (&str, f64, f64, u32) = ("A", 120.605, 27.705, 3);

#[test]
fn invalid_json() {
    fails_with(
        "{\"type\": \"FeatureCollection\", ",
        &two_villages(),
        &["households.geojson", "invalid JSON at line 1"],
    );
}

#[test]
fn not_geojson() {
    fails_with(
        r#"{"type":"Point","coordinates":[1,2]}"#,
        &two_villages(),
        &["households.geojson", "FeatureCollection"],
    );
}

#[test]
fn duplicate_id_names_both_features() {
    let hh = households(&[
        OK_POINT,
        ("B", 120.606, 27.705, 1),
        ("A", 120.607, 27.705, 1),
    ]);
    fails_with(
        &hh,
        &two_villages(),
        &["households.geojson", "feature 2", "\"A\"", "feature 0"],
    );
}

#[test]
fn households_below_one() {
    let hh = households(&[OK_POINT, ("B", 120.606, 27.705, 0)]);
    fails_with(
        &hh,
        &two_villages(),
        &[
            "households.geojson",
            "feature 1",
            "\"B\"",
            "households must be an integer >= 1, got 0",
        ],
    );
}

#[test]
fn nan_coordinate() {
    // JSON has no NaN literal; a NaN written by a careless exporter is
    // invalid JSON, and a string coordinate is malformed.
    let hh = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"N"},"geometry":{"type":"Point","coordinates":[NaN,27.7]}}]}"#;
    fails_with(hh, &two_villages(), &["households.geojson", "invalid JSON"]);
    let hh = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"N"},"geometry":{"type":"Point","coordinates":["NaN",27.7]}}]}"#;
    fails_with(hh, &two_villages(), &["households.geojson", "feature 0"]);
}

#[test]
fn swapped_lat_lon() {
    let hh = households(&[OK_POINT, ("S", 27.705, 120.605, 1)]);
    fails_with(
        &hh,
        &two_villages(),
        &["households.geojson", "feature 1", "\"S\"", "swapped"],
    );
}

#[test]
fn unknown_village_code() {
    let hh = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"U","village":"330381999999"},"geometry":{"type":"Point","coordinates":[120.605,27.705]}}]}"#;
    fails_with(
        hh,
        &two_villages(),
        &[
            "households.geojson",
            "feature 0",
            "\"U\"",
            "330381999999",
            "not a village",
        ],
    );
}

#[test]
fn point_outside_every_village_lists_ids() {
    let hh = households(&[
        OK_POINT,
        ("far1", 120.9, 27.9, 1),
        ("far2", 120.95, 27.9, 1),
    ]);
    fails_with(
        &hh,
        &two_villages(),
        &[
            "households.geojson",
            "2 point(s) lie outside every village",
            "far1",
            "far2",
        ],
    );
}

#[test]
fn snap_distance_places_a_near_point() {
    // 0.0001° south of the villages is about 11 m away.
    let hh = households(&[OK_POINT, ("near", 120.605, 27.6999, 1)]);
    let dir = tempfile::tempdir().unwrap();
    let h = write(dir.path(), "households.geojson", &hh);
    let b = write(dir.path(), "boundaries.geojson", &two_villages());
    let out = dir.path().join("out");
    let snap = |metres: &str| {
        partition_files(
            &h,
            &b,
            &out,
            &[&TINY[..], &["--snap-distance", metres]].concat(),
        )
    };
    assert_eq!(snap("5").status.code(), Some(2));
    ok(&snap("20"));
    let m = std::fs::read_to_string(out.join("metrics.json")).unwrap();
    assert!(m.contains("\"near\""), "the snapped point is reported");
}

#[test]
fn declared_village_mismatch() {
    let hh = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"M","village":"330381001002"},"geometry":{"type":"Point","coordinates":[120.605,27.705]}}]}"#;
    fails_with(
        hh,
        &two_villages(),
        &["households.geojson", "declared village", "M"],
    );
}

#[test]
fn bad_boundaries() {
    let hh = households(&[OK_POINT]);
    let dup = boundaries(&[
        ("330381001001", square(120.60, 27.70, 0.01)),
        ("330381001001", square(120.61, 27.70, 0.01)),
    ]);
    fails_with(
        &hh,
        &dup,
        &["boundaries.geojson", "feature 3", "330381001001"],
    );
    let bad_level = two_villages().replacen("\"level\":\"village\"", "\"level\":\"hamlet\"", 1);
    fails_with(
        &hh,
        &bad_level,
        &["boundaries.geojson", "feature 2", "level"],
    );
}

#[test]
fn missing_file_and_bad_flags() {
    let o = run([
        "partition",
        "--households",
        "/nonexistent/h.geojson",
        "--boundaries",
        "/nonexistent/b.geojson",
        "--target",
        "300",
        "--out",
        "/tmp/x",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/"));
    // clap refuses a malformed band before anything runs.
    let o = run([
        "partition",
        "--households",
        "h",
        "--boundaries",
        "b",
        "--target",
        "3",
        "--band",
        "500,300",
        "--out",
        "o",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("MIN <= MAX"));
}

#[test]
fn output_never_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let hh = households(&[OK_POINT, ("B", 120.606, 27.705, 1)]);
    // The households file is named like an output inside the out folder.
    let h = write(dir.path(), "metrics.json", &hh);
    let b = write(dir.path(), "boundaries.geojson", &two_villages());
    let o = partition_files(&h, &b, dir.path(), &TINY);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("refusing to overwrite"));
    assert_eq!(std::fs::read_to_string(&h).unwrap(), hh);
}
