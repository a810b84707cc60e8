//! Agent and supervisor commands: each mapped to a Finesse operation or answered from what the
//! engine already knows.

use gc_protocol::event::ReasonCategory as Category;
use gc_protocol::{AgentCommand as C, AgentId, DialogId, ErrorCode, Event, Extension};

use super::agent::{Agent, Queued, Session, Tracked};
use super::requests::Purpose;
use super::{Engine, Reply};
use crate::finesse::{
    CallVariable, DialogAction, ParticipantState, ReasonCategory, Request, TargetState, participant,
};
use crate::io::{Effect, RecordingAction, TimerId};

/// Whether a command must wait for the agent's notification session: writes whose outcome only
/// a notification reports, and the team subscription.
fn needs_session(command: &C) -> bool {
    !matches!(
        command,
        C::Connect { .. }
            | C::GetState
            | C::WrapUpReasonCodes
            | C::LogoutReasonCodes
            | C::NotReadyReasonCodes
            | C::GetDialogState { .. }
            | C::GetDialogStateControls { .. }
            | C::GetDialogParticipants { .. }
            | C::GetAllAgents
            | C::ZoomPauseRecording
            | C::ZoomResumeRecording
            | C::Refresh
            | C::GetPhonebooks
            | C::GetPhonebookContacts { .. }
            | C::GetTeamPhonebooks
            | C::GetQueueList
            | C::GetTeamUserState { .. }
            | C::ForceLogout
            | C::GetTeamUsers {
                subscribe: false,
                ..
            }
    )
}

impl Engine {
    pub(super) fn on_agent_command(&mut self, agent: &AgentId, command: C, reply: Reply) {
        let offered = match &command {
            C::Login { password, .. } | C::MobileAgentLogin { password, .. } => {
                Some(password.clone())
            }
            _ => None,
        };
        if let Some(password) = &offered {
            if !self.agents.contains_key(agent) {
                // Forgotten after its Connect's password was refused: a Login with another
                // password from that desk gets its chance.
                self.rebind_refused(agent, password);
            }
            let new_password = self
                .agents
                .get(agent)
                .is_some_and(|a| a.password != *password);
            if new_password && self.credentials_held_back(agent, password) {
                self.count_refusal("credentials");
                let via = self.candidate_via(agent, reply.via.clone());
                let reply = Reply { via, ..reply };
                self.fail_reply(&reply, ErrorCode::SubscriptionFailed);
                return;
            }
            if new_password
                && let Some(entry) = self.agents.get_mut(agent)
                && !entry.verified
            {
                // No password was accepted yet: the session opens with this one (its
                // authentication is the check), and the Login waits for it.
                entry.password = password.clone();
                entry.session = Session::Closed;
            }
        }
        let Some(entry) = self.agents.get(agent) else {
            // O-007 a): the connector has no session for this agent; the client must Connect
            // and Login again. It is told on reply_to, or on the destination it said it reads
            // (header gc-destination); a command that names neither cannot be answered.
            let reply = match reply.sender.clone() {
                Some(sender) if reply.reply_to.is_none() => Reply {
                    via: super::Via::Desk(sender),
                    ..reply
                },
                _ => reply,
            };
            if reply.reply_to.is_some() || matches!(reply.via, super::Via::Desk(_)) {
                self.publish_reply(
                    &reply,
                    Event::ReLogin {
                        agent: agent.clone(),
                    },
                );
                self.ack(&reply);
            } else {
                self.dead_letter(&reply, format!("unknown agent {agent}"));
            }
            return;
        };
        let waiting = entry.queued.len() + self.busy.get(agent).copied().unwrap_or(0);
        if waiting >= self.config.max_pending_per_agent {
            // One agent (a slow Finesse, a flooding client) must not hold every unacked
            // delivery: beyond the cap its commands are answered at once.
            tracing::debug!(%agent, waiting, "command refused: too many pending for this agent");
            self.count_refusal("pending_per_agent");
            self.fail_reply(&reply, ErrorCode::PleaseRetry);
            return;
        }
        if needs_session(&command) && entry.session != Session::Open {
            self.queue_for_session(agent, command, reply);
            return;
        }
        self.execute(agent, command, reply);
    }

