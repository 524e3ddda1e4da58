//! The command line's shape: the clap structs, their parse helpers, and
//! the conversion of each subcommand's options into the library's
//! configuration ([`gridplan::config`]). Every default comes from
//! `gridplan::config`, so `--help` and the library agree.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use gridplan::config::{
    self, InputCrs, Inputs, MetricsConfig, PartitionConfig, ScenariosConfig, Sizing,
};
use gridplan::engine::micro::MicroParams;
use gridplan::input::crs::Crs;
use gridplan::input::workload::BalanceMeasure;
use gridplan::model::codes::CodeRule;
use gridplan::model::ground::BarrierKind;
use gridplan::output::export::Format;

/// The target of `gridplan demo`: 367 households per grid, inside the
/// 300-500 band, gives the sample county whole grids.
const DEMO_TARGET: f64 = 367.0;

/// Balanced, compact, contiguous community-governance grids from household
/// points.
#[derive(Debug, Parser)]
#[command(name = "gridplan", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Partition every village into full-scope grids and write
    /// assignment.csv and metrics.json into --out.
    Partition(PartitionArgs),
    /// Compare staffing scenarios (several targets or grid totals) side by
    /// side: scenarios.csv, scenarios.md, scenarios.svg and report.html.
    Scenarios(ScenariosArgs),
    /// Compute the metrics of any assignment.csv (ours or another tool's).
    Metrics(MetricsArgs),
    /// Write a synthetic county (households, boundaries, zones, barriers,
    /// compounds).
    Synth(SynthArgs),
    /// Partition the bundled sample county into ./gridplan-demo.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub(crate) struct Common {
    /// Household points: GeoJSON (.geojson, .json), Shapefile (.shp),
    /// GeoPackage (.gpkg), CSV or XLSX with longitude/latitude (or x/y)
    /// columns. Columns named as in README "Input formats", or mapped by
    /// [columns] in --config.
    #[arg(long)]
    pub(crate) households: PathBuf,
    /// Administrative boundaries (polygons): GeoJSON, Shapefile or
    /// GeoPackage. FILE.gpkg:LAYER names a GeoPackage layer (a workbook's
    /// sheet for XLSX) for one input.
    #[arg(long)]
    pub(crate) boundaries: PathBuf,
    /// The GeoPackage layer (XLSX sheet) to read from every such input
    /// whose path names none with FILE:LAYER; without it, a file must hold
    /// one layer (a workbook's first sheet is read).
    #[arg(long, value_name = "NAME")]
    pub(crate) layer: Option<String>,
    /// Household band per grid, MIN,MAX.
    #[arg(long, default_value = config::BAND_ARG, value_parser = parse_band)]
    pub(crate) band: (f64, f64),
    /// Allowed relative deviation of a grid's load from its village mean.
    #[arg(long, default_value_t = config::TOLERANCE, allow_negative_numbers = true)]
    pub(crate) tolerance: f64,
    /// Seed of every random choice; the same seed gives the same output.
    #[arg(long, default_value_t = config::SEED)]
    pub(crate) seed: u64,
    /// Place points up to this many metres outside a village in the
    /// nearest one (and keep declared villages within it) instead of
    /// refusing them.
    #[arg(long, value_name = "METRES", allow_negative_numbers = true)]
    pub(crate) snap_distance: Option<f64>,
    /// Workload weights and household column names (TOML with [weights]
    /// and [columns] tables).
    #[arg(long, value_name = "weights.toml")]
    pub(crate) config: Option<PathBuf>,
    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Household band per micro-grid, MIN,MAX.
    #[arg(long, default_value = config::MICRO_BAND_ARG, value_parser = parse_band)]
    pub(crate) micro_band: (f64, f64),
    /// Coordinate system of the household points: wgs84, cgcs2000, gcj02
    /// (Amap/Tencent geocoding) or EPSG:n (e.g. EPSG:4528, CGCS2000
    /// Gauss-Krüger zone 40). Default: what the file declares, else wgs84;
    /// given, it wins over the file's declaration.
    #[arg(long, value_name = "CRS", value_parser = parse_crs)]
    pub(crate) input_crs: Option<Crs>,
    /// Coordinate system of the boundaries, dedicated zones, barriers and
    /// compounds, as --input-crs.
    #[arg(long, value_name = "CRS", value_parser = parse_crs)]
    pub(crate) boundaries_crs: Option<Crs>,
    /// Barriers that grid borders follow: rivers, railways, roads.
    ///
    /// A GeoJSON FeatureCollection of LineString or MultiLineString
    /// features (the line is the barrier) and Polygon or MultiPolygon
    /// features (the outline is the barrier: lakes, reservoirs). Each has a
    /// `kind`: motorway, trunk, primary, secondary, tertiary, residential,
    /// railway (or rail), river, canal, stream, drain, water, other, or the
    /// Chinese 河, 江, 溪, 渠, 湖, 水库, 铁路, 高速, 国道, 省道, 县道,
    /// 主干道, 次干道, 支路; an optional `name`; and an optional boolean
    /// `hard` that overrides --hard-barriers. Other properties are ignored.
    #[arg(long, value_name = "FILE")]
    pub(crate) barriers: Option<PathBuf>,
    /// Residential compounds (小区, 园区) to keep whole.
    ///
    /// A GeoJSON FeatureCollection of Polygon or MultiPolygon features with
    /// a unique `code` and an optional `name`. A compound holds the
    /// households whose point lies inside it; a household may lie in one
    /// compound at most.
    #[arg(long, value_name = "FILE")]
    pub(crate) compounds: Option<PathBuf>,
    /// Barrier kinds that are hard (never crossed unless forced),
    /// comma-separated, or `none`. Default:
    /// river,canal,water,railway,motorway,trunk,primary.
    ///
    /// The other kinds are soft: crossing one costs compactness
    /// (--barrier-weight). A barrier's own `hard` property wins. Needs
    /// --barriers.
    #[arg(long, value_name = "KINDS", value_parser = parse_hard_barriers)]
    pub(crate) hard_barriers: Option<HardBarriers>,
    /// Accept village codes that are not 12 digits (any code of letters,
    /// digits, '-' and '_'); such a village's grids are coded
    /// {village code}-{seq} (e.g. XQ01-001) instead of the standard 15
    /// digits, and its micro-grids {grid code}-{seq}.
    #[arg(long)]
    pub(crate) free_codes: bool,
}

