//! Fixtures are bytes RabbitMQ 3.10.8 delivered to a 0-9-1 consumer after a real AMQP 1.0
//! client (python-qpid-proton 0.40.0) sent to `/amq/queue/<q>`; see docs/protocol.md
//! "Client stacks".

use proptest::prelude::*;

use super::*;

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// A: shaped like a Qpid JMS TextMessage: JMSType in `subject`, string message id,
// x-opt-jms-msg-type 5, durable, reply-to `/queue/replies`, body amqp-value string.
const A_ANNOTATIONS: &str = "005372d10000002c00000004a312782d6f70742d6a6d732d6d73672d747970655105\
                             a30e782d6f70742d6a6d732d646573745100";
const A_PROPERTIES: &str = "005373c03906a11149443a356630632d313a313a313a312d314040a10a4c6f67696e\
                            2331303036a10e2f71756575652f7265706c696573a1057265712d37";
const A_BODY: &str = "005377a10b7365637265742c33303036";

// B: JMSType and gc-format as application properties, a single data section body with
// content-type text/plain (RabbitMQ delivers that body unwrapped, with type `binary`).
const B_APP: &str = "005374d10000002c00000004a1074a4d5354797065a10c436f6e6e6563742331303036\
                     a10967632d666f726d6174a1046a736f6e";
const B_PROPERTIES: &str = "005373c01307404040404040a30a746578742f706c61696e";

// C: JMSType in annotation x-opt-jms-type, a uuid message id, a binary correlation id that is
// not UTF-8, reply-to `/amq/queue/replies`, body amqp-value "".
const C_ANNOTATIONS: &str = "005372d10000002400000002a30e782d6f70742d6a6d732d74797065a10e48656c6c6f\
                             2363726d2d31303036";
const C_PROPERTIES: &str = "005373c03306980f8e2a4c95b14c1e9a573d2b8c1e7f60404040a1122f616d712f7175\
                            6575652f7265706c696573a008636f7272ff62696e";
const C_BODY: &str = "005377a100";

// More sections from the same client.
const APP_WITH_NUMBERS: &str =
    "005374d10000001f00000006a1074a4d5354797065a10748656c6c6f2378a1016e5507a1016241";
const APP_WITH_DOUBLE: &str = "005374d10000001000000002a10166823ff8000000000000";
const PROPERTIES_USER_TIME_GROUP: &str =
    "005373c01d0c40a005677565737440404040404040830000018bcfe569f4a1016743";
const PROPERTIES_EMPTY: &str = "00537345";
const BODY_BINARY_VALUE: &str = "005377a0097261772c6279746573";

fn fields_of(app: Option<&str>, props: Option<&str>, annotations: Option<&str>) -> Fields {
    let (app, props, annotations) = (app.map(unhex), props.map(unhex), annotations.map(unhex));
    fields(&Sections {
        application_properties: app.as_deref(),
        properties: props.as_deref(),
        message_annotations: annotations.as_deref(),
    })
    .unwrap()
}

#[test]
fn a_qpid_jms_shaped_text_message_gives_subject_ids_reply_queue_and_body() {
    let f = fields_of(None, Some(A_PROPERTIES), Some(A_ANNOTATIONS));
    assert_eq!(
        f,
        Fields {
            jms_type: Some("Login#1006".into()),
            format: None,
            message_id: Some("ID:5f0c-1:1:1:1-1".into()),
            correlation_id: Some("req-7".into()),
            reply_to: Some("replies".into()),
        }
    );
    assert_eq!(body(&unhex(A_BODY)).unwrap().as_ref(), b"secret,3006");
}

#[test]
fn application_properties_give_jms_type_and_format() {
    let f = fields_of(Some(B_APP), Some(B_PROPERTIES), None);
    assert_eq!(f.jms_type.as_deref(), Some("Connect#1006"));
    assert_eq!(f.format.as_deref(), Some("json"));
    assert_eq!(
        (f.message_id, f.correlation_id, f.reply_to),
        (None, None, None)
    );
}

#[test]
fn the_annotation_gives_the_jms_type_and_ids_become_text() {
    let f = fields_of(None, Some(C_PROPERTIES), Some(C_ANNOTATIONS));
    assert_eq!(f.jms_type.as_deref(), Some("Hello#crm-1006"));
    assert_eq!(
        f.message_id.as_deref(),
        Some("0f8e2a4c-95b1-4c1e-9a57-3d2b8c1e7f60")
    );
    assert_eq!(f.correlation_id.as_deref(), Some("636f7272ff62696e"));
    assert_eq!(f.reply_to.as_deref(), Some("replies"));
    assert_eq!(body(&unhex(C_BODY)).unwrap().as_ref(), b"");
}

