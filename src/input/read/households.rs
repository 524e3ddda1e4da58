//! The households FeatureCollection: one point per building.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use super::columns::{ColumnMap, Field, FieldValues, KeyCache, N_FIELDS};
use super::errors::{At, ReadError, Unit};
use super::geojson::{Loose, RawGeometry, parse_bytes, read_bytes};
use super::source::{Format, Found, HOUSEHOLD_EXTENSIONS, Read, ReadOptions, Source};
use super::validate::{Frame, geometry_kind, opt_number, opt_text, position};
use super::{gpkg, shp, table};
use crate::input::crs::Crs;
use crate::model::Household;

/// The household records of any format, fields resolved: what
/// [`households_from`] validates.
pub(super) struct HouseholdRows<'a> {
    /// The file, as given.
    pub file: String,
    /// Features or rows.
    pub unit: Unit,
    /// The row number of each record (tables); `None`: the index.
    pub numbers: Option<Vec<usize>>,
    /// The column each field was read from, by [`Field`] index, for
    /// messages; `None` for GeoJSON, whose properties carry the field's
    /// own name or are named in the rule.
    pub columns: [Option<String>; N_FIELDS],
    pub rows: Vec<HouseholdRow<'a>>,
}

/// One household record.
pub(super) struct HouseholdRow<'a> {
    /// The GeoJSON Feature's top-level `id`.
    pub feature_id: Option<Loose<'a>>,
    pub geometry: Option<RawGeometry<'a>>,
    pub fields: FieldValues<'a>,
}

/// A GeoJSON Feature's properties, every key kept (borrowed where the
/// JSON has no escapes), so that `[columns]` can name any of them.
struct AllProps<'a>(Vec<(Cow<'a, str>, Loose<'a>)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for AllProps<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AllPropsVisitor(std::marker::PhantomData))
    }
}

struct AllPropsVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> serde::de::Visitor<'de> for AllPropsVisitor<'a> {
    type Value = AllProps<'a>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object of properties")
    }
    fn visit_unit<E>(self) -> Result<AllProps<'a>, E> {
        Ok(AllProps(Vec::new()))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<AllProps<'a>, A::Error> {
        let mut v = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(key) = map.next_key::<Key<'a>>()? {
            v.push((key.0, map.next_value::<Loose<'a>>()?));
        }
        Ok(AllProps(v))
    }
}

/// A property key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Key<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Loose::deserialize(d)? {
            Loose::Str(s) => Ok(Key(s)),
            other => Ok(Key(Cow::Owned(other.describe()))),
        }
    }
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

/// Reads the households (docs/DESIGN.md §3) in input order, with the
/// default column names and no `--layer`.
///
/// Positions are read in `crs` when given, else in the system the file's
/// `crs` member declares, else WGS84, and come back in WGS84
/// (crate::input::crs).
///
/// # Errors
/// Any [`ReadError`] per-feature or whole-file variant; the first broken
/// rule in input order is reported.
pub fn read_households(path: &Path, crs: Option<Crs>) -> Result<Vec<Household>, ReadError> {
    let opts = ReadOptions {
        crs,
        ..ReadOptions::default()
    };
    read_households_with(path, &opts).map(|r| r.value)
}

/// Reads the households from GeoJSON, a Shapefile, a GeoPackage layer, a
/// CSV or an XLSX sheet (by extension), columns mapped by `opts`.
///
/// # Errors
/// As [`read_households`], plus the format's own (a missing `.dbf`, an
/// unknown layer, a column `[columns]` names that the file lacks, ...).
pub fn read_households_with(
    path: &Path,
    opts: &ReadOptions,
) -> Result<Read<Vec<Household>>, ReadError> {
    let src = Source::of(path, opts.layer.as_deref(), HOUSEHOLD_EXTENSIONS)?;
    let records = match src.format {
        Format::GeoJson => {
            let (_, bytes) = read_bytes(&src.path)?;
            let (file, features, frame) =
                parse_bytes::<AllProps>(src.file.clone(), &bytes, opts.crs)?;
            let value = households_from(geojson_rows(file, features, &opts.columns)?, frame)?;
            return Ok(Read {
                value,
                found: Found::default(),
            });
        }
        Format::Shapefile => shp::read(&src)?,
        Format::GeoPackage => gpkg::read(&src)?,
        Format::Csv => table::read_csv(&src)?,
        Format::Xlsx => table::read_xlsx(&src)?,
    };
    let table = matches!(src.format, Format::Csv | Format::Xlsx);
    let (rows, found) = records.households(&opts.columns, table)?;
    let frame = found.frame(&src.file, opts.crs)?;
    Ok(Read {
        value: households_from(rows, frame)?,
        found,
    })
}

