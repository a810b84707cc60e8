use std::time::Duration;

use bytes::Bytes;
use lapin::types::ByteArray;

use super::*;

fn delivery(properties: BasicProperties, body: &[u8]) -> Delivery {
    let mut d = Delivery::mock(
        7,
        "gc.commands".into(),
        "any.key".into(),
        true,
        body.to_vec(),
    );
    d.properties = properties;
    d
}

fn headers(pairs: &[(&str, AMQPValue)]) -> FieldTable {
    let mut table = FieldTable::default();
    for (k, v) in pairs {
        table.insert((*k).into(), v.clone());
    }
    table
}

fn header<'a>(p: &'a BasicProperties, name: &str) -> Option<&'a AMQPValue> {
    p.headers().as_ref().and_then(|h| h.inner().get(name))
}

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(value.into())
}

#[test]
fn the_jms_type_header_wins_over_the_type_property() {
    let props = BasicProperties::default()
        .with_type("Logout#1".into())
        .with_headers(headers(&[("JMSType", text("Login#1001"))]));
    let cmd = command_from_delivery(delivery(props, b"secret,3001"), 3);
    assert_eq!(cmd.jms_type.as_deref(), Some("Login#1001"));
    assert_eq!(cmd.body, &b"secret,3001"[..]);
    assert!(cmd.redelivered);
    assert_eq!(cmd.token.epoch, 3);
    assert_eq!(cmd.token.delivery_tag, 7);
}

#[test]
fn the_type_property_is_used_without_a_header_or_with_an_unusable_one() {
    for hdrs in [
        None,
        Some(headers(&[("JMSType", AMQPValue::LongLongInt(5))])),
        Some(headers(&[("JMSType", text(""))])),
    ] {
        let mut props = BasicProperties::default().with_type("Ready#1001".into());
        if let Some(h) = hdrs {
            props = props.with_headers(h);
        }
        let cmd = command_from_delivery(delivery(props, b""), 1);
        assert_eq!(cmd.jms_type.as_deref(), Some("Ready#1001"));
    }
}

#[test]
fn header_values_may_be_short_strings_or_bytes() {
    let props = BasicProperties::default().with_headers(headers(&[
        (
            "JMSType",
            AMQPValue::ByteArray(ByteArray::from(b"Hello#crm".to_vec())),
        ),
        ("gc-format", AMQPValue::ShortString("json".into())),
    ]));
    let cmd = command_from_delivery(delivery(props, b""), 1);
    assert_eq!(cmd.jms_type.as_deref(), Some("Hello#crm"));
    assert_eq!(cmd.format.as_deref(), Some("json"));
}

#[test]
fn ids_come_from_properties_else_from_jms_headers() {
    let jms = BasicProperties::default().with_headers(headers(&[
        ("JMSMessageID", text("ID:abc")),
        ("JMSCorrelationID", text("corr-h")),
    ]));
    let cmd = command_from_delivery(delivery(jms.clone(), b""), 1);
    assert_eq!(cmd.message_id.as_deref(), Some("ID:abc"));
    assert_eq!(cmd.correlation_id.as_deref(), Some("corr-h"));

    let both = jms
        .with_message_id("m-1".into())
        .with_correlation_id("c-1".into())
        .with_reply_to("replies".into());
    let cmd = command_from_delivery(delivery(both, b""), 1);
    assert_eq!(cmd.message_id.as_deref(), Some("m-1"));
    assert_eq!(cmd.correlation_id.as_deref(), Some("c-1"));
    assert_eq!(cmd.reply_to.as_deref(), Some("replies"));
}

#[test]
fn absent_and_empty_fields_are_none() {
    let props = BasicProperties::default()
        .with_reply_to("".into())
        .with_message_id("".into());
    let cmd = command_from_delivery(delivery(props, b""), 1);
    assert_eq!(cmd.jms_type, None);
    assert_eq!(cmd.reply_to, None);
    assert_eq!(cmd.message_id, None);
    assert_eq!(cmd.correlation_id, None);
    assert_eq!(cmd.format, None);
}

