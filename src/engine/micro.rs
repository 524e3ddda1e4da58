//! Micro-grids (微网格) inside one grid.
//!
//! A grid of 300-500 households is cut into about 5-7 micro-grids of a few
//! dozen households, each led by a volunteer (docs/DESIGN.md §2). We reuse the
//! full-scope engine ([`crate::engine::partition`]) one level down, sizing by
//! households.
//!
//! # Parameters
//! - `target` (default 50, `--micro-target`): mean households per
//!   micro-grid; docs/DESIGN.md §2's default.
//! - `band` (default 20-80, `--micro-band`): the household band. A
//!   building above its maximum is an *oversize building*.
//! - `tolerance` (default 0.25): the balance asked of the engine around the
//!   grid's mean micro-grid size. At the default target this keeps
//!   micro-grids within 37-63 households, well inside the band, while
//!   leaving the engine room to follow streets and hamlets.
//! - `seed`: the engine's seed, keyed by the grid code.
//!
//! # Algorithm
//! 1. Take the grid's buildings (units). A building whose households exceed
//!    the band's maximum becomes micro-grids of its own: when it holds
//!    several household rows (address points at one coordinate), its rows
//!    are cut, in input order, into ⌈h/max⌉ runs of nearly equal households;
//!    a single row stays one micro-grid. Either way it is flagged oversize.
//! 2. The other buildings get k = round(H/target) micro-grids, clamped into
//!    [⌈H/max⌉, ⌊H/min⌋] when that range is non-empty, at least 1, and at
//!    most the number of buildings.
//! 3. Partition them with the full-scope engine on the grid's Delaunay
//!    graph (trimmed to the village), with the oversize buildings as fixed
//!    groups of that graph, so that micro-grids are contiguous on the same
//!    graph the metrics use, compact, and no building is split.
//! 4. Number all micro-grids of the grid in serpentine order
//!    ([`crate::model::codes`]): the grid code plus two digits.
//!
//! # Complexity
//! The engine's, on a few dozen to a few hundred buildings per grid.
//!
//! # Errors
//! [`MicroError`] when a grid would need more than 99 micro-grids (two-digit
//! codes), or the engine fails.

use crate::engine::graph::Graph;
use crate::engine::partition::{self, PartitionParams, Sides, VillageProblem};

/// Tuning of micro-grids (see the module docs for defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct MicroParams {
    /// Mean households per micro-grid.
    pub target: f64,
    /// Household band of one micro-grid.
    pub band: (f64, f64),
    /// Balance tolerance inside a grid.
    pub tolerance: f64,
    /// Seed of the engine.
    pub seed: u64,
}

impl Default for MicroParams {
    fn default() -> Self {
        Self {
            target: crate::config::MICRO_TARGET,
            band: crate::config::MICRO_BAND,
            tolerance: crate::config::MICRO_TOLERANCE,
            seed: crate::config::SEED,
        }
    }
}

/// The most micro-grids one grid can number with two digits.
pub const MAX_MICRO_PER_GRID: usize = 99;

/// Why a grid's micro-grids could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MicroError {
    /// Two-digit codes run out.
    #[error(
        "grid {grid}: {count} micro-grids needed ({households} households), but micro-grid codes have room for {max}"
    )]
    TooMany {
        /// Grid code.
        grid: String,
        /// Micro-grids needed.
        count: usize,
        /// Households in the grid.
        households: f64,
        /// The most allowed.
        max: usize,
    },
    /// The partition engine failed.
    #[error(transparent)]
    Partition(#[from] partition::PartitionError),
}

/// One building of a grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Building {
    /// Position in metres.
    pub pos: [f64; 2],
    /// Its index among its village's buildings (the territory's sites).
    pub unit: u32,
    /// Its household rows: (row index in the input, households).
    pub rows: Vec<(u32, u32)>,
}

impl Building {
    fn households(&self) -> f64 {
        self.rows.iter().map(|&(_, h)| f64::from(h)).sum()
    }
}

/// A micro-grid in the making: its rows, its centroid, and whether it is
/// made of one oversize building.
type Group = (Vec<(u32, u32)>, [f64; 2], bool);

/// The micro-grids of one grid.
#[derive(Clone, Debug, PartialEq)]
pub struct MicroPlan {
    /// (input row, micro-grid sequence 1..=count) for every household row.
    pub row_micro: Vec<(u32, u32)>,
    /// Micro-grids made.
    pub count: usize,
    /// Per micro-grid (by sequence − 1): made of one oversize building.
    pub oversize: Vec<bool>,
}
fn as_f64(x: usize) -> f64 {
    x as f64
}
fn as_usize(x: f64) -> usize {
    x.max(0.0) as usize
}

