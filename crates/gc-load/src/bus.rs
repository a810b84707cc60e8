//! The client side of the broker: one AMQP connection that publishes commands the way a CRM
//! client does (JMSType header, CSV body, correlation id) and consumes every client
//! destination's queue.
//!
//! Like relay-baseline's client: one connection, a publishing channel without publisher
//! confirms, and auto-ack consumers, so both tools put the same load on the broker per message.

use std::time::Duration;

use anyhow::bail;
use futures::stream::{SelectAll, select_all};
use gc_testbed::{command_properties, consume_destination};
use lapin::options::{
    BasicPublishOptions, ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{FieldTable, ShortString};
use lapin::{Channel, Connection, ConnectionProperties, Consumer};

/// Bound on each broker set-up and tear-down step.
pub(crate) const STEP: Duration = Duration::from_secs(15);

/// Connects, or fails with a message that says what to do.
pub(crate) async fn connect(url: &str) -> anyhow::Result<Connection> {
    match tokio::time::timeout(
        STEP,
        Connection::connect(url, ConnectionProperties::default()),
    )
    .await
    {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(e)) => bail!("RabbitMQ is not reachable ({e}); run scripts/rabbitmq-up"),
        Err(_) => bail!("RabbitMQ did not answer within {STEP:?}; run scripts/rabbitmq-up"),
    }
}

/// Where commands go and where events come from.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    /// The connector's command queue (published to through the default exchange).
    pub(crate) command_queue: String,
    /// The topic exchange the connector publishes client events to.
    pub(crate) clients_exchange: String,
}

/// The client's publishing channel.
#[derive(Debug)]
pub(crate) struct Sender {
    channel: Channel,
    route: Route,
    /// Prefix of every message id, unique to this run.
    id_prefix: String,
}

impl Sender {
    pub(crate) async fn open(
        connection: &Connection,
        route: Route,
        run: &str,
    ) -> anyhow::Result<Self> {
        let channel = connection.create_channel().await?;
        Ok(Self {
            channel,
            route,
            id_prefix: format!("ID:{run}:"),
        })
    }

    /// Publishes `jms_type` with `body`; the correlation id (and the message id's suffix) is
    /// `seq`.
    pub(crate) async fn send(&self, jms_type: &str, body: &str, seq: u64) -> anyhow::Result<()> {
        let properties = command_properties(jms_type, seq, &self.id_prefix);
        self.channel
            .basic_publish(
                ShortString::from(""),
                ShortString::from(self.route.command_queue.as_str()),
                BasicPublishOptions::default(),
                body.as_bytes(),
                properties,
            )
            .await?;
        Ok(())
    }
}

/// Declares one exclusive queue per client destination, bound to the clients exchange with the
/// destination as routing key, and consumes them all (auto-ack) as one stream.
pub(crate) async fn destinations(
    connection: &Connection,
    route: &Route,
    names: &[String],
) -> anyhow::Result<SelectAll<Consumer>> {
    let channel = connection.create_channel().await?;
    let mut consumers = Vec::with_capacity(names.len());
    for name in names {
        let queue = channel
            .queue_declare(
                ShortString::from(""),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        let consumer = consume_destination(
            &channel,
            queue.name().as_str(),
            &route.clients_exchange,
            name,
        )
        .await?;
        consumers.push(consumer);
    }
    Ok(select_all(consumers))
}

/// Deletes queues and exchanges (of a spawned connector); errors are ignored, it is cleanup.
pub(crate) async fn delete(connection: &Connection, queues: &[&str], exchanges: &[&str]) {
    let Ok(channel) = connection.create_channel().await else {
        return;
    };
    for queue in queues {
        let _ = channel
            .queue_delete(ShortString::from(*queue), QueueDeleteOptions::default())
            .await;
    }
    for exchange in exchanges {
        let _ = channel
            .exchange_delete(
                ShortString::from(*exchange),
                ExchangeDeleteOptions::default(),
            )
            .await;
    }
}
