//! OGC GeoPackage layers, through the bundled SQLite of `rusqlite`.
//!
//! # Algorithm
//! 1. The feature layers are the `features` rows of `gpkg_contents`, by
//!    name. The layer is the one named (`FILE:LAYER` or `--layer`), else
//!    the only one.
//! 2. `gpkg_geometry_columns` names the geometry column and its `srs_id`;
//!    `gpkg_spatial_ref_sys` says what that is: an EPSG code when the
//!    organisation is EPSG, else its WKT `definition`.
//! 3. Rows are read in primary-key order. Each geometry is a
//!    StandardGeoPackageBinary blob (OGC 12-128r18 §2.1.3): magic `GP`,
//!    version, flags (byte order, envelope size, empty), `srs_id`, the
//!    envelope, then well-known binary (OGC 06-103r4): Point, LineString,
//!    Polygon and their Multi forms, 2D, Z, M or ZM (ISO codes 1000s-3000s
//!    and the EWKB high bits), extra ordinates dropped. Every other column
//!    but the integer primary key is a property.
//!
//! # Errors
//! [`ReadError::Layer`] (listing the layers), [`ReadError::BadFile`] for
//! what SQLite or the GeoPackage tables refuse, [`ReadError::BadWkb`]
//! naming the feature.

use std::borrow::Cow;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::errors::{At, ReadError, Unit};
use super::geojson::{Coords, Loose, RawGeometry};
use super::records::{Record, Records, geometry, pos};
use super::source::{Declared, Found, Source};

