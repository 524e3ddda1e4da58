//! The files of a run: `partition`'s assignment.csv, metrics.json,
//! report.html, transition.csv, map layers and roster (grids.xlsx), and
//! `scenarios`' tables,
//! chart and page. Everything is staged first and renamed together
//! ([`write`](mod@super::write)), and no output may overwrite an input.
//! Each run leaves a manifest of its files, `.gridplan-manifest`, and
//! removes the files of the previous run's manifest it did not write
//! again ([`write::commit_run`]), so no stale layer survives.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::{PartitionConfig, Sizing};
use crate::error::Error;
use crate::input::crs::Crs;
use crate::input::prepare::County;
use crate::metrics;
use crate::model::Household;
use crate::model::report::Report;
use crate::output::export::{self, Format};
use crate::output::maps::{GRID_FIELDS, MICRO_FIELDS, Maps};
use crate::output::report;
use crate::output::scenarios::{self, ScenarioRow};
use crate::output::write;
use crate::output::xlsx;

/// What `partition` writes, beside the maps.
pub(crate) struct PlanFiles<'a> {
    /// The households, in input order.
    pub households: &'a [Household],
    /// Each household's grid code.
    pub grid_of: &'a [String],
    /// Each household's micro-grid code.
    pub micro_of: &'a [String],
    /// metrics.json.
    pub report: &'a Report,
    /// report.html.
    pub report_html: &'a str,
}

/// Writes every file of a `partition` run into `cfg.out`.
///
/// # Errors
/// An output that would overwrite an input, or a write failure; the
/// previous run's files are then left as they were.
pub(crate) fn write_outputs(
    cfg: &PartitionConfig,
    files: &PlanFiles,
    maps: &Maps,
) -> Result<(), Error> {
    write::ensure_dir(&cfg.out)?;
    let inputs = cfg.inputs.files();
    let out = &cfg.out;
    let mut dests = destinations(out, &cfg.formats);
    let transition = files.report.metrics.transition.as_ref().map(|t| {
        dests.push(out.join("transition.csv"));
        metrics::transition_csv(t)
    });
    for p in &dests {
        write::check_not_input(p, &inputs)?;
    }
    // Stage everything, then rename everything: a failure part-way leaves
    // the previous run's files as they were.
    let mut staged = vec![
        write::stage(&dests[0], |w| {
            write_assignment(w, files.households, files.grid_of, files.micro_of)
        })?,
        write::stage(&dests[1], |w| {
            serde_json::to_writer_pretty(&mut *w, files.report).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })?,
        write::stage(&dests[2], |w| w.write_all(files.report_html.as_bytes()))?,
    ];
    if let Some(text) = &transition {
        let dest = out.join("transition.csv");
        staged.push(write::stage(&dest, |w| w.write_all(text.as_bytes()))?);
    }
    stage_maps(cfg, maps, &mut staged)?;
    if cfg.formats.contains(&Format::Xlsx) {
        let date = cfg.effective_date.to_string();
        let roster = xlsx::Roster {
            grids: &maps.grids,
            micro: &maps.micro,
            transition: files.report.metrics.transition.as_ref(),
            effective_date: &date,
        };
        staged.push(xlsx::stage_xlsx(&out.join("grids.xlsx"), &roster)?);
    }
    write::commit_run(out, staged, &inputs)?;
    // A transition.csv left by an earlier re-allocation would describe a
    // plan that is no longer there (also from a run before manifests).
    if transition.is_none() {
        remove_stale(&out.join("transition.csv"), &inputs)?;
    }
    Ok(())
}

/// Every file `partition` writes, the three fixed ones first.
fn destinations(out: &Path, formats: &[Format]) -> Vec<PathBuf> {
    let mut dests = vec![
        out.join("assignment.csv"),
        out.join("metrics.json"),
        out.join("report.html"),
    ];
    for f in formats {
        match f {
            Format::GeoJson => {
                dests.push(out.join("grids.geojson"));
                dests.push(out.join("micro_grids.geojson"));
            }
            Format::Shapefile => {
                for layer in ["grids", "micro_grids"] {
                    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
                        dests.push(out.join(format!("{layer}.{ext}")));
                    }
                }
            }
            Format::GeoPackage => dests.push(out.join("gridplan.gpkg")),
            Format::Xlsx => dests.push(out.join("grids.xlsx")),
        }
    }
    dests
}

