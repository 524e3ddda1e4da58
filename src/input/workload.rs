//! Workload of a household point (docs/DESIGN.md §2).
//!
//! load = w_h·households + w_p·population + w_r·rental + w_s·shops + w_c·special.
//!
//! # Parameters
//! The five weights of [`Weights`]. The default is households only
//! (`households = 1`, every other weight 0), as docs/DESIGN.md §2 says: "The default
//! is households only".
//!
//! # Config file
//! ```toml
//! [weights]
//! households = 1.0
//! rental = 0.5
//! shops = 0.2
//! ```
//! A key that is not given keeps its default, so the file above means
//! `households + 0.5·rental + 0.2·shops`. Beside `[weights]` the file may
//! hold `[naming]` (grid name templates, read by [`crate::input::naming`])
//! and `[columns]` (the household column names, see `input::read::columns`,
//! read by [`read_columns`]); any other top-level key is refused so that a
//! typo such as `[weight]` cannot silently fall back to households-only.
//!
//! # Errors
//! [`read_weights`] refuses invalid TOML, unknown keys (naming the key),
//! non-finite or negative weights, and all-zero weights (every point would
//! have zero load and nothing could be balanced).
//!
//! # Several measures (`--balance`)
//! `--balance households,population:0.15` balances several measures at
//! once, each within its own tolerance (the `--tolerance` when none is
//! given). The first is the *primary* measure: it sets the grid counts and
//! weights compactness; the others are constraints. `load` names the
//! workload formula above; `households` and `population` the raw counts.
//!
//! # Complexity
//! O(1) per household.

use std::path::Path;

use crate::input::read::{ColumnMap, ReadError};
use crate::model::Household;

/// The weights of the workload formula.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Weights {
    /// Weight of the household count (default 1).
    pub households: f64,
    /// Weight of the population (default 0; a missing population counts 0).
    pub population: f64,
    /// Weight of rental rooms (default 0).
    pub rental: f64,
    /// Weight of shops (default 0).
    pub shops: f64,
    /// Weight of special populations (default 0).
    pub special: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            households: 1.0,
            population: 0.0,
            rental: 0.0,
            shops: 0.0,
            special: 0.0,
        }
    }
}

impl Weights {
    /// The workload of one household point.
    #[must_use]
    pub fn load(&self, h: &Household) -> f64 {
        self.households * f64::from(h.households)
            + self.population * h.population.unwrap_or(0.0)
            + self.rental * h.rental
            + self.shops * h.shops
            + self.special * h.special
    }
}

const KNOWN_WEIGHTS: &str = "households, population, rental, shops, special";
/// The tables a config file may hold.
const KNOWN_TABLES: &str = "weights, naming, columns";

/// Reads the `[columns]` table of a TOML config file: the household
/// column names ([`ColumnMap`]); the default names without one.
///
/// # Errors
/// [`ReadError::Io`], [`ReadError::Toml`], [`ReadError::UnknownKey`].
pub fn read_columns(path: &Path) -> Result<ColumnMap, ReadError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        file: file.clone(),
        source,
    })?;
    columns_from_str(&file, &text)
}

fn columns_from_str(file: &str, text: &str) -> Result<ColumnMap, ReadError> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ReadError::Toml {
        file: file.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    match table.get("columns") {
        None => Ok(ColumnMap::default()),
        Some(toml::Value::Table(t)) => ColumnMap::from_table(file, t),
        Some(_) => Err(ReadError::Toml {
            file: file.to_owned(),
            message: "\"columns\" must be a table ([columns])".into(),
        }),
    }
}

/// Whether the config file at `path` has a `[weights]` table, so that it
/// defines the workload (a file of `[naming]` or `[columns]` alone does
/// not). A file that cannot be read or parsed counts as defining it: its
/// reader reports the error, with the file and the line, soon after.
#[must_use]
pub fn defines_weights(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_none_or(|t| t.contains_key("weights"))
}

/// Reads the `[weights]` table of a TOML config file; keys not given keep
/// their default.
///
/// # Errors
/// [`ReadError::Io`], [`ReadError::Toml`], [`ReadError::UnknownKey`],
/// [`ReadError::BadWeight`], [`ReadError::NegativeWeight`],
/// [`ReadError::AllZeroWeights`].
pub fn read_weights(path: &Path) -> Result<Weights, ReadError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        file: file.clone(),
        source,
    })?;
    weights_from_str(&file, &text)
}

