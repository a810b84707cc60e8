//! AMQP 0-9-1 frames as the broker hands them to the connector: amq-protocol's `parse_frame`,
//! the function lapin's I/O loop calls on its receive buffer. A content-header frame carries
//! the publishing client's properties and header table verbatim, so this is where a hostile
//! client's headers are decoded (nested tables and arrays included).
//!
//! Property: a frame that parses is serialised again by `gen_frame`, and those bytes parse to
//! a frame that serialises to the same bytes (the codec is stable after one round).
#![no_main]

use amq_protocol::frame::{AMQPFrame, gen_frame, parse_frame};
use libfuzzer_sys::fuzz_target;

fn serialise(frame: &AMQPFrame) -> Vec<u8> {
    match gen_frame(frame)(Vec::new().into()) {
        Ok(context) => context.write,
        Err(error) => panic!("a parsed frame does not serialise: {error:?} ({frame:?})"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok((_rest, frame)) = parse_frame(data) else {
        return;
    };
    let once = serialise(&frame);
    let (rest, again) = match parse_frame(once.as_slice()) {
        Ok(parsed) => parsed,
        Err(error) => panic!("serialised frame does not parse: {error:?} ({frame:?})"),
    };
    assert!(rest.is_empty(), "serialised frame has trailing bytes");
    assert_eq!(serialise(&again), once, "{frame:?} / {again:?}");
});
