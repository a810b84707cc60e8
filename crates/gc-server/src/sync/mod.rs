//! ConnectorSync messages on the wire.
//!
//! With a group key every message is sealed whole (AES-256-GCM, [`seal`] has the layout): the
//! associated data binds it to the envelope version, the key id and the sender (the AMQP
//! `app_id`), and the sealed plaintext carries the sender's epoch (random per process start),
//! a sequence number and a timestamp ahead of gc-protocol's `#` text. A receiver refuses what
//! is unsealed, sealed with a key it does not hold, tampered with or re-addressed, stale, too
//! big, replayed, or (for state) out of order; every refusal is counted
//! (`gc_sync_rejected_total{reason}`) and warned about at most once a minute per reason.
//!
//! Two sequence spaces per sender (see [`peers::Stream`]): state messages (agent sessions,
//! removals, destinations) leave through the driver's ordered outbox and must arrive in
//! increasing order; journal entries (`Executed`) leave from concurrent Finesse tasks, so they
//! may arrive in any order, but never twice.
//!
//! Without a key, and only if the operator allowed it, messages are gc-protocol's plain text
//! and accepted unauthenticated.

mod peers;
mod seal;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gc_core::PeerSync;
use gc_protocol::{AgentStateSync, Password, SyncMessage};

use crate::metrics::{Metrics, ReasonLabels};
use peers::{Peers, Stream};
pub use seal::{KeyId, SyncKey};
use seal::{MAGIC, Stamp};

/// The largest body a receiver looks at; anything bigger is refused before it is decoded.
pub const MAX_SYNC_BYTES: usize = 64 * 1024;

/// How often each rejection reason is warned about at most.
const WARN_EVERY: Duration = Duration::from_mins(1);

/// Why a ConnectorSync message was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum SyncRejection {
    /// The seal does not open: tampered with, spliced, re-published under another sender, or
    /// sealed with a key that has the id of ours but is not ours.
    #[error("the seal does not open (tampered with, or re-published under another sender)")]
    BadSeal,
    /// Not a message of this protocol (truncated, unknown version, no sender, bad text).
    #[error("not a well-formed sync message")]
    Malformed,
    /// A state message older than one already accepted from the same sender, or a journal
    /// entry too far behind to tell whether it was seen.
    #[error("out of order")]
    OutOfOrder,
    /// Bigger than [`MAX_SYNC_BYTES`].
    #[error("too big")]
    Oversize,
    /// Already accepted, or from an epoch the sender has left behind.
    #[error("already seen")]
    Replayed,
    /// Its timestamp is outside the freshness window (either way).
    #[error("outside the freshness window")]
    Stale,
    /// Sealed with a key this instance does not hold (or sealed while it holds none).
    #[error("sealed with a key this instance does not hold")]
    UnknownKey,
    /// In clear while the group has a key.
    #[error("not sealed, but the group has a key")]
    Unsealed,
}

impl SyncRejection {
    /// The `reason` label of `gc_sync_rejected_total`.
    pub fn reason(self) -> &'static str {
        match self {
            Self::BadSeal => "bad_seal",
            Self::Malformed => "malformed",
            Self::OutOfOrder => "out_of_order",
            Self::Oversize => "oversize",
            Self::Replayed => "replayed",
            Self::Stale => "stale",
            Self::UnknownKey => "unknown_key",
            Self::Unsealed => "unsealed",
        }
    }
}

/// Encodes what this instance shares and decodes what its peers share. Owned by the driver; the
/// journal stream has its own cheap, shareable encoder ([`SyncCodec::journal`]).
#[derive(Debug)]
pub struct SyncCodec {
    mode: Mode,
    warnings: Warnings,
}

#[derive(Debug)]
enum Mode {
    Sealed(Box<Sealed>),
    Plaintext,
}

#[derive(Debug)]
struct Sealed {
    sealer: Arc<Sealer>,
    previous: Option<SyncKey>,
    /// The last sequence number given to a state message.
    state_seq: u64,
    journal: JournalEncoder,
    peers: Peers,
    max_age_ms: u64,
}

/// What sealing needs: the current key, who we are, this process's epoch.
#[derive(Debug)]
struct Sealer {
    key: SyncKey,
    sender: String,
    epoch: u64,
}

impl SyncCodec {
    /// A codec sealing with `key` as instance `sender`, also opening what `previous` sealed (key
    /// rotation); a message whose timestamp is more than `max_age` away from the receiver's
    /// clock, either way, is refused.
    pub fn sealed(
        sender: &str,
        key: SyncKey,
        previous: Option<SyncKey>,
        max_age: Duration,
    ) -> Self {
        Self::sealed_with_epoch(sender, key, previous, max_age, rand::random())
    }

