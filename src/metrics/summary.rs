//! The summary table printed to stdout after a run: the county figures, one
//! labelled row each, in the order a reader checks them (size, balance,
//! pieces, nesting, compactness, then barrier crossings, compounds,
//! micro-grids and stability when measured).

use super::{Metrics, MicroMetrics, StabilityMetrics};
use std::fmt::Write as _;

/// A row of the table: label, value.
type Row = (String, String);

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// A ceiling as a percentage rounded up to one decimal, so that "no plan
/// keeps more than X" stays true as printed (as in report.html).
fn pct_up(x: f64) -> String {
    // The 1e-9 keeps an exact tenth (0.955) from rounding up to the next.
    format!("{:.1} %", (1000.0 * x - 1e-9).ceil() / 10.0)
}

impl Metrics {
    /// A short human-readable table of the county figures, for stdout.
    #[must_use]
    pub fn summary_table(&self) -> String {
        let mut rows = self.size_rows();
        rows.extend(self.balance_rows());
        rows.extend(self.shape_rows());
        rows.extend(self.ground_rows());
        if let Some(m) = &self.micro {
            rows.extend(self.micro_rows(m));
        }
        let b = &self.county.balance;
        if b.villages_with_oversize_building > 0 {
            rows.push((
                "villages w/ oversize building".into(),
                b.villages_with_oversize_building.to_string(),
            ));
        }
        if let Some(s) = &self.stability {
            rows.extend(stability_rows(s));
        }
        render(rows)
    }

    /// Villages, grids, households, buildings and loads.
    fn size_rows(&self) -> Vec<Row> {
        let c = &self.county;
        vec![
            ("villages".into(), c.villages.to_string()),
            (
                "grids".into(),
                if c.grid_pieces == c.grids {
                    c.grids.to_string()
                } else {
                    format!("{} ({} village pieces)", c.grids, c.grid_pieces)
                },
            ),
            ("dedicated grids".into(), c.dedicated_grids.to_string()),
            ("households".into(), c.households.to_string()),
            (
                "points / buildings".into(),
                format!("{} / {}", c.points, c.buildings),
            ),
            (
                "load mean / min / max".into(),
                format!("{:.1} / {:.1} / {:.1}", c.mean_load, c.min_load, c.max_load),
            ),
        ]
    }

    /// Balance of the load, then of each further `--balance` measure right
    /// after "within ±τ", then the household band and the CV.
    fn balance_rows(&self) -> Vec<Row> {
        let b = &self.county.balance;
        let mut rows: Vec<Row> = vec![
            ("max deviation".into(), pct(b.max_dev)),
            (
                format!("within ±{}", pct(self.params.tolerance)),
                format!("{} ({}/{})", pct(b.within_tol_share), b.within_tol, b.grids),
            ),
        ];
        rows.extend(b.by_measure.iter().map(|m| {
            (
                format!("{} within ±{}", m.measure.name(), pct(m.tolerance)),
                format!("{} ({}/{})", pct(m.within_tol_share), m.within_tol, b.grids),
            )
        }));
        if let Some(all) = b.within_all_share {
            rows.push(("within on every measure".into(), pct(all)));
        }
        rows.push((
            format!(
                "households in {}-{}",
                self.params.band.0, self.params.band.1
            ),
            format!("{} ({}/{})", pct(b.in_band_share), b.in_band, b.grids),
        ));
        rows.push(("load CV".into(), format!("{:.3}", b.cv)));
        rows
    }

    /// Pieces, nesting and compactness.
    fn shape_rows(&self) -> Vec<Row> {
        let c = &self.county;
        let k = &c.contiguity;
        let links = if k.enclave_links > 0 {
            format!(", {} enclave links", k.enclave_links)
        } else {
            String::new()
        };
        vec![
            (
                "one piece".into(),
                format!(
                    "{} ({}/{}{links})",
                    pct(k.one_piece_share),
                    k.one_piece,
                    c.grid_pieces
                ),
            ),
            (
                "nesting violations".into(),
                c.nesting.violations.to_string(),
            ),
            (
                "SSE / k-means SSE".into(),
                match c.compactness.sse_ratio {
                    Some(r) => format!(
                        "{r:.3} ({} villages, {} skipped)",
                        c.compactness.villages_in_ratio, c.compactness.villages_skipped
                    ),
                    None => "n/a".into(),
                },
            ),
            (
                "mean distance to centroid".into(),
                format!("{:.1} m", c.compactness.mean_distance_m),
            ),
        ]
    }

