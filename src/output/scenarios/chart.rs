//! The scenario chart (step 3 of the module docs): bars of full-scope
//! grids on the left axis, lines of shares in percent on the right axis.

use super::{ScenarioRow, band_text, int, pct, tol_text};
use crate::output::html::{esc_xml as esc, nice_step, short, w};

/// Chart width, in user units.
const W: f64 = 720.0;
/// Chart height, in user units.
const H: f64 = 360.0;
/// Left margin: tick labels and the left axis title.
const ML: f64 = 64.0;
/// Right margin: percent labels and the right axis title.
const MR: f64 = 64.0;
/// Top margin: title and legend.
pub(super) const MT: f64 = 56.0;
/// Bottom margin: scenario labels and the x axis title.
const MB: f64 = 64.0;
/// Plot width.
const PW: f64 = W - ML - MR;
/// Plot height.
pub(super) const PH: f64 = H - MT - MB;
/// Widest bar.
const MAX_BAR: f64 = 72.0;

/// The left axis reaches at least this multiple of the largest grid count.
const HEADROOM: f64 = 1.25;

/// Bar colour (grid workers).
const C_BAR: &str = "#4e79a7";
/// Line colour of the tolerance share.
const C_TOL: &str = "#e15759";
/// Line colour of the second share (moved or in band).
const C_SECOND: &str = "#59a14f";
/// Text colour.
const C_TEXT: &str = "#333";

/// Where things go: the slots of the scenarios and the left axis scale.
struct Layout {
    /// Width of one scenario's slot.
    slot: f64,
    /// Bar width.
    bw: f64,
    /// Step of the left axis.
    ystep: f64,
    /// Top of the left axis, a multiple of `ystep`.
    ytop: f64,
}

/// The bottom of the plot.
const BASE: f64 = MT + PH;

impl Layout {
    /// Left axis from 0 to a round number at least a quarter above the
    /// largest count. The headroom keeps the bar tops, and the counts
    /// written there, below the high shares (balance is usually 80-100 %).
    /// `max(ystep)` keeps the scale finite when every scenario has no
    /// grids.
    fn new(rows: &[ScenarioRow]) -> Layout {
        let n = rows.len();
        let ymax = rows.iter().map(|r| r.full_scope_grids).max().unwrap_or(0) as f64;
        let want = ymax * HEADROOM;
        // Grid counts are integers: no step below 1.
        let ystep = nice_step(want / 5.0).max(1.0);
        let ytop = ((want / ystep).ceil() * ystep).max(ystep);
        let slot = if n > 0 { PW / n as f64 } else { PW };
        Layout {
            slot,
            bw: (slot * 0.6).min(MAX_BAR),
            ystep,
            ytop,
        }
    }

    /// The y of a grid count.
    fn ys(&self, c: f64) -> f64 {
        BASE - c / self.ytop * PH
    }

    /// The centre x of scenario `i`.
    fn cx(&self, i: usize) -> f64 {
        ML + self.slot * (i as f64 + 0.5)
    }
}

/// The chart; `words` are the band and tolerance for the legend, if known.
pub(super) fn chart(rows: &[ScenarioRow], words: Option<((f64, f64), f64)>) -> String {
    let n = rows.len();
    let mut out = String::with_capacity(4096 + n * 600);
    w!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"scenarios-chart\" viewBox=\"0 0 {W} {H}\" \
         width=\"{W}\" height=\"{H}\" style=\"max-width:100%;height:auto\" role=\"img\" aria-label=\"Grid workers and balance per scenario\" \
         font-family=\"sans-serif\" font-size=\"11\">\n"
    );
    w!(
        out,
        "<title>Grid workers and balance per scenario</title>\n\
         <text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\" fill=\"{C_TEXT}\">\
         Grid workers and balance per scenario</text>\n",
        short(W / 2.0)
    );
    let lay = Layout::new(rows);
    axes_ticks(&mut out, &lay);
    for (i, r) in rows.iter().enumerate() {
        bar(&mut out, &lay, i, r);
    }
    if n == 0 {
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{C_TEXT}\">No scenarios</text>\n",
            short(ML + PW / 2.0),
            short(MT + PH / 2.0)
        );
    }
    let names = share_lines(&mut out, &lay, rows, words);
    axis_titles(&mut out);
    legend(&mut out, &names);
    out.push_str("</svg>\n");
    out
}

