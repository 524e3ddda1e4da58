//! Reading and validating the inputs (docs/DESIGN.md §3).
//!
//! GeoJSON FeatureCollections come in: household points, administrative
//! boundaries and, optionally, dedicated zones, barriers (rivers, railways,
//! roads) and residential compounds; plus an `assignment.csv` for
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
//!
//! # Layout
//! - `errors`: [`ReadError`] and [`At`];
//! - `geojson`: the private serde shapes and the whole-file read (steps 1-2);
//! - `validate`: geometry, coordinate and property checks shared by the
//!   readers (step 3);
//! - `households`, `boundaries` (with the hierarchy, step 4), `zones`,
//!   `barriers` (with `--hard-barriers`' list), `compounds`: one reader per
//!   input file;
//! - `assignment`: `assignment.csv` read back for `gridplan metrics`.

mod assignment;
mod barriers;
mod boundaries;
mod columns;
mod compounds;
mod dbf;
mod errors;
mod geojson;
mod gpkg;
mod households;
mod records;
mod shp;
mod source;
mod table;
#[cfg(test)]
mod test_support;
mod validate;
mod zones;

pub use assignment::{AssignmentRows, read_assignment, read_assignment_checked};
pub use barriers::{ACCEPTED_KINDS, parse_kind_list, read_barriers, read_barriers_with};
pub use boundaries::{read_boundaries, read_boundaries_with};
pub use columns::{ColumnMap, Field};
pub use compounds::{read_compounds, read_compounds_with};
pub(crate) use dbf::write as write_dbf;
pub(crate) use errors::list_ids;
pub use errors::{At, CompoundOverlap, ReadError, Unit};
pub use households::{read_households, read_households_with};
pub use source::{Declared, Found, Read, ReadOptions};
pub use zones::{read_zones, read_zones_with};
