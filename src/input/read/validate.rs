//! Validation helpers shared by the readers: geometry, coordinates, rings,
//! text and number properties, and codes (step 3 of the module overview).

use geo::orient::{Direction, Orient};
use geo::{Area, Coord, LineString, MultiPolygon, Polygon};

use super::errors::{At, ReadError, Unit};
use super::geojson::{Coords, Loose, RawGeometry, UnitProps};
use crate::input::crs::{Crs, Implausible, plausible};

// ---------------------------------------------------------------------------
// Validation helpers.

#[expect(
    clippy::ref_option,
    reason = "the readers match on the geometry field as serde left it"
)]
pub(super) fn geometry_kind(g: &Option<RawGeometry<'_>>) -> String {
    match g {
        None => "null".into(),
        Some(RawGeometry { kind: None, .. }) => "a geometry without \"type\"".into(),
        Some(RawGeometry { kind: Some(k), .. }) => match k {
            Loose::Str(s) => s.to_string(),
            other => other.describe(),
        },
    }
}

/// Checks one position and returns it as a WGS84 coordinate.
pub(super) fn position(
    c: &Coords,
    frame: Frame,
    at: &dyn Fn() -> Box<At>,
) -> Result<Coord<f64>, ReadError> {
    let bad_value = |found: String| ReadError::NonFiniteCoordinate { at: at(), found };
    let (lon, lat) = match c {
        Coords::Pos { x, y, len } => {
            if *len < 2 {
                return Err(ReadError::BadCoordinates {
                    at: at(),
                    reason: format!("a position needs 2 numbers, got {len}"),
                });
            }
            match y {
                Ok(y) => (*x, *y),
                Err(found) => return Err(bad_value(found.clone())),
            }
        }
        // An array whose first element is not a number: either a bad
        // coordinate such as `[null, 28]`, or the wrong nesting depth.
        Coords::List(v) => match v.first() {
            Some(first @ (Coords::Bad(_) | Coords::List(_) | Coords::Pos { .. }))
                if v.len() >= 2 =>
            {
                return Err(if matches!(first, Coords::Bad(_)) {
                    bad_value(first.describe())
                } else {
                    ReadError::BadCoordinates {
                        at: at(),
                        reason: "expected a position [longitude, latitude], got an array of arrays"
                            .into(),
                    }
                });
            }
            _ => {
                return Err(ReadError::BadCoordinates {
                    at: at(),
                    reason: format!("a position needs 2 numbers, got {}", v.len()),
                });
            }
        },
        other => {
            return Err(ReadError::BadCoordinates {
                at: at(),
                reason: format!(
                    "expected a position [longitude, latitude], got {}",
                    other.describe()
                ),
            });
        }
    };
    frame.xy(lon, lat, at)
}

/// The coordinate system a file's positions are read in: the flag's, else
/// the file's declaration, else WGS84 (crate::input::crs, "Parameters").
/// Every position goes through [`Frame::xy`], which checks it against that
/// system and converts it to WGS84.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    /// The system used.
    pub(crate) crs: Crs,
    /// The system the file declares, if any (also when a flag overrides it).
    pub(crate) declared: Option<Crs>,
}

impl Frame {
    /// The frame of a file: `flag` wins over `declared`, and WGS84 is the
    /// default.
    pub(crate) fn new(flag: Option<Crs>, declared: Option<Crs>) -> Frame {
        Frame {
            crs: flag.or(declared).unwrap_or(crate::config::CRS),
            declared,
        }
    }

    /// One position `(x, y)` of the file: finite, plausible in the frame's
    /// system (crate::input::crs::plausible), and converted to WGS84.
    ///
    /// # Errors
    /// [`ReadError::NonFiniteCoordinate`], [`ReadError::Swapped`],
    /// [`ReadError::OutOfRange`] or [`ReadError::Implausible`], at `at`.
    pub(crate) fn xy(
        self,
        x: f64,
        y: f64,
        at: &dyn Fn() -> Box<At>,
    ) -> Result<Coord<f64>, ReadError> {
        for v in [x, y] {
            if !v.is_finite() {
                return Err(ReadError::NonFiniteCoordinate {
                    at: at(),
                    found: v.to_string(),
                });
            }
        }
        match plausible::to_wgs84(self.crs, x, y) {
            Ok([lon, lat]) => Ok(Coord { x: lon, y: lat }),
            Err(Implausible::Swapped { lon, lat }) => {
                Err(ReadError::Swapped { at: at(), lon, lat })
            }
            Err(Implausible::OutOfRange { x, y, likely: None }) => Err(ReadError::OutOfRange {
                at: at(),
                lon: x,
                lat: y,
            }),
            Err(rule) => Err(ReadError::Implausible {
                at: at(),
                rule,
                used: self.crs,
                declared: self.declared,
            }),
        }
    }
}

