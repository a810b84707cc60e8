//! Finesse requests in flight: what each is for, its REST result, the notification that confirms
//! a write (matched by request id), and the GET fallback when that notification never comes.

use gc_protocol::{AgentId, ErrorCode, Event, ObjectId, Password};

use super::{Engine, Reply};
use crate::finesse::{FinesseFailure, FinesseReply, Method, Request};
use crate::io::{Effect, TimerId};

/// Why a request was made: decides what its result publishes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// LOGIN: answered by State and AgentInfo (TeamInfo for supervisors).
    Login,
    /// READY / NOT_READY / LOGOUT: answered by State.
    StateChange,
    /// A call-control write: only errors are answered; dialog notifications tell the rest.
    CallControl,
    /// GetState.
    GetState,
    /// The GET after a write's notification did not come; `login` adds AgentInfo.
    Fallback { login: bool },
    /// The GET of the agent's dialogs after a call-control write's notification did not come.
    DialogsFallback,
    /// refresh: the user part.
    RefreshUser,
    /// refresh: the dialogs part.
    RefreshDialogs,
    /// After a node switch or takeover: the user part (State).
    ResyncUser,
    /// After a gap in the agent's session: the user, published only if it changed.
    GapUser,
    /// After a node switch or takeover: the dialogs part (DialogStatus).
    ResyncDialogs,
    /// Reason codes of a category (the client's name of the category the request asked for).
    ReasonCodes(gc_protocol::event::ReasonCategory),
    /// Wrap-up reasons.
    WrapUpReasons,
    /// Phone books (only the team ones for GetTeamPhonebooks).
    Phonebooks { team_only: bool },
    /// Contacts of a phone book.
    Contacts(String),
    /// getteamusers.
    TeamUsers { team: ObjectId, subscribe: bool },
    /// getteamuserstate.
    TeamMember,
    /// getqueuelist.
    Queues,
    /// A Zoom recording request.
    Recording,
    /// A Connect offering credentials for a known agent (to move it, or to change its
    /// password): the GET of the user that checks them, as the agent.
    Verify {
        /// Where the agent moves if Finesse accepts.
        destination: gc_protocol::DestinationName,
        /// The Connect's `gc-format`.
        format: Option<gc_protocol::Format>,
    },
}

impl Purpose {
    /// Whether a notification carrying the request id confirms the request (the asynchronous
    /// writes: their command is acked only once that notification answered it).
    pub(super) fn awaits_notification(&self) -> bool {
        matches!(self, Self::Login | Self::StateChange | Self::CallControl)
    }
}

/// What kind of notification carries a request id. Finesse tags every notification a write
/// causes with its id, in no fixed order (a READY that ends wrap-up first deletes the dialog,
/// then changes the user), so a request is settled only by the kind that reports its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Confirmation {
    /// A User notification: settles LOGIN and state changes.
    User,
    /// A dialog notification: settles call-control writes.
    Dialog,
    /// An asynchronous error: settles any request.
    Error,
}

impl Confirmation {
    fn confirms(self, purpose: &Purpose) -> bool {
        match self {
            Self::User => matches!(purpose, Purpose::Login | Purpose::StateChange),
            Self::Dialog => *purpose == Purpose::CallControl,
            Self::Error => true,
        }
    }
}

/// A request in flight.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub(crate) agent: AgentId,
    pub(crate) purpose: Purpose,
    pub(crate) reply: Reply,
    /// The REST call returned 202; waiting for the confirming notification.
    pub(crate) accepted: bool,
    /// The confirming notification (or async error) already arrived.
    pub(crate) settled: bool,
    /// The password the request was made with when it is not yet the agent's: it becomes the
    /// agent's only if Finesse accepts the request.
    pub(crate) candidate: Option<Password>,
}

impl Pending {
    pub(crate) fn new(agent: AgentId, purpose: Purpose, reply: Reply) -> Self {
        Self {
            agent,
            purpose,
            reply,
            accepted: false,
            settled: false,
            candidate: None,
        }
    }
}

