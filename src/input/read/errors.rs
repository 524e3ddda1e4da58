//! The error type of the readers: [`ReadError`], and [`At`], the place of a
//! per-feature error.

use std::fmt::{self, Write as _};

/// How the records of a file are counted in messages: GeoJSON features,
/// Shapefile records and GeoPackage rows are "feature N" from 0, as
/// `features` counts them; CSV and XLSX rows are "row N" with the
/// spreadsheet's own 1-based number, header included, so a planner finds
/// the row where Excel shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unit {
    /// A 0-based feature index.
    #[default]
    Feature,
    /// A 1-based spreadsheet row number.
    Row,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::Feature => "feature",
            Unit::Row => "row",
        })
    }
}

/// Where a per-feature error happened: the file, the 0-based feature index
/// (or the row number) and, when already known, the feature's id (or code)
/// and the column read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct At {
    /// The file, as given on the command line.
    pub file: String,
    /// The 0-based index of the feature in `features`, or the row number
    /// when `unit` is [`Unit::Row`].
    pub index: usize,
    /// Whether `index` counts features or rows.
    pub unit: Unit,
    /// `"id"` for households, `"code"` for boundaries and zones.
    pub key: &'static str,
    /// The feature's id or code, when it could be read.
    pub id: Option<String>,
    /// The column (attribute, property) read, when it is not the rule's
    /// own name: a household's `households` read from column `户数`.
    pub column: Option<String>,
}

impl At {
    /// The place of feature `index` of `file`, with no id or column yet.
    #[must_use]
    pub fn feature(file: &str, index: usize, key: &'static str) -> Self {
        Self {
            file: file.to_owned(),
            index,
            unit: Unit::Feature,
            key,
            id: None,
            column: None,
        }
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.file, self.unit, self.index)?;
        if let Some(id) = &self.id {
            write!(f, " ({} \"{}\")", self.key, id)?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column \"{c}\"")?;
        }
        Ok(())
    }
}

/// How an implausible position's message ends: which system the file was
/// read in and why, so the user knows which flag or declaration to fix.
fn system_note(used: crate::input::crs::Crs, declared: Option<crate::input::crs::Crs>) -> String {
    match declared {
        Some(d) if d == used => format!(" (read in {used}, which the file declares)"),
        Some(d) => format!(" (read in {used}, given by the flag; the file declares {d})"),
        None if used == crate::config::CRS => format!(
            " (read in {used}, the default: the file declares no system; give it with --input-crs or --boundaries-crs)"
        ),
        None => format!(" (read in {used}, given by the flag)"),
    }
}

#[expect(
    clippy::ref_option,
    reason = "thiserror hands the field over by reference"
)]
pub(super) fn in_feature(feature: &Option<usize>) -> String {
    feature.map_or_else(String::new, |i| format!(" (in feature {i})"))
}

/// Up to the first ids, quoted, then "and N more": how every reader and
/// the locator list the features an error is about.
pub(crate) fn list_ids(ids: &[String], count: usize) -> String {
    let mut s = ids
        .iter()
        .map(|id| format!("\"{id}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if count > ids.len() {
        let _ = write!(s, " and {} more", count - ids.len());
    }
    s
}

/// Two compounds that hold the same household ([`ReadError::CompoundsOverlap`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompoundOverlap {
    /// The compounds file.
    pub file: String,
    /// The code of the first compound (in code order).
    pub first: String,
    /// Its feature index.
    pub first_feature: usize,
    /// The code of the second compound.
    pub second: String,
    /// Its feature index.
    pub second_feature: usize,
    /// The household's id.
    pub household: String,
    /// Its feature index in the households file.
    pub household_feature: usize,
    /// The households file.
    pub households_file: String,
}

