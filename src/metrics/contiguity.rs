//! Contiguity (docs/DESIGN.md §5, §9): is each grid's polygon one piece?
//!
//! A grid's polygon is the union of the territory cells of its buildings
//! ([`Territory`](crate::engine::territory::Territory), built once per village on the village's distinct
//! building coordinates, its polygon and the barriers that reach it: the
//! same cells the planner partitions on and draws). A grid's buildings are
//! those holding at least one of its points, so a building shared by two
//! grids belongs to both.
//!
//! For each grid (and, in [`crate::metrics::micro`], each micro-grid):
//! - `pieces` ([`Territory::pieces_of`](crate::engine::territory::Territory::pieces_of)): the polygon parts of the union of
//!   its cells, what a GIS counts when it reads the polygon back;
//! - `parts` ([`Territory::parts_of`](crate::engine::territory::Territory::parts_of)): the parts of the territory its
//!   cells touch. A village in several parts (飞地) is held together by
//!   enclave links, the only way a grid may be in several pieces;
//! - the grid is *one piece*, enclave links aside, when
//!   `pieces <= parts`. A grid whose buildings have no land at all (every
//!   point snapped in from outside the territory) has 0 pieces and counts
//!   as one piece: there is nothing to split.
//!
//! Unlike the Delaunay graph, the cells see notches of the outline, holes
//! and the other grids' cells between two buildings: two buildings are
//! neighbours only when their cells share a border of positive length.
//! This is why a dedicated grid needs no special case any more: when
//! houses outside its premises lie between its buildings, its polygon
//! really is in pieces.
//!
//! When the territory cannot be built (a non-finite coordinate or an empty
//! polygon, see [`PolygonError`](crate::engine::voronoi::PolygonError)),
//! the village's grids get 0 pieces and 0 parts, count as one piece, and
//! the village is counted in `villages_unmeasured`.
//!
//! # Complexity
//! O(a log a) per village over the a atoms of its territory: each grid's
//! atoms are gathered and joined once.

use super::buildings::Buildings;
use super::grids::VillageGrids;
use super::village::{GridMetrics, VillageWork};
use super::{MAX_LISTED, share};
use crate::engine::territory::Territory;
use serde::Serialize;

/// Contiguity over the county.
#[derive(Serialize, Clone, Debug)]
pub struct ContiguityMetrics {
    /// Grid pieces whose polygon is one piece, enclave links aside.
    pub one_piece: usize,
    /// `one_piece` / grid pieces (goal 1).
    pub one_piece_share: f64,
    /// Grid pieces whose polygon has more pieces than the parts of the
    /// territory it touches.
    pub in_pieces: usize,
    /// Grid pieces that span several parts of their village (飞地), one
    /// piece in each, joined by enclave links (counted in `one_piece`).
    pub across_parts: usize,
    /// Enclave links of the territories: the links that join the parts of
    /// a village in several parts, summed over villages.
    pub enclave_links: usize,
    /// Villages whose territory could not be built; their grids count as
    /// one piece.
    #[serde(skip_serializing_if = "is_zero")]
    pub villages_unmeasured: usize,
    /// Up to [`MAX_LISTED`] grid pieces in pieces, in village then label
    /// order.
    pub examples: Vec<GridInPieces>,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_zero(x: &usize) -> bool {
    *x == 0
}

/// One grid piece whose polygon is in pieces.
#[derive(Serialize, Clone, Debug)]
pub struct GridInPieces {
    /// The grid code.
    pub grid: String,
    /// The village code.
    pub village: String,
    /// Polygon pieces (>= 2).
    pub pieces: usize,
    /// Parts of the territory it touches (< `pieces`).
    pub parts: usize,
}

/// The pieces of one set of cells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Pieces {
    /// Polygon parts of the union of its cells.
    pub pieces: usize,
    /// Parts of the territory its cells touch.
    pub parts: usize,
}

impl Pieces {
    /// One piece, enclave links aside (0 pieces included).
    pub fn one_piece(self) -> bool {
        self.pieces <= self.parts
    }
}

/// The pieces of each set `0..k` of buildings: `members` lists the
/// distinct (set, building) pairs, sorted. All sets are `Pieces::default()`
/// without a territory. Used for the grids and for the micro-grids.
pub(super) fn set_pieces(
    land: Option<&Territory>,
    members: &[(u32, u32)],
    k: usize,
) -> Vec<Pieces> {
    let mut out = vec![Pieces::default(); k];
    let Some(land) = land else {
        return out;
    };
    let mut sites: Vec<u32> = Vec::new();
    for group in members.chunk_by(|a, b| a.0 == b.0) {
        sites.clear();
        sites.extend(group.iter().map(|m| m.1));
        out[group[0].0 as usize] = Pieces {
            pieces: land.pieces_of(&sites),
            parts: land.parts_of(&sites),
        };
    }
    out
}

