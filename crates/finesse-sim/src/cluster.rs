//! The cluster: two nodes sharing one [`World`], each with its own REST and XMPP listeners,
//! plus the control API, which stays up while nodes stop and start.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::SimConfig;
use crate::control::{self, ControlClient};
use crate::engine::Engine;
use crate::error::SimError;
use crate::eventlog::EventLog;
use crate::net::{self, Connections};
use crate::notify::Hub;
use crate::rest::{self, NodeCtx};
use crate::state::World;
use crate::xmpp::{self, XmppCtx};

/// Side A or side B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeId {
    /// Side A (`primaryNode` in SystemInfo).
    Primary,
    /// Side B (`secondaryNode` in SystemInfo).
    Secondary,
}

impl NodeId {
    /// Both nodes.
    pub const ALL: [Self; 2] = [Self::Primary, Self::Secondary];

    /// 0 for the primary, 1 for the secondary.
    pub fn index(self) -> usize {
        match self {
            Self::Primary => 0,
            Self::Secondary => 1,
        }
    }

    /// `primary` or `secondary`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Secondary => "secondary",
        }
    }

    /// Parses `primary` / `secondary` (also `a` / `b`).
    pub fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "primary" | "a" => Some(Self::Primary),
            "secondary" | "b" => Some(Self::Secondary),
            _ => None,
        }
    }
}

/// Where a node listens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    /// REST listener.
    pub rest_addr: SocketAddr,
    /// XMPP listener.
    pub xmpp_addr: SocketAddr,
    /// `http(s)://addr:port` (append `/finesse/api/…`).
    pub base_url: String,
    /// The XMPP domain (JIDs are `<loginId>@<domain>/<resource>`).
    pub xmpp_domain: String,
    /// Whether the node is running (its ports accept connections).
    pub running: bool,
}

#[derive(Debug)]
struct NodeRuntime {
    rest_addr: SocketAddr,
    xmpp_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
    /// REST connections.
    conns: Arc<Connections>,
    /// XMPP connections, apart so they can be cut alone ([`Shared::drop_xmpp`]).
    xmpp_conns: Arc<Connections>,
    running: bool,
}

/// State shared by the cluster handle and the control API.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SimConfig,
    pub(crate) engine: Engine,
    pub(crate) log: Arc<EventLog>,
    rest_tls: Option<Arc<rustls::ServerConfig>>,
    xmpp_tls: Option<Arc<rustls::ServerConfig>>,
    nodes: [Mutex<NodeRuntime>; 2],
    lifecycle: tokio::sync::Mutex<()>,
}

/// A running simulator.
#[derive(Debug)]
pub struct Cluster {
    shared: Arc<Shared>,
    control_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

async fn bind(addr: SocketAddr, what: String) -> Result<TcpListener, SimError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { what, addr, source })
}

