//! The dedicated zones FeatureCollection (premises grids).

use std::collections::BTreeMap;
use std::path::Path;

use super::errors::{At, ReadError};
use super::geojson::{RawFeature, UnitProps, parse_bytes, read_bytes};
use super::validate::{Frame, code_of, multipolygon, opt_text};
use crate::input::crs::Crs;
use crate::model::{Zone, ZoneKind};

/// Reads the dedicated zones FeatureCollection. An empty collection is
/// allowed (no dedicated grids).
///
/// # Errors
/// Any [`ReadError`] per-feature variant, [`ReadError::BadKind`] and
/// [`ReadError::DuplicateCode`].
pub fn read_zones(path: &Path, crs: Option<Crs>) -> Result<Vec<Zone>, ReadError> {
    let (file, bytes) = read_bytes(path)?;
    let (file, features, frame) = parse_bytes::<UnitProps>(file, &bytes, crs)?;
    zones_from(file, features, frame)
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
            })
        };
        let kind = match opt_text(props.kind.as_ref(), "kind", &at)? {
            None => ZoneKind::Other,
            Some(k) => ZoneKind::parse(&k.trim().to_ascii_lowercase()).ok_or_else(|| {
                ReadError::BadKind {
                    at: at(),
                    found: format!("\"{k}\""),
                }
            })?,
        };
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
            kind,
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
    fn zones_happy_and_bad_kind() {
        let dir = tempfile::tempdir().unwrap();
        let ok = fc(&[
            unit(
                "\"code\":\"Z1\",\"name\":\"School\",\"kind\":\"school\"",
                &square(120.0, 28.0, 0.01),
            ),
            unit("\"code\":\"Z2\"", &square(120.1, 28.0, 0.01)),
        ]);
        let z = read_zones(&write(&dir, "zones.geojson", &ok), None).unwrap();
        assert_eq!(z.len(), 2);
        assert_eq!(z[0].kind, ZoneKind::School);
        assert_eq!(z[1].kind, ZoneKind::Other);
        assert_eq!(z[1].name, "Z2");
        let bad = fc(&[unit(
            "\"code\":\"Z1\",\"kind\":\"zoo\"",
            &square(120.0, 28.0, 0.01),
        )]);
        let e = read_zones(&write(&dir, "zones.geojson", &bad), None).unwrap_err();
        assert!(matches!(e, ReadError::BadKind { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("zones.geojson: feature 0 (code \"Z1\"): kind must be one of"),
            "{e}"
        );
        // An empty zones file is fine.
        assert!(
            read_zones(&write(&dir, "zones.geojson", &fc(&[])), None)
                .unwrap()
                .is_empty()
        );
    }
}
