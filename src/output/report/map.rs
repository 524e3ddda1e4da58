//! The map section: grid fills, micro-grid borders, compound outlines,
//! barrier lines, village borders, the "What moves" layer when
//! re-allocating ([`super::moves_map`]), labels, the zoom buttons and the
//! legend (steps 1-4 of the module docs). The legend is also the layer
//! switch: each layer but the grids has a checkbox, and "What moves"
//! starts off.

use std::collections::{BTreeMap, BTreeSet};

use super::colours::grid_colours;
use super::frame::{Frame, Projected, union};
use super::moves::VillageMoves;
use super::moves_map::{MovesDrawn, moves_layer};
use super::{MapShape, ReportInput, ShapeKind};
use crate::metrics::Metrics;
use crate::output::html::{count, decimals, esc, finite, int, short, w};

/// A label to place.
struct Label {
    text: String,
    xy: [f64; 2],
    size: f64,
}

/// The labels of villages, grids and micro-grids (in that order, the order
/// of their layers), one per code.
type Labels<'a> = [BTreeMap<&'a str, Label>; 3];

/// The shapes with their projections, in input order.
struct Drawn<'a> {
    shapes: &'a [MapShape],
    projected: Vec<Projected>,
}

impl<'a> Drawn<'a> {
    fn iter(&self) -> impl Iterator<Item = (&'a MapShape, &Projected)> {
        self.shapes.iter().zip(&self.projected)
    }
}

/// Is it drawn in the grid layer?
fn is_grid(k: ShapeKind) -> bool {
    matches!(k, ShapeKind::Grid | ShapeKind::DedicatedGrid)
}

/// The map `<section>`; `moves` when re-allocating.
pub(super) fn map(out: &mut String, input: &ReportInput, moves: Option<&[VillageMoves]>) {
    let frame = Frame::new(input.shapes);
    let drawn = Drawn {
        shapes: input.shapes,
        projected: input
            .shapes
            .iter()
            .map(|s| Projected::new(s, &frame))
            .collect(),
    };
    let bounds = drawn
        .iter()
        .filter(|(s, _)| !s.kind.is_line())
        .filter_map(|(_, p)| p.bbox())
        .reduce(union);
    let (grid_codes, colours) = colour_grids(&drawn);
    let targets = village_targets(&input.report.metrics);
    let labels = place_labels(&drawn, &grid_codes);
    let mut grid_sizes: Vec<f64> = labels[1].values().map(|l| l.size).collect();
    grid_sizes.sort_by(f64::total_cmp);
    let grid_median = grid_sizes.get(grid_sizes.len() / 2).copied().unwrap_or(0.0);

    out.push_str("<section id=\"mapbox\">\n");
    w!(
        out,
        "<svg id=\"map\" viewBox=\"{}\" preserveAspectRatio=\"xMidYMid meet\" data-gmed=\"{}\" \
         data-lon0=\"{:.6}\" data-lat0=\"{:.6}\" role=\"img\" aria-label=\"Map of grids and micro-grids\">\n",
        view_box(bounds),
        short(grid_median.round()),
        frame.lon0,
        frame.lat0
    );
    out.push_str(
        "<defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"8\" \
         patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#ece6f5\"/>\
         <rect width=\"3\" height=\"8\" fill=\"#8a6bb8\"/></pattern></defs>\n<g id=\"vp\">\n",
    );
    // Layers bottom-up: grid fills, micro-grid borders, compound outlines,
    // barrier lines, village borders, what moves.
    grid_layer(out, &drawn, &colours, &targets);
    border_layers(out, &drawn);
    let moved = moves.map(|m| {
        let old = drawn.iter().filter(|(s, _)| s.kind == ShapeKind::OldGrid);
        moves_layer(out, old, &frame, (m, input))
    });
    label_layers(out, &labels);
    out.push_str("</g>\n</svg>\n");
    controls_and_legend(out, input.shapes, moved.as_ref(), bounds.is_none());
    out.push_str("</section>\n");
}

/// The grid codes on the map and their colours (step 3), from the bounding
/// box of each code's shapes.
fn colour_grids<'a>(drawn: &Drawn<'a>) -> (BTreeSet<&'a str>, BTreeMap<String, [u8; 3]>) {
    let mut grid_codes: BTreeSet<&str> = BTreeSet::new();
    let mut boxes: BTreeMap<&str, [i64; 4]> = BTreeMap::new();
    for (s, p) in drawn.iter().filter(|(s, _)| is_grid(s.kind)) {
        grid_codes.insert(&s.code);
        if let Some(b) = p.bbox() {
            boxes
                .entry(&s.code)
                .and_modify(|a| *a = union(*a, b))
                .or_insert(b);
        }
    }
    let colours = grid_colours(&boxes, &grid_codes);
    (grid_codes, colours)
}

