//! The common front of every command: the inputs read, projected, located
//! and weighed, with the zones and the current plan, ready to plan or to
//! measure.
//!
//! `partition`, `scenarios` and `metrics` all start with
//! `prepare_inputs`; only what follows differs.
//!
//! # Steps
//! 1. Read the households, the boundaries, the barriers and the compounds
//!    (in parallel), each in its own coordinate system, brought to WGS84
//!    as it is read ([`read`], [`crate::input::crs`], `ground::read`).
//! 2. Project to local metres around the villages' bounding box and place
//!    every household in its village ([`project`](super::project),
//!    [`locate`]); project the barriers and compounds, and place every
//!    household in its compound (`ground::project`).
//! 3. Read the dedicated zones and take their households out of their
//!    villages ([`dedicated`]).
//! 4. The value of every `--balance` measure per household
//!    ([`workload`]).
//! 5. The current plan with its locks ([`lock`](super::lock)); locked
//!    households leave their zones (`release_locked`).
//!
//! # Errors
//! Any input error, naming the file, the feature and the id; a measure a
//! household does not carry; a lock that does not match the current plan.

use std::path::Path;
use std::time::Instant;

use geo::{BoundingRect, MultiPolygon};
use rayon::prelude::*;

use crate::config::{InputCrs, Inputs};
use crate::engine::graph;
use crate::error::Error;
use crate::input::dedicated;
use crate::input::ground::{self, Ground, GroundRead};
use crate::input::locate::{self, LocateParams, Located};
use crate::input::lock::CurrentPlan;
use crate::input::project::LocalProjection;
use crate::input::read::{self, ReadOptions};
use crate::input::workload::{self, BalanceMeasure, MeasureKind, Weights};
use crate::model::report::{SnapNote, Timings};
use crate::model::{Boundary, Household, Level};

/// A village with its households, in local metres.
pub(crate) struct Village {
    /// The village code (12 digits).
    pub code: String,
    /// Its name (the boundary's `name`; the code when absent).
    pub name: String,
    /// The code of its town.
    pub town_code: String,
    /// The town's name: the `name` of the town boundary with that code,
    /// else the town code.
    pub town_name: String,
    /// Its territory in local metres.
    pub polygon: MultiPolygon<f64>,
    /// Its households, ascending.
    pub members: Vec<u32>,
}

/// The inputs read, projected and located.
pub(crate) struct County {
    /// The local projection of the county.
    pub proj: LocalProjection,
    /// The coordinate systems the flags gave for the inputs.
    pub input: crate::config::InputCrs,
    /// The households, in input order (coordinates now WGS84).
    pub households: Vec<Household>,
    /// Every household in local metres.
    pub xy: Vec<[f64; 2]>,
    /// The villages in code order.
    pub villages: Vec<Village>,
    /// Where each household was placed.
    pub located: Located,
}

/// Dedicated zones read, projected and matched to households and villages.
pub(crate) struct ZoneSetup {
    /// (code, polygon in metres) per zone.
    pub zones: Vec<(String, MultiPolygon<f64>)>,
    /// The name and kind of each zone, in the order of `zones`.
    pub info: Vec<crate::model::ZoneInfo>,
    /// Which zone each household is in; which village each zone goes to.
    pub zm: dedicated::ZoneMembership,
    /// The households of each zone.
    pub zone_members: Vec<Vec<u32>>,
    /// The households of each village outside every zone.
    pub fs_members: Vec<Vec<u32>>,
}

/// A further `--balance` measure: its value per household and its
/// tolerance.
pub(crate) type FurtherMeasure = (Vec<f64>, f64);

/// Everything the commands share before they plan or measure.
pub(crate) struct Prepared {
    /// What the readers had to say about the inputs (the encoding chosen
    /// for a `.dbf` without `.cpg`, ...), for metrics.json and stderr.
    pub notes: Vec<String>,
    /// The workload weights of `--config`.
    pub weights: Weights,
    /// Households in villages, in local metres.
    pub county: County,
    /// The dedicated zones and their households.
    pub zones: ZoneSetup,
    /// The primary measure of every household (the workload unless
    /// `--balance` names another first).
    pub load: Vec<f64>,
    /// The further `--balance` measures with their tolerances.
    pub extra: Vec<FurtherMeasure>,
    /// The current plan with its locks (empty when households carry no
    /// `grid`).
    pub current: CurrentPlan,
    /// The barriers and compounds in local metres, with each household's
    /// compound ([`Ground::empty`] without `--barriers` and `--compounds`).
    #[allow(
        dead_code,
        reason = "read by plan/ and the metrics as issue 10 lands; drop this then"
    )]
    pub ground: Ground,
}

