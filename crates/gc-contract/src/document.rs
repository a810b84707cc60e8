//! The AsyncAPI 3.0 document, built as ordered JSON values and written as YAML.
//!
//! Channels: the command queue `gc.commands`, a client destination on `gc.clients`, the
//! integration topic `gc.events` (`<category>.<agentId>`), the `reply_to` queue and the
//! dead-letter queue. Messages: one per command name, and one per JSON event `type` in each
//! format (`State.legacy`, `State.json`), with every example event of that type.

use std::collections::BTreeSet;

use gc_protocol::event::json_schemas;
use gc_protocol::{ErrorCode, Event, Format};
use serde_json::{Map, Value, json};

use crate::schema::convert;
use crate::{CommandExample, Contract, ContractError, EventExample, command_name, to_yaml};

const AMQP_BINDING: &str = "0.3.0";

/// The AsyncAPI document (YAML) of a contract.
pub fn asyncapi(contract: &Contract) -> Result<String, ContractError> {
    let events = typed_events(&contract.events)?;
    let mut schemas = Map::new();
    schemas.insert("errorCode".to_owned(), error_code_schema());
    let all_events: Vec<&Event> = contract.events.iter().map(|e| &e.event).collect();
    for generated in json_schemas(all_events) {
        let document: Value =
            serde_json::from_str(&generated.text).map_err(|e| ContractError::BadSchema {
                name: generated.name,
                reason: e.to_string(),
            })?;
        let mut converted = convert(document);
        if generated.name == "Error"
            && let Some(code) = converted.schema.pointer_mut("/properties/code")
        {
            *code = json!({"$ref": "#/components/schemas/errorCode"});
        }
        for (name, definition) in converted.definitions {
            schemas.insert(name, definition);
        }
        schemas.insert(generated.name.to_owned(), converted.schema);
    }

    let mut messages = Map::new();
    let mut command_refs = Vec::new();
    let mut commands_channel = Map::new();
    for command in &contract.commands {
        let name = command_name(&command.jms_type);
        let key = format!("command.{name}");
        messages.insert(key.clone(), command_message(command));
        commands_channel.insert(name.to_owned(), component_ref("messages", &key));
        command_refs.push(json!({"$ref": format!("#/channels/commands/messages/{name}")}));
    }

    let mut destination_channel = Map::new();
    let mut events_channel = Map::new();
    let mut destination_refs = Vec::new();
    let mut events_refs = Vec::new();
    let mut reply_refs = Vec::new();
    let mut categories = BTreeSet::new();
    for (kind, examples) in &events {
        categories.extend(examples.iter().map(|e| e.event.category().as_str()));
        for format in [Format::Legacy, Format::Json] {
            let suffix = match format {
                Format::Legacy => "legacy",
                Format::Json => "json",
            };
            let key = format!("{kind}.{suffix}");
            messages.insert(key.clone(), event_message(kind, examples, format));
            destination_channel.insert(key.clone(), component_ref("messages", &key));
            destination_refs
                .push(json!({"$ref": format!("#/channels/destination/messages/{key}")}));
            reply_refs.push(json!({"$ref": format!("#/channels/replies/messages/{key}")}));
            if format == Format::Json {
                events_channel.insert(key.clone(), component_ref("messages", &key));
                events_refs.push(json!({"$ref": format!("#/channels/events/messages/{key}")}));
            }
        }
    }
    messages.insert("deadLetter".to_owned(), dead_letter_message());

    let document = json!({
        "asyncapi": "3.1.0",
        "id": "urn:generic-connector:client-protocol",
        "info": info(&contract.version),
        "defaultContentType": "text/plain",
        "servers": {
            "rabbitmq": {
                "host": "127.0.0.1:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "The RabbitMQ broker the connector uses (`broker.url`). Other \
                    stacks reach the same names through RabbitMQ's plugins: STOMP \
                    (`/amq/queue/gc.commands`, `/exchange/gc.clients/<destination>`), AMQP 1.0 \
                    and Web-STOMP; docs/protocol.md section 7 says which property each stack \
                    uses for the JMS type, correlation and reply-to."
            }
        },
        "channels": {
            "commands": {
                "address": "gc.commands",
                "title": "Commands",
                "description": "The durable command queue (default exchange, routing key \
                    `gc.commands`; the topic exchange `gc.commands` routes any key to it). The \
                    JMS type `<Command>#<argument>` travels in the header `JMSType` (else the \
                    `type` property); the body holds the comma-separated parameters.",
                "messages": commands_channel,
                "bindings": {"amqp": {
                    "is": "queue",
                    "queue": {"name": "gc.commands", "durable": true, "exclusive": false,
                              "autoDelete": false, "vhost": "/"},
                    "bindingVersion": AMQP_BINDING
                }}
            },
            "destination": {
                "address": "{destination}",
                "title": "A client destination",
                "description": "Events for one client destination: the topic exchange \
                    `gc.clients` with the destination as routing key. Bind a queue of your own \
                    with that key, then send `Hello#<destination>`. The format is the operator's \
                    default or the `gc-format` header of `Hello`/`Connect`.",
                "parameters": {"destination": {
                    "description": "The client destination registered with `Hello` (letters, \
                        digits and `. _ - @ :`, at most 128 characters, not starting with `amq.` \
                        or `gc.`).",
                    "examples": ["crm-host-7"]
                }},
                "messages": destination_channel,
                "bindings": {"amqp": {
                    "is": "routingKey",
                    "exchange": {"name": "gc.clients", "type": "topic", "durable": true,
                                 "autoDelete": false, "vhost": "/"},
                    "bindingVersion": AMQP_BINDING
                }}
            },
            "events": {
                "address": "{category}.{agentId}",
                "title": "Integration events",
                "description": "Every event, as JSON, on the topic exchange `gc.events` with \
                    routing key `<category>.<agentId>` (`agent_state.1001`, `system.all`).",
                "parameters": {
                    "category": {
                        "description": "The event's category (also the `category` header).",
                        "enum": categories.iter().collect::<Vec<_>>()
                    },
                    "agentId": {
                        "description": "The agent's login id, or `all` for an event about no \
                            agent.",
                        "examples": ["1001", "all"]
                    }
                },
                "messages": events_channel,
                "bindings": {"amqp": {
                    "is": "routingKey",
                    "exchange": {"name": "gc.events", "type": "topic", "durable": true,
                                 "autoDelete": false, "vhost": "/"},
                    "bindingVersion": AMQP_BINDING
                }}
            },
            "replies": {
                "address": null,
                "title": "Direct replies",
                "description": "The queue a command's `reply_to` names: direct answers \
                    (Error, State, ReasonCodes …) also go there, with `correlation_id` = the \
                    request's `correlation_id`, else its `message_id`.",
                "messages": destination_channel.clone()
            },
            "deadLetters": {
                "address": "gc.commands.dlq",
                "title": "Dead letters",
                "description": "Commands that cannot be answered on any destination (no agent \
                    id, no command, not UTF-8, too large …), each with the header \
                    `x-gc-reason`. Bodies that carry a password are replaced by a redaction \
                    note.",
                "messages": {"deadLetter": component_ref("messages", "deadLetter")},
                "bindings": {"amqp": {
                    "is": "queue",
                    "queue": {"name": "gc.commands.dlq", "durable": true, "exclusive": false,
                              "autoDelete": false, "vhost": "/"},
                    "bindingVersion": AMQP_BINDING
                }}
            }
        },
        "operations": {
            "sendCommand": {
                "action": "send",
                "channel": {"$ref": "#/channels/commands"},
                "title": "Send a command",
                "summary": "A client sends a command; the answers go to the agent's \
                    destination, and also to `reply_to` when given.",
                "messages": command_refs,
                "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP_BINDING}},
                "reply": {
                    "address": {
                        "location": "$message.header#/reply_to",
                        "description": "The AMQP `reply_to` property: a queue name (routing \
                            key of the default exchange)."
                    },
                    "channel": {"$ref": "#/channels/replies"},
                    "messages": reply_refs
                }
            },
            "receiveDestinationEvents": {
                "action": "receive",
                "channel": {"$ref": "#/channels/destination"},
                "title": "Receive a destination's events",
                "messages": destination_refs
            },
            "receiveIntegrationEvents": {
                "action": "receive",
                "channel": {"$ref": "#/channels/events"},
                "title": "Receive integration events",
                "messages": events_refs
            },
            "readDeadLetters": {
                "action": "receive",
                "channel": {"$ref": "#/channels/deadLetters"},
                "title": "Read dead letters (operators: `gcctl dlq`)",
                "messages": [{"$ref": "#/channels/deadLetters/messages/deadLetter"}]
            }
        },
        "components": {
            "schemas": schemas,
            "messages": messages,
            "messageTraits": {
                "command": {
                    "contentType": "text/plain",
                    "correlationId": {
                        "description": "Answers carry the request's `correlation_id`, else its \
                            `message_id`.",
                        "location": "$message.header#/correlation_id"
                    }
                },
                "event": {
                    "correlationId": {
                        "description": "Set when the event answers a request.",
                        "location": "$message.header#/correlation_id"
                    }
                }
            }
        }
    });
    Ok(format!(
        "# Generated from gc-protocol by crates/gc-contract \
         (`GC_BLESS=1 cargo test -p gc-contract --test asyncapi`); do not edit.\n{}",
        to_yaml(&document)
    ))
}

