//! Compounds kept whole: the buildings of a residential compound (小区)
//! that fits in one grid become one unit of the partition, so no plan can
//! split them; a larger compound is cut first into the fewest pieces that
//! each fit, and each piece becomes one unit (docs/DESIGN.md §9).
//!
//! # Parameters
//! - the village's partition problem, over its buildings;
//! - per building, its compound (`u32::MAX`: none);
//! - the band top t_v(1 + τ), t_v the village's mean grid load.
//!
//! # Algorithm
//! 1. Group the free buildings by compound. A compound whose load is at
//!    most the band top is one group; a larger one is partitioned
//!    ([`partition_village`] on its own buildings and their graph) into
//!    m = ⌈L / top⌉ pieces, the fewest that can each fit in a grid, and
//!    each piece is a group. Buildings outside compounds, and fixed ones
//!    (dedicated and locked grids), stay alone.
//! 2. Contract: one node per group, at its load-weighted centroid, with
//!    the summed load, measures and lineage; two nodes are adjacent when
//!    any of their buildings are.
//! 3. The caller partitions the nodes; [`Contracted::expand`] gives every
//!    building its node's grid.
//!
//! # Complexity
//! O(n + e) for n buildings and e graph edges, plus one partition per
//! compound larger than a grid.
//!
//! # Errors
//! [`PartitionError`] from cutting a large compound.

use crate::engine::graph::Graph;
use crate::engine::partition::{
    Lineage, Measure, PartitionError, PartitionParams, VillagePlan, VillageProblem,
    partition_village,
};

/// A village problem with compounds contracted to nodes.
pub(crate) struct Contracted {
    /// The node of every building.
    pub node_of: Vec<u32>,
    pos: Vec<[f64; 2]>,
    weight: Vec<f64>,
    graph: Graph,
    fixed: Vec<u32>,
    old: Option<Vec<Vec<(u32, f64)>>>,
    values: Vec<Vec<f64>>,
}

impl Contracted {
    /// Steps 1-2 (see the module docs). `None` when no compound has two
    /// free buildings: nothing to contract.
    ///
    /// # Errors
    /// [`PartitionError`] from cutting a large compound.
    pub fn new(
        p: &VillageProblem,
        params: &PartitionParams,
        compound_of: &[u32],
        top: f64,
    ) -> Result<Option<Self>, PartitionError> {
        let Some(group) = groups(p, params, compound_of, top)? else {
            return Ok(None);
        };
        Ok(Some(contract(p, &group)))
    }

    /// The contracted problem, borrowing from `self` and `p`.
    pub fn problem<'a>(
        &'a self,
        p: &VillageProblem<'a>,
        measures: &'a [Measure<'a>],
    ) -> VillageProblem<'a> {
        VillageProblem {
            code: p.code,
            pos: &self.pos,
            weight: &self.weight,
            graph: &self.graph,
            fixed: &self.fixed,
            k: p.k,
            lineage: self.old.as_ref().zip(p.lineage).map(|(o, l)| Lineage {
                old: o,
                weight: l.weight,
            }),
            measures,
            sides: None,
        }
    }

    /// The further measures of the nodes, for [`Self::problem`].
    pub fn measures<'a>(&'a self, p: &VillageProblem) -> Vec<Measure<'a>> {
        p.measures
            .iter()
            .zip(&self.values)
            .map(|(m, v)| Measure {
                values: v,
                tolerance: m.tolerance,
            })
            .collect()
    }

    /// Per node, the first building's value of a per-building array.
    pub fn per_node(&self, of_building: &[u32]) -> Vec<u32> {
        let mut out = vec![u32::MAX; self.pos.len()];
        for (b, &nd) in self.node_of.iter().enumerate() {
            if out[nd as usize] == u32::MAX {
                out[nd as usize] = of_building.get(b).copied().unwrap_or(0);
            }
        }
        out
    }

    /// Step 3: the plan of the buildings from the plan of the nodes.
    pub fn expand(&self, plan: VillagePlan) -> VillagePlan {
        let label = self
            .node_of
            .iter()
            .map(|&nd| plan.label[nd as usize])
            .collect();
        VillagePlan { label, ..plan }
    }
}

/// Step 1: the group of every building (`None` when nothing groups).
fn groups(
    p: &VillageProblem,
    params: &PartitionParams,
    compound_of: &[u32],
    top: f64,
) -> Result<Option<Vec<u32>>, PartitionError> {
    let n = p.pos.len();
    let free = |i: usize| p.fixed.get(i).is_none_or(|&f| f == u32::MAX);
    let mut by: std::collections::BTreeMap<u32, Vec<usize>> = std::collections::BTreeMap::new();
    for i in 0..n {
        let c = compound_of.get(i).copied().unwrap_or(u32::MAX);
        if c != u32::MAX && free(i) {
            by.entry(c).or_default().push(i);
        }
    }
    if by.values().all(|v| v.len() < 2) {
        return Ok(None);
    }
    let mut group: Vec<u32> = (0..n as u32).collect();
    for members in by.values().filter(|v| v.len() >= 2) {
        let load: f64 = members.iter().map(|&i| p.weight[i]).sum();
        let m = if top > 0.0 {
            (load / top).ceil().max(1.0) as usize
        } else {
            1
        };
        if m <= 1 {
            for &i in members {
                group[i] = members[0] as u32;
            }
            continue;
        }
        let pieces = cut(p, params, members, m)?;
        for (j, &i) in members.iter().enumerate() {
            // The piece's first building names the group.
            let first = members
                .iter()
                .zip(&pieces)
                .find(|(_, l)| **l == pieces[j])
                .map_or(i, |(&f, _)| f);
            group[i] = first as u32;
        }
    }
    Ok(Some(group))
}

