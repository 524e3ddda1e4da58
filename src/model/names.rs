//! Grid names: the name a grid platform shows beside each code.
//!
//! # Parameters
//! Three templates, one per level, from the `[naming]` section of the
//! `--config` TOML file ([`crate::input::naming`]); a key not given keeps
//! its default:
//!
//! | key          | default                   | example          |
//! |--------------|---------------------------|------------------|
//! | `full_scope` | `{village_name}第{n}网格` | 东山村第3网格    |
//! | `dedicated`  | `{zone_name}专属网格`     | 上锦经济开发区专属网格 |
//! | `micro`      | `{grid_name}{m}号微网格`  | 东山村第3网格2号微网格 |
//!
//! The defaults are the names the Zhejiang grid platforms (基层治理平台 /
//! 网格智治) show, as issue 12 quotes them.
//!
//! Placeholders, each allowed only where it has a value:
//! - every level: `{code}` (the grid's own code), `{village_name}`,
//!   `{village_code}`, `{town_name}`, `{town_code}`;
//! - `full_scope`: `{n}`, the grid's sequence in its village, as its code
//!   ends (code …003 → 3);
//! - `dedicated`: `{zone_name}`, `{zone_code}`, and `{n}`, the grid's
//!   sequence among its zone's grids (1 for a zone of one grid);
//! - `micro`: `{grid_name}` and `{grid_code}` of its grid, and `{m}`, its
//!   sequence in the grid, as its code ends (…00302 → 2).
//!
//! `{{` and `}}` write a literal brace.
//!
//! # Algorithm
//! 1. Parse each template once into literal text and placeholders,
//!    refusing a placeholder the level does not know (naming the key and
//!    the placeholders it allows) or an unclosed brace.
//! 2. Render each grid's name by substitution. A zone cut into several
//!    dedicated grids would give them one name when the template has no
//!    `{n}`: its grids then get their sequence appended (…专属网格2), so
//!    names stay unique within a zone.
//!
//! # Complexity
//! O(template length) per name.
//!
//! # Errors
//! [`NamingError`], naming the config file and the key.

use std::fmt::Write as _;

/// A placeholder of a name template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Var {
    Code,
    VillageName,
    VillageCode,
    TownName,
    TownCode,
    N,
    ZoneName,
    ZoneCode,
    GridName,
    GridCode,
    M,
}

const COMMON: &[(&str, Var)] = &[
    ("code", Var::Code),
    ("village_name", Var::VillageName),
    ("village_code", Var::VillageCode),
    ("town_name", Var::TownName),
    ("town_code", Var::TownCode),
];

/// The level a template names: which placeholders it may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// A full-scope grid (全科网格).
    FullScope,
    /// A dedicated grid (专属网格).
    Dedicated,
    /// A micro-grid (微网格).
    Micro,
}

