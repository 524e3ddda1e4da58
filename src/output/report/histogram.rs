//! The histogram of grid loads against the household band.

use super::{BIN_WIDTH, MAX_BINS};
use crate::output::html::{decimals, int, nice_step, short, w};

/// Values beyond this magnitude are treated as garbage by the histogram, so
/// that one absurd load cannot push the others into a single bin of width
/// 1e300 or overflow the bin arithmetic.
const HISTOGRAM_LIMIT: f64 = 1e12;

/// Width of the SVG.
const W: f64 = 500.0;
/// Height of the SVG.
const H: f64 = 230.0;
/// Left margin (y labels).
const L: f64 = 40.0;
/// Right margin.
const R: f64 = 12.0;
/// Top margin (band labels).
const T: f64 = 22.0;
/// Bottom margin (x labels and axis title).
const B: f64 = 36.0;
/// Plot width.
const PW: f64 = W - L - R;
/// Plot height.
const PH: f64 = H - T - B;

/// Binned grid loads: bin i covers `[start + i·width, start + (i+1)·width)`,
/// the last bin also holds its upper end.
#[derive(Clone, Debug, PartialEq)]
struct Histogram {
    /// Lower end of the first bin.
    start: f64,
    /// Bin width.
    width: f64,
    /// Loads per bin.
    counts: Vec<usize>,
}

/// Bins `loads` by [`BIN_WIDTH`], spanning the band too so its limits can
/// be drawn; non-finite and absurd values (beyond ±1e12) are left out.
fn histogram(loads: &[f64], band: (f64, f64)) -> Histogram {
    let ok = |v: &f64| v.is_finite() && v.abs() <= HISTOGRAM_LIMIT;
    let vals: Vec<f64> = loads.iter().copied().filter(ok).collect();
    if vals.is_empty() {
        return Histogram {
            start: 0.0,
            width: BIN_WIDTH,
            counts: Vec::new(),
        };
    }
    let mut lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for b in [band.0, band.1] {
        if ok(&b) {
            lo = lo.min(b);
            hi = hi.max(b);
        }
    }
    let bins = |w: f64| (hi / w).floor() - (lo / w).floor() + 1.0;
    let mut width = BIN_WIDTH;
    let mut mult = (bins(BIN_WIDTH) / MAX_BINS as f64).ceil().max(1.0);
    width *= mult;
    while bins(width) > MAX_BINS as f64 {
        mult += 1.0;
        width = BIN_WIDTH * mult;
    }
    let start = (lo / width).floor() * width;
    let n = bins(width) as usize;
    let mut counts = vec![0usize; n.max(1)];
    let last = counts.len() - 1;
    for v in vals {
        let i = ((v - start) / width).floor().max(0.0) as usize;
        counts[i.min(last)] += 1;
    }
    Histogram {
        start,
        width,
        counts,
    }
}

/// The scales of the plot: x by load, y by grid count.
struct Plot {
    h: Histogram,
    /// Load span of all bins.
    span: f64,
    /// Step of the y grid lines.
    ystep: f64,
    /// Top of the y axis, a multiple of `ystep`.
    ytop: f64,
}

impl Plot {
    fn new(h: Histogram) -> Plot {
        let span = h.width * h.counts.len() as f64;
        let ymax = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
        let ystep = nice_step(ymax / 5.0).max(1.0);
        let ytop = (ymax / ystep).ceil() * ystep;
        Plot {
            h,
            span,
            ystep,
            ytop,
        }
    }

    /// The x of a load.
    fn xs(&self, v: f64) -> f64 {
        L + (v - self.h.start) / self.span * PW
    }

    /// The y of a grid count.
    fn ys(&self, c: f64) -> f64 {
        T + PH - c / self.ytop * PH
    }
}

/// The section: heading, SVG and a line counting grids below and above.
pub(super) fn histogram_section(out: &mut String, grid_loads: &[f64], band: (f64, f64)) {
    let h = histogram(grid_loads, band);
    w!(
        out,
        "<h2>Grid loads against the band {}–{}</h2>\n",
        decimals(Some(band.0), 0),
        decimals(Some(band.1), 0)
    );
    if h.counts.is_empty() {
        out.push_str("<p>No grid loads.</p>\n");
        return;
    }
    let plot = Plot::new(h);
    w!(
        out,
        "<svg class=\"hist\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"Histogram of grid loads\">\n"
    );
    // The band as a shaded background.
    if band.0.is_finite() && band.1.is_finite() && band.1 >= band.0 {
        let a = plot.xs(band.0).clamp(L, L + PW);
        let b = plot.xs(band.1).clamp(L, L + PW);
        w!(
            out,
            "<rect class=\"bandbg\" x=\"{}\" y=\"{T}\" width=\"{}\" height=\"{PH}\"/>\n",
            short(a),
            short(b - a)
        );
    }
    y_grid(out, &plot);
    bars(out, &plot, band);
    x_ticks(out, &plot);
    band_lines(out, &plot, band);
    w!(
        out,
        "<line class=\"ax\" x1=\"{L}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>\
         <text class=\"al\" x=\"{}\" y=\"{}\">grid load (bins of {})</text>\
         <text class=\"al\" transform=\"translate(11 {}) rotate(-90)\">grids</text>\n</svg>\n",
        L + PW,
        T + PH,
        T + PH,
        short(L + PW / 2.0),
        H - 4.0,
        short(plot.h.width),
        short(T + PH / 2.0)
    );
    let total: usize = plot.h.counts.iter().sum();
    let below = grid_loads
        .iter()
        .filter(|v| v.is_finite() && **v < band.0)
        .count();
    let above = grid_loads
        .iter()
        .filter(|v| v.is_finite() && **v > band.1)
        .count();
    w!(
        out,
        "<p class=\"note\">{total} grids: {below} below the band, {above} above it.</p>\n"
    );
}

