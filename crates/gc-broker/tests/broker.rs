//! The adapter against a real RabbitMQ: topology, commands in, events out, dead letters,
//! returns, leadership, single active consumer and ConnectorSync. Every test uses its own
//! names (random suffix) and deletes them at the end, so tests run in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::collections::HashSet;

use common::{Cleanup, Client, config, expect, expect_leadership, header_text, start};
use gc_broker::{
    Broker, BrokerConfig, BrokerError, BrokerEvent, CommandDelivery, OutgoingMessage, Target,
};
use lapin::options::{QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, ErrorKind};
use secrecy::SecretString;
use tokio::sync::mpsc::Receiver;

fn jms(jms_type: &str) -> FieldTable {
    let mut headers = FieldTable::default();
    headers.insert("JMSType".into(), AMQPValue::LongString(jms_type.into()));
    headers
}

async fn next_command(rx: &mut Receiver<BrokerEvent>) -> CommandDelivery {
    expect(rx, "a command", |e| match e {
        BrokerEvent::Command(c) => Some(*c),
        _ => None,
    })
    .await
}

fn event_to(target: Target, body: &str) -> OutgoingMessage {
    OutgoingMessage {
        target,
        body: body.as_bytes().to_vec().into(),
        content_type: "text/plain",
        category: "agent_state",
        correlation_id: Some("corr-1".to_owned()),
        jms_type: None,
    }
}

fn short(s: Option<&ShortString>) -> Option<&str> {
    s.map(ShortString::as_str)
}

async fn passive_queue(client: &Client, name: &str) -> Result<lapin::Queue, lapin::Error> {
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    client
        .fresh_channel()
        .await
        .queue_declare(name.into(), options, FieldTable::default())
        .await
}

