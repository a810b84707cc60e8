//! The runtime objects: agent (user) state and dialogs with their participants.
//!
//! These are plain data; the transitions live in `user.rs` (agent state machine), `calls.rs`
//! (call control) and `supervisor.rs`. Names and values are Finesse's own (finesse-api.md §2.3,
//! §3.3), so rendering is a straight mapping.

use std::collections::BTreeSet;

use serde::Serialize;
use tokio::time::Instant;

/// Agent (User) `state` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum AgentState {
    /// Signed out.
    Logout,
    /// Signed in, not taking routed calls.
    NotReady,
    /// Available for routed calls.
    Ready,
    /// A routed call is alerting.
    Reserved,
    /// Reserved by the outbound dialer.
    ReservedOutbound,
    /// Reserved for an outbound preview.
    ReservedOutboundPreview,
    /// On a call.
    Talking,
    /// Every call held (UCCE only).
    Hold,
    /// Wrap-up ending in NOT_READY.
    Work,
    /// Wrap-up ending in READY (UCCE only).
    WorkReady,
}

impl AgentState {
    /// The wire value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "LOGOUT",
            Self::NotReady => "NOT_READY",
            Self::Ready => "READY",
            Self::Reserved => "RESERVED",
            Self::ReservedOutbound => "RESERVED_OUTBOUND",
            Self::ReservedOutboundPreview => "RESERVED_OUTBOUND_PREVIEW",
            Self::Talking => "TALKING",
            Self::Hold => "HOLD",
            Self::Work => "WORK",
            Self::WorkReady => "WORK_READY",
        }
    }

    /// States in which the agent has a call (alerting, reserved, connected or held).
    pub(crate) fn is_in_call(self) -> bool {
        matches!(
            self,
            Self::Reserved
                | Self::ReservedOutbound
                | Self::ReservedOutboundPreview
                | Self::Talking
                | Self::Hold
        )
    }

    pub(crate) fn is_wrap_up(self) -> bool {
        matches!(self, Self::Work | Self::WorkReady)
    }
}

/// A reason attached to NOT_READY or LOGOUT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reason {
    /// Finesse id (`reasonCodeId`); system reasons use their code as id.
    pub(crate) id: u32,
    pub(crate) category: &'static str,
    pub(crate) code: u32,
    pub(crate) label: String,
    pub(crate) for_all: bool,
    pub(crate) system: bool,
}

impl Reason {
    /// A system reason (forced logout 255, supervisor 999, call from READY 50006, …).
    pub(crate) fn system(category: &'static str, code: u32, label: &str) -> Self {
        Self {
            id: code,
            category,
            code,
            label: label.to_owned(),
            for_all: true,
            system: true,
        }
    }
}

/// Mobile agent sign-in data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MobileAgent {
    pub(crate) mode: String,
    pub(crate) dial_number: String,
}

/// Failed sign-in bookkeeping (five strikes, then locked).
#[derive(Debug, Clone, Default)]
pub(crate) struct AuthState {
    pub(crate) failures: u32,
    pub(crate) locked_until: Option<Instant>,
}

/// Runtime state of one user.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    pub(crate) id: String,
    pub(crate) state: AgentState,
    pub(crate) pending: Option<AgentState>,
    pub(crate) pending_reason: Option<Reason>,
    pub(crate) reason: Option<Reason>,
    /// Signed-in extension; empty when logged out.
    pub(crate) extension: String,
    pub(crate) mobile: Option<MobileAgent>,
    pub(crate) state_change_time: String,
    /// The idle state (READY / NOT_READY) to return to when the current calls end.
    pub(crate) call_base: Option<AgentState>,
    /// Where wrap-up ends when the timer fires.
    pub(crate) wrap_target: Option<(AgentState, Option<Reason>)>,
    /// Bumped to invalidate armed wrap-up timers.
    pub(crate) wrap_gen: u64,
    /// Available XMPP sessions of this user on running nodes.
    pub(crate) sessions: u32,
    /// Bumped to invalidate armed grace-period timers.
    pub(crate) presence_gen: u64,
    pub(crate) auth: AuthState,
    /// UCCX: a pending NOT_READY may be set only once per call.
    pub(crate) pending_set_in_call: bool,
}

impl Agent {
    pub(crate) fn new(id: &str, now: &str) -> Self {
        Self {
            id: id.to_owned(),
            state: AgentState::Logout,
            pending: None,
            pending_reason: None,
            reason: None,
            extension: String::new(),
            mobile: None,
            state_change_time: now.to_owned(),
            call_base: None,
            wrap_target: None,
            wrap_gen: 0,
            sessions: 0,
            presence_gen: 0,
            auth: AuthState::default(),
            pending_set_in_call: false,
        }
    }

    pub(crate) fn logged_in(&self) -> bool {
        self.state != AgentState::Logout
    }
}

/// Dialog `state` values (voice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DialogState {
    Initiating,
    Alerting,
    Active,
    Failed,
    Dropped,
    Accepted,
}

impl DialogState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Initiating => "INITIATING",
            Self::Alerting => "ALERTING",
            Self::Active => "ACTIVE",
            Self::Failed => "FAILED",
            Self::Dropped => "DROPPED",
            Self::Accepted => "ACCEPTED",
        }
    }
}

