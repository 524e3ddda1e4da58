use super::*;
use crate::input::project::LocalProjection;
use geo::{
    Area, BooleanOps, BoundingRect, Contains, MultiPolygon, Point, Polygon, Rect, Validation,
};
use geojson::{Feature, GeometryValue, JsonValue};
use std::collections::{BTreeMap, BTreeSet};

fn make(scale: f64, seed: u64) -> SynthCounty {
    generate(&SynthParams { scale, seed }).unwrap()
}

fn bytes(c: &SynthCounty) -> Vec<u8> {
    let mut out = Vec::new();
    for fc in [&c.households, &c.boundaries, &c.zones] {
        write_collection(fc, &mut out).unwrap();
    }
    out
}

fn prop<'a>(f: &'a Feature, key: &str) -> Option<&'a JsonValue> {
    f.properties.as_ref().and_then(|p| p.get(key))
}

fn text(f: &Feature, key: &str) -> String {
    prop(f, key)
        .and_then(JsonValue::as_str)
        .unwrap_or_default()
        .to_string()
}

fn area_geom(f: &Feature) -> MultiPolygon<f64> {
    let g = &f.geometry.as_ref().unwrap().value;
    match g {
        GeometryValue::Polygon { .. } => MultiPolygon::new(vec![Polygon::try_from(g).unwrap()]),
        _ => MultiPolygon::try_from(g).unwrap(),
    }
}

fn point(f: &Feature) -> Point<f64> {
    Point::try_from(&f.geometry.as_ref().unwrap().value).unwrap()
}

struct Unit {
    code: String,
    parent: String,
    level: String,
    geom: MultiPolygon<f64>,
}

fn units(c: &SynthCounty) -> Vec<Unit> {
    c.boundaries
        .features
        .iter()
        .map(|f| Unit {
            code: text(f, "code"),
            parent: text(f, "parent"),
            level: text(f, "level"),
            geom: area_geom(f),
        })
        .collect()
}

fn metres(g: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let mut g = g.clone();
    LocalProjection::new(ORIGIN_LON, ORIGIN_LAT).forward_geometry(&mut g);
    g
}

fn of_level<'a>(u: &'a [Unit], level: &str) -> Vec<&'a Unit> {
    u.iter().filter(|x| x.level == level).collect()
}

/// Area of the village holes that no other village fills: the lakes.
fn lake_area(villages: &[&Unit]) -> f64 {
    let holes: f64 = villages
        .iter()
        .flat_map(|v| v.geom.0.iter())
        .flat_map(geo::Polygon::interiors)
        .map(|r| Polygon::new(r.clone(), vec![]))
        .map(|p| metres(&MultiPolygon::new(vec![p])).unsigned_area())
        .sum();
    let enclaves: f64 = villages
        .iter()
        .flat_map(|v| v.geom.0.iter().skip(1))
        .map(|p| metres(&MultiPolygon::new(vec![p.clone()])).unsigned_area())
        .sum();
    holes - enclaves
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let a = bytes(&make(0.05, 7));
    let b = bytes(&make(0.05, 7));
    assert_eq!(a, b);
    let c = bytes(&make(0.05, 8));
    assert_ne!(a, c);
}

#[test]
fn invalid_scale_is_refused() {
    for s in [0.0, -1.0, 4.01, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            generate(&SynthParams { scale: s, seed: 1 }),
            Err(SynthError::InvalidScale { .. })
        ));
    }
    assert!(
        generate(&SynthParams {
            scale: 0.001,
            seed: 1
        })
        .is_ok()
    );
}

#[test]
fn full_scale_counts() {
    let c = make(1.0, 2024);
    let hh: u64 = c
        .households
        .features
        .iter()
        .map(|f| prop(f, "households").and_then(JsonValue::as_u64).unwrap())
        .sum();
    let pts = c.households.features.len();
    assert!(
        (hh as f64 / 550_000.0 - 1.0).abs() < 0.03,
        "{hh} households"
    );
    assert!((pts as f64 / 120_000.0 - 1.0).abs() < 0.05, "{pts} points");
    let u = units(&c);
    assert_eq!(of_level(&u, "county").len(), 1);
    assert_eq!(of_level(&u, "town").len(), 23);
    assert_eq!(of_level(&u, "village").len(), 510);
    assert_eq!(c.zones.features.len(), 34);
    let grids: BTreeSet<String> = c
        .households
        .features
        .iter()
        .map(|f| text(f, "grid"))
        .collect();
    assert!(
        (grids.len() as f64 / 1024.0 - 1.0).abs() < 0.1,
        "{} grids",
        grids.len()
    );
    let v = of_level(&u, "village");
    assert!(v.iter().any(|x| x.geom.0.len() > 1), "no enclave");
    assert!(
        v.iter().any(|x| !x.geom.0[0].interiors().is_empty()),
        "no hole"
    );
    assert!(lake_area(&v) > 0.0, "no lake");
    eprintln!(
        "scale 1.0: {hh} households, {pts} points, {} grids",
        grids.len()
    );
}