impl Engine {
    /// Sends a Finesse operation as the agent and remembers why.
    pub(super) fn request(&mut self, agent: &AgentId, op: Request, purpose: Purpose, reply: Reply) {
        self.request_as(agent, None, op, purpose, reply);
    }

    /// Sends a Finesse operation as the agent, with `candidate` instead of its password when
    /// given (a password Finesse has not accepted yet).
    pub(super) fn request_as(
        &mut self,
        agent: &AgentId,
        candidate: Option<Password>,
        op: Request,
        purpose: Purpose,
        reply: Reply,
    ) {
        let Some(known) = self.agents.get(agent).map(|a| a.password.clone()) else {
            return;
        };
        let candidate = candidate.filter(|c| *c != known);
        let password = candidate.clone().unwrap_or(known);
        let request_id = self.new_request_id();
        // A write is journaled with the peers under the command's id before Finesse sees it,
        // so a leader that takes over after a crash does not perform it again.
        let journal = reply
            .message_id
            .clone()
            .filter(|_| reply.token.is_some() && op.method() != Method::Get);
        let mut pending = Pending::new(agent.clone(), purpose, reply.clone());
        pending.candidate = candidate;
        self.pending.insert(request_id.clone(), pending);
        self.start_work(&reply, 1);
        let deadline = self.now.after(self.config.answer_timeout);
        self.emit(Effect::Finesse {
            agent: agent.clone(),
            password,
            request_id,
            request: op,
            deadline,
            journal,
        });
    }

    pub(super) fn on_finesse_result(
        &mut self,
        agent: &AgentId,
        request_id: &str,
        result: Result<FinesseReply, FinesseFailure>,
    ) {
        let Some(mut pending) = self.pending.remove(request_id) else {
            return;
        };
        if &pending.agent != agent {
            // Not ours after all; put it back untouched.
            self.pending.insert(request_id.to_owned(), pending);
            return;
        }
        if result.is_ok()
            && !matches!(pending.purpose, Purpose::Verify { .. })
            && pending.candidate.is_some()
        {
            // Finesse took the request made with the new password: it is the agent's now.
            let candidate = pending.candidate.take();
            self.credentials_accepted(agent, candidate);
        }
        match result {
            Ok(FinesseReply::Accepted)
                if pending.purpose.awaits_notification() && !pending.settled =>
            {
                // The command stays unacked until the notification (or the fallback) answers
                // it: acked at the 202, a leader killed before the answer left a command the
                // broker never redelivers and nobody answers (found by gc-soak, kill -9).
                pending.accepted = true;
                let timeout = self.config.request_timeout;
                self.pending.insert(request_id.to_owned(), pending);
                self.arm(TimerId::Request(request_id.to_owned()), timeout);
            }
            Ok(data) => {
                if !pending.settled {
                    self.complete(&pending, data);
                }
                self.finish_work(&pending.reply);
            }
            Err(failure) => {
                if !pending.settled {
                    self.fail_pending(&pending, failure);
                }
                self.finish_work(&pending.reply);
            }
        }
    }

