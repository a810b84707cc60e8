//! Availability under hostile or unlucky input: every state keyed by what clients choose is
//! bounded, every command is answered within the request timeout, only the leader runs
//! commands, and a redelivered command gets its answer again without running twice.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use gc_core::finesse::{FinesseFailure, Request, SessionEvent};
use gc_core::{Effect, EngineConfig, PeerSync, TimerId};
use gc_protocol::{DestinationName, ErrorCode};
use support::{UserExt, World, agent};

fn dest(name: &str) -> DestinationName {
    DestinationName::parse(name).unwrap()
}

#[test]
fn destinations_beyond_the_cap_are_told_to_retry_and_not_registered() {
    let mut w = World::new(EngineConfig {
        max_destinations: 3,
        ..EngineConfig::default()
    });
    for i in 0..5 {
        w.send(&format!("Hello#crm-{i}"), "");
    }
    assert_eq!(w.engine.destination_count(), 3);
    assert_eq!(w.take_for("crm-2"), ["System#IN_SERVICE"]);
    assert_eq!(w.take_for("crm-4"), ["Error#PLEASE_RETRY"]);
    assert!(!w.engine.has_destination(&dest("crm-4")));
    assert_eq!(w.acked.len(), 5, "every Hello is acked");
    // A known destination still says Hello; a Connect naming a new one is refused too.
    w.clear();
    w.send("Hello#crm-0", "");
    assert_eq!(w.take_for("crm-0"), ["System#IN_SERVICE"]);
    w.send("Connect#1001", "crm-9,secret");
    assert_eq!(w.take_for("crm-9"), ["1001#Error#PLEASE_RETRY"]);
    assert!(w.opened.is_empty());
    assert_eq!(w.engine.agent_count(), 0);
}

#[test]
fn a_destination_that_never_bound_an_agent_expires() {
    let mut w = World::standard();
    w.send("Hello#crm-idle", "");
    w.connect("1001", "crm-used");
    assert_eq!(w.engine.destination_count(), 2);
    w.advance(Duration::from_mins(9));
    // A Beat keeps it alive.
    w.send("Beat#crm-idle", "");
    w.advance(Duration::from_mins(9));
    assert!(w.engine.has_destination(&dest("crm-idle")));
    w.advance(Duration::from_mins(2));
    assert!(!w.engine.has_destination(&dest("crm-idle")));
    // The one that bound an agent stays (no heartbeat timeout is configured).
    w.advance(Duration::from_hours(1));
    assert!(w.engine.has_destination(&dest("crm-used")));
    assert_eq!(w.engine.agent_count(), 1);
}

#[test]
fn agents_without_a_licence_are_capped() {
    let mut w = World::new(EngineConfig {
        max_unlicensed_agents: 2,
        ..EngineConfig::default()
    });
    w.send("Hello#crm-7", "");
    w.send("Connect#1001", "crm-7,secret");
    w.send("Connect#1002", "crm-7,secret");
    w.clear();
    w.send("Connect#1003", "crm-7,secret");
    assert_eq!(w.take_for("crm-7"), ["1003#Error#PLEASE_RETRY"]);
    assert_eq!(w.opened, [agent("1001"), agent("1002")]);
    assert_eq!(w.engine.agent_count(), 2);
    // A known agent may Connect again.
    w.send("Connect#1002", "crm-7,secret");
    assert!(w.take_for("crm-7").is_empty());
}

#[test]
fn refused_credentials_forget_an_agent_that_is_not_signed_in() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.send("Connect#1001", "crm-7,bad");
    w.clear();
    w.session(
        "1001",
        SessionEvent::Failed(FinesseFailure::new(ErrorCode::SubscriptionFailed)),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#Error#SUBSCRIPTION_FAILED"]);
    assert_eq!(w.engine.agent_count(), 0);
    assert!(w.synced.contains(&PeerSync::AgentRemoved(agent("1001"))));
    // Finesse being unreachable is not a reason to forget.
    w.send("Connect#1002", "crm-7,secret");
    w.session(
        "1002",
        SessionEvent::Failed(FinesseFailure::new(ErrorCode::NotReachable)),
    );
    assert_eq!(w.engine.agent_count(), 1);
}

