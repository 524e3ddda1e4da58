//! Steps 1, 2 and 4 of the map: the local equirectangular frame, shapes in
//! integer metres, their SVG path data and label points.

use super::MapShape;
use crate::output::html::w;

/// Metres per degree of latitude on the mean-radius sphere (6,371,008.8 m).
pub(super) const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// The local equirectangular frame (step 1).
pub(super) struct Frame {
    /// Longitude of the centre.
    pub(super) lon0: f64,
    /// Latitude of the centre.
    pub(super) lat0: f64,
    /// Metres per degree of longitude at `lat0`.
    pub(super) kx: f64,
}

impl Frame {
    /// The frame centred on the bounding box of the finite coordinates.
    pub(super) fn new(shapes: &[MapShape]) -> Frame {
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for p in shapes
            .iter()
            .filter(|s| !s.kind.is_line())
            .flat_map(|s| s.rings.iter().flatten())
        {
            if p[0].is_finite() && p[1].is_finite() {
                x0 = x0.min(p[0]);
                x1 = x1.max(p[0]);
                y0 = y0.min(p[1]);
                y1 = y1.max(p[1]);
            }
        }
        if !(x0 <= x1 && y0 <= y1) {
            return Frame {
                lon0: 0.0,
                lat0: 0.0,
                kx: METRES_PER_DEGREE,
            };
        }
        let lon0 = x0 / 2.0 + x1 / 2.0;
        let lat0 = y0 / 2.0 + y1 / 2.0;
        let kx = lat0.to_radians().cos().abs() * METRES_PER_DEGREE;
        Frame { lon0, lat0, kx }
    }

    /// Integer metres, `None` for a non-finite coordinate.
    pub(super) fn project(&self, p: [f64; 2]) -> Option<[i64; 2]> {
        let x = (p[0] - self.lon0) * self.kx;
        let y = -(p[1] - self.lat0) * METRES_PER_DEGREE;
        // `as` saturates, so absurd coordinates cannot panic.
        (x.is_finite() && y.is_finite()).then(|| [x.round() as i64, y.round() as i64])
    }
}

/// A shape in integer metres.
pub(super) struct Projected {
    /// Rings of at least 3 distinct vertices, not closed; for a barrier,
    /// lines of at least 2 vertices, as given.
    pub(super) rings: Vec<Vec<[i64; 2]>>,
    /// Open lines (a barrier), drawn without closing.
    open: bool,
}

impl Projected {
    /// The shape projected and rounded to whole metres (step 2).
    pub(super) fn new(s: &MapShape, f: &Frame) -> Projected {
        let open = s.kind.is_line();
        let mut rings = Vec::new();
        for r in &s.rings {
            let mut pts: Vec<[i64; 2]> = Vec::with_capacity(r.len());
            for p in r {
                if let Some(q) = f.project(*p)
                    && pts.last() != Some(&q)
                {
                    pts.push(q);
                }
            }
            if open {
                if pts.len() >= 2 {
                    rings.push(pts);
                }
                continue;
            }
            while pts.len() > 1 && pts.first() == pts.last() {
                pts.pop();
            }
            if pts.len() >= 3 {
                rings.push(pts);
            }
        }
        Projected { rings, open }
    }

    /// `[minx, miny, maxx, maxy]`, `None` without rings.
    pub(super) fn bbox(&self) -> Option<[i64; 4]> {
        let mut it = self.rings.iter().flatten();
        let first = it.next()?;
        let mut b = [first[0], first[1], first[0], first[1]];
        for p in it {
            b[0] = b[0].min(p[0]);
            b[1] = b[1].min(p[1]);
            b[2] = b[2].max(p[0]);
            b[3] = b[3].max(p[1]);
        }
        Some(b)
    }

    /// The SVG path data (step 2).
    pub(super) fn path_d(&self) -> String {
        let mut d = String::with_capacity(self.rings.iter().map(|r| r.len() * 8 + 16).sum());
        for r in &self.rings {
            w!(d, "M{} {}l", r[0][0], r[0][1]);
            let mut first = true;
            for pair in r.windows(2) {
                for v in [
                    pair[1][0].saturating_sub(pair[0][0]),
                    pair[1][1].saturating_sub(pair[0][1]),
                ] {
                    // A minus sign separates numbers by itself.
                    if !first && v >= 0 {
                        d.push(' ');
                    }
                    w!(d, "{v}");
                    first = false;
                }
            }
            if !self.open {
                d.push('z');
            }
        }
        d
    }

    /// The largest ring's |area| (m²) and a label point inside the shape (step 4).
    pub(super) fn label(&self) -> Option<(f64, [f64; 2])> {
        let (big, area) = self
            .rings
            .iter()
            .map(|r| (r, ring_area(r)))
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
        let c = ring_centroid(big, area);
        let b = self.bbox()?;
        // Integer vertices: a line at .5 never passes through a vertex.
        let mid = f64::midpoint(b[1] as f64, b[3] as f64).floor() + 0.5;
        for y in [c[1].floor() + 0.5, mid] {
            if let Some(x) = self.widest_inside(y) {
                return Some((area.abs(), [x, y]));
            }
        }
        Some((area.abs(), c))
    }

