//! The IO shell around [`Failover`]: probes SystemInfo on the nodes, feeds REST and XMPP
//! failures in, publishes the active node to every session (a `watch`), and reports
//! [`NodeEvent`]s to the owner.
//!
//! This is the one handle the connector's driver holds: it gives the active node's
//! [`RestClient`] and opens agents' [`XmppSession`]s that follow the active node.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::Error;
use crate::failover::{Failover, Health, NodeEvent, NodeId};
use crate::rest::{Credentials, RestClient, RestConfig};
use crate::xmpp::{ActiveEndpoint, SessionEvent, XmppConfig, XmppEndpoint, XmppSession};

/// One Finesse node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// REST base URL (`https://fin-a.example:8445`).
    pub rest_url: String,
    /// Notification service.
    pub xmpp: XmppEndpoint,
}

/// Both nodes and the shared settings.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// Side A.
    pub primary: NodeConfig,
    /// Side B, if the cluster has one.
    pub secondary: Option<NodeConfig>,
    /// REST settings (timeouts, TLS).
    pub rest: RestConfig,
    /// XMPP settings shared by all sessions.
    pub xmpp: Arc<XmppConfig>,
    /// How often SystemInfo is polled while all is well (failures trigger extra probes).
    pub probe_interval: Duration,
    /// Credentials for SystemInfo, if the release requires them.
    pub probe_credentials: Option<Credentials>,
}

enum Report {
    Rest(NodeId, Health),
    Xmpp(NodeId, bool),
}

struct Inner {
    rest: [Option<RestClient>; 2],
    xmpp: Arc<XmppConfig>,
    active: watch::Receiver<Option<ActiveEndpoint>>,
    reports: mpsc::Sender<Report>,
    monitor: JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.monitor.abort();
    }
}

/// Handle to the Finesse cluster. Cheap to clone.
#[derive(Clone)]
pub struct FinesseCluster {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for FinesseCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FinesseCluster")
            .field("active", &self.active())
            .finish_non_exhaustive()
    }
}

fn index(node: NodeId) -> usize {
    match node {
        NodeId::Primary => 0,
        NodeId::Secondary => 1,
    }
}

impl FinesseCluster {
    /// Starts the health monitor (first probe at once) and reports node events on `events`.
    /// Must be called inside a tokio runtime.
    pub fn start(config: ClusterConfig, events: mpsc::Sender<NodeEvent>) -> Result<Self, Error> {
        let primary_rest = RestClient::new(&config.primary.rest_url, config.rest.clone())?;
        let secondary_rest = config
            .secondary
            .as_ref()
            .map(|s| primary_rest.with_base(&s.rest_url))
            .transpose()?;
        let rest = [Some(primary_rest), secondary_rest];
        let endpoints = [
            Some(Arc::new(config.primary.xmpp.clone())),
            config.secondary.as_ref().map(|s| Arc::new(s.xmpp.clone())),
        ];
        let start = ActiveEndpoint {
            node: NodeId::Primary,
            endpoint: Arc::new(config.primary.xmpp.clone()),
        };
        let (active_tx, active_rx) = watch::channel(Some(start));
        let (reports_tx, reports_rx) = mpsc::channel(1024);
        let monitor = Monitor {
            failover: Failover::new(NodeId::Primary, config.secondary.is_some()),
            rest: rest.clone(),
            endpoints,
            active: active_tx,
            events,
            reports: reports_rx,
            interval: config.probe_interval,
            credentials: config.probe_credentials.clone(),
        };
        let monitor = tokio::spawn(monitor.run());
        Ok(Self {
            inner: Arc::new(Inner {
                rest,
                xmpp: config.xmpp,
                active: active_rx,
                reports: reports_tx,
                monitor,
            }),
        })
    }

    /// The node agents use now; `None` while no node is usable.
    pub fn active(&self) -> Option<NodeId> {
        self.inner.active.borrow().as_ref().map(|a| a.node)
    }

    /// The active node's REST client, or [`Error::Down`] when no node is usable.
    pub fn rest(&self) -> Result<RestClient, Error> {
        self.active()
            .and_then(|node| self.rest_for(node))
            .ok_or(Error::Down)
    }

