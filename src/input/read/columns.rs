//! Household fields and the columns (properties, attributes) they are read
//! from: the `[columns]` table of `--config` and the default names,
//! Chinese among them, recognised without any config.
//!
//! # Parameters
//! ```toml
//! [columns]
//! households = "HH_NUM"
//! lon = "GCJ_X"
//! ```
//! Keys are the fields: `id`, `households`, `population`, `rental`,
//! `shops`, `special`, `village`, `grid`, `lon` (or `x`) and `lat` (or
//! `y`); values are column names as the file writes them. A field that is
//! named there is read from that column only, and a file without it is an
//! error naming the column; any other field is read from the first of its
//! default names present.
//!
//! # Default names, in order of preference
//! The field's own name, then: id 编号, 户号; households 户数; population
//! 人口; village 村社代码, 村社编码; grid 网格, 网格编码, 网格代码; lon lng,
//! longitude, x, 经度; lat latitude, y, 纬度. ASCII names match in any
//! case (`ID`, `Longitude`), because Shapefile tools often upper-case them.
//!
//! # Complexity
//! A table's header is resolved once. GeoJSON properties are resolved per
//! feature, but through a cache of the distinct keys seen, so a feature
//! costs a few string comparisons per property.

use super::errors::ReadError;
use super::geojson::Loose;

/// A household field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The household point's id.
    Id,
    /// Households at the point.
    Households,
    /// People at the point.
    Population,
    /// Rental rooms.
    Rental,
    /// Shops.
    Shops,
    /// Special populations.
    Special,
    /// The declared village code.
    Village,
    /// The current grid code.
    Grid,
    /// Longitude (or x), in tables only.
    Lon,
    /// Latitude (or y), in tables only.
    Lat,
}

/// How many fields there are.
pub(super) const N_FIELDS: usize = 10;

impl Field {
    /// Every field, in the order of [`Field::index`].
    pub const ALL: [Field; N_FIELDS] = [
        Field::Id,
        Field::Households,
        Field::Population,
        Field::Rental,
        Field::Shops,
        Field::Special,
        Field::Village,
        Field::Grid,
        Field::Lon,
        Field::Lat,
    ];

    /// The field's key in `[columns]` and its name in messages.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Households => "households",
            Field::Population => "population",
            Field::Rental => "rental",
            Field::Shops => "shops",
            Field::Special => "special",
            Field::Village => "village",
            Field::Grid => "grid",
            Field::Lon => "lon",
            Field::Lat => "lat",
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }

    /// The names recognised without config, best first.
    fn defaults(self) -> &'static [&'static str] {
        match self {
            Field::Id => &["id", "编号", "户号"],
            Field::Households => &["households", "户数"],
            Field::Population => &["population", "人口"],
            Field::Rental => &["rental"],
            Field::Shops => &["shops"],
            Field::Special => &["special"],
            Field::Village => &["village", "村社代码", "村社编码"],
            Field::Grid => &["grid", "网格", "网格编码", "网格代码"],
            Field::Lon => &["lon", "lng", "longitude", "x", "经度"],
            Field::Lat => &["lat", "latitude", "y", "纬度"],
        }
    }

    /// Whether the field is a number (tables write numbers as text).
    pub(super) fn numeric(self) -> bool {
        matches!(
            self,
            Field::Households
                | Field::Population
                | Field::Rental
                | Field::Shops
                | Field::Special
                | Field::Lon
                | Field::Lat
        )
    }

    fn of_key(key: &str) -> Option<Field> {
        match key {
            "x" => Some(Field::Lon),
            "y" => Some(Field::Lat),
            _ => Field::ALL.into_iter().find(|f| f.key() == key),
        }
    }
}

/// The `[columns]` of `--config`: a column name per field, or none for the
/// default names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// The column named for each field, by [`Field::index`].
    given: [Option<String>; N_FIELDS],
    /// The config file, for messages.
    config: String,
}

/// The keys `[columns]` accepts, for messages.
pub(crate) const KNOWN_COLUMNS: &str =
    "id, households, population, rental, shops, special, village, grid, lon (or x), lat (or y)";

