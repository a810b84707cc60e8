//! The typed Cisco Finesse vocabulary: what Finesse sends (User, Dialog, Team, Queue,
//! ReasonCodes, WrapUpReasons, PhoneBooks, Contacts, SystemInfo, ApiErrors, and the XMPP
//! notifications that carry them) and what the connector asks of it ([`Request`] and its
//! [`Reply`]). Pure: no IO, no clock, no async; quick-xml, thiserror and gc-protocol only
//! (`scripts/check-sans-io` keeps it that way).
//!
//! # Place in the whole
//! The engine (gc-core) decides which [`Request`] to make and reads the [`Reply`] and the
//! notifications ([`Update`]) in these types. gc-finesse is the IO around them: it turns a
//! `Request` into an HTTP call (the method, path and body are defined here), parses the answer
//! into a `Reply` with [`Request::read_reply`], and decodes each XMPP `message` stanza with
//! [`parse_message`]. The simulator (finesse-sim) writes the same XML independently, so the
//! two sides check each other.
//!
//! # Layout
//! - [`xml`]: a read-only element tree over quick-xml that borrows from the document, and
//!   [`ParseError`], the crate's one error type.
//! - [`user`], [`dialog`], [`team`], [`queue`], [`reason`], [`phonebook`], [`system`],
//!   [`api_error`]: one Finesse object per module, with its typed states.
//! - [`notification`]: the pubsub envelope (`message` → `item` → `notification` → `Update`),
//!   decoded in one pass over the stanza, and the pubsub node names.
//! - [`request`]: [`Request`], [`DialogAction`], [`TargetState`], [`Reply`]; the HTTP method,
//!   path, query and XML body of each request.
//!
//! # Rules every parser follows
//! - Element names match ASCII case-insensitively (`User` in REST, `user` in notifications,
//!   `ReasonCode` / `reasonCode`), unknown elements are ignored, child order does not matter.
//! - Text is trimmed; an empty element means "no value" and becomes `None`, never `""`.
//!   Finesse's "none" sentinels are removed here: `reasonCodeId` `-1` and queue statistics
//!   `-1` become `None`, so users of these types never see them.
//! - Value enums ([`UserState`], [`DialogState`], [`CallType`], [`Action`], …) keep values
//!   this version does not know in an `Other(String)` variant: Finesse adds values across
//!   releases and a new one must not fail the whole object. `as_str()` gives Finesse's
//!   spelling back. Matching ignores ASCII case: Finesse is known to vary the case of the
//!   notification `event` (`PUT` / `put`, finesse-api.md §6.4); for the other enums no two
//!   values differ only in case, so ignoring it costs nothing and keeps a differently cased
//!   release readable.
//! - Ids are gc-protocol types ([`gc_protocol::AgentId`], [`gc_protocol::DialogId`],
//!   [`gc_protocol::ReasonCode`], [`gc_protocol::ObjectId`]): safe in a URL path and in the
//!   client protocol. An object whose own id is unusable (a User's `loginId`, a Dialog's `id`)
//!   fails to parse ([`ParseError::Invalid`]); an unusable optional reference (a reason code
//!   id, a team id) reads as absent.
//! - Nothing here panics on input: malformed XML is a [`ParseError`], and documents are
//!   bounded in size ([`xml::MAX_DOCUMENT`]) and depth ([`xml::MAX_DEPTH`]).

pub mod api_error;
pub mod dialog;
pub mod notification;
pub mod phonebook;
pub mod queue;
pub mod reason;
pub mod request;
pub mod system;
pub mod team;
pub mod user;
pub mod xml;

pub use api_error::{ApiError, ApiErrors};
pub use dialog::{
    Action, CallType, CallVariable, Dialog, DialogState, MediaProperties, Participant,
    ParticipantState,
};
pub use notification::{
    Notification, NotificationEvent, Payload, PubsubItem, Update, parse_message, team_node,
    team_of, user_of,
};
pub use phonebook::{Contact, PhoneBook, PhoneBookType};
pub use queue::{Queue, QueueStatistics};
pub use reason::{ReasonCategory, ReasonCodeInfo, WrapUpReason};
pub use request::{DialogAction, Method, Reply, Request, RequestId, TargetState};
pub use system::{NodeAddress, SystemInfo, SystemStatus};
pub use team::{Team, TeamRef};
pub use user::{MobileAgent, MobileAgentMode, Role, User, UserState, WrapUpMode};
pub use xml::{Element, ParseError};

/// Declares an enum of known wire values plus `Other(String)` for values this code does not
/// know yet. Parsing ignores ASCII case and surrounding whitespace (see the crate docs for
/// why); [`as_str`] gives Finesse's spelling back (or the original text for `Other`).
macro_rules! open_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $( $(#[$vdoc:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* #[doc = concat!("`", $text, "`")] $variant, )+
            /// A value this version does not know, kept verbatim (trimmed).
            Other(String),
        }

        impl $name {
            /// Parses a wire value (ASCII case-insensitive, trimmed). Never fails.
            pub fn parse(raw: &str) -> Self {
                let value = raw.trim();
                $( if value.eq_ignore_ascii_case($text) { return Self::$variant; } )+
                Self::Other(value.to_owned())
            }

            /// Finesse's spelling.
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

/// The value of child `name` as an open enum; `None` when absent or empty.
pub(crate) fn opt_enum<T>(element: &Element<'_>, name: &str, parse: fn(&str) -> T) -> Option<T> {
    element.text_of_str(name).map(parse)
}

/// Checks that `element` is the expected root (ASCII case-insensitive).
pub(crate) fn expect_root(
    element: &Element<'_>,
    name: &str,
    expected: &'static str,
) -> Result<(), ParseError> {
    if element.is(name) {
        Ok(())
    } else {
        Err(ParseError::UnexpectedRoot {
            expected,
            found: element.name().to_owned(),
        })
    }
}

/// The last path segment of a Finesse URI (`/finesse/api/ReasonCode/7` → `7`).
pub(crate) fn last_segment(uri: &str) -> Option<&str> {
    uri.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
}

/// An optional id: child `name`, else the last segment of child `uri`. A value the id type
/// refuses reads as absent (an id we cannot put in a URL or an event is of no use).
pub(crate) fn opt_id<T, E>(
    element: &Element<'_>,
    name: &str,
    parse: fn(&str) -> Result<T, E>,
) -> Option<T> {
    element
        .text_of_str(name)
        .or_else(|| element.text_of_str("uri").and_then(last_segment))
        .and_then(|raw| parse(raw).ok())
}

/// A required id: child `name` (else the last segment of `uri`), which must be present and
/// valid.
pub(crate) fn required_id<T>(
    element: &Element<'_>,
    name: &'static str,
    parent: &'static str,
    parse: fn(&str) -> Result<T, gc_protocol::InvalidValue>,
) -> Result<T, ParseError> {
    let raw = element
        .text_of_str(name)
        .or_else(|| element.text_of_str("uri").and_then(last_segment))
        .ok_or(ParseError::Missing {
            parent,
            child: name,
        })?;
    parse(raw).map_err(|_| ParseError::invalid(name, raw))
}
