//! One test per output of the seed: the "GC Output Messages" rows O-001 to O-031 in the legacy
//! text (placeholders filled with sample values, the "New format" where two are given), and the
//! seed's JSON samples, copied verbatim and compared after compaction (same keys, same order,
//! same values).

#![allow(clippy::unwrap_used)]

use gc_protocol::event::{
    AgentSummary, Contact, Control, Phonebook, QueueStats, ReasonCategory, Team, TeamMember,
};
use gc_protocol::{
    AgentId, CallData, Category, DestinationName, ErrorCode, Event, Format, Participant,
    SystemStatus,
};

fn agent(id: &str) -> AgentId {
    AgentId::parse(id).unwrap()
}

fn legacy(event: &Event) -> String {
    event.render(Format::Legacy)
}

/// The seed's sample JSON, compacted with key order kept.
fn compact(sample: &str) -> String {
    serde_json::from_str::<serde_json::Value>(sample)
        .unwrap()
        .to_string()
}

fn empty_vars() -> Vec<(String, String)> {
    Vec::new()
}

const EMPTY_VARS_LEGACY: &str = "callVariable1=|callVariable2=|callVariable3=|callVariable4=|\
callVariable5=|callVariable6=|callVariable7=|callVariable8=|callVariable9=|callVariable10=";

fn state_event() -> Event {
    Event::State {
        agent: agent("1001"),
        state: "NOT_READY".into(),
        reason_code: "7".into(),
        pending_state: String::new(),
        state_change_time: "2019-09-17 12:46:21".into(),
        full_name: "Maria Meier".into(),
    }
}

// === GC Output Messages ===

#[test]
fn o_001_send_agent_state_new_format() {
    assert_eq!(legacy(&state_event()), "1001#State#NOT_READY#7#Maria Meier");
    assert_eq!(state_event().category(), Category::AgentState);
}

#[test]
fn o_002_error_indication_message() {
    let event = Event::Error {
        agent: Some(agent("1001")),
        code: ErrorCode::MissingExtension,
    };
    assert_eq!(legacy(&event), "1001#Error#MISSING_EXTENSION");
    assert_eq!(event.category(), Category::AgentError);
}

#[test]
fn o_002_error_for_every_code_of_the_errors_table() {
    for code in ErrorCode::all() {
        let event = Event::Error {
            agent: Some(agent("1001")),
            code: code.clone(),
        };
        assert_eq!(legacy(&event), format!("1001#Error#{}", code.as_str()));
    }
}

#[test]
fn o_003_print_message_in_agent_window() {
    let event = Event::PrintStatusBar {
        agent: agent("1001"),
        message: "Shift ends at 18:00".into(),
    };
    assert_eq!(
        legacy(&event),
        "1001#Control#PrintStatusBar#Shift ends at 18:00"
    );
    assert_eq!(event.category(), Category::AgentControl);
}

#[test]
fn o_004_system_in_service() {
    assert_eq!(
        legacy(&Event::System(SystemStatus::InService)),
        "System#IN_SERVICE"
    );
}

#[test]
fn o_005_system_out_of_service() {
    assert_eq!(
        legacy(&Event::System(SystemStatus::OutOfService)),
        "System#OUT_OF_SERVICE"
    );
}

#[test]
fn o_006_agent_logged_out() {
    let event = Event::LoggedOut {
        agent: agent("1001"),
    };
    assert_eq!(legacy(&event), "1001#LOGOUT");
    assert_eq!(event.category(), Category::AgentState);
}

#[test]
fn o_007_agent_not_found() {
    assert_eq!(
        legacy(&Event::ReLogin {
            agent: agent("1001")
        }),
        "1001#State#RE_LOGIN"
    );
}

fn inbound(state: &str) -> CallData {
    CallData {
        dialog_id: "16871253".into(),
        state: state.into(),
        from_address: "4012".into(),
        ani: "4012".into(),
        call_variables: empty_vars(),
        start_time: "2019-09-17 15:32:15".into(),
        participants: vec![Participant {
            media_address: "1006".into(),
            state: "INITIATED".into(),
            address_type: "AGENT_DEVICE".into(),
        }],
        ..CallData::default()
    }
}

#[test]
fn o_008_inbound_call_state_new_format() {
    let event = Event::InboundCall {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call: inbound("ALERTING"),
    };
    assert_eq!(
        legacy(&event),
        format!(
            "1001#InboundCall#ALERTING#DialogID:16871253#4012#{EMPTY_VARS_LEGACY}#2019-09-17 15:32:15#Maria Meier"
        )
    );
    assert_eq!(event.category(), Category::AgentCall);
}