#[tokio::test]
async fn the_topology_is_declared_at_start() {
    let sfx = common::suffix();
    let cfg = config(&sfx, "topo");
    let _cleanup = Cleanup(cfg.clone());
    let (broker, mut rx) = start(cfg.clone()).await;
    expect(&mut rx, "Connected", |e| {
        matches!(e, BrokerEvent::Connected).then_some(())
    })
    .await;
    let client = Client::connect(&common::amqp_url()).await;

    for queue in [&cfg.commands_queue, &cfg.dead_letter_queue] {
        passive_queue(&client, queue)
            .await
            .unwrap_or_else(|e| panic!("queue {queue}: {e}"));
    }
    for (exchange, kind) in [
        (&cfg.commands_exchange, lapin::ExchangeKind::Topic),
        (&cfg.clients_exchange, lapin::ExchangeKind::Topic),
        (&cfg.events_exchange, lapin::ExchangeKind::Topic),
        (&cfg.sync_exchange, lapin::ExchangeKind::Fanout),
    ] {
        let options = lapin::options::ExchangeDeclareOptions {
            passive: true,
            ..Default::default()
        };
        client
            .fresh_channel()
            .await
            .exchange_declare(
                exchange.as_str().into(),
                kind,
                options,
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("exchange {exchange}: {e}"));
    }

    // The command queue carries x-single-active-consumer: declaring it without that argument
    // is refused as inequivalent.
    let plain = client
        .fresh_channel()
        .await
        .queue_declare(
            cfg.commands_queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await;
    match plain {
        Err(err) => match err.kind() {
            ErrorKind::ProtocolError(e) => assert_eq!(e.get_id(), 406, "{err}"),
            _ => panic!("unexpected error: {err}"),
        },
        Ok(_) => panic!("the command queue was declared without x-single-active-consumer"),
    }

    // The topic exchange gc.commands reaches the queue with any routing key.
    client
        .publish(
            &cfg.commands_exchange,
            "any.thing.at.all",
            b"",
            BasicProperties::default().with_headers(jms("Hello#crm")),
        )
        .await;
    let cmd = next_command(&mut rx).await;
    assert_eq!(cmd.jms_type.as_deref(), Some("Hello#crm"));
    broker.ack(cmd.token).await;
    broker.shutdown().await;
}

#[tokio::test]
async fn commands_arrive_with_every_field_whether_typed_by_header_or_property() {
    let sfx = common::suffix();
    let cfg = config(&sfx, "cmd");
    let _cleanup = Cleanup(cfg.clone());
    let (broker, mut rx) = start(cfg.clone()).await;
    let client = Client::connect(&common::amqp_url()).await;

    let mut headers = jms("Login#1001");
    headers.insert("gc-format".into(), AMQPValue::LongString("json".into()));
    let by_header = BasicProperties::default()
        .with_headers(headers)
        .with_reply_to("crm-replies".into())
        .with_correlation_id("corr-42".into())
        .with_message_id("msg-42".into())
        .with_delivery_mode(2);
    client
        .publish("", &cfg.commands_queue, b"secret,3001", by_header)
        .await;

    let mut jms_ids = FieldTable::default();
    jms_ids.insert(
        "JMSMessageID".into(),
        AMQPValue::LongString("ID:jms-7".into()),
    );
    let by_property = BasicProperties::default()
        .with_type("Ready#1002".into())
        .with_headers(jms_ids);
    client
        .publish(&cfg.commands_exchange, "agent_state", b"", by_property)
        .await;

    let first = next_command(&mut rx).await;
    assert_eq!(first.jms_type.as_deref(), Some("Login#1001"));
    assert_eq!(first.body, &b"secret,3001"[..]);
    assert_eq!(first.reply_to.as_deref(), Some("crm-replies"));
    assert_eq!(first.correlation_id.as_deref(), Some("corr-42"));
    assert_eq!(first.message_id.as_deref(), Some("msg-42"));
    assert_eq!(first.format.as_deref(), Some("json"));
    assert!(!first.redelivered);

    let second = next_command(&mut rx).await;
    assert_eq!(second.jms_type.as_deref(), Some("Ready#1002"));
    assert!(second.body.is_empty());
    assert_eq!(second.message_id.as_deref(), Some("ID:jms-7"));
    assert_eq!(second.reply_to, None);
    assert_eq!(second.correlation_id, None);
    assert_eq!(second.format, None);

    broker.ack(first.token).await;
    broker.ack(second.token).await;
    broker.shutdown().await;

    // Acked, so nothing is left in the queue once our channel is closed.
    let left = Client::connect(&common::amqp_url()).await;
    let queue = passive_queue(&left, &cfg.commands_queue)
        .await
        .expect("queue");
    assert_eq!(queue.message_count(), 0);
}

#[tokio::test]
async fn a_client_event_carries_every_property_of_the_published_table() {
    let sfx = common::suffix();
    let cfg = config(&sfx, "client");
    let _cleanup = Cleanup(cfg.clone());
    let (broker, _rx) = start(cfg.clone()).await;
    let client = Client::connect(&common::amqp_url()).await;
    let mut probe = client.probe(&cfg.clients_exchange, "crm-7").await;

    broker
        .publish(event_to(Target::Client("crm-7".into()), "1001#State#READY"))
        .await
        .expect("publish");

    let got = probe.next().await;
    let p = &got.properties;
    assert_eq!(got.data, b"1001#State#READY");
    assert_eq!(got.exchange.as_str(), cfg.clients_exchange);
    assert_eq!(got.routing_key.as_str(), "crm-7");
    assert_eq!(short(p.content_type().as_ref()), Some("text/plain"));
    let message_id = short(p.message_id().as_ref())
        .expect("message_id")
        .to_owned();
    assert!(message_id.starts_with("ID:"));
    assert!(p.timestamp().is_some_and(|t| t > 1_600_000_000), "{p:?}");
    assert_eq!(short(p.correlation_id().as_ref()), Some("corr-1"));
    assert_eq!(short(p.app_id().as_ref()), Some(cfg.instance_id.as_str()));
    assert_eq!(*p.delivery_mode(), Some(2));
    assert_eq!(header_text(p, "category").as_deref(), Some("agent_state"));
    assert_eq!(header_text(p, "JMSType").as_deref(), Some("TextMessage"));
    assert_eq!(header_text(p, "JMSMessageID"), Some(message_id.clone()));

    // A second event gets another message id; a JMS type can be given.
    let mut login = event_to(Target::Client("crm-7".into()), "x");
    login.jms_type = Some("Login#1001".into());
    login.correlation_id = None;
    login.content_type = "application/json";
    broker.publish(login).await.expect("publish");
    let got = probe.next().await;
    assert_ne!(
        short(got.properties.message_id().as_ref()),
        Some(message_id.as_str())
    );
    assert_eq!(
        header_text(&got.properties, "JMSType").as_deref(),
        Some("Login#1001")
    );
    assert_eq!(short(got.properties.correlation_id().as_ref()), None);
    assert_eq!(
        short(got.properties.content_type().as_ref()),
        Some("application/json")
    );
    broker.shutdown().await;
}

#[tokio::test]
async fn replies_go_to_the_reply_to_queue_and_events_to_the_events_exchange() {
    let sfx = common::suffix();
    let cfg = config(&sfx, "reply");
    let _cleanup = Cleanup(cfg.clone());
    let (broker, _rx) = start(cfg.clone()).await;
    let client = Client::connect(&common::amqp_url()).await;

    let mut replies = client.probe("", "").await;
    broker
        .publish(event_to(
            Target::Reply(replies.queue.clone()),
            "1001#Error#X",
        ))
        .await
        .expect("reply");
    let got = replies.next().await;
    assert_eq!(got.data, b"1001#Error#X");
    assert_eq!(got.exchange.as_str(), "");
    assert_eq!(
        short(got.properties.correlation_id().as_ref()),
        Some("corr-1")
    );

    let mut events = client.probe(&cfg.events_exchange, "agent_state.*").await;
    let mut json = event_to(Target::Events("agent_state.1001".into()), "{\"a\":1}");
    json.content_type = "application/json";
    broker.publish(json).await.expect("event");
    let got = events.next().await;
    assert_eq!(got.routing_key.as_str(), "agent_state.1001");
    assert_eq!(got.data, b"{\"a\":1}");
    assert_eq!(
        short(got.properties.content_type().as_ref()),
        Some("application/json")
    );
    assert_eq!(
        header_text(&got.properties, "category").as_deref(),
        Some("agent_state")
    );

    // Nobody bound for system.*: not mandatory by default, so no error and no return.
    broker
        .publish(event_to(Target::Events("system.all".into()), "x"))
        .await
        .expect("unbound event");
    assert_eq!(broker.stats().returned, 0);
    broker.shutdown().await;
}

#[tokio::test]
async fn a_dead_letter_lands_in_the_dlq_with_its_reason_and_the_original_is_acked() {
    let sfx = common::suffix();
    let cfg = config(&sfx, "dlq");
    let _cleanup = Cleanup(cfg.clone());
    let (broker, mut rx) = start(cfg.clone()).await;
    let client = Client::connect(&common::amqp_url()).await;

    let mut headers = jms("Nonsense");
    headers.insert("x-client".into(), AMQPValue::LongString("crm-7".into()));
    let props = BasicProperties::default()
        .with_headers(headers)
        .with_message_id("m-dlq".into())
        .with_reply_to("crm-replies".into())
        .with_expiration("600000".into());
    client
        .publish("", &cfg.commands_queue, b"what is this", props)
        .await;
    let cmd = next_command(&mut rx).await;
    broker.dead_letter(cmd.token, "no agent id after '#'").await;
    assert_eq!(broker.stats().dead_lettered, 1);

    let dlq_channel = client.fresh_channel().await;
    let mut dlq = common::Probe::on(dlq_channel, cfg.dead_letter_queue.clone()).await;
    let copy = dlq.next().await;
    let p = &copy.properties;
    assert_eq!(copy.data, b"what is this");
    assert_eq!(
        header_text(p, "x-gc-reason").as_deref(),
        Some("no agent id after '#'")
    );
    assert_eq!(header_text(p, "JMSType").as_deref(), Some("Nonsense"));
    assert_eq!(header_text(p, "x-client").as_deref(), Some("crm-7"));
    assert_eq!(
        header_text(p, "x-gc-original-routing-key"),
        Some(cfg.commands_queue.clone())
    );
    assert_eq!(short(p.message_id().as_ref()), Some("m-dlq"));
    assert_eq!(short(p.reply_to().as_ref()), Some("crm-replies"));
    assert_eq!(*p.delivery_mode(), Some(2));
    // Not the original's expiration: the configured dead-letter TTL (copies hold secrets).
    assert_eq!(short(p.expiration().as_ref()), Some("604800000"));

    // A DLQ deleted by hand: the copy comes back unroutable, the DLQ is declared again and the
    // copy published once more.
    drop(dlq);
    client
        .fresh_channel()
        .await
        .queue_delete(
            cfg.dead_letter_queue.as_str().into(),
            lapin::options::QueueDeleteOptions::default(),
        )
        .await
        .expect("delete the DLQ");
    client
        .publish(
            "",
            &cfg.commands_queue,
            b"again",
            BasicProperties::default(),
        )
        .await;
    let cmd = next_command(&mut rx).await;
    broker.dead_letter(cmd.token, "no command").await;
    assert_eq!(broker.stats().dead_lettered, 2);
    assert_eq!(broker.stats().returned, 1);
    let dlq_channel = client.fresh_channel().await;
    let mut dlq = common::Probe::on(dlq_channel, cfg.dead_letter_queue.clone()).await;
    let copy = dlq.next().await;
    assert_eq!(copy.data, b"again");
    assert_eq!(
        header_text(&copy.properties, "x-gc-reason").as_deref(),
        Some("no command")
    );

    broker.shutdown().await;
    let queue = passive_queue(&client, &cfg.commands_queue)
        .await
        .expect("queue");
    assert_eq!(queue.message_count(), 0, "the original was not acked");
}

#[tokio::test]
async fn an_unroutable_publish_is_reported_as_returned_not_as_an_error() {
    let sfx = common::suffix();
    let cfg = config(&sfx, "ret");
    let _cleanup = Cleanup(cfg.clone());
    let (broker, mut rx) = start(cfg.clone()).await;

    broker
        .publish(event_to(Target::Client("nobody-home".into()), "x"))
        .await
        .expect("a return is not an error");
    let (exchange, key) = expect(&mut rx, "Returned", |e| match e {
        BrokerEvent::Returned {
            exchange,
            routing_key,
        } => Some((exchange, routing_key)),
        _ => None,
    })
    .await;
    assert_eq!(exchange, cfg.clients_exchange);
    assert_eq!(key, "nobody-home");

    broker
        .publish(event_to(Target::Reply(format!("gone-{sfx}")), "x"))
        .await
        .expect("a return is not an error");
    let key = expect(&mut rx, "Returned", |e| match e {
        BrokerEvent::Returned { routing_key, .. } => Some(routing_key),
        _ => None,
    })
    .await;
    assert_eq!(key, format!("gone-{sfx}"));
    assert_eq!(broker.stats().returned, 2);
    broker.shutdown().await;
}

#[tokio::test]
async fn exactly_one_instance_leads_and_the_other_takes_over_when_it_leaves() {
    let sfx = common::suffix();
    let cfg_a = config(&sfx, "a");
    let mut cfg_b = cfg_a.clone();
    cfg_b.instance_id = format!("test-b-{sfx}");
    let _cleanup = Cleanup(cfg_a.clone());

    let (a, mut rx_a) = start(cfg_a).await;
    expect_leadership(&mut rx_a, true).await;
    let (b, mut rx_b) = start(cfg_b).await;
    expect_leadership(&mut rx_b, false).await;
    assert!(a.is_leader());
    assert!(!b.is_leader());

    a.shutdown().await;
    expect_leadership(&mut rx_b, true).await;
    assert!(b.is_leader());
    // Being refused the lock (RESOURCE_LOCKED) closes only the lock channel: the standby kept
    // its one connection throughout.
    assert_eq!(b.stats().connections, 1);
    b.shutdown().await;
}

#[tokio::test]
async fn with_single_active_consumer_only_one_instance_receives_commands() {
    const N: usize = 20;
    let sfx = common::suffix();
    let mut cfg_a = config(&sfx, "sac-a");
    cfg_a.leader_lock_queue = None; // SAC alone decides
    let mut cfg_b = cfg_a.clone();
    cfg_b.instance_id = format!("test-sac-b-{sfx}");
    let _cleanup = Cleanup(cfg_a.clone());
    let (a, mut rx_a) = start(cfg_a.clone()).await;
    let (b, mut rx_b) = start(cfg_b).await;
    let client = Client::connect(&common::amqp_url()).await;
    for i in 0..N {
        let props = BasicProperties::default()
            .with_headers(jms(&format!("Beat#crm-{i}")))
            .with_message_id(format!("sac-{i}").into());
        client.publish("", &cfg_a.commands_queue, b"", props).await;
    }
    let mut seen_by = [0usize; 2];
    let mut ids = HashSet::new();
    while ids.len() < N {
        let (who, cmd) = tokio::select! {
            c = next_command(&mut rx_a) => (0, c),
            c = next_command(&mut rx_b) => (1, c),
        };
        seen_by[who] += 1;
        ids.insert(cmd.message_id.clone());
        if who == 0 {
            a.ack(cmd.token).await;
        } else {
            b.ack(cmd.token).await;
        }
    }
    assert!(
        seen_by == [N, 0] || seen_by == [0, N],
        "commands split between instances: {seen_by:?}"
    );
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn sync_messages_reach_the_peer_and_not_the_sender() {
    let sfx = common::suffix();
    let cfg_a = config(&sfx, "sync-a");
    let mut cfg_b = cfg_a.clone();
    cfg_b.instance_id = format!("test-sync-b-{sfx}");
    let _cleanup = Cleanup(cfg_a.clone());
    let (a, mut rx_a) = start(cfg_a.clone()).await;
    let (b, mut rx_b) = start(cfg_b.clone()).await;

    a.publish_sync(b"state from a".to_vec())
        .await
        .expect("sync a");
    let (body, from) = expect(&mut rx_b, "Sync", |e| match e {
        BrokerEvent::Sync { body, from } => Some((body, from)),
        _ => None,
    })
    .await;
    assert_eq!(body, b"state from a");
    assert_eq!(from.as_deref(), Some(cfg_a.instance_id.as_str()));

    // a's own message reached a's queue before b's (FIFO); a must skip it and see b's first.
    b.publish_sync(b"state from b".to_vec())
        .await
        .expect("sync b");
    let from = expect(&mut rx_a, "Sync", |e| match e {
        BrokerEvent::Sync { from, .. } => Some(from),
        _ => None,
    })
    .await;
    assert_eq!(from.as_deref(), Some(cfg_b.instance_id.as_str()));
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_broker_fails_start_without_revealing_the_password() {
    let cfg = BrokerConfig {
        uri: SecretString::from("amqp://bob:hunter2@127.0.0.1:1/%2f".to_owned()),
        ..BrokerConfig::default()
    };
    let err = Broker::start(cfg).await.expect_err("start must fail");
    let shown = format!("{err} / {err:?}");
    assert!(err.is_transient(), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("127.0.0.1:1"), "{shown}");
}

#[tokio::test]
async fn nothing_is_published_after_shutdown() {
    let sfx = common::suffix();
    let cfg = config(&sfx, "down");
    let _cleanup = Cleanup(cfg.clone());
    let (broker, _rx) = start(cfg).await;
    let other = broker.clone();
    broker.shutdown().await;
    let err = other
        .publish(event_to(Target::Events("system.all".into()), "x"))
        .await;
    assert!(matches!(err, Err(BrokerError::ShuttingDown)), "{err:?}");
    assert!(!other.is_connected());
}

#[tokio::test]
async fn topology_deleted_by_hand_is_declared_again() {
    let sfx = common::suffix();
    let mut cfg = config(&sfx, "redeclare");
    cfg.leader_lock_queue = None;
    let _cleanup = Cleanup(cfg.clone());
    let (broker, mut rx) = start(cfg.clone()).await;
    let connected = |e| matches!(e, BrokerEvent::Connected).then_some(());
    expect(&mut rx, "Connected", connected).await;
    let client = Client::connect(&common::amqp_url()).await;

    // A publish to a deleted exchange closes the publish channel: the publish fails (the
    // command stays unacked), the adapter reconnects and declares the exchange again.
    client
        .fresh_channel()
        .await
        .exchange_delete(
            cfg.clients_exchange.as_str().into(),
            lapin::options::ExchangeDeleteOptions::default(),
        )
        .await
        .expect("delete exchange");
    let err = broker
        .publish(event_to(Target::Client("crm-x".into()), "lost"))
        .await
        .expect_err("the exchange is gone");
    assert!(err.is_transient(), "{err}");
    expect(&mut rx, "Connected again", connected).await;
    let mut probe = client.probe(&cfg.clients_exchange, "crm-x").await;
    broker
        .publish(event_to(Target::Client("crm-x".into()), "back"))
        .await
        .expect("publish after the re-declare");
    assert_eq!(probe.next().await.data, b"back");

    // Deleting the command queue cancels our consumer: reconnect, declare, consume again.
    client
        .fresh_channel()
        .await
        .queue_delete(
            cfg.commands_queue.as_str().into(),
            lapin::options::QueueDeleteOptions::default(),
        )
        .await
        .expect("delete queue");
    expect(&mut rx, "Connected a third time", connected).await;
    client
        .publish(
            "",
            &cfg.commands_queue,
            b"",
            BasicProperties::default().with_headers(jms("Hello#crm-x")),
        )
        .await;
    let cmd = next_command(&mut rx).await;
    assert_eq!(cmd.jms_type.as_deref(), Some("Hello#crm-x"));
    broker.ack(cmd.token).await;
    assert_eq!(broker.stats().connections, 3);
    broker.shutdown().await;
}

/// lapin 4.12 never frees a channel the broker closed; a standby that provoked RESOURCE_LOCKED
/// every round would run out of channels after `channel_max` (2047) rounds and could never
/// take over. With a 1 ms retry the standby makes thousands of rounds here.
#[tokio::test]
async fn a_standby_can_look_for_the_lock_indefinitely_and_still_take_over() {
    let sfx = common::suffix();
    let cfg_a = config(&sfx, "soak-a");
    let mut cfg_b = cfg_a.clone();
    cfg_b.instance_id = format!("test-soak-b-{sfx}");
    cfg_b.leader_retry = std::time::Duration::from_millis(1);
    let _cleanup = Cleanup(cfg_a.clone());
    let (a, mut rx_a) = start(cfg_a).await;
    expect_leadership(&mut rx_a, true).await;
    let (b, mut rx_b) = start(cfg_b).await;
    expect_leadership(&mut rx_b, false).await;

    // Not a timing assertion: the wait only sets how many rounds the standby makes.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_eq!(b.stats().connections, 1);
    assert!(!b.is_leader());

    a.shutdown().await;
    expect_leadership(&mut rx_b, true).await;
    assert_eq!(b.stats().connections, 1);
    b.shutdown().await;
}

#[tokio::test]
async fn the_dead_letter_queue_keeps_its_newest_copies_up_to_its_bound() {
    let sfx = common::suffix();
    let cfg = BrokerConfig {
        dead_letter_max_length: Some(2),
        ..config(&sfx, "dlq-bound")
    };
    let _cleanup = Cleanup(cfg.clone());
    let (broker, mut rx) = start(cfg.clone()).await;
    let client = Client::connect(&common::amqp_url()).await;
    for i in 0..3 {
        let props = BasicProperties::default().with_headers(jms(&format!("Bad{i}")));
        client.publish("", &cfg.commands_queue, b"x", props).await;
        let cmd = next_command(&mut rx).await;
        broker.dead_letter(cmd.token, "bad").await;
    }
    let dlq = passive_queue(&client, &cfg.dead_letter_queue)
        .await
        .expect("dlq");
    assert_eq!(dlq.message_count(), 2, "x-max-length with drop-head");
    let mut probe =
        common::Probe::on(client.fresh_channel().await, cfg.dead_letter_queue.clone()).await;
    let first = probe.next().await;
    assert_eq!(
        header_text(&first.properties, "JMSType").as_deref(),
        Some("Bad1"),
        "the oldest went"
    );
    broker.shutdown().await;
}

#[tokio::test]
async fn a_dead_letter_queue_declared_without_a_bound_is_used_as_it_is() {
    let sfx = common::suffix();
    let cfg = config(&sfx, "dlq-old");
    let _cleanup = Cleanup(cfg.clone());
    let client = Client::connect(&common::amqp_url()).await;
    // An older version declared it without arguments.
    client
        .fresh_channel()
        .await
        .queue_declare(
            cfg.dead_letter_queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("old dlq");
    let (broker, mut rx) = start(cfg.clone()).await;
    let props = BasicProperties::default().with_headers(jms("Bad"));
    client.publish("", &cfg.commands_queue, b"x", props).await;
    let cmd = next_command(&mut rx).await;
    broker.dead_letter(cmd.token, "bad").await;
    assert_eq!(broker.stats().dead_lettered, 1);
    broker.shutdown().await;
}

/// A client queue that refuses publishes (`x-max-length` 1, `reject-publish`): its events fail
/// alone, every command is settled, and another destination's events go through meanwhile.
#[tokio::test]
async fn the_outbox_skips_a_target_that_refuses_and_settles_every_command() {
    let sfx = common::suffix();
    let cfg = config(&sfx, "outbox");
    let _cleanup = Cleanup(cfg.clone());
    let (broker, mut rx) = start(cfg.clone()).await;
    let client = Client::connect(&common::amqp_url()).await;
    let full = format!("full-{sfx}");
    let mut args = FieldTable::default();
    args.insert("x-max-length".into(), AMQPValue::LongInt(1));
    args.insert(
        "x-overflow".into(),
        AMQPValue::LongString("reject-publish".into()),
    );
    let ch = client.fresh_channel().await;
    ch.queue_declare(
        full.as_str().into(),
        QueueDeclareOptions {
            auto_delete: true,
            ..QueueDeclareOptions::default()
        },
        args,
    )
    .await
    .expect("full queue");
    ch.queue_bind(
        full.as_str().into(),
        cfg.clients_exchange.as_str().into(),
        "desk-full".into(),
        QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .expect("bind");
    let ok = client.fresh_channel().await;
    let ok_queue = ok
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("ok queue");
    ok.queue_bind(
        ok_queue.name().clone(),
        cfg.clients_exchange.as_str().into(),
        "desk-ok".into(),
        QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .expect("bind");
    let mut desk = common::Probe::on(ok, ok_queue.name().to_string()).await;

    let outbox = gc_broker::Outbox::start(&broker, gc_broker::outbox::OutboxLimits::default(), 16);
    for i in 0..4 {
        client
            .publish(
                "",
                &cfg.commands_queue,
                b"",
                BasicProperties::default().with_headers(jms(&format!("Cmd#{i}"))),
            )
            .await;
        let cmd = next_command(&mut rx).await;
        outbox
            .send(gc_broker::outbox::Batch {
                messages: vec![
                    event_to(Target::Client("desk-full".into()), &format!("full {i}")),
                    event_to(Target::Client("desk-ok".into()), &format!("ok {i}")),
                ],
                settles: vec![gc_broker::outbox::Settle::Ack(cmd.token)],
            })
            .await
            .expect("outbox open");
        assert_eq!(desk.next().await.data, format!("ok {i}").into_bytes());
    }
    // The first event fits in the full queue; the three after it are refused (nacked).
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while outbox.failures() != [("nacked", 3)] {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            outbox.failures()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let abandoned = outbox
        .close(tokio::time::Instant::now() + common::WAIT)
        .await;
    assert_eq!(abandoned, gc_broker::outbox::runner::Abandoned::default());
    broker.shutdown().await;
    // Unacked deliveries would be back in the queue now that the connection is closed.
    let commands = passive_queue(&client, &cfg.commands_queue)
        .await
        .expect("queue");
    assert_eq!(commands.message_count(), 0, "every command acked");
}
