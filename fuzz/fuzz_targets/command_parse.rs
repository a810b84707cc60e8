//! A client's command: `Command::parse(JMS type, body)`, exactly what the broker adapter calls
//! for every message on the command queue.
//!
//! Input: `<JMS type> NUL <body>`; without a NUL the whole input is the body and there is no
//! type (the body-only form). Property: a command that parses is written back by `to_wire`
//! into a (type, body) pair that parses to the same command, in both the typed and the
//! body-only form.
#![no_main]

use gc_protocol::Command;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (jms_type, body) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (
            Some(String::from_utf8_lossy(&data[..nul])),
            &data[nul + 1..],
        ),
        None => (None, data),
    };
    let Ok(command) = Command::parse(jms_type.as_deref(), body) else {
        return;
    };
    let (wire_type, wire_body) = command.to_wire();
    assert_eq!(
        Command::parse(Some(&wire_type), wire_body.as_bytes()),
        Ok(command.clone()),
        "to_wire gave {wire_type:?} / {wire_body:?}"
    );
    let text = if wire_body.is_empty() {
        wire_type
    } else {
        format!("{wire_type}#{wire_body}")
    };
    assert_eq!(
        Command::parse(None, text.as_bytes()),
        Ok(command),
        "body-only form {text:?}"
    );
});
