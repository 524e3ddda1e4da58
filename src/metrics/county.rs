//! Step 7 of the metrics: the county totals, gathered in village order.

use super::FULL_SCOPE;
use super::balance::BalanceMetrics;
use super::compactness::CompactnessMetrics;
use super::compounds::CompoundMetrics;
use super::contiguity::ContiguityMetrics;
use super::crossings::CrossingMetrics;
use super::nesting::{NestingMetrics, PlanGrids};
use super::village::{GridMetrics, VillageWork};
use serde::Serialize;

/// County-level metrics.
#[derive(Serialize, Clone, Debug)]
pub struct CountyMetrics {
    /// Villages in the input (including empty ones).
    pub villages: usize,
    /// Household points.
    pub points: usize,
    /// Distinct coordinates (buildings).
    pub buildings: usize,
    /// Total households.
    pub households: u64,
    /// Total population.
    pub population: f64,
    /// Total load.
    pub load: f64,
    /// Distinct grid labels.
    pub grids: usize,
    /// Distinct full-scope grid labels.
    pub full_scope_grids: usize,
    /// Distinct dedicated grid labels.
    pub dedicated_grids: usize,
    /// (village, grid) pairs; equals `grids` when nesting holds.
    pub grid_pieces: usize,
    /// Mean load per full-scope grid piece (full-scope load over their
    /// count).
    pub mean_load: f64,
    /// Smallest full-scope grid piece load.
    pub min_load: f64,
    /// Largest full-scope grid piece load.
    pub max_load: f64,
    /// Balance, pooled over the full-scope grid pieces.
    pub balance: BalanceMetrics,
    /// Nesting in villages.
    pub nesting: NestingMetrics,
    /// Grids in one piece on the village territories.
    pub contiguity: ContiguityMetrics,
    /// Compactness against k-means.
    pub compactness: CompactnessMetrics,
    /// Barrier crossings, when barriers were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crossings: Option<CrossingMetrics>,
    /// Residential compounds, when compounds were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compounds: Option<CompoundMetrics>,
}

/// The county figures of each measure, computed by its own module.
pub(super) struct Measures {
    pub balance: BalanceMetrics,
    pub plan: PlanGrids,
    pub contiguity: ContiguityMetrics,
    pub compactness: CompactnessMetrics,
    pub crossings: Option<CrossingMetrics>,
    pub compounds: Option<CompoundMetrics>,
}

/// The county totals of `works` (in village order) with their grid pieces
/// `grids`, and each measure's county figures.
pub(super) fn county_metrics(
    works: &[VillageWork],
    grids: &[GridMetrics],
    m: Measures,
) -> CountyMetrics {
    let vm = || works.iter().map(|w| &w.metrics);
    let fs_grids: Vec<&GridMetrics> = grids.iter().filter(|g| g.grid_type == FULL_SCOPE).collect();
    let fs_load: f64 = vm().map(|v| v.full_scope_load).sum();
    let distinct = m.plan.labels.len();
    CountyMetrics {
        villages: works.len(),
        points: vm().map(|v| v.points).sum(),
        buildings: vm().map(|v| v.buildings).sum(),
        households: vm().map(|v| v.households).sum(),
        population: vm().map(|v| v.population).sum(),
        load: vm().map(|v| v.load).sum(),
        grids: distinct,
        full_scope_grids: distinct - m.plan.dedicated,
        dedicated_grids: m.plan.dedicated,
        grid_pieces: grids.len(),
        mean_load: if fs_grids.is_empty() {
            0.0
        } else {
            fs_load / fs_grids.len() as f64
        },
        min_load: fs_grids
            .iter()
            .map(|g| g.load)
            .reduce(f64::min)
            .unwrap_or(0.0),
        max_load: fs_grids
            .iter()
            .map(|g| g.load)
            .reduce(f64::max)
            .unwrap_or(0.0),
        balance: m.balance,
        nesting: m.plan.nesting,
        contiguity: m.contiguity,
        compactness: m.compactness,
        crossings: m.crossings,
        compounds: m.compounds,
    }
}