/// 20 commands for an agent whose session never opens: the first 16 wait, the rest are
/// answered at once; the waiting ones are answered FINESSE_UNAVAILABLE and acked when the
/// request timeout is up. Another client is served meanwhile.
#[test]
fn commands_waiting_for_a_session_are_answered_within_the_request_timeout() {
    let mut w = World::new(EngineConfig {
        max_pending_per_agent: 16,
        ..EngineConfig::default()
    });
    w.send("Hello#crm-7", "");
    w.send("Connect#1001", "crm-7,secret");
    w.clear();
    w.acked.clear();
    let tokens: Vec<_> = (0..20).map(|_| w.send("MakeReady#1001", "")).collect();
    let now = w.take_for("crm-7");
    assert_eq!(now, vec!["1001#Error#PLEASE_RETRY"; 4]);
    assert_eq!(w.acked, tokens[16..]);
    let other = w.send("Hello#crm-8", "");
    assert_eq!(w.take_for("crm-8"), ["System#IN_SERVICE"]);
    assert!(w.acked.contains(&other));
    w.advance(Duration::from_millis(9_999));
    assert!(w.take_for("crm-7").is_empty());
    w.advance(Duration::from_millis(1));
    assert_eq!(
        w.take_for("crm-7"),
        vec!["1001#Error#FINESSE_UNAVAILABLE"; 16]
    );
    for token in &tokens {
        assert!(w.acked.contains(token), "{token:?} acked");
    }
    assert!(w.ops.is_empty(), "Finesse never saw them");
    // A late session runs nothing.
    w.session("1001", SessionEvent::Opened);
    assert!(w.ops.is_empty());
}

#[test]
fn a_command_waiting_is_answered_at_its_own_deadline() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.send("Connect#1001", "crm-7,secret");
    w.clear();
    w.send("MakeReady#1001", "");
    w.advance(Duration::from_secs(6));
    w.send("MakeNotReady#1001", "");
    w.advance(Duration::from_secs(4));
    assert_eq!(w.take_for("crm-7"), ["1001#Error#FINESSE_UNAVAILABLE"]);
    assert!(w.timer_armed(&TimerId::SessionWait(agent("1001"))));
    // The second runs when the session opens before its own deadline.
    w.session("1001", SessionEvent::Opened);
    assert!(matches!(w.next_op().op, Request::SetState { .. }));
    assert!(!w.timer_armed(&TimerId::SessionWait(agent("1001"))));
}

#[test]
fn the_commands_of_one_agent_beyond_the_cap_do_not_wait_for_finesse() {
    let mut w = World::new(EngineConfig {
        max_pending_per_agent: 16,
        ..EngineConfig::default()
    });
    w.login("1001", "crm-7", "3001");
    for _ in 0..16 {
        w.send("GetState#1001", "");
    }
    assert_eq!(w.take_ops().len(), 16);
    w.send("GetState#1001", "");
    assert_eq!(w.take_for("crm-7"), ["1001#Error#PLEASE_RETRY"]);
    assert!(w.ops.is_empty());
    // Another agent is not affected.
    w.login("1002", "crm-8", "3002");
    w.send("GetState#1002", "");
    assert_eq!(w.take_ops().len(), 1);
}

#[test]
fn every_finesse_request_carries_the_request_deadline_and_writes_a_journal_entry() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send_with_id("MakeReady#1001", "", "m-1", false);
    w.send_with_id("GetState#1001", "", "m-2", false);
    let finesse: Vec<_> = w
        .log
        .iter()
        .filter_map(|e| match e {
            Effect::Finesse {
                request: op,
                deadline,
                journal,
                ..
            } => Some((op.clone(), *deadline, journal.clone())),
            _ => None,
        })
        .collect();
    let [
        ..,
        (ready, ready_deadline, ready_journal),
        (get, _, get_journal),
    ] = finesse.as_slice()
    else {
        panic!("two requests: {finesse:?}");
    };
    assert!(matches!(ready, Request::SetState { .. }));
    assert_eq!(ready_deadline.0, w.now.mono_ms + 10_000);
    assert_eq!(ready_journal.as_deref(), Some("m-1"));
    assert_eq!(*get, Request::GetUser);
    assert_eq!(*get_journal, None, "reads are not journaled");
}

