//! The seed's Agent Commands table, state and query rows: one test per row, asserting the
//! Finesse operation requested and the exact events published to the agent's destination.
//! (Call rows are in calls.rs, phone books in queries.rs.)

// Test helpers outside #[test] functions build fixtures from literals; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use gc_core::finesse::{
    FinesseReply, MobileAgentMode, ReasonCategory, ReasonCodeInfo, Request, SessionEvent,
    TargetState,
};
use gc_core::{Effect, EngineConfig, PeerSync, RecordingAction};
use gc_protocol::{
    DestinationName, DialNumber, DialogId, ErrorCode, Extension, Format, ReasonCode,
};
use support::{NO_VARS, UserExt, World, agent, failure, talking, user};

fn ext(e: &str) -> Extension {
    Extension::parse(e).unwrap()
}

fn reason(r: &str) -> ReasonCode {
    ReasonCode::parse(r).unwrap()
}

// === system rows ===

/// Row "Send Heartbeat while not logged in": `Hello#<client_extension>` → System Status.
#[test]
fn hello_answers_system_status_on_the_destination() {
    let mut w = World::standard();
    let token = w.send("Hello#crm-7", "");
    assert_eq!(w.take_for("crm-7"), ["System#IN_SERVICE"]);
    assert_eq!(w.acked, [token]);
    assert!(
        w.engine
            .has_destination(&DestinationName::parse("crm-7").unwrap())
    );
    w.assert_quiet();
}

/// Hello with `gc-format: json` makes the destination a JSON one.
#[test]
fn hello_with_json_format_answers_in_json() {
    let mut w = World::standard();
    w.send_full("Hello#crm-7", "", None, None, Some(Format::Json));
    assert_eq!(
        w.take_for("crm-7"),
        [r#"{"type":"System","status":"IN_SERVICE"}"#]
    );
}

/// Row "Send Heartbeat while logged in": `Beat#<client_destination>` → System Status.
#[test]
fn beat_answers_system_status() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    let token = w.send("Beat#crm-7", "");
    assert_eq!(w.take_for("crm-7"), ["System#IN_SERVICE"]);
    assert!(w.acked.contains(&token));
    w.assert_quiet();
}

/// Row "Connect AgentID with Client Unique Name": no response; the session is opened.
#[test]
fn connect_binds_the_agent_without_a_response() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.clear();
    let token = w.send("Connect#1001", "crm-7,secret");
    assert_eq!(w.opened, [agent("1001")]);
    assert!(w.acked.contains(&token));
    w.assert_quiet();
    // The session is shared with peers (O-025) once Finesse accepted the password (the
    // session authenticated), never before.
    assert!(
        !w.synced.iter().any(|s| matches!(s, PeerSync::Agent { .. })),
        "{:?}",
        w.synced
    );
    w.session("1001", SessionEvent::Opened);
    assert_eq!(
        w.synced.last(),
        Some(&PeerSync::Agent {
            agent: agent("1001"),
            password: gc_protocol::Password::new("secret"),
            extension: None,
            subscription_time: "2026-11-25 12:30:00".into(),
            destination: Some(DestinationName::parse("crm-7").unwrap()),
        })
    );
}

// === login ===

/// Row "Agent Login" → Agent State, Agent Info.
#[test]
fn login_answers_state_and_agent_info() {
    let mut w = World::standard();
    w.connect("1001", "crm-7");
    w.send("Login#1001", "secret,3001");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::Login {
            extension: ext("3001"),
            mobile: None
        }
    );
    w.accept(&op);
    w.assert_quiet();
    w.user_update(
        user("1001").extension("3001").state("NOT_READY"),
        Some(&op.request_id),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#State#NOT_READY##Maria Meier",
            "1001#AgentInfo#Maria#Meier#false#OPTIONAL#Maria Meier",
        ]
    );
    w.assert_quiet();
}

