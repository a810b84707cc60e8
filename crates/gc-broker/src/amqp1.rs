//! AMQP 1.0 messages as RabbitMQ 3.x hands them to AMQP 0-9-1 consumers. Pure: bytes in,
//! values out, no IO.
//!
//! When an AMQP 1.0 client (Qpid JMS, Qpid Proton, …) sends to a queue, RabbitMQ's
//! `rabbitmq_amqp1_0` plugin delivers the message to 0-9-1 consumers with the `type` property
//! [`AMQP1_TYPE`], the sections the client sent kept in their AMQP 1.0 encoding:
//!
//! | AMQP 1.0 section | where a 0-9-1 consumer finds it |
//! |---|---|
//! | application-properties (`0x74`) | header [`APP_PROPERTIES_HEADER`] |
//! | properties (`0x73`: message-id, subject, reply-to, correlation-id, …) | header [`PROPERTIES_HEADER`] |
//! | message-annotations (`0x72`: `x-opt-jms-type`, …) | header [`MESSAGE_ANNOTATIONS_HEADER`] |
//! | body: amqp-value (`0x77`) or data (`0x75`) sections | the payload, still encoded (`00 53 77 a1 <len> <utf-8>`) |
//!
//! This module decodes the subset of the AMQP 1.0 type system those sections use (described
//! types, null, booleans, integers, floats, chars, timestamps, uuids, binary, strings,
//! symbols, lists, maps, arrays) and picks out what a command needs: the JMS type, the body
//! text, the ids and the reply address ([`fields`], [`body`]).
//!
//! Bounded: compound values nest at most [`MAX_DEPTH`] levels (the only recursion, and it is
//! capped), one section holds at most [`MAX_VALUES`] values, and no allocation is sized by a
//! count the peer wrote. Nothing here panics on any input.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The `type` property RabbitMQ gives a message that arrived over AMQP 1.0.
pub const AMQP1_TYPE: &str = "amqp-1.0";
/// The 0-9-1 header holding the encoded application-properties section.
pub const APP_PROPERTIES_HEADER: &str = "x-amqp-1.0-app-properties";
/// The 0-9-1 header holding the encoded properties section.
pub const PROPERTIES_HEADER: &str = "x-amqp-1.0-properties";
/// The 0-9-1 header holding the encoded message-annotations section.
pub const MESSAGE_ANNOTATIONS_HEADER: &str = "x-amqp-1.0-message-annotations";

/// The message annotation in which older Qpid JMS clients send the JMS type.
pub const JMS_TYPE_ANNOTATION: &str = "x-opt-jms-type";
/// The application property a client sets to send the JMS type explicitly.
pub const JMS_TYPE_PROPERTY: &str = "JMSType";
/// The application property that chooses the output format (`json`, `legacy`).
pub const FORMAT_PROPERTY: &str = "gc-format";

/// Compound values (lists, maps, arrays, described values) nest at most this deep.
pub const MAX_DEPTH: usize = 16;
/// One section holds at most this many values (each element, key and value counts).
pub const MAX_VALUES: usize = 16 * 1024;

/// Section descriptor codes (AMQP 1.0 part 3.2).
pub mod section {
    /// message-annotations
    pub const MESSAGE_ANNOTATIONS: u64 = 0x72;
    /// properties
    pub const PROPERTIES: u64 = 0x73;
    /// application-properties
    pub const APPLICATION_PROPERTIES: u64 = 0x74;
    /// data (binary body)
    pub const DATA: u64 = 0x75;
    /// amqp-sequence (list body)
    pub const AMQP_SEQUENCE: u64 = 0x76;
    /// amqp-value (any single value as the body)
    pub const AMQP_VALUE: u64 = 0x77;
    /// footer
    pub const FOOTER: u64 = 0x78;

