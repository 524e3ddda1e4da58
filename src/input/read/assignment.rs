//! An `assignment.csv` read back for `gridplan metrics`.
//!
//! Its codes are checked ([`read_assignment_checked`]) by the rules of
//! [`crate::model::codes`]: every grid and micro-grid code must be safe;
//! a grid code in gridplan's form (15 digits, or `{village}-{seq}`) must
//! name a village of the boundaries; and without `--free-codes`, every
//! grid code must be in gridplan's form. A known village other than the
//! household's is no error here: the metrics count it as a nesting
//! violation.

use std::collections::HashMap;
use std::path::Path;

use super::errors::ReadError;
use crate::model::Household;
use crate::model::codes::{self, CodeRule};

/// An assignment read back from CSV, in the order of the households.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignmentRows {
    /// The grid code of each household.
    pub grid: Vec<String>,
    /// The micro-grid code of each household, when the file has a
    /// `micro_grid` column and the cell is not empty.
    pub micro: Vec<Option<String>>,
    /// The 1-based line of each household's row.
    pub line: Vec<u64>,
}

/// [`read_assignment`], then every code checked (module docs) against
/// `villages`, the village codes of the boundaries, sorted.
///
/// # Errors
/// Those of [`read_assignment`], and [`ReadError::BadGridCode`] naming
/// the line, the id, the code and the rule.
pub fn read_assignment_checked(
    path: &Path,
    households: &[Household],
    villages: &[&str],
    rule: CodeRule,
) -> Result<AssignmentRows, ReadError> {
    let rows = read_assignment(path, households)?;
    for (h, (g, m)) in rows.grid.iter().zip(&rows.micro).enumerate() {
        let reason = grid_code_problem(g, villages, rule).or_else(|| {
            m.as_deref().and_then(|mc| {
                codes::code_problem(mc)
                    .map(|r| format!("its micro-grid code {mc:?} is refused: {r}"))
            })
        });
        if let Some(reason) = reason {
            return Err(ReadError::BadGridCode {
                file: path.display().to_string(),
                line: rows.line[h],
                id: households[h].id.clone(),
                code: g.clone(),
                reason,
            });
        }
    }
    Ok(rows)
}

/// Why grid code `g` of an assignment is refused (module docs), or `None`.
fn grid_code_problem(g: &str, villages: &[&str], rule: CodeRule) -> Option<String> {
    if let Some(p) = codes::code_problem(g) {
        return Some(p);
    }
    match codes::split_grid_code(g) {
        Some((v, _)) if villages.binary_search(&v).is_err() => {
            // Under --free-codes, `A-001` of no known village is a free code.
            (rule == CodeRule::Standard || codes::is_standard_village(v)).then(|| {
                format!("it names village {v}, which is not a village of the boundaries")
            })
        }
        Some(_) => None,
        None => (rule == CodeRule::Standard).then(|| {
            "a grid code is the 12-digit village code and 3 digits (15 digits); give --free-codes to measure another tool's codes"
                .to_string()
        }),
    }
}

