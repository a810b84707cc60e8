//! The seed's Supervisor Commands table: one test per row (getqueuelist, silentmonitor,
//! endsilentmonitor, dropparticipant, getteamusers with and without subscription,
//! getteamuserstate, bargein), with O-019 to O-022.

// Test helpers outside #[test] functions build fixtures from literals; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use gc_core::finesse::{
    Dialog, DialogAction, FinesseReply, Queue, QueueStatistics, Request, Team, User,
};
use gc_protocol::{AgentId, DialogId, ErrorCode, Extension, Format, ObjectId};
use support::{
    DialogExt, NO_VARS, UserExt, World, added, agent, changed, dialog, failure, removed, user,
};

fn ext(e: &str) -> Extension {
    Extension::parse(e).unwrap()
}

/// Supervisor 2001 (extension 3901) on sup-1, agent 1002 (3002) on crm-8.
fn supervising() -> World {
    let mut w = World::standard();
    w.login("2001", "sup-1", "3901");
    w.login("1002", "crm-8", "3002");
    w
}

fn member(state: &str) -> User {
    support::member("1002", "Ali", "Khan", "3002", state)
}

fn sales() -> Team {
    support::team("1", "Sales", vec![member("READY")])
}

const TEAM_USERS: &str = "2001#TeamUsersList#FirstName:Ali,LastName:Khan,Extension:3002,\
LoginID:1002,State:READY,PendingState:,MediaType:1,StateChangeTime:2026-11-25 12:30:00";

/// Row "Get Queue Info" → O-019.
#[test]
fn get_queue_list_answers_o019() {
    let mut w = supervising();
    w.send("getqueuelist#2001", "");
    let op = w.next_op();
    assert_eq!(op.op, Request::GetQueues);
    w.answer(
        &op,
        FinesseReply::Queues(vec![Queue {
            name: Some("Sales".into()),
            statistics: Some(QueueStatistics {
                calls_in_queue: Some(4),
                start_time_of_longest_call_in_queue: Some("2026-11-25T12:28:40.000Z".into()),
                agents_ready: Some(2),
                agents_not_ready: Some(1),
                agents_talking_inbound: Some(3),
                agents_talking_outbound: Some(1),
                agents_talking_internal: Some(0),
                agents_wrap_up_not_ready: Some(0),
                agents_wrap_up_ready: Some(1),
                ..QueueStatistics::default()
            }),
            ..Queue::default()
        }]),
    );
    assert_eq!(
        w.take_for("sup-1"),
        [
            "2001#QueueList#QueueName:Sales,AgentsNotReady:1,AgentsReady:2,AgentsTalkingInbound:3,\
AgentsTalkingInternal:0,AgentsTalkingOutbound:1,AgentsWrapUpNotReady:0,AgentsWrapUpReady:1,\
CallsInQueue:4,StartTimeOfLongestCallInQueue:2026-11-25 12:28:40"
        ]
    );
    w.send("getqueuelist#2001", "");
    let op = w.next_op();
    w.fail(&op, ErrorCode::Finesse("UNAUTHORIZED".into()));
    assert_eq!(w.take_for("sup-1"), ["2001#Error#UNAUTHORIZED"]);
}

/// Row "Get Team Users" without subscription → O-020; team notifications are not forwarded.
#[test]
fn get_team_users_without_subscription() {
    let mut w = supervising();
    w.send("getteamusers#2001", "1");
    let op = w.next_op();
    assert_eq!(op.op, Request::GetTeam(ObjectId::parse("1").unwrap()));
    w.answer(&op, FinesseReply::Team(sales()));
    assert_eq!(w.take_for("sup-1"), [TEAM_USERS]);
    assert!(w.subscribed.is_empty());
    w.notify(
        "2001",
        gc_core::finesse::Notification::TeamUser {
            team_id: ObjectId::parse("1").ok(),
            user: member("NOT_READY"),
        },
    );
    w.assert_quiet();
}

/// Row "Get Team Users" with `,true` → O-020, the team feed is subscribed, and every member
/// change becomes O-021 while subscribed; the subscription ends with the logout.
#[test]
fn get_team_users_with_subscription_forwards_member_changes() {
    let mut w = supervising();
    w.send("getteamusers#2001", "1,true");
    let op = w.next_op();
    w.answer(&op, FinesseReply::Team(sales()));
    assert_eq!(w.take_for("sup-1"), [TEAM_USERS]);
    let team = ObjectId::parse("1").unwrap();
    assert_eq!(w.subscribed, [(agent("2001"), team.clone())]);
    w.notify(
        "2001",
        gc_core::finesse::Notification::TeamUser {
            team_id: ObjectId::parse("1").ok(),
            user: member("NOT_READY"),
        },
    );
    assert_eq!(
        w.take_for("sup-1"),
        ["2001#TeamMemberStateChanged#1#NOT_READY#1002"]
    );
    // Another team's feed is not ours.
    w.notify(
        "2001",
        gc_core::finesse::Notification::TeamUser {
            team_id: ObjectId::parse("2").ok(),
            user: member("READY"),
        },
    );
    w.assert_quiet();
    // Asking again does not subscribe twice.
    w.send("getteamusers#2001", "1,true");
    let op = w.next_op();
    w.answer(&op, FinesseReply::Team(sales()));
    assert_eq!(w.subscribed.len(), 1);
    w.clear();
    // The supervisor logs out: the feed is unsubscribed.
    w.send("Logout#2001", "");
    let op = w.next_op();
    w.accept(&op);
    w.user_update(user("2001").state("LOGOUT"), Some(&op.request_id));
    assert_eq!(w.unsubscribed, [(agent("2001"), team)]);
}

