//! A deterministic synthetic county (`gridplan synth`).
//!
//! The generator writes the three inputs of docs/DESIGN.md §3 (households,
//! boundaries, dedicated zones) for a county modelled on Rui'an (瑞安市,
//! Zhejiang, statistical code 330381). It is the data behind the benchmarks of
//! docs/DESIGN.md §7 and the demo, so it must be realistic where the partitioner is
//! sensitive (village sizes, clustered hamlets, apartment blocks, enclaves,
//! lakes, a current grid plan) and exactly reproducible.
//!
//! # Parameters
//! - `scale` S in (0, 4]: the county has max(1, round(510·S)) villages and
//!   max(1, round(23·S)) towns; its area, households and points grow in
//!   proportion to the number of villages and its zones (round(34·S)) and
//!   current grids (about 1,024·S) in proportion to S, so a village keeps
//!   realistic size and density at any scale.
//! - `seed`: the random seed. The same parameters give byte-identical files.
//!
//! # Defaults and where they come from
//! - 510 villages/communities in 23 towns/street offices, about 1,300 km²,
//!   550,000 households: Rui'an's administrative division and census order
//!   of magnitude. About 10 of its 23 towns are street offices (街道).
//! - 120,000 points: address points of buildings; rural houses hold 1-3
//!   households (mean 1.6), urban apartment blocks 10-120 (lognormal, median
//!   28), which puts two thirds of households in the 20 % of villages that
//!   are urban communities, as in a coastal Zhejiang county.
//! - About 1,024 current grids and 34 dedicated zones: the order of
//!   magnitude of the county's current grid plan.
//! - About 3 % of villages own an enclave (飞地) and about 3 % hold a lake.
//!
//! # Algorithm
//! 1. Draw the county outline: an east-west ellipse of the target area with a
//!    few random low harmonics on its radius.
//! 2. Place the town centres by dart throwing; the towns nearest the county
//!    seat become street offices.
//! 3. Place one seed per village by dart throwing under a density that is
//!    higher near town centres (smaller urban communities) and lower in the
//!    western mountains, with a minimum spacing that follows the density.
//!    Two rings of margin seeds outside the outline close the diagram.
//! 4. Triangulate all seeds with spade. Each village is the Voronoi cell of
//!    its seed (the circumcentres of its Delaunay triangles, counter-
//!    clockwise). Voronoi vertices closer than [`MERGE_M`] are merged, so no
//!    edge is shorter than the output precision can represent. The county
//!    is the union of the cells; its outline is the jagged line between the
//!    inner and the margin seeds, much like a real administrative border.
//! 5. Round every vertex once to 7 decimals of a degree and project it back
//!    to metres. Neighbouring cells share vertex ids, so they share the very
//!    same rounded coordinates and tile the county exactly.
//! 6. Grow the towns from their centre villages by a multi-source Dijkstra on
//!    the cell adjacency, so every town is contiguous. A town (and the
//!    county) is the union of its cells, traced exactly over the shared
//!    edges. We trace instead of calling geo's `unary_union` because the
//!    boolean operations snap to an internal integer grid, which moves
//!    vertices by a few micrometres and, after rounding to 7 decimals,
//!    sometimes by one unit: the town border would then no longer coincide
//!    with its villages' borders.
//! 7. Mark the 20 % of villages closest to their town centre (street offices
//!    count double) as urban communities (社区), and assign codes: towns in
//!    serpentine order, street offices 001.., towns 101..; within a town,
//!    communities 001.., villages 201.., as in the statistical codes.
//! 8. Cut enclaves (a square from a neighbour in the same town, given to the
//!    village as an extra part and left as a hole in the neighbour) and
//!    lakes (an irregular polygon hole that belongs to no village), each
//!    strictly inside one cell with a clearance margin.
//! 9. Place the dedicated zones: rotated rectangles of 100-400 m inside one
//!    village (schools, hospitals and markets in urban communities, parks
//!    and enterprises preferably in rural villages); zone 10, 30, ... is an
//!    enterprise straddling the border between two villages.
//! 10. Split the households between urban and rural villages so that the
//!     expected point count meets the target, draw lognormal village sizes,
//!     and place points: Gaussian hamlets of 1-3 household houses in rural
//!     villages, Gaussian estates of 10-120 household blocks in urban ones
//!     (2 % of large blocks are written as two address points at the same
//!     coordinate), a few houses in each enclave, and a cluster of blocks of
//!     100-600 households inside each zone. Every point is kept at least
//!     [`EDGE_CLEARANCE_M`] from any border, and is accepted only when geo's
//!     `Contains` holds for the rounded point and the rounded village
//!     polygon.
//! 11. The current grid plan: k = max(1, round(W_v / D)) grids per village,
//!     with D calibrated by bisection so that the county has as close to
//!     round(1,024·S) grids as possible, and the village's points cut by
//!     recursive weighted coordinate bisection (across the longer side of
//!     the bounding box, at the weight share of the left half). The plain
//!     D = households / (1,024·S) would give about 1,146 grids at scale 1,
//!     because the floor of one grid per village adds grids to the many
//!     small rural villages. Grid codes are the village code + 001, 002, ...
//!     in bisection order (west or north part first).
//!
//! Every random draw comes from [`Rng`] streams derived from the seed and a
//! key (the village code for its points), never from iteration over hash
//! maps, so the output does not depend on the order of the work. The
//! generator uses `sin`, `cos`, `exp`, `ln` and `atan2` from the platform's
//! maths library, so the bytes are guaranteed identical for one build on one
//! platform; another libm could in principle differ in a last bit.
//!
//! # Layout
//! - `geometry`: distances, rings and point-in-ring tests in local metres;
//! - `layout`: steps 1-8 (`build_layout` calls one function per step);
//! - `zones`: step 9; `households`: step 10; `plan`: step 11;
//! - `features`: the three FeatureCollections; `tests`: the generator's
//!   unit tests.
//!
//! # Complexity
//! O(V² + P) time for V villages and P points (the dart throwing is the V²
//! part, a few million distance tests at scale 4), O(P) memory. Scale 1.0
//! generates in well under a second in release builds.
//!
//! # Errors
//! [`SynthError::InvalidScale`] for a scale outside (0, 4] or NaN;
//! [`SynthError::Degenerate`] when several attempts all produced an invalid
//! geometry (not observed in practice; each attempt redraws the seeds);
//! [`SynthError::Write`] when a file cannot be written.

