//! Step 9: the lines on the ground (`barriers.geojson`), and the index that
//! keeps households, zones and compounds clear of them.
//!
//! Every line is drawn in local metres, cut to the stretch that crosses the
//! county, rounded once to 7 decimals of a degree and projected back, so
//! the clearance tests below measure the very coordinates that are written.

use std::f64::consts::{FRAC_PI_2, PI, TAU};

use super::geometry::{Xy, bbox, dist2, in_ring, ring_seg_dist2, seg_dist2, to_deg};
use super::layout::Layout;
use super::{CANALS_AT_1, TERTIARY_AT_1, count};
use crate::engine::rng::Rng;
use crate::model::ground::BarrierKind;

/// The smallest distance (metres) from a household point to a line of
/// `kind`. The river's 22 m stand for its water and banks; canals are
/// narrower; 8-10 m keep a building off the carriageway and its verge.
pub(super) fn clearance(kind: BarrierKind) -> f64 {
    match kind {
        BarrierKind::River => 22.0,
        BarrierKind::Canal => 12.0,
        BarrierKind::Railway
        | BarrierKind::Motorway
        | BarrierKind::Trunk
        | BarrierKind::Primary => 10.0,
        _ => 8.0,
    }
}

/// The largest [`clearance`] of any kind drawn here.
const MAX_CLEARANCE: f64 = 22.0;
/// Side of the cells of the segment index, in metres.
const CELL_M: f64 = 250.0;
/// The largest sideways move of a road's midpoint, in metres: a long road
/// bends, but does not wander off by kilometres.
const MAX_SWING_M: f64 = 600.0;
/// The river's largest turn from the bearing to its next waypoint (80°,
/// below a right angle, so it always draws nearer).
const MAX_SWING_RAD: f64 = 1.4;
/// Share of the villages whose seed is a node of the secondary roads.
const SECONDARY_SHARE: f64 = 0.35;

/// Canal names, used in turn (the first is Rui'an's main canal).
const CANAL_NAMES: [&str; 8] = [
    "温瑞塘河",
    "瑞平塘河",
    "塘下河",
    "莘塍河",
    "汀田河",
    "九里河",
    "场桥河",
    "罗凤河",
];

/// One line of `barriers.geojson`, in rounded degrees and in metres.
pub(super) struct Line {
    pub(super) kind: BarrierKind,
    pub(super) name: String,
    pub(super) deg: Vec<Xy>,
    pub(super) m: Vec<Xy>,
}

/// One segment of a [`Line`] in the index.
struct Seg {
    a: Xy,
    b: Xy,
    /// The clearance of its line's kind.
    clear: f64,
}

/// The lines and a uniform grid over their segments: each cell lists the
/// segments whose bounding box, grown by their clearance, meets it.
pub(super) struct Ground {
    pub(super) lines: Vec<Line>,
    segs: Vec<Seg>,
    origin: Xy,
    nx: usize,
    ny: usize,
    cells: Vec<Vec<u32>>,
}

impl Ground {
    fn new(lines: Vec<Line>, county: &[Xy]) -> Self {
        let b = bbox(county);
        let origin = [b[0] - CELL_M, b[1] - CELL_M];
        let nx = ((b[2] - origin[0]) / CELL_M).ceil() as usize + 2;
        let ny = ((b[3] - origin[1]) / CELL_M).ceil() as usize + 2;
        let mut g = Self {
            lines: Vec::new(),
            segs: Vec::new(),
            origin,
            nx,
            ny,
            cells: vec![Vec::new(); nx * ny],
        };
        for line in &lines {
            let clear = clearance(line.kind);
            for w in line.m.windows(2) {
                g.insert(w[0], w[1], clear);
            }
        }
        g.lines = lines;
        g
    }

