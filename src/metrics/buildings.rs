//! Step 4 of the metrics: the buildings of one village.
//!
//! Points with exactly equal coordinates are one building (-0.0 and 0.0
//! are the same), listed in (x, y) order. Buildings are the sites of the
//! territory cells and the points of the k-means yardstick. A building's
//! load for balance and k-means is that of its full-scope points.

use super::PointRec;
use super::grids::VillageGrids;
use crate::engine::graph::{cmp_coords, coord_key};

/// The buildings of one village.
pub(super) struct Buildings {
    /// Point indices sorted by coordinate.
    pub order: Vec<usize>,
    /// Distinct coordinates in (x, y) order.
    pub coords: Vec<[f64; 2]>,
    /// Full-scope load per building: what balance and k-means see.
    pub load: Vec<f64>,
    /// Building of each point.
    pub node: Vec<u32>,
}

impl Buildings {
    /// Merges the points `pts` (with their grids `g`) into buildings.
    pub fn of(pts: &[PointRec], g: &VillageGrids) -> Self {
        let n = pts.len();
        // Adding 0.0 (in `coord_key`) turns -0.0 into 0.0, so that
        // total_cmp agrees with ==, as spade does.
        let key = |i: usize| coord_key(pts[i].xy);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| cmp_coords(pts[a].xy, pts[b].xy));
        let mut coords: Vec<[f64; 2]> = Vec::new();
        let mut load: Vec<f64> = Vec::new();
        let mut node = vec![0u32; n];
        for &i in &order {
            let c = key(i);
            let same = coords
                .last()
                .is_some_and(|l| l[0].total_cmp(&c[0]).is_eq() && l[1].total_cmp(&c[1]).is_eq());
            if !same {
                coords.push(c);
                load.push(0.0);
            }
            let id = coords.len() - 1;
            node[i] = id as u32;
            if !g.dedicated[g.local[i]] {
                load[id] += pts[i].load;
            }
        }
        Self {
            order,
            coords,
            load,
            node,
        }
    }

    /// Full-scope load of the heaviest building (0 without any).
    pub fn max_load(&self) -> f64 {
        self.load.iter().copied().fold(0.0, f64::max)
    }
}
