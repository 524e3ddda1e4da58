//! The barriers of each village: the pieces of the county's barrier lines
//! that reach the village's territory, for its territory cells
//! ([`crate::engine::territory`]).
//!
//! # Algorithm
//! 1. An R-tree of every barrier segment, with its barrier and position in
//!    the line.
//! 2. Per village (rayon), the segments whose box meets the territory's
//!    box, enlarged by 1/32 of its larger side (the territory cells'
//!    own box is enlarged by 1/64, so no cut inside it is lost).
//! 3. Consecutive segments of one line are chained back into polylines, so
//!    that a line's real ends stay its ends and the cut ends lie outside
//!    the territory.
//!
//! # Complexity
//! O(S log S) for S segments, plus O(log S + s) per village for the s
//! segments it gets.

use geo::{BoundingRect, MultiPolygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::engine::graph::Dsu;
use crate::engine::territory::{BarrierLine, Border, Territory};
use crate::model::ground::{Barrier, ForcedCrossing};

/// A segment's box with (barrier, line, segment index).
type Seg = GeomWithData<Rectangle<[f64; 2]>, (u32, u32, u32)>;

/// The barrier lines of every territory, in metres. `barriers` are in
/// local metres.
#[must_use]
pub fn village_lines(
    barriers: &[Barrier],
    territory: &[MultiPolygon<f64>],
) -> Vec<Vec<BarrierLine>> {
    if barriers.is_empty() {
        return vec![Vec::new(); territory.len()];
    }
    let mut segs: Vec<Seg> = Vec::new();
    for (b, bar) in barriers.iter().enumerate() {
        for (l, line) in bar.lines.iter().enumerate() {
            for (s, w) in line.windows(2).enumerate() {
                segs.push(GeomWithData::new(
                    Rectangle::from_corners(w[0], w[1]),
                    (b as u32, l as u32, s as u32),
                ));
            }
        }
    }
    let tree = RTree::bulk_load(segs);
    territory
        .par_iter()
        .map(|t| lines_near(&tree, barriers, t))
        .collect()
}

/// Steps 2-3 for one territory.
fn lines_near(tree: &RTree<Seg>, barriers: &[Barrier], t: &MultiPolygon<f64>) -> Vec<BarrierLine> {
    let Some(r) = t.bounding_rect() else {
        return Vec::new();
    };
    let pad = (r.width().max(r.height())) / 32.0 + 1.0;
    let env = AABB::from_corners(
        [r.min().x - pad, r.min().y - pad],
        [r.max().x + pad, r.max().y + pad],
    );
    let mut hits: Vec<(u32, u32, u32)> = tree
        .locate_in_envelope_intersecting(&env)
        .map(|s| s.data)
        .collect();
    hits.sort_unstable();
    let mut out: Vec<BarrierLine> = Vec::new();
    let mut last: Option<(u32, u32, u32)> = None;
    for (b, l, s) in hits {
        let line = &barriers[b as usize].lines[l as usize];
        let (p, q) = (line[s as usize], line[s as usize + 1]);
        match (last, out.last_mut()) {
            (Some((lb, ll, ls)), Some(cur)) if lb == b && ll == l && ls + 1 == s => {
                cur.points.push(q);
            }
            _ => out.push(BarrierLine {
                barrier: b,
                hard: barriers[b as usize].hard,
                points: vec![p, q],
            }),
        }
        last = Some((b, l, s));
    }
    out
}

/// The blocks of a village's free units (`fixed[i] == u32::MAX`): hard
/// blocks (joined through every border but hard and open ones), blocks
/// between any barriers, and which hard blocks touch.
pub(crate) struct Blocks {
    /// Per unit, its hard block (0 for fixed units).
    pub region: Vec<u32>,
    /// Per unit, its block between any barriers (0 for fixed units).
    pub block: Vec<u32>,
    /// Hard blocks that touch: (a, b, across an open border somewhere).
    pub touching: Vec<(u32, u32, bool)>,
}

/// The [`Blocks`] of a territory's free units.
pub(crate) fn blocks_of(territory: &Territory, fixed: &[u32]) -> Blocks {
    let free = |i: u32| fixed.get(i as usize).is_none_or(|&f| f == u32::MAX);
    let comps = |through: &dyn Fn(Border) -> bool| {
        let n = territory.len();
        let mut dsu = Dsu::new(n);
        for e in territory.edges() {
            if free(e.u) && free(e.v) && through(e.border) {
                dsu.union(e.u as usize, e.v as usize);
            }
        }
        let mut id = vec![u32::MAX; n];
        let mut next = 0u32;
        (0..n)
            .map(|i| {
                if !free(i as u32) {
                    return 0;
                }
                let r = dsu.find(i);
                if id[r] == u32::MAX {
                    id[r] = next;
                    next += 1;
                }
                id[r]
            })
            .collect::<Vec<u32>>()
    };
    let region = comps(&|b| {
        matches!(
            b,
            Border::Plain | Border::Soft | Border::Enclave | Border::Snap
        )
    });
    let block = comps(&|b| {
        matches!(
            b,
            Border::Plain | Border::Open | Border::Enclave | Border::Snap
        )
    });
    let mut touching: Vec<(u32, u32, bool)> = territory
        .edges()
        .iter()
        .filter(|e| free(e.u) && free(e.v))
        .filter_map(|e| {
            let (a, b) = (region[e.u as usize], region[e.v as usize]);
            (a != b).then(|| (a.min(b), a.max(b), e.border == Border::Open))
        })
        .collect();
    touching.sort_unstable();
    // One entry per pair, open if any of its borders is.
    touching.dedup_by(|x, y| {
        if (x.0, x.1) == (y.0, y.1) {
            y.2 |= x.2;
            true
        } else {
            false
        }
    });
    Blocks {
        region,
        block,
        touching,
    }
}

/// A hard barrier inside one group of a village plan.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Crossing {
    /// The group's label in the village plan.
    pub label: u32,
    /// The barrier's index.
    pub barrier: u32,
    /// Metres of it inside the group.
    pub metres: f64,
    /// Why it could not be avoided.
    pub reason: String,
}

