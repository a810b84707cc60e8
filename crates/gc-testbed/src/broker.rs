//! The broker side a load tool shares: the names of one run, the loopback guard, the AMQP
//! properties of a command as a CRM client sends it (and how an answer's correlation id reads),
//! and how a client receives a destination's events.

use std::net::ToSocketAddrs;

use lapin::options::{BasicConsumeOptions, QueueBindOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::uri::AMQPUri;
use lapin::{BasicProperties, Channel, Consumer};

use crate::TestbedError;

/// Broker names of one run, all under the run's prefix, so a run never meets another run's
/// (or an earlier run's) queues and exchanges on a shared broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    /// The command queue; also the command exchange's name.
    pub commands: String,
    /// The topic exchange of client destinations.
    pub clients: String,
    /// The integration events exchange.
    pub events: String,
    /// The dead-letter queue.
    pub dlq: String,
    /// The ConnectorSync exchange.
    pub sync: String,
    /// The leadership queue.
    pub leader: String,
}

impl Names {
    /// `<run>.commands`, `<run>.clients`, ….
    pub fn new(run: &str) -> Self {
        Self {
            commands: format!("{run}.commands"),
            clients: format!("{run}.clients"),
            events: format!("{run}.events"),
            dlq: format!("{run}.dlq"),
            sync: format!("{run}.sync"),
            leader: format!("{run}.leader"),
        }
    }
}

/// Refuses a broker that is not on this machine: a load tool must never aim at a shared one.
/// Every address the host resolves to must be a loopback address.
pub fn check_loopback(url: &str) -> Result<(), TestbedError> {
    let uri: AMQPUri = url.parse().map_err(|e: String| TestbedError::BadUrl(e))?;
    let host = uri.authority.host.as_str();
    let addresses: Vec<_> = (host, uri.authority.port)
        .to_socket_addrs()
        .map_err(TestbedError::io(format!(
            "resolving the broker host {host}"
        )))?
        .collect();
    if addresses.is_empty() || addresses.iter().any(|a| !a.ip().is_loopback()) {
        return Err(TestbedError::NotLoopback(host.to_owned()));
    }
    Ok(())
}

/// The properties of command `seq` as a CRM client sends it: the `JMSType` header, the
/// correlation id `seq` (the connector copies it into the answer), the message id
/// `<id_prefix><seq>`, text, persistent.
pub fn command_properties(jms_type: &str, seq: u64, id_prefix: &str) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert(
        ShortString::from("JMSType"),
        AMQPValue::LongString(jms_type.into()),
    );
    BasicProperties::default()
        .with_headers(headers)
        .with_correlation_id(ShortString::from(seq.to_string()))
        .with_message_id(ShortString::from(format!("{id_prefix}{seq}")))
        .with_content_type(ShortString::from("text/plain"))
        .with_delivery_mode(2)
}

/// The correlation id of a delivery, when it is one of [`command_properties`]' numbers.
pub fn correlation(properties: &BasicProperties) -> Option<u64> {
    properties
        .correlation_id()
        .as_ref()
        .and_then(|c| c.as_str().parse().ok())
}

