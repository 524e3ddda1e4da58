//! Residential compounds (小区, 园区; docs/DESIGN.md §9): which compounds
//! of `--compounds` went to more than one grid, and whether they had to.
//!
//! A point's compound is [`PointRec::compound`], an index into
//! [`MetricsInput::compounds`] (the reader puts a household in the compound
//! whose polygon holds its point).
//!
//! # Definitions
//! - A compound's *households* and *load* are sums over its points; its
//!   *grids* are the distinct grid labels of its points.
//! - Its *band top* is `t_v · (1 + tolerance)`, with `t_v` the mean load of
//!   the balanced grids of its village (the village holding most of its
//!   load, the first in village order on a tie): the largest load a grid
//!   of that village may carry within tolerance. The load is compared, as
//!   in the balance (`balance.rs`, with its slack).
//! - A compound *fits* when its load is at most its band top. A fitting
//!   compound should lie in one grid; a larger one is split into at least
//!   `⌈load / band top⌉` grids (the fewest that can hold it).
//! - `split` lists every compound in two or more grids, in compound order,
//!   with a sentence saying why that matters (fitting) or how far the split
//!   is from the fewest grids (large).
//!
//! # Complexity
//! O(p log p) over the p points that lie in a compound.

use super::balance::TOL_SLACK;
use super::grids::VillageGrids;
use super::village::VillageWork;
use super::{MetricsInput, MetricsParams, PointRec, code_of};
use crate::model::ground::CompoundSplit;
use serde::Serialize;

/// Compounds over the county.
#[derive(Serialize, Clone, Debug)]
pub struct CompoundMetrics {
    /// Compounds holding at least one household point.
    pub count: usize,
    /// Of those, the ones whose load fits in one grid (at most the band
    /// top of their village).
    pub fitting: usize,
    /// Fitting compounds that lie in two or more grids (goal 0).
    pub split_fitting: usize,
    /// Larger compounds that lie in two or more grids.
    pub split_large: usize,
    /// Every compound in two or more grids, in compound order, with why.
    pub split: Vec<CompoundSplit>,
}

/// The points of one compound in one village.
#[derive(Clone, Debug)]
pub(super) struct CompoundPiece {
    compound: u32,
    households: u64,
    load: f64,
    /// `t_v · (1 + tolerance)` of the village.
    top: f64,
    /// Distinct grid labels, sorted.
    grids: Vec<u32>,
}

/// The compound pieces of one village, in compound order.
pub(super) fn village_compounds(
    pts: &[PointRec],
    g: &VillageGrids,
    params: &MetricsParams,
) -> Vec<CompoundPiece> {
    let mut rows: Vec<(u32, u32, usize)> = pts
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.compound.map(|c| (c, p.grid, i)))
        .collect();
    rows.sort_unstable();
    let top = g.target * (1.0 + params.tolerance);
    rows.chunk_by(|a, b| a.0 == b.0)
        .map(|run| {
            let mut grids: Vec<u32> = run.iter().map(|r| r.1).collect();
            grids.dedup();
            CompoundPiece {
                compound: run[0].0,
                households: run.iter().map(|r| u64::from(pts[r.2].households)).sum(),
                load: run.iter().map(|r| pts[r.2].load).sum::<f64>() + 0.0,
                top,
                grids,
            }
        })
        .collect()
}

/// County compounds from the villages' pieces.
pub(super) fn county_compounds(works: &[VillageWork], input: &MetricsInput) -> CompoundMetrics {
    // A stable sort keeps village order within a compound.
    let mut pieces: Vec<&CompoundPiece> = works.iter().flat_map(|w| &w.compounds).collect();
    pieces.sort_by_key(|p| p.compound);
    let mut m = CompoundMetrics {
        count: 0,
        fitting: 0,
        split_fitting: 0,
        split_large: 0,
        split: Vec::new(),
    };
    for group in pieces.chunk_by(|a, b| a.compound == b.compound) {
        let households: u64 = group.iter().map(|p| p.households).sum();
        let load: f64 = group.iter().map(|p| p.load).sum();
        let mut grids: Vec<u32> = group.iter().flat_map(|p| p.grids.iter().copied()).collect();
        grids.sort_unstable();
        grids.dedup();
        // The band top of the village holding most of the load.
        let top = group
            .iter()
            .fold(None::<&&CompoundPiece>, |best, p| match best {
                Some(b) if b.load >= p.load => Some(b),
                _ => Some(p),
            })
            .map_or(0.0, |p| p.top);
        let fits = load <= top * (1.0 + TOL_SLACK);
        m.count += 1;
        m.fitting += usize::from(fits);
        if grids.len() < 2 {
            continue;
        }
        if fits {
            m.split_fitting += 1;
        } else {
            m.split_large += 1;
        }
        let c = group[0].compound;
        let compound = input.compounds.get(c as usize);
        let mut codes: Vec<String> = grids
            .iter()
            .map(|&g| code_of(input.grid_codes, g))
            .collect();
        codes.sort();
        m.split.push(CompoundSplit {
            code: compound.map_or_else(|| format!("#{c}"), |x| x.code.clone()),
            name: compound.map_or_else(String::new, |x| x.name.clone()),
            households,
            reason: reason(households, load, top, codes.len(), fits),
            grids: codes,
        });
    }
    m
}

