//! Step 3 of the map: grid colours from the golden-ratio sequence, far
//! enough apart between neighbouring grids.

use std::collections::{BTreeMap, BTreeSet};

/// HSL (all in 0..1) to RGB.
fn hsl_rgb(h: f64, s: f64, l: f64) -> [u8; 3] {
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    let f = |t: f64| {
        let t = t.rem_euclid(1.0);
        let v = if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        };
        (v * 255.0).round().clamp(0.0, 255.0) as u8
    };
    [f(h + 1.0 / 3.0), f(h), f(h - 1.0 / 3.0)]
}

/// The n-th colour of the golden-ratio sequence (step 3): pastel enough for
/// black borders and labels to read on it.
fn golden(n: usize) -> [u8; 3] {
    const PHI: f64 = 0.618_033_988_749_895;
    let h = (n as f64 * PHI).fract();
    let l = [0.72, 0.62, 0.80][n % 3];
    let s = [0.62, 0.48][(n / 3) % 2];
    hsl_rgb(h, s, l)
}

/// Red-mean colour distance (0 to about 765).
pub(super) fn colour_distance(a: [u8; 3], b: [u8; 3]) -> f64 {
    let rm = f64::midpoint(f64::from(a[0]), f64::from(b[0]));
    let dr = f64::from(a[0]) - f64::from(b[0]);
    let dg = f64::from(a[1]) - f64::from(b[1]);
    let db = f64::from(a[2]) - f64::from(b[2]);
    ((2.0 + rm / 256.0) * dr * dr + 4.0 * dg * dg + (2.0 + (255.0 - rm) / 256.0) * db * db).sqrt()
}

/// Colours for grid codes (sorted) with the bounding boxes of their shapes.
pub(super) fn grid_colours(
    boxes: &BTreeMap<&str, [i64; 4]>,
    all_codes: &BTreeSet<&str>,
) -> BTreeMap<String, [u8; 3]> {
    const FAR_ENOUGH: f64 = 150.0;
    const TRIES: usize = 48;
    // Neighbours by touching bounding boxes, swept in x order.
    let codes: Vec<&str> = all_codes.iter().copied().collect();
    let idx: BTreeMap<&str, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); codes.len()];
    let mut order: Vec<(&str, [i64; 4])> = boxes.iter().map(|(c, b)| (*c, *b)).collect();
    order.sort_by_key(|(c, b)| (b[0], *c));
    for i in 0..order.len() {
        let (ci, bi) = order[i];
        for &(cj, bj) in &order[i + 1..] {
            if bj[0] > bi[2].saturating_add(1) {
                break;
            }
            let touch = bj[1] <= bi[3].saturating_add(1) && bi[1] <= bj[3].saturating_add(1);
            if touch && let (Some(&a), Some(&b)) = (idx.get(ci), idx.get(cj)) {
                adj[a].push(b);
                adj[b].push(a);
            }
        }
    }
    let mut colour: Vec<Option<[u8; 3]>> = vec![None; codes.len()];
    for i in 0..codes.len() {
        let near: Vec<[u8; 3]> = adj[i].iter().filter_map(|&j| colour[j]).collect();
        let mut best = (f64::NEG_INFINITY, golden(i));
        for t in 0..TRIES {
            let c = golden(i + t);
            let d = near
                .iter()
                .map(|&n| colour_distance(c, n))
                .fold(f64::INFINITY, f64::min);
            if d >= FAR_ENOUGH {
                best = (d, c);
                break;
            }
            if d > best.0 {
                best = (d, c);
            }
        }
        colour[i] = Some(best.1);
    }
    codes
        .iter()
        .zip(colour)
        .map(|(c, col)| (c.to_string(), col.unwrap_or([200, 200, 200])))
        .collect()
}
