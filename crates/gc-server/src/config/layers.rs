//! The configuration layers, laid by the `config` crate: the documented defaults
//! (deploy/generic-connector.toml, compiled in), then a TOML file, then `GC_<SECTION>__<KEY>`
//! environment variables; the result is deserialized into the typed sections of [`Raw`].
//! Each layer over the defaults is checked against them first ([`Schema`]), so every unknown
//! key and every value of the wrong type is reported, not only the first.

use std::path::Path;

use config::{Config, Environment, File, FileFormat, Map, Source};

use super::problems::Problems;
use super::raw::Raw;
use super::schema::Schema;

/// The shipped configuration file, every key with its default: the single source of truth for
/// which keys exist and what type each has.
pub(crate) const DEFAULTS: &str = include_str!("../../../../deploy/generic-connector.toml");

/// The prefix of the environment variables that configure the connector.
pub(crate) const ENV_PREFIX: &str = "GC_";

/// The variable naming the configuration file (`--config`); not a setting.
const CONFIG_FILE_VAR: &str = "GC_CONFIG";

/// Lays the file (if any) and the variables over the defaults and deserializes the result.
/// `None` when the result could not be deserialized (then `problems` says why); the problems of
/// the layers themselves do not stop it: their bad keys are left out.
pub(super) fn load<'a>(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (&'a str, &'a str)>,
    problems: &mut Problems,
) -> Option<Raw> {
    let defaults = File::from_str(DEFAULTS, FileFormat::Toml);
    // The defaults are part of the binary and covered by a test, so they always parse; an empty
    // schema (every key then reported unknown) is the harmless fallback.
    let schema = Schema::new(defaults.collect().unwrap_or_default());
    let mut builder = Config::builder().add_source(defaults);
    if let Some(path) = file {
        let origin = path.display().to_string();
        match read_file(path) {
            Ok(table) => builder = builder.add_source(schema.check_file(&origin, table, problems)),
            Err(problem) => problems.push(format!("{origin}: {problem}")),
        }
    }
    match environment(env).collect() {
        Ok(vars) => builder = builder.add_source(schema.check_env(vars, problems)),
        Err(error) => problems.push(format!("environment: {}", describe(&error))),
    }
    match builder.build().and_then(Config::try_deserialize::<Raw>) {
        Ok(raw) => Some(raw),
        Err(error) => {
            problems.push(describe(&error));
            None
        }
    }
}

/// The file's table. The file is read here rather than by the library, which would also try
/// the path with a `.toml` added: `--config` names the file exactly.
fn read_file(path: &Path) -> Result<Map<String, config::Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    File::from_str(&text, FileFormat::Toml)
        .collect()
        .map_err(|error| match &error {
            config::ConfigError::FileParse { cause, .. } => {
                match cause.downcast_ref::<toml::de::Error>() {
                    Some(error) => syntax_error(&text, error),
                    None => cause.to_string(),
                }
            }
            other => describe(other),
        })
}

/// The library's environment source over the `GC_` variables given: `GC_BROKER__URL` becomes
/// `broker.url`, its value left as text (the schema converts it to the key's type; the
/// library's own guessing would turn an instance id `007` into the integer 7). Only names
/// that start with `GC_` exactly count, as documented; `GC_CONFIG` names the file instead.
fn environment<'a>(env: impl IntoIterator<Item = (&'a str, &'a str)>) -> Environment {
    let vars: Map<String, String> = env
        .into_iter()
        .filter(|(name, _)| name.starts_with(ENV_PREFIX) && *name != CONFIG_FILE_VAR)
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Environment::with_prefix(ENV_PREFIX.trim_end_matches('_'))
        .prefix_separator("_")
        .separator("__")
        .source(Some(vars))
}

/// A TOML syntax error as `line L, column C: <what>`. The parser's own message quotes the
/// offending line, which may be a `url` or `sync_key` line: only the position and the short
/// description are kept.
fn syntax_error(text: &str, error: &toml::de::Error) -> String {
    let what = error
        .message()
        .lines()
        .next()
        .unwrap_or("syntax error")
        .trim();
    match error.span() {
        Some(span) => {
            let before = text.get(..span.start.min(text.len())).unwrap_or_default();
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {what}")
        }
        None => what.to_owned(),
    }
}

