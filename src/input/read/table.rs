//! Tables of household points: CSV and XLSX, as a household register is
//! exported from Excel (one row per address, with its coordinates).
//!
//! # Algorithm
//! 1. CSV: the bytes are UTF-8 (with or without a byte-order mark), else
//!    GB18030, the superset of the GBK that Chinese Excel writes; the
//!    fallback is reported as a note. The first line is the header; the
//!    delimiter is a comma, or a tab when the header has tabs and no comma.
//!    Rows may be shorter than the header (missing cells are empty).
//! 2. XLSX (calamine): the sheet named (`FILE:SHEET` or `--layer`), else
//!    the first. The first non-empty row is the header; empty rows are
//!    skipped.
//! 3. Every cell is kept as text, number or boolean; numeric fields read
//!    numbers written as text, and blank cells are empty. Rows are counted
//!    as the spreadsheet counts them (header = its row, 1-based), so a
//!    message's "row 17" is Excel's row 17.
//!
//! # Errors
//! [`ReadError::Csv`] (with the line), [`ReadError::BadFile`] for an
//! unreadable workbook, [`ReadError::Layer`] for an unknown sheet.

use std::borrow::Cow;

use calamine::{Data, Reader as _, Xlsx, open_workbook};
use encoding_rs::UTF_8;

use super::dbf::decode_guess;
use super::errors::{ReadError, Unit};
use super::geojson::Loose;
use super::gpkg::choose;
use super::records::{Record, Records};
use super::source::{Found, Source};

/// Reads a CSV file of households.
///
/// # Errors
/// See the module docs.
pub(super) fn read_csv(src: &Source) -> Result<Records, ReadError> {
    let file = src.file.clone();
    let bytes = std::fs::read(&src.path).map_err(|source| ReadError::Io {
        file: file.clone(),
        source,
    })?;
    let (text, encoding) = decode_guess(&bytes);
    let mut found = Found::default();
    if encoding != UTF_8 {
        found.notes.push(format!(
            "{file}: text read as {} (GBK), as it is not valid UTF-8",
            encoding.name().to_ascii_uppercase()
        ));
    }
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let csv_err = |e: &csv::Error| ReadError::Csv {
        file: file.clone(),
        line: e.position().map(csv::Position::line),
        message: e.to_string(),
    };
    let names: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_err(&e))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_err(&e))?;
        let number = rec.position().map_or(0, |p| p.line() as usize);
        let values = (0..names.len())
            .map(|i| match rec.get(i).map(str::trim) {
                None | Some("") => Loose::Null,
                Some(s) => Loose::Str(Cow::Owned(s.to_owned())),
            })
            .collect();
        rows.push(Record {
            number,
            geometry: None,
            values,
        });
    }
    Ok(Records {
        file,
        unit: Unit::Row,
        names,
        rows,
        found,
        text_cells: true,
    })
}

fn cell(d: &Data) -> Loose<'static> {
    match d {
        Data::Int(i) => Loose::Int(*i),
        Data::Float(x) => Loose::Float(*x),
        Data::Bool(b) => Loose::Bool(*b),
        Data::String(s) if s.trim().is_empty() => Loose::Null,
        Data::String(s) => Loose::Str(Cow::Owned(s.trim().to_owned())),
        Data::DateTime(t) => Loose::Float(t.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Loose::Str(Cow::Owned(s.clone())),
        Data::Error(e) => Loose::Str(Cow::Owned(format!("#{e:?}"))),
        Data::Empty => Loose::Null,
    }
}

/// Reads one sheet of an XLSX workbook of households.
///
/// # Errors
/// See the module docs.
pub(super) fn read_xlsx(src: &Source) -> Result<Records, ReadError> {
    let file = src.file.clone();
    if !src.path.is_file() {
        return Err(ReadError::Io {
            file,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let bad = |message: String| ReadError::BadFile {
        file: file.clone(),
        what: "XLSX workbook",
        message,
    };
    let mut wb: Xlsx<std::io::BufReader<std::fs::File>> =
        open_workbook(&src.path).map_err(|e: calamine::XlsxError| bad(e.to_string()))?;
    let sheets = wb.sheet_names();
    let sheet = match src.layer.as_deref() {
        Some(_) => choose(&file, "sheet", src.layer.as_deref(), &sheets)?,
        None => choose(&file, "sheet", sheets.first().map(String::as_str), &sheets)?,
    };
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| bad(format!("sheet {sheet:?}: {e}")))?;
    let top = range.start().map_or(0, |(r, _)| r as usize);
    let mut it = range
        .rows()
        .enumerate()
        .filter(|(_, r)| r.iter().any(|c| !matches!(c, Data::Empty)));
    let names: Vec<String> = it
        .next()
        .map(|(_, r)| {
            r.iter()
                .map(|c| cell(c).text().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    let rows = it
        .map(|(i, r)| Record {
            number: top + i + 1,
            geometry: None,
            values: (0..names.len())
                .map(|c| r.get(c).map_or(Loose::Null, cell))
                .collect(),
        })
        .collect();
    Ok(Records {
        file,
        unit: Unit::Row,
        names,
        rows,
        found: Found::default(),
        text_cells: true,
    })
}
