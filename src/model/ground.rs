//! The ground: barriers (rivers, railways, roads) and residential
//! compounds, as read from `--barriers` and `--compounds`, and what a plan
//! reports about them (docs/DESIGN.md §9).
//!
//! A barrier's *kind* comes from OpenStreetMap's vocabulary or from the
//! Chinese words planners use; [`BarrierKind::parse`] maps both. Whether a
//! barrier is *hard* (never crossed unless forced) or *soft* (crossing it
//! costs compactness) follows the kind, unless the feature's `hard`
//! property or `--hard-barriers` says otherwise.

use geo::MultiPolygon;
use serde::Serialize;

/// What a barrier is on the ground.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BarrierKind {
    /// Motorway (高速).
    Motorway,
    /// Trunk road (国道).
    Trunk,
    /// Primary road (省道, 主干道).
    Primary,
    /// Secondary road (县道, 次干道).
    Secondary,
    /// Tertiary road (支路).
    Tertiary,
    /// Residential street.
    Residential,
    /// Railway (铁路).
    Railway,
    /// River (河, 江).
    River,
    /// Canal (渠).
    Canal,
    /// Stream (溪).
    Stream,
    /// Drain or ditch.
    Drain,
    /// Standing water: a lake or reservoir outline (湖, 水库).
    Water,
    /// Any other line the planner wants to follow.
    Other,
}

impl BarrierKind {
    /// Every kind, in declaration order.
    pub const ALL: [BarrierKind; 13] = [
        BarrierKind::Motorway,
        BarrierKind::Trunk,
        BarrierKind::Primary,
        BarrierKind::Secondary,
        BarrierKind::Tertiary,
        BarrierKind::Residential,
        BarrierKind::Railway,
        BarrierKind::River,
        BarrierKind::Canal,
        BarrierKind::Stream,
        BarrierKind::Drain,
        BarrierKind::Water,
        BarrierKind::Other,
    ];

    /// The kinds that are hard unless told otherwise: the lines people
    /// cannot cross on foot except at a bridge or a crossing (rivers,
    /// canals, open water, railways) and the roads that carry through
    /// traffic (motorway, trunk, primary), as in county practice.
    pub const HARD_BY_DEFAULT: [BarrierKind; 7] = [
        BarrierKind::River,
        BarrierKind::Canal,
        BarrierKind::Water,
        BarrierKind::Railway,
        BarrierKind::Motorway,
        BarrierKind::Trunk,
        BarrierKind::Primary,
    ];

    /// The kind named by `text`: an OSM value (`motorway`, `trunk`,
    /// `primary`, `secondary`, `tertiary`, `residential`, `railway` or
    /// `rail`, `river`, `canal`, `stream`, `drain`, `water`, `other`; a
    /// `_link` suffix is folded into its road), or one of the Chinese words
    /// 河, 江, 溪, 渠, 湖, 水库, 铁路, 高速, 国道, 省道, 县道, 主干道, 次干道, 支路.
    /// Case and surrounding spaces are ignored. `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase();
        let t = t.strip_suffix("_link").unwrap_or(&t);
        Some(match t {
            "motorway" | "高速" | "高速公路" => BarrierKind::Motorway,
            "trunk" | "国道" => BarrierKind::Trunk,
            "primary" | "省道" | "主干道" => BarrierKind::Primary,
            "secondary" | "县道" | "次干道" => BarrierKind::Secondary,
            "tertiary" | "支路" => BarrierKind::Tertiary,
            "residential" => BarrierKind::Residential,
            "railway" | "rail" | "铁路" => BarrierKind::Railway,
            "river" | "河" | "江" => BarrierKind::River,
            "canal" | "渠" => BarrierKind::Canal,
            "stream" | "溪" => BarrierKind::Stream,
            "drain" => BarrierKind::Drain,
            "water" | "湖" | "水库" => BarrierKind::Water,
            "other" => BarrierKind::Other,
            _ => return None,
        })
    }

    /// The OSM-style name written to outputs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BarrierKind::Motorway => "motorway",
            BarrierKind::Trunk => "trunk",
            BarrierKind::Primary => "primary",
            BarrierKind::Secondary => "secondary",
            BarrierKind::Tertiary => "tertiary",
            BarrierKind::Residential => "residential",
            BarrierKind::Railway => "railway",
            BarrierKind::River => "river",
            BarrierKind::Canal => "canal",
            BarrierKind::Stream => "stream",
            BarrierKind::Drain => "drain",
            BarrierKind::Water => "water",
            BarrierKind::Other => "other",
        }
    }

    /// Whether the kind is in [`Self::HARD_BY_DEFAULT`].
    #[must_use]
    pub fn hard_by_default(self) -> bool {
        Self::HARD_BY_DEFAULT.contains(&self)
    }
}

/// One barrier feature. Coordinates are WGS84 longitude/latitude as read
/// (after `--boundaries-crs`), or local metres once the county is
/// projected.
#[derive(Clone, Debug, PartialEq)]
pub struct Barrier {
    /// The feature's index in its file.
    pub feature: usize,
    /// Its kind.
    pub kind: BarrierKind,
    /// Its `name` property ("" when absent).
    pub name: String,
    /// Hard (never crossed unless forced) or soft (crossing costs).
    pub hard: bool,
    /// The lines: each LineString, and each ring of a Polygon feature
    /// (closed, first point repeated last).
    pub lines: Vec<Vec<[f64; 2]>>,
}

/// One residential compound (小区, 园区).
#[derive(Clone, Debug, PartialEq)]
pub struct Compound {
    /// The feature's index in its file.
    pub feature: usize,
    /// Its `code`, unique in the file.
    pub code: String,
    /// Its `name` ("" when absent).
    pub name: String,
    /// Its outline (WGS84 as read, metres once projected).
    pub polygon: MultiPolygon<f64>,
}

/// A grid that crosses a hard barrier because the households between the
/// barriers could not form grids within the band on their own.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ForcedCrossing {
    /// The grid's code.
    pub grid_code: String,
    /// Its village.
    pub village_code: String,
    /// The barrier's kind.
    pub kind: BarrierKind,
    /// The barrier's name ("" when it has none).
    pub name: String,
    /// The barrier's feature index in the barriers file.
    pub feature: usize,
    /// Metres of the barrier inside the grid.
    pub metres: f64,
    /// Why the crossing was needed, in a sentence.
    pub reason: String,
}

/// A compound whose buildings went to more than one grid.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompoundSplit {
    /// The compound's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Households in it.
    pub households: u64,
    /// The grids that hold its buildings, in code order.
    pub grids: Vec<String>,
    /// Why it was split, in a sentence.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_in_english_osm_and_chinese() {
        assert_eq!(BarrierKind::parse("River"), Some(BarrierKind::River));
        assert_eq!(BarrierKind::parse(" rail "), Some(BarrierKind::Railway));
        assert_eq!(
            BarrierKind::parse("primary_link"),
            Some(BarrierKind::Primary)
        );
        assert_eq!(BarrierKind::parse("水库"), Some(BarrierKind::Water));
        assert_eq!(BarrierKind::parse("支路"), Some(BarrierKind::Tertiary));
        assert_eq!(BarrierKind::parse("footway"), None);
        for k in BarrierKind::ALL {
            assert_eq!(BarrierKind::parse(k.as_str()), Some(k));
        }
        assert!(BarrierKind::Railway.hard_by_default());
        assert!(!BarrierKind::Secondary.hard_by_default());
    }
}
