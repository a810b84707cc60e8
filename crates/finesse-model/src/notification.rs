//! The notification envelope (finesse-api.md §6.4): XMPP `message` → pubsub `event` → `items`
//! (node) → `item` → `notification` → `Update` document → `data` / `event` / `requestId` /
//! `source`; and the names of the pubsub nodes.
//!
//! Both payload encodings are accepted: the `Update` as XML-escaped text inside
//! `notification` (current Finesse), and as child elements of `notification` or `item` (older
//! releases). Namespaces are ignored; names match case-insensitively.
//!
//! Why [`parse_message`] does not build a tree of the stanza: the escaped `Update` is most of
//! the stanza, and an XML reader reports each `&lt;` / `&gt;` in it as an event of its own
//! (thousands for a dialog), only for the text to be parsed again as the inner document. So
//! the envelope is read with quick-xml up to each `notification`, the escaped text up to the
//! closing tag is taken as one slice (it cannot contain `<`), unescaped in one pass, and only
//! the inner `Update` is parsed into a tree. Anything unusual inside `notification` (child
//! elements, CDATA, comments) takes the general path.

use std::borrow::Cow;

use gc_protocol::{AgentId, ObjectId};
use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::{resolve_predefined_entity, unescape};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;

use crate::api_error::ApiErrors;
use crate::dialog::Dialog;
use crate::queue::Queue;
use crate::request::RequestId;
use crate::system::SystemInfo;
use crate::team::Team;
use crate::user::User;
use crate::xml::{Element, MAX_DEPTH, MAX_DOCUMENT, ParseError, local, within};
use crate::{expect_root, open_enum, opt_enum};

open_enum! {
    /// What happened to the object (`event`; Finesse sends it upper or lower case).
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
    /// Echo of our `requestId` header; `None` for unsolicited events.
    pub request_id: Option<RequestId>,
    /// URI of the object that changed.
    pub source: Option<String>,
    /// The object.
    pub payload: Payload,
}

impl Update {
    /// Parses an `Update` element.
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "Update", "Update")?;
        let payload = match e.child("data").and_then(|d| d.children().first()) {
            None => Payload::Empty,
            Some(obj) => Self::payload(obj)?,
        };
        Ok(Self {
            event: opt_enum(e, "event", NotificationEvent::parse),
            request_id: e.text_of("requestId").map(RequestId::new),
            source: e.text_of("source"),
            payload,
        })
    }

    fn payload(obj: &Element<'_>) -> Result<Payload, ParseError> {
        let is = |name: &str| obj.is(name);
        Ok(if is("user") {
            Payload::User(Box::new(User::from_element(obj)?))
        } else if is("dialogs") {
            Payload::Dialogs(Dialog::list_from_element(obj)?)
        } else if is("dialog") {
            Payload::Dialog(Box::new(Dialog::from_element(obj)?))
        } else if is("apiErrors") {
            Payload::ApiErrors(ApiErrors::from_element(obj)?)
        } else if is("team") {
            Payload::Team(Box::new(Team::from_element(obj)?))
        } else if is("queue") {
            Payload::Queue(Box::new(Queue::from_element(obj)?))
        } else if is("SystemInfo") {
            Payload::SystemInfo(Box::new(SystemInfo::from_element(obj)?))
        } else {
            Payload::Other {
                name: obj.name().to_owned(),
                xml: obj.to_xml(),
            }
        })
    }

    /// Parses an `Update` document given as bytes (one pubsub item's payload).
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        Self::from_element(&Element::parse(body)?)
    }

    /// Parses an `Update` document given as text.
    pub fn parse_str(body: &str) -> Result<Self, ParseError> {
        Self::from_element(&Element::parse_str(body)?)
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

/// A successfully decoded notification, as a session hands it out.
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
    /// The agent whose feed the node is (`/finesse/api/User/{id}[/…]`).
    pub fn node_user(&self) -> Option<AgentId> {
        user_of(&self.node)
    }

    /// The team whose feed the node is (`/finesse/api/Team/{id}/Users`).
    pub fn node_team(&self) -> Option<ObjectId> {
        team_of(&self.node)
    }
}