    /// Keeps a command until the agent's session opens, and no longer than the request
    /// timeout: then it is answered FINESSE_UNAVAILABLE.
    fn queue_for_session(&mut self, agent: &AgentId, command: C, reply: Reply) {
        let deadline = self.now.after(self.config.answer_timeout);
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        let closed = entry.session == Session::Closed;
        let first = entry.queued.is_empty();
        entry.queued.push(Queued {
            command,
            reply,
            deadline,
        });
        if first {
            self.emit(Effect::ArmTimer {
                timer: TimerId::SessionWait(agent.clone()),
                at: deadline,
            });
        }
        if closed {
            self.open_session(agent);
        }
    }

    /// Runs commands that waited for the session.
    pub(super) fn run_queued(&mut self, agent: &AgentId) {
        let queued = self.take_queued(agent);
        for Queued { command, reply, .. } in queued {
            self.execute(agent, command, reply);
        }
    }

    /// Answers every waiting command with an error (the session could not be opened).
    pub(super) fn fail_queued(&mut self, agent: &AgentId, code: &ErrorCode) {
        for Queued { reply, .. } in self.take_queued(agent) {
            self.fail_reply(&reply, code.clone());
        }
    }

    /// Answers every waiting command with RE_LOGIN (O-007: the agent's session is gone; the
    /// client must Connect and Login again).
    pub(super) fn re_login_queued(&mut self, agent: &AgentId) {
        for Queued { reply, .. } in self.take_queued(agent) {
            self.publish_reply(
                &reply,
                Event::ReLogin {
                    agent: agent.clone(),
                },
            );
            self.ack(&reply);
        }
    }

    /// Puts every waiting command back for the leader (this instance stopped leading).
    pub(super) fn requeue_queued(&mut self, agent: &AgentId) {
        for Queued { reply, .. } in self.take_queued(agent) {
            self.requeue(&reply);
        }
    }

    /// The commands waiting for the agent's session, with their timer cancelled.
    fn take_queued(&mut self, agent: &AgentId) -> Vec<Queued> {
        let queued = self
            .agents
            .get_mut(agent)
            .map(|a| std::mem::take(&mut a.queued))
            .unwrap_or_default();
        if !queued.is_empty() {
            self.emit(Effect::CancelTimer(TimerId::SessionWait(agent.clone())));
        }
        queued
    }

    /// The agent's session did not open in time for some waiting commands: they are answered
    /// FINESSE_UNAVAILABLE; the timer is armed again for the others.
    pub(super) fn on_session_wait_expired(&mut self, agent: &AgentId) {
        let now = self.now.after(std::time::Duration::ZERO);
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        let (expired, waiting): (Vec<Queued>, Vec<Queued>) = std::mem::take(&mut entry.queued)
            .into_iter()
            .partition(|q| q.deadline <= now);
        let next = waiting.iter().map(|q| q.deadline).min();
        entry.queued = waiting;
        if let Some(at) = next {
            self.emit(Effect::ArmTimer {
                timer: TimerId::SessionWait(agent.clone()),
                at,
            });
        }
        for Queued { reply, .. } in expired {
            self.count_refusal("session_wait");
            self.fail_reply(&reply, ErrorCode::FinesseUnavailable);
        }
    }

    /// Publishes an error answer and acks the command.
    pub(super) fn fail_reply(&mut self, reply: &Reply, code: ErrorCode) {
        self.publish_reply(
            reply,
            Event::Error {
                agent: reply.agent.clone(),
                code,
            },
        );
        self.ack(reply);
    }

