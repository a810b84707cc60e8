//! The CRM side on the broker, built to outlive broker faults: one task keeps a connection
//! (reconnecting after `stop_app`/`start_app` or a forced close), durable named queues per
//! client destination (so events queued for a client survive its own reconnection), a consumer
//! of the connector's dead-letter queue, and a publishing channel with publisher confirms (a
//! command counts as sent only once the broker confirmed it).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures::StreamExt;
use futures::stream::select_all;
use gc_testbed::{command_properties, consume_destination, correlation};
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Channel, Connection, ConnectionProperties};
use tokio::sync::{RwLock, mpsc};
use tokio::time::Instant;

/// Bound on each broker step.
const STEP: Duration = Duration::from_secs(10);

/// What the client task reports to the driver.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// An event on a client destination.
    Event {
        text: String,
        correlation: Option<u64>,
        at: Instant,
    },
    /// A command copy on the connector's dead-letter queue.
    Dead {
        correlation: Option<u64>,
        reason: String,
    },
    /// The outcome of a publish: confirmed by the broker or not.
    Confirm { seq: u64, accepted: bool },
    /// The connection came up (again).
    Up,
    /// The connection was lost.
    Down,
}

/// The publishing side, shared with the driver.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    channel: Arc<RwLock<Option<Channel>>>,
    command_queue: String,
    id_prefix: String,
    tx: mpsc::UnboundedSender<Inbound>,
}

/// Where the client reads and writes.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) url: String,
    pub(crate) run: String,
    pub(crate) command_queue: String,
    pub(crate) clients_exchange: String,
    pub(crate) dlq: String,
    pub(crate) destinations: Vec<String>,
}

impl Plan {
    fn queue(&self, destination: &str) -> String {
        format!("{}.client.{destination}", self.run)
    }
}

impl Client {
    /// Starts the connection task; `Inbound::Up` arrives when it is ready.
    pub(crate) fn start(plan: Plan) -> (Self, mpsc::UnboundedReceiver<Inbound>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let client = Self {
            channel: Arc::new(RwLock::new(None)),
            command_queue: plan.command_queue.clone(),
            id_prefix: format!("ID:{}:", plan.run),
            tx: tx.clone(),
        };
        let keeper = client.clone();
        tokio::spawn(async move { keeper.keep(plan).await });
        (client, rx)
    }

    /// Publishes a command; its confirm (or failure) arrives as [`Inbound::Confirm`]. Returns
    /// false when there is no connection right now (nothing was sent).
    ///
    /// The publish itself happens here, in the caller's order; only the wait for the confirm
    /// runs in a task of its own. (Publishing from a task per command let a Login overtake its
    /// Connect on the wire: tokio runs the newest spawned task first on a worker, so 1-3 % of
    /// the back-to-back pairs of a login storm reached the connector reversed and the Login
    /// was dead-lettered `unknown agent`.)
    pub(crate) async fn send_with(&self, jms_type: &str, body: &str, seq: u64) -> bool {
        let Some(channel) = self.channel.read().await.clone() else {
            return false;
        };
        let properties = command_properties(jms_type, seq, &self.id_prefix);
        let tx = self.tx.clone();
        let published = tokio::time::timeout(
            STEP,
            channel.basic_publish(
                ShortString::from(""),
                ShortString::from(self.command_queue.as_str()),
                BasicPublishOptions::default(),
                body.as_bytes(),
                properties,
            ),
        )
        .await;
        let Ok(Ok(confirm)) = published else {
            let _ = tx.send(Inbound::Confirm {
                seq,
                accepted: false,
            });
            return true;
        };
        tokio::spawn(async move {
            let confirmed = tokio::time::timeout(STEP, confirm).await;
            let accepted = matches!(confirmed, Ok(Ok(confirm)) if confirm.is_ack());
            let _ = tx.send(Inbound::Confirm { seq, accepted });
        });
        true
    }