    /// The cell ranges meeting the box `b` grown by `grow`, or `None` when
    /// it lies outside the grid.
    fn range(&self, b: [f64; 4], grow: f64) -> Option<([usize; 2], [usize; 2])> {
        let lo = |v: f64, o: f64| ((v - grow - o) / CELL_M).floor();
        let hi = |v: f64, o: f64| ((v + grow - o) / CELL_M).floor();
        let (x0, y0) = (lo(b[0], self.origin[0]), lo(b[1], self.origin[1]));
        let (x1, y1) = (hi(b[2], self.origin[0]), hi(b[3], self.origin[1]));
        let (nx, ny) = (self.nx as f64, self.ny as f64);
        if x1 < 0.0 || y1 < 0.0 || x0 >= nx || y0 >= ny {
            return None;
        }
        // Clamped to the grid, so the casts are of small non-negative values.
        let c = |v: f64, n: f64| v.clamp(0.0, n - 1.0) as usize;
        Some(([c(x0, nx), c(x1, nx)], [c(y0, ny), c(y1, ny)]))
    }

    fn insert(&mut self, a: Xy, b: Xy, clear: f64) {
        let id = self.segs.len() as u32;
        self.segs.push(Seg { a, b, clear });
        if let Some((xr, yr)) = self.range(bbox(&[a, b]), clear) {
            for y in yr[0]..=yr[1] {
                for x in xr[0]..=xr[1] {
                    self.cells[y * self.nx + x].push(id);
                }
            }
        }
    }

    /// The ids of the segments listed in the cells that meet `b` grown by
    /// `grow`, ascending and without repeats.
    fn near(&self, b: [f64; 4], grow: f64) -> Vec<u32> {
        let mut out = Vec::new();
        if let Some((xr, yr)) = self.range(b, grow) {
            for y in yr[0]..=yr[1] {
                for x in xr[0]..=xr[1] {
                    out.extend_from_slice(&self.cells[y * self.nx + x]);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether a household at `p` keeps every line's clearance.
    pub(super) fn clear(&self, p: Xy) -> bool {
        // The grid covers the county and a cell beyond; no line matters to
        // a point outside it.
        let Some((xr, yr)) = self.range([p[0], p[1], p[0], p[1]], 0.0) else {
            return true;
        };
        self.cells[yr[0] * self.nx + xr[0]].iter().all(|&i| {
            let s = &self.segs[i as usize];
            seg_dist2(p, s.a, s.b) >= s.clear * s.clear
        })
    }

    /// Whether the region of the open ring `poly` keeps every line's
    /// clearance plus `extra` metres.
    pub(super) fn poly_clear(&self, poly: &[Xy], extra: f64) -> bool {
        self.near(bbox(poly), MAX_CLEARANCE + extra)
            .iter()
            .all(|&i| {
                let s = &self.segs[i as usize];
                let d = s.clear + extra;
                ring_seg_dist2(poly, s.a, s.b) >= d * d
            })
    }

    /// The direction (radians) of the nearest segment within `radius` of
    /// `p`, so that a compound can face its road; `None` when none is near.
    pub(super) fn heading_near(&self, p: Xy, radius: f64) -> Option<f64> {
        let mut best: Option<(f64, u32)> = None;
        for i in self.near([p[0], p[1], p[0], p[1]], radius) {
            let s = &self.segs[i as usize];
            let d = seg_dist2(p, s.a, s.b);
            if d <= radius * radius && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, i));
            }
        }
        best.map(|(_, i)| {
            let s = &self.segs[i as usize];
            (s.b[1] - s.a[1]).atan2(s.b[0] - s.a[0])
        })
    }
}

/// The county's extent: its bounding box, centre and half sides.
struct Frame {
    bb: [f64; 4],
    centre: Xy,
    half: [f64; 2],
    /// The orientation of the field and road grid of the plain.
    grid_angle: f64,
}

/// Step 9 of the module overview: the river, the canals, the railway, the
/// trunk road and the primary, secondary and tertiary roads, in that order
/// and from one stream, then the segment index.
pub(super) fn draw_ground(layout: &Layout, rng: &mut Rng, scale: f64) -> Ground {
    let county: Vec<Xy> = layout.county.0[0]
        .exterior()
        .0
        .iter()
        .map(|c| layout.proj.forward(c.x, c.y))
        .collect();
    let bb = bbox(&county);
    let frame = Frame {
        bb,
        centre: [f64::midpoint(bb[0], bb[2]), f64::midpoint(bb[1], bb[3])],
        half: [(bb[2] - bb[0]) / 2.0, (bb[3] - bb[1]) / 2.0],
        grid_angle: rng.range(-0.4, 0.4),
    };
    let seat = layout
        .towns
        .iter()
        .find(|t| t.seat)
        .map_or(frame.centre, |t| t.centre);
    let mut lines = Vec::new();
    let mut add = |kind: BarrierKind, name: String, pts: &[Xy]| {
        if let Some(l) = make_line(layout, &county, kind, name, pts) {
            lines.push(l);
        }
    };
    let river = river(rng, &frame, seat);
    add(BarrierKind::River, "飞云江".into(), &river);
    for i in 0..count(CANALS_AT_1 * scale) {
        let c = canal(rng, &frame, &county, &river);
        add(
            BarrierKind::Canal,
            CANAL_NAMES[i % CANAL_NAMES.len()].into(),
            &c,
        );
    }
    add(
        BarrierKind::Railway,
        "温福铁路".into(),
        &railway(rng, &frame, seat),
    );
    for (kind, name, pts) in main_roads(rng, layout, &frame, seat) {
        add(kind, name, &pts);
    }
    for (i, pts) in secondary_roads(rng, layout, &frame).iter().enumerate() {
        add(BarrierKind::Secondary, format!("X{}", 301 + i), pts);
    }
    for (name, pts) in tertiary_roads(rng, layout, count(TERTIARY_AT_1 * scale)) {
        add(BarrierKind::Tertiary, name, &pts);
    }
    Ground::new(lines, &county)
}

/// The stretch of `pts` that crosses the county (from the vertex before
/// the first one inside to the vertex after the last one inside), rounded
/// to 7 decimals; `None` when it misses the county or collapses.
fn make_line(
    layout: &Layout,
    county: &[Xy],
    kind: BarrierKind,
    name: String,
    pts: &[Xy],
) -> Option<Line> {
    let first = pts.iter().position(|&p| in_ring(county, p))?;
    let last = pts.iter().rposition(|&p| in_ring(county, p))?;
    let span = &pts[first.saturating_sub(1)..=(last + 1).min(pts.len() - 1)];
    let mut deg: Vec<Xy> = span.iter().map(|&p| to_deg(&layout.proj, p)).collect();
    #[expect(
        clippy::float_cmp,
        reason = "rounded coordinates repeat exactly when two vertices round together"
    )]
    deg.dedup_by(|a, b| a[0] == b[0] && a[1] == b[1]);
    if deg.len() < 2 {
        return None;
    }
    let m = deg
        .iter()
        .map(|d| layout.proj.forward(d[0], d[1]))
        .collect();
    Some(Line { kind, name, deg, m })
}

