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
}

pub(super) struct Village {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) town: usize,
    pub(super) urban: bool,
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

pub(super) fn build_layout(rng: &mut Rng, nv: usize, nt: usize) -> Result<Layout, Retry> {
    let proj = LocalProjection::new(ORIGIN_LON, ORIGIN_LAT);
    let area = AREA_AT_1_M2 * nv as f64 / VILLAGES_AT_1;
    // Step 1: the outline, 1.35 times wider (east-west) than tall.
    let s = (area / std::f64::consts::PI).sqrt();
    let blob = Blob {
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
    };
    let rmax = blob.a.max(blob.b) * 1.3;

    // Step 2: town centres; the first is the county seat, east of centre
    // (Rui'an's city lies on the coastal plain).
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

    // Step 3: village seeds under a density that peaks at town centres.
    let sigma = 0.3 * r_town;
    let density = |p: Xy| -> f64 {
        let west = 0.5 + 0.5 * ((p[0] / rmax + 1.0) / 2.0).clamp(0.0, 1.0);
        let towns: f64 = centres
            .iter()
            .zip(&street)
            .map(|(&c, &st)| {
                let w = if st { 5.0 } else { 1.5 };
                w * (-dist2(p, c) / (2.0 * sigma * sigma)).exp()
            })
            .sum();
        west + towns
    };
    let rho_max = centres.iter().map(|&c| density(c)).fold(1.0, f64::max) * 1.1;
    let mut rho_sum = 0.0;
    let mut rho_n = 0.0;
    while rho_n < 4000.0 {
        let p = uniform_in(rng, rmax);
        if blob.contains(p, 1.0) {
            rho_sum += density(p);
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
        let rho = density(p);
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
    // Margin seeds: two rings outside the outline, plus four far corners so
    // that every inner cell is bounded.
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
        let d = spacing * (rho_mean / density(edge)).sqrt();
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

    // Step 4: Voronoi cells from the Delaunay triangulation.
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
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
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
    // Step 5: round each merged vertex once.
    let mut vdeg: Vec<Xy> = vec![[f64::NAN, f64::NAN]; nfaces];
    let mut vm: Vec<Xy> = vec![[f64::NAN, f64::NAN]; nfaces];
    // Per cell: merged vertex ids counter-clockwise, and per edge from
    // ids[j] to ids[j + 1] the seed across it.
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
                let d = to_deg(&proj, cc[b]);
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

    // Step 6: towns by multi-source Dijkstra from the village nearest each
    // centre.
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

    // Step 7: urban communities and codes.
    let n_urban = (nv as f64 * URBAN_SHARE).round() as usize;
    let mut by_urban: Vec<usize> = (0..nv).collect();
    let score = |v: usize| {
        let t = town_of[v];
        dist2(seeds[v], centres[t]).sqrt() * if street[t] { 0.5 } else { 1.0 }
    };
    by_urban.sort_by(|&a, &b| score(a).total_cmp(&score(b)).then(a.cmp(&b)));
    let mut urban = vec![false; nv];
    for &v in &by_urban[..n_urban] {
        urban[v] = true;
    }
    let mut namer = Namer {
        used: BTreeSet::new(),
    };
    let town_order: Vec<usize> = {
        let order = serpentine(&centres, 2.0 * r_town);
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
        });
    }
    // Village order: by town code, then communities, then villages, each in
    // serpentine order.
    let mut order: Vec<usize> = Vec::with_capacity(nv);
    let mut vcode = vec![String::new(); nv];
    for &t in &town_order {
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
    let mut index_of = vec![0; nv];
    for (i, &v) in order.iter().enumerate() {
        index_of[v] = i;
    }
    let town_index: BTreeMap<&str, usize> = towns
        .iter()
        .enumerate()
        .map(|(i, t)| (t.code.as_str(), i))
        .collect();
    let mut villages: Vec<Village> = Vec::with_capacity(nv);
    for &v in &order {
        let stem = namer.stem(rng);
        let ids = &cell_ids[v];
        villages.push(Village {
            code: vcode[v].clone(),
            name: format!("{stem}{}", if urban[v] { "社区" } else { "村" }),
            town: town_index[&town_code[town_of[v]][..]],
            urban: urban[v],
            outer: Ring {
                deg: ids.iter().map(|&k| vdeg[k]).collect(),
                m: ids.iter().map(|&k| vm[k]).collect(),
            },
            // cell_nbr[v][j] is the neighbour across the edge that starts
            // at ids[j].
            outer_nbr: cell_nbr[v]
                .iter()
                .map(|&u| (u < nv).then(|| index_of[u]))
                .collect(),
            holes: Vec::new(),
            parts: Vec::new(),
            geom: MultiPolygon::new(vec![]),
        });
    }

    // Towns and county: exact unions of cells.
    for (ti, town) in towns.iter_mut().enumerate() {
        let cells: Vec<&Vec<usize>> = order
            .iter()
            .filter(|&&v| villages[index_of[v]].town == ti)
            .map(|&v| &cell_ids[v])
            .collect();
        town.geom = union_of(&cells, &vdeg, &vm)?;
        if !town.geom.is_valid() {
            return Err(Retry("invalid town polygon"));
        }
    }
    let all: Vec<&Vec<usize>> = cell_ids.iter().collect();
    let county = union_of(&all, &vdeg, &vm)?;
    if county.0.len() != 1 || !county.0[0].interiors().is_empty() || !county.is_valid() {
        return Err(Retry("the county is not one simple polygon"));
    }

    // Step 8: enclaves and lakes.
    let n_special = if nv >= 2 {
        count(nv as f64 * ENCLAVE_SHARE)
    } else {
        0
    };
    let mut has_hole = vec![false; nv];
    let mut owns = vec![false; nv];
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
        let ring = Ring::from_metres(&proj, &sq);
        villages[b].holes.push(ring.clone());
        villages[a].parts.push(ring);
        has_hole[b] = true;
        owns[a] = true;
        made += 1;
    }
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
        villages[c_v].holes.push(Ring::from_metres(&proj, &pts));
        has_hole[c_v] = true;
        lakes += 1;
    }
    for v in &mut villages {
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
    Ok(Layout {
        proj,
        county,
        towns,
        villages,
    })
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
