//! Latency histograms and the figures of a phase, as JSON and as lines for people.
//!
//! Latencies are recorded in nanoseconds with 3 significant digits and reported in
//! microseconds with one decimal, the same way `relay-baseline` reports its round trips, so the
//! two outputs compare field by field.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Highest latency a histogram holds (an hour); longer ones saturate.
const MAX_NS: u64 = 3_600_000_000_000;

/// A latency histogram in nanoseconds.
#[derive(Clone, Debug)]
pub(crate) struct Latency(Histogram<u64>);

impl Latency {
    pub(crate) fn new() -> Self {
        // Invariant: the bounds (1 ns .. 1 h) and 3 significant digits are valid constants, the
        // same relay-baseline uses; `new_with_bounds` only fails on invalid ones.
        #[allow(clippy::expect_used)]
        let histogram =
            Histogram::new_with_bounds(1, MAX_NS, 3).expect("constant histogram bounds are valid");
        Self(histogram)
    }

    pub(crate) fn record(&mut self, latency: Duration) {
        let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX).max(1);
        self.0.saturating_record(ns);
    }

    pub(crate) fn len(&self) -> u64 {
        self.0.len()
    }

    pub(crate) fn max(&self) -> Duration {
        Duration::from_nanos(self.0.max())
    }

    pub(crate) fn quantile(&self, q: f64) -> Duration {
        Duration::from_nanos(self.0.value_at_quantile(q))
    }

    /// `{p50, p90, p99, p99_9, max, mean}` in µs, or null when empty.
    pub(crate) fn json(&self) -> Value {
        if self.0.is_empty() {
            return Value::Null;
        }
        let h = &self.0;
        json!({
            "p50": us(h.value_at_quantile(0.5)),
            "p90": us(h.value_at_quantile(0.9)),
            "p99": us(h.value_at_quantile(0.99)),
            "p99_9": us(h.value_at_quantile(0.999)),
            "max": us(h.max()),
            "mean": round1(h.mean() / 1000.0),
        })
    }

    /// `p50 … max` in ms, for people.
    pub(crate) fn line(&self) -> String {
        if self.0.is_empty() {
            return "no samples".to_owned();
        }
        let ms = |ns: u64| ns_f64(ns) / 1e6;
        let h = &self.0;
        format!(
            "p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3} ms  ({} samples)",
            ms(h.value_at_quantile(0.5)),
            ms(h.value_at_quantile(0.9)),
            ms(h.value_at_quantile(0.99)),
            ms(h.value_at_quantile(0.999)),
            ms(h.max()),
            h.len()
        )
    }
}

/// A count as a float for rates and shares (exact below 2^53, far above any count here).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn ns_f64(n: u64) -> f64 {
    n as f64
}

/// Microseconds with one decimal.
fn us(ns: u64) -> f64 {
    round1(ns_f64(ns) / 1000.0)
}

pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Events per second, rounded.
pub(crate) fn per_second(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        (ns_f64(count) / secs).round()
    } else {
        0.0
    }
}

/// The kinds of command the workload sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Connect,
    Login,
    MakeReady,
    MakeNotReady,
    GetState,
    AnswerCall,
    ReleaseCall,
    Logout,
}

impl Kind {
    /// The command name of the JMS type.
    pub(crate) fn command(self) -> &'static str {
        match self {
            Self::Connect => "Connect",
            Self::Login => "Login",
            Self::MakeReady => "MakeReady",
            Self::MakeNotReady => "MakeNotReady",
            Self::GetState => "GetState",
            Self::AnswerCall => "AnswerCall",
            Self::ReleaseCall => "ReleaseCall",
            Self::Logout => "Logout",
        }
    }
}

/// What a measured phase counted.
#[derive(Debug)]
pub(crate) struct PhaseStats {
    /// Commands sent.
    pub(crate) sent: u64,
    /// Commands answered (by their event or by an error).
    pub(crate) answered: u64,
    /// Commands answered with an `Error`, by code.
    pub(crate) errors: BTreeMap<String, u64>,
    /// Commands answered with a State other than the one asked for.
    pub(crate) unexpected: u64,
    /// State commands answered by a State event without their correlation id (matched by agent
    /// and state instead).
    pub(crate) uncorrelated: u64,
    /// Commands with no answer within the answer timeout, or by the end of the drain.
    pub(crate) lost: u64,
    /// Lost commands per command.
    pub(crate) lost_by_kind: BTreeMap<Kind, u64>,
    /// Open loop: slots that found no agent able to take a command.
    pub(crate) skipped: u64,
    /// Errors no command of ours asked for.
    pub(crate) unsolicited_errors: u64,
    /// Command → answer latency, all commands.
    pub(crate) latency: Latency,
    /// Command → answer latency per command.
    pub(crate) by_kind: BTreeMap<Kind, Latency>,
    /// Open loop: how far each send was behind its due time.
    pub(crate) lag: Latency,
    /// Calls offered through the simulator's control API.
    pub(crate) calls_offered: u64,
    /// Offers the simulator refused (or that failed).
    pub(crate) calls_refused: u64,
    /// Calls answered and released through the connector.
    pub(crate) calls_completed: u64,
    /// First send → last send.
    pub(crate) send_elapsed: Duration,
    /// First send → last answer.
    pub(crate) elapsed: Duration,
}

