//! Which reader a file goes to, and what every reader hands back beside
//! its features: the coordinate system the file declares and the notes a
//! planner should see (the encoding guessed for a `.dbf` or a CSV).
//!
//! # Choosing the reader
//! By the extension, case-insensitively: `.geojson` and `.json` are
//! GeoJSON, `.shp` a Shapefile, `.gpkg` a GeoPackage, `.csv` and `.xlsx`
//! tables of household points. A GeoPackage holds layers and a workbook
//! sheets: `FILE:NAME` picks one for this input (`county.gpkg:villages`),
//! else `--layer NAME` when the file holds several, else the only one.
//! The suffix is split off only when the path as written does not exist,
//! so a file whose name holds a colon still reads.

use std::path::{Path, PathBuf};

use super::columns::ColumnMap;
use super::errors::ReadError;
use super::validate::Frame;
use crate::input::crs::Crs;

/// The coordinate system a file declares about itself, as it declares it.
///
/// Readers return it as found; [`Declared::crs`] turns it into a [`Crs`]
/// where one place (`input::prepare`) decides between it and the
/// command-line flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Declared {
    /// A Shapefile's `.prj` (ESRI or OGC WKT 1), or a GeoPackage
    /// `definition` whose organisation is not EPSG.
    Wkt(String),
    /// An EPSG code: a GeoPackage `srs_id` whose organisation is EPSG.
    Epsg(u32),
}

impl Declared {
    /// The system gridplan knows this to be, when it knows it: any EPSG
    /// code proj4rs runs, and `.prj` text [`Crs::from_prj_wkt`] recognises.
    #[must_use]
    pub fn crs(&self) -> Option<Crs> {
        match self {
            Declared::Epsg(code) => Crs::from_epsg(*code),
            Declared::Wkt(text) => Crs::from_prj_wkt(text),
        }
    }

    /// The declaration as a message quotes it.
    fn describe(&self) -> String {
        match self {
            Declared::Epsg(code) => format!("EPSG:{code}"),
            Declared::Wkt(text) => {
                let short: String = text.chars().take(120).collect();
                if short.len() < text.len() {
                    format!("{short}...")
                } else {
                    short
                }
            }
        }
    }
}

/// What a reader found beside the features.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// The system the file declares, when it declares one.
    pub declared: Option<Declared>,
    /// Notes for the planner, each starting with the file name: the
    /// encoding chosen for text without a `.cpg`, for example.
    pub notes: Vec<String>,
}

impl Found {
    /// The frame positions are read in: the flag wins over the declared
    /// system, which wins over WGS84. A declaration gridplan does not know
    /// is an error unless a flag overrides it, as for a GeoJSON `crs`
    /// member.
    ///
    /// # Errors
    /// [`ReadError::UnknownCrs`] naming `file` and the declaration.
    pub(super) fn frame(&self, file: &str, flag: Option<Crs>) -> Result<Frame, ReadError> {
        let declared = match &self.declared {
            None => None,
            Some(d) => match d.crs() {
                Some(c) => Some(c),
                None if flag.is_some() => None,
                None => {
                    return Err(ReadError::UnknownCrs {
                        file: file.to_owned(),
                        name: d.describe(),
                    });
                }
            },
        };
        Ok(Frame::new(flag, declared))
    }
}

/// The result of a reader: the value and what was found beside it.
#[derive(Clone, Debug)]
pub struct Read<T> {
    /// The households, boundaries, zones, barriers or compounds.
    pub value: T,
    /// The declared system and the notes.
    pub found: Found,
}

/// How to read the inputs: the household column names and the default
/// layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Household fields to column names (`[columns]` of `--config`).
    pub columns: ColumnMap,
    /// `--layer`: the layer (sheet) of any GeoPackage (workbook) input
    /// that holds several, when its path names none.
    pub layer: Option<String>,
    /// The system its positions are in, from `--input-crs` or
    /// `--boundaries-crs`: it wins over what the file declares.
    pub crs: Option<Crs>,
    /// The village codes accepted (`--free-codes`); standard by default.
    pub codes: crate::model::codes::CodeRule,
}

/// A file format of the inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    GeoJson,
    Shapefile,
    GeoPackage,
    Csv,
    Xlsx,
}

/// An input as given: the file and the layer (sheet) it names.
#[derive(Clone, Debug)]
pub(super) struct Source {
    /// The file, without any `:NAME` suffix.
    pub path: PathBuf,
    /// The file as given, for messages.
    pub file: String,
    /// The layer or sheet: the suffix, else `--layer`.
    pub layer: Option<String>,
    pub format: Format,
}