fn weights_from_str(file: &str, text: &str) -> Result<Weights, ReadError> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ReadError::Toml {
        file: file.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    let mut w = Weights::default();
    // toml::Table is ordered by key, so the first unknown key reported does
    // not depend on hashing.
    for (key, value) in &table {
        // `[naming]` is read by crate::input::naming, `[columns]` by the
        // readers (read_columns); each is checked there.
        if key == "naming" || key == "columns" {
            continue;
        }
        if key != "weights" {
            return Err(ReadError::UnknownKey {
                file: file.to_owned(),
                key: key.clone(),
                known: KNOWN_TABLES,
            });
        }
        let Some(weights) = value.as_table() else {
            return Err(ReadError::Toml {
                file: file.to_owned(),
                message: "\"weights\" must be a table ([weights])".into(),
            });
        };
        for (k, v) in weights {
            let slot = match k.as_str() {
                "households" => &mut w.households,
                "population" => &mut w.population,
                "rental" => &mut w.rental,
                "shops" => &mut w.shops,
                "special" => &mut w.special,
                _ => {
                    return Err(ReadError::UnknownKey {
                        file: file.to_owned(),
                        key: format!("weights.{k}"),
                        known: KNOWN_WEIGHTS,
                    });
                }
            };
            let x = match v {
                toml::Value::Integer(i) => *i as f64,
                toml::Value::Float(f) if f.is_finite() => *f,
                other => {
                    return Err(ReadError::BadWeight {
                        file: file.to_owned(),
                        key: k.clone(),
                        found: other.to_string(),
                    });
                }
            };
            if x < 0.0 {
                return Err(ReadError::NegativeWeight {
                    file: file.to_owned(),
                    key: k.clone(),
                    value: x,
                });
            }
            *slot = x;
        }
    }
    if [w.households, w.population, w.rental, w.shops, w.special]
        .iter()
        .all(|&x| x == 0.0)
    {
        return Err(ReadError::AllZeroWeights {
            file: file.to_owned(),
        });
    }
    Ok(w)
}

/// A quantity a grid can be balanced on (`--balance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// The workload formula of the weights.
    Load,
    /// The household count.
    Households,
    /// The population (people).
    Population,
}

impl MeasureKind {
    /// The measure's name on the command line and in metrics.json.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Load => "load",
            Self::Households => "households",
            Self::Population => "population",
        }
    }

    /// The measure of one household point; `None` when the point lacks it
    /// (a population that was not given).
    #[must_use]
    pub fn value(self, h: &Household, w: &Weights) -> Option<f64> {
        match self {
            Self::Load => Some(w.load(h)),
            Self::Households => Some(f64::from(h.households)),
            Self::Population => h.population,
        }
    }
}

/// One measure of `--balance` with its own tolerance.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct BalanceMeasure {
    /// What is balanced.
    pub kind: MeasureKind,
    /// Its allowed relative deviation; `None` takes `--tolerance`.
    pub tolerance: Option<f64>,
}

/// Parses `--balance`: comma-separated `name[:tolerance]`, names among
/// load, households and population, each at most once.
///
/// # Errors
/// A message naming the bad item.
pub fn parse_balance(s: &str) -> Result<Vec<BalanceMeasure>, String> {
    let mut out: Vec<BalanceMeasure> = Vec::new();
    for item in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
        let (name, tol) = match item.split_once(':') {
            Some((n, t)) => {
                let t: f64 = t
                    .trim()
                    .parse()
                    .map_err(|e| format!("--balance {item:?}: tolerance {t:?}: {e}"))?;
                if !(t > 0.0 && t < 1.0) {
                    return Err(format!(
                        "--balance {item:?}: the tolerance must lie strictly between 0 and 1"
                    ));
                }
                (n.trim(), Some(t))
            }
            None => (item, None),
        };
        let kind = match name {
            "load" => MeasureKind::Load,
            "households" => MeasureKind::Households,
            "population" => MeasureKind::Population,
            _ => {
                return Err(format!(
                    "--balance: unknown measure {name:?}; expected load, households or population"
                ));
            }
        };
        if out.iter().any(|m| m.kind == kind) {
            return Err(format!("--balance: {name} is given twice"));
        }
        out.push(BalanceMeasure {
            kind,
            tolerance: tol,
        });
    }
    if out.is_empty() {
        return Err("--balance: give at least one measure".to_string());
    }
    Ok(out)
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "the expected values are exact (sums of whole households, round shares, coordinates read back), so they are compared bit for bit"
)]
mod tests {
    use super::*;