/// Reads an `assignment.csv` (header with `id` and `grid`, optionally
/// `micro_grid`; other columns are ignored) and returns the grid and
/// micro-grid of each household, in the order of `households`.
///
/// # Errors
/// [`ReadError::Io`], [`ReadError::Csv`], [`ReadError::MissingColumn`],
/// [`ReadError::UnknownAssignmentId`], [`ReadError::AssignedTwice`],
/// [`ReadError::EmptyGrid`] and [`ReadError::Unassigned`] (listing up to 20
/// ids in input order).
pub fn read_assignment(path: &Path, households: &[Household]) -> Result<AssignmentRows, ReadError> {
    let file = path.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| csv_error(&file, e))?;
    let header = rdr.headers().map_err(|e| csv_error(&file, e))?.clone();
    let col = |name: &'static str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| ReadError::MissingColumn {
                file: file.clone(),
                column: name,
            })
    };
    let id_col = col("id")?;
    let grid_col = col("grid")?;
    let micro_col = col("micro_grid").ok();
    let mut micro: Vec<Option<String>> = vec![None; households.len()];
    let index: HashMap<&str, usize> = households
        .iter()
        .enumerate()
        .map(|(i, h)| (h.id.as_str(), i))
        .collect();
    let mut grid: Vec<Option<(String, u64)>> = vec![None; households.len()];
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).map_err(|e| csv_error(&file, e))? {
        let line = rec.position().map_or(0, csv::Position::line);
        let id = rec.get(id_col).unwrap_or("");
        let Some(&i) = index.get(id) else {
            return Err(ReadError::UnknownAssignmentId {
                file,
                line,
                id: id.to_owned(),
            });
        };
        if let Some((_, first_line)) = &grid[i] {
            return Err(ReadError::AssignedTwice {
                file,
                id: id.to_owned(),
                first_line: *first_line,
                second_line: line,
            });
        }
        let g = rec.get(grid_col).unwrap_or("");
        if g.is_empty() {
            return Err(ReadError::EmptyGrid {
                file,
                line,
                id: id.to_owned(),
            });
        }
        grid[i] = Some((g.to_owned(), line));
        if let Some(m) = micro_col.and_then(|c| rec.get(c)).filter(|m| !m.is_empty()) {
            micro[i] = Some(m.to_owned());
        }
    }
    let missing: Vec<usize> = (0..households.len())
        .filter(|&i| grid[i].is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ReadError::Unassigned {
            file,
            count: missing.len(),
            ids: missing
                .iter()
                .take(20)
                .map(|&i| households[i].id.clone())
                .collect(),
        });
    }
    let (grid, line) = grid.into_iter().map(Option::unwrap_or_default).unzip();
    Ok(AssignmentRows { grid, micro, line })
}