/// Binds `queue` to the clients exchange with `destination` as its routing key, the way a
/// client receives its destination's events (docs/protocol.md), and consumes it with
/// auto-ack. Declaring the queue (exclusive, or durable to outlive a reconnection) is the
/// caller's choice.
pub async fn consume_destination(
    channel: &Channel,
    queue: &str,
    clients_exchange: &str,
    destination: &str,
) -> Result<Consumer, TestbedError> {
    channel
        .queue_bind(
            ShortString::from(queue),
            ShortString::from(clients_exchange),
            ShortString::from(destination),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|source| TestbedError::Broker {
            what: format!(
                "binding a destination queue to the exchange {clients_exchange} \
                 (the connector declares it: does it run?)"
            ),
            source,
        })?;
    channel
        .basic_consume(
            ShortString::from(queue),
            ShortString::from(""),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(|source| TestbedError::Broker {
            what: format!("consuming the destination queue {queue}"),
            source,
        })
}

#[cfg(test)]
mod tests {
    use lapin::BasicProperties;
    use lapin::types::{AMQPValue, ShortString};

    use super::{Names, check_loopback, command_properties, correlation};
    use crate::TestbedError;

    #[test]
    fn names_are_prefixed_with_the_run() {
        let names = Names::new("gcload.1.2");
        assert_eq!(names.commands, "gcload.1.2.commands");
        assert_eq!(names.clients, "gcload.1.2.clients");
        assert_eq!(names.dlq, "gcload.1.2.dlq");
        assert_eq!(names.leader, "gcload.1.2.leader");
    }

    #[test]
    fn only_a_loopback_broker_is_accepted() {
        assert!(check_loopback("amqp://guest:guest@127.0.0.1:5672/%2f").is_ok());
        assert!(check_loopback("amqp://guest:guest@[::1]:5680/%2f").is_ok());
        assert!(matches!(
            check_loopback("amqp://guest:guest@10.1.2.3:5672/%2f"),
            Err(TestbedError::NotLoopback(host)) if host == "10.1.2.3"
        ));
        assert!(matches!(
            check_loopback("http://nonsense"),
            Err(TestbedError::BadUrl(_))
        ));
    }

    #[test]
    fn a_command_carries_its_type_and_its_number() {
        let props = command_properties("Login#10001", 42, "ID:run:");
        let jms = props
            .headers()
            .as_ref()
            .and_then(|h| h.inner().get("JMSType").cloned());
        assert_eq!(jms, Some(AMQPValue::LongString("Login#10001".into())));
        assert_eq!(
            props.message_id().as_ref().map(ShortString::as_str),
            Some("ID:run:42")
        );
        assert_eq!(props.delivery_mode(), &Some(2));
        assert_eq!(correlation(&props), Some(42));
        let foreign = BasicProperties::default().with_correlation_id("abc".into());
        assert_eq!(correlation(&foreign), None);
        assert_eq!(correlation(&BasicProperties::default()), None);
    }

    /// Needs RabbitMQ on 127.0.0.1:5672 (`scripts/rabbitmq-up`; `GC_TEST_AMQP_URL` to point
    /// elsewhere) and fails when it is unreachable. Its names carry a unique prefix.
    #[tokio::test]
    async fn a_destination_receives_what_is_published_to_it() {
        use futures::StreamExt;
        use lapin::options::{
            BasicPublishOptions, ExchangeDeclareOptions, ExchangeDeleteOptions, QueueDeclareOptions,
        };
        use lapin::{Connection, ConnectionProperties, ExchangeKind};

        use super::consume_destination;

        let url = std::env::var("GC_TEST_AMQP_URL")
            .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned());
        let connection = Connection::connect(&url, ConnectionProperties::default())
            .await
            .expect("RabbitMQ on 127.0.0.1:5672 (scripts/rabbitmq-up)");
        let channel = connection.create_channel().await.unwrap();
        let run = format!("testbed-test.{}", std::process::id());
        let exchange = format!("{run}.clients");
        channel
            .exchange_declare(
                ShortString::from(exchange.as_str()),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    auto_delete: true,
                    ..ExchangeDeclareOptions::default()
                },
                lapin::types::FieldTable::default(),
            )
            .await
            .unwrap();
        let queue = channel
            .queue_declare(
                ShortString::from(""),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                lapin::types::FieldTable::default(),
            )
            .await
            .unwrap();
        let queue = queue.name().as_str().to_owned();
        let mut consumer = consume_destination(&channel, &queue, &exchange, "desk0")
            .await
            .unwrap();
        for (destination, seq) in [("desk1", 6), ("desk0", 7)] {
            channel
                .basic_publish(
                    ShortString::from(exchange.as_str()),
                    ShortString::from(destination),
                    BasicPublishOptions::default(),
                    b"10001#State#READY",
                    command_properties("State", seq, "ID:t:"),
                )
                .await
                .unwrap();
        }
        let delivery = tokio::time::timeout(std::time::Duration::from_secs(10), consumer.next())
            .await
            .expect("the event within 10 s")
            .expect("a delivery")
            .unwrap();
        // Only desk0's event, with its correlation id.
        assert_eq!(correlation(&delivery.properties), Some(7));
        assert_eq!(delivery.data, b"10001#State#READY");

        // No exchange: the error names it.
        let missing = format!("{run}.none");
        let other = connection.create_channel().await.unwrap();
        let err = consume_destination(&other, &queue, &missing, "desk0")
            .await
            .unwrap_err();
        assert!(matches!(err, TestbedError::Broker { .. }));
        assert!(err.to_string().contains(&missing), "{err}");

        let _ = channel
            .exchange_delete(
                ShortString::from(exchange.as_str()),
                ExchangeDeleteOptions::default(),
            )
            .await;
        let _ = connection.close(200, "bye".into()).await;
    }
}
