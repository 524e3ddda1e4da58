//! Tests of the scenario renderings.

use super::chart::{MT, PH};
use super::*;
use crate::output::html::nice_step;

fn row(label: &str, grids: usize) -> ScenarioRow {
    ScenarioRow {
        label: label.to_string(),
        target: Some(400.0),
        grids_asked: None,
        full_scope_grids: grids,
        dedicated_grids: 3,
        micro_grids: grids * 6,
        households: 500_000,
        mean_load: 398.25,
        max_load: 471.0,
        in_band_share: 0.9637,
        within_tolerance_share: 0.93125,
        mean_distance_m: 123.456,
        sse_ratio: Some(1.234_567_8),
        contiguous_share: 1.0,
        households_moved: Some(12_345),
        lineage_kept: Some(0.87654),
        lineage_ceiling: Some(0.91234),
        clean_share: Some(0.8),
        clean_ceiling: Some(0.9),
        runtime_s: 12.3456,
    }
}

fn bare(label: &str, grids: usize) -> ScenarioRow {
    ScenarioRow {
        target: None,
        grids_asked: Some(grids),
        sse_ratio: None,
        households_moved: None,
        lineage_kept: None,
        lineage_ceiling: None,
        clean_share: None,
        clean_ceiling: None,
        ..row(label, grids)
    }
}

fn five() -> Vec<ScenarioRow> {
    [
        (300.0, 1667),
        (350.0, 1429),
        (400.0, 1250),
        (450.0, 1111),
        (500.0, 1000),
    ]
    .into_iter()
    .map(|(t, k)| ScenarioRow {
        target: Some(t),
        ..row(&format!("target {t}"), k)
    })
    .collect()
}

/// Checks well-formedness the way an XML parser would for this subset:
/// tags balance on a stack, attributes are quoted, `&` starts an entity,
/// no raw `<` in text. Returns the element names in document order.
fn xml_check(s: &str) -> Result<Vec<String>, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = s;
    let mut roots = 0;
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt])?;
        if !stack.is_empty() || rest[..lt].trim().is_empty() {
        } else {
            return Err(format!("text outside the root: {:?}", &rest[..lt]));
        }
        let after = &rest[lt + 1..];
        let gt = after.find('>').ok_or("unclosed tag")?;
        let tag = &after[..gt];
        rest = &after[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("stray </{name}>"))?;
            if open != name.trim() {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("bad tag name in <{tag}>"));
        }
        check_attrs(&body[name.len()..])?;
        if stack.is_empty() {
            roots += 1;
        }
        names.push(name.clone());
        if !self_closing {
            stack.push(name);
        }
    }
    check_text(rest)?;
    if !rest.trim().is_empty() {
        return Err("text after the root".to_string());
    }
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(names)
}

fn check_text(t: &str) -> Result<(), String> {
    for (i, _) in t.match_indices('&') {
        let ent = &t[i..];
        let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
            .iter()
            .any(|e| ent.starts_with(e));
        if !ok {
            return Err(format!("raw & in {t:?}"));
        }
    }
    if t.contains('>') {
        return Err(format!("raw > in {t:?}"));
    }
    Ok(())
}

fn check_attrs(a: &str) -> Result<(), String> {
    let mut rest = a.trim();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or(format!("attribute without value: {rest}"))?;
        let key = rest[..eq].trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(format!("bad attribute name {key:?}"));
        }
        let v = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("unquoted attribute")?;
        let end = v.find('"').ok_or("unterminated attribute")?;
        check_text(&v[..end])?;
        if v[..end].contains('<') {
            return Err("< in attribute".to_string());
        }
        rest = v[end + 1..].trim_start();
    }
    Ok(())
}

/// The value of attribute `key` in the first tag of `tag_text`.
fn attr(tag_text: &str, key: &str) -> Option<f64> {
    let pat = format!(" {key}=\"");
    let i = tag_text.find(&pat)? + pat.len();
    let end = tag_text[i..].find('"')?;
    tag_text[i..i + end].parse().ok()
}

