//! Call control: `PUT /finesse/api/Dialog/{id}` with every requestedAction of finesse-api.md
//! §3.5 (MAKE_CALL and the preview ACCEPT live in `outgoing.rs`).
//!
//! Each participant's `actions` list is computed here from the call and the agent's other calls;
//! it is both what the dialog shows and what the simulator accepts ("use actions as the
//! authority", §3.2). An action that is not in the list fails asynchronously with Finesse's
//! `INVALID_ACTION … on extension …` error.

use std::collections::BTreeSet;

use super::model::{Dialog, DialogKind, DialogState, Direction, PState, Participant};
use super::{Now, Out, World};
use crate::api_error::{ApiError, Cf, CtiError};

/// Every requestedAction the simulator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    MakeCall,
    Answer,
    Hold,
    Retrieve,
    Drop,
    ConsultCall,
    Transfer,
    TransferSst,
    Conference,
    SendDtmf,
    UpdateCallData,
    SilentMonitor,
    BargeCall,
    ParticipantDrop,
    StartRecording,
    Accept,
    Close,
    Reject,
    Reclassify,
    UpdateScheduledCallback,
    CancelScheduledCallback,
}

const ALL: [Action; 21] = [
    Action::MakeCall,
    Action::Answer,
    Action::Hold,
    Action::Retrieve,
    Action::Drop,
    Action::ConsultCall,
    Action::Transfer,
    Action::TransferSst,
    Action::Conference,
    Action::SendDtmf,
    Action::UpdateCallData,
    Action::SilentMonitor,
    Action::BargeCall,
    Action::ParticipantDrop,
    Action::StartRecording,
    Action::Accept,
    Action::Close,
    Action::Reject,
    Action::Reclassify,
    Action::UpdateScheduledCallback,
    Action::CancelScheduledCallback,
];

impl Action {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::MakeCall => "MAKE_CALL",
            Self::Answer => "ANSWER",
            Self::Hold => "HOLD",
            Self::Retrieve => "RETRIEVE",
            Self::Drop => "DROP",
            Self::ConsultCall => "CONSULT_CALL",
            Self::Transfer => "TRANSFER",
            Self::TransferSst => "TRANSFER_SST",
            Self::Conference => "CONFERENCE",
            Self::SendDtmf => "SEND_DTMF",
            Self::UpdateCallData => "UPDATE_CALL_DATA",
            Self::SilentMonitor => "SILENT_MONITOR",
            Self::BargeCall => "BARGE_CALL",
            Self::ParticipantDrop => "PARTICIPANT_DROP",
            Self::StartRecording => "START_RECORDING",
            Self::Accept => "ACCEPT",
            Self::Close => "CLOSE",
            Self::Reject => "REJECT",
            Self::Reclassify => "RECLASSIFY",
            Self::UpdateScheduledCallback => "UPDATE_SCHEDULED_CALLBACK",
            Self::CancelScheduledCallback => "CANCEL_SCHEDULED_CALLBACK",
        }
    }

    pub(crate) fn parse(value: &str) -> Option<Self> {
        ALL.into_iter().find(|a| a.as_str() == value)
    }
}

/// A parsed `<Dialog>` request body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DialogRequest {
    pub(crate) action: Option<String>,
    pub(crate) target: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) variables: Vec<(String, String)>,
    pub(crate) media_properties: bool,
    pub(crate) wrap_up_reason: Option<String>,
    pub(crate) associated: Option<String>,
    pub(crate) params: Vec<(String, String)>,
}

