//! ESRI Shapefiles: `.shp` and `.shx` through the `shapefile` crate, the
//! `.dbf` by hand ([`super::dbf`]), the `.prj` as the declared system and
//! the `.cpg` as the text encoding.
//!
//! # Algorithm
//! 1. The `.shx` and `.dbf` beside the `.shp` must exist (any case of the
//!    extension); the `.prj` and `.cpg` may.
//! 2. Every shape becomes the GeoJSON reader's geometry: points, lines
//!    (one part a LineString, several a MultiLineString), polygons. A
//!    Shapefile polygon is a flat list of rings, outer rings clockwise and
//!    holes counter-clockwise (ESRI Shapefile Technical Description, 1998);
//!    each hole goes to the smallest outer ring that holds its first
//!    vertex (or the last outer ring before it when none does, which is
//!    what writers that ignore orientation mean), and a shape with one
//!    outer ring is a Polygon, with several a MultiPolygon. Z and M are
//!    dropped; a null shape is a null geometry.
//! 3. The `.dbf` rows, one per shape, give the properties.
//!
//! # Errors
//! [`ReadError::MissingSidecar`], [`ReadError::BadFile`] (naming the
//! `.shp` or `.dbf`), [`ReadError::UnknownEncoding`].

use std::path::{Path, PathBuf};

use encoding_rs::UTF_8;
use shapefile::record::traits::HasXY;
use shapefile::{PolygonRing, Shape};

use super::dbf;
use super::errors::{ReadError, Unit};
use super::geojson::Coords;
use super::records::{Record, Records, geometry, pos};
use super::source::{Declared, Found, Source};

/// The file beside `shp` with extension `ext`, in either case.
fn sidecar(shp: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_owned(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| shp.with_extension(e))
        .find(|p| p.is_file())
}

/// Reads a Shapefile into records.
///
/// # Errors
/// See the module docs.
pub(super) fn read(src: &Source) -> Result<Records, ReadError> {
    let file = &src.file;
    let io = |p: &Path, source| ReadError::Io {
        file: p.display().to_string(),
        source,
    };
    if !src.path.is_file() {
        return Err(io(
            &src.path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let need = |ext: &str| {
        sidecar(&src.path, ext).ok_or_else(|| ReadError::MissingSidecar {
            file: file.clone(),
            sidecar: src
                .path
                .with_extension(ext)
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        })
    };
    let (shx, dbf_path) = (need("shx")?, need("dbf")?);
    let (mut found, encoding) = prj_and_cpg(&src.path)?;
    let shapes = read_shapes(file, &src.path, &shx)?;
    let dbf_file = dbf_path.display().to_string();
    let bytes = std::fs::read(&dbf_path).map_err(|e| io(&dbf_path, e))?;
    let table = dbf::parse(&dbf_file, &bytes, encoding)?;
    if encoding.is_none() {
        found.notes.push(format!(
            "{dbf_file}: no .cpg; text read as {}{}",
            table.encoding.name().to_ascii_uppercase(),
            if table.encoding == UTF_8 {
                ""
            } else {
                " (GBK), as it is not valid UTF-8"
            }
        ));
    }
    if table.rows.len() != shapes.len() {
        return Err(ReadError::BadFile {
            file: file.clone(),
            what: "Shapefile",
            message: format!(
                "{} shapes but {} rows in the .dbf",
                shapes.len(),
                table.rows.len()
            ),
        });
    }
    let rows = shapes
        .into_iter()
        .zip(table.rows)
        .enumerate()
        .map(|(number, (geometry, values))| Record {
            number,
            geometry,
            values,
        })
        .collect();
    Ok(Records {
        file: file.clone(),
        unit: Unit::Feature,
        names: table.names,
        rows,
        found,
        text_cells: false,
    })
}

/// The declared system of the `.prj` and the encoding of the `.cpg`, when
/// there are such files.
fn prj_and_cpg(shp: &Path) -> Result<(Found, Option<&'static encoding_rs::Encoding>), ReadError> {
    let io = |p: &Path, source| ReadError::Io {
        file: p.display().to_string(),
        source,
    };
    let mut found = Found::default();
    if let Some(prj) = sidecar(shp, "prj") {
        let text = std::fs::read(&prj).map_err(|e| io(&prj, e))?;
        let text = String::from_utf8_lossy(&text).trim().to_owned();
        if !text.is_empty() {
            found.declared = Some(Declared::Wkt(text));
        }
    }
    let encoding = match sidecar(shp, "cpg") {
        Some(cpg) => {
            let label = std::fs::read(&cpg).map_err(|e| io(&cpg, e))?;
            let label = String::from_utf8_lossy(&label);
            Some(dbf::encoding_of_label(&cpg.display().to_string(), &label)?)
        }
        None => None,
    };
    Ok((found, encoding))
}

fn read_shapes(
    file: &str,
    shp: &Path,
    shx: &Path,
) -> Result<Vec<Option<super::geojson::RawGeometry<'static>>>, ReadError> {
    let bad = |e: shapefile::Error| ReadError::BadFile {
        file: file.to_owned(),
        what: "Shapefile",
        message: e.to_string(),
    };
    let open = |p: &Path| {
        std::fs::File::open(p)
            .map(std::io::BufReader::new)
            .map_err(|source| ReadError::Io {
                file: p.display().to_string(),
                source,
            })
    };
    let mut reader = shapefile::ShapeReader::with_shx(open(shp)?, open(shx)?).map_err(bad)?;
    let mut out = Vec::new();
    for shape in reader.iter_shapes() {
        out.push(shape_geometry(shape.map_err(bad)?));
    }
    Ok(out)
}

fn xy<P: HasXY>(points: &[P]) -> Coords {
    Coords::List(points.iter().map(|p| pos(p.x(), p.y())).collect())
}

/// A shape as the GeoJSON reader's geometry; `None` for a null shape.
fn shape_geometry(shape: Shape) -> Option<super::geojson::RawGeometry<'static>> {
    Some(match shape {
        Shape::NullShape => return None,
        Shape::Point(p) => geometry("Point", pos(p.x, p.y)),
        Shape::PointM(p) => geometry("Point", pos(p.x, p.y)),
        Shape::PointZ(p) => geometry("Point", pos(p.x, p.y)),
        Shape::Multipoint(m) => geometry("MultiPoint", xy(m.points())),
        Shape::MultipointM(m) => geometry("MultiPoint", xy(m.points())),
        Shape::MultipointZ(m) => geometry("MultiPoint", xy(m.points())),
        Shape::Polyline(l) => lines(l.parts()),
        Shape::PolylineM(l) => lines(l.parts()),
        Shape::PolylineZ(l) => lines(l.parts()),
        Shape::Polygon(p) => polygons(p.rings()),
        Shape::PolygonM(p) => polygons(p.rings()),
        Shape::PolygonZ(p) => polygons(p.rings()),
        Shape::Multipatch(_) => super::geojson::RawGeometry {
            kind: Some(super::geojson::Loose::Str("Multipatch".into())),
            coordinates: None,
        },
    })
}

fn lines<P: HasXY>(parts: &[Vec<P>]) -> super::geojson::RawGeometry<'static> {
    if let [one] = parts {
        geometry("LineString", xy(one))
    } else {
        geometry(
            "MultiLineString",
            Coords::List(parts.iter().map(|p| xy(p)).collect()),
        )
    }
}

