//! The seed's Agent Commands table, call rows (agent_call, agent_dialog): the Finesse dialog
//! action each one requests and the call events (O-008, O-009, O-010, O-014, O-015, O-017,
//! O-022, O-028, NewOutboundPreviewCall) the resulting dialog notifications become.

// Test helpers outside #[test] functions build fixtures from literals; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use gc_core::TimerId;
use gc_core::finesse::{CallVariable, Dialog, DialogAction, FinesseReply, Request};
use gc_protocol::{DialNumber, DialogId, ErrorCode, Extension, Format};
use support::{
    DialogExt, NO_VARS, UserExt, World, added, agent, changed, consult, consult_line, dialog,
    dropped, failure, held, inbound_line, removed, ringing, talking, user,
};

fn ext(e: &str) -> Extension {
    Extension::parse(e).unwrap()
}

fn id(d: &str) -> DialogId {
    DialogId::parse(d).unwrap()
}

fn action(dialog: &str, target: &str, action: DialogAction) -> Request {
    Request::DialogAction {
        dialog: id(dialog),
        target: ext(target),
        action,
    }
}

/// One agent logged in on crm-7 with extension 3001.
fn agent_1001() -> World {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w
}

// === inbound calls ===

/// O-008 `<call_start_time>`: "Shows the agent start time in call". The caller's leg started
/// at 12:30:05, the agent's (transferred in) at 12:31:40: the legacy text shows the agent's
/// (the JSON `startTime` stays the call's: gc-protocol's seed_events).
#[test]
fn call_start_time_is_the_agents_own_leg() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    let mut call = talking("16871253", "3001");
    call.participants[1].start_time = Some("2026-11-25T12:31:40.000Z".into());
    w.notify("1001", added(call, None));
    let full = support::full_name("1001");
    let lines = w.take_for("crm-7");
    assert!(
        lines.contains(&format!(
            "1001#InboundCall#ACTIVE#DialogID:16871253#4012#{NO_VARS}#2026-11-25 12:31:40#{full}"
        )),
        "{lines:?}"
    );
}

/// A new inbound dialog: NewInboundCall (O-009) then InboundCall ALERTING (O-008).
#[test]
fn a_ringing_call_is_announced_as_new_inbound_call() {
    let mut w = agent_1001();
    w.notify(
        "1001",
        added(
            ringing("16871253", "3001").var("callVariable1", "gold"),
            None,
        ),
    );
    let vars = NO_VARS.replacen("callVariable1=", "callVariable1=gold", 1);
    assert_eq!(
        w.take_for("crm-7"),
        [
            format!("1001#NewInboundCall#4012#4012|{vars}#DialogID:16871253"),
            format!(
                "1001#InboundCall#ALERTING#DialogID:16871253#4012#{vars}#2026-11-25 12:30:05#Maria Meier"
            ),
        ]
    );
    w.assert_quiet();
}

/// The same on a JSON destination: the seed's NewInboundCall and InboundCall samples.
#[test]
fn a_ringing_call_on_a_json_destination() {
    let mut w = World::standard();
    w.send_full("Hello#web-1", "", None, None, Some(Format::Json));
    w.connect("1001", "web-1");
    w.send("Login#1001", "secret,3001");
    let op = w.next_op();
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("READY"),
        Some(&op.request_id),
    );
    w.clear();
    w.notify("1001", added(ringing("16871253", "3001"), None));
    let vars = r#"[{"callVariable1":""},{"callVariable2":""},{"callVariable3":""},{"callVariable4":""},{"callVariable5":""},{"callVariable6":""},{"callVariable7":""},{"callVariable8":""},{"callVariable9":""},{"callVariable10":""},{"ani":"4012"}]"#;
    assert_eq!(
        w.take_for("web-1"),
        [
            format!(
                r#"{{"type":"NewInboundCall","dialogId":"16871253","fromAddress":"4012","callVariables":{vars},"agentId":"1001"}}"#
            ),
            format!(
                r#"{{"type":"InboundCall","dialogId":"16871253","state":"ALERTING","startTime":"2026-11-25 12:30:05","prevDialogId":null,"fromAddress":"4012","callVariables":{vars},"participants":[{{"mediaAddress":"4012","state":"ACTIVE","addressType":""}},{{"mediaAddress":"3001","state":"ALERTING","addressType":"AGENT_DEVICE"}}],"agentId":"1001"}}"#
            ),
        ]
    );
    w.notify("1001", removed(dropped("16871253", "3001"), None));
    assert_eq!(
        w.take_for("web-1"),
        [
            r#"{"type":"InboundCall","dialogId":"16871253","prevDialogId":null,"state":"DROPPED","agentId":"1001"}"#
        ]
    );
}

