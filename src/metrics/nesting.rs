//! Nesting (docs/DESIGN.md §5): every grid lies in one village.
//!
//! A grid label that occurs in two villages is a violation. Every other
//! metric treats each (village, grid) pair, a *grid piece*, as a grid of
//! that village, so a violating plan is still measured rather than refused.

use super::village::VillageWork;
use super::{MAX_LISTED, MetricsInput, code_of};
use serde::Serialize;

/// Grids that cross village boundaries.
#[derive(Serialize, Clone, Debug)]
pub struct NestingMetrics {
    /// Grid labels whose points lie in more than one village (goal 0).
    pub violations: usize,
    /// Up to [`MAX_LISTED`] of them.
    pub examples: Vec<NestingViolation>,
}

/// One grid found in several villages.
#[derive(Serialize, Clone, Debug)]
pub struct NestingViolation {
    /// The grid code.
    pub grid: String,
    /// The villages it occurs in (up to [`MAX_LISTED`]), in input order.
    pub villages: Vec<String>,
}

/// The plan's distinct grid labels, found while checking nesting.
pub(super) struct PlanGrids {
    /// Nesting in villages.
    pub nesting: NestingMetrics,
    /// Every distinct grid label, sorted.
    pub labels: Vec<u32>,
    /// How many of them are dedicated.
    pub dedicated: usize,
}

/// For each grid label, the villages it occurs in.
pub(super) fn county_nesting(works: &[VillageWork], input: &MetricsInput) -> PlanGrids {
    let mut occ: Vec<(u32, usize)> = works
        .iter()
        .enumerate()
        .flat_map(|(vi, w)| w.labels.iter().map(move |&l| (l, vi)))
        .collect();
    occ.sort_unstable();
    let mut dedicated = 0;
    let mut violations = 0;
    let mut examples = Vec::new();
    let mut labels: Vec<u32> = Vec::new();
    for group in occ.chunk_by(|a, b| a.0 == b.0) {
        labels.push(group[0].0);
        if input.is_dedicated(group[0].0) {
            dedicated += 1;
        }
        if group.len() > 1 {
            violations += 1;
            if examples.len() < MAX_LISTED {
                examples.push(NestingViolation {
                    grid: code_of(input.grid_codes, group[0].0),
                    villages: group
                        .iter()
                        .take(MAX_LISTED)
                        .map(|&(_, vi)| input.villages[vi].code.clone())
                        .collect(),
                });
            }
        }
    }
    PlanGrids {
        nesting: NestingMetrics {
            violations,
            examples,
        },
        labels,
        dedicated,
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::test_support::*;
    use crate::metrics::*;

    #[test]
    fn a_grid_in_two_villages_is_a_nesting_violation() {
        let vs = vec![
            village(
                "V1",
                square(0.0, 0.0, 100.0, 100.0),
                vec![pt(10.0, 10.0, 5, 0)],
            ),
            village(
                "V2",
                square(200.0, 0.0, 300.0, 100.0),
                vec![pt(210.0, 10.0, 5, 0), pt(290.0, 10.0, 5, 1)],
            ),
        ];
        let m = run(&vs, &MetricsParams::default());
        let n = &m.county.nesting;
        assert_eq!(n.violations, 1);
        assert_eq!(n.examples.len(), 1);
        assert_eq!(n.examples[0].grid, "G000");
        assert_eq!(
            n.examples[0].villages,
            vec!["V1".to_string(), "V2".to_string()]
        );
        assert_eq!(m.county.grids, 2);
        assert_eq!(m.county.grid_pieces, 3);

        // Without the shared label there is no violation.
        let mut ok = vs.clone();
        ok[0].points[0].grid = 2;
        assert_eq!(
            run(&ok, &MetricsParams::default())
                .county
                .nesting
                .violations,
            0
        );
    }
}
