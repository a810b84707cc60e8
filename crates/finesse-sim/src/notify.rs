//! The pubsub side of the notification service: which XMPP session receives which node, and
//! the message envelope (finesse-api.md §6.3, §6.4).
//!
//! Auto-subscription is implicit: a user's sessions receive `/finesse/api/User/{id}` and
//! `/finesse/api/User/{id}/Dialogs` without asking, and SystemInfo from the node they are on.
//! Every other node (team users, queues) needs an explicit XEP-0060 subscription.
//!
//! Each session owns a bounded channel drained by its connection task; publishing renders the
//! escaped `Update` once, shares it between the recipients and only formats the small envelope
//! per recipient (a SystemInfo to 12,000 sessions queues 12,000 envelopes, not 12,000 copies).
//! Every lookup is by key (session id, user, node): registering, removing and publishing cost
//! the same with 12,000 sessions as with ten.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use crate::cluster::NodeId;
use crate::engine::Job;
use crate::eventlog::{EventLog, NotificationRecord};
use crate::state::Update;
use crate::xml::escape;

/// What a connection task is asked to write or do (pointer-sized: queues hold many).
#[derive(Debug, Clone)]
pub(crate) enum Outgoing {
    Notification(Box<Notification>),
    /// Another session bound the same full JID: end this one with a conflict.
    Conflict,
}

/// A pubsub event message: this recipient's envelope around the shared escaped `Update`.
#[derive(Debug, Clone)]
pub(crate) struct Notification {
    head: String,
    item: Arc<str>,
}

impl Notification {
    const TAIL: &str = "</notification></item></items></event></message>";

    /// The whole `<message>` stanza.
    pub(crate) fn stanza(&self) -> String {
        let mut out = String::with_capacity(self.head.len() + self.item.len() + Self::TAIL.len());
        out.push_str(&self.head);
        out.push_str(&self.item);
        out.push_str(Self::TAIL);
        out
    }
}

/// Capacity of each session's queue; a client that falls this far behind loses notifications.
const QUEUE: usize = 1024;

#[derive(Debug)]
struct Session {
    user: String,
    jid: String,
    node: NodeId,
    tx: mpsc::Sender<Outgoing>,
    available: bool,
    /// The nodes this session subscribed to explicitly (so that removing it touches only them).
    subscribed: Vec<String>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<u64, Session>,
    by_user: HashMap<String, Vec<u64>>,
    subscriptions: HashMap<String, BTreeMap<u64, String>>,
}

/// Why a subscribe / unsubscribe was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubError {
    NotSubscribed,
}

/// Sessions, subscriptions and delivery.
#[derive(Debug)]
pub(crate) struct Hub {
    inner: Mutex<Inner>,
    next_id: AtomicU64,
    log: Arc<EventLog>,
    pubsub_domain: String,
    require_presence: bool,
    in_service: [AtomicBool; 2],
    engine: mpsc::UnboundedSender<Job>,
}

impl Hub {
    pub(crate) fn new(
        log: Arc<EventLog>,
        pubsub_domain: String,
        require_presence: bool,
        engine: mpsc::UnboundedSender<Job>,
    ) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            next_id: AtomicU64::new(1),
            log,
            pubsub_domain,
            require_presence,
            in_service: [AtomicBool::new(true), AtomicBool::new(true)],
            engine,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn set_in_service(&self, node: NodeId, in_service: bool) {
        self.in_service[node.index()].store(in_service, Ordering::SeqCst);
    }

    /// Registers a bound session; returns its id and the receiving end of its queue.
    pub(crate) fn register(
        &self,
        user: &str,
        jid: &str,
        node: NodeId,
    ) -> (u64, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.lock();
        // Only the user's own sessions can have the same full JID.
        let user_sessions = inner.by_user.get(user).map_or(&[][..], Vec::as_slice);
        for s in user_sessions.iter().filter_map(|id| inner.sessions.get(id)) {
            if s.jid == jid {
                let _ = s.tx.try_send(Outgoing::Conflict);
            }
        }
        inner.sessions.insert(
            id,
            Session {
                user: user.to_owned(),
                jid: jid.to_owned(),
                node,
                tx,
                available: false,
                subscribed: Vec::new(),
            },
        );
        inner.by_user.entry(user.to_owned()).or_default().push(id);
        (id, rx)
    }

