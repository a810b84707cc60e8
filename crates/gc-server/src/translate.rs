//! Finesse's session notifications routed to the engine: one finesse-model notification (a
//! pubsub item on an agent's node) becomes the engine's per-agent notifications (a dialogs
//! collection one per dialog, a team node's users team-member changes), and an adapter error
//! the engine's failure. The objects themselves pass through as they are: the engine reads
//! finesse-model's types. Pure.

use gc_core::finesse as core;
use gc_finesse::model as m;

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
pub fn notification(n: m::Notification) -> Vec<core::Notification> {
    let update = n.update;
    let request_id = update.request_id.as_ref().map(|r| r.as_str().to_owned());
    let event = update.event.clone();
    match update.payload {
        m::Payload::User(user) => match team_of_node(&n.node) {
            Some(team_id) => vec![core::Notification::TeamUser {
                team_id,
                user: *user,
            }],
            None => vec![core::Notification::User {
                user: *user,
                request_id,
            }],
        },
        m::Payload::Team(team) => {
            let team_id = team_of_node(&n.node)
                .or_else(|| team.id.as_ref().map(ToString::to_string))
                .unwrap_or_default();
            team.users
                .into_iter()
                .map(|user| core::Notification::TeamUser {
                    team_id: team_id.clone(),
                    user,
                })
                .collect()
        }
        m::Payload::Dialogs(dialogs) => dialogs
            .into_iter()
            .map(|dialog| {
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
        m::Payload::Dialog(dialog) => {
            let dialog = *dialog;
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
            failure: api_failure(errors.gc_code(), &errors),
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
        let out = notification(n);
        let [core::Notification::User { user, .. }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(user.state, Some(m::UserState::NotReady));
        assert_eq!(user.reason_code_id, None, "Finesse's -1 means no reason");
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
        let out = notification(n);
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
        let out = notification(n);
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
        let out = notification(n);
        let [core::Notification::TeamUser { team_id, user }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(team_id, "1");
        assert_eq!(
            user.reason_code_id
                .as_ref()
                .map(gc_protocol::ReasonCode::as_str),
            Some("3")
        );
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
