//! The barriers FeatureCollection (`--barriers`): rivers, canals, water
//! bodies, railways and roads that grid borders should follow
//! (docs/DESIGN.md §9).
//!
//! # Parameters
//! - the file;
//! - the kinds that are hard unless a feature says otherwise
//!   (`--hard-barriers`, default [`BarrierKind::HARD_BY_DEFAULT`]).
//!
//! # Algorithm
//! 1. Parse the collection with the shared reader (an empty collection is
//!    allowed: no barriers).
//! 2. Per feature, in file order: `kind` (required, through
//!    [`BarrierKind::parse`]), `name` (optional text), `hard` (optional
//!    boolean), then the geometry. A LineString or MultiLineString gives
//!    its lines; a Polygon or MultiPolygon (a lake, a reservoir) gives the
//!    outline of every ring, closed, checked like a boundary's rings.
//! 3. Repeated consecutive positions are dropped (zero-length segments
//!    carry no direction); a line left with fewer than 2 positions is an
//!    error.
//! 4. `hard` is resolved here: the feature's own `hard`, else whether its
//!    kind is in the hard kinds.
//!
//! # Choices where DESIGN is silent
//! - `hard` also accepts 0/1 and the strings "true"/"false" (any case),
//!   which spreadsheets and Shapefile conversions write for booleans; null
//!   is absent.
//! - Other properties (`osm_id`, `highway`, ...) are ignored.
//!
//! # Complexity
//! Linear in the file size.
//!
//! # Errors
//! [`ReadError`]: the shared per-feature variants (geometry, coordinates,
//! rings, text), [`ReadError::BadBarrierKind`], [`ReadError::NotBool`] and
//! [`ReadError::DegenerateLine`].

use std::path::Path;

use serde::Deserialize;

use super::errors::{At, ReadError, Unit};
use super::geojson::{Coords, Loose, RawFeature, RawGeometry, parse_bytes, read_bytes};
use super::records::LayerProps;
use super::source::{Format, Found, LAYER_EXTENSIONS, Read, ReadOptions, Source, layer_records};
use super::validate::{Frame, geometry_kind, list, multipolygon, opt_text, position};
use crate::input::crs::Crs;
use crate::model::ground::{Barrier, BarrierKind};

/// The kinds a barrier's `kind` (and `--hard-barriers`) accepts, as
/// messages and help texts list them; [`BarrierKind::parse`] is the
/// authority, and a test keeps the two in step.
pub const ACCEPTED_KINDS: &str = "motorway, trunk, primary, secondary, tertiary, residential, \
     railway (or rail), river, canal, stream, drain, water, other, \
     or the Chinese 河, 江, 溪, 渠, 湖, 水库, 铁路, 高速, 国道, 省道, 县道, 主干道, 次干道, 支路";

/// The properties a barrier may carry.
#[derive(Deserialize, Default)]
struct BarrierProps<'a> {
    #[serde(default, borrow)]
    kind: Option<Loose<'a>>,
    #[serde(default, borrow)]
    name: Option<Loose<'a>>,
    #[serde(default, borrow)]
    hard: Option<Loose<'a>>,
}

/// Reads the barriers FeatureCollection. `hard_kinds` are the kinds that
/// are hard when a feature has no `hard` property of its own.
///
/// Positions are read in `crs` when given, else in the system the file's
/// `crs` member declares, else WGS84, and come back in WGS84
/// (crate::input::crs).
///
/// # Errors
/// See the module docs.
pub fn read_barriers(
    path: &Path,
    hard_kinds: &[BarrierKind],
    crs: Option<Crs>,
) -> Result<Vec<Barrier>, ReadError> {
    read_barriers_with(
        path,
        hard_kinds,
        &ReadOptions {
            crs,
            ..ReadOptions::default()
        },
    )
    .map(|r| r.value)
}