/// Village means, for the deviation shown on hover.
fn village_targets(m: &Metrics) -> BTreeMap<&str, f64> {
    m.villages
        .iter()
        .filter_map(|v| Some((v.code.as_str(), finite(v.target)?)))
        .collect()
}

/// Labels: one per (kind, code), on the largest shape with that code (step 4).
fn place_labels<'a>(drawn: &Drawn<'a>, grid_codes: &BTreeSet<&str>) -> Labels<'a> {
    let mut labels: Labels = [BTreeMap::new(), BTreeMap::new(), BTreeMap::new()];
    for (s, p) in drawn.iter() {
        let slot = match s.kind {
            ShapeKind::Village => 0,
            ShapeKind::Grid | ShapeKind::DedicatedGrid => 1,
            ShapeKind::MicroGrid => 2,
            ShapeKind::Compound
            | ShapeKind::OldGrid
            | ShapeKind::WaterBarrier
            | ShapeKind::HardBarrier
            | ShapeKind::SoftBarrier => continue,
        };
        let Some((area, xy)) = p.label() else {
            continue;
        };
        let size = area.sqrt();
        let text = if s.kind == ShapeKind::MicroGrid {
            micro_label(&s.code, grid_codes)
        } else {
            s.code.clone()
        };
        let better = labels[slot]
            .get(s.code.as_str())
            .is_none_or(|l| size > l.size);
        if better {
            labels[slot].insert(&s.code, Label { text, xy, size });
        }
    }
    labels
}

/// The SVG view box: the map bounds with a 2 % margin (at least 10 m).
fn view_box(bounds: Option<[i64; 4]>) -> String {
    match bounds {
        Some(b) => {
            let w = (b[2] - b[0]).max(1) as f64;
            let h = (b[3] - b[1]).max(1) as f64;
            let pad = (w.max(h) * 0.02).max(10.0).round();
            format!(
                "{} {} {} {}",
                short(b[0] as f64 - pad),
                short(b[1] as f64 - pad),
                short(w + 2.0 * pad),
                short(h + 2.0 * pad)
            )
        }
        None => "0 0 100 100".to_string(),
    }
}

/// One `<path class="grid">` per grid shape: full-scope grids filled with
/// their colour and carrying the deviation from the village mean,
/// dedicated grids hatched.
fn grid_layer(
    out: &mut String,
    drawn: &Drawn,
    colours: &BTreeMap<String, [u8; 3]>,
    targets: &BTreeMap<&str, f64>,
) {
    out.push_str("<g id=\"grids\">\n");
    for (s, p) in drawn.iter().filter(|(s, _)| is_grid(s.kind)) {
        w!(
            out,
            "<path class=\"grid\" data-code=\"{}\" data-v=\"{}\" data-h=\"{}\" data-l=\"{}\"",
            esc(&s.code),
            esc(&s.village),
            s.households,
            decimals(Some(s.load), 1)
        );
        if s.kind == ShapeKind::DedicatedGrid {
            out.push_str(" data-t=\"d\"");
        } else {
            let c = colours.get(&s.code).copied().unwrap_or([200, 200, 200]);
            if let Some(t) = targets.get(s.village.as_str()).filter(|t| **t > 0.0)
                && s.load.is_finite()
            {
                w!(out, " data-d=\"{:+.1} %\"", (s.load / t - 1.0) * 100.0);
            }
            w!(out, " fill=\"#{:02x}{:02x}{:02x}\"", c[0], c[1], c[2]);
        }
        w!(out, " d=\"{}\"/>\n", p.path_d());
    }
    out.push_str("</g>\n");
}

/// The micro-grid borders, compound outlines, barrier lines and village
/// borders, unfilled, in that order. A barrier's path carries its kind
/// (`data-k`) and name (`data-code`); a compound's its code and name
/// (`data-n`). The compound and barrier groups are written only when
/// there is something in them.
fn border_layers(out: &mut String, drawn: &Drawn) {
    let layers: [(&str, &[(ShapeKind, &str)]); 4] = [
        ("micros", &[(ShapeKind::MicroGrid, "micro")]),
        ("compounds", &[(ShapeKind::Compound, "compound")]),
        (
            "barriers",
            &[
                (ShapeKind::SoftBarrier, "barrier soft"),
                (ShapeKind::WaterBarrier, "barrier hard water"),
                (ShapeKind::HardBarrier, "barrier hard"),
            ],
        ),
        ("villages", &[(ShapeKind::Village, "village")]),
    ];
    for (id, kinds) in layers {
        let optional = matches!(id, "compounds" | "barriers");
        if optional
            && !drawn
                .iter()
                .any(|(s, _)| kinds.iter().any(|k| k.0 == s.kind))
        {
            continue;
        }
        w!(out, "<g id=\"{id}\">\n");
        // Soft lines first, so hard ones are drawn over them.
        for (kind, class) in kinds {
            for (s, p) in drawn.iter().filter(|(s, _)| s.kind == *kind) {
                w!(
                    out,
                    "<path class=\"{class}\" data-code=\"{}\"",
                    esc(&s.code)
                );
                match kind {
                    ShapeKind::Compound => w!(out, " data-n=\"{}\"", esc(&s.village)),
                    k if k.is_line() => w!(out, " data-k=\"{}\"", esc(&s.village)),
                    _ => {}
                }
                w!(out, " d=\"{}\"/>\n", p.path_d());
            }
        }
        out.push_str("</g>\n");
    }
}

