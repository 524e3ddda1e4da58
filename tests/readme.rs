//! The README's quick start, run as a test: `gridplan demo` on the bundled
//! sample county.

use crate::common::run;

#[test]
fn demo_runs_on_the_bundled_sample() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gridplan-demo");
    let o = run(&["demo", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("contiguous"), "{stdout}");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(
        m["metrics"]["county"]["contiguity"]["contiguous_share"],
        1.0
    );
    assert_eq!(m["metrics"]["county"]["nesting"]["violations"], 0);
    assert!(out.join("assignment.csv").exists());
}
