//! Names for a plan: grid codes village by village, micro-grid codes
//! inside every grid, and each household's labels.
//!
//! Full-scope grids are numbered 001.. in serpentine order (locked grids
//! keep their codes and the sequences they hold are skipped), dedicated
//! grids 901.. (docs/DESIGN.md §4 and [`crate::model::codes`]).

use std::collections::BTreeSet;

use crate::engine::micro;
use crate::engine::partition::{self, BalanceShortfall};
use crate::engine::repair;
use crate::engine::territory::Territory;
use crate::error::Error;
use crate::input::lock::{self, CurrentPlan};
use crate::input::prepare::{County, Units};
use crate::input::read::AssignmentRows;
use crate::model::codes;
use crate::plan::PlannedVillage;

/// A grid ready for codes and micro-grids.
#[derive(Clone, Debug)]
pub(crate) struct GridOut {
    /// The grid code.
    pub code: String,
    /// The index of its village.
    pub village: usize,
    /// The grid's label in its village's plan.
    pub local: u32,
    /// A dedicated grid (a zone's).
    pub dedicated: bool,
    /// A current grid kept by `--lock`.
    pub locked: bool,
    /// Its buildings.
    pub buildings: Vec<micro::Building>,
}

/// The grids of every village with their codes.
pub(crate) struct Numbered {
    /// Every grid, village by village.
    pub grids: Vec<GridOut>,
    /// Villages whose tolerance was out of reach.
    pub shortfalls: Vec<BalanceShortfall>,
    /// Each village's buildings and plan.
    pub plans: Vec<Option<(Units, partition::VillagePlan, Territory)>>,
    /// The hard barriers inside grids: (grid code, village code, crossing).
    pub crossings: Vec<(String, String, crate::plan::ground::Crossing)>,
}

/// Grids with codes, village by village: full-scope 001.. (locked grids
/// keep theirs), dedicated 901...
///
/// # Errors
/// [`Error::TooManyGrids`] when a village has more grids than its codes
/// can number.
pub(crate) fn number_grids(
    county: &County,
    planned: Vec<Option<PlannedVillage>>,
    hh: &[u32],
) -> Result<Numbered, Error> {
    let mut out = Numbered {
        grids: Vec::new(),
        shortfalls: Vec::new(),
        plans: Vec::with_capacity(planned.len()),
        crossings: Vec::new(),
    };
    for (vi, (v, pv)) in county.villages.iter().zip(planned).enumerate() {
        let Some(PlannedVillage {
            units,
            plan,
            locked_codes,
            territory,
            crossings,
        }) = pv
        else {
            out.plans.push(None);
            continue;
        };
        let groups = plan
            .label
            .iter()
            .map(|&g| g as usize + 1)
            .max()
            .unwrap_or(0);
        check_codes(
            &v.code,
            groups - plan.k - locked_codes.len(),
            plan.k + locked_codes.len(),
        )?;
        let first = out.grids.len();
        push_grids(
            &mut out.grids,
            &units,
            &plan,
            &GroupCodes {
                groups,
                locked: &locked_codes,
            },
            (vi, &v.code),
            hh,
        );
        for c in crossings {
            if let Some(g) = out.grids[first..].iter().find(|g| g.local == c.label) {
                out.crossings.push((g.code.clone(), v.code.clone(), c));
            }
        }
        if let Some(s) = &plan.shortfall {
            out.shortfalls.push(s.clone());
        }
        out.plans.push(Some((units, plan, territory)));
    }
    Ok(out)
}

/// Checks that a village's dedicated and full-scope grids fit their code
/// ranges.
fn check_codes(village: &str, dedicated: usize, full_scope: usize) -> Result<(), Error> {
    if dedicated > 1000 - codes::DEDICATED_FIRST_SEQ {
        return Err(Error::TooManyGrids {
            village: village.to_string(),
            cause: "the premises zones of --dedicated (dedicated grids are numbered 901-999)"
                .into(),
            k: dedicated,
            max: 1000 - codes::DEDICATED_FIRST_SEQ,
        });
    }
    if full_scope > codes::MAX_FULL_SCOPE_SEQ {
        return Err(Error::TooManyGrids {
            village: village.to_string(),
            cause: "the plan with its locked grids (--lock, --lock-village)".into(),
            k: full_scope,
            max: codes::MAX_FULL_SCOPE_SEQ,
        });
    }
    Ok(())
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
    (village, village_code): (usize, &str),
    hh: &[u32],
) {
    let groups = gc.groups;
    let first_locked = groups - gc.locked.len();
    let cents = repair::centroids(&units.pos, &units.weight, &plan.label, groups);
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
            unit: u32::try_from(u).unwrap_or(u32::MAX),
            rows: units.members[u]
                .iter()
                .map(|&h| (h, hh[h as usize]))
                .collect(),
        });
    }
    let taken: BTreeSet<usize> = gc.locked.iter().map(|c| lock::sequence(c)).collect();
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

