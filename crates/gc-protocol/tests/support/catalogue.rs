//! One example of every event and of every shape an event has (the three InboundCall shapes,
//! State and RE_LOGIN …): docs/protocol.md shows them (`protocol_doc.rs`) and docs/schemas/ is
//! generated from them (`json_schemas.rs`). A new event needs one entry here.

#![allow(clippy::unwrap_used)]

use gc_protocol::event::{
    AgentSummary, Contact, Control, Phonebook, QueueStats, ReasonCategory, Team, TeamMember,
};
use gc_protocol::{
    AgentId, CallData, DestinationName, ErrorCode, Event, Participant, SystemStatus,
};

fn agent(id: &str) -> AgentId {
    AgentId::parse(id).unwrap()
}

fn call(id: &str, state: &str) -> CallData {
    CallData {
        dialog_id: id.into(),
        state: state.into(),
        from_address: "4012".into(),
        to_address: "3001".into(),
        ani: "4012".into(),
        call_variables: vec![("callVariable1".into(), "gold".into())],
        start_time: "2026-11-25 10:15:02".into(),
        participants: vec![
            Participant {
                media_address: "4012".into(),
                state: "ACTIVE".into(),
                address_type: String::new(),
            },
            Participant {
                media_address: "3001".into(),
                state: state.into(),
                address_type: "AGENT_DEVICE".into(),
            },
        ],
        ..CallData::default()
    }
}

fn member() -> TeamMember {
    TeamMember {
        first_name: "Ali".into(),
        last_name: "Khan".into(),
        extension: "3002".into(),
        login_id: "1002".into(),
        state: "READY".into(),
        pending_state: String::new(),
        media_type: "1".into(),
        state_change_time: "2026-11-25 10:15:02".into(),
        reason_code: String::new(),
    }
}

