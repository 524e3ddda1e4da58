//! The map layers of a plan: grids and micro-grids as export features in
//! the output coordinate system, and the shapes of report.html in WGS84.
//!
//! Each feature carries the fields of docs/DESIGN.md §4 ([`GRID_FIELDS`],
//! [`MICRO_FIELDS`]): its code and type, village and town, households,
//! population and load (summed over its households) and area; a grid also
//! carries its polygon `pieces` and its `hard_crossings` (hard barriers
//! with more than 25 m inside it), both from the plan's metrics.

use std::collections::BTreeMap;

use geo::{Area, MultiPolygon};

use crate::geometry::draw::PlanShapes;
use crate::input::crs::{self, Crs};
use crate::input::ground::Ground;
use crate::input::prepare::County;
use crate::metrics::GridMetrics;
use crate::model::ground::{Barrier, BarrierKind};
use crate::output::export::{self, FieldKind, Value};
use crate::output::report;
use crate::plan::Planned;
use crate::plan::labels::GridOut;

/// The fields of grids.geojson and its Shapefile/GeoPackage twins
/// (docs/DESIGN.md §4).
pub const GRID_FIELDS: &[(&str, FieldKind)] = &[
    ("grid_code", FieldKind::Text),
    ("grid_type", FieldKind::Text),
    ("village_code", FieldKind::Text),
    ("town_code", FieldKind::Text),
    ("households", FieldKind::Int),
    ("population", FieldKind::Real),
    ("load", FieldKind::Real),
    ("micro_grids", FieldKind::Int),
    ("area_m2", FieldKind::Real),
    ("pieces", FieldKind::Int),
    ("hard_crossings", FieldKind::Int),
];

/// The fields of micro_grids.geojson: the grid fields, with the micro-grid
/// code as `grid_code`, plus `parent_grid` and the oversize-building flag.
pub const MICRO_FIELDS: &[(&str, FieldKind)] = &[
    ("grid_code", FieldKind::Text),
    ("grid_type", FieldKind::Text),
    ("village_code", FieldKind::Text),
    ("town_code", FieldKind::Text),
    ("households", FieldKind::Int),
    ("population", FieldKind::Real),
    ("load", FieldKind::Real),
    ("area_m2", FieldKind::Real),
    ("parent_grid", FieldKind::Text),
    ("oversize_building", FieldKind::Int),
];

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

/// How a plan's polygons become features: back to WGS84, then to the
/// output system, with each village's codes.
struct Frame<'a> {
    county: &'a County,
    output_crs: Crs,
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

    /// The common leading fields: type, village, town, households,
    /// population, load.
    fn fields(&self, g: &GridOut, (hh, pop, ld): Sums) -> [Value; 6] {
        let v = &self.county.villages[g.village];
        [
            Value::Text(grid_type(g.dedicated).into()),
            Value::Text(v.code.clone()),
            Value::Text(v.town_code.clone()),
            Value::Int(i64::try_from(hh).unwrap_or(i64::MAX)),
            Value::Real(pop),
            Value::Real(ld),
        ]
    }
}

fn grid_type(dedicated: bool) -> &'static str {
    if dedicated { "dedicated" } else { "full_scope" }
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
    county: &County,
    load: &[f64],
    plan: &Planned,
    shapes: &PlanShapes,
    grids: &[GridMetrics],
    ground: &Ground,
    output_crs: Crs,
) -> Maps {
    let (ng, nm) = (plan.labels.grid_codes.len(), plan.labels.micro_codes.len());
    let (g_sum, m_sum) = sums(county, load, plan);
    let counts = ground_of(grids);
    let frame = Frame { county, output_crs };
    let mut out = Maps {
        grids: Vec::with_capacity(ng),
        micro: Vec::with_capacity(nm),
        shapes: Vec::with_capacity(
            ng + nm + county.villages.len() + ground.compounds.len() + ground.barriers.len(),
        ),
        grid_loads: Vec::new(),
    };
    let mut mi = 0usize;
    for (gi, (g, mp)) in plan.grids.iter().zip(&plan.micro_plans).enumerate() {
        let gr = counts.get(g.code.as_str()).copied().unwrap_or_default();
        push_grid(
            &mut out,
            &frame,
            g,
            (&shapes.grid[gi], g_sum[gi], mp.count, gr),
        );
        for _ in 0..mp.count {
            push_micro(
                &mut out,
                &frame,
                plan,
                g,
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
    out
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
    g: &GridOut,
    (poly, sums, micro_grids, (pieces, hard)): (&MultiPolygon<f64>, Sums, usize, PiecesCrossings),
) {
    let wgs = frame.to_wgs(poly);
    let mut values = vec![Value::Text(g.code.clone())];
    values.extend(frame.fields(g, sums));
    values.push(int(micro_grids));
    values.push(Value::Real(poly.unsigned_area()));
    values.push(int(pieces));
    values.push(int(hard));
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

/// Micro-grid `mi` (of grid `g`): its feature and report shape.
fn push_micro(
    out: &mut Maps,
    frame: &Frame,
    plan: &Planned,
    g: &GridOut,
    (mi, poly, sums): (usize, &MultiPolygon<f64>, Sums),
) {
    let labels = &plan.labels;
    let wgs = frame.to_wgs(poly);
    let mut values = vec![Value::Text(labels.micro_codes[mi].clone())];
    values.extend(frame.fields(g, sums));
    values.push(Value::Real(poly.unsigned_area()));
    values.push(Value::Text(g.code.clone()));
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