    /// A given node's REST client (`None` for a missing secondary).
    pub fn rest_for(&self, node: NodeId) -> Option<RestClient> {
        self.inner.rest[index(node)].clone()
    }

    /// Opens an agent's notification session on the active node; it follows the active node
    /// through failovers. Open it before sending LOGIN (finesse-api.md §0.6).
    pub fn open_session(
        &self,
        creds: Credentials,
        events: mpsc::Sender<SessionEvent>,
    ) -> XmppSession {
        XmppSession::spawn(
            creds,
            self.inner.xmpp.clone(),
            self.inner.active.clone(),
            events,
        )
    }

    /// Feeds a REST failure to the failover: errors that say the node is unreachable or out of
    /// service count as a bad observation of that node. Never blocks.
    pub fn report_error(&self, node: NodeId, error: &Error) {
        let health = match error {
            Error::ServiceUnavailable { .. } => Health::OutOfService,
            e if e.is_node_failure() => Health::NotReachable,
            _ => return,
        };
        let _ = self.inner.reports.try_send(Report::Rest(node, health));
    }

    /// Feeds a session's connection state (from [`crate::xmpp::SessionEventKind`]): a lost
    /// connection makes the monitor probe at once.
    pub fn report_xmpp(&self, node: NodeId, connected: bool) {
        let _ = self.inner.reports.try_send(Report::Xmpp(node, connected));
    }
}

struct Monitor {
    failover: Failover,
    rest: [Option<RestClient>; 2],
    endpoints: [Option<Arc<XmppEndpoint>>; 2],
    active: watch::Sender<Option<ActiveEndpoint>>,
    events: mpsc::Sender<NodeEvent>,
    reports: mpsc::Receiver<Report>,
    interval: Duration,
    credentials: Option<Credentials>,
}

impl Monitor {
    async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                report = self.reports.recv() => match report {
                    None => return,
                    Some(Report::Rest(node, health)) => {
                        if !self.apply(node, health).await {
                            return;
                        }
                    }
                    Some(Report::Xmpp(node, connected)) => {
                        self.failover.on_xmpp(node, connected);
                        if connected {
                            continue;
                        }
                    }
                },
            }
            for node in self.failover.probe_targets() {
                let health = self.probe(node).await;
                if let Some(health) = health
                    && !self.apply(node, health).await
                {
                    return;
                }
            }
        }
    }

    async fn probe(&self, node: NodeId) -> Option<Health> {
        let rest = self.rest[index(node)].as_ref()?;
        match rest.system_info(self.credentials.as_ref()).await {
            Ok(info) if info.is_in_service() => Some(Health::InService),
            Ok(_) | Err(Error::ServiceUnavailable { .. }) => Some(Health::OutOfService),
            Err(e) if e.is_auth_failure() => {
                tracing::warn!(?node, error = %e, "SystemInfo probe refused; configure probe credentials");
                None
            }
            Err(e) if e.is_transient() => Some(Health::NotReachable),
            Err(e) => {
                tracing::warn!(?node, error = %e, "SystemInfo probe failed");
                Some(Health::NotReachable)
            }
        }
    }

    /// Applies one observation; false when the owner stopped listening.
    async fn apply(&mut self, node: NodeId, health: Health) -> bool {
        let events = self.failover.observe(node, health);
        for event in events {
            match event {
                NodeEvent::Switched { to, .. } => self.publish(Some(to)),
                NodeEvent::Down => self.publish(None),
                NodeEvent::InService { node }
                    if node == self.failover.active() && self.active.borrow().is_none() =>
                {
                    self.publish(Some(node));
                }
                _ => {}
            }
            tracing::info!(?event, "Finesse node status");
            if self.events.send(event).await.is_err() {
                return false;
            }
        }
        true
    }

    fn publish(&self, node: Option<NodeId>) {
        let active = node.and_then(|n| {
            self.endpoints[index(n)]
                .clone()
                .map(|endpoint| ActiveEndpoint { node: n, endpoint })
        });
        self.active.send_replace(active);
    }
}
