//! The households FeatureCollection: one point per building.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::errors::{At, ReadError};
use super::geojson::{Loose, RawFeature, RawGeometry, parse_bytes, read_bytes};
use super::validate::{Frame, geometry_kind, opt_number, opt_text, position};
use crate::input::crs::Crs;
use crate::model::Household;

#[derive(Deserialize, Default)]
struct HouseholdProps<'a> {
    #[serde(default, borrow)]
    id: Option<Loose<'a>>,
    #[serde(default, borrow)]
    households: Option<Loose<'a>>,
    #[serde(default, borrow)]
    population: Option<Loose<'a>>,
    #[serde(default, borrow)]
    rental: Option<Loose<'a>>,
    #[serde(default, borrow)]
    shops: Option<Loose<'a>>,
    #[serde(default, borrow)]
    special: Option<Loose<'a>>,
    #[serde(default, borrow)]
    village: Option<Loose<'a>>,
    #[serde(default, borrow)]
    grid: Option<Loose<'a>>,
}

fn households_count(v: Option<&Loose<'_>>, at: &dyn Fn() -> Box<At>) -> Result<u32, ReadError> {
    let bad = |l: &Loose| ReadError::BadHouseholds {
        at: at(),
        found: l.describe(),
    };
    match v {
        None | Some(Loose::Null) => Ok(1),
        Some(l @ Loose::Int(i)) => u32::try_from(*i)
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| bad(l)),
        Some(l @ Loose::UInt(u)) => u32::try_from(*u)
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| bad(l)),
        Some(l @ Loose::Float(f)) => {
            if f.fract() == 0.0 && *f >= 1.0 && *f <= f64::from(u32::MAX) {
                Ok(*f as u32)
            } else {
                Err(bad(l))
            }
        }
        Some(l) => Err(bad(l)),
    }
}

/// Reads the households FeatureCollection (docs/DESIGN.md §3) in input order.
///
/// Positions are read in `crs` when given, else in the system the file's
/// `crs` member declares, else WGS84, and come back in WGS84
/// (crate::input::crs).
///
/// # Errors
/// Any [`ReadError`] per-feature or whole-file variant; the first broken
/// rule in input order is reported.
pub fn read_households(path: &Path, crs: Option<Crs>) -> Result<Vec<Household>, ReadError> {
    let (file, bytes) = read_bytes(path)?;
    let (file, features, frame) = parse_bytes::<HouseholdProps>(file, &bytes, crs)?;
    households_from(file, features, frame)
}

