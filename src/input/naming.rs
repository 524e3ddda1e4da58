//! The `[naming]` section of the `--config` TOML file: the templates of
//! grid names ([`crate::model::names`]).
//!
//! ```toml
//! [naming]
//! full_scope = "{village_name}第{n}网格"
//! dedicated = "{zone_name}专属网格"
//! micro = "{grid_name}{m}号微网格"
//! ```
//!
//! The section may stand beside `[weights]` or alone; without `--config`
//! or without the section every name takes its default.
//!
//! # Errors
//! [`ReadError::Io`] and [`ReadError::Toml`] for the file;
//! [`NamingError`](crate::model::names::NamingError) for the section,
//! naming the key.

use std::path::Path;

use crate::error::Error;
use crate::input::read::ReadError;
use crate::model::names::Naming;

/// The name templates of the config file at `path`, every default when
/// `path` is `None`.
///
/// # Errors
/// See the module docs.
pub fn read_naming(path: Option<&Path>) -> Result<Naming, Error> {
    let Some(path) = path else {
        return Ok(Naming::default());
    };
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        file: file.clone(),
        source,
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ReadError::Toml {
        file: file.clone(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    Ok(Naming::from_table(&file, table.get("naming"))?)
}
