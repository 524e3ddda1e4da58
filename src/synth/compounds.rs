//! Step 11b: residential compounds (小区) in the urban communities
//! (`compounds.geojson`), and their apartment blocks.
//!
//! A compound is a convex outline (a rotated rectangle, a rectangle with
//! one or two corners cut, or an octagonal blob) around a group of blocks.
//! Three in four hold 100-350 households, which fits in one grid of about
//! 367; the others hold 400-1,500 (log-uniform), more than a grid. The
//! outline's area follows its households at 130-260 households per
//! hectare, the density of six- to eighteen-storey estates.

use std::collections::BTreeSet;
use std::f64::consts::FRAC_PI_4;

use super::Retry;
use super::geometry::{
    Ring, Xy, bbox, convex_hull, edge_dist2, in_ring, ring_clearance, ring_ring_dist2,
};
use super::households::{Cluster, Ctx, Hh, accept, block_size, draw_near, push_block, split_sizes};
use super::zones::Zone;
use crate::engine::rng::Rng;

/// Share of compounds that fit in one grid (100-350 households).
const SMALL_SHARE: f64 = 0.75;
/// Distance (metres) from a compound to its village's borders and holes.
const BORDER_GAP_M: f64 = 10.0;
/// Distance (metres) between two compounds: at least an estate road.
const COMPOUND_GAP_M: f64 = 15.0;
/// Distance (metres) from a compound to a dedicated zone.
const ZONE_GAP_M: f64 = 10.0;
/// Extra distance (metres) from a compound to a line, beyond the
/// household clearance of its kind.
const LINE_GAP_M: f64 = 3.0;
/// Distance (metres) from a block to its compound's outline.
const INSET_M: f64 = 8.0;

/// Estate names: a word of good omen and a kind of estate.
const PREFIXES: [&str; 40] = [
    "锦绣", "阳光", "金色", "翡翠", "滨江", "东方", "香樟", "绿城", "银都", "世纪", "书香", "瑞祥",
    "万豪", "紫金", "碧水", "御景", "海棠", "丽景", "嘉禾", "春晖", "华府", "云锦", "玉兰", "观澜",
    "天和", "恒丰", "安泰", "凤凰", "龙湾", "江南", "金海", "悦湖", "桂园", "锦江", "明珠", "新城",
    "中央", "银杏", "枫林", "星河",
];
const SUFFIXES: [&str; 16] = [
    "花园", "小区", "家园", "公寓", "苑", "华庭", "名都", "雅居", "新村", "府", "佳园", "公馆",
    "城", "湾", "广场", "名邸",
];
/// Later phases of an estate, for names already taken.
const PHASES: [&str; 8] = [
    "二期", "三期", "四期", "五期", "六期", "七期", "八期", "九期",
];

/// One residential compound.
pub(super) struct Compound {
    /// Its village (index in code order).
    pub(super) village: usize,
    /// Its outline, counter-clockwise, rounded.
    pub(super) ring: Ring,
    /// The households of its blocks.
    pub(super) households: u32,
    /// "C0001", ... in village code order, then in order of placement.
    pub(super) code: String,
    pub(super) name: String,
}

impl Compound {
    /// Whether `p` lies inside the outline or within `margin` of it.
    pub(super) fn near(&self, p: Xy, margin: f64) -> bool {
        let b = bbox(&self.ring.m);
        if p[0] < b[0] - margin
            || p[0] > b[2] + margin
            || p[1] < b[1] - margin
            || p[1] > b[3] + margin
        {
            return false;
        }
        in_ring(&self.ring.m, p) || ring_clearance(&self.ring.m, p) < margin
    }
}

/// Households of one compound: [`SMALL_SHARE`] uniform in 100-350, the rest
/// log-uniform in 400-1,500.
fn compound_size(rng: &mut Rng) -> u32 {
    if rng.f64() < SMALL_SHARE {
        rng.range(100.0, 350.0).round() as u32
    } else {
        (400.0 * 3.75_f64.powf(rng.f64())).round() as u32
    }
}

/// The outline (metres, counter-clockwise) of a compound of `households`
/// centred at `centre`, its long side along `angle`.
fn outline(rng: &mut Rng, centre: Xy, angle: f64, households: u32) -> Vec<Xy> {
    let area = f64::from(households) / rng.range(130.0, 260.0) * 10_000.0;
    let aspect = rng.range(1.0, 1.8);
    let half = [(area * aspect).sqrt() / 2.0, (area / aspect).sqrt() / 2.0];
    let u = rng.f64();
    let local: Vec<Xy> = if u < 0.8 {
        let corners = [
            [-half[0], -half[1]],
            [half[0], -half[1]],
            [half[0], half[1]],
            [-half[0], half[1]],
        ];
        // Half of these keep four corners; the others lose one or two.
        let cut = if u < 0.5 { 0 } else { 1 + rng.below(2) };
        let first = rng.below(4);
        let len = rng.range(0.2, 0.4) * 2.0 * half[1];
        let mut pts = Vec::with_capacity(6);
        for (i, &c) in corners.iter().enumerate() {
            if (i + 4 - first) % 4 < cut {
                for nb in [corners[(i + 3) % 4], corners[(i + 1) % 4]] {
                    let d = (nb[0] - c[0]).hypot(nb[1] - c[1]);
                    pts.push([
                        c[0] + len * (nb[0] - c[0]) / d,
                        c[1] + len * (nb[1] - c[1]) / d,
                    ]);
                }
            } else {
                pts.push(c);
            }
        }
        pts
    } else {
        // An octagon on the ellipse of the same area, radii jittered.
        let r = [half[0] * 1.13, half[1] * 1.13];
        let pts: Vec<Xy> = (0..8)
            .map(|k| {
                let th = FRAC_PI_4 * f64::from(k) + rng.range(-0.15, 0.15);
                let f = rng.range(0.9, 1.1);
                [f * r[0] * th.cos(), f * r[1] * th.sin()]
            })
            .collect();
        convex_hull(&pts)
    };
    let (s, c) = angle.sin_cos();
    local
        .iter()
        .map(|p| {
            [
                centre[0] + c * p[0] - s * p[1],
                centre[1] + s * p[0] + c * p[1],
            ]
        })
        .collect()
}

