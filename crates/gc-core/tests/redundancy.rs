//! Redundancy (design.md 6): the standby's mirror of ConnectorSync (O-025), takeover with
//! State and DialogStatus, RE_LOGIN for agents the new leader does not know, losing
//! leadership, and de-duplication of redelivered commands.

// Test helpers outside #[test] functions build fixtures from literals; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use gc_core::finesse::{FinesseReply, Request, SessionEvent, TargetState};
use gc_core::{EngineConfig, PeerSync, TimerId};
use gc_protocol::{DestinationName, Extension, Format, Password};
use support::{NO_VARS, UserExt, World, agent, talking, user};

fn dest(name: &str) -> DestinationName {
    DestinationName::parse(name).unwrap()
}

fn standby(max_agents: Option<usize>) -> World {
    World::new(EngineConfig {
        start_as_leader: false,
        max_agents,
        ..EngineConfig::default()
    })
}

fn session(id: &str, extension: Option<&str>, destination: &str) -> PeerSync {
    PeerSync::Agent {
        agent: agent(id),
        password: Password::new("secret"),
        extension: extension.map(|e| Extension::parse(e).unwrap()),
        subscription_time: "2026-11-25 12:00:00".into(),
        destination: Some(dest(destination)),
    }
}

/// A standby keeps a mirror of the leader's sessions and destinations, and talks to nobody.
#[test]
fn a_standby_mirrors_peer_sessions_silently() {
    let mut w = standby(None);
    w.peer(PeerSync::Destination {
        name: dest("web-1"),
        format: Format::Json,
    });
    w.peer(session("1001", Some("3001"), "web-1"));
    w.peer(session("1003", None, "crm-9"));
    w.assert_quiet();
    assert!(w.opened.is_empty());
    assert!(!w.engine.is_leader());
    assert_eq!(w.engine.agent_count(), 2);
    assert_eq!(w.engine.licensed_agents(), 1);
    assert!(w.engine.has_destination(&dest("web-1")));
    assert!(w.engine.has_destination(&dest("crm-9")));
    w.peer(PeerSync::AgentRemoved(agent("1003")));
    assert_eq!(w.engine.agent_count(), 1);
}

/// A Finesse node switch seen by a standby: it tells no client and asks Finesse nothing (the
/// leader re-reads and publishes; a standby's late re-read overwrote the answers to the
/// leader's writes in the clients' views). Taking over later, it re-reads everyone.
#[test]
fn a_standby_stays_quiet_on_a_node_switch() {
    let mut w = standby(None);
    w.peer(PeerSync::Destination {
        name: dest("web-1"),
        format: Format::Json,
    });
    w.peer(session("1001", Some("3001"), "web-1"));
    w.node(gc_core::finesse::NodeStatus::NotReachable, false);
    w.node(gc_core::finesse::NodeStatus::InService, true);
    w.assert_quiet();
    w.leadership(true);
    assert!(
        w.take_ops()
            .iter()
            .any(|o| o.agent == agent("1001") && o.op == Request::GetUser)
    );
}

/// The leader is the source of truth: peer messages change nothing.
#[test]
fn the_leader_ignores_peer_messages() {
    let mut w = World::standard();
    w.peer(session("1001", Some("3001"), "crm-7"));
    assert_eq!(w.engine.agent_count(), 0);
    assert_eq!(w.engine.destination_count(), 0);
}