/// Left axis: grid lines with counts; right axis: percent, every 20 %.
fn axes_ticks(out: &mut String, lay: &Layout) {
    let steps = (lay.ytop / lay.ystep).round() as usize;
    for i in 0..=steps {
        let v = i as f64 * lay.ystep;
        let y = short(lay.ys(v));
        w!(
            out,
            "<line x1=\"{ML}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{C_TEXT}\">{}</text>\n",
            ML + PW,
            ML - 6.0,
            short(lay.ys(v) + 4.0),
            int(v)
        );
    }
    for i in 0..=5 {
        let p = f64::from(i) * 20.0;
        let y = BASE - p / 100.0 * PH;
        w!(
            out,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{C_TEXT}\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"{C_TEXT}\">{} %</text>\n",
            ML + PW,
            ML + PW + 4.0,
            short(y),
            short(y),
            ML + PW + 7.0,
            short(y + 4.0),
            short(p)
        );
    }
}

/// Scenario `i`'s bar with its count, and its label below the axis.
fn bar(out: &mut String, lay: &Layout, i: usize, r: &ScenarioRow) {
    let bw = lay.bw;
    let c = r.full_scope_grids as f64;
    let y = lay.ys(c);
    let h = BASE - y;
    let x = lay.cx(i);
    w!(
        out,
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{C_BAR}\">\
         <title>{}: {} grid workers</title></rect>\n",
        short(x - bw / 2.0),
        short(y),
        short(bw),
        short(h),
        esc(&r.label),
        int(c)
    );
    // Inside the bar when it is tall enough for the text, above it
    // otherwise (short and zero bars).
    // The font shrinks (down to 7) so the count fits a narrow bar; a
    // bold digit is about 0.62 em wide.
    let count = int(c);
    let fs = (bw / (0.62 * count.chars().count() as f64 + 0.4)).clamp(7.0, 11.0);
    let (ty, fill) = if h >= fs + 7.0 {
        (y + fs + 2.0, "#fff")
    } else {
        (y - 4.0, C_TEXT)
    };
    w!(
        out,
        "<text class=\"count\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"{}\" fill=\"{fill}\">{count}</text>\n",
        short(x),
        short(ty),
        short(fs)
    );
    // Labels would overlap in narrow slots: tilt them.
    if lay.slot < 64.0 {
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" transform=\"rotate(-30 {} {})\" fill=\"{C_TEXT}\">{}</text>\n",
            short(x),
            short(BASE + 14.0),
            short(x),
            short(BASE + 14.0),
            esc(&r.label)
        );
    } else {
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{C_TEXT}\">{}</text>\n",
            short(x),
            short(BASE + 16.0),
            esc(&r.label)
        );
    }
}

/// The two lines of shares on the right axis: within ±tolerance, then
/// households moved when the rows carry it, else grids in the band.
/// Returns their names, for the legend.
fn share_lines(
    out: &mut String,
    lay: &Layout,
    rows: &[ScenarioRow],
    words: Option<((f64, f64), f64)>,
) -> [String; 2] {
    let (tol_name, second_name_band) = match words {
        Some((band, tol)) => (
            format!("Within ±{} of village mean", tol_text(tol)),
            format!("Grids in band {}", band_text(band)),
        ),
        None => (
            "Within ±tolerance of village mean".to_string(),
            "Grids in the norm band".to_string(),
        ),
    };
    let moved: Vec<Option<f64>> = rows
        .iter()
        .map(super::ScenarioRow::households_moved_share)
        .collect();
    let (second_name, second): (String, Vec<Option<f64>>) = if moved.iter().any(Option::is_some) {
        ("Households moved".to_string(), moved)
    } else {
        (
            second_name_band,
            rows.iter().map(|r| Some(r.in_band_share)).collect(),
        )
    };
    let tol: Vec<Option<f64>> = rows
        .iter()
        .map(|r| Some(r.within_tolerance_share))
        .collect();
    series(out, lay, rows, (&tol_name, C_TOL, ""), &tol, false);
    series(
        out,
        lay,
        rows,
        (&second_name, C_SECOND, " stroke-dasharray=\"5 3\""),
        &second,
        true,
    );
    [tol_name, second_name]
}

