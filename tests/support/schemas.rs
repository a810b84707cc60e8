//! Every JSON event an end-to-end test receives is validated against its JSON Schema
//! (docs/schemas/<type>.json, draft 2020-12, generated from gc-protocol): a missing, extra or
//! mistyped field fails the test that received it, wherever in the suite that is.
//!
//! [`super::Client::next`] calls [`check_delivery`] for every message: a message with
//! `content_type: application/json` that is not a dead letter must be a JSON event with a
//! `type` that has a schema, and must validate. Each client adds what it validated to
//! `$GC_E2E_LOG_DIR/json-validated.counts` when dropped, and scripts/test prints the total.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

/// Validators of every schema in docs/schemas/, by event type.
fn validators() -> &'static BTreeMap<String, jsonschema::Validator> {
    static VALIDATORS: OnceLock<BTreeMap<String, jsonschema::Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas");
        let mut validators = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).expect("docs/schemas exists") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let schema: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let validator = jsonschema::draft202012::new(&schema)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            validators.insert(name, validator);
        }
        assert!(
            validators.len() >= 20,
            "docs/schemas holds {}",
            validators.len()
        );
        validators
    })
}

/// The event type of a JSON event: its `type`, or its first element's for `[{…}]` events.
pub fn type_of(event: &Value) -> Option<&str> {
    event
        .get("type")
        .or_else(|| event.get(0)?.get("type"))?
        .as_str()
}

/// Validates one JSON event; returns its type, or why it is not a valid event.
pub fn validate(body: &str) -> Result<String, String> {
    let event: Value = serde_json::from_str(body).map_err(|e| format!("not JSON ({e})"))?;
    let kind = type_of(&event).ok_or("no `type`")?;
    let validator = validators()
        .get(kind)
        .ok_or_else(|| format!("no schema docs/schemas/{kind}.json"))?;
    let errors: Vec<String> = validator
        .iter_errors(&event)
        .map(|e| format!("{e} at `{}`", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(kind.to_owned())
    } else {
        Err(format!(
            "{kind} does not match its schema: {}",
            errors.join("; ")
        ))
    }
}

/// Validates a delivery when it is a JSON event (`content_type: application/json`, no
/// `x-gc-reason`); panics, failing the test, when it does not match its schema. Returns the
/// type it validated.
pub fn check_delivery(
    queue: &str,
    content_type: Option<&str>,
    dead_letter: bool,
    body: &str,
) -> Option<String> {
    if content_type != Some("application/json") || dead_letter {
        return None;
    }
    match validate(body) {
        Ok(kind) => Some(kind),
        Err(why) => panic!("a JSON event on {queue} breaks the contract: {why}\n{body}"),
    }
}

/// Adds a client's counts to `$GC_E2E_LOG_DIR/json-validated.counts` (`<type> <n>` lines).
pub fn record(counts: &BTreeMap<String, usize>) {
    let Some(dir) = std::env::var_os("GC_E2E_LOG_DIR") else {
        return;
    };
    if counts.is_empty() {
        return;
    }
    let mut lines = String::new();
    for (kind, n) in counts {
        let _ = writeln!(lines, "{kind} {n}");
    }
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(PathBuf::from(dir).join("json-validated.counts"))
    {
        // One write of a few lines: appends from parallel tests do not interleave.
        let _ = file.write_all(lines.as_bytes());
    }
}
