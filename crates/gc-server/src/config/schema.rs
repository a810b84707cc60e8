//! Which keys exist and of what type: read off the defaults (deploy/generic-connector.toml),
//! the single source of truth. Every layer laid over the defaults is checked against it first,
//! so that every unknown section or key and every value of the wrong type is reported at once —
//! the configuration library, like serde, stops at the first. What passes goes on as a
//! [`Layer`]; what does not is left out (the key keeps its value from the layer below), so the
//! remaining keys are still checked.

use std::collections::BTreeMap;
use std::fmt;

use config::{Map, Source, Value, ValueKind};

use super::problems::Problems;

/// The kind of value a key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    /// A list of strings (the only lists the defaults have; `broker.urls`).
    List,
    Section,
    /// A list holding other than strings.
    OtherList,
}

impl Kind {
    fn of(value: &Value) -> Self {
        match &value.kind {
            ValueKind::String(_) => Self::String,
            ValueKind::I64(_) | ValueKind::I128(_) | ValueKind::U64(_) | ValueKind::U128(_) => {
                Self::Integer
            }
            ValueKind::Float(_) => Self::Number,
            ValueKind::Boolean(_) => Self::Boolean,
            ValueKind::Array(items) if items.iter().all(|i| Self::of(i) == Self::String) => {
                Self::List
            }
            ValueKind::Table(_) => Self::Section,
            ValueKind::Array(_) | ValueKind::Nil => Self::OtherList,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::String => "a string",
            Self::Integer => "an integer",
            Self::Number => "a number",
            Self::Boolean => "true or false",
            Self::List => "a list of strings",
            Self::Section => "a section",
            Self::OtherList => "a list of other values",
        }
    }

    /// An environment variable's text as a value of this kind; `None` when it is not one.
    fn parse(self, raw: &str) -> Option<ValueKind> {
        let raw = raw.trim();
        match self {
            Self::String => Some(ValueKind::String(raw.to_owned())),
            Self::Integer => raw.parse().ok().map(ValueKind::I64),
            Self::Number => raw.parse().ok().map(ValueKind::Float),
            Self::Boolean => match raw.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(ValueKind::Boolean(true)),
                "false" | "0" | "no" => Some(ValueKind::Boolean(false)),
                _ => None,
            },
            // Comma-separated (`GC_BROKER__URLS`); a comma inside a value is written %2C (URLs
            // allow it). Empty entries are dropped, so an empty variable is an empty list.
            Self::List => Some(ValueKind::Array(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::new(None, s.to_owned()))
                    .collect(),
            )),
            Self::Section | Self::OtherList => None,
        }
    }
}

/// Every section of the defaults, with each key's kind.
#[derive(Debug)]
pub(super) struct Schema(BTreeMap<String, BTreeMap<String, Kind>>);

impl Schema {
    /// The schema of the defaults' (collected) table.
    pub(super) fn new(defaults: Map<String, Value>) -> Self {
        let sections = defaults
            .into_iter()
            .filter_map(|(section, value)| match value.kind {
                ValueKind::Table(keys) => Some((
                    section,
                    keys.iter().map(|(k, v)| (k.clone(), Kind::of(v))).collect(),
                )),
                _ => None,
            })
            .collect();
        Self(sections)
    }

    /// A file's (collected) table: the known keys with a value of the right kind.
    /// Problems are prefixed with `origin` (the file's path).
    pub(super) fn check_file(
        &self,
        origin: &str,
        file: Map<String, Value>,
        problems: &mut Problems,
    ) -> Layer {
        let mut layer = Layer::default();
        for (section, value) in sorted(file) {
            let Some(known) = self.0.get(&section) else {
                problems.push(format!("{origin}: unknown section [{section}]"));
                continue;
            };
            let ValueKind::Table(entries) = value.kind else {
                problems.push(format!(
                    "{origin}: `{section}` must be a section ([{section}])"
                ));
                continue;
            };
            for (key, value) in sorted(entries) {
                match known.get(&key) {
                    None => problems.push(format!("{origin}: unknown key `{section}.{key}`")),
                    Some(kind) if *kind != Kind::of(&value) => problems.push(format!(
                        "{origin}: `{section}.{key}` must be {}, not {}",
                        kind.name(),
                        Kind::of(&value).name()
                    )),
                    Some(_) => layer.insert(&section, &key, trimmed(value.kind)),
                }
            }
        }
        layer
    }

    /// The `GC_` variables as `config::Environment` collects them (`section.key` → text, the
    /// name lower-cased): each converted to its key's kind. Problems name the variable.
    pub(super) fn check_env(&self, vars: Map<String, Value>, problems: &mut Problems) -> Layer {
        let mut layer = Layer::default();
        for (path, value) in sorted(vars) {
            let name = format!("{}{}", super::layers::ENV_PREFIX, path.replace('.', "__"))
                .to_ascii_uppercase();
            let Some((section, key)) = path.split_once('.') else {
                problems.push(format!("environment: `{name}` is not GC_<SECTION>__<KEY>"));
                continue;
            };
            let Some(known) = self.0.get(section) else {
                problems.push(format!(
                    "environment: `{name}` names unknown section [{section}]"
                ));
                continue;
            };
            let Some(kind) = known.get(key) else {
                // `GC_BROKER__URL__X`: the key as written, `url__x`.
                let key = key.replace('.', "__");
                problems.push(format!(
                    "environment: `{name}` names unknown key `{section}.{key}`"
                ));
                continue;
            };
            let text = match value.kind {
                ValueKind::String(text) => text,
                _ => String::new(),
            };
            match kind.parse(&text) {
                Some(value) => layer.insert(section, key, value),
                None => problems.push(format!("environment: `{name}` must be {}", kind.name())),
            }
        }
        layer
    }
}

/// A map's entries in key order, so problems come in a stable order.
fn sorted(map: Map<String, Value>) -> BTreeMap<String, Value> {
    map.into_iter().collect()
}

/// Strings and the strings of a list without surrounding blanks.
fn trimmed(kind: ValueKind) -> ValueKind {
    match kind {
        ValueKind::String(text) => ValueKind::String(text.trim().to_owned()),
        ValueKind::Array(items) => ValueKind::Array(
            items
                .into_iter()
                .map(|item| Value::new(None, trimmed(item.kind)))
                .collect(),
        ),
        other => other,
    }
}

/// One checked layer for the configuration library: `section.key` → a value of the key's kind.
#[derive(Clone, Default)]
pub(super) struct Layer(Map<String, Value>);

impl Layer {
    fn insert(&mut self, section: &str, key: &str, value: ValueKind) {
        self.0
            .insert(format!("{section}.{key}"), Value::new(None, value));
    }

    #[cfg(test)]
    pub(super) fn get(&self, path: &str) -> Option<&ValueKind> {
        self.0.get(path).map(|v| &v.kind)
    }
}

/// Names the keys only: values may be secrets.
impl fmt::Debug for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<&String> = self.0.keys().collect();
        keys.sort();
        f.debug_tuple("Layer").field(&keys).finish()
    }
}

impl Source for Layer {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<Map<String, Value>, config::ConfigError> {
        Ok(self.0.clone())
    }
}
