//! A YAML writer for the contract: block style, two spaces per level, keys in the order given.
//!
//! The document is built as JSON values (ordered maps), so this is the only YAML code the
//! workspace needs; a YAML library would bring a second serialisation stack for ~80 lines.
//! Strings that could be read as anything other than the same string (numbers, booleans,
//! `null`, text with `: `, `#`, quotes, leading symbols, line breaks …) are written as JSON
//! strings, which are valid YAML double-quoted scalars.

use serde_json::Value;

/// The YAML text of a value, ending with a newline.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => block_map(map, &mut out, 0),
        Value::Array(items) if !items.is_empty() => block_seq(items, &mut out, 0),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

fn block_map(map: &serde_json::Map<String, Value>, out: &mut String, indent: usize) {
    for (key, value) in map {
        pad(out, indent);
        out.push_str(&scalar_text(key));
        out.push(':');
        nested(value, out, indent);
    }
}

fn block_seq(items: &[Value], out: &mut String, indent: usize) {
    for item in items {
        pad(out, indent);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first member on the dash's line, the rest aligned under it.
                let mut first = true;
                for (key, value) in map {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        pad(out, indent + 2);
                    }
                    out.push_str(&scalar_text(key));
                    out.push(':');
                    nested(value, out, indent + 2);
                }
            }
            other => nested(other, out, indent),
        }
    }
}

/// The value after `key:` or `-`: on the same line when it is a scalar or empty, else below.
fn nested(value: &Value, out: &mut String, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            block_map(map, out, indent + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            block_seq(items, out, indent + 2);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_text(s),
        Value::Object(_) => "{}".to_owned(),
        Value::Array(_) => "[]".to_owned(),
    }
}

/// A string as a plain scalar when that reads back as the same string, else JSON-quoted.
fn scalar_text(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else {
        Value::String(s.to_owned()).to_string()
    }
}

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let reserved_start = "-?:,[]{}#&*!|>'\"%@`~ ".contains(first);
    let looks_typed = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) || s.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o");
    !reserved_start
        && !looks_typed
        && !s.ends_with(' ')
        && !s.ends_with(':')
        && !s.contains(": ")
        && !s.contains(" #")
        && s.chars().all(|c| !c.is_control() && c != '\u{feff}')
        && !s.contains('\\')
}

fn pad(out: &mut String, width: usize) {
    out.extend(std::iter::repeat_n(' ', width));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_nested_blocks_and_quotes_what_would_change_meaning() {
        let value = json!({
            "asyncapi": "3.0.0",
            "a": {"b": [1, "x", {"c": true, "d": "e: f"}], "empty": {}},
            "n": "12",
            "t": "true",
            "s": "Login#1001",
            "h": "#comment",
        });
        let text = to_yaml(&value);
        assert_eq!(
            text,
            "asyncapi: 3.0.0\na:\n  b:\n    - 1\n    - x\n    - c: true\n      d: \"e: f\"\n  empty: {}\n\"n\": \"12\"\nt: \"true\"\ns: Login#1001\nh: \"#comment\"\n"
        );
    }
}
