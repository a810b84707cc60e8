//! One agent's notification session: a tokio task that keeps an XMPP connection to the active
//! node, hands typed notifications out, keeps the connection alive, re-subscribes explicit
//! nodes after every reconnect, and moves to the other node when the failover says so.
//!
//! The task holds at most one connection at a time, and closes the old one before opening a
//! new one, so an agent is never present on both nodes. Anything a server sends that cannot be
//! read ends only this connection (and is retried); other agents' sessions are separate tasks.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::BackoffBuilder as _;
use finesse_model::{Notification, ParseError, parse_message};
use gc_protocol::AgentId;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::framing::{Frame, Stanza};
use super::transport::{self, Connection};
use super::{ActiveEndpoint, XmppConfig, stanzas};
use crate::Error;
use crate::failover::NodeId;
use crate::rest::Credentials;

/// Which session of the process an event comes from. An agent's session may be replaced
/// (its password changed while it was opening) while the old one still has events on the
/// way; the owner compares this with [`XmppSession::id`] of the session it holds and drops
/// the events of one it no longer holds, so a late refusal or close of the old session is
/// never taken for the new one's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionId(u64);

impl SessionId {
    /// A process-wide unique id.
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Something that happened in an agent's session.
#[derive(Debug)]
pub struct SessionEvent {
    /// Whose session.
    pub agent: AgentId,
    /// Which session (see [`SessionId`]).
    pub session: SessionId,
    /// What happened.
    pub kind: SessionEventKind,
}

/// What happened in a session.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionEventKind {
    /// Connected, authenticated, bound, presence sent. After a reconnect the owner should GET
    /// the user and dialogs: events during the gap are not replayed.
    Connected {
        /// The node connected to.
        node: NodeId,
        /// Our full JID.
        jid: String,
    },
    /// The connection was lost; the session retries after `retry_in`.
    Disconnected {
        /// The node that was lost.
        node: NodeId,
        /// Why.
        error: Error,
        /// Delay before the next attempt.
        retry_in: Duration,
    },
    /// A decoded notification.
    Notification(Box<Notification>),
    /// A pubsub item that could not be decoded (logged and skipped; the session goes on).
    Malformed {
        /// The pubsub node it came from.
        node: String,
        /// Why it could not be read.
        error: ParseError,
    },
    /// An explicit subscription is active.
    Subscribed {
        /// The pubsub node.
        node: String,
    },
    /// The server refused an explicit subscription.
    SubscribeFailed {
        /// The pubsub node.
        node: String,
        /// The XMPP error condition.
        condition: String,
    },
    /// An explicit subscription was removed.
    Unsubscribed {
        /// The pubsub node.
        node: String,
    },
    /// Presence of the `finesse` system user changed: unavailable means the Finesse web app is
    /// down even though XMPP is up (finesse-api.md §7.2).
    FinessePresence {
        /// Whether it is available.
        available: bool,
    },
    /// SASL refused the credentials. Terminal: retrying would risk the five-strike lockout.
    AuthFailed(Error),
    /// The session ended (closed by its owner, or nobody listens to its events any more).
    Closed,
}

enum Command {
    Subscribe(String),
    Unsubscribe(String),
    Close(oneshot::Sender<()>),
}

/// Handle to one agent's session task. Dropping it closes the session (without waiting).
#[derive(Debug)]
pub struct XmppSession {
    id: SessionId,
    commands: mpsc::Sender<Command>,
    task: Option<JoinHandle<()>>,
}

impl XmppSession {
    /// Starts the session task. It connects to whatever `nodes` names (waiting while it names
    /// none), and reports on `events`.
    pub fn spawn(
        creds: Credentials,
        config: Arc<XmppConfig>,
        nodes: watch::Receiver<Option<ActiveEndpoint>>,
        events: mpsc::Sender<SessionEvent>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(config.command_capacity.max(1));
        let id = SessionId::next();
        let task = Task {
            id,
            resource: format!("{}{}", config.resource_prefix, creds.agent),
            creds,
            config,
            nodes,
            events,
            commands: rx,
            subscriptions: BTreeSet::new(),
        };
        Self {
            id,
            commands: tx,
            task: Some(tokio::spawn(task.run())),
        }
    }

