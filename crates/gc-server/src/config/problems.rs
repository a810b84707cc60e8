//! The list of what is wrong with the settings, and the checks of single values that add to it.
//! A check that fails records a problem and returns a harmless value, so that every other key
//! is still checked.

use std::time::Duration;

/// Longest duration a `*_secs` key takes: a day.
const DAY_SECS: i64 = 86_400;

/// Longest retention a `*_ttl_secs` key takes: a year.
const YEAR_SECS: i64 = 366 * DAY_SECS;

/// Every problem found, in the order the keys are checked.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<String>);

impl Problems {
    pub(super) fn push(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn into_vec(self) -> Vec<String> {
        self.0
    }

    #[cfg(test)]
    pub(super) fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// `value` when it lies in `min..=max`; else a problem naming `key`, and `min`.
    pub(super) fn range(&mut self, key: &str, value: i64, min: i64, max: i64) -> i64 {
        if (min..=max).contains(&value) {
            value
        } else {
            self.push(format!("`{key}` must be between {min} and {max}"));
            min
        }
    }

    /// An integer in `min..=max` as the type that holds it (`fallback` cannot be needed: the
    /// range fits the type).
    pub(super) fn int<T: TryFrom<i64>>(
        &mut self,
        key: &str,
        value: i64,
        (min, max): (i64, i64),
        fallback: T,
    ) -> T {
        T::try_from(self.range(key, value, min, max)).unwrap_or(fallback)
    }

    /// Seconds from `min` up to a day.
    pub(super) fn secs(&mut self, key: &str, value: i64, min: i64) -> Duration {
        Duration::from_secs(self.int(key, value, (min, DAY_SECS), 0))
    }

    /// Seconds up to a year (retention periods).
    pub(super) fn secs_long(&mut self, key: &str, value: i64) -> Duration {
        Duration::from_secs(self.int(key, value, (0, YEAR_SECS), 0))
    }

    /// A count in `min..=max`.
    pub(super) fn count(&mut self, key: &str, value: i64, min: i64, max: i64) -> usize {
        self.int(key, value, (min, max), 0)
    }

    /// An AMQP queue or exchange name: 1 to 255 bytes, no spaces or control characters.
    pub(super) fn amqp_name(&mut self, key: &str, value: String) -> String {
        if value.is_empty()
            || value.len() > 255
            || value.chars().any(|c| c.is_control() || c == ' ')
        {
            self.push(format!("`{key}` must be a non-empty AMQP name"));
        }
        value
    }

    /// The value `value` names among `choices` (`(text, value)`); else a problem listing them,
    /// and `fallback`.
    pub(super) fn choice<T: Copy>(
        &mut self,
        key: &str,
        value: &str,
        choices: &[(&str, T)],
        fallback: T,
    ) -> T {
        if let Some((_, chosen)) = choices.iter().find(|(text, _)| *text == value) {
            return *chosen;
        }
        let names: Vec<String> = choices
            .iter()
            .map(|(text, _)| format!("\"{text}\""))
            .collect();
        let listed = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        self.push(format!("`{key}` must be {listed}"));
        fallback
    }
}
