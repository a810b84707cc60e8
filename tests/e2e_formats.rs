//! End to end, output formats and message properties: a JSON destination (`gc-format: json` on
//! Hello or on Connect) gets the seed's JSON samples, a legacy one the legacy text; every event
//! carries the AMQP properties of docs/protocol.md section 2, and every event also reaches the
//! events exchange as JSON under `<category>.<agentId>`.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashSet;

use serde_json::{Value, json};
use support::{Env, Options, Props, Received, masked};

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

const NO_VARS_JSON: &str = r#"[{"callVariable1":"gold"},{"callVariable2":""},{"callVariable3":""},{"callVariable4":""},{"callVariable5":""},{"callVariable6":""},{"callVariable7":""},{"callVariable8":""},{"callVariable9":""},{"callVariable10":""},{"ani":"4012"}]"#;

/// A destination registered with `gc-format: json` on Hello gets every event as the seed's
/// JSON: System, State, AgentInfo, NewInboundCall, InboundCall (with participants), the short
/// release shape, ReasonCodes and Error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_destination_gets_the_seed_json() {
    let env = Env::start(Options::default()).await;
    let destination = format!("web-1001-{}", env.tag);
    let mut web = env.client(&destination).await;
    env.send_with(
        &format!("Hello#{destination}"),
        b"",
        Props {
            format: Some("json".into()),
            ..Props::default()
        },
    )
    .await;
    web.expect(r#"{"type":"System","status":"IN_SERVICE"}"#)
        .await;
    env.send("Connect#1001", &format!("{destination},secret"))
        .await;
    env.send("Login#1001", "secret,3001").await;
    assert_eq!(
        masked(&web.text().await),
        r#"{"type":"State","agentId":"1001","state":"NOT_READY","reasonCode":"","stateChangeTimeString":"","pendingState":"","stateChangeTime":"<time>"}"#
    );
    web.expect(r#"{"type":"AgentInfo","firstName":"Maria","lastName":"Meier","supervisor":false,"wrapUpOnIncoming":"REQUIRED","teams":[],"team":{"id":"1","name":"Billing"},"agentId":"1001"}"#)
        .await;

    env.send("MakeReady#1001", "").await;
    assert_eq!(
        masked(&web.text().await),
        r#"{"type":"State","agentId":"1001","state":"READY","reasonCode":"","stateChangeTimeString":"","pendingState":"","stateChangeTime":"<time>"}"#
    );
    let dialog = env
        .sim
        .control
        .offer_inbound_call("1001", "4012", &[("callVariable1", "gold")])
        .await
        .unwrap();
    web.expect(&format!(
        r#"{{"type":"NewInboundCall","dialogId":"{dialog}","fromAddress":"4012","callVariables":{NO_VARS_JSON},"agentId":"1001"}}"#
    ))
    .await;
    assert_eq!(
        masked(&web.text().await),
        format!(
            r#"{{"type":"InboundCall","dialogId":"{dialog}","state":"ALERTING","startTime":"<time>","prevDialogId":null,"fromAddress":"4012","callVariables":{NO_VARS_JSON},"participants":[{{"mediaAddress":"4012","state":"INITIATED","addressType":""}},{{"mediaAddress":"3001","state":"ALERTING","addressType":"AGENT_DEVICE"}}],"agentId":"1001"}}"#
        )
    );
    assert_eq!(parse(&web.text().await)["state"], "RESERVED");

    env.sim.control.remote_hangup(dialog).await.unwrap();
    // The call was never answered: it goes without wrap-up, in the seed's release shape.
    web.expect(&format!(
        r#"{{"type":"InboundCall","dialogId":"{dialog}","prevDialogId":null,"state":"DROPPED","agentId":"1001"}}"#
    ))
    .await;
    assert_eq!(parse(&web.text().await)["state"], "READY");

    env.send("reasoncodelogout#1001", "").await;
    web.expect(r#"{"type":"ReasonCodes","category":"LOGOUT","reasonCodes":[{"11":"End of shift"},{"12":"Personal"},{"13":"Training"}],"agentId":"1001"}"#)
        .await;
    env.send("MakeCall#1001", "").await;
    web.expect(r#"{"type":"Error","code":"MISSING_NUMBER","message":"An error occurred, please try again later.","agentId":"1001"}"#)
        .await;
    env.stop().await;
}

/// `gc-format: json` on Connect switches a destination that said Hello without the header;
/// a legacy destination next to it keeps the legacy text for the same kind of event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gc_format_on_connect_switches_the_destination() {
    let env = Env::start(Options::default()).await;
    let mut legacy = env.desk("1002", "3002").await;
    let destination = format!("web-1003-{}", env.tag);
    let mut web = env.client(&destination).await;
    env.send(&format!("Hello#{destination}"), "").await;
    web.expect("System#IN_SERVICE").await;
    env.send_with(
        "Connect#1003",
        format!("{destination},secret").as_bytes(),
        Props {
            format: Some("json".into()),
            ..Props::default()
        },
    )
    .await;
    env.send("Login#1003", "secret,3003").await;
    assert_eq!(parse(&web.text().await)["type"], "State");
    assert_eq!(parse(&web.text().await)["type"], "AgentInfo");
    env.send("MakeNotReadyWithReason#1003", "5").await;
    let state = parse(&web.text().await);
    assert_eq!(
        (state["state"].as_str(), state["reasonCode"].as_str()),
        (Some("NOT_READY"), Some("5"))
    );
    env.send("MakeNotReadyWithReason#1002", "5").await;
    legacy
        .expect(
            "1002#State#NOT_READY#5#Jonas Weber",
            json!({"type": "State", "reasonCode": "5"}),
        )
        .await;
    env.stop().await;
}

fn correlation(m: &Received) -> Option<String> {
    m.properties
        .correlation_id()
        .as_ref()
        .map(ToString::to_string)
}

/// Asserts the properties every event carries (docs/protocol.md section 2).
fn assert_event_properties(m: &Received, content_type: &str, category: &str, app_id: &str) {
    let p = &m.properties;
    assert_eq!(m.content_type(), Some(content_type), "{}", m.body);
    assert!(
        p.message_id()
            .as_ref()
            .is_some_and(|id| !id.as_str().is_empty()),
        "message_id of {}",
        m.body
    );
    let timestamp = p.timestamp().expect("timestamp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        timestamp.abs_diff(now) < 3600,
        "timestamp in seconds: {timestamp}"
    );
    assert_eq!(m.app_id(), Some(app_id));
    assert_eq!(p.delivery_mode(), &Some(2));
    assert_eq!(m.header("category").as_deref(), Some(category));
    assert_eq!(m.header("JMSType").as_deref(), Some("TextMessage"));
}

/// The AMQP properties of events: content_type, message_id (unique), timestamp, app_id (the
/// instance id), delivery_mode 2, headers `category` and `JMSType: TextMessage`, and
/// correlation_id when the event answers a request: the request's correlation id, else its
/// message id; none on unsolicited events. The events exchange copy carries the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_carry_the_protocol_properties() {
    let env = Env::start(Options::default()).await;
    let app_id = format!("e2e-{}", env.tag);
    let mut desk = env.desk("1004", "3004").await;
    let mut reply = env.reply_queue().await;

    env.send_with(
        "GetState#1004",
        b"",
        Props {
            reply_to: Some(reply.queue.clone()),
            correlation_id: Some("corr-42".into()),
            message_id: Some("msg-42".into()),
            ..Props::default()
        },
    )
    .await;
    let on_desk = desk.client.next().await;
    let on_reply = reply.next().await;
    let on_events = desk.events.next().await;
    for m in [&on_desk, &on_reply] {
        assert_eq!(m.body, "1004#State#NOT_READY##Lukas Schmidt");
        assert_event_properties(m, "text/plain", "agent_state", &app_id);
        assert_eq!(correlation(m).as_deref(), Some("corr-42"));
    }
    assert_event_properties(&on_events, "application/json", "agent_state", &app_id);
    assert_eq!(correlation(&on_events).as_deref(), Some("corr-42"));
    assert_eq!(on_events.exchange, env.names.events);
    assert_eq!(on_events.routing_key, "agent_state.1004");
    assert_eq!(on_desk.exchange, env.names.clients);
    assert_eq!(on_desk.routing_key, desk.destination);

    // Without a correlation id the message id is the correlation.
    env.send_with(
        "GetState#1004",
        b"",
        Props {
            reply_to: Some(reply.queue.clone()),
            message_id: Some("msg-43".into()),
            ..Props::default()
        },
    )
    .await;
    let answer = reply.next().await;
    assert_eq!(correlation(&answer).as_deref(), Some("msg-43"));
    let on_desk_2 = desk.client.next().await;
    desk.events.next().await;

    // An unsolicited event (a call offered by the router) answers nothing.
    env.send("MakeReady#1004", "").await;
    desk.client.next().await;
    desk.events.next().await;
    env.sim
        .control
        .offer_inbound_call("1004", "4012", &[])
        .await
        .unwrap();
    let offered = desk.client.next().await;
    assert!(
        offered.body.starts_with("1004#NewInboundCall#"),
        "{}",
        offered.body
    );
    assert_event_properties(&offered, "text/plain", "agent_call", &app_id);
    assert_eq!(correlation(&offered), None);
    let offered_event = desk.events.next().await;
    assert_event_properties(&offered_event, "application/json", "agent_call", &app_id);

    let ids: HashSet<String> = [
        &on_desk, &on_reply, &on_events, &answer, &on_desk_2, &offered,
    ]
    .iter()
    .map(|m| m.properties.message_id().as_ref().unwrap().to_string())
    .collect();
    assert_eq!(ids.len(), 6, "every publication has its own message id");

    // Errors have the agent_error category; System events the system category.
    env.send("MakeCall#1004", "").await;
    let error = desk.client.until_msg(|m| m.body.contains("#Error#")).await;
    assert_event_properties(&error, "text/plain", "agent_error", &app_id);
    let web = format!("web-props-{}", env.tag);
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
    let system = json_client.next().await;
    assert_event_properties(&system, "application/json", "system", &app_id);
    env.stop().await;
}
