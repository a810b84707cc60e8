//! Property tests: no input panics the parser, and every command survives `to_wire` → `parse`.

#![allow(clippy::unwrap_used)]

use gc_protocol::{
    AgentCommand as C, AgentId, Command, DestinationName, DialNumber, DialogId, Event, Extension,
    Format, MobileAgentMode, ObjectId, Password, ReasonCode, Text,
};
use proptest::prelude::*;

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(jms_type in proptest::option::of(any::<String>()), body in any::<Vec<u8>>()) {
        let _ = Command::parse(jms_type.as_deref(), &body);
    }

    #[test]
    fn arbitrary_text_in_the_command_shape_never_panics(
        name in "[A-Za-z_ ]{0,24}", arg in "\\PC{0,16}", body in "\\PC{0,64}",
    ) {
        let jms_type = format!("{name}#{arg}");
        let _ = Command::parse(Some(&jms_type), body.as_bytes());
        let _ = Command::parse(None, format!("{jms_type}#{body}").as_bytes());
    }

    #[test]
    fn every_command_round_trips(cmd in command()) {
        let (jms_type, body) = cmd.to_wire();
        prop_assert_eq!(Command::parse(Some(&jms_type), body.as_bytes()).unwrap(), cmd.clone());
        // The body-only form (for tools that cannot set a type) reads the same command.
        let text = if body.is_empty() { jms_type } else { format!("{jms_type}#{body}") };
        prop_assert_eq!(Command::parse(None, text.as_bytes()).unwrap(), cmd);
    }

    #[test]
    fn rendering_never_panics_and_keeps_legacy_framing(name in "\\PC{0,20}", state in "\\PC{0,12}") {
        let event = Event::State {
            agent: AgentId::parse("1001").unwrap(),
            state: state.clone(),
            reason_code: String::new(),
            pending_state: String::new(),
            state_change_time: String::new(),
            full_name: name,
        };
        let legacy = event.render(Format::Legacy);
        prop_assert_eq!(legacy.split('#').count(), 5);
        let json: serde_json::Value = serde_json::from_str(&event.render(Format::Json)).unwrap();
        prop_assert_eq!(json["state"].as_str(), Some(state.as_str()));
    }
}

fn id() -> impl Strategy<Value = String> {
    // Dots alone are refused (they would be path segments of their own in a Finesse URL).
    "[A-Za-z0-9._@-]{1,20}".prop_filter("dots only", |s| !s.chars().all(|c| c == '.'))
}
fn digits() -> impl Strategy<Value = String> {
    "[0-9]{1,12}"
}
fn password() -> impl Strategy<Value = Password> {
    "[!-+--~]{1,20}".prop_map(Password::new)
}
fn dialog() -> impl Strategy<Value = DialogId> {
    id().prop_map(|d| DialogId::parse(&d).unwrap())
}
fn extension() -> impl Strategy<Value = Extension> {
    digits().prop_map(|e| Extension::parse(&e).unwrap())
}
fn number() -> impl Strategy<Value = DialNumber> {
    "\\+?[0-9*]{1,15}".prop_map(|n| DialNumber::parse(&n).unwrap())
}
fn text() -> impl Strategy<Value = Text> {
    "[A-Za-z0-9=;.\\[\\]]([A-Za-z0-9 =;.]{0,18}[A-Za-z0-9=;.])?"
        .prop_map(|t| Text::parse(&t).unwrap())
}

