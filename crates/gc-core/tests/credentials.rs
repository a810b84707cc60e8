//! Only the agent's own credentials move or drive an agent: takeovers are checked with Finesse
//! first, a password is kept and shared only once Finesse accepted it, refused credentials are
//! throttled before Finesse's five-strike lock, and the seed's logout-then-invalidated order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use gc_core::finesse::{Request, SessionEvent};
use gc_core::{Effect, PeerSync};
use gc_protocol::ErrorCode;
use support::{UserExt, World, agent, user};

/// The password of the last Finesse request or session the engine asked for.
fn last_password(w: &World) -> String {
    w.log
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::Finesse { password, .. } | Effect::OpenSession { password, .. } => {
                Some(password.expose().to_owned())
            }
            _ => None,
        })
        .expect("a Finesse request or session")
}

fn refused() -> gc_core::finesse::FinesseFailure {
    gc_core::finesse::FinesseFailure::new(ErrorCode::SubscriptionFailed)
}

/// The hijack of the issue: B offers a wrong password for A's agent. Finesse is asked first;
/// it refuses; B is told SUBSCRIPTION_FAILED; A notices nothing and keeps working; the stored
/// password, the session and the peers' mirror are unchanged.
#[test]
fn a_wrong_password_moves_nothing() {
    let mut w = World::standard();
    w.login("1001", "crm-a", "3001");
    w.send("Hello#crm-b", "");
    w.clear();
    w.forget_effects();
    let connect = w.send("Connect#1001", "crm-b,WRONG");
    let op = w.next_op();
    assert_eq!(op.op, Request::GetUser);
    assert_eq!(
        last_password(&w),
        "WRONG",
        "checked with the offered password"
    );
    assert!(w.opened.is_empty() && w.closed.is_empty() && w.synced.is_empty());
    w.reply(&op, Err(refused()));
    assert_eq!(w.take_for("crm-b"), ["1001#Error#SUBSCRIPTION_FAILED"]);
    assert!(w.take_for("crm-a").is_empty(), "the owner hears nothing");
    assert!(w.acked.contains(&connect));
    assert!(w.opened.is_empty() && w.closed.is_empty() && w.synced.is_empty());
    // B's Login with the same wrong password does not reach Finesse again, and A is not told.
    w.send("Login#1001", "WRONG,3005");
    assert!(w.ops.is_empty());
    assert!(w.take_for("crm-a").is_empty() && w.take_for("crm-b").is_empty());
    // A's next command still runs with the right password.
    w.send("MakeReady#1001", "");
    w.next_op();
    assert_eq!(last_password(&w), "secret");
}

/// The right password moves the agent: the old desk gets the logout (O-001) and then
/// SESSION_INVALIDATED, in the seed's order, and nothing afterwards.
#[test]
fn the_right_password_takes_the_agent_over_logout_first() {
    let mut w = World::standard();
    w.login("1001", "crm-a", "3001");
    w.send("Hello#crm-b", "");
    w.clear();
    w.take_over("1001", "crm-b", "secret");
    assert_eq!(
        w.take_for("crm-a"),
        [
            "1001#State#LOGOUT##Maria Meier",
            "1001#Error#SESSION_INVALIDATED"
        ]
    );
    assert!(w.take_for("crm-b").is_empty());
    w.send("GetState#1001", "");
    let op = w.next_op();
    w.answer(
        &op,
        support::user_reply(user("1001").extension("3001").state("NOT_READY")),
    );
    assert_eq!(w.take_for("crm-b"), ["1001#State#NOT_READY##Maria Meier"]);
    assert!(w.take_for("crm-a").is_empty());
}

/// Ten wrong passwords in a row: at most three reach Finesse (which locks after five), the
/// rest are refused here; after the cool-down Finesse is asked again.
#[test]
fn wrong_passwords_are_throttled_before_finesse_locks_the_agent() {
    let mut w = World::standard();
    w.login("1001", "crm-a", "3001");
    w.send("Hello#crm-b", "");
    w.clear();
    let mut asked = 0;
    for i in 0..10 {
        w.send("Connect#1001", &format!("crm-b,wrong-{i}"));
        for op in w.take_ops() {
            asked += 1;
            w.reply(&op, Err(refused()));
        }
    }
    assert_eq!(asked, 3);
    assert_eq!(
        w.take_for("crm-b"),
        vec!["1001#Error#SUBSCRIPTION_FAILED"; 10]
    );
    assert!(w.take_for("crm-a").is_empty());
    w.advance(Duration::from_mins(15));
    w.send("Connect#1001", "crm-b,wrong-again");
    assert_eq!(w.take_ops().len(), 1, "asked again after the cool-down");
}