/// Login on a JSON destination: the seed's JSON State and AgentInfo samples.
#[test]
fn login_on_a_json_destination_answers_the_seed_json() {
    let mut w = World::standard();
    w.send_full("Hello#web-1", "", None, None, Some(Format::Json));
    w.send("Connect#1001", "web-1,secret");
    w.session("1001", SessionEvent::Opened);
    w.clear();
    w.send("Login#1001", "secret,3001");
    let op = w.next_op();
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("NOT_READY"),
        Some(&op.request_id),
    );
    assert_eq!(
        w.take_for("web-1"),
        [
            r#"{"type":"State","agentId":"1001","state":"NOT_READY","reasonCode":"","stateChangeTimeString":"","pendingState":"","stateChangeTime":"2026-11-25 12:30:00"}"#,
            r#"{"type":"AgentInfo","firstName":"Maria","lastName":"Meier","supervisor":false,"wrapUpOnIncoming":"OPTIONAL","teams":[],"team":{"id":"1","name":"Sales"},"agentId":"1001"}"#,
        ]
    );
}

/// Row "Mobile Agent Login" → Agent State, Agent Info; `true` is call by call.
#[test]
fn mobile_agent_login_signs_in_with_the_phone_and_mode() {
    let mut w = World::standard();
    w.connect("1001", "crm-7");
    w.send("MobileAgentLogin#1001", "secret,3001,00493012345,true");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::Login {
            extension: ext("3001"),
            mobile: Some((
                DialNumber::parse("00493012345").unwrap(),
                MobileAgentMode::CallByCall
            )),
        }
    );
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("NOT_READY"),
        Some(&op.request_id),
    );
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#State#NOT_READY##Maria Meier",
            "1001#AgentInfo#Maria#Meier#false#OPTIONAL#Maria Meier",
        ]
    );

    let mut w = World::standard();
    w.connect("1001", "crm-7");
    w.send("MobileAgentLogin#1001", "secret,3001,00493012345,false");
    assert!(matches!(
        w.next_op().op,
        Request::Login {
            mobile: Some((_, MobileAgentMode::NailedConnection)),
            ..
        }
    ));
}

/// Login errors: malformed bodies never reach Finesse; Finesse's own errors pass through.
#[test]
fn login_errors_carry_the_seed_codes() {
    let mut w = World::standard();
    w.connect("1001", "crm-7");
    for (body, code) in [
        ("", "MISSING_PASSWORD"),
        ("secret", "MISSING_EXTENSION"),
        ("secret,30a1", "WRONG_EXTENSION"),
    ] {
        w.send("Login#1001", body);
        assert_eq!(
            w.take_for("crm-7"),
            [format!("1001#Error#{code}")],
            "{body}"
        );
    }
    assert!(w.ops.is_empty());

    // A synchronous failure (HTTP 400 with the CTI code).
    w.send("Login#1001", "secret,3001");
    let op = w.next_op();
    w.fail(&op, ErrorCode::CfInvalidLogonDeviceSpecified);
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#Error#CF_INVALID_LOGON_DEVICE_SPECIFIED"]
    );
    assert_eq!(
        w.engine.licensed_agents(),
        0,
        "a failed login frees its licence"
    );
}

/// An asynchronous apiError for the LOGIN answers the request's reply_to with its correlation
/// id, and the destination too.
#[test]
fn login_api_error_answers_with_the_correlation_id() {
    let mut w = World::standard();
    w.connect("1001", "crm-7");
    w.send_full(
        "Login#1001",
        "secret,3001",
        Some("amq.gen-1"),
        Some("corr-7"),
        None,
    );
    let op = w.next_op();
    w.accept(&op);
    w.api_error(
        "1001",
        Some(&op.request_id),
        failure(ErrorCode::CfResourceBusy, "Device Busy"),
    );
    // One publication, to the destination and to reply_to.
    assert_eq!(
        w.take_all(),
        [(
            "1001#Error#CF_RESOURCE_BUSY".to_owned(),
            vec!["dest:crm-7".to_owned(), "reply:amq.gen-1".to_owned()]
        )]
    );
    let published = w.published.clone();
    assert!(published.is_empty());
    assert_eq!(w.engine.licensed_agents(), 0);
}

