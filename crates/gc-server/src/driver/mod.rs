//! The driver: the one task that owns the engine. It turns broker deliveries, Finesse results,
//! session events, node events and timers into engine inputs, and carries out the effects the
//! engine returns. It decides nothing itself.

mod effects;
mod finesse_ops;
pub(crate) mod publisher;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gc_broker::{Broker, BrokerEvent, CommandDelivery};
use gc_core::finesse::{NodeStatus, SessionEvent as CoreSession};
use gc_core::{ClientRequest, DeliveryToken, Engine, Input, Now, TimerId};
use gc_finesse::{FinesseCluster, NodeEvent, SessionEvent, SessionEventKind, XmppSession};
use gc_protocol::{AgentCommand, AgentId, Command, Format};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::time::DelayQueue;

use crate::metrics::Metrics;
use crate::sync::PasswordPolicy;
use crate::translate;
use publisher::Batch;

/// Everything the driver needs, built by the application.
pub(crate) struct DriverParts {
    pub(crate) engine: Engine,
    pub broker: Broker,
    pub broker_events: mpsc::Receiver<BrokerEvent>,
    pub cluster: FinesseCluster,
    pub node_events: mpsc::Receiver<NodeEvent>,
    pub metrics: Arc<Metrics>,
    pub sync: Option<PasswordPolicy>,
    pub recording_url: Option<String>,
    /// Log every logged-in agent out when shutting down.
    pub logout_on_shutdown: bool,
}

/// The driver task's state.
pub(crate) struct Driver {
    engine: Engine,
    origin: Instant,
    broker: Broker,
    cluster: FinesseCluster,
    metrics: Arc<Metrics>,
    sync: Option<PasswordPolicy>,
    recording: Option<(reqwest::Client, String)>,
    sessions: HashMap<AgentId, XmppSession>,
    session_tx: mpsc::Sender<SessionEvent>,
    inputs_tx: mpsc::Sender<Input>,
    tokens: HashMap<u64, gc_broker::DeliveryToken>,
    next_token: u64,
    /// One lane per agent: its Finesse and recording requests run one after the other, so
    /// Finesse (and the recording controller) see them in the order the client sent them.
    lanes: HashMap<AgentId, mpsc::UnboundedSender<Job>>,
    timers: DelayQueue<TimerId>,
    timer_keys: HashMap<TimerId, tokio_util::time::delay_queue::Key>,
    publisher: mpsc::Sender<Batch>,
}

/// Runs the driver until `shutdown` is cancelled, then drains: stops taking commands,
/// lets the publisher finish confirms and acks, and closes every session.
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
    } = parts;
    let (session_tx, mut session_rx) = mpsc::channel(4096);
    let (inputs_tx, mut inputs_rx) = mpsc::channel(4096);
    let (publisher_tx, publisher_rx) = mpsc::channel(1024);
    let publisher = tokio::spawn(publisher::run(
        broker.clone(),
        publisher_rx,
        metrics.clone(),
    ));
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
        inputs_tx,
        tokens: HashMap::new(),
        next_token: 0,
        lanes: HashMap::new(),
        timers: DelayQueue::new(),
        timer_keys: HashMap::new(),
        publisher: publisher_tx,
    };
    let mut gauges = tokio::time::interval(Duration::from_millis(250));
    gauges.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            _ = gauges.tick() => driver.refresh_gauges(),
            Some(input) = inputs_rx.recv() => driver.step(input).await,
            Some(event) = session_rx.recv() => driver.on_session_event(event).await,
            Some(event) = node_events.recv() => driver.on_node_event(event).await,
            Some(expired) = futures::StreamExt::next(&mut driver.timers) => {
                let timer = expired.into_inner();
                driver.timer_keys.remove(&timer);
                driver.step(Input::Timer(timer)).await;
            }
            Some(event) = broker_events.recv() => driver.on_broker_event(event).await,
        }
    }
    tracing::info!("shutting down: no more commands; finishing work in flight");
    drop(broker_events);
    let drain_until = Instant::now() + grace;
    if logout_on_shutdown {
        let agents = driver.engine.licensed_agent_ids();
        tracing::info!(agents = agents.len(), "logging agents out before stopping");
        for (n, agent) in agents.into_iter().enumerate() {
            // A command of our own: no delivery to ack (its token is not a broker's).
            let token = DeliveryToken(u64::MAX - n as u64);
            let request = ClientRequest {
                command: Ok(Command::Agent(agent, AgentCommand::Logout)),
                reply_to: None,
                correlation_id: None,
                message_id: None,
                redelivered: false,
                format: None,
                token,
            };
            driver.step(Input::Client(request)).await;
        }
    }
    // Finesse requests already under way still produce their replies and events; logouts
    // complete when Finesse confirms them.
    loop {
        let busy = !driver.tokens.is_empty()
            || (logout_on_shutdown && driver.engine.licensed_agents() > 0);
        if !busy {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep_until(drain_until) => {
                tracing::warn!("shutdown grace period over with work still in flight");
                break;
            }
            Some(input) = inputs_rx.recv() => driver.step(input).await,
            Some(event) = session_rx.recv() => driver.on_session_event(event).await,
        }
    }
    let Driver {
        sessions,
        publisher: publisher_tx,
        broker,
        ..
    } = driver;
    for (_, session) in sessions {
        session.close().await;
    }
    drop(publisher_tx);
    if tokio::time::timeout(grace, publisher).await.is_err() {
        tracing::warn!("publisher did not finish within the grace period");
    }
    broker.shutdown().await;
}

