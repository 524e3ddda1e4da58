//! Territory cells: the land each building serves, cut by the village
//! outline and by the barriers on the ground, and the one adjacency that
//! every step judges contiguity on (docs/DESIGN.md §9).
//!
//! A grid's polygon is the union of its buildings' cells, so a grid is one
//! piece exactly when its buildings are connected through cells that share
//! a border of positive length. This module builds those cells and that
//! graph for one territory (a village, or a village with its zones), so
//! that the partition, the contiguity repair, the micro-grids, the polygons
//! and the metrics all see the same territory.
//!
//! # Parameters
//! - `sites`: the distinct positions of the territory's buildings, in
//!   local metres. Sites may lie outside the territory (households snapped
//!   into their village); such a site gets a cell only if its Voronoi cell
//!   reaches the territory.
//! - `territory`: the village polygon (holes are lakes or other villages).
//! - `lines`: the barriers that reach the territory, as polylines in metres,
//!   each with its barrier index and whether it is hard.
//!
//! # Algorithm
//! 1. The Voronoi cells of the sites on one integer grid (steps 3-5 of
//!    [`crate::geometry::polygons`], through [`crate::engine::voronoi`]).
//! 2. Free ends: a barrier that ends inside the territory (a road that
//!    stops, a river's source) would leave a slit that splits no cell, so
//!    land on both sides of it would go to one building. Each free end is
//!    extended along its last segment to the edge of the Voronoi cell it
//!    ends in; the extension is a plain cut (people walk round the end), but
//!    it keeps the two sides of the barrier in different pieces of land.
//! 3. Slice the territory by every Voronoi edge, barrier segment and
//!    extension in one i_overlay string overlay: the resulting faces
//!    (*atoms*) each lie in one Voronoi cell and one barrier block.
//! 4. Adjacency of atoms: two atoms are adjacent where their contours share
//!    a segment (the overlay puts a node at every crossing, so shared
//!    borders appear as identical integer segments in both contours). Each
//!    shared segment is classed as barrier (soft or hard, with the barrier's
//!    index), extension, or plain, by looking it up among the barrier and
//!    extension segments (an R-tree; tolerance two grid units).
//! 5. Owners: the atom that holds a site is that site's core. Every other
//!    atom (the far side of a barrier, the part of a cell beyond a notch of
//!    the outline, land in a block with no building) is adopted
//!    Dijkstra-wise: first across plain borders only, by the nearest site
//!    among the owners next to it, so land goes to the nearest building on
//!    its own side; then, for blocks with no building, across any border;
//!    last, a piece of territory touching no owned atom (an empty island or
//!    enclave) goes whole to the site nearest to it.
//! 6. The graph on the sites: an edge where two sites' atoms share a
//!    border, classed [`Border::Plain`] when any shared length is not a
//!    barrier, else [`Border::Soft`], else [`Border::Hard`], remembering the
//!    barrier with the longest shared length.
//! 7. Enclave links: a territory in several parts (飞地) gives a graph in
//!    several components. They are joined by the shortest Delaunay edges
//!    between components (Kruskal; the Delaunay graph holds the Euclidean
//!    minimum spanning tree, so this is the shortest possible set of
//!    links). A link to a site without land is a [`Border::Snap`] link,
//!    any other an [`Border::Enclave`] link. These are the only edges along
//!    which a grid's polygon may fall into several pieces.
//!
//! # Complexity
//! O(n log n) for the Voronoi diagram and O((n + b) log(n + b)) for the
//! slicing, with n sites and b barrier vertices; adoption is
//! O(a log a) for a atoms. A village of 240 buildings takes about a
//! millisecond (`benches/polygons.rs`).
//!
//! # Errors
//! [`PolygonError`] for a non-finite site or territory, an empty territory,
//! or a triangulation failure.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use geo::{BoundingRect, Contains, MultiPolygon};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::solver::Solver;
use i_overlay::i_float::int::point::IntPoint;
use i_overlay::i_shape::int::shape::{IntContour, IntShape};
use i_overlay::string::line::IntLine;
use i_overlay::string::overlay::StringOverlay;
use i_overlay::string::rule::StringRule;
use rstar::{AABB, RTree, RTreeObject};

use crate::engine::graph::{self, Dsu, Graph};
use crate::engine::voronoi::{BBox, IntGrid, PolygonError, enclosing_box, voronoi_cells};

/// A barrier as the territory sees it: a polyline in local metres.
#[derive(Clone, Debug, PartialEq)]
pub struct BarrierLine {
    /// The barrier's index (in the barriers file order).
    pub barrier: u32,
    /// Hard or soft.
    pub hard: bool,
    /// The vertices; a closed ring repeats its first point last.
    pub points: Vec<[f64; 2]>,
}

/// What lies between two neighbouring buildings, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Border {
    /// Their cells share land not on any barrier.
    Plain,
    /// They meet only across the continuation of a hard barrier that ends
    /// inside the territory (step 2): nothing to cross on the ground, but
    /// the line that closes the barrier's block.
    Open,
    /// They meet only across soft barriers.
    Soft,
    /// They meet only across a hard barrier.
    Hard,
    /// No shared border: the link that joins two parts of the territory.
    Enclave,
    /// No shared border: the link to a building without land of its own.
    Snap,
}

/// An edge of the graph on the sites.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SiteEdge {
    /// The lower site.
    pub u: u32,
    /// The higher site.
    pub v: u32,
    /// What separates them.
    pub border: Border,
    /// For a soft or hard border, the barrier with the longest shared
    /// length (`u32::MAX` otherwise).
    pub barrier: u32,
    /// Shared border length not on a barrier, m.
    pub plain_m: f64,
}

/// The cells of one territory and their adjacency.
pub struct Territory {
    grid: Option<IntGrid>,
    /// The atoms (faces of step 3), as integer shapes.
    atoms: Vec<IntShape>,
    /// The owning site of every atom.
    owner: Vec<u32>,
    /// Atom adjacency: (a, b, length in m, class).
    atom_edges: Vec<(u32, u32, f64, Class)>,
    /// The neighbours of every atom.
    atom_adj: Vec<Vec<u32>>,
    /// The part (component over all atom borders) of every atom.
    part: Vec<u32>,
    /// The atoms of each site: `site_atoms[site_start[s]..site_start[s + 1]]`.
    site_atoms: Vec<u32>,
    site_start: Vec<u32>,
    /// The hard block (components of atoms across no hard barrier or
    /// continuation) of every atom, and of every site's core atom
    /// (`u32::MAX` for a site without one).
    atom_region: Vec<u32>,
    core_region: Vec<u32>,
    /// The graph on the sites (shared borders and links).
    graph: Graph,
    /// Its edges with their borders, sorted by (u, v).
    edges: Vec<SiteEdge>,
    /// Sites.
    n: usize,
}

