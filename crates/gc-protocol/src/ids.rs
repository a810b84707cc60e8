//! Validated identifiers and values that travel in commands and events.
//!
//! "Parse, don't validate": each newtype can only hold a value that is safe to put back on the
//! wire (no reserved `#`, `,`, `|`, no control characters) and, where it ends up in a Finesse
//! URL, safe in a path segment.

use std::fmt;

/// Characters that separate fields in the legacy protocol and so may not occur inside a value.
pub const RESERVED: [char; 3] = ['#', ',', '|'];

/// The longest identifier we accept. Finesse ids are far shorter; the cap keeps a hostile client
/// from making us carry megabytes in every event.
pub const MAX_ID_LEN: usize = 128;

/// Why a value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidValue {
    /// The value is empty after trimming.
    Empty,
    /// The value is longer than [`MAX_ID_LEN`] characters.
    TooLong,
    /// The value holds a character it may not hold.
    BadCharacter,
}

fn check_token(raw: &str, allowed: impl Fn(char) -> bool) -> Result<String, InvalidValue> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(InvalidValue::Empty);
    }
    if value.chars().count() > MAX_ID_LEN {
        return Err(InvalidValue::TooLong);
    }
    if !value.chars().all(allowed) {
        return Err(InvalidValue::BadCharacter);
    }
    // `.` and `..` (and any run of dots) would be path segments of their own in a Finesse URL.
    if value.chars().all(|c| c == '.') {
        return Err(InvalidValue::BadCharacter);
    }
    Ok(value.to_owned())
}

/// Letters, digits and the punctuation Finesse ids and hostnames use; safe in a URL path (a
/// value of dots only is refused separately).
fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')
}

macro_rules! token_type {
    ($(#[$doc:meta])* $name:ident, $allowed:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates and trims `raw`.
            pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
                check_token(raw, $allowed).map(Self)
            }

            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

token_type!(
    /// A Finesse agent (user) login id, e.g. `1001` (UCCE) or `jdoe` (UCCX).
    AgentId,
    id_char
);
token_type!(
    /// A Finesse dialog id, e.g. `16871253`.
    DialogId,
    id_char
);
token_type!(
    /// A Finesse reason code or wrap-up reason id.
    ReasonCode,
    id_char
);
token_type!(
    /// A Finesse team id or phone book id.
    ObjectId,
    id_char
);
token_type!(
    /// A client destination: the routing key under which a client receives its events
    /// (a host name, an IP address or any name the client picks).
    DestinationName,
    |c: char| id_char(c) || c == ':'
);
token_type!(
    /// A phone extension: digits only (seed: WRONG_EXTENSION when it "contains alphabetic
    /// characters").
    Extension,
    |c: char| c.is_ascii_digit()
);
token_type!(
    /// A number to dial: digits with an optional leading `+` and the keypad's `*`.
    DialNumber,
    |c: char| c.is_ascii_digit() || matches!(c, '+' | '*')
);

impl DestinationName {
    /// Prefixes that belong to the broker or the connector and so cannot name a client.
    pub const RESERVED_PREFIXES: [&'static str; 2] = ["amq.", "gc."];

    /// Like [`DestinationName::parse`], and also refuses the reserved prefixes.
    pub fn parse_client(raw: &str) -> Result<Self, InvalidValue> {
        let name = Self::parse(raw)?;
        let lower = name.0.to_ascii_lowercase();
        if Self::RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p)) {
            return Err(InvalidValue::BadCharacter);
        }
        Ok(name)
    }
}

/// A free-text value (call variable value, wrap-up reason label, phone book name …): any text
/// without the reserved characters or control characters, of bounded length.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Text(String);

impl Text {
    /// The longest free-text value we accept (Finesse call variables hold at most 210 bytes,
    /// ECC variables a little more).
    pub const MAX_LEN: usize = 2048;

    /// Validates `raw`, keeping inner whitespace but trimming the ends. Empty is allowed.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let value = raw.trim();
        if value.chars().count() > Self::MAX_LEN {
            return Err(InvalidValue::TooLong);
        }
        if value
            .chars()
            .any(|c| RESERVED.contains(&c) || c.is_control())
        {
            return Err(InvalidValue::BadCharacter);
        }
        Ok(Self(value.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An agent password. Its `Debug` never shows the secret, so it cannot leak into logs or
/// error messages by accident; read it with [`Password::expose`] where it is really needed
/// (the Finesse Authorization header, the sealed sync message).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password. Passwords are not trimmed: spaces may be part of them.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the password is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Whether a `reply_to` address can be used: the routing key of a publish to the default
/// exchange, so at most 255 bytes (an AMQP short string), printable, no spaces. Other values are
/// ignored (the answer still goes to the agent's destination).
pub fn valid_reply_to(address: &str) -> bool {
    !address.is_empty()
        && address.len() <= 255
        && address
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_and_checked() {
        assert_eq!(AgentId::parse(" 1001 ").unwrap().as_str(), "1001");
        assert_eq!(AgentId::parse(""), Err(InvalidValue::Empty));
        assert_eq!(AgentId::parse("10#01"), Err(InvalidValue::BadCharacter));
        assert_eq!(AgentId::parse("a/b"), Err(InvalidValue::BadCharacter));
        assert_eq!(
            AgentId::parse(&"1".repeat(MAX_ID_LEN + 1)),
            Err(InvalidValue::TooLong)
        );
    }

    #[test]
    fn extensions_are_digits_only() {
        assert!(Extension::parse("3001").is_ok());
        assert_eq!(Extension::parse("30a1"), Err(InvalidValue::BadCharacter));
    }

    #[test]
    fn client_destinations_refuse_reserved_prefixes() {
        assert!(DestinationName::parse_client("192.168.1.148").is_ok());
        assert!(DestinationName::parse_client("crm-host-7").is_ok());
        assert!(DestinationName::parse_client("amq.rabbitmq.reply-to").is_err());
        assert!(DestinationName::parse_client("GC.events").is_err());
    }

    #[test]
    fn password_debug_is_redacted() {
        let text = format!("{:?}", Password::new("hunter2"));
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn text_refuses_reserved_characters() {
        assert!(Text::parse("Customer, new").is_err());
        assert_eq!(Text::parse(" a=b;c ").unwrap().as_str(), "a=b;c");
    }

    #[test]
    fn dots_alone_are_not_ids() {
        for raw in [".", "..", "..."] {
            assert_eq!(
                AgentId::parse(raw),
                Err(InvalidValue::BadCharacter),
                "{raw}"
            );
            assert_eq!(
                DialogId::parse(raw),
                Err(InvalidValue::BadCharacter),
                "{raw}"
            );
        }
        assert!(AgentId::parse("j.doe").is_ok());
        assert!(AgentId::parse("a..b").is_ok());
    }

    #[test]
    fn reply_to_addresses_are_routing_keys() {
        assert!(valid_reply_to("amq.rabbitmq.reply-to.g1h2AA=="));
        assert!(valid_reply_to("crm-replies"));
        assert!(!valid_reply_to(""));
        assert!(!valid_reply_to("has space"));
        assert!(!valid_reply_to("bell\u{7}"));
        assert!(!valid_reply_to(&"r".repeat(256)));
    }
}
