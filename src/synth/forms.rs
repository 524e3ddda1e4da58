//! The synthetic county in the other forms planners hold
//! (`gridplan synth --format`): Shapefiles, one GeoPackage, and the
//! households as an Excel workbook with Chinese headers, so that tests and
//! benchmarks read the very county of the GeoJSON files through every
//! reader of `input::read`.
//!
//! # Forms
//! - `shp`: `households.shp`, `boundaries.shp`, `zones.shp`,
//!   `barriers.shp` and `compounds.shp`, each with `.shx`, `.dbf` and a
//!   WGS 84 `.prj`. Text is UTF-8 with a `.cpg` saying so, or, with
//!   `--encoding gbk`, GBK with no `.cpg`, as Chinese desktop GIS writes
//!   it. Polygons are written outer ring clockwise, holes
//!   counter-clockwise (the `shapefile` crate's writer reorders them).
//! - `gpkg`: `county.gpkg` with the five layers, named as the files are,
//!   geometries as StandardGeoPackageBinary in EPSG:4326; read with
//!   `county.gpkg:households` and so on.
//! - `xlsx`: `households.xlsx` (columns 编号, 户数, 人口, rental, shops,
//!   special, 村社代码, 网格, 经度, 纬度; codes as text, counts and
//!   coordinates as numbers), beside the GeoJSON of the other layers.
//!
//! Every coordinate is the GeoJSON file's `f64`, written exactly (the
//! Shapefile and GeoPackage store the double; XLSX writes the shortest
//! decimal that reads back as the same double), so every form gives the
//! same plan. Output is deterministic: the `.dbf` date, the GeoPackage
//! `last_change` and the workbook's creation date are fixed.
//!
//! # Complexity
//! Linear in the features; each file is assembled in memory.

use std::io::Cursor;
use std::path::Path;

use encoding_rs::{Encoding, GBK, UTF_8};
use geojson::{Feature, FeatureCollection, GeometryValue as Value, Position};
use serde_json::Value as Json;

use super::{SynthCounty, SynthError};
use crate::input::crs::Crs;
use crate::input::read::write_dbf;
use crate::output::write::{WriteError, ensure_dir, write_atomic};

/// A form of the synthetic county.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum SynthFormat {
    /// Five GeoJSON files (the default).
    #[default]
    Geojson,
    /// Five Shapefiles.
    Shp,
    /// One GeoPackage with five layers.
    Gpkg,
    /// households.xlsx, the other layers as GeoJSON.
    Xlsx,
}

/// The text encoding of the Shapefiles' `.dbf`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum TextEncoding {
    /// UTF-8, with a `.cpg` saying so.
    #[default]
    Utf8,
    /// GBK (code page 936), with no `.cpg`.
    Gbk,
}

/// ESRI WKT of WGS 84, as GDAL writes it in a `.prj`.
const WGS84_PRJ: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;

/// The `.prj` of `crs`: ESRI's WGS 84 as GDAL writes it, else the
/// system's own WKT.
fn prj(crs: Crs) -> &'static str {
    if crs == Crs::Wgs84 {
        WGS84_PRJ
    } else {
        crs.wkt()
    }
}

