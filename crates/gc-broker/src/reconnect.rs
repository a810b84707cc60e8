//! Reconnect delays: capped exponential backoff with jitter, from the `backon` crate (the one
//! backoff of the workspace).
//!
//! lapin's own recovery uses an uncapped exponential schedule by default; the broker notes
//! measured it overshooting a broker restart by ~20 s. Here the delay starts at `min`, doubles
//! per failed attempt and never exceeds `max`. Jitter ("equal jitter": each delay between half
//! and all of its step) keeps two connector instances from reconnecting in lockstep after a
//! broker restart.

use std::time::Duration;

use backon::{BackoffBuilder as _, ExponentialBuilder};

/// The delays before successive reconnect attempts: step `min` doubling up to `max` (a `max`
/// below `min` is raised to it), each delay drawn from `[step / 2, step)`. Endless; build a
/// new one to start over after a connection that stayed up.
pub(crate) fn reconnect_delays(min: Duration, max: Duration) -> impl Iterator<Item = Duration> {
    // backon's jitter adds up to one more step: steps of half the size give [step/2, step).
    ExponentialBuilder::default()
        .with_min_delay(min / 2)
        .with_max_delay(max.max(min) / 2)
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_min_stay_under_max_and_never_end() {
        let min = Duration::from_millis(100);
        let max = Duration::from_secs(5);
        let delays: Vec<Duration> = reconnect_delays(min, max).take(40).collect();
        assert_eq!(delays.len(), 40, "endless");
        for (i, d) in delays.iter().enumerate() {
            let step = (min * (1 << i.min(10))).min(max);
            assert!(*d >= step / 2 && *d < step.max(min), "attempt {i}: {d:?}");
        }
    }

    #[test]
    fn a_max_below_min_is_raised_to_min() {
        let delays: Vec<Duration> =
            reconnect_delays(Duration::from_secs(1), Duration::from_millis(10))
                .take(3)
                .collect();
        for d in delays {
            assert!(
                d >= Duration::from_millis(500) && d < Duration::from_secs(1),
                "{d:?}"
            );
        }
    }
}