impl std::fmt::Debug for Territory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Territory")
            .field("sites", &self.n)
            .field("atoms", &self.atoms.len())
            .field("edges", &self.edges.len())
            .finish_non_exhaustive()
    }
}

/// The barrier index that marks an open border while edges are merged.
const OPEN: u32 = u32::MAX - 1;

/// The barrier index of a contact through land taken across a hard
/// barrier: hard, but no barrier of the file.
pub const ADOPTED: u32 = u32::MAX - 2;

/// The class of an atom border.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    Plain,
    /// The continuation of a free end; `hard` for a hard barrier's, which
    /// runs on to the next line or the outline.
    Extension {
        hard: bool,
    },
    Barrier {
        barrier: u32,
        hard: bool,
    },
}

impl Territory {
    /// Builds the cells and the graph of one territory (see the module
    /// docs). `code` names the territory in errors.
    ///
    /// # Errors
    /// [`PolygonError`] as in the module docs.
    pub fn build(
        code: &str,
        sites: &[[f64; 2]],
        territory: &MultiPolygon<f64>,
        lines: &[BarrierLine],
    ) -> Result<Self, PolygonError> {
        check(code, sites, territory)?;
        let n = sites.len();
        let Some(rect) = territory.bounding_rect() else {
            return Err(PolygonError::EmptyTerritory { code: code.into() });
        };
        if n == 0 {
            return Ok(Self::empty());
        }
        let bbox = enclosing_box(rect, sites);
        let cells = voronoi_cells(code, sites, &bbox)?;
        let grid = IntGrid::new(&bbox);
        let sites_tree = RTree::bulk_load(
            sites
                .iter()
                .enumerate()
                .map(|(i, &p)| rstar::primitives::GeomWithData::new(p, i as u32))
                .collect(),
        );
        let cuts = Cuts::new(&grid, &bbox, territory, lines, &cells, &sites_tree);
        let atoms = slice(&grid, territory, &cells, &cuts);
        let atom_edges = atom_adjacency(&grid, &atoms, &cuts);
        let (owner, core) = adopt(&grid, sites, &atoms, &atom_edges, &sites_tree);
        let mut t = Self {
            grid: Some(grid),
            atoms,
            owner,
            atom_edges,
            atom_adj: Vec::new(),
            part: Vec::new(),
            site_atoms: Vec::new(),
            site_start: Vec::new(),
            atom_region: Vec::new(),
            core_region: Vec::new(),
            graph: Graph::default(),
            edges: Vec::new(),
            n,
        };
        t.index_atoms();
        t.core_region = t.core_regions(&core);
        t.site_graph(sites);
        Ok(t)
    }

    fn empty() -> Self {
        Self {
            grid: None,
            atoms: Vec::new(),
            owner: Vec::new(),
            atom_edges: Vec::new(),
            atom_adj: Vec::new(),
            part: Vec::new(),
            site_atoms: Vec::new(),
            site_start: vec![0],
            atom_region: Vec::new(),
            core_region: Vec::new(),
            graph: Graph::from_edges(0, &[]),
            edges: Vec::new(),
            n: 0,
        }
    }

    /// The graph on the sites: shared borders of every class and links.
    #[must_use]
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The subgraph induced by `nodes` (node i standing for `nodes[i]`)
    /// with shared land only, no links: a set connected in it has one
    /// polygon piece (micro-grids are cut on this graph, since a grid's
    /// enclave part cannot be helped at their level).
    #[must_use]
    pub fn induced_land(&self, nodes: &[u32]) -> Graph {
        let sub = self.graph.induced(nodes);
        let mut edges = Vec::new();
        for i in 0..sub.len() {
            for &j in sub.neighbors(i) {
                if (i as u32) < j
                    && self
                        .edge(nodes[i], nodes[j as usize])
                        .is_some_and(|e| !matches!(e.border, Border::Enclave | Border::Snap))
                {
                    edges.push((i as u32, j));
                }
            }
        }
        Graph::from_edges(nodes.len(), &edges)
    }

    /// Every edge of [`Self::graph`] with its border, sorted by (u, v).
    #[must_use]
    pub fn edges(&self) -> &[SiteEdge] {
        &self.edges
    }

    /// The edge between sites `a` and `b`, if any.
    #[must_use]
    pub fn edge(&self, a: u32, b: u32) -> Option<&SiteEdge> {
        let (u, v) = if a < b { (a, b) } else { (b, a) };
        self.edges
            .binary_search_by(|e| (e.u, e.v).cmp(&(u, v)))
            .ok()
            .map(|i| &self.edges[i])
    }

    /// The number of sites.
    #[must_use]
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when there are no sites.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Components of the sites joined by the edges whose border `through`
    /// accepts, numbered 0.. in order of their lowest site.
    #[must_use]
    pub fn blocks(&self, through: impl Fn(Border) -> bool) -> Vec<u32> {
        let mut uf = Dsu::new(self.n);
        for e in &self.edges {
            if through(e.border) {
                uf.union(e.u as usize, e.v as usize);
            }
        }
        let mut id = vec![u32::MAX; self.n];
        let mut out = vec![0u32; self.n];
        let mut next = 0u32;
        for (i, o) in out.iter_mut().enumerate() {
            let r = uf.find(i);
            if id[r] == u32::MAX {
                id[r] = next;
                next += 1;
            }
            *o = id[r];
        }
        out
    }

    /// The polygon of each group `0..k` of sites (`labels[site]`; a label
    /// of `k` or more is left out): the union of its sites' cells. The
    /// groups tile the territory exactly: neighbouring groups share
    /// bit-identical borders.
    #[must_use]
    pub fn group_polygons(&self, labels: &[u32], k: usize) -> Vec<MultiPolygon<f64>> {
        let mut groups: Vec<Vec<IntContour>> = vec![Vec::new(); k];
        for (a, shape) in self.atoms.iter().enumerate() {
            let l = labels[self.owner[a] as usize] as usize;
            if l < k {
                groups[l].extend(shape.iter().cloned());
            }
        }
        groups.iter().map(|c| self.union(c)).collect()
    }

    /// The union of the cells of `sites`.
    #[must_use]
    pub fn cells_polygon(&self, sites: &[u32]) -> MultiPolygon<f64> {
        let mut keep = vec![false; self.n];
        for &s in sites {
            keep[s as usize] = true;
        }
        let contours: Vec<IntContour> = self
            .atoms
            .iter()
            .zip(&self.owner)
            .filter(|(_, o)| keep[**o as usize])
            .flat_map(|(shape, _)| shape.iter().cloned())
            .collect();
        self.union(&contours)
    }