#[test]
fn households_lie_in_their_village() {
    for (scale, seed) in [(0.1, 1), (0.05, 2), (0.05, 3)] {
        let c = make(scale, seed);
        let u = units(&c);
        let v = of_level(&u, "village");
        let boxes: Vec<Rect<f64>> = v.iter().map(|x| x.geom.bounding_rect().unwrap()).collect();
        let mut ids = BTreeSet::new();
        let mut per_village: BTreeMap<&str, u64> = BTreeMap::new();
        let mut declared = 0;
        for f in &c.households.features {
            let p = point(f);
            let inside: Vec<usize> = (0..v.len())
                .filter(|&i| boxes[i].contains(&p) && v[i].geom.contains(&p))
                .collect();
            assert_eq!(
                inside.len(),
                1,
                "point {:?} in {} villages",
                p,
                inside.len()
            );
            let code = &v[inside[0]].code;
            if let Some(d) = prop(f, "village") {
                assert_eq!(d.as_str(), Some(code.as_str()));
                declared += 1;
            }
            let grid = text(f, "grid");
            assert!(
                grid.len() == 15 && grid.starts_with(code.as_str()),
                "{grid} vs {code}"
            );
            assert!(ids.insert(text(f, "id")), "duplicate id");
            let h = prop(f, "households").and_then(JsonValue::as_u64).unwrap();
            assert!(h >= 1);
            let pop = prop(f, "population").and_then(JsonValue::as_f64).unwrap();
            assert!(pop >= h as f64);
            for k in ["rental", "shops", "special"] {
                assert!(prop(f, k).and_then(JsonValue::as_f64).unwrap() >= 0.0);
            }
            *per_village.entry(code).or_default() += h;
        }
        let n = c.households.features.len();
        assert!(
            declared > n * 2 / 5 && declared < n * 3 / 5,
            "{declared} of {n} declared"
        );
        // No village is empty, and sizes vary.
        assert_eq!(per_village.len(), v.len());
        let sizes: Vec<u64> = per_village.values().copied().collect();
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(*max > 5 * *min, "village sizes {min}..{max} barely vary");
    }
}

#[test]
fn villages_tile_the_county() {
    for (scale, seed) in [(0.1, 11), (0.2, 12)] {
        let c = make(scale, seed);
        let u = units(&c);
        let county = metres(&of_level(&u, "county")[0].geom);
        let towns: Vec<MultiPolygon<f64>> = of_level(&u, "town")
            .iter()
            .map(|t| metres(&t.geom))
            .collect();
        let v = of_level(&u, "village");
        let vm: Vec<MultiPolygon<f64>> = v.iter().map(|x| metres(&x.geom)).collect();
        let a_county = county.unsigned_area();
        let a_v: f64 = vm.iter().map(Area::unsigned_area).sum();
        let lakes = lake_area(&v);
        assert!(lakes > 0.0);
        assert!(
            ((a_v + lakes) / a_county - 1.0).abs() < 1e-6,
            "{a_v} + {lakes} vs {a_county}"
        );
        let a_t: f64 = towns.iter().map(Area::unsigned_area).sum();
        assert!((a_t / a_county - 1.0).abs() < 1e-6);
        // No overlaps: the union of the villages is as large as their sum.
        let union = geo::unary_union(vm.iter());
        assert!((union.unsigned_area() / a_v - 1.0).abs() < 1e-6);
        // Each town is the union of its villages (plus its lakes).
        for (t, tm) in of_level(&u, "town").iter().zip(&towns) {
            let kids: Vec<&MultiPolygon<f64>> = v
                .iter()
                .zip(&vm)
                .filter(|(x, _)| x.parent == t.code)
                .map(|(_, m)| m)
                .collect();
            assert!(!kids.is_empty());
            let sym = geo::unary_union(kids.iter().copied()).xor(tm);
            assert!(
                sym.unsigned_area() / tm.unsigned_area() < 0.01,
                "town {} differs",
                t.code
            );
        }
        for x in &u {
            assert!(x.geom.is_valid(), "{} is invalid", x.code);
        }
    }
}

#[test]
fn variety_at_small_scale() {
    let c = make(0.1, 5);
    let u = units(&c);
    let v = of_level(&u, "village");
    assert_eq!(v.len(), 51);
    assert_eq!(of_level(&u, "town").len(), 2);
    assert!(
        v.iter().any(|x| x.geom.0.len() > 1),
        "no MultiPolygon village"
    );
    assert!(
        v.iter().any(|x| !x.geom.0[0].interiors().is_empty()),
        "no village with a hole"
    );
    assert!(lake_area(&v) > 0.0, "no lake");
}

