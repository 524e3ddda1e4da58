//! The last step: everything a run writes, staged and renamed together.
//!
//! - [`export`]: GeoJSON, Shapefile and GeoPackage layers;
//! - [`html`]: escaping, number formats and axis steps shared by the pages;
//! - [`report`]: the self-contained report.html;
//! - [`scenarios`]: the table, chart and sections of `gridplan scenarios`;
//! - [`write`](mod@write): atomic output files;
//! - [`progress`]: progress bars on a terminal.

pub mod export;
pub mod html;
pub mod progress;
pub mod report;
pub mod scenarios;
pub mod write;
