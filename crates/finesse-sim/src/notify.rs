//! The pubsub side of the notification service: which XMPP session receives which node, and
//! the message envelope (finesse-api.md §6.3, §6.4).
//!
//! Auto-subscription is implicit: a user's sessions receive `/finesse/api/User/{id}` and
//! `/finesse/api/User/{id}/Dialogs` without asking, and SystemInfo from the node they are on.
//! Every other node (team users, queues) needs an explicit XEP-0060 subscription.
//!
//! Each session owns a bounded channel drained by its connection task; publishing renders the
//! escaped `Update` once and only formats the small envelope per recipient.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use crate::cluster::NodeId;
use crate::engine::Job;
use crate::eventlog::{EventLog, NotificationRecord};
use crate::state::Update;
use crate::xml::escape;

/// What a connection task is asked to write or do.
#[derive(Debug, Clone)]
pub(crate) enum Outgoing {
    Stanza(Arc<str>),
    /// Another session bound the same full JID: end this one with a conflict.
    Conflict,
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
        let clash: Vec<u64> = inner
            .sessions
            .iter()
            .filter(|(_, s)| s.jid == jid)
            .map(|(id, _)| *id)
            .collect();
        for old in clash {
            if let Some(s) = inner.sessions.get(&old) {
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
        for subs in inner.subscriptions.values_mut() {
            subs.remove(&id);
        }
        inner.subscriptions.retain(|_, subs| !subs.is_empty());
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
        subs.entry(id)
            .or_insert_with(|| uuid::Uuid::new_v4().simple().to_string())
            .clone()
    }

    /// XEP-0060 unsubscribe.
    pub(crate) fn unsubscribe(&self, id: u64, node: &str) -> Result<(), SubError> {
        let mut inner = self.lock();
        let removed = inner
            .subscriptions
            .get_mut(node)
            .and_then(|subs| subs.remove(&id))
            .is_some();
        inner.subscriptions.retain(|_, subs| !subs.is_empty());
        if removed {
            Ok(())
        } else {
            Err(SubError::NotSubscribed)
        }
    }

    /// Explicit subscriptions of a session (for the control API and tests).
    pub(crate) fn subscriptions_of(&self, id: u64) -> Vec<String> {
        let inner = self.lock();
        inner
            .subscriptions
            .iter()
            .filter(|(_, subs)| subs.contains_key(&id))
            .map(|(node, _)| node.clone())
            .collect()
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
        let item = escape(&payload).into_owned();
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
        let item = escape(&payload).into_owned();
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

    fn deliver(&self, s: &Session, node: &str, item: &str) -> bool {
        let stanza = format!(
            "<message from='{from}' to='{to}' id='{id}'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='{node}'><item id='{item_id}'>\
             <notification xmlns='http://jabber.org/protocol/pubsub'>{item}</notification>\
             </item></items></event></message>",
            from = self.pubsub_domain,
            to = escape(&s.jid),
            id = self.next_id.fetch_add(1, Ordering::Relaxed),
            node = escape(node),
            item_id = uuid::Uuid::new_v4(),
        );
        match s.tx.try_send(Outgoing::Stanza(stanza.into())) {
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
