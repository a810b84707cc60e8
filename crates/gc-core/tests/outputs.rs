//! One test per output message of the seed's "GC Output Messages" table that the engine
//! emits (O-001 … O-031, plus the JSON-only NewOutboundPreviewCall and Agents), each asserting
//! the exact legacy text on the destination it must reach.
//!
//! Not emitted, by design:
//! * O-003 (print a message in the agent window): no input carries such a message; the seed
//!   names no source for it (its JMS type is "as sent").
//! * O-018 (dialog state without controls) is deprecated in the seed: getdialogstate answers
//!   O-014 and getdialogstatecontrols O-015 + O-017.
//! * O-023 (RECONNECT) is deprecated in the seed: an unknown agent gets O-007 RE_LOGIN.

// Test helpers outside #[test] functions build fixtures from literals; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use gc_core::finesse::{FinesseReply, NodeStatus, Notification, PhoneBook, Team, User};
use gc_core::{Effect, PeerSync};
use gc_protocol::{DestinationName, Extension, Password};
use support::{
    DialogExt, NO_VARS, UserExt, World, added, agent, changed, consult, dialog, held, inbound_line,
    removed, ringing, talking, user,
};

fn logged_in() -> World {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w
}

fn supervisor() -> World {
    let mut w = World::standard();
    w.login("2001", "sup-1", "3901");
    w
}

fn member() -> User {
    support::member("1002", "Ali", "Khan", "3002", "READY")
}

#[test]
fn o001_agent_state() {
    let mut w = logged_in();
    w.user_update(
        user("1001")
            .extension("3001")
            .state("NOT_READY")
            .reason("7"),
        None,
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#NOT_READY#7#Maria Meier"]);
    // An unchanged User is not published again.
    w.user_update(
        user("1001")
            .extension("3001")
            .state("NOT_READY")
            .reason("7"),
        None,
    );
    w.assert_quiet();
}

#[test]
fn o002_error() {
    let mut w = logged_in();
    w.send("Login#1001", "secret");
    assert_eq!(w.take_for("crm-7"), ["1001#Error#MISSING_EXTENSION"]);
}

#[test]
fn o004_system_in_service() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    assert_eq!(w.take_for("crm-7"), ["System#IN_SERVICE"]);
}

#[test]
fn o005_system_out_of_service() {
    let mut w = logged_in();
    w.node(NodeStatus::OutOfService, false);
    assert_eq!(w.take_for("crm-7"), ["System#OUT_OF_SERVICE"]);
}

#[test]
fn o006_logged_out() {
    // The seed's O-006 row says "use O-001"; its Errors table: "GC will send a logout
    // message followed by this message".
    let mut w = logged_in();
    w.send("Hello#crm-9", "");
    w.take_over("1001", "crm-9", "secret");
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#State#LOGOUT##Maria Meier",
            "1001#Error#SESSION_INVALIDATED"
        ]
    );
}

#[test]
fn o007_re_login() {
    let mut w = World::standard();
    w.send_full("GetState#1001", "", Some("rq"), None, None);
    assert_eq!(w.take_replies("rq")[0].0, "1001#State#RE_LOGIN");
}

#[test]
fn o008_inbound_call_state() {
    let mut w = logged_in();
    w.ring("1001", "16871253");
    w.notify(
        "1001",
        changed(
            talking("16871253", "3001").var("callVariable1", "gold"),
            None,
        ),
    );
    let vars = NO_VARS.replacen("callVariable1=", "callVariable1=gold", 1);
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#InboundCall#ACTIVE#DialogID:16871253#4012#{vars}#2026-11-25 12:30:05#Maria Meier"
        )]
    );
}

#[test]
fn o008_inbound_call_released() {
    let mut w = logged_in();
    w.talk("1001", "16871253");
    w.notify("1001", removed(support::dropped("16871253", "3001"), None));
    assert_eq!(
        w.take_for("crm-7"),
        [inbound_line("1001", "DROP", "16871253", "4012")]
    );
}

#[test]
fn o008_inbound_call_failed() {
    let mut w = logged_in();
    let failed = dialog("16871253", "ACD_IN", "4012", "3001")
        .state("FAILED")
        .with("4012", "ACTIVE", false, &[])
        .with("3001", "FAILED", true, &["DROP"])
        .cause("3001", "CALL_REJECTED");
    w.notify("1001", added(failed, None));
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#InboundCall#FAILED#DialogID:16871253#CALL_REJECTED#Maria Meier"]
    );
}

#[test]
fn o009_new_inbound_call() {
    let mut w = logged_in();
    w.notify("1001", added(ringing("16871253", "3001"), None));
    assert_eq!(
        w.take_for("crm-7")[0],
        format!("1001#NewInboundCall#4012#4012|{NO_VARS}#DialogID:16871253")
    );
}

