//! The compounds FeatureCollection (`--compounds`): residential compounds
//! (小区, 园区) that a grid should not cut (docs/DESIGN.md §9).
//!
//! Each feature is a Polygon or MultiPolygon with a required `code`, unique
//! in the file, and an optional `name`. Polygons are validated exactly as
//! boundaries are (rings closed, at least 4 positions, non-zero area,
//! coordinates in range and not swapped) and re-oriented to RFC 7946's
//! right-hand rule. An empty collection is allowed (no compounds). Which
//! households a compound holds is decided later, once the county is
//! projected ([`crate::input::ground`]).
//!
//! # Errors
//! [`ReadError`]: the shared per-feature variants,
//! [`ReadError::MissingCode`] and [`ReadError::DuplicateCode`] (naming
//! both features).

use std::collections::BTreeMap;
use std::path::Path;

use super::errors::{At, ReadError, Unit};
use super::geojson::{RawFeature, UnitProps, parse_bytes, read_bytes};
use super::source::{Format, Found, LAYER_EXTENSIONS, Read, ReadOptions, Source, layer_records};
use super::validate::{Frame, code_of, multipolygon, opt_text};
use crate::input::crs::Crs;
use crate::model::ground::Compound;

/// Reads the compounds FeatureCollection, in file order.
///
/// Positions are read in `crs` when given, else in the system the file's
/// `crs` member declares, else WGS84, and come back in WGS84
/// (crate::input::crs).
///
/// # Errors
/// See the module docs.
pub fn read_compounds(path: &Path, crs: Option<Crs>) -> Result<Vec<Compound>, ReadError> {
    read_compounds_with(
        path,
        &ReadOptions {
            crs,
            ..ReadOptions::default()
        },
    )
    .map(|r| r.value)
}

/// Reads the compounds from GeoJSON, a Shapefile or a GeoPackage layer
/// (by extension).
///
/// # Errors
/// As [`read_compounds`], plus the format's own.
pub fn read_compounds_with(
    path: &Path,
    opts: &ReadOptions,
) -> Result<Read<Vec<Compound>>, ReadError> {
    let src = Source::of(path, opts.layer.as_deref(), LAYER_EXTENSIONS)?;
    if src.format == Format::GeoJson {
        let (_, bytes) = read_bytes(&src.path)?;
        let (file, features, frame) = parse_bytes::<UnitProps>(src.file.clone(), &bytes, opts.crs)?;
        return Ok(Read {
            value: compounds_from(file, features, frame)?,
            found: Found::default(),
        });
    }
    let (file, found, features) = layer_records(&src, "compounds")?.features::<UnitProps>();
    let frame = found.frame(&file, opts.crs)?;
    Ok(Read {
        value: compounds_from(file, features, frame)?,
        found,
    })
}

