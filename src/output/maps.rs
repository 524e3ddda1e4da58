//! The map layers of a plan: grids and micro-grids as export features in
//! the output coordinate system, and the shapes of report.html in WGS84.
//!
//! Each feature carries the fields of docs/DESIGN.md §4 and of the grid
//! platforms ([`GRID_FIELDS`], [`MICRO_FIELDS`], documented in
//! [`crate::output::fields`]): its name and code, its type in Chinese and
//! in English, village and town codes and names, households, population
//! and load (summed over its households), area and effective date; a grid
//! also carries its polygon `pieces` and its `hard_crossings` (hard
//! barriers with more than 25 m inside it), both from the plan's metrics,
//! and a dedicated grid its zone's code, kind as given and category.
//!
//! When households name a current grid (a re-allocation; those without
//! one are new since the plan and get no link and no old outline),
//! report.html also gets what its "What moves" layer needs
//! (`current_plan`):
//! 1. each building's (old grid, new grid, households) links, at the
//!    building's position ([`report::LinkPoints`]);
//! 2. the outlines of the old grids, village by village: each building's
//!    territory cell goes to the old grid of most of its households (ties
//!    to the lower code), and the cells of each old grid are merged by
//!    [`draw::regroup`], as the new grids' are. An old grid that crosses a
//!    village border has one outline in each village. A building whose
//!    households had several old grids is drawn in one of them: the
//!    outlines are exact wherever the old plan kept buildings whole.
//!
//! Cost: one polygon overlay per old grid and village, in parallel over
//! villages, about what the new grids' polygons cost.

use std::collections::BTreeMap;

use geo::{Area, MultiPolygon};
use rayon::prelude::*;

use crate::geometry::draw::{self, PlanShapes, VillageCells};
use crate::input::crs::{self, Crs};
use crate::input::ground::Ground;
use crate::input::prepare::{County, Units, ZoneSetup};
use crate::metrics::GridMetrics;
use crate::model::codes;
use crate::model::ground::{Barrier, BarrierKind};
use crate::output::export::{self, Value};
use crate::output::fields;
use crate::output::report;
use crate::plan::Planned;
use crate::plan::labels::GridOut;
use crate::plan::names::PlanNames;

pub use crate::output::fields::{GRID_FIELDS, MICRO_FIELDS};

/// The map layers (in the output CRS) and the report's shapes (WGS84).
pub(crate) struct Maps {
    /// One feature per grid.
    pub grids: Vec<export::Feature>,
    /// One feature per micro-grid.
    pub micro: Vec<export::Feature>,
    /// Grids, micro-grids and villages for report.html.
    pub shapes: Vec<report::MapShape>,
    /// The load of every full-scope grid, for the report's histogram.
    pub grid_loads: Vec<f64>,
    /// Where each (old grid, new grid) link's households live, when
    /// re-allocating (the old grids' outlines are in `shapes`).
    pub links: Option<report::LinkPoints>,
}

/// Households, population and load of one grid or micro-grid.
type Sums = (u64, f64, f64);

/// Polygon pieces and hard-barrier crossings of one grid.
type PiecesCrossings = (usize, usize);

/// Pieces and hard crossings per grid code, summed over the grid's pieces
/// in each village (a grid of our plan lies in one village).
fn ground_of(grids: &[GridMetrics]) -> BTreeMap<&str, PiecesCrossings> {
    let mut out: BTreeMap<&str, PiecesCrossings> = BTreeMap::new();
    for g in grids {
        let e = out.entry(g.code.as_str()).or_default();
        e.0 += g.pieces;
        e.1 += g.hard_crossings;
    }
    out
}

/// A count as an integer field.
fn int(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The outer and inner rings of a polygon, as report.html draws them.
fn rings_of(mp: &MultiPolygon<f64>) -> Vec<Vec<[f64; 2]>> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| r.coords().map(|c| [c.x, c.y]).collect())
        .collect()
}

