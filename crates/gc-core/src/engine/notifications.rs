//! Notifications from an agent's session, and the session's own life.

use gc_protocol::{AgentId, Event};

use super::agent::{Session, ShownState};
use super::requests::{Confirmation, Purpose};
use super::{Engine, Reply};
use crate::finesse::{Notification, Request, SessionEvent, TargetState, User, UserState};
use crate::io::Effect;

impl Engine {
    pub(super) fn on_notification(&mut self, agent: &AgentId, notification: Notification) {
        if !self.agents.contains_key(agent) {
            // A notification for an agent we do not hold (late, after a logout): nothing to do.
            tracing::debug!(%agent, "notification for an unknown agent dropped");
            return;
        }
        match notification {
            Notification::User { user, request_id } => {
                let answered = self.settle(agent, request_id.as_deref(), Confirmation::User);
                let login = answered
                    .as_ref()
                    .is_some_and(|p| p.purpose == Purpose::Login);
                self.apply_user(agent, user, answered.as_ref().map(|p| &p.reply), login);
            }
            Notification::DialogAdded { dialog, request_id } => {
                self.settle(agent, request_id.as_deref(), Confirmation::Dialog);
                self.on_dialog_added(agent, dialog);
            }
            Notification::DialogChanged { dialog, request_id } => {
                self.settle(agent, request_id.as_deref(), Confirmation::Dialog);
                self.on_dialog_changed(agent, dialog);
            }
            Notification::DialogRemoved { dialog, request_id } => {
                self.settle(agent, request_id.as_deref(), Confirmation::Dialog);
                self.on_dialog_removed(agent, &dialog);
            }
            Notification::TeamUser { team_id, user } => {
                let subscribed = self.agents.get_mut(agent).is_some_and(|a| {
                    a.learn_member(
                        user.login_id.as_str(),
                        user.extension.as_deref().unwrap_or_default(),
                    );
                    team_id.as_ref().is_some_and(|team| a.teams.contains(team))
                });
                if let Some(team_id) = team_id.filter(|_| subscribed) {
                    let event = super::present::team_member_changed(agent, team_id.as_str(), &user);
                    self.publish_to_agent(agent, event);
                }
            }
            Notification::ApiError {
                request_id,
                failure,
            } => {
                self.on_api_error(agent, request_id.as_deref(), failure);
            }
        }
    }

    /// Takes in a User from Finesse: publishes State when it changed or answers a request
    /// (`reply`), AgentInfo / TeamInfo when `with_info`, and follows logouts through.
    pub(super) fn apply_user(
        &mut self,
        agent: &AgentId,
        user: User,
        reply: Option<&Reply>,
        with_info: bool,
    ) {
        let signed_in_on = (!matches!(user.state, None | Some(UserState::Logout)))
            .then_some(user.extension.as_deref())
            .flatten()
            .and_then(|e| gc_protocol::Extension::parse(e).ok());
        // An agent Finesse reports signed in holds a licence, also when it signed in before
        // this connector knew it (a restart, another desktop): the count stays honest. When
        // none is free the agent keeps working but is not counted; its next Login is refused.
        let unlicensed = self.agents.get(agent).is_some_and(|a| !a.licensed());
        if let Some(extension) = signed_in_on
            && unlicensed
            && self.take_licence(agent)
        {
            if let Some(entry) = self.agents.get_mut(agent) {
                entry.extension.get_or_insert(extension);
            }
            self.sync_agent(agent);
        }
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        let was_logged_in = entry.is_logged_in();
        let key = ShownState::of(&user);
        let changed = entry.shown_state.as_ref() != Some(&key);
        entry.shown_state = Some(key);
        entry.user = Some(user.clone());
        let logged_out = user.state == Some(UserState::Logout);
        let now_not_ready = user.state == Some(UserState::NotReady);

        let state = super::present::state(agent, &user);
        match reply {
            Some(reply) => self.publish_reply(reply, state),
            None if changed => self.publish_to_agent(agent, state),
            None => {}
        }
        if with_info {
            for event in super::present::agent_info(agent, &user) {
                match reply {
                    Some(reply) => self.publish_reply(reply, event),
                    None => self.publish_to_agent(agent, event),
                }
            }
        }
        if now_not_ready {
            let plan = self
                .agents
                .get_mut(agent)
                .and_then(|a| a.lifecycle.take_logout_plan());
            if let Some(plan) = plan {
                let op = Request::SetState {
                    state: TargetState::Logout,
                    reason: plan.reason,
                };
                self.request(agent, op, Purpose::StateChange, plan.reply);
            }
        }
        if logged_out {
            self.after_logout(agent, was_logged_in);
        }
    }