#[test]
fn csv_header_rows_and_empty_cells_for_none() {
    let rows = vec![row("target 400", 1250), bare("grids 1497", 1497)];
    let text = csv(&rows).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], CSV_HEADER.join(","));
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let recs: Vec<csv::StringRecord> = rd.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(recs.len(), 2);
    for rec in &recs {
        assert_eq!(rec.len(), CSV_HEADER.len());
    }
    let col = |name: &str| CSV_HEADER.iter().position(|h| *h == name).unwrap();
    // The full row: fixed precision.
    assert_eq!(&recs[0][col("target")], "400.00");
    assert_eq!(&recs[0][col("grids_asked")], "");
    assert_eq!(&recs[0][col("in_band_share")], "0.9637");
    assert_eq!(&recs[0][col("within_tolerance_share")], "0.9313");
    assert_eq!(&recs[0][col("mean_distance_m")], "123.5");
    assert_eq!(&recs[0][col("sse_ratio")], "1.2346");
    assert_eq!(&recs[0][col("households_moved")], "12345");
    assert_eq!(&recs[0][col("lineage_kept")], "0.8765");
    assert_eq!(&recs[0][col("lineage_ceiling")], "0.9123");
    assert_eq!(&recs[0][col("runtime_s")], "12.35");
    // The bare row: every None is an empty cell, and only those.
    for name in [
        "target",
        "sse_ratio",
        "households_moved",
        "lineage_kept",
        "lineage_ceiling",
        "clean_share",
        "clean_ceiling",
    ] {
        assert_eq!(&recs[1][col(name)], "", "{name}");
    }
    assert_eq!(&recs[1][col("grids_asked")], "1497");
    let empty = recs[1].iter().filter(|c| c.is_empty()).count();
    assert_eq!(empty, 7);
    // Byte-stable.
    assert_eq!(csv(&rows).unwrap(), text);
}

#[test]
fn csv_quotes_labels_and_blanks_non_finite() {
    let mut r = bare("a, \"b\"", 0);
    r.mean_load = f64::NAN;
    r.max_load = -0.0;
    let text = csv(&[r]).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let rec = rd.records().next().unwrap().unwrap();
    assert_eq!(&rec[0], "a, \"b\"");
    assert_eq!(&rec[7], "");
    assert_eq!(&rec[8], "0.00");
    assert!(!text.contains("NaN") && !text.contains("-0"));
}

#[test]
fn markdown_one_table_line_per_scenario() {
    let rows = five();
    let md = markdown(&rows, (300.0, 500.0), 0.1);
    assert!(md.starts_with("## Staffing scenarios\n"));
    let table: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    // Header, separator, then one line per scenario.
    assert_eq!(table.len(), 2 + rows.len(), "{md}");
    let ncols = headings((300.0, 500.0), 0.1).len();
    for l in &table {
        assert_eq!(l.matches(" |").count(), ncols, "{l}");
    }
    for (l, r) in table[2..].iter().zip(&rows) {
        assert!(l.starts_with(&format!("| {} |", r.label)), "{l}");
        assert!(l.contains(&int(r.full_scope_grids as f64)), "{l}");
    }
    assert!(md.contains("In band 300–500") && md.contains("Within ±10 %"));
    assert!(md.contains("96.4 %"), "shares in percent: {md}");
    assert!(md.contains("Grid workers") && md.contains("Micro-grid leaders"));
    // A pipe in a label does not add a column.
    let md = markdown(&[bare("a|b", 5)], (300.0, 500.0), 0.1);
    let line = md.lines().filter(|l| l.starts_with('|')).nth(2).unwrap();
    assert_eq!(line.matches(" |").count(), ncols);
    assert!(line.contains("a\\|b"));
    assert!(line.contains(NA), "None shown as a dash: {line}");
}

#[test]
fn svg_is_xml_with_one_bar_and_count_per_scenario() {
    let rows = five();
    let svg = svg_chart(&rows);
    let names = xml_check(&svg).unwrap();
    assert_eq!(names[0], "svg");
    assert_eq!(svg.matches("<svg").count(), 1);
    assert_eq!(svg.matches("</svg>").count(), 1);
    assert_eq!(svg.matches("<rect").count(), rows.len());
    assert_eq!(svg.matches("<rect class=\"bar\"").count(), rows.len());
    for r in &rows {
        let count = format!(">{}</text>", int(r.full_scope_grids as f64));
        assert!(svg.contains(&count), "{count}");
        assert!(svg.contains(&format!(">{}</text>", r.label)));
    }
    assert!(!svg.contains("<script") && !svg.contains("@font-face") && !svg.contains("url("));
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    // With moved households, the second line is the moved share.
    assert!(svg.contains("Households moved"));
    assert_eq!(svg_chart(&rows), svg, "deterministic");
}

