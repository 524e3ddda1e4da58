//! The boundaries FeatureCollection: county, towns and villages, with the
//! hierarchy checked (step 4 of the module overview).

use std::collections::BTreeMap;
use std::path::Path;

use super::errors::{At, ReadError, Unit};
use super::geojson::{Loose, RawFeature, UnitProps, parse_bytes, read_bytes};
use super::source::{Format, Found, LAYER_EXTENSIONS, Read, ReadOptions, Source, layer_records};
use super::validate::{Frame, code_of, multipolygon, opt_text};
use crate::input::crs::Crs;
use crate::model::codes::{self, CodeRule};
use crate::model::{Boundary, Level};

/// Reads the boundaries FeatureCollection and checks the hierarchy.
///
/// # Errors
/// Any [`ReadError`] per-feature variant, [`ReadError::DuplicateCode`], the
/// hierarchy variants ([`ReadError::MissingParent`],
/// [`ReadError::UnknownParent`], [`ReadError::WrongParentLevel`]) and
/// [`ReadError::NoVillages`].
pub fn read_boundaries(path: &Path, crs: Option<Crs>) -> Result<Vec<Boundary>, ReadError> {
    read_boundaries_with(
        path,
        &ReadOptions {
            crs,
            ..ReadOptions::default()
        },
    )
    .map(|r| r.value)
}

/// Reads the boundaries from GeoJSON, a Shapefile or a GeoPackage layer
/// (by extension).
///
/// # Errors
/// As [`read_boundaries`], plus the format's own.
pub fn read_boundaries_with(
    path: &Path,
    opts: &ReadOptions,
) -> Result<Read<Vec<Boundary>>, ReadError> {
    let src = Source::of(path, opts.layer.as_deref(), LAYER_EXTENSIONS)?;
    if src.format == Format::GeoJson {
        let (_, bytes) = read_bytes(&src.path)?;
        let (file, features, frame) = parse_bytes::<UnitProps>(src.file.clone(), &bytes, opts.crs)?;
        return Ok(Read {
            value: boundaries_from(file, features, frame, opts.codes)?,
            found: Found::default(),
        });
    }
    let (file, found, features) = layer_records(&src, "boundaries")?.features::<UnitProps>();
    let frame = found.frame(&file, opts.crs)?;
    Ok(Read {
        value: boundaries_from(file, features, frame, opts.codes)?,
        found,
    })
}

fn boundaries_from(
    file: String,
    features: Vec<RawFeature<'_, UnitProps<'_>>>,
    frame: Frame,
    rule: CodeRule,
) -> Result<Vec<Boundary>, ReadError> {
    if features.is_empty() {
        return Err(ReadError::Empty { file });
    }
    let mut out: Vec<Boundary> = Vec::with_capacity(features.len());
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
        let level_text = opt_text(props.level.as_ref(), "level", &at)?;
        let level = match level_text.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
            Some(s) if s == "county" => Level::County,
            Some(s) if s == "town" => Level::Town,
            Some(s) if s == "village" => Level::Village,
            _ => {
                return Err(ReadError::BadLevel {
                    at: at(),
                    found: props
                        .level
                        .as_ref()
                        .map_or_else(|| "nothing".into(), Loose::describe),
                });
            }
        };
        if level == Level::Village
            && let Some(reason) = codes::village_code_problem(&code, rule)
        {
            return Err(ReadError::BadCode {
                at: Box::new(At { id: None, ..*at() }),
                code,
                reason,
            });
        }
        let name = opt_text(props.name.as_ref(), "name", &at)?.unwrap_or_else(|| code.clone());
        let parent = opt_text(props.parent.as_ref(), "parent", &at)?;
        let geometry = multipolygon(&f.geometry, frame, &at)?;
        if let Some(&first) = by_code.get(&code) {
            return Err(ReadError::DuplicateCode {
                file,
                code,
                first,
                second: index,
            });
        }
        by_code.insert(code.clone(), out.len());
        out.push(Boundary {
            code,
            name,
            level,
            parent,
            geometry,
            feature_index: index,
        });
    }
    check_hierarchy(&file, &out, &by_code)?;
    Ok(out)
}

