//! The command consumer and the ConnectorSync consumer.
//!
//! Both run as one task per consumer and hand deliveries to the driver through the bounded
//! event channel, so a slow driver slows the consumer down; together with `basic.qos` that
//! bounds memory (lapin's own delivery buffer is unbounded). Commands are acked by the driver
//! through their token; sync messages are acked here once handed over (they are gossip, and
//! the peer republishes its state).
//!
//! A consumer stream that ends without us asking — the broker cancelled it (queue deleted) or
//! the channel failed — marks the session lost, so the supervisor reconnects and re-declares.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use lapin::options::{BasicAckOptions, BasicCancelOptions, BasicConsumeOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{Channel, Consumer};
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use crate::message::command_from_delivery;
use crate::session::Session;
use crate::supervisor::Inner;
use crate::{BrokerError, BrokerEvent};

/// How long stopping a consumer may take (basic.cancel round trip, task end).
const STOP_TIMEOUT: Duration = Duration::from_secs(2);

/// A running consumer: its tag (to cancel it) and its task.
#[derive(Debug)]
pub(crate) struct ConsumerHandle {
    tag: ShortString,
    stopping: CancellationToken,
    task: JoinHandle<()>,
}

impl ConsumerHandle {
    /// Stops the consumer through the broker (`basic.cancel`), so no further deliveries come;
    /// deliveries already handed out stay valid and can still be acked.
    pub(crate) async fn stop(self, channel: &Channel) {
        self.stopping.cancel();
        if channel.status().connected() {
            let cancel = channel.basic_cancel(self.tag.clone(), BasicCancelOptions::default());
            if let Ok(Err(err)) = timeout(STOP_TIMEOUT, cancel).await {
                tracing::debug!(tag = %self.tag, error = %err, "basic.cancel");
            }
        }
        let mut task = self.task;
        if timeout(STOP_TIMEOUT, &mut task).await.is_err() {
            task.abort();
        }
    }
}

/// Starts consuming the command queue (manual acks, prefetch from the channel's QoS).
pub(crate) async fn start_commands(
    inner: &Arc<Inner>,
    session: &Arc<Session>,
) -> Result<ConsumerHandle, BrokerError> {
    let queue = inner.config.commands_queue.as_str();
    let consumer = consume(session, queue).await?;
    let stopping = CancellationToken::new();
    let tag = consumer.tag();
    tracing::info!(epoch = session.epoch, queue, %tag, "consuming commands");
    let task = tokio::spawn(run(
        inner.clone(),
        session.clone(),
        consumer,
        stopping.clone(),
        Kind::Commands,
    ));
    Ok(ConsumerHandle {
        tag,
        stopping,
        task,
    })
}

/// Starts consuming this instance's ConnectorSync queue.
pub(crate) async fn start_sync(
    inner: &Arc<Inner>,
    session: &Arc<Session>,
) -> Result<ConsumerHandle, BrokerError> {
    let consumer = consume(session, session.sync_queue.as_str()).await?;
    let stopping = CancellationToken::new();
    let tag = consumer.tag();
    let task = tokio::spawn(run(
        inner.clone(),
        session.clone(),
        consumer,
        stopping.clone(),
        Kind::Sync,
    ));
    Ok(ConsumerHandle {
        tag,
        stopping,
        task,
    })
}

async fn consume(session: &Session, queue: &str) -> Result<Consumer, BrokerError> {
    // Not `exclusive`: the broker refuses exclusive consumers on a single-active-consumer
    // queue. The empty tag lets the broker name the consumer.
    let options = BasicConsumeOptions {
        no_ack: false,
        exclusive: false,
        ..BasicConsumeOptions::default()
    };
    session
        .consume
        .basic_consume(queue.into(), "".into(), options, FieldTable::default())
        .await
        .map_err(|source| BrokerError::Topology {
            what: "consumer on queue",
            name: queue.to_owned(),
            source,
        })
}

/// What a consumer reads, and so what it does with a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// The command queue: each delivery goes to the driver with its token (acked there).
    Commands,
    /// This instance's ConnectorSync queue: peers' messages go to the driver (our own are
    /// skipped by `app_id`), and each is acked here once handed over (gossip: the peer
    /// republishes its state).
    Sync,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Commands => "command",
            Self::Sync => "sync",
        }
    }
}

/// The one consumer loop: hands each delivery to the driver (waiting for room: that is the
/// backpressure), and marks the session lost when the stream fails or the broker cancels the
/// consumer without our asking.
async fn run(
    inner: Arc<Inner>,
    session: Arc<Session>,
    mut consumer: Consumer,
    stopping: CancellationToken,
    kind: Kind,
) {
    let own_id = inner.config.instance_id.clone();
    loop {
        let next = tokio::select! {
            () = session.lost() => return,
            next = consumer.next() => next,
        };
        let delivery = match next {
            Some(Ok(delivery)) => delivery,
            Some(Err(err)) => {
                session.fail(format!("{} consumer: {err}", kind.name()));
                return;
            }
            None => {
                if !stopping.is_cancelled() && !session.is_stopping() {
                    session.fail(format!("the broker cancelled the {} consumer", kind.name()));
                }
                return;
            }
        };
        let (event, acker) = match kind {
            Kind::Commands => {
                let command = command_from_delivery(delivery, session.epoch);
                // Not the JMS type: a client may have put parameters (a password) in it.
                tracing::debug!(
                    epoch = session.epoch,
                    redelivered = command.redelivered,
                    "command received"
                );
                (Some(BrokerEvent::Command(Box::new(command))), None)
            }
            Kind::Sync => {
                let from = delivery
                    .properties
                    .app_id()
                    .as_ref()
                    .map(ToString::to_string);
                let event = (from.as_deref() != Some(own_id.as_str())).then(|| BrokerEvent::Sync {
                    body: delivery.data,
                    from,
                });
                (event, Some(delivery.acker))
            }
        };
        if let Some(event) = event {
            tokio::select! {
                // A command is dropped unacked: the broker requeues it with the session.
                () = session.lost() => return,
                sent = inner.events.send(event) => {
                    if sent.is_err() {
                        tracing::debug!(kind = kind.name(), "event receiver dropped");
                    }
                }
            }
        }
        if let Some(acker) = acker
            && let Err(err) = acker.ack(BasicAckOptions::default()).await
        {
            tracing::debug!(error = %err, "ack of a sync message");
        }
    }
}
