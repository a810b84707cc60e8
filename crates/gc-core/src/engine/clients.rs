//! Client messages: de-duplication, malformed input, destinations (Hello, Beat, Connect) and the
//! heartbeat.

use gc_protocol::{AgentCommand, AgentId, Command, DestinationName, ErrorCode, Event, Format};

use super::agent::Session;
use super::{Destination, Engine, Reply};
use crate::io::{ClientRequest, Effect, PeerSync, TimerId};

impl Engine {
    pub(super) fn on_client(&mut self, request: ClientRequest) {
        let ClientRequest {
            command,
            reply_to,
            correlation_id,
            message_id,
            redelivered,
            format,
            destination,
            token,
        } = request;
        let mut reply = Reply {
            agent: None,
            reply_to,
            format,
            correlation: correlation_id,
            token: Some(token),
            message_id: None,
            via: super::Via::AgentDesk,
            sender: destination.filter(|d| self.destinations.contains_key(d)),
        };
        if !self.leader {
            // Only the leader runs commands (the lock was lost while deliveries were still
            // coming): the new leader gets this one.
            self.requeue(&reply);
            return;
        }
        if redelivered
            && let Some(id) = &message_id
            && let Some(answered) = self.answers.get(id).cloned()
        {
            // A redelivery of a command that ran (here, or on the peer before a takeover):
            // Finesse must not see it twice. The client gets its answer again.
            tracing::debug!(message_id = %id, elsewhere = answered.elsewhere, "redelivered command answered from the cache");
            if let Ok(Command::Agent(agent, _)) = &command {
                reply.agent = Some(agent.clone());
                if answered.elsewhere && answered.events.is_empty() && !answered.truncated {
                    // A write handed to Finesse whose answer never came (the peer that ran it
                    // died, or this instance lost the lead meanwhile): acked without an answer,
                    // the client would wait forever (found by gc-soak, kill -9 of the leader).
                    // It is answered with the agent's state as Finesse has it now: a read,
                    // never the write again.
                    reply.message_id = Some(id.clone());
                    self.on_agent_command(&agent.clone(), AgentCommand::GetState, reply);
                    return;
                }
            }
            for event in answered.events {
                self.publish_reply(&reply, event);
            }
            self.ack(&reply);
            return;
        }
        if let Some(id) = message_id {
            self.answers.begin(&id);
            reply.message_id = Some(id);
        }
        match command {
            Err(error) => {
                reply.agent = error.agent().cloned();
                let code = error.code();
                if self.reachable(&reply) {
                    let event = Event::Error {
                        agent: reply.agent.clone(),
                        code,
                    };
                    self.publish_reply(&reply, event);
                    self.ack(&reply);
                } else {
                    self.dead_letter(&reply, error.to_string());
                }
            }
            Ok(Command::Hello(name)) => {
                if self.register(&name, format) {
                    let event = Event::System(self.system_status());
                    self.publish_destination_reply(&name, &reply, event);
                } else {
                    self.refuse_destination(&name, &reply);
                }
                self.ack(&reply);
            }
            Ok(Command::Beat(name)) => {
                if self.destinations.contains_key(&name) {
                    self.touch(&name);
                    let event = Event::System(self.system_status());
                    self.publish_destination_reply(&name, &reply, event);
                } else {
                    // Unknown here (a restart without its state): ask the client to start over.
                    let event = Event::DestinationReconnect {
                        destination: name.clone(),
                    };
                    let format = format.unwrap_or(self.config.default_format);
                    self.publish_raw_destination(&name, format, &reply, event);
                }
                self.ack(&reply);
            }
            Ok(Command::Agent(
                agent,
                AgentCommand::Connect {
                    destination,
                    password,
                    ..
                },
            )) => {
                reply.agent = Some(agent.clone());
                self.connect(&agent, destination, password, format, &reply);
            }
            Ok(Command::Agent(agent, command)) => {
                reply.agent = Some(agent.clone());
                if let Some(dest) = self.agents.get(&agent).and_then(|a| a.destination.clone()) {
                    self.touch(&dest);
                }
                self.on_agent_command(&agent, command, reply);
            }
        }
    }

    /// A destination over the `max_destinations` cap: told PLEASE_RETRY on its own routing
    /// key (and `reply_to`), and not registered.
    fn refuse_destination(&mut self, name: &DestinationName, reply: &Reply) {
        tracing::debug!(destination = %name, max = self.config.max_destinations, "destination refused: too many registered");
        self.count_refusal("destinations");
        let event = Event::Error {
            agent: None,
            code: ErrorCode::PleaseRetry,
        };
        let format = reply.format.unwrap_or(self.config.default_format);
        if let Some(id) = &reply.message_id {
            self.answers.add(id, &event);
        }
        self.publish_raw_destination(name, format, reply, event);
    }

