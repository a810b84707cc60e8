//! End to end, a broker restart in the middle of a session (`rabbitmqctl stop_app` /
//! `start_app`). This test is alone in its test binary: cargo runs test binaries one after
//! another, so the restart disturbs no other test.
//!
//! The client behaves as a robust JMS client does: a durable queue for its destination,
//! persistent commands with a message id, publisher confirms, and resending (same message id)
//! whatever it could not get confirmed. Commands are sent before the outage (a burst the
//! connector is still working on when the broker stops), during it (they wait in the client
//! until the broker is back) and after it; a call arrives from Finesse while the broker is
//! down. Asserted outcomes, not timings: every command is answered (events carry its id as
//! correlation id), the call's events arrive, and Finesse saw every command exactly once.
//! Events may arrive twice (delivery is at least once, gc-server's publisher); those
//! duplicates are counted and printed.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use lapin::Confirmation;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use support::{Env, Options, amqp_url};
use tokio::time::Instant;

/// How long the client keeps trying to get a command confirmed.
const RESEND_FOR: Duration = Duration::from_mins(2);

fn rabbitmqctl(action: &str) {
    let status = std::process::Command::new("rabbitmqctl")
        .arg(action)
        .status()
        .unwrap_or_else(|e| panic!("rabbitmqctl {action}: {e} (is RabbitMQ installed here?)"));
    assert!(status.success(), "rabbitmqctl {action}: {status}");
}

/// Starts the broker again if the test ends (or panics) while it is stopped.
struct Outage {
    stopped: bool,
}

impl Outage {
    fn begin() -> Self {
        rabbitmqctl("stop_app");
        Self { stopped: true }
    }

    fn end(&mut self) {
        rabbitmqctl("start_app");
        self.stopped = false;
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        if self.stopped {
            rabbitmqctl("start_app");
        }
    }
}

/// A command as the client sent it.
#[derive(Clone, Debug)]
struct Sent {
    id: String,
    jms_type: String,
    body: String,
}

/// A publisher that reconnects and resends until the broker confirms.
struct Sender {
    queue: String,
    channel: Option<(Connection, Channel)>,
    /// Commands that had to be sent more than once (the broker went away meanwhile).
    resent: usize,
}

impl Sender {
    fn new(queue: &str) -> Self {
        Self {
            queue: queue.to_owned(),
            channel: None,
            resent: 0,
        }
    }

    async fn connect() -> Option<(Connection, Channel)> {
        let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
            .await
            .ok()?;
        let channel = connection.create_channel().await.ok()?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .ok()?;
        Some((connection, channel))
    }