    fn sealed_with_epoch(
        sender: &str,
        key: SyncKey,
        previous: Option<SyncKey>,
        max_age: Duration,
        epoch: u64,
    ) -> Self {
        let sealer = Arc::new(Sealer {
            key,
            sender: sender.to_owned(),
            epoch,
        });
        Self {
            mode: Mode::Sealed(Box::new(Sealed {
                journal: JournalEncoder(Some(Arc::new(JournalSealer {
                    sealer: sealer.clone(),
                    seq: AtomicU64::new(0),
                }))),
                sealer,
                previous,
                state_seq: 0,
                peers: Peers::default(),
                max_age_ms: u64::try_from(max_age.as_millis()).unwrap_or(u64::MAX),
            })),
            warnings: Warnings::default(),
        }
    }

    /// A codec for a group that shares in clear (`redundancy.allow_plaintext_sync`): nothing is
    /// authenticated.
    pub fn plaintext() -> Self {
        Self {
            mode: Mode::Plaintext,
            warnings: Warnings::default(),
        }
    }

    /// The encoder of journal entries, for the tasks that publish them.
    pub fn journal(&self) -> JournalEncoder {
        match &self.mode {
            Mode::Sealed(sealed) => sealed.journal.clone(),
            Mode::Plaintext => JournalEncoder(None),
        }
    }

    /// The body of a peer message sealed at `now` (the next number of its stream); `None` if it
    /// cannot be encoded.
    pub fn encode(&mut self, sync: &PeerSync, now: SystemTime) -> Option<Vec<u8>> {
        let sealed = match &mut self.mode {
            Mode::Plaintext => return Some(to_message(sync, false).to_wire().into_bytes()),
            Mode::Sealed(sealed) => sealed,
        };
        if let PeerSync::Executed { message_id } = sync {
            return sealed.journal.encode(message_id, now);
        }
        sealed.state_seq += 1;
        let stamp = Stamp {
            epoch: sealed.sealer.epoch,
            seq: sealed.state_seq,
            unix_ms: unix_ms(now),
        };
        sealed.sealer.seal(stamp, &to_message(sync, true))
    }

