#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;

use super::*;
use crate::Target;

fn message(key: &str) -> OutgoingMessage {
    OutgoingMessage {
        target: Target::Client(key.to_owned()),
        body: Bytes::from_static(b"1001#State#READY"),
        content_type: "text/plain",
        category: "agent_state",
        correlation_id: None,
        jms_type: None,
    }
}

fn batch(keys: &[&str], acks: &[u32]) -> Batch<u32> {
    Batch {
        messages: keys.iter().map(|k| message(k)).collect(),
        settles: acks.iter().map(|t| Settle::Ack(*t)).collect(),
    }
}

fn limits() -> OutboxLimits {
    OutboxLimits {
        max_in_flight: 8,
        max_queued: 100,
        retry_min: Duration::from_millis(100),
        retry_max: Duration::from_secs(1),
        give_up_after: Duration::from_secs(10),
        log_every: Duration::from_mins(1),
        ack_delay: Duration::ZERO,
    }
}

fn starts(outbox: &mut OutboxState<u32>, now: Millis) -> Vec<(u64, String)> {
    std::iter::from_fn(|| outbox.poll_start(now))
        .map(|(seq, m)| (seq, m.target.key().to_owned()))
        .collect()
}

fn settles(outbox: &mut OutboxState<u32>) -> Vec<String> {
    std::iter::from_fn(|| outbox.poll_settle())
        .map(|s| match s {
            Settle::Ack(t) => format!("ack {t}"),
            Settle::Requeue(t) => format!("requeue {t}"),
            Settle::DeadLetter { token, reason, .. } => format!("dead-letter {token} {reason}"),
        })
        .collect()
}

#[test]
fn publications_start_in_order_and_acks_wait_for_every_earlier_confirm() {
    let mut outbox = OutboxState::new(limits());
    outbox.push(batch(&["a", "b"], &[1]));
    outbox.push(batch(&["c"], &[2]));
    assert_eq!(
        starts(&mut outbox, 0),
        [(0, "a".into()), (1, "b".into()), (2, "c".into())]
    );
    // The second batch's confirm comes first: its ack still waits for the first batch.
    assert_eq!(outbox.finish(2, Outcome::Delivered, 1), None);
    assert!(settles(&mut outbox).is_empty());
    outbox.finish(0, Outcome::Delivered, 1);
    assert!(settles(&mut outbox).is_empty());
    outbox.finish(1, Outcome::Delivered, 1);
    assert_eq!(settles(&mut outbox), ["ack 1", "ack 2"]);
    assert!(outbox.is_empty());
}

#[test]
fn a_settlement_with_nothing_before_it_goes_at_once() {
    let mut outbox = OutboxState::new(limits());
    outbox.push(Batch {
        messages: Vec::new(),
        settles: vec![Settle::DeadLetter {
            token: 9,
            reason: "no command".into(),
            body: None,
        }],
    });
    assert_eq!(settles(&mut outbox), ["dead-letter 9 no command"]);
    assert!(outbox.is_empty());
}

#[test]
fn a_publication_that_fails_for_its_own_reasons_fails_alone_and_is_never_retried() {
    let mut outbox = OutboxState::new(limits());
    outbox.push(batch(&["poison"], &[1]));
    outbox.push(batch(&["other-desk"], &[2]));
    assert_eq!(starts(&mut outbox, 0).len(), 2);
    let report = outbox.finish(0, Outcome::Failed("too_long"), 5);
    assert_eq!(
        report,
        Some(FailureReport {
            reason: "too_long",
            target: "poison".into(),
            suppressed: 0
        })
    );
    outbox.finish(1, Outcome::Delivered, 5);
    // Both commands are acked: the failed target was counted, nothing waits for it.
    assert_eq!(settles(&mut outbox), ["ack 1", "ack 2"]);
    assert_eq!(outbox.poll_start(10_000), None);
    assert_eq!(outbox.failures().get("too_long"), Some(&1));
}