/// The labels of a plan, by household: indices into the code lists
/// (`u32::MAX` for none), and what each grid and micro-grid is.
#[derive(Clone, Debug, Default)]
pub(crate) struct HouseholdLabels {
    /// Each household's grid.
    pub grid_of_h: Vec<u32>,
    /// Each household's micro-grid.
    pub micro_of_h: Vec<u32>,
    /// The grid codes.
    pub grid_codes: Vec<String>,
    /// Whether each grid is a dedicated grid.
    pub dedicated: Vec<bool>,
    /// Whether each grid is a locked current grid.
    pub locked: Vec<bool>,
    /// The micro-grid codes.
    pub micro_codes: Vec<String>,
    /// Each micro-grid's grid.
    pub micro_parent: Vec<u32>,
    /// Whether each micro-grid is part of an oversize building.
    pub micro_oversize: Vec<bool>,
}

impl HouseholdLabels {
    /// The labels of our plan of `n` households: its grids and their
    /// micro-grids.
    pub fn of_plan(n: usize, grids: &[GridOut], micro_plans: &[micro::MicroPlan]) -> Self {
        let mut l = Self {
            grid_of_h: vec![u32::MAX; n],
            micro_of_h: vec![u32::MAX; n],
            grid_codes: Vec::with_capacity(grids.len()),
            dedicated: grids.iter().map(|g| g.dedicated).collect(),
            locked: grids.iter().map(|g| g.locked).collect(),
            ..Self::default()
        };
        for (gi, (g, mp)) in grids.iter().zip(micro_plans).enumerate() {
            let gi32 = u32::try_from(gi).unwrap_or(u32::MAX);
            l.grid_codes.push(g.code.clone());
            let base = l.micro_codes.len();
            for s in 1..=mp.count {
                l.micro_codes.push(codes::micro_code(
                    &g.code,
                    u32::try_from(s).unwrap_or(u32::MAX),
                ));
                l.micro_parent.push(gi32);
            }
            l.micro_oversize.extend_from_slice(&mp.oversize);
            for &(row, seq) in &mp.row_micro {
                l.grid_of_h[row as usize] = gi32;
                l.micro_of_h[row as usize] =
                    u32::try_from(base + seq as usize - 1).unwrap_or(u32::MAX);
            }
        }
        l
    }

    /// The labels of an assignment read from a file. Grids whose code ends
    /// in a sequence of 901 or more are dedicated (docs/DESIGN.md §2); a
    /// grid is locked when the current plan locks its code; a
    /// micro-grid's parent is the grid of its first household.
    pub fn of_assignment(rows: &AssignmentRows, current: &CurrentPlan) -> Self {
        let (grid_codes, grid_of_h) = codes::index_codes(rows.grid.iter().map(String::as_str));
        let (micro_codes, micro_of_h) =
            codes::index_codes(rows.micro.iter().map(|m| m.as_deref().unwrap_or("")));
        let mut micro_parent = vec![u32::MAX; micro_codes.len()];
        for (m, g) in micro_of_h.iter().zip(&grid_of_h) {
            if *m != u32::MAX && micro_parent[*m as usize] == u32::MAX {
                micro_parent[*m as usize] = *g;
            }
        }
        let dedicated = grid_codes.iter().map(|c| codes::is_dedicated(c)).collect();
        let locked = grid_codes
            .iter()
            .map(|c| {
                current
                    .codes
                    .binary_search(c)
                    .is_ok_and(|o| current.locked[o])
            })
            .collect();
        Self {
            grid_of_h,
            micro_of_h,
            grid_codes,
            dedicated,
            locked,
            micro_codes,
            micro_parent,
            micro_oversize: Vec::new(),
        }
    }

    /// The grid and micro-grid code of every household, in input order.
    ///
    /// # Errors
    /// [`Error::Unassigned`] when a household has no grid, naming up to 20.
    pub fn codes_by_household(&self, county: &County) -> Result<(Vec<String>, Vec<String>), Error> {
        let unassigned: Vec<usize> = (0..county.households.len())
            .filter(|&h| self.grid_of_h[h] == u32::MAX)
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
        let grid_of = self
            .grid_of_h
            .iter()
            .map(|&g| code_of(&self.grid_codes, g))
            .collect();
        let micro_of = self
            .micro_of_h
            .iter()
            .map(|&m| code_of(&self.micro_codes, m))
            .collect();
        Ok((grid_of, micro_of))
    }
}
