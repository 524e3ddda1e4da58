//! Tests of the coordinate systems: names, WKT, conversions through EPSG
//! codes against reference points, declared systems and plausibility.

#![expect(
    clippy::float_cmp,
    reason = "identity conversions must give the very same numbers back"
)]

use super::*;
use geo::{Distance, Haversine, Point};

/// Great-circle distance in metres between two lon/lat points.
fn metres(a: [f64; 2], b: [f64; 2]) -> f64 {
    Haversine.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

/// A 0.5° lattice over mainland China's extent.
fn lattice() -> Vec<[f64; 2]> {
    let mut v = Vec::new();
    for i in 0..=120 {
        for j in 0..=70 {
            v.push([74.0 + 0.5 * f64::from(i), 18.0 + 0.5 * f64::from(j)]);
        }
    }
    v
}

#[test]
fn parse_and_names() {
    for c in [Crs::Wgs84, Crs::Cgcs2000, Crs::Gcj02] {
        assert_eq!(Crs::parse(c.as_str()), Some(c));
        assert_eq!(Crs::parse(&c.as_str().to_uppercase()), Some(c));
        assert_eq!(c.to_string(), c.as_str());
        if let Some(code) = c.epsg() {
            assert_eq!(Crs::parse(&format!("EPSG:{code}")), Some(c));
            assert!(
                c.wkt()
                    .ends_with(&format!(r#"AUTHORITY["EPSG","{code}"]]"#))
            );
        }
    }
    assert_eq!(Crs::parse("epsg:4326"), Some(Crs::Wgs84));
    assert_eq!(Crs::parse("epsg:4490"), Some(Crs::Cgcs2000));
    assert_eq!(Crs::parse("GcJ02"), Some(Crs::Gcj02));
    for bad in [
        "",
        "bd09",
        "epsg:",
        "epsg:99999",
        "epsg:4326x",
        "epsg:-1",
        "wgs 84",
        " wgs84",
    ] {
        assert_eq!(Crs::parse(bad), None, "{bad}");
    }
    assert_eq!(Crs::Wgs84.epsg(), Some(4326));
    assert_eq!(Crs::Cgcs2000.epsg(), Some(4490));
    assert_eq!(Crs::Gcj02.epsg(), None);
    assert_eq!(Crs::default(), Crs::Wgs84);
}

#[test]
fn wkt_is_well_formed() {
    for c in [Crs::Wgs84, Crs::Cgcs2000, Crs::Gcj02] {
        let w = c.wkt();
        assert!(w.starts_with("GEOGCS[\""), "{w}");
        // Brackets balance and never go negative.
        let mut depth = 0_i32;
        for ch in w.chars() {
            match ch {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
            assert!(depth >= 0, "{w}");
        }
        assert_eq!(depth, 0, "{w}");
        assert_eq!(w.matches('"').count() % 2, 0, "{w}");
    }
    assert!(Crs::Wgs84.wkt().starts_with(r#"GEOGCS["WGS 84""#));
    assert!(
        Crs::Cgcs2000
            .wkt()
            .starts_with(r#"GEOGCS["China Geodetic Coordinate System 2000""#)
    );
    assert!(Crs::Cgcs2000.wkt().contains("298.257222101"));
    let gcj = Crs::Gcj02.wkt();
    assert!(gcj.starts_with(r#"GEOGCS["GCJ-02 (WGS 84 datum, obfuscated)""#));
    assert!(!gcj.contains("AUTHORITY"), "{gcj}");
}

#[test]
fn cgcs2000_and_wgs84_are_identity() {
    for p in lattice() {
        for c in [Crs::Wgs84, Crs::Cgcs2000] {
            assert_eq!(to_wgs84(c, p[0], p[1]), p);
            assert_eq!(from_wgs84(c, p[0], p[1]), p);
        }
    }
    let mut poly = geo::Polygon::new(
        geo::LineString::from(vec![(120.6, 27.7), (120.7, 27.7), (120.7, 27.8)]),
        vec![],
    );
    let before = poly.clone();
    convert_geometry(&mut poly, Crs::Cgcs2000, Crs::Wgs84);
    assert_eq!(poly, before);
}

#[test]
fn convert_geometry_matches_point_conversion() {
    let pts = [
        (120.60, 27.70),
        (120.70, 27.70),
        (120.70, 27.80),
        (120.60, 27.80),
    ];
    let poly = geo::Polygon::new(geo::LineString::from(pts.to_vec()), vec![]);

    let mut to_wgs = poly.clone();
    convert_geometry(&mut to_wgs, Crs::Gcj02, Crs::Cgcs2000);
    for (c, p) in to_wgs.exterior().coords().zip(poly.exterior().coords()) {
        let expect = gcj02_to_wgs84(p.x, p.y);
        assert_eq!([c.x, c.y], expect);
        // And the move is the GCJ-02 offset, about half a kilometre.
        let d = metres([c.x, c.y], [p.x, p.y]);
        assert!((400.0..700.0).contains(&d), "{d}");
    }

    // Back to GCJ-02 restores the polygon to well under a millimetre.
    let mut back = to_wgs.clone();
    convert_geometry(&mut back, Crs::Wgs84, Crs::Gcj02);
    for (c, p) in back.exterior().coords().zip(poly.exterior().coords()) {
        assert!(metres([c.x, c.y], [p.x, p.y]) < 1e-3);
    }

    let mut same = poly.clone();
    convert_geometry(&mut same, Crs::Gcj02, Crs::Gcj02);
    assert_eq!(same, poly);
}

/// An EPSG system by code, for the tests.
fn epsg(code: u32) -> Crs {
    Crs::from_epsg(code).unwrap()
}

#[test]
fn epsg_names_round_trip() {
    for code in [
        4528, 4549, 4513, 4533, 4534, 4554, 4491, 4512, 3857, 32650, 32751, 4214,
    ] {
        let c = epsg(code);
        assert!(matches!(c, Crs::Epsg(_)), "{code}");
        assert_eq!(c.as_str(), format!("EPSG:{code}"));
        assert_eq!(Crs::parse(c.as_str()), Some(c));
        assert_eq!(Crs::parse(&format!("epsg:{code}")), Some(c));
        assert_eq!(c.to_string(), c.as_str());
        assert_eq!(c.epsg(), Some(code));
        assert!(
            c.wkt()
                .ends_with(&format!(r#"AUTHORITY["EPSG","{code}"]]"#))
        );
        assert_eq!(Crs::from_prj_wkt(c.wkt()), Some(c), "{code}");
    }
    assert_eq!(epsg(4326), Crs::Wgs84);
    assert_eq!(epsg(4490), Crs::Cgcs2000);
    assert_eq!(Crs::parse("EPSG:4326"), Some(Crs::Wgs84));
    // The zone-prefix codes are 4513-4533, the central-meridian ones
    // 4534-4554 (EPSG database names).
    assert_eq!(
        epsg(4528).name(),
        "CGCS2000 / 3-degree Gauss-Kruger zone 40"
    );
    assert_eq!(
        epsg(4549).name(),
        "CGCS2000 / 3-degree Gauss-Kruger CM 120E"
    );
    assert!(epsg(4528).is_projected() && !epsg(4214).is_projected());
    assert!(!Crs::Cgcs2000.is_projected());
    // Same system, same value, whichever way it was made.
    assert_eq!(Crs::parse("EPSG:4528"), Crs::from_epsg(4528));
    for bad in [0, 1, 4479, 70_000, 99_999] {
        assert_eq!(Crs::from_epsg(bad), None, "{bad}");
    }
}

/// The EPSG Guidance Note 7-2 (IOGP Publication 373-7-2, §3.5.3.1)
/// worked example of Transverse Mercator: OSGB 1936 / British National
/// Grid, φ = 50°30'N, λ = 0°30'E gives E = 577 274.99 m, N = 69 740.50 m.
/// proj4rs's `tmerc` (the one every Gauss-Krüger and UTM code runs) must
/// agree to a centimetre both ways.
#[test]
fn transverse_mercator_matches_epsg_guidance_note_7_2() {
    use proj4rs::Proj;
    use proj4rs::transform::transform;
    let geo = Proj::from_proj_string("+proj=longlat +ellps=airy +no_defs").unwrap();
    let tm = Proj::from_proj_string(
        "+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +units=m +no_defs",
    )
    .unwrap();
    let mut p = (0.5_f64.to_radians(), 50.5_f64.to_radians(), 0.0);
    transform(&geo, &tm, &mut p).unwrap();
    assert!((p.0 - 577_274.99).abs() < 0.01, "{p:?}");
    assert!((p.1 - 69_740.50).abs() < 0.01, "{p:?}");
    let mut q = (577_274.99, 69_740.50, 0.0);
    transform(&tm, &geo, &mut q).unwrap();
    // 1 cm is 9e-8° of latitude and 1.4e-7° of longitude there.
    assert!((q.0.to_degrees() - 0.5).abs() < 1.4e-7, "{q:?}");
    assert!((q.1.to_degrees() - 50.5).abs() < 9e-8, "{q:?}");
}

/// CGCS2000 / 3-degree Gauss-Krüger zone 40 (EPSG:4528) and CM 120E
/// (EPSG:4549) against PROJ 9.1.1 (`cs2cs EPSG:4490 EPSG:4528`, the
/// reference implementation GDAL and QGIS use) at Rui'an, Hangzhou and the
/// corners of Zhejiang's zone-40 strip: both ways to a centimetre.
#[test]
fn gauss_kruger_zone_40_matches_proj_to_a_centimetre() {
    // (lon, lat, easting with zone prefix, northing)
    let reference = [
        (120.65, 27.78, 40_564_065.374_8, 3_074_231.234_8),
        (120.16, 30.27, 40_515_395.853_1, 3_350_055.008_7),
        (121.4, 28.5, 40_637_073.242_3, 3_154_652.679_9),
        (118.6, 27.0, 40_361_034.967_3, 2_988_401.170_1),
    ];
    let (zone, cm) = (epsg(4528), epsg(4549));
    for (lon, lat, e, n) in reference {
        let [x, y] = from_wgs84(zone, lon, lat);
        assert!(
            (x - e).abs() < 0.01 && (y - n).abs() < 0.01,
            "{x} {y} vs {e} {n}"
        );
        let [x, y] = from_wgs84(cm, lon, lat);
        assert!(
            (x - (e - 40e6)).abs() < 0.01 && (y - n).abs() < 0.01,
            "{x} {y}"
        );
        let back = to_wgs84(zone, e, n);
        assert!(metres(back, [lon, lat]) < 0.01, "{back:?}");
        let back = to_wgs84(cm, e - 40e6, n);
        assert!(metres(back, [lon, lat]) < 0.01, "{back:?}");
    }
}

#[test]
fn utm_and_web_mercator_match_proj() {
    // cs2cs EPSG:4326 EPSG:32651 and EPSG:3857 at Rui'an (PROJ 9.1.1).
    let p = [120.65, 27.78];
    let [x, y] = from_wgs84(epsg(32651), p[0], p[1]);
    assert!((x - 268_437.527_1).abs() < 0.01 && (y - 3_075_046.346_5).abs() < 0.01);
    let [x, y] = from_wgs84(epsg(3857), p[0], p[1]);
    assert!((x - 13_430_696.564_2).abs() < 0.01 && (y - 3_221_265.030_6).abs() < 0.01);
    assert!(metres(to_wgs84(epsg(3857), x, y), p) < 0.01);
}

#[test]
fn geographic_epsg_codes_are_in_degrees() {
    // Beijing 1954 carries a +towgs84 shift of tens of metres; the
    // result stays in degrees and close by.
    let c = epsg(4214);
    let w = to_wgs84(c, 120.65, 27.78);
    let d = metres(w, [120.65, 27.78]);
    assert!((1.0..200.0).contains(&d), "{w:?} {d}");
    let back = from_wgs84(c, w[0], w[1]);
    assert!(metres(back, [120.65, 27.78]) < 0.01, "{back:?}");
}

#[test]
fn round_trip_over_the_zone_stays_below_a_millimetre() {
    let zone = epsg(4528);
    let mut worst = 0.0_f64;
    for i in 0..=30 {
        for j in 0..=45 {
            let p = [118.5 + 0.1 * f64::from(i), 27.0 + 0.1 * f64::from(j)];
            let [x, y] = from_wgs84(zone, p[0], p[1]);
            worst = worst.max(metres(to_wgs84(zone, x, y), p));
        }
    }
    assert!(worst < 1e-3, "worst {worst} m");
}

#[test]
fn convert_geometry_through_a_projection() {
    let poly = geo::Polygon::new(
        geo::LineString::from(vec![(120.6, 27.7), (120.7, 27.7), (120.7, 27.8)]),
        vec![],
    );
    let mut g = poly.clone();
    convert_geometry(&mut g, Crs::Wgs84, epsg(4528));
    assert!(g.exterior().coords().all(|c| c.x > 40e6 && c.y > 3e6));
    convert_geometry(&mut g, epsg(4528), Crs::Wgs84);
    for (a, b) in g.exterior().coords().zip(poly.exterior().coords()) {
        assert!(metres([a.x, a.y], [b.x, b.y]) < 1e-3);
    }
    // Outside the projection's domain: NaN, never a panic.
    let nan = to_wgs84(epsg(4528), 1e30, 1e30);
    assert!(nan[0].is_nan() && nan[1].is_nan());
}

#[test]
fn prj_wkt_by_authority_name_and_parameters() {
    let esri_zone = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_40",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",40500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    assert_eq!(Crs::from_prj_wkt(esri_zone), Some(epsg(4528)));
    let esri_cm = esri_zone
        .replace(
            "CGCS2000_3_Degree_GK_Zone_40",
            "CGCS2000_3_Degree_GK_CM_120E",
        )
        .replace("40500000.0", "500000.0");
    assert_eq!(Crs::from_prj_wkt(&esri_cm), Some(epsg(4549)));
    let six = esri_zone.replace("CGCS2000_3_Degree_GK_Zone_40", "CGCS2000_GK_Zone_20");
    assert_eq!(Crs::from_prj_wkt(&six), Some(epsg(4498)));
    let six_cm = esri_zone.replace("CGCS2000_3_Degree_GK_Zone_40", "CGCS2000_GK_CM_117E");
    assert_eq!(Crs::from_prj_wkt(&six_cm), Some(epsg(4509)));
    assert_eq!(epsg(4509).name(), "CGCS2000 / Gauss-Kruger CM 117E");
    assert_eq!(epsg(4498).name(), "CGCS2000 / Gauss-Kruger zone 20");
    // A renamed zone is still recognised by its parameters.
    let renamed = esri_zone
        .replace("CGCS2000_3_Degree_GK_Zone_40", "Ruian_local")
        .replace("Gauss_Kruger", "Transverse_Mercator");
    assert_eq!(Crs::from_prj_wkt(&renamed), Some(epsg(4528)));
    let renamed_cm = renamed.replace("40500000.0", "500000.0");
    assert_eq!(Crs::from_prj_wkt(&renamed_cm), Some(epsg(4549)));
    let esri_geo = r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    assert_eq!(Crs::from_prj_wkt(esri_geo), Some(Crs::Cgcs2000));
    let esri_wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    assert_eq!(Crs::from_prj_wkt(esri_wgs), Some(Crs::Wgs84));
    let utm = r#"PROJCS["WGS_1984_UTM_Zone_50N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    assert_eq!(Crs::from_prj_wkt(utm), Some(epsg(32650)));
    let web = r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"]]"#;
    assert_eq!(Crs::from_prj_wkt(web), Some(epsg(3857)));
    // gridplan's own .prj files read back.
    for c in [Crs::Wgs84, Crs::Cgcs2000, Crs::Gcj02] {
        assert_eq!(Crs::from_prj_wkt(c.wkt()), Some(c), "{c}");
    }
    // The datum's AUTHORITY inside GEOGCS is not the system's.
    let inner_only =
        r#"PROJCS["Unknown",GEOGCS["x",AUTHORITY["EPSG","4490"]],PROJECTION["Lambert"]]"#;
    assert_eq!(Crs::from_prj_wkt(inner_only), None);
    for bad in ["", "garbage", "PROJCS[", r#"GEOGCS["Mars 2000"]"#] {
        assert_eq!(Crs::from_prj_wkt(bad), None, "{bad}");
    }
}

#[test]
fn geojson_crs_names() {
    for (name, code) in [
        ("urn:ogc:def:crs:EPSG::4528", 4528),
        ("urn:ogc:def:crs:EPSG:6.6:4549", 4549),
        ("EPSG:4490", 4490),
        ("http://www.opengis.net/def/crs/EPSG/0/3857", 3857),
        ("urn:ogc:def:crs:EPSG::4326", 4326),
    ] {
        assert_eq!(Crs::from_geojson_name(name), Some(epsg(code)), "{name}");
    }
    assert_eq!(
        Crs::from_geojson_name("urn:ogc:def:crs:OGC:1.3:CRS84"),
        Some(Crs::Wgs84)
    );
    assert_eq!(Crs::from_geojson_name("GCJ-02"), Some(Crs::Gcj02));
    for bad in ["urn:ogc:def:crs:EPSG::", "EPSG:99999", "Mars", ""] {
        assert_eq!(Crs::from_geojson_name(bad), None, "{bad}");
    }
}

#[test]
fn plausibility_names_the_likely_system() {
    use plausible::{Likely, to_wgs84 as check};
    // Gauss-Krüger metres with the zone prefix read as degrees.
    let e = check(Crs::Wgs84, 40_564_065.37, 3_074_231.23).unwrap_err();
    assert!(matches!(
        e,
        Implausible::OutOfRange {
            likely: Some(Likely::GaussKruger3 { zone: 40 }),
            ..
        }
    ));
    let m = e.to_string();
    assert!(
        m.contains("EPSG:4513-4533") && m.contains("EPSG:4528"),
        "{m}"
    );
    // Without the prefix, and Web Mercator.
    let e = check(Crs::Cgcs2000, 564_065.37, 3_074_231.23).unwrap_err();
    assert!(e.to_string().contains("EPSG:4534-4554"), "{e}");
    let e = check(Crs::Gcj02, 13_430_696.56, 3_221_265.03).unwrap_err();
    assert!(e.to_string().contains("EPSG:3857"), "{e}");
    // Degrees read as metres.
    let e = check(epsg(4528), 120.65, 27.78).unwrap_err();
    assert!(matches!(
        e,
        Implausible::Degrees {
            likely: Some(Likely::Degrees),
            ..
        }
    ));
    assert!(e.to_string().contains("EPSG:4326"), "{e}");
    let e = check(epsg(4528), 27.78, 120.65).unwrap_err();
    assert!(e.to_string().contains("swapped"), "{e}");
    // A missing or extra zone prefix.
    let e = check(epsg(4528), 564_065.37, 3_074_231.23).unwrap_err();
    assert!(
        matches!(
            e,
            Implausible::NotInSystem {
                likely: Some(Likely::NoPrefix),
                ..
            }
        ),
        "{e}"
    );
    let e = check(epsg(4549), 40_564_065.37, 3_074_231.23).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("EPSG:4528") && m.contains("EPSG:4549"), "{m}");
    // Swapped degrees stay "swapped", with the old rule's bounds.
    assert!(matches!(
        check(Crs::Wgs84, 28.1, 120.7),
        Err(Implausible::Swapped { .. })
    ));
    // Issue 13: a valid Arctic position is read as given in WGS84, but
    // is swapped in a system used in China alone.
    assert_eq!(check(Crs::Wgs84, 15.6, 78.2).unwrap(), [15.6, 78.2]);
    assert_eq!(check(Crs::Wgs84, 30.2, 80.1).unwrap(), [30.2, 80.1]);
    for c in [Crs::Cgcs2000, Crs::Gcj02] {
        assert!(matches!(
            check(c, 30.2, 80.1),
            Err(Implausible::Swapped { .. })
        ));
    }
    assert!(matches!(
        check(Crs::Wgs84, 200.0, 10.0),
        Err(Implausible::OutOfRange { likely: None, .. })
    ));
    // And good positions pass, converted.
    assert_eq!(check(Crs::Wgs84, 120.65, 27.78).unwrap(), [120.65, 27.78]);
    let w = check(epsg(4528), 40_564_065.374_8, 3_074_231.234_8).unwrap();
    assert!(metres(w, [120.65, 27.78]) < 0.01);
}

#[test]
fn likely_system_edges() {
    use plausible::{Likely, likely_system};
    assert_eq!(
        likely_system(25_500_000.0, 3e6),
        Some(Likely::GaussKruger3 { zone: 25 })
    );
    assert_eq!(
        likely_system(45_900_000.0, 3e6),
        Some(Likely::GaussKruger3 { zone: 45 })
    );
    assert_eq!(
        likely_system(20_500_000.0, 3e6),
        Some(Likely::GaussKruger6 { zone: 20 })
    );
    assert_eq!(likely_system(500_000.0, 3e6), Some(Likely::NoPrefix));
    assert_eq!(likely_system(-5e7, 3e6), None);
    assert_eq!(likely_system(500_000.0, -3e6), None);
}

/// A timing check, not a correctness test: `cargo test --release --lib
/// crs::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore = "timing only"]
fn timing_120k_gauss_kruger_points() {
    let zone = epsg(4528);
    let pts: Vec<[f64; 2]> = (0..120_000)
        .map(|i| {
            let f = f64::from(i) / 120_000.0;
            [
                40_360_000.0 + 280_000.0 * f,
                2_990_000.0 + 360_000.0 * (f * 7.0).fract(),
            ]
        })
        .collect();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let mut acc = 0.0;
        for p in &pts {
            let q = plausible::to_wgs84(zone, p[0], p[1]).unwrap();
            acc += q[0] + q[1];
        }
        println!(
            "120000 checked EPSG:4528 -> WGS84: {:?} ({acc})",
            t.elapsed()
        );
    }
}
