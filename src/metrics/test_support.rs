//! Fixtures shared by the metrics' unit tests: villages, points, and small
//! and county-sized plans, and [`run`]/[`run_micro`] to measure them.

use super::{Metrics, MetricsInput, MetricsParams, PointRec, VillageInput, compute};
use crate::engine::rng::Rng;
use geo::{LineString, MultiPolygon, Polygon};

pub(super) fn poly(ring: &[(f64, f64)]) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![Polygon::new(LineString::from(ring.to_vec()), vec![])])
}

pub(super) fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    poly(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
}

pub(super) fn pt(x: f64, y: f64, households: u32, grid: u32) -> PointRec {
    PointRec {
        xy: [x, y],
        households,
        population: 3.0 * f64::from(households),
        load: f64::from(households),
        grid,
        old_grid: None,
        micro: None,
        compound: None,
    }
}

pub(super) fn mpt(x: f64, y: f64, households: u32, grid: u32, micro: u32) -> PointRec {
    PointRec {
        micro: Some(micro),
        ..pt(x, y, households, grid)
    }
}

pub(super) fn village(
    code: &str,
    polygon: MultiPolygon<f64>,
    points: Vec<PointRec>,
) -> VillageInput {
    VillageInput {
        code: code.into(),
        town_code: "330000001".into(),
        polygon,
        lines: Vec::new(),
        points,
    }
}

pub(super) fn codes(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("G{i:03}")).collect()
}

pub(super) fn mcodes(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("M{i:03}")).collect()
}

pub(super) fn run(villages: &[VillageInput], params: &MetricsParams) -> Metrics {
    let grid_codes = codes(64);
    let old_codes: Vec<String> = (0..64).map(|i| format!("OLD{i:03}")).collect();
    compute(
        &MetricsInput {
            villages,
            grid_codes: &grid_codes,
            old_codes: &old_codes,
            micro_codes: &[],
            micro_parent: &[],
            dedicated: &[],
            locked: &[],
            barriers: &[],
            compounds: &[],
            cells: &[],
        },
        params,
    )
}

/// Runs with micro codes M000.., the given parents and dedicated flags.
pub(super) fn run_micro(
    villages: &[VillageInput],
    micro_parent: &[u32],
    dedicated: &[bool],
    params: &MetricsParams,
) -> Metrics {
    let grid_codes = codes(64);
    let micro_codes = mcodes(64);
    compute(
        &MetricsInput {
            villages,
            grid_codes: &grid_codes,
            old_codes: &[],
            micro_codes: &micro_codes,
            micro_parent,
            dedicated,
            locked: &[],
            barriers: &[],
            compounds: &[],
            cells: &[],
        },
        params,
    )
}

/// A 5x5 lattice with spacing 10; column 2 is grid 1, the rest grid 0.
pub(super) fn lattice(extra: Option<PointRec>) -> Vec<VillageInput> {
    let mut pts = Vec::new();
    for i in 0..5 {
        for j in 0..5 {
            let g = u32::from(i == 2);
            pts.push(pt(
                5.0 + 10.0 * f64::from(i),
                5.0 + 10.0 * f64::from(j),
                1,
                g,
            ));
        }
    }
    pts.extend(extra);
    vec![village("V1", square(0.0, 0.0, 50.0, 50.0), pts)]
}

/// Two 10 m squares of four points, 800 m apart; `grid(i)` labels the
/// i-th point (0-3 in cluster A, 4-7 in cluster B).
pub(super) fn two_clusters(grid: impl Fn(usize) -> u32) -> Vec<VillageInput> {
    let mut pts = Vec::new();
    for (c, base) in [100.0, 900.0].into_iter().enumerate() {
        for (d, (dx, dy)) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0)]
            .into_iter()
            .enumerate()
        {
            pts.push(pt(base + dx, base + dy, 1, grid(4 * c + d)));
        }
    }
    vec![village("V1", square(0.0, 0.0, 1000.0, 1000.0), pts)]
}