    fn execute(&mut self, agent: &AgentId, command: C, reply: Reply) {
        match command {
            C::Connect { .. } => self.ack(&reply),
            C::Login {
                password,
                extension,
            } => {
                self.login(agent, password, extension, None, reply);
            }
            C::MobileAgentLogin {
                password,
                extension,
                dial_number,
                mode,
            } => {
                let mobile = Some((dial_number, mode.into()));
                self.login(agent, password, extension, mobile, reply);
            }
            C::Logout => self.logout(agent, None, false, reply),
            C::LogoutWithReason { reason } => self.logout(agent, Some(reason), false, reply),
            C::ForceLogout => self.force_logout(agent, reply),
            // Work-ready / work-not-ready: READY / NOT_READY, which Finesse applies after the
            // current call's wrap-up (pendingState) or at once when there is no call.
            C::MakeReady | C::MakeWorkReady => {
                self.set_state(agent, TargetState::Ready, None, reply);
            }
            C::MakeNotReady | C::MakeWorkNotReady => {
                self.set_state(agent, TargetState::NotReady, None, reply);
            }
            C::MakeNotReadyWithReason { reason } => {
                self.set_state(agent, TargetState::NotReady, Some(reason), reply);
            }
            C::GetState => self.request(agent, Request::GetUser, Purpose::GetState, reply),
            C::MakeCall { number } => {
                let Some(from) = self.extension_or_fail(agent, &reply) else {
                    return;
                };
                self.request(
                    agent,
                    Request::MakeCall { from, to: number },
                    Purpose::CallControl,
                    reply,
                );
            }
            C::AnswerCall { dialog } => {
                self.dialog_action(agent, &dialog, DialogAction::Answer, reply);
            }
            C::HoldCall { dialog } => self.dialog_action(agent, &dialog, DialogAction::Hold, reply),
            C::RetrieveCall { dialog } => {
                self.dialog_action(agent, &dialog, DialogAction::Retrieve, reply);
            }
            C::ReleaseCall { dialog } | C::EndSilentMonitor { dialog } => {
                self.dialog_action(agent, &dialog, DialogAction::Drop, reply);
            }
            C::TransferSst { number, dialog } => {
                self.dialog_action(
                    agent,
                    &dialog,
                    DialogAction::TransferSst { to: number },
                    reply,
                );
            }
            C::ConsultCall { number, dialog } => {
                if let Some(entry) = self.agents.get_mut(agent) {
                    entry.consult_from = Some(dialog.clone());
                }
                self.dialog_action(
                    agent,
                    &dialog,
                    DialogAction::ConsultCall { to: number },
                    reply,
                );
            }
            C::TransferCall { extension, dialog } => {
                self.dialog_action_as(agent, &dialog, extension, DialogAction::Transfer, reply);
            }
            C::ConferenceCall { extension, dialog } => {
                self.dialog_action_as(agent, &dialog, extension, DialogAction::Conference, reply);
            }
            C::WrapUp { reason, dialog } => {
                let action = DialogAction::UpdateCallData {
                    variables: Vec::new(),
                    wrap_up_reason: Some(reason.as_str().to_owned()),
                };
                self.dialog_action(agent, &dialog, action, reply);
            }
            C::UpdateCallVariable {
                dialog,
                name,
                value,
            } => {
                let action = DialogAction::UpdateCallData {
                    variables: vec![CallVariable::new(name.as_str(), value.as_str())],
                    wrap_up_reason: None,
                };
                self.dialog_action(agent, &dialog, action, reply);
            }
            C::AcceptOutboundPreview { dialog } => {
                self.dialog_action(agent, &dialog, DialogAction::Accept, reply);
            }
            C::RejectOutboundPreview { dialog } => {
                self.dialog_action(agent, &dialog, DialogAction::Reject, reply);
            }
            C::CloseOutboundPreview { dialog } => {
                self.dialog_action(agent, &dialog, DialogAction::Close, reply);
            }
            C::DropParticipant { extension, dialog } => {
                let action = DialogAction::ParticipantDrop {
                    participant: extension.clone(),
                };
                self.dialog_action_as(agent, &dialog, extension, action, reply);
            }
            C::GetDialogState { dialog } => self.answer_dialog_state(agent, &dialog, &reply),
            C::GetDialogStateControls { dialog } => self.answer_controls(agent, &dialog, &reply),
            C::GetDialogParticipants { dialog } => self.answer_participants(agent, &dialog, &reply),
            C::GetAllAgents => {
                let event = self.all_agents(agent);
                self.publish_reply(&reply, event);
                self.ack(&reply);
            }
            C::WrapUpReasonCodes => {
                self.request(
                    agent,
                    Request::GetWrapUpReasons,
                    Purpose::WrapUpReasons,
                    reply,
                );
            }
            C::LogoutReasonCodes => {
                let op = Request::GetReasonCodes(ReasonCategory::Logout);
                self.request(agent, op, Purpose::ReasonCodes(Category::Logout), reply);
            }
            C::NotReadyReasonCodes => {
                let op = Request::GetReasonCodes(ReasonCategory::NotReady);
                self.request(agent, op, Purpose::ReasonCodes(Category::NotReady), reply);
            }
            C::ZoomPauseRecording => self.recording(agent, RecordingAction::Pause, reply),
            C::ZoomResumeRecording => self.recording(agent, RecordingAction::Resume, reply),
            C::Refresh => {
                self.request(agent, Request::GetUser, Purpose::RefreshUser, reply.clone());
                self.request(agent, Request::GetDialogs, Purpose::RefreshDialogs, reply);
            }
            C::GetPhonebooks => {
                self.request(
                    agent,
                    Request::GetPhoneBooks,
                    Purpose::Phonebooks { team_only: false },
                    reply,
                );
            }
            C::GetTeamPhonebooks => {
                self.request(
                    agent,
                    Request::GetPhoneBooks,
                    Purpose::Phonebooks { team_only: true },
                    reply,
                );
            }
            C::GetPhonebookContacts { phonebook } => {
                let purpose = Purpose::Contacts(phonebook.as_str().to_owned());
                self.request(agent, Request::GetContacts(phonebook), purpose, reply);
            }
            C::GetQueueList => self.request(agent, Request::GetQueues, Purpose::Queues, reply),
            C::GetTeamUsers { team, subscribe } => {
                let purpose = Purpose::TeamUsers {
                    team: team.clone(),
                    subscribe,
                };
                self.request(agent, Request::GetTeam(team), purpose, reply);
            }
            C::GetTeamUserState { member } => {
                let op = Request::GetTeamMember { member };
                self.request(agent, op, Purpose::TeamMember, reply);
            }
            C::SilentMonitor { extension } => {
                let Some(from) = self.extension_or_fail(agent, &reply) else {
                    return;
                };
                let op = Request::SilentMonitor {
                    from,
                    to: extension,
                };
                self.request(agent, op, Purpose::CallControl, reply);
            }
            C::BargeIn { member, dialog } => self.barge_in(agent, &member, dialog, reply),
        }
    }