/// A large compound cut into `m` balanced, contiguous pieces.
fn cut(
    p: &VillageProblem,
    params: &PartitionParams,
    members: &[usize],
    m: usize,
) -> Result<Vec<u32>, PartitionError> {
    let idx: Vec<u32> = members.iter().map(|&i| i as u32).collect();
    let graph = p.graph.induced(&idx);
    let pos: Vec<[f64; 2]> = members.iter().map(|&i| p.pos[i]).collect();
    let weight: Vec<f64> = members.iter().map(|&i| p.weight[i]).collect();
    let plan = partition_village(
        &VillageProblem {
            code: p.code,
            pos: &pos,
            weight: &weight,
            graph: &graph,
            fixed: &[],
            k: m,
            lineage: None,
            measures: &[],
            sides: None,
        },
        params,
    )?;
    Ok(plan.label)
}

/// Step 2: one node per group, numbered in order of the group's first
/// building.
#[expect(
    clippy::needless_range_loop,
    reason = "each loop reads several per-building arrays at the same index"
)]
fn contract(p: &VillageProblem, group: &[u32]) -> Contracted {
    let n = p.pos.len();
    let mut node_of_group = vec![u32::MAX; n];
    let mut node_of = vec![0u32; n];
    let mut next = 0u32;
    for i in 0..n {
        let g = group[i] as usize;
        if node_of_group[g] == u32::MAX {
            node_of_group[g] = next;
            next += 1;
        }
        node_of[i] = node_of_group[g];
    }
    let k = next as usize;
    let mut weight = vec![0.0; k];
    let mut acc = vec![[0.0f64; 3]; k];
    let mut fixed = vec![u32::MAX; k];
    for i in 0..n {
        let nd = node_of[i] as usize;
        let w = p.weight[i];
        weight[nd] += w;
        // Weight 0 buildings still place their node.
        let ww = if w > 0.0 { w } else { 1e-9 };
        acc[nd][0] += ww * p.pos[i][0];
        acc[nd][1] += ww * p.pos[i][1];
        acc[nd][2] += ww;
        if let Some(&f) = p.fixed.get(i) {
            fixed[nd] = f;
        }
    }
    let pos = acc.iter().map(|a| [a[0] / a[2], a[1] / a[2]]).collect();
    let mut edges: Vec<(u32, u32)> = Vec::new();
    for i in 0..n {
        for &j in p.graph.neighbors(i) {
            let (a, b) = (node_of[i], node_of[j as usize]);
            if a < b {
                edges.push((a, b));
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    let old = p.lineage.map(|l| {
        let mut o: Vec<Vec<(u32, f64)>> = vec![Vec::new(); k];
        for i in 0..n {
            let nd = node_of[i] as usize;
            let share = if weight[nd] > 0.0 {
                p.weight[i] / weight[nd]
            } else {
                0.0
            };
            for &(g, f) in l.old.get(i).map_or(&[][..], Vec::as_slice) {
                match o[nd].iter_mut().find(|(x, _)| *x == g) {
                    Some(e) => e.1 += f * share,
                    None => o[nd].push((g, f * share)),
                }
            }
        }
        o
    });
    let values = p
        .measures
        .iter()
        .map(|m| {
            let mut v = vec![0.0; k];
            for i in 0..n {
                v[node_of[i] as usize] += m.values[i];
            }
            v
        })
        .collect();
    Contracted {
        node_of,
        pos,
        weight,
        graph: Graph::from_edges(k, &edges),
        fixed: if p.fixed.is_empty() {
            Vec::new()
        } else {
            fixed
        },
        old,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::graph::village_graph;

    #[test]
    fn a_compound_that_fits_is_never_split() {
        // A 10 × 10 lattice of one-household houses, two grids; a compound
        // of 12 houses straddles the middle.
        let mut pos = Vec::new();
        for x in 0..10 {
            for y in 0..10 {
                pos.push([f64::from(x) * 10.0, f64::from(y) * 10.0]);
            }
        }
        let weight = vec![1.0; 100];
        let graph = village_graph(&pos, |_| true);
        let compound: Vec<u32> = pos
            .iter()
            .map(|p| {
                if (30.0..=60.0).contains(&p[0]) && (40.0..=50.0).contains(&p[1]) {
                    0
                } else {
                    u32::MAX
                }
            })
            .collect();
        let p = VillageProblem {
            sides: None,
            code: "v",
            pos: &pos,
            weight: &weight,
            graph: &graph,
            fixed: &[],
            k: 2,
            lineage: None,
            measures: &[],
        };
        let params = PartitionParams::new(0.1, 1);
        let c = Contracted::new(&p, &params, &compound, 55.0)
            .unwrap()
            .unwrap();
        let ms = c.measures(&p);
        let plan = c.expand(partition_village(&c.problem(&p, &ms), &params).unwrap());
        let labels: std::collections::BTreeSet<u32> = (0..100)
            .filter(|&i| compound[i] == 0)
            .map(|i| plan.label[i])
            .collect();
        assert_eq!(labels.len(), 1, "{:?}", plan.label);
        assert!(
            plan.loads.iter().all(|&l| (l - 50.0).abs() <= 8.0),
            "{:?}",
            plan.loads
        );
    }
}