/// The pieces of each local grid of `g`, on the territory `land` of the
/// buildings `b`.
pub(super) fn village_pieces(
    g: &VillageGrids,
    b: &Buildings,
    land: Option<&Territory>,
) -> Vec<Pieces> {
    let mut members: Vec<(u32, u32)> = g
        .local
        .iter()
        .zip(&b.node)
        .map(|(&l, &c)| (l as u32, c))
        .collect();
    members.sort_unstable();
    members.dedup();
    set_pieces(land, &members, g.len())
}

/// County contiguity over all grid pieces `grids`, in village then label
/// order.
pub(super) fn county_contiguity(works: &[VillageWork], grids: &[GridMetrics]) -> ContiguityMetrics {
    let one_piece: usize = works.iter().map(|w| w.metrics.one_piece).sum();
    let broken: Vec<&GridMetrics> = grids.iter().filter(|g| g.pieces > g.parts).collect();
    ContiguityMetrics {
        one_piece,
        one_piece_share: share(one_piece, grids.len()),
        in_pieces: broken.len(),
        across_parts: grids
            .iter()
            .filter(|g| g.parts > 1 && g.pieces <= g.parts)
            .count(),
        enclave_links: works.iter().map(|w| w.enclave_links).sum(),
        villages_unmeasured: works.iter().filter(|w| w.unmeasured).count(),
        examples: broken
            .iter()
            .take(MAX_LISTED)
            .map(|g| GridInPieces {
                grid: g.code.clone(),
                village: g.village.clone(),
                pieces: g.pieces,
                parts: g.parts,
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
    use crate::engine::territory::Territory;
    use crate::metrics::test_support::*;
    use crate::metrics::*;
    use geo::{MultiPolygon, Polygon};

    #[test]
    fn a_grid_cut_by_another_grids_cells_is_in_two_pieces() {
        // Column 2 of the lattice is grid 1; its cells run from edge to
        // edge and cut grid 0 in two.
        let m = run(&lattice(None), &MetricsParams::default());
        assert_eq!((m.grids[0].pieces, m.grids[0].parts), (2, 1));
        assert_eq!((m.grids[1].pieces, m.grids[1].parts), (1, 1));
        assert_eq!(m.villages[0].one_piece, 1);
        let c = &m.county.contiguity;
        assert_eq!((c.one_piece, c.in_pieces, c.across_parts), (1, 1, 0));
        assert_eq!(c.one_piece_share, 0.5);
        assert_eq!(c.enclave_links, 0);
        assert_eq!(c.examples.len(), 1);
        assert_eq!(c.examples[0].grid, "G000");
        assert_eq!(c.examples[0].village, "V1");
        assert_eq!((c.examples[0].pieces, c.examples[0].parts), (2, 1));
        let t = m.summary_table();
        assert!(t.contains("one piece"), "{t}");
        assert!(t.contains("50.0 % (1/2)"), "{t}");
    }

    #[test]
    fn a_shared_building_belongs_to_both_grids() {
        // Grid 0 also has a household in the middle building of column 2,
        // whose cell joins its two halves; grid 1 stays one piece too.
        let m = run(
            &lattice(Some(pt(25.0, 25.0, 1, 0))),
            &MetricsParams::default(),
        );
        assert_eq!(m.villages[0].buildings, 25);
        assert_eq!(m.villages[0].points, 26);
        assert_eq!(m.grids[0].pieces, 1);
        assert_eq!(m.grids[1].pieces, 1);
        assert_eq!(m.county.contiguity.one_piece_share, 1.0);
    }

    /// A U: the bottom bar 100 x 40 with two arms 20 wide up to y = 100.
    fn u_shape() -> MultiPolygon<f64> {
        poly(&[
            (0.0, 0.0),
            (100.0, 0.0),
            (100.0, 100.0),
            (80.0, 100.0),
            (80.0, 40.0),
            (20.0, 40.0),
            (20.0, 100.0),
            (0.0, 100.0),
            (0.0, 0.0),
        ])
    }

    #[test]
    fn cells_cut_off_by_a_notch_do_not_touch_although_delaunay_says_so() {
        // a and b are Delaunay neighbours and the midpoint of a-b lies in
        // the bar, so the old graph called grid 0 contiguous. But c, close
        // to that edge, makes the angle at c obtuse: the a|b Voronoi edge
        // starts at the circumcentre (50, 95), in the notch, and the cells
        // of a and b meet nowhere in the U.
        let pts = vec![
            pt(10.0, 20.0, 1, 0),
            pt(90.0, 20.0, 1, 0),
            pt(50.0, 10.0, 1, 1),
        ];
        let m = run(
            &[village("V1", u_shape(), pts.clone())],
            &MetricsParams::default(),
        );
        assert_eq!((m.grids[0].pieces, m.grids[0].parts), (2, 1));
        assert_eq!(m.county.contiguity.in_pieces, 1);
        // The same points in a full square: the cells of a and b meet
        // above the circumcentre.
        let m = run(
            &[village("V1", square(0.0, 0.0, 100.0, 100.0), pts)],
            &MetricsParams::default(),
        );
        assert_eq!(m.grids[0].pieces, 1);
        assert_eq!(m.county.contiguity.in_pieces, 0);
    }

    #[test]
    fn prebuilt_cells_are_used_only_for_the_same_buildings() {
        // Cells built on the U, handed in for the square village: used
        // when their sites are the village's buildings in (x, y) order (so
        // grid 0 is judged on the U), ignored otherwise.
        let pts = vec![
            pt(10.0, 20.0, 1, 0),
            pt(90.0, 20.0, 1, 0),
            pt(50.0, 10.0, 1, 1),
        ];
        let vs = [village("V1", square(0.0, 0.0, 100.0, 100.0), pts)];
        let sites = [[10.0, 20.0], [50.0, 10.0], [90.0, 20.0]];
        let Ok(u) = Territory::build("V1", &sites, &u_shape(), &[]) else {
            panic!("cells of the U")
        };
        let gc = codes(2);
        let measure = |sites: &[[f64; 2]]| {
            let cells = [Some(PrebuiltCells {
                sites,
                lines: &[],
                territory: &u,
            })];
            let input = MetricsInput {
                villages: &vs,
                grid_codes: &gc,
                old_codes: &[],
                micro_codes: &[],
                micro_parent: &[],
                dedicated: &[],
                locked: &[],
                barriers: &[],
                compounds: &[],
                cells: &cells,
            };
            compute(&input, &MetricsParams::default()).grids[0].pieces
        };
        assert_eq!(measure(&sites), 2);
        assert_eq!(measure(&sites[..2]), 1);
    }

    #[test]
    fn the_notch_of_an_l_splits_its_tips() {
        // a and b sit at the tips of the L, c in its corner.
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
        let m = run(&[village("V1", l, pts)], &MetricsParams::default());
        assert_eq!(m.grids[0].pieces, 2);
        assert_eq!(m.county.contiguity.in_pieces, 1);
    }

    #[test]
    fn an_enclave_is_one_piece_per_part() {
        // Two squares 500 m apart: grid 0 has buildings in both, grid 1 in
        // the first only. One enclave link joins the parts.
        let squares = |a: &MultiPolygon<f64>, b: &MultiPolygon<f64>| {
            let mut v: Vec<Polygon<f64>> = a.0.clone();
            v.extend(b.0.iter().cloned());
            MultiPolygon::new(v)
        };
        let territory = squares(
            &square(0.0, 0.0, 100.0, 100.0),
            &square(600.0, 0.0, 700.0, 100.0),
        );
        let pts = vec![
            pt(20.0, 50.0, 1, 0),
            pt(80.0, 50.0, 1, 1),
            pt(650.0, 50.0, 1, 0),
        ];
        let m = run(&[village("V1", territory, pts)], &MetricsParams::default());
        assert_eq!((m.grids[0].pieces, m.grids[0].parts), (2, 2));
        assert_eq!((m.grids[1].pieces, m.grids[1].parts), (1, 1));
        let c = &m.county.contiguity;
        assert_eq!((c.one_piece, c.in_pieces, c.across_parts), (2, 0, 1));
        assert_eq!(c.enclave_links, 1);
        assert!(c.examples.is_empty());
    }

    #[test]
    fn a_grid_without_land_counts_as_one_piece() {
        // Grid 1's only building lies outside the territory, too far for
        // its Voronoi cell to reach it: 0 pieces.
        let pts = vec![pt(50.0, 50.0, 1, 0), pt(5000.0, 50.0, 1, 1)];
        let m = run(
            &[village("V1", square(0.0, 0.0, 100.0, 100.0), pts)],
            &MetricsParams::default(),
        );
        assert_eq!((m.grids[1].pieces, m.grids[1].parts), (0, 0));
        assert_eq!(m.county.contiguity.one_piece, 2);
    }

    #[test]
    fn a_dedicated_grid_split_by_outside_houses_is_in_pieces() {
        // On a line, a house of grid 0 sits between the two buildings of
        // dedicated grid 1: their cells do not touch, so its polygon is in
        // two pieces, whatever its type.
        let pts = vec![
            pt(100.0, 500.0, 10, 1),
            pt(200.0, 500.0, 10, 0),
            pt(300.0, 500.0, 10, 1),
            pt(400.0, 500.0, 10, 0),
        ];
        let vs = vec![village("V1", square(0.0, 0.0, 1000.0, 1000.0), pts)];
        for dedicated in [[false, true], [false, false]] {
            let m = run_micro(&vs, &[], &dedicated, &MetricsParams::default());
            assert_eq!(m.grids[1].pieces, 2);
        }
    }
}