/// The river: a sine-generated curve (Langbein and Leopold 1966: the
/// heading swings as ω·sin(2πs/M) along the channel) steered from beyond
/// the western border, south of the county seat, to beyond the eastern
/// border, as the 飞云江 runs from the mountains to the sea.
fn river(rng: &mut Rng, f: &Frame, seat: Xy) -> Vec<Xy> {
    // The end points lie 5 km beyond the county, so that the last leg,
    // which stops half a wavelength short, still leaves the county.
    let west = [
        f.bb[0] - 5000.0,
        f.centre[1] + rng.range(-0.3, 0.3) * f.half[1],
    ];
    let mid = [seat[0], seat[1] - rng.range(0.12, 0.3) * f.half[1]];
    let east = [f.bb[2] + 5000.0, mid[1] + rng.range(-0.15, 0.1) * f.half[1]];
    meander(rng, &[west, mid, east], 40.0)
}

/// A sine-generated curve through `waypoints`, in steps of `step` metres.
/// Three swings add up: meanders of 1.8-3.6 km whose wavelength drifts by
/// ±30 % and whose amplitude swells and fades (straight reaches between
/// tight bends), and slow bends four to seven times longer. The heading
/// stays within [`MAX_SWING_RAD`] of the bearing to the next waypoint, so
/// the distance to it shrinks at every step and the curve never crosses
/// itself.
fn meander(rng: &mut Rng, waypoints: &[Xy], step: f64) -> Vec<Xy> {
    let omega = rng.range(0.7, 1.1);
    let wave = rng.range(1800.0, 3600.0);
    let slow = rng.range(0.25, 0.5);
    let slow_wave = wave * rng.range(4.0, 7.0);
    let ph: [f64; 4] = std::array::from_fn(|_| rng.range(0.0, TAU));
    let total: f64 = waypoints.windows(2).map(|w| dist2(w[0], w[1]).sqrt()).sum();
    let cap = (3.0 * total / step) as usize;
    let mut p = waypoints[0];
    let mut out = vec![p];
    let (mut s, mut phase) = (0.0, ph[0]);
    for w in waypoints.windows(2) {
        let (from, to) = (w[0], w[1]);
        let len = dist2(from, to).sqrt();
        let u = [(to[0] - from[0]) / len, (to[1] - from[1]) / len];
        // Switch to the next leg half a wavelength before the waypoint,
        // where the bearing to it starts to swing.
        while (p[0] - to[0]) * u[0] + (p[1] - to[1]) * u[1] < -0.5 * wave && out.len() < cap {
            let base = (to[1] - p[1]).atan2(to[0] - p[0]);
            let local_wave = wave * (1.0 + 0.3 * (TAU * s / (7.0 * wave) + ph[1]).sin());
            phase += TAU * step / local_wave;
            let amp = omega * (0.55 + 0.45 * (TAU * s / (5.0 * wave) + ph[2]).sin());
            let swing = amp * phase.sin() + slow * (TAU * s / slow_wave + ph[3]).sin();
            let th = base + swing.clamp(-MAX_SWING_RAD, MAX_SWING_RAD);
            p = [p[0] + step * th.cos(), p[1] + step * th.sin()];
            s += step;
            out.push(p);
        }
    }
    out
}

