//! Reading and validating the inputs (docs/DESIGN.md §3).
//!
//! Three GeoJSON FeatureCollections come in: household points, administrative
//! boundaries and, optionally, dedicated zones; plus an `assignment.csv` for
//! `gridplan metrics`. Every rule of §3 is checked here, before any
//! projection or partitioning, so that a planner gets one precise message
//! naming the file, the 0-based feature index, the id and the rule broken,
//! with the numbers, for example
//! `households.geojson: feature 12 (id "H17"): households must be an integer >= 1, got 0`.
//!
//! # Parameters
//! Only paths. Whether a household lies in its declared village is checked
//! later by [`crate::input::locate`], because it needs the projected geometry.
//!
//! # Algorithm
//! 1. The file is read into memory in one call (a county's 20 MB is cheap)
//!    and a leading UTF-8 byte-order mark, which Windows GIS tools write, is
//!    skipped.
//! 2. serde_json parses it straight into private structs shaped like a
//!    FeatureCollection. Properties are parsed into a small "loose" value
//!    (null, bool, number, string, or a marker for arrays/objects) rather than
//!    a `serde_json::Value` map, so unknown properties are skipped without
//!    being allocated. A `Cell` tracks which feature is being parsed so that a
//!    syntax error deep in a file still names its feature.
//! 3. Each feature is validated in input order: id (the property `id` wins
//!    over the Feature's top-level `id`), geometry type, coordinates (numbers,
//!    in range, not swapped), then the properties. The first broken rule is
//!    returned, so the message points at the earliest bad feature.
//! 4. Whole-file rules follow (so a broken per-feature rule anywhere is
//!    reported before a duplicate): duplicate ids/codes (both indexes named), the
//!    boundary hierarchy (parents exist and sit one level up).
//!
//! # Choices where DESIGN is silent
//! - A JSON `null` property is treated as absent (QGIS and ogr2ogr write
//!   null for empty attributes), so `"households": null` means 1.
//! - An empty string for `village` or `grid` is treated as absent, for the
//!   same reason. Numbers are accepted for codes and ids and written without
//!   a fraction when integral (`17` and `17.0` both give `"17"`).
//! - A point with longitude in [3, 54] and latitude in [73, 136] is reported
//!   as swapped even when it is a valid position on Earth (the Arctic): this
//!   tool plans Chinese counties, and `[28.1, 120.7]` is a classic mistake.
//! - Rings that are not closed are closed silently (RFC 7946 requires
//!   closure, but many hand-made files omit it); a ring still needs at least
//!   4 positions counting the closing one, and a non-zero area.
//! - The "top level" of a boundaries file is the highest level present
//!   (county, else town, else village). Only top-level units may have no
//!   parent, or a parent outside the file (a county's city).
//! - Polygons are re-oriented to RFC 7946's right-hand rule (shells
//!   counter-clockwise, holes clockwise), which RFC 7946 asks parsers not to
//!   require of their input.
//! - A zone without `kind` is `other`; a unit or zone without `name` is
//!   named by its code.
//!
//! # Complexity
//! Linear in the file size; duplicate detection uses a hash map (lookups
//! only, never iterated, so no order leaks into the output). 120,000 point
//! features (about 20 MB) read in well under a second; see the ignored test
//! `read_speed` for the measurement.
//!
//! # Errors
//! Every failure is a [`ReadError`] variant whose message starts with the
//! file name.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use geo::orient::{Direction, Orient};
use geo::{Area, Coord, LineString, MultiPolygon, Polygon};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::model::{Boundary, Household, Level, Zone, ZoneKind};

/// Where a per-feature error happened: the file, the 0-based feature index
/// and, when already known, the feature's id (or code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct At {
    /// The file, as given on the command line.
    pub file: String,
    /// The 0-based index of the feature in `features`.
    pub index: usize,
    /// `"id"` for households, `"code"` for boundaries and zones.
    pub key: &'static str,
    /// The feature's id or code, when it could be read.
    pub id: Option<String>,
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: feature {}", self.file, self.index)?;
        if let Some(id) = &self.id {
            write!(f, " ({} \"{}\")", self.key, id)?;
        }
        Ok(())
    }
}

fn in_feature(feature: &Option<usize>) -> String {
    feature.map_or_else(String::new, |i| format!(" (in feature {i})"))
}