    /// The symbolic descriptor of a section code (a sender may use either form).
    pub(crate) fn symbol_code(symbol: &str) -> Option<u64> {
        Some(match symbol {
            "amqp:header:list" => 0x70,
            "amqp:delivery-annotations:map" => 0x71,
            "amqp:message-annotations:map" => MESSAGE_ANNOTATIONS,
            "amqp:properties:list" => PROPERTIES,
            "amqp:application-properties:map" => APPLICATION_PROPERTIES,
            "amqp:data:binary" => DATA,
            "amqp:amqp-sequence:list" => AMQP_SEQUENCE,
            "amqp:amqp-value:*" => AMQP_VALUE,
            "amqp:footer:map" => FOOTER,
            _ => return None,
        })
    }
}

/// A decoded AMQP 1.0 value. Strings and binaries borrow from the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `boolean`
    Bool(bool),
    /// `ubyte`, `ushort`, `uint`, `ulong`
    Uint(u64),
    /// `byte`, `short`, `int`, `long`
    Int(i64),
    /// `float`, `double`
    Float(f64),
    /// `decimal32/64/128`, kept encoded
    Decimal(&'a [u8]),
    /// `char` (a UTF-32 code point; an invalid one decodes as U+FFFD)
    Char(char),
    /// `timestamp`: milliseconds since the Unix epoch
    Timestamp(i64),
    /// `uuid`
    Uuid([u8; 16]),
    /// `binary`
    Binary(&'a [u8]),
    /// `string` (UTF-8)
    String(&'a str),
    /// `symbol` (ASCII)
    Symbol(&'a str),
    /// `list`
    List(Vec<Self>),
    /// `map`, in wire order (keys may repeat; the first one wins in [`Value::get`])
    Map(Vec<(Self, Self)>),
    /// `array`
    Array(Vec<Self>),
    /// A described value: descriptor, value.
    Described(Box<Self>, Box<Self>),
}

impl<'a> Value<'a> {
    /// The text of a string or symbol.
    pub fn as_text(&self) -> Option<&'a str> {
        match self {
            Self::String(s) | Self::Symbol(s) => Some(s),
            _ => None,
        }
    }

    /// The value under a string or symbol key of a map.
    pub fn get(&self, key: &str) -> Option<&Self> {
        let Self::Map(pairs) = self else { return None };
        pairs
            .iter()
            .find(|(k, _)| k.as_text() == Some(key))
            .map(|(_, v)| v)
    }

    /// The descriptor code of a described value (numeric, or a known symbolic section name).
    pub fn descriptor_code(&self) -> Option<u64> {
        match self {
            Self::Described(descriptor, _) => code_of(descriptor),
            _ => None,
        }
    }
}

/// Why bytes are not the AMQP 1.0 encoding expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Amqp1Error {
    /// The input ends inside a value.
    #[error("truncated: a value at byte {0} runs past the end")]
    Truncated(usize),
    /// A format code this decoder does not know.
    #[error("unknown format code 0x{code:02x} at byte {at}")]
    UnknownCode {
        /// the code
        code: u8,
        /// its offset
        at: usize,
    },
    /// Compound values nested deeper than [`MAX_DEPTH`].
    #[error("values nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// More than [`MAX_VALUES`] values in one section.
    #[error("more than {MAX_VALUES} values in one section")]
    TooManyValues,
    /// A string or symbol that is not UTF-8.
    #[error("a string at byte {0} is not UTF-8")]
    NotUtf8(usize),
    /// A list, map or array whose count does not fit its size, or a map with an odd count.
    #[error("a compound value at byte {0} has a count that does not match its size")]
    BadCompound(usize),
    /// Bytes left after the value.
    #[error("{0} bytes after the end of the section")]
    Trailing(usize),
    /// A section other than the one expected (descriptor code, or none).
    #[error("expected section 0x{expected:02x}, found {found}")]
    WrongSection {
        /// the descriptor code expected
        expected: u64,
        /// what was found
        found: String,
    },
    /// A body that is not text or binary (an amqp-sequence, or an amqp-value map, list, …).
    #[error("the body is {0}, not text or binary")]
    UnsupportedBody(String),
}

/// Decodes one value that must fill `bytes` completely.
pub fn decode(bytes: &[u8]) -> Result<Value<'_>, Amqp1Error> {
    let mut decoder = Decoder::new(bytes);
    let value = decoder.value(0)?;
    decoder.finish()?;
    Ok(value)
}

