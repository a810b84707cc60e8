//! What happened, for assertions: every REST request received and every notification
//! published, in order, with a sequence number so tests can ask for "everything since N".
//!
//! The log is a bounded ring (oldest records dropped) so a long load run cannot grow the
//! simulator without limit.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// A REST request as the simulator received it (the Authorization header is never kept; only
/// the authenticated user name is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// Position in the log.
    pub seq: u64,
    /// Finesse-style timestamp.
    pub time: String,
    /// `primary` or `secondary`.
    pub node: String,
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Basic-auth user name, if any.
    pub user: Option<String>,
    /// The `requestId` header, if any.
    pub request_id: Option<String>,
    /// The request body.
    pub body: String,
    /// The status answered.
    pub status: u16,
}

/// A notification published on a pubsub node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationRecord {
    /// Position in the log.
    pub seq: u64,
    /// Finesse-style timestamp.
    pub time: String,
    /// The pubsub node (`/finesse/api/User/1001`, …).
    pub node: String,
    /// `POST`, `PUT`, `DELETE` (or `put` for apiErrors).
    pub event: String,
    /// The `source` element.
    pub source: String,
    /// The `requestId` element.
    pub request_id: String,
    /// The whole `Update` document.
    pub payload: String,
    /// Full JIDs it was delivered to (empty when no session wanted it).
    pub recipients: Vec<String>,
}

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Event {
    /// A REST request.
    Request(RequestRecord),
    /// A published notification.
    Notification(NotificationRecord),
}

impl Event {
    /// The record's sequence number.
    pub fn seq(&self) -> u64 {
        match self {
            Self::Request(r) => r.seq,
            Self::Notification(n) => n.seq,
        }
    }
}

/// The bounded, shared log.
#[derive(Debug)]
pub(crate) struct EventLog {
    inner: Mutex<Inner>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    next_seq: u64,
    records: VecDeque<Event>,
}

impl EventLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                next_seq: 1,
                records: VecDeque::new(),
            }),
            capacity,
        }
    }

    fn push(&self, make: impl FnOnce(u64) -> Event) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let seq = inner.next_seq;
        inner.next_seq += 1;
        if self.capacity == 0 {
            return;
        }
        while inner.records.len() >= self.capacity {
            inner.records.pop_front();
        }
        inner.records.push_back(make(seq));
    }

    pub(crate) fn request(&self, mut record: RequestRecord) {
        self.push(|seq| {
            record.seq = seq;
            Event::Request(record)
        });
    }

    pub(crate) fn notification(&self, mut record: NotificationRecord) {
        self.push(|seq| {
            record.seq = seq;
            Event::Notification(record)
        });
    }

    /// Records with a sequence number greater than `since`.
    pub(crate) fn since(&self, since: u64) -> Vec<Event> {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner
            .records
            .iter()
            .filter(|e| e.seq() > since)
            .cloned()
            .collect()
    }

    /// The sequence number of the last record (0 when empty).
    pub(crate) fn last_seq(&self) -> u64 {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.next_seq - 1
    }

    pub(crate) fn clear(&self) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.records.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RequestRecord {
        RequestRecord {
            seq: 0,
            time: String::new(),
            node: "primary".to_owned(),
            method: "GET".to_owned(),
            path: path.to_owned(),
            user: None,
            request_id: None,
            body: String::new(),
            status: 200,
        }
    }

    #[test]
    fn the_log_is_bounded_and_numbered() {
        let log = EventLog::new(2);
        for p in ["/a", "/b", "/c"] {
            log.request(request(p));
        }
        let all = log.since(0);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].seq(), 2);
        assert_eq!(log.since(2).len(), 1);
        assert_eq!(log.last_seq(), 3);
    }
}