#[test]
fn the_application_property_wins_over_subject_and_subject_over_the_annotation() {
    // B's application properties with A's subject and C's annotation.
    let f = fields_of(Some(B_APP), Some(A_PROPERTIES), Some(C_ANNOTATIONS));
    assert_eq!(f.jms_type.as_deref(), Some("Connect#1006"));
    let f = fields_of(None, Some(A_PROPERTIES), Some(C_ANNOTATIONS));
    assert_eq!(f.jms_type.as_deref(), Some("Login#1006"));
    let f = fields_of(
        Some(APP_WITH_DOUBLE),
        Some(PROPERTIES_EMPTY),
        Some(C_ANNOTATIONS),
    );
    assert_eq!(f.jms_type.as_deref(), Some("Hello#crm-1006"));
}

#[test]
fn no_sections_give_nothing() {
    assert_eq!(fields(&Sections::default()).unwrap(), Fields::default());
    assert_eq!(
        fields_of(None, Some(PROPERTIES_EMPTY), None),
        Fields::default()
    );
}

#[test]
fn every_value_type_the_client_sent_decodes() {
    let bytes = unhex(APP_WITH_NUMBERS);
    let app = decode_section(&bytes, section::APPLICATION_PROPERTIES).unwrap();
    assert_eq!(app.get("JMSType"), Some(&Value::String("Hello#x")));
    assert_eq!(app.get("n"), Some(&Value::Int(7)));
    assert_eq!(app.get("b"), Some(&Value::Bool(true)));
    let bytes = unhex(APP_WITH_DOUBLE);
    let app = decode_section(&bytes, section::APPLICATION_PROPERTIES).unwrap();
    assert_eq!(app.get("f"), Some(&Value::Float(1.5)));
    let bytes = unhex(PROPERTIES_USER_TIME_GROUP);
    let props = decode_section(&bytes, section::PROPERTIES).unwrap();
    let Value::List(items) = props else {
        panic!("properties are a list")
    };
    assert_eq!(items.len(), 12);
    assert_eq!(items[1], Value::Binary(b"guest"));
    assert_eq!(items[9], Value::Timestamp(1_700_000_000_500));
    assert_eq!(items[10], Value::String("g"));
    let bytes = unhex(A_ANNOTATIONS);
    let annotations = decode_section(&bytes, section::MESSAGE_ANNOTATIONS).unwrap();
    assert_eq!(annotations.get("x-opt-jms-msg-type"), Some(&Value::Int(5)));
    assert_eq!(
        body(&unhex(BODY_BINARY_VALUE)).unwrap().as_ref(),
        b"raw,bytes"
    );
}

#[test]
fn the_other_encodings_of_each_type_decode() {
    let cases: &[(&str, Value<'static>)] = &[
        ("40", Value::Null),
        ("42", Value::Bool(false)),
        ("5600", Value::Bool(false)),
        ("43", Value::Uint(0)),
        ("44", Value::Uint(0)),
        ("50ff", Value::Uint(255)),
        ("52 07", Value::Uint(7)),
        ("60 0102", Value::Uint(258)),
        ("70 00000102", Value::Uint(258)),
        ("80 0000000000000102", Value::Uint(258)),
        ("51 ff", Value::Int(-1)),
        ("54 fe", Value::Int(-2)),
        ("61 fffd", Value::Int(-3)),
        ("71 fffffffc", Value::Int(-4)),
        ("81 fffffffffffffffb", Value::Int(-5)),
        ("72 3fc00000", Value::Float(1.5)),
        ("73 0001f600", Value::Char('\u{1f600}')),
        ("73 0000d800", Value::Char(char::REPLACEMENT_CHARACTER)),
        ("74 01020304", Value::Decimal(&[1, 2, 3, 4])),
        ("83 fffffffffffffc18", Value::Timestamp(-1000)),
        ("b0 00000002 6869", Value::Binary(b"hi")),
        ("b1 00000002 6869", Value::String("hi")),
        ("a3 02 6869", Value::Symbol("hi")),
        ("b3 00000002 6869", Value::Symbol("hi")),
        ("45", Value::List(vec![])),
        (
            "c0 03 02 4041",
            Value::List(vec![Value::Null, Value::Bool(true)]),
        ),
        (
            "d0 00000009 00000002 a1016153 05",
            Value::List(vec![Value::String("a"), Value::Uint(5)]),
        ),
        (
            "c1 05 02 a3016141",
            Value::Map(vec![(Value::Symbol("a"), Value::Bool(true))]),
        ),
        (
            "e0 05 03 53 010203",
            Value::Array(vec![Value::Uint(1), Value::Uint(2), Value::Uint(3)]),
        ),
        (
            "f0 00000009 00000002 a1 01 61 01 62",
            Value::Array(vec![Value::String("a"), Value::String("b")]),
        ),
        ("e0 02 00 40", Value::Array(vec![])),
    ];
    for (hex, expected) in cases {
        assert_eq!(decode(&unhex(hex)).as_ref(), Ok(expected), "{hex}");
    }
}

#[test]
fn described_array_elements_share_the_descriptor() {
    let bytes = unhex("e0 07 02 00 53 75 a0 00 00");
    let value = decode(&bytes).unwrap();
    let data = |b: &'static [u8]| {
        Value::Described(Box::new(Value::Uint(0x75)), Box::new(Value::Binary(b)))
    };
    assert_eq!(value, Value::Array(vec![data(b""), data(b"")]));
}

