//! Checks that agree with what a GIS shows (issue 10).
//!
//! A planner judges a plan on the map, so these checks read the grid layers
//! back from the GeoJSON files gridplan wrote and measure them as QGIS would:
//! they count each feature's polygon parts and intersect each grid with the
//! hard barrier lines. They use serde_json and geo alone, never gridplan's
//! own geometry code, so they are an independent oracle for the one-piece
//! and barrier figures that metrics.json reports.
//!
//! - [`polygon_parts`]: the parts of every Polygon / MultiPolygon feature,
//!   with the area of each part in m².
//! - [`hard_crossings`]: the grids holding more than [`MIN_INSIDE_M`] of
//!   hard barrier once their polygon is shrunk by [`SHRINK_M`], so that a
//!   barrier drawn along a border does not count.
//!
//! Both project WGS84 longitude/latitude to local metres with an
//! equirectangular projection around the data's mean point: over a county
//! (tens of km) its scale error is below 0.5 %, far inside the margins of
//! the checks (1 % of an area, 25 m of line).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use geo::{
    Area, BooleanOps, BoundingRect, Buffer, Coord, Intersects, LineString, MultiLineString,
    MultiPolygon, Polygon, Rect,
};
use serde_json::Value;

use crate::common::{metrics, ok, partition_files, read_json, run, write};

// ---- The checkers ----

/// The kinds that are hard by default (issue 10): the lines people cannot
/// cross on foot except at a bridge or a crossing, and the through roads.
pub const HARD_KINDS: [&str; 7] = [
    "river", "canal", "water", "railway", "motorway", "trunk", "primary",
];

/// How far each grid polygon is shrunk before measuring the barrier inside
/// it, in metres: a barrier drawn along a border, a few metres off after
/// snapping and rounding, must not count as crossing either grid.
pub const SHRINK_M: f64 = 3.0;

/// Metres of hard barrier inside a shrunk grid above which the grid counts
/// as crossed: less is a barrier ending just inside, or cutting a corner.
pub const MIN_INSIDE_M: f64 = 25.0;

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A local equirectangular projection: metres east and north of a centre.
#[derive(Clone, Copy, Debug)]
struct Local {
    lon0: f64,
    lat0: f64,
    /// Metres per degree of longitude at the centre's latitude.
    kx: f64,
    /// Metres per degree of latitude.
    ky: f64,
}

impl Local {
    /// The projection around the mean of `points` (lon, lat).
    fn around(points: impl Iterator<Item = [f64; 2]>) -> Local {
        let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
        for [x, y] in points {
            sx += x;
            sy += y;
            n += 1.0;
        }
        let (lon0, lat0) = if n > 0.0 {
            (sx / n, sy / n)
        } else {
            (0.0, 0.0)
        };
        let ky = EARTH_RADIUS_M.to_radians();
        Local {
            lon0,
            lat0,
            kx: ky * lat0.to_radians().cos(),
            ky,
        }
    }

    fn xy(self, [lon, lat]: [f64; 2]) -> Coord {
        Coord {
            x: (lon - self.lon0) * self.kx,
            y: (lat - self.lat0) * self.ky,
        }
    }

    fn line(self, ring: &[[f64; 2]]) -> LineString {
        LineString::new(ring.iter().map(|&p| self.xy(p)).collect())
    }

    fn polygon(self, rings: &[Vec<[f64; 2]>]) -> Polygon {
        let mut rings = rings.iter().map(|r| self.line(r));
        let exterior = rings.next().unwrap_or_else(|| LineString::new(vec![]));
        Polygon::new(exterior, rings.collect())
    }
}

/// A ring or line as read: (lon, lat) positions.
type Ring = Vec<[f64; 2]>;

/// The features of the GeoJSON FeatureCollection at `path`.
fn features(path: &Path) -> Vec<Value> {
    let v = read_json(path);
    v["features"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no features array", path.display()))
        .clone()
}

/// The positions of a GeoJSON coordinate array of depth 1 (a line).
fn positions(v: &Value) -> Ring {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let x = p[0].as_f64().expect("longitude is a number");
            let y = p[1].as_f64().expect("latitude is a number");
            [x, y]
        })
        .collect()
}

/// The lines of a coordinate array of depth 2 (rings of a polygon, lines of
/// a MultiLineString).
fn lines(v: &Value) -> Vec<Ring> {
    v.as_array().into_iter().flatten().map(positions).collect()
}

