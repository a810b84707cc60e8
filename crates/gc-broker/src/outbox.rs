//! The outbox: the order in which publications go out and deliveries are settled, as a pure
//! state machine (no IO, time is an argument). [`crate::Outbox`] runs it against the broker.
//!
//! # Rules
//! * Publications start in the order they were pushed, so the events for one destination keep
//!   their order; up to `max_in_flight` wait for their confirms at once.
//! * A settlement (ack, requeue, dead-letter) is released only when every publication pushed
//!   before it is finished, so a command is acked after the events it caused are confirmed.
//! * A publication that fails for its own reasons (too long for AMQP, refused by a full client
//!   queue, …) fails alone: it is counted, logged at most once per target and reason per
//!   `log_every`, and everything else moves on. It is never retried.
//! * A publication that fails because the connection is in trouble is sent again with capped
//!   backoff, oldest first and one at a time, before anything newer starts (nothing overtakes
//!   it). After `give_up_after` it is given up: the settlements behind it still go out, but an
//!   ack becomes a requeue, so the broker redelivers the command and the connector answers it
//!   again from its cache of answers.
//! * Every settlement pushed is released exactly once.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::OutgoingMessage;

/// Milliseconds on a monotonic clock chosen by the caller.
pub type Millis = u64;

/// What to do with a delivery once the publications before it are finished.
#[derive(Debug)]
pub enum Settle<T> {
    /// Acknowledge it.
    Ack(T),
    /// Put it back in the queue (it will be redelivered, marked as such).
    Requeue(T),
    /// Copy it to the dead-letter queue with header `x-gc-reason`, then acknowledge it.
    DeadLetter {
        /// The delivery.
        token: T,
        /// Why (header `x-gc-reason`).
        reason: String,
        /// A replacement body for the copy (e.g. with the password removed); `None` keeps the
        /// original.
        body: Option<bytes::Bytes>,
    },
}

/// The publications and settlements of one engine step, in order.
#[derive(Debug)]
pub struct Batch<T> {
    /// Publications, in the order they must go out.
    pub messages: Vec<OutgoingMessage>,
    /// Settlements, released once every publication of this batch and of earlier batches is
    /// finished.
    pub settles: Vec<Settle<T>>,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Self {
            messages: Vec::new(),
            settles: Vec::new(),
        }
    }
}

impl<T> Batch<T> {
    /// Nothing to publish and nothing to settle.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.settles.is_empty()
    }
}

/// How a publication ended, as far as the outbox cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Confirmed by the broker (routed, or returned as unroutable: not our failure).
    Delivered,
    /// Failed for a reason that sending it again would not change; the label names the
    /// reason in metrics (`too_long`, `nacked`, …).
    Failed(&'static str),
    /// Failed because the connection is in trouble; worth sending again.
    Retry,
}

/// Limits of an [`OutboxState`].
#[derive(Clone, Debug)]
pub struct OutboxLimits {
    /// Publications awaiting their confirm at once.
    pub max_in_flight: usize,
    /// Publications queued (not yet finished) beyond which [`OutboxState::has_room`] is false.
    pub max_queued: usize,
    /// First delay before sending a failed publication again; doubles per attempt.
    pub retry_min: Duration,
    /// Cap on that delay.
    pub retry_max: Duration,
    /// How long a publication is sent again before it is given up.
    pub give_up_after: Duration,
    /// A failure is logged at most once per target and reason in this period.
    pub log_every: Duration,
    /// Fault injection for tests: each ack waits this long first (0 in production), which
    /// widens the window between "Finesse performed the command" and "the broker knows".
    pub ack_delay: Duration,
}

impl Default for OutboxLimits {
    fn default() -> Self {
        Self {
            max_in_flight: 512,
            max_queued: 16_384,
            retry_min: Duration::from_millis(100),
            retry_max: Duration::from_secs(2),
            give_up_after: Duration::from_mins(2),
            log_every: Duration::from_mins(1),
            ack_delay: Duration::ZERO,
        }
    }
}

/// A failure the runner should log now (the rate limit let it through).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureReport {
    /// The reason label.
    pub reason: &'static str,
    /// The target's routing key.
    pub target: String,
    /// Failures of this target and reason not logged since the last report.
    pub suppressed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not sent yet (or to be sent again not before `not_before`).
    Waiting { not_before: Millis },
    /// Sent; waiting for the outcome.
    InFlight,
    /// Finished (delivered, failed or given up).
    Done,
}

#[derive(Debug)]
struct Slot {
    message: OutgoingMessage,
    state: State,
    /// Attempts that failed and will be retried (0: never failed).
    retries: u32,
    /// When the first transient failure happened.
    failing_since: Option<Millis>,
}

#[derive(Debug)]
struct PendingSettles<T> {
    /// Every publication with a sequence number below this must be finished first.
    after: u64,
    settles: Vec<Settle<T>>,
    /// A publication of this batch was given up: acks become requeues.
    given_up: bool,
}

