//! `report.html`: one self-contained page with the map of grids and
//! micro-grids, the metrics tables and a histogram of grid loads, for
//! planners who open it offline in a browser.
//!
//! The page needs no network: CSS and JavaScript are inline, the map is
//! inline SVG written on the server side (so the number of `<path
//! class="grid">` elements is fixed by the HTML and does not depend on
//! scripts), and there are no fonts, tiles or libraries to fetch. JavaScript
//! only adds pan (drag), zoom (wheel, the +/− buttons and the keys `+`/`-`),
//! labels that appear when zoomed in, a hover box, sortable tables and "zoom
//! to village" links.
//!
//! # Parameters
//! - `title`: the page title (the caller puts the county code and run name
//!   in it); the county code is also derived from the 12-digit village codes
//!   (their first 6 digits) when they all agree.
//! - `shapes`: the polygons, lon/lat WGS84, rings flattened (exterior then
//!   holes for each part) and filled with the even-odd rule, so holes and
//!   enclaves come out right without knowing which ring is which; and the
//!   barriers of `--barriers` as open lines (hard ones thick, dark blue on
//!   water and dark grey otherwise, soft ones thin grey) and the compounds
//!   of `--compounds` as dashed outlines. Barriers are not part of the
//!   map's frame, so a river running far beyond the county does not shrink
//!   the map.
//! - `report`: the run's [`Report`] (what metrics.json holds), read as
//!   typed fields, so a renamed field is a compile error; a value that is
//!   genuinely absent (the run parameters for `gridplan metrics`, a
//!   non-finite number, a missing SSE ratio) is shown as "–".
//! - `band`: the household band drawn on the histogram (default 300-500,
//!   docs/DESIGN.md §2).
//! - `grid_loads`: the loads binned in the histogram.
//! - `links`: when re-allocating, where the households of each (old grid,
//!   new grid) link live, one entry per building ([`LinkPoints`]); with
//!   the [`ShapeKind::OldGrid`] shapes (the old grids' outlines, one per
//!   old grid and village) they make the "What moves" layer.
//!
//! Defaults and where they came from:
//! - histogram bins of [`BIN_WIDTH`] = 20 households: a fifth of the
//!   100-household span between the urban band's quarter points, fine enough
//!   to see whether grids pile up at a band limit; widened to a multiple of
//!   20 when more than [`MAX_BINS`] bins would be needed (absurd loads must
//!   not make the page huge);
//! - coordinates rounded to whole metres: the polygons are built in metres
//!   and 1 m is below any boundary's survey accuracy, while integer deltas
//!   keep a full county (about 150,000 ring vertices) near 2-4 MB;
//! - labels appear once their shape is about 110 px (grids, whose full code
//!   is 15 characters), 95 px (villages) or 36 px (micro-grids, labelled
//!   with their 2-digit sequence) wide on screen, the width a label needs at
//!   its font size.
//!
//! # Algorithm
//! 1. **Frame**: the centre (lon0, lat0) of the finite coordinates' bounding
//!    box; x = (lon − lon0)·cos(lat0)·m, y = −(lat − lat0)·m with m the metres
//!    per degree on the mean-radius sphere. This local equirectangular
//!    projection keeps shapes unstretched at county scale (the error is
//!    below 0.1 % over 50 km).
//! 2. **Paths**: each ring is rounded to integer metres, consecutive
//!    duplicates and the closing vertex dropped, and written as an absolute
//!    move followed by relative line deltas (`M x y l dx dy … z`); rings
//!    with fewer than 3 distinct vertices are skipped. Every shape yields
//!    one `<path>` even when no ring survives, so a grid count on the page
//!    always equals the grid shapes given.
//! 3. **Colours**: grid codes are sorted; each grid gets the first colour of
//!    the golden-ratio sequence (hue step 0.618 turns, three lightness and
//!    two saturation levels) starting at its own index that is far enough
//!    (red-mean RGB distance) from the colours of the grids whose bounding
//!    boxes touch its own; bounding boxes are swept in x order. Touching
//!    boxes over-approximate neighbours, which only adds constraints.
//! 4. **Labels**: one per code, at an interior point of the shape's largest
//!    part: the midpoint of the widest inside interval of the horizontal
//!    line through the largest ring's centroid (even-odd over all rings, so
//!    the point avoids holes and concave notches).
//! 5. **Tables and histogram** from `report` and `grid_loads`. When
//!    `report.metrics.transition` is present (the input named current grids), a
//!    "Transition from the current plan" section: one summary line, then
//!    the old grids with their fate and the new grids they went to, and the
//!    new grids that are not clean with their predecessors, each table in a
//!    collapsed `<details>` (a county has about 1,000 old grids) and cut
//!    after [`TRANSITION_ROWS`] rows (transition.csv has them all).
//! 6. **What moves**, when re-allocating, for the town meetings where a
//!    plan is explained: the county summary puts lineage kept and clean
//!    grids beside their ceilings, with the sentence "No plan with these
//!    grid counts and this balance keeps more than X % of households in
//!    lineage" (`summary`); the households not kept in lineage (judged
//!    link by link from the transition, as metrics.json judges them,
//!    `moves`) are a map layer, off at first, of dots over the dashed
//!    outlines of the old grids they leave (`moves_map`), and a table
//!    "What moves, village by village": each village where households
//!    move, most first, collapsed, with its old grids, where their
//!    households go and where the rest stays, cut after
//!    [`MOVES_VILLAGES`] villages (`moves_table`).
//!
//! # Complexity
//! O(V + n log n + n·a) for V ring vertices, n shapes and a bounding boxes
//! overlapping each grid's in x; the page is O(V + n) bytes. What moves
//! adds O((L + B) log G) for L transition links, B building links and G
//! grids, and O(D) bytes for D dots: on the synthetic county at scale 1
//! (26,640 of 550,006 households moved) 1,929 dots, 253 old outlines and
//! 80 villages in the table, 0.32 MB of the page's 3.6 MB.
//!
//! # Errors
//! None: [`render`] never fails. Non-finite coordinates are skipped,
//! missing metrics are shown as "–" and every text is HTML-escaped.
//! The output is deterministic: the same input gives byte-identical HTML.