pub(super) fn list<'a>(
    c: &'a Coords,
    what: &str,
    at: &dyn Fn() -> Box<At>,
) -> Result<&'a [Coords], ReadError> {
    match c {
        Coords::List(v) => Ok(v),
        other => Err(ReadError::BadCoordinates {
            at: at(),
            reason: format!("expected {what}, got {}", other.describe()),
        }),
    }
}

pub(super) fn ring(
    c: &Coords,
    polygon: usize,
    ring: usize,
    frame: Frame,
    at: &dyn Fn() -> Box<At>,
) -> Result<LineString<f64>, ReadError> {
    let raw = list(c, "a ring (an array of positions)", at)?;
    let mut pts = raw
        .iter()
        .map(|p| position(p, frame, at))
        .collect::<Result<Vec<_>, _>>()?;
    let closed = pts.first() == pts.last();
    if pts.len() + usize::from(!closed) < 4 {
        return Err(ReadError::DegenerateRing {
            at: at(),
            polygon,
            ring,
            positions: raw.len(),
        });
    }
    if !closed {
        pts.push(pts[0]);
    }
    let ls = LineString::new(pts);
    // Area in square degrees (the positions are WGS84 by now) is enough to detect zero (collinear or
    // repeated positions); the scale does not matter for `== 0`.
    if Polygon::new(ls.clone(), vec![]).unsigned_area() == 0.0 {
        return Err(ReadError::ZeroArea {
            at: at(),
            polygon,
            ring,
        });
    }
    Ok(ls)
}

pub(super) fn polygon(
    c: &Coords,
    index: usize,
    frame: Frame,
    at: &dyn Fn() -> Box<At>,
) -> Result<Polygon<f64>, ReadError> {
    let rings = list(c, "a polygon (an array of rings)", at)?;
    if rings.is_empty() {
        return Err(ReadError::EmptyGeometry {
            at: at(),
            what: format!("polygon {index} has no rings"),
        });
    }
    let mut it = rings.iter().enumerate();
    let mut exterior = None;
    let mut interiors = Vec::with_capacity(rings.len() - 1);
    for (r, rc) in &mut it {
        let ls = ring(rc, index, r, frame, at)?;
        if r == 0 {
            exterior = Some(ls);
        } else {
            interiors.push(ls);
        }
    }
    let exterior = exterior.unwrap_or_else(|| LineString::new(vec![]));
    Ok(Polygon::new(exterior, interiors))
}

/// Converts a Polygon or MultiPolygon geometry, checking every ring.
#[expect(
    clippy::ref_option,
    reason = "the readers match on the geometry field as serde left it"
)]
pub(super) fn multipolygon(
    g: &Option<RawGeometry<'_>>,
    frame: Frame,
    at: &dyn Fn() -> Box<At>,
) -> Result<MultiPolygon<f64>, ReadError> {
    const EXPECTED: &str = "a Polygon or MultiPolygon";
    let wrong = || ReadError::WrongGeometry {
        at: at(),
        expected: EXPECTED,
        found: geometry_kind(g),
    };
    let Some(RawGeometry {
        kind: Some(Loose::Str(kind)),
        coordinates,
    }) = g
    else {
        return Err(wrong());
    };
    let missing = || ReadError::BadCoordinates {
        at: at(),
        reason: "the geometry has no \"coordinates\"".into(),
    };
    match kind.as_ref() {
        "Polygon" => {
            let c = coordinates.as_ref().ok_or_else(missing)?;
            Ok(MultiPolygon::new(vec![polygon(c, 0, frame, at)?]).orient(Direction::Default))
        }
        "MultiPolygon" => {
            let c = coordinates.as_ref().ok_or_else(missing)?;
            let polys = list(c, "an array of polygons", at)?;
            if polys.is_empty() {
                return Err(ReadError::EmptyGeometry {
                    at: at(),
                    what: "the MultiPolygon has no polygons".into(),
                });
            }
            let v = polys
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(p, i, frame, at))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(MultiPolygon::new(v).orient(Direction::Default))
        }
        _ => Err(wrong()),
    }
}

/// An optional text property: null and "" are absent; numbers become text.
pub(super) fn opt_text(
    v: Option<&Loose<'_>>,
    property: &'static str,
    at: &dyn Fn() -> Box<At>,
) -> Result<Option<String>, ReadError> {
    match v {
        None | Some(Loose::Null) => Ok(None),
        Some(l) => match l.text() {
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => Ok(Some(s)),
            None => Err(ReadError::NotText {
                at: at(),
                property,
                found: l.describe(),
            }),
        },
    }
}

