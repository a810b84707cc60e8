//! RabbitMQ: sending a command as a JMS client does, and following a destination or the
//! integration topic through a private, auto-deleted queue.

use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt as _;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer};
use tokio::time::Instant;

use crate::print::{self, Style, WireFormat};

/// The broker and its names: the connector's own settings, read from the same variables.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct Names {
    /// The AMQP URL of the broker.
    #[arg(
        long = "amqp-url",
        env = "GC_BROKER__URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f",
        hide_env_values = true,
        global = true
    )]
    pub url: String,
    /// The command queue.
    #[arg(
        long,
        env = "GC_BROKER__COMMAND_QUEUE",
        default_value = "gc.commands",
        global = true
    )]
    pub commands: String,
    /// The clients exchange (one routing key per client destination).
    #[arg(
        long,
        env = "GC_BROKER__CLIENTS_EXCHANGE",
        default_value = "gc.clients",
        global = true
    )]
    pub clients: String,
    /// The integration events exchange.
    #[arg(
        long,
        env = "GC_BROKER__EVENTS_EXCHANGE",
        default_value = "gc.events",
        global = true
    )]
    pub events: String,
    /// The dead-letter queue.
    #[arg(
        long,
        env = "GC_BROKER__DEAD_LETTER_QUEUE",
        default_value = "gc.commands.dlq",
        global = true
    )]
    pub dlq: String,
}

/// A command to send.
#[derive(Debug)]
pub(crate) struct Request {
    pub jms_type: String,
    pub body: String,
    pub destination: Option<String>,
    pub format: Option<WireFormat>,
}

/// When to stop reading.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stop {
    /// After this many messages.
    pub count: Option<usize>,
    /// When nothing arrived for this long.
    pub idle: Option<Duration>,
    /// After this long in all.
    pub total: Option<Duration>,
}

/// Connects, naming the broker without its credentials when it fails.
pub(crate) async fn connect(names: &Names) -> anyhow::Result<Connection> {
    Connection::connect(&names.url, ConnectionProperties::default())
        .await
        .with_context(|| {
            format!(
                "connecting to RabbitMQ at {}",
                print::without_password(&names.url)
            )
        })
}

