//! JSON shapes of the control API, shared by the server and [`super::ControlClient`].

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::cluster::NodeId;
pub use crate::eventlog::{Event, NotificationRecord, RequestRecord};
pub use crate::state::{InboundOffer, OutboundOffer, PreviewOffer};

/// A node's service status (SystemInfo `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NodeStatus {
    /// Serving.
    InService,
    /// REST answers 503 and no notifications are published (except SystemInfo).
    OutOfService,
}

/// Body of `PUT /nodes/{node}/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// The new status.
    pub status: NodeStatus,
}

/// Body of `POST /directory/load`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadFile {
    /// A JSON directory file readable by the simulator process.
    pub path: PathBuf,
}

/// A node as the control API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    /// Which node.
    pub node: NodeId,
    /// Listening or stopped.
    pub running: bool,
    /// IN_SERVICE or OUT_OF_SERVICE.
    pub status: NodeStatus,
    /// REST listener.
    pub rest_addr: SocketAddr,
    /// XMPP listener.
    pub xmpp_addr: SocketAddr,
    /// REST base URL.
    pub base_url: String,
}

/// Answer of the call-offering endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialogCreated {
    /// The new dialog's id.
    pub dialog_id: u64,
}

/// An agent's runtime state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentView {
    /// Login id.
    pub login_id: String,
    /// Finesse state (`LOGOUT`, `READY`, …).
    pub state: String,
    /// Pending state, empty when none.
    pub pending_state: String,
    /// `reasonCodeId` (-1 when none).
    pub reason_code_id: i64,
    /// The reason's numeric code (255 for a forced logout, …).
    pub reason_code: Option<u32>,
    /// Signed-in extension.
    pub extension: String,
    /// Available XMPP sessions.
    pub xmpp_sessions: u32,
    /// Locked out after wrong passwords.
    pub locked: bool,
    /// Dialogs on the agent's Dialogs node.
    pub dialogs: Vec<u64>,
}

/// One participant of a dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantView {
    /// Media address.
    pub address: String,
    /// Agent login id, for agent devices that see the dialog.
    pub agent: Option<String>,
    /// Participant state.
    pub state: String,
    /// Allowed actions now.
    pub actions: Vec<String>,
}

/// A dialog's runtime state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialogView {
    /// Id.
    pub id: u64,
    /// callType.
    pub call_type: String,
    /// Dialog state.
    pub state: String,
    /// fromAddress.
    pub from_address: String,
    /// toAddress.
    pub to_address: String,
    /// associatedDialogUri.
    pub associated_dialog_uri: String,
    /// secondaryId.
    pub secondary_id: String,
    /// Call variables.
    pub variables: Vec<(String, String)>,
    /// wrapUpReason.
    pub wrap_up_reason: Option<String>,
    /// Participants.
    pub participants: Vec<ParticipantView>,
}

/// Answer of `GET /events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsReply {
    /// Sequence number of the newest record (pass it as `since` next time).
    pub last: u64,
    /// Records newer than `since`.
    pub events: Vec<Event>,
}

/// Error body of every failing control call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReply {
    /// What went wrong.
    pub error: String,
}
