//! Step 1, the inputs: read and validate the files, bring every coordinate
//! into one system, project to local metres, place households in villages,
//! weigh them, and read premises zones and the current plan.
//!
//! - [`read`]: GeoJSON households, boundaries, zones, barriers and
//!   compounds, checked against the input contract (docs/DESIGN.md §3);
//! - [`crs`]: WGS84, CGCS2000 and GCJ-02 (with its exact inverse);
//! - [`project`]: longitude/latitude to local metres;
//! - [`locate`]: households into villages (rstar + point-in-polygon);
//! - [`workload`]: the load of each household, and the balance measures;
//! - [`dedicated`]: the households of premises zones, and each zone's village;
//! - [`ground`]: barriers and compounds in metres, and each household's
//!   compound;
//! - [`lock`]: the current plan and the grids locked by decision;
//! - [`naming`]: the `[naming]` templates of grid names in `--config`;
//! - [`prepare`]: all of the above in order, the common front of every
//!   command.

pub mod crs;
pub mod dedicated;
pub mod ground;
pub mod locate;
pub mod lock;
pub mod naming;
pub mod prepare;
pub mod project;
pub mod read;
pub mod workload;