/// The layers of a county, by file stem.
fn layers(county: &SynthCounty) -> [(&'static str, &FeatureCollection); 5] {
    [
        ("households", &county.households),
        ("boundaries", &county.boundaries),
        ("zones", &county.zones),
        ("barriers", &county.barriers),
        ("compounds", &county.compounds),
    ]
}

/// The files `format` may write into a folder: every file of every layer
/// (a Shapefile's `.shp`, `.shx`, `.dbf`, `.prj` and `.cpg`), sorted.
#[must_use]
pub fn form_files(format: SynthFormat) -> Vec<String> {
    let names = ["households", "boundaries", "zones", "barriers", "compounds"];
    let mut out: Vec<String> = match format {
        SynthFormat::Geojson => names.iter().map(|n| format!("{n}.geojson")).collect(),
        SynthFormat::Shp => names
            .iter()
            .flat_map(|n| {
                ["shp", "shx", "dbf", "prj", "cpg"]
                    .into_iter()
                    .map(move |e| format!("{n}.{e}"))
            })
            .collect(),
        SynthFormat::Gpkg => vec!["county.gpkg".into()],
        SynthFormat::Xlsx => names
            .iter()
            .map(|n| format!("{n}.geojson"))
            .chain(["households.xlsx".to_string()])
            .collect(),
    };
    out.sort();
    out
}

/// Refuses to write `format` into `dir` when any file it would write is
/// there already, unless `force` (`gridplan synth --force`): a county
/// office's own inputs must never be replaced by a synthetic county by
/// accident.
///
/// # Errors
/// [`SynthError::WouldOverwrite`] naming the folder and the files.
pub fn check_overwrite(dir: &Path, format: SynthFormat, force: bool) -> Result<(), SynthError> {
    if force {
        return Ok(());
    }
    let there: Vec<String> = form_files(format)
        .into_iter()
        .filter(|f| dir.join(f).exists())
        .collect();
    if there.is_empty() {
        Ok(())
    } else {
        Err(SynthError::WouldOverwrite {
            dir: dir.to_path_buf(),
            files: there,
        })
    }
}

/// The coordinate systems a form is written in: the layers', and the
/// households' (Amap geocoding gives GCJ-02 registers beside survey
/// layers in CGCS2000 Gauss-Krüger).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormCrs {
    /// Boundaries, zones, barriers and compounds.
    pub layers: Crs,
    /// The household points.
    pub households: Crs,
}

/// Writes `county` into `dir` in `format`, in WGS84; returns the files
/// written.
///
/// # Errors
/// [`SynthError::Write`] naming the file.
pub fn write_as(
    county: &SynthCounty,
    dir: &Path,
    format: SynthFormat,
    encoding: TextEncoding,
) -> Result<Vec<String>, SynthError> {
    write_as_in(county, dir, format, encoding, FormCrs::default())
}

/// [`write_as`] in the systems `crs`: positions converted from WGS84, the
/// system declared where the form can (a Shapefile's `.prj`, the
/// GeoPackage srs, a GeoJSON `crs` member when it has an EPSG code);
/// GCJ-02, which has no code, is declared nowhere, as Amap exports are.
///
/// # Errors
/// [`SynthError::Write`] naming the file.
pub fn write_as_in(
    county: &SynthCounty,
    dir: &Path,
    format: SynthFormat,
    encoding: TextEncoding,
    crs: FormCrs,
) -> Result<Vec<String>, SynthError> {
    if crs != FormCrs::default() {
        let moved = in_systems(county, crs);
        return write_forms(&moved, dir, format, encoding, crs);
    }
    write_forms(county, dir, format, encoding, crs)
}

/// The county with every position converted from WGS84 to `crs`.
fn in_systems(county: &SynthCounty, crs: FormCrs) -> SynthCounty {
    let mut c = county.clone();
    convert_collection(&mut c.households, crs.households);
    for fc in [
        &mut c.boundaries,
        &mut c.zones,
        &mut c.barriers,
        &mut c.compounds,
    ] {
        convert_collection(fc, crs.layers);
    }
    c
}

fn convert_collection(fc: &mut FeatureCollection, to: Crs) {
    for g in fc.features.iter_mut().filter_map(|f| f.geometry.as_mut()) {
        convert_value(&mut g.value, to);
    }
}

fn convert_value(v: &mut Value, to: Crs) {
    let pos = |p: &mut Position| {
        let [x, y] = crate::input::crs::from_wgs84(to, p[0], p[1]);
        p[0] = x;
        p[1] = y;
    };
    match v {
        Value::Point { coordinates } => pos(coordinates),
        Value::MultiPoint { coordinates } | Value::LineString { coordinates } => {
            coordinates.iter_mut().for_each(pos);
        }
        Value::MultiLineString { coordinates } | Value::Polygon { coordinates } => {
            coordinates.iter_mut().flatten().for_each(pos);
        }
        Value::MultiPolygon { coordinates } => {
            coordinates.iter_mut().flatten().flatten().for_each(pos);
        }
        Value::GeometryCollection { geometries } => {
            for g in geometries {
                convert_value(&mut g.value, to);
            }
        }
    }
}

