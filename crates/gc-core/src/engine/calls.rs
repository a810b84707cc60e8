//! Dialogs: which call events a dialog notification becomes (NewInboundCall, InboundCall,
//! ConsultCall, NewOutboundCall, NewOutboundPreviewCall), and the dialog queries.

use gc_protocol::event::Control;
use gc_protocol::{AgentId, CallData, DialogId, ErrorCode, Event};

use super::agent::{Agent, DialogKind, Tracked};
use super::{Engine, Reply};
use crate::finesse::Dialog;
use crate::io::{Effect, TimerId};

/// The O-017 control table of docs/protocol.md: Finesse action → control index.
const CONTROLS: [(&str, u32); 9] = [
    ("ANSWER", 1),
    ("HOLD", 2),
    ("RETRIEVE", 3),
    ("DROP", 4),
    ("CONSULT_CALL", 5),
    ("TRANSFER", 6),
    ("CONFERENCE", 7),
    ("TRANSFER_SST", 8),
    ("UPDATE_CALL_DATA", 9),
];

fn is_outbound(call_type: &str) -> bool {
    call_type.to_ascii_uppercase().starts_with("OUTBOUND")
}

fn is_preview(call_type: &str) -> bool {
    let upper = call_type.to_ascii_uppercase();
    upper.starts_with("OUTBOUND") && upper.contains("PREVIEW")
}

/// Outbound Option variables (`BACampaign`, `BAStatus`, …) mark a dialer call.
fn has_outbound_variables(dialog: &Dialog) -> bool {
    dialog
        .call_variables
        .iter()
        .any(|(name, _)| name.starts_with("BA"))
}

/// How a dialog the agent has just been put on is presented.
fn classify(agent: &mut Agent, dialog: &Dialog) -> DialogKind {
    let call_type = dialog.call_type.to_ascii_uppercase();
    if call_type == "OTHER_IN"
        && agent.state().starts_with("RESERVED_OUTBOUND")
        && !has_outbound_variables(dialog)
    {
        return DialogKind::HeldBack;
    }
    if is_preview(&call_type) {
        return DialogKind::OutboundPreview;
    }
    if is_outbound(&call_type) || (call_type == "OTHER_IN" && has_outbound_variables(dialog)) {
        return DialogKind::Outbound;
    }
    let me = agent
        .own_extension()
        .map(|e| e.as_str().to_owned())
        .unwrap_or_default();
    let mine = dialog.participant(&me);
    let initiated_here = mine
        .is_some_and(|p| matches!(p.state.as_str(), "INITIATING" | "INITIATED"))
        || (dialog.from_address == me && mine.is_none_or(|p| p.state != "ALERTING"));
    if !initiated_here {
        return DialogKind::Inbound;
    }
    let known = |id: &String| agent.dialogs.contains_key(id) && *id != dialog.id;
    let original = agent
        .consult_from
        .take()
        .filter(known)
        .or_else(|| dialog.associated_dialog.clone().filter(known))
        .or_else(|| {
            (call_type == "CONSULT")
                .then(|| {
                    agent.dialogs.iter().find_map(|(id, t)| {
                        t.dialog
                            .participant(&me)
                            .filter(|p| p.state == "HELD")
                            .map(|_| id.clone())
                    })
                })
                .flatten()
        });
    if original.is_some() || call_type == "CONSULT" {
        DialogKind::Consult { original }
    } else {
        DialogKind::Inbound
    }
}

impl Engine {
    /// The call data a client sees for a tracked dialog; `removed` for the dialog's last state.
    fn call_data(agent: &Agent, dialog: &Dialog, removed: bool) -> CallData {
        let me = agent
            .own_extension()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default();
        let mine = dialog.participant(&me);
        let failed = dialog.state == "FAILED" || mine.is_some_and(|p| p.state == "FAILED");
        let state = if failed {
            "FAILED".to_owned()
        } else if removed {
            "DROPPED".to_owned()
        } else {
            mine.map_or_else(|| dialog.state.clone(), |p| p.state.clone())
        };
        super::present::call_data(
            dialog,
            state,
            mine.map(|p| p.state_cause.clone()).unwrap_or_default(),
        )
    }