/// Whether the outline `ring` fits in village `vi`: inside its main part
/// and clear of its borders, holes and zones, of the compounds `placed`
/// and of every line.
fn fits(ctx: &Ctx, vi: usize, ring: &[Xy], placed: &[Compound], zones: &[&Zone]) -> bool {
    let vil = &ctx.layout.villages[vi];
    let gap2 = |g: f64| g * g;
    ring.iter().all(|&p| vil.main_contains(p, BORDER_GAP_M))
        && edge_dist2(ring, &vil.outer.m, true) >= gap2(BORDER_GAP_M)
        && vil
            .holes
            .iter()
            .all(|h| ring_ring_dist2(ring, &h.m) >= gap2(BORDER_GAP_M))
        && placed
            .iter()
            .all(|c| ring_ring_dist2(ring, &c.ring.m) >= gap2(COMPOUND_GAP_M))
        && zones
            .iter()
            .all(|z| ring_ring_dist2(ring, &z.ring.m) >= gap2(ZONE_GAP_M))
        && ctx.ground.poly_clear(ring, LINE_GAP_M)
}

/// Step 11b: the compounds of urban village `vi` of `target` households:
/// sizes are drawn until 30-60 % of the households are taken, and each is
/// placed near one of the village's `clusters` (later tries anywhere in the
/// village), facing the nearest line within 250 m. A compound that finds
/// no room is dropped and its households stay with the village's blocks.
pub(super) fn place_compounds(
    ctx: &Ctx,
    vi: usize,
    rng: &mut Rng,
    target: u32,
    clusters: &[Cluster],
    zones: &[&Zone],
) -> Vec<Compound> {
    if target < 300 {
        return Vec::new();
    }
    let budget = f64::from(target) * rng.range(0.3, 0.6);
    let mut sizes = Vec::new();
    let mut sum = 0;
    loop {
        let h = compound_size(rng);
        if f64::from(sum + h) > budget {
            break;
        }
        sum += h;
        sizes.push(h);
    }
    let b = ctx.layout.villages[vi].bbox();
    let mut placed: Vec<Compound> = Vec::with_capacity(sizes.len());
    for households in sizes {
        for attempt in 0..80 {
            let centre = if attempt < 50 {
                draw_near(rng, clusters)
            } else {
                [rng.range(b[0], b[2]), rng.range(b[1], b[3])]
            };
            let angle = match ctx.ground.heading_near(centre, 250.0) {
                Some(h) => h + rng.range(-0.05, 0.05),
                None => rng.range(-0.6, 0.6),
            };
            let pts = outline(rng, centre, angle, households);
            let ring = Ring::from_metres(&ctx.layout.proj, &pts);
            if fits(ctx, vi, &ring.m, &placed, zones) {
                placed.push(Compound {
                    village: vi,
                    ring,
                    households,
                    code: String::new(),
                    name: String::new(),
                });
                break;
            }
        }
    }
    placed
}

/// Step 11b, blocks: the compound's households as blocks of 10-120 at
/// least [`INSET_M`] inside its outline.
pub(super) fn fill_compound(
    ctx: &Ctx,
    c: &Compound,
    rng: &mut Rng,
    out: &mut Vec<Hh>,
) -> Result<(), Retry> {
    let b = bbox(&c.ring.m);
    for hh in split_sizes(rng, c.households, 10, 120, block_size) {
        let mut found = None;
        for _ in 0..5000 {
            let m = [rng.range(b[0], b[2]), rng.range(b[1], b[3])];
            if in_ring(&c.ring.m, m)
                && ring_clearance(&c.ring.m, m) >= INSET_M
                && let Some(at) = accept(ctx, c.village, m, None)
            {
                found = Some(at);
                break;
            }
        }
        let at = found.ok_or(Retry("no room in a compound"))?;
        push_block(rng, at, hh, c.village, out);
    }
    Ok(())
}

/// Codes in order and names from the stream `compound-names`: a prefix and
/// a suffix, unique in the county; a name already taken becomes the
/// estate's next phase (二期, 三期, ...).
pub(super) fn name_compounds(compounds: &mut [Compound], seed: u64) {
    let mut rng = Rng::derive(seed, "compound-names");
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (i, c) in compounds.iter_mut().enumerate() {
        c.code = format!("C{:04}", i + 1);
        loop {
            let (pre, suf) = (
                PREFIXES[rng.below(PREFIXES.len())],
                SUFFIXES[rng.below(SUFFIXES.len())],
            );
            // No "龙湾湾".
            if suf.chars().next().is_some_and(|c| pre.ends_with(c)) {
                continue;
            }
            let base = format!("{pre}{suf}");
            let name = std::iter::once(base.clone())
                .chain(PHASES.iter().map(|p| format!("{base}{p}")))
                .find(|n| !used.contains(n));
            if let Some(name) = name {
                used.insert(name.clone());
                c.name = name;
                break;
            }
        }
    }
}
