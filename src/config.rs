//! Every default of the product, once, with where it comes from.
//!
//! The command line (`src/cli.rs`), the configuration types' constructors
//! and the library's `Default` impls all read these constants, so a norm
//! changes in one place. The norms are those of docs/DESIGN.md §2, which
//! names the documents behind each.
//!
//! The configuration types of the three commands live here too:
//! [`PartitionConfig`], [`ScenariosConfig`] and [`MetricsConfig`], which
//! share one [`Inputs`] (the files and how to read them). Their `new`
//! constructors fill every other setting from the constants below, and
//! their `check` methods validate the parameters before anything is read.

use std::path::{Path, PathBuf};

use crate::engine::micro::MicroParams;
use crate::error::Error;
use crate::input::crs::Crs;
use crate::input::workload::{BalanceMeasure, MeasureKind};
use crate::model::ground::BarrierKind;
use crate::output::export::Format;

/// Households per full-scope grid, lower end of the norm band: the Zhejiang
/// provincial wording of 300-500 households per grid (docs/DESIGN.md §2).
pub const BAND_MIN: f64 = 300.0;
/// Households per full-scope grid, upper end of the norm band (docs/DESIGN.md §2).
pub const BAND_MAX: f64 = 500.0;
/// The household norm band per grid, `--band`.
pub const BAND: (f64, f64) = (BAND_MIN, BAND_MAX);
/// `--band` as the command line writes it.
pub const BAND_ARG: &str = "300,500";

/// Allowed relative deviation of a grid's load from its village mean,
/// `--tolerance`: ±10 %, the product's balance bar (docs/DESIGN.md §2 and
/// §7). Measured: an LP band of τ/2 was no better for balance and worse
/// for compactness, so the LP band is the tolerance itself.
pub const TOLERANCE: f64 = 0.10;

/// Mean households per micro-grid, `--micro-target`: "a few dozen
/// households", 50 on average in the provincial norm (docs/DESIGN.md §2).
pub const MICRO_TARGET: f64 = 50.0;
/// Household band of a micro-grid, `--micro-band`: 20-80 (docs/DESIGN.md §2).
pub const MICRO_BAND: (f64, f64) = (20.0, 80.0);
/// `--micro-band` as the command line writes it.
pub const MICRO_BAND_ARG: &str = "20,80";
/// Balance of micro-grids inside their grid: ±25 % of the grid's mean
/// micro-grid size, which keeps a 50-household target inside 37-63 and so
/// well inside the 20-80 norm (chosen in issue 3).
pub const MICRO_TOLERANCE: f64 = 0.25;

/// The stability weight λ of re-allocation, `--stability`: measured on the
/// scale-1.0 synthetic county, λ = 8 keeps 95.9 % of lineage with 90.2 %
/// clean grids inside the band (BENCHMARKS.md, issue 5). Since issue 11
/// the counts also keep 85 % of grids in the household band, and λ = 20
/// gains 0.1 point of lineage over λ = 8 there.
pub const STABILITY: f64 = 8.0;

/// The share of grids expected inside the household band that lineage
/// counts must keep (engine::counts): the bar of 85 % of grids in 300-500
/// households (issue 11), plus 2 points for the estimate's error.
pub const LINEAGE_IN_BAND: f64 = 0.87;

/// The compactness price of crossing a soft barrier, in units of a
/// grid's spread; see engine::partition. `--barrier-weight`: 1.0, a
/// provisional choice until measured (issue 10).
pub const BARRIER_WEIGHT: f64 = 1.0;

/// The kinds hard by default, as `--hard-barriers` writes them:
/// [`BarrierKind::HARD_BY_DEFAULT`], the lines people cannot cross on foot
/// except at a bridge or crossing, and the roads that carry through
/// traffic (issue 10).
pub const HARD_BARRIERS_ARG: &str = "river,canal,water,railway,motorway,trunk,primary";

/// The seed of every random choice, `--seed`.
pub const SEED: u64 = 1;

/// Restarts of the weighted k-means yardstick of compactness (docs/DESIGN.md
/// §5): the best of 4 k-means++ starts, the yardstick every published
/// figure of this project was measured against; more starts would move the
/// yardstick, not the plan.
pub const KMEANS_RESTARTS: usize = 4;

/// The coordinate system of inputs that declare none and of exported maps,
/// unless told otherwise: WGS84, the system of GeoJSON (RFC 7946).
pub const CRS: Crs = Crs::Wgs84;
/// `--output-crs` as the command line writes the default.
pub const CRS_ARG: &str = "wgs84";

/// The map formats written unless told otherwise: GeoJSON, which every GIS
/// reads.
pub const FORMAT: Format = Format::GeoJson;
/// `--format` as the command line writes it.
pub const FORMAT_ARG: &str = "geojson";

