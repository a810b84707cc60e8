//! The driver: the one task that owns the engine. It turns broker deliveries, Finesse results,
//! session events, node events and timers into engine inputs, and carries out the effects the
//! engine returns. It decides nothing itself.

mod effects;
mod lanes;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gc_broker::outbox::OutboxLimits;
use gc_broker::{Broker, BrokerEvent, CommandDelivery, Outbox};
use gc_core::finesse::{NodeStatus, SessionEvent as CoreSession};
use gc_core::{ClientRequest, DeliveryToken, Effect, Engine, Input, Now, PeerSync, TimerId};
use gc_finesse::{FinesseCluster, NodeEvent, SessionEvent, SessionEventKind, XmppSession};
use gc_protocol::{AgentId, Command, Format};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::time::DelayQueue;

use crate::metrics::{CapLabels, Metrics, ReasonLabels};
use crate::sync::SyncCodec;
use crate::translate;
use lanes::Lanes;

/// Everything the driver needs, built by the application.
pub(crate) struct DriverParts {
    pub(crate) engine: Engine,
    pub broker: Broker,
    pub broker_events: mpsc::Receiver<BrokerEvent>,
    pub cluster: FinesseCluster,
    pub node_events: mpsc::Receiver<NodeEvent>,
    pub metrics: Arc<Metrics>,
    pub sync: Option<SyncCodec>,
    pub recording_url: Option<String>,
    /// Log every logged-in agent out when shutting down.
    pub logout_on_shutdown: bool,
    /// `GET /agents` asking who holds a licence.
    pub agent_queries: mpsc::Receiver<crate::http::AgentQuery>,
    /// `instance.group`: named in every JSON event this instance publishes.
    pub group: Option<String>,
}

/// The driver task's state.
pub(crate) struct Driver {
    engine: Engine,
    origin: Instant,
    broker: Broker,
    cluster: FinesseCluster,
    metrics: Arc<Metrics>,
    sync: Option<SyncCodec>,
    recording: Option<(reqwest::Client, String)>,
    sessions: HashMap<AgentId, XmppSession>,
    session_tx: mpsc::Sender<SessionEvent>,
    /// Deliveries not settled yet, by the engine's token; `true` when the message's body
    /// carries a password (a dead-letter copy keeps it redacted).
    tokens: HashMap<u64, (gc_broker::DeliveryToken, bool)>,
    next_token: u64,
    /// One lane per agent: its Finesse and recording requests run one after the other, so
    /// Finesse (and the recording controller) see them in the order the client sent them. The
    /// driver polls them itself; their results are its inputs.
    lanes: Lanes,
    timers: DelayQueue<TimerId>,
    timer_keys: HashMap<TimerId, tokio_util::time::delay_queue::Key>,
    outbox: Outbox,
    /// `instance.group`, added to every JSON event as it is rendered.
    group: Option<String>,
}

