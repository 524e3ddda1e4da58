//! The Voronoi diagram of a territory's sites on one integer grid: the
//! shared first steps of the territory cells ([`crate::engine::territory`])
//! and of the polygons ([`crate::geometry::polygons`]).
//!
//! See the module docs of [`crate::geometry::polygons`] for the algorithm
//! (steps 3-5 there: the enclosing box, the four ghost sites, the cells
//! from the circumcentres, Sutherland–Hodgman clipping to the box) and for
//! the precision argument behind [`IntGrid`].

use geo::{Coord, LineString, MultiPolygon, Polygon};
use i_overlay::i_float::int::point::IntPoint;
use i_overlay::i_shape::int::shape::{IntContour, IntShape};
use spade::handles::FixedFaceHandle;
use spade::{DelaunayTriangulation, Point2, Triangulation};

use crate::engine::graph::cmp_coords;

/// Why the polygons of a territory could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolygonError {
    /// `sites` and `labels` differ in length.
    #[error("{code}: {sites} sites but {labels} labels")]
    LabelCount {
        /// Village or grid code.
        code: String,
        /// Number of sites.
        sites: usize,
        /// Number of labels.
        labels: usize,
    },
    /// k = 0 groups were asked for.
    #[error("{code}: no groups (k = 0)")]
    NoGroups {
        /// Village or grid code.
        code: String,
    },
    /// A label is not below k.
    #[error("{code}: site {site} has label {label}, not below k = {k}")]
    LabelOutOfRange {
        /// Village or grid code.
        code: String,
        /// Index of the site.
        site: usize,
        /// Its label.
        label: u32,
        /// Number of groups.
        k: usize,
    },
    /// A group in 0..k has no site.
    #[error("{code}: group {group} of {k} has no site")]
    EmptyGroup {
        /// Village or grid code.
        code: String,
        /// The group without sites.
        group: usize,
        /// Number of groups.
        k: usize,
    },
    /// A site coordinate is NaN or infinite.
    #[error("{code}: site {site} has a non-finite coordinate ({x}, {y})")]
    NonFiniteSite {
        /// Village or grid code.
        code: String,
        /// Index of the site.
        site: usize,
        /// Its x.
        x: f64,
        /// Its y.
        y: f64,
    },
    /// The territory has a NaN or infinite coordinate.
    #[error("{code}: the territory has a non-finite coordinate")]
    NonFiniteTerritory {
        /// Village or grid code.
        code: String,
    },
    /// The territory has no vertex at all.
    #[error("{code}: the territory is empty")]
    EmptyTerritory {
        /// Village or grid code.
        code: String,
    },
    /// Two sites share coordinates but not their label.
    #[error(
        "{code}: sites {first} and {second} both lie at ({x}, {y}) with labels {first_label} and {second_label}"
    )]
    DuplicateSite {
        /// Village or grid code.
        code: String,
        /// Index of the first site.
        first: usize,
        /// Index of the second site.
        second: usize,
        /// Label of the first site.
        first_label: u32,
        /// Label of the second site.
        second_label: u32,
        /// The shared x.
        x: f64,
        /// The shared y.
        y: f64,
    },
    /// spade rejected a coordinate (too large or too small in magnitude).
    #[error("{code}: triangulation of {sites} sites failed")]
    Triangulation {
        /// Village or grid code.
        code: String,
        /// Number of distinct sites.
        sites: usize,
        /// spade's error.
        source: spade::InsertionError,
    },
    /// The triangulation did not keep one vertex per distinct site, or left
    /// a real site on its hull; neither should happen once duplicates are
    /// merged and the ghosts are in place.
    #[error("{code}: degenerate triangulation ({sites} distinct sites, {vertices} vertices)")]
    Degenerate {
        /// Village or grid code.
        code: String,
        /// Number of distinct sites (without the four ghosts).
        sites: usize,
        /// Number of vertices spade kept (with the ghosts).
        vertices: usize,
    },
}

/// The integer grid shared by every overlay of one territory: a point maps
/// to round((x − ox)·s, (y − oy)·s) with s a power of two.
pub struct IntGrid {
    ox: f64,
    oy: f64,
    scale: f64,
}