    fn union(&self, contours: &[IntContour]) -> MultiPolygon<f64> {
        let Some(grid) = &self.grid else {
            return MultiPolygon::new(Vec::new());
        };
        if contours.is_empty() {
            return MultiPolygon::new(Vec::new());
        }
        let solver = Solver {
            multithreading: None,
            ..Solver::AUTO
        };
        // Even-odd filling unions the atoms: they do not overlap and their
        // shared borders are the same integer segments, which cancel.
        let shapes = Overlay::with_contours_custom(contours, &[], IntOverlayOptions::ogc(), solver)
            .overlay(OverlayRule::Subject, FillRule::EvenOdd);
        grid.multi_polygon(&shapes)
    }

    /// The number of polygon pieces of each group `0..k`: components of its
    /// atoms joined by shared borders. This is what a GIS counts in the
    /// group's polygon.
    #[must_use]
    pub fn pieces(&self, labels: &[u32], k: usize) -> Vec<usize> {
        let group = |a: u32| labels[self.owner[a as usize] as usize] as usize;
        let mut uf = Dsu::new(self.atoms.len());
        for &(a, b, _, _) in &self.atom_edges {
            if group(a) == group(b) {
                uf.union(a as usize, b as usize);
            }
        }
        let mut pieces = vec![0usize; k];
        for a in 0..self.atoms.len() {
            let g = group(a as u32);
            if g < k && uf.find(a) == a {
                pieces[g] += 1;
            }
        }
        pieces
    }

    /// The polygon pieces of the union of the cells of `sites` (a set; a
    /// site may also be in other sets): components of their atoms joined by
    /// shared borders. O(atoms of the set · log).
    #[must_use]
    pub fn pieces_of(&self, sites: &[u32]) -> usize {
        let atoms = self.atoms_of_sites(sites);
        let mut uf = Dsu::new(atoms.len());
        let mut pieces = atoms.len();
        for (i, &a) in atoms.iter().enumerate() {
            for &b in &self.atom_adj[a as usize] {
                if let Ok(j) = atoms.binary_search(&b)
                    && uf.union(i, j)
                {
                    pieces -= 1;
                }
            }
        }
        pieces
    }

    /// The parts of the territory (atoms joined by any shared border) that
    /// the cells of `sites` touch. A set is one piece, enclave links aside,
    /// when [`Self::pieces_of`] equals this.
    #[must_use]
    pub fn parts_of(&self, sites: &[u32]) -> usize {
        let atoms = self.atoms_of_sites(sites);
        let mut parts: Vec<u32> = atoms.iter().map(|&a| self.part[a as usize]).collect();
        parts.sort_unstable();
        parts.dedup();
        parts.len()
    }

    /// The atoms of `sites`, in increasing order.
    fn atoms_of_sites(&self, sites: &[u32]) -> Vec<u32> {
        let mut atoms: Vec<u32> = Vec::new();
        for &s in sites {
            let s = s as usize;
            if s < self.n {
                atoms.extend_from_slice(
                    &self.site_atoms[self.site_start[s] as usize..self.site_start[s + 1] as usize],
                );
            }
        }
        atoms.sort_unstable();
        atoms.dedup();
        atoms
    }

    /// The number of parts of the territory each group `0..k` touches (a
    /// part: the atoms joined by any shared border). A group is in one
    /// piece, enclave links aside, when its pieces equal its parts.
    #[must_use]
    pub fn parts_touched(&self, labels: &[u32], k: usize) -> Vec<usize> {
        let mut uf = Dsu::new(self.atoms.len());
        for &(a, b, _, _) in &self.atom_edges {
            uf.union(a as usize, b as usize);
        }
        let mut seen: Vec<(usize, usize)> = (0..self.atoms.len())
            .filter_map(|a| {
                let g = labels[self.owner[a] as usize] as usize;
                (g < k).then(|| (g, uf.find(a)))
            })
            .collect();
        seen.sort_unstable();
        seen.dedup();
        let mut parts = vec![0usize; k];
        for (g, _) in seen {
            parts[g] += 1;
        }
        parts
    }

    /// Barrier length inside each group `0..k`: for every barrier border
    /// whose two sides are in one group, `(group, barrier, hard, metres)`,
    /// summed per (group, barrier) and sorted.
    #[must_use]
    pub fn inside_barriers(&self, labels: &[u32], k: usize) -> Vec<(u32, u32, bool, f64)> {
        let mut out: Vec<(u32, u32, bool, f64)> = Vec::new();
        for &(a, b, len, class) in &self.atom_edges {
            let Class::Barrier { barrier, hard } = class else {
                continue;
            };
            let ga = labels[self.owner[a as usize] as usize];
            if (ga as usize) < k && ga == labels[self.owner[b as usize] as usize] {
                out.push((ga, barrier, hard, len));
            }
        }
        out.sort_by_key(|x| (x.0, x.1));
        let mut merged: Vec<(u32, u32, bool, f64)> = Vec::new();
        for e in out {
            match merged.last_mut() {
                Some(m) if (m.0, m.1) == (e.0, e.1) => m.3 += e.3,
                _ => merged.push(e),
            }
        }
        merged
    }

    /// The links of the graph: (enclave links, snap links).
    #[must_use]
    pub fn links(&self) -> (usize, usize) {
        let count = |b: Border| self.edges.iter().filter(|e| e.border == b).count();
        (count(Border::Enclave), count(Border::Snap))
    }

    /// The atoms' neighbour lists, parts, and the atoms of each site.
    fn index_atoms(&mut self) {
        let m = self.atoms.len();
        let mut adj: Vec<Vec<u32>> = vec![Vec::new(); m];
        let mut uf = Dsu::new(m);
        for &(a, b, _, _) in &self.atom_edges {
            adj[a as usize].push(b);
            adj[b as usize].push(a);
            uf.union(a as usize, b as usize);
        }
        self.part = (0..m).map(|a| uf.find(a) as u32).collect();
        self.atom_adj = adj;
        let mut start = vec![0u32; self.n + 1];
        for &o in &self.owner {
            start[o as usize + 1] += 1;
        }
        for i in 0..self.n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut atoms = vec![0u32; m];
        for (a, &o) in self.owner.iter().enumerate() {
            atoms[fill[o as usize] as usize] = a as u32;
            fill[o as usize] += 1;
        }
        self.site_atoms = atoms;
        self.site_start = start;
    }

