//! Parsing `(JMS type, body)` into a [`Command`] with the tolerance rules of design.md 4.1:
//! command names in any case, whitespace around `#` and `,` trimmed, and a message with no type
//! (or with a category name as its type) whose body is `<Command>#<argument>[#<params>]`.

use super::{AgentCommand, Command, CommandName, MobileAgentMode};
use crate::error::{Param, ProtocolError};
use crate::{
    AgentId, Category, DestinationName, DialNumber, DialogId, Extension, InvalidValue, ObjectId,
    Password, ReasonCode, Text,
};

/// The largest message (JMS type plus body) we read. Real commands are a few dozen bytes; the cap
/// bounds the work a hostile client can cause.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How much of an unknown command name is echoed back in the error.
const MAX_ECHOED_NAME: usize = 64;

impl Command {
    /// Parses a client message. `jms_type` is the `JMSType` header (or the AMQP `type` property);
    /// `body` is the message body. Never panics, whatever the bytes.
    pub fn parse(jms_type: Option<&str>, body: &[u8]) -> Result<Self, ProtocolError> {
        let len = body.len() + jms_type.map_or(0, str::len);
        if len > MAX_BODY_BYTES {
            return Err(ProtocolError::TooLarge {
                len,
                max: MAX_BODY_BYTES,
            });
        }
        let body = std::str::from_utf8(body).map_err(|_| ProtocolError::NotUtf8)?;
        let (type_text, params_text) = split_type_and_params(jms_type, body)?;
        let (name, argument) = type_text.split_once('#').unwrap_or((type_text, ""));
        let (name, argument) = (name.trim(), argument.trim());
        let Some(command) = CommandName::from_name(name) else {
            return Err(ProtocolError::UnknownCommand {
                name: echo(name),
                agent: AgentId::parse(argument).ok(),
            });
        };
        let target_error = |reason| match reason {
            InvalidValue::Empty => ProtocolError::MissingTarget { command },
            reason => ProtocolError::InvalidTarget { command, reason },
        };
        match command {
            CommandName::Hello => DestinationName::parse_client(argument)
                .map(Self::Hello)
                .map_err(target_error),
            CommandName::Beat => DestinationName::parse_client(argument)
                .map(Self::Beat)
                .map_err(target_error),
            _ => {
                let agent = AgentId::parse(argument).map_err(target_error)?;
                let mut params = Params::new(command, &agent, params_text);
                let action = params.agent_command()?;
                Ok(Self::Agent(agent, action))
            }
        }
    }
}

/// Picks the `<Command>#<argument>` text and the parameter text, from the JMS type and body or,
/// when there is no usable type, from the body alone.
impl Command {
    /// Whether a client message (well formed or not) names a command whose body carries a
    /// password (`Connect`, `Login`, `MobileAgentLogin`): its body must not be kept or shown
    /// (a dead-letter copy keeps it redacted). Decided on the command word alone, so a message
    /// too broken to parse is covered too.
    pub fn carries_password(jms_type: Option<&str>, body: &[u8]) -> bool {
        let named = |text: &str| {
            let word = text.split('#').next().unwrap_or("").trim();
            CommandName::from_name(word).is_some_and(|n| n.password_parameter().is_some())
        };
        let head = &body[..body.len().min(256)];
        jms_type.is_some_and(named) || named(&String::from_utf8_lossy(head))
    }
}

fn split_type_and_params<'a>(
    jms_type: Option<&'a str>,
    body: &'a str,
) -> Result<(&'a str, &'a str), ProtocolError> {
    match jms_type.map(str::trim).filter(|t| !t.is_empty()) {
        Some(jms_type) if Category::from_name(jms_type).is_none() => Ok((jms_type, body)),
        _ => {
            let body = body.trim();
            let Some(first) = body.find('#') else {
                return Err(ProtocolError::NoCommand);
            };
            match body[first + 1..].find('#') {
                Some(second) => {
                    let split = first + 1 + second;
                    Ok((&body[..split], &body[split + 1..]))
                }
                None => Ok((body, "")),
            }
        }
    }
}

