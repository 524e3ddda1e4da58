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

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashSet};
use std::io::{self, Write};
use std::path::Path;

use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon, Validation};
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, JsonValue};
use spade::{DelaunayTriangulation, HasPosition, Point2, Triangulation};

use crate::engine::rng::Rng;
use crate::input::project::LocalProjection;
use crate::output::write::{WriteError, ensure_dir, write_atomic};

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

/// Syllables for place names, many taken from Rui'an's real place names.
const SYLLABLES: [&str; 64] = [
    "安", "阳", "玉", "海", "锦", "湖", "东", "山", "上", "望", "莘", "塍", "汀", "田", "飞", "云",
    "仙", "降", "南", "滨", "塘", "下", "陶", "桐", "浦", "岭", "马", "屿", "高", "楼", "芳", "庄",
    "北", "麂", "潘", "岱", "林", "川", "平", "坑", "溪", "桥", "石", "岩", "坦", "垟", "岙", "龙",
    "凤", "湾", "前", "后", "新", "西", "中", "华", "金", "宝", "瑞", "丰", "乐", "清", "河", "头",
];

/// The zone kinds, cycled so that every kind appears.
const ZONE_KINDS: [&str; 5] = ["park", "school", "hospital", "market", "enterprise"];

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

type Xy = [f64; 2];

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

fn dist2(a: Xy, b: Xy) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Squared distance from `p` to the segment `a`-`b`.
fn seg_dist2(p: Xy, a: Xy, b: Xy) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    dist2(p, [a[0] + t * dx, a[1] + t * dy])
}

/// Even-odd point-in-ring test on an open ring.
fn in_ring(ring: &[Xy], p: Xy) -> bool {
    let mut inside = false;
    let n = ring.len();
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            if p[0] < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// The smallest distance from `p` to an edge of `ring`.
fn ring_clearance(ring: &[Xy], p: Xy) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| seg_dist2(p, ring[i], ring[(i + 1) % n]))
        .fold(f64::INFINITY, f64::min)
        .sqrt()
}

/// Twice the signed area of an open ring (positive when counter-clockwise).
fn signed_area2(ring: &[Xy]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum()
}

/// A ring in rounded degrees and the same ring in metres (open, no repeated
/// closing vertex).
#[derive(Clone, Debug)]
struct Ring {
    deg: Vec<Xy>,
    m: Vec<Xy>,
}

impl Ring {
    fn from_metres(proj: &LocalProjection, pts: &[Xy]) -> Self {
        let deg: Vec<Xy> = pts.iter().map(|&p| to_deg(proj, p)).collect();
        let m = deg.iter().map(|d| proj.forward(d[0], d[1])).collect();
        Self { deg, m }
    }

    fn line(&self, reverse: bool) -> LineString<f64> {
        let mut c: Vec<Coord<f64>> = self
            .deg
            .iter()
            .map(|d| Coord { x: d[0], y: d[1] })
            .collect();
        if reverse {
            c.reverse();
        }
        LineString::new(c)
    }
}

fn to_deg(proj: &LocalProjection, p: Xy) -> Xy {
    let [lon, lat] = proj.inverse(p[0], p[1]);
    [round7(lon), round7(lat)]
}

/// The county outline: an ellipse with random low harmonics on its radius.
struct Blob {
    a: f64,
    b: f64,
    harmonics: Vec<(f64, f64, f64)>,
}

impl Blob {
    fn radius(&self, th: f64) -> f64 {
        let (s, c) = th.sin_cos();
        let base = self.a * self.b / ((self.b * c).powi(2) + (self.a * s).powi(2)).sqrt();
        let f: f64 = self
            .harmonics
            .iter()
            .map(|&(k, amp, ph)| amp * (k * th + ph).cos())
            .sum();
        base * (1.0 + f)
    }

    fn contains(&self, p: Xy, factor: f64) -> bool {
        p[0].hypot(p[1]) < factor * self.radius(p[1].atan2(p[0]))
    }
}

#[derive(Clone, Copy, Debug)]
struct Site {
    p: Xy,
    idx: usize,
}

impl HasPosition for Site {
    type Scalar = f64;
    fn position(&self) -> Point2<f64> {
        Point2::new(self.p[0], self.p[1])
    }
}

struct Town {
    code: String,
    name: String,
    geom: MultiPolygon<f64>,
}

struct Village {
    code: String,
    name: String,
    town: usize,
    urban: bool,
    /// The cell, counter-clockwise.
    outer: Ring,
    /// For each edge `outer.m[i] -> outer.m[i + 1]`, the neighbouring
    /// village (by index in code order), if any.
    outer_nbr: Vec<Option<usize>>,
    /// Enclave holes and lakes, stored counter-clockwise.
    holes: Vec<Ring>,
    /// Enclave parts owned by this village, counter-clockwise.
    parts: Vec<Ring>,
    geom: MultiPolygon<f64>,
}

impl Village {
    /// Whether `p` (metres) lies in the main part, outside the holes, at
    /// least `margin` from any border of the main part.
    fn main_contains(&self, p: Xy, margin: f64) -> bool {
        in_ring(&self.outer.m, p)
            && !self.holes.iter().any(|h| in_ring(&h.m, p))
            && self.main_clearance(p) >= margin
    }

    fn main_clearance(&self, p: Xy) -> f64 {
        self.holes
            .iter()
            .map(|h| ring_clearance(&h.m, p))
            .fold(ring_clearance(&self.outer.m, p), f64::min)
    }

    fn bbox(&self) -> [f64; 4] {
        bbox(&self.outer.m)
    }
}

fn bbox(pts: &[Xy]) -> [f64; 4] {
    pts.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, p| {
            [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ]
        },
    )
}

struct Layout {
    proj: LocalProjection,
    county: MultiPolygon<f64>,
    towns: Vec<Town>,
    villages: Vec<Village>,
}

struct Zone {
    code: String,
    name: String,
    kind: &'static str,
    centre: Xy,
    half: [f64; 2],
    angle: f64,
    ring: Ring,
    hosts: Vec<usize>,
    households: u32,
}

impl Zone {
    /// Whether `p` lies within the rectangle grown by `grow` metres.
    fn contains(&self, p: Xy, grow: f64) -> bool {
        let (s, c) = self.angle.sin_cos();
        let (dx, dy) = (p[0] - self.centre[0], p[1] - self.centre[1]);
        let u = c * dx + s * dy;
        let v = -s * dx + c * dy;
        u.abs() <= self.half[0] + grow && v.abs() <= self.half[1] + grow
    }
}

/// One generated household point.
struct Hh {
    m: Xy,
    deg: Xy,
    households: u32,
    population: u32,
    rental: u32,
    shops: u32,
    special: u32,
    village: usize,
    declare_village: bool,
}

/// Generates a synthetic county.
///
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
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = x.round().max(1.0) as usize;
    n
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

// ---------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------

/// Dart throwing: a uniform point in the square of half-side `r`.
fn uniform_in(rng: &mut Rng, r: f64) -> Xy {
    [rng.range(-r, r), rng.range(-r, r)]
}

/// Orders points in serpentine reading order: rows of height `band` from
/// north to south, west to east on even rows and east to west on odd ones.
fn serpentine(points: &[Xy], band: f64) -> Vec<usize> {
    let top = points
        .iter()
        .map(|p| p[1])
        .fold(f64::NEG_INFINITY, f64::max);
    // Rows are small non-negative integers.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let row = |p: Xy| ((top - p[1]) / band).floor().max(0.0) as u64;
    let mut idx: Vec<usize> = (0..points.len()).collect();
    idx.sort_by(|&a, &b| {
        let (ra, rb) = (row(points[a]), row(points[b]));
        ra.cmp(&rb)
            .then_with(|| {
                let c = points[a][0].total_cmp(&points[b][0]);
                if ra % 2 == 0 { c } else { c.reverse() }
            })
            .then(a.cmp(&b))
    });
    idx
}

/// Unique place names from the syllable list.
struct Namer {
    used: BTreeSet<String>,
}

