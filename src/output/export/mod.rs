//! Grid and micro-grid polygons in the formats GIS tools and grid platforms
//! import: GeoJSON, ESRI Shapefile and OGC GeoPackage.
//!
//! The caller describes each output layer once, as a [`Layer`]: a name
//! (`grids` or `micro_grids`), an ordered list of typed fields, and one
//! [`Feature`] (a [`geo::MultiPolygon`] plus one [`Value`] per field) per
//! grid. The three writers turn the same layer into each format, so the
//! three files always agree.
//!
//! # Parameters
//! - `dir` / `path`: where the files go. Every file is written to a
//!   temporary sibling and renamed only when complete (see
//!   [`crate::output::write`]); a failure leaves the previous files as they were.
//! - [`CrsInfo`]: the coordinate system the longitudes and latitudes are in.
//!   [`CrsInfo::WGS84`] is the default of RFC 7946; [`CrsInfo::CGCS2000`]
//!   (EPSG:4490) and [`CrsInfo::GCJ02`] are for users who asked for those.
//!
//! # Algorithm
//! 1. Validate the layer: a name usable as a file and table name, unique
//!    non-empty field names, one value of the right kind per field, finite
//!    coordinates. Every problem names the file, the layer, the feature
//!    index and the field.
//! 2. Clean each polygon ring: drop repeated consecutive positions, drop
//!    rings with fewer than three distinct positions or zero area (they
//!    cannot be drawn and most readers reject them), close the ring, and
//!    orient it as the format requires (GeoJSON and GeoPackage: exterior
//!    counter-clockwise, holes clockwise, RFC 7946 §3.1.6 and OGC Simple
//!    Features; Shapefile: exterior clockwise, holes counter-clockwise, ESRI
//!    Shapefile Technical Description, 1998). GeoJSON rounds to 7 decimals
//!    (about 1 cm) *before* cleaning, so what is written is what was
//!    checked. A feature whose every ring was dropped is written with a
//!    null geometry rather than silently removed, so feature counts always
//!    match the input.
//! 3. Encode: GeoJSON by hand (deterministic, byte-identical for the same
//!    input); Shapefile `.shp`/`.shx`/`.dbf` by hand from the ESRI and
//!    dBase III specifications plus `.prj` (ESRI WKT) and `.cpg` (`UTF-8`);
//!    GeoPackage with the bundled SQLite of `rusqlite`.
//! 4. Stage every file, then rename them together.
//!
//! # Format details and why
//! - **GeoJSON**: an RFC 7946 FeatureCollection; every geometry is a
//!   `MultiPolygon` (one type per layer, as Shapefile and GeoPackage need);
//!   properties in field order; a Real that is not finite is `null`. When
//!   the CRS is not WGS 84, a non-standard top-level `"crs"` member names it
//!   the way GDAL does (`urn:ogc:def:crs:EPSG::4490`, or the CRS name when
//!   it has no EPSG code, e.g. `GCJ-02`). RFC 7946 removed `crs`; GDAL, QGIS
//!   and ArcGIS still read it, and without it they would assume WGS 84.
//! - **Shapefile**: dBase field names are at most 10 ASCII bytes; see
//!   [`dbf_field_names`] for the fixed short names and the deterministic
//!   truncation rule. Text fields are as wide as the longest value in bytes
//!   (at most 254; longer values are cut at a character boundary), Int
//!   fields are `N(w,0)` with `w` at least 10, Real fields `N(w,6)` with
//!   `w` at least 20, Date fields `D` (`YYYYMMDD`, 8 bytes). The `.dbf`
//!   holds UTF-8 and the `.cpg` says so, which GDAL, QGIS and ArcGIS honour, so Chinese names survive. The `.dbf`
//!   date is fixed at 1970-01-01 so output does not depend on the clock.
//! - **GeoPackage**: version 1.3 (`application_id` `GPKG`,
//!   `user_version` 10300), the three required tables, one feature table
//!   per layer (`fid INTEGER PRIMARY KEY AUTOINCREMENT`, `geom
//!   MULTIPOLYGON` as StandardGeoPackageBinary with an xy envelope, then
//!   the fields as TEXT/INTEGER/REAL) and an R-tree spatial index per layer
//!   (the `gpkg_rtree_index` extension). `gpkg_contents.last_change` is
//!   fixed at 1970-01-01 for the same reason as the `.dbf` date.
//!
//! # Complexity
//! O(total positions + features × fields) time; a Shapefile is assembled
//! in memory (three buffers about the size of the output), the others are
//! streamed.
//!
//! # Errors
//! [`ExportError`], always naming the file.