/// The polygons (each its rings, exterior first) of a Polygon or
/// MultiPolygon geometry; none for a null or other geometry.
fn polygons_of(geometry: &Value) -> Vec<Vec<Ring>> {
    let c = &geometry["coordinates"];
    match geometry["type"].as_str() {
        Some("Polygon") => vec![lines(c)],
        Some("MultiPolygon") => c.as_array().into_iter().flatten().map(lines).collect(),
        _ => vec![],
    }
}

/// The lines of a barrier geometry: a LineString, each line of a
/// MultiLineString, and each ring of a Polygon or MultiPolygon (a water
/// body's outline is the barrier).
fn lines_of(geometry: &Value) -> Vec<Ring> {
    let c = &geometry["coordinates"];
    match geometry["type"].as_str() {
        Some("LineString") => vec![positions(c)],
        Some("MultiLineString") => lines(c),
        Some("Polygon" | "MultiPolygon") => polygons_of(geometry).into_iter().flatten().collect(),
        _ => vec![],
    }
}

/// A feature's code: `grid_code` on gridplan's grid layers, `code` on
/// boundaries, zones and compounds.
fn code_of(feature: &Value) -> String {
    let p = &feature["properties"];
    p["grid_code"]
        .as_str()
        .or_else(|| p["code"].as_str())
        .unwrap_or("")
        .to_string()
}

/// Every position of every polygon of `features`.
fn polygon_positions(features: &[Value]) -> impl Iterator<Item = [f64; 2]> + '_ {
    features
        .iter()
        .flat_map(|f| polygons_of(&f["geometry"]))
        .flatten()
        .flatten()
}

/// (code, number of polygon parts, area of each part in m²) of every
/// feature of the FeatureCollection `grids_geojson`, in file order. The code
/// is the `grid_code` property, or `code` where there is none (boundaries).
/// A part's area is its exterior's less its holes'. A null or non-polygon
/// geometry has 0 parts.
pub fn polygon_parts(grids_geojson: &Path) -> Vec<(String, usize, Vec<f64>)> {
    let fs = features(grids_geojson);
    let local = Local::around(polygon_positions(&fs));
    fs.iter()
        .map(|f| {
            let areas: Vec<f64> = polygons_of(&f["geometry"])
                .iter()
                .map(|rings| local.polygon(rings).unsigned_area())
                .collect();
            (code_of(f), areas.len(), areas)
        })
        .collect()
}

/// A barrier kind as written, in the OSM words of [`HARD_KINDS`]: case,
/// spaces and a `_link` suffix ignored, `rail` and the Chinese words of the
/// issue mapped to their OSM kind.
fn osm_kind(kind: &str) -> String {
    let k = kind.trim().to_lowercase();
    let k = k.strip_suffix("_link").unwrap_or(&k);
    match k {
        "rail" | "铁路" => "railway",
        "河" | "江" => "river",
        "渠" => "canal",
        "溪" => "stream",
        "湖" | "水库" => "water",
        "高速" | "高速公路" => "motorway",
        "国道" => "trunk",
        "省道" | "主干道" => "primary",
        "县道" | "次干道" => "secondary",
        "支路" => "tertiary",
        other => other,
    }
    .to_string()
}

/// Whether a barrier feature is hard: its `hard` property when it has one
/// (it overrides the kind), else whether its `kind` is in `hard_kinds`.
fn is_hard(feature: &Value, hard_kinds: &[&str]) -> bool {
    let p = &feature["properties"];
    if let Some(hard) = p["hard"].as_bool() {
        return hard;
    }
    let kind = osm_kind(p["kind"].as_str().unwrap_or(""));
    hard_kinds.iter().any(|k| osm_kind(k) == kind)
}

/// Euclidean length of a line in local metres.
fn length_m(line: &LineString) -> f64 {
    line.lines().map(|l| l.dx().hypot(l.dy())).sum()
}

