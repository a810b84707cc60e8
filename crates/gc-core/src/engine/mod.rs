//! The engine: one owner of all state, fed [`Input`]s, returning [`Effect`]s.
//!
//! # Order of effects
//! The driver applies effects in the order returned. An [`Effect::Ack`] comes after the
//! publications of the command it acknowledges, so "publish, await confirms, then ack" is the
//! natural way to apply a batch.

mod agent;
mod answers;
mod calls;
mod clients;
mod commands;
mod credentials;
mod dialogs;
mod notifications;
mod present;
mod requests;
mod state;
mod system;

use std::collections::{BTreeMap, HashMap};

use gc_protocol::{AgentId, DestinationName, Event, Format};

use crate::clock::Now;
use crate::config::EngineConfig;
use crate::finesse::NodeStatus;
use crate::io::{DeliveryToken, Effect, Input, Publication, Target, TimerId};

use agent::Agent;
use answers::Answers;
use requests::Pending;

/// Where a reply goes and what it answers.
#[derive(Clone, Debug, Default)]
pub(crate) struct Reply {
    /// The agent the command was for.
    pub(crate) agent: Option<AgentId>,
    /// The request's `reply_to`.
    pub(crate) reply_to: Option<String>,
    /// The format asked for in the request.
    pub(crate) format: Option<Format>,
    /// The correlation id answers carry.
    pub(crate) correlation: Option<String>,
    /// The command to ack when its work is done.
    pub(crate) token: Option<DeliveryToken>,
    /// The command's message id: its answers are remembered under it, for a redelivery.
    pub(crate) message_id: Option<String>,
    /// Which client destination the answer goes to (besides `reply_to`).
    pub(crate) via: Via,
    /// The registered destination the sender said it reads (header `gc-destination`).
    pub(crate) sender: Option<DestinationName>,
}

/// Which client destination answers a request (besides its `reply_to`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Via {
    /// The destination the agent is bound to.
    #[default]
    AgentDesk,
    /// This destination: a Connect from a destination the agent is not bound to is answered
    /// there, never on the agent's own desk.
    Desk(DestinationName),
    /// No destination: the sender cannot be told from the agent's own desk (a Login with a
    /// password Finesse has not accepted for the agent), so only `reply_to` hears about it.
    ReplyToOnly,
}

/// A registered client destination.
#[derive(Clone, Debug)]
struct Destination {
    format: Format,
    /// An agent was bound to it once: it no longer expires for being unused.
    bound_ever: bool,
}

impl Destination {
    fn new(format: Format) -> Self {
        Self {
            format,
            bound_ever: false,
        }
    }
}

/// The connector engine. See the crate documentation.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    now: Now,
    leader: bool,
    /// Finesse's status as last reported; `None` until the first probe has answered.
    system: Option<NodeStatus>,
    destinations: BTreeMap<DestinationName, Destination>,
    agents: BTreeMap<AgentId, Agent>,
    /// Finesse requests waiting for their result or confirming notification, by request id.
    pending: HashMap<String, Pending>,
    /// Commands with Finesse work outstanding: how many operations are still running, and
    /// for which agent.
    outstanding: HashMap<DeliveryToken, (usize, Option<AgentId>)>,
    /// Per agent, its commands with Finesse work outstanding (bounded by
    /// `max_pending_per_agent` together with the commands waiting for its session).
    busy: HashMap<AgentId, usize>,
    next_request: u64,
    /// Recent commands and their answers, for redeliveries.
    answers: Answers,
    /// Commands refused or cut short by a bound, by bound (for metrics).
    refused: BTreeMap<&'static str, u64>,
    /// Refused credentials: the throttle, and notes of agents forgotten for them.
    credentials: credentials::CredentialState,
    /// The leader's answer to peers joining: at most one full share per cool-down.
    sharing: system::Sharing,
    out: Vec<Effect>,
}

impl Engine {
    /// A new engine with nothing registered.
    pub fn new(config: EngineConfig) -> Self {
        Self {
            leader: config.start_as_leader,
            answers: Answers::new(config.dedupe_window, config.dedupe_bytes),
            now: Now::default(),
            system: None,
            destinations: BTreeMap::new(),
            agents: BTreeMap::new(),
            pending: HashMap::new(),
            outstanding: HashMap::new(),
            busy: HashMap::new(),
            config,
            next_request: 0,
            refused: BTreeMap::new(),
            credentials: credentials::CredentialState::default(),
            sharing: system::Sharing::Idle,
            out: Vec::new(),
        }
    }