/// The hard barriers inside the groups of `label` (free grids 0..k, then
/// `zones` dedicated groups, then locked ones), with the reason each was
/// needed.
pub(crate) fn crossings(
    territory: &Territory,
    label: &[u32],
    k: usize,
    zones: usize,
    reason_of_grid: &dyn Fn(u32) -> String,
) -> Vec<Crossing> {
    let groups = label.iter().map(|&g| g as usize + 1).max().unwrap_or(0);
    // Groups that hold a site whose own land spans the barrier (an empty
    // block taken across it).
    let mut within: Vec<(u32, u32)> = territory
        .barriers_within_cells()
        .into_iter()
        .map(|(site, b)| (label[site as usize], b))
        .collect();
    within.sort_unstable();
    territory
        .inside_barriers(label, groups)
        .into_iter()
        .filter(|&(_, _, hard, m)| hard && m > 0.0)
        .map(|(g, barrier, _, metres)| {
            let reason = if within.binary_search(&(g, barrier)).is_ok() {
                "the land beyond the barrier holds no household; it goes to the grid of the \
                 nearest building"
                    .to_string()
            } else if (g as usize) < k {
                reason_of_grid(g)
            } else if (g as usize) < k + zones {
                "a dedicated grid covers its premises whole".to_string()
            } else {
                "a locked grid is kept as it is".to_string()
            };
            Crossing {
                label: g,
                barrier,
                metres,
                reason,
            }
        })
        .collect()
}

/// The crossings of a numbered plan as metrics.json lists them, in grid
/// code order, with the barriers' kinds and names.
pub(crate) fn forced(
    crossings: &[(String, String, Crossing)],
    barriers: &[Barrier],
) -> Vec<ForcedCrossing> {
    let mut out: Vec<ForcedCrossing> = crossings
        .iter()
        .filter_map(|(grid, village, c)| {
            let b = barriers.get(c.barrier as usize)?;
            Some(ForcedCrossing {
                grid_code: grid.clone(),
                village_code: village.clone(),
                kind: b.kind,
                name: b.name.clone(),
                feature: b.feature,
                metres: (c.metres * 10.0).round() / 10.0,
                reason: c.reason.clone(),
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.grid_code, a.feature).cmp(&(&b.grid_code, b.feature)));
    out
}
