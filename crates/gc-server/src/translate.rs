//! Finesse's typed models (finesse-model, through gc-finesse) into the engine's domain types
//! (gc-core). Pure. Goes away once the engine uses finesse-model's types itself (the engine's
//! requests already are finesse-model's).

use gc_core::finesse as core;
use gc_finesse::model as m;

/// Trimming and "none" sentinels are the parsers' business; here only `None` → `""`.
fn text(value: Option<&String>) -> String {
    value.cloned().unwrap_or_default()
}

fn id<T: ToString>(value: Option<&T>) -> String {
    value.map(ToString::to_string).unwrap_or_default()
}

/// A user.
pub fn user(u: &m::User) -> core::User {
    core::User {
        login_id: u.login_id.to_string(),
        first_name: text(u.first_name.as_ref()),
        last_name: text(u.last_name.as_ref()),
        extension: text(u.extension.as_ref()),
        state: u
            .state
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        pending_state: u
            .pending_state
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        // The parser already falls back to the embedded ReasonCode of team summaries.
        reason_code_id: id(u.reason_code_id.as_ref()),
        state_change_time: text(u.state_change_time.as_ref()),
        supervisor: u.is_supervisor(),
        team: u.team_id.as_ref().map(|team| core::TeamRef {
            id: team.to_string(),
            name: text(u.team_name.as_ref()),
        }),
        teams: u
            .teams
            .iter()
            .map(|t| core::TeamRef {
                id: id(t.id.as_ref()),
                name: text(t.name.as_ref()),
            })
            .collect(),
        wrap_up_on_incoming: u
            .wrap_up_on_incoming
            .as_ref()
            .map(|w| w.as_str().to_owned())
            .unwrap_or_default(),
        media_type: text(u.media_type.as_ref()),
    }
}

/// A team member as the Team API shows it.
pub fn team_user(u: &m::User) -> core::TeamUser {
    let full = user(u);
    core::TeamUser {
        login_id: full.login_id,
        first_name: full.first_name,
        last_name: full.last_name,
        extension: full.extension,
        state: full.state,
        pending_state: full.pending_state,
        reason_code_id: full.reason_code_id,
        state_change_time: full.state_change_time,
        media_type: full.media_type,
    }
}

/// A dialog.
pub fn dialog(d: &m::Dialog) -> core::Dialog {
    let props = &d.media_properties;
    core::Dialog {
        id: d.id.to_string(),
        call_type: props
            .call_type
            .as_ref()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        state: d
            .state
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        from_address: text(d.from_address.as_ref()),
        to_address: text(d.to_address.as_ref()),
        dialed_number: text(props.dialed_number.as_ref()),
        associated_dialog: d.associated_dialog.as_ref().map(ToString::to_string),
        secondary_id: d.secondary_id.as_ref().map(ToString::to_string),
        call_variables: props
            .call_variables
            .iter()
            .map(|v| (v.name.clone(), v.value.clone()))
            .collect(),
        wrap_up_reason: text(props.wrap_up_reason.as_ref()),
        participants: d
            .participants
            .iter()
            .map(|p| core::Participant {
                media_address: text(p.media_address.as_ref()),
                media_address_type: text(p.media_address_type.as_ref()),
                state: p
                    .state
                    .as_ref()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                state_cause: text(p.state_cause.as_ref()),
                start_time: text(p.start_time.as_ref()),
                actions: p.actions.iter().map(|a| a.as_str().to_owned()).collect(),
            })
            .collect(),
    }
}

/// A team with its users.
pub fn team(t: &m::Team) -> core::Team {
    core::Team {
        id: id(t.id.as_ref()),
        name: text(t.name.as_ref()),
        users: t.users.iter().map(team_user).collect(),
    }
}

pub fn reason_codes(codes: &[m::ReasonCodeInfo]) -> Vec<core::ReasonCodeInfo> {
    codes
        .iter()
        .map(|c| core::ReasonCodeInfo {
            id: id(c.id.as_ref()),
            code: text(c.code.as_ref()),
            label: text(c.label.as_ref()),
        })
        .collect()
}

pub fn wrap_up_reasons(reasons: &[m::WrapUpReason]) -> Vec<core::WrapUpReason> {
    reasons
        .iter()
        .map(|r| core::WrapUpReason {
            id: id(r.id.as_ref()),
            label: text(r.label.as_ref()),
        })
        .collect()
}

