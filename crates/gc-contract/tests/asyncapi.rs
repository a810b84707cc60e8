//! Keeps docs/asyncapi.yaml true to the code (the drift test) and has the official AsyncAPI
//! parser (`@asyncapi/parser`, installed by scripts/clients-up into target/asyncapi) validate
//! it. To rewrite the document after a change:
//! `GC_BLESS=1 cargo test -p gc-contract --test asyncapi`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use gc_contract::{Contract, EventExample, asyncapi, commands_from_protocol_md};

// The same catalogue of example events that docs/protocol.md and docs/schemas/ come from.
#[path = "../../gc-protocol/tests/support/catalogue.rs"]
mod catalogue;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn generated() -> String {
    let protocol = std::fs::read_to_string(root().join("docs/protocol.md")).unwrap();
    let contract = Contract {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commands: commands_from_protocol_md(&protocol).unwrap(),
        events: catalogue::events()
            .into_iter()
            .map(|(id, what, event)| EventExample {
                id: id.to_owned(),
                what: what.to_owned(),
                event,
            })
            .collect(),
    };
    asyncapi(&contract).unwrap()
}

#[test]
fn docs_asyncapi_yaml_is_generated_from_the_code() {
    let path = root().join("docs/asyncapi.yaml");
    let expected = generated();
    if std::env::var_os("GC_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/asyncapi.yaml is out of date; run `GC_BLESS=1 cargo test -p gc-contract --test asyncapi`"
    );
}

#[test]
fn every_command_and_json_event_type_is_in_the_document() {
    let text = generated();
    for name in gc_protocol::CommandName::ALL {
        assert!(
            text.contains(&format!("  command.{name}:\n")),
            "command {name} missing"
        );
    }
    let schemas = std::fs::read_dir(root().join("docs/schemas")).unwrap();
    for entry in schemas {
        let path = entry.unwrap().path();
        let kind = path.file_stem().unwrap().to_string_lossy().into_owned();
        for suffix in ["legacy", "json"] {
            assert!(
                text.contains(&format!("  {kind}.{suffix}:\n")),
                "{kind}.{suffix} missing"
            );
        }
    }
    for code in gc_protocol::ErrorCode::all() {
        assert!(
            text.contains(&format!("const: {}\n", code.as_str())),
            "{code:?}"
        );
    }
}

/// The official parser (scripts/asyncapi/validate.mjs) finds no error and no warning. It is
/// installed by scripts/clients-up (scripts/test runs it); without it this test fails, saying so.
#[test]
fn the_official_asyncapi_parser_accepts_the_document() {
    let modules = root().join("target/asyncapi/node_modules/@asyncapi/parser");
    assert!(
        modules.exists(),
        "{} is missing: run scripts/clients-up (scripts/test does)",
        modules.display()
    );
    let output = Command::new("node")
        .arg(root().join("scripts/asyncapi/validate.mjs"))
        .arg(root().join("docs/asyncapi.yaml"))
        .output()
        .expect("node runs (scripts/clients-up installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the AsyncAPI parser refused docs/asyncapi.yaml:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("valid AsyncAPI 3.1.0"), "{stdout}");
}

/// The parser does find errors: a document with a broken reference is refused.
#[test]
fn the_official_parser_refuses_a_broken_document() {
    let modules = root().join("target/asyncapi/node_modules/@asyncapi/parser");
    assert!(modules.exists(), "run scripts/clients-up");
    let broken = generated().replacen(
        "$ref: \"#/components/schemas/State\"",
        "$ref: \"#/components/schemas/NoSuchSchema\"",
        1,
    );
    assert!(broken.contains("NoSuchSchema"));
    let dir = std::env::temp_dir().join(format!("gc-asyncapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.yaml");
    std::fs::write(&file, broken).unwrap();
    let output = Command::new("node")
        .arg(root().join("scripts/asyncapi/validate.mjs"))
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        !output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
