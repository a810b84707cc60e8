//! Calls the agent places or the dialer hands over: MAKE_CALL (POST on the user's Dialogs),
//! the preview reservation's ACCEPT, and the outbound-campaign data actions (RECLASSIFY,
//! scheduled callbacks).

use std::collections::BTreeSet;

use super::calls::{Action, DialogRequest, check_variables};
use super::model::{AgentState, Dialog, DialogKind, DialogState, Direction, PState};
use super::{Now, Out, World};
use crate::api_error::{ApiError, Cf, CtiError};

/// Whether a dialled string could reach anyone: digits with an optional leading `+`, `*`
/// or `#` codes, at most 32 characters.
fn is_dialable(to: &str) -> bool {
    let digits = to.strip_prefix('+').unwrap_or(to);
    !digits.is_empty()
        && to.len() <= 32
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
}

impl World {
    /// Synchronous checks of MAKE_CALL.
    pub(crate) fn check_make_call(&self, req: &DialogRequest) -> Result<(), ApiError> {
        let from = req
            .from
            .as_deref()
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ApiError::parameter_missing("fromAddress"))?;
        let to = req
            .to
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::parameter_missing("toAddress"))?;
        if from == to {
            return Err(ApiError::invalid_destination(
                "Cannot call the own extension",
            ));
        }
        if req.media_properties && !self.ucce() {
            return Err(ApiError::invalid_input(
                "mediaProperties are not allowed on UCCX",
            ));
        }
        if req.variables.iter().any(|(n, _)| n.starts_with("BA")) {
            return Err(ApiError::invalid_input(
                "Outbound (BA) variables cannot be set",
            ));
        }
        check_variables(&req.variables)
    }

    /// The asynchronous outcome of MAKE_CALL: INITIATING (AGENT_INSIDE), then the dialled
    /// party alerting and the callType settled (OUT or AGENT_INSIDE), as Finesse reports it.
    pub(crate) fn apply_make_call(
        &mut self,
        actor: &str,
        req: &DialogRequest,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let source = format!("/finesse/api/User/{actor}/Dialogs");
        let from = req.from.clone().unwrap_or_default();
        let to = req.to.clone().unwrap_or_default();
        let Some(agent) = self.agents.get(actor).cloned() else {
            return;
        };
        let busy = self.dialogs.values().any(|d| {
            d.agent_index(actor)
                .is_some_and(|i| !matches!(d.participants[i].state, PState::Held | PState::WrapUp))
        });
        // Signed out, or already on a call that is not held: the CTI server refuses.
        let error = if !agent.logged_in() {
            Some(CtiError::invalid_state())
        } else if from != agent.extension {
            Some(CtiError::cf(
                "Call Operation Failure",
                Cf::InvalidCallingDevice,
            ))
        } else if busy {
            Some(CtiError::invalid_state())
        } else {
            None
        };
        if let Some(error) = error {
            Self::publish_dialog_error(actor, source, request_id, &error, out);
            return;
        }
        if agent.state.is_wrap_up() {
            let (target, reason) = agent
                .wrap_target
                .clone()
                .unwrap_or((AgentState::NotReady, None));
            self.end_wrap_up(actor, target, reason, request_id, now, out);
        }
        let state = self
            .agents
            .get(actor)
            .map_or(AgentState::NotReady, |a| a.state);
        if state == AgentState::Ready && self.ucce() {
            if let Some(a) = self.agents.get_mut(actor) {
                a.call_base = Some(AgentState::Ready);
            }
            let reason = super::model::Reason::system("NOT_READY", 50006, "Call from Ready");
            self.set_state(
                actor,
                AgentState::NotReady,
                Some(reason),
                request_id,
                now,
                out,
            );
        }
        let internal = self.agent_on_extension(&to).is_some();
        let mut me = self.new_party(&from, PState::Initiating, now);
        me.agent = Some(actor.to_owned());
        me.device = true;
        let id = self.next_dialog_id();
        self.dialogs.insert(
            id,
            Dialog {
                id,
                kind: DialogKind::Call {
                    routed: false,
                    reservation: None,
                },
                direction: if internal {
                    Direction::Internal
                } else {
                    Direction::Outgoing
                },
                call_type: "AGENT_INSIDE".to_owned(),
                from_address: from,
                to_address: String::new(),
                dnis: String::new(),
                dialed_number: String::new(),
                queue: None,
                variables: req.variables.clone(),
                wrap_up_reason: None,
                outbound_classification: String::new(),
                associated_dialog_uri: String::new(),
                secondary_id: String::new(),
                callback: None,
                state: DialogState::Initiating,
                participants: vec![me],
                seen_by: BTreeSet::new(),
            },
        );
        self.sync(id, request_id, now, out);
        let dialable = is_dialable(&to);
        let party = self.new_party(&to, PState::Alerting, now);
        if let Some(d) = self.dialogs.get_mut(&id) {
            d.to_address.clone_from(&to);
            d.dialed_number.clone_from(&to);
            d.dnis.clone_from(&to);
            if internal { "AGENT_INSIDE" } else { "OUT" }.clone_into(&mut d.call_type);
            if dialable {
                d.participants[0].state = PState::Initiated;
                d.participants.push(party);
                d.state = DialogState::Alerting;
            } else {
                // The network refuses the number: the agent's leg fails (only DROP remains).
                d.participants[0].state = PState::Failed;
                "BAD_DESTINATION".clone_into(&mut d.participants[0].cause);
                d.state = DialogState::Failed;
            }
        }
        self.sync(id, request_id, now, out);
    }

    /// ACCEPT on a preview reservation: the reservation is accepted, the dialer calls the
    /// customer on a new dialog, and the reservation goes away.
    pub(super) fn accept_preview(
        &mut self,
        dialog_id: u64,
        index: usize,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        self.set_participant(dialog_id, index, PState::Accepted, now);
        if let Some(d) = self.dialogs.get_mut(&dialog_id) {
            d.state = DialogState::Accepted;
        }
        self.sync(dialog_id, request_id, now, out);
        let Some(reservation) = self.dialogs.get(&dialog_id).cloned() else {
            return;
        };
        let id = self.next_dialog_id();
        let mut agent_leg = reservation.participants[index].clone();
        agent_leg.state = PState::Initiated;
        agent_leg.state_change_time.clone_from(&now.wall);
        let customer = self.new_party(&reservation.to_address, PState::Alerting, now);
        let call = Dialog {
            id,
            kind: DialogKind::Call {
                routed: false,
                reservation: None,
            },
            state: DialogState::Alerting,
            participants: vec![agent_leg, customer],
            seen_by: BTreeSet::new(),
            ..reservation
        };
        self.dialogs.insert(id, call);
        self.sync(id, request_id, now, out);
        if let Some(d) = self.dialogs.get_mut(&dialog_id) {
            for p in &mut d.participants {
                p.state = PState::Dropped;
                p.state_change_time.clone_from(&now.wall);
            }
            d.state = DialogState::Dropped;
        }
        self.sync(dialog_id, request_id, now, out);
    }

    pub(super) fn outbound_data(&mut self, dialog_id: u64, action: Action, req: &DialogRequest) {
        let Some(d) = self.dialogs.get_mut(&dialog_id) else {
            return;
        };
        match action {
            Action::Reclassify => {
                let value = req
                    .param("outboundClassification")
                    .unwrap_or_default()
                    .to_owned();
                d.set_variable("BAResponse", &value);
                d.outbound_classification = value;
            }
            Action::UpdateScheduledCallback => {
                let time = req.param("callbackTime").unwrap_or_default().to_owned();
                let number = req.param("callbackNumber").unwrap_or_default().to_owned();
                d.callback = Some((time, number));
            }
            _ => d.callback = None,
        }
    }
}
