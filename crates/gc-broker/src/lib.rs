//! The Generic Connector's AMQP 0-9-1 adapter (RabbitMQ, through lapin).
//!
//! It moves bytes and properties between RabbitMQ and the connector's driver; it does not
//! interpret commands. [`Broker::start`] connects, declares the topology of the client
//! contract (design.md 4 and 6), and hands back a cheap-to-clone [`Broker`] plus a receiver
//! of [`BrokerEvent`]s: commands, ConnectorSync messages, connection and leadership changes,
//! and unroutable publishes.
//!
//! # Guarantees
//! * Commands are consumed with manual acks and a bounded prefetch; a command is acked only
//!   when the driver calls [`Broker::ack`], which it does after the publishes the command
//!   caused were confirmed ([`Broker::publish`] returns only after the broker's confirm).
//! * A command that cannot be attributed to an agent is copied to the dead-letter queue with
//!   header `x-gc-reason`, the copy is confirmed, and only then is the original acked.
//! * Publishes to client destinations and reply queues are `mandatory`: a message nobody is
//!   bound for is counted and reported as [`BrokerEvent::Returned`], not lost silently and not
//!   an error.
//! * After a broker restart or a forced close the adapter reconnects with capped, jittered
//!   backoff, re-declares the topology, re-runs leadership and consumes again. Tokens from the
//!   dead connection become no-ops (the broker has requeued those deliveries already).
//!
//! Delivery is at least once: a redelivered command may have been executed before; the
//! driver de-duplicates by message id (design.md 6).
//!
//! # Recovery: what lapin does and what this crate does
//! lapin provides the connection, channels, heartbeats, per-message confirm futures, returned
//! messages and poisoned ackers. Its automatic recovery is *not* enabled: the `supervisor`
//! task notices a lost connection (lapin's connection events, consumer stream errors, a
//! periodic status check), throws the whole session away, and opens a new one after
//! `backoff_min` doubling to `backoff_max` with jitter. See `supervisor.rs` for why.
//!
//! # Layout
//! - `amqp1`: the pure decoder of AMQP 1.0 sections, for commands sent over AMQP 1.0.
//! - `config`: [`BrokerConfig`], every name and bound, the URI kept secret.
//! - `tls`: [`BrokerTls`], trust and client certificate of `amqps://` connections.
//! - `error`: [`BrokerError`], the crate's one error type.
//! - `message`: [`CommandDelivery`], [`DeliveryToken`], [`OutgoingMessage`], [`Target`] and
//!   their pure mapping to and from AMQP properties.
//! - `topology`: the exchanges, queues and bindings declared on every connect.
//! - `session`: one connection with its channels, and how it is judged dead.
//! - `publisher`: routing of targets and publish-and-wait-for-confirm.
//! - `consumer`: the command and ConnectorSync consumers.
//! - `leadership`: the exclusive-queue leader lock.
//! - `supervisor`: the reconnect loop and the state shared with the handles.
//! - `reconnect`: the capped exponential backoff.
//!
//! # Never
//! The AMQP URI (it holds the password) is never logged and never part of an error: logs name
//! the broker `host:port/vhost`. Message bodies are never logged (a `Connect` body holds an
//! agent's password). Nothing a peer sends can panic this crate.

pub mod amqp1;
mod config;
mod consumer;
mod error;
mod leadership;
mod message;
pub mod outbox;
mod publisher;
mod reconnect;
mod session;
mod settle;
mod supervisor;
mod tls;
mod topology;

use std::fmt;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use config::{BrokerConfig, QueueType};
pub use error::BrokerError;
pub use message::{
    CommandDelivery, DEFAULT_JMS_TYPE, DeliveryToken, HASHED_ID_PREFIX, MAX_HEADER_TEXT, MAX_ID,
    MAX_REASON, OutgoingMessage, Target,
};
pub use outbox::runner::Outbox;
pub use tls::BrokerTls;

use supervisor::Inner;

/// What the adapter tells the driver. Drain the receiver promptly: consumers wait for room
/// (that is the backpressure), and so does the supervisor when it reports a lost connection.
pub enum BrokerEvent {
    /// A command from the command queue; hand its token back through [`Broker::ack`] or
    /// [`Broker::dead_letter`].
    Command(Box<CommandDelivery>),
    /// A ConnectorSync message from another instance (our own are filtered out by `app_id`).
    Sync {
        /// The payload, as the peer published it.
        body: Vec<u8>,
        /// The sender's instance id (`app_id`), if it set one.
        from: Option<String>,
    },
    /// A connection is up and the topology is declared (first connect and every reconnect).
    Connected,
    /// The connection was lost (or closed by shutdown); the adapter is reconnecting.
    Disconnected {
        /// Why, without credentials.
        reason: String,
    },
    /// This instance became leader (`true`) or stopped being leader (`false`). Reported on
    /// every change, and once when the first attempt finds another leader.
    Leadership(bool),
    /// A `mandatory` publish that no queue was bound for: the broker returned it.
    Returned {
        /// The exchange it was published to (empty: default exchange).
        exchange: String,
        /// Its routing key (the destination or reply queue).
        routing_key: String,
    },
}

