//! Messages between connector instances on the `ConnectorSync` topic (O-025 and the connector's
//! additions), so a standby knows every agent session when it takes over.

use crate::{AgentId, DestinationName, Extension, Format};

/// One agent's session as the active instance shares it (O-025):
/// `AgentState#<Agent_Id>#<Agent_Password>#<Agent_Extension>#<SubscriptionTime>` followed by
/// the connector's addition `#<destination>`.
///
/// `password` is the field as carried: inside a sealed ConnectorSync envelope (gc-server's
/// `sync` module) the base64 of the password, so any password survives the `#` text; in a group
/// configured for plaintext the password itself. This crate never looks inside it.
#[derive(Clone, PartialEq, Eq)]
pub struct AgentStateSync {
    /// The agent.
    pub agent: AgentId,
    /// The password as carried (base64 inside a seal, or, if so configured, plain).
    pub password: String,
    /// The extension the agent is logged in on, if logged in.
    pub extension: Option<Extension>,
    /// When the agent's session was opened, `yyyy-MM-dd HH:mm:ss`.
    pub subscription_time: String,
    /// The client destination the agent is bound to, if any.
    pub destination: Option<DestinationName>,
}

impl std::fmt::Debug for AgentStateSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentStateSync")
            .field("agent", &self.agent)
            .field("password", &"<redacted>")
            .field("extension", &self.extension)
            .field("subscription_time", &self.subscription_time)
            .field("destination", &self.destination)
            .finish()
    }
}

/// A message on the `ConnectorSync` topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncMessage {
    /// O-025: an agent's session is open (or changed).
    AgentState(AgentStateSync),
    /// The agent's session is closed (logout, takeover by nothing): `AgentRemoved#<Agent_Id>`.
    AgentRemoved(AgentId),
    /// A client destination and its output format: `Destination#<name>#<legacy|json>`.
    Destination {
        /// The destination.
        name: DestinationName,
        /// Its output format.
        format: Format,
    },
    /// The leader is about to perform a client command: `Executed#<message id>` (the id is
    /// the rest of the text, `#` included; at most [`MAX_MESSAGE_ID`] bytes).
    Executed(String),
    /// An instance (re)joined the group with a mirror that may be empty or stale: `Join`. The
    /// leader answers by sharing its whole state again (every session and destination), as
    /// the changes it shared before the instance started never reached it.
    Join,
}

/// The longest message id a sync message carries (the AMQP short-string limit; longer ids are
/// hashed by the broker adapter before they get here).
pub const MAX_MESSAGE_ID: usize = 255;

impl SyncMessage {
    /// The wire text.
    pub fn to_wire(&self) -> String {
        match self {
            Self::AgentState(s) => format!(
                "AgentState#{}#{}#{}#{}#{}",
                s.agent,
                s.password,
                s.extension.as_ref().map_or("", Extension::as_str),
                s.subscription_time,
                s.destination.as_ref().map_or("", DestinationName::as_str),
            ),
            Self::AgentRemoved(agent) => format!("AgentRemoved#{agent}"),
            Self::Destination { name, format } => {
                let format = match format {
                    Format::Legacy => "legacy",
                    Format::Json => "json",
                };
                format!("Destination#{name}#{format}")
            }
            Self::Executed(id) => format!("Executed#{id}"),
            Self::Join => "Join".to_owned(),
        }
    }

    /// Parses the wire text; `None` for anything that is not a well-formed sync message (a peer
    /// of another version, or noise), which the receiver ignores.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(id) = text.trim().strip_prefix("Executed#") {
            return (!id.is_empty() && id.len() <= MAX_MESSAGE_ID)
                .then(|| Self::Executed(id.to_owned()));
        }
        let fields: Vec<&str> = text.trim().split('#').map(str::trim).collect();
        match fields.as_slice() {
            ["AgentState", agent, password, extension, time, rest @ ..] if rest.len() <= 1 => {
                let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
                Some(Self::AgentState(AgentStateSync {
                    agent: AgentId::parse(agent).ok()?,
                    password: (*password).to_owned(),
                    extension: match optional(extension) {
                        Some(e) => Some(Extension::parse(&e).ok()?),
                        None => None,
                    },
                    subscription_time: (*time).to_owned(),
                    destination: match rest.first().and_then(|d| optional(d)) {
                        Some(d) => Some(DestinationName::parse(&d).ok()?),
                        None => None,
                    },
                }))
            }
            ["AgentRemoved", agent] => AgentId::parse(agent).ok().map(Self::AgentRemoved),
            ["Join"] => Some(Self::Join),
            ["Destination", name, format] => Some(Self::Destination {
                name: DestinationName::parse(name).ok()?,
                format: Format::from_name(format)?,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> AgentStateSync {
        AgentStateSync {
            agent: AgentId::parse("1001").unwrap(),
            password: "c2VhbGVk".into(),
            extension: Some(Extension::parse("3001").unwrap()),
            subscription_time: "2026-11-25 10:00:00".into(),
            destination: Some(DestinationName::parse("crm-7").unwrap()),
        }
    }

    #[test]
    fn agent_state_has_the_seed_fields_first() {
        let wire = SyncMessage::AgentState(session()).to_wire();
        assert_eq!(
            wire,
            "AgentState#1001#c2VhbGVk#3001#2026-11-25 10:00:00#crm-7"
        );
        assert_eq!(
            SyncMessage::parse(&wire),
            Some(SyncMessage::AgentState(session()))
        );
    }

    #[test]
    fn the_seed_form_without_destination_parses() {
        let parsed = SyncMessage::parse("AgentState#1001#pw#3001#2019-09-17 12:46:21").unwrap();
        let SyncMessage::AgentState(s) = parsed else {
            panic!("wrong variant")
        };
        assert_eq!(s.destination, None);
    }

    #[test]
    fn debug_hides_the_password() {
        assert!(!format!("{:?}", session()).contains("c2VhbGVk"));
    }

    #[test]
    fn destinations_round_trip() {
        let message = SyncMessage::Destination {
            name: DestinationName::parse("crm-7").unwrap(),
            format: Format::Json,
        };
        assert_eq!(message.to_wire(), "Destination#crm-7#json");
        assert_eq!(SyncMessage::parse("Destination#crm-7#json"), Some(message));
    }

    #[test]
    fn executed_ids_round_trip_whatever_they_hold() {
        let message = SyncMessage::Executed("ID:a#b,c".into());
        assert_eq!(message.to_wire(), "Executed#ID:a#b,c");
        assert_eq!(SyncMessage::parse(&message.to_wire()), Some(message));
        assert_eq!(SyncMessage::parse("Executed#"), None);
        let long = format!("Executed#{}", "x".repeat(MAX_MESSAGE_ID + 1));
        assert_eq!(SyncMessage::parse(&long), None);
    }

    #[test]
    fn noise_is_ignored() {
        assert_eq!(SyncMessage::parse("AgentState#1001"), None);
        assert_eq!(SyncMessage::parse("hello"), None);
        assert_eq!(SyncMessage::parse("Join"), Some(SyncMessage::Join));
        assert_eq!(SyncMessage::Join.to_wire(), "Join");
        assert_eq!(SyncMessage::parse("Join#x"), None);
    }
}
