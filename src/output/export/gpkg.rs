//! The OGC GeoPackage writer (see the parent module for the format choices).
//!
//! The database is built with SQLite in a temporary file beside the output,
//! closed, then copied into a staged file (see [`crate::output::write::stage`]) so
//! it can be renamed together with the other outputs of a run; the build
//! file is always removed. References: OGC 12-128r18 (GeoPackage 1.3.1),
//! §1.1 (required tables), §2.1.3 (geometry encoding), Annex F.3 (R-tree).

use super::{
    CrsInfo, ExportError, FieldKind, Layer, Rings, Value, clean_polygons, envelope, grow, validate,
};
use crate::output::write::{Staged, commit, stage};
use rusqlite::{Connection, params};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// 'GPKG' as a big-endian integer (GeoPackage §1.1.1.1.1).
const APPLICATION_ID: i32 = 0x4750_4B47;
/// GeoPackage 1.3.0.
const USER_VERSION: i32 = 10300;
/// The geometry column of every feature table.
const GEOM: &str = "geom";
/// The primary key of every feature table.
const FID: &str = "fid";
/// `gpkg_contents.last_change`, fixed so output does not depend on the clock.
const LAST_CHANGE: &str = "1970-01-01T00:00:00.000Z";
/// The `srs_id` used for a CRS without an EPSG code (GDAL also numbers its
/// custom systems from 100000, clear of the EPSG range).
const CUSTOM_SRS_ID: i64 = 100_000;

/// Writes every layer into one GeoPackage at `path` (e.g.
/// `<dir>/gridplan.gpkg`), replacing it atomically.
///
/// # Errors
/// [`ExportError`] naming the file; the previous file is left as it was.
pub fn write_gpkg(path: &Path, layers: &[Layer], crs: &CrsInfo) -> Result<(), ExportError> {
    commit(vec![stage_gpkg(path, layers, crs)?])?;
    Ok(())
}

/// Builds the GeoPackage and returns it staged, for
/// [`crate::output::write::commit`].
///
/// # Errors
/// [`ExportError`] naming the file; nothing is left behind.
pub fn stage_gpkg(path: &Path, layers: &[Layer], crs: &CrsInfo) -> Result<Staged, ExportError> {
    for (i, layer) in layers.iter().enumerate() {
        validate(path, layer, &[FID, GEOM])?;
        if layers[..i]
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(layer.name))
        {
            return Err(ExportError::DuplicateLayer {
                path: path.to_path_buf(),
                layer: layer.name.to_string(),
            });
        }
    }
    let build = BuildFile::create(path)?;
    let sql_err = |source| ExportError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(&build.path).map_err(sql_err)?;
    fill(&conn, layers, crs).map_err(sql_err)?;
    conn.close().map_err(|(_, e)| sql_err(e))?;
    let tmp_err = |source| ExportError::TempFile {
        path: path.to_path_buf(),
        tmp: build.path.clone(),
        source,
    };
    let mut src = fs::File::open(&build.path).map_err(tmp_err)?;
    let staged = stage(path, |w| std::io::copy(&mut src, w).map(|_| ()))?;
    drop(build);
    Ok(staged)
}

/// The SQLite build file; removed (with any journal) when dropped.
struct BuildFile {
    path: PathBuf,
}

impl BuildFile {
    fn create(dest: &Path) -> Result<Self, ExportError> {
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = dest
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = dir.join(format!(".{name}.{}.{nanos}.build.tmp", std::process::id()));
        // create_new: never follow or reuse an existing file of that name;
        // SQLite treats the empty file as a new database.
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| ExportError::TempFile {
                path: dest.to_path_buf(),
                tmp: path.clone(),
                source,
            })?;
        Ok(BuildFile { path })
    }
}

impl Drop for BuildFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        let mut journal = self.path.clone().into_os_string();
        journal.push("-journal");
        let _ = fs::remove_file(journal);
    }
}

/// Quotes an SQL identifier. Layer names are validated to be plain, but
/// field names may hold anything.
fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn srs_id(crs: &CrsInfo) -> i64 {
    crs.epsg.map_or(CUSTOM_SRS_ID, i64::from)
}