/// The outbox's state. `T` is the delivery token type.
#[derive(Debug)]
pub struct OutboxState<T> {
    limits: OutboxLimits,
    /// Publications not yet released from the front; `slots[i]` has sequence `base + i`.
    slots: VecDeque<Slot>,
    base: u64,
    /// Settlements in batch order.
    settles: VecDeque<PendingSettles<T>>,
    /// Publications sent and not yet finished.
    in_flight: usize,
    /// Lowest sequence number not started yet (everything below is in flight or done, except
    /// slots waiting to be sent again).
    next_start: u64,
    /// Slots that failed transiently and are not finished yet (waiting to be sent again, or
    /// sent again and awaiting the outcome). While there are any, nothing new starts.
    retrying: usize,
    /// Failures by reason since the start.
    failures: HashMap<&'static str, u64>,
    logs: LogLimiter,
}

impl<T> OutboxState<T> {
    /// An empty outbox.
    pub fn new(limits: OutboxLimits) -> Self {
        let log_every = limits.log_every;
        Self {
            limits,
            slots: VecDeque::new(),
            base: 0,
            settles: VecDeque::new(),
            in_flight: 0,
            next_start: 0,
            retrying: 0,
            failures: HashMap::new(),
            logs: LogLimiter::new(log_every, 4096),
        }
    }

    /// Whether another batch may be pushed (the caller waits otherwise: backpressure).
    pub fn has_room(&self) -> bool {
        self.slots.len() < self.limits.max_queued
    }

    /// Whether nothing is left to send or settle.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty() && self.settles.is_empty()
    }

    /// Publications not yet finished, and settlements not yet released.
    pub fn backlog(&self) -> (usize, usize) {
        let settles = self.settles.iter().map(|p| p.settles.len()).sum();
        let open = self.slots.iter().filter(|s| s.state != State::Done).count();
        (open, settles)
    }

    /// Every settlement not released yet, in order, whatever the state of the publications
    /// before them (shutdown: the caller settles them as it can; nothing is dropped silently).
    pub fn drain_settles(&mut self) -> Vec<Settle<T>> {
        self.settles.drain(..).flat_map(|p| p.settles).collect()
    }

    /// Failures by reason since the start.
    pub fn failures(&self) -> &HashMap<&'static str, u64> {
        &self.failures
    }

    /// Queues a batch.
    pub fn push(&mut self, batch: Batch<T>) {
        for message in batch.messages {
            self.slots.push_back(Slot {
                message,
                state: State::Waiting { not_before: 0 },
                retries: 0,
                failing_since: None,
            });
        }
        if !batch.settles.is_empty() {
            self.settles.push_back(PendingSettles {
                after: self.base + self.slots.len() as u64,
                settles: batch.settles,
                given_up: false,
            });
        }
    }

    /// The next publication to send now, with its sequence number; `None` when nothing may
    /// start (nothing waiting, the in-flight window is full, or a retry is not due yet).
    pub fn poll_start(&mut self, now: Millis) -> Option<(u64, OutgoingMessage)> {
        if self.in_flight >= self.limits.max_in_flight {
            return None;
        }
        if self.retrying > 0 {
            // Oldest failed publication first, alone: nothing newer may overtake it.
            if self.in_flight > 0 {
                return None;
            }
            let index = self
                .slots
                .iter()
                .position(|s| s.retries > 0 && matches!(s.state, State::Waiting { .. }))?;
            let slot = &mut self.slots[index];
            let State::Waiting { not_before } = slot.state else {
                return None;
            };
            if now < not_before {
                return None;
            }
            slot.state = State::InFlight;
            self.in_flight += 1;
            return Some((self.base + index as u64, slot.message.clone()));
        }
        let index = usize::try_from(self.next_start.checked_sub(self.base)?).ok()?;
        let slot = self.slots.get_mut(index)?;
        slot.state = State::InFlight;
        self.in_flight += 1;
        self.next_start += 1;
        Some((self.base + index as u64, slot.message.clone()))
    }

    /// When a retry becomes due, if one is waiting.
    pub fn next_wakeup(&self) -> Option<Millis> {
        if self.retrying == 0 {
            return None;
        }
        self.slots.iter().find_map(|s| match s.state {
            State::Waiting { not_before } if s.retries > 0 => Some(not_before),
            _ => None,
        })
    }

    /// Records how publication `seq` ended. Returns a failure to log, when the rate limit
    /// lets one through.
    pub fn finish(&mut self, seq: u64, outcome: Outcome, now: Millis) -> Option<FailureReport> {
        let index = usize::try_from(seq.checked_sub(self.base)?).ok()?;
        let slot = self.slots.get_mut(index)?;
        if slot.state != State::InFlight {
            return None;
        }
        self.in_flight -= 1;
        let was_retried = slot.retries > 0;
        let failure = match outcome {
            Outcome::Delivered => {
                slot.state = State::Done;
                None
            }
            Outcome::Failed(reason) => {
                slot.state = State::Done;
                Some(reason)
            }
            Outcome::Retry => {
                let since = *slot.failing_since.get_or_insert(now);
                let give_up = millis(self.limits.give_up_after);
                if now.saturating_sub(since) >= give_up {
                    slot.state = State::Done;
                    self.mark_given_up(seq);
                    Some("gave_up")
                } else {
                    let delay = backoff(&self.limits, slot.retries);
                    slot.retries += 1;
                    slot.state = State::Waiting {
                        not_before: now.saturating_add(delay),
                    };
                    if !was_retried {
                        self.retrying += 1;
                    }
                    None
                }
            }
        };
        if was_retried && self.slots[index].state == State::Done {
            self.retrying -= 1;
        }
        let report = failure.and_then(|reason| {
            *self.failures.entry(reason).or_insert(0) += 1;
            let target = self.slots[index].message.target.key().to_owned();
            self.logs
                .allow(reason, &target, now)
                .map(|suppressed| FailureReport {
                    reason,
                    target,
                    suppressed,
                })
        });
        self.release_finished();
        report
    }

    /// The next settlement whose publications are all finished, in order.
    pub fn poll_settle(&mut self) -> Option<Settle<T>> {
        loop {
            let front = self.settles.front_mut()?;
            // Finished publications leave the front at once, so everything below `base` is
            // finished: the settlement may go when it waits on nothing above it.
            if self.base < front.after {
                return None;
            }
            if front.settles.is_empty() {
                self.settles.pop_front();
                continue;
            }
            let given_up = front.given_up;
            let settle = front.settles.remove(0);
            return Some(match settle {
                Settle::Ack(token) if given_up => Settle::Requeue(token),
                other => other,
            });
        }
    }

    /// Drops finished publications from the front.
    fn release_finished(&mut self) {
        while self.slots.front().is_some_and(|s| s.state == State::Done) {
            self.slots.pop_front();
            self.base += 1;
        }
        self.next_start = self.next_start.max(self.base);
    }

    /// The settlements covering publication `seq` (the first whose `after` is above it) turn
    /// their acks into requeues.
    fn mark_given_up(&mut self, seq: u64) {
        if let Some(p) = self.settles.iter_mut().find(|p| p.after > seq) {
            p.given_up = true;
        }
    }
}

