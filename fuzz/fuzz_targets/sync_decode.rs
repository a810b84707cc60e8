//! A ConnectorSync message as gc-server decodes it: `PasswordPolicy::decode`, with a sealing
//! key (base64 + AES-GCM open) and in plaintext mode. Kept a thin call: the module is being
//! rewritten.
#![no_main]

use gc_server::sync::{PasswordPolicy, SyncSealer};
use libfuzzer_sys::fuzz_target;

/// A fixed 32-byte test key (base64 of "0123456789abcdef0123456789abcdef").
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = PasswordPolicy::Plaintext.decode(text);
    if let Some(sealer) = SyncSealer::from_base64(KEY) {
        let _ = PasswordPolicy::Sealed(Box::new(sealer)).decode(text);
    }
});