/// O-008 / O-010 `<call_start_time>`: "Shows the agent start time in call" — the agent's own
/// leg (here joined later, as after a transfer or consult); the JSON `startTime` ("Starting
/// Time of call") stays the call's start.
#[test]
fn o_008_and_o_010_call_start_time_is_the_agents() {
    let mut call = inbound("ACTIVE");
    call.agent_start_time = "2019-09-17 15:40:02".into();
    let event = Event::InboundCall {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call: call.clone(),
    };
    assert_eq!(
        legacy(&event),
        format!(
            "1001#InboundCall#ACTIVE#DialogID:16871253#4012#{EMPTY_VARS_LEGACY}#2019-09-17 15:40:02#Maria Meier"
        )
    );
    assert!(
        event
            .render(Format::Json)
            .contains(r#""startTime":"2019-09-17 15:32:15""#)
    );
    call.state = "DROPPED".into();
    let released = Event::InboundCall {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call,
    };
    assert_eq!(
        legacy(&released),
        format!(
            "1001#InboundCall#DROP#DialogID:16871253#4012#{EMPTY_VARS_LEGACY}#2019-09-17 15:40:02#Maria Meier"
        )
    );
    let mut consulting = consult("ACTIVE");
    consulting.agent_start_time = "2019-09-17 17:17:09".into();
    let event = Event::ConsultCall {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call: consulting,
    };
    assert_eq!(
        legacy(&event),
        format!(
            "1001#ConsultCall#ACTIVE#AssDialogID:16871288#1004#{EMPTY_VARS_LEGACY}#2019-09-17 17:17:09#Maria Meier"
        )
    );
    assert!(
        event
            .render(Format::Json)
            .contains(r#""startTime":"2019-09-17 17:17:03""#)
    );
}

/// "A total of 10 call variables as received from Finesse" (the JSON call events) and O-009's
/// `<ani>|<callvariable1>=value|…`: ECC and BA* variables stay out of O-008, O-009, O-010 and
/// their JSON, so `ani` stays eleventh; O-028 passes them "as it is".
#[test]
fn only_o_028_shows_variables_beyond_the_ten() {
    let mut call = inbound("ACTIVE");
    call.call_variables = vec![
        ("callVariable1".into(), "gold".into()),
        ("user.ecc.account".into(), "778".into()),
        ("BACampaign".into(), "Spring".into()),
    ];
    let gold = "callVariable1=gold|callVariable2=|callVariable3=|callVariable4=|callVariable5=|\
callVariable6=|callVariable7=|callVariable8=|callVariable9=|callVariable10=";
    let event = Event::InboundCall {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call: call.clone(),
    };
    assert_eq!(
        legacy(&event),
        format!(
            "1001#InboundCall#ACTIVE#DialogID:16871253#4012#{gold}#2019-09-17 15:32:15#Maria Meier"
        )
    );
    let json = event.render(Format::Json);
    assert!(
        json.contains(r#"{"callVariable10":""},{"ani":"4012"}]"#),
        "{json}"
    );
    assert!(
        !json.contains("BACampaign") && !json.contains("ecc"),
        "{json}"
    );
    let event = Event::NewInboundCall {
        agent: agent("1001"),
        call: call.clone(),
    };
    assert_eq!(
        legacy(&event),
        format!("1001#NewInboundCall#4012#4012|{gold}#DialogID:16871253")
    );
    let event = Event::ConsultCall {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call: call.clone(),
    };
    assert_eq!(
        legacy(&event),
        format!(
            "1001#ConsultCall#ACTIVE#AssDialogID:16871253#4012#{gold}#2019-09-17 15:32:15#Maria Meier"
        )
    );
    let event = Event::NewOutboundCall {
        agent: agent("1001"),
        call,
    };
    assert_eq!(
        legacy(&event),
        format!(
            "1001#NewOutboundCall#4012#ani=4012|{gold}|user.ecc.account=778|BACampaign=Spring#DialogID:16871253"
        )
    );
}

#[test]
fn o_008_inbound_call_dropped_dialog_is_drop() {
    for state in ["DROPPED", "DELETED"] {
        let event = Event::InboundCall {
            agent: agent("1001"),
            full_name: "Maria Meier".into(),
            call: inbound(state),
        };
        assert!(legacy(&event).starts_with("1001#InboundCall#DROP#DialogID:16871253#4012#"));
    }
}

#[test]
fn o_008_inbound_call_failed() {
    let mut call = inbound("FAILED");
    call.failure_cause = "CALL_REJECTED".into();
    let event = Event::InboundCall {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call,
    };
    assert_eq!(
        legacy(&event),
        "1001#InboundCall#FAILED#DialogID:16871253#CALL_REJECTED#Maria Meier"
    );
}

#[test]
fn o_009_new_inbound_call_new_format() {
    let mut call = inbound("ALERTING");
    call.call_variables = vec![("callVariable1".into(), "gold".into())];
    let event = Event::NewInboundCall {
        agent: agent("1001"),
        call,
    };
    assert_eq!(
        legacy(&event),
        "1001#NewInboundCall#4012#4012|callVariable1=gold|callVariable2=|callVariable3=|\
callVariable4=|callVariable5=|callVariable6=|callVariable7=|callVariable8=|callVariable9=|\
callVariable10=#DialogID:16871253"
    );
}

fn consult(state: &str) -> CallData {
    CallData {
        dialog_id: "16871288".into(),
        state: state.into(),
        from_address: "1004".into(),
        to_address: "1006".into(),
        ani: "1004".into(),
        start_time: "2019-09-17 17:17:03".into(),
        participants: vec![Participant {
            media_address: "1004".into(),
            state: "INITIATED".into(),
            address_type: "AGENT_DEVICE".into(),
        }],
        ..CallData::default()
    }
}

#[test]
fn o_010_consult_call_state_new_format() {
    let event = Event::ConsultCall {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call: consult("INITIATED"),
    };
    assert_eq!(
        legacy(&event),
        format!(
            "1001#ConsultCall#INITIATED#AssDialogID:16871288#1004#{EMPTY_VARS_LEGACY}#2019-09-17 17:17:03#Maria Meier"
        )
    );
}

#[test]
fn o_010_consult_call_failed_and_dropped() {
    let mut call = consult("FAILED");
    call.failure_cause = "BUSY".into();
    let event = Event::ConsultCall {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call,
    };
    assert_eq!(
        legacy(&event),
        "1001#ConsultCall#FAILED#AssDialogID:16871288#BUSY#Maria Meier"
    );
    let event = Event::ConsultCall {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call: consult("DROPPED"),
    };
    assert!(legacy(&event).starts_with("1001#ConsultCall#DROP#AssDialogID:16871288#"));
}

fn agent_info(supervisor: bool) -> Event {
    Event::AgentInfo {
        agent: agent("1001"),
        first_name: "Maria".into(),
        last_name: "Meier".into(),
        supervisor,
        wrap_up_mode: "OPTIONAL".into(),
        team: Team {
            id: "7".into(),
            name: "Demo".into(),
        },
        teams: Vec::new(),
    }
}

#[test]
fn o_011_agent_info_upon_login() {
    assert_eq!(
        legacy(&agent_info(false)),
        "1001#AgentInfo#Maria#Meier#false#OPTIONAL#Maria Meier"
    );
    assert_eq!(agent_info(false).category(), Category::AgentInfo);
}

#[test]
fn o_012_supervisor_team_ids() {
    let event = Event::TeamInfoIds {
        agent: agent("2001"),
        team_ids: vec!["1".into(), "2".into()],
        full_name: "Sam Boss".into(),
    };
    assert_eq!(legacy(&event), "2001#TeamInfoIDs#TeamID#1,2#Sam Boss");
    assert_eq!(event.category(), Category::SupervisorInfo);
}

#[test]
fn o_013_supervisor_team_names() {
    let event = Event::TeamInfoNames {
        agent: agent("2001"),
        team_names: vec!["Sales".into(), "Support".into()],
        full_name: "Sam Boss".into(),
    };
    assert_eq!(
        legacy(&event),
        "2001#TeamInfoNames#TeamName#Sales,Support#Sam Boss"
    );
}

#[test]
fn o_014_get_dialog_state_reply() {
    let event = Event::DialogState {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call: inbound("HELD"),
        associated: Some(consult("ACTIVE")),
    };
    assert_eq!(
        legacy(&event),
        format!(
            "1001#DialogState#HELD#16871253#Maria Meier#4012#{EMPTY_VARS_LEGACY}#16871288#ACTIVE#1004#{EMPTY_VARS_LEGACY}"
        )
    );
    assert_eq!(event.category(), Category::AgentDialog);
}

#[test]
fn o_014_without_associated_dialog_keeps_the_field_count() {
    let event = Event::DialogState {
        agent: agent("1001"),
        full_name: "Maria Meier".into(),
        call: inbound("ACTIVE"),
        associated: None,
    };
    let text = legacy(&event);
    assert!(text.ends_with(&format!("#{EMPTY_VARS_LEGACY}####")));
    assert_eq!(text.split('#').count(), 11);
}

#[test]
fn o_015_get_dialog_state_controls_reply() {
    let event = Event::DialogStateControls {
        agent: agent("1001"),
        dialog_type: "InboundCall".into(),
        state: "ACTIVE".into(),
        dialog_id: "16871253".into(),
        full_name: "Maria Meier".into(),
    };
    assert_eq!(
        legacy(&event),
        "1001#InboundCall#DialogState#ACTIVE#16871253#Maria Meier"
    );
}

#[test]
fn o_016_reason_codes() {
    let event = Event::ReasonCodes {
        agent: agent("1001"),
        category: ReasonCategory::NotReady,
        codes: vec![("1".into(), "Lunch".into()), ("2".into(), "Break".into())],
        full_name: "Maria Meier".into(),
    };
    assert_eq!(
        legacy(&event),
        "1001#ReasonCodes#Category:NOT_READY#Codes:1,2#Labels:Lunch,Break#Maria Meier"
    );
    assert_eq!(event.category(), Category::AgentWork);
}

#[test]
fn o_017_controls() {
    let event = Event::Controls {
        agent: agent("1001"),
        controls: vec![
            Control {
                index: 0,
                visible: true,
            },
            Control {
                index: 1,
                visible: false,
            },
        ],
    };
    assert_eq!(legacy(&event), "1001#Control#0,true|1,false");
}

#[test]
fn o_018_dialog_state_without_controls() {
    let event = Event::DialogStateBrief {
        agent: agent("1001"),
        state: "ACTIVE".into(),
        dialog_id: "16871253".into(),
        full_name: "Maria Meier".into(),
    };
    assert_eq!(
        legacy(&event),
        "1001#DialogState#ACTIVE#16871253#Maria Meier"
    );
    assert_eq!(event.category(), Category::AgentState);
}

fn queue(name: &str) -> QueueStats {
    QueueStats {
        name: name.into(),
        agents_not_ready: "1".into(),
        agents_ready: "2".into(),
        agents_talking_inbound: "3".into(),
        agents_talking_internal: "0".into(),
        agents_talking_outbound: "1".into(),
        agents_wrap_up_not_ready: "0".into(),
        agents_wrap_up_ready: "1".into(),
        calls_in_queue: "4".into(),
        start_time_of_longest_call_in_queue: "2019-09-17 12:40:00".into(),
    }
}

#[test]
fn o_019_get_queue_info_reply() {
    let event = Event::QueueList {
        agent: agent("2001"),
        queues: vec![queue("Sales"), queue("Support")],
    };
    let one = |n: &str| {
        format!(
            "QueueName:{n},AgentsNotReady:1,AgentsReady:2,AgentsTalkingInbound:3,AgentsTalkingInternal:0,\
AgentsTalkingOutbound:1,AgentsWrapUpNotReady:0,AgentsWrapUpReady:1,CallsInQueue:4,\
StartTimeOfLongestCallInQueue:2019-09-17 12:40:00"
        )
    };
    assert_eq!(
        legacy(&event),
        format!("2001#QueueList#{}#{}", one("Sales"), one("Support"))
    );
    assert_eq!(event.category(), Category::SupervisorQueueInfo);
}

fn member(login: &str, state: &str) -> TeamMember {
    TeamMember {
        first_name: "Ali".into(),
        last_name: "Khan".into(),
        extension: "3002".into(),
        login_id: login.into(),
        state: state.into(),
        pending_state: String::new(),
        media_type: "1".into(),
        state_change_time: "2019-09-17 12:46:21".into(),
        reason_code: String::new(),
    }
}

#[test]
fn o_020_get_team_users_reply() {
    let event = Event::TeamUsersList {
        agent: agent("2001"),
        users: vec![member("1002", "READY"), member("1003", "TALKING")],
    };
    assert_eq!(
        legacy(&event),
        "2001#TeamUsersList#FirstName:Ali,LastName:Khan,Extension:3002,LoginID:1002,State:READY,\
PendingState:,MediaType:1,StateChangeTime:2019-09-17 12:46:21#FirstName:Ali,LastName:Khan,\
Extension:3002,LoginID:1003,State:TALKING,PendingState:,MediaType:1,StateChangeTime:2019-09-17 12:46:21"
    );
    assert_eq!(event.category(), Category::SupervisorTeam);
}

#[test]
fn o_021_team_member_state_changed() {
    let event = Event::TeamMemberStateChanged {
        agent: agent("2001"),
        team_id: "1".into(),
        member: member("1002", "READY"),
    };
    // The seed's four fields, then the member's login id (a connector addition: without it a
    // supervisor cannot tell which member changed).
    assert_eq!(legacy(&event), "2001#TeamMemberStateChanged#1#READY#1002");
    assert_eq!(event.category(), Category::SupervisorTeamMemberState);
}

#[test]
fn o_022_conference_participants() {
    let event = Event::ConferenceParticipants {
        agent: agent("2001"),
        extensions: vec!["3001".into(), "3002".into(), "3003".into()],
    };
    assert_eq!(legacy(&event), "2001#ConferenceParticipants#3001,3002,3003");
    assert_eq!(event.category(), Category::SupervisorDialog);
}

#[test]
fn o_023_reconnect_agent() {
    let event = Event::Reconnect {
        agent: agent("1001"),
        request_type: "MakeReady#1001".into(),
        request_text: String::new(),
    };
    assert_eq!(legacy(&event), "1001#RECONNECT#");
    assert_eq!(event.jms_type(), Some("MakeReady#1001"));
}

#[test]
fn o_024_dialog_ids_on_failover() {
    let event = Event::DialogStatus {
        agent: agent("1001"),
        call: inbound("ACTIVE"),
        associated: Some(consult("INITIATED")),
    };
    assert_eq!(
        legacy(&event),
        format!(
            "1001#DialogStatus#16871253#ACTIVE#4012#{EMPTY_VARS_LEGACY}#16871288#INITIATED#1004#{EMPTY_VARS_LEGACY}"
        )
    );
    assert_eq!(event.category(), Category::AgentState);
}

/// O-024's JMS type: "In the case of failover GC sends the Dialog ID and Associated Dialog ID,
/// with states and call type in JMS type": the dialog's Finesse call type, as Finesse spells it;
/// the default (`TextMessage`) only when Finesse gave none.
#[test]
fn o_024_carries_the_call_type_as_its_jms_type() {
    let mut call = inbound("ACTIVE");
    call.call_type = "PREROUTE_ACD_IN".into();
    let event = Event::DialogStatus {
        agent: agent("1001"),
        call,
        associated: Some(consult("INITIATED")),
    };
    assert_eq!(event.jms_type(), Some("PREROUTE_ACD_IN"));
    let untyped = Event::DialogStatus {
        agent: agent("1001"),
        call: CallData {
            call_type: String::new(),
            ..inbound("ACTIVE")
        },
        associated: None,
    };
    assert_eq!(untyped.jms_type(), None);
}

#[test]
fn o_025_agent_state_on_connector_sync() {
    let sync = gc_protocol::SyncMessage::AgentState(gc_protocol::AgentStateSync {
        agent: agent("1001"),
        password: "sealed".into(),
        extension: Some(gc_protocol::Extension::parse("3001").unwrap()),
        subscription_time: "2019-09-17 12:46:21".into(),
        destination: None,
    });
    assert_eq!(
        sync.to_wire(),
        "AgentState#1001#sealed#3001#2019-09-17 12:46:21#"
    );
}

#[test]
fn o_026_reconnect_destination() {
    let event = Event::DestinationReconnect {
        destination: DestinationName::parse("crm-host-7").unwrap(),
    };
    assert_eq!(legacy(&event), "DESTINATION#crm-host-7#RECONNECT");
    assert_eq!(event.category(), Category::AgentState);
}

#[test]
fn o_027_system_not_reachable() {
    let event = Event::System(SystemStatus::NotReachable);
    assert_eq!(legacy(&event), "System#NOT_REACHABLE");
    assert_eq!(event.category(), Category::System);
}

fn outbound() -> CallData {
    CallData {
        dialog_id: "16871300".into(),
        state: "INITIATED".into(),
        from_address: "3001".into(),
        ani: "004930123".into(),
        call_variables: vec![
            ("callVariable1".into(), "x".into()),
            ("BACampaign".into(), "Spring".into()),
            ("BAAccountNumber".into(), "42".into()),
        ],
        call_type: "OUTBOUND".into(),
        ..CallData::default()
    }
}

#[test]
fn o_028_new_outbound_call() {
    let event = Event::NewOutboundCall {
        agent: agent("1001"),
        call: outbound(),
    };
    assert_eq!(
        legacy(&event),
        "1001#NewOutboundCall#3001#ani=004930123|callVariable1=x|callVariable2=|callVariable3=|\
callVariable4=|callVariable5=|callVariable6=|callVariable7=|callVariable8=|callVariable9=|\
callVariable10=|BACampaign=Spring|BAAccountNumber=42#DialogID:16871300"
    );
}

fn books() -> Vec<Phonebook> {
    vec![
        Phonebook {
            name: "Global".into(),
            kind: "GLOBAL".into(),
            id: "1".into(),
        },
        Phonebook {
            name: "Sales".into(),
            kind: "TEAM".into(),
            id: "2".into(),
        },
    ]
}

#[test]
fn o_29_get_phonebooks() {
    let event = Event::Phonebooks {
        agent: agent("1001"),
        books: books(),
    };
    assert_eq!(
        legacy(&event),
        "Phonebooks#name:Global,type:GLOBAL,id:1#name:Sales,type:TEAM,id:2"
    );
    assert_eq!(event.category(), Category::Phonebook);
}

#[test]
fn o_30_get_team_phonebooks() {
    let event = Event::TeamPhonebooks {
        agent: agent("1001"),
        books: books()[1..].to_vec(),
    };
    assert_eq!(legacy(&event), "TeamPhoneBooks#name:Sales,type:TEAM,id:2");
    // JSON: the Admin Commands table's Expected Output of Get Team Phonebooks is "Phonebooks",
    // the JSON section's Phonebooks object.
    assert_eq!(
        event.render(Format::Json),
        r#"[{"type":"Phonebooks","phonebooks":[{"name":"Sales","id":"2"}]}]"#
    );
}

fn contacts() -> Vec<Contact> {
    vec![
        Contact {
            description: "Key account".into(),
            first_name: "Eva".into(),
            last_name: "Lind".into(),
            phone_number: "4015".into(),
            id: "11".into(),
        },
        Contact {
            description: String::new(),
            first_name: "Tom".into(),
            last_name: "Roe".into(),
            phone_number: "4016".into(),
            id: "12".into(),
        },
    ]
}

#[test]
fn o_31_get_phonebook_contacts() {
    let event = Event::PhonebookContacts {
        agent: agent("1001"),
        phonebook_id: "1".into(),
        contacts: contacts(),
    };
    assert_eq!(
        legacy(&event),
        "PhonebookContacts#description:Key account,firstName:Eva,lastName:Lind,phoneNumber:4015,id:11\
#description:,firstName:Tom,lastName:Roe,phoneNumber:4016,id:12"
    );
    assert_eq!(event.category(), Category::Contacts);
}

#[test]
fn reserved_characters_in_values_cannot_break_the_framing() {
    let event = Event::State {
        agent: agent("1001"),
        state: "READY".into(),
        reason_code: String::new(),
        pending_state: String::new(),
        state_change_time: String::new(),
        full_name: "A#B".into(),
    };
    assert_eq!(legacy(&event), "1001#State#READY##A_B");
    let event = Event::ReasonCodes {
        agent: agent("1001"),
        category: ReasonCategory::WrapUp,
        codes: vec![("1".into(), "Sales, new".into())],
        full_name: "M".into(),
    };
    assert_eq!(
        legacy(&event),
        "1001#ReasonCodes#Category:WrapUp#Codes:1#Labels:Sales_ new#M"
    );
}

// === JSON events, against the seed's samples ===

fn json(event: &Event) -> String {
    event.render(Format::Json)
}

#[test]
fn json_system_status() {
    let sample = r#"{
"type": "System",
"status": "OUT_OF_SERVICE"
}"#;
    assert_eq!(
        json(&Event::System(SystemStatus::OutOfService)),
        compact(sample)
    );
}

#[test]
fn json_agent_info() {
    let sample = r#"{
  "type": "AgentInfo",
  "firstName": "jehanzeb4",
  "lastName": "riaz",
  "supervisor": false,
  "wrapUpOnIncoming": "",
  "teams": [],
  "team": {
    "id": "7",
    "name": "Demo"
  },
  "agentId": "jehanzeb4"
}"#;
    let event = Event::AgentInfo {
        agent: agent("jehanzeb4"),
        first_name: "jehanzeb4".into(),
        last_name: "riaz".into(),
        supervisor: false,
        wrap_up_mode: String::new(),
        team: Team {
            id: "7".into(),
            name: "Demo".into(),
        },
        teams: Vec::new(),
    };
    assert_eq!(json(&event), compact(sample));
}

#[test]
fn json_agent_state() {
    let sample = r#"{
  "type": "State",
  "agentId": "jehanzeb6",
  "state": "NOT_READY",
  "reasonCode": "8",
  "stateChangeTimeString": "",
  "pendingState": "",
  "stateChangeTime": "2019-09-17 12:46:21"
}"#;
    let event = Event::State {
        agent: agent("jehanzeb6"),
        state: "NOT_READY".into(),
        reason_code: "8".into(),
        pending_state: String::new(),
        state_change_time: "2019-09-17 12:46:21".into(),
        full_name: "jehanzeb6 riaz".into(),
    };
    assert_eq!(json(&event), compact(sample));
}

