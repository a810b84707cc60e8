//! What the connector asks of Finesse REST, as data: [`Request`] (with the dialog action as
//! data, [`DialogAction`]) and its successful [`Reply`]. Each request knows its HTTP method,
//! path, query and XML body (finesse-api.md §2.4, §3.5, §3.6) and how to read its answer, so
//! the whole mapping from an engine decision to Finesse's wire is here and testable without
//! IO; gc-finesse only sends it.

use std::fmt;
use std::fmt::Write as _;

use gc_protocol::{AgentId, DialNumber, DialogId, Extension, ObjectId, ReasonCode};
use quick_xml::escape::escape;

use crate::dialog::{Action, CallVariable, Dialog};
use crate::phonebook::{Contact, PhoneBook};
use crate::queue::Queue;
use crate::reason::{ReasonCategory, ReasonCodeInfo, WrapUpReason};
use crate::team::Team;
use crate::user::{MobileAgentMode, User, UserState};
use crate::xml::ParseError;

const API: &str = "/finesse/api";

/// The `requestId` header of a write. Finesse echoes it in the resulting notification or
/// asynchronous error ([`crate::Update::request_id`]), so the caller matches outcomes to
/// commands. The caller chooses it before sending (the notification can arrive before the
/// `202`); it must be a valid HTTP header value (visible ASCII).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(String);

impl RequestId {
    /// Wraps an id (e.g. from the engine's counter).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A state an agent can ask for with `PUT /User/{id}` (LOGIN is [`Request::Login`]; the
/// other [`UserState`]s are Finesse's to set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetState {
    /// `READY`
    Ready,
    /// `NOT_READY`
    NotReady,
    /// `LOGOUT`
    Logout,
}

impl TargetState {
    /// Finesse's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "READY",
            Self::NotReady => "NOT_READY",
            Self::Logout => "LOGOUT",
        }
    }
}

impl From<TargetState> for UserState {
    fn from(state: TargetState) -> Self {
        match state {
            TargetState::Ready => Self::Ready,
            TargetState::NotReady => Self::NotReady,
            TargetState::Logout => Self::Logout,
        }
    }
}

/// A `requestedAction` on an existing dialog (`PUT /finesse/api/Dialog/{id}`), with the data
/// that action needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogAction {
    /// `ANSWER` an alerting call.
    Answer,
    /// `HOLD`
    Hold,
    /// `RETRIEVE` a held call.
    Retrieve,
    /// `DROP` the agent's own leg (also ends a supervisor's monitor or barge).
    Drop,
    /// `CONSULT_CALL` from the active call to a number.
    ConsultCall {
        /// Number to consult.
        to: DialNumber,
    },
    /// `TRANSFER`: complete a consult transfer.
    Transfer,
    /// `TRANSFER_SST`: single-step (blind) transfer to a number.
    TransferSst {
        /// Number to transfer to.
        to: DialNumber,
    },
    /// `CONFERENCE`: complete a consult conference.
    Conference,
    /// `UPDATE_CALL_DATA`: call variables and/or the wrap-up reason (sent without
    /// `targetMediaAddress`).
    UpdateCallData {
        /// Variables to set.
        variables: Vec<CallVariable>,
        /// Wrap-up reason label.
        wrap_up_reason: Option<String>,
    },
    /// `PARTICIPANT_DROP`: remove the participant on this extension from a conference (UCCE);
    /// it is the `targetMediaAddress`.
    ParticipantDrop {
        /// The participant to drop.
        participant: Extension,
    },
    /// `ACCEPT` an outbound preview reservation.
    Accept,
    /// `REJECT` an outbound preview reservation.
    Reject,
    /// `CLOSE` an outbound preview reservation.
    Close,
}

impl DialogAction {
    /// The `requestedAction` value.
    pub fn action(&self) -> Action {
        match self {
            Self::Answer => Action::Answer,
            Self::Hold => Action::Hold,
            Self::Retrieve => Action::Retrieve,
            Self::Drop => Action::Drop,
            Self::ConsultCall { .. } => Action::ConsultCall,
            Self::Transfer => Action::Transfer,
            Self::TransferSst { .. } => Action::TransferSst,
            Self::Conference => Action::Conference,
            Self::UpdateCallData { .. } => Action::UpdateCallData,
            Self::ParticipantDrop { .. } => Action::ParticipantDrop,
            Self::Accept => Action::Accept,
            Self::Reject => Action::Reject,
            Self::Close => Action::Close,
        }
    }
}

