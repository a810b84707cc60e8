//! The exchanges, queues and bindings of the client contract (design.md 4 and 6), declared on
//! every (re)connect.
//!
//! Declaring is idempotent, so re-running it after a broker restart or after an operator
//! deleted something puts the contract back. A declare that the broker refuses (a queue that
//! exists with other arguments, a reserved name) closes the channel, so the first failure is
//! returned and the caller starts over on a fresh connection.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Channel, Connection, ErrorKind, ExchangeKind};

use crate::{BrokerConfig, BrokerError};

/// AMQP reply code RESOURCE_LOCKED: an exclusive queue is held by another connection.
pub(crate) const RESOURCE_LOCKED: u16 = 405;

/// AMQP reply code PRECONDITION_FAILED: e.g. a queue exists with other arguments.
pub(crate) const PRECONDITION_FAILED: u16 = 406;

/// Declares the shared topology:
///
/// | entity | kind | flags |
/// |---|---|---|
/// | `commands_exchange` | topic | durable |
/// | `commands_queue` | queue | durable, `x-single-active-consumer: true` |
/// | `commands_queue` ← `commands_exchange` | binding | key `#` |
/// | `clients_exchange` | topic | durable |
/// | `events_exchange` | topic | durable |
/// | `dead_letter_queue` | queue | durable, `x-max-length`, `x-overflow: drop-head` |
/// | `sync_exchange` | fanout | durable |
pub(crate) async fn declare(
    connection: &Connection,
    channel: &Channel,
    config: &BrokerConfig,
) -> Result<(), BrokerError> {
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
    declare_dead_letter_queue(connection, channel, config).await?;
    exchange(channel, &config.sync_exchange, ExchangeKind::Fanout).await?;
    Ok(())
}

/// Declares the dead-letter queue (also alone: when a dead-letter copy came back unroutable
/// because someone deleted the queue since we connected), bounded by `x-max-length` with
/// `x-overflow: drop-head`.
///
/// A queue declared by an older version without the bound exists with other arguments, and
/// RabbitMQ refuses to change a queue's arguments (PRECONDITION_FAILED, which also closes the
/// channel). The connector then keeps using the queue as it is and says how to bound it: the
/// declare is tried on a channel of its own, so the refusal costs nothing else.
pub(crate) async fn declare_dead_letter_queue(
    connection: &Connection,
    channel: &Channel,
    config: &BrokerConfig,
) -> Result<(), BrokerError> {
    let Some(max) = config.dead_letter_max_length else {
        return queue(
            channel,
            &config.dead_letter_queue,
            durable_queue(),
            FieldTable::default(),
        )
        .await;
    };
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-max-length".into(),
        AMQPValue::LongLongInt(i64::from(max)),
    );
    arguments.insert(
        "x-overflow".into(),
        AMQPValue::LongString("drop-head".into()),
    );
    let trial = connection
        .create_channel()
        .await
        .map_err(|source| BrokerError::Topology {
            what: "channel for",
            name: config.dead_letter_queue.clone(),
            source,
        })?;
    match queue(
        &trial,
        &config.dead_letter_queue,
        durable_queue(),
        arguments,
    )
    .await
    {
        Err(BrokerError::Topology { source, .. })
            if reply_code(&source) == Some(PRECONDITION_FAILED) =>
        {
            tracing::warn!(
                queue = %config.dead_letter_queue,
                max,
                "the dead-letter queue exists without a length bound and RabbitMQ cannot add one \
                 in place; it is used as it is. To bound it, delete it when empty, or apply a \
                 policy: rabbitmqctl set_policy gc-dlq '^{}$' '{{\"max-length\":{max},\"overflow\":\"drop-head\"}}' --apply-to queues",
                config.dead_letter_queue.replace('.', "\\.")
            );
            let passive = QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            };
            queue(
                channel,
                &config.dead_letter_queue,
                passive,
                FieldTable::default(),
            )
            .await
        }
        other => {
            if trial.status().connected() {
                let _ = trial.close(200, "declared".into()).await;
            }
            other
        }
    }
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
