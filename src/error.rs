//! The library's error type: one variant per pipeline step, each carrying
//! that step's own error with the file, feature, id or village it concerns.

use std::path::PathBuf;

/// Anything that stops a gridplan run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or validating an input file.
    #[error(transparent)]
    Read(#[from] crate::input::read::ReadError),
    /// The `[naming]` templates of `--config`.
    #[error(transparent)]
    Naming(#[from] crate::model::names::NamingError),
    /// Placing households in villages.
    #[error(transparent)]
    Locate(#[from] crate::input::locate::LocateError),
    /// Locking grids of the current plan.
    #[error(transparent)]
    Lock(#[from] crate::input::lock::LockError),
    /// Choosing the number of grids per village.
    #[error(transparent)]
    Apportion(#[from] crate::engine::apportion::ApportionError),
    /// Partitioning a village.
    #[error(transparent)]
    Partition(#[from] crate::engine::partition::PartitionError),
    /// Making micro-grids.
    #[error(transparent)]
    Micro(#[from] crate::engine::micro::MicroError),
    /// Drawing grid polygons.
    #[error(transparent)]
    Polygon(#[from] crate::geometry::polygons::PolygonError),
    /// Exporting a map layer.
    #[error(transparent)]
    Export(#[from] crate::output::export::ExportError),
    /// Writing an output file.
    #[error(transparent)]
    Write(#[from] crate::output::write::WriteError),
    /// Generating a synthetic county.
    #[error(transparent)]
    Synth(#[from] crate::synth::SynthError),
    /// The boundaries hold no village.
    #[error("{}: no feature has level \"village\"; grids are drawn inside villages", file.display())]
    NoVillages {
        /// The boundaries file.
        file: PathBuf,
    },
    /// More grids than a village's codes can number.
    #[error(
        "village {village}: {k} grids asked for by {cause}, but grid codes have room for {max} per village"
    )]
    TooManyGrids {
        /// Village code.
        village: String,
        /// What asked for them: the flag and its value, with the file
        /// whose numbers made the count.
        cause: String,
        /// Grids asked for.
        k: usize,
        /// The most a village can hold.
        max: usize,
    },
    /// Households that ended without a grid: a bug, reported rather than
    /// written out.
    #[error("internal error: {count} household(s) got no grid, e.g. {ids:?}; nothing was written")]
    Unassigned {
        /// How many.
        count: usize,
        /// Up to 20 ids.
        ids: Vec<String>,
    },
    /// A parameter out of range.
    #[error("{0}")]
    Parameter(String),
}