/// O-021 in JSON.
#[test]
fn team_member_state_changed_in_json() {
    let mut w = World::standard();
    w.send_full("Hello#sup-j", "", None, None, Some(Format::Json));
    w.login("2001", "sup-j", "3901");
    w.send("getteamusers#2001", "1,true");
    let op = w.next_op();
    w.answer(&op, FinesseReply::Team(sales()));
    assert_eq!(
        w.take_for("sup-j"),
        [
            r#"[{"type":"Agents","users":[{"firstName":"Ali","lastName":"Khan","extension":"3002"}]}]"#
        ]
    );
    w.notify(
        "2001",
        gc_core::finesse::Notification::TeamUser {
            team_id: ObjectId::parse("1").ok(),
            user: member("TALKING"),
        },
    );
    assert_eq!(
        w.take_for("sup-j"),
        [
            r#"{"type":"TeamMemberStateChanged","teamId":"1","loginId":"1002","firstName":"Ali","lastName":"Khan","extension":"3002","state":"TALKING","reasonCode":"","pendingState":"","stateChangeTime":"2026-11-25 12:30:00","agentId":"2001"}"#
        ]
    );
}

/// Row "Get Team Users State" → O-021 for that member.
#[test]
fn get_team_user_state_answers_o021() {
    let mut w = supervising();
    w.send("getteamuserstate#2001", "1002");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::GetTeamMember {
            member: AgentId::parse("1002").unwrap()
        }
    );
    w.answer(
        &op,
        support::user_reply(user("1002").extension("3002").state("READY")),
    );
    assert_eq!(
        w.take_for("sup-1"),
        ["2001#TeamMemberStateChanged#1#READY#1002"]
    );
    w.send("getteamuserstate#2001", "1002");
    let op = w.next_op();
    w.fail(&op, ErrorCode::Finesse("INVALID_SUPERVISOR".into()));
    assert_eq!(w.take_for("sup-1"), ["2001#Error#INVALID_SUPERVISOR"]);
}

/// The supervisor's monitoring dialog on agent 1002's call 16871253.
fn monitor(participants: &[(&str, &str)]) -> Dialog {
    let mut d = dialog("16871400", "SUPERVISOR_MONITOR", "3901", "3002").associated("16871253");
    for (address, state) in participants {
        d = d.with(address, state, address.starts_with('3'), &["DROP"]);
    }
    d
}

/// Row "Silent Monitor" → SILENT_MONITOR from the supervisor's extension; the monitoring
/// dialog is shown to the supervisor as a call.
fn monitoring() -> World {
    let mut w = supervising();
    w.send("silentmonitor#2001", "3002");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SilentMonitor {
            from: ext("3901"),
            to: ext("3002")
        }
    );
    w.accept(&op);
    w.notify(
        "2001",
        added(
            monitor(&[("3901", "ACTIVE"), ("3002", "ACTIVE"), ("4012", "ACTIVE")]),
            Some(&op.request_id),
        ),
    );
    assert_eq!(
        w.take_for("sup-1"),
        [format!(
            "2001#InboundCall#ACTIVE#DialogID:16871400#3901#{NO_VARS}#2026-11-25 12:30:05#Sam Boss"
        )]
    );
    w
}

#[test]
fn silent_monitor_monitors_the_agent_extension() {
    let mut w = monitoring();
    w.assert_quiet();
    w.send("silentmonitor#2001", "");
    assert_eq!(w.take_for("sup-1"), ["2001#Error#MISSING_EXTENSION"]);
    // Finesse refuses (agent not talking): the async error is the answer.
    w.send_full("silentmonitor#2001", "3003", Some("rq"), Some("m"), None);
    let op = w.next_op();
    w.accept(&op);
    w.api_error(
        "2001",
        Some(&op.request_id),
        failure(ErrorCode::CfInvalidObjectState, "Invalid State"),
    );
    assert_eq!(
        w.take_replies("rq"),
        [(
            "2001#Error#CF_INVALID_OBJECT_STATE".to_owned(),
            Some("m".to_owned())
        )]
    );
}

