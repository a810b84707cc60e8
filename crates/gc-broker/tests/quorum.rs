//! Quorum queues and several broker nodes, on the local RabbitMQ (a quorum queue works on one
//! node too; the three-node behaviour is tests/e2e_cluster.rs at the workspace root): the
//! broker's own delivery limit dead-letters a command that fails every time, a queue of the
//! other type is refused with a way to migrate, and an unreachable first node is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use common::{Cleanup, Client, config, expect, header_text, start};
use gc_broker::{Broker, BrokerError, BrokerEvent, CommandDelivery, QueueType};
use lapin::BasicProperties;
use lapin::options::QueueDeclareOptions;
use lapin::types::{AMQPValue, FieldTable};
use secrecy::SecretString;
use tokio::sync::mpsc::Receiver;

async fn next_command(rx: &mut Receiver<BrokerEvent>) -> CommandDelivery {
    expect(rx, "a command", |e| match e {
        BrokerEvent::Command(c) => Some(*c),
        _ => None,
    })
    .await
}

/// `reason` and `queue` of the first `x-death` entry.
fn x_death(properties: &BasicProperties) -> Option<(String, String)> {
    let text = |table: &FieldTable, key: &str| match table.inner().get(key)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        _ => None,
    };
    let AMQPValue::FieldArray(deaths) = properties.headers().as_ref()?.inner().get("x-death")?
    else {
        return None;
    };
    let AMQPValue::FieldTable(first) = deaths.as_slice().first()? else {
        return None;
    };
    Some((text(first, "reason")?, text(first, "queue")?))
}

fn quorum(sfx: &str, instance: &str, limit: u32) -> gc_broker::BrokerConfig {
    gc_broker::BrokerConfig {
        queue_type: QueueType::Quorum,
        delivery_limit: Some(limit),
        leader_lock_queue: None,
        ..config(sfx, instance)
    }
}

#[tokio::test]
async fn a_command_that_fails_every_time_is_dead_lettered_by_the_broker_after_the_delivery_limit() {
    let sfx = common::suffix();
    let limit = 3;
    let cfg = quorum(&sfx, "limit", limit);
    let _cleanup = Cleanup(cfg.clone());
    let (broker, mut rx) = start(cfg.clone()).await;
    let client = Client::connect(&common::amqp_url()).await;

    let mut headers = FieldTable::default();
    headers.insert("JMSType".into(), AMQPValue::LongString("Poison".into()));
    let props = BasicProperties::default()
        .with_headers(headers)
        .with_message_id("m-poison".into());
    client
        .publish("", &cfg.commands_queue, b"fails every time", props)
        .await;

    // The consumer fails on it every time (puts it back), as a consumer whose channel the
    // message closes would. The broker counts the deliveries and, past the limit, moves the
    // message to the dead-letter queue itself.
    let dlq_channel = client.fresh_channel().await;
    let mut dlq = common::Probe::on(dlq_channel, cfg.dead_letter_queue.clone()).await;
    let mut deliveries = 0;
    let dead = loop {
        tokio::select! {
            command = next_command(&mut rx) => {
                assert_eq!(command.message_id.as_deref(), Some("m-poison"));
                deliveries += 1;
                assert!(deliveries <= limit + 1, "delivered {deliveries} times, limit {limit}");
                broker.requeue(command.token).await;
            }
            dead = dlq.next() => break dead,
        }
    };
    println!("delivered {deliveries} times before the broker dead-lettered it (limit {limit})");
    assert!(
        deliveries >= limit,
        "dead-lettered after only {deliveries} deliveries"
    );
    assert_eq!(dead.data, b"fails every time");
    assert_eq!(
        header_text(&dead.properties, "JMSType").as_deref(),
        Some("Poison")
    );
    let death = x_death(&dead.properties);
    assert_eq!(
        death,
        Some(("delivery_limit".to_owned(), cfg.commands_queue.clone())),
        "x-death names the reason and the queue"
    );
    assert_eq!(broker.stats().dead_lettered, 0, "the broker did it, not us");
    broker.shutdown().await;

    // The command queue is a quorum queue with single-active-consumer, and it is empty.
    let declared = client
        .fresh_channel()
        .await
        .queue_declare(
            cfg.commands_queue.as_str().into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("the command queue exists");
    assert_eq!(declared.message_count(), 0);
}

#[tokio::test]
async fn a_queue_of_the_other_type_is_refused_with_the_way_to_migrate() {
    let sfx = common::suffix();
    let classic = gc_broker::BrokerConfig {
        leader_lock_queue: None,
        ..config(&sfx, "classic")
    };
    let _cleanup = Cleanup(classic.clone());
    let (broker, _rx) = start(classic.clone()).await;
    broker.shutdown().await;

    let err = Broker::start(quorum(&sfx, "quorum", 5))
        .await
        .expect_err("a classic queue cannot be declared as quorum");
    let text = err.to_string();
    println!("{text}");
    assert!(matches!(
        &err,
        BrokerError::QueueTypeMismatch { queue, wanted: "quorum", existing: "classic" }
            if *queue == classic.commands_queue
    ));
    assert!(text.contains("delete_queue") && text.contains("cannot change"));
    assert!(!err.is_transient(), "retrying would not help");

    // The other way round: a quorum queue, a connector configured for classic ones.
    let sfx = common::suffix();
    let q = quorum(&sfx, "quorum", 5);
    let _cleanup = Cleanup(q.clone());
    let (broker, _rx) = start(q.clone()).await;
    broker.shutdown().await;
    let err = Broker::start(gc_broker::BrokerConfig {
        queue_type: QueueType::Classic,
        ..q
    })
    .await
    .err();
    assert!(
        matches!(
            err,
            Some(BrokerError::QueueTypeMismatch {
                wanted: "classic",
                existing: "quorum",
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_node_is_skipped_and_the_node_in_use_is_named() {
    let sfx = common::suffix();
    let real = common::amqp_url();
    let cfg = gc_broker::BrokerConfig {
        // Nothing listens on port 1: connection refused at once.
        uri: SecretString::from("amqp://guest:hunter2@127.0.0.1:1/%2f".to_owned()),
        cluster_uris: vec![SecretString::from(real.clone())],
        leader_lock_queue: None,
        ..config(&sfx, "nodes")
    };
    let _cleanup = Cleanup(gc_broker::BrokerConfig {
        uri: SecretString::from(real.clone()),
        ..cfg.clone()
    });
    let (broker, mut rx) = start(cfg.clone()).await;
    assert_eq!(broker.endpoint(), cfg.endpoint_of(1));
    assert_ne!(broker.endpoint(), cfg.endpoint_of(0));
    assert!(!broker.endpoint().contains("hunter2") && !broker.endpoint().contains("guest"));
    let client = Client::connect(&real).await;
    client
        .publish(
            "",
            &cfg.commands_queue,
            b"hello",
            BasicProperties::default(),
        )
        .await;
    let command = next_command(&mut rx).await;
    broker.ack(command.token).await;
    broker.shutdown().await;
}
