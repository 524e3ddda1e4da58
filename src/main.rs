//! The `gridplan` command line: parse, call the library, print the error
//! chain once.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use gridplan::engine::micro::MicroParams;
use gridplan::input::crs::Crs;
use gridplan::input::workload::BalanceMeasure;
use gridplan::output::export::Format;
use gridplan::pipeline::InputCrs;
use gridplan::pipeline::{self, MetricsConfig, PartitionConfig, ScenariosConfig, Sizing};

/// Balanced, compact, contiguous community-governance grids from household
/// points.
#[derive(Debug, Parser)]
#[command(name = "gridplan", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Partition every village into full-scope grids and write
    /// assignment.csv and metrics.json into --out.
    Partition(PartitionArgs),
    /// Compare staffing scenarios (several targets or grid totals) side by
    /// side: scenarios.csv, scenarios.md, scenarios.svg and report.html.
    Scenarios(ScenariosArgs),
    /// Compute the metrics of any assignment.csv (ours or another tool's).
    Metrics(MetricsArgs),
    /// Write a synthetic county (households, boundaries, zones).
    Synth(SynthArgs),
    /// Partition the bundled sample county into ./gridplan-demo.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
struct Common {
    /// Household points (GeoJSON FeatureCollection of Points).
    #[arg(long)]
    households: PathBuf,
    /// Administrative boundaries (GeoJSON FeatureCollection of Polygons).
    #[arg(long)]
    boundaries: PathBuf,
    /// Household band per grid, MIN,MAX.
    #[arg(long, default_value = "300,500", value_parser = parse_band)]
    band: (f64, f64),
    /// Allowed relative deviation of a grid's load from its village mean.
    #[arg(long, default_value_t = 0.10)]
    tolerance: f64,
    /// Seed of every random choice; the same seed gives the same output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Place points up to this many metres outside a village in the
    /// nearest one (and keep declared villages within it) instead of
    /// refusing them.
    #[arg(long, value_name = "METRES")]
    snap_distance: Option<f64>,
    /// Workload weights (TOML with a [weights] table).
    #[arg(long, value_name = "weights.toml")]
    config: Option<PathBuf>,
    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Household band per micro-grid, MIN,MAX.
    #[arg(long, default_value = "20,80", value_parser = parse_band)]
    micro_band: (f64, f64),
    /// Coordinate system of the household points: wgs84, cgcs2000 or gcj02
    /// (Amap/Tencent geocoding).
    #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
    input_crs: Crs,
    /// Coordinate system of the boundaries and dedicated zones.
    #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
    boundaries_crs: Crs,
}

/// Options shared by `partition` and `scenarios`.
#[derive(Debug, Args)]
struct PlanOpts {
    /// Mean households per micro-grid.
    #[arg(long, default_value_t = 50.0)]
    micro_target: f64,
    /// Dedicated premises zones (GeoJSON Polygons with code, name, kind):
    /// their households get dedicated grids numbered from 901.
    #[arg(long, value_name = "zones.geojson")]
    dedicated: Option<PathBuf>,
    /// Weight λ of keeping households in the successors of their current
    /// grid (used when households carry `grid`; 0 draws afresh). Leaving
    /// one's lineage costs λ times a typical grid's squared spread.
    #[arg(long, default_value_t = pipeline::DEFAULT_STABILITY, value_name = "W")]
    stability: f64,
    /// A file of current grid codes (one per line) to keep exactly as they are.
    #[arg(long, value_name = "FILE")]
    lock: Option<PathBuf>,
    /// Keep every current grid of these villages (comma-separated codes).
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    lock_village: Vec<String>,
    /// How a re-allocation chooses each village's grid count: `lineage`
    /// (the county total of the target, spent where current grids split
    /// cleanly) or `target` (the target's own counts).
    #[arg(long, value_enum, default_value_t = Counts::Lineage)]
    counts: Counts,
    /// Balance several measures at once, each with its own tolerance, e.g.
    /// `households,population:0.15` (measures: load, households,
    /// population; the first sets the grid counts).
    #[arg(long, value_parser = parse_balance, value_name = "MEASURES")]
    balance: Option<BalanceArg>,
}

