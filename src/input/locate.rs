//! Locating household points in villages (docs/DESIGN.md §3, §6 "locate").
//!
//! Every household must end up in exactly one village. A point found inside
//! a village polygon belongs to it; a declared `village` property is checked
//! against that; a point in no village is an error unless snapping is on.
//!
//! # Parameters
//! - `snap_distance` (metres, default `None` = off). docs/DESIGN.md §3: "The default
//!   is an error listing up to 20 ids; a flag may instead snap points within
//!   a distance." With it, a point outside every village goes to the nearest
//!   village within that distance, and a point whose declared village is
//!   within that distance keeps its declared village even when it lies
//!   inside another one (digitising errors along shared borders).
//!
//! # Algorithm
//! 1. Build, once per village, an interval tree over its edges
//!    ([`IntervalTreeMultiPolygon`], after orienting shells counter-clockwise
//!    and holes clockwise, since it counts winding numbers), and an R-tree of the villages'
//!    bounding boxes.
//! 2. For each point, in parallel with rayon (results gathered in input
//!    order): the R-tree yields the villages whose box contains the point;
//!    the lowest-indexed one whose interior contains the point wins. When no
//!    interior does, the point may lie on a boundary: the lowest-indexed
//!    village whose closed polygon contains it wins, so a point on a shared
//!    border always goes to the same village whatever the scheduling.
//! 3. A declared village is looked up by code (unknown code → error). If the
//!    point is in it or on its boundary, it stays. Otherwise, with
//!    `snap_distance`, it stays when within that distance (recorded in
//!    `declared_kept`); else the point is a mismatch (or outside, if it is in
//!    no village at all).
//! 4. An undeclared point in no village is snapped to the nearest village
//!    (nearest-box order from the R-tree, pruned when a box is farther than
//!    the best exact distance) when within `snap_distance`, else it is
//!    outside.
//! 5. Errors, in this priority: unknown village code, points outside, then
//!    declared/geometric mismatches. Each lists up to 20 examples in input
//!    order.
//!
//! # Complexity
//! Building: O(V log V) for the R-tree and O(E log E) for the interval trees
//! (E edges in all). Query: O(log V + c·(log e + k)) per point, with c
//! candidate boxes (1-2 in a tiling) and k edges crossing the point's
//! latitude. 550,000 points in 510 villages of ~450 vertices take about
//! 0.2 s on 2 cores (R-tree query ~160 ns and interval-tree query ~140 ns
//! per point, single-threaded); see the ignored test `locate_speed`.
//!
//! # Errors
//! [`LocateError`].

use std::collections::HashMap;
use std::fmt::Write as _;

use geo::indexed::IntervalTreeMultiPolygon;
use geo::orient::{Direction, Orient};
use geo::{BoundingRect, Contains, Coord, Distance, Euclidean, Intersects, MultiPolygon, Point};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::input::read::list_ids;
use crate::model::Household;

/// How to place points that are not cleanly inside their village.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LocateParams {
    /// Snap distance in metres; `None` (the default) means no snapping.
    pub snap_distance: Option<f64>,
}

/// A household placed by snapping rather than by containment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Snapped {
    /// Index into the households slice.
    pub household: u32,
    /// Index into the villages slice.
    pub village: u32,
    /// Distance from the point to that village's polygon, in metres.
    pub distance_m: f64,
}

/// Where every household ended up.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    /// Per household, the index of its village in the villages slice.
    pub village_of: Vec<u32>,
    /// Households outside every village, snapped to the nearest one.
    pub snapped: Vec<Snapped>,
    /// Households kept in their declared village although they lie outside
    /// it (within the snap distance).
    pub declared_kept: Vec<Snapped>,
}