fn millis(d: Duration) -> Millis {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `retry_min * 2^retries`, capped at `retry_max`: the workspace's one backoff (`backon`),
/// without jitter so that the outbox stays deterministic.
fn backoff(limits: &OutboxLimits, retries: u32) -> Millis {
    use backon::{BackoffBuilder as _, ExponentialBuilder};
    let delay = ExponentialBuilder::default()
        .with_min_delay(limits.retry_min)
        .with_max_delay(limits.retry_max)
        .with_factor(2.0)
        .without_max_times()
        .build()
        .nth(usize::try_from(retries).unwrap_or(usize::MAX))
        .unwrap_or(limits.retry_max);
    millis(delay)
}

/// Lets a log line through at most once per key and period; counts what it held back. Bounded:
/// when full, entries older than the period are dropped, then the oldest.
#[derive(Debug)]
pub struct LogLimiter {
    period: Millis,
    capacity: usize,
    last: HashMap<(&'static str, String), (Millis, u64)>,
}

impl LogLimiter {
    /// A limiter letting one line per key through every `period`, remembering at most
    /// `capacity` keys.
    pub fn new(period: Duration, capacity: usize) -> Self {
        Self {
            period: millis(period),
            capacity: capacity.max(1),
            last: HashMap::new(),
        }
    }

    /// `Some(suppressed)` when a line for `(kind, key)` may be logged now (with how many were
    /// held back since the last one), `None` when it must be held back.
    pub fn allow(&mut self, kind: &'static str, key: &str, now: Millis) -> Option<u64> {
        let period = self.period;
        if let Some((at, suppressed)) = self.last.get_mut(&(kind, key.to_owned())) {
            if now.saturating_sub(*at) < period {
                *suppressed += 1;
                return None;
            }
            let held = *suppressed;
            *at = now;
            *suppressed = 0;
            return Some(held);
        }
        if self.last.len() >= self.capacity {
            self.last
                .retain(|_, (at, _)| now.saturating_sub(*at) < period);
            if self.last.len() >= self.capacity
                && let Some(oldest) = self
                    .last
                    .iter()
                    .min_by_key(|(_, (at, _))| *at)
                    .map(|(k, _)| k.clone())
            {
                self.last.remove(&oldest);
            }
        }
        self.last.insert((kind, key.to_owned()), (now, 0));
        Some(0)
    }
}

pub mod runner;

#[cfg(test)]
mod tests;
