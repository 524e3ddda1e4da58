//! The `.dbf` of a Shapefile (dBase III/IV), read by hand so that the
//! text encoding can be chosen after looking at the bytes, and the text
//! encodings of the inputs (`.cpg` labels, the UTF-8 → GB18030 fallback).
//!
//! # Algorithm
//! 1. The header gives the record count, the header and record lengths;
//!    32-byte field descriptors follow up to the 0x0D terminator (name,
//!    type, width).
//! 2. The encoding: the `.cpg`'s, when there is one; else UTF-8 when every
//!    name and text cell is valid UTF-8, else GB18030, the superset of GBK
//!    and GB2312 that Chinese Windows writes (code page 936). The choice
//!    without a `.cpg` is returned as a note for the planner.
//! 3. Cells become loose values as GDAL reads them: text trimmed of its
//!    padding (blank is null), numbers parsed (blank or `*` is null),
//!    logicals T/Y and F/N, dates as their `YYYYMMDD` text.
//!
//! # Complexity
//! Linear in the file size; the file is read whole.
//!
//! # Errors
//! [`ReadError::BadFile`] for a truncated or inconsistent file,
//! [`ReadError::UnknownEncoding`] for a `.cpg` naming an encoding
//! encoding_rs does not know.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_8};

use super::errors::ReadError;
use super::geojson::Loose;

/// The encoding a `.cpg` names: UTF-8, the Chinese code page 936 under
/// its many names (all decoded as GB18030, their superset), or any
/// WHATWG label (`windows-1252`, `big5`, ...).
///
/// # Errors
/// [`ReadError::UnknownEncoding`].
pub(super) fn encoding_of_label(file: &str, label: &str) -> Result<&'static Encoding, ReadError> {
    let t = label.trim().trim_start_matches('\u{feff}').trim();
    let upper = t.to_ascii_uppercase();
    let code = upper
        .trim_start_matches("ANSI")
        .trim_start_matches("CP")
        .trim_start_matches('_')
        .trim();
    let enc = match code {
        "UTF-8" | "UTF8" | "65001" | "" => Some(UTF_8),
        "GBK" | "936" | "GB2312" | "GB18030" | "54936" | "EUC-CN" => Some(GB18030),
        "1252" | "LATIN1" | "88591" => Encoding::for_label(b"windows-1252"),
        "950" | "BIG5" => Encoding::for_label(b"big5"),
        _ => Encoding::for_label(t.as_bytes()),
    };
    enc.ok_or_else(|| ReadError::UnknownEncoding {
        file: file.to_owned(),
        label: t.to_owned(),
    })
}

/// Decodes `bytes` as UTF-8 (a byte-order mark skipped), else as GB18030;
/// returns the text and the encoding used.
pub(super) fn decode_guess(bytes: &[u8]) -> (Cow<'_, str>, &'static Encoding) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), UTF_8),
        Err(_) => (GB18030.decode_without_bom_handling(bytes).0, GB18030),
    }
}

/// A field descriptor.
struct FieldDesc {
    name_bytes: Vec<u8>,
    kind: u8,
    offset: usize,
    width: usize,
}

/// The columns and rows of a `.dbf`.
#[derive(Debug)]
pub(super) struct Table {
    pub names: Vec<String>,
    pub rows: Vec<Vec<Loose<'static>>>,
    /// The encoding used, and whether it was guessed (no `.cpg`).
    pub encoding: &'static Encoding,
}

/// Parses a `.dbf`; `encoding` is the `.cpg`'s, `None` to guess.
///
/// # Errors
/// [`ReadError::BadFile`].
pub(super) fn parse(
    file: &str,
    bytes: &[u8],
    encoding: Option<&'static Encoding>,
) -> Result<Table, ReadError> {
    let bad = |message: String| ReadError::BadFile {
        file: file.to_owned(),
        what: ".dbf",
        message,
    };
    if bytes.len() < 32 {
        return Err(bad(format!("{} bytes, shorter than a header", bytes.len())));
    }
    let count = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let record_len = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
    let fields = descriptors(bytes, header_len).map_err(&bad)?;
    if let Some(f) = fields.iter().find(|f| f.offset + f.width > record_len) {
        return Err(bad(format!(
            "field {:?} ends past the record length {record_len}",
            String::from_utf8_lossy(&f.name_bytes)
        )));
    }
    let body = bytes.get(header_len..).unwrap_or_default();
    if record_len == 0 || body.len() < count * record_len {
        return Err(bad(format!(
            "the header promises {count} records of {record_len} bytes, the file holds {}",
            body.len()
        )));
    }
    let records: Vec<&[u8]> = body.chunks_exact(record_len).take(count).collect();
    let encoding = encoding.unwrap_or_else(|| guess(&fields, &records));
    let names = fields
        .iter()
        .map(|f| decode(encoding, &f.name_bytes).trim().to_owned())
        .collect();
    let rows = records
        .iter()
        .map(|r| fields.iter().map(|f| cell(f, r, encoding)).collect())
        .collect();
    Ok(Table {
        names,
        rows,
        encoding,
    })
}