/// Takeover: every mirrored session is opened again, logged-in agents are re-read and their
/// destinations get State and DialogStatus (in the destination's format); nobody logs in again.
#[test]
fn takeover_reopens_sessions_and_publishes_state_and_dialog_status() {
    let mut w = standby(None);
    w.peer(PeerSync::Destination {
        name: dest("web-1"),
        format: Format::Json,
    });
    w.peer(session("1001", Some("3001"), "web-1"));
    w.peer(session("1003", None, "crm-9"));
    w.leadership(true);
    assert!(w.engine.is_leader());
    assert_eq!(w.opened, [agent("1001"), agent("1003")]);
    let ops = w.take_ops();
    assert_eq!(
        ops.iter()
            .map(|o| (o.agent.to_string(), o.op.clone()))
            .collect::<Vec<_>>(),
        [
            ("1001".to_owned(), Request::GetUser),
            ("1001".to_owned(), Request::GetDialogs)
        ]
    );
    w.answer(
        &ops[0],
        support::user_reply(user("1001").extension("3001").state("TALKING")),
    );
    w.answer(
        &ops[1],
        FinesseReply::Dialogs(vec![talking("16871253", "3001")]),
    );
    let vars = r#"[{"callVariable1":""},{"callVariable2":""},{"callVariable3":""},{"callVariable4":""},{"callVariable5":""},{"callVariable6":""},{"callVariable7":""},{"callVariable8":""},{"callVariable9":""},{"callVariable10":""},{"ani":"4012"}]"#;
    assert_eq!(
        w.take_for("web-1"),
        [
            r#"{"type":"State","agentId":"1001","state":"TALKING","reasonCode":"","stateChangeTimeString":"","pendingState":"","stateChangeTime":"2026-11-25 12:30:00"}"#.to_owned(),
            format!(
                r#"{{"type":"DialogStatus","dialogId":"16871253","state":"ACTIVE","fromAddress":"4012","callVariables":{vars},"assDialogId":null,"assDialogState":null,"assFromAddress":null,"assCallVariables":null,"agentId":"1001"}}"#
            ),
        ]
    );
    // The taken-over agent works on at once.
    w.session("1001", SessionEvent::Opened);
    w.send("HoldCall#1001", "16871253");
    assert!(matches!(w.next_op().op, Request::DialogAction { .. }));
}

/// O-024 in legacy text after a takeover.
#[test]
fn takeover_dialog_status_in_legacy_text() {
    let mut w = standby(None);
    w.peer(session("1001", Some("3001"), "crm-7"));
    w.leadership(true);
    let ops = w.take_ops();
    w.answer(
        &ops[0],
        support::user_reply(user("1001").extension("3001").state("TALKING")),
    );
    w.answer(
        &ops[1],
        FinesseReply::Dialogs(vec![talking("16871253", "3001")]),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#State#TALKING##Maria Meier".to_owned(),
            format!("1001#DialogStatus#16871253#ACTIVE#4012#{NO_VARS}####"),
        ]
    );
}

/// O-007: an agent the new leader knows nothing of gets RE_LOGIN on its next command (on
/// reply_to, the only address known); without reply_to the command is dead-lettered.
#[test]
fn an_agent_unknown_after_takeover_gets_re_login() {
    let mut w = standby(None);
    w.leadership(true);
    w.send_full("MakeReady#1005", "", Some("rq"), Some("c-1"), None);
    assert_eq!(
        w.take_replies("rq"),
        [("1005#State#RE_LOGIN".to_owned(), Some("c-1".to_owned()))]
    );
    let token = w.send("MakeReady#1006", "");
    assert_eq!(w.dead_lettered, [(token, "unknown agent 1006".to_owned())]);
    w.assert_quiet();
}

/// The peer allowed more agents than this instance may: the surplus is not taken over but
/// told to log in again; the licence count never exceeds the maximum.
#[test]
fn a_takeover_never_exceeds_the_licences() {
    let mut w = standby(Some(1));
    w.peer(session("1001", Some("3001"), "crm-7"));
    w.peer(session("1002", Some("3002"), "crm-8"));
    assert_eq!(w.engine.licensed_agents(), 1);
    w.leadership(true);
    assert_eq!(w.take_for("crm-8"), ["1002#State#RE_LOGIN"]);
    assert!(w.take_for("crm-7").is_empty());
    let ops = w.take_ops();
    assert!(ops.iter().all(|o| o.agent == agent("1001")));
    assert_eq!(w.engine.licensed_agents(), 1);
    // 1002 logs in again and is refused: the licence is taken.
    w.session("1002", SessionEvent::Opened);
    w.send("Login#1002", "secret,3002");
    assert_eq!(w.take_for("crm-8"), ["1002#Error#LICENSES_EXCEEDED"]);
}