impl Namer {
    fn stem(&mut self, rng: &mut Rng) -> String {
        // Two syllables give 4,096 stems, plenty for a county; after 40
        // collisions we lengthen the stem by one syllable at a time.
        let mut tries = 0u32;
        loop {
            let n = 2 + (tries / 40).min(4);
            let mut s = String::new();
            for _ in 0..n {
                s.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
            }
            if self.used.insert(s.clone()) {
                return s;
            }
            tries += 1;
        }
    }
}

fn build_layout(rng: &mut Rng, nv: usize, nt: usize) -> Result<Layout, Retry> {
    let proj = LocalProjection::new(ORIGIN_LON, ORIGIN_LAT);
    let area = AREA_AT_1_M2 * nv as f64 / VILLAGES_AT_1;
    // Step 1: the outline, 1.35 times wider (east-west) than tall.
    let s = (area / std::f64::consts::PI).sqrt();
    let blob = Blob {
        a: s * 1.35,
        b: s / 1.35,
        harmonics: (2..=6)
            .map(|k| {
                (
                    f64::from(k),
                    rng.range(0.0, 0.05),
                    rng.range(0.0, std::f64::consts::TAU),
                )
            })
            .collect(),
    };
    let rmax = blob.a.max(blob.b) * 1.3;

    // Step 2: town centres; the first is the county seat, east of centre
    // (Rui'an's city lies on the coastal plain).
    let r_town = (area / nt as f64).sqrt();
    let mut centres: Vec<Xy> = vec![[0.3 * blob.a, -0.1 * blob.b]];
    let mut f_min = 0.75;
    let mut fails = 0;
    while centres.len() < nt {
        let p = uniform_in(rng, rmax);
        if !blob.contains(p, 0.8) {
            continue;
        }
        let d = f_min * r_town;
        if centres.iter().any(|&q| dist2(p, q) < d * d) {
            fails += 1;
            if fails > 500 {
                f_min *= 0.9;
                fails = 0;
            }
            continue;
        }
        centres.push(p);
        fails = 0;
    }
    let n_street = (nt as f64 * STREET_SHARE).round() as usize;
    let mut by_seat: Vec<usize> = (0..nt).collect();
    by_seat.sort_by(|&a, &b| {
        dist2(centres[a], centres[0])
            .total_cmp(&dist2(centres[b], centres[0]))
            .then(a.cmp(&b))
    });
    let mut street = vec![false; nt];
    for &t in &by_seat[..n_street] {
        street[t] = true;
    }

    // Step 3: village seeds under a density that peaks at town centres.
    let sigma = 0.3 * r_town;
    let density = |p: Xy| -> f64 {
        let west = 0.5 + 0.5 * ((p[0] / rmax + 1.0) / 2.0).clamp(0.0, 1.0);
        let towns: f64 = centres
            .iter()
            .zip(&street)
            .map(|(&c, &st)| {
                let w = if st { 5.0 } else { 1.5 };
                w * (-dist2(p, c) / (2.0 * sigma * sigma)).exp()
            })
            .sum();
        west + towns
    };
    let rho_max = centres.iter().map(|&c| density(c)).fold(1.0, f64::max) * 1.1;
    let mut rho_sum = 0.0;
    let mut rho_n = 0.0;
    while rho_n < 4000.0 {
        let p = uniform_in(rng, rmax);
        if blob.contains(p, 1.0) {
            rho_sum += density(p);
            rho_n += 1.0;
        }
    }
    let rho_mean = rho_sum / rho_n;
    let spacing = (area / nv as f64).sqrt();
    let mut seeds: Vec<Xy> = Vec::with_capacity(nv);
    let mut f_sep = 0.6;
    let mut fails = 0;
    while seeds.len() < nv {
        let p = uniform_in(rng, rmax);
        if !blob.contains(p, 1.0) {
            continue;
        }
        let rho = density(p);
        if rng.f64() * rho_max > rho {
            continue;
        }
        let d = f_sep * spacing * (rho_mean / rho).sqrt();
        if seeds.iter().any(|&q| dist2(p, q) < d * d) {
            fails += 1;
            if fails > 2000 {
                f_sep *= 0.9;
                fails = 0;
            }
            continue;
        }
        seeds.push(p);
        fails = 0;
    }
    // Margin seeds: two rings outside the outline, plus four far corners so
    // that every inner cell is bounded.
    let mut sites: Vec<Site> = seeds
        .iter()
        .enumerate()
        .map(|(idx, &p)| Site { p, idx })
        .collect();
    let mut th = 0.0;
    while th < std::f64::consts::TAU {
        let rb = blob.radius(th);
        let (sn, cs) = th.sin_cos();
        let edge = [rb * cs, rb * sn];
        let d = spacing * (rho_mean / density(edge)).sqrt();
        for k in [0.5, 1.5] {
            let r = rb + k * d;
            let p = [r * cs, r * sn];
            let near = 0.35 * d;
            if !seeds.iter().any(|&q| dist2(p, q) < near * near) {
                sites.push(Site {
                    p,
                    idx: sites.len(),
                });
            }
        }
        th += 0.8 * d / rb;
    }
    for c in [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]] {
        sites.push(Site {
            p: [c[0] * 4.0 * rmax, c[1] * 4.0 * rmax],
            idx: sites.len(),
        });
    }

    // Step 4: Voronoi cells from the Delaunay triangulation.
    let tri: DelaunayTriangulation<Site> =
        DelaunayTriangulation::bulk_load(sites).map_err(|_| Retry("triangulation failed"))?;
    let nfaces = tri.num_all_faces();
    let mut cc: Vec<Xy> = vec![[f64::NAN, f64::NAN]; nfaces];
    let mut raw: Vec<(Vec<usize>, Vec<usize>)> = vec![(Vec::new(), Vec::new()); nv];
    let mut seen = 0;
    for v in tri.vertices() {
        let i = v.data().idx;
        if i >= nv {
            continue;
        }
        seen += 1;
        let (ring, nbr) = &mut raw[i];
        for e in v.out_edges() {
            let inner = e
                .face()
                .as_inner()
                .ok_or(Retry("an inner cell is unbounded"))?;
            let fi = inner.fix().index();
            if cc[fi][0].is_nan() {
                let c = inner.circumcenter();
                cc[fi] = [c.x, c.y];
            }
            ring.push(fi);
            nbr.push(e.to().data().idx);
        }
    }
    if seen != nv {
        return Err(Retry("a seed was merged by the triangulation"));
    }
    // Merge Voronoi vertices joined by very short edges (union-find whose
    // root is the smallest face index, so the result is order-free).
    let mut parent: Vec<usize> = (0..nfaces).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (ring, _) in &raw {
        let n = ring.len();
        for i in 0..n {
            let (a, b) = (ring[(i + n - 1) % n], ring[i]);
            if dist2(cc[a], cc[b]) < MERGE_M * MERGE_M {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    // Step 5: round each merged vertex once.
    let mut vdeg: Vec<Xy> = vec![[f64::NAN, f64::NAN]; nfaces];
    let mut vm: Vec<Xy> = vec![[f64::NAN, f64::NAN]; nfaces];
    // Per cell: merged vertex ids counter-clockwise, and per edge from
    // ids[j] to ids[j + 1] the seed across it.
    let mut cell_ids: Vec<Vec<usize>> = Vec::with_capacity(nv);
    let mut cell_nbr: Vec<Vec<usize>> = Vec::with_capacity(nv);
    for (ring, nbr) in &raw {
        let n = ring.len();
        let mut ids = Vec::with_capacity(n);
        let mut nb = Vec::with_capacity(n);
        for i in 0..n {
            let a = find(&mut parent, ring[(i + n - 1) % n]);
            let b = find(&mut parent, ring[i]);
            if a != b {
                ids.push(a);
                nb.push(nbr[i]);
            }
            if vdeg[b][0].is_nan() {
                let d = to_deg(&proj, cc[b]);
                vdeg[b] = d;
                vm[b] = proj.forward(d[0], d[1]);
            }
        }
        if ids.len() < 3 || ids.iter().collect::<BTreeSet<_>>().len() != ids.len() {
            return Err(Retry("a degenerate cell"));
        }
        let m: Vec<Xy> = ids.iter().map(|&k| vm[k]).collect();
        if signed_area2(&m) <= 0.0 {
            return Err(Retry("a cell is not counter-clockwise"));
        }
        cell_ids.push(ids);
        cell_nbr.push(nb);
    }
    let adjacency: Vec<Vec<usize>> = cell_nbr
        .iter()
        .map(|nb| {
            let s: BTreeSet<usize> = nb.iter().copied().filter(|&j| j < nv).collect();
            s.into_iter().collect()
        })
        .collect();

    // Step 6: towns by multi-source Dijkstra from the village nearest each
    // centre.
    let mut town_of = vec![usize::MAX; nv];
    let mut dist = vec![f64::INFINITY; nv];
    let mut heap = BinaryHeap::new();
    let mut taken = BTreeSet::new();
    for (t, &c) in centres.iter().enumerate() {
        let v = (0..nv)
            .filter(|v| !taken.contains(v))
            .min_by(|&a, &b| {
                dist2(seeds[a], c)
                    .total_cmp(&dist2(seeds[b], c))
                    .then(a.cmp(&b))
            })
            .ok_or(Retry("more towns than villages"))?;
        taken.insert(v);
        dist[v] = 0.0;
        town_of[v] = t;
        heap.push(Reverse((0u64, v, t)));
    }
    while let Some(Reverse((dbits, v, t))) = heap.pop() {
        let d = f64::from_bits(dbits);
        if d > dist[v] || town_of[v] != t {
            continue;
        }
        for &u in &adjacency[v] {
            let nd = d + dist2(seeds[v], seeds[u]).sqrt();
            if nd < dist[u] {
                dist[u] = nd;
                town_of[u] = t;
                // Non-negative floats order like their bit patterns.
                heap.push(Reverse((nd.to_bits(), u, t)));
            }
        }
    }
    if town_of.contains(&usize::MAX) {
        return Err(Retry("the cells are not connected"));
    }

    // Step 7: urban communities and codes.
    let n_urban = (nv as f64 * URBAN_SHARE).round() as usize;
    let mut by_urban: Vec<usize> = (0..nv).collect();
    let score = |v: usize| {
        let t = town_of[v];
        dist2(seeds[v], centres[t]).sqrt() * if street[t] { 0.5 } else { 1.0 }
    };
    by_urban.sort_by(|&a, &b| score(a).total_cmp(&score(b)).then(a.cmp(&b)));
    let mut urban = vec![false; nv];
    for &v in &by_urban[..n_urban] {
        urban[v] = true;
    }
    let mut namer = Namer {
        used: BTreeSet::new(),
    };
    let town_order: Vec<usize> = {
        let order = serpentine(&centres, 2.0 * r_town);
        let mut o: Vec<usize> = order.iter().copied().filter(|&t| street[t]).collect();
        o.extend(order.iter().copied().filter(|&t| !street[t]));
        o
    };
    let mut town_code = vec![String::new(); nt];
    let mut towns = Vec::with_capacity(nt);
    let (mut n_st, mut n_tn) = (0, 100);
    for &t in &town_order {
        let seq = if street[t] {
            n_st += 1;
            n_st
        } else {
            n_tn += 1;
            n_tn
        };
        town_code[t] = format!("{COUNTY_CODE}{seq:03}");
        let stem = namer.stem(rng);
        towns.push(Town {
            code: town_code[t].clone(),
            name: format!("{stem}{}", if street[t] { "街道" } else { "镇" }),
            geom: MultiPolygon::new(vec![]),
        });
    }
    // Village order: by town code, then communities, then villages, each in
    // serpentine order.
    let mut order: Vec<usize> = Vec::with_capacity(nv);
    let mut vcode = vec![String::new(); nv];
    for &t in &town_order {
        let members: Vec<usize> = (0..nv).filter(|&v| town_of[v] == t).collect();
        let pts: Vec<Xy> = members.iter().map(|&v| seeds[v]).collect();
        let ser = serpentine(&pts, spacing);
        let n_comm = members.iter().filter(|&&v| urban[v]).count();
        let (mut c, mut r) = (0usize, n_comm.max(200));
        for &k in &ser {
            let v = members[k];
            let seq = if urban[v] {
                c += 1;
                c
            } else {
                r += 1;
                r
            };
            if seq > 999 {
                return Err(Retry("a town has more than 999 villages"));
            }
            vcode[v] = format!("{}{seq:03}", town_code[t]);
        }
        order.extend(ser.iter().map(|&k| members[k]));
    }
    order.sort_by(|&a, &b| vcode[a].cmp(&vcode[b]));
    let mut index_of = vec![0; nv];
    for (i, &v) in order.iter().enumerate() {
        index_of[v] = i;
    }
    let town_index: BTreeMap<&str, usize> = towns
        .iter()
        .enumerate()
        .map(|(i, t)| (t.code.as_str(), i))
        .collect();
    let mut villages: Vec<Village> = Vec::with_capacity(nv);
    for &v in &order {
        let stem = namer.stem(rng);
        let ids = &cell_ids[v];
        villages.push(Village {
            code: vcode[v].clone(),
            name: format!("{stem}{}", if urban[v] { "社区" } else { "村" }),
            town: town_index[&town_code[town_of[v]][..]],
            urban: urban[v],
            outer: Ring {
                deg: ids.iter().map(|&k| vdeg[k]).collect(),
                m: ids.iter().map(|&k| vm[k]).collect(),
            },
            // cell_nbr[v][j] is the neighbour across the edge that starts
            // at ids[j].
            outer_nbr: cell_nbr[v]
                .iter()
                .map(|&u| (u < nv).then(|| index_of[u]))
                .collect(),
            holes: Vec::new(),
            parts: Vec::new(),
            geom: MultiPolygon::new(vec![]),
        });
    }

    // Towns and county: exact unions of cells.
    for (ti, town) in towns.iter_mut().enumerate() {
        let cells: Vec<&Vec<usize>> = order
            .iter()
            .filter(|&&v| villages[index_of[v]].town == ti)
            .map(|&v| &cell_ids[v])
            .collect();
        town.geom = union_of(&cells, &vdeg, &vm)?;
        if !town.geom.is_valid() {
            return Err(Retry("invalid town polygon"));
        }
    }
    let all: Vec<&Vec<usize>> = cell_ids.iter().collect();
    let county = union_of(&all, &vdeg, &vm)?;
    if county.0.len() != 1 || !county.0[0].interiors().is_empty() || !county.is_valid() {
        return Err(Retry("the county is not one simple polygon"));
    }

    // Step 8: enclaves and lakes.
    let n_special = if nv >= 2 {
        count(nv as f64 * ENCLAVE_SHARE)
    } else {
        0
    };
    let mut has_hole = vec![false; nv];
    let mut owns = vec![false; nv];
    let mut made = 0;
    for _ in 0..200 * n_special.max(1) {
        if made >= n_special {
            break;
        }
        let a = rng.below(nv);
        if owns[a] {
            continue;
        }
        let hosts: Vec<usize> = villages[a]
            .outer_nbr
            .iter()
            .flatten()
            .copied()
            .filter(|&b| !has_hole[b] && villages[b].town == villages[a].town)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if hosts.is_empty() {
            continue;
        }
        let b = hosts[rng.below(hosts.len())];
        let h = rng.range(40.0, 110.0);
        let Some(c) = find_spot(rng, &villages[b], h * std::f64::consts::SQRT_2 + 25.0) else {
            continue;
        };
        let sq = [
            [c[0] - h, c[1] - h],
            [c[0] + h, c[1] - h],
            [c[0] + h, c[1] + h],
            [c[0] - h, c[1] + h],
        ];
        let ring = Ring::from_metres(&proj, &sq);
        villages[b].holes.push(ring.clone());
        villages[a].parts.push(ring);
        has_hole[b] = true;
        owns[a] = true;
        made += 1;
    }
    let mut lakes = 0;
    for _ in 0..200 * n_special.max(1) {
        if lakes >= n_special.max(1) {
            break;
        }
        let c_v = rng.below(nv);
        if has_hole[c_v] || owns[c_v] {
            continue;
        }
        let r = rng.range(80.0, 300.0);
        let Some(c) = find_spot(rng, &villages[c_v], 1.3 * r + 25.0) else {
            continue;
        };
        let m = 10;
        let pts: Vec<Xy> = (0..m)
            .map(|i| {
                let th = std::f64::consts::TAU * f64::from(i) / f64::from(m);
                let rr = r * rng.range(0.75, 1.25);
                [c[0] + rr * th.cos(), c[1] + rr * th.sin()]
            })
            .collect();
        villages[c_v].holes.push(Ring::from_metres(&proj, &pts));
        has_hole[c_v] = true;
        lakes += 1;
    }
    for v in &mut villages {
        let main = Polygon::new(
            v.outer.line(false),
            v.holes.iter().map(|h| h.line(true)).collect(),
        );
        let mut polys = vec![main];
        polys.extend(v.parts.iter().map(|p| Polygon::new(p.line(false), vec![])));
        v.geom = MultiPolygon::new(polys);
        if !v.geom.is_valid() {
            return Err(Retry("invalid village polygon"));
        }
    }
    Ok(Layout {
        proj,
        county,
        towns,
        villages,
    })
}

/// A random point of the village's main part with at least `clearance`
/// metres to every border, or `None` after a few hundred tries.
fn find_spot(rng: &mut Rng, v: &Village, clearance: f64) -> Option<Xy> {
    let b = v.bbox();
    for _ in 0..300 {
        let p = [rng.range(b[0], b[2]), rng.range(b[1], b[3])];
        if v.main_contains(p, clearance) {
            return Some(p);
        }
    }
    None
}

/// The union of cells (rings of shared vertex ids) as a MultiPolygon in
/// degrees, traced over the edges that have no reverse twin.
fn union_of(cells: &[&Vec<usize>], vdeg: &[Xy], vm: &[Xy]) -> Result<MultiPolygon<f64>, Retry> {
    let mut edges: HashSet<(usize, usize)> = HashSet::new();
    for ring in cells {
        let n = ring.len();
        for i in 0..n {
            edges.insert((ring[i], ring[(i + 1) % n]));
        }
    }
    let mut next: BTreeMap<usize, usize> = BTreeMap::new();
    for &(a, b) in &edges {
        if !edges.contains(&(b, a)) && next.insert(a, b).is_some() {
            // Two cells of the region touch at a single vertex.
            return Err(Retry("a region is pinched at a vertex"));
        }
    }
    let mut outers: Vec<Vec<usize>> = Vec::new();
    let mut holes: Vec<Vec<usize>> = Vec::new();
    while let Some((&start, _)) = next.first_key_value() {
        let mut ring = Vec::new();
        let mut cur = start;
        loop {
            let nx = next.remove(&cur).ok_or(Retry("an open boundary"))?;
            ring.push(cur);
            cur = nx;
            if cur == start {
                break;
            }
        }
        let m: Vec<Xy> = ring.iter().map(|&k| vm[k]).collect();
        if signed_area2(&m) > 0.0 {
            outers.push(ring);
        } else {
            holes.push(ring);
        }
    }
    let line = |ring: &[usize]| {
        LineString::new(
            ring.iter()
                .map(|&k| Coord {
                    x: vdeg[k][0],
                    y: vdeg[k][1],
                })
                .collect(),
        )
    };
    let mut interiors: Vec<Vec<LineString<f64>>> = vec![Vec::new(); outers.len()];
    for h in &holes {
        let p = vm[h[0]];
        let host = outers
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                let m: Vec<Xy> = o.iter().map(|&k| vm[k]).collect();
                in_ring(&m, p)
            })
            .min_by(|(_, a), (_, b)| {
                let am: Vec<Xy> = a.iter().map(|&k| vm[k]).collect();
                let bm: Vec<Xy> = b.iter().map(|&k| vm[k]).collect();
                signed_area2(&am).total_cmp(&signed_area2(&bm))
            })
            .map(|(i, _)| i)
            .ok_or(Retry("a hole outside every ring"))?;
        interiors[host].push(line(h));
    }
    Ok(MultiPolygon::new(
        outers
            .iter()
            .zip(interiors)
            .map(|(o, ints)| Polygon::new(line(o), ints))
            .collect(),
    ))
}

