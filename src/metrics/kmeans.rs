//! Weighted k-means, the yardstick of the compactness ratio (docs/DESIGN.md §5).
//!
//! The SSE ratio compares a plan with the most compact partition that
//! ignores balance and contiguity. Exact k-means is NP-hard, so the
//! yardstick is the usual practical one: Lloyd's algorithm from weighted
//! k-means++ seeds, best of a few restarts. Buildings are clustered whole
//! (the caller passes distinct coordinates with summed weights), which is
//! the same indivisibility the plans live with.
//!
//! # Parameters
//! - `pts`, `w`: distinct coordinates (metres) and their positive weights.
//! - `k`: the number of clusters; the caller guarantees `1 <= k < pts.len()`.
//! - `restarts`: independent seedings; the lowest SSE wins (at least one run).
//! - `rng`: the village's own stream, so the result does not depend on the
//!   order in which villages are processed.
//!
//! # Algorithm
//! 1. Seeding (Arthur and Vassilvitskii, 2007, with weights): the first
//!    centre is drawn with probability proportional to `w`, each next one
//!    proportional to `w·D²`, where `D` is the distance to the nearest centre
//!    chosen so far.
//! 2. Lloyd iterations: assign every point to its nearest centre (ties go to
//!    the lower centre index), stop when no assignment changes, otherwise move
//!    each centre to the weighted mean of its points. An emptied cluster takes
//!    the point that contributes most to the SSE (from a cluster with at least
//!    two points), the standard remedy that keeps exactly `k` clusters.
//! 3. The SSE of the final partition is measured about its own weighted
//!    means, exactly as the plan's SSE is, and the best run is kept.
//!
//! # Complexity
//! O(restarts · iterations · n · k); iterations are capped at
//! [`MAX_ITERATIONS`] (Lloyd typically converges in a few dozen).

use crate::engine::rng::Rng;

/// A safety cap on Lloyd iterations; Lloyd converges finitely, but slowly
/// in rare degenerate layouts, and the cap only makes the yardstick a little
/// weaker (a higher SSE, so a lower, more modest ratio) in those cases.
pub(crate) const MAX_ITERATIONS: usize = 300;

fn d2(a: [f64; 2], b: [f64; 2]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    dx * dx + dy * dy
}

/// The lowest weighted SSE over `restarts` seeded Lloyd runs (see module docs).
pub(crate) fn best_sse(
    pts: &[[f64; 2]],
    w: &[f64],
    k: usize,
    restarts: usize,
    rng: &mut Rng,
) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..restarts.max(1) {
        let sse = lloyd(pts, w, k, rng);
        if sse < best {
            best = sse;
        }
    }
    best
}

/// Draws an index with probability proportional to `scores` (all >= 0, sum
/// `total` > 0). Rounding may let the walk run off the end; the last positive
/// score then wins, so a zero-score index is never returned.
fn sample(scores: &[f64], total: f64, rng: &mut Rng) -> usize {
    let r = rng.f64() * total;
    let mut acc = 0.0;
    let mut last_positive = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > 0.0 {
            acc += s;
            last_positive = i;
            if acc > r {
                return i;
            }
        }
    }
    last_positive
}

fn seed_pp(pts: &[[f64; 2]], w: &[f64], k: usize, rng: &mut Rng) -> Vec<[f64; 2]> {
    let total: f64 = w.iter().sum();
    let first = sample(w, total, rng);
    let mut centres = Vec::with_capacity(k);
    centres.push(pts[first]);
    let mut dist: Vec<f64> = pts.iter().map(|&p| d2(p, pts[first])).collect();
    let mut scores = vec![0.0; pts.len()];
    while centres.len() < k {
        let mut total = 0.0;
        for i in 0..pts.len() {
            scores[i] = w[i] * dist[i];
            total += scores[i];
        }
        if total <= 0.0 {
            // Every point sits on a centre; cannot happen with distinct
            // coordinates and k < n, but stay total rather than divide by 0.
            break;
        }
        let c = pts[sample(&scores, total, rng)];
        centres.push(c);
        for (i, &p) in pts.iter().enumerate() {
            dist[i] = dist[i].min(d2(p, c));
        }
    }
    centres
}

