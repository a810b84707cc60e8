//! [`BrokerConfig`]: every name, bound and timer of the adapter, with the defaults of
//! design.md section 4.
//!
//! The AMQP URI is a [`SecretString`]: its userinfo holds the password, so it is only exposed
//! to parse it right before connecting. Logs and errors name the broker by
//! [`BrokerConfig::endpoint`] (`host:port/vhost`).

use std::str::FromStr;
use std::time::Duration;

use lapin::uri::{AMQPScheme, AMQPUri};
use secrecy::{ExposeSecret, SecretString};

use crate::{BrokerError, BrokerTls};

/// The longest AMQP short string (queue, exchange, routing key, property values).
pub(crate) const MAX_SHORT: usize = 255;

/// The type of the command and dead-letter queues. RabbitMQ cannot change a queue's type in
/// place: a queue that exists with the other type is reported as
/// [`BrokerError::QueueTypeMismatch`](crate::BrokerError::QueueTypeMismatch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueueType {
    /// A classic queue on one node (the default; what earlier versions declared).
    #[default]
    Classic,
    /// A replicated quorum queue (Raft), for a RabbitMQ cluster: survives the loss of a
    /// minority of nodes; single-active-consumer and a delivery limit.
    Quorum,
}

impl QueueType {
    /// The value of `x-queue-type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Quorum => "quorum",
        }
    }
}