/// Row "Answer a call" → Inbound Call.
#[test]
fn answer_call_answers_on_the_agent_extension() {
    let mut w = agent_1001();
    w.ring("1001", "16871253");
    w.send("AnswerCall#1001", "16871253");
    let op = w.next_op();
    assert_eq!(op.op, action("16871253", "3001", DialogAction::Answer));
    w.accept(&op);
    w.notify(
        "1001",
        changed(talking("16871253", "3001"), Some(&op.request_id)),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [inbound_line("1001", "ACTIVE", "16871253", "4012")]
    );
    w.assert_quiet();
}

/// Row "Hold a call" → Inbound Call HELD.
#[test]
fn hold_call_holds() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    w.send("HoldCall#1001", "16871253");
    let op = w.next_op();
    assert_eq!(op.op, action("16871253", "3001", DialogAction::Hold));
    w.accept(&op);
    w.notify(
        "1001",
        changed(held("16871253", "3001"), Some(&op.request_id)),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [inbound_line("1001", "HELD", "16871253", "4012")]
    );
}

/// Row "Unhold a call" → Inbound Call ACTIVE.
#[test]
fn retrieve_call_retrieves() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    w.notify("1001", changed(held("16871253", "3001"), None));
    w.clear();
    w.send("RetrieveCall#1001", "16871253");
    let op = w.next_op();
    assert_eq!(op.op, action("16871253", "3001", DialogAction::Retrieve));
    w.accept(&op);
    w.notify(
        "1001",
        changed(talking("16871253", "3001"), Some(&op.request_id)),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [inbound_line("1001", "ACTIVE", "16871253", "4012")]
    );
}

/// Row "Release a call" → Inbound Call DROP (wrap-up first when Finesse has it).
#[test]
fn release_call_drops_and_the_client_sees_drop() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    w.send("ReleaseCall#1001", "16871253");
    let op = w.next_op();
    assert_eq!(op.op, action("16871253", "3001", DialogAction::Drop));
    w.accept(&op);
    let wrap_up = dialog("16871253", "ACD_IN", "4012", "3001")
        .state("DROPPED")
        .with("4012", "DROPPED", false, &[])
        .with("3001", "WRAP_UP", true, &["UPDATE_CALL_DATA"]);
    w.notify("1001", changed(wrap_up, Some(&op.request_id)));
    w.notify("1001", removed(dropped("16871253", "3001"), None));
    assert_eq!(
        w.take_for("crm-7"),
        [
            inbound_line("1001", "WRAP_UP", "16871253", "4012"),
            inbound_line("1001", "DROP", "16871253", "4012"),
        ]
    );
    w.assert_quiet();
}

/// Row "Make a call" → Inbound Call (INITIATING, INITIATED, ACTIVE).
#[test]
fn make_call_dials_from_the_agent_extension() {
    let mut w = agent_1001();
    w.send("MakeCall#1001", "4012");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::MakeCall {
            from: ext("3001"),
            to: DialNumber::parse("4012").unwrap()
        }
    );
    w.accept(&op);
    let out = |me: &str, far: Option<&str>| {
        let d = dialog("16871300", "AGENT_OUT", "3001", "4012").with("3001", me, true, &["DROP"]);
        match far {
            Some(state) => d.with("4012", state, false, &[]),
            None => d,
        }
    };
    w.notify(
        "1001",
        added(
            out("INITIATING", None).state("INITIATING"),
            Some(&op.request_id),
        ),
    );
    w.notify(
        "1001",
        changed(out("INITIATED", Some("ALERTING")).state("ALERTING"), None),
    );
    w.notify("1001", changed(out("ACTIVE", Some("ACTIVE")), None));
    assert_eq!(
        w.take_for("crm-7"),
        [
            inbound_line("1001", "INITIATING", "16871300", "3001"),
            inbound_line("1001", "INITIATED", "16871300", "3001"),
            inbound_line("1001", "ACTIVE", "16871300", "3001"),
        ]
    );
}

/// MakeCall errors: no number (parser), a bad destination (Finesse, asynchronously).
#[test]
fn make_call_errors() {
    let mut w = agent_1001();
    w.send("MakeCall#1001", "");
    assert_eq!(w.take_for("crm-7"), ["1001#Error#MISSING_NUMBER"]);
    assert!(w.ops.is_empty());
    w.send_full("MakeCall#1001", "99", Some("rq"), Some("c-1"), None);
    let op = w.next_op();
    w.accept(&op);
    w.api_error(
        "1001",
        Some(&op.request_id),
        failure(ErrorCode::CfInvalidCalledDevice, "Call Operation Failure"),
    );
    assert_eq!(
        w.take_replies("rq"),
        [(
            "1001#Error#CF_INVALID_CALLED_DEVICE".to_owned(),
            Some("c-1".to_owned())
        )]
    );
}