fn compounds_from(
    file: String,
    features: Vec<RawFeature<'_, UnitProps<'_>>>,
    frame: Frame,
) -> Result<Vec<Compound>, ReadError> {
    let mut out = Vec::with_capacity(features.len());
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for (index, f) in features.into_iter().enumerate() {
        let props = f.properties.unwrap_or_default();
        let code = code_of(&file, index, &props)?;
        let at = || {
            Box::new(At {
                file: file.clone(),
                index,
                key: "code",
                id: Some(code.clone()),
                unit: Unit::Feature,
                column: None,
            })
        };
        let name = opt_text(props.name.as_ref(), "name", &at)?.unwrap_or_default();
        let polygon = multipolygon(&f.geometry, frame, &at)?;
        if let Some(&first) = by_code.get(&code) {
            return Err(ReadError::DuplicateCode {
                file,
                code,
                first,
                second: index,
            });
        }
        by_code.insert(code.clone(), index);
        out.push(Compound {
            feature: index,
            code,
            name,
            polygon,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::test_support::*;

    fn cp(features: &[String]) -> Result<Vec<Compound>, ReadError> {
        let dir = tempfile::tempdir().unwrap();
        read_compounds(&write(&dir, "compounds.geojson", &fc(features)), None)
    }

    fn cp_err(features: &[String]) -> (ReadError, String) {
        let e = cp(features).unwrap_err();
        // The message starts with the path as given: a temporary folder.
        let m = e.to_string();
        let at = m.find("compounds.geojson").expect(&m);
        (e, m[at..].to_owned())
    }

    #[test]
    fn compounds_happy_path() {
        use geo::Winding;
        let cw = "{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[120,28.01],[120.01,28.01],[120.01,28]]]}";
        let c = cp(&[
            unit("\"code\":\"XQ01\",\"name\":\"翠苑小区\"", cw),
            unit("\"code\":17,\"name\":null", &square(120.1, 28.0, 0.01)),
        ])
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].code, "XQ01");
        assert_eq!(c[0].name, "翠苑小区");
        assert_eq!(c[0].feature, 0);
        // Closed and re-oriented, as boundaries are.
        assert_eq!(c[0].polygon.0[0].exterior().0.len(), 5);
        assert!(c[0].polygon.0[0].exterior().is_ccw());
        assert_eq!(c[1].code, "17");
        assert_eq!(c[1].name, "");
        assert!(cp(&[]).unwrap().is_empty());
    }

    #[test]
    fn compound_needs_a_code() {
        let (e, m) = cp_err(&[
            unit("\"code\":\"A\"", &square(120.0, 28.0, 0.01)),
            unit("\"name\":\"B\"", &square(120.1, 28.0, 0.01)),
        ]);
        assert!(matches!(e, ReadError::MissingCode { index: 1, .. }), "{m}");
        assert_eq!(m, "compounds.geojson: feature 1: missing property \"code\"");
    }

    #[test]
    fn duplicate_code_names_both_features() {
        let (e, m) = cp_err(&[
            unit("\"code\":\"A\"", &square(120.0, 28.0, 0.01)),
            unit("\"code\":\"B\"", &square(120.1, 28.0, 0.01)),
            unit("\"code\":\"A\"", &square(120.2, 28.0, 0.01)),
        ]);
        assert!(
            matches!(
                e,
                ReadError::DuplicateCode {
                    first: 0,
                    second: 2,
                    ..
                }
            ),
            "{m}"
        );
        assert_eq!(
            m,
            "compounds.geojson: feature 2 (code \"A\"): duplicate code, already used by feature 0"
        );
    }

    #[test]
    fn compound_geometry_is_checked_like_a_boundary() {
        let (e, m) = cp_err(&[unit(
            "\"code\":\"A\"",
            "{\"type\":\"LineString\",\"coordinates\":[[120,28],[121,28]]}",
        )]);
        assert!(matches!(e, ReadError::WrongGeometry { .. }), "{m}");
        assert!(
            m.contains(
                "feature 0 (code \"A\"): geometry must be a Polygon or MultiPolygon, got LineString"
            ),
            "{m}"
        );
        let short = "{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[120.1,28],[120,28]]]}";
        let (e, _) = cp_err(&[unit("\"code\":\"A\"", short)]);
        assert!(matches!(e, ReadError::DegenerateRing { positions: 3, .. }));
        let flat =
            "{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[120.1,28],[120.2,28],[120,28]]]}";
        let (e, m) = cp_err(&[unit("\"code\":\"A\"", flat)]);
        assert!(matches!(e, ReadError::ZeroArea { .. }), "{m}");
        let (e, m) = cp_err(&[unit(
            "\"code\":\"A\"",
            "{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[120.1,\"x\"],[120.1,28.1],[120,28]]]}",
        )]);
        assert!(matches!(e, ReadError::NonFiniteCoordinate { .. }), "{m}");
        let (e, m) = cp_err(&[unit(
            "\"code\":\"A\",\"name\":[1]",
            &square(120.0, 28.0, 0.01),
        )]);
        assert!(matches!(e, ReadError::NotText { .. }), "{m}");
        assert!(m.contains("name must be a string, got an array"), "{m}");
    }
}
