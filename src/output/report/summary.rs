//! The "County summary" table: totals, balance, contiguity, nesting and
//! compactness, then micro-grids and stability when the run has them.
//!
//! When re-allocating, the stability rows put each figure beside its
//! ceiling ([`crate::metrics::ceiling`]): lineage kept beside the most any
//! plan with these grid counts and this balance could keep, clean grids
//! beside the most such a plan could have. A sentence under the table says
//! it in words, because the two numbers a town meeting asks for are how
//! many households move and whether any plan could move fewer. A ceiling
//! is an upper bound, so it is rounded up to the shown decimal
//! ([`ceiling_percent`]): the sentence stays true as written.

use super::header::band_words;
use crate::metrics::micro::MicroMetrics;
use crate::metrics::stability::StabilityMetrics;
use crate::output::html::{count, decimals, finite, finite_pair, int, percent, w};
use crate::pipeline::Report;

/// One table row; `class` flags it ("warn", "bad") when not empty.
pub(super) fn row(out: &mut String, label: &str, value: &str, class: &str) {
    if class.is_empty() {
        w!(out, "<tr><th>{label}</th><td>{value}</td></tr>\n");
    } else {
        w!(
            out,
            "<tr class=\"{class}\"><th>{label}</th><td>{value}</td></tr>\n"
        );
    }
}

/// `class` when `flagged`, else no class.
fn flag(flagged: bool, class: &'static str) -> &'static str {
    if flagged { class } else { "" }
}

/// "a / b" with a share: "98.0 % (49/50)".
fn of(a: Option<f64>, b: Option<f64>, share: Option<f64>) -> String {
    format!("{} ({}/{})", percent(share, 1), int(a), int(b))
}

/// A count as an optional number, for [`of`].
#[expect(
    clippy::unnecessary_wraps,
    reason = "the shape `of` takes, beside figures that may be absent"
)]
fn n(x: usize) -> Option<f64> {
    Some(x as f64)
}

/// The summary table.
pub(super) fn summary(out: &mut String, r: &Report) {
    let m = &r.metrics;
    let c = &m.county;
    out.push_str("<h2>County summary</h2>\n<table class=\"kv\">\n");
    row(out, "Villages", &count(c.villages), "");
    row(
        out,
        "Grids",
        &format!(
            "{} ({} full-scope, {} dedicated)",
            count(c.grids),
            count(c.full_scope_grids),
            count(c.dedicated_grids)
        ),
        "",
    );
    row(out, "Households", &int(Some(c.households as f64)), "");
    row(out, "Population", &int(Some(c.population)), "");
    row(
        out,
        "Points / buildings",
        &format!("{} / {}", count(c.points), count(c.buildings)),
        "",
    );
    row(
        out,
        "Load mean / min / max",
        &format!(
            "{} / {} / {}",
            decimals(Some(c.mean_load), 1),
            decimals(Some(c.min_load), 1),
            decimals(Some(c.max_load), 1)
        ),
        "",
    );
    balance_rows(out, r);
    if let Some(d) = r.max_deviation_from_county_mean.and_then(finite) {
        row(
            out,
            "Max deviation from county mean",
            &percent(Some(d), 1),
            "",
        );
    }
    if let Some(mi) = &m.micro {
        micro_rows(out, mi, m.params.micro_band);
    }
    if let Some(st) = &m.stability {
        stability_rows(out, st);
    }
    out.push_str("</table>\n");
    if let Some(st) = m.stability.as_ref().filter(|s| has_ceiling(s)) {
        ceiling_sentence(out, st);
    }
}

/// Were the ceilings filled in? They are at least what the plan achieved.
fn has_ceiling(st: &StabilityMetrics) -> bool {
    st.lineage_ceiling_households >= st.lineage_kept_households
        && st.clean_ceiling_grids >= st.clean_grids
        && (st.lineage_ceiling_households > 0 || st.households == 0)
}

