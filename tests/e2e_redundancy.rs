//! End to end, redundancy (design.md 6): two connectors with `redundancy.enabled` and the same
//! sealed ConnectorSync key share the environment's broker names. An agent logs in and takes a
//! call through the leader; the leader is stopped (SIGTERM) or killed (SIGKILL); the standby
//! becomes leader, re-opens the agent's session, publishes State and DialogStatus to the
//! agent's destination, and the client's next commands work without logging in again.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::Engine as _;
use lapin::BasicProperties;
use lapin::options::{BasicGetOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use serde_json::json;
use support::{Connector, Env, Options, vars};

fn redundancy() -> Vec<(String, String)> {
    let key: [u8; 32] = rand::random();
    vec![
        ("GC_REDUNDANCY__ENABLED".into(), "true".into()),
        (
            "GC_REDUNDANCY__SYNC_KEY".into(),
            base64::engine::general_purpose::STANDARD.encode(key),
        ),
    ]
}

/// LOGIN requests Finesse received.
async fn logins(env: &Env) -> usize {
    env.sim
        .control
        .requests(0)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method == "PUT" && r.body.contains("<state>LOGIN</state>"))
        .count()
}

async fn takeover(crash: bool) {
    let settings = redundancy();
    let mut env = Env::start(Options {
        env: settings.clone(),
        ..Options::default()
    })
    .await;
    env.connector().wait_gauge("gc_leader", 1).await;
    let standby_id = format!("e2e-{}-b", env.tag);
    let standby = Connector::start_instance(&standby_id, &env.names, &env.sim, &settings).await;
    assert_eq!(standby.gauge("gc_leader").await, Some(0));

    let mut desk = env.desk("1001", "3001").await;
    env.send("MakeReady#1001", "").await;
    desk.client.expect("1001#State#READY##Maria Meier").await;
    let dialog = env
        .sim
        .control
        .offer_inbound_call("1001", "4012", &[("callVariable1", "gold")])
        .await
        .unwrap();
    desk.until("1001#State#RESERVED").await;
    env.send("AnswerCall#1001", &dialog.to_string()).await;
    desk.until("1001#State#TALKING").await;
    // The standby mirrors the session (O-025 over the sync exchange, sealed whole), refusing
    // nothing the leader sent.
    standby.wait_gauge("gc_agents_logged_in", 1).await;
    let metrics = standby.metrics().await;
    assert!(
        !metrics.contains("gc_sync_rejected_total{"),
        "the standby refused a message of the leader: {metrics}"
    );
    let logins_before = logins(&env).await;

    let mut events = env.tap(&env.names.events, "*.1001").await;
    let old = env.connector.take().unwrap();
    if crash {
        old.kill().await;
    } else {
        let status = old.stop().await;
        assert!(
            status.success(),
            "the leader stops cleanly on SIGTERM: {status}"
        );
    }
    standby.wait_gauge("gc_leader", 1).await;

    // The new leader re-reads the agent and tells its destination.
    let state = desk.client.next().await;
    assert_eq!(state.body, "1001#State#TALKING##Maria Meier");
    assert_eq!(
        state.app_id(),
        Some(standby_id.as_str()),
        "published by the new leader"
    );
    desk.client
        .expect(&format!(
            "1001#DialogStatus#{dialog}#ACTIVE#4012#{}####",
            vars(&[(1, "gold")])
        ))
        .await;
    let dialog_status = events.until_msg(|m| m.body.contains("DialogStatus")).await;
    assert!(support::json_contains(
        &serde_json::from_str(&dialog_status.body).unwrap(),
        &json!({"type": "DialogStatus", "dialogId": dialog.to_string(), "state": "ACTIVE", "agentId": "1001"})
    ));

    // The client goes on without logging in again.
    env.send("HoldCall#1001", &dialog.to_string()).await;
    desk.expect_seq(&[
        format!(
            "1001#InboundCall#HELD#DialogID:{dialog}#4012#{}#<time>#Maria Meier",
            vars(&[(1, "gold")])
        ),
        "1001#State#HOLD##Maria Meier".into(),
    ])
    .await;
    let gold = vars(&[(1, "gold")]);
    env.send("ReleaseCall#1001", &dialog.to_string()).await;
    desk.expect_seq(&[
        format!("1001#InboundCall#WRAP_UP#DialogID:{dialog}#4012#{gold}#<time>#Maria Meier"),
        "1001#State#WORK_READY##Maria Meier".into(),
    ])
    .await;
    env.send("MakeNotReady#1001", "").await;
    desk.expect_seq(&[
        format!("1001#InboundCall#DROP#DialogID:{dialog}#4012#{gold}#<time>#Maria Meier"),
        "1001#State#NOT_READY##Maria Meier".into(),
    ])
    .await;
    assert_eq!(logins(&env).await, logins_before, "nobody logged in again");
    let view = env.sim.control.agent_state("1001").await.unwrap();
    assert_eq!(
        view.xmpp_sessions, 1,
        "one notification session, the new leader's"
    );

    env.connector = Some(standby);
    env.stop().await;
}