/// A failed call: FAILED with its cause (O-008 failure form), then DROP when it goes.
#[test]
fn a_failed_call_shows_its_cause_once_then_drop() {
    let mut w = agent_1001();
    w.send("MakeCall#1001", "4099");
    let op = w.next_op();
    w.accept(&op);
    let failed = dialog("16871300", "AGENT_OUT", "3001", "4099")
        .state("FAILED")
        .with("3001", "FAILED", true, &["DROP"])
        .cause("3001", "BUSY");
    w.notify("1001", added(failed.clone(), Some(&op.request_id)));
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#InboundCall#FAILED#DialogID:16871300#BUSY#Maria Meier"]
    );
    w.notify("1001", removed(failed, None));
    assert_eq!(
        w.take_for("crm-7"),
        [inbound_line("1001", "DROP", "16871300", "3001")]
    );
}

/// NO_DIALOG_ID for a dialog the agent does not have, on every dialog command, with the
/// request's correlation id; Finesse sees nothing.
#[test]
fn dialog_commands_on_an_unknown_dialog_are_no_dialog_id() {
    let mut w = agent_1001();
    for (command, body) in [
        ("AnswerCall", "999"),
        ("HoldCall", "999"),
        ("RetrieveCall", "999"),
        ("ReleaseCall", "999"),
        ("Transfer_sst", "4013,999"),
        ("ConsultCall", "3002,999"),
        ("TransferCall", "3001,999"),
        ("Conferencecall", "3001,999"),
        ("wrapup", "Bill Inquiry,999"),
        ("getdialogstatecontrols", "999"),
        ("getDialogParticipants", "999"),
        ("update_call_variable", "999,callVariable3,gold"),
        ("AcceptOutboundPreview", "999,ACCEPT"),
        ("RejectOutboundPreview", "999,REJECT"),
        ("CloseOutboundPreview", "999,CLOSE"),
    ] {
        w.send_full(
            &format!("{command}#1001"),
            body,
            Some("rq"),
            Some(command),
            None,
        );
        assert_eq!(
            w.take_replies("rq"),
            [(
                "1001#Error#NO_DIALOG_ID".to_owned(),
                Some(command.to_owned())
            )],
            "{command}"
        );
        assert_eq!(
            w.take_for("crm-7"),
            ["1001#Error#NO_DIALOG_ID"],
            "{command}"
        );
    }
    w.assert_quiet();
}

/// An asynchronous error for a dialog action reaches reply_to with the correlation id.
#[test]
fn a_rejected_dialog_action_is_answered_with_the_correlation_id() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    w.send_full(
        "HoldCall#1001",
        "16871253",
        Some("rq"),
        Some("hold-1"),
        None,
    );
    let op = w.next_op();
    w.accept(&op);
    w.api_error(
        "1001",
        Some(&op.request_id),
        failure(ErrorCode::CfInvalidObjectState, "Call Operation Failure"),
    );
    assert_eq!(
        w.take_replies("rq"),
        [(
            "1001#Error#CF_INVALID_OBJECT_STATE".to_owned(),
            Some("hold-1".to_owned())
        )]
    );
    // A REST failure likewise.
    w.send_full(
        "HoldCall#1001",
        "16871253",
        Some("rq"),
        Some("hold-2"),
        None,
    );
    let op = w.next_op();
    w.fail(&op, ErrorCode::ECtiInvalidCallId);
    assert_eq!(
        w.take_replies("rq"),
        [(
            "1001#Error#E_CTI_INVALID_CALLID".to_owned(),
            Some("hold-2".to_owned())
        )]
    );
}

/// The notification of a dialog action never comes: the dialogs are read and the change the
/// client missed is published.
#[test]
fn a_dialog_action_without_notification_falls_back_to_reading_the_dialogs() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    w.send("HoldCall#1001", "16871253");
    let op = w.next_op();
    w.accept(&op);
    assert!(w.timer_armed(&TimerId::Request(op.request_id.clone())));
    w.advance(Duration::from_secs(10));
    let get = w.next_op();
    assert_eq!(get.op, Request::GetDialogs);
    w.answer(&get, FinesseReply::Dialogs(vec![held("16871253", "3001")]));
    assert_eq!(
        w.take_for("crm-7"),
        [inbound_line("1001", "HELD", "16871253", "4012")]
    );
    w.assert_quiet();
}

// === transfer and conference ===

