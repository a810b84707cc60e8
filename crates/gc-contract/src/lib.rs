//! The Generic Connector's client contract as an AsyncAPI 3 document (`docs/asyncapi.yaml`).
//!
//! Everything in it comes from gc-protocol: the command names and their categories, one example
//! of every event in both formats, the JSON Schemas of the JSON events
//! ([`gc_protocol::event::json_schemas`]), the routing keys of `gc.events` and the error codes.
//! The prose that a machine cannot derive (what each command does and an example body) comes
//! from the command table of docs/protocol.md, itself generated from gc-protocol and checked by
//! `crates/gc-protocol/tests/protocol_doc.rs`. `tests/asyncapi.rs` regenerates the document and
//! fails when the committed one differs (the drift test), and has the official AsyncAPI parser
//! validate it.
//!
//! Pure: no IO; the test reads and writes the files.

mod document;
mod schema;
mod yaml;

use gc_protocol::Event;

pub use document::asyncapi;
use yaml::to_yaml;

/// One command as docs/protocol.md's table shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandExample {
    /// What it does ("Agent login").
    pub what: String,
    /// An example JMS type (`Login#1001`).
    pub jms_type: String,
    /// An example body (`secret,3001`), empty for none.
    pub body: String,
}

/// One example event: the seed's output id (`O-001`), a description and the event.
#[derive(Clone, Debug)]
pub struct EventExample {
    pub id: String,
    pub what: String,
    pub event: Event,
}

/// What the document is generated from.
#[derive(Clone, Debug)]
pub struct Contract {
    /// The connector's version (the workspace version).
    pub version: String,
    pub commands: Vec<CommandExample>,
    pub events: Vec<EventExample>,
}

/// Why a document cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error(
        "docs/protocol.md has no generated command table (markers `<!-- generated:commands -->`)"
    )]
    NoCommandTable,
    #[error("command table row {row}: {reason}")]
    BadRow { row: usize, reason: String },
    #[error("command {0} has no example in the command table")]
    Undocumented(&'static str),
    #[error("the JSON Schema of {name} is not JSON: {reason}")]
    BadSchema { name: &'static str, reason: String },
    #[error("event {id} ({what}) renders JSON without a `type`: {json}")]
    UntypedEvent {
        id: String,
        what: String,
        json: String,
    },
}

/// The command examples of docs/protocol.md's generated table
/// (`| what | \`category\` | \`JMS type\` | \`body\` or (empty) |`).
pub fn commands_from_protocol_md(doc: &str) -> Result<Vec<CommandExample>, ContractError> {
    let start = doc
        .find("<!-- generated:commands -->")
        .ok_or(ContractError::NoCommandTable)?;
    let end = doc[start..]
        .find("<!-- end:commands -->")
        .ok_or(ContractError::NoCommandTable)?;
    let table = &doc[start..start + end];
    let mut commands = Vec::new();
    for (row, line) in table.lines().enumerate() {
        let Some(inner) = line.strip_prefix("| ").and_then(|l| l.strip_suffix(" |")) else {
            continue;
        };
        let cells: Vec<&str> = inner.split(" | ").collect();
        if cells.first() == Some(&"Command") {
            continue;
        }
        let bad = |reason: &str| ContractError::BadRow {
            row,
            reason: format!("{reason}: {line}"),
        };
        let [what, _category, jms_type, body] = cells.as_slice() else {
            return Err(bad("not four cells"));
        };
        let code = |cell: &str| {
            cell.strip_prefix('`')
                .and_then(|c| c.strip_suffix('`'))
                .map(str::to_owned)
        };
        let jms_type = code(jms_type).ok_or_else(|| bad("the JMS type is not `code`"))?;
        let body = if *body == "(empty)" {
            String::new()
        } else {
            code(body).ok_or_else(|| bad("the body is neither `code` nor (empty)"))?
        };
        gc_protocol::Command::parse(Some(&jms_type), body.as_bytes())
            .map_err(|e| bad(&format!("does not parse ({e})")))?;
        commands.push(CommandExample {
            what: (*what).to_owned(),
            jms_type,
            body,
        });
    }
    for name in gc_protocol::CommandName::ALL {
        if !commands
            .iter()
            .any(|c| command_name(&c.jms_type) == name.as_str())
        {
            return Err(ContractError::Undocumented(name.as_str()));
        }
    }
    Ok(commands)
}

/// The command name of a JMS type (`Login` of `Login#1001`).
fn command_name(jms_type: &str) -> &str {
    jms_type.split('#').next().unwrap_or_default().trim()
}
