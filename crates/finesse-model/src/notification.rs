//! The notification envelope (finesse-api.md §6.4): XMPP `message` → pubsub `event` → `items`
//! (node) → `item` → `notification` → `Update` document → `data` / `event` / `requestId` /
//! `source`.
//!
//! Both payload encodings are accepted: the `Update` as XML-escaped text inside
//! `notification` (current Finesse), and as child elements of `notification` (older releases).
//! Namespaces are ignored; names match case-insensitively.

use super::api_error::ApiErrors;
use super::dialog::Dialog;
use super::queue::Queue;
use super::system::SystemInfo;
use super::team::Team;
use super::user::User;
use super::xml::{Element, ParseError};
use super::{expect_root, open_enum, opt_enum};

open_enum! {
    /// What happened to the object (`event`; case varies on the wire).
    NotificationEvent {
        Post => "POST",
        Put => "PUT",
        Delete => "DELETE",
    }
}

/// The object inside `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// `user`: a user changed (own node, or a team member on a team node).
    User(Box<User>),
    /// `dialogs`: dialogs added (`POST`) or removed (`DELETE`) on a user's Dialogs node.
    Dialogs(Vec<Dialog>),
    /// `dialog`: one dialog modified (`PUT`).
    Dialog(Box<Dialog>),
    /// `apiErrors`: an asynchronous failure of an earlier request.
    ApiErrors(ApiErrors),
    /// `team`: a whole team.
    Team(Box<Team>),
    /// `Queue`: queue statistics.
    Queue(Box<Queue>),
    /// `SystemInfo`: node status changed.
    SystemInfo(Box<SystemInfo>),
    /// `data` is empty (e.g. a queue removed from `/User/{id}/Queues`).
    Empty,
    /// An object this version does not model (Devices, Media …): kept by name and as XML.
    Other {
        /// Element name inside `data`.
        name: String,
        /// The element written back as XML.
        xml: String,
    },
}

/// A decoded `Update` document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    /// POST / PUT / DELETE; `None` if absent.
    pub event: Option<NotificationEvent>,
    /// Echo of our `requestId` header, `None` for unsolicited events.
    pub request_id: Option<String>,
    /// URI of the object that changed.
    pub source: Option<String>,
    /// The object.
    pub payload: Payload,
}

impl Update {
    /// Parses an `Update` element.
    pub fn from_element(e: &Element) -> Result<Self, ParseError> {
        expect_root(e, &["Update"], "Update")?;
        let payload = match e.child("data").and_then(|d| d.children().first()) {
            None => Payload::Empty,
            Some(obj) => Self::payload(obj)?,
        };
        Ok(Self {
            event: opt_enum(e, "event", NotificationEvent::parse),
            request_id: e.text_of("requestId"),
            source: e.text_of("source"),
            payload,
        })
    }

    fn payload(obj: &Element) -> Result<Payload, ParseError> {
        let name = obj.name().to_ascii_lowercase();
        Ok(match name.as_str() {
            "user" => Payload::User(Box::new(User::from_element(obj)?)),
            "dialogs" => Payload::Dialogs(Dialog::list_from_element(obj)?),
            "dialog" => Payload::Dialog(Box::new(Dialog::from_element(obj)?)),
            "apierrors" => Payload::ApiErrors(ApiErrors::from_element(obj)?),
            "team" => Payload::Team(Box::new(Team::from_element(obj)?)),
            "queue" => Payload::Queue(Box::new(Queue::from_element(obj)?)),
            "systeminfo" => Payload::SystemInfo(Box::new(SystemInfo::from_element(obj)?)),
            _ => Payload::Other {
                name: obj.name().to_owned(),
                xml: obj.to_xml(),
            },
        })
    }

    /// Parses an `Update` document given as bytes (one pubsub item's payload).
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        Self::from_element(&Element::parse(body)?)
    }
}

/// One pubsub item of a notification message. A bad item keeps its parse error, so the other
/// items of the same message (and the session) carry on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PubsubItem {
    /// The pubsub node: whose feed it is (`/finesse/api/User/1001`, `/finesse/api/Team/1/Users` …).
    pub node: String,
    /// The item id, if any.
    pub item_id: Option<String>,
    /// The decoded `Update`, or why it could not be decoded.
    pub update: Result<Update, ParseError>,
}

/// A successfully decoded notification, as the session hands it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The pubsub node (see [`PubsubItem::node`]).
    pub node: String,
    /// The item id, if any.
    pub item_id: Option<String>,
    /// The decoded `Update`.
    pub update: Update,
}

impl Notification {
    /// The agent id in a `/finesse/api/User/{id}[/…]` node, if the node is a user's feed.
    pub fn node_user(&self) -> Option<&str> {
        user_of(&self.node)
    }
}