/// A consult from 1001 (on 16871253) to 1002: the held original, the ConsultCall states with
/// AssDialogID for 1001, and a new inbound call for 1002.
fn consulting() -> World {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.login("1002", "crm-8", "3002");
    w.talk("1001", "16871253");
    w.send("ConsultCall#1001", "3002,16871253");
    let op = w.next_op();
    assert_eq!(
        op.op,
        action(
            "16871253",
            "3001",
            DialogAction::ConsultCall {
                to: DialNumber::parse("3002").unwrap()
            }
        )
    );
    w.accept(&op);
    w.notify(
        "1001",
        changed(held("16871253", "3001"), Some(&op.request_id)),
    );
    w.notify(
        "1001",
        added(
            dialog("16871288", "CONSULT", "3001", "3002")
                .state("INITIATING")
                .with("3001", "INITIATING", true, &["DROP"]),
            None,
        ),
    );
    w.notify(
        "1001",
        changed(
            consult("16871288", "3001", "3002", "INITIATED", "ALERTING").state("ALERTING"),
            None,
        ),
    );
    w.notify(
        "1002",
        added(
            consult("16871288", "3001", "3002", "INITIATED", "ALERTING").state("ALERTING"),
            None,
        ),
    );
    w.notify(
        "1001",
        changed(
            consult("16871288", "3001", "3002", "ACTIVE", "ACTIVE"),
            None,
        ),
    );
    w.notify(
        "1002",
        changed(
            consult("16871288", "3001", "3002", "ACTIVE", "ACTIVE"),
            None,
        ),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [
            inbound_line("1001", "HELD", "16871253", "4012"),
            consult_line("1001", "INITIATING", "16871288", "3001"),
            consult_line("1001", "INITIATED", "16871288", "3001"),
            consult_line("1001", "ACTIVE", "16871288", "3001"),
        ]
    );
    assert_eq!(
        w.take_for("crm-8"),
        [
            format!("1002#NewInboundCall#3001#3001|{NO_VARS}#DialogID:16871288"),
            inbound_line("1002", "ALERTING", "16871288", "3001"),
            inbound_line("1002", "ACTIVE", "16871288", "3001"),
        ]
    );
    w
}

/// Row "Transfer Initiation" → Consult Call.
#[test]
fn consult_for_a_transfer_shows_consult_call_states() {
    consulting();
}

/// Row "Complete Transfer" → the agent's two calls are released; the target keeps the call.
#[test]
fn transfer_call_completes_the_transfer() {
    let mut w = consulting();
    w.send("TransferCall#1001", "3001,16871253");
    let op = w.next_op();
    assert_eq!(op.op, action("16871253", "3001", DialogAction::Transfer));
    w.accept(&op);
    w.notify(
        "1001",
        removed(
            consult("16871288", "3001", "3002", "DROPPED", "ACTIVE"),
            Some(&op.request_id),
        ),
    );
    w.notify("1001", removed(dropped("16871253", "3001"), None));
    let survived = dialog("16871288", "TRANSFER", "4012", "3002")
        .with("4012", "ACTIVE", false, &[])
        .with("3002", "ACTIVE", true, &["HOLD", "DROP"]);
    w.notify("1002", changed(survived, None));
    assert_eq!(
        w.take_for("crm-7"),
        [
            consult_line("1001", "DROP", "16871288", "3001"),
            inbound_line("1001", "DROP", "16871253", "4012"),
        ]
    );
    assert_eq!(
        w.take_for("crm-8"),
        [inbound_line("1002", "ACTIVE", "16871288", "4012")]
    );
}