/// What every feature carries beside its own figures: its name, its
/// zone, and the effective date.
pub(crate) struct Platform<'a> {
    /// The names of the plan's grids and micro-grids.
    pub names: &'a PlanNames,
    /// The zones, for a dedicated grid's code and kind.
    pub zones: &'a ZoneSetup,
    /// The effective date, `YYYY-MM-DD`.
    pub effective_date: &'a str,
}

/// How a plan's polygons become features: back to WGS84, then to the
/// output system, with each village's codes and names.
struct Frame<'a> {
    county: &'a County,
    output_crs: Crs,
    platform: &'a Platform<'a>,
}

impl Frame<'_> {
    fn to_wgs(&self, p: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        let mut q = p.clone();
        self.county.proj.inverse_geometry(&mut q);
        q
    }

    fn to_out(&self, q: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        let mut o = q.clone();
        crs::convert_geometry(&mut o, Crs::Wgs84, self.output_crs);
        o
    }

    /// The common leading fields of both layers, `grid_name` to `load`
    /// ([`GRID_FIELDS`]).
    fn fields(
        &self,
        (name, code): (&str, &str),
        (zh, en): (&str, &str),
        g: &GridOut,
        ((hh, pop, ld), area): (Sums, f64),
    ) -> Vec<Value> {
        let v = &self.county.villages[g.village];
        let text = |s: &str| Value::Text(s.to_string());
        vec![
            text(name),
            text(code),
            text(zh),
            text(en),
            text(&v.code),
            text(&v.name),
            text(&v.town_code),
            text(&v.town_name),
            Value::Int(i64::try_from(hh).unwrap_or(i64::MAX)),
            Value::Real(pop),
            Value::Real(area),
            text(self.platform.effective_date),
            Value::Real(ld),
        ]
    }
}

/// Households, population and load of every grid and micro-grid.
fn sums(county: &County, load: &[f64], plan: &Planned) -> (Vec<Sums>, Vec<Sums>) {
    let labels = &plan.labels;
    let mut g_sum = vec![(0u64, 0.0f64, 0.0f64); labels.grid_codes.len()];
    let mut m_sum = vec![(0u64, 0.0f64, 0.0f64); labels.micro_codes.len()];
    for (h, hh) in county.households.iter().enumerate() {
        let add = |s: &mut Sums| {
            s.0 += u64::from(hh.households);
            s.1 += hh.population.unwrap_or(0.0);
            s.2 += load[h];
        };
        if let Some(s) = g_sum.get_mut(labels.grid_of_h[h] as usize) {
            add(s);
        }
        if let Some(s) = m_sum.get_mut(labels.micro_of_h[h] as usize) {
            add(s);
        }
    }
    (g_sum, m_sum)
}

