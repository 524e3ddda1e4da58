//! The title line: county code and the parameters of the run.

use std::collections::BTreeSet;

use super::ReportInput;
use crate::output::html::{NA, count, decimals, esc, finite, finite_pair, percent, short, w};

/// The `<header>`: the title, then the county code and the parameters
/// joined by " · ". Without run parameters (`gridplan metrics`) the band,
/// tolerance and seed come from the metrics' own parameters.
pub(super) fn header(out: &mut String, input: &ReportInput) {
    let r = input.report;
    let params = r.params.as_ref();
    let mp = &r.metrics.params;
    w!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"params\">",
        esc(input.title)
    );
    let mut parts: Vec<String> = Vec::new();
    if let Some(c) = county_code(input) {
        parts.push(format!("County <b>{}</b>", esc(&c)));
    }
    if let Some(t) = params.and_then(|p| p.target).and_then(finite) {
        parts.push(format!("target {}", decimals(Some(t), 0)));
    }
    if let Some(g) = params.and_then(|p| p.grids) {
        parts.push(format!("grids {}", count(g)));
    }
    let band = params
        .and_then(|p| finite_pair(p.band))
        .or_else(|| finite_pair(mp.band));
    parts.push(format!("band {}", band_words(band)));
    let tol = params
        .and_then(|p| finite(p.tolerance))
        .or_else(|| finite(mp.tolerance));
    parts.push(format!("tolerance ±{}", percent(tol, 0)));
    let seed = params.map_or(mp.seed, |p| p.seed);
    parts.push(format!("seed {}", decimals(Some(seed as f64), 0)));
    if let Some(p) = params {
        if let Some(mt) = finite(p.micro_target) {
            let mb = finite_pair(p.micro_band)
                .map_or(String::new(), |b| format!(", band {}", band_words(Some(b))));
            parts.push(format!("micro-grid target {}{mb}", decimals(Some(mt), 0)));
        }
        // In the order of metrics.json, which serde_json sorts by name.
        let w = &p.weights;
        let list: Vec<String> = [
            ("households", w.households),
            ("population", w.population),
            ("rental", w.rental),
            ("shops", w.shops),
            ("special", w.special),
        ]
        .into_iter()
        .filter(|(_, x)| x.is_finite() && *x != 0.0)
        .map(|(k, x)| format!("{}×{}", short(x), esc(k)))
        .collect();
        if !list.is_empty() {
            parts.push(format!("load = {}", list.join(" + ")));
        }
        parts.push(format!("dedicated zones {}", count(p.dedicated_zones)));
    }
    out.push_str(&parts.join(" · "));
    out.push_str("</p>\n</header>\n");
}

/// "300–500", or "–".
pub(super) fn band_words(band: Option<(f64, f64)>) -> String {
    match band {
        Some((a, b)) => format!("{}–{}", decimals(Some(a), 0), decimals(Some(b), 0)),
        None => NA.to_string(),
    }
}

/// The county code: the common 6-digit prefix of the 12-digit village codes
/// (those of the metrics, else those of the shapes).
pub(super) fn county_code(input: &ReportInput) -> Option<String> {
    let mut codes: BTreeSet<&str> = input
        .report
        .metrics
        .villages
        .iter()
        .map(|v| v.code.as_str())
        .collect();
    if codes.is_empty() {
        codes = input.shapes.iter().map(|s| s.village.as_str()).collect();
    }
    let mut prefix: Option<&str> = None;
    for c in &codes {
        if c.len() != 12 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let p = &c[..6];
        match prefix {
            None => prefix = Some(p),
            Some(q) if q != p => return None,
            Some(_) => {}
        }
    }
    prefix.map(str::to_string)
}
