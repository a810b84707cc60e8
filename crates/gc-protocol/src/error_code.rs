//! The error codes a client can receive in `<agent>#Error#<code>`, with the seed's Errors table
//! (origin, description, expected driver behaviour) kept as data beside each code.

use std::fmt;

/// Where an error comes from, as the seed's `Error_Origin` column says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorOrigin {
    /// Reported by Finesse (REST `ApiErrors` or an asynchronous `apiErrors` notification).
    Finesse,
    /// Decided by the connector itself.
    Connector,
}

/// A GC error code. [`ErrorCode::as_str`] is the exact text that travels on the wire.
///
/// Finesse codes not listed in the seed are passed through as [`ErrorCode::Finesse`], so a
/// client sees what Finesse said instead of a vague `GENERAL_ERROR`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    // === Finesse origin (seed Errors table) ===
    /// `CF_INVALID_CALLED_DEVICE`
    CfInvalidCalledDevice,
    /// `CF_INVALID_CALLING_DEVICE`
    CfInvalidCallingDevice,
    /// `CF_INVALID_CONNECTION_ID_FOR_ACTIVE_CALL`
    CfInvalidConnectionIdForActiveCall,
    /// `CF_INVALID_CONSULT_TYPE`
    CfInvalidConsultType,
    /// `CF_AGENT_ACCOUNT_LOCKED_OUT`
    CfAgentAccountLockedOut,
    /// `CF_INVALID_CSTA_DEVICE_IDENTIFIER`
    CfInvalidCstaDeviceIdentifier,
    /// `CF_RESOURCE_BUSY`
    CfResourceBusy,
    /// `CF_INVALID_LOGON_DEVICE_SPECIFIED`
    CfInvalidLogonDeviceSpecified,
    /// `CF_GENERIC_UNSPECIFIED_REJECTION`
    CfGenericUnspecifiedRejection,
    /// `CF_INVALID_OBJECT_STATE`
    CfInvalidObjectState,
    /// `CF_INVALID_PASSWORD_SPECIFIED`
    CfInvalidPasswordSpecified,
    /// `CF_GENERIC_SYSTEM_RESOURCE_AVAILABILITY`
    CfGenericSystemResourceAvailability,
    /// `E_CTI_INVALID_CALLID`
    ECtiInvalidCallId,
    /// `USER_NOT_FOUND`
    UserNotFound,
    /// `GENERAL_ERROR`
    GeneralError,
    /// `CF_GENERIC_OPERATION`
    CfGenericOperation,
    /// `BAD_DESTINATION`
    BadDestination,

    // === Connector origin (seed Errors table) ===
    /// `DOWN`
    Down,
    /// `LICENSES_EXCEEDED`
    LicensesExceeded,
    /// `MISSING_EXTENSION`
    MissingExtension,
    /// `MISSING_NUMBER`
    MissingNumber,
    /// `MISSING_PASSWORD`
    MissingPassword,
    /// `MISSING_REASON_CODE`
    MissingReasonCode,
    /// `NO_DIALOG_ID`
    NoDialogId,
    /// `NOT_REACHABLE`
    NotReachable,
    /// `PLEASE_RETRY`
    PleaseRetry,
    /// `SUBSCRIPTION_FAILED`
    SubscriptionFailed,
    /// `UNABLE_TO_SUBSCRIBE_TO_FINESSE`
    UnableToSubscribeToFinesse,
    /// `WRONG_EXTENSION`
    WrongExtension,
    /// `SESSION_INVALIDATED`
    SessionInvalidated,

    // === Only in the seed's User Messages table ===
    /// `FINESSE_UNAVAILABLE`
    FinesseUnavailable,
    /// `GENERIC_ERROR`
    GenericError,

    // === Connector extensions (documented in docs/protocol.md) ===
    /// `UNKNOWN_COMMAND`: the JMS type names no command of the protocol.
    UnknownCommand,
    /// `INVALID_DESTINATION`: a client destination name that cannot be used as a routing key.
    InvalidDestination,
    /// `RECORDING_NOT_CONFIGURED`: a Zoom recording command with no recording controller set.
    RecordingNotConfigured,

    /// Any other Finesse error code, passed through. The text is sanitised on construction
    /// (see [`ErrorCode::parse`]) so it never carries a reserved character.
    Finesse(String),
}