mod geojson;
mod gpkg;
mod shapefile;

pub use self::geojson::{stage_geojson, write_geojson};
pub use self::gpkg::{stage_gpkg, write_gpkg};
pub use self::shapefile::{dbf_field_names, stage_shapefile, write_shapefile};

use crate::output::write::WriteError;
use geo::{LineString, MultiPolygon};
use std::path::{Path, PathBuf};

/// An output format for the polygon layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// RFC 7946 GeoJSON, one `.geojson` file per layer.
    GeoJson,
    /// ESRI Shapefile: `.shp`, `.shx`, `.dbf`, `.prj`, `.cpg` per layer.
    Shapefile,
    /// OGC GeoPackage: one `.gpkg` file holding every layer.
    GeoPackage,
    /// The roster spreadsheet `grids.xlsx` (not a map: one sheet per grid
    /// level, see [`crate::output::xlsx`]).
    Xlsx,
}

impl Format {
    /// Parses a comma-separated list such as `"geojson,shp,gpkg"`.
    ///
    /// Names are case-insensitive and may be padded with spaces:
    /// `geojson` (or `json`), `shp` (or `shapefile`), `gpkg` (or
    /// `geopackage`), `xlsx` (the roster). Repeats are dropped, keeping the first occurrence, so
    /// the order of the list is the order of the result.
    ///
    /// # Errors
    /// A message naming the unknown entry and the accepted names, or saying
    /// the list is empty.
    pub fn parse_list(s: &str) -> Result<Vec<Format>, String> {
        let mut out = Vec::new();
        for part in s.split(',') {
            let name = part.trim().to_ascii_lowercase();
            let f = match name.as_str() {
                "geojson" | "json" => Format::GeoJson,
                "shp" | "shapefile" => Format::Shapefile,
                "gpkg" | "geopackage" => Format::GeoPackage,
                "xlsx" => Format::Xlsx,
                "" => continue,
                _ => {
                    return Err(format!(
                        "unknown export format {:?}: use geojson, shp, gpkg or xlsx, comma-separated",
                        part.trim()
                    ));
                }
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        if out.is_empty() {
            return Err(
                "no export format given: use geojson, shp, gpkg or xlsx, comma-separated".into(),
            );
        }
        Ok(out)
    }

    /// The short name used on the command line (`geojson`, `shp`, `gpkg`,
    /// `xlsx`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::Shapefile => "shp",
            Format::GeoPackage => "gpkg",
            Format::Xlsx => "xlsx",
        }
    }
}

/// One attribute value of a feature.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Text (UTF-8).
    Text(String),
    /// A whole number.
    Int(i64),
    /// A real number; NaN or an infinity is written as null (an empty
    /// `.dbf` cell, SQL NULL, JSON `null`).
    Real(f64),
}

impl Value {
    fn kind_name(&self) -> &'static str {
        match self {
            Value::Text(_) => "Text",
            Value::Int(_) => "Int",
            Value::Real(_) => "Real",
        }
    }
}

/// The type of a field. An [`Value::Int`] is accepted in a `Real` field;
/// every other mismatch is an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// Text: GeoJSON string, dBase `C`, SQL `TEXT`.
    Text,
    /// Whole number: GeoJSON number, dBase `N(w,0)`, SQL `INTEGER`.
    Int,
    /// Real number: GeoJSON number, dBase `N(w,6)`, SQL `REAL`.
    Real,
    /// A calendar date, given as a [`Value::Text`] `YYYY-MM-DD`: GeoJSON
    /// string, dBase `D` (`YYYYMMDD`, as dBase stores dates), SQL `DATE`
    /// (the GeoPackage's ISO 8601 text).
    Date,
}