/// A request to run on an agent's lane.
type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

impl Driver {
    /// Runs `job` after every job queued before it for `agent`.
    fn run_in_lane(&mut self, agent: &AgentId, job: Job) {
        let lane = self.lanes.entry(agent.clone()).or_insert_with(|| {
            let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
            tokio::spawn(async move {
                while let Some(job) = rx.recv().await {
                    job.await;
                }
            });
            tx
        });
        // The worker only stops when the sender is dropped, which happens with the driver.
        let _ = lane.send(job);
    }

    fn now(&self) -> Now {
        let mono_ms = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Now { mono_ms, unix_ms }
    }

    /// Feeds one input to the engine and carries out its effects.
    pub(crate) async fn step(&mut self, input: Input) {
        let now = self.now();
        let effects = self.engine.handle(now, input);
        let batch = self.apply(effects).await;
        if !batch.is_empty() && self.publisher.send(batch).await.is_err() {
            tracing::error!("the publisher has stopped; events are lost");
        }
    }

    /// Updates the gauges read from the engine. Called on a 250 ms tick rather than after every
    /// input: counting licensed agents walks every agent, too much work to repeat on each of
    /// thousands of inputs a second.
    fn refresh_gauges(&self) {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.metrics
            .agents_logged_in
            .set(count(self.engine.licensed_agents()));
        self.metrics
            .destinations
            .set(count(self.engine.destination_count()));
        self.metrics.leader.set(i64::from(self.engine.is_leader()));
    }

    async fn on_broker_event(&mut self, event: BrokerEvent) {
        match event {
            BrokerEvent::Command(delivery) => {
                let input = self.client_request(delivery);
                self.step(input).await;
            }
            BrokerEvent::Sync { body, from } => {
                let text = String::from_utf8_lossy(&body);
                match self.sync.as_ref().and_then(|policy| policy.decode(&text)) {
                    Some(sync) => self.step(Input::Peer(sync)).await,
                    None => tracing::debug!(?from, "ConnectorSync message ignored"),
                }
            }
            BrokerEvent::Connected => {
                tracing::info!(broker = %self.broker.endpoint(), "connected to the broker");
                self.metrics.broker_connected.set(1);
            }
            BrokerEvent::Disconnected { reason } => {
                tracing::warn!(%reason, "broker connection lost; reconnecting");
                self.metrics.broker_connected.set(0);
            }
            BrokerEvent::Leadership(leader) => {
                tracing::info!(leader, "leadership changed");
                if self.sync.is_some() {
                    self.step(Input::Leadership(leader)).await;
                }
            }
            BrokerEvent::Returned {
                exchange,
                routing_key,
            } => {
                tracing::debug!(%exchange, %routing_key, "event not routed: no client queue bound");
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
            redelivered,
            token,
        } = delivery;
        let command = Command::parse(jms_type.as_deref(), &body);
        tracing::debug!(jms_type = ?jms_type, ok = command.is_ok(), redelivered, "command received");
        let name = match &command {
            Ok(c) => c.name().as_str(),
            Err(_) => "invalid",
        };
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
        self.tokens.insert(id, token);
        Input::Client(ClientRequest {
            command,
            reply_to,
            correlation_id: correlation_id.or_else(|| message_id.clone()),
            message_id,
            redelivered,
            format: format.as_deref().and_then(Format::from_name),
            token: DeliveryToken(id),
        })
    }

    async fn on_session_event(&mut self, event: SessionEvent) {
        let SessionEvent { agent, kind } = event;
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
                None
            }
            SessionEventKind::Notification(notification) => {
                for n in translate::notification(&notification) {
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
