//! JSON Schemas (draft 2020-12) of the JSON events, derived from the same descriptions as the
//! JSON itself (`describe.rs`), so a new event has its schema as soon as it is described.
//!
//! A schema is derived from the kinds of the values, never from the values themselves: a
//! [`Value::Str`] is any string, a [`Value::Const`] that one string, a [`Value::Enum`] one of
//! its set, a [`Value::OptStr`] a string or `null`. Every key the description gives is required
//! and no other key is allowed but the optional `group` (`group.rs`), which an instance with
//! `instance.group` adds to the event's own object: the schema is the contract, exactly. JSON Schema cannot say in
//! which order keys appear; the `properties` are listed in the wire's order.
//!
//! Events are grouped by their JSON `type`. Shapes of one type with the same keys are merged
//! (State and RE_LOGIN: `state` is any string); shapes with different keys (the three
//! InboundCall shapes) become alternatives of a `oneOf`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Event;
use super::group::GROUP_KEY;
use super::json::string;
use super::shape::{Description, JsonShape, Member, Record, Value};

/// The JSON Schema of one JSON event type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonSchema {
    /// The event's JSON `type` (`State`, `InboundCall` …), which names the schema's file.
    pub name: &'static str,
    /// The schema: pretty-printed JSON, ending with a newline.
    pub text: String,
}

/// The JSON Schemas of the JSON event types among `events`, sorted by name. Give one event of
/// each shape (the three InboundCall shapes, State and RE_LOGIN …): the values do not matter.
pub fn json_schemas<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<JsonSchema> {
    let mut by_type: BTreeMap<&'static str, Vec<Shape>> = BTreeMap::new();
    for event in events {
        event.describe(|d| {
            if let Some((name, shape)) = Shape::of(d) {
                let shapes = by_type.entry(name).or_default();
                match shapes.iter_mut().find(|s| s.same_keys(&shape)) {
                    Some(same) => same.merge(shape),
                    None => shapes.push(shape),
                }
            }
        });
    }
    by_type
        .into_iter()
        .map(|(name, shapes)| JsonSchema {
            name,
            text: document(name, shapes),
        })
        .collect()
}

/// One JSON shape of an event type.
struct Shape {
    json: JsonShape,
    properties: Vec<(&'static str, Node)>,
    uses_call_variables: bool,
}

impl Shape {
    /// The shape of a description and its JSON `type`; `None` for an event without one.
    fn of(description: &Description<'_, '_>) -> Option<(&'static str, Self)> {
        let name = description
            .fields
            .iter()
            .find(|f| f.key == Some("type"))
            .and_then(|f| match f.value {
                Value::Const(name) => Some(name),
                _ => None,
            })?;
        let mut uses_call_variables = false;
        let properties = description
            .fields
            .iter()
            .filter_map(|f| {
                uses_call_variables |= matches!(
                    f.value,
                    Value::CallVariables(..) | Value::OptCallVariables(_)
                );
                Some((f.key?, node(f.value)))
            })
            .collect();
        Some((
            name,
            Self {
                json: description.json,
                properties,
                uses_call_variables,
            },
        ))
    }

    fn same_keys(&self, other: &Self) -> bool {
        self.json == other.json
            && self.properties.len() == other.properties.len()
            && self
                .properties
                .iter()
                .all(|(k, _)| other.properties.iter().any(|(o, _)| o == k))
    }

    /// Widens each property to admit the other shape's value too.
    fn merge(&mut self, other: Self) {
        for (key, theirs) in other.properties {
            if let Some((_, ours)) = self.properties.iter_mut().find(|(k, _)| *k == key) {
                *ours = union(std::mem::replace(ours, Node::Bool(false)), theirs);
            }
        }
    }