/// Participant `state` values (voice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PState {
    Initiating,
    Initiated,
    Alerting,
    Active,
    Held,
    Failed,
    Dropped,
    WrapUp,
    Accepted,
}

impl PState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Initiating => "INITIATING",
            Self::Initiated => "INITIATED",
            Self::Alerting => "ALERTING",
            Self::Active => "ACTIVE",
            Self::Held => "HELD",
            Self::Failed => "FAILED",
            Self::Dropped => "DROPPED",
            Self::WrapUp => "WRAP_UP",
            Self::Accepted => "ACCEPTED",
        }
    }

    /// Still part of the call (not gone, not only wrapping up).
    pub(crate) fn is_live(self) -> bool {
        !matches!(self, Self::Dropped | Self::WrapUp | Self::Failed)
    }
}

/// One call leg.
#[derive(Debug, Clone)]
pub(crate) struct Participant {
    pub(crate) address: String,
    /// The signed-in agent on this device, if it is an agent device that sees the dialog.
    pub(crate) agent: Option<String>,
    /// `mediaAddressType` AGENT_DEVICE (true) or empty.
    pub(crate) device: bool,
    pub(crate) state: PState,
    pub(crate) cause: String,
    pub(crate) start_time: String,
    pub(crate) state_change_time: String,
    /// Was ever connected (wrap-up applies only to calls that were talked on).
    pub(crate) connected: bool,
}

/// Call direction, fixed at creation (callType can change during a call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Incoming,
    Outgoing,
    Internal,
}

/// What kind of dialog this is, beyond its callType.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DialogKind {
    /// An ordinary call. `routed`: offered by the router (the agent goes RESERVED while it
    /// alerts); `reservation`: the agent state while it alerts for dialer calls.
    Call {
        routed: bool,
        reservation: Option<AgentState>,
    },
    /// An outbound preview reservation (ACCEPT / CLOSE / REJECT).
    Preview,
    /// A supervisor's silent monitor session on another dialog.
    Monitor { supervisor: String, monitored: u64 },
}

/// A voice dialog.
#[derive(Debug, Clone)]
pub(crate) struct Dialog {
    pub(crate) id: u64,
    pub(crate) kind: DialogKind,
    pub(crate) direction: Direction,
    pub(crate) call_type: String,
    pub(crate) from_address: String,
    pub(crate) to_address: String,
    pub(crate) dnis: String,
    pub(crate) dialed_number: String,
    pub(crate) queue: Option<(String, String)>,
    pub(crate) variables: Vec<(String, String)>,
    pub(crate) wrap_up_reason: Option<String>,
    pub(crate) outbound_classification: String,
    pub(crate) associated_dialog_uri: String,
    pub(crate) secondary_id: String,
    pub(crate) callback: Option<(String, String)>,
    pub(crate) state: DialogState,
    pub(crate) participants: Vec<Participant>,
    /// Agents that were sent this dialog (POST) and not yet its DELETE.
    pub(crate) seen_by: BTreeSet<String>,
}

impl Dialog {
    pub(crate) fn uri(&self) -> String {
        format!("/finesse/api/Dialog/{}", self.id)
    }

    /// Index of the live (or wrapping-up) participant of this agent.
    pub(crate) fn agent_index(&self, agent: &str) -> Option<usize> {
        self.participants
            .iter()
            .position(|p| p.agent.as_deref() == Some(agent) && p.state != PState::Dropped)
    }

    /// Index of the live participant with this media address.
    pub(crate) fn address_index(&self, address: &str) -> Option<usize> {
        self.participants
            .iter()
            .position(|p| p.address == address && p.state.is_live())
    }

    /// Agents that currently see this dialog on their Dialogs node.
    pub(crate) fn viewers(&self) -> BTreeSet<String> {
        self.participants
            .iter()
            .filter(|p| p.state != PState::Dropped)
            .filter_map(|p| p.agent.clone())
            .collect()
    }

    pub(crate) fn live_count(&self) -> usize {
        self.participants
            .iter()
            .filter(|p| p.state.is_live())
            .count()
    }

    /// Sets or replaces a call variable, keeping first-seen order.
    pub(crate) fn set_variable(&mut self, name: &str, value: &str) {
        match self.variables.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => value.clone_into(v),
            None => self.variables.push((name.to_owned(), value.to_owned())),
        }
    }
}

/// Which call types count as incoming or outgoing for wrap-up.
pub(crate) fn direction_of(call_type: &str) -> Direction {
    match call_type {
        "ACD_IN"
        | "PREROUTE_ACD_IN"
        | "PREROUTE_DIRECT_AGENT"
        | "TRANSFER"
        | "OTHER_IN"
        | "OVERFLOW_IN"
        | "EMERGENCY" => Direction::Incoming,
        t if t == "OUT" || t == "AGENT_OUT" || t == "AUTO_OUT" || t.starts_with("OUTBOUND") => {
            Direction::Outgoing
        }
        _ => Direction::Internal,
    }
}

/// Routed (ACD) call types put a READY agent into RESERVED while alerting.
pub(crate) fn is_routed(call_type: &str) -> bool {
    matches!(
        call_type,
        "ACD_IN" | "PREROUTE_ACD_IN" | "PREROUTE_DIRECT_AGENT" | "OVERFLOW_IN" | "TRANSFER"
    )
}
