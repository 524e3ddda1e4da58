//! The shared intermediate of the Shapefile, GeoPackage, CSV and XLSX
//! readers: named columns and, per record, a geometry in the GeoJSON
//! reader's own shapes ([`RawGeometry`], [`Coords`]) and one loose value
//! per column. From here every record becomes a [`RawFeature`] (layers) or
//! a [`HouseholdRow`], and goes through the very validation GeoJSON does,
//! so every rule and message is the same whatever the format.

use std::borrow::Cow;

use super::columns::{ColumnMap, Field, FieldValues, N_FIELDS};
use super::errors::{ReadError, Unit};
use super::geojson::{Coords, Loose, RawFeature, RawGeometry};
use super::households::{HouseholdRow, HouseholdRows};
use super::source::Found;

/// The records of one layer, sheet or table.
pub(super) struct Records {
    /// The file, as given.
    pub file: String,
    /// Features (Shapefile, GeoPackage) or rows (CSV, XLSX).
    pub unit: Unit,
    /// The column names, in the file's order.
    pub names: Vec<String>,
    pub rows: Vec<Record>,
    pub found: Found,
    /// The cells are text that may spell numbers (CSV; XLSX cells typed as
    /// text), so numeric fields are parsed from them.
    pub text_cells: bool,
}

/// One record.
pub(super) struct Record {
    /// The row number for [`Unit::Row`]; the 0-based index otherwise.
    pub number: usize,
    /// The geometry (`None`: a table, or a null shape).
    pub geometry: Option<RawGeometry<'static>>,
    /// One value per column.
    pub values: Vec<Loose<'static>>,
}

/// The properties a layer reader reads, by name.
pub(super) trait LayerProps: Default {
    /// The property names, in slot order.
    const KEYS: &'static [&'static str];
    /// Stores the value of property `KEYS[slot]`.
    fn set(&mut self, slot: usize, value: Loose<'static>);
}

/// A geometry of `kind` with `coordinates`.
pub(super) fn geometry(kind: &'static str, coordinates: Coords) -> RawGeometry<'static> {
    RawGeometry {
        kind: Some(Loose::Str(Cow::Borrowed(kind))),
        coordinates: Some(coordinates),
    }
}

/// A position.
pub(super) fn pos(x: f64, y: f64) -> Coords {
    Coords::Pos {
        x,
        y: Ok(y),
        len: 2,
    }
}

impl Records {
    /// The records as features with properties `P`; column names match
    /// the property names in any ASCII case (Shapefile tools upper-case).
    pub(super) fn features<P: LayerProps>(self) -> (String, Found, Vec<RawFeature<'static, P>>) {
        let slots: Vec<Option<usize>> = self
            .names
            .iter()
            .map(|n| {
                P::KEYS
                    .iter()
                    .position(|k| k.eq_ignore_ascii_case(n.trim()))
            })
            .collect();
        let features = self
            .rows
            .into_iter()
            .map(|r| {
                let mut props = P::default();
                for (value, slot) in r.values.into_iter().zip(&slots) {
                    if let Some(s) = slot {
                        props.set(*s, value);
                    }
                }
                RawFeature {
                    kind: None,
                    id: None,
                    geometry: r.geometry,
                    properties: Some(props),
                }
            })
            .collect();
        (self.file, self.found, features)
    }

    /// The records as household rows, columns mapped by `map`. A table
    /// (no geometry) takes its point from the lon/lat columns.
    ///
    /// # Errors
    /// A column `[columns]` names that is missing; for a table, no id, lon
    /// or lat column.
    pub(super) fn households(
        self,
        map: &ColumnMap,
        table: bool,
    ) -> Result<(HouseholdRows<'static>, Found), ReadError> {
        let cols = map.resolve(&self.names);
        let present = cols.map(|c| c.is_some());
        if table {
            for f in [Field::Id, Field::Lon, Field::Lat] {
                if cols[f.index()].is_none() {
                    return Err(map.no_column(&self.file, f, &self.names));
                }
            }
        }
        map.check_given(&self.file, &present, &self.names)?;
        let columns = cols.map(|c| c.map(|i| self.names[i].clone()));
        let text_cells = self.text_cells;
        let mut numbers = Vec::with_capacity(self.rows.len());
        let rows = self
            .rows
            .into_iter()
            .map(|r| {
                numbers.push(r.number);
                row_of(r, &cols, text_cells, table)
            })
            .collect();
        let rows = HouseholdRows {
            file: self.file,
            unit: self.unit,
            numbers: (self.unit == Unit::Row).then_some(numbers),
            columns,
            rows,
        };
        Ok((rows, self.found))
    }
}

fn row_of(
    r: Record,
    cols: &[Option<usize>; N_FIELDS],
    text_cells: bool,
    table: bool,
) -> HouseholdRow<'static> {
    let mut values = r.values;
    let mut fields = FieldValues::default();
    for f in Field::ALL {
        if let Some(i) = cols[f.index()] {
            let v = std::mem::replace(&mut values[i], Loose::Null);
            fields.values[f.index()] = Some(if text_cells && f.numeric() {
                number_of_text(v)
            } else {
                v
            });
        }
    }
    let geometry = if table {
        Some(point_of(fields.get(Field::Lon), fields.get(Field::Lat)))
    } else {
        r.geometry
    };
    HouseholdRow {
        feature_id: None,
        geometry,
        fields,
    }
}

/// A number written as text reads as the number; blank text is absent.
fn number_of_text(v: Loose<'static>) -> Loose<'static> {
    match &v {
        Loose::Str(s) => {
            let t = s.trim();
            if t.is_empty() {
                Loose::Null
            } else if let Ok(i) = t.parse::<i64>() {
                Loose::Int(i)
            } else if let Ok(x) = t.parse::<f64>()
                && x.is_finite()
            {
                Loose::Float(x)
            } else {
                v
            }
        }
        _ => v,
    }
}

/// The point of a table row, with what is not a number kept as a
/// description so that validation reports it as GeoJSON's would.
fn point_of(lon: Option<&Loose<'_>>, lat: Option<&Loose<'_>>) -> RawGeometry<'static> {
    let num = |v: Option<&Loose<'_>>| match v {
        Some(l) => l.as_f64().ok_or_else(|| l.describe()),
        None => Err("null".to_owned()),
    };
    let c = match (num(lon), num(lat)) {
        (Ok(x), y) => Coords::Pos { x, y, len: 2 },
        (Err(found), _) => Coords::List(vec![Coords::Bad(found), Coords::Bad(String::new())]),
    };
    RawGeometry {
        kind: Some(Loose::Str(Cow::Borrowed("Point"))),
        coordinates: Some(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_text_cells() {
        assert_eq!(number_of_text(Loose::Str("3".into())), Loose::Int(3));
        assert_eq!(
            number_of_text(Loose::Str(" 2.5 ".into())),
            Loose::Float(2.5)
        );
        assert_eq!(number_of_text(Loose::Str(" ".into())), Loose::Null);
        assert_eq!(
            number_of_text(Loose::Str("三".into())),
            Loose::Str("三".into())
        );
        assert_eq!(
            number_of_text(Loose::Str("inf".into())),
            Loose::Str("inf".into())
        );
    }
}
