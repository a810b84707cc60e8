//! The seed's JSON event shapes, keys in the seed's order, written compactly.
//!
//! Where the seed shows a JSON sample the output has exactly its keys in its order; events the
//! seed shows only as legacy text get a JSON shape documented in docs/protocol.md.

use serde_json::{Value, json};

use super::{CallData, Event, Phonebook, TeamMember};

pub(super) fn render(event: &Event) -> String {
    value(event).to_string()
}

fn value(event: &Event) -> Value {
    match event {
        Event::State {
            agent,
            state,
            reason_code,
            pending_state,
            state_change_time,
            ..
        } => state_value(
            agent.as_str(),
            state,
            reason_code,
            pending_state,
            state_change_time,
        ),
        Event::ReLogin { agent } => state_value(agent.as_str(), "RE_LOGIN", "", "", ""),
        Event::Error { agent, code } => json!({
            "type": "Error",
            "code": code.as_str(),
            "message": code.user_message(),
            "agentId": agent.as_ref().map_or("", |a| a.as_str()),
        }),
        Event::PrintStatusBar { agent, message } => json!({
            "type": "PrintStatusBar",
            "message": message,
            "agentId": agent.as_str(),
        }),
        Event::System(status) => json!({ "type": "System", "status": status.as_str() }),
        Event::LoggedOut { agent } => json!({ "type": "LOGOUT", "agentId": agent.as_str() }),
        Event::InboundCall { agent, call, .. } => inbound_call(agent.as_str(), call),
        Event::ConsultCall { agent, call, .. } => json!({
            "type": "ConsultCall",
            "state": call.state,
            "assDialogId": call.dialog_id,
            "fromAddress": call.from_address,
            "toAddress": call.to_address,
            "startTime": call.start_time,
            "callVariables": call_variables(call),
            "participants": participants(call),
            "agentId": agent.as_str(),
        }),
        Event::NewInboundCall { agent, call } => json!({
            "type": "NewInboundCall",
            "dialogId": call.dialog_id,
            "fromAddress": call.from_address,
            "callVariables": call_variables(call),
            "agentId": agent.as_str(),
        }),
        Event::NewOutboundCall { agent, call } => {
            new_outbound("NewOutboundCall", agent.as_str(), call)
        }
        Event::NewOutboundPreviewCall { agent, call } => {
            new_outbound("NewOutboundPreviewCall", agent.as_str(), call)
        }
        Event::AgentInfo {
            agent,
            first_name,
            last_name,
            supervisor,
            wrap_up_mode,
            team,
            teams,
        } => json!({
            "type": "AgentInfo",
            "firstName": first_name,
            "lastName": last_name,
            "supervisor": supervisor,
            "wrapUpOnIncoming": wrap_up_mode,
            "teams": teams.iter().map(|t| json!({"id": t.id, "name": t.name})).collect::<Vec<_>>(),
            "team": { "id": team.id, "name": team.name },
            "agentId": agent.as_str(),
        }),
        Event::TeamInfoIds {
            agent, team_ids, ..
        } => json!({
            "type": "TeamInfoIDs",
            "teamIds": team_ids,
            "agentId": agent.as_str(),
        }),
        Event::TeamInfoNames {
            agent, team_names, ..
        } => json!({
            "type": "TeamInfoNames",
            "teamNames": team_names,
            "agentId": agent.as_str(),
        }),
        Event::DialogState { agent, call, .. } => {
            dialog_state(agent.as_str(), &call.dialog_id, &call.state)
        }
        Event::DialogStateBrief {
            agent,
            state,
            dialog_id,
            ..
        } => dialog_state(agent.as_str(), dialog_id, state),
        Event::DialogStateControls {
            agent,
            dialog_type,
            state,
            dialog_id,
            ..
        } => json!({
            "type": "DialogStateControls",
            "dialogType": dialog_type,
            "dialogId": dialog_id,
            "state": state,
            "agentId": agent.as_str(),
        }),
        Event::ReasonCodes {
            agent,
            category,
            codes,
            ..
        } => json!({
            "type": "ReasonCodes",
            "category": category.as_str(),
            "reasonCodes": codes.iter().map(|(code, label)| json!({ code: label })).collect::<Vec<_>>(),
            "agentId": agent.as_str(),
        }),
        Event::Controls { agent, controls } => json!({
            "type": "Control",
            "controls": controls
                .iter()
                .map(|c| json!({"index": c.index, "visible": c.visible}))
                .collect::<Vec<_>>(),
            "agentId": agent.as_str(),
        }),
        Event::QueueList { agent, queues } => json!({
            "type": "QueueList",
            "queues": queues.iter().map(|q| json!({
                "name": q.name,
                "agentsNotReady": q.agents_not_ready,
                "agentsReady": q.agents_ready,
                "agentsTalkingInbound": q.agents_talking_inbound,
                "agentsTalkingInternal": q.agents_talking_internal,
                "agentsTalkingOutbound": q.agents_talking_outbound,
                "agentsWrapUpNotReady": q.agents_wrap_up_not_ready,
                "agentsWrapUpReady": q.agents_wrap_up_ready,
                "callsInQueue": q.calls_in_queue,
                "startTimeOfLongestCallInQueue": q.start_time_of_longest_call_in_queue,
            })).collect::<Vec<_>>(),
            "agentId": agent.as_str(),
        }),
        // The seed's JSON for "Get Team User" is the Agents list.
        Event::TeamUsersList { users, .. } => json!([{
            "type": "Agents",
            "users": users.iter().map(|u| json!({
                "firstName": u.first_name,
                "lastName": u.last_name,
                "extension": u.extension,
            })).collect::<Vec<_>>(),
        }]),
        Event::TeamMemberStateChanged {
            agent,
            team_id,
            member,
        } => team_member_state(agent.as_str(), team_id, member),
        Event::ConferenceParticipants { agent, extensions } => json!({
            "type": "ConferenceParticipants",
            "participants": extensions,
            "agentId": agent.as_str(),
        }),
        Event::Reconnect {
            agent,
            request_type,
            request_text,
        } => json!({
            "type": "RECONNECT",
            "requestType": request_type,
            "request": request_text,
            "agentId": agent.as_str(),
        }),
        Event::DialogStatus {
            agent,
            call,
            associated,
        } => json!({
            "type": "DialogStatus",
            "dialogId": call.dialog_id,
            "state": call.state,
            "fromAddress": call.from_address,
            "callVariables": call_variables(call),
            "assDialogId": associated.as_ref().map(|a| a.dialog_id.clone()),
            "assDialogState": associated.as_ref().map(|a| a.state.clone()),
            "assFromAddress": associated.as_ref().map(|a| a.from_address.clone()),
            "assCallVariables": associated.as_ref().map(call_variables),
            "agentId": agent.as_str(),
        }),
        Event::DestinationReconnect { destination } => json!({
            "type": "DESTINATION",
            "destination": destination.as_str(),
            "status": "RECONNECT",
        }),
        Event::Phonebooks { books, .. } => phonebooks("Phonebooks", books),
        Event::TeamPhonebooks { books, .. } => phonebooks("TeamPhoneBooks", books),
        Event::PhonebookContacts {
            phonebook_id,
            contacts,
            ..
        } => json!([{
            "type": "PhonebookContacts",
            "phonebookId": phonebook_id,
            "contacts": contacts.iter().map(|c| json!({
                "firstName": c.first_name,
                "lastName": c.last_name,
                "phoneNumber": c.phone_number,
                "contactId": c.id,
            })).collect::<Vec<_>>(),
        }]),
        Event::Agents { users, .. } => json!([{
            "type": "Agents",
            "users": users.iter().map(|u| json!({
                "firstName": u.first_name,
                "lastName": u.last_name,
                "extension": u.extension,
            })).collect::<Vec<_>>(),
        }]),
    }
}