/// An operation against Finesse REST, performed as the agent whose credentials are used
/// (`{agent}` below).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `GET /User/{agent}`.
    GetUser,
    /// `GET /User/{member}` as a supervisor (a team member's state).
    GetTeamMember {
        /// The member.
        member: AgentId,
    },
    /// `PUT /User/{agent}` LOGIN (mobile agent when `mobile` is set: the number Finesse
    /// dials and the connection mode).
    Login {
        /// Extension to sign in on (for a mobile agent: the CTI port / remote device DN).
        extension: Extension,
        /// Mobile agent parameters.
        mobile: Option<(DialNumber, MobileAgentMode)>,
    },
    /// `PUT /User/{agent}` with a state; the reason code id goes with NOT_READY and LOGOUT.
    SetState {
        /// The state.
        state: TargetState,
        /// Reason code id (the Finesse DB id, not the numeric code).
        reason: Option<ReasonCode>,
    },
    /// `GET /User/{agent}/Dialogs`.
    GetDialogs,
    /// `POST /User/{agent}/Dialogs` MAKE_CALL.
    MakeCall {
        /// The agent's extension.
        from: Extension,
        /// Number to call.
        to: DialNumber,
    },
    /// `PUT /Dialog/{dialog}` with an action.
    DialogAction {
        /// The dialog.
        dialog: DialogId,
        /// `targetMediaAddress`: the acting agent's extension (not used by
        /// [`DialogAction::ParticipantDrop`] and [`DialogAction::UpdateCallData`]).
        target: Extension,
        /// The action.
        action: DialogAction,
    },
    /// `POST /User/{supervisor}/Dialogs` SILENT_MONITOR.
    SilentMonitor {
        /// Supervisor's extension.
        from: Extension,
        /// Monitored agent's extension.
        to: Extension,
    },
    /// `POST /User/{supervisor}/Dialogs` BARGE_CALL.
    BargeCall {
        /// Supervisor's extension.
        from: Extension,
        /// Agent's extension.
        to: Extension,
        /// The supervisor's monitoring dialog.
        monitor_dialog: DialogId,
    },
    /// `GET /User/{agent}/ReasonCodes?category=…`.
    GetReasonCodes(ReasonCategory),
    /// `GET /User/{agent}/WrapUpReasons`.
    GetWrapUpReasons,
    /// `GET /User/{agent}/PhoneBooks`: team and global phone books.
    GetPhoneBooks,
    /// `GET /PhoneBook/{id}/Contacts`.
    GetContacts(ObjectId),
    /// `GET /Team/{id}`: a team with its users.
    GetTeam(ObjectId),
    /// `GET /User/{agent}/Queues`: the user's queues with statistics.
    GetQueues,
}

/// The HTTP method of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// A read: synchronous, answered with the object.
    Get,
    /// A change of an existing object: asynchronous (202, outcome by notification).
    Put,
    /// A new dialog: asynchronous like `Put`.
    Post,
}

impl Method {
    /// The method name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
            Self::Post => "POST",
        }
    }
}

/// A successful REST reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// 2xx to a write: accepted; the outcome comes by notification carrying the request id.
    Accepted,
    /// A user.
    User(Box<User>),
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

