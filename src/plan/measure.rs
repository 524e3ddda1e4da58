//! The adaptor from a plan to [`crate::metrics`]: our plan or an
//! `assignment.csv`, with the households each village serves, becomes a
//! [`MetricsInput`].

use std::time::Instant;

use geo::MultiPolygon;

use crate::config::{MetricsConfig, PartitionConfig, Sizing, further_measures};
use crate::input::prepare::Prepared;
use crate::metrics::{
    self, Metrics, MetricsInput, MetricsParams, PointRec, PrebuiltCells, VillageInput,
};
use crate::output::scenarios::ScenarioRow;
use crate::plan::Planned;
use crate::plan::labels::HouseholdLabels;

/// The metrics parameters of a `partition` or `scenarios` run.
pub(crate) fn params_of_partition(cfg: &PartitionConfig) -> MetricsParams {
    MetricsParams {
        band: cfg.band,
        tolerance: cfg.primary_tolerance(),
        seed: cfg.seed,
        micro_band: cfg.micro.band,
        measures: further_measures(&cfg.inputs.balance, cfg.tolerance),
        ..MetricsParams::default()
    }
}

/// The metrics parameters of a `metrics` run.
pub(crate) fn params_of_metrics(cfg: &MetricsConfig) -> MetricsParams {
    MetricsParams {
        band: cfg.band,
        tolerance: cfg.primary_tolerance(),
        seed: cfg.seed,
        micro_band: cfg.micro_band,
        measures: further_measures(&cfg.inputs.balance, cfg.tolerance),
        ..MetricsParams::default()
    }
}

/// The metrics of our plan. The planner's territory cells are handed on,
/// so the metrics need not build them again: they are the cells of the
/// same buildings in the same territories.
pub(crate) fn measure_plan(prep: &Prepared, plan: &Planned, params: &MetricsParams) -> Metrics {
    let cells: Vec<Option<PrebuiltCells>> = plan
        .plans
        .iter()
        .zip(&plan.lines)
        .map(|(p, lines)| {
            p.as_ref().map(|(units, _, territory)| PrebuiltCells {
                sites: &units.pos,
                // The lines the planner cut the cells with, the same as
                // `VillageInput::lines` (else the metrics build the cells
                // again).
                lines,
                territory,
            })
        })
        .collect();
    let mut m = metrics_of(
        prep,
        (&plan.members_of, &plan.territory),
        &plan.labels,
        &cells,
        params,
    );
    // Villages are in county order, as the apportionment's counts.
    if let Some(base) = &plan.app.by_target {
        for (v, &k) in m.villages.iter_mut().zip(base) {
            v.k_by_target = Some(k);
        }
    }
    m
}

/// Builds the metrics input: `members[v]` are the households counted in
/// village v (a dedicated zone's households count in the zone's village).
pub(crate) fn compute_metrics(
    prep: &Prepared,
    members: &[Vec<u32>],
    territory: &[MultiPolygon<f64>],
    labels: &HouseholdLabels,
    params: &MetricsParams,
) -> Metrics {
    metrics_of(prep, (members, territory), labels, &[], params)
}

/// [`compute_metrics`] with the territory cells already built for some
/// villages (`cells`, indexed like the villages; may be empty).
fn metrics_of(
    prep: &Prepared,
    (members, territory): (&[Vec<u32>], &[MultiPolygon<f64>]),
    labels: &HouseholdLabels,
    cells: &[Option<PrebuiltCells>],
    params: &MetricsParams,
) -> Metrics {
    let county = &prep.county;
    let current = &prep.current;
    // The current plan is compared when households name one; those
    // without are new since the plan (input::lock, "Parameters"). Old
    // grids are indexed in code order (the plan's own index).
    let has_old = current.is_present();
    let no_codes: Vec<String> = Vec::new();
    let old_codes = if has_old { &current.codes } else { &no_codes };
    let lines = crate::plan::ground::village_lines(&prep.ground.barriers, territory);
    let villages: Vec<VillageInput> = county
        .villages
        .iter()
        .zip(members)
        .zip(territory)
        .zip(lines)
        .map(|(((v, m), polygon), lines)| VillageInput {
            code: v.code.clone(),
            town_code: v.town_code.clone(),
            polygon: polygon.clone(),
            lines,
            points: m
                .iter()
                .map(|&h| point(prep, labels, (h, has_old)))
                .collect(),
        })
        .collect();
    metrics::compute(
        &MetricsInput {
            villages: &villages,
            grid_codes: &labels.grid_codes,
            old_codes,
            micro_codes: &labels.micro_codes,
            micro_parent: &labels.micro_parent,
            dedicated: &labels.dedicated,
            locked: &labels.locked,
            barriers: &prep.ground.barriers,
            compounds: &prep.ground.compounds,
            cells,
        },
        params,
    )
}

/// Household `h` as the metrics see it.
fn point(prep: &Prepared, labels: &HouseholdLabels, (h, has_old): (u32, bool)) -> PointRec {
    let (county, current, load) = (&prep.county, &prep.current, &prep.load);
    let hh = &county.households[h as usize];
    let micro = labels.micro_of_h[h as usize];
    PointRec {
        xy: county.xy[h as usize],
        households: hh.households,
        population: hh.population.unwrap_or(0.0),
        load: load[h as usize],
        grid: labels.grid_of_h[h as usize],
        old_grid: current
            .of
            .get(h as usize)
            .copied()
            .filter(|&o| has_old && o != u32::MAX),
        micro: (micro != u32::MAX).then_some(micro),
        compound: prep
            .ground
            .compound_of
            .get(h as usize)
            .copied()
            .filter(|&c| c != crate::input::ground::NO_COMPOUND),
    }
}

/// One scenario's row of the comparison table, from its plan and metrics;
/// `began` is when the scenario started.
pub(crate) fn scenario_row(
    sizing: &Sizing,
    plan: &Planned,
    m: &Metrics,
    began: Instant,
) -> ScenarioRow {
    let c = &m.county;
    ScenarioRow {
        label: match sizing {
            Sizing::Target(x) => format!("target {x}"),
            Sizing::Total(k) => format!("grids {k}"),
        },
        target: match sizing {
            Sizing::Target(x) => Some(*x),
            Sizing::Total(_) => None,
        },
        grids_asked: match sizing {
            Sizing::Total(k) => Some(*k),
            Sizing::Target(_) => None,
        },
        full_scope_grids: c.full_scope_grids,
        dedicated_grids: c.dedicated_grids,
        micro_grids: plan.labels.micro_codes.len(),
        households: c.households,
        mean_load: c.mean_load,
        max_load: c.max_load,
        in_band_share: c.balance.in_band_share,
        within_tolerance_share: c.balance.within_tol_share,
        mean_distance_m: c.compactness.mean_distance_m,
        sse_ratio: c.compactness.sse_ratio,
        contiguous_share: c.contiguity.one_piece_share,
        households_moved: m
            .stability
            .as_ref()
            .map(|s| s.households - s.lineage_kept_households),
        lineage_kept: m.stability.as_ref().map(|s| s.lineage_kept),
        lineage_ceiling: m.stability.as_ref().map(|s| s.lineage_ceiling),
        clean_share: m.stability.as_ref().map(|s| s.clean_share),
        clean_ceiling: m.stability.as_ref().map(|s| s.clean_ceiling),
        runtime_s: began.elapsed().as_secs_f64(),
    }
}
