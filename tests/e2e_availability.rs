//! End to end, availability: nothing one client sends stalls the connector for the others.
//! A message id longer than AMQP allows, a client queue that refuses publishes, floods of
//! destinations and agents, an agent whose session never opens, a leader killed between
//! Finesse and the ack, a redelivery after a lost connection, and SIGTERM while Finesse goes
//! away: each with real RabbitMQ, `finesse-sim` and `generic-connector` processes.
//!
//! "Answered within 2 s" below is a bound against the stalls of minutes these tests guard
//! against, not a latency measurement (the benches measure latency).

// Helpers outside #[test] functions build fixtures; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use base64::Engine as _;
use lapin::BasicProperties;
use lapin::options::{QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use support::{Client, Connector, Env, Options, PATIENCE, Props};
use tokio::time::{Instant, timeout};

/// The bound within which another client must be served.
const PROMPT: Duration = Duration::from_secs(2);

fn env_var(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}

/// A Hello from a fresh destination, answered within [`PROMPT`].
async fn hello_is_prompt(env: &Env, name: &str) {
    let destination = env.destination(name);
    let mut client = env.client(&destination).await;
    let sent = Instant::now();
    env.send(&format!("Hello#{destination}"), "").await;
    let answer = timeout(PROMPT, client.text())
        .await
        .unwrap_or_else(|_| panic!("Hello#{destination} not answered within {PROMPT:?}"));
    assert_eq!(answer, "System#IN_SERVICE");
    println!("Hello#{destination} answered in {:?}", sent.elapsed());
}

/// A command carrying only the JMS headers a JMS client sets, with ids of 300 bytes.
fn poison(jms_type: &str) -> BasicProperties {
    let long = format!("ID:{}", "p".repeat(297));
    let mut headers = FieldTable::default();
    headers.insert(
        ShortString::from("JMSType"),
        AMQPValue::LongString(jms_type.into()),
    );
    headers.insert(
        ShortString::from("JMSMessageID"),
        AMQPValue::LongString(long.as_str().into()),
    );
    headers.insert(
        ShortString::from("JMSCorrelationID"),
        AMQPValue::LongString(format!("{long}-c").as_str().into()),
    );
    BasicProperties::default()
        .with_headers(headers)
        .with_delivery_mode(2)
}

/// A command with a 300-byte `JMSMessageID` (no `message_id` property) is answered, its id
/// hashed, and does not hold anyone up; nor does it after a restart with it still queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlong_message_id_stalls_no_one() {
    let mut env = Env::start(Options::default()).await;
    let poisoned = env.destination("poisoned");
    let mut victim = env.client(&poisoned).await;
    env.publish(
        "",
        &env.names.commands,
        b"",
        poison(&format!("Hello#{poisoned}")),
    )
    .await;
    hello_is_prompt(&env, "other").await;
    let answer = victim.next().await;
    assert_eq!(answer.body, "System#IN_SERVICE");
    let correlation = answer.correlation_id().unwrap_or_default().to_owned();
    assert!(
        correlation.starts_with("sha256:") && correlation.len() == 71,
        "a long correlation id comes back hashed: {correlation}"
    );

    // The same message waiting in the queue when a connector starts.
    let connector = env.connector.take().unwrap();
    assert!(connector.stop().await.success());
    env.publish(
        "",
        &env.names.commands,
        b"",
        poison(&format!("Hello#{poisoned}")),
    )
    .await;
    env.connector = Some(Connector::start(&env.tag, &env.names, &env.sim, &[]).await);
    hello_is_prompt(&env, "after-restart").await;
    assert_eq!(victim.text().await, "System#IN_SERVICE");
    // Nothing was left unacked: stopped, the connector would have given it back.
    let connector = env.connector.take().unwrap();
    assert!(connector.stop().await.success());
    assert_eq!(env.ready_count(&env.names.commands).await, 0);
    env.stop().await;
}

