//! Every real Finesse capture in `tests/fixtures` (copied from shared/finesse-captures, see
//! its NOTICE.md) and in the shared collection itself parses, and the parsed values are the
//! ones in the file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use finesse_model::{
    Action, ApiErrors, CallType, Dialog, DialogState, NotificationEvent, ParticipantState, Payload,
    RequestId, Role, Update, User, UserState, WrapUpMode, parse_message,
};
use gc_protocol::{ErrorCode, ObjectId};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Reads a fixture: a bare `Update`, or a whole stanza with exactly one item (whose node is
/// checked against the update's source for user feeds).
fn update(rel: &str) -> Update {
    let bytes = std::fs::read(fixtures().join(rel)).unwrap();
    if rel.ends_with(".stanza.xml") {
        let mut items = parse_message(&bytes).unwrap();
        assert_eq!(items.len(), 1, "{rel}");
        let item = items.remove(0);
        assert!(item.node.starts_with("/finesse/api/User/"), "{rel}");
        assert!(item.item_id.is_some(), "{rel}");
        item.update.unwrap()
    } else {
        Update::parse(&bytes).unwrap()
    }
}

fn user(u: &Update) -> &User {
    match &u.payload {
        Payload::User(user) => user,
        other => panic!("expected a user, got {other:?}"),
    }
}

fn dialogs(u: &Update) -> &[Dialog] {
    match &u.payload {
        Payload::Dialogs(d) => d,
        other => panic!("expected dialogs, got {other:?}"),
    }
}

fn dialog(u: &Update) -> &Dialog {
    match &u.payload {
        Payload::Dialog(d) => d,
        other => panic!("expected a dialog, got {other:?}"),
    }
}

fn api_errors(u: &Update) -> &ApiErrors {
    match &u.payload {
        Payload::ApiErrors(e) => e,
        other => panic!("expected apiErrors, got {other:?}"),
    }
}

/// Parses every `.xml` under `root`'s `notifications` and `errors`; returns how many.
fn parse_all(root: &Path) -> usize {
    let mut count = 0;
    for dir in ["notifications", "errors"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
            {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let u = if name.ends_with(".stanza.xml") {
                let items = parse_message(&bytes).unwrap();
                assert_eq!(items.len(), 1, "{name}");
                items.into_iter().next().unwrap().update.unwrap()
            } else {
                Update::parse(&bytes).unwrap()
            };
            assert!(u.event.is_some(), "{name}");
            assert!(u.source.is_some(), "{name}");
            count += 1;
        }
    }
    count
}

#[test]
fn every_capture_file_parses() {
    assert_eq!(parse_all(&fixtures()), 27);
}

#[test]
fn every_capture_of_the_shared_collection_parses() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/finesse-captures");
    assert!(shared.is_dir(), "{} is missing", shared.display());
    assert_eq!(parse_all(&shared), 27);
}

#[test]
fn escaped_stanzas_decode_to_the_same_update_as_their_unescaped_copies() {
    for base in [
        "errors/zoomint-apierror-invalid-device",
        "errors/zoomint-apierror-invalid-state",
        "notifications/zoomint-user-login-not-ready",
        "notifications/zoomint-user-logout",
    ] {
        assert_eq!(
            update(&format!("{base}.stanza.xml")),
            update(&format!("{base}.xml")),
            "{base}"
        );
    }
}

#[test]
fn zoomint_login_not_ready() {
    let u = update("notifications/zoomint-user-login-not-ready.stanza.xml");
    assert_eq!(u.event, Some(NotificationEvent::Put));
    assert_eq!(u.request_id, None);
    assert_eq!(u.source.as_deref(), Some("/finesse/api/User/6021"));
    let user = user(&u);
    assert_eq!(user.login_id.as_str(), "6021");
    assert_eq!(user.login_name.as_deref(), Some("lpu_test_21"));
    assert_eq!(user.first_name.as_deref(), Some("LPU"));
    assert_eq!(user.last_name.as_deref(), Some("Test 21"));
    assert_eq!(user.extension.as_deref(), Some("2830"));
    assert_eq!(user.state, Some(UserState::NotReady));
    assert_eq!(user.pending_state, None);
    assert_eq!(user.reason_code_id, None, "-1 means no reason");
    assert_eq!(user.roles, [Role::Agent, Role::Supervisor]);
    assert!(user.is_supervisor());
    assert_eq!(user.wrap_up_on_incoming, Some(WrapUpMode::Optional));
    assert_eq!(user.wrap_up_on_outgoing, Some(WrapUpMode::Optional));
    assert_eq!(user.wrap_up_timer, Some(7200));
    assert_eq!(
        user.state_change_time.as_deref(),
        Some("2023-01-13T11:07:11.466Z")
    );
    assert_eq!(
        (
            user.team_id.as_ref().map(ObjectId::as_str),
            user.team_name.as_deref()
        ),
        (Some("5005"), Some("LPU_test"))
    );
    assert_eq!(user.teams.len(), 1);
    assert_eq!(user.teams[0].id, ObjectId::parse("5005").ok());
    assert_eq!(user.teams[0].uri.as_deref(), Some("/finesse/api/Team/5005"));
    assert_eq!(
        user.dialogs_uri.as_deref(),
        Some("/finesse/api/User/6021/Dialogs")
    );
}

