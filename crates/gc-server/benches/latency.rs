//! Command-to-event latency through the whole chain, for 100 agents:
//! client → RabbitMQ → generic-connector → finesse-sim → generic-connector → RabbitMQ → client.
//!
//! 100 agents log in, then in each round every agent sends MakeReady or MakeNotReady at once
//! and the time until its `State` event arrives is recorded. Prints p50 / p90 / p99 / max.
//!
//!     cargo bench -p gc-server --bench latency            (AGENTS=100 ROUNDS=30 by default)
//!
//! On a RabbitMQ cluster vs one node (issue 15): `QUEUE_TYPE=quorum` gives the connector
//! quorum queues, `BROKER_URLS` (comma-separated) its list of nodes, and `GC_AMQP_URL` the
//! node the bench's client uses:
//!
//!     QUEUE_TYPE=quorum cargo bench -p gc-server --bench latency                 (one node)
//!     scripts/rabbitmq-cluster start
//!     QUEUE_TYPE=quorum GC_AMQP_URL=amqp://guest:guest@127.0.0.1:5683/%2f \
//!       BROKER_URLS=amqp://guest:guest@127.0.0.1:5681/%2f,amqp://guest:guest@127.0.0.1:5682/%2f \
//!       cargo bench -p gc-server --bench latency                                  (cluster)
//!
//! `scripts/bench-cluster` runs both, release build, several times interleaved, and prints
//! the medians and the ratios cluster ÷ one node (one node with classic queues there).
//!
//! Needs RabbitMQ on 127.0.0.1:5672 and the binaries built
//! (`cargo build --release -p finesse-sim -p gc-server --bins` for release figures).

// A bench program: failing loudly on a broken setup is the right thing to do.
#![allow(clippy::expect_used, clippy::cast_precision_loss)]

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::time::Instant;

use finesse_sim::Directory;
use support::{Env, Options};

fn report(what: &str, h: &hdrhistogram::Histogram<u64>) {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "command → event latency, {what} ({} samples): p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        h.len(),
        ms(0.5),
        ms(0.9),
        ms(0.99),
        h.max() as f64 / 1000.0
    );
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let agents = env_number("AGENTS", 100);
    let rounds = env_number("ROUNDS", 30);
    let mut connector_env = Vec::new();
    for (var, key) in [
        ("BROKER_URLS", "GC_BROKER__URLS"),
        ("QUEUE_TYPE", "GC_BROKER__QUEUE_TYPE"),
    ] {
        if let Ok(value) = std::env::var(var) {
            connector_env.push((key.to_owned(), value));
        }
    }
    println!(
        "connector: queue type {}, {} broker node(s)",
        std::env::var("QUEUE_TYPE").unwrap_or_else(|_| "classic".into()),
        std::env::var("BROKER_URLS").map_or(1, |u| u.split(',').count())
    );
    let env = Env::start(Options {
        env: connector_env,
        ..Options::default()
    })
    .await;
    env.sim
        .control
        .load_directory(&Directory::generated(agents))
        .await
        .expect("load the generated directory");
    let directory = env
        .sim
        .control
        .directory()
        .await
        .expect("read the directory back");
    let ids: Vec<(String, String)> = directory
        .agents
        .iter()
        .take(agents)
        .map(|a| (a.login_id.clone(), a.extension.clone()))
        .collect();

    let destination = format!("bench-{}", env.tag);
    let mut client = env.client(&destination).await;
    env.send(&format!("Hello#{destination}"), "").await;
    client.until("System#").await;
    let started = Instant::now();
    for (id, extension) in &ids {
        env.send(&format!("Connect#{id}"), &format!("{destination},secret"))
            .await;
        env.send(&format!("Login#{id}"), &format!("secret,{extension}"))
            .await;
    }
    let mut logged_in = 0;
    while logged_in < ids.len() {
        if client.text().await.contains("#AgentInfo#") {
            logged_in += 1;
        }
    }
    println!(
        "{} agents logged in through the connector in {:.2} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );

    let mut histogram = hdrhistogram::Histogram::<u64>::new(3).expect("histogram");
    let burst = Instant::now();
    for round in 0..rounds {
        let (command, state) = if round.is_multiple_of(2) {
            ("MakeReady", "READY")
        } else {
            ("MakeNotReady", "NOT_READY")
        };
        let mut sent = HashMap::new();
        for (id, _) in &ids {
            sent.insert(id.clone(), Instant::now());
            env.send(&format!("{command}#{id}"), "").await;
        }
        while !sent.is_empty() {
            let text = client.text().await;
            let mut fields = text.split('#');
            let (Some(agent), Some("State"), Some(got)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if got == state
                && let Some(at) = sent.remove(agent)
            {
                histogram
                    .record(u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX))
                    .expect("record");
            }
        }
    }
    let burst = burst.elapsed().as_secs_f64();
    report(
        &format!("all {} agents at once, {rounds} rounds", ids.len()),
        &histogram,
    );
    // Each round waits for its last answer, so this is a lower bound of what one instance
    // can carry: every agent's command in flight at once, then a pause.
    println!(
        "commands answered per second, all agents at once: {:.0} ({} commands in {burst:.2} s)",
        histogram.len() as f64 / burst,
        histogram.len()
    );

    // One command at a time: the chain's own latency, without queueing behind other agents.
    let mut alone = hdrhistogram::Histogram::<u64>::new(3).expect("histogram");
    for (round, (id, _)) in ids.iter().cycle().take(ids.len() * 4).enumerate() {
        let (command, state) = if (round / ids.len()).is_multiple_of(2) {
            ("MakeNotReady", "NOT_READY")
        } else {
            ("MakeReady", "READY")
        };
        let at = Instant::now();
        env.send(&format!("{command}#{id}"), "").await;
        let expected = format!("{id}#State#{state}#");
        while !client.text().await.starts_with(&expected) {}
        alone
            .record(u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX))
            .expect("record");
    }
    report("one command at a time", &alone);
    env.stop().await;
}
