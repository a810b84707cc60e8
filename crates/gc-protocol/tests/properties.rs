//! Property tests: no input panics the parser, and every command survives `to_wire` → `parse`.

#![allow(clippy::unwrap_used)]

use gc_protocol::event::{Phonebook, ReasonCategory, Team, TeamMember};
use gc_protocol::{
    AgentCommand as C, AgentId, CallData, Command, DestinationName, DialNumber, DialogId,
    ErrorCode, Event, Extension, Format, MobileAgentMode, ObjectId, Participant, Password,
    ReasonCode, Text,
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

proptest! {
    #[test]
    fn json_is_exactly_what_serde_json_prints(kind in 0..KINDS, texts in texts(), flag in any::<bool>()) {
        // Valid JSON, escaped as serde_json escapes and compact; keys keep their order, so a
        // duplicate key would show too.
        let json = build(kind, &texts, flag).render(Format::Json);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(value.to_string(), json);
    }

    #[test]
    fn legacy_values_never_add_fields_or_lines(kind in 0..KINDS, texts in texts(), flag in any::<bool>()) {
        let legacy = build(kind, &texts, flag).render(Format::Legacy);
        // The same event with every separator, control or other special character made `x`
        // (letters kept: a state such as `FAILED` picks the shape).
        let plain: Vec<String> = texts
            .iter()
            .map(|t| t.chars().map(|c| if c.is_alphanumeric() { c } else { 'x' }).collect())
            .collect();
        let plain = build(kind, &plain, flag).render(Format::Legacy);
        prop_assert_eq!(legacy.split('#').count(), plain.split('#').count());
        prop_assert!(!legacy.chars().any(char::is_control));
    }
}

const KINDS: usize = 13;
const TEXTS: usize = 12;

/// Texts with every character class: reserved separators, quotes, backslashes, control
/// characters (C0 and C1), non-ASCII.
fn texts() -> impl Strategy<Value = Vec<String>> {
    let text = prop_oneof![
        any::<String>(),
        "[#,|=:\\\\\"\\x00-\\x1f\\x7f-\\u{9f}a é😀]{0,12}",
        Just("DROPPED".to_owned()),
        Just("failed".to_owned()),
    ];
    proptest::collection::vec(text, TEXTS)
}

/// An event of kind `kind` (every value kind: text, optional text, lists, call variables,
/// records) whose texts come from `t`; `flag` picks optional parts.
fn build(kind: usize, t: &[String], flag: bool) -> Event {
    let agent = AgentId::parse("1001").unwrap();
    let call = |i: usize| CallData {
        dialog_id: t[i].clone(),
        state: t[i + 1].clone(),
        from_address: t[i + 2].clone(),
        to_address: t[i + 3].clone(),
        ani: t[i + 4].clone(),
        call_variables: vec![
            (t[i + 5].clone(), t[i + 6].clone()),
            ("callVariable2".into(), t[i + 7].clone()),
        ],
        start_time: t[i + 8].clone(),
        agent_start_time: if flag {
            t[i + 9].clone()
        } else {
            String::new()
        },
        participants: vec![Participant {
            media_address: t[i].clone(),
            state: t[i + 1].clone(),
            address_type: t[i + 2].clone(),
        }],
        prev_dialog_id: flag.then(|| t[i + 9].clone()),
        failure_cause: t[i + 10].clone(),
        call_type: t[i + 3].clone(),
    };
    let member = TeamMember {
        first_name: t[0].clone(),
        last_name: t[1].clone(),
        extension: t[2].clone(),
        login_id: t[3].clone(),
        state: t[4].clone(),
        pending_state: t[5].clone(),
        media_type: t[6].clone(),
        state_change_time: t[7].clone(),
        reason_code: t[8].clone(),
    };
    match kind {
        0 => Event::State {
            agent,
            state: t[0].clone(),
            reason_code: t[1].clone(),
            pending_state: t[2].clone(),
            state_change_time: t[3].clone(),
            full_name: t[4].clone(),
        },
        1 => Event::InboundCall {
            agent,
            full_name: t[11].clone(),
            call: call(0),
        },
        2 => Event::ConsultCall {
            agent,
            full_name: t[11].clone(),
            call: call(0),
        },
        3 => Event::NewOutboundCall {
            agent,
            call: call(1),
        },
        4 => Event::NewInboundCall {
            agent,
            call: call(1),
        },
        5 => Event::DialogStatus {
            agent,
            call: call(0),
            associated: flag.then(|| call(1)),
        },
        6 => Event::DialogState {
            agent,
            full_name: t[11].clone(),
            call: call(1),
            associated: flag.then(|| call(0)),
        },
        7 => Event::ReasonCodes {
            agent,
            category: ReasonCategory::NotReady,
            codes: vec![(t[0].clone(), t[1].clone()), (t[2].clone(), t[3].clone())],
            full_name: t[4].clone(),
        },
        8 => Event::TeamInfoIds {
            agent,
            team_ids: t[..3].to_vec(),
            full_name: t[4].clone(),
        },
        9 => Event::AgentInfo {
            agent,
            first_name: t[0].clone(),
            last_name: t[1].clone(),
            supervisor: flag,
            wrap_up_mode: t[2].clone(),
            team: Team {
                id: t[3].clone(),
                name: t[4].clone(),
            },
            teams: vec![Team {
                id: t[5].clone(),
                name: t[6].clone(),
            }],
        },
        10 => Event::TeamUsersList {
            agent,
            users: vec![member.clone(), member],
        },
        11 => Event::Error {
            agent: flag.then_some(agent),
            // An unknown code passes through from Finesse.
            code: ErrorCode::parse(&t[0]),
        },
        _ => Event::Phonebooks {
            agent,
            books: vec![Phonebook {
                name: t[0].clone(),
                kind: t[1].clone(),
                id: t[2].clone(),
            }],
        },
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