/// Options shared by `partition` and `scenarios`.
#[derive(Debug, Args)]
pub(crate) struct PlanOpts {
    /// Mean households per micro-grid.
    #[arg(long, default_value_t = config::MICRO_TARGET, allow_negative_numbers = true, value_parser = parse_positive)]
    pub(crate) micro_target: f64,
    /// Dedicated premises zones (GeoJSON Polygons with code, name, kind):
    /// their households get dedicated grids numbered from 901.
    #[arg(long, value_name = "zones.geojson")]
    pub(crate) dedicated: Option<PathBuf>,
    /// Weight λ of keeping households in the successors of their current
    /// grid (used when households carry `grid`; 0 draws afresh). Leaving
    /// one's lineage costs λ times a typical grid's squared spread.
    #[arg(long, default_value_t = config::STABILITY, value_name = "W")]
    pub(crate) stability: f64,
    /// The compactness price of crossing a soft barrier (see --barriers),
    /// in units of a typical grid's spread; 0 ignores soft barriers.
    #[arg(long, default_value_t = config::BARRIER_WEIGHT, value_name = "W")]
    pub(crate) barrier_weight: f64,
    /// A file of current grid codes (one per line) to keep exactly as they are.
    #[arg(long, value_name = "FILE")]
    pub(crate) lock: Option<PathBuf>,
    /// Keep every current grid of these villages (comma-separated codes).
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub(crate) lock_village: Vec<String>,
    /// How a re-allocation chooses each village's grid count: `lineage`
    /// (the county total of the target, spent where current grids split
    /// cleanly) or `target` (the target's own counts).
    #[arg(long, value_enum, default_value_t = Counts::Lineage)]
    pub(crate) counts: Counts,
    /// Balance several measures at once, each with its own tolerance, e.g.
    /// `households,population:0.15` (measures: load, households,
    /// population; the first sets the grid counts).
    #[arg(long, value_parser = parse_balance, value_name = "MEASURES")]
    pub(crate) balance: Option<BalanceArg>,
}

