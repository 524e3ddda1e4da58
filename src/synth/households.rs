//! Step 11: household points (and, through `compounds`, step 11b).

use geo::{Contains, Point};

use super::compounds::{Compound, fill_compound, place_compounds};
use super::geometry::{Xy, bbox, in_ring, ring_clearance, to_deg};
use super::ground::Ground;
use super::layout::Layout;
use super::zones::Zone;
use super::{EDGE_CLEARANCE_M, HOUSEHOLDS_AT_1, POINTS_AT_1, Retry, VILLAGES_AT_1};
use crate::engine::rng::Rng;

/// One generated household point.
pub(super) struct Hh {
    pub(super) m: Xy,
    pub(super) deg: Xy,
    pub(super) households: u32,
    pub(super) population: u32,
    pub(super) rental: u32,
    pub(super) shops: u32,
    pub(super) special: u32,
    pub(super) village: usize,
    pub(super) declare_village: bool,
}

/// Households of an urban block: lognormal, median 28, within 10-120.
pub(super) fn block_size(rng: &mut Rng) -> u32 {
    (28.0 * (0.65 * rng.normal()).exp())
        .round()
        .clamp(10.0, 120.0) as u32
}

/// Households of a rural house: 1, 2 or 3 (mean 1.6).
pub(super) fn house_size(rng: &mut Rng) -> u32 {
    let u = rng.f64();
    if u < 0.55 {
        1
    } else if u < 0.85 {
        2
    } else {
        3
    }
}

/// Probability that a block of 20+ households is written as two address
/// points at the same coordinate.
pub(super) const DOUBLE_ADDRESS: f64 = 0.02;

/// Splits `total` households into points drawn by `draw`, keeping every
/// point at or above `min` (the last one absorbs the remainder).
pub(super) fn split_sizes(
    rng: &mut Rng,
    total: u32,
    min: u32,
    max: u32,
    draw: fn(&mut Rng) -> u32,
) -> Vec<u32> {
    let mut out = Vec::new();
    let mut rem = total;
    while rem > 0 {
        let mut d = draw(rng).min(rem);
        if rem - d < min && rem - d > 0 {
            d = if rem <= max { rem } else { rem - min };
        }
        out.push(d);
        rem -= d;
    }
    out
}

/// The expected households per urban address point, by sampling the block
/// distribution with a fixed stream (independent of the user's seed).
pub(super) fn urban_mean() -> f64 {
    let mut rng = Rng::new(0x5EED_B10C);
    let (mut h, mut p) = (0.0, 0.0);
    for _ in 0..20_000 {
        let d = block_size(&mut rng);
        h += f64::from(d);
        p += if d >= 20 { 1.0 + DOUBLE_ADDRESS } else { 1.0 };
    }
    h / p
}

pub(super) struct Props {
    pub(super) rental: u32,
    pub(super) shops: u32,
    pub(super) special: u32,
}

pub(super) fn workload(rng: &mut Rng, hh: u32, urban: bool) -> Props {
    let (p_rental, p_shops) = if urban { (0.25, 0.15) } else { (0.08, 0.05) };
    let rental = if rng.f64() < p_rental {
        (f64::from(hh) * rng.range(0.05, 0.4)).round() as u32
    } else {
        0
    };
    let shops = if rng.f64() < p_shops {
        1 + rng.below(if urban { 4 } else { 2 }) as u32
    } else {
        0
    };
    let special = if rng.f64() < 0.04 {
        1 + rng.below(2) as u32
    } else {
        0
    };
    Props {
        rental,
        shops,
        special,
    }
}

pub(super) fn population(rng: &mut Rng, hh: u32) -> u32 {
    let p = (f64::from(hh) * 2.8 * (0.15 * rng.normal()).exp()).round() as u32;
    p.max(hh)
}

/// What the placement of points looks at: the villages and the lines.
pub(super) struct Ctx<'a> {
    pub(super) layout: &'a Layout,
    pub(super) ground: &'a Ground,
}