/// Reads the barriers from GeoJSON, a Shapefile or a GeoPackage layer (by
/// extension).
///
/// # Errors
/// As [`read_barriers`], plus the format's own.
pub fn read_barriers_with(
    path: &Path,
    hard_kinds: &[BarrierKind],
    opts: &ReadOptions,
) -> Result<Read<Vec<Barrier>>, ReadError> {
    let src = Source::of(path, opts.layer.as_deref(), LAYER_EXTENSIONS)?;
    if src.format == Format::GeoJson {
        let (_, bytes) = read_bytes(&src.path)?;
        let (file, features, frame) =
            parse_bytes::<BarrierProps>(src.file.clone(), &bytes, opts.crs)?;
        return Ok(Read {
            value: barriers_from(&file, features, hard_kinds, frame)?,
            found: Found::default(),
        });
    }
    let (file, found, features) = layer_records(&src, "barriers")?.features::<BarrierProps>();
    let frame = found.frame(&file, opts.crs)?;
    Ok(Read {
        value: barriers_from(&file, features, hard_kinds, frame)?,
        found,
    })
}

impl LayerProps for BarrierProps<'static> {
    const KEYS: &'static [&'static str] = &["kind", "name", "hard"];
    fn set(&mut self, slot: usize, value: Loose<'static>) {
        let v = Some(value);
        match slot {
            0 => self.kind = v,
            1 => self.name = v,
            _ => self.hard = v,
        }
    }
}

fn barriers_from(
    file: &str,
    features: Vec<RawFeature<'_, BarrierProps<'_>>>,
    hard_kinds: &[BarrierKind],
    frame: Frame,
) -> Result<Vec<Barrier>, ReadError> {
    let mut out = Vec::with_capacity(features.len());
    for (index, f) in features.into_iter().enumerate() {
        let props = f.properties.unwrap_or_default();
        // A barrier has no code; its name, when it has one, is what a
        // planner recognises in a message.
        let unnamed = || {
            Box::new(At {
                file: file.to_owned(),
                index,
                key: "name",
                id: None,
                unit: Unit::Feature,
                column: None,
            })
        };
        let name = opt_text(props.name.as_ref(), "name", &unnamed)?.unwrap_or_default();
        let at = || {
            Box::new(At {
                file: file.to_owned(),
                index,
                key: "name",
                id: (!name.is_empty()).then(|| name.clone()),
                unit: Unit::Feature,
                column: None,
            })
        };
        let kind = kind_of(props.kind.as_ref(), &at)?;
        let hard = bool_of(props.hard.as_ref(), "hard", &at)?
            .unwrap_or_else(|| hard_kinds.contains(&kind));
        let lines = lines_of(&f.geometry, frame, &at)?;
        out.push(Barrier {
            feature: index,
            kind,
            name,
            hard,
            lines,
        });
    }
    Ok(out)
}

/// The required `kind`.
fn kind_of(v: Option<&Loose<'_>>, at: &dyn Fn() -> Box<At>) -> Result<BarrierKind, ReadError> {
    let bad = |found: String| ReadError::BadBarrierKind { at: at(), found };
    match v {
        None | Some(Loose::Null) => Err(bad("nothing".into())),
        Some(l @ Loose::Str(s)) => BarrierKind::parse(s).ok_or_else(|| bad(l.describe())),
        Some(l) => Err(bad(l.describe())),
    }
}

