//! Client messages: de-duplication, malformed input, destinations (Hello, Beat, Connect) and the
//! heartbeat.

use gc_protocol::{
    AgentCommand, AgentId, Command, DestinationName, ErrorCode, Event, Format, Password,
};

use super::agent::{Agent, Session};
use super::{Destination, Engine, Reply};
use crate::io::{ClientRequest, Effect, PeerSync, TimerId};

impl Engine {
    pub(super) fn on_client(&mut self, request: ClientRequest) {
        let ClientRequest {
            command,
            reply_to,
            correlation_id,
            message_id,
            format,
            token,
            ..
        } = request;
        if let Some(id) = message_id
            && !self.remember(id)
        {
            // A redelivery of a command already handled: Finesse must not see it twice.
            self.emit(Effect::Ack(token));
            return;
        }
        let mut reply = Reply {
            agent: None,
            reply_to,
            format,
            correlation: correlation_id,
            token: Some(token),
        };
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
                    self.emit(Effect::DeadLetter {
                        token,
                        reason: error.to_string(),
                    });
                }
            }
            Ok(Command::Hello(name)) => {
                self.register(&name, format);
                let event = Event::System(self.system_status());
                self.publish_destination_reply(&name, &reply, event);
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

    /// Remembers a message id; `false` when it was seen already.
    fn remember(&mut self, id: String) -> bool {
        if self.seen.contains(&id) {
            return false;
        }
        if self.config.dedupe_window == 0 {
            return true;
        }
        if self.seen_order.len() >= self.config.dedupe_window
            && let Some(old) = self.seen_order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.seen.insert(id.clone());
        self.seen_order.push_back(id);
        true
    }

    /// Registers (or updates) a destination and restarts its heartbeat timer.
    fn register(&mut self, name: &DestinationName, format: Option<Format>) {
        let default = self.config.default_format;
        let dest = self
            .destinations
            .entry(name.clone())
            .or_insert(Destination { format: default });
        if let Some(format) = format {
            dest.format = format;
        }
        let format = dest.format;
        self.emit(Effect::Sync(PeerSync::Destination {
            name: name.clone(),
            format,
        }));
        self.touch(name);
    }

    /// Restarts the destination's heartbeat timer.
    pub(super) fn touch(&mut self, name: &DestinationName) {
        if let Some(timeout) = self.config.destination_timeout {
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

    fn publish_raw_destination(
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

    /// `Connect#<agent>`: binds the agent to the destination and opens its session. A different
    /// destination holding the agent loses it (SESSION_INVALIDATED, then LOGOUT).
    fn connect(
        &mut self,
        agent: &AgentId,
        destination: DestinationName,
        password: Password,
        format: Option<Format>,
        reply: &Reply,
    ) {
        // Connect registers the destination too: the seed's clients send Hello first, but a
        // restarted connector must still be able to bind them.
        if !self.destinations.contains_key(&destination) || format.is_some() {
            self.register(&destination, format);
        } else {
            self.touch(&destination);
        }
        let subscription_time = self.now.wall_string();
        let entry = self
            .agents
            .entry(agent.clone())
            .or_insert_with(|| Agent::new(password.clone(), subscription_time));
        let previous = entry.destination.replace(destination.clone());
        let password_changed = entry.password != password;
        entry.password = password.clone();
        let reopen = entry.session == Session::Closed || password_changed;
        if let Some(old) = previous.filter(|old| *old != destination)
            && let Some(dest) = self.destinations.get(&old)
        {
            let target = crate::io::Target::Destination {
                name: old.clone(),
                format: dest.format,
            };
            for event in [
                Event::Error {
                    agent: Some(agent.clone()),
                    code: ErrorCode::SessionInvalidated,
                },
                Event::LoggedOut {
                    agent: agent.clone(),
                },
            ] {
                self.emit(Effect::Publish(crate::io::Publication {
                    event,
                    targets: vec![target.clone()],
                    correlation_id: None,
                }));
            }
        }
        if reopen {
            self.open_session(agent);
        }
        self.sync_agent(agent);
        self.ack(reply);
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
        let Some(entry) = self.agents.get(agent) else {
            return;
        };
        let sync = PeerSync::Agent {
            agent: agent.clone(),
            password: entry.password.clone(),
            extension: entry.licensed.then(|| entry.extension.clone()).flatten(),
            subscription_time: entry.subscription_time.clone(),
            destination: entry.destination.clone(),
        };
        self.emit(Effect::Sync(sync));
    }

    /// A destination's heartbeat expired: drop it, and log out or keep its agents.
    pub(super) fn on_heartbeat_expired(&mut self, name: &DestinationName) {
        // Only the leader expires destinations (it re-arms every heartbeat on takeover).
        if !self.leader || self.destinations.remove(name).is_none() {
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
