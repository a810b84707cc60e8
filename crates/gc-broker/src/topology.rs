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

use crate::{BrokerConfig, BrokerError, QueueType};

/// AMQP reply code RESOURCE_LOCKED: an exclusive queue is held by another connection.
pub(crate) const RESOURCE_LOCKED: u16 = 405;

/// AMQP reply code PRECONDITION_FAILED: e.g. a queue exists with other arguments.
pub(crate) const PRECONDITION_FAILED: u16 = 406;

/// Declares the shared topology:
///
/// | entity | kind | flags |
/// |---|---|---|
/// | `commands_exchange` | topic | durable |
/// | `commands_queue` | queue | durable, `x-single-active-consumer: true`; quorum: also `x-queue-type: quorum`, `x-delivery-limit`, dead-lettered to `dead_letter_queue` |
/// | `commands_queue` ← `commands_exchange` | binding | key `#` |
/// | `clients_exchange` | topic | durable |
/// | `events_exchange` | topic | durable |
/// | `dead_letter_queue` | queue | durable, `x-max-length`, `x-overflow: drop-head`; quorum: `x-queue-type: quorum` |
/// | `sync_exchange` | fanout | durable |
pub(crate) async fn declare(
    connection: &Connection,
    channel: &Channel,
    config: &BrokerConfig,
) -> Result<(), BrokerError> {
    exchange(channel, &config.commands_exchange, ExchangeKind::Topic).await?;
    declare_command_queue(connection, channel, config).await?;
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
            typed(config.queue_type),
        )
        .await;
    };
    let mut arguments = typed(config.queue_type);
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
                queue_type = config.queue_type.as_str(),
                "the dead-letter queue exists with other arguments (without a length bound, or of \
                 another type) and RabbitMQ cannot change them in place; it is used as it is \
                 (dead-lettering works with either type). To bound it, delete it when empty, or apply a \
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

/// The arguments of the command queue: single-active-consumer always (the second guard of
/// leadership); for a quorum queue also its type, the delivery limit and where the broker
/// dead-letters a command that reached it (the dead-letter queue, through the default
/// exchange).
pub(crate) fn command_queue_arguments(config: &BrokerConfig) -> FieldTable {
    let mut arguments = typed(config.queue_type);
    arguments.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
    if config.queue_type == QueueType::Quorum {
        if let Some(limit) = config.delivery_limit {
            arguments.insert(
                "x-delivery-limit".into(),
                AMQPValue::LongLongInt(i64::from(limit)),
            );
        }
        arguments.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString("".into()),
        );
        arguments.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(config.dead_letter_queue.as_str().into()),
        );
    }
    arguments
}

/// `x-queue-type: quorum` for quorum queues; nothing for classic ones, so a classic queue is
/// declared exactly as earlier versions did (an explicit `classic` would not match a queue
/// declared without the argument on every RabbitMQ version).
fn typed(queue_type: QueueType) -> FieldTable {
    let mut arguments = FieldTable::default();
    if queue_type == QueueType::Quorum {
        arguments.insert(
            "x-queue-type".into(),
            AMQPValue::LongString(queue_type.as_str().into()),
        );
    }
    arguments
}

/// Declares the command queue. A refusal (PRECONDITION_FAILED: the queue exists with other
/// arguments) is looked into on a channel of its own: when the queue is exactly what the
/// other `queue_type` would have declared, it is reported as
/// [`BrokerError::QueueTypeMismatch`], which says how to migrate; RabbitMQ's own text would
/// only name the first differing argument.
async fn declare_command_queue(
    connection: &Connection,
    channel: &Channel,
    config: &BrokerConfig,
) -> Result<(), BrokerError> {
    let wanted = command_queue_arguments(config);
    let refused = match queue(channel, &config.commands_queue, durable_queue(), wanted).await {
        Err(BrokerError::Topology { source, .. })
            if reply_code(&source) == Some(PRECONDITION_FAILED) =>
        {
            source
        }
        other => return other,
    };
    let other = BrokerConfig {
        queue_type: match config.queue_type {
            QueueType::Classic => QueueType::Quorum,
            QueueType::Quorum => QueueType::Classic,
        },
        ..config.clone()
    };
    let mut candidates = vec![command_queue_arguments(&other)];
    if other.queue_type == QueueType::Quorum {
        // A quorum queue declared with another delivery limit (or none) is still quorum.
        candidates.push(command_queue_arguments(&BrokerConfig {
            delivery_limit: None,
            ..other.clone()
        }));
    }
    for arguments in candidates {
        let Ok(trial) = connection.create_channel().await else {
            break;
        };
        let probe = queue(&trial, &config.commands_queue, durable_queue(), arguments).await;
        if trial.status().connected() {
            let _ = trial.close(200, "probed".into()).await;
        }
        if probe.is_ok() {
            return Err(BrokerError::QueueTypeMismatch {
                queue: config.commands_queue.clone(),
                wanted: config.queue_type.as_str(),
                existing: other.queue_type.as_str(),
            });
        }
    }
    Err(BrokerError::Topology {
        what: "queue",
        name: config.commands_queue.clone(),
        source: refused,
    })
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