/// An optional boolean: true/false, 0/1, or "true"/"false" in any case.
fn bool_of(
    v: Option<&Loose<'_>>,
    property: &'static str,
    at: &dyn Fn() -> Box<At>,
) -> Result<Option<bool>, ReadError> {
    match v {
        None | Some(Loose::Null) => Ok(None),
        Some(Loose::Bool(b)) => Ok(Some(*b)),
        Some(Loose::Int(0) | Loose::UInt(0)) => Ok(Some(false)),
        Some(Loose::Int(1) | Loose::UInt(1)) => Ok(Some(true)),
        Some(Loose::Str(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Loose::Str(s)) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(l) => Err(ReadError::NotBool {
            at: at(),
            property,
            found: l.describe(),
        }),
    }
}

/// The barrier lines of a geometry: its lines, or its rings' outlines.
#[expect(
    clippy::ref_option,
    reason = "the readers match on the geometry field as serde left it"
)]
fn lines_of(
    g: &Option<RawGeometry<'_>>,
    frame: Frame,
    at: &dyn Fn() -> Box<At>,
) -> Result<Vec<Vec<[f64; 2]>>, ReadError> {
    let wrong = || ReadError::WrongGeometry {
        at: at(),
        expected: "a LineString, MultiLineString, Polygon or MultiPolygon",
        found: geometry_kind(g),
    };
    let Some(RawGeometry {
        kind: Some(Loose::Str(kind)),
        coordinates,
    }) = g
    else {
        return Err(wrong());
    };
    let coords = || {
        coordinates
            .as_ref()
            .ok_or_else(|| ReadError::BadCoordinates {
                at: at(),
                reason: "the geometry has no \"coordinates\"".into(),
            })
    };
    match kind.as_ref() {
        "LineString" => Ok(vec![line(coords()?, 0, frame, at)?]),
        "MultiLineString" => {
            let lines = list(coords()?, "an array of lines", at)?;
            if lines.is_empty() {
                return Err(ReadError::EmptyGeometry {
                    at: at(),
                    what: "the MultiLineString has no lines".into(),
                });
            }
            lines
                .iter()
                .enumerate()
                .map(|(i, l)| line(l, i, frame, at))
                .collect()
        }
        // Rings are checked as a boundary's are (closed, at least 4
        // positions, non-zero area): a water body's outline is a polygon.
        "Polygon" | "MultiPolygon" => Ok(multipolygon(g, frame, at)?
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|ring| ring.0.iter().map(|c| [c.x, c.y]).collect())
            .collect()),
        _ => Err(wrong()),
    }
}

/// One line: at least 2 positions once repeats are dropped.
fn line(
    c: &Coords,
    index: usize,
    frame: Frame,
    at: &dyn Fn() -> Box<At>,
) -> Result<Vec<[f64; 2]>, ReadError> {
    let raw = list(c, "a line (an array of positions)", at)?;
    let mut pts: Vec<[f64; 2]> = Vec::with_capacity(raw.len());
    for p in raw {
        let q = position(p, frame, at)?;
        if pts.last() != Some(&[q.x, q.y]) {
            pts.push([q.x, q.y]);
        }
    }
    if pts.len() < 2 {
        return Err(ReadError::DegenerateLine {
            at: at(),
            line: index,
            distinct: pts.len(),
        });
    }
    Ok(pts)
}