fn info(version: &str) -> Value {
    json!({
        "title": "Generic Connector client protocol",
        "version": version,
        "description": "CRM clients (CTI drivers, agent desktops, scripts) send agent and \
            supervisor commands JMS-style over RabbitMQ and receive the connector's events as \
            the legacy `#`-delimited text or JSON. The prose, the tolerance rules and the \
            readings of the specification are docs/protocol.md; the JSON Schemas (draft \
            2020-12) of the JSON events are docs/schemas/ (here in AsyncAPI's draft-07 form).",
        "license": {"name": "Apache-2.0"}
    })
}

fn component_ref(kind: &str, key: &str) -> Value {
    json!({"$ref": format!("#/components/{kind}/{key}")})
}

/// The examples grouped by JSON `type`, in the order of first appearance.
fn typed_events(
    events: &[EventExample],
) -> Result<Vec<(String, Vec<&EventExample>)>, ContractError> {
    let mut by_type: Vec<(String, Vec<&EventExample>)> = Vec::new();
    for example in events {
        let json = example.event.render(Format::Json);
        let value: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
        let kind = value
            .get("type")
            .or_else(|| value.get(0).and_then(|v| v.get("type")))
            .and_then(Value::as_str)
            .ok_or_else(|| ContractError::UntypedEvent {
                id: example.id.clone(),
                what: example.what.clone(),
                json: json.clone(),
            })?
            .to_owned();
        match by_type.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, list)) => list.push(example),
            None => by_type.push((kind, vec![example])),
        }
    }
    Ok(by_type)
}