/// Settings of the broker adapter. `Default` gives the names of the published contract.
#[derive(Clone, Debug)]
pub struct BrokerConfig {
    /// `amqp://user:password@host:port/vhost`, or `amqps://…` for TLS (see [`Self::tls`]).
    /// Secret: never logged, never in an error. On a cluster, the first node tried.
    pub uri: SecretString,
    /// The other nodes of a RabbitMQ cluster (same vhost, users and topology), tried after
    /// [`Self::uri`] in turn: a failed connect or a lost connection moves on to the next node,
    /// with the capped backoff between attempts. Empty: one node.
    pub cluster_uris: Vec<SecretString>,
    /// Whether the command and dead-letter queues are classic or quorum queues.
    pub queue_type: QueueType,
    /// Quorum queues only: how often the broker delivers a command before it dead-letters it
    /// to [`Self::dead_letter_queue`] by itself (`x-delivery-limit`). A second guard against a
    /// message that keeps failing (e.g. one that closes the consumer's channel every time,
    /// which the connector never gets to dead-letter). `None`: unlimited.
    pub delivery_limit: Option<u32>,
    /// Trust and client certificate for `amqps://` URIs. Setting any of it with an `amqp://`
    /// URI is refused: the files would suggest a protection the plain connection lacks.
    pub tls: BrokerTls,
    /// This connector instance; sent as `app_id` on everything it publishes and used to ignore
    /// its own ConnectorSync messages. Also names the AMQP connection in the management UI.
    pub instance_id: String,
    /// The connector group this instance belongs to (one group per Finesse cluster), sent as
    /// header `gc-group` on every event, so that groups sharing an events exchange can be told
    /// apart (the connector also names it in the JSON body it renders). `None`: no header.
    pub group: Option<String>,
    /// The durable command queue, declared with `x-single-active-consumer`.
    pub commands_queue: String,
    /// The topic exchange bound to the command queue with `#`, for clients that cannot publish
    /// to a queue by name.
    pub commands_exchange: String,
    /// Topic exchange for per-destination client events (routing key = destination).
    pub clients_exchange: String,
    /// Topic exchange for integration events (routing key `<category>.<agentId>`).
    pub events_exchange: String,
    /// Durable queue that receives copies of commands that cannot be attributed to an agent.
    pub dead_letter_queue: String,
    /// Most messages the dead-letter queue keeps (`x-max-length`); beyond it the oldest are
    /// dropped (`x-overflow: drop-head`), so a flood of bad commands cannot fill the broker.
    /// `None`: unbounded.
    pub dead_letter_max_length: Option<u32>,
    /// How long a dead-letter copy is kept (per-message `expiration`): copies of commands may
    /// hold secrets. `None`: for ever.
    pub dead_letter_ttl: Option<Duration>,
    /// Fanout exchange shared by the redundant instances (ConnectorSync).
    pub sync_exchange: String,
    /// The exclusive queue whose holder is the leader (design.md 6). `None` disables the lock:
    /// the instance then consumes commands at once and single-active-consumer alone decides.
    pub leader_lock_queue: Option<String>,
    /// Unacknowledged deliveries per consumer (`basic.qos`). Bounds memory: lapin buffers
    /// deliveries without limit, so the prefetch is the only bound.
    pub prefetch: u16,
    /// AMQP heartbeat. Bounds how long a dead peer or a silent network goes unnoticed, and so
    /// how long a lost leader keeps the lock in the broker's view. Overrides any `heartbeat`
    /// query parameter of the URI.
    pub heartbeat: Duration,
    /// Bound on one connect attempt (TCP, handshake, topology).
    pub connect_timeout: Duration,
    /// Bound on [`Broker::publish`](crate::Broker::publish): waiting for a connection plus
    /// waiting for the confirm.
    pub publish_timeout: Duration,
    /// First reconnect delay; doubles per failed attempt.
    pub backoff_min: Duration,
    /// Cap on the reconnect delay (before jitter).
    pub backoff_max: Duration,
    /// How often a standby retries the leader lock, and a leader checks it still holds it.
    pub leader_retry: Duration,
    /// Capacity of the [`BrokerEvent`](crate::BrokerEvent) channel.
    pub event_capacity: usize,
    /// Publish integration events (`gc.events`) as `mandatory`, so that events nobody is bound
    /// for are reported as [`BrokerEvent::Returned`](crate::BrokerEvent::Returned). Off by
    /// default: integration bindings are optional and most events would come back.
    pub mandatory_events: bool,
    /// Per-message TTL of ConnectorSync messages, so stale state never piles up in a queue.
    pub sync_ttl: Option<Duration>,
    /// How long shutdown waits for in-flight publishes before closing the connection.
    pub shutdown_grace: Duration,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        let short_id = uuid::Uuid::new_v4().simple().to_string();
        Self {
            uri: SecretString::from("amqp://guest:guest@127.0.0.1:5672/%2f".to_owned()),
            tls: BrokerTls::default(),
            cluster_uris: Vec::new(),
            group: None,
            queue_type: QueueType::Classic,
            delivery_limit: Some(20),
            instance_id: format!("gc-{}", &short_id[..8]),
            commands_queue: "gc.commands".to_owned(),
            commands_exchange: "gc.commands".to_owned(),
            clients_exchange: "gc.clients".to_owned(),
            events_exchange: "gc.events".to_owned(),
            dead_letter_queue: "gc.commands.dlq".to_owned(),
            dead_letter_max_length: Some(100_000),
            dead_letter_ttl: Some(Duration::from_hours(24 * 7)),
            sync_exchange: "ConnectorSync".to_owned(),
            leader_lock_queue: Some("gc.leader".to_owned()),
            prefetch: 64,
            heartbeat: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            publish_timeout: Duration::from_secs(10),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            leader_retry: Duration::from_secs(1),
            event_capacity: 256,
            mandatory_events: false,
            sync_ttl: Some(Duration::from_mins(1)),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

impl BrokerConfig {
    /// Checks every value once, before anything connects, and reports the first bad one.
    /// With an `amqps://` URI this reads the TLS files and builds the TLS configuration.
    pub fn validate(&self) -> Result<(), BrokerError> {
        let uri = self.parsed_uri()?;
        for node in 1..self.node_count() {
            if self.parsed_uri_of(node)?.scheme != uri.scheme {
                return Err(invalid(
                    "cluster_uris",
                    "every node must use the scheme of the first (all amqp:// or all amqps://)",
                ));
            }
        }
        if self.delivery_limit == Some(0) {
            return Err(invalid(
                "delivery_limit",
                "0 would dead-letter every command at once; use at least 1",
            ));
        }
        self.tls.check_pairing()?;
        match uri.scheme {
            AMQPScheme::AMQPS => {
                self.tls.client_config()?;
            }
            AMQPScheme::AMQP if self.tls.is_set() => {
                return Err(invalid(
                    "tls",
                    "CA or client certificate files are set but the URI is amqp:// (no TLS); use amqps://",
                ));
            }
            AMQPScheme::AMQP => {}
        }
        let names = [
            ("instance_id", self.instance_id.as_str()),
            ("commands_queue", &self.commands_queue),
            ("commands_exchange", &self.commands_exchange),
            ("clients_exchange", &self.clients_exchange),
            ("events_exchange", &self.events_exchange),
            ("dead_letter_queue", &self.dead_letter_queue),
            ("sync_exchange", &self.sync_exchange),
        ];
        for (field, name) in names {
            check_name(field, name)?;
        }
        if let Some(lock) = &self.leader_lock_queue {
            check_name("leader_lock_queue", lock)?;
        }
        if let Some(group) = &self.group {
            check_name("group", group)?;
        }
        let positive = [
            ("heartbeat", self.heartbeat),
            ("connect_timeout", self.connect_timeout),
            ("publish_timeout", self.publish_timeout),
            ("backoff_min", self.backoff_min),
            ("leader_retry", self.leader_retry),
        ];
        for (field, value) in positive {
            if value.is_zero() {
                return Err(invalid(field, "must be greater than zero"));
            }
        }
        if self.heartbeat.as_secs() > u64::from(u16::MAX) || self.heartbeat.as_secs() == 0 {
            return Err(invalid("heartbeat", "must be between 1 s and 65535 s"));
        }
        if self.backoff_max < self.backoff_min {
            return Err(invalid("backoff_max", "must not be below backoff_min"));
        }
        if self.prefetch == 0 {
            return Err(invalid(
                "prefetch",
                "0 would mean unbounded; use at least 1",
            ));
        }
        if self.event_capacity == 0 {
            return Err(invalid("event_capacity", "must be at least 1"));
        }
        Ok(())
    }

    /// `host:port/vhost` of the first node: how logs and errors name the broker, never with
    /// credentials.
    pub fn endpoint(&self) -> String {
        self.endpoint_of(0)
    }

    /// How many nodes are configured ([`Self::uri`] and [`Self::cluster_uris`]).
    pub fn node_count(&self) -> usize {
        1 + self.cluster_uris.len()
    }

    /// `host:port/vhost` of node `node` (0: [`Self::uri`]; wraps around), never with
    /// credentials.
    pub fn endpoint_of(&self, node: usize) -> String {
        match self.parsed_uri_of(node) {
            // The vhost is written as in a URI, so the default vhost `/` reads `%2f`.
            Ok(uri) => format!(
                "{}:{}/{}",
                uri.authority.host,
                uri.authority.port,
                uri.vhost.replace('/', "%2f")
            ),
            Err(_) => "<invalid AMQP URI>".to_owned(),
        }
    }

    /// The URI ready for lapin: parsed from the secret, with our heartbeat and connect bound.
    /// The result holds the password; it goes straight into `Connection::connect_uri`.
    pub(crate) fn connect_uri(&self, node: usize) -> Result<AMQPUri, BrokerError> {
        let mut uri = self.parsed_uri_of(node)?;
        uri.query.heartbeat = u16::try_from(self.heartbeat.as_secs()).ok();
        if uri.query.connection_timeout.is_none() {
            uri.query.connection_timeout = u64::try_from(self.connect_timeout.as_millis()).ok();
        }
        Ok(uri)
    }

    fn parsed_uri(&self) -> Result<AMQPUri, BrokerError> {
        self.parsed_uri_of(0)
    }

    fn parsed_uri_of(&self, node: usize) -> Result<AMQPUri, BrokerError> {
        let index = node % self.node_count();
        let secret = match index.checked_sub(1) {
            None => &self.uri,
            Some(i) => self.cluster_uris.get(i).unwrap_or(&self.uri),
        };
        // amq-protocol-uri's parse errors quote the input, password included: drop them.
        AMQPUri::from_str(secret.expose_secret()).map_err(|_| BrokerError::InvalidUri {
            reason: "expected amqp[s]://[user:password@]host[:port][/vhost][?options]",
        })
    }
}

fn check_name(field: &'static str, name: &str) -> Result<(), BrokerError> {
    if name.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if name.len() > MAX_SHORT {
        return Err(invalid(field, "longer than 255 bytes"));
    }
    if name.starts_with("amq.") {
        // The broker refuses to declare anything named amq.* (ACCESS_REFUSED).
        return Err(invalid(
            field,
            "the `amq.` prefix is reserved by the broker",
        ));
    }
    Ok(())
}

fn invalid(field: &'static str, reason: &str) -> BrokerError {
    BrokerError::InvalidConfig {
        field,
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_published_names_and_valid() {
        let config = BrokerConfig::default();
        assert_eq!(config.commands_queue, "gc.commands");
        assert_eq!(config.commands_exchange, "gc.commands");
        assert_eq!(config.clients_exchange, "gc.clients");
        assert_eq!(config.events_exchange, "gc.events");
        assert_eq!(config.dead_letter_queue, "gc.commands.dlq");
        assert_eq!(config.sync_exchange, "ConnectorSync");
        assert_eq!(config.leader_lock_queue.as_deref(), Some("gc.leader"));
        assert_eq!(config.prefetch, 64);
        assert_eq!(config.heartbeat, Duration::from_secs(10));
        assert!(config.validate().is_ok());
    }

    #[test]
    fn endpoint_and_debug_never_show_the_password() {
        let config = BrokerConfig {
            uri: SecretString::from("amqp://bob:hunter2@mq.example:5673/prod".to_owned()),
            ..BrokerConfig::default()
        };
        assert_eq!(config.endpoint(), "mq.example:5673/prod");
        assert_eq!(BrokerConfig::default().endpoint(), "127.0.0.1:5672/%2f");
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn cluster_nodes_are_named_in_turn_without_credentials() {
        let config = BrokerConfig {
            uri: SecretString::from("amqp://bob:hunter2@mq1:5672/prod".to_owned()),
            cluster_uris: vec![
                SecretString::from("amqp://bob:hunter2@mq2:5673/prod".to_owned()),
                SecretString::from("amqp://bob:hunter2@mq3/prod".to_owned()),
            ],
            ..BrokerConfig::default()
        };
        assert!(config.validate().is_ok());
        assert_eq!(config.node_count(), 3);
        let names: Vec<String> = (0..4).map(|n| config.endpoint_of(n)).collect();
        assert_eq!(
            names,
            [
                "mq1:5672/prod",
                "mq2:5673/prod",
                "mq3:5672/prod",
                "mq1:5672/prod"
            ]
        );
        let mixed = BrokerConfig {
            cluster_uris: vec![SecretString::from(
                "amqps://bob:hunter2@mq2/prod".to_owned(),
            )],
            ..config.clone()
        };
        assert!(matches!(
            mixed.validate(),
            Err(BrokerError::InvalidConfig {
                field: "cluster_uris",
                ..
            })
        ));
        let broken = BrokerConfig {
            cluster_uris: vec![SecretString::from("http://bob:hunter2@mq2".to_owned())],
            ..config
        };
        let err = broken.validate().err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| !e.contains("hunter2")));
    }

    #[test]
    fn a_bad_uri_is_reported_without_quoting_it() {
        let config = BrokerConfig {
            uri: SecretString::from("http://bob:hunter2@mq".to_owned()),
            ..BrokerConfig::default()
        };
        let err = config.validate().err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| !e.contains("hunter2")),
            "{err:?}"
        );
        assert_eq!(config.endpoint(), "<invalid AMQP URI>");
    }

