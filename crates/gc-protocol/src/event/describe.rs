//! Every event described once: the one place to touch when an event is added or changed.
//!
//! [`Event::describe`] gives, per event, its name, category, agent and a list of [`Field`]s in
//! the order of the seed's JSON keys. Each field says whether it has a JSON key, whether it has
//! a legacy position (a sort key: legacy fields are written in ascending position, `#` between
//! them), and its [`Value`]. The legacy text, the JSON and the JSON Schemas (docs/schemas/) are
//! all derived from that list.
//!
//! Adding an event: its variant in `mod.rs` and its arm here (the match is exhaustive, so the
//! compiler asks for it); a [`Record`] impl for a new kind of nested object; an example in
//! `tests/support/catalogue.rs`, so docs/protocol.md shows it and docs/schemas/ has its schema.
//!
//! The seed's quirks are handled here, explicitly:
//!
//! - **Different orders.** The legacy text starts with the agent, the JSON ends with `agentId`;
//!   the JSON puts `dialogId` before `state`, the legacy text after. Fields are listed in JSON
//!   order and carry their legacy position.
//! - **Fields in one format only.** [`Field::legacy`] for what the JSON does not show (the
//!   agent's full name, keywords such as `TeamID` or `Control`, the associated dialog of O-014),
//!   [`Field::json`] for what the legacy text does not (`pendingState`, `participants`,
//!   `stateChangeTimeString`, the Error's user message); [`Field::new`] when it depends on the
//!   shape (the legacy failure shape of O-010 drops the address for the cause).
//! - **Same field, other text.** [`Field::legacy_as`]: a released call is `DROP` in the legacy
//!   text and `DROPPED` in JSON; the team list is `TeamUsersList` in the legacy text and the
//!   seed's `Agents` shape in JSON. [`Field::prefixed`] for the legacy `DialogID:`,
//!   `AssDialogID:`, `Category:`, `Codes:` and `Labels:`.
//! - **Shapes chosen by state.** InboundCall has three JSON shapes (failed, released, full);
//!   ConsultCall one JSON shape but a legacy failure shape. Each shape is its own field list.
//! - **`null` vs `""` vs absent.** [`Value::OptStr`] and [`Value::OptCallVariables`] are JSON
//!   `null` when absent (`prevDialogId`, the `ass…` keys of DialogStatus) and an empty legacy
//!   field (O-014 and O-024 keep their field count). `""` is a present empty value
//!   ([`Value::Const("")`](Value::Const) for `stateChangeTimeString`, the Error's `agentId`
//!   without an agent). A key the seed's sample does not have is absent (no `agentId` in the
//!   Agents and phone book lists).
//! - **Nested arrays.** Call variables are one-key objects with the ANI last in JSON, and
//!   `name=value|…` in the legacy text with the ANI left out, bare or as `ani=` ([`Ani`]).
//!   Reason codes are `{"<code>":"<label>"}` objects in JSON and two legacy fields. Teams,
//!   participants, queues, members, phone books, contacts, agents and controls are [`Record`]s
//!   (below): each member has a JSON key and a legacy key, either of which may be missing, and
//!   the list's [`Layout`] says whether each record is a legacy field of its own or all share
//!   one (`0,true|1,false`).
//! - **JSON in a list.** Agents, phone books and contacts are `[{…}]` in the seed
//!   ([`Description::json_in_a_list`]).

use super::shape::{Ani, Description, Field, Layout, Member, Record, Value};
use super::{AgentSummary, CallData, Contact, Control, Event, Participant, Phonebook};
use super::{QueueStats, ReasonCategory, SystemStatus, Team, TeamMember};
use crate::{AgentId, Category};

use Value::{Bool, CallVariables, Const, List, OptCallVariables, OptStr, Records, Str};