    /// The agent is logged out: its licence is free, its calls are gone, and its session is
    /// closed (or the agent forgotten after force_logout).
    fn after_logout(&mut self, agent: &AgentId, was_logged_in: bool) {
        // A LOGOUT reported while our LOGIN is in flight is the state before the login, not
        // its outcome: the licence and the session stay until the login's result is known.
        let login_pending = self.login_in_flight(agent);
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        let forget = entry.lifecycle.logged_out(login_pending);
        if !login_pending {
            entry.extension = None;
        }
        entry.dialogs.clear();
        entry.consult_from = None;
        let teams = std::mem::take(&mut entry.teams);
        if forget {
            self.forget(agent);
            return;
        }
        for team in teams {
            self.emit(Effect::UnsubscribeTeam {
                agent: agent.clone(),
                team,
            });
        }
        if was_logged_in && !login_pending && entry_has_no_queue(self, agent) {
            if let Some(entry) = self.agents.get_mut(agent) {
                entry.session = Session::Closed;
            }
            self.emit(Effect::CloseSession {
                agent: agent.clone(),
            });
        }
        self.sync_agent(agent);
    }

    pub(super) fn on_session(&mut self, agent: &AgentId, event: SessionEvent) {
        let Some(entry) = self.agents.get_mut(agent) else {
            // The session of an agent we forgot: make sure it is gone.
            if event == SessionEvent::Opened {
                self.emit(Effect::CloseSession {
                    agent: agent.clone(),
                });
            }
            return;
        };
        match event {
            SessionEvent::Opened => {
                let after_gap = entry.session == Session::Interrupted;
                entry.session = Session::Open;
                let working = entry.licensed() || entry.is_logged_in();
                // The session authenticated with the agent's password: Finesse accepted it.
                self.credentials_accepted(agent, None);
                if after_gap && working {
                    // A write Finesse accepted before or during the gap may have had its
                    // notification lost with it: read it back now rather than at the confirm
                    // timeout (10 s: gc-soak, XMPP drop, commands answered too late).
                    let mut accepted: Vec<String> = self
                        .pending
                        .iter()
                        .filter(|(_, p)| &p.agent == agent && p.accepted && !p.settled)
                        .map(|(id, _)| id.clone())
                        .collect();
                    accepted.sort_unstable();
                    for id in accepted {
                        self.emit(Effect::CancelTimer(crate::io::TimerId::Request(id.clone())));
                        self.on_request_timeout(&id);
                    }
                    // Notifications of the gap are lost: read user and dialogs again and
                    // publish what changed (gc-finesse documents that the owner must).
                    let reply = Reply {
                        agent: Some(agent.clone()),
                        ..Reply::default()
                    };
                    self.request(agent, Request::GetUser, Purpose::GapUser, reply.clone());
                    self.request(agent, Request::GetDialogs, Purpose::DialogsFallback, reply);
                }
                self.run_queued(agent);
            }
            SessionEvent::Interrupted => {
                if entry.session == Session::Open {
                    entry.session = Session::Interrupted;
                }
            }
            SessionEvent::Failed(failure) => {
                entry.session = Session::Closed;
                let had_queue = !entry.queued.is_empty();
                let refused = super::credentials::is_credentials_failure(&failure.code);
                if had_queue {
                    self.fail_queued(agent, &failure.code);
                } else {
                    let event = Event::Error {
                        agent: Some(agent.clone()),
                        code: failure.code,
                    };
                    self.publish_to_agent(agent, event);
                }
                if refused {
                    let password = self.agents.get(agent).map(|a| a.password.clone());
                    self.credentials_refused(agent, password, true);
                }
            }
            SessionEvent::Closed => {
                let was_open = matches!(entry.session, Session::Open | Session::Interrupted);
                entry.session = Session::Closed;
                // Commands waiting for a session the adapter gave up on would wait for ever.
                if !entry.queued.is_empty() {
                    self.fail_queued(agent, &gc_protocol::ErrorCode::FinesseUnavailable);
                }
                let Some(entry) = self.agents.get(agent) else {
                    return;
                };
                // The adapter gave up reconnecting. A logged-in agent would be logged out by
                // Finesse after its grace period: try once more.
                if was_open && entry.is_logged_in() && self.leader {
                    self.open_session(agent);
                }
            }
        }
    }
}

fn entry_has_no_queue(engine: &Engine, agent: &AgentId) -> bool {
    engine.agents.get(agent).is_none_or(|a| a.queued.is_empty())
}
