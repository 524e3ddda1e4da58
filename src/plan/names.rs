//! Names for a plan's grids and micro-grids, from the templates of
//! [`crate::model::names`].
//!
//! # Parameters
//! The county (village and town names), the zones (names, kinds, and each
//! household's zone), the plan's grids and micro-grids, and the
//! [`Naming`] templates.
//!
//! # Algorithm
//! 1. A full-scope grid (new or locked) is named after its village with
//!    `n` = its sequence, the last three digits of its code.
//! 2. A dedicated grid is named after its zone: the zone of its first
//!    household (all the households of a dedicated grid lie in one zone,
//!    plan::county). `n` counts the zone's grids in code order.
//! 3. A micro-grid is named after its grid, with `m` = its sequence in the
//!    grid (its code's last two digits).
//!
//! # Complexity
//! O(grids + micro-grids) names, each O(template length).

use crate::input::lock;
use crate::input::prepare::{County, ZoneSetup};
use crate::model::ZoneInfo;
use crate::model::names::{NameParts, Naming};
use crate::plan::Planned;

/// The names of a plan, and the zone of each dedicated grid.
#[derive(Clone, Debug, Default)]
pub(crate) struct PlanNames {
    /// One name per grid, in the order of `Planned::grids`.
    pub grid: Vec<String>,
    /// One name per micro-grid, in the order of the micro-grid codes.
    pub micro: Vec<String>,
    /// The zone of each grid (dedicated grids only), an index into
    /// `ZoneSetup::info`.
    pub zone: Vec<Option<usize>>,
}

impl PlanNames {
    /// The zone of grid `gi`, when it is a dedicated grid.
    pub fn zone_of<'a>(&self, zones: &'a ZoneSetup, gi: usize) -> Option<&'a ZoneInfo> {
        self.zone
            .get(gi)
            .copied()
            .flatten()
            .and_then(|z| zones.info.get(z))
    }
}

/// The names of every grid and micro-grid of `plan` (module docs).
pub(crate) fn name_plan(
    county: &County,
    zones: &ZoneSetup,
    plan: &Planned,
    naming: &Naming,
) -> PlanNames {
    let zone: Vec<Option<usize>> = plan
        .grids
        .iter()
        .map(|g| {
            let first = g.buildings.first()?.rows.first()?.0;
            if !g.dedicated {
                return None;
            }
            zones
                .zm
                .zone_of
                .get(first as usize)
                .copied()
                .flatten()
                .map(|z| z as usize)
        })
        .collect();
    // Grids per zone, and each dedicated grid's sequence in its zone (the
    // grids come in code order within each village).
    let mut of_zone = vec![0usize; zones.info.len()];
    let seq_in_zone: Vec<usize> = zone
        .iter()
        .map(|z| {
            z.and_then(|z| of_zone.get_mut(z)).map_or(0, |c| {
                *c += 1;
                *c
            })
        })
        .collect();
    let mut out = PlanNames {
        grid: Vec::with_capacity(plan.grids.len()),
        micro: Vec::with_capacity(plan.labels.micro_codes.len()),
        zone,
    };
    for (gi, (g, mp)) in plan.grids.iter().zip(&plan.micro_plans).enumerate() {
        let v = &county.villages[g.village];
        let mut p = NameParts {
            code: &g.code,
            village_name: &v.name,
            village_code: &v.code,
            town_name: &v.town_name,
            town_code: &v.town_code,
            ..NameParts::default()
        };
        let name = if let Some(z) = out.zone_of(zones, gi) {
            p.zone_name = &z.name;
            p.zone_code = &z.code;
            p.n = seq_in_zone[gi];
            let count = out.zone[gi].and_then(|z| of_zone.get(z)).copied();
            naming.dedicated_name(&p, count.unwrap_or(1))
        } else {
            p.n = lock::sequence(&g.code);
            naming.full_scope.render(&p)
        };
        for m in 1..=mp.count {
            let code = crate::model::codes::micro_code(&g.code, u32::try_from(m).unwrap_or(0));
            let mp = NameParts {
                code: &code,
                grid_name: &name,
                grid_code: &g.code,
                m,
                ..p.clone()
            };
            out.micro.push(naming.micro.render(&mp));
        }
        out.grid.push(name);
    }
    out
}
