//! The legacy `#`-delimited text of the seed's "GC Output Messages" table.
//!
//! Field values are cleaned so they cannot break the framing: `#` (and, inside lists, `,` and `|`)
//! become `_`, control characters become spaces.

use std::fmt::Write as _;

use super::{CallData, Event, Phonebook, full_name};

pub(super) fn render(event: &Event) -> String {
    match event {
        Event::State {
            agent,
            state,
            reason_code,
            full_name,
            ..
        } => line(&[
            agent.as_str(),
            "State",
            &field(state),
            &field(reason_code),
            &field(full_name),
        ]),
        Event::Error {
            agent: Some(agent),
            code,
        } => line(&[agent.as_str(), "Error", code.as_str()]),
        Event::Error { agent: None, code } => line(&["Error", code.as_str()]),
        Event::PrintStatusBar { agent, message } => {
            line(&[agent.as_str(), "Control", "PrintStatusBar", &field(message)])
        }
        Event::System(status) => line(&["System", status.as_str()]),
        Event::LoggedOut { agent } => line(&[agent.as_str(), "LOGOUT"]),
        Event::ReLogin { agent } => line(&[agent.as_str(), "State", "RE_LOGIN"]),
        Event::InboundCall {
            agent,
            full_name,
            call,
        } => call_state(agent.as_str(), "InboundCall", "DialogID:", call, full_name),
        Event::ConsultCall {
            agent,
            full_name,
            call,
        } => call_state(
            agent.as_str(),
            "ConsultCall",
            "AssDialogID:",
            call,
            full_name,
        ),
        Event::NewInboundCall { agent, call } => {
            let vars = format!("{}|{}", field(&item_free(&call.ani)), variables(call));
            new_call(agent.as_str(), "NewInboundCall", call, &vars)
        }
        Event::NewOutboundCall { agent, call } => {
            let vars = format!("ani={}|{}", field(&item_free(&call.ani)), variables(call));
            new_call(agent.as_str(), "NewOutboundCall", call, &vars)
        }
        Event::NewOutboundPreviewCall { agent, call } => {
            let vars = format!("ani={}|{}", field(&item_free(&call.ani)), variables(call));
            new_call(agent.as_str(), "NewOutboundPreviewCall", call, &vars)
        }
        Event::AgentInfo {
            agent,
            first_name,
            last_name,
            supervisor,
            wrap_up_mode,
            ..
        } => line(&[
            agent.as_str(),
            "AgentInfo",
            &field(first_name),
            &field(last_name),
            if *supervisor { "true" } else { "false" },
            &field(wrap_up_mode),
            &field(&full_name(first_name, last_name)),
        ]),
        Event::TeamInfoIds {
            agent,
            team_ids,
            full_name,
        } => line(&[
            agent.as_str(),
            "TeamInfoIDs",
            "TeamID",
            &list(team_ids),
            &field(full_name),
        ]),
        Event::TeamInfoNames {
            agent,
            team_names,
            full_name,
        } => line(&[
            agent.as_str(),
            "TeamInfoNames",
            "TeamName",
            &list(team_names),
            &field(full_name),
        ]),
        Event::DialogState {
            agent,
            full_name,
            call,
            associated,
        } => {
            let mut fields = vec![
                agent.as_str().to_owned(),
                "DialogState".into(),
                field(&call.state),
                field(&call.dialog_id),
                field(full_name),
                field(&call.from_address),
                variables(call),
            ];
            fields.extend(associated_fields(associated.as_ref()));
            fields.join("#")
        }
        Event::DialogStateControls {
            agent,
            dialog_type,
            state,
            dialog_id,
            full_name,
        } => line(&[
            agent.as_str(),
            &field(dialog_type),
            "DialogState",
            &field(state),
            &field(dialog_id),
            &field(full_name),
        ]),
        Event::ReasonCodes {
            agent,
            category,
            codes,
            full_name,
        } => {
            let code_list: Vec<&str> = codes.iter().map(|(code, _)| code.as_str()).collect();
            let label_list: Vec<&str> = codes.iter().map(|(_, label)| label.as_str()).collect();
            line(&[
                agent.as_str(),
                "ReasonCodes",
                &format!("Category:{}", category.as_str()),
                &format!("Codes:{}", list(&code_list)),
                &format!("Labels:{}", list(&label_list)),
                &field(full_name),
            ])
        }
        Event::Controls { agent, controls } => {
            let flags: Vec<String> = controls
                .iter()
                .map(|c| format!("{},{}", c.index, if c.visible { "true" } else { "false" }))
                .collect();
            line(&[agent.as_str(), "Control", &flags.join("|")])
        }
        Event::DialogStateBrief {
            agent,
            state,
            dialog_id,
            full_name,
        } => line(&[
            agent.as_str(),
            "DialogState",
            &field(state),
            &field(dialog_id),
            &field(full_name),
        ]),
        Event::QueueList { agent, queues } => {
            let mut fields = vec![agent.as_str().to_owned(), "QueueList".into()];
            fields.extend(queues.iter().map(|q| {
                pairs(&[
                    ("QueueName", &q.name),
                    ("AgentsNotReady", &q.agents_not_ready),
                    ("AgentsReady", &q.agents_ready),
                    ("AgentsTalkingInbound", &q.agents_talking_inbound),
                    ("AgentsTalkingInternal", &q.agents_talking_internal),
                    ("AgentsTalkingOutbound", &q.agents_talking_outbound),
                    ("AgentsWrapUpNotReady", &q.agents_wrap_up_not_ready),
                    ("AgentsWrapUpReady", &q.agents_wrap_up_ready),
                    ("CallsInQueue", &q.calls_in_queue),
                    (
                        "StartTimeOfLongestCallInQueue",
                        &q.start_time_of_longest_call_in_queue,
                    ),
                ])
            }));
            fields.join("#")
        }
        Event::TeamUsersList { agent, users } => {
            let mut fields = vec![agent.as_str().to_owned(), "TeamUsersList".into()];
            fields.extend(users.iter().map(|u| {
                pairs(&[
                    ("FirstName", &u.first_name),
                    ("LastName", &u.last_name),
                    ("Extension", &u.extension),
                    ("LoginID", &u.login_id),
                    ("State", &u.state),
                    ("PendingState", &u.pending_state),
                    ("MediaType", &u.media_type),
                    ("StateChangeTime", &u.state_change_time),
                ])
            }));
            fields.join("#")
        }
        Event::TeamMemberStateChanged {
            agent,
            team_id,
            member,
        } => line(&[
            agent.as_str(),
            "TeamMemberStateChanged",
            &field(team_id),
            &field(&member.state),
            &field(&member.login_id),
        ]),
        Event::ConferenceParticipants { agent, extensions } => {
            line(&[agent.as_str(), "ConferenceParticipants", &list(extensions)])
        }
        Event::Reconnect {
            agent,
            request_text,
            ..
        } => line(&[agent.as_str(), "RECONNECT", &field(request_text)]),
        Event::DialogStatus {
            agent,
            call,
            associated,
        } => {
            let mut fields = vec![
                agent.as_str().to_owned(),
                "DialogStatus".into(),
                field(&call.dialog_id),
                field(&call.state),
                field(&call.from_address),
                variables(call),
            ];
            fields.extend(associated_fields(associated.as_ref()));
            fields.join("#")
        }
        Event::DestinationReconnect { destination } => {
            line(&["DESTINATION", destination.as_str(), "RECONNECT"])
        }
        Event::Phonebooks { books, .. } => phonebooks("Phonebooks", books),
        Event::TeamPhonebooks { books, .. } => phonebooks("TeamPhoneBooks", books),
        Event::PhonebookContacts { contacts, .. } => {
            let mut fields = vec!["PhonebookContacts".to_owned()];
            fields.extend(contacts.iter().map(|c| {
                pairs(&[
                    ("description", &c.description),
                    ("firstName", &c.first_name),
                    ("lastName", &c.last_name),
                    ("phoneNumber", &c.phone_number),
                    ("id", &c.id),
                ])
            }));
            fields.join("#")
        }
        Event::Agents { agent, users } => {
            let mut fields = vec![agent.as_str().to_owned(), "Agents".into()];
            fields.extend(users.iter().map(|u| {
                pairs(&[
                    ("FirstName", &u.first_name),
                    ("LastName", &u.last_name),
                    ("Extension", &u.extension),
                ])
            }));
            fields.join("#")
        }
    }
}

