//! End to end, fidelity to the seed's words (issue 12) where other e2e files do not already
//! prove it: O-024's JMS type after a failover, `prevDialogId` on a transfer, the agent's own
//! `<call_start_time>`, and the seed's readings that only show over the wire. RabbitMQ,
//! `finesse-sim` and `generic-connector` run as processes.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use finesse_sim::NodeId;
use support::{Desk, Env, Options};

/// Agent 1001 talking to 4012 (a routed call, answered); returns the dialog.
async fn talking(env: &Env, desk: &mut Desk) -> u64 {
    env.send("MakeReady#1001", "").await;
    desk.client.until("1001#State#READY").await;
    let dialog = env
        .sim
        .control
        .offer_inbound_call("1001", "4012", &[])
        .await
        .unwrap();
    desk.client.until("1001#State#RESERVED").await;
    env.send("AnswerCall#1001", &dialog.to_string()).await;
    desk.client.until("1001#State#TALKING").await;
    dialog
}

/// Point 3. Seed, O-024: "In the case of failover GC sends the Dialog ID and Associated Dialog
/// ID, with states and call type in JMS type". After the primary stops, the DialogStatus of the
/// call carries header `JMSType` = Finesse's call type (`PREROUTE_ACD_IN` for a call the
/// simulator routes), on the destination and on the events exchange; the State before it keeps
/// `TextMessage`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialog_status_after_a_failover_carries_the_call_type_as_jms_type() {
    let env = Env::start(Options {
        two_nodes: true,
        ..Options::default()
    })
    .await;
    let mut maria = env.desk("1001", "3001").await;
    let dialog = talking(&env, &mut maria).await;
    let mut events = env.tap(&env.names.events, "agent_state.1001").await;

    env.sim.control.stop_node(NodeId::Primary).await.unwrap();

    let state = maria
        .client
        .until_msg(|m| m.body.starts_with("1001#State#TALKING"))
        .await;
    assert_eq!(state.header("JMSType").as_deref(), Some("TextMessage"));
    let status = maria.client.next().await;
    assert!(
        status
            .body
            .starts_with(&format!("1001#DialogStatus#{dialog}#ACTIVE#4012#")),
        "{}",
        status.body
    );
    assert_eq!(status.header("JMSType").as_deref(), Some("PREROUTE_ACD_IN"));
    let json = events
        .until_msg(|m| m.body.contains(r#""type":"DialogStatus""#))
        .await;
    assert_eq!(json.header("JMSType").as_deref(), Some("PREROUTE_ACD_IN"));
    env.stop().await;
}
