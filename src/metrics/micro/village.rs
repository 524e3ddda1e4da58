//! Steps 1-3 of the micro-grid metrics, for one village (see [`super`]).

use super::{MicroPiece, SplitRec, VillageMicro, VillageView};
use crate::engine::territory::Territory;
use crate::metrics::contiguity::set_pieces;

/// Buffers reused from one grid piece to the next.
#[derive(Default)]
struct Scratch {
    /// The piece's micro labels, sorted.
    labs: Vec<u32>,
    /// Distinct (local micro, building) pairs, sorted.
    members: Vec<(u32, u32)>,
}

/// Steps 1-3 of the module docs of [`super`] for one village.
pub(in crate::metrics) fn village_micro(
    v: &VillageView,
    land: Option<&Territory>,
    cap: f64,
) -> VillageMicro {
    let n = v.micro.len();
    let without = v.micro.iter().filter(|m| m.is_none()).count();
    if without == n {
        return VillageMicro {
            without,
            per_grid: vec![0; v.labels.len()],
            ..VillageMicro::default()
        };
    }

    // 3. Split buildings.
    let splits = split_buildings(v, cap);
    let node_hh = building_households(v);

    // 1-2. Grid pieces: points by (grid, building, micro).
    let mut by_grid: Vec<(u32, u32, u32, u32)> = (0..n)
        .map(|i| {
            (
                v.local[i] as u32,
                v.node[i],
                v.micro[i].unwrap_or(u32::MAX),
                v.households[i],
            )
        })
        .collect();
    by_grid.sort_unstable();
    let mut pieces = Vec::new();
    let mut per_grid = vec![0usize; v.labels.len()];
    let mut scratch = Scratch::default();
    for group in by_grid.chunk_by(|a, b| a.0 == b.0) {
        per_grid[group[0].0 as usize] =
            grid_pieces(v, group, &node_hh, land, &mut scratch, &mut pieces);
    }
    VillageMicro {
        pieces,
        splits,
        without,
        per_grid,
    }
}

/// Step 3: buildings of at most `cap` households whose points carry more
/// than one micro label.
fn split_buildings(v: &VillageView, cap: f64) -> Vec<SplitRec> {
    let mut splits = Vec::new();
    let mut micros: Vec<u32> = Vec::new();
    for group in v.order.chunk_by(|&a, &b| v.node[a] == v.node[b]) {
        let hh: u64 = group.iter().map(|&i| u64::from(v.households[i])).sum();
        micros.clear();
        micros.extend(group.iter().filter_map(|&i| v.micro[i]));
        micros.sort_unstable();
        micros.dedup();
        if micros.len() > 1 && hh as f64 <= cap {
            splits.push(SplitRec {
                village: v.village,
                xy: v.coords[v.node[group[0]] as usize],
                households: hh,
                micros: micros.clone(),
            });
        }
    }
    splits
}

/// Households per building (distinct coordinate) of the village.
fn building_households(v: &VillageView) -> Vec<u64> {
    let node_count = v.node.iter().map(|&x| x as usize + 1).max().unwrap_or(0);
    let mut node_hh = vec![0u64; node_count];
    for (i, &nd) in v.node.iter().enumerate() {
        node_hh[nd as usize] += u64::from(v.households[i]);
    }
    node_hh
}

/// Steps 1-2 for one grid piece: `group` holds its (grid, building, micro,
/// households) rows, sorted. Pushes one [`MicroPiece`] per micro label onto
/// `pieces` and returns the number of labels.
fn grid_pieces(
    v: &VillageView,
    group: &[(u32, u32, u32, u32)],
    node_hh: &[u64],
    land: Option<&Territory>,
    s: &mut Scratch,
    pieces: &mut Vec<MicroPiece>,
) -> usize {
    let g = group[0].0 as usize;
    s.labs.clear();
    s.labs
        .extend(group.iter().map(|t| t.2).filter(|&m| m != u32::MAX));
    s.labs.sort_unstable();
    s.labs.dedup();
    if s.labs.is_empty() {
        return 0;
    }
    let mut hh = vec![0u64; s.labs.len()];
    s.members.clear();
    for &(_, node, m, h) in group {
        if m == u32::MAX {
            continue;
        }
        let ml = s.labs.binary_search(&m).unwrap_or(0);
        hh[ml] += u64::from(h);
        s.members.push((ml as u32, node));
    }
    s.members.sort_unstable();
    s.members.dedup();
    let mut nodes = vec![0usize; s.labs.len()];
    let mut one_node = vec![0u32; s.labs.len()];
    for &(ml, node) in &s.members {
        nodes[ml as usize] += 1;
        one_node[ml as usize] = node;
    }
    // Even a single label covering the whole grid piece is measured: the
    // grid itself may be in pieces.
    let cut = set_pieces(land, &s.members, s.labs.len());
    for (ml, &m) in s.labs.iter().enumerate() {
        pieces.push(MicroPiece {
            micro: m,
            village: v.village,
            grid: v.labels[g],
            pieces: cut[ml],
            households: hh[ml],
            nodes: nodes[ml],
            building_households: if nodes[ml] == 1 {
                node_hh[one_node[ml] as usize]
            } else {
                0
            },
        });
    }
    s.labs.len()
}