fn list_ids(ids: &[String], count: usize) -> String {
    let mut s = ids
        .iter()
        .map(|id| format!("\"{id}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if count > ids.len() {
        s.push_str(&format!(" and {} more", count - ids.len()));
    }
    s
}

/// Why an input file was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read")]
    Io {
        /// The file.
        file: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The bytes are not JSON (syntax error, truncated file, number out of
    /// range such as `1e400`).
    #[error("{file}: invalid JSON at line {line} column {column}{}: {message}", in_feature(.feature))]
    InvalidJson {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The feature being parsed, when inside `features`.
        feature: Option<usize>,
        /// serde_json's description.
        message: String,
    },
    /// Valid JSON whose shape is not GeoJSON (e.g. `features` is not an
    /// array, a duplicate key).
    #[error("{file}: invalid GeoJSON at line {line} column {column}{}: {message}", in_feature(.feature))]
    InvalidGeoJson {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The feature being parsed, when inside `features`.
        feature: Option<usize>,
        /// serde_json's description.
        message: String,
    },
    /// The top-level object is not a FeatureCollection.
    #[error("{file}: expected a GeoJSON FeatureCollection, found {found}")]
    NotFeatureCollection {
        /// The file.
        file: String,
        /// What was found instead.
        found: String,
    },
    /// An element of `features` is not a Feature.
    #[error("{file}: feature {index}: expected a GeoJSON Feature, found {found}")]
    NotAFeature {
        /// The file.
        file: String,
        /// The feature index.
        index: usize,
        /// What was found instead.
        found: String,
    },
    /// The collection has no features where at least one is needed.
    #[error("{file}: the FeatureCollection has no features")]
    Empty {
        /// The file.
        file: String,
    },
    /// A household has neither a property `id` nor a Feature `id`.
    #[error("{file}: feature {index}: missing id (give a property \"id\" or a Feature \"id\")")]
    MissingId {
        /// The file.
        file: String,
        /// The feature index.
        index: usize,
    },
    /// The id is not a non-empty string or a number.
    #[error("{file}: feature {index}: id must be a non-empty string or a number, got {found}")]
    BadId {
        /// The file.
        file: String,
        /// The feature index.
        index: usize,
        /// The value found.
        found: String,
    },
    /// Two households share an id.
    #[error(
        "{file}: feature {second} (id \"{id}\"): duplicate id, already used by feature {first}"
    )]
    DuplicateId {
        /// The file.
        file: String,
        /// The id.
        id: String,
        /// The first feature with this id.
        first: usize,
        /// The later feature with this id.
        second: usize,
    },
    /// Missing geometry or the wrong geometry type.
    #[error("{at}: geometry must be {expected}, got {found}")]
    WrongGeometry {
        /// Where.
        at: Box<At>,
        /// The accepted type(s).
        expected: &'static str,
        /// The type found (or `null`).
        found: String,
    },
    /// Coordinates nested wrongly or too short.
    #[error("{at}: malformed coordinates: {reason}")]
    BadCoordinates {
        /// Where.
        at: Box<At>,
        /// What is wrong.
        reason: String,
    },
    /// A coordinate that is not a finite number (null, a string, ...).
    #[error("{at}: coordinates must be finite numbers, got {found}")]
    NonFiniteCoordinate {
        /// Where.
        at: Box<At>,
        /// The value found.
        found: String,
    },
    /// Longitude outside [-180, 180] or latitude outside [-90, 90].
    #[error(
        "{at}: position out of range: longitude must be in [-180, 180] and latitude in [-90, 90], got longitude {lon}, latitude {lat}"
    )]
    OutOfRange {
        /// Where.
        at: Box<At>,
        /// The first coordinate.
        lon: f64,
        /// The second coordinate.
        lat: f64,
    },
    /// The position looks like `[lat, lon]` of a place in China.
    #[error(
        "{at}: longitude and latitude look swapped: got longitude {lon}, latitude {lat}; GeoJSON positions are [longitude, latitude]"
    )]
    Swapped {
        /// Where.
        at: Box<At>,
        /// The first coordinate.
        lon: f64,
        /// The second coordinate.
        lat: f64,
    },
    /// `households` present but not an integer >= 1.
    #[error("{at}: households must be an integer >= 1, got {found}")]
    BadHouseholds {
        /// Where.
        at: Box<At>,
        /// The value found.
        found: String,
    },
    /// A numeric property (population, rental, shops, special) that is not a number.
    #[error("{at}: {property} must be a number >= 0, got {found}")]
    NotANumber {
        /// Where.
        at: Box<At>,
        /// The property.
        property: &'static str,
        /// The value found.
        found: String,
    },
    /// A numeric property below zero.
    #[error("{at}: {property} must be >= 0, got {value}")]
    Negative {
        /// Where.
        at: Box<At>,
        /// The property.
        property: &'static str,
        /// The value found.
        value: f64,
    },
    /// A text property (village, grid, code, name, level, parent, kind) that is
    /// not a string or a number.
    #[error("{at}: {property} must be a string, got {found}")]
    NotText {
        /// Where.
        at: Box<At>,
        /// The property.
        property: &'static str,
        /// The value found.
        found: String,
    },
    /// A boundary or zone without `code`.
    #[error("{file}: feature {index}: missing property \"code\"")]
    MissingCode {
        /// The file.
        file: String,
        /// The feature index.
        index: usize,
    },
    /// Two boundaries (or zones) share a code.
    #[error(
        "{file}: feature {second} (code \"{code}\"): duplicate code, already used by feature {first}"
    )]
    DuplicateCode {
        /// The file.
        file: String,
        /// The code.
        code: String,
        /// The first feature with this code.
        first: usize,
        /// The later feature with this code.
        second: usize,
    },
    /// `level` missing or not county/town/village.
    #[error("{at}: level must be \"county\", \"town\" or \"village\", got {found}")]
    BadLevel {
        /// Where.
        at: Box<At>,
        /// The value found (`nothing` when missing).
        found: String,
    },
    /// A unit below the top level without a parent.
    #[error("{at}: a {level} needs a parent; only the top level ({top}) may have none")]
    MissingParent {
        /// Where.
        at: Box<At>,
        /// The unit's level.
        level: &'static str,
        /// The file's top level.
        top: &'static str,
    },
    /// A parent code that names no unit in the file.
    #[error("{at}: parent \"{parent}\" names no unit in the file")]
    UnknownParent {
        /// Where.
        at: Box<At>,
        /// The parent code.
        parent: String,
    },
    /// A parent at the wrong level (a village whose parent is a village, ...).
    #[error(
        "{at}: the parent of a {level} must be a {expected}, but \"{parent}\" is a {parent_level}"
    )]
    WrongParentLevel {
        /// Where.
        at: Box<At>,
        /// The unit's level.
        level: &'static str,
        /// The parent code.
        parent: String,
        /// The parent's level.
        parent_level: &'static str,
        /// The level required.
        expected: &'static str,
    },
    /// A geometry with no polygons, or a polygon with no rings.
    #[error("{at}: empty geometry: {what}")]
    EmptyGeometry {
        /// Where.
        at: Box<At>,
        /// What is empty.
        what: String,
    },
    /// A ring with fewer than 4 positions.
    #[error(
        "{at}: polygon {polygon} ring {ring} has {positions} positions; a ring needs at least 4 (the last equal to the first)"
    )]
    DegenerateRing {
        /// Where.
        at: Box<At>,
        /// 0-based polygon index within the MultiPolygon.
        polygon: usize,
        /// 0-based ring index (0 = exterior).
        ring: usize,
        /// Positions given.
        positions: usize,
    },
    /// A ring with zero area.
    #[error("{at}: polygon {polygon} ring {ring} has zero area")]
    ZeroArea {
        /// Where.
        at: Box<At>,
        /// 0-based polygon index within the MultiPolygon.
        polygon: usize,
        /// 0-based ring index (0 = exterior).
        ring: usize,
    },
    /// A boundaries file without any village.
    #[error("{file}: no unit has level \"village\"")]
    NoVillages {
        /// The file.
        file: String,
    },
    /// A zone `kind` that is not one of the known kinds.
    #[error(
        "{at}: kind must be one of park, school, hospital, market, enterprise, other, got {found}"
    )]
    BadKind {
        /// Where.
        at: Box<At>,
        /// The value found.
        found: String,
    },
    /// The CSV could not be parsed.
    #[error("{file}: invalid CSV{}: {message}", .line.map_or_else(String::new, |l| format!(" at line {l}")))]
    Csv {
        /// The file.
        file: String,
        /// 1-based line, when known.
        line: Option<u64>,
        /// The csv crate's description.
        message: String,
    },
    /// A required CSV column is missing from the header.
    #[error("{file}: the header has no column \"{column}\"")]
    MissingColumn {
        /// The file.
        file: String,
        /// The column.
        column: &'static str,
    },
    /// An assignment row names an id that is not a household.
    #[error("{file}: line {line}: id \"{id}\" is not a household in the households file")]
    UnknownAssignmentId {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The id.
        id: String,
    },
    /// A household listed twice in the assignment.
    #[error("{file}: line {second_line}: id \"{id}\" is listed twice (first at line {first_line})")]
    AssignedTwice {
        /// The file.
        file: String,
        /// The id.
        id: String,
        /// The first line.
        first_line: u64,
        /// The second line.
        second_line: u64,
    },
    /// Households absent from the assignment.
    #[error("{file}: {count} household(s) have no row: {}", list_ids(.ids, *.count))]
    Unassigned {
        /// The file.
        file: String,
        /// How many.
        count: usize,
        /// Up to 20 of them, in input order.
        ids: Vec<String>,
    },
    /// An assignment row with an empty grid code.
    #[error("{file}: line {line}: id \"{id}\" has an empty grid code")]
    EmptyGrid {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The id.
        id: String,
    },
    /// The config file is not valid TOML.
    #[error("{file}: invalid TOML: {message}")]
    Toml {
        /// The file.
        file: String,
        /// The toml crate's description.
        message: String,
    },
    /// An unknown key in the config file.
    #[error("{file}: unknown key \"{key}\" (known: {known})")]
    UnknownKey {
        /// The file.
        file: String,
        /// The key, with its table (`weights.rentals`).
        key: String,
        /// The keys accepted there.
        known: &'static str,
    },
    /// A weight that is not a finite number.
    #[error("{file}: weights.{key} must be a finite number, got {found}")]
    BadWeight {
        /// The file.
        file: String,
        /// The key.
        key: String,
        /// The value found.
        found: String,
    },
    /// A negative weight.
    #[error("{file}: weights.{key} must be >= 0, got {value}")]
    NegativeWeight {
        /// The file.
        file: String,
        /// The key.
        key: String,
        /// The value.
        value: f64,
    },
    /// Every weight is zero.
    #[error("{file}: all weights are 0, so every point would have zero load")]
    AllZeroWeights {
        /// The file.
        file: String,
    },
}