fn fill(conn: &Connection, layers: &[Layer], crs: &CrsInfo) -> rusqlite::Result<()> {
    // The build file is thrown away on any error, so SQLite needs neither a
    // rollback journal nor syncs; the staged copy is synced instead.
    conn.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID};
         PRAGMA user_version = {USER_VERSION};
         PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         BEGIN;
         CREATE TABLE gpkg_spatial_ref_sys (
           srs_name TEXT NOT NULL,
           srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL,
           organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL,
           description TEXT
         );
         CREATE TABLE gpkg_contents (
           table_name TEXT NOT NULL PRIMARY KEY,
           data_type TEXT NOT NULL,
           identifier TEXT UNIQUE,
           description TEXT DEFAULT '',
           last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
           min_x DOUBLE,
           min_y DOUBLE,
           max_x DOUBLE,
           max_y DOUBLE,
           srs_id INTEGER,
           CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
         );
         CREATE TABLE gpkg_geometry_columns (
           table_name TEXT NOT NULL,
           column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL,
           srs_id INTEGER NOT NULL,
           z TINYINT NOT NULL,
           m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
           CONSTRAINT uk_gc_table_name UNIQUE (table_name),
           CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
           CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
         );
         CREATE TABLE gpkg_extensions (
           table_name TEXT,
           column_name TEXT,
           extension_name TEXT NOT NULL,
           definition TEXT NOT NULL,
           scope TEXT NOT NULL,
           CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
         );"
    ))?;
    let mut srs = conn.prepare(
        "INSERT INTO gpkg_spatial_ref_sys
           (srs_name, srs_id, organization, organization_coordsys_id, definition, description)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    // The three rows every GeoPackage must have (§1.1.2.1.2).
    srs.execute(params![
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system"
    ])?;
    srs.execute(params![
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system"
    ])?;
    srs.execute(params![
        "WGS 84 geodetic",
        4326,
        "EPSG",
        4326,
        CrsInfo::WGS84.ogc_wkt,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"
    ])?;
    let out_srs = srs_id(crs);
    if out_srs != 4326 {
        srs.execute(params![
            crs.name,
            out_srs,
            if crs.epsg.is_some() { "EPSG" } else { "NONE" },
            out_srs,
            crs.ogc_wkt,
            crs.name
        ])?;
    }
    drop(srs);
    for layer in layers {
        write_layer(conn, layer, out_srs)?;
    }
    conn.execute_batch("COMMIT;")
}

fn write_layer(conn: &Connection, layer: &Layer, srs: i64) -> rusqlite::Result<()> {
    let t = layer.name;
    let mut cols = format!("{FID} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {GEOM} MULTIPOLYGON");
    for (name, kind) in layer.fields {
        let ty = match kind {
            FieldKind::Text => "TEXT",
            FieldKind::Date => "DATE",
            FieldKind::Int => "INTEGER",
            FieldKind::Real => "REAL",
        };
        let _ = write!(cols, ", {} {ty}", ident(name));
    }
    conn.execute_batch(&format!("CREATE TABLE {} ({cols});", ident(t)))?;

    let names: Vec<String> = layer.fields.iter().map(|(n, _)| ident(n)).collect();
    let marks: Vec<String> = (0..layer.fields.len() + 2)
        .map(|i| format!("?{}", i + 1))
        .collect();
    let mut insert = conn.prepare(&format!(
        "INSERT INTO {} ({FID}, {GEOM}{}{}) VALUES ({})",
        ident(t),
        if names.is_empty() { "" } else { ", " },
        names.join(", "),
        marks.join(", ")
    ))?;
    let mut rtree_rows: Vec<(i64, [f64; 4])> = Vec::with_capacity(layer.features.len());
    let mut extent: Option<[f64; 4]> = None;
    for (i, f) in layer.features.iter().enumerate() {
        // fids from 1 in feature order, as GDAL numbers them.
        let fid = i64::try_from(i + 1).unwrap_or(i64::MAX);
        let polys = clean_polygons(&f.geometry, false, true);
        let blob = envelope(&polys).map(|e| {
            grow(&mut extent, e);
            rtree_rows.push((fid, e));
            gpkg_blob(&polys, srs, e)
        });
        let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(f.values.len() + 2);
        values.push(fid.into());
        values.push(blob.map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Blob));
        for v in &f.values {
            values.push(match v {
                Value::Text(s) => s.clone().into(),
                Value::Int(n) => (*n).into(),
                Value::Real(x) if x.is_finite() => (*x).into(),
                Value::Real(_) => rusqlite::types::Value::Null,
            });
        }
        insert.execute(rusqlite::params_from_iter(values))?;
    }
    drop(insert);

    let [min_x, min_y, max_x, max_y] = match extent {
        Some(e) => e.map(Some),
        None => [None; 4],
    };
    conn.execute(
        "INSERT INTO gpkg_contents
           (table_name, data_type, identifier, description, last_change,
            min_x, min_y, max_x, max_y, srs_id)
         VALUES (?1, 'features', ?1, '', ?2, ?3, ?4, ?5, ?6, ?7)",
        params![t, LAST_CHANGE, min_x, min_y, max_x, max_y, srs],
    )?;
    conn.execute(
        "INSERT INTO gpkg_geometry_columns
           (table_name, column_name, geometry_type_name, srs_id, z, m)
         VALUES (?1, ?2, 'MULTIPOLYGON', ?3, 0, 0)",
        params![t, GEOM, srs],
    )?;
    write_rtree(conn, t, &rtree_rows)
}