/// The notification of a LOGIN never comes: the engine reads the User and answers as if it
/// had (State and AgentInfo).
#[test]
fn login_without_notification_falls_back_to_a_get() {
    let mut w = World::standard();
    w.connect("1001", "crm-7");
    w.send_full("Login#1001", "secret,3001", Some("rq"), Some("c-9"), None);
    let op = w.next_op();
    w.accept(&op);
    w.advance(Duration::from_secs(9));
    w.assert_quiet();
    w.advance(Duration::from_secs(1));
    let get = w.next_op();
    assert_eq!(get.op, Request::GetUser);
    w.answer(
        &get,
        support::user_reply(user("1001").extension("3001").state("NOT_READY")),
    );
    assert_eq!(
        w.take_replies("rq"),
        [
            (
                "1001#State#NOT_READY##Maria Meier".to_owned(),
                Some("c-9".to_owned())
            ),
            (
                "1001#AgentInfo#Maria#Meier#false#OPTIONAL#Maria Meier".to_owned(),
                Some("c-9".to_owned())
            ),
        ]
    );
}

// === state changes ===

/// Row "Make agent ready" → Agent State.
#[test]
fn make_ready_sets_ready_and_answers_state() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("MakeReady#1001", "");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::Ready,
            reason: None
        }
    );
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("READY"),
        Some(&op.request_id),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#READY##Maria Meier"]);
    w.assert_quiet();
}

/// Row "Make agent not ready" → Agent State.
#[test]
fn make_not_ready_sets_not_ready_and_answers_state() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.ready("1001");
    w.send("MakeNotReady#1001", "");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::NotReady,
            reason: None
        }
    );
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("NOT_READY"),
        Some(&op.request_id),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#NOT_READY##Maria Meier"]);
}

/// Row "Not Ready with reason code" → Agent State with the reason code id.
#[test]
fn make_not_ready_with_reason_carries_the_reason() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.ready("1001");
    w.send("MakeNotReadyWithReason#1001", "7");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::NotReady,
            reason: Some(reason("7"))
        }
    );
    w.accept(&op);
    w.user_update(
        user("1001")
            .extension("3001")
            .state("NOT_READY")
            .reason("7"),
        Some(&op.request_id),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#NOT_READY#7#Maria Meier"]);

    // Without a reason the command never reaches Finesse.
    w.send("MakeNotReadyWithReason#1001", "");
    assert_eq!(w.take_for("crm-7"), ["1001#Error#MISSING_REASON_CODE"]);
    w.assert_quiet();
}

/// Finesse insisting on a reason code (400 Parameter Missing) is MISSING_REASON_CODE.
#[test]
fn finesse_parameter_missing_on_not_ready_is_missing_reason_code() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.ready("1001");
    w.send_full("MakeNotReady#1001", "", Some("rq"), Some("c-1"), None);
    let op = w.next_op();
    w.reply(
        &op,
        Err(failure(ErrorCode::GeneralError, "Parameter Missing")),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#Error#MISSING_REASON_CODE"]);
    assert_eq!(
        w.take_replies("rq"),
        [(
            "1001#Error#MISSING_REASON_CODE".to_owned(),
            Some("c-1".to_owned())
        )]
    );
    // The same from an asynchronous apiError.
    w.send_full("MakeNotReady#1001", "", Some("rq"), Some("c-2"), None);
    let op = w.next_op();
    w.accept(&op);
    w.api_error(
        "1001",
        Some(&op.request_id),
        failure(ErrorCode::GeneralError, "Parameter Missing"),
    );
    assert_eq!(
        w.take_replies("rq"),
        [(
            "1001#Error#MISSING_REASON_CODE".to_owned(),
            Some("c-2".to_owned())
        )]
    );
}

/// The notification of a state change never comes: the User is read and State answered.
#[test]
fn state_change_without_notification_falls_back_to_a_get() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("MakeReady#1001", "");
    let op = w.next_op();
    w.accept(&op);
    w.advance(Duration::from_secs(10));
    let get = w.next_op();
    assert_eq!(get.op, Request::GetUser);
    w.answer(
        &get,
        support::user_reply(user("1001").extension("3001").state("READY")),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#READY##Maria Meier"]);
    // A late notification for the timed-out request changes nothing the client has not seen.
    w.user_update(
        user("1001").extension("3001").state("READY"),
        Some(&op.request_id),
    );
    w.assert_quiet();
}

