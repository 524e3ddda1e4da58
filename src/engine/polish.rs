//! Lineage polish: single border moves that keep more households in
//! lineage, after a re-allocation plan is balanced and contiguous.
//!
//! The assignment of [`crate::engine::partition`] charges a disruption
//! cost per household placed away from the centres that descend from its
//! current grid. That is a proxy: what the planner reads is lineage kept
//! (the new grid's predecessor is the household's old grid, or the new
//! grid is the old grid's successor, [`crate::metrics::stability`]), and
//! contiguity and balance repair ignore even the proxy. Small slivers of
//! an old grid end up in a neighbour's grid. This pass moves them back when
//! that keeps more households, on the exact definition.
//!
//! # Parameters
//! - `graph`, `weight`, `label`: the village's units, their loads and
//!   their grids (grids `k..` are fixed groups and are never touched);
//! - `old`: per unit, its load fractions per old grid (empty for a unit
//!   that is not free or has no old grid);
//! - `band` [lo, hi]: the load range every free grid must stay in;
//! - `block`: per unit its block between barriers, when barriers are
//!   given; moves stay inside a block;
//! - [`ROUNDS`]: passes over the units.
//!
//! # Algorithm
//! 1. Sum the load m(o, g) of every old grid o in every free grid g.
//! 2. For every unit u of a free grid g, in index order, and every other
//!    free grid g' next to it: the move is allowed when g keeps at least
//!    lo, g' stays within hi, and g stays connected without u. It is made
//!    when lineage kept, recomputed from m with u's load moved, rises by
//!    more than a thousandth of a household.
//! 3. Repeat for [`ROUNDS`] passes, or until a pass makes no move.
//!
//! Only units that hold load not kept are tried, so a plan that keeps
//! everything costs one pass over m.
//!
//! # Complexity
//! O(R · c · deg · n·k) for R rounds, c units not kept, n old and k new
//! grids (kept is recomputed from m per candidate), plus O(size of g) per
//! connectivity test of an allowed improving move.
//!
//! # Errors
//! None.

use crate::engine::graph::Graph;

/// Passes over the units; on the synthetic county a third pass finds
/// almost nothing.
pub const ROUNDS: usize = 3;

/// What the pass works on.
pub struct Polish<'a> {
    /// The village's adjacency.
    pub graph: &'a Graph,
    /// Load per unit.
    pub weight: &'a [f64],
    /// Per unit, (old grid, fraction of its load).
    pub old: &'a [Vec<(u32, f64)>],
    /// Free grids (labels below k).
    pub k: usize,
    /// Load range of a free grid.
    pub band: (f64, f64),
    /// Per unit, the block between barriers it lies in, when barriers are
    /// given: a move follows a neighbour in the same block only, so the
    /// pass never carries a grid across a barrier.
    pub block: Option<&'a [u32]>,
}

/// The load of old grid o in grid g, o-major.
struct Table {
    n_old: usize,
    k: usize,
    m: Vec<f64>,
}

impl Table {
    fn add(&mut self, fractions: &[(u32, f64)], w: f64, g: usize, sign: f64) {
        for &(o, f) in fractions {
            self.m[o as usize * self.k + g] += sign * w * f;
        }
    }

    /// Lineage kept: Σ m(o, g) over pairs where o is g's predecessor or g
    /// is o's successor (ties to the lower index, as in the metrics).
    #[expect(
        clippy::needless_range_loop,
        reason = "o and g index the table, pred and succ alike"
    )]
    fn kept(&self) -> f64 {
        let (n, k) = (self.n_old, self.k);
        let mut pred = vec![(0.0, usize::MAX); k];
        let mut succ = vec![(0.0, usize::MAX); n];
        for o in 0..n {
            for g in 0..k {
                let x = self.m[o * k + g];
                if x > pred[g].0 + 1e-9 {
                    pred[g] = (x, o);
                }
                if x > succ[o].0 + 1e-9 {
                    succ[o] = (x, g);
                }
            }
        }
        let mut kept = 0.0;
        for o in 0..n {
            for g in 0..k {
                let x = self.m[o * k + g];
                if x > 0.0 && (pred[g].1 == o || succ[o].1 == g) {
                    kept += x;
                }
            }
        }
        kept
    }
}

