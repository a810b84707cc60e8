//! One connection's worth of state: the connection, its channels, and whether it still lives.
//!
//! A session never heals. When anything about it fails (connection error, missed heartbeats, a
//! channel closed by the broker, a consumer cancelled by the broker) it is marked lost, the
//! supervisor drops it and opens a new one with a higher `epoch`. That keeps recovery in one
//! place and makes stale delivery tokens easy to recognise.

use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use futures::Stream;
use lapin::options::{BasicQosOptions, ConfirmSelectOptions};
use lapin::tcp::{AMQPUriTcpExt as _, RustlsConnector};
use lapin::types::ShortString;
use lapin::uri::{AMQPScheme, AMQPUri};
use lapin::{Channel, Connection, ConnectionProperties, Event};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use crate::{BrokerConfig, BrokerError, topology};

/// How long closing a connection may take before we walk away from it.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// lapin's connection-level events (errors, blocked/unblocked).
pub(crate) type ConnectionEvents = Pin<Box<dyn Stream<Item = Event> + Send>>;

/// A live (or just-lost) connection with the channels the adapter uses.
pub(crate) struct Session {
    /// Increases with every connection; delivery tokens carry it.
    pub(crate) epoch: u64,
    /// Which configured node this connection is to (index into the node list).
    pub(crate) node: usize,
    /// That node's `host:port/vhost`.
    pub(crate) endpoint: String,
    pub(crate) connection: Connection,
    /// Confirm-mode channel for every publish (events, replies, DLQ copies, sync).
    pub(crate) publish: Channel,
    /// Channel of the command and sync consumers (prefetch set per consumer).
    pub(crate) consume: Channel,
    /// This instance's server-named ConnectorSync queue.
    pub(crate) sync_queue: ShortString,
    lost: CancellationToken,
    stopping: CancellationToken,
    reason: Mutex<Option<String>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("epoch", &self.epoch)
            .field("alive", &self.is_alive())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Connects to node `node`, declares the topology and opens the channels, all within
    /// `connect_timeout`.
    pub(crate) async fn open(
        config: &BrokerConfig,
        epoch: u64,
        node: usize,
    ) -> Result<(Self, ConnectionEvents), BrokerError> {
        let node = node % config.node_count();
        let endpoint = config.endpoint_of(node);
        match timeout(
            config.connect_timeout,
            Self::open_unbounded(config, epoch, node, &endpoint),
        )
        .await
        {
            Ok(opened) => opened,
            Err(_) => Err(BrokerError::ConnectTimeout {
                endpoint,
                after: config.connect_timeout,
            }),
        }
    }

    async fn open_unbounded(
        config: &BrokerConfig,
        epoch: u64,
        node: usize,
        endpoint: &str,
    ) -> Result<(Self, ConnectionEvents), BrokerError> {
        let setup = |source| BrokerError::Connect {
            endpoint: endpoint.to_owned(),
            source,
        };
        let uri = config.connect_uri(node)?;
        let properties = ConnectionProperties::default()
            .with_connection_name(format!("gc-broker {}", config.instance_id).into());
        // No lapin auto-recovery: the supervisor reconnects (see the crate docs for why).
        let connection = match uri.scheme {
            AMQPScheme::AMQP => Connection::connect_uri(uri, properties).await,
            AMQPScheme::AMQPS => {
                let tls = RustlsConnector::from(config.tls.client_config()?);
                connect_tls(uri, properties, tls).await
            }
        }
        .map_err(setup)?;
        let events: ConnectionEvents = Box::pin(connection.events_listener());
        let publish = connection.create_channel().await.map_err(setup)?;
        topology::declare(&connection, &publish, config).await?;
        publish
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(setup)?;
        let consume = connection.create_channel().await.map_err(setup)?;
        consume
            .basic_qos(config.prefetch, BasicQosOptions { global: false })
            .await
            .map_err(setup)?;
        let sync_queue = topology::declare_sync_queue(&consume, config).await?;
        let session = Self {
            epoch,
            node,
            endpoint: endpoint.to_owned(),
            connection,
            publish,
            consume,
            sync_queue,
            lost: CancellationToken::new(),
            stopping: CancellationToken::new(),
            reason: Mutex::new(None),
        };
        Ok((session, events))
    }

    /// Marks the session lost (first reason wins) and wakes everyone waiting on it.
    pub(crate) fn fail(&self, reason: impl Into<String>) {
        {
            let mut slot = self.reason.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.is_none() {
                *slot = Some(reason.into());
            }
        }
        self.lost.cancel();
    }

