//! What the metrics take: the assignment being measured ([`MetricsInput`],
//! its villages and points) and the knobs ([`MetricsParams`]).

use crate::config;
use crate::engine::territory::{BarrierLine, Territory};
use crate::input::workload::MeasureKind;
use crate::model::ground::{Barrier, Compound};
use geo::MultiPolygon;
use serde::Serialize;

/// Knobs of the metrics. The defaults are the product's norms from
/// [`crate::config`], except the seed (see [`MetricsParams::default`]).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MetricsParams {
    /// The household band of a grid, inclusive; default (300, 500).
    pub band: (f64, f64),
    /// Allowed relative deviation from the village mean; default 0.10.
    pub tolerance: f64,
    /// Seed of the k-means yardstick; default 0.
    pub seed: u64,
    /// k-means++ restarts per village; default 4.
    pub kmeans_restarts: usize,
    /// The household band of a micro-grid, inclusive; default (20, 80). Its
    /// upper end is the micro-grid cap that makes a building oversize.
    pub micro_band: (f64, f64),
    /// Further measures balanced besides the load (`--balance`), each with
    /// its tolerance; default none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<(MeasureKind, f64)>,
}

impl Default for MetricsParams {
    /// The norms of [`crate::config`]: [`config::BAND`],
    /// [`config::TOLERANCE`], [`config::KMEANS_RESTARTS`] and
    /// [`config::MICRO_BAND`].
    ///
    /// The seed is 0, not [`config::SEED`]: every command passes its
    /// `--seed` explicitly, so this default only serves library callers and
    /// the unit tests, whose k-means yardsticks were pinned with seed 0.
    fn default() -> Self {
        Self {
            band: config::BAND,
            tolerance: config::TOLERANCE,
            seed: 0,
            kmeans_restarts: config::KMEANS_RESTARTS,
            micro_band: config::MICRO_BAND,
            measures: Vec::new(),
        }
    }
}

/// One household point of the assignment being measured.
#[derive(Clone, Debug, PartialEq)]
pub struct PointRec {
    /// Position in local metres.
    pub xy: [f64; 2],
    /// Households at the point.
    pub households: u32,
    /// People at the point.
    pub population: f64,
    /// Workload at the point (households by default).
    pub load: f64,
    /// The new grid, an index into [`MetricsInput::grid_codes`].
    pub grid: u32,
    /// The current grid, an index into [`MetricsInput::old_codes`].
    pub old_grid: Option<u32>,
    /// The micro-grid, an index into [`MetricsInput::micro_codes`]; None
    /// when the plan has no micro-grids.
    pub micro: Option<u32>,
    /// The residential compound (小区) the point lies in, an index into
    /// [`MetricsInput::compounds`]; None outside every compound.
    pub compound: Option<u32>,
}

/// One village with its points.
#[derive(Clone, Debug)]
pub struct VillageInput {
    /// The 12-digit village code.
    pub code: String,
    /// The enclosing town's code.
    pub town_code: String,
    /// The village territory in local metres.
    pub polygon: MultiPolygon<f64>,
    /// The barriers that reach the territory, in local metres; each
    /// line's `barrier` is an index into [`MetricsInput::barriers`]. Empty
    /// without `--barriers`.
    pub lines: Vec<BarrierLine>,
    /// The village's points, in any order.
    pub points: Vec<PointRec>,
}

/// Everything the metrics need.
#[derive(Clone, Copy, Debug)]
pub struct MetricsInput<'a> {
    /// The villages, sorted by code (output follows this order).
    pub villages: &'a [VillageInput],
    /// Codes of the new grids, indexed by [`PointRec::grid`].
    pub grid_codes: &'a [String],
    /// Codes of the old grids, indexed by [`PointRec::old_grid`].
    pub old_codes: &'a [String],
    /// Codes of the micro-grids, indexed by [`PointRec::micro`].
    pub micro_codes: &'a [String],
    /// For each micro-grid, the index in `grid_codes` of the grid the plan
    /// declares as its parent; may be shorter (or empty) when undeclared.
    pub micro_parent: &'a [u32],
    /// Per grid (indexed like `grid_codes`): is it a dedicated grid. May be
    /// empty (or short): missing entries are full-scope grids.
    pub dedicated: &'a [bool],
    /// Per grid: was it locked by decision (`--lock`)? A locked grid is a
    /// full-scope grid kept as it was, so it is left out of the balance
    /// figures, like a dedicated grid. May be empty.
    pub locked: &'a [bool],
    /// The barriers, indexed by [`BarrierLine::barrier`]: their kind and
    /// name for the crossing listing. May be empty (a crossing then shows
    /// its index only).
    pub barriers: &'a [Barrier],
    /// The residential compounds, indexed by [`PointRec::compound`]. May be
    /// empty.
    pub compounds: &'a [Compound],
    /// Territory cells already built for each village (indexed like
    /// `villages`), e.g. by the planner; may be empty or hold `None`. They
    /// are used only when their sites are exactly the village's buildings
    /// in (x, y) order and their lines are the village's `lines`, and must
    /// have been built on the village's `polygon`; otherwise the cells are
    /// built afresh.
    pub cells: &'a [Option<PrebuiltCells<'a>>],
}

/// The territory cells of one village, built elsewhere.
#[derive(Clone, Copy, Debug)]
pub struct PrebuiltCells<'a> {
    /// The sites the cells were built on.
    pub sites: &'a [[f64; 2]],
    /// The barrier lines they were cut by.
    pub lines: &'a [BarrierLine],
    /// The cells of `sites` in the village's polygon, cut by its lines.
    pub territory: &'a Territory,
}

impl MetricsInput<'_> {
    /// Is grid `label` dedicated (a missing flag means full-scope)?
    pub(super) fn is_dedicated(&self, label: u32) -> bool {
        self.dedicated.get(label as usize).copied().unwrap_or(false)
    }

    /// Was grid `label` locked by decision (a missing flag means free)?
    pub(super) fn is_locked(&self, label: u32) -> bool {
        self.locked.get(label as usize).copied().unwrap_or(false)
    }

    /// Some point names its old grid: then stability and the transition
    /// are measured, over the points that do; the others are households
    /// new since the current plan, counted apart
    /// ([`super::StabilityMetrics::new_households`]).
    pub(super) fn with_old(&self) -> bool {
        self.villages
            .iter()
            .any(|v| v.points.iter().any(|p| p.old_grid.is_some()))
    }

    /// Barriers were given (a village has barrier lines, or the list is
    /// not empty): only then are crossings reported.
    pub(super) fn with_barriers(&self) -> bool {
        !self.barriers.is_empty() || self.villages.iter().any(|v| !v.lines.is_empty())
    }

    /// Compounds were given (the list is not empty, or a point names one):
    /// only then are compounds reported.
    pub(super) fn with_compounds(&self) -> bool {
        !self.compounds.is_empty()
            || self
                .villages
                .iter()
                .any(|v| v.points.iter().any(|p| p.compound.is_some()))
    }

    /// Some point carries a micro label: only then are micro-grids measured.
    pub(super) fn with_micro(&self) -> bool {
        self.villages
            .iter()
            .any(|v| v.points.iter().any(|p| p.micro.is_some()))
    }
}
