//! Fixtures shared by the readers' unit tests.

use super::*;
use crate::model::Household;
use std::io::Write;

/// Writes `body` to `dir/name` and returns the path.
pub(super) fn write(dir: &tempfile::TempDir, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    f.write_all(body.as_bytes()).unwrap();
    p
}

pub(super) fn fc(features: &[String]) -> String {
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
        features.join(",")
    )
}

pub(super) fn point(props: &str, coords: &str) -> String {
    format!(
        "{{\"type\":\"Feature\",\"properties\":{{{props}}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":{coords}}}}}"
    )
}

pub(super) fn ok_point(id: &str) -> String {
    point(&format!("\"id\":\"{id}\""), "[120.7,28.0]")
}

/// Reads households from a file named households.geojson holding `body`.
pub(super) fn hh(body: &str) -> Result<Vec<Household>, ReadError> {
    let dir = tempfile::tempdir().unwrap();
    read_households(&write(&dir, "households.geojson", body), None)
}

/// The error message for households where feature 1 is `bad`.
pub(super) fn hh_err(bad: String) -> (ReadError, String) {
    let e = hh(&fc(&[ok_point("H0"), bad])).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("households.geojson"), "{m}");
    (e, m)
}

pub(super) fn unit(props: &str, geom: &str) -> String {
    format!("{{\"type\":\"Feature\",\"properties\":{{{props}}},\"geometry\":{geom}}}")
}

pub(super) fn square(x: f64, y: f64, d: f64) -> String {
    format!(
        "{{\"type\":\"Polygon\",\"coordinates\":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}",
        x + d,
        x + d,
        y + d,
        y + d
    )
}
