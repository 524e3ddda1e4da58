//! Inputs in the formats planners hold (issue 12, items 1 and 6): the same
//! county read as GeoJSON, Shapefile (UTF-8 and GBK without `.cpg`),
//! GeoPackage and XLSX gives the same plan byte for byte; ogr2ogr, an
//! independent writer, gives it too; and every reader's errors name the
//! file, the feature or row, the column and the rule.

use std::path::{Path, PathBuf};
use std::process::Command;

use geojson::FeatureCollection;
use gridplan::input::crs::Crs;
use gridplan::input::read::{
    ReadOptions, read_boundaries, read_boundaries_with, read_households, read_households_with,
};
use gridplan::synth::{FormCrs, SynthCounty, SynthFormat, TextEncoding, write_as, write_as_in};

use crate::common::{ok, run, tool_or_skip, write};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

fn fc(text: &str) -> FeatureCollection {
    text.parse().expect("a FeatureCollection")
}

fn county_of(dir: &Path) -> SynthCounty {
    let read = |n: &str| fc(&std::fs::read_to_string(dir.join(format!("{n}.geojson"))).unwrap());
    SynthCounty {
        households: read("households"),
        boundaries: read("boundaries"),
        zones: read("zones"),
        barriers: read("barriers"),
        compounds: read("compounds"),
    }
}

/// `gridplan partition` of five inputs into `out`; returns assignment.csv.
fn plan(files: [String; 5], out: &Path) -> Vec<u8> {
    plan_with(files, out, &[])
}