/// Reads, projects, locates and weighs the inputs, with their zones and
/// current plan: the front half of every command. `tolerance` is the
/// tolerance of a further measure that names none.
///
/// # Errors
/// See the module docs.
pub(crate) fn prepare_inputs(
    inputs: &Inputs,
    tolerance: f64,
    t: &mut Timings,
) -> Result<Prepared, Error> {
    let weights = weights_of(inputs.weights.as_deref())?;
    let opts = read_options(inputs)?;
    let (county, ground_read, notes) = read_county(inputs, &opts, t)?;
    let start = Instant::now();
    let ground = ground::project(
        ground_read,
        &county.proj,
        &county.xy,
        &county.households,
        inputs,
    )?;
    let (mut zones, zone_notes) = setup_zones(&county, inputs.dedicated.as_deref(), &opts)?;
    let notes = notes.into_iter().chain(zone_notes).collect();
    let (load, extra) = measure_values(&county, &weights, inputs, tolerance)?;
    let current = current_plan(&county, inputs)?;
    release_locked(&mut zones, &current, &county);
    t.locate += start.elapsed().as_secs_f64();
    Ok(Prepared {
        notes,
        weights,
        county,
        zones,
        load,
        extra,
        current,
        ground,
    })
}

/// The workload weights of `--config`, households only without one.
fn weights_of(path: Option<&Path>) -> Result<Weights, Error> {
    Ok(match path {
        Some(p) => workload::read_weights(p)?,
        None => Weights::default(),
    })
}

/// Steps 1 and 2: reads, projects and locates; the ground is read, not
/// yet projected.
fn read_county(
    inputs: &Inputs,
    opts: &ReadOptions,
    t: &mut Timings,
) -> Result<(County, GroundRead, Vec<String>), Error> {
    let start = Instant::now();
    let (households, boundaries, ground, input, notes) = read_wgs84(inputs, opts)?;
    t.read = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let county = locate_households(inputs, input, households, &boundaries)?;
    t.locate = start.elapsed().as_secs_f64();
    Ok((county, ground, notes))
}

/// The household column names of `--config` and `--layer`.
fn read_options(inputs: &Inputs) -> Result<ReadOptions, Error> {
    Ok(ReadOptions {
        columns: match inputs.weights.as_deref() {
            Some(p) => workload::read_columns(p)?,
            None => read::ColumnMap::default(),
        },
        layer: inputs.layer.clone(),
        crs: None,
        codes: inputs.codes,
    })
}

/// What step 1 reads: the inputs in WGS84, the systems they came in, and
/// the readers' notes.
type ReadWgs84 = (
    Vec<Household>,
    Vec<Boundary>,
    GroundRead,
    InputCrs,
    Vec<String>,
);

/// Step 1: the households, boundaries, barriers and compounds, in WGS84.
fn read_wgs84(inputs: &Inputs, opts: &ReadOptions) -> Result<ReadWgs84, Error> {
    let ((households, boundaries), ground) = rayon::join(
        || {
            rayon::join(
                || {
                    let opts = ReadOptions {
                        crs: inputs.crs.households,
                        ..opts.clone()
                    };
                    read::read_households_with(&inputs.households, &opts)
                },
                || {
                    let opts = ReadOptions {
                        crs: inputs.crs.boundaries,
                        ..opts.clone()
                    };
                    read::read_boundaries_with(&inputs.boundaries, &opts)
                },
            )
        },
        || ground::read(inputs, opts),
    );
    // The households' and boundaries' errors come first, as before the
    // ground files existed.
    let households = households?;
    let boundaries = boundaries?;
    let (ground, ground_notes) = ground?;
    let notes: Vec<String> = [households.found.notes, boundaries.found.notes, ground_notes]
        .into_iter()
        .flatten()
        .collect();
    // The readers have brought every position to WGS84 (crate::input::crs).
    Ok((
        households.value,
        boundaries.value,
        ground,
        inputs.crs,
        notes,
    ))
}

