//! The pipeline: the one place that knows the order of the steps.
//!
//! ```text
//! read + validate -> project (local metres) -> locate (rstar + point-in-polygon)
//!   -> units (identical coordinates merged) -> workload -> apportion
//!   -> partition per village (rayon, gathered in village-code order)
//!   -> codes -> metrics -> export
//! ```
//!
//! Villages are independent, so parallelism is over villages; results are
//! collected in village-code order, so the output does not depend on the
//! number of threads or on scheduling.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use geo::algorithm::indexed::IntervalTreeMultiPolygon;
use geo::{BooleanOps, BoundingRect, Contains, Coord, Intersects, MultiPolygon};
use rayon::prelude::*;
use serde::Serialize;

use crate::engine::apportion::{self, Apportionment, VillageLoad};
use crate::engine::graph;
use crate::engine::micro::{self, MicroParams};
use crate::engine::partition::{self, BalanceShortfall, PartitionParams, VillageProblem};
use crate::error::Error;
use crate::geometry::polygons;
use crate::input::crs::{self, Crs};
use crate::input::dedicated::{self, ZoneCrossing};
use crate::input::locate::{self, LocateParams, Located};
use crate::input::lock::CurrentPlan;
use crate::input::project::LocalProjection;
use crate::input::read;
use crate::input::workload::{self, BalanceMeasure, MeasureKind, Weights};
use crate::metrics::{self, Metrics, MetricsInput, MetricsParams, PointRec, VillageInput};
use crate::model::codes;
use crate::model::{Boundary, Household, Level};
use crate::output::export;
use crate::output::progress::Progress;
use crate::output::report;
use crate::output::scenarios::{self, ScenarioRow};
use crate::output::write;

/// The default stability weight λ of re-allocation (`--stability`).
pub const DEFAULT_STABILITY: f64 = 8.0;

/// How the number of grids is chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum Sizing {
    /// `--target T`: mean load per grid.
    Target(f64),
    /// `--grids K`: a fixed county total.
    Total(usize),
}

/// Everything `gridplan partition` needs.
#[derive(Clone, Debug)]
pub struct PartitionConfig {
    /// Household points (GeoJSON).
    pub households: PathBuf,
    /// Administrative boundaries (GeoJSON).
    pub boundaries: PathBuf,
    /// Output folder.
    pub out: PathBuf,
    /// Target or total.
    pub sizing: Sizing,
    /// The household norm band per grid.
    pub band: (f64, f64),
    /// Allowed relative deviation from the village mean.
    pub tolerance: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Snap points within this many metres of a village.
    pub snap_distance: Option<f64>,
    /// Workload weights (TOML), households only when absent.
    pub weights: Option<PathBuf>,
    /// Micro-grid sizing.
    pub micro: MicroParams,
    /// Dedicated premises zones (GeoJSON), when given.
    pub dedicated: Option<PathBuf>,
    /// Coordinate systems of the inputs.
    pub input_crs: InputCrs,
    /// Coordinate system of the exported maps.
    pub output_crs: Crs,
    /// Map formats to export.
    pub formats: Vec<export::Format>,
    /// Show progress on stderr (drawn only when stderr is a terminal).
    pub progress: bool,
    /// The stability weight λ of re-allocation (`--stability`); used when
    /// households carry `grid`, 0 draws afresh.
    pub stability: f64,
    /// A file of current grid codes to keep exactly (`--lock`).
    pub lock: Option<PathBuf>,
    /// Villages whose current grids are all kept (`--lock-village`).
    pub lock_villages: Vec<String>,
    /// Measures to balance (`--balance`); empty balances the workload
    /// alone. The first is primary (grid counts, compactness).
    pub balance: Vec<BalanceMeasure>,
    /// When re-allocating, choose each village's grid count inside its band
    /// to split current grids cleanly, keeping the county total
    /// (`--counts lineage`, the default); false keeps the target's counts.
    pub lineage_counts: bool,
}

/// Wall time of each step, in seconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    /// Reading and validating the inputs.
    pub read: f64,
    /// Projecting and locating households in villages.
    pub locate: f64,
    /// Units, apportionment and partitioning.
    pub partition: f64,
    /// Grid and micro-grid polygons.
    pub polygons: f64,
    /// Computing the metrics.
    pub metrics: f64,
    /// Writing the outputs.
    pub write: f64,
}

impl Timings {
    /// One line for stderr.
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "time: read {:.2}s, locate {:.2}s, partition {:.2}s, polygons {:.2}s, metrics {:.2}s, write {:.2}s, total {:.2}s",
            self.read,
            self.locate,
            self.partition,
            self.polygons,
            self.metrics,
            self.write,
            self.read + self.locate + self.partition + self.polygons + self.metrics + self.write
        )
    }
}

/// The parameters echoed into metrics.json, so a file says how it was made.
#[derive(Clone, Debug, Serialize)]
pub struct RunParams {
    /// `--target`, when given.
    pub target: Option<f64>,
    /// `--grids`, when given.
    pub grids: Option<usize>,
    /// The household band.
    pub band: (f64, f64),
    /// The balance tolerance.
    pub tolerance: f64,
    /// The seed.
    pub seed: u64,
    /// The workload weights.
    pub weights: Weights,
    /// Mean households per micro-grid.
    pub micro_target: f64,
    /// Household band of a micro-grid.
    pub micro_band: (f64, f64),
    /// Balance tolerance of micro-grids inside their grid.
    pub micro_tolerance: f64,
    /// Dedicated zones read.
    pub dedicated_zones: usize,
    /// The stability weight λ of re-allocation, when households carry a
    /// current grid.
    pub stability: Option<f64>,
    /// Current grids kept exactly as they are (`--lock`, `--lock-village`).
    pub locked_grids: Vec<String>,
    /// The measures balanced (`--balance`), the first primary; absent when
    /// the workload alone is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub balance: Vec<BalanceMeasure>,
}

/// metrics.json: the metrics of docs/DESIGN.md §5 plus what the run had to report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// How the plan was made (absent for `gridplan metrics`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<RunParams>,
    /// The metrics.
    pub metrics: Metrics,
    /// Villages whose households admit no grid count inside the band.
    pub villages_outside_band: Vec<apportion::OutsideBand>,
    /// The largest deviation from the county mean, with `--grids`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_deviation_from_county_mean: Option<f64>,
    /// Villages where buildings or shape made the tolerance unreachable.
    pub balance_shortfalls: Vec<BalanceShortfall>,
    /// Dedicated zones whose households lie in several villages.
    pub zones_across_villages: Vec<ZoneCrossing>,
    /// Dedicated zones that hold no household.
    pub empty_zones: Vec<String>,
    /// Households placed by `--snap-distance`.
    pub snapped: Vec<SnapNote>,
    /// How exactly the grid and micro-grid polygons tile the territory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<CoverageSummary>,
}

/// A household placed by snapping, for the report.
#[derive(Clone, Debug, Serialize)]
pub struct SnapNote {
    /// Household id.
    pub id: String,
    /// The village it was placed in.
    pub village_code: String,
    /// Distance to that village, in metres.
    pub distance_m: f64,
    /// Why: outside every village, or declared village kept.
    pub why: &'static str,
}

/// What a partition run produced.
#[derive(Clone, Debug)]
pub struct PartitionOutcome {
    /// metrics.json's content.
    pub report: Report,
    /// The grid code of every household, in input order.
    pub grid_of: Vec<String>,
    /// The micro-grid code of every household, in input order.
    pub micro_of: Vec<String>,
    /// Time per step.
    pub timings: Timings,
}

/// The coordinate systems of the inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputCrs {
    /// Of the household points (`--input-crs`).
    pub households: Crs,
    /// Of the boundaries and the dedicated zones (`--boundaries-crs`).
    pub boundaries: Crs,
}

/// A village with its households, in local metres.
struct Village {
    code: String,
    town_code: String,
    polygon: MultiPolygon<f64>,
    members: Vec<u32>,
}

/// The inputs read, projected and located.
struct County {
    proj: LocalProjection,
    input: InputCrs,
    households: Vec<Household>,
    xy: Vec<[f64; 2]>,
    villages: Vec<Village>,
    located: Located,
}

