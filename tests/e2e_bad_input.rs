//! End to end, bad input: unknown commands, missing and invalid parameters, a huge body,
//! invalid UTF-8, messages naming no agent or an agent the connector does not know, an agent
//! Finesse does not know. Each is answered with the right Error (docs/protocol.md section 5)
//! or dead-lettered with `x-gc-reason`, Finesse never sees a malformed command, and the
//! connector keeps serving everyone else. Also the tolerances of docs/protocol.md section 1.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use serde_json::json;
use support::{Env, Options, Props};

/// REST requests made as an agent the simulator has received so far (the connector's
/// SystemInfo probes carry no user).
async fn finesse_requests(env: &Env) -> usize {
    env.sim
        .control
        .requests(0)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.user.is_some())
        .count()
}

fn reply_props(reply: &str, correlation: &str) -> Props {
    Props {
        reply_to: Some(reply.to_owned()),
        correlation_id: Some(correlation.to_owned()),
        ..Props::default()
    }
}

/// An unknown command name is answered UNKNOWN_COMMAND on the agent's destination and on
/// reply_to (with the correlation id).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_command_is_answered_unknown_command() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1001", "3001").await;
    let mut reply = env.reply_queue().await;
    let before = finesse_requests(&env).await;
    env.send_with("Frobnicate#1001", b"", reply_props(&reply.queue, "u-1"))
        .await;
    desk.expect(
        "1001#Error#UNKNOWN_COMMAND",
        json!({"type": "Error", "code": "UNKNOWN_COMMAND", "agentId": "1001"}),
    )
    .await;
    let answer = reply.next().await;
    assert_eq!(answer.body, "1001#Error#UNKNOWN_COMMAND");
    assert_eq!(answer.correlation_id(), Some("u-1"));
    assert_eq!(finesse_requests(&env).await, before);
    env.sync_state(&mut desk, "1001#State#NOT_READY##Maria Meier")
        .await;
    env.stop().await;
}

/// Missing and invalid parameters get the codes of docs/protocol.md section 5, and none of
/// these commands reaches Finesse.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_invalid_parameters_get_the_seed_codes() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1001", "3001").await;
    let before = finesse_requests(&env).await;
    let cases = [
        ("Login#1001", "", "MISSING_PASSWORD"),
        ("Login#1001", "secret", "MISSING_EXTENSION"),
        ("Login#1001", "secret,30a1", "WRONG_EXTENSION"),
        ("MobileAgentLogin#1001", "secret,3001", "MISSING_NUMBER"),
        ("MakeCall#1001", "", "MISSING_NUMBER"),
        ("ConsultCall#1001", "", "MISSING_NUMBER"),
        ("Transfer_sst#1001", "", "MISSING_NUMBER"),
        ("TransferCall#1001", "", "MISSING_EXTENSION"),
        ("Conferencecall#1001", "", "MISSING_EXTENSION"),
        ("MakeNotReadyWithReason#1001", "", "MISSING_REASON_CODE"),
        ("logoutwithreason#1001", "", "MISSING_REASON_CODE"),
        ("wrapup#1001", "", "MISSING_REASON_CODE"),
        ("AnswerCall#1001", "", "PLEASE_RETRY"),
        ("AnswerCall#1001", "999", "NO_DIALOG_ID"),
        ("HoldCall#1001", "999", "NO_DIALOG_ID"),
        ("RetrieveCall#1001", "999", "NO_DIALOG_ID"),
        ("ReleaseCall#1001", "999", "NO_DIALOG_ID"),
        ("TransferCall#1001", "3001,999", "NO_DIALOG_ID"),
        ("AcceptOutboundPreview#1001", "999,ACCEPT", "NO_DIALOG_ID"),
        ("update_call_variable#1001", "999", "PLEASE_RETRY"),
        ("GetPhonebookContacts#1001", "", "PLEASE_RETRY"),
    ];
    let mut reply = env.reply_queue().await;
    for (i, (jms_type, body, code)) in cases.iter().enumerate() {
        let correlation = format!("case-{i}");
        env.send_with(
            jms_type,
            body.as_bytes(),
            reply_props(&reply.queue, &correlation),
        )
        .await;
        let expected = format!("1001#Error#{code}");
        let on_desk = desk.client.text().await;
        assert_eq!(on_desk, expected, "{jms_type} {body:?}");
        desk.expect_event(json!({"type": "Error", "code": code}))
            .await;
        let answer = reply.next().await;
        assert_eq!(answer.body, expected, "{jms_type} {body:?} on reply_to");
        assert_eq!(answer.correlation_id(), Some(correlation.as_str()));
    }
    assert_eq!(
        finesse_requests(&env).await,
        before,
        "Finesse saw none of them"
    );
    env.sync_state(&mut desk, "1001#State#NOT_READY##Maria Meier")
        .await;
    env.stop().await;
}