    fn call_event(agent_id: &AgentId, agent: &Agent, kind: &DialogKind, call: CallData) -> Event {
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
    fn announce(&mut self, agent: &AgentId, id: &str) {
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
            DialogKind::Inbound if call.state == "ALERTING" => Some(Event::NewInboundCall {
                agent: agent.clone(),
                call: call.clone(),
            }),
            _ => None,
        };
        let preview = tracked.kind == DialogKind::OutboundPreview;
        if let Some(event) = new_call {
            self.publish_to_agent(agent, event);
        }
        if preview {
            // The reservation itself is the NewOutboundPreviewCall; states follow on change.
            if let Some(t) = self
                .agents
                .get_mut(agent)
                .and_then(|a| a.dialogs.get_mut(id))
            {
                t.shown = Some(call);
            }
        } else {
            self.show(agent, id, false);
        }
    }

    /// Publishes the dialog's state if it differs from what the client was last shown (or
    /// always, with `force`).
    fn show(&mut self, agent: &AgentId, id: &str, force: bool) {
        let Some(entry) = self.agents.get(agent) else {
            return;
        };
        let Some(tracked) = entry.dialogs.get(id) else {
            return;
        };
        let call = Self::call_data(entry, &tracked.dialog, false);
        if !force && tracked.shown.as_ref() == Some(&call) {
            return;
        }
        let event = Self::call_event(agent, entry, &tracked.kind, call.clone());
        if let Some(t) = self
            .agents
            .get_mut(agent)
            .and_then(|a| a.dialogs.get_mut(id))
        {
            t.shown = Some(call);
        }
        self.publish_to_agent(agent, event);
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
        let released = tracked.kind == DialogKind::HeldBack
            && (is_outbound(&dialog.call_type) || has_outbound_variables(&dialog));
        if released {
            tracked.kind = if is_preview(&dialog.call_type) {
                DialogKind::OutboundPreview
            } else {
                DialogKind::Outbound
            };
        }
        let held = tracked.kind == DialogKind::HeldBack;
        tracked.dialog = dialog;
        if released {
            self.emit(Effect::CancelTimer(TimerId::HeldDialog(
                agent.clone(),
                id.clone(),
            )));
            self.announce(agent, &id);
        } else if !held {
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
        if entry.consult_from.as_deref() == Some(dialog.id.as_str()) {
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
        let call = Self::call_data(entry, &tracked.dialog, true);
        let event = Self::call_event(agent, entry, &tracked.kind, call);
        self.publish_to_agent(agent, event);
    }

    /// The first packet of an outbound call waited long enough: it is an ordinary call.
    pub(super) fn on_held_dialog_timeout(&mut self, agent: &AgentId, id: &str) {
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

    /// Replaces the tracked dialogs with a fresh list from Finesse and publishes them: each
    /// dialog's state (refresh), or DialogStatus (after a failover, O-024). Dialogs that are
    /// gone are published as released.
    pub(super) fn replace_dialogs(
        &mut self,
        agent: &AgentId,
        dialogs: Vec<Dialog>,
        reply: Option<&Reply>,
        failover: bool,
    ) {
        let Some(entry) = self.agents.get_mut(agent) else {
            return;
        };
        let gone: Vec<Dialog> = entry
            .dialogs
            .values()
            .filter(|t| !dialogs.iter().any(|d| d.id == t.dialog.id))
            .map(|t| t.dialog.clone())
            .collect();
        for dialog in dialogs {
            if let Some(tracked) = entry.dialogs.get_mut(&dialog.id) {
                tracked.dialog = dialog;
            } else {
                let kind = match classify(entry, &dialog) {
                    DialogKind::HeldBack => DialogKind::Inbound,
                    kind => kind,
                };
                entry.dialogs.insert(
                    dialog.id.clone(),
                    Tracked {
                        dialog,
                        kind,
                        shown: None,
                    },
                );
            }
        }
        for dialog in &gone {
            self.on_dialog_removed(agent, dialog);
        }
        let ids: Vec<String> = self
            .agents
            .get(agent)
            .map(|a| a.dialogs.keys().cloned().collect())
            .unwrap_or_default();
        for id in &ids {
            let event = if failover {
                self.dialog_status(agent, id)
            } else {
                let Some(entry) = self.agents.get(agent) else {
                    return;
                };
                let Some(tracked) = entry.dialogs.get(id) else {
                    continue;
                };
                let call = Self::call_data(entry, &tracked.dialog, false);
                let event = Self::call_event(agent, entry, &tracked.kind, call.clone());
                if let Some(t) = self
                    .agents
                    .get_mut(agent)
                    .and_then(|a| a.dialogs.get_mut(id))
                {
                    t.shown = Some(call);
                }
                Some(event)
            };
            if let Some(event) = event {
                match reply {
                    Some(reply) => self.publish_reply(reply, event),
                    None => self.publish_to_agent(agent, event),
                }
            }
        }
    }

    /// O-024 for a dialog: the dialog with its consult, once per pair (the consult side of a
    /// pair is reported with its original).
    fn dialog_status(&self, agent: &AgentId, id: &str) -> Option<Event> {
        let entry = self.agents.get(agent)?;
        let tracked = entry.dialogs.get(id)?;
        if let DialogKind::Consult {
            original: Some(original),
        } = &tracked.kind
            && entry.dialogs.contains_key(original)
        {
            return None;
        }
        let call = Self::call_data(entry, &tracked.dialog, false);
        let associated =
            Self::associated(entry, id).map(|t| Self::call_data(entry, &t.dialog, false));
        Some(Event::DialogStatus {
            agent: agent.clone(),
            call,
            associated,
        })
    }

    /// The consult started from this dialog, or the dialog this consult came from.
    fn associated<'a>(entry: &'a Agent, id: &str) -> Option<&'a Tracked> {
        let tracked = entry.dialogs.get(id)?;
        if let DialogKind::Consult {
            original: Some(original),
        } = &tracked.kind
        {
            return entry.dialogs.get(original);
        }
        entry
            .dialogs
            .values()
            .find(|t| matches!(&t.kind, DialogKind::Consult { original: Some(o) } if o == id))
    }

    /// getdialogstate: O-014 (state NOT_FOUND for a dialog the agent does not have).
    pub(super) fn answer_dialog_state(
        &mut self,
        agent: &AgentId,
        dialog: &DialogId,
        reply: &Reply,
    ) {
        let Some(entry) = self.agents.get(agent) else {
            return;
        };
        let event = match entry.dialogs.get(dialog.as_str()) {
            Some(tracked) => Event::DialogState {
                agent: agent.clone(),
                full_name: entry.full_name(),
                call: Self::call_data(entry, &tracked.dialog, false),
                associated: Self::associated(entry, dialog.as_str())
                    .map(|t| Self::call_data(entry, &t.dialog, false)),
            },
            None => Event::DialogState {
                agent: agent.clone(),
                full_name: entry.full_name(),
                call: CallData {
                    dialog_id: dialog.as_str().to_owned(),
                    state: "NOT_FOUND".into(),
                    ..CallData::default()
                },
                associated: None,
            },
        };
        self.publish_reply(reply, event);
        self.ack(reply);
    }

    /// getdialogstatecontrols: O-015 then O-017 from the actions Finesse allows now.
    pub(super) fn answer_controls(&mut self, agent: &AgentId, dialog: &DialogId, reply: &Reply) {
        let Some(entry) = self.agents.get(agent) else {
            return;
        };
        let Some(tracked) = entry.dialogs.get(dialog.as_str()) else {
            self.fail_reply(reply, ErrorCode::NoDialogId);
            return;
        };
        let call = Self::call_data(entry, &tracked.dialog, false);
        let me = entry
            .own_extension()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default();
        let actions = tracked
            .dialog
            .participant(&me)
            .map(|p| p.actions.clone())
            .unwrap_or_default();
        let dialog_type = match tracked.kind {
            DialogKind::Consult { .. } => "ConsultCall",
            _ => "InboundCall",
        };
        let events = [
            Event::DialogStateControls {
                agent: agent.clone(),
                dialog_type: dialog_type.into(),
                state: call.state,
                dialog_id: call.dialog_id,
                full_name: entry.full_name(),
            },
            Event::Controls {
                agent: agent.clone(),
                controls: CONTROLS
                    .iter()
                    .map(|(action, index)| Control {
                        index: *index,
                        visible: actions.iter().any(|a| a.eq_ignore_ascii_case(action)),
                    })
                    .collect(),
            },
        ];
        for event in events {
            self.publish_reply(reply, event);
        }
        self.ack(reply);
    }

    /// getDialogParticipants: O-022 with the dialog's participants.
    pub(super) fn answer_participants(
        &mut self,
        agent: &AgentId,
        dialog: &DialogId,
        reply: &Reply,
    ) {
        let Some(tracked) = self
            .agents
            .get(agent)
            .and_then(|a| a.dialogs.get(dialog.as_str()))
        else {
            self.fail_reply(reply, ErrorCode::NoDialogId);
            return;
        };
        let extensions = tracked
            .dialog
            .participants
            .iter()
            .map(|p| p.media_address.clone())
            .collect();
        self.publish_reply(
            reply,
            Event::ConferenceParticipants {
                agent: agent.clone(),
                extensions,
            },
        );
        self.ack(reply);
    }
}