// ---------------------------------------------------------------------------
// Zones
// ---------------------------------------------------------------------------

fn place_zones(layout: &mut Layout, seed: u64, scale: f64) -> Result<Vec<Zone>, Retry> {
    let mut rng = Rng::derive(seed, "zones");
    let nz = count(ZONES_AT_1 * scale);
    let nv = layout.villages.len();
    let urban: Vec<usize> = (0..nv).filter(|&v| layout.villages[v].urban).collect();
    let rural: Vec<usize> = (0..nv).filter(|&v| !layout.villages[v].urban).collect();
    let all: Vec<usize> = (0..nv).collect();
    let mut used = vec![false; nv];
    let mut zones: Vec<Zone> = Vec::with_capacity(nz);
    let suffix = |kind: &str, rng: &mut Rng| -> &'static str {
        let opts: &[&'static str] = match kind {
            "park" => &["工业园区", "经济开发区", "小微企业园"],
            "school" => &["中学", "小学", "实验学校", "职业技术学校"],
            "hospital" => &["人民医院", "中医院", "卫生院"],
            "market" => &["农贸市场", "批发市场", "综合市场"],
            _ => &[
                "汽摩配有限公司",
                "鞋业有限公司",
                "机械有限公司",
                "包装有限公司",
            ],
        };
        opts[rng.below(opts.len())]
    };
    for i in 0..nz {
        let kind = ZONE_KINDS[i % ZONE_KINDS.len()];
        let mut half = [rng.range(50.0, 200.0), rng.range(50.0, 200.0)];
        let mut placed: Option<(Xy, f64, Vec<usize>)> = None;
        // Zone 10, 30, 50, ...: an enterprise straddling a village border.
        if i % 20 == 9 {
            placed = straddle(&mut rng, layout, &zones, half);
        }
        let pool: &[usize] = match kind {
            "school" | "hospital" | "market" if !urban.is_empty() => &urban,
            _ if !rural.is_empty() => &rural,
            _ => &all,
        };
        let mut tries = 0;
        while placed.is_none() && tries < 400 {
            tries += 1;
            if tries % 100 == 0 {
                // Small villages: shrink the premises, never below 100 m.
                half = [(half[0] * 0.8).max(50.0), (half[1] * 0.8).max(50.0)];
            }
            let fresh: Vec<usize> = pool.iter().copied().filter(|&v| !used[v]).collect();
            let cand = if fresh.is_empty() { pool } else { &fresh[..] };
            let v = cand[rng.below(cand.len())];
            let r = half[0].hypot(half[1]);
            let Some(c) = find_spot(&mut rng, &layout.villages[v], r + 15.0) else {
                continue;
            };
            if zones
                .iter()
                .any(|z| dist2(z.centre, c).sqrt() < r + z.half[0].hypot(z.half[1]) + 10.0)
            {
                continue;
            }
            placed = Some((c, rng.range(-0.5, 0.5), vec![v]));
        }
        let (centre, angle, hosts) = placed.ok_or(Retry("no room for a zone"))?;
        for &h in &hosts {
            used[h] = true;
        }
        let (s, c) = angle.sin_cos();
        let corners: Vec<Xy> = [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]
            .iter()
            .map(|k| {
                let (u, v) = (k[0] * half[0], k[1] * half[1]);
                [centre[0] + c * u - s * v, centre[1] + s * u + c * v]
            })
            .collect();
        let stem = layout.villages[hosts[0]]
            .name
            .trim_end_matches("社区")
            .trim_end_matches('村');
        let name = format!("{stem}{}", suffix(kind, &mut rng));
        let households = rng.range(100.0, 600.0).round() as u32;
        zones.push(Zone {
            code: format!("Z{:03}", i + 1),
            name,
            kind,
            centre,
            half,
            angle,
            ring: Ring::from_metres(&layout.proj, &corners),
            hosts,
            households,
        });
    }
    Ok(zones)
}

