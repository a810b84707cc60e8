//! ConnectorSync messages on the wire: gc-protocol's text (O-025 and our additions) with the
//! agent password sealed by AES-256-GCM under the group's shared key, so a password never
//! crosses the broker in clear unless the operator explicitly allows it.

use aes_gcm::aead::{Aead, Generate, KeyInit, Nonce};
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gc_core::PeerSync;
use gc_protocol::{AgentStateSync, Password, SyncMessage};

/// Marks a sealed password field, so a receiver can tell it from a plaintext one.
const SEALED_PREFIX: &str = "gcm:";

/// Seals and opens passwords with the group's key.
#[derive(Clone)]
pub struct SyncSealer {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SyncSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncSealer(<key>)")
    }
}

impl SyncSealer {
    /// A sealer from a base64-encoded 32-byte key; `None` when it is not one.
    pub fn from_base64(key: &str) -> Option<Self> {
        let bytes = STANDARD.decode(key.trim()).ok()?;
        let key: [u8; 32] = bytes.try_into().ok()?;
        Some(Self {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
        })
    }

    fn seal(&self, password: &Password) -> Option<String> {
        let nonce = Nonce::<Aes256Gcm>::generate();
        let sealed = self
            .cipher
            .encrypt(&nonce, password.expose().as_bytes())
            .ok()?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Some(format!("{SEALED_PREFIX}{}", STANDARD.encode(bytes)))
    }

    fn open(&self, field: &str) -> Option<Password> {
        let bytes = STANDARD.decode(field.strip_prefix(SEALED_PREFIX)?).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let plain = self
            .cipher
            .decrypt(&Nonce::<Aes256Gcm>::from(nonce), sealed)
            .ok()?;
        String::from_utf8(plain).ok().map(Password::new)
    }
}

/// How passwords travel on ConnectorSync.
#[derive(Clone, Debug)]
pub enum PasswordPolicy {
    /// Sealed with the group key.
    Sealed(Box<SyncSealer>),
    /// In clear (the operator allowed it).
    Plaintext,
}

impl PasswordPolicy {
    /// The wire text of a peer message; `None` if it cannot be sealed.
    pub fn encode(&self, sync: &PeerSync) -> Option<String> {
        let message = match sync {
            PeerSync::Agent {
                agent,
                password,
                extension,
                subscription_time,
                destination,
            } => {
                let password = match self {
                    Self::Sealed(sealer) => sealer.seal(password)?,
                    Self::Plaintext => password.expose().to_owned(),
                };
                SyncMessage::AgentState(AgentStateSync {
                    agent: agent.clone(),
                    password,
                    extension: extension.clone(),
                    subscription_time: subscription_time.clone(),
                    destination: destination.clone(),
                })
            }
            PeerSync::AgentRemoved(agent) => SyncMessage::AgentRemoved(agent.clone()),
            PeerSync::Destination { name, format } => SyncMessage::Destination {
                name: name.clone(),
                format: *format,
            },
            PeerSync::Executed { message_id } => SyncMessage::Executed(message_id.clone()),
        };
        Some(message.to_wire())
    }

    /// A peer message from its wire text; `None` for noise, a peer of another version, or a
    /// password sealed with another key.
    pub fn decode(&self, text: &str) -> Option<PeerSync> {
        Some(match SyncMessage::parse(text)? {
            SyncMessage::AgentState(s) => {
                let password = match self {
                    Self::Sealed(sealer) => sealer.open(&s.password)?,
                    Self::Plaintext if !s.password.starts_with(SEALED_PREFIX) => {
                        Password::new(s.password)
                    }
                    Self::Plaintext => return None,
                };
                PeerSync::Agent {
                    agent: s.agent,
                    password,
                    extension: s.extension,
                    subscription_time: s.subscription_time,
                    destination: s.destination,
                }
            }
            SyncMessage::AgentRemoved(agent) => PeerSync::AgentRemoved(agent),
            SyncMessage::Destination { name, format } => PeerSync::Destination { name, format },
            SyncMessage::Executed(message_id) => PeerSync::Executed { message_id },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gc_protocol::{AgentId, DestinationName, Extension, Format};

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    fn agent_sync() -> PeerSync {
        PeerSync::Agent {
            agent: AgentId::parse("1001").unwrap(),
            password: Password::new("hunter2"),
            extension: Some(Extension::parse("3001").unwrap()),
            subscription_time: "2026-11-25 12:30:00".into(),
            destination: Some(DestinationName::parse("crm-7").unwrap()),
        }
    }

    #[test]
    fn sealed_passwords_round_trip_and_never_appear_in_clear() {
        let policy = PasswordPolicy::Sealed(Box::new(SyncSealer::from_base64(KEY).unwrap()));
        let wire = policy.encode(&agent_sync()).unwrap();
        assert!(wire.starts_with("AgentState#1001#gcm:"));
        assert!(!wire.contains("hunter2"));
        assert_eq!(policy.decode(&wire), Some(agent_sync()));
    }

    #[test]
    fn another_key_cannot_open_the_password() {
        let ours = PasswordPolicy::Sealed(Box::new(SyncSealer::from_base64(KEY).unwrap()));
        let other_key = STANDARD.encode([7u8; 32]);
        let theirs = PasswordPolicy::Sealed(Box::new(SyncSealer::from_base64(&other_key).unwrap()));
        let wire = ours.encode(&agent_sync()).unwrap();
        assert_eq!(theirs.decode(&wire), None);
        assert_eq!(PasswordPolicy::Plaintext.decode(&wire), None);
    }

    #[test]
    fn plaintext_is_only_used_when_allowed() {
        let wire = PasswordPolicy::Plaintext.encode(&agent_sync()).unwrap();
        assert_eq!(
            wire,
            "AgentState#1001#hunter2#3001#2026-11-25 12:30:00#crm-7"
        );
        let destination = PeerSync::Destination {
            name: DestinationName::parse("crm-7").unwrap(),
            format: Format::Json,
        };
        let wire = PasswordPolicy::Plaintext.encode(&destination).unwrap();
        assert_eq!(PasswordPolicy::Plaintext.decode(&wire), Some(destination));
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert!(SyncSealer::from_base64("c2hvcnQ=").is_none());
        assert!(SyncSealer::from_base64("not base64!").is_none());
    }
}
