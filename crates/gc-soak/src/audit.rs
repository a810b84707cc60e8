//! The simulator's request log, read continuously: invariant (b), no Finesse write executed
//! twice, and which node the connector talks to (the node a Finesse-node fault stops).
//!
//! The connector puts its `requestId` on every write (PUT/POST) and journals it before the
//! write, so a standby taking over after a crash answers a redelivered command without writing
//! again: two successful writes with one `requestId` are a write executed twice. The log is a
//! ring; the audit reads it every [`POLL`] and counts records it missed (a gap in sequence
//! numbers) so a too-small ring cannot hide duplicates silently.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use finesse_sim::control::{ControlClient, Event};

/// How often the log is read.
const POLL: Duration = Duration::from_secs(1);

/// What the audit saw so far.
#[derive(Debug, Default, Clone)]
pub(crate) struct Audit {
    /// Successful writes read.
    pub(crate) writes: u64,
    /// Writes whose `requestId` had already succeeded once.
    pub(crate) duplicates: u64,
    /// A few of them (`METHOD path requestId`), for the report.
    pub(crate) examples: Vec<String>,
    /// Writes that set an agent LOGOUT (the soak sends none: any is a failover's doing).
    pub(crate) logout_writes: u64,
    /// Records the ring dropped before they were read.
    pub(crate) missed: u64,
    /// The node of the latest request (`primary`/`secondary`).
    pub(crate) node: String,
    /// Reads that failed (simulator busy or gone).
    pub(crate) errors: u64,
    seen: HashMap<String, u32>,
    next: u64,
    pub(crate) tracing: bool,
    /// With `GC_SOAK_TRACE`: the last records per agent, for the trace of a view that differs.
    pub(crate) history: HashMap<String, std::collections::VecDeque<String>>,
}

/// Records kept per agent for the trace.
const HISTORY: usize = 10;

fn remember(
    history: &mut HashMap<String, std::collections::VecDeque<String>>,
    path: &str,
    line: String,
) {
    let Some(agent) = path
        .split("/User/")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?']).next())
    else {
        return;
    };
    let lines = history.entry(agent.to_owned()).or_default();
    if lines.len() >= HISTORY {
        lines.pop_front();
    }
    lines.push_back(line);
}

impl Audit {
    /// Takes in requests read from the log (oldest first).
    pub(crate) fn take(&mut self, records: impl IntoIterator<Item = Event>) {
        for record in records {
            let seq = record.seq();
            if self.next > 0 && seq > self.next {
                self.missed += seq - self.next;
            }
            self.next = seq + 1;
            if self.tracing {
                match &record {
                    Event::Request(r) => remember(
                        &mut self.history,
                        &r.path,
                        format!(
                            "{} {} REST {} {} {} -> {} {:?}",
                            r.time,
                            r.node,
                            r.method,
                            r.path,
                            r.body.replace('\n', ""),
                            r.status,
                            r.request_id
                        ),
                    ),
                    Event::Notification(n) => remember(
                        &mut self.history,
                        &n.node,
                        format!(
                            "{} XMPP {} {} requestId {:?} to {} session(s): {}",
                            n.time,
                            n.event,
                            n.node,
                            n.request_id,
                            n.recipients.len(),
                            n.payload
                                .split("<state>")
                                .nth(1)
                                .and_then(|x| x.split('<').next())
                                .unwrap_or("-")
                        ),
                    ),
                }
            }
            let Event::Request(r) = record else { continue };
            r.node.clone_into(&mut self.node);
            let write = r.method == "PUT" || r.method == "POST";
            if !write || !(200..300).contains(&r.status) {
                continue;
            }
            self.writes += 1;
            if r.body.contains("<state>LOGOUT</state>") {
                self.logout_writes += 1;
            }
            let Some(id) = r.request_id else { continue };
            let count = self.seen.entry(id.clone()).or_insert(0);
            *count += 1;
            if *count > 1 {
                self.duplicates += 1;
                if self.examples.len() < 5 {
                    self.examples
                        .push(format!("{} {} requestId {id}", r.method, r.path));
                }
            }
        }
    }
}

/// Shared audit state.
pub(crate) type Shared = Arc<Mutex<Audit>>;

/// Reads the log until `stop` is set; bounded by the caller's run.
pub(crate) fn spawn(control: ControlClient) -> (Shared, tokio::task::JoinHandle<()>) {
    let shared: Shared = Arc::new(Mutex::new(Audit {
        tracing: std::env::var_os("GC_SOAK_TRACE").is_some(),
        ..Audit::default()
    }));
    let audit = Arc::clone(&shared);
    let task = tokio::spawn(async move {
        let mut interval = tokio::time::interval(POLL);
        loop {
            interval.tick().await;
            let since = audit.lock().unwrap_or_else(PoisonError::into_inner).next;
            // Every record (requests and notifications share one sequence), so a gap means
            // the ring dropped records before they were read.
            let read = control.events(since.saturating_sub(1)).await;
            let mut audit = audit.lock().unwrap_or_else(PoisonError::into_inner);
            match read {
                Ok(reply) => audit.take(reply.events.into_iter().filter(|e| e.seq() >= since)),
                Err(_) => audit.errors += 1,
            }
        }
    });
    (shared, task)
}

/// A copy of the figures.
pub(crate) fn snapshot(shared: &Shared) -> Audit {
    let audit = shared.lock().unwrap_or_else(PoisonError::into_inner);
    Audit {
        seen: HashMap::new(),
        ..audit.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::Audit;
    use finesse_sim::control::{Event, RequestRecord};

    fn put(seq: u64, id: &str, status: u16) -> Event {
        Event::Request(RequestRecord {
            seq,
            time: String::new(),
            node: "primary".into(),
            method: "PUT".into(),
            path: "/finesse/api/User/10001".into(),
            user: Some("10001".into()),
            request_id: Some(id.into()),
            body: "<User><state>READY</state></User>".into(),
            status,
        })
    }

    #[test]
    fn a_request_id_written_twice_is_a_duplicate_and_gaps_are_counted() {
        let mut audit = Audit::default();
        audit.take(vec![put(1, "a", 202), put(2, "b", 202), put(3, "a", 400)]);
        assert_eq!(
            (audit.writes, audit.duplicates),
            (2, 0),
            "a refused write is not executed"
        );
        audit.take(vec![put(7, "a", 202)]);
        assert_eq!(audit.duplicates, 1);
        assert_eq!(audit.missed, 3, "records 4 to 6 were never read");
        assert_eq!(audit.examples.len(), 1);
    }
}