    /// Publishes what a GET reply means for its purpose.
    fn complete(&mut self, pending: &Pending, data: FinesseReply) {
        let agent = pending.agent.clone();
        let reply = &pending.reply;
        match (&pending.purpose, data) {
            (Purpose::GetState | Purpose::ResyncUser, FinesseReply::User(user)) => {
                self.apply_user(&agent, *user, Some(reply), false);
            }
            (Purpose::GapUser, FinesseReply::User(user)) => {
                self.apply_user(&agent, *user, None, false);
            }
            (Purpose::Fallback { login }, FinesseReply::User(user)) => {
                self.apply_user(&agent, *user, Some(reply), *login);
            }
            (Purpose::RefreshUser, FinesseReply::User(user)) => {
                self.apply_user(&agent, *user, Some(reply), true);
            }
            (Purpose::DialogsFallback, FinesseReply::Dialogs(dialogs)) => {
                self.reconcile_dialogs(&agent, dialogs);
            }
            (Purpose::RefreshDialogs, FinesseReply::Dialogs(dialogs)) => {
                self.replace_dialogs(&agent, dialogs, Some(reply), false);
            }
            (Purpose::ResyncDialogs, FinesseReply::Dialogs(dialogs)) => {
                self.replace_dialogs(&agent, dialogs, Some(reply), true);
            }
            (Purpose::ReasonCodes(category), FinesseReply::ReasonCodes(codes)) => {
                let event = self.reason_codes_event(&agent, *category, &codes);
                self.publish_reply(reply, event);
            }
            (Purpose::WrapUpReasons, FinesseReply::WrapUpReasons(reasons)) => {
                let event = self.wrap_up_event(&agent, &reasons);
                self.publish_reply(reply, event);
            }
            (Purpose::Phonebooks { team_only }, FinesseReply::PhoneBooks(books)) => {
                let event = super::present::phonebooks(&agent, &books, *team_only);
                self.publish_reply(reply, event);
            }
            (Purpose::Contacts(book), FinesseReply::Contacts(contacts)) => {
                let event = super::present::contacts(&agent, book, &contacts);
                self.publish_reply(reply, event);
            }
            (Purpose::TeamUsers { team, subscribe }, FinesseReply::Team(data)) => {
                if let Some(entry) = self.agents.get_mut(&agent) {
                    for user in &data.users {
                        entry.learn_member(
                            user.login_id.as_str(),
                            user.extension.as_deref().unwrap_or_default(),
                        );
                    }
                }
                let event = super::present::team_users(&agent, &data);
                self.publish_reply(reply, event);
                if *subscribe
                    && let Some(entry) = self.agents.get_mut(&agent)
                    && entry.teams.insert(team.clone())
                {
                    self.emit(Effect::SubscribeTeam {
                        agent: agent.clone(),
                        team: team.clone(),
                    });
                }
            }
            (Purpose::TeamMember, FinesseReply::User(user)) => {
                if let Some(entry) = self.agents.get_mut(&agent) {
                    entry.learn_member(
                        user.login_id.as_str(),
                        user.extension.as_deref().unwrap_or_default(),
                    );
                }
                let event = super::present::team_member_from_user(&agent, &user);
                self.publish_reply(reply, event);
            }
            (Purpose::Verify { destination, .. }, FinesseReply::User(_)) => {
                let password = pending
                    .candidate
                    .clone()
                    .or_else(|| self.agents.get(&agent).map(|a| a.password.clone()));
                if let Some(password) = password {
                    self.take_over(&agent, destination.clone(), password, reply);
                }
            }
            (Purpose::Queues, FinesseReply::Queues(queues)) => {
                let event = super::present::queue_list(&agent, &queues);
                self.publish_reply(reply, event);
            }
            // 2xx for a write that needs no notification, or a reply of an unexpected shape:
            // nothing to tell the client.
            _ => {}
        }
    }

    /// Publishes the error for a failed request and undoes what the request had reserved.
    fn fail_pending(&mut self, pending: &Pending, failure: FinesseFailure) {
        let code = Self::client_code(&pending.purpose, &failure);
        let refused = super::credentials::is_credentials_failure(&code);
        let verifying = matches!(pending.purpose, Purpose::Verify { .. });
        if refused && (pending.candidate.is_some() || verifying) {
            self.credentials_refused(&pending.agent, pending.candidate.clone(), false);
        }
        let mut reply = pending.reply.clone();
        if pending.candidate.is_some() {
            reply.via = self.candidate_via(&pending.agent, reply.via);
        }
        if pending.purpose == Purpose::Login
            && let Some(entry) = self.agents.get_mut(&pending.agent)
            && !entry.is_logged_in()
        {
            entry.lifecycle.release_licence();
            entry.extension = None;
            // Peers mirrored the licence when the login started: give it back there too.
            self.sync_agent(&pending.agent);
        }
        if let Some(entry) = self.agents.get_mut(&pending.agent) {
            // A NOT_READY that was the first step of a logout failed: the logout is off.
            if pending.purpose == Purpose::StateChange {
                entry.lifecycle.drop_logout_plan();
            }
        }
        self.publish_reply(
            &reply,
            Event::Error {
                agent: Some(pending.agent.clone()),
                code,
            },
        );
    }

