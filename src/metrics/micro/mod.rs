//! Micro-grid metrics (docs/DESIGN.md §5, "Micro-grids"): the distribution of sizes,
//! the number per grid, buildings split across micro-grids, nesting of
//! micro-grids in their grids, and their contiguity.
//!
//! A micro-grid (微网格) is a label, an index into `micro_codes`, carried by
//! each point ([`PointRec::micro`](crate::metrics::PointRec::micro)). Like
//! grids, a label is measured wherever its points are: its *pieces* are its (village, grid) pairs, and
//! with nesting intact (the goal) a micro-grid has exactly one piece.
//!
//! # Parameters
//! - `micro_band` (default [`crate::config::MICRO_BAND`], 20-80 households):
//!   docs/DESIGN.md §2, "Micro-grid: 5-7 per grid, i.e. about 40-80
//!   households. Default target 50, band 20-80". Its upper end is also the
//!   *micro-grid cap* that makes a building oversize (docs/DESIGN.md §2: "A
//!   building larger than the micro-grid cap becomes one or more micro-grids
//!   of its own").
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
//! - **One piece**: a micro-grid's polygon is the union of the territory
//!   cells of its buildings (the village's cells, as for grids in
//!   `contiguity.rs`). It is one piece, enclave links aside, when it lies
//!   in one grid piece and its cells form no more polygon pieces than the
//!   parts of the territory they touch. The cells of the
//!   other grids count: a micro-grid cut by a neighbouring grid's cells is
//!   in pieces, as its polygon shows.
//!
//! # Algorithm
//! Per village (in parallel with the rest of the village work; `village.rs`):
//! 1. Sort the points by (grid, building) and walk each grid piece; each
//!    micro label present gets its buildings and its households.
//! 2. The pieces and parts of each micro label's buildings on the village
//!    territory ([`Territory::pieces_of`] and [`Territory::parts_of`]).
//! 3. Walk the buildings (points sorted by coordinate) for split buildings.
//!
//! Then for the county, sequentially and in label order (`county.rs`):
//! 4. Sort the pieces by (micro, village, grid); each micro label's group
//!    gives its size, grids, type, oversize flag, nesting and whether it is
//!    one piece.
//! 5. Sizes and per-grid counts are sorted and summarised.
//!
//! # Complexity
//! O(n log n) per village for the sorts, plus O(a log a) over the a atoms
//! of the village territory for the pieces (each building is in few
//! micro-grids); O(m log m) for the county step over m micro pieces.
//!
//! [`Territory::pieces_of`]: crate::engine::territory::Territory::pieces_of
//! [`Territory::parts_of`]: crate::engine::territory::Territory::parts_of
//! [`SIZE_BUCKETS`]: crate::metrics::micro::SIZE_BUCKETS
//! [`SIZE_BUCKET_WIDTH`]: crate::metrics::micro::SIZE_BUCKET_WIDTH

mod county;
mod village;

use serde::Serialize;

use super::contiguity::Pieces;
pub(super) use county::county_micro;
pub(super) use village::village_micro;

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
    /// their building's households only (their cells belong to no
    /// micro-grid).
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
    /// Up to [`MAX_LISTED`](super::MAX_LISTED) of them, in village order then
    /// (x, y) order.
    pub split_examples: Vec<SplitBuilding>,
    /// Nesting of micro-grids in grids.
    pub nesting: MicroNesting,
    /// Micro-grids in one piece.
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
    /// The micro-grid codes it is split across (up to
    /// [`MAX_LISTED`](super::MAX_LISTED)).
    pub micro_grids: Vec<String>,
}

/// Micro-grids that cross their grid.
#[derive(Serialize, Clone, Debug)]
pub struct MicroNesting {
    /// Micro-grids in more than one grid or outside their declared parent
    /// (goal 0).
    pub violations: usize,
    /// Up to [`MAX_LISTED`](super::MAX_LISTED) of them, in label order.
    pub examples: Vec<MicroNestingViolation>,
}

/// One micro-grid that crosses its grid.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MicroNestingViolation {
    /// Micro-grid code.
    pub micro: String,
    /// The grids its points lie in (up to [`MAX_LISTED`](super::MAX_LISTED)),
    /// in label order.
    pub grids: Vec<String>,
    /// The parent the plan declares, if any.
    pub declared_parent: Option<String>,
}

/// Micro-grids in one piece.
#[derive(Serialize, Clone, Debug)]
pub struct MicroContiguity {
    /// Micro-grids whose polygon is one piece, enclave links aside.
    pub one_piece: usize,
    /// `one_piece` / count (goal 1).
    pub one_piece_share: f64,
    /// Micro-grids in pieces (or in several grids).
    pub in_pieces: usize,
    /// Micro-grids that span several parts of their village (飞地), one
    /// piece in each (counted in `one_piece`).
    pub across_parts: usize,
    /// Up to [`MAX_LISTED`](super::MAX_LISTED) of those in pieces, in label
    /// order.
    pub examples: Vec<MicroInPieces>,
}

/// One micro-grid whose polygon is in pieces.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MicroInPieces {
    /// Micro-grid code.
    pub micro: String,
    /// The grid of its first piece.
    pub grid: String,
    /// The village of its first piece.
    pub village: String,
    /// Polygon pieces, summed over its (village, grid) pieces.
    pub pieces: usize,
    /// Parts of the territory they touch, summed likewise.
    pub parts: usize,
}

/// One (village, grid, micro) piece.
#[derive(Clone, Debug)]
pub(super) struct MicroPiece {
    pub micro: u32,
    pub village: u32,
    pub grid: u32,
    pub pieces: Pieces,
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

#[cfg(test)]
mod tests;