/// Twice the signed area of a ring (positive counter-clockwise).
fn area2<P: HasXY>(ring: &[P]) -> f64 {
    ring.iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| a.x() * b.y() - b.x() * a.y())
        .sum()
}

/// Whether `(x, y)` lies inside `ring` (even-odd rule).
fn inside<P: HasXY>(ring: &[P], x: f64, y: f64) -> bool {
    let mut c = false;
    for (a, b) in ring.iter().zip(ring.iter().cycle().skip(1)) {
        if (a.y() > y) != (b.y() > y) && x < (b.x() - a.x()) * (y - a.y()) / (b.y() - a.y()) + a.x()
        {
            c = !c;
        }
    }
    c
}

/// Groups a polygon's rings into polygons with their holes.
fn polygons<P: HasXY>(rings: &[PolygonRing<P>]) -> super::geojson::RawGeometry<'static> {
    let outers: Vec<usize> = (0..rings.len())
        .filter(|&i| matches!(rings[i], PolygonRing::Outer(_)))
        .collect();
    // A writer that wound every ring counter-clockwise leaves no outer
    // ring: each ring is then its own polygon, as GDAL reads it.
    if outers.is_empty() {
        let polys = rings
            .iter()
            .map(|r| Coords::List(vec![xy(r.points())]))
            .collect();
        return multi(polys);
    }
    let mut holes: Vec<Vec<usize>> = vec![Vec::new(); outers.len()];
    for (i, r) in rings.iter().enumerate() {
        let PolygonRing::Inner(pts) = r else { continue };
        let Some(first) = pts.first() else { continue };
        let holder = outers
            .iter()
            .enumerate()
            .filter(|(_, o)| inside(rings[**o].points(), first.x(), first.y()))
            .min_by(|(_, a), (_, b)| {
                area2(rings[**a].points())
                    .abs()
                    .total_cmp(&area2(rings[**b].points()).abs())
            })
            .map(|(k, _)| k)
            .or_else(|| outers.iter().rposition(|&o| o < i))
            .unwrap_or(0);
        holes[holder].push(i);
    }
    let polys = outers
        .iter()
        .zip(&holes)
        .map(|(&o, hs)| {
            let mut v = vec![xy(rings[o].points())];
            v.extend(hs.iter().map(|&h| xy(rings[h].points())));
            Coords::List(v)
        })
        .collect();
    multi(polys)
}

fn multi(mut polys: Vec<Coords>) -> super::geojson::RawGeometry<'static> {
    if polys.len() == 1 {
        geometry("Polygon", polys.remove(0))
    } else {
        geometry("MultiPolygon", Coords::List(polys))
    }
}
