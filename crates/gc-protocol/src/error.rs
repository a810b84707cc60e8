//! The crate's error type: why a client message is not a valid command, and which GC error code
//! the client gets for it.

use std::fmt;

use crate::{AgentId, CommandName, ErrorCode, InvalidValue};

/// A parameter of a command body, named so errors can say which one was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Param {
    /// The client destination of Connect (or the argument of Hello / Beat).
    Destination,
    /// An agent password.
    Password,
    /// The agent's own extension.
    Extension,
    /// A number to dial.
    DialNumber,
    /// The mobile agent's connection mode (`true` / `false`).
    ConnectionMode,
    /// The optional SSO flag of Connect.
    SsoFlag,
    /// A not-ready or logout reason code.
    ReasonCode,
    /// A wrap-up reason.
    WrapUpReason,
    /// A dialog id.
    Dialog,
    /// A phone book id.
    Phonebook,
    /// A team id.
    Team,
    /// The optional subscribe flag of getteamusers.
    SubscribeFlag,
    /// A team member's login id.
    Member,
    /// The ACCEPT / REJECT / CLOSE keyword of an outbound preview command.
    PreviewAction,
    /// A call variable name.
    VariableName,
    /// A call variable value.
    VariableValue,
}

impl Param {
    /// The code a client gets when the parameter is absent (seed: MISSING_EXTENSION,
    /// MISSING_PASSWORD, MISSING_NUMBER, MISSING_REASON_CODE; PLEASE_RETRY for the rest).
    pub fn missing_code(self) -> ErrorCode {
        match self {
            Self::Destination => ErrorCode::InvalidDestination,
            Self::Password => ErrorCode::MissingPassword,
            Self::Extension => ErrorCode::MissingExtension,
            Self::DialNumber => ErrorCode::MissingNumber,
            Self::ReasonCode | Self::WrapUpReason => ErrorCode::MissingReasonCode,
            _ => ErrorCode::PleaseRetry,
        }
    }

    /// The code a client gets when the parameter is present but not valid (seed:
    /// WRONG_EXTENSION for an extension with letters; PLEASE_RETRY for other invalid params).
    pub fn invalid_code(self) -> ErrorCode {
        match self {
            Self::Destination => ErrorCode::InvalidDestination,
            Self::Extension => ErrorCode::WrongExtension,
            _ => ErrorCode::PleaseRetry,
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Destination => "client destination",
            Self::Password => "password",
            Self::Extension => "extension",
            Self::DialNumber => "number to dial",
            Self::ConnectionMode => "connection mode",
            Self::SsoFlag => "SSO flag",
            Self::ReasonCode => "reason code",
            Self::WrapUpReason => "wrap-up reason",
            Self::Dialog => "dialog id",
            Self::Phonebook => "phone book id",
            Self::Team => "team id",
            Self::SubscribeFlag => "subscribe flag",
            Self::Member => "team member id",
            Self::PreviewAction => "preview action keyword",
            Self::VariableName => "call variable name",
            Self::VariableValue => "call variable value",
        })
    }
}

/// Why a client message is not a valid command. Messages never include parameter values, so a
/// password can never reach a log through an error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The message is larger than [`crate::command::MAX_BODY_BYTES`].
    #[error("the message has {len} bytes; at most {max} are accepted")]
    TooLarge {
        /// Size of the message.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not UTF-8.
    #[error("the message body is not UTF-8 text")]
    NotUtf8,
    /// Neither the JMS type nor the body names a command.
    #[error("no command: the message has no JMS type and its body is not `<Command>#<argument>`")]
    NoCommand,
    /// The JMS type names no known command.
    #[error("unknown command `{name}`")]
    UnknownCommand {
        /// The name as received (sanitised, at most 64 characters).
        name: String,
        /// The agent after `#`, when it is a valid agent id.
        agent: Option<AgentId>,
    },
    /// Nothing after `#` (`Login#`, or no `#` at all).
    #[error("{command} needs {} after `#`", target_name(*.command))]
    MissingTarget {
        /// The command.
        command: CommandName,
    },
    /// The agent id or destination after `#` is not valid.
    #[error("{command}: the {} after `#` is not valid ({reason:?})", target_name(*.command))]
    InvalidTarget {
        /// The command.
        command: CommandName,
        /// What is wrong with it.
        reason: InvalidValue,
    },
    /// A required body parameter is absent or empty.
    #[error("{command}#{agent}: missing {param}")]
    MissingParameter {
        /// The command.
        command: CommandName,
        /// The agent it was for.
        agent: AgentId,
        /// The parameter.
        param: Param,
    },
    /// A body parameter is present but not valid.
    #[error("{command}#{agent}: the {param} is not valid ({reason:?})")]
    InvalidParameter {
        /// The command.
        command: CommandName,
        /// The agent it was for.
        agent: AgentId,
        /// The parameter.
        param: Param,
        /// What is wrong with it.
        reason: InvalidValue,
    },
}

fn target_name(command: CommandName) -> &'static str {
    match command {
        CommandName::Hello | CommandName::Beat => "a client destination",
        _ => "an agent id",
    }
}

impl ProtocolError {
    /// The GC error code the client is answered with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::UnknownCommand { .. } => ErrorCode::UnknownCommand,
            Self::MissingTarget { command } | Self::InvalidTarget { command, .. }
                if matches!(command, CommandName::Hello | CommandName::Beat) =>
            {
                ErrorCode::InvalidDestination
            }
            Self::MissingParameter { param, .. } => param.missing_code(),
            Self::InvalidParameter { param, .. } => param.invalid_code(),
            Self::TooLarge { .. }
            | Self::NotUtf8
            | Self::NoCommand
            | Self::MissingTarget { .. }
            | Self::InvalidTarget { .. } => ErrorCode::PleaseRetry,
        }
    }

    /// The agent the failed command was for, when it can be told. A message without one cannot
    /// be answered on an agent's destination: the broker adapter dead-letters it (or answers
    /// its `reply_to`).
    pub fn agent(&self) -> Option<&AgentId> {
        match self {
            Self::UnknownCommand { agent, .. } => agent.as_ref(),
            Self::MissingParameter { agent, .. } | Self::InvalidParameter { agent, .. } => {
                Some(agent)
            }
            _ => None,
        }
    }

    /// The command, when it was recognised.
    pub fn command(&self) -> Option<CommandName> {
        match self {
            Self::MissingTarget { command }
            | Self::InvalidTarget { command, .. }
            | Self::MissingParameter { command, .. }
            | Self::InvalidParameter { command, .. } => Some(*command),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_parameter_not_its_value() {
        let err = ProtocolError::MissingParameter {
            command: CommandName::Login,
            agent: AgentId::parse("1001").unwrap(),
            param: Param::Extension,
        };
        assert_eq!(err.to_string(), "Login#1001: missing extension");
        assert_eq!(err.code(), ErrorCode::MissingExtension);
    }

    #[test]
    fn hello_without_destination_is_an_invalid_destination() {
        let err = ProtocolError::MissingTarget {
            command: CommandName::Hello,
        };
        assert_eq!(
            err.to_string(),
            "Hello needs a client destination after `#`"
        );
        assert_eq!(err.code(), ErrorCode::InvalidDestination);
        assert_eq!(err.agent(), None);
    }
}
