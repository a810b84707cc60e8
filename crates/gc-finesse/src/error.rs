//! The crate's error type, its GC error code, and the predicates the retry and failover logic
//! use.
//!
//! Layering: the pure model crate (finesse-model) has [`ParseError`]; this enum wraps it and
//! adds the transport failures. No variant carries a password (credentials travel as
//! [`gc_protocol::Password`], whose `Debug` is redacted, and are never formatted).

use gc_protocol::ErrorCode;

use finesse_model::{ApiErrors, ParseError};

/// Everything that can go wrong talking to Finesse.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Finesse sent XML we could not read.
    #[error("malformed Finesse XML: {0}")]
    Parse(#[from] ParseError),
    /// The node refused or did not accept the connection, twice (the request never reached
    /// Finesse, so it was safe to try again once).
    #[error("Finesse node {node} not reachable after {attempts} tries: {reason}")]
    NotReachable {
        /// Base URL or host:port of the node.
        node: String,
        /// Connection attempts made.
        attempts: u8,
        /// The last transport error.
        reason: String,
    },
    /// The request was sent but no answer came in time. `retried` is true for reads, which
    /// are retried once; writes are not retried because Finesse may have acted on them.
    #[error("Finesse node {node} did not answer in time")]
    Timeout {
        /// Base URL of the node.
        node: String,
        /// Whether the request was tried twice.
        retried: bool,
    },
    /// No configured node is reachable and in service.
    #[error("no Finesse node is reachable and in service")]
    Down,
    /// HTTP 401: bad credentials or a role that is not allowed. Never retried blindly: five
    /// failed sign-ins lock the agent out for five minutes.
    #[error("Finesse rejected the credentials of agent {agent} (HTTP 401)")]
    Unauthorized {
        /// The agent whose credentials were refused.
        agent: String,
        /// Finesse's error body, if any.
        errors: Option<ApiErrors>,
    },
    /// An earlier 401 (or SASL failure) blocks further attempts with the same password until
    /// the owner supplies a new one, so the connector cannot lock the agent out.
    #[error("credentials of agent {agent} were rejected earlier; not sent again until they change")]
    CredentialsBlocked {
        /// The agent.
        agent: String,
    },
    /// The XMPP server refused SASL authentication.
    #[error("XMPP authentication failed for agent {agent}: {condition}")]
    XmppAuth {
        /// The agent.
        agent: String,
        /// The SASL failure condition (`not-authorized`, …).
        condition: String,
    },
    /// HTTP 404 on a user resource.
    #[error("user {agent} not found")]
    UserNotFound {
        /// The agent id asked for.
        agent: String,
    },
    /// HTTP 404 on a dialog resource.
    #[error("dialog {dialog} not found")]
    DialogNotFound {
        /// The dialog id asked for.
        dialog: String,
    },
    /// Finesse refused the request with an `ApiErrors` body.
    #[error("Finesse answered HTTP {status}: {errors}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The errors.
        errors: ApiErrors,
    },
    /// HTTP 503: the node is OUT_OF_SERVICE (CTI failover, dependency down).
    #[error("Finesse is out of service (HTTP 503)")]
    ServiceUnavailable {
        /// Finesse's error body, if any.
        errors: Option<ApiErrors>,
    },
    /// Any other unexpected HTTP status without a readable error body.
    #[error("Finesse answered HTTP {status}")]
    Http {
        /// HTTP status.
        status: u16,
    },
    /// The connection broke while the request was in flight.
    #[error("I/O error talking to Finesse: {0}")]
    Io(String),
    /// The XMPP server broke the protocol or closed the stream.
    #[error("XMPP: {0}")]
    Xmpp(String),
    /// TLS could not be set up (bad CA file, handshake failure).
    #[error("TLS: {0}")]
    Tls(String),
    /// The configuration cannot work (bad URL, missing CA file …).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The session or client was closed by its owner.
    #[error("the Finesse session is closed")]
    Closed,
}