/// A canal of the eastern plain: 2-4 nearly straight legs, from a point of
/// the river (60 %) heading north or south, or from any point of the
/// eastern half in any direction.
fn canal(rng: &mut Rng, f: &Frame, county: &[Xy], river: &[Xy]) -> Vec<Xy> {
    let on_river: Vec<Xy> = river
        .iter()
        .copied()
        .filter(|&p| p[0] > f.centre[0] && in_ring(county, p))
        .collect();
    let (start, mut heading) = if rng.f64() < 0.6 && !on_river.is_empty() {
        let side = if rng.f64() < 0.5 { 1.0 } else { -1.0 };
        (
            on_river[rng.below(on_river.len())],
            side * FRAC_PI_2 + rng.range(-0.35, 0.35),
        )
    } else {
        let mut p = f.centre;
        for _ in 0..200 {
            let q = [rng.range(f.centre[0], f.bb[2]), rng.range(f.bb[1], f.bb[3])];
            if in_ring(county, q) {
                p = q;
                break;
            }
        }
        (p, rng.range(0.0, PI))
    };
    let length = rng.range(0.35, 0.8) * f.half[1];
    let legs = 2 + rng.below(3);
    let mut pts = vec![start];
    let mut p = start;
    for _ in 0..legs {
        heading += rng.range(-0.3, 0.3);
        let n = (length / legs as f64 / 100.0).ceil().max(1.0) as usize;
        let d = length / legs as f64 / n as f64;
        for _ in 0..n {
            p = [p[0] + d * heading.cos(), p[1] + d * heading.sin()];
            pts.push(p);
        }
    }
    pts
}

