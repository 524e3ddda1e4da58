//! The plain data types that flow between pipeline steps, the grid
//! codes ([`codes`]) that name their results, and metrics.json
//! ([`report`]).

pub mod codes;
pub mod ground;
pub mod report;

use geo::MultiPolygon;

/// One household point (a building or an address) as read from the input.
#[derive(Clone, Debug, PartialEq)]
pub struct Household {
    /// The unique id, as text (numbers are written without a fraction).
    pub id: String,
    /// Longitude in degrees, in the input's coordinate system.
    pub lon: f64,
    /// Latitude in degrees, in the input's coordinate system.
    pub lat: f64,
    /// Households at this point, at least 1.
    pub households: u32,
    /// People at this point, when given.
    pub population: Option<f64>,
    /// Rental rooms (a workload factor).
    pub rental: f64,
    /// Shops (a workload factor).
    pub shops: f64,
    /// Special populations (a workload factor).
    pub special: f64,
    /// The declared village code, checked against the geometry.
    pub village: Option<String>,
    /// The current grid, for stability metrics and re-allocation.
    pub grid: Option<String>,
}

/// The administrative level of a boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A county (县/市/区).
    County,
    /// A town or street office (乡镇/街道).
    Town,
    /// A village or urban community (村/社区).
    Village,
}

impl Level {
    /// The name used in the input files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Level::County => "county",
            Level::Town => "town",
            Level::Village => "village",
        }
    }
}

/// One administrative unit as read from the boundaries file.
#[derive(Clone, Debug)]
pub struct Boundary {
    /// The statistical code (12 digits for villages).
    pub code: String,
    /// The unit's name.
    pub name: String,
    /// County, town or village.
    pub level: Level,
    /// The enclosing unit's code.
    pub parent: Option<String>,
    /// The territory in longitude/latitude degrees.
    pub geometry: MultiPolygon<f64>,
    /// The feature's index in the input file, for error messages.
    pub feature_index: usize,
}

/// The kind of premises a dedicated zone covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZoneKind {
    /// An industrial park.
    Park,
    /// A school.
    School,
    /// A hospital.
    Hospital,
    /// A market.
    Market,
    /// An enterprise.
    Enterprise,
    /// Anything else.
    Other,
}

impl ZoneKind {
    /// The name used in the input files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneKind::Park => "park",
            ZoneKind::School => "school",
            ZoneKind::Hospital => "hospital",
            ZoneKind::Market => "market",
            ZoneKind::Enterprise => "enterprise",
            ZoneKind::Other => "other",
        }
    }

    /// Parses a kind name; `None` when unknown.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "park" => ZoneKind::Park,
            "school" => ZoneKind::School,
            "hospital" => ZoneKind::Hospital,
            "market" => ZoneKind::Market,
            "enterprise" => ZoneKind::Enterprise,
            "other" => ZoneKind::Other,
            _ => return None,
        })
    }
}

/// A dedicated-premises zone (专属网格).
#[derive(Clone, Debug)]
pub struct Zone {
    /// The zone's code.
    pub code: String,
    /// The zone's name.
    pub name: String,
    /// What kind of premises.
    pub kind: ZoneKind,
    /// The zone in longitude/latitude degrees.
    pub geometry: MultiPolygon<f64>,
}
