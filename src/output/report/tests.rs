//! Tests of the whole page; the fixtures are in `fixtures`.

use std::collections::BTreeMap;

use super::colours::colour_distance;
use super::fixtures::{
    crossing_report, empty_report, ground, moves_links, moves_report, old_outlines, page,
    page_with, report, sample, shape, square, transition_report,
};
use super::summary::ceiling_percent;
use super::{ReportInput, ShapeKind, render};
use crate::engine::rng::Rng;
use crate::pipeline::Report;

#[test]
fn escapes_all_text() {
    let mut shapes = sample();
    shapes[1].code = "<script>alert(1)</script>".into();
    shapes[1].village = "\"onmouseover=x".into();
    let m = report();
    let html = render(&ReportInput {
        title: "<b>T&T</b>",
        shapes: &shapes,
        report: &m,
        band: (300.0, 500.0),
        grid_loads: &[300.0],
        links: None,
    });
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<b>T&T</b>"));
    assert!(html.contains("&lt;b&gt;T&amp;T&lt;/b&gt;"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("data-v=\"&quot;onmouseover=x\""));
    // The shortfall's reason is escaped too.
    assert!(html.contains("a building of 220 &lt;households&gt;"));
    // Exactly one script element: ours.
    assert_eq!(html.matches("<script").count(), 1);
}

#[test]
fn same_input_gives_identical_html() {
    let shapes = sample();
    let m = report();
    let loads = [310.0, 290.0, 305.0, 420.0, 515.0];
    let a = page(&shapes, &m, &loads);
    let b = page(&shapes.clone(), &m.clone(), &loads);
    assert_eq!(a, b);
    // Colours depend on codes, not on the order of the shapes.
    let mut rev = shapes.clone();
    rev.reverse();
    let c = page(&rev, &m, &loads);
    let fills = |h: &str| {
        let mut v: Vec<String> = h
            .lines()
            .filter(|l| l.starts_with("<path class=\"grid\""))
            .map(|l| {
                let code = l
                    .split("data-code=\"")
                    .nth(1)
                    .unwrap_or("")
                    .split('"')
                    .next()
                    .unwrap_or("")
                    .to_string();
                let fill = l
                    .split(" fill=\"")
                    .nth(1)
                    .unwrap_or("")
                    .split('"')
                    .next()
                    .unwrap_or("")
                    .to_string();
                format!("{code}={fill}")
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(fills(&a), fills(&c));
}

#[test]
fn one_path_per_grid_shape_and_micro_shape() {
    let mut shapes = sample();
    // A grid with no usable ring still gets its element.
    shapes.push(shape(
        "330381101002004",
        ShapeKind::Grid,
        "330381101002",
        vec![vec![[f64::NAN, 1.0]]],
    ));
    let html = page(&shapes, &report(), &[]);
    let grids = shapes
        .iter()
        .filter(|s| matches!(s.kind, ShapeKind::Grid | ShapeKind::DedicatedGrid))
        .count();
    assert_eq!(grids, 7);
    assert_eq!(html.matches("<path class=\"grid\"").count(), grids);
    assert_eq!(html.matches("<path class=\"micro\"").count(), 12);
    assert_eq!(html.matches("<path class=\"village\"").count(), 2);
    assert_eq!(html.matches("data-t=\"d\"").count(), 1);
    // Full-scope grids get a fill colour, dedicated ones the hatch.
    let filled = html
        .lines()
        .filter(|l| l.starts_with("<path class=\"grid\"") && l.contains(" fill=\"#"))
        .count();
    assert_eq!(filled, 6);
    // Labels: grid codes in full, micro-grids by their 2-digit sequence.
    assert!(html.contains(">330381101001002</text>"));
    assert!(html.contains(">02</text>"));
    // No network: nothing is fetched.
    for bad in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
        assert!(!html.contains(bad), "{bad}");
    }
}

#[test]
fn missing_values_are_dashes() {
    let shapes = sample();
    // Without run parameters (`gridplan metrics`), the band, tolerance and
    // seed come from the metrics; non-finite numbers and a missing SSE
    // ratio are dashes.
    let mut m = report();
    m.params = None;
    m.metrics.params.tolerance = f64::NAN;
    m.metrics.county.population = f64::NAN;
    m.metrics.county.balance.max_dev = f64::INFINITY;
    m.metrics.villages[0].max_dev = f64::NAN;
    let html = page(&shapes, &m, &[f64::INFINITY]);
    assert!(html.contains("County summary"));
    assert!(html.contains("band 300–500 · tolerance ±– · seed 1</p>"));
    assert!(!html.contains("target 367"));
    assert!(html.contains("<tr><th>Population</th><td>–</td></tr>"));
    assert!(html.contains("<tr><th>Max deviation from village mean</th><td>–</td></tr>"));
    assert!(html.contains("<td class=\"n\">–</td>"));
    assert!(html.ends_with("</html>\n"));
    // Empty input altogether.
    let html = render(&ReportInput {
        title: "",
        shapes: &[],
        report: &empty_report(),
        band: (f64::NAN, f64::NAN),
        grid_loads: &[],
        links: None,
    });
    assert!(html.contains("No polygons to draw."));
    assert!(html.contains("No grid loads."));
    assert!(html.contains("<td>– (0 villages, 0 skipped)</td>"));
    assert_eq!(html.matches("<path class=\"grid\"").count(), 0);
}

#[test]
fn tables_show_villages_lists_and_parameters() {
    let html = page(&sample(), &report(), &[300.0]);
    // Title line: county code and the parameters.
    assert!(html.contains("County <b>330381</b>"));
    assert!(html.contains("target 367"));
    assert!(html.contains("band 300–500"));
    assert!(html.contains("tolerance ±10 %"));
    // Village rows, the second one flagged (25 % > 10 %) and its SSE ratio missing.
    assert_eq!(html.matches("data-goto=\"").count(), 2);
    assert_eq!(html.matches("<tr class=\"bad\">").count(), 1);
    assert!(html.contains("<td class=\"n\" data-v=\"0.25\">25.0 %</td>"));
    assert!(html.contains("<td class=\"n\">–</td>"));
    assert!(html.contains("330381101009"));
    assert!(html.contains("Z9"));
}

#[test]
fn neighbouring_grids_get_distinct_colours() {
    // A 10×10 block of touching grids.
    let mut shapes = Vec::new();
    for i in 0..10 {
        for j in 0..10 {
            let c = format!("v{:03}", i * 10 + j);
            shapes.push(shape(
                &c,
                ShapeKind::Grid,
                "v",
                square(
                    120.0 + f64::from(j) * 0.01,
                    28.0 + f64::from(i) * 0.01,
                    0.01,
                ),
            ));
        }
    }
    let html = page(&shapes, &empty_report(), &[]);
    let mut fill: BTreeMap<String, [u8; 3]> = BTreeMap::new();
    for l in html
        .lines()
        .filter(|l| l.starts_with("<path class=\"grid\""))
    {
        let code = l
            .split("data-code=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("");
        let hex = l
            .split(" fill=\"#")
            .nth(1)
            .and_then(|s| s.get(..6))
            .unwrap_or("000000");
        let v = u32::from_str_radix(hex, 16).unwrap_or(0);
        fill.insert(code.to_string(), [(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    }
    assert_eq!(fill.len(), 100);
    let mut worst = f64::INFINITY;
    for i in 0..10 {
        for j in 0..10 {
            let a = fill[&format!("v{:03}", i * 10 + j)];
            for (di, dj) in [(0, 1), (1, 0), (1, 1)] {
                if i + di < 10 && j + dj < 10 {
                    let b = fill[&format!("v{:03}", (i + di) * 10 + j + dj)];
                    worst = worst.min(colour_distance(a, b));
                }
            }
        }
    }
    assert!(worst >= 100.0, "closest neighbours differ by only {worst}");
}

#[test]
fn full_county_report_stays_small() {
    // 1,500 grids of 30 vertices, 10,000 micro-grids of 10 and 510
    // villages of 60: about 175,000 ring vertices.
    let mut rng = Rng::new(7);
    let mut shapes = Vec::new();
    let ring = |rng: &mut Rng, cx: f64, cy: f64, r: f64, n: usize| -> Vec<Vec<[f64; 2]>> {
        let pts = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                let rr = r * (0.8 + 0.4 * rng.f64());
                [cx + rr * a.cos(), cy + rr * a.sin()]
            })
            .collect();
        vec![pts]
    };
    for v in 0..510 {
        let (cx, cy) = (
            120.0 + f64::from(v % 23) * 0.02,
            28.0 + f64::from(v / 23) * 0.02,
        );
        let vc = format!("330381{:03}{:03}", v / 30 + 100, v % 30 + 1);
        shapes.push(shape(
            &vc,
            ShapeKind::Village,
            &vc,
            ring(&mut rng, cx, cy, 0.01, 60),
        ));
        let ng = if v < 480 { 3 } else { 2 };
        for g in 0..ng {
            let gc = format!("{vc}{:03}", g + 1);
            let gx = cx + (f64::from(g) - 1.0) * 0.006;
            shapes.push(shape(
                &gc,
                ShapeKind::Grid,
                &vc,
                ring(&mut rng, gx, cy, 0.003, 30),
            ));
            let nm = if (v * 3 + g) % 3 == 0 { 6 } else { 7 };
            for m in 0..nm {
                let mc = format!("{gc}{:02}", m + 1);
                let mx = gx + (f64::from(m) - 3.0) * 0.0008;
                shapes.push(shape(
                    &mc,
                    ShapeKind::MicroGrid,
                    &vc,
                    ring(&mut rng, mx, cy, 0.0009, 10),
                ));
            }
        }
    }
    let grids = shapes.iter().filter(|s| s.kind == ShapeKind::Grid).count();
    let micros = shapes
        .iter()
        .filter(|s| s.kind == ShapeKind::MicroGrid)
        .count();
    let vertices: usize = shapes.iter().flat_map(|s| &s.rings).map(Vec::len).sum();
    assert!((1_400..=1_600).contains(&grids) && micros >= 9_500 && vertices >= 150_000);
    let loads: Vec<f64> = (0..grids).map(|i| 300.0 + (i % 200) as f64).collect();
    let html = page(&shapes, &empty_report(), &loads);
    eprintln!(
        "full-county report: {grids} grids, {micros} micro-grids, {vertices} vertices -> {} bytes",
        html.len()
    );
    assert!(html.len() < 15_000_000, "{} bytes", html.len());
    assert_eq!(html.matches("<path class=\"grid\"").count(), grids);
    assert_eq!(html.matches("<path class=\"micro\"").count(), micros);
}

#[test]
fn transition_section_only_with_a_transition() {
    let shapes = sample();
    let html = page(&shapes, &report(), &[]);
    assert!(!html.contains("Transition from the current plan"));
    assert!(!html.contains("<details"));

    let html = page(&shapes, &transition_report(), &[]);
    assert_eq!(
        html.matches("<h2>Transition from the current plan</h2>")
            .count(),
        1
    );
    assert!(html.contains(
        "Old grids: 1 kept, 1 split, 2 merged, 1 dissolved (of 5). \
         Households moved: 60 of 1,000 (6.0 %); lineage kept 94.0 %; \
         260 not in their old grid&#39;s successor. Clean grids: 1 of 4 (25.0 %)."
    ));
    // Old grids: one row each, in a collapsed table; the dissolved one
    // is flagged and its code escaped.
    let old = html
        .split("<details id=\"t-old\">")
        .nth(1)
        .and_then(|s| s.split("</details>").next())
        .unwrap_or("");
    assert!(old.contains("<summary>Old grids (5): fate and successors</summary>"));
    assert_eq!(
        old.matches("<tr><td>").count() + old.matches("<tr class=").count(),
        5
    );
    assert_eq!(old.matches("<tr class=\"warn\">").count(), 1);
    assert!(old.contains("split into X (210), Y (190)"));
    assert!(old.contains("merged with C (148), D&lt;1&gt; (28) into Z"));
    assert!(old.contains("merged with B (200), D&lt;1&gt; (28) into Z; also to Y (2)"));
    assert!(old.contains("dissolved into X (32), Y (30), Z (28)"));
    assert!(old.contains("kept as W</td>"));
    assert!(!html.contains("D<1>"));
    // New grids not clean: three of four.
    let new = html
        .split("<details id=\"t-new\">")
        .nth(1)
        .and_then(|s| s.split("</details>").next())
        .unwrap_or("");
    assert!(new.contains("New grids not clean (3 of 4)"));
    assert_eq!(new.matches("<tr><td>").count(), 3);
    assert!(new.contains("<td>A</td><td>A (190), D&lt;1&gt; (30), C (2)</td>"));
    // Still deterministic and still one script.
    assert_eq!(html, page(&shapes, &transition_report(), &[]));
    assert_eq!(html.matches("<script").count(), 1);
}

/// The `<g id="…">` group of `html`, `None` when absent.
fn group<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let start = html.find(&format!("<g id=\"{id}\">"))?;
    let rest = &html[start..];
    Some(&rest[..rest.find("</g>")?])
}

#[test]
fn barriers_and_compounds_are_drawn_styled_apart() {
    let mut shapes = sample();
    let plain = page(&shapes, &report(), &[300.0]);
    shapes.extend(ground());
    let html = page(&shapes, &report(), &[300.0]);
    // Without a ground there are no groups and no legend entries.
    assert!(group(&plain, "barriers").is_none());
    assert!(group(&plain, "compounds").is_none());
    assert!(!plain.contains("class=\"ln b"));
    // Each barrier is one open line in the barriers group, soft ones first
    // (drawn under the hard ones), each with its kind and name.
    let b = group(&html, "barriers").unwrap();
    let paths: Vec<&str> = b.lines().filter(|l| l.starts_with("<path")).collect();
    assert_eq!(paths.len(), 3, "{b}");
    assert!(
        paths[0]
            .starts_with("<path class=\"barrier soft\" data-code=\"Lane 3\" data-k=\"secondary\"")
    );
    assert!(
        paths[1].starts_with(
            "<path class=\"barrier hard water\" data-code=\"Ou River\" data-k=\"river\""
        )
    );
    assert!(paths[2].starts_with("<path class=\"barrier hard\" data-code=\"\" data-k=\"railway\""));
    assert!(
        paths.iter().all(|p| !p.contains('z')),
        "lines are not closed: {b}"
    );
    // The river keeps its three vertices, out to 101 km east of the
    // county's centre.
    assert!(
        paths[1].ends_with(" d=\"M-2945 0l2945-111 101120 111\"/>"),
        "{}",
        paths[1]
    );
    // Styles: thick dark blue on water, thick dark grey, thin grey, dashed.
    assert!(html.contains("path.barrier.hard.water{stroke:#1a4f9c;stroke-width:3.5px}"));
    assert!(html.contains("path.barrier.hard{stroke:#3a3f44;stroke-width:3px}"));
    assert!(html.contains("path.barrier.soft{stroke:#8f959b;stroke-width:1px}"));
    assert!(html.contains(
        "path.compound{fill:none;stroke:#a0286e;stroke-width:1.5px;stroke-dasharray:6 3"
    ));
    // The compound is one dashed outline with its code and escaped name.
    let c = group(&html, "compounds").unwrap();
    assert_eq!(c.matches("<path class=\"compound\"").count(), 1);
    assert!(c.contains("data-code=\"C1\" data-n=\"Garden &lt;A&amp;B&gt;\""));
    assert!(!html.contains("Garden <A&B>"));
    // Layers: grids, micro-grids, compounds, barriers, then village borders.
    let at = |id: &str| html.find(&format!("<g id=\"{id}\">")).unwrap();
    assert!(at("grids") < at("micros"));
    assert!(at("micros") < at("compounds"));
    assert!(at("compounds") < at("barriers"));
    assert!(at("barriers") < at("villages"));
    // The legend counts them.
    assert!(html.contains("<i class=\"ln bw\"></i>hard barrier, water (1)"));
    assert!(html.contains("<i class=\"ln bh\"></i>hard barrier, railway or road (1)"));
    assert!(html.contains("<i class=\"ln bs\"></i>soft barrier (1)"));
    assert!(html.contains("<i class=\"ln c\"></i>compound (1)"));
    // The river runs 1° beyond the county but the map frame, the grids and
    // the labels are those of the page without it; the ground gets no label.
    let view = |h: &str| {
        h.split("viewBox=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(view(&html), view(&plain));
    assert_eq!(group(&html, "grids"), group(&plain, "grids"));
    for id in ["lbl-v", "lbl-g", "lbl-m"] {
        assert_eq!(group(&html, id), group(&plain, id), "{id}");
    }
    // Deterministic.
    assert_eq!(html, page(&shapes, &report(), &[300.0]));
}

#[test]
fn forced_crossings_are_listed() {
    let none = page(&sample(), &report(), &[300.0]);
    let title = "<h2>Forced crossings of hard barriers</h2>\n";
    assert!(none.contains(&format!("{title}<p class=\"ok\">None.</p>")));
    let html = page(&sample(), &crossing_report(), &[300.0]);
    let list = html.split(title).nth(1).unwrap();
    let list = &list[..list.find("</table>").unwrap()];
    assert!(
        list.contains(
            "<tr><td>330381101001002</td><td>330381101001</td><td>river</td><td>Ou River</td>\
         <td class=\"n\">412</td><td>north bank holds 40 &lt; 300 households</td></tr>"
        ),
        "{list}"
    );
    assert_eq!(list.matches("<tr>").count(), 2, "heading and one crossing");
}

/// The text between `start` and the next `end` after it, "" when absent.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    html.split(start)
        .nth(1)
        .and_then(|s| s.split(end).next())
        .unwrap_or("")
}

#[test]
fn ceilings_only_with_a_current_plan() {
    let shapes = sample();
    // No current plan: no stability, no ceiling, no "What moves".
    let html = page(&shapes, &report(), &[]);
    assert!(!html.contains("No plan with"));
    assert!(!html.contains("ceiling"));
    assert!(!html.contains("What moves"));
    assert!(!html.contains("id=\"moves\""));

    let html = page_with(&shapes, &moves_report(), None);
    assert!(html.contains(
        "<p class=\"note\" id=\"ceiling\">No plan with these grid counts and this balance keeps \
         more than 95.7 % of households in lineage; this plan keeps 94.0 %. No such plan has more \
         than 50.0 % of its grids clean (2 of 4); this plan has 25.0 %."
    ));
    assert!(html.contains("<tr><th>Lineage kept</th><td>94.0 % · ceiling 95.7 %</td></tr>"));
    assert!(
        html.contains("<tr><th>Clean grids</th><td>25.0 % (1/4) · ceiling 50.0 % (2)</td></tr>")
    );

    // Ceilings not filled in (below what the plan achieved): no sentence.
    let mut r = moves_report();
    if let Some(s) = &mut r.metrics.stability {
        (s.lineage_ceiling_households, s.clean_ceiling_grids) = (0, 0);
    }
    let html = page_with(&shapes, &r, None);
    assert!(!html.contains("No plan with"));
    assert!(html.contains("<tr><th>Lineage kept</th><td>94.0 %</td></tr>"));
}

#[test]
fn ceiling_percent_rounds_up_and_matches_an_equal_achievement() {
    // 1 of 3 is 33.33 %: a bound is shown as 33.4 %, never 33.3 %.
    assert_eq!(ceiling_percent(1, 3, 0), "33.4 %");
    assert_eq!(ceiling_percent(957, 1000, 940), "95.7 %");
    assert_eq!(ceiling_percent(999, 1000, 0), "99.9 %");
    assert_eq!(ceiling_percent(1000, 1000, 999), "100.0 %");
    // At the ceiling, the same figure as the achievement: 2/3 = 66.7 %.
    assert_eq!(ceiling_percent(2, 3, 2), "66.7 %");
    assert_eq!(ceiling_percent(0, 0, 0), "100.0 %");
}

/// The households of the transition's links that are neither the old
/// grid's successor nor the new grid's predecessor, counted from the
/// fixture's transition alone.
fn moved_in_transition(r: &Report) -> u64 {
    let Some(t) = &r.metrics.transition else {
        return 0;
    };
    let pred: BTreeMap<&str, &str> = t
        .new
        .iter()
        .map(|n| (n.code.as_str(), n.predecessor.as_str()))
        .collect();
    t.old
        .iter()
        .flat_map(|o| o.to.iter().map(move |s| (o, s)))
        .filter(|(o, s)| {
            s.grid != o.successor && pred.get(s.grid.as_str()) != Some(&o.code.as_str())
        })
        .map(|(_, s)| s.households)
        .sum()
}

#[test]
fn moves_layer_holds_exactly_the_households_that_move() {
    let r = moves_report();
    let mut shapes = sample();
    shapes.extend(old_outlines());
    let links = moves_links();
    let html = page_with(&shapes, &r, Some(&links));
    let expected = moved_in_transition(&r);
    assert_eq!(expected, 60);
    // Hidden at first, switched from the legend.
    assert_eq!(html.matches("<g id=\"moves\" display=\"none\">").count(), 1);
    assert!(html.contains(
        "<input type=\"checkbox\" data-layer=\"moves\"><i class=\"dot\"></i>what moves: 60 households at 2 points"
    ));
    let layer = between(&html, "<g id=\"moves\" display=\"none\">", "</g>");
    let dots: Vec<&str> = layer
        .lines()
        .filter(|l| l.starts_with("<path class=\"mv "))
        .collect();
    let data_h = |l: &str| -> u64 { between(l, "data-h=\"", "\"").parse().unwrap_or(0) };
    assert_eq!(dots.iter().map(|l| data_h(l)).sum::<u64>(), expected);
    // Two buildings on one point make one dot; kept links are not drawn.
    assert_eq!(dots.len(), 2);
    assert!(dots.iter().any(|l| {
        l.contains("data-h=\"32\" data-m=\"D&lt;1&gt; → Y: 30&#10;&lt;G&amp;2&gt; → Y: 2\"")
    }));
    assert!(
        dots.iter()
            .any(|l| l.contains("data-h=\"28\" data-m=\"D&lt;1&gt; → Z: 28\""))
    );
    for kept in ["→ X", "→ W", "A →", "老城1组 →"] {
        assert!(!layer.contains(kept), "{kept}");
    }
    // The outlines of the old grids that lose households in each village,
    // dashed, with their codes escaped; A and B lose none, nor does C in
    // the second village.
    let olds: Vec<&str> = layer
        .lines()
        .filter(|l| l.starts_with("<path class=\"old\""))
        .collect();
    assert_eq!(olds.len(), 3);
    assert_eq!(
        olds.iter()
            .filter(|l| l.contains("data-code=\"D&lt;1&gt;\""))
            .count(),
        2
    );
    assert!(
        olds.iter()
            .any(|l| l.contains("data-code=\"&lt;G&amp;2&gt;\""))
    );
    assert!(
        html.contains("path.old{fill:none;stroke:#0d3b66;stroke-width:2.2px;stroke-dasharray:8 4")
    );
    assert!(
        html.contains(
            "<div class=\"sub\"><i class=\"ln o\"></i>old grid losing households (3)</div>"
        )
    );
    // Still one grid path per grid, deterministic, one script.
    assert_eq!(html.matches("<path class=\"grid\"").count(), 6);
    assert_eq!(html, page_with(&shapes, &r, Some(&links)));
    assert_eq!(html.matches("<script").count(), 1);
}

#[test]
fn moves_table_lists_old_to_new_grids_village_by_village() {
    let r = moves_report();
    let html = page_with(&sample(), &r, None);
    let table = between(&html, "<h2>What moves, village by village</h2>", "<h2>");
    assert!(table.contains("60 households in 2 villages change grid worker"));
    // Most households moving first.
    let first = table
        .find("<summary>330381101001 · 32 moving")
        .unwrap_or(usize::MAX);
    let second = table.find("<summary>330381101002 · 28 moving").unwrap_or(0);
    assert!(first < second, "{first} {second}");
    let v1 = between(table, "<summary>330381101001", "</details>");
    assert!(v1.starts_with(" · 32 moving · lineage kept 93.1 % (ceiling 97.0 %)</summary>"));
    assert!(v1.contains("data-goto=\"330381101001\" data-show=\"moves\""));
    // Old → new with households, largest loss first; codes escaped.
    let rows: Vec<&str> = v1.lines().filter(|l| l.starts_with("<tr><td>")).collect();
    assert_eq!(
        rows,
        [
            "<tr><td>D&lt;1&gt;</td><td class=\"n\">30</td><td>Y (30)</td><td>X (32)</td></tr>",
            "<tr><td>&lt;G&amp;2&gt;</td><td class=\"n\">2</td><td>Y (2)</td><td>–</td></tr>",
        ]
    );
    let v2 = between(table, "<summary>330381101002", "</details>");
    assert!(v2.starts_with(" · 28 moving · lineage kept 94.8 % (ceiling 94.8 %)</summary>"));
    let rows: Vec<&str> = v2.lines().filter(|l| l.starts_with("<tr><td>")).collect();
    assert_eq!(
        rows,
        ["<tr><td>D&lt;1&gt;</td><td class=\"n\">28</td><td>Z (28)</td><td>–</td></tr>"]
    );
    // No raw code anywhere on the page; the free label shows as written.
    assert!(!html.contains("<G&2>") && !html.contains("D<1>"));
    assert!(html.contains("老城1组"));
}

#[test]
fn moves_table_says_so_when_nothing_moves() {
    let mut r = moves_report();
    // Every household kept: each old grid goes whole to its successor.
    if let Some(t) = &mut r.metrics.transition {
        for o in &mut t.old {
            o.to.retain(|s| s.grid == o.successor);
        }
    }
    let html = page_with(&sample(), &r, Some(&moves_links()));
    assert!(html.contains(
        "<h2>What moves, village by village</h2>\n<p class=\"ok\">No household changes grid worker.</p>"
    ));
}

#[test]
fn village_table_shows_counts_by_target_and_lineage_when_reallocating() {
    // Without a current plan: no such columns.
    let html = page(&sample(), &report(), &[300.0]);
    assert!(!html.contains("k by target"));
    // With one: the count --target alone gives, lineage kept and ceiling.
    let mut r = moves_report();
    r.metrics.villages[0].k_by_target = Some(3);
    let html = page(&sample(), &r, &[300.0]);
    let table = between(&html, "id=\"vtable\"", "</table>");
    assert!(table.contains("<th class=\"n\">k by target</th>"));
    assert!(table.contains("<td class=\"n\" data-v=\"3\">3</td>"));
    // 432 of 464 kept (93.1 %), ceiling 450 (97.0 %).
    assert!(table.contains(">93.1 %</td>") && table.contains(">97.0 %</td>"));
}
