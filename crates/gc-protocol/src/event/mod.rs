//! Events: what the connector tells clients, one variant per output of the seed (O-001 to O-031
//! and the JSON events), each rendered as the legacy `#` text ([`Format::Legacy`]) or as the
//! seed's JSON ([`Format::Json`]).
//!
//! Values that come from Finesse (names, labels, call variables) are plain strings here; the
//! legacy renderer replaces reserved characters inside them so a value can never split a field.
//!
//! # Layout
//! - `describe.rs`: every event described once (`Event::describe`): name, category, agent and
//!   its fields with their JSON keys and legacy positions. Adding an event is a variant here and
//!   an arm there; the seed's quirks and how they are described are listed in its module docs.
//! - `shape.rs`: the vocabulary of those descriptions (fields, values, nested records).
//! - `legacy.rs`, `json.rs`: the two writers, derived from the descriptions alone.
//! - `schema.rs`: JSON Schemas of the JSON events ([`json_schemas`]), from the same descriptions.
//! - `call.rs`: call data and its rules (call variables, release, Finesse times).
//! - `group.rs`: the connector group added to a rendered JSON event at publication
//!   ([`with_group`]).

mod call;
mod describe;
mod group;
mod json;
mod legacy;
mod schema;
mod shape;

pub use call::{CallData, Participant, finesse_time};
pub use group::{GROUP_KEY, with_group};
pub use schema::{JsonSchema, json_schemas};

use crate::{AgentId, Category, DestinationName, ErrorCode};

/// The seed's `<agent_full_name>`: first and last name, either alone when the other is empty.
pub fn full_name(first: &str, last: &str) -> String {
    match (first.trim(), last.trim()) {
        ("", last) => last.to_owned(),
        (first, "") => first.to_owned(),
        (first, last) => format!("{first} {last}"),
    }
}

/// The output format of a client destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// The seed's `#`-delimited text ("New format" where the seed gives two).
    #[default]
    Legacy,
    /// The seed's JSON shapes.
    Json,
}

impl Format {
    /// Parses `legacy` or `json` (any case), as in the `gc-format` header.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "legacy" | "text" | "default" => Some(Self::Legacy),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// The AMQP `content_type` of an event in this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Legacy => "text/plain",
            Self::Json => "application/json",
        }
    }
}

/// Finesse system status as clients see it (O-004, O-005, O-027).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SystemStatus {
    /// `IN_SERVICE`
    InService,
    /// `OUT_OF_SERVICE`
    OutOfService,
    /// `NOT_REACHABLE`
    NotReachable,
}

impl SystemStatus {
    /// Every wire spelling.
    pub const ALL: [&'static str; 3] = [
        Self::InService.as_str(),
        Self::OutOfService.as_str(),
        Self::NotReachable.as_str(),
    ];

    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InService => "IN_SERVICE",
            Self::OutOfService => "OUT_OF_SERVICE",
            Self::NotReachable => "NOT_REACHABLE",
        }
    }
}

/// The category of a reason-code list (O-016), spelled as the seed's JSON sample spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReasonCategory {
    /// `WrapUp`
    WrapUp,
    /// `LOGOUT`
    Logout,
    /// `NOT_READY`
    NotReady,
}

impl ReasonCategory {
    /// Every wire spelling.
    pub const ALL: [&'static str; 3] = [
        Self::WrapUp.as_str(),
        Self::Logout.as_str(),
        Self::NotReady.as_str(),
    ];

    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::WrapUp => "WrapUp",
            Self::Logout => "LOGOUT",
            Self::NotReady => "NOT_READY",
        }
    }
}

/// A team: id and name.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Team {
    /// Finesse team id.
    pub id: String,
    /// Team name.
    pub name: String,
}

/// One queue's statistics (O-019).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Queue name.
    pub name: String,
    /// Agents not ready.
    pub agents_not_ready: String,
    /// Agents ready.
    pub agents_ready: String,
    /// Agents talking on inbound calls.
    pub agents_talking_inbound: String,
    /// Agents talking on internal calls.
    pub agents_talking_internal: String,
    /// Agents talking on outbound calls.
    pub agents_talking_outbound: String,
    /// Agents in wrap-up, not ready.
    pub agents_wrap_up_not_ready: String,
    /// Agents in wrap-up, ready.
    pub agents_wrap_up_ready: String,
    /// Calls waiting in the queue.
    pub calls_in_queue: String,
    /// Start time of the longest waiting call.
    pub start_time_of_longest_call_in_queue: String,
}