fn write_forms(
    county: &SynthCounty,
    dir: &Path,
    format: SynthFormat,
    encoding: TextEncoding,
    crs: FormCrs,
) -> Result<Vec<String>, SynthError> {
    ensure_dir(dir)?;
    let system = |name: &str| {
        if name == "households" {
            crs.households
        } else {
            crs.layers
        }
    };
    match format {
        SynthFormat::Geojson => {
            super::write_in(county, dir, crs.households, crs.layers)?;
            Ok(layers(county)
                .iter()
                .map(|(n, _)| format!("{n}.geojson"))
                .collect())
        }
        SynthFormat::Shp => {
            let mut out = Vec::new();
            for (name, fc) in layers(county) {
                write_shapefile(&dir.join(format!("{name}.shp")), fc, encoding, system(name))?;
                out.push(format!("{name}.shp"));
            }
            Ok(out)
        }
        SynthFormat::Gpkg => {
            write_gpkg(&dir.join("county.gpkg"), &layers(county), &system)?;
            Ok(vec!["county.gpkg".into()])
        }
        SynthFormat::Xlsx => {
            super::write_in(county, dir, crs.households, crs.layers)?;
            write_households_xlsx(
                &dir.join("households.xlsx"),
                &county.households,
                crs.households,
            )?;
            Ok(vec!["households.xlsx".into()])
        }
    }
}

fn io_error(path: &Path, message: impl std::fmt::Display) -> SynthError {
    SynthError::Write(WriteError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(message.to_string()),
    })
}

/// The property columns of a layer in key order, with their dBase type:
/// `N` when every value is a number, `L` when every value is a boolean,
/// `C` otherwise.
fn columns(fc: &FeatureCollection) -> Vec<(String, u8)> {
    let mut keys: std::collections::BTreeMap<String, u8> = std::collections::BTreeMap::new();
    for f in &fc.features {
        for (k, v) in f.properties.iter().flatten() {
            let kind = match v {
                Json::Number(_) => b'N',
                Json::Bool(_) => b'L',
                Json::Null => continue,
                _ => b'C',
            };
            let e = keys.entry(k.clone()).or_insert(kind);
            if *e != kind {
                *e = b'C';
            }
        }
    }
    keys.into_iter().collect()
}

fn cell(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Bool(b)) => if *b { "T" } else { "F" }.into(),
        Some(Json::Number(n)) => n
            .as_i64()
            .map_or_else(|| n.as_f64().unwrap_or(0.0).to_string(), |i| i.to_string()),
        Some(other) => other.to_string(),
    }
}

/// The `.dbf` of a layer.
fn dbf(fc: &FeatureCollection, encoding: &'static Encoding) -> Vec<u8> {
    let cols = columns(fc);
    let rows: Vec<Vec<String>> = fc
        .features
        .iter()
        .map(|f| {
            cols.iter()
                .map(|(k, _)| cell(f.properties.as_ref().and_then(|p| p.get(k))))
                .collect()
        })
        .collect();
    let fields = cols
        .iter()
        .enumerate()
        .map(|(i, (k, kind))| {
            let width = rows
                .iter()
                .map(|r| encoding.encode(&r[i]).0.len())
                .max()
                .unwrap_or(1)
                .clamp(1, 254);
            let decimals = rows
                .iter()
                .filter_map(|r| r[i].split_once('.').map(|(_, d)| d.len()))
                .max()
                .unwrap_or(0)
                .min(15);
            (k.clone(), *kind, width as u8, decimals as u8)
        })
        .collect::<Vec<_>>();
    write_dbf(&fields, &rows, encoding)
}

fn point(p: &Position) -> shapefile::Point {
    let p = p.as_slice();
    shapefile::Point::new(p[0], p[1])
}

fn ring(r: &[Position], outer: bool) -> shapefile::PolygonRing<shapefile::Point> {
    let pts = r.iter().map(point).collect();
    if outer {
        shapefile::PolygonRing::Outer(pts)
    } else {
        shapefile::PolygonRing::Inner(pts)
    }
}

