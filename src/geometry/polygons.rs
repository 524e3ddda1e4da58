//! Grid and micro-grid polygons that tile their territory exactly.
//!
//! docs/DESIGN.md §2 "Coverage" asks that the grid polygons of a village tile the
//! village (no gaps, no overlaps, union = village) and that empty land go to
//! the grid of the nearest households; the same holds for the micro-grids of
//! a grid. The nearest-household rule is the Voronoi diagram of the
//! households, so a grid's polygon is the union of its households' Voronoi
//! cells, cut to the village. [`partition_polygons`] builds these polygons
//! for one territory (a village or a grid polygon) and [`coverage`] measures
//! how well a set of polygons tiles a territory (docs/DESIGN.md §5, Coverage).
//!
//! # Parameters
//! - `sites`: the distinct positions (in local metres) of the territory's
//!   households or buildings; `labels[i]` is the group (grid or micro-grid)
//!   of `sites[i]`, in `0..k`, and every group has at least one site.
//! - `territory`: the village polygon, or the grid polygon at micro level.
//!   Sites may lie outside it (households of an enclave snapped into their
//!   village): their cells are cut like every other cell.
//!
//! # Algorithm
//! 1. With one group, the answer is the territory itself (returned as is,
//!    so the tiling is exact to the bit).
//! 2. Merge sites with identical coordinates (spade would merge them
//!    silently and shift every later index); identical sites with different
//!    labels are an error, since no polygon could give the point to both.
//! 3. Take the bounding box of the territory and the sites, enlarged by
//!    1/64 of its larger side so that no cell edge runs along a territory
//!    edge that touches the box. Add four "ghost" sites at the corners of a
//!    square 8 times the box's half side away from its centre: every point
//!    of the box is then nearer a real site (at most one box diagonal,
//!    2√2·h, away) than any ghost (at least (8 − 1)·√2·h away), so the
//!    ghosts change no real cell inside the box, but they put every real
//!    site strictly inside the convex hull. Every real cell is then bounded,
//!    and one, two and collinear sites need no special case (collinear
//!    sites alone give spade no triangle at all; with the ghosts their cells
//!    are the slabs between perpendicular bisectors).
//! 4. Triangulate with spade's `bulk_load_stable`, which keeps vertex `i`
//!    at handle `i` (plain `bulk_load` reorders vertices).
//! 5. The Voronoi cell of a real site is the polygon of the circumcentres of
//!    its incident triangles, taken counter-clockwise. Clip it to the box
//!    with Sutherland–Hodgman, which is exact for a convex polygon. The
//!    circumcentres are computed once per triangle and every clipped
//!    segment is cut with its end points in a canonical order, so two
//!    neighbouring cells share bit-identical edges.
//! 6. Put the cells and the territory on one integer grid for the whole
//!    territory (see Precision), and for each group run one i_overlay
//!    overlay: subject = the group's cells, clip = the territory, rule =
//!    intersection, even-odd filling. Even-odd filling unions the cells
//!    because they do not overlap (the shared edges of two cells of a
//!    group cancel), and it reads the territory's holes whatever their
//!    winding. This is k overlays per territory instead of one per site,
//!    and the union of the cells costs nothing extra.
//! 7. Convert the integer shapes back to metres (OGC output of i_overlay:
//!    counter-clockwise shells, clockwise holes, closed rings).
//!
//! # Precision
//! geo's boolean operations run on i_overlay, which maps floats to an
//! integer grid centred on the bounding box of *each operation*. Cutting
//! each group through geo (one `unary_union`, then one `intersection`)
//! therefore snaps the border between two groups to a different grid on
//! each side, leaving gaps and overlaps a few µm wide all along it (we
//! measured 4e-10 to 1.5e-9 of the village area). Calling i_overlay's
//! integer API with one grid per territory removes them: the grid is
//! centred on the box with a power-of-two scale s = 2^(29 − ⌊log2 h⌋), h
//! the half side of the box (the largest that keeps coordinates below
//! 2^30, as i_overlay's own adapter does): about 4 µm for a 2 km village.
//! The Voronoi edge between two groups is the very same integer chain in
//! both overlays, so the parts share their borders exactly: the overlap of
//! two parts, measured with geo's `intersection`, is 0 in the tests, and
//! Σ area(part) − area(territory) is about 1e-11 to 1e-10 of the area. The
//! only loss left is the rounding of the territory's own vertices to the
//! grid (at most s⁻¹/√2 each), which moves the union's area by at most
//! about perimeter × s⁻¹/2 (≤ 2e-9 of a village's area in the tests), far
//! below docs/DESIGN.md §5's 1e-6. No sliver can appear inside one group, since
//! its cells share exact edges (step 5), so no cleaning of small rings is
//! needed or done.
//!
//! # Complexity
//! O(n log n) for the triangulation of n sites, O(n) for the cells, and
//! O((n + t) log(n + t)) for the boolean operations, t the number of
//! territory vertices (each of the k overlays sees the territory once:
//! O(k·t log t) in all). A 240-site village with 3 grids takes well under a
//! millisecond (see `benches/polygons.rs`).
//!
//! # Errors
//! [`PolygonError`], with the territory's code: mismatched lengths, k = 0, a
//! label out of range, a group without sites, a non-finite site or
//! territory coordinate, an empty territory, identical sites with different
//! labels, and a triangulation that spade rejects.

