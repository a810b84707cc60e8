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
    let task = tokio::spawn(run_commands(
        inner.clone(),
        session.clone(),
        consumer,
        stopping.clone(),
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
    let task = tokio::spawn(run_sync(
        inner.clone(),
        session.clone(),
        consumer,
        stopping.clone(),
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

async fn run_commands(
    inner: Arc<Inner>,
    session: Arc<Session>,
    mut consumer: Consumer,
    stopping: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            () = session.lost() => return,
            next = consumer.next() => next,
        };
        match next {
            Some(Ok(delivery)) => {
                let command = command_from_delivery(delivery, session.epoch);
                // Not the JMS type: a client may have put parameters (a password) in it.
                tracing::debug!(
                    epoch = session.epoch,
                    redelivered = command.redelivered,
                    "command received"
                );
                tokio::select! {
                    // The delivery is dropped unacked: the broker requeues it with the session.
                    () = session.lost() => return,
                    sent = inner.events.send(BrokerEvent::Command(command)) => {
                        if sent.is_err() {
                            tracing::debug!("event receiver dropped; command left unacked");
                        }
                    }
                }
            }
            Some(Err(err)) => {
                session.fail(format!("command consumer: {err}"));
                return;
            }
            None => {
                if !stopping.is_cancelled() && !session.is_stopping() {
                    session.fail("the broker cancelled the command consumer");
                }
                return;
            }
        }
    }
}

async fn run_sync(
    inner: Arc<Inner>,
    session: Arc<Session>,
    mut consumer: Consumer,
    stopping: CancellationToken,
) {
    let own_id = inner.config.instance_id.as_str();
    loop {
        let next = tokio::select! {
            () = session.lost() => return,
            next = consumer.next() => next,
        };
        match next {
            Some(Ok(delivery)) => {
                let from = delivery
                    .properties
                    .app_id()
                    .as_ref()
                    .map(ToString::to_string);
                if from.as_deref() != Some(own_id) {
                    let event = BrokerEvent::Sync {
                        body: delivery.data,
                        from,
                    };
                    tokio::select! {
                        () = session.lost() => return,
                        sent = inner.events.send(event) => {
                            if sent.is_err() {
                                tracing::debug!("event receiver dropped; sync message discarded");
                            }
                        }
                    }
                }
                if let Err(err) = delivery.acker.ack(BasicAckOptions::default()).await {
                    tracing::debug!(error = %err, "ack of a sync message");
                }
            }
            Some(Err(err)) => {
                session.fail(format!("sync consumer: {err}"));
                return;
            }
            None => {
                if !stopping.is_cancelled() && !session.is_stopping() {
                    session.fail("the broker cancelled the sync consumer");
                }
                return;
            }
        }
    }
}