/// A team member as a supervisor sees it (O-020, O-021).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TeamMember {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Extension.
    pub extension: String,
    /// Login id.
    pub login_id: String,
    /// Agent state.
    pub state: String,
    /// Pending state.
    pub pending_state: String,
    /// Finesse media type.
    pub media_type: String,
    /// Time of the last state change, `yyyy-MM-dd HH:mm:ss`.
    pub state_change_time: String,
    /// Current reason code id (empty when none).
    pub reason_code: String,
}

/// A phone book (O-29, O-30).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Phonebook {
    /// Name.
    pub name: String,
    /// Finesse type: `GLOBAL` or `TEAM`.
    pub kind: String,
    /// Finesse id.
    pub id: String,
}

/// A phone book contact (O-31).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Contact {
    /// Description.
    pub description: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone number.
    pub phone_number: String,
    /// Finesse id.
    pub id: String,
}

/// An agent in an `Agents` list (getallagents).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AgentSummary {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Extension.
    pub extension: String,
}

/// A UI control and whether it should be shown (O-017).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Control {
    /// Index in the control table of docs/protocol.md.
    pub index: u32,
    /// Whether the control is visible / enabled.
    pub visible: bool,
}

/// An event for a client.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// O-001 Agent State.
    State {
        /// The agent.
        agent: AgentId,
        /// Agent state (`READY`, `NOT_READY`, `TALKING`, …).
        state: String,
        /// Reason code (empty when none).
        reason_code: String,
        /// Pending state (empty when none).
        pending_state: String,
        /// Time of the state change, `yyyy-MM-dd HH:mm:ss`.
        state_change_time: String,
        /// The agent's full name.
        full_name: String,
    },
    /// O-002 Error. Without an agent it reads `Error#<code>`.
    Error {
        /// The agent, when the error concerns one.
        agent: Option<AgentId>,
        /// The code.
        code: ErrorCode,
    },
    /// O-003 Print a message in the agent window.
    PrintStatusBar {
        /// The agent.
        agent: AgentId,
        /// The message.
        message: String,
    },
    /// O-004, O-005, O-027 System status.
    System(SystemStatus),
    /// O-006 the agent is logged out (`<agent>#LOGOUT`).
    LoggedOut {
        /// The agent.
        agent: AgentId,
    },
    /// O-007 the connector has no session for the agent: log in again.
    ReLogin {
        /// The agent.
        agent: AgentId,
    },
    /// O-008 Inbound call state (also the release, transfer and conference shapes).
    InboundCall {
        /// The agent.
        agent: AgentId,
        /// The agent's full name.
        full_name: String,
        /// The call.
        call: CallData,
    },
    /// O-009 New inbound call.
    NewInboundCall {
        /// The agent.
        agent: AgentId,
        /// The call.
        call: CallData,
    },
    /// O-010 Consult call state.
    ConsultCall {
        /// The agent.
        agent: AgentId,
        /// The agent's full name.
        full_name: String,
        /// The consult call (its id is the `AssDialogID`).
        call: CallData,
    },
    /// O-011 Agent info upon login.
    AgentInfo {
        /// The agent.
        agent: AgentId,
        /// First name.
        first_name: String,
        /// Last name.
        last_name: String,
        /// Whether the agent is a supervisor.
        supervisor: bool,
        /// Wrap-up mode on incoming calls (OPTIONAL, REQUIRED, NOT_ALLOWED, …).
        wrap_up_mode: String,
        /// The agent's own team.
        team: Team,
        /// The teams a supervisor supervises.
        teams: Vec<Team>,
    },
    /// O-012 Supervisor team ids.
    TeamInfoIds {
        /// The supervisor.
        agent: AgentId,
        /// Team ids.
        team_ids: Vec<String>,
        /// The supervisor's full name.
        full_name: String,
    },
    /// O-013 Supervisor team names.
    TeamInfoNames {
        /// The supervisor.
        agent: AgentId,
        /// Team names.
        team_names: Vec<String>,
        /// The supervisor's full name.
        full_name: String,
    },
    /// O-014 reply to getdialogstate.
    DialogState {
        /// The agent.
        agent: AgentId,
        /// The agent's full name.
        full_name: String,
        /// The dialog (state `NOT_FOUND` when the agent has no such dialog).
        call: CallData,
        /// The associated (consult) dialog, if any.
        associated: Option<CallData>,
    },
    /// O-015 reply to getdialogstatecontrols.
    DialogStateControls {
        /// The agent.
        agent: AgentId,
        /// `InboundCall` or `ConsultCall`.
        dialog_type: String,
        /// Dialog state.
        state: String,
        /// Dialog id.
        dialog_id: String,
        /// The agent's full name.
        full_name: String,
    },
    /// O-016 Reason codes.
    ReasonCodes {
        /// The agent.
        agent: AgentId,
        /// The category asked for.
        category: ReasonCategory,
        /// `(code, label)` pairs.
        codes: Vec<(String, String)>,
        /// The agent's full name.
        full_name: String,
    },
    /// O-017 Controls.
    Controls {
        /// The agent.
        agent: AgentId,
        /// Control visibility flags.
        controls: Vec<Control>,
    },
    /// O-018 dialog state without controls (deprecated in the seed).
    DialogStateBrief {
        /// The agent.
        agent: AgentId,
        /// Dialog state.
        state: String,
        /// Dialog id.
        dialog_id: String,
        /// The agent's full name.
        full_name: String,
    },
    /// O-019 Queue list.
    QueueList {
        /// The supervisor.
        agent: AgentId,
        /// Queues.
        queues: Vec<QueueStats>,
    },
    /// O-020 Team users list.
    TeamUsersList {
        /// The supervisor.
        agent: AgentId,
        /// Team members.
        users: Vec<TeamMember>,
    },
    /// O-021 a team member's state changed.
    TeamMemberStateChanged {
        /// The supervisor.
        agent: AgentId,
        /// Team id.
        team_id: String,
        /// The member and its new state.
        member: TeamMember,
    },
    /// O-022 Conference participants.
    ConferenceParticipants {
        /// The supervisor.
        agent: AgentId,
        /// Participant extensions.
        extensions: Vec<String>,
    },
    /// O-023 Reconnect (deprecated in the seed; RE_LOGIN replaces it).
    Reconnect {
        /// The agent.
        agent: AgentId,
        /// The JMS type of the request to repeat after reconnecting.
        request_type: String,
        /// The body of that request (never one carrying a password).
        request_text: String,
    },
    /// O-024 Dialogs after a failover.
    DialogStatus {
        /// The agent.
        agent: AgentId,
        /// The dialog.
        call: CallData,
        /// The associated dialog, if any.
        associated: Option<CallData>,
    },
    /// O-026 a client destination must reconnect (send Hello and Connect again).
    DestinationReconnect {
        /// The destination.
        destination: DestinationName,
    },
    /// O-028 New outbound call (the second Finesse packet, with BA* variables).
    NewOutboundCall {
        /// The agent.
        agent: AgentId,
        /// The call.
        call: CallData,
    },
    /// New outbound preview call (JSON event of the seed).
    NewOutboundPreviewCall {
        /// The agent.
        agent: AgentId,
        /// The call.
        call: CallData,
    },
    /// O-29 Team and global phone books.
    Phonebooks {
        /// The agent who asked.
        agent: AgentId,
        /// Phone books.
        books: Vec<Phonebook>,
    },
    /// O-30 Team phone books.
    TeamPhonebooks {
        /// The agent who asked.
        agent: AgentId,
        /// Phone books.
        books: Vec<Phonebook>,
    },
    /// O-31 Contacts of a phone book.
    PhonebookContacts {
        /// The agent who asked.
        agent: AgentId,
        /// The phone book.
        phonebook_id: String,
        /// Contacts.
        contacts: Vec<Contact>,
    },
    /// Logged-in agents (JSON "Get All Agents" of the seed).
    Agents {
        /// The agent who asked.
        agent: AgentId,
        /// Agents.
        users: Vec<AgentSummary>,
    },
}

impl Event {
    /// The event's name as it appears in the legacy text, e.g. `State`, `InboundCall`.
    pub fn name(&self) -> &'static str {
        self.describe(|d| d.name)
    }

    /// The seed's category of the output.
    pub fn category(&self) -> Category {
        self.describe(|d| d.category)
    }

    /// The agent the event is about, if any.
    pub fn agent(&self) -> Option<&AgentId> {
        self.describe(|d| d.agent)
    }

    /// The routing key on the integration events exchange: `<category>.<agentId>`, with `all`
    /// for events about no agent (design.md 4.3).
    pub fn events_routing_key(&self) -> String {
        self.describe(|d| {
            let who = d.agent.map_or("all", AgentId::as_str);
            format!("{}.{who}", d.category.as_str())
        })
    }

    /// The JMS type the event must carry, when the seed gives one (O-023 carries the request's
    /// type); `None` means the default `TextMessage`.
    pub fn jms_type(&self) -> Option<&str> {
        self.describe(|d| d.jms_type)
    }

    /// Renders the event in the given format.
    pub fn render(&self, format: Format) -> String {
        self.describe(|d| match format {
            Format::Legacy => legacy::render(d),
            Format::Json => json::render(d),
        })
    }
}