    fn available_count(inner: &Inner, user: &str) -> u32 {
        let ids = inner.by_user.get(user).map_or(&[][..], Vec::as_slice);
        let n = ids
            .iter()
            .filter(|id| inner.sessions.get(id).is_some_and(|s| s.available))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Initial presence (available) or unavailable presence.
    pub(crate) fn set_available(&self, id: u64, available: bool) {
        let mut inner = self.lock();
        let Some(session) = inner.sessions.get_mut(&id) else {
            return;
        };
        if session.available == available {
            return;
        }
        session.available = available;
        let user = session.user.clone();
        let count = Self::available_count(&inner, &user);
        let _ = self.engine.send(Job::Presence {
            user,
            sessions: count,
        });
    }

    /// The connection ended: the session and its subscriptions go away.
    pub(crate) fn remove(&self, id: u64) {
        let mut inner = self.lock();
        let Some(session) = inner.sessions.remove(&id) else {
            return;
        };
        if let Some(ids) = inner.by_user.get_mut(&session.user) {
            ids.retain(|s| *s != id);
            if ids.is_empty() {
                inner.by_user.remove(&session.user);
            }
        }
        for node in &session.subscribed {
            if let Some(subs) = inner.subscriptions.get_mut(node) {
                subs.remove(&id);
                if subs.is_empty() {
                    inner.subscriptions.remove(node);
                }
            }
        }
        if session.available {
            let count = Self::available_count(&inner, &session.user);
            let _ = self.engine.send(Job::Presence {
                user: session.user,
                sessions: count,
            });
        }
    }

    /// XEP-0060 subscribe; returns the subscription id (the same one if already subscribed).
    pub(crate) fn subscribe(&self, id: u64, node: &str) -> String {
        let mut inner = self.lock();
        let subs = inner.subscriptions.entry(node.to_owned()).or_default();
        let mut added = false;
        let subid = subs
            .entry(id)
            .or_insert_with(|| {
                added = true;
                uuid::Uuid::new_v4().simple().to_string()
            })
            .clone();
        if added && let Some(session) = inner.sessions.get_mut(&id) {
            session.subscribed.push(node.to_owned());
        }
        subid
    }

    /// XEP-0060 unsubscribe.
    pub(crate) fn unsubscribe(&self, id: u64, node: &str) -> Result<(), SubError> {
        let mut inner = self.lock();
        let Some(subs) = inner.subscriptions.get_mut(node) else {
            return Err(SubError::NotSubscribed);
        };
        let removed = subs.remove(&id).is_some();
        if subs.is_empty() {
            inner.subscriptions.remove(node);
        }
        if let Some(session) = inner.sessions.get_mut(&id) {
            session.subscribed.retain(|n| n != node);
        }
        if removed {
            Ok(())
        } else {
            Err(SubError::NotSubscribed)
        }
    }

    /// Explicit subscriptions of a session (for the control API and tests).
    pub(crate) fn subscriptions_of(&self, id: u64) -> Vec<String> {
        self.lock()
            .sessions
            .get(&id)
            .map_or_else(Vec::new, |s| s.subscribed.clone())
    }

    /// Number of bound sessions (for the control API).
    pub(crate) fn session_count(&self) -> usize {
        self.lock().sessions.len()
    }

    /// The user whose own nodes these are (`/finesse/api/User/{id}[/Dialogs]`).
    fn owner(node: &str) -> Option<&str> {
        let rest = node.strip_prefix("/finesse/api/User/")?;
        match rest.split_once('/') {
            None => Some(rest),
            Some((user, "Dialogs")) => Some(user),
            Some(_) => None,
        }
    }

    /// Publishes an update on a node to every session that receives it.
    pub(crate) fn publish(&self, node: &str, update: &Update) {
        let payload = update.to_xml();
        let item: Arc<str> = escape(&payload).into();
        let mut recipients = Vec::new();
        {
            let inner = self.lock();
            let mut targets: Vec<u64> = Vec::new();
            if let Some(user) = Self::owner(node)
                && let Some(ids) = inner.by_user.get(user)
            {
                targets.extend(ids);
            }
            if let Some(subs) = inner.subscriptions.get(node) {
                targets.extend(
                    subs.keys()
                        .filter(|id| !targets.contains(id))
                        .collect::<Vec<_>>(),
                );
            }
            for id in targets {
                let Some(s) = inner.sessions.get(&id) else {
                    continue;
                };
                if (self.require_presence && !s.available)
                    || !self.in_service[s.node.index()].load(Ordering::SeqCst)
                {
                    continue;
                }
                if self.deliver(s, node, &item) {
                    recipients.push(s.jid.clone());
                }
            }
        }
        self.record(node, update, payload, recipients);
    }

    /// SystemInfo goes to every session on that node, whatever its status.
    pub(crate) fn publish_system_info(&self, node: NodeId, update: &Update) {
        let payload = update.to_xml();
        let item: Arc<str> = escape(&payload).into();
        let mut recipients = Vec::new();
        {
            let inner = self.lock();
            for s in inner.sessions.values().filter(|s| s.node == node) {
                if self.require_presence && !s.available {
                    continue;
                }
                if self.deliver(s, "/finesse/api/SystemInfo", &item) {
                    recipients.push(s.jid.clone());
                }
            }
        }
        self.record("/finesse/api/SystemInfo", update, payload, recipients);
    }

    fn deliver(&self, s: &Session, node: &str, item: &Arc<str>) -> bool {
        let head = format!(
            "<message from='{from}' to='{to}' id='{id}'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='{node}'><item id='{item_id}'>\
             <notification xmlns='http://jabber.org/protocol/pubsub'>",
            from = self.pubsub_domain,
            to = escape(&s.jid),
            id = self.next_id.fetch_add(1, Ordering::Relaxed),
            node = escape(node),
            item_id = uuid::Uuid::new_v4(),
        );
        let notification = Notification {
            head,
            item: Arc::clone(item),
        };
        match s
            .tx
            .try_send(Outgoing::Notification(Box::new(notification)))
        {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(jid = %s.jid, error = %e, "notification not delivered");
                false
            }
        }
    }

