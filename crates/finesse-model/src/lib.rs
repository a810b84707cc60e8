//! Typed Finesse objects: parse from REST bodies and notification payloads, format request
//! bodies. Pure: no IO, no clock.
//!
//! Every parser reads an [`xml::Element`] tree and matches element names case-insensitively,
//! ignores unknown elements, and keeps unknown enum values in an `Other(String)` variant, so a
//! newer Finesse release degrades to "unknown value" instead of a failed parse
//! (finesse-api.md §6.7).

pub mod api_error;
pub mod dialog;
pub mod notification;
pub mod phonebook;
pub mod queue;
pub mod reason;
pub mod system;
pub mod team;
pub mod user;
pub mod xml;

pub use api_error::{ApiError, ApiErrors};
pub use dialog::{
    Action, CallType, CallVariable, Dialog, DialogRequest, DialogState, MediaProperties,
    Participant, ParticipantState,
};
pub use notification::{Notification, NotificationEvent, Payload, PubsubItem, Update};
pub use phonebook::{Contact, PhoneBook, PhoneBookType};
pub use queue::{Queue, QueueStatistics};
pub use reason::{ReasonCategory, ReasonCodeInfo, WrapUpReason};
pub use system::{NodeAddress, SystemInfo, SystemStatus};
pub use team::{Team, TeamRef};
pub use user::{MobileAgent, MobileAgentMode, User, UserRequest, UserState, WrapUpMode};
pub use xml::{Element, ParseError};

/// Declares an enum of known wire values plus `Other(String)` for values this code does not
/// know yet. Parsing ignores ASCII case and surrounding whitespace; [`as_str`] gives the
/// canonical spelling back (or the original text for `Other`).
macro_rules! open_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $( $(#[$vdoc:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* #[doc = concat!("`", $text, "`")] $variant, )+
            /// A value this version does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Parses a wire value (ASCII case-insensitive, trimmed). Never fails.
            pub fn parse(raw: &str) -> Self {
                let value = raw.trim();
                $( if value.eq_ignore_ascii_case($text) { return Self::$variant; } )+
                Self::Other(value.to_owned())
            }

            /// The canonical wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Other(text) => text,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use open_enum;

/// Parses `text` into an open enum unless it is empty (empty element = no value).
pub(crate) fn opt_enum<T>(element: &Element, name: &str, parse: fn(&str) -> T) -> Option<T> {
    element.text_of(name).map(|t| parse(&t))
}

/// Checks that `element` is one of the accepted root names.
pub(crate) fn expect_root(
    element: &Element,
    names: &[&str],
    expected: &'static str,
) -> Result<(), ParseError> {
    if names.iter().any(|n| element.is(n)) {
        Ok(())
    } else {
        Err(ParseError::UnexpectedRoot {
            expected,
            found: element.name().to_owned(),
        })
    }
}
