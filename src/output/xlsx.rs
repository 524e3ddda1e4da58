//! The roster spreadsheet `grids.xlsx` (`--format xlsx`): the grid list a
//! grid platform imports beside the layers, written with rust_xlsxwriter.
//!
//! # Sheets
//! 1. 全科网格: the full-scope grids of grids.geojson, in its order;
//! 2. 专属网格: the dedicated grids of grids.geojson, in its order;
//! 3. 微网格: the micro-grids of micro_grids.geojson, in its order;
//! 4. 变更: when the households carry a current plan, the changes from it,
//!    one row per (old grid, new grid) pair sharing households, in the
//!    order of transition.csv (old code, then new code), with the new
//!    grid's name and the old grid's fate in Chinese beside transition.csv's
//!    columns.
//!
//! Every sheet has the Chinese headers in row 1 and the field keys (the
//! GeoJSON properties, [`crate::output::fields`]) in row 2, both frozen, so
//! a person reads row 1 and an import script can match row 2. The three
//! grid sheets hold exactly the layers' fields, in the same order.
//!
//! # Cells and why
//! - Text fields (codes above all) are string cells, so a code such as
//!   `330381001001001` keeps every digit and a leading zero survives;
//! - counts and measures are number cells (NaN is left blank);
//! - `effective_date` is a date cell shown as `yyyy-mm-dd`.
//!
//! The workbook's creation time is set to the effective date, so the same
//! plan and date give the same bytes.
//!
//! # Errors
//! [`ExportError::Xlsx`] naming the file.

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::metrics::stability::Transition;
use crate::output::export::{ExportError, Feature, FieldKind, Value};
use crate::output::fields::{self, GRID_FIELDS, MICRO_FIELDS};
use crate::output::write::{self, Staged};

/// The sheet names, in order.
pub const SHEETS: [&str; 4] = ["全科网格", "专属网格", "微网格", "变更"];

/// The 变更 sheet's columns: key and Chinese header. The keys of
/// transition.csv, plus `new_grid_name` and `old_fate_zh`.
pub const CHANGE_COLUMNS: [(&str, &str); 10] = [
    ("old_grid", "原网格编码"),
    ("new_grid", "新网格编码"),
    ("new_grid_name", "新网格名称"),
    ("households", "变更户数"),
    ("old_grid_households", "原网格户数"),
    ("new_grid_households", "新网格户数"),
    ("old_fate", "原网格去向(英文)"),
    ("old_fate_zh", "原网格去向"),
    ("is_successor", "是否承继网格"),
    ("is_predecessor", "是否前身网格"),
];

/// What the roster is made of.
pub(crate) struct Roster<'a> {
    /// The grids layer's features ([`GRID_FIELDS`]).
    pub grids: &'a [Feature],
    /// The micro-grids layer's features ([`MICRO_FIELDS`]).
    pub micro: &'a [Feature],
    /// The transition from the current plan, when there is one.
    pub transition: Option<&'a Transition>,
    /// The effective date, `YYYY-MM-DD`.
    pub effective_date: &'a str,
}

/// Builds grids.xlsx at `path` and stages it for
/// [`crate::output::write::commit`].
///
/// # Errors
/// [`ExportError::Xlsx`] when the workbook cannot be built, or a write
/// error.
pub(crate) fn stage_xlsx(path: &Path, roster: &Roster) -> Result<Staged, ExportError> {
    let bytes = workbook(roster).map_err(|source| ExportError::Xlsx {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(write::stage(path, |w| w.write_all(&bytes))?)
}

/// The workbook's bytes.
fn workbook(r: &Roster) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::parse_from_str(r.effective_date)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let type_idx = GRID_FIELDS.iter().position(|(k, _)| *k == "grid_type");
    let is_dedicated = |f: &&Feature| {
        type_idx.and_then(|i| f.values.get(i))
            == Some(&Value::Text(crate::metrics::DEDICATED.into()))
    };
    let full: Vec<&Feature> = r.grids.iter().filter(|f| !is_dedicated(f)).collect();
    let dedicated: Vec<&Feature> = r.grids.iter().filter(is_dedicated).collect();
    let micro: Vec<&Feature> = r.micro.iter().collect();
    for (name, fields, rows) in [
        (SHEETS[0], GRID_FIELDS, &full),
        (SHEETS[1], GRID_FIELDS, &dedicated),
        (SHEETS[2], MICRO_FIELDS, &micro),
    ] {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        layer_sheet(ws, fields, rows)?;
    }
    if let Some(t) = r.transition {
        let ws = wb.add_worksheet();
        ws.set_name(SHEETS[3])?;
        change_sheet(ws, t, r.grids)?;
    }
    wb.save_to_buffer()
}

/// Rows 1 and 2: Chinese headers and keys, frozen.
fn headers<'a>(
    ws: &mut Worksheet,
    cols: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let grey = Format::new().set_font_color(rust_xlsxwriter::Color::Gray);
    for (c, (key, header)) in (0u16..).zip(cols) {
        ws.write_string_with_format(0, c, header, &bold)?;
        ws.write_string_with_format(1, c, key, &grey)?;
        let chars = header.chars().count().max(key.len()) as f64;
        ws.set_column_width(c, (chars * 1.6).clamp(10.0, 40.0))?;
    }
    ws.set_freeze_panes(2, 0)?;
    Ok(())
}

