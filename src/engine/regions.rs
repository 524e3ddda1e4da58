//! Hard barriers first: a village cut by rivers, railways and main roads
//! is planned block by block, and blocks are joined only where their
//! households cannot form grids within the band on their own
//! (docs/DESIGN.md §9).
//!
//! # Parameters
//! - the free units of the village with their loads, and each unit's hard
//!   block (`region`, from [`crate::engine::territory::Territory::blocks`]
//!   through every border but hard ones) and block between any barriers
//!   (`block`);
//! - which hard blocks touch, and whether only across an open border (the
//!   continuation of a barrier's end, nothing to cross on the ground);
//! - k, the village's grid count, and τ, the balance tolerance;
//! - `margin` (default [`MARGIN`]): the share of the band a group may use
//!   up by its mean alone, so that its own partition keeps room to
//!   balance.
//!
//! # Algorithm
//! 1. A group of blocks with load L *fits* when some whole number m ≥ 1 of
//!    grids gives a mean L/m within t(1 ± margin·τ) of the village mean
//!    t = W/k (a group without load fits with m = 0).
//! 2. Start from one group per hard block. While some group does not fit,
//!    take the one with the least load and join it to a neighbour: first
//!    one reached across an open border only, then one whose join fits,
//!    then the smallest. Every join is remembered with its reason: these
//!    are the forced crossings.
//! 3. Give each group the m whose mean is closest to t, then move grids
//!    between groups (one at a time, where the move costs the least
//!    deviation and stays within the band) until they sum to k. If that
//!    cannot be done, the two smallest neighbouring groups are joined and
//!    step 3 repeats; at worst the whole village is one group, as without
//!    barriers.
//! 4. Partition every group on its own ([`partition_village`]), with the
//!    tolerance that keeps its grids inside the village band, and with the
//!    side costs of [`Sides`] for the blocks inside it; then number the
//!    groups' grids one after another.
//!
//! # Complexity
//! O(R² ) for R hard blocks (a village has a handful), plus the partitions,
//! which together cost no more than one partition of the village.
//!
//! # Errors
//! [`PartitionError`] from the group partitions.

use crate::engine::graph::{Dsu, Graph};
use crate::engine::partition::{
    self, Lineage, Measure, PartitionError, PartitionParams, Sides, VillagePlan, VillageProblem,
    partition_village,
};

/// The share of the band a group's mean may use (step 1): 3/4 leaves a
/// quarter of the band, ±2.5 % at τ = 10 %, for the group's own partition.
pub const MARGIN: f64 = 0.75;

/// The price of a unit outside its grid's hard block inside a group that
/// had to join blocks, in grid spreads: twice re-allocation's λ = 8, so a
/// grid crosses a hard barrier only where balance needs it.
pub const HARD_WEIGHT: f64 = 16.0;

/// The ground of one village's free units.
#[derive(Clone, Copy, Debug)]
pub struct Ground<'a> {
    /// Per unit of the problem, its hard block 0..R.
    pub region: &'a [u32],
    /// Per unit, its block between any barriers.
    pub block: &'a [u32],
    /// Hard blocks that touch: (a, b, only across an open border).
    pub touching: &'a [(u32, u32, bool)],
    /// `--barrier-weight`.
    pub soft_weight: f64,
}

/// A join of hard blocks that balance forced.
#[derive(Clone, Debug, PartialEq)]
pub struct Join {
    /// The hard blocks joined, in the group that results.
    pub regions: Vec<u32>,
    /// Why, in a sentence.
    pub reason: String,
}

/// What [`partition_by_blocks`] returns.
#[derive(Clone, Debug)]
pub struct BlockPlan {
    /// The village plan, as [`partition_village`] gives it.
    pub plan: VillagePlan,
    /// The group of each free grid (0..plan.k).
    pub group_of_grid: Vec<u32>,
    /// The joins of each group (empty for a single hard block).
    pub joins: Vec<Vec<Join>>,
}