/// The R-tree spatial index of Annex F.3: the virtual table, filled here
/// directly from the envelopes, then the triggers that keep it current when
/// GDAL or QGIS later edits the layer. The triggers call `ST_IsEmpty`,
/// `ST_MinX` etc., which those tools register; they are created after the
/// rows are inserted, so they never run here.
fn write_rtree(conn: &Connection, t: &str, rows: &[(i64, [f64; 4])]) -> rusqlite::Result<()> {
    let c = GEOM;
    let i = FID;
    let r = format!("rtree_{t}_{c}");
    conn.execute_batch(&format!(
        "CREATE VIRTUAL TABLE \"{r}\" USING rtree(id, minx, maxx, miny, maxy);"
    ))?;
    let mut ins = conn.prepare(&format!(
        "INSERT INTO \"{r}\" (id, minx, maxx, miny, maxy) VALUES (?1, ?2, ?3, ?4, ?5)"
    ))?;
    for (fid, e) in rows {
        ins.execute(params![fid, e[0], e[2], e[1], e[3]])?;
    }
    drop(ins);
    conn.execute(
        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
         VALUES (?1, ?2, 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        params![t, c],
    )?;
    conn.execute_batch(&format!(
        "CREATE TRIGGER \"{r}_insert\" AFTER INSERT ON \"{t}\"
           WHEN (new.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c}))
         BEGIN
           INSERT OR REPLACE INTO \"{r}\" VALUES (
             NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}));
         END;
         CREATE TRIGGER \"{r}_update1\" AFTER UPDATE OF {c} ON \"{t}\"
           WHEN OLD.{i} = NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
         BEGIN
           INSERT OR REPLACE INTO \"{r}\" VALUES (
             NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}));
         END;
         CREATE TRIGGER \"{r}_update2\" AFTER UPDATE OF {c} ON \"{t}\"
           WHEN OLD.{i} = NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
         BEGIN
           DELETE FROM \"{r}\" WHERE id = OLD.{i};
         END;
         CREATE TRIGGER \"{r}_update3\" AFTER UPDATE ON \"{t}\"
           WHEN OLD.{i} != NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
         BEGIN
           DELETE FROM \"{r}\" WHERE id = OLD.{i};
           INSERT OR REPLACE INTO \"{r}\" VALUES (
             NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}));
         END;
         CREATE TRIGGER \"{r}_update4\" AFTER UPDATE ON \"{t}\"
           WHEN OLD.{i} != NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
         BEGIN
           DELETE FROM \"{r}\" WHERE id IN (OLD.{i}, NEW.{i});
         END;
         CREATE TRIGGER \"{r}_delete\" AFTER DELETE ON \"{t}\"
           WHEN old.{c} NOT NULL
         BEGIN
           DELETE FROM \"{r}\" WHERE id = OLD.{i};
         END;"
    ))
}

