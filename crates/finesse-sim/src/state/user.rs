//! The agent state machine as driven by `PUT /finesse/api/User/{id}` (finesse-api.md §2.3, §2.4),
//! and sign-in authentication with the five-strikes lockout (§1.2).
//!
//! Validation happens twice, as in Finesse: [`World::check_user_put`] runs before the 202 and
//! yields the synchronous `ApiErrors`; [`World::apply_user_put`] runs later on the engine and
//! reports what the CTI server would reject as an asynchronous `apiErrors` notification.

use super::model::{AgentState, MobileAgent, Reason};
use super::{Now, Out, World};
use crate::api_error::{ApiError, Cf, CtiError, Peripheral};

/// The states a client may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Requested {
    Login,
    Ready,
    NotReady,
    Logout,
    Work,
    WorkReady,
}

/// Parses a requested `state` value.
pub(crate) fn parse_state(value: &str) -> Option<Requested> {
    Some(match value {
        "LOGIN" => Requested::Login,
        "READY" => Requested::Ready,
        "NOT_READY" => Requested::NotReady,
        "LOGOUT" => Requested::Logout,
        "WORK" => Requested::Work,
        "WORK_READY" => Requested::WorkReady,
        _ => return None,
    })
}

/// A parsed `<User>` request body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct UserRequest {
    pub(crate) state: Option<String>,
    pub(crate) extension: Option<String>,
    pub(crate) reason_code_id: Option<String>,
    pub(crate) mobile_mode: Option<String>,
    pub(crate) mobile_dial_number: Option<String>,
    pub(crate) mobile: bool,
}

/// A request that passed the synchronous checks.
#[derive(Debug, Clone)]
pub(crate) struct CheckedUserPut {
    pub(crate) state: Requested,
    pub(crate) extension: String,
    pub(crate) reason: Option<Reason>,
    pub(crate) mobile: Option<MobileAgent>,
    pub(crate) by_supervisor: bool,
}

/// Why a sign-in failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    UnknownUser,
    WrongPassword,
    Locked,
}

impl World {
    /// Checks Basic / SASL credentials. Five consecutive wrong passwords lock the user.
    pub(crate) fn authenticate(
        &mut self,
        user: &str,
        password: &str,
        now: &Now,
    ) -> Result<String, AuthFailure> {
        let (id, expected) = match self.directory.agent(user) {
            Some(r) => (r.login_id.clone(), r.password.clone()),
            None => return Err(AuthFailure::UnknownUser),
        };
        let threshold = self.settings.lockout_threshold;
        let duration = self.settings.lockout_duration;
        let agent = self.agents.get_mut(&id).ok_or(AuthFailure::UnknownUser)?;
        if let Some(until) = agent.auth.locked_until {
            if now.mono < until {
                return Err(AuthFailure::Locked);
            }
            agent.auth.locked_until = None;
        }
        if password == expected {
            agent.auth.failures = 0;
            return Ok(id);
        }
        agent.auth.failures += 1;
        if agent.auth.failures >= threshold {
            agent.auth.failures = 0;
            agent.auth.locked_until = Some(now.mono + duration);
            tracing::info!(user = %id, "user locked after repeated wrong passwords");
        }
        Err(AuthFailure::WrongPassword)
    }