use geo::{Area, BooleanOps, BoundingRect, MultiPolygon, Orient, orient::Direction, unary_union};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::solver::Solver;
use i_overlay::i_shape::int::shape::IntContour;

use crate::engine::graph::cmp_coords;
pub use crate::engine::voronoi::PolygonError;
use crate::engine::voronoi::{IntGrid, enclosing_box, voronoi_cells};

/// How well a set of polygons tiles a territory (docs/DESIGN.md §5, Coverage).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coverage {
    /// Area of the territory, m².
    pub territory_area: f64,
    /// Area of the union of the parts, m².
    pub union_area: f64,
    /// Σ area(part) − area(union of parts), m² (clamped at 0): the area
    /// covered twice or more.
    pub overlap_area: f64,
    /// area(union △ territory) / area(territory): the symmetric difference,
    /// which bounds docs/DESIGN.md §5's |area(union) − area(territory)| /
    /// area(territory) from above and, unlike it, cannot hide a gap behind a
    /// spill of the same area. 0 when both areas are 0, infinite when only
    /// the territory's is.
    pub relative_gap: f64,
}

/// Polygons of the groups of `sites` inside `territory`: `result[g]` is the
/// union of the Voronoi cells of the sites labelled `g`, intersected with
/// the territory. Sites are distinct (already merged), in metres. Every
/// label in `0..k` must have at least one site.
///
/// See the [module documentation](self) for the algorithm, its precision
/// and its cost. A group whose sites all lie outside the territory, far
/// enough that none of their cells reaches it, gets an empty polygon.
///
/// # Errors
/// [`PolygonError`] for inconsistent labels, non-finite or conflicting
/// sites, an empty territory, or a triangulation failure.
pub fn partition_polygons(
    code: &str,
    sites: &[[f64; 2]],
    labels: &[u32],
    k: usize,
    territory: &MultiPolygon<f64>,
) -> Result<Vec<MultiPolygon<f64>>, PolygonError> {
    check_input(code, sites, labels, k, territory)?;
    let Some(rect) = territory.bounding_rect() else {
        return Err(PolygonError::EmptyTerritory { code: code.into() });
    };
    if k == 1 {
        // Step 1: the exact answer, with no snapping at all.
        return Ok(vec![territory.clone()]);
    }
    let (pos, lab) = merge_duplicates(code, sites, labels)?;
    let bbox = enclosing_box(rect, &pos);
    let cells = voronoi_cells(code, &pos, &bbox)?;

    let grid = IntGrid::new(&bbox);
    let clip: Vec<IntContour> = territory
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| grid.contour(r.0.iter().map(|c| [c.x, c.y])))
        .collect();
    let mut groups: Vec<Vec<IntContour>> = vec![Vec::new(); k];
    for (cell, &l) in cells.iter().zip(&lab) {
        groups[l as usize].push(grid.contour(cell.iter().copied()));
    }
    // Steps 6-7 in one overlay per group. Even-odd filling unions the
    // cells of the subject because they do not overlap (their shared edges
    // cancel), and it reads the territory's holes whatever their winding.
    // The solver runs single-threaded: the caller parallelises over
    // territories.
    let solver = Solver {
        multithreading: None,
        ..Solver::AUTO
    };
    Ok(groups
        .iter()
        .map(|subj| {
            let shapes =
                Overlay::with_contours_custom(subj, &clip, IntOverlayOptions::ogc(), solver)
                    .overlay(OverlayRule::Intersect, FillRule::EvenOdd);
            grid.multi_polygon(&shapes)
        })
        .collect())
}

