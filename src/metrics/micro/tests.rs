//! The micro-grid metrics measured end to end through [`crate::metrics::compute`].

#![expect(
    clippy::float_cmp,
    reason = "the expected values are exact (sums of whole households, round shares, coordinates read back), so they are compared bit for bit"
)]

use crate::metrics::test_support::*;
use crate::metrics::*;

#[test]
fn micro_size_distribution_and_band_share() {
    // Grid 0: micro-grids of 10, 30, 50, 70 and 90 households on two
    // buildings each, and one building of 200 (oversize); grid 1: one
    // micro-grid of 40.
    let mut pts = Vec::new();
    for (m, h) in [5, 15, 25, 35, 45].into_iter().enumerate() {
        let x = 10.0 + 100.0 * m as f64;
        pts.push(mpt(x, 10.0, h, 0, m as u32));
        pts.push(mpt(x, 20.0, h, 0, m as u32));
    }
    pts.push(mpt(250.0, 500.0, 200, 0, 5));
    pts.push(mpt(600.0, 10.0, 20, 1, 6));
    pts.push(mpt(600.0, 20.0, 20, 1, 6));
    let vs = vec![village("V1", square(0.0, 0.0, 1000.0, 1000.0), pts)];
    let m = run_micro(&vs, &[0, 0, 0, 0, 0, 0, 1], &[], &MetricsParams::default());
    let Some(mm) = &m.micro else {
        panic!("micro metrics expected")
    };
    assert_eq!((mm.count, mm.full_scope, mm.dedicated), (7, 7, 0));
    assert_eq!(mm.points_without_micro, 0);
    // Sizes 10, 30, 40, 50, 70, 90, 200.
    let s = &mm.sizes;
    assert_eq!((s.min, s.max), (10, 200));
    assert!((s.p10 - 22.0).abs() < 1e-9, "{}", s.p10);
    assert!((s.median - 50.0).abs() < 1e-9);
    assert!((s.p90 - 134.0).abs() < 1e-9, "{}", s.p90);
    assert!((s.mean - 70.0).abs() < 1e-9);
    let mut hist = vec![0; 16];
    for b in [1, 3, 4, 5, 7, 9, 15] {
        hist[b] = 1;
    }
    assert_eq!(s.histogram, hist);
    // The 200-household building is oversize; 30, 40, 50 and 70 of the
    // other six are in 20-80.
    assert_eq!(mm.oversize, 1);
    assert_eq!(mm.in_band, 4);
    assert!((mm.in_band_share - 4.0 / 6.0).abs() < 1e-12);
    // Six micro-grids in grid 0, one in grid 1.
    let pg = &mm.per_grid;
    assert_eq!((pg.min, pg.max, pg.mean), (1, 6, 3.5));
    let mut hist = vec![0; 13];
    hist[0] = 1;
    hist[5] = 1;
    assert_eq!(pg.histogram, hist);
    assert_eq!(pg.grids_without_micro, 0);
    assert_eq!((m.grids[0].micro_grids, m.grids[1].micro_grids), (6, 1));
    assert_eq!(m.villages[0].micro_grids, 7);
    assert_eq!(mm.buildings_split, 0);
    assert_eq!(mm.nesting.violations, 0);
    assert_eq!(mm.contiguity.one_piece, 7);
    assert_eq!(mm.contiguity.one_piece_share, 1.0);
    let t = m.summary_table();
    for line in [
        "dedicated grids",
        "micro-grids (mean per grid)  7 (3.50)",
        "micro in 20-80",
        "66.7 % (4/6, 1 oversize)",
        "micro one piece",
        "buildings split",
    ] {
        assert!(t.contains(line), "{line} missing in\n{t}");
    }

    // A narrower band moves 30 and 70 out.
    let m = run_micro(
        &vs,
        &[],
        &[],
        &MetricsParams {
            micro_band: (35.0, 60.0),
            ..MetricsParams::default()
        },
    );
    assert_eq!(m.micro.map(|x| (x.in_band, x.oversize)), Some((2, 1)));
    // Without micro labels there is no micro section.
    let mut bare = vs;
    for p in &mut bare[0].points {
        p.micro = None;
    }
    let m = run(&bare, &MetricsParams::default());
    assert!(m.micro.is_none());
    assert!(!m.summary_table().contains("micro"));
    assert_eq!(m.grids[0].micro_grids, 0);
}

