//! Micro-grid metrics (docs/DESIGN.md §5, "Micro-grids"): the distribution of sizes,
//! the number per grid, buildings split across micro-grids, nesting of
//! micro-grids in their grids, and their contiguity.
//!
//! A micro-grid (微网格) is a label, an index into `micro_codes`, carried by
//! each point ([`super::PointRec::micro`]). Like grids, a label is measured
//! wherever its points are: its *pieces* are its (village, grid) pairs, and
//! with nesting intact (the goal) a micro-grid has exactly one piece.
//!
//! # Parameters
//! - `micro_band` (default 20-80 households): docs/DESIGN.md §2, "Micro-grid: 5-7
//!   per grid, i.e. about 40-80 households. Default target 50, band 20-80".
//!   Its upper end is also the *micro-grid cap* that makes a building
//!   oversize (docs/DESIGN.md §2: "A building larger than the micro-grid cap becomes
//!   one or more micro-grids of its own").
//!
//! # Definitions
//! - **Size**: the households of a micro-grid, summed over all its points.
//!   Percentiles use linear interpolation between order statistics (numpy's
//!   default): the q-quantile of n sorted sizes is read at position
//!   q·(n − 1). The histogram has [`SIZE_BUCKETS`] buckets of
//!   [`SIZE_BUCKET_WIDTH`] households (0-9, 10-19, ..., 140-149) and a last
//!   one for 150 and more.
//! - **Oversize micro-grid**: a single piece on a single distinct coordinate
//!   (one building) whose building holds more than `micro_band.1`
//!   households in all (the micro-grid itself may be a cut within the band). These are
//!   legitimate: an oversize building is cut into ⌈h / max⌉ micro-grids of
//!   its own. They are excluded from the band share.
//! - **In band**: `micro_band.0 <= households <= micro_band.1`, counted over
//!   the non-oversize micro-grids.
//! - **Per grid**: the number of distinct micro labels among a grid's points
//!   (over all its villages). The histogram counts grids having 1, 2, ...,
//!   12 micro-grids, and 13 or more in its last bucket; grids with none are
//!   counted apart (`grids_without_micro`), and enter min and mean as 0.
//! - **Buildings split**: distinct coordinates of a village whose labelled
//!   points carry more than one micro label, except buildings whose total
//!   households (all points at the coordinate) exceed `micro_band.1`, which
//!   may legitimately be cut. Goal 0.
//! - **Nesting**: a micro-grid violates nesting when its points lie in more
//!   than one grid, or in one grid that is not the parent the plan declares
//!   for it (`micro_parent`, when given). Goal 0.
//! - **Type**: a micro-grid belongs to a dedicated grid when the lowest grid
//!   label among its points is dedicated (with nesting intact, its only
//!   grid).
//!
//! # Algorithm
//! Per village (in parallel with the rest of the village work):
//! 1. Sort the points by (grid, building) and walk each grid piece. Its
//!    graph nodes are the distinct coordinates of all its points, in (x, y)
//!    order; each micro label present gets its node set and its households.
//! 2. When the piece holds two or more micro labels, or one label that does
//!    not cover all the piece's buildings, build the grid's Delaunay graph
//!    with [`crate::engine::graph::village_graph`] over those coordinates, keeping an
//!    edge when the village polygon contains its midpoint (the rule used for
//!    grids), and count the components of each micro label's induced
//!    subgraph by breadth-first search. Otherwise the single label covers
//!    the whole (always connected) graph and has one component, so no graph
//!    is built.
//! 3. Walk the buildings (points sorted by coordinate) for split buildings.
//!
//! Then for the county, sequentially and in label order:
//! 4. Sort the pieces by (micro, village, grid); each micro label's group
//!    gives its size, grids, type, oversize flag, nesting and contiguity (a
//!    micro-grid is contiguous when it has one piece with one component).
//! 5. Sizes and per-grid counts are sorted and summarised.
//!
//! # Complexity
//! O(n log n) per village for the sorts and the grid triangulations (each
//! point is in one grid piece, so the grid graphs together are no larger
//! than the village graph), plus one point-in-polygon test per grid-graph
//! edge; O(m log m) for the county step over m micro pieces.