/// [`plan`] with further arguments, such as `--input-crs gcj02`.
fn plan_with(files: [String; 5], out: &Path, more: &[&str]) -> Vec<u8> {
    let [h, b, z, r, c] = files;
    let mut args: Vec<String> = [
        "partition",
        "--target",
        "367",
        "--households",
        &h,
        "--boundaries",
        &b,
        "--dedicated",
        &z,
        "--barriers",
        &r,
        "--compounds",
        &c,
        "--out",
        &out.display().to_string(),
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    args.extend(more.iter().map(ToString::to_string));
    let o = run(&args);
    ok(&o);
    std::fs::read(out.join("assignment.csv")).unwrap()
}

fn files(dir: &Path, ext: &str) -> [String; 5] {
    ["households", "boundaries", "zones", "barriers", "compounds"]
        .map(|n| dir.join(format!("{n}.{ext}")).display().to_string())
}

#[test]
fn every_form_of_the_sample_county_gives_the_same_plan() {
    let county = county_of(&sample());
    let tmp = tempfile::tempdir().unwrap();
    let base = plan(files(&sample(), "geojson"), &tmp.path().join("out_geojson"));
    let gbk = tmp.path().join("gbk");
    write_as(&county, &gbk, SynthFormat::Shp, TextEncoding::Gbk).unwrap();
    assert!(!gbk.join("boundaries.cpg").exists());
    let out = tmp.path().join("out_gbk");
    assert_eq!(plan(files(&gbk, "shp"), &out), base, "GBK Shapefiles");
    let notes = crate::common::metrics(&out)["input_notes"].to_string();
    assert!(
        notes.contains("boundaries.dbf: no .cpg; text read as GB18030 (GBK)"),
        "{notes}"
    );
    let utf8 = tmp.path().join("utf8");
    write_as(&county, &utf8, SynthFormat::Shp, TextEncoding::Utf8).unwrap();
    let out = tmp.path().join("out_utf8");
    assert_eq!(plan(files(&utf8, "shp"), &out), base, "UTF-8 Shapefiles");
    assert!(crate::common::metrics(&out).get("input_notes").is_none());
    let gpkg = tmp.path().join("gpkg");
    write_as(&county, &gpkg, SynthFormat::Gpkg, TextEncoding::Utf8).unwrap();
    let g = gpkg.join("county.gpkg").display().to_string();
    let layers =
        ["households", "boundaries", "zones", "barriers", "compounds"].map(|n| format!("{g}:{n}"));
    assert_eq!(
        plan(layers, &tmp.path().join("out_gpkg")),
        base,
        "GeoPackage"
    );
    let xlsx = tmp.path().join("xlsx");
    write_as(&county, &xlsx, SynthFormat::Xlsx, TextEncoding::Utf8).unwrap();
    let mut f = files(&xlsx, "geojson");
    f[0] = xlsx.join("households.xlsx").display().to_string();
    assert_eq!(
        plan(f, &tmp.path().join("out_xlsx")),
        base,
        "XLSX households"
    );
}

/// Issue 12's county office: village Shapefiles in CGCS2000 Gauss-Krüger
/// zone 40 (EPSG:4528) with GBK text and no `.cpg`, a GeoPackage in
/// CGCS2000 (EPSG:4490), and a household register in XLSX with Chinese
/// headers, geocoded by Amap in GCJ-02. Each gives the WGS84 GeoJSON plan
/// byte for byte; only the register needs a flag, since a spreadsheet
/// cannot declare its system.
#[test]
fn the_files_a_county_office_holds_give_the_same_plan() {
    let county = county_of(&sample());
    let tmp = tempfile::tempdir().unwrap();
    let base = plan(files(&sample(), "geojson"), &tmp.path().join("out_geojson"));
    let gk = FormCrs {
        layers: Crs::parse("EPSG:4528").unwrap(),
        households: Crs::parse("EPSG:4528").unwrap(),
    };
    let shp = tmp.path().join("shp4528");
    write_as_in(&county, &shp, SynthFormat::Shp, TextEncoding::Gbk, gk).unwrap();
    assert!(!shp.join("boundaries.cpg").exists());
    let prj = std::fs::read_to_string(shp.join("boundaries.prj")).unwrap();
    assert!(prj.contains("Gauss-Kruger zone 40"), "{prj}");
    let plan_shp = plan(files(&shp, "shp"), &tmp.path().join("out_shp"));
    assert_eq!(plan_shp, base, "Shapefiles in EPSG:4528, GBK");
    let cgcs = FormCrs {
        layers: Crs::Cgcs2000,
        households: Crs::Cgcs2000,
    };
    let gpkg = tmp.path().join("gpkg4490");
    write_as_in(&county, &gpkg, SynthFormat::Gpkg, TextEncoding::Utf8, cgcs).unwrap();
    let g = gpkg.join("county.gpkg").display().to_string();
    let layers =
        ["households", "boundaries", "zones", "barriers", "compounds"].map(|n| format!("{g}:{n}"));
    assert_eq!(
        plan(layers, &tmp.path().join("out_gpkg")),
        base,
        "GeoPackage in EPSG:4490"
    );
    let amap = FormCrs {
        layers: Crs::Wgs84,
        households: Crs::Gcj02,
    };
    let xlsx = tmp.path().join("xlsx_gcj02");
    write_as_in(&county, &xlsx, SynthFormat::Xlsx, TextEncoding::Utf8, amap).unwrap();
    let mut f = files(&xlsx, "geojson");
    f[0] = xlsx.join("households.xlsx").display().to_string();
    let out = tmp.path().join("out_xlsx");
    assert_eq!(
        plan_with(f.clone(), &out, &["--input-crs", "gcj02"]),
        base,
        "XLSX in GCJ-02"
    );
    // Without the flag the register is read as WGS84, about 500 m off,
    // and households near a border land in other villages: the flag is
    // what makes the plan right, not an accident of tolerance.
    let o = run([
        "partition",
        "--target",
        "367",
        "--households",
        &f[0],
        "--boundaries",
        &f[1],
        "--dedicated",
        &f[2],
        "--out",
        &tmp.path().join("out_unflagged").display().to_string(),
    ]);
    if o.status.success() {
        let wrong = std::fs::read(tmp.path().join("out_unflagged/assignment.csv")).unwrap();
        assert_ne!(wrong, base, "GCJ-02 read as WGS84 gave the same plan");
    }
}

#[test]
fn synth_geojson_stays_byte_identical() {
    let county = gridplan::synth::generate(&gridplan::synth::SynthParams {
        scale: 0.02,
        seed: 3,
        ..Default::default()
    })
    .unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    gridplan::synth::write(&county, a.path()).unwrap();
    write_as(&county, b.path(), SynthFormat::Geojson, TextEncoding::Utf8).unwrap();
    for n in ["households", "boundaries", "zones", "barriers", "compounds"] {
        let name = format!("{n}.geojson");
        assert_eq!(
            std::fs::read(a.path().join(&name)).unwrap(),
            std::fs::read(b.path().join(&name)).unwrap(),
            "{name}"
        );
    }
    // The other forms are deterministic too.
    for form in [SynthFormat::Shp, SynthFormat::Gpkg, SynthFormat::Xlsx] {
        let (c, d) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let names = write_as(&county, c.path(), form, TextEncoding::Gbk).unwrap();
        write_as(&county, d.path(), form, TextEncoding::Gbk).unwrap();
        for n in names {
            let read = |p: &Path| std::fs::read(p.join(&n)).unwrap();
            assert_eq!(read(c.path()), read(d.path()), "{n}");
        }
    }
}

/// ogr2ogr writes the sample's households, boundaries and zones as
/// Shapefiles and as one GeoPackage; the plan must be the GeoJSON one.
#[test]
fn ogr2ogr_forms_give_the_same_plan() {
    if !tool_or_skip(&["ogr2ogr"], "gdal-bin") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let three = |h: String, b: String, z: String, out: &str| {
        let out = tmp.path().join(out);
        let o = run([
            "partition",
            "--target",
            "367",
            "--households",
            &h,
            "--boundaries",
            &b,
            "--dedicated",
            &z,
            "--out",
            &out.display().to_string(),
        ]);
        ok(&o);
        std::fs::read(out.join("assignment.csv")).unwrap()
    };
    let src = |n: &str| sample().join(format!("{n}.geojson")).display().to_string();
    let base = three(
        src("households"),
        src("boundaries"),
        src("zones"),
        "out_geojson",
    );
    let gpkg = tmp.path().join("ogr.gpkg").display().to_string();
    let mut shp = Vec::new();
    for n in ["households", "boundaries", "zones"] {
        let dest = tmp.path().join(format!("{n}.shp")).display().to_string();
        let o = Command::new("ogr2ogr")
            .args([
                "-f",
                "ESRI Shapefile",
                "-lco",
                "ENCODING=UTF-8",
                &dest,
                &src(n),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        shp.push(dest);
        let o = Command::new("ogr2ogr")
            .args(["-f", "GPKG", "-append", "-nln", n, &gpkg, &src(n)])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let [h, b, z]: [String; 3] = shp.try_into().unwrap();
    assert_eq!(three(h, b, z, "out_shp"), base, "ogr2ogr Shapefiles");
    let layer = |n: &str| format!("{gpkg}:{n}");
    let got = three(
        layer("households"),
        layer("boundaries"),
        layer("zones"),
        "out_gpkg",
    );
    assert_eq!(got, base, "ogr2ogr GeoPackage");
}

// ---- Small fixtures, each reader ----

const HOLE_AND_PARTS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"C","name":"县","level":"county"},"geometry":{"type":"Polygon","coordinates":[[[120,28],[120.3,28],[120.3,28.3],[120,28.3],[120,28]]]}},
{"type":"Feature","properties":{"code":"330302001001","name":"东山村","level":"village","parent":"C"},"geometry":{"type":"Polygon","coordinates":[[[120,28],[120.1,28],[120.1,28.1],[120,28.1],[120,28]],[[120.04,28.04],[120.04,28.06],[120.06,28.06],[120.06,28.04],[120.04,28.04]]]}},
{"type":"Feature","properties":{"code":"330302001002","name":"西山村","level":"village","parent":"C"},"geometry":{"type":"MultiPolygon","coordinates":[[[[120.1,28],[120.2,28],[120.2,28.1],[120.1,28.1],[120.1,28]]],[[[120.22,28.2],[120.25,28.2],[120.25,28.25],[120.22,28.25],[120.22,28.2]]]]}}
]}"#;

