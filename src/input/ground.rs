//! The ground in local metres: the barriers and compounds of `--barriers`
//! and `--compounds`, projected like the villages, and the compound of
//! every household (issue 10; docs/DESIGN.md §9).
//!
//! # Parameters
//! - the two files, read in `--boundaries-crs` when given (like the
//!   villages and zones), else each in the system it declares;
//! - the hard kinds (`--hard-barriers`, default
//!   [`HARD_BY_DEFAULT`](crate::model::ground::BarrierKind::HARD_BY_DEFAULT)),
//!   applied where a barrier has no `hard` property of its own;
//! - the county's local projection and its households in metres.
//!
//! # Algorithm
//! 1. `read`: both files in parallel ([`read_barriers`],
//!    [`read_compounds`]), converted to WGS84.
//! 2. `project`: every barrier position and compound ring to local
//!    metres; the compounds sorted by code, so that indices (and which
//!    compound wins a tie) do not depend on the file's order.
//! 3. `compound_of`: the compounds' bounding boxes bucketed in a uniform
//!    grid (cell side: the median box's larger side), and an interval tree
//!    over each compound's edges, as `locate` has for villages. Each
//!    household, in parallel, looks up its cell and tests the few boxes
//!    there, then the compounds whose box holds it; it takes the compound
//!    whose interior holds it. A household on a compound's outline and in no
//!    interior takes the lowest-indexed compound whose closed polygon
//!    holds it, so two compounds sharing a wall never both claim it.
//!
//! A compound is not tied to a village: one that straddles a village line
//! (an estate built across it) is accepted, not an error, and its
//! households keep their own villages, so one compound's households may
//! sit in several villages' plans.
//!
//! # Complexity
//! Reading is linear in the files. Locating is O(c + cells) to build for c
//! compounds, then per household O(1) to find its cell and, for the few
//! inside a box, one interval-tree query per candidate. 550,000 households
//! and 1,000 compounds, half the households in the compounds' town, take
//! about 40 ms of CPU time in all, so about 20 ms on 2 cores (measured
//! with the ignored test `compound_of_speed`; an R-tree of the boxes
//! instead took about 0.1 s of CPU time for the queries alone).
//!
//! # Errors
//! Any [`ReadError`] of the two readers, and
//! [`ReadError::CompoundsOverlap`] for a household inside two compounds
//! (the first such household in input order).

use std::path::Path;

use geo::indexed::IntervalTreeMultiPolygon;
use geo::orient::{Direction, Orient};
use geo::{BoundingRect, Contains, Coord, Intersects, MultiPolygon};
use rayon::prelude::*;

use crate::config::Inputs;
use crate::input::project::LocalProjection;
use crate::input::read::{
    CompoundOverlap, ReadError, ReadOptions, read_barriers_with, read_compounds_with,
};
use crate::model::Household;
use crate::model::ground::{Barrier, Compound};

/// `compound_of` of a household in no compound.
pub(crate) const NO_COMPOUND: u32 = u32::MAX;

/// The barriers and compounds of a county, in local metres.
#[allow(
    dead_code,
    reason = "read by plan/, the metrics and the outputs as issue 10 lands; drop this then"
)]
pub(crate) struct Ground {
    /// The barriers in file order, lines in local metres (`County::proj`);
    /// `hard` already resolved (the feature's `hard`, else
    /// `--hard-barriers`, else the kind's default).
    pub barriers: Vec<Barrier>,
    /// The compounds in code order, polygons in local metres.
    pub compounds: Vec<Compound>,
    /// Per household: the index of its compound in `compounds`, or
    /// [`NO_COMPOUND`].
    pub compound_of: Vec<u32>,
}

impl Ground {
    /// No barriers and no compounds, for `n_households` households.
    pub fn empty(n_households: usize) -> Self {
        Self {
            barriers: Vec::new(),
            compounds: Vec::new(),
            compound_of: vec![NO_COMPOUND; n_households],
        }
    }
}

