//! Step 2 of every plan: the grids and micro-grids of one sizing, before
//! polygons, and the adaptor that measures them.
//!
//! `county::plan_county` is the county loop:
//!
//! 1. apportion grid counts to villages (by target or by total, then by
//!    lineage when re-allocating), locked grids left out;
//! 2. each village's households and territory, dedicated zones included
//!    ([`zones`]);
//! 3. `county::plan_village` on every village (rayon, gathered in
//!    village-code order): the zones' dedicated grids, the locked grids,
//!    then the full-scope grids around them, all on one Delaunay graph;
//! 4. grid codes ([`labels`]): full-scope 001.., locked grids keep theirs,
//!    dedicated 901..;
//! 5. micro-grids inside every grid (rayon), and every household's labels.
//!
//! [`names`] names the grids and micro-grids for the exports (templates
//! of `[naming]`, [`crate::model::names`]).
//!
//! [`measure`] turns a plan (ours or an `assignment.csv`) into the input
//! of [`crate::metrics`].

pub mod compounds;
pub mod county;
pub mod ground;
pub mod labels;
pub mod measure;
pub mod names;
pub mod zones;

use geo::MultiPolygon;

use crate::config::{PartitionConfig, Sizing};
use crate::engine::apportion::Apportionment;
use crate::engine::micro::{self, MicroParams};
use crate::engine::partition::{self, BalanceShortfall};
use crate::engine::territory::Territory;
use crate::geometry::draw::{GridCells, VillageCells};
use crate::input::prepare::Units;
use crate::model::ground::ForcedCrossing;

/// What shapes one plan; a scenario varies only the sizing.
#[derive(Clone, Debug)]
pub(crate) struct PlanSpec {
    /// Target or total.
    pub sizing: Sizing,
    /// The household norm band per grid.
    pub band: (f64, f64),
    /// The primary measure's tolerance.
    pub tolerance: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Micro-grid sizing.
    pub micro: MicroParams,
    /// λ of re-allocation; 0 draws afresh.
    pub stability: f64,
    /// Re-allocation chooses grid counts that split current grids cleanly.
    pub lineage_apportion: bool,
    /// The price of crossing a soft barrier (`--barrier-weight`).
    pub barrier_weight: f64,
    /// The households file, named when its counts ask for more grids
    /// than codes can number.
    pub households_file: std::path::PathBuf,
}

impl PlanSpec {
    /// The plan `cfg` asks for.
    pub fn of(cfg: &PartitionConfig) -> Self {
        Self {
            sizing: cfg.sizing.clone(),
            band: cfg.band,
            // The primary measure's own tolerance, when --balance gives one.
            tolerance: cfg.primary_tolerance(),
            seed: cfg.seed,
            micro: cfg.micro.clone(),
            stability: cfg.stability,
            lineage_apportion: cfg.lineage_counts,
            barrier_weight: cfg.barrier_weight,
            households_file: cfg.inputs.households.clone(),
        }
    }

    /// The same plan with another sizing (a scenario).
    pub fn sized(&self, sizing: &Sizing) -> Self {
        Self {
            sizing: sizing.clone(),
            ..self.clone()
        }
    }
}

/// One planned village: its buildings, their plan, and the codes of the
/// locked grids among its groups.
pub(crate) struct PlannedVillage {
    /// The village's buildings.
    pub units: Units,
    /// Their grid labels.
    pub plan: partition::VillagePlan,
    /// The codes of the locked grids, in label order.
    pub locked_codes: Vec<String>,
    /// The buildings' territory cells and their graph.
    pub territory: Territory,
    /// The hard barriers left inside its groups, with why.
    pub crossings: Vec<ground::Crossing>,
}

/// One plan of the county: grids and micro-grids, before polygons.
pub(crate) struct Planned {
    /// The grid count of every village, and what to report.
    pub app: Apportionment,
    /// The households each village serves (zones count in their village).
    pub members_of: Vec<Vec<u32>>,
    /// Each village's territory (the village, plus or minus crossing zones).
    pub territory: Vec<MultiPolygon<f64>>,
    /// The barrier lines that reach each territory.
    pub lines: Vec<Vec<crate::engine::territory::BarrierLine>>,
    /// Each village's buildings and plan (none for an empty village).
    pub plans: Vec<Option<(Units, partition::VillagePlan, Territory)>>,
    /// Every grid, with codes, village by village.
    pub grids: Vec<labels::GridOut>,
    /// The micro-grids of every grid.
    pub micro_plans: Vec<micro::MicroPlan>,
    /// Villages whose tolerance was out of reach.
    pub shortfalls: Vec<BalanceShortfall>,
    /// The hard barriers left inside grids, each with why.
    pub forced_crossings: Vec<ForcedCrossing>,
    /// Every household's grid and micro-grid.
    pub labels: labels::HouseholdLabels,
}

impl Planned {
    /// What the polygons of each village need.
    pub fn village_cells(&self) -> Vec<Option<VillageCells<'_>>> {
        self.plans
            .iter()
            .map(|p| {
                p.as_ref().map(|(units, plan, territory)| VillageCells {
                    pos: &units.pos,
                    label: &plan.label,
                    territory,
                })
            })
            .collect()
    }

    /// What the polygons of each grid's micro-grids need.
    pub fn grid_cells(&self) -> Vec<GridCells<'_>> {
        self.grids
            .iter()
            .zip(&self.micro_plans)
            .map(|(g, mp)| GridCells {
                code: &g.code,
                village: g.village,
                local: g.local,
                buildings: &g.buildings,
                micro: mp,
            })
            .collect()
    }
}
