//! The Finesse cluster's status, timers, and the redundant group (leadership, peer sync).

use gc_protocol::{AgentId, DestinationName, Event, Format, SystemStatus};

use super::agent::{Agent, Session};
use super::requests::Purpose;
use super::{Destination, Engine, Reply};
use crate::finesse::{NodeStatus, Request};
use crate::io::{Effect, PeerSync, TimerId};

/// The shortest time between two full shares with joining peers. A full share is one sync
/// message per destination and per agent (12,000 agents: 12,000 messages), so it is worth
/// bounding; a peer that joins inside it waits at most this long for the whole state.
pub(crate) const SHARE_COOLDOWN: std::time::Duration = std::time::Duration::from_secs(5);

/// Where the leader is in answering peers' Joins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sharing {
    /// No share for a cool-down: the next Join is answered at once.
    Idle,
    /// Shared less than [`SHARE_COOLDOWN`] ago; `again`: a peer joined since, share at its end.
    Cooling { again: bool },
}

impl Engine {
    /// The status clients are told. Until the first probe of Finesse has answered, the
    /// connector does not know Finesse is in service and says NOT_REACHABLE (then every
    /// destination is told the real status as soon as it is known).
    pub(super) fn system_status(&self) -> SystemStatus {
        match self.system {
            Some(NodeStatus::InService) => SystemStatus::InService,
            Some(NodeStatus::OutOfService) => SystemStatus::OutOfService,
            Some(NodeStatus::NotReachable) | None => SystemStatus::NotReachable,
        }
    }

    /// Finesse's status changed: every destination is told; after a switch to the other node
    /// every logged-in agent's state and dialogs are read again and published (O-024). Only by
    /// the leader: a standby keeps the status (a takeover re-reads everyone anyway). A standby
    /// that re-read its mirror after a switch published states read before the leader's
    /// writes, after their answers, and clients kept the stale one (gc-soak, Finesse node
    /// stop: 30-40 agents differed for 6 s).
    pub(super) fn on_node(&mut self, status: NodeStatus, switched: bool) {
        if Some(status) != self.system {
            self.system = Some(status);
            if self.leader {
                self.broadcast(Event::System(self.system_status()));
            }
        }
        if self.leader && switched && status == NodeStatus::InService {
            let agents: Vec<AgentId> = self
                .agents
                .iter()
                .filter(|(_, a)| a.licensed() || a.is_logged_in())
                .map(|(id, _)| id.clone())
                .collect();
            for agent in agents {
                self.resync(&agent);
            }
        }
    }

    /// Reads the agent's state and dialogs again and publishes State and DialogStatus.
    pub(super) fn resync(&mut self, agent: &AgentId) {
        let reply = Reply {
            agent: Some(agent.clone()),
            ..Reply::default()
        };
        self.request(agent, Request::GetUser, Purpose::ResyncUser, reply.clone());
        self.request(agent, Request::GetDialogs, Purpose::ResyncDialogs, reply);
    }

    pub(super) fn on_timer(&mut self, timer: TimerId) {
        match timer {
            TimerId::Request(id) => self.on_request_timeout(&id),
            TimerId::Heartbeat(name) => self.on_heartbeat_expired(&name),
            TimerId::HeldDialog(agent, id) => self.on_held_dialog_timeout(&agent, &id),
            TimerId::SessionWait(agent) => self.on_session_wait_expired(&agent),
            TimerId::ShareCooldown => self.on_share_cooldown_over(),
        }
    }

    /// A peer joined: the leader shares everything, at most once per [`SHARE_COOLDOWN`]. A
    /// Join inside the cool-down is deferred to its end, never dropped, so a standby that
    /// reconnects in a loop costs one full share per cool-down rather than one per reconnect,
    /// and every peer that joined still gets the whole state.
    fn on_join(&mut self) {
        match self.sharing {
            Sharing::Idle => {
                self.share_everything();
                self.sharing = Sharing::Cooling { again: false };
                self.arm(TimerId::ShareCooldown, SHARE_COOLDOWN);
            }
            Sharing::Cooling { .. } => {
                self.sharing = Sharing::Cooling { again: true };
            }
        }
    }

    fn on_share_cooldown_over(&mut self) {
        let again = matches!(self.sharing, Sharing::Cooling { again: true });
        self.sharing = Sharing::Idle;
        if again && self.leader {
            self.on_join();
        }
    }

