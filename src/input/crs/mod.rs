//! Coordinate systems of the inputs and outputs: WGS84, CGCS2000, GCJ-02,
//! and any EPSG code `proj4rs` can run (the CGCS2000 Gauss-Krüger zones,
//! Web Mercator, UTM, …).
//!
//! Everything inside gridplan is WGS84 longitude/latitude. Each input file is
//! brought to WGS84 on its own while it is read (a boundary file may be in
//! another system than the household file), and the exported maps are
//! converted from WGS84 to `--output-crs` at the end.
//!
//! - **WGS84** (EPSG:4326), the GeoJSON (RFC 7946) system.
//! - **CGCS2000** (EPSG:4490), the Chinese survey system. It equals WGS84
//!   to a few centimetres at county scale, so the conversion is the
//!   identity; so is the datum of the CGCS2000 projected systems.
//! - **GCJ-02**, the obfuscated system of Amap (高德), Tencent and Google
//!   China geocoding ([`gcj02`]). It has no EPSG code. BD-09 (Baidu) is not
//!   supported.
//! - **`EPSG:n`**: any code of the EPSG database that `crs-definitions`
//!   lists and `proj4rs` can run ([`epsg`]). For Chinese county data the ones
//!   that matter are the CGCS2000 3° Gauss-Krüger zones: EPSG:4513-4533 are
//!   zones 25-45 *with* the zone number as a prefix of the easting
//!   (EPSG:4528, zone 40, central meridian 120°E, false easting
//!   40 500 000 m), EPSG:4534-4554 the same zones by central meridian 75°E
//!   to 135°E *without* the prefix (EPSG:4549, CM 120°E, false easting
//!   500 000 m); also the 6° zones 4491-4512, Web Mercator (3857) and UTM
//!   (326xx north, 327xx south).
//!
//! # Parameters
//! The system of each input comes, in this order of precedence, from:
//! 1. the command-line flag (`--input-crs` for the households,
//!    `--boundaries-crs` for the boundaries, zones, barriers and
//!    compounds), when given;
//! 2. the file's own declaration: a GeoJSON top-level `crs` member
//!    ([`Crs::from_geojson_name`]) or a Shapefile's `.prj`
//!    ([`Crs::from_prj_wkt`]);
//! 3. WGS84 ([`crate::config::CRS`]).
//!
//! A flag that contradicts a declaration wins without a warning: the usual
//! reason is a file that declares WGS84 but holds GCJ-02 points from Amap,
//! and the flag is how the user says so. When the coordinates then do not
//! fit the flag's system, the error of [`plausible`] names the file's
//! declaration too.
//!
//! # Algorithm
//! A point goes to WGS84 by [`to_wgs84`] and back by [`from_wgs84`]:
//! identity for WGS84 and CGCS2000, the exact GCJ-02 inverse for GCJ-02,
//! proj4rs for an EPSG code. [`convert_geometry`] converts every coordinate
//! of a geometry through WGS84. Before that, the readers check each
//! position against its declared system ([`plausible::to_wgs84`]), so that
//! metres read as degrees, degrees read as metres and swapped latitude and
//! longitude fail with the likely system named.
//!
//! # Complexity
//! O(1) per point; O(n) in the coordinates for a geometry. Checking and
//! converting 120 000 Gauss-Krüger points costs 28-40 ms on one core of
//! the project machine (about 0.3 µs a point, the ignored test
//! `crs::tests::timing_120k_gauss_kruger_points`), against about 390 ms
//! to read the same households from GeoJSON; WGS84 and CGCS2000 cost
//! nothing.
//!
//! # Errors
//! None from the conversions: a point that an EPSG projection cannot
//! convert becomes `[NaN, NaN]`, which the readers ([`plausible::to_wgs84`]
//! first) and the exporters (finite coordinates) reject with the file named.

pub mod epsg;
pub mod gcj02;
pub mod plausible;
mod prj;

pub use epsg::Epsg;
pub use gcj02::{
    INVERSE_MAX_ITERATIONS, INVERSE_TOLERANCE_DEG, gcj02_to_wgs84, out_of_china, wgs84_to_gcj02,
};
pub use plausible::Implausible;

/// A coordinate system of input or output coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Crs {
    /// WGS84 (EPSG:4326), the GeoJSON (RFC 7946) system and our internal one.
    #[default]
    Wgs84,
    /// CGCS2000 (EPSG:4490), the Chinese survey system; equal to WGS84 to a
    /// few centimetres at this scale, so conversion is the identity.
    Cgcs2000,
    /// GCJ-02 ("Mars coordinates"), the obfuscated system of Amap, Tencent
    /// and Google China maps.
    Gcj02,
    /// Any other EPSG system proj4rs can run, geographic or projected.
    Epsg(Epsg),
}

