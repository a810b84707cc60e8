//! Messages as the driver sees them, and their mapping to and from AMQP properties.
//!
//! Everything here is pure (no IO): inbound deliveries become [`CommandDelivery`] values,
//! outbound [`OutgoingMessage`]s become AMQP properties following docs/protocol.md section 2,
//! and a command to dead-letter becomes a copy carrying `x-gc-reason`. The adapter does not
//! interpret commands; it moves bytes and properties.
//!
//! `Debug` output of every type that holds a body shows its length only (a `Connect` body
//! carries the agent's password), and of a JMS type only its command word.

use std::borrow::Cow;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use lapin::Acker;
use lapin::BasicProperties;
use lapin::message::Delivery;
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};

use crate::BrokerError;
use crate::amqp1;
use crate::config::MAX_SHORT;

/// A header value longer than this is cut to it. One byte above the protocol's 64 KiB message
/// limit, so a cut value is still rejected as too large by `gc-protocol`; the cut only keeps us
/// from copying whatever the frame size allows into a `String`.
pub const MAX_HEADER_TEXT: usize = 64 * 1024 + 1;

/// `x-gc-reason` texts are cut to this many bytes.
pub const MAX_REASON: usize = 4096;

/// Message and correlation ids longer than this (the AMQP short-string limit, so the value
/// can be echoed in the `correlation_id` property) are replaced at ingestion by
/// [`HASHED_ID_PREFIX`] and the SHA-256 of the whole value in hex. Hashing rather than cutting
/// keeps two long ids that share a prefix apart, which de-duplication depends on.
pub const MAX_ID: usize = 255;

/// Prefix of an id that was too long and was replaced by its hash.
pub const HASHED_ID_PREFIX: &str = "sha256:";

/// The JMS type sent when the caller names none: a JMS client then materialises a TextMessage.
pub const DEFAULT_JMS_TYPE: &str = "TextMessage";

/// `delivery_mode` value for persistent messages.
const PERSISTENT: u8 = 2;
/// `delivery_mode` value for transient messages.
const TRANSIENT: u8 = 1;

// === inbound ===

/// A command as delivered from the command queue, with the token that acks or dead-letters it.
pub struct CommandDelivery {
    /// The JMS type `<Command>#<argument>`: header `JMSType` (string or bytes), else the AMQP
    /// `type` property. Empty values count as absent. For a message sent over AMQP 1.0 (see
    /// [`amqp1`](crate::amqp1)): application property `JMSType`, else `subject`, else message
    /// annotation `x-opt-jms-type`; `None` when its sections cannot be decoded.
    pub jms_type: Option<String>,
    /// The body, as sent. Shared with the token (a dead-letter copy needs it), never copied.
    /// For AMQP 1.0, the text of its amqp-value or data sections (a slice of the same buffer).
    pub body: Bytes,
    /// The `reply_to` property (JMSReplyTo). For AMQP 1.0, the queue its `reply-to` address
    /// names (`/queue/q` and `/amq/queue/q` give `q`; exchange addresses give `None`).
    pub reply_to: Option<String>,
    /// The `correlation_id` property, else header `JMSCorrelationID`; at most [`MAX_ID`]
    /// bytes (a longer one is hashed).
    pub correlation_id: Option<String>,
    /// The `message_id` property, else header `JMSMessageID` (where the JMS client puts it);
    /// at most [`MAX_ID`] bytes (a longer one is hashed).
    pub message_id: Option<String>,
    /// Header `gc-format` (`json` or `legacy`), passed through uninterpreted.
    pub format: Option<String>,
    /// Header `gc-destination`: the destination the sender reads, so that a command the
    /// connector cannot attribute to a bound agent can still be answered there.
    pub destination: Option<String>,
    /// The broker's redelivered flag: this command may have been seen before.
    pub redelivered: bool,
    /// Hand back to [`Broker::ack`](crate::Broker::ack) or
    /// [`Broker::dead_letter`](crate::Broker::dead_letter) exactly once.
    pub token: DeliveryToken,
}