#[test]
fn o010_consult_call_state() {
    let mut w = logged_in();
    w.talk("1001", "16871253");
    w.send("ConsultCall#1001", "3002,16871253");
    let op = w.next_op();
    w.accept(&op);
    w.notify("1001", changed(held("16871253", "3001"), None));
    w.clear();
    w.notify(
        "1001",
        added(
            consult("16871288", "3001", "3002", "INITIATED", "ALERTING").state("ALERTING"),
            None,
        ),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [support::consult_line(
            "1001",
            "INITIATED",
            "16871288",
            "3001"
        )]
    );
}

#[test]
fn o010_consult_call_failed() {
    let mut w = logged_in();
    w.talk("1001", "16871253");
    w.send("ConsultCall#1001", "4099,16871253");
    let op = w.next_op();
    w.accept(&op);
    w.notify("1001", changed(held("16871253", "3001"), None));
    w.clear();
    let failed = dialog("16871288", "CONSULT", "3001", "4099")
        .state("FAILED")
        .with("3001", "FAILED", true, &["DROP"])
        .cause("3001", "BAD_DESTINATION");
    w.notify("1001", added(failed, None));
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#ConsultCall#FAILED#AssDialogID:16871288#BAD_DESTINATION#Maria Meier"]
    );
}

#[test]
fn o011_agent_info() {
    let mut w = logged_in();
    w.send("refresh#1001", "");
    let ops = w.take_ops();
    w.answer(
        &ops[0],
        support::user_reply(user("1001").extension("3001").state("NOT_READY")),
    );
    assert_eq!(
        w.take_for("crm-7")[1],
        "1001#AgentInfo#Maria#Meier#false#OPTIONAL#Maria Meier"
    );
}

fn supervisor_login() -> Vec<String> {
    let mut w = World::standard();
    w.connect("2001", "sup-1");
    w.send("Login#2001", "secret,3901");
    let op = w.next_op();
    w.accept(&op);
    w.user_update(
        user("2001").extension("3901").state("NOT_READY"),
        Some(&op.request_id),
    );
    w.take_for("sup-1")
}

#[test]
fn o012_supervisor_team_ids() {
    assert_eq!(
        supervisor_login()[2],
        "2001#TeamInfoIDs#TeamID#1,2#Sam Boss"
    );
}

#[test]
fn o013_supervisor_team_names() {
    assert_eq!(
        supervisor_login()[3],
        "2001#TeamInfoNames#TeamName#Sales,Support#Sam Boss"
    );
}

#[test]
fn o014_dialog_state() {
    let mut w = logged_in();
    w.talk("1001", "16871253");
    w.notify("1001", changed(held("16871253", "3001"), None));
    w.clear();
    w.send("getdialogstate#1001", "16871253");
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#DialogState#HELD#16871253#Maria Meier#4012#{NO_VARS}####"
        )]
    );
}

#[test]
fn o015_dialog_state_controls() {
    let mut w = logged_in();
    w.ring("1001", "16871253");
    w.send("getdialogstatecontrols#1001", "16871253");
    assert_eq!(
        w.take_for("crm-7")[0],
        "1001#InboundCall#DialogState#ALERTING#16871253#Maria Meier"
    );
}

#[test]
fn o016_reason_codes() {
    let mut w = logged_in();
    w.send("reasoncodenotready#1001", "");
    let op = w.next_op();
    w.answer(
        &op,
        FinesseReply::ReasonCodes(vec![support::reason_code("1", "1", "Lunch")]),
    );
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#ReasonCodes#Category:NOT_READY#Codes:1#Labels:Lunch#Maria Meier"]
    );
}

#[test]
fn o017_controls() {
    let mut w = logged_in();
    w.ring("1001", "16871253");
    w.send("getdialogstatecontrols#1001", "16871253");
    assert_eq!(
        w.take_for("crm-7")[1],
        "1001#Control#1,true|2,false|3,false|4,false|5,false|6,false|7,false|8,false|9,false"
    );
}

#[test]
fn o019_queue_list() {
    let mut w = supervisor();
    w.send("getqueuelist#2001", "");
    let op = w.next_op();
    w.answer(&op, FinesseReply::Queues(vec![support::queue("Sales")]));
    assert_eq!(
        w.take_for("sup-1"),
        [
            "2001#QueueList#QueueName:Sales,AgentsNotReady:,AgentsReady:,AgentsTalkingInbound:,\
AgentsTalkingInternal:,AgentsTalkingOutbound:,AgentsWrapUpNotReady:,AgentsWrapUpReady:,\
CallsInQueue:,StartTimeOfLongestCallInQueue:"
        ]
    );
}

#[test]
fn o020_team_users_list() {
    let mut w = supervisor();
    w.send("getteamusers#2001", "1");
    let op = w.next_op();
    w.answer(
        &op,
        FinesseReply::Team(support::team("1", "Sales", vec![member()])),
    );
    assert_eq!(
        w.take_for("sup-1"),
        [
            "2001#TeamUsersList#FirstName:Ali,LastName:Khan,Extension:3002,LoginID:1002,\
State:READY,PendingState:,MediaType:1,StateChangeTime:2026-11-25 12:30:00"
        ]
    );
}