    /// The agent's extension, or an error answer when it is not logged in.
    fn extension_or_fail(&mut self, agent: &AgentId, reply: &Reply) -> Option<Extension> {
        let extension = self.agents.get(agent).and_then(Agent::own_extension);
        if extension.is_none() {
            // O-007 b): "the GC didn't have agent extension in agent structure ... GC therefore
            // requests client to RE_LOGIN".
            self.publish_reply(
                reply,
                Event::ReLogin {
                    agent: agent.clone(),
                },
            );
            self.ack(reply);
        }
        extension
    }

    /// A dialog action with the agent's own extension as `targetMediaAddress`.
    fn dialog_action(
        &mut self,
        agent: &AgentId,
        dialog: &DialogId,
        action: DialogAction,
        reply: Reply,
    ) {
        let Some(target) = self.extension_or_fail(agent, &reply) else {
            return;
        };
        self.dialog_action_as(agent, dialog, target, action, reply);
    }

    /// A dialog action on a dialog the agent has; NO_DIALOG_ID otherwise.
    fn dialog_action_as(
        &mut self,
        agent: &AgentId,
        dialog: &DialogId,
        target: Extension,
        action: DialogAction,
        reply: Reply,
    ) {
        let known = self
            .agents
            .get(agent)
            .is_some_and(|a| a.dialogs.contains_key(dialog));
        if !known {
            self.fail_reply(&reply, ErrorCode::NoDialogId);
            return;
        }
        let op = Request::DialogAction {
            dialog: dialog.clone(),
            target,
            action,
        };
        self.request(agent, op, Purpose::CallControl, reply);
    }