/// (grid code, metres of hard barrier inside) of every grid of
/// `grids_geojson` whose polygon, shrunk by [`SHRINK_M`], holds more than
/// [`MIN_INSIDE_M`] of hard barrier line, in file order.
///
/// A barrier feature of `barriers_geojson` is hard when its `hard`
/// property is true, or when it has none and its `kind` is in `hard_kinds`
/// (OSM words; `rail` and the Chinese kinds are mapped to them). Lines and
/// the outline rings of polygon barriers (water bodies) count alike.
///
/// Algorithm: 1. project grids and barriers to local metres around the
/// grids' mean point; 2. shrink each grid with geo's `Buffer` at
/// −[`SHRINK_M`]; 3. clip the hard lines whose bounding box meets the
/// shrunk grid's with geo's `BooleanOps::clip`; 4. sum the clipped lengths.
pub fn hard_crossings(
    grids_geojson: &Path,
    barriers_geojson: &Path,
    hard_kinds: &[&str],
) -> Vec<(String, f64)> {
    let grids = features(grids_geojson);
    let local = Local::around(polygon_positions(&grids));
    let hard: Vec<(Rect, LineString)> = features(barriers_geojson)
        .iter()
        .filter(|f| is_hard(f, hard_kinds))
        .flat_map(|f| lines_of(&f["geometry"]))
        .map(|r| local.line(&r))
        .filter_map(|l| Some((l.bounding_rect()?, l)))
        .collect();
    let mut crossed = Vec::new();
    for g in &grids {
        let parts: Vec<Polygon> = polygons_of(&g["geometry"])
            .iter()
            .map(|rings| local.polygon(rings))
            .collect();
        let shrunk = MultiPolygon::new(parts).buffer(-SHRINK_M);
        let Some(bbox) = shrunk.bounding_rect() else {
            continue;
        };
        let near: Vec<LineString> = hard
            .iter()
            .filter(|(r, _)| r.intersects(&bbox))
            .map(|(_, l)| l.clone())
            .collect();
        if near.is_empty() {
            continue;
        }
        let inside: f64 = shrunk
            .clip(&MultiLineString::new(near), false)
            .iter()
            .map(length_m)
            .sum();
        if inside > MIN_INSIDE_M {
            crossed.push((code_of(g), inside));
        }
    }
    crossed
}

// ---- The checkers on hand-written GeoJSON ----

/// A FeatureCollection of the given features (JSON text).
fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

/// A feature with `properties` and a geometry of `kind` and `coordinates`
/// (JSON text).
fn feature(properties: &str, kind: &str, coordinates: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{properties},"geometry":{{"type":"{kind}","coordinates":{coordinates}}}}}"#
    )
}

/// The ring of the rectangle [x0, x1] × [y0, y1] in degrees.
fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!("[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]")
}

/// Metres per 0.001° of latitude, and of longitude at 60° N (half).
const MILLI_DEG_M: f64 = 111.195;