/// A redelivered command (same message id) is acked and not performed again.
#[test]
fn redelivered_commands_are_not_performed_twice() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send_with_id("MakeReady#1001", "", "m-77", false);
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::Ready,
            reason: None
        }
    );
    let again = w.send_with_id("MakeReady#1001", "", "m-77", true);
    assert!(w.acked.contains(&again));
    w.assert_quiet();
    // A new message id is a new command.
    w.send_with_id("MakeReady#1001", "", "m-78", false);
    assert!(matches!(w.next_op().op, Request::SetState { .. }));
    // Only redeliveries are de-duplicated: a first delivery reusing an id runs.
    w.send_with_id("MakeNotReady#1001", "", "m-77", false);
    assert!(matches!(w.next_op().op, Request::SetState { .. }));
}

/// O-025: the leader shares every session change with its peers.
#[test]
fn sessions_are_shared_with_peers() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    assert_eq!(
        w.synced,
        [PeerSync::Destination {
            name: dest("crm-7"),
            format: Format::Legacy
        }]
    );
    w.connect("1001", "crm-7");
    w.synced.clear();
    w.send("Login#1001", "secret,3001");
    assert_eq!(w.synced, [session_at("1001", Some("3001"), "crm-7")]);
    let op = w.next_op();
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("NOT_READY"),
        Some(&op.request_id),
    );
    w.synced.clear();
    w.send("Logout#1001", "");
    let op = w.next_op();
    w.accept(&op);
    w.user_update(user("1001").state("LOGOUT"), Some(&op.request_id));
    assert_eq!(w.synced, [session_at("1001", None, "crm-7")]);
    w.synced.clear();
    w.send("force_logout#1001", "");
    assert_eq!(w.synced, [PeerSync::AgentRemoved(agent("1001"))]);
}

fn session_at(id: &str, extension: Option<&str>, destination: &str) -> PeerSync {
    PeerSync::Agent {
        agent: agent(id),
        password: Password::new("secret"),
        extension: extension.map(|e| Extension::parse(e).unwrap()),
        subscription_time: "2026-11-25 12:30:00".into(),
        destination: Some(dest(destination)),
    }
}