use super::{MAX_LISTED, code_of, grid_components, share};
use crate::engine::graph::village_graph;
use serde::Serialize;

/// Width of a size-histogram bucket, in households.
pub const SIZE_BUCKET_WIDTH: u64 = 10;

/// Buckets of the size histogram: 0-9, ..., 140-149, and 150 or more.
pub const SIZE_BUCKETS: usize = 16;

/// Buckets of the per-grid histogram: 1, 2, ..., 12, and 13 or more.
pub const PER_GRID_BUCKETS: usize = 13;

/// Micro-grid metrics of the county (see the module docs).
#[derive(Serialize, Clone, Debug)]
pub struct MicroMetrics {
    /// Distinct micro-grid labels with at least one point.
    pub count: usize,
    /// Micro-grids of full-scope grids.
    pub full_scope: usize,
    /// Micro-grids of dedicated grids.
    pub dedicated: usize,
    /// Points without a micro label (0 for a complete plan); they count for
    /// their grid's graph and their building's households only.
    pub points_without_micro: usize,
    /// Households per micro-grid.
    pub sizes: MicroSizes,
    /// Micro-grids per grid.
    pub per_grid: MicroPerGrid,
    /// Single-building micro-grids above `micro_band.1` (legitimate).
    pub oversize: usize,
    /// Non-oversize micro-grids whose households lie in `micro_band`.
    pub in_band: usize,
    /// `in_band` / (count − oversize).
    pub in_band_share: f64,
    /// Buildings of at most `micro_band.1` households split across micro-grids
    /// (goal 0).
    pub buildings_split: usize,
    /// Up to [`MAX_LISTED`] of them, in village order then (x, y) order.
    pub split_examples: Vec<SplitBuilding>,
    /// Nesting of micro-grids in grids.
    pub nesting: MicroNesting,
    /// Contiguity of micro-grids on their grid's graph.
    pub contiguity: MicroContiguity,
}

/// Distribution of households per micro-grid.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MicroSizes {
    /// Smallest.
    pub min: u64,
    /// 10th percentile (linear interpolation).
    pub p10: f64,
    /// Median (linear interpolation).
    pub median: f64,
    /// 90th percentile (linear interpolation).
    pub p90: f64,
    /// Largest.
    pub max: u64,
    /// Mean.
    pub mean: f64,
    /// Counts per [`SIZE_BUCKET_WIDTH`]-household bucket; the last of the
    /// [`SIZE_BUCKETS`] holds 150 and more.
    pub histogram: Vec<usize>,
}

/// Distribution of micro-grids per grid.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MicroPerGrid {
    /// Fewest micro-grids in a grid (0 when a grid has none).
    pub min: usize,
    /// Mean over all grids.
    pub mean: f64,
    /// Most micro-grids in a grid.
    pub max: usize,
    /// Grids having 1, 2, ..., 12 micro-grids, then 13 or more.
    pub histogram: Vec<usize>,
    /// Grids without any micro-labelled point.
    pub grids_without_micro: usize,
}

/// One building split across micro-grids.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct SplitBuilding {
    /// Village code.
    pub village: String,
    /// The building's coordinate, local metres.
    pub xy: [f64; 2],
    /// Households at the building.
    pub households: u64,
    /// The micro-grid codes it is split across (up to [`MAX_LISTED`]).
    pub micro_grids: Vec<String>,
}

/// Micro-grids that cross their grid.
#[derive(Serialize, Clone, Debug)]
pub struct MicroNesting {
    /// Micro-grids in more than one grid or outside their declared parent
    /// (goal 0).
    pub violations: usize,
    /// Up to [`MAX_LISTED`] of them, in label order.
    pub examples: Vec<MicroNestingViolation>,
}

/// One micro-grid that crosses its grid.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MicroNestingViolation {
    /// Micro-grid code.
    pub micro: String,
    /// The grids its points lie in (up to [`MAX_LISTED`]), in label order.
    pub grids: Vec<String>,
    /// The parent the plan declares, if any.
    pub declared_parent: Option<String>,
}