#[test]
fn failures_are_logged_once_per_target_and_reason_per_period() {
    let mut outbox = OutboxState::new(limits());
    for i in 0..5 {
        outbox.push(batch(&["full-queue"], &[i]));
    }
    outbox.push(batch(&["another"], &[5]));
    let started = starts(&mut outbox, 0);
    let mut reports = Vec::new();
    for (seq, _) in &started {
        reports.push(outbox.finish(*seq, Outcome::Failed("nacked"), 1_000));
    }
    let logged: Vec<_> = reports.into_iter().flatten().collect();
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert_eq!(logged[0].target, "full-queue");
    assert_eq!(logged[1].target, "another");
    assert_eq!(settles(&mut outbox).len(), 6);
    // A minute later the next failure is logged again, with the count held back.
    outbox.push(batch(&["full-queue"], &[6]));
    let (seq, _) = outbox.poll_start(61_000).unwrap();
    let report = outbox
        .finish(seq, Outcome::Failed("nacked"), 61_000)
        .unwrap();
    assert_eq!(report.suppressed, 4);
    assert_eq!(outbox.failures().get("nacked"), Some(&7));
}

#[test]
fn a_connection_failure_is_sent_again_before_anything_newer() {
    let mut outbox = OutboxState::new(limits());
    outbox.push(batch(&["a"], &[1]));
    outbox.push(batch(&["b"], &[2]));
    assert_eq!(starts(&mut outbox, 0).len(), 2);
    outbox.finish(0, Outcome::Retry, 0);
    outbox.finish(1, Outcome::Retry, 0);
    outbox.push(batch(&["c"], &[3]));
    // Not due yet, and "c" must not overtake.
    assert_eq!(outbox.poll_start(50), None);
    assert_eq!(outbox.next_wakeup(), Some(100));
    assert_eq!(starts(&mut outbox, 100), [(0, "a".into())]);
    outbox.finish(0, Outcome::Delivered, 101);
    assert_eq!(settles(&mut outbox), ["ack 1"]);
    assert_eq!(starts(&mut outbox, 101), [(1, "b".into())]);
    outbox.finish(1, Outcome::Delivered, 102);
    assert_eq!(starts(&mut outbox, 102), [(2, "c".into())]);
    outbox.finish(2, Outcome::Delivered, 103);
    assert_eq!(settles(&mut outbox), ["ack 2", "ack 3"]);
}

#[test]
fn retries_back_off_up_to_the_cap() {
    let mut outbox = OutboxState::new(limits());
    outbox.push(batch(&["a"], &[1]));
    let mut now = 0;
    let mut delays = Vec::new();
    for _ in 0..6 {
        let (seq, _) = outbox.poll_start(now).unwrap();
        outbox.finish(seq, Outcome::Retry, now);
        let due = outbox.next_wakeup().unwrap();
        delays.push(due - now);
        now = due;
    }
    assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
}

#[test]
fn a_publication_given_up_turns_its_ack_into_a_requeue_and_the_rest_moves_on() {
    let mut outbox = OutboxState::new(limits());
    outbox.push(Batch {
        messages: vec![message("a")],
        settles: vec![
            Settle::Ack(1),
            Settle::DeadLetter {
                token: 2,
                reason: "x".into(),
                body: None,
            },
        ],
    });
    outbox.push(batch(&["b"], &[3]));
    let mut now = 0;
    loop {
        let (seq, _) = outbox.poll_start(now).unwrap();
        assert_eq!(seq, 0, "nothing newer starts while the first is retried");
        if let Some(report) = outbox.finish(seq, Outcome::Retry, now) {
            assert_eq!(report.reason, "gave_up");
            break;
        }
        now = outbox.next_wakeup().unwrap();
    }
    assert!(now >= 10_000);
    assert_eq!(settles(&mut outbox), ["requeue 1", "dead-letter 2 x"]);
    assert_eq!(starts(&mut outbox, now), [(1, "b".into())]);
    outbox.finish(1, Outcome::Delivered, now);
    assert_eq!(settles(&mut outbox), ["ack 3"]);
}

#[test]
fn the_window_and_the_queue_are_bounded() {
    let mut outbox = OutboxState::new(OutboxLimits {
        max_in_flight: 2,
        max_queued: 3,
        ..limits()
    });
    outbox.push(batch(&["a", "b"], &[]));
    assert!(outbox.has_room());
    outbox.push(batch(&["c"], &[1]));
    assert!(!outbox.has_room());
    assert_eq!(starts(&mut outbox, 0).len(), 2);
    outbox.finish(0, Outcome::Delivered, 0);
    assert!(outbox.has_room());
    assert_eq!(starts(&mut outbox, 0), [(2, "c".into())]);
}