/// The ground as read: WGS84 longitude/latitude, compounds in file order.
pub(crate) struct GroundRead {
    /// The barriers of `--barriers` (none without it).
    pub barriers: Vec<Barrier>,
    /// The compounds of `--compounds` (none without it).
    pub compounds: Vec<Compound>,
}

/// Step 1: reads `--barriers` and `--compounds` (in parallel), in WGS84.
///
/// # Errors
/// Any [`ReadError`] of the two readers.
pub(crate) fn read(
    inputs: &Inputs,
    opts: &ReadOptions,
) -> Result<(GroundRead, Vec<String>), ReadError> {
    let hard = inputs.hard_kinds();
    let opts = ReadOptions {
        crs: inputs.crs.boundaries,
        ..opts.clone()
    };
    let (barriers, compounds) = rayon::join(
        || {
            inputs
                .barriers
                .as_deref()
                .map(|p| read_barriers_with(p, hard, &opts))
                .transpose()
        },
        || {
            inputs
                .compounds
                .as_deref()
                .map(|p| read_compounds_with(p, &opts))
                .transpose()
        },
    );
    // The readers bring the positions to WGS84 (crate::input::crs).
    let (barriers, compounds) = (barriers?, compounds?);
    let mut notes = Vec::new();
    let barriers = barriers.map_or_else(Vec::new, |r| {
        notes.extend(r.found.notes);
        r.value
    });
    let compounds = compounds.map_or_else(Vec::new, |r| {
        notes.extend(r.found.notes);
        r.value
    });
    Ok((
        GroundRead {
            barriers,
            compounds,
        },
        notes,
    ))
}

/// Steps 2 and 3: the ground in local metres with every household's
/// compound. `xy` are the households in metres, in the order of
/// `households`.
///
/// # Errors
/// [`ReadError::CompoundsOverlap`].
pub(crate) fn project(
    read: GroundRead,
    proj: &LocalProjection,
    xy: &[[f64; 2]],
    households: &[Household],
    inputs: &Inputs,
) -> Result<Ground, ReadError> {
    let GroundRead {
        mut barriers,
        mut compounds,
    } = read;
    if barriers.is_empty() && compounds.is_empty() {
        return Ok(Ground::empty(xy.len()));
    }
    for p in barriers.iter_mut().flat_map(|b| &mut b.lines).flatten() {
        *p = proj.forward(p[0], p[1]);
    }
    for c in &mut compounds {
        proj.forward_geometry(&mut c.polygon);
    }
    compounds.sort_by(|a, b| a.code.cmp(&b.code));
    let polygons: Vec<&MultiPolygon<f64>> = compounds.iter().map(|c| &c.polygon).collect();
    let compound_of = compound_of(xy, &polygons).map_err(|o| {
        let h = o.household as usize;
        let (a, b) = (&compounds[o.first as usize], &compounds[o.second as usize]);
        ReadError::CompoundsOverlap(Box::new(CompoundOverlap {
            file: display(inputs.compounds.as_deref()),
            first: a.code.clone(),
            first_feature: a.feature,
            second: b.code.clone(),
            second_feature: b.feature,
            household: households.get(h).map(|x| x.id.clone()).unwrap_or_default(),
            household_feature: h,
            households_file: inputs.households.display().to_string(),
        }))
    })?;
    Ok(Ground {
        barriers,
        compounds,
        compound_of,
    })
}

fn display(p: Option<&Path>) -> String {
    p.map(|p| p.display().to_string()).unwrap_or_default()
}

/// A household inside two compounds (indices into the compounds, the
/// lower first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Overlap {
    /// The household.
    pub household: u32,
    /// The lower compound index.
    pub first: u32,
    /// The higher compound index.
    pub second: u32,
}