/// One row of the seed's Errors table.
struct Row {
    code: ErrorCode,
    text: &'static str,
    origin: ErrorOrigin,
    description: &'static str,
    driver_behaviour: &'static str,
}

const CONTINUE: &str = "display the error message and continue regular operations";

/// The seed's Errors table, in the seed's order, followed by the codes the seed only names in
/// its User Messages table and the connector's own extensions.
static ROWS: &[Row] = &[
    row(
        ErrorCode::CfInvalidCalledDevice,
        "CF_INVALID_CALLED_DEVICE",
        ErrorOrigin::Finesse,
        "The called device is not valid",
        CONTINUE,
    ),
    row(
        ErrorCode::CfInvalidCallingDevice,
        "CF_INVALID_CALLING_DEVICE",
        ErrorOrigin::Finesse,
        "The calling device is not valid",
        CONTINUE,
    ),
    row(
        ErrorCode::CfInvalidConnectionIdForActiveCall,
        "CF_INVALID_CONNECTION_ID_FOR_ACTIVE_CALL",
        ErrorOrigin::Finesse,
        "The active connection ID in the request is invalid",
        CONTINUE,
    ),
    row(
        ErrorCode::CfInvalidConsultType,
        "CF_INVALID_CONSULT_TYPE",
        ErrorOrigin::Finesse,
        "The consult type is invalid",
        CONTINUE,
    ),
    row(
        ErrorCode::CfAgentAccountLockedOut,
        "CF_AGENT_ACCOUNT_LOCKED_OUT",
        ErrorOrigin::Finesse,
        "The account is locked out",
        CONTINUE,
    ),
    row(
        ErrorCode::CfInvalidCstaDeviceIdentifier,
        "CF_INVALID_CSTA_DEVICE_IDENTIFIER",
        ErrorOrigin::Finesse,
        "The device ID is not valid.",
        "display the error message and ask user to enter valid Extension",
    ),
    row(
        ErrorCode::CfResourceBusy,
        "CF_RESOURCE_BUSY",
        ErrorOrigin::Finesse,
        "An internal resource is busy",
        "",
    ),
    row(
        ErrorCode::CfInvalidLogonDeviceSpecified,
        "CF_INVALID_LOGON_DEVICE_SPECIFIED",
        ErrorOrigin::Finesse,
        "The request specified an invalid logon device.",
        "display the error message and ask user to enter valid Extension",
    ),
    row(
        ErrorCode::CfGenericUnspecifiedRejection,
        "CF_GENERIC_UNSPECIFIED_REJECTION",
        ErrorOrigin::Finesse,
        "The request has been rejected (no specific details available).",
        "",
    ),
    row(
        ErrorCode::CfInvalidObjectState,
        "CF_INVALID_OBJECT_STATE",
        ErrorOrigin::Finesse,
        "The object is in the incorrect state for the request.",
        "",
    ),
    row(
        ErrorCode::CfInvalidPasswordSpecified,
        "CF_INVALID_PASSWORD_SPECIFIED",
        ErrorOrigin::Finesse,
        "The request specified an invalid agent password.",
        "Prompt user to supply a valid password",
    ),
    row(
        ErrorCode::CfGenericSystemResourceAvailability,
        "CF_GENERIC_SYSTEM_RESOURCE_AVAILABILITY",
        ErrorOrigin::Finesse,
        "The request failed due to lack of system resources (no specific details available)",
        "",
    ),
    row(
        ErrorCode::ECtiInvalidCallId,
        "E_CTI_INVALID_CALLID",
        ErrorOrigin::Finesse,
        "A request message was received with an invalid CallID value.",
        "",
    ),
    row(
        ErrorCode::UserNotFound,
        "USER_NOT_FOUND",
        ErrorOrigin::Finesse,
        "When Agent ID isn't found in Finesse",
        "Display the error message. Configuration update in Siebel / Finesse is required to match Agent definition (ID/Pwd).",
    ),
    row(
        ErrorCode::GeneralError,
        "GENERAL_ERROR",
        ErrorOrigin::Finesse,
        "when root cause is unclear",
        CONTINUE,
    ),
    row(
        ErrorCode::CfGenericOperation,
        "CF_GENERIC_OPERATION",
        ErrorOrigin::Finesse,
        "An operation error occurred (no specific details available).",
        "display error message according to the last command sent",
    ),
    row(
        ErrorCode::BadDestination,
        "BAD_DESTINATION",
        ErrorOrigin::Finesse,
        "Agent called to an invalid extension",
        CONTINUE,
    ),
    row(
        ErrorCode::Down,
        "DOWN",
        ErrorOrigin::Connector,
        "IOException: when Requester gets no response from Finesse; GC tries to establish connection with the secondary Finesse",
        CONTINUE,
    ),
    row(
        ErrorCode::LicensesExceeded,
        "LICENSES_EXCEEDED",
        ErrorOrigin::Connector,
        "User license limit exceeded",
        "display the error message",
    ),
    row(
        ErrorCode::MissingExtension,
        "MISSING_EXTENSION",
        ErrorOrigin::Connector,
        "Missing Extension",
        "display the error message and ask user to enter extension",
    ),
    row(
        ErrorCode::MissingNumber,
        "MISSING_NUMBER",
        ErrorOrigin::Connector,
        "Number to dial is missing in request",
        "display the error message and ask user to enter dial number",
    ),
    row(
        ErrorCode::MissingPassword,
        "MISSING_PASSWORD",
        ErrorOrigin::Connector,
        "Password is missing in request",
        "display the error message and ask user for credentials",
    ),
    row(
        ErrorCode::MissingReasonCode,
        "MISSING_REASON_CODE",
        ErrorOrigin::Connector,
        "GC/Finesse expects reason-code that wasn't provided by the client",
        "display the error message and ask user to provide reason code",
    ),
    row(
        ErrorCode::NoDialogId,
        "NO_DIALOG_ID",
        ErrorOrigin::Connector,
        "The requested dialog doesn't exists in GC",
        "send getdialogstate request for any active dialogs",
    ),
    row(
        ErrorCode::NotReachable,
        "NOT_REACHABLE",
        ErrorOrigin::Connector,
        "SocketTimeoutException: timeout on connecting to Finesse via Requester; after 2 unsuccessful retries, GC tries to establish connection with secondary Finesse",
        CONTINUE,
    ),
    row(
        ErrorCode::PleaseRetry,
        "PLEASE_RETRY",
        ErrorOrigin::Connector,
        "invalid request params, IOException, request timeout",
        CONTINUE,
    ),
    row(
        ErrorCode::SubscriptionFailed,
        "SUBSCRIPTION_FAILED",
        ErrorOrigin::Connector,
        "Invalid credentials supplied for agent login",
        "display the error message and ask user to enter valid credentials",
    ),
    row(
        ErrorCode::UnableToSubscribeToFinesse,
        "UNABLE_TO_SUBSCRIBE_TO_FINESSE",
        ErrorOrigin::Connector,
        "Invalid credentials supplied for agent login",
        "display the error message and ask user to enter valid credentials",
    ),
    row(
        ErrorCode::WrongExtension,
        "WRONG_EXTENSION",
        ErrorOrigin::Connector,
        "Extension is not valid (contains alphabetic characters)",
        "display the error message and ask user to enter valid Extension",
    ),
    row(
        ErrorCode::SessionInvalidated,
        "SESSION_INVALIDATED",
        ErrorOrigin::Connector,
        "The current session for login has been invalidated, user has been logged in from a new destination. GC will send a logout message followed by this message",
        "display the error message and ask user to login again",
    ),
    row(
        ErrorCode::FinesseUnavailable,
        "FINESSE_UNAVAILABLE",
        ErrorOrigin::Connector,
        "Finesse is not available; the connector reconnects automatically",
        CONTINUE,
    ),
    row(
        ErrorCode::GenericError,
        "GENERIC_ERROR",
        ErrorOrigin::Connector,
        "An error occurred",
        CONTINUE,
    ),
    row(
        ErrorCode::UnknownCommand,
        "UNKNOWN_COMMAND",
        ErrorOrigin::Connector,
        "The JMS type names no command of the protocol",
        CONTINUE,
    ),
    row(
        ErrorCode::InvalidDestination,
        "INVALID_DESTINATION",
        ErrorOrigin::Connector,
        "The client destination name is empty, too long, or has characters a routing key cannot carry",
        "fix the client destination name in the client configuration",
    ),
    row(
        ErrorCode::RecordingNotConfigured,
        "RECORDING_NOT_CONFIGURED",
        ErrorOrigin::Connector,
        "No recording controller is configured for Zoom recording commands",
        "display the error message and continue regular operations",
    ),
];

