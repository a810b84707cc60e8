//! The JSON Schemas (draft 2020-12) of docs/schemas/ as AsyncAPI Schema Objects.
//!
//! AsyncAPI 3.0's default schema format is a superset of JSON Schema draft 07, which has no
//! `prefixItems` and no `$defs`. The same constraints are written the draft 07 way: a tuple is
//! `items: [...]` with `additionalItems`, and shared definitions move to
//! `components/schemas` (with their `$ref`s rewritten). docs/schemas/ stays the normative,
//! draft 2020-12 form that the end-to-end suite validates every event against.

use serde_json::{Map, Value};

/// An event schema converted for AsyncAPI, with the definitions it shared.
pub(crate) struct Converted {
    pub(crate) schema: Value,
    pub(crate) definitions: Vec<(String, Value)>,
}

/// Converts one draft 2020-12 schema document.
pub(crate) fn convert(mut document: Value) -> Converted {
    let mut definitions = Vec::new();
    if let Value::Object(map) = &mut document {
        map.remove("$schema");
        if let Some(Value::Object(defs)) = map.remove("$defs") {
            for (name, def) in defs {
                definitions.push((name, rewrite(def)));
            }
        }
    }
    Converted {
        schema: rewrite(document),
        definitions,
    }
}

/// Rewrites every nested schema: tuples and `$ref`s.
fn rewrite(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            let tuple = map.contains_key("prefixItems");
            for (key, value) in map {
                match key.as_str() {
                    "prefixItems" => {
                        out.insert("items".to_owned(), rewrite(value));
                    }
                    "items" if tuple => {
                        out.insert("additionalItems".to_owned(), rewrite(value));
                    }
                    "$ref" => {
                        let target = value.as_str().map_or_else(String::new, |r| {
                            r.replace("#/$defs/", "#/components/schemas/")
                        });
                        out.insert(key, Value::String(target));
                    }
                    _ => {
                        out.insert(key, rewrite(value));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(rewrite).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tuples_and_definitions_take_their_draft_07_form() {
        let converted = convert(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "list": {"type": "array", "prefixItems": [{"const": "a"}], "items": false},
                "vars": {"$ref": "#/$defs/callVariables"},
                "plain": {"type": "array", "items": {"type": "string"}}
            },
            "$defs": {"callVariables": {"prefixItems": [{"type": "string"}], "items": {"type": "object"}}}
        }));
        assert_eq!(
            converted.schema,
            json!({
                "type": "object",
                "properties": {
                    "list": {"type": "array", "items": [{"const": "a"}], "additionalItems": false},
                    "vars": {"$ref": "#/components/schemas/callVariables"},
                    "plain": {"type": "array", "items": {"type": "string"}}
                }
            })
        );
        assert_eq!(
            converted.definitions,
            vec![(
                "callVariables".to_owned(),
                json!({"items": [{"type": "string"}], "additionalItems": {"type": "object"}})
            )]
        );
    }
}
