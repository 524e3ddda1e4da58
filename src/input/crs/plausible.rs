//! Whether a position can be in its declared system, and which system it
//! more likely is in: the one place for these rules, used by every reader
//! on every position before anything else is done with it.
//!
//! # Parameters
//! - the swapped rule: a "longitude" in [3, 54] with a "latitude" in
//!   [73, 136] looks like a Chinese `[lat, lon]` (this tool plans Chinese
//!   counties, and `[28.1, 120.7]` is a classic mistake). It is called
//!   swapped ([`is_swapped`]) only when it cannot be a position as given
//!   (latitude above 90), or when the system is one used in China alone
//!   (CGCS2000, GCJ-02), where an Arctic position is no position at all. A
//!   valid high-latitude position in WGS84 or another geographic EPSG
//!   system (Svalbard, `[15.6, 78.2]`) is read as given (issue 13): if it
//!   was a swapped point of western China after all (true longitude
//!   73-90°E), it lies far from the county's villages and the locate step
//!   refuses it, naming the household;
//! - a projected system never holds `|x| ≤ 180, |y| ≤ 90`: that is within
//!   200 m of the false origin, which no Chinese county is near;
//! - a Transverse Mercator (Gauss-Krüger, UTM) point lies within
//!   [`MAX_FROM_CENTRAL_MERIDIAN`] (10°) of the central meridian: a 3° zone
//!   spans ±1.5°, a 6° zone ±3°, and data spill a little over; anything
//!   further means a wrong zone prefix;
//! - the likely systems ([`likely_system`]) from the numbers alone: an
//!   easting of 25-45 million metres is a CGCS2000 3° Gauss-Krüger zone
//!   with its zone number as prefix (EPSG:4513-4533, zone = the millions),
//!   13-23 million a 6° zone with prefix (EPSG:4491-4501), 100 000-900 000
//!   a zone without prefix (EPSG:4534-4554, or UTM), 7-15.5 million Web
//!   Mercator (EPSG:3857, China spans 8.1-15.1 million).
//!
//! # Algorithm ([`to_wgs84`])
//! 1. Geographic system (WGS84, CGCS2000, GCJ-02, a geographic EPSG code):
//!    the swapped rule, then the range [-180, 180] × [-90, 90]; outside it,
//!    name the likely system.
//! 2. Projected system: degrees are refused with the likely geographic
//!    systems named; the point is converted, and a failed conversion, a
//!    result off the Earth or too far from a Transverse Mercator's central
//!    meridian is refused with the likely system named.
//! 3. The WGS84 result is returned.
//!
//! # Complexity
//! O(1) per position: a few comparisons, plus the conversion itself.
//!
//! # Errors
//! [`Implausible`], whose message says what the numbers look like.

use super::{Crs, to_wgs84 as convert};

/// Largest distance in degrees of longitude from a Transverse Mercator's
/// central meridian that a point of that system may have.
pub const MAX_FROM_CENTRAL_MERIDIAN: f64 = 10.0;

/// Why a position cannot be in its declared system.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Implausible {
    /// A Chinese `[lat, lon]`: see the module's swapped rule.
    #[error(
        "longitude and latitude look swapped: got longitude {lon}, latitude {lat}; positions are [longitude, latitude]"
    )]
    Swapped {
        /// The first number.
        lon: f64,
        /// The second number.
        lat: f64,
    },
    /// Out of [-180, 180] × [-90, 90] in a geographic system.
    #[error(
        "position out of range: longitude must be in [-180, 180] and latitude in [-90, 90], got longitude {x}, latitude {y}{}",
        looks(*likely)
    )]
    OutOfRange {
        /// The first number.
        x: f64,
        /// The second number.
        y: f64,
        /// The likely system, when the numbers suggest one.
        likely: Option<Likely>,
    },
    /// Degrees where a projected system needs metres.
    #[error(
        "position {x}, {y} is in degrees, but {crs} ({}) is projected, in metres{}",
        crs.name(),
        looks(*likely)
    )]
    Degrees {
        /// The first number.
        x: f64,
        /// The second number.
        y: f64,
        /// The declared system.
        crs: Crs,
        /// The likely system.
        likely: Option<Likely>,
    },
    /// A projected position the system cannot hold.
    #[error("position {x}, {y} cannot be in {crs} ({}): {why}{}", crs.name(), looks(*likely))]
    NotInSystem {
        /// The first number.
        x: f64,
        /// The second number.
        y: f64,
        /// The declared system.
        crs: Crs,
        /// What went wrong.
        why: String,
        /// The likely system.
        likely: Option<Likely>,
    },
}

/// The `; it looks like …` tail of a message.
fn looks(likely: Option<Likely>) -> String {
    likely.map_or_else(String::new, |l| format!("; it looks like {l}"))
}

/// A system the numbers of a position suggest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Likely {
    /// Longitude/latitude in degrees.
    Degrees,
    /// Latitude/longitude, swapped.
    Swapped,
    /// CGCS2000 3° Gauss-Krüger with the zone prefix.
    GaussKruger3 {
        /// The zone, 25-45.
        zone: u32,
    },
    /// CGCS2000 6° Gauss-Krüger with the zone prefix.
    GaussKruger6 {
        /// The zone, 13-23.
        zone: u32,
    },
    /// Projected metres without a zone prefix.
    NoPrefix,
    /// Web Mercator.
    WebMercator,
}

