//! gridplan: balanced, compact, contiguous community-governance grids.
//!
//! Household points, administrative boundaries and premises zones go in;
//! full-scope grids nested in villages, dedicated grids, micro-grids inside
//! every grid, their polygons, GIS exports, a report and the metrics that
//! prove balance, contiguity, compactness and coverage come out.
//!
//! [`pipeline`] is the one module that knows the order of the steps. Each
//! folder is one stage of it, in this order (docs/ARCHITECTURE.md draws the
//! data flow with its types):
//!
//! 1. [`input`]: read and validate the files, coordinate systems, local
//!    projection, households into villages, workloads, zones, current plan
//!    ([`input::prepare`] runs them in order for every command);
//! 2. [`plan`]: the county loop: grid counts per village, each village's
//!    dedicated, locked and full-scope grids, grid codes and micro-grids,
//!    calling on [`engine`]: one territory cut into balanced, compact,
//!    contiguous parts (apportion, flow, LP, repair, micro-grids);
//! 3. [`geometry`]: the polygons of grids and micro-grids ([`geometry::draw`]);
//! 4. [`metrics`]: balance, nesting, contiguity, compactness, stability and
//!    micro-grids, for our plan or any other (coverage is measured where
//!    the polygons are drawn)
//!    ([`plan::measure`] adapts a plan to them);
//! 5. [`output`]: the map layers, the exports, report.html, scenarios and
//!    atomic writes.
//!
//! Beside them: [`config`] (every default once, and the configuration
//! types), [`model`] (the data types, grid codes and metrics.json),
//! [`error`] (the error type) and [`synth`] (a synthetic county for tests
//! and benchmarks).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod engine;
pub mod error;
pub mod geometry;
pub mod input;
pub mod metrics;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod synth;

pub use error::Error;