/// Coverage of `territory` by `parts` (docs/DESIGN.md §5): see [`Coverage`] for the
/// definitions. Parts may be wound either way; they are oriented first
/// because geo's `unary_union` needs one winding throughout.
#[must_use]
pub fn coverage(parts: &[MultiPolygon<f64>], territory: &MultiPolygon<f64>) -> Coverage {
    let oriented: Vec<MultiPolygon<f64>> =
        parts.iter().map(|p| p.orient(Direction::Default)).collect();
    let union = unary_union(&oriented);
    let territory_area = territory.unsigned_area();
    let union_area = union.unsigned_area();
    let sum: f64 = oriented.iter().map(Area::unsigned_area).sum();
    let overlap_area = (sum - union_area).max(0.0);
    let gap = union.xor(territory).unsigned_area();
    let relative_gap = if territory_area > 0.0 {
        gap / territory_area
    } else if gap > 0.0 {
        f64::INFINITY
    } else {
        0.0
    };
    Coverage {
        territory_area,
        union_area,
        overlap_area,
        relative_gap,
    }
}

fn check_input(
    code: &str,
    sites: &[[f64; 2]],
    labels: &[u32],
    k: usize,
    territory: &MultiPolygon<f64>,
) -> Result<(), PolygonError> {
    if sites.len() != labels.len() {
        return Err(PolygonError::LabelCount {
            code: code.into(),
            sites: sites.len(),
            labels: labels.len(),
        });
    }
    if k == 0 {
        return Err(PolygonError::NoGroups { code: code.into() });
    }
    let mut seen = vec![false; k];
    for (i, (&p, &l)) in sites.iter().zip(labels).enumerate() {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return Err(PolygonError::NonFiniteSite {
                code: code.into(),
                site: i,
                x: p[0],
                y: p[1],
            });
        }
        match seen.get_mut(l as usize) {
            Some(s) => *s = true,
            None => {
                return Err(PolygonError::LabelOutOfRange {
                    code: code.into(),
                    site: i,
                    label: l,
                    k,
                });
            }
        }
    }
    if let Some(group) = seen.iter().position(|s| !s) {
        return Err(PolygonError::EmptyGroup {
            code: code.into(),
            group,
            k,
        });
    }
    let finite = territory
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.iter())
        .all(|c| c.x.is_finite() && c.y.is_finite());
    if !finite {
        return Err(PolygonError::NonFiniteTerritory { code: code.into() });
    }
    Ok(())
}