/// One layer's features, a row each, its fields as columns.
fn layer_sheet(
    ws: &mut Worksheet,
    fields: &[(&str, FieldKind)],
    rows: &[&Feature],
) -> Result<(), XlsxError> {
    headers(ws, fields.iter().map(|(k, _)| (*k, fields::header(k))))?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, f) in (2u32..).zip(rows) {
        for ((c, (_, kind)), v) in (0u16..).zip(fields).zip(&f.values) {
            match (kind, v) {
                (FieldKind::Date, Value::Text(s)) => {
                    ws.write_datetime_with_format(r, c, ExcelDateTime::parse_from_str(s)?, &date)?;
                }
                (_, Value::Text(s)) => {
                    ws.write_string(r, c, s)?;
                }
                (_, Value::Int(n)) => {
                    ws.write_number(r, c, *n as f64)?;
                }
                (_, Value::Real(x)) if x.is_finite() => {
                    ws.write_number(r, c, *x)?;
                }
                (_, Value::Real(_)) => {}
            }
        }
    }
    Ok(())
}

/// Field `i` of a feature as text (empty when it is not text).
fn text_of(f: &Feature, i: usize) -> &str {
    match f.values.get(i) {
        Some(Value::Text(s)) => s.as_str(),
        _ => "",
    }
}

/// The old grids' fates in Chinese.
fn fate_zh(fate: &str) -> &'static str {
    match fate {
        "kept" => "保留",
        "split" => "拆分",
        "merged" => "合并",
        _ => "重组",
    }
}

/// The 变更 sheet: transition.csv's rows with the new grid's name.
fn change_sheet(ws: &mut Worksheet, t: &Transition, grids: &[Feature]) -> Result<(), XlsxError> {
    headers(ws, CHANGE_COLUMNS.iter().copied())?;
    // grid_code → grid_name, from the grids layer (fields 1 and 0).
    let names: BTreeMap<&str, &str> = grids
        .iter()
        .map(|f| (text_of(f, 1), text_of(f, 0)))
        .collect();
    let new_of: BTreeMap<&str, _> = t.new.iter().map(|n| (n.code.as_str(), n)).collect();
    let mut r = 2u32;
    for o in &t.old {
        let mut to: Vec<_> = o.to.iter().collect();
        to.sort_by(|a, b| a.grid.cmp(&b.grid));
        for s in to {
            let n = new_of.get(s.grid.as_str());
            let flag = |b: bool| if b { 1.0 } else { 0.0 };
            ws.write_string(r, 0, &o.code)?;
            ws.write_string(r, 1, &s.grid)?;
            ws.write_string(r, 2, names.get(s.grid.as_str()).copied().unwrap_or(""))?;
            ws.write_number(r, 3, s.households as f64)?;
            ws.write_number(r, 4, o.households as f64)?;
            ws.write_number(r, 5, n.map_or(0, |n| n.households) as f64)?;
            ws.write_string(r, 6, o.fate.as_str())?;
            ws.write_string(r, 7, fate_zh(o.fate.as_str()))?;
            ws.write_number(r, 8, flag(o.successor == s.grid))?;
            ws.write_number(r, 9, flag(n.is_some_and(|n| n.predecessor == o.code)))?;
            r += 1;
        }
    }
    Ok(())
}