fn households_from(
    file: String,
    features: Vec<RawFeature<'_, HouseholdProps<'_>>>,
    frame: Frame,
) -> Result<Vec<Household>, ReadError> {
    if features.is_empty() {
        return Err(ReadError::Empty { file });
    }
    let mut out: Vec<Household> = Vec::with_capacity(features.len());
    for (index, f) in features.into_iter().enumerate() {
        let props = f.properties.unwrap_or_default();
        // The property wins over the Feature member: QGIS exports the
        // attribute table into properties and numbers features itself.
        let raw_id = props
            .id
            .as_ref()
            .filter(|l| **l != Loose::Null)
            .or(f.id.as_ref().filter(|l| **l != Loose::Null));
        let id = match raw_id {
            None => {
                return Err(ReadError::MissingId {
                    file: file.clone(),
                    index,
                });
            }
            Some(l) => match l.text() {
                Some(s) if !s.trim().is_empty() => s,
                _ => {
                    return Err(ReadError::BadId {
                        file: file.clone(),
                        index,
                        found: l.describe(),
                    });
                }
            },
        };
        let at = || {
            Box::new(At {
                file: file.clone(),
                index,
                key: "id",
                id: Some(id.clone()),
            })
        };
        let coord = match &f.geometry {
            Some(RawGeometry {
                kind: Some(Loose::Str(k)),
                coordinates,
            }) if k == "Point" => match coordinates {
                Some(c) => position(c, frame, &at)?,
                None => {
                    return Err(ReadError::BadCoordinates {
                        at: at(),
                        reason: "the Point has no \"coordinates\"".into(),
                    });
                }
            },
            g => {
                return Err(ReadError::WrongGeometry {
                    at: at(),
                    expected: "a Point",
                    found: geometry_kind(g),
                });
            }
        };
        let households = households_count(props.households.as_ref(), &at)?;
        let population = opt_number(props.population.as_ref(), "population", &at)?;
        let rental = opt_number(props.rental.as_ref(), "rental", &at)?.unwrap_or(0.0);
        let shops = opt_number(props.shops.as_ref(), "shops", &at)?.unwrap_or(0.0);
        let special = opt_number(props.special.as_ref(), "special", &at)?.unwrap_or(0.0);
        let village = opt_text(props.village.as_ref(), "village", &at)?;
        let grid = opt_text(props.grid.as_ref(), "grid", &at)?;
        out.push(Household {
            id,
            lon: coord.x,
            lat: coord.y,
            households,
            population,
            rental,
            shops,
            special,
            village,
            grid,
        });
    }
    // Duplicates are checked once every feature passed its own checks, with
    // borrowed ids, which saves cloning 120,000 strings into the map.
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(out.len());
    for (index, h) in out.iter().enumerate() {
        if let Some(first) = seen.insert(h.id.as_str(), index) {
            return Err(ReadError::DuplicateId {
                file,
                id: h.id.clone(),
                first,
                second: index,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::test_support::*;
    use std::fmt::Write as _;

    #[test]
    fn happy_path_households() {
        let body = fc(&[
            point(
                "\"id\":\"A\",\"households\":3,\"population\":7.5,\"rental\":1,\"shops\":0,\"special\":2,\"village\":\"330302001001\",\"grid\":\"330302001001001\",\"name\":{\"x\":1}",
                "[120.7,28.0,12.0]",
            ),
            // Top-level id (number) and no properties at all.
            "{\"type\":\"Feature\",\"id\":17,\"properties\":null,\"geometry\":{\"type\":\"Point\",\"coordinates\":[120.71,28.01]}}".into(),
            // The property id wins and 18.0 reads as "18"; households null means 1.
            "{\"type\":\"Feature\",\"id\":\"ignored\",\"properties\":{\"id\":18.0,\"households\":null,\"village\":330302001002},\"geometry\":{\"type\":\"Point\",\"coordinates\":[120.72,28.02]}}".into(),
        ]);
        let v = hh(&format!("\u{feff}{body}")).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].id, "A");
        assert_eq!((v[0].lon, v[0].lat), (120.7, 28.0));
        assert_eq!(v[0].households, 3);
        assert_eq!(v[0].population, Some(7.5));
        assert_eq!((v[0].rental, v[0].shops, v[0].special), (1.0, 0.0, 2.0));
        assert_eq!(v[0].village.as_deref(), Some("330302001001"));
        assert_eq!(v[0].grid.as_deref(), Some("330302001001001"));
        assert_eq!(v[1].id, "17");
        assert_eq!(v[1].households, 1);
        assert_eq!(v[1].population, None);
        assert_eq!(v[2].id, "18");
        assert_eq!(v[2].village.as_deref(), Some("330302001002"));
    }

    #[test]
    fn invalid_json_has_line_and_column() {
        let body = "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\n\"properties\":{\"id\":\"a\"} \"geometry\":null}]}";
        let e = hh(body).unwrap_err();
        let m = e.to_string();
        assert!(
            matches!(
                e,
                ReadError::InvalidJson {
                    line: 3,
                    feature: Some(0),
                    ..
                }
            ),
            "{m}"
        );
        assert!(
            m.contains("households.geojson: invalid JSON at line 3 column"),
            "{m}"
        );
        assert!(m.contains("(in feature 0)"), "{m}");
    }

    #[test]
    fn huge_number_is_invalid_json() {
        // serde_json refuses 1e400 rather than producing infinity.
        let e = hh(&fc(&[ok_point("H0"), point("\"id\":\"H1\"", "[1e400,28]")])).unwrap_err();
        let m = e.to_string();
        assert!(
            matches!(
                e,
                ReadError::InvalidJson {
                    feature: Some(1),
                    ..
                }
            ),
            "{m}"
        );
        assert!(m.contains("number out of range"), "{m}");
    }

    #[test]
    fn wrong_shape_is_invalid_geojson() {
        let e = hh("{\"type\":\"FeatureCollection\",\"features\":{}}").unwrap_err();
        assert!(matches!(e, ReadError::InvalidGeoJson { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("households.geojson: invalid GeoJSON at line 1"),
            "{e}"
        );
    }

    #[test]
    fn not_a_feature_collection() {
        let e = hh("{\"type\":\"Feature\",\"geometry\":null,\"properties\":{}}").unwrap_err();
        assert!(matches!(e, ReadError::NotFeatureCollection { .. }));
        assert!(
            e.to_string()
                .ends_with("expected a GeoJSON FeatureCollection, found type \"Feature\""),
            "{e}"
        );
        let e = hh("[1,2]").unwrap_err();
        assert!(e.to_string().contains("found an array"), "{e}");
    }

    #[test]
    fn not_a_feature() {
        let (e, m) = hh_err("{\"type\":\"Point\",\"coordinates\":[1,2]}".into());
        assert!(matches!(e, ReadError::NotAFeature { index: 1, .. }), "{m}");
        assert!(
            m.contains("feature 1: expected a GeoJSON Feature, found type \"Point\""),
            "{m}"
        );
    }

    #[test]
    fn empty_collection() {
        let e = hh(&fc(&[])).unwrap_err();
        assert!(matches!(e, ReadError::Empty { .. }), "{e}");
    }

    #[test]
    fn missing_and_wrong_geometry() {
        let (e, m) = hh_err(
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"H1\"},\"geometry\":null}".into(),
        );
        assert!(matches!(e, ReadError::WrongGeometry { .. }), "{m}");
        assert!(
            m.contains("feature 1 (id \"H1\"): geometry must be a Point, got null"),
            "{m}"
        );
        let (_, m) = hh_err(
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"H1\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]}}".into(),
        );
        assert!(
            m.contains("feature 1 (id \"H1\"): geometry must be a Point, got LineString"),
            "{m}"
        );
    }

    #[test]
    fn malformed_coordinates() {
        let (e, m) = hh_err(point("\"id\":\"H1\"", "[120.7]"));
        assert!(matches!(e, ReadError::BadCoordinates { .. }), "{m}");
        assert!(
            m.contains(
                "feature 1 (id \"H1\"): malformed coordinates: a position needs 2 numbers, got 1"
            ),
            "{m}"
        );
    }

    #[test]
    fn missing_id() {
        let (e, m) = hh_err(point("\"households\":2", "[120.7,28]"));
        assert!(matches!(e, ReadError::MissingId { index: 1, .. }), "{m}");
        assert!(
            m.contains("households.geojson: feature 1: missing id"),
            "{m}"
        );
    }

    #[test]
    fn bad_id() {
        let (e, m) = hh_err(point("\"id\":true", "[120.7,28]"));
        assert!(matches!(e, ReadError::BadId { index: 1, .. }), "{m}");
        assert!(
            m.contains("feature 1: id must be a non-empty string or a number, got true"),
            "{m}"
        );
        let (_, m) = hh_err(point("\"id\":[1]", "[120.7,28]"));
        assert!(m.contains("got an array"), "{m}");
    }

    #[test]
    fn duplicate_id_names_both_features() {
        let e = hh(&fc(&[
            ok_point("H0"),
            ok_point("X"),
            ok_point("H2"),
            ok_point("X"),
        ]))
        .unwrap_err();
        assert!(
            matches!(
                e,
                ReadError::DuplicateId {
                    first: 1,
                    second: 3,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().contains(
                "households.geojson: feature 3 (id \"X\"): duplicate id, already used by feature 1"
            ),
            "{e}"
        );
        // A number id and the same text collide too.
        let e = hh(&fc(&[point("\"id\":17", "[120.7,28]"), ok_point("17")])).unwrap_err();
        assert!(
            matches!(
                e,
                ReadError::DuplicateId {
                    first: 0,
                    second: 1,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn households_rules() {
        let (e, m) = hh_err(point("\"id\":\"H17\",\"households\":0", "[120.7,28]"));
        assert!(matches!(e, ReadError::BadHouseholds { .. }), "{m}");
        assert!(m.contains("households.geojson: feature 1 (id \"H17\"): households must be an integer >= 1, got 0"), "{m}");
        let (_, m) = hh_err(point("\"id\":\"H17\",\"households\":2.5", "[120.7,28]"));
        assert!(
            m.ends_with("households must be an integer >= 1, got 2.5"),
            "{m}"
        );
        let (_, m) = hh_err(point("\"id\":\"H17\",\"households\":\"3\"", "[120.7,28]"));
        assert!(
            m.ends_with("households must be an integer >= 1, got \"3\""),
            "{m}"
        );
        let (_, m) = hh_err(point("\"id\":\"H17\",\"households\":-2", "[120.7,28]"));
        assert!(m.ends_with("got -2"), "{m}");
        // 4.0 is an integer.
        let v = hh(&fc(&[point(
            "\"id\":\"a\",\"households\":4.0",
            "[120.7,28]",
        )]))
        .unwrap();
        assert_eq!(v[0].households, 4);
    }

    #[test]
    fn negative_workload_factor() {
        for prop in ["population", "rental", "shops", "special"] {
            let (e, m) = hh_err(point(
                &format!("\"id\":\"H1\",\"{prop}\":-1.5"),
                "[120.7,28]",
            ));
            assert!(matches!(e, ReadError::Negative { .. }), "{m}");
            assert!(
                m.contains(&format!(
                    "feature 1 (id \"H1\"): {prop} must be >= 0, got -1.5"
                )),
                "{m}"
            );
        }
    }

    #[test]
    fn non_number_workload_factor() {
        let (e, m) = hh_err(point("\"id\":\"H1\",\"rental\":\"many\"", "[120.7,28]"));
        assert!(
            matches!(
                e,
                ReadError::NotANumber {
                    property: "rental",
                    ..
                }
            ),
            "{m}"
        );
        assert!(
            m.contains("feature 1 (id \"H1\"): rental must be a number >= 0, got \"many\""),
            "{m}"
        );
    }

    #[test]
    fn non_text_village() {
        let (e, m) = hh_err(point("\"id\":\"H1\",\"village\":{}", "[120.7,28]"));
        assert!(
            matches!(
                e,
                ReadError::NotText {
                    property: "village",
                    ..
                }
            ),
            "{m}"
        );
        assert!(
            m.contains("feature 1 (id \"H1\"): village must be a string, got an object"),
            "{m}"
        );
    }

    #[test]
    fn non_finite_coordinate() {
        let (e, m) = hh_err(point("\"id\":\"H1\"", "[null,28]"));
        assert!(matches!(e, ReadError::NonFiniteCoordinate { .. }), "{m}");
        assert!(
            m.contains("feature 1 (id \"H1\"): coordinates must be finite numbers, got null"),
            "{m}"
        );
        let (_, m) = hh_err(point("\"id\":\"H1\"", "[\"120.7\",28]"));
        assert!(m.ends_with("got \"120.7\""), "{m}");
        // NaN is not JSON at all.
        let e = hh(&fc(&[point("\"id\":\"H1\"", "[NaN,28]")])).unwrap_err();
        assert!(matches!(e, ReadError::InvalidJson { .. }), "{e}");
    }

    #[test]
    fn swapped_coordinates() {
        let (e, m) = hh_err(point("\"id\":\"H1\"", "[28.0,120.7]"));
        assert!(matches!(e, ReadError::Swapped { .. }), "{m}");
        assert!(m.contains("feature 1 (id \"H1\"): longitude and latitude look swapped: got longitude 28, latitude 120.7"), "{m}");
        // In range but swapped for China: still flagged.
        let (e, _) = hh_err(point("\"id\":\"H1\"", "[30.2,80.1]"));
        assert!(matches!(e, ReadError::Swapped { .. }));
    }

    #[test]
    fn out_of_range_coordinates() {
        let (e, m) = hh_err(point("\"id\":\"H1\"", "[200.0,28.0]"));
        assert!(matches!(e, ReadError::OutOfRange { .. }), "{m}");
        assert!(m.contains("feature 1 (id \"H1\"): position out of range: longitude must be in [-180, 180] and latitude in [-90, 90], got longitude 200, latitude 28"), "{m}");
        let (e, _) = hh_err(point("\"id\":\"H1\"", "[120.0,-95.0]"));
        assert!(matches!(e, ReadError::OutOfRange { .. }));
    }

    #[test]
    fn missing_file_is_io() {
        let e = read_households(Path::new("/nonexistent/households.geojson"), None).unwrap_err();
        assert!(matches!(e, ReadError::Io { .. }));
        assert!(
            e.to_string()
                .starts_with("/nonexistent/households.geojson: cannot read"),
            "{e}"
        );
    }

    /// Measures reading 120,000 point features (~20 MB).
    /// `cargo test --release --lib read::households::tests::read_speed -- --ignored --nocapture`
    #[test]
    #[ignore = "timing"]
    fn read_speed() {
        let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for i in 0..120_000 {
            if i > 0 {
                s.push_str(",\n");
            }
            let lon = 120.5 + f64::from(i % 1000) * 1.234_567e-4;
            let lat = 27.5 + f64::from(i / 1000) * 2.345_678e-3;
            let _ = write!(
                s,
                "{{\"type\":\"Feature\",\"properties\":{{\"id\":\"H{i:07}\",\"households\":{},\"population\":{},\"rental\":0,\"village\":\"3303020010{:02}\",\"address\":\"浙江省温州市某某区某某街道某某路{i}号\"}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{lon:.7},{lat:.7}]}}}}",
                1 + i % 9,
                3 + i % 17,
                i % 100
            );
        }
        s.push_str("]}\n");
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "households.geojson", &s);
        let t = std::time::Instant::now();
        let v = read_households(&p, None).unwrap();
        let dt = t.elapsed();
        eprintln!(
            "read {} households, {:.1} MB, in {:?}",
            v.len(),
            s.len() as f64 / 1e6,
            dt
        );
        assert_eq!(v.len(), 120_000);
    }
}
