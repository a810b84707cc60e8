//! The settings as the configuration library deserializes them: one typed struct per section,
//! each field a key of deploy/generic-connector.toml with that file's type.
//!
//! Values are taken as written (integers as `i64`, choices as strings): ranges, choices and the
//! links between keys are checked afterwards, all of them, by the section modules, because serde
//! stops at its first error and an operator must see every mistake at once. Unknown keys and
//! values of the wrong type never reach this point: the layers are checked against the defaults
//! first (`schema`). `deny_unknown_fields` keeps these structs and the defaults file in step (a
//! test deserializes the defaults alone).

use secrecy::SecretString;
use serde::Deserialize;

/// Every section.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Raw {
    pub(super) instance: Instance,
    pub(super) broker: Broker,
    pub(super) finesse: Finesse,
    pub(super) clients: Clients,
    pub(super) recording: Recording,
    pub(super) redundancy: Redundancy,
    pub(super) http: Http,
    pub(super) log: Log,
    pub(super) runtime: Runtime,
    pub(super) shutdown: Shutdown,
    pub(super) simulator: Simulator,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Instance {
    pub(super) id: String,
    pub(super) group: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Broker {
    /// Secret: it carries the password.
    pub(super) url: SecretString,
    pub(super) urls: Vec<SecretString>,
    pub(super) queue_type: String,
    pub(super) delivery_limit: i64,
    pub(super) ca_file: String,
    pub(super) client_cert_file: String,
    pub(super) client_key_file: String,
    pub(super) command_queue: String,
    pub(super) command_exchange: String,
    pub(super) clients_exchange: String,
    pub(super) events_exchange: String,
    pub(super) dead_letter_queue: String,
    pub(super) sync_exchange: String,
    pub(super) leader_queue: String,
    pub(super) prefetch: i64,
    pub(super) dead_letter_max_length: i64,
    pub(super) dead_letter_ttl_secs: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Finesse {
    pub(super) primary_url: String,
    pub(super) primary_xmpp: String,
    pub(super) secondary_url: String,
    pub(super) secondary_xmpp: String,
    pub(super) xmpp_domain: String,
    pub(super) xmpp_security: String,
    pub(super) ca_file: String,
    pub(super) request_timeout_secs: i64,
    pub(super) confirm_timeout_secs: i64,
    pub(super) probe_interval_secs: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Clients {
    pub(super) default_format: String,
    pub(super) destination_timeout_secs: i64,
    pub(super) logout_on_destination_loss: bool,
    pub(super) max_agents: i64,
    pub(super) force_logout_reason: String,
    pub(super) max_destinations: i64,
    pub(super) unbound_destination_timeout_secs: i64,
    pub(super) max_unlicensed_agents: i64,
    pub(super) max_pending_per_agent: i64,
    pub(super) dedupe_window: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Recording {
    pub(super) controller_url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Redundancy {
    pub(super) enabled: bool,
    /// Secret; empty: none.
    pub(super) sync_key: SecretString,
    /// Secret; empty: none.
    pub(super) sync_key_previous: SecretString,
    pub(super) allow_plaintext_sync: bool,
    pub(super) sync_max_age_secs: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Http {
    pub(super) listen: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Log {
    pub(super) format: String,
    pub(super) filter: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Runtime {
    pub(super) worker_threads: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Shutdown {
    pub(super) grace_secs: i64,
    pub(super) logout_agents: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Simulator {
    pub(super) rest_port: i64,
    pub(super) xmpp_port: i64,
    pub(super) control_port: i64,
}