fn polygon_rings(rings: &[Vec<Position>]) -> Vec<shapefile::PolygonRing<shapefile::Point>> {
    rings
        .iter()
        .enumerate()
        .map(|(i, r)| ring(r, i == 0))
        .collect()
}

/// One shape per feature; every feature of a layer must give the same
/// shape type.
enum Shapes {
    Points(Vec<shapefile::Point>),
    Lines(Vec<shapefile::Polyline>),
    Polygons(Vec<shapefile::Polygon>),
}

fn shapes(path: &Path, features: &[Feature]) -> Result<Shapes, SynthError> {
    let value = |f: &Feature| f.geometry.as_ref().map(|g| g.value.clone());
    let mut out = match features.first().and_then(value) {
        Some(Value::Point { .. }) | None => Shapes::Points(Vec::new()),
        Some(Value::LineString { .. } | Value::MultiLineString { .. }) => Shapes::Lines(Vec::new()),
        Some(_) => Shapes::Polygons(Vec::new()),
    };
    for f in features {
        match (&mut out, value(f)) {
            (Shapes::Points(v), Some(Value::Point { coordinates: p })) => v.push(point(&p)),
            (Shapes::Lines(v), Some(Value::LineString { coordinates: l })) => {
                v.push(shapefile::Polyline::new(l.iter().map(point).collect()));
            }
            (Shapes::Lines(v), Some(Value::MultiLineString { coordinates: ls })) => {
                v.push(shapefile::Polyline::with_parts(
                    ls.iter().map(|l| l.iter().map(point).collect()).collect(),
                ));
            }
            (Shapes::Polygons(v), Some(Value::Polygon { coordinates: rings })) => {
                v.push(shapefile::Polygon::with_rings(polygon_rings(&rings)));
            }
            (Shapes::Polygons(v), Some(Value::MultiPolygon { coordinates: polys })) => {
                let rings = polys.iter().flat_map(|p| polygon_rings(p)).collect();
                v.push(shapefile::Polygon::with_rings(rings));
            }
            _ => return Err(io_error(path, "a layer mixes geometry types")),
        }
    }
    Ok(out)
}

/// Writes `.shp`, `.shx`, `.dbf`, `.prj` and (UTF-8 only) `.cpg`.
fn write_shapefile(
    path: &Path,
    fc: &FeatureCollection,
    encoding: TextEncoding,
    crs: Crs,
) -> Result<(), SynthError> {
    let (mut shp, mut shx) = (Vec::new(), Vec::new());
    {
        // write_shapes writes the header and flushes (it takes the writer).
        let w = shapefile::ShapeWriter::with_shx(Cursor::new(&mut shp), Cursor::new(&mut shx));
        match shapes(path, &fc.features)? {
            Shapes::Points(v) => w.write_shapes(&v),
            Shapes::Lines(v) => w.write_shapes(&v),
            Shapes::Polygons(v) => w.write_shapes(&v),
        }
        .map_err(|e| io_error(path, e))?;
    }
    let enc = match encoding {
        TextEncoding::Utf8 => UTF_8,
        TextEncoding::Gbk => GBK,
    };
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("shp", shp),
        ("shx", shx),
        ("dbf", dbf(fc, enc)),
        ("prj", prj(crs).as_bytes().to_vec()),
    ];
    for (ext, bytes) in files {
        write_atomic(&path.with_extension(ext), |w| w.write_all(&bytes))?;
    }
    let cpg = path.with_extension("cpg");
    match encoding {
        TextEncoding::Utf8 => write_atomic(&cpg, |w| w.write_all(b"UTF-8"))?,
        TextEncoding::Gbk => {
            if cpg.exists() {
                std::fs::remove_file(&cpg).map_err(|e| io_error(&cpg, e))?;
            }
        }
    }
    Ok(())
}

