//! Step 10: the dedicated zones, clear of the lines of step 9.

use super::geometry::{Ring, Xy, dist2, seg_dist2};
use super::ground::Ground;
use super::layout::{Layout, find_spot};
use super::{Retry, ZONES_AT_1, count};
use crate::engine::rng::Rng;

/// The zone kinds, cycled so that every kind appears.
pub(super) const ZONE_KINDS: [&str; 5] = ["park", "school", "hospital", "market", "enterprise"];

pub(super) struct Zone {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) kind: &'static str,
    pub(super) centre: Xy,
    pub(super) half: [f64; 2],
    pub(super) angle: f64,
    pub(super) ring: Ring,
    pub(super) hosts: Vec<usize>,
    pub(super) households: u32,
}

impl Zone {
    /// Whether `p` lies within the rectangle grown by `grow` metres.
    pub(super) fn contains(&self, p: Xy, grow: f64) -> bool {
        let (s, c) = self.angle.sin_cos();
        let (dx, dy) = (p[0] - self.centre[0], p[1] - self.centre[1]);
        let u = c * dx + s * dy;
        let v = -s * dx + c * dy;
        u.abs() <= self.half[0] + grow && v.abs() <= self.half[1] + grow
    }
}

/// Extra distance (metres) from a zone to a line, beyond the household
/// clearance of its kind.
const LINE_GAP_M: f64 = 5.0;

/// The corners (metres, counter-clockwise) of a rectangle of half sides
/// `half` centred at `centre` and turned by `angle`.
fn corners(centre: Xy, half: [f64; 2], angle: f64) -> Vec<Xy> {
    let (s, c) = angle.sin_cos();
    [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]
        .iter()
        .map(|k| {
            let (u, v) = (k[0] * half[0], k[1] * half[1]);
            [centre[0] + c * u - s * v, centre[1] + s * u + c * v]
        })
        .collect()
}

/// Step 10 of the module overview: round(34·S) zones, each a rotated
/// rectangle inside one village (or straddling two), clear of the other
/// zones and of every line.
pub(super) fn place_zones(
    layout: &Layout,
    ground: &Ground,
    seed: u64,
    scale: f64,
) -> Result<Vec<Zone>, Retry> {
    let mut rng = Rng::derive(seed, "zones");
    let nz = count(ZONES_AT_1 * scale);
    let nv = layout.villages.len();
    let urban: Vec<usize> = (0..nv).filter(|&v| layout.villages[v].urban).collect();
    let rural: Vec<usize> = (0..nv).filter(|&v| !layout.villages[v].urban).collect();
    let all: Vec<usize> = (0..nv).collect();
    let mut used = vec![false; nv];
    let mut zones: Vec<Zone> = Vec::with_capacity(nz);
    let suffix = |kind: &str, rng: &mut Rng| -> &'static str {
        let opts: &[&'static str] = match kind {
            "park" => &["工业园区", "经济开发区", "小微企业园"],
            "school" => &["中学", "小学", "实验学校", "职业技术学校"],
            "hospital" => &["人民医院", "中医院", "卫生院"],
            "market" => &["农贸市场", "批发市场", "综合市场"],
            _ => &[
                "汽摩配有限公司",
                "鞋业有限公司",
                "机械有限公司",
                "包装有限公司",
            ],
        };
        opts[rng.below(opts.len())]
    };
    for i in 0..nz {
        let kind = ZONE_KINDS[i % ZONE_KINDS.len()];
        let mut half = [rng.range(50.0, 200.0), rng.range(50.0, 200.0)];
        let mut placed: Option<(Xy, f64, Vec<usize>)> = None;
        // Zone 10, 30, 50, ...: an enterprise straddling a village border.
        if i % 20 == 9 {
            placed = straddle(&mut rng, layout, ground, &zones, half);
        }
        let pool: &[usize] = match kind {
            "school" | "hospital" | "market" if !urban.is_empty() => &urban,
            _ if !rural.is_empty() => &rural,
            _ => &all,
        };
        let mut tries = 0;
        while placed.is_none() && tries < 400 {
            tries += 1;
            if tries % 100 == 0 {
                // Small villages: shrink the premises, never below 100 m.
                half = [(half[0] * 0.8).max(50.0), (half[1] * 0.8).max(50.0)];
            }
            let fresh: Vec<usize> = pool.iter().copied().filter(|&v| !used[v]).collect();
            let cand = if fresh.is_empty() { pool } else { &fresh[..] };
            let v = cand[rng.below(cand.len())];
            let r = half[0].hypot(half[1]);
            let Some(c) = find_spot(&mut rng, &layout.villages[v], r + 15.0) else {
                continue;
            };
            if zones
                .iter()
                .any(|z| dist2(z.centre, c).sqrt() < r + z.half[0].hypot(z.half[1]) + 10.0)
            {
                continue;
            }
            let angle = rng.range(-0.5, 0.5);
            if !ground.poly_clear(&corners(c, half, angle), LINE_GAP_M) {
                continue;
            }
            placed = Some((c, angle, vec![v]));
        }
        let (centre, angle, hosts) = placed.ok_or(Retry("no room for a zone"))?;
        for &h in &hosts {
            used[h] = true;
        }
        let stem = layout.villages[hosts[0]]
            .name
            .trim_end_matches("社区")
            .trim_end_matches('村');
        let name = format!("{stem}{}", suffix(kind, &mut rng));
        let households = rng.range(100.0, 600.0).round() as u32;
        zones.push(Zone {
            code: format!("Z{:03}", i + 1),
            name,
            kind,
            centre,
            half,
            angle,
            ring: Ring::from_metres(&layout.proj, &corners(centre, half, angle)),
            hosts,
            households,
        });
    }
    Ok(zones)
}

