//! The ESRI Shapefile writer (see the parent module for the format choices).
//!
//! `.shp` and `.shx` follow the ESRI Shapefile Technical Description (July
//! 1998); the `.dbf` is dBase III without memo. They are written here rather
//! than with the `shapefile` crate's writer because that writer cannot mix
//! null shapes with polygons, writes an empty `.shp` for a layer without
//! features, and stamps the `.dbf` with today's date (output would then
//! depend on the clock). The `shapefile` crate reads the files back in the
//! tests.

use super::{
    CrsInfo, ExportError, FieldKind, Layer, Rings, Value, clean_polygons, envelope, grow, validate,
};
use crate::output::write::{Staged, commit, stage};
use std::path::Path;

/// Short `.dbf` names for the long property names of the layers, chosen
/// to stay readable ([`crate::output::fields::SHP_NAMES`], documented in
/// the README's field table); every other name goes through the generic
/// rule of [`dbf_field_names`].
const SHORT_NAMES: &[(&str, &str)] = crate::output::fields::SHP_NAMES;

/// The ≤ 10-byte dBase field names used for `fields`, in order.
///
/// 1. The names of [`crate::output::fields::SHP_NAMES`]: `village_code` →
///    `village_cd`, `village_name` → `village_nm`, `effective_date` →
///    `eff_date`, `parent_grid` → `parent_grd`, `micro_grids` → `n_micro`
///    (the count of micro-grids; `micro_grid` would read like a micro-grid
///    code), and so on. Names of at most 10 bytes, such as `grid_code`,
///    `households` or `area_m2`, stay as they are.
/// 2. Any other name: every byte that is not an ASCII letter, digit or `_`
///    becomes `_`, then the name is cut to 10 bytes.
/// 3. A name equal (ignoring case, as dBase readers do) to an earlier one
///    is cut further and given the smallest suffix `_1`, `_2`, ... that
///    makes it unique.
#[must_use]
pub fn dbf_field_names(fields: &[(&str, FieldKind)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(fields.len());
    let taken = |out: &[String], c: &str| out.iter().any(|o| o.eq_ignore_ascii_case(c));
    for (name, _) in fields {
        let base: String = match SHORT_NAMES.iter().find(|(long, _)| long == name) {
            Some((_, short)) => (*short).to_string(),
            None => name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .take(10)
                .collect(),
        };
        let mut cand = base.clone();
        let mut n = 1usize;
        while taken(&out, &cand) {
            let suffix = format!("_{n}");
            let keep = 10usize.saturating_sub(suffix.len()).min(base.len());
            cand = format!("{}{suffix}", &base[..keep]);
            n += 1;
        }
        out.push(cand);
    }
    out
}

/// Writes `<dir>/<layer.name>.shp`, `.shx`, `.dbf`, `.prj` and `.cpg`,
/// all five renamed into place together.
///
/// # Errors
/// [`ExportError`] naming the file; the previous files are left as they
/// were.
pub fn write_shapefile(dir: &Path, layer: &Layer, crs: &CrsInfo) -> Result<(), ExportError> {
    commit(stage_shapefile(dir, layer, crs)?)?;
    Ok(())
}

/// Writes the five Shapefile files to temporary files and returns them
/// staged, for [`crate::output::write::commit`].
///
/// # Errors
/// [`ExportError`] naming the file; nothing is left behind.
pub fn stage_shapefile(
    dir: &Path,
    layer: &Layer,
    crs: &CrsInfo,
) -> Result<Vec<Staged>, ExportError> {
    let shp_path = dir.join(format!("{}.shp", layer.name));
    validate(&shp_path, layer, &[])?;
    let (shp, shx) = shp_shx(&shp_path, layer)?;
    let dbf_path = dir.join(format!("{}.dbf", layer.name));
    let dbf = dbf(&dbf_path, layer)?;
    let bodies: [(&str, &[u8]); 5] = [
        ("shp", &shp),
        ("shx", &shx),
        ("dbf", &dbf),
        ("prj", crs.wkt.as_bytes()),
        // GDAL, QGIS and ArcGIS take the .dbf encoding from this file.
        ("cpg", b"UTF-8"),
    ];
    let mut staged = Vec::with_capacity(5);
    for (ext, body) in bodies {
        let path = dir.join(format!("{}.{ext}", layer.name));
        // On error `staged` is dropped and removes the earlier files.
        staged.push(stage(&path, |w| w.write_all(body))?);
    }
    Ok(staged)
}

const SHAPE_NULL: i32 = 0;
const SHAPE_POLYGON: i32 = 5;

/// The 100-byte header shared by `.shp` and `.shx`.
fn main_header(out: &mut Vec<u8>, len_words: i32, bbox: [f64; 4]) {
    out.extend_from_slice(&9994i32.to_be_bytes());
    out.extend_from_slice(&[0u8; 20]);
    out.extend_from_slice(&len_words.to_be_bytes());
    out.extend_from_slice(&1000i32.to_le_bytes());
    out.extend_from_slice(&SHAPE_POLYGON.to_le_bytes());
    for v in bbox {
        out.extend_from_slice(&v.to_le_bytes());
    }
    // Z and M ranges, unused for 2-D polygons.
    out.extend_from_slice(&[0u8; 32]);
}

/// Builds the `.shp` and `.shx` bytes.
fn shp_shx(path: &Path, layer: &Layer) -> Result<(Vec<u8>, Vec<u8>), ExportError> {
    let too_large = |what: String| ExportError::TooLarge {
        path: path.to_path_buf(),
        layer: layer.name.to_string(),
        what,
    };
    let mut records: Vec<u8> = Vec::new();
    let mut index: Vec<u8> = Vec::with_capacity(8 * layer.features.len());
    let mut bbox: Option<[f64; 4]> = None;
    for (i, f) in layer.features.iter().enumerate() {
        // ESRI: exterior rings clockwise, holes counter-clockwise.
        let polys: Vec<Rings> = clean_polygons(&f.geometry, false, false);
        let mut content: Vec<u8> = Vec::new();
        match envelope(&polys) {
            None => content.extend_from_slice(&SHAPE_NULL.to_le_bytes()),
            Some(e) => {
                grow(&mut bbox, e);
                let rings: Vec<&Vec<[f64; 2]>> = polys.iter().flatten().collect();
                let n_points: usize = rings.iter().map(|r| r.len()).sum();
                let n_parts = i32::try_from(rings.len())
                    .map_err(|_| too_large(format!("feature {i} has {} rings", rings.len())))?;
                let n_pts = i32::try_from(n_points)
                    .map_err(|_| too_large(format!("feature {i} has {n_points} points")))?;
                content.extend_from_slice(&SHAPE_POLYGON.to_le_bytes());
                for v in e {
                    content.extend_from_slice(&v.to_le_bytes());
                }
                content.extend_from_slice(&n_parts.to_le_bytes());
                content.extend_from_slice(&n_pts.to_le_bytes());
                let mut start = 0i32;
                for r in &rings {
                    content.extend_from_slice(&start.to_le_bytes());
                    // Fits: the total fitted in an i32 above.
                    #[expect(
                        clippy::cast_possible_wrap,
                        reason = "the total fitted in an i32 above"
                    )]
                    let len = r.len() as i32;
                    start += len;
                }
                for p in rings.iter().copied().flatten() {
                    content.extend_from_slice(&p[0].to_le_bytes());
                    content.extend_from_slice(&p[1].to_le_bytes());
                }
            }
        }
        // Offsets and lengths are in 16-bit words, big-endian, and the
        // whole file may not exceed i32::MAX words (the 2 GiB limit GIS
        // tools enforce is half of that; GDAL reads up to 4 GiB).
        let offset_words = usize::midpoint(100, records.len());
        let content_words = content.len() / 2;
        let (Ok(off), Ok(len), Ok(num)) = (
            i32::try_from(offset_words),
            i32::try_from(content_words),
            i32::try_from(i + 1),
        ) else {
            return Err(too_large(format!(
                "the .shp would exceed 4 GiB at feature {i}"
            )));
        };
        index.extend_from_slice(&off.to_be_bytes());
        index.extend_from_slice(&len.to_be_bytes());
        records.extend_from_slice(&num.to_be_bytes());
        records.extend_from_slice(&len.to_be_bytes());
        records.extend_from_slice(&content);
    }
    let shp_words = i32::try_from(usize::midpoint(100, records.len()))
        .map_err(|_| too_large("the .shp would exceed 4 GiB".into()))?;
    let shx_words = i32::try_from(usize::midpoint(100, index.len()))
        .map_err(|_| too_large("the .shx would exceed 4 GiB".into()))?;
    // An empty layer has no extent; zeros are what GDAL writes then.
    let bbox = bbox.map_or([0.0; 4], |b| b);
    let mut shp = Vec::with_capacity(100 + records.len());
    main_header(&mut shp, shp_words, bbox);
    shp.extend_from_slice(&records);
    let mut shx = Vec::with_capacity(100 + index.len());
    main_header(&mut shx, shx_words, bbox);
    shx.extend_from_slice(&index);
    Ok((shp, shx))
}

