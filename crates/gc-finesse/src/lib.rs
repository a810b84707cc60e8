//! The connector's only way to reach Cisco Finesse: the IO around the typed Finesse
//! vocabulary of finesse-model.
//!
//! # Place in the whole
//! The engine (gc-core, sans-IO) decides what to ask Finesse, as a [`model::Request`], and
//! consumes [`model::Reply`]s and notifications ([`model::Notification`]). The binary
//! (gc-server) wires the two: it holds a [`FinesseCluster`], calls
//! [`RestClient::perform`] for each request the engine makes, opens one [`XmppSession`] per
//! connected agent, and feeds [`SessionEvent`]s and [`NodeEvent`]s back into the engine. This
//! crate decides nothing about agents; it moves bytes, maps failures to [`Error`] (with the
//! client's GC error code) and picks the Finesse node.
//!
//! # Layout
//! - [`model`]: finesse-model, re-exported (users of this crate need no second dependency).
//! - [`rest`]: [`RestClient`], whose one entry point [`RestClient::perform`] sends a
//!   [`model::Request`] as the agent (Basic auth, the `requestId` header on writes, timeouts,
//!   two connection tries per node, no retry after a 401) and reads its [`model::Reply`]; and
//!   [`RestClient::system_info`], the node health probe.
//! - [`xmpp`]: [`XmppSession`], a cheap task per agent: TCP / STARTTLS / direct TLS, SASL
//!   PLAIN, explicit resource, initial presence, XEP-0199 pings while the connection is quiet,
//!   reconnect with capped backoff, explicit XEP-0060 subscriptions, typed notifications out
//!   on an mpsc; [`xmpp::framing`] splits the byte stream into stanzas.
//! - [`failover`]: the node-selection state machine (pure) and [`failover::NodeEvent`].
//! - [`cluster`]: [`cluster::FinesseCluster`], the shell the driver holds: SystemInfo probes,
//!   the active node's REST client, sessions that follow the active node.
//! - [`error`]: [`Error`], its GC error code ([`Error::gc_code`]) and retry predicates.
//! - [`tls`]: one rustls (ring) client configuration for REST and XMPP, with an optional
//!   custom CA for Finesse's self-signed certificates.
//!
//! # Why the XMPP client is written here, not taken from tokio-xmpp
//! tokio-xmpp 6 was the preferred choice, but its TLS transports (`starttls`, `direct-tls`)
//! require its `dns` feature and so hickory-resolver, its default features pull aws-lc-rs, and
//! connecting to an explicit host and port with our own rustls configuration (custom CA, ring)
//! is only possible through its insecure-TCP path. The workspace allows rustls + ring only and
//! no hickory. What Finesse needs from XMPP is small (SASL PLAIN, bind, presence, ping, pubsub
//! subscribe, and body-less pubsub event messages, which several generic libraries drop), so
//! it is implemented over quick-xml: a pure incremental framer ([`xmpp::framing`]) and
//! finesse-model's element tree and notification decoder.
//!
//! # Never
//! - No password in a log line or an error: credentials travel as [`gc_protocol::Password`].
//! - No panic on anything Finesse or the network sends; malformed input ends at most that one
//!   connection, which reconnects. Other agents' sessions are separate tasks.
//! - No blind retry after HTTP 401 or a SASL failure: five failures lock the agent out.
//! - No agent on both nodes at once: a session holds one connection and closes it before
//!   moving.
//! - No translation into engine types: the engine reads finesse-model's types directly.

pub use finesse_model as model;

pub mod cluster;
pub mod error;
pub mod failover;
pub mod rest;
pub mod tls;
pub mod xmpp;

pub use cluster::{ClusterConfig, FinesseCluster, NodeConfig};
pub use error::Error;
pub use failover::{NodeEvent, NodeId};
pub use rest::{Credentials, RequestId, RestClient, RestConfig};
pub use xmpp::{
    SessionEvent, SessionEventKind, SessionId, XmppConfig, XmppEndpoint, XmppSecurity, XmppSession,
};
