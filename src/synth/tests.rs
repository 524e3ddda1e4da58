use super::*;
use crate::input::project::LocalProjection;
use crate::model::ground::BarrierKind;
use geo::{
    Area, BooleanOps, BoundingRect, Contains, Coord, Distance, Euclidean, Intersects, LineString,
    MultiPolygon, Point, Polygon, Rect, Validation,
};
use geojson::{Feature, GeometryValue, JsonValue};
use std::collections::{BTreeMap, BTreeSet};

fn make(scale: f64, seed: u64) -> SynthCounty {
    generate(&SynthParams { scale, seed }).unwrap()
}

fn bytes(c: &SynthCounty) -> Vec<u8> {
    let mut out = Vec::new();
    for fc in [
        &c.households,
        &c.boundaries,
        &c.zones,
        &c.barriers,
        &c.compounds,
    ] {
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
    // The ground: every kind of line, and compounds of both sizes.
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for b in bars(&c) {
        *kinds.entry(b.kind.as_str()).or_default() += 1;
    }
    for k in [
        "river",
        "canal",
        "railway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
    ] {
        assert!(kinds.contains_key(k), "no {k}");
    }
    let cs = comps(&c);
    let sizes = compound_households(&c, &cs);
    let small = sizes.iter().filter(|&&h| (100..=350).contains(&h)).count();
    let large = sizes.iter().filter(|&&h| (400..=1500).contains(&h)).count();
    assert_eq!(small + large, sizes.len());
    assert!(
        small * 10 >= sizes.len() * 6,
        "{small} small of {}",
        sizes.len()
    );
    assert!(
        large * 10 >= sizes.len(),
        "{large} large of {}",
        sizes.len()
    );
    let in_compounds: u64 = sizes.iter().sum();
    eprintln!(
        "scale 1.0 ground: {kinds:?}; {} compounds ({small} of 100-350, {large} of 400-1500) \
         holding {in_compounds} households",
        cs.len()
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
        ("barriers.geojson", &c.barriers),
        ("compounds.geojson", &c.compounds),
    ] {
        let s = std::fs::read_to_string(out.join(name)).unwrap();
        let back: FeatureCollection = s.parse::<geojson::GeoJson>().unwrap().try_into().unwrap();
        assert_eq!(&back, fc);
        assert_eq!(s.lines().count(), fc.features.len() + 2);
    }
    // Every coordinate has at most 7 decimals.
    for f in c
        .households
        .features
        .iter()
        .chain(&c.boundaries.features)
        .chain(&c.barriers.features)
        .chain(&c.compounds.features)
    {
        let s = serde_json::to_string(&f.geometry).unwrap();
        for num in s.split(|ch: char| !(ch.is_ascii_digit() || ch == '.')) {
            if let Some((_, frac)) = num.split_once('.') {
                assert!(frac.len() <= 7, "{num}");
            }
        }
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 5);
}

// The ground: barriers (step 9) and compounds (step 11b).

fn proj() -> LocalProjection {
    LocalProjection::new(ORIGIN_LON, ORIGIN_LAT)
}

struct Bar {
    kind: BarrierKind,
    name: String,
    deg: LineString<f64>,
    m: LineString<f64>,
}

/// The barrier lines, their kinds parsed as `--barriers` parses them.
fn bars(c: &SynthCounty) -> Vec<Bar> {
    c.barriers
        .features
        .iter()
        .map(|f| {
            let kind = BarrierKind::parse(&text(f, "kind"))
                .unwrap_or_else(|| panic!("kind {} does not parse", text(f, "kind")));
            let deg = LineString::try_from(&f.geometry.as_ref().unwrap().value).unwrap();
            let mut m = deg.clone();
            proj().forward_geometry(&mut m);
            Bar {
                kind,
                name: text(f, "name"),
                deg,
                m,
            }
        })
        .collect()
}

struct Comp {
    code: String,
    name: String,
    deg: Polygon<f64>,
    bbox: Rect<f64>,
}

fn comps(c: &SynthCounty) -> Vec<Comp> {
    c.compounds
        .features
        .iter()
        .map(|f| {
            let deg = Polygon::try_from(&f.geometry.as_ref().unwrap().value).unwrap();
            Comp {
                code: text(f, "code"),
                name: text(f, "name"),
                bbox: deg.bounding_rect().unwrap(),
                deg,
            }
        })
        .collect()
}

/// Households inside each compound, as `--compounds` counts them.
fn compound_households(c: &SynthCounty, cs: &[Comp]) -> Vec<u64> {
    let mut out = vec![0; cs.len()];
    for f in &c.households.features {
        let p = point(f);
        let h = prop(f, "households").and_then(JsonValue::as_u64).unwrap();
        for (i, k) in cs.iter().enumerate() {
            if k.bbox.contains(&p) && k.deg.contains(&p) {
                out[i] += h;
            }
        }
    }
    out
}

fn county_polygon(c: &SynthCounty) -> MultiPolygon<f64> {
    of_level(&units(c), "county")[0].geom.clone()
}

#[test]
fn barrier_kinds_parse_and_cover_the_ground() {
    let c = make(0.3, 4);
    let b = bars(&c);
    let n = |k: BarrierKind| b.iter().filter(|x| x.kind == k).count();
    assert_eq!(n(BarrierKind::River), 1);
    assert_eq!(n(BarrierKind::Railway), 1);
    assert_eq!(n(BarrierKind::Trunk), 1);
    assert_eq!(n(BarrierKind::Canal), 2, "round(5 x 0.3) canals");
    assert_eq!(
        n(BarrierKind::Tertiary),
        12,
        "round(40 x 0.3) tertiary roads"
    );
    assert!(n(BarrierKind::Primary) >= 1);
    assert!(n(BarrierKind::Secondary) >= 10);
    let county = county_polygon(&c);
    let u = units(&c);
    let v = of_level(&u, "village");
    for x in &b {
        assert!(x.deg.0.len() >= 2 && !x.name.is_empty());
        // The river, the railway and the trunk cross the whole county.
        if matches!(
            x.kind,
            BarrierKind::River | BarrierKind::Railway | BarrierKind::Trunk
        ) {
            let ends = [x.deg.0[0], *x.deg.0.last().unwrap()];
            assert!(
                ends.iter().all(|e| !county.contains(e)),
                "{} ends inside the county",
                x.name
            );
            let crossed = v.iter().filter(|u| u.geom.intersects(&x.deg)).count();
            assert!(crossed >= 5, "{} crosses only {crossed} villages", x.name);
        }
    }
    assert_eq!(b[0].name, "飞云江");
}

#[test]
fn households_keep_clear_of_the_river_and_roads() {
    for (scale, seed) in [(0.1, 1), (0.04, 3), (0.2, 9)] {
        let c = make(scale, seed);
        let b = bars(&c);
        // Lines with their bounding boxes grown by 25 m, to skip far points.
        let boxes: Vec<Rect<f64>> = b
            .iter()
            .map(|x| {
                let r = x.m.bounding_rect().unwrap();
                let g = Coord { x: 25.0, y: 25.0 };
                Rect::new(r.min() - g, r.max() + g)
            })
            .collect();
        let mut nearest_river = f64::INFINITY;
        for f in &c.households.features {
            let mut p = point(f);
            proj().forward_geometry(&mut p);
            for (x, r) in b.iter().zip(&boxes) {
                if !r.contains(&p) {
                    continue;
                }
                let d = Euclidean.distance(&p, &x.m);
                let min = if x.kind == BarrierKind::River {
                    nearest_river = nearest_river.min(d);
                    20.0
                } else {
                    8.0
                };
                assert!(
                    d >= min,
                    "household {} is {d:.2} m from {} {}",
                    text(f, "id"),
                    x.kind.as_str(),
                    x.name
                );
            }
        }
        assert!(nearest_river < 60.0, "nothing lives by the river");
    }
}

#[test]
fn river_never_crosses_itself() {
    for seed in 1..=4 {
        let c = make(0.1, seed);
        let river = &bars(&c)[0];
        assert_eq!(river.kind, BarrierKind::River);
        let pts: Vec<[f64; 2]> = river.m.0.iter().map(|c| [c.x, c.y]).collect();
        assert!(pts.len() > 50, "a river of {} vertices", pts.len());
        for i in 0..pts.len() - 1 {
            for j in i + 2..pts.len() - 1 {
                let d = geometry::seg_seg_dist2(pts[i], pts[i + 1], pts[j], pts[j + 1]);
                assert!(d > 1.0, "segments {i} and {j} of the river meet");
            }
        }
    }
}

#[test]
fn compounds_sit_in_one_village_apart_and_uncrossed() {
    for (scale, seed) in [(0.2, 9), (0.04, 3)] {
        let c = make(scale, seed);
        let cs = comps(&c);
        assert!(cs.len() >= 5, "{} compounds", cs.len());
        let u = units(&c);
        let v = of_level(&u, "village");
        let b = bars(&c);
        let zones: Vec<MultiPolygon<f64>> = c.zones.features.iter().map(area_geom).collect();
        let mut names = BTreeSet::new();
        for (i, k) in cs.iter().enumerate() {
            assert_eq!(k.code, format!("C{:04}", i + 1));
            assert!(names.insert(k.name.clone()), "name {} twice", k.name);
            let hosts: Vec<&&Unit> = v.iter().filter(|x| x.geom.intersects(&k.deg)).collect();
            assert_eq!(hosts.len(), 1, "{} meets {} villages", k.code, hosts.len());
            assert!(
                hosts[0].geom.contains(&k.deg),
                "{} leaves its village",
                k.code
            );
            let urban = c
                .boundaries
                .features
                .iter()
                .any(|f| text(f, "code") == hosts[0].code && text(f, "name").ends_with("社区"));
            assert!(urban, "{} is not in an urban community", k.code);
            for other in &cs[i + 1..] {
                assert!(
                    !k.deg.intersects(&other.deg),
                    "{} overlaps {}",
                    k.code,
                    other.code
                );
            }
            for x in &b {
                assert!(
                    !x.deg.intersects(&k.deg),
                    "{} {} crosses {}",
                    x.kind.as_str(),
                    x.name,
                    k.code
                );
            }
            assert!(zones.iter().all(|z| !z.intersects(&k.deg)));
        }
        for (k, h) in cs.iter().zip(compound_households(&c, &cs)) {
            assert!((100..=1500).contains(&h), "{} holds {h} households", k.code);
        }
    }
}

#[test]
fn ground_is_deterministic() {
    let json = |c: &SynthCounty| {
        let mut out = Vec::new();
        write_collection(&c.barriers, &mut out).unwrap();
        let split = out.len();
        write_collection(&c.compounds, &mut out).unwrap();
        (out[..split].to_vec(), out[split..].to_vec())
    };
    let (a, b) = (make(0.1, 5), make(0.1, 5));
    assert_eq!(json(&a), json(&b));
    let other = json(&make(0.1, 6));
    assert_ne!(json(&a).0, other.0);
    assert_ne!(json(&a).1, other.1);
}

#[test]
fn geometry_helpers() {
    use geometry::{convex_hull, ring_ring_dist2, seg_seg_dist2, signed_area2};
    assert!(seg_seg_dist2([0.0, 0.0], [2.0, 2.0], [0.0, 2.0], [2.0, 0.0]) < 1e-12);
    let d = seg_seg_dist2([0.0, 0.0], [2.0, 0.0], [1.0, 3.0], [1.0, 5.0]);
    assert!((d - 9.0).abs() < 1e-12);
    let hull = convex_hull(&[
        [0.0, 0.0],
        [1.0, 1.0],
        [2.0, 0.0],
        [2.0, 2.0],
        [0.0, 2.0],
        [1.0, 0.0],
    ]);
    assert_eq!(hull.len(), 4);
    assert!(
        (signed_area2(&hull) - 8.0).abs() < 1e-12,
        "counter-clockwise"
    );
    let inner = [[0.5, 0.5], [1.5, 0.5], [1.5, 1.5]];
    assert!(ring_ring_dist2(&hull, &inner) < 1e-12, "nested rings meet");
    let far = [[5.0, 0.0], [6.0, 0.0], [6.0, 1.0]];
    assert!((ring_ring_dist2(&hull, &far) - 9.0).abs() < 1e-12);
}