impl PhaseStats {
    pub(crate) fn new() -> Self {
        Self {
            sent: 0,
            answered: 0,
            errors: BTreeMap::new(),
            unexpected: 0,
            uncorrelated: 0,
            lost: 0,
            lost_by_kind: BTreeMap::new(),
            skipped: 0,
            unsolicited_errors: 0,
            latency: Latency::new(),
            by_kind: BTreeMap::new(),
            lag: Latency::new(),
            calls_offered: 0,
            calls_refused: 0,
            calls_completed: 0,
            send_elapsed: Duration::ZERO,
            elapsed: Duration::ZERO,
        }
    }

    pub(crate) fn record(&mut self, kind: Kind, latency: Duration) {
        self.answered += 1;
        self.latency.record(latency);
        self.by_kind
            .entry(kind)
            .or_insert_with(Latency::new)
            .record(latency);
    }

    pub(crate) fn lose(&mut self, kind: Kind) {
        self.lost += 1;
        *self.lost_by_kind.entry(kind).or_default() += 1;
    }

    pub(crate) fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The common JSON members of a phase.
    pub(crate) fn json(&self) -> Value {
        let by_kind: serde_json::Map<String, Value> = self
            .by_kind
            .iter()
            .map(|(kind, h)| {
                (
                    kind.command().to_owned(),
                    json!({"count": h.len(), "latency_us": h.json()}),
                )
            })
            .collect();
        let lost_by_kind: BTreeMap<&str, u64> = self
            .lost_by_kind
            .iter()
            .map(|(kind, n)| (kind.command(), *n))
            .collect();
        json!({
            "sent": self.sent,
            "answered": self.answered,
            "errors": self.error_count(),
            "error_codes": self.errors,
            "unexpected_answers": self.unexpected,
            "uncorrelated_answers": self.uncorrelated,
            "lost": self.lost,
            "lost_by_command": lost_by_kind,
            "skipped": self.skipped,
            "unsolicited_errors": self.unsolicited_errors,
            "elapsed_s": round3(self.elapsed.as_secs_f64()),
            "commands_per_s": per_second(self.answered, self.elapsed),
            "send_rate": per_second(self.sent, self.send_elapsed),
            "latency_us": self.latency.json(),
            "per_command": by_kind,
            "calls": {
                "offered": self.calls_offered,
                "refused": self.calls_refused,
                "completed": self.calls_completed,
            },
        })
    }

    /// Lines for people, after a phase's headline.
    pub(crate) fn lines(&self) -> String {
        let mut out = format!(
            "  sent {}  answered {}  errors {}  lost {}  skipped {}  unexpected {}  → {} commands/s\n  latency: {}",
            self.sent,
            self.answered,
            self.error_count(),
            self.lost,
            self.skipped,
            self.unexpected,
            per_second(self.answered, self.elapsed),
            self.latency.line()
        );
        for (kind, h) in &self.by_kind {
            let _ = write!(out, "\n    {:<13} {}", kind.command(), h.line());
        }
        if self.uncorrelated > 0 {
            let _ = write!(
                out,
                "\n  answered without their correlation id (matched by agent and state): {}",
                self.uncorrelated
            );
        }
        if !self.lost_by_kind.is_empty() {
            let _ = write!(out, "\n  lost: {:?}", self.lost_by_kind);
        }
        if !self.errors.is_empty() {
            let _ = write!(out, "\n  error codes: {:?}", self.errors);
        }
        if self.calls_offered > 0 {
            let _ = write!(
                out,
                "\n  calls: offered {}  refused {}  answered and released {}",
                self.calls_offered, self.calls_refused, self.calls_completed
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Kind, Latency, PhaseStats, per_second};

    #[test]
    fn latencies_are_reported_in_microseconds() {
        let mut h = Latency::new();
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        let json = h.json();
        let p50 = json["p50"].as_f64().unwrap();
        assert!((49_950.0..=50_050.0).contains(&p50), "{p50}");
        assert!(json["max"].as_f64().unwrap() >= 100_000.0);
        assert!(Latency::new().json().is_null());
    }

    #[test]
    fn a_phase_counts_answers_per_command() {
        let mut stats = PhaseStats::new();
        stats.sent = 2;
        stats.record(Kind::MakeReady, Duration::from_micros(900));
        stats.record(Kind::GetState, Duration::from_micros(700));
        stats.elapsed = Duration::from_secs(1);
        let json = stats.json();
        assert_eq!(json["answered"], 2);
        assert_eq!(json["per_command"]["MakeReady"]["count"], 1);
        assert_eq!(json["commands_per_s"], 2.0);
    }

    #[test]
    fn a_rate_over_no_time_is_zero() {
        assert!(per_second(5, Duration::ZERO).abs() < f64::EPSILON);
    }
}