/// Runs the driver until `shutdown` is cancelled, then drains within `grace`: stops taking
/// commands, finishes work in flight, lets the outbox confirm and settle, closes every session
/// and the broker connection. Whatever Finesse and the broker do, it returns by the end of
/// `grace` (plus the broker's own close, bounded to a second), saying what it abandoned.
pub(crate) async fn run(parts: DriverParts, shutdown: CancellationToken, grace: Duration) {
    let DriverParts {
        engine,
        broker,
        mut broker_events,
        cluster,
        mut node_events,
        metrics,
        sync,
        recording_url,
        logout_on_shutdown,
        mut agent_queries,
        group,
    } = parts;
    let (session_tx, mut session_rx) = mpsc::channel(4096);
    let outbox = Outbox::start(&broker, outbox_limits(), 1024);
    let recording = recording_url.map(|url| (reqwest::Client::new(), url));
    let mut driver = Driver {
        engine,
        origin: Instant::now(),
        broker,
        cluster,
        metrics,
        sync,
        recording,
        sessions: HashMap::new(),
        session_tx,
        tokens: HashMap::new(),
        next_token: 0,
        lanes: Lanes::default(),
        timers: DelayQueue::new(),
        timer_keys: HashMap::new(),
        outbox,
        group,
    };
    let mut gauges = tokio::time::interval(Duration::from_millis(250));
    gauges.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            _ = gauges.tick() => driver.refresh_gauges(),
            input = driver.lanes.next() => driver.step(input).await,
            Some(event) = session_rx.recv() => driver.on_session_event(event).await,
            Some(event) = node_events.recv() => driver.on_node_event(event).await,
            Some(expired) = futures::StreamExt::next(&mut driver.timers) => {
                let timer = expired.into_inner();
                driver.timer_keys.remove(&timer);
                driver.step(Input::Timer(timer)).await;
            }
            Some(event) = broker_events.recv() => driver.on_broker_event(event).await,
            Some(query) = agent_queries.recv() => {
                let ids = driver.engine.licensed_agent_ids();
                let _ = query.send(ids.iter().map(|a| a.as_str().to_owned()).collect());
            }
        }
    }
    let deadline = Instant::now() + grace;
    // The end of the grace period is kept for closing: the outbox's last confirms and acks,
    // the sessions, the broker connection.
    let closing = (grace / 4).min(Duration::from_secs(1));
    let drain_until = deadline - closing;
    tracing::info!(
        ?grace,
        "shutting down: no more commands; finishing work in flight"
    );
    drop(broker_events);
    if logout_on_shutdown {
        tracing::info!(
            agents = driver.engine.licensed_agents(),
            "logging agents out before stopping"
        );
    }
    let _ = tokio::time::timeout_at(
        drain_until,
        driver.step(Input::Shutdown {
            logout_agents: logout_on_shutdown,
        }),
    )
    .await;
    // Finesse requests already under way still produce their replies and events; logouts
    // complete when Finesse confirms them. Every request ends by its deadline (the request
    // timeout), so this ends too, and in any case at the grace deadline.
    loop {
        let busy = !driver.tokens.is_empty()
            || (logout_on_shutdown && driver.engine.licensed_agents() > 0);
        if !busy {
            break;
        }
        let stepped = tokio::time::timeout_at(drain_until, async {
            tokio::select! {
                input = driver.lanes.next() => driver.step(input).await,
                Some(event) = session_rx.recv() => driver.on_session_event(event).await,
            }
        })
        .await;
        if stepped.is_err() {
            break;
        }
    }
    driver.finish(deadline, closing).await;
}

