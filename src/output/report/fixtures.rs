//! Test fixtures shared by the report's tests: a small county of shapes
//! and the typed [`Report`] that goes with it, built once here.

use super::{MapShape, ReportInput, ShapeKind, render};
use crate::engine::apportion::OutsideBand;
use crate::engine::partition::BalanceShortfall;
use crate::input::workload::Weights;
use crate::metrics::stability::{Fate, NewGridLineage, OldGridFate, Share, Transition};
use crate::metrics::{
    BalanceMetrics, CompactnessMetrics, ContiguityMetrics, CountyMetrics, Metrics, MetricsParams,
    NestingMetrics, VillageMetrics,
};
use crate::model::ground::{BarrierKind, ForcedCrossing};
use crate::pipeline::{Report, RunParams};

/// A square ring of side `d` degrees with its south-west corner at (lon, lat).
pub(super) fn square(lon: f64, lat: f64, d: f64) -> Vec<Vec<[f64; 2]>> {
    vec![vec![
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + d],
        [lon, lat + d],
        [lon, lat],
    ]]
}

/// A shape of 300 households and load 300.
pub(super) fn shape(
    code: &str,
    kind: ShapeKind,
    village: &str,
    rings: Vec<Vec<[f64; 2]>>,
) -> MapShape {
    MapShape {
        code: code.into(),
        kind,
        village: village.into(),
        households: 300,
        load: 300.0,
        rings,
    }
}

/// A 3×2 county: two villages, six grids (one dedicated), micro-grids.
pub(super) fn sample() -> Vec<MapShape> {
    let mut v = Vec::new();
    let d = 0.01;
    for (vi, vc) in ["330381101001", "330381101002"].iter().enumerate() {
        let lon = 120.0 + vi as f64 * 3.0 * d;
        v.push(shape(
            vc,
            ShapeKind::Village,
            vc,
            vec![vec![
                [lon, 28.0],
                [lon + 3.0 * d, 28.0],
                [lon + 3.0 * d, 28.0 + d],
                [lon, 28.0 + d],
            ]],
        ));
        for g in 0..3 {
            let kind = if vi == 1 && g == 2 {
                ShapeKind::DedicatedGrid
            } else {
                ShapeKind::Grid
            };
            let gc = if kind == ShapeKind::DedicatedGrid {
                format!("{vc}901")
            } else {
                format!("{vc}{:03}", g + 1)
            };
            let glon = lon + f64::from(g) * d;
            v.push(shape(&gc, kind, vc, square(glon, 28.0, d)));
            for m in 0..2 {
                let mc = format!("{gc}{:02}", m + 1);
                v.push(shape(
                    &mc,
                    ShapeKind::MicroGrid,
                    vc,
                    square(glon + f64::from(m) * d / 2.0, 28.0, d / 2.0),
                ));
            }
        }
    }
    v
}

/// The ground of [`sample`]: a hard river crossing both villages and
/// running 1° east beyond the county, a hard railway, a soft road and one
/// compound, whose name needs escaping.
pub(super) fn ground() -> Vec<MapShape> {
    let line = |code: &str, kind: ShapeKind, what: &str, pts: Vec<[f64; 2]>| MapShape {
        households: 0,
        load: 0.0,
        ..shape(code, kind, what, vec![pts])
    };
    let mut compound = shape(
        "C1",
        ShapeKind::Compound,
        "Garden <A&B>",
        square(120.002, 28.002, 0.004),
    );
    (compound.households, compound.load) = (0, 0.0);
    vec![
        line(
            "Ou River",
            ShapeKind::WaterBarrier,
            "river",
            vec![[120.0, 28.005], [120.03, 28.006], [121.06, 28.005]],
        ),
        line(
            "",
            ShapeKind::HardBarrier,
            "railway",
            vec![[120.015, 28.0], [120.016, 28.01]],
        ),
        line(
            "Lane 3",
            ShapeKind::SoftBarrier,
            "secondary",
            vec![[120.04, 28.0], [120.041, 28.01]],
        ),
        compound,
    ]
}

