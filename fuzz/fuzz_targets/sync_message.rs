//! A ConnectorSync message from a peer instance (or whoever can publish on that exchange):
//! `SyncMessage::parse`.
//!
//! Property: a message that parses is written back by `to_wire` into text that parses to the
//! same message.
#![no_main]

use gc_protocol::SyncMessage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(message) = SyncMessage::parse(text) else {
        return;
    };
    let wire = message.to_wire();
    assert_eq!(SyncMessage::parse(&wire), Some(message), "wire {wire:?}");
});