#[test]
fn svg_bars_fit_the_plot_and_scale_with_counts() {
    let rows = five();
    let svg = svg_chart(&rows);
    let bars: Vec<(f64, f64)> = svg
        .match_indices("<rect class=\"bar\"")
        .map(|(i, _)| {
            let t = &svg[i..i + svg[i..].find('>').unwrap()];
            (attr(t, "y").unwrap(), attr(t, "height").unwrap())
        })
        .collect();
    assert_eq!(bars.len(), rows.len());
    for &(y, h) in &bars {
        assert!(y >= MT - 1e-9 && y + h <= MT + PH + 1e-9, "y {y} h {h}");
        assert!(h > 0.0);
    }
    let tallest = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    // The axis top is a round number above the largest count, so the
    // tallest bar fills most of the plot but never overflows it.
    assert!(tallest > PH * 0.5 && tallest <= PH, "{tallest}");
    // Heights are proportional to the counts (to 0.01 rounding).
    let per = bars[0].1 / rows[0].full_scope_grids as f64;
    for (b, r) in bars.iter().zip(&rows) {
        assert!((b.1 - per * r.full_scope_grids as f64).abs() < 0.02);
    }
}

#[test]
fn svg_edge_cases_zero_grids_one_row_all_none_and_empty() {
    for rows in [
        vec![bare("grids 0", 0)],
        vec![bare("only", 7)],
        vec![bare("z1", 0), bare("z2", 0)],
        Vec::new(),
        (0..30)
            .map(|i| bare(&format!("target {}", 200 + i * 10), i * 40))
            .collect(),
    ] {
        let svg = svg_chart(&rows);
        xml_check(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), rows.len());
        for r in &rows {
            assert!(svg.contains(&format!(">{}</text>", int(r.full_scope_grids as f64))));
        }
        // Without moved households, the second line is the band share.
        assert!(svg.contains("Grids in the norm band"));
        let _ = markdown(&rows, (f64::NAN, 500.0), f64::INFINITY);
        xml_check(&html_section(&rows, (300.0, 500.0), 0.1)).unwrap();
        csv(&rows).unwrap();
    }
    // A zero bar has zero height at the axis.
    let svg = svg_chart(&[bare("grids 0", 0)]);
    let i = svg.find("<rect class=\"bar\"").unwrap();
    let t = &svg[i..i + svg[i..].find('>').unwrap()];
    assert_eq!(attr(t, "height"), Some(0.0));
    assert_eq!(attr(t, "y"), Some(MT + PH));
}

#[test]
fn svg_escapes_text_and_breaks_lines_at_gaps() {
    let mut rows = vec![row("a<b & \"c\"", 10), row("x", 20), row("y", 30)];
    rows[1].households_moved = None;
    let svg = svg_chart_with(&rows, (300.0, 500.0), 0.1);
    xml_check(&svg).unwrap();
    assert!(svg.contains("a&lt;b &amp; &quot;c&quot;"));
    assert!(svg.contains("Within ±10 % of village mean"));
    // The moved line restarts after the missing middle value.
    let moved_path = svg
        .lines()
        .find(|l| {
            l.starts_with("<path d=\"M") && l.contains("stroke-dasharray") && !l.contains("h20")
        })
        .unwrap();
    assert_eq!(moved_path.matches('M').count(), 2, "{moved_path}");
    assert!(!moved_path.contains(" L"), "{moved_path}");
}

#[test]
fn html_section_escapes_labels() {
    let rows = vec![row("target <400> & more", 1250), bare("grids 1497", 1497)];
    let html = html_section(&rows, (300.0, 500.0), 0.1);
    xml_check(&html).unwrap_or_else(|e| panic!("{e}\n{html}"));
    assert!(html.starts_with("<section"));
    assert!(html.contains("<h2>Staffing scenarios</h2>"));
    assert!(html.contains("target &lt;400&gt; &amp; more"));
    assert!(!html.contains("<400>"));
    assert_eq!(html.matches("<svg").count(), 1);
    assert_eq!(html.matches("<tbody>").count(), 1);
    assert_eq!(html.matches("<tr>").count(), 1 + rows.len());
    assert!(html.contains("data-v=\"1250\""));
    assert!(html.contains("12,345 (2.5 %)"), "moved with share");
}

#[test]
#[expect(
    clippy::float_cmp,
    reason = "round steps are exact, compared bit for bit"
)]
fn percentages_never_round_to_the_ends() {
    assert_eq!(pct(Some(0.99999)), "99.9 %");
    assert_eq!(pct(Some(1.0)), "100.0 %");
    assert_eq!(pct(Some(0.00001)), "< 0.1 %");
    assert_eq!(pct(Some(0.0)), "0.0 %");
    assert_eq!(pct(Some(-0.0)), "0.0 %");
    assert_eq!(pct(None), NA);
    assert_eq!(nice_step(0.0), 1.0);
    assert_eq!(nice_step(333.4), 500.0);
    assert_eq!(nice_step(0.2).max(1.0), 1.0);
}