/// An unknown name, made safe to put in an error event and short enough to log.
fn echo(name: &str) -> String {
    name.chars()
        .take(MAX_ECHOED_NAME)
        .map(|c| {
            if c.is_control() || matches!(c, '#' | ',' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// A cursor over the comma-separated body parameters of one agent command.
struct Params<'a> {
    command: CommandName,
    agent: &'a AgentId,
    items: Vec<&'a str>,
    next: usize,
}

impl<'a> Params<'a> {
    fn new(command: CommandName, agent: &'a AgentId, text: &'a str) -> Self {
        let items = if text.trim().is_empty() {
            Vec::new()
        } else {
            text.split(',').map(str::trim).collect()
        };
        Self {
            command,
            agent,
            items,
            next: 0,
        }
    }

    /// The next parameter, or `None` when it is absent or empty.
    fn take(&mut self) -> Option<&'a str> {
        let item = self.items.get(self.next).copied();
        self.next += 1;
        item.filter(|s| !s.is_empty())
    }

    fn missing(&self, param: Param) -> ProtocolError {
        ProtocolError::MissingParameter {
            command: self.command,
            agent: self.agent.clone(),
            param,
        }
    }

    fn invalid(&self, param: Param, reason: InvalidValue) -> ProtocolError {
        ProtocolError::InvalidParameter {
            command: self.command,
            agent: self.agent.clone(),
            param,
            reason,
        }
    }

    fn required<T>(
        &mut self,
        param: Param,
        parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
    ) -> Result<T, ProtocolError> {
        let raw = self.take().ok_or_else(|| self.missing(param))?;
        parse(raw).map_err(|reason| self.invalid(param, reason))
    }

    fn password(&mut self) -> Result<Password, ProtocolError> {
        self.take()
            .map(Password::new)
            .ok_or_else(|| self.missing(Param::Password))
    }

    fn dialog(&mut self) -> Result<DialogId, ProtocolError> {
        self.required(Param::Dialog, DialogId::parse)
    }

    fn extension(&mut self) -> Result<Extension, ProtocolError> {
        self.required(Param::Extension, Extension::parse)
    }

    fn number(&mut self) -> Result<DialNumber, ProtocolError> {
        self.required(Param::DialNumber, DialNumber::parse)
    }

    fn reason(&mut self) -> Result<ReasonCode, ProtocolError> {
        self.required(Param::ReasonCode, ReasonCode::parse)
    }

    /// An optional flag: absent or empty is `false`; otherwise one of the given spellings.
    fn flag(&mut self, param: Param, truthy: &[&str]) -> Result<bool, ProtocolError> {
        match self.take() {
            None => Ok(false),
            Some(v) if truthy.iter().any(|t| t.eq_ignore_ascii_case(v)) => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(self.invalid(param, InvalidValue::BadCharacter)),
        }
    }

    /// The optional ACCEPT / REJECT / CLOSE keyword of the outbound preview commands.
    fn preview_keyword(&mut self, expected: &str) -> Result<(), ProtocolError> {
        match self.take() {
            Some(v) if !v.eq_ignore_ascii_case(expected) => {
                Err(self.invalid(Param::PreviewAction, InvalidValue::BadCharacter))
            }
            _ => Ok(()),
        }
    }

    fn mobile_mode(&mut self) -> Result<MobileAgentMode, ProtocolError> {
        self.required(Param::ConnectionMode, |v| {
            if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("CALL_BY_CALL") {
                Ok(MobileAgentMode::CallByCall)
            } else if v.eq_ignore_ascii_case("false") || v.eq_ignore_ascii_case("NAILED_CONNECTION")
            {
                Ok(MobileAgentMode::NailedConnection)
            } else {
                Err(InvalidValue::BadCharacter)
            }
        })
    }

    fn agent_command(&mut self) -> Result<AgentCommand, ProtocolError> {
        use AgentCommand as C;
        use CommandName as N;
        Ok(match self.command {
            N::Connect => {
                let destination =
                    self.required(Param::Destination, DestinationName::parse_client)?;
                let password = self.password()?;
                let sso = self.flag(Param::SsoFlag, &["SSO", "true"])?;
                C::Connect {
                    destination,
                    password,
                    sso,
                }
            }
            N::Login => C::Login {
                password: self.password()?,
                extension: self.extension()?,
            },
            N::MobileAgentLogin => C::MobileAgentLogin {
                password: self.password()?,
                extension: self.extension()?,
                dial_number: self.number()?,
                mode: self.mobile_mode()?,
            },
            N::Logout => C::Logout,
            N::MakeReady => C::MakeReady,
            N::MakeNotReady => C::MakeNotReady,
            N::GetState => C::GetState,
            N::MakeNotReadyWithReason => C::MakeNotReadyWithReason {
                reason: self.reason()?,
            },
            N::MakeCall => C::MakeCall {
                number: self.number()?,
            },
            N::AnswerCall => C::AnswerCall {
                dialog: self.dialog()?,
            },
            N::HoldCall => C::HoldCall {
                dialog: self.dialog()?,
            },
            N::RetrieveCall => C::RetrieveCall {
                dialog: self.dialog()?,
            },
            N::ReleaseCall => C::ReleaseCall {
                dialog: self.dialog()?,
            },
            N::WrapUpReasonCodes => C::WrapUpReasonCodes,
            N::LogoutReasonCodes => C::LogoutReasonCodes,
            N::NotReadyReasonCodes => C::NotReadyReasonCodes,
            N::TransferSst => C::TransferSst {
                number: self.number()?,
                dialog: self.dialog()?,
            },
            N::ConsultCall => C::ConsultCall {
                number: self.number()?,
                dialog: self.dialog()?,
            },
            N::TransferCall => C::TransferCall {
                extension: self.extension()?,
                dialog: self.dialog()?,
            },
            N::ConferenceCall => C::ConferenceCall {
                extension: self.extension()?,
                dialog: self.dialog()?,
            },
            N::GetDialogState => C::GetDialogState {
                dialog: self.dialog()?,
            },
            N::WrapUp => C::WrapUp {
                reason: self.required(Param::WrapUpReason, Text::parse)?,
                dialog: self.dialog()?,
            },
            N::LogoutWithReason => C::LogoutWithReason {
                reason: self.reason()?,
            },
            N::ForceLogout => C::ForceLogout,
            N::GetDialogStateControls => C::GetDialogStateControls {
                dialog: self.dialog()?,
            },
            N::MakeWorkNotReady => C::MakeWorkNotReady,
            N::MakeWorkReady => C::MakeWorkReady,
            N::GetDialogParticipants => C::GetDialogParticipants {
                dialog: self.dialog()?,
            },
            N::GetAllAgents => C::GetAllAgents,
            N::UpdateCallVariable => self.update_call_variable()?,
            N::ZoomPauseRecording => C::ZoomPauseRecording,
            N::ZoomResumeRecording => C::ZoomResumeRecording,
            N::Refresh => C::Refresh,
            N::GetPhonebooks => C::GetPhonebooks,
            N::GetPhonebookContacts => C::GetPhonebookContacts {
                phonebook: self.required(Param::Phonebook, ObjectId::parse)?,
            },
            N::GetTeamPhonebooks => C::GetTeamPhonebooks,
            N::AcceptOutboundPreview => {
                let dialog = self.dialog()?;
                self.preview_keyword("ACCEPT")?;
                C::AcceptOutboundPreview { dialog }
            }
            N::RejectOutboundPreview => {
                let dialog = self.dialog()?;
                self.preview_keyword("REJECT")?;
                C::RejectOutboundPreview { dialog }
            }
            N::CloseOutboundPreview => {
                let dialog = self.dialog()?;
                self.preview_keyword("CLOSE")?;
                C::CloseOutboundPreview { dialog }
            }
            N::GetQueueList => C::GetQueueList,
            N::SilentMonitor => C::SilentMonitor {
                extension: self.extension()?,
            },
            N::EndSilentMonitor => C::EndSilentMonitor {
                dialog: self.dialog()?,
            },
            N::DropParticipant => C::DropParticipant {
                extension: self.extension()?,
                dialog: self.dialog()?,
            },
            N::GetTeamUsers => C::GetTeamUsers {
                team: self.required(Param::Team, ObjectId::parse)?,
                subscribe: self.flag(Param::SubscribeFlag, &["true"])?,
            },
            N::GetTeamUserState => C::GetTeamUserState {
                member: self.required(Param::Member, AgentId::parse)?,
            },
            N::BargeIn => C::BargeIn {
                member: self.required(Param::Member, AgentId::parse)?,
                dialog: self.dialog()?,
            },
            // Hello and Beat never reach here: their argument is a destination, not an agent.
            N::Hello | N::Beat => {
                return Err(ProtocolError::MissingTarget {
                    command: self.command,
                });
            }
        })
    }

    /// `<dialog_id>,<variable_name>,<variable_value>`: an absent value clears the variable; a
    /// fourth item means the value held a reserved `,`, which we refuse rather than truncate.
    fn update_call_variable(&mut self) -> Result<AgentCommand, ProtocolError> {
        let dialog = self.dialog()?;
        let name = self.required(Param::VariableName, Text::parse)?;
        let value = Text::parse(self.take().unwrap_or_default())
            .map_err(|reason| self.invalid(Param::VariableValue, reason))?;
        if self.items.len() > 3 {
            return Err(self.invalid(Param::VariableValue, InvalidValue::BadCharacter));
        }
        Ok(AgentCommand::UpdateCallVariable {
            dialog,
            name,
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str) -> AgentId {
        AgentId::parse(id).unwrap()
    }

    #[test]
    fn login_reads_password_and_extension_from_the_body() {
        let cmd = Command::parse(Some("Login#1001"), b"secret,3001").unwrap();
        assert_eq!(
            cmd,
            Command::Agent(
                agent("1001"),
                AgentCommand::Login {
                    password: Password::new("secret"),
                    extension: Extension::parse("3001").unwrap()
                }
            )
        );
    }

    #[test]
    fn whitespace_and_case_are_tolerated() {
        let cmd = Command::parse(Some(" makecall #  1001 "), b" 4012 ").unwrap();
        assert_eq!(cmd.name(), CommandName::MakeCall);
        assert_eq!(cmd.agent(), Some(&agent("1001")));
    }

    #[test]
    fn body_only_messages_are_accepted() {
        let cmd = Command::parse(None, b"Login#1001#secret,3001").unwrap();
        assert_eq!(cmd.name(), CommandName::Login);
        let cmd = Command::parse(Some("agent_state"), b"MakeReady#1001").unwrap();
        assert_eq!(cmd.name(), CommandName::MakeReady);
    }

    #[test]
    fn a_message_without_any_command_is_refused() {
        assert_eq!(
            Command::parse(None, b"hello"),
            Err(ProtocolError::NoCommand)
        );
        assert_eq!(
            Command::parse(Some("  "), b""),
            Err(ProtocolError::NoCommand)
        );
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert_eq!(
            Command::parse(Some("Login#1001"), &[0xff, 0xfe]),
            Err(ProtocolError::NotUtf8)
        );
    }

    #[test]
    fn oversized_messages_are_refused() {
        let body = vec![b'a'; MAX_BODY_BYTES + 1];
        assert!(matches!(
            Command::parse(Some("Login#1001"), &body),
            Err(ProtocolError::TooLarge { .. })
        ));
    }

    #[test]
    fn unknown_commands_keep_the_agent_for_the_answer() {
        let err = Command::parse(Some("Dance#1001"), b"").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::UnknownCommand);
        assert_eq!(err.agent(), Some(&agent("1001")));
    }

    #[test]
    fn update_call_variable_refuses_a_value_with_a_comma() {
        let err = Command::parse(Some("update_call_variable#1001"), b"1,callVariable1,a,b");
        assert_eq!(err.unwrap_err().code(), crate::ErrorCode::PleaseRetry);
    }
}
