//! The connector's settings: layered (defaults → file → environment) by the `config` crate,
//! deserialized into typed sections, validated once, every problem reported before exit.
//! Secrets are held as [`SecretString`] and never printed.
//!
//! How every problem is found although serde stops at the first: the layers are checked
//! against the defaults before they are laid ([`schema`]), so only known keys with values of
//! the right type reach the deserializer; the ranges, choices and links between keys are then
//! checked section by section, each check recording its problem and going on.

mod broker;
mod clients;
mod finesse;
mod layers;
mod problems;
mod raw;
mod redact;
mod redundancy;
mod schema;
#[cfg(test)]
mod tests;

/// The documented default configuration file (deploy/generic-connector.toml).
pub const DEFAULT_FILE: &str = layers::DEFAULTS;

pub use broker::BrokerSettings;
pub use finesse::{FinesseSettings, NodeSettings};
pub use redact::redact_url;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use gc_protocol::{Format, ReasonCode};
use secrecy::SecretString;

use problems::Problems;

/// Why the settings could not be loaded: every problem found.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  {}", .problems.join("\n  "))]
pub struct ConfigError {
    /// One line per problem.
    pub problems: Vec<String>,
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
    /// `runtime.worker_threads`: 1 runs every task on the main thread (a current-thread
    /// runtime), 0 one worker per CPU, N > 1 that many workers.
    pub worker_threads: usize,
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
        let mut problems = Problems::default();
        let raw = layers::load(file, env, &mut problems);
        let settings = raw.map(|raw| settings(raw, &mut problems));
        match settings {
            Some(settings) if problems.is_empty() => Ok(settings),
            _ => Err(ConfigError {
                problems: problems.into_vec(),
            }),
        }
    }
}

/// The typed sections, checked; every problem goes to `problems`.
fn settings(raw: raw::Raw, problems: &mut Problems) -> Settings {
    let instance_id = raw.instance.id;
    if instance_id.is_empty() || !is_id(&instance_id) {
        problems.push("`instance.id` must be letters, digits, `-`, `_` or `.`");
    }
    let group = Some(raw.instance.group).filter(|g| !g.is_empty());
    if group.as_deref().is_some_and(|g| !is_id(g)) {
        problems.push("`instance.group` must be letters, digits, `-`, `_` or `.`");
    }
    let broker = broker::broker(raw.broker, problems);
    let confirm_timeout = problems.secs(
        "finesse.confirm_timeout_secs",
        raw.finesse.confirm_timeout_secs,
        1,
    );
    let finesse = finesse::finesse(raw.finesse, problems);
    let clients = clients::clients(raw.clients, raw.recording, problems);
    let redundancy = redundancy::redundancy(raw.redundancy, problems);
    let http_listen = raw.http.listen.parse().unwrap_or_else(|_| {
        problems.push("`http.listen` must be address:port");
        SocketAddr::from(([127, 0, 0, 1], 9464))
    });
    let log_format = problems.choice(
        "log.format",
        &raw.log.format,
        &[("plain", LogFormat::Plain), ("json", LogFormat::Json)],
        LogFormat::Plain,
    );
    let port =
        |problems: &mut Problems, key: &str, value: i64| problems.int(key, value, (0, 65_535), 0);
    let simulator = SimulatorSettings {
        rest_port: port(problems, "simulator.rest_port", raw.simulator.rest_port),
        xmpp_port: port(problems, "simulator.xmpp_port", raw.simulator.xmpp_port),
        control_port: port(
            problems,
            "simulator.control_port",
            raw.simulator.control_port,
        ),
    };
    Settings {
        instance_id,
        group,
        broker,
        finesse,
        confirm_timeout,
        default_format: clients.default_format,
        destination_timeout: clients.destination_timeout,
        logout_on_destination_loss: clients.logout_on_destination_loss,
        max_agents: clients.max_agents,
        force_logout_reason: clients.force_logout_reason,
        max_destinations: clients.max_destinations,
        unbound_destination_timeout: clients.unbound_destination_timeout,
        max_unlicensed_agents: clients.max_unlicensed_agents,
        max_pending_per_agent: clients.max_pending_per_agent,
        dedupe_window: clients.dedupe_window,
        recording_url: clients.recording_url,
        redundancy: redundancy.enabled,
        sync_key: redundancy.sync_key,
        sync_key_previous: redundancy.sync_key_previous,
        allow_plaintext_sync: redundancy.allow_plaintext_sync,
        sync_max_age: redundancy.sync_max_age,
        http_listen,
        log_format,
        log_filter: raw.log.filter,
        worker_threads: problems.int(
            "runtime.worker_threads",
            raw.runtime.worker_threads,
            (0, 1024),
            1,
        ),
        shutdown_grace: problems.secs("shutdown.grace_secs", raw.shutdown.grace_secs, 0),
        logout_on_shutdown: raw.shutdown.logout_agents,
        simulator,
    }
}

/// Letters, digits, `-`, `_` and `.`: an instance id or a group name.
fn is_id(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}
