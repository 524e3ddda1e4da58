//! Steps 1-8 of the generator: the county outline, towns, villages as
//! Voronoi cells, codes and names, enclaves and lakes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashSet};

use geo::{Coord, LineString, MultiPolygon, Polygon, Validation};
use spade::{DelaunayTriangulation, HasPosition, Point2, Triangulation};

use super::geometry::{
    Ring, Xy, bbox, dist2, in_ring, ring_clearance, serpentine, signed_area2, to_deg, uniform_in,
};
use super::{
    AREA_AT_1_M2, COUNTY_CODE, ENCLAVE_SHARE, MERGE_M, ORIGIN_LAT, ORIGIN_LON, Retry, STREET_SHARE,
    URBAN_SHARE, VILLAGES_AT_1, count,
};
use crate::engine::rng::Rng;
use crate::input::project::LocalProjection;

/// Syllables for place names, many taken from Rui'an's real place names.
pub(super) const SYLLABLES: [&str; 64] = [
    "安", "阳", "玉", "海", "锦", "湖", "东", "山", "上", "望", "莘", "塍", "汀", "田", "飞", "云",
    "仙", "降", "南", "滨", "塘", "下", "陶", "桐", "浦", "岭", "马", "屿", "高", "楼", "芳", "庄",
    "北", "麂", "潘", "岱", "林", "川", "平", "坑", "溪", "桥", "石", "岩", "坦", "垟", "岙", "龙",
    "凤", "湾", "前", "后", "新", "西", "中", "华", "金", "宝", "瑞", "丰", "乐", "清", "河", "头",
];

/// The county outline: an ellipse with random low harmonics on its radius.
pub(super) struct Blob {
    pub(super) a: f64,
    pub(super) b: f64,
    pub(super) harmonics: Vec<(f64, f64, f64)>,
}

impl Blob {
    pub(super) fn radius(&self, th: f64) -> f64 {
        let (s, c) = th.sin_cos();
        let base = self.a * self.b / ((self.b * c).powi(2) + (self.a * s).powi(2)).sqrt();
        let f: f64 = self
            .harmonics
            .iter()
            .map(|&(k, amp, ph)| amp * (k * th + ph).cos())
            .sum();
        base * (1.0 + f)
    }

    pub(super) fn contains(&self, p: Xy, factor: f64) -> bool {
        p[0].hypot(p[1]) < factor * self.radius(p[1].atan2(p[0]))
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Site {
    pub(super) p: Xy,
    pub(super) idx: usize,
}

impl HasPosition for Site {
    type Scalar = f64;
    fn position(&self) -> Point2<f64> {
        Point2::new(self.p[0], self.p[1])
    }
}

pub(super) struct Town {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) geom: MultiPolygon<f64>,
    /// The town centre, in metres.
    pub(super) centre: Xy,
    /// Whether the town is the county seat (the barriers' trunk road and
    /// railway pass it).
    pub(super) seat: bool,
}

pub(super) struct Village {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) town: usize,
    pub(super) urban: bool,
    /// The seed of the village's cell, in metres (secondary roads run
    /// between seeds).
    pub(super) seed: Xy,
    /// The cell, counter-clockwise.
    pub(super) outer: Ring,
    /// For each edge `outer.m[i] -> outer.m[i + 1]`, the neighbouring
    /// village (by index in code order), if any.
    pub(super) outer_nbr: Vec<Option<usize>>,
    /// Enclave holes and lakes, stored counter-clockwise.
    pub(super) holes: Vec<Ring>,
    /// Enclave parts owned by this village, counter-clockwise.
    pub(super) parts: Vec<Ring>,
    pub(super) geom: MultiPolygon<f64>,
}

impl Village {
    /// Whether `p` (metres) lies in the main part, outside the holes, at
    /// least `margin` from any border of the main part.
    pub(super) fn main_contains(&self, p: Xy, margin: f64) -> bool {
        in_ring(&self.outer.m, p)
            && !self.holes.iter().any(|h| in_ring(&h.m, p))
            && self.main_clearance(p) >= margin
    }

    pub(super) fn main_clearance(&self, p: Xy) -> f64 {
        self.holes
            .iter()
            .map(|h| ring_clearance(&h.m, p))
            .fold(ring_clearance(&self.outer.m, p), f64::min)
    }

    pub(super) fn bbox(&self) -> [f64; 4] {
        bbox(&self.outer.m)
    }
}