/// The user id in a `/finesse/api/User/{id}[/…]` URI.
pub fn user_of(uri: &str) -> Option<&str> {
    let rest = uri.trim().strip_prefix("/finesse/api/User/")?;
    rest.split('/').next().filter(|s| !s.is_empty())
}

/// Reads the pubsub items of an XMPP `message` stanza. Returns `None` when the stanza is not a
/// pubsub event (a chat message, a receipt …).
pub fn parse_message(message: &Element) -> Option<Vec<PubsubItem>> {
    if !message.is("message") {
        return None;
    }
    let event = message.child("event")?;
    let mut out = Vec::new();
    for items in event.children_named("items") {
        let node = items.attr("node").unwrap_or_default().to_owned();
        for item in items.children_named("item") {
            out.push(PubsubItem {
                node: node.clone(),
                item_id: item.attr("id").map(str::to_owned),
                update: decode_item(item),
            });
        }
    }
    Some(out)
}

/// Parses a whole `message` stanza given as bytes (tests and fixtures).
pub fn parse_message_bytes(stanza: &[u8]) -> Result<Vec<PubsubItem>, ParseError> {
    let element = Element::parse(stanza)?;
    parse_message(&element).ok_or_else(|| ParseError::UnexpectedRoot {
        expected: "message with a pubsub event",
        found: element.name().to_owned(),
    })
}

fn decode_item(item: &Element) -> Result<Update, ParseError> {
    if let Some(update) = item.child("Update") {
        return Update::from_element(update);
    }
    let notification = item.child("notification").ok_or(ParseError::Missing {
        parent: "item",
        child: "notification",
    })?;
    if let Some(update) = notification.child("Update") {
        return Update::from_element(update);
    }
    // The escaped encoding: after the outer parse the text is the inner document.
    Update::parse(notification.raw_text().trim().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_payload_encodings_decode_to_the_same_update() {
        let inner = "<Update><data><user><loginId>1001</loginId><state>READY</state></user></data>\
                     <event>put</event><requestId>r-1</requestId>\
                     <source>/finesse/api/User/1001</source></Update>";
        let escaped = inner
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let wrap = |payload: &str, ns: &str| {
            format!(
                "<message from='pubsub.x'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
                 <items node='/finesse/api/User/1001'><item id='i1'>\
                 <notification xmlns='{ns}'>{payload}</notification></item></items></event></message>"
            )
        };
        let a = parse_message_bytes(wrap(&escaped, "urn:xmpp:push:0").as_bytes()).unwrap();
        let b = parse_message_bytes(wrap(inner, "http://jabber.org/protocol/pubsub").as_bytes())
            .unwrap();
        assert_eq!(a, b);
        let update = a[0].update.as_ref().unwrap();
        assert_eq!(update.event, Some(NotificationEvent::Put));
        assert_eq!(update.request_id.as_deref(), Some("r-1"));
        assert!(matches!(&update.payload, Payload::User(u) if u.login_id == "1001"));
    }

    #[test]
    fn a_bad_item_does_not_hide_the_good_one() {
        let stanza = "<message><event><items node='/finesse/api/User/1'>\
             <item id='a'><notification>&lt;Update&gt;&lt;data&gt;</notification></item>\
             <item id='b'><notification>&lt;Update&gt;&lt;event&gt;PUT&lt;/event&gt;&lt;/Update&gt;</notification></item>\
             </items></event></message>";
        let items = parse_message_bytes(stanza.as_bytes()).unwrap();
        assert!(items[0].update.is_err());
        let ok = items[1].update.as_ref().unwrap();
        assert_eq!(
            (ok.event.clone(), ok.payload.clone()),
            (Some(NotificationEvent::Put), Payload::Empty)
        );
    }

    #[test]
    fn unknown_payloads_are_kept_and_non_pubsub_messages_are_skipped() {
        let update = Update::parse(
            b"<Update><data><Devices><Device><deviceId>SEP1</deviceId></Device></Devices></data>\
              <event>PUT</event><requestId></requestId><source>/finesse/api/User/1/Devices</source></Update>",
        )
        .unwrap();
        assert!(matches!(update.payload, Payload::Other { ref name, .. } if name == "Devices"));
        assert_eq!(update.request_id, None);
        let chat = Element::parse(b"<message><body>hi</body></message>").unwrap();
        assert_eq!(parse_message(&chat), None);
        assert_eq!(user_of("/finesse/api/User/1001/Dialogs"), Some("1001"));
        assert_eq!(user_of("/finesse/api/Team/1/Users"), None);
    }
}