fn line(fields: &[&str]) -> String {
    fields.join("#")
}

/// A single `#`-separated field.
fn field(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '#' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// A value inside a `,` or `|` separated list.
fn item_free(value: &str) -> String {
    value
        .chars()
        .map(|c| if matches!(c, ',' | '|') { '_' } else { c })
        .collect()
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    let cleaned: Vec<String> = items
        .iter()
        .map(|i| field(&item_free(i.as_ref())))
        .collect();
    cleaned.join(",")
}

/// `Key:value,Key:value,…` (O-019, O-020, O-29 … O-31).
fn pairs(items: &[(&str, &String)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{key}:{}", field(&item_free(value)));
    }
    out
}

/// `name=value|name=value|…`; a value may hold `,` and `=` but not `|` or `#`.
fn variables(call: &CallData) -> String {
    let vars: Vec<String> = call
        .normalized_variables()
        .into_iter()
        .map(|(name, value)| {
            let clean = |s: &str| field(&s.replace('|', "_"));
            format!("{}={}", clean(name), clean(value))
        })
        .collect();
    vars.join("|")
}

/// O-008 / O-010: the new format, the failure format, and `DROP` for released calls.
fn call_state(agent: &str, name: &str, id_label: &str, call: &CallData, full: &str) -> String {
    let id = format!("{id_label}{}", field(&call.dialog_id));
    if call.is_failed() {
        return line(&[
            agent,
            name,
            "FAILED",
            &id,
            &field(&call.failure_cause),
            &field(full),
        ]);
    }
    let state = if call.is_released() {
        "DROP".to_owned()
    } else {
        field(&call.state)
    };
    line(&[
        agent,
        name,
        &state,
        &id,
        &field(&call.from_address),
        &variables(call),
        &field(&call.start_time),
        &field(full),
    ])
}

/// O-009 / O-028: `<agent>#<Name>#<from_address>#<variables>#DialogID:<id>`.
fn new_call(agent: &str, name: &str, call: &CallData, vars: &str) -> String {
    line(&[
        agent,
        name,
        &field(&call.from_address),
        vars,
        &format!("DialogID:{}", field(&call.dialog_id)),
    ])
}

/// The four associated-dialog fields of O-014 and O-024, empty when there is none, so every
/// message has the same number of fields.
fn associated_fields(associated: Option<&CallData>) -> Vec<String> {
    associated.map_or_else(
        || vec![String::new(); 4],
        |a| {
            vec![
                field(&a.dialog_id),
                field(&a.state),
                field(&a.from_address),
                variables(a),
            ]
        },
    )
}

fn phonebooks(name: &str, books: &[Phonebook]) -> String {
    let mut fields = vec![name.to_owned()];
    fields.extend(
        books
            .iter()
            .map(|b| pairs(&[("name", &b.name), ("type", &b.kind), ("id", &b.id)])),
    );
    fields.join("#")
}
