//! The content of metrics.json and what a run reports beside it.
//!
//! [`Report`] is metrics.json: serde writes the fields in the order they
//! are declared, so that order is part of the output contract and must not
//! change. [`RunParams`] echoes how a plan was made; [`Timings`] and
//! [`PartitionOutcome`] are what `partition` hands back to its caller.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{PartitionConfig, Sizing};
use crate::engine::apportion;
use crate::engine::partition::BalanceShortfall;
use crate::geometry::draw::CoverageSummary;
use crate::input::dedicated::ZoneCrossing;
use crate::input::workload::{BalanceMeasure, Weights};
use crate::metrics::Metrics;
use crate::model::{ZoneInfo, ZoneKind};

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

/// What a run found beside its configuration: the weights read, the
/// number of zones, and the current plan's locks.
#[derive(Clone, Debug)]
pub struct RunFacts {
    /// The workload weights read.
    pub weights: Weights,
    /// Dedicated zones read.
    pub dedicated_zones: usize,
    /// Whether households carry a current grid.
    pub has_current: bool,
    /// The current grids kept exactly as they are.
    pub locked_grids: Vec<String>,
}

impl RunParams {
    /// The parameters of a `partition` run with `cfg`.
    #[must_use]
    pub fn of(cfg: &PartitionConfig, facts: RunFacts) -> Self {
        Self {
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
            weights: facts.weights,
            micro_target: cfg.micro.target,
            micro_band: cfg.micro.band,
            micro_tolerance: cfg.micro.tolerance,
            dedicated_zones: facts.dedicated_zones,
            stability: facts.has_current.then_some(cfg.stability),
            locked_grids: facts.locked_grids,
            balance: cfg.inputs.balance.clone(),
        }
    }
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
    /// Grids that hold a hard barrier inside, each with why
    /// (`--barriers`; empty without).
    pub forced_crossings: Vec<crate::model::ground::ForcedCrossing>,
    /// Dedicated zones whose households lie in several villages.
    pub zones_across_villages: Vec<ZoneCrossing>,
    /// Dedicated zones that hold no household.
    pub empty_zones: Vec<String>,
    /// The dedicated zones by category, and the kinds not recognised
    /// (absent without a zones file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_kinds: Option<ZoneKinds>,
    /// Households placed by `--snap-distance`.
    pub snapped: Vec<SnapNote>,
    /// What the readers had to say about the inputs, each naming its file:
    /// the encoding chosen for a `.dbf` without `.cpg` or a CSV that is
    /// not UTF-8 (absent when there is nothing to say).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_notes: Vec<String>,
    /// How exactly the grid and micro-grid polygons tile the territory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<CoverageSummary>,
}

/// The dedicated zones' kinds for statistics: zones and households per
/// category, and the kinds given that no category knows (counted as
/// `other`, reported once as a warning).
#[derive(Clone, Debug, Serialize)]
pub struct ZoneKinds {
    /// One entry per category that has a zone, in category order.
    pub categories: Vec<CategoryCount>,
    /// The kinds not recognised, sorted, each with its zones' codes.
    pub unknown: Vec<UnknownKind>,
}

/// Zones and their households in one category.
#[derive(Clone, Debug, Serialize)]
pub struct CategoryCount {
    /// `park`, `school`, `hospital`, `market`, `enterprise` or `other`.
    pub category: &'static str,
    /// Zones of this category.
    pub zones: usize,
    /// Households in them.
    pub households: u64,
}

/// A zone kind no category knows.
#[derive(Clone, Debug, Serialize)]
pub struct UnknownKind {
    /// The kind as given.
    pub kind: String,
    /// The codes of the zones that give it, in file order.
    pub zones: Vec<String>,
}

impl ZoneKinds {
    /// The kinds of `zones`, with `households[z]` households in zone `z`;
    /// `None` when there is no zone.
    #[must_use]
    pub fn of(zones: &[ZoneInfo], households: &[u64]) -> Option<Self> {
        if zones.is_empty() {
            return None;
        }
        let mut by: BTreeMap<ZoneKind, (usize, u64)> = BTreeMap::new();
        let mut unknown: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (z, hh) in zones.iter().zip(households) {
            let e = by.entry(z.category).or_default();
            e.0 += 1;
            e.1 += hh;
            if z.unknown_kind {
                unknown.entry(&z.kind).or_default().push(z.code.clone());
            }
        }
        Some(Self {
            categories: by
                .into_iter()
                .map(|(c, (zones, households))| CategoryCount {
                    category: c.as_str(),
                    zones,
                    households,
                })
                .collect(),
            unknown: unknown
                .into_iter()
                .map(|(kind, zones)| UnknownKind {
                    kind: kind.to_string(),
                    zones,
                })
                .collect(),
        })
    }
}

impl Report {
    /// What the run warns about, one line each, for stderr: today the
    /// zone kinds no category knows (one line for all of them).
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(k) = self.zone_kinds.as_ref().filter(|k| !k.unknown.is_empty()) {
            let list: Vec<String> = k
                .unknown
                .iter()
                .map(|u| format!("{:?} ({})", u.kind, u.zones.join(", ")))
                .collect();
            out.push(format!(
                "{} dedicated zone kind(s) not recognised, counted as other: {}",
                k.unknown.len(),
                list.join("; ")
            ));
        }
        out
    }
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
