//! Destinations, sessions, login and licences.

mod support;

use std::time::Duration;

use gc_core::finesse::{Request, SessionEvent, TargetState};
use gc_core::{EngineConfig, TimerId};
use gc_protocol::{DestinationName, ErrorCode, Extension};
use support::{UserExt, World, agent, user};

#[test]
fn hello_registers_the_destination_and_answers_system_status() {
    let mut w = World::standard();
    let token = w.send("Hello#crm-7", "");
    assert_eq!(w.take_for("crm-7"), ["System#IN_SERVICE"]);
    assert_eq!(w.acked, [token]);
    assert_eq!(w.engine.destination_count(), 1);
}

#[test]
fn connect_opens_the_session_without_answering() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.clear();
    let token = w.send("Connect#1001", "crm-7,secret");
    assert_eq!(w.opened, [agent("1001")]);
    assert!(w.take_for("crm-7").is_empty());
    assert!(w.acked.contains(&token));
}

#[test]
fn login_waits_for_the_session_then_answers_state_and_agent_info() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.send("Connect#1001", "crm-7,secret");
    let token = w.send("Login#1001", "secret,3001");
    assert!(
        w.ops.is_empty(),
        "LOGIN must wait for the notification session"
    );
    w.session("1001", SessionEvent::Opened);
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::Login {
            extension: Extension::parse("3001").unwrap(),
            mobile: None
        }
    );
    assert!(!w.acked.contains(&token));
    w.accept(&op);
    // Acked with its answer (the notification), not at the 202.
    assert!(!w.acked.contains(&token));
    w.clear();
    w.user_update(
        user("1001").extension("3001").state("NOT_READY"),
        Some(&op.request_id),
    );
    assert!(w.acked.contains(&token));
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#State#NOT_READY##Maria Meier",
            "1001#AgentInfo#Maria#Meier#false#OPTIONAL#Maria Meier"
        ]
    );
    assert_eq!(w.engine.licensed_agents(), 1);
}

#[test]
fn supervisor_login_adds_team_info() {
    let mut w = World::standard();
    w.connect("2001", "sup-1");
    w.send("Login#2001", "secret,3901");
    let op = w.next_op();
    w.accept(&op);
    w.user_update(
        user("2001").extension("3901").state("NOT_READY"),
        Some(&op.request_id),
    );
    assert_eq!(
        w.take_for("sup-1"),
        [
            "2001#State#NOT_READY##Sam Boss",
            "2001#AgentInfo#Sam#Boss#true#OPTIONAL#Sam Boss",
            "2001#TeamInfoIDs#TeamID#1,2#Sam Boss",
            "2001#TeamInfoNames#TeamName#Sales,Support#Sam Boss",
        ]
    );
}

#[test]
fn the_agent_over_the_licence_limit_gets_licenses_exceeded_and_finesse_sees_nothing() {
    let mut w = World::new(EngineConfig {
        max_agents: Some(1),
        ..EngineConfig::default()
    });
    w.login("1001", "crm-7", "3001");
    w.connect("1002", "crm-8");
    w.send("Login#1002", "secret,3002");
    assert!(w.ops.is_empty());
    assert_eq!(w.take_for("crm-8"), ["1002#Error#LICENSES_EXCEEDED"]);
    assert_eq!(w.engine.licensed_agents(), 1);
}

#[test]
fn a_logout_frees_the_licence() {
    let mut w = World::new(EngineConfig {
        max_agents: Some(1),
        ..EngineConfig::default()
    });
    w.login("1001", "crm-7", "3001");
    w.send("Logout#1001", "");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::Logout,
            reason: None
        }
    );
    w.accept(&op);
    w.user_update(user("1001").state("LOGOUT"), Some(&op.request_id));
    assert_eq!(w.take_for("crm-7"), ["1001#State#LOGOUT##Maria Meier"]);
    assert_eq!(w.engine.licensed_agents(), 0);
    assert!(w.closed.contains(&agent("1001")));
    w.connect("1002", "crm-8");
    w.send("Login#1002", "secret,3002");
    assert!(matches!(w.next_op().op, Request::Login { .. }));
}

#[test]
fn a_second_destination_takes_the_agent_over() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("Hello#crm-9", "");
    w.take_over("1001", "crm-9", "secret");
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#State#LOGOUT##Maria Meier",
            "1001#Error#SESSION_INVALIDATED"
        ]
    );
    w.clear();
    w.send("GetState#1001", "");
    let op = w.next_op();
    w.reply(
        &op,
        Ok(support::user_reply(
            user("1001").extension("3001").state("NOT_READY"),
        )),
    );
    assert_eq!(w.take_for("crm-9"), ["1001#State#NOT_READY##Maria Meier"]);
    assert!(w.take_for("crm-7").is_empty());
}

#[test]
fn commands_for_an_unknown_agent_get_re_login_on_reply_to() {
    let mut w = World::standard();
    w.send_full(
        "MakeReady#1005",
        "",
        Some("amq.gen-reply"),
        Some("c-1"),
        None,
    );
    assert_eq!(
        w.take_replies("amq.gen-reply"),
        [("1005#State#RE_LOGIN".to_owned(), Some("c-1".to_owned()))]
    );
    let token = w.send("MakeReady#1006", "");
    assert_eq!(w.dead_lettered, [(token, "unknown agent 1006".to_owned())]);
}