/// The user id in a `/finesse/api/User/{id}[/…]` URI or node.
pub fn user_of(uri: &str) -> Option<AgentId> {
    let rest = uri.trim().strip_prefix("/finesse/api/User/")?;
    AgentId::parse(rest.split('/').next()?).ok()
}

/// The team id in a `/finesse/api/Team/{id}[/…]` URI or node.
pub fn team_of(uri: &str) -> Option<ObjectId> {
    let rest = uri.trim().strip_prefix("/finesse/api/Team/")?;
    ObjectId::parse(rest.split('/').next()?).ok()
}

/// The pubsub node of a team's live user feed (an explicit subscription, finesse-api.md §6.3).
pub fn team_node(team: &ObjectId) -> String {
    format!("/finesse/api/Team/{team}/Users")
}

/// Reads the pubsub items of an XMPP `message` stanza. A message that is not a pubsub event
/// (a chat message, a receipt …) has no items. An item whose `Update` cannot be read keeps
/// its error; a stanza that is not well-formed, or whose root is not `message`, is an error.
pub fn parse_message(stanza: &[u8]) -> Result<Vec<PubsubItem>, ParseError> {
    if stanza.len() > MAX_DOCUMENT {
        return Err(ParseError::TooLarge);
    }
    let text = std::str::from_utf8(stanza).map_err(|_| ParseError::Utf8)?;
    Envelope::new(text).read()
}

/// Where an open element sits in the envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Message,
    Event,
    Items,
    Item,
    Other,
}

/// An open element: its qualified name (to check the end tag) and its role.
struct Open<'a> {
    qname: &'a str,
    role: Role,
}

/// An item being read.
struct Draft {
    item_id: Option<String>,
    update: Option<Result<Update, ParseError>>,
}

/// The envelope reader. The quick-xml reader is restarted after each escaped payload it
/// skipped, so end tags are checked here (`stack`), not by quick-xml.
struct Envelope<'a> {
    text: &'a str,
    reader: Reader<&'a [u8]>,
    /// Offset of the reader's input in `text`.
    base: usize,
    stack: Vec<Open<'a>>,
    root_seen: bool,
    node: String,
    draft: Option<Draft>,
    items: Vec<PubsubItem>,
}

fn reader(text: &str) -> Reader<&[u8]> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.expand_empty_elements = false;
    reader
}

