//! The Finesse cluster's status (O-004, O-005, O-027) to every destination, the re-read after
//! a node switch (State and O-024 DialogStatus), and client destinations: SESSION_INVALIDATED
//! takeover, heartbeat expiry, O-026 for an unknown destination.

// Test helpers outside #[test] functions build fixtures from literals; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use gc_core::EngineConfig;
use gc_core::finesse::{FinesseReply, NodeStatus, Request};
use gc_protocol::{DestinationName, Format};
use support::{NO_VARS, UserExt, World, consult, held, talking, user};

fn dest(name: &str) -> DestinationName {
    DestinationName::parse(name).unwrap()
}

/// Node status changes reach every destination, each in its own format, once per change.
#[test]
fn node_status_is_broadcast_to_every_destination() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.send_full("Hello#web-1", "", None, None, Some(Format::Json));
    w.clear();
    w.node(NodeStatus::OutOfService, false);
    assert_eq!(w.take_for("crm-7"), ["System#OUT_OF_SERVICE"]);
    assert_eq!(
        w.take_for("web-1"),
        [r#"{"type":"System","status":"OUT_OF_SERVICE"}"#]
    );
    w.node(NodeStatus::OutOfService, false);
    w.assert_quiet();
    w.node(NodeStatus::NotReachable, false);
    assert_eq!(w.take_for("crm-7"), ["System#NOT_REACHABLE"]);
    assert_eq!(
        w.take_for("web-1"),
        [r#"{"type":"System","status":"NOT_REACHABLE"}"#]
    );
    // Hello and Beat answer the current status.
    w.send("Hello#crm-9", "");
    assert_eq!(w.take_for("crm-9"), ["System#NOT_REACHABLE"]);
    w.node(NodeStatus::InService, false);
    assert_eq!(w.take_for("crm-7"), ["System#IN_SERVICE"]);
    assert_eq!(w.take_for("crm-9"), ["System#IN_SERVICE"]);
    // No switch: Finesse republishes by itself, nothing is re-read.
    w.take_all();
    w.assert_quiet();
}

/// After a switch to the other node every logged-in agent's state and dialogs are read again:
/// State, then one DialogStatus per call (a consult with its original).
#[test]
fn a_node_switch_rereads_agents_and_publishes_dialog_status() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.login("1002", "crm-8", "3002");
    w.connect("1003", "crm-9");
    w.talk("1001", "16871253");
    w.send("ConsultCall#1001", "3002,16871253");
    let op = w.next_op();
    w.accept(&op);
    w.notify("1001", support::changed(held("16871253", "3001"), None));
    w.notify(
        "1001",
        support::added(
            consult("16871288", "3001", "3002", "ACTIVE", "ACTIVE"),
            None,
        ),
    );
    w.clear();

    w.node(NodeStatus::OutOfService, false);
    w.node(NodeStatus::InService, true);
    assert_eq!(
        w.take_for("crm-7"),
        ["System#OUT_OF_SERVICE", "System#IN_SERVICE"]
    );
    w.take_all();
    let ops = w.take_ops();
    let reads: Vec<(String, Request)> = ops
        .iter()
        .map(|o| (o.agent.to_string(), o.op.clone()))
        .collect();
    assert_eq!(
        reads,
        [
            ("1001".to_owned(), Request::GetUser),
            ("1001".to_owned(), Request::GetDialogs),
            ("1002".to_owned(), Request::GetUser),
            ("1002".to_owned(), Request::GetDialogs),
        ],
        "only logged-in agents are re-read"
    );
    w.answer(
        &ops[0],
        support::user_reply(
            user("1001")
                .extension("3001")
                .state("NOT_READY")
                .reason("255"),
        ),
    );
    w.answer(
        &ops[1],
        FinesseReply::Dialogs(vec![
            held("16871253", "3001"),
            consult("16871288", "3001", "3002", "ACTIVE", "ACTIVE"),
        ]),
    );
    w.answer(
        &ops[2],
        support::user_reply(user("1002").extension("3002").state("READY")),
    );
    w.answer(&ops[3], FinesseReply::Dialogs(Vec::new()));
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#State#NOT_READY#255#Maria Meier".to_owned(),
            format!(
                "1001#DialogStatus#16871253#HELD#4012#{NO_VARS}#16871288#ACTIVE#3001#{NO_VARS}"
            ),
        ]
    );
    assert_eq!(w.take_for("crm-8"), ["1002#State#READY##Ali Khan"]);
}

/// O-024 without an associated dialog, legacy and JSON.
#[test]
fn dialog_status_of_a_single_call() {
    let mut w = World::standard();
    w.send_full("Hello#web-1", "", None, None, Some(Format::Json));
    w.login("1001", "crm-7", "3001");
    w.talk("1001", "16871253");
    w.node(NodeStatus::InService, true);
    let ops = w.take_ops();
    w.answer(
        &ops[1],
        FinesseReply::Dialogs(vec![talking("16871253", "3001")]),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#DialogStatus#16871253#ACTIVE#4012#{NO_VARS}####"
        )]
    );
}

