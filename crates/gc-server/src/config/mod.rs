//! The connector's settings: layered (defaults → file → environment), validated once, every
//! problem reported before exit. Secrets are held as [`SecretString`] and never printed.

mod layers;

/// The documented default configuration file (deploy/generic-connector.toml).
pub const DEFAULT_FILE: &str = layers::DEFAULTS;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gc_finesse::XmppSecurity;
use gc_protocol::{Format, ReasonCode};
use secrecy::{ExposeSecret, SecretString};
use toml::{Table, Value};

/// Why the settings could not be loaded: every problem found.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  {}", .problems.join("\n  "))]
pub struct ConfigError {
    /// One line per problem.
    pub problems: Vec<String>,
}

/// Broker settings.
#[derive(Clone, Debug)]
pub struct BrokerSettings {
    /// AMQP URI (secret): `broker.url`, or the first of `broker.urls`.
    pub url: SecretString,
    /// The other nodes of a cluster (`broker.urls` after the first), tried in turn.
    pub more_urls: Vec<SecretString>,
    /// `broker.queue_type`: classic or quorum command and dead-letter queues.
    pub queue_type: gc_broker::QueueType,
    /// `broker.delivery_limit` (quorum queues); `None`: unlimited.
    pub delivery_limit: Option<u32>,
    pub command_queue: String,
    pub command_exchange: String,
    pub clients_exchange: String,
    pub events_exchange: String,
    pub dead_letter_queue: String,
    pub sync_exchange: String,
    pub leader_queue: String,
    pub prefetch: u16,
    /// `None`: unbounded.
    pub dead_letter_max_length: Option<u32>,
    /// `None`: copies are kept for ever.
    pub dead_letter_ttl: Option<Duration>,
    /// CA file and client certificate of an `amqps://` URL (`broker.ca_file`,
    /// `broker.client_cert_file`, `broker.client_key_file`).
    pub tls: gc_broker::BrokerTls,
}

impl BrokerSettings {
    /// The URI without its password, for logs.
    pub fn display_url(&self) -> String {
        redact_url(self.url.expose_secret())
    }

    /// Every node's URI without its password, comma-separated, for logs.
    pub fn display_urls(&self) -> String {
        std::iter::once(&self.url)
            .chain(&self.more_urls)
            .map(|url| redact_url(url.expose_secret()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One Finesse node.
#[derive(Clone, Debug)]
pub struct NodeSettings {
    pub rest_url: String,
    pub xmpp_host: String,
    pub xmpp_port: u16,
}

/// Finesse settings; absent when the built-in simulator is to be used.
#[derive(Clone, Debug)]
pub struct FinesseSettings {
    pub primary: NodeSettings,
    pub secondary: Option<NodeSettings>,
    pub xmpp_domain: String,
    pub xmpp_security: XmppSecurity,
    pub ca_file: Option<PathBuf>,
    pub request_timeout: Duration,
    pub probe_interval: Duration,
}

/// The built-in simulator's ports.
#[derive(Clone, Copy, Debug)]
pub struct SimulatorSettings {
    pub rest_port: u16,
    pub xmpp_port: u16,
    pub control_port: u16,
}

/// Log output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Plain,
    Json,
}

/// Everything the connector is configured with.
#[derive(Clone, Debug)]
pub struct Settings {
    pub instance_id: String,
    /// `instance.group`: the connector group (one per Finesse cluster); `None` when empty.
    pub group: Option<String>,
    pub broker: BrokerSettings,
    /// `None`: run the built-in simulator.
    pub finesse: Option<FinesseSettings>,
    pub confirm_timeout: Duration,
    pub default_format: Format,
    pub destination_timeout: Option<Duration>,
    pub logout_on_destination_loss: bool,
    pub max_agents: Option<usize>,
    pub force_logout_reason: Option<ReasonCode>,
    pub max_destinations: usize,
    pub unbound_destination_timeout: Duration,
    pub max_unlicensed_agents: usize,
    pub max_pending_per_agent: usize,
    pub dedupe_window: usize,
    pub recording_url: Option<String>,
    pub redundancy: bool,
    /// 32-byte key sealing every ConnectorSync message (the current one).
    pub sync_key: Option<SecretString>,
    /// The key being rotated out: still opens messages, never seals.
    pub sync_key_previous: Option<SecretString>,
    pub allow_plaintext_sync: bool,
    /// How far a ConnectorSync message's timestamp may be from the receiver's clock.
    pub sync_max_age: Duration,
    pub http_listen: SocketAddr,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub shutdown_grace: Duration,
    pub logout_on_shutdown: bool,
    pub simulator: SimulatorSettings,
}

impl Settings {
    /// Loads the defaults, the file (if any) and the environment variables given.
    pub fn load<'a>(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        let mut table = layers::defaults();
        let mut problems = Vec::new();
        if let Some(path) = file {
            match std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    toml::from_str::<Table>(&text).map_err(|e| syntax_error(&text, &e))
                }) {
                Ok(file_table) => {
                    layers::apply_file(
                        &mut table,
                        &file_table,
                        &path.display().to_string(),
                        &mut problems,
                    );
                }
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
        layers::apply_env(&mut table, env, &mut problems);
        let settings = Reader {
            table: &table,
            problems: &mut problems,
        }
        .settings();
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(ConfigError { problems })
        }
    }
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
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {what}")
        }
        None => what.to_owned(),
    }
}

