//! Snapshots (insta) of the demo's results: the summary table it prints and
//! its metrics.json, so that any change of results shows in review as a
//! diff of tests/snapshots/.
//!
//! Neither holds a timing: `gridplan demo` prints its `time:` line on
//! stderr, and metrics.json has no timing field (the test below keeps it so).
//! After an intended change of results, review and accept the new values
//! with `INSTA_UPDATE=always cargo test --release snapshot` (or `cargo insta
//! review`) and commit the .snap files; in CI (`CI` set) insta never writes
//! them and a mismatch fails.

use crate::common::{demo, read_json};

#[test]
fn demo_summary_table() {
    let (_, o) = demo();
    let stdout = String::from_utf8(o.stdout.clone()).expect("UTF-8 stdout");
    assert!(
        !stdout.contains("time:"),
        "timings belong on stderr: {stdout}"
    );
    insta::assert_snapshot!("demo_summary", stdout);
}

/// Keys that would name a timing; none may appear in metrics.json, whose
/// every byte the snapshot pins.
fn timing_keys(v: &serde_json::Value, path: &str, found: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, x) in map {
                let key = k.to_ascii_lowercase();
                if ["time", "second", "elapsed", "duration", "runtime"]
                    .iter()
                    .any(|t| key.contains(t))
                    || key.ends_with("_ms")
                    || key.ends_with("_s")
                {
                    found.push(format!("{path}.{k}"));
                }
                timing_keys(x, &format!("{path}.{k}"), found);
            }
        }
        serde_json::Value::Array(xs) => {
            for (i, x) in xs.iter().enumerate() {
                timing_keys(x, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn demo_metrics_json() {
    let (out, _) = demo();
    let path = out.join("metrics.json");
    let mut found = Vec::new();
    timing_keys(&read_json(&path), "", &mut found);
    assert!(
        found.is_empty(),
        "metrics.json carries timings {found:?}: redact them in this snapshot"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    insta::assert_snapshot!("demo_metrics_json", text);
}
