//! A deterministic synthetic county (`gridplan synth`).
//!
//! The generator writes the three inputs of docs/DESIGN.md §3 (households,
//! boundaries, dedicated zones) and the ground of `--barriers` and
//! `--compounds` (barriers, residential compounds) for a county modelled on
//! Rui'an (瑞安市, Zhejiang, statistical code 330381). It is the data behind
//! the benchmarks of docs/DESIGN.md §7 and the demo, so it must be
//! realistic where the partitioner is sensitive (village sizes, clustered
//! hamlets, apartment blocks, enclaves, lakes, a river and roads through
//! villages, compounds smaller and larger than a grid, a current grid plan)
//! and exactly reproducible.
//!
//! # Parameters
//! - `scale` S in (0, 4]: the county has max(1, round(510·S)) villages and
//!   max(1, round(23·S)) towns; its area, households and points grow in
//!   proportion to the number of villages and its zones (round(34·S)),
//!   canals (max(1, round(5·S))), tertiary roads (max(1, round(40·S))) and
//!   current grids (about 1,024·S) in proportion to S, so a village keeps
//!   realistic size and density at any scale. There is always one river,
//!   one railway and one trunk road.
//! - `seed`: the random seed. The same parameters give byte-identical files.
//! - `current_plan`: the [`CurrentPlanKind`] of the current grid plan
//!   (step 12), [`CurrentPlanKind::Compact`] by default.
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
//! - The 飞云江 crosses the county from the western mountains to the sea,
//!   south of the county seat; the 温福 railway crosses it from south-west
//!   to north-east; national road G104 runs through the seat. Canals belong
//!   to the eastern plain (温瑞塘河). Secondary roads link about a third of
//!   the villages, as county roads (县道) do.
//! - Compounds (小区) take 30-60 % of the households of an urban community
//!   of 300 or more; three in four hold 100-350 households (one grid of
//!   about 367), the others 400-1,500. The density of 130-260 households
//!   per hectare is that of six- to eighteen-storey estates.
//! - Households keep 22 m from the river's centreline, 12 m from a canal,
//!   10 m from the railway and the trunk and primary roads and 8 m from the
//!   other roads (see `ground::clearance`).
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
//! 9. Draw the lines on the ground, in metres from the stream `ground/N`
//!    (so the layout is the same as without them): the river as a
//!    sine-generated curve (Langbein and Leopold 1966) steered from beyond
//!    the western border to south of the seat and beyond the eastern
//!    border, its heading swinging by up to 80° in meanders of 1.8-3.6 km
//!    and slow bends four to seven times longer; canals of 2-4 nearly straight legs, most from the river;
//!    the railway as a gentle arc; the trunk road through the seat and the
//!    town centres near its axis; primary roads joining the other town
//!    centres to it by a minimum spanning tree; secondary roads as a
//!    minimum spanning tree over the town centres and about 35 % of the
//!    village seeds, 30 % of them bent along the plain's field grid;
//!    tertiary spurs from village seeds. Roads are drawn by midpoint
//!    displacement. Each line is cut to the stretch that crosses the
//!    county and rounded once to 7 decimals, and its segments are put into
//!    a uniform grid index for the clearance tests. Lines end where they
//!    end: at a town centre, a village seed or a spur's tip.
//! 10. Place the dedicated zones: rotated rectangles of 100-400 m inside
//!     one village (schools, hospitals and markets in urban communities,
//!     parks and enterprises preferably in rural villages), clear of every
//!     line; zone 10, 30, ... is an enterprise straddling the border
//!     between two villages.
//! 11. Split the households between urban and rural villages so that the
//!     expected point count meets the target, and draw lognormal village
//!     sizes (11a). In an urban community, place compounds (11b): convex
//!     outlines near its estates, facing the nearest line, inside the
//!     village and 10 m clear of its borders, holes and zones, 15 m from
//!     each other and clear of every line, each filled with blocks at least
//!     8 m inside; a compound with no room is dropped and its households
//!     go to the village's blocks. Then place the other points (11c):
//!     Gaussian hamlets of 1-3 household houses in rural villages, Gaussian
//!     estates of 10-120 household blocks in urban ones, outside the
//!     compounds (2 % of large blocks are written as two address points at
//!     the same coordinate), a few houses in each enclave, and (11d) a
//!     cluster of blocks of 100-600 households inside each zone. Every
//!     point is kept at least [`EDGE_CLEARANCE_M`] from any border and its
//!     clearance from every line, and is accepted only when geo's
//!     `Contains` holds for the rounded point and the rounded village
//!     polygon. A point that fails is drawn again, so the lines move
//!     households but change no total.
//! 12. The current grid plan, in the kind `current_plan` asks for (see
//!     `plan` and [`CurrentPlanKind`]): k = max(1, round(W_v / D)) grids per
//!     village, with D calibrated by bisection so that the county has as
//!     close to round(1,024·S) grids as possible, the same for every kind.
//!     The plain D = households / (1,024·S) would give about 1,146 grids
//!     at scale 1, because the floor of one grid per village adds grids to
//!     the many small rural villages. The village's points are cut by
//!     recursive weighted bisection, never between two address points of
//!     one building:
//!     - `compact` (the default): across the longer side of the bounding
//!       box at equal weight shares, codes village code + 001, 002, ... in
//!       bisection order (west or north part first). This is the plan
//!       synth has always written, and it draws no random number.
//!     - `unequal`: the same cuts at shares ∝ a factor uniform in
//!       [0.6, 1.4] per grid, so old grids spread about ±40 % around the
//!       village mean, as issue 11 asks;
//!     - `strips`: every cut along one random direction per village, so
//!       the grids are parallel strips between straight lines at the equal
//!       weight quantiles, as when a plan follows streets;
//!     - `cross`: compact, then in 7.5 % of the villages that touch a
//!       neighbour (the middle of issue 11's "5-10 %", at least one), the
//!       10-30 % of a border grid's households nearest to the neighbour
//!       carry the code of the neighbour's nearest grid, as real plans
//!       that straddle a village border do;
//!     - `labels`: compact geometry, codes replaced by free labels, one
//!       form per village: `G0002`, `东山村3组`, `东山3组`, `东山第3网格`,
//!       `Grid 7`, `RA-12-3`, unique in the county.
//!
//!     The new kinds draw only from streams `current-plan/<kind>/...`, so no
//!     other step changes with the kind. Compound codes are C0001, ... in
//!     village code order, with names from the stream `compound-names`,
//!     unique in the county.
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
//! - `ground`: step 9 and the clearance index; `zones`: step 10;
//!   `households`: step 11; `compounds`: step 11b; `plan`: step 12;
//! - `features`: the five FeatureCollections; `tests`: the generator's
//!   unit tests.
//!
//! # Complexity
//! O(V² + P) time for V villages and P points (the dart throwing and the
//! secondary roads' spanning tree are the V² part, a few million distance
//! tests at scale 4), O(P) memory. Each clearance test looks at the
//! segments of one 250 m cell. Scale 1.0 generates in about a second in
//! release builds, most of it writing the households.
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
use crate::input::crs::Crs;
use crate::output::write::{WriteError, ensure_dir, write_atomic};