const fn row(
    code: ErrorCode,
    text: &'static str,
    origin: ErrorOrigin,
    description: &'static str,
    driver_behaviour: &'static str,
) -> Row {
    Row {
        code,
        text,
        origin,
        description,
        driver_behaviour,
    }
}

impl ErrorCode {
    /// Every code of the seed's Errors and User Messages tables and the connector's extensions,
    /// in table order (without the open-ended [`ErrorCode::Finesse`]).
    pub fn all() -> impl Iterator<Item = &'static Self> {
        ROWS.iter().map(|r| &r.code)
    }

    /// Parses a code as it appears on the wire (case-insensitive). Unknown codes become
    /// [`ErrorCode::Finesse`] with reserved characters (`#`, `,`, `|`) and whitespace replaced by
    /// `_`, so the value can always be written back into a legacy event.
    pub fn parse(text: &str) -> Self {
        let trimmed = text.trim();
        if let Some(row) = ROWS.iter().find(|r| r.text.eq_ignore_ascii_case(trimmed)) {
            return row.code.clone();
        }
        let clean: String = trimmed
            .chars()
            .map(|c| {
                if matches!(c, '#' | ',' | '|') || c.is_whitespace() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        if clean.is_empty() {
            Self::GeneralError
        } else {
            Self::Finesse(clean)
        }
    }

    /// The exact text on the wire, e.g. `MISSING_EXTENSION`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Finesse(text) => text,
            known => Self::row(known).map_or("GENERAL_ERROR", |r| r.text),
        }
    }

    /// Who produced the error. Pass-through codes are Finesse's.
    pub fn origin(&self) -> ErrorOrigin {
        Self::row(self).map_or(ErrorOrigin::Finesse, |r| r.origin)
    }

    /// The seed's description of the error (empty for unknown pass-through codes).
    pub fn description(&self) -> &'static str {
        Self::row(self).map_or("", |r| r.description)
    }

    /// What the seed expects the client ("driver") to do.
    pub fn driver_behaviour(&self) -> &'static str {
        Self::row(self).map_or(CONTINUE, |r| r.driver_behaviour)
    }

    /// Human text for an agent's screen: the seed's User Messages entry when it has one, else
    /// the seed's `GENERIC_ERROR` user text. Never the Errors table's description: that is
    /// written for developers ("when root cause is unclear", "IOException: when Requester
    /// gets no response…").
    pub fn user_message(&self) -> &'static str {
        let key = format!("Error#{}", self.as_str());
        crate::user_messages::lookup(&key)
            .filter(|text| !text.is_empty())
            .or_else(|| crate::user_messages::lookup("Error#GENERIC_ERROR"))
            .unwrap_or("An error occurred, please try again later.")
    }

    fn row(code: &Self) -> Option<&'static Row> {
        ROWS.iter().find(|r| &r.code == code)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_text() {
        for code in ErrorCode::all() {
            assert_eq!(&ErrorCode::parse(code.as_str()), code);
        }
    }

    #[test]
    fn unknown_finesse_codes_pass_through_sanitised() {
        assert_eq!(
            ErrorCode::parse("CF_INVALID_AGENT_WORKMODE"),
            ErrorCode::Finesse("CF_INVALID_AGENT_WORKMODE".into())
        );
        assert_eq!(ErrorCode::parse("A#B, C|D").as_str(), "A_B__C_D");
        assert_eq!(ErrorCode::parse("  "), ErrorCode::GeneralError);
    }

    #[test]
    fn parsing_ignores_case() {
        assert_eq!(
            ErrorCode::parse("missing_extension"),
            ErrorCode::MissingExtension
        );
    }

    #[test]
    fn user_message_prefers_the_user_messages_table() {
        assert_eq!(
            ErrorCode::MissingExtension.user_message(),
            "Extension is missing."
        );
        // No User Messages row: the seed's GENERIC_ERROR text, not the developer description.
        for code in [
            ErrorCode::BadDestination,
            ErrorCode::GeneralError,
            ErrorCode::Down,
        ] {
            assert_eq!(
                code.user_message(),
                "An error occurred, please try again later.",
                "{code}"
            );
        }
    }
}