pub fn phone_books(books: &[m::PhoneBook]) -> Vec<core::PhoneBook> {
    books
        .iter()
        .map(|b| core::PhoneBook {
            id: id(b.id.as_ref()),
            name: text(b.name.as_ref()),
            kind: b
                .kind
                .as_ref()
                .map(|k| k.as_str().to_owned())
                .unwrap_or_default(),
        })
        .collect()
}

pub fn contacts(contacts: &[m::Contact]) -> Vec<core::Contact> {
    contacts
        .iter()
        .map(|c| core::Contact {
            id: id(c.id.as_ref()),
            first_name: text(c.first_name.as_ref()),
            last_name: text(c.last_name.as_ref()),
            phone_number: text(c.phone_number.as_ref()),
            description: text(c.description.as_ref()),
        })
        .collect()
}

fn stat(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

pub fn queues(queues: &[m::Queue]) -> Vec<core::Queue> {
    queues
        .iter()
        .map(|q| {
            let s = q.statistics.clone().unwrap_or_default();
            core::Queue {
                name: text(q.name.as_ref()),
                calls_in_queue: stat(s.calls_in_queue),
                start_time_of_longest_call_in_queue: text(
                    s.start_time_of_longest_call_in_queue.as_ref(),
                ),
                agents_ready: stat(s.agents_ready),
                agents_not_ready: stat(s.agents_not_ready),
                agents_talking_inbound: stat(s.agents_talking_inbound),
                agents_talking_outbound: stat(s.agents_talking_outbound),
                agents_talking_internal: stat(s.agents_talking_internal),
                agents_wrap_up_not_ready: stat(s.agents_wrap_up_not_ready),
                agents_wrap_up_ready: stat(s.agents_wrap_up_ready),
            }
        })
        .collect()
}

/// A finesse-model reply as the engine's.
pub fn reply(reply: m::Reply) -> core::FinesseReply {
    match reply {
        m::Reply::Accepted => core::FinesseReply::Accepted,
        m::Reply::User(u) => core::FinesseReply::User(user(&u)),
        m::Reply::Dialogs(d) => core::FinesseReply::Dialogs(d.iter().map(dialog).collect()),
        m::Reply::ReasonCodes(c) => core::FinesseReply::ReasonCodes(reason_codes(&c)),
        m::Reply::WrapUpReasons(r) => core::FinesseReply::WrapUpReasons(wrap_up_reasons(&r)),
        m::Reply::PhoneBooks(b) => core::FinesseReply::PhoneBooks(phone_books(&b)),
        m::Reply::Contacts(c) => core::FinesseReply::Contacts(contacts(&c)),
        m::Reply::Team(t) => core::FinesseReply::Team(team(&t)),
        m::Reply::Queues(q) => core::FinesseReply::Queues(queues(&q)),
    }
}

/// An adapter error as the engine's failure (code already classified by gc-finesse).
pub fn failure(error: &gc_finesse::Error) -> core::FinesseFailure {
    match error {
        gc_finesse::Error::Api { errors, .. } => api_failure(error.gc_code(), errors),
        other => core::FinesseFailure {
            code: other.gc_code(),
            error_type: String::new(),
            message: other.to_string(),
        },
    }
}

/// Finesse's `ApiErrors` (synchronous or asynchronous): the code, with the first error's type and
/// message for the engine's finer mapping and for logs.
fn api_failure(code: gc_protocol::ErrorCode, errors: &m::ApiErrors) -> core::FinesseFailure {
    let first = errors.errors.first();
    core::FinesseFailure {
        code,
        error_type: first.and_then(|e| e.error_type.clone()).unwrap_or_default(),
        message: first
            .and_then(|e| e.error_message.clone())
            .unwrap_or_default(),
    }
}

/// The team id of a team users node (`/finesse/api/Team/{id}/Users`).
fn team_of_node(node: &str) -> Option<String> {
    m::team_of(node).map(|team| team.to_string())
}

/// A notification of an agent's session as the engine's notifications (a dialogs collection
/// becomes one per dialog). Node-level payloads (SystemInfo) and unknown objects give nothing.
pub fn notification(n: &m::Notification) -> Vec<core::Notification> {
    let update = &n.update;
    let request_id = update.request_id.as_ref().map(|r| r.as_str().to_owned());
    let event = update.event.clone();
    match &update.payload {
        m::Payload::User(u) => match team_of_node(&n.node) {
            Some(team_id) => vec![core::Notification::TeamUser {
                team_id,
                user: team_user(u),
            }],
            None => vec![core::Notification::User {
                user: user(u),
                request_id,
            }],
        },
        m::Payload::Team(t) => {
            let team_id = team_of_node(&n.node).unwrap_or_else(|| id(t.id.as_ref()));
            t.users
                .iter()
                .map(|u| core::Notification::TeamUser {
                    team_id: team_id.clone(),
                    user: team_user(u),
                })
                .collect()
        }
        m::Payload::Dialogs(dialogs) => dialogs
            .iter()
            .map(|d| {
                let dialog = dialog(d);
                let request_id = request_id.clone();
                match event {
                    Some(m::NotificationEvent::Delete) => {
                        core::Notification::DialogRemoved { dialog, request_id }
                    }
                    Some(m::NotificationEvent::Put) => {
                        core::Notification::DialogChanged { dialog, request_id }
                    }
                    _ => core::Notification::DialogAdded { dialog, request_id },
                }
            })
            .collect(),
        m::Payload::Dialog(d) => {
            let dialog = dialog(d);
            match event {
                Some(m::NotificationEvent::Delete) => {
                    vec![core::Notification::DialogRemoved { dialog, request_id }]
                }
                Some(m::NotificationEvent::Post) => {
                    vec![core::Notification::DialogAdded { dialog, request_id }]
                }
                _ => vec![core::Notification::DialogChanged { dialog, request_id }],
            }
        }
        m::Payload::ApiErrors(errors) => vec![core::Notification::ApiError {
            request_id,
            failure: api_failure(errors.gc_code(), errors),
        }],
        m::Payload::Queue(_)
        | m::Payload::SystemInfo(_)
        | m::Payload::Empty
        | m::Payload::Other { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../../shared/finesse-captures/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn a_real_user_notification_becomes_the_engines_user() {
        let update =
            m::Update::parse(&capture("notifications/zoomint-user-login-not-ready.xml")).unwrap();
        let n = m::Notification {
            node: "/finesse/api/User/6021".into(),
            item_id: None,
            update,
        };
        let out = notification(&n);
        let [core::Notification::User { user, .. }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(user.state, "NOT_READY");
        assert_eq!(user.reason_code_id, "", "Finesse's -1 means no reason");
    }

    #[test]
    fn a_real_dialog_delete_becomes_removed_dialogs() {
        let update = m::Update::parse(&capture(
            "notifications/kr-dialog-alerting-agent-dropped-delete.xml",
        ))
        .unwrap();
        let n = m::Notification {
            node: "/finesse/api/User/x/Dialogs".into(),
            item_id: None,
            update,
        };
        let out = notification(&n);
        assert!(!out.is_empty());
        assert!(
            out.iter()
                .all(|n| matches!(n, core::Notification::DialogRemoved { .. }))
        );
    }

    #[test]
    fn a_real_api_error_keeps_its_request_and_code() {
        let update =
            m::Update::parse(&capture("errors/zoomint-apierror-invalid-device.xml")).unwrap();
        let n = m::Notification {
            node: "/finesse/api/User/6021".into(),
            item_id: None,
            update,
        };
        let out = notification(&n);
        let [core::Notification::ApiError { failure, .. }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(failure.code.as_str(), "CF_INVALID_LOGON_DEVICE_SPECIFIED");
    }

    #[test]
    fn a_team_member_keeps_the_reason_of_its_embedded_reason_code() {
        let update = m::Update::parse(
            b"<Update><data><user><extension>3002</extension><firstName>Jonas</firstName>
            <lastName>Weber</lastName><loginId>1002</loginId><pendingState></pendingState>
            <reasonCode><category>NOT_READY</category><code>102</code><forAll>true</forAll>
            <id>3</id><label>Meeting</label><systemCode>false</systemCode>
            <uri>/finesse/api/ReasonCode/3</uri></reasonCode><state>NOT_READY</state>
            <stateChangeTime>2026-11-25T10:15:02.000Z</stateChangeTime>
            <uri>/finesse/api/User/1002</uri></user></data><event>PUT</event>
            <requestId></requestId><source>/finesse/api/User/1002</source></Update>",
        )
        .unwrap();
        let n = m::Notification {
            node: "/finesse/api/Team/1/Users".into(),
            item_id: None,
            update,
        };
        let out = notification(&n);
        let [core::Notification::TeamUser { team_id, user }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(team_id, "1");
        assert_eq!(user.reason_code_id, "3");
    }

    #[test]
    fn team_nodes_are_recognised() {
        assert_eq!(
            team_of_node("/finesse/api/Team/12/Users"),
            Some("12".into())
        );
        assert_eq!(team_of_node("/finesse/api/User/1001"), None);
    }
}