#[test]
fn the_log_limiter_forgets_old_keys_when_full() {
    let mut limiter = LogLimiter::new(Duration::from_mins(1), 2);
    assert_eq!(limiter.allow("nacked", "a", 0), Some(0));
    assert_eq!(limiter.allow("nacked", "b", 1), Some(0));
    assert_eq!(limiter.allow("nacked", "a", 2), None);
    // Full: the oldest key makes room.
    assert_eq!(limiter.allow("nacked", "c", 3), Some(0));
    assert_eq!(limiter.last.len(), 2);
    assert_eq!(limiter.allow("nacked", "a", 4), Some(0));
}

#[derive(Clone, Debug)]
enum Step {
    Push(u8, u8),
    Start,
    Finish(usize, u8),
    Advance(u16),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..4, 0u8..3).prop_map(|(m, s)| Step::Push(m, s)),
        Just(Step::Start),
        (0usize..8, 0u8..4).prop_map(|(i, o)| Step::Finish(i, o)),
        (0u16..5000).prop_map(Step::Advance),
    ]
}

/// Whether every publication below `end` is finished.
fn finished_below(outbox: &OutboxState<u32>, end: u64) -> bool {
    (outbox.base..end).all(|q| {
        outbox
            .slots
            .get(usize::try_from(q - outbox.base).unwrap())
            .is_none_or(|s| s.state == State::Done)
    })
}

/// Releases what can be released, checking each against the publications before it.
fn release(
    outbox: &mut OutboxState<u32>,
    released: &mut Vec<u32>,
    batch_end: &HashMap<u32, u64>,
) -> Result<(), TestCaseError> {
    while let Some(s) = outbox.poll_settle() {
        let t = match s {
            Settle::Ack(t) | Settle::Requeue(t) => t,
            Settle::DeadLetter { token, .. } => token,
        };
        prop_assert!(
            finished_below(outbox, batch_end[&t]),
            "token {} released before its publications finished",
            t
        );
        released.push(t);
    }
    Ok(())
}

proptest! {
    /// Whatever the outcomes, every settlement is released exactly once, in push order, and
    /// never before a publication pushed ahead of it has finished.
    #[test]
    fn every_settlement_is_released_once_and_in_order(steps in proptest::collection::vec(step(), 1..200)) {
        let mut outbox = OutboxState::new(OutboxLimits { max_in_flight: 3, ..limits() });
        let mut now: Millis = 0;
        let mut next_token = 0u32;
        let mut next_seq = 0u64;
        let mut pushed = Vec::new();
        let mut released = Vec::new();
        let mut in_flight: Vec<u64> = Vec::new();
        let mut batch_end = HashMap::new();
        for s in steps {
            match s {
                Step::Push(m, n) => {
                    next_seq += u64::from(m);
                    let settles: Vec<_> = (0..n)
                        .map(|_| {
                            next_token += 1;
                            pushed.push(next_token);
                            batch_end.insert(next_token, next_seq);
                            Settle::Ack(next_token)
                        })
                        .collect();
                    outbox.push(Batch { messages: (0..m).map(|_| message("d")).collect(), settles });
                }
                Step::Start => in_flight.extend(std::iter::from_fn(|| outbox.poll_start(now)).map(|(q, _)| q)),
                Step::Finish(i, o) => if !in_flight.is_empty() {
                    let seq = in_flight.remove(i % in_flight.len());
                    let outcome = match o { 0 => Outcome::Delivered, 1 => Outcome::Failed("nacked"), _ => Outcome::Retry };
                    outbox.finish(seq, outcome, now);
                },
                Step::Advance(ms) => now += u64::from(ms),
            }
            release(&mut outbox, &mut released, &batch_end)?;
        }
        // Drive everything to the end: deliver everything, let retries come due.
        for _ in 0..10_000 {
            if outbox.is_empty() { break; }
            now += 5_000;
            while let Some((q, _)) = outbox.poll_start(now) { in_flight.push(q); }
            for q in std::mem::take(&mut in_flight) { outbox.finish(q, Outcome::Delivered, now); }
            release(&mut outbox, &mut released, &batch_end)?;
        }
        prop_assert!(outbox.is_empty());
        prop_assert_eq!(released, pushed);
    }
}
