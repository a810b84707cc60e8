//! The Generic Connector's client wire protocol.
//!
//! Clients send commands JMS-style: the JMS type is `<Command>#<argument>` and the body holds the
//! comma-separated parameters. The connector answers with events, as the legacy `#`-delimited
//! text of the seed's "GC Output Messages" table or as the seed's JSON shapes.
//!
//! # Layout
//! - [`command`]: [`Command`], parsed from `(JMS type, body)` and written back by `to_wire`.
//! - [`category`]: the seed's message categories.
//! - [`error_code`]: every error code a client can receive, with the seed's Errors table as data.
//! - [`event`]: [`Event`], one variant per output of the seed, rendered as legacy text or JSON.
//! - [`sync`]: messages between connector instances on `ConnectorSync` (O-025).
//! - [`ids`]: validated identifiers (agent, dialog, extension, destination …) and passwords.
//! - [`user_messages`]: the seed's User Messages table (code → human text).
//!
//! # Never
//! This crate does no IO, reads no clock and spawns nothing; it panics on no input.

pub mod category;
pub mod command;
mod error;
pub mod error_code;
pub mod event;
pub mod ids;
pub mod sync;
pub mod user_messages;

pub use category::Category;
pub use command::{AgentCommand, Command, CommandName, MobileAgentMode};
pub use error::{Param, ProtocolError};
pub use error_code::{ErrorCode, ErrorOrigin};
pub use event::{CallData, Event, Format, Participant, SystemStatus};
pub use ids::{
    AgentId, DestinationName, DialNumber, DialogId, Extension, InvalidValue, ObjectId, Password,
    ReasonCode, Text, valid_reply_to,
};
pub use sync::{AgentStateSync, SyncMessage};
