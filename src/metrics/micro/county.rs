//! Steps 4-5 of the micro-grid metrics, for the county (see [`super`]).

use super::{
    MicroContiguity, MicroInPieces, MicroMetrics, MicroNesting, MicroNestingViolation,
    MicroPerGrid, MicroPiece, MicroSizes, PER_GRID_BUCKETS, SIZE_BUCKET_WIDTH, SIZE_BUCKETS,
    SplitBuilding, SplitRec, VillageMicro,
};
use crate::metrics::{MAX_LISTED, MetricsInput, MetricsParams, code_of, share};

/// The county inputs of steps 4-5.
struct CountyView<'a> {
    pub micro_codes: &'a [String],
    pub micro_parent: &'a [u32],
    pub grid_codes: &'a [String],
    pub village_codes: &'a [&'a str],
    /// Is grid label `g` dedicated.
    pub dedicated: &'a dyn Fn(u32) -> bool,
    /// Every distinct grid label of the plan, sorted.
    pub grid_labels: &'a [u32],
    pub band: (f64, f64),
}

/// The micro-grid metrics of the plan from its villages' micro work, in
/// village order; `grid_labels` are the plan's distinct grid labels, sorted.
pub(in crate::metrics) fn county_micro<'a>(
    villages: impl Iterator<Item = &'a VillageMicro>,
    input: &MetricsInput,
    grid_labels: &[u32],
    params: &MetricsParams,
) -> MicroMetrics {
    let village_codes: Vec<&str> = input.villages.iter().map(|v| v.code.as_str()).collect();
    let mut pieces = Vec::new();
    let mut splits = Vec::new();
    let mut without = 0;
    for w in villages {
        pieces.extend(w.pieces.iter().cloned());
        splits.extend(w.splits.iter().cloned());
        without += w.without;
    }
    aggregate(
        pieces,
        &splits,
        without,
        &CountyView {
            micro_codes: input.micro_codes,
            micro_parent: input.micro_parent,
            grid_codes: input.grid_codes,
            village_codes: &village_codes,
            dedicated: &|g| input.is_dedicated(g),
            grid_labels,
            band: params.micro_band,
        },
    )
}