/// Step 2: the villages in code order, projected, with their households.
fn locate_households(
    inputs: &Inputs,
    input: InputCrs,
    households: Vec<Household>,
    boundaries: &[Boundary],
) -> Result<County, Error> {
    let mut vb: Vec<&Boundary> = boundaries
        .iter()
        .filter(|b| b.level == Level::Village)
        .collect();
    if vb.is_empty() {
        return Err(Error::NoVillages {
            file: inputs.boundaries.clone(),
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
    let file = inputs.households.display().to_string();
    let located = locate::locate(
        &xy,
        &households,
        &polys,
        &LocateParams {
            snap_distance: inputs.snap_distance,
        },
        &file,
    )?;
    let mut members = vec![Vec::new(); vb.len()];
    for (i, &v) in located.village_of.iter().enumerate() {
        members[v as usize].push(i as u32);
    }
    // Town names by code; a village whose town is not in the file shows
    // the town code as its name.
    let towns: std::collections::BTreeMap<&str, &str> = boundaries
        .iter()
        .filter(|b| b.level == Level::Town)
        .map(|b| (b.code.as_str(), b.name.as_str()))
        .collect();
    let villages = vb
        .iter()
        .zip(polys)
        .zip(members)
        .map(|((b, (_, polygon)), members)| {
            let town_code = b.parent.clone().unwrap_or_default();
            Village {
                code: b.code.clone(),
                name: b.name.clone(),
                town_name: towns
                    .get(town_code.as_str())
                    .map_or_else(|| town_code.clone(), |n| (*n).to_string()),
                town_code,
                polygon,
                members,
            }
        })
        .collect();
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

impl County {
    /// The households placed by snapping, for the report.
    pub fn snap_notes(&self) -> Vec<SnapNote> {
        let code = |v: u32| self.villages[v as usize].code.clone();
        let id = |h: u32| self.households[h as usize].id.clone();
        self.located
            .snapped
            .iter()
            .map(|s| SnapNote {
                id: id(s.household),
                village_code: code(s.village),
                distance_m: s.distance_m,
                why: "outside every village; snapped to the nearest",
            })
            .chain(self.located.declared_kept.iter().map(|s| SnapNote {
                id: id(s.household),
                village_code: code(s.village),
                distance_m: s.distance_m,
                why: "outside its declared village; kept there (within --snap-distance)",
            }))
            .collect()
    }

    /// The village codes, in code order.
    pub fn village_codes(&self) -> Vec<String> {
        self.villages.iter().map(|v| v.code.clone()).collect()
    }

    /// The household count of every point.
    pub fn household_counts(&self) -> Vec<u32> {
        self.households.iter().map(|h| h.households).collect()
    }
}

/// A village's households merged into indivisible units (buildings).
pub(crate) struct Units {
    /// Each unit's position, in local metres.
    pub pos: Vec<[f64; 2]>,
    /// Each unit's load (the sum of its households').
    pub weight: Vec<f64>,
    /// Household indices of each unit.
    pub members: Vec<Vec<u32>>,
}

/// Merges households at identical projected coordinates into units, in
/// the canonical coordinate order of [`graph::cmp_coords`], the order the
/// metrics use too, so both build the same Delaunay graph.
pub(crate) fn units_of(members: &[u32], xy: &[[f64; 2]], load: &[f64]) -> Units {
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

/// Step 3: the dedicated zones of `path`, projected, with their
/// households and villages.
fn setup_zones(
    county: &County,
    path: Option<&Path>,
    opts: &ReadOptions,
) -> Result<(ZoneSetup, Vec<String>), Error> {
    let opts = ReadOptions {
        crs: county.input.boundaries,
        ..opts.clone()
    };
    let read = path.map(|p| read::read_zones_with(p, &opts)).transpose()?;
    let (read, notes) = match read {
        Some(r) => (r.value, r.found.notes),
        None => (Vec::new(), Vec::new()),
    };
    let info = read.iter().map(crate::model::ZoneInfo::of).collect();
    let zones: Vec<(String, MultiPolygon<f64>)> = read
        .into_iter()
        .map(|z| {
            let mut g = z.geometry;
            county.proj.forward_geometry(&mut g);
            (z.code, g)
        })
        .collect();
    let hh = county.household_counts();
    let vcodes = county.village_codes();
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
    Ok((
        ZoneSetup {
            zones,
            info,
            zm,
            zone_members,
            fs_members,
        },
        notes,
    ))
}

/// Step 4: the primary measure of every household and the further
/// `--balance` measures with their tolerances.
fn measure_values(
    county: &County,
    weights: &Weights,
    inputs: &Inputs,
    tolerance: f64,
) -> Result<(Vec<f64>, Vec<FurtherMeasure>), Error> {
    let default = [BalanceMeasure {
        kind: MeasureKind::Load,
        tolerance: None,
    }];
    let list: &[BalanceMeasure] = if inputs.balance.is_empty() {
        &default
    } else {
        &inputs.balance
    };
    let mut out = Vec::with_capacity(list.len());
    for m in list {
        let mut v = Vec::with_capacity(county.households.len());
        for (i, h) in county.households.iter().enumerate() {
            let Some(x) = m.kind.value(h, weights) else {
                return Err(Error::Parameter(format!(
                    "{}: feature {i} (id {:?}) has no {}, which --balance {} needs",
                    inputs.households.display(),
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

/// Step 5: the current plan of `county` with the locks applied and
/// checked (empty when households carry no `grid`; refused when fewer
/// than half carry one, see [`CurrentPlan::check_coverage`]).
fn current_plan(county: &County, inputs: &Inputs) -> Result<CurrentPlan, Error> {
    let lock_villages = &inputs.lock_villages;
    let mut cur = CurrentPlan::new(county.households.iter().map(|h| h.grid.as_deref()));
    cur.check_coverage(&inputs.households)?;
    if let Some(f) = inputs.lock.as_deref() {
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