    /// A peer message from a body `from` (the AMQP `app_id`) published, received at `now`.
    pub fn decode(
        &mut self,
        from: Option<&str>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<PeerSync, SyncRejection> {
        if body.len() > MAX_SYNC_BYTES {
            return Err(SyncRejection::Oversize);
        }
        let sealed = match &mut self.mode {
            Mode::Plaintext if body.starts_with(MAGIC) => return Err(SyncRejection::UnknownKey),
            Mode::Plaintext => {
                let text = std::str::from_utf8(body).map_err(|_| SyncRejection::Malformed)?;
                let message = SyncMessage::parse(text).ok_or(SyncRejection::Malformed)?;
                return from_message(message, false);
            }
            Mode::Sealed(sealed) => sealed,
        };
        let keys: Vec<&SyncKey> = std::iter::once(&sealed.sealer.key)
            .chain(sealed.previous.as_ref())
            .collect();
        let (stamp, text) = seal::open(&keys, from, body)?;
        // `open` refuses a body without a sender, so this is the sender it was sealed for.
        let sender = from.unwrap_or_default();
        let message = std::str::from_utf8(&text)
            .ok()
            .and_then(SyncMessage::parse)
            .filter(|_| stamp.seq > 0)
            .ok_or(SyncRejection::Malformed)?;
        let now_ms = unix_ms(now);
        if stamp.unix_ms.abs_diff(now_ms) > sealed.max_age_ms {
            return Err(SyncRejection::Stale);
        }
        let stream = match message {
            SyncMessage::Executed(_) => Stream::Journal,
            _ => Stream::State,
        };
        sealed.peers.check(sender, stream, stamp)?;
        let sync = from_message(message, true)?;
        if sealed.peers.record(sender, stream, stamp) {
            tracing::info!(
                from = sender,
                "ConnectorSync: a peer (re)started; following it"
            );
        }
        Ok(sync)
    }

    /// [`SyncCodec::decode`], counting a refusal in `metrics` and warning about it (at most
    /// once a minute per reason).
    pub fn receive(
        &mut self,
        from: Option<&str>,
        body: &[u8],
        now: SystemTime,
        metrics: &Metrics,
    ) -> Option<PeerSync> {
        match self.decode(from, body, now) {
            Ok(sync) => Some(sync),
            Err(rejection) => {
                metrics
                    .sync_rejected
                    .get_or_create(&ReasonLabels {
                        reason: rejection.reason(),
                    })
                    .inc();
                self.warnings.warn(rejection, from, now);
                None
            }
        }
    }

    /// The ids of the keys it opens with, current first (none in plaintext).
    pub fn key_ids(&self) -> Vec<KeyId> {
        match &self.mode {
            Mode::Sealed(s) => std::iter::once(s.sealer.key.id())
                .chain(s.previous.as_ref().map(SyncKey::id))
                .collect(),
            Mode::Plaintext => Vec::new(),
        }
    }
}

impl Sealer {
    fn seal(&self, stamp: Stamp, message: &SyncMessage) -> Option<Vec<u8>> {
        let body = seal::seal(&self.key, &self.sender, stamp, message.to_wire().as_bytes())?;
        (body.len() <= MAX_SYNC_BYTES).then_some(body)
    }
}

/// Encodes journal entries (`Executed`) from any task: its sequence is an atomic counter of its
/// own, taken when the entry is sealed, right before it is published.
#[derive(Clone, Debug)]
pub struct JournalEncoder(Option<Arc<JournalSealer>>);

#[derive(Debug)]
struct JournalSealer {
    sealer: Arc<Sealer>,
    seq: AtomicU64,
}

impl JournalEncoder {
    /// The body of `Executed#<message_id>`, sealed at `now` when the group has a key.
    pub fn encode(&self, message_id: &str, now: SystemTime) -> Option<Vec<u8>> {
        let message = SyncMessage::Executed(message_id.to_owned());
        let Some(journal) = &self.0 else {
            return Some(message.to_wire().into_bytes());
        };
        let stamp = Stamp {
            epoch: journal.sealer.epoch,
            seq: journal.seq.fetch_add(1, Ordering::Relaxed) + 1,
            unix_ms: unix_ms(now),
        };
        journal.sealer.seal(stamp, &message)
    }
}

/// Rate-limits the warnings about refused messages: one per reason per [`WARN_EVERY`], with
/// the number left unsaid since the last.
#[derive(Debug, Default)]
struct Warnings {
    last: HashMap<SyncRejection, (SystemTime, u64)>,
}

impl Warnings {
    /// Warns about `rejection` unless it was warned about less than a minute ago; returns
    /// whether it did.
    fn warn(&mut self, rejection: SyncRejection, from: Option<&str>, now: SystemTime) -> bool {
        if let Some((at, suppressed)) = self.last.get_mut(&rejection)
            && now.duration_since(*at).is_ok_and(|d| d < WARN_EVERY)
        {
            *suppressed += 1;
            return false;
        }
        let suppressed = self.last.insert(rejection, (now, 0)).map_or(0, |(_, n)| n);
        tracing::warn!(
            reason = rejection.reason(),
            from = ?from,
            suppressed_since_last = suppressed,
            "ConnectorSync message refused: {rejection}"
        );
        true
    }
}

/// A peer message in gc-protocol's form; inside a seal the password travels base64-encoded, so
/// that any password (with `#` or surrounding spaces) survives the `#` text.
fn to_message(sync: &PeerSync, sealed: bool) -> SyncMessage {
    match sync {
        PeerSync::Agent {
            agent,
            password,
            extension,
            subscription_time,
            destination,
        } => SyncMessage::AgentState(AgentStateSync {
            agent: agent.clone(),
            password: if sealed {
                STANDARD.encode(password.expose())
            } else {
                password.expose().to_owned()
            },
            extension: extension.clone(),
            subscription_time: subscription_time.clone(),
            destination: destination.clone(),
        }),
        PeerSync::AgentRemoved(agent) => SyncMessage::AgentRemoved(agent.clone()),
        PeerSync::Destination { name, format } => SyncMessage::Destination {
            name: name.clone(),
            format: *format,
        },
        PeerSync::Executed { message_id } => SyncMessage::Executed(message_id.clone()),
        PeerSync::Join => SyncMessage::Join,
    }
}

fn from_message(message: SyncMessage, sealed: bool) -> Result<PeerSync, SyncRejection> {
    Ok(match message {
        SyncMessage::AgentState(s) => {
            let password = if sealed {
                STANDARD
                    .decode(&s.password)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or(SyncRejection::Malformed)?
            } else {
                s.password
            };
            PeerSync::Agent {
                agent: s.agent,
                password: Password::new(password),
                extension: s.extension,
                subscription_time: s.subscription_time,
                destination: s.destination,
            }
        }
        SyncMessage::AgentRemoved(agent) => PeerSync::AgentRemoved(agent),
        SyncMessage::Destination { name, format } => PeerSync::Destination { name, format },
        SyncMessage::Executed(message_id) => PeerSync::Executed { message_id },
        SyncMessage::Join => PeerSync::Join,
    })
}

fn unix_ms(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests;