pub(super) struct Layout {
    pub(super) proj: LocalProjection,
    pub(super) county: MultiPolygon<f64>,
    pub(super) towns: Vec<Town>,
    pub(super) villages: Vec<Village>,
}

/// Unique place names from the syllable list.
pub(super) struct Namer {
    pub(super) used: BTreeSet<String>,
}

impl Namer {
    pub(super) fn stem(&mut self, rng: &mut Rng) -> String {
        // Two syllables give 4,096 stems, plenty for a county; after 40
        // collisions we lengthen the stem by one syllable at a time.
        let mut tries = 0u32;
        loop {
            let n = 2 + (tries / 40).min(4);
            let mut s = String::new();
            for _ in 0..n {
                s.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
            }
            if self.used.insert(s.clone()) {
                return s;
            }
            tries += 1;
        }
    }
}

/// Steps 1-8 of the module overview: the county, its towns and villages.
///
/// Every step is a function below that takes the outputs of the steps
/// before it; the random draws happen in the order of the steps, so the
/// layout is the same for the same `rng` state.
pub(super) fn build_layout(rng: &mut Rng, nv: usize, nt: usize) -> Result<Layout, Retry> {
    let proj = LocalProjection::new(ORIGIN_LON, ORIGIN_LAT);
    let area = AREA_AT_1_M2 * nv as f64 / VILLAGES_AT_1;
    let blob = outline(rng, area);
    let rmax = blob.a.max(blob.b) * 1.3;
    let tc = town_centres(rng, &blob, rmax, area, nt);
    let seeds = village_seeds(rng, &blob, rmax, &tc, area, nv);
    let voronoi = voronoi(seeds.sites.clone(), nv)?;
    let cells = round_cells(&proj, voronoi, nv)?;
    let town_of = grow_towns(&tc.centres, &seeds.points, &cells.adjacency)?;
    let urban = mark_urban(&town_of, &seeds.points, &tc);
    let mut namer = Namer {
        used: BTreeSet::new(),
    };
    let (town_order, town_code, mut towns) = name_towns(rng, &mut namer, &tc);
    let codes = code_villages(
        &town_order,
        &town_code,
        &town_of,
        &urban,
        &seeds.points,
        seeds.spacing,
    )?;
    // Towns are stored in `town_order`, so that is where each one sits.
    let mut town_pos = vec![0; town_order.len()];
    for (i, &t) in town_order.iter().enumerate() {
        town_pos[t] = i;
    }
    let village_town: Vec<usize> = town_of.iter().map(|&t| town_pos[t]).collect();
    let (mut villages, index_of) = make_villages(
        rng,
        &mut namer,
        &codes,
        (&village_town, &urban, &seeds.points),
        &cells,
    );
    let county = trace_regions(&mut towns, &villages, &codes.order, &index_of, &cells)?;
    cut_holes(rng, &proj, &mut villages);
    close_villages(&mut villages)?;
    Ok(Layout {
        proj,
        county,
        towns,
        villages,
    })
}

/// Step 1: the outline, 1.35 times wider (east-west) than tall, of the
/// given area (square metres).
fn outline(rng: &mut Rng, area: f64) -> Blob {
    let s = (area / std::f64::consts::PI).sqrt();
    Blob {
        a: s * 1.35,
        b: s / 1.35,
        harmonics: (2..=6)
            .map(|k| {
                (
                    f64::from(k),
                    rng.range(0.0, 0.05),
                    rng.range(0.0, std::f64::consts::TAU),
                )
            })
            .collect(),
    }
}

/// Step 2's output: where the towns are and which are street offices.
struct TownCentres {
    /// Town centres in metres; the first is the county seat.
    centres: Vec<Xy>,
    /// Whether each town is a street office (街道).
    street: Vec<bool>,
    /// The side of a square of the mean town area, in metres.
    r_town: f64,
}