/// Why the households could not be placed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocateError {
    /// Points outside every village (and beyond the snap distance).
    #[error("{file}: {count} point(s) lie outside every village{}: {}", snap_note(*.snap_distance), list_ids(.ids, *.count))]
    Outside {
        /// The households file.
        file: String,
        /// How many.
        count: usize,
        /// Up to 20 ids, in input order.
        ids: Vec<String>,
        /// The snap distance that was in force.
        snap_distance: Option<f64>,
    },
    /// A household's `village` names no village of the boundaries.
    #[error("{file}: feature {index} (id \"{id}\"): village \"{code}\" is not a village in the boundaries{}", more(*.count))]
    UnknownVillage {
        /// The households file.
        file: String,
        /// The first such feature.
        index: usize,
        /// Its id.
        id: String,
        /// The unknown code.
        code: String,
        /// How many households name an unknown village.
        count: usize,
    },
    /// Declared villages that disagree with the geometry.
    #[error("{file}: {count} point(s) lie outside their declared village{}: {}", snap_note(*.snap_distance), mismatches(.examples, *.count))]
    VillageMismatch {
        /// The households file.
        file: String,
        /// How many.
        count: usize,
        /// Up to 20 `(id, declared, found)` in input order.
        examples: Vec<(String, String, String)>,
        /// The snap distance that was in force.
        snap_distance: Option<f64>,
    },
    /// `points_xy` and `households` differ in length (a caller bug).
    #[error("{file}: {points} projected points for {households} households")]
    LengthMismatch {
        /// The households file.
        file: String,
        /// Points given.
        points: usize,
        /// Households given.
        households: usize,
    },
    /// The snap distance is negative or not finite.
    #[error("snap distance must be a finite number of metres >= 0, got {value}")]
    BadSnapDistance {
        /// The value given.
        value: f64,
    },
}

fn snap_note(snap: Option<f64>) -> String {
    snap.map_or_else(String::new, |d| {
        format!(" (farther than the snap distance {d} m)")
    })
}

fn more(count: usize) -> String {
    if count > 1 {
        format!(" ({count} households name unknown villages)")
    } else {
        String::new()
    }
}

fn mismatches(ex: &[(String, String, String)], count: usize) -> String {
    let mut s = ex
        .iter()
        .map(|(id, d, f)| format!("\"{id}\" declares {d} but lies in {f}"))
        .collect::<Vec<_>>()
        .join("; ");
    if count > ex.len() {
        let _ = write!(s, "; and {} more", count - ex.len());
    }
    s
}

/// How many examples an error lists.
const MAX_LISTED: usize = 20;

/// Per-point outcome, before errors are gathered.
#[derive(Clone, Copy, Debug)]
enum Place {
    Inside(u32),
    Snapped(u32, f64),
    Kept(u32, f64),
    Outside,
    Unknown,
    Mismatch { declared: u32, found: u32 },
}

struct Index<'a> {
    villages: &'a [(String, MultiPolygon<f64>)],
    trees: Vec<IntervalTreeMultiPolygon<f64>>,
    rtree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

impl Index<'_> {
    /// The village containing `c`: lowest index among interiors, else the
    /// lowest index among closed polygons (boundary points).
    fn find(&self, c: Coord<f64>) -> Option<u32> {
        let p = [c.x, c.y];
        let mut best: Option<u32> = None;
        for g in self.rtree.locate_all_at_point(&p) {
            let v = g.data;
            if best.is_none_or(|b| v < b) && self.trees[v as usize].contains(&c) {
                best = Some(v);
            }
        }
        if best.is_some() {
            return best;
        }
        for g in self.rtree.locate_all_at_point(&p) {
            let v = g.data;
            if best.is_none_or(|b| v < b) && self.villages[v as usize].1.intersects(&c) {
                best = Some(v);
            }
        }
        best
    }

    fn distance(&self, c: Coord<f64>, v: u32) -> f64 {
        Euclidean.distance(&Point(c), &self.villages[v as usize].1)
    }

    /// The nearest village within `limit` metres (ties: lowest index).
    fn nearest(&self, c: Coord<f64>, limit: f64) -> Option<(u32, f64)> {
        let mut best: Option<(u32, f64)> = None;
        for (g, d2) in self
            .rtree
            .nearest_neighbor_iter_with_distance_2(&[c.x, c.y])
        {
            // The box distance is a lower bound on the polygon distance.
            let lower = d2.sqrt();
            if lower > limit || best.is_some_and(|(_, bd)| lower > bd) {
                break;
            }
            let d = self.distance(c, g.data);
            #[expect(
                clippy::float_cmp,
                reason = "ties at exactly the same distance go to the lower id, so the choice never depends on the order of the tree"
            )]
            let better = match best {
                None => true,
                Some((bv, bd)) => d < bd || (d == bd && g.data < bv),
            };
            if better && d <= limit {
                best = Some((g.data, d));
            }
        }
        best
    }
}

