//! Maps: polygons that tile the territory, GIS exports that GDAL opens,
//! coordinate systems, and report.html in a real headless browser.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{
    metrics, ok, partition, partition_files, read_json, small_county, tool_or_skip,
};

/// One partition of the small county with every export, shared by the
/// tests of this module.
fn full_run() -> &'static (PathBuf, serde_json::Value) {
    static RUN: OnceLock<(PathBuf, serde_json::Value)> = OnceLock::new();
    RUN.get_or_init(|| {
        let c = small_county();
        let out = tempfile::tempdir().unwrap().keep();
        let zones = c.join("zones.geojson");
        ok(&partition(
            c,
            &out,
            &[
                "--dedicated",
                zones.to_str().unwrap(),
                "--target",
                "367",
                "--format",
                "geojson,shp,gpkg",
            ],
        ));
        let m = metrics(&out);
        (out, m)
    })
}

fn counts(m: &serde_json::Value) -> (u64, u64) {
    (
        m["metrics"]["county"]["grids"].as_u64().unwrap(),
        m["metrics"]["micro"]["count"].as_u64().unwrap(),
    )
}

#[test]
fn polygons_tile_every_village_and_grid() {
    let (out, m) = full_run();
    let cov = &m["coverage"];
    assert!(cov["villages"].as_u64().unwrap() > 0);
    assert!(cov["max_relative_gap"].as_f64().unwrap() < 1e-6, "{cov}");
    assert!(
        cov["max_relative_overlap"].as_f64().unwrap() < 1e-6,
        "{cov}"
    );
    assert!(
        cov["micro_max_relative_gap"].as_f64().unwrap() < 1e-6,
        "{cov}"
    );
    assert!(
        cov["micro_max_relative_overlap"].as_f64().unwrap() < 1e-6,
        "{cov}"
    );
    assert_eq!(cov["invalid_polygons"], 0);
    // One feature per grid and micro-grid, with the properties of docs/DESIGN.md §4.
    let (grids, micro) = counts(m);
    let g = read_json(&out.join("grids.geojson"));
    let feats = g["features"].as_array().unwrap();
    assert_eq!(feats.len() as u64, grids);
    assert!(g.get("crs").is_none(), "RFC 7946: no crs member for WGS84");
    for f in feats {
        let p = &f["properties"];
        for key in [
            "grid_code",
            "grid_type",
            "village_code",
            "town_code",
            "households",
            "population",
            "load",
            "micro_grids",
            "area_m2",
            "pieces",
            "hard_crossings",
        ] {
            assert!(!p[key].is_null(), "{key} in {p}");
        }
        assert!(p["area_m2"].as_f64().unwrap() > 0.0);
        // The two ground counts are integers, and every grid has land.
        assert!(p["pieces"].as_u64().unwrap() >= 1, "{p}");
        assert!(p["hard_crossings"].is_u64(), "{p}");
        assert_eq!(f["geometry"]["type"], "MultiPolygon");
    }
    // `pieces` and `hard_crossings` are those of metrics.json's grids.
    for gm in m["metrics"]["grids"].as_array().unwrap() {
        let f = feats
            .iter()
            .find(|f| f["properties"]["grid_code"] == gm["code"])
            .unwrap();
        assert_eq!(f["properties"]["pieces"], gm["pieces"], "{gm}");
        assert_eq!(f["properties"]["hard_crossings"], gm["hard_crossings"]);
    }
    let mg = read_json(&out.join("micro_grids.geojson"));
    assert_eq!(mg["features"].as_array().unwrap().len() as u64, micro);
    assert!(!mg["features"][0]["properties"]["parent_grid"].is_null());
}

#[test]
fn gdal_opens_every_export() {
    if !tool_or_skip(&["ogrinfo"], "gdal-bin") {
        return;
    }
    let o = Command::new("ogrinfo").arg("--version").output().unwrap();
    assert!(o.status.success(), "ogrinfo --version failed");
    let (out, m) = full_run();
    let (grids, micro) = counts(m);
    let check = |file: &str, layer: &str, n: u64, field: &str| {
        let o = Command::new("ogrinfo")
            .args(["-so", "-al"])
            .arg(out.join(file))
            .arg(layer)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            text.contains(&format!("Feature Count: {n}")),
            "{file} {layer}: {text}"
        );
        assert!(text.contains(field), "{file} {layer}: no {field} in {text}");
        assert!(text.contains("WGS 84"), "{file}: CRS not declared: {text}");
    };
    check("grids.geojson", "grids", grids, "grid_code: String");
    check(
        "micro_grids.geojson",
        "micro_grids",
        micro,
        "parent_grid: String",
    );
    check("grids.shp", "grids", grids, "grid_code: String");
    check(
        "micro_grids.shp",
        "micro_grids",
        micro,
        "parent_grd: String",
    );
    check("grids.shp", "grids", grids, "hard_cross: Integer");
    check("gridplan.gpkg", "grids", grids, "village_code: String");
    check("gridplan.gpkg", "grids", grids, "pieces: Integer");
    check("gridplan.gpkg", "grids", grids, "hard_crossings: Integer");
    check("grids.geojson", "grids", grids, "pieces: Integer");
    check(
        "gridplan.gpkg",
        "micro_grids",
        micro,
        "oversize_building: Integer",
    );
}

