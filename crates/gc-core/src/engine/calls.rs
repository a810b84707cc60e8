//! Dialog notifications: which call events they become (NewInboundCall, InboundCall,
//! ConsultCall, NewOutboundCall, NewOutboundPreviewCall). Queries and re-reads are in
//! `dialogs.rs`.

use gc_protocol::event::finesse_time;
use gc_protocol::{AgentId, CallData, DialogId, Event};

use super::Engine;
use super::agent::{Agent, DialogKind, Tracked};
use crate::finesse::{
    Action, CallType, Dialog, DialogState, ParticipantState, UserState, participant,
};
use crate::io::{Effect, TimerId};

fn is_outbound(dialog: &Dialog) -> bool {
    dialog
        .media_properties
        .call_type
        .as_ref()
        .is_some_and(CallType::is_outbound)
}

fn is_preview(dialog: &Dialog) -> bool {
    dialog
        .media_properties
        .call_type
        .as_ref()
        .is_some_and(CallType::is_preview)
}

fn is_call_type(dialog: &Dialog, call_type: &CallType) -> bool {
    dialog.media_properties.call_type.as_ref() == Some(call_type)
}

/// An Outbound Option preview offer: a preview dialog the agent can ACCEPT. The call the dialer
/// places once the agent accepted has the same call type but is the accepted call, no offer.
fn is_preview_offer(dialog: &Dialog, me: &str) -> bool {
    is_preview(dialog) && participant(dialog, me).is_some_and(|p| p.can(&Action::Accept))
}

/// Outbound Option variables (`BACampaign`, `BAStatus`, …) mark a dialer call.
fn has_outbound_variables(dialog: &Dialog) -> bool {
    dialog
        .media_properties
        .call_variables
        .iter()
        .any(|v| v.name.starts_with("BA"))
}

/// The agent's own extension as text (empty when it has none).
pub(super) fn me(agent: &Agent) -> String {
    agent
        .own_extension()
        .map(|e| e.as_str().to_owned())
        .unwrap_or_default()
}

/// Whether a dialog the engine does not track yet may start being tracked: a logged-out agent
/// has no calls, and a dialog that is over already (a late packet after its DELETE) is nothing
/// to announce.
pub(super) fn admissible(agent: &Agent, dialog: &Dialog) -> bool {
    if agent.state() == Some(&UserState::Logout) || dialog.state == Some(DialogState::Dropped) {
        return false;
    }
    participant(dialog, &me(agent)).is_none_or(|p| p.state != Some(ParticipantState::Dropped))
}

/// How a dialog the agent has just been put on is presented.
pub(super) fn classify(agent: &mut Agent, dialog: &Dialog) -> DialogKind {
    let other_in = is_call_type(dialog, &CallType::OtherIn);
    let consult = is_call_type(dialog, &CallType::Consult);
    // O-028: the dialer's first packet is OTHER_IN without the dialled number or the BA*
    // variables. Finesse may publish it before the agent's RESERVED_OUTBOUND state, so an
    // OTHER_IN without a dialled number is held back too; the next packet or a short timeout
    // decides what it was.
    if other_in
        && !has_outbound_variables(dialog)
        && (matches!(
            agent.state(),
            Some(UserState::ReservedOutbound | UserState::ReservedOutboundPreview)
        ) || dialog
            .media_properties
            .dialed_number
            .as_deref()
            .is_none_or(|n| n.trim().is_empty()))
    {
        return DialogKind::HeldBack;
    }
    let me = me(agent);
    if is_preview_offer(dialog, &me) {
        return DialogKind::OutboundPreview;
    }
    if (is_outbound(dialog) && !is_preview(dialog)) || (other_in && has_outbound_variables(dialog))
    {
        return DialogKind::Outbound;
    }
    let mine = participant(dialog, &me);
    let initiated_here = mine.is_some_and(|p| {
        matches!(
            p.state,
            Some(ParticipantState::Initiating | ParticipantState::Initiated)
        )
    }) || (dialog.from_address.as_deref().unwrap_or_default() == me
        && mine.is_none_or(|p| p.state != Some(ParticipantState::Alerting)));
    if !initiated_here {
        return DialogKind::Inbound;
    }
    let known = |id: &DialogId| agent.dialogs.contains_key(id) && *id != dialog.id;
    let original = agent
        .consult_from
        .take()
        .filter(known)
        .or_else(|| dialog.associated_dialog.clone().filter(known))
        .or_else(|| {
            consult
                .then(|| {
                    agent.dialogs.iter().find_map(|(id, t)| {
                        participant(&t.dialog, &me)
                            .filter(|p| p.state == Some(ParticipantState::Held))
                            .map(|_| id.clone())
                    })
                })
                .flatten()
        });
    if original.is_some() || consult {
        DialogKind::Consult { original }
    } else {
        DialogKind::Inbound
    }
}