impl Error {
    /// The code a client receives in `<agent>#Error#<code>` (seed "Errors" table):
    /// unreachable node → `NOT_REACHABLE` (then `DOWN` when no node is left), 401 →
    /// `SUBSCRIPTION_FAILED` (REST or XMPP: the code with a user message), 404 user →
    /// `USER_NOT_FOUND`, `ApiErrors` → their CTI code, 503 → `FINESSE_UNAVAILABLE`,
    /// request timeout / I/O / invalid params → `PLEASE_RETRY`, unclear → `GENERAL_ERROR`.
    pub fn gc_code(&self) -> ErrorCode {
        match self {
            Self::NotReachable { .. } | Self::Timeout { retried: true, .. } => {
                ErrorCode::NotReachable
            }
            Self::Timeout { retried: false, .. } | Self::Io(_) | Self::Xmpp(_) | Self::Closed => {
                ErrorCode::PleaseRetry
            }
            Self::Down => ErrorCode::Down,
            // Every refusal of the agent's credentials, REST or XMPP, is the code the seed's User
            // Messages give a text for ("Invalid LoginId / Password.").
            Self::Unauthorized { .. } | Self::CredentialsBlocked { .. } | Self::XmppAuth { .. } => {
                ErrorCode::SubscriptionFailed
            }
            Self::UserNotFound { .. } => ErrorCode::UserNotFound,
            Self::DialogNotFound { .. } => ErrorCode::NoDialogId,
            Self::Api { status, errors } => {
                if errors.errors.is_empty() {
                    status_code(*status)
                } else {
                    errors.gc_code()
                }
            }
            Self::ServiceUnavailable { .. } => ErrorCode::FinesseUnavailable,
            Self::Http { status } => status_code(*status),
            Self::Parse(_) | Self::Tls(_) | Self::Config(_) => ErrorCode::GeneralError,
        }
    }

    /// Whether trying again later (or on the other node) may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::NotReachable { .. }
            | Self::Timeout { .. }
            | Self::Down
            | Self::ServiceUnavailable { .. }
            | Self::Io(_)
            | Self::Xmpp(_) => true,
            Self::Http { status } | Self::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// Whether the credentials were refused. Such errors must not be retried with the same
    /// password.
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self,
            Self::Unauthorized { .. } | Self::CredentialsBlocked { .. } | Self::XmppAuth { .. }
        )
    }

    /// Whether the error says something about the node's health (counts toward failover).
    pub fn is_node_failure(&self) -> bool {
        matches!(
            self,
            Self::NotReachable { .. } | Self::Timeout { .. } | Self::ServiceUnavailable { .. }
        )
    }
}

fn status_code(status: u16) -> ErrorCode {
    if (400..500).contains(&status) {
        ErrorCode::PleaseRetry
    } else {
        ErrorCode::GeneralError
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finesse_model::ApiError;

    #[test]
    fn codes_follow_the_seed_table() {
        let unreachable = Error::NotReachable {
            node: "a".into(),
            attempts: 2,
            reason: "refused".into(),
        };
        assert_eq!(unreachable.gc_code(), ErrorCode::NotReachable);
        assert!(unreachable.is_transient() && unreachable.is_node_failure());
        assert_eq!(Error::Down.gc_code(), ErrorCode::Down);
        let unauthorized = Error::Unauthorized {
            agent: "1001".into(),
            errors: None,
        };
        assert_eq!(unauthorized.gc_code(), ErrorCode::SubscriptionFailed);
        assert!(unauthorized.is_auth_failure() && !unauthorized.is_transient());
        let sasl = Error::XmppAuth {
            agent: "1001".into(),
            condition: "not-authorized".into(),
        };
        assert_eq!(sasl.gc_code(), ErrorCode::SubscriptionFailed);
        assert_eq!(
            Error::UserNotFound { agent: "9".into() }.gc_code(),
            ErrorCode::UserNotFound
        );
        assert_eq!(
            Error::Timeout {
                node: "a".into(),
                retried: false
            }
            .gc_code(),
            ErrorCode::PleaseRetry
        );
        assert_eq!(
            Error::Http { status: 500 }.gc_code(),
            ErrorCode::GeneralError
        );
        assert_eq!(
            Error::Http { status: 400 }.gc_code(),
            ErrorCode::PleaseRetry
        );
        let api = Error::Api {
            status: 400,
            errors: ApiErrors {
                errors: vec![ApiError {
                    error_message: Some("CF_INVALID_LOGON_DEVICE_SPECIFIED".into()),
                    ..ApiError::default()
                }],
            },
        };
        assert_eq!(api.gc_code(), ErrorCode::CfInvalidLogonDeviceSpecified);
    }
}
