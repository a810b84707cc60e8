//! The exchanges, queues and bindings of the client contract (design.md 4 and 6), declared on
//! every (re)connect.
//!
//! Declaring is idempotent, so re-running it after a broker restart or after an operator
//! deleted something puts the contract back. A declare that the broker refuses (a queue that
//! exists with other arguments, a reserved name) closes the channel, so the first failure is
//! returned and the caller starts over on a fresh connection.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Channel, ErrorKind, ExchangeKind};

use crate::{BrokerConfig, BrokerError};

/// AMQP reply code RESOURCE_LOCKED: an exclusive queue is held by another connection.
pub(crate) const RESOURCE_LOCKED: u16 = 405;

/// Declares the shared topology:
///
/// | entity | kind | flags |
/// |---|---|---|
/// | `commands_exchange` | topic | durable |
/// | `commands_queue` | queue | durable, `x-single-active-consumer: true` |
/// | `commands_queue` ← `commands_exchange` | binding | key `#` |
/// | `clients_exchange` | topic | durable |
/// | `events_exchange` | topic | durable |
/// | `dead_letter_queue` | queue | durable |
/// | `sync_exchange` | fanout | durable |
pub(crate) async fn declare(channel: &Channel, config: &BrokerConfig) -> Result<(), BrokerError> {
    exchange(channel, &config.commands_exchange, ExchangeKind::Topic).await?;
    let mut sac = FieldTable::default();
    sac.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
    queue(channel, &config.commands_queue, durable_queue(), sac).await?;
    bind(
        channel,
        &config.commands_queue,
        &config.commands_exchange,
        "#",
    )
    .await?;
    exchange(channel, &config.clients_exchange, ExchangeKind::Topic).await?;
    exchange(channel, &config.events_exchange, ExchangeKind::Topic).await?;
    declare_dead_letter_queue(channel, config).await?;
    exchange(channel, &config.sync_exchange, ExchangeKind::Fanout).await?;
    Ok(())
}

/// Declares the dead-letter queue alone: used when a dead-letter copy came back unroutable
/// because someone deleted the queue since we connected.
pub(crate) async fn declare_dead_letter_queue(
    channel: &Channel,
    config: &BrokerConfig,
) -> Result<(), BrokerError> {
    queue(
        channel,
        &config.dead_letter_queue,
        durable_queue(),
        FieldTable::default(),
    )
    .await
}

/// Declares this instance's ConnectorSync queue: server-named, exclusive and auto-delete, so
/// it lives exactly as long as the connection and needs no cleanup. Returns its name.
pub(crate) async fn declare_sync_queue(
    channel: &Channel,
    config: &BrokerConfig,
) -> Result<ShortString, BrokerError> {
    let options = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..QueueDeclareOptions::default()
    };
    let declared = channel
        .queue_declare(ShortString::from(""), options, FieldTable::default())
        .await
        .map_err(|source| BrokerError::Topology {
            what: "queue",
            name: "<server-named sync queue>".to_owned(),
            source,
        })?;
    let name = declared.name().clone();
    bind(channel, name.as_str(), &config.sync_exchange, "").await?;
    Ok(name)
}

/// The AMQP reply code of a channel- or connection-level error, if it is one.
pub(crate) fn reply_code(err: &lapin::Error) -> Option<u16> {
    match err.kind() {
        ErrorKind::ProtocolError(amqp) => Some(amqp.get_id()),
        _ => None,
    }
}

fn durable_queue() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    }
}

async fn exchange(channel: &Channel, name: &str, kind: ExchangeKind) -> Result<(), BrokerError> {
    let options = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(name.into(), kind, options, FieldTable::default())
        .await
        .map_err(|source| BrokerError::Topology {
            what: "exchange",
            name: name.to_owned(),
            source,
        })
}

async fn queue(
    channel: &Channel,
    name: &str,
    options: QueueDeclareOptions,
    arguments: FieldTable,
) -> Result<(), BrokerError> {
    channel
        .queue_declare(name.into(), options, arguments)
        .await
        .map(drop)
        .map_err(|source| BrokerError::Topology {
            what: "queue",
            name: name.to_owned(),
            source,
        })
}

async fn bind(
    channel: &Channel,
    queue: &str,
    exchange: &str,
    routing_key: &str,
) -> Result<(), BrokerError> {
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            routing_key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|source| BrokerError::Topology {
            what: "binding",
            name: format!("{queue} <- {exchange} ({routing_key})"),
            source,
        })
}