/// Turns a CSV error into a [`ReadError`]: an I/O failure keeps its
/// `std::io::Error` (so "cannot read" reads the same as for GeoJSON), any
/// other failure is reported with its line when the reader knows it.
fn csv_error(file: &str, e: csv::Error) -> ReadError {
    match e.kind() {
        csv::ErrorKind::Io(_) => {
            let message = e.to_string();
            match e.into_kind() {
                csv::ErrorKind::Io(source) => ReadError::Io {
                    file: file.to_owned(),
                    source,
                },
                _ => ReadError::Csv {
                    file: file.to_owned(),
                    line: None,
                    message,
                },
            }
        }
        _ => ReadError::Csv {
            file: file.to_owned(),
            line: e.position().map(csv::Position::line),
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::test_support::*;

    fn three() -> Vec<Household> {
        hh(&fc(&[ok_point("a"), ok_point("b"), ok_point("c")])).unwrap()
    }

    fn asg(body: &str) -> Result<Vec<String>, ReadError> {
        let dir = tempfile::tempdir().unwrap();
        read_assignment(&write(&dir, "assignment.csv", body), &three()).map(|a| a.grid)
    }

    #[test]
    fn assignment_happy_in_household_order() {
        let g = asg("grid,id,micro_grid\nG2,c,\nG1,a,x\n G1 ,b,y\n").unwrap();
        assert_eq!(g, vec!["G1", "G1", "G2"]);
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "assignment.csv",
            "grid,id,micro_grid\nG2,c,\nG1,a,x\n G1 ,b,y\n",
        );
        let a = read_assignment(&p, &three()).unwrap();
        assert_eq!(
            a.micro,
            vec![Some("x".to_string()), Some("y".to_string()), None]
        );
    }

    #[test]
    fn assignment_missing_column() {
        let e = asg("id,micro\na,1\n").unwrap_err();
        assert!(
            matches!(e, ReadError::MissingColumn { column: "grid", .. }),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("assignment.csv: the header has no column \"grid\""),
            "{e}"
        );
    }

    #[test]
    fn assignment_missing_file() {
        let e = read_assignment(Path::new("/nonexistent/assignment.csv"), &three()).unwrap_err();
        assert!(matches!(e, ReadError::Io { .. }), "{e}");
        assert!(e.to_string().contains("assignment.csv"), "{e}");
    }

    #[test]
    fn assignment_unknown_id() {
        let e = asg("id,grid\na,G\nzz,G\n").unwrap_err();
        assert!(
            matches!(e, ReadError::UnknownAssignmentId { line: 3, .. }),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("assignment.csv: line 3: id \"zz\" is not a household"),
            "{e}"
        );
    }

    #[test]
    fn assignment_listed_twice() {
        let e = asg("id,grid\na,G\nb,G\na,H\n").unwrap_err();
        assert!(
            matches!(
                e,
                ReadError::AssignedTwice {
                    first_line: 2,
                    second_line: 4,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("line 4: id \"a\" is listed twice (first at line 2)"),
            "{e}"
        );
    }

    #[test]
    fn assignment_missing_households() {
        let e = asg("id,grid\nb,G\n").unwrap_err();
        assert!(matches!(e, ReadError::Unassigned { count: 2, .. }), "{e}");
        assert!(
            e.to_string()
                .contains("assignment.csv: 2 household(s) have no row: \"a\", \"c\""),
            "{e}"
        );
    }

    #[test]
    fn assignment_empty_grid() {
        let e = asg("id,grid\na,G\nb,\n").unwrap_err();
        assert!(matches!(e, ReadError::EmptyGrid { line: 3, .. }), "{e}");
        assert!(
            e.to_string()
                .contains("line 3: id \"b\" has an empty grid code"),
            "{e}"
        );
    }

    #[test]
    fn garbage_and_unknown_village_codes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let villages = ["330381101001", "XQ01"];
        let check = |body: &str, rule| {
            let p = write(&dir, "assignment.csv", body);
            read_assignment_checked(&p, &three(), &villages, rule).map(|a| a.grid)
        };
        let ok = "id,grid\na,330381101001001\nb,330381101001901\nc,330381101001002\n";
        assert!(check(ok, CodeRule::Standard).is_ok());
        for (body, rule, needle) in [
            (
                "id,grid\na,330381101001001\nb,330381101999001\nc,330381101001001\n",
                CodeRule::Standard,
                "line 3: id \"b\": grid code \"330381101999001\" refused: it names village 330381101999",
            ),
            (
                "id,grid\na,330381101999001\nb,G\nc,G\n",
                CodeRule::Free,
                "line 2: id \"a\": grid code \"330381101999001\" refused: it names village",
            ),
            (
                "id,grid\na,G1\nb,G1\nc,G1\n",
                CodeRule::Standard,
                "line 2: id \"a\": grid code \"G1\" refused: a grid code is the 12-digit",
            ),
            (
                "id,grid\na,G1\nb,\"../x,y\"\nc,G1\n",
                CodeRule::Free,
                "line 3: id \"b\": grid code \"../x,y\" refused: it holds '.'",
            ),
            (
                "id,grid,micro_grid\na,G1,\"m\n1\"\nb,G1,\nc,G1,\n",
                CodeRule::Free,
                "micro-grid code \"m\\n1\" is refused",
            ),
        ] {
            let e = check(body, rule).unwrap_err();
            assert!(matches!(e, ReadError::BadGridCode { .. }), "{e}");
            assert!(e.to_string().contains(needle), "{needle}: {e}");
        }
        // Free codes of no known village, and of a known free village.
        assert!(check("id,grid\na,G1\nb,A-001\nc,XQ01-002\n", CodeRule::Free).is_ok());
    }

    #[test]
    fn assignment_ragged_row_is_csv_error() {
        let e = asg("id,grid\na,G\nb\n").unwrap_err();
        assert!(matches!(e, ReadError::Csv { .. }), "{e}");
        assert!(e.to_string().contains("assignment.csv: invalid CSV"), "{e}");
    }
}
