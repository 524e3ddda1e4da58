//! The plan's territory: Voronoi cells of buildings, merged per grid and
//! micro-grid and clipped to the village, with the checks that they tile it.
//!
//! - [`polygons`]: the cells, their unions and the coverage measures.

pub mod polygons;
