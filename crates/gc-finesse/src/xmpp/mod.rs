//! The Finesse Notification Service client: one XMPP session per agent, as a cheap tokio task.
//!
//! Written over quick-xml instead of tokio-xmpp (see the crate docs for why). The layers:
//! - [`framing`]: bytes → stream header / stanzas / stream end (pure, incremental);
//! - `stanzas`: outgoing stanza text and incoming shapes (pure);
//! - `transport`: TCP, direct TLS or STARTTLS, SASL PLAIN, resource binding, initial presence;
//! - `session`: the per-agent task: notifications out, keep-alive pings while the connection
//!   is quiet, explicit pubsub subscriptions, reconnect with capped backoff (backon), moving to
//!   the other node on failover.

pub mod framing;
mod session;
mod stanzas;
mod transport;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use backon::ExponentialBuilder;

pub use session::{SessionEvent, SessionEventKind, SessionId, XmppSession};

use crate::Error;
use crate::failover::NodeId;
use crate::tls::TlsSettings;

/// How the TCP connection to the notification service is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XmppSecurity {
    /// Plain TCP, no TLS (the simulator; Finesse 5222 with TLS disabled). Refused if the server
    /// requires STARTTLS.
    Plain,
    /// Plain TCP upgraded with STARTTLS (Finesse 5222).
    StartTls,
    /// TLS from the first byte (Finesse 5223).
    DirectTls,
}

/// Where one node's notification service listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmppEndpoint {
    /// Host to connect to.
    pub host: String,
    /// Port (5222 plain/STARTTLS, 5223 direct TLS).
    pub port: u16,
    /// XMPP domain (SystemInfo `xmppDomain`; normally the node FQDN).
    pub domain: String,
    /// PubSub service (SystemInfo `xmppPubSubDomain`; normally `pubsub.<domain>`).
    pub pubsub_domain: String,
    /// Transport security.
    pub security: XmppSecurity,
    /// Name to verify the TLS certificate against; the host when `None`.
    pub tls_name: Option<String>,
}

impl XmppEndpoint {
    /// An endpoint with the usual `pubsub.<domain>` service.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        domain: impl Into<String>,
        security: XmppSecurity,
    ) -> Self {
        let domain = domain.into();
        Self {
            host: host.into(),
            port,
            pubsub_domain: format!("pubsub.{domain}"),
            domain,
            security,
            tls_name: None,
        }
    }

    /// `host:port`, for logs and errors.
    pub(crate) fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Settings shared by every session (held once, behind an `Arc`).
#[derive(Clone)]
pub struct XmppConfig {
    /// The resource is this prefix plus the agent id (never `desktop`, which the Finesse
    /// desktop uses).
    pub resource_prefix: String,
    /// Deadline for TCP connect + TLS + SASL + bind + presence.
    pub connect_timeout: Duration,
    /// A connection from which nothing arrived for this long gets an XEP-0199 ping (the
    /// official samples ping every 10 s). A connection that carries traffic is not pinged.
    pub ping_interval: Duration,
    /// The connection counts as dead when nothing arrives for this long.
    pub idle_timeout: Duration,
    /// Reconnect delays: the session draws from this schedule (and never gives up; any
    /// `max_times` is ignored), starting over after every connection that came up. Jitter
    /// keeps thousands of sessions that lost the same node from reconnecting at the same
    /// instant (finesse-api.md §7.3).
    pub backoff: ExponentialBuilder,
    /// Capacity of each session's command queue.
    pub command_capacity: usize,
    tls: Arc<rustls::ClientConfig>,
}

impl fmt::Debug for XmppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XmppConfig")
            .field("resource_prefix", &self.resource_prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("ping_interval", &self.ping_interval)
            .field("idle_timeout", &self.idle_timeout)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl XmppConfig {
    /// Defaults (a ping after 10 s of quiet, 35 s idle limit, reconnect delays doubling from
    /// 0.5 s to 15 s plus up to as much again of jitter, so 0.5 s … 30 s) with the given
    /// trust.
    pub fn new(tls: &TlsSettings) -> Result<Self, Error> {
        Ok(Self {
            resource_prefix: "gc-".to_owned(),
            connect_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(35),
            backoff: ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(500))
                .with_max_delay(Duration::from_secs(15))
                .with_jitter()
                .without_max_times(),
            command_capacity: 8,
            tls: Arc::new(tls.client_config()?),
        })
    }
}

/// The node a session should be connected to right now; `None` while no node is usable.
/// Sessions watch a `tokio::sync::watch` of this and move when it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveEndpoint {
    /// Which node.
    pub node: NodeId,
    /// Its notification service.
    pub endpoint: Arc<XmppEndpoint>,
}