#[test]
fn o021_team_member_state_changed() {
    let mut w = supervisor();
    w.send("getteamusers#2001", "1,true");
    let op = w.next_op();
    w.answer(&op, FinesseReply::Team(Team::default()));
    w.clear();
    w.notify(
        "2001",
        Notification::TeamUser {
            team_id: gc_protocol::ObjectId::parse("1").ok(),
            user: member(),
        },
    );
    assert_eq!(
        w.take_for("sup-1"),
        ["2001#TeamMemberStateChanged#1#READY#1002"]
    );
}

#[test]
fn o022_conference_participants() {
    let mut w = logged_in();
    w.talk("1001", "16871253");
    w.send("getDialogParticipants#1001", "16871253");
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#ConferenceParticipants#4012,3001"]
    );
}

#[test]
fn o024_dialog_status_on_failover() {
    let mut w = logged_in();
    w.talk("1001", "16871253");
    w.node(NodeStatus::InService, true);
    let ops = w.take_ops();
    w.answer(
        &ops[1],
        FinesseReply::Dialogs(vec![talking("16871253", "3001")]),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#DialogStatus#16871253#ACTIVE#4012#{NO_VARS}####"
        )]
    );
}

/// O-025 is the ConnectorSync message: the engine emits it as an effect, the driver renders
/// and seals it for the `ConnectorSync` exchange.
#[test]
fn o025_agent_state_on_connector_sync() {
    let mut w = World::standard();
    w.connect("1001", "crm-7");
    w.send("Login#1001", "secret,3001");
    assert!(w.log.iter().any(|e| *e
        == Effect::Sync(PeerSync::Agent {
            agent: agent("1001"),
            password: Password::new("secret"),
            extension: Some(Extension::parse("3001").unwrap()),
            subscription_time: "2026-11-25 12:30:00".into(),
            destination: Some(DestinationName::parse("crm-7").unwrap()),
        })));
}

#[test]
fn o026_reconnect_destination() {
    let mut w = World::standard();
    w.send("Beat#crm-7", "");
    assert_eq!(w.take_for("crm-7"), ["DESTINATION#crm-7#RECONNECT"]);
}

#[test]
fn o027_system_not_reachable() {
    let mut w = logged_in();
    w.node(NodeStatus::NotReachable, false);
    assert_eq!(w.take_for("crm-7"), ["System#NOT_REACHABLE"]);
}

#[test]
fn o028_new_outbound_call() {
    let mut w = logged_in();
    let call = dialog("16871300", "OUTBOUND", "4012", "3001")
        .state("ALERTING")
        .with("3001", "ALERTING", true, &["ANSWER"])
        .var("BACampaign", "Spring");
    w.notify("1001", added(call, None));
    assert_eq!(
        w.take_for("crm-7")[0],
        format!("1001#NewOutboundCall#4012#ani=4012|{NO_VARS}|BACampaign=Spring#DialogID:16871300")
    );
}

#[test]
fn new_outbound_preview_call() {
    let mut w = logged_in();
    let call = dialog("16871300", "OUTBOUND_PREVIEW", "4012", "3001")
        .with("3001", "ACTIVE", true, &["ACCEPT"])
        .var("BACampaign", "Spring");
    w.notify("1001", added(call, None));
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#NewOutboundPreviewCall#4012#ani=4012|{NO_VARS}|BACampaign=Spring#DialogID:16871300"
        )]
    );
}

fn books() -> Vec<PhoneBook> {
    vec![
        support::phone_book("1", "Global", "GLOBAL"),
        support::phone_book("2", "Sales", "TEAM"),
    ]
}

#[test]
fn o29_phonebooks() {
    let mut w = logged_in();
    w.send("GetPhonebooks#1001", "");
    let op = w.next_op();
    w.answer(&op, FinesseReply::PhoneBooks(books()));
    assert_eq!(
        w.take_for("crm-7"),
        ["Phonebooks#name:Global,type:GLOBAL,id:1#name:Sales,type:TEAM,id:2"]
    );
}

#[test]
fn o30_team_phonebooks() {
    let mut w = logged_in();
    w.send("GetTeamPhonebooks#1001", "");
    let op = w.next_op();
    w.answer(&op, FinesseReply::PhoneBooks(books()));
    assert_eq!(
        w.take_for("crm-7"),
        ["TeamPhoneBooks#name:Sales,type:TEAM,id:2"]
    );
}

#[test]
fn o31_phonebook_contacts() {
    let mut w = logged_in();
    w.send("GetPhonebookContacts#1001", "2");
    let op = w.next_op();
    w.answer(
        &op,
        FinesseReply::Contacts(vec![support::contact(
            "11",
            "Eva",
            "Lind",
            "4015",
            "Key account",
        )]),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [
            "PhonebookContacts#description:Key account,firstName:Eva,lastName:Lind,phoneNumber:4015,id:11"
        ]
    );
}

#[test]
fn agents_list() {
    let mut w = logged_in();
    w.send("getallagents#1001", "");
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#Agents#FirstName:Maria,LastName:Meier,Extension:3001"]
    );
}