#[test]
fn a_redelivered_command_gets_its_answer_again_without_running_twice() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send_with_id("GetState#1001", "", "m-1", false);
    let op = w.next_op();
    w.answer(
        &op,
        support::user_reply(support::user("1001").state("NOT_READY")),
    );
    let first = w.take_for("crm-7");
    assert_eq!(first.len(), 1);
    let again = w.send_with_id("GetState#1001", "", "m-1", true);
    assert_eq!(w.take_for("crm-7"), first);
    assert!(w.acked.contains(&again));
    assert!(w.ops.is_empty());
}

#[test]
fn a_dead_lettered_command_is_dead_lettered_again_when_redelivered() {
    let mut w = World::standard();
    w.send_with_id("MakeReady#4444", "", "m-9", false);
    w.send_with_id("MakeReady#4444", "", "m-9", true);
    assert_eq!(w.dead_lettered.len(), 2, "never acked silently");
}

/// The old leader journaled a write and died before its answer: the new leader does not run it
/// again, and answers the redelivery with the agent's state as Finesse has it (a read), so the
/// client is not left waiting (gc-soak: a command in flight at kill -9 went unanswered).
#[test]
fn after_a_takeover_a_command_the_old_leader_journaled_is_not_run_again() {
    let mut w = World::new(EngineConfig {
        start_as_leader: false,
        ..EngineConfig::default()
    });
    w.peer(PeerSync::Destination {
        name: dest("crm-7"),
        format: gc_protocol::Format::Legacy,
    });
    w.peer(PeerSync::Agent {
        agent: agent("1001"),
        password: gc_protocol::Password::new("secret"),
        extension: Some(gc_protocol::Extension::parse("3001").unwrap()),
        subscription_time: "2026-11-25 12:00:00".into(),
        destination: Some(dest("crm-7")),
    });
    w.peer(PeerSync::Executed {
        message_id: "m-call".into(),
    });
    w.leadership(true);
    w.take_ops();
    w.clear();
    let token = w.send_with_id("MakeCall#1001", "4012", "m-call", true);
    let read = w.next_op();
    assert_eq!(read.op, Request::GetUser, "read, never the write again");
    assert!(w.ops.is_empty());
    assert!(!w.acked.contains(&token), "acked only with its answer");
    w.answer(
        &read,
        support::user_reply(support::user("1001").extension("3001").state("TALKING")),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#TALKING##Maria Meier"]);
    assert!(w.acked.contains(&token));
    assert!(w.dead_lettered.is_empty());
    // Redelivered once more, it is answered from the cache.
    let again = w.send_with_id("MakeCall#1001", "4012", "m-call", true);
    assert!(w.ops.is_empty());
    assert_eq!(w.take_for("crm-7"), ["1001#State#TALKING##Maria Meier"]);
    assert!(w.acked.contains(&again));
}

#[test]
fn a_standby_runs_no_command_and_puts_it_back() {
    let mut w = World::new(EngineConfig {
        start_as_leader: false,
        ..EngineConfig::default()
    });
    let token = w.send("Hello#crm-7", "");
    assert_eq!(w.requeued, [token]);
    assert!(w.acked.is_empty());
    assert_eq!(w.engine.destination_count(), 0);
    w.assert_quiet();
}

#[test]
fn remembered_ids_are_bounded() {
    let mut w = World::new(EngineConfig {
        dedupe_window: 100,
        ..EngineConfig::default()
    });
    for i in 0..1_000 {
        w.send(&format!("Hello#crm-{}", i % 10), "");
    }
    assert_eq!(w.engine.remembered_commands(), 100);
}