const SAMPLE_VARS_4012: &str = r#"[
    { "callVariable1": "" }, { "callVariable2": "" }, { "callVariable3": "" },
    { "callVariable4": "" }, { "callVariable5": "" }, { "callVariable6": "" },
    { "callVariable7": "" }, { "callVariable8": "" }, { "callVariable9": "" },
    { "callVariable10": "" }, { "ani": "4012" } ]"#;

#[test]
fn json_inbound_call_state() {
    let sample = format!(
        r#"{{
  "type": "InboundCall",
  "dialogId": "16871253",
  "state": "INITIATED",
  "startTime": "2019-09-17 15:32:15",
  "prevDialogId": null,
  "fromAddress": "4012",
  "callVariables": {SAMPLE_VARS_4012},
  "participants": [
    {{
      "mediaAddress": "1006",
      "state": "INITIATED",
      "addressType": "AGENT_DEVICE"
    }}
  ],
  "agentId": "jehanzeb6"
}}"#
    );
    let event = Event::InboundCall {
        agent: agent("jehanzeb6"),
        full_name: String::new(),
        call: inbound("INITIATED"),
    };
    assert_eq!(json(&event), compact(&sample));
}

#[test]
fn json_new_outbound_preview_call() {
    let sample = format!(
        r#"{{
  "type": "NewOutboundPreviewCall",
  "dialogId": "16871253",
  "fromAddress": "4012",
  "callVariables": {SAMPLE_VARS_4012},
  "calltype":"calltype",
  "agentId": "jehanzeb6"
}}"#
    );
    let mut call = inbound("ALERTING");
    call.call_type = "calltype".into();
    let event = Event::NewOutboundPreviewCall {
        agent: agent("jehanzeb6"),
        call,
    };
    assert_eq!(json(&event), compact(&sample));
}