/// Step 2: town centres by dart throwing; the first is the county seat,
/// east of centre (Rui'an's city lies on the coastal plain), and the towns
/// nearest it are street offices.
fn town_centres(rng: &mut Rng, blob: &Blob, rmax: f64, area: f64, nt: usize) -> TownCentres {
    let r_town = (area / nt as f64).sqrt();
    let mut centres: Vec<Xy> = vec![[0.3 * blob.a, -0.1 * blob.b]];
    let mut f_min = 0.75;
    let mut fails = 0;
    while centres.len() < nt {
        let p = uniform_in(rng, rmax);
        if !blob.contains(p, 0.8) {
            continue;
        }
        let d = f_min * r_town;
        if centres.iter().any(|&q| dist2(p, q) < d * d) {
            fails += 1;
            if fails > 500 {
                f_min *= 0.9;
                fails = 0;
            }
            continue;
        }
        centres.push(p);
        fails = 0;
    }
    let n_street = (nt as f64 * STREET_SHARE).round() as usize;
    let mut by_seat: Vec<usize> = (0..nt).collect();
    by_seat.sort_by(|&a, &b| {
        dist2(centres[a], centres[0])
            .total_cmp(&dist2(centres[b], centres[0]))
            .then(a.cmp(&b))
    });
    let mut street = vec![false; nt];
    for &t in &by_seat[..n_street] {
        street[t] = true;
    }
    TownCentres {
        centres,
        street,
        r_town,
    }
}

/// The settlement density of step 3: higher near town centres (street
/// offices most) and lower in the western mountains.
struct Density<'a> {
    rmax: f64,
    towns: &'a TownCentres,
    sigma: f64,
}

impl Density<'_> {
    fn at(&self, p: Xy) -> f64 {
        let west = 0.5 + 0.5 * f64::midpoint(p[0] / self.rmax, 1.0).clamp(0.0, 1.0);
        let sigma = self.sigma;
        let towns: f64 = self
            .towns
            .centres
            .iter()
            .zip(&self.towns.street)
            .map(|(&c, &st)| {
                let w = if st { 5.0 } else { 1.5 };
                w * (-dist2(p, c) / (2.0 * sigma * sigma)).exp()
            })
            .sum();
        west + towns
    }
}

/// Step 3's output.
struct Seeds {
    /// One seed per village, in metres.
    points: Vec<Xy>,
    /// The village seeds (indexes `0..nv`) followed by the margin seeds.
    sites: Vec<Site>,
    /// The side of a square of the mean village area, in metres.
    spacing: f64,
}

/// Step 3: village seeds by dart throwing under [`Density`], with a minimum
/// spacing that follows the density, then the margin seeds.
fn village_seeds(
    rng: &mut Rng,
    blob: &Blob,
    rmax: f64,
    tc: &TownCentres,
    area: f64,
    nv: usize,
) -> Seeds {
    let density = Density {
        rmax,
        towns: tc,
        sigma: 0.3 * tc.r_town,
    };
    let rho_max = tc
        .centres
        .iter()
        .map(|&c| density.at(c))
        .fold(1.0, f64::max)
        * 1.1;
    let mut rho_sum = 0.0;
    let mut rho_n = 0.0;
    while rho_n < 4000.0 {
        let p = uniform_in(rng, rmax);
        if blob.contains(p, 1.0) {
            rho_sum += density.at(p);
            rho_n += 1.0;
        }
    }
    let rho_mean = rho_sum / rho_n;
    let spacing = (area / nv as f64).sqrt();
    let mut seeds: Vec<Xy> = Vec::with_capacity(nv);
    let mut f_sep = 0.6;
    let mut fails = 0;
    while seeds.len() < nv {
        let p = uniform_in(rng, rmax);
        if !blob.contains(p, 1.0) {
            continue;
        }
        let rho = density.at(p);
        if rng.f64() * rho_max > rho {
            continue;
        }
        let d = f_sep * spacing * (rho_mean / rho).sqrt();
        if seeds.iter().any(|&q| dist2(p, q) < d * d) {
            fails += 1;
            if fails > 2000 {
                f_sep *= 0.9;
                fails = 0;
            }
            continue;
        }
        seeds.push(p);
        fails = 0;
    }
    let sites = margin_sites(&seeds, blob, rmax, spacing, |p| rho_mean / density.at(p));
    Seeds {
        points: seeds,
        sites,
        spacing,
    }
}