    /// Handles one input and returns the effects to carry out, in order.
    pub fn handle(&mut self, now: Now, input: Input) -> Vec<Effect> {
        self.now = now;
        match input {
            Input::Client(request) => self.on_client(request),
            Input::FinesseResult {
                agent,
                request_id,
                result,
            } => {
                self.on_finesse_result(&agent, &request_id, result);
            }
            Input::Notification {
                agent,
                notification,
            } => {
                self.on_notification(&agent, notification);
            }
            Input::Session { agent, event } => self.on_session(&agent, event),
            Input::Node { status, switched } => self.on_node(status, switched),
            Input::RecordingResult {
                agent,
                request_id,
                result,
            } => {
                self.on_recording_result(&agent, &request_id, result);
            }
            Input::Timer(timer) => self.on_timer(timer),
            Input::Peer(sync) => self.on_peer(sync),
            Input::Leadership(leader) => self.on_leadership(leader),
            Input::Shutdown { logout_agents } => self.on_shutdown(logout_agents),
        }
        std::mem::take(&mut self.out)
    }

    // === read-only views (for the driver's metrics and for tests) ===

    /// Agents holding a licence (logged in or logging in).
    pub fn licensed_agents(&self) -> usize {
        self.agents.values().filter(|a| a.licensed()).count()
    }

    /// The agents holding a licence, in id order (for a shutdown that logs them out).
    pub fn licensed_agent_ids(&self) -> Vec<AgentId> {
        self.agents
            .iter()
            .filter(|(_, a)| a.licensed())
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Agents known without a licence (connected, not logged in), each with a session.
    pub fn unlicensed_agents(&self) -> usize {
        self.agents.len() - self.licensed_agents()
    }

    /// Commands refused or cut short by a bound since the start, by bound: `destinations`,
    /// `unlicensed_agents`, `pending_per_agent`, `session_wait`.
    pub fn refused(&self) -> &BTreeMap<&'static str, u64> {
        &self.refused
    }

    /// Message ids remembered for redeliveries.
    pub fn remembered_commands(&self) -> usize {
        self.answers.len()
    }

    /// Agents known to the engine.
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// Registered client destinations.
    pub fn destination_count(&self) -> usize {
        self.destinations.len()
    }

    /// Whether this instance is the leader.
    pub fn is_leader(&self) -> bool {
        self.leader
    }

    /// Whether a client destination is registered (events for agents go only to registered
    /// destinations; the driver's metrics and the property tests ask).
    pub fn has_destination(&self, name: &DestinationName) -> bool {
        self.destinations.contains_key(name)
    }

    /// Checks the engine's invariants; returns a description of the first one broken:
    /// licences within the maximum (a standby's mirror included), agents bound only to
    /// registered destinations, a licence always with an extension, no dialog for an agent
    /// Finesse reports logged out, every request in flight belonging to a known agent.
    /// Used by property tests; cheap enough for debug assertions in a driver.
    pub fn check_invariants(&self) -> Result<(), String> {
        if let Some(max) = self.config.max_agents
            && self.licensed_agents() > max
        {
            return Err(format!(
                "{} licensed agents exceed the maximum {max}",
                self.licensed_agents()
            ));
        }
        for (id, agent) in &self.agents {
            if let Some(dest) = &agent.destination
                && !self.destinations.contains_key(dest)
            {
                return Err(format!(
                    "agent {id} is bound to unregistered destination {dest}"
                ));
            }
            if agent.licensed() && agent.extension.is_none() {
                return Err(format!("agent {id} holds a licence without an extension"));
            }
            // Finesse ends every call of an agent that logs out; a dialog kept after LOGOUT
            // would be shown to the client as a call that cannot exist.
            if agent.state() == Some(&crate::finesse::UserState::Logout)
                && !agent.dialogs.is_empty()
            {
                return Err(format!(
                    "agent {id} is logged out but has {} dialogs",
                    agent.dialogs.len()
                ));
            }
        }
        for (request_id, pending) in &self.pending {
            if !self.agents.contains_key(&pending.agent) {
                return Err(format!(
                    "request {request_id} belongs to unknown agent {}",
                    pending.agent
                ));
            }
        }
        Ok(())
    }

    // === output helpers ===

    fn emit(&mut self, effect: Effect) {
        self.out.push(effect);
    }

    fn new_request_id(&mut self) -> String {
        self.next_request += 1;
        format!("{}-{}", self.config.instance_id, self.next_request)
    }

    /// The destination target of an agent, if it is bound to a registered destination.
    fn agent_target(&self, agent: &AgentId) -> Option<Target> {
        let name = self.agents.get(agent)?.destination.as_ref()?;
        let dest = self.destinations.get(name)?;
        Some(Target::Destination {
            name: name.clone(),
            format: dest.format,
        })
    }

