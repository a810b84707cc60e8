//! Credentials before anything moves: Connect, takeovers, new passwords, and the throttle that
//! keeps clients' wrong passwords from locking an agent's Finesse account.
//!
//! # Rules
//! * A Connect for an agent the connector does not know binds it to the destination and opens
//!   its notification session with the offered password: the session's authentication is the
//!   check. Until it succeeds the password is a candidate, shared with no peer.
//! * A Connect that would move a known agent to another destination, or change its password,
//!   first asks Finesse (a GET of the user, as the agent, with the offered password). Only when
//!   Finesse accepts does anything change: the old destination gets the logout (O-001,
//!   `<agent>#State#LOGOUT#…`) followed by `<agent>#Error#SESSION_INVALIDATED`, in the seed's
//!   order, and the agent moves. Refused, the new destination gets `SUBSCRIPTION_FAILED` and
//!   nothing else changes: not the password, not the session, not the peers' mirror.
//! * A Login with another password than the one in use is performed with the Login's password;
//!   it becomes the agent's password only when Finesse accepted the LOGIN.
//! * An agent whose offered credentials Finesse refused, and that was never signed in, is
//!   forgotten; only a small, bounded note of its destination is kept for
//!   [`REFUSED_NOTE_TTL`], so that a Login with the right password from that desk still works.
//! * Throttle: at most [`MAX_CONSECUTIVE_FAILURES`] refused credentials in a row per agent
//!   reach Finesse (which locks an account after five in a row); further attempts are refused
//!   here with `SUBSCRIPTION_FAILED` until [`THROTTLE_COOL_DOWN`] after the last failure. A
//!   success resets the count.

use std::collections::BTreeMap;
use std::time::Duration;

use gc_protocol::{AgentId, DestinationName, ErrorCode, Event, Format, Password};

use super::agent::{Agent, Session};
use super::requests::Purpose;
use super::{Engine, Reply, Via};
use crate::clock::Deadline;
use crate::finesse::Request;
use crate::io::{Effect, TimerId};

/// Refused credentials in a row, per agent, that may reach Finesse.
pub(crate) const MAX_CONSECUTIVE_FAILURES: u32 = 3;

/// How long further attempts are refused locally after the last refused credentials.
pub(crate) const THROTTLE_COOL_DOWN: Duration = Duration::from_mins(15);

/// How long the destination of an agent whose credentials were refused is remembered.
pub(crate) const REFUSED_NOTE_TTL: Duration = Duration::from_mins(2);

/// Most agents tracked by the throttle, and most refused-agent notes.
const MAX_TRACKED: usize = 10_000;

/// Refused credentials of one agent.
#[derive(Clone, Debug)]
pub(crate) struct Failures {
    count: u32,
    last: Deadline,
    /// The passwords refused (the last few): offered again, they are refused here without
    /// asking Finesse.
    refused: Vec<Password>,
}

/// What the engine remembers of refused credentials.
#[derive(Debug, Default)]
pub(crate) struct CredentialState {
    failures: BTreeMap<AgentId, Failures>,
    /// Agents forgotten after refused credentials: the destination they connected from, until
    /// when.
    refused: BTreeMap<AgentId, (DestinationName, Deadline)>,
}

impl CredentialState {
    /// Whether attempts for the agent are held back now.
    fn throttled(&self, agent: &AgentId, now: Deadline) -> bool {
        self.failures.get(agent).is_some_and(|f| {
            f.count >= MAX_CONSECUTIVE_FAILURES && now.0 < f.last.0 + millis(THROTTLE_COOL_DOWN)
        })
    }

    /// Whether `password` was refused for the agent lately (within the cool-down).
    fn refused_before(&self, agent: &AgentId, password: &Password, now: Deadline) -> bool {
        self.failures.get(agent).is_some_and(|f| {
            now.0 < f.last.0 + millis(THROTTLE_COOL_DOWN) && f.refused.contains(password)
        })
    }

    fn failed(&mut self, agent: &AgentId, now: Deadline, password: Option<Password>) {
        let cool_down = millis(THROTTLE_COOL_DOWN);
        if self.failures.len() >= MAX_TRACKED && !self.failures.contains_key(agent) {
            self.failures.retain(|_, f| now.0 < f.last.0 + cool_down);
            if self.failures.len() >= MAX_TRACKED {
                return;
            }
        }
        let entry = self.failures.entry(agent.clone()).or_insert(Failures {
            count: 0,
            last: now,
            refused: Vec::new(),
        });
        if now.0 >= entry.last.0 + cool_down {
            entry.count = 0;
            entry.refused.clear();
        }
        entry.count += 1;
        entry.last = now;
        if let Some(password) = password {
            if entry.refused.len() >= MAX_CONSECUTIVE_FAILURES as usize {
                entry.refused.remove(0);
            }
            entry.refused.push(password);
        }
    }

