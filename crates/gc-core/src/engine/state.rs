//! Agent state commands (login, ready / not ready, logout, force_logout), licences, and
//! forgetting an agent.

use gc_protocol::{AgentId, DialNumber, Extension, Password, ReasonCode};

use super::agent::LogoutPlan;
use super::requests::Purpose;
use super::{Engine, Reply};
use crate::finesse::{MobileAgentMode, Request, TargetState, UserState};
use crate::io::{Effect, PeerSync, TimerId};

impl Engine {
    /// LOGIN (or mobile agent LOGIN). Takes a licence first: the agent over the limit gets
    /// LICENSES_EXCEEDED and Finesse never sees the request.
    pub(super) fn login(
        &mut self,
        agent: &AgentId,
        password: Password,
        extension: Extension,
        mobile: Option<(DialNumber, MobileAgentMode)>,
        reply: Reply,
    ) {
        if !self.take_licence(agent) {
            self.fail_reply(&reply, gc_protocol::ErrorCode::LicensesExceeded);
            return;
        }
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        entry.extension = Some(extension.clone());
        self.sync_agent(agent);
        // Performed with the Login's password; it becomes the agent's only once Finesse
        // accepted the LOGIN (`request_as` keeps it as a candidate until then).
        self.request_as(
            agent,
            Some(password),
            Request::Login { extension, mobile },
            Purpose::Login,
            reply,
        );
    }

    /// Marks the agent as holding a licence; `false` when none is free. An agent holding one
    /// already keeps it.
    pub(super) fn take_licence(&mut self, agent: &AgentId) -> bool {
        let licensed = self.licensed_agents();
        let Some(entry) = self.agents.get_mut(agent) else {
            return false;
        };
        if entry.licensed() {
            return true;
        }
        if self.config.max_agents.is_some_and(|max| licensed >= max) {
            return false;
        }
        entry.lifecycle.take_licence();
        true
    }

    /// Whether a LOGIN of the agent is in flight (sent, its outcome not yet known).
    pub(super) fn login_in_flight(&self, agent: &AgentId) -> bool {
        self.pending
            .values()
            .any(|p| &p.agent == agent && p.purpose == Purpose::Login && !p.settled)
    }

    pub(super) fn set_state(
        &mut self,
        agent: &AgentId,
        state: TargetState,
        reason: Option<ReasonCode>,
        reply: Reply,
    ) {
        let op = Request::SetState { state, reason };
        self.request(agent, op, Purpose::StateChange, reply);
    }

    /// Logs the agent out. UCCE accepts LOGOUT only from NOT_READY, so a READY agent is made
    /// NOT_READY first and logged out when Finesse confirms it.
    pub(super) fn logout(
        &mut self,
        agent: &AgentId,
        reason: Option<ReasonCode>,
        forget: bool,
        reply: Reply,
    ) {
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        if matches!(
            entry.state(),
            Some(UserState::Ready | UserState::Work | UserState::WorkReady)
        ) {
            let later = Reply {
                token: None,
                ..reply.clone()
            };
            entry.lifecycle.begin_logout(
                forget,
                Some(LogoutPlan {
                    reason,
                    reply: later,
                }),
            );
            self.set_state(agent, TargetState::NotReady, None, reply);
            return;
        }
        entry.lifecycle.begin_logout(forget, None);
        let op = Request::SetState {
            state: TargetState::Logout,
            reason,
        };
        self.request(agent, op, Purpose::StateChange, reply);
    }

    /// `force_logout`: log out with the configured reason and forget the agent. The seed
    /// answers it with Agent State, so an agent with nothing to log out on Finesse is told
    /// `State#LOGOUT` before it is forgotten (afterwards its destination is unknown).
    pub(super) fn force_logout(&mut self, agent: &AgentId, reply: Reply) {
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        if !entry.is_logged_in() && !entry.licensed() {
            let event = super::present::logged_out(agent, entry.user.as_ref());
            self.publish_reply(&reply, event);
            self.forget(agent);
            self.ack(&reply);
            return;
        }
        let reason = self.config.force_logout_reason.clone();
        self.logout(agent, reason, true, reply);
    }

    /// Shutdown: with `logout_agents`, every agent holding a licence is logged out (READY
    /// agents are made NOT_READY first, as for a client's Logout); the State answers go to
    /// their destinations.
    pub(super) fn on_shutdown(&mut self, logout_agents: bool) {
        if !logout_agents || !self.leader {
            return;
        }
        for agent in self.licensed_agent_ids() {
            let reply = Reply {
                agent: Some(agent.clone()),
                ..Reply::default()
            };
            self.logout(&agent, None, false, reply);
        }
    }

    /// Drops everything about the agent (session, licence, binding) and tells peers.
    pub(super) fn forget(&mut self, agent: &AgentId) {
        if self.drop_agent(agent) {
            self.emit(Effect::CloseSession {
                agent: agent.clone(),
            });
            self.emit(Effect::Sync(PeerSync::AgentRemoved(agent.clone())));
        }
    }

    /// Removes the agent and every request it has in flight (their commands are acked: the
    /// work was handed to Finesse, and nobody is left to answer). `false` if it was unknown.
    pub(super) fn drop_agent(&mut self, agent: &AgentId) -> bool {
        if !self.agents.contains_key(agent) {
            return false;
        }
        // Commands still waiting for the session are answered while the agent's destination
        // is known: they will never run.
        self.re_login_queued(agent);
        self.agents.remove(agent);
        let mut stale: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| &p.agent == agent)
            .map(|(id, _)| id.clone())
            .collect();
        // Sorted so the effects come in the same order on every run.
        stale.sort_unstable();
        for id in stale {
            if let Some(p) = self.pending.remove(&id) {
                self.emit(Effect::CancelTimer(TimerId::Request(id)));
                self.finish_work(&p.reply);
            }
        }
        true
    }

    /// Forgets every request in flight (this instance stopped being the leader: the results
    /// are the new leader's business, which re-reads every agent). Their commands are put back
    /// unanswered, so the leader answers them: a write's outcome is unknown here, so its
    /// redelivery is answered with the agent's state as Finesse has it (never performed again,
    /// see `on_client`); any other command simply runs again.
    pub(super) fn drop_pending(&mut self) {
        let mut ids: Vec<String> = self.pending.keys().cloned().collect();
        ids.sort_unstable();
        for id in ids {
            if let Some(p) = self.pending.remove(&id) {
                self.emit(Effect::CancelTimer(TimerId::Request(id)));
                if let Some(message_id) = &p.reply.message_id {
                    if p.purpose.awaits_notification() {
                        self.answers.outcome_unknown(message_id);
                    } else {
                        self.answers.forget(message_id);
                    }
                }
                if let Some(token) = p.reply.token
                    && let Some((_, agent)) = self.outstanding.remove(&token)
                {
                    if let Some(agent) = agent {
                        self.release_busy(&agent);
                    }
                    self.emit(Effect::Requeue(token));
                }
            }
        }
    }
}