/// The map layers of `plan` with its `shapes`, in `output_crs`; `grids`
/// are the plan's grid metrics (pieces and hard crossings per grid), and
/// `ground`'s barriers and compounds are drawn in the report.
pub(crate) fn build_maps(
    (county, load): (&County, &[f64]),
    plan: &Planned,
    shapes: &PlanShapes,
    grids: &[GridMetrics],
    ground: &Ground,
    (output_crs, platform): (Crs, &Platform),
) -> Maps {
    let (ng, nm) = (plan.labels.grid_codes.len(), plan.labels.micro_codes.len());
    let (g_sum, m_sum) = sums(county, load, plan);
    let counts = ground_of(grids);
    let frame = Frame {
        county,
        output_crs,
        platform,
    };
    let mut out = Maps {
        grids: Vec::with_capacity(ng),
        micro: Vec::with_capacity(nm),
        shapes: Vec::with_capacity(
            ng + nm + county.villages.len() + ground.compounds.len() + ground.barriers.len(),
        ),
        grid_loads: Vec::new(),
        links: None,
    };
    let mut mi = 0usize;
    for (gi, (g, mp)) in plan.grids.iter().zip(&plan.micro_plans).enumerate() {
        let gr = counts.get(g.code.as_str()).copied().unwrap_or_default();
        push_grid(
            &mut out,
            &frame,
            (gi, g),
            (&shapes.grid[gi], g_sum[gi], mp.count, gr),
        );
        for _ in 0..mp.count {
            push_micro(
                &mut out,
                &frame,
                plan,
                (gi, g),
                (mi, &shapes.micro[mi], m_sum[mi]),
            );
            mi += 1;
        }
    }
    for v in &county.villages {
        out.shapes.push(report::MapShape {
            code: v.code.clone(),
            kind: report::ShapeKind::Village,
            village: v.code.clone(),
            households: 0,
            load: 0.0,
            rings: rings_of(&frame.to_wgs(&v.polygon)),
        });
    }
    for c in &ground.compounds {
        out.shapes.push(report::MapShape {
            code: c.code.clone(),
            kind: report::ShapeKind::Compound,
            village: c.name.clone(),
            households: 0,
            load: 0.0,
            rings: rings_of(&frame.to_wgs(&c.polygon)),
        });
    }
    for b in &ground.barriers {
        out.shapes.push(barrier_shape(county, b));
    }
    if let Some((old, links)) = current_plan(&frame, plan) {
        out.shapes.extend(old);
        out.links = Some(links);
    }
    out
}

/// One village's buildings as the "What moves" layer sees them: the
/// links of each building, and the local index of its old grid (step 2
/// of the module docs) among the village's old grids `olds`.
struct OldCells {
    links: Vec<report::BuildingLinks>,
    label: Vec<u32>,
    olds: Vec<u32>,
    /// Households of each of `olds` in the village.
    households: Vec<u64>,
}

/// The old grids' outlines and the buildings' links (module docs), or
/// `None` unless some household names a current grid.
fn current_plan(
    frame: &Frame,
    plan: &Planned,
) -> Option<(Vec<report::MapShape>, report::LinkPoints)> {
    let county = frame.county;
    let hh = &county.households;
    if !hh.iter().any(|h| h.grid.is_some()) {
        return None;
    }
    // A household without a current grid (`u32::MAX`) is new since the
    // plan: no link and no old outline, as the metrics judge none.
    let (old_codes, old_of) =
        codes::index_codes(hh.iter().map(|h| h.grid.as_deref().unwrap_or("")));
    let cells: Vec<Option<OldCells>> = plan
        .plans
        .par_iter()
        .map(|p| {
            p.as_ref()
                .map(|(units, _, _)| old_cells(county, plan, units, &old_of))
        })
        .collect();
    let groups: Vec<Option<VillageCells>> = plan
        .plans
        .iter()
        .zip(&cells)
        .map(|(p, c)| {
            let ((units, _, territory), c) = (p.as_ref()?, c.as_ref()?);
            Some(VillageCells {
                pos: &units.pos,
                label: &c.label,
                territory,
            })
        })
        .collect();
    let polygons = draw::regroup(&groups);
    let mut shapes = Vec::new();
    let mut buildings = Vec::new();
    for ((v, c), polys) in county.villages.iter().zip(cells).zip(polygons) {
        let Some(c) = c else { continue };
        for ((o, n), poly) in c.olds.iter().zip(&c.households).zip(&polys) {
            // An old grid none of whose buildings it holds most of has no
            // cell of its own here: nothing to outline; nor have the
            // buildings of new households only (no old grid).
            if poly.0.is_empty() || *o == u32::MAX {
                continue;
            }
            shapes.push(report::MapShape {
                code: old_codes.get(*o as usize).cloned().unwrap_or_default(),
                kind: report::ShapeKind::OldGrid,
                village: v.code.clone(),
                households: *n,
                load: 0.0,
                rings: rings_of(&frame.to_wgs(poly)),
            });
        }
        buildings.extend(c.links);
    }
    let links = report::LinkPoints {
        old_codes,
        new_codes: plan.labels.grid_codes.clone(),
        buildings,
    };
    Some((shapes, links))
}