impl fmt::Debug for CommandDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The command word only: a client may write parameters (a password) into the JMS type.
        let command = self
            .jms_type
            .as_deref()
            .map(|t| t.split('#').next().unwrap_or_default());
        f.debug_struct("CommandDelivery")
            .field("command", &command)
            .field("body_len", &self.body.len())
            .field("reply_to", &self.reply_to)
            .field("correlation_id", &self.correlation_id)
            .field("message_id", &self.message_id)
            .field("format", &self.format)
            .field("destination", &self.destination)
            .field("redelivered", &self.redelivered)
            .field("token", &self.token)
            .finish()
    }
}

/// Proof of an unacknowledged delivery. Single use: ack or dead-letter consumes it.
///
/// It remembers the connection it came from (`epoch`): after a reconnect the broker has
/// already requeued the delivery, so acking it is a harmless no-op rather than an ack of
/// whatever now has the same delivery tag. A token dropped without being handed back leaves
/// its delivery unacked (holding a prefetch slot) until the connection closes.
pub struct DeliveryToken {
    pub(crate) epoch: u64,
    pub(crate) delivery_tag: u64,
    pub(crate) acker: Acker,
    /// Boxed: the original properties are large and only needed to dead-letter.
    pub(crate) original: Box<Original>,
}

impl fmt::Debug for DeliveryToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryToken")
            .field("epoch", &self.epoch)
            .field("delivery_tag", &self.delivery_tag)
            .finish_non_exhaustive()
    }
}

/// What a dead-letter copy needs of the original delivery.
pub(crate) struct Original {
    pub(crate) exchange: ShortString,
    pub(crate) routing_key: ShortString,
    pub(crate) properties: BasicProperties,
    pub(crate) body: Bytes,
}

/// Turns a delivery from the command queue into a [`CommandDelivery`].
pub(crate) fn command_from_delivery(delivery: Delivery, epoch: u64) -> CommandDelivery {
    let Delivery {
        delivery_tag,
        exchange,
        routing_key,
        redelivered,
        properties,
        data,
        acker,
    } = delivery;
    let headers = properties.headers().as_ref();
    // One buffer for the driver and the dead-letter copy: nothing is copied, whatever its size
    // (an AMQP 1.0 body is a slice of it, unless it came in several data sections).
    let data = Bytes::from(data);
    let amqp1 = from_amqp1(properties.kind().as_ref(), headers, &data);
    let (jms_type, body, fields) = match amqp1 {
        None => (
            header_text(headers, "JMSType").or_else(|| short_text(properties.kind().as_ref())),
            data.clone(),
            amqp1::Fields::default(),
        ),
        Some(Ok((fields, body))) => (
            fields
                .jms_type
                .clone()
                .map(cut_text)
                .or_else(|| header_text(headers, "JMSType")),
            body,
            fields,
        ),
        // Answered like a message without a command (dead-lettered), never half understood.
        Some(Err(error)) => {
            tracing::warn!(%error, "an AMQP 1.0 message could not be decoded");
            (None, data.clone(), amqp1::Fields::default())
        }
    };
    let message_id = fields
        .message_id
        .or_else(|| short_text(properties.message_id().as_ref()))
        .or_else(|| header_text(headers, "JMSMessageID"))
        .map(bounded_id);
    let correlation_id = fields
        .correlation_id
        .or_else(|| short_text(properties.correlation_id().as_ref()))
        .or_else(|| header_text(headers, "JMSCorrelationID"))
        .map(bounded_id);
    let format = fields
        .format
        .map(cut_text)
        .or_else(|| header_text(headers, "gc-format"));
    let reply_to = if is_amqp1(properties.kind().as_ref(), headers) {
        // The address the client gave, as a queue name (`/queue/q` → `q`); exchange and
        // topic addresses name no queue a reply could be published to.
        fields.reply_to
    } else {
        short_text(properties.reply_to().as_ref())
    };
    let destination = header_text(headers, "gc-destination");
    let original = Box::new(Original {
        exchange,
        routing_key,
        body: data,
        properties,
    });
    CommandDelivery {
        jms_type,
        body,
        reply_to,
        correlation_id,
        message_id,
        format,
        destination,
        redelivered,
        token: DeliveryToken {
            epoch,
            delivery_tag,
            acker,
            original,
        },
    }
}

