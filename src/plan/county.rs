//! The county loop: apportion, plan every village, number the grids, cut
//! the micro-grids. See the [module docs of `plan`](super) for the steps.
//!
//! Villages are independent, so parallelism is over villages; results are
//! gathered in village-code order, so the plan does not depend on the
//! number of threads or on scheduling.

use std::collections::BTreeMap;

use geo::MultiPolygon;
use rayon::prelude::*;

use crate::config::{self, Sizing};
use crate::engine::apportion::{self, Apportionment, VillageLoad};
use crate::engine::counts;
use crate::engine::graph::Graph;
use crate::engine::micro::{self, MicroParams};
use crate::engine::partition::{self, PartitionParams, Sides, VillageProblem};
use crate::engine::regions;
use crate::engine::territory::{BarrierLine, Border, Territory};
use crate::error::Error;
use crate::input::prepare::{Prepared, Units, Village, units_of};
use crate::input::workload::Weights;
use crate::model::codes;
use crate::output::progress::Progress;
use crate::plan::compounds::Contracted;
use crate::plan::ground;
use crate::plan::labels::{self, GridOut, HouseholdLabels};
use crate::plan::zones::{self, zone_grid_count};
use crate::plan::{PlanSpec, Planned, PlannedVillage};

/// Apportions, partitions every village and cuts micro-grids: the plan
/// of one sizing, without polygons.
///
/// # Errors
/// A parameter the locks make impossible, a village with more grids than
/// its codes allow, or an engine failure.
pub(crate) fn plan_county(
    prep: &Prepared,
    spec: &PlanSpec,
    progress: &Progress,
) -> Result<Planned, Error> {
    let county = &prep.county;
    let hh = county.household_counts();
    let app = apportion_county(prep, spec)?;
    let (members_of, territory) = zones::served(county, &prep.zones);
    let lines = ground::village_lines(&prep.ground.barriers, &territory);
    let village_zones = zones::zones_by_village(county, &prep.zones);
    let ctx = VillageContext {
        prep,
        spec,
        hh: &hh,
        pparams: PartitionParams {
            // The household norm binds the polish only where the load is
            // the household count.
            norm: (prep.weights == Weights::default() && prep.extra.is_empty())
                .then_some(spec.band),
            ..PartitionParams::new(spec.tolerance, spec.seed)
        },
    };
    progress.step("grids, by village", county.villages.len());
    let planned: Vec<Option<PlannedVillage>> = county
        .villages
        .par_iter()
        .enumerate()
        .map(|(vi, village)| {
            progress.inc();
            plan_village(
                &ctx,
                &VillageJob {
                    village,
                    free: &prep.zones.fs_members[vi],
                    k: app.k[vi],
                    territory: &territory[vi],
                    lines: &lines[vi],
                    zones: &village_zones[vi],
                },
            )
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;
    let numbered = labels::number_grids(county, planned, &hh)?;
    let micro_plans = micro_grids(prep, &numbered.grids, &numbered.plans, spec, progress)?;
    let labels = HouseholdLabels::of_plan(county.households.len(), &numbered.grids, &micro_plans);
    Ok(Planned {
        app,
        members_of,
        territory,
        lines,
        plans: numbered.plans,
        grids: numbered.grids,
        micro_plans,
        shortfalls: numbered.shortfalls,
        forced_crossings: ground::forced(&numbered.crossings, &prep.ground.barriers),
        labels,
    })
}

/// Step 1: the grid count of every village. Locked grids are kept as they
/// are: their households leave the apportionment, and each becomes a
/// fixed group of its village.
fn apportion_county(prep: &Prepared, spec: &PlanSpec) -> Result<Apportionment, Error> {
    let current = &prep.current;
    let vloads = village_loads(prep);
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
            by_target: None,
        }
    } else {
        apportion_free(&vloads, spec, locked_count)?
    };
    check_grid_counts(prep, spec, &vloads, &app)?;
    if current.is_present() && spec.stability > 0.0 && spec.lineage_apportion {
        // Re-allocation: the same number of grids, spent where the current
        // grids split cleanly (apportion's lineage mode).
        let old = current_grid_loads(prep);
        let base = app.k.clone();
        app.k = counts::for_lineage(
            &vloads,
            &old,
            &base,
            (spec.band, spec.tolerance),
            config::LINEAGE_IN_BAND,
        );
        app.by_target = Some(base);
        check_grid_counts(prep, spec, &vloads, &app)?;
    }
    Ok(app)
}

