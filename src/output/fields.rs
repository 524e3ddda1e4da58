//! The fields of the grid layers and the roster: one table of key, kind,
//! Chinese header and meaning, which the map layers
//! ([`crate::output::maps`]), the roster ([`crate::output::xlsx`]) and the
//! README's field table all follow.
//!
//! The keys are the GeoJSON property names and GeoPackage columns, in this
//! order (deterministic, as [`GRID_FIELDS`] and [`MICRO_FIELDS`] list
//! them); the Shapefile's ≤ 10-byte names are in [`SHP_NAMES`]; the
//! Chinese headers are the roster's first row, whose second row repeats
//! the keys.

use crate::output::export::FieldKind;

/// One field: key, kind, the roster's Chinese header, and its meaning.
#[derive(Clone, Copy, Debug)]
pub struct FieldDoc {
    /// The key (GeoJSON property, GeoPackage column, roster second row).
    pub key: &'static str,
    /// Its type.
    pub kind: FieldKind,
    /// The roster's Chinese header.
    pub header: &'static str,
    /// What it holds.
    pub meaning: &'static str,
}

const fn f(
    key: &'static str,
    kind: FieldKind,
    header: &'static str,
    meaning: &'static str,
) -> FieldDoc {
    FieldDoc {
        key,
        kind,
        header,
        meaning,
    }
}

/// Every field of either layer, in the grids layer's order, then the
/// micro-grids' own.
pub const FIELD_DOCS: &[FieldDoc] = &[
    f(
        "grid_name",
        FieldKind::Text,
        "网格名称",
        "the grid's name ([naming] templates)",
    ),
    f(
        "grid_code",
        FieldKind::Text,
        "网格编码",
        "the grid's code: village code + 3 digits (micro-grids + 2 more)",
    ),
    f(
        "type_zh",
        FieldKind::Text,
        "网格类型",
        "全科网格, 专属网格 or 微网格",
    ),
    f(
        "grid_type",
        FieldKind::Text,
        "网格类型(英文)",
        "full_scope, dedicated or micro",
    ),
    f(
        "village_code",
        FieldKind::Text,
        "村社编码",
        "the village's 12-digit code",
    ),
    f(
        "village_name",
        FieldKind::Text,
        "村社名称",
        "the village's name (its code when the boundaries give none)",
    ),
    f(
        "town_code",
        FieldKind::Text,
        "乡镇街道编码",
        "the town's code (the village's parent)",
    ),
    f(
        "town_name",
        FieldKind::Text,
        "乡镇街道名称",
        "the town's name (its code when the boundaries give none)",
    ),
    f(
        "households",
        FieldKind::Int,
        "户数",
        "households in the grid",
    ),
    f(
        "population",
        FieldKind::Real,
        "人口",
        "people in the grid (0 where not given)",
    ),
    f(
        "area_m2",
        FieldKind::Real,
        "面积(平方米)",
        "the polygon's area in square metres",
    ),
    f(
        "effective_date",
        FieldKind::Date,
        "生效日期",
        "--effective-date, YYYY-MM-DD (default today)",
    ),
    f(
        "load",
        FieldKind::Real,
        "工作量",
        "the balanced measure summed over the grid",
    ),
    f(
        "micro_grids",
        FieldKind::Int,
        "微网格数",
        "micro-grids in the grid",
    ),
    f(
        "pieces",
        FieldKind::Int,
        "图斑数",
        "polygon pieces (1 = one piece)",
    ),
    f(
        "hard_crossings",
        FieldKind::Int,
        "跨越硬障碍数",
        "hard barriers with more than 25 m inside the grid",
    ),
    f(
        "zone_code",
        FieldKind::Text,
        "专属区域编码",
        "a dedicated grid's zone code (empty otherwise)",
    ),
    f(
        "zone_kind",
        FieldKind::Text,
        "专属区域类型",
        "the zone's kind as given in the zones file",
    ),
    f(
        "zone_category",
        FieldKind::Text,
        "专属区域类别",
        "park, school, hospital, market, enterprise or other",
    ),
    f(
        "parent_grid",
        FieldKind::Text,
        "所属网格编码",
        "a micro-grid's grid code",
    ),
    f(
        "parent_name",
        FieldKind::Text,
        "所属网格名称",
        "a micro-grid's grid name",
    ),
    f(
        "oversize_building",
        FieldKind::Int,
        "超大楼栋",
        "1 when the micro-grid is part of a building too large for one",
    ),
];