/// Whether RabbitMQ's AMQP 1.0 plugin delivered this message: type `amqp-1.0`, or any of its
/// `x-amqp-1.0-*` section headers (a single data-section body arrives unwrapped, with type
/// `binary`).
fn is_amqp1(kind: Option<&ShortString>, headers: Option<&FieldTable>) -> bool {
    kind.is_some_and(|k| k.as_str() == amqp1::AMQP1_TYPE)
        || headers.is_some_and(|h| {
            AMQP1_HEADERS
                .iter()
                .any(|name| h.inner().contains_key(*name))
        })
}

/// The headers in which RabbitMQ passes an AMQP 1.0 message's sections.
const AMQP1_HEADERS: [&str; 3] = [
    amqp1::APP_PROPERTIES_HEADER,
    amqp1::PROPERTIES_HEADER,
    amqp1::MESSAGE_ANNOTATIONS_HEADER,
];

/// An AMQP 1.0 message's fields and body text (docs/protocol.md "Client stacks"); `None` for
/// a message that did not come over AMQP 1.0. The body is decoded only for type `amqp-1.0`
/// (RabbitMQ passes the encoded body sections then; otherwise the payload is the body).
fn from_amqp1(
    kind: Option<&ShortString>,
    headers: Option<&FieldTable>,
    data: &Bytes,
) -> Option<Result<(amqp1::Fields, Bytes), amqp1::Amqp1Error>> {
    if !is_amqp1(kind, headers) {
        return None;
    }
    let section = |name| header_bytes(headers, name);
    let sections = amqp1::Sections {
        application_properties: section(amqp1::APP_PROPERTIES_HEADER),
        properties: section(amqp1::PROPERTIES_HEADER),
        message_annotations: section(amqp1::MESSAGE_ANNOTATIONS_HEADER),
    };
    let encoded_body = kind.is_some_and(|k| k.as_str() == amqp1::AMQP1_TYPE);
    Some(amqp1::fields(&sections).and_then(|fields| {
        if !encoded_body {
            return Ok((fields, data.clone()));
        }
        let body = match amqp1::body(data)? {
            Cow::Borrowed(slice) => data.slice_ref(slice),
            Cow::Owned(joined) => Bytes::from(joined),
        };
        Ok((fields, body))
    }))
}

/// A header's bytes when it is a string or byte array.
fn header_bytes<'a>(headers: Option<&'a FieldTable>, name: &str) -> Option<&'a [u8]> {
    match headers?.inner().get(name)? {
        AMQPValue::LongString(s) => Some(s.as_bytes()),
        AMQPValue::ByteArray(b) => Some(b.as_slice()),
        _ => None,
    }
}

/// Text cut at [`MAX_HEADER_TEXT`], as header values are.
fn cut_text(text: String) -> String {
    if text.len() <= MAX_HEADER_TEXT {
        return text;
    }
    cut_at_char(&text, MAX_HEADER_TEXT).to_owned()
}

/// A header as text, when it is a string or byte array; invalid UTF-8 is replaced (so
/// downstream validation reports it instead of it silently vanishing); cut at
/// [`MAX_HEADER_TEXT`]. Empty counts as absent.
pub(crate) fn header_text(headers: Option<&FieldTable>, name: &str) -> Option<String> {
    let bytes: &[u8] = match headers?.inner().get(name)? {
        AMQPValue::LongString(s) => s.as_bytes(),
        AMQPValue::ShortString(s) => s.as_str().as_bytes(),
        AMQPValue::ByteArray(b) => b.as_slice(),
        _ => return None,
    };
    let cut = &bytes[..bytes.len().min(MAX_HEADER_TEXT)];
    non_empty(String::from_utf8_lossy(cut).into_owned())
}

