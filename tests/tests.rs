//! The one integration-test binary (ripgrep style): one module per area.

mod common;

mod cli;
mod crs;
mod gis;
mod hostile_codes;
mod invariants;
mod maps;
mod platform;
mod readers;
mod readme;
mod reallocation;
mod regression;
mod snapshot;
mod two_level;