#[test]
fn oversized_and_non_utf8_header_values_are_cut_and_replaced() {
    let huge = "x".repeat(MAX_HEADER_TEXT + 1000);
    let props = BasicProperties::default().with_headers(headers(&[
        ("JMSType", text(&huge)),
        (
            "gc-format",
            AMQPValue::ByteArray(ByteArray::from(vec![b'j', 0xff, b's'])),
        ),
    ]));
    let cmd = command_from_delivery(delivery(props, b""), 1);
    assert_eq!(cmd.jms_type.map(|t| t.len()), Some(MAX_HEADER_TEXT));
    assert_eq!(cmd.format.as_deref(), Some("j\u{fffd}s"));
}

#[test]
fn debug_output_never_shows_the_body() {
    let cmd = command_from_delivery(delivery(BasicProperties::default(), b"crm,hunter2"), 1);
    let shown = format!("{cmd:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("body_len: 11"), "{shown}");
    // Nor parameters written into the JMS type.
    let props = BasicProperties::default().with_type("Login#1001#hunter2,3001".into());
    let cmd = command_from_delivery(delivery(props, b""), 1);
    let shown = format!("{cmd:?}");
    assert!(
        shown.contains("Login") && !shown.contains("hunter2"),
        "{shown}"
    );
}

fn event(correlation_id: Option<&str>, jms_type: Option<&str>) -> OutgoingMessage {
    OutgoingMessage {
        target: Target::Client("crm-7".to_owned()),
        body: Bytes::from_static(b"1001#State#READY"),
        content_type: "text/plain",
        category: "agent_state",
        correlation_id: correlation_id.map(str::to_owned),
        jms_type: jms_type.map(str::to_owned),
    }
}

#[test]
fn event_properties_follow_the_published_table() {
    let now = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
    let p = event_properties(&event(Some("corr-9"), None), "gc-a", now).unwrap();
    assert_eq!(
        p.content_type().as_ref().map(ShortString::as_str),
        Some("text/plain")
    );
    let id = p.message_id().clone().unwrap();
    assert!(id.as_str().starts_with("ID:"));
    assert_eq!(*p.timestamp(), Some(1_700_000_000));
    assert_eq!(
        p.correlation_id().as_ref().map(ShortString::as_str),
        Some("corr-9")
    );
    assert_eq!(p.app_id().as_ref().map(ShortString::as_str), Some("gc-a"));
    assert_eq!(*p.delivery_mode(), Some(2));
    assert_eq!(header(&p, "category"), Some(&text("agent_state")));
    assert_eq!(header(&p, "JMSType"), Some(&text("TextMessage")));
    assert_eq!(header(&p, "JMSMessageID"), Some(&text(id.as_str())));
    assert_eq!(
        header(&p, "JMSTimestamp"),
        Some(&AMQPValue::LongLongInt(1_700_000_000_123))
    );

    let other = event_properties(&event(None, Some("Login#1001")), "gc-a", now).unwrap();
    assert_eq!(*other.correlation_id(), None);
    assert_eq!(header(&other, "JMSType"), Some(&text("Login#1001")));
    assert_ne!(other.message_id(), p.message_id());
}

#[test]
fn an_overlong_correlation_id_is_an_error_not_a_panic() {
    let long_id = "c".repeat(300);
    let err = event_properties(&event(Some(&long_id), None), "gc-a", SystemTime::now());
    assert!(matches!(
        err,
        Err(BrokerError::TooLong {
            field: "correlation_id",
            len: 300
        })
    ));
}

#[test]
fn sync_messages_are_transient_with_a_ttl() {
    let p = sync_properties("gc-b", Some(60_000), SystemTime::now()).unwrap();
    assert_eq!(*p.delivery_mode(), Some(1));
    assert_eq!(
        p.expiration().as_ref().map(ShortString::as_str),
        Some("60000")
    );
    assert_eq!(p.app_id().as_ref().map(ShortString::as_str), Some("gc-b"));
    let no_ttl = sync_properties("gc-b", None, SystemTime::now()).unwrap();
    assert_eq!(*no_ttl.expiration(), None);
}

#[test]
fn a_dead_letter_copy_keeps_everything_and_says_why() {
    let props = BasicProperties::default()
        .with_headers(headers(&[
            ("JMSType", text("Bogus")),
            ("x-custom", AMQPValue::LongInt(3)),
        ]))
        .with_type("t".into())
        .with_reply_to("replies".into())
        .with_correlation_id("c".into())
        .with_message_id("m".into())
        .with_app_id("crm".into())
        .with_content_type("text/plain".into())
        .with_timestamp(42)
        .with_priority(4)
        .with_delivery_mode(1)
        .with_expiration("1000".into());
    let cmd = command_from_delivery(delivery(props, b"body"), 1);
    let reason = "é".repeat(MAX_REASON);
    let copy = dead_letter_properties(&cmd.token.original, &reason, None, false);
    assert_eq!(header(&copy, "JMSType"), Some(&text("Bogus")));
    assert_eq!(header(&copy, "x-custom"), Some(&AMQPValue::LongInt(3)));
    assert_eq!(
        header(&copy, "x-gc-original-exchange"),
        Some(&text("gc.commands"))
    );
    assert_eq!(
        header(&copy, "x-gc-original-routing-key"),
        Some(&text("any.key"))
    );
    match header(&copy, "x-gc-reason") {
        Some(AMQPValue::LongString(s)) => {
            assert!(s.len() <= MAX_REASON && s.len() >= MAX_REASON - 1);
            assert!(std::str::from_utf8(s.as_bytes()).is_ok());
        }
        other => panic!("x-gc-reason: {other:?}"),
    }
    assert_eq!(copy.kind().as_ref().map(ShortString::as_str), Some("t"));
    assert_eq!(
        copy.reply_to().as_ref().map(ShortString::as_str),
        Some("replies")
    );
    assert_eq!(
        copy.correlation_id().as_ref().map(ShortString::as_str),
        Some("c")
    );
    assert_eq!(
        copy.message_id().as_ref().map(ShortString::as_str),
        Some("m")
    );
    assert_eq!(copy.app_id().as_ref().map(ShortString::as_str), Some("crm"));
    assert_eq!(*copy.timestamp(), Some(42));
    assert_eq!(*copy.priority(), Some(4));
    assert_eq!(*copy.delivery_mode(), Some(2));
    assert_eq!(*copy.expiration(), None);
    assert_eq!(cmd.token.original.body, &b"body"[..]);
    // With a dead-letter TTL the copy expires, in milliseconds as AMQP wants.
    let copy = dead_letter_properties(
        &cmd.token.original,
        "x",
        Some(Duration::from_hours(168)),
        false,
    );
    assert_eq!(
        copy.expiration().as_ref().map(ShortString::as_str),
        Some("604800000")
    );
}

#[test]
fn ids_longer_than_amqp_allows_are_hashed_at_ingestion() {
    let long = format!("ID:{}", "x".repeat(297));
    let props = BasicProperties::default().with_headers(headers(&[
        ("JMSMessageID", text(&long)),
        ("JMSCorrelationID", text(&format!("{long}-other"))),
    ]));
    let cmd = command_from_delivery(delivery(props, b"Hello#x"), 1);
    let id = cmd.message_id.unwrap();
    let corr = cmd.correlation_id.unwrap();
    assert!(id.starts_with(HASHED_ID_PREFIX), "{id}");
    assert_eq!(id.len(), HASHED_ID_PREFIX.len() + 64);
    // Two long ids sharing a prefix stay apart; the same id always hashes the same.
    assert_ne!(id, corr);
    assert_eq!(bounded_id(long.clone()), id);
    // Up to the limit an id is kept as it is, so it can be echoed as `correlation_id`.
    let fits = "c".repeat(MAX_ID);
    assert_eq!(bounded_id(fits.clone()), fits);
    assert!(short("correlation_id", &id).is_ok());
}

#[test]
fn short_refuses_more_than_255_bytes() {
    assert!(short("routing_key", &"k".repeat(255)).is_ok());
    assert!(short("routing_key", &"k".repeat(256)).is_err());
}

#[test]
fn oversized_original_headers_are_not_copied_whole_into_a_dead_letter() {
    // Nested (not as deep as a client can: cloning and dropping it here is recursive, and the
    // test's thread has the default stack; tests/e2e_nested_headers.rs goes to the limit),
    // plus a big string.
    let mut value = AMQPValue::LongString("leaf".into());
    for _ in 0..200 {
        value = AMQPValue::FieldArray(vec![value].into());
    }
    let mut hdrs = headers(&[("JMSType", text("Bogus#1")), ("x-deep", value)]);
    hdrs.insert("x-big".into(), text(&"b".repeat(70_000)));
    let props = BasicProperties::default().with_headers(hdrs);
    let cmd = command_from_delivery(delivery(props, b"body"), 1);
    let copy = dead_letter_properties(&cmd.token.original, "too big", None, false);
    assert_eq!(header(&copy, "JMSType"), Some(&text("Bogus#1")));
    assert!(header(&copy, "x-deep").is_none() && header(&copy, "x-big").is_none());
    assert!(header(&copy, "x-gc-headers-dropped").is_some());
    assert_eq!(header(&copy, "x-gc-reason"), Some(&text("too big")));
    // Small headers are copied as they are.
    let small = headers(&[("x-custom", AMQPValue::LongInt(3))]);
    assert_eq!(encoded_size(&small), 4 + 1 + 8 + 1 + 4);
}

#[test]
fn a_redacted_copy_keeps_the_command_and_agent_of_the_jms_type_only() {
    let props = BasicProperties::default()
        .with_type("Login#1001#secret,3001".into())
        .with_headers(headers(&[("JMSType", text("Login#1001#secret,3001"))]));
    let cmd = command_from_delivery(delivery(props, b""), 1);
    let copy = dead_letter_properties(&cmd.token.original, "x", None, true);
    assert_eq!(header(&copy, "JMSType"), Some(&text("Login#1001")));
    assert_eq!(
        copy.kind().as_ref().map(ShortString::as_str),
        Some("Login#1001")
    );
    assert_eq!(command_and_argument("Hello#crm-7"), "Hello#crm-7");
}

// === AMQP 1.0 (bytes RabbitMQ 3.10.8 delivered for a python-qpid-proton 0.40.0 client) ===

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn section(hex: &str) -> AMQPValue {
    AMQPValue::LongString(unhex(hex).into())
}

/// Login#1006 as Qpid JMS sends a TextMessage: JMSType in `subject`, message id
/// `ID:5f0c-1:1:1:1-1`, correlation id `req-7`, reply-to `/queue/replies`, body "secret,3006".
fn amqp1_login() -> Delivery {
    let props = BasicProperties::default()
        .with_type(amqp1::AMQP1_TYPE.into())
        .with_message_id("ID:5f0c-1:1:1:1-1".into())
        .with_correlation_id("req-7".into())
        .with_reply_to("replies".into())
        .with_delivery_mode(2)
        .with_headers(headers(&[
            (
                amqp1::MESSAGE_ANNOTATIONS_HEADER,
                section(
                    "005372d10000002c00000004a312782d6f70742d6a6d732d6d73672d747970655105a30e782d6f70742d6a6d732d646573745100",
                ),
            ),
            (
                amqp1::PROPERTIES_HEADER,
                section(
                    "005373c03906a11149443a356630632d313a313a313a312d314040a10a4c6f67696e2331303036a10e2f71756575652f7265706c696573a1057265712d37",
                ),
            ),
        ]));
    delivery(props, &unhex("005377a10b7365637265742c33303036"))
}

#[test]
fn an_amqp1_message_gives_its_jms_type_body_ids_and_reply_queue() {
    let cmd = command_from_delivery(amqp1_login(), 1);
    assert_eq!(cmd.jms_type.as_deref(), Some("Login#1006"));
    assert_eq!(cmd.body, &b"secret,3006"[..]);
    assert_eq!(cmd.message_id.as_deref(), Some("ID:5f0c-1:1:1:1-1"));
    assert_eq!(cmd.correlation_id.as_deref(), Some("req-7"));
    assert_eq!(cmd.reply_to.as_deref(), Some("replies"));
    assert_eq!(cmd.format, None);
    // The body is a slice of the delivered buffer, which the dead-letter copy keeps whole.
    assert_eq!(cmd.token.original.body.len(), 16);
    assert_eq!(
        cmd.body.as_ptr(),
        cmd.token.original.body[5..].as_ptr(),
        "no copy"
    );
}

#[test]
fn an_amqp1_data_body_arrives_unwrapped_with_type_binary() {
    let props = BasicProperties::default()
        .with_type("binary".into())
        .with_headers(headers(&[
            (
                amqp1::APP_PROPERTIES_HEADER,
                section(
                    "005374d10000002c00000004a1074a4d5354797065a10c436f6e6e6563742331303036a10967632d666f726d6174a1046a736f6e",
                ),
            ),
            (
                amqp1::PROPERTIES_HEADER,
                section("005373c01307404040404040a30a746578742f706c61696e"),
            ),
        ]));
    let cmd = command_from_delivery(delivery(props, b"crm-1006,secret"), 1);
    assert_eq!(cmd.jms_type.as_deref(), Some("Connect#1006"));
    assert_eq!(cmd.format.as_deref(), Some("json"));
    assert_eq!(cmd.body, &b"crm-1006,secret"[..]);
    assert_eq!((cmd.message_id, cmd.reply_to), (None, None));
}

#[test]
fn an_amqp1_message_that_cannot_be_decoded_has_no_command() {
    // The `amqp-1.0` marker is never taken for a JMS type, and a bad section or body is never
    // half understood.
    for (section_hex, body) in [
        ("005373c0", &b"\x00Sw\xa1\x01x"[..]),
        ("00537345", &b"\x00Sv\xc0\x01\x00"[..]),
        ("00537345", &b"plain"[..]),
    ] {
        let props = BasicProperties::default()
            .with_type(amqp1::AMQP1_TYPE.into())
            .with_headers(headers(&[(amqp1::PROPERTIES_HEADER, section(section_hex))]));
        let cmd = command_from_delivery(delivery(props, body), 1);
        assert_eq!(cmd.jms_type, None, "{section_hex}");
        assert_eq!(cmd.body, body);
    }
    let props = BasicProperties::default().with_type(amqp1::AMQP1_TYPE.into());
    let cmd = command_from_delivery(delivery(props, b"\x00Sw\xa1\x01x"), 1);
    assert_eq!((cmd.jms_type, &cmd.body[..]), (None, &b"x"[..]));
}

#[test]
fn a_jms_type_header_still_serves_an_amqp1_message_without_one_in_its_sections() {
    let props = BasicProperties::default()
        .with_type(amqp1::AMQP1_TYPE.into())
        .with_headers(headers(&[
            (amqp1::PROPERTIES_HEADER, section("00537345")),
            ("JMSType", text("GetState#1006")),
        ]));
    let cmd = command_from_delivery(delivery(props, b"\x00Sw\x40"), 1);
    assert_eq!(cmd.jms_type.as_deref(), Some("GetState#1006"));
    assert!(cmd.body.is_empty());
}

#[test]
fn a_redacted_copy_of_an_amqp1_message_drops_its_sections() {
    let cmd = command_from_delivery(amqp1_login(), 1);
    let copy = dead_letter_properties(&cmd.token.original, "x", None, true);
    assert!(header(&copy, amqp1::PROPERTIES_HEADER).is_none());
    assert!(header(&copy, amqp1::MESSAGE_ANNOTATIONS_HEADER).is_none());
    assert!(header(&copy, "x-gc-redacted").is_some());
    assert_eq!(header(&copy, "x-gc-reason"), Some(&text("x")));
    // Not redacted: kept, so the copy can be replayed.
    let copy = dead_letter_properties(&cmd.token.original, "x", None, false);
    assert!(header(&copy, amqp1::PROPERTIES_HEADER).is_some());
}
