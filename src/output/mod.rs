//! The last step: everything a run writes, staged and renamed together.
//!
//! - [`maps`]: a plan's grid and micro-grid layers and report shapes;
//! - [`fields`]: the fields of the layers and the roster, with their
//!   Chinese headers;
//! - [`export`]: GeoJSON, Shapefile and GeoPackage layers;
//! - [`xlsx`]: the roster spreadsheet grids.xlsx;
//! - [`html`]: escaping, number formats and axis steps shared by the pages;
//! - [`files`]: every file of a `partition` or `scenarios` run, staged
//!   and renamed together;
//! - [`report`]: the self-contained report.html;
//! - [`scenarios`]: the table, chart and sections of `gridplan scenarios`;
//! - [`write`](mod@write): atomic output files;
//! - [`progress`]: progress bars on a terminal.

pub mod export;
pub mod fields;
pub mod files;
pub mod html;
pub mod maps;
pub mod progress;
pub mod report;
pub mod scenarios;
pub mod write;
pub mod xlsx;