/// Decodes a section (a described value with descriptor `code`) that fills `bytes`, and
/// returns the described value.
pub fn decode_section(bytes: &[u8], code: u64) -> Result<Value<'_>, Amqp1Error> {
    match decode(bytes)? {
        Value::Described(descriptor, inner) if code_of(&descriptor) == Some(code) => Ok(*inner),
        other => Err(wrong_section(code, &describe(&other))),
    }
}

/// The code a descriptor stands for: a number, or a known symbolic section name.
fn code_of(descriptor: &Value<'_>) -> Option<u64> {
    match descriptor {
        Value::Uint(code) => Some(*code),
        Value::Symbol(name) => section::symbol_code(name),
        _ => None,
    }
}

fn wrong_section(expected: u64, found: &str) -> Amqp1Error {
    Amqp1Error::WrongSection {
        expected,
        found: found.to_owned(),
    }
}

/// A short description of a value for error messages (never its content).
fn describe(value: &Value<'_>) -> String {
    match value {
        Value::Described(..) => match value.descriptor_code() {
            Some(code) => format!("section 0x{code:02x}"),
            None => "a described value".to_owned(),
        },
        Value::Null => "null".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Uint(_) | Value::Int(_) | Value::Float(_) | Value::Decimal(_) => {
            "a number".to_owned()
        }
        Value::Char(_) => "a char".to_owned(),
        Value::Timestamp(_) => "a timestamp".to_owned(),
        Value::Uuid(_) => "a uuid".to_owned(),
        Value::Binary(_) => "a binary".to_owned(),
        Value::String(_) => "a string".to_owned(),
        Value::Symbol(_) => "a symbol".to_owned(),
        Value::List(_) => "a list".to_owned(),
        Value::Map(_) => "a map".to_owned(),
        Value::Array(_) => "an array".to_owned(),
    }
}

/// The encoded sections RabbitMQ passed as 0-9-1 headers (absent ones `None`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sections<'a> {
    /// Header [`APP_PROPERTIES_HEADER`].
    pub application_properties: Option<&'a [u8]>,
    /// Header [`PROPERTIES_HEADER`].
    pub properties: Option<&'a [u8]>,
    /// Header [`MESSAGE_ANNOTATIONS_HEADER`].
    pub message_annotations: Option<&'a [u8]>,
}

/// What a command needs from an AMQP 1.0 message's sections. Empty texts count as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// Application property `JMSType`, else the `subject` property (where Qpid JMS puts
    /// JMSType), else message annotation `x-opt-jms-type` (older Qpid JMS).
    pub jms_type: Option<String>,
    /// Application property `gc-format`.
    pub format: Option<String>,
    /// The `message-id` property as text ([`id_text`]).
    pub message_id: Option<String>,
    /// The `correlation-id` property as text ([`id_text`]).
    pub correlation_id: Option<String>,
    /// The `reply-to` property as a queue name ([`reply_queue`]).
    pub reply_to: Option<String>,
}

/// Index of `subject` in the properties list.
const SUBJECT: usize = 3;
/// Index of `message-id` in the properties list.
const MESSAGE_ID: usize = 0;
/// Index of `reply-to` in the properties list.
const REPLY_TO: usize = 4;
/// Index of `correlation-id` in the properties list.
const CORRELATION_ID: usize = 5;