fn agent_command() -> impl Strategy<Value = C> {
    prop_oneof![
        (id(), password(), any::<bool>()).prop_map(|(d, password, sso)| C::Connect {
            destination: DestinationName::parse(&d).unwrap(),
            password,
            sso,
        }),
        (password(), extension()).prop_map(|(password, extension)| C::Login {
            password,
            extension
        }),
        (password(), extension(), number(), any::<bool>()).prop_map(
            |(password, extension, dial_number, call_by_call)| {
                C::MobileAgentLogin {
                    password,
                    extension,
                    dial_number,
                    mode: if call_by_call {
                        MobileAgentMode::CallByCall
                    } else {
                        MobileAgentMode::NailedConnection
                    },
                }
            }
        ),
        Just(C::Logout),
        Just(C::MakeReady),
        Just(C::MakeNotReady),
        Just(C::GetState),
        id().prop_map(|r| C::MakeNotReadyWithReason {
            reason: ReasonCode::parse(&r).unwrap()
        }),
        number().prop_map(|number| C::MakeCall { number }),
        dialog().prop_map(|dialog| C::AnswerCall { dialog }),
        dialog().prop_map(|dialog| C::HoldCall { dialog }),
        dialog().prop_map(|dialog| C::RetrieveCall { dialog }),
        dialog().prop_map(|dialog| C::ReleaseCall { dialog }),
        Just(C::WrapUpReasonCodes),
        Just(C::LogoutReasonCodes),
        Just(C::NotReadyReasonCodes),
        (number(), dialog()).prop_map(|(number, dialog)| C::TransferSst { number, dialog }),
        (number(), dialog()).prop_map(|(number, dialog)| C::ConsultCall { number, dialog }),
        (extension(), dialog())
            .prop_map(|(extension, dialog)| C::TransferCall { extension, dialog }),
        (extension(), dialog())
            .prop_map(|(extension, dialog)| C::ConferenceCall { extension, dialog }),
        dialog().prop_map(|dialog| C::GetDialogState { dialog }),
        (text(), dialog()).prop_map(|(reason, dialog)| C::WrapUp { reason, dialog }),
        id().prop_map(|r| C::LogoutWithReason {
            reason: ReasonCode::parse(&r).unwrap()
        }),
        Just(C::ForceLogout),
        dialog().prop_map(|dialog| C::GetDialogStateControls { dialog }),
        Just(C::MakeWorkNotReady),
        Just(C::MakeWorkReady),
        dialog().prop_map(|dialog| C::GetDialogParticipants { dialog }),
        Just(C::GetAllAgents),
        (dialog(), text(), text()).prop_map(|(dialog, name, value)| C::UpdateCallVariable {
            dialog,
            name,
            value
        }),
        Just(C::ZoomPauseRecording),
        Just(C::ZoomResumeRecording),
        Just(C::Refresh),
        Just(C::GetPhonebooks),
        Just(C::GetTeamPhonebooks),
        id().prop_map(|p| C::GetPhonebookContacts {
            phonebook: ObjectId::parse(&p).unwrap()
        }),
        dialog().prop_map(|dialog| C::AcceptOutboundPreview { dialog }),
        dialog().prop_map(|dialog| C::RejectOutboundPreview { dialog }),
        dialog().prop_map(|dialog| C::CloseOutboundPreview { dialog }),
        Just(C::GetQueueList),
        extension().prop_map(|extension| C::SilentMonitor { extension }),
        dialog().prop_map(|dialog| C::EndSilentMonitor { dialog }),
        (extension(), dialog())
            .prop_map(|(extension, dialog)| C::DropParticipant { extension, dialog }),
        (id(), any::<bool>()).prop_map(|(t, subscribe)| C::GetTeamUsers {
            team: ObjectId::parse(&t).unwrap(),
            subscribe
        }),
        id().prop_map(|m| C::GetTeamUserState {
            member: AgentId::parse(&m).unwrap()
        }),
        (id(), dialog()).prop_map(|(m, dialog)| C::BargeIn {
            member: AgentId::parse(&m).unwrap(),
            dialog
        }),
    ]
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        "[A-Za-z0-9][A-Za-z0-9._:-]{0,20}"
            .prop_filter_map("reserved prefix", |d| DestinationName::parse_client(&d)
                .ok())
            .prop_map(Command::Hello),
        "[A-Za-z0-9][A-Za-z0-9._:-]{0,20}"
            .prop_filter_map("reserved prefix", |d| DestinationName::parse_client(&d)
                .ok())
            .prop_map(Command::Beat),
        (id(), agent_command()).prop_map(|(a, c)| Command::Agent(AgentId::parse(&a).unwrap(), c)),
    ]
}