#[test]
fn zoomint_logout_ready_not_ready() {
    let logout = update("notifications/zoomint-user-logout.stanza.xml");
    assert_eq!(user(&logout).state, Some(UserState::Logout));
    assert_eq!(
        user(&logout).extension,
        None,
        "empty extension when logged out"
    );
    let ready = update("notifications/zoomint-user-ready.stanza.xml");
    assert_eq!(user(&ready).state, Some(UserState::Ready));
    assert_eq!(user(&ready).reason_code_id, None);
    assert_eq!(
        user(&ready).state_change_time.as_deref(),
        Some("2023-01-13T11:14:47.981Z")
    );
    let not_ready = update("notifications/zoomint-user-not-ready.stanza.xml");
    assert_eq!(user(&not_ready).state, Some(UserState::NotReady));
    assert_eq!(user(&not_ready).reason_code, None);
}

#[test]
fn kr_users() {
    let with_id = update("notifications/kr-user-ready-with-requestid.xml");
    assert_eq!(
        with_id.request_id,
        Some(RequestId::new("13777017-2162-4d6f-86da-4c1ec83eb788"))
    );
    let u = user(&with_id);
    assert_eq!(
        (u.login_id.as_str(), u.extension.as_deref()),
        ("901910007", Some("6007"))
    );
    assert_eq!(u.first_name.as_deref(), Some("길동"));
    assert_eq!(u.last_name.as_deref(), Some("홍"));
    assert_eq!(u.wrap_up_on_incoming, Some(WrapUpMode::Required));
    assert_eq!(u.wrap_up_on_outgoing, None);
    assert!(u.teams.is_empty());
    let ready = update("notifications/kr-user-ready.xml");
    assert_eq!(user(&ready).state, Some(UserState::Ready));
    assert_eq!(user(&ready).team_name.as_deref(), Some("CM_PIM2.T_0_EXP"));
    let reserved = update("notifications/kr-user-reserved.xml");
    assert_eq!(user(&reserved).state, Some(UserState::Reserved));
    assert_eq!(user(&reserved).login_id.as_str(), "901810001");
    let talking = update("notifications/kr-user-talking.xml");
    assert_eq!(user(&talking).state, Some(UserState::Talking));
    assert_eq!(
        user(&talking).pending_state,
        None,
        "newline inside pendingState is empty"
    );
    assert_eq!(
        talking.request_id, None,
        "newline inside requestId is empty"
    );
}

#[test]
fn kr_alerting_post_with_ecc_variables() {
    let u = update("notifications/kr-dialog-acd-in-alerting-post.xml");
    assert_eq!(u.event, Some(NotificationEvent::Post));
    assert_eq!(
        u.source.as_deref(),
        Some("/finesse/api/User/900140321/Dialogs")
    );
    let list = dialogs(&u);
    assert_eq!(list.len(), 1);
    let d = &list[0];
    assert_eq!(d.id.as_str(), "140953817");
    assert_eq!(d.uri.as_deref(), Some("/finesse/api/Dialog/140953817"));
    assert_eq!(d.state, Some(DialogState::Alerting));
    assert_eq!(d.from_address.as_deref(), Some("01000000000"));
    assert_eq!(d.to_address.as_deref(), Some("813636"));
    assert_eq!(d.associated_dialog, None);
    assert_eq!(d.media_type.as_deref(), Some("Voice"));
    let m = &d.media_properties;
    assert_eq!(m.call_type, Some(CallType::PrerouteAcdIn));
    assert_eq!(m.dnis.as_deref(), Some("7053"));
    assert_eq!(m.dialed_number.as_deref(), Some("813636"));
    assert_eq!(m.call_variables.len(), 61);
    assert_eq!(
        m.variable("callVariable1"),
        Some("813636114______________________")
    );
    assert_eq!(m.variable("callVariable7"), Some("18"));
    assert_eq!(m.variable("user.pag"), Some(""));
    assert_eq!(
        m.variable("user.microapp.media_server"),
        Some("http://10.110.33.61:7000/CVP")
    );
    assert!(
        m.variable("user.microapp.ToExtVXML[0]")
            .unwrap()
            .starts_with("application=1000;CV1=")
    );
    assert_eq!(d.participants.len(), 2);
    let agent = d.participant("7053").unwrap();
    assert_eq!(agent.state, Some(ParticipantState::Alerting));
    assert_eq!(agent.media_address_type.as_deref(), Some("AGENT_DEVICE"));
    assert_eq!(agent.actions, [Action::Answer]);
    let caller = d.participant("01000000000").unwrap();
    assert_eq!(caller.state, Some(ParticipantState::Initiated));
    assert_eq!(caller.media_address_type, None);
    assert_eq!(caller.actions, [Action::UpdateCallData, Action::Drop]);
    assert_eq!(
        caller.start_time.as_deref(),
        Some("2020-05-08T01:22:42.009Z")
    );
}