/// A report with nothing in it: no run parameters, no villages, zeros.
pub(super) fn empty_report() -> Report {
    let county = CountyMetrics {
        villages: 0,
        points: 0,
        buildings: 0,
        households: 0,
        population: 0.0,
        load: 0.0,
        grids: 0,
        full_scope_grids: 0,
        dedicated_grids: 0,
        grid_pieces: 0,
        mean_load: 0.0,
        min_load: 0.0,
        max_load: 0.0,
        balance: BalanceMetrics {
            by_measure: Vec::new(),
            within_all_share: None,
            grids: 0,
            max_dev: 0.0,
            within_tol: 0,
            within_tol_share: 1.0,
            cv: 0.0,
            in_band: 0,
            in_band_share: 1.0,
            min_households: 0,
            max_households: 0,
            villages_with_oversize_building: 0,
        },
        nesting: NestingMetrics {
            violations: 0,
            examples: Vec::new(),
        },
        contiguity: ContiguityMetrics {
            one_piece: 0,
            one_piece_share: 1.0,
            in_pieces: 0,
            across_parts: 0,
            enclave_links: 0,
            villages_unmeasured: 0,
            examples: Vec::new(),
        },
        compactness: CompactnessMetrics {
            mean_distance_m: 0.0,
            sse: 0.0,
            sse_in_ratio: 0.0,
            kmeans_sse: 0.0,
            sse_ratio: None,
            villages_in_ratio: 0,
            villages_skipped: 0,
        },
        crossings: None,
        compounds: None,
    };
    Report {
        params: None,
        metrics: Metrics {
            params: MetricsParams::default(),
            county,
            villages: Vec::new(),
            grids: Vec::new(),
            stability: None,
            transition: None,
            micro: None,
        },
        villages_outside_band: Vec::new(),
        max_deviation_from_county_mean: None,
        balance_shortfalls: Vec::new(),
        forced_crossings: Vec::new(),
        zones_across_villages: Vec::new(),
        empty_zones: Vec::new(),
        snapped: Vec::new(),
        coverage: None,
    }
}

/// One village row of the metrics.
fn village(
    code: &str,
    k: usize,
    dedicated: usize,
    max_dev: f64,
    sse_ratio: Option<f64>,
) -> VillageMetrics {
    VillageMetrics {
        code: code.into(),
        town_code: code[..9].into(),
        points: 900,
        buildings: 300,
        k,
        dedicated_grids: dedicated,
        micro_grids: 0,
        households: 900,
        population: 2700.0,
        load: 900.0,
        full_scope_load: 900.0,
        target: 300.0,
        max_dev,
        within_tol: k,
        within_tol_share: 1.0,
        cv: 0.02,
        in_band: k,
        max_building_load: 20.0,
        oversize_building: false,
        one_piece: 3,
        sse: 1.0,
        kmeans_sse: sse_ratio.map(|_| 1.0),
        sse_ratio,
        mean_distance_m: 150.0,
        lineage: None,
        k_by_target: None,
    }
}

