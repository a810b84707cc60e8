//! The vocabulary in which every event describes itself once: a [`Description`] made of
//! [`Field`]s holding [`Value`]s, and [`Record`]s for the objects nested in lists. The legacy
//! writer (`legacy.rs`), the JSON writer (`json.rs`) and the JSON Schemas (`schema.rs`) read
//! nothing but these descriptions; the descriptions themselves are in `describe.rs`.

use super::CallData;
use crate::{AgentId, Category};

/// Everything the connector needs to know about one event: its name, category, agent and JMS
/// type, and its fields in both formats.
///
/// `'e` is the event the values borrow from; `'f` is the (usually temporary) field list.
pub(crate) struct Description<'e, 'f> {
    /// The event's name as the legacy text spells it (`Event::name`).
    pub(crate) name: &'static str,
    /// The seed's category.
    pub(crate) category: Category,
    /// The agent the event is about, if any.
    pub(crate) agent: Option<&'e AgentId>,
    /// The JMS type the event must carry, when not the default (O-023).
    pub(crate) jms_type: Option<&'e str>,
    /// Whether the JSON is an object or the seed's one-element array around it.
    pub(crate) json: JsonShape,
    /// The fields, in the order of the seed's JSON keys; legacy positions are on each field.
    pub(crate) fields: &'f [Field<'e>],
}

impl<'e, 'f> Description<'e, 'f> {
    /// An event written as a JSON object, with the default JMS type.
    pub(crate) fn new(
        name: &'static str,
        category: Category,
        agent: Option<&'e AgentId>,
        fields: &'f [Field<'e>],
    ) -> Self {
        Self {
            name,
            category,
            agent,
            jms_type: None,
            json: JsonShape::Object,
            fields,
        }
    }

    /// The seed writes this event's JSON as `[{…}]` (Agents, phone books, contacts).
    #[must_use]
    pub(crate) fn json_in_a_list(self) -> Self {
        Self {
            json: JsonShape::ListOfOne,
            ..self
        }
    }

    /// The event carries its own JMS type.
    #[must_use]
    pub(crate) fn jms_type(self, jms_type: &'e str) -> Self {
        Self {
            jms_type: Some(jms_type),
            ..self
        }
    }

    /// The event carries its own JMS type when `jms_type` is not empty (else the default).
    #[must_use]
    pub(crate) fn jms_type_if_any(self, jms_type: &'e str) -> Self {
        if jms_type.is_empty() {
            self
        } else {
            self.jms_type(jms_type)
        }
    }
}

/// The outermost JSON value of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonShape {
    /// `{…}`
    Object,
    /// `[{…}]`, as the seed's samples for Agents, Phonebooks and PhonebookContacts show.
    ListOfOne,
}

/// One field of an event: where it goes in each format, and its value.
#[derive(Clone, Copy)]
pub(crate) struct Field<'e> {
    /// The JSON key; `None` for a field only the legacy text has.
    pub(crate) key: Option<&'static str>,
    /// The legacy position (sort key: fields are written in ascending position, `#`-separated);
    /// `None` for a field only the JSON has.
    pub(crate) position: Option<u8>,
    /// Text the legacy field starts with (`DialogID:`, `Category:` …).
    pub(crate) prefix: &'static str,
    /// Fixed legacy text that replaces the value in the legacy text only (`DROP` where the
    /// JSON says `DROPPED`).
    pub(crate) legacy_text: Option<&'static str>,
    /// The value.
    pub(crate) value: Value<'e>,
}

impl<'e> Field<'e> {
    /// A field in both formats: JSON key `key`, legacy position `position`.
    pub(crate) fn both(key: &'static str, position: u8, value: Value<'e>) -> Self {
        Self::new(Some(key), Some(position), value)
    }

    /// A field only the JSON has.
    pub(crate) fn json(key: &'static str, value: Value<'e>) -> Self {
        Self::new(Some(key), None, value)
    }

    /// A field only the legacy text has.
    pub(crate) fn legacy(position: u8, value: Value<'e>) -> Self {
        Self::new(None, Some(position), value)
    }

    /// A field whose presence in each format is decided by the caller.
    pub(crate) fn new(key: Option<&'static str>, position: Option<u8>, value: Value<'e>) -> Self {
        Self {
            key,
            position,
            prefix: "",
            legacy_text: None,
            value,
        }
    }

    /// `"agentId"` in JSON, the first legacy field.
    pub(crate) fn agent(agent: &'e AgentId) -> Self {
        Self::both("agentId", 0, Value::Str(agent.as_str()))
    }

    /// The legacy field starts with `prefix`.
    #[must_use]
    pub(crate) fn prefixed(self, prefix: &'static str) -> Self {
        Self { prefix, ..self }
    }

    /// The legacy text shows `text` instead of the value.
    #[must_use]
    pub(crate) fn legacy_as(self, text: &'static str) -> Self {
        Self {
            legacy_text: Some(text),
            ..self
        }
    }
}