const HOUSEHOLDS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"H1","households":3,"population":7,"village":"330302001001"},"geometry":{"type":"Point","coordinates":[120.01,28.01]}},
{"type":"Feature","properties":{"id":"H2","households":1,"grid":"G1"},"geometry":{"type":"Point","coordinates":[120.15,28.05]}}
]}"#;

/// The boundaries as (code, name, level, parent, geometry) to compare.
fn units(b: &[gridplan::model::Boundary]) -> Vec<String> {
    b.iter()
        .map(|u| {
            format!(
                "{} {} {:?} {:?} {:?} {}",
                u.code, u.name, u.level, u.parent, u.geometry, u.feature_index
            )
        })
        .collect()
}

fn small(dir: &Path, form: SynthFormat, enc: TextEncoding) -> SynthCounty {
    let empty = fc(r#"{"type":"FeatureCollection","features":[]}"#);
    let county = SynthCounty {
        households: fc(HOUSEHOLDS),
        boundaries: fc(HOLE_AND_PARTS),
        zones: empty.clone(),
        barriers: empty.clone(),
        compounds: empty,
    };
    write_as(&county, dir, form, enc).unwrap();
    county
}

#[test]
fn shapefile_hole_multipolygon_and_gbk_read_as_geojson() {
    let tmp = tempfile::tempdir().unwrap();
    small(tmp.path(), SynthFormat::Shp, TextEncoding::Gbk);
    let want = read_boundaries(&write(tmp.path(), "b.geojson", HOLE_AND_PARTS), None).unwrap();
    let got =
        read_boundaries_with(&tmp.path().join("boundaries.shp"), &ReadOptions::default()).unwrap();
    assert_eq!(units(&got.value), units(&want));
    assert_eq!(got.value[1].geometry.0[0].interiors().len(), 1);
    assert_eq!(got.value[2].geometry.0.len(), 2);
    assert_eq!(got.value[1].name, "东山村");
    assert!(got.found.notes[0].ends_with("text read as GB18030 (GBK), as it is not valid UTF-8"));
    assert!(matches!(
        got.found.declared,
        Some(gridplan::input::read::Declared::Wkt(_))
    ));
    let hh = read_households(&tmp.path().join("households.shp"), None).unwrap();
    assert_eq!(
        hh,
        read_households(&write(tmp.path(), "h.geojson", HOUSEHOLDS), None).unwrap()
    );
}

#[test]
fn geopackage_layers_and_declared_epsg() {
    let tmp = tempfile::tempdir().unwrap();
    small(tmp.path(), SynthFormat::Gpkg, TextEncoding::Utf8);
    let g = tmp.path().join("county.gpkg");
    let want = read_boundaries(&write(tmp.path(), "b.geojson", HOLE_AND_PARTS), None).unwrap();
    let opts = ReadOptions {
        layer: Some("boundaries".into()),
        ..ReadOptions::default()
    };
    let got = read_boundaries_with(&g, &opts).unwrap();
    assert_eq!(units(&got.value), units(&want));
    assert_eq!(
        got.found.declared,
        Some(gridplan::input::read::Declared::Epsg(4326))
    );
    let e = read_boundaries(&g, None).unwrap_err().to_string();
    assert!(
        e.ends_with("county.gpkg: several layers; name one as FILE:NAME or with --layer NAME; its layers: barriers, boundaries, compounds, households, zones"),
        "{e}"
    );
    let e = read_boundaries(Path::new(&format!("{}:villages", g.display())), None).unwrap_err();
    assert!(
        e.to_string()
            .contains("county.gpkg:villages: no layer \"villages\"; its layers: barriers"),
        "{e}"
    );
    // A broken blob names the feature.
    let conn = rusqlite::Connection::open(&g).unwrap();
    conn.execute(
        "UPDATE households SET geom = x'47500001E6100000FF' WHERE fid = 2",
        [],
    )
    .unwrap();
    drop(conn);
    let e = read_households(Path::new(&format!("{}:households", g.display())), None).unwrap_err();
    assert!(
        e.to_string().ends_with("county.gpkg:households: feature 1 (fid \"2\"): invalid GeoPackage geometry: byte order 255 is neither 0 nor 1"),
        "{e}"
    );
}

#[test]
fn xlsx_with_chinese_headers_reads_as_geojson() {
    let tmp = tempfile::tempdir().unwrap();
    small(tmp.path(), SynthFormat::Xlsx, TextEncoding::Utf8);
    let want = read_households(&write(tmp.path(), "h.geojson", HOUSEHOLDS), None).unwrap();
    assert_eq!(
        read_households(&tmp.path().join("households.xlsx"), None).unwrap(),
        want
    );
    let e = read_households(
        Path::new(&format!(
            "{}:Sheet9",
            tmp.path().join("households.xlsx").display()
        )),
        None,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("no sheet \"Sheet9\"; its sheets: 住户"),
        "{e}"
    );
}

/// A GBK register as Excel exports it: Chinese headers, no id column
/// named `id`, and its errors in Excel's row numbers.
#[test]
fn gbk_csv_with_chinese_headers_and_its_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, encoding_rs::GBK.encode(text).0).unwrap();
        p
    };
    let ok_text = "户号,地址,户数,人口,经度,纬度,村社代码\nH1,东山路1号,3,7,120.01,28.01,330302001001\nH2,西山路2号,1,,120.15,28.05,\n";
    let read = read_households_with(&csv("h.csv", ok_text), &ReadOptions::default()).unwrap();
    assert_eq!(read.value.len(), 2);
    assert_eq!(read.value[0].households, 3);
    assert_eq!(read.value[0].village.as_deref(), Some("330302001001"));
    assert_eq!(read.value[1].population, None);
    assert!(
        read.found.notes[0]
            .ends_with("h.csv: text read as GB18030 (GBK), as it is not valid UTF-8")
    );
    let bad = "户号,户数,经度,纬度\nH1,3,120.01,28.01\nH2,abc,120.15,28.05\n";
    let e = read_households(&csv("bad.csv", bad), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("bad.csv: row 3 (id \"H2\"), column \"户数\": households must be an integer >= 1, got \"abc\""),
        "{e}"
    );
    let swapped = "户号,经度,纬度\nH1,28.01,120.01\n";
    let e = read_households(&csv("sw.csv", swapped), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("sw.csv: row 2 (id \"H1\"), column \"经度\", \"纬度\": longitude and latitude look swapped"), "{e}");
    let dup = "编号,x,y\nH1,120.01,28.01\nH1,120.02,28.02\n";
    let e = read_households(&csv("dup.csv", dup), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("dup.csv: row 3 (id \"H1\"): duplicate id, already used by row 2"),
        "{e}"
    );
    let no_lat = "编号,经度\nH1,120.01\n";
    let e = read_households(&csv("nolat.csv", no_lat), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("nolat.csv: no column for lat (looked for lat, latitude, y, 纬度)"),
        "{e}"
    );
    let e = read_boundaries(&csv("b.csv", ok_text), None)
        .unwrap_err()
        .to_string();
    assert!(e.ends_with("b.csv: a CSV file can hold only the households; give the boundaries as GeoJSON, Shapefile or GeoPackage"), "{e}");
}

