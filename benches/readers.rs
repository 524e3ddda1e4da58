//! Reading the scale-1.0 synthetic county (510 villages, about 120,000
//! household points) from each input form: GeoJSON, Shapefile (UTF-8 and
//! GBK without `.cpg`), GeoPackage, and the households from XLSX. The bar
//! of issue 12: Shapefile and GeoPackage cost no more than twice GeoJSON.
//!
//! The county is generated in code and written once into a temporary
//! folder (no data is committed). Run with `cargo bench --bench readers`;
//! the figures and the machine are recorded in BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gridplan::input::read::{ReadOptions, read_boundaries_with, read_households_with};
use gridplan::synth::{SynthFormat, TextEncoding, write_as};

fn main() {
    divan::main();
}

/// The folder holding the county in every form: `geojson/`, `shp/`,
/// `gbk/`, `gpkg/`, `xlsx/`.
fn county() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let c = gridplan::synth::generate(&gridplan::synth::SynthParams::default()).expect("synth");
        for (sub, form, enc) in [
            ("geojson", SynthFormat::Geojson, TextEncoding::Utf8),
            ("shp", SynthFormat::Shp, TextEncoding::Utf8),
            ("gbk", SynthFormat::Shp, TextEncoding::Gbk),
            ("gpkg", SynthFormat::Gpkg, TextEncoding::Utf8),
            ("xlsx", SynthFormat::Xlsx, TextEncoding::Utf8),
        ] {
            write_as(&c, &dir.join(sub), form, enc).expect("write");
        }
        dir
    })
}

/// The households and boundaries paths of a form.
fn paths(form: &str) -> (PathBuf, PathBuf) {
    let d = county().join(form);
    match form {
        "geojson" => (d.join("households.geojson"), d.join("boundaries.geojson")),
        "gpkg" => {
            let g = d.join("county.gpkg").display().to_string();
            (
                PathBuf::from(format!("{g}:households")),
                PathBuf::from(format!("{g}:boundaries")),
            )
        }
        "xlsx" => (d.join("households.xlsx"), d.join("boundaries.geojson")),
        _ => (d.join("households.shp"), d.join("boundaries.shp")),
    }
}

/// The 120,000 household points.
#[divan::bench(args = ["geojson", "shp", "gbk", "gpkg", "xlsx"], sample_count = 5, sample_size = 1)]
fn households(bencher: divan::Bencher, form: &str) {
    let (h, _) = paths(form);
    let opts = ReadOptions::default();
    bencher.bench(|| read_households_with(&h, &opts).expect("read").value.len());
}

/// The 534 boundaries (county, towns, villages).
#[divan::bench(args = ["geojson", "shp", "gbk", "gpkg"], sample_count = 5, sample_size = 1)]
fn boundaries(bencher: divan::Bencher, form: &str) {
    let (_, b) = paths(form);
    let opts = ReadOptions::default();
    bencher.bench(|| read_boundaries_with(&b, &opts).expect("read").value.len());
}