/// The extensions every layer input accepts.
pub(super) const LAYER_EXTENSIONS: &str = ".geojson, .json, .shp or .gpkg";
/// The extensions the households input accepts.
pub(super) const HOUSEHOLD_EXTENSIONS: &str = ".geojson, .json, .shp, .gpkg, .csv or .xlsx";

impl Source {
    /// Splits `path` into the file and its layer and picks the reader.
    ///
    /// # Errors
    /// [`ReadError::UnknownFormat`] for an extension no reader knows.
    pub(super) fn of(
        path: &Path,
        default_layer: Option<&str>,
        expected: &'static str,
    ) -> Result<Self, ReadError> {
        let file = path.display().to_string();
        let (path, named) = split_layer(path);
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let format = match ext.as_str() {
            "geojson" | "json" => Format::GeoJson,
            "shp" => Format::Shapefile,
            "gpkg" => Format::GeoPackage,
            "csv" => Format::Csv,
            "xlsx" => Format::Xlsx,
            _ => return Err(ReadError::UnknownFormat { file, expected }),
        };
        Ok(Self {
            path,
            file,
            layer: named.or_else(|| default_layer.map(str::to_owned)),
            format,
        })
    }
}

/// The records of a layer input that is not GeoJSON.
///
/// # Errors
/// The format's own, and [`ReadError::TableNotLayer`] for a CSV or XLSX
/// file given for `input`.
pub(super) fn layer_records(
    src: &Source,
    input: &'static str,
) -> Result<super::records::Records, ReadError> {
    let table = |format| ReadError::TableNotLayer {
        file: src.file.clone(),
        format,
        input,
    };
    match src.format {
        Format::Shapefile => super::shp::read(src),
        Format::GeoPackage => super::gpkg::read(src),
        Format::Csv => Err(table("CSV")),
        Format::Xlsx => Err(table("XLSX")),
        // The callers read GeoJSON themselves, borrowing from its bytes.
        Format::GeoJson => Err(ReadError::UnknownFormat {
            file: src.file.clone(),
            expected: LAYER_EXTENSIONS,
        }),
    }
}

/// `county.gpkg:villages` → (`county.gpkg`, `villages`) when the whole
/// does not exist and the part before the last colon does.
fn split_layer(path: &Path) -> (PathBuf, Option<String>) {
    if !path.exists()
        && let Some(text) = path.to_str()
        && let Some((file, layer)) = text.rsplit_once(':')
        && !layer.is_empty()
        && Path::new(file).is_file()
    {
        return (PathBuf::from(file), Some(layer.to_owned()));
    }
    (path.to_path_buf(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_systems_gridplan_knows() {
        assert_eq!(Declared::Epsg(4326).crs(), Some(Crs::Wgs84));
        assert_eq!(Declared::Epsg(4490).crs(), Some(Crs::Cgcs2000));
        assert_eq!(Declared::Epsg(4528).crs(), Crs::parse("EPSG:4528"));
        assert_eq!(Declared::Epsg(999_999).crs(), None);
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(Declared::Wkt(wgs.into()).crs(), Some(Crs::Wgs84));
        let gk = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_40",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]]"#;
        assert_eq!(Declared::Wkt(gk.into()).crs(), Crs::parse("EPSG:4528"));
        assert_eq!(Declared::Wkt("LOCAL_CS[\"site grid\"]".into()).crs(), None);
    }

    #[test]
    fn layer_suffix_only_when_the_file_exists() {
        let dir = tempfile::tempdir().unwrap();
        let gpkg = dir.path().join("c.gpkg");
        std::fs::write(&gpkg, b"").unwrap();
        let s = Source::of(&dir.path().join("c.gpkg:villages"), None, LAYER_EXTENSIONS).unwrap();
        assert_eq!(s.path, gpkg);
        assert_eq!(s.layer.as_deref(), Some("villages"));
        assert_eq!(s.format, Format::GeoPackage);
        let s = Source::of(&gpkg, Some("towns"), LAYER_EXTENSIONS).unwrap();
        assert_eq!(s.layer.as_deref(), Some("towns"));
        let e = Source::of(&dir.path().join("c.kml"), None, LAYER_EXTENSIONS).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("c.kml: unknown file type; expected .geojson, .json, .shp or .gpkg"),
            "{e}"
        );
    }
}