mod compounds;
mod features;
mod forms;
mod geometry;
mod ground;
mod households;
mod layout;
mod plan;
#[cfg(test)]
mod tests;
mod zones;

use compounds::name_compounds;
use features::{
    barrier_features, boundary_features, compound_features, household_features, zone_features,
};
pub use forms::{
    FormCrs, SynthFormat, TextEncoding, check_overwrite, form_files, write_as, write_as_in,
};
use ground::draw_ground;
use households::{Ctx, place_households};
use layout::build_layout;
pub use plan::CurrentPlanKind;
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
/// Canals at scale 1.
const CANALS_AT_1: f64 = 5.0;
/// Tertiary roads at scale 1.
const TERTIARY_AT_1: f64 = 40.0;
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
    /// The kind of current grid plan drawn in step 12.
    pub current_plan: CurrentPlanKind,
}

impl Default for SynthParams {
    /// A Rui'an-sized county (scale 1) from the default seed of
    /// `--seed`, with the compact current plan.
    fn default() -> Self {
        Self {
            scale: 1.0,
            seed: crate::config::SEED,
            current_plan: CurrentPlanKind::Compact,
        }
    }
}

/// A generated county: the three input files of docs/DESIGN.md §3 and the
/// ground of `--barriers` and `--compounds`.
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
    /// LineString features with `kind` (river, canal, railway, trunk,
    /// primary, secondary, tertiary) and `name`.
    pub barriers: FeatureCollection,
    /// Residential compounds: Polygon features with `code` and `name`.
    pub compounds: FeatureCollection,
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
    /// The output folder already holds files this form would write.
    #[error(
        "{}: already holds {}; gridplan synth never replaces input files; give --force to overwrite them, or choose another --out",
        dir.display(),
        files.join(", ")
    )]
    WouldOverwrite {
        /// The folder (`--out`).
        dir: std::path::PathBuf,
        /// The files already there.
        files: Vec<String>,
    },
}