    /// Reconnects until the receiver is gone (the driver ended).
    async fn keep(self, plan: Plan) {
        while !self.tx.is_closed() {
            match self.session(&plan).await {
                Ok(()) => {}
                Err(e) => eprintln!("gc-soak: client connection: {e:#}"),
            }
            *self.channel.write().await = None;
            let _ = self.tx.send(Inbound::Down);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// One connection's life: set up, then forward deliveries until it ends.
    async fn session(&self, plan: &Plan) -> anyhow::Result<()> {
        let connection = tokio::time::timeout(
            STEP,
            Connection::connect(
                &plan.url,
                ConnectionProperties::default().with_connection_name("gc-soak client".into()),
            ),
        )
        .await
        .context("connect timed out")??;
        let setup = connection.create_channel().await?;
        let mut consumers = Vec::new();
        for destination in &plan.destinations {
            let queue = plan.queue(destination);
            setup
                .queue_declare(
                    ShortString::from(queue.as_str()),
                    QueueDeclareOptions {
                        durable: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await?;
            consumers.push(
                consume_destination(&setup, &queue, &plan.clients_exchange, destination).await?,
            );
        }
        let dead = setup
            .basic_consume(
                ShortString::from(plan.dlq.as_str()),
                ShortString::from("gc-soak-dlq"),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .context("consuming the dead-letter queue")?;
        let publish = connection.create_channel().await?;
        publish
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        *self.channel.write().await = Some(publish);
        let _ = self.tx.send(Inbound::Up);
        let mut events = select_all(consumers);
        let mut dead = dead;
        loop {
            tokio::select! {
                delivery = events.next() => {
                    let Some(Ok(delivery)) = delivery else { break };
                    let _ = self.tx.send(Inbound::Event {
                        text: String::from_utf8_lossy(&delivery.data).into_owned(),
                        correlation: correlation(&delivery.properties),
                        at: Instant::now(),
                    });
                }
                delivery = dead.next() => {
                    let Some(Ok(delivery)) = delivery else { break };
                    let reason = delivery
                        .properties
                        .headers()
                        .as_ref()
                        .and_then(|h| h.inner().get("x-gc-reason").cloned())
                        .map(|v| match v {
                            AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
                            other => format!("{other:?}"),
                        })
                        .unwrap_or_default();
                    let _ = self.tx.send(Inbound::Dead {
                        correlation: correlation(&delivery.properties),
                        reason,
                    });
                }
                () = self.tx.closed() => break,
            }
        }
        let _ = connection.close(200, "bye".into()).await;
        Ok(())
    }

    /// Deletes the client queues (at the end of a run; errors ignored).
    pub(crate) async fn cleanup(plan: &Plan) {
        let Ok(Ok(connection)) = tokio::time::timeout(
            STEP,
            Connection::connect(&plan.url, ConnectionProperties::default()),
        )
        .await
        else {
            return;
        };
        if let Ok(channel) = connection.create_channel().await {
            for destination in &plan.destinations {
                let _ = channel
                    .queue_delete(
                        ShortString::from(plan.queue(destination).as_str()),
                        QueueDeleteOptions::default(),
                    )
                    .await;
            }
        }
        let _ = connection.close(200, "bye".into()).await;
    }
}

#[cfg(test)]
mod tests {
    //! Needs RabbitMQ on 127.0.0.1:5672 (`scripts/rabbitmq-up`; `GC_TEST_AMQP_URL` to point
    //! elsewhere); fails when it is unreachable. Every name carries a unique `soak-test.` prefix.

    use lapin::ExchangeKind;
    use lapin::options::{ExchangeDeclareOptions, ExchangeDeleteOptions};

    use super::*;

    /// Connect + Login pairs of the storm.
    const PAIRS: u64 = 500;

    async fn next(inbound: &mut mpsc::UnboundedReceiver<Inbound>) -> anyhow::Result<Inbound> {
        tokio::time::timeout(Duration::from_secs(30), inbound.recv())
            .await
            .context("nothing from the client within 30 s")?
            .context("the client task ended")
    }

    /// A login storm sends Connect and Login of each agent back to back: they must reach the
    /// command queue in that order, or the connector meets the Login first ("unknown agent").
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commands_reach_the_queue_in_the_order_they_were_sent() -> anyhow::Result<()> {
        let url = std::env::var("GC_TEST_AMQP_URL")
            .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .subsec_nanos();
        let run = format!("soak-test.{}.{nanos}", std::process::id());
        let plan = Plan {
            url: url.clone(),
            run: run.clone(),
            command_queue: format!("{run}.commands"),
            clients_exchange: format!("{run}.clients"),
            dlq: format!("{run}.dlq"),
            destinations: vec![format!("{run}.desk0")],
        };
        // What the connector would have declared.
        let connection = Connection::connect(&url, ConnectionProperties::default())
            .await
            .context("RabbitMQ on 127.0.0.1:5672 (scripts/rabbitmq-up)")?;
        let channel = connection.create_channel().await?;
        for queue in [&plan.command_queue, &plan.dlq] {
            channel
                .queue_declare(
                    ShortString::from(queue.as_str()),
                    QueueDeclareOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        channel
            .exchange_declare(
                ShortString::from(plan.clients_exchange.as_str()),
                ExchangeKind::Topic,
                ExchangeDeclareOptions::default(),
                FieldTable::default(),
            )
            .await?;

        let (client, mut inbound) = Client::start(plan.clone());
        while !matches!(next(&mut inbound).await?, Inbound::Up) {}
        for i in 0..PAIRS {
            let agent = 10_001 + i;
            assert!(
                client
                    .send_with(&format!("Connect#{agent}"), "desk0,secret", 2 * i + 1)
                    .await
            );
            assert!(
                client
                    .send_with(&format!("Login#{agent}"), "secret,40001", 2 * i + 2)
                    .await
            );
        }
        let mut confirmed = 0;
        while confirmed < 2 * PAIRS {
            if let Inbound::Confirm { seq, accepted } = next(&mut inbound).await? {
                assert!(accepted, "command {seq} not confirmed");
                confirmed += 1;
            }
        }

        let mut consumer = channel
            .basic_consume(
                ShortString::from(plan.command_queue.as_str()),
                ShortString::from(""),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        let mut order = Vec::new();
        while order.len() < usize::try_from(2 * PAIRS)? {
            let delivery = tokio::time::timeout(Duration::from_secs(30), consumer.next())
                .await
                .context("the command queue ran dry")?
                .context("consumer ended")??;
            order.push(correlation(&delivery.properties).context("a correlation id")?);
        }
        let overtaken: Vec<_> = order.windows(2).filter(|w| w[0] > w[1]).collect();

        drop(client);
        drop(inbound);
        Client::cleanup(&plan).await;
        for queue in [&plan.command_queue, &plan.dlq] {
            let _ = channel
                .queue_delete(
                    ShortString::from(queue.as_str()),
                    QueueDeleteOptions::default(),
                )
                .await;
        }
        let _ = channel
            .exchange_delete(
                ShortString::from(plan.clients_exchange.as_str()),
                ExchangeDeleteOptions::default(),
            )
            .await;
        let _ = connection.close(200, "bye".into()).await;
        assert!(
            overtaken.is_empty(),
            "{} commands overtook the one sent before them, e.g. {:?}",
            overtaken.len(),
            overtaken.first()
        );
        Ok(())
    }
}