    #[test]
    fn the_configured_heartbeat_wins_over_the_uri() {
        let config = BrokerConfig {
            uri: SecretString::from("amqp://h/%2f?heartbeat=60".to_owned()),
            ..BrokerConfig::default()
        };
        let uri = config.connect_uri(0).ok();
        assert_eq!(uri.and_then(|u| u.query.heartbeat), Some(10));
    }

    #[test]
    fn tls_files_are_checked_with_the_rest_of_the_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let certified = rcgen::generate_simple_self_signed(vec!["mq.example".to_owned()]).unwrap();
        std::fs::write(&ca, certified.cert.pem()).unwrap();
        let amqps = |tls: BrokerTls| BrokerConfig {
            uri: SecretString::from("amqps://bob:hunter2@mq.example:5671/%2f".to_owned()),
            tls,
            ..BrokerConfig::default()
        };
        // amqps with the system roots, and with a readable CA file.
        assert!(amqps(BrokerTls::default()).validate().is_ok());
        let with_ca = BrokerTls {
            ca_file: Some(ca.clone()),
            ..BrokerTls::default()
        };
        assert!(amqps(with_ca.clone()).validate().is_ok());
        // A CA file that does not exist: a TLS error naming the file, not the URI.
        let missing = amqps(BrokerTls {
            ca_file: Some(dir.path().join("nope.pem")),
            ..BrokerTls::default()
        });
        let error = missing.validate().err().map(|e| e.to_string());
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("nope.pem") && !e.contains("hunter2")),
            "{error:?}"
        );
        assert!(missing.validate().is_err_and(|e| !e.is_transient()));
        // A client certificate without its key, or a key without its certificate.
        for tls in [
            BrokerTls {
                client_cert_file: Some(ca.clone()),
                ..BrokerTls::default()
            },
            BrokerTls {
                client_key_file: Some(ca.clone()),
                ..BrokerTls::default()
            },
        ] {
            assert!(matches!(
                amqps(tls).validate(),
                Err(BrokerError::InvalidConfig { .. })
            ));
        }
        // TLS files with a plain amqp:// URI would promise a protection that is not there.
        let plain = BrokerConfig {
            tls: with_ca,
            ..BrokerConfig::default()
        };
        assert!(matches!(
            plain.validate(),
            Err(BrokerError::InvalidConfig { field: "tls", .. })
        ));
    }

    #[test]
    fn unusable_values_are_rejected() {
        let bad = [
            BrokerConfig {
                prefetch: 0,
                ..BrokerConfig::default()
            },
            BrokerConfig {
                commands_queue: String::new(),
                ..BrokerConfig::default()
            },
            BrokerConfig {
                events_exchange: "amq.topic".to_owned(),
                ..BrokerConfig::default()
            },
            BrokerConfig {
                backoff_max: Duration::from_millis(1),
                ..BrokerConfig::default()
            },
            BrokerConfig {
                heartbeat: Duration::from_millis(500),
                ..BrokerConfig::default()
            },
            BrokerConfig {
                leader_lock_queue: Some("x".repeat(256)),
                ..BrokerConfig::default()
            },
            BrokerConfig {
                delivery_limit: Some(0),
                ..BrokerConfig::default()
            },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
    }
}