// ---------------------------------------------------------------------------
// Parsing: private serde shapes.

/// A JSON value reduced to what validation needs. Arrays and objects are
/// skipped, not stored, so unknown properties cost no allocation.
#[derive(Clone, Debug, PartialEq)]
enum Loose<'a> {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Array,
    Object,
    Null,
}

impl Loose<'_> {
    /// How the value reads in a message: numbers as written, strings quoted.
    fn describe(&self) -> String {
        match self {
            Loose::Bool(b) => b.to_string(),
            Loose::Int(i) => i.to_string(),
            Loose::UInt(u) => u.to_string(),
            Loose::Float(f) => f.to_string(),
            Loose::Str(s) => format!("\"{s}\""),
            Loose::Array => "an array".into(),
            Loose::Object => "an object".into(),
            Loose::Null => "null".into(),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match *self {
            Loose::Int(i) => Some(i as f64),
            Loose::UInt(u) => Some(u as f64),
            Loose::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The value as text: strings as is, numbers without a fraction when
    /// integral. `None` for booleans, arrays, objects and null.
    fn text(&self) -> Option<String> {
        match self {
            Loose::Str(s) => Some(s.to_string()),
            Loose::Int(i) => Some(i.to_string()),
            Loose::UInt(u) => Some(u.to_string()),
            // 2^53: beyond it an f64 is always integral and `as i64` would
            // still be exact up to 2^63, but Display already prints such
            // values without a fraction, so only the small range needs care.
            Loose::Float(f) if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => {
                Some((*f as i64).to_string())
            }
            Loose::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor(PhantomData))
    }
}

struct LooseVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for LooseVisitor<'a> {
    type Value = Loose<'a>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Loose<'a>, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Loose<'a>, E> {
        Ok(Loose::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Loose<'a>, E> {
        Ok(Loose::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Loose<'a>, E> {
        Ok(Loose::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Loose<'a>, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Loose<'a>, E> {
        Ok(Loose::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Loose<'a>, E> {
        Ok(Loose::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Loose<'a>, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Loose<'a>, E> {
        Ok(Loose::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose<'a>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose<'a>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Object)
    }
}

/// GeoJSON `coordinates` of any depth. Non-numbers are kept as a description
/// so that `[null, 30]` can be reported as a bad coordinate, not a parse error.
#[derive(Debug)]
enum Coords {
    Num(f64),
    /// An array whose first element is a number: a position, stored inline
    /// because it is by far the most common array (one per point, one per
    /// vertex). `y` is the second element or a description of it, `len` the
    /// number of elements.
    Pos {
        x: f64,
        y: Result<f64, String>,
        len: usize,
    },
    List(Vec<Coords>),
    Bad(String),
}

impl Coords {
    fn describe(&self) -> String {
        match self {
            Coords::Num(x) => format!("the number {x}"),
            Coords::Pos { .. } => "a position".into(),
            Coords::List(_) => "an array".into(),
            Coords::Bad(s) => s.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for Coords {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CoordsVisitor)
    }
}

struct CoordsVisitor;

impl<'de> Visitor<'de> for CoordsVisitor {
    type Value = Coords;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GeoJSON coordinates")
    }
    fn visit_i64<E>(self, v: i64) -> Result<Coords, E> {
        Ok(Coords::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Coords, E> {
        Ok(Coords::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Coords, E> {
        Ok(Coords::Num(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Coords, E> {
        Ok(Coords::Bad(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Coords, E> {
        Ok(Coords::Bad(format!("\"{v}\"")))
    }
    fn visit_unit<E>(self) -> Result<Coords, E> {
        Ok(Coords::Bad("null".into()))
    }
    fn visit_none<E>(self) -> Result<Coords, E> {
        Ok(Coords::Bad("null".into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
        let Some(first) = seq.next_element::<Coords>()? else {
            return Ok(Coords::List(Vec::new()));
        };
        if let Coords::Num(x) = first {
            let (y, mut len) = match seq.next_element::<Coords>()? {
                None => (Err("nothing".into()), 1),
                Some(Coords::Num(y)) => (Ok(y), 2),
                Some(other) => (Err(other.describe()), 2),
            };
            // Altitude and anything after it are allowed and ignored.
            while seq.next_element::<IgnoredAny>()?.is_some() {
                len += 1;
            }
            return Ok(Coords::Pos { x, y, len });
        }
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(4).max(1));
        v.push(first);
        while let Some(c) = seq.next_element()? {
            v.push(c);
        }
        Ok(Coords::List(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Coords, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Coords::Bad("an object".into()))
    }
}

#[derive(Deserialize)]
struct RawGeometry<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<Loose<'a>>,
    #[serde(default)]
    coordinates: Option<Coords>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de>"))]
struct RawFeature<'a, P> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<Loose<'a>>,
    #[serde(default, borrow)]
    id: Option<Loose<'a>>,
    #[serde(default, borrow)]
    geometry: Option<RawGeometry<'a>>,
    #[serde(default = "none")]
    properties: Option<P>,
}

fn none<P>() -> Option<P> {
    None
}

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

#[derive(Deserialize, Default)]
struct UnitProps<'a> {
    #[serde(default, borrow)]
    code: Option<Loose<'a>>,
    #[serde(default, borrow)]
    name: Option<Loose<'a>>,
    #[serde(default, borrow)]
    level: Option<Loose<'a>>,
    #[serde(default, borrow)]
    parent: Option<Loose<'a>>,
    #[serde(default, borrow)]
    kind: Option<Loose<'a>>,
}

/// The top-level object: its `type` and `features`, or what it was instead.
struct Top<'a, P> {
    kind: Option<Loose<'a>>,
    features: Option<Vec<RawFeature<'a, P>>>,
    not_object: Option<String>,
}

/// Parses the top level, recording the index of the feature being parsed in
/// `current` so that errors deep inside a feature can name it.
struct TopSeed<'a, P> {
    current: &'a Cell<Option<usize>>,
    _p: PhantomData<P>,
}

impl<'de, P: Deserialize<'de>> DeserializeSeed<'de> for TopSeed<'_, P> {
    type Value = Top<'de, P>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Top<'de, P>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<P> TopSeed<'_, P> {
    fn other<'a>(found: &str) -> Top<'a, P> {
        Top {
            kind: None,
            features: None,
            not_object: Some(found.to_owned()),
        }
    }
}

impl<'de, P: Deserialize<'de>> Visitor<'de> for TopSeed<'_, P> {
    type Value = Top<'de, P>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'de, P>, A::Error> {
        let mut kind = None;
        let mut features = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    if kind.is_some() {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    kind = Some(map.next_value::<Loose<'de>>()?);
                }
                "features" => {
                    if features.is_some() {
                        return Err(de::Error::duplicate_field("features"));
                    }
                    features = Some(map.next_value_seed(FeaturesSeed::<P> {
                        current: self.current,
                        _p: PhantomData,
                    })?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Top {
            kind,
            features,
            not_object: None,
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top<'de, P>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::other("an array"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Top<'de, P>, E> {
        Ok(Self::other("a string"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Top<'de, P>, E> {
        Ok(Self::other("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Top<'de, P>, E> {
        Ok(Self::other("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Top<'de, P>, E> {
        Ok(Self::other("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Top<'de, P>, E> {
        Ok(Self::other("a number"))
    }
    fn visit_unit<E>(self) -> Result<Top<'de, P>, E> {
        Ok(Self::other("null"))
    }
}

struct FeaturesSeed<'a, P> {
    current: &'a Cell<Option<usize>>,
    _p: PhantomData<P>,
}

impl<'de, P: Deserialize<'de>> DeserializeSeed<'de> for FeaturesSeed<'_, P> {
    type Value = Vec<RawFeature<'de, P>>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, P: Deserialize<'de>> Visitor<'de> for FeaturesSeed<'_, P> {
    type Value = Vec<RawFeature<'de, P>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of Features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            self.current.set(Some(out.len()));
            match seq.next_element::<RawFeature<'de, P>>()? {
                Some(f) => out.push(f),
                None => break,
            }
        }
        self.current.set(None);
        Ok(out)
    }
}

/// Reads `path` whole; the name as given is kept for messages.
fn read_bytes(path: &Path) -> Result<(String, Vec<u8>), ReadError> {
    let file = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok((file, bytes)),
        Err(source) => Err(ReadError::Io { file, source }),
    }
}

/// Parses `bytes` as a FeatureCollection with properties `P`, borrowing
/// strings from `bytes` where they have no escapes.
fn parse_bytes<'a, P: Deserialize<'a>>(
    file: String,
    bytes: &'a [u8],
) -> Result<(String, Vec<RawFeature<'a, P>>), ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let current = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = TopSeed::<P> {
        current: &current,
        _p: PhantomData,
    }
    .deserialize(&mut de)
    .and_then(|top| de.end().map(|()| top));
    let top = match parsed {
        Ok(top) => top,
        Err(e) => return Err(json_error(file, &e, current.get())),
    };
    if let Some(found) = top.not_object {
        return Err(ReadError::NotFeatureCollection { file, found });
    }
    match &top.kind {
        Some(Loose::Str(s)) if s == "FeatureCollection" => {}
        Some(Loose::Str(s)) => {
            return Err(ReadError::NotFeatureCollection {
                file,
                found: format!("type \"{s}\""),
            });
        }
        Some(other) => {
            return Err(ReadError::NotFeatureCollection {
                file,
                found: format!("type {}", other.describe()),
            });
        }
        None => {
            return Err(ReadError::NotFeatureCollection {
                file,
                found: "an object without \"type\"".into(),
            });
        }
    }
    let Some(features) = top.features else {
        return Err(ReadError::NotFeatureCollection {
            file,
            found: "a FeatureCollection without \"features\"".into(),
        });
    };
    for (index, f) in features.iter().enumerate() {
        match &f.kind {
            Some(Loose::Str(s)) if s == "Feature" => {}
            Some(other) => {
                return Err(ReadError::NotAFeature {
                    file,
                    index,
                    found: format!("type {}", other.describe()),
                });
            }
            None => {
                return Err(ReadError::NotAFeature {
                    file,
                    index,
                    found: "an object without \"type\"".into(),
                });
            }
        }
    }
    Ok((file, features))
}

fn json_error(file: String, e: &serde_json::Error, feature: Option<usize>) -> ReadError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    let (line, column) = (e.line(), e.column());
    match e.classify() {
        serde_json::error::Category::Data => ReadError::InvalidGeoJson {
            file,
            line,
            column,
            feature,
            message,
        },
        _ => ReadError::InvalidJson {
            file,
            line,
            column,
            feature,
            message,
        },
    }
}

// ---------------------------------------------------------------------------
// Validation helpers.

fn geometry_kind(g: &Option<RawGeometry<'_>>) -> String {
    match g {
        None => "null".into(),
        Some(RawGeometry { kind: None, .. }) => "a geometry without \"type\"".into(),
        Some(RawGeometry { kind: Some(k), .. }) => match k {
            Loose::Str(s) => s.to_string(),
            other => other.describe(),
        },
    }
}

/// Checks one position and returns it as a coordinate.
fn position(c: &Coords, at: &dyn Fn() -> Box<At>) -> Result<Coord<f64>, ReadError> {
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
    if !lon.is_finite() {
        return Err(bad_value(lon.to_string()));
    }
    if !lat.is_finite() {
        return Err(bad_value(lat.to_string()));
    }
    // Swapped first: a Chinese [lat, lon] such as [28.1, 120.7] is also out
    // of range, and "swapped" is the message that tells the user the fix.
    if (3.0..=54.0).contains(&lon) && (73.0..=136.0).contains(&lat) {
        return Err(ReadError::Swapped { at: at(), lon, lat });
    }
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(ReadError::OutOfRange { at: at(), lon, lat });
    }
    Ok(Coord { x: lon, y: lat })
}

fn list<'a>(
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

fn ring(
    c: &Coords,
    polygon: usize,
    ring: usize,
    at: &dyn Fn() -> Box<At>,
) -> Result<LineString<f64>, ReadError> {
    let raw = list(c, "a ring (an array of positions)", at)?;
    let mut pts = raw
        .iter()
        .map(|p| position(p, at))
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
    // Area in square degrees is enough to detect zero (collinear or
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

fn polygon(c: &Coords, index: usize, at: &dyn Fn() -> Box<At>) -> Result<Polygon<f64>, ReadError> {
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
        let ls = ring(rc, index, r, at)?;
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
fn multipolygon(
    g: &Option<RawGeometry<'_>>,
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
            Ok(MultiPolygon::new(vec![polygon(c, 0, at)?]).orient(Direction::Default))
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
                .map(|(i, p)| polygon(p, i, at))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(MultiPolygon::new(v).orient(Direction::Default))
        }
        _ => Err(wrong()),
    }
}

/// An optional text property: null and "" are absent; numbers become text.
fn opt_text(
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
fn opt_number(
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

// ---------------------------------------------------------------------------
// Public readers.

/// Reads the households FeatureCollection (docs/DESIGN.md §3) in input order.
///
/// # Errors
/// Any [`ReadError`] per-feature or whole-file variant; the first broken
/// rule in input order is reported.
pub fn read_households(path: &Path) -> Result<Vec<Household>, ReadError> {
    let (file, bytes) = read_bytes(path)?;
    let (file, features) = parse_bytes::<HouseholdProps>(file, &bytes)?;
    households_from(file, features)
}

fn households_from(
    file: String,
    features: Vec<RawFeature<'_, HouseholdProps<'_>>>,
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
                Some(c) => position(c, &at)?,
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

/// The code of a boundary or zone, required.
fn code_of(file: &str, index: usize, props: &UnitProps<'_>) -> Result<String, ReadError> {
    let at = || {
        Box::new(At {
            file: file.to_owned(),
            index,
            key: "code",
            id: None,
        })
    };
    opt_text(props.code.as_ref(), "code", &at)?.ok_or_else(|| ReadError::MissingCode {
        file: file.to_owned(),
        index,
    })
}

/// Reads the boundaries FeatureCollection and checks the hierarchy.
///
/// # Errors
/// Any [`ReadError`] per-feature variant, [`ReadError::DuplicateCode`], the
/// hierarchy variants ([`ReadError::MissingParent`],
/// [`ReadError::UnknownParent`], [`ReadError::WrongParentLevel`]) and
/// [`ReadError::NoVillages`].
pub fn read_boundaries(path: &Path) -> Result<Vec<Boundary>, ReadError> {
    let (file, bytes) = read_bytes(path)?;
    let (file, features) = parse_bytes::<UnitProps>(file, &bytes)?;
    boundaries_from(file, features)
}

fn boundaries_from(
    file: String,
    features: Vec<RawFeature<'_, UnitProps<'_>>>,
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
        let name = opt_text(props.name.as_ref(), "name", &at)?.unwrap_or_else(|| code.clone());
        let parent = opt_text(props.parent.as_ref(), "parent", &at)?;
        let geometry = multipolygon(&f.geometry, &at)?;
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
            Level::Town => Some(Level::County),
            Level::Village if has_towns => Some(Level::Town),
            Level::Village => Some(Level::County),
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

/// Reads the dedicated zones FeatureCollection. An empty collection is
/// allowed (no dedicated grids).
///
/// # Errors
/// Any [`ReadError`] per-feature variant, [`ReadError::BadKind`] and
/// [`ReadError::DuplicateCode`].
pub fn read_zones(path: &Path) -> Result<Vec<Zone>, ReadError> {
    let (file, bytes) = read_bytes(path)?;
    let (file, features) = parse_bytes::<UnitProps>(file, &bytes)?;
    zones_from(file, features)
}

fn zones_from(
    file: String,
    features: Vec<RawFeature<'_, UnitProps<'_>>>,
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
        let geometry = multipolygon(&f.geometry, &at)?;
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

/// An assignment read back from CSV, in the order of the households.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignmentRows {
    /// The grid code of each household.
    pub grid: Vec<String>,
    /// The micro-grid code of each household, when the file has a
    /// `micro_grid` column and the cell is not empty.
    pub micro: Vec<Option<String>>,
}

/// Reads an `assignment.csv` (header with `id` and `grid`, optionally
/// `micro_grid`; other columns are ignored) and returns the grid and
/// micro-grid of each household, in the order of `households`.
///
/// # Errors
/// [`ReadError::Io`], [`ReadError::Csv`], [`ReadError::MissingColumn`],
/// [`ReadError::UnknownAssignmentId`], [`ReadError::AssignedTwice`],
/// [`ReadError::EmptyGrid`] and [`ReadError::Unassigned`] (listing up to 20
/// ids in input order).
pub fn read_assignment(path: &Path, households: &[Household]) -> Result<AssignmentRows, ReadError> {
    let file = path.display().to_string();
    let csv_err = |file: &str, e: csv::Error| match e.kind() {
        csv::ErrorKind::Io(_) => {
            let message = e.to_string();
            match e.into_kind() {
                csv::ErrorKind::Io(source) => ReadError::Io {
                    file: file.to_owned(),
                    source,
                },
                _ => ReadError::Csv {
                    file: file.to_owned(),
                    line: None,
                    message,
                },
            }
        }
        _ => ReadError::Csv {
            file: file.to_owned(),
            line: e.position().map(csv::Position::line),
            message: e.to_string(),
        },
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| csv_err(&file, e))?;
    let header = rdr.headers().map_err(|e| csv_err(&file, e))?.clone();
    let col = |name: &'static str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| ReadError::MissingColumn {
                file: file.clone(),
                column: name,
            })
    };
    let id_col = col("id")?;
    let grid_col = col("grid")?;
    let micro_col = col("micro_grid").ok();
    let mut micro: Vec<Option<String>> = vec![None; households.len()];
    let index: HashMap<&str, usize> = households
        .iter()
        .enumerate()
        .map(|(i, h)| (h.id.as_str(), i))
        .collect();
    let mut grid: Vec<Option<(String, u64)>> = vec![None; households.len()];
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).map_err(|e| csv_err(&file, e))? {
        let line = rec.position().map_or(0, csv::Position::line);
        let id = rec.get(id_col).unwrap_or("");
        let Some(&i) = index.get(id) else {
            return Err(ReadError::UnknownAssignmentId {
                file,
                line,
                id: id.to_owned(),
            });
        };
        if let Some((_, first_line)) = &grid[i] {
            return Err(ReadError::AssignedTwice {
                file,
                id: id.to_owned(),
                first_line: *first_line,
                second_line: line,
            });
        }
        let g = rec.get(grid_col).unwrap_or("");
        if g.is_empty() {
            return Err(ReadError::EmptyGrid {
                file,
                line,
                id: id.to_owned(),
            });
        }
        grid[i] = Some((g.to_owned(), line));
        if let Some(m) = micro_col.and_then(|c| rec.get(c)).filter(|m| !m.is_empty()) {
            micro[i] = Some(m.to_owned());
        }
    }
    let missing: Vec<usize> = (0..households.len())
        .filter(|&i| grid[i].is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ReadError::Unassigned {
            file,
            count: missing.len(),
            ids: missing
                .iter()
                .take(20)
                .map(|&i| households[i].id.clone())
                .collect(),
        });
    }
    Ok(AssignmentRows {
        grid: grid
            .into_iter()
            .map(|g| g.map(|(g, _)| g).unwrap_or_default())
            .collect(),
        micro,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Writes `body` to `dir/name` and returns the path.
    fn write(dir: &tempfile::TempDir, name: &str, body: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        let mut f = std::fs::File::create(&p).unwrap();
        f.write_all(body.as_bytes()).unwrap();
        p
    }

    fn fc(features: &[String]) -> String {
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
            features.join(",")
        )
    }

    fn point(props: &str, coords: &str) -> String {
        format!(
            "{{\"type\":\"Feature\",\"properties\":{{{props}}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":{coords}}}}}"
        )
    }

    fn ok_point(id: &str) -> String {
        point(&format!("\"id\":\"{id}\""), "[120.7,28.0]")
    }

    /// Reads households from a file named households.geojson holding `body`.
    fn hh(body: &str) -> Result<Vec<Household>, ReadError> {
        let dir = tempfile::tempdir().unwrap();
        read_households(&write(&dir, "households.geojson", body))
    }

    /// The error message for households where feature 1 is `bad`.
    fn hh_err(bad: String) -> (ReadError, String) {
        let e = hh(&fc(&[ok_point("H0"), bad])).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("households.geojson"), "{m}");
        (e, m)
    }

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

    // ----- boundaries

    fn unit(props: &str, geom: &str) -> String {
        format!("{{\"type\":\"Feature\",\"properties\":{{{props}}},\"geometry\":{geom}}}")
    }

    fn square(x: f64, y: f64, d: f64) -> String {
        format!(
            "{{\"type\":\"Polygon\",\"coordinates\":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}",
            x + d,
            x + d,
            y + d,
            y + d
        )
    }

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
        read_boundaries(&write(&dir, "boundaries.geojson", &fc(features)))
    }

    fn bd_err(features: &[String]) -> (ReadError, String) {
        let e = bd(features).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("boundaries.geojson"), "{m}");
        (e, m)
    }

    #[test]
    fn happy_path_boundaries_with_multipolygon_hole() {
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
        use geo::Winding;
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
                "\"code\":\"V1\",\"level\":\"village\",\"parent\":\"330302001\"",
                "{\"type\":\"Point\",\"coordinates\":[120,28]}",
            ),
        ]);
        assert!(matches!(e, ReadError::WrongGeometry { .. }), "{m}");
        assert!(
            m.contains(
                "feature 2 (code \"V1\"): geometry must be a Polygon or MultiPolygon, got Point"
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
            village("V1"),
            village("V2"),
            village("V1"),
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
            m.contains("feature 4 (code \"V1\"): duplicate code, already used by feature 2"),
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
                "\"code\":\"V1\",\"level\":\"village\",\"parent\":\"999\"",
                &square(120.0, 28.0, 0.5),
            ),
        ]);
        assert!(matches!(e, ReadError::UnknownParent { .. }), "{m}");
        assert!(
            m.contains("feature 2 (code \"V1\"): parent \"999\" names no unit in the file"),
            "{m}"
        );
    }

    #[test]
    fn boundary_missing_parent_below_top() {
        let (e, m) = bd_err(&[
            county(),
            town(),
            unit(
                "\"code\":\"V1\",\"level\":\"village\",\"parent\":null",
                &square(120.0, 28.0, 0.5),
            ),
        ]);
        assert!(matches!(e, ReadError::MissingParent { .. }), "{m}");
        assert!(m.contains("feature 2 (code \"V1\"): a village needs a parent; only the top level (county) may have none"), "{m}");
        // Villages alone: they are the top level and need no parent.
        let v = bd(&[unit(
            "\"code\":\"V1\",\"level\":\"village\"",
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
                "\"code\":\"V1\",\"level\":\"village\",\"parent\":\"330302\"",
                &square(120.0, 28.0, 0.5),
            ),
        ]);
        assert!(matches!(e, ReadError::WrongParentLevel { .. }), "{m}");
        assert!(m.contains("feature 2 (code \"V1\"): the parent of a village must be a town, but \"330302\" is a county"), "{m}");
        // Without towns, a county parent is fine.
        let v = bd(&[
            county(),
            unit(
                "\"code\":\"V1\",\"level\":\"village\",\"parent\":\"330302\"",
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
        let (e, m) = bd_err(&[unit("\"code\":\"V1\",\"level\":\"village\"", g)]);
        assert!(
            matches!(e, ReadError::DegenerateRing { positions: 3, .. }),
            "{m}"
        );
        assert!(
            m.contains(
                "feature 0 (code \"V1\"): polygon 0 ring 0 has 3 positions; a ring needs at least 4"
            ),
            "{m}"
        );
    }

    #[test]
    fn boundary_zero_area_ring() {
        let g = "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[120,28],[120.1,28],[120.1,28.1],[120,28]]],[[[120,28],[120.1,28],[120.2,28],[120,28]]]]}";
        let (e, m) = bd_err(&[unit("\"code\":\"V1\",\"level\":\"village\"", g)]);
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
            m.contains("feature 0 (code \"V1\"): polygon 1 ring 0 has zero area"),
            "{m}"
        );
    }

    #[test]
    fn boundary_empty_polygon() {
        let g = "{\"type\":\"MultiPolygon\",\"coordinates\":[]}";
        let (e, m) = bd_err(&[unit("\"code\":\"V1\",\"level\":\"village\"", g)]);
        assert!(matches!(e, ReadError::EmptyGeometry { .. }), "{m}");
        assert!(m.contains("feature 0 (code \"V1\"): empty geometry"), "{m}");
    }

    #[test]
    fn boundary_swapped_vertex() {
        let g =
            "{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[28,120.1],[120.1,28.1],[120,28]]]}";
        let (e, m) = bd_err(&[unit("\"code\":\"V1\",\"level\":\"village\"", g)]);
        assert!(matches!(e, ReadError::Swapped { .. }), "{m}");
    }

    // ----- zones

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
        let z = read_zones(&write(&dir, "zones.geojson", &ok)).unwrap();
        assert_eq!(z.len(), 2);
        assert_eq!(z[0].kind, ZoneKind::School);
        assert_eq!(z[1].kind, ZoneKind::Other);
        assert_eq!(z[1].name, "Z2");
        let bad = fc(&[unit(
            "\"code\":\"Z1\",\"kind\":\"zoo\"",
            &square(120.0, 28.0, 0.01),
        )]);
        let e = read_zones(&write(&dir, "zones.geojson", &bad)).unwrap_err();
        assert!(matches!(e, ReadError::BadKind { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("zones.geojson: feature 0 (code \"Z1\"): kind must be one of"),
            "{e}"
        );
        // An empty zones file is fine.
        assert!(
            read_zones(&write(&dir, "zones.geojson", &fc(&[])))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn missing_file_is_io() {
        let e = read_households(Path::new("/nonexistent/households.geojson")).unwrap_err();
        assert!(matches!(e, ReadError::Io { .. }));
        assert!(
            e.to_string()
                .starts_with("/nonexistent/households.geojson: cannot read"),
            "{e}"
        );
    }

    // ----- assignment

    fn three() -> Vec<Household> {
        hh(&fc(&[ok_point("a"), ok_point("b"), ok_point("c")])).unwrap()
    }

    fn asg(body: &str) -> Result<Vec<String>, ReadError> {
        let dir = tempfile::tempdir().unwrap();
        read_assignment(&write(&dir, "assignment.csv", body), &three()).map(|a| a.grid)
    }

    #[test]
    fn assignment_happy_in_household_order() {
        let g = asg("grid,id,micro_grid\nG2,c,\nG1,a,x\n G1 ,b,y\n").unwrap();
        assert_eq!(g, vec!["G1", "G1", "G2"]);
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "assignment.csv",
            "grid,id,micro_grid\nG2,c,\nG1,a,x\n G1 ,b,y\n",
        );
        let a = read_assignment(&p, &three()).unwrap();
        assert_eq!(
            a.micro,
            vec![Some("x".to_string()), Some("y".to_string()), None]
        );
    }

    #[test]
    fn assignment_missing_column() {
        let e = asg("id,micro\na,1\n").unwrap_err();
        assert!(
            matches!(e, ReadError::MissingColumn { column: "grid", .. }),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("assignment.csv: the header has no column \"grid\""),
            "{e}"
        );
    }

    #[test]
    fn assignment_missing_file() {
        let e = read_assignment(Path::new("/nonexistent/assignment.csv"), &three()).unwrap_err();
        assert!(matches!(e, ReadError::Io { .. }), "{e}");
        assert!(e.to_string().contains("assignment.csv"), "{e}");
    }

    #[test]
    fn assignment_unknown_id() {
        let e = asg("id,grid\na,G\nzz,G\n").unwrap_err();
        assert!(
            matches!(e, ReadError::UnknownAssignmentId { line: 3, .. }),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("assignment.csv: line 3: id \"zz\" is not a household"),
            "{e}"
        );
    }

    #[test]
    fn assignment_listed_twice() {
        let e = asg("id,grid\na,G\nb,G\na,H\n").unwrap_err();
        assert!(
            matches!(
                e,
                ReadError::AssignedTwice {
                    first_line: 2,
                    second_line: 4,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("line 4: id \"a\" is listed twice (first at line 2)"),
            "{e}"
        );
    }

    #[test]
    fn assignment_missing_households() {
        let e = asg("id,grid\nb,G\n").unwrap_err();
        assert!(matches!(e, ReadError::Unassigned { count: 2, .. }), "{e}");
        assert!(
            e.to_string()
                .contains("assignment.csv: 2 household(s) have no row: \"a\", \"c\""),
            "{e}"
        );
    }

    #[test]
    fn assignment_empty_grid() {
        let e = asg("id,grid\na,G\nb,\n").unwrap_err();
        assert!(matches!(e, ReadError::EmptyGrid { line: 3, .. }), "{e}");
        assert!(
            e.to_string()
                .contains("line 3: id \"b\" has an empty grid code"),
            "{e}"
        );
    }

    #[test]
    fn assignment_ragged_row_is_csv_error() {
        let e = asg("id,grid\na,G\nb\n").unwrap_err();
        assert!(matches!(e, ReadError::Csv { .. }), "{e}");
        assert!(e.to_string().contains("assignment.csv: invalid CSV"), "{e}");
    }

    /// Measures reading 120,000 point features (~20 MB).
    /// `cargo test --release --lib read::tests::read_speed -- --ignored --nocapture`
    #[test]
    #[ignore = "timing"]
    fn read_speed() {
        let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for i in 0..120_000 {
            if i > 0 {
                s.push_str(",\n");
            }
            let lon = 120.5 + (i % 1000) as f64 * 1.234_567e-4;
            let lat = 27.5 + (i / 1000) as f64 * 2.345_678e-3;
            s.push_str(&format!(
                "{{\"type\":\"Feature\",\"properties\":{{\"id\":\"H{i:07}\",\"households\":{},\"population\":{},\"rental\":0,\"village\":\"3303020010{:02}\",\"address\":\"浙江省温州市某某区某某街道某某路{i}号\"}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{lon:.7},{lat:.7}]}}}}",
                1 + i % 9,
                3 + i % 17,
                i % 100
            ));
        }
        s.push_str("]}\n");
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "households.geojson", &s);
        let t = std::time::Instant::now();
        let v = read_households(&p).unwrap();
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