/// Places every household in a village.
///
/// `points_xy` are the households' positions projected to metres (same
/// order as `households`), `villages` the village codes and territories in
/// the same projection, `file` the households file for messages.
///
/// # Errors
/// [`LocateError::UnknownVillage`], [`LocateError::Outside`],
/// [`LocateError::VillageMismatch`] (in that priority),
/// [`LocateError::LengthMismatch`], [`LocateError::BadSnapDistance`].
pub fn locate(
    points_xy: &[[f64; 2]],
    households: &[Household],
    villages: &[(String, MultiPolygon<f64>)],
    params: &LocateParams,
    file: &str,
) -> Result<Located, LocateError> {
    if points_xy.len() != households.len() {
        return Err(LocateError::LengthMismatch {
            file: file.to_owned(),
            points: points_xy.len(),
            households: households.len(),
        });
    }
    if let Some(d) = params.snap_distance
        && !(d.is_finite() && d >= 0.0)
    {
        return Err(LocateError::BadSnapDistance { value: d });
    }
    let trees: Vec<_> = villages
        .par_iter()
        // The interval tree counts winding numbers, so a hole wound like its
        // shell would count as inside twice. RFC 7946 asks parsers to accept
        // either winding, hence the re-orientation (shells CCW, holes CW).
        .map(|(_, mp)| IntervalTreeMultiPolygon::new(&mp.orient(Direction::Default)))
        .collect();
    let boxes = villages
        .iter()
        .enumerate()
        .filter_map(|(i, (_, mp))| {
            let r = mp.bounding_rect()?;
            let aabb = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
            Some(GeomWithData::new(Rectangle::from_aabb(aabb), i as u32))
        })
        .collect();
    let index = Index {
        villages,
        trees,
        rtree: RTree::bulk_load(boxes),
    };
    // Lookups only; the map is never iterated, so its order cannot leak.
    // With duplicate codes the lowest index wins, consistently with ties.
    let mut by_code: HashMap<&str, u32> = HashMap::with_capacity(villages.len());
    for (i, (code, _)) in villages.iter().enumerate().rev() {
        by_code.insert(code.as_str(), i as u32);
    }
    let snap = params.snap_distance;

    let places: Vec<Place> = points_xy
        .par_iter()
        .zip(households.par_iter())
        .with_min_len(1024)
        .map(|(&[x, y], h)| {
            let c = Coord { x, y };
            let found = index.find(c);
            match h.village.as_deref().map(|code| by_code.get(code).copied()) {
                Some(None) => Place::Unknown,
                Some(Some(d)) => {
                    if found == Some(d) || villages[d as usize].1.intersects(&c) {
                        return Place::Inside(d);
                    }
                    if let Some(limit) = snap {
                        let dist = index.distance(c, d);
                        if dist <= limit {
                            return Place::Kept(d, dist);
                        }
                    }
                    match found {
                        Some(f) => Place::Mismatch {
                            declared: d,
                            found: f,
                        },
                        None => Place::Outside,
                    }
                }
                None => match (found, snap) {
                    (Some(f), _) => Place::Inside(f),
                    (None, Some(limit)) => index
                        .nearest(c, limit)
                        .map_or(Place::Outside, |(v, d)| Place::Snapped(v, d)),
                    (None, None) => Place::Outside,
                },
            }
        })
        .collect();

    gather(&places, households, villages, snap, file)
}