impl Event {
    /// Calls `f` with the event's description.
    pub(crate) fn describe<'e, R>(&'e self, f: impl FnOnce(&Description<'e, '_>) -> R) -> R {
        match self {
            Self::State {
                agent,
                state,
                reason_code,
                pending_state,
                state_change_time,
                full_name,
            } => f(&Description::new(
                "State",
                Category::AgentState,
                Some(agent),
                &[
                    Field::both("type", 1, Const("State")),
                    Field::agent(agent),
                    Field::both("state", 2, Str(state)),
                    Field::both("reasonCode", 3, Str(reason_code)),
                    Field::json("stateChangeTimeString", Const("")),
                    Field::json("pendingState", Str(pending_state)),
                    Field::json("stateChangeTime", Str(state_change_time)),
                    Field::legacy(4, Str(full_name)),
                ],
            )),
            Self::ReLogin { agent } => f(&Description::new(
                "State",
                Category::AgentState,
                Some(agent),
                &[
                    Field::both("type", 1, Const("State")),
                    Field::agent(agent),
                    Field::both("state", 2, Const("RE_LOGIN")),
                    Field::json("reasonCode", Const("")),
                    Field::json("stateChangeTimeString", Const("")),
                    Field::json("pendingState", Const("")),
                    Field::json("stateChangeTime", Const("")),
                ],
            )),
            Self::Error { agent, code } => f(&Description::new(
                "Error",
                Category::AgentError,
                agent.as_ref(),
                &[
                    Field::both("type", 1, Const("Error")),
                    Field::both("code", 2, Str(code.as_str())),
                    Field::json("message", Str(code.user_message())),
                    // `Error#<code>` without an agent; JSON keeps the key, empty.
                    Field::new(
                        Some("agentId"),
                        agent.is_some().then_some(0),
                        Str(agent.as_ref().map_or("", |a| a.as_str())),
                    ),
                ],
            )),
            Self::PrintStatusBar { agent, message } => f(&Description::new(
                "Control",
                Category::AgentControl,
                Some(agent),
                &[
                    Field::legacy(1, Const("Control")),
                    Field::both("type", 2, Const("PrintStatusBar")),
                    Field::both("message", 3, Str(message)),
                    Field::agent(agent),
                ],
            )),
            Self::System(status) => f(&Description::new(
                "System",
                Category::System,
                None,
                &[
                    Field::both("type", 0, Const("System")),
                    Field::both(
                        "status",
                        1,
                        Value::Enum(status.as_str(), &SystemStatus::ALL),
                    ),
                ],
            )),
            Self::LoggedOut { agent } => f(&Description::new(
                "LOGOUT",
                Category::AgentState,
                Some(agent),
                &[Field::both("type", 1, Const("LOGOUT")), Field::agent(agent)],
            )),
            Self::InboundCall {
                agent,
                full_name,
                call,
            } if call.is_failed() => f(&Description::new(
                "InboundCall",
                Category::AgentCall,
                Some(agent),
                &[
                    Field::both("type", 1, Const("InboundCall")),
                    Field::both("dialogId", 3, Str(&call.dialog_id)).prefixed("DialogID:"),
                    Field::json("prevDialogId", OptStr(call.prev_dialog_id.as_deref())),
                    Field::both("state", 2, Const("FAILED")),
                    Field::both("failureCause", 4, Str(&call.failure_cause)),
                    Field::legacy(5, Str(full_name)),
                    Field::agent(agent),
                ],
            )),
            Self::InboundCall {
                agent,
                full_name,
                call,
            } if call.is_released() => f(&Description::new(
                "InboundCall",
                Category::AgentCall,
                Some(agent),
                &[
                    Field::both("type", 1, Const("InboundCall")),
                    Field::both("dialogId", 3, Str(&call.dialog_id)).prefixed("DialogID:"),
                    Field::json("prevDialogId", OptStr(call.prev_dialog_id.as_deref())),
                    Field::both("state", 2, Const("DROPPED")).legacy_as("DROP"),
                    Field::agent(agent),
                    Field::legacy(4, Str(&call.from_address)),
                    Field::legacy(5, CallVariables(call, Ani::Omit)),
                    Field::legacy(6, Str(call.legacy_start_time())),
                    Field::legacy(7, Str(full_name)),
                ],
            )),
            Self::InboundCall {
                agent,
                full_name,
                call,
            } => f(&Description::new(
                "InboundCall",
                Category::AgentCall,
                Some(agent),
                &[
                    Field::both("type", 1, Const("InboundCall")),
                    Field::both("dialogId", 3, Str(&call.dialog_id)).prefixed("DialogID:"),
                    Field::both("state", 2, Str(&call.state)),
                    // JSON: the call's start; legacy: the agent's (see CallData).
                    Field::json("startTime", Str(&call.start_time)),
                    Field::legacy(6, Str(call.legacy_start_time())),
                    Field::json("prevDialogId", OptStr(call.prev_dialog_id.as_deref())),
                    Field::both("fromAddress", 4, Str(&call.from_address)),
                    Field::both("callVariables", 5, CallVariables(call, Ani::Omit)),
                    participants(call),
                    Field::legacy(7, Str(full_name)),
                    Field::agent(agent),
                ],
            )),
            Self::NewInboundCall { agent, call } => f(&Description::new(
                "NewInboundCall",
                Category::AgentCall,
                Some(agent),
                &[
                    Field::both("type", 1, Const("NewInboundCall")),
                    Field::both("dialogId", 4, Str(&call.dialog_id)).prefixed("DialogID:"),
                    Field::both("fromAddress", 2, Str(&call.from_address)),
                    Field::both("callVariables", 3, CallVariables(call, Ani::Bare)),
                    Field::agent(agent),
                ],
            )),
            Self::ConsultCall {
                agent,
                full_name,
                call,
            } => {
                // One JSON shape; the legacy text has a failure shape with the cause in place of
                // the address, variables and start time, and `DROP` for a released call.
                let failed = call.is_failed();
                let unless_failed = |position| (!failed).then_some(position);
                let state = Field::both("state", 2, Str(&call.state));
                let state = if failed {
                    state.legacy_as("FAILED")
                } else if call.is_released() {
                    state.legacy_as("DROP")
                } else {
                    state
                };
                f(&Description::new(
                    "ConsultCall",
                    Category::AgentCall,
                    Some(agent),
                    &[
                        Field::both("type", 1, Const("ConsultCall")),
                        state,
                        Field::both("assDialogId", 3, Str(&call.dialog_id))
                            .prefixed("AssDialogID:"),
                        Field::new(
                            Some("fromAddress"),
                            unless_failed(4),
                            Str(&call.from_address),
                        ),
                        Field::json("toAddress", Str(&call.to_address)),
                        Field::json("startTime", Str(&call.start_time)),
                        Field::new(None, unless_failed(6), Str(call.legacy_start_time())),
                        Field::new(
                            Some("callVariables"),
                            unless_failed(5),
                            CallVariables(call, Ani::Omit),
                        ),
                        participants(call),
                        Field::new(None, failed.then_some(4), Str(&call.failure_cause)),
                        Field::legacy(if failed { 5 } else { 7 }, Str(full_name)),
                        Field::agent(agent),
                    ],
                ))
            }
            Self::AgentInfo {
                agent,
                first_name,
                last_name,
                supervisor,
                wrap_up_mode,
                team,
                teams,
            } => f(&Description::new(
                "AgentInfo",
                Category::AgentInfo,
                Some(agent),
                &[
                    Field::both("type", 1, Const("AgentInfo")),
                    Field::both("firstName", 2, Str(first_name)),
                    Field::both("lastName", 3, Str(last_name)),
                    Field::both("supervisor", 4, Bool(*supervisor)),
                    Field::both("wrapUpOnIncoming", 5, Str(wrap_up_mode)),
                    Field::json("teams", Records(teams, Layout::Fields)),
                    Field::json("team", Value::Record(team)),
                    Field::legacy(6, Value::FullName(first_name, last_name)),
                    Field::agent(agent),
                ],
            )),
            Self::TeamInfoIds {
                agent,
                team_ids,
                full_name,
            } => f(&Description::new(
                "TeamInfoIDs",
                Category::SupervisorInfo,
                Some(agent),
                &[
                    Field::both("type", 1, Const("TeamInfoIDs")),
                    Field::legacy(2, Const("TeamID")),
                    Field::both("teamIds", 3, List(team_ids)),
                    Field::legacy(4, Str(full_name)),
                    Field::agent(agent),
                ],
            )),
            Self::TeamInfoNames {
                agent,
                team_names,
                full_name,
            } => f(&Description::new(
                "TeamInfoNames",
                Category::SupervisorInfo,
                Some(agent),
                &[
                    Field::both("type", 1, Const("TeamInfoNames")),
                    Field::legacy(2, Const("TeamName")),
                    Field::both("teamNames", 3, List(team_names)),
                    Field::legacy(4, Str(full_name)),
                    Field::agent(agent),
                ],
            )),
            Self::DialogState {
                agent,
                full_name,
                call,
                associated,
            } => {
                let associated = associated.as_ref();
                f(&Description::new(
                    "DialogState",
                    Category::AgentDialog,
                    Some(agent),
                    &[
                        Field::both("type", 1, Const("DialogState")),
                        Field::both("dialogId", 3, Str(&call.dialog_id)),
                        Field::both("state", 2, Str(&call.state)),
                        Field::agent(agent),
                        Field::legacy(4, Str(full_name)),
                        Field::legacy(5, Str(&call.from_address)),
                        Field::legacy(6, CallVariables(call, Ani::Omit)),
                        Field::legacy(7, OptStr(associated.map(|a| a.dialog_id.as_str()))),
                        Field::legacy(8, OptStr(associated.map(|a| a.state.as_str()))),
                        Field::legacy(9, OptStr(associated.map(|a| a.from_address.as_str()))),
                        Field::legacy(10, OptCallVariables(associated)),
                    ],
                ))
            }
            Self::DialogStateControls {
                agent,
                dialog_type,
                state,
                dialog_id,
                full_name,
            } => f(&Description::new(
                "DialogStateControls",
                Category::AgentDialog,
                Some(agent),
                &[
                    Field::json("type", Const("DialogStateControls")),
                    Field::both("dialogType", 1, Str(dialog_type)),
                    Field::legacy(2, Const("DialogState")),
                    Field::both("dialogId", 4, Str(dialog_id)),
                    Field::both("state", 3, Str(state)),
                    Field::legacy(5, Str(full_name)),
                    Field::agent(agent),
                ],
            )),
            Self::ReasonCodes {
                agent,
                category,
                codes,
                full_name,
            } => f(&Description::new(
                "ReasonCodes",
                Category::AgentWork,
                Some(agent),
                &[
                    Field::both("type", 1, Const("ReasonCodes")),
                    Field::both(
                        "category",
                        2,
                        Value::Enum(category.as_str(), &ReasonCategory::ALL),
                    )
                    .prefixed("Category:"),
                    Field::json("reasonCodes", Value::ReasonCodes(codes)),
                    Field::legacy(3, Value::Codes(codes)).prefixed("Codes:"),
                    Field::legacy(4, Value::Labels(codes)).prefixed("Labels:"),
                    Field::legacy(5, Str(full_name)),
                    Field::agent(agent),
                ],
            )),
            Self::Controls { agent, controls } => f(&Description::new(
                "Control",
                Category::AgentControl,
                Some(agent),
                &[
                    Field::both("type", 1, Const("Control")),
                    Field::both("controls", 2, Records(controls, Layout::Flags)),
                    Field::agent(agent),
                ],
            )),
            Self::DialogStateBrief {
                agent,
                state,
                dialog_id,
                full_name,
            } => f(&Description::new(
                "DialogState",
                Category::AgentState,
                Some(agent),
                &[
                    Field::both("type", 1, Const("DialogState")),
                    Field::both("dialogId", 3, Str(dialog_id)),
                    Field::both("state", 2, Str(state)),
                    Field::agent(agent),
                    Field::legacy(4, Str(full_name)),
                ],
            )),
            Self::QueueList { agent, queues } => f(&Description::new(
                "QueueList",
                Category::SupervisorQueueInfo,
                Some(agent),
                &[
                    Field::both("type", 1, Const("QueueList")),
                    Field::both("queues", 2, Records(queues, Layout::Fields)),
                    Field::agent(agent),
                ],
            )),
            // The seed's JSON for "Get Team User" is the Agents list.
            Self::TeamUsersList { agent, users } => f(&Description::new(
                "TeamUsersList",
                Category::SupervisorTeam,
                Some(agent),
                &[
                    Field::both("type", 1, Const("Agents")).legacy_as("TeamUsersList"),
                    Field::both("users", 2, Records(users, Layout::Fields)),
                    Field::legacy(0, Str(agent.as_str())),
                ],
            )
            .json_in_a_list()),
            Self::TeamMemberStateChanged {
                agent,
                team_id,
                member,
            } => f(&Description::new(
                "TeamMemberStateChanged",
                Category::SupervisorTeamMemberState,
                Some(agent),
                &[
                    Field::both("type", 1, Const("TeamMemberStateChanged")),
                    Field::both("teamId", 2, Str(team_id)),
                    // After the seed's four legacy fields, a connector addition: without the
                    // login id a supervisor cannot tell which member changed.
                    Field::both("loginId", 4, Str(&member.login_id)),
                    Field::json("firstName", Str(&member.first_name)),
                    Field::json("lastName", Str(&member.last_name)),
                    Field::json("extension", Str(&member.extension)),
                    Field::both("state", 3, Str(&member.state)),
                    Field::json("reasonCode", Str(&member.reason_code)),
                    Field::json("pendingState", Str(&member.pending_state)),
                    Field::json("stateChangeTime", Str(&member.state_change_time)),
                    Field::agent(agent),
                ],
            )),
            Self::ConferenceParticipants { agent, extensions } => f(&Description::new(
                "ConferenceParticipants",
                Category::SupervisorDialog,
                Some(agent),
                &[
                    Field::both("type", 1, Const("ConferenceParticipants")),
                    Field::both("participants", 2, List(extensions)),
                    Field::agent(agent),
                ],
            )),
            Self::Reconnect {
                agent,
                request_type,
                request_text,
            } => f(&Description::new(
                "RECONNECT",
                Category::AgentState,
                Some(agent),
                &[
                    Field::both("type", 1, Const("RECONNECT")),
                    Field::json("requestType", Str(request_type)),
                    Field::both("request", 2, Str(request_text)),
                    Field::agent(agent),
                ],
            )
            .jms_type(request_type)),
            Self::DialogStatus {
                agent,
                call,
                associated,
            } => {
                let associated = associated.as_ref();
                f(&Description::new(
                    "DialogStatus",
                    Category::AgentState,
                    Some(agent),
                    &[
                        Field::both("type", 1, Const("DialogStatus")),
                        Field::both("dialogId", 2, Str(&call.dialog_id)),
                        Field::both("state", 3, Str(&call.state)),
                        Field::both("fromAddress", 4, Str(&call.from_address)),
                        Field::both("callVariables", 5, CallVariables(call, Ani::Omit)),
                        Field::both(
                            "assDialogId",
                            6,
                            OptStr(associated.map(|a| a.dialog_id.as_str())),
                        ),
                        Field::both(
                            "assDialogState",
                            7,
                            OptStr(associated.map(|a| a.state.as_str())),
                        ),
                        Field::both(
                            "assFromAddress",
                            8,
                            OptStr(associated.map(|a| a.from_address.as_str())),
                        ),
                        Field::both("assCallVariables", 9, OptCallVariables(associated)),
                        Field::agent(agent),
                    ],
                )
                // O-024: "with states and call type in JMS type" (the seed's comment).
                .jms_type_if_any(call.call_type.trim()))
            }
            Self::DestinationReconnect { destination } => f(&Description::new(
                "DESTINATION",
                Category::AgentState,
                None,
                &[
                    Field::both("type", 0, Const("DESTINATION")),
                    Field::both("destination", 1, Str(destination.as_str())),
                    Field::both("status", 2, Const("RECONNECT")),
                ],
            )),
            Self::NewOutboundCall { agent, call } => {
                new_outbound("NewOutboundCall", agent, call, f)
            }
            Self::NewOutboundPreviewCall { agent, call } => {
                new_outbound("NewOutboundPreviewCall", agent, call, f)
            }
            Self::Phonebooks { agent, books } => f(&Description::new(
                "Phonebooks",
                Category::Phonebook,
                Some(agent),
                &[
                    Field::both("type", 0, Const("Phonebooks")),
                    Field::both("phonebooks", 1, Records(books, Layout::Fields)),
                ],
            )
            .json_in_a_list()),
            Self::TeamPhonebooks { agent, books } => f(&Description::new(
                "TeamPhoneBooks",
                Category::Phonebook,
                Some(agent),
                &[
                    // The seed's Admin Commands table answers GetTeamPhonebooks with
                    // "Phonebooks" (the JSON section's type); O-30 keeps its own keyword.
                    Field::both("type", 0, Const("Phonebooks")).legacy_as("TeamPhoneBooks"),
                    Field::both("phonebooks", 1, Records(books, Layout::Fields)),
                ],
            )
            .json_in_a_list()),
            Self::PhonebookContacts {
                agent,
                phonebook_id,
                contacts,
            } => f(&Description::new(
                "PhonebookContacts",
                Category::Contacts,
                Some(agent),
                &[
                    Field::both("type", 0, Const("PhonebookContacts")),
                    Field::json("phonebookId", Str(phonebook_id)),
                    Field::both("contacts", 1, Records(contacts, Layout::Fields)),
                ],
            )
            .json_in_a_list()),
            Self::Agents { agent, users } => f(&Description::new(
                "Agents",
                Category::AgentCall,
                Some(agent),
                &[
                    Field::both("type", 1, Const("Agents")),
                    Field::both("users", 2, Records(users, Layout::Fields)),
                    Field::legacy(0, Str(agent.as_str())),
                ],
            )
            .json_in_a_list()),
        }
    }
}