/// The value at quantile `q` of sorted `xs`, by linear interpolation.
fn quantile(xs: &[u64], q: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let pos = q * (xs.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (xs[lo] as f64, xs[hi] as f64);
    a + (b - a) * (pos - lo as f64)
}

/// What step 4 finds, one micro label at a time.
#[derive(Default)]
struct Tally {
    /// Households per micro label, in label order.
    sizes: Vec<u64>,
    full_scope: usize,
    dedicated: usize,
    oversize: usize,
    in_band: usize,
    one_piece: usize,
    across_parts: usize,
    nest_violations: usize,
    nest_examples: Vec<MicroNestingViolation>,
    cont_examples: Vec<MicroInPieces>,
    /// Distinct (grid, micro) pairs.
    grid_micro: Vec<(u32, u32)>,
}

/// Steps 4-5 of the module docs of [`super`].
fn aggregate(
    mut pieces: Vec<MicroPiece>,
    splits: &[SplitRec],
    without: usize,
    c: &CountyView,
) -> MicroMetrics {
    pieces.sort_unstable_by_key(|p| (p.micro, p.village, p.grid));
    let mut t = Tally {
        grid_micro: Vec::with_capacity(pieces.len()),
        ..Tally::default()
    };
    let mut grids: Vec<u32> = Vec::new();
    for group in pieces.chunk_by(|a, b| a.micro == b.micro) {
        tally_label(group, c, &mut grids, &mut t);
    }
    let count = t.sizes.len();
    t.sizes.sort_unstable();
    MicroMetrics {
        count,
        full_scope: t.full_scope,
        dedicated: t.dedicated,
        points_without_micro: without,
        sizes: size_stats(&t.sizes),
        per_grid: per_grid_stats(t.grid_micro, c.grid_labels),
        oversize: t.oversize,
        in_band: t.in_band,
        in_band_share: share(t.in_band, count - t.oversize),
        buildings_split: splits.len(),
        split_examples: split_examples(splits, c),
        nesting: MicroNesting {
            violations: t.nest_violations,
            examples: t.nest_examples,
        },
        contiguity: MicroContiguity {
            one_piece: t.one_piece,
            one_piece_share: share(t.one_piece, count),
            in_pieces: count - t.one_piece,
            across_parts: t.across_parts,
            examples: t.cont_examples,
        },
    }
}

/// Step 4 for one micro label: `group` holds its pieces, sorted by
/// (village, grid); `grids` is a buffer.
fn tally_label(group: &[MicroPiece], c: &CountyView, grids: &mut Vec<u32>, t: &mut Tally) {
    let m = group[0].micro;
    let hh: u64 = group.iter().map(|p| p.households).sum();
    t.sizes.push(hh);
    grids.clear();
    grids.extend(group.iter().map(|p| p.grid));
    grids.sort_unstable();
    grids.dedup();
    t.grid_micro.extend(grids.iter().map(|&g| (g, m)));
    if (c.dedicated)(grids[0]) {
        t.dedicated += 1;
    } else {
        t.full_scope += 1;
    }
    // One building whose whole household count exceeds the cap, even
    // when this piece of it is inside the band (a cut tower).
    let is_oversize =
        group.len() == 1 && group[0].nodes == 1 && group[0].building_households as f64 > c.band.1;
    if is_oversize {
        t.oversize += 1;
    } else if hh as f64 >= c.band.0 && hh as f64 <= c.band.1 {
        t.in_band += 1;
    }
    let parent = c.micro_parent.get(m as usize).copied();
    if grids.len() > 1 || parent.is_some_and(|p| p != grids[0]) {
        t.nest_violations += 1;
        if t.nest_examples.len() < MAX_LISTED {
            t.nest_examples.push(MicroNestingViolation {
                micro: code_of(c.micro_codes, m),
                grids: grids
                    .iter()
                    .take(MAX_LISTED)
                    .map(|&g| code_of(c.grid_codes, g))
                    .collect(),
                declared_parent: parent.map(|p| code_of(c.grid_codes, p)),
            });
        }
    }
    // A micro-grid in two grid pieces is in pieces whatever its cells.
    if group.len() == 1 && group[0].pieces.one_piece() {
        t.one_piece += 1;
        if group[0].pieces.parts > 1 {
            t.across_parts += 1;
        }
    } else if t.cont_examples.len() < MAX_LISTED {
        t.cont_examples.push(MicroInPieces {
            micro: code_of(c.micro_codes, m),
            grid: code_of(c.grid_codes, group[0].grid),
            village: village_code(c, group[0].village),
            pieces: group.iter().map(|p| p.pieces.pieces).sum(),
            parts: group.iter().map(|p| p.pieces.parts).sum(),
        });
    }
}

/// The code of village `vi`, empty when out of range.
fn village_code(c: &CountyView, vi: u32) -> String {
    c.village_codes
        .get(vi as usize)
        .map_or_else(String::new, |s| (*s).to_string())
}

/// Step 5: the distribution of the sorted `sizes`.
fn size_stats(sizes: &[u64]) -> MicroSizes {
    let count = sizes.len();
    let mut histogram = vec![0usize; SIZE_BUCKETS];
    for &s in sizes {
        histogram[((s / SIZE_BUCKET_WIDTH) as usize).min(SIZE_BUCKETS - 1)] += 1;
    }
    MicroSizes {
        min: sizes.first().copied().unwrap_or(0),
        p10: quantile(sizes, 0.1),
        median: quantile(sizes, 0.5),
        p90: quantile(sizes, 0.9),
        max: sizes.last().copied().unwrap_or(0),
        mean: if count > 0 {
            sizes.iter().sum::<u64>() as f64 / count as f64
        } else {
            0.0
        },
        histogram,
    }
}

/// Step 5: micro-grids per grid label, over all of the plan's grids
/// `grid_labels`, from the (grid, micro) pairs.
fn per_grid_stats(mut grid_micro: Vec<(u32, u32)>, grid_labels: &[u32]) -> MicroPerGrid {
    grid_micro.sort_unstable();
    grid_micro.dedup();
    let mut per: Vec<usize> = vec![0; grid_labels.len()];
    for group in grid_micro.chunk_by(|a, b| a.0 == b.0) {
        if let Ok(i) = grid_labels.binary_search(&group[0].0) {
            per[i] = group.len();
        }
    }
    let mut histogram = vec![0usize; PER_GRID_BUCKETS];
    for &k in per.iter().filter(|&&k| k > 0) {
        histogram[(k - 1).min(PER_GRID_BUCKETS - 1)] += 1;
    }
    MicroPerGrid {
        min: per.iter().copied().min().unwrap_or(0),
        mean: if per.is_empty() {
            0.0
        } else {
            per.iter().sum::<usize>() as f64 / per.len() as f64
        },
        max: per.iter().copied().max().unwrap_or(0),
        histogram,
        grids_without_micro: per.iter().filter(|&&k| k == 0).count(),
    }
}

/// Up to [`MAX_LISTED`] split buildings, in village then (x, y) order.
fn split_examples(splits: &[SplitRec], c: &CountyView) -> Vec<SplitBuilding> {
    splits
        .iter()
        .take(MAX_LISTED)
        .map(|s| SplitBuilding {
            village: village_code(c, s.village),
            xy: s.xy,
            households: s.households,
            micro_grids: s
                .micros
                .iter()
                .take(MAX_LISTED)
                .map(|&m| code_of(c.micro_codes, m))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "the expected values are exact (sums of whole households, round shares, coordinates read back), so they are compared bit for bit"
)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let xs = [10, 20, 30, 40, 50];
        assert_eq!(quantile(&xs, 0.5), 30.0);
        // Position 0.4 between 10 and 20.
        assert!((quantile(&xs, 0.1) - 14.0).abs() < 1e-12);
        assert!((quantile(&xs, 0.9) - 46.0).abs() < 1e-12);
        assert_eq!(quantile(&[7], 0.9), 7.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        // Even count: the median is the mean of the middle two.
        assert_eq!(quantile(&[1, 2, 3, 4], 0.5), 2.5);
    }
}