/// Turns per-point outcomes into the result or the highest-priority error.
fn gather(
    places: &[Place],
    households: &[Household],
    villages: &[(String, MultiPolygon<f64>)],
    snap: Option<f64>,
    file: &str,
) -> Result<Located, LocateError> {
    let unknown: Vec<usize> = (0..places.len())
        .filter(|&i| matches!(places[i], Place::Unknown))
        .collect();
    if let Some(&first) = unknown.first() {
        let h = &households[first];
        return Err(LocateError::UnknownVillage {
            file: file.to_owned(),
            index: first,
            id: h.id.clone(),
            code: h.village.clone().unwrap_or_default(),
            count: unknown.len(),
        });
    }
    let outside: Vec<usize> = (0..places.len())
        .filter(|&i| matches!(places[i], Place::Outside))
        .collect();
    if !outside.is_empty() {
        return Err(LocateError::Outside {
            file: file.to_owned(),
            count: outside.len(),
            ids: outside
                .iter()
                .take(MAX_LISTED)
                .map(|&i| households[i].id.clone())
                .collect(),
            snap_distance: snap,
        });
    }
    let mut count = 0;
    let mut examples = Vec::new();
    for (i, p) in places.iter().enumerate() {
        if let Place::Mismatch { declared, found } = *p {
            count += 1;
            if examples.len() < MAX_LISTED {
                examples.push((
                    households[i].id.clone(),
                    villages[declared as usize].0.clone(),
                    villages[found as usize].0.clone(),
                ));
            }
        }
    }
    if count > 0 {
        return Err(LocateError::VillageMismatch {
            file: file.to_owned(),
            count,
            examples,
            snap_distance: snap,
        });
    }
    let mut located = Located {
        village_of: Vec::with_capacity(places.len()),
        snapped: Vec::new(),
        declared_kept: Vec::new(),
    };
    for (i, p) in places.iter().enumerate() {
        let v = match *p {
            Place::Inside(v) => v,
            Place::Snapped(v, d) => {
                located.snapped.push(Snapped {
                    household: i as u32,
                    village: v,
                    distance_m: d,
                });
                v
            }
            Place::Kept(v, d) => {
                located.declared_kept.push(Snapped {
                    household: i as u32,
                    village: v,
                    distance_m: d,
                });
                v
            }
            // Handled above; unreachable here, but an error is safer than
            // a panic should the priorities above ever change.
            Place::Outside | Place::Unknown | Place::Mismatch { .. } => {
                return Err(LocateError::Outside {
                    file: file.to_owned(),
                    count: 1,
                    ids: vec![households[i].id.clone()],
                    snap_distance: snap,
                });
            }
        };
        located.village_of.push(v);
    }
    Ok(located)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString<f64> {
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
    }

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![Polygon::new(rect(x0, y0, x1, y1), vec![])])
    }

    fn hh(id: &str, village: Option<&str>) -> Household {
        Household {
            id: id.into(),
            lon: 0.0,
            lat: 0.0,
            households: 1,
            population: None,
            rental: 0.0,
            shops: 0.0,
            special: 0.0,
            village: village.map(Into::into),
            grid: None,
        }
    }

    fn run(
        pts: &[[f64; 2]],
        declared: &[Option<&str>],
        villages: &[(String, MultiPolygon<f64>)],
        snap: Option<f64>,
    ) -> Result<Located, LocateError> {
        let hs: Vec<_> = declared
            .iter()
            .enumerate()
            .map(|(i, d)| hh(&format!("H{i}"), *d))
            .collect();
        locate(
            pts,
            &hs,
            villages,
            &LocateParams {
                snap_distance: snap,
            },
            "households.geojson",
        )
    }

    /// Village A: 100 m square with a 20 m hole; B: the enclave in the hole;
    /// C: a second part of A far away is covered by A being a MultiPolygon.
    fn holed() -> Vec<(String, MultiPolygon<f64>)> {
        let a = MultiPolygon::new(vec![
            Polygon::new(
                rect(0.0, 0.0, 100.0, 100.0),
                vec![rect(40.0, 40.0, 60.0, 60.0)],
            ),
            Polygon::new(rect(500.0, 0.0, 600.0, 100.0), vec![]),
        ]);
        vec![
            ("A".into(), a),
            ("B".into(), square(40.0, 40.0, 60.0, 60.0)),
        ]
    }

    #[test]
    fn hole_belongs_to_enclave() {
        let v = holed();
        let pts = [[10.0, 10.0], [50.0, 50.0], [550.0, 50.0]];
        let r = run(&pts, &[None, None, None], &v, None).unwrap();
        assert_eq!(r.village_of, vec![0, 1, 0]);
        assert!(r.snapped.is_empty() && r.declared_kept.is_empty());
        // The same with the hole wound the other way (clockwise).
        let mut v2 = holed();
        v2[0].1 = v2[0].1.orient(Direction::Reversed);
        let r = run(&pts, &[None, None, None], &v2, None).unwrap();
        assert_eq!(r.village_of, vec![0, 1, 0]);
    }

    #[test]
    fn hole_without_enclave_is_outside() {
        let v = vec![holed().remove(0)];
        let e = run(&[[10.0, 10.0], [50.0, 50.0]], &[None, None], &v, None).unwrap_err();
        assert!(
            matches!(&e, LocateError::Outside { count: 1, ids, .. } if ids == &["H1"]),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "households.geojson: 1 point(s) lie outside every village: \"H1\""
        );
    }

    #[test]
    fn outside_lists_at_most_20() {
        let v = vec![("A".to_string(), square(0.0, 0.0, 10.0, 10.0))];
        let pts: Vec<[f64; 2]> = (0..25).map(|i| [100.0 + f64::from(i), 0.0]).collect();
        let e = run(&pts, &[None; 25], &v, None).unwrap_err();
        let LocateError::Outside { count, ids, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!((*count, ids.len()), (25, 20));
        assert!(e.to_string().ends_with("\"H19\" and 5 more"), "{e}");
    }

    #[test]
    fn snapping_within_and_beyond() {
        let v = holed();
        // 5 m east of A's first part; 20 m east.
        let r = run(&[[105.0, 50.0]], &[None], &v, Some(10.0)).unwrap();
        assert_eq!(r.village_of, vec![0]);
        assert_eq!(
            r.snapped,
            vec![Snapped {
                household: 0,
                village: 0,
                distance_m: 5.0
            }]
        );
        let e = run(
            &[[105.0, 50.0], [120.0, 50.0]],
            &[None, None],
            &v,
            Some(10.0),
        )
        .unwrap_err();
        assert!(
            matches!(&e, LocateError::Outside { count: 1, ids, .. } if ids == &["H1"]),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("farther than the snap distance 10 m"),
            "{e}"
        );
        // Snapping picks the nearest village, not the nearest box: the point
        // is 3 m from the second part of A and 7 m from B's box corner.
        let v2 = vec![
            ("B".to_string(), square(0.0, 0.0, 10.0, 10.0)),
            ("A".to_string(), square(20.0, 0.0, 30.0, 10.0)),
        ];
        let r = run(&[[17.0, 5.0]], &[None], &v2, Some(10.0)).unwrap();
        assert_eq!(r.village_of, vec![1]);
        assert!((r.snapped[0].distance_m - 3.0).abs() < 1e-12);
    }

    #[test]
    fn boundary_ties_go_to_lowest_index() {
        let a = ("A".to_string(), square(0.0, 0.0, 100.0, 100.0));
        let b = ("B".to_string(), square(100.0, 0.0, 200.0, 100.0));
        // On the shared edge, and on the shared corner-free vertex.
        let pts = [[100.0, 50.0], [100.0, 0.0], [150.0, 50.0]];
        for _ in 0..5 {
            let r = run(&pts, &[None; 3], &[a.clone(), b.clone()], None).unwrap();
            assert_eq!(r.village_of, vec![0, 0, 1]);
            let r = run(&pts, &[None; 3], &[b.clone(), a.clone()], None).unwrap();
            assert_eq!(r.village_of, vec![0, 0, 0]);
        }
        // A declared village on whose border the point lies is accepted.
        let r = run(&pts[..1], &[Some("B")], &[a, b], None).unwrap();
        assert_eq!(r.village_of, vec![1]);
        assert!(r.declared_kept.is_empty());
    }

    #[test]
    fn unknown_declared_village() {
        let v = holed();
        let e = run(
            &[[10.0, 10.0], [10.0, 10.0], [10.0, 10.0]],
            &[Some("A"), Some("ZZ"), Some("YY")],
            &v,
            None,
        )
        .unwrap_err();
        assert!(
            matches!(
                &e,
                LocateError::UnknownVillage {
                    index: 1,
                    count: 2,
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "households.geojson: feature 1 (id \"H1\"): village \"ZZ\" is not a village in the boundaries (2 households name unknown villages)"
        );
    }

    #[test]
    fn declared_mismatch_and_kept() {
        let v = vec![
            ("A".to_string(), square(0.0, 0.0, 100.0, 100.0)),
            ("B".to_string(), square(100.0, 0.0, 200.0, 100.0)),
        ];
        // 3 m inside A but declared B.
        let e = run(&[[97.0, 50.0]], &[Some("B")], &v, None).unwrap_err();
        assert!(
            matches!(&e, LocateError::VillageMismatch { count: 1, .. }),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "households.geojson: 1 point(s) lie outside their declared village: \"H0\" declares B but lies in A"
        );
        let r = run(&[[97.0, 50.0]], &[Some("B")], &v, Some(5.0)).unwrap();
        assert_eq!(r.village_of, vec![1]);
        assert_eq!(r.declared_kept.len(), 1);
        assert!((r.declared_kept[0].distance_m - 3.0).abs() < 1e-12);
        let e = run(&[[90.0, 50.0]], &[Some("B")], &v, Some(5.0)).unwrap_err();
        assert!(matches!(&e, LocateError::VillageMismatch { .. }), "{e}");
    }

    #[test]
    fn bad_inputs() {
        let v = holed();
        let e = run(&[[1.0, 1.0]], &[None], &v, Some(-1.0)).unwrap_err();
        assert!(matches!(e, LocateError::BadSnapDistance { .. }));
        let e = locate(&[], &[hh("a", None)], &v, &LocateParams::default(), "h").unwrap_err();
        assert!(matches!(e, LocateError::LengthMismatch { .. }));
    }

    /// A village of about `4·n` vertices: a square with subdivided edges.
    fn fine_square(x0: f64, y0: f64, side: f64, n: usize) -> MultiPolygon<f64> {
        let mut pts = Vec::with_capacity(4 * n + 1);
        let s = side / n as f64;
        for i in 0..n {
            pts.push((x0 + s * i as f64, y0));
        }
        for i in 0..n {
            pts.push((x0 + side, y0 + s * i as f64));
        }
        for i in 0..n {
            pts.push((x0 + side - s * i as f64, y0 + side));
        }
        for i in 0..n {
            pts.push((x0, y0 + side - s * i as f64));
        }
        pts.push((x0, y0));
        MultiPolygon::new(vec![Polygon::new(LineString::from(pts), vec![])])
    }

    /// 550,000 points in 510 villages of ~450 vertices.
    /// `cargo test --release --lib locate::tests::locate_speed -- --ignored --nocapture`
    #[test]
    #[ignore = "timing"]
    fn locate_speed() {
        let side = 2000.0;
        let villages: Vec<_> = (0..510)
            .map(|i| {
                let (cx, cy) = (f64::from(i % 30), f64::from(i / 30));
                (
                    format!("V{i:03}"),
                    fine_square(cx * side, cy * side, side, 112),
                )
            })
            .collect();
        let mut rng = crate::engine::rng::Rng::new(7);
        let pts: Vec<[f64; 2]> = (0..550_000)
            .map(|_| [rng.range(0.0, 30.0 * side), rng.range(0.0, 17.0 * side)])
            .collect();
        let hs: Vec<_> = (0..pts.len()).map(|i| hh(&format!("H{i}"), None)).collect();
        let t = std::time::Instant::now();
        let r = locate(&pts, &hs, &villages, &LocateParams::default(), "h").unwrap();
        let dt = t.elapsed();
        eprintln!(
            "located {} points in {} villages in {:?} ({} threads)",
            pts.len(),
            villages.len(),
            dt,
            rayon::current_num_threads()
        );
        let [x, y] = pts[0];
        let expect = (y / side) as u32 * 30 + (x / side) as u32;
        assert_eq!(r.village_of[0], expect);
    }
}
