//! Lineage polish: border moves, single or in pairs, that keep more
//! households in lineage, after a re-allocation plan is balanced and
//! contiguous.
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
//! - `norm`: the household norm (`--band`) as a load range, when the load
//!   is the household count; a grid inside it stays inside it, so the pass
//!   never costs the planner grids in 300-500;
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
//!    2b. When the grid next to u is too full to take it, try a pair: a
//!    unit v of that grid moves on to a grid next to v (u's own included),
//!    making room. The pair is made when lineage kept rises and the three
//!    grids touched stay in the band and connected (an ejection chain of
//!    length two). Symmetrically, when u's own grid would fall below the
//!    band, a unit of a grid next to it may come in to refill it (a pull).
//!    On the synthetic county single moves add 0.3-0.5 points of lineage,
//!    pushes 0.3 (0.7 on strip-shaped current grids) and pulls 0.3, with
//!    3.6 points of clean grids in all (BENCHMARKS.md, issue 11).
//! 3. Repeat for [`ROUNDS`] passes, or until a pass makes no move.
//!
//! # Complexity
//! Single moves: O(R · u · deg · n·k) for R rounds, u border units, n old
//! and k new grids (kept is recomputed from m per candidate). Pairs: for
//! each unit next to a full grid, O(units · deg) candidates of the same
//! cost. Each move made costs O(size) for the connectivity tests. On the
//! Rui'an-sized county the pass adds about 0.1 s to partition.
//!
//! # Errors
//! None.

use crate::engine::graph::Graph;

/// The share of a clean grid drawn from its predecessor
/// ([`crate::metrics::stability::CLEAN_SHARE`]).
const CLEAN: f64 = 0.9;

/// The score of one clean grid, in load: far below one household, so a
/// clean grid only breaks ties between moves that keep the same lineage,
/// and lineage is never traded for it; above the 10⁻³ a move must gain.
/// On the synthetic county it adds 0.5-1.3 points of clean grids.
pub const CLEAN_TIE: f64 = 0.01;

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
    /// The household norm as a load range, when the load is the household
    /// count: a grid inside it is never moved out of it.
    pub norm: Option<(f64, f64)>,
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
    /// Per new grid (its predecessor's load, the predecessor); per old grid
    /// (its successor's share, the successor). Ties go to the lower index.
    #[expect(
        clippy::type_complexity,
        clippy::needless_range_loop,
        reason = "two parallel tables of (load, index), read side by side; o indexes m and succ"
    )]
    fn pred_succ(&self) -> (Vec<(f64, usize)>, Vec<(f64, usize)>) {
        let (n, k) = (self.n_old, self.k);
        let mut pred = vec![(0.0, usize::MAX); k];
        let mut succ = vec![(0.0, usize::MAX); n];
        for o in 0..n {
            for (g, p) in pred.iter_mut().enumerate() {
                let x = self.m[o * k + g];
                if x > p.0 + 1e-9 {
                    *p = (x, o);
                }
                if x > succ[o].0 + 1e-9 {
                    succ[o] = (x, g);
                }
            }
        }
        (pred, succ)
    }

    fn add(&mut self, fractions: &[(u32, f64)], w: f64, g: usize, sign: f64) {
        for &(o, f) in fractions {
            self.m[o as usize * self.k + g] += sign * w * f;
        }
    }

    /// The score: lineage kept, Σ m(o, g) over pairs where o is g's
    /// predecessor or g is o's successor (ties to the lower index, as in
    /// the metrics), plus [`CLEAN_TIE`] per clean grid.
    #[expect(
        clippy::needless_range_loop,
        reason = "o and g index the table, pred and succ alike"
    )]
    fn kept(&self) -> f64 {
        let (n, k) = (self.n_old, self.k);
        let (pred, succ) = self.pred_succ();
        let mut kept = 0.0;
        let mut total = vec![0.0; k];
        for o in 0..n {
            for g in 0..k {
                let x = self.m[o * k + g];
                total[g] += x;
                if x > 0.0 && (pred[g].1 == o || succ[o].1 == g) {
                    kept += x;
                }
            }
        }
        let clean = (0..k)
            .filter(|&g| total[g] > 0.0 && pred[g].0 >= CLEAN * total[g] - 1e-9)
            .count();
        kept + CLEAN_TIE * clean as f64
    }
}