/// StandardGeoPackageBinary (§2.1.3): the `GP` header with an xy envelope,
/// little-endian, then a little-endian WKB MultiPolygon.
fn gpkg_blob(polys: &[Rings], srs: i64, e: [f64; 4]) -> Vec<u8> {
    let n_points: usize = polys.iter().flatten().map(Vec::len).sum();
    let mut b = Vec::with_capacity(40 + 9 + polys.len() * 9 + n_points * 16);
    b.extend_from_slice(b"GP");
    b.push(0); // version 1
    // Flags: bit 0 little-endian, bits 1-3 envelope type 1 (minx, maxx,
    // miny, maxy), bit 4 not empty, bit 5 standard (not extended) binary.
    b.push(0b0000_0011);
    // srs_id is an i32 on disk; EPSG codes and CUSTOM_SRS_ID fit.
    b.extend_from_slice(&(srs as i32).to_le_bytes());
    for v in [e[0], e[2], e[1], e[3]] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    // WKB: byte order 1 = little-endian; type 6 = MultiPolygon, 3 = Polygon.
    // Counts are u32; a ring or polygon count above 4 billion cannot be
    // held in memory here, so the casts cannot truncate.
    b.push(1);
    b.extend_from_slice(&6u32.to_le_bytes());
    b.extend_from_slice(&(polys.len() as u32).to_le_bytes());
    for rings in polys {
        b.push(1);
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&(rings.len() as u32).to_le_bytes());
        for ring in rings {
            b.extend_from_slice(&(ring.len() as u32).to_le_bytes());
            for p in ring {
                b.extend_from_slice(&p[0].to_le_bytes());
                b.extend_from_slice(&p[1].to_le_bytes());
            }
        }
    }
    b
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "the expected values are exact (sums of whole households, round shares, coordinates read back), so they are compared bit for bit"
)]
mod tests {
    use super::super::tests::{FIELDS, sample_features};
    use super::super::{Feature, twice_signed_area};
    use super::*;

