//! The seed's User Messages table as data: the text a client may show an agent for an event or
//! error, keyed exactly as the seed keys it (`Error#LICENSES_EXCEEDED`, `State#READY`, …).

/// `(key, text)` in the seed's order. Keys without text in the seed map to an empty string.
pub const USER_MESSAGES: &[(&str, &str)] = &[
    (
        "Error#LICENSES_EXCEEDED",
        "License exceeded, please contact system administrator.",
    ),
    ("Error#SUBSCRIPTION_FAILED", "Invalid LoginId / Password."),
    ("Error#MISSING_EXTENSION", "Extension is missing."),
    (
        "Error#MISSING_PASSWORD",
        "Password not set, please contact system administrator.",
    ),
    (
        "Error#CF_INVALID_LOGON_DEVICE_SPECIFIED",
        "Incorrect phone extension.",
    ),
    (
        "Error#CF_GENERIC_UNSPECIFIED_REJECTION",
        "Please reset your phone and try again",
    ),
    (
        "Error#CF_RESOURCE_BUSY",
        "Phone extension is already in use",
    ),
    (
        "Error#FINESSE_UNAVAILABLE",
        "System is not available, it will connect automatically once available.",
    ),
    (
        "Error#GENERIC_ERROR",
        "An error occurred, please try again later.",
    ),
    (
        "Error#PLEASE_RETRY",
        "An error occurred, please try again later.",
    ),
    ("Error#NO_DIALOG_ID", "Invalid operation or call not found."),
    ("State#RE_LOGIN", "Reconnecting, please wait..."),
    ("State#LOGOUT", "You are Logged out"),
    ("State#LOGGED_IN", "You are Logged in"),
    ("State#READY", "Your State: Ready"),
    ("State#NOT_READY", "Your State: Not Ready"),
    (
        "State#RESERVED",
        "Your are Reserved, an inbound call is coming.",
    ),
    ("State#TALKING", "You are talking."),
    ("State#WORK", "Wrap up -> Not Ready"),
    ("State#WORK_READY", "Wrap up -> Ready"),
    (
        "State#UNKNOWN",
        "An error occurred, please refresh your browser.",
    ),
    ("State#HOLD", "Call is on hold."),
    ("InboundCall#INITIATING", "Call is initiated.."),
    ("InboundCall#INITIATED", ""),
    ("InboundCall#ALERTING", "Call is ringing.."),
    ("InboundCall#ACTIVE", "Call is active.."),
    ("InboundCall#FAILED", "Call has failed.."),
    ("InboundCall#DROP", "Call has been released.."),
    ("InboundCall#ACCEPTED", "Call is accepted.."),
    ("ConsultCall#ACTIVE", "Consult call is active.."),
    ("ConsultCall#INITIATING", ""),
    ("ConsultCall#INITIATED", ""),
    ("ConsultCall#ALERTING", "Consult call is ringing.."),
    ("ConsultCall#FAILED", "Consult call has failed.."),
    ("ConsultCall#DROP", "Consult call has dropped."),
];

/// The user message for a key such as `State#READY` (exact match, as in the seed).
pub fn lookup(key: &str) -> Option<&'static str> {
    USER_MESSAGES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_seed_row_once() {
        assert_eq!(USER_MESSAGES.len(), 35);
        for (i, (key, _)) in USER_MESSAGES.iter().enumerate() {
            assert!(
                USER_MESSAGES[i + 1..].iter().all(|(k, _)| k != key),
                "duplicate {key}"
            );
        }
    }

    #[test]
    fn lookup_finds_seed_text() {
        assert_eq!(lookup("State#WORK"), Some("Wrap up -> Not Ready"));
        assert_eq!(lookup("InboundCall#INITIATED"), Some(""));
        assert_eq!(lookup("State#NOPE"), None);
    }
}