impl fmt::Debug for BrokerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Command(command) => f.debug_tuple("Command").field(command).finish(),
            Self::Sync { body, from } => f
                .debug_struct("Sync")
                .field("body_len", &body.len())
                .field("from", from)
                .finish(),
            Self::Connected => f.write_str("Connected"),
            Self::Disconnected { reason } => f
                .debug_struct("Disconnected")
                .field("reason", reason)
                .finish(),
            Self::Leadership(leader) => f.debug_tuple("Leadership").field(leader).finish(),
            Self::Returned {
                exchange,
                routing_key,
            } => f
                .debug_struct("Returned")
                .field("exchange", exchange)
                .field("routing_key", routing_key)
                .finish(),
        }
    }
}

/// Counters since start, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BrokerStats {
    /// Connections established (1 + reconnects).
    pub connections: u64,
    /// Publishes the broker returned as unroutable.
    pub returned: u64,
    /// Commands copied to the dead-letter queue and acked.
    pub dead_lettered: u64,
    /// Acks and dead-letters of tokens from a connection that no longer exists (no-ops).
    pub stale_tokens: u64,
    /// `Returned` events dropped because the event channel was full (still counted above).
    pub dropped_events: u64,
}

/// Handle to the adapter. Cheap to clone; when the last clone is dropped the adapter shuts
/// down as if [`Broker::shutdown`] had been called.
#[derive(Clone, Debug)]
pub struct Broker {
    inner: Arc<Inner>,
    _owner: Arc<Owner>,
}

/// Shuts the supervisor down when the last [`Broker`] handle goes away.
#[derive(Debug)]
struct Owner(CancellationToken);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl Broker {
    /// Validates `config`, connects, declares the topology and starts the supervisor task that
    /// keeps a connection up from then on. Fails if the first connect fails, so a wrong URI,
    /// credentials or topology conflict is reported at start instead of retried forever.
    pub async fn start(
        config: BrokerConfig,
    ) -> Result<(Self, mpsc::Receiver<BrokerEvent>), BrokerError> {
        config.validate()?;
        let first = supervisor::first_session(&config).await?;
        let (events, receiver) = mpsc::channel(config.event_capacity);
        let inner = Arc::new(Inner::new(config, events, first.0.endpoint.clone()));
        tokio::spawn(supervisor::run(inner.clone(), first));
        let owner = Arc::new(Owner(inner.shutdown.clone()));
        Ok((
            Self {
                inner,
                _owner: owner,
            },
            receiver,
        ))
    }

    /// Publishes an event or reply with the properties of docs/protocol.md section 2 and
    /// returns once the broker confirmed it. Waits for a connection (within
    /// `publish_timeout`) if the adapter is reconnecting. Never retries after handing the
    /// message over, so an error means "unknown". For a stream of publications with ordered
    /// settlements, use an [`Outbox`].
    pub async fn publish(&self, msg: OutgoingMessage) -> Result<(), BrokerError> {
        self.inner.publish_message(&msg).await.map(drop)
    }

    /// Publishes `body` to the ConnectorSync fanout exchange (transient, with `sync_ttl`) and
    /// returns once confirmed. Peers receive it as [`BrokerEvent::Sync`].
    pub async fn publish_sync(&self, body: impl Into<bytes::Bytes>) -> Result<(), BrokerError> {
        let msg = OutgoingMessage {
            target: Target::Sync,
            body: body.into(),
            content_type: "application/octet-stream",
            category: "sync",
            correlation_id: None,
            jms_type: None,
        };
        self.publish(msg).await
    }

    /// Acks a command. A token from a connection that has since been lost is a no-op: the
    /// broker has already requeued that delivery (it will come again, marked redelivered).
    pub async fn ack(&self, token: DeliveryToken) {
        self.inner.ack(token).await;
    }

    /// Puts a command back in its queue (redelivered later, marked redelivered). A stale
    /// token is a no-op.
    pub async fn requeue(&self, token: DeliveryToken) {
        self.inner.requeue(token).await;
    }

    /// Dead-letters a command: publishes a copy to the dead-letter queue with header
    /// `x-gc-reason` = `reason` (plus the original properties and headers), waits for its
    /// confirm, then acks the original. If the copy cannot be confirmed the original is
    /// requeued instead, so it is never lost. A stale token is a no-op.
    pub async fn dead_letter(&self, token: DeliveryToken, reason: &str) {
        self.inner.dead_letter(token, reason, None).await;
    }

    /// Stops consuming, waits (up to `shutdown_grace`) for publishes, acks and dead-letters in
    /// flight, steps down as leader, and closes the channels and the connection.
    pub async fn shutdown(self) {
        self.inner.shutdown.cancel();
        self.inner.stopped.cancelled().await;
    }

    /// Whether a connection is up right now.
    pub fn is_connected(&self) -> bool {
        self.inner
            .current
            .borrow()
            .as_ref()
            .is_some_and(|s| s.is_alive())
    }

    /// Whether this instance holds the leader lock (as last reported).
    pub fn is_leader(&self) -> bool {
        self.inner.is_leader()
    }

    /// Counters since start.
    pub fn stats(&self) -> BrokerStats {
        self.inner.stats()
    }

    /// `host:port/vhost` of the node of the current connection (of the last one while
    /// reconnecting), for logs and health output. Never with credentials.
    pub fn endpoint(&self) -> String {
        self.inner.endpoint.borrow().clone()
    }

    /// Follows [`Self::endpoint`]: changes whenever a connection comes up on another node.
    pub fn watch_endpoint(&self) -> tokio::sync::watch::Receiver<String> {
        self.inner.endpoint.subscribe()
    }
}