/// Steps 1-3 (see the module docs); returns the moves made.
pub fn polish(p: &Polish, label: &mut [u32]) -> usize {
    let k = p.k;
    let n_old = p
        .old
        .iter()
        .flat_map(|v| v.iter().map(|&(o, _)| o as usize + 1))
        .max()
        .unwrap_or(0);
    if n_old == 0 || k < 2 {
        return 0;
    }
    // 1. The table and the loads.
    let mut t = Table {
        n_old,
        k,
        m: vec![0.0; n_old * k],
    };
    let mut load = vec![0.0; k];
    for (u, &g) in label.iter().enumerate() {
        if (g as usize) < k {
            load[g as usize] += p.weight[u];
            t.add(&p.old[u], p.weight[u], g as usize, 1.0);
        }
    }
    let mut kept = t.kept();
    let mut moves = 0;
    // 2-3. Passes of single moves.
    for _ in 0..ROUNDS {
        let before = moves;
        for u in 0..label.len() {
            let g = label[u] as usize;
            if g >= k || p.old[u].is_empty() || load[g] - p.weight[u] < p.band.0 {
                continue;
            }
            if let Some((to, gain)) = best_move(p, label, &mut t, &load, u, kept)
                && stays_connected(p.graph, label, u)
            {
                t.add(&p.old[u], p.weight[u], g, -1.0);
                t.add(&p.old[u], p.weight[u], to, 1.0);
                load[g] -= p.weight[u];
                load[to] += p.weight[u];
                label[u] = u32::try_from(to).unwrap_or(label[u]);
                kept += gain;
                moves += 1;
            }
        }
        if moves == before {
            break;
        }
    }
    moves
}

/// The neighbouring free grid that gains the most lineage for unit `u`,
/// within the band.
fn best_move(
    p: &Polish,
    label: &[u32],
    t: &mut Table,
    load: &[f64],
    u: usize,
    kept: f64,
) -> Option<(usize, f64)> {
    let g = label[u] as usize;
    let w = p.weight[u];
    let mut best: Option<(usize, f64)> = None;
    let same_side = |v: usize| p.block.is_none_or(|b| b[u] == b[v]);
    for &v in p.graph.neighbors(u) {
        let to = label[v as usize] as usize;
        if !same_side(v as usize) {
            continue;
        }
        if to == g || to >= p.k || load[to] + w > p.band.1 || best.is_some_and(|b| b.0 == to) {
            continue;
        }
        t.add(&p.old[u], w, g, -1.0);
        t.add(&p.old[u], w, to, 1.0);
        let gain = t.kept() - kept;
        t.add(&p.old[u], w, to, -1.0);
        t.add(&p.old[u], w, g, 1.0);
        if gain > 1e-3 && best.is_none_or(|b| gain > b.1) {
            best = Some((to, gain));
        }
    }
    best
}

/// Does `u`'s grid stay connected without `u`?
fn stays_connected(graph: &Graph, label: &[u32], u: usize) -> bool {
    let g = label[u];
    let members: Vec<usize> = (0..label.len())
        .filter(|&i| i != u && label[i] == g)
        .collect();
    let Some(&start) = members.first() else {
        return false;
    };
    let mut seen = vec![false; label.len()];
    seen[start] = true;
    let mut stack = vec![start];
    let mut reached = 1;
    while let Some(x) = stack.pop() {
        for &y in graph.neighbors(x) {
            let y = y as usize;
            if y != u && !seen[y] && label[y] == g {
                seen[y] = true;
                reached += 1;
                stack.push(y);
            }
        }
    }
    reached == members.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A village: its graph, unit loads and old grids per unit.
    type Village = (Graph, Vec<f64>, Vec<Vec<(u32, f64)>>);

    /// A path of six units of load 1: units 0-2 and 5 from old grid 0,
    /// units 3-4 from old grid 1.
    fn path() -> Village {
        let edges: Vec<(u32, u32)> = (0..5).map(|i| (i, i + 1)).collect();
        let old = [0, 0, 0, 1, 1, 0].map(|o| vec![(o, 1.0)]).to_vec();
        (Graph::from_edges(6, &edges), vec![1.0; 6], old)
    }

    #[test]
    fn a_sliver_goes_back_when_the_band_allows() {
        let (graph, weight, old) = path();
        // Grid 0 = units 0-2 (old 0), grid 1 = units 3-5: unit 5 (old 0) is
        // lost in grid 1. It cannot reach grid 0, but unit 2 can join grid
        // 1: old 0 then ties old 1 there and, ties going to the lower
        // index, becomes its predecessor, while grid 1 stays old 1's
        // successor. Everyone is kept.
        let job = Polish {
            graph: &graph,
            weight: &weight,
            old: &old,
            k: 2,
            band: (2.0, 4.0),
            block: None,
        };
        let mut label = vec![0, 0, 0, 1, 1, 1];
        assert_eq!(polish(&job, &mut label), 1);
        assert_eq!(label, vec![0, 0, 1, 1, 1, 1]);
    }

    #[test]
    fn the_band_and_barriers_stop_a_move() {
        let (graph, weight, old) = path();
        // The improving move of the test above, blocked.
        let mut label = vec![0, 0, 0, 1, 1, 1];
        // Grid 0 may not go below 3: no move.
        let tight = Polish {
            graph: &graph,
            weight: &weight,
            old: &old,
            k: 2,
            band: (3.0, 4.0),
            block: None,
        };
        assert_eq!(polish(&tight, &mut label), 0);
        // A barrier between units 2 and 3: no move across it.
        let blocks = [0, 0, 0, 1, 1, 1];
        let walled = Polish {
            band: (2.0, 4.0),
            block: Some(&blocks),
            ..tight
        };
        assert_eq!(polish(&walled, &mut label), 0);
        assert_eq!(label, vec![0, 0, 0, 1, 1, 1]);
    }
}
