//! `report.html`: one self-contained page with the map of grids and
//! micro-grids, the metrics tables and a histogram of grid loads, for
//! planners who open it offline in a browser.
//!
//! The page needs no network: CSS and JavaScript are inline, the map is
//! inline SVG written on the server side (so the number of `<path
//! class="grid">` elements is fixed by the HTML and does not depend on
//! scripts), and there are no fonts, tiles or libraries to fetch. JavaScript
//! only adds pan (drag), zoom (wheel, the +/− buttons and the keys `+`/`-`),
//! labels that appear when zoomed in, a hover box, sortable tables and "zoom
//! to village" links.
//!
//! # Parameters
//! - `title`: the page title (the caller puts the county code and run name
//!   in it); the county code is also derived from the 12-digit village codes
//!   (their first 6 digits) when they all agree.
//! - `shapes`: the polygons, lon/lat WGS84, rings flattened (exterior then
//!   holes for each part) and filled with the even-odd rule, so holes and
//!   enclaves come out right without knowing which ring is which.
//! - `metrics_json`: the full `metrics.json` value; every field is read
//!   defensively and a missing or mistyped one is shown as "–".
//! - `band`: the household band drawn on the histogram (default 300-500,
//!   docs/DESIGN.md §2).
//! - `grid_loads`: the loads binned in the histogram.
//!
//! Defaults and where they came from:
//! - histogram bins of [`BIN_WIDTH`] = 20 households: a fifth of the
//!   100-household span between the urban band's quarter points, fine enough
//!   to see whether grids pile up at a band limit; widened to a multiple of
//!   20 when more than [`MAX_BINS`] bins would be needed (absurd loads must
//!   not make the page huge);
//! - coordinates rounded to whole metres: the polygons are built in metres
//!   and 1 m is below any boundary's survey accuracy, while integer deltas
//!   keep a full county (about 150,000 ring vertices) near 2-4 MB;
//! - labels appear once their shape is about 110 px (grids, whose full code
//!   is 15 characters), 95 px (villages) or 36 px (micro-grids, labelled
//!   with their 2-digit sequence) wide on screen, the width a label needs at
//!   its font size.
//!
//! # Algorithm
//! 1. **Frame**: the centre (lon0, lat0) of the finite coordinates' bounding
//!    box; x = (lon − lon0)·cos(lat0)·m, y = −(lat − lat0)·m with m the metres
//!    per degree on the mean-radius sphere. This local equirectangular
//!    projection keeps shapes unstretched at county scale (the error is
//!    below 0.1 % over 50 km).
//! 2. **Paths**: each ring is rounded to integer metres, consecutive
//!    duplicates and the closing vertex dropped, and written as an absolute
//!    move followed by relative line deltas (`M x y l dx dy … z`); rings
//!    with fewer than 3 distinct vertices are skipped. Every shape yields
//!    one `<path>` even when no ring survives, so a grid count on the page
//!    always equals the grid shapes given.
//! 3. **Colours**: grid codes are sorted; each grid gets the first colour of
//!    the golden-ratio sequence (hue step 0.618 turns, three lightness and
//!    two saturation levels) starting at its own index that is far enough
//!    (red-mean RGB distance) from the colours of the grids whose bounding
//!    boxes touch its own; bounding boxes are swept in x order. Touching
//!    boxes over-approximate neighbours, which only adds constraints.
//! 4. **Labels**: one per code, at an interior point of the shape's largest
//!    part: the midpoint of the widest inside interval of the horizontal
//!    line through the largest ring's centroid (even-odd over all rings, so
//!    the point avoids holes and concave notches).
//! 5. **Tables and histogram** from `metrics_json` and `grid_loads`. When
//!    `metrics.transition` is present (the input named current grids), a
//!    "Transition from the current plan" section: one summary line, then
//!    the old grids with their fate and the new grids they went to, and the
//!    new grids that are not clean with their predecessors, each table in a
//!    collapsed `<details>` (a county has about 1,000 old grids) and cut
//!    after [`TRANSITION_ROWS`] rows (transition.csv has them all).
//!
//! # Complexity
//! O(V + n log n + n·a) for V ring vertices, n shapes and a bounding boxes
//! overlapping each grid's in x; the page is O(V + n) bytes.
//!
//! # Errors
//! None: [`render`] never fails. Non-finite coordinates are skipped,
//! missing metrics are shown as "–" and every text is HTML-escaped.
//! The output is deterministic: the same input gives byte-identical HTML.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Width of a histogram bin, in households (load units).
pub const BIN_WIDTH: f64 = 20.0;

/// The most histogram bins drawn before bins are widened.
pub const MAX_BINS: usize = 150;

/// The most rows of each transition table; a county has about 1,000 old and
/// 1,500 new grids, so only an absurd input is cut, and the page stays small.
pub const TRANSITION_ROWS: usize = 5_000;

/// Metres per degree of latitude on the mean-radius sphere (6,371,008.8 m).
const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// Values beyond this magnitude are treated as garbage by the histogram, so
/// that one absurd load cannot push the others into a single bin of width
/// 1e300 or overflow the bin arithmetic.
const HISTOGRAM_LIMIT: f64 = 1e12;

/// One polygon drawn on the map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapShape {
    /// The grid, micro-grid or village code.
    pub code: String,
    /// What the shape is.
    pub kind: ShapeKind,
    /// The village code it belongs to (its own code for a village).
    pub village: String,
    /// Households in the shape.
    pub households: u64,
    /// Workload of the shape.
    pub load: f64,
    /// Rings in lon/lat WGS84 degrees: for each polygon part its exterior
    /// and then its holes, all flattened into one list; filled even-odd.
    pub rings: Vec<Vec<[f64; 2]>>,
}

/// What a [`MapShape`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapeKind {
    /// A full-scope grid.
    Grid,
    /// A dedicated grid (专属网格).
    DedicatedGrid,
    /// A micro-grid (微网格).
    MicroGrid,
    /// A village or community boundary.
    Village,
}

/// Everything the report shows.
#[derive(Clone, Copy, Debug)]
pub struct ReportInput<'a> {
    /// The page title (county code and run name).
    pub title: &'a str,
    /// Grids, dedicated grids, micro-grids and villages, in any order.
    pub shapes: &'a [MapShape],
    /// The full metrics.json value.
    pub metrics_json: &'a Value,
    /// The household band drawn on the histogram.
    pub band: (f64, f64),
    /// Grid loads binned in the histogram.
    pub grid_loads: &'a [f64],
}

/// Appends formatted text to a `String`; writing to a `String` cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// Renders the whole page. Never fails; see the module docs.
#[must_use]
pub fn render(input: &ReportInput) -> String {
    let m = input.metrics_json;
    let mut out = String::with_capacity(64 * 1024 + input.shapes.len() * 256);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    w!(
        out,
        "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
        esc(input.title),
        CSS
    );
    header(&mut out, input);
    out.push_str("<main>\n");
    map(&mut out, input);
    out.push_str("<section id=\"side\">\n");
    summary(&mut out, m);
    histogram_section(&mut out, input);
    villages_table(&mut out, m);
    transition_section(&mut out, m);
    lists(&mut out, m);
    out.push_str(
        "<p class=\"foot\">Made by gridplan. This file is self-contained and needs no network. \
         Map: local equirectangular projection, coordinates rounded to 1 m. \
         Drag to pan, wheel or +/− to zoom; labels appear when zoomed in.</p>\n",
    );
    out.push_str("</section>\n</main>\n");
    w!(out, "<script>{}</script>\n</body>\n</html>\n", JS);
    out
}

// ---------------------------------------------------------------------------
// Text helpers

/// Escapes text for HTML element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The dash shown for a missing value.
const NA: &str = "–";

/// The value at `path` inside `v`.
fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    Some(cur)
}

/// A finite number at `path`.
fn num(v: &Value, path: &[&str]) -> Option<f64> {
    at(v, path)?.as_f64().filter(|x| x.is_finite())
}

/// A string at `path`.
fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(v, path)?.as_str()
}

/// An array at `path`.
fn arr<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Vec<Value>> {
    at(v, path)?.as_array()
}

/// An integer with thousands separators, or "–".
fn fint(x: Option<f64>) -> String {
    let Some(x) = x else { return NA.to_string() };
    let r = x.round();
    if r.abs() >= 1e15 {
        return format!("{x:e}");
    }
    let digits = format!("{}", r.abs() as u64);
    let mut o = String::new();
    if r < 0.0 {
        o.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            o.push(',');
        }
        o.push(ch);
    }
    o
}

/// A number with `d` decimals, or "–".
fn fnum(x: Option<f64>, d: usize) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{x:.d$}"),
        _ => NA.to_string(),
    }
}

/// A share (0..1) as a percentage with `d` decimals, or "–". A share below
/// 1 is never shown as 100 %: 10,472 of 10,473 is "99.9 %", not "100.0 %".
fn fpct(x: Option<f64>, d: usize) -> String {
    match x {
        Some(x) if x.is_finite() => {
            let s = format!("{:.d$}", x * 100.0);
            let full = format!("{:.d$}", 100.0);
            if x < 1.0 && s == full {
                let scale = 10f64.powi(d as i32);
                format!("{:.d$} %", (x * 100.0 * scale).floor() / scale)
            } else {
                format!("{s} %")
            }
        }
        _ => NA.to_string(),
    }
}

/// A number for an SVG attribute: at most 2 decimals, no trailing zeros.
fn svgn(x: f64) -> String {
    if !x.is_finite() {
        return "0".to_string();
    }
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// The county code: the common 6-digit prefix of the 12-digit village codes.
fn county_code(input: &ReportInput) -> Option<String> {
    let mut codes: BTreeSet<String> = BTreeSet::new();
    if let Some(vs) = arr(input.metrics_json, &["metrics", "villages"]) {
        for v in vs {
            if let Some(c) = text(v, &["code"]) {
                codes.insert(c.to_string());
            }
        }
    }
    if codes.is_empty() {
        for s in input.shapes {
            codes.insert(s.village.clone());
        }
    }
    let mut prefix: Option<String> = None;
    for c in &codes {
        if c.len() != 12 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let p = &c[..6];
        match &prefix {
            None => prefix = Some(p.to_string()),
            Some(q) if q != p => return None,
            Some(_) => {}
        }
    }
    prefix
}

// ---------------------------------------------------------------------------
// Header

fn header(out: &mut String, input: &ReportInput) {
    let m = input.metrics_json;
    w!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"params\">",
        esc(input.title)
    );
    let mut parts: Vec<String> = Vec::new();
    if let Some(c) = county_code(input) {
        parts.push(format!("County <b>{}</b>", esc(&c)));
    }
    let p = |k: &str| num(m, &["params", k]);
    if let Some(t) = p("target") {
        parts.push(format!("target {}", fnum(Some(t), 0)));
    }
    if let Some(g) = p("grids") {
        parts.push(format!("grids {}", fint(Some(g))));
    }
    let band =
        band_of(m, &["params", "band"]).or_else(|| band_of(m, &["metrics", "params", "band"]));
    parts.push(match band {
        Some((a, b)) => format!("band {}–{}", fnum(Some(a), 0), fnum(Some(b), 0)),
        None => format!("band {NA}"),
    });
    let tol = p("tolerance").or_else(|| num(m, &["metrics", "params", "tolerance"]));
    parts.push(format!("tolerance ±{}", fpct(tol, 0)));
    let seed = p("seed").or_else(|| num(m, &["metrics", "params", "seed"]));
    parts.push(format!("seed {}", fnum(seed, 0)));
    if let Some(mt) = p("micro_target") {
        let mb = band_of(m, &["params", "micro_band"]);
        let mb = match mb {
            Some((a, b)) => format!(", band {}–{}", fnum(Some(a), 0), fnum(Some(b), 0)),
            None => String::new(),
        };
        parts.push(format!("micro-grid target {}{mb}", fnum(Some(mt), 0)));
    }
    if let Some(ws) = at(m, &["params", "weights"]).and_then(Value::as_object) {
        let list: Vec<String> = ws
            .iter()
            .filter_map(|(k, v)| {
                let x = v.as_f64()?;
                (x != 0.0).then(|| format!("{}×{}", svgn(x), esc(k)))
            })
            .collect();
        if !list.is_empty() {
            parts.push(format!("load = {}", list.join(" + ")));
        }
    }
    if let Some(z) = p("dedicated_zones") {
        parts.push(format!("dedicated zones {}", fint(Some(z))));
    }
    out.push_str(&parts.join(" · "));
    out.push_str("</p>\n</header>\n");
}

