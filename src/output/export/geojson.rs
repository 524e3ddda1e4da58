//! The GeoJSON writer (see the parent module for the format choices).

use super::{CrsInfo, ExportError, Layer, Rings, Value, clean_polygons, validate};
use crate::output::write::{Staged, commit, stage};
use std::io::{self, Write};
use std::path::Path;

/// Writes `<dir>/<layer.name>.geojson` atomically.
///
/// # Errors
/// [`ExportError`] naming the file; the previous file is left as it was.
pub fn write_geojson(dir: &Path, layer: &Layer, crs: &CrsInfo) -> Result<(), ExportError> {
    commit(vec![stage_geojson(dir, layer, crs)?])?;
    Ok(())
}

/// Writes `<dir>/<layer.name>.geojson` to a temporary file and returns it
/// staged, so a run can rename all its outputs together with
/// [`crate::output::write::commit`].
///
/// # Errors
/// [`ExportError`] naming the file; nothing is left behind.
pub fn stage_geojson(dir: &Path, layer: &Layer, crs: &CrsInfo) -> Result<Staged, ExportError> {
    let path = dir.join(format!("{}.geojson", layer.name));
    validate(&path, layer, &[])?;
    Ok(stage(&path, |w| write_collection(w, layer, crs))?)
}

fn write_collection(w: &mut dyn Write, layer: &Layer, crs: &CrsInfo) -> io::Result<()> {
    w.write_all(b"{\"type\":\"FeatureCollection\",")?;
    if !crs.is_wgs84() {
        // The GDAL convention for a named CRS; see the module docs.
        let name = match crs.epsg {
            Some(code) => format!("urn:ogc:def:crs:EPSG::{code}"),
            None => crs.name.to_string(),
        };
        write!(
            w,
            "\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":{}}}}},",
            json_string(&name)
        )?;
    }
    w.write_all(b"\n\"features\":[")?;
    // Keys are escaped once, not once per feature.
    let keys: Vec<String> = layer.fields.iter().map(|(n, _)| json_string(n)).collect();
    for (i, f) in layer.features.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        w.write_all(b"{\"type\":\"Feature\",\"properties\":{")?;
        for (j, (key, v)) in keys.iter().zip(&f.values).enumerate() {
            if j > 0 {
                w.write_all(b",")?;
            }
            w.write_all(key.as_bytes())?;
            w.write_all(b":")?;
            write_value(w, v)?;
        }
        w.write_all(b"},\"geometry\":")?;
        let polys = clean_polygons(&f.geometry, true, true);
        write_geometry(w, &polys)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"\n]}\n")
}

fn json_string(s: &str) -> String {
    // serde_json cannot fail on a &str; the fallback keeps this panic-free.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn write_value(w: &mut dyn Write, v: &Value) -> io::Result<()> {
    match v {
        Value::Text(s) => w.write_all(json_string(s).as_bytes()),
        Value::Int(n) => write!(w, "{n}"),
        // serde_json prints the shortest representation that reads back
        // to the same f64, and has none for NaN or infinities.
        Value::Real(x) => match serde_json::Number::from_f64(*x) {
            Some(n) => write!(w, "{n}"),
            None => w.write_all(b"null"),
        },
    }
}