    /// This session's id, the one its events carry.
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// Subscribes to a pubsub node (kept across reconnects). Answered by `Subscribed` or
    /// `SubscribeFailed`.
    pub async fn subscribe(&self, node: impl Into<String>) -> Result<(), Error> {
        self.commands
            .send(Command::Subscribe(node.into()))
            .await
            .map_err(|_| Error::Closed)
    }

    /// Removes an explicit subscription.
    pub async fn unsubscribe(&self, node: impl Into<String>) -> Result<(), Error> {
        self.commands
            .send(Command::Unsubscribe(node.into()))
            .await
            .map_err(|_| Error::Closed)
    }

    /// Closes cleanly: unsubscribes explicit nodes, sends unavailable presence, ends the
    /// stream, and waits for the task to finish.
    pub async fn close(mut self) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Close(tx)).await.is_ok() {
            let _ = rx.await;
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Whether the task has ended (closed, or authentication failed).
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for XmppSession {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The delay between reconnects once a caller-supplied schedule has run out.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// How one connection ended.
enum Outcome {
    /// Closed on request, or nobody listens: stop.
    Stop(Option<oneshot::Sender<()>>),
    /// Credentials refused: stop for good.
    AuthFailed(Error),
    /// The active node changed: reconnect at once.
    Switch,
    /// Lost: retry after a backoff. `connected` says whether this attempt got as far as
    /// presence (which resets the backoff).
    Lost { error: Error, connected: bool },
}

struct Task {
    id: SessionId,
    creds: Credentials,
    resource: String,
    config: Arc<XmppConfig>,
    nodes: watch::Receiver<Option<ActiveEndpoint>>,
    events: mpsc::Sender<SessionEvent>,
    commands: mpsc::Receiver<Command>,
    subscriptions: BTreeSet<String>,
}

impl Task {
    async fn run(mut self) {
        let mut delays = self.config.backoff.build();
        loop {
            let target = self.nodes.borrow_and_update().clone();
            let Some(target) = target else {
                // No node in service: wait for one (or for a command).
                match self.idle(None).await {
                    Some(ack) => return self.stop(ack).await,
                    None => continue,
                }
            };
            match self.connection(&target).await {
                Outcome::Stop(ack) => return self.stop(ack).await,
                Outcome::AuthFailed(error) => {
                    tracing::warn!(agent = %self.creds.agent, %error, "XMPP credentials refused; session stops");
                    self.emit(SessionEventKind::AuthFailed(error)).await;
                    return;
                }
                Outcome::Switch => delays = self.config.backoff.build(),
                Outcome::Lost { error, connected } => {
                    if connected {
                        delays = self.config.backoff.build();
                    }
                    // The schedule never ends (`without_max_times`); should a caller's builder
                    // end it, keep retrying at the largest delay rather than give up.
                    let retry_in = delays.next().unwrap_or(MAX_RETRY_DELAY);
                    tracing::debug!(agent = %self.creds.agent, %error, ?retry_in, "XMPP connection lost");
                    let node = target.node;
                    if !self
                        .emit(SessionEventKind::Disconnected {
                            node,
                            error,
                            retry_in,
                        })
                        .await
                    {
                        return;
                    }
                    if let Some(ack) = self.idle(Some(retry_in)).await {
                        return self.stop(ack).await;
                    }
                }
            }
        }
    }

    /// Waits for `delay` (or forever), a node change, or a command. Returns the close
    /// acknowledgement if the owner asked to close.
    async fn idle(&mut self, delay: Option<Duration>) -> Option<Option<oneshot::Sender<()>>> {
        let deadline = delay.map(|d| Instant::now() + d);
        loop {
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = sleep => return None,
                changed = self.nodes.changed() => {
                    if changed.is_err() {
                        return Some(None); // the failover owner is gone
                    }
                    return None;
                }
                command = self.commands.recv() => match command {
                    None => return Some(None),
                    Some(Command::Close(ack)) => return Some(Some(ack)),
                    Some(Command::Subscribe(node)) => { self.subscriptions.insert(node); }
                    Some(Command::Unsubscribe(node)) => { self.subscriptions.remove(&node); }
                },
            }
        }
    }

    async fn stop(&mut self, ack: Option<oneshot::Sender<()>>) {
        self.emit(SessionEventKind::Closed).await;
        if let Some(ack) = ack {
            let _ = ack.send(());
        }
    }

    /// Sends an event; false when nobody listens any more.
    async fn emit(&self, kind: SessionEventKind) -> bool {
        let event = SessionEvent {
            agent: self.creds.agent.clone(),
            session: self.id,
            kind,
        };
        self.events.send(event).await.is_ok()
    }

    async fn connection(&mut self, target: &ActiveEndpoint) -> Outcome {
        // Boxed: the handshake future (TLS, SASL) is large and only lives while connecting;
        // keeping it out of the task's own state keeps thousands of idle sessions small.
        let open = Box::pin(transport::open(
            &target.endpoint,
            &self.creds,
            &self.resource,
            &self.config.tls,
        ));
        let opened = tokio::time::timeout(self.config.connect_timeout, open).await;
        let mut conn = match opened {
            Ok(Ok(conn)) => conn,
            Ok(Err(error)) if error.is_auth_failure() => return Outcome::AuthFailed(error),
            Ok(Err(error)) => {
                return Outcome::Lost {
                    error,
                    connected: false,
                };
            }
            Err(_) => {
                let error = Error::NotReachable {
                    node: target.endpoint.address(),
                    attempts: 1,
                    reason: "XMPP session setup timed out".into(),
                };
                return Outcome::Lost {
                    error,
                    connected: false,
                };
            }
        };
        tracing::debug!(agent = %self.creds.agent, jid = %conn.jid, node = ?target.node, "XMPP session up");
        let connected = SessionEventKind::Connected {
            node: target.node,
            jid: conn.jid.clone(),
        };
        if !self.emit(connected).await {
            self.goodbye(&mut conn, target).await;
            return Outcome::Stop(None);
        }
        let mut live = Live {
            pending: HashMap::new(),
            next_id: 0,
        };
        let outcome = self.serve(&mut conn, target, &mut live).await;
        if matches!(outcome, Outcome::Stop(_) | Outcome::Switch) {
            self.goodbye(&mut conn, target).await;
        } else {
            conn.wire.shutdown().await;
        }
        outcome
    }

    async fn serve(
        &mut self,
        conn: &mut Connection,
        target: &ActiveEndpoint,
        live: &mut Live,
    ) -> Outcome {
        let lost = |error: Error| Outcome::Lost {
            error,
            connected: true,
        };
        for node in self.subscriptions.clone() {
            if let Err(error) = self.pubsub(conn, target, live, "subscribe", &node).await {
                return lost(error);
            }
        }
        // Keep-alive: the timer is not moved on every stanza (thousands of sessions, many
        // stanzas); when it fires, a session that heard from the server within the interval
        // only re-arms it, and only a quiet one sends a ping.
        let interval = self.config.ping_interval;
        let mut last_rx = Instant::now();
        let mut last_ping = last_rx;
        let keepalive = tokio::time::sleep_until(last_rx + interval);
        tokio::pin!(keepalive);
        loop {
            tokio::select! {
                frame = conn.wire.read_frame() => {
                    last_rx = Instant::now();
                    match frame {
                        Ok(Frame::Stanza(stanza)) => {
                            if let Err(outcome) = self.stanza(conn, live, &stanza).await {
                                return outcome;
                            }
                        }
                        Ok(Frame::StreamOpen { .. }) => {}
                        Ok(Frame::StreamClose) => return lost(Error::Xmpp("server closed the stream".into())),
                        Err(error) => return lost(error),
                    }
                }
                command = self.commands.recv() => match command {
                    None => return Outcome::Stop(None),
                    Some(Command::Close(ack)) => return Outcome::Stop(Some(ack)),
                    Some(Command::Subscribe(node)) => {
                        self.subscriptions.insert(node.clone());
                        if let Err(error) = self.pubsub(conn, target, live, "subscribe", &node).await {
                            return lost(error);
                        }
                    }
                    Some(Command::Unsubscribe(node)) => {
                        self.subscriptions.remove(&node);
                        if let Err(error) = self.pubsub(conn, target, live, "unsubscribe", &node).await {
                            return lost(error);
                        }
                    }
                },
                () = &mut keepalive => {
                    let now = Instant::now();
                    if now.duration_since(last_rx) >= self.config.idle_timeout {
                        return lost(Error::Xmpp("no traffic from the server; connection presumed dead".into()));
                    }
                    if now.duration_since(last_rx.max(last_ping)) >= interval {
                        live.next_id += 1;
                        let id = format!("ping-{}", live.next_id);
                        if let Err(error) = conn.wire.send(&stanzas::ping(&id, &target.endpoint.domain)).await {
                            return lost(error);
                        }
                        last_ping = now;
                    }
                    keepalive.as_mut().reset(last_rx.max(last_ping) + interval);
                }
                changed = self.nodes.changed() => {
                    if changed.is_err() {
                        return Outcome::Stop(None);
                    }
                    let now = self.nodes.borrow().clone();
                    if now.as_ref() != Some(target) {
                        return Outcome::Switch;
                    }
                }
            }
        }
    }

    /// Handles one stanza. `Err` ends the connection with that outcome.
    async fn stanza(
        &mut self,
        conn: &mut Connection,
        live: &mut Live,
        stanza: &Stanza,
    ) -> Result<(), Outcome> {
        let lost = |error: Error| Outcome::Lost {
            error,
            connected: true,
        };
        let malformed = |e: ParseError| lost(Error::Xmpp(format!("malformed stanza: {e}")));
        if stanza.is("message") {
            // Notifications are most of the traffic: decoded straight from the bytes.
            for item in parse_message(stanza.bytes()).map_err(malformed)? {
                let kind = match item.update {
                    Ok(update) => SessionEventKind::Notification(Box::new(Notification {
                        node: item.node,
                        item_id: item.item_id,
                        update,
                    })),
                    Err(error) => {
                        tracing::warn!(agent = %self.creds.agent, node = %item.node, %error, "unreadable notification skipped");
                        SessionEventKind::Malformed {
                            node: item.node,
                            error,
                        }
                    }
                };
                if !self.emit(kind).await {
                    return Err(Outcome::Stop(None));
                }
            }
            return Ok(());
        }
        let stanza = stanza.element().map_err(malformed)?;
        if stanza.is("iq") {
            if let Some(reply) = stanzas::iq_reply(&stanza) {
                conn.wire.send(&reply).await.map_err(lost)?;
            } else if let Some((verb, node)) =
                stanza.attr("id").and_then(|id| live.pending.remove(id))
            {
                let ok = stanza.attr("type") == Some("result");
                let kind = match (verb, ok) {
                    ("subscribe", true) => SessionEventKind::Subscribed { node },
                    ("subscribe", false) => SessionEventKind::SubscribeFailed {
                        node,
                        condition: stanzas::condition(&stanza),
                    },
                    _ => SessionEventKind::Unsubscribed { node },
                };
                if !self.emit(kind).await {
                    return Err(Outcome::Stop(None));
                }
            }
        } else if stanza.is("presence") {
            let from = stanza.attr("from").unwrap_or_default();
            if from
                .split(['@', '/'])
                .next()
                .is_some_and(|user| user.eq_ignore_ascii_case("finesse"))
                && from.contains('@')
            {
                let available = stanza.attr("type") != Some("unavailable");
                if !self
                    .emit(SessionEventKind::FinessePresence { available })
                    .await
                {
                    return Err(Outcome::Stop(None));
                }
            }
        } else if stanza.is("error") {
            return Err(lost(Error::Xmpp(format!(
                "stream error: {}",
                stanzas::condition(&stanza)
            ))));
        }
        Ok(())
    }

    async fn pubsub(
        &self,
        conn: &mut Connection,
        target: &ActiveEndpoint,
        live: &mut Live,
        verb: &'static str,
        node: &str,
    ) -> Result<(), Error> {
        live.next_id += 1;
        let id = format!("{verb}-{}", live.next_id);
        let text = stanzas::pubsub(&id, &target.endpoint.pubsub_domain, verb, node, &conn.jid);
        live.pending.insert(id, (verb, node.to_owned()));
        conn.wire.send(&text).await
    }

    /// Clean shutdown (§6.2 step 7): unsubscribe, unavailable presence, end of stream.
    async fn goodbye(&self, conn: &mut Connection, target: &ActiveEndpoint) {
        let mut live = Live {
            pending: HashMap::new(),
            next_id: 1000,
        };
        let farewell = async {
            for node in &self.subscriptions {
                self.pubsub(conn, target, &mut live, "unsubscribe", node)
                    .await?;
            }
            conn.wire.send(stanzas::unavailable_presence()).await?;
            conn.wire.send(stanzas::STREAM_END).await
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), farewell).await;
        conn.wire.shutdown().await;
    }
}

/// Per-connection bookkeeping: iq ids awaiting an answer.
struct Live {
    pending: HashMap<String, (&'static str, String)>,
    next_id: u64,
}