fn command_message(command: &CommandExample) -> Value {
    let name = command_name(&command.jms_type);
    let category = gc_protocol::CommandName::from_name(name)
        .map(|n| n.category().as_str())
        .unwrap_or_default();
    let argument = if name.eq_ignore_ascii_case("Hello") || name.eq_ignore_ascii_case("Beat") {
        "destination"
    } else {
        "agent"
    };
    let body_description = if command.body.is_empty() {
        "No parameters: the body is empty.".to_owned()
    } else {
        format!(
            "The comma-separated parameters, e.g. `{}`. UTF-8 text, at most 64 KiB with the \
             JMS type.",
            command.body
        )
    };
    json!({
        "name": name,
        "title": command.what,
        "summary": format!("`{name}#<{argument}>`, category `{category}`."),
        "headers": {
            "type": "object",
            "properties": {
                "JMSType": {
                    "type": "string",
                    "description": format!("`{name}#<{argument}>`; the name matches in any \
                        case. When absent, the AMQP `type` property is read instead."),
                    "examples": [command.jms_type]
                },
                "JMSMessageID": {"type": "string",
                    "description": "The message id when `message_id` is not set (JMS \
                        clients); redeliveries are recognised by it."},
                "gc-format": {"enum": ["json", "legacy"],
                    "description": "On Hello and Connect: the destination's output format."},
                "gc-destination": {"type": "string",
                    "description": "The destination the sender reads, for answers about an \
                        agent the connector does not know."}
            }
        },
        "payload": {"type": "string", "description": body_description,
                    "examples": [command.body]},
        "traits": [component_ref("messageTraits", "command")],
        "examples": [{
            "name": name,
            "headers": {"JMSType": command.jms_type},
            "payload": command.body
        }]
    })
}