/// A private, exclusive, auto-deleted queue, bound to `exchange` with each key.
async fn private_queue(channel: &Channel, bindings: &[(&str, &str)]) -> anyhow::Result<String> {
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
        .await
        .context("declaring a private queue")?;
    for (exchange, key) in bindings {
        channel
            .queue_bind(
                queue.name().clone(),
                ShortString::from(*exchange),
                ShortString::from(*key),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .with_context(|| format!("binding to exchange {exchange} with key {key}"))?;
    }
    Ok(queue.name().to_string())
}

async fn consume(channel: &Channel, queue: &str) -> anyhow::Result<Consumer> {
    channel
        .basic_consume(
            ShortString::from(queue),
            ShortString::from("gcctl"),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .context("consuming")
}

/// Sends a command with `reply_to` = a private queue (also bound to the destination's events
/// when one is given) and prints what arrives there; returns how many messages it printed.
pub(crate) async fn send(
    names: &Names,
    request: &Request,
    stop: Stop,
    style: &Style,
) -> anyhow::Result<usize> {
    let connection = connect(names).await?;
    let channel = connection.create_channel().await?;
    let bindings: Vec<(&str, &str)> = request
        .destination
        .as_deref()
        .map(|d| vec![(names.clients.as_str(), d)])
        .unwrap_or_default();
    let queue = private_queue(&channel, &bindings).await?;
    let consumer = consume(&channel, &queue).await?;

    let id = format!("gcctl-{}", uuid::Uuid::new_v4().simple());
    let mut headers = FieldTable::default();
    headers.insert(
        ShortString::from("JMSType"),
        AMQPValue::LongString(request.jms_type.as_str().into()),
    );
    if let Some(format) = request.format {
        headers.insert(
            ShortString::from("gc-format"),
            AMQPValue::LongString(format.as_str().into()),
        );
    }
    if let Some(destination) = &request.destination {
        headers.insert(
            ShortString::from("gc-destination"),
            AMQPValue::LongString(destination.as_str().into()),
        );
    }
    let properties = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type(ShortString::from("text/plain"))
        .with_message_id(ShortString::from(id.as_str()))
        .with_correlation_id(ShortString::from(id.as_str()))
        .with_reply_to(ShortString::from(queue.as_str()))
        .with_headers(headers);
    channel
        .confirm_select(lapin::options::ConfirmSelectOptions::default())
        .await?;
    channel
        .basic_publish(
            ShortString::from(""),
            ShortString::from(names.commands.as_str()),
            BasicPublishOptions::default(),
            request.body.as_bytes(),
            properties,
        )
        .await?
        .await
        .context("publishing the command")?;
    let body = crate::redact::body(&request.jms_type, &request.body);
    let sent = if body.is_empty() {
        format!("-> {}", request.jms_type)
    } else {
        format!("-> {} {body}", request.jms_type)
    };
    println!("{}", style.sent(&sent));
    // With --destination, an answer arrives twice on the one queue (as the reply and as the
    // destination's event): print it once.
    let mut last: Option<(Vec<u8>, Option<String>)> = None;
    let printed = read(consumer, stop, |delivery| {
        let correlation = delivery
            .properties
            .correlation_id()
            .as_ref()
            .map(ToString::to_string);
        let this = (delivery.data.clone(), correlation);
        if last.as_ref() == Some(&this) {
            return false;
        }
        let body = String::from_utf8_lossy(&delivery.data);
        let answer = this.1.as_deref() == Some(id.as_str());
        let marker = if answer { "<-" } else { "<~" };
        println!("{marker} {}", style.event(&body));
        last = Some(this);
        true
    })
    .await;
    let _ = connection.close(200, ShortString::from("bye")).await;
    Ok(printed)
}

/// Prints the messages arriving on `exchange` for `key` until `stop`; with `keys`, each line
/// starts with the routing key.
pub(crate) async fn follow(
    names: &Names,
    exchange: &str,
    key: &str,
    stop: Stop,
    style: &Style,
    keys: bool,
) -> anyhow::Result<usize> {
    let connection = connect(names).await?;
    let channel = connection.create_channel().await?;
    let queue = private_queue(&channel, &[(exchange, key)]).await?;
    let consumer = consume(&channel, &queue).await?;
    // Tests and scripts wait for this line before they cause events.
    eprintln!("gcctl: following {exchange} {key}");
    let printed = read(consumer, stop, |delivery| {
        let body = String::from_utf8_lossy(&delivery.data);
        if keys {
            println!(
                "{} {}",
                style.key(delivery.routing_key.as_str()),
                style.event(&body)
            );
        } else {
            println!("{}", style.event(&body));
        }
        true
    })
    .await;
    let _ = connection.close(200, ShortString::from("bye")).await;
    Ok(printed)
}

/// Reads deliveries until `stop` (or the consumer ends); `each` says whether it printed the
/// delivery (only those count); returns how many it printed.
async fn read(
    mut consumer: Consumer,
    stop: Stop,
    mut each: impl FnMut(&lapin::message::Delivery) -> bool,
) -> usize {
    let started = Instant::now();
    let mut count = 0;
    loop {
        if stop.count.is_some_and(|n| count >= n) {
            return count;
        }
        let mut wait = stop.idle;
        if let Some(total) = stop.total {
            let left = total.saturating_sub(started.elapsed());
            wait = Some(wait.map_or(left, |w| w.min(left)));
        }
        let next = match wait {
            Some(wait) => match tokio::time::timeout(wait, consumer.next()).await {
                Ok(next) => next,
                Err(_) => return count,
            },
            None => consumer.next().await,
        };
        match next {
            Some(Ok(delivery)) => {
                if each(&delivery) {
                    count += 1;
                }
            }
            Some(Err(error)) => {
                eprintln!("gcctl: the broker ended the stream: {error}");
                return count;
            }
            None => return count,
        }
    }
}
