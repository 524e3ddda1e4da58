//! Grid codes in serpentine reading order.
//!
//! docs/DESIGN.md §2: a grid code is the 12-digit village code plus a 3-digit
//! sequence (001, 002, …), numbered west to east and north to south, the
//! rule of the Beijing (DB11/T 2157-2023) and Xi'an (DB6101/T 3185) unit-grid
//! standards. Dedicated grids start at 901, so full-scope sequences stop at
//! 900.
//!
//! # Algorithm
//! 1. Split the grids' centroids into r = max(1, round(√k)) rows of nearly
//!    equal count, from north to south (by decreasing y; ties west first).
//! 2. Number the first row west to east, the next east to west, and so on
//!    (boustrophedon), so that consecutive codes are neighbours on the map,
//!    as a grid worker walks them.
//!
//! The order depends only on the centroids, so the same plan always gets
//! the same codes.

/// The highest full-scope sequence; 901 and up are dedicated grids.
pub const MAX_FULL_SCOPE_SEQ: usize = 900;

/// The first dedicated-grid sequence (docs/DESIGN.md §2).
pub const DEDICATED_FIRST_SEQ: usize = 901;

/// The serpentine order of `centroids`: `order[s]` is the grid numbered
/// s + 1.
#[must_use]
pub fn serpentine_order(centroids: &[[f64; 2]]) -> Vec<usize> {
    let k = centroids.len();
    if k == 0 {
        return Vec::new();
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rows = ((k as f64).sqrt().round() as usize).clamp(1, k);
    let mut by_y: Vec<usize> = (0..k).collect();
    by_y.sort_by(|&a, &b| {
        centroids[b][1]
            .total_cmp(&centroids[a][1])
            .then(centroids[a][0].total_cmp(&centroids[b][0]))
            .then(a.cmp(&b))
    });
    let mut out = Vec::with_capacity(k);
    let (base, extra) = (k / rows, k % rows);
    let mut start = 0;
    for r in 0..rows {
        let len = base + usize::from(r < extra);
        let mut row: Vec<usize> = by_y[start..start + len].to_vec();
        start += len;
        row.sort_by(|&a, &b| {
            let c = centroids[a][0].total_cmp(&centroids[b][0]);
            if r % 2 == 0 { c } else { c.reverse() }.then(a.cmp(&b))
        });
        out.extend(row);
    }
    out
}

/// The code of full-scope grid number `seq` (1-based) of a village.
#[must_use]
pub fn grid_code(village_code: &str, seq: usize) -> String {
    format!("{village_code}{seq:03}")
}

/// Indexes codes in sorted order; an empty code gets `u32::MAX`.
pub(crate) fn index_codes<'a>(
    codes: impl Iterator<Item = &'a str> + Clone,
) -> (Vec<String>, Vec<u32>) {
    let set: std::collections::BTreeSet<&str> = codes.clone().filter(|c| !c.is_empty()).collect();
    let list: Vec<String> = set.iter().map(|s| (*s).to_string()).collect();
    let index: std::collections::BTreeMap<&str, u32> = set
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let of = codes
        .map(|c| index.get(c).copied().unwrap_or(u32::MAX))
        .collect();
    (list, of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_by_three_lattice_snakes() {
        // Centroids on a 3x3 lattice given in scrambled order.
        let mut pts = Vec::new();
        for y in [2.0, 0.0, 1.0] {
            for x in [1.0, 2.0, 0.0] {
                pts.push([x, y]);
            }
        }
        let order = serpentine_order(&pts);
        let seq: Vec<[f64; 2]> = order.iter().map(|&i| pts[i]).collect();
        let want = [
            [0.0, 2.0],
            [1.0, 2.0],
            [2.0, 2.0], // north row, west to east
            [2.0, 1.0],
            [1.0, 1.0],
            [0.0, 1.0], // middle row, back east to west
            [0.0, 0.0],
            [1.0, 0.0],
            [2.0, 0.0], // south row
        ];
        assert_eq!(seq, want);
    }

    #[test]
    fn codes_are_padded() {
        assert_eq!(grid_code("330381001001", 7), "330381001001007");
        assert!(serpentine_order(&[]).is_empty());
        assert_eq!(serpentine_order(&[[5.0, 5.0]]), vec![0]);
    }
}