    /// `bargein`: barge into the call the supervisor monitors. The seed's parameters are the
    /// member's `<Team_Agent_LoginID>` and a `<Dialog_ID>`: the login id is resolved to the
    /// member's current extension (an agent of this connector, else the supervisor's team as
    /// Finesse last showed it), which must be on the monitored call; the dialog may be the
    /// supervisor's monitoring dialog (what Finesse's BARGE_CALL wants) or the monitored call
    /// itself (what the supervisor sees on the team view), and when neither is known, the
    /// monitoring dialog on which the member's extension is.
    fn barge_in(&mut self, agent: &AgentId, member: &AgentId, dialog: DialogId, reply: Reply) {
        let Some(from) = self.extension_or_fail(agent, &reply) else {
            return;
        };
        let Some(entry) = self.agents.get(agent) else {
            return;
        };
        let member_extension = self
            .agents
            .get(member)
            .and_then(Agent::own_extension)
            .map(|e| e.as_str().to_owned())
            .or_else(|| entry.members.get(member.as_str()).cloned());
        let on_call = |t: &&Tracked| {
            member_extension
                .as_deref()
                .is_some_and(|ext| participant(&t.dialog, ext).is_some())
        };
        let tracked = entry
            .dialogs
            .get(&dialog)
            .or_else(|| {
                entry
                    .dialogs
                    .values()
                    .find(|t| t.dialog.associated_dialog.as_ref() == Some(&dialog))
            })
            .or_else(|| {
                entry
                    .dialogs
                    .values()
                    .find(|t| t.dialog.associated_dialog.is_some() && on_call(t))
            });
        let Some(tracked) = tracked else {
            self.fail_reply(&reply, ErrorCode::NoDialogId);
            return;
        };
        let monitor_dialog = tracked.dialog.id.clone();
        let to = match member_extension.as_deref() {
            // The member is known: it must be on the monitored call.
            Some(ext) if participant(&tracked.dialog, ext).is_some() => Extension::parse(ext).ok(),
            Some(_) => {
                self.fail_reply(&reply, ErrorCode::NoDialogId);
                return;
            }
            // Unknown member: the other agent device on the monitored call.
            None => tracked
                .dialog
                .participants
                .iter()
                .filter(|p| p.media_address.as_deref().unwrap_or_default() != from.as_str())
                .find(|p| p.media_address_type.as_deref() == Some("AGENT_DEVICE"))
                .and_then(|p| p.media_address.as_deref())
                .and_then(|a| Extension::parse(a).ok()),
        };
        let Some(to) = to else {
            self.fail_reply(&reply, ErrorCode::PleaseRetry);
            return;
        };
        let op = Request::BargeCall {
            from,
            to,
            monitor_dialog,
        };
        self.request(agent, op, Purpose::CallControl, reply);
    }

    fn recording(&mut self, agent: &AgentId, action: RecordingAction, reply: Reply) {
        if !self.config.recording_configured {
            self.fail_reply(&reply, ErrorCode::RecordingNotConfigured);
            return;
        }
        let Some(entry) = self.agents.get(agent) else {
            return;
        };
        let extension = entry.own_extension();
        let dialog = entry
            .dialogs
            .values()
            .find(|t| {
                t.shown
                    .as_ref()
                    .is_some_and(|c| c.state == ParticipantState::Active.as_str())
            })
            .or_else(|| entry.dialogs.values().next())
            .map(|t| t.dialog.id.clone());
        let request_id = self.new_request_id();
        self.pending.insert(
            request_id.clone(),
            super::requests::Pending::new(agent.clone(), Purpose::Recording, reply.clone()),
        );
        self.start_work(&reply, 1);
        self.emit(Effect::Recording {
            agent: agent.clone(),
            request_id,
            extension,
            dialog,
            action,
        });
    }
}