#[derive(Debug, Args)]
pub(crate) struct PartitionArgs {
    #[command(flatten)]
    pub(crate) common: Common,
    #[command(flatten)]
    pub(crate) plan: PlanOpts,
    /// Mean load per full-scope grid.
    #[arg(
        long,
        conflicts_with = "grids",
        required_unless_present = "grids",
        allow_negative_numbers = true,
        value_parser = parse_positive
    )]
    pub(crate) target: Option<f64>,
    /// Fix the county's total number of full-scope grids instead.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
    pub(crate) grids: Option<usize>,
    /// Coordinate system of the exported maps: wgs84 (RFC 7946), gcj02 for
    /// Amap-based platforms, cgcs2000 (EPSG:4490, what grid platforms
    /// take), or EPSG:n, e.g. EPSG:4528 for Gauss-Krüger metres.
    #[arg(long, value_name = "CRS", default_value = config::CRS_ARG, value_parser = parse_crs)]
    pub(crate) output_crs: Crs,
    /// Map formats: any of geojson, shp, gpkg, comma-separated; add xlsx
    /// for the roster spreadsheet grids.xlsx.
    #[arg(long, default_value = config::FORMAT_ARG)]
    pub(crate) format: String,
    /// The effective date written on every grid of the layers and the
    /// roster, YYYY-MM-DD [default: today, local time].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = config::parse_effective_date)]
    pub(crate) effective_date: Option<jiff::civil::Date>,
    /// Output folder.
    #[arg(long)]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ScenariosArgs {
    #[command(flatten)]
    pub(crate) common: Common,
    #[command(flatten)]
    pub(crate) plan: PlanOpts,
    /// Mean loads per full-scope grid to compare, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        conflicts_with = "grids",
        required_unless_present = "grids",
        allow_negative_numbers = true,
        value_parser = parse_positive
    )]
    pub(crate) targets: Vec<f64>,
    /// County totals of full-scope grids to compare, comma-separated.
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, value_parser = parse_count)]
    pub(crate) grids: Vec<usize>,
    /// Output folder for scenarios.csv, scenarios.md, scenarios.svg and report.html.
    #[arg(long)]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct MetricsArgs {
    #[command(flatten)]
    pub(crate) common: Common,
    /// The assignment to evaluate: CSV with columns id and grid.
    #[arg(long)]
    pub(crate) assignment: PathBuf,
    /// Print metrics.json to stdout instead of the summary table.
    #[arg(long)]
    pub(crate) json: bool,
    /// The dedicated zones the plan was made with: their households count
    /// in the village their zone was given to.
    #[arg(long, value_name = "zones.geojson")]
    pub(crate) dedicated: Option<PathBuf>,
    /// The lock file the plan was made with: locked grids are left out of
    /// the balance figures, as `partition` does.
    #[arg(long, value_name = "FILE")]
    pub(crate) lock: Option<PathBuf>,
    /// The locked villages the plan was made with.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub(crate) lock_village: Vec<String>,
    /// The measures the plan balanced (as given to `partition`).
    #[arg(long, value_parser = parse_balance, value_name = "MEASURES")]
    pub(crate) balance: Option<BalanceArg>,
}