/// `prevDialogId`, seed (Release Call Output): "prevDialogId is not null if call is being
/// transferred to another agent". The transfer target's surviving dialog (call type
/// `TRANSFER`) names the other dialog of the transfer in Finesse's `secondaryId`: that is its
/// `prevDialogId`, while the call lasts and on its release. A conference's surviving dialog has
/// a `secondaryId` too, but the seed's Complete Conference sample shows `null`.
#[test]
fn a_transferred_call_names_its_previous_dialog() {
    let mut w = World::standard();
    w.send_full("Hello#web-8", "", None, None, Some(Format::Json));
    w.send("Connect#1002", "web-8,secret");
    w.session("1002", gc_core::finesse::SessionEvent::Opened);
    w.send("Login#1002", "secret,3002");
    let op = w.next_op();
    w.accept(&op);
    w.user_update(
        user("1002").extension("3002").state("NOT_READY"),
        Some(&op.request_id),
    );
    w.notify(
        "1002",
        added(
            consult("16871288", "3001", "3002", "ACTIVE", "ACTIVE"),
            None,
        ),
    );
    w.clear();
    let survived = dialog("16871288", "TRANSFER", "4012", "3002")
        .with("4012", "ACTIVE", false, &[])
        .with("3002", "ACTIVE", true, &["HOLD", "DROP"])
        .secondary("16871253");
    w.notify("1002", changed(survived.clone(), None));
    let vars = r#"[{"callVariable1":""},{"callVariable2":""},{"callVariable3":""},{"callVariable4":""},{"callVariable5":""},{"callVariable6":""},{"callVariable7":""},{"callVariable8":""},{"callVariable9":""},{"callVariable10":""},{"ani":"4012"}]"#;
    assert_eq!(
        w.take_for("web-8"),
        [format!(
            r#"{{"type":"InboundCall","dialogId":"16871288","state":"ACTIVE","startTime":"2026-11-25 12:30:05","prevDialogId":"16871253","fromAddress":"4012","callVariables":{vars},"participants":[{{"mediaAddress":"4012","state":"ACTIVE","addressType":""}},{{"mediaAddress":"3002","state":"ACTIVE","addressType":"AGENT_DEVICE"}}],"agentId":"1002"}}"#
        )]
    );
    w.notify("1002", removed(survived.state("DROPPED"), None));
    assert_eq!(
        w.take_for("web-8"),
        [
            r#"{"type":"InboundCall","dialogId":"16871288","prevDialogId":"16871253","state":"DROPPED","agentId":"1002"}"#
        ]
    );
    let conference = dialog("16871290", "CONFERENCE", "4012", "3002")
        .with("4012", "ACTIVE", false, &[])
        .with("3002", "ACTIVE", true, &["DROP"])
        .secondary("16871289");
    w.notify("1002", added(conference, None));
    let published = w.take_for("web-8");
    assert!(
        published
            .iter()
            .any(|e| e.contains(r#""dialogId":"16871290","state":"ACTIVE""#)
                && e.contains(r#""prevDialogId":null"#)),
        "{published:?}"
    );
}

/// Row "Conference Initiation" → Consult Call (the same command as for a transfer).
#[test]
fn consult_for_a_conference_shows_consult_call_states() {
    consulting();
}

/// Row "Complete Conference" → the consult is dropped and the original call shows all three
/// parties ACTIVE (the seed's Complete Conference JSON).
#[test]
fn conference_call_completes_the_conference() {
    let mut w = consulting();
    w.send("Conferencecall#1001", "3001,16871253");
    let op = w.next_op();
    assert_eq!(op.op, action("16871253", "3001", DialogAction::Conference));
    w.accept(&op);
    w.notify(
        "1001",
        removed(
            consult("16871288", "3001", "3002", "DROPPED", "ACTIVE"),
            Some(&op.request_id),
        ),
    );
    let conference = dialog("16871253", "ACD_IN", "4012", "3001")
        .with("4012", "ACTIVE", false, &[])
        .with("3001", "ACTIVE", true, &["HOLD", "DROP"])
        .with("3002", "ACTIVE", true, &[]);
    w.notify("1001", changed(conference, None));
    let published = w.published.clone();
    assert_eq!(
        w.take_for("crm-7"),
        [
            consult_line("1001", "DROP", "16871288", "3001"),
            inbound_line("1001", "ACTIVE", "16871253", "4012"),
        ]
    );
    let json: Vec<String> = published
        .iter()
        .map(|p| p.event.render(Format::Json))
        .collect();
    assert_eq!(
        json[1],
        format!(
            r#"{{"type":"InboundCall","dialogId":"16871253","state":"ACTIVE","startTime":"2026-11-25 12:30:05","prevDialogId":null,"fromAddress":"4012","callVariables":[{{"callVariable1":""}},{{"callVariable2":""}},{{"callVariable3":""}},{{"callVariable4":""}},{{"callVariable5":""}},{{"callVariable6":""}},{{"callVariable7":""}},{{"callVariable8":""}},{{"callVariable9":""}},{{"callVariable10":""}},{{"ani":"4012"}}],"participants":[{{"mediaAddress":"4012","state":"ACTIVE","addressType":""}},{{"mediaAddress":"3001","state":"ACTIVE","addressType":"AGENT_DEVICE"}},{{"mediaAddress":"3002","state":"ACTIVE","addressType":"AGENT_DEVICE"}}],"agentId":"1001"}}"#
        )
    );
}

/// Row "Blind Transfer" → the call leaves the agent.
#[test]
fn transfer_sst_blind_transfers() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    w.send("Transfer_sst#1001", "4013,16871253");
    let op = w.next_op();
    assert_eq!(
        op.op,
        action(
            "16871253",
            "3001",
            DialogAction::TransferSst {
                to: DialNumber::parse("4013").unwrap()
            }
        )
    );
    w.accept(&op);
    w.notify(
        "1001",
        removed(dropped("16871253", "3001"), Some(&op.request_id)),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [inbound_line("1001", "DROP", "16871253", "4012")]
    );
    w.send("Transfer_sst#1001", "");
    assert_eq!(w.take_for("crm-7"), ["1001#Error#MISSING_NUMBER"]);
}

// === dialog queries ===

/// Row "Get Dialog State" → O-014 (with the consult as associated dialog), NOT_FOUND for a
/// dialog the agent does not have.
#[test]
fn get_dialog_state_answers_o014() {
    let mut w = consulting();
    w.send("getdialogstate#1001", "16871253");
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#DialogState#HELD#16871253#Maria Meier#4012#{NO_VARS}#16871288#ACTIVE#3001#{NO_VARS}"
        )]
    );
    w.send("getdialogstate#1002", "16871288");
    assert_eq!(
        w.take_for("crm-8"),
        [format!(
            "1002#DialogState#ACTIVE#16871288#Ali Khan#3001#{NO_VARS}####"
        )]
    );
    w.send_full(
        "getdialogstate#1001",
        "999",
        Some("rq"),
        Some("q"),
        Some(Format::Json),
    );
    assert_eq!(
        w.take_replies("rq"),
        [(
            r#"{"type":"DialogState","dialogId":"999","state":"NOT_FOUND","agentId":"1001"}"#
                .to_owned(),
            Some("q".to_owned())
        )]
    );
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#DialogState#NOT_FOUND#999#Maria Meier##{NO_VARS}####"
        )]
    );
    w.assert_quiet();
}