impl std::fmt::Display for Likely {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Likely::Degrees => f.write_str(
                "longitude/latitude in degrees (WGS84, EPSG:4326, or CGCS2000, EPSG:4490)",
            ),
            Likely::Swapped => f.write_str("latitude/longitude, swapped"),
            Likely::GaussKruger3 { zone } => write!(
                f,
                "CGCS2000 3° Gauss-Krüger metres with zone prefix (EPSG:4513-4533), zone {zone}: EPSG:{}",
                4513 + zone - 25
            ),
            Likely::GaussKruger6 { zone } => write!(
                f,
                "CGCS2000 6° Gauss-Krüger metres with zone prefix (EPSG:4491-4501), zone {zone}: EPSG:{}",
                4491 + zone - 13
            ),
            Likely::NoPrefix => f.write_str(
                "projected metres without a zone prefix: CGCS2000 3° Gauss-Krüger by central meridian (EPSG:4534-4554, EPSG:4549 for 120°E) or UTM (EPSG:326xx)",
            ),
            Likely::WebMercator => f.write_str("Web Mercator metres (EPSG:3857)"),
        }
    }
}

/// Whether `(lon, lat)` is a Chinese `[lat, lon]` (the swapped rule).
#[must_use]
pub fn looks_swapped(lon: f64, lat: f64) -> bool {
    (3.0..=54.0).contains(&lon) && (73.0..=136.0).contains(&lat)
}

/// Whether `(lon, lat)` in `crs` is taken as a swapped `[lat, lon]` (the
/// swapped rule of the module's parameters): it looks swapped, and it is
/// no position as given or `crs` is used in China alone.
#[must_use]
pub fn is_swapped(crs: Crs, lon: f64, lat: f64) -> bool {
    looks_swapped(lon, lat) && (lat > 90.0 || matches!(crs, Crs::Cgcs2000 | Crs::Gcj02))
}

/// The system the numbers `(x, y)` most likely are in, judged from their
/// size alone (see the module's parameters); `None` when nothing fits.
#[must_use]
pub fn likely_system(x: f64, y: f64) -> Option<Likely> {
    if (x.abs() <= 180.0 && y.abs() <= 90.0) || looks_swapped(x, y) {
        return Some(if looks_swapped(x, y) {
            Likely::Swapped
        } else {
            Likely::Degrees
        });
    }
    // Northings of a northern-hemisphere Transverse Mercator or Web
    // Mercator; China lies between about 2 and 6 (7 for Web Mercator)
    // million metres.
    if !(0.0..=10_000_000.0).contains(&y) {
        return None;
    }
    let millions = (x / 1e6).floor();
    match millions {
        m if (25.0..=45.0).contains(&m) => Some(Likely::GaussKruger3 { zone: m as u32 }),
        m if (16.0..=23.0).contains(&m) => Some(Likely::GaussKruger6 { zone: m as u32 }),
        // 13-15 million is both a western 6° zone with prefix and eastern
        // China in Web Mercator; the east is where the counties are.
        m if (7.0..=15.0).contains(&m) => Some(Likely::WebMercator),
        _ if (100_000.0..=900_000.0).contains(&x) => Some(Likely::NoPrefix),
        _ => None,
    }
}

/// `(x, y)` in `crs` checked (see the module's algorithm) and converted to
/// WGS84 `[lon, lat]`.
///
/// # Errors
/// [`Implausible`] when the position cannot be in `crs`.
pub fn to_wgs84(crs: Crs, x: f64, y: f64) -> Result<[f64; 2], Implausible> {
    if !crs.is_projected() {
        // Swapped first: a Chinese [lat, lon] such as [28.1, 120.7] is also
        // out of range, and "swapped" is the message that tells the fix.
        if is_swapped(crs, x, y) {
            return Err(Implausible::Swapped { lon: x, lat: y });
        }
        if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
            return Err(Implausible::OutOfRange {
                x,
                y,
                likely: likely_system(x, y),
            });
        }
        return Ok(convert(crs, x, y));
    }
    if (x.abs() <= 180.0 && y.abs() <= 90.0) || looks_swapped(x, y) {
        return Err(Implausible::Degrees {
            x,
            y,
            crs,
            likely: likely_system(x, y),
        });
    }
    let not_in = |why: String| Implausible::NotInSystem {
        x,
        y,
        crs,
        why,
        likely: likely_system(x, y).filter(|l| !matches!(l, Likely::Degrees | Likely::Swapped)),
    };
    let [lon, lat] = convert(crs, x, y);
    if !lon.is_finite() || !lat.is_finite() || lat.abs() > 90.0 {
        return Err(not_in("it is outside the projection's domain".into()));
    }
    if let Crs::Epsg(e) = crs
        && let Some(cm) = e.central_meridian()
    {
        let off = lon - cm;
        // Wrapped into (-180, 180], since UTM zone 1 neighbours zone 60.
        let off = off - 360.0 * ((off + 180.0) / 360.0).floor();
        if off.abs() > MAX_FROM_CENTRAL_MERIDIAN {
            return Err(not_in(format!(
                "it converts to longitude {lon:.3}, more than {MAX_FROM_CENTRAL_MERIDIAN}° from the central meridian {cm}°E (false easting {} m)",
                e.false_easting()
            )));
        }
    }
    Ok([lon, lat])
}
