//! Shared helpers for the broker tests: a real RabbitMQ (`GC_AMQP_URL`, default local guest),
//! unique names per test, a plain lapin client playing the CRM side, bounded waits, cleanup.
//!
//! Waits are bounds against hanging, never assertions on timing.

#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test
#![allow(clippy::match_wild_err_arm)] // a timed-out wait has no error to show

use std::str::FromStr;
use std::time::Duration;

use futures::StreamExt as _;
use gc_broker::{Broker, BrokerConfig, BrokerEvent};
use lapin::message::Delivery;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, ExchangeDeleteOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::uri::AMQPUri;
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, Consumer};
use secrecy::SecretString;
use tokio::sync::mpsc::Receiver;
use tokio::time::{Instant, timeout, timeout_at};

/// Upper bound on any single wait in a test (not a timing assertion).
pub const WAIT: Duration = Duration::from_mins(1);

/// Logs of the adapter on the test's output, filtered by `RUST_LOG` (nothing by default).
pub fn trace_init() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// `GC_AMQP_URL`, else the local broker of scripts/rabbitmq-up.
pub fn amqp_url() -> String {
    std::env::var("GC_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// The same broker, another vhost.
pub fn url_with_vhost(vhost: &str) -> String {
    let uri = AMQPUri::from_str(&amqp_url()).expect("GC_AMQP_URL does not parse");
    let auth = &uri.authority;
    format!(
        "{}://{}:{}@{}:{}/{}",
        uri.scheme,
        auth.userinfo.username,
        auth.userinfo.password,
        auth.host,
        auth.port,
        vhost.replace('/', "%2f")
    )
}

/// A random suffix so parallel tests never share a queue or exchange.
pub fn suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
}

/// A config whose every name carries `sfx`, for `url`.
pub fn config_for(url: &str, sfx: &str, instance: &str) -> BrokerConfig {
    BrokerConfig {
        uri: SecretString::from(url.to_owned()),
        instance_id: format!("test-{instance}-{sfx}"),
        commands_queue: format!("gc.commands.{sfx}"),
        commands_exchange: format!("gc.commands.{sfx}"),
        clients_exchange: format!("gc.clients.{sfx}"),
        events_exchange: format!("gc.events.{sfx}"),
        dead_letter_queue: format!("gc.commands.dlq.{sfx}"),
        sync_exchange: format!("ConnectorSync.{sfx}"),
        leader_lock_queue: Some(format!("gc.leader.{sfx}")),
        leader_retry: Duration::from_millis(200),
        ..BrokerConfig::default()
    }
}

pub fn config(sfx: &str, instance: &str) -> BrokerConfig {
    config_for(&amqp_url(), sfx, instance)
}

/// Starts the adapter; a broker that cannot be reached fails the test with a clear message
/// (in CI and locally alike: these tests never skip).
pub async fn start(config: BrokerConfig) -> (Broker, Receiver<BrokerEvent>) {
    trace_init();
    let endpoint = config.endpoint();
    match Broker::start(config).await {
        Ok(started) => started,
        Err(err) => panic!(
            "RabbitMQ is not usable at {endpoint} ({err}). Start it with scripts/rabbitmq-up \
             or point GC_AMQP_URL at one; broker tests never skip{}",
            if std::env::var_os("CI").is_some() {
                " (CI)"
            } else {
                ""
            }
        ),
    }
}

/// Waits for the first event `pick` accepts, skipping (and dropping) the others. Commands
/// skipped this way stay unacked until their connection closes.
pub async fn expect<T>(
    rx: &mut Receiver<BrokerEvent>,
    what: &str,
    mut pick: impl FnMut(BrokerEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + WAIT;
    let mut skipped = Vec::new();
    loop {
        match timeout_at(deadline, rx.recv()).await {
            Ok(Some(event)) => {
                let shown = format!("{event:?}");
                match pick(event) {
                    Some(found) => return found,
                    None => skipped.push(shown),
                }
            }
            Ok(None) => panic!("event channel closed while waiting for {what}; saw {skipped:?}"),
            Err(_) => panic!("no {what} within {WAIT:?}; saw {skipped:?}"),
        }
    }
}

pub async fn expect_leadership(rx: &mut Receiver<BrokerEvent>, leader: bool) {
    expect(rx, &format!("Leadership({leader})"), |e| {
        matches!(e, BrokerEvent::Leadership(l) if l == leader).then_some(())
    })
    .await;
}

/// The client side: a plain lapin connection with a confirm-mode channel.
pub struct Client {
    pub connection: Connection,
    pub channel: Channel,
}

impl Client {
    pub async fn connect(url: &str) -> Self {
        let connection = timeout(
            WAIT,
            Connection::connect(url, ConnectionProperties::default()),
        )
        .await
        .expect("connect timed out")
        .unwrap_or_else(|e| panic!("RabbitMQ is not reachable for the test client: {e}"));
        let channel = connection.create_channel().await.expect("channel");
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .expect("confirm_select");
        Self {
            connection,
            channel,
        }
    }

    /// A fresh channel (a failed passive declare closes the channel it ran on).
    pub async fn fresh_channel(&self) -> Channel {
        self.connection.create_channel().await.expect("channel")
    }

    /// Publishes and waits for the broker's confirm.
    pub async fn publish(
        &self,
        exchange: &str,
        routing_key: &str,
        body: &[u8],
        properties: BasicProperties,
    ) {
        let confirm = self
            .channel
            .basic_publish(
                exchange.into(),
                routing_key.into(),
                BasicPublishOptions::default(),
                body,
                properties,
            )
            .await
            .expect("publish");
        let confirmation = timeout(WAIT, confirm)
            .await
            .expect("confirm timed out")
            .expect("confirm");
        assert!(
            matches!(confirmation, Confirmation::Ack(None)),
            "{confirmation:?}"
        );
    }

    /// A server-named exclusive queue bound to `exchange` with `key`, and a consumer on it.
    pub async fn probe(&self, exchange: &str, key: &str) -> Probe {
        let channel = self.fresh_channel().await;
        let queue = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("probe queue");
        let name = queue.name().to_string();
        if !exchange.is_empty() {
            channel
                .queue_bind(
                    name.as_str().into(),
                    exchange.into(),
                    key.into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .expect("probe binding");
        }
        Probe::on(channel, name).await
    }
}

/// A consumer (auto-ack) on a queue the test reads.
pub struct Probe {
    pub queue: String,
    pub channel: Channel,
    consumer: Consumer,
}

impl Probe {
    pub async fn on(channel: Channel, queue: String) -> Self {
        let consumer = channel
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("probe consumer");
        Self {
            queue,
            channel,
            consumer,
        }
    }

    pub async fn next(&mut self) -> Delivery {
        timeout(WAIT, self.consumer.next())
            .await
            .unwrap_or_else(|_| panic!("nothing arrived on {} within {WAIT:?}", self.queue))
            .expect("probe consumer ended")
            .expect("probe delivery")
    }
}

/// Deletes everything a config declared (the lock and sync queues go by themselves).
pub async fn delete_topology(config: &BrokerConfig) {
    let client = Client::connect(&uri_of(config)).await;
    for queue in [&config.commands_queue, &config.dead_letter_queue] {
        let ch = client.fresh_channel().await;
        let _ = ch
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
        let _ = ch.close(200, "done".into()).await;
    }
    for exchange in [
        &config.commands_exchange,
        &config.clients_exchange,
        &config.events_exchange,
        &config.sync_exchange,
    ] {
        let ch = client.fresh_channel().await;
        let _ = ch
            .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await;
        let _ = ch.close(200, "done".into()).await;
    }
    let _ = client.connection.close(200, "done".into()).await;
}

fn uri_of(config: &BrokerConfig) -> String {
    use secrecy::ExposeSecret as _;
    config.uri.expose_secret().to_owned()
}

/// Deletes a config's topology when dropped, also when the test panics, so nothing is left
/// behind in the broker.
pub struct Cleanup(pub BrokerConfig);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let config = self.0.clone();
        // A runtime of its own on another thread: Drop may run inside the test's runtime.
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    let _ = timeout(WAIT, delete_topology(&config)).await;
                });
            }
        });
        let _ = done.join();
    }
}

/// Reads a header as text.
pub fn header_text(properties: &BasicProperties, name: &str) -> Option<String> {
    use lapin::types::AMQPValue;
    match properties.headers().as_ref()?.inner().get(name)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        other => Some(format!("{other:?}")),
    }
}