/// The railway: a gentle arc from south-west to north-east across the whole
/// county, passing 6-15 % of the county's height from the seat (stations
/// stand at the edge of town).
fn railway(rng: &mut Rng, f: &Frame, seat: Xy) -> Vec<Xy> {
    let th = rng.range(0.15, 0.55);
    let (d, n) = ([th.cos(), th.sin()], [-th.sin(), th.cos()]);
    let side = if rng.f64() < 0.5 { 1.0 } else { -1.0 };
    let off = side * rng.range(0.06, 0.15) * f.half[1];
    let p0 = [seat[0] + n[0] * off, seat[1] + n[1] * off];
    let reach = 2.0 * (f.half[0] + f.half[1]);
    let bend = rng.range(-0.04, 0.04) * reach;
    let steps = (2.0 * reach / 150.0).ceil() as usize;
    (0..=steps)
        .map(|i| {
            let s = -reach + 2.0 * reach * i as f64 / steps as f64;
            let lat = bend * (1.0 - (s / reach).powi(2));
            [p0[0] + d[0] * s + n[0] * lat, p0[1] + d[1] * s + n[1] * lat]
        })
        .collect()
}

/// A road from `a` to `b` by midpoint displacement: each level moves the
/// midpoints sideways by a normal draw of `rough` times the piece's length
/// (clamped to 2.5 σ and to [`MAX_SWING_M`]), until pieces are at most
/// about 250 m.
fn road(rng: &mut Rng, a: Xy, b: Xy, rough: f64) -> Vec<Xy> {
    let len = dist2(a, b).sqrt();
    let depth = (len / 250.0).log2().ceil().clamp(0.0, 8.0) as u32;
    let mut pts = vec![a, b];
    for _ in 0..depth {
        let mut next = Vec::with_capacity(2 * pts.len());
        for w in pts.windows(2) {
            let (p, q) = (w[0], w[1]);
            let piece = dist2(p, q).sqrt().max(1.0);
            let cap = MAX_SWING_M / piece;
            let k = (rough * rng.normal().clamp(-2.5, 2.5)).clamp(-cap, cap);
            let mid = [
                f64::midpoint(p[0], q[0]) - k * (q[1] - p[1]),
                f64::midpoint(p[1], q[1]) + k * (q[0] - p[0]),
            ];
            next.push(p);
            next.push(mid);
        }
        next.push(b);
        pts = next;
    }
    pts
}

/// Like [`road`], but 30 % of roads follow the plain's field grid: two legs
/// along its axes, with a bend where they meet.
fn grid_road(rng: &mut Rng, f: &Frame, a: Xy, b: Xy, rough: f64) -> Vec<Xy> {
    if rng.f64() >= 0.3 {
        return road(rng, a, b, rough);
    }
    let (s, c) = f.grid_angle.sin_cos();
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    // Along the grid's first axis, then its second, or the other way.
    let corner = if rng.f64() < 0.5 {
        let t = dx * c + dy * s;
        [a[0] + t * c, a[1] + t * s]
    } else {
        let t = -dx * s + dy * c;
        [a[0] - t * s, a[1] + t * c]
    };
    let mut pts = road(rng, a, corner, rough / 3.0);
    pts.pop();
    pts.extend(road(rng, corner, b, rough / 3.0));
    pts
}

