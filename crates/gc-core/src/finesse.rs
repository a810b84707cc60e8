//! What the engine knows of Finesse: finesse-model's typed vocabulary (users, dialogs, states,
//! actions, requests and replies, used as they are), plus what only the engine needs: the
//! failure as a client error code, the notifications of one agent's session already routed
//! (user, dialog added / changed / removed, team member, error), the session's and the
//! cluster's state.

use gc_protocol::{ErrorCode, ObjectId};

/// The engine asks in finesse-model [`Request`]s (gc-finesse performs them as they are) and
/// reads finesse-model objects: no translation in between.
pub use finesse_model::{
    Action, CallType, CallVariable, Contact, Dialog, DialogAction, DialogState, MediaProperties,
    Method, MobileAgentMode, Participant, ParticipantState, PhoneBook, PhoneBookType, Queue,
    QueueStatistics, ReasonCategory, ReasonCodeInfo, Request, Role, TargetState, Team, TeamRef,
    User, UserState, WrapUpMode, WrapUpReason,
};

/// A successful REST reply (finesse-model's [`finesse_model::Reply`]; named apart from the
/// engine's own `Reply`, which routes answers to clients).
pub use finesse_model::Reply as FinesseReply;

/// First and last name, as the seed's `<agent_full_name>`.
pub fn full_name(user: &User) -> String {
    gc_protocol::event::full_name(
        user.first_name.as_deref().unwrap_or_default(),
        user.last_name.as_deref().unwrap_or_default(),
    )
}

/// The previous dialog of a call being transferred (the seed's `prevDialogId`: "not null if
/// call is being transferred to another agent"): Finesse's `secondaryId` on a dialog whose
/// call type is `TRANSFER`. A conference's surviving dialog carries one too, but the seed's
/// Complete Conference sample shows `null`.
pub fn prev_dialog_id(dialog: &Dialog) -> Option<&gc_protocol::DialogId> {
    (dialog.media_properties.call_type == Some(CallType::Transfer))
        .then_some(dialog.secondary_id.as_ref())
        .flatten()
}

/// The call's start time: the earliest participant start (Finesse has no dialog start time).
pub fn start_time(dialog: &Dialog) -> &str {
    dialog.start_time().unwrap_or_default()
}

/// The participant on `extension`. An absent media address reads as empty, so an agent
/// without an extension finds the participant without one (as the engine always did).
pub fn participant<'a>(dialog: &'a Dialog, extension: &str) -> Option<&'a Participant> {
    dialog
        .participants
        .iter()
        .find(|p| p.media_address.as_deref().unwrap_or_default() == extension)
}

/// Why Finesse (or reaching it) failed, already classified to a GC error code by the adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinesseFailure {
    /// The code the client is told.
    pub code: ErrorCode,
    /// Finesse's `ErrorType` when there is one (e.g. `Parameter Missing`).
    pub error_type: String,
    /// Finesse's message, for logs.
    pub message: String,
}

impl FinesseFailure {
    /// A failure with only a code.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            error_type: String::new(),
            message: String::new(),
        }
    }
}

/// A notification from the agent's XMPP session, already parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notification {
    /// The agent's User changed.
    User {
        /// The user.
        user: User,
        /// The request it answers, if any.
        request_id: Option<String>,
    },
    /// A dialog appeared on the agent's Dialogs node (`POST`).
    DialogAdded {
        /// The dialog.
        dialog: Dialog,
        /// The request it answers, if any.
        request_id: Option<String>,
    },
    /// A dialog changed (`PUT`).
    DialogChanged {
        /// The dialog.
        dialog: Dialog,
        /// The request it answers, if any.
        request_id: Option<String>,
    },
    /// A dialog left the agent's Dialogs node (`DELETE`).
    DialogRemoved {
        /// Its last state.
        dialog: Dialog,
        /// The request it answers, if any.
        request_id: Option<String>,
    },
    /// A member of a subscribed team changed.
    TeamUser {
        /// The team (`None`: the notification does not say; the member is still learnt, for
        /// bargein, but shown to no one).
        team_id: Option<ObjectId>,
        /// The member.
        user: User,
    },
    /// An asynchronous error (`apiErrors`).
    ApiError {
        /// The request it answers, if any.
        request_id: Option<String>,
        /// The error.
        failure: FinesseFailure,
    },
}

/// What happened to an agent's notification session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// Connected, authenticated, presence sent: LOGIN may go.
    Opened,
    /// Could not be opened (bad credentials, Finesse unreachable …).
    Failed(FinesseFailure),
    /// Went away for good (the adapter gave up reconnecting, or we closed it).
    Closed,
    /// Went away for a while: the connection dropped and the adapter reconnects (or Finesse's
    /// own presence went away). `Opened` follows when it is back; what happened meanwhile was
    /// not notified.
    Interrupted,
}

/// The Finesse cluster's status as the adapter reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeStatus {
    /// The active node is IN_SERVICE.
    InService,
    /// The active node reports OUT_OF_SERVICE.
    OutOfService,
    /// No node answers.
    NotReachable,
}
