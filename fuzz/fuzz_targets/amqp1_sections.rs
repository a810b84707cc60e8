//! A command sent over AMQP 1.0, as RabbitMQ hands it to the connector: the encoded
//! application-properties, properties and message-annotations sections (0-9-1 headers) and the
//! encoded body sections (the payload). `gc_broker::amqp1::{decode, fields, body}`.
//!
//! The input is cut in three at the offsets its first two bytes give: application properties,
//! properties, the rest (message annotations, and the body for `body`).
//!
//! Properties: a body borrowed from the payload lies inside it; a section that decodes as one
//! also decodes as a plain value; texts picked out are never empty.
#![no_main]

use std::borrow::Cow;

use gc_broker::amqp1::{self, Sections};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else {
        return;
    };
    let a = usize::from(*a).min(rest.len());
    let b = (a + usize::from(*b)).min(rest.len());
    let (app, props, tail) = (&rest[..a], &rest[a..b], &rest[b..]);

    let sections = Sections {
        application_properties: Some(app),
        properties: Some(props),
        message_annotations: Some(tail),
    };
    if let Ok(fields) = amqp1::fields(&sections) {
        for text in [
            &fields.jms_type,
            &fields.format,
            &fields.message_id,
            &fields.correlation_id,
            &fields.reply_to,
        ]
        .into_iter()
        .flatten()
        {
            assert!(!text.is_empty());
        }
    }
    if amqp1::decode_section(props, amqp1::section::PROPERTIES).is_ok() {
        assert!(amqp1::decode(props).is_ok());
    }
    if let Ok(Cow::Borrowed(body)) = amqp1::body(tail) {
        let range = tail.as_ptr_range();
        assert!(body.is_empty() || range.contains(&body.as_ptr()));
        assert!(body.len() <= tail.len());
    }
    let _ = amqp1::decode(data);
});