/// Cuts an oversize building's rows, in input order, into `m` runs of
/// nearly equal households.
fn cut_rows(rows: &[(u32, u32)], m: usize) -> Vec<Vec<(u32, u32)>> {
    let total: f64 = rows.iter().map(|&(_, h)| f64::from(h)).sum();
    let mut out = vec![Vec::new(); m];
    let mut acc = 0.0;
    for &(r, h) in rows {
        // The run whose share of the total this row's midpoint falls in.
        let mid = acc + f64::from(h) * 0.5;
        let j = as_usize((mid / total * as_f64(m)).floor()).min(m - 1);
        out[j].push((r, h));
        acc += f64::from(h);
    }
    out.retain(|v| !v.is_empty());
    out
}

/// Makes the micro-grids of one grid (see the module docs).
///
/// `inside(p)` tells whether a point lies in the grid's village (for
/// trimming the Delaunay graph).
///
/// # Errors
/// [`MicroError`].
pub fn micro_grids(
    grid_code: &str,
    buildings: &[Building],
    graph: &Graph,
    sides: Option<Sides>,
    params: &MicroParams,
) -> Result<MicroPlan, MicroError> {
    let (mut groups, fixed, towers) = towers_first(buildings, params.band.1);
    let weight: Vec<f64> = buildings.iter().map(Building::households).collect();
    let part = compound_parts(&fixed, &weight, sides.as_ref(), params.band.0);
    let mut keys: Vec<u32> = part.iter().copied().filter(|&k| k != u32::MAX).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        // The other parts take part in the graph only, as one fixed group
        // after the towers.
        let fixed_here: Vec<u32> = (0..buildings.len())
            .map(|i| {
                if part[i] == key {
                    u32::MAX
                } else if fixed[i] != u32::MAX {
                    fixed[i]
                } else {
                    towers
                }
            })
            .collect();
        let rest_count = part.iter().filter(|&&k| k == key).count();
        let pos: Vec<[f64; 2]> = buildings.iter().map(|b| b.pos).collect();
        let total: f64 = (0..buildings.len())
            .filter(|&i| part[i] == key)
            .map(|i| weight[i])
            .sum();
        let ideal = (total / params.target).round().max(1.0);
        let lo = (total / params.band.1).ceil().max(1.0);
        let hi = (total / params.band.0).floor();
        let k = if lo <= hi { ideal.clamp(lo, hi) } else { ideal };
        let k = as_usize(k).clamp(1, rest_count);
        let plan = partition::partition_village(
            &VillageProblem {
                code: grid_code,
                pos: &pos,
                weight: &weight,
                graph,
                k,
                fixed: &fixed_here,
                lineage: None,
                measures: &[],
                sides,
            },
            &PartitionParams::new(params.tolerance, params.seed),
        )?;
        let mut plan = plan;
        plan.k = one_piece(graph, &fixed_here, &weight, &mut plan.label, plan.k);
        let base = groups.len();
        for _ in 0..plan.k {
            groups.push((Vec::new(), [0.0, 0.0], false));
        }
        let mut acc = vec![[0.0f64; 3]; plan.k];
        for (i, b) in buildings.iter().enumerate() {
            let gi = plan.label[i] as usize;
            if fixed_here[i] != u32::MAX || gi >= plan.k {
                continue;
            }
            groups[base + gi].0.extend_from_slice(&b.rows);
            let w = weight[i];
            acc[gi][0] += w * pos[i][0];
            acc[gi][1] += w * pos[i][1];
            acc[gi][2] += w;
        }
        for (gi, a) in acc.iter().enumerate() {
            if a[2] > 0.0 {
                groups[base + gi].1 = [a[0] / a[2], a[1] / a[2]];
            }
        }
    }
    let households: f64 = buildings.iter().map(Building::households).sum();
    if groups.len() > MAX_MICRO_PER_GRID {
        return Err(MicroError::TooMany {
            grid: grid_code.to_string(),
            count: groups.len(),
            households,
            max: MAX_MICRO_PER_GRID,
        });
    }
    let cents: Vec<[f64; 2]> = groups.iter().map(|g| g.1).collect();
    let order = crate::model::codes::serpentine_order(&cents);
    let mut row_micro = Vec::new();
    let mut oversize = vec![false; groups.len()];
    for (s, &gi) in order.iter().enumerate() {
        let seq = u32::try_from(s + 1).unwrap_or(u32::MAX);
        oversize[s] = groups[gi].2;
        for &(r, _) in &groups[gi].0 {
            row_micro.push((r, seq));
        }
    }
    row_micro.sort_unstable();
    Ok(MicroPlan {
        row_micro,
        count: groups.len(),
        oversize,
    })
}