    /// A peer's state. Only a standby keeps a mirror; the leader is the source of truth.
    pub(super) fn on_peer(&mut self, sync: PeerSync) {
        if self.leader {
            if sync == PeerSync::Join {
                self.on_join();
            }
            return;
        }
        match sync {
            PeerSync::Agent {
                agent,
                password,
                extension,
                subscription_time,
                destination,
            } => {
                if let Some(dest) = &destination {
                    let format = self.config.default_format;
                    self.destinations
                        .entry(dest.clone())
                        .or_insert_with(|| Destination::new(format))
                        .bound_ever = true;
                }
                let licensed = self.licensed_agents();
                let max = self.config.max_agents;
                let entry = self
                    .agents
                    .entry(agent)
                    .or_insert_with(|| Agent::new(password.clone(), subscription_time.clone()));
                entry.password = password;
                // The leader shares only passwords Finesse accepted.
                entry.verified = true;
                entry.subscription_time = subscription_time;
                // The peer may allow more agents than this instance. The mirror keeps the
                // surplus's extension but no licence; a takeover asks those agents to log in
                // again (RE_LOGIN) instead of taking them over.
                let had = entry.licensed();
                if extension.is_some() && (had || max.is_none_or(|max| licensed < max)) {
                    entry.lifecycle.take_licence();
                } else {
                    entry.lifecycle.release_licence();
                }
                entry.extension = extension;
                entry.destination = destination;
            }
            PeerSync::AgentRemoved(agent) => {
                self.drop_agent(&agent);
            }
            PeerSync::Destination { name, format } => {
                if let Some(dest) = self.destinations.get_mut(&name) {
                    dest.format = format;
                } else if self.destinations.len() < self.config.max_destinations {
                    self.destinations.insert(name, Destination::new(format));
                }
            }
            PeerSync::Executed { message_id } => self.answers.ran_elsewhere(&message_id),
            // Only the leader answers a Join.
            PeerSync::Join => {}
        }
    }

    /// Shares every destination and every verified session with the peers (a peer joined).
    fn share_everything(&mut self) {
        let destinations: Vec<(DestinationName, Format)> = self
            .destinations
            .iter()
            .map(|(name, dest)| (name.clone(), dest.format))
            .collect();
        for (name, format) in destinations {
            self.emit(Effect::Sync(PeerSync::Destination { name, format }));
        }
        let agents: Vec<AgentId> = self.agents.keys().cloned().collect();
        for agent in agents {
            self.sync_agent(&agent);
        }
    }

    /// Leadership changed. A new leader opens every mirrored agent's session and re-reads
    /// logged-in agents (State and DialogStatus to their destinations), so nobody logs in
    /// again. A former leader closes its sessions and keeps the mirror.
    pub(super) fn on_leadership(&mut self, leader: bool) {
        if leader == self.leader {
            return;
        }
        self.leader = leader;
        let agents: Vec<AgentId> = self.agents.keys().cloned().collect();
        let destinations: Vec<DestinationName> = self.destinations.keys().cloned().collect();
        if leader {
            self.release_surplus();
            // Heartbeats run on the leader only: the mirror's destinations start theirs now.
            for name in &destinations {
                self.touch(name);
            }
            for agent in &agents {
                let licensed = self.agents.get(agent).is_some_and(Agent::licensed);
                self.open_session(agent);
                if licensed {
                    self.resync(agent);
                }
            }
        } else {
            // Requests in flight are the new leader's business now (it re-reads every agent);
            // commands still waiting for a session will not run here and are answered.
            self.drop_pending();
            for agent in &agents {
                // Commands waiting for a session did not run: the new leader gets them.
                self.requeue_queued(agent);
                if let Some(entry) = self.agents.get_mut(agent) {
                    entry.session = Session::Closed;
                }
                self.emit(Effect::CloseSession {
                    agent: agent.clone(),
                });
            }
            // A standby must not expire destinations (and log agents out on Finesse).
            for name in destinations {
                self.emit(Effect::CancelTimer(TimerId::Heartbeat(name)));
            }
        }
    }

    /// Mirrored agents that were logged in on the peer but hold no licence here (the peer
    /// allows more agents): they are not taken over and are asked to log in again.
    fn release_surplus(&mut self) {
        let surplus: Vec<AgentId> = self
            .agents
            .iter()
            .filter(|(_, a)| !a.licensed() && a.extension.is_some())
            .map(|(id, _)| id.clone())
            .collect();
        for agent in surplus {
            if let Some(entry) = self.agents.get_mut(&agent) {
                entry.extension = None;
            }
            self.publish_to_agent(
                &agent,
                Event::ReLogin {
                    agent: agent.clone(),
                },
            );
            self.sync_agent(&agent);
        }
    }
}
