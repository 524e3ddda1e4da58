//! The one set of HTML and SVG helpers of the pages gridplan writes:
//! `report.html` ([`report`](crate::output::report)) and the scenario page,
//! chart and section ([`scenarios`](crate::output::scenarios)).
//!
//! The pages are written as text with `write!`, not with a template crate:
//! their bytes are pinned by the golden outputs, and a small module keeps
//! every byte in plain sight. Text that comes from data (codes, labels,
//! reasons, titles) goes through [`esc`] or [`esc_xml`], which return a
//! [`Display`](std::fmt::Display) value that escapes as it is written, so
//! escaping needs no intermediate string.
//!
//! # Number formats
//! - [`int`]: whole numbers with thousands separators ("1,560,641");
//! - [`decimals`]: a fixed number of decimals;
//! - [`percent`]: a share (0..1) in percent, never rounded up to 100 %;
//! - [`short`]: SVG coordinates and short labels, at most 2 decimals;
//! - [`full`]: the sort value of a table cell (`data-v`), full precision.
//!
//! Each of them shows a missing (`None`) or non-finite value as [`NA`]
//! ("–"), except [`short`] and [`full`], which write "0" so that an SVG or
//! a sort key stays valid.
//!
//! # Errors
//! None: every helper is total and deterministic.

use std::fmt;

/// Appends formatted text to a `String`; writing to a `String` cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        use ::std::fmt::Write as _;
        let _ = $out.write_fmt(format_args!($($arg)*));
    }};
}
pub(crate) use w;

/// The dash shown for a missing value.
pub const NA: &str = "–";

/// Text escaped for HTML or XML as it is written; see [`esc`] and
/// [`esc_xml`].
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a> {
    text: &'a str,
    /// Replace control characters by spaces (XML 1.0 forbids them).
    xml: bool,
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.text;
        while let Some(i) = rest.find(|c: char| needs_escape(c, self.xml)) {
            f.write_str(&rest[..i])?;
            let c = rest[i..].chars().next().unwrap_or(' ');
            f.write_str(match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => " ",
            })?;
            rest = &rest[i + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// Does `c` need replacing?
fn needs_escape(c: char, xml: bool) -> bool {
    matches!(c, '&' | '<' | '>' | '"' | '\'')
        || (xml && c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Escapes text for HTML element content and quoted attribute values.
#[must_use]
pub fn esc(text: &str) -> Escaped<'_> {
    Escaped { text, xml: false }
}

/// [`esc`] for a standalone SVG (XML): control characters other than tab
/// and line breaks, which XML 1.0 forbids even escaped, become spaces.
#[must_use]
pub fn esc_xml(text: &str) -> Escaped<'_> {
    Escaped { text, xml: true }
}

/// `Some(x)` when `x` is finite: a value a metrics.json reader would see
/// (serde_json writes non-finite numbers as `null`).
#[must_use]
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// A `(min, max)` pair when both ends are finite.
#[must_use]
pub fn finite_pair(p: (f64, f64)) -> Option<(f64, f64)> {
    (p.0.is_finite() && p.1.is_finite()).then_some(p)
}

/// An integer with thousands separators, or [`NA`] when missing or not
/// finite.
#[must_use]
pub fn int(x: Option<f64>) -> String {
    let Some(x) = x.filter(|x| x.is_finite()) else {
        return NA.to_string();
    };
    let r = x.round();
    if r.abs() >= 1e15 {
        return format!("{x:e}");
    }
    let digits = format!("{}", r.abs() as u64);
    let mut o = String::new();
    if r < 0.0 {
        o.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            o.push(',');
        }
        o.push(ch);
    }
    o
}

/// A count with thousands separators.
#[must_use]
pub fn count(n: usize) -> String {
    int(Some(n as f64))
}

/// A number with `d` decimals, or [`NA`].
#[must_use]
pub fn decimals(x: Option<f64>, d: usize) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{x:.d$}"),
        _ => NA.to_string(),
    }
}

