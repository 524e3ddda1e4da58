//! The dedicated zones FeatureCollection (premises grids).
//!
//! A zone's `kind` is free text: the words planners use, English or
//! Chinese (`industrial`, `工业园区`, `学校`), map to a category through
//! [`ZoneKind::classify`]; any other kind is kept as given, counted as
//! `other` and reported once as a warning by the run, never refused.

use std::collections::BTreeMap;
use std::path::Path;

use super::errors::{At, ReadError, Unit};
use super::geojson::{RawFeature, UnitProps, parse_bytes, read_bytes};
use super::source::{Format, Found, LAYER_EXTENSIONS, Read, ReadOptions, Source, layer_records};
use super::validate::{Frame, code_of, multipolygon, opt_text};
use crate::input::crs::Crs;
use crate::model::{Zone, ZoneKind};

/// Reads the dedicated zones FeatureCollection. An empty collection is
/// allowed (no dedicated grids).
///
/// # Errors
/// Any [`ReadError`] per-feature variant (a `kind` that is not text among
/// them) and [`ReadError::DuplicateCode`].
pub fn read_zones(path: &Path, crs: Option<Crs>) -> Result<Vec<Zone>, ReadError> {
    read_zones_with(
        path,
        &ReadOptions {
            crs,
            ..ReadOptions::default()
        },
    )
    .map(|r| r.value)
}

/// Reads the dedicated zones from GeoJSON, a Shapefile or a GeoPackage
/// layer (by extension).
///
/// # Errors
/// As [`read_zones`], plus the format's own.
pub fn read_zones_with(path: &Path, opts: &ReadOptions) -> Result<Read<Vec<Zone>>, ReadError> {
    let src = Source::of(path, opts.layer.as_deref(), LAYER_EXTENSIONS)?;
    if src.format == Format::GeoJson {
        let (_, bytes) = read_bytes(&src.path)?;
        let (file, features, frame) = parse_bytes::<UnitProps>(src.file.clone(), &bytes, opts.crs)?;
        return Ok(Read {
            value: zones_from(file, features, frame)?,
            found: Found::default(),
        });
    }
    let (file, found, features) = layer_records(&src, "dedicated zones")?.features::<UnitProps>();
    let frame = found.frame(&file, opts.crs)?;
    Ok(Read {
        value: zones_from(file, features, frame)?,
        found,
    })
}

fn zones_from(
    file: String,
    features: Vec<RawFeature<'_, UnitProps<'_>>>,
    frame: Frame,
) -> Result<Vec<Zone>, ReadError> {
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
        let kind = opt_text(props.kind.as_ref(), "kind", &at)?
            .map(|k| k.trim().to_string())
            .unwrap_or_default();
        let known = ZoneKind::classify(&kind);
        let unknown_kind = known.is_none() && !kind.is_empty();
        let name = opt_text(props.name.as_ref(), "name", &at)?.unwrap_or_else(|| code.clone());
        let geometry = multipolygon(&f.geometry, frame, &at)?;
        if let Some(&first) = by_code.get(&code) {
            return Err(ReadError::DuplicateCode {
                file,
                code,
                first,
                second: index,
            });
        }
        by_code.insert(code.clone(), index);
        out.push(Zone {
            code,
            name,
            category: known.unwrap_or(ZoneKind::Other),
            kind,
            unknown_kind,
            geometry,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::test_support::*;

    #[test]
    fn zones_happy_and_free_text_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let ok = fc(&[
            unit(
                "\"code\":\"Z1\",\"name\":\"School\",\"kind\":\"school\"",
                &square(120.0, 28.0, 0.01),
            ),
            unit("\"code\":\"Z2\"", &square(120.1, 28.0, 0.01)),
            unit(
                "\"code\":\"Z3\",\"kind\":\" industrial \"",
                &square(120.2, 28.0, 0.01),
            ),
            unit(
                "\"code\":\"Z4\",\"kind\":\"工业园区\"",
                &square(120.3, 28.0, 0.01),
            ),
            unit(
                "\"code\":\"Z5\",\"kind\":\"zoo\"",
                &square(120.4, 28.0, 0.01),
            ),
        ]);
        let z = read_zones(&write(&dir, "zones.geojson", &ok), None).unwrap();
        assert_eq!(z.len(), 5);
        assert_eq!(
            (z[0].category, z[0].unknown_kind),
            (ZoneKind::School, false)
        );
        assert_eq!((z[1].category, z[1].kind.as_str()), (ZoneKind::Other, ""));
        assert!(!z[1].unknown_kind, "an absent kind is no unknown kind");
        assert_eq!(z[1].name, "Z2");
        assert_eq!(
            (z[2].category, z[2].kind.as_str()),
            (ZoneKind::Park, "industrial")
        );
        assert_eq!(
            (z[3].category, z[3].kind.as_str()),
            (ZoneKind::Park, "工业园区")
        );
        // Kept as given, counted as other, flagged for the warning.
        assert_eq!(
            (z[4].category, z[4].kind.as_str()),
            (ZoneKind::Other, "zoo")
        );
        assert!(z[4].unknown_kind);
        // An empty zones file is fine.
        assert!(
            read_zones(&write(&dir, "zones.geojson", &fc(&[])), None)
                .unwrap()
                .is_empty()
        );
    }
}