use std::io::{self, Write};
use std::path::Path;

use geojson::FeatureCollection;

use crate::engine::rng::Rng;
use crate::output::write::{WriteError, ensure_dir, write_atomic};

mod features;
mod geometry;
mod households;
mod layout;
mod plan;
#[cfg(test)]
mod tests;
mod zones;

use features::{boundary_features, household_features, zone_features};
use households::place_households;
use layout::build_layout;
use plan::current_grids;
use zones::place_zones;

/// Longitude of the projection origin, near the middle of Rui'an.
const ORIGIN_LON: f64 = 120.64;
/// Latitude of the projection origin.
const ORIGIN_LAT: f64 = 27.78;
/// The county code of Rui'an.
const COUNTY_CODE: &str = "330381";
/// Villages at scale 1.
const VILLAGES_AT_1: f64 = 510.0;
/// Towns and street offices at scale 1.
const TOWNS_AT_1: f64 = 23.0;
/// Street offices among the 23 towns of Rui'an.
const STREET_SHARE: f64 = 10.0 / 23.0;
/// County area at scale 1, in square metres.
const AREA_AT_1_M2: f64 = 1.3e9;
/// Households at scale 1.
const HOUSEHOLDS_AT_1: f64 = 550_000.0;
/// Household points at scale 1.
const POINTS_AT_1: f64 = 120_000.0;
/// Current grids at scale 1.
const GRIDS_AT_1: f64 = 1024.0;
/// Dedicated zones at scale 1.
const ZONES_AT_1: f64 = 34.0;
/// Share of villages that are urban communities.
const URBAN_SHARE: f64 = 0.2;
/// Share of villages that own an enclave, and share that hold a lake.
const ENCLAVE_SHARE: f64 = 0.03;
/// Voronoi vertices closer than this (metres) are merged into one.
pub const MERGE_M: f64 = 0.5;
/// Minimum distance (metres) from a household point to any border, so that
/// the point stays inside its village whatever projection a reader uses.
pub const EDGE_CLEARANCE_M: f64 = 1.0;
/// How many times the geometry is redrawn before giving up.
const MAX_ATTEMPTS: u32 = 8;

