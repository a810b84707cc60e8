//! The supervisor task: runs a session, notices when it dies, reconnects with capped backoff
//! and starts everything again (topology, sync consumer, leadership, command consumer).
//!
//! lapin's automatic recovery is deliberately not used. Its default schedule overshoots
//! restarts by tens of seconds, it would replay the exclusive leader-lock declare on its own
//! (turning a lost lock into a failed recovery), and it is young code (lapin #450). A session
//! that dies is thrown away whole; tokens from it become no-ops.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::consumer::{self, ConsumerHandle};
use crate::message::{event_properties, sync_properties};
use crate::outbox::LogLimiter;
use crate::publisher::{Outcome, Route, publish_confirmed};
use crate::reconnect::reconnect_delays;
use crate::session::{ConnectionEvents, Session, watch_connection};
use crate::{
    BrokerConfig, BrokerError, BrokerEvent, BrokerStats, OutgoingMessage, Target, leadership,
};

/// How often the supervisor checks that the connection and channels are still open.
const HEALTH_INTERVAL: Duration = Duration::from_millis(500);
/// How long the tasks of a lost session get to notice before they are aborted.
const TASK_GRACE: Duration = Duration::from_secs(2);

/// State shared by the [`Broker`](crate::Broker) handles and the supervisor task.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: BrokerConfig,
    /// `host:port/vhost` of the node of the current (or last) connection.
    pub(crate) endpoint: watch::Sender<String>,
    /// The live session, `None` while reconnecting. Publishers wait on it.
    pub(crate) current: watch::Sender<Option<Arc<Session>>>,
    pub(crate) events: mpsc::Sender<BrokerEvent>,
    /// Cancelled by `shutdown` (or when the last handle is dropped).
    pub(crate) shutdown: CancellationToken,
    /// Cancelled when the supervisor has finished.
    pub(crate) stopped: CancellationToken,
    /// Publishes, acks and dead-letters under way; shutdown waits for them.
    pub(crate) in_flight: TaskTracker,
    pub(crate) counters: Counters,
    /// The leadership last reported to the driver (`None`: nothing reported yet). An async
    /// mutex, held while the report is sent, so reports reach the driver in the order they
    /// were decided.
    leader: tokio::sync::Mutex<Option<bool>>,
    /// Mirror of `leader` for synchronous reads.
    is_leader: AtomicBool,
    /// "Returned as unroutable" is logged once per routing key per minute: a client that never
    /// binds its destination would otherwise fill the log.
    returned_logs: Mutex<LogLimiter>,
    /// Origin of the millisecond clock of the rate limits.
    origin: Instant,
}

/// Monotonic counters behind [`BrokerStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) connections: AtomicU64,
    pub(crate) returned: AtomicU64,
    pub(crate) dead_lettered: AtomicU64,
    pub(crate) stale_tokens: AtomicU64,
    pub(crate) dropped_events: AtomicU64,
}

impl Inner {
    /// `endpoint`: that of the first session's node.
    pub(crate) fn new(
        config: BrokerConfig,
        events: mpsc::Sender<BrokerEvent>,
        endpoint: String,
    ) -> Self {
        Self {
            endpoint: watch::Sender::new(endpoint),
            config,
            current: watch::Sender::new(None),
            events,
            shutdown: CancellationToken::new(),
            stopped: CancellationToken::new(),
            in_flight: TaskTracker::new(),
            counters: Counters::default(),
            leader: tokio::sync::Mutex::new(None),
            is_leader: AtomicBool::new(false),
            returned_logs: Mutex::new(LogLimiter::new(Duration::from_mins(1), 4096)),
            origin: Instant::now(),
        }
    }