impl IntGrid {
    /// The grid for `bbox`: the largest power-of-two scale that keeps
    /// |coordinate| ≤ 2^30, as i_overlay's own float adapter does (it needs
    /// the headroom of i32 for its intersection arithmetic).
    #[must_use]
    pub fn new(bbox: &BBox) -> Self {
        let ox = 0.5 * (bbox[0] + bbox[2]);
        let oy = 0.5 * (bbox[1] + bbox[3]);
        let half = 0.5 * (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]);
        // half > 0 (see `enclosing_box`) and finite, so the exponent is
        // a small integer.
        let e = 29.0 - half.log2().floor();
        Self {
            ox,
            oy,
            scale: e.exp2(),
        }
    }
    /// Grid units per metre.
    #[must_use]
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The grid point nearest `p`.
    #[must_use]
    pub fn point(&self, p: [f64; 2]) -> IntPoint {
        // Both values are below 2^30 in magnitude by construction of the
        // scale, so the conversions are exact after rounding.
        IntPoint::new(
            ((p[0] - self.ox) * self.scale).round() as i32,
            ((p[1] - self.oy) * self.scale).round() as i32,
        )
    }

    /// An open contour (no closing point), without consecutive repeats.
    #[must_use]
    pub fn contour(&self, ring: impl Iterator<Item = [f64; 2]>) -> IntContour {
        let mut out: IntContour = Vec::new();
        for p in ring {
            let q = self.point(p);
            if out.last() != Some(&q) {
                out.push(q);
            }
        }
        while out.len() > 1 && out.first() == out.last() {
            out.pop();
        }
        out
    }

    /// The point of the grid, in metres.
    #[must_use]
    pub fn coord(&self, p: IntPoint) -> Coord<f64> {
        Coord {
            x: f64::from(p.x) / self.scale + self.ox,
            y: f64::from(p.y) / self.scale + self.oy,
        }
    }

    /// Integer shapes (OGC output of i_overlay) back in metres.
    #[must_use]
    pub fn multi_polygon(&self, shapes: &[IntShape]) -> MultiPolygon<f64> {
        let ring = |c: &IntContour| {
            let mut coords: Vec<Coord<f64>> = c.iter().map(|&p| self.coord(p)).collect();
            if let Some(&c0) = coords.first() {
                coords.push(c0);
            }
            LineString::new(coords)
        };
        MultiPolygon::new(
            shapes
                .iter()
                .filter_map(|shape| {
                    let (outer, holes) = shape.split_first()?;
                    Some(Polygon::new(ring(outer), holes.iter().map(ring).collect()))
                })
                .collect(),
        )
    }
}

/// An axis-aligned box, `[min_x, min_y, max_x, max_y]`.
pub type BBox = [f64; 4];

/// Step 3: the clip box around the territory and the sites.
#[must_use]
pub fn enclosing_box(rect: geo::Rect<f64>, pos: &[[f64; 2]]) -> BBox {
    let mut b = [rect.min().x, rect.min().y, rect.max().x, rect.max().y];
    for p in pos {
        b[0] = b[0].min(p[0]);
        b[1] = b[1].min(p[1]);
        b[2] = b[2].max(p[0]);
        b[3] = b[3].max(p[1]);
    }
    // With at least two distinct sites (k ≥ 2), the box has a positive side.
    let margin = (b[2] - b[0]).max(b[3] - b[1]) / 64.0;
    [b[0] - margin, b[1] - margin, b[2] + margin, b[3] + margin]
}