/// Decodes the sections and picks out the command's fields. Any malformed section fails the
/// whole (a command is never half understood).
pub fn fields(sections: &Sections<'_>) -> Result<Fields, Amqp1Error> {
    let app = sections
        .application_properties
        .map(|b| decode_section(b, section::APPLICATION_PROPERTIES))
        .transpose()?;
    let props = sections
        .properties
        .map(|b| decode_section(b, section::PROPERTIES))
        .transpose()?;
    let annotations = sections
        .message_annotations
        .map(|b| decode_section(b, section::MESSAGE_ANNOTATIONS))
        .transpose()?;
    let app_text = |key: &str| {
        app.as_ref()
            .and_then(|a| a.get(key))
            .and_then(Value::as_text)
            .and_then(non_empty)
    };
    let prop = |index: usize| match &props {
        Some(Value::List(items)) => items.get(index),
        _ => None,
    };
    let jms_type = app_text(JMS_TYPE_PROPERTY)
        .or_else(|| prop(SUBJECT).and_then(Value::as_text).and_then(non_empty))
        .or_else(|| {
            annotations
                .as_ref()
                .and_then(|a| a.get(JMS_TYPE_ANNOTATION))
                .and_then(Value::as_text)
                .and_then(non_empty)
        });
    Ok(Fields {
        jms_type,
        format: app_text(FORMAT_PROPERTY),
        message_id: prop(MESSAGE_ID).and_then(id_text),
        correlation_id: prop(CORRELATION_ID).and_then(id_text),
        reply_to: prop(REPLY_TO)
            .and_then(Value::as_text)
            .and_then(reply_queue),
    })
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// A message or correlation id as text: a string as it is, a uuid in its hyphenated form, an
/// unsigned number in decimal, a binary as its text when it is UTF-8, else in lowercase hex.
/// Other values (and empty ones) count as absent.
pub fn id_text(value: &Value<'_>) -> Option<String> {
    match value {
        Value::String(s) | Value::Symbol(s) => non_empty(s),
        Value::Uint(n) => Some(n.to_string()),
        Value::Uuid(u) => Some(uuid_text(u)),
        Value::Binary(b) => match std::str::from_utf8(b) {
            Ok(s) => non_empty(s),
            Err(_) => Some(hex(b)),
        },
        _ => None,
    }
}

fn uuid_text(u: &[u8; 16]) -> String {
    let h = hex(u);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The queue a `reply-to` address names, for a reply published to the default exchange:
/// `/queue/<q>` and `/amq/queue/<q>` (RabbitMQ's AMQP 1.0 addresses) and a bare `<q>` name
/// `<q>`. Exchange and topic addresses (`/exchange/…`, `/topic/…`) name no queue: `None`.
pub fn reply_queue(address: &str) -> Option<String> {
    let queue = if let Some(q) = address.strip_prefix("/amq/queue/") {
        q
    } else if let Some(q) = address.strip_prefix("/queue/") {
        q
    } else if address.starts_with('/') {
        return None;
    } else {
        address
    };
    (!queue.is_empty() && !queue.contains('/')).then(|| queue.to_owned())
}

/// The body of an AMQP 1.0 message payload as bytes: an amqp-value string (UTF-8) or binary,
/// an amqp-value null (empty), or the data sections joined. Borrowed from `payload` when it
/// is one section. A footer after the body is ignored; an amqp-sequence or an amqp-value of
/// another type is [`Amqp1Error::UnsupportedBody`]. An empty payload is an empty body.
pub fn body(payload: &[u8]) -> Result<Cow<'_, [u8]>, Amqp1Error> {
    let mut decoder = Decoder::new(payload);
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut value_body = false;
    while !decoder.at_end() {
        let (code, inner) = match decoder.value(0)? {
            Value::Described(descriptor, inner) => (code_of(&descriptor), *inner),
            other => return Err(Amqp1Error::UnsupportedBody(describe(&other))),
        };
        match (code, inner) {
            (Some(section::DATA), Value::Binary(b)) if !value_body => parts.push(b),
            (Some(section::AMQP_VALUE), inner) if parts.is_empty() && !value_body => {
                value_body = true;
                match inner {
                    Value::String(s) => parts.push(s.as_bytes()),
                    Value::Binary(b) => parts.push(b),
                    Value::Null => {}
                    other => {
                        return Err(Amqp1Error::UnsupportedBody(format!(
                            "an amqp-value holding {}",
                            describe(&other)
                        )));
                    }
                }
            }
            (Some(section::FOOTER), _) => {}
            (Some(section::AMQP_SEQUENCE), _) => {
                return Err(Amqp1Error::UnsupportedBody("an amqp-sequence".to_owned()));
            }
            (Some(code), inner) => {
                return Err(Amqp1Error::UnsupportedBody(format!(
                    "section 0x{code:02x} holding {}",
                    describe(&inner)
                )));
            }
            (None, _) => {
                return Err(Amqp1Error::UnsupportedBody(
                    "a value with an unknown descriptor".to_owned(),
                ));
            }
        }
    }
    Ok(match parts.as_slice() {
        [] => Cow::Borrowed(&[]),
        [one] => Cow::Borrowed(one),
        many => Cow::Owned(many.concat()),
    })
}

/// A cursor over the input with the value budget of one section.
struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
    values: usize,
}