/// The load and households of every village outside its locked grids.
fn village_loads(prep: &Prepared) -> Vec<VillageLoad> {
    let hh = prep.county.household_counts();
    prep.county
        .villages
        .iter()
        .zip(&prep.zones.fs_members)
        .map(|(v, m)| {
            let m: Vec<u32> = m
                .iter()
                .copied()
                .filter(|&h| !prep.current.is_locked(h))
                .collect();
            VillageLoad {
                code: v.code.clone(),
                load: m.iter().map(|&h| prep.load[h as usize]).sum(),
                households: m.iter().map(|&h| f64::from(hh[h as usize])).sum(),
            }
        })
        .collect()
}

/// Apportions the grids left beside the `locked_count` locked ones, by
/// target or by total.
fn apportion_free(
    vloads: &[VillageLoad],
    spec: &PlanSpec,
    locked_count: usize,
) -> Result<Apportionment, Error> {
    Ok(match spec.sizing {
        Sizing::Target(target) => apportion::by_target(vloads, target, spec.band)?,
        Sizing::Total(k) => {
            apportion::by_total(vloads, k - locked_count).map_err(|e| match e {
                apportion::ApportionError::TooFewGrids { villages, .. } if locked_count > 0 => {
                    Error::Parameter(format!(
                        "--grids {k} leaves {} grids beside the {locked_count} locked ones, fewer than the {villages} villages with households outside them: every such village needs at least one grid",
                        k - locked_count
                    ))
                }
                e => e.into(),
            })?
        }
    })
}

/// No village may get more full-scope grids than its codes can number;
/// the error names the flag and the households file behind the count.
fn check_grid_counts(
    prep: &Prepared,
    spec: &PlanSpec,
    vloads: &[VillageLoad],
    app: &Apportionment,
) -> Result<(), Error> {
    for ((v, &k), vl) in prep.county.villages.iter().zip(&app.k).zip(vloads) {
        if k > codes::MAX_FULL_SCOPE_SEQ {
            let cause = match spec.sizing {
                Sizing::Target(t) => format!(
                    "--target {t} on its load of {} ({} households in {}); raise --target or check the households' counts",
                    vl.load,
                    vl.households,
                    spec.households_file.display()
                ),
                Sizing::Total(total) => format!("--grids {total}"),
            };
            return Err(Error::TooManyGrids {
                village: v.code.clone(),
                cause,
                k,
                max: codes::MAX_FULL_SCOPE_SEQ,
            });
        }
    }
    Ok(())
}

/// The load of every unlocked current grid of each village, in code order.
fn current_grid_loads(prep: &Prepared) -> Vec<Vec<f64>> {
    let current = &prep.current;
    prep.zones
        .fs_members
        .iter()
        .map(|m| {
            let mut by: BTreeMap<u32, f64> = BTreeMap::new();
            for &h in m {
                let o = current.of[h as usize];
                if o != u32::MAX && !current.is_locked(h) {
                    *by.entry(o).or_insert(0.0) += prep.load[h as usize];
                }
            }
            by.into_values().collect()
        })
        .collect()
}

/// What every village's plan shares.
struct VillageContext<'a> {
    prep: &'a Prepared,
    spec: &'a PlanSpec,
    /// Households per point.
    hh: &'a [u32],
    pparams: PartitionParams,
}

/// One village to plan.
struct VillageJob<'a> {
    village: &'a Village,
    /// Its households outside every zone.
    free: &'a [u32],
    /// Its full-scope grid count.
    k: usize,
    /// Its territory (the village, plus or minus crossing zones).
    territory: &'a MultiPolygon<f64>,
    /// The barriers that reach it.
    lines: &'a [BarrierLine],
    /// The zones given to it.
    zones: &'a [usize],
}

