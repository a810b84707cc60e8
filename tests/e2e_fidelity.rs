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

/// The JSON InboundCall on the events exchange for `dialog` in `state`.
async fn inbound_json(desk: &mut Desk, dialog: &str, state: &str) -> serde_json::Value {
    let found = desk
        .events
        .until_msg(|m| {
            serde_json::from_str::<serde_json::Value>(&m.body).is_ok_and(|v| {
                v["type"] == "InboundCall" && v["dialogId"] == dialog && v["state"] == state
            })
        })
        .await;
    serde_json::from_str(&found.body).unwrap()
}

/// Point 6. Seed (Release Call Output): "prevDialogId is not null if call is being transferred
/// to another agent". 1001 consults 1002 and completes the transfer: the simulator's surviving
/// dialog (the original call, call type `TRANSFER`) names the consult dialog in `secondaryId`,
/// and that is the `prevDialogId` of 1002's call and of 1001's wrap-up of it; before the
/// transfer, 1002's consult call has none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transferred_call_carries_its_previous_dialog_id() {
    let env = Env::start(Options::default()).await;
    let mut maria = env.desk("1001", "3001").await;
    let mut jonas = env.desk("1002", "3002").await;
    let original = talking(&env, &mut maria).await.to_string();
    env.send("ConsultCall#1001", &format!("3002,{original}"))
        .await;
    let announced = jonas.client.until("1002#NewInboundCall#3001#").await;
    let consult = announced
        .rsplit("DialogID:")
        .next()
        .expect("a dialog id")
        .to_owned();
    env.send("AnswerCall#1002", &consult).await;
    let answered = inbound_json(&mut jonas, &consult, "ACTIVE").await;
    assert_eq!(answered["prevDialogId"], serde_json::Value::Null);
    jonas.client.until("1002#State#TALKING").await;

    env.send("TransferCall#1001", &format!("3001,{original}"))
        .await;
    let taken = inbound_json(&mut jonas, &original, "ACTIVE").await;
    assert_eq!(taken["prevDialogId"], consult.as_str(), "{taken}");
    let wrap_up = inbound_json(&mut maria, &original, "WRAP_UP").await;
    assert_eq!(wrap_up["prevDialogId"], consult.as_str(), "{wrap_up}");
    env.stop().await;
}

/// Point 12. Until the first probe of Finesse has answered, the connector does not know that
/// Finesse is in service: a Hello is answered `System#NOT_REACHABLE`, never `IN_SERVICE`. Here
/// Finesse's REST API accepts connections and never answers, so the first probe is still
/// outstanding when the Hello arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_before_finesse_is_known_is_not_reachable() {
    let (hole, _task) = support::black_hole().await;
    let mut env = Env::start(Options::default()).await;
    env.connector.take().unwrap().stop().await;
    let extra = vec![
        (
            "GC_FINESSE__PRIMARY_URL".to_owned(),
            format!("http://{hole}"),
        ),
        (
            "GC_FINESSE__REQUEST_TIMEOUT_SECS".to_owned(),
            "30".to_owned(),
        ),
    ];
    env.connector = Some(support::Connector::spawn(
        &format!("hung-{}", env.tag),
        &env.names,
        &env.sim,
        &extra,
    ));
    let destination = env.destination("1001");
    let mut desk = env.client(&destination).await;
    env.send(&format!("Hello#{destination}"), "").await;
    assert_eq!(desk.text().await, "System#NOT_REACHABLE");
    env.send(&format!("Beat#{destination}"), "").await;
    assert_eq!(desk.text().await, "System#NOT_REACHABLE");
    env.stop().await;
}

/// Point 2, O-007 a): "Indication that an agent is not found in EF Generic Connector". A command
/// for an agent the connector does not know, without `reply_to` but with the header
/// `gc-destination` naming a registered destination, is answered there with the literal
/// `<agent>#State#RE_LOGIN` (and reaches Finesse not at all).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_agent_is_asked_to_re_login_on_the_senders_destination() {
    use lapin::BasicProperties;
    use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};

    let env = Env::start(Options::default()).await;
    let destination = env.destination("1004");
    let mut desk = env.client(&destination).await;
    env.send(&format!("Hello#{destination}"), "").await;
    assert_eq!(desk.text().await, "System#IN_SERVICE");
    let mut headers = FieldTable::default();
    headers.insert(
        ShortString::from("JMSType"),
        AMQPValue::LongString(LongString::from("MakeReady#1004")),
    );
    headers.insert(
        ShortString::from("gc-destination"),
        AMQPValue::LongString(LongString::from(destination.as_str())),
    );
    env.publish(
        "",
        &env.names.commands,
        b"",
        BasicProperties::default().with_headers(headers),
    )
    .await;
    assert_eq!(desk.text().await, "1004#State#RE_LOGIN");
    let to_finesse = env.sim.control.requests(0).await.unwrap();
    assert!(
        to_finesse.iter().all(|r| !r.path.contains("/User/1004")),
        "{to_finesse:?}"
    );
    env.stop().await;
}