#[test]
fn json_new_outbound_call() {
    let sample = format!(
        r#"{{
  "type": "NewOutboundCall",
  "dialogId": "16871253",
  "fromAddress": "4012",
  "callVariables": {SAMPLE_VARS_4012},
  "calltype":"calltype",
  "agentId": "jehanzeb6"
}}"#
    );
    let mut call = inbound("ALERTING");
    call.call_type = "calltype".into();
    let event = Event::NewOutboundCall {
        agent: agent("jehanzeb6"),
        call,
    };
    assert_eq!(json(&event), compact(&sample));
}

#[test]
fn json_new_inbound_call() {
    let sample = r#"{
  "type": "NewInboundCall",
  "dialogId": "16871263",
  "fromAddress": "1006",
  "callVariables": [
    { "callVariable1": "" }, { "callVariable2": "" }, { "callVariable3": "" },
    { "callVariable4": "" }, { "callVariable5": "" }, { "callVariable6": "" },
    { "callVariable7": "" }, { "callVariable8": "" }, { "callVariable9": "" },
    { "callVariable10": "" }, { "ani": "1006" } ],
  "agentId": "jehanzeb4"
}"#;
    let call = CallData {
        dialog_id: "16871263".into(),
        from_address: "1006".into(),
        ani: "1006".into(),
        ..CallData::default()
    };
    let event = Event::NewInboundCall {
        agent: agent("jehanzeb4"),
        call,
    };
    assert_eq!(json(&event), compact(sample));
}

