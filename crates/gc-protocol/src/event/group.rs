//! The connector group in a JSON event (`"group": "<instance.group>"`).
//!
//! Several connector groups (one per Finesse cluster) share the events exchange, and the same
//! agent id may exist in two clusters, so a JSON event says which group produced it. The group
//! is a property of the publishing instance, not of the event: the engine does not know it, and
//! the field is added once at publication to the already rendered JSON, as its last key. With no
//! group configured nothing is added, so every seed sample stays byte-identical.

use super::json::string;

/// The JSON key of the group. It is the last key of the event's object (of the one object of
/// the `[{…}]` events) and it is optional in every event schema.
pub const GROUP_KEY: &str = "group";

/// `json` with `"group":"<group>"` added as the last key of its top-level object, or of the
/// object inside a one-element list (`[{…}]`), as the renderer writes them (compact, no
/// trailing whitespace). `None` when `json` is not such an event (nothing is guessed), so the
/// caller publishes it unchanged.
pub fn with_group(json: &[u8], group: &str) -> Option<Vec<u8>> {
    let body = match json {
        [body @ .., b'}', b']'] if json.first() == Some(&b'[') => body,
        [body @ .., b'}'] if json.first() == Some(&b'{') => body,
        _ => return None,
    };
    let mut member = String::with_capacity(GROUP_KEY.len() + group.len() + 6);
    // An object with no key yet (`{}`) takes the member without a comma.
    if !matches!(body.last(), Some(b'{')) {
        member.push(',');
    }
    string(&mut member, GROUP_KEY);
    member.push(':');
    string(&mut member, group);
    let mut out = Vec::with_capacity(json.len() + member.len());
    out.extend_from_slice(body);
    out.extend_from_slice(member.as_bytes());
    out.extend_from_slice(&json[body.len()..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::with_group;

    fn text(json: &str, group: &str) -> Option<String> {
        with_group(json.as_bytes(), group).map(|b| String::from_utf8(b).unwrap_or_default())
    }

    #[test]
    fn the_group_is_the_last_key_of_the_object() {
        assert_eq!(
            text(r#"{"type":"State","agentId":"1001"}"#, "fin-east").as_deref(),
            Some(r#"{"type":"State","agentId":"1001","group":"fin-east"}"#)
        );
    }

    #[test]
    fn a_list_of_one_gets_it_in_its_object() {
        assert_eq!(
            text(r#"[{"type":"Agents","users":[{"a":"b"}]}]"#, "g").as_deref(),
            Some(r#"[{"type":"Agents","users":[{"a":"b"}],"group":"g"}]"#)
        );
    }

    #[test]
    fn an_empty_object_takes_no_comma() {
        assert_eq!(text("{}", "g").as_deref(), Some(r#"{"group":"g"}"#));
        assert_eq!(text("[{}]", "g").as_deref(), Some(r#"[{"group":"g"}]"#));
    }

    #[test]
    fn the_group_is_escaped() {
        assert_eq!(
            text("{}", "a\"b\\c").as_deref(),
            Some(r#"{"group":"a\"b\\c"}"#)
        );
    }

    #[test]
    fn anything_else_is_left_alone() {
        for json in [
            "",
            "x",
            "[]",
            "\"s\"",
            "{\"a\":1} ",
            "[{}",
            "{}]",
            "[1,{}]x",
        ] {
            assert_eq!(text(json, "g"), None, "{json:?}");
        }
    }
}
