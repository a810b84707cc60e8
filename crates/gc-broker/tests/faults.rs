//! Recovery under real faults: a forced close of our connections and a broker restart
//! (`rabbitmqctl stop_app` / `start_app`) while commands are in flight.
//!
//! One test function runs both scenarios in order, in a throwaway vhost (deleted at the end),
//! holding a file lock so two runs of this binary never restart the broker at once. A restart
//! affects every vhost: other crates' broker tests must tolerate reconnects, and this binary
//! is the only one that restarts the broker. Assertions are on outcomes (every command
//! arrives; publishing resumes), never on timings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::collections::{HashMap, HashSet};
use std::fs::OpenOptions;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use common::{Client, config_for, expect, expect_leadership, start};
use gc_broker::{Broker, BrokerConfig, BrokerEvent, DeliveryToken, OutgoingMessage, Target};
use lapin::BasicProperties;
use lapin::options::{QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::uri::AMQPUri;
use tokio::sync::mpsc::Receiver;

// === fixtures ===

/// Serialises broker restarts across concurrent runs (`create_new` is atomic).
struct RestartLock(PathBuf);

impl RestartLock {
    async fn acquire() -> Self {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("broker-restart.lock");
        for _ in 0..(15 * 60 * 5) {
            if OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .is_ok()
            {
                return Self(path);
            }
            // A lock older than 10 minutes was left by a run that was killed.
            let stale = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > Duration::from_mins(10));
            if stale {
                let _ = std::fs::remove_file(&path);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("could not take {} within 15 minutes", path.display());
    }
}

impl Drop for RestartLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn rabbitmqctl_path() -> &'static str {
    if std::path::Path::new("/usr/sbin/rabbitmqctl").exists() {
        "/usr/sbin/rabbitmqctl"
    } else {
        "rabbitmqctl"
    }
}

/// Runs `rabbitmqctl args…` and fails the test with its output when it fails.
async fn ctl(args: &[&str]) {
    let output = tokio::process::Command::new(rabbitmqctl_path())
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run rabbitmqctl {args:?} (needs root): {e}"));
    assert!(
        output.status.success(),
        "rabbitmqctl {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A vhost of our own, deleted (with everything in it) when dropped.
struct Vhost(String);

impl Drop for Vhost {
    fn drop(&mut self) {
        let _ = std::process::Command::new(rabbitmqctl_path())
            .args(["delete_vhost", &self.0])
            .output();
    }
}

fn command(id: &str) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert(
        "JMSType".into(),
        AMQPValue::LongString(format!("Beat#{id}").into()),
    );
    BasicProperties::default()
        .with_headers(headers)
        .with_message_id(id.into())
        .with_delivery_mode(2)
}

fn event(destination: &str, body: &str) -> OutgoingMessage {
    OutgoingMessage {
        target: Target::Client(destination.to_owned()),
        body: body.as_bytes().to_vec().into(),
        content_type: "text/plain",
        category: "system",
        correlation_id: None,
        jms_type: None,
    }
}

/// Commands received per message id, and how many of them were redeliveries.
#[derive(Default)]
struct Tally {
    seen: HashMap<String, usize>,
    redelivered: usize,
}

impl Tally {
    fn record(&mut self, id: Option<String>, redelivered: bool) {
        *self.seen.entry(id.unwrap_or_default()).or_default() += 1;
        self.redelivered += usize::from(redelivered);
    }

    fn duplicates(&self) -> usize {
        self.seen.values().map(|n| n - 1).sum()
    }
}

/// Reads events, acking every command, until every id in `want` has been received.
async fn drain(
    broker: &Broker,
    rx: &mut Receiver<BrokerEvent>,
    want: &HashSet<String>,
    tally: &mut Tally,
) {
    let mut got = HashSet::new();
    while !want.is_subset(&got) {
        let cmd = expect(rx, "the remaining commands", |e| match e {
            BrokerEvent::Command(c) => Some(*c),
            _ => None,
        })
        .await;
        if let Some(id) = &cmd.message_id {
            got.insert(id.clone());
        }
        tally.record(cmd.message_id.clone(), cmd.redelivered);
        broker.ack(cmd.token).await;
    }
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

// === the test ===

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adapter_recovers_from_a_forced_close_and_from_a_broker_restart() {
    common::trace_init();
    let _lock = RestartLock::acquire().await;
    let sfx = common::suffix();
    let vhost = Vhost(format!("gc-test-{sfx}"));
    let user = AMQPUri::from_str(&common::amqp_url())
        .expect("GC_AMQP_URL")
        .authority
        .userinfo
        .username;
    ctl(&["add_vhost", &vhost.0]).await;
    ctl(&["set_permissions", "-p", &vhost.0, &user, ".*", ".*", ".*"]).await;
    let url = common::url_with_vhost(&vhost.0);
    let config = BrokerConfig {
        // Long enough to cover the restart: a publish waits for the reconnect.
        publish_timeout: Duration::from_mins(2),
        ..config_for(&url, &sfx, "fault")
    };
    let (broker, mut rx) = start(config.clone()).await;
    expect_leadership(&mut rx, true).await;

    forced_close(&broker, &mut rx, &config, &url, &vhost.0).await;
    restart(&broker, &mut rx, &config, &url).await;

    broker.shutdown().await;
}

/// `rabbitmqctl close_all_connections` on our vhost: the adapter reconnects at once,
/// tokens of the closed connection become no-ops, and the unacked commands come back.
async fn forced_close(
    broker: &Broker,
    rx: &mut Receiver<BrokerEvent>,
    config: &BrokerConfig,
    url: &str,
    vhost: &str,
) {
    let client = Client::connect(url).await;
    let first = ids("fc", 20);
    for id in &first {
        client
            .publish("", &config.commands_queue, b"", command(id))
            .await;
    }
    let mut held: Vec<DeliveryToken> = Vec::new();
    let mut acked = HashSet::new();
    while acked.len() + held.len() < first.len() {
        let cmd = expect(rx, "a command", |e| match e {
            BrokerEvent::Command(c) => Some(*c),
            _ => None,
        })
        .await;
        if acked.len() < 10 {
            acked.insert(cmd.message_id.clone().unwrap_or_default());
            broker.ack(cmd.token).await;
        } else {
            held.push(cmd.token);
        }
    }

    ctl(&[
        "close_all_connections",
        "--vhost",
        vhost,
        "test: forced close",
    ])
    .await;
    expect(rx, "Disconnected", |e| {
        matches!(e, BrokerEvent::Disconnected { .. }).then_some(())
    })
    .await;
    expect(rx, "Connected", |e| {
        matches!(e, BrokerEvent::Connected).then_some(())
    })
    .await;
    expect_leadership(rx, true).await;

    let stale_before = broker.stats().stale_tokens;
    for token in held {
        broker.ack(token).await; // from the closed connection: a no-op
    }
    assert_eq!(broker.stats().stale_tokens, stale_before + 10);

    let client = Client::connect(url).await; // ours was closed too
    let later = ids("fc-after", 10);
    for id in &later {
        client
            .publish("", &config.commands_queue, b"", command(id))
            .await;
    }
    let want: HashSet<String> = first
        .iter()
        .chain(&later)
        .filter(|id| !acked.contains(*id))
        .cloned()
        .collect();
    let mut tally = Tally::default();
    drain(broker, rx, &want, &mut tally).await;
    eprintln!(
        "forced close: 30 commands sent, 10 acked before the close, {} received after it \
         ({} redelivered, {} duplicates); connections so far: {}",
        tally.seen.len(),
        tally.redelivered,
        tally.duplicates(),
        broker.stats().connections
    );
    assert!(
        tally.redelivered >= 10,
        "the 10 unacked commands come back redelivered"
    );
    assert!(broker.stats().connections >= 2);

    let mut probe = client.probe(&config.clients_exchange, "crm-fc").await;
    broker
        .publish(event("crm-fc", "after the forced close"))
        .await
        .expect("publish after recovery");
    assert_eq!(probe.next().await.data, b"after the forced close");
}

/// `rabbitmqctl stop_app` / `start_app` with commands queued and delivered-but-unacked: every
/// command arrives after the restart, a publish made during the outage completes after it,
/// and publishing and consuming continue.
async fn restart(
    broker: &Broker,
    rx: &mut Receiver<BrokerEvent>,
    config: &BrokerConfig,
    url: &str,
) {
    let client = Client::connect(url).await;
    // A durable probe queue: it must survive the restart.
    let probe_queue = format!("probe.{}", config.instance_id);
    let ch = client.fresh_channel().await;
    ch.queue_declare(
        probe_queue.as_str().into(),
        QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        },
        FieldTable::default(),
    )
    .await
    .expect("probe queue");
    ch.queue_bind(
        probe_queue.as_str().into(),
        config.clients_exchange.as_str().into(),
        "crm-restart".into(),
        QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .expect("probe binding");

    let mut tally = Tally::default();
    let phase_a = ids("rs-a", 50);
    for id in &phase_a {
        client
            .publish("", &config.commands_queue, b"", command(id))
            .await;
    }
    drain(broker, rx, &phase_a.iter().cloned().collect(), &mut tally).await;

    // Queued before the stop, none acked: some delivered (up to the prefetch), the rest ready.
    let phase_b = ids("rs-b", 100);
    for id in &phase_b {
        client
            .publish("", &config.commands_queue, b"", command(id))
            .await;
    }
    drop(client);

    ctl(&["stop_app"]).await;
    // Deliveries that reached us before the stop are stale now; the broker keeps them.
    let mut before_restart = Tally::default();
    loop {
        let event = expect(rx, "Disconnected", Some).await;
        match event {
            BrokerEvent::Command(cmd) => {
                before_restart.record(cmd.message_id.clone(), cmd.redelivered);
                broker.ack(cmd.token).await; // no-op
            }
            BrokerEvent::Disconnected { .. } => break,
            _ => {}
        }
    }
    assert!(!broker.is_connected());
    let during = {
        let broker = broker.clone();
        tokio::spawn(async move {
            broker
                .publish(event("crm-restart", "during the outage"))
                .await
        })
    };
    ctl(&["start_app"]).await;

    expect(rx, "Connected", |e| {
        matches!(e, BrokerEvent::Connected).then_some(())
    })
    .await;
    expect_leadership(rx, true).await;
    let client = Client::connect(url).await;
    let phase_c = ids("rs-c", 50);
    for id in &phase_c {
        client
            .publish("", &config.commands_queue, b"", command(id))
            .await;
    }
    let want: HashSet<String> = phase_b.iter().chain(&phase_c).cloned().collect();
    let mut after = Tally::default();
    drain(broker, rx, &want, &mut after).await;

    during
        .await
        .expect("task")
        .expect("a publish made during the outage completes after the restart");
    broker
        .publish(event("crm-restart", "after the restart"))
        .await
        .expect("publish after the restart");
    let mut probe = common::Probe::on(client.fresh_channel().await, probe_queue).await;
    assert_eq!(probe.next().await.data, b"during the outage");
    assert_eq!(probe.next().await.data, b"after the restart");

    let phase_b_after = phase_b
        .iter()
        .filter(|id| after.seen.contains_key(*id))
        .count();
    let seen_twice = before_restart
        .seen
        .keys()
        .filter(|id| after.seen.contains_key(*id))
        .count();
    eprintln!(
        "broker restart: 200 commands sent (50 before, 100 queued across the stop, 50 after); \
         {} of the 100 delivered before the stop (their acks no-ops), all {} received after \
         the restart ({} of them again, marked redelivered: {}); {} distinct after the \
         restart, {} delivered twice after it; connections so far: {}",
        before_restart.seen.len(),
        phase_b_after,
        seen_twice,
        after.redelivered,
        after.seen.len(),
        after.duplicates(),
        broker.stats().connections
    );
    assert_eq!(
        phase_b_after, 100,
        "every command queued across the restart arrives"
    );
    assert!(phase_c.iter().all(|id| after.seen.contains_key(id)));
}