    fn succeeded(&mut self, agent: &AgentId) {
        self.failures.remove(agent);
        self.refused.remove(agent);
    }

    fn note_refused(&mut self, agent: &AgentId, destination: DestinationName, until: Deadline) {
        if self.refused.len() >= MAX_TRACKED {
            let now = Deadline(until.0.saturating_sub(millis(REFUSED_NOTE_TTL)));
            self.refused.retain(|_, (_, at)| *at > now);
            if self.refused.len() >= MAX_TRACKED
                && let Some(oldest) = self
                    .refused
                    .iter()
                    .min_by_key(|(_, (_, at))| *at)
                    .map(|(a, _)| a.clone())
            {
                self.refused.remove(&oldest);
            }
        }
        self.refused.insert(agent.clone(), (destination, until));
    }

    /// The destination an agent with refused credentials connected from, if still noted.
    fn refused_destination(&mut self, agent: &AgentId, now: Deadline) -> Option<DestinationName> {
        let (destination, until) = self.refused.remove(agent)?;
        (now < until).then_some(destination)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Whether a failure means Finesse refused the credentials.
pub(crate) fn is_credentials_failure(code: &ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::SubscriptionFailed | ErrorCode::UnableToSubscribeToFinesse
    )
}

impl Engine {
    fn now_deadline(&self) -> Deadline {
        self.now.after(Duration::ZERO)
    }

    /// `Connect#<agent>` (see the module documentation).
    pub(super) fn connect(
        &mut self,
        agent: &AgentId,
        destination: DestinationName,
        password: Password,
        format: Option<Format>,
        reply: &Reply,
    ) {
        // Connect registers the destination too: the seed's clients send Hello first, but a
        // restarted connector must still be able to bind them.
        let registered = if !self.destinations.contains_key(&destination) || format.is_some() {
            self.register(&destination, format)
        } else {
            true
        };
        let new_agent = !self.agents.contains_key(agent);
        if !registered
            || (new_agent && self.unlicensed_agents() >= self.config.max_unlicensed_agents)
        {
            tracing::debug!(%agent, registered, "Connect refused: a cap on destinations or on agents without a licence is reached");
            self.count_refusal(if registered {
                "unlicensed_agents"
            } else {
                "destinations"
            });
            self.answer_on(&destination, reply, ErrorCode::PleaseRetry);
            return;
        }
        let reply = Reply {
            via: Via::Desk(destination.clone()),
            ..reply.clone()
        };
        if self.credentials_held_back(agent, &password) {
            tracing::info!(%agent, "Connect refused here: credentials refused lately");
            self.count_refusal("credentials");
            self.fail_reply(&reply, ErrorCode::SubscriptionFailed);
            return;
        }
        let Some(entry) = self.agents.get(agent) else {
            self.bind_new(agent, destination, password);
            self.ack(&reply);
            return;
        };
        let same_desk = entry.destination.as_ref() == Some(&destination);
        let unbound = entry.destination.is_none();
        if (same_desk || unbound) && entry.password == password {
            // Its own desk again, or a desk for an agent bound nowhere (its destination expired)
            // with the password in use: nobody loses anything.
            if unbound {
                self.bind_destination(&destination);
                if let Some(entry) = self.agents.get_mut(agent) {
                    entry.destination = Some(destination);
                }
                self.sync_agent(agent);
            }
            if self
                .agents
                .get(agent)
                .is_some_and(|a| a.session == Session::Closed)
            {
                self.open_session(agent);
            }
            self.ack(&reply);
        } else if same_desk && !entry.verified {
            // The desk that connected it offers another password before any was accepted.
            if let Some(entry) = self.agents.get_mut(agent) {
                entry.password = password;
            }
            self.open_session(agent);
            self.ack(&reply);
        } else {
            // Moving the agent, or changing its password: Finesse decides first.
            let purpose = Purpose::Verify {
                destination,
                format,
            };
            self.request_as(agent, Some(password), Request::GetUser, purpose, reply);
        }
    }

    /// Binds an agent the connector did not know and opens its session with the offered
    /// password (the session's authentication checks it).
    fn bind_new(&mut self, agent: &AgentId, destination: DestinationName, password: Password) {
        self.bind_destination(&destination);
        let mut entry = Agent::new(password, self.now.wall_string());
        entry.destination = Some(destination);
        self.agents.insert(agent.clone(), entry);
        self.open_session(agent);
    }

    /// A destination now has an agent: it no longer expires for being unused.
    fn bind_destination(&mut self, destination: &DestinationName) {
        if let Some(dest) = self.destinations.get_mut(destination) {
            dest.bound_ever = true;
        }
        if self.config.destination_timeout.is_none() {
            self.emit(Effect::CancelTimer(TimerId::Heartbeat(destination.clone())));
        } else {
            self.touch(destination);
        }
    }