impl Cluster {
    /// Binds every listener and returns once all of them accept connections.
    pub async fn start(config: SimConfig) -> Result<Self, SimError> {
        config.validate()?;
        let directory = config.directory.load()?;
        let (rest_tls, xmpp_tls) = match &config.tls {
            Some(tls) => (
                tls.rest
                    .then(|| net::server_tls(tls, &[b"http/1.1"]))
                    .transpose()?,
                tls.xmpp.then(|| net::server_tls(tls, &[])).transpose()?,
            ),
            None => (None, None),
        };
        let log = Arc::new(EventLog::new(config.event_log_capacity));
        let (tx, rx) = mpsc::unbounded_channel();
        let hub = Arc::new(Hub::new(
            Arc::clone(&log),
            config.pubsub_domain(),
            config.require_presence,
            tx.clone(),
        ));
        let world = World::new(&config, directory);
        let (engine, engine_task) = Engine::start(world, hub, tx, rx);
        let unbound = |port| NodeRuntime {
            rest_addr: SocketAddr::new(config.bind_address, port),
            xmpp_addr: SocketAddr::new(config.bind_address, 0),
            tasks: Vec::new(),
            conns: Arc::new(Connections::default()),
            xmpp_conns: Arc::new(Connections::default()),
            running: false,
        };
        let mut primary = unbound(config.primary.rest_port);
        primary.xmpp_addr.set_port(config.primary.xmpp_port);
        let mut secondary = unbound(config.secondary.rest_port);
        secondary.xmpp_addr.set_port(config.secondary.xmpp_port);
        let shared = Arc::new(Shared {
            config: config.clone(),
            engine,
            log,
            rest_tls,
            xmpp_tls,
            nodes: [Mutex::new(primary), Mutex::new(secondary)],
            lifecycle: tokio::sync::Mutex::new(()),
        });
        let mut tasks = vec![engine_task];
        let control_addr = SocketAddr::new(config.bind_address, config.control_port);
        let listener = bind(control_addr, "control".to_owned()).await?;
        let control_addr = listener.local_addr()?;
        let app = control::router(Arc::clone(&shared));
        tasks.push(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "control API stopped");
            }
        }));
        let cluster = Self {
            shared,
            control_addr,
            tasks,
        };
        for node in NodeId::ALL {
            if node == NodeId::Primary || config.secondary.enabled {
                cluster.shared.start_node(node).await?;
            }
        }
        Ok(cluster)
    }

    /// Where a node listens (its addresses stay the same across stop and start).
    pub fn node(&self, id: NodeId) -> NodeInfo {
        self.shared.node_info(id)
    }

    /// Base URL of the JSON control API (`http://addr:port`).
    pub fn control_url(&self) -> String {
        format!("http://{}", self.control_addr)
    }

    /// A client for the control API.
    pub fn control(&self) -> Result<ControlClient, SimError> {
        ControlClient::new(self.control_url())
    }

    /// The configuration the cluster runs with.
    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// Stops a node: its ports close and its connections are cut.
    pub async fn stop_node(&self, id: NodeId) {
        self.shared.stop_node(id).await;
    }

    /// Starts a stopped node on the same ports.
    pub async fn start_node(&self, id: NodeId) -> Result<(), SimError> {
        self.shared.start_node(id).await
    }

    /// Stops everything.
    pub async fn shutdown(self) {
        for node in NodeId::ALL {
            self.shared.stop_node(node).await;
        }
        for task in self.tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Shared {
    fn runtime(&self, id: NodeId) -> std::sync::MutexGuard<'_, NodeRuntime> {
        self.nodes[id.index()]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn node_info(&self, id: NodeId) -> NodeInfo {
        let rt = self.runtime(id);
        let scheme = if self.rest_tls.is_some() {
            "https"
        } else {
            "http"
        };
        NodeInfo {
            rest_addr: rt.rest_addr,
            xmpp_addr: rt.xmpp_addr,
            base_url: format!("{scheme}://{}", rt.rest_addr),
            xmpp_domain: self.config.xmpp_domain.clone(),
            running: rt.running,
        }
    }

    pub(crate) async fn start_node(&self, id: NodeId) -> Result<(), SimError> {
        let _guard = self.lifecycle.lock().await;
        let (rest_addr, xmpp_addr, conns) = {
            let rt = self.runtime(id);
            if rt.running {
                return Ok(());
            }
            (
                rt.rest_addr,
                rt.xmpp_addr,
                (Arc::clone(&rt.conns), Arc::clone(&rt.xmpp_conns)),
            )
        };
        let (conns, xmpp_conns) = conns;
        let rest_listener = bind(rest_addr, format!("{} REST", id.name())).await?;
        let xmpp_listener = bind(xmpp_addr, format!("{} XMPP", id.name())).await?;
        let rest_addr = rest_listener.local_addr()?;
        let xmpp_addr = xmpp_listener.local_addr()?;
        let ctx = NodeCtx {
            node: id,
            engine: self.engine.clone(),
            log: Arc::clone(&self.log),
        };
        let (listener, accept_task) =
            net::http_listener(rest_listener, self.rest_tls.clone(), Arc::clone(&conns))?;
        let app = rest::router(ctx);
        let serve_task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "REST server stopped");
            }
        });
        let xmpp_ctx = Arc::new(XmppCtx {
            node: id,
            engine: self.engine.clone(),
            domain: self.config.xmpp_domain.clone(),
            pubsub: self.config.pubsub_domain(),
            tls: self.xmpp_tls.clone(),
            require_tls: self.config.tls.as_ref().is_some_and(|t| t.xmpp_require_tls),
            max_stanza: self.config.max_stanza_bytes,
        });
        let xmpp_task = tokio::spawn(xmpp::accept_loop(xmpp_listener, xmpp_ctx, xmpp_conns));
        {
            let mut rt = self.runtime(id);
            rt.rest_addr = rest_addr;
            rt.xmpp_addr = xmpp_addr;
            rt.tasks = vec![accept_task, serve_task, xmpp_task];
            rt.running = true;
        }
        {
            let mut world = self.engine.lock();
            let view = &mut world.nodes[id.index()];
            view.running = true;
            view.rest_port = rest_addr.port();
            view.xmpp_port = xmpp_addr.port();
            let in_service = view.in_service;
            self.engine.hub().set_in_service(id, in_service);
        }
        tracing::info!(node = id.name(), %rest_addr, %xmpp_addr, "node started");
        Ok(())
    }

    pub(crate) async fn stop_node(&self, id: NodeId) {
        let _guard = self.lifecycle.lock().await;
        let (tasks, conns) = {
            let mut rt = self.runtime(id);
            if !rt.running {
                return;
            }
            rt.running = false;
            (
                std::mem::take(&mut rt.tasks),
                [Arc::clone(&rt.conns), Arc::clone(&rt.xmpp_conns)],
            )
        };
        for task in &tasks {
            task.abort();
        }
        for task in tasks {
            let _ = task.await;
        }
        for set in conns {
            set.cut_all();
        }
        self.engine.lock().nodes[id.index()].running = false;
        tracing::info!(node = id.name(), "node stopped");
    }

    /// Cuts every XMPP connection of a node (it keeps listening, REST is untouched): what a
    /// Finesse notification service restart looks like to its clients. Returns how many were
    /// cut.
    pub(crate) fn drop_xmpp(&self, id: NodeId) -> usize {
        let conns = Arc::clone(&self.runtime(id).xmpp_conns);
        let cut = conns.cut_all();
        tracing::info!(node = id.name(), cut, "XMPP connections dropped");
        cut
    }

    /// IN_SERVICE / OUT_OF_SERVICE: SystemInfo is published, REST answers 503 while out.
    pub(crate) async fn set_node_status(
        &self,
        id: NodeId,
        in_service: bool,
    ) -> Result<(), SimError> {
        self.engine.hub().set_in_service(id, in_service);
        self.engine
            .call(move |world, _, out| world.set_node_status(id, in_service, out))
            .await
    }
}
