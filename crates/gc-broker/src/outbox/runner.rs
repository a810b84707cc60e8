//! The IO shell of the outbox: one task that feeds [`OutboxState`] with batches, publishes what
//! it lets start, reports confirms back, and carries out the settlements it releases. It
//! decides nothing itself.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Batch, OutboxLimits, OutboxState, Outcome, Settle};
use crate::supervisor::Inner;
use crate::{Broker, BrokerError, DeliveryToken};

type Work = Pin<Box<dyn Future<Output = Done> + Send>>;

/// What finished in the task's work set.
enum Done {
    Published(u64, Result<crate::publisher::Outcome, BrokerError>),
    Settled,
}

/// What an outbox had to leave undone when it was closed at its deadline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Abandoned {
    /// Publications not confirmed.
    pub publications: usize,
    /// Deliveries not settled (the broker requeues them when the connection closes).
    pub settlements: usize,
}

/// Publishes batches in order and settles their deliveries once confirmed (see the
/// [`outbox`](crate::outbox) module for the rules). Created by [`Outbox::start`].
#[derive(Debug)]
pub struct Outbox {
    batches: mpsc::Sender<Batch<DeliveryToken>>,
    stop: CancellationToken,
    task: JoinHandle<Abandoned>,
    failures: Arc<Mutex<BTreeMap<&'static str, u64>>>,
}

impl Outbox {
    /// Starts the outbox task on `broker`'s connection. `capacity` batches may wait to be
    /// taken in; beyond that [`Outbox::send`] waits (backpressure).
    pub fn start(broker: &Broker, limits: OutboxLimits, capacity: usize) -> Self {
        let (batches, rx) = mpsc::channel(capacity.max(1));
        let stop = CancellationToken::new();
        let failures = Arc::new(Mutex::new(BTreeMap::new()));
        let ack_delay = limits.ack_delay;
        let task = tokio::spawn(run(
            broker.inner.clone(),
            ack_delay,
            OutboxState::new(limits),
            rx,
            stop.clone(),
            failures.clone(),
        ));
        Self {
            batches,
            stop,
            task,
            failures,
        }
    }

    /// Queues a batch, waiting while the outbox is full.
    pub async fn send(&self, batch: Batch<DeliveryToken>) -> Result<(), BrokerError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.batches
            .send(batch)
            .await
            .map_err(|_| BrokerError::ShuttingDown)
    }

    /// Publication failures by reason since the start (`too_long`, `nacked`, `gave_up`, …).
    pub fn failures(&self) -> Vec<(&'static str, u64)> {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect()
    }

    /// Takes no more batches, finishes what is queued until `deadline`, and reports what it
    /// had to leave undone then.
    pub async fn close(self, deadline: Instant) -> Abandoned {
        let Self {
            batches,
            stop,
            mut task,
            ..
        } = self;
        drop(batches);
        if let Ok(joined) = tokio::time::timeout_at(deadline, &mut task).await {
            return joined.unwrap_or_default();
        }
        stop.cancel();
        match tokio::time::timeout(std::time::Duration::from_millis(50), &mut task).await {
            Ok(joined) => joined.unwrap_or_default(),
            Err(_) => {
                task.abort();
                Abandoned::default()
            }
        }
    }
}

async fn run(
    inner: Arc<Inner>,
    ack_delay: std::time::Duration,
    mut state: OutboxState<DeliveryToken>,
    mut batches: mpsc::Receiver<Batch<DeliveryToken>>,
    stop: CancellationToken,
    failures: Arc<Mutex<BTreeMap<&'static str, u64>>>,
) -> Abandoned {
    let mut work: FuturesUnordered<Work> = FuturesUnordered::new();
    let mut publishing = 0usize;
    let mut open = true;
    loop {
        let now = inner.millis();
        // While there is no connection, one message at a time: publications started together
        // would all wait for the next connection and race for it, out of order.
        let window = if inner.is_connected() { usize::MAX } else { 1 };
        while publishing < window
            && let Some((seq, message)) = state.poll_start(now)
        {
            publishing += 1;
            let inner = inner.clone();
            work.push(Box::pin(async move {
                Done::Published(seq, inner.publish_message(&message).await)
            }));
        }
        while let Some(settle) = state.poll_settle() {
            work.push(settle_one(inner.clone(), settle, ack_delay));
        }
        if !open && state.is_empty() && work.is_empty() {
            return Abandoned::default();
        }
        let wakeup = state
            .next_wakeup()
            .map(|at| Instant::now() + std::time::Duration::from_millis(at.saturating_sub(now)));
        tokio::select! {
            () = stop.cancelled() => break,
            Some(done) = work.next() => {
                if let Done::Published(seq, result) = done {
                    publishing -= 1;
                    finish(&inner, &mut state, &failures, seq, &result);
                }
            }
            batch = batches.recv(), if open && state.has_room() => match batch {
                Some(batch) => state.push(batch),
                None => open = false,
            },
            () = sleep_until(wakeup), if wakeup.is_some() => {}
        }
    }
    let (publications, _) = state.backlog();
    let abandoned = Abandoned {
        publications,
        settlements: state.drain_settles().len(),
    };
    tracing::warn!(
        publications = abandoned.publications,
        settlements = abandoned.settlements,
        "outbox closed at its deadline: unconfirmed events abandoned; unsettled commands are \
         requeued by the broker when the connection closes"
    );
    abandoned
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Reports a publication's outcome to the state, counting and logging failures.
fn finish(
    inner: &Inner,
    state: &mut OutboxState<DeliveryToken>,
    failures: &Mutex<BTreeMap<&'static str, u64>>,
    seq: u64,
    result: &Result<crate::publisher::Outcome, BrokerError>,
) {
    let outcome = match result {
        Ok(_) => Outcome::Delivered,
        Err(error) => match error.publish_failure() {
            None => Outcome::Retry,
            Some(reason) => Outcome::Failed(reason),
        },
    };
    let report = state.finish(seq, outcome, inner.millis());
    {
        let mut counts = failures.lock().unwrap_or_else(PoisonError::into_inner);
        for (reason, count) in state.failures() {
            counts.insert(reason, *count);
        }
    }
    if let (Some(report), Err(error)) = (report, result) {
        tracing::warn!(
            target_key = %report.target,
            reason = report.reason,
            suppressed = report.suppressed,
            %error,
            "an event could not be published to this target; it is skipped and nothing else \
             waits for it (logged once a minute per target)"
        );
    }
}

fn settle_one(
    inner: Arc<Inner>,
    settle: Settle<DeliveryToken>,
    ack_delay: std::time::Duration,
) -> Work {
    Box::pin(async move {
        match settle {
            Settle::Ack(token) => {
                if !ack_delay.is_zero() {
                    tokio::time::sleep(ack_delay).await;
                }
                inner.ack(token).await;
            }
            Settle::Requeue(token) => inner.requeue(token).await,
            Settle::DeadLetter {
                token,
                reason,
                body,
            } => inner.dead_letter(token, &reason, body).await,
        }
        Done::Settled
    })
}