/// A success resets the count: a typo now and then never locks anyone.
#[test]
fn a_success_resets_the_throttle() {
    let mut w = World::standard();
    w.login("1001", "crm-a", "3001");
    w.send("Hello#crm-b", "");
    for round in 0..3 {
        for i in 0..2 {
            w.send("Connect#1001", &format!("crm-b,typo-{round}-{i}"));
            let op = w.next_op();
            w.reply(&op, Err(refused()));
        }
        w.take_over("1001", "crm-b", "secret");
        w.take_over("1001", "crm-a", "secret");
    }
}

/// A password is kept and shared only once Finesse accepted it: a Login with another
/// password than the Connect's is performed with the Login's, which becomes the agent's (and
/// is synced) when the LOGIN is accepted.
#[test]
fn a_login_password_is_kept_only_once_finesse_accepted_it() {
    let mut w = World::standard();
    w.connect("1001", "crm-a");
    w.synced.clear();
    w.send("Login#1001", "newpass,3001");
    let op = w.next_op();
    assert_eq!(last_password(&w), "newpass");
    assert!(
        !w.synced.iter().any(
            |s| matches!(s, PeerSync::Agent { password, .. } if password.expose() == "newpass")
        ),
        "not shared before Finesse accepted it"
    );
    w.accept(&op);
    assert!(
        w.synced.iter().any(
            |s| matches!(s, PeerSync::Agent { password, .. } if password.expose() == "newpass")
        )
    );
    w.send("GetState#1001", "");
    w.next_op();
    assert_eq!(last_password(&w), "newpass");
}

/// A refused Login password changes nothing: the next command uses the accepted password.
/// The desk, not signed in yet, is told.
#[test]
fn a_refused_login_password_is_not_kept() {
    let mut w = World::standard();
    w.connect("1001", "crm-a");
    w.send("Login#1001", "bad,3001");
    let op = w.next_op();
    w.reply(&op, Err(refused()));
    assert_eq!(w.take_for("crm-a"), ["1001#Error#SUBSCRIPTION_FAILED"]);
    assert_eq!(w.engine.licensed_agents(), 0);
    w.send("GetState#1001", "");
    w.next_op();
    assert_eq!(last_password(&w), "secret");
}

/// A desk that connected with a wrong password and then sends Login with the right one is
/// logged in (the seed's clients do not always Connect again).
#[test]
fn a_wrong_connect_then_the_right_login_logs_in() {
    let mut w = World::standard();
    w.send("Hello#crm-a", "");
    w.send("Connect#1001", "crm-a,wrong");
    w.clear();
    w.session("1001", SessionEvent::Failed(refused()));
    assert_eq!(w.take_for("crm-a"), ["1001#Error#SUBSCRIPTION_FAILED"]);
    assert_eq!(w.engine.agent_count(), 0, "forgotten");
    w.opened.clear();
    w.send("Login#1001", "secret,3001");
    assert_eq!(w.opened, [agent("1001")]);
    assert_eq!(last_password(&w), "secret");
    w.session("1001", SessionEvent::Opened);
    let op = w.next_op();
    assert!(matches!(op.op, Request::Login { .. }));
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("NOT_READY"),
        Some(&op.request_id),
    );
    assert_eq!(
        w.take_for("crm-a"),
        [
            "1001#State#NOT_READY##Maria Meier",
            "1001#AgentInfo#Maria#Meier#false#OPTIONAL#Maria Meier"
        ]
    );
}

/// The note of a refused agent's desk does not last: later, its Login is for an unknown agent.
#[test]
fn the_note_of_a_refused_agent_expires() {
    let mut w = World::standard();
    w.send("Hello#crm-a", "");
    w.send("Connect#1001", "crm-a,wrong");
    w.session("1001", SessionEvent::Failed(refused()));
    w.advance(Duration::from_mins(3));
    w.send("Beat#crm-a", "");
    w.opened.clear();
    w.send("Login#1001", "secret,3001");
    assert!(w.opened.is_empty());
    assert_eq!(w.dead_lettered.len(), 1);
}

/// An agent bound nowhere (its destination expired) is bound again by a Connect with the
/// password in use, without asking Finesse.
#[test]
fn a_desk_connecting_an_unbound_agent_with_its_password_needs_no_check() {
    let mut w = World::new(gc_core::EngineConfig {
        destination_timeout: Some(Duration::from_secs(30)),
        ..gc_core::EngineConfig::default()
    });
    w.login("1001", "crm-a", "3001");
    w.advance(Duration::from_secs(31));
    w.send("Connect#1001", "crm-a,secret");
    assert!(w.ops.is_empty());
    // Another password for it is checked.
    w.send("Hello#crm-c", "");
    w.send("Connect#1001", "crm-c,other");
    assert_eq!(w.next_op().op, Request::GetUser);
}