#[test]
fn json_reason_codes() {
    let sample = r#"{
"type": "ReasonCodes",
"category": "WrapUp",
"reasonCodes": [
{"1": "Complaint"}, {"2": "Inquiry New"}, {"3": "Conf call"}, {"4": "Transfer call"},
{"5": "Customer new call"}, {"6": "Old call customer"}, {"7": "Bill Inquiry"}
],
"agentId": "jehanzeb4"
}"#;
    let labels = [
        "Complaint",
        "Inquiry New",
        "Conf call",
        "Transfer call",
        "Customer new call",
        "Old call customer",
        "Bill Inquiry",
    ];
    let event = Event::ReasonCodes {
        agent: agent("jehanzeb4"),
        category: ReasonCategory::WrapUp,
        codes: labels
            .iter()
            .enumerate()
            .map(|(i, l)| ((i + 1).to_string(), (*l).into()))
            .collect(),
        full_name: String::new(),
    };
    assert_eq!(json(&event), compact(sample));
}

#[test]
fn json_consult_call_state() {
    let sample = r#"{
"type": "ConsultCall",
"state": "INITIATED",
"assDialogId": "16871288",
"fromAddress": "1004",
"toAddress": "1006",
"startTime": "2019-09-17 17:17:03",
"callVariables": [
{"callVariable1": ""}, {"callVariable2": ""}, {"callVariable3": ""}, {"callVariable4": ""},
{"callVariable5": ""}, {"callVariable6": ""}, {"callVariable7": ""}, {"callVariable8": ""},
{"callVariable9": ""}, {"callVariable10": ""}, {"ani": "1004"}
],
"participants": [
{"mediaAddress": "1004", "state": "INITIATED", "addressType": "AGENT_DEVICE"}
],
"agentId": "jehanzeb4"
}"#;
    let event = Event::ConsultCall {
        agent: agent("jehanzeb4"),
        full_name: String::new(),
        call: consult("INITIATED"),
    };
    assert_eq!(json(&event), compact(sample));
}