    /// The midpoint of the widest inside interval of the line at `y`.
    fn widest_inside(&self, y: f64) -> Option<f64> {
        let mut xs: Vec<f64> = Vec::new();
        for r in &self.rings {
            for i in 0..r.len() {
                let a = r[i];
                let b = r[(i + 1) % r.len()];
                let (ay, by) = (a[1] as f64, b[1] as f64);
                if (ay < y) != (by < y) {
                    let t = (y - ay) / (by - ay);
                    xs.push(a[0] as f64 + t * (b[0] as f64 - a[0] as f64));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        xs.chunks_exact(2)
            .map(|p| (p[1] - p[0], f64::midpoint(p[0], p[1])))
            .filter(|p| p.0 > 0.0)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|p| p.1)
    }
}

/// Signed shoelace area.
fn ring_area(r: &[[i64; 2]]) -> f64 {
    let mut s = 0.0;
    for i in 0..r.len() {
        let a = r[i];
        let b = r[(i + 1) % r.len()];
        s += a[0] as f64 * b[1] as f64 - b[0] as f64 * a[1] as f64;
    }
    s / 2.0
}

/// Area centroid of a ring, the vertex mean for a degenerate one.
fn ring_centroid(r: &[[i64; 2]], area: f64) -> [f64; 2] {
    let n = r.len().max(1) as f64;
    let mean = [
        r.iter().map(|p| p[0] as f64).sum::<f64>() / n,
        r.iter().map(|p| p[1] as f64).sum::<f64>() / n,
    ];
    if area.abs() < 1e-9 {
        return mean;
    }
    let (mut cx, mut cy) = (0.0, 0.0);
    for i in 0..r.len() {
        // Relative to the mean, for accuracy far from the origin.
        let a = [r[i][0] as f64 - mean[0], r[i][1] as f64 - mean[1]];
        let j = (i + 1) % r.len();
        let b = [r[j][0] as f64 - mean[0], r[j][1] as f64 - mean[1]];
        let cross = a[0] * b[1] - b[0] * a[1];
        cx += (a[0] + b[0]) * cross;
        cy += (a[1] + b[1]) * cross;
    }
    let c = [mean[0] + cx / (6.0 * area), mean[1] + cy / (6.0 * area)];
    if c[0].is_finite() && c[1].is_finite() {
        c
    } else {
        mean
    }
}

/// The bounding box of two bounding boxes.
pub(super) fn union(a: [i64; 4], b: [i64; 4]) -> [i64; 4] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::report::ShapeKind;
    use crate::output::report::fixtures::shape;

    #[test]
    fn paths_are_projected_rounded_and_relative() {
        let f = Frame {
            lon0: 120.0,
            lat0: 30.0,
            kx: 30f64.to_radians().cos() * METRES_PER_DEGREE,
        };
        let s = shape(
            "g",
            ShapeKind::Grid,
            "v",
            vec![
                vec![
                    [120.0, 30.0],
                    [120.001, 30.0],
                    [120.001, 30.0],
                    [120.001, 30.001],
                    [120.0, 30.0],
                ],
                vec![[1.0, 2.0], [f64::NAN, 3.0]],
            ],
        );
        let p = Projected::new(&s, &f);
        // The duplicate and the closing vertex are gone, the broken ring too.
        assert_eq!(p.rings.len(), 1);
        assert_eq!(p.rings[0].len(), 3);
        // 0.001° east at 30° N is 96 m; 0.001° north is 111 m, drawn upwards.
        assert_eq!(p.path_d(), "M0 0l96 0 0-111z");
    }

    #[test]
    fn labels_sit_inside_concave_shapes_and_avoid_holes() {
        let f = Frame {
            lon0: 0.0,
            lat0: 0.0,
            kx: METRES_PER_DEGREE,
        };
        // A square with a big central hole: the centroid is in the hole.
        let outer = vec![[0.0, 0.0], [0.01, 0.0], [0.01, 0.01], [0.0, 0.01]];
        let hole = vec![
            [0.002, 0.002],
            [0.008, 0.002],
            [0.008, 0.008],
            [0.002, 0.008],
        ];
        let s = shape("g", ShapeKind::Grid, "v", vec![outer, hole]);
        let p = Projected::new(&s, &f);
        let (_, xy) = p.label().unwrap_or((0.0, [f64::NAN, f64::NAN]));
        let side = 0.01 * METRES_PER_DEGREE;
        let x = xy[0];
        let inside_frame = (0.0..0.2 * side).contains(&x) || (0.8 * side..side).contains(&x);
        assert!(inside_frame, "label x {x} is in the hole");
    }
}
