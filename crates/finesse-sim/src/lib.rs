//! A Cisco Finesse simulator: REST API, XMPP notification service and a JSON control API,
//! close enough to a real Finesse cluster that a client written against it works against the
//! real one. It is the Finesse of the connector's tests and of demos without a Cisco lab.
//!
//! ```no_run
//! # async fn demo() -> Result<(), finesse_sim::SimError> {
//! use finesse_sim::{Cluster, NodeId, SimConfig};
//! let cluster = Cluster::start(SimConfig::default()).await?;
//! let primary = cluster.node(NodeId::Primary);
//! println!("REST {} XMPP {}", primary.base_url, primary.xmpp_addr);
//! let control = cluster.control()?;
//! // Agent 1001 logs in and goes READY over REST, then:
//! let dialog = control.offer_inbound_call("1001", "00496912345678", &[("callVariable1", "42")]).await?;
//! # let _ = dialog; cluster.shutdown().await; Ok(()) }
//! ```
//!
//! # Behaviour
//! Writes answer 202 and their outcome arrives as an XMPP notification carrying the request's
//! `requestId`; invalid requests answer `ApiErrors` synchronously; transitions the CTI server
//! would refuse arrive as `apiErrors` notifications with a `CF_…` code. UCCE semantics by
//! default, UCCX behind [`Flavour::Uccx`]. See finesse-api.md for the reference.
//!
//! # Layout
//! * `config`, `directory`: what the simulator is told (ports, timers, agents, teams, …).
//! * `state`: the shared cluster state and every transition (no IO).
//! * `engine`: the single task applying writes in order, publishing effects, running timers.
//! * `render`, `api_error`, `xml`: Finesse's XML.
//! * `rest`, `xmpp`, `notify`: the two Finesse interfaces of a node and pubsub delivery.
//! * `control`: the JSON control API and its typed client.
//! * `cluster`, `net`: two nodes, listeners, stop/start.
//!
//! The simulator never panics on peer input: every network input is parsed into a result and
//! answered in Finesse's or XMPP's own error shapes.

#![forbid(unsafe_code)]

mod api_error;
mod cluster;
mod config;
pub mod control;
mod directory;
mod engine;
mod error;
mod eventlog;
mod net;
mod notify;
mod render;
mod rest;
mod state;
mod xml;
mod xmpp;

pub use crate::cluster::{Cluster, NodeId, NodeInfo};
pub use crate::config::{DirectorySource, Flavour, NodeConfig, SimConfig, TlsConfig};
pub use crate::directory::{
    AgentRecord, ContactRecord, Directory, PhoneBookRecord, QueueRecord, ReasonCodeRecord,
    TeamRecord, WrapUpReasonRecord,
};
pub use crate::error::SimError;