/// A format code, with the descriptor when it was described (array elements share one).
#[derive(Clone)]
struct Constructor<'a> {
    code: u8,
    at: usize,
    descriptor: Option<Box<Value<'a>>>,
}

impl<'a> Decoder<'a> {
    fn new(input: &'a [u8]) -> Self {
        Self {
            input,
            pos: 0,
            values: 0,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn finish(&self) -> Result<(), Amqp1Error> {
        match self.input.len().saturating_sub(self.pos) {
            0 => Ok(()),
            left => Err(Amqp1Error::Trailing(left)),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Amqp1Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.input.len())
            .ok_or(Amqp1Error::Truncated(self.pos))?;
        let bytes = &self.input[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Amqp1Error> {
        let bytes = self.take(N)?;
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, Amqp1Error> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, Amqp1Error> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Counts one value against [`MAX_VALUES`].
    fn count(&mut self) -> Result<(), Amqp1Error> {
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(Amqp1Error::TooManyValues);
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, Amqp1Error> {
        let constructor = self.constructor(depth)?;
        self.payload(&constructor, depth)
    }

    fn constructor(&mut self, depth: usize) -> Result<Constructor<'a>, Amqp1Error> {
        let at = self.pos;
        let code = self.u8()?;
        if code != 0x00 {
            return Ok(Constructor {
                code,
                at,
                descriptor: None,
            });
        }
        if depth >= MAX_DEPTH {
            return Err(Amqp1Error::TooDeep);
        }
        let descriptor = self.value(depth + 1)?;
        let at = self.pos;
        let code = self.u8()?;
        if code == 0x00 {
            // A described descriptor's value may not itself start another description here.
            return Err(Amqp1Error::UnknownCode { code, at });
        }
        Ok(Constructor {
            code,
            at,
            descriptor: Some(Box::new(descriptor)),
        })
    }

    fn payload(&mut self, c: &Constructor<'a>, depth: usize) -> Result<Value<'a>, Amqp1Error> {
        self.count()?;
        let value = self.primitive(c.code, c.at, depth)?;
        Ok(match &c.descriptor {
            Some(descriptor) => Value::Described(descriptor.clone(), Box::new(value)),
            None => value,
        })
    }

    fn primitive(&mut self, code: u8, at: usize, depth: usize) -> Result<Value<'a>, Amqp1Error> {
        Ok(match code {
            0x40 => Value::Null,
            0x41 => Value::Bool(true),
            0x42 => Value::Bool(false),
            0x56 => Value::Bool(self.u8()? != 0),
            0x43 | 0x44 => Value::Uint(0),
            0x50 | 0x52 | 0x53 => Value::Uint(u64::from(self.u8()?)),
            0x60 => Value::Uint(u64::from(u16::from_be_bytes(self.array()?))),
            0x70 => Value::Uint(u64::from(self.u32()?)),
            0x80 => Value::Uint(u64::from_be_bytes(self.array()?)),
            0x51 | 0x54 | 0x55 => Value::Int(i64::from(i8::from_be_bytes(self.array()?))),
            0x61 => Value::Int(i64::from(i16::from_be_bytes(self.array()?))),
            0x71 => Value::Int(i64::from(i32::from_be_bytes(self.array()?))),
            0x81 => Value::Int(i64::from_be_bytes(self.array()?)),
            0x72 => Value::Float(f64::from(f32::from_be_bytes(self.array()?))),
            0x82 => Value::Float(f64::from_be_bytes(self.array()?)),
            0x74 => Value::Decimal(self.take(4)?),
            0x84 => Value::Decimal(self.take(8)?),
            0x94 => Value::Decimal(self.take(16)?),
            0x73 => Value::Char(char::from_u32(self.u32()?).unwrap_or(char::REPLACEMENT_CHARACTER)),
            0x83 => Value::Timestamp(i64::from_be_bytes(self.array()?)),
            0x98 => Value::Uuid(self.array()?),
            0xa0 => {
                let n = self.u8()?;
                Value::Binary(self.take(usize::from(n))?)
            }
            0xb0 => {
                let n = self.len32()?;
                Value::Binary(self.take(n)?)
            }
            0xa1 | 0xa3 | 0xb1 | 0xb3 => {
                let n = if code & 0xf0 == 0xa0 {
                    usize::from(self.u8()?)
                } else {
                    self.len32()?
                };
                let start = self.pos;
                let text =
                    std::str::from_utf8(self.take(n)?).map_err(|_| Amqp1Error::NotUtf8(start))?;
                if code & 0x0f == 0x01 {
                    Value::String(text)
                } else {
                    Value::Symbol(text)
                }
            }
            0x45 => Value::List(Vec::new()),
            0xc0 | 0xc1 | 0xd0 | 0xd1 | 0xe0 | 0xf0 => self.compound(code, at, depth)?,
            _ => return Err(Amqp1Error::UnknownCode { code, at }),
        })
    }

    fn len32(&mut self) -> Result<usize, Amqp1Error> {
        usize::try_from(self.u32()?).map_err(|_| Amqp1Error::Truncated(self.pos))
    }

    /// list8/32, map8/32, array8/32: `size` bytes that hold `count` and the elements.
    fn compound(&mut self, code: u8, at: usize, depth: usize) -> Result<Value<'a>, Amqp1Error> {
        if depth >= MAX_DEPTH {
            return Err(Amqp1Error::TooDeep);
        }
        let wide = matches!(code, 0xd0 | 0xd1 | 0xf0);
        let size = if wide {
            self.len32()?
        } else {
            usize::from(self.u8()?)
        };
        let end = self
            .pos
            .checked_add(size)
            .filter(|end| *end <= self.input.len())
            .ok_or(Amqp1Error::Truncated(at))?;
        // Decode the contents against a view that ends where the size says.
        let mut inner = Decoder {
            input: &self.input[..end],
            pos: self.pos,
            values: self.values,
        };
        let count = if wide {
            inner.len32()?
        } else {
            usize::from(inner.u8()?)
        };
        // Never reserve more than the bytes left could hold: the count is the peer's word.
        let room = end.saturating_sub(inner.pos);
        let value = match code {
            0xc0 | 0xd0 => {
                let mut items = Vec::with_capacity(count.min(room));
                for _ in 0..count {
                    items.push(inner.value(depth + 1)?);
                }
                Value::List(items)
            }
            0xc1 | 0xd1 => {
                if count % 2 != 0 {
                    return Err(Amqp1Error::BadCompound(at));
                }
                let mut pairs = Vec::with_capacity((count / 2).min(room));
                for _ in 0..count / 2 {
                    let key = inner.value(depth + 1)?;
                    let value = inner.value(depth + 1)?;
                    pairs.push((key, value));
                }
                Value::Map(pairs)
            }
            _ => {
                // Elements of a zero-width type (null, true, list0 …) take no bytes: the
                // value budget bounds those.
                let element = inner.constructor(depth + 1)?;
                let mut items = Vec::with_capacity(count.min(room));
                for _ in 0..count {
                    items.push(inner.payload(&element, depth + 1)?);
                }
                Value::Array(items)
            }
        };
        if inner.pos != end {
            return Err(Amqp1Error::BadCompound(at));
        }
        self.values = inner.values;
        self.pos = end;
        Ok(value)
    }
}

#[cfg(test)]
mod tests;
