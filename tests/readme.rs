//! The README's quick start, run as a test: `gridplan demo` on the bundled
//! sample county.

use crate::common::{demo, metrics};

#[test]
fn demo_runs_on_the_bundled_sample() {
    let (out, o) = demo();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("one piece"), "{stdout}");
    let m = metrics(out);
    assert_eq!(m["metrics"]["county"]["contiguity"]["one_piece_share"], 1.0);
    assert_eq!(m["metrics"]["county"]["nesting"]["violations"], 0);
    assert!(out.join("assignment.csv").exists());
}