/// The outbox's limits. `GCTEST_ACK_DELAY_MS` (outside the `GC_` configuration on purpose:
/// it is a fault-injection hook for the end-to-end tests, not a setting) delays every ack.
fn outbox_limits() -> OutboxLimits {
    let ack_delay = std::env::var("GCTEST_ACK_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis);
    if !ack_delay.is_zero() {
        tracing::warn!(
            ?ack_delay,
            "fault injection: every ack is delayed (GCTEST_ACK_DELAY_MS)"
        );
    }
    OutboxLimits {
        ack_delay,
        ..OutboxLimits::default()
    }
}

impl Driver {
    /// The last phase of shutdown: sessions closed together, the outbox drained, the broker
    /// closed; everything bounded by `deadline`, and what was left undone logged.
    async fn finish(self, deadline: Instant, closing: Duration) {
        let Self {
            sessions,
            outbox,
            broker,
            tokens,
            lanes,
            ..
        } = self;
        let unsettled = tokens.len();
        let open_sessions = sessions.len();
        // The outbox and the sessions first, side by side, in the first half of what is left;
        // the broker connection in the second.
        let halfway = deadline - closing / 2;
        let sessions = futures::future::join_all(sessions.into_values().map(XmppSession::close));
        let (sessions_closed, abandoned) = tokio::join!(
            async { tokio::time::timeout_at(halfway, sessions).await.is_ok() },
            outbox.close(halfway)
        );
        let requests = lanes.busy();
        drop(lanes);
        let broker_closed = tokio::time::timeout_at(deadline, broker.shutdown())
            .await
            .is_ok();
        if unsettled > 0
            || !sessions_closed
            || abandoned != gc_broker::outbox::runner::Abandoned::default()
            || requests > 0
            || !broker_closed
        {
            tracing::warn!(
                commands_unsettled = unsettled,
                events_unconfirmed = abandoned.publications,
                settlements_abandoned = abandoned.settlements,
                finesse_requests_abandoned = requests,
                sessions_open = open_sessions,
                sessions_closed,
                broker_closed,
                "shutdown grace over: abandoned what is listed (unsettled commands are \
                 redelivered by the broker)"
            );
        } else {
            tracing::info!("shutdown complete: nothing abandoned");
        }
    }

    fn now(&self) -> Now {
        let mono_ms = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Now { mono_ms, unix_ms }
    }

    /// The instant of an engine deadline (monotonic milliseconds since `origin`).
    fn instant(&self, at: gc_core::Deadline) -> Instant {
        self.origin + Duration::from_millis(at.0)
    }

    /// Feeds one input to the engine and carries out its effects.
    pub(crate) async fn step(&mut self, input: Input) {
        let now = self.now();
        let effects = self.engine.handle(now, input);
        let batch = self.apply(effects).await;
        if self.outbox.send(batch).await.is_err() {
            tracing::error!("the outbox has stopped; events are lost");
        }
    }

    /// Updates the gauges read from the engine and the adapters. Called
    /// on a 250 ms tick rather than after every input: counting licensed agents walks every
    /// agent, too much work to repeat on each of thousands of inputs a second.
    fn refresh_gauges(&mut self) {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let m = &self.metrics;
        m.agents_logged_in.set(count(self.engine.licensed_agents()));
        m.unlicensed_agents
            .set(count(self.engine.unlicensed_agents()));
        m.destinations.set(count(self.engine.destination_count()));
        m.remembered_commands
            .set(count(self.engine.remembered_commands()));
        m.leader.set(i64::from(self.engine.is_leader()));
        Metrics::catch_up(
            &m.refused,
            self.engine
                .refused()
                .iter()
                .map(|(cap, n)| (CapLabels { cap }, *n)),
        );
        Metrics::catch_up(
            &m.publish_failures,
            self.outbox
                .failures()
                .into_iter()
                .map(|(reason, n)| (ReasonLabels { reason }, n)),
        );
        m.finesse_lanes.set(count(self.lanes.len()));
    }

    async fn on_broker_event(&mut self, event: BrokerEvent) {
        match event {
            BrokerEvent::Command(delivery) => {
                let input = self.client_request(*delivery);
                self.step(input).await;
            }
            BrokerEvent::Sync { body, from } => {
                // Refusals are counted and warned about by the codec.
                let sync = self.sync.as_mut().and_then(|codec| {
                    codec.receive(from.as_deref(), &body, SystemTime::now(), &self.metrics)
                });
                if let Some(sync) = sync {
                    self.step(Input::Peer(sync)).await;
                }
            }
            BrokerEvent::Connected => {
                tracing::info!(broker = %self.broker.endpoint(), "connected to the broker");
                self.metrics.broker_connected.set(1);
                // A standby (re)joining the group asks the leader to share its whole state:
                // the changes shared before it started (or while it was cut off) never reached
                // it, and a mirror without them would log those agents out at the next
                // takeover. Found by gc-soak (kill -9 of the leader, then of the restarted one).
                if self.sync.is_some() && !self.engine.is_leader() {
                    let batch = self.apply(vec![Effect::Sync(PeerSync::Join)]).await;
                    if self.outbox.send(batch).await.is_err() {
                        tracing::error!("the outbox has stopped; events are lost");
                    }
                }
            }
            BrokerEvent::Disconnected { reason } => {
                tracing::warn!(%reason, "broker connection lost; reconnecting");
                self.metrics.broker_connected.set(0);
            }
            BrokerEvent::Leadership(leader) => {
                tracing::info!(leader, "leadership changed");
                self.step(Input::Leadership(leader)).await;
            }
            BrokerEvent::Returned { .. } => {
                // Logged (rate-limited) by the broker adapter.
                self.metrics.unroutable.inc();
            }
        }
    }

    /// A delivery as the engine's client request (the command parsed by gc-protocol).
    fn client_request(&mut self, delivery: CommandDelivery) -> Input {
        let CommandDelivery {
            jms_type,
            body,
            reply_to,
            correlation_id,
            message_id,
            format,
            destination,
            redelivered,
            token,
        } = delivery;
        let command = Command::parse(jms_type.as_deref(), &body);
        let sensitive = Command::carries_password(jms_type.as_deref(), &body);
        let reply_to = reply_to.filter(|address| {
            let usable = gc_protocol::valid_reply_to(address);
            if !usable {
                tracing::debug!("a reply_to that is not a usable routing key was ignored");
            }
            usable
        });
        let name = match &command {
            Ok(c) => c.name().as_str(),
            Err(_) => "invalid",
        };
        // The command's name only: a JMS type can carry text a client should not have put
        // there, and a body carries passwords.
        tracing::debug!(command = name, redelivered, "command received");
        self.metrics.command(
            name,
            if command.is_ok() {
                "accepted"
            } else {
                "rejected"
            },
        );
        self.next_token += 1;
        let id = self.next_token;
        self.tokens.insert(id, (token, sensitive));
        Input::Client(ClientRequest {
            command,
            reply_to,
            correlation_id: correlation_id.or_else(|| message_id.clone()),
            message_id,
            redelivered,
            format: format.as_deref().and_then(Format::from_name),
            destination: destination.and_then(|d| gc_protocol::DestinationName::parse(&d).ok()),
            token: DeliveryToken(id),
        })
    }

    async fn on_session_event(&mut self, event: SessionEvent) {
        let SessionEvent {
            agent,
            session,
            kind,
        } = event;
        // Only the session the driver holds for the agent speaks for it. One it replaced (the
        // engine reopened it with another password while it was opening) or closed may still
        // have a refusal or a close on the way: taken for the current one's, it would answer
        // the commands waiting for the new session with the old session's outcome.
        if self.sessions.get(&agent).map(XmppSession::id) != Some(session) {
            tracing::debug!(%agent, ?session, "event of a replaced session dropped");
            return;
        }
        let input = match kind {
            SessionEventKind::Connected { node, .. } => {
                self.cluster.report_xmpp(node, true);
                Some(CoreSession::Opened)
            }
            SessionEventKind::Disconnected {
                node,
                error,
                retry_in,
            } => {
                tracing::info!(%agent, %error, ?retry_in, "notification session lost; reconnecting");
                self.cluster.report_xmpp(node, false);
                Some(CoreSession::Interrupted)
            }
            SessionEventKind::FinessePresence { available } => {
                tracing::info!(%agent, available, "Finesse presence changed");
                Some(if available {
                    CoreSession::Opened
                } else {
                    CoreSession::Interrupted
                })
            }
            SessionEventKind::Notification(notification) => {
                for n in translate::notification(*notification) {
                    self.step(Input::Notification {
                        agent: agent.clone(),
                        notification: n,
                    })
                    .await;
                }
                None
            }
            SessionEventKind::Malformed { node, error } => {
                tracing::warn!(%agent, %node, %error, "unreadable notification skipped");
                None
            }
            SessionEventKind::SubscribeFailed { node, condition } => {
                tracing::warn!(%agent, %node, %condition, "team subscription refused");
                None
            }
            SessionEventKind::AuthFailed(error) => {
                self.sessions.remove(&agent);
                Some(CoreSession::Failed(translate::failure(&error)))
            }
            SessionEventKind::Closed => {
                self.sessions.remove(&agent);
                Some(CoreSession::Closed)
            }
            _ => None,
        };
        if let Some(event) = input {
            self.step(Input::Session { agent, event }).await;
        }
    }

    async fn on_node_event(&mut self, event: NodeEvent) {
        let (status, switched) = match event {
            NodeEvent::InService { .. } => (NodeStatus::InService, false),
            NodeEvent::OutOfService { .. } => (NodeStatus::OutOfService, false),
            NodeEvent::NotReachable { .. } | NodeEvent::Down => (NodeStatus::NotReachable, false),
            NodeEvent::Switched { .. } => (NodeStatus::InService, true),
        };
        tracing::info!(?event, "Finesse node status");
        self.metrics
            .finesse_in_service
            .set(i64::from(status == NodeStatus::InService));
        self.step(Input::Node { status, switched }).await;
    }
}
