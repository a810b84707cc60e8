//! One test per row of the seed's Agent, Supervisor and Admin command tables: the JMS type and
//! body a client sends (placeholders filled with sample values), the typed command it parses to,
//! the seed's category, and the exact wire text written back by `to_wire`.

#![allow(clippy::unwrap_used)]

use gc_protocol::{
    AgentCommand as C, AgentId, Command, DestinationName, DialNumber, DialogId, Extension,
    MobileAgentMode, ObjectId, Password, ReasonCode, Text,
};

fn agent() -> AgentId {
    AgentId::parse("1001").unwrap()
}
fn dialog() -> DialogId {
    DialogId::parse("16871253").unwrap()
}
fn ext(e: &str) -> Extension {
    Extension::parse(e).unwrap()
}
fn number(n: &str) -> DialNumber {
    DialNumber::parse(n).unwrap()
}

/// Parses `(jms_type, body)`, checks the category text, the typed command, and that
/// `to_wire` gives back exactly the same JMS type and body.
fn check(jms_type: &str, body: &str, category: &str, expected: &Command) {
    let parsed = Command::parse(Some(jms_type), body.as_bytes()).unwrap();
    assert_eq!(&parsed, expected);
    assert_eq!(parsed.category().as_str(), category);
    assert_eq!(parsed.to_wire(), (jms_type.to_owned(), body.to_owned()));
}

macro_rules! seed_row {
    ($test:ident, $jms_type:literal, $body:literal, $category:literal, $expected:expr) => {
        #[test]
        fn $test() {
            check($jms_type, $body, $category, &$expected);
        }
    };
}

fn on_agent(command: C) -> Command {
    Command::Agent(agent(), command)
}

