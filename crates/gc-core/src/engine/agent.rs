//! What the engine keeps per agent.

use std::collections::{BTreeMap, BTreeSet};

use gc_protocol::{
    AgentCommand, CallData, DestinationName, DialogId, Extension, Password, ReasonCode,
};

use super::Reply;
use crate::finesse::{Dialog, User, UserState};

/// The agent's notification session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Session {
    /// No session.
    Closed,
    /// Being opened; commands that need it wait in `queued`.
    Opening,
    /// Open.
    Open,
    /// Was open and is away for a while (the connection dropped and the adapter reconnects,
    /// or Finesse's own presence went away): notifications of the gap are lost, so user and
    /// dialogs are read again when it is back. Commands that need it wait, as while opening.
    Interrupted,
}

/// How a tracked dialog is presented to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DialogKind {
    /// Shown as `InboundCall` (incoming calls, calls the agent made, monitor and barge calls).
    Inbound,
    /// A consult the agent started: shown as `ConsultCall`, with the dialog it came from.
    Consult { original: Option<DialogId> },
    /// An Outbound Option call: `NewOutboundCall`, then `InboundCall` states.
    Outbound,
    /// An outbound preview reservation: `NewOutboundPreviewCall`, then `InboundCall` states.
    OutboundPreview,
    /// The first (OTHER_IN) packet of an outbound call, not yet announced (O-028).
    HeldBack,
}

/// A dialog the agent is on.
#[derive(Clone, Debug)]
pub(crate) struct Tracked {
    pub(crate) dialog: Dialog,
    pub(crate) kind: DialogKind,
    /// What the client was last shown, to publish only real changes.
    pub(crate) shown: Option<CallData>,
}

/// A command waiting for the agent's session to open.
#[derive(Clone, Debug)]
pub(crate) struct Queued {
    pub(crate) command: AgentCommand,
    pub(crate) reply: Reply,
    /// Answered FINESSE_UNAVAILABLE if the session is not open by then.
    pub(crate) deadline: crate::clock::Deadline,
}

/// A logout to send once the agent is NOT_READY (UCCE logs out only from there).
#[derive(Clone, Debug)]
pub(crate) struct LogoutPlan {
    /// Logout reason.
    pub(crate) reason: Option<ReasonCode>,
    /// Who the final State answers (without the command's ack token, acked already).
    pub(crate) reply: Reply,
}

/// One agent known to the engine.
#[derive(Clone, Debug)]
pub(crate) struct Agent {
    /// The password requests and the session use. Until `verified`, a candidate: the one the
    /// client offered, not yet accepted by Finesse (it is then neither kept for long nor shared
    /// with peers).
    pub(crate) password: Password,
    /// Finesse accepted `password` (a session opened with it, or a request succeeded).
    pub(crate) verified: bool,
    pub(crate) destination: Option<DestinationName>,
    pub(crate) session: Session,
    pub(crate) queued: Vec<Queued>,
    /// Holds one of the licences (logging in or logged in).
    pub(crate) licensed: bool,
    /// The extension the agent logged in on.
    pub(crate) extension: Option<Extension>,
    /// The last User Finesse reported.
    pub(crate) user: Option<User>,
    pub(crate) dialogs: BTreeMap<DialogId, Tracked>,
    /// The dialog a consult was last requested from.
    pub(crate) consult_from: Option<DialogId>,
    /// Team users nodes the supervisor subscribed to.
    pub(crate) teams: BTreeSet<String>,
    /// A supervisor's team members as Finesse last showed them (team reads and team
    /// notifications): login id → extension, to resolve bargein's `<Team_Agent_LoginID>`.
    pub(crate) members: BTreeMap<String, String>,
    /// When the session was opened (O-025).
    pub(crate) subscription_time: String,
    /// A logout waiting for the agent to reach NOT_READY first (UCCE logs out only from there).
    pub(crate) logout_after_not_ready: Option<LogoutPlan>,
    /// Forget the agent when its logout is confirmed.
    pub(crate) forget_on_logout: bool,
    /// What the client was last shown of the agent's state, so unchanged User updates are
    /// not repeated.
    pub(crate) shown_state: Option<ShownState>,
}

/// The parts of a User its State event shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ShownState {
    pub(crate) state: Option<UserState>,
    pub(crate) reason: Option<ReasonCode>,
    pub(crate) pending: Option<UserState>,
}

impl ShownState {
    pub(crate) fn of(user: &User) -> Self {
        Self {
            state: user.state.clone(),
            reason: user.reason_code_id.clone(),
            pending: user.pending_state.clone(),
        }
    }
}

/// At most this many team members are remembered per supervisor (Finesse teams are far
/// smaller; the cap only bounds what a misbehaving server could make the engine keep).
const MAX_MEMBERS: usize = 5_000;

impl Agent {
    /// Remembers a team member's current extension (empty: signed out, forgotten).
    pub(crate) fn learn_member(&mut self, login_id: &str, extension: &str) {
        if extension.is_empty() {
            self.members.remove(login_id);
        } else if self.members.len() < MAX_MEMBERS || self.members.contains_key(login_id) {
            self.members
                .insert(login_id.to_owned(), extension.to_owned());
        }
    }

    pub(crate) fn new(password: Password, subscription_time: String) -> Self {
        Self {
            password,
            verified: false,
            destination: None,
            session: Session::Closed,
            queued: Vec::new(),
            licensed: false,
            extension: None,
            user: None,
            dialogs: BTreeMap::new(),
            consult_from: None,
            teams: BTreeSet::new(),
            members: BTreeMap::new(),
            subscription_time,
            logout_after_not_ready: None,
            forget_on_logout: false,
            shown_state: None,
        }
    }

    /// The agent's current state as last reported (`None` when unknown).
    pub(crate) fn state(&self) -> Option<&UserState> {
        self.user.as_ref().and_then(|u| u.state.as_ref())
    }

    /// The agent's full name (empty when unknown).
    pub(crate) fn full_name(&self) -> String {
        self.user
            .as_ref()
            .map(crate::finesse::full_name)
            .unwrap_or_default()
    }

    /// The extension to act with: the one logged in on, else the one Finesse reports.
    pub(crate) fn own_extension(&self) -> Option<Extension> {
        self.extension.clone().or_else(|| {
            self.user
                .as_ref()
                .and_then(|u| u.extension.as_deref())
                .and_then(|e| Extension::parse(e).ok())
        })
    }

    /// Whether Finesse reports the agent signed in.
    pub(crate) fn is_logged_in(&self) -> bool {
        !matches!(self.state(), None | Some(UserState::Logout))
    }
}