    /// An independent decoder of what [`gpkg_blob`] writes, with every
    /// length checked, for the round-trip test.
    fn decode(b: &[u8]) -> (i32, [f64; 4], Vec<Rings>) {
        assert_eq!(&b[..2], b"GP");
        assert_eq!(b[2], 0, "version");
        let flags = b[3];
        assert_eq!(flags & 1, 1, "little-endian");
        assert_eq!((flags >> 1) & 0b111, 1, "envelope type 1");
        assert_eq!(flags & 0b1_0000, 0, "not empty");
        assert_eq!(flags & 0b10_0000, 0, "standard binary");
        let rd_i32 = |o: usize| i32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        let rd_u32 = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap()) as usize;
        let rd_f64 = |o: usize| f64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        let srs = rd_i32(4);
        let env = [rd_f64(8), rd_f64(16), rd_f64(24), rd_f64(32)];
        let mut o = 40;
        assert_eq!(b[o], 1);
        assert_eq!(rd_u32(o + 1), 6, "MultiPolygon");
        let np = rd_u32(o + 5);
        o += 9;
        let mut polys = Vec::new();
        for _ in 0..np {
            assert_eq!(b[o], 1);
            assert_eq!(rd_u32(o + 1), 3, "Polygon");
            let nr = rd_u32(o + 5);
            o += 9;
            let mut rings = Vec::new();
            for _ in 0..nr {
                let n = rd_u32(o);
                o += 4;
                let mut ring = Vec::new();
                for _ in 0..n {
                    ring.push([rd_f64(o), rd_f64(o + 8)]);
                    o += 16;
                }
                rings.push(ring);
            }
            polys.push(rings);
        }
        assert_eq!(o, b.len(), "no trailing bytes");
        (srs, env, polys)
    }

    #[test]
    #[expect(
        clippy::too_many_lines,
        reason = "one round trip checks every table GDAL reads, in order"
    )]
    fn gpkg_tables_counts_and_geometry_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let feats = sample_features();
        let micro: Vec<Feature> = feats[..2].to_vec();
        let layers = [
            Layer {
                name: "grids",
                fields: FIELDS,
                features: &feats,
            },
            Layer {
                name: "micro_grids",
                fields: FIELDS,
                features: &micro,
            },
        ];
        let path = dir.path().join("gridplan.gpkg");
        write_gpkg(&path, &layers, &CrsInfo::CGCS2000).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp files"
        );

        let conn = Connection::open(&path).unwrap();
        let pragma = |p: &str| -> i64 {
            conn.query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(pragma("application_id"), 0x4750_4B47);
        assert_eq!(pragma("user_version"), 10300);
        let srs_ids: Vec<i64> = conn
            .prepare("SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(srs_ids, [-1, 0, 4326, 4490]);
        let contents: Vec<(String, String, i64, f64, f64, f64, f64)> = conn
            .prepare("SELECT table_name, data_type, srs_id, min_x, min_y, max_x, max_y FROM gpkg_contents ORDER BY table_name")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(contents.len(), 2);
        assert_eq!(contents[0].0, "grids");
        assert_eq!(contents[0].1, "features");
        assert_eq!(contents[0].2, 4490);
        // grids' extent covers both non-degenerate features.
        assert!((contents[0].3 - 120.1).abs() < 1e-12);
        assert!((contents[0].4 - 29.0).abs() < 1e-12);
        assert!((contents[0].5 - 121.01).abs() < 1e-12);
        assert!((contents[0].6 - 30.21).abs() < 1e-12);
        let gc: (String, String, i64) = conn
            .query_row(
                "SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns WHERE table_name = 'micro_grids'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(gc, ("geom".into(), "MULTIPOLYGON".into(), 4490));
        let count = |t: &str| -> i64 {
            conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count("grids"), 3);
        assert_eq!(count("micro_grids"), 2);
        assert_eq!(
            count("rtree_grids_geom"),
            2,
            "the null geometry is not indexed"
        );
        assert_eq!(count("gpkg_extensions"), 2);

        let (name, hh, pop, geom): (String, i64, Option<f64>, Vec<u8>) = conn
            .query_row(
                "SELECT name, households, population, geom FROM grids WHERE fid = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(name, "城东社区");
        assert_eq!(hh, 412);
        assert_eq!(pop, Some(1234.5));
        let (srs, env, polys) = decode(&geom);
        assert_eq!(srs, 4490);
        assert_eq!(env, [120.1, 120.13, 30.2, 30.21]);
        // Same coordinates as the input, oriented exterior CCW, hole CW.
        let expected = clean_polygons(&feats[0].geometry, false, true);
        assert_eq!(polys, expected);
        assert_eq!(polys[0].len(), 2);
        for (ri, r) in polys[0].iter().enumerate() {
            assert_eq!(twice_signed_area(&r[..r.len() - 1]) > 0.0, ri == 0);
        }
        let null_pop: Option<f64> = conn
            .query_row("SELECT population FROM grids WHERE fid = 2", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(null_pop, None);
        let null_geom: Option<Vec<u8>> = conn
            .query_row("SELECT geom FROM grids WHERE fid = 3", [], |r| r.get(0))
            .unwrap();
        assert_eq!(null_geom, None);
        let rt: (f64, f64, f64, f64) = conn
            .query_row(
                "SELECT minx, maxx, miny, maxy FROM rtree_grids_geom WHERE id = 2",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        // The R-tree stores 32-bit floats rounded outwards.
        assert!(rt.0 <= 121.0 && rt.1 >= 121.01 && rt.2 <= 29.0 && rt.3 >= 29.01);
        assert!(rt.1 - rt.0 < 0.0101);
    }

    #[test]
    fn gpkg_custom_crs_and_rejects_bad_layers() {
        let dir = tempfile::tempdir().unwrap();
        let feats = sample_features();
        let path = dir.path().join("out.gpkg");
        let layer = Layer {
            name: "grids",
            fields: FIELDS,
            features: &feats,
        };
        write_gpkg(&path, &[layer], &CrsInfo::GCJ02).unwrap();
        let conn = Connection::open(&path).unwrap();
        let (org, def): (String, String) = conn
            .query_row(
                "SELECT organization, definition FROM gpkg_spatial_ref_sys WHERE srs_id = 100000",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(org, "NONE");
        assert!(def.contains("GCJ-02"));
        drop(conn);
        let before = std::fs::read(&path).unwrap();
        let e = write_gpkg(&path, &[layer, layer], &CrsInfo::GCJ02).unwrap_err();
        assert!(matches!(e, ExportError::DuplicateLayer { .. }), "{e}");
        let reserved: &[(&str, FieldKind)] = &[("FID", FieldKind::Int)];
        let e = write_gpkg(
            &path,
            &[Layer {
                name: "grids",
                fields: reserved,
                features: &[],
            }],
            &CrsInfo::WGS84,
        )
        .unwrap_err();
        assert!(matches!(e, ExportError::FieldName { .. }), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "old file untouched");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