/// Messages that cannot be attributed to an agent (too large, not UTF-8, no command, no agent
/// after `#`) are dead-lettered with `x-gc-reason` when they have no reply_to, and answered on
/// reply_to when they have one. Finesse sees none of them; a logged-in agent is served on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unattributable_messages_are_dead_lettered_or_answered_on_reply_to() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1002", "3002").await;
    let mut dlq = env.queue(&env.names.dlq).await;
    let mut reply = env.reply_queue().await;
    let before = finesse_requests(&env).await;
    let huge = vec![b'7'; 200 * 1024];
    let cases: [(&str, &[u8], &str); 4] = [
        ("MakeReady#1002", &huge, "at most 65536"),
        ("Login#1002", b"secret,\xff\xfe3002", "not UTF-8"),
        ("", b"just some text", "no command"),
        ("MakeReady#", b"", "after `#`"),
    ];
    for (jms_type, body, reason) in cases {
        env.send_with(jms_type, body, Props::default()).await;
        let dead = dlq.next().await;
        let why = dead.header("x-gc-reason").expect("x-gc-reason");
        assert!(why.contains(reason), "{jms_type}: {why}");
        if jms_type.starts_with("Login") {
            // A Login's body carries a password: the copy has it redacted.
            assert!(dead.body.starts_with("<redacted"), "{}", dead.body);
        } else {
            assert_eq!(
                dead.body.len(),
                String::from_utf8_lossy(body).len(),
                "the original body"
            );
        }
        if !jms_type.is_empty() {
            assert_eq!(dead.header("JMSType").as_deref(), Some(jms_type));
        }

        env.send_with(jms_type, body, reply_props(&reply.queue, "bad"))
            .await;
        let answer = reply.next().await;
        assert_eq!(answer.body, "Error#PLEASE_RETRY", "{jms_type}");
        assert_eq!(answer.correlation_id(), Some("bad"));
    }
    assert_eq!(finesse_requests(&env).await, before);
    // Nothing of it reached the agent; the agent is served as before.
    env.send("MakeReady#1002", "").await;
    desk.expect(
        "1002#State#READY##Jonas Weber",
        json!({"type": "State", "state": "READY"}),
    )
    .await;
    env.stop().await;
}

/// An agent the connector does not know (never connected): RE_LOGIN (O-007) on reply_to;
/// without reply_to the command is dead-lettered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_the_connector_does_not_know_gets_re_login() {
    let env = Env::start(Options::default()).await;
    let mut reply = env.reply_queue().await;
    let mut dlq = env.queue(&env.names.dlq).await;
    let mut events = env.tap(&env.names.events, "agent_state.1004").await;
    env.send_with("MakeReady#1004", b"", reply_props(&reply.queue, "who"))
        .await;
    let answer = reply.next().await;
    assert_eq!(answer.body, "1004#State#RE_LOGIN");
    assert_eq!(answer.correlation_id(), Some("who"));
    assert!(support::json_contains(
        &events.json().await,
        &json!({"type": "State", "state": "RE_LOGIN", "agentId": "1004"})
    ));
    env.send("MakeReady#1004", "").await;
    let dead = dlq.next().await;
    assert_eq!(
        dead.header("x-gc-reason").as_deref(),
        Some("unknown agent 1004")
    );
    assert_eq!(finesse_requests(&env).await, 0);
    env.stop().await;
}

/// Agents Finesse refuses: an id it does not know and a wrong password. The client gets the
/// error, the licence is not kept, and the next agent logs in normally.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_finesse_refuses_are_answered() {
    let env = Env::start(Options::default()).await;
    let unknown = format!("crm-9999-{}", env.tag);
    let mut ghost = env.client(&unknown).await;
    env.send(&format!("Hello#{unknown}"), "").await;
    ghost.expect("System#IN_SERVICE").await;
    env.send("Connect#9999", &format!("{unknown},secret")).await;
    env.send("Login#9999", "secret,3009").await;
    // The notification session (opened on Connect, before LOGIN) is refused: Finesse's XMPP
    // says not-authorized for an unknown user as for a wrong password.
    ghost.expect("9999#Error#SUBSCRIPTION_FAILED").await;

    let wrong = env.destination("1003");
    let mut crm = env.client(&wrong).await;
    env.send(&format!("Hello#{wrong}"), "").await;
    crm.expect("System#IN_SERVICE").await;
    env.send("Connect#1003", &format!("{wrong},not-the-password"))
        .await;
    env.send("Login#1003", "not-the-password,3003").await;
    crm.expect("1003#Error#SUBSCRIPTION_FAILED").await;
    assert_eq!(
        env.sim.control.agent_state("1003").await.unwrap().state,
        "LOGOUT"
    );
    env.connector().wait_gauge("gc_agents_logged_in", 0).await;
    let mut desk = env.desk("1001", "3001").await;
    env.sync_state(&mut desk, "1001#State#NOT_READY##Maria Meier")
        .await;
    env.stop().await;
}

