//! A plan's shapes: the polygons of its grids and micro-grids, and how
//! well they tile their territories.
//!
//! # Parameters
//! - the cells of every planned village: its buildings' positions and
//!   their grid labels ([`VillageCells`]);
//! - every grid with its buildings and micro-grid plan ([`GridCells`]);
//! - every village's territory (the village, plus or minus the zones that
//!   cross its border), in local metres.
//!
//! # Algorithm
//! 1. Grid polygons, village by village (rayon): the union of the
//!    territory cells of each grid's buildings
//!    ([`crate::engine::territory::Territory::group_polygons`]), so a grid
//!    is one piece exactly when its buildings are connected on the graph
//!    every step used.
//! 2. Micro-grid polygons, grid by grid (rayon), the unions of the same
//!    cells, so they tile their grid exactly. The micro-grids of one
//!    oversize building share its cell, cut into vertical strips
//!    (`strips`).
//! 3. Coverage: the largest gap and overlap against each territory, and
//!    the number of invalid polygons ([`CoverageSummary`],
//!    docs/DESIGN.md §5 Coverage).
//!
//! [`regroup`] runs step 1 on any other grouping of the same buildings
//! (report.html's outlines of the current plan's grids).
//!
//! # Complexity
//! One even-odd overlay per grid and per micro-grid over its cells' integer
//! contours (the cells are built by the plan).
//!
//! # Errors
//! [`Error::Polygon`](crate::Error) when a village's or grid's cells
//! cannot be built.

use std::collections::{BTreeMap, BTreeSet};

use geo::{Area, BooleanOps, BoundingRect, Coord, MultiPolygon, Validation};
use rayon::prelude::*;
use serde::Serialize;

use crate::engine::micro;
use crate::engine::territory::Territory;
use crate::error::Error;
use crate::geometry::polygons;

/// How well the polygons tile their territories (docs/DESIGN.md §5 Coverage).
#[derive(Clone, Debug, Default, Serialize)]
pub struct CoverageSummary {
    /// Villages checked.
    pub villages: usize,
    /// The largest area where a village's grid polygons and the village
    /// differ, relative to the village's area (goal: < 1e-6).
    pub max_relative_gap: f64,
    /// The largest area covered by two grids of a village, relative to the
    /// village's area (goal: 0).
    pub max_relative_overlap: f64,
    /// Grids checked for their micro-grids.
    pub grids: usize,
    /// As `max_relative_gap`, for micro-grids inside their grid.
    pub micro_max_relative_gap: f64,
    /// As `max_relative_overlap`, for micro-grids inside their grid.
    pub micro_max_relative_overlap: f64,
    /// Polygons that are not valid in the OGC sense.
    pub invalid_polygons: usize,
}

/// The buildings of one planned village and their group labels.
#[derive(Clone, Copy, Debug)]
pub struct VillageCells<'a> {
    /// Each building's position, in local metres.
    pub pos: &'a [[f64; 2]],
    /// Each building's label in the village plan.
    pub label: &'a [u32],
    /// The buildings' territory cells.
    pub territory: &'a Territory,
}

/// One grid of the plan, with what its micro-grid polygons need.
#[derive(Clone, Copy, Debug)]
pub struct GridCells<'a> {
    /// The grid code.
    pub code: &'a str,
    /// The index of its village.
    pub village: usize,
    /// Its label in the village plan.
    pub local: u32,
    /// Its buildings.
    pub buildings: &'a [micro::Building],
    /// Its micro-grids.
    pub micro: &'a micro::MicroPlan,
}

/// The polygons of a plan, in local metres.
#[derive(Clone, Debug)]
pub struct PlanShapes {
    /// One polygon per grid, in the grids' order.
    pub grid: Vec<MultiPolygon<f64>>,
    /// One polygon per micro-grid, grid by grid.
    pub micro: Vec<MultiPolygon<f64>>,
    /// How well they tile.
    pub coverage: CoverageSummary,
}