/// A client queue that refuses publishes (`x-max-length` 1, `x-overflow: reject-publish`) does
/// not delay other clients' events; the refusals are counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_queue_that_refuses_publishes_delays_no_one_else() {
    let env = Env::start(Options::default()).await;
    let full = env.destination("full");
    let channel = env.amqp.create_channel().await.unwrap();
    let mut args = FieldTable::default();
    args.insert("x-max-length".into(), AMQPValue::LongInt(1));
    args.insert(
        "x-overflow".into(),
        AMQPValue::LongString("reject-publish".into()),
    );
    let queue = channel
        .queue_declare(
            ShortString::from(""),
            QueueDeclareOptions {
                exclusive: true,
                ..Default::default()
            },
            args,
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.name().clone(),
            ShortString::from(env.names.clients.as_str()),
            ShortString::from(full.as_str()),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    for i in 0..5 {
        env.send(&format!("Hello#{full}"), "").await;
        hello_is_prompt(&env, &format!("other-{i}")).await;
    }
    let connector = env.connector();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let metrics = connector.metrics().await;
        if metrics.contains("gc_publish_failures_total{reason=\"nacked\"} 4") {
            break;
        }
        assert!(Instant::now() < deadline, "no nacks counted:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    env.stop().await;
}

/// 100,000 Hellos from random destinations and 1,000 Connects of random agents with a wrong
/// password leave the counts within the caps and the memory bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_of_destinations_and_agents_stay_within_the_caps() {
    const MAX_DESTINATIONS: i64 = 1_000;
    const MAX_UNLICENSED: i64 = 100;
    let env = Env::start(Options {
        env: vec![
            env_var(
                "GC_CLIENTS__MAX_DESTINATIONS",
                &MAX_DESTINATIONS.to_string(),
            ),
            env_var(
                "GC_CLIENTS__MAX_UNLICENSED_AGENTS",
                &MAX_UNLICENSED.to_string(),
            ),
        ],
        ..Options::default()
    })
    .await;
    let flood = env.destination("flood");
    let mut barrier = env.client(&flood).await;
    env.send(&format!("Hello#{flood}"), "").await;
    assert_eq!(barrier.text().await, "System#IN_SERVICE");
    let rss_before = env.connector().rss_kib();
    let started = Instant::now();
    for i in 0..100_000u32 {
        env.send(&format!("Hello#r{i:06}-{}", env.tag), "").await;
        if i % 100 == 0 {
            let agent = 900_000 + i / 100;
            env.send(&format!("Connect#{agent}"), &format!("{flood},bad"))
                .await;
        }
    }
    println!("flood published in {:?}", started.elapsed());
    // A barrier: commands are taken in order, so its answer comes after the flood's.
    let props = Props {
        correlation_id: Some("barrier".into()),
        ..Props::default()
    };
    env.send_with(&format!("Hello#{flood}"), b"", props).await;
    let deadline = Instant::now() + Duration::from_mins(5);
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let m = timeout(remaining, barrier.next())
            .await
            .expect("the barrier is answered");
        if m.correlation_id() == Some("barrier") {
            break;
        }
    }
    println!("flood handled in {:?}", started.elapsed());
    let connector = env.connector();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let destinations = connector.gauge("gc_destinations").await.unwrap();
    let unlicensed = connector.gauge("gc_unlicensed_agents").await.unwrap();
    let rss_after = connector.rss_kib();
    println!(
        "destinations {destinations} (cap {MAX_DESTINATIONS}), agents without a licence \
         {unlicensed} (cap {MAX_UNLICENSED}), RSS {rss_before} KiB before, {rss_after} KiB after"
    );
    assert!(destinations <= MAX_DESTINATIONS, "{destinations}");
    assert!(unlicensed <= MAX_UNLICENSED, "{unlicensed}");
    assert!(
        rss_after < 192 * 1024,
        "RSS {rss_after} KiB after the flood (bound 192 MiB)"
    );
    let metrics = connector.metrics().await;
    assert!(
        metrics.contains("gc_refused_total{cap=\"destinations\"}"),
        "{metrics}"
    );
    // The refused credentials were forgotten: the agents do not stay.
    let deadline = Instant::now() + PATIENCE;
    while connector.gauge("gc_unlicensed_agents").await != Some(0) {
        assert!(Instant::now() < deadline, "refused agents are forgotten");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    env.stop().await;
}

