//! Configuration layers: the documented defaults (deploy/generic-connector.toml, compiled in),
//! then a TOML file, then `GC_<SECTION>__<KEY>` environment variables. Every unknown key and
//! every value of the wrong type is collected, so an operator sees all mistakes at once.

use toml::{Table, Value};

/// The shipped configuration file, every key with its default: the single source of truth for
/// which keys exist and what type each has.
pub(crate) const DEFAULTS: &str = include_str!("../../../../deploy/generic-connector.toml");

/// The prefix of the environment variables that configure the connector.
pub(crate) const ENV_PREFIX: &str = "GC_";

/// The defaults as a table.
pub(crate) fn defaults() -> Table {
    // The defaults are part of the binary and covered by a test, so they always parse; an empty
    // table (every key then reported unknown) is the harmless fallback.
    toml::from_str(DEFAULTS).unwrap_or_default()
}

/// Lays a file's table over `base`: known keys with the right type replace the default.
pub(crate) fn apply_file(base: &mut Table, file: &Table, origin: &str, problems: &mut Vec<String>) {
    for (section, value) in file {
        let Some(Value::Table(known)) = base.get_mut(section) else {
            problems.push(format!("{origin}: unknown section [{section}]"));
            continue;
        };
        let Value::Table(entries) = value else {
            problems.push(format!(
                "{origin}: `{section}` must be a section ([{section}])"
            ));
            continue;
        };
        for (key, value) in entries {
            match known.get(key) {
                None => problems.push(format!("{origin}: unknown key `{section}.{key}`")),
                Some(default) if !same_type(default, value) => problems.push(format!(
                    "{origin}: `{section}.{key}` must be {}, not {}",
                    type_name(default),
                    type_name(value)
                )),
                Some(_) => {
                    known.insert(key.clone(), value.clone());
                }
            }
        }
    }
}

/// Lays `GC_<SECTION>__<KEY>=value` variables over `base`, converting each value to its key's
/// type. Variables without the prefix are ignored.
pub(crate) fn apply_env<'a>(
    base: &mut Table,
    vars: impl IntoIterator<Item = (&'a str, &'a str)>,
    problems: &mut Vec<String>,
) {
    for (name, raw) in vars {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let lower = rest.to_ascii_lowercase();
        let Some((section, key)) = lower.split_once("__") else {
            problems.push(format!("environment: `{name}` is not GC_<SECTION>__<KEY>"));
            continue;
        };
        let Some(Value::Table(known)) = base.get_mut(section) else {
            problems.push(format!(
                "environment: `{name}` names unknown section [{section}]"
            ));
            continue;
        };
        let Some(default) = known.get(key) else {
            problems.push(format!(
                "environment: `{name}` names unknown key `{section}.{key}`"
            ));
            continue;
        };
        match convert(default, raw) {
            Some(value) => {
                known.insert(key.to_owned(), value);
            }
            None => problems.push(format!(
                "environment: `{name}` must be {}",
                type_name(default)
            )),
        }
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "true or false",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::Table(_) => "a section",
    }
}

/// An environment string as a value of the same type as `default`.
fn convert(default: &Value, raw: &str) -> Option<Value> {
    let raw = raw.trim();
    match default {
        Value::String(_) => Some(Value::String(raw.to_owned())),
        Value::Integer(_) => raw.parse().ok().map(Value::Integer),
        Value::Float(_) => raw.parse().ok().map(Value::Float),
        Value::Boolean(_) => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(Value::Boolean(true)),
            "false" | "0" | "no" => Some(Value::Boolean(false)),
            _ => None,
        },
        // A list of strings (`GC_BROKER__URLS`): comma-separated; a comma inside a value is
        // written %2C (URLs allow it).
        Value::Array(items) if items.iter().all(Value::is_str) => Some(Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        )),
        Value::Datetime(_) | Value::Array(_) | Value::Table(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_defaults_parse() {
        let table: Table = toml::from_str(DEFAULTS).unwrap();
        assert!(table.contains_key("broker"));
    }

    #[test]
    fn every_bad_key_is_reported() {
        let mut base = defaults();
        let file: Table = toml::from_str(
            "[broker]\nprefetch = \"many\"\nqueue = \"x\"\n[nonsense]\na = 1\n[clients]\nmax_agents = 5\n",
        )
        .unwrap();
        let mut problems = Vec::new();
        apply_file(&mut base, &file, "gc.toml", &mut problems);
        apply_env(
            &mut base,
            [
                ("GC_CLIENTS__MAX_AGENTS", "ten"),
                ("GC_NOPE", "1"),
                ("PATH", "/bin"),
            ],
            &mut problems,
        );
        assert_eq!(
            problems,
            [
                "gc.toml: `broker.prefetch` must be an integer, not a string",
                "gc.toml: unknown key `broker.queue`",
                "gc.toml: unknown section [nonsense]",
                "environment: `GC_CLIENTS__MAX_AGENTS` must be an integer",
                "environment: `GC_NOPE` is not GC_<SECTION>__<KEY>",
            ]
        );
        assert_eq!(base["clients"]["max_agents"].as_integer(), Some(5));
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut base = defaults();
        let file: Table = toml::from_str("[clients]\nmax_agents = 5\n").unwrap();
        let mut problems = Vec::new();
        apply_file(&mut base, &file, "gc.toml", &mut problems);
        apply_env(
            &mut base,
            [("GC_CLIENTS__MAX_AGENTS", "7"), ("GC_LOG__FORMAT", "json")],
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(base["clients"]["max_agents"].as_integer(), Some(7));
        assert_eq!(base["log"]["format"].as_str(), Some("json"));
    }
}