/// A zone centred on the border between two villages without holes and
/// clear of the lines, or `None` when no border is long enough.
pub(super) fn straddle(
    rng: &mut Rng,
    layout: &Layout,
    ground: &Ground,
    zones: &[Zone],
    half: [f64; 2],
) -> Option<(Xy, f64, Vec<usize>)> {
    let vs = &layout.villages;
    let r = half[0].hypot(half[1]);
    let start = rng.below(vs.len());
    for k in 0..vs.len() {
        let a = (start + k) % vs.len();
        if !vs[a].holes.is_empty() {
            continue;
        }
        let n = vs[a].outer.m.len();
        for j in 0..n {
            let Some(b) = vs[a].outer_nbr[j] else {
                continue;
            };
            if !vs[b].holes.is_empty() {
                continue;
            }
            let (p, q) = (vs[a].outer.m[j], vs[a].outer.m[(j + 1) % n]);
            let c = [f64::midpoint(p[0], q[0]), f64::midpoint(p[1], q[1])];
            // Every other edge of both cells must be out of reach.
            let ok = [a, b].iter().all(|&v| {
                let ring = &vs[v].outer.m;
                let m = ring.len();
                (0..m).all(|i| {
                    let (e0, e1) = (ring[i], ring[(i + 1) % m]);
                    #[expect(
                        clippy::float_cmp,
                        reason = "neighbouring cells share the very same vertices, bit for bit"
                    )]
                    let shared = (e0 == p && e1 == q) || (e0 == q && e1 == p);
                    shared || seg_dist2(c, e0, e1).sqrt() > r + 15.0
                })
            });
            let free = zones
                .iter()
                .all(|z| dist2(z.centre, c).sqrt() > r + z.half[0].hypot(z.half[1]) + 10.0);
            let angle = (q[1] - p[1]).atan2(q[0] - p[0]);
            if ok && free && ground.poly_clear(&corners(c, half, angle), LINE_GAP_M) {
                return Some((c, angle, vec![a, b]));
            }
        }
    }
    None
}