#[test]
fn symbolic_descriptors_name_the_same_sections() {
    let name = b"amqp:amqp-value:*";
    let mut bytes = vec![0x00, 0xa3, u8::try_from(name.len()).unwrap()];
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(&unhex("a1 02 6869"));
    assert_eq!(body(&bytes).unwrap().as_ref(), b"hi");
}

#[test]
fn data_sections_are_joined_and_a_footer_is_ignored() {
    let payload = unhex("005375a0026869 005375b000000001 21 005378c10100");
    assert_eq!(body(&payload).unwrap().as_ref(), b"hi!");
    let one = unhex("005375a0026869");
    assert!(matches!(body(&one).unwrap(), Cow::Borrowed(b"hi")));
    assert_eq!(body(&[]).unwrap().as_ref(), b"");
    assert_eq!(body(&unhex("00537740")).unwrap().as_ref(), b"");
}

#[test]
fn bodies_that_are_not_text_or_binary_are_refused() {
    for hex in [
        "005376c00302a10161",    // amqp-sequence
        "005377c1010040",        // amqp-value map (bad count, refused anyway)
        "005377c00101 40",       // amqp-value list
        "005377 71 00000001",    // amqp-value int
        "a1 02 6869",            // not a section at all
        "005370 45",             // a header section where the body belongs
        "005377a100 005377a100", // two amqp-values
        "005375a000 005377a100", // data then amqp-value
        "005377a100 005375a000", // amqp-value then data
        "00a303666f6f a100",     // unknown symbolic descriptor
        "005375 a1 00",          // data holding a string
    ] {
        assert!(body(&unhex(hex)).is_err(), "{hex}");
    }
}

#[test]
fn reply_to_addresses_become_queue_names() {
    for (address, queue) in [
        ("/queue/replies", Some("replies")),
        ("/amq/queue/replies", Some("replies")),
        ("replies", Some("replies")),
        (
            "amq.rabbitmq.reply-to.g1h2AA",
            Some("amq.rabbitmq.reply-to.g1h2AA"),
        ),
        ("/exchange/gc.clients/crm-7", None),
        ("/topic/x", None),
        ("/queue/", None),
        ("/queue/a/b", None),
        ("", None),
    ] {
        assert_eq!(reply_queue(address).as_deref(), queue, "{address}");
    }
}

#[test]
fn ids_of_every_kind_become_text() {
    assert_eq!(id_text(&Value::Uint(42)).as_deref(), Some("42"));
    assert_eq!(id_text(&Value::Binary(b"abc")).as_deref(), Some("abc"));
    assert_eq!(id_text(&Value::String("")), None);
    assert_eq!(id_text(&Value::Null), None);
    assert_eq!(id_text(&Value::Int(-1)), None);
}