    /// The hard block of every atom, and of every site's core atom.
    fn core_regions(&mut self, core: &[u32]) -> Vec<u32> {
        let m = self.atoms.len();
        let mut uf = Dsu::new(m);
        for &(a, b, _, class) in &self.atom_edges {
            if matches!(
                class,
                Class::Plain
                    | Class::Extension { hard: false }
                    | Class::Barrier { hard: false, .. }
            ) {
                uf.union(a as usize, b as usize);
            }
        }
        self.atom_region = (0..m).map(|a| uf.find(a) as u32).collect();
        core.iter()
            .map(|&c| {
                if c == u32::MAX {
                    u32::MAX
                } else {
                    self.atom_region[c as usize]
                }
            })
            .collect()
    }

    /// Whether atom `a` is land its owner took across a hard barrier (a
    /// block with no building of its own, step 5).
    fn adopted(&self, a: u32) -> bool {
        let r = self.core_region[self.owner[a as usize] as usize];
        r != u32::MAX && self.atom_region[a as usize] != r
    }

    /// Hard barriers that lie inside a single site's land (it took an
    /// empty block across them): `(site, barrier)`, sorted.
    #[must_use]
    pub fn barriers_within_cells(&self) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = self
            .atom_edges
            .iter()
            .filter_map(|&(a, b, _, class)| match class {
                Class::Barrier {
                    barrier,
                    hard: true,
                } if self.owner[a as usize] == self.owner[b as usize] => {
                    Some((self.owner[a as usize], barrier))
                }
                _ => None,
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Step 6 and 7: the graph on the sites.
    fn site_graph(&mut self, sites: &[[f64; 2]]) {
        let mut acc: Vec<(u32, u32, f64, f64, u32)> = Vec::new();
        for &(a, b, len, class) in &self.atom_edges {
            let (oa, ob) = (self.owner[a as usize], self.owner[b as usize]);
            if oa == ob {
                continue;
            }
            let (u, v) = if oa < ob { (oa, ob) } else { (ob, oa) };
            // Contact through land a site took across a hard barrier is
            // contact across that barrier: it must not join the blocks.
            let class = if self.adopted(a) || self.adopted(b) {
                Class::Barrier {
                    barrier: ADOPTED,
                    hard: true,
                }
            } else {
                class
            };
            match class {
                Class::Plain | Class::Extension { hard: false } => {
                    acc.push((u, v, len, 0.0, u32::MAX));
                }
                // An open border is kept as a barrier of index u32::MAX
                // with an infinitesimal soft length, below any real one.
                Class::Extension { hard: true } => acc.push((u, v, 0.0, 0.0, OPEN)),
                Class::Barrier { barrier, hard } => {
                    // Hard lengths are kept apart by a sign, so one pass
                    // can find the strongest class.
                    let l = if hard { -len } else { len };
                    acc.push((u, v, 0.0, l, barrier));
                }
            }
        }
        acc.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(x.4.cmp(&y.4)));
        let mut edges: Vec<SiteEdge> = Vec::new();
        let mut i = 0;
        while i < acc.len() {
            let (u, v) = (acc[i].0, acc[i].1);
            let mut j = i;
            let (mut plain, mut soft, mut best) = (0.0, false, (0.0f64, u32::MAX));
            let mut open = false;
            while j < acc.len() && (acc[j].0, acc[j].1) == (u, v) {
                plain += acc[j].2;
                open |= acc[j].4 == OPEN;
                let l = acc[j].3;
                soft |= l > 0.0;
                if l.abs() > best.0 {
                    best = (l.abs(), acc[j].4);
                }
                j += 1;
            }
            let border = if plain > 0.0 {
                Border::Plain
            } else if open {
                Border::Open
            } else if soft {
                Border::Soft
            } else {
                Border::Hard
            };
            edges.push(SiteEdge {
                u,
                v,
                border,
                barrier: if matches!(border, Border::Plain | Border::Open) {
                    u32::MAX
                } else {
                    best.1
                },
                plain_m: plain,
            });
            i = j;
        }
        self.edges = edges;
        self.link_parts(sites);
        let pairs: Vec<(u32, u32)> = self.edges.iter().map(|e| (e.u, e.v)).collect();
        self.graph = Graph::from_edges(self.n, &pairs);
    }

    /// Step 7: enclave and snap links by Kruskal over the Delaunay edges.
    fn link_parts(&mut self, sites: &[[f64; 2]]) {
        let mut uf = Dsu::new(self.n);
        for e in &self.edges {
            uf.union(e.u as usize, e.v as usize);
        }
        let mut has_land = vec![false; self.n];
        for &o in &self.owner {
            has_land[o as usize] = true;
        }
        let mut cand = graph::delaunay_edges(sites);
        let d2 = |(a, b): (u32, u32)| {
            let (p, q) = (sites[a as usize], sites[b as usize]);
            (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)
        };
        cand.sort_by(|&x, &y| d2(x).total_cmp(&d2(y)).then(x.cmp(&y)));
        for (a, b) in cand {
            if uf.union(a as usize, b as usize) {
                let (u, v) = if a < b { (a, b) } else { (b, a) };
                let border = if has_land[a as usize] && has_land[b as usize] {
                    Border::Enclave
                } else {
                    Border::Snap
                };
                self.edges.push(SiteEdge {
                    u,
                    v,
                    border,
                    barrier: u32::MAX,
                    plain_m: 0.0,
                });
            }
        }
        self.edges.sort_by_key(|x| (x.u, x.v));
    }
}

fn check(
    code: &str,
    sites: &[[f64; 2]],
    territory: &MultiPolygon<f64>,
) -> Result<(), PolygonError> {
    for (i, p) in sites.iter().enumerate() {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return Err(PolygonError::NonFiniteSite {
                code: code.into(),
                site: i,
                x: p[0],
                y: p[1],
            });
        }
    }
    let finite = territory
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.iter())
        .all(|c| c.x.is_finite() && c.y.is_finite());
    if finite {
        Ok(())
    } else {
        Err(PolygonError::NonFiniteTerritory { code: code.into() })
    }
}

/// An integer segment with its class, for the R-tree of step 4.
struct Tagged {
    a: IntPoint,
    b: IntPoint,
    class: Class,
}

impl RTreeObject for Tagged {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [f64::from(self.a.x), f64::from(self.a.y)],
            [f64::from(self.b.x), f64::from(self.b.y)],
        )
    }
}

/// The barrier segments and extensions, in grid units, clipped to the box.
struct Cuts {
    lines: Vec<IntLine>,
    tree: RTree<Tagged>,
    /// How far (grid units) a border may lie from a cut and still run
    /// along it: a millimetre. The overlay snaps crossings to the grid
    /// with a radius that grows while it resolves them, so a few units
    /// are not enough; no Voronoi edge runs within a millimetre of a
    /// barrier along its whole length by chance.
    tol: f64,
}

