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
    generate(&SynthParams {
        scale,
        seed,
        ..SynthParams::default()
    })
    .unwrap()
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
        write_collection(fc, None, &mut out).unwrap();
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
            generate(&SynthParams {
                scale: s,
                seed: 1,
                ..SynthParams::default()
            }),
            Err(SynthError::InvalidScale { .. })
        ));
    }
    assert!(
        generate(&SynthParams {
            scale: 0.001,
            seed: 1,
            ..SynthParams::default()
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
        write_collection(&c.barriers, None, &mut out).unwrap();
        let split = out.len();
        write_collection(&c.compounds, None, &mut out).unwrap();
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

// ---- Current plan kinds (step 12) ----

/// Steps 1-11 of the county at `scale` from `seed`.
fn drawn(scale: f64, seed: u64) -> Drawn {
    draw(&SynthParams {
        scale,
        seed,
        ..SynthParams::default()
    })
    .unwrap()
}

/// The plan of `kind` on `d`.
fn plan_of(d: &Drawn, scale: f64, seed: u64, kind: CurrentPlanKind) -> Vec<String> {
    plan::current_grids(&d.layout, &d.placed.hh, scale, kind, seed)
}

/// Step 12 as it was before the kinds existed (commit 056f517), kept as
/// the oracle of the compact kind.
fn old_current_grids(d: &Drawn, scale: f64) -> Vec<String> {
    let (layout, hh) = (&d.layout, &d.placed.hh);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); layout.villages.len()];
    for (i, h) in hh.iter().enumerate() {
        members[h.village].push(i);
    }
    let w: Vec<f64> = members
        .iter()
        .map(|m| m.iter().map(|&i| f64::from(hh[i].households)).sum())
        .collect();
    let k_target = count(GRIDS_AT_1 * scale);
    let k_of = |d: f64| -> Vec<usize> {
        w.iter()
            .zip(&members)
            .map(|(&wv, m)| count(wv / d).min(m.len().max(1)))
            .collect()
    };
    let total_k = |d: f64| -> usize { k_of(d).iter().sum() };
    let total_w: f64 = w.iter().sum();
    let (mut lo, mut hi) = (1.0, total_w.max(2.0));
    for _ in 0..100 {
        let mid = (lo * hi).sqrt();
        if total_k(mid) > k_target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let d = if total_k(lo).abs_diff(k_target) < total_k(hi).abs_diff(k_target) {
        lo
    } else {
        hi
    };
    let ks = k_of(d);
    let xy: Vec<geometry::Xy> = hh.iter().map(|h| h.m).collect();
    let wt: Vec<f64> = hh.iter().map(|h| f64::from(h.households)).collect();
    let mut codes = vec![String::new(); hh.len()];
    for (v, mut idx) in members.into_iter().enumerate() {
        let mut parts = Vec::new();
        old_bisect(&mut idx, ks[v], &xy, &wt, &mut parts);
        for (seq, part) in parts.iter().enumerate() {
            let code = format!("{}{:03}", layout.villages[v].code, seq + 1);
            for &i in part {
                codes[i].clone_from(&code);
            }
        }
    }
    codes
}

/// The bisection of `old_current_grids`, as it was.
fn old_bisect(
    idx: &mut [usize],
    k: usize,
    xy: &[geometry::Xy],
    w: &[f64],
    out: &mut Vec<Vec<usize>>,
) {
    let k = k.min(idx.len());
    if k <= 1 {
        if !idx.is_empty() {
            out.push(idx.to_vec());
        }
        return;
    }
    let pts: Vec<geometry::Xy> = idx.iter().map(|&i| xy[i]).collect();
    let b = geometry::bbox(&pts);
    if b[2] - b[0] >= b[3] - b[1] {
        idx.sort_by(|&a, &c| xy[a][0].total_cmp(&xy[c][0]).then(a.cmp(&c)));
    } else {
        idx.sort_by(|&a, &c| xy[c][1].total_cmp(&xy[a][1]).then(a.cmp(&c)));
    }
    let k1 = k / 2;
    let k2 = k - k1;
    let total: f64 = idx.iter().map(|&i| w[i]).sum();
    let target = total * k1 as f64 / k as f64;
    let (lo, hi) = (k1, idx.len() - k2);
    let mut cum = 0.0;
    let mut best = (f64::INFINITY, lo);
    let same = |a: usize, b: usize| xy[a].map(f64::to_bits) == xy[b].map(f64::to_bits);
    for (c, &i) in idx.iter().enumerate().take(hi + 1) {
        if c >= lo && (c == 0 || !same(idx[c - 1], i)) {
            let dev = (cum - target).abs();
            if dev < best.0 {
                best = (dev, c);
            }
        }
        cum += w[i];
    }
    let (l, r) = idx.split_at_mut(best.1);
    old_bisect(l, k1, xy, w, out);
    old_bisect(r, k2, xy, w, out);
}

const KINDS: [CurrentPlanKind; 5] = [
    CurrentPlanKind::Compact,
    CurrentPlanKind::Unequal,
    CurrentPlanKind::Strips,
    CurrentPlanKind::Cross,
    CurrentPlanKind::Labels,
];

/// The points of each grid of `codes`, grouped by the households' village.
fn grids_by_village(d: &Drawn, codes: &[String]) -> BTreeMap<usize, BTreeMap<String, Vec<usize>>> {
    let mut out: BTreeMap<usize, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for (i, h) in d.placed.hh.iter().enumerate() {
        out.entry(h.village)
            .or_default()
            .entry(codes[i].clone())
            .or_default()
            .push(i);
    }
    out
}

/// Mean over the villages of 3 grids or more of the coefficient of
/// variation of their grids' households.
fn size_cv(d: &Drawn, codes: &[String]) -> f64 {
    let cvs: Vec<f64> = grids_by_village(d, codes)
        .values()
        .filter(|g| g.len() >= 3)
        .map(|g| {
            let sizes: Vec<f64> = g
                .values()
                .map(|p| {
                    p.iter()
                        .map(|&i| f64::from(d.placed.hh[i].households))
                        .sum()
                })
                .collect();
            let n = sizes.len() as f64;
            let mean = sizes.iter().sum::<f64>() / n;
            let var = sizes.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n;
            var.sqrt() / mean
        })
        .collect();
    cvs.iter().sum::<f64>() / cvs.len() as f64
}

/// Median over the grids of villages of 3 grids or more (and of 3 points
/// or more) of the elongation sqrt(λ1 / λ2) of their points' second
/// moments.
fn median_elongation(d: &Drawn, codes: &[String]) -> f64 {
    let mut el: Vec<f64> = grids_by_village(d, codes)
        .values()
        .filter(|g| g.len() >= 3)
        .flat_map(|g| g.values())
        .filter(|p| p.len() >= 3)
        .map(|p| {
            let xy: Vec<geometry::Xy> = p.iter().map(|&i| d.placed.hh[i].m).collect();
            let n = xy.len() as f64;
            let c = xy
                .iter()
                .fold([0.0, 0.0], |s, q| [s[0] + q[0] / n, s[1] + q[1] / n]);
            let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
            for q in &xy {
                let (dx, dy) = (q[0] - c[0], q[1] - c[1]);
                sxx += dx * dx / n;
                syy += dy * dy / n;
                sxy += dx * dy / n;
            }
            let (half_tr, disc) = (
                f64::midpoint(sxx, syy),
                ((sxx - syy).powi(2) / 4.0 + sxy * sxy).sqrt(),
            );
            ((half_tr + disc) / (half_tr - disc).max(1e-9)).sqrt()
        })
        .collect();
    el.sort_by(f64::total_cmp);
    el[el.len() / 2]
}

fn is_chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

#[test]
fn compact_plan_is_the_old_plan() {
    for (scale, seed) in [(0.05, 7), (0.1, 1), (0.25, 2)] {
        let d = drawn(scale, seed);
        assert_eq!(
            plan_of(&d, scale, seed, CurrentPlanKind::Compact),
            old_current_grids(&d, scale),
            "scale {scale} seed {seed}"
        );
    }
}

#[test]
fn every_kind_codes_every_household_with_about_1024_grids_per_scale() {
    for (scale, seed) in [(0.05, 7), (0.1, 1)] {
        let d = drawn(scale, seed);
        let want = count(GRIDS_AT_1 * scale) as f64;
        for kind in KINDS {
            let codes = plan_of(&d, scale, seed, kind);
            assert_eq!(codes.len(), d.placed.hh.len());
            assert!(codes.iter().all(|c| !c.is_empty()), "{kind:?}");
            let n = codes.iter().collect::<BTreeSet<_>>().len() as f64;
            assert!(
                (n / want - 1.0).abs() <= 0.03,
                "{kind:?}: {n} grids for {want}"
            );
            assert_eq!(
                codes,
                plan_of(&d, scale, seed, kind),
                "{kind:?} not deterministic"
            );
        }
    }
}

#[test]
fn the_kind_changes_only_the_grid_property() {
    let p = |current_plan| SynthParams {
        scale: 0.05,
        seed: 3,
        current_plan,
    };
    let a = generate(&p(CurrentPlanKind::Compact)).unwrap();
    let b = generate(&p(CurrentPlanKind::Labels)).unwrap();
    let strip = |c: &SynthCounty| {
        let mut c = c.clone();
        for f in &mut c.households.features {
            f.properties.as_mut().unwrap().remove("grid");
        }
        bytes(&c)
    };
    assert_eq!(strip(&a), strip(&b));
    assert!(
        b.households
            .features
            .iter()
            .any(|f| text(f, "grid").starts_with('G'))
    );
}

#[test]
fn unequal_grids_spread_more_than_compact() {
    let (scale, seed) = (0.1, 1);
    let d = drawn(scale, seed);
    let compact = size_cv(&d, &plan_of(&d, scale, seed, CurrentPlanKind::Compact));
    let unequal = size_cv(&d, &plan_of(&d, scale, seed, CurrentPlanKind::Unequal));
    eprintln!("size CV: compact {compact:.3}, unequal {unequal:.3}");
    assert!(
        unequal > compact + 0.1,
        "compact {compact}, unequal {unequal}"
    );
    assert!(unequal < 0.35, "unequal {unequal}");
}

#[test]
fn strips_are_elongated() {
    let (scale, seed) = (0.1, 1);
    let d = drawn(scale, seed);
    let compact = median_elongation(&d, &plan_of(&d, scale, seed, CurrentPlanKind::Compact));
    let strips = median_elongation(&d, &plan_of(&d, scale, seed, CurrentPlanKind::Strips));
    eprintln!("median elongation: compact {compact:.2}, strips {strips:.2}");
    assert!(strips > 1.5 * compact, "compact {compact}, strips {strips}");
}

#[test]
fn cross_grids_hold_two_villages_now_and_then() {
    for (scale, seed) in [(0.05, 7), (0.1, 1)] {
        let d = drawn(scale, seed);
        let codes = plan_of(&d, scale, seed, CurrentPlanKind::Cross);
        let mut villages: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
        for (c, h) in codes.iter().zip(&d.placed.hh) {
            villages.entry(c).or_default().insert(h.village);
        }
        let crossing = villages.values().filter(|v| v.len() > 1).count();
        eprintln!("cross at {scale}: {crossing} of {} grids", villages.len());
        assert!(crossing >= 1);
        assert!(crossing * 10 < villages.len(), "{crossing} crossing grids");
        // Codes stay village code + NNN of the grid's own village.
        let codes_of: BTreeSet<&str> = d.layout.villages.iter().map(|v| v.code.as_str()).collect();
        for c in villages.keys() {
            assert!(c.len() == 15 && codes_of.contains(&c[..12]), "{c}");
        }
    }
}

#[test]
fn labels_are_free_and_one_per_grid() {
    for (scale, seed) in [(0.05, 7), (0.1, 1)] {
        let d = drawn(scale, seed);
        let labels = plan_of(&d, scale, seed, CurrentPlanKind::Labels);
        let compact = plan_of(&d, scale, seed, CurrentPlanKind::Compact);
        for (l, h) in labels.iter().zip(&d.placed.hh) {
            let vcode = &d.layout.villages[h.village].code;
            let numeric = l.len() == 15 && l.bytes().all(|b| b.is_ascii_digit());
            assert!(!numeric && !l.starts_with(vcode.as_str()), "{l}");
        }
        assert!(labels.iter().any(|l| l.chars().any(is_chinese)));
        // Same geometry as compact, one label per grid.
        let pairs: BTreeSet<(&String, &String)> = labels.iter().zip(&compact).collect();
        let n_labels = labels.iter().collect::<BTreeSet<_>>().len();
        let n_compact = compact.iter().collect::<BTreeSet<_>>().len();
        assert_eq!(pairs.len(), n_labels);
        assert_eq!(pairs.len(), n_compact);
        let forms: BTreeSet<char> = labels.iter().filter_map(|l| l.chars().next()).collect();
        eprintln!("labels at {scale}: first characters {forms:?}");
    }
}

#[test]
fn strips_and_unequal_never_split_a_building() {
    let (scale, seed) = (0.1, 1);
    let d = drawn(scale, seed);
    for kind in KINDS {
        let codes = plan_of(&d, scale, seed, kind);
        let mut at: BTreeMap<[u64; 2], &str> = BTreeMap::new();
        for (c, h) in codes.iter().zip(&d.placed.hh) {
            let old = at.insert(h.m.map(f64::to_bits), c);
            assert!(old.is_none_or(|o| o == c), "{kind:?} splits a building");
        }
    }
}