/// A library error without the value it may quote (a secret can be the value): the key and
/// what was expected.
fn describe(error: &config::ConfigError) -> String {
    match error {
        config::ConfigError::Type { key, expected, .. } => match key {
            Some(key) => format!("`{key}` must be {expected}"),
            None => format!("a value must be {expected}"),
        },
        config::ConfigError::At { error, key, .. } => match (key, error.as_ref()) {
            (Some(key), config::ConfigError::Type { expected, .. }) => {
                format!("`{key}` must be {expected}")
            }
            (_, inner) => describe(inner),
        },
        config::ConfigError::NotFound(key) => format!("`{key}` is missing"),
        // serde's own messages: unknown or missing field names.
        config::ConfigError::Message(message) => message.clone(),
        _ => "the settings cannot be read".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use config::ValueKind;

    use super::*;

    fn schema() -> Schema {
        Schema::new(
            File::from_str(DEFAULTS, FileFormat::Toml)
                .collect()
                .unwrap(),
        )
    }

    #[test]
    fn the_shipped_defaults_fit_the_typed_sections() {
        let mut problems = Problems::default();
        let raw = load(None, [], &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let raw = raw.unwrap();
        assert_eq!(raw.broker.prefetch, 64);
        assert_eq!(raw.log.filter, "info,lapin=error");
    }

    #[test]
    fn every_bad_key_is_reported() {
        let schema = schema();
        let file = File::from_str(
            "[broker]\nprefetch = \"many\"\nqueue = \"x\"\n[nonsense]\na = 1\n[clients]\nmax_agents = 5\n",
            FileFormat::Toml,
        )
        .collect()
        .unwrap();
        let mut problems = Problems::default();
        let layer = schema.check_file("gc.toml", file, &mut problems);
        let vars = environment([
            ("GC_CLIENTS__MAX_AGENTS", "ten"),
            ("GC_NOPE", "1"),
            ("PATH", "/bin"),
        ])
        .collect()
        .unwrap();
        schema.check_env(vars, &mut problems);
        assert_eq!(
            problems.as_slice(),
            [
                "gc.toml: `broker.prefetch` must be an integer, not a string",
                "gc.toml: unknown key `broker.queue`",
                "gc.toml: unknown section [nonsense]",
                "environment: `GC_CLIENTS__MAX_AGENTS` must be an integer",
                "environment: `GC_NOPE` is not GC_<SECTION>__<KEY>",
            ]
        );
        assert_eq!(layer.get("clients.max_agents"), Some(&ValueKind::I64(5)));
        assert_eq!(layer.get("broker.prefetch"), None);
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gc.toml");
        std::fs::write(&path, "[clients]\nmax_agents = 5\ndedupe_window = 9\n").unwrap();
        let mut problems = Problems::default();
        let raw = load(
            Some(&path),
            [("GC_CLIENTS__MAX_AGENTS", "7"), ("GC_LOG__FORMAT", "json")],
            &mut problems,
        )
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(raw.clients.max_agents, 7);
        assert_eq!(raw.clients.dedupe_window, 9);
        assert_eq!(raw.log.format, "json");
    }

    #[test]
    fn variables_take_their_keys_type() {
        let mut problems = Problems::default();
        let raw = load(
            None,
            [
                // Text stays text: no guessing that this is the number 7.
                ("GC_INSTANCE__ID", "007"),
                ("GC_CLIENTS__LOGOUT_ON_DESTINATION_LOSS", "Yes"),
                ("GC_SHUTDOWN__GRACE_SECS", " 4 "),
                ("GC_BROKER__URLS", " amqp://a/%2f,, amqp://b/%2f "),
                // The file's path (`--config`), not a setting.
                ("GC_CONFIG", "/etc/gc.toml"),
                ("gc_log__format", "json"),
            ],
            &mut problems,
        )
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(raw.instance.id, "007");
        assert!(raw.clients.logout_on_destination_loss);
        assert_eq!(raw.shutdown.grace_secs, 4);
        assert_eq!(raw.broker.urls.len(), 2);
        // Only upper-case `GC_` names count, as documented.
        assert_eq!(raw.log.format, "plain");
        let mut problems = Problems::default();
        load(None, [("GC_BROKER__URLS", "")], &mut problems).unwrap();
        assert!(problems.is_empty(), "an empty list: {problems:?}");
        load(
            None,
            [
                ("GC_SHUTDOWN__LOGOUT_AGENTS", "maybe"),
                ("GC_BROKER__PREFETCH", "1.5"),
                ("GC_NOPE__URL", "x"),
                ("GC_BROKER__URL__X", "x"),
            ],
            &mut problems,
        )
        .unwrap();
        assert_eq!(
            problems.as_slice(),
            [
                "environment: `GC_BROKER__PREFETCH` must be an integer",
                "environment: `GC_BROKER__URL__X` names unknown key `broker.url__x`",
                "environment: `GC_NOPE__URL` names unknown section [nope]",
                "environment: `GC_SHUTDOWN__LOGOUT_AGENTS` must be true or false",
            ]
        );
    }

    #[test]
    fn file_values_are_trimmed_and_lists_hold_strings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gc.toml");
        std::fs::write(
            &path,
            "log = 1\n[instance]\nid = \" gc-7 \"\n[broker]\nurls = [\"amqp://a/%2f\", 5]\n",
        )
        .unwrap();
        let mut problems = Problems::default();
        let raw = load(Some(&path), [], &mut problems).unwrap();
        assert_eq!(raw.instance.id, "gc-7");
        assert!(raw.broker.urls.is_empty());
        let origin = path.display();
        assert_eq!(
            problems.as_slice(),
            [
                format!(
                    "{origin}: `broker.urls` must be a list of strings, not a list of other values"
                ),
                format!("{origin}: `log` must be a section ([log])"),
            ]
        );
    }

    #[test]
    fn an_unreadable_file_is_a_problem_like_the_others() {
        let mut problems = Problems::default();
        let raw = load(
            Some(Path::new("/nonexistent/gc.toml")),
            [("GC_NOPE", "1")],
            &mut problems,
        );
        assert!(raw.is_some());
        assert_eq!(problems.as_slice().len(), 2, "{problems:?}");
        assert!(
            problems.as_slice()[0].starts_with("/nonexistent/gc.toml: "),
            "{problems:?}"
        );
    }

    #[test]
    fn a_library_error_names_the_key_never_the_value() {
        // Cannot happen through `load` (the schema check comes first): the last line of defence.
        let builder = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .set_override("broker.prefetch", "hunter2")
            .unwrap();
        let error = builder
            .build()
            .and_then(Config::try_deserialize::<Raw>)
            .err()
            .unwrap();
        let shown = describe(&error);
        assert_eq!(shown, "`broker.prefetch` must be an integer", "{error}");
        assert!(
            error.to_string().contains("hunter2"),
            "the library's own text would show it"
        );
    }
}