/// Steps 3-5: the Voronoi cell of every position, clipped to `bbox`, as a
/// counter-clockwise ring without closing point.
///
/// # Errors
/// [`PolygonError::Triangulation`] when spade rejects a coordinate, and
/// [`PolygonError::Degenerate`] when the triangulation lost a site.
pub fn voronoi_cells(
    code: &str,
    pos: &[[f64; 2]],
    bbox: &BBox,
) -> Result<Vec<Vec<[f64; 2]>>, PolygonError> {
    let cx = 0.5 * (bbox[0] + bbox[2]);
    let cy = 0.5 * (bbox[1] + bbox[3]);
    let half = 0.5 * (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]);
    let g = 8.0 * half;
    let mut points: Vec<Point2<f64>> = pos.iter().map(|p| Point2::new(p[0], p[1])).collect();
    points.extend([
        Point2::new(cx - g, cy - g),
        Point2::new(cx + g, cy - g),
        Point2::new(cx + g, cy + g),
        Point2::new(cx - g, cy + g),
    ]);
    let tri: DelaunayTriangulation<Point2<f64>> = DelaunayTriangulation::bulk_load_stable(points)
        .map_err(|source| {
        PolygonError::Triangulation {
            code: code.into(),
            sites: pos.len(),
            source,
        }
    })?;
    let degenerate = || PolygonError::Degenerate {
        code: code.into(),
        sites: pos.len(),
        vertices: tri.num_vertices(),
    };
    if tri.num_vertices() != pos.len() + 4 {
        return Err(degenerate());
    }
    // One circumcentre per triangle, so that neighbouring cells use the
    // very same floats for their shared vertices.
    let mut centres = vec![[f64::NAN; 2]; tri.num_all_faces()];
    for f in tri.inner_faces() {
        let c = f.circumcenter();
        centres[f.fix().index()] = [c.x, c.y];
    }
    let mut cells = Vec::with_capacity(pos.len());
    let mut ring: Vec<[f64; 2]> = Vec::new();
    for v in tri.vertices().take(pos.len()) {
        ring.clear();
        for e in v.out_edges() {
            let face: FixedFaceHandle<_> = e.face().fix();
            if e.face().is_outer() {
                return Err(degenerate());
            }
            let c = centres[face.index()];
            // Cocircular sites (a lattice) give zero-length Voronoi edges.
            if ring.last() != Some(&c) {
                ring.push(c);
            }
        }
        if ring.len() > 1 && ring.first() == ring.last() {
            ring.pop();
        }
        cells.push(clip_to_box(&ring, bbox));
    }
    Ok(cells)
}

/// Sutherland–Hodgman clipping of a convex ring (no closing point) to
/// `bbox`, one side at a time. The cut point of a segment is computed with
/// its end points in canonical order, so the two cells sharing a segment
/// get the same point.
#[must_use]
pub fn clip_to_box(ring: &[[f64; 2]], bbox: &BBox) -> Vec<[f64; 2]> {
    let mut cur: Vec<[f64; 2]> = ring.to_vec();
    let mut next: Vec<[f64; 2]> = Vec::with_capacity(ring.len() + 4);
    // (axis, bound, keep the side where coordinate >= bound?)
    let sides = [
        (0usize, bbox[0], true),
        (0, bbox[2], false),
        (1, bbox[1], true),
        (1, bbox[3], false),
    ];
    for (axis, bound, ge) in sides {
        if cur.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| {
            if ge {
                p[axis] >= bound
            } else {
                p[axis] <= bound
            }
        };
        next.clear();
        for i in 0..cur.len() {
            let a = cur[i];
            let b = cur[(i + 1) % cur.len()];
            let (ia, ib) = (inside(&a), inside(&b));
            if ia {
                next.push(a);
            }
            if ia != ib {
                let p = cut(a, b, axis, bound);
                if next.last() != Some(&p) {
                    next.push(p);
                }
            }
        }
        while next.len() > 1 && next.first() == next.last() {
            next.pop();
        }
        std::mem::swap(&mut cur, &mut next);
    }
    cur
}

/// The point of segment ab on the line `coordinate[axis] = bound`, which
/// the segment crosses. The end points are ordered first, so that ab and ba
/// give bit-identical points.
#[must_use]
pub fn cut(a: [f64; 2], b: [f64; 2], axis: usize, bound: f64) -> [f64; 2] {
    let (a, b) = if cmp_coords(a, b).is_le() {
        (a, b)
    } else {
        (b, a)
    };
    let other = 1 - axis;
    let t = (bound - a[axis]) / (b[axis] - a[axis]);
    let mut p = [0.0; 2];
    p[axis] = bound;
    p[other] = a[other] + t * (b[other] - a[other]);
    p
}