/// An attempt failed for a (rare) geometric reason; the caller redraws.
#[derive(Debug)]
struct Retry(&'static str);

/// # Errors
/// [`SynthError::InvalidScale`] unless 0 < `scale` <= 4;
/// [`SynthError::Degenerate`] if no valid geometry was found.
pub fn generate(p: &SynthParams) -> Result<SynthCounty, SynthError> {
    let Drawn {
        layout,
        ground,
        zones,
        mut placed,
    } = draw(p)?;
    let grids = current_grids(&layout, &placed.hh, p.scale, p.current_plan, p.seed);
    name_compounds(&mut placed.compounds, p.seed);
    Ok(SynthCounty {
        households: household_features(&layout, &placed.hh, &grids),
        boundaries: boundary_features(&layout),
        zones: zone_features(&zones),
        barriers: barrier_features(&ground),
        compounds: compound_features(&placed.compounds),
    })
}

/// Steps 1-11: everything but the current grid plan and the compound
/// names.
struct Drawn {
    layout: layout::Layout,
    ground: ground::Ground,
    zones: Vec<zones::Zone>,
    placed: households::Placed,
}

/// Draws steps 1-11, redrawing the geometry up to [`MAX_ATTEMPTS`] times.
fn draw(p: &SynthParams) -> Result<Drawn, SynthError> {
    let scale = p.scale;
    if !(scale > 0.0 && scale <= 4.0) {
        return Err(SynthError::InvalidScale { scale });
    }
    let nv = count(VILLAGES_AT_1 * scale);
    let nt = count(TOWNS_AT_1 * scale).min(nv);
    let mut reason = "";
    for attempt in 0..MAX_ATTEMPTS {
        let mut rng = Rng::derive(p.seed, &format!("geometry/{attempt}"));
        let result = build_layout(&mut rng, nv, nt).and_then(|layout| {
            let mut ground_rng = Rng::derive(p.seed, &format!("ground/{attempt}"));
            let ground = draw_ground(&layout, &mut ground_rng, scale);
            let zones = place_zones(&layout, &ground, p.seed, scale)?;
            let ctx = Ctx {
                layout: &layout,
                ground: &ground,
            };
            let placed = place_households(&ctx, &zones, p.seed)?;
            Ok(Drawn {
                layout,
                ground,
                zones,
                placed,
            })
        });
        match result {
            Ok(drawn) => return Ok(drawn),
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

/// Writes `households.geojson`, `boundaries.geojson`, `zones.geojson`,
/// `barriers.geojson` and `compounds.geojson` into `dir` (created when
/// missing), one feature per line.
///
/// # Errors
/// [`SynthError::Write`] naming the file that could not be written.
pub fn write(county: &SynthCounty, dir: &Path) -> Result<(), SynthError> {
    write_in(county, dir, Crs::Wgs84, Crs::Wgs84)
}

/// [`write`] for positions already in `households` (the households) and
/// `layers` (the other files): each file names its system in a `crs`
/// member when that is not WGS84 and has an EPSG code.
pub(crate) fn write_in(
    county: &SynthCounty,
    dir: &Path,
    households: Crs,
    layers: Crs,
) -> Result<(), SynthError> {
    ensure_dir(dir)?;
    for (name, fc, crs) in [
        ("households.geojson", &county.households, households),
        ("boundaries.geojson", &county.boundaries, layers),
        ("zones.geojson", &county.zones, layers),
        ("barriers.geojson", &county.barriers, layers),
        ("compounds.geojson", &county.compounds, layers),
    ] {
        let code = crs.epsg().filter(|&c| c != 4326);
        write_atomic(&dir.join(name), |w| write_collection(fc, code, w))?;
    }
    Ok(())
}

/// Serializes a FeatureCollection compactly with one feature per line, so
/// that files diff well and stream well.
fn write_collection(fc: &FeatureCollection, crs: Option<u32>, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(b"{\"type\":\"FeatureCollection\",")?;
    if let Some(code) = crs {
        write!(
            w,
            "\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":\"urn:ogc:def:crs:EPSG::{code}\"}}}},"
        )?;
    }
    w.write_all(b"\"features\":[\n")?;
    for (i, f) in fc.features.iter().enumerate() {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *w, f).map_err(io::Error::from)?;
    }
    w.write_all(b"\n]}\n")
}