/// Why a compound in `grids` grids matters.
fn reason(households: u64, load: f64, top: f64, grids: usize, fits: bool) -> String {
    let amount = if (load - households as f64).abs() < 1e-9 {
        format!("{households} households")
    } else {
        format!("{households} households, load {load:.1}")
    };
    if fits {
        format!("fits in one grid ({amount}, band top {top:.0}) but lies in {grids} grids")
    } else {
        // The fewest grids whose band tops together hold the load.
        let fewest = if top > 0.0 {
            ((load / top) * (1.0 - TOL_SLACK)).ceil().max(1.0) as usize
        } else {
            1
        };
        format!(
            "holds {amount}, more than one grid's band top {top:.0}; split into {grids} grids, the fewest is {fewest}"
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::test_support::*;
    use crate::metrics::*;
    use crate::model::ground::Compound;
    use geo::MultiPolygon;

    fn compound(code: &str, name: &str) -> Compound {
        Compound {
            feature: 0,
            code: code.into(),
            name: name.into(),
            polygon: MultiPolygon::new(Vec::new()),
        }
    }

    fn in_compound(mut p: PointRec, c: u32) -> PointRec {
        p.compound = Some(c);
        p
    }

    fn measure(vs: &[VillageInput]) -> Metrics {
        let gc = codes(8);
        let compounds = vec![
            compound("C1", "Rose Garden"),
            compound("C2", "Lake View"),
            compound("C3", ""),
        ];
        compute(
            &MetricsInput {
                villages: vs,
                grid_codes: &gc,
                old_codes: &[],
                micro_codes: &[],
                micro_parent: &[],
                dedicated: &[],
                locked: &[],
                barriers: &[],
                compounds: &compounds,
                cells: &[],
            },
            &MetricsParams::default(),
        )
    }

    #[test]
    fn split_compounds_are_found_and_explained() {
        // Two grids of 100 households, t_v = 100, band top 110.
        // C1 (40 households) fits but lies in both grids; C2 (140) cannot
        // fit and lies in both, the fewest being 2; C3 (10) lies in grid 0.
        let pts = vec![
            in_compound(pt(10.0, 10.0, 20, 0), 0),
            in_compound(pt(90.0, 10.0, 20, 1), 0),
            in_compound(pt(10.0, 50.0, 60, 0), 1),
            in_compound(pt(90.0, 50.0, 80, 1), 1),
            in_compound(pt(10.0, 70.0, 10, 0), 2),
            pt(10.0, 90.0, 10, 0),
        ];
        let vs = vec![village("V1", square(0.0, 0.0, 100.0, 100.0), pts)];
        let m = measure(&vs);
        let Some(c) = &m.county.compounds else {
            panic!("compounds expected")
        };
        assert_eq!((c.count, c.fitting), (3, 2));
        assert_eq!((c.split_fitting, c.split_large), (1, 1));
        assert_eq!(c.split.len(), 2);
        assert_eq!(c.split[0].code, "C1");
        assert_eq!(c.split[0].name, "Rose Garden");
        assert_eq!(c.split[0].households, 40);
        assert_eq!(c.split[0].grids, vec!["G000", "G001"]);
        assert_eq!(
            c.split[0].reason,
            "fits in one grid (40 households, band top 110) but lies in 2 grids"
        );
        assert_eq!(c.split[1].code, "C2");
        assert_eq!(
            c.split[1].reason,
            "holds 140 households, more than one grid's band top 110; split into 2 grids, the fewest is 2"
        );
        assert!(m.summary_table().contains("compounds split"));
        // Without compounds there is no compound section.
        let plain = run(&lattice(None), &MetricsParams::default());
        assert!(plain.county.compounds.is_none());
        assert!(!plain.summary_table().contains("compound"));
    }
}