impl ColumnMap {
    /// Reads the `[columns]` table of `file`.
    ///
    /// # Errors
    /// [`ReadError::UnknownKey`] for a key that is no field,
    /// [`ReadError::Toml`] for a value that is not a non-empty string.
    pub(crate) fn from_table(file: &str, table: &toml::Table) -> Result<Self, ReadError> {
        let mut map = ColumnMap {
            config: file.to_owned(),
            ..ColumnMap::default()
        };
        for (k, v) in table {
            let Some(field) = Field::of_key(k) else {
                return Err(ReadError::UnknownKey {
                    file: file.to_owned(),
                    key: format!("columns.{k}"),
                    known: KNOWN_COLUMNS,
                });
            };
            match v.as_str().map(str::trim) {
                Some(name) if !name.is_empty() => map.given[field.index()] = Some(name.to_owned()),
                _ => {
                    return Err(ReadError::Toml {
                        file: file.to_owned(),
                        message: format!("columns.{k} must be a column name in quotes, got {v}"),
                    });
                }
            }
        }
        Ok(map)
    }

    /// How well `name` names `field`: 0 is best; `None` when it does not.
    fn rank(&self, field: Field, name: &str) -> Option<u8> {
        let name = name.trim();
        match &self.given[field.index()] {
            Some(given) => (given == name).then_some(0),
            None => field
                .defaults()
                .iter()
                .position(|d| d.eq_ignore_ascii_case(name))
                .map(|p| p as u8),
        }
    }

    /// The field `name` feeds and its rank, when it feeds one.
    fn field_of(&self, name: &str) -> Option<(Field, u8)> {
        Field::ALL
            .into_iter()
            .find_map(|f| self.rank(f, name).map(|r| (f, r)))
    }

    /// The column of every field among `names` (the best ranked), by
    /// [`Field::index`].
    pub(super) fn resolve(&self, names: &[String]) -> [Option<usize>; N_FIELDS] {
        let mut best: [Option<(usize, u8)>; N_FIELDS] = [None; N_FIELDS];
        for (i, name) in names.iter().enumerate() {
            if let Some((f, r)) = self.field_of(name) {
                let slot = &mut best[f.index()];
                if slot.is_none_or(|(_, br)| r < br) {
                    *slot = Some((i, r));
                }
            }
        }
        best.map(|b| b.map(|(i, _)| i))
    }

    /// The first field named in `[columns]` that is missing from `found`,
    /// as an error; `found` lists the file's columns (properties).
    pub(super) fn check_given(
        &self,
        file: &str,
        present: &[bool; N_FIELDS],
        found: &[String],
    ) -> Result<(), ReadError> {
        for f in Field::ALL {
            if let (Some(column), false) = (&self.given[f.index()], present[f.index()]) {
                return Err(ReadError::MappedColumnMissing {
                    file: file.to_owned(),
                    config: self.config.clone(),
                    field: f.key(),
                    column: column.clone(),
                    found: found.to_vec(),
                });
            }
        }
        Ok(())
    }

    /// The error for a table without a column for `field`.
    pub(super) fn no_column(&self, file: &str, field: Field, found: &[String]) -> ReadError {
        if let Some(column) = &self.given[field.index()] {
            return ReadError::MappedColumnMissing {
                file: file.to_owned(),
                config: self.config.clone(),
                field: field.key(),
                column: column.clone(),
                found: found.to_vec(),
            };
        }
        ReadError::NoColumn {
            file: file.to_owned(),
            field: field.key(),
            tried: field.defaults().join(", "),
            found: found.to_vec(),
        }
    }
}

/// The household fields of one feature or row, each with the rank of the
/// name it came from.
#[derive(Default)]
pub(super) struct FieldValues<'a> {
    pub(super) values: [Option<Loose<'a>>; N_FIELDS],
    rank: [u8; N_FIELDS],
}

impl<'a> FieldValues<'a> {
    pub(super) fn get(&self, f: Field) -> Option<&Loose<'a>> {
        self.values[f.index()].as_ref()
    }
}