/// The pass's working state: the table, the grid loads and lineage kept.
struct Work<'a, 'b> {
    p: &'a Polish<'b>,
    t: Table,
    load: Vec<f64>,
    kept: f64,
}

impl Work<'_, '_> {
    /// Moves unit `u` to grid `to` in the table and the loads (not in
    /// `label`).
    fn shift(&mut self, u: usize, from: usize, to: usize) {
        let w = self.p.weight[u];
        self.t.add(&self.p.old[u], w, from, -1.0);
        self.t.add(&self.p.old[u], w, to, 1.0);
        self.load[from] -= w;
        self.load[to] += w;
    }

    fn fits(&self, g: usize, delta: f64) -> bool {
        let x = self.load[g] + delta;
        let within = |(a, b): (f64, f64), y: f64| y >= a - 1e-9 && y <= b + 1e-9;
        within(self.p.band, x)
            && self
                .p
                .norm
                .is_none_or(|n| !within(n, self.load[g]) || within(n, x))
    }

    /// Are `u` and `v` on the same side of every barrier?
    fn same_side(&self, u: usize, v: usize) -> bool {
        self.p.block.is_none_or(|b| b[u] == b[v])
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
    let mut w = Work {
        p,
        t: Table {
            n_old,
            k,
            m: vec![0.0; n_old * k],
        },
        load: vec![0.0; k],
        kept: 0.0,
    };
    for (u, &g) in label.iter().enumerate() {
        if (g as usize) < k {
            w.load[g as usize] += p.weight[u];
            w.t.add(&p.old[u], p.weight[u], g as usize, 1.0);
        }
    }
    w.kept = w.t.kept();
    let mut moves = 0;
    // 2-3. Passes of single moves, then of pairs.
    for _ in 0..ROUNDS {
        let made = single_moves(&mut w, label) + pair_moves(&mut w, label);
        moves += made;
        if made == 0 {
            break;
        }
    }
    moves
}

/// Step 2: one pass of single moves.
fn single_moves(w: &mut Work, label: &mut [u32]) -> usize {
    let p = w.p;
    let mut moves = 0;
    for u in 0..label.len() {
        let g = label[u] as usize;
        if g >= p.k || p.old[u].is_empty() || !w.fits(g, -p.weight[u]) {
            continue;
        }
        if let Some((to, gain)) = best_move(p, label, &mut w.t, &w.load, u, w.kept)
            && stays_connected(p.graph, label, u)
        {
            w.shift(u, g, to);
            label[u] = u32::try_from(to).unwrap_or(label[u]);
            w.kept += gain;
            moves += 1;
        }
    }
    moves
}

/// Step 2b: one pass of pairs. Unit u goes to a neighbouring grid `to` that
/// is too full to take it, and a unit v of `to` makes room by going on to
/// a grid next to it (u's own grid included): an ejection chain of length
/// two, kept when lineage kept rises and every grid touched stays
/// connected.
fn pair_moves(w: &mut Work, label: &mut [u32]) -> usize {
    let p = w.p;
    let mut moves = 0;
    // Pairs are tried for units holding load not kept at the start of the
    // pass: the others rarely gain, and the search per unit scans the
    // village, so this keeps the pass near linear.
    let (pred, succ) = w.t.pred_succ();
    let lost = |u: usize, g: usize| {
        p.old[u]
            .iter()
            .any(|&(o, _)| pred[g].1 != o as usize && succ[o as usize].1 != g)
    };
    for u in 0..label.len() {
        let g = label[u] as usize;
        if g >= p.k || p.old[u].is_empty() || !lost(u, g) {
            continue;
        }
        let push = best_pair(w, label, u).map(|(to, v, g2, gain)| (to, v, to, g2, gain));
        let pull = best_pull(w, label, u).map(|(to, v, g2, gain)| (to, v, g2, g, gain));
        let Some((to, v, from_v, to_v, gain)) = [push, pull]
            .into_iter()
            .flatten()
            .max_by(|a, b| a.4.total_cmp(&b.4))
        else {
            continue;
        };
        w.shift(u, g, to);
        label[u] = u32::try_from(to).unwrap_or(label[u]);
        w.shift(v, from_v, to_v);
        label[v] = u32::try_from(to_v).unwrap_or(label[v]);
        let whole = [g, to, from_v, to_v]
            .iter()
            .all(|&x| grid_connected(p.graph, label, x));
        if whole {
            w.kept += gain;
            moves += 1;
        } else {
            w.shift(v, to_v, from_v);
            label[v] = u32::try_from(from_v).unwrap_or(label[v]);
            w.shift(u, to, g);
            label[u] = u32::try_from(g).unwrap_or(label[u]);
        }
    }
    moves
}

/// The best pull for unit `u`: u goes to a neighbouring grid `to` that
/// can take it, but its own grid g would fall below the band; a unit v of
/// a grid g2 next to g comes in to refill it. Returns (to, v, g2, gain).
fn best_pull(w: &mut Work, label: &[u32], u: usize) -> Option<(usize, usize, usize, f64)> {
    let p = w.p;
    let g = label[u] as usize;
    let wu = p.weight[u];
    if w.fits(g, -wu) {
        return None;
    }
    let mut tos: Vec<usize> = p
        .graph
        .neighbors(u)
        .iter()
        .map(|&x| x as usize)
        .filter(|&x| w.same_side(u, x))
        .map(|x| label[x] as usize)
        .filter(|&to| to != g && to < p.k && w.fits(to, wu))
        .collect();
    tos.sort_unstable();
    tos.dedup();
    let mut best: Option<(usize, usize, usize, f64)> = None;
    for &to in &tos {
        for v in 0..label.len() {
            let g2 = label[v] as usize;
            if g2 == g || g2 >= p.k || v == u || p.old[v].is_empty() {
                continue;
            }
            let touches = p.graph.neighbors(v).iter().any(|&x| {
                let x = x as usize;
                x != u && label[x] as usize == g && w.same_side(v, x)
            });
            let wv = p.weight[v];
            let fits = if g2 == to {
                w.fits(g, wv - wu) && w.fits(to, wu - wv)
            } else {
                w.fits(g, wv - wu) && w.fits(to, wu) && w.fits(g2, -wv)
            };
            if !touches || !fits {
                continue;
            }
            w.shift(u, g, to);
            w.shift(v, g2, g);
            let gain = w.t.kept() - w.kept;
            w.shift(v, g, g2);
            w.shift(u, to, g);
            if gain > 1e-3 && best.is_none_or(|b| gain > b.3) {
                best = Some((to, v, g2, gain));
            }
        }
    }
    best
}

/// The best pair for unit `u` (see [`pair_moves`]): (to, v, g2, gain).
fn best_pair(w: &mut Work, label: &[u32], u: usize) -> Option<(usize, usize, usize, f64)> {
    let p = w.p;
    let g = label[u] as usize;
    let wu = p.weight[u];
    let mut best: Option<(usize, usize, usize, f64)> = None;
    let mut tos: Vec<usize> = p
        .graph
        .neighbors(u)
        .iter()
        .map(|&x| x as usize)
        .filter(|&x| w.same_side(u, x))
        .map(|x| label[x] as usize)
        .filter(|&to| to != g && to < p.k && !w.fits(to, wu))
        .collect();
    tos.sort_unstable();
    tos.dedup();
    for to in tos {
        for v in (0..label.len()).filter(|&v| label[v] as usize == to && !p.old[v].is_empty()) {
            let wv = p.weight[v];
            for &x in p.graph.neighbors(v) {
                let (x, g2) = (x as usize, label[x as usize] as usize);
                if g2 == to || g2 >= p.k || !w.same_side(v, x) {
                    continue;
                }
                let fits = if g2 == g {
                    w.fits(g, wv - wu) && w.fits(to, wu - wv)
                } else {
                    w.fits(g, -wu) && w.fits(to, wu - wv) && w.fits(g2, wv)
                };
                if !fits || best.is_some_and(|b| b.1 == v && b.2 == g2) {
                    continue;
                }
                w.shift(u, g, to);
                w.shift(v, to, g2);
                let gain = w.t.kept() - w.kept;
                w.shift(v, g2, to);
                w.shift(u, to, g);
                if gain > 1e-3 && best.is_none_or(|b| gain > b.3) {
                    best = Some((to, v, g2, gain));
                }
            }
        }
    }
    best
}

/// Is grid `g` connected?
fn grid_connected(graph: &Graph, label: &[u32], g: usize) -> bool {
    let members: Vec<usize> = (0..label.len())
        .filter(|&i| label[i] as usize == g)
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
            if !seen[y] && label[y] as usize == g {
                seen[y] = true;
                reached += 1;
                stack.push(y);
            }
        }
    }
    reached == members.len()
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
            norm: None,
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
            norm: None,
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
        // A household norm of exactly 3: both grids hold 3, so neither may
        // leave it.
        let normed = Polish {
            band: (2.0, 4.0),
            norm: Some((3.0, 3.0)),
            ..tight
        };
        assert_eq!(polish(&normed, &mut label), 0);
        assert_eq!(label, vec![0, 0, 0, 1, 1, 1]);
    }

    /// On random 4×4 lattices cut into four columns, polishing never
    /// lowers lineage kept, keeps every grid in its band and connected, and
    /// moves something on some of them (pairs included).
    #[test]
    fn polishing_keeps_the_band_and_connectivity_and_never_loses() {
        let mut edges = Vec::new();
        for r in 0..4u32 {
            for c in 0..4u32 {
                let i = 4 * r + c;
                if c < 3 {
                    edges.push((i, i + 1));
                }
                if r < 3 {
                    edges.push((i, i + 4));
                }
            }
        }
        let graph = Graph::from_edges(16, &edges);
        let weight = vec![1.0; 16];
        let mut rng = crate::engine::rng::Rng::new(21);
        let mut moved = 0;
        for _ in 0..200 {
            let old: Vec<Vec<(u32, f64)>> = (0..16)
                .map(|_| vec![(u32::try_from(rng.below(4)).unwrap_or(0), 1.0)])
                .collect();
            let mut label: Vec<u32> = (0..16).map(|i| i % 4).collect();
            let job = Polish {
                graph: &graph,
                weight: &weight,
                old: &old,
                k: 4,
                band: (3.0, 5.0),
                norm: None,
                block: None,
            };
            let kept = |label: &[u32]| {
                let mut t = Table {
                    n_old: 4,
                    k: 4,
                    m: vec![0.0; 16],
                };
                for (u, &g) in label.iter().enumerate() {
                    t.add(&old[u], 1.0, g as usize, 1.0);
                }
                t.kept()
            };
            let before = kept(&label);
            moved += polish(&job, &mut label);
            assert!(kept(&label) >= before - 1e-9);
            for g in 0..4 {
                let n = label.iter().filter(|&&x| x == g).count();
                assert!((3..=5).contains(&n), "grid {g} has {n}");
                assert!(grid_connected(&graph, &label, g as usize));
            }
        }
        assert!(moved > 0);
    }
}