/// Step 3, one village: the dedicated grids of the village's zones first
/// (⌈H/MAX⌉ grids of each zone's buildings), then the full-scope grids
/// with those dedicated grids (and the locked grids) as fixed groups. All
/// are cut on the one graph of all the village's points, the graph the
/// metrics judge contiguity on.
fn plan_village(ctx: &VillageContext, job: &VillageJob) -> Result<Option<PlannedVillage>, Error> {
    let prep = ctx.prep;
    let mut members = job.free.to_vec();
    for &z in job.zones {
        members.extend_from_slice(&prep.zones.zone_members[z]);
    }
    if members.is_empty() {
        return Ok(None);
    }
    members.sort_unstable();
    let units = units_of(&members, &prep.county.xy, &prep.load);
    // The territory: the village, plus a zone of it that crosses into a
    // neighbour, minus a neighbour's zone that crosses in.
    let territory = Territory::build(&job.village.code, &units.pos, job.territory, job.lines)?;
    let graph = territory.graph();
    let mut fixed = vec![u32::MAX; units.pos.len()];
    let zone_groups = zone_grids(ctx, job, &units, graph, &mut fixed)?;
    let locked_codes = locked_groups(ctx, &units, zone_groups, &mut fixed);
    let old = unit_lineage(ctx, &units);
    let extra_units = further_per_unit(ctx, &units);
    let measures: Vec<partition::Measure> = extra_units
        .iter()
        .zip(&prep.extra)
        .map(|(values, &(_, tolerance))| partition::Measure { values, tolerance })
        .collect();
    let has_free = units
        .members
        .iter()
        .any(|m| prep.zones.zm.zone_of[m[0] as usize].is_none() && !prep.current.is_locked(m[0]));
    let problem = VillageProblem {
        sides: None,
        code: &job.village.code,
        pos: &units.pos,
        weight: &units.weight,
        graph,
        k: if has_free { job.k.max(1) } else { 0 },
        fixed: &fixed,
        lineage: (!old.is_empty()).then_some(partition::Lineage {
            old: &old,
            weight: ctx.spec.stability,
        }),
        measures: &measures,
    };
    let blocks = (!job.lines.is_empty()).then(|| ground::blocks_of(&territory, &fixed));
    let compound_of: Vec<u32> = units
        .members
        .iter()
        .map(|m| {
            prep.ground
                .compound_of
                .get(m[0] as usize)
                .copied()
                .unwrap_or(u32::MAX)
        })
        .collect();
    let free_load: f64 = (0..units.pos.len())
        .filter(|&u| fixed[u] == u32::MAX)
        .map(|u| units.weight[u])
        .sum();
    let top = free_load / job.k.max(1) as f64 * (1.0 + ctx.spec.tolerance);
    let (plan, why) = match Contracted::new(&problem, &ctx.pparams, &compound_of, top)? {
        Some(c) => {
            let ms = c.measures(&problem);
            let nb = blocks.as_ref().map(|b| ground::Blocks {
                region: c.per_node(&b.region),
                block: c.per_node(&b.block),
                touching: b.touching.clone(),
            });
            let (pl, why) = solve(ctx, &c.problem(&problem, &ms), nb.as_ref())?;
            (c.expand(pl), why)
        }
        None => solve(ctx, &problem, blocks.as_ref())?,
    };
    let crossings = if blocks.is_some() {
        let reason = |g: u32| why.get(g as usize).cloned().unwrap_or_default();
        ground::crossings(
            &territory,
            &plan.label,
            plan.k,
            zone_groups as usize,
            &reason,
        )
    } else {
        Vec::new()
    };
    Ok(Some(PlannedVillage {
        units,
        plan,
        locked_codes,
        territory,
        crossings,
    }))
}

/// The full-scope grids of a village: on open land one partition; with
/// barriers, block by block between the hard barriers
/// ([`regions::partition_by_blocks`]), returning for each grid why it may
/// hold a hard barrier.
fn solve(
    ctx: &VillageContext,
    problem: &VillageProblem,
    blocks: Option<&ground::Blocks>,
) -> Result<(partition::VillagePlan, Vec<String>), Error> {
    let Some(blocks) = blocks else {
        return Ok((
            partition::partition_village(problem, &ctx.pparams)?,
            Vec::new(),
        ));
    };
    let bp = regions::partition_by_blocks(
        problem,
        &ctx.pparams,
        &regions::Ground {
            region: &blocks.region,
            block: &blocks.block,
            touching: &blocks.touching,
            soft_weight: ctx.spec.barrier_weight,
        },
    )?;
    let why = bp
        .group_of_grid
        .iter()
        .map(
            |&grp| match bp.joins.get(grp as usize).and_then(|j| j.first()) {
                Some(j) => j.reason.clone(),
                None => {
                    "the barrier does not close a block here: the land on both sides is one block"
                        .to_string()
                }
            },
        )
        .collect();
    Ok((bp.plan, why))
}

/// The dedicated grids of each zone of the village, cut on the zone's
/// unlocked buildings and written into `fixed` as groups 0..; returns the
/// number of groups.
fn zone_grids(
    ctx: &VillageContext,
    job: &VillageJob,
    units: &Units,
    graph: &Graph,
    fixed: &mut [u32],
) -> Result<u32, Error> {
    let prep = ctx.prep;
    let mut offset = 0u32;
    for &z in job.zones {
        let zu: Vec<u32> = (0..units.pos.len())
            .filter(|&u| {
                prep.zones.zm.zone_of[units.members[u][0] as usize] == u32::try_from(z).ok()
                    && !prep.current.is_locked(units.members[u][0])
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
                    .map(|&h| f64::from(ctx.hh[h as usize]))
                    .sum()
            }),
            ctx.spec.band,
        );
        let sub = graph.induced(&zu);
        let plan = partition::partition_village(
            &VillageProblem {
                sides: None,
                code: &prep.zones.zones[z].0,
                pos: &pos,
                weight: &weight,
                graph: &sub,
                k: kz,
                fixed: &[],
                lineage: None,
                measures: &[],
            },
            &ctx.pparams,
        )?;
        for (j, &u) in zu.iter().enumerate() {
            fixed[u as usize] = offset + plan.label[j];
        }
        offset += u32::try_from(plan.k).unwrap_or(u32::MAX);
    }
    Ok(offset)
}