#[test]
fn a_silent_destination_is_dropped_and_its_agents_kept() {
    let config = EngineConfig {
        destination_timeout: Some(Duration::from_secs(30)),
        ..EngineConfig::default()
    };
    let mut w = World::new(config);
    w.login("1001", "crm-7", "3001");
    let dest = DestinationName::parse("crm-7").unwrap();
    assert!(w.timer_armed(&TimerId::Heartbeat(dest.clone())));
    w.advance(Duration::from_secs(20));
    w.send("Beat#crm-7", "");
    assert_eq!(w.take_for("crm-7"), ["System#IN_SERVICE"]);
    w.advance(Duration::from_secs(20));
    assert_eq!(
        w.engine.destination_count(),
        1,
        "the Beat restarted the heartbeat"
    );
    w.advance(Duration::from_secs(15));
    assert_eq!(w.engine.destination_count(), 0);
    assert_eq!(
        w.engine.licensed_agents(),
        1,
        "the session is kept by default"
    );
    assert!(w.ops.is_empty());
}

#[test]
fn a_silent_destination_can_log_its_agents_out() {
    let config = EngineConfig {
        destination_timeout: Some(Duration::from_secs(30)),
        logout_on_destination_loss: true,
        ..EngineConfig::default()
    };
    let mut w = World::new(config);
    w.login("1001", "crm-7", "3001");
    w.advance(Duration::from_secs(31));
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::Logout,
            reason: None
        }
    );
}

#[test]
fn a_failed_session_answers_the_waiting_login() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.send("Connect#1001", "crm-7,wrong");
    w.send("Login#1001", "wrong,3001");
    w.clear();
    w.session(
        "1001",
        SessionEvent::Failed(gc_core::finesse::FinesseFailure::new(
            ErrorCode::SubscriptionFailed,
        )),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#Error#SUBSCRIPTION_FAILED"]);
    assert!(w.ops.is_empty());
}

/// A session that was away for a while (the connection dropped, or Finesse's presence went):
/// notifications of the gap are lost, so when it is back the agent's user and dialogs are read
/// again; commands that need the session wait for it meanwhile.
#[test]
fn after_a_gap_the_agent_is_read_again() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.session("1001", SessionEvent::Interrupted);
    w.send("MakeReady#1001", "");
    assert!(w.ops.is_empty(), "waits for the session");
    w.session("1001", SessionEvent::Opened);
    let ops: Vec<Request> = w.take_ops().into_iter().map(|o| o.op).collect();
    assert!(ops.contains(&Request::GetUser), "{ops:?}");
    assert!(ops.contains(&Request::GetDialogs), "{ops:?}");
    assert!(
        ops.iter().any(|o| matches!(o, Request::SetState { .. })),
        "the waiting command runs: {ops:?}"
    );
    // A first opening is not a gap: nothing to read again.
    w.connect("1002", "crm-8");
    assert!(w.ops.is_empty());
}

/// Shutdown with `logout_agents`: the engine logs every licensed agent out (a READY one is
/// made NOT_READY first), with no client command behind it.
#[test]
fn shutdown_plans_the_logouts() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.login("1002", "crm-8", "3002");
    w.ready("1002");
    w.acked.clear();
    w.input(gc_core::Input::Shutdown {
        logout_agents: true,
    });
    let ops = w.take_ops();
    assert_eq!(ops.len(), 2);
    assert_eq!(
        ops[0].op,
        Request::SetState {
            state: TargetState::Logout,
            reason: None
        }
    );
    assert_eq!(
        ops[1].op,
        Request::SetState {
            state: TargetState::NotReady,
            reason: None
        }
    );
    assert!(w.acked.is_empty(), "no delivery behind them");
    // Without logout_agents nothing happens.
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.input(gc_core::Input::Shutdown {
        logout_agents: false,
    });
    assert!(w.ops.is_empty());
}

/// O-007 a): a command for an agent the connector does not know is answered RE_LOGIN on the
/// destination the sender said it reads (header gc-destination) when it has no reply_to; with
/// neither, or a destination nobody registered, it is dead-lettered.
#[test]
fn an_unknown_agent_is_asked_to_log_in_again_where_the_sender_reads() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.clear();
    let token = w.send_from("MakeReady#4444", "", "crm-7");
    assert_eq!(w.take_for("crm-7"), ["4444#State#RE_LOGIN"]);
    assert!(w.acked.contains(&token));
    w.send_from("MakeReady#4444", "", "never-said-hello");
    w.send("MakeReady#4444", "");
    assert_eq!(w.dead_lettered.len(), 2);
}

/// A write Finesse accepted when the agent's notification session dropped: its notification may
/// be lost with the gap, so the reopened session reads the user back at once and answers the
/// command, instead of waiting for the confirm timeout (gc-soak, XMPP drop of every session:
/// commands answered only after 10 s).
#[test]
fn a_write_accepted_before_a_gap_is_answered_when_the_session_reopens() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.forget_effects();
    let token = w.send("MakeReady#1001", "");
    let write = w.next_op();
    w.accept(&write);
    w.session("1001", SessionEvent::Interrupted);
    assert!(w.ops.is_empty());
    w.session("1001", SessionEvent::Opened);
    let ops = w.take_ops();
    assert!(
        ops.iter().filter(|o| o.op == Request::GetUser).count() >= 2,
        "the write's read and the gap's read: {ops:?}"
    );
    assert!(!w.timer_armed(&TimerId::Request(write.request_id.clone())));
    w.answer(
        &ops[0],
        support::user_reply(user("1001").extension("3001").state("READY")),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#READY##Maria Meier"]);
    assert_eq!(w.acked, [token]);
}