/// One line of shares, `(name, colour, dash attribute)`, with a marker per
/// value: circles, or squares when `squares` (the lines stay apart without
/// colour). A missing value breaks the line: the next point starts anew.
fn series(
    out: &mut String,
    lay: &Layout,
    rows: &[ScenarioRow],
    (name, colour, dash): (&str, &str, &str),
    vals: &[Option<f64>],
    squares: bool,
) {
    let py = |s: f64| BASE - s.clamp(0.0, 1.0) * PH;
    let mut d = String::new();
    let mut pen_down = false;
    for (i, v) in vals.iter().enumerate() {
        match v.filter(|s| s.is_finite()) {
            Some(s) => {
                w!(
                    d,
                    "{}{} {}",
                    if pen_down { " L" } else { " M" },
                    short(lay.cx(i)),
                    short(py(s))
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !d.is_empty() {
        w!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\n",
            d.trim_start()
        );
    }
    for (i, v) in vals.iter().enumerate() {
        let Some(s) = v.filter(|s| s.is_finite()) else {
            continue;
        };
        let (x, y) = (lay.cx(i), py(s));
        let tip = format!("{}: {} {}", rows[i].label, pct(Some(s)), name);
        if squares {
            w!(
                out,
                "<path d=\"M{} {}h7v7h-7z\" fill=\"{colour}\"><title>{}</title></path>\n",
                short(x - 3.5),
                short(y - 3.5),
                esc(&tip)
            );
        } else {
            w!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{colour}\"><title>{}</title></circle>\n",
                short(x),
                short(y),
                esc(&tip)
            );
        }
    }
}

/// The plot frame and the titles of the axes.
fn axis_titles(out: &mut String) {
    w!(
        out,
        "<path d=\"M{ML} {MT}V{BASE}H{}V{MT}\" fill=\"none\" stroke=\"{C_TEXT}\"/>\n",
        ML + PW
    );
    w!(
        out,
        "<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\" fill=\"{C_TEXT}\">\
         Grid workers (full-scope grids)</text>\n\
         <text transform=\"translate({} {}) rotate(90)\" text-anchor=\"middle\" fill=\"{C_TEXT}\">Share (%)</text>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{C_TEXT}\">Scenario</text>\n",
        short(MT + PH / 2.0),
        short(W - 14.0),
        short(MT + PH / 2.0),
        short(ML + PW / 2.0),
        short(H - 6.0)
    );
}

/// The legend, in one line under the title: bars, then the two lines.
fn legend(out: &mut String, [tol_name, second_name]: &[String; 2]) {
    let ly = 40.0;
    let mut lx = ML;
    w!(
        out,
        "<path d=\"M{} {}h12v10h-12z\" fill=\"{C_BAR}\"/><text x=\"{}\" y=\"{}\" fill=\"{C_TEXT}\">Grid workers</text>\n",
        short(lx),
        short(ly - 9.0),
        short(lx + 16.0),
        short(ly)
    );
    lx += 110.0;
    w!(
        out,
        "<path d=\"M{} {}h20\" stroke=\"{C_TOL}\" stroke-width=\"2\"/><circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{C_TOL}\"/>\
         <text x=\"{}\" y=\"{}\" fill=\"{C_TEXT}\">{}</text>\n",
        short(lx),
        short(ly - 4.0),
        short(lx + 10.0),
        short(ly - 4.0),
        short(lx + 24.0),
        short(ly),
        esc(tol_name)
    );
    lx += 220.0;
    w!(
        out,
        "<path d=\"M{} {}h20\" stroke=\"{C_SECOND}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\
         <path d=\"M{} {}h7v7h-7z\" fill=\"{C_SECOND}\"/>\
         <text x=\"{}\" y=\"{}\" fill=\"{C_TEXT}\">{}</text>\n",
        short(lx),
        short(ly - 4.0),
        short(lx + 6.5),
        short(ly - 7.5),
        short(lx + 24.0),
        short(ly),
        esc(second_name)
    );
}