/// A node switch while a call ended unseen: the call is released.
#[test]
fn a_node_switch_releases_calls_that_ended_meanwhile() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.talk("1001", "16871253");
    w.node(NodeStatus::InService, true);
    let ops = w.take_ops();
    w.answer(&ops[1], FinesseReply::Dialogs(Vec::new()));
    assert_eq!(
        w.take_for("crm-7"),
        [support::inbound_line("1001", "DROP", "16871253", "4012")]
    );
}

/// SESSION_INVALIDATED: a second destination connecting the agent takes it over; the old one
/// is told (legacy and JSON) and gets nothing afterwards.
#[test]
fn a_takeover_invalidates_the_old_destination() {
    let mut w = World::standard();
    w.send_full("Hello#web-1", "", None, None, Some(Format::Json));
    w.login("1001", "web-1", "3001");
    w.send("Hello#crm-9", "");
    w.clear();
    w.take_over("1001", "crm-9", "secret");
    let told = w.take_for("web-1");
    assert_eq!(told.len(), 2, "{told:?}");
    let logout: serde_json::Value = serde_json::from_str(&told[0]).unwrap();
    assert_eq!(
        (&logout["type"], &logout["state"], &logout["agentId"]),
        (&"State".into(), &"LOGOUT".into(), &"1001".into())
    );
    assert_eq!(
        told[1],
        r#"{"type":"Error","code":"SESSION_INVALIDATED","message":"","agentId":"1001"}"#.replace(
            r#""message":"""#,
            &format!(
                r#""message":"{}""#,
                gc_protocol::ErrorCode::SessionInvalidated.user_message()
            )
        )
    );
    w.ring("1001", "16871253");
    w.notify("1001", support::changed(talking("16871253", "3001"), None));
    assert!(w.take_for("web-1").is_empty());
    assert_eq!(
        w.take_for("crm-9"),
        [support::inbound_line("1001", "ACTIVE", "16871253", "4012")]
    );
}

/// A destination that stays silent is dropped; its agent's events go nowhere until a
/// destination connects it again.
#[test]
fn an_expired_destination_gets_nothing_until_reconnected() {
    let mut w = World::new(EngineConfig {
        destination_timeout: Some(Duration::from_secs(30)),
        ..EngineConfig::default()
    });
    w.login("1001", "crm-7", "3001");
    w.advance(Duration::from_secs(31));
    assert!(!w.engine.has_destination(&dest("crm-7")));
    w.notify(
        "1001",
        support::added(support::ringing("16871253", "3001"), None),
    );
    assert!(w.take_for("crm-7").is_empty());
    w.take_all();
    w.send("Connect#1001", "crm-7,secret");
    assert!(w.engine.has_destination(&dest("crm-7")));
    w.notify("1001", support::changed(talking("16871253", "3001"), None));
    assert_eq!(
        w.take_for("crm-7"),
        [support::inbound_line("1001", "ACTIVE", "16871253", "4012")]
    );
}

/// O-026: a Beat from a destination the connector does not know (it restarted) asks the
/// client to reconnect.
#[test]
fn a_beat_from_an_unknown_destination_asks_it_to_reconnect() {
    let mut w = World::standard();
    let token = w.send("Beat#crm-7", "");
    assert_eq!(w.take_for("crm-7"), ["DESTINATION#crm-7#RECONNECT"]);
    assert!(w.acked.contains(&token));
    assert!(!w.engine.has_destination(&dest("crm-7")));
    w.send_full("Beat#web-1", "", None, None, Some(Format::Json));
    assert_eq!(
        w.take_for("web-1"),
        [r#"{"type":"DESTINATION","destination":"web-1","status":"RECONNECT"}"#]
    );
}

/// An invalid destination name is refused: nothing is bound.
#[test]
fn an_invalid_destination_is_refused() {
    let mut w = World::standard();
    w.send_full("Hello#gc.internal", "", Some("rq"), None, None);
    assert_eq!(w.take_replies("rq")[0].0, "Error#INVALID_DESTINATION");
    assert_eq!(w.engine.destination_count(), 0);
}

/// `gc-format` on Connect switches the destination's format; Hello without the header keeps it.
#[test]
fn connect_with_a_format_header_sets_the_destination_format() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.send_full(
        "Connect#1001",
        "crm-7,secret",
        None,
        None,
        Some(Format::Json),
    );
    w.clear();
    w.send("Hello#crm-7", "");
    assert_eq!(
        w.take_for("crm-7"),
        [r#"{"type":"System","status":"IN_SERVICE"}"#]
    );
    w.send_full("Hello#crm-7", "", None, None, Some(Format::Legacy));
    assert_eq!(w.take_for("crm-7"), ["System#IN_SERVICE"]);
}

/// Until the first probe of Finesse has answered, the connector does not claim IN_SERVICE: an
/// early Hello is told NOT_REACHABLE, and the destination is told IN_SERVICE as soon as
/// Finesse answers.
#[test]
fn no_in_service_before_finesse_is_known() {
    let mut w = World::unprobed(EngineConfig::default());
    w.send("Hello#crm-7", "");
    assert_eq!(w.take_for("crm-7"), ["System#NOT_REACHABLE"]);
    w.node(NodeStatus::InService, false);
    assert_eq!(w.take_for("crm-7"), ["System#IN_SERVICE"]);
    w.send("Hello#crm-8", "");
    assert_eq!(w.take_for("crm-8"), ["System#IN_SERVICE"]);
}