impl<'a> Envelope<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            reader: reader(text),
            base: 0,
            stack: Vec::new(),
            root_seen: false,
            node: String::new(),
            draft: None,
            items: Vec::new(),
        }
    }

    /// Absolute offset of the reader in `text`.
    fn position(&self) -> usize {
        self.base
            .saturating_add(usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX))
    }

    fn syntax(&self, message: impl Into<String>) -> ParseError {
        ParseError::syntax(self.position() as u64, message)
    }

    fn read(mut self) -> Result<Vec<PubsubItem>, ParseError> {
        loop {
            let at = self.position();
            let event = self
                .reader
                .read_event()
                .map_err(|e| ParseError::syntax(at as u64, e.to_string()))?;
            match event {
                Event::Start(start) => self.start(&start, at, false)?,
                Event::Empty(start) => self.start(&start, at, true)?,
                Event::End(end) => {
                    let open = self
                        .stack
                        .pop()
                        .ok_or_else(|| self.syntax("unmatched end tag"))?;
                    if end.name().as_ref() != open.qname {
                        return Err(self.syntax(format!("</{}> expected", open.qname)));
                    }
                    self.close(open.role);
                }
                Event::Text(text) => {
                    if self.stack.is_empty() && !text.trim().is_empty() {
                        return Err(self.syntax("text outside the root element"));
                    }
                }
                Event::CData(_) => {
                    if self.stack.is_empty() {
                        return Err(self.syntax("text outside the root element"));
                    }
                }
                Event::GeneralRef(reference) => {
                    let known = match reference.resolve_char_ref() {
                        Ok(Some(_)) => true,
                        Ok(None) => resolve_predefined_entity(&reference).is_some(),
                        Err(_) => false,
                    };
                    if !known || self.stack.is_empty() {
                        return Err(self.syntax("bad entity reference"));
                    }
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if !self.stack.is_empty() {
            return Err(self.syntax("document ends inside an element"));
        }
        if !self.root_seen {
            return Err(ParseError::Empty);
        }
        Ok(self.items)
    }

    /// A start tag (or an empty element when `empty`) at offset `at`.
    fn start(&mut self, start: &BytesStart<'_>, at: usize, empty: bool) -> Result<(), ParseError> {
        let Some(qname) = within(self.text, start.name().as_ref()) else {
            return Err(self.syntax("element name outside the document"));
        };
        let name = local(qname);
        let parent = self.stack.last().map(|open| open.role);
        let role = match parent {
            None => {
                if self.root_seen {
                    return Err(self.syntax("content after the root element"));
                }
                if !name.eq_ignore_ascii_case("message") {
                    return Err(ParseError::UnexpectedRoot {
                        expected: "message",
                        found: name.to_owned(),
                    });
                }
                self.root_seen = true;
                Role::Message
            }
            Some(Role::Message) if name.eq_ignore_ascii_case("event") => Role::Event,
            Some(Role::Event) if name.eq_ignore_ascii_case("items") => {
                self.node = attribute(start, "node")?.unwrap_or_default();
                Role::Items
            }
            Some(Role::Items) if name.eq_ignore_ascii_case("item") => {
                self.draft = Some(Draft {
                    item_id: attribute(start, "id")?,
                    update: None,
                });
                Role::Item
            }
            Some(Role::Item) if name.eq_ignore_ascii_case("notification") => {
                let update = if empty {
                    Err(ParseError::Empty)
                } else {
                    self.notification(qname)?
                };
                self.keep(update);
                return Ok(());
            }
            Some(Role::Item) if name.eq_ignore_ascii_case("Update") => {
                let update = if empty {
                    Update::parse_str(&self.text[at..self.position()])
                } else {
                    self.inline_update(qname, at)?
                };
                self.keep(update);
                return Ok(());
            }
            Some(_) => Role::Other,
        };
        if empty {
            self.close(role);
        } else {
            if self.stack.len() >= MAX_DEPTH {
                return Err(ParseError::TooDeep);
            }
            self.stack.push(Open { qname, role });
        }
        Ok(())
    }

    /// An element ended: an item is complete.
    fn close(&mut self, role: Role) {
        if role != Role::Item {
            return;
        }
        let Some(draft) = self.draft.take() else {
            return;
        };
        self.items.push(PubsubItem {
            node: self.node.clone(),
            item_id: draft.item_id,
            update: draft.update.unwrap_or(Err(ParseError::Missing {
                parent: "item",
                child: "notification",
            })),
        });
    }

    /// The first payload of the current item counts.
    fn keep(&mut self, update: Result<Update, ParseError>) {
        if let Some(draft) = &mut self.draft
            && draft.update.is_none()
        {
            draft.update = Some(update);
        }
    }

    /// Reads the content of a `notification` whose start tag was just read, and the end tag.
    /// The outer `Result` fails the stanza (not well-formed); the inner one only the item.
    fn notification(&mut self, qname: &'a str) -> Result<Result<Update, ParseError>, ParseError> {
        let from = self.position();
        let rest = &self.text[from..];
        if let Some(lt) = rest.find('<')
            && let Some(tag) = rest[lt..].strip_prefix("</")
        {
            // Escaped payload: plain text up to our end tag.
            let close = tag
                .find('>')
                .ok_or_else(|| self.syntax("unterminated end tag"))?;
            if tag[..close].trim_end() != qname {
                return Err(self.syntax(format!("</{qname}> expected")));
            }
            let decoded = unescape(&rest[..lt])
                .map_err(|e| ParseError::syntax(from as u64, e.to_string()))
                .and_then(|inner| Update::parse_str(&inner));
            let after = from + lt + 2 + close + 1;
            self.base = after;
            self.reader = reader(&self.text[after..]);
            return Ok(decoded);
        }
        // Child elements, CDATA or comments: let the reader find the end, then read the
        // content as a small document of its own.
        let span = self
            .reader
            .read_to_end(QName(qname))
            .map_err(|e| self.syntax(e.to_string()))?;
        let inner = self.slice(span.start, span.end);
        Ok(decode_inner(inner))
    }

    /// An `Update` element directly inside `item`, starting at offset `at`.
    fn inline_update(
        &mut self,
        qname: &'a str,
        at: usize,
    ) -> Result<Result<Update, ParseError>, ParseError> {
        self.reader
            .read_to_end(QName(qname))
            .map_err(|e| self.syntax(e.to_string()))?;
        Ok(Update::parse_str(&self.text[at..self.position()]))
    }

    /// `text` between two reader offsets.
    fn slice(&self, start: u64, end: u64) -> &'a str {
        let offset = |p: u64| {
            self.base
                .saturating_add(usize::try_from(p).unwrap_or(usize::MAX))
        };
        self.text
            .get(offset(start)..offset(end))
            .unwrap_or_default()
    }
}

/// The content of a `notification` that is not plain escaped text: an `Update` element, or
/// text mixed with CDATA or comments that holds the escaped document.
fn decode_inner(inner: &str) -> Result<Update, ParseError> {
    let wrapped = format!("<notification>{inner}</notification>");
    let notification = Element::parse_str(&wrapped)?;
    if let Some(update) = notification.child("Update") {
        return Update::from_element(update);
    }
    Update::parse_str(notification.raw_text().trim())
}

/// An attribute value by local name (ASCII case-insensitive), unescaped.
fn attribute(start: &BytesStart<'_>, name: &str) -> Result<Option<String>, ParseError> {
    for attr in start.attributes() {
        let attr = attr.map_err(|e| ParseError::syntax(0, e.to_string()))?;
        if local(attr.key.as_ref()).eq_ignore_ascii_case(name) {
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| ParseError::syntax(0, e.to_string()))?;
            return Ok(Some(Cow::into_owned(value)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escape(inner: &str) -> String {
        inner
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    fn wrap(payload: &str, ns: &str) -> String {
        format!(
            "<message from='pubsub.x'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='/finesse/api/User/1001'><item id='i1'>\
             <notification xmlns='{ns}'>{payload}</notification></item></items></event></message>"
        )
    }

    const INNER: &str = "<Update><data><user><loginId>1001</loginId><state>READY</state>\
                         <firstName>A &amp; B</firstName></user></data>\
                         <event>put</event><requestId>r-1</requestId>\
                         <source>/finesse/api/User/1001</source></Update>";

    #[test]
    fn both_payload_encodings_decode_to_the_same_update() {
        let a = parse_message(wrap(&escape(INNER), "urn:xmpp:push:0").as_bytes()).unwrap();
        let b = parse_message(wrap(INNER, "http://jabber.org/protocol/pubsub").as_bytes()).unwrap();
        let c = parse_message(wrap(&format!("<![CDATA[{INNER}]]>"), "urn:xmpp:push:0").as_bytes())
            .unwrap();
        let inline = parse_message(
            format!(
                "<message><event><items node='/finesse/api/User/1001'><item id='i1'>{INNER}\
                 </item></items></event></message>"
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, inline);
        assert_eq!(a[0].node, "/finesse/api/User/1001");
        assert_eq!(a[0].item_id.as_deref(), Some("i1"));
        let update = a[0].update.as_ref().unwrap();
        assert_eq!(update.event, Some(NotificationEvent::Put));
        assert_eq!(update.request_id, Some(RequestId::new("r-1")));
        let Payload::User(user) = &update.payload else {
            panic!("{update:?}")
        };
        assert_eq!(user.login_id.as_str(), "1001");
        assert_eq!(user.first_name.as_deref(), Some("A & B"));
    }

    #[test]
    fn several_items_and_prefixed_names_are_read() {
        let one = escape("<Update><event>POST</event></Update>");
        let two = escape("<Update><event>DELETE</event></Update>");
        let stanza = format!(
            "<cl:message xmlns:cl='jabber:client'><ev:event xmlns:ev='x'><ev:items node='n&amp;1'>\
             <ev:item id='a'><p:notification xmlns:p='y'>{one}</p:notification></ev:item>\
             <ev:item id='b'><p:notification xmlns:p='y'>{two}</p:notification><extra/></ev:item>\
             </ev:items></ev:event><delay/></cl:message>"
        );
        let items = parse_message(stanza.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].node, "n&1");
        let events: Vec<_> = items
            .iter()
            .map(|i| i.update.as_ref().unwrap().event.clone())
            .collect();
        assert_eq!(
            events,
            [
                Some(NotificationEvent::Post),
                Some(NotificationEvent::Delete)
            ]
        );
    }

    #[test]
    fn a_bad_item_does_not_hide_the_good_one() {
        let stanza = "<message><event><items node='/finesse/api/User/1'>\
             <item id='a'><notification>&lt;Update&gt;&lt;data&gt;</notification></item>\
             <item id='b'><notification>&lt;Update&gt;&lt;event&gt;PUT&lt;/event&gt;&lt;/Update&gt;</notification></item>\
             <item id='c'></item><item id='d'><notification/></item>\
             </items></event></message>";
        let items = parse_message(stanza.as_bytes()).unwrap();
        assert!(items[0].update.is_err());
        let ok = items[1].update.as_ref().unwrap();
        assert_eq!(
            (ok.event.clone(), ok.payload.clone()),
            (Some(NotificationEvent::Put), Payload::Empty)
        );
        assert!(items[2].update.is_err());
        assert_eq!(items[3].update, Err(ParseError::Empty));
    }

    #[test]
    fn malformed_envelopes_are_errors() {
        for bad in [
            "<message><event><items><item><notification>x</item></items></event></message>",
            "<message><event></message>",
            "<message><event>",
            "<message/><message/>",
            "<iq type='get'/>",
            "<message>&bogus;</message>",
            "",
            "<message><event><items><item><notification>a</notificatio></item></items></event></message>",
        ] {
            assert!(parse_message(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_payloads_are_kept_and_non_pubsub_messages_have_no_items() {
        let update = Update::parse(
            b"<Update><data><Devices><Device><deviceId>SEP1</deviceId></Device></Devices></data>\
              <event>PUT</event><requestId></requestId><source>/finesse/api/User/1/Devices</source></Update>",
        )
        .unwrap();
        assert!(matches!(update.payload, Payload::Other { ref name, .. } if name == "Devices"));
        assert_eq!(update.request_id, None);
        assert_eq!(
            parse_message(b"<message><body>hi</body></message>"),
            Ok(Vec::new())
        );
    }

    #[test]
    fn nodes_name_their_user_or_team() {
        assert_eq!(
            user_of("/finesse/api/User/1001/Dialogs"),
            AgentId::parse("1001").ok()
        );
        assert_eq!(user_of("/finesse/api/Team/1/Users"), None);
        let team = ObjectId::parse("12").unwrap();
        assert_eq!(team_of(&team_node(&team)), Some(team));
        assert_eq!(team_of("/finesse/api/User/1001"), None);
    }
}