/// `(seed output id, description, event)` for every kind of event.
pub(crate) fn events() -> Vec<(&'static str, &'static str, Event)> {
    let maria = || "Maria Meier".to_owned();
    let mut failed = call("16871253", "FAILED");
    failed.failure_cause = "CALL_REJECTED".into();
    let mut outbound = call("16871300", "INITIATED");
    outbound
        .call_variables
        .push(("BACampaign".into(), "Spring".into()));
    outbound.call_type = "OUTBOUND".into();
    vec![
        (
            "O-001",
            "Agent state",
            Event::State {
                agent: agent("1001"),
                state: "NOT_READY".into(),
                reason_code: "7".into(),
                pending_state: String::new(),
                state_change_time: "2026-11-25 10:15:02".into(),
                full_name: maria(),
            },
        ),
        (
            "O-002",
            "Error",
            Event::Error {
                agent: Some(agent("1001")),
                code: ErrorCode::MissingExtension,
            },
        ),
        (
            "O-003",
            "Print a message in the agent window",
            Event::PrintStatusBar {
                agent: agent("1001"),
                message: "Shift ends at 18:00".into(),
            },
        ),
        (
            "O-004",
            "System in service",
            Event::System(SystemStatus::InService),
        ),
        (
            "O-005",
            "System out of service",
            Event::System(SystemStatus::OutOfService),
        ),
        (
            "O-006",
            "Agent logged out",
            Event::LoggedOut {
                agent: agent("1001"),
            },
        ),
        (
            "O-007",
            "Agent unknown to the connector: log in again",
            Event::ReLogin {
                agent: agent("1001"),
            },
        ),
        (
            "O-008",
            "Inbound call state",
            Event::InboundCall {
                agent: agent("1001"),
                full_name: maria(),
                call: call("16871253", "ACTIVE"),
            },
        ),
        (
            "O-008",
            "Inbound call released (JSON: the seed's release shape)",
            Event::InboundCall {
                agent: agent("1001"),
                full_name: maria(),
                call: call("16871253", "DROPPED"),
            },
        ),
        (
            "O-008",
            "Inbound call failed",
            Event::InboundCall {
                agent: agent("1001"),
                full_name: maria(),
                call: failed,
            },
        ),
        (
            "O-009",
            "New inbound call",
            Event::NewInboundCall {
                agent: agent("1001"),
                call: call("16871253", "ALERTING"),
            },
        ),
        (
            "O-010",
            "Consult call state",
            Event::ConsultCall {
                agent: agent("1001"),
                full_name: maria(),
                call: call("16871288", "INITIATED"),
            },
        ),
        (
            "O-011",
            "Agent info upon login",
            Event::AgentInfo {
                agent: agent("1001"),
                first_name: "Maria".into(),
                last_name: "Meier".into(),
                supervisor: false,
                wrap_up_mode: "OPTIONAL".into(),
                team: Team {
                    id: "1".into(),
                    name: "Sales".into(),
                },
                teams: Vec::new(),
            },
        ),
        (
            "O-012",
            "Supervisor team ids",
            Event::TeamInfoIds {
                agent: agent("2001"),
                team_ids: vec!["1".into(), "2".into()],
                full_name: "Sam Boss".into(),
            },
        ),
        (
            "O-013",
            "Supervisor team names",
            Event::TeamInfoNames {
                agent: agent("2001"),
                team_names: vec!["Sales".into(), "Support".into()],
                full_name: "Sam Boss".into(),
            },
        ),
        (
            "O-014",
            "Dialog state (reply to getdialogstate)",
            Event::DialogState {
                agent: agent("1001"),
                full_name: maria(),
                call: call("16871253", "HELD"),
                associated: Some(call("16871288", "ACTIVE")),
            },
        ),
        (
            "O-015",
            "Dialog state controls",
            Event::DialogStateControls {
                agent: agent("1001"),
                dialog_type: "InboundCall".into(),
                state: "ACTIVE".into(),
                dialog_id: "16871253".into(),
                full_name: maria(),
            },
        ),
        (
            "O-016",
            "Reason codes",
            Event::ReasonCodes {
                agent: agent("1001"),
                category: ReasonCategory::NotReady,
                codes: vec![("1".into(), "Lunch".into()), ("2".into(), "Break".into())],
                full_name: maria(),
            },
        ),
        (
            "O-017",
            "Controls",
            Event::Controls {
                agent: agent("1001"),
                controls: vec![
                    Control {
                        index: 1,
                        visible: true,
                    },
                    Control {
                        index: 2,
                        visible: false,
                    },
                ],
            },
        ),
        (
            "O-018",
            "Dialog state without controls (deprecated)",
            Event::DialogStateBrief {
                agent: agent("1001"),
                state: "ACTIVE".into(),
                dialog_id: "16871253".into(),
                full_name: maria(),
            },
        ),
        (
            "O-019",
            "Queue list",
            Event::QueueList {
                agent: agent("2001"),
                queues: vec![QueueStats {
                    name: "Sales".into(),
                    agents_not_ready: "1".into(),
                    agents_ready: "2".into(),
                    agents_talking_inbound: "3".into(),
                    agents_talking_internal: "0".into(),
                    agents_talking_outbound: "1".into(),
                    agents_wrap_up_not_ready: "0".into(),
                    agents_wrap_up_ready: "1".into(),
                    calls_in_queue: "4".into(),
                    start_time_of_longest_call_in_queue: "2026-11-25 10:12:40".into(),
                }],
            },
        ),
        (
            "O-020",
            "Team users",
            Event::TeamUsersList {
                agent: agent("2001"),
                users: vec![member()],
            },
        ),
        (
            "O-021",
            "Team member state changed",
            Event::TeamMemberStateChanged {
                agent: agent("2001"),
                team_id: "1".into(),
                member: member(),
            },
        ),
        (
            "O-022",
            "Conference participants",
            Event::ConferenceParticipants {
                agent: agent("2001"),
                extensions: vec!["3001".into(), "3002".into()],
            },
        ),
        (
            "O-023",
            "Reconnect (deprecated; JMS type = the request's)",
            Event::Reconnect {
                agent: agent("1001"),
                request_type: "MakeReady#1001".into(),
                request_text: String::new(),
            },
        ),
        (
            "O-024",
            "Dialogs after a failover (JMS type = the call type)",
            Event::DialogStatus {
                agent: agent("1001"),
                call: CallData {
                    call_type: "PREROUTE_ACD_IN".into(),
                    ..call("16871253", "ACTIVE")
                },
                associated: None,
            },
        ),
        (
            "O-026",
            "Reconnect destination",
            Event::DestinationReconnect {
                destination: DestinationName::parse("crm-host-7").unwrap(),
            },
        ),
        (
            "O-027",
            "System not reachable",
            Event::System(SystemStatus::NotReachable),
        ),
        (
            "O-028",
            "New outbound call",
            Event::NewOutboundCall {
                agent: agent("1001"),
                call: outbound.clone(),
            },
        ),
        (
            "JSON",
            "New outbound preview call",
            Event::NewOutboundPreviewCall {
                agent: agent("1001"),
                call: outbound,
            },
        ),
        (
            "O-29",
            "Phone books",
            Event::Phonebooks {
                agent: agent("1001"),
                books: vec![
                    Phonebook {
                        name: "Global".into(),
                        kind: "GLOBAL".into(),
                        id: "1".into(),
                    },
                    Phonebook {
                        name: "Sales".into(),
                        kind: "TEAM".into(),
                        id: "2".into(),
                    },
                ],
            },
        ),
        (
            "O-30",
            "Team phone books",
            Event::TeamPhonebooks {
                agent: agent("1001"),
                books: vec![Phonebook {
                    name: "Sales".into(),
                    kind: "TEAM".into(),
                    id: "2".into(),
                }],
            },
        ),
        (
            "O-31",
            "Phone book contacts",
            Event::PhonebookContacts {
                agent: agent("1001"),
                phonebook_id: "1".into(),
                contacts: vec![Contact {
                    description: "Key account".into(),
                    first_name: "Eva".into(),
                    last_name: "Lind".into(),
                    phone_number: "4015".into(),
                    id: "11".into(),
                }],
            },
        ),
        (
            "JSON",
            "Logged-in agents (getallagents)",
            Event::Agents {
                agent: agent("1001"),
                users: vec![AgentSummary {
                    first_name: "Ali".into(),
                    last_name: "Khan".into(),
                    extension: "3002".into(),
                }],
            },
        ),
    ]
}