/// Parameters of [`generate`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SynthParams {
    /// Size relative to Rui'an, in (0, 4]; 1.0 is the full county.
    pub scale: f64,
    /// The random seed.
    pub seed: u64,
}

/// A generated county: the three input files of docs/DESIGN.md §3.
#[derive(Clone, Debug)]
pub struct SynthCounty {
    /// Point features with `id`, `households`, `population`, `rental`,
    /// `shops`, `special`, `grid` and, on about half of them, `village`.
    pub households: FeatureCollection,
    /// The county, its towns and its villages, with `code`, `name`, `level`
    /// and `parent`.
    pub boundaries: FeatureCollection,
    /// Dedicated zones with `code`, `name` and `kind`.
    pub zones: FeatureCollection,
}

/// Why a synthetic county could not be generated or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// The scale is not in (0, 4].
    #[error("synthetic county scale must be > 0 and <= 4, got {scale}")]
    InvalidScale {
        /// The scale asked for.
        scale: f64,
    },
    /// Every attempt produced an invalid geometry.
    #[error(
        "could not build a valid synthetic county for seed {seed} at scale {scale} after {attempts} attempts: {reason}"
    )]
    Degenerate {
        /// The seed asked for.
        seed: u64,
        /// The scale asked for.
        scale: f64,
        /// How many attempts were made.
        attempts: u32,
        /// What went wrong in the last attempt.
        reason: &'static str,
    },
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// An attempt failed for a (rare) geometric reason; the caller redraws.
#[derive(Debug)]
struct Retry(&'static str);

/// # Errors
/// [`SynthError::InvalidScale`] unless 0 < `scale` <= 4;
/// [`SynthError::Degenerate`] if no valid geometry was found.
pub fn generate(p: &SynthParams) -> Result<SynthCounty, SynthError> {
    let scale = p.scale;
    if !(scale > 0.0 && scale <= 4.0) {
        return Err(SynthError::InvalidScale { scale });
    }
    let nv = count(VILLAGES_AT_1 * scale);
    let nt = count(TOWNS_AT_1 * scale).min(nv);
    let mut reason = "";
    for attempt in 0..MAX_ATTEMPTS {
        let mut rng = Rng::derive(p.seed, &format!("geometry/{attempt}"));
        let result = build_layout(&mut rng, nv, nt).and_then(|mut layout| {
            let zones = place_zones(&mut layout, p.seed, scale)?;
            let hh = place_households(&layout, &zones, p.seed)?;
            Ok((layout, zones, hh))
        });
        match result {
            Ok((layout, zones, hh)) => {
                let grids = current_grids(&layout, &hh, scale);
                return Ok(SynthCounty {
                    households: household_features(&layout, &hh, &grids),
                    boundaries: boundary_features(&layout),
                    zones: zone_features(&zones),
                });
            }
            Err(Retry(r)) => reason = r,
        }
    }
    Err(SynthError::Degenerate {
        seed: p.seed,
        scale,
        attempts: MAX_ATTEMPTS,
        reason,
    })
}

/// max(1, round(x)) as a count.
fn count(x: f64) -> usize {
    // x is at most a few thousand here, so the conversion is exact.
    x.round().max(1.0) as usize
}

/// Writes `households.geojson`, `boundaries.geojson` and `zones.geojson`
/// into `dir` (created when missing), one feature per line.
///
/// # Errors
/// [`SynthError::Write`] naming the file that could not be written.
pub fn write(county: &SynthCounty, dir: &Path) -> Result<(), SynthError> {
    ensure_dir(dir)?;
    for (name, fc) in [
        ("households.geojson", &county.households),
        ("boundaries.geojson", &county.boundaries),
        ("zones.geojson", &county.zones),
    ] {
        write_atomic(&dir.join(name), |w| write_collection(fc, w))?;
    }
    Ok(())
}

/// Serializes a FeatureCollection compactly with one feature per line, so
/// that files diff well and stream well.
fn write_collection(fc: &FeatureCollection, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for (i, f) in fc.features.iter().enumerate() {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *w, f).map_err(io::Error::from)?;
    }
    w.write_all(b"\n]}\n")
}