/// The compound of every point of `xy` ([`NO_COMPOUND`] for none), step 3
/// of the module docs. `compounds` are in metres, like `xy`.
///
/// # Errors
/// The first point, in input order, whose position lies in the interiors
/// of two compounds.
pub(crate) fn compound_of(
    xy: &[[f64; 2]],
    compounds: &[&MultiPolygon<f64>],
) -> Result<Vec<u32>, Overlap> {
    if compounds.is_empty() {
        return Ok(vec![NO_COMPOUND; xy.len()]);
    }
    let index = CompoundIndex::new(compounds);
    let found: Vec<Result<u32, (u32, u32)>> = xy
        .par_iter()
        .with_min_len(4096)
        .map(|&p| index.find(p))
        .collect();
    // Sequentially, so the error names the first household in input order
    // whatever the scheduling.
    found
        .into_iter()
        .enumerate()
        .map(|(h, r)| {
            r.map_err(|(first, second)| Overlap {
                household: h as u32,
                first,
                second,
            })
        })
        .collect()
}

/// The compounds' boxes bucketed in a uniform grid, and an interval tree
/// per compound.
///
/// A uniform grid rather than an R-tree: compounds are small, similar in
/// size and many, so one division finds a point's few candidates, where an
/// R-tree query cost ~200 ns per household (about 0.1 s for a county).
struct CompoundIndex<'a> {
    compounds: &'a [&'a MultiPolygon<f64>],
    trees: Vec<IntervalTreeMultiPolygon<f64>>,
    /// Each compound's box: min x, min y, max x, max y.
    boxes: Vec<[f64; 4]>,
    grid: BoxGrid,
}

/// Which boxes overlap each cell of a uniform grid, in CSR form.
struct BoxGrid {
    /// Lower-left corner of the grid.
    origin: [f64; 2],
    /// Cell side in metres.
    side: f64,
    cols: usize,
    rows: usize,
    /// Cell `i` holds `items[start[i]..start[i + 1]]`, ascending.
    start: Vec<u32>,
    items: Vec<u32>,
}

/// The most cells a grid may have: 4 million `u32` offsets, 16 MB, for a
/// county whose compounds spread far apart.
const MAX_CELLS: f64 = 4.0e6;

impl BoxGrid {
    /// A grid over `boxes` whose cell side is the median box's larger side,
    /// so a typical box overlaps at most 4 cells.
    fn new(boxes: &[[f64; 4]]) -> Self {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        let mut sides: Vec<f64> = Vec::with_capacity(boxes.len());
        for b in boxes {
            x0 = x0.min(b[0]);
            y0 = y0.min(b[1]);
            x1 = x1.max(b[2]);
            y1 = y1.max(b[3]);
            sides.push((b[2] - b[0]).max(b[3] - b[1]));
        }
        let (w, h) = ((x1 - x0).max(0.0), (y1 - y0).max(0.0));
        sides.sort_by(f64::total_cmp);
        let median = sides.get(sides.len() / 2).copied().unwrap_or(1.0);
        // Never more than MAX_CELLS cells, and never a zero side.
        let side = median.max((w * h / MAX_CELLS).sqrt()).max(1e-6);
        let cols = ((w / side) as usize + 1).max(1);
        let rows = ((h / side) as usize + 1).max(1);
        let mut grid = Self {
            origin: [x0, y0],
            side,
            cols,
            rows,
            start: vec![0; cols * rows + 1],
            items: Vec::new(),
        };
        grid.fill(boxes);
        grid
    }

    /// Counts, then places, every box in the cells it overlaps.
    fn fill(&mut self, boxes: &[[f64; 4]]) {
        for b in boxes {
            for cell in self.cells_of(b) {
                self.start[cell + 1] += 1;
            }
        }
        for i in 0..self.cols * self.rows {
            self.start[i + 1] += self.start[i];
        }
        let mut next = self.start.clone();
        self.items = vec![0; self.start[self.cols * self.rows] as usize];
        for (i, b) in boxes.iter().enumerate() {
            for cell in self.cells_of(b) {
                self.items[next[cell] as usize] = i as u32;
                next[cell] += 1;
            }
        }
    }

    /// The column or row of `v` along one axis, clamped to the grid.
    fn slot(&self, v: f64, o: f64, n: usize) -> usize {
        (((v - o) / self.side).max(0.0) as usize).min(n - 1)
    }

