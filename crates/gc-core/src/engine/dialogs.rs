//! Dialogs as a whole: re-reading an agent's dialogs (refresh, failover, the GET fallback of a
//! call-control request) and the dialog queries (getdialogstate, getdialogstatecontrols,
//! getDialogParticipants).

use gc_protocol::event::Control;
use gc_protocol::{AgentId, CallData, DialogId, ErrorCode, Event};

use super::agent::{Agent, DialogKind, Tracked};
use super::calls::{admissible, classify, me};
use super::{Engine, Reply};
use crate::finesse::{Action, Dialog, participant};

/// The O-017 control table of docs/protocol.md: Finesse action → control index.
const CONTROLS: [(Action, u32); 9] = [
    (Action::Answer, 1),
    (Action::Hold, 2),
    (Action::Retrieve, 3),
    (Action::Drop, 4),
    (Action::ConsultCall, 5),
    (Action::Transfer, 6),
    (Action::Conference, 7),
    (Action::TransferSst, 8),
    (Action::UpdateCallData, 9),
];

impl Engine {
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
        let dialogs: Vec<Dialog> = dialogs
            .into_iter()
            .filter(|d| entry.dialogs.contains_key(&d.id) || admissible(entry, d))
            .collect();
        let gone = missing_from(entry, &dialogs);
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
        let ids: Vec<DialogId> = self
            .agents
            .get(agent)
            .map(|a| a.dialogs.keys().cloned().collect())
            .unwrap_or_default();
        for id in &ids {
            let event = if failover {
                self.dialog_status(agent, id)
            } else {
                self.call_update(agent, id, true)
            };
            if let Some(event) = event {
                match reply {
                    Some(reply) => self.publish_reply(reply, event),
                    None => self.publish_to_agent(agent, event),
                }
            }
        }
    }

    /// The GET fallback of a call-control request whose notification never came: the agent's
    /// dialogs as Finesse has them now, taken in as if they had been notified, so the client
    /// sees exactly the changes it missed (nothing when there were none).
    pub(super) fn reconcile_dialogs(&mut self, agent: &AgentId, dialogs: Vec<Dialog>) {
        let Some(entry) = self.agents.get(agent) else {
            return;
        };
        let gone = missing_from(entry, &dialogs);
        for dialog in &gone {
            self.on_dialog_removed(agent, dialog);
        }
        for dialog in dialogs {
            self.on_dialog_added(agent, dialog);
        }
    }

    /// O-024 for a dialog: the dialog with its consult, once per pair (the consult side of a
    /// pair is reported with its original).
    fn dialog_status(&self, agent: &AgentId, id: &DialogId) -> Option<Event> {
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
    fn associated<'a>(entry: &'a Agent, id: &DialogId) -> Option<&'a Tracked> {
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
        let event = match entry.dialogs.get(dialog) {
            Some(tracked) => Event::DialogState {
                agent: agent.clone(),
                full_name: entry.full_name(),
                call: Self::call_data(entry, &tracked.dialog, false),
                associated: Self::associated(entry, dialog)
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
        let Some(tracked) = entry.dialogs.get(dialog) else {
            self.fail_reply(reply, ErrorCode::NoDialogId);
            return;
        };
        let call = Self::call_data(entry, &tracked.dialog, false);
        let actions = participant(&tracked.dialog, &me(entry))
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
                        visible: actions.contains(action),
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
        let Some(tracked) = self.agents.get(agent).and_then(|a| a.dialogs.get(dialog)) else {
            self.fail_reply(reply, ErrorCode::NoDialogId);
            return;
        };
        let extensions = tracked
            .dialog
            .participants
            .iter()
            .map(|p| p.media_address.clone().unwrap_or_default())
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

/// The agent's tracked dialogs that a full read of its dialogs no longer lists (they ended
/// while the notifications were not heard).
fn missing_from(entry: &Agent, dialogs: &[Dialog]) -> Vec<Dialog> {
    entry
        .dialogs
        .values()
        .filter(|t| !dialogs.iter().any(|d| d.id == t.dialog.id))
        .map(|t| t.dialog.clone())
        .collect()
}
