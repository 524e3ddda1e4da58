//! Hard villages: honest reports instead of crashes.

use gridplan::engine::graph::village_graph;
use gridplan::engine::partition::{PartitionParams, VillageProblem, partition_village};

#[test]
fn five_heavy_buildings_three_grids() {
    // 5 towers of 2,000 households, k = 3: t = 3,333 and no integral split
    // is within ±10 %; the best is 4,000 / 4,000 / 2,000 (max dev 40 %).
    let pos = [
        [0.0, 0.0],
        [100.0, 0.0],
        [200.0, 0.0],
        [0.0, 100.0],
        [100.0, 100.0],
    ];
    let weight = [2000.0; 5];
    let graph = village_graph(&pos, |_| true);
    let plan = partition_village(
        &VillageProblem {
            sides: None,
            code: "330381001001",
            pos: &pos,
            weight: &weight,
            graph: &graph,
            k: 3,
            fixed: &[],
            lineage: None,
            measures: &[],
        },
        &PartitionParams::new(0.10, 1),
    )
    .expect("no error for an infeasible band");
    assert_eq!(plan.k, 3);
    let mut loads = plan.loads.clone();
    loads.sort_by(f64::total_cmp);
    assert_eq!(loads, vec![2000.0, 4000.0, 4000.0]);
    let s = plan.shortfall.expect("the shortfall is reported");
    assert!((s.max_dev - 0.4).abs() < 1e-9);
    assert!(s.reason.contains("indivisible"), "{}", s.reason);
}

#[test]
fn more_grids_than_buildings() {
    let pos = [[0.0, 0.0], [50.0, 0.0]];
    let weight = [400.0, 400.0];
    let graph = village_graph(&pos, |_| true);
    let plan = partition_village(
        &VillageProblem {
            sides: None,
            code: "330381001002",
            pos: &pos,
            weight: &weight,
            graph: &graph,
            k: 4,
            fixed: &[],
            lineage: None,
            measures: &[],
        },
        &PartitionParams::new(0.10, 1),
    )
    .unwrap();
    assert_eq!(plan.k, 2);
    assert!(plan.shortfall.unwrap().reason.contains("only 2 buildings"));
}