/// Little-endian well-known binary of a GeoJSON geometry.
fn wkb(v: &Value, out: &mut Vec<u8>) {
    let head = |out: &mut Vec<u8>, t: u32| {
        out.push(1);
        out.extend_from_slice(&t.to_le_bytes());
    };
    let n = |out: &mut Vec<u8>, k: usize| out.extend_from_slice(&(k as u32).to_le_bytes());
    let pos = |out: &mut Vec<u8>, p: &Position| {
        let p = p.as_slice();
        out.extend_from_slice(&p[0].to_le_bytes());
        out.extend_from_slice(&p[1].to_le_bytes());
    };
    let pts = |out: &mut Vec<u8>, ps: &[Position]| {
        n(out, ps.len());
        for p in ps {
            pos(out, p);
        }
    };
    let rings = |out: &mut Vec<u8>, rs: &[Vec<Position>]| {
        n(out, rs.len());
        for r in rs {
            pts(out, r);
        }
    };
    match v {
        Value::Point { coordinates: p } => {
            head(out, 1);
            pos(out, p);
        }
        Value::LineString { coordinates: l } => {
            head(out, 2);
            pts(out, l);
        }
        Value::Polygon { coordinates: r } => {
            head(out, 3);
            rings(out, r);
        }
        Value::MultiPoint { coordinates: ps } => {
            head(out, 4);
            n(out, ps.len());
            for p in ps {
                head(out, 1);
                pos(out, p);
            }
        }
        Value::MultiLineString { coordinates: ls } => {
            head(out, 5);
            n(out, ls.len());
            for l in ls {
                head(out, 2);
                pts(out, l);
            }
        }
        Value::MultiPolygon { coordinates: ps } => {
            head(out, 6);
            n(out, ps.len());
            for p in ps {
                head(out, 3);
                rings(out, p);
            }
        }
        Value::GeometryCollection { .. } => head(out, 7),
    }
}

/// The required tables of GeoPackage 1.3 (OGC 12-128r18), with the WGS 84
/// system.
const GPKG_SCHEMA: &str = r#"
PRAGMA application_id = 1196444487;
PRAGMA user_version = 10300;
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL);
INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL);
INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', NULL);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
"#;

fn write_gpkg(
    path: &Path,
    layers: &[(&str, &FeatureCollection)],
    system: &dyn Fn(&str) -> Crs,
) -> Result<(), SynthError> {
    let tmp = path.with_extension("gpkg.tmp");
    if tmp.exists() {
        std::fs::remove_file(&tmp).map_err(|e| io_error(&tmp, e))?;
    }
    let sql = |e: rusqlite::Error| io_error(path, e);
    {
        let mut conn = rusqlite::Connection::open(&tmp).map_err(sql)?;
        conn.execute_batch(GPKG_SCHEMA).map_err(sql)?;
        let tx = conn.transaction().map_err(sql)?;
        for (name, fc) in layers {
            let srs = gpkg_srs(&tx, system(name)).map_err(sql)?;
            gpkg_layer(&tx, name, fc, srs).map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
    }
    std::fs::rename(&tmp, path).map_err(|e| io_error(path, e))
}

/// The srs_id of `crs`, its row added when the schema lacks it; GCJ-02,
/// which has no code, is 0, the GeoPackage's undefined geographic system.
fn gpkg_srs(tx: &rusqlite::Transaction<'_>, crs: Crs) -> rusqlite::Result<i32> {
    let Some(code) = crs.epsg() else {
        return Ok(0);
    };
    tx.execute(
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, NULL)",
        rusqlite::params![crs.name(), code, crs.wkt()],
    )?;
    // EPSG codes are below 2^31, so the conversion never fails.
    Ok(i32::try_from(code).unwrap_or(0))
}