/// Reads, projects and locates (the common front of every command).
fn prepare(
    households_path: &Path,
    boundaries_path: &Path,
    input: InputCrs,
    snap_distance: Option<f64>,
    t: &mut Timings,
) -> Result<County, Error> {
    let start = Instant::now();
    let (households, boundaries) = rayon::join(
        || read::read_households(households_path),
        || read::read_boundaries(boundaries_path),
    );
    let mut households = households?;
    let mut boundaries = boundaries?;
    // Everything is WGS84 from here on; GCJ-02 uses the exact iterative
    // inverse (crs module).
    if input.households != Crs::Wgs84 {
        households.par_iter_mut().for_each(|h| {
            let [lon, lat] = crs::to_wgs84(input.households, h.lon, h.lat);
            h.lon = lon;
            h.lat = lat;
        });
    }
    if input.boundaries != Crs::Wgs84 {
        boundaries
            .par_iter_mut()
            .for_each(|b| crs::convert_geometry(&mut b.geometry, input.boundaries, Crs::Wgs84));
    }
    t.read = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut vb: Vec<&Boundary> = boundaries
        .iter()
        .filter(|b| b.level == Level::Village)
        .collect();
    if vb.is_empty() {
        return Err(Error::NoVillages {
            file: boundaries_path.to_path_buf(),
        });
    }
    vb.sort_by(|a, b| a.code.cmp(&b.code));
    let proj = projection_for(&vb);
    let xy: Vec<[f64; 2]> = households
        .par_iter()
        .map(|h| proj.forward(h.lon, h.lat))
        .collect();
    let polys: Vec<(String, MultiPolygon<f64>)> = vb
        .par_iter()
        .map(|b| {
            let mut g = b.geometry.clone();
            proj.forward_geometry(&mut g);
            (b.code.clone(), g)
        })
        .collect();
    let file = households_path.display().to_string();
    let located = locate::locate(
        &xy,
        &households,
        &polys,
        &LocateParams { snap_distance },
        &file,
    )?;
    let mut members = vec![Vec::new(); vb.len()];
    for (i, &v) in located.village_of.iter().enumerate() {
        #[allow(clippy::cast_possible_truncation)]
        members[v as usize].push(i as u32);
    }
    let villages = vb
        .iter()
        .zip(polys)
        .zip(members)
        .map(|((b, (_, polygon)), members)| Village {
            code: b.code.clone(),
            town_code: b.parent.clone().unwrap_or_default(),
            polygon,
            members,
        })
        .collect();
    t.locate = start.elapsed().as_secs_f64();
    Ok(County {
        proj,
        input,
        households,
        xy,
        villages,
        located,
    })
}

/// A local projection centred on the villages' bounding box.
fn projection_for(villages: &[&Boundary]) -> LocalProjection {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for b in villages {
        if let Some(r) = b.geometry.bounding_rect() {
            x0 = x0.min(r.min().x);
            y0 = y0.min(r.min().y);
            x1 = x1.max(r.max().x);
            y1 = y1.max(r.max().y);
        }
    }
    if x0 > x1 {
        return LocalProjection::new(0.0, 0.0);
    }
    LocalProjection::new(0.5 * (x0 + x1), 0.5 * (y0 + y1))
}

/// A village's households merged into indivisible units (buildings).
struct Units {
    pos: Vec<[f64; 2]>,
    weight: Vec<f64>,
    /// Household indices of each unit.
    members: Vec<Vec<u32>>,
}

/// Merges households at identical projected coordinates into units, in
/// the canonical coordinate order of [`graph::cmp_coords`], the order the
/// metrics use too, so both build the same Delaunay graph.
fn units_of(members: &[u32], xy: &[[f64; 2]], load: &[f64]) -> Units {
    let mut order: Vec<u32> = members.to_vec();
    order.sort_by(|&a, &b| graph::cmp_coords(xy[a as usize], xy[b as usize]).then(a.cmp(&b)));
    let mut u = Units {
        pos: Vec::new(),
        weight: Vec::new(),
        members: Vec::new(),
    };
    for h in order {
        let p = graph::coord_key(xy[h as usize]);
        if u.pos
            .last()
            .is_none_or(|&l| graph::cmp_coords(l, p).is_ne())
        {
            u.pos.push(p);
            u.weight.push(0.0);
            u.members.push(Vec::new());
        }
        let last = u.pos.len() - 1;
        u.weight[last] += load[h as usize];
        u.members[last].push(h);
    }
    u
}

/// Runs `gridplan partition` end to end and writes DIR/assignment.csv and
/// DIR/metrics.json.
///
/// # Errors
/// Any [`Error`]: bad input (naming the file, feature and id), a parameter
/// out of range, or a write failure. Nothing is written before all the
/// computation has succeeded, and every file is written atomically.
#[allow(clippy::too_many_lines)]
pub fn partition(cfg: &PartitionConfig) -> Result<PartitionOutcome, Error> {
    check_stability(cfg.stability)?;
    check_balance(&cfg.balance, cfg.weights.as_deref())?;
    check_tolerance(cfg.tolerance)?;
    check_micro(&cfg.micro)?;
    let mut t = Timings::default();
    let weights = weights_of(cfg.weights.as_deref())?;
    let county = prepare(
        &cfg.households,
        &cfg.boundaries,
        cfg.input_crs,
        cfg.snap_distance,
        &mut t,
    )?;

    // Dedicated zones: read, project, and take their households out.
    let start = Instant::now();
    let mut zs = setup_zones(&county, cfg.dedicated.as_deref())?;
    t.locate += start.elapsed().as_secs_f64();

    let start = Instant::now();
    let (load, extra) = measure_values(
        &county,
        &weights,
        &cfg.households,
        &cfg.balance,
        cfg.tolerance,
    )?;
    let current = current_plan(&county, cfg.lock.as_deref(), &cfg.lock_villages)?;
    release_locked(&mut zs, &current, &county);
    let progress = Progress::new(cfg.progress);
    let Planned {
        app,
        members_of,
        territory,
        plans,
        grids,
        micro_plans,
        shortfalls,
        grid_of_h,
        micro_of_h,
        grid_codes,
        micro_codes,
        micro_parent,
        micro_oversize,
    } = plan_county(
        &county,
        &zs,
        &Loads {
            primary: &load,
            extra: &extra,
        },
        &current,
        &PlanSpec::of(cfg),
        &progress,
    )?;
    t.partition = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let vcodes: Vec<String> = county.villages.iter().map(|v| v.code.clone()).collect();
    progress.step("polygons", 0);
    let shapes = draw(&plans, &grids, &micro_plans, &territory, &vcodes)?;
    progress.finish();
    t.polygons = start.elapsed().as_secs_f64();
    let dedicated_flags: Vec<bool> = grids.iter().map(|g| g.dedicated).collect();
    let locked_flags: Vec<bool> = grids.iter().map(|g| g.locked).collect();
    let start = Instant::now();
    let metrics = compute_metrics(
        &county,
        &current,
        &members_of,
        &territory,
        &load,
        &PlanLabels {
            grid_of_h: &grid_of_h,
            grid_codes: &grid_codes,
            dedicated: &dedicated_flags,
            locked: &locked_flags,
            micro_of_h: &micro_of_h,
            micro_codes: &micro_codes,
            micro_parent: &micro_parent,
        },
        &MetricsParams {
            band: cfg.band,
            tolerance: PlanSpec::of(cfg).tolerance,
            seed: cfg.seed,
            micro_band: cfg.micro.band,
            measures: further_measures(&cfg.balance, cfg.tolerance),
            ..MetricsParams::default()
        },
    );
    t.metrics = start.elapsed().as_secs_f64();
    let report = Report {
        params: Some(RunParams {
            target: match cfg.sizing {
                Sizing::Target(x) => Some(x),
                Sizing::Total(_) => None,
            },
            grids: match cfg.sizing {
                Sizing::Total(k) => Some(k),
                Sizing::Target(_) => None,
            },
            band: cfg.band,
            tolerance: cfg.tolerance,
            seed: cfg.seed,
            weights,
            micro_target: cfg.micro.target,
            micro_band: cfg.micro.band,
            micro_tolerance: cfg.micro.tolerance,
            dedicated_zones: zs.zones.len(),
            stability: current.is_present().then_some(cfg.stability),
            locked_grids: current.locked_codes(),
            balance: cfg.balance.clone(),
        }),
        metrics,
        villages_outside_band: app.outside_band,
        max_deviation_from_county_mean: app.max_deviation_from_county_mean,
        balance_shortfalls: shortfalls,
        zones_across_villages: zs.zm.crossings.clone(),
        empty_zones: zs.zm.empty.clone(),
        snapped: snap_notes(&county),
        coverage: Some(shapes.coverage.clone()),
    };
    let unassigned: Vec<usize> = (0..county.households.len())
        .filter(|&h| grid_of_h[h] == u32::MAX)
        .collect();
    if !unassigned.is_empty() {
        return Err(Error::Unassigned {
            count: unassigned.len(),
            ids: unassigned
                .iter()
                .take(20)
                .map(|&h| county.households[h].id.clone())
                .collect(),
        });
    }
    let code_of = |codes: &[String], i: u32| codes.get(i as usize).cloned().unwrap_or_default();
    let grid_of: Vec<String> = grid_of_h.iter().map(|&g| code_of(&grid_codes, g)).collect();
    let micro_of: Vec<String> = micro_of_h
        .iter()
        .map(|&m| code_of(&micro_codes, m))
        .collect();

    let start = Instant::now();
    let maps = build_maps(
        &county,
        &load,
        &grids,
        &micro_plans,
        &shapes,
        &Labels {
            grid_of_h: &grid_of_h,
            micro_of_h: &micro_of_h,
            grid_codes: &grid_codes,
            micro_codes: &micro_codes,
            micro_oversize: &micro_oversize,
        },
        cfg.output_crs,
    );
    let report_html = render_report(cfg, &report, &maps, &county);
    write_outputs(
        cfg,
        &county.households,
        &grid_of,
        &micro_of,
        &report,
        &maps,
        &report_html,
    )?;
    t.write = start.elapsed().as_secs_f64();
    Ok(PartitionOutcome {
        report,
        grid_of,
        micro_of,
        timings: t,
    })
}

/// What shapes one plan; a scenario varies only the sizing.
#[derive(Clone, Debug)]
struct PlanSpec {
    sizing: Sizing,
    band: (f64, f64),
    tolerance: f64,
    seed: u64,
    micro: MicroParams,
    /// λ of re-allocation; 0 draws afresh.
    stability: f64,
    /// Re-allocation chooses grid counts that split current grids cleanly.
    lineage_apportion: bool,
}

