//! The publisher: one task that publishes each batch of effects in order, waits for the
//! broker's confirms, and only then acks (or dead-letters) the commands of that batch.
//!
//! Batches are handled one after the other, so events for a destination keep their order;
//! within a batch the publishes pipeline on the channel. A publish that fails (the broker is
//! restarting) is retried with capped backoff before the batch's commands are settled: events
//! are delivered at least once, and a command is acked only after its events are confirmed.

use std::sync::Arc;
use std::time::Duration;

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

/// Runs until the sender side is dropped.
pub(crate) async fn run(broker: Broker, mut batches: mpsc::Receiver<Batch>, metrics: Arc<Metrics>) {
    while let Some(batch) = batches.recv().await {
        let started = Instant::now();
        let sent =
            futures::future::join_all(batch.messages.iter().map(|m| broker.publish(m.outgoing())))
                .await;
        tracing::trace!(
            messages = batch.messages.len(),
            settles = batch.settles.len(),
            "publishing a batch"
        );
        let mut delivered = true;
        for (message, result) in batch.messages.iter().zip(sent) {
            if let Err(error) = result {
                tracing::warn!(%error, "publish failed; retrying");
                delivered &= retry(&broker, message).await;
            }
        }
        if !batch.messages.is_empty() {
            metrics
                .confirm_latency
                .observe(started.elapsed().as_secs_f64());
        }
        for body in batch.syncs {
            if let Err(error) = broker.publish_sync(body).await {
                tracing::warn!(%error, "ConnectorSync publish failed");
            }
        }
        for settle in batch.settles {
            match settle {
                // Unconfirmed events: leave the command unacked so it is redelivered.
                Settle::Ack(_) | Settle::DeadLetter(..) if !delivered => {}
                Settle::Ack(token) => broker.ack(token).await,
                Settle::DeadLetter(token, reason) => broker.dead_letter(token, &reason).await,
            }
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