/// The part of every non-tower building (`u32::MAX` for towers): its
/// compound (`sides.region`) when the grid holds at least `min` households
/// of it, else the part of the buildings outside compounds, so that
/// micro-grids keep to compounds (docs/DESIGN.md §9). A part outside
/// compounds too small for a micro-grid joins the largest compound part.
fn compound_parts(fixed: &[u32], weight: &[f64], sides: Option<&Sides>, min: f64) -> Vec<u32> {
    const OUTSIDE: u32 = u32::MAX - 1;
    let n = fixed.len();
    let tower = |i: usize| fixed[i] != u32::MAX;
    let Some(sd) = sides else {
        return (0..n)
            .map(|i| if tower(i) { u32::MAX } else { OUTSIDE })
            .collect();
    };
    let region = |i: usize| sd.region.get(i).copied().unwrap_or(u32::MAX);
    let mut load: std::collections::BTreeMap<u32, f64> = std::collections::BTreeMap::new();
    for i in (0..n).filter(|&i| !tower(i) && region(i) != u32::MAX) {
        *load.entry(region(i)).or_insert(0.0) += weight[i];
    }
    let mut part: Vec<u32> = (0..n)
        .map(|i| {
            if tower(i) {
                u32::MAX
            } else if load.get(&region(i)).is_some_and(|&l| l >= min) {
                region(i)
            } else {
                OUTSIDE
            }
        })
        .collect();
    let outside: f64 = (0..n)
        .filter(|&i| part[i] == OUTSIDE)
        .map(|i| weight[i])
        .sum();
    if outside > 0.0 && outside < min {
        let largest = load
            .iter()
            .filter(|&(_, &l)| l >= min)
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(&r, _)| r);
        if let Some(r) = largest {
            for p in part.iter_mut().filter(|p| **p == OUTSIDE) {
                *p = r;
            }
        }
    }
    part
}

/// The oversize buildings first: each is a fixed group of the engine (it
/// stays in the grid's graph, so the other micro-grids are made contiguous
/// around it on the same graph the metrics use), cut into runs of rows,
/// one micro-grid each. Returns the groups, each building's fixed group
/// (`u32::MAX` for the rest) and the number of towers.
fn towers_first(buildings: &[Building], max: f64) -> (Vec<Group>, Vec<u32>, u32) {
    // Groups of rows with their centroid, in the order they are made.
    let mut groups: Vec<Group> = Vec::new();
    // Oversize buildings are fixed groups of the engine: they stay in the
    // grid's graph, so the other micro-grids are made contiguous around
    // them on the same graph the metrics use.
    let mut fixed = vec![u32::MAX; buildings.len()];
    let mut towers = 0u32;
    for (i, b) in buildings.iter().enumerate() {
        let h = b.households();
        if h > max {
            fixed[i] = towers;
            towers += 1;
            let m = as_usize((h / max).ceil()).max(1);
            let runs = if b.rows.len() > 1 {
                cut_rows(&b.rows, m)
            } else {
                vec![b.rows.clone()]
            };
            for run in runs {
                groups.push((run, b.pos, true));
            }
        }
    }
    (groups, fixed, towers)
}

/// Makes every free micro-grid (labels `0..k`) one piece on `graph`: a
/// micro-grid whose buildings fall apart (its few buildings lie between
/// towers, say) keeps its heaviest piece; each other piece joins the
/// lightest free micro-grid it touches, or becomes a micro-grid of its own
/// when it touches none. Returns the new number of free micro-grids.
fn one_piece(graph: &Graph, fixed: &[u32], weight: &[f64], label: &mut [u32], k: usize) -> usize {
    let free = |i: usize| fixed.get(i).is_none_or(|&f| f == u32::MAX);
    let mut k = k;
    for g in 0..k as u32 {
        let members: Vec<u32> = (0..label.len() as u32)
            .filter(|&i| free(i as usize) && label[i as usize] == g)
            .collect();
        let idx = graph.components_of(&members, label, g);
        if idx.len() <= 1 {
            continue;
        }
        let heaviest = (0..idx.len())
            .max_by(|&a, &b| {
                let wa: f64 = idx[a].iter().map(|&i| weight[i as usize]).sum();
                let wb: f64 = idx[b].iter().map(|&i| weight[i as usize]).sum();
                wa.total_cmp(&wb).then(b.cmp(&a))
            })
            .unwrap_or(0);
        let loads = crate::engine::repair::loads(weight, label, k + fixed.len());
        for (c, comp) in idx.iter().enumerate() {
            if c == heaviest {
                continue;
            }
            let target = comp
                .iter()
                .flat_map(|&i| graph.neighbors(i as usize).iter().copied())
                .filter(|&j| {
                    free(j as usize) && label[j as usize] != g && (label[j as usize] as usize) < k
                })
                .map(|j| label[j as usize])
                .min_by(|&a, &b| {
                    loads[a as usize]
                        .total_cmp(&loads[b as usize])
                        .then(a.cmp(&b))
                });
            let to = target.unwrap_or_else(|| {
                k += 1;
                (k - 1) as u32
            });
            for &i in comp {
                label[i as usize] = to;
            }
        }
    }
    k
}

