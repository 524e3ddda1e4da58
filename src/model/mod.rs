//! The plain data types that flow between pipeline steps, the grid
//! codes ([`codes`]) that name their results, and metrics.json
//! ([`report`]).

pub mod codes;
pub mod ground;
pub mod names;
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

/// The category of premises a dedicated zone covers, for statistics.
///
/// A zone's kind is free text (`kind` in the zones file); [`ZoneKind::classify`]
/// maps the words planners use, English or Chinese, to one of these
/// categories. A kind it does not know counts as [`ZoneKind::Other`] and is
/// reported once as a warning (metrics.json `zone_kinds.unknown`), never
/// refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ZoneKind {
    /// An industrial park or development zone (工业园区, 开发区).
    Park,
    /// A school or kindergarten (学校, 幼儿园).
    School,
    /// A hospital or clinic (医院, 卫生院).
    Hospital,
    /// A market or shopping centre (市场, 商场).
    Market,
    /// An enterprise or factory (企业, 工厂).
    Enterprise,
    /// Anything else, including government offices (机关, 单位).
    Other,
}

/// English kinds, matched whole after trimming and lower-casing (spaces
/// and `-` read as `_`).
const ENGLISH_KINDS: &[(&str, ZoneKind)] = &[
    ("park", ZoneKind::Park),
    ("industrial", ZoneKind::Park),
    ("industrial_park", ZoneKind::Park),
    ("industrial_zone", ZoneKind::Park),
    ("development_zone", ZoneKind::Park),
    ("school", ZoneKind::School),
    ("primary_school", ZoneKind::School),
    ("middle_school", ZoneKind::School),
    ("high_school", ZoneKind::School),
    ("kindergarten", ZoneKind::School),
    ("college", ZoneKind::School),
    ("university", ZoneKind::School),
    ("hospital", ZoneKind::Hospital),
    ("clinic", ZoneKind::Hospital),
    ("health_centre", ZoneKind::Hospital),
    ("health_center", ZoneKind::Hospital),
    ("market", ZoneKind::Market),
    ("marketplace", ZoneKind::Market),
    ("mall", ZoneKind::Market),
    ("shopping_mall", ZoneKind::Market),
    ("enterprise", ZoneKind::Enterprise),
    ("factory", ZoneKind::Enterprise),
    ("company", ZoneKind::Enterprise),
    ("plant", ZoneKind::Enterprise),
    ("other", ZoneKind::Other),
    ("government", ZoneKind::Other),
    ("office", ZoneKind::Other),
    ("institution", ZoneKind::Other),
];

/// Chinese kinds, matched when the kind ends with one of them, so that
/// 实验小学 is a school and 人民医院 a hospital. Longer words come before
/// the shorter words they end with (农贸市场 before 市场).
const CHINESE_KINDS: &[(&str, ZoneKind)] = &[
    ("工业园区", ZoneKind::Park),
    ("工业区", ZoneKind::Park),
    ("开发区", ZoneKind::Park),
    ("产业园", ZoneKind::Park),
    ("园区", ZoneKind::Park),
    ("学校", ZoneKind::School),
    ("中学", ZoneKind::School),
    ("小学", ZoneKind::School),
    ("幼儿园", ZoneKind::School),
    ("学院", ZoneKind::School),
    ("大学", ZoneKind::School),
    ("医院", ZoneKind::Hospital),
    ("卫生院", ZoneKind::Hospital),
    ("卫生服务中心", ZoneKind::Hospital),
    ("农贸市场", ZoneKind::Market),
    ("市场", ZoneKind::Market),
    ("商场", ZoneKind::Market),
    ("企业", ZoneKind::Enterprise),
    ("工厂", ZoneKind::Enterprise),
    ("公司", ZoneKind::Enterprise),
    ("厂", ZoneKind::Enterprise),
    ("机关", ZoneKind::Other),
    ("单位", ZoneKind::Other),
    ("其他", ZoneKind::Other),
];

impl ZoneKind {
    /// The category's name, as in the exports' `zone_category` and
    /// metrics.json.
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

    /// The category of a kind as written in a zones file, English or
    /// Chinese; `None` when the kind is not one this table knows (the
    /// caller counts it as [`ZoneKind::Other`] and warns).
    ///
    /// English kinds match whole, ignoring case, surrounding spaces, and
    /// spaces or `-` inside (`Industrial Park` = `industrial_park`);
    /// Chinese kinds match the end of the text (`实验小学` → school).
    #[must_use]
    pub fn classify(kind: &str) -> Option<Self> {
        let k = kind.trim();
        let english: String = k
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        if let Some((_, z)) = ENGLISH_KINDS.iter().find(|(w, _)| *w == english) {
            return Some(*z);
        }
        CHINESE_KINDS
            .iter()
            .find(|(w, _)| k.ends_with(w))
            .map(|(_, z)| *z)
    }
}

/// A dedicated-premises zone (专属网格).
#[derive(Clone, Debug)]
pub struct Zone {
    /// The zone's code.
    pub code: String,
    /// The zone's name.
    pub name: String,
    /// The kind as given in the file, trimmed (empty when absent).
    pub kind: String,
    /// The kind's category: [`ZoneKind::classify`], [`ZoneKind::Other`]
    /// when the kind is absent or unknown.
    pub category: ZoneKind,
    /// Whether the kind was given but is not one [`ZoneKind::classify`]
    /// knows (reported once as a warning).
    pub unknown_kind: bool,
    /// The zone in longitude/latitude degrees.
    pub geometry: MultiPolygon<f64>,
}

/// What the exports and the statistics keep of a zone beside its polygon:
/// its name, its kind as given and the kind's category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneInfo {
    /// The zone's code.
    pub code: String,
    /// The zone's name (its code when the file gives none).
    pub name: String,
    /// The kind as given (empty when absent).
    pub kind: String,
    /// The kind's category.
    pub category: ZoneKind,
    /// Whether the kind was given but not recognised.
    pub unknown_kind: bool,
}

impl ZoneInfo {
    /// The information of a zone read from the zones file.
    #[must_use]
    pub fn of(z: &Zone) -> Self {
        Self {
            code: z.code.clone(),
            name: z.name.clone(),
            kind: z.kind.clone(),
            category: z.category,
            unknown_kind: z.unknown_kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ZoneKind;

    #[test]
    fn kinds_in_english_and_chinese_map_to_categories() {
        for (k, want) in [
            ("industrial", Some(ZoneKind::Park)),
            ("Industrial Park", Some(ZoneKind::Park)),
            ("工业园区", Some(ZoneKind::Park)),
            ("园区", Some(ZoneKind::Park)),
            ("开发区", Some(ZoneKind::Park)),
            ("SCHOOL", Some(ZoneKind::School)),
            ("实验小学", Some(ZoneKind::School)),
            ("幼儿园", Some(ZoneKind::School)),
            ("医院", Some(ZoneKind::Hospital)),
            ("卫生院", Some(ZoneKind::Hospital)),
            ("农贸市场", Some(ZoneKind::Market)),
            ("商场", Some(ZoneKind::Market)),
            ("factory", Some(ZoneKind::Enterprise)),
            ("公司", Some(ZoneKind::Enterprise)),
            ("机关", Some(ZoneKind::Other)),
            ("other", Some(ZoneKind::Other)),
            ("zoo", None),
            ("港口", None),
            ("", None),
        ] {
            assert_eq!(ZoneKind::classify(k), want, "{k:?}");
        }
    }
}