/// The trunk road (G104) and the primary roads. The trunk crosses the
/// county through the seat and every town centre within 22 % of the
/// county's height of its axis; the primaries join the other town centres
/// to it by a minimum spanning tree (Kruskal), each named after the first
/// characters of the towns it joins.
fn main_roads(
    rng: &mut Rng,
    layout: &Layout,
    f: &Frame,
    seat: Xy,
) -> Vec<(BarrierKind, String, Vec<Xy>)> {
    let th = rng.range(-0.3, 0.3);
    let (d, n) = ([th.cos(), th.sin()], [-th.sin(), th.cos()]);
    let along = |p: Xy| (p[0] - seat[0]) * d[0] + (p[1] - seat[1]) * d[1];
    let across = |p: Xy| (p[0] - seat[0]) * n[0] + (p[1] - seat[1]) * n[1];
    let towns = &layout.towns;
    let mut on_trunk: Vec<usize> = (0..towns.len())
        .filter(|&t| towns[t].seat || across(towns[t].centre).abs() < 0.22 * f.half[1])
        .collect();
    on_trunk.sort_by(|&a, &b| along(towns[a].centre).total_cmp(&along(towns[b].centre)));
    // Just beyond the county at both ends: far enough to leave it, near
    // enough that the first and last legs stay short.
    let reach = f.half[0].hypot(f.half[1]) + dist2(seat, f.centre).sqrt() + 1000.0;
    let mut way = vec![[seat[0] - d[0] * reach, seat[1] - d[1] * reach]];
    way.extend(on_trunk.iter().map(|&t| towns[t].centre));
    way.push([seat[0] + d[0] * reach, seat[1] + d[1] * reach]);
    let mut trunk = vec![way[0]];
    for w in way.windows(2) {
        trunk.extend(road(rng, w[0], w[1], 0.06).into_iter().skip(1));
    }
    let mut out = vec![(BarrierKind::Trunk, "G104国道".to_string(), trunk)];
    let centres: Vec<Xy> = towns.iter().map(|t| t.centre).collect();
    let joined: Vec<(usize, usize)> = on_trunk.windows(2).map(|w| (w[0], w[1])).collect();
    let stem = |t: usize| -> Vec<char> {
        let name = towns[t]
            .name
            .trim_end_matches("街道")
            .trim_end_matches('镇');
        name.chars().collect()
    };
    for (a, b) in spanning_tree(&centres, &joined) {
        // The first character of each town, or of the second town's
        // second syllable when both start alike (no "庄庄线").
        let (sa, sb) = (stem(a), stem(b));
        let ca = sa.first().copied().unwrap_or('城');
        let cb = sb.iter().copied().find(|&c| c != ca).unwrap_or('新');
        let name = format!("{ca}{cb}线");
        let pts = road(rng, centres[a], centres[b], 0.08);
        out.push((BarrierKind::Primary, name, pts));
    }
    out
}

/// The edges of a minimum spanning tree of `pts` (Kruskal over all pairs,
/// ties broken by index) that are not in `given`; the `given` edges are
/// joined first.
fn spanning_tree(pts: &[Xy], given: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let n = pts.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for &(a, b) in given {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        parent[ra.max(rb)] = ra.min(rb);
    }
    let mut pairs: Vec<(f64, usize, usize)> = (0..n)
        .flat_map(|a| ((a + 1)..n).map(move |b| (a, b)))
        .map(|(a, b)| (dist2(pts[a], pts[b]), a, b))
        .collect();
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut out = Vec::new();
    for (_, a, b) in pairs {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
            out.push((a, b));
        }
    }
    out
}

/// The root of `x` in a union-find, halving the path on the way.
fn root(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// The secondary roads (county roads, 县道): a minimum spanning tree over
/// the town centres and about [`SECONDARY_SHARE`] of the village seeds,
/// without the edges between two town centres (the primaries join those).
fn secondary_roads(rng: &mut Rng, layout: &Layout, f: &Frame) -> Vec<Vec<Xy>> {
    let nt = layout.towns.len();
    let mut nodes: Vec<Xy> = layout.towns.iter().map(|t| t.centre).collect();
    for v in &layout.villages {
        if rng.f64() < SECONDARY_SHARE {
            nodes.push(v.seed);
        }
    }
    spanning_tree(&nodes, &[])
        .into_iter()
        .filter(|&(a, b)| a >= nt || b >= nt)
        .map(|(a, b)| grid_road(rng, f, nodes[a], nodes[b], 0.1))
        .collect()
}

/// `n` tertiary roads (支路): spurs of 0.4-1.5 km from a village seed in a
/// random direction, named after the village.
fn tertiary_roads(rng: &mut Rng, layout: &Layout, n: usize) -> Vec<(String, Vec<Xy>)> {
    (0..n)
        .map(|_| {
            let v = &layout.villages[rng.below(layout.villages.len())];
            let (len, th) = (rng.range(400.0, 1500.0), rng.range(0.0, TAU));
            let end = [v.seed[0] + len * th.cos(), v.seed[1] + len * th.sin()];
            let stem = v.name.trim_end_matches("社区").trim_end_matches('村');
            (format!("{stem}路"), road(rng, v.seed, end, 0.12))
        })
        .collect()
}
