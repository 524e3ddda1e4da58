//! Re-allocation inputs: the current plan and the grids locked by decision.
//!
//! When households carry `grid`, the partition re-allocates: it seeds from
//! the current grids and charges a disruption cost (see
//! [`crate::engine::partition`]). Some grids are decided in advance and must come
//! out exactly as they are: `--lock FILE` names them one code per line, and
//! `--lock-village CODES` locks every current grid of those villages.
//!
//! # Parameters
//! - the current plan: the households' `grid`. Households without one are
//!   new since the plan (normal data: the re-allocation places them and
//!   the metrics count them apart); a plan on fewer than half of the
//!   household records is refused as probably the wrong file.
//! - the lock file: UTF-8 text, one grid code per line. Blank lines and
//!   lines starting with `#` are ignored, and so is a first line with
//!   content `grid` or `grid_code` (a one-column CSV exported from a
//!   spreadsheet, possibly after comment lines).
//! - the lock villages: 12-digit village codes, comma separated.
//!
//! # Algorithm
//! 1. Index the current grid codes in code order (the order the metrics
//!    use), one index per household.
//! 2. Read the locks; every code must be a current grid, every village a
//!    village with households.
//! 3. Check that each locked grid can be kept exactly: its households lie in
//!    one village, its code is that village's code plus a sequence
//!    001-900 (so it keeps its code beside the new grids), and it shares no
//!    building with another grid (a building is never split).
//!
//! # Complexity
//! O(n log g) for n households and g current grids.
//!
//! # Errors
//! [`LockError`], naming the file and line, the grid, the village or the
//! building's household ids.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::model::codes;

/// Why the locks cannot be honoured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// The lock file could not be read.
    #[error("{}: cannot read the lock file", file.display())]
    Io {
        /// The lock file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Fewer than half of the households carry a current grid.
    #[error(
        "{}: only {with_grid} of {households} household records carry a current `grid` (fewer than half); households without one are taken as new since the current plan, but a plan on so few is probably the wrong file or column: check the `grid` values, or remove them to plan afresh",
        file.display()
    )]
    TooPartial {
        /// The households file.
        file: PathBuf,
        /// Records with a current grid.
        with_grid: usize,
        /// Records in all.
        households: usize,
    },
    /// Locks were given but no household carries a current grid.
    #[error(
        "grids are locked but the households carry no `grid` property: there is no current plan to keep"
    )]
    NoCurrentPlan,
    /// A locked code is not a current grid.
    #[error("{}, line {line}: grid {code} is not a current grid of any household", file.display())]
    UnknownGrid {
        /// The lock file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// The code read.
        code: String,
    },
    /// A locked village has no household.
    #[error("--lock-village: village {code} has no households with a current grid")]
    UnknownVillage {
        /// The village code.
        code: String,
    },
    /// A locked grid's households lie in several villages.
    #[error(
        "locked grid {grid} has households in villages {first} and {second}; a grid never crosses a village boundary, so it cannot be kept as it is"
    )]
    AcrossVillages {
        /// The grid code.
        grid: String,
        /// One village.
        first: String,
        /// Another.
        second: String,
    },
    /// A locked grid's code does not number a grid of its village.
    #[error(
        "locked grid {grid} lies in village {village} but its code is not {village} + 001..{max}; it cannot keep its code"
    )]
    ForeignCode {
        /// The grid code.
        grid: String,
        /// The village its households lie in.
        village: String,
        /// The highest full-scope sequence.
        max: usize,
    },
    /// A building holds households of a locked grid and of another grid.
    #[error(
        "locked grid {grid} shares a building with grid {other} (households {first_id} and {second_id} are at the same point); a building is never split, so the lock cannot be kept exactly"
    )]
    SplitBuilding {
        /// The locked grid.
        grid: String,
        /// The other grid (or "none" for a household without one).
        other: String,
        /// A household of the locked grid.
        first_id: String,
        /// A household of the other.
        second_id: String,
    },
}

/// The current plan as the partition sees it.
#[derive(Clone, Debug, Default)]
pub struct CurrentPlan {
    /// Current grid codes, sorted.
    pub codes: Vec<String>,
    /// Per household, the index of its current grid (`u32::MAX`: none).
    pub of: Vec<u32>,
    /// Per current grid, whether it is locked.
    pub locked: Vec<bool>,
}