fn state_value(agent: &str, state: &str, reason: &str, pending: &str, changed: &str) -> Value {
    json!({
        "type": "State",
        "agentId": agent,
        "state": state,
        "reasonCode": reason,
        "stateChangeTimeString": "",
        "pendingState": pending,
        "stateChangeTime": changed,
    })
}

/// InboundCall in the seed's three shapes: released (`DROPPED`), failed, and the full call.
fn inbound_call(agent: &str, call: &CallData) -> Value {
    if call.is_failed() {
        json!({
            "type": "InboundCall",
            "dialogId": call.dialog_id,
            "prevDialogId": call.prev_dialog_id,
            "state": "FAILED",
            "failureCause": call.failure_cause,
            "agentId": agent,
        })
    } else if call.is_released() {
        json!({
            "type": "InboundCall",
            "dialogId": call.dialog_id,
            "prevDialogId": call.prev_dialog_id,
            "state": "DROPPED",
            "agentId": agent,
        })
    } else {
        json!({
            "type": "InboundCall",
            "dialogId": call.dialog_id,
            "state": call.state,
            "startTime": call.start_time,
            "prevDialogId": call.prev_dialog_id,
            "fromAddress": call.from_address,
            "callVariables": call_variables(call),
            "participants": participants(call),
            "agentId": agent,
        })
    }
}

fn new_outbound(kind: &str, agent: &str, call: &CallData) -> Value {
    json!({
        "type": kind,
        "dialogId": call.dialog_id,
        "fromAddress": call.from_address,
        "callVariables": call_variables(call),
        "calltype": call.call_type,
        "agentId": agent,
    })
}

fn dialog_state(agent: &str, dialog_id: &str, state: &str) -> Value {
    json!({ "type": "DialogState", "dialogId": dialog_id, "state": state, "agentId": agent })
}

fn team_member_state(agent: &str, team_id: &str, member: &TeamMember) -> Value {
    json!({
        "type": "TeamMemberStateChanged",
        "teamId": team_id,
        "loginId": member.login_id,
        "firstName": member.first_name,
        "lastName": member.last_name,
        "extension": member.extension,
        "state": member.state,
        "reasonCode": member.reason_code,
        "pendingState": member.pending_state,
        "stateChangeTime": member.state_change_time,
        "agentId": agent,
    })
}

/// `[{"callVariable1": ""}, …, {"callVariable10": ""}, {other…}, {"ani": "…"}]`.
fn call_variables(call: &CallData) -> Value {
    let mut vars: Vec<Value> = call
        .normalized_variables()
        .into_iter()
        .map(|(name, value)| json!({ name: value }))
        .collect();
    vars.push(json!({ "ani": call.ani }));
    Value::Array(vars)
}

fn participants(call: &CallData) -> Value {
    call.participants
        .iter()
        .map(|p| {
            json!({
                "mediaAddress": p.media_address,
                "state": p.state,
                "addressType": p.address_type,
            })
        })
        .collect()
}

fn phonebooks(kind: &str, books: &[Phonebook]) -> Value {
    json!([{
        "type": kind,
        "phonebooks": books.iter().map(|b| json!({ "name": b.name, "id": b.id })).collect::<Vec<_>>(),
    }])
}
