//! The end-to-end suite's schema check (tests/support/schemas.rs) itself: it accepts the
//! connector's JSON events and fails a test on a wrong field. No broker needed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::schemas::{check_delivery, validate};

const STATE: &str = r#"{"type":"State","agentId":"1001","state":"READY","reasonCode":"","stateChangeTimeString":"","pendingState":"","stateChangeTime":"2026-11-25 10:15:02"}"#;

#[test]
fn a_correct_event_validates() {
    assert_eq!(validate(STATE).unwrap(), "State");
    assert_eq!(
        validate(r#"{"type":"System","status":"IN_SERVICE"}"#).unwrap(),
        "System"
    );
}

#[test]
fn wrong_fields_are_refused() {
    let renamed = STATE.replace("\"agentId\"", "\"agentID\"");
    let error = validate(&renamed).unwrap_err();
    assert!(error.contains("State does not match"), "{error}");
    let mistyped = STATE.replace("\"agentId\":\"1001\"", "\"agentId\":1001");
    assert!(validate(&mistyped).is_err());
    let extra = STATE.replace("{\"type\"", "{\"fullName\":\"Maria Meier\",\"type\"");
    assert!(validate(&extra).is_err());
    assert!(validate(r#"{"type":"System","status":"SLEEPING"}"#).is_err());
    assert!(
        validate(r#"{"type":"NoSuchEvent"}"#)
            .unwrap_err()
            .contains("no schema")
    );
}

#[test]
#[should_panic(expected = "breaks the contract")]
fn a_test_receiving_a_wrong_event_fails() {
    let wrong = STATE.replace("\"pendingState\":\"\",", "");
    check_delivery("crm-1001", Some("application/json"), false, &wrong);
}

#[test]
fn legacy_text_and_dead_letters_are_not_json_events() {
    assert_eq!(
        check_delivery("crm-1001", Some("text/plain"), false, "1001#State#READY##"),
        None
    );
    assert_eq!(
        check_delivery("dlq", Some("application/json"), true, "{\"any\":1}"),
        None
    );
}
