//! Declared systems: a Shapefile `.prj` (WKT 1) and a GeoJSON `crs` member.
//!
//! # Algorithm ([`Crs::from_prj_wkt`])
//! 1. An `AUTHORITY["EPSG","n"]` (or WKT 2 `ID["EPSG",n]`) at the top
//!    level of the WKT gives the code, as GDAL and QGIS write it.
//! 2. Else the name of the root `PROJCS`/`GEOGCS`, cut into lower-case
//!    words at every character that is not a letter or a digit, is matched
//!    against the names ArcGIS, QGIS and the EPSG database use:
//!    `CGCS2000_3_Degree_GK_Zone_40` and `CGCS2000 / 3-degree Gauss-Kruger
//!    zone 40` (EPSG:4528), `CGCS2000_3_Degree_GK_CM_120E` (EPSG:4549), the
//!    6° `CGCS2000_GK_Zone_20` and `CGCS2000_GK_CM_117E`,
//!    `WGS_1984_UTM_Zone_50N`, `WGS_1984_Web_Mercator_Auxiliary_Sphere`,
//!    `GCS_WGS_1984` / `WGS 84`,
//!    `GCS_China_Geodetic_Coordinate_System_2000`, and gridplan's own
//!    `GCJ-02`.
//! 3. Else a Transverse Mercator on the CGCS2000 datum with scale 1, or on
//!    WGS84 with scale 0.9996, is recognised by its central meridian and
//!    false easting (a renamed Gauss-Krüger or UTM zone).
//!
//! Anything else is `None`: the reader then asks for a flag.
//!
//! # Complexity
//! Linear in the length of the text.

use super::Crs;

impl Crs {
    /// The system a `.prj` declares (WKT 1 as ArcGIS, QGIS or GDAL write
    /// it), or `None` when it is not one gridplan knows. See the module
    /// documentation for the rules.
    #[must_use]
    pub fn from_prj_wkt(wkt: &str) -> Option<Crs> {
        let wkt = wkt.trim().trim_start_matches('\u{feff}');
        if let Some(code) = top_authority(wkt) {
            return Crs::from_epsg(code);
        }
        let words = words(root_name(wkt)?);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        by_name(&words).or_else(|| by_parameters(wkt))
    }

    /// The system a GeoJSON `crs` member names: `urn:ogc:def:crs:EPSG::n`
    /// (any version), `EPSG:n`, `http://www.opengis.net/def/crs/EPSG/0/n`,
    /// `urn:ogc:def:crs:OGC:1.3:CRS84` (WGS84), or any name
    /// [`Crs::parse`] accepts (gridplan's own `GCJ-02` too). `None` for
    /// anything else.
    ///
    /// The axis order of `urn:ogc:def:crs:EPSG::4326` is latitude first in
    /// the EPSG database, but GeoJSON files are written longitude first
    /// whatever they say (GDAL and QGIS write them so); so are they read.
    #[must_use]
    pub fn from_geojson_name(name: &str) -> Option<Crs> {
        let n = name.trim();
        let lower = n.to_ascii_lowercase();
        if lower.ends_with("crs84") {
            return Some(Crs::Wgs84);
        }
        if lower == "gcj-02" || lower.starts_with("gcj-02 ") {
            return Some(Crs::Gcj02);
        }
        if lower.contains("epsg") {
            let digits = lower.rsplit([':', '/']).next()?;
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                return Crs::from_epsg(digits.parse().ok()?);
            }
            return None;
        }
        Crs::parse(n)
    }
}

/// The code of an `AUTHORITY["EPSG","n"]` or `ID["EPSG",n]` directly
/// inside the root node (depth 1), if any.
fn top_authority(wkt: &str) -> Option<u32> {
    let mut depth = 0_i32;
    let mut in_quote = false;
    for (i, b) in wkt.bytes().enumerate() {
        match b {
            b'"' => in_quote = !in_quote,
            b'[' | b'(' if !in_quote => depth += 1,
            b']' | b')' if !in_quote => depth -= 1,
            b',' if !in_quote && depth == 1 => {
                let rest = wkt[i + 1..].trim_start();
                let upper = |n: usize| rest.get(..n).map(str::to_ascii_uppercase);
                let len = if upper(9).as_deref() == Some("AUTHORITY") {
                    9
                } else if upper(2).as_deref() == Some("ID")
                    && rest[2..].trim_start().starts_with(['[', '('])
                {
                    2
                } else {
                    continue;
                };
                if let Some(code) = authority_code(&rest[len..]) {
                    return Some(code);
                }
            }
            _ => {}
        }
    }
    None
}

/// The code of `["EPSG","4528"]` (quotes on the code optional) at the start
/// of `s`.
fn authority_code(s: &str) -> Option<u32> {
    let inner = s.trim_start().strip_prefix(['[', '('])?;
    let end = inner.find([']', ')'])?;
    let mut parts = inner[..end].split(',');
    let org = parts.next()?.trim().trim_matches('"');
    if !org.eq_ignore_ascii_case("EPSG") {
        return None;
    }
    parts.next()?.trim().trim_matches('"').parse().ok()
}

/// The quoted name of the root node: `PROJCS["name",…` gives `name`.
fn root_name(wkt: &str) -> Option<&str> {
    let open = wkt.find(['[', '('])?;
    let rest = wkt[open + 1..].trim_start().strip_prefix('"')?;
    rest.split('"').next()
}