/// Reads typed values out of the merged table, recording problems instead of stopping.
struct Reader<'a> {
    table: &'a Table,
    problems: &'a mut Vec<String>,
}

impl Reader<'_> {
    fn value(&self, section: &str, key: &str) -> Option<&Value> {
        self.table.get(section)?.as_table()?.get(key)
    }

    fn string(&self, section: &str, key: &str) -> String {
        self.value(section, key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn bool(&self, section: &str, key: &str) -> bool {
        self.value(section, key)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    fn int(&mut self, section: &str, key: &str, min: i64, max: i64) -> i64 {
        let value = self
            .value(section, key)
            .and_then(Value::as_integer)
            .unwrap_or(min);
        if value < min || value > max {
            self.problems
                .push(format!("`{section}.{key}` must be between {min} and {max}"));
            return min;
        }
        value
    }

    fn secs(&mut self, section: &str, key: &str, min: i64) -> Duration {
        let secs = self.int(section, key, min, 86_400);
        Duration::from_secs(u64::try_from(secs).unwrap_or(0))
    }

    /// Seconds up to a year (retention periods).
    fn secs_long(&mut self, section: &str, key: &str) -> Duration {
        let secs = self.int(section, key, 0, 366 * 86_400);
        Duration::from_secs(u64::try_from(secs).unwrap_or(0))
    }

    fn count(&mut self, section: &str, key: &str, min: i64, max: i64) -> usize {
        usize::try_from(self.int(section, key, min, max)).unwrap_or(0)
    }

    fn name(&mut self, section: &str, key: &str) -> String {
        let value = self.string(section, key);
        if value.is_empty()
            || value.len() > 255
            || value.chars().any(|c| c.is_control() || c == ' ')
        {
            self.problems
                .push(format!("`{section}.{key}` must be a non-empty AMQP name"));
        }
        value
    }

    fn node(&mut self, prefix: &str) -> Option<NodeSettings> {
        let rest_url = self.string("finesse", &format!("{prefix}_url"));
        let xmpp = self.string("finesse", &format!("{prefix}_xmpp"));
        if rest_url.is_empty() {
            if !xmpp.is_empty() {
                self.problems.push(format!(
                    "`finesse.{prefix}_xmpp` is set without `finesse.{prefix}_url`"
                ));
            }
            return None;
        }
        if !(rest_url.starts_with("http://") || rest_url.starts_with("https://")) {
            self.problems.push(format!(
                "`finesse.{prefix}_url` must start with http:// or https://"
            ));
        }
        let Some((host, port)) = xmpp
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
        else {
            self.problems
                .push(format!("`finesse.{prefix}_xmpp` must be host:port"));
            return None;
        };
        Some(NodeSettings {
            rest_url,
            xmpp_host: host.to_owned(),
            xmpp_port: port,
        })
    }

    fn settings(mut self) -> Settings {
        let instance_id = self.string("instance", "id");
        if instance_id.is_empty()
            || !instance_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            self.problems
                .push("`instance.id` must be letters, digits, `-`, `_` or `.`".into());
        }
        let group = Some(self.string("instance", "group")).filter(|g| !g.is_empty());
        if group.as_ref().is_some_and(|g| {
            !g.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        }) {
            self.problems
                .push("`instance.group` must be letters, digits, `-`, `_` or `.`".into());
        }
        let (url, more_urls) = self.broker_urls();
        let broker_tls = self.broker_tls(&url);
        let queue_type = match self.string("broker", "queue_type").as_str() {
            "classic" => gc_broker::QueueType::Classic,
            "quorum" => gc_broker::QueueType::Quorum,
            _ => {
                self.problems
                    .push("`broker.queue_type` must be \"classic\" or \"quorum\"".into());
                gc_broker::QueueType::Classic
            }
        };
        let delivery_limit =
            u32::try_from(self.int("broker", "delivery_limit", 0, 1_000_000)).unwrap_or(0);
        let broker = BrokerSettings {
            url: SecretString::from(url),
            more_urls: more_urls.into_iter().map(SecretString::from).collect(),
            queue_type,
            delivery_limit: Some(delivery_limit).filter(|n| *n > 0),
            command_queue: self.name("broker", "command_queue"),
            command_exchange: self.name("broker", "command_exchange"),
            clients_exchange: self.name("broker", "clients_exchange"),
            events_exchange: self.name("broker", "events_exchange"),
            dead_letter_queue: self.name("broker", "dead_letter_queue"),
            sync_exchange: self.name("broker", "sync_exchange"),
            leader_queue: self.name("broker", "leader_queue"),
            prefetch: u16::try_from(self.int("broker", "prefetch", 1, 65_535)).unwrap_or(64),
            dead_letter_max_length: u32::try_from(self.int(
                "broker",
                "dead_letter_max_length",
                0,
                i64::from(u32::MAX),
            ))
            .ok()
            .filter(|n| *n > 0),
            dead_letter_ttl: Some(self.secs_long("broker", "dead_letter_ttl_secs"))
                .filter(|d| !d.is_zero()),
            tls: broker_tls,
        };
        let finesse = self.finesse();
        let default_format = match self.string("clients", "default_format").as_str() {
            "legacy" => Format::Legacy,
            "json" => Format::Json,
            _ => {
                self.problems
                    .push("`clients.default_format` must be \"legacy\" or \"json\"".into());
                Format::Legacy
            }
        };
        let destination_timeout = self.secs("clients", "destination_timeout_secs", 0);
        let max_agents = self.int("clients", "max_agents", 0, 1_000_000);
        let reason = self.string("clients", "force_logout_reason");
        let force_logout_reason = if reason.is_empty() {
            None
        } else {
            ReasonCode::parse(&reason)
                .map_err(|_| {
                    self.problems
                        .push("`clients.force_logout_reason` is not a reason code id".into());
                })
                .ok()
        };
        let recording = self.string("recording", "controller_url");
        if !recording.is_empty() && !recording.starts_with("http") {
            self.problems
                .push("`recording.controller_url` must be an http(s) URL".into());
        }
        let redundancy = self.bool("redundancy", "enabled");
        let key = self.string("redundancy", "sync_key");
        let allow_plaintext_sync = self.bool("redundancy", "allow_plaintext_sync");
        if redundancy && key.is_empty() && !allow_plaintext_sync {
            self.problems.push(
                "`redundancy.enabled` needs `redundancy.sync_key` (or `redundancy.allow_plaintext_sync = true`)".into(),
            );
        }
        if !key.is_empty() && crate::sync::SyncKey::from_base64(&key).is_none() {
            self.problems
                .push("`redundancy.sync_key` must be 32 bytes in base64".into());
        }
        let previous_key = self.string("redundancy", "sync_key_previous");
        if !previous_key.is_empty() {
            if key.is_empty() {
                self.problems.push(
                    "`redundancy.sync_key_previous` needs `redundancy.sync_key` (the new key)"
                        .into(),
                );
            }
            if crate::sync::SyncKey::from_base64(&previous_key).is_none() {
                self.problems
                    .push("`redundancy.sync_key_previous` must be 32 bytes in base64".into());
            }
        }
        let sync_max_age = Duration::from_secs(
            u64::try_from(self.int("redundancy", "sync_max_age_secs", 5, 3_600)).unwrap_or(120),
        );
        let listen = self.string("http", "listen");
        let http_listen = listen.parse().unwrap_or_else(|_| {
            self.problems
                .push("`http.listen` must be address:port".into());
            SocketAddr::from(([127, 0, 0, 1], 9464))
        });
        let log_format = match self.string("log", "format").as_str() {
            "plain" => LogFormat::Plain,
            "json" => LogFormat::Json,
            _ => {
                self.problems
                    .push("`log.format` must be \"plain\" or \"json\"".into());
                LogFormat::Plain
            }
        };
        let port = |r: &mut Self, key: &str| {
            u16::try_from(r.int("simulator", key, 0, 65_535)).unwrap_or(0)
        };
        let simulator = SimulatorSettings {
            rest_port: port(&mut self, "rest_port"),
            xmpp_port: port(&mut self, "xmpp_port"),
            control_port: port(&mut self, "control_port"),
        };
        Settings {
            instance_id,
            group,
            broker,
            finesse,
            confirm_timeout: self.secs("finesse", "confirm_timeout_secs", 1),
            default_format,
            destination_timeout: (!destination_timeout.is_zero()).then_some(destination_timeout),
            logout_on_destination_loss: self.bool("clients", "logout_on_destination_loss"),
            max_agents: usize::try_from(max_agents).ok().filter(|m| *m > 0),
            force_logout_reason,
            max_destinations: self.count("clients", "max_destinations", 1, 10_000_000),
            unbound_destination_timeout: self.secs(
                "clients",
                "unbound_destination_timeout_secs",
                1,
            ),
            max_unlicensed_agents: self.count("clients", "max_unlicensed_agents", 1, 10_000_000),
            max_pending_per_agent: self.count("clients", "max_pending_per_agent", 1, 65_535),
            dedupe_window: self.count("clients", "dedupe_window", 0, 10_000_000),
            recording_url: (!recording.is_empty()).then_some(recording),
            redundancy,
            sync_key: (!key.is_empty()).then(|| SecretString::from(key)),
            sync_key_previous: (!previous_key.is_empty()).then(|| SecretString::from(previous_key)),
            allow_plaintext_sync,
            sync_max_age,
            http_listen,
            log_format,
            log_filter: self.string("log", "filter"),
            shutdown_grace: self.secs("shutdown", "grace_secs", 0),
            logout_on_shutdown: self.bool("shutdown", "logout_agents"),
            simulator,
        }
    }

    /// `broker.urls` when it lists any node, else `broker.url`: the first node and the others.
    /// Every URL must be amqp:// or amqps://; problems name the key and position, never the URL
    /// (it holds the password).
    fn broker_urls(&mut self) -> (String, Vec<String>) {
        let listed: Vec<Option<String>> = match self.value("broker", "urls") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(|s| s.trim().to_owned()))
                .collect(),
            _ => Vec::new(),
        };
        let mut urls = Vec::new();
        for (i, url) in listed.into_iter().enumerate() {
            match url {
                Some(url) if url.starts_with("amqp://") || url.starts_with("amqps://") => {
                    urls.push(url);
                }
                _ => self.problems.push(format!(
                    "`broker.urls` entry {} must be a string starting with amqp:// or amqps://",
                    i + 1
                )),
            }
        }
        if urls.is_empty() {
            let url = self.string("broker", "url");
            if !(url.starts_with("amqp://") || url.starts_with("amqps://")) {
                self.problems
                    .push("`broker.url` must start with amqp:// or amqps://".into());
            }
            return (url, Vec::new());
        }
        let first = urls.remove(0);
        if urls
            .iter()
            .any(|u| u.starts_with("amqps://") != first.starts_with("amqps://"))
        {
            self.problems.push(
                "`broker.urls` must all be amqp:// or all amqps:// (one TLS setting for the cluster)"
                    .into(),
            );
        }
        (first, urls)
    }

    /// `broker.ca_file`, `broker.client_cert_file`, `broker.client_key_file`. With an
    /// `amqps://` URL the files are read and the TLS configuration is built here, so a bad file
    /// is reported with every other problem before anything starts.
    fn broker_tls(&mut self, url: &str) -> gc_broker::BrokerTls {
        let path = |key: &str| {
            let value = self.string("broker", key);
            (!value.is_empty()).then(|| PathBuf::from(value))
        };
        let tls = gc_broker::BrokerTls {
            ca_file: path("ca_file"),
            client_cert_file: path("client_cert_file"),
            client_key_file: path("client_key_file"),
        };
        match (&tls.client_cert_file, &tls.client_key_file) {
            (Some(_), None) => self
                .problems
                .push("`broker.client_cert_file` is set without `broker.client_key_file`".into()),
            (None, Some(_)) => self
                .problems
                .push("`broker.client_key_file` is set without `broker.client_cert_file`".into()),
            (Some(_), Some(_)) | (None, None) => {
                if url.starts_with("amqps://") {
                    if let Err(error) = tls.client_config() {
                        self.problems
                            .push(format!("`broker.url` is amqps:// but {error}"));
                    }
                } else if tls.is_set() && url.starts_with("amqp://") {
                    self.problems.push(
                        "`broker.ca_file` / `broker.client_cert_file` need an amqps:// `broker.url` (TLS); the URL is amqp://".into(),
                    );
                }
            }
        }
        tls
    }

    fn finesse(&mut self) -> Option<FinesseSettings> {
        let primary = self.node("primary")?;
        let secondary = self.node("secondary");
        let xmpp_security = match self.string("finesse", "xmpp_security").as_str() {
            "plain" => XmppSecurity::Plain,
            "starttls" => XmppSecurity::StartTls,
            "tls" => XmppSecurity::DirectTls,
            _ => {
                self.problems.push(
                    "`finesse.xmpp_security` must be \"plain\", \"starttls\" or \"tls\"".into(),
                );
                XmppSecurity::StartTls
            }
        };
        let mut xmpp_domain = self.string("finesse", "xmpp_domain");
        if xmpp_domain.is_empty() {
            xmpp_domain.clone_from(&primary.xmpp_host);
        }
        let ca = self.string("finesse", "ca_file");
        Some(FinesseSettings {
            xmpp_domain,
            xmpp_security,
            ca_file: (!ca.is_empty()).then(|| PathBuf::from(ca)),
            request_timeout: self.secs("finesse", "request_timeout_secs", 1),
            probe_interval: self.secs("finesse", "probe_interval_secs", 1),
            primary,
            secondary,
        })
    }
}

