//! What the engine keeps per agent.

use std::collections::{BTreeMap, BTreeSet};

use gc_protocol::{
    AgentCommand, CallData, DestinationName, DialogId, Extension, ObjectId, Password, ReasonCode,
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

/// Where the agent stands with this connector: whether it holds one of the licences, and what
/// a logout under way still has to do. One value instead of three flags (`licensed`,
/// `logout_after_not_ready`, `forget_on_logout`), so every change goes through the methods
/// below and no combination is left implicit.
#[derive(Clone, Debug, Default)]
pub(crate) enum Lifecycle {
    /// Known (a Connect, a peer's mirror) without a licence: not logged in, or signed in while
    /// none was free (it keeps working; its next Login is refused).
    #[default]
    Unlicensed,
    /// Holds a licence: logging in or logged in.
    Licensed,
    /// A logout with something still to do: send the LOGOUT once the agent is NOT_READY, and/or
    /// forget the agent once the logout is confirmed. With neither left it is back to
    /// `Unlicensed` or `Licensed`.
    LoggingOut {
        /// Holds a licence meanwhile (given back when the logout is confirmed).
        licensed: bool,
        /// `force_logout`: forget the agent once Finesse confirms the logout.
        forget: bool,
        /// A READY agent was made NOT_READY first (UCCE logs out only from there): the
        /// LOGOUT to send when it is.
        after_not_ready: Option<LogoutPlan>,
    },
}

impl Lifecycle {
    /// Whether the agent holds one of the licences.
    pub(crate) fn holds_licence(&self) -> bool {
        match self {
            Self::Unlicensed => false,
            Self::Licensed => true,
            Self::LoggingOut { licensed, .. } => *licensed,
        }
    }

    /// Holds a licence from now on (a logout under way goes on).
    pub(crate) fn take_licence(&mut self) {
        match self {
            Self::Unlicensed => *self = Self::Licensed,
            Self::Licensed => {}
            Self::LoggingOut { licensed, .. } => *licensed = true,
        }
    }

    /// Gives the licence back (a refused login, a peer's mirror without one).
    pub(crate) fn release_licence(&mut self) {
        match self {
            Self::Unlicensed => {}
            Self::Licensed => *self = Self::Unlicensed,
            Self::LoggingOut { licensed, .. } => *licensed = false,
        }
        self.settle();
    }

    /// A logout starts. `forget` adds to a forget already asked for; `after_not_ready`, when
    /// given, is the LOGOUT to send once the agent is NOT_READY (replacing an earlier one).
    pub(crate) fn begin_logout(&mut self, forget: bool, after_not_ready: Option<LogoutPlan>) {
        let licensed = self.holds_licence();
        let (was_forget, was_plan) = match std::mem::take(self) {
            Self::LoggingOut {
                forget,
                after_not_ready,
                ..
            } => (forget, after_not_ready),
            Self::Unlicensed | Self::Licensed => (false, None),
        };
        *self = Self::LoggingOut {
            licensed,
            forget: was_forget || forget,
            after_not_ready: after_not_ready.or(was_plan),
        };
        self.settle();
    }

    /// The agent is NOT_READY: the LOGOUT waiting for it, if any (taken: sent once).
    pub(crate) fn take_logout_plan(&mut self) -> Option<LogoutPlan> {
        let plan = match self {
            Self::LoggingOut {
                after_not_ready, ..
            } => after_not_ready.take(),
            Self::Unlicensed | Self::Licensed => None,
        };
        self.settle();
        plan
    }

    /// The NOT_READY that was a logout's first step failed: that LOGOUT is off.
    pub(crate) fn drop_logout_plan(&mut self) {
        if let Self::LoggingOut {
            after_not_ready, ..
        } = self
        {
            *after_not_ready = None;
        }
        self.settle();
    }

    /// Finesse reports the agent logged out. While a LOGIN of ours is in flight that is the
    /// state before the login, not its outcome: only a waiting LOGOUT is dropped. Otherwise
    /// the licence is given back. Returns whether the agent is to be forgotten now.
    pub(crate) fn logged_out(&mut self, login_in_flight: bool) -> bool {
        if login_in_flight {
            self.drop_logout_plan();
            return false;
        }
        let forget = matches!(self, Self::LoggingOut { forget: true, .. });
        *self = Self::Unlicensed;
        forget
    }

    /// A `LoggingOut` with nothing left to do is back to plain `Licensed` or `Unlicensed`.
    fn settle(&mut self) {
        if let Self::LoggingOut {
            licensed,
            forget: false,
            after_not_ready: None,
        } = *self
        {
            *self = if licensed {
                Self::Licensed
            } else {
                Self::Unlicensed
            };
        }
    }
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
    /// The licence, and a logout under way.
    pub(crate) lifecycle: Lifecycle,
    /// The extension the agent logged in on.
    pub(crate) extension: Option<Extension>,
    /// The last User Finesse reported.
    pub(crate) user: Option<User>,
    pub(crate) dialogs: BTreeMap<DialogId, Tracked>,
    /// The dialog a consult was last requested from.
    pub(crate) consult_from: Option<DialogId>,
    /// Team users nodes the supervisor subscribed to.
    pub(crate) teams: BTreeSet<ObjectId>,
    /// A supervisor's team members as Finesse last showed them (team reads and team
    /// notifications): login id → extension, to resolve bargein's `<Team_Agent_LoginID>`.
    pub(crate) members: BTreeMap<String, String>,
    /// When the session was opened (O-025).
    pub(crate) subscription_time: String,
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
            lifecycle: Lifecycle::Unlicensed,
            extension: None,
            user: None,
            dialogs: BTreeMap::new(),
            consult_from: None,
            teams: BTreeSet::new(),
            members: BTreeMap::new(),
            subscription_time,
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

    /// Whether the agent holds one of the licences.
    pub(crate) fn licensed(&self) -> bool {
        self.lifecycle.holds_licence()
    }

    /// Whether Finesse reports the agent signed in.
    pub(crate) fn is_logged_in(&self) -> bool {
        !matches!(self.state(), None | Some(UserState::Logout))
    }
}

#[cfg(test)]
mod tests {
    use super::{Lifecycle, LogoutPlan};
    use crate::engine::Reply;

    fn plan() -> LogoutPlan {
        LogoutPlan {
            reason: None,
            reply: Reply::default(),
        }
    }

    #[test]
    fn a_logout_with_nothing_left_to_do_is_no_state_of_its_own() {
        let mut life = Lifecycle::Licensed;
        life.begin_logout(false, None);
        assert!(matches!(life, Lifecycle::Licensed));
        let mut life = Lifecycle::Unlicensed;
        life.begin_logout(false, None);
        assert!(matches!(life, Lifecycle::Unlicensed));
    }

    #[test]
    fn the_logout_plan_is_sent_once_and_the_licence_is_kept_until_the_logout() {
        let mut life = Lifecycle::Licensed;
        life.begin_logout(false, Some(plan()));
        assert!(life.holds_licence());
        assert!(life.take_logout_plan().is_some());
        assert!(life.take_logout_plan().is_none(), "taken once");
        assert!(matches!(life, Lifecycle::Licensed));
        assert!(!life.logged_out(false), "no forget was asked");
        assert!(!life.holds_licence());
    }

    #[test]
    fn a_forget_survives_a_failed_first_step_and_a_login_in_flight() {
        let mut life = Lifecycle::Licensed;
        life.begin_logout(true, Some(plan()));
        life.drop_logout_plan();
        assert!(life.holds_licence());
        // A LOGOUT reported while our LOGIN is in flight is the state before the login.
        assert!(!life.logged_out(true));
        assert!(life.holds_licence());
        assert!(
            life.logged_out(false),
            "forgotten when the logout is confirmed"
        );
        assert!(matches!(life, Lifecycle::Unlicensed));
    }

    #[test]
    fn a_second_logout_keeps_the_first_ones_forget_and_plan() {
        let mut life = Lifecycle::Unlicensed;
        life.begin_logout(true, Some(plan()));
        life.begin_logout(false, None);
        assert!(!life.holds_licence());
        life.take_licence();
        assert!(
            life.holds_licence(),
            "a licence taken during a logout is held"
        );
        assert!(life.take_logout_plan().is_some());
        life.release_licence();
        assert!(matches!(
            life,
            Lifecycle::LoggingOut {
                licensed: false,
                forget: true,
                after_not_ready: None
            }
        ));
    }
}
