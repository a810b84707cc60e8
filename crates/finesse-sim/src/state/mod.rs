//! The cluster state shared by both nodes: agents, dialogs, node status.
//!
//! `World` is plain synchronous data. Every operation takes `now` and appends `Effect`s
//! (notifications to publish, timers to arm) to an `Out`; the engine applies them. That keeps
//! the state machine free of IO and makes every transition reproducible.
//!
//! Layout: `model` (types), `user` (agent state machine, PUT User), `calls` (Dialog actions),
//! `outgoing` (MAKE_CALL, preview ACCEPT, outbound data),
//! `supervisor` (monitor, barge, participant drop), `external` (the control API's remote party:
//! offering calls, answering, hanging up), `lifecycle` (dialog sync, agent state derivation,
//! wrap-up, timers, presence).

mod calls;
mod external;
mod lifecycle;
pub(crate) mod model;
mod outgoing;
mod supervisor;
mod user;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use tokio::time::Instant;

pub(crate) use self::calls::{Action, DialogRequest};
pub use self::external::{InboundOffer, OutboundOffer, PreviewOffer};
use self::model::{Agent, AgentState, Dialog};
pub(crate) use self::user::{AuthFailure, UserRequest};
use crate::api_error::CtiError;
use crate::cluster::NodeId;
use crate::config::{Flavour, SimConfig, secs};
use crate::directory::{AgentRecord, Directory, IndexedDirectory};
use crate::render;
use crate::xml::XmlWriter;

/// The moment an operation happens: wall clock for Finesse timestamps, monotonic for timers.
#[derive(Debug, Clone)]
pub(crate) struct Now {
    pub(crate) wall: String,
    pub(crate) mono: Instant,
}

impl Now {
    pub(crate) fn current() -> Self {
        Self {
            wall: render::timestamp(time::OffsetDateTime::now_utc()),
            mono: Instant::now(),
        }
    }
}

/// A notification payload: the `Update` document (finesse-api.md §6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Update {
    pub(crate) data: String,
    pub(crate) event: &'static str,
    pub(crate) request_id: String,
    pub(crate) source: String,
}

impl Update {
    pub(crate) fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("Update").open("data").raw(&self.data).close("data");
        w.leaf("event", self.event)
            .leaf("requestId", &self.request_id)
            .leaf("source", &self.source)
            .close("Update");
        w.finish()
    }
}

/// Timers the state machine arms; the generation makes stale timers harmless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Timer {
    WrapUp { agent: String, generation: u64 },
    Grace { agent: String, generation: u64 },
}

/// What an operation asks the engine to do.
#[derive(Debug, Clone)]
pub(crate) enum Effect {
    /// Publish on a pubsub node.
    Publish { node: String, update: Update },
    /// Publish SystemInfo to the sessions of one cluster node.
    SystemInfo { node: NodeId, update: Update },
    /// Call back after a delay.
    Arm { after: Duration, timer: Timer },
}

/// Collected effects of one operation.
#[derive(Debug, Default)]
pub(crate) struct Out {
    pub(crate) effects: Vec<Effect>,
}

impl Out {
    pub(crate) fn publish(&mut self, node: String, update: Update) {
        self.effects.push(Effect::Publish { node, update });
    }
}

/// Status of one node as SystemInfo reports it.
#[derive(Debug, Clone)]
pub(crate) struct NodeView {
    pub(crate) host: String,
    pub(crate) rest_port: u16,
    pub(crate) xmpp_port: u16,
    pub(crate) enabled: bool,
    pub(crate) running: bool,
    pub(crate) in_service: bool,
}

/// Timing and policy taken from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) flavour: Flavour,
    pub(crate) xmpp_domain: String,
    pub(crate) grace: Duration,
    pub(crate) lockout_threshold: u32,
    pub(crate) lockout_duration: Duration,
    pub(crate) wrap_up_override: Option<Duration>,
}

/// The whole cluster state.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) settings: Settings,
    pub(crate) directory: IndexedDirectory,
    pub(crate) agents: HashMap<String, Agent>,
    /// Agents by the extension they are signed in on (`Agent::extension`), kept by
    /// [`World::set_extension`]: finding the agent on a device must not scan every agent.
    extensions: HashMap<String, Vec<String>>,
    pub(crate) dialogs: BTreeMap<u64, Dialog>,
    pub(crate) nodes: [NodeView; 2],
    next_dialog_id: u64,
}

impl World {
    pub(crate) fn new(config: &SimConfig, directory: Directory) -> Self {
        let node = |n: &crate::config::NodeConfig| NodeView {
            host: n.host.clone(),
            rest_port: n.rest_port,
            xmpp_port: n.xmpp_port,
            enabled: n.enabled,
            running: false,
            in_service: true,
        };
        let mut world = Self {
            settings: Settings {
                flavour: config.flavour,
                xmpp_domain: config.xmpp_domain.clone(),
                grace: config.grace_period(),
                lockout_threshold: config.lockout_threshold,
                lockout_duration: config.lockout_duration(),
                wrap_up_override: config.wrap_up_timer_secs.map(secs),
            },
            directory: IndexedDirectory::default(),
            agents: HashMap::new(),
            extensions: HashMap::new(),
            dialogs: BTreeMap::new(),
            nodes: [node(&config.primary), node(&config.secondary)],
            next_dialog_id: config.first_dialog_id,
        };
        world.load_directory(directory, &Now::current());
        world
    }