/// An id as the connector keeps it: unchanged up to [`MAX_ID`] bytes, else
/// [`HASHED_ID_PREFIX`] + the hex SHA-256 of the whole value (71 bytes).
pub(crate) fn bounded_id(id: String) -> String {
    use std::fmt::Write as _;
    if id.len() <= MAX_ID {
        return id;
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, id.as_bytes());
    let mut hashed = String::with_capacity(HASHED_ID_PREFIX.len() + 64);
    hashed.push_str(HASHED_ID_PREFIX);
    for byte in digest.as_ref() {
        let _ = write!(hashed, "{byte:02x}");
    }
    hashed
}

fn short_text(value: Option<&ShortString>) -> Option<String> {
    value.and_then(|s| non_empty(s.to_string()))
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

// === outbound ===

/// Where an [`OutgoingMessage`] goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A client destination: the clients exchange, routing key = destination name.
    /// Published `mandatory`, so a destination nobody has bound is reported.
    Client(String),
    /// A request's `reply_to`: the default exchange, routing key = the reply queue.
    /// Published `mandatory`, so a vanished reply queue is reported.
    Reply(String),
    /// Integration events: the events exchange, routing key `<category>.<agentId>`.
    Events(String),
    /// ConnectorSync: the fanout exchange shared by the redundant instances; transient, with
    /// the configured TTL.
    Sync,
}

impl Target {
    /// The routing key (empty for [`Target::Sync`]), for logs.
    pub fn key(&self) -> &str {
        match self {
            Self::Client(key) | Self::Reply(key) | Self::Events(key) => key,
            Self::Sync => "",
        }
    }
}

/// An event or reply to publish; [`Broker::publish`](crate::Broker::publish) adds the
/// properties every event carries (docs/protocol.md section 2). Cheap to clone (the body is
/// shared), so a retry never copies the payload.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// Where to.
    pub target: Target,
    /// The payload (legacy text or JSON, UTF-8; opaque bytes for [`Target::Sync`]).
    pub body: Bytes,
    /// `text/plain` or `application/json`.
    pub content_type: &'static str,
    /// Header `category` (`agent_state`, `agent_call`, `agent_error`, `system`, …).
    pub category: &'static str,
    /// The request's correlation id (else its message id) when this answers a request.
    pub correlation_id: Option<String>,
    /// Header `JMSType`; `None` sends [`DEFAULT_JMS_TYPE`].
    pub jms_type: Option<String>,
}

impl fmt::Debug for OutgoingMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("target", &self.target)
            .field("body_len", &self.body.len())
            .field("content_type", &self.content_type)
            .field("category", &self.category)
            .field("correlation_id", &self.correlation_id)
            .field("jms_type", &self.jms_type)
            .finish()
    }
}

/// A fresh message id, `ID:`-prefixed as JMS message ids are, so the same value can serve as
/// `message_id` and as header `JMSMessageID`.
pub(crate) fn new_message_id() -> String {
    format!("ID:{}", uuid::Uuid::new_v4())
}

/// The properties of every event message (docs/protocol.md section 2): `content_type`, a
/// unique `message_id`, `timestamp` in seconds, `correlation_id` when given, `app_id`,
/// headers `category` and `JMSType`, `delivery_mode` 2. For JMS clients reading the queue as
/// an 'amqp' destination, also headers `JMSMessageID` (the JMS client takes the id only from
/// there) and `JMSTimestamp` in milliseconds (it would read `timestamp` as milliseconds).
pub(crate) fn event_properties(
    msg: &OutgoingMessage,
    instance_id: &str,
    now: SystemTime,
) -> Result<BasicProperties, BrokerError> {
    let message_id = new_message_id();
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let millis = i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX);
    let jms_type = msg.jms_type.as_deref().unwrap_or(DEFAULT_JMS_TYPE);
    let mut headers = FieldTable::default();
    headers.insert("category".into(), long(msg.category));
    headers.insert("JMSType".into(), long(jms_type));
    headers.insert("JMSMessageID".into(), long(&message_id));
    headers.insert("JMSTimestamp".into(), AMQPValue::LongLongInt(millis));
    let mut properties = BasicProperties::default()
        .with_content_type(short("content_type", msg.content_type)?)
        .with_message_id(short("message_id", &message_id)?)
        .with_timestamp(since_epoch.as_secs())
        .with_app_id(short("app_id", instance_id)?)
        .with_delivery_mode(PERSISTENT)
        .with_headers(headers);
    if let Some(correlation_id) = &msg.correlation_id {
        properties = properties.with_correlation_id(short("correlation_id", correlation_id)?);
    }
    Ok(properties)
}