/// Contiguity of micro-grids.
#[derive(Serialize, Clone, Debug)]
pub struct MicroContiguity {
    /// Contiguous micro-grids.
    pub contiguous: usize,
    /// `contiguous` / count (goal 1).
    pub contiguous_share: f64,
    /// Non-contiguous micro-grids.
    pub non_contiguous: usize,
    /// Up to [`MAX_LISTED`] of them, in label order.
    pub examples: Vec<NonContiguousMicro>,
}

/// One micro-grid that falls apart on its grid's graph.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct NonContiguousMicro {
    /// Micro-grid code.
    pub micro: String,
    /// The grid of its first piece.
    pub grid: String,
    /// The village of its first piece.
    pub village: String,
    /// Components summed over its pieces (>= 2).
    pub components: usize,
}

/// One (village, grid, micro) piece.
#[derive(Clone, Debug)]
pub(super) struct MicroPiece {
    pub micro: u32,
    pub village: u32,
    pub grid: u32,
    pub components: usize,
    pub households: u64,
    pub nodes: usize,
    /// Households of the whole building when the piece is one building.
    pub building_households: u64,
}

/// One split building of a village.
#[derive(Clone, Debug)]
pub(super) struct SplitRec {
    pub village: u32,
    pub xy: [f64; 2],
    pub households: u64,
    pub micros: Vec<u32>,
}

/// What one village contributes to the micro metrics.
#[derive(Clone, Debug, Default)]
pub(super) struct VillageMicro {
    pub pieces: Vec<MicroPiece>,
    pub splits: Vec<SplitRec>,
    pub without: usize,
    /// Distinct micro labels per local grid.
    pub per_grid: Vec<usize>,
}

/// The village's points as the micro step sees them.
pub(super) struct VillageView<'a> {
    pub village: u32,
    pub households: &'a [u32],
    pub micro: &'a [Option<u32>],
    /// Local grid index per point.
    pub local: &'a [usize],
    /// Grid labels by local index.
    pub labels: &'a [u32],
    /// Building (distinct coordinate) per point.
    pub node: &'a [u32],
    /// Distinct coordinates in (x, y) order.
    pub coords: &'a [[f64; 2]],
    /// Points sorted by building.
    pub order: &'a [usize],
}

/// Steps 1-3 of the module docs for one village.
pub(super) fn village_micro(
    v: &VillageView,
    inside: &dyn Fn([f64; 2]) -> bool,
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

    // Households per building (distinct coordinate) of the village.
    let node_count = v.node.iter().map(|&x| x as usize + 1).max().unwrap_or(0);
    let mut node_hh = vec![0u64; node_count];
    for (i, &nd) in v.node.iter().enumerate() {
        node_hh[nd as usize] += u64::from(v.households[i]);
    }

    // 1-2. Grid pieces.
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
    let mut grid_nodes: Vec<u32> = Vec::new();
    let mut labs: Vec<u32> = Vec::new();
    let mut members: Vec<(u32, u32)> = Vec::new();
    for group in by_grid.chunk_by(|a, b| a.0 == b.0) {
        let g = group[0].0 as usize;
        grid_nodes.clear();
        grid_nodes.extend(group.iter().map(|t| t.1));
        grid_nodes.dedup();
        labs.clear();
        labs.extend(group.iter().map(|t| t.2).filter(|&m| m != u32::MAX));
        labs.sort_unstable();
        labs.dedup();
        per_grid[g] = labs.len();
        if labs.is_empty() {
            continue;
        }
        let mut hh = vec![0u64; labs.len()];
        members.clear();
        for &(_, node, m, h) in group {
            if m == u32::MAX {
                continue;
            }
            let ml = labs.binary_search(&m).unwrap_or(0);
            hh[ml] += u64::from(h);
            // Both lists are sorted, so the grid-local node is a search away.
            let gn = grid_nodes.binary_search(&node).unwrap_or(0) as u32;
            members.push((ml as u32, gn));
        }
        members.sort_unstable();
        members.dedup();
        let mut nodes = vec![0usize; labs.len()];
        let mut one_node = vec![0u32; labs.len()];
        for &(ml, gn) in &members {
            nodes[ml as usize] += 1;
            one_node[ml as usize] = grid_nodes[gn as usize];
        }
        let needs_graph = grid_nodes.len() >= 2 && (labs.len() >= 2 || nodes[0] < grid_nodes.len());
        let components = if needs_graph {
            let pts: Vec<[f64; 2]> = grid_nodes.iter().map(|&c| v.coords[c as usize]).collect();
            let graph = village_graph(&pts, inside);
            grid_components(&graph, &members, labs.len(), pts.len())
        } else {
            vec![1; labs.len()]
        };
        for (ml, &m) in labs.iter().enumerate() {
            pieces.push(MicroPiece {
                micro: m,
                village: v.village,
                grid: v.labels[g],
                components: components[ml],
                households: hh[ml],
                nodes: nodes[ml],
                building_households: if nodes[ml] == 1 {
                    node_hh[one_node[ml] as usize]
                } else {
                    0
                },
            });
        }
    }
    VillageMicro {
        pieces,
        splits,
        without,
        per_grid,
    }
}

