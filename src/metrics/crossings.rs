//! Barrier crossings (docs/DESIGN.md §9): which grids straddle a barrier
//! of `--barriers`.
//!
//! # Definitions
//! - A barrier lies *inside* a grid where the territory cells on both of
//!   its sides belong to the grid ([`Territory::inside_barriers`](crate::engine::territory::Territory::inside_barriers)): the
//!   barrier's length that is not a border of the grid.
//! - A grid *crosses* a barrier when more than [`CROSSING_MIN_M`] of it lies
//!   inside the grid. `hard_crossings` and `soft_crossings` of a grid count
//!   the distinct hard and soft barriers it crosses.
//! - A building shared by several grids counts, for this measure only, in
//!   the grid holding most of its households (the lowest label on a tie),
//!   since a cell has one side of a barrier.
//!
//! # Algorithm
//! Per village, on the territory of [`crate::metrics::contiguity`]: label each
//! building with its grid, sum the barrier borders inside each grid per
//! barrier, and keep the barriers above the threshold. The county sums the
//! grids and lists the hard crossings, up to [`MAX_LISTED`], in village
//! then grid label then barrier order, with the barrier's kind and name
//! from [`MetricsInput::barriers`] (index [`BarrierLine::barrier`]).
//!
//! # Complexity
//! O(n log n) for the labels and O(e log e) over the e atom borders of the
//! territory.
//!
//! [`BarrierLine::barrier`]: crate::engine::territory::BarrierLine::barrier

use super::buildings::Buildings;
use super::grids::VillageGrids;
use super::village::{GridMetrics, VillageWork};
use super::{MAX_LISTED, MetricsInput, PointRec, code_of};
use crate::engine::territory::Territory;
use crate::model::ground::BarrierKind;
use serde::Serialize;

/// Barrier length inside a grid above which the grid crosses it, metres:
/// issue 10's GIS check, which shrinks each grid polygon by 3 m and counts
/// more than 25 m of hard barrier inside it as a crossing.
pub const CROSSING_MIN_M: f64 = 25.0;

/// Barrier crossings over the county.
#[derive(Serialize, Clone, Debug)]
pub struct CrossingMetrics {
    /// Grid pieces that cross at least one hard barrier.
    pub grids_crossing_hard: usize,
    /// Grid pieces that cross at least one soft barrier.
    pub grids_crossing_soft: usize,
    /// (grid piece, hard barrier) crossings.
    pub hard_crossings: usize,
    /// (grid piece, soft barrier) crossings.
    pub soft_crossings: usize,
    /// Up to [`MAX_LISTED`] hard crossings, in village, grid label and
    /// barrier order.
    pub hard: Vec<Crossing>,
}

/// One grid crossing one barrier.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Crossing {
    /// The grid code.
    pub grid: String,
    /// The village code.
    pub village: String,
    /// The barrier's index in [`MetricsInput::barriers`].
    pub barrier: u32,
    /// Its kind, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<BarrierKind>,
    /// Its name ("" when it has none or is unknown).
    pub name: String,
    /// Its length inside the grid, metres.
    pub metres: f64,
}

/// What one village contributes.
#[derive(Clone, Debug, Default)]
pub(super) struct VillageCrossings {
    /// Per local grid: (hard, soft) barriers crossed.
    pub per_grid: Vec<(usize, usize)>,
    /// Hard crossings: (local grid, barrier, metres), in that order.
    pub hard: Vec<(usize, u32, f64)>,
}

/// The crossings of each local grid of `g` on the territory `land` of the
/// buildings `b` of the points `pts`.
pub(super) fn village_crossings(
    pts: &[PointRec],
    g: &VillageGrids,
    b: &Buildings,
    land: Option<&Territory>,
) -> VillageCrossings {
    let mut out = VillageCrossings {
        per_grid: vec![(0, 0); g.len()],
        hard: Vec::new(),
    };
    let Some(land) = land else {
        return out;
    };
    let labels = building_grids(pts, g, b);
    for (grid, barrier, hard, metres) in land.inside_barriers(&labels, g.len()) {
        if metres <= CROSSING_MIN_M {
            continue;
        }
        let l = grid as usize;
        if hard {
            out.per_grid[l].0 += 1;
            out.hard.push((l, barrier, metres));
        } else {
            out.per_grid[l].1 += 1;
        }
    }
    out
}

/// The local grid of each building: the one holding most of its
/// households, the lowest on a tie.
fn building_grids(pts: &[PointRec], g: &VillageGrids, b: &Buildings) -> Vec<u32> {
    let mut out = vec![0u32; b.coords.len()];
    let mut tally: Vec<(usize, u64)> = Vec::new();
    for group in b.order.chunk_by(|&x, &y| b.node[x] == b.node[y]) {
        tally.clear();
        tally.extend(
            group
                .iter()
                .map(|&i| (g.local[i], u64::from(pts[i].households))),
        );
        tally.sort_unstable();
        let mut best: Option<(u64, usize)> = None;
        for run in tally.chunk_by(|x, y| x.0 == y.0) {
            let h: u64 = run.iter().map(|t| t.1).sum();
            if best.is_none_or(|(bh, _)| h > bh) {
                best = Some((h, run[0].0));
            }
        }
        out[b.node[group[0]] as usize] = best.map_or(0, |(_, l)| l as u32);
    }
    out
}