//!
//! # Layout
//! [`render`] below gives the order of the sections; each has its file:
//! `header` (title line), `map` (steps 1-4, with the geometry in `frame`
//! and the colours in `colours`), `summary` (county table), `histogram`,
//! `villages` (village table), `transition`, `moves_table` (step 6),
//! `lists` (problems and notes) and `assets` (inline CSS and JS); `moves`
//! judges what moves and `moves_map` draws it. Escaping and number formats come from
//! [`html`](crate::output::html), shared with the scenario page.

mod assets;
mod colours;
mod frame;
mod header;
mod histogram;
mod lists;
mod map;
mod moves;
mod moves_map;
mod moves_table;
mod summary;
mod transition;
mod villages;

pub use moves::{BuildingLinks, LinkPoints};

#[cfg(test)]
mod fixtures;

use crate::output::html::{esc, w};
use crate::pipeline::Report;

/// Width of a histogram bin, in households (load units).
pub const BIN_WIDTH: f64 = 20.0;

/// The most histogram bins drawn before bins are widened.
pub const MAX_BINS: usize = 150;

/// The most rows of each transition table; a county has about 1,000 old and
/// 1,500 new grids, so only an absurd input is cut, and the page stays small.
pub const TRANSITION_ROWS: usize = 5_000;

/// The most villages listed in "What moves, village by village"; a county
/// has about 500, so every village of a real county is listed (each one
/// collapsed), and only an absurd input is cut.
pub const MOVES_VILLAGES: usize = 2_000;