/// The code of micro-grid number `seq` (1-based) of a grid.
#[must_use]
pub fn micro_code(grid_code: &str, seq: u32) -> String {
    format!("{grid_code}{seq:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Delaunay graph of the buildings (their cells in open land).
    fn graph_of(b: &[Building]) -> Graph {
        let pos: Vec<[f64; 2]> = b.iter().map(|b| b.pos).collect();
        crate::engine::graph::village_graph(&pos, |_| true)
    }

    fn house(x: f64, y: f64, row: u32, h: u32) -> Building {
        Building {
            unit: row,
            pos: [x, y],
            rows: vec![(row, h)],
        }
    }

    #[test]
    fn a_tower_of_300_single_households_becomes_four_micro_grids() {
        // 300 address rows of one household at one coordinate, plus a
        // 100-household neighbourhood of houses.
        let tower = Building {
            unit: 0,
            pos: [0.0, 0.0],
            rows: (0..300).map(|r| (r, 1)).collect(),
        };
        let mut b = vec![tower];
        for i in 0..50u32 {
            b.push(house(
                100.0 + f64::from(i % 10) * 10.0,
                f64::from(i / 10) * 10.0,
                300 + i,
                2,
            ));
        }
        let p = micro_grids(
            "330381001001001",
            &b,
            &graph_of(&b),
            None,
            &MicroParams::default(),
        )
        .unwrap();
        assert_eq!(p.row_micro.len(), 350);
        let oversize: usize = p.oversize.iter().filter(|&&o| o).count();
        assert_eq!(oversize, 4, "⌈300/80⌉ = 4 micro-grids of the tower alone");
        // The tower's rows are in oversize micro-grids only, 75 each.
        let mut sizes = vec![0u32; p.count];
        for &(r, s) in &p.row_micro {
            if r < 300 {
                assert!(p.oversize[s as usize - 1]);
                sizes[s as usize - 1] += 1;
            } else {
                assert!(!p.oversize[s as usize - 1]);
            }
        }
        assert_eq!(sizes.iter().filter(|&&x| x == 75).count(), 4);
        // The 100 households of houses make 2 micro-grids of about 50.
        assert_eq!(p.count, 6);
    }

    #[test]
    fn a_single_row_tower_is_one_oversize_micro_grid() {
        let b = vec![
            house(0.0, 0.0, 0, 300),
            house(50.0, 0.0, 1, 40),
            house(60.0, 0.0, 2, 30),
        ];
        let p = micro_grids(
            "330381001001001",
            &b,
            &graph_of(&b),
            None,
            &MicroParams::default(),
        )
        .unwrap();
        assert_eq!(p.count, 2);
        assert_eq!(p.oversize.iter().filter(|&&o| o).count(), 1);
    }

    #[test]
    fn sizes_follow_the_target_and_buildings_stay_whole() {
        let mut b = Vec::new();
        for i in 0..200u32 {
            let h = 1 + i % 3;
            b.push(house(
                f64::from(i % 20) * 15.0,
                f64::from(i / 20) * 15.0,
                i,
                h,
            ));
        }
        let total: u32 = b.iter().map(|x| x.rows[0].1).sum();
        let p = micro_grids(
            "330381001001002",
            &b,
            &graph_of(&b),
            None,
            &MicroParams::default(),
        )
        .unwrap();
        assert_eq!(p.count, (f64::from(total) / 50.0).round() as usize);
        let mut sizes = vec![0u32; p.count];
        for (r, s) in &p.row_micro {
            sizes[*s as usize - 1] += b[*r as usize].rows[0].1;
        }
        assert!(sizes.iter().all(|&s| (20..=80).contains(&s)), "{sizes:?}");
        assert_eq!(micro_code("330381001001002", 7), "33038100100100207");
    }
}
