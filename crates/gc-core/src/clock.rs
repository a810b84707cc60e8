//! Time as the engine sees it: always an input, never read from the system.

use std::ops::Add;
use std::time::Duration;

/// A point in time given by the driver: milliseconds on a monotonic clock (for timers) and the
/// wall-clock Unix time in milliseconds (for the timestamps clients see).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Now {
    /// Monotonic milliseconds since an arbitrary origin.
    pub mono_ms: u64,
    /// Milliseconds since the Unix epoch, UTC.
    pub unix_ms: u64,
}

/// A deadline on the monotonic clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Deadline(pub u64);

impl Now {
    /// The deadline `after` from now.
    pub fn after(self, after: Duration) -> Deadline {
        Deadline(
            self.mono_ms
                .saturating_add(u64::try_from(after.as_millis()).unwrap_or(u64::MAX)),
        )
    }

    /// The wall-clock time as `yyyy-MM-dd HH:mm:ss` (UTC), the seed's format.
    pub fn wall_string(self) -> String {
        format_unix_seconds(self.unix_ms / 1000)
    }
}

impl Add<Duration> for Now {
    type Output = Self;

    fn add(self, d: Duration) -> Self {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self {
            mono_ms: self.mono_ms.saturating_add(ms),
            unix_ms: self.unix_ms.saturating_add(ms),
        }
    }
}

/// `yyyy-MM-dd HH:mm:ss` for Unix seconds, using the proleptic Gregorian calendar
/// (Howard Hinnant's days-to-civil algorithm), so no date crate is needed.
fn format_unix_seconds(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (hour, minute, second) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Shift the epoch to 0000-03-01 so leap days fall at the end of the year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_time_is_formatted_as_the_seed_shows() {
        assert_eq!(format_unix_seconds(0), "1970-01-01 00:00:00");
        assert_eq!(format_unix_seconds(1_568_724_381), "2019-09-17 12:46:21");
        assert_eq!(format_unix_seconds(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_unix_seconds(1_795_609_800), "2026-11-25 12:30:00");
    }

    #[test]
    fn deadlines_add_to_the_monotonic_clock() {
        let now = Now {
            mono_ms: 1000,
            unix_ms: 0,
        };
        assert_eq!(now.after(Duration::from_secs(2)), Deadline(3000));
    }
}
