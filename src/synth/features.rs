//! The five FeatureCollections written by [`super::write`].

use super::COUNTY_CODE;
use super::compounds::Compound;
use super::ground::Ground;
use super::households::Hh;
use super::layout::Layout;
use super::zones::Zone;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, JsonValue};

pub(super) fn feature(value: GeometryValue, props: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry: Some(Geometry::new(value)),
        id: None,
        properties: Some(props),
        foreign_members: None,
    }
}

pub(super) fn area_value(mp: &MultiPolygon<f64>) -> GeometryValue {
    if mp.0.len() == 1 {
        GeometryValue::from(&mp.0[0])
    } else {
        GeometryValue::from(mp)
    }
}

pub(super) fn boundary_props(
    code: &str,
    name: &str,
    level: &str,
    parent: Option<&str>,
) -> JsonObject {
    let mut p = JsonObject::new();
    p.insert("code".into(), code.into());
    p.insert("name".into(), name.into());
    p.insert("level".into(), level.into());
    p.insert(
        "parent".into(),
        parent.map_or(JsonValue::Null, JsonValue::from),
    );
    p
}

pub(super) fn boundary_features(layout: &Layout) -> FeatureCollection {
    let mut f = vec![feature(
        area_value(&layout.county),
        boundary_props(COUNTY_CODE, "瑞安市（合成）", "county", None),
    )];
    for t in &layout.towns {
        f.push(feature(
            area_value(&t.geom),
            boundary_props(&t.code, &t.name, "town", Some(COUNTY_CODE)),
        ));
    }
    for v in &layout.villages {
        f.push(feature(
            area_value(&v.geom),
            boundary_props(
                &v.code,
                &v.name,
                "village",
                Some(&layout.towns[v.town].code),
            ),
        ));
    }
    FeatureCollection::new(f)
}

pub(super) fn household_features(
    layout: &Layout,
    hh: &[Hh],
    grids: &[String],
) -> FeatureCollection {
    FeatureCollection::new(hh.iter().zip(grids).enumerate().map(|(i, (h, g))| {
        let mut p = JsonObject::new();
        p.insert("id".into(), format!("H{:07}", i + 1).into());
        p.insert("households".into(), h.households.into());
        p.insert("population".into(), h.population.into());
        p.insert("rental".into(), h.rental.into());
        p.insert("shops".into(), h.shops.into());
        p.insert("special".into(), h.special.into());
        if h.declare_village {
            p.insert(
                "village".into(),
                layout.villages[h.village].code.clone().into(),
            );
        }
        p.insert("grid".into(), g.clone().into());
        feature(GeometryValue::new_point(h.deg), p)
    }))
}

pub(super) fn zone_features(zones: &[Zone]) -> FeatureCollection {
    FeatureCollection::new(zones.iter().map(|z| {
        let mut p = JsonObject::new();
        p.insert("code".into(), z.code.clone().into());
        p.insert("name".into(), z.name.clone().into());
        p.insert("kind".into(), z.kind.into());
        feature(
            GeometryValue::from(&Polygon::new(z.ring.line(false), vec![])),
            p,
        )
    }))
}

/// One LineString per line, with its `kind` and `name`.
pub(super) fn barrier_features(ground: &Ground) -> FeatureCollection {
    FeatureCollection::new(ground.lines.iter().map(|l| {
        let mut p = JsonObject::new();
        p.insert("kind".into(), l.kind.as_str().into());
        p.insert("name".into(), l.name.clone().into());
        let line: LineString<f64> = l.deg.iter().map(|d| Coord { x: d[0], y: d[1] }).collect();
        feature(GeometryValue::from(&line), p)
    }))
}

/// One Polygon per compound, with its `code` and `name`.
pub(super) fn compound_features(compounds: &[Compound]) -> FeatureCollection {
    FeatureCollection::new(compounds.iter().map(|c| {
        let mut p = JsonObject::new();
        p.insert("code".into(), c.code.clone().into());
        p.insert("name".into(), c.name.clone().into());
        feature(
            GeometryValue::from(&Polygon::new(c.ring.line(false), vec![])),
            p,
        )
    }))
}