/// County crossings over the villages' work, in village order.
pub(super) fn county_crossings(
    works: &[VillageWork],
    grids: &[GridMetrics],
    input: &MetricsInput,
) -> CrossingMetrics {
    let mut hard = Vec::new();
    'villages: for (w, v) in works.iter().zip(input.villages) {
        for &(l, barrier, metres) in &w.crossings.hard {
            if hard.len() >= MAX_LISTED {
                break 'villages;
            }
            let b = input.barriers.get(barrier as usize);
            hard.push(Crossing {
                grid: code_of(input.grid_codes, w.labels[l]),
                village: v.code.clone(),
                barrier,
                kind: b.map(|b| b.kind),
                name: b.map_or_else(String::new, |b| b.name.clone()),
                metres,
            });
        }
    }
    CrossingMetrics {
        grids_crossing_hard: grids.iter().filter(|g| g.hard_crossings > 0).count(),
        grids_crossing_soft: grids.iter().filter(|g| g.soft_crossings > 0).count(),
        hard_crossings: grids.iter().map(|g| g.hard_crossings).sum(),
        soft_crossings: grids.iter().map(|g| g.soft_crossings).sum(),
        hard,
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::territory::BarrierLine;
    use crate::metrics::test_support::*;
    use crate::metrics::*;
    use crate::model::ground::{Barrier, BarrierKind};

    fn line(barrier: u32, hard: bool, points: &[[f64; 2]]) -> BarrierLine {
        BarrierLine {
            barrier,
            hard,
            points: points.to_vec(),
        }
    }

    fn barrier(kind: BarrierKind, name: &str, hard: bool) -> Barrier {
        Barrier {
            feature: 0,
            kind,
            name: name.into(),
            hard,
            lines: Vec::new(),
        }
    }

    /// A 200 m square with a hard river at x = 100 from edge to edge, a
    /// soft road at y = 100 from x = 0 to 100, and a 20 m soft lane; four
    /// buildings in each quarter. `grid(x, y)` labels them.
    fn village_with_lines(grid: impl Fn(f64, f64) -> u32) -> VillageInput {
        let mut pts = Vec::new();
        for x in [25.0, 75.0, 125.0, 175.0] {
            for y in [25.0, 75.0, 125.0, 175.0] {
                pts.push(pt(x, y, 5, grid(x, y)));
            }
        }
        let mut v = village("V1", square(0.0, 0.0, 200.0, 200.0), pts);
        v.lines = vec![
            line(0, true, &[[100.0, -10.0], [100.0, 210.0]]),
            line(1, false, &[[-10.0, 100.0], [100.0, 100.0]]),
            line(2, false, &[[150.0, 40.0], [150.0, 60.0]]),
        ];
        v
    }

    fn measure(vs: &[VillageInput]) -> Metrics {
        let gc = codes(8);
        let barriers = vec![
            barrier(BarrierKind::River, "Feiyun", true),
            barrier(BarrierKind::Secondary, "", false),
            barrier(BarrierKind::Residential, "lane", false),
        ];
        compute(
            &MetricsInput {
                villages: vs,
                grid_codes: &gc,
                old_codes: &[],
                micro_codes: &[],
                micro_parent: &[],
                dedicated: &[],
                locked: &[],
                barriers: &barriers,
                compounds: &[],
                cells: &[],
            },
            &MetricsParams::default(),
        )
    }

    #[test]
    fn a_grid_across_the_river_crosses_it() {
        // Grid 0: the whole south half, across the river; grid 1 the north
        // half, also across. The road runs along their border.
        let m = measure(&[village_with_lines(|_, y| u32::from(y > 100.0))]);
        assert_eq!(
            (m.grids[0].hard_crossings, m.grids[0].soft_crossings),
            (1, 0)
        );
        assert_eq!(
            (m.grids[1].hard_crossings, m.grids[1].soft_crossings),
            (1, 0)
        );
        let Some(c) = &m.county.crossings else {
            panic!("crossings expected with barriers")
        };
        assert_eq!((c.grids_crossing_hard, c.grids_crossing_soft), (2, 0));
        assert_eq!(c.hard_crossings, 2);
        assert_eq!(c.hard.len(), 2);
        let first = &c.hard[0];
        assert_eq!(
            (first.grid.as_str(), first.village.as_str()),
            ("G000", "V1")
        );
        assert_eq!(first.barrier, 0);
        assert_eq!(first.kind, Some(BarrierKind::River));
        assert_eq!(first.name, "Feiyun");
        assert!((first.metres - 100.0).abs() < 0.5, "{first:?}");
        assert!(m.summary_table().contains("crossing a hard barrier"));
    }

    #[test]
    fn grids_split_along_the_river_cross_only_the_road() {
        // West and east of the river: no hard crossing; the west grid holds
        // the road (100 m inside the square), the east grid the 20 m lane,
        // below the threshold.
        let m = measure(&[village_with_lines(|x, _| u32::from(x > 100.0))]);
        assert_eq!(
            (m.grids[0].hard_crossings, m.grids[0].soft_crossings),
            (0, 1)
        );
        assert_eq!(
            (m.grids[1].hard_crossings, m.grids[1].soft_crossings),
            (0, 0)
        );
        let Some(c) = &m.county.crossings else {
            panic!("crossings expected with barriers")
        };
        assert_eq!((c.grids_crossing_hard, c.grids_crossing_soft), (0, 1));
        assert!(c.hard.is_empty());
        // Without barriers there is no crossing section.
        let plain = run(&lattice(None), &MetricsParams::default());
        assert!(plain.county.crossings.is_none());
        assert!(!plain.summary_table().contains("crossing"));
    }
}