/// The `effective_date` of every grid unless `--effective-date` says
/// otherwise: today, in the machine's local time zone (the day the plan is
/// made is the day a platform import usually takes effect). The date is
/// written only into the layers and the roster, never into metrics.json, so
/// the metrics stay byte-identical from day to day; tests that compare
/// layers pass a fixed date.
#[must_use]
pub fn today() -> jiff::civil::Date {
    jiff::ZonedDateTime::now().date()
}

/// Parses `--effective-date`: an ISO 8601 calendar date, `YYYY-MM-DD`.
///
/// # Errors
/// A message naming the text and the expected form.
pub fn parse_effective_date(s: &str) -> Result<jiff::civil::Date, String> {
    let t = s.trim();
    let ok = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !ok {
        return Err(format!("expected a date as YYYY-MM-DD, got {s:?}"));
    }
    t.parse::<jiff::civil::Date>()
        .map_err(|e| format!("{s:?} is not a calendar date: {e}"))
}

/// How the number of grids is chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum Sizing {
    /// `--target T`: mean load per grid.
    Target(f64),
    /// `--grids K`: a fixed county total.
    Total(usize),
}

/// The coordinate systems of the inputs as the flags give them. `None`
/// reads a file in the system it declares (a GeoJSON `crs` member, a
/// `.prj`), else in [`CRS`]; a flag wins over a declaration
/// (crate::input::crs, "Parameters").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputCrs {
    /// Of the household points (`--input-crs`).
    pub households: Option<Crs>,
    /// Of the boundaries, dedicated zones, barriers and compounds
    /// (`--boundaries-crs`).
    pub boundaries: Option<Crs>,
}

/// The input files and how to read them: what every command
/// (`partition`, `scenarios`, `metrics`) prepares the same way
/// (`crate::input::prepare`).
#[derive(Clone, Debug)]
pub struct Inputs {
    /// Household points (GeoJSON).
    pub households: PathBuf,
    /// Administrative boundaries (GeoJSON).
    pub boundaries: PathBuf,
    /// Coordinate systems of the inputs.
    pub crs: InputCrs,
    /// Snap points within this many metres of a village.
    pub snap_distance: Option<f64>,
    /// Workload weights (TOML), households only when absent.
    pub weights: Option<PathBuf>,
    /// Dedicated premises zones (GeoJSON), when given.
    pub dedicated: Option<PathBuf>,
    /// A file of current grid codes to keep exactly (`--lock`).
    pub lock: Option<PathBuf>,
    /// Villages whose current grids are all kept (`--lock-village`).
    pub lock_villages: Vec<String>,
    /// Measures to balance (`--balance`); empty balances the workload
    /// alone. The first is primary (grid counts, compactness).
    pub balance: Vec<BalanceMeasure>,
    /// Barriers: rivers, railways, roads (GeoJSON lines and water
    /// polygons), when given (`--barriers`).
    pub barriers: Option<PathBuf>,
    /// Residential compounds (GeoJSON polygons with `code`), when given
    /// (`--compounds`).
    pub compounds: Option<PathBuf>,
    /// The barrier kinds that are hard unless a feature says otherwise
    /// (`--hard-barriers`); `None` is [`BarrierKind::HARD_BY_DEFAULT`].
    pub hard_barriers: Option<Vec<BarrierKind>>,
    /// The layer (sheet) of every GeoPackage (workbook) input that holds
    /// several and whose path names none (`--layer`); `FILE:NAME` names
    /// one per input.
    pub layer: Option<String>,
    /// The village codes accepted: 12 digits, or any safe code with
    /// `--free-codes` (crate::model::codes, "Code rules").
    pub codes: crate::model::codes::CodeRule,
}

impl Inputs {
    /// Households and boundaries in WGS84, nothing else: no snapping,
    /// weights, zones, locks or further measures.
    #[must_use]
    pub fn new(households: impl Into<PathBuf>, boundaries: impl Into<PathBuf>) -> Self {
        Self {
            households: households.into(),
            boundaries: boundaries.into(),
            crs: InputCrs::default(),
            snap_distance: None,
            weights: None,
            dedicated: None,
            lock: None,
            lock_villages: Vec::new(),
            balance: Vec::new(),
            barriers: None,
            compounds: None,
            hard_barriers: None,
            layer: None,
            codes: crate::model::codes::CodeRule::Standard,
        }
    }

    /// The same, accepting any safe village code (`--free-codes`).
    #[must_use]
    pub fn with_free_codes(mut self) -> Self {
        self.codes = crate::model::codes::CodeRule::Free;
        self
    }

    /// The same, with barriers.
    #[must_use]
    pub fn with_barriers(mut self, barriers: impl Into<PathBuf>) -> Self {
        self.barriers = Some(barriers.into());
        self
    }

