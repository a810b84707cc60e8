//! The CRM side of the cluster tests (tests/e2e_cluster*.rs): desks on one node sending
//! commands and recording what comes back, a tap on an exchange, the connector settings of a
//! group member, polling and cleanup.

#![allow(clippy::type_complexity)]

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt as _;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, ExchangeDeleteOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Connector, Names, cluster};

/// The connector settings of one member of the pair: quorum queues, the cluster's nodes in
/// the given order (the first is where it connects first).
pub fn member(urls: &[String], order: [usize; 3], key: &str) -> Vec<(String, String)> {
    let nodes: Vec<&str> = order.iter().map(|n| urls[n - 1].as_str()).collect();
    vec![
        ("GC_BROKER__URLS".into(), nodes.join(",")),
        ("GC_BROKER__QUEUE_TYPE".into(), "quorum".into()),
        ("GC_REDUNDANCY__ENABLED".into(), "true".into()),
        ("GC_REDUNDANCY__SYNC_KEY".into(), key.into()),
    ]
}

/// What the client received: every message's arrival, answers by correlation id.
#[derive(Default)]
pub struct Seen {
    pub arrivals: Vec<Instant>,
    pub answered: HashMap<u64, Instant>,
    pub errors: Vec<String>,
    pub texts: Vec<String>,
}

/// The CRM side on node 3: one queue per destination, commands to the command queue.
pub struct Desks {
    pub channel: Channel,
    commands: String,
    pub seen: Arc<Mutex<Seen>>,
    _connection: Connection,
}

impl Desks {
    pub async fn open(url: &str, names: &Names, destinations: &[String]) -> Self {
        let connection = Connection::connect(url, ConnectionProperties::default())
            .await
            .expect("the test client connects to node 3");
        let channel = connection.create_channel().await.unwrap();
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (tx, mut rx) = mpsc::unbounded_channel::<(String, Option<String>)>();
        for destination in destinations {
            let ch = connection.create_channel().await.unwrap();
            let mut consumer = bound_consumer(&ch, &names.clients, destination).await;
            let tx = tx.clone();
            tokio::spawn(async move {
                let _keep = ch;
                while let Some(Ok(delivery)) = consumer.next().await {
                    let text = String::from_utf8_lossy(&delivery.data).into_owned();
                    let correlation = delivery
                        .properties
                        .correlation_id()
                        .as_ref()
                        .map(ToString::to_string);
                    if tx.send((text, correlation)).is_err() {
                        return;
                    }
                }
            });
        }
        let sink = seen.clone();
        tokio::spawn(async move {
            while let Some((text, correlation)) = rx.recv().await {
                let now = Instant::now();
                let mut seen = sink.lock().unwrap();
                seen.arrivals.push(now);
                if text.contains("#Error#") || text.contains("Error#") {
                    seen.errors.push(text.clone());
                }
                if let Some(n) = correlation
                    .as_deref()
                    .and_then(|c| c.strip_prefix('c'))
                    .and_then(|n| n.parse().ok())
                {
                    seen.answered.entry(n).or_insert(now);
                } else {
                    seen.texts.push(text);
                }
            }
        });
        Self {
            channel,
            commands: names.commands.clone(),
            seen,
            _connection: connection,
        }
    }

    /// Publishes a command and waits for the broker's confirm, publishing again (same ids)
    /// after a negative confirm (a quorum queue without a leader for a moment).
    pub async fn send(&self, jms_type: &str, body: &str, correlation: Option<u64>) {
        for _ in 0..50 {
            let mut headers = FieldTable::default();
            headers.insert("JMSType".into(), AMQPValue::LongString(jms_type.into()));
            let mut properties = BasicProperties::default()
                .with_delivery_mode(2)
                .with_headers(headers);
            if let Some(n) = correlation {
                properties = properties
                    .with_correlation_id(format!("c{n}").into())
                    .with_message_id(format!("m{n}").into());
            }
            let published = self
                .channel
                .basic_publish(
                    "".into(),
                    self.commands.as_str().into(),
                    BasicPublishOptions::default(),
                    body.as_bytes(),
                    properties,
                )
                .await;
            if let Ok(confirm) = published
                && let Ok(Confirmation::Ack(_)) = confirm.await
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the cluster never confirmed {jms_type}");
    }

    pub fn texts_containing(&self, fragment: &str) -> usize {
        let seen = self.seen.lock().unwrap();
        seen.texts.iter().filter(|t| t.contains(fragment)).count()
    }

    /// The longest silence of the event stream from `from` until recovery (the first event
    /// after `from` that is followed by steady flow), i.e. how long events stopped.
    pub fn longest_gap_after(&self, from: Instant, until: Instant) -> Duration {
        let seen = self.seen.lock().unwrap();
        let mut times: Vec<Instant> = seen
            .arrivals
            .iter()
            .copied()
            .filter(|t| *t >= from && *t <= until)
            .collect();
        times.sort();
        let mut previous = from;
        let mut longest = Duration::ZERO;
        for t in times {
            longest = longest.max(t - previous);
            previous = t;
        }
        longest
    }
}

/// Waits until `check` holds, polling; fails after `bound` saying `what`.
pub async fn until<F, Fut>(bound: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < bound, "{what} not within {bound:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn broker_node(connector: &Connector) -> Option<usize> {
    let metrics = connector.metrics().await;
    metrics.lines().find_map(|line| {
        let rest = line.strip_prefix("gc_broker_node_info{endpoint=\"")?;
        cluster::node_of_endpoint(rest.split('"').next()?)
    })
}

/// Deletes the test's queues and exchanges on the cluster.
pub async fn cleanup(url: &str, names: &Names) {
    let Ok(connection) = Connection::connect(url, ConnectionProperties::default()).await else {
        return;
    };
    let Ok(channel) = connection.create_channel().await else {
        return;
    };
    for queue in [&names.commands, &names.dlq] {
        let _ = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    for exchange in [&names.commands, &names.clients, &names.events, &names.sync] {
        let _ = channel
            .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
    let _ = connection.close(200, "done".into()).await;
}

/// Every message on an exchange: (routing key, app_id, header `gc-group`, body).
pub async fn tap(url: &str, exchange: &str) -> Arc<Mutex<Vec<(String, String, String, String)>>> {
    let connection = Connection::connect(url, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let mut consumer = bound_consumer(&channel, exchange, "#").await;
    let seen: Arc<Mutex<Vec<(String, String, String, String)>>> = Arc::default();
    let sink = seen.clone();
    tokio::spawn(async move {
        let _keep = (connection, channel);
        while let Some(Ok(d)) = consumer.next().await {
            let p = &d.properties;
            let group = match p
                .headers()
                .as_ref()
                .and_then(|h| h.inner().get("gc-group").cloned())
            {
                Some(AMQPValue::LongString(s)) => {
                    String::from_utf8_lossy(s.as_bytes()).into_owned()
                }
                _ => String::new(),
            };
            let app_id = p
                .app_id()
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            sink.lock().unwrap().push((
                d.routing_key.to_string(),
                app_id,
                group,
                String::from_utf8_lossy(&d.data).into_owned(),
            ));
        }
    });
    seen
}

/// A private queue bound to `exchange` with `key`, consumed without acks.
async fn bound_consumer(channel: &Channel, exchange: &str, key: &str) -> lapin::Consumer {
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.name().clone(),
            exchange.into(),
            key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .basic_consume(
            queue.name().clone(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap()
}
