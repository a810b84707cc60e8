//! Publish-with-confirm latency and throughput of [`Broker::publish`] against a real RabbitMQ.
//!
//! `cargo bench -p gc-broker --bench confirm` (`GC_BENCH_MESSAGES`, default 10000;
//! `GC_AMQP_URL`, default the local guest broker).
//!
//! Two runs of small (about 100-byte) persistent client events routed to a durable classic
//! queue: one publish at a time, each awaiting its confirm (the latency the driver sees per
//! event: p50/p99), then 64 publishes in flight (the throughput the adapter can reach when the
//! driver overlaps commands), plus plain lapin one at a time as a baseline for the adapter's
//! own overhead. Names carry a random suffix and are deleted afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench program: fail loudly
#![allow(clippy::cast_precision_loss)] // figures for humans

use std::time::{Duration, Instant};

use futures::StreamExt as _;
use gc_broker::{Broker, BrokerConfig, OutgoingMessage, Target};
use hdrhistogram::Histogram;
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeleteOptions, QueueBindOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use secrecy::SecretString;

const IN_FLIGHT: usize = 64;

fn main() {
    // `cargo test --benches` runs this too: keep that to a smoke run.
    let bench = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("GC_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 10_000 } else { 200 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(n));
}

fn message(i: usize) -> OutgoingMessage {
    OutgoingMessage {
        target: Target::Client("bench".to_owned()),
        body: format!("1001#State#NOT_READY#7#Maria Meier#{i:08}")
            .into_bytes()
            .into(),
        content_type: "text/plain",
        category: "agent_state",
        correlation_id: Some(format!("corr-{i}")),
        jms_type: None,
    }
}

async fn run(n: usize) {
    let url = std::env::var("GC_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned());
    let sfx = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
    let config = BrokerConfig {
        uri: SecretString::from(url.clone()),
        instance_id: format!("bench-{sfx}"),
        commands_queue: format!("gc.commands.{sfx}"),
        commands_exchange: format!("gc.commands.{sfx}"),
        clients_exchange: format!("gc.clients.{sfx}"),
        events_exchange: format!("gc.events.{sfx}"),
        dead_letter_queue: format!("gc.commands.dlq.{sfx}"),
        sync_exchange: format!("ConnectorSync.{sfx}"),
        leader_lock_queue: None,
        ..BrokerConfig::default()
    };
    let (broker, _events) = Broker::start(config.clone())
        .await
        .unwrap_or_else(|e| panic!("RabbitMQ not usable at {}: {e}", config.endpoint()));

    let admin = Connection::connect(&url, ConnectionProperties::default())
        .await
        .unwrap();
    let ch = admin.create_channel().await.unwrap();
    let sink = format!("bench.sink.{sfx}");
    ch.queue_declare(
        sink.as_str().into(),
        QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        },
        FieldTable::default(),
    )
    .await
    .unwrap();
    ch.queue_bind(
        sink.as_str().into(),
        config.clients_exchange.as_str().into(),
        "bench".into(),
        QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .unwrap();

    // Warm-up, not measured.
    for i in 0..100.min(n) {
        broker.publish(message(i)).await.unwrap();
    }

    let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    let started = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        broker.publish(message(i)).await.unwrap();
        latency
            .record(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX))
            .unwrap();
    }
    let sequential = started.elapsed();

    let started = Instant::now();
    futures::stream::iter(0..n)
        .map(|i| {
            let broker = broker.clone();
            async move { broker.publish(message(i)).await.unwrap() }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<()>>()
        .await;
    let pipelined = started.elapsed();

    // Baseline: plain lapin on a confirm channel, same route, same properties' size, so the
    // adapter's own overhead can be told apart from the broker's (fsync, routing).
    let raw = admin.create_channel().await.unwrap();
    raw.confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let mut raw_latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    let started = Instant::now();
    for i in 0..n {
        let body = message(i).body;
        let t = Instant::now();
        raw.basic_publish(
            config.clients_exchange.as_str().into(),
            "bench".into(),
            BasicPublishOptions::default(),
            &body,
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();
        raw_latency
            .record(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX))
            .unwrap();
    }
    let raw_sequential = started.elapsed();
    let _ = raw.close(200, "done".into()).await;

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!("gc-broker publish-with-confirm, {n} persistent messages to a durable classic queue");
    println!(
        "  one at a time:  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  -> {:.0} msg/s",
        ms(&latency, 0.50),
        ms(&latency, 0.90),
        ms(&latency, 0.99),
        latency.max() as f64 / 1000.0,
        rate(sequential)
    );
    println!(
        "  plain lapin:    p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  -> {:.0} msg/s",
        ms(&raw_latency, 0.50),
        ms(&raw_latency, 0.90),
        ms(&raw_latency, 0.99),
        raw_latency.max() as f64 / 1000.0,
        rate(raw_sequential)
    );
    println!(
        "  {IN_FLIGHT} in flight:    {:.0} msg/s ({:.2} s)",
        rate(pipelined),
        pipelined.as_secs_f64()
    );

    broker.shutdown().await;
    let _ = ch
        .queue_delete(sink.as_str().into(), QueueDeleteOptions::default())
        .await;
    for queue in [&config.commands_queue, &config.dead_letter_queue] {
        let _ = ch
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    for exchange in [
        &config.commands_exchange,
        &config.clients_exchange,
        &config.events_exchange,
        &config.sync_exchange,
    ] {
        let _ = ch
            .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
    let _ = ch.close(200, "done".into()).await;
    let _ = admin.close(200, "done".into()).await;
}
