//! gridplan: balanced, compact, contiguous community-governance grids.
//!
//! Household points, administrative boundaries and premises zones go in;
//! full-scope grids nested in villages, dedicated grids, micro-grids inside
//! every grid, their polygons, GIS exports, a report and the metrics that
//! prove balance, contiguity, compactness and coverage come out.
//! [`pipeline`] is the one module that knows the order of the steps; each
//! other module is one step:
//!
//! - [`read`]: read and validate the GeoJSON inputs;
//! - [`crs`]: WGS84, CGCS2000 and GCJ-02 (exact inverse);
//! - [`project`]: longitude/latitude to local metres;
//! - [`locate`]: households into villages (rstar + point-in-polygon);
//! - [`workload`]: the load of each household;
//! - [`dedicated`]: households of premises zones, and each zone's village;
//! - [`apportion`]: the number of grids per village;
//! - [`lock`]: the current plan and the grids locked by decision;
//! - [`balance_lp`]: the assignment under several load measures at once
//!   (households and population), an LP solved with Clarabel;
//! - [`partition`]: one village into k grids (with [`flow`], the exact
//!   capacitated assignment, and [`repair`], contiguity and balance);
//! - [`micro`]: micro-grids inside one grid, with the same engine;
//! - [`graph`]: the Delaunay adjacency that defines contiguity;
//! - [`codes`]: grid codes in serpentine order;
//! - [`polygons`]: Voronoi cells of buildings, merged per grid and clipped
//!   to the territory;
//! - [`metrics`]: balance, nesting, contiguity, compactness, stability,
//!   micro-grids;
//! - [`export`]: GeoJSON, Shapefile and GeoPackage layers;
//! - [`report`]: the self-contained report.html; [`scenarios`]: the
//!   table, chart and sections of `gridplan scenarios`;
//! - [`write`](mod@write): atomic output files; [`progress`]: progress on a terminal;
//! - [`synth`]: a synthetic county for tests and benchmarks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod apportion;
pub mod balance_lp;
pub mod codes;
pub mod crs;
pub mod dedicated;
pub mod error;
pub mod export;
pub mod flow;
pub mod graph;
pub mod locate;
pub mod lock;
pub mod metrics;
pub mod micro;
pub mod model;
pub mod partition;
pub mod pipeline;
pub mod polygons;
pub mod progress;
pub mod project;
pub mod read;
pub mod repair;
pub mod report;
pub mod rng;
pub mod scenarios;
pub mod synth;
pub mod workload;
pub mod write;

pub use error::Error;
