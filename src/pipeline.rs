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
use geo::{BoundingRect, Contains, Coord, MultiPolygon};
use rayon::prelude::*;
use serde::Serialize;

use crate::apportion::{self, Apportionment, VillageLoad};
use crate::codes;
use crate::error::Error;
use crate::graph::{self, Graph};
use crate::locate::{self, LocateParams, Located};
use crate::metrics::{self, Metrics, MetricsInput, MetricsParams, PointRec, VillageInput};
use crate::model::{Boundary, Household, Level};
use crate::partition::{self, BalanceShortfall, PartitionParams, VillageProblem};
use crate::project::LocalProjection;
use crate::read;
use crate::workload::{self, Weights};
use crate::write;

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
            "time: read {:.2}s, locate {:.2}s, partition {:.2}s, metrics {:.2}s, write {:.2}s, total {:.2}s",
            self.read,
            self.locate,
            self.partition,
            self.metrics,
            self.write,
            self.read + self.locate + self.partition + self.metrics + self.write
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
}

/// metrics.json: the metrics of DESIGN §5 plus what the run had to report.
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
    /// Households placed by `--snap-distance`.
    pub snapped: Vec<SnapNote>,
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
    /// Time per step.
    pub timings: Timings,
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
    households: Vec<Household>,
    xy: Vec<[f64; 2]>,
    villages: Vec<Village>,
    located: Located,
}