fn descriptors(bytes: &[u8], header_len: usize) -> Result<Vec<FieldDesc>, String> {
    let mut out = Vec::new();
    let mut at = 32;
    let mut offset = 1; // the deletion flag
    while at < header_len.min(bytes.len()) && bytes[at] != 0x0D {
        let Some(d) = bytes.get(at..at + 32) else {
            return Err("a field descriptor is cut short".into());
        };
        let name_end = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
        let width = usize::from(d[16]);
        out.push(FieldDesc {
            name_bytes: d[..name_end].to_vec(),
            kind: d[11].to_ascii_uppercase(),
            offset,
            width,
        });
        offset += width;
        at += 32;
    }
    if out.is_empty() {
        return Err("no fields".into());
    }
    Ok(out)
}

/// UTF-8 when every name and text cell is valid UTF-8, else GB18030.
fn guess(fields: &[FieldDesc], records: &[&[u8]]) -> &'static Encoding {
    let names_ok = fields
        .iter()
        .all(|f| std::str::from_utf8(&f.name_bytes).is_ok());
    let cells_ok = || {
        records.iter().all(|r| {
            fields
                .iter()
                .filter(|f| f.kind == b'C')
                .all(|f| std::str::from_utf8(&r[f.offset..f.offset + f.width]).is_ok())
        })
    };
    if names_ok && cells_ok() {
        UTF_8
    } else {
        GB18030
    }
}

fn decode<'b>(encoding: &'static Encoding, bytes: &'b [u8]) -> Cow<'b, str> {
    if encoding == UTF_8 {
        String::from_utf8_lossy(bytes)
    } else {
        encoding.decode_without_bom_handling(bytes).0
    }
}

fn cell(f: &FieldDesc, record: &[u8], encoding: &'static Encoding) -> Loose<'static> {
    let raw = &record[f.offset..f.offset + f.width];
    let text = decode(encoding, raw);
    let t = text.trim_matches(|c: char| c == ' ' || c == '\0');
    if t.is_empty() {
        return Loose::Null;
    }
    match f.kind {
        b'N' | b'F' | b'I' | b'O' | b'+' if t.bytes().all(|b| b == b'*') => Loose::Null,
        b'N' | b'F' | b'O' => number(t),
        b'L' => match t.as_bytes()[0] {
            b'T' | b't' | b'Y' | b'y' => Loose::Bool(true),
            b'F' | b'f' | b'N' | b'n' => Loose::Bool(false),
            _ => Loose::Null,
        },
        _ => Loose::Str(Cow::Owned(t.to_owned())),
    }
}

fn number(t: &str) -> Loose<'static> {
    if let Ok(i) = t.parse::<i64>() {
        return Loose::Int(i);
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() => Loose::Float(x),
        _ => Loose::Str(Cow::Owned(t.to_owned())),
    }
}