/// Three grids near 60° N, where 0.002° of longitude is as long as 0.001°
/// of latitude (about 111.2 m): A and B, squares of that size side by side
/// (A a Polygon, B a MultiPolygon), and C, a MultiPolygon of two squares of
/// half that size, apart.
fn three_grids(dir: &Path) -> PathBuf {
    let a = rect(27.000, 60.000, 27.002, 60.001);
    let b = rect(27.002, 60.000, 27.004, 60.001);
    let c1 = rect(27.010, 60.000, 27.011, 60.0005);
    let c2 = rect(27.013, 60.000, 27.014, 60.0005);
    let text = collection(&[
        feature(r#"{"grid_code":"A"}"#, "Polygon", &format!("[{a}]")),
        feature(r#"{"grid_code":"B"}"#, "MultiPolygon", &format!("[[{b}]]")),
        feature(
            r#"{"grid_code":"C"}"#,
            "MultiPolygon",
            &format!("[[{c1}],[{c2}]]"),
        ),
    ]);
    write(dir, "grids.geojson", &text)
}

/// A LineString barrier feature with `properties` from (x0, y0) to (x1, y1).
fn barrier(properties: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    feature(
        properties,
        "LineString",
        &format!("[[{x0},{y0}],[{x1},{y1}]]"),
    )
}

#[test]
fn parts_of_polygons_and_multipolygons_with_their_areas() {
    let dir = tempfile::tempdir().unwrap();
    let parts = polygon_parts(&three_grids(dir.path()));
    let codes: Vec<(&str, usize)> = parts.iter().map(|(c, n, _)| (c.as_str(), *n)).collect();
    assert_eq!(codes, [("A", 1), ("B", 1), ("C", 2)]);
    let square = MILLI_DEG_M * MILLI_DEG_M;
    for (code, _, areas) in &parts {
        let want = if code == "C" { square / 4.0 } else { square };
        for a in areas {
            assert!((a / want - 1.0).abs() < 0.005, "{code}: {a} m², not {want}");
        }
    }
}

#[test]
fn parts_of_boundaries_use_their_code_and_a_hole_is_not_a_part() {
    let dir = tempfile::tempdir().unwrap();
    let outer = rect(27.000, 60.000, 27.004, 60.002);
    let hole = rect(27.001, 60.0005, 27.003, 60.0015);
    let text = collection(&[
        feature(
            r#"{"code":"V1","level":"village"}"#,
            "Polygon",
            &format!("[{outer},{hole}]"),
        ),
        r#"{"type":"Feature","properties":{"code":"V2"},"geometry":null}"#.to_string(),
    ]);
    let parts = polygon_parts(&write(dir.path(), "b.geojson", &text));
    assert_eq!(parts[0].0, "V1");
    assert_eq!(parts[0].1, 1);
    // 2 × 2 squares of 111.2 m, less a hole of 1.
    let want = 3.0 * MILLI_DEG_M * MILLI_DEG_M;
    assert!((parts[0].2[0] / want - 1.0).abs() < 0.005, "{:?}", parts[0]);
    assert_eq!(parts[1], ("V2".to_string(), 0, vec![]));
}

#[test]
fn crossings_count_lines_inside_a_grid_but_not_along_its_border() {
    let dir = tempfile::tempdir().unwrap();
    let grids = three_grids(dir.path());
    let text = collection(&[
        // Across A, north to south: 111.2 m less 3 m at each end.
        barrier(
            r#"{"kind":"river","name":"Kymijoki"}"#,
            27.001,
            59.999,
            27.001,
            60.002,
        ),
        // Along the border of A and B: inside neither once shrunk.
        barrier(r#"{"kind":"rail"}"#, 27.002, 59.999, 27.002, 60.002),
        // Across B, but soft, or hard by kind and soft by its property.
        barrier(r#"{"kind":"tertiary"}"#, 27.003, 59.999, 27.003, 60.002),
        barrier(
            r#"{"kind":"canal","hard":false}"#,
            27.0025,
            59.999,
            27.0025,
            60.002,
        ),
        // Into B from the east for 20 m: 17 m inside, under 25 m.
        barrier(
            r#"{"kind":"primary"}"#,
            27.005,
            60.0005,
            27.004 - 0.002 * 20.0 / MILLI_DEG_M,
            60.0005,
        ),
    ]);
    let barriers = write(dir.path(), "barriers.geojson", &text);
    let crossed = hard_crossings(&grids, &barriers, &HARD_KINDS);
    assert_eq!(crossed.len(), 1, "{crossed:?}");
    assert_eq!(crossed[0].0, "A");
    let want = MILLI_DEG_M - 2.0 * SHRINK_M;
    assert!((crossed[0].1 - want).abs() < 0.5, "{crossed:?}");
    // With the soft kind made hard, B is crossed too (only by the tertiary:
    // the canal stays soft by its own property).
    let crossed = hard_crossings(&grids, &barriers, &["river", "tertiary"]);
    let codes: Vec<&str> = crossed.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, ["A", "B"]);
    assert!((crossed[1].1 - want).abs() < 0.5, "{crossed:?}");
}

#[test]
fn crossings_count_water_outlines_chinese_kinds_and_hard_properties() {
    let dir = tempfile::tempdir().unwrap();
    let grids = three_grids(dir.path());
    // A pond inside B, about 44.5 m square: its outline is the barrier.
    let pond = rect(27.0022, 60.0003, 27.0030, 60.0007);
    let text = collection(&[
        feature(r#"{"kind":"湖"}"#, "Polygon", &format!("[{pond}]")),
        // A soft kind made hard by its property, across both parts of C.
        feature(
            r#"{"kind":"secondary","hard":true}"#,
            "MultiLineString",
            "[[[27.0105,59.999],[27.0105,60.001]],[[27.0135,59.999],[27.0135,60.001]]]",
        ),
    ]);
    let barriers = write(dir.path(), "barriers.geojson", &text);
    let crossed = hard_crossings(&grids, &barriers, &HARD_KINDS);
    let codes: Vec<&str> = crossed.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, ["B", "C"], "{crossed:?}");
    let pond_m = 2.0 * (0.8 * MILLI_DEG_M / 2.0 + 0.4 * MILLI_DEG_M);
    assert!((crossed[0].1 / pond_m - 1.0).abs() < 0.01, "{crossed:?}");
    let c_m = 2.0 * (MILLI_DEG_M / 2.0 - 2.0 * SHRINK_M);
    assert!((crossed[1].1 - c_m).abs() < 0.5, "{crossed:?}");
}

// ---- The plans, once issue 10 lands ----

/// The repository's copy of the OSM Kouvola data.
fn kouvola() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/osm_kouvola")
}

/// The grid codes listed as forced crossings in metrics.json, at its top
/// level or under `metrics`.
fn forced_grids(m: &Value) -> BTreeSet<String> {
    let list = m
        .get("forced_crossings")
        .or_else(|| m["metrics"].get("forced_crossings"))
        .and_then(Value::as_array)
        .expect("metrics.json lists forced_crossings");
    list.iter()
        .map(|c| c["grid_code"].as_str().expect("grid_code").to_string())
        .collect()
}

/// code → value of the text property `key`, for every feature of `path`.
fn property_by_code(path: &Path, key: &str) -> BTreeMap<String, String> {
    features(path)
        .iter()
        .map(|f| {
            let v = f["properties"][key].as_str().unwrap_or("").to_string();
            (code_of(f), v)
        })
        .collect()
}

/// Every grid and micro-grid of the plan in `out` is one piece, except in a
/// village itself in several parts (enclave links), where it has no more
/// parts than its village.
fn assert_one_piece(out: &Path, boundaries: &Path) {
    let village_parts: BTreeMap<String, usize> = polygon_parts(boundaries)
        .into_iter()
        .map(|(code, n, _)| (code, n))
        .collect();
    for layer in ["grids.geojson", "micro_grids.geojson"] {
        let path = out.join(layer);
        let village = property_by_code(&path, "village_code");
        let mut bad = Vec::new();
        for (code, parts, areas) in polygon_parts(&path) {
            let allowed = village_parts.get(&village[&code]).copied().unwrap_or(1);
            if parts != 1 && parts > allowed {
                bad.push(format!("{code}: {parts} parts {areas:.0?} m²"));
            }
        }
        assert!(bad.is_empty(), "{layer}: {} in pieces: {bad:#?}", bad.len());
    }
}

/// Every grid the checker finds crossed by a hard barrier is a listed
/// forced crossing.
fn assert_crossings_listed(out: &Path, barriers: &Path) {
    let forced = forced_grids(&metrics(out));
    let unlisted: Vec<(String, f64)> =
        hard_crossings(&out.join("grids.geojson"), barriers, &HARD_KINDS)
            .into_iter()
            .filter(|(code, _)| !forced.contains(code))
            .collect();
    assert!(
        unlisted.is_empty(),
        "{} grids cross a hard barrier without a listed forced crossing \
         (grid, metres inside): {unlisted:#?}",
        unlisted.len()
    );
}

/// report.html draws one line per barrier feature and one dashed outline
/// per compound, and lists the forced crossings (its lists stop at 200
/// rows); every grid of grids.geojson carries integer `pieces` (at least
/// 1) and `hard_crossings`.
fn assert_ground_shown(out: &Path, barriers: &Path, compounds: &Path) {
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let n_barriers = features(barriers).len();
    assert!(n_barriers > 0);
    assert_eq!(html.matches("<path class=\"barrier ").count(), n_barriers);
    assert!(html.contains("<path class=\"barrier hard water\""));
    assert!(html.contains("<path class=\"barrier soft\""));
    assert_eq!(
        html.matches("<path class=\"compound\"").count(),
        features(compounds).len()
    );
    let m = metrics(out);
    let list = html
        .split("<h2>Forced crossings of hard barriers</h2>")
        .nth(1)
        .expect("a forced-crossings section")
        .split("<h2>")
        .next()
        .unwrap();
    let forced = m["forced_crossings"].as_array().unwrap();
    assert_eq!(
        list.matches("<tr><td>").count(),
        forced.len().min(200),
        "{list}"
    );
    for c in forced.iter().take(200) {
        let grid = c["grid_code"].as_str().unwrap();
        assert!(list.contains(&format!("<tr><td>{grid}</td>")), "{grid}");
    }
    for f in features(&out.join("grids.geojson")) {
        let p = &f["properties"];
        assert!(p["pieces"].as_u64().is_some_and(|n| n >= 1), "{p}");
        assert!(p["hard_crossings"].is_u64(), "{p}");
    }
}

/// At least 99 % of the full-scope grids are within the tolerance (±10 %).
fn assert_balanced(out: &Path) {
    let m = metrics(out);
    let balance = &m["metrics"]["county"]["balance"];
    let share = balance["within_tol_share"]
        .as_f64()
        .expect("within_tol_share");
    assert!(share >= 0.99, "{balance}");
}

#[test]
fn kouvola_with_its_roads_is_one_piece_and_crosses_nothing_unlisted() {
    let data = kouvola();
    let (h, b, r) = (
        data.join("households.geojson"),
        data.join("boundaries.geojson"),
        data.join("barriers.geojson"),
    );
    let out = tempfile::tempdir().unwrap();
    let o = partition_files(
        &h,
        &b,
        out.path(),
        &[
            "--barriers",
            r.to_str().unwrap(),
            "--target",
            "120",
            "--band",
            "60,200",
            "--micro-target",
            "30",
            // Its villages are coded OSM_KOUVOLA-V01..: free-form codes.
            "--free-codes",
        ],
    );
    ok(&o);
    assert_one_piece(out.path(), &b);
    assert_crossings_listed(out.path(), &r);
    assert_balanced(out.path());
}

#[test]
fn synthetic_county_with_barriers_and_compounds_is_one_piece_and_crosses_nothing_unlisted() {
    let dir = tempfile::tempdir().unwrap();
    let county = dir.path().join("county");
    let out = dir.path().join("out");
    ok(&run([
        "synth",
        "--scale",
        "0.1",
        "--seed",
        "3",
        "--out",
        county.to_str().unwrap(),
    ]));
    let (b, r, c) = (
        county.join("boundaries.geojson"),
        county.join("barriers.geojson"),
        county.join("compounds.geojson"),
    );
    let o = partition_files(
        &county.join("households.geojson"),
        &b,
        &out,
        &[
            "--barriers",
            r.to_str().unwrap(),
            "--compounds",
            c.to_str().unwrap(),
            "--target",
            "367.4",
            "--micro-target",
            "55",
        ],
    );
    ok(&o);
    assert_one_piece(&out, &b);
    assert_crossings_listed(&out, &r);
    assert_balanced(&out);
    assert_ground_shown(&out, &r, &c);
}

/// Prints the checkers' figures for any output folder: set GIS_OUT to the
/// folder, GIS_BARRIERS to a barriers file and, for enclave-aware counts,
/// GIS_BOUNDARIES to the boundaries file, then run
/// `cargo test --release gis_figures -- --ignored --nocapture`.
#[test]
#[ignore = "a measuring tool, run by hand with GIS_OUT and GIS_BARRIERS"]
fn gis_figures() {
    let Some(out) = std::env::var_os("GIS_OUT").map(PathBuf::from) else {
        eprintln!("set GIS_OUT (and GIS_BARRIERS) to measure an output folder");
        return;
    };
    for layer in ["grids.geojson", "micro_grids.geojson"] {
        let parts = polygon_parts(&out.join(layer));
        let raw = parts.iter().filter(|(_, n, _)| *n > 1).count();
        // The issue's count: two or more parts of over 1 % of the area.
        let big = parts
            .iter()
            .filter(|(_, _, a)| {
                let total: f64 = a.iter().sum();
                a.iter().filter(|&&x| x > 0.01 * total).count() > 1
            })
            .count();
        println!(
            "{layer}: {} features, {raw} in several parts, {big} with ≥ 2 parts over 1 %",
            parts.len()
        );
        for (code, n, a) in parts.iter().filter(|(_, n, _)| *n > 1) {
            println!("  {code}: {n} parts {a:.0?} m²");
        }
    }
    if let Some(barriers) = std::env::var_os("GIS_BARRIERS").map(PathBuf::from) {
        let grids = out.join("grids.geojson");
        let n = features(&grids).len();
        let crossed = hard_crossings(&grids, &barriers, &HARD_KINDS);
        println!(
            "grids crossed by hard barriers ({}): {} of {n}",
            HARD_KINDS.join(", "),
            crossed.len()
        );
        for (code, m) in &crossed {
            println!("  {code}: {m:.0} m inside");
        }
    }
    if let Some(b) = std::env::var_os("GIS_BOUNDARIES").map(PathBuf::from) {
        let villages = polygon_parts(&b);
        let several = villages.iter().filter(|(_, n, _)| *n > 1).count();
        println!("boundaries: {several} features in several parts");
    }
}