/// The fields of grids.geojson and its Shapefile/GeoPackage twins, and of
/// the roster's 全科网格 and 专属网格 sheets.
pub const GRID_FIELDS: &[(&str, FieldKind)] = &[
    ("grid_name", FieldKind::Text),
    ("grid_code", FieldKind::Text),
    ("type_zh", FieldKind::Text),
    ("grid_type", FieldKind::Text),
    ("village_code", FieldKind::Text),
    ("village_name", FieldKind::Text),
    ("town_code", FieldKind::Text),
    ("town_name", FieldKind::Text),
    ("households", FieldKind::Int),
    ("population", FieldKind::Real),
    ("area_m2", FieldKind::Real),
    ("effective_date", FieldKind::Date),
    ("load", FieldKind::Real),
    ("micro_grids", FieldKind::Int),
    ("pieces", FieldKind::Int),
    ("hard_crossings", FieldKind::Int),
    ("zone_code", FieldKind::Text),
    ("zone_kind", FieldKind::Text),
    ("zone_category", FieldKind::Text),
];

/// The fields of micro_grids.geojson and the roster's 微网格 sheet: the
/// common leading fields, then the micro-grid's own.
pub const MICRO_FIELDS: &[(&str, FieldKind)] = &[
    ("grid_name", FieldKind::Text),
    ("grid_code", FieldKind::Text),
    ("type_zh", FieldKind::Text),
    ("grid_type", FieldKind::Text),
    ("village_code", FieldKind::Text),
    ("village_name", FieldKind::Text),
    ("town_code", FieldKind::Text),
    ("town_name", FieldKind::Text),
    ("households", FieldKind::Int),
    ("population", FieldKind::Real),
    ("area_m2", FieldKind::Real),
    ("effective_date", FieldKind::Date),
    ("load", FieldKind::Real),
    ("parent_grid", FieldKind::Text),
    ("parent_name", FieldKind::Text),
    ("oversize_building", FieldKind::Int),
];

/// The Shapefile (dBase) names of the keys longer than 10 bytes; every
/// other key is its own dBase name.
pub const SHP_NAMES: &[(&str, &str)] = &[
    ("village_code", "village_cd"),
    ("village_name", "village_nm"),
    ("effective_date", "eff_date"),
    ("micro_grids", "n_micro"),
    ("hard_crossings", "hard_cross"),
    ("zone_category", "zone_cat"),
    ("parent_grid", "parent_grd"),
    ("parent_name", "parent_nm"),
    ("oversize_building", "oversize_b"),
];

/// The Chinese header of `key` (the key itself when unknown).
#[must_use]
pub fn header(key: &str) -> &str {
    FIELD_DOCS
        .iter()
        .find(|d| d.key == key)
        .map_or(key, |d| d.header)
}

/// The type names of a grid level: (Chinese, English).
#[must_use]
pub fn grid_type(dedicated: bool) -> (&'static str, &'static str) {
    if dedicated {
        ("专属网格", crate::metrics::DEDICATED)
    } else {
        ("全科网格", crate::metrics::FULL_SCOPE)
    }
}

/// The type names of a micro-grid: (Chinese, English).
pub const MICRO_TYPE: (&str, &str) = ("微网格", "micro");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_field_is_documented_with_its_kind() {
        for (key, kind) in GRID_FIELDS.iter().chain(MICRO_FIELDS) {
            let d = FIELD_DOCS.iter().find(|d| d.key == *key);
            assert!(d.is_some_and(|d| d.kind == *kind), "{key}");
        }
        for d in FIELD_DOCS {
            assert!(
                GRID_FIELDS
                    .iter()
                    .chain(MICRO_FIELDS)
                    .any(|(k, _)| *k == d.key),
                "{} is documented but in no layer",
                d.key
            );
        }
    }

    #[test]
    fn shapefile_names_are_short_and_unique() {
        let fields: Vec<(&str, FieldKind)> = FIELD_DOCS.iter().map(|d| (d.key, d.kind)).collect();
        let names = crate::output::export::dbf_field_names(&fields);
        for (d, n) in FIELD_DOCS.iter().zip(&names) {
            assert!(n.len() <= 10, "{n}");
            if d.key.len() > 10 {
                let mapped = SHP_NAMES.iter().find(|(k, _)| *k == d.key).map(|x| x.1);
                assert_eq!(mapped, Some(n.as_str()), "{}", d.key);
            } else {
                assert_eq!(n, d.key);
            }
        }
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
    }
}