type SiteTree = RTree<rstar::primitives::GeomWithData<[f64; 2], u32>>;

impl Cuts {
    fn new(
        grid: &IntGrid,
        bbox: &BBox,
        territory: &MultiPolygon<f64>,
        lines: &[BarrierLine],
        cells: &[Vec<[f64; 2]>],
        sites: &SiteTree,
    ) -> Self {
        let mut tagged: Vec<Tagged> = Vec::new();
        for l in lines {
            let class = Class::Barrier {
                barrier: l.barrier,
                hard: l.hard,
            };
            for w in l.points.windows(2) {
                push_clipped(grid, bbox, w[0], w[1], class, &mut tagged);
            }
        }
        for (tip, exit, hard) in extensions(lines, territory, cells, sites, bbox) {
            push_clipped(
                grid,
                bbox,
                tip,
                exit,
                Class::Extension { hard },
                &mut tagged,
            );
        }
        let lines = tagged.iter().map(|t| [t.a, t.b]).collect();
        Self {
            lines,
            tree: RTree::bulk_load(tagged),
            tol: (grid.scale() * 1e-3).max(2.0),
        }
    }

    /// The class of atom border `p`–`q`: a barrier or extension segment it
    /// lies on (within two grid units), else plain.
    fn class_of(&self, p: IntPoint, q: IntPoint) -> Class {
        let mid = [
            0.5 * (f64::from(p.x) + f64::from(q.x)),
            0.5 * (f64::from(p.y) + f64::from(q.y)),
        ];
        let r = self.tol;
        let env = AABB::from_corners([mid[0] - r, mid[1] - r], [mid[0] + r, mid[1] + r]);
        let mut best: Option<Class> = None;
        for t in self.tree.locate_in_envelope_intersecting(&env) {
            if on_segment(p, t, r) && on_segment(q, t, r) {
                best = Some(stronger(best, t.class));
            }
        }
        best.unwrap_or(Class::Plain)
    }
}

/// The class a border takes when it lies on two cuts: a barrier wins over
/// an extension; of two barriers, the hard one, then the lower index.
fn stronger(old: Option<Class>, new: Class) -> Class {
    match (old, new) {
        (
            Some(
                o @ Class::Barrier {
                    barrier: b0,
                    hard: h0,
                },
            ),
            Class::Barrier {
                barrier: b1,
                hard: h1,
            },
        ) => {
            if (h1 && !h0) || (h1 == h0 && b1 < b0) {
                new
            } else {
                o
            }
        }
        (Some(o @ Class::Barrier { .. }), _) => o,
        _ => new,
    }
}

/// Whether `p` lies within `r` grid units of segment `t`.
fn on_segment(p: IntPoint, t: &Tagged, r: f64) -> bool {
    let (ax, ay) = (f64::from(t.a.x), f64::from(t.a.y));
    let (dx, dy) = (f64::from(t.b.x) - ax, f64::from(t.b.y) - ay);
    let (px, py) = (f64::from(p.x) - ax, f64::from(p.y) - ay);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return px * px + py * py <= r * r;
    }
    let s = ((px * dx + py * dy) / len2).clamp(0.0, 1.0);
    let (ex, ey) = (px - s * dx, py - s * dy);
    ex * ex + ey * ey <= r * r
}

/// Clips segment ab to the box (Liang–Barsky) and pushes it in grid units.
fn push_clipped(
    grid: &IntGrid,
    bbox: &BBox,
    a: [f64; 2],
    b: [f64; 2],
    class: Class,
    out: &mut Vec<Tagged>,
) {
    let d = [b[0] - a[0], b[1] - a[1]];
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-d[0], a[0] - bbox[0]),
        (d[0], bbox[2] - a[0]),
        (-d[1], a[1] - bbox[1]),
        (d[1], bbox[3] - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 || !(a[0].is_finite() && a[1].is_finite() && b[0].is_finite() && b[1].is_finite()) {
        return;
    }
    let pa = grid.point([a[0] + t0 * d[0], a[1] + t0 * d[1]]);
    let pb = grid.point([a[0] + t1 * d[0], a[1] + t1 * d[1]]);
    if pa != pb {
        out.push(Tagged {
            a: pa,
            b: pb,
            class,
        });
    }
}

/// Step 2: for every free end of an open barrier, the segment from the end
/// along its last segment's direction: for a soft barrier to where it
/// leaves the end's Voronoi cell, for a hard one to the next barrier or the
/// outline, so that a hard barrier always closes a block (plus a
/// millimetre, so that the cut reaches its target after rounding). Returns
/// (tip, end, hard).
fn extensions(
    lines: &[BarrierLine],
    territory: &MultiPolygon<f64>,
    cells: &[Vec<[f64; 2]>],
    sites: &SiteTree,
    bbox: &BBox,
) -> Vec<([f64; 2], [f64; 2], bool)> {
    let ends = end_tree(lines);
    let mut walls: Vec<([f64; 2], [f64; 2])> = Vec::new();
    if lines.iter().any(|l| l.hard) {
        for p in territory {
            for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                for w in r.0.windows(2) {
                    walls.push(([w[0].x, w[0].y], [w[1].x, w[1].y]));
                }
            }
        }
        for l in lines {
            for w in l.points.windows(2) {
                walls.push((w[0], w[1]));
            }
        }
    }
    let mut out = Vec::new();
    for (li, l) in lines.iter().enumerate() {
        let m = l.points.len();
        // A closed ring repeats its first point bit for bit.
        #[expect(
            clippy::float_cmp,
            reason = "a ring's closing point is a copy of its first"
        )]
        let closed = l.points[0] == l.points[m - 1];
        if m < 2 || closed {
            continue;
        }
        for (tip, prev) in [
            (l.points[m - 1], l.points[m - 2]),
            (l.points[0], l.points[1]),
        ] {
            let inside_box =
                tip[0] > bbox[0] && tip[0] < bbox[2] && tip[1] > bbox[1] && tip[1] < bbox[3];
            // An end outside the territory (where the caller cut a long
            // line to the village) has no land to split.
            if !inside_box
                || joined(&ends, li, tip)
                || !territory.contains(&geo::Coord {
                    x: tip[0],
                    y: tip[1],
                })
            {
                continue;
            }
            let dir = [tip[0] - prev[0], tip[1] - prev[1]];
            if l.hard {
                if let Some(hit) = ray_hit(&walls, tip, dir, bbox) {
                    out.push((tip, hit, true));
                }
                continue;
            }
            let Some(site) = sites.nearest_neighbor(&tip) else {
                continue;
            };
            if let Some(exit) = ray_exit(&cells[site.data as usize], tip, dir) {
                out.push((tip, exit, false));
            }
        }
    }
    out
}