/// Partitions a village block by block (see the module docs).
///
/// # Errors
/// [`PartitionError`] from a group's partition.
pub fn partition_by_blocks(
    p: &VillageProblem,
    params: &PartitionParams,
    ground: &Ground,
) -> Result<BlockPlan, PartitionError> {
    let n = p.pos.len();
    let is_free = |i: usize| p.fixed.get(i).is_none_or(|&f| f == u32::MAX);
    let free: Vec<usize> = (0..n).filter(|&i| is_free(i)).collect();
    let regions = ground
        .region
        .iter()
        .map(|&r| r as usize + 1)
        .max()
        .unwrap_or(0);
    let mut load = vec![0.0; regions];
    for &i in &free {
        load[ground.region[i] as usize] += p.weight[i];
    }
    let total: f64 = load.iter().sum();
    let k = p.k;
    if k == 0 || total <= 0.0 || regions <= 1 {
        return whole(p, params, ground);
    }
    let t = total / k as f64;
    let (group_of, counts, joins) = group_regions(&load, ground.touching, k, t, params.tolerance);
    if counts.len() <= 1 {
        return whole(p, params, ground);
    }
    let mut label = vec![u32::MAX; n];
    let mut group_of_grid = Vec::new();
    let mut offset = 0u32;
    for (g, &m) in counts.iter().enumerate() {
        let units: Vec<usize> = free
            .iter()
            .copied()
            .filter(|&i| group_of[ground.region[i] as usize] == g as u32)
            .collect();
        if units.is_empty() || m == 0 {
            continue;
        }
        let sub = group_plan(p, params, ground, &units, m, t)?;
        for (j, &i) in units.iter().enumerate() {
            label[i] = offset + sub.label[j];
        }
        group_of_grid.extend(std::iter::repeat_n(g as u32, sub.k));
        offset += sub.k as u32;
    }
    for (i, l) in label.iter_mut().enumerate() {
        if let Some(&f) = p.fixed.get(i).filter(|&&f| f != u32::MAX) {
            *l = offset + f;
        } else if *l == u32::MAX {
            // A free unit of a group given no grid (no load): the first grid.
            *l = 0;
        }
    }
    let plan = partition::assemble(p, params, label, offset as usize);
    Ok(BlockPlan {
        plan,
        group_of_grid,
        joins,
    })
}

/// The whole village as one group, with the side costs of its blocks.
fn whole(
    p: &VillageProblem,
    params: &PartitionParams,
    ground: &Ground,
) -> Result<BlockPlan, PartitionError> {
    let q = VillageProblem {
        sides: Some(Sides {
            region: ground.region,
            block: ground.block,
            hard_weight: HARD_WEIGHT,
            soft_weight: ground.soft_weight,
        }),
        ..*p
    };
    let plan = partition_village(&q, params)?;
    let regions: Vec<u32> = {
        let mut r: Vec<u32> = ground.region.to_vec();
        r.sort_unstable();
        r.dedup();
        r
    };
    let joins = if regions.len() > 1 {
        let reason = if p.k <= 1 {
            "the village has a single grid, which takes all its blocks".to_string()
        } else {
            "the blocks between hard barriers cannot each take a whole number of grids within \
             the band, so the village is planned as one"
                .to_string()
        };
        vec![vec![Join { regions, reason }]]
    } else {
        vec![Vec::new()]
    };
    Ok(BlockPlan {
        group_of_grid: vec![0; plan.k],
        plan,
        joins,
    })
}

/// Step 4 for one group: its units, m grids, the tolerance that keeps its
/// grids in the village band.
fn group_plan(
    p: &VillageProblem,
    params: &PartitionParams,
    ground: &Ground,
    units: &[usize],
    m: usize,
    t: f64,
) -> Result<VillagePlan, PartitionError> {
    let idx: Vec<u32> = units.iter().map(|&i| i as u32).collect();
    let graph: Graph = p.graph.induced(&idx);
    let pos: Vec<[f64; 2]> = units.iter().map(|&i| p.pos[i]).collect();
    let weight: Vec<f64> = units.iter().map(|&i| p.weight[i]).collect();
    let region: Vec<u32> = units.iter().map(|&i| ground.region[i]).collect();
    let block: Vec<u32> = units.iter().map(|&i| ground.block[i]).collect();
    let old: Option<Vec<Vec<(u32, f64)>>> = p.lineage.map(|l| {
        units
            .iter()
            .map(|&i| l.old.get(i).cloned().unwrap_or_default())
            .collect()
    });
    let values: Vec<Vec<f64>> = p
        .measures
        .iter()
        .map(|ms| units.iter().map(|&i| ms.values[i]).collect())
        .collect();
    let measures: Vec<Measure> = p
        .measures
        .iter()
        .zip(&values)
        .map(|(ms, v)| Measure {
            values: v,
            tolerance: ms.tolerance,
        })
        .collect();
    let lg: f64 = weight.iter().sum();
    let tg = lg / m as f64;
    let tau = params.tolerance;
    let inner = ((t * (1.0 + tau)) / tg - 1.0)
        .min(1.0 - (t * (1.0 - tau)) / tg)
        .max(0.25 * tau);
    let gparams = PartitionParams {
        tolerance: inner,
        lp_tolerance: inner,
        ..params.clone()
    };
    partition_village(
        &VillageProblem {
            code: p.code,
            pos: &pos,
            weight: &weight,
            graph: &graph,
            fixed: &[],
            k: m,
            lineage: old.as_ref().zip(p.lineage).map(|(o, l)| Lineage {
                old: o,
                weight: l.weight,
            }),
            measures: &measures,
            sides: Some(Sides {
                region: &region,
                block: &block,
                hard_weight: HARD_WEIGHT,
                soft_weight: ground.soft_weight,
            }),
        },
        &gparams,
    )
}