/// 70 commands for an agent whose notification session never opens are all answered and acked
/// within the request timeout, and another client's Hello is answered meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_for_a_session_that_never_opens_are_answered_in_time() {
    let (hole, _task) = support::black_hole().await;
    let env = Env::start(Options {
        env: vec![
            env_var("GC_FINESSE__PRIMARY_XMPP", &hole.to_string()),
            env_var("GC_FINESSE__REQUEST_TIMEOUT_SECS", "3"),
        ],
        ..Options::default()
    })
    .await;
    let destination = env.destination("1001");
    let mut desk = env.client(&destination).await;
    env.send(&format!("Hello#{destination}"), "").await;
    assert_eq!(desk.text().await, "System#IN_SERVICE");
    env.send("Connect#1001", &format!("{destination},secret"))
        .await;
    let started = Instant::now();
    for i in 0..70 {
        let props = Props {
            message_id: Some(format!("m-{i}-{}", env.tag)),
            ..Props::default()
        };
        env.send_with("MakeReady#1001", b"", props).await;
    }
    hello_is_prompt(&env, "meanwhile").await;
    let mut answers = Vec::new();
    while answers.len() < 70 {
        let text = desk.text().await;
        if text.starts_with("1001#Error#") {
            answers.push(text);
        }
    }
    let elapsed = started.elapsed();
    let retry = answers
        .iter()
        .filter(|a| a.ends_with("PLEASE_RETRY"))
        .count();
    let unavailable = answers
        .iter()
        .filter(|a| a.ends_with("FINESSE_UNAVAILABLE"))
        .count();
    println!(
        "70 answered in {elapsed:?}: {retry} PLEASE_RETRY at once, {unavailable} \
         FINESSE_UNAVAILABLE at the timeout"
    );
    // `clients.max_pending_per_agent` (32) wait; the rest are refused at once.
    assert_eq!((retry, unavailable), (38, 32));
    assert!(elapsed < Duration::from_secs(3) + PROMPT, "{elapsed:?}");
    let mut env = env;
    let connector = env.connector.take().unwrap();
    assert!(connector.stop().await.success());
    assert_eq!(
        env.ready_count(&env.names.commands).await,
        0,
        "all 70 acked"
    );
    env.stop().await;
}

fn redundancy() -> Vec<(String, String)> {
    let key: [u8; 32] = rand::random();
    vec![
        env_var("GC_REDUNDANCY__ENABLED", "true"),
        env_var(
            "GC_REDUNDANCY__SYNC_KEY",
            &base64::engine::general_purpose::STANDARD.encode(key),
        ),
    ]
}

/// MAKE_CALL requests Finesse received.
async fn make_calls(env: &Env) -> usize {
    env.sim
        .control
        .requests(0)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method == "POST" && r.body.contains("MAKE_CALL"))
        .count()
}