/// Row "Get Dialog State Controls" → O-015 then O-017 from the actions Finesse allows.
#[test]
fn get_dialog_state_controls_answers_o015_and_o017() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    w.send("getdialogstatecontrols#1001", "16871253");
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#InboundCall#DialogState#ACTIVE#16871253#Maria Meier",
            "1001#Control#1,false|2,true|3,false|4,true|5,true|6,false|7,false|8,true|9,true",
        ]
    );
}

/// Row "Get Dialog Participants" (deprecated, still served) → O-022.
#[test]
fn get_dialog_participants_answers_o022() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    w.send("getDialogParticipants#1001", "16871253");
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#ConferenceParticipants#4012,3001"]
    );
}

// === call data ===

/// Row "Update Dialog Wrap-up Codes": UPDATE_CALL_DATA with the reason; no response.
#[test]
fn wrapup_sets_the_wrap_up_reason_without_a_response() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    let token = w.send("wrapup#1001", "Bill Inquiry,16871253");
    let op = w.next_op();
    assert_eq!(
        op.op,
        action(
            "16871253",
            "3001",
            DialogAction::UpdateCallData {
                variables: Vec::new(),
                wrap_up_reason: Some("Bill Inquiry".into())
            }
        )
    );
    w.accept(&op);
    // Acked once the notification confirmed the write.
    assert!(!w.acked.contains(&token));
    let mut with_reason = talking("16871253", "3001");
    with_reason.media_properties.wrap_up_reason = Some("Bill Inquiry".into());
    w.notify("1001", changed(with_reason, Some(&op.request_id)));
    assert!(w.acked.contains(&token));
    w.assert_quiet();
    w.send("wrapup#1001", "");
    assert_eq!(w.take_for("crm-7"), ["1001#Error#MISSING_REASON_CODE"]);
}

/// Row "Update Dialog Variable": UPDATE_CALL_DATA; the changed call is shown.
#[test]
fn update_call_variable_sets_the_variable() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    w.send("update_call_variable#1001", "16871253,callVariable3,gold");
    let op = w.next_op();
    assert_eq!(
        op.op,
        action(
            "16871253",
            "3001",
            DialogAction::UpdateCallData {
                variables: vec![CallVariable::new("callVariable3", "gold")],
                wrap_up_reason: None
            }
        )
    );
    w.accept(&op);
    w.notify(
        "1001",
        changed(
            talking("16871253", "3001").var("callVariable3", "gold"),
            Some(&op.request_id),
        ),
    );
    let vars = NO_VARS.replacen("callVariable3=", "callVariable3=gold", 1);
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#InboundCall#ACTIVE#DialogID:16871253#4012#{vars}#2026-11-25 12:30:05#Maria Meier"
        )]
    );
}

// === outbound ===

fn outbound_vars(d: Dialog) -> Dialog {
    d.var("BACampaign", "Spring")
        .var("BACustomerNumber", "4012")
        .var("BAStatus", "PREDICTIVE_ACTIVE")
}

const BA: &str = "BACampaign=Spring|BACustomerNumber=4012|BAStatus=PREDICTIVE_ACTIVE";