/// The locked grids of the village as fixed groups after the zones'
/// (whole buildings, checked when the current plan was read); returns
/// their codes in group order.
fn locked_groups(
    ctx: &VillageContext,
    units: &Units,
    zone_groups: u32,
    fixed: &mut [u32],
) -> Vec<String> {
    let current = &ctx.prep.current;
    let mut locked_units: Vec<(u32, u32)> = Vec::new();
    for (u, m) in units.members.iter().enumerate() {
        if current.is_locked(m[0]) {
            locked_units.push((current.of[m[0] as usize], u32::try_from(u).unwrap_or(0)));
        }
    }
    locked_units.sort_unstable();
    let mut locked_codes: Vec<String> = Vec::new();
    for (o, u) in &locked_units {
        let code = &current.codes[*o as usize];
        if locked_codes.last() != Some(code) {
            locked_codes.push(code.clone());
        }
        fixed[*u as usize] = zone_groups + u32::try_from(locked_codes.len() - 1).unwrap_or(0);
    }
    locked_codes
}

/// The current plan of each unit, as load fractions (empty when drawing
/// afresh).
fn unit_lineage(ctx: &VillageContext, units: &Units) -> Vec<Vec<(u32, f64)>> {
    let current = &ctx.prep.current;
    if !(current.is_present() && ctx.spec.stability > 0.0) {
        return Vec::new();
    }
    let load = &ctx.prep.load;
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
}

/// Further measures per unit, in the units' order.
fn further_per_unit(ctx: &VillageContext, units: &Units) -> Vec<Vec<f64>> {
    ctx.prep
        .extra
        .iter()
        .map(|(values, _)| {
            units
                .members
                .iter()
                .map(|m| m.iter().map(|&h| values[h as usize]).sum())
                .collect()
        })
        .collect()
}
fn as_f64(x: usize) -> f64 {
    x as f64
}

/// Step 5: micro-grids inside every grid.
fn micro_grids(
    prep: &Prepared,
    grids: &[GridOut],
    plans: &[Option<(Units, partition::VillagePlan, Territory)>],
    spec: &PlanSpec,
    progress: &Progress,
) -> Result<Vec<micro::MicroPlan>, Error> {
    let mparams = MicroParams {
        seed: spec.seed,
        ..spec.micro.clone()
    };
    // Per village, each building's block between any barriers and its
    // compound: micro-grids keep to them where the micro band allows.
    let sides: Vec<Option<(Vec<u32>, Vec<u32>)>> = plans
        .par_iter()
        .map(|p| {
            let (units, _, t) = p.as_ref()?;
            if prep.ground.barriers.is_empty() && prep.ground.compounds.is_empty() {
                return None;
            }
            let block = t.blocks(|b| {
                matches!(
                    b,
                    Border::Plain | Border::Open | Border::Enclave | Border::Snap
                )
            });
            let compound = units
                .members
                .iter()
                .map(|m| {
                    prep.ground
                        .compound_of
                        .get(m[0] as usize)
                        .copied()
                        .unwrap_or(u32::MAX)
                })
                .collect();
            Some((compound, block))
        })
        .collect();
    progress.step("micro-grids, by grid", grids.len());
    grids
        .par_iter()
        .map(|g| {
            progress.inc();
            // The grid's buildings on its village's territory graph, so
            // that a micro-grid is one piece exactly when its polygon is.
            let units: Vec<u32> = g.buildings.iter().map(|b| b.unit).collect();
            let graph = plans[g.village]
                .as_ref()
                .map_or_else(Graph::default, |(_, _, t)| t.induced_land(&units));
            let local = sides[g.village].as_ref().map(|(c, b)| {
                let pick = |v: &[u32]| -> Vec<u32> {
                    units
                        .iter()
                        .map(|&u| v.get(u as usize).copied().unwrap_or(0))
                        .collect()
                };
                (pick(c), pick(b))
            });
            let micro_sides = local.as_ref().map(|(c, b)| Sides {
                region: c,
                block: b,
                hard_weight: regions::HARD_WEIGHT,
                soft_weight: spec.barrier_weight,
            });
            micro::micro_grids(&g.code, &g.buildings, &graph, micro_sides, &mparams)
                .map_err(Error::from)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}