/// The number of grids whose mean is closest to t for load `l`, and that
/// mean's relative deviation from t.
fn best_count(l: f64, t: f64) -> (usize, f64) {
    if l <= 0.0 {
        return (0, 0.0);
    }
    let x = l / t;
    let lo = x.floor().max(1.0);
    let hi = x.ceil().max(1.0);
    let dev = |m: f64| (x / m - 1.0).abs();
    if dev(lo) <= dev(hi) {
        (lo as usize, dev(lo))
    } else {
        (hi as usize, dev(hi))
    }
}

/// Steps 1-3: the group of every hard block, the grids of every group, and
/// the joins with their reasons.
fn group_regions(
    load: &[f64],
    touching: &[(u32, u32, bool)],
    k: usize,
    t: f64,
    tau: f64,
) -> (Vec<u32>, Vec<usize>, Vec<Vec<Join>>) {
    let r = load.len();
    let limit = MARGIN * tau;
    let mut dsu = Dsu::new(r);
    let mut notes: Vec<String> = Vec::new();
    loop {
        let (groups, gl) = current_groups(&mut dsu, load);
        let misfit = (0..gl.len())
            .filter(|&g| best_count(gl[g], t).1 > limit)
            .min_by(|&a, &b| gl[a].total_cmp(&gl[b]).then(a.cmp(&b)));
        let Some(g) = misfit else { break };
        let Some(h) = neighbour_to_join(&groups, &gl, g, touching, t, limit) else {
            break;
        };
        notes.push(format!(
            "{:.0} of load between hard barriers makes {:.2} grids of the village mean {t:.0}; \
             no whole number of grids fits the band, so it is planned with its neighbour",
            gl[g],
            gl[g] / t
        ));
        join(&mut dsu, &groups, g, h);
    }
    // Step 3: counts summing to k, joining the smallest neighbours when
    // the counts cannot be made to.
    loop {
        let (groups, gl) = current_groups(&mut dsu, load);
        if let Some(counts) = counts_for(&gl, k, t, tau) {
            return finish_groups(&groups, counts, r, &notes);
        }
        if gl.len() <= 1 {
            return finish_groups(&groups, vec![k], r, &notes);
        }
        let g = (0..gl.len())
            .min_by(|&a, &b| gl[a].total_cmp(&gl[b]).then(a.cmp(&b)))
            .unwrap_or(0);
        let h =
            neighbour_to_join(&groups, &gl, g, touching, t, limit).unwrap_or(usize::from(g == 0));
        notes.push(format!(
            "the grid counts of the blocks between hard barriers could not be made to sum to the \
             village's {k}, so the smallest block ({:.0} of load) is planned with its neighbour",
            gl[g]
        ));
        join(&mut dsu, &groups, g, h);
    }
}

/// The current groups: per hard block its group (0.. in order of first
/// block), and each group's load.
fn current_groups(dsu: &mut Dsu, load: &[f64]) -> (Vec<u32>, Vec<f64>) {
    let r = load.len();
    let mut id = vec![u32::MAX; r];
    let mut of = vec![0u32; r];
    let mut gl: Vec<f64> = Vec::new();
    for i in 0..r {
        let root = dsu.find(i);
        if id[root] == u32::MAX {
            id[root] = gl.len() as u32;
            gl.push(0.0);
        }
        of[i] = id[root];
        gl[id[root] as usize] += load[i];
    }
    (of, gl)
}

fn join(dsu: &mut Dsu, groups: &[u32], g: usize, h: usize) {
    let a = groups.iter().position(|&x| x as usize == g);
    let b = groups.iter().position(|&x| x as usize == h);
    if let (Some(a), Some(b)) = (a, b) {
        dsu.union(a, b);
    }
}