#[test]
fn json_release_call_output() {
    let sample = r#"{
  "type": "InboundCall",
  "dialogId": "16871284",
  "prevDialogId": null,
  "state": "DROPPED",
  "agentId": "jehanzeb6"
}"#;
    let call = CallData {
        dialog_id: "16871284".into(),
        state: "DROPPED".into(),
        ..CallData::default()
    };
    let event = Event::InboundCall {
        agent: agent("jehanzeb6"),
        full_name: String::new(),
        call,
    };
    assert_eq!(json(&event), compact(sample));
}

fn three_way(state: &str, agent_state: &str, others: &[(&str, &str)]) -> CallData {
    let mut participants = vec![Participant {
        media_address: "1005".into(),
        state: "ACTIVE".into(),
        address_type: String::new(),
    }];
    participants.push(Participant {
        media_address: "1004".into(),
        state: agent_state.into(),
        address_type: "AGENT_DEVICE".into(),
    });
    participants.extend(others.iter().map(|(a, s)| Participant {
        media_address: (*a).into(),
        state: (*s).into(),
        address_type: "AGENT_DEVICE".into(),
    }));
    CallData {
        state: state.into(),
        from_address: "1005".into(),
        ani: "1005".into(),
        participants,
        ..CallData::default()
    }
}