/// Whether `s` has the form `YYYY-MM-DD` of a [`FieldKind::Date`] value.
fn is_iso_date(s: &str) -> bool {
    s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// One grid or micro-grid.
#[derive(Clone, Debug)]
pub struct Feature {
    /// The polygons, longitude/latitude in the output CRS. Ring orientation
    /// and closure do not matter: each writer fixes them.
    pub geometry: MultiPolygon<f64>,
    /// One value per field of the layer, in the same order.
    pub values: Vec<Value>,
}

/// One output layer.
#[derive(Clone, Copy, Debug)]
pub struct Layer<'a> {
    /// The layer name, also the file stem and the GeoPackage table name:
    /// ASCII letters, digits and `_`, not starting with a digit, at most 63
    /// bytes (e.g. `grids`, `micro_grids`).
    pub name: &'a str,
    /// The fields: name and kind, in output order.
    pub fields: &'a [(&'a str, FieldKind)],
    /// The features, in output order.
    pub features: &'a [Feature],
}

/// The coordinate reference system of the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrsInfo {
    /// A human-readable name, used where there is no EPSG code.
    pub name: &'static str,
    /// The EPSG code, when there is one.
    pub epsg: Option<u32>,
    /// ESRI-flavoured WKT 1, for the Shapefile `.prj` (ArcGIS reads only
    /// this flavour; GDAL and QGIS read both).
    pub wkt: &'static str,
    /// OGC WKT 1 (as `gdalsrsinfo -o wkt1` prints it), for the GeoPackage
    /// `gpkg_spatial_ref_sys.definition`, which the standard requires to be
    /// OGC WKT.
    pub ogc_wkt: &'static str,
}

/// OGC WKT of EPSG:4326, also the required 4326 row of every GeoPackage.
const WGS84_OGC_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

impl CrsInfo {
    /// WGS 84 (EPSG:4326), the RFC 7946 default. The WKT strings are what
    /// GDAL 3.6 prints for EPSG:4326.
    pub const WGS84: CrsInfo = CrsInfo {
        name: "WGS 84",
        epsg: Some(4326),
        wkt: r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
        ogc_wkt: WGS84_OGC_WKT,
    };

    /// China Geodetic Coordinate System 2000 (EPSG:4490). The WKT strings
    /// are what GDAL 3.6 prints for EPSG:4490.
    pub const CGCS2000: CrsInfo = CrsInfo {
        name: "China Geodetic Coordinate System 2000",
        epsg: Some(4490),
        wkt: r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
        ogc_wkt: r#"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4490"]]"#,
    };

    /// GCJ-02, the obfuscated WGS 84 of Amap and Tencent maps. It has no
    /// EPSG code and no transformation any GIS tool knows, so the WKT
    /// declares the WGS 84 datum under the name `GCJ-02`: tools draw the
    /// data on top of GCJ-02 base maps correctly and the name warns anyone
    /// overlaying true WGS 84 data of the 500-600 m offset.
    pub const GCJ02: CrsInfo = CrsInfo {
        name: "GCJ-02",
        epsg: None,
        wkt: r#"GEOGCS["GCJ-02",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
        ogc_wkt: r#"GEOGCS["GCJ-02",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AXIS["Latitude",NORTH],AXIS["Longitude",EAST]]"#,
    };

    /// Whether this is WGS 84, the only CRS RFC 7946 GeoJSON may use
    /// without saying so.
    #[must_use]
    pub fn is_wgs84(&self) -> bool {
        self.epsg == Some(4326)
    }
}