/// The village seeds as sites, then the margin seeds: two rings outside
/// the outline, plus four far corners so that every inner cell is bounded.
/// `sparse(p)` is the mean density over the density at `p`, which widens
/// the margin spacing where villages are large.
fn margin_sites(
    seeds: &[Xy],
    blob: &Blob,
    rmax: f64,
    spacing: f64,
    sparse: impl Fn(Xy) -> f64,
) -> Vec<Site> {
    let mut sites: Vec<Site> = seeds
        .iter()
        .enumerate()
        .map(|(idx, &p)| Site { p, idx })
        .collect();
    let mut th = 0.0;
    while th < std::f64::consts::TAU {
        let rb = blob.radius(th);
        let (sn, cs) = th.sin_cos();
        let edge = [rb * cs, rb * sn];
        let d = spacing * sparse(edge).sqrt();
        for k in [0.5, 1.5] {
            let r = rb + k * d;
            let p = [r * cs, r * sn];
            let near = 0.35 * d;
            if !seeds.iter().any(|&q| dist2(p, q) < near * near) {
                sites.push(Site {
                    p,
                    idx: sites.len(),
                });
            }
        }
        th += 0.8 * d / rb;
    }
    for c in [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]] {
        sites.push(Site {
            p: [c[0] * 4.0 * rmax, c[1] * 4.0 * rmax],
            idx: sites.len(),
        });
    }
    sites
}

/// Step 4's output: the Voronoi diagram of the village seeds.
struct Voronoi {
    /// The Voronoi vertices: the circumcentre of each Delaunay face (NaN for
    /// faces that bound no village).
    cc: Vec<Xy>,
    /// Per village: its vertices (face ids) counter-clockwise, and for each
    /// the seed across the edge that ends there.
    raw: Vec<(Vec<usize>, Vec<usize>)>,
    /// Union-find over face ids; the root of a merged group is its smallest
    /// face id.
    parent: Vec<usize>,
}