fn event_message(kind: &str, examples: &[&EventExample], format: Format) -> Value {
    let mut categories: Vec<&str> = examples
        .iter()
        .map(|e| e.event.category().as_str())
        .collect();
    categories.sort_unstable();
    categories.dedup();
    let mut ids: Vec<&str> = examples.iter().map(|e| e.id.as_str()).collect();
    ids.dedup();
    let summary = examples
        .iter()
        .map(|e| format!("{} {}", e.id, e.what))
        .collect::<Vec<_>>()
        .join("; ");
    let headers = json!({
        "type": "object",
        "properties": {
            "category": {"enum": categories, "description": "The event's category."},
            "JMSType": {"type": "string", "description": "`TextMessage`, so a JMS client \
                materialises a TextMessage (O-023 carries the request's JMS type instead)."}
        },
        "required": ["category", "JMSType"]
    });
    let example_list: Vec<Value> = examples
        .iter()
        .map(|e| {
            let text = e.event.render(format);
            let payload = match format {
                Format::Legacy => Value::String(text),
                Format::Json => serde_json::from_str(&text).unwrap_or(Value::String(text)),
            };
            json!({
                "name": format!("{}-{}", e.id, slug(&e.what)),
                "summary": e.what,
                "headers": {
                    "category": e.event.category().as_str(),
                    "JMSType": e.event.jms_type().unwrap_or("TextMessage")
                },
                "payload": payload
            })
        })
        .collect();
    let (content_type, payload, title) = match format {
        Format::Legacy => (
            "text/plain",
            json!({"type": "string",
                   "description": "The legacy `#`-delimited text (docs/protocol.md section 4)."}),
            format!("{kind} (legacy text)"),
        ),
        Format::Json => (
            "application/json",
            component_ref("schemas", kind),
            format!("{kind} (JSON)"),
        ),
    };
    json!({
        "name": kind,
        "title": title,
        "summary": format!("{}: {summary}.", ids.join(", ")),
        "contentType": content_type,
        "headers": headers,
        "payload": payload,
        "traits": [component_ref("messageTraits", "event")],
        "examples": example_list
    })
}

fn dead_letter_message() -> Value {
    json!({
        "name": "deadLetter",
        "title": "A dead-lettered command",
        "summary": "A copy of the command with every property and header, plus why.",
        "headers": {
            "type": "object",
            "properties": {
                "x-gc-reason": {"type": "string",
                    "description": "Why the command was dead-lettered (cut at 4,096 bytes)."},
                "x-gc-original-exchange": {"type": "string"},
                "x-gc-original-routing-key": {"type": "string"},
                "x-gc-redacted": {"type": "string",
                    "description": "Set when the AMQP 1.0 sections were dropped (they may \
                        hold a password)."},
                "JMSType": {"type": "string"}
            },
            "required": ["x-gc-reason"]
        },
        "payload": {"type": "string",
            "description": "The original body; for Connect, Login and MobileAgentLogin a \
                redaction note instead (the body carries a password)."}
    })
}

/// `Agent state` → `agent-state`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// The error codes: each known code with its meaning, or a Finesse code passed through.
fn error_code_schema() -> Value {
    let mut known: Vec<Value> = ErrorCode::all()
        .map(|code| {
            json!({
                "const": code.as_str(),
                "description": format!("{:?}: {} Client should: {}", code.origin(),
                    code.description(), code.driver_behaviour())
            })
        })
        .collect();
    known.push(json!({
        "type": "string",
        "pattern": "^[^#,|\\s]+$",
        "description": "Any other Finesse error code (`CF_…`), passed through as Finesse sent \
            it."
    }));
    json!({
        "description": "Error codes (docs/protocol.md section 5).",
        "anyOf": known
    })
}