/// A client destination that cannot be a routing key is refused with INVALID_DESTINATION on
/// reply_to, and nothing is bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_destination_is_refused() {
    let env = Env::start(Options::default()).await;
    let mut reply = env.reply_queue().await;
    for bad in ["amq.mine", "gc.clients", "has space", &"x".repeat(129)] {
        env.send_with(
            &format!("Hello#{bad}"),
            b"",
            reply_props(&reply.queue, "dest"),
        )
        .await;
        assert_eq!(reply.text().await, "Error#INVALID_DESTINATION", "{bad}");
    }
    env.send_with(
        "Connect#1001",
        b"amq.mine,secret",
        reply_props(&reply.queue, "dest"),
    )
    .await;
    assert_eq!(reply.text().await, "1001#Error#INVALID_DESTINATION");
    env.connector().wait_gauge("gc_destinations", 0).await;
    env.stop().await;
}

/// The tolerances of docs/protocol.md section 1: the AMQP `type` property instead of the
/// JMSType header, command names in any case, whitespace around `#` and `,`, the whole command
/// in the body of a message without a type, and the topic exchange `gc.commands` with any
/// routing key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolerated_forms_of_a_command_are_accepted() {
    let env = Env::start(Options::default()).await;
    let destination = env.destination("1006");
    let mut crm = env.connect_on("1006", &destination, None).await;
    // The whole command in the body, no type at all.
    env.send_with("", b"Login#1006#secret,3006", Props::default())
        .await;
    crm.expect_seq(&[
        "1006#State#NOT_READY##Daniel Novak",
        "1006#AgentInfo#Daniel#Novak#false#REQUIRED#Daniel Novak",
    ])
    .await;
    // The `type` property.
    env.send_with(
        "MakeReady#1006",
        b"",
        Props {
            type_property: true,
            ..Props::default()
        },
    )
    .await;
    crm.expect("1006#State#READY##Daniel Novak").await;
    // Any case, whitespace around `#` and `,`.
    env.send(" makenotreadywithreason # 1006 ", " 4 ").await;
    crm.expect("1006#State#NOT_READY#4#Daniel Novak").await;
    // A category name as the type, the command in the body.
    env.send("agent_state", "GetState#1006").await;
    crm.expect("1006#State#NOT_READY#4#Daniel Novak").await;
    // The commands topic exchange, any routing key.
    let mut headers = FieldTable::default();
    headers.insert(
        ShortString::from("JMSType"),
        AMQPValue::LongString("MakeReady#1006".into()),
    );
    env.publish(
        &env.names.commands,
        "crm.desk.7",
        b"",
        BasicProperties::default().with_headers(headers),
    )
    .await;
    crm.expect("1006#State#READY##Daniel Novak").await;
    env.stop().await;
}

/// A burst of every kind of bad input while another agent works: the connector answers the
/// agent's commands in order and stays up; the metrics count the rejected messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_never_disturbs_other_agents() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1007", "3007").await;
    let garbage: Vec<(String, Vec<u8>)> = vec![
        ("Frobnicate#1007".into(), Vec::new()),
        ("MakeReady#1007".into(), vec![b'x'; 70 * 1024]),
        ("Login#1007".into(), vec![0xc3, 0x28]),
        (String::new(), b"#".to_vec()),
        ("Login#not an agent".into(), b"secret,3007".to_vec()),
        ("Hello#".into(), Vec::new()),
        ("MakeCall#1007".into(), b",,,,".to_vec()),
        ("Connect#1007".into(), Vec::new()),
    ];
    for round in 0..3 {
        for (jms_type, body) in &garbage {
            env.send_with(jms_type, body, Props::default()).await;
        }
        let command = if round % 2 == 0 {
            "MakeReady#1007"
        } else {
            "MakeNotReady#1007"
        };
        env.send(command, "").await;
    }
    // The answers to the garbage that names agent 1007 come first, in order; then its states.
    let mut states = Vec::new();
    while states.len() < 3 {
        let line = desk.client.text().await;
        if line.contains("#State#") {
            states.push(line);
        } else {
            assert!(line.starts_with("1007#Error#"), "{line}");
        }
    }
    assert_eq!(
        states,
        [
            "1007#State#READY##Emma Laurent",
            "1007#State#NOT_READY##Emma Laurent",
            "1007#State#READY##Emma Laurent"
        ]
    );
    let metrics = env.connector().metrics().await;
    assert!(
        metrics.contains("gc_commands_total{command=\"invalid\",outcome=\"rejected\"}"),
        "{metrics}"
    );
    env.stop().await;
}