impl Engine {
    /// The call data a client sees for a tracked dialog; `removed` for the dialog's last state.
    pub(super) fn call_data(agent: &Agent, dialog: &Dialog, removed: bool) -> CallData {
        let mine = participant(dialog, &me(agent));
        let failed = dialog.state == Some(DialogState::Failed)
            || mine.is_some_and(|p| p.state == Some(ParticipantState::Failed));
        // The client is shown Finesse's own spelling of the state.
        let state = if failed {
            ParticipantState::Failed.as_str().to_owned()
        } else if removed {
            ParticipantState::Dropped.as_str().to_owned()
        } else {
            let state = match mine {
                Some(p) => p.state.as_ref().map(ParticipantState::as_str),
                None => dialog.state.as_ref().map(DialogState::as_str),
            };
            state.unwrap_or_default().to_owned()
        };
        let mut call = super::present::call_data(
            dialog,
            state,
            mine.and_then(|p| p.state_cause.clone()).unwrap_or_default(),
        );
        // The seed's legacy `<call_start_time>`: "Shows the agent start time in call".
        call.agent_start_time = mine
            .map(|p| finesse_time(p.start_time.as_deref().unwrap_or_default()))
            .unwrap_or_default();
        call
    }

    pub(super) fn call_event(
        agent_id: &AgentId,
        agent: &Agent,
        kind: &DialogKind,
        call: CallData,
    ) -> Event {
        match kind {
            DialogKind::Consult { .. } => Event::ConsultCall {
                agent: agent_id.clone(),
                full_name: agent.full_name(),
                call,
            },
            _ => Event::InboundCall {
                agent: agent_id.clone(),
                full_name: agent.full_name(),
                call,
            },
        }
    }

    pub(super) fn on_dialog_added(&mut self, agent: &AgentId, dialog: Dialog) {
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        if entry.dialogs.contains_key(&dialog.id) {
            self.on_dialog_changed(agent, dialog);
            return;
        }
        if !admissible(entry, &dialog) {
            return;
        }
        let kind = classify(entry, &dialog);
        let id = dialog.id.clone();
        entry.dialogs.insert(
            id.clone(),
            Tracked {
                dialog,
                kind: kind.clone(),
                shown: None,
            },
        );
        match kind {
            DialogKind::HeldBack => {
                let timeout = self.config.held_outbound_timeout;
                self.arm(TimerId::HeldDialog(agent.clone(), id), timeout);
            }
            _ => self.announce(agent, &id),
        }
    }

    /// Publishes the "new call" event for a dialog, then its state.
    pub(super) fn announce(&mut self, agent: &AgentId, id: &DialogId) {
        let Some(entry) = self.agents.get(agent) else {
            return;
        };
        let Some(tracked) = entry.dialogs.get(id) else {
            return;
        };
        let call = Self::call_data(entry, &tracked.dialog, false);
        let new_call = match tracked.kind {
            DialogKind::Outbound => Some(Event::NewOutboundCall {
                agent: agent.clone(),
                call: call.clone(),
            }),
            DialogKind::OutboundPreview => Some(Event::NewOutboundPreviewCall {
                agent: agent.clone(),
                call: call.clone(),
            }),
            DialogKind::Inbound if call.state == ParticipantState::Alerting.as_str() => {
                Some(Event::NewInboundCall {
                    agent: agent.clone(),
                    call: call.clone(),
                })
            }
            _ => None,
        };
        let preview = tracked.kind == DialogKind::OutboundPreview;
        if let Some(event) = new_call {
            self.publish_to_agent(agent, event);
        }
        if preview {
            // The reservation itself is the NewOutboundPreviewCall; states follow on change.
            self.mark_shown(agent, id, call);
        } else {
            self.show(agent, id, false);
        }
    }