    fn cells_of(&self, b: &[f64; 4]) -> impl Iterator<Item = usize> + use<> {
        let [ox, oy] = self.origin;
        let (c0, c1) = (
            self.slot(b[0], ox, self.cols),
            self.slot(b[2], ox, self.cols),
        );
        let (r0, r1) = (
            self.slot(b[1], oy, self.rows),
            self.slot(b[3], oy, self.rows),
        );
        let cols = self.cols;
        (r0..=r1).flat_map(move |r| (c0..=c1).map(move |c| r * cols + c))
    }

    /// The boxes whose cell holds `p` (empty outside the grid).
    fn candidates(&self, p: [f64; 2]) -> &[u32] {
        let (x, y) = (
            (p[0] - self.origin[0]) / self.side,
            (p[1] - self.origin[1]) / self.side,
        );
        // Also false for NaN.
        if !(x >= 0.0 && y >= 0.0 && x < self.cols as f64 && y < self.rows as f64) {
            return &[];
        }
        let cell = (y as usize) * self.cols + x as usize;
        &self.items[self.start[cell] as usize..self.start[cell + 1] as usize]
    }
}

impl<'a> CompoundIndex<'a> {
    fn new(compounds: &'a [&'a MultiPolygon<f64>]) -> Self {
        // The interval tree counts winding numbers, so holes must wind
        // against their shells; the readers orient them, and the
        // projection keeps the orientation, but this costs little.
        let trees = compounds
            .par_iter()
            .map(|mp| IntervalTreeMultiPolygon::new(&mp.orient(Direction::Default)))
            .collect();
        // A compound has at least one ring of non-zero area (the reader
        // checks), so it has a box; the empty box never matches.
        let boxes: Vec<[f64; 4]> = compounds
            .iter()
            .map(|mp| {
                mp.bounding_rect()
                    .map_or([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |r| {
                        [r.min().x, r.min().y, r.max().x, r.max().y]
                    })
            })
            .collect();
        let grid = BoxGrid::new(&boxes);
        Self {
            compounds,
            trees,
            boxes,
            grid,
        }
    }

    /// The compound holding `p`, [`NO_COMPOUND`] for none, or the two
    /// lowest indices whose interiors both hold it.
    fn find(&self, p: [f64; 2]) -> Result<u32, (u32, u32)> {
        let c = Coord { x: p[0], y: p[1] };
        let mut inside: Option<u32> = None;
        let mut on_outline: Option<u32> = None;
        for &i in self.grid.candidates(p) {
            let b = &self.boxes[i as usize];
            if !(p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3]) {
                continue;
            }
            if self.trees[i as usize].contains(&c) {
                if let Some(j) = inside {
                    return Err((j, i));
                }
                inside = Some(i);
            } else if inside.is_none()
                && on_outline.is_none()
                && self.compounds[i as usize].intersects(&c)
            {
                on_outline = Some(i);
            }
        }
        Ok(inside.or(on_outline).unwrap_or(NO_COMPOUND))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::report::Timings;
    use geo::{Area, Rect, coord};

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![
            Rect::new(coord! { x: x0, y: y0 }, coord! { x: x1, y: y1 }).to_polygon(),
        ])
    }

    #[test]
    fn households_take_the_compound_around_them() {
        // B has a hole holding C; A and B share the wall x = 10.
        let a = rect(0.0, 0.0, 10.0, 10.0);
        let mut b = rect(10.0, 0.0, 30.0, 10.0);
        b.0[0].interiors_push(
            Rect::new(coord! { x: 15.0, y: 2.0 }, coord! { x: 25.0, y: 8.0 })
                .to_polygon()
                .exterior()
                .clone(),
        );
        let c = rect(16.0, 3.0, 24.0, 7.0);
        let xy = [
            [5.0, 5.0],  // A
            [12.0, 5.0], // B
            [20.0, 5.0], // C, in B's hole
            [15.5, 5.0], // B's hole, outside C
            [10.0, 5.0], // the shared wall: the lower index, A
            [40.0, 5.0], // nowhere
            [30.0, 5.0], // B's outer wall only
        ];
        let got = compound_of(&xy, &[&a, &b, &c]).unwrap();
        assert_eq!(got, vec![0, 1, 2, NO_COMPOUND, 0, NO_COMPOUND, 1]);
        assert_eq!(compound_of(&xy, &[]).unwrap(), vec![NO_COMPOUND; 7]);
    }

    #[test]
    fn a_household_in_two_compounds_is_an_overlap() {
        let a = rect(0.0, 0.0, 10.0, 10.0);
        let b = rect(5.0, 0.0, 20.0, 10.0);
        let c = rect(100.0, 0.0, 110.0, 10.0);
        // Compounds may overlap where no household lies.
        assert!(compound_of(&[[2.0, 2.0]], &[&c, &a, &b]).is_ok());
        let e = compound_of(
            &[[2.0, 2.0], [12.0, 2.0], [7.0, 2.0], [8.0, 2.0]],
            &[&c, &a, &b],
        )
        .unwrap_err();
        assert_eq!(
            e,
            Overlap {
                household: 2,
                first: 1,
                second: 2
            }
        );
    }

    /// A tiny county on disk: villages V1 (x 120.00-120.01) and V2
    /// (120.01-120.02), households H0-H3, and `compounds` features.
    fn county_files(dir: &tempfile::TempDir, compounds: &str) -> Inputs {
        let write = |name: &str, body: String| {
            let p = dir.path().join(name);
            std::fs::write(&p, body).unwrap();
            p
        };
        let fc = |features: Vec<String>| {
            format!(
                "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
                features.join(",")
            )
        };
        let square = |props: &str, x0: f64, x1: f64| {
            format!(
                "{{\"type\":\"Feature\",\"properties\":{{{props}}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{x0},28.0],[{x1},28.0],[{x1},28.01],[{x0},28.01],[{x0},28.0]]]}}}}"
            )
        };
        let households = (0..4)
            .map(|i| {
                let x = 120.002 + 0.004 * f64::from(i);
                format!(
                    "{{\"type\":\"Feature\",\"properties\":{{\"id\":\"H{i}\"}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{x},28.005]}}}}"
                )
            })
            .collect();
        let boundaries = vec![
            square("\"code\":\"V1\",\"level\":\"village\"", 120.0, 120.01),
            square("\"code\":\"V2\",\"level\":\"village\"", 120.01, 120.02),
        ];
        let barriers = vec![format!(
            "{{\"type\":\"Feature\",\"properties\":{{\"kind\":\"铁路\",\"name\":\"R\"}},\"geometry\":{{\"type\":\"LineString\",\"coordinates\":[[120.01,28.0],[120.01,28.01]]}}}}"
        )];
        let compounds = compounds
            .split(';')
            .filter(|c| !c.is_empty())
            .map(|c| {
                let (code, span) = c.split_once('=').unwrap();
                let (x0, x1) = span.split_once('-').unwrap();
                square(
                    &format!("\"code\":\"{code}\""),
                    x0.parse().unwrap(),
                    x1.parse().unwrap(),
                )
            })
            .collect();
        Inputs::new(
            write("households.geojson", fc(households)),
            write("boundaries.geojson", fc(boundaries)),
        )
        .with_barriers(write("barriers.geojson", fc(barriers)))
        .with_compounds(write("compounds.geojson", fc(compounds)))
        // Villages V1 and V2: free codes (crate::model::codes).
        .with_free_codes()
    }

    #[test]
    fn prepare_projects_the_ground_and_places_households() {
        use crate::input::prepare::prepare_inputs;
        let dir = tempfile::tempdir().unwrap();
        // Households at x = 120.002, .006, .010 (on the village line), .014.
        // "B" straddles the two villages, which is allowed; "A" is listed
        // second but sorts first.
        let inputs = county_files(&dir, "B=120.005-120.016;A=120.0-120.004");
        let prep = prepare_inputs(&inputs, 0.1, &mut Timings::default()).unwrap();
        let g = &prep.ground;
        let codes: Vec<&str> = g.compounds.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["A", "B"]);
        assert_eq!(g.compounds[1].feature, 0);
        assert_eq!(g.compound_of, vec![0, 1, 1, 1]);
        let villages: Vec<u32> = (1..4).map(|h| prep.county.located.village_of[h]).collect();
        assert_ne!(
            villages[0], villages[2],
            "B holds households of both villages"
        );
        // The railway, hard by default, runs along the village line: in
        // metres it is vertical and sits where the households' x says.
        assert_eq!(g.barriers.len(), 1);
        assert!(g.barriers[0].hard);
        let line = &g.barriers[0].lines[0];
        assert!((line[0][0] - line[1][0]).abs() < 1e-9);
        assert!((line[0][1] - line[1][1]).abs() > 1000.0);
        assert!((line[0][0] - prep.county.xy[2][0]).abs() < 1e-6);
        // The compound's outline is in metres too.
        assert!((g.compounds[0].polygon.unsigned_area() - 0.004 * 0.01 * 1.0e10).abs() < 0.2e9);
    }

    #[test]
    fn prepare_refuses_a_household_in_two_compounds() {
        use crate::input::prepare::prepare_inputs;
        let dir = tempfile::tempdir().unwrap();
        let inputs = county_files(&dir, "Z=120.0-120.008;Y=120.005-120.02");
        let Err(e) = prepare_inputs(&inputs, 0.1, &mut Timings::default()) else {
            panic!("overlap accepted")
        };
        let m = e.to_string();
        assert!(m.contains("compounds.geojson: compounds \"Y\" (feature 1) and \"Z\" (feature 0) overlap: household \"H1\" (feature 1 of "), "{m}");
        assert!(
            m.ends_with(
                "households.geojson) lies inside both; a household may lie in one compound at most"
            ),
            "{m}"
        );
        // Without files the ground is empty.
        let bare =
            Inputs::new(inputs.households.clone(), inputs.boundaries.clone()).with_free_codes();
        let prep = prepare_inputs(&bare, 0.1, &mut Timings::default()).unwrap();
        assert!(prep.ground.barriers.is_empty() && prep.ground.compounds.is_empty());
        assert_eq!(prep.ground.compound_of, vec![NO_COMPOUND; 4]);
    }

    /// 550,000 households, 1,000 compounds of 24 vertices packed in a
    /// 7 km town, half the households in town:
    /// `cargo test --release --lib ground::tests::compound_of_speed -- --ignored --nocapture`
    #[test]
    #[ignore = "timing"]
    fn compound_of_speed() {
        let compounds: Vec<MultiPolygon<f64>> = (0..1000)
            .map(|i| {
                let (cx, cy) = (f64::from(i % 32) * 220.0, f64::from(i / 32) * 220.0);
                let ring: Vec<Coord<f64>> = (0..24)
                    .map(|k| {
                        let t = f64::from(k) * std::f64::consts::TAU / 24.0;
                        coord! { x: cx + 100.0 + 95.0 * t.cos(), y: cy + 100.0 + 95.0 * t.sin() }
                    })
                    .collect();
                MultiPolygon::new(vec![geo::Polygon::new(ring.into(), vec![])])
            })
            .collect();
        let refs: Vec<&MultiPolygon<f64>> = compounds.iter().collect();
        let mut rng = crate::engine::rng::Rng::new(7);
        let xy: Vec<[f64; 2]> = (0..550_000)
            .map(|i| {
                if i % 2 == 0 {
                    [rng.range(0.0, 7040.0), rng.range(0.0, 7040.0)]
                } else {
                    [
                        rng.range(-30_000.0, 30_000.0),
                        rng.range(-17_000.0, 17_000.0),
                    ]
                }
            })
            .collect();
        let t = std::time::Instant::now();
        let got = compound_of(&xy, &refs).unwrap();
        let dt = t.elapsed();
        let inside = got.iter().filter(|&&c| c != NO_COMPOUND).count();
        eprintln!(
            "{} households in {} compounds ({inside} inside) in {dt:?} ({} threads)",
            xy.len(),
            refs.len(),
            rayon::current_num_threads()
        );
    }
}
