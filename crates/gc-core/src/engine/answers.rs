//! Recent client commands by message id, with what they were answered.
//!
//! The broker redelivers a command whose ack did not make it (a reconnect, a crash of the
//! leader). Such a redelivery is answered again from here instead of being run twice: Finesse
//! never sees a write twice, and the client still gets its answer. Only redeliveries are
//! checked, so a client that reuses an id (or guesses another's) for a new command loses
//! nothing. Ids a redundant peer journaled before running them are kept too, without answers,
//! and so are writes this instance handed to Finesse before it lost the lead: their outcome is
//! unknown here, so a redelivery is answered with a read of the agent's state instead.
//!
//! Bounded: at most `window` ids and `max_bytes` of answers (the oldest go first), and one
//! command's answers are kept only up to [`MAX_ENTRY_BYTES`].

use std::collections::{HashMap, VecDeque};

use gc_protocol::{Event, Format};

/// Answers of one command above this size are not kept (a large phonebook, say): its
/// redelivery is acked without them.
pub(crate) const MAX_ENTRY_BYTES: usize = 16 * 1024;

/// What is known of a command that ran.
#[derive(Clone, Debug, Default)]
pub(crate) struct Answered {
    /// The events that answered it, in order.
    pub(crate) events: Vec<Event>,
    bytes: usize,
    /// Its answers were too large to keep.
    pub(crate) truncated: bool,
    /// A redundant peer ran it (its answers are unknown here).
    pub(crate) elsewhere: bool,
}

/// The bounded cache.
#[derive(Debug)]
pub(crate) struct Answers {
    window: usize,
    max_bytes: usize,
    bytes: usize,
    entries: HashMap<String, Answered>,
    order: VecDeque<String>,
}

impl Answers {
    pub(crate) fn new(window: usize, max_bytes: usize) -> Self {
        Self {
            window,
            max_bytes,
            bytes: 0,
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// What is known of `id`.
    pub(crate) fn get(&self, id: &str) -> Option<&Answered> {
        self.entries.get(id)
    }

    /// Records that the command `id` runs here; its answers follow through [`Answers::add`].
    pub(crate) fn begin(&mut self, id: &str) {
        self.insert(id, Answered::default());
    }

    /// Records that a peer ran the command `id` (its outcome is unknown here).
    pub(crate) fn ran_elsewhere(&mut self, id: &str) {
        self.insert(
            id,
            Answered {
                elsewhere: true,
                ..Answered::default()
            },
        );
    }

    /// Records that the write `id` was handed to Finesse here but its outcome never came
    /// (leadership lost meanwhile): like a peer's, its redelivery must not run it again.
    pub(crate) fn outcome_unknown(&mut self, id: &str) {
        self.ran_elsewhere(id);
    }

    /// Adds an answer of the command `id`, if it is remembered.
    pub(crate) fn add(&mut self, id: &str, event: &Event) {
        let Some(entry) = self.entries.get_mut(id) else {
            return;
        };
        if entry.truncated {
            return;
        }
        let size = event.render(Format::Legacy).len();
        if entry.bytes + size > MAX_ENTRY_BYTES {
            self.bytes -= entry.bytes;
            entry.events = Vec::new();
            entry.bytes = 0;
            entry.truncated = true;
            return;
        }
        entry.events.push(event.clone());
        entry.bytes += size;
        self.bytes += size;
        self.evict();
    }

    /// Forgets `id`: the command did not run after all (dead-lettered, or put back for the
    /// leader), so its redelivery must run.
    pub(crate) fn forget(&mut self, id: &str) {
        if let Some(entry) = self.entries.remove(id) {
            self.bytes -= entry.bytes;
        }
    }

    /// Ids remembered (for tests and metrics).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    fn insert(&mut self, id: &str, entry: Answered) {
        if self.window == 0 {
            return;
        }
        if let Some(old) = self.entries.insert(id.to_owned(), entry) {
            self.bytes -= old.bytes;
        } else {
            self.order.push_back(id.to_owned());
        }
        self.evict();
    }

    fn evict(&mut self) {
        while self.order.len() > self.window || self.bytes > self.max_bytes {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            self.forget(&old);
        }
    }
}

#[cfg(test)]
mod tests {
    use gc_protocol::{AgentId, ErrorCode};

    use super::*;

    fn error() -> Event {
        Event::Error {
            agent: AgentId::parse("1001").ok(),
            code: ErrorCode::PleaseRetry,
        }
    }

    #[test]
    fn answers_are_kept_per_id_and_forgotten_on_request() {
        let mut answers = Answers::new(10, 1 << 20);
        answers.begin("m-1");
        answers.add("m-1", &error());
        answers.add("unknown", &error());
        assert_eq!(answers.get("m-1").map(|a| a.events.len()), Some(1));
        assert!(answers.get("unknown").is_none());
        answers.forget("m-1");
        assert!(answers.get("m-1").is_none());
        assert_eq!(answers.bytes, 0);
    }

    #[test]
    fn the_oldest_ids_go_first_when_the_window_or_the_bytes_are_full() {
        let mut answers = Answers::new(3, 1 << 20);
        for i in 0..5 {
            answers.begin(&format!("m-{i}"));
        }
        assert_eq!(answers.len(), 3);
        assert!(answers.get("m-1").is_none() && answers.get("m-2").is_some());

        let size = error().render(Format::Legacy).len();
        let mut answers = Answers::new(100, 2 * size);
        for i in 0..3 {
            answers.begin(&format!("m-{i}"));
            answers.add(&format!("m-{i}"), &error());
        }
        assert!(answers.get("m-0").is_none());
        assert!(answers.bytes <= 2 * size);
    }

    #[test]
    fn one_large_answer_is_not_kept() {
        let mut answers = Answers::new(10, 1 << 20);
        answers.begin("big");
        for _ in 0..=(MAX_ENTRY_BYTES / error().render(Format::Legacy).len()) {
            answers.add("big", &error());
        }
        let entry = answers.get("big").cloned().unwrap_or_default();
        assert!(entry.truncated && entry.events.is_empty());
        assert_eq!(answers.bytes, 0);
    }
}