    /// Replaces the directory. Runtime state of users that still exist is kept; calls are not.
    pub(crate) fn load_directory(&mut self, directory: Directory, now: &Now) {
        let mut agents = HashMap::with_capacity(directory.agents.len());
        for record in &directory.agents {
            let agent = self
                .agents
                .remove(&record.login_id)
                .unwrap_or_else(|| Agent::new(&record.login_id, &now.wall));
            agents.insert(record.login_id.clone(), agent);
        }
        self.agents = agents;
        self.extensions.clear();
        for a in self.agents.values().filter(|a| !a.extension.is_empty()) {
            self.extensions
                .entry(a.extension.clone())
                .or_default()
                .push(a.id.clone());
        }
        self.dialogs.clear();
        self.directory = IndexedDirectory::from(directory);
    }

    pub(crate) fn ucce(&self) -> bool {
        self.settings.flavour == Flavour::Ucce
    }

    pub(crate) fn record(&self, agent: &str) -> Option<&AgentRecord> {
        self.directory.agent(agent)
    }

    /// The login id of the signed-in agent on this extension.
    pub(crate) fn agent_on_extension(&self, extension: &str) -> Option<String> {
        if extension.is_empty() {
            return None;
        }
        self.extensions
            .get(extension)?
            .iter()
            .filter_map(|id| self.agents.get(id))
            .find(|a| a.logged_in() && a.extension == extension)
            .map(|a| a.id.clone())
    }

    /// Sets (or, with `""`, clears) the extension an agent is signed in on.
    pub(crate) fn set_extension(&mut self, agent: &str, extension: &str) {
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        if a.extension == extension {
            return;
        }
        let old = std::mem::replace(&mut a.extension, extension.to_owned());
        if let Some(ids) = self.extensions.get_mut(&old) {
            ids.retain(|id| id != agent);
            if ids.is_empty() {
                self.extensions.remove(&old);
            }
        }
        if !extension.is_empty() {
            self.extensions
                .entry(extension.to_owned())
                .or_default()
                .push(agent.to_owned());
        }
    }

    pub(crate) fn next_dialog_id(&mut self) -> u64 {
        let id = self.next_dialog_id;
        self.next_dialog_id += 1;
        id
    }

    /// Whether `supervisor` supervises the team of `agent`.
    pub(crate) fn supervises(&self, supervisor: &str, agent: &str) -> bool {
        match (self.record(supervisor), self.record(agent)) {
            (Some(s), Some(a)) => s.is_supervisor() && s.supervised_teams.contains(&a.team_id),
            _ => false,
        }
    }

    // === notifications ===

    /// Publishes the user object on the user's node and the summary on the team feed.
    pub(crate) fn publish_user(&self, agent: &str, request_id: &str, out: &mut Out) {
        let Some(xml) = render::user(self, agent, "user") else {
            return;
        };
        let source = format!("/finesse/api/User/{agent}");
        out.publish(
            source.clone(),
            Update {
                data: xml,
                event: "PUT",
                request_id: request_id.to_owned(),
                source: source.clone(),
            },
        );
        if let (Some(record), Some(summary)) =
            (self.record(agent), render::team_user(self, agent, "user"))
        {
            out.publish(
                format!("/finesse/api/Team/{}/Users", record.team_id),
                Update {
                    data: summary,
                    event: "PUT",
                    request_id: String::new(),
                    source,
                },
            );
        }
    }

    /// An asynchronous error for a user operation (node and source: the user).
    pub(crate) fn publish_user_error(
        agent: &str,
        request_id: &str,
        error: &CtiError,
        out: &mut Out,
    ) {
        let source = format!("/finesse/api/User/{agent}");
        out.publish(
            source.clone(),
            Update {
                data: error.to_xml(),
                event: "put",
                request_id: request_id.to_owned(),
                source,
            },
        );
    }

    /// An asynchronous error for a call-control operation (node: the user's Dialogs).
    pub(crate) fn publish_dialog_error(
        agent: &str,
        source: String,
        request_id: &str,
        error: &CtiError,
        out: &mut Out,
    ) {
        out.publish(
            format!("/finesse/api/User/{agent}/Dialogs"),
            Update {
                data: error.to_xml(),
                event: "put",
                request_id: request_id.to_owned(),
                source,
            },
        );
    }

    /// Moves an agent to a state and publishes the change.
    pub(crate) fn set_state(
        &mut self,
        agent: &str,
        state: AgentState,
        reason: Option<model::Reason>,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        if a.state != state || a.reason != reason {
            a.state_change_time.clone_from(&now.wall);
        }
        a.state = state;
        a.reason = reason;
        if state == AgentState::Logout {
            a.mobile = None;
            a.pending = None;
            a.pending_reason = None;
            a.call_base = None;
            self.set_extension(agent, "");
        }
        self.publish_user(agent, request_id, out);
    }

    // === nodes ===

    /// Sets a node's service status and publishes SystemInfo to its sessions.
    pub(crate) fn set_node_status(&mut self, node: NodeId, in_service: bool, out: &mut Out) {
        let view = &mut self.nodes[node.index()];
        if view.in_service == in_service {
            return;
        }
        view.in_service = in_service;
        out.effects.push(Effect::SystemInfo {
            node,
            update: Update {
                data: render::system_info(self, node, "SystemInfo"),
                event: "PUT",
                request_id: String::new(),
                source: "/finesse/api/SystemInfo".to_owned(),
            },
        });
    }
}

#[cfg(test)]
mod tests;
