//! The connector's only way to reach Cisco Finesse: typed XML models, a REST client that acts
//! as the agent, one XMPP notification session per agent, and primary/secondary failover.
//!
//! # Layout
//! - [`model`]: typed Finesse objects (User, Dialog, ReasonCodes, WrapUpReasons, PhoneBooks,
//!   Contacts, Team, Queue, SystemInfo, ApiErrors) and the notification envelope; parse from
//!   REST bodies and XMPP payloads, format request bodies. Pure.
//! - [`rest`]: [`rest::RestClient`], one method per Finesse operation; Basic auth as the agent,
//!   a caller-chosen `requestId` on every write, timeouts, two connection tries per node,
//!   failures mapped to [`Error`].
//! - [`xmpp`]: [`xmpp::XmppSession`], a cheap task per agent: TCP / STARTTLS / direct TLS, SASL
//!   PLAIN, explicit resource, initial presence, XEP-0199 pings, reconnect with capped
//!   backoff, explicit XEP-0060 subscriptions, typed notifications out on an mpsc.
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
//! it is implemented over quick-xml: a pure incremental framer ([`xmpp::framing`]) and the
//! same case-insensitive element tree the models use.
//!
//! # Never
//! - No password in a log line or an error: credentials travel as [`gc_protocol::Password`].
//! - No panic on anything Finesse or the network sends; malformed input ends at most that one
//!   connection, which reconnects. Other agents' sessions are separate tasks.
//! - No blind retry after HTTP 401 or a SASL failure: five failures lock the agent out.
//! - No agent on both nodes at once: a session holds one connection and closes it before
//!   moving.
//! - No translation into connector-core types: the core maps these models itself.

pub mod cluster;
pub mod error;
pub mod failover;
pub use finesse_model as model;
pub mod rest;
pub mod tls;
pub mod xmpp;

pub use cluster::{ClusterConfig, FinesseCluster, NodeConfig};
pub use error::Error;
pub use failover::{NodeEvent, NodeId};
pub use rest::{Credentials, RequestId, RestClient, RestConfig};
pub use xmpp::{
    SessionEvent, SessionEventKind, XmppConfig, XmppEndpoint, XmppSecurity, XmppSession,
};