/// O-028: the first (OTHER_IN) packet of an outbound call is held back; the second, with the
/// BA variables, becomes NewOutboundCall and the call's state.
#[test]
fn an_outbound_call_is_announced_from_its_second_packet() {
    let mut w = agent_1001();
    w.user_update(
        user("1001").extension("3001").state("RESERVED_OUTBOUND"),
        None,
    );
    w.clear();
    let first = dialog("16871300", "OTHER_IN", "9000", "3001")
        .state("ALERTING")
        .with("3001", "ALERTING", true, &["ANSWER"]);
    w.notify("1001", added(first, None));
    w.assert_quiet();
    let timer = TimerId::HeldDialog(agent("1001"), DialogId::parse("16871300").unwrap());
    assert!(w.timer_armed(&timer));
    let second = outbound_vars(
        dialog("16871300", "OUTBOUND", "4012", "3001")
            .state("ALERTING")
            .with("3001", "ALERTING", true, &["ANSWER"]),
    );
    w.notify("1001", changed(second, None));
    assert!(!w.timer_armed(&timer));
    let published = w.published.clone();
    assert_eq!(
        w.take_for("crm-7"),
        [
            format!("1001#NewOutboundCall#4012#ani=4012|{NO_VARS}|{BA}#DialogID:16871300"),
            format!(
                "1001#InboundCall#ALERTING#DialogID:16871300#4012#{NO_VARS}#2026-11-25 12:30:05#Maria Meier"
            ),
        ]
    );
    assert!(
        published[0]
            .event
            .render(Format::Json)
            .contains(r#""calltype":"OUTBOUND""#)
    );
}

/// The second packet never comes: the held-back call is announced as an ordinary one.
#[test]
fn a_held_back_packet_is_announced_after_its_timeout() {
    let mut w = agent_1001();
    w.user_update(
        user("1001").extension("3001").state("RESERVED_OUTBOUND"),
        None,
    );
    w.clear();
    let first = dialog("16871300", "OTHER_IN", "9000", "3001")
        .state("ALERTING")
        .with("3001", "ALERTING", true, &["ANSWER"]);
    w.notify("1001", added(first, None));
    w.advance(Duration::from_secs(3));
    assert_eq!(
        w.take_for("crm-7"),
        [
            format!("1001#NewInboundCall#9000#9000|{NO_VARS}#DialogID:16871300"),
            inbound_line("1001", "ALERTING", "16871300", "9000"),
        ]
    );
}

/// A held-back first packet followed by one without outbound data was an ordinary call: it
/// is announced at once, not after the timeout.
#[test]
fn a_held_back_packet_followed_by_an_ordinary_one_is_announced_at_once() {
    let mut w = agent_1001();
    w.user_update(
        user("1001").extension("3001").state("RESERVED_OUTBOUND"),
        None,
    );
    w.clear();
    let first = dialog("16871300", "OTHER_IN", "9000", "3001")
        .state("ALERTING")
        .with("3001", "ALERTING", true, &["ANSWER"]);
    w.notify("1001", added(first, None));
    w.assert_quiet();
    let answered =
        dialog("16871300", "OTHER_IN", "9000", "3001").with("3001", "ACTIVE", true, &["DROP"]);
    w.notify("1001", changed(answered, None));
    assert!(!w.timer_armed(&TimerId::HeldDialog(
        agent("1001"),
        DialogId::parse("16871300").unwrap()
    )));
    assert_eq!(
        w.take_for("crm-7"),
        [inbound_line("1001", "ACTIVE", "16871300", "9000")]
    );
}

/// The dialer's first packet can come before the agent's RESERVED_OUTBOUND state: an OTHER_IN
/// packet without a dialled number is held back all the same.
#[test]
fn a_first_outbound_packet_before_the_reservation_state_is_held_back() {
    let mut w = agent_1001();
    w.user_update(user("1001").extension("3001").state("READY"), None);
    w.clear();
    let first = dialog("16871300", "OTHER_IN", "9000", "3001")
        .state("ALERTING")
        .with("3001", "ALERTING", true, &["ANSWER"]);
    w.notify("1001", added(first, None));
    w.assert_quiet();
    let second = outbound_vars(
        dialog("16871300", "OUTBOUND", "4012", "3001")
            .state("ALERTING")
            .with("3001", "ALERTING", true, &["ANSWER"]),
    );
    w.notify("1001", changed(second, None));
    let events = w.take_for("crm-7");
    assert_eq!(
        events[0],
        format!("1001#NewOutboundCall#4012#ani=4012|{NO_VARS}|{BA}#DialogID:16871300")
    );
}

/// A direct OTHER_IN call carries its dialled number (the agent's extension): announced at once.
#[test]
fn a_direct_other_in_call_is_announced_at_once() {
    let mut w = agent_1001();
    w.user_update(user("1001").extension("3001").state("READY"), None);
    w.clear();
    let mut call = dialog("16871301", "OTHER_IN", "4012", "3001")
        .state("ALERTING")
        .with("3001", "ALERTING", true, &["ANSWER"]);
    call.media_properties.dialed_number = Some("3001".into());
    w.notify("1001", added(call, None));
    let events = w.take_for("crm-7");
    assert_eq!(
        events[0],
        format!("1001#NewInboundCall#4012#4012|{NO_VARS}#DialogID:16871301")
    );
}

fn previewing() -> World {
    let mut w = agent_1001();
    w.user_update(
        user("1001")
            .extension("3001")
            .state("RESERVED_OUTBOUND_PREVIEW"),
        None,
    );
    w.clear();
    let preview = outbound_vars(dialog("16871300", "OUTBOUND_PREVIEW", "9000", "3001").with(
        "3001",
        "ACTIVE",
        true,
        &["ACCEPT", "REJECT", "CLOSE"],
    ));
    w.notify("1001", added(preview, None));
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#NewOutboundPreviewCall#9000#ani=9000|{NO_VARS}|{BA}#DialogID:16871300"
        )]
    );
    w
}