/// `amqp://user:secret@host:5672/vhost` → `amqp://user:***@host:5672/vhost`.
///
/// The userinfo ends at the *last* `@` (a password may hold `@` and `/`, even unencoded), so
/// nothing of a password survives whatever it holds; a text that is not `scheme://…` at all
/// becomes `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".into();
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return "***".into();
    }
    match rest.rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or_default();
            // A user name holding `/` means the `@` was not the userinfo's: show nothing.
            if user.contains('/') {
                return format!("{scheme}://***");
            }
            format!("{scheme}://{user}:***@{}", &rest[at + 1..])
        }
        None => format!("{scheme}://{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_mean_the_built_in_simulator() {
        let s = Settings::load(None, []).unwrap();
        assert!(s.finesse.is_none());
        assert_eq!(s.broker.command_queue, "gc.commands");
        assert_eq!(s.max_agents, None);
        assert_eq!(s.default_format, Format::Legacy);
    }

    #[test]
    fn a_cluster_is_listed_in_broker_urls_and_replaces_broker_url() {
        let env = [
            (
                "GC_BROKER__URLS",
                "amqp://gc:hunter2@mq1:5672/%2f, amqp://gc:hunter2@mq2:5672/%2f,amqp://gc:hunter2@mq3/%2f",
            ),
            ("GC_BROKER__QUEUE_TYPE", "quorum"),
            ("GC_BROKER__DELIVERY_LIMIT", "5"),
        ];
        let s = Settings::load(None, env).unwrap();
        assert_eq!(
            s.broker.url.expose_secret(),
            "amqp://gc:hunter2@mq1:5672/%2f"
        );
        assert_eq!(s.broker.more_urls.len(), 2);
        assert_eq!(s.broker.queue_type, gc_broker::QueueType::Quorum);
        assert_eq!(s.broker.delivery_limit, Some(5));
        let shown = s.broker.display_urls();
        assert_eq!(
            shown,
            "amqp://gc:***@mq1:5672/%2f, amqp://gc:***@mq2:5672/%2f, amqp://gc:***@mq3/%2f"
        );
        // The defaults: one node, classic queues, a limit that only quorum queues use.
        let d = Settings::load(None, []).unwrap();
        assert!(d.broker.more_urls.is_empty());
        assert_eq!(d.broker.queue_type, gc_broker::QueueType::Classic);
        assert_eq!(d.broker.delivery_limit, Some(20));
        // Bad entries are reported by position, never quoted.
        let bad = [
            (
                "GC_BROKER__URLS",
                "amqp://gc:hunter2@mq1/%2f,http://gc:hunter2@mq2",
            ),
            ("GC_BROKER__QUEUE_TYPE", "stream"),
        ];
        let err = Settings::load(None, bad).unwrap_err();
        assert_eq!(err.problems.len(), 2, "{:?}", err.problems);
        assert!(err.problems.iter().any(|p| p.contains("entry 2")));
        assert!(!err.to_string().contains("hunter2"));
        let mixed = [(
            "GC_BROKER__URLS",
            "amqp://gc:pw@mq1/%2f,amqps://gc:pw@mq2/%2f",
        )];
        assert!(Settings::load(None, mixed).is_err());
    }

    #[test]
    fn every_problem_is_reported_together() {
        let env = [
            ("GC_CLIENTS__DEFAULT_FORMAT", "xml"),
            ("GC_BROKER__URL", "http://x"),
            ("GC_FINESSE__PRIMARY_URL", "https://fin-a:8445"),
            ("GC_REDUNDANCY__ENABLED", "true"),
        ];
        let err = Settings::load(None, env).unwrap_err();
        assert_eq!(err.problems.len(), 4, "{:?}", err.problems);
    }

    #[test]
    fn the_amqp_password_never_shows() {
        let env = [("GC_BROKER__URL", "amqp://gc:hunter2@mq:5672/%2f")];
        let s = Settings::load(None, env).unwrap();
        assert_eq!(s.broker.display_url(), "amqp://gc:***@mq:5672/%2f");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn sync_keys_are_checked_and_never_shown() {
        let current = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
        let previous = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
        let env = [
            ("GC_REDUNDANCY__ENABLED", "true"),
            ("GC_REDUNDANCY__SYNC_KEY", current),
            ("GC_REDUNDANCY__SYNC_KEY_PREVIOUS", previous),
        ];
        let s = Settings::load(None, env).unwrap();
        assert_eq!(s.sync_max_age, Duration::from_mins(2));
        assert!(s.sync_key_previous.is_some());
        let shown = format!("{s:?}");
        assert!(!shown.contains(current) && !shown.contains(previous));
        let env = [
            ("GC_REDUNDANCY__SYNC_KEY_PREVIOUS", "c2hvcnQ="),
            ("GC_REDUNDANCY__SYNC_MAX_AGE_SECS", "1"),
        ];
        let err = Settings::load(None, env).unwrap_err();
        assert_eq!(err.problems.len(), 3, "{:?}", err.problems);
        assert!(!err.problems.join(" ").contains("c2hvcnQ"));
    }

    #[test]
    fn broker_tls_files_are_read_and_checked_with_the_other_problems() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let certified = rcgen::generate_simple_self_signed(vec!["mq".to_owned()]).unwrap();
        std::fs::write(&ca, certified.cert.pem()).unwrap();
        let ca = ca.to_str().unwrap();
        let s = Settings::load(
            None,
            [
                ("GC_BROKER__URL", "amqps://gc:hunter2@mq:5671/%2f"),
                ("GC_BROKER__CA_FILE", ca),
            ],
        )
        .unwrap();
        assert_eq!(s.broker.tls.ca_file.as_deref(), Some(Path::new(ca)));
        assert_eq!(s.broker.tls.client_cert_file, None);

        // A certificate without a key, together with another problem: both reported.
        let err = Settings::load(
            None,
            [
                ("GC_BROKER__URL", "amqps://gc:hunter2@mq:5671/%2f"),
                ("GC_BROKER__CLIENT_CERT_FILE", ca),
                ("GC_CLIENTS__DEFAULT_FORMAT", "xml"),
            ],
        )
        .unwrap_err();
        assert_eq!(err.problems.len(), 2, "{:?}", err.problems);
        assert!(err.problems[0].contains("broker.client_key_file"));
        let err = Settings::load(None, [("GC_BROKER__CLIENT_KEY_FILE", ca)]).unwrap_err();
        assert!(err.problems[0].contains("broker.client_cert_file"), "{err}");

        // A CA file that cannot be read: named, and the URL's password is not.
        let err = Settings::load(
            None,
            [
                ("GC_BROKER__URL", "amqps://gc:hunter2@mq:5671/%2f"),
                ("GC_BROKER__CA_FILE", "/nonexistent/ca.pem"),
            ],
        )
        .unwrap_err();
        assert_eq!(err.problems.len(), 1, "{:?}", err.problems);
        assert!(err.problems[0].contains("/nonexistent/ca.pem"));
        assert!(!err.to_string().contains("hunter2"));

        // TLS files with a plain URL.
        let err = Settings::load(None, [("GC_BROKER__CA_FILE", ca)]).unwrap_err();
        assert!(err.problems[0].contains("amqps://"), "{err}");
    }

    #[test]
    fn a_finesse_cluster_is_read() {
        let env = [
            ("GC_FINESSE__PRIMARY_URL", "https://fin-a:8445"),
            ("GC_FINESSE__PRIMARY_XMPP", "fin-a:5222"),
            ("GC_FINESSE__SECONDARY_URL", "https://fin-b:8445"),
            ("GC_FINESSE__SECONDARY_XMPP", "fin-b:5222"),
        ];
        let s = Settings::load(None, env).unwrap();
        let f = s.finesse.unwrap();
        assert_eq!(f.xmpp_domain, "fin-a");
        assert_eq!(f.secondary.unwrap().xmpp_port, 5222);
    }

    #[test]
    fn passwords_with_slashes_and_ats_never_show() {
        for (url, shown) in [
            ("amqp://u:pa/ss@h/v", "amqp://u:***@h/v"),
            ("amqps://u:p@ss@mq:5671/%2f", "amqps://u:***@mq:5671/%2f"),
            ("amqp://u:p%2Fss@mq/vh", "amqp://u:***@mq/vh"),
            ("amqp://mq:5672/%2f", "amqp://mq:5672/%2f"),
            ("not a url, hunter2", "***"),
            ("://hunter2@x", "***"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn a_syntax_error_gives_its_position_never_the_line() {
        let dir = std::env::temp_dir().join(format!("gc-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.toml");
        std::fs::write(
            &path,
            "[broker]\nurl = \"amqp://gc:hunter2@mq/%2f\" trailing\n",
        )
        .unwrap();
        let err = Settings::load(Some(&path), []).unwrap_err();
        let shown = err.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("line 2, column"), "{shown}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
