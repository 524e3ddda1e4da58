//! The pipeline: the one place that knows the order of the steps. Every
//! step's work lives in its folder; this module only runs them in order.
//!
//! ```text
//! Inputs (config) ──► input::prepare ──► Prepared
//!   read + validate (GeoJSON, CRS → WGS84) → project (local metres)
//!   → locate (rstar + point-in-polygon) → dedicated zones → measures
//!   → current plan + locks (locked households leave their zones)
//!        │
//!        ▼
//! plan::county ──► Planned                      (once per sizing)
//!   apportion (target / total / lineage; locked grids kept)
//!   → per village (rayon, gathered in village-code order):
//!       units (identical points merged) → zones' dedicated grids
//!       → locked grids → full-scope grids (engine: flow, LP, repair)
//!   → codes (001.., locked keep theirs, 901..) → micro-grids per grid
//!        │
//!        ├──► geometry::draw ──► PlanShapes    (grid and micro-grid
//!        │      polygons, coverage)
//!        ├──► plan::measure ──► Metrics        (metrics, docs/DESIGN.md §5)
//!        ▼
//! model::report::Report (metrics.json) ──► output::maps (layers)
//!   ──► output::files: assignment.csv, metrics.json, report.html,
//!       transition.csv, GeoJSON / Shapefile / GeoPackage
//! ```
//!
//! - [`partition`] runs every step once and writes the plan;
//! - [`scenarios`] prepares once, then plans and measures every sizing
//!   (rayon over scenarios) and writes the comparison;
//! - [`metrics`] prepares once and measures an `assignment.csv`.
//!
//! Villages are independent, so parallelism is over villages; results are
//! collected in village-code order, so the output does not depend on the
//! number of threads or on scheduling.

use std::time::Instant;

use rayon::prelude::*;

use crate::error::Error;
use crate::geometry::draw;
use crate::input::naming;
use crate::input::prepare::{Prepared, prepare_inputs};
use crate::input::read;
use crate::metrics::Metrics;
use crate::model::report::RunFacts;
use crate::output::files::{self, PlanFiles};
use crate::output::maps;
use crate::output::progress::Progress;
use crate::output::scenarios::ScenarioRow;
use crate::plan::county::plan_county;
use crate::plan::labels::HouseholdLabels;
use crate::plan::{PlanSpec, Planned, measure, names, zones};

pub use crate::config::{
    InputCrs, Inputs, MetricsConfig, PartitionConfig, ScenariosConfig, Sizing,
};
pub use crate::geometry::draw::CoverageSummary;
pub use crate::model::report::{PartitionOutcome, Report, RunParams, SnapNote, Timings};

/// The default stability weight λ of re-allocation (`--stability`); the
/// same as [`crate::config::STABILITY`], kept here for callers of this
/// path.
pub const DEFAULT_STABILITY: f64 = crate::config::STABILITY;

/// Runs `gridplan partition` end to end and writes DIR/assignment.csv and
/// DIR/metrics.json.
///
/// # Errors
/// Any [`Error`]: bad input (naming the file, feature and id), a parameter
/// out of range, or a write failure. Nothing is written before all the
/// computation has succeeded, and every file is written atomically.
pub fn partition(cfg: &PartitionConfig) -> Result<PartitionOutcome, Error> {
    cfg.check()?;
    // The name templates are checked before any work.
    let naming = naming::read_naming(cfg.inputs.weights.as_deref())?;
    let mut t = Timings::default();
    // 1. Prepare the inputs.
    let prep = prepare_inputs(&cfg.inputs, cfg.tolerance, &mut t)?;
    // 2. Plan: grids and micro-grids.
    let start = Instant::now();
    let progress = Progress::new(cfg.progress);
    let plan = plan_county(&prep, &PlanSpec::of(cfg), &progress)?;
    t.partition = start.elapsed().as_secs_f64();
    // 3. Draw their polygons.
    let start = Instant::now();
    progress.step("polygons", 0);
    let shapes = draw::draw(&plan.village_cells(), &plan.grid_cells(), &plan.territory)?;
    progress.finish();
    t.polygons = start.elapsed().as_secs_f64();
    // 4. Measure them.
    let start = Instant::now();
    let metrics = measure::measure_plan(&prep, &plan, &measure::params_of_partition(cfg));
    t.metrics = start.elapsed().as_secs_f64();
    let report = plan_report(cfg, &prep, &plan, metrics, shapes.coverage.clone());
    let (grid_of, micro_of) = plan.labels.codes_by_household(&prep.county)?;
    // 5. Write the maps, report and files.
    let start = Instant::now();
    let names = names::name_plan(&prep.county, &prep.zones, &plan, &naming);
    let date = cfg.effective_date.to_string();
    let platform = maps::Platform {
        names: &names,
        zones: &prep.zones,
        effective_date: &date,
    };
    let maps = maps::build_maps(
        (&prep.county, &prep.load),
        &plan,
        &shapes,
        &report.metrics.grids,
        &prep.ground,
        (cfg.output_crs, &platform),
    );
    let report_html = files::render_report(cfg, &report, &maps, &prep.county);
    let plan_files = PlanFiles {
        households: &prep.county.households,
        grid_of: &grid_of,
        micro_of: &micro_of,
        report: &report,
        report_html: &report_html,
    };
    files::write_outputs(cfg, &plan_files, &maps)?;
    t.write = start.elapsed().as_secs_f64();
    Ok(PartitionOutcome {
        report,
        grid_of,
        micro_of,
        timings: t,
    })
}