type SegTree = RTree<rstar::primitives::GeomWithData<rstar::primitives::Line<[f64; 2]>, u32>>;

fn end_tree(lines: &[BarrierLine]) -> SegTree {
    let mut segs = Vec::new();
    for (li, l) in lines.iter().enumerate() {
        for w in l.points.windows(2) {
            segs.push(rstar::primitives::GeomWithData::new(
                rstar::primitives::Line::new(w[0], w[1]),
                li as u32,
            ));
        }
    }
    RTree::bulk_load(segs)
}

/// Whether the end `tip` of line `li` touches another line (within 0.5 m):
/// a T-junction or the next piece of the same road, not a free end.
fn joined(ends: &SegTree, li: usize, tip: [f64; 2]) -> bool {
    // rstar takes the squared radius: 0.25 m² is 0.5 m.
    ends.locate_within_distance(tip, 0.25)
        .any(|s| s.data as usize != li)
}

/// Where the ray from `p` along `dir` first meets a wall (further than a
/// millimetre), pushed a millimetre further; the box's edge when it meets
/// none.
fn ray_hit(
    walls: &[([f64; 2], [f64; 2])],
    p: [f64; 2],
    dir: [f64; 2],
    bbox: &BBox,
) -> Option<[f64; 2]> {
    let norm = (dir[0] * dir[0] + dir[1] * dir[1]).sqrt();
    if norm.is_nan() || norm <= 0.0 {
        return None;
    }
    let d = [dir[0] / norm, dir[1] / norm];
    let mut best = f64::INFINITY;
    for &(a, b) in walls {
        let e = [b[0] - a[0], b[1] - a[1]];
        let den = d[0] * e[1] - d[1] * e[0];
        if den.abs() < 1e-12 {
            continue;
        }
        let w = [a[0] - p[0], a[1] - p[1]];
        let t = (w[0] * e[1] - w[1] * e[0]) / den;
        let s = (w[0] * d[1] - w[1] * d[0]) / den;
        if t > 1e-3 && (-1e-9..=1.0 + 1e-9).contains(&s) {
            best = best.min(t);
        }
    }
    if !best.is_finite() {
        // The box edge: the diagonal is an upper bound on the distance.
        best = (bbox[2] - bbox[0]).hypot(bbox[3] - bbox[1]);
    }
    Some([p[0] + (best + 1e-3) * d[0], p[1] + (best + 1e-3) * d[1]])
}

/// Where the ray from `p` along `dir` leaves the convex `cell`, pushed a
/// millimetre further.
fn ray_exit(cell: &[[f64; 2]], p: [f64; 2], dir: [f64; 2]) -> Option<[f64; 2]> {
    let norm = (dir[0] * dir[0] + dir[1] * dir[1]).sqrt();
    if norm.is_nan() || norm <= 0.0 || cell.len() < 3 {
        return None;
    }
    let d = [dir[0] / norm, dir[1] / norm];
    let mut best = f64::INFINITY;
    for i in 0..cell.len() {
        let a = cell[i];
        let b = cell[(i + 1) % cell.len()];
        let e = [b[0] - a[0], b[1] - a[1]];
        let den = d[0] * e[1] - d[1] * e[0];
        if den.abs() < 1e-12 {
            continue;
        }
        let w = [a[0] - p[0], a[1] - p[1]];
        let t = (w[0] * e[1] - w[1] * e[0]) / den;
        let s = (w[0] * d[1] - w[1] * d[0]) / den;
        if t > 0.0 && (-1e-9..=1.0 + 1e-9).contains(&s) {
            best = best.min(t);
        }
    }
    best.is_finite()
        .then(|| [p[0] + (best + 1e-3) * d[0], p[1] + (best + 1e-3) * d[1]])
}

/// Step 3: the atoms, slicing the territory by the Voronoi edges and the
/// cuts.
fn slice(
    grid: &IntGrid,
    territory: &MultiPolygon<f64>,
    cells: &[Vec<[f64; 2]>],
    cuts: &Cuts,
) -> Vec<IntShape> {
    let shapes: Vec<IntShape> = territory
        .iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| grid.contour(r.0.iter().map(|c| [c.x, c.y])))
                .filter(|c| c.len() >= 3)
                .collect()
        })
        .collect();
    let mut lines: Vec<IntLine> = Vec::with_capacity(3 * cells.len() + cuts.lines.len());
    for cell in cells {
        for i in 0..cell.len() {
            let a = grid.point(cell[i]);
            let b = grid.point(cell[(i + 1) % cell.len()]);
            if a != b {
                lines.push(if (a.x, a.y) <= (b.x, b.y) {
                    [a, b]
                } else {
                    [b, a]
                });
            }
        }
    }
    // Each Voronoi edge is listed by both of its cells.
    lines.sort_unstable_by_key(|l| (l[0].x, l[0].y, l[1].x, l[1].y));
    lines.dedup();
    lines.extend_from_slice(&cuts.lines);
    let mut overlay = StringOverlay::with_shapes(&shapes);
    overlay.add_string_lines(&lines);
    overlay
        .build_graph_view(FillRule::EvenOdd)
        .map(|g| g.extract_shapes(StringRule::Slice))
        .unwrap_or_default()
}

/// Step 4: shared segments of the atoms, with their lengths and classes.
fn atom_adjacency(grid: &IntGrid, atoms: &[IntShape], cuts: &Cuts) -> Vec<(u32, u32, f64, Class)> {
    let mut segs: Vec<(IntPoint, IntPoint, u32)> = Vec::new();
    for (a, shape) in atoms.iter().enumerate() {
        for c in shape {
            for i in 0..c.len() {
                let (p, q) = (c[i], c[(i + 1) % c.len()]);
                let (p, q) = if (p.x, p.y) <= (q.x, q.y) {
                    (p, q)
                } else {
                    (q, p)
                };
                segs.push((p, q, a as u32));
            }
        }
    }
    segs.sort_unstable_by_key(|s| (s.0.x, s.0.y, s.1.x, s.1.y, s.2));
    let mut pairs: Vec<(u32, u32, f64, Class)> = Vec::new();
    for w in segs.windows(2) {
        let (s, t) = (w[0], w[1]);
        if (s.0, s.1) != (t.0, t.1) || s.2 == t.2 {
            continue;
        }
        let dx = f64::from(s.1.x) - f64::from(s.0.x);
        let dy = f64::from(s.1.y) - f64::from(s.0.y);
        let len = (dx * dx + dy * dy).sqrt() / grid.scale();
        pairs.push((s.2.min(t.2), s.2.max(t.2), len, cuts.class_of(s.0, s.1)));
    }
    pairs
}