    /// The same, with residential compounds.
    #[must_use]
    pub fn with_compounds(mut self, compounds: impl Into<PathBuf>) -> Self {
        self.compounds = Some(compounds.into());
        self
    }

    /// The same, with these kinds hard unless a barrier says otherwise.
    #[must_use]
    pub fn with_hard_barriers(mut self, kinds: impl Into<Vec<BarrierKind>>) -> Self {
        self.hard_barriers = Some(kinds.into());
        self
    }

    /// The kinds hard unless a barrier says otherwise: `--hard-barriers`,
    /// else [`BarrierKind::HARD_BY_DEFAULT`].
    #[must_use]
    pub fn hard_kinds(&self) -> &[BarrierKind] {
        self.hard_barriers
            .as_deref()
            .unwrap_or(&BarrierKind::HARD_BY_DEFAULT)
    }

    /// The input files, which no output may overwrite.
    #[must_use]
    pub fn files(&self) -> Vec<&Path> {
        [
            self.dedicated.as_deref(),
            Some(self.households.as_path()),
            Some(self.boundaries.as_path()),
            self.weights.as_deref(),
            self.lock.as_deref(),
            self.barriers.as_deref(),
            self.compounds.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Everything `gridplan partition` needs.
#[derive(Clone, Debug)]
pub struct PartitionConfig {
    /// The input files and how to read them.
    pub inputs: Inputs,
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
    /// Micro-grid sizing.
    pub micro: MicroParams,
    /// Coordinate system of the exported maps.
    pub output_crs: Crs,
    /// Map formats to export (and the roster, `xlsx`).
    pub formats: Vec<Format>,
    /// The `effective_date` of every grid in the layers and the roster
    /// (`--effective-date`, [`today`] by default).
    pub effective_date: jiff::civil::Date,
    /// Show progress on stderr (drawn only when stderr is a terminal).
    pub progress: bool,
    /// The stability weight λ of re-allocation (`--stability`); used when
    /// households carry `grid`, 0 draws afresh.
    pub stability: f64,
    /// When re-allocating, choose each village's grid count inside its band
    /// to split current grids cleanly, keeping the county total
    /// (`--counts lineage`, the default); false keeps the target's counts.
    pub lineage_counts: bool,
    /// The compactness price of crossing a soft barrier
    /// (`--barrier-weight`, see [`BARRIER_WEIGHT`]); 0 ignores soft
    /// barriers.
    pub barrier_weight: f64,
}

impl PartitionConfig {
    /// A partition of `households` in `boundaries` into `out`, with every
    /// other setting at its default (this module's constants), no progress
    /// bar, GeoJSON maps and today's effective date.
    #[must_use]
    pub fn new(
        households: impl Into<PathBuf>,
        boundaries: impl Into<PathBuf>,
        out: impl Into<PathBuf>,
        sizing: Sizing,
    ) -> Self {
        Self {
            inputs: Inputs::new(households, boundaries),
            out: out.into(),
            sizing,
            band: BAND,
            tolerance: TOLERANCE,
            seed: SEED,
            micro: MicroParams::default(),
            output_crs: CRS,
            formats: vec![FORMAT],
            effective_date: today(),
            progress: false,
            stability: STABILITY,
            lineage_counts: true,
            barrier_weight: BARRIER_WEIGHT,
        }
    }

    /// The same, with dedicated premises zones.
    #[must_use]
    pub fn with_dedicated(mut self, zones: impl Into<PathBuf>) -> Self {
        self.inputs.dedicated = Some(zones.into());
        self
    }

    /// The same, with barriers.
    #[must_use]
    pub fn with_barriers(mut self, barriers: impl Into<PathBuf>) -> Self {
        self.inputs = self.inputs.with_barriers(barriers);
        self
    }

    /// The same, with residential compounds.
    #[must_use]
    pub fn with_compounds(mut self, compounds: impl Into<PathBuf>) -> Self {
        self.inputs = self.inputs.with_compounds(compounds);
        self
    }

    /// The primary measure's tolerance: its own from `--balance`, else
    /// `--tolerance`.
    #[must_use]
    pub fn primary_tolerance(&self) -> f64 {
        primary_tolerance(&self.inputs.balance, self.tolerance)
    }

    /// Checks the parameters before anything is read.
    ///
    /// # Errors
    /// [`Error::Parameter`] naming the option out of range.
    pub fn check(&self) -> Result<(), Error> {
        check_stability(self.stability)?;
        check_barrier_weight(self.barrier_weight)?;
        check_ground(&self.inputs)?;
        check_balance(&self.inputs)?;
        check_tolerance(self.tolerance)?;
        check_micro(&self.micro)
    }
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

impl ScenariosConfig {
    /// Checks the parameters before anything is read.
    ///
    /// # Errors
    /// [`Error::Parameter`] naming the option out of range, or when no
    /// scenario is given.
    pub fn check(&self) -> Result<(), Error> {
        let base = &self.base;
        check_tolerance(base.tolerance)?;
        check_micro(&base.micro)?;
        check_stability(base.stability)?;
        check_barrier_weight(base.barrier_weight)?;
        check_ground(&base.inputs)?;
        check_balance(&base.inputs)?;
        if self.sizings.is_empty() {
            return Err(Error::Parameter(
                "give at least one scenario with --targets or --grids".to_string(),
            ));
        }
        Ok(())
    }
}

/// Everything `gridplan metrics` needs.
#[derive(Clone, Debug)]
pub struct MetricsConfig {
    /// The input files the plan was made from, with the zones, locks and
    /// measures it was made with, so that a zone's households count in the
    /// zone's village and locked grids stay out of the balance, as
    /// `partition` does.
    pub inputs: Inputs,
    /// The assignment to evaluate (CSV with `id` and `grid`).
    pub assignment: PathBuf,
    /// The household norm band per grid.
    pub band: (f64, f64),
    /// The balance tolerance.
    pub tolerance: f64,
    /// Seed of the k-means baseline.
    pub seed: u64,
    /// Household band of a micro-grid.
    pub micro_band: (f64, f64),
}

impl MetricsConfig {
    /// The metrics of `assignment` for `households` in `boundaries`, with
    /// every other setting at its default (this module's constants).
    #[must_use]
    pub fn new(
        households: impl Into<PathBuf>,
        boundaries: impl Into<PathBuf>,
        assignment: impl Into<PathBuf>,
    ) -> Self {
        Self {
            inputs: Inputs::new(households, boundaries),
            assignment: assignment.into(),
            band: BAND,
            tolerance: TOLERANCE,
            seed: SEED,
            micro_band: MICRO_BAND,
        }
    }

    /// The primary measure's tolerance: its own from `--balance`, else
    /// `--tolerance`.
    #[must_use]
    pub fn primary_tolerance(&self) -> f64 {
        primary_tolerance(&self.inputs.balance, self.tolerance)
    }

    /// Checks the parameters before anything is read.
    ///
    /// # Errors
    /// [`Error::Parameter`] naming the option out of range.
    pub fn check(&self) -> Result<(), Error> {
        check_tolerance(self.tolerance)?;
        check_ground(&self.inputs)?;
        check_balance(&self.inputs)
    }
}

/// The primary measure's tolerance: its own from `--balance`, else
/// `--tolerance`.
fn primary_tolerance(balance: &[BalanceMeasure], tolerance: f64) -> f64 {
    balance
        .first()
        .and_then(|m| m.tolerance)
        .unwrap_or(tolerance)
}

/// The `--balance` measures after the first, with their tolerances, for
/// the metrics.
#[must_use]
pub fn further_measures(balance: &[BalanceMeasure], tolerance: f64) -> Vec<(MeasureKind, f64)> {
    balance
        .iter()
        .skip(1)
        .map(|m| (m.kind, m.tolerance.unwrap_or(tolerance)))
        .collect()
}

/// `--config` defines the workload when it has `[weights]`, which
/// `--balance` balances only when it names `load`; anything else would
/// silently drop the weights. A config of `[naming]` or `[columns]` alone
/// goes with any `--balance`.
fn check_balance(inputs: &Inputs) -> Result<(), Error> {
    let balance = &inputs.balance;
    if let Some(w) = &inputs.weights
        && !balance.is_empty()
        && !balance.iter().any(|m| m.kind == MeasureKind::Load)
        && crate::input::workload::defines_weights(w)
    {
        return Err(Error::Parameter(format!(
            "--config {} defines the workload, but --balance names no `load`, so the weights would be ignored; use e.g. --balance load,population, or drop --config",
            w.display()
        )));
    }
    Ok(())
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

fn check_barrier_weight(w: f64) -> Result<(), Error> {
    if w.is_finite() && w >= 0.0 {
        Ok(())
    } else {
        Err(Error::Parameter(format!(
            "--barrier-weight must be a finite number >= 0, got {w}"
        )))
    }
}

/// `--hard-barriers` says which barriers are hard, so without
/// `--barriers` it would silently do nothing.
fn check_ground(inputs: &Inputs) -> Result<(), Error> {
    if inputs.hard_barriers.is_some() && inputs.barriers.is_none() {
        return Err(Error::Parameter(
            "--hard-barriers chooses which barriers are hard, but no --barriers file is given"
                .to_string(),
        ));
    }
    Ok(())
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