/// Step 4: Voronoi cells from the Delaunay triangulation, with vertices
/// closer than [`MERGE_M`] merged.
fn voronoi(sites: Vec<Site>, nv: usize) -> Result<Voronoi, Retry> {
    let tri: DelaunayTriangulation<Site> =
        DelaunayTriangulation::bulk_load(sites).map_err(|_| Retry("triangulation failed"))?;
    let nfaces = tri.num_all_faces();
    let mut cc: Vec<Xy> = vec![[f64::NAN, f64::NAN]; nfaces];
    let mut raw: Vec<(Vec<usize>, Vec<usize>)> = vec![(Vec::new(), Vec::new()); nv];
    let mut seen = 0;
    for v in tri.vertices() {
        let i = v.data().idx;
        if i >= nv {
            continue;
        }
        seen += 1;
        let (ring, nbr) = &mut raw[i];
        for e in v.out_edges() {
            let inner = e
                .face()
                .as_inner()
                .ok_or(Retry("an inner cell is unbounded"))?;
            let fi = inner.fix().index();
            if cc[fi][0].is_nan() {
                let c = inner.circumcenter();
                cc[fi] = [c.x, c.y];
            }
            ring.push(fi);
            nbr.push(e.to().data().idx);
        }
    }
    if seen != nv {
        return Err(Retry("a seed was merged by the triangulation"));
    }
    // Merge Voronoi vertices joined by very short edges (union-find whose
    // root is the smallest face index, so the result is order-free).
    let mut parent: Vec<usize> = (0..nfaces).collect();
    for (ring, _) in &raw {
        let n = ring.len();
        for i in 0..n {
            let (a, b) = (ring[(i + n - 1) % n], ring[i]);
            if dist2(cc[a], cc[b]) < MERGE_M * MERGE_M {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    Ok(Voronoi { cc, raw, parent })
}

/// The root of `x` in a union-find, halving the path on the way.
fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Step 5's output: the cells over shared, rounded vertices.
pub(super) struct Cells {
    /// Each merged vertex in rounded degrees (NaN when unused).
    vdeg: Vec<Xy>,
    /// The same vertex projected back to metres.
    vm: Vec<Xy>,
    /// Per cell: merged vertex ids counter-clockwise.
    ids: Vec<Vec<usize>>,
    /// Per cell: for the edge from `ids[j]` to `ids[j + 1]`, the seed
    /// across it (a margin seed when `>= nv`).
    nbr: Vec<Vec<usize>>,
    /// Per cell: the neighbouring villages, ascending.
    adjacency: Vec<Vec<usize>>,
}

/// Step 5: round each merged vertex once, and check every cell is a
/// simple counter-clockwise ring.
fn round_cells(proj: &LocalProjection, voronoi: Voronoi, nv: usize) -> Result<Cells, Retry> {
    let Voronoi {
        cc,
        raw,
        mut parent,
    } = voronoi;
    let nfaces = cc.len();
    let mut vdeg: Vec<Xy> = vec![[f64::NAN, f64::NAN]; nfaces];
    let mut vm: Vec<Xy> = vec![[f64::NAN, f64::NAN]; nfaces];
    let mut cell_ids: Vec<Vec<usize>> = Vec::with_capacity(nv);
    let mut cell_nbr: Vec<Vec<usize>> = Vec::with_capacity(nv);
    for (ring, nbr) in &raw {
        let n = ring.len();
        let mut ids = Vec::with_capacity(n);
        let mut nb = Vec::with_capacity(n);
        for i in 0..n {
            let a = find(&mut parent, ring[(i + n - 1) % n]);
            let b = find(&mut parent, ring[i]);
            if a != b {
                ids.push(a);
                nb.push(nbr[i]);
            }
            if vdeg[b][0].is_nan() {
                let d = to_deg(proj, cc[b]);
                vdeg[b] = d;
                vm[b] = proj.forward(d[0], d[1]);
            }
        }
        if ids.len() < 3 || ids.iter().collect::<BTreeSet<_>>().len() != ids.len() {
            return Err(Retry("a degenerate cell"));
        }
        let m: Vec<Xy> = ids.iter().map(|&k| vm[k]).collect();
        if signed_area2(&m) <= 0.0 {
            return Err(Retry("a cell is not counter-clockwise"));
        }
        cell_ids.push(ids);
        cell_nbr.push(nb);
    }
    let adjacency: Vec<Vec<usize>> = cell_nbr
        .iter()
        .map(|nb| {
            let s: BTreeSet<usize> = nb.iter().copied().filter(|&j| j < nv).collect();
            s.into_iter().collect()
        })
        .collect();
    Ok(Cells {
        vdeg,
        vm,
        ids: cell_ids,
        nbr: cell_nbr,
        adjacency,
    })
}

/// Step 6: towns by multi-source Dijkstra on the cell adjacency from the
/// village nearest each centre, so every town is contiguous. Returns the
/// town of each village.
fn grow_towns(centres: &[Xy], seeds: &[Xy], adjacency: &[Vec<usize>]) -> Result<Vec<usize>, Retry> {
    let nv = seeds.len();
    let mut town_of = vec![usize::MAX; nv];
    let mut dist = vec![f64::INFINITY; nv];
    let mut heap = BinaryHeap::new();
    let mut taken = BTreeSet::new();
    for (t, &c) in centres.iter().enumerate() {
        let v = (0..nv)
            .filter(|v| !taken.contains(v))
            .min_by(|&a, &b| {
                dist2(seeds[a], c)
                    .total_cmp(&dist2(seeds[b], c))
                    .then(a.cmp(&b))
            })
            .ok_or(Retry("more towns than villages"))?;
        taken.insert(v);
        dist[v] = 0.0;
        town_of[v] = t;
        heap.push(Reverse((0u64, v, t)));
    }
    while let Some(Reverse((dbits, v, t))) = heap.pop() {
        let d = f64::from_bits(dbits);
        if d > dist[v] || town_of[v] != t {
            continue;
        }
        for &u in &adjacency[v] {
            let nd = d + dist2(seeds[v], seeds[u]).sqrt();
            if nd < dist[u] {
                dist[u] = nd;
                town_of[u] = t;
                // Non-negative floats order like their bit patterns.
                heap.push(Reverse((nd.to_bits(), u, t)));
            }
        }
    }
    if town_of.contains(&usize::MAX) {
        return Err(Retry("the cells are not connected"));
    }
    Ok(town_of)
}

/// Step 7a: the [`URBAN_SHARE`] of villages closest to their town centre
/// (street offices count double) are urban communities (社区).
fn mark_urban(town_of: &[usize], seeds: &[Xy], tc: &TownCentres) -> Vec<bool> {
    let nv = seeds.len();
    let n_urban = (nv as f64 * URBAN_SHARE).round() as usize;
    let mut by_urban: Vec<usize> = (0..nv).collect();
    let score = |v: usize| {
        let t = town_of[v];
        dist2(seeds[v], tc.centres[t]).sqrt() * if tc.street[t] { 0.5 } else { 1.0 }
    };
    by_urban.sort_by(|&a, &b| score(a).total_cmp(&score(b)).then(a.cmp(&b)));
    let mut urban = vec![false; nv];
    for &v in &by_urban[..n_urban] {
        urban[v] = true;
    }
    urban
}

/// Step 7b: town codes and names. Towns are taken in serpentine order,
/// street offices first (001..), then towns (101..). Returns that order,
/// the code of each town (by town index) and the towns in code order,
/// their geometry still empty.
fn name_towns(
    rng: &mut Rng,
    namer: &mut Namer,
    tc: &TownCentres,
) -> (Vec<usize>, Vec<String>, Vec<Town>) {
    let nt = tc.centres.len();
    let street = &tc.street;
    let town_order: Vec<usize> = {
        let order = serpentine(&tc.centres, 2.0 * tc.r_town);
        let mut o: Vec<usize> = order.iter().copied().filter(|&t| street[t]).collect();
        o.extend(order.iter().copied().filter(|&t| !street[t]));
        o
    };
    let mut town_code = vec![String::new(); nt];
    let mut towns = Vec::with_capacity(nt);
    let (mut n_st, mut n_tn) = (0, 100);
    for &t in &town_order {
        let seq = if street[t] {
            n_st += 1;
            n_st
        } else {
            n_tn += 1;
            n_tn
        };
        town_code[t] = format!("{COUNTY_CODE}{seq:03}");
        let stem = namer.stem(rng);
        towns.push(Town {
            code: town_code[t].clone(),
            name: format!("{stem}{}", if street[t] { "街道" } else { "镇" }),
            geom: MultiPolygon::new(vec![]),
            centre: tc.centres[t],
            seat: t == 0,
        });
    }
    (town_order, town_code, towns)
}

/// Step 7c's output: village codes and the order they give.
struct VillageCodes {
    /// Village (seed) indexes in code order.
    order: Vec<usize>,
    /// The code of each village, by seed index.
    code: Vec<String>,
}

/// Step 7c: village codes. Within a town, communities are 001.. and
/// villages 201.. (or after the communities, if there are 200 or more),
/// each in serpentine order, as in the statistical codes.
fn code_villages(
    town_order: &[usize],
    town_code: &[String],
    town_of: &[usize],
    urban: &[bool],
    seeds: &[Xy],
    spacing: f64,
) -> Result<VillageCodes, Retry> {
    let nv = seeds.len();
    let mut order: Vec<usize> = Vec::with_capacity(nv);
    let mut vcode = vec![String::new(); nv];
    for &t in town_order {
        let members: Vec<usize> = (0..nv).filter(|&v| town_of[v] == t).collect();
        let pts: Vec<Xy> = members.iter().map(|&v| seeds[v]).collect();
        let ser = serpentine(&pts, spacing);
        let n_comm = members.iter().filter(|&&v| urban[v]).count();
        let (mut c, mut r) = (0usize, n_comm.max(200));
        for &k in &ser {
            let v = members[k];
            let seq = if urban[v] {
                c += 1;
                c
            } else {
                r += 1;
                r
            };
            if seq > 999 {
                return Err(Retry("a town has more than 999 villages"));
            }
            vcode[v] = format!("{}{seq:03}", town_code[t]);
        }
        order.extend(ser.iter().map(|&k| members[k]));
    }
    order.sort_by(|&a, &b| vcode[a].cmp(&vcode[b]));
    Ok(VillageCodes { order, code: vcode })
}

/// Step 7d: the villages in code order, named, with their cell as the
/// outer ring. For seed `v`, `town[v]` is the index of its town in the
/// towns' code order, `urban[v]` whether it is a community and `seed[v]`
/// where it lies. Also returns the position in code order of each seed.
fn make_villages(
    rng: &mut Rng,
    namer: &mut Namer,
    codes: &VillageCodes,
    (town, urban, seed): (&[usize], &[bool], &[Xy]),
    cells: &Cells,
) -> (Vec<Village>, Vec<usize>) {
    let nv = codes.order.len();
    let mut index_of = vec![0; nv];
    for (i, &v) in codes.order.iter().enumerate() {
        index_of[v] = i;
    }
    let mut villages: Vec<Village> = Vec::with_capacity(nv);
    for &v in &codes.order {
        let stem = namer.stem(rng);
        let ids = &cells.ids[v];
        villages.push(Village {
            code: codes.code[v].clone(),
            name: format!("{stem}{}", if urban[v] { "社区" } else { "村" }),
            town: town[v],
            urban: urban[v],
            seed: seed[v],
            outer: Ring {
                deg: ids.iter().map(|&k| cells.vdeg[k]).collect(),
                m: ids.iter().map(|&k| cells.vm[k]).collect(),
            },
            // cells.nbr[v][j] is the neighbour across the edge that starts
            // at ids[j].
            outer_nbr: cells.nbr[v]
                .iter()
                .map(|&u| (u < nv).then(|| index_of[u]))
                .collect(),
            holes: Vec::new(),
            parts: Vec::new(),
            geom: MultiPolygon::new(vec![]),
        });
    }
    (villages, index_of)
}

/// Step 7e: towns and county as exact unions of their cells (see the module
/// overview for why we trace instead of calling a boolean union). Fills
/// each town's geometry and returns the county's.
fn trace_regions(
    towns: &mut [Town],
    villages: &[Village],
    order: &[usize],
    index_of: &[usize],
    cells: &Cells,
) -> Result<MultiPolygon<f64>, Retry> {
    for (ti, town) in towns.iter_mut().enumerate() {
        let members: Vec<&Vec<usize>> = order
            .iter()
            .filter(|&&v| villages[index_of[v]].town == ti)
            .map(|&v| &cells.ids[v])
            .collect();
        town.geom = union_of(&members, &cells.vdeg, &cells.vm)?;
        if !town.geom.is_valid() {
            return Err(Retry("invalid town polygon"));
        }
    }
    let all: Vec<&Vec<usize>> = cells.ids.iter().collect();
    let county = union_of(&all, &cells.vdeg, &cells.vm)?;
    if county.0.len() != 1 || !county.0[0].interiors().is_empty() || !county.is_valid() {
        return Err(Retry("the county is not one simple polygon"));
    }
    Ok(county)
}

/// Step 8: enclaves, then lakes, about [`ENCLAVE_SHARE`] of the villages
/// each (at least one lake). A village holds at most one hole and owns at
/// most one enclave.
fn cut_holes(rng: &mut Rng, proj: &LocalProjection, villages: &mut [Village]) {
    let nv = villages.len();
    let n_special = if nv >= 2 {
        count(nv as f64 * ENCLAVE_SHARE)
    } else {
        0
    };
    let mut has_hole = vec![false; nv];
    let mut owns = vec![false; nv];
    cut_enclaves(rng, proj, villages, n_special, &mut has_hole, &mut owns);
    cut_lakes(rng, proj, villages, n_special, &mut has_hole, &owns);
}

/// Step 8a: enclaves. A square is cut from a neighbour in the same town,
/// given to the village as an extra part and left as a hole in the
/// neighbour.
fn cut_enclaves(
    rng: &mut Rng,
    proj: &LocalProjection,
    villages: &mut [Village],
    n_special: usize,
    has_hole: &mut [bool],
    owns: &mut [bool],
) {
    let nv = villages.len();
    let mut made = 0;
    for _ in 0..200 * n_special.max(1) {
        if made >= n_special {
            break;
        }
        let a = rng.below(nv);
        if owns[a] {
            continue;
        }
        let hosts: Vec<usize> = villages[a]
            .outer_nbr
            .iter()
            .flatten()
            .copied()
            .filter(|&b| !has_hole[b] && villages[b].town == villages[a].town)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if hosts.is_empty() {
            continue;
        }
        let b = hosts[rng.below(hosts.len())];
        let h = rng.range(40.0, 110.0);
        let Some(c) = find_spot(rng, &villages[b], h * std::f64::consts::SQRT_2 + 25.0) else {
            continue;
        };
        let sq = [
            [c[0] - h, c[1] - h],
            [c[0] + h, c[1] - h],
            [c[0] + h, c[1] + h],
            [c[0] - h, c[1] + h],
        ];
        let ring = Ring::from_metres(proj, &sq);
        villages[b].holes.push(ring.clone());
        villages[a].parts.push(ring);
        has_hole[b] = true;
        owns[a] = true;
        made += 1;
    }
}

/// Step 8b: lakes, irregular polygon holes that belong to no village, in
/// villages that have neither a hole nor an enclave yet.
fn cut_lakes(
    rng: &mut Rng,
    proj: &LocalProjection,
    villages: &mut [Village],
    n_special: usize,
    has_hole: &mut [bool],
    owns: &[bool],
) {
    let nv = villages.len();
    let mut lakes = 0;
    for _ in 0..200 * n_special.max(1) {
        if lakes >= n_special.max(1) {
            break;
        }
        let c_v = rng.below(nv);
        if has_hole[c_v] || owns[c_v] {
            continue;
        }
        let r = rng.range(80.0, 300.0);
        let Some(c) = find_spot(rng, &villages[c_v], 1.3 * r + 25.0) else {
            continue;
        };
        let m = 10;
        let pts: Vec<Xy> = (0..m)
            .map(|i| {
                let th = std::f64::consts::TAU * f64::from(i) / f64::from(m);
                let rr = r * rng.range(0.75, 1.25);
                [c[0] + rr * th.cos(), c[1] + rr * th.sin()]
            })
            .collect();
        villages[c_v].holes.push(Ring::from_metres(proj, &pts));
        has_hole[c_v] = true;
        lakes += 1;
    }
}

/// Builds each village's MultiPolygon (main part with its holes, then the
/// enclave parts) and checks it is valid.
fn close_villages(villages: &mut [Village]) -> Result<(), Retry> {
    for v in villages {
        let main = Polygon::new(
            v.outer.line(false),
            v.holes.iter().map(|h| h.line(true)).collect(),
        );
        let mut polys = vec![main];
        polys.extend(v.parts.iter().map(|p| Polygon::new(p.line(false), vec![])));
        v.geom = MultiPolygon::new(polys);
        if !v.geom.is_valid() {
            return Err(Retry("invalid village polygon"));
        }
    }
    Ok(())
}

/// A random point of the village's main part with at least `clearance`
/// metres to every border, or `None` after a few hundred tries.
pub(super) fn find_spot(rng: &mut Rng, v: &Village, clearance: f64) -> Option<Xy> {
    let b = v.bbox();
    for _ in 0..300 {
        let p = [rng.range(b[0], b[2]), rng.range(b[1], b[3])];
        if v.main_contains(p, clearance) {
            return Some(p);
        }
    }
    None
}

/// The union of cells (rings of shared vertex ids) as a MultiPolygon in
/// degrees, traced over the edges that have no reverse twin.
pub(super) fn union_of(
    cells: &[&Vec<usize>],
    vdeg: &[Xy],
    vm: &[Xy],
) -> Result<MultiPolygon<f64>, Retry> {
    let mut edges: HashSet<(usize, usize)> = HashSet::new();
    for ring in cells {
        let n = ring.len();
        for i in 0..n {
            edges.insert((ring[i], ring[(i + 1) % n]));
        }
    }
    let mut next: BTreeMap<usize, usize> = BTreeMap::new();
    for &(a, b) in &edges {
        if !edges.contains(&(b, a)) && next.insert(a, b).is_some() {
            // Two cells of the region touch at a single vertex.
            return Err(Retry("a region is pinched at a vertex"));
        }
    }
    let mut outers: Vec<Vec<usize>> = Vec::new();
    let mut holes: Vec<Vec<usize>> = Vec::new();
    while let Some((&start, _)) = next.first_key_value() {
        let mut ring = Vec::new();
        let mut cur = start;
        loop {
            let nx = next.remove(&cur).ok_or(Retry("an open boundary"))?;
            ring.push(cur);
            cur = nx;
            if cur == start {
                break;
            }
        }
        let m: Vec<Xy> = ring.iter().map(|&k| vm[k]).collect();
        if signed_area2(&m) > 0.0 {
            outers.push(ring);
        } else {
            holes.push(ring);
        }
    }
    let line = |ring: &[usize]| {
        LineString::new(
            ring.iter()
                .map(|&k| Coord {
                    x: vdeg[k][0],
                    y: vdeg[k][1],
                })
                .collect(),
        )
    };
    let mut interiors: Vec<Vec<LineString<f64>>> = vec![Vec::new(); outers.len()];
    for h in &holes {
        let p = vm[h[0]];
        let host = outers
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                let m: Vec<Xy> = o.iter().map(|&k| vm[k]).collect();
                in_ring(&m, p)
            })
            .min_by(|(_, a), (_, b)| {
                let am: Vec<Xy> = a.iter().map(|&k| vm[k]).collect();
                let bm: Vec<Xy> = b.iter().map(|&k| vm[k]).collect();
                signed_area2(&am).total_cmp(&signed_area2(&bm))
            })
            .map(|(i, _)| i)
            .ok_or(Retry("a hole outside every ring"))?;
        interiors[host].push(line(h));
    }
    Ok(MultiPolygon::new(
        outers
            .iter()
            .zip(interiors)
            .map(|(o, ints)| Polygon::new(line(o), ints))
            .collect(),
    ))
}