    fn record(&self, node: &str, update: &Update, payload: String, recipients: Vec<String>) {
        self.log.notification(NotificationRecord {
            seq: 0,
            time: crate::render::timestamp(time::OffsetDateTime::now_utc()),
            node: node.to_owned(),
            event: update.event.to_owned(),
            source: update.source.clone(),
            request_id: update.request_id.clone(),
            payload,
            recipients,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub() -> (Hub, mpsc::UnboundedReceiver<Job>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let log = Arc::new(EventLog::new(100));
        (
            Hub::new(log, "pubsub.finesse.local".to_owned(), false, tx),
            rx,
        )
    }

    const TEAM: &str = "/finesse/api/Team/1/Users";
    const QUEUE: &str = "/finesse/api/Queue/5031";

    #[test]
    fn subscriptions_follow_their_session() {
        let (hub, _jobs) = hub();
        let (agent, _rx_a) = hub.register("1001", "1001@finesse.local/a", NodeId::Primary);
        let (sup, _rx_s) = hub.register("2001", "2001@finesse.local/s", NodeId::Primary);
        let subid = hub.subscribe(sup, TEAM);
        assert_eq!(
            hub.subscribe(sup, TEAM),
            subid,
            "subscribing twice keeps the id"
        );
        hub.subscribe(sup, QUEUE);
        hub.subscribe(agent, QUEUE);
        assert_eq!(hub.subscriptions_of(sup), [TEAM, QUEUE]);
        assert_eq!(hub.unsubscribe(sup, QUEUE), Ok(()));
        assert_eq!(hub.unsubscribe(sup, QUEUE), Err(SubError::NotSubscribed));
        assert_eq!(hub.subscriptions_of(sup), [TEAM]);
        hub.remove(sup);
        assert!(hub.subscriptions_of(sup).is_empty());
        let inner = hub.lock();
        assert_eq!(
            inner.subscriptions.len(),
            1,
            "only the agent's queue is left"
        );
        assert!(inner.subscriptions[QUEUE].contains_key(&agent));
    }

    #[test]
    fn binding_the_same_full_jid_ends_the_older_session() {
        let (hub, _jobs) = hub();
        let (_, mut first) = hub.register("1001", "1001@finesse.local/x", NodeId::Primary);
        let (_, _other) = hub.register("1001", "1001@finesse.local/y", NodeId::Primary);
        assert!(first.try_recv().is_err(), "another resource is no conflict");
        let (_, _again) = hub.register("1001", "1001@finesse.local/x", NodeId::Secondary);
        assert!(matches!(first.try_recv(), Ok(Outgoing::Conflict)));
    }

    #[test]
    fn recipients_share_one_rendered_update() {
        let (hub, _jobs) = hub();
        let (_, mut a) = hub.register("1001", "1001@finesse.local/a", NodeId::Primary);
        let (_, mut b) = hub.register("1001", "1001@finesse.local/b", NodeId::Secondary);
        let (_, mut other) = hub.register("1002", "1002@finesse.local/a", NodeId::Primary);
        let update = Update {
            data: "<user><state>READY</state></user>".to_owned(),
            event: "PUT",
            request_id: "r1".to_owned(),
            source: "/finesse/api/User/1001".to_owned(),
        };
        hub.publish("/finesse/api/User/1001", &update);
        let (Ok(Outgoing::Notification(a)), Ok(Outgoing::Notification(b))) =
            (a.try_recv(), b.try_recv())
        else {
            panic!("both sessions of the user get the notification");
        };
        assert!(other.try_recv().is_err());
        assert!(Arc::ptr_eq(&a.item, &b.item));
        let stanza = a.stanza();
        assert!(
            stanza.starts_with("<message from='pubsub.finesse.local' to='1001@finesse.local/a'"),
            "{stanza}"
        );
        assert!(
            stanza.contains("&lt;state&gt;READY&lt;/state&gt;"),
            "{stanza}"
        );
        assert!(stanza.ends_with(Notification::TAIL), "{stanza}");
        assert!(b.stanza().contains("to='1001@finesse.local/b'"));
    }
}