    async fn send(&mut self, command: &Sent) {
        let deadline = Instant::now() + RESEND_FOR;
        let mut attempts = 0;
        loop {
            attempts += 1;
            if attempts == 2 {
                self.resent += 1;
            }
            if self.channel.is_none() {
                self.channel = Self::connect().await;
            }
            if let Some((_, channel)) = &self.channel {
                let mut headers = FieldTable::default();
                headers.insert(
                    ShortString::from("JMSType"),
                    AMQPValue::LongString(command.jms_type.as_str().into()),
                );
                let properties = BasicProperties::default()
                    .with_delivery_mode(2)
                    .with_message_id(ShortString::from(command.id.as_str()))
                    .with_headers(headers);
                let published = channel
                    .basic_publish(
                        ShortString::from(""),
                        ShortString::from(self.queue.as_str()),
                        BasicPublishOptions::default(),
                        command.body.as_bytes(),
                        properties,
                    )
                    .await;
                if let Ok(confirm) = published
                    && let Ok(Ok(Confirmation::Ack(_))) =
                        tokio::time::timeout(Duration::from_secs(5), confirm).await
                {
                    return;
                }
                self.channel = None;
            }
            assert!(
                Instant::now() < deadline,
                "{} could not be sent for {RESEND_FOR:?}",
                command.jms_type
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Every message of the durable destination queue, read on a fresh connection, until `done`
/// says everything expected is there.
async fn collect(
    queue: &str,
    done: impl Fn(&[(String, Option<String>)]) -> bool,
) -> Vec<(String, Option<String>)> {
    let connection = support::connect().await;
    let channel = connection.create_channel().await.unwrap();
    let mut consumer = channel
        .basic_consume(
            ShortString::from(queue),
            ShortString::from(""),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut got = Vec::new();
    while !done(&got) {
        let delivery =
            tokio::time::timeout(support::PATIENCE, futures::StreamExt::next(&mut consumer))
                .await
                .unwrap_or_else(|_| panic!("nothing more arrived; got so far:\n{}", show(&got)))
                .expect("consuming")
                .expect("a delivery");
        delivery
            .acker
            .ack(BasicAckOptions::default())
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&delivery.data).into_owned();
        let correlation = delivery
            .properties
            .correlation_id()
            .as_ref()
            .map(ToString::to_string);
        got.push((body, correlation));
    }
    got
}

fn show(got: &[(String, Option<String>)]) -> String {
    got.iter()
        .map(|(body, c)| format!("  {body}  [{}]", c.as_deref().unwrap_or("-")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits until Finesse reports `state` for `agent`.
async fn finesse_state(env: &Env, agent: &str, state: &str) {
    let deadline = Instant::now() + support::PATIENCE;
    while env.sim.control.agent_state(agent).await.unwrap().state != state {
        assert!(Instant::now() < deadline, "{agent} did not become {state}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_restart_loses_no_command() {
    let env = Env::start(Options::default()).await;
    // One CRM host with two agents on one destination, read through a durable queue.
    let destination = format!("crm-host-{}", env.tag);
    let queue = format!("t.{}.crm-host", env.tag);
    env.channel
        .queue_declare(
            ShortString::from(queue.as_str()),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    env.channel
        .queue_bind(
            ShortString::from(queue.as_str()),
            ShortString::from(env.names.clients.as_str()),
            ShortString::from(destination.as_str()),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();

    let mut n = 0;
    let mut command = |jms_type: &str, body: &str, answers: usize| {
        n += 1;
        (
            Sent {
                id: format!("cmd-{n}-{}", env.tag),
                jms_type: jms_type.to_owned(),
                body: body.to_owned(),
            },
            answers,
        )
    };
    let session = vec![
        command(&format!("Hello#{destination}"), "", 1),
        command("Connect#1001", &format!("{destination},secret"), 0),
        command("Login#1001", "secret,3001", 2),
        command("Connect#1002", &format!("{destination},secret"), 0),
        command("Login#1002", "secret,3002", 2),
        command("MakeReady#1002", "", 1),
    ];
    // Agent 1001's burst, still in the works when the broker stops.
    let before = vec![
        command("MakeReady#1001", "", 1),
        command("MakeNotReadyWithReason#1001", "1", 1),
        command("MakeReady#1001", "", 1),
        command("GetState#1001", "", 1),
        command("reasoncodenotready#1001", "", 1),
        command("MakeNotReadyWithReason#1001", "2", 1),
        command("wrapupreasoncode#1001", "", 1),
        command("MakeReady#1001", "", 1),
    ];
    let during = vec![
        command("GetState#1001", "", 1),
        command("reasoncodelogout#1001", "", 1),
        command("reasoncodenotready#1002", "", 1),
    ];

    let mut sender = Sender::new(&env.names.commands);
    for (c, _) in &session {
        sender.send(c).await;
    }
    finesse_state(&env, "1001", "NOT_READY").await;
    finesse_state(&env, "1002", "READY").await;
    drop(sender);

    // The broker stops while the client sends 1001's burst: some commands get through before
    // (the connector may be working on them when its connection is cut), the others wait in
    // the client and are resent (same message id) once the broker is back.
    let stopping = tokio::task::spawn_blocking(Outage::begin);
    let burst = {
        let before: Vec<Sent> = before.iter().map(|(c, _)| c.clone()).collect();
        let queue = env.names.commands.clone();
        tokio::spawn(async move {
            let mut sender = Sender::new(&queue);
            for c in &before {
                sender.send(c).await;
                // Spread the burst over the broker's shutdown.
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            sender.resent
        })
    };
    let mut outage = stopping.await.unwrap();
    // While the broker is down: a customer calls 1002, and the client sends more commands.
    let dialog = env
        .sim
        .control
        .offer_inbound_call("1002", "4012", &[("callVariable1", "restart")])
        .await
        .unwrap();
    let during_sender = {
        let during: Vec<Sent> = during.iter().map(|(c, _)| c.clone()).collect();
        let queue = env.names.commands.clone();
        tokio::spawn(async move {
            let mut sender = Sender::new(&queue);
            for c in &during {
                sender.send(c).await;
            }
            sender.resent
        })
    };
    outage.end();
    let resent = burst.await.unwrap() + during_sender.await.unwrap();
    finesse_state(&env, "1001", "READY").await;

    // After the outage the session goes on: 1002 answers, holds and retrieves the call.
    let id = dialog.to_string();
    let after = vec![
        command("AnswerCall#1002", &id, 0),
        command("HoldCall#1002", &id, 0),
        command("RetrieveCall#1002", &id, 0),
        command("GetState#1001", "", 1),
    ];
    let mut sender = Sender::new(&env.names.commands);
    for (c, _) in &after {
        sender.send(c).await;
    }

    // Answers carry their command's message id as correlation id; the call's events (caused
    // by Finesse and by the call-control commands) are recognised by their text.
    let all: Vec<&(Sent, usize)> = session
        .iter()
        .chain(&before)
        .chain(&during)
        .chain(&after)
        .collect();
    let call = |state: &str| format!("1002#InboundCall#{state}#DialogID:{dialog}#");
    let call_events = [
        "1002#NewInboundCall#4012#4012|callVariable1=restart|".to_owned(),
        call("ALERTING"),
        "1002#State#RESERVED##Jonas Weber".to_owned(),
        call("ACTIVE"),
        "1002#State#TALKING##Jonas Weber".to_owned(),
        call("HELD"),
        "1002#State#HOLD##Jonas Weber".to_owned(),
        call("ACTIVE"),
        "1002#State#TALKING##Jonas Weber".to_owned(),
    ];
    let uncorrelated = |got: &[(String, Option<String>)]| -> Vec<String> {
        got.iter()
            .filter(|(_, c)| c.is_none())
            .map(|(b, _)| b.clone())
            .collect()
    };
    let answers_of = |got: &[(String, Option<String>)], c: &Sent| {
        got.iter()
            .filter(|(_, id)| id.as_deref() == Some(c.id.as_str()))
            .count()
    };
    let got = collect(&queue, |got| {
        all.iter()
            .all(|(c, answers)| answers_of(got, c) >= *answers)
            && contains_in_order(&uncorrelated(got), &call_events)
    })
    .await;

    // 1001 ends its burst READY (Finesse applied the burst in order); the not-ready answers
    // carry their reasons. (GetState is not sent right after a write: Finesse applies writes
    // asynchronously, so it may still answer the state before.)
    let last_1001 = got
        .iter()
        .rev()
        .find(|(_, c)| c.as_deref() == Some(after[3].0.id.as_str()))
        .unwrap();
    assert_eq!(
        last_1001.0,
        "1001#State#READY##Maria Meier",
        "{}",
        show(&got)
    );
    assert_eq!(
        env.sim.control.agent_state("1002").await.unwrap().state,
        "TALKING"
    );
    for (c, answers) in &before {
        if *answers == 1 && c.jms_type.starts_with("MakeNotReadyWithReason") {
            let answer = got
                .iter()
                .find(|(_, id)| id.as_deref() == Some(c.id.as_str()))
                .unwrap();
            assert_eq!(
                answer.0,
                format!("1001#State#NOT_READY#{}#Maria Meier", c.body),
                "{}",
                show(&got)
            );
        }
    }

    // Finesse saw every command exactly once (redelivered commands are de-duplicated).
    let requests = env.sim.control.requests(0).await.unwrap();
    let puts = |path: &str, fragment: &str| {
        requests
            .iter()
            .filter(|r| r.method == "PUT" && r.path == path && r.body.contains(fragment))
            .count()
    };
    let maria = "/finesse/api/User/1001";
    let jonas = "/finesse/api/User/1002";
    let dialog_path = format!("/finesse/api/Dialog/{dialog}");
    assert_eq!(puts(maria, "<state>LOGIN</state>"), 1, "LOGIN 1001");
    assert_eq!(puts(maria, "<state>READY</state>"), 3, "READY 1001");
    assert_eq!(puts(maria, "<state>NOT_READY</state>"), 2, "NOT_READY 1001");
    assert_eq!(puts(jonas, "<state>LOGIN</state>"), 1, "LOGIN 1002");
    assert_eq!(puts(jonas, "<state>READY</state>"), 1, "READY 1002");
    assert_eq!(puts(&dialog_path, "ANSWER"), 1, "ANSWER");
    assert_eq!(puts(&dialog_path, "HOLD"), 1, "HOLD");
    assert_eq!(puts(&dialog_path, "RETRIEVE"), 1, "RETRIEVE");

    // Duplicate events (at-least-once delivery): counted and shown, not failed.
    let expected_answers: usize = all.iter().map(|(_, a)| a).sum();
    let correlated = got.len() - uncorrelated(&got).len();
    let duplicates =
        (correlated - expected_answers) + (uncorrelated(&got).len() - call_events.len());
    println!(
        "broker restart: {} commands sent ({} session, {} before, {} during, {} after the outage), \
all {} answered ({expected_answers} answers), {} call events, {} messages, {duplicates} duplicate events; \
{resent} commands resent by the client",
        all.len(),
        session.len(),
        before.len(),
        during.len(),
        after.len(),
        all.iter().filter(|(_, a)| *a > 0).count(),
        call_events.len(),
        got.len()
    );
    println!("{}", show(&got));

    // Clean up with a fresh connection (the environment's own was cut by the restart).
    let connection = support::connect().await;
    let channel = connection.create_channel().await.unwrap();
    channel
        .queue_delete(
            ShortString::from(queue.as_str()),
            QueueDeleteOptions::default(),
        )
        .await
        .unwrap();
    env.stop().await;
}

/// Whether `expected` occurs in `got` in this order (each a prefix of a line; other lines may
/// come between).
fn contains_in_order(got: &[String], expected: &[String]) -> bool {
    let mut lines = got.iter();
    expected
        .iter()
        .all(|e| lines.any(|line| line.starts_with(e.as_str())))
}