// === Agent Commands ===
seed_row!(
    send_heartbeat_while_not_logged_in,
    "Hello#crm-host-7",
    "",
    "system",
    Command::Hello(DestinationName::parse("crm-host-7").unwrap())
);
seed_row!(
    send_heartbeat_while_logged_in,
    "Beat#crm-host-7",
    "",
    "system",
    Command::Beat(DestinationName::parse("crm-host-7").unwrap())
);
seed_row!(
    connect_agent_id_with_client_unique_name,
    "Connect#1001",
    "crm-host-7,secret",
    "agent_info",
    on_agent(C::Connect {
        destination: DestinationName::parse("crm-host-7").unwrap(),
        password: Password::new("secret"),
        sso: false,
    })
);
seed_row!(
    agent_login,
    "Login#1001",
    "secret,3001",
    "agent_state",
    on_agent(C::Login {
        password: Password::new("secret"),
        extension: ext("3001")
    })
);
seed_row!(
    mobile_agent_login,
    "MobileAgentLogin#1001",
    "secret,3001,00493012345,true",
    "agent_state",
    on_agent(C::MobileAgentLogin {
        password: Password::new("secret"),
        extension: ext("3001"),
        dial_number: number("00493012345"),
        mode: MobileAgentMode::CallByCall,
    })
);
seed_row!(
    agent_logout,
    "Logout#1001",
    "",
    "agent_state",
    on_agent(C::Logout)
);
seed_row!(
    make_agent_ready,
    "MakeReady#1001",
    "",
    "agent_state",
    on_agent(C::MakeReady)
);
seed_row!(
    make_agent_not_ready,
    "MakeNotReady#1001",
    "",
    "agent_state",
    on_agent(C::MakeNotReady)
);
seed_row!(
    get_agent_current_state,
    "GetState#1001",
    "",
    "agent_state",
    on_agent(C::GetState)
);
seed_row!(
    not_ready_with_reason_code,
    "MakeNotReadyWithReason#1001",
    "7",
    "agent_state",
    on_agent(C::MakeNotReadyWithReason {
        reason: ReasonCode::parse("7").unwrap()
    })
);
seed_row!(
    make_a_call,
    "MakeCall#1001",
    "4012",
    "agent_call",
    on_agent(C::MakeCall {
        number: number("4012")
    })
);
seed_row!(
    answer_a_call,
    "AnswerCall#1001",
    "16871253",
    "agent_call",
    on_agent(C::AnswerCall { dialog: dialog() })
);
seed_row!(
    hold_a_call,
    "HoldCall#1001",
    "16871253",
    "agent_call",
    on_agent(C::HoldCall { dialog: dialog() })
);
seed_row!(
    unhold_a_call,
    "RetrieveCall#1001",
    "16871253",
    "agent_call",
    on_agent(C::RetrieveCall { dialog: dialog() })
);
seed_row!(
    release_a_call,
    "ReleaseCall#1001",
    "16871253",
    "agent_call",
    on_agent(C::ReleaseCall { dialog: dialog() })
);
seed_row!(
    get_agent_wrap_up_reason_codes,
    "wrapupreasoncode#1001",
    "",
    "agent_work",
    on_agent(C::WrapUpReasonCodes)
);
seed_row!(
    get_agent_logout_reason_codes,
    "reasoncodelogout#1001",
    "",
    "agent_state",
    on_agent(C::LogoutReasonCodes)
);
seed_row!(
    get_agent_not_ready_reason_codes,
    "reasoncodenotready#1001",
    "",
    "agent_state",
    on_agent(C::NotReadyReasonCodes)
);
seed_row!(
    blind_transfer,
    "Transfer_sst#1001",
    "3002,16871253",
    "agent_call",
    on_agent(C::TransferSst {
        number: number("3002"),
        dialog: dialog()
    })
);
seed_row!(
    transfer_initiation,
    "ConsultCall#1001",
    "3002,16871253",
    "agent_call",
    on_agent(C::ConsultCall {
        number: number("3002"),
        dialog: dialog()
    })
);
seed_row!(
    conference_initiation,
    "ConsultCall#1001",
    "3003,16871253",
    "agent_call",
    on_agent(C::ConsultCall {
        number: number("3003"),
        dialog: dialog()
    })
);
seed_row!(
    complete_transfer,
    "TransferCall#1001",
    "3001,16871253",
    "agent_call",
    on_agent(C::TransferCall {
        extension: ext("3001"),
        dialog: dialog()
    })
);
seed_row!(
    complete_conference,
    "Conferencecall#1001",
    "3001,16871253",
    "agent_call",
    on_agent(C::ConferenceCall {
        extension: ext("3001"),
        dialog: dialog()
    })
);
seed_row!(
    get_dialog_state,
    "getdialogstate#1001",
    "16871253",
    "agent_dialog",
    on_agent(C::GetDialogState { dialog: dialog() })
);
seed_row!(
    update_dialog_wrap_up_codes,
    "wrapup#1001",
    "Bill Inquiry,16871253",
    "agent_dialog",
    on_agent(C::WrapUp {
        reason: Text::parse("Bill Inquiry").unwrap(),
        dialog: dialog()
    })
);
seed_row!(
    logout_with_reason,
    "logoutwithreason#1001",
    "12",
    "agent_state",
    on_agent(C::LogoutWithReason {
        reason: ReasonCode::parse("12").unwrap()
    })
);
seed_row!(
    abrupt_agent_disconnection,
    "force_logout#1001",
    "",
    "agent_state",
    on_agent(C::ForceLogout)
);
seed_row!(
    get_dialog_state_controls,
    "getdialogstatecontrols#1001",
    "16871253",
    "agent_dialog",
    on_agent(C::GetDialogStateControls { dialog: dialog() })
);
seed_row!(
    make_work_not_ready,
    "makeworknotready#1001",
    "",
    "agent_state",
    on_agent(C::MakeWorkNotReady)
);
seed_row!(
    make_work_ready,
    "makeworkready#1001",
    "",
    "agent_state",
    on_agent(C::MakeWorkReady)
);
seed_row!(
    get_dialog_participants,
    "getDialogParticipants#1001",
    "16871253",
    "agent_call",
    on_agent(C::GetDialogParticipants { dialog: dialog() })
);
seed_row!(
    get_logged_in_agents,
    "getallagents#1001",
    "",
    "agent_call",
    on_agent(C::GetAllAgents)
);
seed_row!(
    update_dialog_variable,
    "update_call_variable#1001",
    "16871253,callVariable3,gold",
    "agent_call",
    on_agent(C::UpdateCallVariable {
        dialog: dialog(),
        name: Text::parse("callVariable3").unwrap(),
        value: Text::parse("gold").unwrap(),
    })
);
seed_row!(
    pause_zoom_call_recording,
    "ZOOMPauseRecording#1001",
    "",
    "zoom",
    on_agent(C::ZoomPauseRecording)
);
seed_row!(
    resume_zoom_call_recording,
    "ZOOMResumeRecording#1001",
    "",
    "zoom",
    on_agent(C::ZoomResumeRecording)
);
seed_row!(
    refresh,
    "refresh#1001",
    "",
    "agent_state",
    on_agent(C::Refresh)
);
seed_row!(
    get_team_and_global_phonebooks,
    "GetPhonebooks#1001",
    "",
    "phonebook",
    on_agent(C::GetPhonebooks)
);
seed_row!(
    get_contacts_of_a_phonebook,
    "GetPhonebookContacts#1001",
    "5",
    "contacts",
    on_agent(C::GetPhonebookContacts {
        phonebook: ObjectId::parse("5").unwrap()
    })
);
seed_row!(
    accept_outbound_preview_call,
    "AcceptOutboundPreview#1001",
    "16871253,ACCEPT",
    "agent_call",
    on_agent(C::AcceptOutboundPreview { dialog: dialog() })
);
seed_row!(
    reject_outbound_preview_call,
    "RejectOutboundPreview#1001",
    "16871253,REJECT",
    "agent_call",
    on_agent(C::RejectOutboundPreview { dialog: dialog() })
);
seed_row!(
    close_outbound_preview_call,
    "CloseOutboundPreview#1001",
    "16871253,CLOSE",
    "agent_call",
    on_agent(C::CloseOutboundPreview { dialog: dialog() })
);

