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

/// What a dialog notification says happened. Without an event (or with one this version does
/// not know), an item on the Dialogs collection is a new dialog and a single dialog a change.
fn dialog(
    event: Option<&m::NotificationEvent>,
    dialog: m::Dialog,
    request_id: Option<String>,
    collection: bool,
) -> core::Notification {
    use m::NotificationEvent as E;
    match event {
        Some(E::Delete) => core::Notification::DialogRemoved { dialog, request_id },
        Some(E::Put) => core::Notification::DialogChanged { dialog, request_id },
        Some(E::Post) => core::Notification::DialogAdded { dialog, request_id },
        _ if collection => core::Notification::DialogAdded { dialog, request_id },
        _ => core::Notification::DialogChanged { dialog, request_id },
    }
}

/// A notification of an agent's session as the engine's notifications (a dialogs collection
/// becomes one per dialog). Node-level payloads (SystemInfo) and unknown objects give nothing.
pub fn notification(n: m::Notification) -> Vec<core::Notification> {
    let update = n.update;
    let request_id = update.request_id.map(|r| r.as_str().to_owned());
    let event = update.event.as_ref();
    match update.payload {
        m::Payload::User(user) => vec![match m::team_of(&n.node) {
            Some(team_id) => core::Notification::TeamUser {
                team_id: Some(team_id),
                user: *user,
            },
            None => core::Notification::User {
                user: *user,
                request_id,
            },
        }],
        m::Payload::Team(team) => {
            let team_id = m::team_of(&n.node).or_else(|| team.id.clone());
            let member = |user| core::Notification::TeamUser {
                team_id: team_id.clone(),
                user,
            };
            team.users.into_iter().map(member).collect()
        }
        m::Payload::Dialogs(dialogs) => dialogs
            .into_iter()
            .map(|d| dialog(event, d, request_id.clone(), true))
            .collect(),
        m::Payload::Dialog(d) => vec![dialog(event, *d, request_id, false)],
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

    /// The engine's notifications of a real capture published on `node`.
    fn routed(node: &str, capture: &str) -> Vec<core::Notification> {
        let path = format!(
            "{}/../../../shared/finesse-captures/{capture}",
            env!("CARGO_MANIFEST_DIR")
        );
        let xml = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        routed_xml(node, &xml)
    }

    fn routed_xml(node: &str, xml: &[u8]) -> Vec<core::Notification> {
        let update = m::Update::parse(xml).unwrap();
        notification(m::Notification {
            node: node.into(),
            item_id: None,
            update,
        })
    }

    #[test]
    fn a_real_user_notification_reaches_the_engine_typed() {
        let out = routed(
            "/finesse/api/User/6021",
            "notifications/zoomint-user-login-not-ready.xml",
        );
        let [core::Notification::User { user, .. }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(user.state, Some(m::UserState::NotReady));
        assert_eq!(user.reason_code_id, None, "Finesse's -1 means no reason");
    }

    #[test]
    fn a_real_dialog_delete_becomes_removed_dialogs() {
        let capture = "notifications/kr-dialog-alerting-agent-dropped-delete.xml";
        let out = routed("/finesse/api/User/x/Dialogs", capture);
        assert!(!out.is_empty());
        assert!(
            out.iter()
                .all(|n| matches!(n, core::Notification::DialogRemoved { .. }))
        );
    }

    #[test]
    fn a_real_api_error_keeps_its_request_and_code() {
        let capture = "errors/zoomint-apierror-invalid-device.xml";
        let out = routed("/finesse/api/User/6021", capture);
        let [core::Notification::ApiError { failure, .. }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(failure.code.as_str(), "CF_INVALID_LOGON_DEVICE_SPECIFIED");
    }

    #[test]
    fn a_user_on_a_team_node_is_a_team_member_with_its_embedded_reason() {
        let out = routed_xml(
            "/finesse/api/Team/1/Users",
            b"<Update><data><user><loginId>1002</loginId><reasonCode><id>3</id>
            <label>Meeting</label></reasonCode><state>NOT_READY</state></user></data>
            <event>PUT</event><requestId></requestId></Update>",
        );
        let [core::Notification::TeamUser { team_id, user }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(
            team_id.as_ref().map(gc_protocol::ObjectId::as_str),
            Some("1")
        );
        let reason = user.reason_code_id.as_ref();
        assert_eq!(reason.map(gc_protocol::ReasonCode::as_str), Some("3"));
        assert_eq!(m::team_of("/finesse/api/User/1001"), None);
    }
}