impl Level {
    /// The key of the `[naming]` section.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Level::FullScope => "full_scope",
            Level::Dedicated => "dedicated",
            Level::Micro => "micro",
        }
    }

    /// The default template.
    #[must_use]
    pub fn default_template(self) -> &'static str {
        match self {
            Level::FullScope => "{village_name}第{n}网格",
            Level::Dedicated => "{zone_name}专属网格",
            Level::Micro => "{grid_name}{m}号微网格",
        }
    }

    fn own(self) -> &'static [(&'static str, Var)] {
        match self {
            Level::FullScope => &[("n", Var::N)],
            Level::Dedicated => &[
                ("zone_name", Var::ZoneName),
                ("zone_code", Var::ZoneCode),
                ("n", Var::N),
            ],
            Level::Micro => &[
                ("grid_name", Var::GridName),
                ("grid_code", Var::GridCode),
                ("m", Var::M),
            ],
        }
    }

    fn lookup(self, name: &str) -> Option<Var> {
        COMMON
            .iter()
            .chain(self.own())
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// The placeholders this level allows, for error messages.
    fn allowed(self) -> String {
        COMMON
            .iter()
            .chain(self.own())
            .map(|(n, _)| format!("{{{n}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Why a `[naming]` section was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NamingError {
    /// A template names a placeholder its level does not have.
    #[error("{file}: [naming] {key}: unknown placeholder {{{name}}}; {key} may use {allowed}")]
    UnknownPlaceholder {
        /// The config file.
        file: String,
        /// The key (`full_scope`, `dedicated`, `micro`).
        key: &'static str,
        /// The placeholder found.
        name: String,
        /// The placeholders allowed.
        allowed: String,
    },
    /// A `{` without its `}`, or a lone `}`.
    #[error(
        "{file}: [naming] {key}: unmatched brace in {template:?}; write {{{{ or }}}} for a literal brace"
    )]
    Brace {
        /// The config file.
        file: String,
        /// The key.
        key: &'static str,
        /// The template.
        template: String,
    },
    /// A key that is not a level, or a value that is not a string.
    #[error("{file}: [naming] {key}: {what}")]
    BadKey {
        /// The config file.
        file: String,
        /// The key as written.
        key: String,
        /// What is wrong.
        what: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(Var),
}

/// A parsed name template of one level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    /// Parses `text` as the template of `level` (step 1 of the module
    /// docs); `file` is the config file, for errors.
    ///
    /// # Errors
    /// [`NamingError::UnknownPlaceholder`] or [`NamingError::Brace`].
    pub fn parse(file: &str, level: Level, text: &str) -> Result<Self, NamingError> {
        let brace = || NamingError::Brace {
            file: file.to_string(),
            key: level.key(),
            template: text.to_string(),
        };
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '}' => return Err(brace()),
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        name.push(c);
                    }
                    if !closed || name.contains('{') {
                        return Err(brace());
                    }
                    let var = level.lookup(name.trim()).ok_or_else(|| {
                        NamingError::UnknownPlaceholder {
                            file: file.to_string(),
                            key: level.key(),
                            name: name.clone(),
                            allowed: level.allowed(),
                        }
                    })?;
                    if !lit.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Var(var));
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        Ok(Self { parts })
    }

    fn uses(&self, v: Var) -> bool {
        self.parts.contains(&Part::Var(v))
    }

    /// The name of one grid or micro-grid.
    #[must_use]
    pub fn render(&self, p: &NameParts) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Var(v) => {
                    let _ = match v {
                        Var::Code => write!(out, "{}", p.code),
                        Var::VillageName => write!(out, "{}", p.village_name),
                        Var::VillageCode => write!(out, "{}", p.village_code),
                        Var::TownName => write!(out, "{}", p.town_name),
                        Var::TownCode => write!(out, "{}", p.town_code),
                        Var::N => write!(out, "{}", p.n),
                        Var::ZoneName => write!(out, "{}", p.zone_name),
                        Var::ZoneCode => write!(out, "{}", p.zone_code),
                        Var::GridName => write!(out, "{}", p.grid_name),
                        Var::GridCode => write!(out, "{}", p.grid_code),
                        Var::M => write!(out, "{}", p.m),
                    };
                }
            }
        }
        out
    }
}

/// The values a name may use; a level leaves the others empty.
#[derive(Clone, Debug, Default)]
pub struct NameParts<'a> {
    /// The grid's or micro-grid's own code.
    pub code: &'a str,
    /// Its village's name.
    pub village_name: &'a str,
    /// Its village's code.
    pub village_code: &'a str,
    /// Its town's name.
    pub town_name: &'a str,
    /// Its town's code.
    pub town_code: &'a str,
    /// Full scope: the sequence in the village; dedicated: in the zone.
    pub n: usize,
    /// A dedicated grid's zone name.
    pub zone_name: &'a str,
    /// A dedicated grid's zone code.
    pub zone_code: &'a str,
    /// A micro-grid's grid name.
    pub grid_name: &'a str,
    /// A micro-grid's grid code.
    pub grid_code: &'a str,
    /// A micro-grid's sequence in its grid.
    pub m: usize,
}

/// The three templates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Naming {
    /// Full-scope grids.
    pub full_scope: Template,
    /// Dedicated grids.
    pub dedicated: Template,
    /// Micro-grids.
    pub micro: Template,
}

impl Default for Naming {
    fn default() -> Self {
        let t = |l: Level| {
            Template::parse("", l, l.default_template()).unwrap_or(Template { parts: Vec::new() })
        };
        Self {
            full_scope: t(Level::FullScope),
            dedicated: t(Level::Dedicated),
            micro: t(Level::Micro),
        }
    }
}