#[derive(Debug, Args)]
struct PartitionArgs {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    plan: PlanOpts,
    /// Mean load per full-scope grid.
    #[arg(long, conflicts_with = "grids", required_unless_present = "grids")]
    target: Option<f64>,
    /// Fix the county's total number of full-scope grids instead.
    #[arg(long)]
    grids: Option<usize>,
    /// Coordinate system of the exported maps: wgs84 (RFC 7946), gcj02 for
    /// Amap-based platforms, or cgcs2000.
    #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
    output_crs: Crs,
    /// Map formats: any of geojson, shp, gpkg, comma-separated.
    #[arg(long, default_value = "geojson")]
    format: String,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct ScenariosArgs {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    plan: PlanOpts,
    /// Mean loads per full-scope grid to compare, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        conflicts_with = "grids",
        required_unless_present = "grids"
    )]
    targets: Vec<f64>,
    /// County totals of full-scope grids to compare, comma-separated.
    #[arg(long, value_delimiter = ',')]
    grids: Vec<usize>,
    /// Output folder for scenarios.csv, scenarios.md, scenarios.svg and report.html.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct MetricsArgs {
    #[command(flatten)]
    common: Common,
    /// The assignment to evaluate: CSV with columns id and grid.
    #[arg(long)]
    assignment: PathBuf,
    /// Print metrics.json to stdout instead of the summary table.
    #[arg(long)]
    json: bool,
    /// The dedicated zones the plan was made with: their households count
    /// in the village their zone was given to.
    #[arg(long, value_name = "zones.geojson")]
    dedicated: Option<PathBuf>,
    /// The lock file the plan was made with: locked grids are left out of
    /// the balance figures, as `partition` does.
    #[arg(long, value_name = "FILE")]
    lock: Option<PathBuf>,
    /// The locked villages the plan was made with.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    lock_village: Vec<String>,
    /// The measures the plan balanced (as given to `partition`).
    #[arg(long, value_parser = parse_balance, value_name = "MEASURES")]
    balance: Option<BalanceArg>,
}

#[derive(Debug, Args)]
struct SynthArgs {
    /// 1.0 is a Rui'an-sized county: 510 villages, ~550,000 households.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Output folder.
    #[arg(long, default_value = "gridplan-demo")]
    out: PathBuf,
}

/// Grid counts of a re-allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Counts {
    /// Keep the county total; prefer counts that split current grids cleanly.
    Lineage,
    /// The counts of --target / --grids alone.
    Target,
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
struct BalanceArg(Vec<BalanceMeasure>);

fn parse_balance(s: &str) -> Result<BalanceArg, String> {
    gridplan::input::workload::parse_balance(s).map(BalanceArg)
}

fn parse_crs(s: &str) -> Result<Crs, String> {
    Crs::parse(s).ok_or_else(|| format!("expected wgs84, cgcs2000 or gcj02, got {s:?}"))
}

