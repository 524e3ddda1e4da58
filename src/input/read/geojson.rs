//! Parsing: private serde shapes of a FeatureCollection, read without
//! building a `serde_json::Value`, plus reading a file whole (steps 1 and 2
//! of the module overview).

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::errors::ReadError;
use super::validate::Frame;
use crate::input::crs::Crs;

// ---------------------------------------------------------------------------
// Parsing: private serde shapes.

/// A JSON value reduced to what validation needs. Arrays and objects are
/// skipped, not stored, so unknown properties cost no allocation.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Loose<'a> {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Array,
    Object,
    Null,
}

impl Loose<'_> {
    /// How the value reads in a message: numbers as written, strings quoted.
    pub(super) fn describe(&self) -> String {
        match self {
            Loose::Bool(b) => b.to_string(),
            Loose::Int(i) => i.to_string(),
            Loose::UInt(u) => u.to_string(),
            Loose::Float(f) => f.to_string(),
            Loose::Str(s) => format!("\"{s}\""),
            Loose::Array => "an array".into(),
            Loose::Object => "an object".into(),
            Loose::Null => "null".into(),
        }
    }

    pub(super) fn as_f64(&self) -> Option<f64> {
        match *self {
            Loose::Int(i) => Some(i as f64),
            Loose::UInt(u) => Some(u as f64),
            Loose::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The value as text: strings as is, numbers without a fraction when
    /// integral. `None` for booleans, arrays, objects and null.
    pub(super) fn text(&self) -> Option<String> {
        match self {
            Loose::Str(s) => Some(s.to_string()),
            Loose::Int(i) => Some(i.to_string()),
            Loose::UInt(u) => Some(u.to_string()),
            // 2^53: beyond it an f64 is always integral and `as i64` would
            // still be exact up to 2^63, but Display already prints such
            // values without a fraction, so only the small range needs care.
            Loose::Float(f) if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => {
                Some((*f as i64).to_string())
            }
            Loose::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor(PhantomData))
    }
}

pub(super) struct LooseVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for LooseVisitor<'a> {
    type Value = Loose<'a>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Loose<'a>, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Loose<'a>, E> {
        Ok(Loose::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Loose<'a>, E> {
        Ok(Loose::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Loose<'a>, E> {
        Ok(Loose::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Loose<'a>, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Loose<'a>, E> {
        Ok(Loose::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Loose<'a>, E> {
        Ok(Loose::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Loose<'a>, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Loose<'a>, E> {
        Ok(Loose::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose<'a>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose<'a>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Object)
    }
}

/// GeoJSON `coordinates` of any depth. Non-numbers are kept as a description
/// so that `[null, 30]` can be reported as a bad coordinate, not a parse error.
#[derive(Debug)]
pub(super) enum Coords {
    Num(f64),
    /// An array whose first element is a number: a position, stored inline
    /// because it is by far the most common array (one per point, one per
    /// vertex). `y` is the second element or a description of it, `len` the
    /// number of elements.
    Pos {
        x: f64,
        y: Result<f64, String>,
        len: usize,
    },
    List(Vec<Coords>),
    Bad(String),
}

impl Coords {
    pub(super) fn describe(&self) -> String {
        match self {
            Coords::Num(x) => format!("the number {x}"),
            Coords::Pos { .. } => "a position".into(),
            Coords::List(_) => "an array".into(),
            Coords::Bad(s) => s.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for Coords {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CoordsVisitor)
    }
}

pub(super) struct CoordsVisitor;

impl<'de> Visitor<'de> for CoordsVisitor {
    type Value = Coords;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GeoJSON coordinates")
    }
    fn visit_i64<E>(self, v: i64) -> Result<Coords, E> {
        Ok(Coords::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Coords, E> {
        Ok(Coords::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Coords, E> {
        Ok(Coords::Num(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Coords, E> {
        Ok(Coords::Bad(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Coords, E> {
        Ok(Coords::Bad(format!("\"{v}\"")))
    }
    fn visit_unit<E>(self) -> Result<Coords, E> {
        Ok(Coords::Bad("null".into()))
    }
    fn visit_none<E>(self) -> Result<Coords, E> {
        Ok(Coords::Bad("null".into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
        let Some(first) = seq.next_element::<Coords>()? else {
            return Ok(Coords::List(Vec::new()));
        };
        if let Coords::Num(x) = first {
            let (y, mut len) = match seq.next_element::<Coords>()? {
                None => (Err("nothing".into()), 1),
                Some(Coords::Num(y)) => (Ok(y), 2),
                Some(other) => (Err(other.describe()), 2),
            };
            // Altitude and anything after it are allowed and ignored.
            while seq.next_element::<IgnoredAny>()?.is_some() {
                len += 1;
            }
            return Ok(Coords::Pos { x, y, len });
        }
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(4).max(1));
        v.push(first);
        while let Some(c) = seq.next_element()? {
            v.push(c);
        }
        Ok(Coords::List(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Coords, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Coords::Bad("an object".into()))
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct RawGeometry<'a> {
    #[serde(rename = "type", default, borrow)]
    pub(super) kind: Option<Loose<'a>>,
    #[serde(default)]
    pub(super) coordinates: Option<Coords>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de>"))]
pub(super) struct RawFeature<'a, P> {
    #[serde(rename = "type", default, borrow)]
    pub(super) kind: Option<Loose<'a>>,
    #[serde(default, borrow)]
    pub(super) id: Option<Loose<'a>>,
    #[serde(default, borrow)]
    pub(super) geometry: Option<RawGeometry<'a>>,
    #[serde(default = "none")]
    pub(super) properties: Option<P>,
}

pub(super) fn none<P>() -> Option<P> {
    None
}

#[derive(Deserialize, Default)]
pub(super) struct UnitProps<'a> {
    #[serde(default, borrow)]
    pub(super) code: Option<Loose<'a>>,
    #[serde(default, borrow)]
    pub(super) name: Option<Loose<'a>>,
    #[serde(default, borrow)]
    pub(super) level: Option<Loose<'a>>,
    #[serde(default, borrow)]
    pub(super) parent: Option<Loose<'a>>,
    #[serde(default, borrow)]
    pub(super) kind: Option<Loose<'a>>,
}

impl super::records::LayerProps for UnitProps<'static> {
    const KEYS: &'static [&'static str] = &["code", "name", "level", "parent", "kind"];
    fn set(&mut self, slot: usize, value: Loose<'static>) {
        let v = Some(value);
        match slot {
            0 => self.code = v,
            1 => self.name = v,
            2 => self.level = v,
            3 => self.parent = v,
            _ => self.kind = v,
        }
    }
}

/// The top-level object: its `type`, `features` and `crs`, or what it was
/// instead.
pub(super) struct Top<'a, P> {
    pub(super) kind: Option<Loose<'a>>,
    pub(super) features: Option<Vec<RawFeature<'a, P>>>,
    pub(super) not_object: Option<String>,
    /// The `crs` member (GeoJSON 2008; RFC 7946 dropped it, GDAL and QGIS
    /// still write it), kept whole: it is small.
    pub(super) crs: Option<serde_json::Value>,
}

/// Parses the top level, recording the index of the feature being parsed in
/// `current` so that errors deep inside a feature can name it.
pub(super) struct TopSeed<'a, P> {
    pub(super) current: &'a Cell<Option<usize>>,
    pub(super) _p: PhantomData<P>,
}

impl<'de, P: Deserialize<'de>> DeserializeSeed<'de> for TopSeed<'_, P> {
    type Value = Top<'de, P>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Top<'de, P>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<P> TopSeed<'_, P> {
    fn other<'a>(found: &str) -> Top<'a, P> {
        Top {
            kind: None,
            features: None,
            not_object: Some(found.to_owned()),
            crs: None,
        }
    }
}

impl<'de, P: Deserialize<'de>> Visitor<'de> for TopSeed<'_, P> {
    type Value = Top<'de, P>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'de, P>, A::Error> {
        let mut kind = None;
        let mut features = None;
        let mut crs = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "crs" => crs = Some(map.next_value::<serde_json::Value>()?),
                "type" => {
                    if kind.is_some() {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    kind = Some(map.next_value::<Loose<'de>>()?);
                }
                "features" => {
                    if features.is_some() {
                        return Err(de::Error::duplicate_field("features"));
                    }
                    features = Some(map.next_value_seed(FeaturesSeed::<P> {
                        current: self.current,
                        _p: PhantomData,
                    })?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Top {
            kind,
            features,
            not_object: None,
            crs,
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top<'de, P>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::other("an array"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Top<'de, P>, E> {
        Ok(Self::other("a string"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Top<'de, P>, E> {
        Ok(Self::other("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Top<'de, P>, E> {
        Ok(Self::other("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Top<'de, P>, E> {
        Ok(Self::other("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Top<'de, P>, E> {
        Ok(Self::other("a number"))
    }
    fn visit_unit<E>(self) -> Result<Top<'de, P>, E> {
        Ok(Self::other("null"))
    }
}

pub(super) struct FeaturesSeed<'a, P> {
    pub(super) current: &'a Cell<Option<usize>>,
    pub(super) _p: PhantomData<P>,
}

impl<'de, P: Deserialize<'de>> DeserializeSeed<'de> for FeaturesSeed<'_, P> {
    type Value = Vec<RawFeature<'de, P>>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, P: Deserialize<'de>> Visitor<'de> for FeaturesSeed<'_, P> {
    type Value = Vec<RawFeature<'de, P>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of Features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            self.current.set(Some(out.len()));
            match seq.next_element::<RawFeature<'de, P>>()? {
                Some(f) => out.push(f),
                None => break,
            }
        }
        self.current.set(None);
        Ok(out)
    }
}

/// Reads `path` whole; the name as given is kept for messages.
pub(super) fn read_bytes(path: &Path) -> Result<(String, Vec<u8>), ReadError> {
    let file = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok((file, bytes)),
        Err(source) => Err(ReadError::Io { file, source }),
    }
}

/// The system a `crs` member declares: `{"type":"name","properties":
/// {"name":"urn:ogc:def:crs:EPSG::4528"}}`, the 2008 form
/// `{"type":"EPSG","properties":{"code":4528}}`, or a bare string. `null`
/// declares nothing.
///
/// # Errors
/// [`ReadError::UnknownCrs`] for anything else.
fn declared_crs(file: &str, member: Option<&serde_json::Value>) -> Result<Option<Crs>, ReadError> {
    use serde_json::Value;
    let Some(v) = member.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let props = v.get("properties");
    let found = match (
        v,
        props.and_then(|p| p.get("name")),
        props.and_then(|p| p.get("code")),
    ) {
        (Value::String(s), _, _) | (_, Some(Value::String(s)), _) => Crs::from_geojson_name(s),
        (_, _, Some(code)) => code
            .as_u64()
            .and_then(|c| u32::try_from(c).ok())
            .and_then(Crs::from_epsg),
        _ => None,
    };
    found.map(Some).ok_or_else(|| ReadError::UnknownCrs {
        file: file.to_owned(),
        name: v.to_string(),
    })
}

/// Parses `bytes` as a FeatureCollection with properties `P`, borrowing
/// strings from `bytes` where they have no escapes; the positions are to be
/// read in `flag`'s system, else the one the file's `crs` member declares,
/// else WGS84 (the returned [`Frame`]).
pub(super) fn parse_bytes<'a, P: Deserialize<'a>>(
    file: String,
    bytes: &'a [u8],
    flag: Option<Crs>,
) -> Result<(String, Vec<RawFeature<'a, P>>, Frame), ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let current = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = TopSeed::<P> {
        current: &current,
        _p: PhantomData,
    }
    .deserialize(&mut de)
    .and_then(|top| de.end().map(|()| top));
    let top = match parsed {
        Ok(top) => top,
        Err(e) => return Err(json_error(file, &e, current.get())),
    };
    if let Some(found) = top.not_object {
        return Err(ReadError::NotFeatureCollection { file, found });
    }
    match &top.kind {
        Some(Loose::Str(s)) if s == "FeatureCollection" => {}
        Some(Loose::Str(s)) => {
            return Err(ReadError::NotFeatureCollection {
                file,
                found: format!("type \"{s}\""),
            });
        }
        Some(other) => {
            return Err(ReadError::NotFeatureCollection {
                file,
                found: format!("type {}", other.describe()),
            });
        }
        None => {
            return Err(ReadError::NotFeatureCollection {
                file,
                found: "an object without \"type\"".into(),
            });
        }
    }
    // An unknown declaration is an error only when no flag overrides it.
    let declared = match declared_crs(&file, top.crs.as_ref()) {
        Ok(d) => d,
        Err(_) if flag.is_some() => None,
        Err(e) => return Err(e),
    };
    let frame = Frame::new(flag, declared);
    let Some(features) = top.features else {
        return Err(ReadError::NotFeatureCollection {
            file,
            found: "a FeatureCollection without \"features\"".into(),
        });
    };
    for (index, f) in features.iter().enumerate() {
        match &f.kind {
            Some(Loose::Str(s)) if s == "Feature" => {}
            Some(other) => {
                return Err(ReadError::NotAFeature {
                    file,
                    index,
                    found: format!("type {}", other.describe()),
                });
            }
            None => {
                return Err(ReadError::NotAFeature {
                    file,
                    index,
                    found: "an object without \"type\"".into(),
                });
            }
        }
    }
    Ok((file, features, frame))
}

pub(super) fn json_error(file: String, e: &serde_json::Error, feature: Option<usize>) -> ReadError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    let (line, column) = (e.line(), e.column());
    match e.classify() {
        serde_json::error::Category::Data => ReadError::InvalidGeoJson {
            file,
            line,
            column,
            feature,
            message,
        },
        _ => ReadError::InvalidJson {
            file,
            line,
            column,
            feature,
            message,
        },
    }
}