impl DialogRequest {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

const ACTIVE_ACTIONS: [Action; 6] = [
    Action::TransferSst,
    Action::ConsultCall,
    Action::Hold,
    Action::UpdateCallData,
    Action::SendDtmf,
    Action::Drop,
];

/// Checks call variables against the CTI limits (finesse-api.md §3.2).
pub(super) fn check_variables(vars: &[(String, String)]) -> Result<(), ApiError> {
    let mut ecc_total = 0;
    for (name, value) in vars {
        if name.is_empty() {
            return Err(ApiError::invalid_input("CallVariable name is empty"));
        }
        if name.starts_with("callVariable") && value.len() > 40 {
            return Err(ApiError::invalid_input(format!(
                "{name} is longer than 40 bytes"
            )));
        }
        if name.starts_with("user.") {
            ecc_total += name.len() + value.len();
        }
    }
    if ecc_total > 2000 {
        return Err(ApiError::invalid_input("ECC variables exceed 2000 bytes"));
    }
    Ok(())
}

impl World {
    /// What the participant at `index` may do now.
    pub(crate) fn actions(&self, dialog: &Dialog, index: usize) -> Vec<Action> {
        let Some(p) = dialog.participants.get(index) else {
            return Vec::new();
        };
        let Some(agent) = p.agent.as_deref() else {
            return match p.state {
                PState::Initiating | PState::Initiated | PState::Alerting => {
                    vec![Action::UpdateCallData, Action::Drop]
                }
                PState::Active => ACTIVE_ACTIONS.to_vec(),
                PState::Held => vec![Action::UpdateCallData, Action::Drop, Action::Retrieve],
                _ => Vec::new(),
            };
        };
        if let DialogKind::Monitor { .. } = dialog.kind {
            return if p.state == PState::Active {
                vec![Action::BargeCall, Action::Drop]
            } else {
                Vec::new()
            };
        }
        let (other_held, other_connected) = self.other_calls(agent, dialog.id);
        match p.state {
            PState::Alerting if dialog.kind == DialogKind::Preview => vec![
                Action::Accept,
                Action::Close,
                Action::Reject,
                Action::UpdateCallData,
            ],
            PState::Alerting => vec![Action::Answer],
            PState::Initiating | PState::Initiated => {
                let mut list = vec![Action::UpdateCallData, Action::Drop];
                if other_held {
                    list.push(Action::Transfer);
                }
                list
            }
            PState::Active => {
                let mut list: Vec<Action> = ACTIVE_ACTIONS
                    .into_iter()
                    .filter(|a| {
                        !(other_held && matches!(a, Action::ConsultCall | Action::TransferSst))
                    })
                    .collect();
                if other_held {
                    list.extend([Action::Transfer, Action::Conference]);
                }
                let supervisor = self
                    .record(agent)
                    .is_some_and(super::super::directory::AgentRecord::is_supervisor);
                if supervisor && self.ucce() && dialog.live_count() >= 3 {
                    list.push(Action::ParticipantDrop);
                }
                if !self.ucce() {
                    list.push(Action::StartRecording);
                }
                if dialog.call_type.starts_with("OUTBOUND") {
                    list.extend([
                        Action::Reclassify,
                        Action::UpdateScheduledCallback,
                        Action::CancelScheduledCallback,
                    ]);
                }
                list
            }
            PState::Held => {
                let mut list = vec![Action::UpdateCallData, Action::Drop];
                if other_connected {
                    list.extend([Action::Transfer, Action::Conference]);
                } else {
                    list.push(Action::Retrieve);
                }
                list
            }
            PState::WrapUp | PState::Accepted => vec![Action::UpdateCallData],
            PState::Failed => vec![Action::Drop],
            PState::Dropped => Vec::new(),
        }
    }

    /// Whether the agent has a held call / a connected call other than `except`.
    fn other_calls(&self, agent: &str, except: u64) -> (bool, bool) {
        let mut held = false;
        let mut connected = false;
        for d in self.dialogs.values().filter(|d| d.id != except) {
            if let DialogKind::Monitor { .. } = d.kind {
                continue;
            }
            if let Some(i) = d.agent_index(agent) {
                match d.participants[i].state {
                    PState::Held => held = true,
                    PState::Active | PState::Initiated | PState::Initiating => connected = true,
                    _ => {}
                }
            }
        }
        (held, connected)
    }