    fn reason_code(&self, raw: &str) -> Result<Reason, ApiError> {
        let id: u32 = raw
            .parse()
            .map_err(|_| ApiError::invalid_input(format!("Invalid reasonCodeId {raw}")))?;
        let rc = self
            .directory
            .reason_codes
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| ApiError::invalid_input(format!("Invalid reasonCodeId {raw}")))?;
        Ok(Reason {
            id: rc.id,
            category: if rc.category == "LOGOUT" {
                "LOGOUT"
            } else {
                "NOT_READY"
            },
            code: rc.code,
            label: rc.label.clone(),
            for_all: rc.for_all,
            system: rc.system_code,
        })
    }

    /// The synchronous checks of a PUT User (status 400/401 answers).
    pub(crate) fn check_user_put(
        &self,
        actor: &str,
        target: &str,
        req: &UserRequest,
    ) -> Result<CheckedUserPut, ApiError> {
        let raw = req
            .state
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::parameter_missing("state"))?;
        let state = parse_state(raw)
            .ok_or_else(|| ApiError::invalid_input(format!("Invalid state {raw}")))?;
        let by_supervisor = actor != target;
        if by_supervisor {
            if !self
                .record(actor)
                .is_some_and(super::super::directory::AgentRecord::is_supervisor)
            {
                return Err(ApiError::wrong_user());
            }
            if !self.supervises(actor, target) {
                return Err(ApiError::invalid_supervisor());
            }
            if !matches!(
                state,
                Requested::Ready | Requested::NotReady | Requested::Logout
            ) {
                return Err(ApiError::invalid_input(format!(
                    "A supervisor cannot set {raw}"
                )));
            }
            if req.reason_code_id.as_deref().is_some_and(|r| !r.is_empty()) {
                return Err(ApiError::invalid_input(
                    "A supervisor cannot supply a reason code",
                ));
            }
        }
        let target_agent = self
            .agents
            .get(target)
            .ok_or_else(ApiError::user_not_found)?;
        if state == Requested::Logout && !target_agent.logged_in() {
            return Err(ApiError::invalid_state("The user is already logged out"));
        }
        if state == Requested::WorkReady && !self.ucce() {
            return Err(ApiError::invalid_input("WORK_READY does not exist on UCCX"));
        }
        let reason = match req.reason_code_id.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() && raw != "-1" => Some(self.reason_code(raw)?),
            _ => None,
        };
        let mut extension = String::new();
        let mut mobile = None;
        if state == Requested::Login {
            extension = req
                .extension
                .clone()
                .filter(|e| !e.trim().is_empty())
                .ok_or_else(|| ApiError::parameter_missing("extension"))?;
            let allowed_plus = !self.ucce() && extension.starts_with('+');
            let digits = extension.trim_start_matches('+');
            if digits.is_empty()
                || !digits.chars().all(|c| c.is_ascii_digit())
                || (extension.starts_with('+') && !allowed_plus)
                || extension.len() > 15
            {
                return Err(ApiError::bad_request(format!(
                    "Invalid extension {extension}"
                )));
            }
            if req.mobile {
                if !self.ucce() {
                    return Err(ApiError::invalid_input(
                        "Mobile agent is not supported on UCCX",
                    ));
                }
                let mode = req
                    .mobile_mode
                    .clone()
                    .filter(|m| !m.is_empty())
                    .ok_or_else(|| ApiError::parameter_missing("mode"))?;
                let dial_number = req
                    .mobile_dial_number
                    .clone()
                    .filter(|m| !m.is_empty())
                    .ok_or_else(|| ApiError::parameter_missing("dialNumber"))?;
                if mode != "CALL_BY_CALL" && mode != "NAILED_CONNECTION" {
                    return Err(ApiError::invalid_input(format!("Invalid mode {mode}")));
                }
                mobile = Some(MobileAgent { mode, dial_number });
            }
        }
        Ok(CheckedUserPut {
            state,
            extension,
            reason,
            mobile,
            by_supervisor,
        })
    }

    /// The asynchronous outcome of a PUT User: a user notification or an `apiErrors`.
    pub(crate) fn apply_user_put(
        &mut self,
        target: &str,
        put: CheckedUserPut,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let result = match put.state {
            Requested::Login => self.login(target, &put, request_id, now, out),
            Requested::Ready => self.ready(target, &put, request_id, now, out),
            Requested::NotReady => self.not_ready(target, &put, request_id, now, out),
            Requested::Logout => self.logout(target, &put, request_id, now, out),
            Requested::Work | Requested::WorkReady => {
                self.choose_wrap_up(target, &put, request_id, out)
            }
        };
        if let Err(error) = result {
            Self::publish_user_error(target, request_id, &error, out);
        }
    }

    fn login(
        &mut self,
        target: &str,
        put: &CheckedUserPut,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) -> Result<(), CtiError> {
        let current = self.agents.get(target).map(|a| a.state);
        if current.is_some_and(|s| s != AgentState::Logout) {
            // A forced sign-in: the agent stays where they are; the outcome is the user object.
            self.publish_user(target, request_id, out);
            return Ok(());
        }
        if let Some(other) = self.agent_on_extension(&put.extension) {
            tracing::debug!(agent = target, %other, "device busy");
            return Err(CtiError::cf("Device Busy", Cf::ResourceBusy));
        }
        let own = self
            .record(target)
            .map(|r| r.extension.clone())
            .unwrap_or_default();
        let mobile_allowed = self.record(target).is_some_and(|r| r.mobile_agent);
        if put.mobile.is_some() {
            if !mobile_allowed {
                return Err(CtiError::other(
                    "Mode Not Allowed",
                    "CF_INVALID_AGENT_WORKMODE",
                    265,
                ));
            }
        } else {
            let known = own == put.extension || self.directory.has_extension(&put.extension);
            if !known {
                return Err(CtiError {
                    peripheral: Some(Peripheral {
                        code: 10125,
                        msg: "PERERR_TELDRIVE_NODEVICETARGETFORNETTARGETID",
                        text: "A device target with the network target ID specified cannot be \
                               found. This could indicate either an internal error or a \
                               configuration error",
                    }),
                    ..CtiError::other("Invalid Device", Cf::InvalidLogonDevice.name(), 260)
                });
            }
        }
        self.set_extension(target, &put.extension);
        if let Some(a) = self.agents.get_mut(target) {
            a.mobile.clone_from(&put.mobile);
            a.pending = None;
            a.pending_reason = None;
        }
        self.set_state(target, AgentState::NotReady, None, request_id, now, out);
        Ok(())
    }

    fn wrap_up_needs_data(&self, target: &str) -> bool {
        let Some(record) = self.record(target) else {
            return false;
        };
        self.dialogs.values().any(|d| {
            let Some(i) = d.agent_index(target) else {
                return false;
            };
            let setting = match d.direction {
                super::model::Direction::Outgoing => &record.wrap_up_on_outgoing,
                _ => &record.wrap_up_on_incoming,
            };
            d.participants[i].state == super::model::PState::WrapUp
                && setting == "REQUIRED_WITH_WRAP_UP_DATA"
                && d.wrap_up_reason.as_deref().is_none_or(str::is_empty)
        })
    }

    fn set_pending(
        &mut self,
        target: &str,
        state: AgentState,
        reason: Option<Reason>,
        request_id: &str,
        out: &mut Out,
    ) -> Result<(), CtiError> {
        let ucce = self.ucce();
        let Some(a) = self.agents.get_mut(target) else {
            return Err(CtiError::invalid_state());
        };
        if !ucce {
            let reserved = matches!(
                a.state,
                AgentState::ReservedOutbound | AgentState::ReservedOutboundPreview
            );
            if reserved || state == AgentState::Ready {
                return Err(CtiError::cf("Invalid State", Cf::InvalidAgentWorkmode));
            }
            if a.pending_set_in_call {
                return Err(CtiError::cf("Invalid State", Cf::InvalidAgentWorkmode));
            }
        }
        a.pending = Some(state);
        a.pending_reason = reason;
        a.pending_set_in_call = true;
        self.publish_user(target, request_id, out);
        Ok(())
    }

    fn ready(
        &mut self,
        target: &str,
        put: &CheckedUserPut,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) -> Result<(), CtiError> {
        let state = self
            .agents
            .get(target)
            .map_or(AgentState::Logout, |a| a.state);
        match state {
            AgentState::Logout => Err(CtiError::invalid_state()),
            AgentState::Ready | AgentState::NotReady => {
                self.set_state(target, AgentState::Ready, None, request_id, now, out);
                Ok(())
            }
            AgentState::Work | AgentState::WorkReady => {
                if !put.by_supervisor && self.wrap_up_needs_data(target) {
                    return Err(CtiError::cf("Invalid State", Cf::InvalidAgentWorkmode));
                }
                self.end_wrap_up(target, AgentState::Ready, None, request_id, now, out);
                Ok(())
            }
            _ => self.set_pending(target, AgentState::Ready, None, request_id, out),
        }
    }

    fn not_ready(
        &mut self,
        target: &str,
        put: &CheckedUserPut,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) -> Result<(), CtiError> {
        if put
            .reason
            .as_ref()
            .is_some_and(|r| r.category != "NOT_READY")
        {
            return Err(CtiError::cf("Invalid Input", Cf::InvalidAgentReasonCode));
        }
        let reason = if put.by_supervisor {
            Some(if self.ucce() {
                Reason::system("NOT_READY", 999, "Supervisor forced Not Ready")
            } else {
                Reason::system("NOT_READY", 33, "Supervisor forced Not Ready")
            })
        } else {
            put.reason.clone()
        };
        let state = self
            .agents
            .get(target)
            .map_or(AgentState::Logout, |a| a.state);
        match state {
            AgentState::Logout if self.ucce() => {
                Err(CtiError::cf("Invalid State", Cf::InvalidPasswordSpecified))
            }
            AgentState::Logout => Err(CtiError::invalid_state()),
            AgentState::Ready | AgentState::NotReady => {
                self.set_state(target, AgentState::NotReady, reason, request_id, now, out);
                Ok(())
            }
            AgentState::Work | AgentState::WorkReady => {
                if !put.by_supervisor && self.wrap_up_needs_data(target) {
                    return Err(CtiError::cf("Invalid State", Cf::InvalidAgentWorkmode));
                }
                self.end_wrap_up(target, AgentState::NotReady, reason, request_id, now, out);
                Ok(())
            }
            _ if put.by_supervisor => Err(CtiError::invalid_state()),
            _ => self.set_pending(target, AgentState::NotReady, reason, request_id, out),
        }
    }

    fn logout(
        &mut self,
        target: &str,
        put: &CheckedUserPut,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) -> Result<(), CtiError> {
        if put.reason.as_ref().is_some_and(|r| r.category != "LOGOUT") {
            return Err(CtiError::cf("Invalid Input", Cf::InvalidAgentReasonCode));
        }
        let state = self
            .agents
            .get(target)
            .map_or(AgentState::Logout, |a| a.state);
        if put.by_supervisor {
            let reason = Some(if self.ucce() {
                Reason::system("LOGOUT", 999, "Supervisor forced Logout")
            } else {
                Reason::system("LOGOUT", 22, "Supervisor forced Logout")
            });
            return match state {
                AgentState::Logout => Err(CtiError::invalid_state()),
                AgentState::Work | AgentState::WorkReady => {
                    self.end_wrap_up(target, AgentState::Logout, reason, request_id, now, out);
                    Ok(())
                }
                s if s.is_in_call() => {
                    if let Some(a) = self.agents.get_mut(target) {
                        a.pending = Some(AgentState::Logout);
                        a.pending_reason = reason;
                    }
                    self.publish_user(target, request_id, out);
                    Ok(())
                }
                _ => {
                    self.set_state(target, AgentState::Logout, reason, request_id, now, out);
                    Ok(())
                }
            };
        }
        let allowed = match state {
            AgentState::NotReady => true,
            AgentState::Ready => !self.ucce(),
            _ => false,
        };
        if !allowed {
            return Err(CtiError::invalid_state());
        }
        self.set_state(
            target,
            AgentState::Logout,
            put.reason.clone(),
            request_id,
            now,
            out,
        );
        Ok(())
    }

    /// WORK / WORK_READY requested during a call (wrap-up setting OPTIONAL): wrap up after it.
    fn choose_wrap_up(
        &mut self,
        target: &str,
        put: &CheckedUserPut,
        request_id: &str,
        out: &mut Out,
    ) -> Result<(), CtiError> {
        let state = self
            .agents
            .get(target)
            .map_or(AgentState::Logout, |a| a.state);
        if !state.is_in_call() {
            return Err(CtiError::cf("Invalid State", Cf::InvalidAgentWorkmode));
        }
        let wanted = if put.state == Requested::WorkReady {
            AgentState::WorkReady
        } else {
            AgentState::Work
        };
        if let Some(a) = self.agents.get_mut(target) {
            a.pending = Some(wanted);
        }
        self.publish_user(target, request_id, out);
        Ok(())
    }
}