/// Accepts `m` (metres) as a point of village `v` when it passes the
/// metric tests (inside the main part or enclave part `in_part`, clear of
/// the borders and of every line) and geo's `Contains` on the rounded
/// geometry.
pub(super) fn accept(ctx: &Ctx, v: usize, m: Xy, in_part: Option<usize>) -> Option<(Xy, Xy)> {
    let layout = ctx.layout;
    let vil = &layout.villages[v];
    let ok = match in_part {
        None => vil.main_contains(m, EDGE_CLEARANCE_M),
        Some(k) => {
            let r = &vil.parts[k].m;
            in_ring(r, m) && ring_clearance(r, m) >= EDGE_CLEARANCE_M
        }
    };
    if !ok {
        return None;
    }
    let deg = to_deg(&layout.proj, m);
    let back = layout.proj.forward(deg[0], deg[1]);
    // The rounded point is the one written, so it is the one kept clear.
    if !ctx.ground.clear(back) || !vil.geom.contains(&Point::new(deg[0], deg[1])) {
        return None;
    }
    Some((back, deg))
}

/// The points of step 11 and the compounds of step 11b.
pub(super) struct Placed {
    pub(super) hh: Vec<Hh>,
    pub(super) compounds: Vec<Compound>,
}

/// Step 11 of the module overview: every household point, village by
/// village in code order, then the premises of each zone.
///
/// Each village draws from its own stream (`village/<code>`) and each zone
/// from `zone/<code>`, so a change in one village moves no other point.
/// A point drawn too near a line is drawn again, so the lines move
/// households but change no village's total.
pub(super) fn place_households(ctx: &Ctx, zones: &[Zone], seed: u64) -> Result<Placed, Retry> {
    let layout = ctx.layout;
    let nv = layout.villages.len();
    let total_p = POINTS_AT_1 * nv as f64 / VILLAGES_AT_1;
    let targets = village_targets(layout, zones, seed);
    let mut out = Placed {
        hh: Vec::with_capacity(total_p as usize + 1000),
        compounds: Vec::new(),
    };
    for (vi, &target) in targets.iter().enumerate() {
        place_village(ctx, zones, seed, vi, target, &mut out)?;
    }
    for z in zones {
        place_zone(ctx, z, seed, &mut out.hh)?;
    }
    Ok(out)
}

/// Step 11a: the households of each village. The households outside the
/// zones are split between urban and rural villages so that the expected
/// point count meets the target, then drawn as lognormal village sizes
/// within each class (stream `sizes`).
fn village_targets(layout: &Layout, zones: &[Zone], seed: u64) -> Vec<u32> {
    let nv = layout.villages.len();
    let total_h = HOUSEHOLDS_AT_1 * nv as f64 / VILLAGES_AT_1;
    let total_p = POINTS_AT_1 * nv as f64 / VILLAGES_AT_1;
    let m_u = urban_mean();
    let zone_h: f64 = zones.iter().map(|z| f64::from(z.households)).sum();
    let village_h = (total_h - zone_h).max(nv as f64 * 30.0);
    let village_p = total_p - zone_h / m_u;
    // Hu/m_u + Hr/1.6 = P and Hu + Hr = H.
    let n_urban = layout.villages.iter().filter(|v| v.urban).count();
    let h_rural = if n_urban == 0 {
        village_h
    } else {
        ((village_p - village_h / m_u) / (1.0 / 1.6 - 1.0 / m_u))
            .clamp(0.1 * village_h, 0.9 * village_h)
    };
    let h_urban = village_h - h_rural;
    let mut size_rng = Rng::derive(seed, "sizes");
    let w: Vec<f64> = layout
        .villages
        .iter()
        .map(|v| (if v.urban { 0.5 } else { 0.6 } * size_rng.normal()).exp())
        .collect();
    let (wu, wr) = layout
        .villages
        .iter()
        .zip(&w)
        .fold(
            (0.0, 0.0),
            |(u, r), (v, &x)| {
                if v.urban { (u + x, r) } else { (u, r + x) }
            },
        );
    layout
        .villages
        .iter()
        .zip(&w)
        .map(|(v, &x)| {
            if v.urban {
                (h_urban * x / wu).round().max(200.0) as u32
            } else {
                (h_rural * x / wr).round().max(25.0) as u32
            }
        })
        .collect()
}

/// A household point of `village` whose workload, population and whether
/// it declares its village are drawn from `rng`, in that order.
fn household(rng: &mut Rng, at: (Xy, Xy), hh: u32, urban: bool, village: usize) -> Hh {
    let (m, deg) = at;
    let pr = workload(rng, hh, urban);
    let population = population(rng, hh);
    Hh {
        m,
        deg,
        households: hh,
        population,
        rental: pr.rental,
        shops: pr.shops,
        special: pr.special,
        village,
        declare_village: rng.f64() < 0.5,
    }
}