/// One village's [`OldCells`]: each building's links and the old grid of
/// most of its households (ties to the lower code).
fn old_cells(county: &County, plan: &Planned, units: &Units, old_of: &[u32]) -> OldCells {
    let mut olds: BTreeMap<u32, u64> = BTreeMap::new();
    let mut majority = Vec::with_capacity(units.members.len());
    let mut links = Vec::with_capacity(units.members.len());
    for (members, pos) in units.members.iter().zip(&units.pos) {
        let mut pairs: BTreeMap<(u32, u32), u64> = BTreeMap::new();
        let mut by_old: BTreeMap<u32, u64> = BTreeMap::new();
        for &h in members {
            let (o, n) = (old_of[h as usize], county.households[h as usize].households);
            if o != u32::MAX {
                *pairs
                    .entry((o, plan.labels.grid_of_h[h as usize]))
                    .or_default() += u64::from(n);
            }
            // New households weigh nothing: a building with any old
            // household goes to an old grid.
            *by_old.entry(o).or_default() += if o == u32::MAX { 0 } else { u64::from(n) };
            *olds.entry(o).or_default() += u64::from(n);
        }
        // Most households; ties to the lower code.
        let top = by_old
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or(0, |(&o, _)| o);
        majority.push(top);
        links.push(report::BuildingLinks {
            lonlat: county.proj.inverse(pos[0], pos[1]),
            links: pairs.into_iter().map(|((o, g), n)| (o, g, n)).collect(),
        });
    }
    let local: BTreeMap<u32, u32> = olds.keys().zip(0u32..).map(|(&o, i)| (o, i)).collect();
    OldCells {
        label: majority
            .iter()
            .map(|o| local.get(o).copied().unwrap_or(0))
            .collect(),
        olds: olds.keys().copied().collect(),
        households: olds.into_values().collect(),
        links,
    }
}

/// Is the barrier on water (drawn blue when hard)?
fn on_water(kind: BarrierKind) -> bool {
    matches!(
        kind,
        BarrierKind::River
            | BarrierKind::Canal
            | BarrierKind::Stream
            | BarrierKind::Drain
            | BarrierKind::Water
    )
}

/// A barrier's lines for report.html, back in WGS84, with its name as the
/// code and its kind as the village.
fn barrier_shape(county: &County, b: &Barrier) -> report::MapShape {
    let kind = match (b.hard, on_water(b.kind)) {
        (false, _) => report::ShapeKind::SoftBarrier,
        (true, true) => report::ShapeKind::WaterBarrier,
        (true, false) => report::ShapeKind::HardBarrier,
    };
    report::MapShape {
        code: b.name.clone(),
        kind,
        village: b.kind.as_str().to_string(),
        households: 0,
        load: 0.0,
        rings: b
            .lines
            .iter()
            .map(|l| l.iter().map(|p| county.proj.inverse(p[0], p[1])).collect())
            .collect(),
    }
}

/// A grid's feature and report shape.
fn push_grid(
    out: &mut Maps,
    frame: &Frame,
    (gi, g): (usize, &GridOut),
    (poly, sums, micro_grids, (pieces, hard)): (&MultiPolygon<f64>, Sums, usize, PiecesCrossings),
) {
    let wgs = frame.to_wgs(poly);
    let p = frame.platform;
    let name = p.names.grid.get(gi).map_or("", String::as_str);
    let mut values = frame.fields(
        (name, &g.code),
        fields::grid_type(g.dedicated),
        g,
        (sums, poly.unsigned_area()),
    );
    values.push(int(micro_grids));
    values.push(int(pieces));
    values.push(int(hard));
    let zone = p.names.zone_of(p.zones, gi);
    values.push(Value::Text(zone.map_or(String::new(), |z| z.code.clone())));
    values.push(Value::Text(zone.map_or(String::new(), |z| z.kind.clone())));
    values.push(Value::Text(
        zone.map_or("", |z| z.category.as_str()).to_string(),
    ));
    out.grids.push(export::Feature {
        geometry: frame.to_out(&wgs),
        values,
    });
    out.shapes.push(report::MapShape {
        code: g.code.clone(),
        kind: if g.dedicated {
            report::ShapeKind::DedicatedGrid
        } else {
            report::ShapeKind::Grid
        },
        village: frame.county.villages[g.village].code.clone(),
        households: sums.0,
        load: sums.2,
        rings: rings_of(&wgs),
    });
    if !g.dedicated {
        out.grid_loads.push(sums.2);
    }
}