impl PlanSpec {
    fn of(cfg: &PartitionConfig) -> Self {
        Self {
            sizing: cfg.sizing.clone(),
            band: cfg.band,
            // The primary measure's own tolerance, when --balance gives one.
            tolerance: primary_tolerance(&cfg.balance, cfg.tolerance),
            seed: cfg.seed,
            micro: cfg.micro.clone(),
            stability: cfg.stability,
            lineage_apportion: cfg.lineage_counts,
        }
    }
}

/// One plan of the county: grids and micro-grids, before polygons.
struct Planned {
    app: Apportionment,
    /// The households each village serves (zones count in their village).
    members_of: Vec<Vec<u32>>,
    /// Each village's territory (the village, plus or minus crossing zones).
    territory: Vec<MultiPolygon<f64>>,
    plans: Vec<Option<(Units, partition::VillagePlan)>>,
    grids: Vec<GridOut>,
    micro_plans: Vec<micro::MicroPlan>,
    shortfalls: Vec<BalanceShortfall>,
    grid_of_h: Vec<u32>,
    micro_of_h: Vec<u32>,
    grid_codes: Vec<String>,
    micro_codes: Vec<String>,
    micro_parent: Vec<u32>,
    micro_oversize: Vec<bool>,
}

/// The measures a plan balances: the primary one per household (the
/// workload unless `--balance` names another first) and the further ones
/// with their tolerances.
struct Loads<'a> {
    primary: &'a [f64],
    extra: &'a [FurtherMeasure],
}

/// A further `--balance` measure: its value per household and its
/// tolerance.
type FurtherMeasure = (Vec<f64>, f64);

/// The primary measure of every household and the further `--balance`
/// measures with their tolerances.
fn measure_values(
    county: &County,
    weights: &Weights,
    households: &Path,
    balance: &[BalanceMeasure],
    tolerance: f64,
) -> Result<(Vec<f64>, Vec<FurtherMeasure>), Error> {
    let default = [BalanceMeasure {
        kind: MeasureKind::Load,
        tolerance: None,
    }];
    let list: &[BalanceMeasure] = if balance.is_empty() {
        &default
    } else {
        balance
    };
    let mut out = Vec::with_capacity(list.len());
    for m in list {
        let mut v = Vec::with_capacity(county.households.len());
        for (i, h) in county.households.iter().enumerate() {
            let Some(x) = m.kind.value(h, weights) else {
                return Err(Error::Parameter(format!(
                    "{}: feature {i} (id {:?}) has no {}, which --balance {} needs",
                    households.display(),
                    h.id,
                    m.kind.name(),
                    m.kind.name()
                )));
            };
            v.push(x);
        }
        let tol = m.tolerance.unwrap_or(tolerance);
        out.push((v, tol));
    }
    let mut it = out.into_iter();
    let primary = it.next().map(|(v, _)| v).unwrap_or_default();
    Ok((primary, it.collect()))
}

/// Locks win over dedicated zones: a locked grid is kept exactly as it
/// is, so its households leave any zone and stay in the village they lie
/// in. A zone left without households is reported as empty.
fn release_locked(zs: &mut ZoneSetup, current: &CurrentPlan, county: &County) {
    if !current.locked.iter().any(|&l| l) {
        return;
    }
    for (z, members) in zs.zone_members.iter_mut().enumerate() {
        let before = members.len();
        members.retain(|&h| {
            if current.is_locked(h) {
                zs.zm.zone_of[h as usize] = None;
                let v = county.located.village_of[h as usize] as usize;
                if let Some(fs) = zs.fs_members.get_mut(v) {
                    fs.push(h);
                }
                false
            } else {
                true
            }
        });
        if before > 0 && members.is_empty() {
            let code = zs.zones[z].0.clone();
            zs.zm.village_of_zone[z] = None;
            zs.zm.crossings.retain(|c| c.zone_code != code);
            zs.zm.empty.push(code);
        }
    }
    zs.zm.empty.sort();
    for fs in &mut zs.fs_members {
        fs.sort_unstable();
    }
}

/// The `--balance` measures after the first, with their tolerances, for
/// the metrics.
fn further_measures(balance: &[BalanceMeasure], tolerance: f64) -> Vec<(MeasureKind, f64)> {
    balance
        .iter()
        .skip(1)
        .map(|m| (m.kind, m.tolerance.unwrap_or(tolerance)))
        .collect()
}

/// The primary measure's tolerance: its own from `--balance`, else
/// `--tolerance`.
fn primary_tolerance(balance: &[BalanceMeasure], tolerance: f64) -> f64 {
    balance
        .first()
        .and_then(|m| m.tolerance)
        .unwrap_or(tolerance)
}

/// `--config` defines the workload, which `--balance` balances only when
/// it names `load`; anything else would silently drop the weights.
fn check_balance(balance: &[BalanceMeasure], weights: Option<&Path>) -> Result<(), Error> {
    if let Some(w) = weights
        && !balance.is_empty()
        && !balance.iter().any(|m| m.kind == MeasureKind::Load)
    {
        return Err(Error::Parameter(format!(
            "--config {} defines the workload, but --balance names no `load`, so the weights would be ignored; use e.g. --balance load,population, or drop --config",
            w.display()
        )));
    }
    Ok(())
}

/// The current plan of `county` with the locks of `cfg` applied and
/// checked (empty when households carry no `grid`).
fn current_plan(
    county: &County,
    lock: Option<&Path>,
    lock_villages: &[String],
) -> Result<CurrentPlan, Error> {
    let mut cur = CurrentPlan::new(county.households.iter().map(|h| h.grid.as_deref()));
    if let Some(f) = lock {
        cur.lock_file(f)?;
    }
    let village_of = |h: usize| {
        county
            .villages
            .get(county.located.village_of[h] as usize)
            .map_or("", |v| v.code.as_str())
    };
    cur.lock_villages(lock_villages, village_of)?;
    if cur.locked.iter().any(|&l| l) {
        // Unit loads do not matter here, only which households share a point.
        let zero = vec![0.0; county.xy.len()];
        let buildings: Vec<Vec<u32>> = county
            .villages
            .iter()
            .flat_map(|v| units_of(&v.members, &county.xy, &zero).members)
            .collect();
        cur.check(village_of, |h| county.households[h].id.as_str(), &buildings)?;
    }
    Ok(cur)
}

