//! Step 1 of the metrics: the grids of one village and their sums.
//!
//! A grid's figures in a village are sums over its points there: points,
//! households, population, load, and the first moments that give its
//! household-weighted and load-weighted centroids. Dedicated grids are
//! sized by their premises, and locked grids were kept by decision, so the
//! village mean `t_v` is taken over the *balanced* grids only: full-scope
//! and not locked (docs/DESIGN.md §5).

use super::{MetricsInput, PointRec};

/// Sums over the points of one grid in one village.
#[derive(Clone, Default)]
pub(super) struct Acc {
    pub points: usize,
    pub hh: u64,
    pub pop: f64,
    pub load: f64,
    hx: f64,
    hy: f64,
    lx: f64,
    ly: f64,
    sx: f64,
    sy: f64,
}

impl Acc {
    fn add(&mut self, p: &PointRec) {
        let h = f64::from(p.households);
        self.points += 1;
        self.hh += u64::from(p.households);
        self.pop += p.population;
        self.load += p.load;
        self.hx += h * p.xy[0];
        self.hy += h * p.xy[1];
        self.lx += p.load * p.xy[0];
        self.ly += p.load * p.xy[1];
        self.sx += p.xy[0];
        self.sy += p.xy[1];
    }

    /// The `w`-weighted centroid, the plain mean when all weights are 0.
    fn weighted(wx: f64, wy: f64, w: f64, sx: f64, sy: f64, n: usize) -> [f64; 2] {
        if w > 0.0 {
            [wx / w, wy / w]
        } else if n > 0 {
            [sx / n as f64, sy / n as f64]
        } else {
            [0.0, 0.0]
        }
    }

    /// Household-weighted centroid.
    pub fn hh_centroid(&self) -> [f64; 2] {
        Self::weighted(
            self.hx,
            self.hy,
            self.hh as f64,
            self.sx,
            self.sy,
            self.points,
        )
    }

    /// Load-weighted centroid.
    pub fn load_centroid(&self) -> [f64; 2] {
        Self::weighted(self.lx, self.ly, self.load, self.sx, self.sy, self.points)
    }
}

/// The grids of one village. Local grid `g` is `labels[g]`.
pub(super) struct VillageGrids {
    /// Distinct grid labels of the village, sorted.
    pub labels: Vec<u32>,
    /// Local grid index of each point.
    pub local: Vec<usize>,
    /// Per local grid: is it dedicated.
    pub dedicated: Vec<bool>,
    /// Per local grid: was it locked by decision.
    pub locked: Vec<bool>,
    /// Per local grid: its sums.
    pub acc: Vec<Acc>,
    /// Local indices of the full-scope grids; their count is `k_v`.
    pub full_scope: Vec<usize>,
    /// Local indices of the balanced grids: full-scope and not locked.
    pub balanced: Vec<usize>,
    /// `t_v`: mean load of the balanced grids (0 without any).
    pub target: f64,
}

impl VillageGrids {
    /// Step 1 for the points `pts` of one village.
    pub fn of(pts: &[PointRec], input: &MetricsInput) -> Self {
        let mut labels: Vec<u32> = pts.iter().map(|p| p.grid).collect();
        labels.sort_unstable();
        labels.dedup();
        let local: Vec<usize> = pts
            .iter()
            .map(|p| labels.binary_search(&p.grid).unwrap_or_else(|i| i))
            .collect();
        let dedicated: Vec<bool> = labels.iter().map(|&l| input.is_dedicated(l)).collect();
        let mut acc = vec![Acc::default(); labels.len()];
        for (p, &g) in pts.iter().zip(&local) {
            acc[g].add(p);
        }
        // Dedicated grids are sized by their premises, not by the village
        // mean: W_v and k_v count the full-scope grids only.
        let full_scope: Vec<usize> = (0..labels.len()).filter(|&g| !dedicated[g]).collect();
        // Locked grids were kept by decision: the free grids are balanced
        // among themselves.
        let locked: Vec<bool> = labels.iter().map(|&l| input.is_locked(l)).collect();
        let balanced: Vec<usize> = full_scope.iter().copied().filter(|&g| !locked[g]).collect();
        let bal_load: f64 = balanced.iter().map(|&g| acc[g].load).sum::<f64>() + 0.0;
        let target = if balanced.is_empty() {
            0.0
        } else {
            bal_load / balanced.len() as f64
        };
        Self {
            labels,
            local,
            dedicated,
            locked,
            acc,
            full_scope,
            balanced,
            target,
        }
    }

    /// Grids of the village, dedicated ones included.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// `k_v`: the full-scope grids.
    pub fn k(&self) -> usize {
        self.full_scope.len()
    }

    /// Households of the village.
    pub fn households(&self) -> u64 {
        self.acc.iter().map(|a| a.hh).sum()
    }

    /// Population of the village.
    pub fn population(&self) -> f64 {
        // `+ 0.0`: an empty float sum is -0.0, which would print as "-0.0".
        self.acc.iter().map(|a| a.pop).sum::<f64>() + 0.0
    }

    /// Load of all the village's points.
    pub fn load(&self) -> f64 {
        self.acc.iter().map(|a| a.load).sum::<f64>() + 0.0
    }

    /// `W_v`: load of the full-scope grids.
    pub fn full_scope_load(&self) -> f64 {
        self.full_scope
            .iter()
            .map(|&g| self.acc[g].load)
            .sum::<f64>()
            + 0.0
    }
}
