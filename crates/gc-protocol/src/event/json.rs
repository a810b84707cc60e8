//! The seed's JSON event shapes, written straight from an event's [`Description`] into a
//! string: the fields that have a JSON key, in the description's order (the seed's key order),
//! compact, escaped exactly as serde_json escapes (so the text equals what serde_json would print
//! for the same value). No intermediate `serde_json::Value`.

use std::fmt::Write as _;

use super::CallData;
use super::shape::{Description, JsonShape, Member, Record, Value};

pub(super) fn render(description: &Description<'_, '_>) -> String {
    debug_assert!(
        keys_are_unique(description.fields.iter().map(|f| f.key)),
        "{}: two fields share a JSON key",
        description.name
    );
    let mut out = Json(String::with_capacity(256));
    let listed = description.json == JsonShape::ListOfOne;
    if listed {
        out.0.push('[');
    }
    out.0.push('{');
    let mut first = true;
    for field in description.fields {
        if let Some(key) = field.key {
            out.key(key, &mut first);
            out.value(field.value);
        }
    }
    out.0.push('}');
    if listed {
        out.0.push(']');
    }
    out.0
}

fn keys_are_unique<'k>(keys: impl Iterator<Item = Option<&'k str>> + Clone) -> bool {
    keys.clone()
        .enumerate()
        .filter_map(|(i, k)| Some((i, k?)))
        .all(|(i, a)| keys.clone().skip(i + 1).all(|b| b != Some(a)))
}

struct Json(String);

impl Json {
    /// `"key":`, after a comma unless it is the object's first key.
    fn key(&mut self, key: &str, first: &mut bool) {
        if !std::mem::take(first) {
            self.0.push(',');
        }
        self.string(key);
        self.0.push(':');
    }

    fn value(&mut self, value: Value<'_>) {
        match value {
            Value::Const(text)
            | Value::Enum(text, _)
            | Value::Str(text)
            | Value::OptStr(Some(text)) => {
                self.string(text);
            }
            Value::OptStr(None) | Value::OptCallVariables(None) => self.0.push_str("null"),
            Value::Bool(value) => self.0.push_str(if value { "true" } else { "false" }),
            Value::Number(n) => {
                // Writing to a String cannot fail.
                let _ = write!(self.0, "{n}");
            }
            Value::List(items) => self.strings(items.iter().map(String::as_str)),
            Value::FullName(first, last) => self.string(&super::full_name(first, last)),
            Value::CallVariables(call, ani) => self.variables(call, ani.shows_other_variables()),
            Value::OptCallVariables(Some(call)) => self.variables(call, false),
            Value::ReasonCodes(pairs) => {
                self.0.push('[');
                for (i, (code, label)) in pairs.iter().enumerate() {
                    if i > 0 {
                        self.0.push(',');
                    }
                    self.one_key_object(code, label);
                }
                self.0.push(']');
            }
            Value::Codes(pairs) => self.strings(pairs.iter().map(|(code, _)| code.as_str())),
            Value::Labels(pairs) => self.strings(pairs.iter().map(|(_, label)| label.as_str())),
            Value::Record(record) => self.record(record),
            Value::Records(records, _) => {
                self.0.push('[');
                let mut first = true;
                records.each(&mut |record| {
                    if !std::mem::take(&mut first) {
                        self.0.push(',');
                    }
                    self.record(record);
                });
                self.0.push(']');
            }
        }
    }

    fn record(&mut self, record: &dyn Record) {
        record.members(&mut |members: &[Member<'_>]| {
            debug_assert!(keys_are_unique(members.iter().map(|m| m.key)));
            self.0.push('{');
            let mut first = true;
            for member in members {
                if let Some(key) = member.key {
                    self.key(key, &mut first);
                    self.value(member.value);
                }
            }
            self.0.push('}');
        });
    }

    /// `[{"callVariable1":"…"},…,{"ani":"…"}]`.
    fn variables(&mut self, call: &CallData, others: bool) {
        self.0.push('[');
        for (name, value) in call.variables(others) {
            self.one_key_object(name, value);
            self.0.push(',');
        }
        self.one_key_object("ani", &call.ani);
        self.0.push(']');
    }

    fn one_key_object(&mut self, key: &str, value: &str) {
        self.0.push('{');
        self.string(key);
        self.0.push(':');
        self.string(value);
        self.0.push('}');
    }

    fn strings<'v>(&mut self, items: impl Iterator<Item = &'v str>) {
        self.0.push('[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            self.string(item);
        }
        self.0.push(']');
    }

    fn string(&mut self, value: &str) {
        string(&mut self.0, value);
    }
}

/// A JSON string, escaped as serde_json does: `"` and `\` backslashed, `\b \f \n \r \t`
/// short, other control characters below U+0020 as `\u00xx`, everything else as it is.
pub(super) fn string(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(value.len() + 2);
    out.push('"');
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let short = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on character boundaries.
        out.push_str(&value[start..i]);
        start = i + 1;
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push_str(short);
        }
    }
    out.push_str(&value[start..]);
    out.push('"');
}