fn gpkg_layer(
    tx: &rusqlite::Transaction<'_>,
    name: &str,
    fc: &FeatureCollection,
    srs: i32,
) -> rusqlite::Result<()> {
    let cols = columns(fc);
    let defs: Vec<String> = cols
        .iter()
        .map(|(k, kind)| {
            let ty = match *kind {
                b'N' => "REAL",
                b'L' => "BOOLEAN",
                _ => "TEXT",
            };
            format!("\"{k}\" {ty}")
        })
        .collect();
    tx.execute_batch(&format!(
        "CREATE TABLE \"{name}\" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY{}{});
         INSERT INTO gpkg_contents (table_name, data_type, identifier, last_change, srs_id) VALUES ('{name}', 'features', '{name}', '1970-01-01T00:00:00.000Z', {srs});
         INSERT INTO gpkg_geometry_columns VALUES ('{name}', 'geom', 'GEOMETRY', {srs}, 0, 0);",
        if defs.is_empty() { "" } else { ", " },
        defs.join(", ")
    ))?;
    let marks = vec!["?"; cols.len() + 1].join(", ");
    let names: Vec<String> = cols.iter().map(|(k, _)| format!("\"{k}\"")).collect();
    let mut st = tx.prepare(&format!(
        "INSERT INTO \"{name}\" (geom{}{}) VALUES ({marks})",
        if names.is_empty() { "" } else { ", " },
        names.join(", ")
    ))?;
    for f in &fc.features {
        let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(cols.len() + 1);
        values.push(match &f.geometry {
            Some(g) => {
                let mut b = b"GP\x00\x01".to_vec();
                b.extend_from_slice(&srs.to_le_bytes());
                wkb(&g.value, &mut b);
                rusqlite::types::Value::Blob(b)
            }
            None => rusqlite::types::Value::Null,
        });
        for (k, _) in &cols {
            values.push(match f.properties.as_ref().and_then(|p| p.get(k)) {
                None | Some(Json::Null) => rusqlite::types::Value::Null,
                Some(Json::Number(n)) => n.as_i64().map_or_else(
                    || rusqlite::types::Value::Real(n.as_f64().unwrap_or(0.0)),
                    rusqlite::types::Value::Integer,
                ),
                Some(Json::Bool(b)) => rusqlite::types::Value::Integer(i64::from(*b)),
                Some(Json::String(s)) => rusqlite::types::Value::Text(s.clone()),
                Some(other) => rusqlite::types::Value::Text(other.to_string()),
            });
        }
        st.execute(rusqlite::params_from_iter(values))?;
    }
    Ok(())
}

/// The workbook's columns: header, property, and whether it is a number.
const XLSX_COLUMNS: [(&str, &str, bool); 8] = [
    ("编号", "id", false),
    ("户数", "households", true),
    ("人口", "population", true),
    ("rental", "rental", true),
    ("shops", "shops", true),
    ("special", "special", true),
    ("村社代码", "village", false),
    ("网格", "grid", false),
];

fn write_households_xlsx(path: &Path, fc: &FeatureCollection, crs: Crs) -> Result<(), SynthError> {
    let x = |e: rust_xlsxwriter::XlsxError| io_error(path, e);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1).map_err(x)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let ws = wb.add_worksheet();
    ws.set_name("住户").map_err(x)?;
    let headers = XLSX_COLUMNS
        .iter()
        .map(|c| c.0)
        .chain(if crs.is_projected() {
            ["X", "Y"]
        } else {
            ["经度", "纬度"]
        })
        .enumerate();
    for (c, h) in headers {
        ws.write_string(0, c as u16, h).map_err(x)?;
    }
    for (i, f) in fc.features.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, (_, key, numeric)) in XLSX_COLUMNS.iter().enumerate() {
            match f.properties.as_ref().and_then(|p| p.get(*key)) {
                None | Some(Json::Null) => {}
                Some(Json::Number(n)) if *numeric => {
                    ws.write_number(row, c as u16, n.as_f64().unwrap_or(0.0))
                        .map_err(x)?;
                }
                Some(v) => {
                    ws.write_string(row, c as u16, cell(Some(v))).map_err(x)?;
                }
            }
        }
        if let Some(Value::Point { coordinates: p }) = f.geometry.as_ref().map(|g| &g.value) {
            let p = p.as_slice();
            ws.write_number(row, 8, p[0]).map_err(x)?;
            ws.write_number(row, 9, p[1]).map_err(x)?;
        }
    }
    let bytes = wb.save_to_buffer().map_err(x)?;
    write_atomic(path, |w| w.write_all(&bytes))?;
    Ok(())
}