/// The kinds of a comma-separated list such as `--hard-barriers
/// river,railway,高速`, sorted and without repeats; `none` is the empty
/// list (every barrier soft unless it says `hard`).
///
/// # Errors
/// A message naming the first unknown or empty entry and the accepted
/// kinds.
pub fn parse_kind_list(text: &str) -> Result<Vec<BarrierKind>, String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut kinds = Vec::new();
    for item in text.split(',') {
        if item.trim().is_empty() {
            return Err(format!(
                "empty barrier kind in {text:?}; give kinds separated by commas, or none"
            ));
        }
        let kind = BarrierKind::parse(item).ok_or_else(|| {
            format!(
                "unknown barrier kind {:?}; accepted: {ACCEPTED_KINDS}, or none",
                item.trim()
            )
        })?;
        kinds.push(kind);
    }
    kinds.sort_unstable();
    kinds.dedup();
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::test_support::*;

    const HARD: &[BarrierKind] = &BarrierKind::HARD_BY_DEFAULT;

    fn line_geom(coords: &str) -> String {
        format!("{{\"type\":\"LineString\",\"coordinates\":{coords}}}")
    }

    fn br(features: &[String]) -> Result<Vec<Barrier>, ReadError> {
        let dir = tempfile::tempdir().unwrap();
        read_barriers(&write(&dir, "barriers.geojson", &fc(features)), HARD, None)
    }

    fn br_err(features: &[String]) -> (ReadError, String) {
        let e = br(features).unwrap_err();
        // The message starts with the path as given: a temporary folder.
        let m = e.to_string();
        let at = m.find("barriers.geojson").expect(&m);
        (e, m[at..].to_owned())
    }

    #[test]
    fn barriers_of_every_geometry_with_hard_resolved() {
        let multi = "{\"type\":\"MultiLineString\",\"coordinates\":[[[120,28],[120.1,28]],[[120.2,28],[120.2,28],[120.3,28.1]]]}";
        let b = br(&[
            unit(
                "\"kind\":\"river\",\"name\":\"Feiyun\",\"osm_id\":7",
                &line_geom("[[120,28],[120.1,28.05],[120.2,28]]"),
            ),
            unit("\"kind\":\"次干道\",\"hard\":true", multi),
            unit(
                "\"kind\":\"水库\",\"hard\":\"False\"",
                &square(120.0, 28.0, 0.01),
            ),
            unit(
                "\"kind\":\"secondary\",\"hard\":null",
                &line_geom("[[120,28],[121,28]]"),
            ),
        ])
        .unwrap();
        assert_eq!(b.len(), 4);
        assert_eq!(b[0].kind, BarrierKind::River);
        assert_eq!(b[0].name, "Feiyun");
        assert!(b[0].hard, "rivers are hard by default");
        assert_eq!(
            b[0].lines,
            vec![vec![[120.0, 28.0], [120.1, 28.05], [120.2, 28.0]]]
        );
        assert_eq!(b[1].kind, BarrierKind::Secondary);
        assert!(b[1].hard, "the feature's own hard wins");
        assert_eq!(b[1].name, "");
        // The repeated position is dropped.
        assert_eq!(b[1].lines[1], vec![[120.2, 28.0], [120.3, 28.1]]);
        assert_eq!(b[2].kind, BarrierKind::Water);
        assert!(!b[2].hard, "the feature's own hard wins");
        assert_eq!(b[2].lines.len(), 1);
        assert_eq!(b[2].lines[0].len(), 5);
        assert_eq!(b[2].lines[0].first(), b[2].lines[0].last());
        assert!(!b[3].hard, "secondary roads are soft by default");
        assert_eq!(b[3].feature, 3);
        // An empty file is no barriers.
        assert!(br(&[]).unwrap().is_empty());
    }

    #[test]
    fn hard_kinds_decide_when_the_feature_is_silent() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "barriers.geojson",
            &fc(&[
                unit("\"kind\":\"river\"", &line_geom("[[120,28],[121,28]]")),
                unit("\"kind\":\"secondary\"", &line_geom("[[120,28],[121,28]]")),
            ]),
        );
        let b = read_barriers(&p, &[BarrierKind::Secondary], None).unwrap();
        assert!(!b[0].hard);
        assert!(b[1].hard);
    }

    #[test]
    fn unknown_or_missing_kind_lists_the_accepted_kinds() {
        let (e, m) = br_err(&[
            unit("\"kind\":\"river\"", &line_geom("[[120,28],[121,28]]")),
            unit(
                "\"kind\":\"footway\",\"name\":\"Path\"",
                &line_geom("[[120,28],[121,28]]"),
            ),
        ]);
        assert!(matches!(e, ReadError::BadBarrierKind { .. }), "{m}");
        assert!(
            m.starts_with(
                "barriers.geojson: feature 1 (name \"Path\"): kind must be one of motorway, trunk,"
            ),
            "{m}"
        );
        assert!(m.contains("河, 江"), "{m}");
        assert!(m.ends_with("got \"footway\""), "{m}");
        let (_, m) = br_err(&[unit("\"name\":\"X\"", &line_geom("[[120,28],[121,28]]"))]);
        assert!(m.ends_with("got nothing"), "{m}");
        let (_, m) = br_err(&[unit("\"kind\":3", &line_geom("[[120,28],[121,28]]"))]);
        assert!(
            m.starts_with("barriers.geojson: feature 0: kind must"),
            "{m}"
        );
        assert!(m.ends_with("got 3"), "{m}");
    }

    #[test]
    fn bad_hard_is_an_error() {
        let (e, m) = br_err(&[unit(
            "\"kind\":\"river\",\"hard\":\"yes please\"",
            &line_geom("[[120,28],[121,28]]"),
        )]);
        assert!(matches!(e, ReadError::NotBool { .. }), "{m}");
        assert!(
            m.contains("feature 0: hard must be true or false, got \"yes please\""),
            "{m}"
        );
    }

    #[test]
    fn degenerate_lines_name_the_feature() {
        let (e, m) = br_err(&[
            unit("\"kind\":\"river\"", &line_geom("[[120,28],[121,28]]")),
            unit(
                "\"kind\":\"canal\",\"name\":\"C\"",
                &line_geom("[[120,28],[120,28],[120,28]]"),
            ),
        ]);
        assert!(
            matches!(
                e,
                ReadError::DegenerateLine {
                    line: 0,
                    distinct: 1,
                    ..
                }
            ),
            "{m}"
        );
        assert!(
            m.contains(
                "barriers.geojson: feature 1 (name \"C\"): line 0 has 1 distinct position(s); a barrier line needs at least 2"
            ),
            "{m}"
        );
        let (_, m) = br_err(&[unit("\"kind\":\"river\"", &line_geom("[]"))]);
        assert!(m.contains("line 0 has 0 distinct"), "{m}");
        let multi =
            "{\"type\":\"MultiLineString\",\"coordinates\":[[[120,28],[121,28]],[[120,28]]]}";
        let (_, m) = br_err(&[unit("\"kind\":\"river\"", multi)]);
        assert!(m.contains("line 1 has 1 distinct"), "{m}");
        let empty = "{\"type\":\"MultiLineString\",\"coordinates\":[]}";
        let (e, m) = br_err(&[unit("\"kind\":\"river\"", empty)]);
        assert!(matches!(e, ReadError::EmptyGeometry { .. }), "{m}");
    }

    #[test]
    fn wrong_geometry_and_bad_coordinates() {
        let (e, m) = br_err(&[unit(
            "\"kind\":\"river\"",
            "{\"type\":\"Point\",\"coordinates\":[120,28]}",
        )]);
        assert!(matches!(e, ReadError::WrongGeometry { .. }), "{m}");
        assert!(
            m.contains(
                "geometry must be a LineString, MultiLineString, Polygon or MultiPolygon, got Point"
            ),
            "{m}"
        );
        let (e, m) = br_err(&[unit(
            "\"kind\":\"river\"",
            &line_geom("[[120,28],[null,28]]"),
        )]);
        assert!(matches!(e, ReadError::NonFiniteCoordinate { .. }), "{m}");
        assert!(
            m.contains("coordinates must be finite numbers, got null"),
            "{m}"
        );
        let (e, m) = br_err(&[unit(
            "\"kind\":\"river\"",
            &line_geom("[[120,28],[28,120.5]]"),
        )]);
        assert!(matches!(e, ReadError::Swapped { .. }), "{m}");
        // A water body's ring is checked like a boundary's.
        let flat =
            "{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[120.1,28],[120.2,28],[120,28]]]}";
        let (e, m) = br_err(&[unit("\"kind\":\"water\"", flat)]);
        assert!(matches!(e, ReadError::ZeroArea { .. }), "{m}");
    }

    #[test]
    fn accepted_kinds_agree_with_parse() {
        for k in BarrierKind::ALL {
            assert!(ACCEPTED_KINDS.contains(k.as_str()), "{k:?}");
        }
        let chinese = ACCEPTED_KINDS.split_once("Chinese ").unwrap().1;
        for word in chinese.split(", ") {
            assert!(BarrierKind::parse(word).is_some(), "{word}");
        }
    }

    #[test]
    fn kind_lists_parse() {
        assert_eq!(
            parse_kind_list("river, railway,河").unwrap(),
            vec![BarrierKind::Railway, BarrierKind::River]
        );
        assert_eq!(parse_kind_list(" None ").unwrap(), vec![]);
        let e = parse_kind_list("river,footway").unwrap_err();
        assert!(
            e.starts_with("unknown barrier kind \"footway\"; accepted: motorway,"),
            "{e}"
        );
        let e = parse_kind_list("river,,canal").unwrap_err();
        assert!(e.starts_with("empty barrier kind"), "{e}");
    }
}
