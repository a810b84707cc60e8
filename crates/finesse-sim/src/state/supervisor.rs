//! Supervisor call control: SILENT_MONITOR and BARGE_CALL (POST on the supervisor's Dialogs)
//! and PARTICIPANT_DROP (PUT on a conference), finesse-api.md §3.5 and §4.5.

use std::collections::BTreeSet;

use super::calls::DialogRequest;
use super::model::{AgentState, Dialog, DialogKind, DialogState, Direction, PState};
use super::{Now, Out, World};
use crate::api_error::{ApiError, Cf, CtiError};

/// The id in `/finesse/api/Dialog/{id}`.
pub(crate) fn dialog_id_of(uri: &str) -> Option<u64> {
    uri.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()?
        .parse()
        .ok()
}

impl World {
    /// Synchronous checks of SILENT_MONITOR / BARGE_CALL; returns the monitored agent.
    pub(crate) fn check_monitor(
        &self,
        actor: &str,
        req: &DialogRequest,
        barge: bool,
    ) -> Result<String, ApiError> {
        req.from
            .as_deref()
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ApiError::parameter_missing("fromAddress"))?;
        let to = req
            .to
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::parameter_missing("toAddress"))?;
        if barge {
            req.associated
                .as_deref()
                .and_then(dialog_id_of)
                .ok_or_else(|| ApiError::parameter_missing("associatedDialogUri"))?;
        }
        if !self
            .record(actor)
            .is_some_and(super::super::directory::AgentRecord::is_supervisor)
        {
            return Err(ApiError::invalid_supervisor());
        }
        let agent = self
            .agent_on_extension(to)
            .ok_or_else(|| ApiError::invalid_destination(format!("No agent on extension {to}")))?;
        if !self.supervises(actor, &agent) {
            return Err(ApiError::invalid_supervisor());
        }
        Ok(agent)
    }

    fn monitor_error(&self) -> CtiError {
        let code = if self.ucce() { 13145 } else { 88049 };
        CtiError::other(
            "Invalid State",
            "The agent is not in a state that can be monitored",
            code,
        )
    }

    /// Starts a silent monitor session: a SUPERVISOR_MONITOR dialog only the supervisor sees.
    pub(crate) fn apply_silent_monitor(
        &mut self,
        actor: &str,
        agent: &str,
        req: &DialogRequest,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let source = format!("/finesse/api/User/{actor}/Dialogs");
        let sup = self.agents.get(actor).cloned();
        let from = req.from.clone().unwrap_or_default();
        let Some(sup) = sup.filter(super::model::Agent::logged_in) else {
            Self::publish_dialog_error(actor, source, request_id, &CtiError::invalid_state(), out);
            return;
        };
        if from != sup.extension {
            let error = CtiError::cf("Call Operation Failure", Cf::InvalidCallingDevice);
            Self::publish_dialog_error(actor, source, request_id, &error, out);
            return;
        }
        if sup.state != AgentState::NotReady {
            Self::publish_dialog_error(actor, source, request_id, &CtiError::invalid_state(), out);
            return;
        }
        let agent_state = self.agents.get(agent).map(|a| a.state);
        let monitored = self.dialogs.values().find_map(|d| {
            let i = d.agent_index(agent)?;
            (d.participants[i].state == PState::Active && matches!(d.kind, DialogKind::Call { .. }))
                .then_some(d.id)
        });
        let talking = agent_state == Some(AgentState::Talking)
            || (!self.ucce() && agent_state == Some(AgentState::NotReady));
        let (Some(monitored), true) = (monitored, talking) else {
            let error = self.monitor_error();
            Self::publish_dialog_error(actor, source, request_id, &error, out);
            return;
        };
        let Some(target) = self.dialogs.get(&monitored) else {
            return;
        };
        let agent_ext = self
            .agents
            .get(agent)
            .map(|a| a.extension.clone())
            .unwrap_or_default();
        let mut me = self.new_party(&sup.extension, PState::Active, now);
        me.agent = Some(actor.to_owned());
        me.device = true;
        let mut them = self.new_party(&agent_ext, PState::Active, now);
        // The monitored agent must not see the monitor dialog: it is silent.
        them.agent = None;
        them.device = true;
        let dialog = Dialog {
            id: 0,
            kind: DialogKind::Monitor {
                supervisor: actor.to_owned(),
                monitored,
            },
            direction: Direction::Internal,
            call_type: "SUPERVISOR_MONITOR".to_owned(),
            from_address: sup.extension.clone(),
            to_address: agent_ext.clone(),
            dnis: agent_ext,
            dialed_number: String::new(),
            queue: None,
            variables: target.variables.clone(),
            wrap_up_reason: None,
            outbound_classification: String::new(),
            associated_dialog_uri: target.uri(),
            secondary_id: String::new(),
            callback: None,
            state: DialogState::Active,
            participants: vec![me, them],
            seen_by: BTreeSet::new(),
        };
        let id = self.next_dialog_id();
        self.dialogs.insert(id, Dialog { id, ..dialog });
        self.sync(id, request_id, now, out);
    }

    /// Barge-in: the supervisor joins the monitored call, which becomes a conference; the
    /// monitor dialog ends.
    pub(crate) fn apply_barge(
        &mut self,
        actor: &str,
        req: &DialogRequest,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let source = format!("/finesse/api/User/{actor}/Dialogs");
        let monitor_id = req
            .associated
            .as_deref()
            .and_then(dialog_id_of)
            .unwrap_or(0);
        let monitored = self.dialogs.get(&monitor_id).and_then(|d| match &d.kind {
            DialogKind::Monitor {
                supervisor,
                monitored,
            } if supervisor == actor => Some(*monitored),
            _ => None,
        });
        let sup_ext = self
            .agents
            .get(actor)
            .map(|a| a.extension.clone())
            .unwrap_or_default();
        let Some(monitored) = monitored.filter(|m| self.dialogs.contains_key(m)) else {
            Self::publish_dialog_error(actor, source, request_id, &CtiError::invalid_state(), out);
            return;
        };
        let mut me = self.new_party(&sup_ext, PState::Active, now);
        me.agent = Some(actor.to_owned());
        me.device = true;
        if let Some(d) = self.dialogs.get_mut(&monitored) {
            d.participants.push(me);
            "CONFERENCE".clone_into(&mut d.call_type);
        }
        self.sync(monitored, request_id, now, out);
        if let Some(d) = self.dialogs.get_mut(&monitor_id) {
            for p in &mut d.participants {
                p.state = PState::Dropped;
                p.state_change_time.clone_from(&now.wall);
            }
            d.state = DialogState::Dropped;
        }
        self.sync(monitor_id, request_id, now, out);
    }

    /// PARTICIPANT_DROP: a supervisor on a conference removes another party.
    pub(crate) fn participant_drop(
        &mut self,
        actor: &str,
        dialog_id: u64,
        target: &str,
        now: &Now,
    ) -> Result<(), CtiError> {
        let own = self
            .agents
            .get(actor)
            .map(|a| a.extension.clone())
            .unwrap_or_default();
        let index = self
            .dialogs
            .get(&dialog_id)
            .and_then(|d| d.address_index(target))
            .filter(|_| target != own)
            .ok_or_else(|| CtiError::invalid_action("PARTICIPANT_DROP", target))?;
        self.leave_call(dialog_id, index, "", now);
        self.settle(dialog_id, now);
        Ok(())
    }
}
