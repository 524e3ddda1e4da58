//! Dedicated grids (专属网格): households inside premises zones.
//!
//! Industrial parks, schools, hospitals, markets and enterprises get grids
//! of their own (docs/DESIGN.md §2). Their households and workload leave the
//! village's full-scope grids.
//!
//! # Algorithm
//! 1. Test every household against the zones' bounding boxes, then against
//!    the zone polygon (point-in-polygon with geo's interval-tree index).
//!    A household in several overlapping zones belongs to the first zone
//!    in code order, so the result does not depend on file order.
//! 2. A zone belongs to the village holding most of its households (ties to
//!    the lower village code). A zone whose households lie in several
//!    villages is reported with the count per village; its households are
//!    served by its village's dedicated grid.
//! 3. The pipeline then cuts each zone into ⌈H/MAX⌉ grids (the grid band's
//!    maximum) with the full-scope engine, and numbers a village's dedicated
//!    grids from 901 in serpentine order.
//!
//! # Complexity
//! O(n · z) box tests for n households and z zones (z is a few dozen), plus
//! one polygon test per box hit.

use std::collections::BTreeMap;

use geo::algorithm::indexed::IntervalTreeMultiPolygon;
use geo::{BoundingRect, Contains, Coord, MultiPolygon, Rect};
use rayon::prelude::*;
use serde::Serialize;

/// A zone whose households lie in more than one village.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZoneCrossing {
    /// Zone code.
    pub zone_code: String,
    /// The village the zone was given to.
    pub village_code: String,
    /// Households of the zone per village code.
    pub households_by_village: BTreeMap<String, u64>,
}

/// Which zone each household is in, and which village each zone goes to.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneMembership {
    /// Per household: the zone index, if any.
    pub zone_of: Vec<Option<u32>>,
    /// Per zone: the village index it belongs to (None for an empty zone).
    pub village_of_zone: Vec<Option<u32>>,
    /// Zones that cross village lines.
    pub crossings: Vec<ZoneCrossing>,
    /// Codes of zones with no household.
    pub empty: Vec<String>,
}

/// Assigns households to zones and zones to villages (see the module docs).
///
/// `zones` are (code, polygon in metres), `village_of` the located village
/// of every household, `households` its household count, and
/// `village_codes` the village codes by index.
#[must_use]
pub fn assign(
    xy: &[[f64; 2]],
    households: &[u32],
    village_of: &[u32],
    village_codes: &[String],
    zones: &[(String, MultiPolygon<f64>)],
) -> ZoneMembership {
    // Code order decides overlaps.
    let mut order: Vec<usize> = (0..zones.len()).collect();
    order.sort_by(|&a, &b| zones[a].0.cmp(&zones[b].0));
    let prepared: Vec<(usize, Option<Rect<f64>>, IntervalTreeMultiPolygon<f64>)> = order
        .iter()
        .map(|&z| {
            (
                z,
                zones[z].1.bounding_rect(),
                IntervalTreeMultiPolygon::new(&zones[z].1),
            )
        })
        .collect();
    let zone_of: Vec<Option<u32>> = xy
        .par_iter()
        .map(|p| {
            let c = Coord { x: p[0], y: p[1] };
            prepared.iter().find_map(|(z, rect, tree)| {
                let r = rect.as_ref()?;
                let inside_box =
                    c.x >= r.min().x && c.x <= r.max().x && c.y >= r.min().y && c.y <= r.max().y;
                (inside_box && tree.contains(&c)).then(|| u32::try_from(*z).unwrap_or(u32::MAX))
            })
        })
        .collect();
    let mut per_zone: Vec<BTreeMap<u32, u64>> = vec![BTreeMap::new(); zones.len()];
    for (i, z) in zone_of.iter().enumerate() {
        if let Some(z) = z {
            *per_zone[*z as usize].entry(village_of[i]).or_default() += u64::from(households[i]);
        }
    }
    let mut village_of_zone = Vec::with_capacity(zones.len());
    let mut crossings = Vec::new();
    let mut empty = Vec::new();
    for (z, counts) in per_zone.iter().enumerate() {
        // Most households first; BTreeMap order (village index = code
        // order) breaks ties towards the lower code.
        let best = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(&v, _)| v);
        if best.is_none() {
            empty.push(zones[z].0.clone());
        }
        if let (Some(v), true) = (best, counts.len() > 1) {
            crossings.push(ZoneCrossing {
                zone_code: zones[z].0.clone(),
                village_code: village_codes[v as usize].clone(),
                households_by_village: counts
                    .iter()
                    .map(|(&vi, &h)| (village_codes[vi as usize].clone(), h))
                    .collect(),
            });
        }
        village_of_zone.push(best);
    }
    crossings.sort_by(|a, b| a.zone_code.cmp(&b.zone_code));
    empty.sort();
    ZoneMembership {
        zone_of,
        village_of_zone,
        crossings,
        empty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    fn square(x: f64, y: f64, s: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s)],
        ])
    }

    #[test]
    fn a_zone_across_two_villages_goes_to_the_larger_share() {
        // Zone Z1 spans x 90..130; village 0 is x < 100, village 1 x >= 100.
        let xy = [
            [95.0, 5.0],
            [105.0, 5.0],
            [110.0, 5.0],
            [50.0, 5.0],
            [200.0, 200.0],
        ];
        let hh = [10, 5, 7, 3, 1];
        let village_of = [0, 1, 1, 0, 1];
        let codes = vec!["330381001001".to_string(), "330381001002".to_string()];
        let zones = vec![
            ("Z1".to_string(), square(90.0, 0.0, 40.0)),
            ("Z2".to_string(), square(500.0, 500.0, 10.0)),
        ];
        let m = assign(&xy, &hh, &village_of, &codes, &zones);
        assert_eq!(m.zone_of, vec![Some(0), Some(0), Some(0), None, None]);
        // 12 households in village 1 against 10 in village 0.
        assert_eq!(m.village_of_zone, vec![Some(1), None]);
        assert_eq!(m.crossings.len(), 1);
        assert_eq!(m.crossings[0].village_code, "330381001002");
        assert_eq!(m.crossings[0].households_by_village["330381001001"], 10);
        assert_eq!(m.empty, vec!["Z2".to_string()]);
    }

    #[test]
    fn overlapping_zones_take_the_lower_code() {
        let xy = [[5.0, 5.0]];
        let zones = vec![
            ("Z9".to_string(), square(0.0, 0.0, 10.0)),
            ("Z1".to_string(), square(0.0, 0.0, 10.0)),
        ];
        let m = assign(&xy, &[1], &[0], &["v".to_string()], &zones);
        assert_eq!(m.zone_of, vec![Some(1)]);
    }
}