fn check_hierarchy(
    file: &str,
    units: &[Boundary],
    by_code: &BTreeMap<String, usize>,
) -> Result<(), ReadError> {
    let Some(top) = units.iter().map(|u| u.level).min() else {
        return Err(ReadError::Empty {
            file: file.to_owned(),
        });
    };
    if !units.iter().any(|u| u.level == Level::Village) {
        return Err(ReadError::NoVillages {
            file: file.to_owned(),
        });
    }
    let has_towns = units.iter().any(|u| u.level == Level::Town);
    for u in units {
        let at = || {
            Box::new(At {
                file: file.to_owned(),
                index: u.feature_index,
                key: "code",
                id: Some(u.code.clone()),
                unit: Unit::Feature,
                column: None,
            })
        };
        let parent = match &u.parent {
            None if u.level == top => continue,
            None => {
                return Err(ReadError::MissingParent {
                    at: at(),
                    level: u.level.as_str(),
                    top: top.as_str(),
                });
            }
            Some(p) => p,
        };
        let Some(&pi) = by_code.get(parent) else {
            if u.level == top {
                // The enclosing unit of the top level (a county's city) is
                // naturally outside the file.
                continue;
            }
            return Err(ReadError::UnknownParent {
                at: at(),
                parent: parent.clone(),
            });
        };
        let parent_level = units[pi].level;
        let expected = match u.level {
            Level::County => None,
            Level::Village if has_towns => Some(Level::Town),
            Level::Town | Level::Village => Some(Level::County),
        };
        if expected != Some(parent_level) {
            return Err(ReadError::WrongParentLevel {
                at: at(),
                level: u.level.as_str(),
                parent: parent.clone(),
                parent_level: parent_level.as_str(),
                expected: expected.map_or("unit outside the file", Level::as_str),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::test_support::*;

    fn county() -> String {
        unit(
            "\"code\":\"330302\",\"name\":\"C\",\"level\":\"county\",\"parent\":\"330300\"",
            &square(120.0, 28.0, 1.0),
        )
    }
    fn town() -> String {
        unit(
            "\"code\":\"330302001\",\"level\":\"town\",\"parent\":\"330302\"",
            &square(120.0, 28.0, 1.0),
        )
    }
    fn village(code: &str) -> String {
        unit(
            &format!(
                "\"code\":\"{code}\",\"name\":\"V\",\"level\":\"village\",\"parent\":\"330302001\""
            ),
            &square(120.0, 28.0, 0.5),
        )
    }

    fn bd(features: &[String]) -> Result<Vec<Boundary>, ReadError> {
        let dir = tempfile::tempdir().unwrap();
        read_boundaries(&write(&dir, "boundaries.geojson", &fc(features)), None)
    }

    fn bd_err(features: &[String]) -> (ReadError, String) {
        let e = bd(features).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("boundaries.geojson"), "{m}");
        (e, m)
    }

    #[test]
    fn happy_path_boundaries_with_multipolygon_hole() {
        use geo::Winding;
        let mp = "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[120,28],[120,28.4],[120.4,28.4],[120.4,28],[120,28]],[[120.1,28.1],[120.2,28.1],[120.2,28.2],[120.1,28.1]]],[[[120.5,28.5],[120.6,28.5],[120.6,28.6]]]]}";
        let v = bd(&[
            county(),
            town(),
            unit(
                "\"code\":330302001001,\"level\":\"Village\",\"parent\":\"330302001\"",
                mp,
            ),
        ])
        .unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].level, Level::County);
        assert_eq!(v[0].parent.as_deref(), Some("330300"));
        assert_eq!(v[1].name, "330302001");
        assert_eq!(v[2].code, "330302001001");
        assert_eq!(v[2].level, Level::Village);
        assert_eq!(v[2].feature_index, 2);
        assert_eq!(v[2].geometry.0.len(), 2);
        assert_eq!(v[2].geometry.0[0].interiors().len(), 1);
        // Re-oriented: the clockwise shell above is now counter-clockwise.
        assert!(v[2].geometry.0[0].exterior().is_ccw());
        assert!(v[2].geometry.0[0].interiors()[0].is_cw());
        // The unclosed second polygon was closed.
        assert_eq!(v[2].geometry.0[1].exterior().0.len(), 4);
    }

    #[test]
    fn boundary_wrong_geometry() {
        let (e, m) = bd_err(&[
            county(),
            town(),
            unit(
                "\"code\":\"330302001001\",\"level\":\"village\",\"parent\":\"330302001\"",
                "{\"type\":\"Point\",\"coordinates\":[120,28]}",
            ),
        ]);
        assert!(matches!(e, ReadError::WrongGeometry { .. }), "{m}");
        assert!(
            m.contains(
                "feature 2 (code \"330302001001\"): geometry must be a Polygon or MultiPolygon, got Point"
            ),
            "{m}"
        );
    }

    #[test]
    fn boundary_missing_code() {
        let (e, m) = bd_err(&[
            county(),
            unit("\"level\":\"town\"", &square(120.0, 28.0, 1.0)),
        ]);
        assert!(matches!(e, ReadError::MissingCode { index: 1, .. }), "{m}");
        assert!(
            m.contains("boundaries.geojson: feature 1: missing property \"code\""),
            "{m}"
        );
    }

    #[test]
    fn boundary_duplicate_code() {
        let (e, m) = bd_err(&[
            county(),
            town(),
            village("330302001001"),
            village("330302001002"),
            village("330302001001"),
        ]);
        assert!(
            matches!(
                e,
                ReadError::DuplicateCode {
                    first: 2,
                    second: 4,
                    ..
                }
            ),
            "{m}"
        );
        assert!(
            m.contains(
                "feature 4 (code \"330302001001\"): duplicate code, already used by feature 2"
            ),
            "{m}"
        );
    }

    #[test]
    fn boundary_bad_level() {
        let (e, m) = bd_err(&[
            county(),
            unit(
                "\"code\":\"T\",\"level\":\"province\"",
                &square(120.0, 28.0, 1.0),
            ),
        ]);
        assert!(matches!(e, ReadError::BadLevel { .. }), "{m}");
        assert!(m.contains("feature 1 (code \"T\"): level must be \"county\", \"town\" or \"village\", got \"province\""), "{m}");
        let (_, m) = bd_err(&[county(), unit("\"code\":\"T\"", &square(120.0, 28.0, 1.0))]);
        assert!(m.ends_with("got nothing"), "{m}");
    }

    #[test]
    fn boundary_unknown_parent() {
        let (e, m) = bd_err(&[
            county(),
            town(),
            unit(
                "\"code\":\"330302001001\",\"level\":\"village\",\"parent\":\"999\"",
                &square(120.0, 28.0, 0.5),
            ),
        ]);
        assert!(matches!(e, ReadError::UnknownParent { .. }), "{m}");
        assert!(
            m.contains(
                "feature 2 (code \"330302001001\"): parent \"999\" names no unit in the file"
            ),
            "{m}"
        );
    }

    #[test]
    fn boundary_missing_parent_below_top() {
        let (e, m) = bd_err(&[
            county(),
            town(),
            unit(
                "\"code\":\"330302001001\",\"level\":\"village\",\"parent\":null",
                &square(120.0, 28.0, 0.5),
            ),
        ]);
        assert!(matches!(e, ReadError::MissingParent { .. }), "{m}");
        assert!(m.contains("feature 2 (code \"330302001001\"): a village needs a parent; only the top level (county) may have none"), "{m}");
        // Villages alone: they are the top level and need no parent.
        let v = bd(&[unit(
            "\"code\":\"330302001001\",\"level\":\"village\"",
            &square(120.0, 28.0, 0.5),
        )])
        .unwrap();
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn boundary_village_parent_must_be_town() {
        let (e, m) = bd_err(&[
            county(),
            town(),
            unit(
                "\"code\":\"330302001001\",\"level\":\"village\",\"parent\":\"330302\"",
                &square(120.0, 28.0, 0.5),
            ),
        ]);
        assert!(matches!(e, ReadError::WrongParentLevel { .. }), "{m}");
        assert!(m.contains("feature 2 (code \"330302001001\"): the parent of a village must be a town, but \"330302\" is a county"), "{m}");
        // Without towns, a county parent is fine.
        let v = bd(&[
            county(),
            unit(
                "\"code\":\"330302001001\",\"level\":\"village\",\"parent\":\"330302\"",
                &square(120.0, 28.0, 0.5),
            ),
        ])
        .unwrap();
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn boundary_no_villages() {
        let (e, _) = bd_err(&[county(), town()]);
        assert!(matches!(e, ReadError::NoVillages { .. }), "{e}");
    }

    #[test]
    fn boundary_degenerate_ring() {
        let g = "{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[120.1,28],[120,28]]]}";
        let (e, m) = bd_err(&[unit("\"code\":\"330302001001\",\"level\":\"village\"", g)]);
        assert!(
            matches!(e, ReadError::DegenerateRing { positions: 3, .. }),
            "{m}"
        );
        assert!(
            m.contains(
                "feature 0 (code \"330302001001\"): polygon 0 ring 0 has 3 positions; a ring needs at least 4"
            ),
            "{m}"
        );
    }

    #[test]
    fn boundary_zero_area_ring() {
        let g = "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[120,28],[120.1,28],[120.1,28.1],[120,28]]],[[[120,28],[120.1,28],[120.2,28],[120,28]]]]}";
        let (e, m) = bd_err(&[unit("\"code\":\"330302001001\",\"level\":\"village\"", g)]);
        assert!(
            matches!(
                e,
                ReadError::ZeroArea {
                    polygon: 1,
                    ring: 0,
                    ..
                }
            ),
            "{m}"
        );
        assert!(
            m.contains("feature 0 (code \"330302001001\"): polygon 1 ring 0 has zero area"),
            "{m}"
        );
    }

    #[test]
    fn boundary_empty_polygon() {
        let g = "{\"type\":\"MultiPolygon\",\"coordinates\":[]}";
        let (e, m) = bd_err(&[unit("\"code\":\"330302001001\",\"level\":\"village\"", g)]);
        assert!(matches!(e, ReadError::EmptyGeometry { .. }), "{m}");
        assert!(
            m.contains("feature 0 (code \"330302001001\"): empty geometry"),
            "{m}"
        );
    }

    #[test]
    fn boundary_swapped_vertex() {
        let g =
            "{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[28,120.1],[120.1,28.1],[120,28]]]}";
        let (e, m) = bd_err(&[unit("\"code\":\"330302001001\",\"level\":\"village\"", g)]);
        assert!(matches!(e, ReadError::Swapped { .. }), "{m}");
    }

    #[test]
    fn unsafe_and_non_standard_village_codes_are_refused() {
        // Issue 13: codes that made malformed grid codes.
        for (code, needle) in [
            ("A001", "a village code has 12 digits"),
            (
                "东山村东山村东山村东山村001",
                "a village code has 12 digits",
            ),
            ("330381101001.0001", "number with a fraction"),
            ("../../x,\\\"y\\n001", "it holds '.'"),
        ] {
            let props = format!(
                "\"code\":{},\"level\":\"village\",\"parent\":\"330302001\"",
                serde_json::to_string(code).unwrap()
            );
            let (e, m) = bd_err(&[county(), town(), unit(&props, &square(120.0, 28.0, 0.1))]);
            assert!(matches!(e, ReadError::BadCode { .. }), "{m}");
            assert!(
                m.contains("boundaries.geojson: feature 2") && m.contains(needle),
                "{code}: {m}"
            );
        }
        // A float with a whole value is the code written without fraction.
        let v = bd(&[
            county(),
            town(),
            unit(
                "\"code\":330302001001.0,\"level\":\"village\",\"parent\":\"330302001\"",
                &square(120.0, 28.0, 0.1),
            ),
        ])
        .unwrap();
        assert_eq!(v[2].code, "330302001001");
        // --free-codes accepts a safe non-standard code, never an unsafe one.
        let dir = tempfile::tempdir().unwrap();
        let free = ReadOptions {
            codes: CodeRule::Free,
            ..ReadOptions::default()
        };
        let body = |code: &str| {
            fc(&[
                county(),
                town(),
                unit(
                    &format!("\"code\":{code:?},\"level\":\"village\",\"parent\":\"330302001\""),
                    &square(120.0, 28.0, 0.1),
                ),
            ])
        };
        let p = write(&dir, "b.geojson", &body("东山村东山村东山村东山村001"));
        assert_eq!(read_boundaries_with(&p, &free).unwrap().value.len(), 3);
        let p = write(&dir, "b.geojson", &body("a,b"));
        assert!(read_boundaries_with(&p, &free).is_err());
    }
}