/// A point inside or on an atom's outer contour, for distances: the mean
/// of its outer vertices (atoms are small; the mean only orders adoption).
fn anchor(grid: &IntGrid, shape: &IntShape) -> [f64; 2] {
    let Some(outer) = shape.first() else {
        return [0.0, 0.0];
    };
    let (mut x, mut y) = (0.0, 0.0);
    for p in outer {
        let c = grid.coord(*p);
        x += c.x;
        y += c.y;
    }
    let m = outer.len().max(1) as f64;
    [x / m, y / m]
}

/// Step 5: the owner of every atom.
fn adopt(
    grid: &IntGrid,
    sites: &[[f64; 2]],
    atoms: &[IntShape],
    edges: &[(u32, u32, f64, Class)],
    sites_tree: &SiteTree,
) -> (Vec<u32>, Vec<u32>) {
    let mut owner = cores(grid, sites, atoms);
    let mut core = vec![u32::MAX; sites.len()];
    for (a, &o) in owner.iter().enumerate() {
        if o != u32::MAX {
            core[o as usize] = a as u32;
        }
    }
    let anchors: Vec<[f64; 2]> = atoms.iter().map(|s| anchor(grid, s)).collect();
    let mut adj: Vec<Vec<(u32, Class)>> = vec![Vec::new(); atoms.len()];
    for &(a, b, _, c) in edges {
        adj[a as usize].push((b, c));
        adj[b as usize].push((a, c));
    }
    // Land across a barrier or a continuation waits for the second pass.
    flood(&mut owner, &adj, &anchors, sites, |c| c == Class::Plain);
    flood(&mut owner, &adj, &anchors, sites, |_| true);
    // An island touching no owned atom goes whole to its nearest site.
    for a in 0..atoms.len() {
        if owner[a] != u32::MAX {
            continue;
        }
        let s = sites_tree
            .nearest_neighbor(&anchors[a])
            .map_or(0, |s| s.data);
        let mut stack = vec![a];
        owner[a] = s;
        while let Some(x) = stack.pop() {
            for &(y, _) in &adj[x] {
                if owner[y as usize] == u32::MAX {
                    owner[y as usize] = s;
                    stack.push(y as usize);
                }
            }
        }
    }
    (owner, core)
}

/// The core atom of every site: the atom that holds it (the first, for a
/// site on a border). Atoms without a site are `u32::MAX`.
fn cores(grid: &IntGrid, sites: &[[f64; 2]], atoms: &[IntShape]) -> Vec<u32> {
    struct Boxed(usize, AABB<[i64; 2]>);
    impl RTreeObject for Boxed {
        type Envelope = AABB<[i64; 2]>;
        fn envelope(&self) -> Self::Envelope {
            self.1
        }
    }
    let boxes: Vec<Boxed> = atoms
        .iter()
        .enumerate()
        .filter_map(|(a, s)| {
            let outer = s.first()?;
            let (mut lo, mut hi) = ([i64::MAX; 2], [i64::MIN; 2]);
            for p in outer {
                lo = [lo[0].min(i64::from(p.x)), lo[1].min(i64::from(p.y))];
                hi = [hi[0].max(i64::from(p.x)), hi[1].max(i64::from(p.y))];
            }
            Some(Boxed(a, AABB::from_corners(lo, hi)))
        })
        .collect();
    let tree = RTree::bulk_load(boxes);
    let mut owner = vec![u32::MAX; atoms.len()];
    for (s, &p) in sites.iter().enumerate() {
        let q = grid.point(p);
        let qp = [i64::from(q.x), i64::from(q.y)];
        let mut hits: Vec<usize> = tree
            .locate_in_envelope_intersecting(&AABB::from_point(qp))
            .map(|b| b.0)
            .filter(|&a| owner[a] == u32::MAX && contains(&atoms[a], q))
            .collect();
        hits.sort_unstable();
        if let Some(&a) = hits.first() {
            owner[a] = s as u32;
        }
    }
    owner
}

/// Even-odd point-in-shape on the integer contours (a point on the border
/// may go either way).
fn contains(shape: &IntShape, q: IntPoint) -> bool {
    let mut inside = false;
    let (qx, qy) = (i64::from(q.x), i64::from(q.y));
    for c in shape {
        for i in 0..c.len() {
            let (a, b) = (c[i], c[(i + 1) % c.len()]);
            let (ax, ay, bx, by) = (
                i64::from(a.x),
                i64::from(a.y),
                i64::from(b.x),
                i64::from(b.y),
            );
            if (ay > qy) != (by > qy) {
                // x of the crossing > qx, in exact integer arithmetic.
                let lhs = (qx - ax) * (by - ay);
                let rhs = (bx - ax) * (qy - ay);
                if (by > ay && lhs < rhs) || (by < ay && lhs > rhs) {
                    inside = !inside;
                }
            }
        }
    }
    inside
}

/// Dijkstra-wise adoption across the borders `pass` accepts: an unowned
/// atom takes the owner of a neighbour, nearest site first.
fn flood(
    owner: &mut [u32],
    adj: &[Vec<(u32, Class)>],
    anchors: &[[f64; 2]],
    sites: &[[f64; 2]],
    pass: impl Fn(Class) -> bool,
) {
    let d2 = |a: usize, s: u32| {
        let (p, q) = (anchors[a], sites[s as usize]);
        (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)
    };
    let mut heap: BinaryHeap<Reverse<(Key, u32, u32)>> = BinaryHeap::new();
    for a in 0..owner.len() {
        if owner[a] == u32::MAX {
            continue;
        }
        for &(b, c) in &adj[a] {
            if owner[b as usize] == u32::MAX && pass(c) {
                heap.push(Reverse((Key(d2(b as usize, owner[a])), b, owner[a])));
            }
        }
    }
    while let Some(Reverse((_, b, s))) = heap.pop() {
        if owner[b as usize] != u32::MAX {
            continue;
        }
        owner[b as usize] = s;
        for &(c, class) in &adj[b as usize] {
            if owner[c as usize] == u32::MAX && pass(class) {
                heap.push(Reverse((Key(d2(c as usize, s)), c, s)));
            }
        }
    }
}