/// A `[min, max]` pair at `path`.
fn band_of(m: &Value, path: &[&str]) -> Option<(f64, f64)> {
    let a = arr(m, path)?;
    let lo = a.first()?.as_f64()?;
    let hi = a.get(1)?.as_f64()?;
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

// ---------------------------------------------------------------------------
// Map

/// The local equirectangular frame (step 1).
struct Frame {
    lon0: f64,
    lat0: f64,
    kx: f64,
}

impl Frame {
    fn new(shapes: &[MapShape]) -> Frame {
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for p in shapes.iter().flat_map(|s| s.rings.iter().flatten()) {
            if p[0].is_finite() && p[1].is_finite() {
                x0 = x0.min(p[0]);
                x1 = x1.max(p[0]);
                y0 = y0.min(p[1]);
                y1 = y1.max(p[1]);
            }
        }
        if !(x0 <= x1 && y0 <= y1) {
            return Frame {
                lon0: 0.0,
                lat0: 0.0,
                kx: METRES_PER_DEGREE,
            };
        }
        let lon0 = x0 / 2.0 + x1 / 2.0;
        let lat0 = y0 / 2.0 + y1 / 2.0;
        let kx = lat0.to_radians().cos().abs() * METRES_PER_DEGREE;
        Frame { lon0, lat0, kx }
    }

    /// Integer metres, `None` for a non-finite coordinate.
    fn project(&self, p: [f64; 2]) -> Option<[i64; 2]> {
        let x = (p[0] - self.lon0) * self.kx;
        let y = -(p[1] - self.lat0) * METRES_PER_DEGREE;
        // `as` saturates, so absurd coordinates cannot panic.
        (x.is_finite() && y.is_finite()).then(|| [x.round() as i64, y.round() as i64])
    }
}

/// A shape in integer metres.
struct Projected {
    rings: Vec<Vec<[i64; 2]>>,
}

impl Projected {
    fn new(s: &MapShape, f: &Frame) -> Projected {
        let mut rings = Vec::new();
        for r in &s.rings {
            let mut pts: Vec<[i64; 2]> = Vec::with_capacity(r.len());
            for p in r {
                if let Some(q) = f.project(*p)
                    && pts.last() != Some(&q)
                {
                    pts.push(q);
                }
            }
            while pts.len() > 1 && pts.first() == pts.last() {
                pts.pop();
            }
            if pts.len() >= 3 {
                rings.push(pts);
            }
        }
        Projected { rings }
    }

    /// `[minx, miny, maxx, maxy]`, `None` without rings.
    fn bbox(&self) -> Option<[i64; 4]> {
        let mut it = self.rings.iter().flatten();
        let first = it.next()?;
        let mut b = [first[0], first[1], first[0], first[1]];
        for p in it {
            b[0] = b[0].min(p[0]);
            b[1] = b[1].min(p[1]);
            b[2] = b[2].max(p[0]);
            b[3] = b[3].max(p[1]);
        }
        Some(b)
    }

    /// The SVG path data (step 2).
    fn path_d(&self) -> String {
        let mut d = String::with_capacity(self.rings.iter().map(|r| r.len() * 8 + 16).sum());
        for r in &self.rings {
            w!(d, "M{} {}l", r[0][0], r[0][1]);
            let mut first = true;
            for pair in r.windows(2) {
                for v in [
                    pair[1][0].saturating_sub(pair[0][0]),
                    pair[1][1].saturating_sub(pair[0][1]),
                ] {
                    // A minus sign separates numbers by itself.
                    if !first && v >= 0 {
                        d.push(' ');
                    }
                    w!(d, "{v}");
                    first = false;
                }
            }
            d.push('z');
        }
        d
    }

    /// The largest ring's |area| (m²) and a label point inside the shape (step 4).
    fn label(&self) -> Option<(f64, [f64; 2])> {
        let (big, area) = self
            .rings
            .iter()
            .map(|r| (r, ring_area(r)))
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
        let c = ring_centroid(big, area);
        let b = self.bbox()?;
        // Integer vertices: a line at .5 never passes through a vertex.
        let mid = ((b[1] as f64 + b[3] as f64) / 2.0).floor() + 0.5;
        for y in [c[1].floor() + 0.5, mid] {
            if let Some(x) = self.widest_inside(y) {
                return Some((area.abs(), [x, y]));
            }
        }
        Some((area.abs(), c))
    }

    /// The midpoint of the widest inside interval of the line at `y`.
    fn widest_inside(&self, y: f64) -> Option<f64> {
        let mut xs: Vec<f64> = Vec::new();
        for r in &self.rings {
            for i in 0..r.len() {
                let a = r[i];
                let b = r[(i + 1) % r.len()];
                let (ay, by) = (a[1] as f64, b[1] as f64);
                if (ay < y) != (by < y) {
                    let t = (y - ay) / (by - ay);
                    xs.push(a[0] as f64 + t * (b[0] as f64 - a[0] as f64));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        xs.chunks_exact(2)
            .map(|p| (p[1] - p[0], (p[0] + p[1]) / 2.0))
            .filter(|p| p.0 > 0.0)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|p| p.1)
    }
}

/// Signed shoelace area.
fn ring_area(r: &[[i64; 2]]) -> f64 {
    let mut s = 0.0;
    for i in 0..r.len() {
        let a = r[i];
        let b = r[(i + 1) % r.len()];
        s += a[0] as f64 * b[1] as f64 - b[0] as f64 * a[1] as f64;
    }
    s / 2.0
}

/// Area centroid of a ring, the vertex mean for a degenerate one.
fn ring_centroid(r: &[[i64; 2]], area: f64) -> [f64; 2] {
    let n = r.len().max(1) as f64;
    let mean = [
        r.iter().map(|p| p[0] as f64).sum::<f64>() / n,
        r.iter().map(|p| p[1] as f64).sum::<f64>() / n,
    ];
    if area.abs() < 1e-9 {
        return mean;
    }
    let (mut cx, mut cy) = (0.0, 0.0);
    for i in 0..r.len() {
        // Relative to the mean, for accuracy far from the origin.
        let a = [r[i][0] as f64 - mean[0], r[i][1] as f64 - mean[1]];
        let j = (i + 1) % r.len();
        let b = [r[j][0] as f64 - mean[0], r[j][1] as f64 - mean[1]];
        let cross = a[0] * b[1] - b[0] * a[1];
        cx += (a[0] + b[0]) * cross;
        cy += (a[1] + b[1]) * cross;
    }
    let c = [mean[0] + cx / (6.0 * area), mean[1] + cy / (6.0 * area)];
    if c[0].is_finite() && c[1].is_finite() {
        c
    } else {
        mean
    }
}

/// HSL (all in 0..1) to RGB.
fn hsl_rgb(h: f64, s: f64, l: f64) -> [u8; 3] {
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    let f = |t: f64| {
        let t = t.rem_euclid(1.0);
        let v = if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        };
        (v * 255.0).round().clamp(0.0, 255.0) as u8
    };
    [f(h + 1.0 / 3.0), f(h), f(h - 1.0 / 3.0)]
}

/// The n-th colour of the golden-ratio sequence (step 3): pastel enough for
/// black borders and labels to read on it.
fn golden(n: usize) -> [u8; 3] {
    const PHI: f64 = 0.618_033_988_749_895;
    let h = (n as f64 * PHI).fract();
    let l = [0.72, 0.62, 0.80][n % 3];
    let s = [0.62, 0.48][(n / 3) % 2];
    hsl_rgb(h, s, l)
}

/// Red-mean colour distance (0 to about 765).
fn colour_distance(a: [u8; 3], b: [u8; 3]) -> f64 {
    let rm = (a[0] as f64 + b[0] as f64) / 2.0;
    let dr = a[0] as f64 - b[0] as f64;
    let dg = a[1] as f64 - b[1] as f64;
    let db = a[2] as f64 - b[2] as f64;
    ((2.0 + rm / 256.0) * dr * dr + 4.0 * dg * dg + (2.0 + (255.0 - rm) / 256.0) * db * db).sqrt()
}

/// Colours for grid codes (sorted) with the bounding boxes of their shapes.
fn grid_colours(
    boxes: &BTreeMap<&str, [i64; 4]>,
    all_codes: &BTreeSet<&str>,
) -> BTreeMap<String, [u8; 3]> {
    // Neighbours by touching bounding boxes, swept in x order.
    let codes: Vec<&str> = all_codes.iter().copied().collect();
    let idx: BTreeMap<&str, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); codes.len()];
    let mut order: Vec<(&str, [i64; 4])> = boxes.iter().map(|(c, b)| (*c, *b)).collect();
    order.sort_by_key(|(c, b)| (b[0], *c));
    for i in 0..order.len() {
        let (ci, bi) = order[i];
        for &(cj, bj) in &order[i + 1..] {
            if bj[0] > bi[2].saturating_add(1) {
                break;
            }
            let touch = bj[1] <= bi[3].saturating_add(1) && bi[1] <= bj[3].saturating_add(1);
            if touch && let (Some(&a), Some(&b)) = (idx.get(ci), idx.get(cj)) {
                adj[a].push(b);
                adj[b].push(a);
            }
        }
    }
    const FAR_ENOUGH: f64 = 150.0;
    const TRIES: usize = 48;
    let mut colour: Vec<Option<[u8; 3]>> = vec![None; codes.len()];
    for i in 0..codes.len() {
        let near: Vec<[u8; 3]> = adj[i].iter().filter_map(|&j| colour[j]).collect();
        let mut best = (f64::NEG_INFINITY, golden(i));
        for t in 0..TRIES {
            let c = golden(i + t);
            let d = near
                .iter()
                .map(|&n| colour_distance(c, n))
                .fold(f64::INFINITY, f64::min);
            if d >= FAR_ENOUGH {
                best = (d, c);
                break;
            }
            if d > best.0 {
                best = (d, c);
            }
        }
        colour[i] = Some(best.1);
    }
    codes
        .iter()
        .zip(colour)
        .map(|(c, col)| (c.to_string(), col.unwrap_or([200, 200, 200])))
        .collect()
}

/// A label to place.
struct Label {
    text: String,
    xy: [f64; 2],
    size: f64,
}