/// A field's value, and so how each format writes it.
///
/// Legacy cleaning: `#` becomes `_` and control characters become spaces in every value; inside
/// `,`/`|`-separated lists `,` and `|` become `_` too; in call variables only `|` does (a value
/// may hold `,` and `=`). JSON escapes as serde_json does.
#[derive(Clone, Copy)]
pub(crate) enum Value<'e> {
    /// Fixed text of ours (a type name, a keyword, a constant): written as it is.
    Const(&'static str),
    /// One of a closed set of words (`IN_SERVICE`, `NOT_READY` …): the value and the whole
    /// set (the set is for the JSON Schema).
    Enum(&'static str, &'static [&'static str]),
    /// Text from Finesse or a client.
    Str(&'e str),
    /// Text that may be absent: JSON `null`, an empty legacy field.
    OptStr(Option<&'e str>),
    /// `true` / `false`.
    Bool(bool),
    /// A JSON number.
    Number(u32),
    /// JSON `["a","b"]`; legacy `a,b`.
    List(&'e [String]),
    /// The seed's `<agent_full_name>` of a first and a last name (see [`super::full_name`]).
    FullName(&'e str, &'e str),
    /// JSON `[{"callVariable1":"…"},…,{"ani":"…"}]` (ANI last); legacy `name=value|…`, with the
    /// ANI placed as [`Ani`] says.
    CallVariables(&'e CallData, Ani),
    /// Call variables of a dialog that may be absent: JSON `null`, an empty legacy field.
    OptCallVariables(Option<&'e CallData>),
    /// JSON `[{"<code>":"<label>"},…]`; legacy `code:label,…`.
    ReasonCodes(&'e [(String, String)]),
    /// The codes of `(code, label)` pairs: JSON `["1","2"]`; legacy `1,2`.
    Codes(&'e [(String, String)]),
    /// The labels of `(code, label)` pairs: JSON `["Lunch","Break"]`; legacy `Lunch,Break`.
    Labels(&'e [(String, String)]),
    /// One nested object: JSON `{…}`; legacy `Key:value,…`.
    Record(&'e dyn Record),
    /// A list of nested objects, laid out in the legacy text as [`Layout`] says.
    Records(&'e dyn Records, Layout),
}

/// Where the legacy text puts a call's ANI relative to its call variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ani {
    /// Not at all (O-008, O-010, O-014, O-024).
    Omit,
    /// `<ani>|name=value|…` (O-009).
    Bare,
    /// `ani=<ani>|name=value|…` (O-028).
    Named,
}

impl Ani {
    /// Whether the variables beyond `callVariable1..10` (ECC, BA*) are shown too: only where
    /// the ANI is named, i.e. O-028 and the outbound preview, whose BA variables the seed
    /// passes "as it is"; every other call event has "A total of 10 call variables".
    pub(crate) const fn shows_other_variables(self) -> bool {
        matches!(self, Self::Named)
    }
}

/// How a list of records is laid out in the legacy text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// One `#` field per record, `Key:value,Key:value` (O-019, O-020, O-29 to O-31); no field
    /// at all for an empty list.
    Fields,
    /// One field: records separated by `|`, values by `,`, no keys (O-017 `0,true|1,false`).
    Flags,
}

/// An object nested in an event (a team member, a queue, a phone book …), described once.
pub(crate) trait Record {
    /// Calls `f` with the record's members, in the seed's order (the same in both formats).
    fn members<'r>(&'r self, f: &mut dyn FnMut(&[Member<'r>]));
}

/// A list of [`Record`]s of one type.
pub(crate) trait Records {
    /// Calls `f` with each record in order.
    fn each<'r>(&'r self, f: &mut dyn FnMut(&'r dyn Record));

    /// Calls `f` with an empty record of the list's type (the JSON Schema of a list needs its
    /// members even when the list is empty).
    fn blank(&self, f: &mut dyn FnMut(&dyn Record));
}

impl<T: Record + Default> Records for Vec<T> {
    fn each<'r>(&'r self, f: &mut dyn FnMut(&'r dyn Record)) {
        for record in self {
            f(record);
        }
    }

    fn blank(&self, f: &mut dyn FnMut(&dyn Record)) {
        f(&T::default());
    }
}

/// One member of a [`Record`].
#[derive(Clone, Copy)]
pub(crate) struct Member<'r> {
    /// The JSON key; `None` when the JSON leaves the member out.
    pub(crate) key: Option<&'static str>,
    /// The legacy key (`QueueName` where the JSON says `name`); `None` when the legacy text
    /// leaves the member out.
    pub(crate) legacy_key: Option<&'static str>,
    /// The value.
    pub(crate) value: Value<'r>,
}

impl<'r> Member<'r> {
    /// A member in both formats.
    pub(crate) fn both(key: &'static str, legacy_key: &'static str, value: Value<'r>) -> Self {
        Self {
            key: Some(key),
            legacy_key: Some(legacy_key),
            value,
        }
    }

    /// A member only the JSON has.
    pub(crate) fn json(key: &'static str, value: Value<'r>) -> Self {
        Self {
            key: Some(key),
            legacy_key: None,
            value,
        }
    }

    /// A member only the legacy text has.
    pub(crate) fn legacy(legacy_key: &'static str, value: Value<'r>) -> Self {
        Self {
            key: None,
            legacy_key: Some(legacy_key),
            value,
        }
    }
}