pub(super) fn with_old(mut vs: Vec<VillageInput>, old: impl Fn(usize) -> u32) -> Vec<VillageInput> {
    for (i, p) in vs[0].points.iter_mut().enumerate() {
        p.old_grid = Some(old(i));
    }
    vs
}

/// A synthetic county: `nv` square villages of 2 km on a 30-column
/// layout, about `per` points each, grids as x-strips of about 367
/// households, old grids as y-strips.
pub(super) fn synth(nv: usize, per: usize, seed: u64) -> (Vec<VillageInput>, Vec<String>) {
    let mut rng = Rng::new(seed);
    let mut villages = Vec::with_capacity(nv);
    let mut next = 0u32;
    for v in 0..nv {
        let (x0, y0) = (2000.0 * (v % 30) as f64, 2000.0 * (v / 30) as f64);
        let n = per / 2 + rng.below(per);
        let mut pts: Vec<PointRec> = (0..n)
            .map(|_| {
                let h = 1 + rng.below(8) as u32;
                let mut p = pt(
                    rng.range(x0 + 10.0, x0 + 1990.0),
                    rng.range(y0 + 10.0, y0 + 1990.0),
                    h,
                    0,
                );
                // Some buildings hold several addresses.
                if rng.below(10) == 0 {
                    p.xy = [x0 + 1000.0, y0 + 1000.0];
                }
                p
            })
            .collect();
        let hh: u32 = pts.iter().map(|p| p.households).sum();
        let k = ((f64::from(hh) / 367.0).round() as usize).max(1);
        for (key, old) in [(0, false), (1, true)] {
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by(|&a, &b| pts[a].xy[key].total_cmp(&pts[b].xy[key]));
            for (r, &i) in idx.iter().enumerate() {
                let g = next + (r * k / n) as u32;
                if old {
                    pts[i].old_grid = Some(g);
                } else {
                    pts[i].grid = g;
                }
            }
        }
        next += k as u32;
        villages.push(village(
            &format!("V{v:04}"),
            square(x0, y0, x0 + 2000.0, y0 + 2000.0),
            pts,
        ));
    }
    (villages, codes(next as usize))
}

/// Micro-grids for a [`synth`] county: each grid's points in y order,
/// cut into runs of about 50 households. Returns the micro codes and
/// their parents.
pub(super) fn add_micro(vs: &mut [VillageInput]) -> (Vec<String>, Vec<u32>) {
    let mut parent = Vec::new();
    for v in vs.iter_mut() {
        let mut idx: Vec<usize> = (0..v.points.len()).collect();
        let pts = &v.points;
        idx.sort_by(|&a, &b| {
            (pts[a].grid, pts[a].xy[1].to_bits()).cmp(&(pts[b].grid, pts[b].xy[1].to_bits()))
        });
        let groups: Vec<Vec<usize>> = idx
            .chunk_by(|&a, &b| pts[a].grid == pts[b].grid)
            .map(<[usize]>::to_vec)
            .collect();
        for group in groups {
            let g = v.points[group[0]].grid;
            let hh: u32 = group.iter().map(|&i| v.points[i].households).sum();
            let m = ((f64::from(hh) / 50.0).round() as u32).max(1);
            let base = parent.len() as u32;
            let mut cum = 0u32;
            for &i in &group {
                let r = (u64::from(cum) * u64::from(m) / u64::from(hh)) as u32;
                v.points[i].micro = Some(base + r.min(m - 1));
                cum += v.points[i].households;
            }
            parent.extend(std::iter::repeat_n(g, m as usize));
        }
    }
    let codes = (0..parent.len()).map(|i| format!("M{i:05}")).collect();
    (codes, parent)
}

pub(super) fn json(m: &Metrics) -> String {
    serde_json::to_string(m).unwrap_or_default()
}