impl Naming {
    /// The templates of a `[naming]` table (`None`: every default).
    ///
    /// # Errors
    /// [`NamingError`] naming `file` and the key.
    pub fn from_table(file: &str, table: Option<&toml::Value>) -> Result<Self, NamingError> {
        let mut n = Self::default();
        let Some(v) = table else { return Ok(n) };
        let Some(t) = v.as_table() else {
            return Err(NamingError::BadKey {
                file: file.to_string(),
                key: "naming".into(),
                what: "must be a table ([naming])".into(),
            });
        };
        for (key, value) in t {
            let level = match key.as_str() {
                "full_scope" => Level::FullScope,
                "dedicated" => Level::Dedicated,
                "micro" => Level::Micro,
                _ => {
                    return Err(NamingError::BadKey {
                        file: file.to_string(),
                        key: key.clone(),
                        what: "unknown key; use full_scope, dedicated or micro".into(),
                    });
                }
            };
            let Some(text) = value.as_str() else {
                return Err(NamingError::BadKey {
                    file: file.to_string(),
                    key: key.clone(),
                    what: format!("must be a string template, got {value}"),
                });
            };
            let tpl = Template::parse(file, level, text)?;
            match level {
                Level::FullScope => n.full_scope = tpl,
                Level::Dedicated => n.dedicated = tpl,
                Level::Micro => n.micro = tpl,
            }
        }
        Ok(n)
    }

    /// A dedicated grid's name: the template, with the sequence `p.n`
    /// appended when its zone has `of_zone` > 1 grids and the template
    /// does not say where `{n}` goes (step 2 of the module docs).
    #[must_use]
    pub fn dedicated_name(&self, p: &NameParts, of_zone: usize) -> String {
        let mut s = self.dedicated.render(p);
        if of_zone > 1 && !self.dedicated.uses(Var::N) {
            let _ = write!(s, "{}", p.n);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> NameParts<'static> {
        NameParts {
            code: "330381001001003",
            village_name: "东山村",
            village_code: "330381001001",
            town_name: "安阳街道",
            town_code: "330381001",
            n: 3,
            zone_name: "上锦经济开发区",
            zone_code: "Z001",
            grid_name: "东山村第3网格",
            grid_code: "330381001001003",
            m: 2,
        }
    }

    #[test]
    fn defaults_give_the_platform_names() {
        let n = Naming::default();
        let p = parts();
        assert_eq!(n.full_scope.render(&p), "东山村第3网格");
        assert_eq!(n.dedicated_name(&p, 1), "上锦经济开发区专属网格");
        assert_eq!(n.dedicated_name(&p, 2), "上锦经济开发区专属网格3");
        assert_eq!(n.micro.render(&p), "东山村第3网格2号微网格");
    }

    #[test]
    fn templates_from_toml_and_their_errors() {
        let t: toml::Table = "[naming]\nfull_scope = \"{town_name}{village_name}-{n} {{x}}\"\n"
            .parse()
            .unwrap();
        let n = Naming::from_table("c.toml", t.get("naming")).unwrap();
        assert_eq!(n.full_scope.render(&parts()), "安阳街道东山村-3 {x}");
        assert_eq!(n.micro, Naming::default().micro);
        let bad = |text: &str| {
            let t: toml::Table = text.parse().unwrap();
            Naming::from_table("c.toml", t.get("naming"))
                .unwrap_err()
                .to_string()
        };
        let e = bad("[naming]\nmicro = \"{zone_name}{m}\"\n");
        assert!(
            e.starts_with("c.toml: [naming] micro: unknown placeholder {zone_name}; micro may use"),
            "{e}"
        );
        assert!(e.contains("{grid_name}"), "{e}");
        let e = bad("[naming]\nfull_scope = \"{village_name\"\n");
        assert!(e.contains("[naming] full_scope: unmatched brace"), "{e}");
        let e = bad("[naming]\nfull = \"x\"\n");
        assert!(e.contains("[naming] full: unknown key"), "{e}");
        let e = bad("[naming]\nmicro = 3\n");
        assert!(e.contains("[naming] micro: must be a string"), "{e}");
    }
}
