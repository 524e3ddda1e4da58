//! The partition engine: the algorithms that cut one territory (a village,
//! or a grid for its micro-grids) into balanced, compact, contiguous parts.
//! Nothing here knows about files, codes on disk or the county loop.
//!
//! - [`apportion`]: the number of grids per village;
//! - [`graph`]: the Delaunay adjacency that defines contiguity;
//! - [`flow`]: the capacitated assignment as an exact min-cost flow;
//! - [`balance_lp`]: the assignment under several load measures at once,
//!   an LP solved with Clarabel;
//! - [`partition`]: one village into k grids;
//! - [`repair`]: contiguity and balance repair;
//! - [`micro`]: micro-grids inside one grid, with the same engine;
//! - [`rng`]: our own xoshiro256** stream, so no dependency upgrade can
//!   change a plan.

pub mod apportion;
pub mod balance_lp;
pub mod ceiling;
pub mod counts;
pub mod flow;
pub mod graph;
pub mod micro;
pub mod partition;
pub mod polish;
pub mod regions;
pub mod repair;
pub mod rng;
pub mod territory;
pub mod voronoi;
