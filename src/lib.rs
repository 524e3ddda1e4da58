//! gridplan: balanced, compact, contiguous community-governance grids.
//!
//! Household points and administrative boundaries go in; full-scope grids
//! nested in villages, with metrics that prove balance, contiguity and
//! compactness, come out. [`pipeline`] is the one module that knows the
//! order of the steps; each other module is one step:
//!
//! - [`read`]: read and validate the GeoJSON inputs;
//! - [`project`]: longitude/latitude to local metres;
//! - [`locate`]: households into villages (rstar + point-in-polygon);
//! - [`workload`]: the load of each household;
//! - [`apportion`]: the number of grids per village;
//! - [`partition`]: one village into k grids (with [`flow`], the exact
//!   capacitated assignment, and [`repair`], contiguity and balance);
//! - [`graph`]: the Delaunay adjacency that defines contiguity;
//! - [`codes`]: grid codes in serpentine order;
//! - [`metrics`]: balance, nesting, contiguity, compactness, stability;
//! - [`write`]: atomic output files;
//! - [`synth`]: a synthetic county for tests and benchmarks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod apportion;
pub mod codes;
pub mod crs;
pub mod dedicated;
pub mod error;
pub mod export;
pub mod flow;
pub mod graph;
pub mod locate;
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
pub mod synth;
pub mod workload;
pub mod write;

pub use error::Error;