fn nearest(p: [f64; 2], centres: &[[f64; 2]]) -> usize {
    let mut best = 0;
    let mut best_d = f64::INFINITY;
    for (j, &c) in centres.iter().enumerate() {
        let d = d2(p, c);
        if d < best_d {
            best_d = d;
            best = j;
        }
    }
    best
}

/// Weighted means of the clusters; an empty cluster keeps its old centre.
fn means(pts: &[[f64; 2]], w: &[f64], assign: &[usize], centres: &mut [[f64; 2]]) {
    let k = centres.len();
    let mut sx = vec![0.0; k];
    let mut sy = vec![0.0; k];
    let mut sw = vec![0.0; k];
    for i in 0..pts.len() {
        let j = assign[i];
        sx[j] += w[i] * pts[i][0];
        sy[j] += w[i] * pts[i][1];
        sw[j] += w[i];
    }
    for j in 0..k {
        if sw[j] > 0.0 {
            centres[j] = [sx[j] / sw[j], sy[j] / sw[j]];
        }
    }
}

fn lloyd(pts: &[[f64; 2]], w: &[f64], k: usize, rng: &mut Rng) -> f64 {
    let n = pts.len();
    let mut centres = seed_pp(pts, w, k, rng);
    let k = centres.len();
    let mut assign = vec![usize::MAX; n];
    for _ in 0..MAX_ITERATIONS {
        let mut changed = false;
        for i in 0..n {
            let j = nearest(pts[i], &centres);
            if assign[i] != j {
                assign[i] = j;
                changed = true;
            }
        }
        // Refill emptied clusters so that the yardstick really uses k.
        let mut count = vec![0usize; k];
        for &j in &assign {
            count[j] += 1;
        }
        for j in 0..k {
            if count[j] > 0 {
                continue;
            }
            let mut worst = None;
            let mut worst_s = -1.0;
            for i in 0..n {
                if count[assign[i]] > 1 {
                    let s = w[i] * d2(pts[i], centres[assign[i]]);
                    if s > worst_s {
                        worst_s = s;
                        worst = Some(i);
                    }
                }
            }
            if let Some(i) = worst {
                count[assign[i]] -= 1;
                assign[i] = j;
                count[j] = 1;
                centres[j] = pts[i];
                changed = true;
            }
        }
        if !changed {
            break;
        }
        means(pts, w, &assign, &mut centres);
    }
    // Measure about the partition's own means, like the plan's SSE.
    means(pts, w, &assign, &mut centres);
    pts.iter()
        .zip(w)
        .zip(&assign)
        .map(|((&p, &wi), &j)| wi * d2(p, centres[j]))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_far_clusters_are_found() {
        let pts = [
            [0.0, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [1000.0, 0.0],
            [1001.0, 0.0],
            [1000.0, 1.0],
        ];
        let w = [1.0; 6];
        let mut rng = Rng::new(3);
        let sse = best_sse(&pts, &w, 2, 4, &mut rng);
        // Each triangle about its centroid (1/3, 1/3) has SSE 4/3.
        assert!((sse - 8.0 / 3.0).abs() < 1e-9, "{sse}");
    }

    #[test]
    fn weights_pull_the_centre() {
        // One cluster: SSE about the weighted mean x = 3/4 of the way.
        let pts = [[0.0, 0.0], [4.0, 0.0], [100.0, 0.0]];
        let w = [1.0, 3.0, 1.0];
        let mut rng = Rng::new(1);
        let sse = best_sse(&pts, &w, 2, 4, &mut rng);
        // Best 2-clustering: {0,4} | {100}; mean 3, SSE 1*9 + 3*1 = 12.
        assert!((sse - 12.0).abs() < 1e-9, "{sse}");
    }

    #[test]
    fn sampling_never_returns_zero_score() {
        let mut rng = Rng::new(9);
        for _ in 0..1000 {
            let i = sample(&[0.0, 2.0, 0.0, 1.0, 0.0], 3.0, &mut rng);
            assert!(i == 1 || i == 3);
        }
    }
}