/// The county inputs of steps 4-5.
pub(super) struct CountyView<'a> {
    pub micro_codes: &'a [String],
    pub micro_parent: &'a [u32],
    pub grid_codes: &'a [String],
    pub village_codes: &'a [&'a str],
    /// Is grid label `g` dedicated.
    pub dedicated: &'a dyn Fn(u32) -> bool,
    /// Every distinct grid label of the plan, sorted.
    pub grid_labels: &'a [u32],
    pub band: (f64, f64),
}

/// The value at quantile `q` of sorted `xs`, by linear interpolation.
fn quantile(xs: &[u64], q: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let pos = q * (xs.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (xs[lo] as f64, xs[hi] as f64);
    a + (b - a) * (pos - lo as f64)
}

/// Steps 4-5 of the module docs.
pub(super) fn aggregate(
    mut pieces: Vec<MicroPiece>,
    splits: Vec<SplitRec>,
    without: usize,
    c: &CountyView,
) -> MicroMetrics {
    pieces.sort_unstable_by_key(|p| (p.micro, p.village, p.grid));
    let mut sizes: Vec<u64> = Vec::new();
    let (mut full_scope, mut dedicated, mut oversize, mut in_band) = (0, 0, 0, 0);
    let (mut contiguous, mut nest_violations) = (0, 0);
    let mut nest_examples = Vec::new();
    let mut cont_examples = Vec::new();
    let mut grid_micro: Vec<(u32, u32)> = Vec::with_capacity(pieces.len());
    let mut grids: Vec<u32> = Vec::new();
    for group in pieces.chunk_by(|a, b| a.micro == b.micro) {
        let m = group[0].micro;
        let hh: u64 = group.iter().map(|p| p.households).sum();
        sizes.push(hh);
        grids.clear();
        grids.extend(group.iter().map(|p| p.grid));
        grids.sort_unstable();
        grids.dedup();
        grid_micro.extend(grids.iter().map(|&g| (g, m)));
        if (c.dedicated)(grids[0]) {
            dedicated += 1;
        } else {
            full_scope += 1;
        }
        // One building whose whole household count exceeds the cap, even
        // when this piece of it is inside the band (a cut tower).
        let is_oversize = group.len() == 1
            && group[0].nodes == 1
            && group[0].building_households as f64 > c.band.1;
        if is_oversize {
            oversize += 1;
        } else if hh as f64 >= c.band.0 && hh as f64 <= c.band.1 {
            in_band += 1;
        }
        let parent = c.micro_parent.get(m as usize).copied();
        if grids.len() > 1 || parent.is_some_and(|p| p != grids[0]) {
            nest_violations += 1;
            if nest_examples.len() < MAX_LISTED {
                nest_examples.push(MicroNestingViolation {
                    micro: code_of(c.micro_codes, m),
                    grids: grids
                        .iter()
                        .take(MAX_LISTED)
                        .map(|&g| code_of(c.grid_codes, g))
                        .collect(),
                    declared_parent: parent.map(|p| code_of(c.grid_codes, p)),
                });
            }
        }
        let components: usize = group.iter().map(|p| p.components).sum();
        if group.len() == 1 && components <= 1 {
            contiguous += 1;
        } else if cont_examples.len() < MAX_LISTED {
            cont_examples.push(NonContiguousMicro {
                micro: code_of(c.micro_codes, m),
                grid: code_of(c.grid_codes, group[0].grid),
                village: c
                    .village_codes
                    .get(group[0].village as usize)
                    .map_or_else(String::new, |s| (*s).to_string()),
                components,
            });
        }
    }
    let count = sizes.len();

    sizes.sort_unstable();
    let mut histogram = vec![0usize; SIZE_BUCKETS];
    for &s in &sizes {
        histogram[((s / SIZE_BUCKET_WIDTH) as usize).min(SIZE_BUCKETS - 1)] += 1;
    }
    let size_stats = MicroSizes {
        min: sizes.first().copied().unwrap_or(0),
        p10: quantile(&sizes, 0.1),
        median: quantile(&sizes, 0.5),
        p90: quantile(&sizes, 0.9),
        max: sizes.last().copied().unwrap_or(0),
        mean: if count > 0 {
            sizes.iter().sum::<u64>() as f64 / count as f64
        } else {
            0.0
        },
        histogram,
    };

    // Micro-grids per grid label, over all of the plan's grids.
    grid_micro.sort_unstable();
    grid_micro.dedup();
    let mut per: Vec<usize> = vec![0; c.grid_labels.len()];
    for group in grid_micro.chunk_by(|a, b| a.0 == b.0) {
        if let Ok(i) = c.grid_labels.binary_search(&group[0].0) {
            per[i] = group.len();
        }
    }
    let mut per_hist = vec![0usize; PER_GRID_BUCKETS];
    for &k in per.iter().filter(|&&k| k > 0) {
        per_hist[(k - 1).min(PER_GRID_BUCKETS - 1)] += 1;
    }
    let per_grid = MicroPerGrid {
        min: per.iter().copied().min().unwrap_or(0),
        mean: if per.is_empty() {
            0.0
        } else {
            per.iter().sum::<usize>() as f64 / per.len() as f64
        },
        max: per.iter().copied().max().unwrap_or(0),
        histogram: per_hist,
        grids_without_micro: per.iter().filter(|&&k| k == 0).count(),
    };

    MicroMetrics {
        count,
        full_scope,
        dedicated,
        points_without_micro: without,
        sizes: size_stats,
        per_grid,
        oversize,
        in_band,
        in_band_share: share(in_band, count - oversize),
        buildings_split: splits.len(),
        split_examples: splits
            .iter()
            .take(MAX_LISTED)
            .map(|s| SplitBuilding {
                village: c
                    .village_codes
                    .get(s.village as usize)
                    .map_or_else(String::new, |v| (*v).to_string()),
                xy: s.xy,
                households: s.households,
                micro_grids: s
                    .micros
                    .iter()
                    .take(MAX_LISTED)
                    .map(|&m| code_of(c.micro_codes, m))
                    .collect(),
            })
            .collect(),
        nesting: MicroNesting {
            violations: nest_violations,
            examples: nest_examples,
        },
        contiguity: MicroContiguity {
            contiguous,
            contiguous_share: share(contiguous, count),
            non_contiguous: count - contiguous,
            examples: cont_examples,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let xs = [10, 20, 30, 40, 50];
        assert_eq!(quantile(&xs, 0.5), 30.0);
        // Position 0.4 between 10 and 20.
        assert!((quantile(&xs, 0.1) - 14.0).abs() < 1e-12);
        assert!((quantile(&xs, 0.9) - 46.0).abs() < 1e-12);
        assert_eq!(quantile(&[7], 0.9), 7.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        // Even count: the median is the mean of the middle two.
        assert_eq!(quantile(&[1, 2, 3, 4], 0.5), 2.5);
    }
}
