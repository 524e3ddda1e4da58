//! gridplan: balanced, compact, contiguous community-governance grids.
//!
//! Household points and administrative boundaries go in; full-scope grids
//! nested in villages, with metrics that prove balance, contiguity and
//! compactness, come out. See the README for the command line and
//! `pipeline` for the order of the steps.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod apportion;
pub mod codes;
pub mod graph;
pub mod model;
pub mod project;
pub mod repair;
pub mod rng;
pub mod write;