fn with_threads<T: Send>(
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

fn run_partition(cfg: &PartitionConfig, threads: Option<usize>) -> Result<()> {
    let outcome = with_threads(threads, || Ok(pipeline::partition(cfg)?))?;
    println!("{}", outcome.report.metrics.summary_table().trim_end());
    eprintln!("{}", outcome.timings.line());
    let formats: Vec<&str> = cfg.formats.iter().map(|f| f.name()).collect();
    eprintln!(
        "wrote assignment.csv, metrics.json, report.html{} and the maps ({}) into {}",
        if outcome.report.metrics.transition.is_some() {
            ", transition.csv"
        } else {
            ""
        },
        formats.join(", "),
        cfg.out.display()
    );
    Ok(())
}

/// The first value given twice, if any.
fn duplicate(xs: &[f64]) -> Option<f64> {
    xs.iter()
        .enumerate()
        .find(|(i, x)| xs[..*i].contains(x))
        .map(|(_, &x)| x)
}

/// The partition configuration of the command line's options.
fn partition_config(
    common: Common,
    plan: PlanOpts,
    out: PathBuf,
    sizing: Sizing,
    output_crs: Crs,
    format: &str,
) -> Result<PartitionConfig> {
    Ok(PartitionConfig {
        households: common.households,
        boundaries: common.boundaries,
        out,
        sizing,
        band: common.band,
        tolerance: common.tolerance,
        seed: common.seed,
        snap_distance: common.snap_distance,
        weights: common.config,
        micro: MicroParams {
            target: plan.micro_target,
            band: common.micro_band,
            ..MicroParams::default()
        },
        dedicated: plan.dedicated,
        input_crs: InputCrs {
            households: common.input_crs,
            boundaries: common.boundaries_crs,
        },
        output_crs,
        formats: Format::parse_list(format).map_err(|e| anyhow::anyhow!("--format: {e}"))?,
        progress: true,
        stability: plan.stability,
        lock: plan.lock,
        lock_villages: plan.lock_village,
        lineage_counts: plan.counts == Counts::Lineage,
        balance: plan.balance.map(|b| b.0).unwrap_or_default(),
    })
}

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

fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Partition(a) => {
            let sizing = match (a.target, a.grids) {
                (Some(t), None) => Sizing::Target(t),
                (None, Some(k)) => Sizing::Total(k),
                _ => bail!("give exactly one of --target and --grids"),
            };
            let threads = a.common.threads;
            let cfg = partition_config(a.common, a.plan, a.out, sizing, a.output_crs, &a.format)?;
            run_partition(&cfg, threads)
        }
        Command::Scenarios(a) => {
            if let Some(d) = duplicate(&a.targets)
                .or_else(|| duplicate(&a.grids.iter().map(|&k| k as f64).collect::<Vec<_>>()))
            {
                bail!("the scenarios list {d} twice");
            }
            let sizings: Vec<Sizing> = if a.grids.is_empty() {
                a.targets.iter().map(|&t| Sizing::Target(t)).collect()
            } else {
                a.grids.iter().map(|&k| Sizing::Total(k)).collect()
            };
            let threads = a.common.threads;
            let base = partition_config(
                a.common,
                a.plan,
                a.out,
                sizings[0].clone(),
                Crs::Wgs84,
                "geojson",
            )?;
            let cfg = ScenariosConfig { base, sizings };
            let outcome = with_threads(threads, || Ok(pipeline::scenarios(&cfg)?))?;
            println!(
                "{}",
                gridplan::output::scenarios::markdown(
                    &outcome.rows,
                    cfg.base.band,
                    cfg.base.tolerance
                )
                .trim_end()
            );
            eprintln!("{}", outcome.timings.line());
            eprintln!(
                "wrote scenarios.csv, scenarios.md, scenarios.svg and report.html into {}",
                cfg.base.out.display()
            );
            Ok(())
        }
        Command::Metrics(a) => {
            let cfg = MetricsConfig {
                households: a.common.households,
                boundaries: a.common.boundaries,
                assignment: a.assignment,
                band: a.common.band,
                tolerance: a.common.tolerance,
                seed: a.common.seed,
                snap_distance: a.common.snap_distance,
                weights: a.common.config,
                micro_band: a.common.micro_band,
                dedicated: a.dedicated,
                input_crs: InputCrs {
                    households: a.common.input_crs,
                    boundaries: a.common.boundaries_crs,
                },
                lock: a.lock,
                lock_villages: a.lock_village,
                balance: a.balance.map(|b| b.0).unwrap_or_default(),
            };
            let (report, timings) =
                with_threads(a.common.threads, || Ok(pipeline::metrics(&cfg)?))?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{}", report.metrics.summary_table().trim_end());
            }
            eprintln!("{}", timings.line());
            Ok(())
        }
        Command::Synth(a) => {
            let county = gridplan::synth::generate(&gridplan::synth::SynthParams {
                scale: a.scale,
                seed: a.seed,
            })?;
            gridplan::synth::write(&county, &a.out)?;
            eprintln!(
                "wrote households.geojson, boundaries.geojson and zones.geojson into {}",
                a.out.display()
            );
            Ok(())
        }
        Command::Demo(a) => {
            let data = demo_data();
            let cfg = PartitionConfig {
                households: data.join("households.geojson"),
                boundaries: data.join("boundaries.geojson"),
                out: a.out,
                sizing: Sizing::Target(367.0),
                band: (300.0, 500.0),
                tolerance: 0.10,
                seed: 1,
                snap_distance: None,
                weights: None,
                micro: MicroParams::default(),
                dedicated: Some(data.join("zones.geojson")),
                input_crs: InputCrs::default(),
                output_crs: Crs::Wgs84,
                formats: Format::parse_list("geojson,shp,gpkg").unwrap_or_default(),
                progress: true,
                stability: gridplan::pipeline::DEFAULT_STABILITY,
                lock: None,
                lock_villages: Vec::new(),
                lineage_counts: true,
                balance: Vec::new(),
            };
            run_partition(&cfg, None)
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed stdout (e.g. piped into `head`) is not a failure.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("gridplan: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