#[test]
fn codes_and_names() {
    let c = make(0.2, 9);
    let u = units(&c);
    let county = of_level(&u, "county");
    assert_eq!(county[0].code, "330381");
    assert!(prop(&c.boundaries.features[0], "parent").unwrap().is_null());
    for t in of_level(&u, "town") {
        assert!(t.code.len() == 9 && t.code.starts_with("330381") && t.parent == "330381");
    }
    let towns: BTreeSet<String> = of_level(&u, "town")
        .iter()
        .map(|t| t.code.clone())
        .collect();
    let mut names = BTreeSet::new();
    for (f, x) in c.boundaries.features.iter().zip(&u) {
        if x.level == "village" {
            assert!(
                x.code.len() == 12 && x.code.starts_with(&x.parent) && towns.contains(&x.parent)
            );
            let name = text(f, "name");
            assert!(name.ends_with('村') || name.ends_with("社区"));
            assert!(names.insert(name));
        }
    }
    let urban = names.iter().filter(|n| n.ends_with("社区")).count();
    assert!((urban as f64 / names.len() as f64 - 0.2).abs() < 0.02);
}

#[test]
fn current_grids_about_1024_per_scale() {
    for (scale, seed) in [(0.1, 1), (0.25, 2)] {
        let c = make(scale, seed);
        let mut grids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &c.households.features {
            grids
                .entry(text(f, "grid"))
                .or_default()
                .insert(text(f, "grid")[..12].to_string());
        }
        let want = 1024.0 * scale;
        assert!(
            (grids.len() as f64 / want - 1.0).abs() <= 0.1,
            "{} grids for {want}",
            grids.len()
        );
        // Codes run 001.. within each village without gaps.
        let mut per: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for g in grids.keys() {
            per.entry(g[..12].to_string())
                .or_default()
                .push(g[12..].parse().unwrap());
        }
        for seqs in per.values() {
            assert_eq!(*seqs, (1..=seqs.len() as u32).collect::<Vec<_>>());
        }
    }
}

#[test]
fn current_grids_never_split_a_building() {
    for (scale, seed) in [(0.1, 1), (0.2, 2), (0.05, 7)] {
        let c = make(scale, seed);
        let mut grid_at: BTreeMap<String, String> = BTreeMap::new();
        let mut doubles = 0;
        for f in &c.households.features {
            let at = serde_json::to_string(&f.geometry).unwrap();
            let g = text(f, "grid");
            if let Some(old) = grid_at.insert(at, g.clone()) {
                doubles += 1;
                assert_eq!(old, g, "a building split between grids");
            }
        }
        assert!(doubles > 0, "no building with two address points");
    }
}

#[test]
fn zones_hold_households() {
    let c = make(0.3, 4);
    assert_eq!(c.zones.features.len(), 10);
    let kinds: BTreeSet<String> = c.zones.features.iter().map(|f| text(f, "kind")).collect();
    assert_eq!(kinds.len(), 5);
    let u = units(&c);
    let v = of_level(&u, "village");
    let pts: Vec<(Point<f64>, u64)> = c
        .households
        .features
        .iter()
        .map(|f| {
            (
                point(f),
                prop(f, "households").and_then(JsonValue::as_u64).unwrap(),
            )
        })
        .collect();
    let mut crossing = 0;
    for (i, f) in c.zones.features.iter().enumerate() {
        assert_eq!(text(f, "code"), format!("Z{:03}", i + 1));
        assert!(!text(f, "name").is_empty());
        let z = area_geom(f);
        let zm = metres(&z);
        let ring = &zm.0[0].exterior().0;
        for k in 0..2 {
            let side = (ring[k + 1] - ring[k]).x.hypot((ring[k + 1] - ring[k]).y);
            assert!((99.0..=401.0).contains(&side), "zone side {side} m");
        }
        let hh: u64 = pts
            .iter()
            .filter(|(p, _)| z.contains(p))
            .map(|(_, h)| h)
            .sum();
        assert!((100..=600).contains(&hh), "zone {i} holds {hh} households");
        let hosts = v
            .iter()
            .filter(|x| metres(&x.geom).intersection(&zm).unsigned_area() > 1.0)
            .count();
        assert!(hosts >= 1);
        if hosts > 1 {
            crossing += 1;
        }
    }
    assert_eq!(crossing, 1, "zone Z010 should straddle a border");
}

#[test]
fn write_creates_parseable_files() {
    let c = make(0.05, 3);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("county");
    write(&c, &out).unwrap();
    for (name, fc) in [
        ("households.geojson", &c.households),
        ("boundaries.geojson", &c.boundaries),
        ("zones.geojson", &c.zones),
    ] {
        let s = std::fs::read_to_string(out.join(name)).unwrap();
        let back: FeatureCollection = s.parse::<geojson::GeoJson>().unwrap().try_into().unwrap();
        assert_eq!(&back, fc);
        assert_eq!(s.lines().count(), fc.features.len() + 2);
    }
    // Every coordinate has at most 7 decimals.
    for f in c.households.features.iter().chain(&c.boundaries.features) {
        let s = serde_json::to_string(&f.geometry).unwrap();
        for num in s.split(|ch: char| !(ch.is_ascii_digit() || ch == '.')) {
            if let Some((_, frac)) = num.split_once('.') {
                assert!(frac.len() <= 7, "{num}");
            }
        }
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);
}