/// Lower-case words of letters and digits.
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The system of a name cut into [`words`].
fn by_name(w: &[&str]) -> Option<Crs> {
    let code = match w {
        ["gcs", "wgs", "1984"] | ["wgs", "84" | "1984"] | ["wgs84"] => 4326,
        ["gcs", "china", "geodetic", "coordinate", "system", "2000"]
        | ["china", "geodetic", "coordinate", "system", "2000"]
        | ["cgcs2000"]
        | ["cgcs", "2000"] => 4490,
        ["gcj", "02", ..] | ["gcj02", ..] => return Some(Crs::Gcj02),
        ["cgcs2000", rest @ ..] => return gauss_kruger(rest),
        ["wgs", "1984" | "84", "utm", "zone", z] => utm(z)?,
        ["wgs", "1984", "web", "mercator", ..] | ["wgs", "84", "pseudo", "mercator"] => 3857,
        _ => return None,
    };
    Crs::from_epsg(code)
}

/// A CGCS2000 Gauss-Krüger name after `CGCS2000`: `3 degree GK zone 40`,
/// `3 degree Gauss Kruger CM 120E`, `GK zone 20`, `Gauss Kruger CM 117E`.
fn gauss_kruger(rest: &[&str]) -> Option<Crs> {
    let (three, rest) = match rest {
        ["3", "degree", rest @ ..] => (true, rest),
        rest => (false, rest),
    };
    let (zone, cm) = match rest {
        ["gk" | "gauss", "kruger", "zone", z] | ["gk", "zone", z] => (z.parse::<u32>().ok()?, None),
        ["gk" | "gauss", "kruger", "cm", m] | ["gk", "cm", m] => {
            (0, Some(m.strip_suffix('e')?.parse::<u32>().ok()?))
        }
        _ => return None,
    };
    let code = match (three, cm) {
        (true, None) => (25..=45).contains(&zone).then(|| 4513 + zone - 25)?,
        (true, Some(m)) => (75..=135)
            .contains(&m)
            .then_some(m)
            .filter(|m| m % 3 == 0)
            .map(|m| 4534 + (m - 75) / 3)?,
        (false, None) => (13..=23).contains(&zone).then(|| 4491 + zone - 13)?,
        (false, Some(m)) => (75..=135)
            .contains(&m)
            .then_some(m)
            .filter(|m| (m - 75) % 6 == 0)
            .map(|m| 4502 + (m - 75) / 6)?,
    };
    Crs::from_epsg(code)
}

/// The code of a WGS84 UTM zone word such as `50n` or `51s`.
fn utm(z: &str) -> Option<u32> {
    let (num, base) = if let Some(n) = z.strip_suffix('n') {
        (n, 32600)
    } else {
        (z.strip_suffix('s')?, 32700)
    };
    let zone: u32 = num.parse().ok()?;
    (1..=60).contains(&zone).then_some(base + zone)
}

/// The value of `PARAMETER["name",value]`, the name compared without case.
fn parameter(wkt: &str, name: &str) -> Option<f64> {
    let lower = wkt.to_ascii_lowercase();
    let key = format!("parameter[\"{name}\",");
    let at = lower.find(&key)? + key.len();
    let end = wkt[at..].find([']', ')'])?;
    wkt[at..at + end].trim().parse().ok()
}

/// A Gauss-Krüger or UTM zone recognised by its parameters (step 3).
#[expect(
    clippy::float_cmp,
    reason = "the parameters are exact decimal values as written in the .prj, compared with the exact values the EPSG definitions use"
)]
fn by_parameters(wkt: &str) -> Option<Crs> {
    let lower = wkt.to_ascii_lowercase();
    if !lower.contains("transverse_mercator") || !lower.starts_with("projcs") {
        return None;
    }
    let cm = parameter(wkt, "central_meridian")?;
    let fe = parameter(wkt, "false_easting")?;
    let fn_ = parameter(wkt, "false_northing").unwrap_or(0.0);
    let k = parameter(wkt, "scale_factor").unwrap_or(1.0);
    let lat0 = parameter(wkt, "latitude_of_origin").unwrap_or(0.0);
    if lat0 != 0.0 || cm.fract() != 0.0 || fe.fract() != 0.0 {
        return None;
    }
    let cm = cm as i64;
    let fe = fe as i64;
    let cgcs = lower.contains("china_2000") || lower.contains("cgcs2000");
    let wgs = lower.contains("wgs_1984") || lower.contains("wgs 84");
    let code = if cgcs && k == 1.0 && fn_ == 0.0 {
        let zone = (fe - 500_000) / 1_000_000;
        match (fe, zone) {
            (500_000, _) if (75..=135).contains(&cm) && cm % 3 == 0 => 4534 + (cm - 75) / 3,
            (_, 25..=45) if fe == zone * 1_000_000 + 500_000 && zone * 3 == cm => 4513 + zone - 25,
            (_, 13..=23) if fe == zone * 1_000_000 + 500_000 && zone * 6 - 3 == cm => {
                4491 + zone - 13
            }
            _ => return None,
        }
    } else if wgs && (k - 0.9996).abs() < 1e-12 && fe == 500_000 && (cm + 183) % 6 == 0 {
        let zone = (cm + 183) / 6;
        if fn_ == 0.0 {
            32600 + zone
        } else if fn_ == 10_000_000.0 {
            32700 + zone
        } else {
            return None;
        }
    } else {
        return None;
    };
    Crs::from_epsg(u32::try_from(code).ok()?)
}