#[test]
fn json_complete_conference() {
    let sample = r#"{
  "type": "InboundCall",
  "dialogId": "16871286",
  "state": "ACTIVE",
  "startTime": "2019-09-17 17:16:10",
  "prevDialogId": null,
  "fromAddress": "1005",
  "callVariables": [
    {"callVariable1": ""}, {"callVariable2": ""}, {"callVariable3": ""}, {"callVariable4": ""},
    {"callVariable5": ""}, {"callVariable6": ""}, {"callVariable7": ""}, {"callVariable8": ""},
    {"callVariable9": ""}, {"callVariable10": ""}, {"ani": "1005"}
  ],
  "participants": [
    { "mediaAddress": "1005", "state": "ACTIVE", "addressType": "" },
    { "mediaAddress": "1004", "state": "ACTIVE", "addressType": "AGENT_DEVICE" },
    { "mediaAddress": "1006", "state": "ACTIVE", "addressType": "AGENT_DEVICE" }
  ],
  "agentId": "jehanzeb4"
}"#;
    let mut call = three_way("ACTIVE", "ACTIVE", &[("1006", "ACTIVE")]);
    call.dialog_id = "16871286".into();
    call.start_time = "2019-09-17 17:16:10".into();
    let event = Event::InboundCall {
        agent: agent("jehanzeb4"),
        full_name: String::new(),
        call,
    };
    assert_eq!(json(&event), compact(sample));
}

