//! The publisher: one task that publishes the batches of effects in order, pipelined, and
//! settles (acks or dead-letters) each batch's commands only once that batch and every batch
//! before it are confirmed.
//!
//! Order: a batch's publishes are started (their frames queued on the channel) in the order
//! the batches arrive, so events for a destination keep their order; confirms are awaited
//! concurrently. Settlements follow batch order, so a command is acked only after the events it
//! caused, which came in the same or an earlier batch, are confirmed.
//!
//! A publish that fails (the broker is restarting) is retried with capped backoff before the
//! batch counts as confirmed: events are delivered at least once, and a command whose events
//! could not be delivered stays unacked (the broker redelivers it). Failures keep the order: a
//! failed first attempt stops new batches from starting, and the failed publishes are sent
//! again one by one in batch order before anything newer goes out; while there is no broker
//! connection, batches are sent one message at a time (pipelined publishes would all wait for
//! the next connection and race for it).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesOrdered;
use gc_broker::{Broker, DeliveryToken, OutgoingMessage, Target};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::metrics::Metrics;

/// What to do with a command once its batch is confirmed.
#[derive(Debug)]
pub(crate) enum Settle {
    Ack(DeliveryToken),
    DeadLetter(DeliveryToken, String),
}

/// One publication, kept so it can be sent again after a failed attempt.
#[derive(Clone, Debug)]
pub(crate) struct Message {
    pub(crate) target: Target,
    pub(crate) body: Vec<u8>,
    pub(crate) content_type: &'static str,
    pub(crate) category: &'static str,
    pub(crate) correlation_id: Option<String>,
    pub(crate) jms_type: Option<String>,
}

impl Message {
    fn outgoing(&self) -> OutgoingMessage {
        OutgoingMessage {
            target: self.target.clone(),
            body: self.body.clone(),
            content_type: self.content_type,
            category: self.category.to_owned(),
            correlation_id: self.correlation_id.clone(),
            jms_type: self.jms_type.clone(),
        }
    }
}

/// The publications and settlements of one engine step.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) messages: Vec<Message>,
    pub(crate) syncs: Vec<Vec<u8>>,
    pub(crate) settles: Vec<Settle>,
}

impl Batch {
    pub(crate) fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.syncs.is_empty() && self.settles.is_empty()
    }
}

/// How long a publish is retried before it is given up (the command then stays unacked and
/// the broker redelivers it).
const GIVE_UP_AFTER: Duration = Duration::from_mins(2);

/// Batches in flight at once; beyond this the driver waits (backpressure).
const MAX_IN_FLIGHT: usize = 256;

/// Runs until the sender side is dropped and every batch is settled.
pub(crate) async fn run(broker: Broker, mut batches: mpsc::Receiver<Batch>, metrics: Arc<Metrics>) {
    let mut in_flight = FuturesOrdered::new();
    // Batches whose first attempt failed and are not sent again yet. While there are any, no
    // new batch starts: nothing may overtake the events waiting to be sent again.
    let failing = Arc::new(AtomicUsize::new(0));
    let mut open = true;
    loop {
        tokio::select! {
            biased;
            Some(attempt) = in_flight.next() => finish(&broker, &failing, attempt).await,
            batch = batches.recv(),
                if open && in_flight.len() < MAX_IN_FLIGHT && failing.load(Ordering::SeqCst) == 0 =>
            match batch {
                Some(batch) if broker.is_connected() => in_flight.push_back(publish(
                    broker.clone(),
                    batch,
                    metrics.clone(),
                    failing.clone(),
                )),
                Some(batch) => {
                    // No connection: publishes started now would all wait for the next one and
                    // race for it. Finish everything before this batch, then send it one message
                    // at a time.
                    while let Some(attempt) = in_flight.next().await {
                        finish(&broker, &failing, attempt).await;
                    }
                    let mut delivered = true;
                    for message in &batch.messages {
                        delivered &= match broker.publish(message.outgoing()).await {
                            Ok(()) => true,
                            Err(error) => {
                                tracing::warn!(%error, "publish failed; retrying");
                                retry(&broker, message).await
                            }
                        };
                    }
                    publish_syncs(&broker, batch.syncs).await;
                    settle(&broker, delivered, batch.settles).await;
                }
                None => open = false,
            },
            else => break,
        }
    }
}

/// Sends a batch's failed publishes again, in order, then settles it.
async fn finish(broker: &Broker, failing: &AtomicUsize, attempt: Attempt) {
    let Attempt { failed, settles } = attempt;
    let mut delivered = true;
    for message in &failed {
        delivered &= retry(broker, message).await;
    }
    if !failed.is_empty() {
        failing.fetch_sub(1, Ordering::SeqCst);
    }
    settle(broker, delivered, settles).await;
}

async fn publish_syncs(broker: &Broker, syncs: Vec<Vec<u8>>) {
    for body in syncs {
        if let Err(error) = broker.publish_sync(body).await {
            tracing::warn!(%error, "ConnectorSync publish failed");
        }
    }
}

/// The first attempt at a batch: the publishes that failed (to send again, in order) and the
/// settlements to carry out.
struct Attempt {
    failed: Vec<Message>,
    settles: Vec<Settle>,
}

/// Publishes a batch's messages (pipelined) and syncs, once.
async fn publish(
    broker: Broker,
    batch: Batch,
    metrics: Arc<Metrics>,
    failing: Arc<AtomicUsize>,
) -> Attempt {
    let started = Instant::now();
    let sent =
        futures::future::join_all(batch.messages.iter().map(|m| broker.publish(m.outgoing())))
            .await;
    if !batch.messages.is_empty() {
        metrics
            .confirm_latency
            .observe(started.elapsed().as_secs_f64());
    }
    let mut failed = Vec::new();
    for (message, result) in batch.messages.into_iter().zip(sent) {
        if let Err(error) = result {
            tracing::warn!(%error, "publish failed; retrying");
            failed.push(message);
        }
    }
    if !failed.is_empty() {
        failing.fetch_add(1, Ordering::SeqCst);
    }
    publish_syncs(&broker, batch.syncs).await;
    Attempt {
        failed,
        settles: batch.settles,
    }
}

async fn settle(broker: &Broker, delivered: bool, settles: Vec<Settle>) {
    for settle in settles {
        match settle {
            // Unconfirmed events: leave the command unacked so it is redelivered.
            Settle::Ack(_) | Settle::DeadLetter(..) if !delivered => {}
            Settle::Ack(token) => broker.ack(token).await,
            Settle::DeadLetter(token, reason) => broker.dead_letter(token, &reason).await,
        }
    }
}

/// Retries one publish with capped backoff; `false` if it never got through.
async fn retry(broker: &Broker, message: &Message) -> bool {
    let deadline = Instant::now() + GIVE_UP_AFTER;
    let mut delay = Duration::from_millis(100);
    while Instant::now() < deadline {
        tokio::time::sleep(delay).await;
        match broker.publish(message.outgoing()).await {
            Ok(()) => return true,
            Err(error) => tracing::debug!(%error, "publish retry failed"),
        }
        delay = (delay * 2).min(Duration::from_secs(2));
    }
    tracing::error!(
        "an event could not be published for {GIVE_UP_AFTER:?}; its command stays unacked"
    );
    false
}