/// Grid lines and y labels.
fn y_grid(out: &mut String, plot: &Plot) {
    let mut yv = 0.0;
    while yv <= plot.ytop + 1e-9 {
        let y = plot.ys(yv);
        w!(
            out,
            "<line class=\"gl\" x1=\"{L}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/><text class=\"yt\" x=\"{}\" y=\"{}\">{}</text>\n",
            L + PW,
            short(y),
            short(y),
            L - 4.0,
            short(y + 3.5),
            int(Some(yv))
        );
        yv += plot.ystep;
    }
}

/// One bar per bin, blue when the bin lies inside the band.
fn bars(out: &mut String, plot: &Plot, band: (f64, f64)) {
    let h = &plot.h;
    let bw = PW / h.counts.len() as f64;
    for (i, &c) in h.counts.iter().enumerate() {
        let lo = h.start + i as f64 * h.width;
        let hi = lo + h.width;
        let in_band = lo >= band.0 && hi <= band.1 + 1e-9;
        let y = plot.ys(c as f64);
        w!(
            out,
            "<rect class=\"bar{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}–{}: {} grids</title></rect>\n",
            if in_band { " in" } else { "" },
            short(plot.xs(lo) + 0.5),
            short(y),
            short((bw - 1.0).max(0.5)),
            short(T + PH - y),
            short(lo),
            short(hi),
            c
        );
    }
}

/// X ticks: every m bins, m a round number with at most ~10 labels.
fn x_ticks(out: &mut String, plot: &Plot) {
    let h = &plot.h;
    let n = h.counts.len();
    let m = [1usize, 2, 5, 10, 25, 50, 100, 250, 500, 1000]
        .into_iter()
        .find(|m| n / m <= 10)
        .unwrap_or(1000);
    let step = h.width * m as f64;
    let mut t = (h.start / step).ceil() * step;
    while t <= h.start + plot.span + 1e-9 {
        let x = plot.xs(t);
        w!(
            out,
            "<line class=\"tk\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/><text class=\"xt\" x=\"{}\" y=\"{}\">{}</text>\n",
            short(x),
            short(x),
            T + PH,
            T + PH + 4.0,
            short(x),
            T + PH + 15.0,
            short(t)
        );
        t += step;
    }
}

/// The band limits as dashed lines with their values.
fn band_lines(out: &mut String, plot: &Plot, band: (f64, f64)) {
    for b in [band.0, band.1] {
        if b.is_finite() {
            let x = plot.xs(b);
            w!(
                out,
                "<line class=\"band\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/><text class=\"bt\" x=\"{}\" y=\"{}\">{}</text>\n",
                short(x),
                short(x),
                T - 4.0,
                T + PH,
                short(x),
                T - 7.0,
                short(b)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::report::fixtures::{page, report, sample};

    #[test]
    #[expect(
        clippy::float_cmp,
        reason = "the values are exact: round steps and bin edges, compared bit for bit"
    )]
    fn histogram_bins_of_twenty_span_the_band() {
        let h = histogram(&[300.0, 319.9, 320.0, 500.0, f64::NAN], (300.0, 500.0));
        assert_eq!(h.start, 300.0);
        assert_eq!(h.width, 20.0);
        assert_eq!(h.counts.len(), 11);
        assert_eq!(h.counts[0], 2);
        assert_eq!(h.counts[1], 1);
        assert_eq!(h.counts[10], 1);
        assert_eq!(h.counts.iter().sum::<usize>(), 4);
        // Loads below the band widen the range downwards.
        let h = histogram(&[112.0, 350.0], (300.0, 500.0));
        assert_eq!(h.start, 100.0);
        assert_eq!(h.counts.len(), 21);
        assert_eq!(h.counts[0], 1);
        // An absurd load does not make thousands of bins.
        let h = histogram(&[350.0, 1e9, 1e300], (300.0, 500.0));
        assert!(h.counts.len() <= MAX_BINS);
        assert_eq!(h.width % 20.0, 0.0);
        assert_eq!(h.counts.iter().sum::<usize>(), 2);
        // Nothing to bin.
        assert!(histogram(&[], (300.0, 500.0)).counts.is_empty());
        // The page draws one bar per bin and both band lines.
        let html = page(&sample(), &report(), &[300.0, 319.9, 320.0, 500.0]);
        assert_eq!(html.matches("<rect class=\"bar").count(), 11);
        assert_eq!(html.matches("<rect class=\"bar in\"").count(), 10);
        assert_eq!(html.matches("<line class=\"band\"").count(), 2);
        assert!(html.contains("<title>300–320: 2 grids</title>"));
    }
}