/// Drops the sign of a formatted zero ("-0.00" becomes "0.00").
#[must_use]
pub fn no_neg_zero(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// The digits of a share (0..1) in percent with `d` decimals, without the
/// sign; `None` when not finite. A share below 1 is never shown as 100:
/// 10,472 of 10,473 is "99.9", not "100.0".
#[must_use]
pub fn percent_digits(x: f64, d: usize) -> Option<String> {
    if !x.is_finite() {
        return None;
    }
    let s = format!("{:.d$}", x * 100.0);
    let full = format!("{:.d$}", 100.0);
    if x < 1.0 && s == full {
        // d is a handful of decimals; a larger one is clamped, not wrapped.
        let scale = 10f64.powi(i32::try_from(d).unwrap_or(i32::MAX));
        Some(format!("{:.d$}", (x * 100.0 * scale).floor() / scale))
    } else {
        Some(s)
    }
}

/// A share (0..1) as a percentage with `d` decimals ("99.9 %"), or [`NA`];
/// see [`percent_digits`].
#[must_use]
pub fn percent(x: Option<f64>, d: usize) -> String {
    match x.and_then(|x| percent_digits(x, d)) {
        Some(s) => format!("{s} %"),
        None => NA.to_string(),
    }
}

/// A number for an SVG attribute or a short label: at most 2 decimals, no
/// trailing zeros, "0" when not finite.
#[must_use]
pub fn short(x: f64) -> String {
    if !x.is_finite() {
        return "0".to_string();
    }
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A number for a data attribute (sorting): full precision, "0" when not
/// finite.
#[must_use]
pub fn full(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "0".to_string()
    }
}

/// ` data-v="…"`, the sort value of a table cell, or nothing when the
/// value is missing or not finite.
#[must_use]
pub fn data_v(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite())
        .map_or(String::new(), |x| format!(" data-v=\"{}\"", full(x)))
}

/// A round axis step near `raw`: 1, 2 or 5 times a power of ten; 1 when
/// `raw` is not a positive number. Callers counting whole things take
/// `.max(1.0)`.
#[must_use]
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= raw {
            return m * p;
        }
    }
    10.0 * p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_xml_controls() {
        assert_eq!(esc("a<b>&\"c'").to_string(), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(esc("x\u{1}y").to_string(), "x\u{1}y");
        assert_eq!(esc_xml("x\u{1}y\tz<").to_string(), "x y\tz&lt;");
        assert_eq!(esc("网格 ok").to_string(), "网格 ok");
    }

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(percent(Some(10_472.0 / 10_473.0), 1), "99.9 %");
        assert_eq!(percent(Some(1.0), 1), "100.0 %");
        assert_eq!(percent(Some(0.8701), 1), "87.0 %");
        assert_eq!(percent(None, 1), "–");
        assert_eq!(int(Some(1_560_641.0)), "1,560,641");
        assert_eq!(int(Some(-1234.0)), "-1,234");
        assert_eq!(int(Some(999.0)), "999");
        assert_eq!(int(Some(f64::NAN)), "–");
        assert_eq!(decimals(Some(f64::NAN), 2), "–");
        assert_eq!(no_neg_zero("-0.00".into()), "0.00");
        assert_eq!(no_neg_zero("-0.01".into()), "-0.01");
        assert_eq!(short(-0.001), "0");
        assert_eq!(short(12.50), "12.5");
        assert_eq!(data_v(Some(0.25)), " data-v=\"0.25\"");
        assert_eq!(data_v(Some(f64::NAN)), "");
    }

    #[test]
    #[expect(
        clippy::float_cmp,
        reason = "the values are exact: round steps and bin edges, compared bit for bit"
    )]
    fn nice_steps_are_round() {
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(333.4), 500.0);
        assert_eq!(nice_step(0.2), 0.2);
        assert_eq!(nice_step(0.2).max(1.0), 1.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }
}