impl fmt::Display for CompoundOverlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: compounds \"{}\" (feature {}) and \"{}\" (feature {}) overlap: household \"{}\" (feature {} of {}) lies inside both; a household may lie in one compound at most",
            self.file,
            self.first,
            self.first_feature,
            self.second,
            self.second_feature,
            self.household,
            self.household_feature,
            self.households_file
        )
    }
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
    #[error("{at}: missing id (give a property \"id\" or a Feature \"id\")")]
    MissingId {
        /// Where.
        at: Box<At>,
    },
    /// The id is not a non-empty string or a number.
    #[error("{at}: id must be a non-empty string or a number, got {found}")]
    BadId {
        /// Where.
        at: Box<At>,
        /// The value found.
        found: String,
    },
    /// Two households share an id.
    #[error("{file}: {unit} {second} (id \"{id}\"): duplicate id, already used by {unit} {first}")]
    DuplicateId {
        /// The file.
        file: String,
        /// Whether the numbers are features or rows.
        unit: Unit,
        /// The id.
        id: String,
        /// The first feature (row) with this id.
        first: usize,
        /// The later feature (row) with this id.
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
    /// A position that cannot be in the file's coordinate system
    /// (crate::input::crs::plausible): metres read as degrees, degrees
    /// read as metres, a wrong zone prefix.
    #[error("{at}: {rule}{}", system_note(*used, *declared))]
    Implausible {
        /// Where.
        at: Box<At>,
        /// The rule broken, with the likely system.
        rule: crate::input::crs::Implausible,
        /// The system the file was read in.
        used: crate::input::crs::Crs,
        /// The system the file declares, if any.
        declared: Option<crate::input::crs::Crs>,
    },
    /// A declared system gridplan does not know: a GeoJSON `crs` member, a
    /// Shapefile `.prj` or a GeoPackage srs.
    #[error(
        "{file}: declares the coordinate system {name}, which is not one gridplan knows (EPSG:n, wgs84, cgcs2000 or gcj02); give the system with --input-crs or --boundaries-crs"
    )]
    UnknownCrs {
        /// The file.
        file: String,
        /// The name found, as JSON.
        name: String,
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
    /// A code that is not safe in the outputs, or a village code that
    /// does not make standard grid codes (crate::model::codes, "Code
    /// rules").
    #[error("{at}: code {code:?} refused: {reason}")]
    BadCode {
        /// Where.
        at: Box<At>,
        /// The code as read.
        code: String,
        /// The rule it breaks.
        reason: String,
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
    /// A barrier `kind` that is missing or not one of the accepted kinds.
    #[error(
        "{at}: kind must be one of {}, got {found}",
        super::barriers::ACCEPTED_KINDS
    )]
    BadBarrierKind {
        /// Where.
        at: Box<At>,
        /// The value found (`nothing` when missing).
        found: String,
    },
    /// A boolean property (a barrier's `hard`) that is not true or false.
    #[error("{at}: {property} must be true or false, got {found}")]
    NotBool {
        /// Where.
        at: Box<At>,
        /// The property.
        property: &'static str,
        /// The value found.
        found: String,
    },
    /// A barrier line with fewer than 2 distinct positions.
    #[error(
        "{at}: line {line} has {distinct} distinct position(s); a barrier line needs at least 2"
    )]
    DegenerateLine {
        /// Where.
        at: Box<At>,
        /// 0-based line index within the MultiLineString (0 for a
        /// LineString).
        line: usize,
        /// Distinct consecutive positions given.
        distinct: usize,
    },
    /// A household inside two compounds: compounds may overlap only where
    /// no household lies, since every household belongs to one compound
    /// at most.
    #[error("{0}")]
    CompoundsOverlap(Box<CompoundOverlap>),
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
    /// An assignment's grid code that is unsafe, names no village of the
    /// boundaries, or is not in gridplan's form without `--free-codes`.
    #[error("{file}: line {line}: id \"{id}\": grid code {code:?} refused: {reason}")]
    BadGridCode {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The household id.
        id: String,
        /// The grid code.
        code: String,
        /// The rule it breaks.
        reason: String,
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
    /// An extension no reader knows.
    #[error("{file}: unknown file type; expected {expected}")]
    UnknownFormat {
        /// The file.
        file: String,
        /// The extensions accepted for this input.
        expected: &'static str,
    },
    /// A Shapefile without one of the files it needs beside the `.shp`.
    #[error(
        "{file}: missing {sidecar} beside the .shp (a Shapefile is .shp, .shx and .dbf together)"
    )]
    MissingSidecar {
        /// The `.shp`.
        file: String,
        /// The missing file's name.
        sidecar: String,
    },
    /// A `.shp`, `.shx` or `.dbf` that cannot be decoded.
    #[error("{file}: invalid {what}: {message}")]
    BadFile {
        /// The file.
        file: String,
        /// Which part (`Shapefile`, `.dbf`, `GeoPackage`, `XLSX workbook`).
        what: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A `.cpg` naming an encoding gridplan does not know.
    #[error(
        "{file}: unknown encoding {label:?} in the .cpg (use UTF-8, GBK, 936, GB2312 or GB18030)"
    )]
    UnknownEncoding {
        /// The `.cpg`.
        file: String,
        /// Its text.
        label: String,
    },
    /// A GeoPackage or workbook without the layer (sheet) asked for, or
    /// without any.
    #[error("{file}: {problem}; its {what}s: {}", if .found.is_empty() { "none".to_owned() } else { .found.join(", ") })]
    Layer {
        /// The file.
        file: String,
        /// `layer` (GeoPackage) or `sheet` (XLSX).
        what: &'static str,
        /// What is wrong: an unknown name, several to choose from, none.
        problem: String,
        /// The layers (sheets) the file has, in its order.
        found: Vec<String>,
    },
    /// A GeoPackage geometry blob that is not StandardGeoPackageBinary
    /// holding 2D or Z well-known binary.
    #[error("{at}: invalid GeoPackage geometry: {reason}")]
    BadWkb {
        /// Where.
        at: Box<At>,
        /// What is wrong.
        reason: String,
    },
    /// A column `[columns]` names that the file does not have.
    #[error("{file}: no column {column:?}, which [columns] in {config} names for {field}; the file has {}", .found.join(", "))]
    MappedColumnMissing {
        /// The input file.
        file: String,
        /// The config file.
        config: String,
        /// The household field (`households`, `lon`, ...).
        field: &'static str,
        /// The column named.
        column: String,
        /// The columns (properties) the file has.
        found: Vec<String>,
    },
    /// A table without a column a household needs.
    #[error("{file}: no column for {field} (looked for {tried}); name it in the [columns] table of --config; the file has {}", .found.join(", "))]
    NoColumn {
        /// The file.
        file: String,
        /// The household field (`id`, `lon`, `lat`).
        field: &'static str,
        /// The default names tried.
        tried: String,
        /// The columns the file has.
        found: Vec<String>,
    },
    /// CSV and XLSX hold household points only.
    #[error(
        "{file}: a {format} file can hold only the households; give the {input} as GeoJSON, Shapefile or GeoPackage"
    )]
    TableNotLayer {
        /// The file.
        file: String,
        /// `CSV` or `XLSX`.
        format: &'static str,
        /// The input it was given for (`boundaries`, ...).
        input: &'static str,
    },
}