impl Request {
    /// A short name of the operation (metrics labels, logs).
    pub const fn name(&self) -> &'static str {
        match self {
            Self::GetUser => "get_user",
            Self::GetTeamMember { .. } => "get_team_member",
            Self::Login { .. } => "login",
            Self::SetState { .. } => "set_state",
            Self::GetDialogs => "get_dialogs",
            Self::MakeCall { .. } => "make_call",
            Self::DialogAction { .. } => "dialog_action",
            Self::SilentMonitor { .. } => "silent_monitor",
            Self::BargeCall { .. } => "barge_call",
            Self::GetReasonCodes(_) => "get_reason_codes",
            Self::GetWrapUpReasons => "get_wrap_up_reasons",
            Self::GetPhoneBooks => "get_phone_books",
            Self::GetContacts(_) => "get_contacts",
            Self::GetTeam(_) => "get_team",
            Self::GetQueues => "get_queues",
        }
    }

    /// The HTTP method. Everything but a `GET` is an asynchronous write that carries the
    /// `requestId` header.
    pub const fn method(&self) -> Method {
        match self {
            Self::Login { .. } | Self::SetState { .. } | Self::DialogAction { .. } => Method::Put,
            Self::MakeCall { .. } | Self::SilentMonitor { .. } | Self::BargeCall { .. } => {
                Method::Post
            }
            Self::GetUser
            | Self::GetTeamMember { .. }
            | Self::GetDialogs
            | Self::GetReasonCodes(_)
            | Self::GetWrapUpReasons
            | Self::GetPhoneBooks
            | Self::GetContacts(_)
            | Self::GetTeam(_)
            | Self::GetQueues => Method::Get,
        }
    }

    /// The URL path, for a request made as `agent`. Ids are gc-protocol types, which hold
    /// only URL-path-safe characters, so no encoding is needed.
    pub fn path(&self, agent: &AgentId) -> String {
        match self {
            Self::GetUser | Self::Login { .. } | Self::SetState { .. } => {
                format!("{API}/User/{agent}")
            }
            Self::GetTeamMember { member } => format!("{API}/User/{member}"),
            Self::GetDialogs
            | Self::MakeCall { .. }
            | Self::SilentMonitor { .. }
            | Self::BargeCall { .. } => format!("{API}/User/{agent}/Dialogs"),
            Self::DialogAction { dialog, .. } => format!("{API}/Dialog/{dialog}"),
            Self::GetReasonCodes(_) => format!("{API}/User/{agent}/ReasonCodes"),
            Self::GetWrapUpReasons => format!("{API}/User/{agent}/WrapUpReasons"),
            Self::GetPhoneBooks => format!("{API}/User/{agent}/PhoneBooks"),
            Self::GetContacts(book) => format!("{API}/PhoneBook/{book}/Contacts"),
            Self::GetTeam(team) => format!("{API}/Team/{team}"),
            Self::GetQueues => format!("{API}/User/{agent}/Queues"),
        }
    }

    /// The URL query, percent-encoded, if the request has one.
    pub fn query(&self) -> Option<String> {
        match self {
            Self::GetReasonCodes(category) => {
                Some(format!("category={}", percent(category.as_str())))
            }
            _ => None,
        }
    }

    /// The XML body of a write; `None` for a read.
    pub fn body(&self) -> Option<String> {
        let mut out = String::with_capacity(128);
        match self {
            Self::Login { extension, mobile } => {
                out.push_str("<User>");
                leaf(&mut out, "state", UserState::Login.as_str());
                leaf(&mut out, "extension", extension.as_str());
                if let Some((number, mode)) = mobile {
                    out.push_str("<mobileAgent>");
                    leaf(&mut out, "mode", mode.as_str());
                    leaf(&mut out, "dialNumber", number.as_str());
                    out.push_str("</mobileAgent>");
                }
                out.push_str("</User>");
            }
            Self::SetState { state, reason } => {
                out.push_str("<User>");
                leaf(&mut out, "state", state.as_str());
                if let (TargetState::NotReady | TargetState::Logout, Some(reason)) = (state, reason)
                {
                    leaf(&mut out, "reasonCodeId", reason.as_str());
                }
                out.push_str("</User>");
            }
            Self::MakeCall { from, to } => {
                dialog_body(&mut out, &Action::MakeCall, |out| {
                    leaf(out, "fromAddress", from.as_str());
                    leaf(out, "toAddress", to.as_str());
                });
            }
            Self::SilentMonitor { from, to } => {
                dialog_body(&mut out, &Action::SilentMonitor, |out| {
                    leaf(out, "fromAddress", from.as_str());
                    leaf(out, "toAddress", to.as_str());
                });
            }
            Self::BargeCall {
                from,
                to,
                monitor_dialog,
            } => {
                dialog_body(&mut out, &Action::BargeCall, |out| {
                    leaf(out, "fromAddress", from.as_str());
                    leaf(out, "toAddress", to.as_str());
                    leaf(
                        out,
                        "associatedDialogUri",
                        &format!("{API}/Dialog/{monitor_dialog}"),
                    );
                });
            }
            Self::DialogAction { target, action, .. } => {
                dialog_body(&mut out, &action.action(), |out| match action {
                    DialogAction::ConsultCall { to } | DialogAction::TransferSst { to } => {
                        leaf(out, "toAddress", to.as_str());
                        leaf(out, "targetMediaAddress", target.as_str());
                    }
                    DialogAction::ParticipantDrop { participant } => {
                        leaf(out, "targetMediaAddress", participant.as_str());
                    }
                    DialogAction::UpdateCallData {
                        variables,
                        wrap_up_reason,
                    } => media_properties(out, variables, wrap_up_reason.as_deref()),
                    DialogAction::Answer
                    | DialogAction::Hold
                    | DialogAction::Retrieve
                    | DialogAction::Drop
                    | DialogAction::Transfer
                    | DialogAction::Conference
                    | DialogAction::Accept
                    | DialogAction::Reject
                    | DialogAction::Close => leaf(out, "targetMediaAddress", target.as_str()),
                });
            }
            Self::GetUser
            | Self::GetTeamMember { .. }
            | Self::GetDialogs
            | Self::GetReasonCodes(_)
            | Self::GetWrapUpReasons
            | Self::GetPhoneBooks
            | Self::GetContacts(_)
            | Self::GetTeam(_)
            | Self::GetQueues => return None,
        }
        Some(out)
    }

    /// Reads the body of a successful answer: the object for a read, [`Reply::Accepted`] for
    /// a write (whose answer has no body).
    pub fn read_reply(&self, body: &[u8]) -> Result<Reply, ParseError> {
        Ok(match self {
            Self::GetUser | Self::GetTeamMember { .. } => Reply::User(Box::new(User::parse(body)?)),
            Self::GetDialogs => Reply::Dialogs(Dialog::parse_list(body)?),
            Self::GetReasonCodes(_) => Reply::ReasonCodes(ReasonCodeInfo::parse_list(body)?),
            Self::GetWrapUpReasons => Reply::WrapUpReasons(WrapUpReason::parse_list(body)?),
            Self::GetPhoneBooks => Reply::PhoneBooks(PhoneBook::parse_list(body)?),
            Self::GetContacts(_) => Reply::Contacts(Contact::parse_list(body)?),
            Self::GetTeam(_) => Reply::Team(Team::parse(body)?),
            Self::GetQueues => Reply::Queues(Queue::parse_list(body)?),
            Self::Login { .. }
            | Self::SetState { .. }
            | Self::MakeCall { .. }
            | Self::DialogAction { .. }
            | Self::SilentMonitor { .. }
            | Self::BargeCall { .. } => Reply::Accepted,
        })
    }
}

