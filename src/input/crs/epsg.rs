//! Coordinate systems by EPSG code: the definitions of `crs-definitions`
//! (the proj4 string and the OGC WKT 1 of every EPSG code it lists) run by
//! `proj4rs` (pure Rust).
//!
//! # Parameters
//! - the code: any one `crs-definitions` lists whose proj4 string `proj4rs`
//!   can build with a forward and an inverse, and that is not geocentric.
//!   4326 and 4490 never get here: [`super::Crs::from_epsg`] maps them to
//!   [`super::Crs::Wgs84`] and [`super::Crs::Cgcs2000`];
//! - WGS84 as `+proj=longlat +datum=WGS84`, the other end of every
//!   conversion.
//!
//! # Algorithm
//! 1. The first use of a code builds its `proj4rs::Proj` from the proj4
//!    string and keeps it for the rest of the run in a table (a `Mutex`
//!    around a `BTreeMap`, entered once per code, never per point). An
//!    [`Epsg`] is a reference into that table, so converting a point takes
//!    no lock and no lookup.
//! 2. A point goes through `proj4rs::transform::transform`: inverse
//!    projection to the system's own longitude/latitude, the datum shift
//!    when the definition has `+towgs84` (Beijing 1954, for example), then
//!    WGS84. Geographic systems are in radians inside proj4rs, in degrees
//!    here.
//!
//! # Datum
//! The CGCS2000 projected systems (the Gauss-Krüger zones 4491-4554) are
//! defined on the GRS80 ellipsoid without `+towgs84`, so proj4rs applies no
//! datum shift: CGCS2000 and WGS84 are taken as the same datum, as
//! [`super::Crs::Cgcs2000`] is. They differ by a few centimetres at county
//! scale (the two frames agree to the decimetre, and the CGCS2000 and
//! GRS80 flattenings differ in the eleventh digit).
//!
//! # Complexity
//! O(1) per point: a Transverse Mercator inverse by the Poder/Engsager
//! series (proj4rs' default `tmerc`, exact to well below a millimetre
//! within a zone) costs about 0.2 µs. Building a system costs a few
//! microseconds, once per code.
//!
//! # Errors
//! None raised: [`Epsg::new`] gives `None` for a code it cannot run, and a
//! point that cannot be converted (far outside the projection's domain)
//! gives `None`.

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};

use proj4rs::Proj;
use proj4rs::proj::ProjType;
use proj4rs::transform::transform;

/// One EPSG system, built once and kept for the run.
struct Entry {
    /// The code.
    code: u16,
    /// `EPSG:code`, what [`super::Crs::as_str`] returns.
    label: String,
    /// The definition from crs-definitions.
    def: crs_definitions::Def,
    /// The proj4rs system.
    proj: Proj,
}

/// An EPSG coordinate system that `proj4rs` can run, other than EPSG:4326
/// and EPSG:4490 (which are [`super::Crs::Wgs84`] and
/// [`super::Crs::Cgcs2000`]). Copy, pointer-sized, and compared by code.
#[derive(Clone, Copy)]
pub struct Epsg(&'static Entry);

/// WGS84 longitude/latitude, the other end of every conversion.
static WGS84: LazyLock<Option<Proj>> =
    LazyLock::new(|| Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").ok());

/// The systems built so far, by code.
static TABLE: LazyLock<Mutex<BTreeMap<u16, &'static Entry>>> =
    LazyLock::new(|| Mutex::new(BTreeMap::new()));

impl Epsg {
    /// The system of `code`, built on first use; `None` when crs-definitions
    /// does not list it, proj4rs cannot build it or it is geocentric.
    #[must_use]
    pub fn new(code: u16) -> Option<Epsg> {
        // A poisoned lock only means another thread panicked while
        // inserting; the map itself is always whole.
        let mut table = TABLE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(e) = table.get(&code) {
            return Some(Epsg(e));
        }
        let def = crs_definitions::from_code(code)?;
        let proj = Proj::from_proj_string(def.proj4).ok()?;
        if !proj.has_inverse() || !proj.has_forward() || proj.is_geocent() {
            return None;
        }
        // Leaked on purpose: at most one entry per code for the whole run,
        // so that an `Epsg` can be a plain `Copy` reference.
        let entry: &'static Entry = Box::leak(Box::new(Entry {
            code,
            label: format!("EPSG:{code}"),
            def,
            proj,
        }));
        table.insert(code, entry);
        Some(Epsg(entry))
    }

    /// The EPSG code.
    #[must_use]
    pub fn code(self) -> u16 {
        self.0.code
    }

    /// `EPSG:code`.
    #[must_use]
    pub fn label(self) -> &'static str {
        &self.0.label
    }

    /// The OGC WKT 1 of the EPSG database, with its AUTHORITY.
    #[must_use]
    pub fn wkt(self) -> &'static str {
        self.0.def.wkt
    }

    /// The system's name, the first quoted string of its WKT, e.g.
    /// `CGCS2000 / 3-degree Gauss-Kruger zone 40`.
    #[must_use]
    pub fn name(self) -> &'static str {
        let w = self.0.def.wkt;
        w.split('"').nth(1).unwrap_or(w)
    }

    /// Whether coordinates are longitude/latitude in degrees (otherwise
    /// they are projected, in the system's linear unit).
    #[must_use]
    pub fn is_geographic(self) -> bool {
        self.0.proj.projection_type() == ProjType::Latlong
    }

    /// The central meridian in degrees of a Transverse Mercator system
    /// (Gauss-Krüger, UTM), where coordinates more than a few degrees away
    /// cannot come from; `None` for any other projection.
    #[must_use]
    pub fn central_meridian(self) -> Option<f64> {
        matches!(self.0.proj.projname(), "tmerc" | "etmerc" | "utm")
            .then(|| self.0.proj.longitude_of_origin().to_degrees())
    }

    /// The false easting in metres (40 500 000 for Gauss-Krüger zone 40
    /// with its zone prefix).
    #[must_use]
    pub fn false_easting(self) -> f64 {
        self.0.proj.false_easting()
    }

    /// `(x, y)` in this system to WGS84 `[lon, lat]`, or `None` when the
    /// point is outside the projection's domain.
    #[must_use]
    pub fn to_wgs84(self, x: f64, y: f64) -> Option<[f64; 2]> {
        let wgs = WGS84.as_ref()?;
        let src = &self.0.proj;
        let mut p = if src.is_latlong() {
            (x.to_radians(), y.to_radians(), 0.0)
        } else {
            (x, y, 0.0)
        };
        transform(src, wgs, &mut p).ok()?;
        let out = [p.0.to_degrees(), p.1.to_degrees()];
        (out[0].is_finite() && out[1].is_finite()).then_some(out)
    }

    /// WGS84 `(lon, lat)` to this system, or `None` when the point is outside
    /// the projection's domain.
    #[must_use]
    pub fn from_wgs84(self, lon: f64, lat: f64) -> Option<[f64; 2]> {
        let wgs = WGS84.as_ref()?;
        let dst = &self.0.proj;
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        transform(wgs, dst, &mut p).ok()?;
        let out = if dst.is_latlong() {
            [p.0.to_degrees(), p.1.to_degrees()]
        } else {
            [p.0, p.1]
        };
        (out[0].is_finite() && out[1].is_finite()).then_some(out)
    }
}

impl PartialEq for Epsg {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
    }
}

impl Eq for Epsg {}

impl std::hash::Hash for Epsg {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.code().hash(state);
    }
}

impl std::fmt::Debug for Epsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}