#[derive(Debug, Args)]
pub(crate) struct SynthArgs {
    /// 1.0 is a Rui'an-sized county: 510 villages, ~550,000 households.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true, value_parser = parse_positive)]
    pub(crate) scale: f64,
    /// Seed of the generator.
    #[arg(long, default_value_t = config::SEED)]
    pub(crate) seed: u64,
    /// The kind of current grid plan the households carry.
    #[arg(long, value_enum, value_name = "KIND", default_value_t = gridplan::synth::CurrentPlanKind::Compact)]
    pub(crate) current_plan: gridplan::synth::CurrentPlanKind,
    /// The form of the files: geojson (five .geojson files), shp (five
    /// Shapefiles), gpkg (county.gpkg, one layer per input) or xlsx
    /// (households.xlsx with Chinese headers, the rest as GeoJSON).
    #[arg(long, value_enum, value_name = "FORM", default_value_t = gridplan::synth::SynthFormat::Geojson)]
    pub(crate) format: gridplan::synth::SynthFormat,
    /// The text encoding of the Shapefiles' .dbf: utf8 (with a .cpg) or
    /// gbk (without one, as Chinese desktop GIS writes them).
    #[arg(long, value_enum, value_name = "ENCODING", default_value_t = gridplan::synth::TextEncoding::Utf8)]
    pub(crate) encoding: gridplan::synth::TextEncoding,
    /// The coordinate system of the written layers: wgs84, cgcs2000,
    /// gcj02 or EPSG:n (EPSG:4528 writes CGCS2000 Gauss-Krüger metres, as
    /// a natural-resources bureau hands them out). Declared in the .prj,
    /// the GeoPackage srs or a GeoJSON crs member.
    #[arg(long, default_value = config::CRS_ARG, value_parser = parse_crs)]
    pub(crate) crs: Crs,
    /// The coordinate system of the household points, when it differs
    /// from --crs: gcj02 writes them as Amap geocoding returns them.
    #[arg(long, value_parser = parse_crs)]
    pub(crate) households_crs: Option<Crs>,
    /// Output folder.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Replace input files already in --out (without it, synth refuses to
    /// overwrite any file it would write).
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Output folder.
    #[arg(long, default_value = "gridplan-demo")]
    pub(crate) out: PathBuf,
    /// The effective date of every grid, YYYY-MM-DD [default: today,
    /// local time].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = config::parse_effective_date)]
    pub(crate) effective_date: Option<jiff::civil::Date>,
}

/// Grid counts of a re-allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Counts {
    /// Keep the county total; spend it where the ceiling says most lineage
    /// can be kept, holding 87 % of grids in the household band.
    Lineage,
    /// The counts of --target / --grids alone.
    Target,
}

/// A finite number > 0 (`--target`, `--targets`, `--micro-target`,
/// `--scale`). clap names the flag in front of the message.
fn parse_positive(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        Ok(x) => Err(format!("must be a finite number > 0, got {x}")),
        Err(e) => Err(format!("expected a number > 0: {e}")),
    }
}

/// A whole number >= 1 (`--grids`).
fn parse_count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<i128>() {
        Ok(k) if k >= 1 => usize::try_from(k).map_err(|_| format!("{k} is too large")),
        Ok(k) => Err(format!("must be a whole number >= 1, got {k}")),
        Err(e) => Err(format!("expected a whole number >= 1: {e}")),
    }
}

fn parse_band(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("expected MIN,MAX, got {s:?}"))?;
    let a: f64 = a
        .trim()
        .parse()
        .map_err(|e| format!("band MIN {a:?}: {e}"))?;
    let b: f64 = b
        .trim()
        .parse()
        .map_err(|e| format!("band MAX {b:?}: {e}"))?;
    if !(a > 0.0 && a <= b && b.is_finite()) {
        return Err(format!("expected 0 < MIN <= MAX, got {a},{b}"));
    }
    Ok((a, b))
}

/// The measures of `--balance` (a newtype, so clap takes the list as one
/// value).
#[derive(Clone, Debug)]
pub(crate) struct BalanceArg(Vec<BalanceMeasure>);

fn parse_balance(s: &str) -> Result<BalanceArg, String> {
    gridplan::input::workload::parse_balance(s).map(BalanceArg)
}

/// The kinds of `--hard-barriers` (a newtype, so clap takes the list as
/// one value).
#[derive(Clone, Debug)]
pub(crate) struct HardBarriers(Vec<BarrierKind>);

fn parse_hard_barriers(s: &str) -> Result<HardBarriers, String> {
    gridplan::input::read::parse_kind_list(s).map(HardBarriers)
}

fn parse_crs(s: &str) -> Result<Crs, String> {
    Crs::parse(s).ok_or_else(|| {
        format!(
            "expected wgs84, cgcs2000, gcj02 or EPSG:n with a code proj4rs supports (e.g. EPSG:4528), got {s:?}"
        )
    })
}

/// Runs `f` on `threads` worker threads (all cores when `None`).
pub(crate) fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T> + Send,
) -> Result<T> {
    match threads {
        None => f(),
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .context("cannot start the worker threads")?
            .install(f),
    }
}