#[test]
fn a_small_split_building_counts_and_an_oversize_one_does_not() {
    // Building A (20 households) holds micro-grids 0 and 1; building B
    // (300 households) is cut into micro-grids 2, 3 and 4 of its own.
    let pts = vec![
        mpt(100.0, 100.0, 10, 0, 0),
        mpt(100.0, 100.0, 10, 0, 1),
        mpt(100.0, 200.0, 30, 0, 0),
        mpt(200.0, 100.0, 30, 0, 1),
        mpt(500.0, 500.0, 100, 0, 2),
        mpt(500.0, 500.0, 100, 0, 3),
        mpt(500.0, 500.0, 100, 0, 4),
    ];
    let vs = vec![village("V1", square(0.0, 0.0, 1000.0, 1000.0), pts)];
    let m = run_micro(&vs, &[], &[], &MetricsParams::default());
    let Some(mm) = m.micro else {
        panic!("micro metrics expected")
    };
    assert_eq!(mm.buildings_split, 1);
    assert_eq!(
        mm.split_examples,
        vec![SplitBuilding {
            village: "V1".into(),
            xy: [100.0, 100.0],
            households: 20,
            micro_grids: vec!["M000".into(), "M001".into()],
        }]
    );
    // Each of 2, 3 and 4 is one building of 100 > 80 households.
    assert_eq!(mm.oversize, 3);
    assert_eq!(mm.in_band, 2);
    assert_eq!(mm.in_band_share, 1.0);

    // Building A at 50 + 50 households exceeds the cap: no split.
    let mut big = vs.clone();
    big[0].points[0].households = 50;
    big[0].points[1].households = 50;
    let m = run_micro(&big, &[], &[], &MetricsParams::default());
    assert_eq!(m.micro.map(|x| x.buildings_split), Some(0));
}

#[test]
fn a_micro_grid_crossing_its_grid_is_a_nesting_violation() {
    // Micro 0 spans grids 0 and 1; micro 1 lies in grid 1 but is declared
    // in grid 0; micro 2 is fine.
    let pts = vec![
        mpt(10.0, 10.0, 5, 0, 0),
        mpt(20.0, 10.0, 5, 0, 2),
        mpt(90.0, 10.0, 5, 1, 0),
        mpt(90.0, 90.0, 5, 1, 1),
    ];
    let vs = vec![village("V1", square(0.0, 0.0, 100.0, 100.0), pts)];
    let m = run_micro(&vs, &[0, 0, 0], &[], &MetricsParams::default());
    let Some(mm) = m.micro else {
        panic!("micro metrics expected")
    };
    assert_eq!(mm.nesting.violations, 2);
    assert_eq!(
        mm.nesting.examples,
        vec![
            MicroNestingViolation {
                micro: "M000".into(),
                grids: vec!["G000".into(), "G001".into()],
                declared_parent: Some("G000".into()),
            },
            MicroNestingViolation {
                micro: "M001".into(),
                grids: vec!["G001".into()],
                declared_parent: Some("G000".into()),
            },
        ]
    );
    // A micro-grid in two grids is in two pieces.
    assert_eq!(mm.contiguity.in_pieces, 1);
    assert_eq!(mm.contiguity.examples[0].micro, "M000");
    assert_eq!(mm.contiguity.examples[0].pieces, 2);
    // Grid counts per grid: micro 0 counts in both.
    assert_eq!(mm.per_grid.max, 2);

    // Without declared parents only the crossing counts.
    let m = run_micro(&vs, &[], &[], &MetricsParams::default());
    assert_eq!(m.micro.map(|x| x.nesting.violations), Some(1));
}

