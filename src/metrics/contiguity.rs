//! Contiguity (docs/DESIGN.md §5): does each grid hold together on the
//! village graph?
//!
//! The village graph is [`village_graph`] on the village's buildings,
//! keeping an edge when the village polygon strictly contains its midpoint
//! ([`Territory`], an [`IntervalTreeMultiPolygon`] built once per village).
//! A grid's node set is the buildings holding at least one of its points (a
//! building shared by two grids belongs to both); the grid is contiguous
//! when that set induces a connected subgraph ([`grid_components`], a
//! breadth-first search restricted to the set). `village_graph` bridges
//! enclaves to the nearest hamlet, so a village is always one component.
//!
//! A dedicated grid that falls apart there, because houses just outside its
//! premises interleave with its buildings, is judged on the triangulation of
//! its own buildings, trimmed the same way (without bridging).
//!
//! A Delaunay edge whose midpoint lies exactly on the village boundary is
//! not "inside" (geo's `Contains` excludes the boundary). Such an edge runs
//! along the boundary; if dropping it disconnected the village,
//! `village_graph` bridges the parts again with the shortest dropped edges.

use super::buildings::Buildings;
use super::grids::VillageGrids;
use super::village::{GridMetrics, VillageWork};
use super::{MAX_LISTED, share};
use crate::engine::graph::{Dsu, Graph, delaunay_edges, village_graph};
use geo::algorithm::indexed::IntervalTreeMultiPolygon;
use geo::{Contains, Coord, MultiPolygon};
use serde::Serialize;

/// Contiguity over the county.
#[derive(Serialize, Clone, Debug)]
pub struct ContiguityMetrics {
    /// Contiguous grid pieces.
    pub contiguous: usize,
    /// `contiguous` / grid pieces (goal 1).
    pub contiguous_share: f64,
    /// Non-contiguous grid pieces.
    pub non_contiguous: usize,
    /// Up to [`MAX_LISTED`] of them.
    pub examples: Vec<NonContiguousGrid>,
}

/// One grid piece that falls apart on the village graph.
#[derive(Serialize, Clone, Debug)]
pub struct NonContiguousGrid {
    /// The grid code.
    pub grid: String,
    /// The village code.
    pub village: String,
    /// Connected components of its induced subgraph (>= 2).
    pub components: usize,
}

/// The village territory, for the midpoint test of graph edges.
pub(super) struct Territory {
    /// None when the village has fewer than two buildings (no edges).
    tree: Option<IntervalTreeMultiPolygon<f64>>,
}

impl Territory {
    /// The territory of `polygon`, indexed when there are edges to test.
    pub fn new(polygon: &MultiPolygon<f64>, buildings: usize) -> Self {
        Self {
            tree: (buildings >= 2).then(|| IntervalTreeMultiPolygon::new(polygon)),
        }
    }

    /// Does the territory strictly contain `m`?
    pub fn contains(&self, m: [f64; 2]) -> bool {
        self.tree
            .as_ref()
            .is_some_and(|t| t.contains(&Coord { x: m[0], y: m[1] }))
    }
}

/// Step 5 of the module docs of [`super`] for the grids: components of each
/// local grid of `g` on the village graph of `b`.
pub(super) fn village_components(
    g: &VillageGrids,
    b: &Buildings,
    territory: &Territory,
) -> Vec<usize> {
    let inside = |m: [f64; 2]| territory.contains(m);
    let mut components = if b.coords.len() >= 2 {
        let graph = village_graph(&b.coords, inside);
        let mut members: Vec<(u32, u32)> = g
            .local
            .iter()
            .zip(&b.node)
            .map(|(&l, &c)| (l as u32, c))
            .collect();
        members.sort_unstable();
        members.dedup();
        grid_components(&graph, &members, g.len(), b.coords.len())
    } else {
        vec![1; g.len()]
    };
    // A dedicated grid is one premises enclosure. When houses just outside
    // the zone interleave with its buildings in the village triangulation,
    // it is judged on the triangulation of its own buildings instead,
    // trimmed to the territory the same way (without bridging). Removing
    // points keeps every Delaunay edge among the rest, so this only adds
    // the edges the outside houses hid.
    for (l, c) in components.iter_mut().enumerate() {
        if *c > 1 && g.dedicated[l] {
            *c = own_components(g, b, l, &inside);
        }
    }
    components
}

/// Components of local grid `l` on the trimmed triangulation of its own
/// buildings.
fn own_components(
    g: &VillageGrids,
    b: &Buildings,
    l: usize,
    inside: &impl Fn([f64; 2]) -> bool,
) -> usize {
    let mut own: Vec<u32> = g
        .local
        .iter()
        .zip(&b.node)
        .filter(|(gl, _)| **gl == l)
        .map(|(_, &n)| n)
        .collect();
    own.sort_unstable();
    own.dedup();
    let pts: Vec<[f64; 2]> = own.iter().map(|&n| b.coords[n as usize]).collect();
    let mut dsu = Dsu::new(pts.len());
    let mut comps = pts.len();
    for (a, c) in delaunay_edges(&pts) {
        let (pa, pc) = (pts[a as usize], pts[c as usize]);
        let mid = [(pa[0] + pc[0]) * 0.5, (pa[1] + pc[1]) * 0.5];
        if inside(mid) && dsu.union(a as usize, c as usize) {
            comps -= 1;
        }
    }
    comps
}