/// Row "End Silent Monitor" → DROP on the monitoring dialog with the supervisor's extension.
#[test]
fn end_silent_monitor_drops_the_monitoring_dialog() {
    let mut w = monitoring();
    w.send("endsilentmonitor#2001", "16871400");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::DialogAction {
            dialog: DialogId::parse("16871400").unwrap(),
            target: ext("3901"),
            action: DialogAction::Drop
        }
    );
    w.accept(&op);
    w.notify(
        "2001",
        removed(
            monitor(&[("3901", "DROPPED")]).state("DROPPED"),
            Some(&op.request_id),
        ),
    );
    assert_eq!(
        w.take_for("sup-1"),
        [format!(
            "2001#InboundCall#DROP#DialogID:16871400#3901#{NO_VARS}#2026-11-25 12:30:05#Sam Boss"
        )]
    );
    w.send("endsilentmonitor#2001", "16871400");
    assert_eq!(w.take_for("sup-1"), ["2001#Error#NO_DIALOG_ID"]);
}

/// Row "Make a Barge Call" (`bargein#<agent_login_Id>` with `<Team_Agent_LoginID>,<Dialog_ID>`)
/// → BARGE_CALL with the monitoring dialog, whichever of the two dialog ids the supervisor
/// names; the member's login id is resolved to its current extension (1002 on 3002), and with
/// an unknown dialog id to the monitoring dialog the member is on. A member not on the monitored
/// call is NO_DIALOG_ID, even where another agent device is.
#[test]
fn barge_in_barges_into_the_monitored_call() {
    let mut w = monitoring();
    let barge = Request::BargeCall {
        from: ext("3901"),
        to: ext("3002"),
        monitor_dialog: DialogId::parse("16871400").unwrap(),
    };
    w.send("bargein#2001", "1002,16871400");
    let op = w.next_op();
    assert_eq!(op.op, barge);
    w.accept(&op);
    w.send("bargein#2001", "1002,16871253");
    assert_eq!(w.next_op().op, barge);
    // The member's current dialog, found by its extension.
    w.send("bargein#2001", "1002,999");
    assert_eq!(w.next_op().op, barge);
    // 1003 is logged in on 3003, which is not on the monitored call.
    w.login("1003", "crm-9", "3003");
    w.send("bargein#2001", "1003,16871400");
    assert_eq!(w.take_for("sup-1"), ["2001#Error#NO_DIALOG_ID"]);
    // A member the connector does not know, on an unknown dialog.
    w.send("bargein#2001", "1004,999");
    assert_eq!(w.take_for("sup-1"), ["2001#Error#NO_DIALOG_ID"]);
    w.send("bargein#2001", "1002");
    assert_eq!(w.take_for("sup-1"), ["2001#Error#PLEASE_RETRY"]);
    w.assert_quiet();
}

/// bargein's `<Team_Agent_LoginID>` picks the member among several agent devices on the
/// monitored call (a conference of 3002 and 3003): the one whose login id the supervisor named,
/// known from the supervisor's team read when the member is not this connector's agent.
#[test]
fn barge_in_resolves_the_login_id_to_the_members_extension() {
    let mut w = World::standard();
    w.login("2001", "sup-1", "3901");
    w.send("getteamusers#2001", "1");
    let op = w.next_op();
    let mut team = sales();
    let mut other = member("TALKING");
    other.login_id = AgentId::parse("1005").unwrap();
    other.extension = Some("3005".into());
    team.users.push(other);
    w.answer(&op, FinesseReply::Team(team));
    w.send("silentmonitor#2001", "3002");
    let op = w.next_op();
    w.accept(&op);
    w.notify(
        "2001",
        added(
            monitor(&[
                ("3901", "ACTIVE"),
                ("3002", "ACTIVE"),
                ("3005", "ACTIVE"),
                ("4012", "ACTIVE"),
            ]),
            Some(&op.request_id),
        ),
    );
    w.clear();
    w.send("bargein#2001", "1005,16871253");
    assert_eq!(
        w.next_op().op,
        Request::BargeCall {
            from: ext("3901"),
            to: ext("3005"),
            monitor_dialog: DialogId::parse("16871400").unwrap(),
        }
    );
}

/// Row "Drop Participant" → PARTICIPANT_DROP of that extension; O-022 shows who is left.
#[test]
fn drop_participant_drops_the_extension() {
    let mut w = monitoring();
    // After the barge the monitoring dialog is a conference.
    w.notify(
        "2001",
        changed(
            monitor(&[("3901", "ACTIVE"), ("3002", "ACTIVE"), ("4012", "ACTIVE")]),
            None,
        ),
    );
    w.send("getDialogParticipants#2001", "16871400");
    assert_eq!(
        w.take_for("sup-1"),
        ["2001#ConferenceParticipants#3901,3002,4012"]
    );
    w.send("dropparticipant#2001", "3002,16871400");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::DialogAction {
            dialog: DialogId::parse("16871400").unwrap(),
            target: ext("3002"),
            action: DialogAction::ParticipantDrop {
                participant: ext("3002")
            }
        }
    );
    w.accept(&op);
    w.send("dropparticipant#2001", "");
    assert_eq!(w.take_for("sup-1"), ["2001#Error#MISSING_EXTENSION"]);
    w.send("dropparticipant#2001", "3002,999");
    assert_eq!(w.take_for("sup-1"), ["2001#Error#NO_DIALOG_ID"]);
}
