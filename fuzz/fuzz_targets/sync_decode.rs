//! A ConnectorSync body as gc-server decodes it: `SyncCodec::decode`, sealed (envelope parse,
//! key lookup, AES-GCM open, replay and order checks) and in plaintext mode, at a fixed clock.
//! Beyond "no panic": whatever the plaintext codec accepts, sealed by one instance, opens to the
//! same message at another.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use gc_server::sync::{SyncCodec, SyncKey, SyncRejection};
use libfuzzer_sys::fuzz_target;

/// A fixed 32-byte test key (base64 of "0123456789abcdef0123456789abcdef").
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const MAX_AGE: Duration = Duration::from_secs(120);

fuzz_target!(|data: &[u8]| {
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let Some(key) = SyncKey::from_base64(KEY) else {
        return;
    };
    let mut standby = SyncCodec::sealed("gc-b", key.clone(), None, MAX_AGE);
    let _ = standby.decode(Some("gc-a"), data, now);
    let _ = standby.decode(None, data, now);
    let mut plain = SyncCodec::plaintext();
    if let Ok(sync) = plain.decode(Some("gc-a"), data, now) {
        let mut leader = SyncCodec::sealed("gc-a", key.clone(), None, MAX_AGE);
        let mut standby = SyncCodec::sealed("gc-b", key, None, MAX_AGE);
        // `None` only when the sealed form would exceed the size cap (a huge password).
        let Some(body) = leader.encode(&sync, now) else {
            return;
        };
        assert_eq!(standby.decode(Some("gc-x"), &body, now), Err(SyncRejection::BadSeal));
        assert_eq!(standby.decode(Some("gc-a"), &body, now), Ok(sync));
        assert_eq!(standby.decode(Some("gc-a"), &body, now), Err(SyncRejection::Replayed));
    }
});