/// Appends `<name>text</name>` with the text escaped.
fn leaf(out: &mut String, name: &str, text: &str) {
    let _ = write!(out, "<{name}>{}</{name}>", escape(text));
}

/// `<Dialog><requestedAction>…</requestedAction>…</Dialog>`.
fn dialog_body(out: &mut String, action: &Action, fields: impl FnOnce(&mut String)) {
    out.push_str("<Dialog>");
    leaf(out, "requestedAction", action.as_str());
    fields(out);
    out.push_str("</Dialog>");
}

/// `mediaProperties` of UPDATE_CALL_DATA.
fn media_properties(out: &mut String, variables: &[CallVariable], wrap_up_reason: Option<&str>) {
    if wrap_up_reason.is_none() && variables.is_empty() {
        return;
    }
    out.push_str("<mediaProperties>");
    if let Some(reason) = wrap_up_reason {
        leaf(out, "wrapUpReason", reason);
    }
    if !variables.is_empty() {
        out.push_str("<callvariables>");
        for v in variables {
            out.push_str("<CallVariable>");
            leaf(out, "name", &v.name);
            leaf(out, "value", &v.value);
            out.push_str("</CallVariable>");
        }
        out.push_str("</callvariables>");
    }
    out.push_str("</mediaProperties>");
}