/// Stages the grid and micro-grid layers in every format asked for.
fn stage_maps(
    cfg: &PartitionConfig,
    maps: &Maps,
    staged: &mut Vec<write::Staged>,
) -> Result<(), Error> {
    let out = &cfg.out;
    let crs = crs_info(cfg.output_crs);
    let grid_layer = export::Layer {
        name: "grids",
        fields: GRID_FIELDS,
        features: &maps.grids,
    };
    let micro_layer = export::Layer {
        name: "micro_grids",
        fields: MICRO_FIELDS,
        features: &maps.micro,
    };
    for f in &cfg.formats {
        match f {
            Format::GeoJson => {
                staged.push(export::stage_geojson(out, &grid_layer, &crs)?);
                staged.push(export::stage_geojson(out, &micro_layer, &crs)?);
            }
            Format::Shapefile => {
                staged.extend(export::stage_shapefile(out, &grid_layer, &crs)?);
                staged.extend(export::stage_shapefile(out, &micro_layer, &crs)?);
            }
            Format::GeoPackage => {
                staged.push(export::stage_gpkg(
                    &out.join("gridplan.gpkg"),
                    &[grid_layer, micro_layer],
                    &crs,
                )?);
            }
            // The roster is staged by write_outputs: it needs the
            // transition too.
            Format::Xlsx => {}
        }
    }
    Ok(())
}

/// Removes a file an earlier run left that no longer belongs (never an
/// input).
fn remove_stale(stale: &Path, inputs: &[&Path]) -> Result<(), Error> {
    if stale.is_file() && write::check_not_input(stale, inputs).is_ok() {
        std::fs::remove_file(stale).map_err(|source| {
            Error::Write(write::WriteError::Io {
                path: stale.to_path_buf(),
                source,
            })
        })?;
    }
    Ok(())
}

/// The export description of a coordinate system.
fn crs_info(c: Crs) -> export::CrsInfo {
    match c {
        Crs::Wgs84 => export::CrsInfo::WGS84,
        Crs::Cgcs2000 => export::CrsInfo::CGCS2000,
        Crs::Gcj02 => export::CrsInfo::GCJ02,
        // The EPSG database's OGC WKT 1 serves both the `.prj` (GDAL, QGIS
        // and ArcGIS read it) and the GeoPackage, which requires OGC WKT.
        Crs::Epsg(e) => export::CrsInfo {
            name: e.name(),
            epsg: Some(u32::from(e.code())),
            wkt: e.wkt(),
            ogc_wkt: e.wkt(),
        },
    }
}

/// report.html of a `partition` run.
pub(crate) fn render_report(
    cfg: &PartitionConfig,
    report: &Report,
    maps: &Maps,
    county: &County,
) -> String {
    let county_code = county
        .villages
        .first()
        .map_or(String::new(), |v| v.code.chars().take(6).collect());
    let target = match cfg.sizing {
        Sizing::Target(t) => format!("target {t}"),
        Sizing::Total(k) => format!("{k} grids"),
    };
    let title = format!("Grid plan of county {county_code} — {target}");
    report::render(&report::ReportInput {
        title: &title,
        shapes: &maps.shapes,
        report,
        band: cfg.band,
        grid_loads: &maps.grid_loads,
        links: maps.links.as_ref(),
    })
}

/// Writes assignment.csv: `id,grid,micro_grid`, one row per household in
/// input order.
fn write_assignment(
    w: &mut dyn Write,
    households: &[Household],
    grid_of: &[String],
    micro_of: &[String],
) -> std::io::Result<()> {
    let mut cw = csv::Writer::from_writer(w);
    cw.write_record(["id", "grid", "micro_grid"])?;
    for ((h, g), m) in households.iter().zip(grid_of).zip(micro_of) {
        cw.write_record([h.id.as_str(), g.as_str(), m.as_str()])?;
    }
    cw.flush()?;
    Ok(())
}

/// Writes the scenario tables, chart and report, staged and renamed
/// together.
///
/// # Errors
/// An output that would overwrite an input, or a write failure.
pub(crate) fn write_scenarios(base: &PartitionConfig, rows: &[ScenarioRow]) -> Result<(), Error> {
    write::ensure_dir(&base.out)?;
    let inputs = base.inputs.files();
    let csv_text = scenarios::csv(rows).map_err(|e| Error::Parameter(e.to_string()))?;
    let md = scenarios::markdown(rows, base.band, base.tolerance);
    let svg = scenarios::svg_chart_with(rows, base.band, base.tolerance);
    let title = format!(
        "gridplan scenarios: {}",
        base.inputs
            .households
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
    );
    let html = scenarios::html_page(rows, base.band, base.tolerance, &title);
    let files: [(&str, &[u8]); 4] = [
        ("scenarios.csv", csv_text.as_bytes()),
        ("scenarios.md", md.as_bytes()),
        ("scenarios.svg", svg.as_bytes()),
        ("report.html", html.as_bytes()),
    ];
    let mut staged = Vec::new();
    for (name, bytes) in files {
        let dest = base.out.join(name);
        write::check_not_input(&dest, &inputs)?;
        staged.push(write::stage(&dest, |w| w.write_all(bytes))?);
    }
    write::commit_run(&base.out, staged, &inputs)?;
    Ok(())
}