/// The leader is killed after Finesse accepted a MakeCall and before the command was acked:
/// the broker redelivers it to the new leader, which knows (from the journal on
/// ConnectorSync) that it ran, and does not run it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_runs_once_when_the_leader_dies_before_its_ack() {
    let settings = redundancy();
    let mut leader_settings = settings.clone();
    leader_settings.push(env_var("GCTEST_ACK_DELAY_MS", "6000"));
    let mut env = Env::start(Options {
        env: leader_settings,
        ..Options::default()
    })
    .await;
    env.connector().wait_gauge("gc_leader", 1).await;
    let standby_id = format!("e2e-{}-b", env.tag);
    let standby = Connector::start_instance(&standby_id, &env.names, &env.sim, &settings).await;
    let mut desk = env.desk("1001", "3001").await;
    standby.wait_gauge("gc_agents_logged_in", 1).await;
    // The login's own commands are acked first (their acks are delayed too).
    tokio::time::sleep(Duration::from_millis(6_500)).await;
    let props = Props {
        message_id: Some(format!("call-{}", env.tag)),
        ..Props::default()
    };
    env.send_with("MakeCall#1001", b"4012", props).await;
    let deadline = Instant::now() + PATIENCE;
    while make_calls(&env).await == 0 {
        assert!(Instant::now() < deadline, "Finesse got the MakeCall");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Finesse has it; the ack is still seconds away.
    env.connector.take().unwrap().kill().await;
    standby.wait_gauge("gc_leader", 1).await;
    desk.until("1001#State#").await;
    // The redelivery was taken and settled without a second MAKE_CALL.
    let deadline = Instant::now() + PATIENCE;
    while env.ready_count(&env.names.commands).await > 0 {
        assert!(Instant::now() < deadline, "the redelivery is taken");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(make_calls(&env).await, 1, "Finesse saw the MakeCall once");
    env.connector = Some(standby);
    env.stop().await;
}

/// Closes the connector's AMQP connection from the broker's side (`rabbitmqctl
/// close_connection`), as an operator or a network fault would.
fn close_connection_of(instance: &str) {
    let list = std::process::Command::new("rabbitmqctl")
        .args(["list_connections", "-q", "pid", "client_properties"])
        .output()
        .expect("rabbitmqctl list_connections");
    let text = String::from_utf8_lossy(&list.stdout);
    let line = text
        .lines()
        .find(|l| l.contains(&format!("gc-broker {instance}")))
        .unwrap_or_else(|| panic!("no connection of {instance}: {text}"));
    let pid = line.split_whitespace().next().unwrap();
    let status = std::process::Command::new("rabbitmqctl")
        .args([
            "close_connection",
            pid,
            "e2e: connection closed by the test",
        ])
        .status()
        .expect("rabbitmqctl close_connection");
    assert!(status.success());
}

/// A command redelivered after the connection was lost before its ack gets its answer again,
/// and Finesse does not see it twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_command_gets_its_cached_answer() {
    let env = Env::start(Options {
        env: vec![env_var("GCTEST_ACK_DELAY_MS", "10000")],
        ..Options::default()
    })
    .await;
    // The login's own commands are redelivered too (their acks are delayed as well): they
    // carry no message id and simply run again, which the checks below do not mind.
    let mut desk = env.desk("1002", "3002").await;
    let readies = || async {
        env.sim
            .control
            .requests(0)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.method == "PUT" && r.body.contains("<state>READY</state>"))
            .count()
    };
    let props = Props {
        message_id: Some(format!("ready-{}", env.tag)),
        correlation_id: Some("ready".into()),
        ..Props::default()
    };
    env.send_with("MakeReady#1002", b"", props).await;
    let first = desk.client.next().await;
    assert_eq!(first.body, "1002#State#READY##Jonas Weber");
    close_connection_of(&format!("e2e-{}", env.tag));
    let again = desk
        .client
        .until_msg(|m| m.correlation_id() == Some("ready"))
        .await;
    assert_eq!(again.body, first.body, "the answer, again");
    assert_eq!(again.correlation_id(), Some("ready"));
    assert_eq!(readies().await, 1, "Finesse saw READY once");
    env.stop().await;
}

/// SIGTERM while 2,000 agents are logged in and the simulator dies at the same moment: the
/// process still exits within the grace period (3 s in these tests) plus 2 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_in_time_while_finesse_goes_away() {
    const AGENTS: u32 = 2_000;
    let mut env = Env::start(Options {
        sim_toml: format!("directory = {{ generated = {AGENTS} }}"),
        env: vec![env_var("GC_SHUTDOWN__LOGOUT_AGENTS", "true")],
        ..Options::default()
    })
    .await;
    let destination = env.destination("storm");
    let mut desk: Client = env.client(&destination).await;
    env.send(&format!("Hello#{destination}"), "").await;
    assert_eq!(desk.text().await, "System#IN_SERVICE");
    for i in 0..AGENTS {
        let agent = 10_001 + i;
        env.send(
            &format!("Connect#{agent}"),
            &format!("{destination},secret"),
        )
        .await;
        env.send(&format!("Login#{agent}"), &format!("secret,{}", 40_001 + i))
            .await;
    }
    let connector = env.connector.take().unwrap();
    let deadline = Instant::now() + Duration::from_mins(3);
    while connector.gauge("gc_agents_logged_in").await != Some(i64::from(AGENTS)) {
        assert!(Instant::now() < deadline, "{AGENTS} agents log in");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let sim = std::mem::replace(&mut env.sim, support::Sim::start(false).await);
    let stopping = Instant::now();
    let (status, ()) = tokio::join!(connector.stop(), sim.stop());
    let took = stopping.elapsed();
    println!("stopped in {took:?} ({status})");
    assert!(
        took <= Duration::from_secs(3 + 2),
        "exit within grace + 2 s: {took:?}"
    );
    assert!(
        status.success(),
        "a bounded shutdown, not the last-resort watchdog: {status}"
    );
    env.stop().await;
}