/// Row "Accept Outbound Preview Call" → Inbound Call (ACCEPTED).
#[test]
fn accept_outbound_preview_accepts() {
    let mut w = previewing();
    w.send("AcceptOutboundPreview#1001", "16871300,ACCEPT");
    let op = w.next_op();
    assert_eq!(op.op, action("16871300", "3001", DialogAction::Accept));
    w.accept(&op);
    let accepted = outbound_vars(
        dialog("16871300", "OUTBOUND_PREVIEW", "9000", "3001")
            .state("ACCEPTED")
            .with("3001", "ACCEPTED", true, &[]),
    );
    w.notify("1001", changed(accepted, Some(&op.request_id)));
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#InboundCall#ACCEPTED#DialogID:16871300#9000#{NO_VARS}#2026-11-25 12:30:05#Maria Meier"
        )]
    );
}

/// After ACCEPT the dialer calls the customer on a new dialog of the same call type (the
/// reservation goes away). That call is the accepted one, not another preview offer: the
/// agent cannot ACCEPT it, so it is shown as the agent's call (Inbound Call states), never as
/// a second NewOutboundPreviewCall (found end to end against finesse-sim).
#[test]
fn the_call_placed_after_an_accepted_preview_is_not_a_new_preview() {
    let mut w = previewing();
    w.send("AcceptOutboundPreview#1001", "16871300,ACCEPT");
    let op = w.next_op();
    w.accept(&op);
    let accepted = outbound_vars(
        dialog("16871300", "OUTBOUND_PREVIEW", "9000", "3001")
            .state("ACCEPTED")
            .with("3001", "ACCEPTED", true, &[]),
    );
    w.notify("1001", changed(accepted.clone(), Some(&op.request_id)));
    let customer = outbound_vars(
        dialog("16871301", "OUTBOUND_PREVIEW", "9000", "4012")
            .state("ALERTING")
            .with("3001", "INITIATED", true, &["UPDATE_CALL_DATA", "DROP"])
            .with("4012", "ALERTING", false, &[]),
    );
    w.notify("1001", added(customer.clone(), Some(&op.request_id)));
    w.notify("1001", removed(accepted, Some(&op.request_id)));
    let answered = outbound_vars(
        dialog("16871301", "OUTBOUND_PREVIEW", "9000", "4012")
            .with("3001", "ACTIVE", true, &["HOLD", "DROP"])
            .with("4012", "ACTIVE", false, &[]),
    );
    w.notify("1001", changed(answered, None));
    let line = |state: &str, id: &str| {
        format!(
            "1001#InboundCall#{state}#DialogID:{id}#9000#{NO_VARS}#2026-11-25 12:30:05#Maria Meier"
        )
    };
    assert_eq!(
        w.take_for("crm-7"),
        [
            line("ACCEPTED", "16871300"),
            line("INITIATED", "16871301"),
            line("DROP", "16871300"),
            line("ACTIVE", "16871301"),
        ]
    );
}

/// Row "Reject Outbound Preview Call" → Inbound Call (DROP when the reservation goes).
#[test]
fn reject_outbound_preview_rejects() {
    let mut w = previewing();
    w.send("RejectOutboundPreview#1001", "16871300,REJECT");
    let op = w.next_op();
    assert_eq!(op.op, action("16871300", "3001", DialogAction::Reject));
    w.accept(&op);
    let gone = outbound_vars(
        dialog("16871300", "OUTBOUND_PREVIEW", "9000", "3001")
            .state("DROPPED")
            .with("3001", "DROPPED", true, &[]),
    );
    w.notify("1001", removed(gone, Some(&op.request_id)));
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#InboundCall#DROP#DialogID:16871300#9000#{NO_VARS}#2026-11-25 12:30:05#Maria Meier"
        )]
    );
}

/// Row "Close Outbound Preview Call" → Inbound Call (DROP).
#[test]
fn close_outbound_preview_closes() {
    let mut w = previewing();
    w.send("CloseOutboundPreview#1001", "16871300,CLOSE");
    let op = w.next_op();
    assert_eq!(op.op, action("16871300", "3001", DialogAction::Close));
    w.accept(&op);
    let gone = outbound_vars(
        dialog("16871300", "OUTBOUND_PREVIEW", "9000", "3001")
            .state("DROPPED")
            .with("3001", "DROPPED", true, &[]),
    );
    w.notify("1001", removed(gone, Some(&op.request_id)));
    assert_eq!(w.take_for("crm-7").len(), 1);
}

/// A packet of a call that is over already (after its DELETE) is not announced again, and
/// a logged-out agent gets no calls.
#[test]
fn late_packets_do_not_resurrect_calls() {
    let mut w = agent_1001();
    w.talk("1001", "16871253");
    w.notify("1001", removed(dropped("16871253", "3001"), None));
    w.clear();
    w.notify("1001", changed(dropped("16871253", "3001"), None));
    w.assert_quiet();
    w.user_update(user("1001").state("LOGOUT"), None);
    w.clear();
    w.notify("1001", added(ringing("16871254", "3001"), None));
    w.assert_quiet();
}