    /// Registers (or updates) a destination and restarts its heartbeat timer; `false` when
    /// it is new and `max_destinations` are registered already.
    pub(super) fn register(&mut self, name: &DestinationName, format: Option<Format>) -> bool {
        if !self.destinations.contains_key(name)
            && self.destinations.len() >= self.config.max_destinations
        {
            return false;
        }
        let default = self.config.default_format;
        let dest = self
            .destinations
            .entry(name.clone())
            .or_insert_with(|| Destination::new(default));
        if let Some(format) = format {
            dest.format = format;
        }
        let format = dest.format;
        self.emit(Effect::Sync(PeerSync::Destination {
            name: name.clone(),
            format,
        }));
        self.touch(name);
        true
    }

    /// Restarts the destination's heartbeat timer: `destination_timeout` when configured;
    /// otherwise `unbound_destination_timeout` while no agent was ever bound to it.
    pub(super) fn touch(&mut self, name: &DestinationName) {
        if let Some(timeout) = self.config.destination_timeout {
            self.arm(TimerId::Heartbeat(name.clone()), timeout);
        } else if self.destinations.get(name).is_some_and(|d| !d.bound_ever) {
            let timeout = self.config.unbound_destination_timeout;
            self.arm(TimerId::Heartbeat(name.clone()), timeout);
        }
    }

    /// Answers a Hello or Beat on the destination itself and on `reply_to`.
    fn publish_destination_reply(&mut self, name: &DestinationName, reply: &Reply, event: Event) {
        let format = self
            .destinations
            .get(name)
            .map_or(self.config.default_format, |d| d.format);
        self.publish_raw_destination(name, format, reply, event);
    }

    pub(super) fn publish_raw_destination(
        &mut self,
        name: &DestinationName,
        format: Format,
        reply: &Reply,
        event: Event,
    ) {
        let mut targets = vec![crate::io::Target::Destination {
            name: name.clone(),
            format,
        }];
        if let Some(address) = &reply.reply_to {
            targets.push(crate::io::Target::ReplyTo {
                address: address.clone(),
                format: reply.format.unwrap_or(format),
            });
        }
        self.emit(Effect::Publish(crate::io::Publication {
            event,
            targets,
            correlation_id: reply.correlation.clone(),
        }));
    }

    /// Opens the agent's notification session.
    pub(super) fn open_session(&mut self, agent: &AgentId) {
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        entry.session = Session::Opening;
        let password = entry.password.clone();
        self.emit(Effect::OpenSession {
            agent: agent.clone(),
            password,
        });
    }

    /// Shares the agent's session with peers.
    pub(super) fn sync_agent(&mut self, agent: &AgentId) {
        // A password Finesse has not accepted is never shared with the peers.
        let Some(entry) = self.agents.get(agent).filter(|a| a.verified) else {
            return;
        };
        let sync = PeerSync::Agent {
            agent: agent.clone(),
            password: entry.password.clone(),
            extension: entry.licensed().then(|| entry.extension.clone()).flatten(),
            subscription_time: entry.subscription_time.clone(),
            destination: entry.destination.clone(),
        };
        self.emit(Effect::Sync(sync));
    }

    /// A destination's heartbeat expired: drop it, and log out or keep its agents.
    pub(super) fn on_heartbeat_expired(&mut self, name: &DestinationName) {
        // Only the leader expires destinations (it re-arms every heartbeat on takeover).
        if !self.leader {
            return;
        }
        // Without a heartbeat timeout, only destinations that never had an agent expire.
        let keep = self.config.destination_timeout.is_none()
            && self.destinations.get(name).is_none_or(|d| d.bound_ever);
        if keep || self.destinations.remove(name).is_none() {
            return;
        }
        let bound: Vec<AgentId> = self
            .agents
            .iter()
            .filter(|(_, a)| a.destination.as_ref() == Some(name))
            .map(|(id, _)| id.clone())
            .collect();
        for agent in bound {
            if let Some(entry) = self.agents.get_mut(&agent) {
                entry.destination = None;
            }
            if self.config.logout_on_destination_loss {
                self.force_logout(
                    &agent,
                    Reply {
                        agent: Some(agent.clone()),
                        ..Reply::default()
                    },
                );
            } else {
                self.sync_agent(&agent);
            }
        }
    }
}