/// Reads, projects and locates (the common front of every command).
fn prepare(
    households_path: &Path,
    boundaries_path: &Path,
    snap_distance: Option<f64>,
    t: &mut Timings,
) -> Result<County, Error> {
    let start = Instant::now();
    let (households, boundaries) = rayon::join(
        || read::read_households(households_path),
        || read::read_boundaries(boundaries_path),
    );
    let households = households?;
    let boundaries = boundaries?;
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

/// Merges households at bit-identical projected coordinates; units are
/// ordered by their first household, so input order decides ties.
fn units_of(members: &[u32], xy: &[[f64; 2]], load: &[f64]) -> Units {
    let mut by_pos: BTreeMap<(u64, u64), usize> = BTreeMap::new();
    let mut u = Units {
        pos: Vec::new(),
        weight: Vec::new(),
        members: Vec::new(),
    };
    for &h in members {
        let p = xy[h as usize];
        let key = (p[0].to_bits(), p[1].to_bits());
        let idx = *by_pos.entry(key).or_insert_with(|| {
            u.pos.push(p);
            u.weight.push(0.0);
            u.members.push(Vec::new());
            u.pos.len() - 1
        });
        u.weight[idx] += load[h as usize];
        u.members[idx].push(h);
    }
    u
}

/// The village graph on unit positions, trimmed to the polygon.
fn unit_graph(pos: &[[f64; 2]], polygon: &MultiPolygon<f64>) -> Graph {
    let tree = IntervalTreeMultiPolygon::new(polygon);
    graph::village_graph(pos, |m| tree.contains(&Coord { x: m[0], y: m[1] }))
}

/// Runs `gridplan partition` end to end and writes DIR/assignment.csv and
/// DIR/metrics.json.
///
/// # Errors
/// Any [`Error`]: bad input (naming the file, feature and id), a parameter
/// out of range, or a write failure. Nothing is written before all the
/// computation has succeeded, and every file is written atomically.
pub fn partition(cfg: &PartitionConfig) -> Result<PartitionOutcome, Error> {
    if !(cfg.tolerance.is_finite() && cfg.tolerance > 0.0 && cfg.tolerance < 1.0) {
        return Err(Error::Parameter(format!(
            "--tolerance must lie strictly between 0 and 1, got {}",
            cfg.tolerance
        )));
    }
    let mut t = Timings::default();
    let weights = match &cfg.weights {
        Some(p) => workload::read_weights(p)?,
        None => Weights::default(),
    };
    let county = prepare(&cfg.households, &cfg.boundaries, cfg.snap_distance, &mut t)?;

    let start = Instant::now();
    let load: Vec<f64> = county.households.iter().map(|h| weights.load(h)).collect();
    let vloads: Vec<VillageLoad> = county
        .villages
        .iter()
        .map(|v| VillageLoad {
            code: v.code.clone(),
            load: v.members.iter().map(|&h| load[h as usize]).sum(),
            households: v
                .members
                .iter()
                .map(|&h| f64::from(county.households[h as usize].households))
                .sum(),
        })
        .collect();
    let app: Apportionment = match cfg.sizing {
        Sizing::Target(target) => apportion::by_target(&vloads, target, cfg.band)?,
        Sizing::Total(k) => apportion::by_total(&vloads, k)?,
    };
    for (v, &k) in county.villages.iter().zip(&app.k) {
        if k > codes::MAX_FULL_SCOPE_SEQ {
            return Err(Error::TooManyGrids {
                village: v.code.clone(),
                k,
                max: codes::MAX_FULL_SCOPE_SEQ,
            });
        }
    }
    let pparams = PartitionParams::new(cfg.tolerance, cfg.seed);
    let plans: Vec<Option<(Units, partition::VillagePlan)>> = county
        .villages
        .par_iter()
        .zip(&app.k)
        .map(|(v, &k)| -> Result<_, Error> {
            if k == 0 || v.members.is_empty() {
                return Ok(None);
            }
            let units = units_of(&v.members, &county.xy, &load);
            let graph = unit_graph(&units.pos, &v.polygon);
            let plan = partition::partition_village(
                &VillageProblem {
                    code: &v.code,
                    pos: &units.pos,
                    weight: &units.weight,
                    graph: &graph,
                    k,
                },
                &pparams,
            )?;
            Ok(Some((units, plan)))
        })
        .collect::<Result<_, _>>()?;

    // Codes: serpentine order of each village's grid centroids.
    let mut grid_codes: Vec<String> = Vec::new();
    let mut grid_of_h = vec![u32::MAX; county.households.len()];
    let mut shortfalls = Vec::new();
    for (v, plan) in county.villages.iter().zip(&plans) {
        let Some((units, plan)) = plan else { continue };
        let cents = crate::repair::centroids(&units.pos, &units.weight, &plan.label, plan.k);
        let order = codes::serpentine_order(&cents);
        let base = grid_codes.len();
        let mut seq_of = vec![0usize; plan.k];
        for (s, &g) in order.iter().enumerate() {
            seq_of[g] = s;
            grid_codes.push(String::new());
        }
        for g in 0..plan.k {
            grid_codes[base + seq_of[g]] = codes::grid_code(&v.code, seq_of[g] + 1);
        }
        for (u, &g) in plan.label.iter().enumerate() {
            #[allow(clippy::cast_possible_truncation)]
            let gi = (base + seq_of[g as usize]) as u32;
            for &h in &units.members[u] {
                grid_of_h[h as usize] = gi;
            }
        }
        if let Some(s) = &plan.shortfall {
            shortfalls.push(s.clone());
        }
    }
    t.partition = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let metrics = compute_metrics(
        &county,
        &load,
        &grid_of_h,
        &grid_codes,
        cfg.band,
        cfg.tolerance,
        cfg.seed,
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
        }),
        metrics,
        villages_outside_band: app.outside_band,
        max_deviation_from_county_mean: app.max_deviation_from_county_mean,
        balance_shortfalls: shortfalls,
        snapped: snap_notes(&county),
    };
    let grid_of: Vec<String> = grid_of_h
        .iter()
        .map(|&g| grid_codes.get(g as usize).cloned().unwrap_or_default())
        .collect();

    let start = Instant::now();
    write_outputs(cfg, &county.households, &grid_of, &report)?;
    t.write = start.elapsed().as_secs_f64();
    Ok(PartitionOutcome {
        report,
        grid_of,
        timings: t,
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

#[allow(clippy::too_many_arguments)]
fn compute_metrics(
    county: &County,
    load: &[f64],
    grid_of_h: &[u32],
    grid_codes: &[String],
    band: (f64, f64),
    tolerance: f64,
    seed: u64,
) -> Metrics {
    // The current plan is compared only when every household names one.
    let mut old_index: BTreeMap<&str, u32> = BTreeMap::new();
    let has_old = county.households.iter().all(|h| h.grid.is_some());
    if has_old {
        for h in &county.households {
            if let Some(g) = &h.grid {
                let next = u32::try_from(old_index.len()).unwrap_or(u32::MAX);
                old_index.entry(g.as_str()).or_insert(next);
            }
        }
    }
    // BTreeMap insertion order is not index order: remap to sorted codes.
    let old_codes: Vec<String> = old_index.keys().map(|s| (*s).to_string()).collect();
    let sorted_index: BTreeMap<&str, u32> = old_codes
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let villages: Vec<VillageInput> = county
        .villages
        .iter()
        .map(|v| VillageInput {
            code: v.code.clone(),
            town_code: v.town_code.clone(),
            polygon: v.polygon.clone(),
            points: v
                .members
                .iter()
                .map(|&h| {
                    let hh = &county.households[h as usize];
                    PointRec {
                        xy: county.xy[h as usize],
                        households: hh.households,
                        population: hh.population.unwrap_or(0.0),
                        load: load[h as usize],
                        grid: grid_of_h[h as usize],
                        old_grid: if has_old {
                            hh.grid
                                .as_deref()
                                .and_then(|g| sorted_index.get(g).copied())
                        } else {
                            None
                        },
                    }
                })
                .collect(),
        })
        .collect();
    metrics::compute(
        &MetricsInput {
            villages: &villages,
            grid_codes,
            old_codes: &old_codes,
        },
        &MetricsParams {
            band,
            tolerance,
            seed,
            ..MetricsParams::default()
        },
    )
}

fn write_outputs(
    cfg: &PartitionConfig,
    households: &[Household],
    grid_of: &[String],
    report: &Report,
) -> Result<(), Error> {
    write::ensure_dir(&cfg.out)?;
    let inputs: Vec<&Path> = [
        Some(cfg.households.as_path()),
        Some(cfg.boundaries.as_path()),
        cfg.weights.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let csv_path = cfg.out.join("assignment.csv");
    let json_path = cfg.out.join("metrics.json");
    for p in [&csv_path, &json_path] {
        write::check_not_input(p, &inputs)?;
    }
    write::write_atomic(&csv_path, |w| {
        write_assignment(w, households, grid_of, None)
    })?;
    write::write_atomic(&json_path, |w| {
        serde_json::to_writer_pretty(&mut *w, report).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })?;
    Ok(())
}

/// Writes assignment.csv: `id,grid,micro_grid`, one row per household in
/// input order.
fn write_assignment(
    w: &mut dyn Write,
    households: &[Household],
    grid_of: &[String],
    micro_of: Option<&[String]>,
) -> std::io::Result<()> {
    let mut cw = csv::Writer::from_writer(w);
    cw.write_record(["id", "grid", "micro_grid"])?;
    for (i, h) in households.iter().enumerate() {
        let micro = micro_of.map_or("", |m| m[i].as_str());
        cw.write_record([h.id.as_str(), grid_of[i].as_str(), micro])?;
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
}

/// Runs `gridplan metrics`: DESIGN §5 for any assignment.
///
/// # Errors
/// Bad input, naming the file, the line or feature and the id.
pub fn metrics(cfg: &MetricsConfig) -> Result<(Report, Timings), Error> {
    let mut t = Timings::default();
    let weights = match &cfg.weights {
        Some(p) => workload::read_weights(p)?,
        None => Weights::default(),
    };
    let county = prepare(&cfg.households, &cfg.boundaries, cfg.snap_distance, &mut t)?;
    let start = Instant::now();
    let grids = read::read_assignment(&cfg.assignment, &county.households)?;
    let mut index: BTreeMap<&str, u32> = BTreeMap::new();
    for g in &grids {
        index.entry(g.as_str()).or_insert(0);
    }
    let grid_codes: Vec<String> = index.keys().map(|s| (*s).to_string()).collect();
    for (i, g) in grid_codes.iter().enumerate() {
        if let Some(slot) = index.get_mut(g.as_str()) {
            *slot = u32::try_from(i).unwrap_or(u32::MAX);
        }
    }
    let grid_of_h: Vec<u32> = grids.iter().map(|g| index[g.as_str()]).collect();
    t.read += start.elapsed().as_secs_f64();
    let load: Vec<f64> = county.households.iter().map(|h| weights.load(h)).collect();
    let start = Instant::now();
    let m = compute_metrics(
        &county,
        &load,
        &grid_of_h,
        &grid_codes,
        cfg.band,
        cfg.tolerance,
        cfg.seed,
    );
    t.metrics = start.elapsed().as_secs_f64();
    Ok((
        Report {
            params: None,
            metrics: m,
            villages_outside_band: Vec::new(),
            max_deviation_from_county_mean: None,
            balance_shortfalls: Vec::new(),
            snapped: snap_notes(&county),
        },
        t,
    ))
}