#[test]
fn report_renders_in_headless_chromium() {
    // The names check_report.sh looks for, in its order.
    if !tool_or_skip(
        &["chromium", "chromium-browser", "google-chrome"],
        "chromium",
    ) {
        return;
    }
    let (out, m) = full_run();
    let (grids, micro) = counts(m);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check_report.sh");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("report.png");
    let o = Command::new("bash")
        .arg(&script)
        .arg(out.join("report.html"))
        .arg(&png)
        .arg(grids.to_string())
        .arg(micro.to_string())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{text}");
    assert!(png.exists());
    // The page is self-contained: no network references at all.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
}

/// The small county's households shifted into GCJ-02, as Amap geocoding
/// returns them.
fn gcj02_households(dir: &Path) -> PathBuf {
    let mut v = read_json(&small_county().join("households.geojson"));
    for f in v["features"].as_array_mut().unwrap() {
        let c = &mut f["geometry"]["coordinates"];
        let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        let [x, y] = gridplan::input::crs::wgs84_to_gcj02(lon, lat);
        *c = serde_json::json!([x, y]);
    }
    let p = dir.join("households_gcj02.geojson");
    std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
    p
}

#[test]
fn gcj02_households_are_converted_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let h = gcj02_households(dir.path());
    let c = small_county();
    let bpath = c.join("boundaries.geojson");
    let base = |extra: &[&str], out: &Path| {
        partition_files(&h, &bpath, out, &[&["--target", "367"], extra].concat())
    };
    // Read as WGS84, the ~500 m offset puts households in the wrong
    // village (or outside every village): refused.
    let wrong = base(&[], &dir.path().join("wrong"));
    assert_eq!(wrong.status.code(), Some(2));
    // Read as GCJ-02, the plan matches the one from the WGS84 original.
    let gcj = dir.path().join("gcj");
    ok(&base(
        &["--input-crs", "gcj02", "--output-crs", "gcj02"],
        &gcj,
    ));
    let wgs = dir.path().join("wgs");
    ok(&partition(c, &wgs, &["--target", "367"]));
    let a = std::fs::read_to_string(gcj.join("assignment.csv")).unwrap();
    let b = std::fs::read_to_string(wgs.join("assignment.csv")).unwrap();
    let same = a.lines().zip(b.lines()).filter(|(x, y)| x == y).count();
    let total = b.lines().count();
    assert!(same * 1000 >= total * 999, "{same} of {total} rows agree");
    // The GCJ-02 export says so.
    let g = read_json(&gcj.join("grids.geojson"));
    assert!(g["crs"].to_string().contains("GCJ-02"), "{}", g["crs"]);
}

/// Coverage and validity on the synthetic county at scales 0.1 and 1.0
/// (issue 4's bar), through the library.
#[test]
fn coverage_at_scales_one_tenth_and_one() {
    for scale in [0.1, 1.0] {
        let dir = tempfile::tempdir().unwrap();
        let c = gridplan::synth::generate(&gridplan::synth::SynthParams {
            scale,
            seed: 1,
            ..Default::default()
        })
        .unwrap();
        gridplan::synth::write(&c, dir.path()).unwrap();
        let cfg = gridplan::config::PartitionConfig::new(
            dir.path().join("households.geojson"),
            dir.path().join("boundaries.geojson"),
            dir.path().join("out"),
            gridplan::config::Sizing::Target(367.0),
        )
        .with_dedicated(dir.path().join("zones.geojson"));
        let outcome = gridplan::pipeline::partition(&cfg).unwrap();
        let cov = outcome.report.coverage.expect("coverage is computed");
        assert!(cov.villages >= 50, "scale {scale}");
        assert!(cov.max_relative_gap < 1e-6, "scale {scale}: {cov:?}");
        assert!(cov.max_relative_overlap < 1e-6, "scale {scale}: {cov:?}");
        assert!(cov.micro_max_relative_gap < 1e-6, "scale {scale}: {cov:?}");
        assert!(
            cov.micro_max_relative_overlap < 1e-6,
            "scale {scale}: {cov:?}"
        );
        assert_eq!(cov.invalid_polygons, 0, "scale {scale}");
    }
}