/// An urban block of `hh` households at `at`; a block of 20 or more is
/// written as two address points there with probability
/// [`DOUBLE_ADDRESS`].
pub(super) fn push_block(rng: &mut Rng, at: (Xy, Xy), hh: u32, vi: usize, out: &mut Vec<Hh>) {
    if hh >= 20 && rng.f64() < DOUBLE_ADDRESS {
        let h1 = hh / 2;
        out.push(household(rng, at, h1, true, vi));
        out.push(household(rng, at, hh - h1, true, vi));
    } else {
        out.push(household(rng, at, hh, true, vi));
    }
}

/// A Gaussian hamlet or estate of step 11c.
pub(super) struct Cluster {
    centre: Xy,
    sigma: f64,
    weight: f64,
}

/// A point drawn from the mixture of `clusters` (never empty): a cluster by
/// weight, then a Gaussian around its centre.
pub(super) fn draw_near(rng: &mut Rng, clusters: &[Cluster]) -> Xy {
    let wsum: f64 = clusters.iter().map(|c| c.weight).sum();
    let mut u = rng.f64() * wsum;
    let mut ci = clusters.len() - 1;
    for (j, c) in clusters.iter().enumerate() {
        if u < c.weight {
            ci = j;
            break;
        }
        u -= c.weight;
    }
    let Cluster { centre, sigma, .. } = clusters[ci];
    [
        centre[0] + sigma * rng.normal(),
        centre[1] + sigma * rng.normal(),
    ]
}

/// Step 11c: the points of village `vi` with `target` households: a few
/// houses in each enclave part, the compounds of an urban village (step
/// 11b), then houses (rural) or blocks (urban) in Gaussian clusters, kept
/// 5 m clear of the village's zones and compounds.
fn place_village(
    ctx: &Ctx,
    zones: &[Zone],
    seed: u64,
    vi: usize,
    target: u32,
    out: &mut Placed,
) -> Result<(), Retry> {
    let vil = &ctx.layout.villages[vi];
    let mut rng = Rng::derive(seed, &format!("village/{}", vil.code));
    let zones_here: Vec<&Zone> = zones.iter().filter(|z| z.hosts.contains(&vi)).collect();
    let clear_of_zones = |m: Xy| !zones_here.iter().any(|z| z.contains(m, 5.0));
    let target = place_enclave_houses(ctx, vi, &mut rng, target, &mut out.hh)?;
    let clusters = draw_clusters(ctx.layout, vi, &mut rng, target, &clear_of_zones)?;
    let mine = if vil.urban {
        place_compounds(ctx, vi, &mut rng, target, &clusters, &zones_here)
    } else {
        Vec::new()
    };
    let mut rest = target;
    for c in &mine {
        fill_compound(ctx, c, &mut rng, &mut out.hh)?;
        rest -= c.households;
    }
    let sizes = if vil.urban {
        split_sizes(&mut rng, rest, 10, 120, block_size)
    } else {
        split_sizes(&mut rng, rest, 1, 3, house_size)
    };
    let free = |m: Xy| clear_of_zones(m) && !mine.iter().any(|c| c.near(m, 5.0));
    place_points(ctx, vi, &mut rng, &sizes, &clusters, &free, &mut out.hh)?;
    out.compounds.extend(mine);
    Ok(())
}

/// Step 11c, points: one point per entry of `sizes`, drawn from the
/// clusters where `free` holds; after 40 misses the cluster is full near
/// the border or the lines, and the point falls back to a uniform draw in
/// the village's bounding box.
fn place_points(
    ctx: &Ctx,
    vi: usize,
    rng: &mut Rng,
    sizes: &[u32],
    clusters: &[Cluster],
    free: &dyn Fn(Xy) -> bool,
    out: &mut Vec<Hh>,
) -> Result<(), Retry> {
    let vil = &ctx.layout.villages[vi];
    let b = vil.bbox();
    for &hh in sizes {
        let mut found = None;
        for attempt in 0..10_000 {
            let m = if attempt < 40 {
                draw_near(rng, clusters)
            } else {
                [rng.range(b[0], b[2]), rng.range(b[1], b[3])]
            };
            if !free(m) {
                continue;
            }
            if let Some(ok) = accept(ctx, vi, m, None) {
                found = Some(ok);
                break;
            }
        }
        let at = found.ok_or(Retry("no room for a household"))?;
        if vil.urban {
            push_block(rng, at, hh, vi, out);
        } else {
            out.push(household(rng, at, hh, false, vi));
        }
    }
    Ok(())
}