/// A ceiling of `part` out of `whole` in percent with one decimal, rounded
/// up so that "no plan does more than" stays true; written as the achieved
/// share (`achieved` out of `whole`, rounded as usual) when the two are
/// equal, so a plan at its ceiling shows one number twice.
pub(super) fn ceiling_percent(part: u64, whole: u64, achieved: u64) -> String {
    if whole == 0 {
        return percent(Some(1.0), 1);
    }
    if part == achieved {
        return percent(Some(achieved as f64 / whole as f64), 1);
    }
    let (p, w) = (u128::from(part), u128::from(whole));
    let tenths = (1000 * p).div_ceil(w);
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// The ceilings in words, under the table.
fn ceiling_sentence(out: &mut String, st: &StabilityMetrics) {
    w!(
        out,
        "<p class=\"note\" id=\"ceiling\">No plan with these grid counts and this balance keeps more \
         than {} of households in lineage; this plan keeps {}. No such plan has more than {} of its \
         grids clean ({} of {}); this plan has {}. The gap is the most any plan could still gain.</p>\n",
        lineage_ceiling(st),
        percent(Some(st.lineage_kept), 1),
        clean_ceiling(st),
        count(st.clean_ceiling_grids),
        count(st.new_grids),
        percent(Some(st.clean_share), 1),
    );
}

/// The county's lineage ceiling, in percent.
fn lineage_ceiling(st: &StabilityMetrics) -> String {
    ceiling_percent(
        st.lineage_ceiling_households,
        st.households,
        st.lineage_kept_households,
    )
}

/// The county's clean-grid ceiling, in percent.
fn clean_ceiling(st: &StabilityMetrics) -> String {
    ceiling_percent(
        st.clean_ceiling_grids as u64,
        st.new_grids as u64,
        st.clean_grids as u64,
    )
}

/// Balance, band, contiguity, nesting and compactness of the grids.
fn balance_rows(out: &mut String, r: &Report) {
    let m = &r.metrics;
    let c = &m.county;
    let b = &c.balance;
    let tol =
        finite(m.params.tolerance).or_else(|| r.params.as_ref().and_then(|p| finite(p.tolerance)));
    let md = finite(b.max_dev);
    let bad_dev = matches!((md, tol), (Some(d), Some(t)) if d > t + 1e-9);
    row(
        out,
        "Max deviation from village mean",
        &percent(md, 1),
        flag(bad_dev, "warn"),
    );
    let wt = finite(b.within_tol_share);
    row(
        out,
        &format!("Within ±{}", percent(tol, 0)),
        &of(n(b.within_tol), n(b.grids), wt),
        flag(wt.is_some_and(|s| s < 0.99), "warn"),
    );
    let band_label = match finite_pair(m.params.band) {
        Some(band) => format!("Households in {}", band_words(Some(band))),
        None => "Households in band".to_string(),
    };
    row(
        out,
        &band_label,
        &of(n(b.in_band), n(b.grids), Some(b.in_band_share)),
        "",
    );
    row(out, "Load CV", &decimals(Some(b.cv), 3), "");
    let cs = finite(c.contiguity.one_piece_share);
    row(
        out,
        "One piece",
        &of(n(c.contiguity.one_piece), n(c.grids), cs),
        flag(cs.is_some_and(|s| s < 1.0), "bad"),
    );
    let nv = c.nesting.violations;
    row(out, "Nesting violations", &count(nv), flag(nv > 0, "bad"));
    let k = &c.compactness;
    row(
        out,
        "SSE / k-means SSE",
        &format!(
            "{} ({} villages, {} skipped)",
            decimals(k.sse_ratio, 3),
            count(k.villages_in_ratio),
            count(k.villages_skipped)
        ),
        "",
    );
    row(
        out,
        "Mean distance to centroid",
        &format!("{} m", decimals(Some(k.mean_distance_m), 1)),
        "",
    );
}

/// Micro-grid count, band, contiguity and split buildings.
fn micro_rows(out: &mut String, mi: &MicroMetrics, micro_band: (f64, f64)) {
    row(
        out,
        "Micro-grids (mean per grid)",
        &format!(
            "{} ({})",
            count(mi.count),
            decimals(Some(mi.per_grid.mean), 2)
        ),
        "",
    );
    let label = match finite_pair(micro_band) {
        Some(band) => format!("Micro-grids in {}", band_words(Some(band))),
        None => "Micro-grids in band".to_string(),
    };
    row(
        out,
        &label,
        &format!(
            "{} ({} oversize buildings)",
            percent(Some(mi.in_band_share), 1),
            count(mi.oversize)
        ),
        "",
    );
    let mcs = finite(mi.contiguity.one_piece_share);
    row(
        out,
        "Micro-grids in one piece",
        &of(n(mi.contiguity.one_piece), n(mi.count), mcs),
        flag(mcs.is_some_and(|s| s < 1.0), "bad"),
    );
    let split = mi.buildings_split;
    row(
        out,
        "Buildings split",
        &count(split),
        flag(split > 0, "bad"),
    );
}

/// Lineage, moved households, clean grids (each beside its ceiling when
/// there is one) and the fates of the old grids.
fn stability_rows(out: &mut String, st: &StabilityMetrics) {
    let u = |x: u64| Some(x as f64);
    let ceiling = has_ceiling(st);
    let mut lineage = percent(Some(st.lineage_kept), 1);
    let mut clean = of(n(st.clean_grids), n(st.new_grids), Some(st.clean_share));
    if ceiling {
        w!(lineage, " · ceiling {}", lineage_ceiling(st));
        w!(
            clean,
            " · ceiling {} ({})",
            clean_ceiling(st),
            count(st.clean_ceiling_grids)
        );
    }
    row(out, "Lineage kept", &lineage, "");
    row(
        out,
        "Households moved",
        &format!(
            "{} of {}",
            int(u(st.households_moved)),
            int(u(st.households))
        ),
        "",
    );
    row(out, "Clean grids", &clean, "");
    row(
        out,
        "Old grids kept / split / merged / dissolved",
        &format!(
            "{} / {} / {} / {} of {}",
            count(st.kept),
            count(st.split),
            count(st.merged),
            count(st.dissolved),
            count(st.old_grids)
        ),
        "",
    );
}