#[test]
fn kr_active_put() {
    let u = update("notifications/kr-dialog-acd-in-active-put.xml");
    assert_eq!(u.event, Some(NotificationEvent::Put));
    assert_eq!(u.source.as_deref(), Some("/finesse/api/Dialog/140953817"));
    let d = dialog(&u);
    assert_eq!(d.state, Some(DialogState::Active));
    let agent = d.participant("7053").unwrap();
    assert_eq!(agent.state, Some(ParticipantState::Active));
    assert_eq!(
        agent.actions,
        [
            Action::TransferSst,
            Action::ConsultCall,
            Action::Hold,
            Action::UpdateCallData,
            Action::SendDtmf,
            Action::Drop
        ]
    );
    assert_eq!(d.media_properties.call_variables.len(), 61);
}

#[test]
fn kr_held_put() {
    let d = update("notifications/kr-dialog-held-put.xml");
    let d = dialog(&d);
    assert_eq!(d.id.as_str(), "147370467");
    assert_eq!(
        d.media_properties.wrap_up_reason.as_deref(),
        Some("VOICE_ANNOUNCE")
    );
    let agent = d.participant("7073").unwrap();
    assert_eq!(agent.state, Some(ParticipantState::Held));
    assert!(agent.can(&Action::Retrieve));
    assert!(!agent.can(&Action::Hold));
    assert_eq!(
        d.participant("01000000000").unwrap().state,
        Some(ParticipantState::Active)
    );
}

#[test]
fn kr_agent_inside_initiating_and_dropped() {
    let post = update("notifications/kr-dialog-agent-inside-initiating-post.xml");
    let d = &dialogs(&post)[0];
    assert_eq!(d.id.as_str(), "154963626");
    assert_eq!(d.state, Some(DialogState::Initiating));
    assert_eq!(d.media_properties.call_type, Some(CallType::AgentInside));
    assert_eq!(d.media_properties.dnis, None);
    assert_eq!(d.media_properties.outbound_classification, None);
    assert_eq!(d.to_address, None);
    assert_eq!(d.media_properties.call_variables.len(), 10);
    assert_eq!(d.media_properties.variable("callVariable10"), Some(""));
    assert_eq!(d.participants[0].state, Some(ParticipantState::Initiating));
    let delete = update("notifications/kr-dialog-agent-inside-dropped-delete.xml");
    assert_eq!(delete.event, Some(NotificationEvent::Delete));
    let d = &dialogs(&delete)[0];
    assert_eq!(d.state, Some(DialogState::Initiating));
    assert_eq!(d.participants[0].state, Some(ParticipantState::Dropped));
    assert!(d.participants[0].actions.is_empty());
}

#[test]
fn kr_alerting_agent_dropped_delete_keeps_dialog_alerting() {
    let u = update("notifications/kr-dialog-alerting-agent-dropped-delete.xml");
    assert_eq!(u.event, Some(NotificationEvent::Delete));
    let d = &dialogs(&u)[0];
    assert_eq!(d.id.as_str(), "154963621");
    assert_eq!(d.state, Some(DialogState::Alerting));
    assert_eq!(d.from_address.as_deref(), Some("01000000001"));
    assert_eq!(
        d.participant("7073").unwrap().state,
        Some(ParticipantState::Dropped)
    );
    assert_eq!(d.participant("7073").unwrap().state_cause, None);
}

