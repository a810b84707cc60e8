//! HTTP status + body → [`Error`] (finesse-api.md §5.1).

use std::error::Error as _;

use finesse_model::{ApiErrors, Request};
use gc_protocol::AgentId;

use crate::Error;

/// What the request was about, so a 404 can say which id was unknown.
#[derive(Clone, Copy, Debug)]
pub(super) enum Target<'a> {
    /// A `/User/{id}…` resource.
    User(&'a str),
    /// A `/Dialog/{id}` resource.
    Dialog(&'a str),
    /// Anything else.
    Other,
}

impl<'a> Target<'a> {
    /// The resource `request`, made as `agent`, addresses.
    pub(super) fn of(request: &'a Request, agent: &'a AgentId) -> Self {
        match request {
            Request::GetTeamMember { member } => Self::User(member.as_str()),
            Request::DialogAction { dialog, .. } => Self::Dialog(dialog.as_str()),
            Request::GetContacts(_) | Request::GetTeam(_) => Self::Other,
            Request::GetUser
            | Request::Login { .. }
            | Request::SetState { .. }
            | Request::GetDialogs
            | Request::MakeCall { .. }
            | Request::SilentMonitor { .. }
            | Request::BargeCall { .. }
            | Request::GetReasonCodes(_)
            | Request::GetWrapUpReasons
            | Request::GetPhoneBooks
            | Request::GetQueues => Self::User(agent.as_str()),
        }
    }
}

/// Maps a non-2xx answer. The body is read as `ApiErrors` when it is one.
pub(super) fn map_failure(status: u16, body: &[u8], agent: &str, target: Target<'_>) -> Error {
    let errors = ApiErrors::parse(body).ok().filter(|e| !e.errors.is_empty());
    match status {
        401 => {
            // A supervisor acting outside their teams is a permission problem, not a bad
            // password: it must not count toward the lockout guard.
            match errors {
                Some(errors) if errors.has_type("Invalid Supervisor") => {
                    Error::Api { status, errors }
                }
                errors => Error::Unauthorized {
                    agent: agent.to_owned(),
                    errors,
                },
            }
        }
        404 => match target {
            Target::User(id) => Error::UserNotFound {
                agent: id.to_owned(),
            },
            Target::Dialog(id) => Error::DialogNotFound {
                dialog: id.to_owned(),
            },
            Target::Other => errors.map_or(Error::Http { status }, |errors| Error::Api {
                status,
                errors,
            }),
        },
        503 => Error::ServiceUnavailable { errors },
        _ => errors.map_or(Error::Http { status }, |errors| Error::Api {
            status,
            errors,
        }),
    }
}

/// A reqwest error with its causes ("error sending request: connection refused").
pub(super) fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