/// The report of [`sample`]: two villages, the second missing the
/// tolerance (25 %) and without an SSE ratio, one village outside the
/// band, one shortfall whose reason needs escaping and an empty zone.
pub(super) fn report() -> Report {
    let mut r = empty_report();
    r.params = Some(RunParams {
        target: Some(367.0),
        grids: None,
        band: (300.0, 500.0),
        tolerance: 0.1,
        seed: 1,
        weights: Weights::default(),
        micro_target: 50.0,
        micro_band: (20.0, 80.0),
        micro_tolerance: 0.2,
        dedicated_zones: 1,
        stability: None,
        locked_grids: Vec::new(),
        balance: Vec::new(),
    });
    r.metrics.params = MetricsParams {
        seed: 1,
        ..MetricsParams::default()
    };
    let c = &mut r.metrics.county;
    (c.villages, c.grids, c.full_scope_grids, c.dedicated_grids) = (2, 6, 5, 1);
    c.households = 1800;
    (c.balance.grids, c.balance.max_dev, c.balance.within_tol) = (5, 0.05, 5);
    (c.balance.cv, c.balance.in_band) = (0.02, 5);
    c.contiguity.one_piece = 6;
    (c.compactness.sse_ratio, c.compactness.mean_distance_m) = (Some(1.1), 150.0);
    r.metrics.villages = vec![
        village("330381101001", 3, 0, 0.05, Some(1.12)),
        village("330381101002", 2, 1, 0.25, None),
    ];
    r.villages_outside_band = vec![OutsideBand {
        village_code: "330381101009".into(),
        households: 112.0,
        k: 1,
        mean_households: 112.0,
    }];
    r.balance_shortfalls = vec![BalanceShortfall {
        village_code: "330381101002".into(),
        k: 2,
        target: 300.0,
        max_dev: 0.25,
        largest_unit: 220.0,
        reason: "a building of 220 <households>".into(),
    }];
    r.empty_zones = vec!["Z9".into()];
    r
}

/// [`report`] with one forced crossing of the river of [`ground`], whose
/// reason needs escaping.
pub(super) fn crossing_report() -> Report {
    let mut r = report();
    r.forced_crossings = vec![ForcedCrossing {
        grid_code: "330381101001002".into(),
        village_code: "330381101001".into(),
        kind: BarrierKind::River,
        name: "Ou River".into(),
        feature: 0,
        metres: 412.4,
        reason: "north bank holds 40 < 300 households".into(),
    }];
    r
}

/// A share of households.
fn sh(grid: &str, households: u64) -> Share {
    Share {
        grid: grid.into(),
        households,
    }
}

/// [`report`] with a transition: old A splits into X and Y; B and C merge
/// into Z (C also leaves 2 households in Y); D is dissolved over X, Y and
/// Z; E is kept as W.
pub(super) fn transition_report() -> Report {
    let old = |code: &str, households, fate, successor: &str, moved, to| OldGridFate {
        code: code.into(),
        households,
        fate,
        successor: successor.into(),
        moved,
        to,
    };
    let new = |code: &str, households, predecessor: &str, clean, from| NewGridLineage {
        code: code.into(),
        households,
        predecessor: predecessor.into(),
        clean,
        from,
    };
    let mut r = report();
    r.metrics.transition = Some(Transition {
        households: 1000,
        households_moved: 60,
        households_not_in_successor: 260,
        old: vec![
            old(
                "A",
                400,
                Fate::Split,
                "X",
                0,
                vec![sh("X", 210), sh("Y", 190)],
            ),
            old("B", 200, Fate::Merged, "Z", 0, vec![sh("Z", 200)]),
            old(
                "C",
                150,
                Fate::Merged,
                "Z",
                2,
                vec![sh("Z", 148), sh("Y", 2)],
            ),
            old(
                "D<1>",
                90,
                Fate::Dissolved,
                "X",
                58,
                vec![sh("X", 32), sh("Y", 30), sh("Z", 28)],
            ),
            old("E", 160, Fate::Kept, "W", 0, vec![sh("W", 160)]),
        ],
        new: vec![
            new("W", 160, "E", true, vec![sh("E", 160)]),
            new("X", 242, "A", false, vec![sh("A", 210), sh("D<1>", 32)]),
            new(
                "Y",
                222,
                "A",
                false,
                vec![sh("A", 190), sh("D<1>", 30), sh("C", 2)],
            ),
            new(
                "Z",
                376,
                "B",
                false,
                vec![sh("B", 200), sh("C", 148), sh("D<1>", 28)],
            ),
        ],
    });
    r
}

/// The page of `shapes` and `report` with the band 300-500.
pub(super) fn page(shapes: &[MapShape], report: &Report, loads: &[f64]) -> String {
    render(&ReportInput {
        title: "County 330381 — test",
        shapes,
        report,
        band: (300.0, 500.0),
        grid_loads: loads,
    })
}