    /// Barrier crossings and split compounds, when given.
    fn ground_rows(&self) -> Vec<Row> {
        let c = &self.county;
        let mut rows: Vec<Row> = Vec::new();
        if let Some(x) = &c.crossings {
            rows.push((
                "crossing a hard barrier".into(),
                format!(
                    "{} grids ({} crossings)",
                    x.grids_crossing_hard, x.hard_crossings
                ),
            ));
            rows.push((
                "crossing a soft barrier".into(),
                format!(
                    "{} grids ({} crossings)",
                    x.grids_crossing_soft, x.soft_crossings
                ),
            ));
        }
        if let Some(x) = &c.compounds {
            rows.push((
                "compounds split".into(),
                format!(
                    "{} fitting, {} larger, of {} ({} fit in a grid)",
                    x.split_fitting, x.split_large, x.count, x.fitting
                ),
            ));
        }
        rows
    }

    /// Micro-grids: count, band, pieces, split buildings, nesting.
    fn micro_rows(&self, m: &MicroMetrics) -> Vec<Row> {
        let mut rows: Vec<Row> = vec![
            (
                "micro-grids (mean per grid)".into(),
                format!("{} ({:.2})", m.count, m.per_grid.mean),
            ),
            (
                format!(
                    "micro in {}-{}",
                    self.params.micro_band.0, self.params.micro_band.1
                ),
                format!(
                    "{} ({}/{}, {} oversize)",
                    pct(m.in_band_share),
                    m.in_band,
                    m.count - m.oversize,
                    m.oversize
                ),
            ),
            (
                "micro one piece".into(),
                format!(
                    "{} ({}/{})",
                    pct(m.contiguity.one_piece_share),
                    m.contiguity.one_piece,
                    m.count
                ),
            ),
            ("buildings split".into(), m.buildings_split.to_string()),
        ];
        if m.nesting.violations > 0 {
            rows.push((
                "micro nesting violations".into(),
                m.nesting.violations.to_string(),
            ));
        }
        rows
    }
}

/// Stability against the current grids.
fn stability_rows(s: &StabilityMetrics) -> Vec<Row> {
    let mut rows = stability_share_rows(s);
    if s.new_households > 0 {
        // Households without a current grid (new since the plan): placed,
        // but in no share above.
        rows.push((
            "new households placed".into(),
            format!("{} (no current grid)", s.new_households),
        ));
    }
    rows
}

/// Lineage, moves, clean grids and the classes of the old grids.
fn stability_share_rows(s: &StabilityMetrics) -> Vec<Row> {
    vec![
        ("lineage kept".into(), pct(s.lineage_kept)),
        ("lineage ceiling".into(), pct_up(s.lineage_ceiling)),
        (
            "households moved".into(),
            format!("{} of {}", s.households_moved, s.households),
        ),
        (
            "clean grids".into(),
            format!("{} ({}/{})", pct(s.clean_share), s.clean_grids, s.new_grids),
        ),
        (
            "clean grids ceiling".into(),
            format!(
                "{} ({}/{})",
                pct_up(s.clean_ceiling),
                s.clean_ceiling_grids,
                s.new_grids
            ),
        ),
        (
            "old kept/split/merged/dissolved".into(),
            format!(
                "{}/{}/{}/{} of {}",
                s.kept, s.split, s.merged, s.dissolved, s.old_grids
            ),
        ),
    ]
}

/// The rows as two columns, labels padded to the widest.
fn render(rows: Vec<Row>) -> String {
    let w = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        let pad = w - k.chars().count();
        let _ = writeln!(out, "{k}{}  {v}", " ".repeat(pad));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_households_get_their_row_when_there_are_any() {
        let mut s = crate::metrics::stability::stability(&mut vec![(0, 0, 5)], |o| o.to_string());
        let label = "new households placed";
        assert!(!stability_rows(&s).iter().any(|r| r.0 == label));
        s.new_households = 12;
        let rows = stability_rows(&s);
        let row = rows.iter().find(|r| r.0 == label).unwrap();
        assert_eq!(row.1, "12 (no current grid)");
    }

    #[test]
    fn ceilings_round_up_and_exact_tenths_stay() {
        assert_eq!(pct_up(0.954_01), "95.5 %");
        assert_eq!(pct_up(0.955), "95.5 %");
        assert_eq!(pct_up(1.0), "100.0 %");
        assert_eq!(pct(0.954_01), "95.4 %");
    }
}