/// A REST failure of a state change is answered with the Finesse code.
#[test]
fn a_rejected_state_change_is_answered_with_the_finesse_code() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    let token = w.send_full("MakeReady#1001", "", Some("rq"), Some("c-5"), None);
    let op = w.next_op();
    w.fail(&op, ErrorCode::CfInvalidObjectState);
    assert_eq!(
        w.take_replies("rq"),
        [(
            "1001#Error#CF_INVALID_OBJECT_STATE".to_owned(),
            Some("c-5".to_owned())
        )]
    );
    assert!(w.acked.contains(&token));
}

/// Row "Get agent current state" → Agent State.
#[test]
fn get_state_reads_the_user_and_answers_state() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("GetState#1001", "");
    let op = w.next_op();
    assert_eq!(op.op, Request::GetUser);
    w.answer(
        &op,
        support::user_reply(
            user("1001")
                .extension("3001")
                .state("TALKING")
                .pending("NOT_READY"),
        ),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#TALKING##Maria Meier"]);
    // Asked again, unchanged: a query is always answered.
    w.send("GetState#1001", "");
    let op = w.next_op();
    w.answer(
        &op,
        support::user_reply(
            user("1001")
                .extension("3001")
                .state("TALKING")
                .pending("NOT_READY"),
        ),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#TALKING##Maria Meier"]);
}

/// GetState that Finesse cannot answer.
#[test]
fn get_state_failure_is_answered() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("GetState#1001", "");
    let op = w.next_op();
    w.fail(&op, ErrorCode::NotReachable);
    assert_eq!(w.take_for("crm-7"), ["1001#Error#NOT_REACHABLE"]);
}

/// Row "Make Work Not Ready": NOT_READY, which Finesse applies after the call (pending).
#[test]
fn make_work_not_ready_requests_not_ready() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("makeworknotready#1001", "");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::NotReady,
            reason: None
        }
    );
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("WORK"),
        Some(&op.request_id),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#WORK##Maria Meier"]);
}

/// Row "Make Work Ready": READY, applied after the wrap-up.
#[test]
fn make_work_ready_requests_ready() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("makeworkready#1001", "");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::Ready,
            reason: None
        }
    );
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("WORK_READY"),
        Some(&op.request_id),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#WORK_READY##Maria Meier"]);
}

// === logout ===

/// Row "Agent Logout" → Agent State; the licence is freed and the session closed.
#[test]
fn logout_from_not_ready_answers_state_logout() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("Logout#1001", "");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::Logout,
            reason: None
        }
    );
    w.accept(&op);
    w.user_update(user("1001").state("LOGOUT"), Some(&op.request_id));
    assert_eq!(w.take_for("crm-7"), ["1001#State#LOGOUT##Maria Meier"]);
    assert_eq!(w.engine.licensed_agents(), 0);
    assert_eq!(w.closed, [agent("1001")]);
}

/// UCCE logs out only from NOT_READY: a READY agent goes NOT_READY first.
#[test]
fn logout_from_ready_goes_not_ready_first() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.ready("1001");
    w.send("Logout#1001", "");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::NotReady,
            reason: None
        }
    );
    w.accept(&op);
    w.user_update(
        user("1001").extension("3001").state("NOT_READY"),
        Some(&op.request_id),
    );
    let logout = w.next_op();
    assert_eq!(
        logout.op,
        Request::SetState {
            state: TargetState::Logout,
            reason: None
        }
    );
    w.accept(&logout);
    w.user_update(user("1001").state("LOGOUT"), Some(&logout.request_id));
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#State#NOT_READY##Maria Meier",
            "1001#State#LOGOUT##Maria Meier"
        ]
    );
}

/// Row "Logout with Reason" → Agent State.
#[test]
fn logout_with_reason_carries_the_reason() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("logoutwithreason#1001", "12");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::Logout,
            reason: Some(reason("12"))
        }
    );
    w.accept(&op);
    w.user_update(
        user("1001").state("LOGOUT").reason("12"),
        Some(&op.request_id),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#LOGOUT#12#Maria Meier"]);

    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("logoutwithreason#1001", "");
    assert_eq!(w.take_for("crm-7"), ["1001#Error#MISSING_REASON_CODE"]);
}