/// The longest a dBase field may be.
const MAX_FIELD: usize = 254;
/// Decimals of Real fields: 1e-6 of a household, a load or a square metre
/// is far below anything a planner reads.
const REAL_DECIMALS: usize = 6;
/// Minimum widths, so a user editing the table in a GIS tool has room:
/// 9 digits keeps GDAL reading Int fields as 32-bit Integer, 19 is the
/// common width of a double-precision numeric field.
const MIN_INT_WIDTH: usize = 9;
const MIN_REAL_WIDTH: usize = 19;

/// Cuts `s` to at most `max` bytes at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The text of one `.dbf` cell before padding; empty means null.
fn cell(kind: FieldKind, v: &Value) -> String {
    match (kind, v) {
        // dBase stores a date as YYYYMMDD (validated as YYYY-MM-DD).
        (FieldKind::Date, Value::Text(s)) => s.replace('-', ""),
        (_, Value::Text(s)) => cut(s, MAX_FIELD).to_string(),
        (FieldKind::Real, Value::Int(n)) => format!("{n}.{:0<REAL_DECIMALS$}", ""),
        (_, Value::Int(n)) => n.to_string(),
        (_, Value::Real(x)) if x.is_finite() => format!("{x:.REAL_DECIMALS$}"),
        (_, Value::Real(_)) => String::new(),
    }
}