/// An optional number >= 0.
pub(super) fn opt_number(
    v: Option<&Loose<'_>>,
    property: &'static str,
    at: &dyn Fn() -> Box<At>,
) -> Result<Option<f64>, ReadError> {
    match v {
        None | Some(Loose::Null) => Ok(None),
        Some(l) => match l.as_f64() {
            Some(x) if x < 0.0 => Err(ReadError::Negative {
                at: at(),
                property,
                value: x,
            }),
            Some(x) => Ok(Some(x)),
            None => Err(ReadError::NotANumber {
                at: at(),
                property,
                found: l.describe(),
            }),
        },
    }
}

/// The code of a boundary, zone or compound, required, and safe in every
/// output (crate::model::codes, "Code rules").
pub(super) fn code_of(
    file: &str,
    index: usize,
    props: &UnitProps<'_>,
) -> Result<String, ReadError> {
    let at = || {
        Box::new(At {
            file: file.to_owned(),
            index,
            key: "code",
            id: None,
            unit: Unit::Feature,
            column: None,
        })
    };
    let code =
        opt_text(props.code.as_ref(), "code", &at)?.ok_or_else(|| ReadError::MissingCode {
            file: file.to_owned(),
            index,
        })?;
    match crate::model::codes::code_problem(&code) {
        None => Ok(code),
        Some(reason) => Err(ReadError::BadCode {
            at: at(),
            code,
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{fc, point, write};
    use super::super::*;
    use crate::input::crs::{self, Crs};

    /// Households in EPSG:4528 around Rui'an, with `crs` as the top-level
    /// member (raw JSON, or none).
    fn gk_households(crs_member: Option<&str>) -> String {
        let zone = Crs::from_epsg(4528).unwrap();
        let pts: Vec<String> = [(120.65, 27.78), (120.66, 27.79)]
            .iter()
            .enumerate()
            .map(|(i, &(lon, lat))| {
                let [x, y] = crs::from_wgs84(zone, lon, lat);
                point(&format!("\"id\":\"H{i}\""), &format!("[{x},{y}]"))
            })
            .collect();
        let body = fc(&pts);
        match crs_member {
            Some(m) => body.replacen('{', &format!("{{\"crs\":{m},"), 1),
            None => body,
        }
    }

    fn read(body: &str, flag: Option<Crs>) -> Result<Vec<crate::model::Household>, ReadError> {
        let dir = tempfile::tempdir().unwrap();
        read_households(&write(&dir, "households.geojson", body), flag)
    }

    #[test]
    fn crs_member_is_honoured_and_flag_wins() {
        let named = r#"{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4528"}}"#;
        for member in [
            named,
            r#""EPSG:4528""#,
            r#"{"type":"EPSG","properties":{"code":4528}}"#,
        ] {
            let h = read(&gk_households(Some(member)), None).unwrap();
            assert!(
                (h[0].lon - 120.65).abs() < 1e-7 && (h[0].lat - 27.78).abs() < 1e-7,
                "{member}"
            );
        }
        // No declaration: metres read as WGS84 degrees, refused with the
        // likely system and the feature named.
        let m = read(&gk_households(None), None).unwrap_err().to_string();
        for needle in [
            "households.geojson: feature 0 (id \"H0\")",
            "EPSG:4528",
            "the default",
        ] {
            assert!(m.contains(needle), "{needle}: {m}");
        }
        // The flag wins over the declaration, and the message says both.
        let wrong = Crs::from_epsg(4549);
        let m = read(&gk_households(Some(named)), wrong)
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("given by the flag; the file declares EPSG:4528"),
            "{m}"
        );
        let h = read(&gk_households(Some(r#""EPSG:4490""#)), Crs::from_epsg(4528)).unwrap();
        assert!((h[1].lon - 120.66).abs() < 1e-7);
        // A null member declares nothing; an unknown one is refused unless a
        // flag overrides it.
        assert!(read(&gk_households(Some("null")), Crs::from_epsg(4528)).is_ok());
        let e = read(&gk_households(Some(r#""Mars 2000""#)), None).unwrap_err();
        assert!(matches!(e, ReadError::UnknownCrs { .. }), "{e}");
        assert!(e.to_string().contains("households.geojson"), "{e}");
        assert!(read(&gk_households(Some(r#""Mars 2000""#)), Crs::from_epsg(4528)).is_ok());
    }
}