    /// Publishes the dialog's state if it differs from what the client was last shown (or
    /// always, with `force`).
    pub(super) fn show(&mut self, agent: &AgentId, id: &DialogId, force: bool) {
        if let Some(event) = self.call_update(agent, id, force) {
            self.publish_to_agent(agent, event);
        }
    }

    /// The event showing the dialog's state, now taken as shown; `None` when it is what the
    /// client was last shown (unless `force`), or the dialog is unknown.
    pub(super) fn call_update(
        &mut self,
        agent: &AgentId,
        id: &DialogId,
        force: bool,
    ) -> Option<Event> {
        let entry = self.agents.get(agent)?;
        let tracked = entry.dialogs.get(id)?;
        let call = Self::call_data(entry, &tracked.dialog, false);
        if !force && tracked.shown.as_ref() == Some(&call) {
            return None;
        }
        let event = Self::call_event(agent, entry, &tracked.kind, call.clone());
        self.mark_shown(agent, id, call);
        Some(event)
    }

    /// Remembers what the client was last shown of the dialog.
    fn mark_shown(&mut self, agent: &AgentId, id: &DialogId, call: CallData) {
        if let Some(tracked) = self
            .agents
            .get_mut(agent)
            .and_then(|a| a.dialogs.get_mut(id))
        {
            tracked.shown = Some(call);
        }
    }

    pub(super) fn on_dialog_changed(&mut self, agent: &AgentId, dialog: Dialog) {
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        let Some(tracked) = entry.dialogs.get_mut(&dialog.id) else {
            self.on_dialog_added(agent, dialog);
            return;
        };
        let id = dialog.id.clone();
        // The packet after a held-back first one decides what the call is (O-028): with the
        // outbound data it is the NewOutboundCall; without, it was an ordinary call after all
        // and is announced at once instead of staying invisible until the timeout.
        let released = tracked.kind == DialogKind::HeldBack;
        if released {
            tracked.kind = if is_preview(&dialog) {
                DialogKind::OutboundPreview
            } else if is_outbound(&dialog) || has_outbound_variables(&dialog) {
                DialogKind::Outbound
            } else {
                DialogKind::Inbound
            };
        }
        tracked.dialog = dialog;
        if released {
            self.emit(Effect::CancelTimer(TimerId::HeldDialog(
                agent.clone(),
                id.clone(),
            )));
            self.announce(agent, &id);
        } else {
            self.show(agent, &id, false);
        }
    }

    pub(super) fn on_dialog_removed(&mut self, agent: &AgentId, dialog: &Dialog) {
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        let Some(mut tracked) = entry.dialogs.remove(&dialog.id) else {
            return;
        };
        if entry.consult_from.as_ref() == Some(&dialog.id) {
            entry.consult_from = None;
        }
        if tracked.kind == DialogKind::HeldBack {
            // Never announced: the client never knew of it.
            self.emit(Effect::CancelTimer(TimerId::HeldDialog(
                agent.clone(),
                dialog.id.clone(),
            )));
            return;
        }
        tracked.dialog = dialog.clone();
        let Some(entry) = self.agents.get(agent) else {
            return;
        };
        let mut call = Self::call_data(entry, &tracked.dialog, true);
        // The failure was shown already (with its cause); what is left to say is that the
        // call is gone: DROP, not the same FAILED twice.
        if call.is_failed() && tracked.shown.as_ref().is_some_and(CallData::is_failed) {
            ParticipantState::Dropped
                .as_str()
                .clone_into(&mut call.state);
        }
        let event = Self::call_event(agent, entry, &tracked.kind, call);
        self.publish_to_agent(agent, event);
    }

    /// The first packet of an outbound call waited long enough: it is an ordinary call.
    pub(super) fn on_held_dialog_timeout(&mut self, agent: &AgentId, id: &DialogId) {
        let Some(tracked) = self
            .agents
            .get_mut(agent)
            .and_then(|a| a.dialogs.get_mut(id))
        else {
            return;
        };
        if tracked.kind == DialogKind::HeldBack {
            tracked.kind = DialogKind::Inbound;
            self.announce(agent, id);
        }
    }
}