/// Properties of a ConnectorSync message: transient, with a TTL, `app_id` = sender.
pub(crate) fn sync_properties(
    instance_id: &str,
    ttl_ms: Option<u128>,
    now: SystemTime,
) -> Result<BasicProperties, BrokerError> {
    let mut properties = BasicProperties::default()
        .with_content_type("application/octet-stream".into())
        .with_message_id(short("message_id", &new_message_id())?)
        .with_timestamp(now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs())
        .with_app_id(short("app_id", instance_id)?)
        .with_delivery_mode(TRANSIENT);
    if let Some(ttl) = ttl_ms {
        properties = properties.with_expiration(short("expiration", &ttl.to_string())?);
    }
    Ok(properties)
}

/// The dead-letter copy's properties: every property and header of the original, plus
/// `x-gc-reason` (cut at [`MAX_REASON`] bytes), `x-gc-original-exchange` and
/// `x-gc-original-routing-key`; made persistent, without the original `expiration`, and with
/// the configured dead-letter TTL instead (copies of commands may hold secrets and must not
/// stay for ever).
pub(crate) fn dead_letter_properties(
    original: &Original,
    reason: &str,
    ttl: Option<std::time::Duration>,
    redacted: bool,
) -> BasicProperties {
    let p = &original.properties;
    let mut headers = copied_headers(p.headers().as_ref());
    if redacted {
        // The body was replaced because it carries a password; a JMS type written in the
        // body-only style (`Login#1001#secret,3001`) would carry it too.
        if let Some(jms_type) = header_text(Some(&headers), "JMSType") {
            headers.insert("JMSType".into(), long(command_and_argument(&jms_type)));
        }
        // An AMQP 1.0 message's JMS type (and body) sit in its encoded sections.
        if AMQP1_HEADERS
            .iter()
            .any(|name| headers.inner().contains_key(*name))
        {
            headers = headers
                .inner()
                .iter()
                .filter(|(name, _)| !AMQP1_HEADERS.contains(&name.as_str()))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect::<std::collections::BTreeMap<_, _>>()
                .into();
            headers.insert(
                "x-gc-redacted".into(),
                long("the AMQP 1.0 sections (they may hold the password)"),
            );
        }
    }
    headers.insert("x-gc-reason".into(), long(cut_at_char(reason, MAX_REASON)));
    headers.insert(
        "x-gc-original-exchange".into(),
        long(original.exchange.as_str()),
    );
    headers.insert(
        "x-gc-original-routing-key".into(),
        long(original.routing_key.as_str()),
    );
    let mut copy = BasicProperties::default()
        .with_headers(headers)
        .with_delivery_mode(PERSISTENT);
    if let Some(v) = p.content_type() {
        copy = copy.with_content_type(v.clone());
    }
    if let Some(v) = p.content_encoding() {
        copy = copy.with_content_encoding(v.clone());
    }
    if let Some(v) = p.priority() {
        copy = copy.with_priority(*v);
    }
    if let Some(v) = p.correlation_id() {
        copy = copy.with_correlation_id(v.clone());
    }
    if let Some(v) = p.reply_to() {
        copy = copy.with_reply_to(v.clone());
    }
    if let Some(v) = p.message_id() {
        copy = copy.with_message_id(v.clone());
    }
    if let Some(v) = p.timestamp() {
        copy = copy.with_timestamp(*v);
    }
    if let Some(v) = p.kind() {
        let kind = if redacted {
            ShortString::from(command_and_argument(v.as_str()).to_owned())
        } else {
            v.clone()
        };
        copy = copy.with_type(kind);
    }
    if let Some(v) = p.user_id() {
        copy = copy.with_user_id(v.clone());
    }
    if let Some(v) = p.app_id() {
        copy = copy.with_app_id(v.clone());
    }
    if let Some(v) = p.cluster_id() {
        copy = copy.with_cluster_id(v.clone());
    }
    if let Some(ttl) = ttl {
        copy = copy.with_expiration(ttl.as_millis().to_string().into());
    }
    copy
}