    #[test]
    fn only_a_weights_table_defines_the_workload() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        assert!(defines_weights(&write(
            "w.toml",
            "[weights]\nrental = 0.5\n"
        )));
        assert!(!defines_weights(&write(
            "n.toml",
            "[naming]\nfull_scope = \"{village_name}{n}\"\n"
        )));
        assert!(!defines_weights(&write(
            "c.toml",
            "[columns]\nhouseholds = \"HH\"\n"
        )));
        // Unreadable or broken files are left to the reader's own error.
        assert!(defines_weights(&write("bad.toml", "[weights\n")));
        assert!(defines_weights(&dir.path().join("missing.toml")));
    }

    fn h() -> Household {
        Household {
            id: "a".into(),
            lon: 120.0,
            lat: 28.0,
            households: 3,
            population: Some(10.0),
            rental: 4.0,
            shops: 2.0,
            special: 1.0,
            village: None,
            grid: None,
        }
    }

    #[test]
    fn default_is_households_only() {
        assert_eq!(Weights::default().load(&h()), 3.0);
    }

    #[test]
    fn load_formula() {
        let w = Weights {
            households: 1.0,
            population: 0.1,
            rental: 0.5,
            shops: 0.25,
            special: 2.0,
        };
        assert!((w.load(&h()) - (3.0 + 1.0 + 2.0 + 0.5 + 2.0)).abs() < 1e-12);
    }

    #[test]
    fn file_overrides_only_given_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("weights.toml");
        std::fs::write(&p, "[weights]\nrental = 0.5\nshops = 1\n").unwrap();
        let w = read_weights(&p).unwrap();
        assert_eq!(
            w,
            Weights {
                households: 1.0,
                population: 0.0,
                rental: 0.5,
                shops: 1.0,
                special: 0.0
            }
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let e = weights_from_str("w.toml", "[weights]\nrentals = 0.5\n").unwrap_err();
        assert!(matches!(e, ReadError::UnknownKey { .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with("w.toml: unknown key \"weights.rentals\""),
            "{e}"
        );
        let e = weights_from_str("w.toml", "[weight]\nrental = 0.5\n").unwrap_err();
        assert!(
            e.to_string().starts_with("w.toml: unknown key \"weight\""),
            "{e}"
        );
    }

    #[test]
    fn columns_sit_beside_weights() {
        let text = "[weights]\nrental = 0.5\n[columns]\nhouseholds = \"HH\"\n";
        assert_eq!(weights_from_str("c.toml", text).unwrap().rental, 0.5);
        let map = columns_from_str("c.toml", text).unwrap();
        assert_ne!(map, ColumnMap::default());
        assert_eq!(
            columns_from_str("c.toml", "[weights]\n").unwrap(),
            ColumnMap::default()
        );
        let e = columns_from_str("c.toml", "[columns]\nhouse = \"HH\"\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("c.toml: unknown key \"columns.house\" (known: id, households"),
            "{e}"
        );
        let e = columns_from_str("c.toml", "columns = 3\n").unwrap_err();
        assert!(e.to_string().contains("must be a table"), "{e}");
    }

    #[test]
    fn negative_weight() {
        let e = weights_from_str("w.toml", "[weights]\nshops = -0.5\n").unwrap_err();
        assert!(matches!(e, ReadError::NegativeWeight { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "w.toml: weights.shops must be >= 0, got -0.5"
        );
    }

    #[test]
    fn non_finite_or_text_weight() {
        let e = weights_from_str("w.toml", "[weights]\nshops = nan\n").unwrap_err();
        assert!(matches!(e, ReadError::BadWeight { .. }), "{e}");
        let e = weights_from_str("w.toml", "[weights]\nshops = \"x\"\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("weights.shops must be a finite number"),
            "{e}"
        );
    }

    #[test]
    fn all_zero() {
        let e = weights_from_str("w.toml", "[weights]\nhouseholds = 0\n").unwrap_err();
        assert!(matches!(e, ReadError::AllZeroWeights { .. }), "{e}");
        assert!(
            e.to_string().contains("every point would have zero load"),
            "{e}"
        );
    }

    #[test]
    fn invalid_toml() {
        let e = weights_from_str("w.toml", "[weights\n").unwrap_err();
        assert!(matches!(e, ReadError::Toml { .. }), "{e}");
        assert!(e.to_string().starts_with("w.toml: invalid TOML"), "{e}");
    }
}
