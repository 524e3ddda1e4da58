//! Dedicated zones in the plan: how many grids a zone gets, and which
//! households and territory each village serves once its zones are in.

use geo::{BooleanOps, Intersects, MultiPolygon};

use crate::input::prepare::{County, ZoneSetup};

/// How many dedicated grids a zone gets from its buildings' household
/// counts: each building above the band's top is a grid of its own (it
/// cannot be split), and the other households make ⌈rest/MAX⌉ grids, or
/// join the big buildings' grids when they are fewer than the band's
/// bottom (a 3-household gatehouse is no grid of its own).
pub(crate) fn zone_grid_count(buildings: impl Iterator<Item = f64>, band: (f64, f64)) -> usize {
    let (mut big, mut rest) = (0usize, 0.0f64);
    for h in buildings {
        if h > band.1 {
            big += 1;
        } else {
            rest += h;
        }
    }
    let small = (rest / band.1).ceil() as usize;
    if big > 0 && rest < band.0 {
        big
    } else {
        (big + small).max(1)
    }
}

/// The zones given to each village, by index.
pub(crate) fn zones_by_village(county: &County, zs: &ZoneSetup) -> Vec<Vec<usize>> {
    (0..county.villages.len())
        .map(|vi| {
            (0..zs.zones.len())
                .filter(|&z| zs.zm.village_of_zone[z] == u32::try_from(vi).ok())
                .collect()
        })
        .collect()
}

/// The households each village serves (a zone's households count in the
/// zone's village) and its territory (the village plus its zones, so that
/// a zone crossing into a neighbour is part of the village it belongs to).
pub(crate) fn served(county: &County, zs: &ZoneSetup) -> (Vec<Vec<u32>>, Vec<MultiPolygon<f64>>) {
    let zones = &zs.zones;
    let zm = &zs.zm;
    let mut members = zs.fs_members.clone();
    let mut territory: Vec<MultiPolygon<f64>> =
        county.villages.iter().map(|v| v.polygon.clone()).collect();
    for (z, m) in zs.zone_members.iter().enumerate() {
        if let Some(v) = zm.village_of_zone[z] {
            members[v as usize].extend_from_slice(m);
            if zm.crossings.iter().any(|c| c.zone_code == zones[z].0) {
                // A zone crossing into a neighbour joins its village...
                territory[v as usize] = territory[v as usize].union(&zones[z].1);
                // ...and leaves every neighbour it reaches into, so that no
                // two villages' grids overlap there.
                for (w, t) in territory.iter_mut().enumerate() {
                    if w != v as usize && t.intersects(&zones[z].1) {
                        *t = t.difference(&zones[z].1);
                    }
                }
            }
        }
    }
    for m in &mut members {
        m.sort_unstable();
    }
    (members, territory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_grid_counts() {
        let band = (300.0, 500.0);
        // Ordinary premises: ⌈H/500⌉.
        assert_eq!(zone_grid_count([200.0, 200.0].into_iter(), band), 1);
        assert_eq!(zone_grid_count([300.0, 300.0, 300.0].into_iter(), band), 2);
        // A 1,200-household tower and a gatehouse: one grid, not two.
        assert_eq!(zone_grid_count([1200.0, 3.0].into_iter(), band), 1);
        // Two towers and enough households beside them for a third grid.
        assert_eq!(
            zone_grid_count([900.0, 800.0, 250.0, 150.0].into_iter(), band),
            3
        );
        // An empty zone still names one grid (it is never called then).
        assert_eq!(zone_grid_count(std::iter::empty(), band), 1);
    }
}