#[test]
fn a_micro_grid_in_pieces_inside_its_grid() {
    // The 5x5 lattice, all one grid: column 2 is micro 1 and cuts micro 0.
    let mut vs = lattice(None);
    for p in &mut vs[0].points {
        p.micro = Some(p.grid);
        p.grid = 0;
    }
    let m = run_micro(&vs, &[0, 0], &[], &MetricsParams::default());
    let Some(mm) = m.micro else {
        panic!("micro metrics expected")
    };
    assert_eq!(mm.contiguity.one_piece, 1);
    assert_eq!(mm.contiguity.one_piece_share, 0.5);
    assert_eq!(
        mm.contiguity.examples,
        vec![MicroInPieces {
            micro: "M000".into(),
            grid: "G000".into(),
            village: "V1".into(),
            pieces: 2,
            parts: 1,
        }]
    );
    assert_eq!(m.county.contiguity.one_piece_share, 1.0);

    // The cells of the other grids count: grid 1's building sits between
    // micro 0's two buildings, and its cell parts them. (The grid's own
    // triangulation, which ignored grid 1, called micro 0 contiguous.)
    let pts = vec![
        mpt(10.0, 10.0, 1, 0, 0),
        mpt(30.0, 10.0, 1, 0, 0),
        mpt(20.0, 50.0, 1, 0, 1),
        mpt(20.0, 10.0, 1, 1, 2),
    ];
    let vs = vec![village("V1", square(0.0, 0.0, 100.0, 100.0), pts)];
    let m = run_micro(&vs, &[0, 0, 1], &[], &MetricsParams::default());
    let ex = m.micro.map(|x| x.contiguity.examples);
    assert_eq!(
        ex.map(|e| e.iter().map(|x| (x.micro.clone(), x.pieces)).collect()),
        Some(vec![("M000".to_string(), 2)])
    );

    // In an L-shaped village the notch parts micro 0's two tips.
    let l = poly(&[
        (0.0, 0.0),
        (100.0, 0.0),
        (100.0, 30.0),
        (30.0, 30.0),
        (30.0, 100.0),
        (0.0, 100.0),
        (0.0, 0.0),
    ]);
    let pts = vec![
        mpt(90.0, 15.0, 1, 0, 0),
        mpt(15.0, 90.0, 1, 0, 0),
        mpt(15.0, 15.0, 1, 0, 1),
    ];
    let m = run_micro(
        &[village("V1", l, pts.clone())],
        &[],
        &[],
        &MetricsParams::default(),
    );
    let ex = m.micro.map(|x| x.contiguity.examples);
    assert_eq!(ex.map(|e| (e.len(), e[0].pieces)), Some((1, 2)));
    let m = run_micro(
        &[village("V1", square(0.0, 0.0, 100.0, 100.0), pts)],
        &[],
        &[],
        &MetricsParams::default(),
    );
    assert_eq!(m.micro.map(|x| x.contiguity.in_pieces), Some(0));
}

#[test]
fn an_unlabelled_point_can_cut_a_micro_grid() {
    // Grid 0 on a line: micro 0 at both ends, an unlabelled point in the
    // middle, whose cell parts the two ends.
    let mut mid = pt(20.0, 10.0, 1, 0);
    mid.micro = None;
    let pts = vec![mpt(10.0, 10.0, 1, 0, 0), mid, mpt(30.0, 10.0, 1, 0, 0)];
    let vs = vec![village("V1", square(0.0, 0.0, 100.0, 100.0), pts)];
    let m = run_micro(&vs, &[], &[], &MetricsParams::default());
    let Some(mm) = m.micro else {
        panic!("micro metrics expected")
    };
    assert_eq!(mm.points_without_micro, 1);
    assert_eq!(mm.contiguity.in_pieces, 1);
}