/// The first value given twice, if any.
fn duplicate(xs: &[f64]) -> Option<f64> {
    xs.iter()
        .enumerate()
        .find(|(i, x)| xs[..*i].contains(x))
        .map(|(_, &x)| x)
}

impl Common {
    /// The inputs of these options, with the plan's zones, locks and
    /// measures.
    fn inputs(
        &self,
        dedicated: Option<PathBuf>,
        lock: Option<PathBuf>,
        lock_villages: Vec<String>,
        balance: Option<BalanceArg>,
    ) -> Inputs {
        Inputs {
            households: self.households.clone(),
            boundaries: self.boundaries.clone(),
            crs: InputCrs {
                households: self.input_crs,
                boundaries: self.boundaries_crs,
            },
            snap_distance: self.snap_distance,
            weights: self.config.clone(),
            dedicated,
            lock,
            lock_villages,
            balance: balance.map(|b| b.0).unwrap_or_default(),
            barriers: self.barriers.clone(),
            compounds: self.compounds.clone(),
            hard_barriers: self.hard_barriers.clone().map(|h| h.0),
            layer: self.layer.clone(),
            codes: if self.free_codes {
                CodeRule::Free
            } else {
                CodeRule::Standard
            },
        }
    }

    /// The partition configuration of these options with `plan`'s.
    fn partition_config(&self, plan: PlanOpts, out: PathBuf, sizing: Sizing) -> PartitionConfig {
        let mut cfg = PartitionConfig::new(
            self.households.clone(),
            self.boundaries.clone(),
            out,
            sizing,
        );
        cfg.inputs = self.inputs(plan.dedicated, plan.lock, plan.lock_village, plan.balance);
        cfg.band = self.band;
        cfg.tolerance = self.tolerance;
        cfg.seed = self.seed;
        cfg.micro = MicroParams {
            target: plan.micro_target,
            band: self.micro_band,
            ..MicroParams::default()
        };
        cfg.progress = true;
        cfg.stability = plan.stability;
        cfg.barrier_weight = plan.barrier_weight;
        cfg.lineage_counts = plan.counts == Counts::Lineage;
        cfg
    }
}

impl PartitionArgs {
    /// The configuration of `gridplan partition`.
    pub(crate) fn config(self) -> Result<PartitionConfig> {
        let sizing = match (self.target, self.grids) {
            (Some(t), None) => Sizing::Target(t),
            (None, Some(k)) => Sizing::Total(k),
            _ => bail!("give exactly one of --target and --grids"),
        };
        let mut cfg = self.common.partition_config(self.plan, self.out, sizing);
        cfg.output_crs = self.output_crs;
        cfg.formats =
            Format::parse_list(&self.format).map_err(|e| anyhow::anyhow!("--format: {e}"))?;
        if let Some(d) = self.effective_date {
            cfg.effective_date = d;
        }
        Ok(cfg)
    }
}

impl ScenariosArgs {
    /// The configuration of `gridplan scenarios`.
    pub(crate) fn config(self) -> Result<ScenariosConfig> {
        let grids: Vec<f64> = self.grids.iter().map(|&k| k as f64).collect();
        if let Some(d) = duplicate(&self.targets).or_else(|| duplicate(&grids)) {
            bail!("the scenarios list {d} twice");
        }
        let sizings: Vec<Sizing> = if self.grids.is_empty() {
            self.targets.iter().map(|&t| Sizing::Target(t)).collect()
        } else {
            self.grids.iter().map(|&k| Sizing::Total(k)).collect()
        };
        let base = self
            .common
            .partition_config(self.plan, self.out, sizings[0].clone());
        Ok(ScenariosConfig { base, sizings })
    }
}

impl MetricsArgs {
    /// The configuration of `gridplan metrics`.
    pub(crate) fn config(&self) -> MetricsConfig {
        let c = &self.common;
        let mut cfg = MetricsConfig::new(
            c.households.clone(),
            c.boundaries.clone(),
            self.assignment.clone(),
        );
        cfg.inputs = c.inputs(
            self.dedicated.clone(),
            self.lock.clone(),
            self.lock_village.clone(),
            self.balance.clone(),
        );
        cfg.band = c.band;
        cfg.tolerance = c.tolerance;
        cfg.seed = c.seed;
        cfg.micro_band = c.micro_band;
        cfg
    }
}