    /// Why the session was lost.
    pub(crate) fn reason(&self) -> String {
        self.reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or_else(|| "unknown".to_owned())
    }

    pub(crate) fn is_alive(&self) -> bool {
        !self.lost.is_cancelled()
    }

    /// Resolves once the session is lost.
    pub(crate) async fn lost(&self) {
        self.lost.cancelled().await;
    }

    /// Graceful shutdown has begun: consumers stop, but the connection stays up for in-flight
    /// publishes and acks.
    pub(crate) fn begin_stopping(&self) {
        self.stopping.cancel();
    }

    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    /// Resolves once graceful shutdown has begun.
    pub(crate) async fn stopping(&self) {
        self.stopping.cancelled().await;
    }

    /// Whether the connection and both channels are still open in lapin's view. A channel the
    /// broker closed (e.g. a publish to a deleted exchange) shows up here.
    pub(crate) fn healthy(&self) -> bool {
        self.connection.status().connected()
            && self.publish.status().connected()
            && self.consume.status().connected()
    }

    /// Closes the connection (and with it every channel, consumer and exclusive queue, the
    /// leader lock included). Best effort and bounded: the connection may already be dead.
    pub(crate) async fn close(&self) {
        if self.connection.status().connected() {
            // Channels first: a channel still open when the connection closes is closed again
            // when its handle drops, which lapin reports as a connection error.
            for channel in [&self.publish, &self.consume] {
                if channel.status().connected() {
                    let closing = channel.close(200, "connector shutting down".into());
                    if let Ok(Err(err)) = timeout(CLOSE_TIMEOUT, closing).await {
                        tracing::debug!(epoch = self.epoch, error = %err, "closing a channel");
                    }
                }
            }
            let closing = self.connection.close(200, "connector shutting down".into());
            if let Ok(Err(err)) = timeout(CLOSE_TIMEOUT, closing).await {
                tracing::debug!(epoch = self.epoch, error = %err, "closing the connection");
            }
        }
    }
}

/// Opens an `amqps://` connection with our rustls configuration: TCP, then the TLS handshake
/// (server name = the URI's host, a DNS name or an IP address), then AMQP over it. lapin's own
/// `amqps` path would trust the system roots *plus* a configured CA; this one trusts exactly
/// what [`BrokerTls`](crate::BrokerTls) says.
async fn connect_tls(
    uri: AMQPUri,
    properties: ConnectionProperties,
    tls: RustlsConnector,
) -> lapin::Result<Connection> {
    let runtime = lapin::runtime::default_runtime()?;
    let connect = async move |uri: AMQPUri, runtime| {
        let host = uri.authority.host.clone();
        let mut tcp = uri;
        tcp.scheme = AMQPScheme::AMQP;
        let stream = tcp.connect_async(&runtime).await?;
        stream.into_rustls(&tls, &host).await.map_err(|error| {
            // rustls' reason (an unknown issuer, a name mismatch, an alert from the broker)
            // is the useful part; the broker is named by the caller.
            lapin::Error::from(std::io::Error::new(
                error.kind(),
                format!("TLS handshake failed: {error}"),
            ))
        })
    };
    Connection::connector(uri, runtime, connect, properties).await
}

/// Watches lapin's connection events and fails the session on the first error (connection
/// closed by the broker, IO error, missed heartbeats).
pub(crate) async fn watch_connection(
    session: std::sync::Arc<Session>,
    mut events: ConnectionEvents,
) {
    use futures::StreamExt as _;
    loop {
        tokio::select! {
            () = session.lost() => return,
            event = events.next() => match event {
                // A channel-level error (RESOURCE_LOCKED on the lock channel, NOT_FOUND on a
                // passive declare) closes that channel only. lapin reports it here too; if it
                // hit one of the channels we depend on, the health check notices.
                Some(Event::Error(err)) if err.is_amqp_soft_error() => {
                    tracing::debug!(epoch = session.epoch, error = %err, "channel error");
                }
                Some(Event::Error(err)) => {
                    session.fail(format!("connection error: {err}"));
                    return;
                }
                Some(Event::ConnectionBlocked(reason)) => {
                    tracing::warn!(epoch = session.epoch, %reason, "broker blocked publishing");
                }
                Some(Event::ConnectionUnblocked) => {
                    tracing::info!(epoch = session.epoch, "broker unblocked publishing");
                }
                Some(_) => {}
                None => {
                    session.fail("connection event stream ended");
                    return;
                }
            },
        }
    }
}