    /// The seed's code for a failure: Finesse asking for a reason code becomes
    /// MISSING_REASON_CODE ("GC/Finesse expects reason-code that wasn't provided").
    fn client_code(purpose: &Purpose, failure: &FinesseFailure) -> ErrorCode {
        let about_reason = failure.error_type.eq_ignore_ascii_case("Parameter Missing")
            || failure.message.to_ascii_lowercase().contains("reasoncode");
        if *purpose == Purpose::StateChange && about_reason {
            ErrorCode::MissingReasonCode
        } else {
            failure.code.clone()
        }
    }

    /// Takes the request a notification answers, if it is one of ours for this agent. The
    /// request stays known (settled) until its REST result arrives when that has not happened.
    pub(super) fn settle(
        &mut self,
        agent: &AgentId,
        request_id: Option<&str>,
        by: Confirmation,
    ) -> Option<Pending> {
        let id = request_id.filter(|id| !id.is_empty())?;
        let pending = self.pending.get_mut(id)?;
        if &pending.agent != agent || pending.settled || !by.confirms(&pending.purpose) {
            return None;
        }
        let snapshot = pending.clone();
        if pending.accepted {
            self.pending.remove(id);
            self.emit(Effect::CancelTimer(TimerId::Request(id.to_owned())));
            // Its answer is published in this step; the ack is released after it.
            self.finish_work(&snapshot.reply);
        } else {
            pending.settled = true;
        }
        Some(snapshot)
    }

    /// An asynchronous error for one of our requests.
    pub(super) fn on_api_error(
        &mut self,
        agent: &AgentId,
        request_id: Option<&str>,
        failure: FinesseFailure,
    ) {
        if let Some(pending) = self.settle(agent, request_id, Confirmation::Error) {
            self.fail_pending(&pending, failure);
        } else {
            // An error for a request we did not make (or already forgot): tell the agent anyway.
            let code = failure.code;
            self.publish_to_agent(
                agent,
                Event::Error {
                    agent: Some(agent.clone()),
                    code,
                },
            );
        }
    }

    /// A write's notification did not come in time: read the object instead.
    pub(super) fn on_request_timeout(&mut self, request_id: &str) {
        let Some(pending) = self.pending.remove(request_id) else {
            return;
        };
        // The request is over: a command still counting on it (its REST result never came)
        // now counts on the fallback instead.
        let reply = pending.reply.clone();
        match pending.purpose {
            Purpose::Login | Purpose::StateChange => {
                let login = pending.purpose == Purpose::Login;
                let agent = pending.agent.clone();
                self.request(
                    &agent,
                    Request::GetUser,
                    Purpose::Fallback { login },
                    pending.reply,
                );
            }
            // Call control: read the agent's dialogs and show what the missing notifications
            // would have shown.
            Purpose::CallControl => {
                let agent = pending.agent.clone();
                self.request(
                    &agent,
                    Request::GetDialogs,
                    Purpose::DialogsFallback,
                    pending.reply,
                );
            }
            _ => {}
        }
        self.finish_work(&reply);
    }

    pub(super) fn on_recording_result(
        &mut self,
        agent: &AgentId,
        request_id: &str,
        result: Result<(), String>,
    ) {
        let Some(pending) = self.pending.remove(request_id) else {
            return;
        };
        if &pending.agent != agent {
            self.pending.insert(request_id.to_owned(), pending);
            return;
        }
        if result.is_err() {
            let event = Event::Error {
                agent: Some(agent.clone()),
                code: ErrorCode::PleaseRetry,
            };
            self.publish_reply(&pending.reply, event);
        }
        self.finish_work(&pending.reply);
    }
}