/// Row "Abrupt Agent Disconnection" → Agent State; the connector forgets the agent.
#[test]
fn force_logout_logs_out_and_forgets_the_agent() {
    let mut w = World::new(EngineConfig {
        force_logout_reason: Some(ReasonCode::parse("999").unwrap()),
        ..EngineConfig::default()
    });
    w.login("1001", "crm-7", "3001");
    w.forget_effects();
    w.send("force_logout#1001", "");
    let op = w.next_op();
    assert_eq!(
        op.op,
        Request::SetState {
            state: TargetState::Logout,
            reason: Some(reason("999"))
        }
    );
    w.accept(&op);
    w.user_update(
        user("1001").state("LOGOUT").reason("999"),
        Some(&op.request_id),
    );
    assert_eq!(w.take_for("crm-7"), ["1001#State#LOGOUT#999#Maria Meier"]);
    assert_eq!(w.engine.agent_count(), 0);
    assert_eq!(w.closed, [agent("1001")]);
    assert!(w.synced.contains(&PeerSync::AgentRemoved(agent("1001"))));
}

/// force_logout of an agent that is not signed in: State LOGOUT at once, then forgotten.
#[test]
fn force_logout_of_an_agent_not_logged_in_answers_at_once() {
    let mut w = World::standard();
    w.connect("1001", "crm-7");
    w.send("force_logout#1001", "");
    assert_eq!(w.take_for("crm-7"), ["1001#State#LOGOUT##"]);
    assert_eq!(w.engine.agent_count(), 0);
    w.assert_quiet();
}

// === reason codes ===

/// Row "Get Agent Wrap-up Reason Codes" → Reason Codes (category WrapUp).
#[test]
fn wrap_up_reason_codes_are_listed() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("wrapupreasoncode#1001", "");
    let op = w.next_op();
    assert_eq!(op.op, Request::GetWrapUpReasons);
    w.answer(
        &op,
        FinesseReply::WrapUpReasons(vec![
            support::wrap_up_reason("1", "Complaint"),
            support::wrap_up_reason("7", "Bill Inquiry"),
        ]),
    );
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#ReasonCodes#Category:WrapUp#Codes:1,7#Labels:Complaint,Bill Inquiry#Maria Meier"]
    );
}

fn codes() -> Vec<ReasonCodeInfo> {
    vec![
        support::reason_code("11", "1", "Lunch"),
        support::reason_code("12", "2", "Break"),
    ]
}

/// Row "Get Agent Logout Reason Codes" → Reason Codes (category LOGOUT), by reason code id.
#[test]
fn logout_reason_codes_are_listed() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("reasoncodelogout#1001", "");
    let op = w.next_op();
    assert_eq!(op.op, Request::GetReasonCodes(ReasonCategory::Logout));
    w.answer(&op, FinesseReply::ReasonCodes(codes()));
    assert_eq!(
        w.take_for("crm-7"),
        ["1001#ReasonCodes#Category:LOGOUT#Codes:11,12#Labels:Lunch,Break#Maria Meier"]
    );
}

/// Row "Get Agent Not Ready Reason Codes" → Reason Codes (category NOT_READY); JSON too.
#[test]
fn not_ready_reason_codes_are_listed() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send_full(
        "reasoncodenotready#1001",
        "",
        Some("rq"),
        Some("c-3"),
        Some(Format::Json),
    );
    let op = w.next_op();
    assert_eq!(op.op, Request::GetReasonCodes(ReasonCategory::NotReady));
    w.answer(&op, FinesseReply::ReasonCodes(codes()));
    assert_eq!(
        w.take_replies("rq"),
        [(
            r#"{"type":"ReasonCodes","category":"NOT_READY","reasonCodes":[{"11":"Lunch"},{"12":"Break"}],"agentId":"1001"}"#.to_owned(),
            Some("c-3".to_owned())
        )]
    );
    w.published.clear();
    w.send("reasoncodenotready#1001", "");
    let op = w.next_op();
    w.fail(&op, ErrorCode::Down);
    assert_eq!(w.take_for("crm-7"), ["1001#Error#DOWN"]);
}

// === other agent rows ===