/// metrics.json of a `partition` run.
fn plan_report(
    cfg: &PartitionConfig,
    prep: &Prepared,
    plan: &Planned,
    metrics: Metrics,
    coverage: CoverageSummary,
) -> Report {
    let facts = RunFacts {
        weights: prep.weights,
        dedicated_zones: prep.zones.zones.len(),
        has_current: prep.current.is_present(),
        locked_grids: prep.current.locked_codes(),
    };
    Report {
        params: Some(RunParams::of(cfg, facts)),
        metrics,
        villages_outside_band: plan.app.outside_band.clone(),
        max_deviation_from_county_mean: plan.app.max_deviation_from_county_mean,
        balance_shortfalls: plan.shortfalls.clone(),
        forced_crossings: plan.forced_crossings.clone(),
        zones_across_villages: prep.zones.zm.crossings.clone(),
        empty_zones: prep.zones.zm.empty.clone(),
        zone_kinds: zone_kinds(prep),
        snapped: prep.county.snap_notes(),
        input_notes: prep.notes.clone(),
        coverage: Some(coverage),
    }
}

/// The zones' kinds for metrics.json: zones and households per category.
fn zone_kinds(prep: &Prepared) -> Option<crate::model::report::ZoneKinds> {
    let hh = &prep.county.households;
    let households: Vec<u64> = prep
        .zones
        .zone_members
        .iter()
        .map(|m| {
            m.iter()
                .map(|&h| u64::from(hh[h as usize].households))
                .sum()
        })
        .collect();
    crate::model::report::ZoneKinds::of(&prep.zones.info, &households)
}

/// What a scenarios run produced.
#[derive(Clone, Debug)]
pub struct ScenariosOutcome {
    /// One row per scenario, in the order given.
    pub rows: Vec<ScenarioRow>,
    /// Time per step (partition covers all scenarios).
    pub timings: Timings,
}

/// Runs `gridplan scenarios`: prepares the inputs once, then plans and
/// measures every scenario in parallel (rayon over scenarios, and over
/// villages inside each) and writes scenarios.csv, scenarios.md,
/// scenarios.svg and report.html into the output folder.
///
/// # Errors
/// Any [`Error`] of `partition`; the first failing scenario in the order
/// given is reported, and nothing is written.
pub fn scenarios(cfg: &ScenariosConfig) -> Result<ScenariosOutcome, Error> {
    cfg.check()?;
    let base = &cfg.base;
    let mut t = Timings::default();
    // 1. Prepare the inputs once.
    let prep = prepare_inputs(&base.inputs, base.tolerance, &mut t)?;
    // 2 and 4. Plan and measure every scenario.
    let start = Instant::now();
    let quiet = Progress::new(false);
    let spec = PlanSpec::of(base);
    let params = measure::params_of_partition(base);
    let rows: Vec<ScenarioRow> = cfg
        .sizings
        .par_iter()
        .map(|sizing| -> Result<ScenarioRow, Error> {
            let began = Instant::now();
            let plan = plan_county(&prep, &spec.sized(sizing), &quiet)?;
            let m = measure::measure_plan(&prep, &plan, &params);
            Ok(measure::scenario_row(sizing, &plan, &m, began))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;
    t.partition = start.elapsed().as_secs_f64();
    // 5. Write the comparison.
    let start = Instant::now();
    files::write_scenarios(base, &rows)?;
    t.write = start.elapsed().as_secs_f64();
    Ok(ScenariosOutcome { rows, timings: t })
}

/// Runs `gridplan metrics`: docs/DESIGN.md §5 for any assignment.
///
/// Grids whose code ends in a sequence of 901 or more are taken as
/// dedicated grids (docs/DESIGN.md §2); a micro-grid's parent is the grid of its
/// first household.
///
/// # Errors
/// Bad input, naming the file, the line or feature and the id.
pub fn metrics(cfg: &MetricsConfig) -> Result<(Report, Timings), Error> {
    cfg.check()?;
    let mut t = Timings::default();
    // 1. Prepare the inputs, and read the plan to measure.
    let prep = prepare_inputs(&cfg.inputs, cfg.tolerance, &mut t)?;
    let start = Instant::now();
    let villages: Vec<&str> = prep
        .county
        .villages
        .iter()
        .map(|v| v.code.as_str())
        .collect();
    let rows = read::read_assignment_checked(
        &cfg.assignment,
        &prep.county.households,
        &villages,
        cfg.inputs.codes,
    )?;
    let labels = HouseholdLabels::of_assignment(&rows, &prep.current);
    t.read += start.elapsed().as_secs_f64();
    // 4. Measure it, with the households each village serves.
    let (members, territory) = zones::served(&prep.county, &prep.zones);
    let start = Instant::now();
    let m = measure::compute_metrics(
        &prep,
        &members,
        &territory,
        &labels,
        &measure::params_of_metrics(cfg),
    );
    t.metrics = start.elapsed().as_secs_f64();
    let report = Report {
        params: None,
        metrics: m,
        villages_outside_band: Vec::new(),
        max_deviation_from_county_mean: None,
        balance_shortfalls: Vec::new(),
        forced_crossings: Vec::new(),
        zones_across_villages: prep.zones.zm.crossings.clone(),
        empty_zones: prep.zones.zm.empty.clone(),
        zone_kinds: zone_kinds(&prep),
        snapped: prep.county.snap_notes(),
        input_notes: prep.notes.clone(),
        coverage: None,
    };
    Ok((report, t))
}
