//! Reconnect delays: exponential, capped, with jitter so that thousands of sessions that lost
//! the same node do not reconnect in the same instant (finesse-api.md §7.3). Pure.

use std::time::Duration;

/// Exponential backoff with a cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the first reconnect.
    pub initial: Duration,
    /// Largest delay.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// Delay before reconnect number `attempt` (1-based). `jitter` in `[0, 1)` scales the
    /// delay into `[75 %, 100 %]` of the exponential value; the result never exceeds `max`.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let base = self.initial.saturating_mul(1u32 << exponent).min(self.max);
        let factor = 0.75 + 0.25 * jitter.clamp(0.0, 1.0);
        base.mul_f64(factor).min(self.max)
    }

    /// [`Backoff::delay`] with a random jitter.
    pub fn delay_random(&self, attempt: u32) -> Duration {
        self.delay(attempt, rand::random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn grows_then_caps() {
        let b = Backoff::default();
        assert_eq!(b.delay(1, 1.0), Duration::from_secs(1));
        assert_eq!(b.delay(2, 1.0), Duration::from_secs(2));
        assert_eq!(b.delay(4, 1.0), Duration::from_secs(8));
        assert_eq!(b.delay(50, 1.0), Duration::from_secs(30));
        assert_eq!(b.delay(2, 0.0), Duration::from_millis(1500));
    }

    proptest! {
        #[test]
        fn never_exceeds_the_cap_and_never_shrinks_below_three_quarters(
            attempt in 0u32..10_000,
            jitter in -1.0f64..2.0,
            initial_ms in 1u64..5_000,
            max_ms in 1u64..120_000,
        ) {
            let b = Backoff { initial: Duration::from_millis(initial_ms), max: Duration::from_millis(max_ms) };
            let d = b.delay(attempt, jitter);
            prop_assert!(d <= b.max);
            let floor = b.initial.min(b.max).mul_f64(0.75);
            prop_assert!(d + Duration::from_nanos(1) >= floor);
        }
    }
}