impl Crs {
    /// Parses a system name, case-insensitively: `wgs84`, `cgcs2000`,
    /// `gcj02`, or `EPSG:n` for a code [`Crs::from_epsg`] accepts
    /// (`EPSG:4326` is WGS84, `EPSG:4490` CGCS2000). Anything else gives
    /// `None`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Crs> {
        match s.to_ascii_lowercase().as_str() {
            "wgs84" => Some(Crs::Wgs84),
            "cgcs2000" => Some(Crs::Cgcs2000),
            "gcj02" => Some(Crs::Gcj02),
            lower => {
                let digits = lower.strip_prefix("epsg:")?;
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                Crs::from_epsg(digits.parse().ok()?)
            }
        }
    }

    /// The system of an EPSG code: 4326 is [`Crs::Wgs84`], 4490
    /// [`Crs::Cgcs2000`], any other code proj4rs can run [`Crs::Epsg`];
    /// `None` for a code crs-definitions does not list or proj4rs cannot
    /// run.
    #[must_use]
    pub fn from_epsg(code: u32) -> Option<Crs> {
        match code {
            4326 => Some(Crs::Wgs84),
            4490 => Some(Crs::Cgcs2000),
            _ => Epsg::new(u16::try_from(code).ok()?).map(Crs::Epsg),
        }
    }

    /// The canonical name, which [`Crs::parse`] accepts: `wgs84`,
    /// `cgcs2000`, `gcj02` or `EPSG:n`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Cgcs2000 => "cgcs2000",
            Crs::Gcj02 => "gcj02",
            Crs::Epsg(e) => e.label(),
        }
    }

    /// The EPSG code, or `None` for GCJ-02, which has none.
    #[must_use]
    pub fn epsg(self) -> Option<u32> {
        match self {
            Crs::Wgs84 => Some(4326),
            Crs::Cgcs2000 => Some(4490),
            Crs::Gcj02 => None,
            Crs::Epsg(e) => Some(u32::from(e.code())),
        }
    }

    /// Whether coordinates are projected (metres, or the system's unit)
    /// rather than longitude/latitude in degrees.
    #[must_use]
    pub fn is_projected(self) -> bool {
        matches!(self, Crs::Epsg(e) if !e.is_geographic())
    }

    /// The human name: `WGS 84`, `China Geodetic Coordinate System 2000`,
    /// `GCJ-02`, or the EPSG name, e.g. `CGCS2000 / 3-degree Gauss-Kruger
    /// zone 40`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Crs::Wgs84 => "WGS 84",
            Crs::Cgcs2000 => "China Geodetic Coordinate System 2000",
            Crs::Gcj02 => "GCJ-02",
            Crs::Epsg(e) => e.name(),
        }
    }

    /// A one-line OGC WKT 1 (`GEOGCS` or `PROJCS`), longitude first.
    ///
    /// WGS84 and CGCS2000 carry their EPSG names and codes, an EPSG system
    /// the EPSG database's WKT. GCJ-02 has no official WKT: we write the
    /// WGS84 definition (its datum, since the obfuscation is applied on top
    /// of WGS84) under the name `GCJ-02 (WGS 84 datum, obfuscated)` and
    /// without any EPSG authority, so that a GIS shows the name but nothing
    /// mistakes the file for EPSG:4326. A GIS will still draw such a file
    /// about 500 m off satellite imagery: convert to WGS84 before any
    /// overlay.
    #[must_use]
    pub fn wkt(self) -> &'static str {
        match self {
            Crs::Wgs84 => concat!(
                r#"GEOGCS["WGS 84","#,
                r#"DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],"#,
                r#"PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],"#,
                r#"UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],"#,
                r#"AUTHORITY["EPSG","4326"]]"#
            ),
            Crs::Cgcs2000 => concat!(
                r#"GEOGCS["China Geodetic Coordinate System 2000","#,
                r#"DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],"#,
                r#"PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],"#,
                r#"UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],"#,
                r#"AUTHORITY["EPSG","4490"]]"#
            ),
            Crs::Gcj02 => concat!(
                r#"GEOGCS["GCJ-02 (WGS 84 datum, obfuscated)","#,
                r#"DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],"#,
                r#"PRIMEM["Greenwich",0],"#,
                r#"UNIT["degree",0.0174532925199433]]"#
            ),
            Crs::Epsg(e) => e.wkt(),
        }
    }

    /// Whether coordinates in `self` and in `other` are the same numbers
    /// (equal systems, or WGS84 and CGCS2000).
    #[must_use]
    pub fn same_coordinates(self, other: Crs) -> bool {
        let wgs = |c: Crs| matches!(c, Crs::Wgs84 | Crs::Cgcs2000);
        self == other || (wgs(self) && wgs(other))
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Converts `(x, y)` in `crs` to WGS84 `[lon, lat]` (GCJ-02 by the exact
/// inverse). A point an EPSG projection cannot convert gives `[NaN, NaN]`.
#[must_use]
pub fn to_wgs84(crs: Crs, x: f64, y: f64) -> [f64; 2] {
    match crs {
        Crs::Wgs84 | Crs::Cgcs2000 => [x, y],
        Crs::Gcj02 => gcj02_to_wgs84(x, y),
        Crs::Epsg(e) => e.to_wgs84(x, y).unwrap_or([f64::NAN; 2]),
    }
}

/// Converts WGS84 `(lon, lat)` to `crs`. A point an EPSG projection cannot
/// convert gives `[NaN, NaN]`.
#[must_use]
pub fn from_wgs84(crs: Crs, lon: f64, lat: f64) -> [f64; 2] {
    match crs {
        Crs::Wgs84 | Crs::Cgcs2000 => [lon, lat],
        Crs::Gcj02 => wgs84_to_gcj02(lon, lat),
        Crs::Epsg(e) => e.from_wgs84(lon, lat).unwrap_or([f64::NAN; 2]),
    }
}

/// Converts every coordinate of a geometry from `from` to `to` in place,
/// through WGS84. Does nothing when both systems agree on coordinates
/// (equal, or WGS84 and CGCS2000).
pub fn convert_geometry<G: geo::MapCoordsInPlace<f64>>(g: &mut G, from: Crs, to: Crs) {
    if from.same_coordinates(to) {
        return;
    }
    g.map_coords_in_place(|c| {
        let [lon, lat] = to_wgs84(from, c.x, c.y);
        let [x, y] = from_wgs84(to, lon, lat);
        geo::Coord { x, y }
    });
}

#[cfg(test)]
mod tests;