    fn node(self) -> Node {
        let object = event_object_schema(self.properties);
        match self.json {
            JsonShape::Object => object,
            JsonShape::ListOfOne => Node::Object(vec![
                ("type", Node::Text("array")),
                ("prefixItems", Node::Array(vec![object])),
                ("items", Node::Bool(false)),
                ("minItems", Node::Integer(1)),
            ]),
        }
    }
}

/// A JSON value of a schema.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Object(Vec<(&'static str, Self)>),
    Array(Vec<Self>),
    Text(&'static str),
    Integer(u64),
    Bool(bool),
}

fn type_is(name: &'static str) -> Node {
    Node::Object(vec![("type", Node::Text(name))])
}

fn array_of(items: Node) -> Node {
    Node::Object(vec![("type", Node::Text("array")), ("items", items)])
}

fn call_variables_ref() -> Node {
    Node::Object(vec![("$ref", Node::Text("#/$defs/callVariables"))])
}

/// The schema of a value, from its kind.
fn node(value: Value<'_>) -> Node {
    match value {
        Value::Const(text) => Node::Object(vec![("const", Node::Text(text))]),
        Value::Enum(_, all) => Node::Object(vec![(
            "enum",
            Node::Array(all.iter().map(|t| Node::Text(t)).collect()),
        )]),
        Value::Str(_) | Value::FullName(..) => type_is("string"),
        Value::OptStr(_) => Node::Object(vec![(
            "type",
            Node::Array(vec![Node::Text("string"), Node::Text("null")]),
        )]),
        Value::Bool(_) => type_is("boolean"),
        Value::Number(_) => Node::Object(vec![
            ("type", Node::Text("integer")),
            ("minimum", Node::Integer(0)),
            ("maximum", Node::Integer(u64::from(u32::MAX))),
        ]),
        Value::List(_) | Value::Codes(_) | Value::Labels(_) => array_of(type_is("string")),
        Value::CallVariables(..) => call_variables_ref(),
        Value::OptCallVariables(_) => Node::Object(vec![(
            "anyOf",
            Node::Array(vec![call_variables_ref(), type_is("null")]),
        )]),
        Value::ReasonCodes(_) => Node::Object(vec![
            (
                "description",
                Node::Text("One object per reason code: {\"<code>\": \"<label>\"}."),
            ),
            ("type", Node::Text("array")),
            ("items", one_key_object()),
        ]),
        Value::Record(record) => record_schema(record),
        Value::Records(records, _) => {
            let mut items = Node::Object(Vec::new());
            records.blank(&mut |record| items = record_schema(record));
            array_of(items)
        }
    }
}

fn record_schema(record: &dyn Record) -> Node {
    let mut schema = Node::Object(Vec::new());
    record.members(&mut |members: &[Member<'_>]| {
        schema = object_schema(
            members
                .iter()
                .filter_map(|m| Some((m.key?, node(m.value))))
                .collect(),
        );
    });
    schema
}

/// An object with exactly these properties.
fn object_schema(properties: Vec<(&'static str, Node)>) -> Node {
    let required = properties.iter().map(|(k, _)| Node::Text(k)).collect();
    Node::Object(vec![
        ("type", Node::Text("object")),
        ("properties", Node::Object(properties)),
        ("required", Node::Array(required)),
        ("additionalProperties", Node::Bool(false)),
    ])
}

/// The event's own object: exactly these properties, and the optional connector group
/// ([`GROUP_KEY`], last on the wire) that an instance with `instance.group` adds.
fn event_object_schema(mut properties: Vec<(&'static str, Node)>) -> Node {
    let required = properties.iter().map(|(k, _)| Node::Text(k)).collect();
    properties.push((
        GROUP_KEY,
        Node::Object(vec![
            (
                "description",
                Node::Text(
                    "The connector group that published the event (`instance.group`, one per \
                     Finesse cluster); present only when the group is configured.",
                ),
            ),
            ("type", Node::Text("string")),
        ]),
    ));
    Node::Object(vec![
        ("type", Node::Text("object")),
        ("properties", Node::Object(properties)),
        ("required", Node::Array(required)),
        ("additionalProperties", Node::Bool(false)),
    ])
}

/// `{"<any key>": "<string>"}`.
fn one_key_object() -> Node {
    Node::Object(vec![
        ("type", Node::Text("object")),
        ("minProperties", Node::Integer(1)),
        ("maxProperties", Node::Integer(1)),
        ("additionalProperties", type_is("string")),
    ])
}

/// `[{"callVariable1": …}, …, {"callVariable10": …}, {other…}, {"ani": …}]`.
fn call_variables_schema() -> Node {
    const NUMBERED: [&str; 10] = [
        "callVariable1",
        "callVariable2",
        "callVariable3",
        "callVariable4",
        "callVariable5",
        "callVariable6",
        "callVariable7",
        "callVariable8",
        "callVariable9",
        "callVariable10",
    ];
    let numbered = NUMBERED
        .iter()
        .map(|name| object_schema(vec![(name, type_is("string"))]))
        .collect();
    Node::Object(vec![
        (
            "description",
            Node::Text(
                "callVariable1 to callVariable10 (always, in this order), then Finesse's other \
                 call variables in Finesse's order, then {\"ani\": \"<caller's number>\"}: one \
                 object with one key each.",
            ),
        ),
        ("type", Node::Text("array")),
        ("prefixItems", Node::Array(numbered)),
        ("items", one_key_object()),
        ("minItems", Node::Integer(11)),
    ])
}

/// The union of two schemas: strings widen (`const`/`enum` to a larger `enum`, or to any
/// string); anything else becomes `anyOf`.
fn union(ours: Node, theirs: Node) -> Node {
    if ours == theirs {
        return ours;
    }
    match (words(&ours), words(&theirs)) {
        (Some(Words::Any), Some(_)) | (Some(_), Some(Words::Any)) => type_is("string"),
        (Some(Words::Some(mut a)), Some(Words::Some(b))) => {
            for word in b {
                if !a.contains(&word) {
                    a.push(word);
                }
            }
            Node::Object(vec![(
                "enum",
                Node::Array(a.into_iter().map(Node::Text).collect()),
            )])
        }
        _ => Node::Object(vec![("anyOf", Node::Array(vec![ours, theirs]))]),
    }
}

/// The strings a string schema admits.
enum Words {
    Any,
    Some(Vec<&'static str>),
}

fn words(node: &Node) -> Option<Words> {
    let Node::Object(entries) = node else {
        return None;
    };
    match entries.as_slice() {
        [("type", Node::Text("string"))] => Some(Words::Any),
        [("const", Node::Text(word))] => Some(Words::Some(vec![word])),
        [("enum", Node::Array(all))] => all
            .iter()
            .map(|n| match n {
                Node::Text(word) => Some(*word),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Words::Some),
        _ => None,
    }
}

/// The schema document of one event type.
fn document(name: &'static str, shapes: Vec<Shape>) -> String {
    let uses_call_variables = shapes.iter().any(|s| s.uses_call_variables);
    let mut top = vec![
        (
            "$schema",
            Node::Text("https://json-schema.org/draft/2020-12/schema"),
        ),
        ("title", Node::Text(name)),
        (
            "description",
            Node::Text(
                "A Generic Connector event in JSON. Generated from gc-protocol's event \
                 descriptions (`GC_BLESS=1 cargo test -p gc-protocol --test json_schemas`); do \
                 not edit. On the wire the keys appear in the order of `properties`.",
            ),
        ),
    ];
    let mut shapes: Vec<Node> = shapes.into_iter().map(Shape::node).collect();
    if shapes.len() == 1 {
        if let Some(Node::Object(entries)) = shapes.pop() {
            top.extend(entries);
        }
    } else {
        top.push(("oneOf", Node::Array(shapes)));
    }
    if uses_call_variables {
        top.push((
            "$defs",
            Node::Object(vec![("callVariables", call_variables_schema())]),
        ));
    }
    let mut out = String::new();
    write(&Node::Object(top), &mut out, 0);
    out.push('\n');
    out
}

/// Pretty JSON, two spaces per level, one member or item per line.
fn write(node: &Node, out: &mut String, indent: usize) {
    match node {
        Node::Object(entries) if entries.is_empty() => out.push_str("{}"),
        Node::Array(items) if items.is_empty() => out.push_str("[]"),
        Node::Object(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                pad(out, indent + 2);
                string(out, key);
                out.push_str(": ");
                write(value, out, indent + 2);
            }
            out.push('\n');
            pad(out, indent);
            out.push('}');
        }
        Node::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                pad(out, indent + 2);
                write(item, out, indent + 2);
            }
            out.push('\n');
            pad(out, indent);
            out.push(']');
        }
        Node::Text(text) => string(out, text),
        Node::Integer(n) => {
            // Writing to a String cannot fail.
            let _ = write!(out, "{n}");
        }
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

fn pad(out: &mut String, width: usize) {
    out.extend(std::iter::repeat_n(' ', width));
}
