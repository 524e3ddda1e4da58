//! End-to-end invariants of `gridplan partition` on a synthetic county:
//! every household assigned exactly once, grids nested in villages,
//! contiguous and balanced, compact against k-means, and byte-identical
//! output whatever the thread count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::{
    assignment_rows, household_property, measure, metrics, ok, partition, small_county,
};

fn partition_into(out: &Path, threads: &str, seed: &str) {
    ok(&partition(
        small_county(),
        out,
        &[
            "--target",
            "367",
            "--seed",
            seed,
            "--threads",
            threads,
            // The engine's own bars (compactness ≤ 1.25 included) are for a
            // plan drawn afresh; re-allocation is tested in `reallocation`.
            "--stability",
            "0",
        ],
    ));
}

#[test]
fn every_household_once_nested_contiguous_balanced_compact() {
    let dir = tempfile::tempdir().unwrap();
    partition_into(dir.path(), "2", "1");
    let input = household_property(small_county(), "village");
    let rows = assignment_rows(dir.path());
    // Exactly once, in input order.
    assert_eq!(rows.len(), input.len());
    for ((id, declared), (rid, grid, _)) in input.iter().zip(&rows) {
        assert_eq!(id, rid);
        assert_eq!(grid.len(), 15, "grid code {grid}");
        assert!(grid.bytes().all(|b| b.is_ascii_digit()));
        if let Some(v) = declared {
            assert!(
                grid.starts_with(v.as_str()),
                "{id}: grid {grid} outside its village {v}"
            );
        }
    }
    // A grid's households all share its village prefix.
    let mut villages_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (_, g, _) in &rows {
        villages_of.entry(g).or_default().insert(&g[..12]);
    }
    assert!(villages_of.values().all(|s| s.len() == 1));

    let m = metrics(dir.path());
    let c = &m["metrics"]["county"];
    assert_eq!(c["grids"].as_u64().unwrap() as usize, villages_of.len());
    assert_eq!(c["nesting"]["violations"], 0);
    assert_eq!(
        c["contiguity"]["one_piece_share"], 1.0,
        "{}",
        c["contiguity"]
    );
    let within = c["balance"]["within_tol_share"].as_f64().unwrap();
    assert!(within >= 0.99, "share within ±10 %: {within}");
    let sse = c["compactness"]["sse_ratio"].as_f64().unwrap();
    assert!(sse <= 1.25, "SSE ratio {sse}");
    // Every household counted.
    let total: u64 = m["metrics"]["villages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["points"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, input.len());
}

#[test]
fn output_is_byte_identical_across_thread_counts_and_runs() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    partition_into(a.path(), "1", "1");
    partition_into(b.path(), "2", "1");
    partition_into(c.path(), "2", "1");
    for f in ["assignment.csv", "metrics.json"] {
        let x = std::fs::read(a.path().join(f)).unwrap();
        assert_eq!(
            x,
            std::fs::read(b.path().join(f)).unwrap(),
            "{f}: 1 vs 2 threads"
        );
        assert_eq!(x, std::fs::read(c.path().join(f)).unwrap(), "{f}: rerun");
    }
    // Another seed is allowed to differ, and still valid.
    let d = tempfile::tempdir().unwrap();
    partition_into(d.path(), "2", "99");
    assert_eq!(
        metrics(d.path())["metrics"]["county"]["nesting"]["violations"],
        0
    );
}

#[test]
fn metrics_command_reproduces_the_partition_metrics() {
    let dir = tempfile::tempdir().unwrap();
    partition_into(dir.path(), "2", "1");
    let again = measure(small_county(), &dir.path().join("assignment.csv"), &[]);
    assert_eq!(
        again["metrics"]["county"],
        metrics(dir.path())["metrics"]["county"]
    );
}

#[test]
fn metrics_command_catches_a_grid_across_villages() {
    // Rename every grid of the second village to a grid of the first.
    let dir = tempfile::tempdir().unwrap();
    partition_into(dir.path(), "2", "1");
    let rows = assignment_rows(dir.path());
    let villages: BTreeSet<&str> = rows.iter().map(|r| &r.1[..12]).collect();
    let mut it = villages.iter();
    let (v1, v2) = (*it.next().unwrap(), *it.next().unwrap());
    let first_grid = format!("{v1}001");
    let mut w = csv::Writer::from_path(dir.path().join("bad.csv")).unwrap();
    w.write_record(["id", "grid", "micro_grid"]).unwrap();
    for (id, g, m) in &rows {
        let g = if g.starts_with(v2) {
            first_grid.as_str()
        } else {
            g.as_str()
        };
        w.write_record([id.as_str(), g, m.as_str()]).unwrap();
    }
    w.flush().unwrap();
    let m = measure(small_county(), &dir.path().join("bad.csv"), &[]);
    assert_eq!(m["metrics"]["county"]["nesting"]["violations"], 1);
}
