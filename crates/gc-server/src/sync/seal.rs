//! The sealed envelope: AES-256-GCM over the whole message, bound by its associated data to the
//! protocol version, the key id and the sender.
//!
//! ```text
//! body      = "GCS" | version (1 byte) | key id (8) | nonce (12) | ciphertext + tag (16)
//! aad       = "GCS" | version | key id | len(sender) (1 byte) | sender (the AMQP app_id)
//! plaintext = epoch (u64 BE) | sequence (u64 BE) | unix time in ms (u64 BE) | message text
//! ```

use std::fmt;

use aes_gcm::aead::{Aead, Generate, KeyInit, Nonce, Payload};
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::SyncRejection;

/// The first bytes of every sealed body; a plaintext message (`AgentState#…`) never starts so.
pub(super) const MAGIC: &[u8; 3] = b"GCS";
/// The envelope's version, bound into the associated data.
pub(super) const VERSION: u8 = 1;
const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Magic, version, key id: the part of the header the associated data repeats.
const PREFIX_LEN: usize = MAGIC.len() + 1 + KEY_ID_LEN;
const HEADER_LEN: usize = PREFIX_LEN + NONCE_LEN;
const STAMP_LEN: usize = 24;
/// The label the key id is derived under (HMAC-SHA-256 of it, keyed with the sync key).
const KEY_ID_LABEL: &[u8] = b"generic-connector ConnectorSync key id v1";

/// A key's public name: the first 8 bytes of HMAC-SHA-256(key, label). Carried in clear so a
/// receiver knows which of its keys to open with; it says nothing about the key itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeyId(pub(super) [u8; KEY_ID_LEN]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// One group key (`redundancy.sync_key` or `redundancy.sync_key_previous`).
#[derive(Clone)]
pub struct SyncKey {
    cipher: Aes256Gcm,
    id: KeyId,
}

impl fmt::Debug for SyncKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SyncKey(id {})", self.id)
    }
}

impl SyncKey {
    /// A key from its base64 form (32 bytes); `None` when it is not one.
    pub fn from_base64(text: &str) -> Option<Self> {
        let bytes = STANDARD.decode(text.trim()).ok()?;
        let key: [u8; 32] = bytes.try_into().ok()?;
        Some(Self::new(key))
    }

    fn new(key: [u8; 32]) -> Self {
        let tag = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key),
            KEY_ID_LABEL,
        );
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&tag.as_ref()[..KEY_ID_LEN]);
        Self {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
            id: KeyId(id),
        }
    }

    /// The key's id (safe to log).
    pub fn id(&self) -> KeyId {
        self.id
    }
}

/// What the sealed plaintext carries besides the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    /// The sender's process (random per start).
    pub(super) epoch: u64,
    /// The message's place in its stream (from 1).
    pub(super) seq: u64,
    /// When it was sealed, Unix milliseconds.
    pub(super) unix_ms: u64,
}

/// Seals `text` for `sender`; `None` only if the cipher refuses (it does not for our sizes).
pub(super) fn seal(key: &SyncKey, sender: &str, stamp: Stamp, text: &[u8]) -> Option<Vec<u8>> {
    let mut prefix = [0u8; PREFIX_LEN];
    prefix[..MAGIC.len()].copy_from_slice(MAGIC);
    prefix[MAGIC.len()] = VERSION;
    prefix[MAGIC.len() + 1..].copy_from_slice(&key.id.0);
    let aad = associated_data(&prefix, sender)?;
    let mut plain = Vec::with_capacity(STAMP_LEN + text.len());
    plain.extend_from_slice(&stamp.epoch.to_be_bytes());
    plain.extend_from_slice(&stamp.seq.to_be_bytes());
    plain.extend_from_slice(&stamp.unix_ms.to_be_bytes());
    plain.extend_from_slice(text);
    let nonce = Nonce::<Aes256Gcm>::generate();
    let sealed = key.cipher.encrypt(
        &nonce,
        Payload {
            msg: &plain,
            aad: &aad,
        },
    );
    let sealed = sealed.ok()?;
    let mut body = Vec::with_capacity(HEADER_LEN + sealed.len());
    body.extend_from_slice(&prefix);
    body.extend_from_slice(&nonce);
    body.extend_from_slice(&sealed);
    Some(body)
}

/// Opens a body with whichever of `keys` its key id names, for the sender the broker reported.
pub(super) fn open(
    keys: &[&SyncKey],
    from: Option<&str>,
    body: &[u8],
) -> Result<(Stamp, Vec<u8>), SyncRejection> {
    if !body.starts_with(MAGIC) {
        return Err(SyncRejection::Unsealed);
    }
    if body.len() < HEADER_LEN + TAG_LEN || body[MAGIC.len()] != VERSION {
        return Err(SyncRejection::Malformed);
    }
    let (prefix, rest) = body.split_at(PREFIX_LEN);
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let key_id = &prefix[MAGIC.len() + 1..];
    let key = keys
        .iter()
        .find(|k| k.id.0 == key_id)
        .ok_or(SyncRejection::UnknownKey)?;
    let aad = associated_data(prefix, from.ok_or(SyncRejection::Malformed)?)
        .ok_or(SyncRejection::Malformed)?;
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SyncRejection::Malformed)?;
    let plain = key
        .cipher
        .decrypt(
            &Nonce::<Aes256Gcm>::from(nonce),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .map_err(|_| SyncRejection::BadSeal)?;
    if plain.len() < STAMP_LEN {
        return Err(SyncRejection::Malformed);
    }
    let word = |i: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&plain[i * 8..i * 8 + 8]);
        u64::from_be_bytes(bytes)
    };
    let stamp = Stamp {
        epoch: word(0),
        seq: word(1),
        unix_ms: word(2),
    };
    Ok((stamp, plain[STAMP_LEN..].to_vec()))
}

/// The header prefix, then the sender (at most 255 bytes, the AMQP short-string limit).
fn associated_data(prefix: &[u8], sender: &str) -> Option<Vec<u8>> {
    let len = u8::try_from(sender.len()).ok()?;
    let mut aad = Vec::with_capacity(prefix.len() + 1 + sender.len());
    aad.extend_from_slice(prefix);
    aad.push(len);
    aad.extend_from_slice(sender.as_bytes());
    Some(aad)
}

#[cfg(test)]
pub(super) fn key_from_bytes(key: [u8; 32]) -> SyncKey {
    SyncKey::new(key)
}