/// Percent-encodes a query value (reason categories are plain words; an unknown one is
/// encoded rather than trusted).
fn percent(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(e: &str) -> Extension {
        Extension::parse(e).unwrap()
    }

    fn num(n: &str) -> DialNumber {
        DialNumber::parse(n).unwrap()
    }

    fn on_dialog(action: DialogAction) -> Request {
        Request::DialogAction {
            dialog: DialogId::parse("16819504").unwrap(),
            target: ext("30411"),
            action,
        }
    }

    #[test]
    fn user_requests_put_the_documented_bodies() {
        let agent = AgentId::parse("1001").unwrap();
        let login = Request::Login {
            extension: ext("30411"),
            mobile: None,
        };
        assert_eq!(
            (login.method(), login.path(&agent).as_str()),
            (Method::Put, "/finesse/api/User/1001")
        );
        assert_eq!(
            login.body().unwrap(),
            "<User><state>LOGIN</state><extension>30411</extension></User>"
        );
        let mobile = Request::Login {
            extension: ext("39001"),
            mobile: Some((num("0049301234567"), MobileAgentMode::NailedConnection)),
        };
        assert_eq!(
            mobile.body().unwrap(),
            "<User><state>LOGIN</state><extension>39001</extension><mobileAgent>\
             <mode>NAILED_CONNECTION</mode><dialNumber>0049301234567</dialNumber></mobileAgent></User>"
        );
        let reason = ReasonCode::parse("7").ok();
        let body = |state| {
            Request::SetState {
                state,
                reason: reason.clone(),
            }
            .body()
            .unwrap()
        };
        assert_eq!(
            body(TargetState::NotReady),
            "<User><state>NOT_READY</state><reasonCodeId>7</reasonCodeId></User>"
        );
        assert_eq!(
            body(TargetState::Logout),
            "<User><state>LOGOUT</state><reasonCodeId>7</reasonCodeId></User>"
        );
        assert_eq!(
            body(TargetState::Ready),
            "<User><state>READY</state></User>"
        );
    }

    #[test]
    fn dialog_requests_put_or_post_the_documented_bodies() {
        let agent = AgentId::parse("1001").unwrap();
        let answer = on_dialog(DialogAction::Answer);
        assert_eq!(answer.method(), Method::Put);
        assert_eq!(answer.path(&agent), "/finesse/api/Dialog/16819504");
        assert_eq!(
            answer.body().unwrap(),
            "<Dialog><requestedAction>ANSWER</requestedAction>\
             <targetMediaAddress>30411</targetMediaAddress></Dialog>"
        );
        assert_eq!(
            on_dialog(DialogAction::ConsultCall { to: num("30577") })
                .body()
                .unwrap(),
            "<Dialog><requestedAction>CONSULT_CALL</requestedAction><toAddress>30577</toAddress>\
             <targetMediaAddress>30411</targetMediaAddress></Dialog>"
        );
        assert_eq!(
            on_dialog(DialogAction::ParticipantDrop {
                participant: ext("30577")
            })
            .body()
            .unwrap(),
            "<Dialog><requestedAction>PARTICIPANT_DROP</requestedAction>\
             <targetMediaAddress>30577</targetMediaAddress></Dialog>"
        );
        assert_eq!(
            on_dialog(DialogAction::UpdateCallData {
                variables: vec![
                    CallVariable::new("callVariable1", "CUST-000981"),
                    CallVariable::new("user.crm.caseId", "CS-2291 <&>"),
                ],
                wrap_up_reason: Some("Billing question".into()),
            })
            .body()
            .unwrap(),
            "<Dialog><requestedAction>UPDATE_CALL_DATA</requestedAction><mediaProperties>\
             <wrapUpReason>Billing question</wrapUpReason><callvariables>\
             <CallVariable><name>callVariable1</name><value>CUST-000981</value></CallVariable>\
             <CallVariable><name>user.crm.caseId</name><value>CS-2291 &lt;&amp;&gt;</value></CallVariable>\
             </callvariables></mediaProperties></Dialog>"
        );
        let barge = Request::BargeCall {
            from: ext("30500"),
            to: ext("30411"),
            monitor_dialog: DialogId::parse("16819504").unwrap(),
        };
        assert_eq!(
            (barge.method(), barge.path(&agent).as_str()),
            (Method::Post, "/finesse/api/User/1001/Dialogs")
        );
        assert_eq!(
            barge.body().unwrap(),
            "<Dialog><requestedAction>BARGE_CALL</requestedAction><fromAddress>30500</fromAddress>\
             <toAddress>30411</toAddress><associatedDialogUri>/finesse/api/Dialog/16819504\
             </associatedDialogUri></Dialog>"
        );
        let call = Request::MakeCall {
            from: ext("30411"),
            to: num("+4930"),
        };
        assert_eq!(
            call.body().unwrap(),
            "<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>30411</fromAddress>\
             <toAddress>+4930</toAddress></Dialog>"
        );
    }

    #[test]
    fn reads_have_a_path_no_body_and_parse_their_answer() {
        let agent = AgentId::parse("1001").unwrap();
        let codes = Request::GetReasonCodes(ReasonCategory::NotReady);
        assert_eq!(codes.method(), Method::Get);
        assert_eq!(codes.path(&agent), "/finesse/api/User/1001/ReasonCodes");
        assert_eq!(codes.query().as_deref(), Some("category=NOT_READY"));
        assert_eq!(codes.body(), None);
        let odd = Request::GetReasonCodes(ReasonCategory::Other("a b&c".into()));
        assert_eq!(odd.query().as_deref(), Some("category=a%20b%26c"));
        let member = Request::GetTeamMember {
            member: AgentId::parse("1002").unwrap(),
        };
        assert_eq!(member.path(&agent), "/finesse/api/User/1002");
        let reply = member
            .read_reply(b"<User><loginId>1002</loginId></User>")
            .unwrap();
        assert!(matches!(reply, Reply::User(u) if u.login_id.as_str() == "1002"));
        assert_eq!(
            Request::GetDialogs.read_reply(b"<Dialogs/>"),
            Ok(Reply::Dialogs(Vec::new()))
        );
        assert_eq!(
            on_dialog(DialogAction::Hold).read_reply(b""),
            Ok(Reply::Accepted)
        );
        assert!(Request::GetQueues.read_reply(b"<Queues>").is_err());
    }
}