/// Why a layer could not be exported. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Writing, syncing or renaming a file failed.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The layer name cannot be a file stem and table name.
    #[error(
        "{}: layer name {name:?} must be 1-63 ASCII letters, digits or '_', not starting with a digit",
        path.display()
    )]
    LayerName {
        /// The file being written.
        path: PathBuf,
        /// The rejected name.
        name: String,
    },
    /// Two layers of one GeoPackage have the same name.
    #[error("{}: two layers are named {layer:?}", path.display())]
    DuplicateLayer {
        /// The file being written.
        path: PathBuf,
        /// The repeated name.
        layer: String,
    },
    /// A field name is empty, repeated (ignoring case), or reserved by the
    /// format (`fid` and `geom` in a GeoPackage).
    #[error("{}: layer {layer}, field {index}: the name {name:?} is empty, repeated or reserved", path.display())]
    FieldName {
        /// The file being written.
        path: PathBuf,
        /// The layer.
        layer: String,
        /// The field's position, from 0.
        index: usize,
        /// The rejected name.
        name: String,
    },
    /// A feature has the wrong number of values.
    #[error("{}: layer {layer}, feature {feature}: {found} values for {expected} fields", path.display())]
    ValueCount {
        /// The file being written.
        path: PathBuf,
        /// The layer.
        layer: String,
        /// The feature's position, from 0.
        feature: usize,
        /// The number of fields.
        expected: usize,
        /// The number of values.
        found: usize,
    },
    /// A value does not fit its field's kind.
    #[error("{}: layer {layer}, feature {feature}, field {field}: a {found} value in a {expected:?} field", path.display())]
    ValueKind {
        /// The file being written.
        path: PathBuf,
        /// The layer.
        layer: String,
        /// The feature's position, from 0.
        feature: usize,
        /// The field name.
        field: String,
        /// The field's kind.
        expected: FieldKind,
        /// The value's kind.
        found: &'static str,
    },
    /// A coordinate is NaN or infinite.
    #[error("{}: layer {layer}, feature {feature}: coordinate ({x}, {y}) is not finite", path.display())]
    NonFinite {
        /// The file being written.
        path: PathBuf,
        /// The layer.
        layer: String,
        /// The feature's position, from 0.
        feature: usize,
        /// The longitude.
        x: f64,
        /// The latitude.
        y: f64,
    },
    /// The data exceeds a limit of the format (dBase field counts, record
    /// widths, number widths, or the 2 GiB Shapefile size).
    #[error("{}: layer {layer}: {what}", path.display())]
    TooLarge {
        /// The file being written.
        path: PathBuf,
        /// The layer.
        layer: String,
        /// Which limit, with the numbers.
        what: String,
    },
    /// SQLite refused while building a GeoPackage.
    #[error("{}: SQLite failed while building the GeoPackage", path.display())]
    Sqlite {
        /// The GeoPackage being written.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// rust_xlsxwriter refused while building the roster spreadsheet.
    #[error("{}: cannot build the spreadsheet", path.display())]
    Xlsx {
        /// The spreadsheet being written.
        path: PathBuf,
        /// The rust_xlsxwriter error.
        source: rust_xlsxwriter::XlsxError,
    },
    /// The temporary GeoPackage could not be created or read back.
    #[error("{}: cannot build the temporary GeoPackage {}", path.display(), tmp.display())]
    TempFile {
        /// The GeoPackage being written.
        path: PathBuf,
        /// The temporary file.
        tmp: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Whether `name` is safe as a file stem and an SQL identifier.
fn valid_layer_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

/// Checks step 1 of the module docs for `layer`, written to `path`.
/// `reserved` lists field names the format itself uses.
fn validate(path: &Path, layer: &Layer, reserved: &[&str]) -> Result<(), ExportError> {
    if !valid_layer_name(layer.name) {
        return Err(ExportError::LayerName {
            path: path.to_path_buf(),
            name: layer.name.to_string(),
        });
    }
    let mut seen: Vec<String> = Vec::with_capacity(layer.fields.len());
    for (index, (name, _)) in layer.fields.iter().enumerate() {
        let lower = name.to_lowercase();
        if name.is_empty() || seen.contains(&lower) || reserved.contains(&lower.as_str()) {
            return Err(ExportError::FieldName {
                path: path.to_path_buf(),
                layer: layer.name.to_string(),
                index,
                name: (*name).to_string(),
            });
        }
        seen.push(lower);
    }
    for (fi, f) in layer.features.iter().enumerate() {
        if f.values.len() != layer.fields.len() {
            return Err(ExportError::ValueCount {
                path: path.to_path_buf(),
                layer: layer.name.to_string(),
                feature: fi,
                expected: layer.fields.len(),
                found: f.values.len(),
            });
        }
        for ((name, kind), v) in layer.fields.iter().zip(&f.values) {
            let ok = match (kind, v) {
                // A date that is not YYYY-MM-DD would be a broken dBase D
                // field; it is refused like a value of the wrong kind.
                (FieldKind::Date, Value::Text(t)) => is_iso_date(t),
                _ => matches!(
                    (kind, v),
                    (FieldKind::Text, Value::Text(_))
                        | (FieldKind::Int, Value::Int(_))
                        | (FieldKind::Real, Value::Real(_) | Value::Int(_))
                ),
            };
            if !ok {
                return Err(ExportError::ValueKind {
                    path: path.to_path_buf(),
                    layer: layer.name.to_string(),
                    feature: fi,
                    field: (*name).to_string(),
                    expected: *kind,
                    found: v.kind_name(),
                });
            }
        }
        let bad = f
            .geometry
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|r| r.0.iter())
            .find(|c| !(c.x.is_finite() && c.y.is_finite()));
        if let Some(c) = bad {
            return Err(ExportError::NonFinite {
                path: path.to_path_buf(),
                layer: layer.name.to_string(),
                feature: fi,
                x: c.x,
                y: c.y,
            });
        }
    }
    Ok(())
}

/// A cleaned polygon: `rings[0]` is the exterior, the rest are holes; each
/// ring is closed (first position repeated last) and oriented.
type Rings = Vec<Vec<[f64; 2]>>;

/// Rounds to 7 decimals (1e-7 degree is about 1.1 cm of latitude).
fn round7(x: f64) -> f64 {
    let r = (x * 1e7).round() / 1e7;
    // -0.0 would print as "-0"; there is no negative zero on a map.
    if r == 0.0 { 0.0 } else { r }
}

/// Twice the signed area (positive = counter-clockwise) of an open ring,
/// computed relative to its first position so that the products of two
/// large longitudes do not cancel.
fn twice_signed_area(pts: &[[f64; 2]]) -> f64 {
    let [x0, y0] = pts[0];
    let mut s = 0.0;
    for i in 0..pts.len() {
        let a = pts[i];
        let b = pts[(i + 1) % pts.len()];
        s += (a[0] - x0) * (b[1] - y0) - (b[0] - x0) * (a[1] - y0);
    }
    s
}

/// Whether a ring with twice-signed-area `a` encloses no area. Collinear
/// positions give an area of rounding noise, not exactly 0, so the test is
/// relative to the square of the ring's extent: 1e-10 of it is far above
/// the shoelace's rounding error (about 1e-16 per position) and far below
/// any real sliver (a 1 km by 1 mm strip is 1e-6).
fn is_degenerate(pts: &[[f64; 2]], a: f64) -> bool {
    let (mut lo, mut hi) = (pts[0], pts[0]);
    for p in pts {
        lo = [lo[0].min(p[0]), lo[1].min(p[1])];
        hi = [hi[0].max(p[0]), hi[1].max(p[1])];
    }
    let extent = (hi[0] - lo[0]).max(hi[1] - lo[1]);
    !a.is_finite() || a.abs() <= 1e-10 * extent * extent
}

fn clean_ring(ls: &LineString<f64>, round: bool, ccw: bool) -> Option<Vec<[f64; 2]>> {
    let mut pts: Vec<[f64; 2]> = Vec::with_capacity(ls.0.len() + 1);
    for c in &ls.0 {
        let p = if round {
            [round7(c.x), round7(c.y)]
        } else {
            [c.x, c.y]
        };
        if pts.last() != Some(&p) {
            pts.push(p);
        }
    }
    // Work on the open ring; it is closed again below.
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.len() < 3 {
        return None;
    }
    let a = twice_signed_area(&pts);
    if is_degenerate(&pts, a) {
        return None;
    }
    if (a > 0.0) != ccw {
        pts.reverse();
    }
    pts.push(pts[0]);
    Some(pts)
}

/// Step 2 of the module docs. `exterior_ccw` is true for GeoJSON and
/// GeoPackage, false for Shapefile.
fn clean_polygons(mp: &MultiPolygon<f64>, round: bool, exterior_ccw: bool) -> Vec<Rings> {
    let mut out = Vec::with_capacity(mp.0.len());
    for poly in &mp.0 {
        let Some(ext) = clean_ring(poly.exterior(), round, exterior_ccw) else {
            // Without an exterior the holes mean nothing.
            continue;
        };
        let mut rings = vec![ext];
        rings.extend(
            poly.interiors()
                .iter()
                .filter_map(|h| clean_ring(h, round, !exterior_ccw)),
        );
        out.push(rings);
    }
    out
}

/// The bounding box `[min_x, min_y, max_x, max_y]` of cleaned polygons, or
/// `None` when there is no position.
fn envelope(polys: &[Rings]) -> Option<[f64; 4]> {
    let mut it = polys.iter().flatten().flatten();
    let first = it.next()?;
    let mut e = [first[0], first[1], first[0], first[1]];
    for p in it {
        e[0] = e[0].min(p[0]);
        e[1] = e[1].min(p[1]);
        e[2] = e[2].max(p[0]);
        e[3] = e[3].max(p[1]);
    }
    Some(e)
}

/// Grows `acc` to cover `e`.
fn grow(acc: &mut Option<[f64; 4]>, e: [f64; 4]) {
    *acc = Some(match *acc {
        None => e,
        Some(a) => [
            a[0].min(e[0]),
            a[1].min(e[1]),
            a[2].max(e[2]),
            a[3].max(e[3]),
        ],
    });
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    pub(crate) const FIELDS: &[(&str, FieldKind)] = &[
        ("grid_code", FieldKind::Text),
        ("grid_type", FieldKind::Text),
        ("village_code", FieldKind::Text),
        ("name", FieldKind::Text),
        ("households", FieldKind::Int),
        ("population", FieldKind::Real),
        ("load", FieldKind::Real),
        ("micro_grids", FieldKind::Int),
        ("area_m2", FieldKind::Real),
    ];

    fn ring(pts: &[(f64, f64)]) -> LineString<f64> {
        LineString::from(pts.to_vec())
    }

    /// Three grids: a square with a square hole given in the "wrong"
    /// orientation (exterior clockwise, hole counter-clockwise) plus a
    /// second part; a plain triangle; and a feature whose only ring is
    /// degenerate (all positions collinear), which must come out with a
    /// null geometry.
    pub(crate) fn sample_features() -> Vec<Feature> {
        let x0 = 120.1;
        let y0 = 30.2;
        // Exterior clockwise on purpose; the writers must fix it.
        let ext = ring(&[
            (x0, y0),
            (x0, y0 + 0.01),
            (x0 + 0.01, y0 + 0.01),
            (x0 + 0.01, y0),
            (x0, y0),
        ]);
        // Hole counter-clockwise on purpose.
        let hole = ring(&[
            (x0 + 0.004, y0 + 0.004),
            (x0 + 0.006, y0 + 0.004),
            (x0 + 0.006, y0 + 0.006),
            (x0 + 0.004, y0 + 0.006),
        ]);
        let second = Polygon::new(
            ring(&[
                (x0 + 0.02, y0),
                (x0 + 0.03, y0),
                (x0 + 0.03, y0 + 0.005),
                (x0 + 0.02, y0),
            ]),
            vec![],
        );
        let f1 = Feature {
            geometry: MultiPolygon(vec![Polygon::new(ext, vec![hole]), second]),
            values: vec![
                Value::Text("330102001001001".into()),
                Value::Text("full_scope".into()),
                Value::Text("330102001001".into()),
                Value::Text("城东社区".into()),
                Value::Int(412),
                Value::Real(1234.5),
                Value::Real(412.25),
                Value::Int(6),
                Value::Real(987_654.321),
            ],
        };
        let f2 = Feature {
            geometry: MultiPolygon(vec![Polygon::new(
                ring(&[(121.0, 29.0), (121.01, 29.0), (121.0, 29.01)]),
                vec![],
            )]),
            values: vec![
                Value::Text("330102001001901".into()),
                Value::Text("dedicated".into()),
                Value::Text("330102001001".into()),
                Value::Text("西湖区第一中学（专属网格）".into()),
                Value::Int(35),
                Value::Real(f64::NAN),
                Value::Int(35),
                Value::Int(0),
                Value::Real(5000.0),
            ],
        };
        let f3 = Feature {
            geometry: MultiPolygon(vec![Polygon::new(
                ring(&[(122.0, 29.0), (122.1, 29.1), (122.2, 29.2)]),
                vec![],
            )]),
            values: vec![
                Value::Text("330102001002001".into()),
                Value::Text("full_scope".into()),
                Value::Text("330102001002".into()),
                Value::Text(String::new()),
                Value::Int(-1),
                Value::Real(0.0),
                Value::Real(0.0),
                Value::Int(0),
                Value::Real(0.0),
            ],
        };
        vec![f1, f2, f3]
    }

    #[test]
    fn parse_list_accepts_aliases_and_rejects_unknown() {
        assert_eq!(
            Format::parse_list("geojson,shp,gpkg").unwrap(),
            vec![Format::GeoJson, Format::Shapefile, Format::GeoPackage]
        );
        assert_eq!(
            Format::parse_list(" GPKG , json,shapefile,gpkg").unwrap(),
            vec![Format::GeoPackage, Format::GeoJson, Format::Shapefile]
        );
        let e = Format::parse_list("geojson,kml").unwrap_err();
        assert!(e.contains("\"kml\""), "{e}");
        assert!(Format::parse_list(" , ").is_err());
        for f in [
            Format::GeoJson,
            Format::Shapefile,
            Format::GeoPackage,
            Format::Xlsx,
        ] {
            assert_eq!(Format::parse_list(f.name()).unwrap(), vec![f]);
        }
    }

    #[test]
    fn clean_orients_drops_degenerate_and_closes() {
        let feats = sample_features();
        for ccw in [true, false] {
            let polys = clean_polygons(&feats[0].geometry, false, ccw);
            assert_eq!(polys.len(), 2);
            assert_eq!(polys[0].len(), 2, "exterior + hole");
            for (i, r) in polys[0].iter().enumerate() {
                assert_eq!(r.first(), r.last(), "closed");
                let open = &r[..r.len() - 1];
                let is_ccw = twice_signed_area(open) > 0.0;
                assert_eq!(is_ccw, if i == 0 { ccw } else { !ccw }, "ring {i}");
            }
            // The open input triangle is closed: 3 distinct + 1.
            assert_eq!(polys[1][0].len(), 4);
            assert!(clean_polygons(&feats[2].geometry, false, ccw).is_empty());
        }
    }

    #[test]
    fn validation_names_feature_and_field() {
        let mut feats = sample_features();
        feats[1].values[4] = Value::Text("x".into());
        let layer = Layer {
            name: "grids",
            fields: FIELDS,
            features: &feats,
        };
        let p = Path::new("out/grids.geojson");
        let e = validate(p, &layer, &[]).unwrap_err().to_string();
        assert!(
            e.contains("grids.geojson") && e.contains("feature 1") && e.contains("households"),
            "{e}"
        );
        let mut feats = sample_features();
        feats[2].values.pop();
        let layer = Layer {
            features: &feats,
            ..layer
        };
        assert!(matches!(
            validate(p, &layer, &[]),
            Err(ExportError::ValueCount { feature: 2, .. })
        ));
        let mut feats = sample_features();
        feats[0].geometry.0[1] =
            Polygon::new(ring(&[(0.0, 0.0), (f64::NAN, 1.0), (1.0, 0.0)]), vec![]);
        let layer = Layer {
            features: &feats,
            ..layer
        };
        assert!(matches!(
            validate(p, &layer, &[]),
            Err(ExportError::NonFinite { feature: 0, .. })
        ));
        for bad in ["", "9grids", "../x", "grids.shp"] {
            let layer = Layer { name: bad, ..layer };
            assert!(matches!(
                validate(p, &layer, &[]),
                Err(ExportError::LayerName { .. })
            ));
        }
        let dup: &[(&str, FieldKind)] = &[("a", FieldKind::Int), ("A", FieldKind::Int)];
        let layer = Layer {
            name: "grids",
            fields: dup,
            features: &[],
        };
        assert!(matches!(
            validate(p, &layer, &[]),
            Err(ExportError::FieldName { index: 1, .. })
        ));
    }

    #[test]
    fn dates_are_checked_and_written_as_dbase_dates() {
        let fields: &[(&str, FieldKind)] = &[("effective_date", FieldKind::Date)];
        let mut feats: Vec<Feature> = sample_features()
            .into_iter()
            .map(|mut f| {
                f.values = vec![Value::Text("2025-01-31".into())];
                f
            })
            .collect();
        let layer = Layer {
            name: "grids",
            fields,
            features: &feats,
        };
        let dir = tempfile::tempdir().unwrap();
        write_shapefile(dir.path(), &layer, &CrsInfo::WGS84).unwrap();
        let dbf = std::fs::read(dir.path().join("grids.dbf")).unwrap();
        // The field descriptor: the short name, type D, width 8.
        assert_eq!(&dbf[32..40], b"eff_date");
        assert_eq!((dbf[43], dbf[48]), (b'D', 8));
        assert!(dbf.windows(8).any(|w| w == b"20250131"));
        feats[1].values[0] = Value::Text("2025/01/31".into());
        let layer = Layer {
            name: "grids",
            fields,
            features: &feats,
        };
        let p = Path::new("out/grids.shp");
        assert!(matches!(
            validate(p, &layer, &[]),
            Err(ExportError::ValueKind { feature: 1, .. })
        ));
    }

    #[test]
    fn failed_writes_name_the_file_and_leave_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let feats = sample_features();
        let layer = Layer {
            name: "grids",
            fields: FIELDS,
            features: &feats,
        };
        let crs = CrsInfo::WGS84;
        // A folder that does not exist.
        let missing = dir.path().join("no/such/dir");
        let e = write_geojson(&missing, &layer, &crs).unwrap_err();
        assert!(e.to_string().contains("grids.geojson"), "{e}");
        let e = write_shapefile(&missing, &layer, &crs).unwrap_err();
        assert!(e.to_string().contains("grids.shp"), "{e}");
        let e = write_gpkg(&missing.join("g.gpkg"), &[layer], &crs).unwrap_err();
        assert!(e.to_string().contains("g.gpkg"), "{e}");
        // A "folder" that is a regular file (writes fail even as root,
        // unlike a read-only mode).
        let file = dir.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        assert!(write_geojson(&file, &layer, &crs).is_err());
        assert!(write_shapefile(&file, &layer, &crs).is_err());
        assert!(write_gpkg(&file.join("g.gpkg"), &[layer], &crs).is_err());
        // Destinations that cannot be replaced: non-empty folders of the
        // output names. Staging succeeds, the rename fails.
        for name in ["grids.geojson", "grids.shp", "g.gpkg"] {
            let d = dir.path().join(name);
            std::fs::create_dir(&d).unwrap();
            std::fs::write(d.join("keep"), "x").unwrap();
        }
        let e = write_geojson(dir.path(), &layer, &crs).unwrap_err();
        assert!(e.to_string().contains("grids.geojson"), "{e}");
        let e = write_shapefile(dir.path(), &layer, &crs).unwrap_err();
        assert!(e.to_string().contains("grids.shp"), "{e}");
        let e = write_gpkg(&dir.path().join("g.gpkg"), &[layer], &crs).unwrap_err();
        assert!(e.to_string().contains("g.gpkg"), "{e}");
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["g.gpkg", "grids.geojson", "grids.shp", "plain"]);
    }
}