    /// Milliseconds since this adapter started (the clock of rate limits and the outbox).
    pub(crate) fn millis(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether a live session is up right now.
    pub(crate) fn is_connected(&self) -> bool {
        self.current.borrow().as_ref().is_some_and(|s| s.is_alive())
    }

    /// Publishes one message with the properties its target calls for and waits for the
    /// confirm (and for a connection, within `publish_timeout`).
    pub(crate) async fn publish_message(
        &self,
        msg: &OutgoingMessage,
    ) -> Result<Outcome, BrokerError> {
        let route = Route::for_target(&msg.target, &self.config)?;
        let now = SystemTime::now();
        let properties = match msg.target {
            Target::Sync => {
                let ttl = self.config.sync_ttl.map(|ttl| ttl.as_millis());
                sync_properties(&self.config.instance_id, ttl, now)?
            }
            _ => with_group(
                event_properties(msg, &self.config.instance_id, now)?,
                self.config.group.as_deref(),
            ),
        };
        self.publish(&route, &msg.body, properties).await
    }

    pub(crate) fn stats(&self) -> BrokerStats {
        let c = &self.counters;
        BrokerStats {
            connections: c.connections.load(Ordering::Relaxed),
            returned: c.returned.load(Ordering::Relaxed),
            dead_lettered: c.dead_lettered.load(Ordering::Relaxed),
            stale_tokens: c.stale_tokens.load(Ordering::Relaxed),
            dropped_events: c.dropped_events.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn is_leader(&self) -> bool {
        self.is_leader.load(Ordering::Relaxed)
    }

    /// Sends an event, waiting for room (backpressure on the consumers).
    pub(crate) async fn emit(&self, event: BrokerEvent) {
        if self.events.send(event).await.is_err() {
            tracing::debug!("event receiver dropped");
        }
    }

    /// Sends an event without waiting: for paths the driver itself may be blocked on.
    pub(crate) fn emit_now(&self, event: BrokerEvent) {
        if self.events.try_send(event).is_err() {
            self.counters.dropped_events.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Reports a leadership change decided on `session`; repeats of the last reported value
    /// are swallowed. A gain decided on a session that has died since is dropped: the
    /// supervisor has already reported (or is about to report) the loss.
    pub(crate) async fn report_leadership(&self, leader: bool, session: &Session) {
        let mut last = self.leader.lock().await;
        if (leader && !session.is_alive()) || *last == Some(leader) {
            return;
        }
        *last = Some(leader);
        self.is_leader.store(leader, Ordering::Relaxed);
        tracing::info!(leader, instance = %self.config.instance_id, "leadership changed");
        self.emit(BrokerEvent::Leadership(leader)).await;
    }

    /// Releases leadership at shutdown, without waiting for room in the event channel: the
    /// driver may itself be waiting in `shutdown`.
    async fn release_leadership(&self) {
        let mut last = self.leader.lock().await;
        if *last == Some(true) {
            *last = Some(false);
            self.is_leader.store(false, Ordering::Relaxed);
            tracing::info!(instance = %self.config.instance_id, "leadership released");
            self.emit_now(BrokerEvent::Leadership(false));
        }
    }

    /// The live session, waiting for one until `deadline`.
    pub(crate) async fn session(&self, deadline: Instant) -> Result<Arc<Session>, BrokerError> {
        let mut rx = self.current.subscribe();
        loop {
            if self.stopped.is_cancelled() {
                return Err(BrokerError::ShuttingDown);
            }
            if let Some(session) = rx.borrow_and_update().clone()
                && session.is_alive()
            {
                return Ok(session);
            }
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return Err(BrokerError::ShuttingDown);
                    }
                }
                () = tokio::time::sleep_until(deadline) => return Err(BrokerError::NotConnected),
                () = self.stopped.cancelled() => return Err(BrokerError::ShuttingDown),
            }
        }
    }

    /// Publishes on the live session (waiting for one) and waits for the confirm. A returned
    /// (unroutable) message is counted and reported, and is not an error.
    pub(crate) async fn publish(
        &self,
        route: &Route,
        body: &[u8],
        properties: lapin::BasicProperties,
    ) -> Result<Outcome, BrokerError> {
        if self.shutdown.is_cancelled() {
            return Err(BrokerError::ShuttingDown);
        }
        let _in_flight = self.in_flight.token();
        let timeout = self.config.publish_timeout;
        let deadline = Instant::now() + timeout;
        let session = self.session(deadline).await?;
        let result =
            publish_confirmed(&session.publish, route, body, properties, deadline, timeout).await;
        self.settle(&session, route, result)
    }

    /// Counts and reports a return; notices a channel the failure killed.
    pub(crate) fn settle(
        &self,
        session: &Session,
        route: &Route,
        result: Result<Outcome, BrokerError>,
    ) -> Result<Outcome, BrokerError> {
        match &result {
            Ok(Outcome::Returned {
                reply_code,
                reply_text,
            }) => {
                self.counters.returned.fetch_add(1, Ordering::Relaxed);
                let allowed = self
                    .returned_logs
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .allow("returned", route.routing_key.as_str(), self.millis());
                if let Some(suppressed) = allowed {
                    tracing::info!(
                        exchange = %route.exchange,
                        routing_key = %route.routing_key,
                        reply_code,
                        %reply_text,
                        suppressed,
                        "message returned as unroutable (logged once a minute per routing key)"
                    );
                }
                self.emit_now(BrokerEvent::Returned {
                    exchange: route.exchange.to_string(),
                    routing_key: route.routing_key.to_string(),
                });
            }
            Ok(Outcome::Routed) => {}
            Err(err) => {
                tracing::warn!(
                    exchange = %route.exchange,
                    routing_key = %route.routing_key,
                    error = %err,
                    "publish failed"
                );
                if !session.healthy() {
                    session.fail(err.to_string());
                }
            }
        }
        result
    }
}

/// Adds header `gc-group` (the connector group, e.g. one per Finesse cluster) to an event's
/// properties, so integrations reading the shared events exchange can tell groups apart.
fn with_group(properties: lapin::BasicProperties, group: Option<&str>) -> lapin::BasicProperties {
    let Some(group) = group else {
        return properties;
    };
    let mut headers = properties.headers().clone().unwrap_or_default();
    headers.insert(
        "gc-group".into(),
        lapin::types::AMQPValue::LongString(group.into()),
    );
    properties.with_headers(headers)
}

/// Why a session ended.
enum End {
    Lost(String),
    Shutdown,
}

/// Connects to the first node that answers, trying each configured node once in order.
/// Returns at once on an error that another node would repeat (configuration, topology).
pub(crate) async fn first_session(
    config: &BrokerConfig,
) -> Result<(Session, ConnectionEvents), BrokerError> {
    let mut last = None;
    for node in 0..config.node_count() {
        match Session::open(config, 1, node).await {
            Ok(opened) => return Ok(opened),
            Err(err) if err.is_transient() && node + 1 < config.node_count() => {
                tracing::warn!(
                    endpoint = %config.endpoint_of(node),
                    error = %err,
                    "cannot connect to this node; trying the next"
                );
                last = Some(err);
            }
            Err(err) => return Err(err),
        }
    }
    Err(last.unwrap_or(BrokerError::NotConnected))
}

/// The supervisor: runs `first`, then reconnects forever until shutdown. Every reconnect
/// attempt goes to the next configured node (round robin), so a node that died is left at
/// once and the connection lands on any node that answers.
pub(crate) async fn run(inner: Arc<Inner>, first: (Session, ConnectionEvents)) {
    let _stopped = inner.stopped.clone().drop_guard();
    let delays = || reconnect_delays(inner.config.backoff_min, inner.config.backoff_max);
    let mut backoff = delays();
    let mut node = first.0.node;
    let mut next = Some(first);
    let mut epoch = 1;
    let mut failures = 0u32;
    loop {
        if let Some((session, events)) = next.take() {
            failures = 0;
            node = session.node;
            let started = Instant::now();
            match run_session(&inner, Arc::new(session), events).await {
                End::Shutdown => return,
                End::Lost(reason) => inner.emit(BrokerEvent::Disconnected { reason }).await,
            }
            // Start the schedule over only after a connection that stayed up a while, so a
            // broker that accepts and then drops connections is not hammered every backoff_min.
            if started.elapsed() >= inner.config.backoff_max {
                backoff = delays();
            }
        }
        let delay = backoff.next().unwrap_or(inner.config.backoff_max);
        tracing::debug!(?delay, "reconnecting after");
        tokio::select! {
            () = inner.shutdown.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
        epoch += 1;
        node = (node + 1) % inner.config.node_count();
        match Session::open(&inner.config, epoch, node).await {
            Ok(opened) => next = Some(opened),
            Err(err) => {
                failures = failures.saturating_add(1);
                let endpoint = inner.config.endpoint_of(node);
                tracing::warn!(%endpoint, error = %err, failures, "reconnect failed");
            }
        }
    }
}

/// Runs one session to its end and tears it down.
async fn run_session(inner: &Arc<Inner>, session: Arc<Session>, events: ConnectionEvents) -> End {
    inner.counters.connections.fetch_add(1, Ordering::Relaxed);
    inner.endpoint.send_replace(session.endpoint.clone());
    tracing::info!(
        endpoint = %session.endpoint,
        node = session.node + 1,
        nodes = inner.config.node_count(),
        epoch = session.epoch,
        instance = %inner.config.instance_id,
        "connected; topology declared"
    );
    inner.current.send_replace(Some(session.clone()));
    inner.emit(BrokerEvent::Connected).await;

    let watcher = tokio::spawn(watch_connection(session.clone(), events));
    let mut consumers: Vec<ConsumerHandle> = Vec::new();
    let mut leader_task = None;
    match consumer::start_sync(inner, &session).await {
        Ok(handle) => consumers.push(handle),
        Err(err) => session.fail(format!("cannot consume ConnectorSync: {err}")),
    }
    match &inner.config.leader_lock_queue {
        Some(lock) => {
            let task = leadership::run(inner.clone(), session.clone(), lock.clone());
            leader_task = Some(tokio::spawn(task));
        }
        None => match consumer::start_commands(inner, &session).await {
            Ok(handle) => consumers.push(handle),
            Err(err) => session.fail(format!("cannot consume commands: {err}")),
        },
    }

    let end = loop {
        tokio::select! {
            () = session.lost() => break End::Lost(session.reason()),
            () = inner.shutdown.cancelled() => break End::Shutdown,
            () = tokio::time::sleep(HEALTH_INTERVAL) => {
                if !session.healthy() {
                    session.fail("connection or channel closed");
                }
            }
        }
    };

    match &end {
        End::Lost(reason) => {
            inner.current.send_replace(None);
            tracing::warn!(endpoint = %session.endpoint, epoch = session.epoch, %reason, "connection lost");
            // Immediately, before any reconnect attempt: the broker has already dropped our
            // lock (or will at heartbeat timeout), so a peer may be leader now.
            if inner.config.leader_lock_queue.is_some() {
                inner.report_leadership(false, &session).await;
            }
        }
        End::Shutdown => {
            // Stop taking work; keep the connection for what is in flight; then close.
            session.begin_stopping();
            for handle in consumers.drain(..) {
                handle.stop(&session.consume).await;
            }
            if let Some(task) = leader_task.as_mut()
                && timeout(TASK_GRACE, &mut *task).await.is_err()
            {
                // Stuck reporting to a driver that no longer reads: dropping it also frees
                // the leadership lock taken below.
                tracing::debug!("leadership task slow to stop; aborting it");
                task.abort();
            }
            inner.release_leadership().await;
            inner.in_flight.close();
            if timeout(inner.config.shutdown_grace, inner.in_flight.wait())
                .await
                .is_err()
            {
                tracing::warn!("shutdown grace elapsed with publishes still in flight");
            }
            inner.current.send_replace(None);
            session.fail("shutdown");
        }
    }
    for mut task in [Some(watcher), leader_task].into_iter().flatten() {
        if !task.is_finished() && timeout(TASK_GRACE, &mut task).await.is_err() {
            task.abort();
        }
    }
    drop(consumers);
    session.close().await;
    if matches!(end, End::Shutdown) {
        inner.emit_now(BrokerEvent::Disconnected {
            reason: "shutdown".to_owned(),
        });
        tracing::info!(endpoint = %session.endpoint, "broker adapter stopped");
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_header_is_added_only_with_a_group() {
        let header = |p: &lapin::BasicProperties| {
            p.headers()
                .as_ref()
                .and_then(|h| h.inner().get("gc-group").cloned())
        };
        let plain = lapin::BasicProperties::default();
        assert_eq!(header(&with_group(plain.clone(), None)), None);
        assert_eq!(
            header(&with_group(plain, Some("fin-east"))),
            Some(lapin::types::AMQPValue::LongString("fin-east".into()))
        );
    }
}