/// O-028 and the seed's NewOutboundPreviewCall:
/// `<agent>#<Name>#<from_address>#ani=<ani>|<variables>#DialogID:<id>`.
fn new_outbound<'e, R>(
    name: &'static str,
    agent: &'e AgentId,
    call: &'e CallData,
    f: impl FnOnce(&Description<'e, '_>) -> R,
) -> R {
    f(&Description::new(
        name,
        Category::AgentCall,
        Some(agent),
        &[
            Field::both("type", 1, Const(name)),
            Field::both("dialogId", 4, Str(&call.dialog_id)).prefixed("DialogID:"),
            Field::both("fromAddress", 2, Str(&call.from_address)),
            Field::both("callVariables", 3, CallVariables(call, Ani::Named)),
            Field::json("calltype", Str(&call.call_type)),
            Field::agent(agent),
        ],
    ))
}

/// The call's participants, JSON only.
fn participants(call: &CallData) -> Field<'_> {
    Field::json("participants", Records(&call.participants, Layout::Fields))
}

// === impl Record ===

impl Record for Team {
    fn members<'r>(&'r self, f: &mut dyn FnMut(&[Member<'r>])) {
        f(&[
            Member::json("id", Str(&self.id)),
            Member::json("name", Str(&self.name)),
        ]);
    }
}

impl Record for Participant {
    fn members<'r>(&'r self, f: &mut dyn FnMut(&[Member<'r>])) {
        f(&[
            Member::json("mediaAddress", Str(&self.media_address)),
            Member::json("state", Str(&self.state)),
            Member::json("addressType", Str(&self.address_type)),
        ]);
    }
}

impl Record for Control {
    fn members<'r>(&'r self, f: &mut dyn FnMut(&[Member<'r>])) {
        f(&[
            Member::both("index", "index", Value::Number(self.index)),
            Member::both("visible", "visible", Bool(self.visible)),
        ]);
    }
}

impl Record for QueueStats {
    fn members<'r>(&'r self, f: &mut dyn FnMut(&[Member<'r>])) {
        f(&[
            Member::both("name", "QueueName", Str(&self.name)),
            Member::both(
                "agentsNotReady",
                "AgentsNotReady",
                Str(&self.agents_not_ready),
            ),
            Member::both("agentsReady", "AgentsReady", Str(&self.agents_ready)),
            Member::both(
                "agentsTalkingInbound",
                "AgentsTalkingInbound",
                Str(&self.agents_talking_inbound),
            ),
            Member::both(
                "agentsTalkingInternal",
                "AgentsTalkingInternal",
                Str(&self.agents_talking_internal),
            ),
            Member::both(
                "agentsTalkingOutbound",
                "AgentsTalkingOutbound",
                Str(&self.agents_talking_outbound),
            ),
            Member::both(
                "agentsWrapUpNotReady",
                "AgentsWrapUpNotReady",
                Str(&self.agents_wrap_up_not_ready),
            ),
            Member::both(
                "agentsWrapUpReady",
                "AgentsWrapUpReady",
                Str(&self.agents_wrap_up_ready),
            ),
            Member::both("callsInQueue", "CallsInQueue", Str(&self.calls_in_queue)),
            Member::both(
                "startTimeOfLongestCallInQueue",
                "StartTimeOfLongestCallInQueue",
                Str(&self.start_time_of_longest_call_in_queue),
            ),
        ]);
    }
}

/// O-020 lists the member in full; the seed's JSON (the Agents shape) only by name and
/// extension.
impl Record for TeamMember {
    fn members<'r>(&'r self, f: &mut dyn FnMut(&[Member<'r>])) {
        f(&[
            Member::both("firstName", "FirstName", Str(&self.first_name)),
            Member::both("lastName", "LastName", Str(&self.last_name)),
            Member::both("extension", "Extension", Str(&self.extension)),
            Member::legacy("LoginID", Str(&self.login_id)),
            Member::legacy("State", Str(&self.state)),
            Member::legacy("PendingState", Str(&self.pending_state)),
            Member::legacy("MediaType", Str(&self.media_type)),
            Member::legacy("StateChangeTime", Str(&self.state_change_time)),
        ]);
    }
}

impl Record for AgentSummary {
    fn members<'r>(&'r self, f: &mut dyn FnMut(&[Member<'r>])) {
        f(&[
            Member::both("firstName", "FirstName", Str(&self.first_name)),
            Member::both("lastName", "LastName", Str(&self.last_name)),
            Member::both("extension", "Extension", Str(&self.extension)),
        ]);
    }
}

impl Record for Phonebook {
    fn members<'r>(&'r self, f: &mut dyn FnMut(&[Member<'r>])) {
        f(&[
            Member::both("name", "name", Str(&self.name)),
            Member::legacy("type", Str(&self.kind)),
            Member::both("id", "id", Str(&self.id)),
        ]);
    }
}

/// The legacy text names the id `id`, the seed's JSON `contactId`; only the legacy text has
/// the description.
impl Record for Contact {
    fn members<'r>(&'r self, f: &mut dyn FnMut(&[Member<'r>])) {
        f(&[
            Member::legacy("description", Str(&self.description)),
            Member::both("firstName", "firstName", Str(&self.first_name)),
            Member::both("lastName", "lastName", Str(&self.last_name)),
            Member::both("phoneNumber", "phoneNumber", Str(&self.phone_number)),
            Member::both("contactId", "id", Str(&self.id)),
        ]);
    }
}