/// Losing leadership: sessions close, requests in flight are left to the new leader (their
/// commands put back unanswered: whoever leads next answers them, a write with a read),
/// commands waiting for a session are put back for the new leader (they did not run),
/// heartbeats stop, and a command still arriving is put back too.
#[test]
fn losing_leadership_hands_everything_over() {
    let mut w = World::new(EngineConfig {
        destination_timeout: Some(Duration::from_secs(30)),
        ..EngineConfig::default()
    });
    w.login("1001", "crm-7", "3001");
    let in_flight = w.send("MakeReady#1001", "");
    let op = w.next_op();
    w.send("Hello#crm-8", "");
    w.send("Connect#1002", "crm-8,secret");
    w.clear();
    let waiting = w.send("MakeReady#1002", "");
    w.forget_effects();
    w.leadership(false);
    assert_eq!(w.closed, [agent("1001"), agent("1002")]);
    assert!(!w.acked.contains(&in_flight));
    assert_eq!(w.requeued, [in_flight, waiting]);
    assert!(!w.acked.contains(&waiting));
    assert!(w.take_for("crm-8").is_empty());
    // A command that reaches a former leader does not run there.
    let late = w.send("MakeNotReady#1001", "");
    assert_eq!(w.requeued, [in_flight, waiting, late]);
    assert!(w.ops.is_empty());
    assert!(!w.timer_armed(&TimerId::Heartbeat(dest("crm-7"))));
    // The late result of the dropped request changes nothing.
    w.accept(&op);
    w.assert_quiet();
    // Heartbeats do not expire on a standby; the mirror is kept.
    w.advance(Duration::from_mins(1));
    assert_eq!(w.engine.destination_count(), 2);
    assert_eq!(w.engine.licensed_agents(), 1);
    // Leadership comes back: heartbeats are armed again and the agent re-read.
    w.leadership(true);
    assert!(w.timer_armed(&TimerId::Heartbeat(dest("crm-7"))));
    assert!(
        w.take_ops()
            .iter()
            .any(|o| o.agent == agent("1001") && o.op == Request::GetUser)
    );
    // The write whose outcome it never heard comes back: answered with a read, not run again.
    w.clear();
    let again = w.send_with_id("MakeReady#1001", "", &format!("msg-{}", in_flight.0), true);
    let read = w.next_op();
    assert_eq!(read.op, Request::GetUser);
    assert!(w.ops.is_empty());
    w.answer(
        &read,
        support::user_reply(user("1001").extension("3001").state("READY")),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#READY##Maria Meier"]);
    assert!(w.acked.contains(&again));
}

/// A write Finesse accepted (202) is acked only once its notification answered it: acked at
/// the 202, a leader that died before the answer left a command that is never redelivered and
/// never answered (gc-soak, kill -9 of the leader under load).
#[test]
fn an_accepted_write_is_acked_with_its_answer() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.forget_effects();
    let token = w.send("MakeReady#1001", "");
    let op = w.next_op();
    w.accept(&op);
    assert!(!w.acked.contains(&token), "not acked at the 202");
    assert!(w.take_for("crm-7").is_empty());
    w.user_update(
        user("1001").extension("3001").state("READY"),
        Some(&op.request_id),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#READY##Maria Meier"]);
    assert_eq!(w.acked, [token]);
    // The notification first, then the 202: acked once, at the 202.
    w.forget_effects();
    let token = w.send("MakeNotReady#1001", "");
    let op = w.next_op();
    w.user_update(
        user("1001").extension("3001").state("NOT_READY"),
        Some(&op.request_id),
    );
    assert!(!w.acked.contains(&token));
    w.accept(&op);
    assert_eq!(w.acked, [token]);
    // No notification at all: the fallback read answers it, and only then is it acked.
    w.forget_effects();
    let token = w.send("MakeReady#1001", "");
    let op = w.next_op();
    w.accept(&op);
    w.advance(Duration::from_mins(1));
    let read = w.next_op();
    assert_eq!(read.op, Request::GetUser);
    assert!(!w.acked.contains(&token));
    w.answer(
        &read,
        support::user_reply(user("1001").extension("3001").state("READY")),
    );
    assert_eq!(w.acked, [token]);
}

/// A standby that (re)joins the group says `Join`; the leader then shares its whole state again
/// (every destination, every session Finesse accepted), so a standby started after the sessions
/// opened still has them when it takes over. A standby ignores another's Join.
#[test]
fn a_join_makes_the_leader_share_everything_again() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.connect("1001", "crm-7");
    w.send("Login#1001", "secret,3001");
    w.synced.clear();
    w.peer(PeerSync::Join);
    assert_eq!(
        w.synced,
        [
            PeerSync::Destination {
                name: dest("crm-7"),
                format: Format::Legacy
            },
            session_at("1001", Some("3001"), "crm-7"),
        ]
    );

    let mut s = standby(None);
    s.peer(PeerSync::Join);
    assert!(s.synced.is_empty());
    s.assert_quiet();
}

/// A standby that reconnects in a loop says `Join` each time. The leader shares everything at
/// once for the first, then at most once per cool-down: Joins inside it are deferred to its end
/// (one share for all of them), never dropped.
#[test]
fn joins_in_a_loop_cost_one_share_per_cool_down_and_none_is_dropped() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.connect("1001", "crm-7");
    w.send("Login#1001", "secret,3001");
    w.synced.clear();
    let everything = [
        PeerSync::Destination {
            name: dest("crm-7"),
            format: Format::Legacy,
        },
        session_at("1001", Some("3001"), "crm-7"),
    ];

    w.peer(PeerSync::Join);
    assert_eq!(w.synced, everything, "the first Join is answered at once");
    w.synced.clear();
    for _ in 0..50 {
        w.peer(PeerSync::Join);
        w.advance(Duration::from_millis(10));
    }
    assert!(w.synced.is_empty(), "Joins inside the cool-down wait");
    w.advance(Duration::from_secs(5));
    assert_eq!(w.synced, everything, "50 deferred Joins, one share");
    w.synced.clear();
    // Nobody joined since: the next cool-down ends quietly, and a later Join is answered at once.
    w.advance(Duration::from_secs(10));
    assert!(w.synced.is_empty());
    w.peer(PeerSync::Join);
    assert_eq!(w.synced, everything);
}
