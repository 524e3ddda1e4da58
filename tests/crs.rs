//! Coordinate systems by EPSG code (issue 12): projected inputs declared in
//! the file or given by flag give the WGS84 plan, metres read as degrees are
//! refused naming the likely system, and `--output-crs EPSG:n` writes the
//! proper `.prj` and GeoPackage srs.

use std::path::{Path, PathBuf};

use gridplan::input::crs::{self, Crs};
use serde_json::Value;

use crate::common::{ok, partition, partition_files, read_json, small_county};

/// Positions at any depth converted from WGS84 to `to`.
fn walk(c: &mut Value, to: Crs) {
    match c.as_array() {
        Some(a) if a.first().is_some_and(Value::is_number) => {
            let (lon, lat) = (a[0].as_f64().unwrap(), a[1].as_f64().unwrap());
            let [x, y] = crs::from_wgs84(to, lon, lat);
            *c = serde_json::json!([x, y]);
        }
        Some(_) => c
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .for_each(|x| walk(x, to)),
        None => {}
    }
}

/// `name` of the small county converted to `code`, with a `crs` member when
/// `declare`, written into `dir`.
fn projected(dir: &Path, name: &str, code: u32, declare: bool) -> PathBuf {
    let to = Crs::from_epsg(code).unwrap();
    let mut v = read_json(&small_county().join(name));
    for f in v["features"].as_array_mut().unwrap() {
        walk(&mut f["geometry"]["coordinates"], to);
    }
    if declare {
        v["crs"] = serde_json::json!({
            "type": "name",
            "properties": {"name": format!("urn:ogc:def:crs:EPSG::{code}")}
        });
    }
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
    p
}

/// Rows of `a` equal to `b`'s, and `b`'s row count.
fn agreement(a: &Path, b: &Path) -> (usize, usize) {
    let a = std::fs::read_to_string(a.join("assignment.csv")).unwrap();
    let b = std::fs::read_to_string(b.join("assignment.csv")).unwrap();
    let same = a.lines().zip(b.lines()).filter(|(x, y)| x == y).count();
    (same, b.lines().count())
}

#[test]
fn gauss_kruger_inputs_give_the_wgs84_plan() {
    let dir = tempfile::tempdir().unwrap();
    let wgs = dir.path().join("wgs");
    ok(&partition(small_county(), &wgs, &["--target", "367"]));
    // Declared in the files (EPSG:4528, zone prefix), no flag.
    let declared = tempfile::tempdir().unwrap();
    let h = projected(declared.path(), "households.geojson", 4528, true);
    let b = projected(declared.path(), "boundaries.geojson", 4528, true);
    let out = dir.path().join("declared");
    ok(&partition_files(&h, &b, &out, &["--target", "367"]));
    let (same, total) = agreement(&out, &wgs);
    eprintln!("EPSG:4528 declared: {same} of {total} assignment rows as from WGS84");
    assert_eq!(same, total);
    // Given by flag (EPSG:4549, no prefix), no declaration.
    let flagged = tempfile::tempdir().unwrap();
    let h = projected(flagged.path(), "households.geojson", 4549, false);
    let b = projected(flagged.path(), "boundaries.geojson", 4549, false);
    let out = dir.path().join("flagged");
    let flags = [
        "--target",
        "367",
        "--input-crs",
        "EPSG:4549",
        "--boundaries-crs",
        "epsg:4549",
    ];
    ok(&partition_files(&h, &b, &out, &flags));
    assert_eq!(agreement(&out, &wgs), (total, total));
}

#[test]
fn metres_read_as_degrees_are_refused_naming_the_system() {
    let dir = tempfile::tempdir().unwrap();
    let h = projected(dir.path(), "households.geojson", 4528, false);
    let b = small_county().join("boundaries.geojson");
    let o = partition_files(&h, &b, &dir.path().join("out"), &["--target", "367"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for needle in [
        "households.geojson: feature 0",
        "EPSG:4513-4533",
        "EPSG:4528",
        "--input-crs",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    // The flag wins over a wrong declaration, and a wrong flag is refused.
    let h = projected(dir.path(), "households.geojson", 4528, true);
    let o = partition_files(
        &h,
        &b,
        &dir.path().join("out2"),
        &["--target", "367", "--input-crs", "EPSG:4549"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the file declares EPSG:4528"), "{err}");
    // An unknown code on the command line is a usage error.
    let o = partition_files(
        &h,
        &b,
        &dir.path().join("out3"),
        &["--target", "367", "--input-crs", "EPSG:1"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("EPSG:n"));
}

/// The srs row and the layers' srs of a GeoPackage.
fn gpkg_srs(path: &Path) -> (i64, String, String, Vec<i64>, f64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let (id, org, def): (i64, String, String) = conn
        .query_row(
            "SELECT srs_id, organization, definition FROM gpkg_spatial_ref_sys \
             WHERE srs_id = (SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'grids')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let mut st = conn
        .prepare("SELECT srs_id FROM gpkg_geometry_columns ORDER BY table_name")
        .unwrap();
    let layers = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<i64>, _>>()
        .unwrap();
    let min_x: f64 = conn
        .query_row(
            "SELECT min_x FROM gpkg_contents WHERE table_name = 'grids'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    (id, org, def, layers, min_x)
}

#[test]
fn output_crs_epsg_codes_write_proper_prj_and_gpkg_srs() {
    let dir = tempfile::tempdir().unwrap();
    for (code, wkt_start, min_x) in [
        (
            4490,
            r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000""#,
            100.0,
        ),
        (
            4528,
            r#"PROJCS["CGCS2000 / 3-degree Gauss-Kruger zone 40""#,
            40_000_000.0,
        ),
    ] {
        let out = dir.path().join(code.to_string());
        let flags = [
            "--target",
            "367",
            "--format",
            "shp,gpkg",
            "--output-crs",
            &format!("EPSG:{code}"),
        ];
        ok(&partition(small_county(), &out, &flags));
        let prj = std::fs::read_to_string(out.join("grids.prj")).unwrap();
        assert!(prj.starts_with(wkt_start), "{prj}");
        assert!(prj.contains("298.257222101"), "{prj}");
        assert_eq!(Crs::from_prj_wkt(&prj), Crs::from_epsg(code), "{prj}");
        let (id, org, def, layers, x) = gpkg_srs(&out.join("gridplan.gpkg"));
        assert_eq!((id, org.as_str()), (i64::from(code), "EPSG"));
        assert!(
            def.ends_with(&format!(r#"AUTHORITY["EPSG","{code}"]]"#)),
            "{def}"
        );
        assert!(layers.iter().all(|&l| l == i64::from(code)), "{layers:?}");
        assert!(x > min_x && x < min_x * 1.3, "{x}");
    }
}