/// Step 11c, enclaves: 2-5 houses in each enclave part of village `vi`.
/// Returns what is left of `target` for the main part (at least 1).
fn place_enclave_houses(
    ctx: &Ctx,
    vi: usize,
    rng: &mut Rng,
    mut target: u32,
    out: &mut Vec<Hh>,
) -> Result<u32, Retry> {
    let vil = &ctx.layout.villages[vi];
    for (k, part) in vil.parts.iter().enumerate() {
        let b = bbox(&part.m);
        let n = 2 + rng.below(4);
        for _ in 0..n {
            let hh = house_size(rng).min(target.saturating_sub(1)).max(1);
            let mut placed = false;
            for _ in 0..1000 {
                let m = [rng.range(b[0], b[2]), rng.range(b[1], b[3])];
                if let Some(at) = accept(ctx, vi, m, Some(k)) {
                    out.push(household(rng, at, hh, vil.urban, vi));
                    placed = true;
                    break;
                }
            }
            if !placed {
                return Err(Retry("no room in an enclave"));
            }
            target = target.saturating_sub(hh).max(1);
        }
    }
    Ok(target)
}

/// Step 11c, clusters: hamlets of about 110 households or estates of about
/// 700, 1-30 per village, centred at least 30 m inside the main part and
/// clear of the zones.
fn draw_clusters(
    layout: &Layout,
    vi: usize,
    rng: &mut Rng,
    target: u32,
    clear_of_zones: &dyn Fn(Xy) -> bool,
) -> Result<Vec<Cluster>, Retry> {
    let vil = &layout.villages[vi];
    let per = if vil.urban { 700.0 } else { 110.0 };
    let n_cl = ((f64::from(target) / per * rng.range(0.7, 1.3)).round() as usize).clamp(1, 30);
    let mut clusters: Vec<Cluster> = Vec::with_capacity(n_cl);
    let b = vil.bbox();
    let mut tries = 0;
    while clusters.len() < n_cl && tries < 3000 {
        tries += 1;
        let p = [rng.range(b[0], b[2]), rng.range(b[1], b[3])];
        if vil.main_contains(p, 30.0) && clear_of_zones(p) {
            let sigma = if vil.urban {
                rng.range(60.0, 160.0)
            } else {
                rng.range(50.0, 130.0)
            };
            clusters.push(Cluster {
                centre: p,
                sigma,
                weight: rng.range(0.5, 1.5),
            });
        }
    }
    if clusters.is_empty() {
        return Err(Retry("no room for a hamlet"));
    }
    Ok(clusters)
}

/// Step 11d: the premises of zone `z`, blocks of 10-120 households at
/// least 10 m inside its edges, each in whichever host village holds it.
fn place_zone(ctx: &Ctx, z: &Zone, seed: u64, out: &mut Vec<Hh>) -> Result<(), Retry> {
    let layout = ctx.layout;
    let mut rng = Rng::derive(seed, &format!("zone/{}", z.code));
    let (s, c) = z.angle.sin_cos();
    for hh in split_sizes(&mut rng, z.households, 10, 120, block_size) {
        let mut found = None;
        for _ in 0..10_000 {
            let u = rng.range(-z.half[0] + 10.0, z.half[0] - 10.0);
            let v = rng.range(-z.half[1] + 10.0, z.half[1] - 10.0);
            let m = [z.centre[0] + c * u - s * v, z.centre[1] + s * u + c * v];
            if let Some(&vi) = z
                .hosts
                .iter()
                .find(|&&h| layout.villages[h].main_contains(m, EDGE_CLEARANCE_M))
                && let Some(at) = accept(ctx, vi, m, None)
            {
                found = Some((vi, at));
                break;
            }
        }
        let (vi, at) = found.ok_or(Retry("no room in a zone"))?;
        out.push(household(&mut rng, at, hh, true, vi));
    }
    Ok(())
}
