//! Every malformed command gets a typed error that maps to the seed's GC error code.

#![allow(clippy::unwrap_used)]

use gc_protocol::{Command, ErrorCode, ProtocolError};

fn code(jms_type: Option<&str>, body: &str) -> ErrorCode {
    Command::parse(jms_type, body.as_bytes())
        .unwrap_err()
        .code()
}

#[test]
fn login_without_extension_is_missing_extension() {
    assert_eq!(
        code(Some("Login#1001"), "secret"),
        ErrorCode::MissingExtension
    );
    assert_eq!(
        code(Some("Login#1001"), "secret,"),
        ErrorCode::MissingExtension
    );
}

#[test]
fn login_with_letters_in_the_extension_is_wrong_extension() {
    assert_eq!(
        code(Some("Login#1001"), "secret,30a1"),
        ErrorCode::WrongExtension
    );
    assert_eq!(
        code(Some("MobileAgentLogin#1001"), "secret,x,4917,true"),
        ErrorCode::WrongExtension
    );
}

#[test]
fn login_without_password_is_missing_password() {
    assert_eq!(code(Some("Login#1001"), ""), ErrorCode::MissingPassword);
    assert_eq!(
        code(Some("Login#1001"), ",3001"),
        ErrorCode::MissingPassword
    );
    assert_eq!(
        code(Some("Connect#1001"), "crm-7"),
        ErrorCode::MissingPassword
    );
}

#[test]
fn calls_without_a_number_are_missing_number() {
    assert_eq!(code(Some("MakeCall#1001"), ""), ErrorCode::MissingNumber);
    assert_eq!(
        code(Some("ConsultCall#1001"), ",16871253"),
        ErrorCode::MissingNumber
    );
    assert_eq!(
        code(Some("Transfer_sst#1001"), ""),
        ErrorCode::MissingNumber
    );
    assert_eq!(
        code(Some("MobileAgentLogin#1001"), "secret,3001"),
        ErrorCode::MissingNumber
    );
}

#[test]
fn reasons_are_required_where_the_seed_needs_them() {
    assert_eq!(
        code(Some("MakeNotReadyWithReason#1001"), ""),
        ErrorCode::MissingReasonCode
    );
    assert_eq!(
        code(Some("logoutwithreason#1001"), " "),
        ErrorCode::MissingReasonCode
    );
    assert_eq!(
        code(Some("wrapup#1001"), ",16871253"),
        ErrorCode::MissingReasonCode
    );
}

#[test]
fn complete_transfer_and_conference_need_the_agent_extension() {
    assert_eq!(
        code(Some("TransferCall#1001"), ""),
        ErrorCode::MissingExtension
    );
    assert_eq!(
        code(Some("Conferencecall#1001"), "abc,1"),
        ErrorCode::WrongExtension
    );
    assert_eq!(
        code(Some("dropparticipant#1001"), ",1"),
        ErrorCode::MissingExtension
    );
    assert_eq!(
        code(Some("silentmonitor#1001"), ""),
        ErrorCode::MissingExtension
    );
}

#[test]
fn other_invalid_parameters_are_please_retry() {
    for (jms_type, body) in [
        ("AnswerCall#1001", ""),
        ("HoldCall#1001", "12/34"),
        ("ConsultCall#1001", "3002"),
        ("MakeCall#1001", "call-me"),
        ("MobileAgentLogin#1001", "secret,3001,4917"),
        ("MobileAgentLogin#1001", "secret,3001,4917,maybe"),
        ("getteamusers#1001", ""),
        ("getteamusers#1001", "7,yes"),
        ("AcceptOutboundPreview#1001", "1,REJECT"),
        ("GetPhonebookContacts#1001", ""),
        ("bargein#1001", "1002"),
        ("getteamuserstate#1001", ""),
        ("update_call_variable#1001", "1"),
        ("Connect#1001", "crm-7,secret,maybe"),
    ] {
        assert_eq!(
            code(Some(jms_type), body),
            ErrorCode::PleaseRetry,
            "{jms_type} {body}"
        );
    }
}

#[test]
fn unknown_commands_are_reported_as_such() {
    let err = Command::parse(Some("Teleport#1001"), b"").unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnknownCommand);
    assert_eq!(err.to_string(), "unknown command `Teleport`");
}

#[test]
fn bad_client_destinations_are_invalid_destination() {
    assert_eq!(code(Some("Hello#"), ""), ErrorCode::InvalidDestination);
    assert_eq!(
        code(Some("Hello#amq.gen-1"), ""),
        ErrorCode::InvalidDestination
    );
    assert_eq!(code(Some("Beat#a b"), ""), ErrorCode::InvalidDestination);
    assert_eq!(
        code(Some("Connect#1001"), "a/b,secret"),
        ErrorCode::InvalidDestination
    );
}

#[test]
fn commands_without_an_agent_cannot_be_attributed() {
    let err = Command::parse(Some("Login"), b"secret,3001").unwrap_err();
    assert_eq!(
        err,
        ProtocolError::MissingTarget {
            command: gc_protocol::CommandName::Login
        }
    );
    assert_eq!(err.agent(), None);
    assert_eq!(err.code(), ErrorCode::PleaseRetry);
}

#[test]
fn errors_never_echo_the_password() {
    let err = Command::parse(Some("Login#1001"), b"hunter2,30a1").unwrap_err();
    assert!(!err.to_string().contains("hunter2"));
    assert!(!format!("{err:?}").contains("hunter2"));
}
