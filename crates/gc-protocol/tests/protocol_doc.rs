//! Keeps docs/protocol.md true to the code: its command, event and error tables are generated
//! here from gc-protocol itself, and this test fails when the file differs.
//! To rewrite the generated parts after a change: `GC_BLESS=1 cargo test -p gc-protocol --test protocol_doc`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::PathBuf;

use catalogue::events;
use gc_protocol::{Command, ErrorCode, Format, user_messages::USER_MESSAGES};

#[path = "support/catalogue.rs"]
mod catalogue;

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
        if let Some(jms_type) = event.jms_type() {
            writeln!(out, "Header `JMSType`: `{jms_type}` (not `TextMessage`).\n").unwrap();
        }
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