#[test]
fn kr_transfer_flow() {
    let target = update("notifications/kr-dialog-transfer-target-alerting-post.xml");
    let d = &dialogs(&target)[0];
    assert_eq!(d.id.as_str(), "2131326159");
    assert_eq!(d.state, Some(DialogState::Alerting));
    assert_eq!(
        d.media_properties.wrap_up_reason.as_deref(),
        Some("VOICE_ANNOUNCE")
    );
    assert_eq!(d.participant("7073").unwrap().actions, [Action::Answer]);

    let transferred = update("notifications/kr-dialog-transferred-call-alerting-post.xml");
    let d = &dialogs(&transferred)[0];
    assert_eq!(d.id.as_str(), "140953817");
    assert_eq!(d.media_properties.call_type, Some(CallType::Transfer));
    assert_eq!(d.participants.len(), 3);
    let first_agent = d.participant("7053").unwrap();
    assert_eq!(first_agent.state, Some(ParticipantState::Dropped));
    assert_eq!(first_agent.state_cause.as_deref(), Some("OTHER"));
    assert_eq!(
        d.participant("7073").unwrap().state,
        Some(ParticipantState::Alerting)
    );

    let leg = update("notifications/kr-dialog-transfer-leg-dropped-delete.xml");
    assert_eq!(leg.event, Some(NotificationEvent::Delete));
    let d = &dialogs(&leg)[0];
    assert_eq!(d.state, Some(DialogState::Dropped));
    assert!(
        d.participants
            .iter()
            .all(|p| p.state == Some(ParticipantState::Dropped))
    );
    assert!(
        d.participants
            .iter()
            .all(|p| p.state_cause.as_deref() == Some("OTHER"))
    );

    let active = update("notifications/kr-dialog-transfer-active-put.xml");
    let d = dialog(&active);
    assert_eq!(d.media_properties.call_type, Some(CallType::Transfer));
    assert_eq!(
        d.participant("7073").unwrap().state,
        Some(ParticipantState::Active)
    );
}

#[test]
fn kr_wrap_up() {
    let u = update("notifications/kr-dialog-wrapup-put.xml");
    let d = dialog(&u);
    assert_eq!(d.id.as_str(), "188136819");
    let agent = d.participant("6007").unwrap();
    assert_eq!(agent.state, Some(ParticipantState::WrapUp));
    assert_eq!(agent.actions, [Action::UpdateCallData]);
    assert_eq!(
        d.participant("01000000000").unwrap().state,
        Some(ParticipantState::Active)
    );
    let u = update("notifications/kr-dialog-wrapup-caller-dropped-put.xml");
    let d = dialog(&u);
    assert_eq!(
        d.participant("01000000000").unwrap().state,
        Some(ParticipantState::Dropped)
    );
    assert_eq!(d.participant("01000000000").unwrap().state_cause, None);
    assert_eq!(d.state, Some(DialogState::Active));
}

#[test]
fn async_api_errors() {
    let u = update("errors/zoomint-apierror-invalid-device.stanza.xml");
    assert_eq!(
        u.event,
        Some(NotificationEvent::Put),
        "lower-case put normalised"
    );
    assert_eq!(u.source.as_deref(), Some("/finesse/api/User/6021"));
    let e = &api_errors(&u).errors[0];
    assert_eq!(e.error_type.as_deref(), Some("Invalid Device"));
    assert_eq!(
        e.error_message.as_deref(),
        Some("CF_INVALID_LOGON_DEVICE_SPECIFIED")
    );
    assert_eq!(e.error_data.as_deref(), Some("260"));
    assert_eq!(e.peripheral_error_code.as_deref(), Some("10125"));
    assert_eq!(
        e.peripheral_error_msg.as_deref(),
        Some("PERERR_TELDRIVE_NODEVICETARGETFORNETTARGETID")
    );
    assert!(
        e.peripheral_error_text
            .as_deref()
            .unwrap()
            .starts_with("A device target")
    );
    assert_eq!(
        api_errors(&u).gc_code(),
        ErrorCode::CfInvalidLogonDeviceSpecified
    );

    let u = update("errors/zoomint-apierror-invalid-state.stanza.xml");
    let e = &api_errors(&u).errors[0];
    assert_eq!(
        (e.error_type.as_deref(), e.error_data.as_deref()),
        (Some("Invalid State"), Some("22"))
    );
    assert_eq!(e.peripheral_error_code, None);
    assert_eq!(api_errors(&u).gc_code(), ErrorCode::CfInvalidObjectState);

    let u = update("errors/kr-apierror-generic-invalid-action.xml");
    assert_eq!(u.request_id, Some(RequestId::new("145")));
    assert_eq!(u.source.as_deref(), Some("/finesse/api/Dialog/154963621"));
    let e = &api_errors(&u).errors[0];
    assert_eq!(e.error_type.as_deref(), Some("Generic Error"));
    assert_eq!(
        e.error_message.as_deref(),
        Some("INVALID_ACTION UPDATE_CALL_DATA on extension 7073")
    );
    assert_eq!(e.error_data.as_deref(), Some("7073"));
    assert_eq!(api_errors(&u).gc_code(), ErrorCode::GeneralError);
}