/// Micro-grid `mi` (of grid `g`, number `gi`): its feature and report
/// shape.
fn push_micro(
    out: &mut Maps,
    frame: &Frame,
    plan: &Planned,
    (gi, g): (usize, &GridOut),
    (mi, poly, sums): (usize, &MultiPolygon<f64>, Sums),
) {
    let labels = &plan.labels;
    let names = frame.platform.names;
    let wgs = frame.to_wgs(poly);
    let mut values = frame.fields(
        (
            names.micro.get(mi).map_or("", String::as_str),
            &labels.micro_codes[mi],
        ),
        fields::MICRO_TYPE,
        g,
        (sums, poly.unsigned_area()),
    );
    values.push(Value::Text(g.code.clone()));
    values.push(Value::Text(names.grid.get(gi).cloned().unwrap_or_default()));
    values.push(Value::Int(i64::from(
        labels.micro_oversize.get(mi).copied().unwrap_or(false),
    )));
    out.micro.push(export::Feature {
        geometry: frame.to_out(&wgs),
        values,
    });
    out.shapes.push(report::MapShape {
        code: labels.micro_codes[mi].clone(),
        kind: report::ShapeKind::MicroGrid,
        village: frame.county.villages[g.village].code.clone(),
        households: sums.0,
        load: sums.2,
        rings: rings_of(&wgs),
    });
}

#[cfg(test)]
mod tests {
    use crate::config::{PartitionConfig, Sizing};
    use crate::pipeline;
    use crate::synth::{self, SynthParams};

    /// The sum of `data-h` over the dots of the "What moves" layer, and the
    /// number of old-grid outlines drawn.
    fn moves_layer(html: &str) -> (u64, usize) {
        let layer = html
            .split("<g id=\"moves\" display=\"none\">")
            .nth(1)
            .and_then(|s| s.split("</g>").next())
            .unwrap_or("");
        let dots: u64 = layer
            .lines()
            .filter(|l| l.starts_with("<path class=\"mv "))
            .filter_map(|l| {
                l.split("data-h=\"")
                    .nth(1)?
                    .split('"')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .sum();
        let outlines = layer
            .lines()
            .filter(|l| l.starts_with("<path class=\"old\"") && !l.contains(" d=\"\""))
            .count();
        (dots, outlines)
    }

    #[test]
    fn report_draws_the_households_moved_over_old_outlines() {
        // The synthetic county's households carry its current plan.
        let dir = tempfile::tempdir().unwrap();
        let county = synth::generate(&SynthParams {
            scale: 0.05,
            seed: 7,
            ..SynthParams::default()
        })
        .unwrap();
        synth::write(&county, dir.path()).unwrap();
        let out = dir.path().join("out");
        let cfg = PartitionConfig::new(
            dir.path().join("households.geojson"),
            dir.path().join("boundaries.geojson"),
            &out,
            Sizing::Target(367.4),
        )
        .with_dedicated(dir.path().join("zones.geojson"));
        let outcome = pipeline::partition(&cfg).unwrap();
        let moved = outcome.report.metrics.stability.unwrap().households_moved;
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        let (dots, outlines) = moves_layer(&html);
        assert!(moved > 0);
        assert_eq!(dots, moved);
        assert!(outlines > 0);
        assert!(html.contains("No plan with these grid counts and this balance keeps more than"));
    }
}
