//! The client side of the broker: one AMQP connection that publishes commands the way a CRM
//! client does (JMSType header, CSV body, correlation id) and consumes every client
//! destination's queue.
//!
//! Like relay-baseline's client: one connection, a publishing channel without publisher
//! confirms, and auto-ack consumers, so both tools put the same load on the broker per message.

use std::net::ToSocketAddrs;
use std::time::Duration;

use anyhow::{Context, bail};
use futures::stream::{SelectAll, select_all};
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ExchangeDeleteOptions, QueueBindOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::uri::AMQPUri;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer};

/// Bound on each broker set-up and tear-down step.
pub(crate) const STEP: Duration = Duration::from_secs(15);

/// Refuses a broker that is not on this machine: a load client must never aim at a shared one.
pub(crate) fn check_loopback(url: &str) -> anyhow::Result<()> {
    let uri: AMQPUri = url
        .parse()
        .map_err(|e| anyhow::anyhow!("bad AMQP URL: {e}"))?;
    let host = uri.authority.host.as_str();
    let addresses: Vec<_> = (host, uri.authority.port)
        .to_socket_addrs()
        .with_context(|| format!("resolving the broker host {host}"))?
        .collect();
    if addresses.is_empty() || addresses.iter().any(|a| !a.ip().is_loopback()) {
        bail!("refusing the non-loopback broker {host}: gc-load runs against a local broker only");
    }
    Ok(())
}

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
        let mut headers = FieldTable::default();
        headers.insert(
            ShortString::from("JMSType"),
            AMQPValue::LongString(jms_type.into()),
        );
        let properties = BasicProperties::default()
            .with_headers(headers)
            .with_correlation_id(ShortString::from(seq.to_string()))
            .with_message_id(ShortString::from(format!("{}{seq}", self.id_prefix)))
            .with_content_type(ShortString::from("text/plain"))
            .with_delivery_mode(2);
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
        channel
            .queue_bind(
                queue.name().clone(),
                ShortString::from(route.clients_exchange.as_str()),
                ShortString::from(name.as_str()),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .with_context(|| {
                format!(
                    "binding a destination queue to the exchange {} (does the connector run?)",
                    route.clients_exchange
                )
            })?;
        let consumer = channel
            .basic_consume(
                queue.name().clone(),
                ShortString::from(""),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
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