    /// Finesse accepted the credentials a Connect offered for a known agent: it moves to the
    /// new destination (the old one is told, logout first) and takes the new password.
    pub(super) fn take_over(
        &mut self,
        agent: &AgentId,
        destination: DestinationName,
        password: Password,
        reply: &Reply,
    ) {
        self.credentials.succeeded(agent);
        // The destination may have expired while Finesse was asked.
        if !self.destinations.contains_key(&destination) && !self.register(&destination, None) {
            self.count_refusal("destinations");
            self.answer_on(&destination, reply, ErrorCode::PleaseRetry);
            return;
        }
        self.bind_destination(&destination);
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        let previous = entry.destination.replace(destination.clone());
        let password_changed = entry.password != password;
        entry.password = password;
        entry.verified = true;
        let reopen = entry.session == Session::Closed || password_changed;
        let logout = super::present::logged_out(agent, entry.user.as_ref());
        if let Some(old) = previous.filter(|old| *old != destination)
            && let Some(dest) = self.destinations.get(&old)
        {
            // The seed: "GC will send a logout message followed by this message".
            let target = crate::io::Target::Destination {
                name: old.clone(),
                format: dest.format,
            };
            for event in [
                logout,
                Event::Error {
                    agent: Some(agent.clone()),
                    code: ErrorCode::SessionInvalidated,
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

    /// Finesse accepted the password a request or session was made with.
    pub(super) fn credentials_accepted(&mut self, agent: &AgentId, password: Option<Password>) {
        self.credentials.succeeded(agent);
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        let changed = password.is_some_and(|p| {
            let changed = entry.password != p;
            entry.password = p;
            changed
        });
        let newly = !entry.verified;
        entry.verified = true;
        if changed || newly {
            self.sync_agent(agent);
        }
    }

    /// Finesse refused credentials offered for the agent (`password`, when known): counted
    /// for the throttle. When its own session was refused (`session`) and it never got in, the
    /// agent is forgotten, with a short note of its destination. (A refused takeover or new
    /// password changes nothing.)
    pub(super) fn credentials_refused(
        &mut self,
        agent: &AgentId,
        password: Option<Password>,
        session: bool,
    ) {
        let now = self.now_deadline();
        self.credentials.failed(agent, now, password);
        let Some(entry) = self.agents.get(agent) else {
            return;
        };
        if !session || entry.verified || entry.licensed() || entry.is_logged_in() {
            return;
        }
        if let Some(destination) = entry.destination.clone() {
            let until = self.now.after(REFUSED_NOTE_TTL);
            self.credentials.note_refused(agent, destination, until);
        }
        self.forget(agent);
    }

    /// Whether an attempt with `password` for the agent is refused here without asking
    /// Finesse: too many refused in a row, or this very password was refused lately.
    pub(super) fn credentials_held_back(&self, agent: &AgentId, password: &Password) -> bool {
        let now = self.now_deadline();
        self.credentials.throttled(agent, now)
            || self.credentials.refused_before(agent, password, now)
    }

    /// Where the refusal of a password offered in a Login goes. The Login names no
    /// destination, so its sender cannot be told from the agent's own desk: while the agent is
    /// signed in (someone works with it), only `reply_to` hears of it, so that a stranger
    /// guessing passwords cannot disturb that desk; otherwise its desk is told (the desk that
    /// just connected it, mistyping).
    pub(super) fn candidate_via(&self, agent: &AgentId, via: Via) -> Via {
        let working = self.agents.get(agent).is_some_and(Agent::is_logged_in);
        if working && via == Via::AgentDesk {
            Via::ReplyToOnly
        } else {
            via
        }
    }

    /// A Login for an agent the connector forgot after refused credentials: bound again to the
    /// destination it connected from, with the Login's password. `false` when there is no
    /// such note (or a cap refuses it).
    pub(super) fn rebind_refused(&mut self, agent: &AgentId, password: &Password) -> bool {
        let now = self.now_deadline();
        let Some(destination) = self.credentials.refused_destination(agent, now) else {
            return false;
        };
        if !self.destinations.contains_key(&destination)
            || self.unlicensed_agents() >= self.config.max_unlicensed_agents
        {
            return false;
        }
        let mut entry = Agent::new(password.clone(), self.now.wall_string());
        entry.destination = Some(destination);
        self.agents.insert(agent.clone(), entry);
        true
    }

    /// An error answer on a destination the agent is not (yet) bound to, and the ack.
    fn answer_on(&mut self, destination: &DestinationName, reply: &Reply, code: ErrorCode) {
        let event = Event::Error {
            agent: reply.agent.clone(),
            code,
        };
        if let Some(id) = &reply.message_id {
            self.answers.add(id, &event);
        }
        let format = self.destinations.get(destination).map_or_else(
            || reply.format.unwrap_or(self.config.default_format),
            |d| d.format,
        );
        self.publish_raw_destination(destination, format, reply, event);
        self.ack(reply);
    }
}