impl CurrentPlan {
    /// Indexes the households' current grids (`None` for a household
    /// without one).
    #[must_use]
    pub fn new<'a>(grids: impl Iterator<Item = Option<&'a str>> + Clone) -> Self {
        // An empty code is no grid, as in an assignment CSV.
        let (codes, of) = codes::index_codes(grids.map(|g| g.unwrap_or("")));
        let locked = vec![false; codes.len()];
        Self { codes, of, locked }
    }

    /// Whether any household carries a current grid.
    #[must_use]
    pub fn is_present(&self) -> bool {
        !self.codes.is_empty()
    }

    /// Households with a current grid, and households in all.
    #[must_use]
    pub fn coverage(&self) -> (usize, usize) {
        let with = self.of.iter().filter(|&&o| o != u32::MAX).count();
        (with, self.of.len())
    }

    /// Checks that a current plan, when there is one, covers at least half
    /// of the household records of `file`: households without `grid` are
    /// new since the plan (normal), but a plan on fewer than half is
    /// probably the wrong file or column.
    ///
    /// # Errors
    /// [`LockError::TooPartial`] naming the file and the counts.
    pub fn check_coverage(&self, file: &Path) -> Result<(), LockError> {
        let (with_grid, households) = self.coverage();
        if with_grid > 0 && 2 * with_grid < households {
            return Err(LockError::TooPartial {
                file: file.to_path_buf(),
                with_grid,
                households,
            });
        }
        Ok(())
    }

    /// Whether household `h` belongs to a locked grid.
    #[must_use]
    pub fn is_locked(&self, h: u32) -> bool {
        self.of
            .get(h as usize)
            .and_then(|&o| self.locked.get(o as usize))
            .copied()
            .unwrap_or(false)
    }

    /// Locked grid codes, sorted.
    #[must_use]
    pub fn locked_codes(&self) -> Vec<String> {
        self.codes
            .iter()
            .zip(&self.locked)
            .filter(|(_, l)| **l)
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// Locks the grids listed in `file` (see the module docs).
    ///
    /// # Errors
    /// [`LockError::Io`], [`LockError::NoCurrentPlan`] or
    /// [`LockError::UnknownGrid`].
    pub fn lock_file(&mut self, file: &Path) -> Result<(), LockError> {
        let text = std::fs::read_to_string(file).map_err(|source| LockError::Io {
            file: file.to_path_buf(),
            source,
        })?;
        if !self.is_present() {
            return Err(LockError::NoCurrentPlan);
        }
        // The header may follow comment and blank lines: it is the first
        // line with content.
        let mut first = true;
        for (i, raw) in text.lines().enumerate() {
            let code = raw
                .trim()
                .trim_start_matches('\u{feff}')
                .trim()
                .trim_matches('"');
            if code.is_empty() || code.starts_with('#') {
                continue;
            }
            if std::mem::take(&mut first) && (code == "grid" || code == "grid_code") {
                continue;
            }
            match self.codes.binary_search_by(|c| c.as_str().cmp(code)) {
                Ok(o) => self.locked[o] = true,
                Err(_) => {
                    return Err(LockError::UnknownGrid {
                        file: file.to_path_buf(),
                        line: i + 1,
                        code: code.to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Locks every current grid of the households located in `villages`;
    /// `village_of` gives each household's village code.
    ///
    /// # Errors
    /// [`LockError::NoCurrentPlan`] or [`LockError::UnknownVillage`].
    pub fn lock_villages<'a>(
        &mut self,
        villages: &[String],
        village_of: impl Fn(usize) -> &'a str,
    ) -> Result<(), LockError> {
        if villages.is_empty() {
            return Ok(());
        }
        if !self.is_present() {
            return Err(LockError::NoCurrentPlan);
        }
        let wanted: BTreeSet<&str> = villages
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for (h, &o) in self.of.iter().enumerate() {
            let v = village_of(h);
            if o != u32::MAX && wanted.contains(v) {
                self.locked[o as usize] = true;
                seen.insert(v);
            }
        }
        if let Some(missing) = wanted.iter().find(|v| !seen.contains(**v)) {
            return Err(LockError::UnknownVillage {
                code: (*missing).to_string(),
            });
        }
        Ok(())
    }

    /// Checks that every locked grid can be kept exactly (step 3).
    /// `village_of(h)` is household h's village code, `id(h)` its id, and
    /// `buildings` lists the households at each distinct point.
    ///
    /// # Errors
    /// [`LockError::AcrossVillages`], [`LockError::ForeignCode`] or
    /// [`LockError::SplitBuilding`].
    pub fn check<'a>(
        &self,
        village_of: impl Fn(usize) -> &'a str,
        id: impl Fn(usize) -> &'a str,
        buildings: &[Vec<u32>],
    ) -> Result<(), LockError> {
        let mut village: BTreeMap<u32, (&str, usize)> = BTreeMap::new();
        for (h, &o) in self.of.iter().enumerate() {
            if o == u32::MAX || !self.locked[o as usize] {
                continue;
            }
            let v = village_of(h);
            let e = village.entry(o).or_insert((v, h));
            if e.0 != v {
                return Err(LockError::AcrossVillages {
                    grid: self.codes[o as usize].clone(),
                    first: e.0.to_string(),
                    second: v.to_string(),
                });
            }
        }
        for (&o, &(v, _)) in &village {
            let code = &self.codes[o as usize];
            let seq = codes::split_grid_code(code)
                .filter(|&(village, _)| village == v)
                .map(|(_, s)| s)
                .filter(|&s| (1..=codes::MAX_FULL_SCOPE_SEQ).contains(&s));
            if seq.is_none() {
                return Err(LockError::ForeignCode {
                    grid: code.clone(),
                    village: v.to_string(),
                    max: codes::MAX_FULL_SCOPE_SEQ,
                });
            }
        }
        for b in buildings {
            let Some(&first) = b.iter().find(|&&h| self.is_locked(h)) else {
                continue;
            };
            let o = self.of[first as usize];
            if let Some(&other) = b.iter().find(|&&h| self.of[h as usize] != o) {
                let oo = self.of[other as usize];
                return Err(LockError::SplitBuilding {
                    grid: self.codes[o as usize].clone(),
                    other: self
                        .codes
                        .get(oo as usize)
                        .cloned()
                        .unwrap_or_else(|| "none".to_string()),
                    first_id: id(first as usize).to_string(),
                    second_id: id(other as usize).to_string(),
                });
            }
        }
        Ok(())
    }
}

/// The sequence number of a locked grid's code (its last three digits;
/// 0 for a code [`codes::split_grid_code`] cannot read, which
/// [`CurrentPlan::check`] refuses for a locked grid).
#[must_use]
pub fn sequence(code: &str) -> usize {
    codes::split_grid_code(code).map_or(0, |(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> CurrentPlan {
        CurrentPlan::new(
            [
                Some("330381001001002"),
                Some("330381001001001"),
                None,
                Some("330381001002001"),
                Some("330381001001001"),
            ]
            .into_iter(),
        )
    }

    #[test]
    fn indexes_codes_in_order() {
        let p = plan();
        assert_eq!(p.codes.len(), 3);
        assert_eq!(p.of, vec![1, 0, u32::MAX, 2, 0]);
        assert!(!p.is_locked(0));
    }

    #[test]
    fn lock_file_reads_codes_and_rejects_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("lock.txt");
        std::fs::write(&f, "grid\n# decided 2026-11\n\n330381001001002\n").unwrap();
        let mut p = plan();
        p.lock_file(&f).unwrap();
        assert_eq!(p.locked_codes(), vec!["330381001001002".to_string()]);
        assert!(p.is_locked(0) && !p.is_locked(1));
        // The header after a comment line (issue 13) and with a BOM.
        std::fs::write(
            &f,
            "# kept by decision\n\n\u{feff}grid_code\n330381001001002\n",
        )
        .unwrap();
        let mut p = plan();
        p.lock_file(&f).unwrap();
        assert_eq!(p.locked_codes(), vec!["330381001001002".to_string()]);
        // A header later than the first content line is a code, unknown.
        std::fs::write(&f, "330381001001002\ngrid\n").unwrap();
        let e = plan().lock_file(&f).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("grid"), "{e}");
        std::fs::write(&f, "330381001001002\n330381009009009\n").unwrap();
        let e = plan().lock_file(&f).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("330381009009009"), "{e}");
    }

    #[test]
    fn a_plan_on_fewer_than_half_is_refused() {
        let f = Path::new("households.geojson");
        // 4 of 5 with a grid: new households are normal.
        plan().check_coverage(f).unwrap();
        CurrentPlan::new([None, None].into_iter())
            .check_coverage(f)
            .unwrap();
        let half = CurrentPlan::new([Some("330381001001001"), None].into_iter());
        half.check_coverage(f).unwrap();
        let few = CurrentPlan::new([Some("330381001001001"), None, None].into_iter());
        let e = few.check_coverage(f).unwrap_err().to_string();
        assert!(
            e.contains("households.geojson: only 1 of 3 household records"),
            "{e}"
        );
    }

    #[test]
    fn free_codes_lock_too() {
        let mut p = CurrentPlan::new([Some("XQ01-002"), Some("XQ01-002")].into_iter());
        p.locked[0] = true;
        p.check(|_| "XQ01", |_| "a", &[]).unwrap();
        assert_eq!(sequence("XQ01-002"), 2);
        let e = p.check(|_| "XQ02", |_| "a", &[]).unwrap_err();
        assert!(matches!(e, LockError::ForeignCode { .. }), "{e}");
    }

    #[test]
    fn lock_villages_and_checks() {
        let vil = |h: usize| {
            if h == 3 {
                "330381001002"
            } else {
                "330381001001"
            }
        };
        let mut p = plan();
        p.lock_villages(&["330381001002".to_string()], vil).unwrap();
        assert_eq!(p.locked_codes(), vec!["330381001002001".to_string()]);
        let ids = ["a", "b", "c", "d", "e"];
        p.check(vil, |h| ids[h], &[vec![0, 1], vec![3]]).unwrap();
        let e = plan()
            .lock_villages(&["330381009999".to_string()], vil)
            .unwrap_err();
        assert!(e.to_string().contains("330381009999"));
        // A locked grid sharing a building with another grid.
        let mut p = plan();
        p.locked[0] = true;
        let e = p
            .check(vil, |h| ids[h], &[vec![0, 1]])
            .unwrap_err()
            .to_string();
        assert!(e.contains("330381001001001") && e.contains('b'), "{e}");
        // A locked grid across villages.
        let vil2 = |h: usize| {
            if h == 4 {
                "330381001003"
            } else {
                "330381001001"
            }
        };
        let e = p.check(vil2, |h| ids[h], &[]).unwrap_err().to_string();
        assert!(e.contains("villages"), "{e}");
        assert_eq!(sequence("330381001001017"), 17);
    }
}