    /// Synchronous checks of a Dialog PUT.
    pub(crate) fn check_dialog_put(
        &self,
        actor: &str,
        dialog_id: u64,
        req: &DialogRequest,
    ) -> Result<Action, ApiError> {
        let raw = req
            .action
            .as_deref()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ApiError::parameter_missing("requestedAction"))?;
        let action = Action::parse(raw)
            .ok_or_else(|| ApiError::invalid_input(format!("Invalid requestedAction {raw}")))?;
        if matches!(
            action,
            Action::MakeCall | Action::SilentMonitor | Action::BargeCall
        ) {
            return Err(ApiError::invalid_input(format!(
                "{raw} is requested with POST /finesse/api/User/{{id}}/Dialogs"
            )));
        }
        if !self.dialogs.contains_key(&dialog_id) {
            return Err(ApiError::dialog_not_found());
        }
        let own = self
            .agents
            .get(actor)
            .map(|a| a.extension.clone())
            .unwrap_or_default();
        let target = req.target.as_deref().filter(|t| !t.is_empty());
        match (action, target) {
            (Action::UpdateCallData, _) | (Action::ParticipantDrop, Some(_)) => {}
            (_, None) => return Err(ApiError::parameter_missing("targetMediaAddress")),
            (_, Some(t)) if t != own => {
                return Err(ApiError::invalid_input(format!(
                    "targetMediaAddress {t} is not the extension of user {actor}"
                )));
            }
            _ => {}
        }
        match action {
            Action::ConsultCall | Action::TransferSst => {
                let to = req
                    .to
                    .as_deref()
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| ApiError::parameter_missing("toAddress"))?;
                if to == own {
                    return Err(ApiError::invalid_destination(format!(
                        "Cannot {raw} to the user's own extension"
                    )));
                }
            }
            Action::SendDtmf if req.param("dtmfString").is_none() => {
                return Err(ApiError::parameter_missing("dtmfString"));
            }
            Action::Reclassify if req.param("outboundClassification").is_none() => {
                return Err(ApiError::parameter_missing("outboundClassification"));
            }
            Action::UpdateScheduledCallback
                if req.param("callbackTime").is_none() && req.param("callbackNumber").is_none() =>
            {
                return Err(ApiError::parameter_missing("callbackTime"));
            }
            Action::UpdateCallData => check_variables(&req.variables)?,
            Action::ParticipantDrop if !self.ucce() => {
                return Err(ApiError::not_implemented("PARTICIPANT_DROP is UCCE only"));
            }
            _ => {}
        }
        Ok(action)
    }

    /// The asynchronous outcome of a Dialog PUT.
    #[allow(clippy::too_many_arguments)] // the request, its correlation id, and the engine's now/out
    pub(crate) fn apply_dialog_put(
        &mut self,
        actor: &str,
        dialog_id: u64,
        action: Action,
        req: &DialogRequest,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let source = format!("/finesse/api/Dialog/{dialog_id}");
        let ext = self
            .agents
            .get(actor)
            .map(|a| a.extension.clone())
            .unwrap_or_default();
        let Some(dialog) = self.dialogs.get(&dialog_id) else {
            let error = CtiError::invalid_state();
            Self::publish_dialog_error(actor, source, request_id, &error, out);
            return;
        };
        let Some(index) = dialog.agent_index(actor) else {
            let error = CtiError::cf("Call Operation Failure", Cf::AgentNotPartyOnCall);
            Self::publish_dialog_error(actor, source, request_id, &error, out);
            return;
        };
        if !self.actions(dialog, index).contains(&action) {
            let error = CtiError::invalid_action(action.as_str(), &ext);
            Self::publish_dialog_error(actor, source, request_id, &error, out);
            return;
        }
        let result = match action {
            Action::Answer => {
                self.answer(dialog_id, index, now);
                Ok(())
            }
            Action::Hold | Action::Retrieve => {
                let to = if action == Action::Hold {
                    PState::Held
                } else {
                    PState::Active
                };
                self.set_participant(dialog_id, index, to, now);
                Ok(())
            }
            Action::Drop => {
                self.leave_call(dialog_id, index, "", now);
                self.settle(dialog_id, now);
                Ok(())
            }
            Action::ConsultCall => {
                let to = req.to.clone().unwrap_or_default();
                self.consult(actor, dialog_id, index, &to, request_id, now, out);
                return;
            }
            Action::Transfer | Action::Conference => {
                return self.complete_consult(actor, dialog_id, action, request_id, now, out);
            }
            Action::TransferSst => {
                let to = req.to.clone().unwrap_or_default();
                self.transfer_sst(dialog_id, index, &to, now);
                Ok(())
            }
            Action::UpdateCallData => {
                self.update_call_data(dialog_id, req);
                Ok(())
            }
            Action::StartRecording if self.ucce() => Err(CtiError::other(
                "Generic Error",
                "START_RECORDING is not supported",
                0,
            )),
            Action::SendDtmf | Action::StartRecording => Ok(()),
            Action::Accept => {
                self.accept_preview(dialog_id, index, request_id, now, out);
                return;
            }
            Action::Close | Action::Reject => {
                self.leave_call(dialog_id, index, "", now);
                if let Some(d) = self.dialogs.get_mut(&dialog_id) {
                    d.state = DialogState::Dropped;
                }
                Ok(())
            }
            Action::Reclassify
            | Action::UpdateScheduledCallback
            | Action::CancelScheduledCallback => {
                self.outbound_data(dialog_id, action, req);
                Ok(())
            }
            Action::ParticipantDrop => {
                let target = req.target.clone().unwrap_or_default();
                self.participant_drop(actor, dialog_id, &target, now)
            }
            Action::MakeCall | Action::SilentMonitor | Action::BargeCall => {
                Err(CtiError::invalid_action(action.as_str(), &ext))
            }
        };
        match result {
            Ok(()) => {
                self.sync(dialog_id, request_id, now, out);
                self.end_monitors_without_agent(request_id, now, out);
            }
            Err(error) => Self::publish_dialog_error(actor, source, request_id, &error, out),
        }
    }

    pub(crate) fn set_participant(&mut self, dialog_id: u64, index: usize, to: PState, now: &Now) {
        if let Some(p) = self
            .dialogs
            .get_mut(&dialog_id)
            .and_then(|d| d.participants.get_mut(index))
        {
            p.state = to;
            p.state_change_time.clone_from(&now.wall);
            if to == PState::Active {
                p.connected = true;
            }
        }
    }

    /// The participant answers; the calling side connects with it.
    pub(crate) fn answer(&mut self, dialog_id: u64, index: usize, now: &Now) {
        let Some(d) = self.dialogs.get_mut(&dialog_id) else {
            return;
        };
        for (i, p) in d.participants.iter_mut().enumerate() {
            let connects = i == index || matches!(p.state, PState::Initiated | PState::Initiating);
            if connects && p.state.is_live() {
                p.state = PState::Active;
                p.connected = true;
                p.state_change_time.clone_from(&now.wall);
            }
        }
        d.state = DialogState::Active;
    }

    /// A participant joining a call at `address` (an agent if one is signed in there).
    pub(crate) fn new_party(&self, address: &str, state: PState, now: &Now) -> Participant {
        let agent = self.agent_on_extension(address);
        Participant {
            address: address.to_owned(),
            device: agent.is_some(),
            agent,
            state,
            cause: String::new(),
            start_time: now.wall.clone(),
            state_change_time: now.wall.clone(),
            connected: state == PState::Active,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn consult(
        &mut self,
        actor: &str,
        dialog_id: u64,
        index: usize,
        to: &str,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        self.set_participant(dialog_id, index, PState::Held, now);
        self.sync(dialog_id, request_id, now, out);
        let Some(original) = self.dialogs.get(&dialog_id) else {
            return;
        };
        let variables = original.variables.clone();
        let associated = original.uri();
        let own = self
            .agents
            .get(actor)
            .map(|a| a.extension.clone())
            .unwrap_or_default();
        let mut me = self.new_party(&own, PState::Initiated, now);
        me.agent = Some(actor.to_owned());
        me.device = true;
        let target = self.new_party(to, PState::Alerting, now);
        let id = self.next_dialog_id();
        self.dialogs.insert(
            id,
            Dialog {
                id,
                kind: DialogKind::Call {
                    routed: false,
                    reservation: None,
                },
                direction: Direction::Internal,
                call_type: "CONSULT".to_owned(),
                from_address: own,
                to_address: to.to_owned(),
                dnis: to.to_owned(),
                dialed_number: to.to_owned(),
                queue: None,
                variables,
                wrap_up_reason: None,
                outbound_classification: String::new(),
                associated_dialog_uri: associated,
                secondary_id: String::new(),
                callback: None,
                state: DialogState::Alerting,
                participants: vec![me, target],
                seen_by: BTreeSet::new(),
            },
        );
        self.sync(id, request_id, now, out);
    }

    /// TRANSFER / CONFERENCE: the held call survives and takes the consulted parties.
    fn complete_consult(
        &mut self,
        actor: &str,
        dialog_id: u64,
        action: Action,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let find = |world: &Self, wanted: &[PState]| {
            world.dialogs.values().find_map(|d| {
                let i = d.agent_index(actor)?;
                (wanted.contains(&d.participants[i].state)
                    && matches!(d.kind, DialogKind::Call { .. }))
                .then_some((d.id, i))
            })
        };
        let held = find(self, &[PState::Held]);
        let live = find(self, &[PState::Active, PState::Initiated]);
        let (Some((held_id, held_index)), Some((live_id, live_index))) = (held, live) else {
            let ext = self
                .agents
                .get(actor)
                .map(|a| a.extension.clone())
                .unwrap_or_default();
            let error = CtiError::invalid_action(action.as_str(), &ext);
            let source = format!("/finesse/api/Dialog/{dialog_id}");
            Self::publish_dialog_error(actor, source, request_id, &error, out);
            return;
        };
        let moved: Vec<Participant> = self.dialogs.get(&live_id).map_or_else(Vec::new, |d| {
            d.participants
                .iter()
                .enumerate()
                .filter(|(i, p)| *i != live_index && p.state.is_live())
                .map(|(_, p)| p.clone())
                .collect()
        });
        if action == Action::Conference && moved.iter().any(|p| p.state != PState::Active) {
            let error = CtiError::other(
                "Call Operation Failure",
                "Conference failed: the consulted party has not answered",
                Cf::GenericOperation.data(),
            );
            let source = format!("/finesse/api/Dialog/{dialog_id}");
            Self::publish_dialog_error(actor, source, request_id, &error, out);
            return;
        }
        if let Some(d) = self.dialogs.get_mut(&live_id) {
            for p in d.participants.iter_mut().filter(|p| p.state.is_live()) {
                p.state = PState::Dropped;
                "OTHER".clone_into(&mut p.cause);
                p.state_change_time.clone_from(&now.wall);
            }
            d.state = DialogState::Dropped;
        }
        if action == Action::Transfer {
            self.leave_call(held_id, held_index, "OTHER", now);
        } else {
            self.set_participant(held_id, held_index, PState::Active, now);
        }
        if let Some(d) = self.dialogs.get_mut(&held_id) {
            let any_active = moved.iter().any(|p| p.state == PState::Active);
            d.participants.extend(moved);
            if action == Action::Transfer {
                "TRANSFER"
            } else {
                "CONFERENCE"
            }
            .clone_into(&mut d.call_type);
            d.secondary_id = live_id.to_string();
            if any_active {
                d.state = DialogState::Active;
            }
        }
        self.settle(held_id, now);
        self.sync(live_id, request_id, now, out);
        self.sync(held_id, request_id, now, out);
        self.end_monitors_without_agent(request_id, now, out);
    }

    fn transfer_sst(&mut self, dialog_id: u64, index: usize, to: &str, now: &Now) {
        let party = self.new_party(to, PState::Alerting, now);
        self.leave_call(dialog_id, index, "", now);
        if let Some(d) = self.dialogs.get_mut(&dialog_id) {
            d.participants.push(party);
            "TRANSFER".clone_into(&mut d.call_type);
        }
    }

    fn update_call_data(&mut self, dialog_id: u64, req: &DialogRequest) {
        let Some(d) = self.dialogs.get_mut(&dialog_id) else {
            return;
        };
        for (name, value) in &req.variables {
            d.set_variable(name, value);
        }
        if let Some(reason) = &req.wrap_up_reason {
            d.wrap_up_reason = Some(reason.clone());
        }
    }
}