#[test]
fn malformed_input_is_an_error_never_a_panic() {
    let cases: &[(&str, Amqp1Error)] = &[
        ("", Amqp1Error::Truncated(0)),
        ("a1 05 6869", Amqp1Error::Truncated(2)),
        ("b1 ffffffff 00", Amqp1Error::Truncated(5)),
        ("ff", Amqp1Error::UnknownCode { code: 0xff, at: 0 }),
        (
            "00 53 77 00 a1 00",
            Amqp1Error::UnknownCode { code: 0, at: 3 },
        ),
        ("a1 02 c328", Amqp1Error::NotUtf8(2)),
        ("c1 03 01 4040", Amqp1Error::BadCompound(0)),
        ("c0 03 01 404040", Amqp1Error::BadCompound(0)),
        ("c0 02 02 40", Amqp1Error::Truncated(4)),
        ("c0 05 02 40", Amqp1Error::Truncated(0)),
        ("d0 ffffffff ffffffff", Amqp1Error::Truncated(0)),
        ("4040", Amqp1Error::Trailing(1)),
    ];
    for (hex, error) in cases {
        assert_eq!(decode(&unhex(hex)).as_ref(), Err(error), "{hex}");
    }
    assert!(matches!(
        decode_section(&unhex(A_BODY), section::PROPERTIES),
        Err(Amqp1Error::WrongSection { expected: 0x73, .. })
    ));
    assert!(matches!(
        decode_section(&unhex("a100"), section::PROPERTIES),
        Err(Amqp1Error::WrongSection { .. })
    ));
    // A malformed section fails the whole: no half-understood command.
    let bad = unhex("005374c1030140");
    assert!(
        fields(&Sections {
            application_properties: Some(&bad),
            properties: Some(&unhex(A_PROPERTIES)),
            message_annotations: None,
        })
        .is_err()
    );
}

#[test]
fn every_prefix_of_every_fixture_is_an_error_not_a_panic() {
    for fixture in [
        A_ANNOTATIONS,
        A_PROPERTIES,
        A_BODY,
        B_APP,
        C_PROPERTIES,
        APP_WITH_NUMBERS,
        PROPERTIES_USER_TIME_GROUP,
    ] {
        let bytes = unhex(fixture);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "{fixture} cut at {cut}");
        }
    }
}

#[test]
fn nesting_is_capped() {
    // Lists in lists: c0 <size> 01 … ; the innermost is list0.
    let nested = |depth: usize| {
        let mut bytes = vec![0x45];
        for _ in 0..depth {
            let mut outer = vec![0xd0];
            let size = u32::try_from(bytes.len() + 4).unwrap();
            outer.extend_from_slice(&size.to_be_bytes());
            outer.extend_from_slice(&1u32.to_be_bytes());
            outer.extend_from_slice(&bytes);
            bytes = outer;
        }
        bytes
    };
    assert!(decode(&nested(MAX_DEPTH)).is_ok());
    assert_eq!(decode(&nested(MAX_DEPTH + 1)), Err(Amqp1Error::TooDeep));
    assert_eq!(decode(&nested(1_000)), Err(Amqp1Error::TooDeep));
    // Descriptors described by descriptors.
    let mut described = vec![0x00; 100_000];
    described.push(0x40);
    assert!(decode(&described).is_err());
}

#[test]
fn the_value_budget_bounds_zero_width_arrays_and_long_lists() {
    // An array claiming 4 billion nulls in 6 bytes.
    let array = unhex("f0 00000005 ffffffff 40");
    assert_eq!(decode(&array), Err(Amqp1Error::TooManyValues));
    // A list of MAX_VALUES nulls is one too many with the list itself.
    let nulls = |n: usize| {
        let count = u32::try_from(n).unwrap();
        let mut list = vec![0xd0];
        list.extend_from_slice(&(count + 4).to_be_bytes());
        list.extend_from_slice(&count.to_be_bytes());
        list.extend(std::iter::repeat_n(0x40, n));
        list
    };
    assert_eq!(decode(&nulls(MAX_VALUES)), Err(Amqp1Error::TooManyValues));
    assert!(decode(&nulls(MAX_VALUES - 1)).is_ok());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
        let _ = body(&bytes);
        let _ = fields(&Sections {
            application_properties: Some(&bytes),
            properties: Some(&bytes),
            message_annotations: Some(&bytes),
        });
    }

    #[test]
    fn mutated_fixtures_never_panic(
        index in 0usize..4,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = unhex([A_PROPERTIES, A_ANNOTATIONS, B_APP, C_PROPERTIES][index]);
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let _ = decode(&bytes);
        let _ = fields(&Sections {
            application_properties: Some(&bytes),
            properties: Some(&bytes),
            message_annotations: Some(&bytes),
        });
    }

    #[test]
    fn any_string_round_trips_as_an_amqp_value_body(text in ".{0,300}") {
        let mut payload = vec![0x00, 0x53, 0x77];
        if text.len() < 256 {
            payload.push(0xa1);
            payload.push(u8::try_from(text.len()).unwrap());
        } else {
            payload.push(0xb1);
            payload.extend_from_slice(&u32::try_from(text.len()).unwrap().to_be_bytes());
        }
        payload.extend_from_slice(text.as_bytes());
        let decoded = body(&payload).unwrap();
        prop_assert_eq!(decoded.as_ref(), text.as_bytes());
    }
}