/// Original headers larger than this (encoded) are not copied whole into a dead-letter copy:
/// with the `x-gc-*` headers added, the copy's content header would exceed the broker's frame
/// size (131,072 bytes by default; RabbitMQ never splits a content header) and the broker
/// would close the connection, so the command could never be dead-lettered.
pub(crate) const MAX_COPIED_HEADERS: usize = 64 * 1024;

/// The original headers for a dead-letter copy: all of them when they fit
/// [`MAX_COPIED_HEADERS`]; else only the JMS ones that are text (cut to 1 KiB) plus
/// `x-gc-headers-dropped` saying how large the originals were.
fn copied_headers(original: Option<&FieldTable>) -> FieldTable {
    let Some(original) = original else {
        return FieldTable::default();
    };
    let size = encoded_size(original);
    if size <= MAX_COPIED_HEADERS {
        return original.clone();
    }
    let mut kept = FieldTable::default();
    for name in ["JMSType", "JMSMessageID", "JMSCorrelationID", "gc-format"] {
        if let Some(text) = header_text(Some(original), name) {
            kept.insert(name.into(), long(cut_at_char(&text, 1024)));
        }
    }
    kept.insert(
        "x-gc-headers-dropped".into(),
        long(&format!(
            "the original headers ({size} bytes) were too large to copy"
        )),
    );
    kept
}

/// The encoded size of a header table, walked without recursion: a client may nest tables and
/// arrays tens of thousands of levels deep.
fn encoded_size(table: &FieldTable) -> usize {
    let mut size = 4;
    let mut pending: Vec<&AMQPValue> = Vec::new();
    for (key, value) in table.inner() {
        size += 1 + key.as_str().len();
        pending.push(value);
    }
    while let Some(value) = pending.pop() {
        size += 1 + match value {
            AMQPValue::Boolean(_) | AMQPValue::ShortShortInt(_) | AMQPValue::ShortShortUInt(_) => 1,
            AMQPValue::ShortInt(_) | AMQPValue::ShortUInt(_) => 2,
            AMQPValue::LongInt(_) | AMQPValue::LongUInt(_) | AMQPValue::Float(_) => 4,
            AMQPValue::LongLongInt(_) | AMQPValue::Double(_) | AMQPValue::Timestamp(_) => 8,
            AMQPValue::DecimalValue(_) => 5,
            AMQPValue::ShortString(s) => 1 + s.as_str().len(),
            AMQPValue::LongString(s) => 4 + s.as_bytes().len(),
            AMQPValue::ByteArray(b) => 4 + b.as_slice().len(),
            AMQPValue::Void => 0,
            AMQPValue::FieldArray(array) => {
                pending.extend(array.as_slice());
                4
            }
            AMQPValue::FieldTable(inner) => {
                for (key, value) in inner.inner() {
                    size += 1 + key.as_str().len();
                    pending.push(value);
                }
                4
            }
        };
    }
    size
}

/// A value for an AMQP short string field, or [`BrokerError::TooLong`]. (lapin's `From<&str>`
/// panics on more than 255 bytes, so caller-supplied values never go through it.)
pub(crate) fn short(field: &'static str, value: &str) -> Result<ShortString, BrokerError> {
    if value.len() > MAX_SHORT {
        return Err(BrokerError::TooLong {
            field,
            len: value.len(),
        });
    }
    ShortString::try_new(value).map_err(|_| BrokerError::TooLong {
        field,
        len: value.len(),
    })
}

fn long(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}

/// `<Command>#<argument>` of a JMS type, without anything after a second `#`.
fn command_and_argument(jms_type: &str) -> &str {
    match jms_type.match_indices('#').nth(1) {
        Some((at, _)) => &jms_type[..at],
        None => jms_type,
    }
}

fn cut_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests;
