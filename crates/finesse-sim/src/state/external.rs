//! The world outside Finesse, driven by the control API: the router offering an inbound call,
//! the outbound dialer (progressive/predictive calls and preview reservations), and the remote
//! party answering or hanging up.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::model::{
    AgentState, Dialog, DialogKind, DialogState, Direction, PState, direction_of, is_routed,
};
use super::{Now, Out, World};

/// An inbound call offered to an agent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InboundOffer {
    /// The agent (login id) whose phone rings.
    pub agent: String,
    /// Caller number (ANI).
    pub from: String,
    /// Call variables in order (`callVariable1`…, `user.<ecc>`, `BA…`).
    #[serde(default)]
    pub variables: Vec<(String, String)>,
    /// Finesse callType; default `PREROUTE_ACD_IN`. Routed types need a READY agent.
    #[serde(default)]
    pub call_type: Option<String>,
    /// Dialled number (route point); default `8800`.
    #[serde(default)]
    pub dialed_number: Option<String>,
    /// Queue id from the directory (adds queueName / queueNumber).
    #[serde(default)]
    pub queue: Option<u32>,
}

/// A dialer (progressive / predictive) outbound call delivered to an agent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutboundOffer {
    /// The reserved agent.
    pub agent: String,
    /// The customer number the dialer reached.
    pub customer: String,
    /// Call variables, including the BA* outbound variables.
    #[serde(default)]
    pub variables: Vec<(String, String)>,
    /// Dialer port number; default `7999`.
    #[serde(default)]
    pub dialer: Option<String>,
    /// Send the first OTHER_IN packet real Finesse sends before the OUTBOUND one (default true).
    #[serde(default = "yes")]
    pub reservation_packet: bool,
}

fn yes() -> bool {
    true
}

/// An Outbound Option preview reservation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreviewOffer {
    /// The reserved agent.
    pub agent: String,
    /// The customer number to call if the agent accepts.
    pub customer: String,
    /// Call variables, including the BA* outbound variables.
    #[serde(default)]
    pub variables: Vec<(String, String)>,
    /// Dialer port number; default `7999`.
    #[serde(default)]
    pub dialer: Option<String>,
}

impl World {
    fn offerable(&self, agent: &str, need_ready: bool) -> Result<String, String> {
        let a = self
            .agents
            .get(agent)
            .ok_or_else(|| format!("unknown agent {agent}"))?;
        if !a.logged_in() {
            return Err(format!("agent {agent} is not logged in"));
        }
        if need_ready && a.state != AgentState::Ready {
            return Err(format!(
                "agent {agent} is {} (a routed or dialer call needs READY)",
                a.state.as_str()
            ));
        }
        Ok(a.extension.clone())
    }

    fn blank_dialog(&mut self, kind: DialogKind, call_type: &str) -> Dialog {
        Dialog {
            id: self.next_dialog_id(),
            kind,
            direction: direction_of(call_type),
            call_type: call_type.to_owned(),
            from_address: String::new(),
            to_address: String::new(),
            dnis: String::new(),
            dialed_number: String::new(),
            queue: None,
            variables: Vec::new(),
            wrap_up_reason: None,
            outbound_classification: String::new(),
            associated_dialog_uri: String::new(),
            secondary_id: String::new(),
            callback: None,
            state: DialogState::Alerting,
            participants: Vec::new(),
            seen_by: BTreeSet::new(),
        }
    }

    /// The router offers a call: the caller INITIATED, the agent ALERTING (capture shape).
    pub(crate) fn offer_inbound(
        &mut self,
        offer: &InboundOffer,
        now: &Now,
        out: &mut Out,
    ) -> Result<u64, String> {
        let call_type = offer.call_type.as_deref().unwrap_or("PREROUTE_ACD_IN");
        let routed = is_routed(call_type);
        let extension = self.offerable(&offer.agent, routed)?;
        let queue = match offer.queue {
            Some(id) => Some(
                self.directory
                    .queues
                    .iter()
                    .find(|q| q.id == id)
                    .map(|q| (q.name.clone(), q.id.to_string()))
                    .ok_or_else(|| format!("unknown queue {id}"))?,
            ),
            None => None,
        };
        let dialed = offer
            .dialed_number
            .clone()
            .unwrap_or_else(|| "8800".to_owned());
        let mut dialog = self.blank_dialog(
            DialogKind::Call {
                routed,
                reservation: None,
            },
            call_type,
        );
        let caller = self.new_party(&offer.from, PState::Initiated, now);
        let mut agent = self.new_party(&extension, PState::Alerting, now);
        agent.agent = Some(offer.agent.clone());
        dialog.from_address.clone_from(&offer.from);
        dialog.to_address.clone_from(&dialed);
        dialog.dnis = extension;
        dialog.dialed_number = dialed;
        dialog.queue = queue;
        dialog.variables.clone_from(&offer.variables);
        dialog.participants = vec![caller, agent];
        let id = dialog.id;
        self.dialogs.insert(id, dialog);
        self.sync(id, "", now, out);
        Ok(id)
    }

