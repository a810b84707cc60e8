//! End to end, sessions: a second destination taking an agent over (SESSION_INVALIDATED), the
//! licence limit (LICENSES_EXCEEDED), and a destination that falls silent.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{Env, Options, Props};

/// A second destination connecting an agent with its password takes it over (Finesse checks
/// the password first): the old destination gets the logout (O-001) then
/// `Error#SESSION_INVALIDATED`, in the seed's order (design.md 4.2), and nothing afterwards;
/// the new one gets every later event, and the agent stays signed in to Finesse (no new
/// login).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_destination_takes_the_agent_over() {
    let env = Env::start(Options::default()).await;
    let mut old = env.desk("1001", "3001").await;
    let logins_before = login_requests(&env, "1001").await;

    let new_destination = format!("crm-1001-b-{}", env.tag);
    let mut new = env.connect_on("1001", &new_destination, None).await;
    old.expect(
        "1001#State#LOGOUT##Maria Meier",
        json!({"type": "State", "state": "LOGOUT", "agentId": "1001"}),
    )
    .await;
    old.expect(
        "1001#Error#SESSION_INVALIDATED",
        json!({"type": "Error", "code": "SESSION_INVALIDATED", "agentId": "1001"}),
    )
    .await;

    env.send("MakeReady#1001", "").await;
    new.expect("1001#State#READY##Maria Meier").await;
    old.expect_event(json!({"type": "State", "state": "READY"}))
        .await;
    env.sim
        .control
        .offer_inbound_call("1001", "4012", &[])
        .await
        .unwrap();
    assert!(new.text().await.starts_with("1001#NewInboundCall#4012#"));
    // The old destination got nothing of it: the next thing it receives is its own Hello.
    env.send(&format!("Hello#{}", old.destination), "").await;
    old.client.expect("System#IN_SERVICE").await;

    assert_eq!(login_requests(&env, "1001").await, logins_before);
    let view = env.sim.control.agent_state("1001").await.unwrap();
    assert_eq!(view.state, "RESERVED");
    env.stop().await;
}

/// LOGIN requests Finesse received for an agent.
async fn login_requests(env: &Env, agent: &str) -> usize {
    let path = format!("/finesse/api/User/{agent}");
    env.sim
        .control
        .requests(0)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method == "PUT" && r.path == path && r.body.contains("LOGIN"))
        .count()
}

/// With `clients.max_agents = 1` the second agent's Login is refused with LICENSES_EXCEEDED
/// (on its destination and, as JSON, on reply_to) before Finesse sees it; once the first agent
/// logs out the licence is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_licence_limit_refuses_the_agent_over_it() {
    let env = Env::start(Options {
        env: vec![("GC_CLIENTS__MAX_AGENTS".into(), "1".into())],
        ..Options::default()
    })
    .await;
    let mut maria = env.desk("1001", "3001").await;
    let jonas_destination = env.destination("1002");
    let mut jonas = env.connect_on("1002", &jonas_destination, None).await;
    let mut reply = env.reply_queue().await;
    env.send_with(
        "Login#1002",
        b"secret,3002",
        Props {
            reply_to: Some(reply.queue.clone()),
            correlation_id: Some("lic".into()),
            format: Some("json".into()),
            ..Props::default()
        },
    )
    .await;
    jonas.expect("1002#Error#LICENSES_EXCEEDED").await;
    let answer = reply.next().await;
    assert_eq!(
        answer.body,
        r#"{"type":"Error","code":"LICENSES_EXCEEDED","message":"License exceeded, please contact system administrator.","agentId":"1002"}"#
    );
    assert_eq!(login_requests(&env, "1002").await, 0);
    assert_eq!(
        env.sim.control.agent_state("1002").await.unwrap().state,
        "LOGOUT"
    );
    env.connector().wait_gauge("gc_agents_logged_in", 1).await;

    env.send("Logout#1001", "").await;
    maria
        .expect("1001#State#LOGOUT##Maria Meier", json!({"state": "LOGOUT"}))
        .await;
    env.send("Login#1002", "secret,3002").await;
    jonas
        .expect_seq(&[
            "1002#State#NOT_READY##Jonas Weber",
            "1002#AgentInfo#Jonas#Weber#false#REQUIRED#Jonas Weber",
        ])
        .await;
    env.connector().wait_gauge("gc_agents_logged_in", 1).await;
    env.stop().await;
}

/// A destination silent for longer than `clients.destination_timeout_secs` is dropped; with
/// `logout_on_destination_loss` its agent is logged out of Finesse. A later Beat from it is
/// asked to reconnect (O-026), and nothing was published to it in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_destination_is_dropped_and_its_agent_logged_out() {
    let env = Env::start(Options {
        env: vec![
            ("GC_CLIENTS__DESTINATION_TIMEOUT_SECS".into(), "1".into()),
            (
                "GC_CLIENTS__LOGOUT_ON_DESTINATION_LOSS".into(),
                "true".into(),
            ),
        ],
        ..Options::default()
    })
    .await;
    let mut desk = env.desk("1004", "3004").await;
    // Nothing more from this client: the connector drops the destination and logs the agent
    // out on its own (the integration events tell; the destination is gone).
    desk.expect_event(json!({"type": "State", "agentId": "1004", "state": "LOGOUT"}))
        .await;
    assert_eq!(
        env.sim.control.agent_state("1004").await.unwrap().state,
        "LOGOUT"
    );
    env.connector().wait_gauge("gc_destinations", 0).await;
    env.send(&format!("Beat#{}", desk.destination), "").await;
    desk.client
        .expect(&format!("DESTINATION#{}#RECONNECT", desk.destination))
        .await;
    env.stop().await;
}

/// SIGTERM leaves agents logged in on Finesse by default, so a restarted connector or a peer
/// takes them over; the connector exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_leaves_agents_logged_in_by_default() {
    let mut env = Env::start(Options::default()).await;
    let _crm = env.login("1002", "3002").await;
    let status = env
        .connector
        .take()
        .expect("the connector runs")
        .stop()
        .await;
    assert!(status.success(), "{status:?}");
    let agent = env.sim.control.agent_state("1002").await.unwrap();
    assert_eq!(agent.state, "NOT_READY");
    env.stop().await;
}

/// With `shutdown.logout_agents = true`, SIGTERM logs every logged-in agent out first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_can_log_agents_out() {
    let options = Options {
        env: vec![("GC_SHUTDOWN__LOGOUT_AGENTS".into(), "true".into())],
        ..Options::default()
    };
    let mut env = Env::start(options).await;
    let _a = env.login("1003", "3003").await;
    let _b = env.login("1004", "3004").await;
    let status = env
        .connector
        .take()
        .expect("the connector runs")
        .stop()
        .await;
    assert!(status.success(), "{status:?}");
    for agent in ["1003", "1004"] {
        let view = env.sim.control.agent_state(agent).await.unwrap();
        assert_eq!(view.state, "LOGOUT", "{agent}");
    }
    env.stop().await;
}