/// Row "Get Logged in Agents" → Get All Agents.
#[test]
fn get_all_agents_lists_the_logged_in_agents() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.login("1002", "crm-8", "3002");
    w.connect("1003", "crm-9");
    w.send("getallagents#1001", "");
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#Agents#FirstName:Maria,LastName:Meier,Extension:3001#FirstName:Ali,LastName:Khan,Extension:3002"
        ]
    );
    w.assert_quiet();
    w.send_full(
        "getallagents#1001",
        "",
        Some("rq"),
        None,
        Some(Format::Json),
    );
    assert_eq!(
        w.take_replies("rq")[0].0,
        r#"[{"type":"Agents","users":[{"firstName":"Maria","lastName":"Meier","extension":"3001"},{"firstName":"Ali","lastName":"Khan","extension":"3002"}]}]"#
    );
}

/// Row "Refresh": everything the client shows is published again (State, AgentInfo, calls).
#[test]
fn refresh_republishes_state_info_and_calls() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.talk("1001", "16871253");
    let token = w.send("refresh#1001", "");
    let ops = w.take_ops();
    assert_eq!(
        ops.iter().map(|o| o.op.clone()).collect::<Vec<_>>(),
        [Request::GetUser, Request::GetDialogs]
    );
    w.answer(
        &ops[0],
        support::user_reply(user("1001").extension("3001").state("TALKING")),
    );
    assert!(!w.acked.contains(&token), "acked when both reads are done");
    w.answer(
        &ops[1],
        FinesseReply::Dialogs(vec![talking("16871253", "3001")]),
    );
    assert!(w.acked.contains(&token));
    assert_eq!(
        w.take_for("crm-7"),
        [
            "1001#State#TALKING##Maria Meier".to_owned(),
            "1001#AgentInfo#Maria#Meier#false#OPTIONAL#Maria Meier".to_owned(),
            format!(
                "1001#InboundCall#ACTIVE#DialogID:16871253#4012#{NO_VARS}#2026-11-25 12:30:05#Maria Meier"
            ),
        ]
    );
}

/// Refresh finds a call gone that the client still shows: it is released.
#[test]
fn refresh_releases_calls_that_are_gone() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.talk("1001", "16871253");
    w.send("refresh#1001", "");
    let ops = w.take_ops();
    w.answer(&ops[1], FinesseReply::Dialogs(Vec::new()));
    assert_eq!(
        w.take_for("crm-7"),
        [format!(
            "1001#InboundCall#DROP#DialogID:16871253#4012#{NO_VARS}#2026-11-25 12:30:05#Maria Meier"
        )]
    );
}

/// Rows "Pause / Resume Zoom Call Recording" without a recording controller.
#[test]
fn zoom_recording_without_controller_is_not_configured() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    for command in ["ZOOMPauseRecording#1001", "ZOOMResumeRecording#1001"] {
        w.send_full(command, "", Some("rq"), Some("z"), None);
        assert_eq!(
            w.take_replies("rq"),
            [(
                "1001#Error#RECORDING_NOT_CONFIGURED".to_owned(),
                Some("z".to_owned())
            )]
        );
    }
    assert!(w.recordings.is_empty());
}

/// Rows "Pause / Resume Zoom Call Recording" with a controller: Effect::Recording for the
/// agent's active call; success is silent, failure PLEASE_RETRY.
#[test]
fn zoom_recording_asks_the_controller() {
    let mut w = World::new(EngineConfig {
        recording_configured: true,
        ..EngineConfig::default()
    });
    w.login("1001", "crm-7", "3001");
    w.talk("1001", "16871253");
    let pause = w.send("ZOOMPauseRecording#1001", "");
    let Some(Effect::Recording {
        agent: who,
        request_id,
        extension,
        dialog,
        action,
    }) = w.recordings.pop()
    else {
        panic!("no recording effect");
    };
    assert_eq!(who, agent("1001"));
    assert_eq!(extension, Some(ext("3001")));
    assert_eq!(dialog, Some(DialogId::parse("16871253").unwrap()));
    assert_eq!(action, RecordingAction::Pause);
    assert!(!w.acked.contains(&pause));
    w.input(gc_core::Input::RecordingResult {
        agent: agent("1001"),
        request_id,
        result: Ok(()),
    });
    assert!(w.acked.contains(&pause));
    w.assert_quiet();

    w.send("ZOOMResumeRecording#1001", "");
    let Some(Effect::Recording {
        request_id, action, ..
    }) = w.recordings.pop()
    else {
        panic!("no recording effect");
    };
    assert_eq!(action, RecordingAction::Resume);
    w.input(gc_core::Input::RecordingResult {
        agent: agent("1001"),
        request_id,
        result: Err("controller down".into()),
    });
    assert_eq!(w.take_for("crm-7"), ["1001#Error#PLEASE_RETRY"]);
}