/// Builds the `.dbf` bytes (dBase III, UTF-8 text, see the `.cpg`).
fn dbf(path: &Path, layer: &Layer) -> Result<Vec<u8>, ExportError> {
    let too_large = |what: String| ExportError::TooLarge {
        path: path.to_path_buf(),
        layer: layer.name.to_string(),
        what,
    };
    let names = dbf_field_names(layer.fields);
    let cells: Vec<Vec<String>> = layer
        .features
        .iter()
        .map(|f| {
            layer
                .fields
                .iter()
                .zip(&f.values)
                .map(|((_, k), v)| cell(*k, v))
                .collect()
        })
        .collect();
    let mut widths = Vec::with_capacity(layer.fields.len());
    for (j, (name, kind)) in layer.fields.iter().enumerate() {
        let longest = cells.iter().map(|row| row[j].len()).max().unwrap_or(0);
        let w = match kind {
            FieldKind::Text => longest.max(1),
            FieldKind::Date => 8,
            FieldKind::Int => longest.max(MIN_INT_WIDTH),
            FieldKind::Real => longest.max(MIN_REAL_WIDTH),
        };
        if w > MAX_FIELD {
            return Err(too_large(format!(
                "field {name} needs {w} characters, more than the dBase limit of {MAX_FIELD}"
            )));
        }
        widths.push(w);
    }
    let n_fields = layer.fields.len();
    let record_len = 1 + widths.iter().sum::<usize>();
    let header_len = 32 + 32 * n_fields + 1;
    let (Ok(record_len16), Ok(header_len16), true) = (
        u16::try_from(record_len),
        u16::try_from(header_len),
        n_fields <= 255,
    ) else {
        return Err(too_large(format!(
            "{n_fields} fields and {record_len}-byte records exceed the dBase limits (255 fields, 65,535 bytes)"
        )));
    };
    let n_records =
        u32::try_from(cells.len()).map_err(|_| too_large(format!("{} records", cells.len())))?;

    let mut out = Vec::with_capacity(header_len + record_len * cells.len() + 1);
    // Version 3 (dBase III, no memo); last update fixed at 1970-01-01
    // (years since 1900, month, day) so output does not depend on the clock.
    out.extend_from_slice(&[0x03, 70, 1, 1]);
    out.extend_from_slice(&n_records.to_le_bytes());
    out.extend_from_slice(&header_len16.to_le_bytes());
    out.extend_from_slice(&record_len16.to_le_bytes());
    // Reserved, flags, and language driver 0: the encoding is in the .cpg,
    // as GDAL writes it for UTF-8.
    out.extend_from_slice(&[0u8; 20]);
    for ((name, (_, kind)), &w) in names.iter().zip(layer.fields).zip(&widths) {
        let mut desc = [0u8; 32];
        desc[..name.len()].copy_from_slice(name.as_bytes());
        let (ty, dec) = match kind {
            FieldKind::Text => (b'C', 0),
            FieldKind::Date => (b'D', 0),
            FieldKind::Int => (b'N', 0),
            FieldKind::Real => (b'N', REAL_DECIMALS),
        };
        desc[11] = ty;
        // Both fit: w <= 254 was checked above, decimals are 6.
        desc[16] = w as u8;
        desc[17] = dec as u8;
        out.extend_from_slice(&desc);
    }
    out.push(0x0D);
    for row in &cells {
        // A space marks a record that is not deleted.
        out.push(b' ');
        for ((c, (_, kind)), &w) in row.iter().zip(layer.fields).zip(&widths) {
            let pad = w - c.len();
            // Text is left-aligned, numbers right-aligned, both
            // space-padded; an all-blank cell is null.
            if *kind == FieldKind::Text {
                out.extend_from_slice(c.as_bytes());
                out.resize(out.len() + pad, b' ');
            } else {
                out.resize(out.len() + pad, b' ');
                out.extend_from_slice(c.as_bytes());
            }
        }
    }
    out.push(0x1A);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{FIELDS, sample_features};
    use super::*;
    use ::shapefile::dbase::{FieldValue, Record};
    use ::shapefile::{PolygonRing, Shape};
    use std::fs;

    #[test]
    fn dbf_names_are_short_unique_and_deterministic() {
        let names = dbf_field_names(FIELDS);
        assert_eq!(
            names,
            [
                "grid_code",
                "grid_type",
                "village_cd",
                "name",
                "households",
                "population",
                "load",
                "n_micro",
                "area_m2"
            ]
        );
        let odd: &[(&str, FieldKind)] = &[
            ("parent_grid", FieldKind::Text),
            ("households_total", FieldKind::Int),
            ("HOUSEHOLDS_x", FieldKind::Int),
            ("户数", FieldKind::Int),
            ("a-b c", FieldKind::Int),
        ];
        let n = dbf_field_names(odd);
        assert_eq!(n, ["parent_grd", "households", "HOUSEHOL_1", "__", "a_b_c"]);
        assert!(n.iter().all(|s| s.len() <= 10 && s.is_ascii()));
    }

    #[test]
    fn grid_layer_names_fit_dbase() {
        let names = dbf_field_names(crate::output::maps::GRID_FIELDS);
        assert_eq!(
            names,
            [
                "grid_name",
                "grid_code",
                "type_zh",
                "grid_type",
                "village_cd",
                "village_nm",
                "town_code",
                "town_name",
                "households",
                "population",
                "area_m2",
                "eff_date",
                "load",
                "n_micro",
                "pieces",
                "hard_cross",
                "zone_code",
                "zone_kind",
                "zone_cat",
            ]
        );
    }

    #[test]
    fn shapefile_round_trip_shapes_records_prj_cpg() {
        let dir = tempfile::tempdir().unwrap();
        let feats = sample_features();
        let layer = Layer {
            name: "grids",
            fields: FIELDS,
            features: &feats,
        };
        write_shapefile(dir.path(), &layer, &CrsInfo::CGCS2000).unwrap();
        let shp = dir.path().join("grids.shp");
        let mut entries: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        assert_eq!(
            entries,
            [
                "grids.cpg",
                "grids.dbf",
                "grids.prj",
                "grids.shp",
                "grids.shx"
            ]
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("grids.cpg")).unwrap(),
            "UTF-8"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("grids.prj")).unwrap(),
            CrsInfo::CGCS2000.wkt
        );

        let mut reader = ::shapefile::Reader::from_path(&shp).unwrap();
        let rows: Vec<(Shape, Record)> = reader
            .iter_shapes_and_records()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), 3);

        // Feature 0: two outer rings and one hole, ESRI orientation.
        let Shape::Polygon(p) = &rows[0].0 else {
            panic!("feature 0 is not a polygon");
        };
        let kinds: Vec<bool> = p
            .rings()
            .iter()
            .map(|r| matches!(r, PolygonRing::Outer(_)))
            .collect();
        assert_eq!(kinds, [true, false, true], "outer, hole, outer");
        for r in p.rings() {
            let open: Vec<[f64; 2]> = r.points()[..r.len() - 1]
                .iter()
                .map(|q| [q.x, q.y])
                .collect();
            let cw = super::super::twice_signed_area(&open) < 0.0;
            assert_eq!(cw, matches!(r, PolygonRing::Outer(_)));
        }
        let first = p.rings()[0].points()[0];
        assert!((first.x - 120.1).abs() < 1e-12 && (first.y - 30.2).abs() < 1e-12);
        assert!(matches!(rows[1].0, Shape::Polygon(_)));
        assert!(matches!(rows[2].0, Shape::NullShape), "degenerate → null");

        let r0 = &rows[0].1;
        let text = |r: &Record, k: &str| match r.get(k) {
            Some(FieldValue::Character(Some(s))) => s.clone(),
            other => panic!("{k}: {other:?}"),
        };
        let num = |r: &Record, k: &str| match r.get(k) {
            Some(FieldValue::Numeric(v)) => *v,
            other => panic!("{k}: {other:?}"),
        };
        assert_eq!(text(r0, "name"), "城东社区");
        assert_eq!(text(r0, "village_cd"), "330102001001");
        assert_eq!(text(r0, "grid_code"), "330102001001001");
        assert_eq!(num(r0, "households"), Some(412.0));
        assert_eq!(num(r0, "n_micro"), Some(6.0));
        assert_eq!(num(r0, "area_m2"), Some(987_654.321));
        let r1 = &rows[1].1;
        assert_eq!(text(r1, "name"), "西湖区第一中学（专属网格）");
        assert_eq!(num(r1, "population"), None, "NaN is a null cell");
        assert_eq!(num(r1, "load"), Some(35.0));
        assert_eq!(num(&rows[2].1, "households"), Some(-1.0));

        // Deterministic: a second write is byte-identical.
        let before: Vec<Vec<u8>> = ["shp", "shx", "dbf"]
            .iter()
            .map(|e| fs::read(dir.path().join(format!("grids.{e}"))).unwrap())
            .collect();
        write_shapefile(dir.path(), &layer, &CrsInfo::CGCS2000).unwrap();
        for (e, b) in ["shp", "shx", "dbf"].iter().zip(&before) {
            assert_eq!(&fs::read(dir.path().join(format!("grids.{e}"))).unwrap(), b);
        }
    }

    #[test]
    fn shapefile_empty_layer_has_valid_header() {
        let dir = tempfile::tempdir().unwrap();
        let layer = Layer {
            name: "micro_grids",
            fields: FIELDS,
            features: &[],
        };
        write_shapefile(dir.path(), &layer, &CrsInfo::WGS84).unwrap();
        let shp = fs::read(dir.path().join("micro_grids.shp")).unwrap();
        assert_eq!(shp.len(), 100);
        let mut reader =
            ::shapefile::Reader::from_path(dir.path().join("micro_grids.shp")).unwrap();
        assert_eq!(reader.iter_shapes_and_records().count(), 0);
    }
}