/// One polygon (or, for a barrier, one set of lines) drawn on the map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapShape {
    /// The grid, micro-grid, village or compound code; a barrier's name
    /// ("" when it has none).
    pub code: String,
    /// What the shape is.
    pub kind: ShapeKind,
    /// The village code it belongs to (its own code for a village); a
    /// barrier's kind (`river`, `railway`, …); a compound's name.
    pub village: String,
    /// Households in the shape.
    pub households: u64,
    /// Workload of the shape.
    pub load: f64,
    /// Rings in lon/lat WGS84 degrees: for each polygon part its exterior
    /// and then its holes, all flattened into one list; filled even-odd.
    /// For a barrier ([`ShapeKind::is_line`]): its lines, drawn open.
    pub rings: Vec<Vec<[f64; 2]>>,
}

/// What a [`MapShape`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapeKind {
    /// A full-scope grid.
    Grid,
    /// A dedicated grid (专属网格).
    DedicatedGrid,
    /// A micro-grid (微网格).
    MicroGrid,
    /// A village or community boundary.
    Village,
    /// A residential compound (小区, 园区), drawn as a dashed outline.
    Compound,
    /// The part of a current (old) grid in one village, drawn as a dashed
    /// outline in the "What moves" layer when it loses households.
    OldGrid,
    /// A hard barrier on water (river, canal, stream, drain, open water):
    /// a thick dark blue line.
    WaterBarrier,
    /// Any other hard barrier (railway, motorway, trunk, primary road, or a
    /// kind made hard): a thick dark grey line.
    HardBarrier,
    /// A soft barrier: a thin grey line.
    SoftBarrier,
}

impl ShapeKind {
    /// Is it drawn as open lines (a barrier) rather than a polygon? Lines
    /// are left out of the map's frame and bounds: a river may run far
    /// beyond the county.
    #[must_use]
    pub fn is_line(self) -> bool {
        matches!(
            self,
            ShapeKind::WaterBarrier | ShapeKind::HardBarrier | ShapeKind::SoftBarrier
        )
    }
}

/// Everything the report shows.
#[derive(Clone, Copy, Debug)]
pub struct ReportInput<'a> {
    /// The page title (county code and run name).
    pub title: &'a str,
    /// Grids, dedicated grids, micro-grids, villages, compounds and
    /// barriers, in any order.
    pub shapes: &'a [MapShape],
    /// What metrics.json holds: the run parameters, the metrics and the
    /// notes of the run.
    pub report: &'a Report,
    /// The household band drawn on the histogram.
    pub band: (f64, f64),
    /// Grid loads binned in the histogram.
    pub grid_loads: &'a [f64],
    /// Where each (old grid, new grid) link's households live, when
    /// re-allocating: the points of the "What moves" layer.
    pub links: Option<&'a LinkPoints>,
}

/// Renders the whole page. Never fails; see the module docs.
#[must_use]
pub fn render(input: &ReportInput) -> String {
    let r = input.report;
    let moves = r
        .metrics
        .transition
        .as_ref()
        .map(|t| moves::village_moves(t, &r.metrics.grids));
    let mut out = String::with_capacity(64 * 1024 + input.shapes.len() * 256);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    w!(
        out,
        "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
        esc(input.title),
        assets::CSS
    );
    header::header(&mut out, input);
    out.push_str("<main>\n");
    map::map(&mut out, input, moves.as_deref());
    out.push_str("<section id=\"side\">\n");
    summary::summary(&mut out, r);
    histogram::histogram_section(&mut out, input.grid_loads, input.band);
    villages::villages_table(&mut out, &r.metrics);
    if let Some(t) = &r.metrics.transition {
        transition::transition_section(&mut out, t);
    }
    if let Some(m) = &moves {
        moves_table::moves_section(&mut out, m, &r.metrics);
    }
    lists::lists(&mut out, r);
    out.push_str(
        "<p class=\"foot\">Made by gridplan. This file is self-contained and needs no network. \
         Map: local equirectangular projection, coordinates rounded to 1 m. \
         Drag to pan, wheel or +/− to zoom; labels appear when zoomed in.</p>\n",
    );
    out.push_str("</section>\n</main>\n");
    w!(out, "<script>{}</script>\n</body>\n</html>\n", assets::JS);
    out
}

#[cfg(test)]
mod tests;