/// The neighbour group to join `g` to (step 2's preference order).
fn neighbour_to_join(
    groups: &[u32],
    gl: &[f64],
    g: usize,
    touching: &[(u32, u32, bool)],
    t: f64,
    limit: f64,
) -> Option<usize> {
    let mut cand: Vec<(bool, bool, usize)> = Vec::new();
    for &(a, b, open) in touching {
        let (ga, gb) = (groups[a as usize] as usize, groups[b as usize] as usize);
        let other = if ga == g && gb != g {
            gb
        } else if gb == g && ga != g {
            ga
        } else {
            continue;
        };
        let fits = best_count(gl[g] + gl[other], t).1 <= limit;
        cand.push((!open, !fits, other));
    }
    cand.sort_by(|x, y| {
        (x.0, x.1)
            .cmp(&(y.0, y.1))
            .then(gl[x.2].total_cmp(&gl[y.2]))
            .then(x.2.cmp(&y.2))
    });
    cand.first().map(|c| c.2)
}

/// Step 3: counts per group with the best means, moved one grid at a time
/// until they sum to k, each mean within the band; `None` if they cannot.
fn counts_for(gl: &[f64], k: usize, t: f64, tau: f64) -> Option<Vec<usize>> {
    let mut m: Vec<usize> = gl.iter().map(|&l| best_count(l, t).0).collect();
    let dev = |l: f64, m: usize| {
        if m == 0 {
            if l > 0.0 { f64::INFINITY } else { 0.0 }
        } else {
            (l / (m as f64 * t) - 1.0).abs()
        }
    };
    loop {
        let sum: usize = m.iter().sum();
        if sum == k {
            return Some(m);
        }
        let up = sum < k;
        let best = (0..gl.len())
            .filter(|&g| up || m[g] > usize::from(gl[g] > 0.0))
            .map(|g| {
                let nm = if up { m[g] + 1 } else { m[g] - 1 };
                (dev(gl[g], nm), g)
            })
            .filter(|&(d, _)| d <= tau)
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let (_, g) = best?;
        if up {
            m[g] += 1;
        } else {
            m[g] -= 1;
        }
    }
}

fn finish_groups(
    groups: &[u32],
    counts: Vec<usize>,
    r: usize,
    notes: &[String],
) -> (Vec<u32>, Vec<usize>, Vec<Vec<Join>>) {
    let mut joins: Vec<Vec<Join>> = vec![Vec::new(); counts.len()];
    if !notes.is_empty() {
        for (g, js) in joins.iter_mut().enumerate() {
            let regions: Vec<u32> = (0..r)
                .filter(|&i| groups[i] as usize == g)
                .map(|i| i as u32)
                .collect();
            if regions.len() > 1 {
                js.push(Join {
                    regions,
                    reason: notes.join("; "),
                });
            }
        }
    }
    (groups.to_vec(), counts, joins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_that_fit_stay_apart() {
        // Two blocks of 2 and 3 grids' worth: no join.
        let (of, counts, joins) = group_regions(&[700.0, 1050.0], &[(0, 1, false)], 5, 350.0, 0.1);
        assert_eq!(of, vec![0, 1]);
        assert_eq!(counts, vec![2, 3]);
        assert!(joins.iter().all(Vec::is_empty));
    }

    #[test]
    fn a_block_too_small_joins_its_neighbour_open_border_first() {
        // Block 1 holds 0.6 of a grid; it touches block 0 across a hard
        // barrier and block 2 only across an open border.
        let loads = [700.0, 210.0, 490.0];
        let touching = [(0, 1, false), (1, 2, true)];
        let (of, counts, joins) = group_regions(&loads, &touching, 4, 350.0, 0.1);
        assert_eq!(of, vec![0, 1, 1]);
        assert_eq!(counts, vec![2, 2]);
        assert_eq!(joins[1].len(), 1);
        assert_eq!(joins[1][0].regions, vec![1, 2]);
        assert!(
            joins[1][0].reason.contains("0.60 grids"),
            "{}",
            joins[1][0].reason
        );
    }

    #[test]
    fn counts_always_sum_to_k() {
        let loads = [330.0, 400.0, 360.0, 700.0];
        let touching = [(0, 1, false), (1, 2, false), (2, 3, false)];
        for k in 3..=7 {
            let (_, counts, _) = group_regions(&loads, &touching, k, 1790.0 / k as f64, 0.1);
            assert_eq!(counts.iter().sum::<usize>(), k, "k = {k}");
        }
    }
}