/// Writes a minimal dBase III `.dbf` with the columns `fields` (name,
/// `C` or `N`, width, decimals) and the text cells `rows`, text encoded
/// with `encoding`: what `gridplan synth` and the tests write. The date
/// is fixed so the bytes do not depend on the clock.
pub(crate) fn write(
    fields: &[(String, u8, u8, u8)],
    rows: &[Vec<String>],
    encoding: &'static Encoding,
) -> Vec<u8> {
    let header_len = 32 + 32 * fields.len() + 1;
    let record_len = 1 + fields.iter().map(|f| usize::from(f.2)).sum::<usize>();
    let mut out = Vec::with_capacity(header_len + record_len * rows.len() + 1);
    out.extend_from_slice(&[0x03, 70, 1, 1]);
    out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    out.extend_from_slice(&(header_len as u16).to_le_bytes());
    out.extend_from_slice(&(record_len as u16).to_le_bytes());
    out.extend_from_slice(&[0; 20]);
    for (name, kind, width, decimals) in fields {
        let mut d = [0u8; 32];
        let enc = encoding.encode(name).0;
        let n = enc.len().min(10);
        d[..n].copy_from_slice(&enc[..n]);
        d[11] = *kind;
        d[16] = *width;
        d[17] = *decimals;
        out.extend_from_slice(&d);
    }
    out.push(0x0D);
    for row in rows {
        out.push(b' ');
        for ((_, kind, width, _), v) in fields.iter().zip(row) {
            let w = usize::from(*width);
            let mut enc = encoding.encode(v).0.into_owned();
            enc.truncate(w);
            let pad = vec![b' '; w - enc.len()];
            if *kind == b'N' {
                out.extend_from_slice(&pad);
                out.extend_from_slice(&enc);
            } else {
                out.extend_from_slice(&enc);
                out.extend_from_slice(&pad);
            }
        }
    }
    out.push(0x1A);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(encoding: &'static Encoding) -> Vec<u8> {
        write(
            &[
                ("id".into(), b'C', 8, 0),
                ("户数".into(), b'N', 6, 0),
                ("名称".into(), b'C', 20, 0),
                ("area".into(), b'N', 12, 3),
            ],
            &[
                vec!["H1".into(), "3".into(), "东山村".into(), "12.5".into()],
                vec!["H2".into(), String::new(), String::new(), "**".into()],
            ],
            encoding,
        )
    }

    #[test]
    fn gbk_without_cpg_is_guessed_and_utf8_kept() {
        let t = parse("a.dbf", &sample(GB18030), None).unwrap();
        assert_eq!(t.encoding, GB18030);
        assert_eq!(t.names, ["id", "户数", "名称", "area"]);
        assert_eq!(t.rows[0][1], Loose::Int(3));
        assert_eq!(t.rows[0][2], Loose::Str("东山村".into()));
        assert_eq!(t.rows[0][3], Loose::Float(12.5));
        assert_eq!(t.rows[1][1], Loose::Null);
        assert_eq!(t.rows[1][2], Loose::Null);
        assert_eq!(t.rows[1][3], Loose::Null);
        let t = parse("a.dbf", &sample(UTF_8), None).unwrap();
        assert_eq!(t.encoding, UTF_8);
        assert_eq!(t.rows[0][2], Loose::Str("东山村".into()));
    }

    #[test]
    fn cpg_labels() {
        for l in ["UTF-8", "utf8", "65001\r\n"] {
            assert_eq!(encoding_of_label("a.cpg", l).unwrap(), UTF_8, "{l}");
        }
        for l in [
            "GBK", "936", "CP936", "GB2312", "GB18030", "ANSI 936", "cp936",
        ] {
            assert_eq!(encoding_of_label("a.cpg", l).unwrap(), GB18030, "{l}");
        }
        assert_eq!(
            encoding_of_label("a.cpg", "1252").unwrap().name(),
            "windows-1252"
        );
        let e = encoding_of_label("a.cpg", "klingon").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("a.cpg: unknown encoding \"klingon\""),
            "{e}"
        );
    }

    #[test]
    fn truncated_dbf_is_an_error() {
        let mut b = sample(UTF_8);
        b.truncate(b.len() - 30);
        let e = parse("a.dbf", &b, None).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("a.dbf: invalid .dbf: the header promises 2 records"),
            "{e}"
        );
        let e = parse("a.dbf", &b[..10], None).unwrap_err();
        assert!(e.to_string().contains("shorter than a header"), "{e}");
    }

    #[test]
    fn utf8_with_bom_and_gbk_text() {
        let (t, e) = decode_guess("\u{feff}户数".as_bytes());
        assert_eq!((t.as_ref(), e), ("户数", UTF_8));
        let gbk = GB18030.encode("户数,人口").0;
        let (t, e) = decode_guess(&gbk);
        assert_eq!((t.as_ref(), e), ("户数,人口", GB18030));
    }
}