/// Grid polygons per village (Voronoi cells of its buildings, clipped to
/// its territory, merged per grid), then micro-grid polygons inside every
/// grid, with the coverage checks.
///
/// # Errors
/// See the module docs.
pub fn draw(
    villages: &[Option<VillageCells>],
    grids: &[GridCells],
    territory: &[MultiPolygon<f64>],
) -> Result<PlanShapes, Error> {
    let mut coverage = CoverageSummary::default();
    let grid = grid_polygons(villages, grids, territory, &mut coverage)?;
    let micro = micro_polygons(villages, grids, &grid, &mut coverage)?;
    coverage.invalid_polygons = grid
        .par_iter()
        .chain(micro.par_iter())
        .filter(|p| !p.is_valid() || p.unsigned_area() <= 0.0)
        .count();
    Ok(PlanShapes {
        grid,
        micro,
        coverage,
    })
}

/// Step 1: the grid polygons, village by village.
fn grid_polygons(
    villages: &[Option<VillageCells>],
    grids: &[GridCells],
    territory: &[MultiPolygon<f64>],
    cov: &mut CoverageSummary,
) -> Result<Vec<MultiPolygon<f64>>, Error> {
    // Global grid index of each (village, local label).
    let mut index: BTreeMap<(usize, u32), usize> = BTreeMap::new();
    for (gi, g) in grids.iter().enumerate() {
        index.insert((g.village, g.local), gi);
    }
    let per_village: Vec<Option<(Vec<MultiPolygon<f64>>, polygons::Coverage)>> = villages
        .par_iter()
        .enumerate()
        .map(|(vi, cells)| -> Result<_, Error> {
            let Some(cells) = cells else {
                return Ok(None);
            };
            let polys = group_cells(cells);
            let cov = polygons::coverage(&polys, &territory[vi]);
            Ok(Some((polys, cov)))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut grid_poly = vec![MultiPolygon(Vec::new()); grids.len()];
    for (vi, pv) in per_village.into_iter().enumerate() {
        let Some((polys, c)) = pv else { continue };
        cov.villages += 1;
        if c.territory_area > 0.0 {
            cov.max_relative_gap = cov.max_relative_gap.max(c.relative_gap);
            cov.max_relative_overlap = cov
                .max_relative_overlap
                .max(c.overlap_area / c.territory_area);
        }
        for (local, p) in polys.into_iter().enumerate() {
            if let Some(&gi) = index.get(&(vi, u32::try_from(local).unwrap_or(u32::MAX))) {
                grid_poly[gi] = p;
            }
        }
    }
    Ok(grid_poly)
}

/// The polygon of each group `0..=max label` of one village's buildings:
/// the union of its buildings' territory cells.
fn group_cells(cells: &VillageCells) -> Vec<MultiPolygon<f64>> {
    let groups = cells
        .label
        .iter()
        .map(|&g| g as usize + 1)
        .max()
        .unwrap_or(0);
    cells.territory.group_polygons(cells.label, groups)
}

/// The polygons of another grouping of the plan's buildings, village by
/// village (rayon), built like the grid polygons of step 1: for each
/// village, one polygon per label `0..=max label` of `label`. The report
/// draws the current plan's grids with it, so old and new grids share the
/// same cells and their borders coincide wherever they agree.
///
/// Cost: one even-odd overlay per group, as step 1.
#[must_use]
pub fn regroup(villages: &[Option<VillageCells>]) -> Vec<Vec<MultiPolygon<f64>>> {
    villages
        .par_iter()
        .map(|cells| cells.as_ref().map_or_else(Vec::new, group_cells))
        .collect()
}

/// Step 2: the micro-grid polygons inside each grid polygon.
fn micro_polygons(
    villages: &[Option<VillageCells>],
    grids: &[GridCells],
    grid_poly: &[MultiPolygon<f64>],
    cov: &mut CoverageSummary,
) -> Result<Vec<MultiPolygon<f64>>, Error> {
    let per_grid: Vec<(Vec<MultiPolygon<f64>>, polygons::Coverage)> = grids
        .par_iter()
        .zip(grid_poly)
        .map(|(g, gpoly)| -> Result<_, Error> {
            let out = match villages.get(g.village).copied().flatten() {
                Some(v) => micro_cells(g, v.territory),
                None => vec![MultiPolygon(Vec::new()); g.micro.count],
            };
            let c = polygons::coverage(&out, gpoly);
            Ok((out, c))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut micro_poly = Vec::new();
    for (polys, c) in per_grid {
        cov.grids += 1;
        if c.territory_area > 0.0 {
            cov.micro_max_relative_gap = cov.micro_max_relative_gap.max(c.relative_gap);
            cov.micro_max_relative_overlap = cov
                .micro_max_relative_overlap
                .max(c.overlap_area / c.territory_area);
        }
        micro_poly.extend(polys);
    }
    Ok(micro_poly)
}

/// The micro-grid polygons of one grid: one cell per building's first
/// micro-grid, cut into strips for a building shared by several.
fn micro_cells(g: &GridCells, territory: &Territory) -> Vec<MultiPolygon<f64>> {
    let mp = g.micro;
    let seq_of_row: BTreeMap<u32, u32> = mp.row_micro.iter().copied().collect();
    // Each building's micro-grids (several for a cut tower).
    let seqs: Vec<Vec<u32>> = g
        .buildings
        .iter()
        .map(|b| {
            let mut v: Vec<u32> = b
                .rows
                .iter()
                .filter_map(|(r, _)| seq_of_row.get(r).copied())
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    // One polygon label per distinct first micro-grid.
    let firsts: BTreeSet<u32> = seqs.iter().filter_map(|v| v.first().copied()).collect();
    let compact: BTreeMap<u32, u32> = firsts
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let labels: Vec<u32> = seqs
        .iter()
        .map(|v| v.first().and_then(|s| compact.get(s)).copied().unwrap_or(0))
        .collect();
    // The union of each micro-grid's territory cells: the same atoms as
    // the grid's polygon, so the micro-grids tile it exactly.
    let mut sites_of: Vec<Vec<u32>> = vec![Vec::new(); compact.len()];
    for (b, &l) in g.buildings.iter().zip(&labels) {
        sites_of[l as usize].push(b.unit);
    }
    let cells: Vec<MultiPolygon<f64>> = sites_of
        .iter()
        .map(|s| territory.cells_polygon(s))
        .collect();
    let mut out = vec![MultiPolygon(Vec::new()); mp.count];
    for (b, v) in seqs.iter().enumerate() {
        let Some(&first) = v.first() else { continue };
        let cell = &cells[labels[b] as usize];
        if v.len() == 1 {
            out[first as usize - 1] = cell.clone();
        } else {
            for (part, &s) in strips(cell, v.len()).into_iter().zip(v) {
                out[s as usize - 1] = part;
            }
        }
    }
    out
}

/// Cuts an oversize building's cell into `m` vertical strips of equal
/// width, one per micro-grid of the building, west to east. The micro-grids
/// of one tower are its floors or entrances; no plan can place them apart,
/// so they share its footprint side by side.
fn strips(poly: &MultiPolygon<f64>, m: usize) -> Vec<MultiPolygon<f64>> {
    let Some(r) = poly.bounding_rect() else {
        return vec![MultiPolygon(Vec::new()); m];
    };
    let (x0, x1) = (r.min().x, r.max().x);
    let w = (x1 - x0) / m as f64;
    (0..m)
        .map(|j| {
            let a = if j == 0 { x0 - 1.0 } else { x0 + w * j as f64 };
            let b = if j + 1 == m {
                x1 + 1.0
            } else {
                x0 + w * (j + 1) as f64
            };
            let rect = geo::Rect::new(
                Coord {
                    x: a,
                    y: r.min().y - 1.0,
                },
                Coord {
                    x: b,
                    y: r.max().y + 1.0,
                },
            );
            poly.intersection(&rect.to_polygon())
        })
        .collect()
}