/// A distance ordered by `total_cmp`, for the heap.
#[derive(Clone, Copy, PartialEq)]
struct Key(f64);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Contains, LineString, Point, Polygon};

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        Polygon::new(
            LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
            Vec::new(),
        )
    }

    fn square() -> MultiPolygon<f64> {
        MultiPolygon::new(vec![rect(0.0, 0.0, 100.0, 100.0)])
    }

    fn river(points: &[[f64; 2]], hard: bool) -> BarrierLine {
        BarrierLine {
            barrier: 0,
            hard,
            points: points.to_vec(),
        }
    }

    fn area_of(t: &Territory, site: u32) -> MultiPolygon<f64> {
        t.cells_polygon(&[site])
    }

    #[test]
    fn two_sites_share_a_plain_border_and_tile() {
        let t = Territory::build("v", &[[20.0, 50.0], [80.0, 50.0]], &square(), &[]).unwrap();
        assert_eq!(t.edges().len(), 1);
        let e = t.edges()[0];
        assert_eq!((e.u, e.v, e.border), (0, 1, Border::Plain));
        assert!((e.plain_m - 100.0).abs() < 1e-3, "{e:?}");
        let polys = t.group_polygons(&[0, 1], 2);
        let a: f64 = polys.iter().map(Area::unsigned_area).sum();
        assert!((a - 10_000.0).abs() < 1e-3);
        assert_eq!(t.pieces(&[0, 0], 1), vec![1]);
    }

    #[test]
    fn a_river_across_the_village_makes_hard_borders() {
        let sites = [[20.0, 50.0], [80.0, 50.0], [30.0, 20.0], [70.0, 80.0]];
        let t = Territory::build(
            "v",
            &sites,
            &square(),
            &[river(&[[50.0, -10.0], [50.0, 110.0]], true)],
        )
        .unwrap();
        for e in t.edges() {
            let west = |s: u32| sites[s as usize][0] < 50.0;
            let want = if west(e.u) == west(e.v) {
                Border::Plain
            } else {
                Border::Hard
            };
            assert_eq!(e.border, want, "{e:?}");
        }
        // Every cell stays on its own side.
        for (s, p) in sites.iter().enumerate() {
            let cell = area_of(&t, s as u32);
            let probe = if p[0] < 50.0 {
                Point::new(60.0, p[1])
            } else {
                Point::new(40.0, p[1])
            };
            assert!(!cell.contains(&probe), "site {s} crosses the river");
        }
        assert_eq!(t.blocks(|b| b == Border::Plain), vec![0, 1, 0, 1]);
        let inside = t.inside_barriers(&[0, 0, 0, 0], 1);
        assert_eq!(inside.len(), 1);
        assert!((inside[0].3 - 100.0).abs() < 1e-3, "{inside:?}");
    }

    #[test]
    fn a_river_that_ends_inside_still_splits_the_land_beside_it() {
        // The river runs up from the south edge and stops at y = 60.
        let sites = [[45.0, 30.0], [55.0, 90.0], [90.0, 30.0]];
        let t = Territory::build(
            "v",
            &sites,
            &square(),
            &[river(&[[50.0, -10.0], [50.0, 60.0]], true)],
        )
        .unwrap();
        // Site 0's Voronoi cell reaches past x = 50 south of the river's
        // end, but that land lies across the river.
        let cell = area_of(&t, 0);
        assert!(!cell.contains(&Point::new(55.0, 20.0)));
        // Site 0 and site 1 meet round the river's end, across the line
        // that continues it to the outline: an open border, which closes
        // the river's block.
        assert_eq!(t.edge(0, 1).map(|e| e.border), Some(Border::Open));
        assert_eq!(t.blocks(|b| b == Border::Plain), vec![0, 1, 1]);
        // A soft barrier's end is continued only to its cell's edge, and
        // the two sides meet round it on plain land.
        let soft = Territory::build(
            "v",
            &sites,
            &square(),
            &[river(&[[50.0, -10.0], [50.0, 60.0]], false)],
        )
        .unwrap();
        assert_eq!(soft.edge(0, 1).map(|e| e.border), Some(Border::Plain));
        assert!(!soft.cells_polygon(&[0]).contains(&Point::new(55.0, 20.0)));
        let total: f64 = (0..3).map(|s| area_of(&t, s).unsigned_area()).sum();
        assert!((total - 10_000.0).abs() < 1e-3);
    }

    #[test]
    fn cells_across_a_notch_do_not_touch() {
        // A U-shaped village: two arms joined at the bottom.
        let u = Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (100.0, 0.0),
                (100.0, 100.0),
                (60.0, 100.0),
                (60.0, 20.0),
                (40.0, 20.0),
                (40.0, 100.0),
                (0.0, 100.0),
                (0.0, 0.0),
            ]),
            Vec::new(),
        );
        let village = MultiPolygon::new(vec![u]);
        let sites = [[35.0, 80.0], [65.0, 80.0], [50.0, 5.0]];
        let t = Territory::build("v", &sites, &village, &[]).unwrap();
        // The two arm sites are Delaunay neighbours, but their cells meet
        // only across the notch: no edge.
        assert!(t.edge(0, 1).is_none(), "{:?}", t.edges());
        assert_eq!(t.edge(0, 2).map(|e| e.border), Some(Border::Plain));
        // Grouping the two arms without the bottom gives two pieces.
        assert_eq!(t.pieces(&[0, 0, 1], 2), vec![2, 1]);
        assert_eq!(t.group_polygons(&[0, 0, 1], 2)[0].0.len(), 2);
        assert_eq!(t.pieces_of(&[0, 1]), 2);
        assert_eq!(t.pieces_of(&[0, 1, 2]), 1);
        assert_eq!(t.parts_of(&[0, 1]), 1);
    }

    #[test]
    fn an_enclave_is_linked_and_an_empty_block_is_adopted() {
        let village = MultiPolygon::new(vec![
            rect(0.0, 0.0, 100.0, 100.0),
            rect(200.0, 0.0, 240.0, 40.0),
        ]);
        // A canal cuts off the strip x > 90, where nobody lives.
        let sites = [[20.0, 50.0], [70.0, 50.0], [220.0, 20.0]];
        let canal = river(&[[90.0, -5.0], [90.0, 105.0]], true);
        let t = Territory::build("v", &sites, &village, &[canal]).unwrap();
        assert_eq!(t.links(), (1, 0));
        let total: f64 = (0..3).map(|s| area_of(&t, s).unsigned_area()).sum();
        assert!((total - 11_600.0).abs() < 1e-3, "{total}");
        // The empty strip goes to its nearest building across the canal.
        assert!(area_of(&t, 1).contains(&Point::new(95.0, 50.0)));
        assert_eq!(t.parts_touched(&[0, 0, 0], 1), vec![2]);
    }
}
