//! Test fixtures shared by the report's tests: a small county of shapes
//! and the typed [`Report`] that goes with it, built once here.

use super::{BuildingLinks, LinkPoints, MapShape, ReportInput, ShapeKind, render};
use crate::engine::apportion::OutsideBand;
use crate::engine::partition::BalanceShortfall;
use crate::input::workload::Weights;
use crate::metrics::ceiling::VillageLineage;
use crate::metrics::stability::{
    Fate, NewGridLineage, OldGridFate, Share, StabilityMetrics, Transition,
};
use crate::metrics::{
    BalanceMetrics, CompactnessMetrics, ContiguityMetrics, CountyMetrics, GridMetrics, Metrics,
    MetricsParams, NestingMetrics, VillageMetrics,
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
        zone_kinds: None,
        snapped: Vec::new(),
        input_notes: Vec::new(),
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
        new_households: 0,
    };
    let mut r = report();
    r.metrics.transition = Some(Transition {
        households: 1000,
        new_households: 0,
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

/// Renames old grid `from` to `to` wherever the transition names it.
fn rename_old(t: &mut Transition, from: &str, to: &str) {
    let fix = |c: &mut String| {
        if c == from {
            *c = to.into();
        }
    };
    for o in &mut t.old {
        fix(&mut o.code);
    }
    for n in &mut t.new {
        fix(&mut n.predecessor);
        n.from.iter_mut().for_each(|s| fix(&mut s.grid));
    }
}

/// One grid piece of the metrics: `households` in `village`.
fn grid(code: &str, village: &str, households: u64) -> GridMetrics {
    GridMetrics {
        code: code.into(),
        village: village.into(),
        grid_type: "full_scope",
        points: 10,
        micro_grids: 0,
        households,
        population: 0.0,
        load: households as f64,
        relative_load: 1.0,
        pieces: 1,
        parts: 1,
        hard_crossings: 0,
        soft_crossings: 0,
        centroid: [0.0, 0.0],
        mean_distance_m: 0.0,
        locked: false,
    }
}

/// A village's lineage: `kept` and `ceiling` of `households`, clean grids
/// `clean` and their ceiling of `grids`.
fn lineage(
    households: u64,
    kept: u64,
    ceiling: u64,
    clean: (usize, usize, usize),
) -> VillageLineage {
    let share = |a: u64| a as f64 / households as f64;
    VillageLineage {
        households,
        lineage_kept_households: kept,
        lineage_kept: share(kept),
        lineage_ceiling_households: ceiling,
        lineage_ceiling: share(ceiling),
        grids: clean.2,
        clean_grids: clean.0,
        clean_ceiling_grids: clean.1,
        clean_ceiling: clean.1 as f64 / clean.2 as f64,
    }
}

/// The county's stability of [`transition_report`], with a lineage
/// ceiling of 957 households of 1,000 and a clean ceiling of 2 grids of 4.
fn stability() -> StabilityMetrics {
    StabilityMetrics {
        households: 1000,
        new_households: 0,
        old_grids: 5,
        new_grids: 4,
        lineage_kept_households: 940,
        lineage_kept: 0.94,
        households_moved: 60,
        successor_households: 740,
        successor_share: 0.74,
        clean_grids: 1,
        clean_share: 0.25,
        kept: 1,
        split: 1,
        merged: 2,
        dissolved: 1,
        dissolved_examples: vec!["D<1>".into()],
        threshold: 0.9,
        lineage_ceiling_households: 957,
        lineage_ceiling: 0.957,
        clean_ceiling_grids: 2,
        clean_ceiling: 0.5,
    }
}

/// The old codes of [`moves_report`]: B and C become free labels.
pub(super) const OLD_B: &str = "老城1组";
/// See [`OLD_B`].
pub(super) const OLD_C: &str = "<G&2>";

/// [`transition_report`] with B and C renamed to free labels ([`OLD_B`],
/// [`OLD_C`]), its stability with ceilings, new grids X and Y in village
/// 330381101001 and W and Z in 330381101002, and each village's lineage.
/// The households that move: C → Y 2 and D<1> → Y 30 in the first
/// village, D<1> → Z 28 in the second (60 in all).
pub(super) fn moves_report() -> Report {
    let mut r = transition_report();
    if let Some(t) = &mut r.metrics.transition {
        rename_old(t, "B", OLD_B);
        rename_old(t, "C", OLD_C);
    }
    let (v1, v2) = ("330381101001", "330381101002");
    r.metrics.grids = vec![
        grid("X", v1, 242),
        grid("Y", v1, 222),
        grid("W", v2, 160),
        grid("Z", v2, 376),
    ];
    r.metrics.villages[0].lineage = Some(lineage(464, 432, 450, (0, 1, 2)));
    r.metrics.villages[1].lineage = Some(lineage(536, 508, 508, (1, 1, 2)));
    r.metrics.stability = Some(stability());
    r
}

/// Where the households of [`moves_report`]'s links live: nine buildings,
/// two of them (one with two links) on the same point, and one that holds
/// a kept link beside a moved one.
pub(super) fn moves_links() -> LinkPoints {
    // Old: A, B, C, D<1>, E; new: W, X, Y, Z.
    let old = ["A", OLD_B, OLD_C, "D<1>", "E"];
    let b = |lon: f64, lat: f64, links: &[(u32, u32, u64)]| BuildingLinks {
        lonlat: [lon, lat],
        links: links.to_vec(),
    };
    LinkPoints {
        old_codes: old.iter().map(|s| (*s).to_string()).collect(),
        new_codes: ["W", "X", "Y", "Z"]
            .iter()
            .map(|s| (*s).to_string())
            .collect(),
        buildings: vec![
            b(120.005, 28.005, &[(0, 1, 210)]),
            b(120.015, 28.005, &[(0, 2, 190)]),
            b(120.035, 28.005, &[(1, 3, 200)]),
            b(120.045, 28.005, &[(2, 3, 148)]),
            b(120.025, 28.002, &[(2, 2, 2), (3, 2, 10)]),
            b(120.025, 28.002, &[(3, 2, 20)]),
            b(120.02, 28.008, &[(3, 1, 32)]),
            b(120.05, 28.008, &[(3, 3, 28), (4, 0, 10)]),
            b(120.055, 28.002, &[(4, 0, 150)]),
        ],
    }
}

/// The old grids' outlines of [`moves_report`]: A, C and D<1> in the first
/// village, B, C and D<1> in the second.
pub(super) fn old_outlines() -> Vec<MapShape> {
    let (v1, v2) = ("330381101001", "330381101002");
    [
        ("A", v1, 120.0),
        (OLD_C, v1, 120.01),
        ("D<1>", v1, 120.02),
        (OLD_B, v2, 120.03),
        (OLD_C, v2, 120.04),
        ("D<1>", v2, 120.05),
    ]
    .into_iter()
    .map(|(code, v, lon)| shape(code, ShapeKind::OldGrid, v, square(lon, 28.0, 0.01)))
    .collect()
}

/// The page of `shapes`, `report` and `links` with the band 300-500.
pub(super) fn page_with(
    shapes: &[MapShape],
    report: &Report,
    links: Option<&LinkPoints>,
) -> String {
    render(&ReportInput {
        title: "County 330381 — test",
        shapes,
        report,
        band: (300.0, 500.0),
        grid_loads: &[],
        links,
    })
}

/// The page of `shapes` and `report` with the band 300-500.
pub(super) fn page(shapes: &[MapShape], report: &Report, loads: &[f64]) -> String {
    render(&ReportInput {
        title: "County 330381 — test",
        shapes,
        report,
        band: (300.0, 500.0),
        grid_loads: loads,
        links: None,
    })
}