/// Writes a coordinate already rounded to 7 decimals, without trailing
/// zeros (`120.1`, not `120.1000000`).
fn write_coord(w: &mut dyn Write, x: f64) -> io::Result<()> {
    let s = format!("{x:.7}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    w.write_all(s.as_bytes())
}

fn write_geometry(w: &mut dyn Write, polys: &[Rings]) -> io::Result<()> {
    if polys.is_empty() {
        return w.write_all(b"null");
    }
    w.write_all(b"{\"type\":\"MultiPolygon\",\"coordinates\":[")?;
    for (pi, rings) in polys.iter().enumerate() {
        w.write_all(if pi == 0 { b"[" } else { b",[" })?;
        for (ri, ring) in rings.iter().enumerate() {
            w.write_all(if ri == 0 { b"[" } else { b",[" })?;
            for (k, p) in ring.iter().enumerate() {
                w.write_all(if k == 0 { b"[" } else { b",[" })?;
                write_coord(w, p[0])?;
                w.write_all(b",")?;
                write_coord(w, p[1])?;
                w.write_all(b"]")?;
            }
            w.write_all(b"]")?;
        }
        w.write_all(b"]")?;
    }
    w.write_all(b"]}")
}

#[cfg(test)]
mod tests {
    use super::super::tests::{FIELDS, sample_features};
    use super::super::{Feature, twice_signed_area};
    use super::*;
    use ::geojson::{GeoJson, GeometryValue};
    use std::fs;

    fn read(path: &Path) -> ::geojson::FeatureCollection {
        let text = fs::read_to_string(path).unwrap();
        match text.parse::<GeoJson>().unwrap() {
            GeoJson::FeatureCollection(fc) => fc,
            other => panic!("not a FeatureCollection: {other:?}"),
        }
    }

    #[test]
    fn geojson_round_trip_properties_orientation_and_rounding() {
        let dir = tempfile::tempdir().unwrap();
        let feats = sample_features();
        let layer = Layer {
            name: "grids",
            fields: FIELDS,
            features: &feats,
        };
        write_geojson(dir.path(), &layer, &CrsInfo::WGS84).unwrap();
        let path = dir.path().join("grids.geojson");
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.contains("\"crs\""), "no crs member for WGS 84");
        let fc = read(&path);
        assert_eq!(fc.features.len(), 3);

        let f0 = &fc.features[0];
        let props = f0.properties.as_ref().unwrap();
        let keys: Vec<&String> = props.keys().collect();
        assert_eq!(keys.len(), FIELDS.len());
        assert_eq!(props["name"], "城东社区");
        assert_eq!(props["grid_code"], "330102001001001");
        assert_eq!(props["households"], 412);
        assert_eq!(props["load"], 412.25);
        assert_eq!(props["area_m2"], 987_654.321);
        // NaN is null; an Int in a Real field is a number.
        let p1 = fc.features[1].properties.as_ref().unwrap();
        assert!(p1["population"].is_null());
        assert_eq!(p1["load"], 35);
        assert_eq!(p1["name"], "西湖区第一中学（专属网格）");

        let Some(GeometryValue::MultiPolygon { coordinates: mp }) =
            f0.geometry.as_ref().map(|g| &g.value)
        else {
            panic!("feature 0 is not a MultiPolygon");
        };
        assert_eq!(mp.len(), 2);
        assert_eq!(mp[0].len(), 2, "exterior + hole");
        for (ri, ring) in mp[0].iter().enumerate() {
            assert_eq!(ring.first(), ring.last());
            let open: Vec<[f64; 2]> = ring[..ring.len() - 1]
                .iter()
                .map(|p| [p[0], p[1]])
                .collect();
            let ccw = twice_signed_area(&open) > 0.0;
            assert_eq!(ccw, ri == 0, "RFC 7946: exterior CCW, holes CW (ring {ri})");
            for p in ring {
                for c in [p[0], p[1]] {
                    // At most 7 decimals survive the round trip.
                    assert!(((c * 1e7).round() / 1e7 - c).abs() < 1e-12, "{c}");
                }
            }
        }
        // 120.1 + 0.01 is 120.11000000000001 in binary; it prints rounded.
        assert!(
            text.contains("[120.11,"),
            "{}",
            &text[..400.min(text.len())]
        );
        // The degenerate feature keeps its place with a null geometry.
        assert!(fc.features[2].geometry.is_none());
    }

    #[test]
    fn geojson_is_deterministic_and_names_non_wgs84_crs() {
        let dir = tempfile::tempdir().unwrap();
        let feats = sample_features();
        let layer = Layer {
            name: "micro_grids",
            fields: FIELDS,
            features: &feats,
        };
        write_geojson(dir.path(), &layer, &CrsInfo::CGCS2000).unwrap();
        let path = dir.path().join("micro_grids.geojson");
        let a = fs::read(&path).unwrap();
        write_geojson(dir.path(), &layer, &CrsInfo::CGCS2000).unwrap();
        assert_eq!(a, fs::read(&path).unwrap(), "byte-identical");
        let v: serde_json::Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(v["crs"]["properties"]["name"], "urn:ogc:def:crs:EPSG::4490");
        write_geojson(dir.path(), &layer, &CrsInfo::GCJ02).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(v["crs"]["properties"]["name"], "GCJ-02");
        // Only the output and no temporary file is in the folder.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn geojson_empty_layer_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        let feats: Vec<Feature> = Vec::new();
        let layer = Layer {
            name: "micro_grids",
            fields: FIELDS,
            features: &feats,
        };
        write_geojson(dir.path(), &layer, &CrsInfo::WGS84).unwrap();
        assert!(
            read(&dir.path().join("micro_grids.geojson"))
                .features
                .is_empty()
        );
    }
}
