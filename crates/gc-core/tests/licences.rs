//! Licences: taken by Login before Finesse sees it, given back when the login fails or the
//! agent logs out, counted for agents Finesse reports signed in, never exceeded.

// Test helpers outside #[test] functions build fixtures from literals; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use gc_core::finesse::Request;
use gc_core::{EngineConfig, PeerSync};
use gc_protocol::{DestinationName, ErrorCode, Format, Password};
use support::{UserExt, World, agent, failure, user};

fn one_licence() -> World {
    World::new(EngineConfig {
        max_agents: Some(1),
        ..EngineConfig::default()
    })
}

/// LICENSES_EXCEEDED on the destination and on reply_to (JSON there), with the correlation id.
#[test]
fn the_agent_over_the_limit_is_refused_before_finesse() {
    let mut w = one_licence();
    w.login("1001", "crm-7", "3001");
    w.connect("1002", "crm-8");
    let token = w.send_full(
        "Login#1002",
        "secret,3002",
        Some("rq"),
        Some("c-1"),
        Some(Format::Json),
    );
    assert_eq!(w.take_for("crm-8"), ["1002#Error#LICENSES_EXCEEDED"]);
    assert_eq!(
        w.take_replies("rq"),
        [(
            r#"{"type":"Error","code":"LICENSES_EXCEEDED","message":"License exceeded, please contact system administrator.","agentId":"1002"}"#
                .to_owned(),
            Some("c-1".to_owned())
        )]
    );
    assert!(w.acked.contains(&token));
    w.assert_quiet();
    assert_eq!(w.engine.licensed_agents(), 1);
}

/// A failed login gives its licence back, here and on the peers' mirror.
#[test]
fn a_failed_login_gives_the_licence_back() {
    let mut w = one_licence();
    w.connect("1001", "crm-7");
    w.send("Login#1001", "secret,3001");
    let op = w.next_op();
    w.accept(&op);
    w.synced.clear();
    w.api_error(
        "1001",
        Some(&op.request_id),
        failure(ErrorCode::CfInvalidLogonDeviceSpecified, "Invalid Device"),
    );
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#Error#CF_INVALID_LOGON_DEVICE_SPECIFIED"]
    );
    assert_eq!(w.engine.licensed_agents(), 0);
    assert_eq!(
        w.synced,
        [PeerSync::Agent {
            agent: agent("1001"),
            password: Password::new("secret"),
            extension: None,
            subscription_time: "2026-11-25 12:30:00".into(),
            destination: Some(DestinationName::parse("crm-7").unwrap()),
        }]
    );
    w.connect("1002", "crm-8");
    w.send("Login#1002", "secret,3002");
    assert!(matches!(w.next_op().op, Request::Login { .. }));
}

/// An agent signed in before the connector knew it (a restart, another desktop) holds a
/// licence once Finesse reports it; the next agent over the limit is refused.
#[test]
fn an_agent_found_signed_in_holds_a_licence() {
    let mut w = one_licence();
    w.connect("1001", "crm-7");
    w.send("GetState#1001", "");
    let op = w.next_op();
    w.answer(
        &op,
        support::user_reply(user("1001").extension("3001").state("READY")),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#READY##Maria Meier"]);
    assert_eq!(w.engine.licensed_agents(), 1);
    w.connect("1002", "crm-8");
    w.send("Login#1002", "secret,3002");
    assert_eq!(w.take_for("crm-8"), ["1002#Error#LICENSES_EXCEEDED"]);
    // It can act on its extension although it never logged in through the connector.
    w.send("MakeCall#1001", "4012");
    assert!(matches!(w.next_op().op, Request::MakeCall { .. }));
}

/// A LOGOUT state reported while the LOGIN is in flight (the state before the login) does not
/// free the licence or close the session; the login then completes.
#[test]
fn a_stale_logout_during_login_keeps_the_licence() {
    let mut w = one_licence();
    w.connect("1001", "crm-7");
    w.send("Login#1001", "secret,3001");
    let op = w.next_op();
    w.user_update(user("1001").state("LOGOUT"), None);
    assert_eq!(w.engine.licensed_agents(), 1);
    assert!(w.closed.is_empty());
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("NOT_READY"),
        Some(&op.request_id),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#State#LOGOUT##Maria Meier",
            "1001#State#NOT_READY##Maria Meier",
            "1001#AgentInfo#Maria#Meier#false#OPTIONAL#Maria Meier",
        ]
    );
    assert_eq!(w.engine.licensed_agents(), 1);
}

/// force_logout and a lost destination (when configured to log out) free the licence.
#[test]
fn force_logout_and_a_lost_destination_free_the_licence() {
    let mut w = World::new(EngineConfig {
        max_agents: Some(1),
        destination_timeout: Some(Duration::from_secs(30)),
        logout_on_destination_loss: true,
        ..EngineConfig::default()
    });
    w.login("1001", "crm-7", "3001");
    w.send("force_logout#1001", "");
    let op = w.next_op();
    w.accept(&op);
    w.user_update(user("1001").state("LOGOUT"), Some(&op.request_id));
    assert_eq!(w.engine.licensed_agents(), 0);

    w.login("1002", "crm-8", "3002");
    assert_eq!(w.engine.licensed_agents(), 1);
    w.advance(Duration::from_secs(31));
    let op = w.next_op();
    w.accept(&op);
    w.user_update(user("1002").state("LOGOUT"), Some(&op.request_id));
    assert_eq!(w.engine.licensed_agents(), 0);
    assert_eq!(w.engine.agent_count(), 0);
}