/// GeoJSON features as household rows: properties mapped by `map`.
fn geojson_rows<'a>(
    file: String,
    features: Vec<super::geojson::RawFeature<'a, AllProps<'a>>>,
    map: &ColumnMap,
) -> Result<HouseholdRows<'a>, ReadError> {
    let mut cache = KeyCache::new(map);
    let rows = features
        .into_iter()
        .map(|f| HouseholdRow {
            feature_id: f.id,
            geometry: f.geometry,
            fields: cache.fields(f.properties.map(|p| p.0).unwrap_or_default()),
        })
        .collect::<Vec<_>>();
    if !rows.is_empty() {
        map.check_given(&file, &cache.present, &cache.keys())?;
    }
    Ok(HouseholdRows {
        file,
        unit: Unit::Feature,
        numbers: None,
        columns: Default::default(),
        rows,
    })
}

fn households_from(input: HouseholdRows<'_>, frame: Frame) -> Result<Vec<Household>, ReadError> {
    let HouseholdRows {
        file,
        unit,
        numbers,
        columns,
        rows,
    } = input;
    if rows.is_empty() {
        return Err(ReadError::Empty { file });
    }
    let number = |index: usize| numbers.as_ref().map_or(index, |n| n[index]);
    let mut out: Vec<Household> = Vec::with_capacity(rows.len());
    for (index, row) in rows.into_iter().enumerate() {
        out.push(household(
            &file,
            unit,
            number(index),
            &columns,
            &row,
            frame,
        )?);
    }
    // Duplicates are checked once every feature passed its own checks, with
    // borrowed ids, which saves cloning 120,000 strings into the map.
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(out.len());
    for (index, h) in out.iter().enumerate() {
        if let Some(first) = seen.insert(h.id.as_str(), index) {
            return Err(ReadError::DuplicateId {
                file,
                unit,
                id: h.id.clone(),
                first: number(first),
                second: number(index),
            });
        }
    }
    Ok(out)
}

/// The id of a household: the property (or column) wins over the
/// Feature member, because QGIS exports the attribute table into
/// properties and numbers features itself.
fn id_of(
    row: &HouseholdRow<'_>,
    at: &dyn Fn() -> Box<At>,
    at_column: &dyn Fn() -> Box<At>,
) -> Result<String, ReadError> {
    let raw_id = row
        .fields
        .get(Field::Id)
        .filter(|l| **l != Loose::Null)
        .or(row.feature_id.as_ref().filter(|l| **l != Loose::Null));
    let Some(l) = raw_id else {
        return Err(ReadError::MissingId { at: at() });
    };
    match l.text() {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(ReadError::BadId {
            at: at_column(),
            found: l.describe(),
        }),
    }
}

/// One household validated: id, point, then the fields.
fn household(
    file: &str,
    unit: Unit,
    index: usize,
    columns: &[Option<String>; N_FIELDS],
    row: &HouseholdRow<'_>,
    frame: Frame,
) -> Result<Household, ReadError> {
    let place = |id: Option<&String>, column: Option<String>| {
        Box::new(At {
            file: file.to_owned(),
            index,
            unit,
            key: "id",
            id: id.cloned(),
            column,
        })
    };
    let col = |f: Field| columns[f.index()].clone();
    let props = &row.fields;
    let id = id_of(row, &|| place(None, None), &|| place(None, col(Field::Id)))?;
    let at_of = |f: Option<Field>| {
        let column = match f {
            Some(f) => col(f),
            None => match (col(Field::Lon), col(Field::Lat)) {
                (Some(x), Some(y)) => Some(format!("{x}\", \"{y}")),
                _ => None,
            },
        };
        place(Some(&id), column)
    };
    let at = || at_of(None);
    let coord = match &row.geometry {
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
    let number = |f: Field| opt_number(props.get(f), f.key(), &|| at_of(Some(f)));
    let text = |f: Field| opt_text(props.get(f), f.key(), &|| at_of(Some(f)));
    let households = households_count(props.get(Field::Households), &|| {
        at_of(Some(Field::Households))
    })?;
    Ok(Household {
        lon: coord.x,
        lat: coord.y,
        households,
        population: number(Field::Population)?,
        rental: number(Field::Rental)?.unwrap_or(0.0),
        shops: number(Field::Shops)?.unwrap_or(0.0),
        special: number(Field::Special)?.unwrap_or(0.0),
        village: text(Field::Village)?,
        grid: text(Field::Grid)?,
        id,
    })
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
        assert!(
            matches!(e, ReadError::MissingId { at } if at.index == 1),
            "{m}"
        );
        assert!(
            m.contains("households.geojson: feature 1: missing id"),
            "{m}"
        );
    }

    #[test]
    fn bad_id() {
        let (e, m) = hh_err(point("\"id\":true", "[120.7,28]"));
        assert!(
            matches!(e, ReadError::BadId { at, .. } if at.index == 1),
            "{m}"
        );
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
        // In range: a valid Arctic position, read as given (issue 13);
        // swapped in CGCS2000, a system used in China alone.
        let dir = tempfile::tempdir().unwrap();
        let body = fc(&[point("\"id\":\"H1\"", "[30.2,80.1]")]);
        let f = write(&dir, "arctic.geojson", &body);
        assert!((read_households(&f, None).unwrap()[0].lat - 80.1).abs() < 1e-12);
        let e = read_households(&f, Some(crate::input::crs::Crs::Cgcs2000)).unwrap_err();
        assert!(matches!(e, ReadError::Swapped { .. }), "{e}");
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
