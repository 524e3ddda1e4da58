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
//!
//! # Code rules (README, "What gridplan refuses, and why")
//! - Every code an input names (county, town, village, zone, compound) is
//!   at most [`MAX_CODE_BYTES`] bytes of letters and digits of any script,
//!   `-` and `_` ([`code_problem`]). Everything else is refused: control
//!   characters (a line break inside a CSV cell), path separators, quotes,
//!   commas, semicolons, spaces and dots. Such a code is then safe as a CSV
//!   field, a Shapefile (.dbf) attribute and a file name. A dot is refused
//!   too, because `330381101001.0001` is a spreadsheet number, not a code;
//!   a whole number such as `330381101001.0` is read as `330381101001`
//!   before this rule applies.
//! - A village code is [`VILLAGE_CODE_DIGITS`] ASCII digits (the national
//!   statistical division code), so its grid codes are 15 digits. With
//!   `--free-codes` ([`CodeRule::Free`]) any code that passes the first
//!   rule is accepted; a village whose code is not 12 digits then gets
//!   free-form grid codes `{village code}-{seq}` ([`grid_code`]) and
//!   micro-grid codes `{grid code}-{seq}` ([`micro_code`]). A village with
//!   a 12-digit code keeps the 15-digit form either way.

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

/// The digits of a standard village code (GB/T 10114 statistical
/// division code: county 6, town 3, village 3).
pub const VILLAGE_CODE_DIGITS: usize = 12;

/// The longest code accepted, in UTF-8 bytes: room for a 12-digit code
/// and a name-like free code (21 Chinese characters), well inside a
/// Shapefile attribute (254 bytes) with the grid and micro-grid suffixes.
pub const MAX_CODE_BYTES: usize = 64;

/// Which village codes a run accepts (module docs, "Code rules").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CodeRule {
    /// 12-digit village codes only; every grid code has 15 digits.
    #[default]
    Standard,
    /// Any safe code (`--free-codes`); villages without a 12-digit code get
    /// grid codes `{village code}-{seq}`.
    Free,
}

/// Whether `code` is a standard village code: exactly 12 ASCII digits.
#[must_use]
pub fn is_standard_village(code: &str) -> bool {
    code.len() == VILLAGE_CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit())
}

/// Why `code` is not a safe code (module docs, "Code rules"), or `None`.
#[must_use]
pub fn code_problem(code: &str) -> Option<String> {
    if code.is_empty() {
        return Some("it is empty".into());
    }
    if code.len() > MAX_CODE_BYTES {
        return Some(format!(
            "it is {} bytes long, more than {MAX_CODE_BYTES}",
            code.len()
        ));
    }
    let bad = code
        .chars()
        .find(|&c| !(c.is_alphanumeric() || c == '-' || c == '_'))?;
    if bad == '.' && code.parse::<f64>().is_ok() {
        return Some(
            "it is a number with a fraction (a spreadsheet cell formatted as a number?); store codes as text"
                .into(),
        );
    }
    Some(format!(
        "it holds {bad:?}; codes are letters, digits, '-' and '_' only, so they stay safe in CSV, Shapefile attributes and file names"
    ))
}

/// Why `code` cannot be a village code under `rule`, or `None`.
#[must_use]
pub fn village_code_problem(code: &str, rule: CodeRule) -> Option<String> {
    if let Some(p) = code_problem(code) {
        return Some(p);
    }
    (rule == CodeRule::Standard && !is_standard_village(code)).then(|| {
        format!(
            "a village code has {VILLAGE_CODE_DIGITS} digits, so that its grid codes have 15; give --free-codes to accept other codes, with grid codes {{village code}}-{{seq}}"
        )
    })
}

/// The code of grid number `seq` (1-based; dedicated grids from 901) of a
/// village: the 12-digit code and 3 digits, or `{village code}-{seq:03}`
/// for a free code.
#[must_use]
pub fn grid_code(village_code: &str, seq: usize) -> String {
    if is_standard_village(village_code) {
        format!("{village_code}{seq:03}")
    } else {
        format!("{village_code}-{seq:03}")
    }
}

/// The code of micro-grid number `seq` (1-based) of a grid: the grid code
/// and 2 digits, or `{grid code}-{seq:02}` for a free grid code.
#[must_use]
pub fn micro_code(grid_code: &str, seq: u32) -> String {
    if split_grid_code(grid_code).is_some_and(|(v, _)| is_standard_village(v)) {
        format!("{grid_code}{seq:02}")
    } else {
        format!("{grid_code}-{seq:02}")
    }
}

/// The village code and sequence of a grid code made by [`grid_code`]:
/// 15 digits, or `{village}-{3 digits}`; `None` for anything else.
#[must_use]
pub fn split_grid_code(code: &str) -> Option<(&str, usize)> {
    let three = |s: &str| {
        (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<usize>().ok())
            .flatten()
    };
    if code.len() == VILLAGE_CODE_DIGITS + 3 && code.bytes().all(|b| b.is_ascii_digit()) {
        let (v, s) = code.split_at(VILLAGE_CODE_DIGITS);
        return three(s).map(|s| (v, s));
    }
    let (v, s) = code.rsplit_once('-')?;
    if v.is_empty() || is_standard_village(v) {
        return None;
    }
    three(s).map(|s| (v, s))
}

/// Whether `code` names a dedicated grid (sequence 901 or more).
#[must_use]
pub fn is_dedicated(code: &str) -> bool {
    split_grid_code(code).is_some_and(|(_, s)| s >= DEDICATED_FIRST_SEQ)
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
    fn free_codes_get_a_dash_and_split_back() {
        assert_eq!(grid_code("XQ01", 7), "XQ01-007");
        assert_eq!(micro_code("XQ01-007", 3), "XQ01-007-03");
        assert_eq!(micro_code("330381001001007", 3), "33038100100100703");
        assert_eq!(
            split_grid_code("330381001001907"),
            Some(("330381001001", 907))
        );
        assert_eq!(split_grid_code("OSM-V01-012"), Some(("OSM-V01", 12)));
        assert!(is_dedicated("东山村-901") && !is_dedicated("东山村-900"));
        for bad in [
            "33038100100100",
            "A001",
            "-001",
            "A-01",
            "330381001001-001",
            "x",
        ] {
            assert_eq!(split_grid_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn unsafe_codes_say_why() {
        assert_eq!(code_problem("330381101001"), None);
        assert_eq!(code_problem("东山村_1-a"), None);
        let dot = code_problem("330381101001.0001").unwrap();
        assert!(dot.contains("number with a fraction"), "{dot}");
        for bad in ["../../x", "a,b", "a\"b", "a\nb", "a b", "a/b", ""] {
            assert!(code_problem(bad).is_some(), "{bad:?}");
        }
        assert!(code_problem(&"1".repeat(65)).unwrap().contains("65 bytes"));
        let m = village_code_problem("A001", CodeRule::Standard).unwrap();
        assert!(m.contains("12 digits") && m.contains("--free-codes"), "{m}");
        assert_eq!(village_code_problem("A001", CodeRule::Free), None);
        let cjk = "东山村东山村东山村东山村001";
        assert!(village_code_problem(cjk, CodeRule::Standard).is_some());
        assert_eq!(village_code_problem(cjk, CodeRule::Free), None);
    }

    #[test]
    fn codes_are_padded() {
        assert_eq!(grid_code("330381001001", 7), "330381001001007");
        assert!(serpentine_order(&[]).is_empty());
        assert_eq!(serpentine_order(&[[5.0, 5.0]]), vec![0]);
    }
}
