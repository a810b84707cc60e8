//! Keeps docs/protocol.md true to the code: its command, event and error tables are generated
//! here from gc-protocol itself, and this test fails when the file differs.
//! To rewrite the generated parts after a change: `GC_BLESS=1 cargo test -p gc-protocol --test protocol_doc`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::PathBuf;

use gc_protocol::event::{
    AgentSummary, Contact, Control, Phonebook, QueueStats, ReasonCategory, Team, TeamMember,
};
use gc_protocol::{
    AgentId, CallData, Command, DestinationName, ErrorCode, Event, Format, Participant,
    SystemStatus, user_messages::USER_MESSAGES,
};

/// `(what it does, JMS type, body)` for every command, in the seed's order.
const COMMANDS: &[(&str, &str, &str)] = &[
    (
        "Register a client destination (answered with System status)",
        "Hello#crm-host-7",
        "",
    ),
    (
        "Heartbeat of a registered destination",
        "Beat#crm-host-7",
        "",
    ),
    (
        "Bind the agent to a client destination (`,SSO` optional)",
        "Connect#1001",
        "crm-host-7,secret",
    ),
    ("Agent login", "Login#1001", "secret,3001"),
    (
        "Mobile agent login (`true` call by call, `false` nailed)",
        "MobileAgentLogin#1001",
        "secret,3001,00493012345,true",
    ),
    ("Agent logout", "Logout#1001", ""),
    ("Make agent ready", "MakeReady#1001", ""),
    ("Make agent not ready", "MakeNotReady#1001", ""),
    ("Get agent current state", "GetState#1001", ""),
    (
        "Not ready with reason code",
        "MakeNotReadyWithReason#1001",
        "7",
    ),
    ("Make a call", "MakeCall#1001", "4012"),
    ("Answer a call", "AnswerCall#1001", "16871253"),
    ("Hold a call", "HoldCall#1001", "16871253"),
    ("Unhold a call", "RetrieveCall#1001", "16871253"),
    ("Release a call", "ReleaseCall#1001", "16871253"),
    ("Get wrap-up reasons", "wrapupreasoncode#1001", ""),
    ("Get logout reason codes", "reasoncodelogout#1001", ""),
    ("Get not-ready reason codes", "reasoncodenotready#1001", ""),
    ("Blind transfer", "Transfer_sst#1001", "3002,16871253"),
    (
        "Start a consult (for transfer or conference)",
        "ConsultCall#1001",
        "3002,16871253",
    ),
    (
        "Complete a transfer (your own extension, the original dialog)",
        "TransferCall#1001",
        "3001,16871253",
    ),
    (
        "Complete a conference (your own extension, the original dialog)",
        "Conferencecall#1001",
        "3001,16871253",
    ),
    ("Get dialog state", "getdialogstate#1001", "16871253"),
    (
        "Set the wrap-up reason of a dialog",
        "wrapup#1001",
        "Bill Inquiry,16871253",
    ),
    ("Logout with reason", "logoutwithreason#1001", "12"),
    (
        "Abrupt disconnection (logs the agent out)",
        "force_logout#1001",
        "",
    ),
    (
        "Get dialog state and controls",
        "getdialogstatecontrols#1001",
        "16871253",
    ),
    ("Make work not ready", "makeworknotready#1001", ""),
    ("Make work ready", "makeworkready#1001", ""),
    (
        "Get dialog participants",
        "getDialogParticipants#1001",
        "16871253",
    ),
    ("Get logged-in agents", "getallagents#1001", ""),
    (
        "Update a call variable",
        "update_call_variable#1001",
        "16871253,callVariable3,gold",
    ),
    ("Pause Zoom call recording", "ZOOMPauseRecording#1001", ""),
    ("Resume Zoom call recording", "ZOOMResumeRecording#1001", ""),
    (
        "Re-publish everything the client should show",
        "refresh#1001",
        "",
    ),
    ("Get team and global phone books", "GetPhonebooks#1001", ""),
    (
        "Get the contacts of a phone book",
        "GetPhonebookContacts#1001",
        "5",
    ),
    (
        "Accept an outbound preview call",
        "AcceptOutboundPreview#1001",
        "16871253,ACCEPT",
    ),
    (
        "Reject an outbound preview call",
        "RejectOutboundPreview#1001",
        "16871253,REJECT",
    ),
    (
        "Close an outbound preview call",
        "CloseOutboundPreview#1001",
        "16871253,CLOSE",
    ),
    ("Supervisor: queue statistics", "getqueuelist#2001", ""),
    (
        "Supervisor: silently monitor an agent's extension",
        "silentmonitor#2001",
        "3002",
    ),
    (
        "Supervisor: end silent monitoring",
        "endsilentmonitor#2001",
        "16871253",
    ),
    (
        "Supervisor: drop a participant",
        "dropparticipant#2001",
        "3002,16871253",
    ),
    (
        "Supervisor: team users (`,true` also subscribes)",
        "getteamusers#2001",
        "1,true",
    ),
    (
        "Supervisor: one team member's state",
        "getteamuserstate#2001",
        "1002",
    ),
    ("Supervisor: barge in", "bargein#2001", "1002,16871253"),
    ("Team phone books", "GetTeamPhonebooks#2001", ""),
];

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
fn events() -> Vec<(&'static str, &'static str, Event)> {
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
            "Dialogs after a failover",
            Event::DialogStatus {
                agent: agent("1001"),
                call: call("16871253", "ACTIVE"),
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

fn commands_section() -> String {
    let mut out = String::from("| Command | Category | JMS type | Body |\n|---|---|---|---|\n");
    for (what, jms_type, body) in COMMANDS {
        let cmd = Command::parse(Some(jms_type), body.as_bytes()).expect("doc example parses");
        let body = if body.is_empty() {
            "(empty)".to_owned()
        } else {
            format!("`{body}`")
        };
        writeln!(
            out,
            "| {what} | `{}` | `{jms_type}` | {body} |",
            cmd.category()
        )
        .unwrap();
    }
    out
}

fn events_section() -> String {
    let mut out = String::new();
    for (id, what, event) in events() {
        writeln!(out, "#### {id} {what}\n").unwrap();
        writeln!(
            out,
            "Category `{}`, events routing key `{}`.\n",
            event.category(),
            event.events_routing_key()
        )
        .unwrap();
        writeln!(out, "```text\n{}\n```\n", event.render(Format::Legacy)).unwrap();
        writeln!(out, "```json\n{}\n```\n", event.render(Format::Json)).unwrap();
    }
    out
}

fn errors_section() -> String {
    let mut out = String::from("| Code | Origin | Meaning | Client should |\n|---|---|---|---|\n");
    for code in ErrorCode::all() {
        writeln!(
            out,
            "| `{}` | {:?} | {} | {} |",
            code.as_str(),
            code.origin(),
            code.description(),
            code.driver_behaviour()
        )
        .unwrap();
    }
    out
}

fn user_messages_section() -> String {
    let mut out = String::from("| Message | Text |\n|---|---|\n");
    for (key, text) in USER_MESSAGES {
        writeln!(out, "| `{key}` | {text} |").unwrap();
    }
    out
}

/// Replaces the text between `<!-- generated:NAME -->` and `<!-- end:NAME -->`.
fn splice(doc: &str, name: &str, content: &str) -> String {
    let start = format!("<!-- generated:{name} -->\n");
    let end = format!("<!-- end:{name} -->");
    let from = doc
        .find(&start)
        .unwrap_or_else(|| panic!("marker {start:?} missing"))
        + start.len();
    let to = doc
        .find(&end)
        .unwrap_or_else(|| panic!("marker {end:?} missing"));
    format!("{}{content}{}", &doc[..from], &doc[to..])
}

#[test]
fn protocol_md_is_generated_from_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md");
    let doc = std::fs::read_to_string(&path).expect("docs/protocol.md exists");
    let mut expected = doc.clone();
    for (name, content) in [
        ("commands", commands_section()),
        ("events", events_section()),
        ("errors", errors_section()),
        ("user-messages", user_messages_section()),
    ] {
        expected = splice(&expected, name, &content);
    }
    if std::env::var_os("GC_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        doc == expected,
        "docs/protocol.md is out of date; run `GC_BLESS=1 cargo test -p gc-protocol --test protocol_doc`"
    );
}

#[test]
fn every_command_name_is_documented() {
    for name in gc_protocol::CommandName::ALL {
        assert!(
            COMMANDS
                .iter()
                .any(|(_, t, _)| t.split('#').next() == Some(name.as_str())),
            "{name} has no example"
        );
    }
}