    /// Publishes an unsolicited event about an agent to its destination.
    fn publish_to_agent(&mut self, agent: &AgentId, event: Event) {
        let targets = self.agent_target(agent).into_iter().collect();
        self.emit(Effect::Publish(Publication {
            event,
            targets,
            correlation_id: None,
        }));
    }

    /// Publishes an answer to a request: to the agent's destination (or the one the reply
    /// names) and to `reply_to`.
    fn publish_reply(&mut self, reply: &Reply, event: Event) {
        let mut targets = Vec::new();
        let agent_target = match &reply.via {
            Via::Desk(name) => self.destinations.get(name).map(|d| Target::Destination {
                name: name.clone(),
                format: d.format,
            }),
            Via::AgentDesk => reply.agent.as_ref().and_then(|a| self.agent_target(a)),
            Via::ReplyToOnly => None,
        };
        let destination_format = match &agent_target {
            Some(Target::Destination { format, .. }) => Some(*format),
            _ => None,
        };
        targets.extend(agent_target);
        if let Some(address) = &reply.reply_to {
            let format = reply
                .format
                .or(destination_format)
                .unwrap_or(self.config.default_format);
            targets.push(Target::ReplyTo {
                address: address.clone(),
                format,
            });
        }
        if let Some(id) = &reply.message_id {
            self.answers.add(id, &event);
        }
        self.emit(Effect::Publish(Publication {
            event,
            targets,
            correlation_id: reply.correlation.clone(),
        }));
    }

    /// Publishes an event to every registered destination.
    fn broadcast(&mut self, event: Event) {
        let targets = self
            .destinations
            .iter()
            .map(|(name, d)| Target::Destination {
                name: name.clone(),
                format: d.format,
            })
            .collect();
        self.emit(Effect::Publish(Publication {
            event,
            targets,
            correlation_id: None,
        }));
    }

    /// Whether a reply can reach anyone (a bound destination or a `reply_to`).
    fn reachable(&self, reply: &Reply) -> bool {
        reply.reply_to.is_some()
            || match &reply.via {
                Via::Desk(d) => self.destinations.contains_key(d),
                Via::AgentDesk => reply
                    .agent
                    .as_ref()
                    .is_some_and(|a| self.agent_target(a).is_some()),
                Via::ReplyToOnly => false,
            }
    }

    // === command completion ===

    /// Records that a command started `count` Finesse operations.
    fn start_work(&mut self, reply: &Reply, count: usize) {
        if let Some(token) = reply.token {
            let entry = self.outstanding.entry(token).or_insert_with(|| {
                if let Some(agent) = &reply.agent {
                    *self.busy.entry(agent.clone()).or_insert(0) += 1;
                }
                (0, reply.agent.clone())
            });
            entry.0 += count;
        }
    }

    /// One operation of a command finished; acks the command when none is left.
    fn finish_work(&mut self, reply: &Reply) {
        let Some(token) = reply.token else { return };
        let done = match self.outstanding.get_mut(&token) {
            Some((count, _)) if *count > 1 => {
                *count -= 1;
                false
            }
            _ => true,
        };
        if done {
            if let Some((_, Some(agent))) = self.outstanding.remove(&token) {
                self.release_busy(&agent);
            }
            self.emit(Effect::Ack(token));
        }
    }

    fn release_busy(&mut self, agent: &AgentId) {
        if let Some(n) = self.busy.get_mut(agent) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.busy.remove(agent);
            }
        }
    }

    /// Acks a command that needed no Finesse work.
    fn ack(&mut self, reply: &Reply) {
        if let Some(token) = reply.token
            && !self.outstanding.contains_key(&token)
        {
            self.emit(Effect::Ack(token));
        }
    }

    /// Dead-letters a command: it did not run, so a redelivery must not count as a duplicate.
    fn dead_letter(&mut self, reply: &Reply, reason: String) {
        if let Some(id) = &reply.message_id {
            self.answers.forget(id);
        }
        if let Some(token) = reply.token {
            self.emit(Effect::DeadLetter { token, reason });
        }
    }

    /// Puts a command back for the leader: it did not run here.
    fn requeue(&mut self, reply: &Reply) {
        if let Some(id) = &reply.message_id {
            self.answers.forget(id);
        }
        if let Some(token) = reply.token {
            self.emit(Effect::Requeue(token));
        }
    }

    /// Counts a command refused (or cut short) by the bound `cap`.
    fn count_refusal(&mut self, cap: &'static str) {
        *self.refused.entry(cap).or_insert(0) += 1;
    }

    fn arm(&mut self, timer: TimerId, after: std::time::Duration) {
        let at = self.now.after(after);
        self.emit(Effect::ArmTimer { timer, at });
    }
}
