//! The Generic Connector's client wire protocol.
//!
//! Clients send commands JMS-style: the JMS type is `<Command>#<argument>` and the body holds the
//! comma-separated parameters. The connector answers with events, as the legacy `#`-delimited
//! text of the seed's "GC Output Messages" table or as the seed's JSON shapes.
//!
//! # Layout
//! - [`error_code`]: every error code a client can receive, with the seed's Errors table as data.
//! - [`ids`]: validated identifiers (agent, dialog, extension, destination …) and passwords.
//! - [`user_messages`]: the seed's User Messages table (code → human text).
//!
//! # Never
//! This crate does no IO, reads no clock and spawns nothing; it panics on no input.

pub mod error_code;
pub mod ids;
pub mod user_messages;

pub use error_code::{ErrorCode, ErrorOrigin};
pub use ids::{
    AgentId, DestinationName, DialNumber, DialogId, Extension, InvalidValue, ObjectId, Password,
    ReasonCode, Text,
};