/// Reads one feature layer of a GeoPackage into records.
///
/// # Errors
/// See the module docs.
pub(super) fn read(src: &Source) -> Result<Records, ReadError> {
    let file = src.file.as_str();
    if !src.path.is_file() {
        return Err(ReadError::Io {
            file: file.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let bad = |e: rusqlite::Error| ReadError::BadFile {
        file: file.to_owned(),
        what: "GeoPackage",
        message: e.to_string(),
    };
    let conn = Connection::open_with_flags(
        &src.path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(bad)?;
    let layers = feature_layers(&conn).map_err(bad)?;
    let layer = choose(file, "layer", src.layer.as_deref(), &layers)?;
    let (geom_col, srs_id): (String, i64) = conn
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&layer],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(bad)?;
    let found = Found {
        declared: declared(&conn, srs_id).map_err(bad)?,
        notes: Vec::new(),
    };
    let (names, pk) = columns(&conn, &layer, &geom_col).map_err(bad)?;
    let rows = rows(&conn, file, &layer, &geom_col, &names, pk.as_deref())?;
    Ok(Records {
        file: file.to_owned(),
        unit: Unit::Feature,
        names,
        rows,
        found,
        text_cells: false,
    })
}

fn feature_layers(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name",
    )?;
    st.query_map([], |r| r.get(0))?.collect()
}

/// The layer (sheet) named, or the only one.
///
/// # Errors
/// [`ReadError::Layer`]: an unknown name, several to choose from, none.
pub(super) fn choose(
    file: &str,
    what: &'static str,
    named: Option<&str>,
    found: &[String],
) -> Result<String, ReadError> {
    let err = |problem: String| ReadError::Layer {
        file: file.to_owned(),
        what,
        problem,
        found: found.to_vec(),
    };
    match (named, found) {
        (Some(n), _) if found.iter().any(|l| l == n) => Ok(n.to_owned()),
        (Some(n), _) => Err(err(format!("no {what} {n:?}"))),
        (None, [one]) => Ok(one.clone()),
        (None, []) => Err(err(format!("no {what} to read"))),
        (None, _) => Err(err(format!(
            "several {what}s; name one as FILE:NAME or with --layer NAME"
        ))),
    }
}

fn declared(conn: &Connection, srs_id: i64) -> rusqlite::Result<Option<Declared>> {
    let row: Option<(String, i64, String)> = conn
        .query_row(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    Ok(row.and_then(|(org, code, def)| {
        if org.eq_ignore_ascii_case("EPSG") && code > 0 {
            u32::try_from(code).ok().map(Declared::Epsg)
        } else if def.trim().is_empty() || def.trim().eq_ignore_ascii_case("undefined") {
            None
        } else {
            Some(Declared::Wkt(def))
        }
    }))
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The property columns (all but the geometry and the integer primary
/// key) and the primary key.
fn columns(
    conn: &Connection,
    layer: &str,
    geom: &str,
) -> rusqlite::Result<(Vec<String>, Option<String>)> {
    let mut st = conn.prepare(&format!("PRAGMA table_info({})", quote(layer)))?;
    let info: Vec<(String, String, i64)> = st
        .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let pk = info
        .iter()
        .find(|(_, ty, pk)| *pk == 1 && ty.eq_ignore_ascii_case("INTEGER"))
        .map(|(n, _, _)| n.clone());
    let names = info
        .into_iter()
        .filter(|(n, _, _)| n != geom && Some(n) != pk.as_ref())
        .map(|(n, _, _)| n)
        .collect();
    Ok((names, pk))
}

fn loose(v: ValueRef<'_>) -> Loose<'static> {
    match v {
        ValueRef::Null => Loose::Null,
        ValueRef::Integer(i) => Loose::Int(i),
        ValueRef::Real(x) => Loose::Float(x),
        ValueRef::Text(t) => Loose::Str(Cow::Owned(String::from_utf8_lossy(t).into_owned())),
        ValueRef::Blob(_) => Loose::Object,
    }
}

fn rows(
    conn: &Connection,
    file: &str,
    layer: &str,
    geom: &str,
    names: &[String],
    pk: Option<&str>,
) -> Result<Vec<Record>, ReadError> {
    let bad = |e: rusqlite::Error| ReadError::BadFile {
        file: file.to_owned(),
        what: "GeoPackage",
        message: e.to_string(),
    };
    let mut cols = vec![quote(geom)];
    cols.extend(names.iter().map(|n| quote(n)));
    let order = pk.map_or_else(|| "rowid".to_owned(), quote);
    let sql = format!(
        "SELECT {}, {order} FROM {} ORDER BY {order}",
        cols.join(", "),
        quote(layer)
    );
    let mut st = conn.prepare(&sql).map_err(bad)?;
    let mut q = st.query([]).map_err(bad)?;
    let mut out = Vec::new();
    while let Some(r) = q.next().map_err(bad)? {
        let index = out.len();
        let geometry = match r.get_ref(0).map_err(bad)? {
            ValueRef::Null => None,
            ValueRef::Blob(b) => gpkg_geometry(b).map_err(|reason| {
                let mut at = At::feature(file, index, "fid");
                at.id = r
                    .get_ref(names.len() + 1)
                    .ok()
                    .and_then(|v| loose(v).text());
                ReadError::BadWkb {
                    at: Box::new(at),
                    reason,
                }
            })?,
            other => {
                return Err(ReadError::BadWkb {
                    at: Box::new(At::feature(file, index, "fid")),
                    reason: format!("expected a blob, got {}", loose(other).describe()),
                });
            }
        };
        let values = (1..=names.len())
            .map(|i| r.get_ref(i).map(loose).map_err(bad))
            .collect::<Result<_, _>>()?;
        out.push(Record {
            number: index,
            geometry,
            values,
        });
    }
    Ok(out)
}

/// A StandardGeoPackageBinary blob as a geometry; `None` when empty.
///
/// # Errors
/// What is wrong with the blob, as text.
pub(super) fn gpkg_geometry(b: &[u8]) -> Result<Option<RawGeometry<'static>>, String> {
    if b.len() < 8 || &b[..2] != b"GP" {
        return Err("no \"GP\" header".into());
    }
    let flags = b[3];
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        e => return Err(format!("envelope indicator {e} is not 0-4")),
    };
    if flags & 0b1_0000 != 0 {
        return Ok(None);
    }
    let start = 8 + envelope;
    let wkb = b.get(start..).ok_or("the envelope is cut short")?;
    let mut c = Wkb { b: wkb, at: 0 };
    let g = c.geometry()?;
    Ok(Some(g).filter(|g| !matches!(g.coordinates, Some(Coords::Pos { x, .. }) if x.is_nan())))
}

/// A cursor over well-known binary.
struct Wkb<'b> {
    b: &'b [u8],
    at: usize,
}

impl Wkb<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let s = self
            .b
            .get(self.at..self.at + N)
            .ok_or_else(|| format!("the well-known binary ends at byte {}", self.at))?;
        self.at += N;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u32(&mut self, le: bool) -> Result<u32, String> {
        let a = self.take::<4>()?;
        Ok(if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }

    fn f64(&mut self, le: bool) -> Result<f64, String> {
        let a = self.take::<8>()?;
        Ok(if le {
            f64::from_le_bytes(a)
        } else {
            f64::from_be_bytes(a)
        })
    }

    /// The byte order and (base type, ordinates per position).
    fn head(&mut self) -> Result<(bool, u32, usize), String> {
        let le = match self.take::<1>()?[0] {
            0 => false,
            1 => true,
            o => return Err(format!("byte order {o} is neither 0 nor 1")),
        };
        let t = self.u32(le)?;
        let (z, m) = (t & 0x8000_0000 != 0, t & 0x4000_0000 != 0);
        let t = t & 0x0FFF_FFFF;
        let iso = match t / 1000 {
            1 | 2 => 1,
            3 => 2,
            _ => 0,
        };
        let dims = 2 + usize::from(z) + usize::from(m) + iso;
        Ok((le, t % 1000, dims))
    }

    fn position(&mut self, le: bool, dims: usize) -> Result<Coords, String> {
        let (x, y) = (self.f64(le)?, self.f64(le)?);
        for _ in 2..dims {
            self.f64(le)?;
        }
        Ok(pos(x, y))
    }

    fn count(&mut self, le: bool) -> Result<usize, String> {
        let n = self.u32(le)? as usize;
        // Each element needs at least 16 bytes, so a larger count is a lie
        // that would only allocate.
        if n > self.b.len().saturating_sub(self.at) {
            return Err(format!("a count of {n} exceeds the blob"));
        }
        Ok(n)
    }

    fn points(&mut self, le: bool, dims: usize) -> Result<Coords, String> {
        let n = self.count(le)?;
        (0..n)
            .map(|_| self.position(le, dims))
            .collect::<Result<_, _>>()
            .map(Coords::List)
    }

    fn rings(&mut self, le: bool, dims: usize) -> Result<Coords, String> {
        let n = self.count(le)?;
        (0..n)
            .map(|_| self.points(le, dims))
            .collect::<Result<_, _>>()
            .map(Coords::List)
    }

    /// The members of a Multi geometry, each of type `member`.
    fn members(&mut self, le: bool, member: u32) -> Result<Coords, String> {
        let n = self.count(le)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let (le, t, dims) = self.head()?;
            if t != member {
                return Err(format!("a member of type {t} where {member} was expected"));
            }
            v.push(self.body(le, t, dims)?);
        }
        Ok(Coords::List(v))
    }

    fn body(&mut self, le: bool, t: u32, dims: usize) -> Result<Coords, String> {
        match t {
            1 => self.position(le, dims),
            2 => self.points(le, dims),
            3 => self.rings(le, dims),
            4 => self.members(le, 1),
            5 => self.members(le, 2),
            6 => self.members(le, 3),
            _ => Err(format!("geometry type {t} is not supported")),
        }
    }

    fn geometry(&mut self) -> Result<RawGeometry<'static>, String> {
        let (le, t, dims) = self.head()?;
        let kind = match t {
            1 => "Point",
            2 => "LineString",
            3 => "Polygon",
            4 => "MultiPoint",
            5 => "MultiLineString",
            6 => "MultiPolygon",
            7 => {
                return Ok(RawGeometry {
                    kind: Some(Loose::Str("GeometryCollection".into())),
                    coordinates: None,
                });
            }
            _ => return Err(format!("geometry type {t} is not supported")),
        };
        Ok(geometry(kind, self.body(le, t, dims)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(wkb: &[u8]) -> Vec<u8> {
        let mut b = b"GP\x00\x01".to_vec();
        b.extend_from_slice(&4326i32.to_le_bytes());
        b.extend_from_slice(wkb);
        b
    }

    fn point_z_be() -> Vec<u8> {
        let mut w = vec![0u8];
        w.extend_from_slice(&1001u32.to_be_bytes());
        for v in [120.5f64, 28.25, 7.0] {
            w.extend_from_slice(&v.to_be_bytes());
        }
        w
    }

    #[test]
    fn point_z_big_endian_and_multipolygon() {
        let g = gpkg_geometry(&header(&point_z_be())).unwrap().unwrap();
        assert_eq!(g.kind, Some(Loose::Str("Point".into())));
        assert!(
            matches!(g.coordinates, Some(Coords::Pos { x, y: Ok(y), .. }) if (x - 120.5).abs() < 1e-12 && (y - 28.25).abs() < 1e-12)
        );
        // MultiPolygon of one triangle, little endian, with an envelope.
        let mut w = vec![1u8];
        w.extend_from_slice(&6u32.to_le_bytes());
        w.extend_from_slice(&1u32.to_le_bytes());
        w.push(1);
        w.extend_from_slice(&3u32.to_le_bytes());
        w.extend_from_slice(&1u32.to_le_bytes());
        w.extend_from_slice(&4u32.to_le_bytes());
        for v in [0.0f64, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0] {
            w.extend_from_slice(&v.to_le_bytes());
        }
        let mut b = b"GP\x00\x03".to_vec();
        b.extend_from_slice(&4326i32.to_le_bytes());
        b.extend_from_slice(&[0u8; 32]);
        b.extend_from_slice(&w);
        let g = gpkg_geometry(&b).unwrap().unwrap();
        assert_eq!(g.kind, Some(Loose::Str("MultiPolygon".into())));
        let Some(Coords::List(polys)) = g.coordinates else {
            panic!()
        };
        assert_eq!(polys.len(), 1);
    }

    #[test]
    fn bad_blobs_say_why() {
        assert_eq!(
            gpkg_geometry(b"XX\x00\x01\0\0\0\0").unwrap_err(),
            "no \"GP\" header"
        );
        let mut b = header(&point_z_be());
        b.truncate(b.len() - 4);
        assert!(gpkg_geometry(&b).unwrap_err().contains("ends at byte"));
        let mut w = vec![1u8];
        w.extend_from_slice(&17u32.to_le_bytes());
        assert!(gpkg_geometry(&header(&w)).unwrap_err().contains("type 17"));
        // The empty flag gives no geometry.
        assert!(gpkg_geometry(b"GP\x00\x11\0\0\0\0").unwrap().is_none());
    }

    #[test]
    fn choose_layers() {
        let two = ["a".to_owned(), "b".to_owned()];
        assert_eq!(choose("f.gpkg", "layer", Some("b"), &two).unwrap(), "b");
        let e = choose("f.gpkg", "layer", Some("c"), &two).unwrap_err();
        assert_eq!(e.to_string(), "f.gpkg: no layer \"c\"; its layers: a, b");
        let e = choose("f.gpkg", "layer", None, &two).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.gpkg: several layers; name one as FILE:NAME or with --layer NAME; its layers: a, b"
        );
        let e = choose("f.gpkg", "layer", None, &[]).unwrap_err();
        assert_eq!(e.to_string(), "f.gpkg: no layer to read; its layers: none");
    }
}
