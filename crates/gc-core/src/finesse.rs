//! What the engine knows of Finesse: the operations it asks for, the replies and notifications it
//! gets back. These are domain types, deliberately plain (strings where Finesse's vocabulary is
//! open); the Finesse adapter translates its XML models into them.

use gc_protocol::ErrorCode;

/// What the engine asks of Finesse is finesse-model's vocabulary itself: the engine emits
/// [`Request`]s, which gc-finesse performs as they are (no translation in between).
pub use finesse_model::{
    CallVariable, DialogAction, Method, MobileAgentMode, ReasonCategory, Request, TargetState,
};

/// A Finesse user as the engine needs it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct User {
    /// Login id.
    pub login_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The extension signed in on (empty when logged out).
    pub extension: String,
    /// Agent state (`LOGOUT`, `NOT_READY`, `READY`, `TALKING`, …).
    pub state: String,
    /// Pending state (empty when none).
    pub pending_state: String,
    /// Reason code id (empty when none; Finesse's `-1` is normalised to empty by the adapter).
    pub reason_code_id: String,
    /// Finesse timestamp of the last state change (ISO-8601).
    pub state_change_time: String,
    /// Whether the user has the Supervisor role.
    pub supervisor: bool,
    /// The user's own team.
    pub team: Option<TeamRef>,
    /// Teams the user supervises.
    pub teams: Vec<TeamRef>,
    /// `settings/wrapUpOnIncoming`.
    pub wrap_up_on_incoming: String,
    /// Finesse media type.
    pub media_type: String,
}

impl User {
    /// First and last name, as the seed's `<agent_full_name>`.
    pub fn full_name(&self) -> String {
        gc_protocol::event::full_name(&self.first_name, &self.last_name)
    }
}

/// A team reference.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TeamRef {
    /// Team id.
    pub id: String,
    /// Team name.
    pub name: String,
}

/// A voice dialog.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Dialog {
    /// Dialog id.
    pub id: String,
    /// `mediaProperties/callType`.
    pub call_type: String,
    /// Dialog state.
    pub state: String,
    /// Calling party of the original call.
    pub from_address: String,
    /// Called party of the original call.
    pub to_address: String,
    /// `mediaProperties/dialedNumber`.
    pub dialed_number: String,
    /// The id at the end of `associatedDialogUri`, if any.
    pub associated_dialog: Option<String>,
    /// `secondaryId`: after a transfer or conference completes, the surviving dialog carries
    /// the other (dropped) dialog's id here. The seed's `prevDialogId` of a transferred call.
    pub secondary_id: Option<String>,
    /// Call variables in Finesse's order.
    pub call_variables: Vec<(String, String)>,
    /// `mediaProperties/wrapUpReason`.
    pub wrap_up_reason: String,
    /// Participants.
    pub participants: Vec<Participant>,
}

/// A dialog participant.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Participant {
    /// Extension or number.
    pub media_address: String,
    /// `AGENT_DEVICE`, or empty.
    pub media_address_type: String,
    /// Participant state.
    pub state: String,
    /// `stateCause` (why it failed or dropped).
    pub state_cause: String,
    /// When the leg started (ISO-8601).
    pub start_time: String,
    /// The actions this participant may request now.
    pub actions: Vec<String>,
}

impl Dialog {
    /// The participant on the given extension.
    pub fn participant(&self, extension: &str) -> Option<&Participant> {
        self.participants
            .iter()
            .find(|p| p.media_address == extension)
    }

    /// The previous dialog of a call being transferred (the seed's `prevDialogId`: "not null if
    /// call is being transferred to another agent"): Finesse's `secondaryId` on a dialog whose
    /// call type is `TRANSFER`. A conference's surviving dialog carries one too, but the seed's
    /// Complete Conference sample shows `null`.
    pub fn prev_dialog_id(&self) -> Option<&str> {
        self.call_type
            .eq_ignore_ascii_case("TRANSFER")
            .then_some(self.secondary_id.as_deref())
            .flatten()
            .filter(|id| !id.is_empty())
    }

    /// The call's start time: the earliest participant start (Finesse has no dialog start time).
    pub fn start_time(&self) -> &str {
        self.participants
            .iter()
            .map(|p| p.start_time.as_str())
            .filter(|t| !t.is_empty())
            .min()
            .unwrap_or("")
    }
}

/// One member of a team as the Team API and team notifications show it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TeamUser {
    /// Login id.
    pub login_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Extension.
    pub extension: String,
    /// State.
    pub state: String,
    /// Pending state.
    pub pending_state: String,
    /// Reason code id (empty when none).
    pub reason_code_id: String,
    /// Time of the last state change (ISO-8601).
    pub state_change_time: String,
    /// Media type.
    pub media_type: String,
}

/// A team with its members.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Team {
    /// Team id.
    pub id: String,
    /// Team name.
    pub name: String,
    /// Members.
    pub users: Vec<TeamUser>,
}

/// A reason code (not-ready or logout).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ReasonCodeInfo {
    /// Finesse id (what `reasonCodeId` carries).
    pub id: String,
    /// Numeric code.
    pub code: String,
    /// Label.
    pub label: String,
}

/// A wrap-up reason.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct WrapUpReason {
    /// Finesse id.
    pub id: String,
    /// Label (what Finesse stores on the dialog).
    pub label: String,
}

/// A phone book.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PhoneBook {
    /// Finesse id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `GLOBAL` or `TEAM`.
    pub kind: String,
}

/// A phone book contact.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Contact {
    /// Finesse id.
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone number.
    pub phone_number: String,
    /// Description.
    pub description: String,
}

/// A queue with its statistics.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Queue {
    /// Name.
    pub name: String,
    /// Calls waiting.
    pub calls_in_queue: String,
    /// Start of the longest waiting call (ISO-8601).
    pub start_time_of_longest_call_in_queue: String,
    /// Agents ready.
    pub agents_ready: String,
    /// Agents not ready.
    pub agents_not_ready: String,
    /// Agents talking inbound.
    pub agents_talking_inbound: String,
    /// Agents talking outbound.
    pub agents_talking_outbound: String,
    /// Agents talking internal.
    pub agents_talking_internal: String,
    /// Agents in wrap-up, not ready.
    pub agents_wrap_up_not_ready: String,
    /// Agents in wrap-up, ready.
    pub agents_wrap_up_ready: String,
}

/// A successful REST reply.
// Replies are moved straight into the engine; boxing the User would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FinesseReply {
    /// 202 Accepted (the outcome comes by notification).
    Accepted,
    /// A user.
    User(User),
    /// The agent's dialogs.
    Dialogs(Vec<Dialog>),
    /// Reason codes.
    ReasonCodes(Vec<ReasonCodeInfo>),
    /// Wrap-up reasons.
    WrapUpReasons(Vec<WrapUpReason>),
    /// Phone books.
    PhoneBooks(Vec<PhoneBook>),
    /// Contacts.
    Contacts(Vec<Contact>),
    /// A team.
    Team(Team),
    /// Queues.
    Queues(Vec<Queue>),
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
        /// The team.
        team_id: String,
        /// The member.
        user: TeamUser,
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
