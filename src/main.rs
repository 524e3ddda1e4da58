//! The `gridplan` command line: parse, call the library, print the error
//! chain once. The options and their conversion into the library's
//! configuration are in [`cli`].

mod cli;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use gridplan::config::PartitionConfig;
use gridplan::pipeline;

use cli::{Cli, Command, with_threads};

fn run_partition(cfg: &PartitionConfig, threads: Option<usize>) -> Result<()> {
    let outcome = with_threads(threads, || Ok(pipeline::partition(cfg)?))?;
    for note in &outcome.report.input_notes {
        eprintln!("gridplan: note: {note}");
    }
    println!("{}", outcome.report.metrics.summary_table().trim_end());
    for w in outcome.report.warnings() {
        eprintln!("gridplan: warning: {w}");
    }
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

fn run() -> Result<()> {
    match Cli::parse().command {
        Command::Partition(a) => {
            let threads = a.common.threads;
            run_partition(&a.config()?, threads)
        }
        Command::Scenarios(a) => {
            let threads = a.common.threads;
            let cfg = a.config()?;
            let outcome = with_threads(threads, || Ok(pipeline::scenarios(&cfg)?))?;
            let (band, tolerance) = (cfg.base.band, cfg.base.tolerance);
            let table = gridplan::output::scenarios::markdown(&outcome.rows, band, tolerance);
            println!("{}", table.trim_end());
            eprintln!("{}", outcome.timings.line());
            eprintln!(
                "wrote scenarios.csv, scenarios.md, scenarios.svg and report.html into {}",
                cfg.base.out.display()
            );
            Ok(())
        }
        Command::Metrics(a) => {
            let cfg = a.config();
            let (report, timings) =
                with_threads(a.common.threads, || Ok(pipeline::metrics(&cfg)?))?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{}", report.metrics.summary_table().trim_end());
            }
            for w in report.warnings() {
                eprintln!("gridplan: warning: {w}");
            }
            eprintln!("{}", timings.line());
            Ok(())
        }
        Command::Synth(a) => {
            gridplan::synth::check_overwrite(&a.out, a.format, a.force)?;
            let county = gridplan::synth::generate(&gridplan::synth::SynthParams {
                scale: a.scale,
                seed: a.seed,
                current_plan: a.current_plan,
            })?;
            let crs = gridplan::synth::FormCrs {
                layers: a.crs,
                households: a.households_crs.unwrap_or(a.crs),
            };
            let files = gridplan::synth::write_as_in(&county, &a.out, a.format, a.encoding, crs)?;
            eprintln!("wrote {} into {}", files.join(", "), a.out.display());
            Ok(())
        }
        Command::Demo(a) => run_partition(&a.config(), None),
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