// === Supervisor Commands ===
seed_row!(
    get_queue_info,
    "getqueuelist#1001",
    "",
    "supervisor_queue_info",
    on_agent(C::GetQueueList)
);
seed_row!(
    silent_monitor,
    "silentmonitor#1001",
    "3002",
    "supervisor_dialog",
    on_agent(C::SilentMonitor {
        extension: ext("3002")
    })
);
seed_row!(
    end_silent_monitor,
    "endsilentmonitor#1001",
    "16871253",
    "supervisor_dialog",
    on_agent(C::EndSilentMonitor { dialog: dialog() })
);
seed_row!(
    drop_participant,
    "dropparticipant#1001",
    "3002,16871253",
    "supervisor_dialog",
    on_agent(C::DropParticipant {
        extension: ext("3002"),
        dialog: dialog()
    })
);
seed_row!(
    get_team_users,
    "getteamusers#1001",
    "7",
    "supervisor_team",
    on_agent(C::GetTeamUsers {
        team: ObjectId::parse("7").unwrap(),
        subscribe: false
    })
);
seed_row!(
    get_team_users_and_subscribe,
    "getteamusers#1001",
    "7,true",
    "supervisor_team",
    on_agent(C::GetTeamUsers {
        team: ObjectId::parse("7").unwrap(),
        subscribe: true
    })
);
seed_row!(
    get_team_users_state,
    "getteamuserstate#1001",
    "1002",
    "supervisor_team_member_state",
    on_agent(C::GetTeamUserState {
        member: AgentId::parse("1002").unwrap()
    })
);
seed_row!(
    make_a_barge_call,
    "bargein#1001",
    "1002,16871253",
    "agent_call",
    on_agent(C::BargeIn {
        member: AgentId::parse("1002").unwrap(),
        dialog: dialog()
    })
);

// === Admin Commands ===
seed_row!(
    admin_get_team_and_global_phonebooks,
    "GetPhonebooks#2001",
    "",
    "phonebook",
    Command::Agent(AgentId::parse("2001").unwrap(), C::GetPhonebooks)
);
seed_row!(
    admin_get_contacts_of_a_phonebook,
    "GetPhonebookContacts#2001",
    "5",
    "contacts",
    Command::Agent(
        AgentId::parse("2001").unwrap(),
        C::GetPhonebookContacts {
            phonebook: ObjectId::parse("5").unwrap()
        }
    )
);
seed_row!(
    admin_get_team_phonebooks,
    "GetTeamPhonebooks#2001",
    "",
    "phonebook",
    Command::Agent(AgentId::parse("2001").unwrap(), C::GetTeamPhonebooks)
);

// === Variants the seed allows ===

#[test]
fn connect_with_the_sso_flag() {
    check(
        "Connect#1001",
        "crm-host-7,secret,SSO",
        "agent_info",
        &on_agent(C::Connect {
            destination: DestinationName::parse("crm-host-7").unwrap(),
            password: Password::new("secret"),
            sso: true,
        }),
    );
}

#[test]
fn mobile_agent_login_nailed_connection() {
    check(
        "MobileAgentLogin#1001",
        "secret,3001,4917,false",
        "agent_state",
        &on_agent(C::MobileAgentLogin {
            password: Password::new("secret"),
            extension: ext("3001"),
            dial_number: number("4917"),
            mode: MobileAgentMode::NailedConnection,
        }),
    );
}

#[test]
fn outbound_preview_keyword_is_optional() {
    let cmd = Command::parse(Some("AcceptOutboundPreview#1001"), b"16871253").unwrap();
    assert_eq!(cmd, on_agent(C::AcceptOutboundPreview { dialog: dialog() }));
}

#[test]
fn stray_space_after_hash_as_in_the_seed_makecall_row() {
    let cmd = Command::parse(Some("MakeCall# 1001"), b"4012").unwrap();
    assert_eq!(
        cmd,
        on_agent(C::MakeCall {
            number: number("4012")
        })
    );
}