fn map(out: &mut String, input: &ReportInput) {
    let frame = Frame::new(input.shapes);
    let projected: Vec<Projected> = input
        .shapes
        .iter()
        .map(|s| Projected::new(s, &frame))
        .collect();
    let is_grid = |k: ShapeKind| matches!(k, ShapeKind::Grid | ShapeKind::DedicatedGrid);

    // Whole-map bounds.
    let mut bounds: Option<[i64; 4]> = None;
    for b in projected.iter().filter_map(Projected::bbox) {
        bounds = Some(match bounds {
            None => b,
            Some(a) => [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ],
        });
    }

    // Grid colours.
    let mut grid_codes: BTreeSet<&str> = BTreeSet::new();
    let mut boxes: BTreeMap<&str, [i64; 4]> = BTreeMap::new();
    for (s, p) in input.shapes.iter().zip(&projected) {
        if !is_grid(s.kind) {
            continue;
        }
        grid_codes.insert(&s.code);
        if let Some(b) = p.bbox() {
            boxes
                .entry(&s.code)
                .and_modify(|a| {
                    *a = [
                        a[0].min(b[0]),
                        a[1].min(b[1]),
                        a[2].max(b[2]),
                        a[3].max(b[3]),
                    ]
                })
                .or_insert(b);
        }
    }
    let colours = grid_colours(&boxes, &grid_codes);

    // Village means, for the deviation shown on hover.
    let mut targets: BTreeMap<&str, f64> = BTreeMap::new();
    if let Some(vs) = arr(input.metrics_json, &["metrics", "villages"]) {
        for v in vs {
            if let (Some(c), Some(t)) = (text(v, &["code"]), num(v, &["target"])) {
                targets.insert(c, t);
            }
        }
    }

    // Labels: one per (kind, code), on the largest shape with that code.
    let mut labels: [BTreeMap<&str, Label>; 3] =
        [BTreeMap::new(), BTreeMap::new(), BTreeMap::new()];
    let mut grid_sizes: Vec<f64> = Vec::new();
    for (s, p) in input.shapes.iter().zip(&projected) {
        let slot = match s.kind {
            ShapeKind::Village => 0,
            ShapeKind::Grid | ShapeKind::DedicatedGrid => 1,
            ShapeKind::MicroGrid => 2,
        };
        let Some((area, xy)) = p.label() else {
            continue;
        };
        let size = area.sqrt();
        let text = if s.kind == ShapeKind::MicroGrid {
            micro_label(&s.code, &grid_codes)
        } else {
            s.code.clone()
        };
        let better = labels[slot]
            .get(s.code.as_str())
            .is_none_or(|l| size > l.size);
        if better {
            labels[slot].insert(&s.code, Label { text, xy, size });
        }
    }
    for l in labels[1].values() {
        grid_sizes.push(l.size);
    }
    grid_sizes.sort_by(f64::total_cmp);
    let grid_median = grid_sizes.get(grid_sizes.len() / 2).copied().unwrap_or(0.0);

    let vb = match bounds {
        Some(b) => {
            let w = (b[2] - b[0]).max(1) as f64;
            let h = (b[3] - b[1]).max(1) as f64;
            let pad = (w.max(h) * 0.02).max(10.0).round();
            format!(
                "{} {} {} {}",
                svgn(b[0] as f64 - pad),
                svgn(b[1] as f64 - pad),
                svgn(w + 2.0 * pad),
                svgn(h + 2.0 * pad)
            )
        }
        None => "0 0 100 100".to_string(),
    };

    out.push_str("<section id=\"mapbox\">\n");
    w!(
        out,
        "<svg id=\"map\" viewBox=\"{vb}\" preserveAspectRatio=\"xMidYMid meet\" data-gmed=\"{}\" \
         data-lon0=\"{:.6}\" data-lat0=\"{:.6}\" role=\"img\" aria-label=\"Map of grids and micro-grids\">\n",
        svgn(grid_median.round()),
        frame.lon0,
        frame.lat0
    );
    out.push_str(
        "<defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"8\" \
         patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#ece6f5\"/>\
         <rect width=\"3\" height=\"8\" fill=\"#8a6bb8\"/></pattern></defs>\n<g id=\"vp\">\n",
    );
    // Layers bottom-up: grid fills, micro-grid borders, village borders.
    out.push_str("<g id=\"grids\">\n");
    for (s, p) in input.shapes.iter().zip(&projected) {
        if !is_grid(s.kind) {
            continue;
        }
        let ded = s.kind == ShapeKind::DedicatedGrid;
        w!(
            out,
            "<path class=\"grid\" data-code=\"{}\" data-v=\"{}\" data-h=\"{}\" data-l=\"{}\"",
            esc(&s.code),
            esc(&s.village),
            s.households,
            fnum(Some(s.load), 1)
        );
        if ded {
            out.push_str(" data-t=\"d\"");
        } else {
            let c = colours.get(&s.code).copied().unwrap_or([200, 200, 200]);
            if let Some(t) = targets.get(s.village.as_str()).filter(|t| **t > 0.0)
                && s.load.is_finite()
            {
                w!(out, " data-d=\"{:+.1} %\"", (s.load / t - 1.0) * 100.0);
            }
            w!(out, " fill=\"#{:02x}{:02x}{:02x}\"", c[0], c[1], c[2]);
        }
        w!(out, " d=\"{}\"/>\n", p.path_d());
    }
    out.push_str("</g>\n<g id=\"micros\">\n");
    for (s, p) in input.shapes.iter().zip(&projected) {
        if s.kind == ShapeKind::MicroGrid {
            w!(
                out,
                "<path class=\"micro\" data-code=\"{}\" d=\"{}\"/>\n",
                esc(&s.code),
                p.path_d()
            );
        }
    }
    out.push_str("</g>\n<g id=\"villages\">\n");
    for (s, p) in input.shapes.iter().zip(&projected) {
        if s.kind == ShapeKind::Village {
            w!(
                out,
                "<path class=\"village\" data-code=\"{}\" d=\"{}\"/>\n",
                esc(&s.code),
                p.path_d()
            );
        }
    }
    out.push_str("</g>\n");
    for (id, set) in [
        ("lbl-v", &labels[0]),
        ("lbl-g", &labels[1]),
        ("lbl-m", &labels[2]),
    ] {
        w!(out, "<g id=\"{id}\" class=\"lbl\">\n");
        for l in set.values() {
            w!(
                out,
                "<text x=\"{}\" y=\"{}\" data-s=\"{}\">{}</text>\n",
                svgn(l.xy[0].round()),
                svgn(l.xy[1].round()),
                svgn(l.size.round()),
                esc(&l.text)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n</svg>\n");
    out.push_str(
        "<div class=\"ctl\"><button id=\"zin\" title=\"Zoom in (+)\">+</button>\
         <button id=\"zout\" title=\"Zoom out (−)\">−</button>\
         <button id=\"zfit\" title=\"Whole county\">⤢</button></div>\n\
         <div id=\"info\" hidden></div>\n\
         <div class=\"scale\"><div id=\"sbar\"></div><span id=\"stext\"></span></div>\n",
    );
    let n_grids = input
        .shapes
        .iter()
        .filter(|s| s.kind == ShapeKind::Grid)
        .count();
    let n_ded = input
        .shapes
        .iter()
        .filter(|s| s.kind == ShapeKind::DedicatedGrid)
        .count();
    let n_micro = input
        .shapes
        .iter()
        .filter(|s| s.kind == ShapeKind::MicroGrid)
        .count();
    let n_vil = input
        .shapes
        .iter()
        .filter(|s| s.kind == ShapeKind::Village)
        .count();
    w!(
        out,
        "<div class=\"legend\"><div><i class=\"sw g\"></i>full-scope grid ({n_grids})</div>\
         <div><i class=\"sw d\"></i>dedicated grid ({n_ded})</div>\
         <div><i class=\"ln m\"></i>micro-grid border ({n_micro})</div>\
         <div><i class=\"ln v\"></i>village border ({n_vil})</div></div>\n"
    );
    if bounds.is_none() {
        out.push_str("<p class=\"empty\">No polygons to draw.</p>\n");
    }
    out.push_str("</section>\n");
}

/// A micro-grid's label: its 2-character sequence when the rest is a grid
/// code on the map (the grid label shows the rest), else the whole code.
fn micro_label(code: &str, grids: &BTreeSet<&str>) -> String {
    let n = code.chars().count();
    if n > 2 {
        let cut = code.char_indices().nth(n - 2).map_or(0, |(i, _)| i);
        if grids.contains(&code[..cut]) {
            return code[cut..].to_string();
        }
    }
    code.to_string()
}

// ---------------------------------------------------------------------------
// Tables

fn row(out: &mut String, label: &str, value: &str, class: &str) {
    if class.is_empty() {
        w!(out, "<tr><th>{label}</th><td>{value}</td></tr>\n");
    } else {
        w!(
            out,
            "<tr class=\"{class}\"><th>{label}</th><td>{value}</td></tr>\n"
        );
    }
}

/// "a / b" with a share.
fn of(a: Option<f64>, b: Option<f64>, share: Option<f64>) -> String {
    format!("{} ({}/{})", fpct(share, 1), fint(a), fint(b))
}

fn summary(out: &mut String, m: &Value) {
    let c = |p: &[&str]| {
        let mut path = vec!["metrics", "county"];
        path.extend_from_slice(p);
        num(m, &path)
    };
    let tol =
        num(m, &["metrics", "params", "tolerance"]).or_else(|| num(m, &["params", "tolerance"]));
    let band = band_of(m, &["metrics", "params", "band"]);
    out.push_str("<h2>County summary</h2>\n<table class=\"kv\">\n");
    row(out, "Villages", &fint(c(&["villages"])), "");
    row(
        out,
        "Grids",
        &format!(
            "{} ({} full-scope, {} dedicated)",
            fint(c(&["grids"])),
            fint(c(&["full_scope_grids"])),
            fint(c(&["dedicated_grids"]))
        ),
        "",
    );
    row(out, "Households", &fint(c(&["households"])), "");
    row(out, "Population", &fint(c(&["population"])), "");
    row(
        out,
        "Points / buildings",
        &format!("{} / {}", fint(c(&["points"])), fint(c(&["buildings"]))),
        "",
    );
    row(
        out,
        "Load mean / min / max",
        &format!(
            "{} / {} / {}",
            fnum(c(&["mean_load"]), 1),
            fnum(c(&["min_load"]), 1),
            fnum(c(&["max_load"]), 1)
        ),
        "",
    );
    let md = c(&["balance", "max_dev"]);
    let bad_dev = matches!((md, tol), (Some(d), Some(t)) if d > t + 1e-9);
    row(
        out,
        "Max deviation from village mean",
        &fpct(md, 1),
        if bad_dev { "warn" } else { "" },
    );
    let wt = c(&["balance", "within_tol_share"]);
    row(
        out,
        &format!("Within ±{}", fpct(tol, 0)),
        &of(c(&["balance", "within_tol"]), c(&["balance", "grids"]), wt),
        if wt.is_some_and(|s| s < 0.99) {
            "warn"
        } else {
            ""
        },
    );
    let band_label = match band {
        Some((a, b)) => format!("Households in {}–{}", fnum(Some(a), 0), fnum(Some(b), 0)),
        None => "Households in band".to_string(),
    };
    row(
        out,
        &band_label,
        &of(
            c(&["balance", "in_band"]),
            c(&["balance", "grids"]),
            c(&["balance", "in_band_share"]),
        ),
        "",
    );
    row(out, "Load CV", &fnum(c(&["balance", "cv"]), 3), "");
    let cs = c(&["contiguity", "contiguous_share"]);
    row(
        out,
        "Contiguous",
        &of(c(&["contiguity", "contiguous"]), c(&["grids"]), cs),
        if cs.is_some_and(|s| s < 1.0) {
            "bad"
        } else {
            ""
        },
    );
    let nv = c(&["nesting", "violations"]);
    row(
        out,
        "Nesting violations",
        &fint(nv),
        if nv.is_some_and(|v| v > 0.0) {
            "bad"
        } else {
            ""
        },
    );
    row(
        out,
        "SSE / k-means SSE",
        &format!(
            "{} ({} villages, {} skipped)",
            fnum(c(&["compactness", "sse_ratio"]), 3),
            fint(c(&["compactness", "villages_in_ratio"])),
            fint(c(&["compactness", "villages_skipped"]))
        ),
        "",
    );
    row(
        out,
        "Mean distance to centroid",
        &format!("{} m", fnum(c(&["compactness", "mean_distance_m"]), 1)),
        "",
    );
    if let Some(d) = num(m, &["max_deviation_from_county_mean"]) {
        row(out, "Max deviation from county mean", &fpct(Some(d), 1), "");
    }
    if at(m, &["metrics", "micro"]).is_some_and(|v| !v.is_null()) {
        let mi = |p: &[&str]| {
            let mut path = vec!["metrics", "micro"];
            path.extend_from_slice(p);
            num(m, &path)
        };
        row(
            out,
            "Micro-grids (mean per grid)",
            &format!(
                "{} ({})",
                fint(mi(&["count"])),
                fnum(mi(&["per_grid", "mean"]), 2)
            ),
            "",
        );
        let mb = band_of(m, &["metrics", "params", "micro_band"]);
        let label = match mb {
            Some((a, b)) => format!("Micro-grids in {}–{}", fnum(Some(a), 0), fnum(Some(b), 0)),
            None => "Micro-grids in band".to_string(),
        };
        row(
            out,
            &label,
            &format!(
                "{} ({} oversize buildings)",
                fpct(mi(&["in_band_share"]), 1),
                fint(mi(&["oversize"]))
            ),
            "",
        );
        let mcs = mi(&["contiguity", "contiguous_share"]);
        row(
            out,
            "Micro-grids contiguous",
            &of(mi(&["contiguity", "contiguous"]), mi(&["count"]), mcs),
            if mcs.is_some_and(|s| s < 1.0) {
                "bad"
            } else {
                ""
            },
        );
        let split = mi(&["buildings_split"]);
        row(
            out,
            "Buildings split",
            &fint(split),
            if split.is_some_and(|s| s > 0.0) {
                "bad"
            } else {
                ""
            },
        );
    }
    if at(m, &["metrics", "stability"]).is_some_and(|v| !v.is_null()) {
        let st = |p: &str| num(m, &["metrics", "stability", p]);
        row(out, "Lineage kept", &fpct(st("lineage_kept"), 1), "");
        if let Some(moved) = st("households_moved") {
            row(
                out,
                "Households moved",
                &format!("{} of {}", fint(Some(moved)), fint(st("households"))),
                "",
            );
        }
        row(
            out,
            "Clean grids",
            &of(st("clean_grids"), st("new_grids"), st("clean_share")),
            "",
        );
        row(
            out,
            "Old grids kept / split / merged / dissolved",
            &format!(
                "{} / {} / {} / {} of {}",
                fint(st("kept")),
                fint(st("split")),
                fint(st("merged")),
                fint(st("dissolved")),
                fint(st("old_grids"))
            ),
            "",
        );
    }
    out.push_str("</table>\n");
}

/// The village table's rows, sortable in the browser.
fn villages_table(out: &mut String, m: &Value) {
    out.push_str("<h2>Villages</h2>\n");
    let Some(vs) = arr(m, &["metrics", "villages"]) else {
        w!(out, "<p>{NA}</p>\n");
        return;
    };
    let tol = num(m, &["metrics", "params", "tolerance"]);
    out.push_str(
        "<p class=\"note\">Click a column to sort, a code to zoom to the village. \
         Rows in red miss the tolerance or contiguity.</p>\n\
         <table class=\"grid-t sortable\" id=\"vtable\">\n<thead><tr><th>Village</th><th class=\"n\">k</th>\
         <th class=\"n\">Ded.</th><th class=\"n\">Micro</th><th class=\"n\">Households</th><th class=\"n\">Mean</th>\
         <th class=\"n\">Max dev.</th><th class=\"n\">Contiguous</th><th class=\"n\">SSE ratio</th></tr></thead>\n<tbody>\n",
    );
    for v in vs {
        let code = text(v, &["code"]).unwrap_or(NA);
        let k = num(v, &["k"]);
        let ded = num(v, &["dedicated_grids"]);
        let total = match (k, ded) {
            (Some(a), Some(b)) => Some(a + b),
            (Some(a), None) => Some(a),
            _ => None,
        };
        let cont = num(v, &["contiguous"]);
        let md = num(v, &["max_dev"]);
        let bad = matches!((md, tol), (Some(d), Some(t)) if d > t + 1e-9)
            || matches!((cont, total), (Some(c), Some(t)) if c < t);
        let dv =
            |x: Option<f64>| x.map_or(String::new(), |x| format!(" data-v=\"{}\"", svgn_full(x)));
        w!(
            out,
            "<tr{}><td><a href=\"#\" data-goto=\"{}\">{}</a></td>",
            if bad { " class=\"bad\"" } else { "" },
            esc(code),
            esc(code)
        );
        for (x, s) in [
            (k, fint(k)),
            (ded, fint(ded)),
            (num(v, &["micro_grids"]), fint(num(v, &["micro_grids"]))),
            (num(v, &["households"]), fint(num(v, &["households"]))),
            (num(v, &["target"]), fnum(num(v, &["target"]), 1)),
            (md, fpct(md, 1)),
            (cont, format!("{}/{}", fint(cont), fint(total))),
            (num(v, &["sse_ratio"]), fnum(num(v, &["sse_ratio"]), 3)),
        ] {
            w!(out, "<td class=\"n\"{}>{}</td>", dv(x), s);
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// A number for a data attribute (sorting): full precision, finite.
fn svgn_full(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "0".to_string()
    }
}

/// The lists of problems and notes.
fn lists(out: &mut String, m: &Value) {
    let cell = |v: &Value, k: &str, d: Option<usize>| -> String {
        match at(v, &[k]) {
            Some(Value::String(s)) => esc(s),
            Some(x) => match (x.as_f64(), d) {
                (Some(f), Some(d)) => fnum(Some(f), d),
                (Some(f), None) => fint(Some(f)),
                _ => NA.to_string(),
            },
            None => NA.to_string(),
        }
    };
    type Col<'c> = (&'c str, &'c str, Option<usize>, bool);
    let table = |out: &mut String, title: &str, path: &[&str], cols: &[Col], limit: usize| {
        w!(out, "<h2>{title}</h2>\n");
        let Some(items) = arr(m, path) else {
            w!(out, "<p>{NA}</p>\n");
            return;
        };
        if items.is_empty() {
            out.push_str("<p class=\"ok\">None.</p>\n");
            return;
        }
        out.push_str("<table class=\"grid-t\">\n<thead><tr>");
        for (_, h, _, n) in cols {
            w!(out, "<th{}>{h}</th>", if *n { " class=\"n\"" } else { "" });
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for it in items.iter().take(limit) {
            out.push_str("<tr>");
            for (k, _, d, n) in cols {
                let s = if *k == "max_dev" {
                    fpct(num(it, &[k]), 1)
                } else {
                    cell(it, k, *d)
                };
                w!(out, "<td{}>{s}</td>", if *n { " class=\"n\"" } else { "" });
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        if items.len() > limit {
            w!(
                out,
                "<p class=\"note\">… and {} more (see metrics.json).</p>\n",
                items.len() - limit
            );
        }
    };
    const LIMIT: usize = 200;
    table(
        out,
        "Balance shortfalls",
        &["balance_shortfalls"],
        &[
            ("village_code", "Village", None, false),
            ("k", "k", None, true),
            ("target", "Mean", Some(1), true),
            ("max_dev", "Max dev.", None, true),
            ("largest_unit", "Largest building", Some(0), true),
            ("reason", "Why", None, false),
        ],
        LIMIT,
    );
    table(
        out,
        "Villages outside the band",
        &["villages_outside_band"],
        &[
            ("village_code", "Village", None, false),
            ("households", "Households", None, true),
            ("k", "k", None, true),
            ("mean_households", "Mean per grid", Some(1), true),
        ],
        LIMIT,
    );
    table(
        out,
        "Non-contiguous grids",
        &["metrics", "county", "contiguity", "examples"],
        &[
            ("grid", "Grid", None, false),
            ("village", "Village", None, false),
            ("components", "Pieces", None, true),
        ],
        LIMIT,
    );
    // Zones across villages: households per village as one cell.
    out.push_str("<h2>Dedicated zones across villages</h2>\n");
    match arr(m, &["zones_across_villages"]) {
        None => w!(out, "<p>{NA}</p>\n"),
        Some(z) if z.is_empty() => out.push_str("<p class=\"ok\">None.</p>\n"),
        Some(z) => {
            out.push_str("<table class=\"grid-t\">\n<thead><tr><th>Zone</th><th>Given to</th><th>Households by village</th></tr></thead>\n<tbody>\n");
            for it in z.iter().take(LIMIT) {
                let by = at(it, &["households_by_village"])
                    .and_then(Value::as_object)
                    .map_or(NA.to_string(), |o| {
                        o.iter()
                            .map(|(k, v)| format!("{}: {}", esc(k), fint(v.as_f64())))
                            .collect::<Vec<_>>()
                            .join(", ")
                    });
                w!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    cell(it, "zone_code", None),
                    cell(it, "village_code", None),
                    by
                );
            }
            out.push_str("</tbody>\n</table>\n");
        }
    }
    out.push_str("<h2>Empty dedicated zones</h2>\n");
    match arr(m, &["empty_zones"]) {
        None => w!(out, "<p>{NA}</p>\n"),
        Some(z) if z.is_empty() => out.push_str("<p class=\"ok\">None.</p>\n"),
        Some(z) => {
            let names: Vec<String> = z
                .iter()
                .map(|v| v.as_str().map_or(NA.to_string(), esc))
                .collect();
            w!(out, "<p>{}</p>\n", names.join(", "));
        }
    }
    table(
        out,
        "Households placed by snapping",
        &["snapped"],
        &[
            ("id", "Id", None, false),
            ("village_code", "Village", None, false),
            ("distance_m", "Distance (m)", Some(1), true),
            ("why", "Why", None, false),
        ],
        LIMIT,
    );
}

/// `A (312), B (290)`: grids with the households they share.
fn share_list<'a>(shares: impl Iterator<Item = &'a Value>) -> String {
    shares
        .map(|s| {
            format!(
                "{} ({})",
                esc(text(s, &["grid"]).unwrap_or(NA)),
                fint(num(s, &["households"]))
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What became of one old grid, in words: "split into A (312), B (290)",
/// "merged with C (280) into B", "kept as B; also D (3)", "dissolved into …".
/// `from_of` gives a new grid's `from` list.
fn fate_words(o: &Value, from_of: &BTreeMap<&str, &Vec<Value>>) -> String {
    let code = text(o, &["code"]).unwrap_or(NA);
    let succ = text(o, &["successor"]).unwrap_or(NA);
    let empty = Vec::new();
    let to = arr(o, &["to"]).unwrap_or(&empty);
    let others = || {
        share_list(
            to.iter()
                .filter(|s| text(s, &["grid"]).is_some_and(|g| g != succ)),
        )
    };
    let also = |s: String| {
        if to.len() > 1 {
            format!("{s}; also to {}", others())
        } else {
            s
        }
    };
    match text(o, &["fate"]) {
        Some("kept") => also(format!("kept as {}", esc(succ))),
        Some("split") => format!("split into {}", share_list(to.iter())),
        Some("merged") => {
            let partners = from_of.get(succ).map_or(String::new(), |f| {
                share_list(
                    f.iter()
                        .filter(|s| text(s, &["grid"]).is_some_and(|g| g != code)),
                )
            });
            if partners.is_empty() {
                also(format!("merged into {}", esc(succ)))
            } else {
                also(format!("merged with {partners} into {}", esc(succ)))
            }
        }
        Some("dissolved") => format!("dissolved into {}", share_list(to.iter())),
        _ => NA.to_string(),
    }
}

/// "Transition from the current plan", when metrics.json has a transition.
fn transition_section(out: &mut String, m: &Value) {
    let Some(t) = at(m, &["metrics", "transition"]).filter(|v| v.is_object()) else {
        return;
    };
    let empty = Vec::new();
    let old = arr(t, &["old"]).unwrap_or(&empty);
    let new = arr(t, &["new"]).unwrap_or(&empty);
    let fate_count = |f: &str| old.iter().filter(|o| text(o, &["fate"]) == Some(f)).count();
    let is_clean = |n: &Value| at(n, &["clean"]).and_then(Value::as_bool) == Some(true);
    let clean = new.iter().filter(|n| is_clean(n)).count();
    let households = num(t, &["households"]);
    let moved = num(t, &["households_moved"]);
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    let moved_share = ratio(moved, households);
    // Any share over zero grids is 1, as in the metrics.
    let clean_share = if new.is_empty() {
        1.0
    } else {
        clean as f64 / new.len() as f64
    };
    let count = |n: usize| fint(Some(n as f64));
    out.push_str(
        "<h2>Transition from the current plan</h2>
",
    );
    w!(
        out,
        "<p class=\"tsum\">Old grids: {} kept, {} split, {} merged, {} dissolved (of {}). \
         Households moved: {} of {} ({}); lineage kept {}; {} not in their old grid&#39;s successor. \
         Clean grids: {} of {} ({}).</p>\n",
        count(fate_count("kept")),
        count(fate_count("split")),
        count(fate_count("merged")),
        count(fate_count("dissolved")),
        count(old.len()),
        fint(moved),
        fint(households),
        fpct(moved_share, 1),
        fpct(moved_share.map(|s| 1.0 - s), 1),
        fint(num(t, &["households_not_in_successor"])),
        count(clean),
        count(new.len()),
        fpct(Some(clean_share), 1),
    );
    out.push_str(
        "<p class=\"note\">Moved = households not kept in lineage: neither in their old grid&#39;s \
         successor (the new grid taking most of it) nor in a new grid whose predecessor (the old grid \
         giving it most) is their old grid. A clean grid draws at least 90 % from its predecessor. \
         transition.csv lists every (old, new) pair.</p>\n",
    );
    let from_of: BTreeMap<&str, &Vec<Value>> = new
        .iter()
        .filter_map(|n| Some((text(n, &["code"])?, arr(n, &["from"])?)))
        .collect();
    let cut = |out: &mut String, n: usize| {
        if n > TRANSITION_ROWS {
            w!(
                out,
                "<p class=\"note\">… and {} more (see transition.csv).</p>\n",
                n - TRANSITION_ROWS
            );
        }
    };
    let dv = |x: Option<f64>| x.map_or(String::new(), |x| format!(" data-v=\"{}\"", svgn_full(x)));

    w!(
        out,
        "<details id=\"t-old\"><summary>Old grids ({}): fate and successors</summary>\n\
         <table class=\"grid-t sortable\">\n<thead><tr><th>Old grid</th><th class=\"n\">Households</th>\
         <th>Fate</th><th>Successor</th><th class=\"n\">Moved</th><th>What became of it</th></tr></thead>\n<tbody>\n",
        count(old.len())
    );
    for o in old.iter().take(TRANSITION_ROWS) {
        let hh = num(o, &["households"]);
        let mv = num(o, &["moved"]);
        let warn = text(o, &["fate"]) == Some("dissolved");
        w!(
            out,
            "<tr{}><td>{}</td><td class=\"n\"{}>{}</td><td>{}</td><td>{}</td><td class=\"n\"{}>{}</td><td>{}</td></tr>\n",
            if warn { " class=\"warn\"" } else { "" },
            esc(text(o, &["code"]).unwrap_or(NA)),
            dv(hh),
            fint(hh),
            esc(text(o, &["fate"]).unwrap_or(NA)),
            esc(text(o, &["successor"]).unwrap_or(NA)),
            dv(mv),
            fint(mv),
            fate_words(o, &from_of)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    cut(out, old.len());
    out.push_str("</details>\n");

    let unclean: Vec<&Value> = new.iter().filter(|n| !is_clean(n)).collect();
    w!(
        out,
        "<details id=\"t-new\"><summary>New grids not clean ({} of {}): predecessors</summary>\n",
        count(unclean.len()),
        count(new.len())
    );
    if unclean.is_empty() {
        out.push_str("<p class=\"ok\">None.</p>\n");
    } else {
        out.push_str(
            "<table class=\"grid-t sortable\">\n<thead><tr><th>New grid</th><th class=\"n\">Households</th>\
             <th>Predecessor</th><th>Households came from</th></tr></thead>\n<tbody>\n",
        );
        for n in unclean.iter().take(TRANSITION_ROWS) {
            let hh = num(n, &["households"]);
            w!(
                out,
                "<tr><td>{}</td><td class=\"n\"{}>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(text(n, &["code"]).unwrap_or(NA)),
                dv(hh),
                fint(hh),
                esc(text(n, &["predecessor"]).unwrap_or(NA)),
                share_list(arr(n, &["from"]).unwrap_or(&empty).iter())
            );
        }
        out.push_str("</tbody>\n</table>\n");
        cut(out, unclean.len());
    }
    out.push_str("</details>\n");
}

// ---------------------------------------------------------------------------
// Histogram

/// Binned grid loads: bin i covers `[start + i·width, start + (i+1)·width)`,
/// the last bin also holds its upper end.
#[derive(Clone, Debug, PartialEq)]
struct Histogram {
    start: f64,
    width: f64,
    counts: Vec<usize>,
}

/// Bins `loads` by [`BIN_WIDTH`], spanning the band too so its limits can
/// be drawn; non-finite and absurd values (beyond ±1e12) are left out.
fn histogram(loads: &[f64], band: (f64, f64)) -> Histogram {
    let ok = |v: &f64| v.is_finite() && v.abs() <= HISTOGRAM_LIMIT;
    let vals: Vec<f64> = loads.iter().copied().filter(ok).collect();
    if vals.is_empty() {
        return Histogram {
            start: 0.0,
            width: BIN_WIDTH,
            counts: Vec::new(),
        };
    }
    let mut lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for b in [band.0, band.1] {
        if ok(&b) {
            lo = lo.min(b);
            hi = hi.max(b);
        }
    }
    let bins = |w: f64| (hi / w).floor() - (lo / w).floor() + 1.0;
    let mut width = BIN_WIDTH;
    let mut mult = (bins(BIN_WIDTH) / MAX_BINS as f64).ceil().max(1.0);
    width *= mult;
    while bins(width) > MAX_BINS as f64 {
        mult += 1.0;
        width = BIN_WIDTH * mult;
    }
    let start = (lo / width).floor() * width;
    let n = bins(width) as usize;
    let mut counts = vec![0usize; n.max(1)];
    let last = counts.len() - 1;
    for v in vals {
        let i = ((v - start) / width).floor().max(0.0) as usize;
        counts[i.min(last)] += 1;
    }
    Histogram {
        start,
        width,
        counts,
    }
}

/// A round step near `raw`: 1, 2 or 5 times a power of ten.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= raw {
            return m * p;
        }
    }
    10.0 * p
}

fn histogram_section(out: &mut String, input: &ReportInput) {
    let band = input.band;
    let h = histogram(input.grid_loads, band);
    w!(
        out,
        "<h2>Grid loads against the band {}–{}</h2>\n",
        fnum(Some(band.0).filter(|b| b.is_finite()), 0),
        fnum(Some(band.1).filter(|b| b.is_finite()), 0)
    );
    if h.counts.is_empty() {
        out.push_str("<p>No grid loads.</p>\n");
        return;
    }
    const W: f64 = 500.0;
    const H: f64 = 230.0;
    const L: f64 = 40.0;
    const R: f64 = 12.0;
    const T: f64 = 22.0;
    const B: f64 = 36.0;
    let pw = W - L - R;
    let ph = H - T - B;
    let n = h.counts.len();
    let span = h.width * n as f64;
    let xs = |v: f64| L + (v - h.start) / span * pw;
    let ymax = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let ystep = nice_step(ymax / 5.0).max(1.0);
    let ytop = (ymax / ystep).ceil() * ystep;
    let ys = |c: f64| T + ph - c / ytop * ph;
    w!(
        out,
        "<svg class=\"hist\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"Histogram of grid loads\">\n"
    );
    let inside = |v: f64| v.is_finite();
    // The band as a shaded background.
    if inside(band.0) && inside(band.1) && band.1 >= band.0 {
        let a = xs(band.0).clamp(L, L + pw);
        let b = xs(band.1).clamp(L, L + pw);
        w!(
            out,
            "<rect class=\"bandbg\" x=\"{}\" y=\"{T}\" width=\"{}\" height=\"{ph}\"/>\n",
            svgn(a),
            svgn(b - a)
        );
    }
    // Grid lines and y labels.
    let mut yv = 0.0;
    while yv <= ytop + 1e-9 {
        let y = ys(yv);
        w!(
            out,
            "<line class=\"gl\" x1=\"{L}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/><text class=\"yt\" x=\"{}\" y=\"{}\">{}</text>\n",
            L + pw,
            svgn(y),
            svgn(y),
            L - 4.0,
            svgn(y + 3.5),
            fint(Some(yv))
        );
        yv += ystep;
    }
    // Bars.
    let bw = pw / n as f64;
    for (i, &c) in h.counts.iter().enumerate() {
        let lo = h.start + i as f64 * h.width;
        let hi = lo + h.width;
        let in_band = lo >= band.0 && hi <= band.1 + 1e-9;
        let y = ys(c as f64);
        w!(
            out,
            "<rect class=\"bar{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}–{}: {} grids</title></rect>\n",
            if in_band { " in" } else { "" },
            svgn(xs(lo) + 0.5),
            svgn(y),
            svgn((bw - 1.0).max(0.5)),
            svgn(T + ph - y),
            svgn(lo),
            svgn(hi),
            c
        );
    }
    // X ticks: every m bins, m a round number with at most ~10 labels.
    let m = [1usize, 2, 5, 10, 25, 50, 100, 250, 500, 1000]
        .into_iter()
        .find(|m| n / m <= 10)
        .unwrap_or(1000);
    let step = h.width * m as f64;
    let mut t = (h.start / step).ceil() * step;
    while t <= h.start + span + 1e-9 {
        let x = xs(t);
        w!(
            out,
            "<line class=\"tk\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/><text class=\"xt\" x=\"{}\" y=\"{}\">{}</text>\n",
            svgn(x),
            svgn(x),
            T + ph,
            T + ph + 4.0,
            svgn(x),
            T + ph + 15.0,
            svgn(t)
        );
        t += step;
    }
    // Band limits.
    for b in [band.0, band.1] {
        if inside(b) {
            let x = xs(b);
            w!(
                out,
                "<line class=\"band\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/><text class=\"bt\" x=\"{}\" y=\"{}\">{}</text>\n",
                svgn(x),
                svgn(x),
                T - 4.0,
                T + ph,
                svgn(x),
                T - 7.0,
                svgn(b)
            );
        }
    }
    w!(
        out,
        "<line class=\"ax\" x1=\"{L}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>\
         <text class=\"al\" x=\"{}\" y=\"{}\">grid load (bins of {})</text>\
         <text class=\"al\" transform=\"translate(11 {}) rotate(-90)\">grids</text>\n</svg>\n",
        L + pw,
        T + ph,
        T + ph,
        svgn(L + pw / 2.0),
        H - 4.0,
        svgn(h.width),
        svgn(T + ph / 2.0)
    );
    let total: usize = h.counts.iter().sum();
    let below = input
        .grid_loads
        .iter()
        .filter(|v| v.is_finite() && **v < band.0)
        .count();
    let above = input
        .grid_loads
        .iter()
        .filter(|v| v.is_finite() && **v > band.1)
        .count();
    w!(
        out,
        "<p class=\"note\">{total} grids: {below} below the band, {above} above it.</p>\n"
    );
}

// ---------------------------------------------------------------------------
// Inline CSS and JS

const CSS: &str = r#"
*{box-sizing:border-box}
html,body{height:100%}
body{margin:0;display:flex;flex-direction:column;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif;color:#1d232a;background:#f4f5f7}
header{padding:8px 16px;background:#20303f;color:#fff;flex:0 0 auto}
header h1{margin:0;font-size:18px;font-weight:600}
header p{margin:2px 0 0;color:#c9d3dc}
header b{color:#fff}
main{flex:1 1 auto;display:flex;min-height:0}
#mapbox{position:relative;flex:1 1 auto;min-width:0;background:#fbfbf8;border-right:1px solid #c8ced6;overflow:hidden}
#map{width:100%;height:100%;display:block;cursor:grab;touch-action:none;user-select:none}
#map.drag{cursor:grabbing}
#side{flex:0 0 560px;overflow:auto;padding:4px 16px 16px;background:#fff}
@media (max-width:1000px){body{display:block;height:auto}main{display:block}#mapbox{height:70vh}#side{width:auto}}
#map path{fill-rule:evenodd;vector-effect:non-scaling-stroke;stroke-linejoin:round}
path.grid{stroke:#2f353b;stroke-width:1.1px}
path.grid[data-t=d]{fill:url(#hatch)}
path.grid:hover{stroke:#000;stroke-width:2.5px}
path.micro{fill:none;stroke:#3d434a;stroke-width:.5px;stroke-opacity:.8;stroke-dasharray:3 2;pointer-events:none}
path.village{fill:none;stroke:#111;stroke-width:2.4px;pointer-events:none}
path.village.sel{stroke:#d0021b;stroke-width:4px}
.lbl{pointer-events:none;text-anchor:middle;dominant-baseline:central;paint-order:stroke;stroke:#fff;stroke-linejoin:round;font-family:system-ui,sans-serif}
.lbl text{display:none}
.lbl text.on{display:inline}
#lbl-v{font-weight:700;fill:#000}
#lbl-g{fill:#15191d;font-weight:600}
#lbl-m{fill:#3b4147}
.ctl{position:absolute;top:10px;left:10px;display:flex;flex-direction:column;gap:4px}
.ctl button{width:30px;height:30px;font-size:18px;line-height:1;border:1px solid #9aa4ae;border-radius:4px;background:#fff;cursor:pointer}
.ctl button:hover{background:#eef2f6}
#info{position:absolute;top:10px;right:10px;background:rgba(255,255,255,.95);border:1px solid #9aa4ae;border-radius:4px;padding:6px 9px;min-width:170px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
#info b{display:block}
.legend{position:absolute;left:10px;bottom:10px;background:rgba(255,255,255,.92);border:1px solid #c0c8d0;border-radius:4px;padding:5px 8px;font-size:12px}
.legend i{display:inline-block;width:22px;height:12px;margin-right:6px;vertical-align:-2px}
.sw.g{background:linear-gradient(90deg,#e8a39c,#9fd3a8,#a7b8ea);border:1px solid #2f353b}
.sw.d{background:repeating-linear-gradient(45deg,#8a6bb8 0 3px,#ece6f5 3px 8px);border:1px solid #2f353b}
.ln.m{border-top:1px dashed #3d434a;height:0}
.ln.v{border-top:3px solid #111;height:0}
.scale{position:absolute;right:10px;bottom:10px;background:rgba(255,255,255,.85);padding:2px 6px;border-radius:3px;font-size:11px;text-align:center}
#sbar{height:5px;border:1px solid #222;border-top:none;margin:0 auto 1px}
.empty{position:absolute;top:45%;width:100%;text-align:center;color:#777}
h2{font-size:14px;margin:16px 0 6px;color:#20303f;border-bottom:1px solid #dde2e7;padding-bottom:3px}
table{border-collapse:collapse;width:100%}
th,td{padding:3px 6px;text-align:left;vertical-align:top}
table.kv th{font-weight:500;color:#46505a;width:48%}
table.kv tr:nth-child(odd){background:#f6f8fa}
table.grid-t{font-size:12px}
table.grid-t thead th{position:sticky;top:0;background:#e9edf1;border-bottom:1px solid #c8ced6;cursor:pointer;white-space:nowrap}
table.grid-t tbody tr:nth-child(even){background:#f7f9fb}
table.grid-t td{border-bottom:1px solid #eef1f4}
.n{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td,tr.bad th{color:#b00020;font-weight:600}
tr.warn td{color:#9a5b00;font-weight:600}
th[data-dir=asc]::after{content:" ▲"}
th[data-dir=desc]::after{content:" ▼"}
a{color:#0b5cad;text-decoration:none}
a:hover{text-decoration:underline}
.note{color:#5a6570;font-size:12px;margin:4px 0}
.ok{color:#2e7d32}
details{margin:6px 0}
details>summary{cursor:pointer;color:#0b5cad;font-weight:500}
.foot{color:#7a848e;font-size:11px;margin-top:18px}
svg.hist{width:100%;max-width:520px;height:auto;display:block;font-size:10px}
.hist .bar{fill:#e3944f}
.hist .bar.in{fill:#4f86c6}
.hist .bar:hover{fill:#1d3f66}
.hist .bandbg{fill:#eaf3e6}
.hist .gl{stroke:#e3e7eb}
.hist .tk,.hist .ax{stroke:#59636d}
.hist .band{stroke:#c62828;stroke-width:1.5;stroke-dasharray:4 3}
.hist .bt{fill:#c62828;text-anchor:middle;font-weight:600}
.hist .xt{text-anchor:middle;fill:#3b4450}
.hist .yt{text-anchor:end;fill:#3b4450}
.hist .al{text-anchor:middle;fill:#59636d}
"#;

const JS: &str = r#"
(function(){
"use strict";
var svg=document.getElementById('map'),vp=document.getElementById('vp');
if(!svg||!vp)return;
var vb=svg.viewBox.baseVal,hatch=document.getElementById('hatch'),info=document.getElementById('info');
var sbar=document.getElementById('sbar'),stext=document.getElementById('stext');
var gmed=+svg.getAttribute('data-gmed')||0;
var L=[['lbl-v',13,95],['lbl-g',11,110],['lbl-m',9,36]].map(function(a){
  var g=document.getElementById(a[0]);
  return g?{g:g,fs:a[1],th:a[2],t:Array.prototype.slice.call(g.getElementsByTagName('text')).map(function(t){return [t,+t.getAttribute('data-s')||0]})}:null;
}).filter(Boolean);
var k=1,x=0,y=0,lastP=-1,raf=0;
function unit(){var m=svg.getScreenCTM();return m&&m.a>0?m.a:1}
function draw(){
  raf=0;
  vp.setAttribute('transform','translate('+x+' '+y+') scale('+k+')');
  var p=unit()*k;
  if(p===lastP)return;
  lastP=p;
  if(hatch)hatch.setAttribute('patternTransform','rotate(45) scale('+(1/p)+')');
  var gridsOn=gmed*p>=110;
  L.forEach(function(l){
    l.g.setAttribute('font-size',l.fs/p);
    l.g.setAttribute('stroke-width',3/p);
    var off=l.g.id==='lbl-v'&&gridsOn;
    l.t.forEach(function(e){var on=!off&&e[1]*p>=l.th;if(on!==e[0].classList.contains('on'))e[0].classList.toggle('on',on)});
  });
  if(sbar){
    var target=100/p,pw=Math.pow(10,Math.floor(Math.log10(target))),d=pw;
    [1,2,5,10].forEach(function(m){if(m*pw<=target)d=m*pw});
    sbar.style.width=(d*p)+'px';
    stext.textContent=d>=1000?(d/1000)+' km':d+' m';
  }
}
function req(){if(!raf)raf=requestAnimationFrame(draw)}
function centre(){return{x:vb.x+vb.width/2,y:vb.y+vb.height/2}}
function pt(e){var m=svg.getScreenCTM();if(!m)return centre();var q=new DOMPoint(e.clientX,e.clientY).matrixTransform(m.inverse());return{x:q.x,y:q.y}}
function zoomAt(p,f){var nk=Math.min(Math.max(k*f,0.5),20000);f=nk/k;x=p.x-f*(p.x-x);y=p.y-f*(p.y-y);k=nk;req()}
svg.addEventListener('wheel',function(e){
  e.preventDefault();
  var d=e.deltaY*(e.deltaMode===1?33:e.deltaMode===2?400:1);
  d=Math.max(-300,Math.min(300,d));
  zoomAt(pt(e),Math.exp(-d*0.002));
},{passive:false});
var drag=null,cur=null;
svg.addEventListener('pointerdown',function(e){
  if(e.button!==0)return;
  drag={x:e.clientX,y:e.clientY};
  try{svg.setPointerCapture(e.pointerId)}catch(err){}
  svg.classList.add('drag');
});
function hover(e){
  var t=e.target,g=(t&&t.classList&&t.classList.contains('grid'))?t:null;
  if(g===cur||!info)return;
  cur=g;
  if(!g){info.hidden=true;return}
  info.textContent='';
  var b=document.createElement('b');b.textContent=g.getAttribute('data-code');info.appendChild(b);
  var lines=[(g.getAttribute('data-t')==='d'?'dedicated grid, ':'')+'village '+g.getAttribute('data-v'),
    'households '+g.getAttribute('data-h'),
    'load '+g.getAttribute('data-l')+(g.hasAttribute('data-d')?' ('+g.getAttribute('data-d')+' vs village mean)':'')];
  lines.forEach(function(s){var d=document.createElement('div');d.textContent=s;info.appendChild(d)});
  info.hidden=false;
}
svg.addEventListener('pointermove',function(e){
  if(drag){var u=unit();x+=(e.clientX-drag.x)/u;y+=(e.clientY-drag.y)/u;drag.x=e.clientX;drag.y=e.clientY;req();return}
  hover(e);
});
function end(){drag=null;svg.classList.remove('drag')}
svg.addEventListener('pointerup',end);
svg.addEventListener('pointercancel',end);
svg.addEventListener('pointerleave',function(){if(!drag&&info){cur=null;info.hidden=true}});
function bind(id,f){var b=document.getElementById(id);if(b)b.addEventListener('click',f)}
bind('zin',function(){zoomAt(centre(),1.6)});
bind('zout',function(){zoomAt(centre(),1/1.6)});
bind('zfit',function(){k=1;x=0;y=0;req()});
document.addEventListener('keydown',function(e){
  if(e.target&&(e.target.tagName==='INPUT'||e.target.tagName==='TEXTAREA'))return;
  if(e.key==='+'||e.key==='=')zoomAt(centre(),1.6);
  else if(e.key==='-'||e.key==='_')zoomAt(centre(),1/1.6);
});
window.addEventListener('resize',function(){lastP=-1;req()});
var villages={},sel=null;
Array.prototype.forEach.call(document.querySelectorAll('path.village'),function(p){var c=p.getAttribute('data-code');if(!(c in villages))villages[c]=p});
Array.prototype.forEach.call(document.querySelectorAll('[data-goto]'),function(a){
  a.addEventListener('click',function(e){
    e.preventDefault();
    var p=villages[a.getAttribute('data-goto')];
    if(!p)return;
    var b=p.getBBox();
    if(!(b.width>0&&b.height>0))return;
    var f=Math.min(vb.width/b.width,vb.height/b.height)*0.85;
    k=f;x=vb.x+vb.width/2-f*(b.x+b.width/2);y=vb.y+vb.height/2-f*(b.y+b.height/2);
    if(sel)sel.classList.remove('sel');
    sel=p;p.classList.add('sel');
    req();
  });
});
Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(tb){
  var ths=tb.tHead?tb.tHead.rows[0].cells:[];
  Array.prototype.forEach.call(ths,function(th,i){
    th.addEventListener('click',function(){
      var body=tb.tBodies[0],asc=th.getAttribute('data-dir')!=='asc',num=th.classList.contains('n');
      Array.prototype.forEach.call(ths,function(h){h.removeAttribute('data-dir')});
      th.setAttribute('data-dir',asc?'asc':'desc');
      var rows=Array.prototype.slice.call(body.rows).map(function(r,j){
        var c=r.cells[i],v=c?c.getAttribute('data-v'):null;
        return{r:r,j:j,k:num?(v===null||v===''?-Infinity:+v):(c?c.textContent:'')};
      });
      rows.sort(function(a,b){
        var d=num?(a.k===b.k?0:(a.k<b.k?-1:1)):String(a.k).localeCompare(String(b.k));
        return (asc?d:-d)||a.j-b.j;
      });
      rows.forEach(function(o){body.appendChild(o.r)});
    });
  });
});
draw();
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::Rng;
    use serde_json::json;

    fn square(lon: f64, lat: f64, d: f64) -> Vec<Vec<[f64; 2]>> {
        vec![vec![
            [lon, lat],
            [lon + d, lat],
            [lon + d, lat + d],
            [lon, lat + d],
            [lon, lat],
        ]]
    }

    fn shape(code: &str, kind: ShapeKind, village: &str, rings: Vec<Vec<[f64; 2]>>) -> MapShape {
        MapShape {
            code: code.into(),
            kind,
            village: village.into(),
            households: 300,
            load: 300.0,
            rings,
        }
    }

    /// A 3×2 county: two villages, six grids (one dedicated), micro-grids.
    fn sample() -> Vec<MapShape> {
        let mut v = Vec::new();
        let d = 0.01;
        for (vi, vc) in ["330381101001", "330381101002"].iter().enumerate() {
            let lon = 120.0 + vi as f64 * 3.0 * d;
            v.push(shape(
                vc,
                ShapeKind::Village,
                vc,
                vec![vec![
                    [lon, 28.0],
                    [lon + 3.0 * d, 28.0],
                    [lon + 3.0 * d, 28.0 + d],
                    [lon, 28.0 + d],
                ]],
            ));
            for g in 0..3 {
                let kind = if vi == 1 && g == 2 {
                    ShapeKind::DedicatedGrid
                } else {
                    ShapeKind::Grid
                };
                let gc = if kind == ShapeKind::DedicatedGrid {
                    format!("{vc}901")
                } else {
                    format!("{vc}{:03}", g + 1)
                };
                let glon = lon + g as f64 * d;
                v.push(shape(&gc, kind, vc, square(glon, 28.0, d)));
                for m in 0..2 {
                    let mc = format!("{gc}{:02}", m + 1);
                    v.push(shape(
                        &mc,
                        ShapeKind::MicroGrid,
                        vc,
                        square(glon + m as f64 * d / 2.0, 28.0, d / 2.0),
                    ));
                }
            }
        }
        v
    }

    fn metrics() -> Value {
        json!({
            "params": {"target": 367.0, "grids": null, "band": [300.0, 500.0], "tolerance": 0.1, "seed": 1,
                       "weights": {"households": 1.0, "population": 0.0}, "micro_target": 50.0, "micro_band": [20.0, 80.0],
                       "dedicated_zones": 1},
            "metrics": {
                "params": {"band": [300.0, 500.0], "tolerance": 0.1, "seed": 1, "micro_band": [20.0, 80.0]},
                "county": {"villages": 2, "grids": 6, "full_scope_grids": 5, "dedicated_grids": 1, "households": 1800,
                           "balance": {"grids": 5, "max_dev": 0.05, "within_tol": 5, "within_tol_share": 1.0, "cv": 0.02,
                                       "in_band": 5, "in_band_share": 1.0},
                           "contiguity": {"contiguous": 6, "contiguous_share": 1.0, "non_contiguous": 0, "examples": []},
                           "nesting": {"violations": 0},
                           "compactness": {"sse_ratio": 1.1, "mean_distance_m": 150.0}},
                "villages": [
                    {"code": "330381101001", "k": 3, "dedicated_grids": 0, "households": 900, "target": 300.0,
                     "max_dev": 0.05, "contiguous": 3, "sse_ratio": 1.12},
                    {"code": "330381101002", "k": 2, "dedicated_grids": 1, "households": 900, "target": 300.0,
                     "max_dev": 0.25, "contiguous": 3, "sse_ratio": null}
                ]
            },
            "villages_outside_band": [{"village_code": "330381101009", "households": 112.0, "k": 1, "mean_households": 112.0}],
            "balance_shortfalls": [{"village_code": "330381101002", "k": 2, "target": 300.0, "max_dev": 0.25,
                                    "largest_unit": 220.0, "reason": "a building of 220 <households>"}],
            "zones_across_villages": [],
            "empty_zones": ["Z9"],
            "snapped": []
        })
    }

    fn page(shapes: &[MapShape], m: &Value, loads: &[f64]) -> String {
        render(&ReportInput {
            title: "County 330381 — test",
            shapes,
            metrics_json: m,
            band: (300.0, 500.0),
            grid_loads: loads,
        })
    }

    #[test]
    fn escapes_all_text() {
        assert_eq!(esc("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        let mut shapes = sample();
        shapes[1].code = "<script>alert(1)</script>".into();
        shapes[1].village = "\"onmouseover=x".into();
        let m = metrics();
        let html = render(&ReportInput {
            title: "<b>T&T</b>",
            shapes: &shapes,
            metrics_json: &m,
            band: (300.0, 500.0),
            grid_loads: &[300.0],
        });
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<b>T&T</b>"));
        assert!(html.contains("&lt;b&gt;T&amp;T&lt;/b&gt;"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("data-v=\"&quot;onmouseover=x\""));
        // The shortfall's reason is escaped too.
        assert!(html.contains("a building of 220 &lt;households&gt;"));
        // Exactly one script element: ours.
        assert_eq!(html.matches("<script").count(), 1);
    }

    #[test]
    fn same_input_gives_identical_html() {
        let shapes = sample();
        let m = metrics();
        let loads = [310.0, 290.0, 305.0, 420.0, 515.0];
        let a = page(&shapes, &m, &loads);
        let b = page(&shapes.clone(), &m.clone(), &loads);
        assert_eq!(a, b);
        // Colours depend on codes, not on the order of the shapes.
        let mut rev = shapes.clone();
        rev.reverse();
        let c = page(&rev, &m, &loads);
        let fills = |h: &str| {
            let mut v: Vec<String> = h
                .lines()
                .filter(|l| l.starts_with("<path class=\"grid\""))
                .map(|l| {
                    let code = l
                        .split("data-code=\"")
                        .nth(1)
                        .unwrap_or("")
                        .split('"')
                        .next()
                        .unwrap_or("")
                        .to_string();
                    let fill = l
                        .split(" fill=\"")
                        .nth(1)
                        .unwrap_or("")
                        .split('"')
                        .next()
                        .unwrap_or("")
                        .to_string();
                    format!("{code}={fill}")
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(fills(&a), fills(&c));
    }

    #[test]
    fn one_path_per_grid_shape_and_micro_shape() {
        let mut shapes = sample();
        // A grid with no usable ring still gets its element.
        shapes.push(shape(
            "330381101002004",
            ShapeKind::Grid,
            "330381101002",
            vec![vec![[f64::NAN, 1.0]]],
        ));
        let html = page(&shapes, &metrics(), &[]);
        let grids = shapes
            .iter()
            .filter(|s| matches!(s.kind, ShapeKind::Grid | ShapeKind::DedicatedGrid))
            .count();
        assert_eq!(grids, 7);
        assert_eq!(html.matches("<path class=\"grid\"").count(), grids);
        assert_eq!(html.matches("<path class=\"micro\"").count(), 12);
        assert_eq!(html.matches("<path class=\"village\"").count(), 2);
        assert_eq!(html.matches("data-t=\"d\"").count(), 1);
        // Full-scope grids get a fill colour, dedicated ones the hatch.
        let filled = html
            .lines()
            .filter(|l| l.starts_with("<path class=\"grid\"") && l.contains(" fill=\"#"))
            .count();
        assert_eq!(filled, 6);
        // Labels: grid codes in full, micro-grids by their 2-digit sequence.
        assert!(html.contains(">330381101001002</text>"));
        assert!(html.contains(">02</text>"));
        // No network: nothing is fetched.
        for bad in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
            assert!(!html.contains(bad), "{bad}");
        }
    }

    #[test]
    fn paths_are_projected_rounded_and_relative() {
        let f = Frame {
            lon0: 120.0,
            lat0: 30.0,
            kx: 30f64.to_radians().cos() * METRES_PER_DEGREE,
        };
        let s = shape(
            "g",
            ShapeKind::Grid,
            "v",
            vec![
                vec![
                    [120.0, 30.0],
                    [120.001, 30.0],
                    [120.001, 30.0],
                    [120.001, 30.001],
                    [120.0, 30.0],
                ],
                vec![[1.0, 2.0], [f64::NAN, 3.0]],
            ],
        );
        let p = Projected::new(&s, &f);
        // The duplicate and the closing vertex are gone, the broken ring too.
        assert_eq!(p.rings.len(), 1);
        assert_eq!(p.rings[0].len(), 3);
        // 0.001° east at 30° N is 96 m; 0.001° north is 111 m, drawn upwards.
        assert_eq!(p.path_d(), "M0 0l96 0 0-111z");
    }

    #[test]
    fn labels_sit_inside_concave_shapes_and_avoid_holes() {
        let f = Frame {
            lon0: 0.0,
            lat0: 0.0,
            kx: METRES_PER_DEGREE,
        };
        // A square with a big central hole: the centroid is in the hole.
        let outer = vec![[0.0, 0.0], [0.01, 0.0], [0.01, 0.01], [0.0, 0.01]];
        let hole = vec![
            [0.002, 0.002],
            [0.008, 0.002],
            [0.008, 0.008],
            [0.002, 0.008],
        ];
        let s = shape("g", ShapeKind::Grid, "v", vec![outer, hole]);
        let p = Projected::new(&s, &f);
        let (_, xy) = p.label().unwrap_or((0.0, [f64::NAN, f64::NAN]));
        let side = 0.01 * METRES_PER_DEGREE;
        let x = xy[0];
        let inside_frame = (0.0..0.2 * side).contains(&x) || (0.8 * side..side).contains(&x);
        assert!(inside_frame, "label x {x} is in the hole");
    }

    #[test]
    fn histogram_bins_of_twenty_span_the_band() {
        let h = histogram(&[300.0, 319.9, 320.0, 500.0, f64::NAN], (300.0, 500.0));
        assert_eq!(h.start, 300.0);
        assert_eq!(h.width, 20.0);
        assert_eq!(h.counts.len(), 11);
        assert_eq!(h.counts[0], 2);
        assert_eq!(h.counts[1], 1);
        assert_eq!(h.counts[10], 1);
        assert_eq!(h.counts.iter().sum::<usize>(), 4);
        // Loads below the band widen the range downwards.
        let h = histogram(&[112.0, 350.0], (300.0, 500.0));
        assert_eq!(h.start, 100.0);
        assert_eq!(h.counts.len(), 21);
        assert_eq!(h.counts[0], 1);
        // An absurd load does not make thousands of bins.
        let h = histogram(&[350.0, 1e9, 1e300], (300.0, 500.0));
        assert!(h.counts.len() <= MAX_BINS);
        assert_eq!(h.width % 20.0, 0.0);
        assert_eq!(h.counts.iter().sum::<usize>(), 2);
        // Nothing to bin.
        assert!(histogram(&[], (300.0, 500.0)).counts.is_empty());
        // The page draws one bar per bin and both band lines.
        let html = page(&sample(), &metrics(), &[300.0, 319.9, 320.0, 500.0]);
        assert_eq!(html.matches("<rect class=\"bar").count(), 11);
        assert_eq!(html.matches("<rect class=\"bar in\"").count(), 10);
        assert_eq!(html.matches("<line class=\"band\"").count(), 2);
        assert!(html.contains("<title>300–320: 2 grids</title>"));
    }

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(fpct(Some(10_472.0 / 10_473.0), 1), "99.9 %");
        assert_eq!(fpct(Some(1.0), 1), "100.0 %");
        assert_eq!(fpct(Some(0.8701), 1), "87.0 %");
        assert_eq!(fpct(None, 1), "–");
        assert_eq!(fint(Some(1_560_641.0)), "1,560,641");
        assert_eq!(fint(Some(-1234.0)), "-1,234");
        assert_eq!(fint(Some(999.0)), "999");
        assert_eq!(fnum(Some(f64::NAN), 2), "–");
        assert_eq!(svgn(-0.001), "0");
        assert_eq!(svgn(12.50), "12.5");
    }

    #[test]
    fn missing_metrics_fields_are_dashes() {
        let shapes = sample();
        for m in [
            json!({}),
            json!(null),
            json!({"metrics": {"villages": [{"code": 5}, {}], "county": "x"}}),
            json!([1, 2]),
        ] {
            let html = page(&shapes, &m, &[f64::INFINITY]);
            assert!(html.contains("County summary"));
            assert!(html.contains("<td>–</td>"));
            assert!(html.ends_with("</html>\n"));
        }
        // Empty input altogether.
        let html = render(&ReportInput {
            title: "",
            shapes: &[],
            metrics_json: &json!({}),
            band: (f64::NAN, f64::NAN),
            grid_loads: &[],
        });
        assert!(html.contains("No polygons to draw."));
        assert!(html.contains("No grid loads."));
        assert_eq!(html.matches("<path class=\"grid\"").count(), 0);
    }

    #[test]
    fn tables_show_villages_lists_and_parameters() {
        let html = page(&sample(), &metrics(), &[300.0]);
        // Title line: county code and the parameters.
        assert!(html.contains("County <b>330381</b>"));
        assert!(html.contains("target 367"));
        assert!(html.contains("band 300–500"));
        assert!(html.contains("tolerance ±10 %"));
        // Village rows, the second one flagged (25 % > 10 %) and its SSE ratio missing.
        assert_eq!(html.matches("data-goto=\"").count(), 2);
        assert_eq!(html.matches("<tr class=\"bad\">").count(), 1);
        assert!(html.contains("<td class=\"n\" data-v=\"0.25\">25.0 %</td>"));
        assert!(html.contains("<td class=\"n\">–</td>"));
        assert!(html.contains("330381101009"));
        assert!(html.contains("Z9"));
    }

    #[test]
    fn neighbouring_grids_get_distinct_colours() {
        // A 10×10 block of touching grids.
        let mut shapes = Vec::new();
        for i in 0..10 {
            for j in 0..10 {
                let c = format!("v{:03}", i * 10 + j);
                shapes.push(shape(
                    &c,
                    ShapeKind::Grid,
                    "v",
                    square(120.0 + j as f64 * 0.01, 28.0 + i as f64 * 0.01, 0.01),
                ));
            }
        }
        let html = page(&shapes, &json!({}), &[]);
        let mut fill: BTreeMap<String, [u8; 3]> = BTreeMap::new();
        for l in html
            .lines()
            .filter(|l| l.starts_with("<path class=\"grid\""))
        {
            let code = l
                .split("data-code=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("");
            let hex = l
                .split(" fill=\"#")
                .nth(1)
                .and_then(|s| s.get(..6))
                .unwrap_or("000000");
            let v = u32::from_str_radix(hex, 16).unwrap_or(0);
            fill.insert(code.to_string(), [(v >> 16) as u8, (v >> 8) as u8, v as u8]);
        }
        assert_eq!(fill.len(), 100);
        let mut worst = f64::INFINITY;
        for i in 0..10 {
            for j in 0..10 {
                let a = fill[&format!("v{:03}", i * 10 + j)];
                for (di, dj) in [(0, 1), (1, 0), (1, 1)] {
                    if i + di < 10 && j + dj < 10 {
                        let b = fill[&format!("v{:03}", (i + di) * 10 + j + dj)];
                        worst = worst.min(colour_distance(a, b));
                    }
                }
            }
        }
        assert!(worst >= 100.0, "closest neighbours differ by only {worst}");
    }

    #[test]
    fn full_county_report_stays_small() {
        // 1,500 grids of 30 vertices, 10,000 micro-grids of 10 and 510
        // villages of 60: about 175,000 ring vertices.
        let mut rng = Rng::new(7);
        let mut shapes = Vec::new();
        let ring = |rng: &mut Rng, cx: f64, cy: f64, r: f64, n: usize| -> Vec<Vec<[f64; 2]>> {
            let pts = (0..n)
                .map(|i| {
                    let a = i as f64 / n as f64 * std::f64::consts::TAU;
                    let rr = r * (0.8 + 0.4 * rng.f64());
                    [cx + rr * a.cos(), cy + rr * a.sin()]
                })
                .collect();
            vec![pts]
        };
        for v in 0..510 {
            let (cx, cy) = (
                120.0 + (v % 23) as f64 * 0.02,
                28.0 + (v / 23) as f64 * 0.02,
            );
            let vc = format!("330381{:03}{:03}", v / 30 + 100, v % 30 + 1);
            shapes.push(shape(
                &vc,
                ShapeKind::Village,
                &vc,
                ring(&mut rng, cx, cy, 0.01, 60),
            ));
            let ng = if v < 480 { 3 } else { 2 };
            for g in 0..ng {
                let gc = format!("{vc}{:03}", g + 1);
                let gx = cx + (g as f64 - 1.0) * 0.006;
                shapes.push(shape(
                    &gc,
                    ShapeKind::Grid,
                    &vc,
                    ring(&mut rng, gx, cy, 0.003, 30),
                ));
                let nm = if (v * 3 + g) % 3 == 0 { 6 } else { 7 };
                for m in 0..nm {
                    let mc = format!("{gc}{:02}", m + 1);
                    let mx = gx + (m as f64 - 3.0) * 0.0008;
                    shapes.push(shape(
                        &mc,
                        ShapeKind::MicroGrid,
                        &vc,
                        ring(&mut rng, mx, cy, 0.0009, 10),
                    ));
                }
            }
        }
        let grids = shapes.iter().filter(|s| s.kind == ShapeKind::Grid).count();
        let micros = shapes
            .iter()
            .filter(|s| s.kind == ShapeKind::MicroGrid)
            .count();
        let vertices: usize = shapes.iter().flat_map(|s| &s.rings).map(Vec::len).sum();
        assert!((1_400..=1_600).contains(&grids) && micros >= 9_500 && vertices >= 150_000);
        let loads: Vec<f64> = (0..grids).map(|i| 300.0 + (i % 200) as f64).collect();
        let html = page(&shapes, &json!({}), &loads);
        eprintln!(
            "full-county report: {grids} grids, {micros} micro-grids, {vertices} vertices -> {} bytes",
            html.len()
        );
        assert!(html.len() < 15_000_000, "{} bytes", html.len());
        assert_eq!(html.matches("<path class=\"grid\"").count(), grids);
        assert_eq!(html.matches("<path class=\"micro\"").count(), micros);
    }

    fn transition_metrics() -> Value {
        let mut m = metrics();
        // Old A splits into X and Y; B and C merge into Z (C also leaves 2
        // households in Y); D is dissolved over X, Y and Z; E is kept as W.
        m["metrics"]["transition"] = json!({
            "households": 1000, "households_moved": 60, "households_not_in_successor": 260,
            "old": [
                {"code": "A", "households": 400, "fate": "split", "successor": "X", "moved": 0,
                 "to": [{"grid": "X", "households": 210}, {"grid": "Y", "households": 190}]},
                {"code": "B", "households": 200, "fate": "merged", "successor": "Z", "moved": 0,
                 "to": [{"grid": "Z", "households": 200}]},
                {"code": "C", "households": 150, "fate": "merged", "successor": "Z", "moved": 2,
                 "to": [{"grid": "Z", "households": 148}, {"grid": "Y", "households": 2}]},
                {"code": "D<1>", "households": 90, "fate": "dissolved", "successor": "X", "moved": 58,
                 "to": [{"grid": "X", "households": 32}, {"grid": "Y", "households": 30}, {"grid": "Z", "households": 28}]},
                {"code": "E", "households": 160, "fate": "kept", "successor": "W", "moved": 0,
                 "to": [{"grid": "W", "households": 160}]}
            ],
            "new": [
                {"code": "W", "households": 160, "predecessor": "E", "clean": true,
                 "from": [{"grid": "E", "households": 160}]},
                {"code": "X", "households": 242, "predecessor": "A", "clean": false,
                 "from": [{"grid": "A", "households": 210}, {"grid": "D<1>", "households": 32}]},
                {"code": "Y", "households": 222, "predecessor": "A", "clean": false,
                 "from": [{"grid": "A", "households": 190}, {"grid": "D<1>", "households": 30}, {"grid": "C", "households": 2}]},
                {"code": "Z", "households": 376, "predecessor": "B", "clean": false,
                 "from": [{"grid": "B", "households": 200}, {"grid": "C", "households": 148}, {"grid": "D<1>", "households": 28}]}
            ]
        });
        m
    }

    #[test]
    fn transition_section_only_with_a_transition() {
        let shapes = sample();
        let html = page(&shapes, &metrics(), &[]);
        assert!(!html.contains("Transition from the current plan"));
        assert!(!html.contains("<details"));

        let html = page(&shapes, &transition_metrics(), &[]);
        assert_eq!(
            html.matches("<h2>Transition from the current plan</h2>")
                .count(),
            1
        );
        assert!(html.contains(
            "Old grids: 1 kept, 1 split, 2 merged, 1 dissolved (of 5). \
             Households moved: 60 of 1,000 (6.0 %); lineage kept 94.0 %; \
             260 not in their old grid&#39;s successor. Clean grids: 1 of 4 (25.0 %)."
        ));
        // Old grids: one row each, in a collapsed table; the dissolved one
        // is flagged and its code escaped.
        let old = html
            .split("<details id=\"t-old\">")
            .nth(1)
            .and_then(|s| s.split("</details>").next())
            .unwrap_or("");
        assert!(old.contains("<summary>Old grids (5): fate and successors</summary>"));
        assert_eq!(
            old.matches("<tr><td>").count() + old.matches("<tr class=").count(),
            5
        );
        assert_eq!(old.matches("<tr class=\"warn\">").count(), 1);
        assert!(old.contains("split into X (210), Y (190)"));
        assert!(old.contains("merged with C (148), D&lt;1&gt; (28) into Z"));
        assert!(old.contains("merged with B (200), D&lt;1&gt; (28) into Z; also to Y (2)"));
        assert!(old.contains("dissolved into X (32), Y (30), Z (28)"));
        assert!(old.contains("kept as W</td>"));
        assert!(!html.contains("D<1>"));
        // New grids not clean: three of four.
        let new = html
            .split("<details id=\"t-new\">")
            .nth(1)
            .and_then(|s| s.split("</details>").next())
            .unwrap_or("");
        assert!(new.contains("New grids not clean (3 of 4)"));
        assert_eq!(new.matches("<tr><td>").count(), 3);
        assert!(new.contains("<td>A</td><td>A (190), D&lt;1&gt; (30), C (2)</td>"));
        // Still deterministic and still one script.
        assert_eq!(html, page(&shapes, &transition_metrics(), &[]));
        assert_eq!(html.matches("<script").count(), 1);
    }
}