/// A zone centred on the border between two villages without holes, or
/// `None` when no border is long enough.
fn straddle(
    rng: &mut Rng,
    layout: &Layout,
    zones: &[Zone],
    half: [f64; 2],
) -> Option<(Xy, f64, Vec<usize>)> {
    let vs = &layout.villages;
    let r = half[0].hypot(half[1]);
    let start = rng.below(vs.len());
    for k in 0..vs.len() {
        let a = (start + k) % vs.len();
        if !vs[a].holes.is_empty() {
            continue;
        }
        let n = vs[a].outer.m.len();
        for j in 0..n {
            let Some(b) = vs[a].outer_nbr[j] else {
                continue;
            };
            if !vs[b].holes.is_empty() {
                continue;
            }
            let (p, q) = (vs[a].outer.m[j], vs[a].outer.m[(j + 1) % n]);
            let c = [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0];
            // Every other edge of both cells must be out of reach.
            let ok = [a, b].iter().all(|&v| {
                let ring = &vs[v].outer.m;
                let m = ring.len();
                (0..m).all(|i| {
                    let (e0, e1) = (ring[i], ring[(i + 1) % m]);
                    let shared = (e0 == p && e1 == q) || (e0 == q && e1 == p);
                    shared || seg_dist2(c, e0, e1).sqrt() > r + 15.0
                })
            });
            let free = zones
                .iter()
                .all(|z| dist2(z.centre, c).sqrt() > r + z.half[0].hypot(z.half[1]) + 10.0);
            if ok && free {
                let angle = (q[1] - p[1]).atan2(q[0] - p[0]);
                return Some((c, angle, vec![a, b]));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Households
// ---------------------------------------------------------------------------

/// Households of an urban block: lognormal, median 28, within 10-120.
fn block_size(rng: &mut Rng) -> u32 {
    (28.0 * (0.65 * rng.normal()).exp())
        .round()
        .clamp(10.0, 120.0) as u32
}

/// Households of a rural house: 1, 2 or 3 (mean 1.6).
fn house_size(rng: &mut Rng) -> u32 {
    let u = rng.f64();
    if u < 0.55 {
        1
    } else if u < 0.85 {
        2
    } else {
        3
    }
}

/// Probability that a block of 20+ households is written as two address
/// points at the same coordinate.
const DOUBLE_ADDRESS: f64 = 0.02;

/// Splits `total` households into points drawn by `draw`, keeping every
/// point at or above `min` (the last one absorbs the remainder).
fn split_sizes(
    rng: &mut Rng,
    total: u32,
    min: u32,
    max: u32,
    draw: fn(&mut Rng) -> u32,
) -> Vec<u32> {
    let mut out = Vec::new();
    let mut rem = total;
    while rem > 0 {
        let mut d = draw(rng).min(rem);
        if rem - d < min && rem - d > 0 {
            d = if rem <= max { rem } else { rem - min };
        }
        out.push(d);
        rem -= d;
    }
    out
}

/// The expected households per urban address point, by sampling the block
/// distribution with a fixed stream (independent of the user's seed).
fn urban_mean() -> f64 {
    let mut rng = Rng::new(0x5EED_B10C);
    let (mut h, mut p) = (0.0, 0.0);
    for _ in 0..20_000 {
        let d = block_size(&mut rng);
        h += f64::from(d);
        p += if d >= 20 { 1.0 + DOUBLE_ADDRESS } else { 1.0 };
    }
    h / p
}

struct Props {
    rental: u32,
    shops: u32,
    special: u32,
}

fn workload(rng: &mut Rng, hh: u32, urban: bool) -> Props {
    let (p_rental, p_shops) = if urban { (0.25, 0.15) } else { (0.08, 0.05) };
    let rental = if rng.f64() < p_rental {
        (f64::from(hh) * rng.range(0.05, 0.4)).round() as u32
    } else {
        0
    };
    let shops = if rng.f64() < p_shops {
        1 + rng.below(if urban { 4 } else { 2 }) as u32
    } else {
        0
    };
    let special = if rng.f64() < 0.04 {
        1 + rng.below(2) as u32
    } else {
        0
    };
    Props {
        rental,
        shops,
        special,
    }
}

fn population(rng: &mut Rng, hh: u32) -> u32 {
    let p = (f64::from(hh) * 2.8 * (0.15 * rng.normal()).exp()).round() as u32;
    p.max(hh)
}

/// Accepts `m` (metres) as a point of village `v` when it passes the
/// metric tests and geo's `Contains` on the rounded geometry.
fn accept(layout: &Layout, v: usize, m: Xy, in_part: Option<usize>) -> Option<(Xy, Xy)> {
    let vil = &layout.villages[v];
    let ok = match in_part {
        None => vil.main_contains(m, EDGE_CLEARANCE_M),
        Some(k) => {
            let r = &vil.parts[k].m;
            in_ring(r, m) && ring_clearance(r, m) >= EDGE_CLEARANCE_M
        }
    };
    if !ok {
        return None;
    }
    let deg = to_deg(&layout.proj, m);
    if !vil.geom.contains(&Point::new(deg[0], deg[1])) {
        return None;
    }
    Some((layout.proj.forward(deg[0], deg[1]), deg))
}

#[allow(clippy::too_many_lines)]
fn place_households(layout: &Layout, zones: &[Zone], seed: u64) -> Result<Vec<Hh>, Retry> {
    let nv = layout.villages.len();
    let total_h = HOUSEHOLDS_AT_1 * nv as f64 / VILLAGES_AT_1;
    let total_p = POINTS_AT_1 * nv as f64 / VILLAGES_AT_1;
    let m_u = urban_mean();
    let zone_h: f64 = zones.iter().map(|z| f64::from(z.households)).sum();
    let village_h = (total_h - zone_h).max(nv as f64 * 30.0);
    let village_p = total_p - zone_h / m_u;
    // Hu/m_u + Hr/1.6 = P and Hu + Hr = H.
    let n_urban = layout.villages.iter().filter(|v| v.urban).count();
    let h_rural = if n_urban == 0 {
        village_h
    } else {
        ((village_p - village_h / m_u) / (1.0 / 1.6 - 1.0 / m_u))
            .clamp(0.1 * village_h, 0.9 * village_h)
    };
    let h_urban = village_h - h_rural;
    // Lognormal village sizes within each class.
    let mut size_rng = Rng::derive(seed, "sizes");
    let w: Vec<f64> = layout
        .villages
        .iter()
        .map(|v| (if v.urban { 0.5 } else { 0.6 } * size_rng.normal()).exp())
        .collect();
    let (wu, wr) = layout
        .villages
        .iter()
        .zip(&w)
        .fold(
            (0.0, 0.0),
            |(u, r), (v, &x)| {
                if v.urban { (u + x, r) } else { (u, r + x) }
            },
        );
    let targets: Vec<u32> = layout
        .villages
        .iter()
        .zip(&w)
        .map(|(v, &x)| {
            if v.urban {
                (h_urban * x / wu).round().max(200.0) as u32
            } else {
                (h_rural * x / wr).round().max(25.0) as u32
            }
        })
        .collect();

    let mut out: Vec<Hh> = Vec::with_capacity(total_p as usize + 1000);
    for (vi, vil) in layout.villages.iter().enumerate() {
        let mut rng = Rng::derive(seed, &format!("village/{}", vil.code));
        let mut target = targets[vi];
        let zones_here: Vec<&Zone> = zones.iter().filter(|z| z.hosts.contains(&vi)).collect();
        let clear_of_zones = |m: Xy| !zones_here.iter().any(|z| z.contains(m, 5.0));
        let push = |rng: &mut Rng, m: Xy, deg: Xy, hh: u32, urban: bool, out: &mut Vec<Hh>| {
            let pr = workload(rng, hh, urban);
            let population = population(rng, hh);
            out.push(Hh {
                m,
                deg,
                households: hh,
                population,
                rental: pr.rental,
                shops: pr.shops,
                special: pr.special,
                village: vi,
                declare_village: rng.f64() < 0.5,
            });
        };
        // A few houses in each enclave part.
        for (k, part) in vil.parts.iter().enumerate() {
            let b = bbox(&part.m);
            let n = 2 + rng.below(4);
            for _ in 0..n {
                let hh = house_size(&mut rng).min(target.saturating_sub(1)).max(1);
                let mut placed = false;
                for _ in 0..1000 {
                    let m = [rng.range(b[0], b[2]), rng.range(b[1], b[3])];
                    if let Some((m, deg)) = accept(layout, vi, m, Some(k)) {
                        push(&mut rng, m, deg, hh, vil.urban, &mut out);
                        placed = true;
                        break;
                    }
                }
                if !placed {
                    return Err(Retry("no room in an enclave"));
                }
                target = target.saturating_sub(hh).max(1);
            }
        }
        let sizes = if vil.urban {
            split_sizes(&mut rng, target, 10, 120, block_size)
        } else {
            split_sizes(&mut rng, target, 1, 3, house_size)
        };
        // Clusters: hamlets of ~110 households or estates of ~700.
        let per = if vil.urban { 700.0 } else { 110.0 };
        let n_cl = ((f64::from(target) / per * rng.range(0.7, 1.3)).round() as usize).clamp(1, 30);
        let mut clusters: Vec<(Xy, f64, f64)> = Vec::with_capacity(n_cl);
        let b = vil.bbox();
        let mut tries = 0;
        while clusters.len() < n_cl && tries < 3000 {
            tries += 1;
            let p = [rng.range(b[0], b[2]), rng.range(b[1], b[3])];
            if vil.main_contains(p, 30.0) && clear_of_zones(p) {
                let sigma = if vil.urban {
                    rng.range(60.0, 160.0)
                } else {
                    rng.range(50.0, 130.0)
                };
                clusters.push((p, sigma, rng.range(0.5, 1.5)));
            }
        }
        if clusters.is_empty() {
            return Err(Retry("no room for a hamlet"));
        }
        let wsum: f64 = clusters.iter().map(|c| c.2).sum();
        for hh in sizes {
            let mut found = None;
            for attempt in 0..10_000 {
                let m = if attempt < 40 {
                    let mut u = rng.f64() * wsum;
                    let mut ci = clusters.len() - 1;
                    for (j, c) in clusters.iter().enumerate() {
                        if u < c.2 {
                            ci = j;
                            break;
                        }
                        u -= c.2;
                    }
                    let (c, s, _) = clusters[ci];
                    [c[0] + s * rng.normal(), c[1] + s * rng.normal()]
                } else {
                    [rng.range(b[0], b[2]), rng.range(b[1], b[3])]
                };
                if !clear_of_zones(m) {
                    continue;
                }
                if let Some(ok) = accept(layout, vi, m, None) {
                    found = Some(ok);
                    break;
                }
            }
            let (m, deg) = found.ok_or(Retry("no room for a household"))?;
            if vil.urban && hh >= 20 && rng.f64() < DOUBLE_ADDRESS {
                let h1 = hh / 2;
                push(&mut rng, m, deg, h1, true, &mut out);
                push(&mut rng, m, deg, hh - h1, true, &mut out);
            } else {
                push(&mut rng, m, deg, hh, vil.urban, &mut out);
            }
        }
    }
    // Zone premises: blocks inside each zone, 10 m from its edges.
    for z in zones {
        let mut rng = Rng::derive(seed, &format!("zone/{}", z.code));
        let (s, c) = z.angle.sin_cos();
        for hh in split_sizes(&mut rng, z.households, 10, 120, block_size) {
            let mut found = None;
            for _ in 0..10_000 {
                let u = rng.range(-z.half[0] + 10.0, z.half[0] - 10.0);
                let v = rng.range(-z.half[1] + 10.0, z.half[1] - 10.0);
                let m = [z.centre[0] + c * u - s * v, z.centre[1] + s * u + c * v];
                if let Some(&vi) = z
                    .hosts
                    .iter()
                    .find(|&&h| layout.villages[h].main_contains(m, EDGE_CLEARANCE_M))
                    && let Some((m, deg)) = accept(layout, vi, m, None)
                {
                    found = Some((vi, m, deg));
                    break;
                }
            }
            let (vi, m, deg) = found.ok_or(Retry("no room in a zone"))?;
            let pr = workload(&mut rng, hh, true);
            let population = population(&mut rng, hh);
            out.push(Hh {
                m,
                deg,
                households: hh,
                population,
                rental: pr.rental,
                shops: pr.shops,
                special: pr.special,
                village: vi,
                declare_village: rng.f64() < 0.5,
            });
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Current grids
// ---------------------------------------------------------------------------

/// The current grid code of every household point.
fn current_grids(layout: &Layout, hh: &[Hh], scale: f64) -> Vec<String> {
    let nv = layout.villages.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); nv];
    for (i, h) in hh.iter().enumerate() {
        members[h.village].push(i);
    }
    let w: Vec<f64> = members
        .iter()
        .map(|m| m.iter().map(|&i| f64::from(hh[i].households)).sum())
        .collect();
    let k_target = count(GRIDS_AT_1 * scale);
    let k_of = |d: f64| -> Vec<usize> {
        w.iter()
            .zip(&members)
            .map(|(&wv, m)| count(wv / d).min(m.len().max(1)))
            .collect()
    };
    let total_k = |d: f64| -> usize { k_of(d).iter().sum() };
    // Calibrate the divisor D (the brief's total/K is the starting guess):
    // the max(1, .) floor adds grids for small villages, so the plain ratio
    // overshoots the target by several per cent.
    let total_w: f64 = w.iter().sum();
    let (mut lo, mut hi) = (1.0, total_w.max(2.0));
    for _ in 0..100 {
        let mid = (lo * hi).sqrt();
        if total_k(mid) > k_target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let d = if total_k(lo).abs_diff(k_target) < total_k(hi).abs_diff(k_target) {
        lo
    } else {
        hi
    };
    let ks = k_of(d);
    let xy: Vec<Xy> = hh.iter().map(|h| h.m).collect();
    let wt: Vec<f64> = hh.iter().map(|h| f64::from(h.households)).collect();
    let mut codes = vec![String::new(); hh.len()];
    for (v, mut idx) in members.into_iter().enumerate() {
        let mut parts = Vec::new();
        bisect(&mut idx, ks[v], &xy, &wt, &mut parts);
        for (seq, part) in parts.iter().enumerate() {
            let code = format!("{}{:03}", layout.villages[v].code, seq + 1);
            for &i in part {
                codes[i].clone_from(&code);
            }
        }
    }
    codes
}

/// Recursive weighted coordinate bisection of `idx` into `k` parts, cut
/// across the longer side of the bounding box at the weight share k1/k.
fn bisect(idx: &mut [usize], k: usize, xy: &[Xy], w: &[f64], out: &mut Vec<Vec<usize>>) {
    let k = k.min(idx.len());
    if k <= 1 {
        if !idx.is_empty() {
            out.push(idx.to_vec());
        }
        return;
    }
    let pts: Vec<Xy> = idx.iter().map(|&i| xy[i]).collect();
    let b = bbox(&pts);
    if b[2] - b[0] >= b[3] - b[1] {
        idx.sort_by(|&a, &c| xy[a][0].total_cmp(&xy[c][0]).then(a.cmp(&c)));
    } else {
        // North first, so codes read from the top.
        idx.sort_by(|&a, &c| xy[c][1].total_cmp(&xy[a][1]).then(a.cmp(&c)));
    }
    let k1 = k / 2;
    let k2 = k - k1;
    let total: f64 = idx.iter().map(|&i| w[i]).sum();
    let target = total * k1 as f64 / k as f64;
    let (lo, hi) = (k1, idx.len() - k2);
    let mut cum = 0.0;
    let mut best = (f64::INFINITY, lo);
    for (c, &i) in idx.iter().enumerate().take(hi + 1) {
        if c >= lo {
            let dev = (cum - target).abs();
            if dev < best.0 {
                best = (dev, c);
            }
        }
        cum += w[i];
    }
    let (l, r) = idx.split_at_mut(best.1);
    bisect(l, k1, xy, w, out);
    bisect(r, k2, xy, w, out);
}

// ---------------------------------------------------------------------------
// Features
// ---------------------------------------------------------------------------

fn feature(value: GeometryValue, props: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry: Some(Geometry::new(value)),
        id: None,
        properties: Some(props),
        foreign_members: None,
    }
}

fn area_value(mp: &MultiPolygon<f64>) -> GeometryValue {
    if mp.0.len() == 1 {
        GeometryValue::from(&mp.0[0])
    } else {
        GeometryValue::from(mp)
    }
}

fn boundary_props(code: &str, name: &str, level: &str, parent: Option<&str>) -> JsonObject {
    let mut p = JsonObject::new();
    p.insert("code".into(), code.into());
    p.insert("name".into(), name.into());
    p.insert("level".into(), level.into());
    p.insert(
        "parent".into(),
        parent.map_or(JsonValue::Null, JsonValue::from),
    );
    p
}

fn boundary_features(layout: &Layout) -> FeatureCollection {
    let mut f = vec![feature(
        area_value(&layout.county),
        boundary_props(COUNTY_CODE, "瑞安市（合成）", "county", None),
    )];
    for t in &layout.towns {
        f.push(feature(
            area_value(&t.geom),
            boundary_props(&t.code, &t.name, "town", Some(COUNTY_CODE)),
        ));
    }
    for v in &layout.villages {
        f.push(feature(
            area_value(&v.geom),
            boundary_props(
                &v.code,
                &v.name,
                "village",
                Some(&layout.towns[v.town].code),
            ),
        ));
    }
    FeatureCollection::new(f)
}

fn household_features(layout: &Layout, hh: &[Hh], grids: &[String]) -> FeatureCollection {
    FeatureCollection::new(hh.iter().zip(grids).enumerate().map(|(i, (h, g))| {
        let mut p = JsonObject::new();
        p.insert("id".into(), format!("H{:07}", i + 1).into());
        p.insert("households".into(), h.households.into());
        p.insert("population".into(), h.population.into());
        p.insert("rental".into(), h.rental.into());
        p.insert("shops".into(), h.shops.into());
        p.insert("special".into(), h.special.into());
        if h.declare_village {
            p.insert(
                "village".into(),
                layout.villages[h.village].code.clone().into(),
            );
        }
        p.insert("grid".into(), g.clone().into());
        feature(GeometryValue::new_point(h.deg), p)
    }))
}

fn zone_features(zones: &[Zone]) -> FeatureCollection {
    FeatureCollection::new(zones.iter().map(|z| {
        let mut p = JsonObject::new();
        p.insert("code".into(), z.code.clone().into());
        p.insert("name".into(), z.name.clone().into());
        p.insert("kind".into(), z.kind.into());
        feature(
            GeometryValue::from(&Polygon::new(z.ring.line(false), vec![])),
            p,
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, BoundingRect, Rect};

    fn make(scale: f64, seed: u64) -> SynthCounty {
        generate(&SynthParams { scale, seed }).unwrap()
    }

    fn bytes(c: &SynthCounty) -> Vec<u8> {
        let mut out = Vec::new();
        for fc in [&c.households, &c.boundaries, &c.zones] {
            write_collection(fc, &mut out).unwrap();
        }
        out
    }

    fn prop<'a>(f: &'a Feature, key: &str) -> Option<&'a JsonValue> {
        f.properties.as_ref().and_then(|p| p.get(key))
    }

    fn text(f: &Feature, key: &str) -> String {
        prop(f, key)
            .and_then(JsonValue::as_str)
            .unwrap_or_default()
            .to_string()
    }

    fn area_geom(f: &Feature) -> MultiPolygon<f64> {
        let g = &f.geometry.as_ref().unwrap().value;
        match g {
            GeometryValue::Polygon { .. } => MultiPolygon::new(vec![Polygon::try_from(g).unwrap()]),
            _ => MultiPolygon::try_from(g).unwrap(),
        }
    }

    fn point(f: &Feature) -> Point<f64> {
        Point::try_from(&f.geometry.as_ref().unwrap().value).unwrap()
    }

    struct Unit {
        code: String,
        parent: String,
        level: String,
        geom: MultiPolygon<f64>,
    }

    fn units(c: &SynthCounty) -> Vec<Unit> {
        c.boundaries
            .features
            .iter()
            .map(|f| Unit {
                code: text(f, "code"),
                parent: text(f, "parent"),
                level: text(f, "level"),
                geom: area_geom(f),
            })
            .collect()
    }

    fn metres(g: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        let mut g = g.clone();
        LocalProjection::new(ORIGIN_LON, ORIGIN_LAT).forward_geometry(&mut g);
        g
    }

    fn of_level<'a>(u: &'a [Unit], level: &str) -> Vec<&'a Unit> {
        u.iter().filter(|x| x.level == level).collect()
    }

    /// Area of the village holes that no other village fills: the lakes.
    fn lake_area(villages: &[&Unit]) -> f64 {
        let holes: f64 = villages
            .iter()
            .flat_map(|v| v.geom.0.iter())
            .flat_map(|p| p.interiors())
            .map(|r| Polygon::new(r.clone(), vec![]))
            .map(|p| metres(&MultiPolygon::new(vec![p])).unsigned_area())
            .sum();
        let enclaves: f64 = villages
            .iter()
            .flat_map(|v| v.geom.0.iter().skip(1))
            .map(|p| metres(&MultiPolygon::new(vec![p.clone()])).unsigned_area())
            .sum();
        holes - enclaves
    }

    #[test]
    fn same_seed_same_bytes_other_seed_differs() {
        let a = bytes(&make(0.05, 7));
        let b = bytes(&make(0.05, 7));
        assert_eq!(a, b);
        let c = bytes(&make(0.05, 8));
        assert_ne!(a, c);
    }

    #[test]
    fn invalid_scale_is_refused() {
        for s in [0.0, -1.0, 4.01, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                generate(&SynthParams { scale: s, seed: 1 }),
                Err(SynthError::InvalidScale { .. })
            ));
        }
        assert!(
            generate(&SynthParams {
                scale: 0.001,
                seed: 1
            })
            .is_ok()
        );
    }

    #[test]
    fn full_scale_counts() {
        let c = make(1.0, 2024);
        let hh: u64 = c
            .households
            .features
            .iter()
            .map(|f| prop(f, "households").and_then(JsonValue::as_u64).unwrap())
            .sum();
        let pts = c.households.features.len();
        assert!(
            (hh as f64 / 550_000.0 - 1.0).abs() < 0.03,
            "{hh} households"
        );
        assert!((pts as f64 / 120_000.0 - 1.0).abs() < 0.05, "{pts} points");
        let u = units(&c);
        assert_eq!(of_level(&u, "county").len(), 1);
        assert_eq!(of_level(&u, "town").len(), 23);
        assert_eq!(of_level(&u, "village").len(), 510);
        assert_eq!(c.zones.features.len(), 34);
        let grids: BTreeSet<String> = c
            .households
            .features
            .iter()
            .map(|f| text(f, "grid"))
            .collect();
        assert!(
            (grids.len() as f64 / 1024.0 - 1.0).abs() < 0.1,
            "{} grids",
            grids.len()
        );
        let v = of_level(&u, "village");
        assert!(v.iter().any(|x| x.geom.0.len() > 1), "no enclave");
        assert!(
            v.iter().any(|x| !x.geom.0[0].interiors().is_empty()),
            "no hole"
        );
        assert!(lake_area(&v) > 0.0, "no lake");
        eprintln!(
            "scale 1.0: {hh} households, {pts} points, {} grids",
            grids.len()
        );
    }

    #[test]
    fn households_lie_in_their_village() {
        for (scale, seed) in [(0.1, 1), (0.05, 2), (0.05, 3)] {
            let c = make(scale, seed);
            let u = units(&c);
            let v = of_level(&u, "village");
            let boxes: Vec<Rect<f64>> = v.iter().map(|x| x.geom.bounding_rect().unwrap()).collect();
            let mut ids = BTreeSet::new();
            let mut per_village: BTreeMap<&str, u64> = BTreeMap::new();
            let mut declared = 0;
            for f in &c.households.features {
                let p = point(f);
                let inside: Vec<usize> = (0..v.len())
                    .filter(|&i| boxes[i].contains(&p) && v[i].geom.contains(&p))
                    .collect();
                assert_eq!(
                    inside.len(),
                    1,
                    "point {:?} in {} villages",
                    p,
                    inside.len()
                );
                let code = &v[inside[0]].code;
                if let Some(d) = prop(f, "village") {
                    assert_eq!(d.as_str(), Some(code.as_str()));
                    declared += 1;
                }
                let grid = text(f, "grid");
                assert!(
                    grid.len() == 15 && grid.starts_with(code.as_str()),
                    "{grid} vs {code}"
                );
                assert!(ids.insert(text(f, "id")), "duplicate id");
                let h = prop(f, "households").and_then(JsonValue::as_u64).unwrap();
                assert!(h >= 1);
                let pop = prop(f, "population").and_then(JsonValue::as_f64).unwrap();
                assert!(pop >= h as f64);
                for k in ["rental", "shops", "special"] {
                    assert!(prop(f, k).and_then(JsonValue::as_f64).unwrap() >= 0.0);
                }
                *per_village.entry(code).or_default() += h;
            }
            let n = c.households.features.len();
            assert!(
                declared > n * 2 / 5 && declared < n * 3 / 5,
                "{declared} of {n} declared"
            );
            // No village is empty, and sizes vary.
            assert_eq!(per_village.len(), v.len());
            let sizes: Vec<u64> = per_village.values().copied().collect();
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(*max > 5 * *min, "village sizes {min}..{max} barely vary");
        }
    }

    #[test]
    fn villages_tile_the_county() {
        for (scale, seed) in [(0.1, 11), (0.2, 12)] {
            let c = make(scale, seed);
            let u = units(&c);
            let county = metres(&of_level(&u, "county")[0].geom);
            let towns: Vec<MultiPolygon<f64>> = of_level(&u, "town")
                .iter()
                .map(|t| metres(&t.geom))
                .collect();
            let v = of_level(&u, "village");
            let vm: Vec<MultiPolygon<f64>> = v.iter().map(|x| metres(&x.geom)).collect();
            let a_county = county.unsigned_area();
            let a_v: f64 = vm.iter().map(Area::unsigned_area).sum();
            let lakes = lake_area(&v);
            assert!(lakes > 0.0);
            assert!(
                ((a_v + lakes) / a_county - 1.0).abs() < 1e-6,
                "{a_v} + {lakes} vs {a_county}"
            );
            let a_t: f64 = towns.iter().map(Area::unsigned_area).sum();
            assert!((a_t / a_county - 1.0).abs() < 1e-6);
            // No overlaps: the union of the villages is as large as their sum.
            let union = geo::unary_union(vm.iter());
            assert!((union.unsigned_area() / a_v - 1.0).abs() < 1e-6);
            // Each town is the union of its villages (plus its lakes).
            for (t, tm) in of_level(&u, "town").iter().zip(&towns) {
                let kids: Vec<&MultiPolygon<f64>> = v
                    .iter()
                    .zip(&vm)
                    .filter(|(x, _)| x.parent == t.code)
                    .map(|(_, m)| m)
                    .collect();
                assert!(!kids.is_empty());
                let sym = geo::unary_union(kids.iter().copied()).xor(tm);
                assert!(
                    sym.unsigned_area() / tm.unsigned_area() < 0.01,
                    "town {} differs",
                    t.code
                );
            }
            for x in &u {
                assert!(x.geom.is_valid(), "{} is invalid", x.code);
            }
        }
    }

    #[test]
    fn variety_at_small_scale() {
        let c = make(0.1, 5);
        let u = units(&c);
        let v = of_level(&u, "village");
        assert_eq!(v.len(), 51);
        assert_eq!(of_level(&u, "town").len(), 2);
        assert!(
            v.iter().any(|x| x.geom.0.len() > 1),
            "no MultiPolygon village"
        );
        assert!(
            v.iter().any(|x| !x.geom.0[0].interiors().is_empty()),
            "no village with a hole"
        );
        assert!(lake_area(&v) > 0.0, "no lake");
    }

    #[test]
    fn codes_and_names() {
        let c = make(0.2, 9);
        let u = units(&c);
        let county = of_level(&u, "county");
        assert_eq!(county[0].code, "330381");
        assert!(prop(&c.boundaries.features[0], "parent").unwrap().is_null());
        for t in of_level(&u, "town") {
            assert!(t.code.len() == 9 && t.code.starts_with("330381") && t.parent == "330381");
        }
        let towns: BTreeSet<String> = of_level(&u, "town")
            .iter()
            .map(|t| t.code.clone())
            .collect();
        let mut names = BTreeSet::new();
        for (f, x) in c.boundaries.features.iter().zip(&u) {
            if x.level == "village" {
                assert!(
                    x.code.len() == 12
                        && x.code.starts_with(&x.parent)
                        && towns.contains(&x.parent)
                );
                let name = text(f, "name");
                assert!(name.ends_with('村') || name.ends_with("社区"));
                assert!(names.insert(name));
            }
        }
        let urban = names.iter().filter(|n| n.ends_with("社区")).count();
        assert!((urban as f64 / names.len() as f64 - 0.2).abs() < 0.02);
    }

    #[test]
    fn current_grids_about_1024_per_scale() {
        for (scale, seed) in [(0.1, 1), (0.25, 2)] {
            let c = make(scale, seed);
            let mut grids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for f in &c.households.features {
                grids
                    .entry(text(f, "grid"))
                    .or_default()
                    .insert(text(f, "grid")[..12].to_string());
            }
            let want = 1024.0 * scale;
            assert!(
                (grids.len() as f64 / want - 1.0).abs() <= 0.1,
                "{} grids for {want}",
                grids.len()
            );
            // Codes run 001.. within each village without gaps.
            let mut per: BTreeMap<String, Vec<u32>> = BTreeMap::new();
            for g in grids.keys() {
                per.entry(g[..12].to_string())
                    .or_default()
                    .push(g[12..].parse().unwrap());
            }
            for seqs in per.values() {
                assert_eq!(*seqs, (1..=seqs.len() as u32).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn zones_hold_households() {
        let c = make(0.3, 4);
        assert_eq!(c.zones.features.len(), 10);
        let kinds: BTreeSet<String> = c.zones.features.iter().map(|f| text(f, "kind")).collect();
        assert_eq!(kinds.len(), 5);
        let u = units(&c);
        let v = of_level(&u, "village");
        let pts: Vec<(Point<f64>, u64)> = c
            .households
            .features
            .iter()
            .map(|f| {
                (
                    point(f),
                    prop(f, "households").and_then(JsonValue::as_u64).unwrap(),
                )
            })
            .collect();
        let mut crossing = 0;
        for (i, f) in c.zones.features.iter().enumerate() {
            assert_eq!(text(f, "code"), format!("Z{:03}", i + 1));
            assert!(!text(f, "name").is_empty());
            let z = area_geom(f);
            let zm = metres(&z);
            let ring = &zm.0[0].exterior().0;
            for k in 0..2 {
                let side = (ring[k + 1] - ring[k]).x.hypot((ring[k + 1] - ring[k]).y);
                assert!((99.0..=401.0).contains(&side), "zone side {side} m");
            }
            let hh: u64 = pts
                .iter()
                .filter(|(p, _)| z.contains(p))
                .map(|(_, h)| h)
                .sum();
            assert!((100..=600).contains(&hh), "zone {i} holds {hh} households");
            let hosts = v
                .iter()
                .filter(|x| metres(&x.geom).intersection(&zm).unsigned_area() > 1.0)
                .count();
            assert!(hosts >= 1);
            if hosts > 1 {
                crossing += 1;
            }
        }
        assert_eq!(crossing, 1, "zone Z010 should straddle a border");
    }

    #[test]
    fn write_creates_parseable_files() {
        let c = make(0.05, 3);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("county");
        write(&c, &out).unwrap();
        for (name, fc) in [
            ("households.geojson", &c.households),
            ("boundaries.geojson", &c.boundaries),
            ("zones.geojson", &c.zones),
        ] {
            let s = std::fs::read_to_string(out.join(name)).unwrap();
            let back: FeatureCollection =
                s.parse::<geojson::GeoJson>().unwrap().try_into().unwrap();
            assert_eq!(&back, fc);
            assert_eq!(s.lines().count(), fc.features.len() + 2);
        }
        // Every coordinate has at most 7 decimals.
        for f in c.households.features.iter().chain(&c.boundaries.features) {
            let s = serde_json::to_string(&f.geometry).unwrap();
            for num in s.split(|ch: char| !(ch.is_ascii_digit() || ch == '.')) {
                if let Some((_, frac)) = num.split_once('.') {
                    assert!(frac.len() <= 7, "{num}");
                }
            }
        }
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);
    }
}