/// Step 2: distinct positions with their labels, in the canonical
/// coordinate order of [`cmp_coords`] (so that a lattice, whose Delaunay
/// triangulation depends on insertion order, always gets the same one).
fn merge_duplicates(
    code: &str,
    sites: &[[f64; 2]],
    labels: &[u32],
) -> Result<(Vec<[f64; 2]>, Vec<u32>), PolygonError> {
    let mut order: Vec<usize> = (0..sites.len()).collect();
    order.sort_by(|&a, &b| cmp_coords(sites[a], sites[b]).then(a.cmp(&b)));
    let mut pos: Vec<[f64; 2]> = Vec::with_capacity(sites.len());
    let mut lab: Vec<u32> = Vec::with_capacity(sites.len());
    let mut first: Vec<usize> = Vec::with_capacity(sites.len());
    for &i in &order {
        let p = sites[i];
        if let (Some(&q), Some(&lq), Some(&fq)) = (pos.last(), lab.last(), first.last())
            && cmp_coords(p, q).is_eq()
        {
            if lq != labels[i] {
                return Err(PolygonError::DuplicateSite {
                    code: code.into(),
                    first: fq,
                    second: i,
                    first_label: lq,
                    second_label: labels[i],
                    x: p[0],
                    y: p[1],
                });
            }
            continue;
        }
        pos.push(p);
        lab.push(labels[i]);
        first.push(i);
    }
    Ok((pos, lab))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::Rng;
    use geo::{Contains, Intersects, LineString, Point, Polygon, Validation};

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        Polygon::new(
            LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
            Vec::new(),
        )
    }

    fn square_village() -> MultiPolygon<f64> {
        MultiPolygon::new(vec![rect(0.0, 0.0, 100.0, 100.0)])
    }

    /// Asserts the tiling properties every result must have and returns the
    /// coverage.
    fn assert_tiles(
        parts: &[MultiPolygon<f64>],
        territory: &MultiPolygon<f64>,
        sites: &[[f64; 2]],
        labels: &[u32],
    ) -> Coverage {
        let c = coverage(parts, territory);
        assert!(c.relative_gap < 1e-6, "gap {c:?}");
        assert!(c.overlap_area < 1e-6 * c.territory_area, "overlap {c:?}");
        for (g, p) in parts.iter().enumerate() {
            assert!(
                p.is_valid(),
                "part {g} invalid: {:?}",
                p.validation_errors()
            );
        }
        for (i, (&s, &l)) in sites.iter().zip(labels).enumerate() {
            let pt = Point::new(s[0], s[1]);
            if territory.contains(&pt) {
                assert!(
                    parts[l as usize].intersects(&pt),
                    "site {i} at {s:?} not in its group {l}"
                );
            }
        }
        c
    }

    #[test]
    fn single_site_gets_the_whole_territory() {
        let t = square_village();
        let parts = partition_polygons("v", &[[30.0, 40.0]], &[0], 1, &t).unwrap();
        assert_eq!(parts, vec![t.clone()]);
        // Even from outside the territory (an enclave household).
        let parts = partition_polygons("v", &[[300.0, 40.0]], &[0], 1, &t).unwrap();
        assert_eq!(parts, vec![t]);
    }

    #[test]
    fn two_sites_split_along_the_bisector() {
        let t = square_village();
        let sites = [[20.0, 20.0], [80.0, 80.0]];
        let parts = partition_polygons("v", &sites, &[0, 1], 2, &t).unwrap();
        assert_tiles(&parts, &t, &sites, &[0, 1]);
        // The bisector x + y = 100 is the diagonal: two triangles of 5000 m².
        for p in &parts {
            assert!(
                (p.unsigned_area() - 5000.0).abs() < 1e-6,
                "{}",
                p.unsigned_area()
            );
        }
        assert!(parts[0].contains(&Point::new(10.0, 60.0)));
        assert!(parts[1].contains(&Point::new(60.0, 50.0)));
    }

    #[test]
    fn collinear_sites_give_slabs() {
        let t = MultiPolygon::new(vec![rect(0.0, 0.0, 100.0, 50.0)]);
        let sites = [
            [10.0, 25.0],
            [30.0, 25.0],
            [50.0, 25.0],
            [70.0, 25.0],
            [90.0, 25.0],
        ];
        let labels = [0, 0, 1, 1, 2];
        let parts = partition_polygons("v", &sites, &labels, 3, &t).unwrap();
        assert_tiles(&parts, &t, &sites, &labels);
        // Bisectors at x = 40 and x = 80.
        let want = [2000.0, 2000.0, 1000.0];
        for (p, w) in parts.iter().zip(want) {
            assert!(
                (p.unsigned_area() - w).abs() < 1e-6,
                "{} vs {w}",
                p.unsigned_area()
            );
        }
        // Sites on a diagonal line too.
        let sites = [[10.0, 5.0], [50.0, 25.0], [90.0, 45.0]];
        let parts = partition_polygons("v", &sites, &[2, 0, 1], 3, &t).unwrap();
        assert_tiles(&parts, &t, &sites, &[2, 0, 1]);
    }

    #[test]
    fn lattice_with_three_labels_tiles_exactly() {
        let t = square_village();
        let mut sites = Vec::new();
        let mut labels = Vec::new();
        for i in 0..10 {
            for j in 0..10 {
                sites.push([5.0 + 10.0 * f64::from(i), 5.0 + 10.0 * f64::from(j)]);
                labels.push(match i {
                    0..=3 => 0,
                    4..=6 => 1,
                    _ => 2,
                });
            }
        }
        let parts = partition_polygons("v", &sites, &labels, 3, &t).unwrap();
        let c = assert_tiles(&parts, &t, &sites, &labels);
        assert!((c.territory_area - 10_000.0).abs() < 1e-9);
        for (p, w) in parts.iter().zip([4000.0, 3000.0, 3000.0]) {
            assert!(
                (p.unsigned_area() - w).abs() < 1e-6,
                "{} vs {w}",
                p.unsigned_area()
            );
            // Column groups are rectangles: one polygon, no hole.
            assert_eq!(p.0.len(), 1);
            assert!(p.0[0].interiors().is_empty());
        }
        // A staircase labelling of the same lattice (cocircular everywhere).
        let labels: Vec<u32> = (0..100u32)
            .map(|n| {
                let (i, j) = (n / 10, n % 10);
                if i + j < 7 {
                    0
                } else if i < 6 {
                    1
                } else {
                    2
                }
            })
            .collect();
        let parts = partition_polygons("v", &sites, &labels, 3, &t).unwrap();
        assert_tiles(&parts, &t, &sites, &labels);
    }

    #[test]
    fn village_with_hole_and_enclave() {
        let main = Polygon::new(
            rect(0.0, 0.0, 100.0, 100.0).exterior().clone(),
            vec![rect(40.0, 40.0, 60.0, 60.0).exterior().clone()],
        );
        let enclave = rect(200.0, 0.0, 240.0, 30.0);
        let t = MultiPolygon::new(vec![main, enclave]);
        let sites = [
            [10.0, 10.0],
            [90.0, 10.0],
            [10.0, 90.0],
            [90.0, 90.0],
            [50.0, 20.0],
            [210.0, 10.0],
            [230.0, 20.0],
        ];
        let labels = [0, 1, 0, 1, 2, 2, 1];
        let parts = partition_polygons("v", &sites, &labels, 3, &t).unwrap();
        let c = assert_tiles(&parts, &t, &sites, &labels);
        assert!((c.territory_area - (10_000.0 - 400.0 + 1200.0)).abs() < 1e-9);
        let hole = rect(40.0, 40.0, 60.0, 60.0);
        for p in &parts {
            assert!(p.intersection(&hole).unsigned_area() < 1e-9);
        }
        // The enclave is split between the two groups that have sites there.
        let enc = rect(200.0, 0.0, 240.0, 30.0);
        assert!(parts[0].intersection(&enc).unsigned_area() < 1e-9);
        assert!(parts[1].intersection(&enc).unsigned_area() > 100.0);
        assert!(parts[2].intersection(&enc).unsigned_area() > 100.0);
    }

    /// A star-shaped village of radius about `r` with low harmonics, and a
    /// lake (hole) when `lake`.
    fn random_village(rng: &mut Rng, r: f64, lake: bool) -> MultiPolygon<f64> {
        let n = 120;
        let a: Vec<f64> = (0..4).map(|_| rng.range(-0.12, 0.12)).collect();
        let ph: Vec<f64> = (0..4)
            .map(|_| rng.range(0.0, std::f64::consts::TAU))
            .collect();
        let ring: Vec<(f64, f64)> = (0..=n)
            .map(|i| {
                let th = std::f64::consts::TAU * f64::from(i % n) / f64::from(n);
                let mut rr = 1.0;
                for h in 0..4 {
                    rr += a[h] * (f64::from(h as u32 + 2) * th + ph[h]).sin();
                }
                rr += rng.range(-0.02, 0.02);
                (r * rr * th.cos(), r * rr * th.sin())
            })
            .collect();
        let mut ring = ring;
        let last = ring.len() - 1;
        ring[last] = ring[0];
        let holes = if lake {
            let (cx, cy, s) = (0.3 * r, -0.2 * r, 0.12 * r);
            vec![LineString::from(vec![
                (cx - s, cy - s),
                (cx - s, cy + s),
                (cx + s, cy + s),
                (cx + s, cy - s),
                (cx - s, cy - s),
            ])]
        } else {
            Vec::new()
        };
        MultiPolygon::new(vec![Polygon::new(LineString::from(ring), holes)])
    }

    /// Clustered sites inside `t` and compact labels (a few Lloyd steps
    /// from k random centres), as a partitioner would give.
    fn random_sites(
        rng: &mut Rng,
        t: &MultiPolygon<f64>,
        n: usize,
        k: usize,
    ) -> (Vec<[f64; 2]>, Vec<u32>) {
        let b = t.bounding_rect().unwrap();
        let hamlets: Vec<[f64; 2]> = (0..6)
            .map(|_| {
                [
                    rng.range(b.min().x, b.max().x),
                    rng.range(b.min().y, b.max().y),
                ]
            })
            .collect();
        let spread = 0.15 * b.width();
        let mut sites = Vec::with_capacity(n);
        while sites.len() < n {
            let p = if rng.below(4) == 0 {
                [
                    rng.range(b.min().x, b.max().x),
                    rng.range(b.min().y, b.max().y),
                ]
            } else {
                let h = hamlets[rng.below(hamlets.len())];
                [h[0] + spread * rng.normal(), h[1] + spread * rng.normal()]
            };
            if t.contains(&Point::new(p[0], p[1])) {
                sites.push(p);
            }
        }
        let labels = lloyd_labels(&sites, k);
        (sites, labels)
    }

    fn lloyd_labels(sites: &[[f64; 2]], k: usize) -> Vec<u32> {
        let mut centres: Vec<[f64; 2]> = (0..k).map(|g| sites[g * sites.len() / k]).collect();
        let mut labels = vec![0u32; sites.len()];
        for _ in 0..5 {
            for (l, s) in labels.iter_mut().zip(sites) {
                let d = |c: &[f64; 2]| (c[0] - s[0]).powi(2) + (c[1] - s[1]).powi(2);
                *l = (0..k)
                    .min_by(|&a, &b| d(&centres[a]).total_cmp(&d(&centres[b])))
                    .unwrap() as u32;
            }
            let mut sum = vec![[0.0, 0.0, 0.0]; k];
            for (l, s) in labels.iter().zip(sites) {
                let e = &mut sum[*l as usize];
                e[0] += s[0];
                e[1] += s[1];
                e[2] += 1.0;
            }
            for (c, e) in centres.iter_mut().zip(&sum) {
                if e[2] > 0.0 {
                    *c = [e[0] / e[2], e[1] / e[2]];
                }
            }
        }
        // Every group keeps at least its centre's nearest site.
        for g in 0..k {
            if !labels.iter().any(|&l| l as usize == g) {
                labels[g * sites.len() / k] = g as u32;
            }
        }
        labels
    }

    #[test]
    fn random_villages_tile_exactly() {
        let mut rng = Rng::new(20_240_611);
        let mut worst_gap: f64 = 0.0;
        let mut worst_overlap: f64 = 0.0;
        for case in 0..8 {
            let r = rng.range(400.0, 3000.0);
            let t = random_village(&mut rng, r, case % 2 == 0);
            let n = 200 + rng.below(1801);
            let k = 3 + rng.below(8);
            let (sites, labels) = random_sites(&mut rng, &t, n, k);
            let parts = partition_polygons("330381001001", &sites, &labels, k, &t).unwrap();
            assert_eq!(parts.len(), k);
            let c = assert_tiles(&parts, &t, &sites, &labels);
            worst_gap = worst_gap.max(c.relative_gap);
            worst_overlap = worst_overlap.max(c.overlap_area / c.territory_area);
            // One integer grid per territory makes neighbouring parts share
            // their borders exactly: no pair overlaps at all, far below the
            // 1e-6 of the contract.
            for a in 0..k {
                for b in a + 1..k {
                    let o = parts[a].intersection(&parts[b]).unsigned_area();
                    assert!(
                        o <= 1e-12 * c.territory_area,
                        "case {case}: parts {a}, {b} overlap {o}"
                    );
                }
            }
            let sum: f64 = parts.iter().map(Area::unsigned_area).sum();
            assert!((sum - c.territory_area).abs() < 1e-8 * c.territory_area);
            assert_nearest_rule(&mut rng, &parts, &t, &sites, &labels);
        }
        eprintln!("worst relative gap {worst_gap:e}, worst relative overlap {worst_overlap:e}");
    }

    /// Empty land belongs to the group of the nearest site (docs/DESIGN.md §2):
    /// random points of the territory lie in the part of their nearest
    /// site's group, unless a site of another group is equally near.
    fn assert_nearest_rule(
        rng: &mut Rng,
        parts: &[MultiPolygon<f64>],
        t: &MultiPolygon<f64>,
        sites: &[[f64; 2]],
        labels: &[u32],
    ) {
        let b = t.bounding_rect().unwrap();
        let mut tested = 0;
        while tested < 200 {
            let p = [
                rng.range(b.min().x, b.max().x),
                rng.range(b.min().y, b.max().y),
            ];
            let pt = Point::new(p[0], p[1]);
            if !t.contains(&pt) {
                continue;
            }
            tested += 1;
            let d = |s: &[f64; 2]| ((s[0] - p[0]).powi(2) + (s[1] - p[1]).powi(2)).sqrt();
            let (best, _) = sites
                .iter()
                .enumerate()
                .min_by(|a, b| d(a.1).total_cmp(&d(b.1)))
                .unwrap();
            let g = labels[best];
            let other = sites
                .iter()
                .zip(labels)
                .filter(|&(_, &l)| l != g)
                .map(|(s, _)| d(s))
                .fold(f64::INFINITY, f64::min);
            if other - d(&sites[best]) > 1e-6 {
                assert!(
                    parts[g as usize].contains(&pt),
                    "{p:?} not in the part of group {g}"
                );
            }
        }
    }

    #[test]
    fn sites_outside_the_territory_still_get_their_cells() {
        // Two squares 100 m apart; group 2 is one household snapped in from
        // between them (an enclave's household outside both parts).
        let t = MultiPolygon::new(vec![
            rect(0.0, 0.0, 100.0, 100.0),
            rect(200.0, 0.0, 300.0, 100.0),
        ]);
        let sites = [[20.0, 50.0], [280.0, 50.0], [150.0, 50.0]];
        let labels = [0, 1, 2];
        let parts = partition_polygons("v", &sites, &labels, 3, &t).unwrap();
        assert_tiles(&parts, &t, &sites, &labels);
        // Bisectors at x = 85 and x = 215.
        for (p, w) in parts.iter().zip([8500.0, 8500.0, 3000.0]) {
            assert!(
                (p.unsigned_area() - w).abs() < 1e-6,
                "{} vs {w}",
                p.unsigned_area()
            );
        }
        assert_eq!(parts[2].0.len(), 2);
    }

    #[test]
    fn output_is_deterministic_and_independent_of_site_order() {
        let mut rng = Rng::new(99);
        let t = random_village(&mut rng, 800.0, true);
        let (sites, labels) = random_sites(&mut rng, &t, 300, 4);
        let a = partition_polygons("v", &sites, &labels, 4, &t).unwrap();
        let b = partition_polygons("v", &sites, &labels, 4, &t).unwrap();
        assert_eq!(a, b);
        let mut order: Vec<usize> = (0..sites.len()).collect();
        order.reverse();
        order.swap(3, 100);
        let s2: Vec<[f64; 2]> = order.iter().map(|&i| sites[i]).collect();
        let l2: Vec<u32> = order.iter().map(|&i| labels[i]).collect();
        let c = partition_polygons("v", &s2, &l2, 4, &t).unwrap();
        assert_eq!(a, c);
    }

    #[test]
    fn micro_groups_tile_their_grid() {
        let mut rng = Rng::new(7);
        let t = random_village(&mut rng, 1500.0, true);
        let (sites, labels) = random_sites(&mut rng, &t, 900, 4);
        let grids = partition_polygons("v", &sites, &labels, 4, &t).unwrap();
        assert_tiles(&grids, &t, &sites, &labels);
        for g in 0..4u32 {
            let sub: Vec<[f64; 2]> = sites
                .iter()
                .zip(&labels)
                .filter(|&(_, &l)| l == g)
                .map(|(s, _)| *s)
                .collect();
            let sub_labels = lloyd_labels(&sub, 6);
            let micro =
                partition_polygons("v001", &sub, &sub_labels, 6, &grids[g as usize]).unwrap();
            assert_tiles(&micro, &grids[g as usize], &sub, &sub_labels);
        }
    }

    #[test]
    fn bad_input_is_reported_with_the_code() {
        let t = square_village();
        let s = [[10.0, 10.0], [20.0, 20.0]];
        let e = partition_polygons("X1", &s, &[0], 2, &t).unwrap_err();
        assert!(matches!(e, PolygonError::LabelCount { .. }) && e.to_string().contains("X1"));
        let e = partition_polygons("X2", &s, &[0, 2], 2, &t).unwrap_err();
        assert!(matches!(
            e,
            PolygonError::LabelOutOfRange {
                site: 1,
                label: 2,
                ..
            }
        ));
        let e = partition_polygons("X3", &s, &[0, 0], 2, &t).unwrap_err();
        assert!(matches!(e, PolygonError::EmptyGroup { group: 1, .. }));
        let e = partition_polygons("X4", &s, &[0, 0], 0, &t).unwrap_err();
        assert!(matches!(e, PolygonError::NoGroups { .. }));
        let e =
            partition_polygons("X5", &[[10.0, f64::NAN], [1.0, 1.0]], &[0, 1], 2, &t).unwrap_err();
        assert!(matches!(e, PolygonError::NonFiniteSite { site: 0, .. }));
        let d = [[10.0, 10.0], [30.0, 30.0], [10.0, 10.0]];
        let e = partition_polygons("X6", &d, &[0, 1, 1], 2, &t).unwrap_err();
        assert!(matches!(
            e,
            PolygonError::DuplicateSite {
                first: 0,
                second: 2,
                ..
            }
        ));
        let e = partition_polygons("X7", &s, &[0, 1], 2, &MultiPolygon::new(vec![])).unwrap_err();
        assert!(matches!(e, PolygonError::EmptyTerritory { .. }));
        // Identical sites with the same label are merged, not rejected.
        let parts = partition_polygons("X8", &d, &[0, 1, 0], 2, &t).unwrap();
        assert_tiles(&parts, &t, &d, &[0, 1, 0]);
    }

    #[test]
    fn coverage_sees_gaps_and_overlaps() {
        let t = square_village();
        let left = MultiPolygon::new(vec![rect(0.0, 0.0, 60.0, 100.0)]);
        let right = MultiPolygon::new(vec![rect(50.0, 0.0, 100.0, 100.0)]);
        let c = coverage(&[left.clone(), right], &t);
        assert!((c.overlap_area - 1000.0).abs() < 1e-6);
        assert!(c.relative_gap < 1e-12);
        let narrow = MultiPolygon::new(vec![rect(70.0, 0.0, 100.0, 100.0)]);
        let c = coverage(&[left, narrow], &t);
        assert!(c.overlap_area < 1e-9);
        assert!((c.relative_gap - 0.1).abs() < 1e-9);
        assert!((c.union_area - 9000.0).abs() < 1e-6);
    }
}
