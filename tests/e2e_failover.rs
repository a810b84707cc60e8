//! End to end, Finesse failover (design.md 5): the simulator runs both nodes; the primary is
//! stopped (or reports OUT_OF_SERVICE) while an agent talks. Every destination sees the System
//! status go down and come back (`IN_SERVICE`), then each logged-in agent's State and, per
//! call, `DialogStatus` (O-024), read again from the secondary; commands keep working there.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use finesse_sim::NodeId;
use finesse_sim::control::NodeStatus;
use serde_json::json;
use support::{Desk, Env, Options, Props, vars};

/// Agent 1001 talking to 4012 (routed call, answered); returns the dialog.
async fn talking(env: &Env, desk: &mut Desk) -> u64 {
    env.send("MakeReady#1001", "").await;
    desk.client.expect("1001#State#READY##Maria Meier").await;
    let dialog = env
        .sim
        .control
        .offer_inbound_call("1001", "4012", &[("callVariable2", "vip")])
        .await
        .unwrap();
    desk.until("1001#State#RESERVED").await;
    env.send("AnswerCall#1001", &dialog.to_string()).await;
    desk.until("1001#State#TALKING").await;
    desk.events = env.tap(&env.names.events, "*.1001").await;
    dialog
}

/// Runs the switch with `down` and asserts what the clients see; then holds the call on the
/// secondary.
async fn switch(down: &str, go_down: impl AsyncFnOnce(&Env)) {
    let env = Env::start(Options {
        two_nodes: true,
        ..Options::default()
    })
    .await;
    let mut maria = env.desk("1001", "3001").await;
    let mut jonas = env.desk("1002", "3002").await;
    let web = format!("web-{}", env.tag);
    let mut json_client = env.client(&web).await;
    env.send_with(
        &format!("Hello#{web}"),
        b"",
        Props {
            format: Some("json".into()),
            ..Props::default()
        },
    )
    .await;
    json_client
        .expect(r#"{"type":"System","status":"IN_SERVICE"}"#)
        .await;
    let mut system = env.tap(&env.names.events, "system.all").await;
    let dialog = talking(&env, &mut maria).await;
    let variables = vars(&[(2, "vip")]);

    go_down(&env).await;

    maria
        .expect_seq(&[
            format!("System#{down}"),
            "System#IN_SERVICE".into(),
            "1001#State#TALKING##Maria Meier".into(),
            format!("1001#DialogStatus#{dialog}#ACTIVE#4012#{variables}####"),
        ])
        .await;
    maria
        .expect_event(json!({"type": "State", "state": "TALKING"}))
        .await;
    maria
        .expect_event(
            json!({"type": "DialogStatus", "dialogId": dialog.to_string(), "state": "ACTIVE",
                             "fromAddress": "4012", "assDialogId": null, "agentId": "1001"}),
        )
        .await;
    // An agent without calls: the System changes and its State.
    jonas
        .expect_seq(&[
            format!("System#{down}"),
            "System#IN_SERVICE".into(),
            "1002#State#NOT_READY##Jonas Weber".into(),
        ])
        .await;
    // A JSON destination without agents: the System changes, in JSON.
    json_client
        .expect(&format!(r#"{{"type":"System","status":"{down}"}}"#))
        .await;
    json_client
        .expect(r#"{"type":"System","status":"IN_SERVICE"}"#)
        .await;
    assert_eq!(
        system.json().await,
        json!({"type": "System", "status": down})
    );
    assert_eq!(
        system.json().await,
        json!({"type": "System", "status": "IN_SERVICE"})
    );

    // Commands keep working, against the secondary; nobody logged in again.
    let since = env
        .sim
        .control
        .requests(0)
        .await
        .unwrap()
        .last()
        .map_or(0, |r| r.seq);
    env.send("HoldCall#1001", &dialog.to_string()).await;
    maria
        .expect_seq(&[
            format!("1001#InboundCall#HELD#DialogID:{dialog}#4012#{variables}#<time>#Maria Meier"),
            "1001#State#HOLD##Maria Meier".into(),
        ])
        .await;
    let hold = env
        .sim
        .control
        .requests(since)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.path == format!("/finesse/api/Dialog/{dialog}"))
        .expect("the HOLD request");
    assert_eq!(hold.node, "secondary");
    env.send("MakeReady#1002", "").await;
    jonas.client.expect("1002#State#READY##Jonas Weber").await;
    let logins = env
        .sim
        .control
        .requests(0)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.body.contains("<state>LOGIN</state>"))
        .count();
    assert_eq!(logins, 2, "the two logins of the start, no more");
    env.stop().await;
}

/// The primary node stops (ports closed, connections cut): NOT_REACHABLE, then IN_SERVICE on
/// the secondary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_primary_fails_over_to_the_secondary() {
    switch("NOT_REACHABLE", async |env: &Env| {
        env.sim.control.stop_node(NodeId::Primary).await.unwrap();
    })
    .await;
}

/// The primary reports OUT_OF_SERVICE (SystemInfo): OUT_OF_SERVICE, then IN_SERVICE on the
/// secondary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_of_service_primary_fails_over_to_the_secondary() {
    switch("OUT_OF_SERVICE", async |env: &Env| {
        env.sim
            .control
            .set_node_status(NodeId::Primary, NodeStatus::OutOfService)
            .await
            .unwrap();
    })
    .await;
}
