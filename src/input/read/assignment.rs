//! An `assignment.csv` read back for `gridplan metrics`.

use std::collections::HashMap;
use std::path::Path;

use super::errors::ReadError;
use crate::model::Household;

/// An assignment read back from CSV, in the order of the households.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignmentRows {
    /// The grid code of each household.
    pub grid: Vec<String>,
    /// The micro-grid code of each household, when the file has a
    /// `micro_grid` column and the cell is not empty.
    pub micro: Vec<Option<String>>,
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
    Ok(AssignmentRows {
        grid: grid
            .into_iter()
            .map(|g| g.map(|(g, _)| g).unwrap_or_default())
            .collect(),
        micro,
    })
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
    fn assignment_ragged_row_is_csv_error() {
        let e = asg("id,grid\na,G\nb\n").unwrap_err();
        assert!(matches!(e, ReadError::Csv { .. }), "{e}");
        assert!(e.to_string().contains("assignment.csv: invalid CSV"), "{e}");
    }
}
