//! `[broker]`: the node or nodes, the queue and exchange names, the TLS files.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::problems::Problems;
use super::raw;
use super::redact::redact_url;

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

/// The checked `[broker]` section.
pub(super) fn broker(raw: raw::Broker, problems: &mut Problems) -> BrokerSettings {
    let (url, more_urls) = urls(&raw.url, &raw.urls, problems);
    let tls = tls(&raw, url.expose_secret(), problems);
    let queue_type = problems.choice(
        "broker.queue_type",
        &raw.queue_type,
        &[
            ("classic", gc_broker::QueueType::Classic),
            ("quorum", gc_broker::QueueType::Quorum),
        ],
        gc_broker::QueueType::Classic,
    );
    let delivery_limit: u32 = problems.int(
        "broker.delivery_limit",
        raw.delivery_limit,
        (0, 1_000_000),
        0,
    );
    BrokerSettings {
        url,
        more_urls,
        queue_type,
        delivery_limit: Some(delivery_limit).filter(|n| *n > 0),
        command_queue: problems.amqp_name("broker.command_queue", raw.command_queue),
        command_exchange: problems.amqp_name("broker.command_exchange", raw.command_exchange),
        clients_exchange: problems.amqp_name("broker.clients_exchange", raw.clients_exchange),
        events_exchange: problems.amqp_name("broker.events_exchange", raw.events_exchange),
        dead_letter_queue: problems.amqp_name("broker.dead_letter_queue", raw.dead_letter_queue),
        sync_exchange: problems.amqp_name("broker.sync_exchange", raw.sync_exchange),
        leader_queue: problems.amqp_name("broker.leader_queue", raw.leader_queue),
        prefetch: problems.int("broker.prefetch", raw.prefetch, (1, 65_535), 64),
        dead_letter_max_length: Some(problems.int(
            "broker.dead_letter_max_length",
            raw.dead_letter_max_length,
            (0, i64::from(u32::MAX)),
            0,
        ))
        .filter(|n| *n > 0),
        dead_letter_ttl: Some(
            problems.secs_long("broker.dead_letter_ttl_secs", raw.dead_letter_ttl_secs),
        )
        .filter(|d| !d.is_zero()),
        tls,
    }
}

/// Whether a URL names an AMQP node.
fn is_amqp(url: &str) -> bool {
    url.starts_with("amqp://") || url.starts_with("amqps://")
}

/// `broker.urls` when it lists any node, else `broker.url`: the first node and the others.
/// Every URL must be amqp:// or amqps://; problems name the key and position, never the URL
/// (it holds the password).
fn urls(
    url: &SecretString,
    listed: &[SecretString],
    problems: &mut Problems,
) -> (SecretString, Vec<SecretString>) {
    let mut urls = Vec::new();
    for (i, url) in listed.iter().enumerate() {
        if is_amqp(url.expose_secret()) {
            urls.push(url.clone());
        } else {
            problems.push(format!(
                "`broker.urls` entry {} must be a string starting with amqp:// or amqps://",
                i + 1
            ));
        }
    }
    if urls.is_empty() {
        if !is_amqp(url.expose_secret()) {
            problems.push("`broker.url` must start with amqp:// or amqps://");
        }
        return (url.clone(), Vec::new());
    }
    let first = urls.remove(0);
    let tls = |u: &SecretString| u.expose_secret().starts_with("amqps://");
    if urls.iter().any(|u| tls(u) != tls(&first)) {
        problems.push(
            "`broker.urls` must all be amqp:// or all amqps:// (one TLS setting for the cluster)",
        );
    }
    (first, urls)
}

/// `broker.ca_file`, `broker.client_cert_file`, `broker.client_key_file`. With an `amqps://`
/// URL the files are read and the TLS configuration is built here, so a bad file is reported
/// with every other problem before anything starts.
fn tls(raw: &raw::Broker, url: &str, problems: &mut Problems) -> gc_broker::BrokerTls {
    let path = |value: &str| (!value.is_empty()).then(|| PathBuf::from(value));
    let tls = gc_broker::BrokerTls {
        ca_file: path(&raw.ca_file),
        client_cert_file: path(&raw.client_cert_file),
        client_key_file: path(&raw.client_key_file),
    };
    match (&tls.client_cert_file, &tls.client_key_file) {
        (Some(_), None) => {
            problems.push("`broker.client_cert_file` is set without `broker.client_key_file`");
        }
        (None, Some(_)) => {
            problems.push("`broker.client_key_file` is set without `broker.client_cert_file`");
        }
        (Some(_), Some(_)) | (None, None) => {
            if url.starts_with("amqps://") {
                if let Err(error) = tls.client_config() {
                    problems.push(format!("`broker.url` is amqps:// but {error}"));
                }
            } else if tls.is_set() && url.starts_with("amqp://") {
                problems.push(
                    "`broker.ca_file` / `broker.client_cert_file` need an amqps:// `broker.url` (TLS); the URL is amqp://",
                );
            }
        }
    }
    tls
}