#[test]
fn json_complete_transfer() {
    let sample = r#"{
  "type": "InboundCall",
  "dialogId": "16874257",
  "state": "HELD",
  "startTime": "2019-09-20 16:25:14",
  "prevDialogId": null,
  "fromAddress": "1005",
  "callVariables": [
    {"callVariable1": ""}, {"callVariable2": ""}, {"callVariable3": ""}, {"callVariable4": ""},
    {"callVariable5": ""}, {"callVariable6": ""}, {"callVariable7": ""}, {"callVariable8": ""},
    {"callVariable9": ""}, {"callVariable10": ""}, {"ani": "1005"}
  ],
  "participants": [
    { "mediaAddress": "1005", "state": "ACTIVE", "addressType": "" },
    { "mediaAddress": "1004", "state": "HELD", "addressType": "AGENT_DEVICE" }
  ],
  "agentId": "jehanzeb4"
}"#;
    let mut call = three_way("HELD", "HELD", &[]);
    call.dialog_id = "16874257".into();
    call.start_time = "2019-09-20 16:25:14".into();
    let event = Event::InboundCall {
        agent: agent("jehanzeb4"),
        full_name: String::new(),
        call,
    };
    assert_eq!(json(&event), compact(sample));
}

#[test]
fn json_get_dialog_state() {
    let sample = r#"{
  "type": "DialogState",
  "dialogId": "16871286",
  "state": "HELD",
  "agentId": "jehanzeb6"
}"#;
    let call = CallData {
        dialog_id: "16871286".into(),
        state: "HELD".into(),
        ..CallData::default()
    };
    let event = Event::DialogState {
        agent: agent("jehanzeb6"),
        full_name: String::new(),
        call,
        associated: None,
    };
    assert_eq!(json(&event), compact(sample));
}

const SAMPLE_AGENTS: &str = r#"[
   {
      "type":"Agents",
      "users":[
         { "firstName":"jehanzeb6", "lastName":"riaz", "extension":"1006" },
         { "firstName":"jehanzeb7", "lastName":"riaz", "extension":"1007" }
      ]
   }
]"#;

#[test]
fn json_get_all_agents() {
    let users = ["6", "7"]
        .iter()
        .map(|n| AgentSummary {
            first_name: format!("jehanzeb{n}"),
            last_name: "riaz".into(),
            extension: format!("100{n}"),
        })
        .collect();
    let event = Event::Agents {
        agent: agent("jehanzeb4"),
        users,
    };
    assert_eq!(json(&event), compact(SAMPLE_AGENTS));
}

#[test]
fn json_get_team_user() {
    let users = ["6", "7"]
        .iter()
        .map(|n| TeamMember {
            first_name: format!("jehanzeb{n}"),
            last_name: "riaz".into(),
            extension: format!("100{n}"),
            login_id: format!("jehanzeb{n}"),
            state: "READY".into(),
            ..TeamMember::default()
        })
        .collect();
    let event = Event::TeamUsersList {
        agent: agent("jehanzeb4"),
        users,
    };
    assert_eq!(json(&event), compact(SAMPLE_AGENTS));
}

#[test]
fn json_phonebooks() {
    // The seed writes the values as bare placeholders; ours are strings.
    let sample = r#"[
   {
      "type":"Phonebooks",
      "phonebooks":[
         { "name":"Global", "id":"1" },
         { "name":"BookName2", "id":"PhonebookId2" }
      ]
   }
]"#;
    let event = Event::Phonebooks {
        agent: agent("1001"),
        books: vec![
            Phonebook {
                name: "Global".into(),
                kind: "GLOBAL".into(),
                id: "1".into(),
            },
            Phonebook {
                name: "BookName2".into(),
                kind: "TEAM".into(),
                id: "PhonebookId2".into(),
            },
        ],
    };
    assert_eq!(json(&event), compact(sample));
}

#[test]
fn json_contacts() {
    let sample = r#"[
   {
      "type":"PhonebookContacts",
      "phonebookId":"1",
      "contacts":[
         { "firstName":"Eva", "lastName":"Lind", "phoneNumber":"4015", "contactId":"11" },
         { "firstName":"Tom", "lastName":"Roe", "phoneNumber":"4016", "contactId":"12" }
      ]
   }
]"#;
    let event = Event::PhonebookContacts {
        agent: agent("1001"),
        phonebook_id: "1".into(),
        contacts: contacts(),
    };
    assert_eq!(json(&event), compact(sample));
}

#[test]
fn json_error_event_carries_code_and_user_message() {
    let event = Event::Error {
        agent: Some(agent("1001")),
        code: ErrorCode::LicensesExceeded,
    };
    assert_eq!(
        json(&event),
        r#"{"type":"Error","code":"LICENSES_EXCEEDED","message":"License exceeded, please contact system administrator.","agentId":"1001"}"#
    );
}

#[test]
fn every_event_has_an_events_routing_key() {
    assert_eq!(state_event().events_routing_key(), "agent_state.1001");
    assert_eq!(
        Event::System(SystemStatus::InService).events_routing_key(),
        "system.all"
    );
}