#[test]
fn columns_map_geojson_properties_and_name_missing_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write(
        tmp.path(),
        "c.toml",
        "[columns]\nhouseholds = \"HH\"\nvillage = \"VC\"\n",
    );
    let columns = gridplan::input::workload::read_columns(&config).unwrap();
    let opts = ReadOptions {
        columns,
        ..ReadOptions::default()
    };
    let h = write(
        tmp.path(),
        "h.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"编号":"A","HH":4,"households":9,"VC":"330302001001"},"geometry":{"type":"Point","coordinates":[120.01,28.01]}}]}"#,
    );
    let got = read_households_with(&h, &opts).unwrap().value;
    assert_eq!((got[0].id.as_str(), got[0].households), ("A", 4));
    assert_eq!(got[0].village.as_deref(), Some("330302001001"));
    let config = write(tmp.path(), "d.toml", "[columns]\npopulation = \"POP\"\n");
    let opts = ReadOptions {
        columns: gridplan::input::workload::read_columns(&config).unwrap(),
        ..ReadOptions::default()
    };
    let e = read_households_with(&h, &opts).unwrap_err().to_string();
    assert!(
        e.contains("h.geojson: no column \"POP\", which [columns] in ")
            && e.contains("d.toml names for population; the file has 编号, HH, households, VC"),
        "{e}"
    );
}

#[test]
fn shapefile_needs_its_dbf_and_shx() {
    let tmp = tempfile::tempdir().unwrap();
    small(tmp.path(), SynthFormat::Shp, TextEncoding::Utf8);
    let shp = tmp.path().join("households.shp");
    std::fs::remove_file(tmp.path().join("households.dbf")).unwrap();
    let e = read_households(&shp, None).unwrap_err().to_string();
    assert!(e.ends_with("households.shp: missing households.dbf beside the .shp (a Shapefile is .shp, .shx and .dbf together)"), "{e}");
    std::fs::remove_file(tmp.path().join("boundaries.shx")).unwrap();
    let e = read_boundaries(&tmp.path().join("boundaries.shp"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing boundaries.shx"), "{e}");
    let e = read_boundaries(&tmp.path().join("b.kml"), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("b.kml: unknown file type; expected .geojson, .json, .shp or .gpkg"),
        "{e}"
    );
    // A .cpg naming an unknown encoding is an error, not a guess.
    std::fs::write(tmp.path().join("zones.cpg"), "klingon").unwrap();
    let e = gridplan::input::read::read_zones(&tmp.path().join("zones.shp"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("zones.cpg: unknown encoding \"klingon\""), "{e}");
}