// === generic error paths ===

/// An unknown command name is answered UNKNOWN_COMMAND on the agent's destination.
#[test]
fn an_unknown_command_is_answered() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    let token = w.send("MakeCoffee#1001", "");
    assert_eq!(w.take_for("crm-7"), ["1001#Error#UNKNOWN_COMMAND"]);
    assert!(w.acked.contains(&token));
}

/// A message that names no agent and has no reply_to is dead-lettered; with a reply_to it is
/// answered there.
#[test]
fn an_unattributable_message_is_dead_lettered_or_answered_on_reply_to() {
    let mut w = World::standard();
    let token = w.send("", "no command here");
    assert_eq!(w.dead_lettered.len(), 1);
    assert_eq!(w.dead_lettered[0].0, token);
    w.send_full("Hello#", "", Some("rq"), Some("c"), None);
    assert_eq!(
        w.take_replies("rq"),
        [("Error#INVALID_DESTINATION".to_owned(), Some("c".to_owned()))]
    );
}

/// Commands that need the notification session wait for it and run once it is open.
#[test]
fn commands_wait_for_the_session() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.send("Connect#1001", "crm-7,secret");
    w.send("MakeReady#1001", "");
    assert!(w.ops.is_empty());
    w.session("1001", SessionEvent::Opened);
    assert!(matches!(w.next_op().op, Request::SetState { .. }));
}

/// A session the adapter gives up on while commands wait: they are answered, not lost.
#[test]
fn commands_waiting_for_a_session_that_closes_are_answered() {
    let mut w = World::standard();
    w.send("Hello#crm-7", "");
    w.send("Connect#1001", "crm-7,secret");
    w.clear();
    let token = w.send("MakeReady#1001", "");
    w.session("1001", SessionEvent::Closed);
    assert_eq!(w.take_for("crm-7"), ["1001#Error#FINESSE_UNAVAILABLE"]);
    assert!(w.acked.contains(&token));
}

/// A call command of an agent that is not logged in.
#[test]
fn call_commands_need_a_logged_in_agent() {
    let mut w = World::standard();
    w.connect("1001", "crm-7");
    w.send("MakeCall#1001", "4012");
    // O-007 b): no extension for the agent, so the client is asked to log in again.
    assert_eq!(w.take_for("crm-7"), ["1001#State#RE_LOGIN"]);
    w.assert_quiet();
}

/// Finesse tags every notification a write causes with its request id, in no fixed order: a
/// READY that ends wrap-up first deletes the dialog, then changes the user. The dialog
/// notification must not take the request: the State that answers MakeReady keeps the
/// command's correlation id (found by gc-load).
#[test]
fn a_state_answer_keeps_its_correlation_when_a_dialog_notification_comes_first() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.talk("1001", "16871253");
    w.user_update(user("1001").extension("3001").state("WORK"), None);
    w.clear();
    w.send_full("MakeReady#1001", "", None, Some("c-ready"), None);
    let op = w.next_op();
    w.accept(&op);
    w.notify(
        "1001",
        support::removed(support::dropped("16871253", "3001"), Some(&op.request_id)),
    );
    w.user_update(
        user("1001").extension("3001").state("READY"),
        Some(&op.request_id),
    );
    let state = w
        .published
        .iter()
        .find(|p| matches!(&p.event, gc_protocol::Event::State { state, .. } if state == "READY"))
        .expect("State READY published");
    assert_eq!(state.correlation_id.as_deref(), Some("c-ready"));
}
