//! The plan's territory: Voronoi cells of buildings, merged per grid and
//! micro-grid and clipped to the village, with the checks that they tile it.
//!
//! - [`polygons`]: the cells, their unions and the coverage measures;
//! - [`draw`]: a whole plan's grid and micro-grid polygons, with its
//!   coverage summary.

pub mod draw;
pub mod polygons;
