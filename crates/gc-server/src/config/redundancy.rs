//! `[redundancy]`: a redundant group's switch and its ConnectorSync keys (secrets).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::problems::Problems;
use super::raw;

/// The checked `[redundancy]` section.
pub(super) struct Redundancy {
    pub(super) enabled: bool,
    pub(super) sync_key: Option<SecretString>,
    pub(super) sync_key_previous: Option<SecretString>,
    pub(super) allow_plaintext_sync: bool,
    pub(super) sync_max_age: Duration,
}

/// Keys are checked by decoding them; a problem names the key, never its value.
pub(super) fn redundancy(raw: raw::Redundancy, problems: &mut Problems) -> Redundancy {
    let key = non_empty(raw.sync_key);
    let previous = non_empty(raw.sync_key_previous);
    if raw.enabled && key.is_none() && !raw.allow_plaintext_sync {
        problems.push(
            "`redundancy.enabled` needs `redundancy.sync_key` (or `redundancy.allow_plaintext_sync = true`)",
        );
    }
    if key.as_ref().is_some_and(|k| !is_key(k)) {
        problems.push("`redundancy.sync_key` must be 32 bytes in base64");
    }
    if let Some(previous) = &previous {
        if key.is_none() {
            problems
                .push("`redundancy.sync_key_previous` needs `redundancy.sync_key` (the new key)");
        }
        if !is_key(previous) {
            problems.push("`redundancy.sync_key_previous` must be 32 bytes in base64");
        }
    }
    Redundancy {
        enabled: raw.enabled,
        sync_key: key,
        sync_key_previous: previous,
        allow_plaintext_sync: raw.allow_plaintext_sync,
        sync_max_age: Duration::from_secs(problems.int(
            "redundancy.sync_max_age_secs",
            raw.sync_max_age_secs,
            (5, 3_600),
            120,
        )),
    }
}

/// `None` for an empty key (the default: none).
fn non_empty(key: SecretString) -> Option<SecretString> {
    (!key.expose_secret().is_empty()).then_some(key)
}

fn is_key(key: &SecretString) -> bool {
    crate::sync::SyncKey::from_base64(key.expose_secret()).is_some()
}