    /// A dialer call: first the OTHER_IN packet without outbound data, then the same dialog
    /// as OUTBOUND with the customer number and BA* variables.
    pub(crate) fn offer_outbound(
        &mut self,
        offer: &OutboundOffer,
        now: &Now,
        out: &mut Out,
    ) -> Result<u64, String> {
        let extension = self.offerable(&offer.agent, true)?;
        let dialer = offer.dialer.clone().unwrap_or_else(|| "7999".to_owned());
        let mut dialog = self.blank_dialog(
            DialogKind::Call {
                routed: false,
                reservation: Some(AgentState::ReservedOutbound),
            },
            "OUTBOUND",
        );
        dialog.direction = Direction::Outgoing;
        let mut agent = self.new_party(&extension, PState::Alerting, now);
        agent.agent = Some(offer.agent.clone());
        let customer = self.new_party(&offer.customer, PState::Active, now);
        dialog.from_address.clone_from(&dialer);
        dialog.dnis.clone_from(&extension);
        let id = dialog.id;
        if offer.reservation_packet {
            let port = self.new_party(&dialer, PState::Initiated, now);
            "OTHER_IN".clone_into(&mut dialog.call_type);
            dialog.to_address.clone_from(&extension);
            dialog.participants = vec![port, agent.clone()];
            self.dialogs.insert(id, dialog.clone());
            self.sync(id, "", now, out);
            dialog.seen_by = self
                .dialogs
                .get(&id)
                .map(|d| d.seen_by.clone())
                .unwrap_or_default();
        }
        "OUTBOUND".clone_into(&mut dialog.call_type);
        dialog.to_address.clone_from(&offer.customer);
        dialog.dialed_number.clone_from(&offer.customer);
        dialog.variables.clone_from(&offer.variables);
        dialog.participants = vec![agent, customer];
        self.dialogs.insert(id, dialog);
        self.sync(id, "", now, out);
        Ok(id)
    }

    /// A preview reservation: the agent sees the customer's data and may ACCEPT, CLOSE or
    /// REJECT.
    pub(crate) fn offer_preview(
        &mut self,
        offer: &PreviewOffer,
        now: &Now,
        out: &mut Out,
    ) -> Result<u64, String> {
        let extension = self.offerable(&offer.agent, true)?;
        let mut dialog = self.blank_dialog(DialogKind::Preview, "OUTBOUND_PREVIEW");
        let mut agent = self.new_party(&extension, PState::Alerting, now);
        agent.agent = Some(offer.agent.clone());
        dialog.from_address = offer.dialer.clone().unwrap_or_else(|| "7999".to_owned());
        dialog.to_address.clone_from(&offer.customer);
        dialog.dnis = extension;
        dialog.dialed_number.clone_from(&offer.customer);
        dialog.variables.clone_from(&offer.variables);
        dialog.participants = vec![agent];
        let id = dialog.id;
        self.dialogs.insert(id, dialog);
        self.sync(id, "", now, out);
        Ok(id)
    }

    /// The remote (non-agent) party answers; the agent's dialling leg connects with it.
    pub(crate) fn remote_answer(
        &mut self,
        dialog_id: u64,
        now: &Now,
        out: &mut Out,
    ) -> Result<(), String> {
        let d = self
            .dialogs
            .get_mut(&dialog_id)
            .ok_or_else(|| format!("no dialog {dialog_id}"))?;
        let ringing: Vec<usize> = d
            .participants
            .iter()
            .enumerate()
            // Only a called party rings; the calling side of an inbound call is INITIATED.
            .filter(|(_, p)| p.agent.is_none() && p.state == PState::Alerting)
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = ringing.first() else {
            return Err(format!("no remote party is ringing on dialog {dialog_id}"));
        };
        self.answer(dialog_id, first, now);
        self.sync(dialog_id, "", now, out);
        Ok(())
    }

    /// Ring no answer: the router takes the call back from the alerting agent(s), who go
    /// NOT_READY with the RONA reason (32767); the caller stays at the route point.
    pub(crate) fn ring_no_answer(
        &mut self,
        dialog_id: u64,
        now: &Now,
        out: &mut Out,
    ) -> Result<(), String> {
        let d = self
            .dialogs
            .get(&dialog_id)
            .ok_or_else(|| format!("no dialog {dialog_id}"))?;
        let alerting: Vec<(usize, String)> = d
            .participants
            .iter()
            .enumerate()
            .filter(|(_, p)| p.state == PState::Alerting)
            .filter_map(|(i, p)| p.agent.clone().map(|a| (i, a)))
            .collect();
        if alerting.is_empty() {
            return Err(format!("no agent is alerting on dialog {dialog_id}"));
        }
        for (index, agent) in alerting {
            if let Some(a) = self.agents.get_mut(&agent) {
                a.pending = Some(AgentState::NotReady);
                a.pending_reason = Some(super::model::Reason::system(
                    "NOT_READY",
                    32767,
                    "Ring no answer",
                ));
            }
            self.leave_call(dialog_id, index, "", now);
        }
        self.sync(dialog_id, "", now, out);
        Ok(())
    }

    /// The remote (non-agent) parties hang up; the call ends if no one else is left.
    pub(crate) fn remote_hangup(
        &mut self,
        dialog_id: u64,
        now: &Now,
        out: &mut Out,
    ) -> Result<(), String> {
        let d = self
            .dialogs
            .get_mut(&dialog_id)
            .ok_or_else(|| format!("no dialog {dialog_id}"))?;
        let mut any = false;
        for p in d
            .participants
            .iter_mut()
            .filter(|p| p.agent.is_none() && p.state.is_live())
        {
            p.state = PState::Dropped;
            p.state_change_time.clone_from(&now.wall);
            any = true;
        }
        if !any {
            return Err(format!("dialog {dialog_id} has no remote party"));
        }
        self.settle(dialog_id, now);
        self.sync(dialog_id, "", now, out);
        self.end_monitors_without_agent("", now, out);
        Ok(())
    }
}
