//! Plane geometry in local metres shared by the generator's steps: distances,
//! point-in-ring tests, rings kept in rounded degrees and in metres, and
//! serpentine ordering.

use geo::{Coord, LineString};

use crate::engine::rng::Rng;
use crate::input::project::LocalProjection;

pub(super) type Xy = [f64; 2];

pub(super) fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

pub(super) fn dist2(a: Xy, b: Xy) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Squared distance from `p` to the segment `a`-`b`.
pub(super) fn seg_dist2(p: Xy, a: Xy, b: Xy) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    dist2(p, [a[0] + t * dx, a[1] + t * dy])
}

/// Even-odd point-in-ring test on an open ring.
pub(super) fn in_ring(ring: &[Xy], p: Xy) -> bool {
    let mut inside = false;
    let n = ring.len();
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            if p[0] < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// The smallest distance from `p` to an edge of `ring`.
pub(super) fn ring_clearance(ring: &[Xy], p: Xy) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| seg_dist2(p, ring[i], ring[(i + 1) % n]))
        .fold(f64::INFINITY, f64::min)
        .sqrt()
}

/// Twice the signed area of an open ring (positive when counter-clockwise).
pub(super) fn signed_area2(ring: &[Xy]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum()
}

/// A ring in rounded degrees and the same ring in metres (open, no repeated
/// closing vertex).
#[derive(Clone, Debug)]
pub(super) struct Ring {
    pub(super) deg: Vec<Xy>,
    pub(super) m: Vec<Xy>,
}

impl Ring {
    pub(super) fn from_metres(proj: &LocalProjection, pts: &[Xy]) -> Self {
        let deg: Vec<Xy> = pts.iter().map(|&p| to_deg(proj, p)).collect();
        let m = deg.iter().map(|d| proj.forward(d[0], d[1])).collect();
        Self { deg, m }
    }

    pub(super) fn line(&self, reverse: bool) -> LineString<f64> {
        let mut c: Vec<Coord<f64>> = self
            .deg
            .iter()
            .map(|d| Coord { x: d[0], y: d[1] })
            .collect();
        if reverse {
            c.reverse();
        }
        LineString::new(c)
    }
}

pub(super) fn to_deg(proj: &LocalProjection, p: Xy) -> Xy {
    let [lon, lat] = proj.inverse(p[0], p[1]);
    [round7(lon), round7(lat)]
}

pub(super) fn bbox(pts: &[Xy]) -> [f64; 4] {
    pts.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, p| {
            [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ]
        },
    )
}

/// Dart throwing: a uniform point in the square of half-side `r`.
pub(super) fn uniform_in(rng: &mut Rng, r: f64) -> Xy {
    [rng.range(-r, r), rng.range(-r, r)]
}

/// Orders points in serpentine reading order: rows of height `band` from
/// north to south, west to east on even rows and east to west on odd ones.
pub(super) fn serpentine(points: &[Xy], band: f64) -> Vec<usize> {
    let top = points
        .iter()
        .map(|p| p[1])
        .fold(f64::NEG_INFINITY, f64::max);
    // Rows are small non-negative integers.
    let row = |p: Xy| ((top - p[1]) / band).floor().max(0.0) as u64;
    let mut idx: Vec<usize> = (0..points.len()).collect();
    idx.sort_by(|&a, &b| {
        let (ra, rb) = (row(points[a]), row(points[b]));
        ra.cmp(&rb)
            .then_with(|| {
                let c = points[a][0].total_cmp(&points[b][0]);
                if ra % 2 == 0 { c } else { c.reverse() }
            })
            .then(a.cmp(&b))
    });
    idx
}

/// Twice the signed area of the triangle `o`, `a`, `b`.
fn orient(o: Xy, a: Xy, b: Xy) -> f64 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

/// Squared distance between the segments `a`-`b` and `c`-`d` (0 when they
/// cross; touching or collinear overlaps give 0 through the endpoint terms).
pub(super) fn seg_seg_dist2(a: Xy, b: Xy, c: Xy, d: Xy) -> f64 {
    if orient(c, d, a) * orient(c, d, b) < 0.0 && orient(a, b, c) * orient(a, b, d) < 0.0 {
        return 0.0;
    }
    seg_dist2(a, c, d)
        .min(seg_dist2(b, c, d))
        .min(seg_dist2(c, a, b))
        .min(seg_dist2(d, a, b))
}

/// The smallest squared distance between an edge of `r` and an edge of `s`
/// (open rings or, with `closed_s` false, an open polyline `s`).
pub(super) fn edge_dist2(r: &[Xy], s: &[Xy], closed_s: bool) -> f64 {
    let (n, m) = (r.len(), s.len());
    let m_edges = if closed_s { m } else { m.saturating_sub(1) };
    let mut best = f64::INFINITY;
    for i in 0..n {
        let (a, b) = (r[i], r[(i + 1) % n]);
        for j in 0..m_edges {
            best = best.min(seg_seg_dist2(a, b, s[j], s[(j + 1) % m]));
        }
    }
    best
}

/// Squared distance between the regions of two open rings: 0 when one
/// holds a vertex of the other or their edges cross.
pub(super) fn ring_ring_dist2(r: &[Xy], s: &[Xy]) -> f64 {
    if in_ring(r, s[0]) || in_ring(s, r[0]) {
        0.0
    } else {
        edge_dist2(r, s, true)
    }
}

/// Squared distance from the region of an open ring to the segment `a`-`b`.
pub(super) fn ring_seg_dist2(ring: &[Xy], a: Xy, b: Xy) -> f64 {
    if in_ring(ring, a) {
        0.0
    } else {
        edge_dist2(ring, &[a, b], false)
    }
}

/// The convex hull of `pts`, counter-clockwise, without collinear points
/// (Andrew's monotone chain).
pub(super) fn convex_hull(pts: &[Xy]) -> Vec<Xy> {
    let mut p = pts.to_vec();
    p.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let mut hull: Vec<Xy> = Vec::with_capacity(2 * p.len());
    for pass in 0..2 {
        let start = hull.len();
        for &q in &p {
            while hull.len() >= start + 2
                && orient(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0
            {
                hull.pop();
            }
            hull.push(q);
        }
        hull.pop();
        if pass == 0 {
            p.reverse();
        }
    }
    hull
}