/// The three label layers, shown by the script once zoomed in enough.
fn label_layers(out: &mut String, labels: &Labels) {
    for (id, set) in [
        ("lbl-v", &labels[0]),
        ("lbl-g", &labels[1]),
        ("lbl-m", &labels[2]),
    ] {
        w!(out, "<g id=\"{id}\" class=\"lbl\">\n");
        for l in set.values() {
            w!(
                out,
                "<text x=\"{}\" y=\"{}\" data-s=\"{}\">{}</text>\n",
                short(l.xy[0].round()),
                short(l.xy[1].round()),
                short(l.size.round()),
                esc(&l.text)
            );
        }
        out.push_str("</g>\n");
    }
}

/// Zoom buttons, the hover box, the scale bar and the legend with counts;
/// `moved` when the map has a "What moves" layer.
fn controls_and_legend(
    out: &mut String,
    shapes: &[MapShape],
    moved: Option<&MovesDrawn>,
    empty: bool,
) {
    out.push_str(
        "<div class=\"ctl\"><button id=\"zin\" title=\"Zoom in (+)\">+</button>\
         <button id=\"zout\" title=\"Zoom out (−)\">−</button>\
         <button id=\"zfit\" title=\"Whole county\">⤢</button></div>\n\
         <div id=\"info\" hidden></div>\n\
         <div class=\"scale\"><div id=\"sbar\"></div><span id=\"stext\"></span></div>\n",
    );
    let n = |k: ShapeKind| shapes.iter().filter(|s| s.kind == k).count();
    w!(
        out,
        "<div class=\"legend\"><div><i class=\"sw g\"></i>full-scope grid ({})</div>\
         <div><i class=\"sw d\"></i>dedicated grid ({})</div>",
        n(ShapeKind::Grid),
        n(ShapeKind::DedicatedGrid),
    );
    switch(
        out,
        ("micros", true),
        "ln m",
        &format!("micro-grid border ({})", n(ShapeKind::MicroGrid)),
    );
    switch(
        out,
        ("villages", true),
        "ln v",
        &format!("village border ({})", n(ShapeKind::Village)),
    );
    // The ground, only when the run had some.
    for (kind, layer, class, text) in [
        (
            ShapeKind::WaterBarrier,
            "barriers",
            "ln bw",
            "hard barrier, water",
        ),
        (
            ShapeKind::HardBarrier,
            "barriers",
            "ln bh",
            "hard barrier, railway or road",
        ),
        (ShapeKind::SoftBarrier, "barriers", "ln bs", "soft barrier"),
        (ShapeKind::Compound, "compounds", "ln c", "compound"),
    ] {
        let count = n(kind);
        if count > 0 {
            switch(out, (layer, true), class, &format!("{text} ({count})"));
        }
    }
    if let Some(m) = moved {
        moves_legend(out, m);
    }
    out.push_str("</div>\n");
    if empty {
        out.push_str("<p class=\"empty\">No polygons to draw.</p>\n");
    }
}

/// One legend row that switches the layer `<g id="{layer}">` on and off
/// (the script keeps the rows of one layer in step); `text` is HTML.
fn switch(out: &mut String, (layer, on): (&str, bool), class: &str, text: &str) {
    w!(
        out,
        "<div><label><input type=\"checkbox\" data-layer=\"{layer}\"{}><i class=\"{class}\"></i>{text}</label></div>",
        if on { " checked" } else { "" }
    );
}

/// The "What moves" rows: the switch, off, with the households and dots,
/// and the old grids' dashed outline.
fn moves_legend(out: &mut String, m: &MovesDrawn) {
    let text = format!(
        "what moves: {} households at {} points",
        int(Some(m.households as f64)),
        count(m.points)
    );
    switch(out, ("moves", false), "dot", &text);
    w!(
        out,
        "<div class=\"sub\"><i class=\"ln o\"></i>old grid losing households ({})</div>",
        count(m.outlines)
    );
}

/// A micro-grid's label: its 2-character sequence when the rest is a grid
/// code on the map (the grid label shows the rest), else the whole code.
fn micro_label(code: &str, grids: &BTreeSet<&str>) -> String {
    let n = code.chars().count();
    if n > 2 {
        let cut = code.char_indices().nth(n - 2).map_or(0, |(i, _)| i);
        if grids.contains(&code[..cut]) {
            return code[cut..].to_string();
        }
    }
    code.to_string()
}