/// Components of each grid's induced subgraph. `members` lists the distinct
/// (grid, node) pairs, sorted; a node may belong to several grids. Used for
/// grids on the village graph and for micro-grids on their grid's graph.
pub(super) fn grid_components(
    graph: &Graph,
    members: &[(u32, u32)],
    k: usize,
    n: usize,
) -> Vec<usize> {
    // Stamps instead of per-grid sets: `mark[v] == g` means v is in grid g,
    // `seen[v] == g` that the search for grid g has reached it. Grids are
    // processed one at a time, so a shared node is re-stamped by each.
    let mut mark = vec![u32::MAX; n];
    let mut seen = vec![u32::MAX; n];
    let mut out = vec![0usize; k];
    let mut queue: Vec<u32> = Vec::new();
    for group in members.chunk_by(|a, b| a.0 == b.0) {
        let g = group[0].0;
        for &(_, v) in group {
            mark[v as usize] = g;
        }
        let mut comps = 0;
        for &(_, s) in group {
            if seen[s as usize] == g {
                continue;
            }
            comps += 1;
            seen[s as usize] = g;
            queue.clear();
            queue.push(s);
            while let Some(u) = queue.pop() {
                for &w in graph.neighbors(u as usize) {
                    let w = w as usize;
                    if mark[w] == g && seen[w] != g {
                        seen[w] = g;
                        queue.push(w as u32);
                    }
                }
            }
        }
        out[g as usize] = comps;
    }
    out
}

/// County contiguity over all grid pieces `grids`, in village then label
/// order.
pub(super) fn county_contiguity(works: &[VillageWork], grids: &[GridMetrics]) -> ContiguityMetrics {
    let contiguous: usize = works.iter().map(|w| w.metrics.contiguous).sum();
    let broken: Vec<&GridMetrics> = grids.iter().filter(|g| g.components > 1).collect();
    ContiguityMetrics {
        contiguous,
        contiguous_share: share(contiguous, grids.len()),
        non_contiguous: broken.len(),
        examples: broken
            .iter()
            .take(MAX_LISTED)
            .map(|g| NonContiguousGrid {
                grid: g.code.clone(),
                village: g.village.clone(),
                components: g.components,
            })
            .collect(),
    }
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "the expected values are exact (sums of whole households, round shares, coordinates read back), so they are compared bit for bit"
)]
mod tests {
    use crate::metrics::test_support::*;
    use crate::metrics::*;

    #[test]
    fn a_grid_cut_by_another_is_not_contiguous() {
        let m = run(&lattice(None), &MetricsParams::default());
        assert_eq!(m.grids[0].components, 2);
        assert_eq!(m.grids[1].components, 1);
        assert_eq!(m.villages[0].contiguous, 1);
        let c = &m.county.contiguity;
        assert_eq!((c.contiguous, c.non_contiguous), (1, 1));
        assert_eq!(c.contiguous_share, 0.5);
        assert_eq!(c.examples.len(), 1);
        assert_eq!(c.examples[0].grid, "G000");
        assert_eq!(c.examples[0].village, "V1");
        assert_eq!(c.examples[0].components, 2);
    }

    #[test]
    fn a_shared_building_belongs_to_both_grids() {
        // Grid 0 also has a household in the middle building of column 2,
        // which joins its two halves; grid 1 stays contiguous too.
        let m = run(
            &lattice(Some(pt(25.0, 25.0, 1, 0))),
            &MetricsParams::default(),
        );
        assert_eq!(m.villages[0].buildings, 25);
        assert_eq!(m.villages[0].points, 26);
        assert_eq!(m.grids[0].components, 1);
        assert_eq!(m.grids[1].components, 1);
        assert_eq!(m.county.contiguity.contiguous_share, 1.0);
    }

    #[test]
    fn the_notch_of_an_l_drops_an_edge() {
        // a and b sit at the tips of the L, c in its corner; the a-b edge
        // crosses the notch.
        let pts = vec![
            pt(90.0, 15.0, 1, 0),
            pt(15.0, 90.0, 1, 0),
            pt(15.0, 15.0, 1, 1),
        ];
        let l = poly(&[
            (0.0, 0.0),
            (100.0, 0.0),
            (100.0, 30.0),
            (30.0, 30.0),
            (30.0, 100.0),
            (0.0, 100.0),
            (0.0, 0.0),
        ]);
        let m = run(&[village("V1", l, pts.clone())], &MetricsParams::default());
        assert_eq!(m.grids[0].components, 2);
        assert_eq!(m.county.contiguity.non_contiguous, 1);
        // The same points in a square village: a-b is an edge.
        let m = run(
            &[village("V1", square(0.0, 0.0, 100.0, 100.0), pts)],
            &MetricsParams::default(),
        );
        assert_eq!(m.grids[0].components, 1);
        assert_eq!(m.county.contiguity.non_contiguous, 0);
    }

    #[test]
    fn a_dedicated_grid_is_judged_on_its_own_buildings_when_split() {
        // On a line, a house of grid 0 sits between the two buildings of
        // dedicated grid 1: on the village graph grid 1 falls apart, on its
        // own triangulation it is one enclosure. The same labels with grid 1
        // full-scope stay non-contiguous.
        let pts = vec![
            pt(100.0, 500.0, 10, 1),
            pt(200.0, 500.0, 10, 0),
            pt(300.0, 500.0, 10, 1),
            pt(400.0, 500.0, 10, 0),
        ];
        let vs = vec![village("V1", square(0.0, 0.0, 1000.0, 1000.0), pts)];
        let m = run_micro(&vs, &[], &[false, true], &MetricsParams::default());
        assert_eq!(m.grids[1].components, 1);
        let m = run_micro(&vs, &[], &[false, false], &MetricsParams::default());
        assert_eq!(m.grids[1].components, 2);
    }
}
