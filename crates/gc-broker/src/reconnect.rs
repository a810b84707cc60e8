//! Capped exponential backoff with jitter for reconnect attempts.
//!
//! lapin's own recovery uses an uncapped exponential schedule by default; the broker notes
//! measured it overshooting a broker restart by ~20 s. Here the delay starts at `min`, doubles
//! per failed attempt and never exceeds `max`. Jitter ("equal jitter": half fixed, half random)
//! keeps two connector instances from reconnecting in lockstep after a broker restart.

use std::time::Duration;

/// The reconnect schedule. [`Backoff::next_with`] is pure (the jitter is an argument, so the
/// schedule is testable); [`Backoff::next_delay`] draws the jitter.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max: max.max(min),
            attempt: 0,
        }
    }

    /// Back to the first, shortest delay (after a connection that stayed up).
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The delay before the next attempt, with random jitter.
    pub(crate) fn next_delay(&mut self) -> Duration {
        self.next_with(rand::random::<f64>())
    }

    /// The delay before the next attempt, `unit` in `[0, 1)` choosing the jitter.
    pub(crate) fn next_with(&mut self, unit: f64) -> Duration {
        let base = self.base();
        self.attempt = self.attempt.saturating_add(1);
        let half = base / 2;
        half + half.mul_f64(unit.clamp(0.0, 1.0))
    }

    /// `min * 2^attempt`, capped at `max`.
    fn base(&self) -> Duration {
        // 2^20 * 1 ms is already 17 min, far past any sane cap: stop doubling there.
        let factor = 1u32 << self.attempt.min(20);
        self.min.saturating_mul(factor).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_min_and_stop_at_max() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        let delays: Vec<_> = (0..10).map(|_| backoff.next_with(1.0)).collect();
        let ms: Vec<u128> = delays.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
    }

    #[test]
    fn jitter_stays_between_half_and_full_delay() {
        let mut low = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        let mut high = low.clone();
        for _ in 0..40 {
            let lo = low.next_with(0.0);
            let hi = high.next_with(0.999_999);
            assert!(lo <= hi);
            assert!(hi <= Duration::from_secs(5));
            assert!(lo >= Duration::from_millis(50));
        }
        let mut random = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        for _ in 0..1000 {
            let d = random.next_delay();
            assert!(d >= Duration::from_millis(50) && d <= Duration::from_secs(5));
        }
    }

    #[test]
    fn reset_starts_over() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        for _ in 0..5 {
            backoff.next_with(1.0);
        }
        backoff.reset();
        assert_eq!(backoff.next_with(1.0), Duration::from_millis(100));
    }

    #[test]
    fn a_max_below_min_is_raised_to_min() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_millis(10));
        assert_eq!(backoff.next_with(1.0), Duration::from_secs(1));
        assert_eq!(backoff.next_with(1.0), Duration::from_secs(1));
    }
}