/// Resolves GeoJSON property keys to fields, remembering each distinct key.
pub(super) struct KeyCache<'m> {
    map: &'m ColumnMap,
    seen: Vec<(String, Option<(Field, u8)>)>,
    /// Which fields some feature carried.
    pub(super) present: [bool; N_FIELDS],
}

impl<'m> KeyCache<'m> {
    pub(super) fn new(map: &'m ColumnMap) -> Self {
        Self {
            map,
            seen: Vec::new(),
            present: [false; N_FIELDS],
        }
    }

    fn lookup(&mut self, key: &str) -> Option<(Field, u8)> {
        if let Some((_, hit)) = self.seen.iter().find(|(k, _)| k == key) {
            return *hit;
        }
        let hit = self.map.field_of(key);
        self.seen.push((key.to_owned(), hit));
        hit
    }

    /// The fields of one feature's properties.
    pub(super) fn fields<'a>(
        &mut self,
        props: Vec<(std::borrow::Cow<'a, str>, Loose<'a>)>,
    ) -> FieldValues<'a> {
        let mut out = FieldValues::default();
        for (key, value) in props {
            if let Some((f, r)) = self.lookup(&key) {
                let i = f.index();
                self.present[i] = true;
                if out.values[i].is_none() || r < out.rank[i] {
                    out.values[i] = Some(value);
                    out.rank[i] = r;
                }
            }
        }
        out
    }

    /// Every distinct key seen, in first-seen order, for messages.
    pub(super) fn keys(&self) -> Vec<String> {
        self.seen.iter().map(|(k, _)| k.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn chinese_and_english_defaults_resolve() {
        let m = ColumnMap::default();
        let r = m.resolve(&names(&[
            "户号",
            "地址",
            "户数",
            "人口",
            "经度",
            "纬度",
            "村社代码",
        ]));
        assert_eq!(r[Field::Id.index()], Some(0));
        assert_eq!(r[Field::Households.index()], Some(2));
        assert_eq!(r[Field::Population.index()], Some(3));
        assert_eq!(r[Field::Lon.index()], Some(4));
        assert_eq!(r[Field::Lat.index()], Some(5));
        assert_eq!(r[Field::Village.index()], Some(6));
        assert_eq!(r[Field::Grid.index()], None);
        // The field's own name wins over a Chinese one, in any ASCII case.
        let r = m.resolve(&names(&["编号", "ID", "X", "Y"]));
        assert_eq!(r[Field::Id.index()], Some(1));
        assert_eq!(
            (r[Field::Lon.index()], r[Field::Lat.index()]),
            (Some(2), Some(3))
        );
    }

    #[test]
    fn columns_table_replaces_the_defaults() {
        let t: toml::Table = "households = \"HH\"\nx = \"E\"".parse().unwrap();
        let m = ColumnMap::from_table("c.toml", &t).unwrap();
        let r = m.resolve(&names(&["households", "HH", "E", "lon"]));
        assert_eq!(r[Field::Households.index()], Some(1));
        assert_eq!(r[Field::Lon.index()], Some(2));
        let e = m.no_column("h.csv", Field::Households, &names(&["a", "b"]));
        assert_eq!(
            e.to_string(),
            "h.csv: no column \"HH\", which [columns] in c.toml names for households; the file has a, b"
        );
        let t: toml::Table = "house = \"HH\"".parse().unwrap();
        let e = ColumnMap::from_table("c.toml", &t).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("c.toml: unknown key \"columns.house\""),
            "{e}"
        );
        let t: toml::Table = "id = 3".parse().unwrap();
        assert!(ColumnMap::from_table("c.toml", &t).is_err());
    }

    #[test]
    fn no_column_lists_what_was_tried() {
        let e = ColumnMap::default().no_column("h.csv", Field::Lon, &names(&["id"]));
        assert_eq!(
            e.to_string(),
            "h.csv: no column for lon (looked for lon, lng, longitude, x, 经度); name it in the [columns] table of --config; the file has id"
        );
    }
}