/// Apportions, partitions every village and cuts micro-grids: the plan
/// of one sizing, without polygons.
#[allow(clippy::too_many_lines)]
fn plan_county(
    county: &County,
    zs: &ZoneSetup,
    loads: &Loads,
    current: &CurrentPlan,
    spec: &PlanSpec,
    progress: &Progress,
) -> Result<Planned, Error> {
    let ZoneSetup {
        zones,
        zm,
        zone_members,
        fs_members,
    } = zs;
    let load = loads.primary;
    let hh: Vec<u32> = county.households.iter().map(|h| h.households).collect();
    // Locked grids are kept as they are: their households leave the
    // apportionment, and each becomes a fixed group of its village.
    let free_of = |m: &Vec<u32>| -> Vec<u32> {
        m.iter()
            .copied()
            .filter(|&h| !current.is_locked(h))
            .collect()
    };
    let vloads: Vec<VillageLoad> = county
        .villages
        .iter()
        .zip(fs_members)
        .map(|(v, m)| {
            let m = free_of(m);
            VillageLoad {
                code: v.code.clone(),
                load: m.iter().map(|&h| load[h as usize]).sum(),
                households: m.iter().map(|&h| f64::from(hh[h as usize])).sum(),
            }
        })
        .collect();
    let locked_count = current.locked.iter().filter(|&&l| l).count();
    let free_households: f64 = vloads.iter().map(|v| v.households).sum();
    if let Sizing::Total(k) = spec.sizing
        && k < locked_count
    {
        return Err(Error::Parameter(format!(
            "--grids {k} is fewer than the {locked_count} locked grids, which count in the total"
        )));
    }
    let mut app: Apportionment = if free_households <= 0.0 && locked_count > 0 {
        // Every household is in a locked grid: nothing is left to divide.
        Apportionment {
            k: vec![0; vloads.len()],
            outside_band: Vec::new(),
            max_deviation_from_county_mean: None,
        }
    } else {
        match spec.sizing {
            Sizing::Target(target) => apportion::by_target(&vloads, target, spec.band)?,
            Sizing::Total(k) => {
                apportion::by_total(&vloads, k - locked_count).map_err(|e| match e {
                    apportion::ApportionError::TooFewGrids { villages, .. } if locked_count > 0 => {
                        Error::Parameter(format!(
                            "--grids {k} leaves {} grids beside the {locked_count} locked ones, fewer than the {villages} villages with households outside them: every such village needs at least one grid",
                            k - locked_count
                        ))
                    }
                    e => e.into(),
                })?
            }
        }
    };
    let too_many = |app: &Apportionment| -> Result<(), Error> {
        for (v, &k) in county.villages.iter().zip(&app.k) {
            if k > codes::MAX_FULL_SCOPE_SEQ {
                return Err(Error::TooManyGrids {
                    village: v.code.clone(),
                    k,
                    max: codes::MAX_FULL_SCOPE_SEQ,
                });
            }
        }
        Ok(())
    };
    too_many(&app)?;
    if current.is_present() && spec.stability > 0.0 && spec.lineage_apportion {
        // Re-allocation: the same number of grids, spent where the current
        // grids split cleanly (apportion's lineage mode).
        let old: Vec<Vec<f64>> = fs_members
            .iter()
            .map(|m| {
                let mut by: BTreeMap<u32, f64> = BTreeMap::new();
                for &h in m {
                    let o = current.of[h as usize];
                    if o != u32::MAX && !current.is_locked(h) {
                        *by.entry(o).or_insert(0.0) += load[h as usize];
                    }
                }
                by.into_values().collect()
            })
            .collect();
        app.k = apportion::for_lineage(&vloads, &old, &app.k, spec.band, spec.tolerance);
        too_many(&app)?;
    }
    let (members_of, territory) = served(county, zones, zm, zone_members, fs_members.clone());
    let trees: Vec<IntervalTreeMultiPolygon<f64>> = territory
        .par_iter()
        .map(IntervalTreeMultiPolygon::new)
        .collect();
    let pparams = PartitionParams::new(spec.tolerance, spec.seed);
    // Village by village: the dedicated grids of the village's zones
    // first (⌈H/MAX⌉ grids of each zone's buildings), then the full-scope
    // grids with those dedicated grids (and the locked grids) as fixed
    // groups. All are cut on the one graph of all the village's points,
    // the graph the metrics judge contiguity on.
    let village_zones: Vec<Vec<usize>> = (0..county.villages.len())
        .map(|vi| {
            (0..zones.len())
                .filter(|&z| zm.village_of_zone[z] == u32::try_from(vi).ok())
                .collect()
        })
        .collect();
    progress.step("grids, by village", county.villages.len());
    let plans: Vec<Option<(Units, partition::VillagePlan, Vec<String>)>> = county
        .villages
        .par_iter()
        .zip(fs_members)
        .zip(&app.k)
        .zip(&trees)
        .zip(&village_zones)
        .map(|((((v, fs), &k), tree), vz)| -> Result<_, Error> {
            progress.inc();
            let mut members = fs.clone();
            for &z in vz {
                members.extend_from_slice(&zone_members[z]);
            }
            if members.is_empty() {
                return Ok(None);
            }
            members.sort_unstable();
            let units = units_of(&members, &county.xy, load);
            // The territory: the village, plus a zone of it that crosses
            // into a neighbour, minus a neighbour's zone that crosses in.
            let inside = |m: [f64; 2]| tree.contains(&Coord { x: m[0], y: m[1] });
            let graph = graph::village_graph(&units.pos, inside);
            let mut fixed = vec![u32::MAX; units.pos.len()];
            // Locked grids: whole buildings (checked in `current_plan`).
            let mut locked_codes: Vec<String> = Vec::new();
            let mut locked_units: Vec<(u32, u32)> = Vec::new();
            for (u, m) in units.members.iter().enumerate() {
                if current.is_locked(m[0]) {
                    locked_units.push((current.of[m[0] as usize], u32::try_from(u).unwrap_or(0)));
                }
            }
            locked_units.sort_unstable();
            let mut offset = 0u32;
            for &z in vz {
                let zu: Vec<u32> = (0..units.pos.len())
                    .filter(|&u| {
                        zm.zone_of[units.members[u][0] as usize] == u32::try_from(z).ok()
                            && !current.is_locked(units.members[u][0])
                    })
                    .map(|u| u32::try_from(u).unwrap_or(u32::MAX))
                    .collect();
                if zu.is_empty() {
                    continue;
                }
                let pos: Vec<[f64; 2]> = zu.iter().map(|&u| units.pos[u as usize]).collect();
                let weight: Vec<f64> = zu.iter().map(|&u| units.weight[u as usize]).collect();
                let kz = zone_grid_count(
                    zu.iter().map(|&u| {
                        units.members[u as usize]
                            .iter()
                            .map(|&h| f64::from(hh[h as usize]))
                            .sum()
                    }),
                    spec.band,
                );
                let sub = graph.induced(&zu);
                let plan = partition::partition_village(
                    &VillageProblem {
                        code: &zones[z].0,
                        pos: &pos,
                        weight: &weight,
                        graph: &sub,
                        k: kz,
                        fixed: &[],
                        lineage: None,
                        measures: &[],
                    },
                    &pparams,
                )?;
                for (j, &u) in zu.iter().enumerate() {
                    fixed[u as usize] = offset + plan.label[j];
                }
                offset += u32::try_from(plan.k).unwrap_or(u32::MAX);
            }
            let zone_groups = offset;
            for (o, u) in &locked_units {
                let code = &current.codes[*o as usize];
                if locked_codes.last() != Some(code) {
                    locked_codes.push(code.clone());
                }
                fixed[*u as usize] =
                    zone_groups + u32::try_from(locked_codes.len() - 1).unwrap_or(0);
            }
            // The current plan of each unit, as load fractions.
            let old: Vec<Vec<(u32, f64)>> = if current.is_present() && spec.stability > 0.0 {
                units
                    .members
                    .iter()
                    .zip(&units.weight)
                    .map(|(m, &w)| {
                        let mut v: Vec<(u32, f64)> = Vec::new();
                        for &h in m {
                            let o = current.of[h as usize];
                            if o == u32::MAX {
                                continue;
                            }
                            let f = if w > 0.0 {
                                load[h as usize] / w
                            } else {
                                1.0 / as_f64(m.len())
                            };
                            match v.iter_mut().find(|(x, _)| *x == o) {
                                Some(e) => e.1 += f,
                                None => v.push((o, f)),
                            }
                        }
                        v
                    })
                    .collect()
            } else {
                Vec::new()
            };
            // Further measures per unit, in the units' order.
            let extra_units: Vec<Vec<f64>> = loads
                .extra
                .iter()
                .map(|(values, _)| {
                    units
                        .members
                        .iter()
                        .map(|m| m.iter().map(|&h| values[h as usize]).sum())
                        .collect()
                })
                .collect();
            let measures: Vec<partition::Measure> = extra_units
                .iter()
                .zip(loads.extra)
                .map(|(values, &(_, tolerance))| partition::Measure { values, tolerance })
                .collect();
            let has_free = units
                .members
                .iter()
                .any(|m| zm.zone_of[m[0] as usize].is_none() && !current.is_locked(m[0]));
            let plan = partition::partition_village(
                &VillageProblem {
                    code: &v.code,
                    pos: &units.pos,
                    weight: &units.weight,
                    graph: &graph,
                    k: if has_free { k.max(1) } else { 0 },
                    fixed: &fixed,
                    lineage: (!old.is_empty()).then_some(partition::Lineage {
                        old: &old,
                        weight: spec.stability,
                    }),
                    measures: &measures,
                },
                &pparams,
            )?;
            Ok(Some((units, plan, locked_codes)))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;

    // Grids with codes, village by village: full-scope 001.. (locked grids
    // keep theirs), dedicated 901...
    let mut grids: Vec<GridOut> = Vec::new();
    let mut shortfalls = Vec::new();
    let mut plans_out = Vec::with_capacity(plans.len());
    for (vi, (v, plan)) in county.villages.iter().zip(plans).enumerate() {
        let Some((units, plan, locked_codes)) = plan else {
            plans_out.push(None);
            continue;
        };
        let groups = plan
            .label
            .iter()
            .map(|&g| g as usize + 1)
            .max()
            .unwrap_or(0);
        let dedicated = groups - plan.k - locked_codes.len();
        if dedicated > 1000 - codes::DEDICATED_FIRST_SEQ {
            return Err(Error::TooManyGrids {
                village: v.code.clone(),
                k: dedicated,
                max: 1000 - codes::DEDICATED_FIRST_SEQ,
            });
        }
        if plan.k + locked_codes.len() > codes::MAX_FULL_SCOPE_SEQ {
            return Err(Error::TooManyGrids {
                village: v.code.clone(),
                k: plan.k + locked_codes.len(),
                max: codes::MAX_FULL_SCOPE_SEQ,
            });
        }
        push_grids(
            &mut grids,
            &units,
            &plan,
            &GroupCodes {
                groups,
                locked: &locked_codes,
            },
            vi,
            &v.code,
            &hh,
        );
        if let Some(s) = &plan.shortfall {
            shortfalls.push(s.clone());
        }
        plans_out.push(Some((units, plan)));
    }

    // Micro-grids inside every grid.
    let mparams = MicroParams {
        seed: spec.seed,
        ..spec.micro.clone()
    };
    progress.step("micro-grids, by grid", grids.len());
    let micro_plans: Vec<micro::MicroPlan> = grids
        .par_iter()
        .map(|g| {
            progress.inc();
            let tree = &trees[g.village];
            micro::micro_grids(
                &g.code,
                &g.buildings,
                &|m: [f64; 2]| tree.contains(&Coord { x: m[0], y: m[1] }),
                &mparams,
            )
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;
    let n = county.households.len();
    let mut grid_of_h = vec![u32::MAX; n];
    let mut micro_of_h = vec![u32::MAX; n];
    let mut grid_codes = Vec::with_capacity(grids.len());
    let mut micro_codes = Vec::new();
    let mut micro_parent = Vec::new();
    let mut micro_oversize = Vec::new();
    for (gi, (g, mp)) in grids.iter().zip(&micro_plans).enumerate() {
        let gi32 = u32::try_from(gi).unwrap_or(u32::MAX);
        grid_codes.push(g.code.clone());
        let base = micro_codes.len();
        for s in 1..=mp.count {
            micro_codes.push(micro::micro_code(
                &g.code,
                u32::try_from(s).unwrap_or(u32::MAX),
            ));
            micro_parent.push(gi32);
        }
        micro_oversize.extend_from_slice(&mp.oversize);
        for &(row, seq) in &mp.row_micro {
            grid_of_h[row as usize] = gi32;
            micro_of_h[row as usize] = u32::try_from(base + seq as usize - 1).unwrap_or(u32::MAX);
        }
    }
    Ok(Planned {
        app,
        members_of,
        territory,
        plans: plans_out,
        grids,
        micro_plans,
        shortfalls,
        grid_of_h,
        micro_of_h,
        grid_codes,
        micro_codes,
        micro_parent,
        micro_oversize,
    })
}

#[allow(clippy::cast_precision_loss)]
fn as_f64(x: usize) -> f64 {
    x as f64
}

/// Everything `gridplan scenarios` needs: a partition configuration whose
/// sizing is replaced by each scenario's (its maps and formats are not
/// used).
#[derive(Clone, Debug)]
pub struct ScenariosConfig {
    /// Inputs and every setting shared by the scenarios.
    pub base: PartitionConfig,
    /// One sizing per scenario, in the order given.
    pub sizings: Vec<Sizing>,
}

/// What a scenarios run produced.
#[derive(Clone, Debug)]
pub struct ScenariosOutcome {
    /// One row per scenario, in the order given.
    pub rows: Vec<ScenarioRow>,
    /// Time per step (partition covers all scenarios).
    pub timings: Timings,
}

/// Runs `gridplan scenarios`: reads and locates once, then plans every
/// scenario in parallel (rayon over scenarios, and over villages inside
/// each) and writes scenarios.csv, scenarios.md, scenarios.svg and
/// report.html into the output folder.
///
/// # Errors
/// Any [`Error`] of `partition`; the first failing scenario in the order
/// given is reported, and nothing is written.
pub fn scenarios(cfg: &ScenariosConfig) -> Result<ScenariosOutcome, Error> {
    let base = &cfg.base;
    check_tolerance(base.tolerance)?;
    check_micro(&base.micro)?;
    check_stability(base.stability)?;
    check_balance(&base.balance, base.weights.as_deref())?;
    if cfg.sizings.is_empty() {
        return Err(Error::Parameter(
            "give at least one scenario with --targets or --grids".to_string(),
        ));
    }
    let mut t = Timings::default();
    let weights = weights_of(base.weights.as_deref())?;
    let county = prepare(
        &base.households,
        &base.boundaries,
        base.input_crs,
        base.snap_distance,
        &mut t,
    )?;
    let start = Instant::now();
    let mut zs = setup_zones(&county, base.dedicated.as_deref())?;
    let (load, extra) = measure_values(
        &county,
        &weights,
        &base.households,
        &base.balance,
        base.tolerance,
    )?;
    let current = current_plan(&county, base.lock.as_deref(), &base.lock_villages)?;
    release_locked(&mut zs, &current, &county);
    t.locate += start.elapsed().as_secs_f64();
    let start = Instant::now();
    let quiet = Progress::new(false);
    let rows: Vec<ScenarioRow> = cfg
        .sizings
        .par_iter()
        .map(|sizing| -> Result<ScenarioRow, Error> {
            let began = Instant::now();
            let spec = PlanSpec {
                sizing: sizing.clone(),
                ..PlanSpec::of(base)
            };
            let loads = Loads {
                primary: &load,
                extra: &extra,
            };
            let p = plan_county(&county, &zs, &loads, &current, &spec, &quiet)?;
            let dedicated: Vec<bool> = p.grids.iter().map(|g| g.dedicated).collect();
            let locked: Vec<bool> = p.grids.iter().map(|g| g.locked).collect();
            let m = compute_metrics(
                &county,
                &current,
                &p.members_of,
                &p.territory,
                &load,
                &PlanLabels {
                    grid_of_h: &p.grid_of_h,
                    grid_codes: &p.grid_codes,
                    dedicated: &dedicated,
                    locked: &locked,
                    micro_of_h: &p.micro_of_h,
                    micro_codes: &p.micro_codes,
                    micro_parent: &p.micro_parent,
                },
                &MetricsParams {
                    band: base.band,
                    tolerance: spec.tolerance,
                    measures: further_measures(&base.balance, base.tolerance),
                    seed: base.seed,
                    micro_band: base.micro.band,
                    ..MetricsParams::default()
                },
            );
            let c = &m.county;
            Ok(ScenarioRow {
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
                micro_grids: p.micro_codes.len(),
                households: c.households,
                mean_load: c.mean_load,
                max_load: c.max_load,
                in_band_share: c.balance.in_band_share,
                within_tolerance_share: c.balance.within_tol_share,
                mean_distance_m: c.compactness.mean_distance_m,
                sse_ratio: c.compactness.sse_ratio,
                contiguous_share: c.contiguity.contiguous_share,
                households_moved: m
                    .stability
                    .as_ref()
                    .map(|s| s.households - s.lineage_kept_households),
                lineage_kept: m.stability.as_ref().map(|s| s.lineage_kept),
                runtime_s: began.elapsed().as_secs_f64(),
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;
    t.partition = start.elapsed().as_secs_f64();

    let start = Instant::now();
    write_scenarios(base, &rows)?;
    t.write = start.elapsed().as_secs_f64();
    Ok(ScenariosOutcome { rows, timings: t })
}

/// Writes the scenario tables, chart and report, staged and renamed
/// together.
fn write_scenarios(base: &PartitionConfig, rows: &[ScenarioRow]) -> Result<(), Error> {
    write::ensure_dir(&base.out)?;
    let inputs: Vec<&Path> = [
        base.dedicated.as_deref(),
        Some(base.households.as_path()),
        Some(base.boundaries.as_path()),
        base.weights.as_deref(),
        base.lock.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let csv_text = scenarios::csv(rows).map_err(|e| Error::Parameter(e.to_string()))?;
    let md = scenarios::markdown(rows, base.band, base.tolerance);
    let svg = scenarios::svg_chart_with(rows, base.band, base.tolerance);
    let title = format!(
        "gridplan scenarios: {}",
        base.households
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
    );
    let html = scenarios::html_page(rows, base.band, base.tolerance, &title);
    let files: [(&str, &[u8]); 4] = [
        ("scenarios.csv", csv_text.as_bytes()),
        ("scenarios.md", md.as_bytes()),
        ("scenarios.svg", svg.as_bytes()),
        ("report.html", html.as_bytes()),
    ];
    let mut staged = Vec::new();
    for (name, bytes) in files {
        let dest = base.out.join(name);
        write::check_not_input(&dest, &inputs)?;
        staged.push(write::stage(&dest, |w| w.write_all(bytes))?);
    }
    write::commit(staged)?;
    Ok(())
}

/// How many dedicated grids a zone gets from its buildings' household
/// counts: each building above the band's top is a grid of its own (it
/// cannot be split), and the other households make ⌈rest/MAX⌉ grids, or
/// join the big buildings' grids when they are fewer than the band's
/// bottom (a 3-household gatehouse is no grid of its own).
fn zone_grid_count(buildings: impl Iterator<Item = f64>, band: (f64, f64)) -> usize {
    let (mut big, mut rest) = (0usize, 0.0f64);
    for h in buildings {
        if h > band.1 {
            big += 1;
        } else {
            rest += h;
        }
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let small = (rest / band.1).ceil() as usize;
    if big > 0 && rest < band.0 {
        big
    } else {
        (big + small).max(1)
    }
}

/// Dedicated zones read, projected and matched to households and villages.
struct ZoneSetup {
    /// (code, polygon in metres) per zone.
    zones: Vec<(String, MultiPolygon<f64>)>,
    /// Which zone each household is in; which village each zone goes to.
    zm: dedicated::ZoneMembership,
    /// The households of each zone.
    zone_members: Vec<Vec<u32>>,
    /// The households of each village outside every zone.
    fs_members: Vec<Vec<u32>>,
}

fn setup_zones(county: &County, path: Option<&Path>) -> Result<ZoneSetup, Error> {
    let zones: Vec<(String, MultiPolygon<f64>)> = match path {
        Some(path) => read::read_zones(path)?
            .into_iter()
            .map(|z| {
                let mut g = z.geometry;
                crs::convert_geometry(&mut g, county.input.boundaries, Crs::Wgs84);
                county.proj.forward_geometry(&mut g);
                (z.code, g)
            })
            .collect(),
        None => Vec::new(),
    };
    let hh: Vec<u32> = county.households.iter().map(|h| h.households).collect();
    let vcodes: Vec<String> = county.villages.iter().map(|v| v.code.clone()).collect();
    let zm = dedicated::assign(&county.xy, &hh, &county.located.village_of, &vcodes, &zones);
    let fs_members = county
        .villages
        .iter()
        .map(|v| {
            v.members
                .iter()
                .copied()
                .filter(|&h| zm.zone_of[h as usize].is_none())
                .collect()
        })
        .collect();
    let mut zone_members: Vec<Vec<u32>> = vec![Vec::new(); zones.len()];
    for (h, z) in zm.zone_of.iter().enumerate() {
        if let Some(z) = z {
            zone_members[*z as usize].push(u32::try_from(h).unwrap_or(u32::MAX));
        }
    }
    Ok(ZoneSetup {
        zones,
        zm,
        zone_members,
        fs_members,
    })
}

/// The households each village serves (a zone's households count in the
/// zone's village) and its territory (the village plus its zones, so that
/// a zone crossing into a neighbour is part of the village it belongs to).
fn served(
    county: &County,
    zones: &[(String, MultiPolygon<f64>)],
    zm: &dedicated::ZoneMembership,
    zone_members: &[Vec<u32>],
    mut members: Vec<Vec<u32>>,
) -> (Vec<Vec<u32>>, Vec<MultiPolygon<f64>>) {
    let mut territory: Vec<MultiPolygon<f64>> =
        county.villages.iter().map(|v| v.polygon.clone()).collect();
    for (z, m) in zone_members.iter().enumerate() {
        if let Some(v) = zm.village_of_zone[z] {
            members[v as usize].extend_from_slice(m);
            if zm.crossings.iter().any(|c| c.zone_code == zones[z].0) {
                // A zone crossing into a neighbour joins its village...
                territory[v as usize] = territory[v as usize].union(&zones[z].1);
                // ...and leaves every neighbour it reaches into, so that no
                // two villages' grids overlap there.
                for (w, t) in territory.iter_mut().enumerate() {
                    if w != v as usize && t.intersects(&zones[z].1) {
                        *t = t.difference(&zones[z].1);
                    }
                }
            }
        }
    }
    for m in &mut members {
        m.sort_unstable();
    }
    (members, territory)
}

/// The workload weights of `--config`, households only without one.
fn weights_of(path: Option<&Path>) -> Result<Weights, Error> {
    Ok(match path {
        Some(p) => workload::read_weights(p)?,
        None => Weights::default(),
    })
}

fn check_tolerance(tolerance: f64) -> Result<(), Error> {
    if tolerance.is_finite() && tolerance > 0.0 && tolerance < 1.0 {
        Ok(())
    } else {
        Err(Error::Parameter(format!(
            "--tolerance must lie strictly between 0 and 1, got {tolerance}"
        )))
    }
}

fn check_stability(w: f64) -> Result<(), Error> {
    if w.is_finite() && w >= 0.0 {
        Ok(())
    } else {
        Err(Error::Parameter(format!(
            "--stability must be a finite number >= 0, got {w}"
        )))
    }
}

fn check_micro(m: &MicroParams) -> Result<(), Error> {
    let (lo, hi) = m.band;
    if !(lo > 0.0 && lo <= hi && hi.is_finite()) {
        return Err(Error::Parameter(format!(
            "--micro-band must be MIN,MAX with 0 < MIN <= MAX, got {lo},{hi}"
        )));
    }
    if !(m.target.is_finite() && m.target > 0.0) {
        return Err(Error::Parameter(format!(
            "--micro-target must be a positive number, got {}",
            m.target
        )));
    }
    if !(m.tolerance.is_finite() && m.tolerance > 0.0 && m.tolerance < 1.0) {
        return Err(Error::Parameter(format!(
            "the micro-grid tolerance must lie strictly between 0 and 1, got {}",
            m.tolerance
        )));
    }
    Ok(())
}

/// A grid ready for codes and micro-grids.
#[derive(Clone, Debug)]
struct GridOut {
    code: String,
    village: usize,
    /// The grid's label in its village's plan.
    local: u32,
    dedicated: bool,
    /// A current grid kept by `--lock`.
    locked: bool,
    buildings: Vec<micro::Building>,
}

/// The fixed groups of a village plan: labels `k..groups`, of which the
/// last `locked.len()` are locked current grids (in that order) and the
/// others dedicated grids.
struct GroupCodes<'a> {
    groups: usize,
    locked: &'a [String],
}

/// Appends the grids of one partitioned village: the free grids 0..k as
/// full-scope grids numbered from 001 (skipping the sequences locked grids
/// keep), the locked grids under their own codes, and the dedicated grids
/// numbered from 901, each in serpentine order.
fn push_grids(
    out: &mut Vec<GridOut>,
    units: &Units,
    plan: &partition::VillagePlan,
    gc: &GroupCodes,
    village: usize,
    village_code: &str,
    hh: &[u32],
) {
    let groups = gc.groups;
    let first_locked = groups - gc.locked.len();
    let cents = crate::engine::repair::centroids(&units.pos, &units.weight, &plan.label, groups);
    let mut grids: Vec<GridOut> = cents
        .iter()
        .enumerate()
        .map(|(g, _)| GridOut {
            code: String::new(),
            village,
            local: u32::try_from(g).unwrap_or(u32::MAX),
            dedicated: g >= plan.k && g < first_locked,
            locked: g >= first_locked,
            buildings: Vec::new(),
        })
        .collect();
    for (u, &g) in plan.label.iter().enumerate() {
        grids[g as usize].buildings.push(micro::Building {
            pos: units.pos[u],
            rows: units.members[u]
                .iter()
                .map(|&h| (h, hh[h as usize]))
                .collect(),
        });
    }
    let taken: std::collections::BTreeSet<usize> = gc
        .locked
        .iter()
        .map(|c| crate::input::lock::sequence(c))
        .collect();
    let free_seqs: Vec<usize> = (1..).filter(|s| !taken.contains(s)).take(plan.k).collect();
    let mut batch: Vec<GridOut> = Vec::new();
    for (s, &g) in codes::serpentine_order(&cents[..plan.k]).iter().enumerate() {
        let mut grid = grids[g].clone();
        grid.code = codes::grid_code(village_code, free_seqs[s]);
        batch.push(grid);
    }
    for (i, code) in gc.locked.iter().enumerate() {
        let mut grid = grids[first_locked + i].clone();
        grid.code.clone_from(code);
        batch.push(grid);
    }
    // Full-scope grids (new and locked) in code order, then dedicated.
    batch.sort_by(|a, b| a.code.cmp(&b.code));
    out.extend(batch);
    let start = plan.k;
    for (s, &g) in codes::serpentine_order(&cents[start..first_locked])
        .iter()
        .enumerate()
    {
        let mut grid = grids[start + g].clone();
        grid.code = codes::grid_code(village_code, codes::DEDICATED_FIRST_SEQ + s);
        out.push(grid);
    }
}

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

/// The polygons of a plan, in local metres.
struct PlanShapes {
    grid: Vec<MultiPolygon<f64>>,
    micro: Vec<MultiPolygon<f64>>,
    coverage: CoverageSummary,
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
    #[allow(clippy::cast_precision_loss)]
    let w = (x1 - x0) / m as f64;
    (0..m)
        .map(|j| {
            #[allow(clippy::cast_precision_loss)]
            let a = if j == 0 { x0 - 1.0 } else { x0 + w * j as f64 };
            #[allow(clippy::cast_precision_loss)]
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

/// Grid polygons per village (Voronoi cells of its buildings, clipped to
/// its territory, merged per grid), then micro-grid polygons inside every
/// grid, with the coverage checks.
#[allow(clippy::too_many_lines)]
fn draw(
    plans: &[Option<(Units, partition::VillagePlan)>],
    grids: &[GridOut],
    micro_plans: &[micro::MicroPlan],
    territory: &[MultiPolygon<f64>],
    codes_of_villages: &[String],
) -> Result<PlanShapes, Error> {
    use geo::{Area, Validation};
    // Global grid index of each (village, local label).
    let mut index: BTreeMap<(usize, u32), usize> = BTreeMap::new();
    for (gi, g) in grids.iter().enumerate() {
        index.insert((g.village, g.local), gi);
    }
    let per_village: Vec<Option<(Vec<MultiPolygon<f64>>, polygons::Coverage)>> = plans
        .par_iter()
        .enumerate()
        .map(|(vi, plan)| -> Result<_, Error> {
            let Some((units, plan)) = plan else {
                return Ok(None);
            };
            let groups = plan
                .label
                .iter()
                .map(|&g| g as usize + 1)
                .max()
                .unwrap_or(0);
            let polys = polygons::partition_polygons(
                &codes_of_villages[vi],
                &units.pos,
                &plan.label,
                groups,
                &territory[vi],
            )?;
            let cov = polygons::coverage(&polys, &territory[vi]);
            Ok(Some((polys, cov)))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut grid_poly = vec![MultiPolygon(Vec::new()); grids.len()];
    let mut cov = CoverageSummary::default();
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
    // Micro-grids inside each grid polygon.
    let per_grid: Vec<(Vec<MultiPolygon<f64>>, polygons::Coverage)> = grids
        .par_iter()
        .zip(micro_plans)
        .zip(&grid_poly)
        .map(|((g, mp), gpoly)| -> Result<_, Error> {
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
            let firsts: std::collections::BTreeSet<u32> =
                seqs.iter().filter_map(|v| v.first().copied()).collect();
            let compact: BTreeMap<u32, u32> = firsts
                .iter()
                .enumerate()
                .map(|(i, &s)| (s, u32::try_from(i).unwrap_or(u32::MAX)))
                .collect();
            let labels: Vec<u32> = seqs
                .iter()
                .map(|v| v.first().and_then(|s| compact.get(s)).copied().unwrap_or(0))
                .collect();
            let pos: Vec<[f64; 2]> = g.buildings.iter().map(|b| b.pos).collect();
            let cells = polygons::partition_polygons(&g.code, &pos, &labels, compact.len(), gpoly)?;
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
    cov.invalid_polygons = grid_poly
        .par_iter()
        .chain(micro_poly.par_iter())
        .filter(|p| !p.is_valid() || p.unsigned_area() <= 0.0)
        .count();
    Ok(PlanShapes {
        grid: grid_poly,
        micro: micro_poly,
        coverage: cov,
    })
}

fn snap_notes(county: &County) -> Vec<SnapNote> {
    let code = |v: u32| county.villages[v as usize].code.clone();
    let id = |h: u32| county.households[h as usize].id.clone();
    county
        .located
        .snapped
        .iter()
        .map(|s| SnapNote {
            id: id(s.household),
            village_code: code(s.village),
            distance_m: s.distance_m,
            why: "outside every village; snapped to the nearest",
        })
        .chain(county.located.declared_kept.iter().map(|s| SnapNote {
            id: id(s.household),
            village_code: code(s.village),
            distance_m: s.distance_m,
            why: "outside its declared village; kept there (within --snap-distance)",
        }))
        .collect()
}

/// The labels of a plan, by household.
struct PlanLabels<'a> {
    grid_of_h: &'a [u32],
    grid_codes: &'a [String],
    dedicated: &'a [bool],
    locked: &'a [bool],
    micro_of_h: &'a [u32],
    micro_codes: &'a [String],
    micro_parent: &'a [u32],
}

/// Builds the metrics input: `members[v]` are the households counted in
/// village v (a dedicated zone's households count in the zone's village).
fn compute_metrics(
    county: &County,
    current: &CurrentPlan,
    members: &[Vec<u32>],
    territory: &[MultiPolygon<f64>],
    load: &[f64],
    labels: &PlanLabels,
    params: &MetricsParams,
) -> Metrics {
    // The current plan is compared only when every household names one;
    // old grids are indexed in code order (the plan's own index).
    let has_old = county.households.iter().all(|h| h.grid.is_some());
    let no_codes: Vec<String> = Vec::new();
    let old_codes = if has_old { &current.codes } else { &no_codes };
    let villages: Vec<VillageInput> = county
        .villages
        .iter()
        .zip(members)
        .zip(territory)
        .map(|((v, m), polygon)| VillageInput {
            code: v.code.clone(),
            town_code: v.town_code.clone(),
            polygon: polygon.clone(),
            points: m
                .iter()
                .map(|&h| {
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
                    }
                })
                .collect(),
        })
        .collect();
    metrics::compute(
        &MetricsInput {
            villages: &villages,
            grid_codes: labels.grid_codes,
            old_codes,
            micro_codes: labels.micro_codes,
            micro_parent: labels.micro_parent,
            dedicated: labels.dedicated,
            locked: labels.locked,
        },
        params,
    )
}

#[allow(clippy::too_many_arguments)]
fn write_outputs(
    cfg: &PartitionConfig,
    households: &[Household],
    grid_of: &[String],
    micro_of: &[String],
    report: &Report,
    maps: &Maps,
    report_html: &str,
) -> Result<(), Error> {
    write::ensure_dir(&cfg.out)?;
    let inputs: Vec<&Path> = [
        cfg.dedicated.as_deref(),
        Some(cfg.households.as_path()),
        Some(cfg.boundaries.as_path()),
        cfg.weights.as_deref(),
        cfg.lock.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let out = &cfg.out;
    let mut dests = vec![
        out.join("assignment.csv"),
        out.join("metrics.json"),
        out.join("report.html"),
    ];
    for f in &cfg.formats {
        match f {
            export::Format::GeoJson => {
                dests.push(out.join("grids.geojson"));
                dests.push(out.join("micro_grids.geojson"));
            }
            export::Format::Shapefile => {
                for layer in ["grids", "micro_grids"] {
                    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
                        dests.push(out.join(format!("{layer}.{ext}")));
                    }
                }
            }
            export::Format::GeoPackage => dests.push(out.join("gridplan.gpkg")),
        }
    }
    let transition = report.metrics.transition.as_ref().map(|t| {
        dests.push(out.join("transition.csv"));
        metrics::transition_csv(t)
    });
    for p in &dests {
        write::check_not_input(p, &inputs)?;
    }
    // Stage everything, then rename everything: a failure part-way leaves
    // the previous run's files as they were.
    let mut staged = vec![
        write::stage(&dests[0], |w| {
            write_assignment(w, households, grid_of, micro_of)
        })?,
        write::stage(&dests[1], |w| {
            serde_json::to_writer_pretty(&mut *w, report).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })?,
        write::stage(&dests[2], |w| w.write_all(report_html.as_bytes()))?,
    ];
    if let Some(text) = &transition {
        let dest = out.join("transition.csv");
        staged.push(write::stage(&dest, |w| w.write_all(text.as_bytes()))?);
    }
    let crs = crs_info(cfg.output_crs);
    let grid_layer = export::Layer {
        name: "grids",
        fields: GRID_FIELDS,
        features: &maps.grids,
    };
    let micro_layer = export::Layer {
        name: "micro_grids",
        fields: MICRO_FIELDS,
        features: &maps.micro,
    };
    for f in &cfg.formats {
        match f {
            export::Format::GeoJson => {
                staged.push(export::stage_geojson(out, &grid_layer, &crs)?);
                staged.push(export::stage_geojson(out, &micro_layer, &crs)?);
            }
            export::Format::Shapefile => {
                staged.extend(export::stage_shapefile(out, &grid_layer, &crs)?);
                staged.extend(export::stage_shapefile(out, &micro_layer, &crs)?);
            }
            export::Format::GeoPackage => {
                staged.push(export::stage_gpkg(
                    &out.join("gridplan.gpkg"),
                    &[grid_layer, micro_layer],
                    &crs,
                )?);
            }
        }
    }
    write::commit(staged)?;
    // A transition.csv left by an earlier re-allocation would describe a
    // plan that is no longer there.
    if transition.is_none() {
        let stale = out.join("transition.csv");
        if stale.is_file() && write::check_not_input(&stale, &inputs).is_ok() {
            std::fs::remove_file(&stale).map_err(|source| {
                Error::Write(write::WriteError::Io {
                    path: stale.clone(),
                    source,
                })
            })?;
        }
    }
    Ok(())
}

fn crs_info(c: Crs) -> export::CrsInfo {
    match c {
        Crs::Wgs84 => export::CrsInfo::WGS84,
        Crs::Cgcs2000 => export::CrsInfo::CGCS2000,
        Crs::Gcj02 => export::CrsInfo::GCJ02,
    }
}

/// The fields of grids.geojson and its Shapefile/GeoPackage twins
/// (docs/DESIGN.md §4).
const GRID_FIELDS: &[(&str, export::FieldKind)] = &[
    ("grid_code", export::FieldKind::Text),
    ("grid_type", export::FieldKind::Text),
    ("village_code", export::FieldKind::Text),
    ("town_code", export::FieldKind::Text),
    ("households", export::FieldKind::Int),
    ("population", export::FieldKind::Real),
    ("load", export::FieldKind::Real),
    ("micro_grids", export::FieldKind::Int),
    ("area_m2", export::FieldKind::Real),
];

/// The fields of micro_grids.geojson: the grid fields, with the micro-grid
/// code as `grid_code`, plus `parent_grid` and the oversize-building flag.
const MICRO_FIELDS: &[(&str, export::FieldKind)] = &[
    ("grid_code", export::FieldKind::Text),
    ("grid_type", export::FieldKind::Text),
    ("village_code", export::FieldKind::Text),
    ("town_code", export::FieldKind::Text),
    ("households", export::FieldKind::Int),
    ("population", export::FieldKind::Real),
    ("load", export::FieldKind::Real),
    ("area_m2", export::FieldKind::Real),
    ("parent_grid", export::FieldKind::Text),
    ("oversize_building", export::FieldKind::Int),
];

/// The labels of a finished plan.
struct Labels<'a> {
    grid_of_h: &'a [u32],
    micro_of_h: &'a [u32],
    grid_codes: &'a [String],
    micro_codes: &'a [String],
    micro_oversize: &'a [bool],
}

/// The map layers (in the output CRS) and the report's shapes (WGS84).
struct Maps {
    grids: Vec<export::Feature>,
    micro: Vec<export::Feature>,
    shapes: Vec<report::MapShape>,
    grid_loads: Vec<f64>,
}

fn rings_of(mp: &MultiPolygon<f64>) -> Vec<Vec<[f64; 2]>> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| r.coords().map(|c| [c.x, c.y]).collect())
        .collect()
}

#[allow(clippy::too_many_lines)]
fn build_maps(
    county: &County,
    load: &[f64],
    grids: &[GridOut],
    micro_plans: &[micro::MicroPlan],
    shapes: &PlanShapes,
    labels: &Labels,
    output_crs: Crs,
) -> Maps {
    use geo::Area;
    let (ng, nm) = (labels.grid_codes.len(), labels.micro_codes.len());
    let mut g_sum = vec![(0u64, 0.0f64, 0.0f64); ng];
    let mut m_sum = vec![(0u64, 0.0f64, 0.0f64); nm];
    for (h, hh) in county.households.iter().enumerate() {
        let add = |s: &mut (u64, f64, f64)| {
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
    let to_wgs = |p: &MultiPolygon<f64>| {
        let mut q = p.clone();
        county.proj.inverse_geometry(&mut q);
        q
    };
    let to_out = |q: &MultiPolygon<f64>| {
        let mut o = q.clone();
        crs::convert_geometry(&mut o, Crs::Wgs84, output_crs);
        o
    };
    let town = |v: usize| county.villages[v].town_code.clone();
    let vcode = |v: usize| county.villages[v].code.clone();
    let gtype = |d: bool| if d { "dedicated" } else { "full_scope" };
    let mut out = Maps {
        grids: Vec::with_capacity(ng),
        micro: Vec::with_capacity(nm),
        shapes: Vec::with_capacity(ng + nm + county.villages.len()),
        grid_loads: Vec::new(),
    };
    let mut mi = 0usize;
    for (gi, (g, mp)) in grids.iter().zip(micro_plans).enumerate() {
        let poly = &shapes.grid[gi];
        let wgs = to_wgs(poly);
        let (hh, pop, ld) = g_sum[gi];
        out.grids.push(export::Feature {
            geometry: to_out(&wgs),
            values: vec![
                export::Value::Text(g.code.clone()),
                export::Value::Text(gtype(g.dedicated).into()),
                export::Value::Text(vcode(g.village)),
                export::Value::Text(town(g.village)),
                export::Value::Int(i64::try_from(hh).unwrap_or(i64::MAX)),
                export::Value::Real(pop),
                export::Value::Real(ld),
                export::Value::Int(i64::try_from(mp.count).unwrap_or(i64::MAX)),
                export::Value::Real(poly.unsigned_area()),
            ],
        });
        out.shapes.push(report::MapShape {
            code: g.code.clone(),
            kind: if g.dedicated {
                report::ShapeKind::DedicatedGrid
            } else {
                report::ShapeKind::Grid
            },
            village: vcode(g.village),
            households: hh,
            load: ld,
            rings: rings_of(&wgs),
        });
        if !g.dedicated {
            out.grid_loads.push(ld);
        }
        for _ in 0..mp.count {
            let mpoly = &shapes.micro[mi];
            let wgs = to_wgs(mpoly);
            let (hh, pop, ld) = m_sum[mi];
            out.micro.push(export::Feature {
                geometry: to_out(&wgs),
                values: vec![
                    export::Value::Text(labels.micro_codes[mi].clone()),
                    export::Value::Text(gtype(g.dedicated).into()),
                    export::Value::Text(vcode(g.village)),
                    export::Value::Text(town(g.village)),
                    export::Value::Int(i64::try_from(hh).unwrap_or(i64::MAX)),
                    export::Value::Real(pop),
                    export::Value::Real(ld),
                    export::Value::Real(mpoly.unsigned_area()),
                    export::Value::Text(g.code.clone()),
                    export::Value::Int(i64::from(
                        labels.micro_oversize.get(mi).copied().unwrap_or(false),
                    )),
                ],
            });
            out.shapes.push(report::MapShape {
                code: labels.micro_codes[mi].clone(),
                kind: report::ShapeKind::MicroGrid,
                village: vcode(g.village),
                households: hh,
                load: ld,
                rings: rings_of(&wgs),
            });
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
            rings: rings_of(&to_wgs(&v.polygon)),
        });
    }
    out
}

fn render_report(cfg: &PartitionConfig, report: &Report, maps: &Maps, county: &County) -> String {
    let county_code = county
        .villages
        .first()
        .map_or(String::new(), |v| v.code.chars().take(6).collect());
    let target = match cfg.sizing {
        Sizing::Target(t) => format!("target {t}"),
        Sizing::Total(k) => format!("{k} grids"),
    };
    let title = format!("Grid plan of county {county_code} — {target}");
    report::render(&report::ReportInput {
        title: &title,
        shapes: &maps.shapes,
        report,
        band: cfg.band,
        grid_loads: &maps.grid_loads,
    })
}

/// Writes assignment.csv: `id,grid,micro_grid`, one row per household in
/// input order.
fn write_assignment(
    w: &mut dyn Write,
    households: &[Household],
    grid_of: &[String],
    micro_of: &[String],
) -> std::io::Result<()> {
    let mut cw = csv::Writer::from_writer(w);
    cw.write_record(["id", "grid", "micro_grid"])?;
    for ((h, g), m) in households.iter().zip(grid_of).zip(micro_of) {
        cw.write_record([h.id.as_str(), g.as_str(), m.as_str()])?;
    }
    cw.flush()?;
    Ok(())
}

/// Everything `gridplan metrics` needs.
#[derive(Clone, Debug)]
pub struct MetricsConfig {
    /// Household points (GeoJSON).
    pub households: PathBuf,
    /// Administrative boundaries (GeoJSON).
    pub boundaries: PathBuf,
    /// The assignment to evaluate (CSV with `id` and `grid`).
    pub assignment: PathBuf,
    /// The household norm band per grid.
    pub band: (f64, f64),
    /// The balance tolerance.
    pub tolerance: f64,
    /// Seed of the k-means baseline.
    pub seed: u64,
    /// Snap distance for locating households.
    pub snap_distance: Option<f64>,
    /// Workload weights (TOML).
    pub weights: Option<PathBuf>,
    /// Household band of a micro-grid.
    pub micro_band: (f64, f64),
    /// Dedicated zones, so that a zone's households count in the zone's
    /// village as `partition` placed them.
    pub dedicated: Option<PathBuf>,
    /// Coordinate systems of the inputs.
    pub input_crs: InputCrs,
    /// Locked grids (`--lock`), left out of the balance as `partition` does.
    pub lock: Option<PathBuf>,
    /// Villages whose current grids were all locked (`--lock-village`).
    pub lock_villages: Vec<String>,
    /// The measures balanced (`--balance`), as given to `partition`.
    pub balance: Vec<BalanceMeasure>,
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
    check_tolerance(cfg.tolerance)?;
    check_balance(&cfg.balance, cfg.weights.as_deref())?;
    let mut t = Timings::default();
    let weights = weights_of(cfg.weights.as_deref())?;
    let county = prepare(
        &cfg.households,
        &cfg.boundaries,
        cfg.input_crs,
        cfg.snap_distance,
        &mut t,
    )?;
    let start = Instant::now();
    let rows = read::read_assignment(&cfg.assignment, &county.households)?;
    let (grid_codes, grid_of_h) = codes::index_codes(rows.grid.iter().map(String::as_str));
    let (micro_codes, micro_of_h) =
        codes::index_codes(rows.micro.iter().map(|m| m.as_deref().unwrap_or("")));
    let mut micro_parent = vec![u32::MAX; micro_codes.len()];
    for (m, g) in micro_of_h.iter().zip(&grid_of_h) {
        if *m != u32::MAX && micro_parent[*m as usize] == u32::MAX {
            micro_parent[*m as usize] = *g;
        }
    }
    let dedicated: Vec<bool> = grid_codes
        .iter()
        .map(|c| {
            c.len() == 15
                && c[12..]
                    .parse::<usize>()
                    .is_ok_and(|s| s >= codes::DEDICATED_FIRST_SEQ)
        })
        .collect();
    t.read += start.elapsed().as_secs_f64();
    let (load, _) = measure_values(
        &county,
        &weights,
        &cfg.households,
        &cfg.balance,
        cfg.tolerance,
    )?;
    let mut zs = setup_zones(&county, cfg.dedicated.as_deref())?;
    let current = current_plan(&county, cfg.lock.as_deref(), &cfg.lock_villages)?;
    release_locked(&mut zs, &current, &county);
    let locked: Vec<bool> = grid_codes
        .iter()
        .map(|c| {
            current
                .codes
                .binary_search(c)
                .is_ok_and(|o| current.locked[o])
        })
        .collect();
    let (members, territory) = served(&county, &zs.zones, &zs.zm, &zs.zone_members, zs.fs_members);
    let start = Instant::now();
    let m = compute_metrics(
        &county,
        &current,
        &members,
        &territory,
        &load,
        &PlanLabels {
            grid_of_h: &grid_of_h,
            grid_codes: &grid_codes,
            dedicated: &dedicated,
            locked: &locked,
            micro_of_h: &micro_of_h,
            micro_codes: &micro_codes,
            micro_parent: &micro_parent,
        },
        &MetricsParams {
            band: cfg.band,
            tolerance: primary_tolerance(&cfg.balance, cfg.tolerance),
            seed: cfg.seed,
            micro_band: cfg.micro_band,
            measures: further_measures(&cfg.balance, cfg.tolerance),
            ..MetricsParams::default()
        },
    );
    t.metrics = start.elapsed().as_secs_f64();
    Ok((
        Report {
            params: None,
            metrics: m,
            villages_outside_band: Vec::new(),
            max_deviation_from_county_mean: None,
            balance_shortfalls: Vec::new(),
            zones_across_villages: zs.zm.crossings.clone(),
            empty_zones: zs.zm.empty.clone(),
            snapped: snap_notes(&county),
            coverage: None,
        },
        t,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_grid_counts() {
        let band = (300.0, 500.0);
        // Ordinary premises: ⌈H/500⌉.
        assert_eq!(zone_grid_count([200.0, 200.0].into_iter(), band), 1);
        assert_eq!(zone_grid_count([300.0, 300.0, 300.0].into_iter(), band), 2);
        // A 1,200-household tower and a gatehouse: one grid, not two.
        assert_eq!(zone_grid_count([1200.0, 3.0].into_iter(), band), 1);
        // Two towers and enough households beside them for a third grid.
        assert_eq!(
            zone_grid_count([900.0, 800.0, 250.0, 150.0].into_iter(), band),
            3
        );
        // An empty zone still names one grid (it is never called then).
        assert_eq!(zone_grid_count(std::iter::empty(), band), 1);
    }
}