/// The leader stops on SIGTERM (a rolling restart): the standby takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_takes_over_when_the_leader_stops() {
    takeover(false).await;
}

/// The leader crashes (SIGKILL, no shutdown work at all): the standby takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_takes_over_when_the_leader_crashes() {
    takeover(true).await;
}

/// ConnectorSync is sealed whole: a forged plaintext removal, a replayed sealed message and a
/// sealed message re-published under another sender are refused (and counted by reason), and
/// the standby's mirror keeps the agent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_replayed_and_readdressed_sync_messages_are_refused() {
    let settings = redundancy();
    let env = Env::start(Options {
        env: settings.clone(),
        ..Options::default()
    })
    .await;
    env.connector().wait_gauge("gc_leader", 1).await;
    let leader_id = format!("e2e-{}", env.tag);
    let standby_id = format!("e2e-{}-b", env.tag);
    let standby = Connector::start_instance(&standby_id, &env.names, &env.sim, &settings).await;
    // A queue of our own on the sync exchange, to capture what the leader shares.
    let captured = env
        .channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    env.channel
        .queue_bind(
            captured.name().clone(),
            env.names.sync.as_str().into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let _desk = env.desk("1001", "3001").await;
    standby.wait_gauge("gc_agents_logged_in", 1).await;
    let shared = env
        .channel
        .basic_get(captured.name().clone(), BasicGetOptions { no_ack: true })
        .await
        .unwrap()
        .expect("the leader shared the session");
    assert!(
        shared.delivery.data.starts_with(b"GCS"),
        "sealed whole on the wire"
    );
    assert!(
        !String::from_utf8_lossy(&shared.delivery.data).contains("1001"),
        "nothing readable on the wire"
    );
    let from = |id: &str| {
        BasicProperties::default()
            .with_app_id(id.into())
            .with_content_type("application/octet-stream".into())
    };
    // Anyone who can publish to the exchange: a plaintext removal in the leader's name …
    env.publish(&env.names.sync, "", b"AgentRemoved#1001", from(&leader_id))
        .await;
    // … the leader's own message again …
    env.publish(&env.names.sync, "", &shared.delivery.data, from(&leader_id))
        .await;
    // … and the same message in another sender's name.
    env.publish(
        &env.names.sync,
        "",
        &shared.delivery.data,
        from(&format!("e2e-{}-x", env.tag)),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let metrics = standby.metrics().await;
        let refused = ["unsealed", "replayed", "bad_seal"].iter().all(|reason| {
            metrics.contains(&format!("gc_sync_rejected_total{{reason=\"{reason}\"}} 1"))
        });
        if refused {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the standby refused the three: {metrics}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The gauges are refreshed every 250 ms: the forged removal changed nothing.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(standby.gauge("gc_agents_logged_in").await, Some(1));
    let _ = standby.stop().await;
    env.stop().await;
}

/// Without a sync key (and without allowing plaintext) a redundant connector refuses to run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redundant_connector_without_a_sync_key_refuses_to_run() {
    let env = Env::start(Options::default()).await;
    let mut lone = Connector::spawn(
        &format!("e2e-{}-nokey", env.tag),
        &env.names,
        &env.sim,
        &[("GC_REDUNDANCY__ENABLED".into(), "true".into())],
    );
    let status = lone.wait_exit().await;
    assert_eq!(status.code(), Some(64), "a configuration error: {status}");
    env.stop().await;
}