impl DemoArgs {
    /// The configuration of `gridplan demo`: the bundled sample county at
    /// the demo target, with its zones, barriers and compounds, every map
    /// format, the roster and progress.
    pub(crate) fn config(self) -> PartitionConfig {
        let data = demo_data();
        let mut cfg = PartitionConfig::new(
            data.join("households.geojson"),
            data.join("boundaries.geojson"),
            self.out,
            Sizing::Target(DEMO_TARGET),
        )
        .with_dedicated(data.join("zones.geojson"))
        .with_barriers(data.join("barriers.geojson"))
        .with_compounds(data.join("compounds.geojson"));
        cfg.formats = vec![
            Format::GeoJson,
            Format::Shapefile,
            Format::GeoPackage,
            Format::Xlsx,
        ];
        if let Some(d) = self.effective_date {
            cfg.effective_date = d;
        }
        cfg.progress = true;
        cfg
    }
}

/// The bundled sample county: beside the sources when built from them,
/// else `data/sample` under the working folder.
fn demo_data() -> PathBuf {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join("sample");
    if bundled.exists() {
        bundled
    } else {
        PathBuf::from("data/sample")
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }

    fn partition(extra: &[&str]) -> Result<PartitionConfig, String> {
        let mut args = vec![
            "gridplan",
            "partition",
            "--households",
            "h.geojson",
            "--boundaries",
            "b.geojson",
            "--target",
            "400",
            "--out",
            "out",
        ];
        args.extend_from_slice(extra);
        match Cli::try_parse_from(args)
            .map_err(|e| e.to_string())?
            .command
        {
            Command::Partition(p) => p.config().map_err(|e| e.to_string()),
            other => Err(format!("parsed as {other:?}")),
        }
    }

    #[test]
    fn negative_and_zero_numbers_name_their_flag() {
        for (flag, args) in [
            ("--target", vec!["--target=-5"]),
            ("--target", vec!["--target", "-5"]),
            ("--target", vec!["--target", "0"]),
            ("--target", vec!["--target", "NaN"]),
            ("--micro-target", vec!["--micro-target", "-1"]),
        ] {
            let mut full = vec![
                "gridplan",
                "partition",
                "--households",
                "h",
                "--boundaries",
                "b",
                "--out",
                "o",
            ];
            if flag != "--target" {
                full.extend(["--target", "400"]);
            }
            full.extend(args.iter().copied());
            let e = Cli::try_parse_from(&full).unwrap_err().to_string();
            assert!(e.contains(flag) && e.contains("> 0"), "{args:?}: {e}");
        }
        for grids in ["--grids=-3", "--grids=0"] {
            let e = Cli::try_parse_from([
                "gridplan",
                "partition",
                "--households",
                "h",
                "--boundaries",
                "b",
                "--out",
                "o",
                grids,
            ])
            .unwrap_err()
            .to_string();
            assert!(e.contains("--grids") && e.contains(">= 1"), "{e}");
        }
        // A negative tolerance reaches the check, which names it.
        let e = partition(&["--tolerance", "-0.1"])
            .unwrap()
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("--tolerance"), "{e}");
        assert_eq!(
            partition(&["--free-codes"]).unwrap().inputs.codes,
            CodeRule::Free
        );
        assert_eq!(partition(&[]).unwrap().inputs.codes, CodeRule::Standard);
    }

    #[test]
    fn effective_date_and_the_roster_format_reach_the_configuration() {
        let cfg = partition(&["--effective-date", "2024-06-30", "--format", "gpkg,xlsx"]).unwrap();
        assert_eq!(cfg.effective_date.to_string(), "2024-06-30");
        assert_eq!(cfg.formats, [Format::GeoPackage, Format::Xlsx]);
        // Without the flag, today.
        assert_eq!(partition(&[]).unwrap().effective_date, config::today());
        for bad in ["2024-02-30", "2024-6-30", "30/06/2024"] {
            let e = partition(&["--effective-date", bad]).unwrap_err();
            assert!(e.contains("--effective-date"), "{e}");
        }
    }

    #[test]
    fn ground_options_reach_the_configuration() {
        let cfg = partition(&[]).unwrap();
        assert_eq!(cfg.inputs.barriers, None);
        assert_eq!(cfg.inputs.compounds, None);
        assert_eq!(cfg.inputs.hard_barriers, None);
        assert_eq!(cfg.inputs.hard_kinds(), BarrierKind::HARD_BY_DEFAULT);
        assert!((cfg.barrier_weight - config::BARRIER_WEIGHT).abs() < f64::EPSILON);
        let cfg = partition(&[
            "--barriers",
            "bar.geojson",
            "--compounds",
            "cmp.geojson",
            "--hard-barriers",
            "railway,河,secondary,rail",
            "--barrier-weight",
            "2.5",
        ])
        .unwrap();
        assert_eq!(cfg.inputs.barriers, Some(PathBuf::from("bar.geojson")));
        assert_eq!(cfg.inputs.compounds, Some(PathBuf::from("cmp.geojson")));
        assert_eq!(
            cfg.inputs.hard_kinds(),
            [
                BarrierKind::Secondary,
                BarrierKind::Railway,
                BarrierKind::River
            ]
        );
        assert!((cfg.barrier_weight - 2.5).abs() < f64::EPSILON);
        assert!(cfg.check().is_ok());
        let cfg = partition(&["--barriers", "bar.geojson", "--hard-barriers", "none"]).unwrap();
        assert_eq!(cfg.inputs.hard_kinds(), []);
    }

    #[test]
    fn unknown_hard_barrier_kinds_are_refused() {
        let e = partition(&["--barriers", "b", "--hard-barriers", "river,footway"]).unwrap_err();
        assert!(
            e.contains("unknown barrier kind \"footway\"; accepted: motorway, trunk,"),
            "{e}"
        );
        assert!(e.contains("--hard-barriers"), "{e}");
        // Without --barriers the list would do nothing.
        let e = partition(&["--hard-barriers", "river"])
            .unwrap()
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("no --barriers file"), "{e}");
        let e = partition(&["--barrier-weight=-1"])
            .unwrap()
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("--barrier-weight must be"), "{e}");
    }

    #[test]
    fn metrics_and_scenarios_take_the_ground_too() {
        let cli = Cli::try_parse_from([
            "gridplan",
            "metrics",
            "--households",
            "h",
            "--boundaries",
            "b",
            "--assignment",
            "a.csv",
            "--barriers",
            "bar",
            "--compounds",
            "cmp",
            "--hard-barriers",
            "canal",
        ])
        .unwrap();
        let Command::Metrics(m) = cli.command else {
            panic!("not metrics")
        };
        let cfg = m.config();
        assert_eq!(cfg.inputs.barriers, Some(PathBuf::from("bar")));
        assert_eq!(cfg.inputs.compounds, Some(PathBuf::from("cmp")));
        assert_eq!(cfg.inputs.hard_kinds(), [BarrierKind::Canal]);
        let cli = Cli::try_parse_from([
            "gridplan",
            "scenarios",
            "--households",
            "h",
            "--boundaries",
            "b",
            "--targets",
            "300,400",
            "--out",
            "o",
            "--barriers",
            "bar",
            "--barrier-weight",
            "0",
        ])
        .unwrap();
        let Command::Scenarios(s) = cli.command else {
            panic!("not scenarios")
        };
        let cfg = s.config().unwrap();
        assert_eq!(cfg.base.inputs.barriers, Some(PathBuf::from("bar")));
        assert!(cfg.base.barrier_weight.abs() < f64::EPSILON);
        assert!(cfg.check().is_ok());
    }

    #[test]
    fn help_states_the_default_hard_kinds_and_every_kind() {
        let mut cmd = Cli::command();
        let help = cmd
            .find_subcommand_mut("partition")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(help.contains(config::HARD_BARRIERS_ARG), "{help}");
        assert_eq!(
            gridplan::input::read::parse_kind_list(config::HARD_BARRIERS_ARG).unwrap(),
            {
                let mut v = BarrierKind::HARD_BY_DEFAULT.to_vec();
                v.sort_unstable();
                v
            }
        );
        for k in BarrierKind::ALL {
            assert!(help.contains(k.as_str()), "{k:?}");
        }
        assert!(help.contains("支路"), "{help}");
    }
}
