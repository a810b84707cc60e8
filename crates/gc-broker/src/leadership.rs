//! Explicit leadership through an exclusive lock queue (design.md 6, broker-notes 4.2).
//!
//! Declaring an exclusive queue with a fixed name succeeds for exactly one connection; every
//! other connection gets RESOURCE_LOCKED until the holder's connection closes (cleanly, by
//! crash, or by heartbeat timeout), when the broker deletes the queue. So:
//!
//! * the instance that declares the lock is leader: it reports `Leadership(true)` and only then
//!   starts consuming commands;
//! * the others are standby: they report `Leadership(false)` and look again every
//!   `leader_retry`. They look with a probe message rather than a declare (see
//!   `lock_is_free`), and declare only when the lock is free;
//! * a leader re-checks every `leader_retry` that it still holds the lock (an operator may
//!   delete the queue) and steps down if not;
//! * on connection loss the supervisor reports `Leadership(false)` at once.
//!
//! Commands are consumed only by the leader. The command queue's single-active-consumer flag
//! is the second guard for the handover race; consuming as a standby would be wrong, because
//! SAC may pick the standby and a standby must not act on commands (requeueing them would
//! hand them straight back to it).
//!
//! The lock lives on the session's connection but on a channel of its own, because the broker
//! closes the channel on which RESOURCE_LOCKED is raised (thanks to the probe, that happens
//! only when two standbys race for a free lock).

use std::sync::Arc;

use lapin::options::QueueDeclareOptions;
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Channel};
use tokio::time::Instant;

use crate::consumer::{self, ConsumerHandle};
use crate::message::short;
use crate::publisher::{Outcome, Route, publish_confirmed};
use crate::session::Session;
use crate::supervisor::Inner;
use crate::topology::{RESOURCE_LOCKED, reply_code};

/// Runs for the life of one session. Returns when the session is lost or stopping; a command
/// consumer it started is stopped (stopping) or left to die with the connection (lost).
pub(crate) async fn run(inner: Arc<Inner>, session: Arc<Session>, lock: String) {
    let mut channel: Option<Channel> = None;
    let mut commands: Option<ConsumerHandle> = None;
    loop {
        match commands.take() {
            None => match lock_is_free(&inner, &session, &lock).await {
                Some(true) => {
                    if let Some(ch) = usable(&session, &mut channel).await {
                        if acquire(&session, &ch, &lock).await {
                            inner.report_leadership(true, &session).await;
                            match consumer::start_commands(&inner, &session).await {
                                Ok(handle) => commands = Some(handle),
                                Err(err) => session
                                    .fail(format!("cannot consume commands as leader: {err}")),
                            }
                        } else {
                            // Lost a race with another standby; the broker closed the channel.
                            channel = None;
                            inner.report_leadership(false, &session).await;
                        }
                    }
                }
                Some(false) => inner.report_leadership(false, &session).await,
                // The probe failed: the publish channel is in trouble and the supervisor's
                // health check decides about the session.
                None => {}
            },
            Some(handle) => match usable(&session, &mut channel).await {
                Some(ch) if !still_held(&ch, &lock).await => {
                    tracing::warn!(lock, "leader lock lost while connected; stepping down");
                    channel = None;
                    handle.stop(&session.consume).await;
                    inner.report_leadership(false, &session).await;
                }
                _ => commands = Some(handle),
            },
        }
        tokio::select! {
            () = session.lost() => return,
            () = session.stopping() => break,
            () = tokio::time::sleep(inner.config.leader_retry) => {}
        }
    }
    if let Some(handle) = commands {
        handle.stop(&session.consume).await;
    }
    // Closed here rather than on drop, so lapin does not race its own close with ours.
    if let Some(ch) = channel.filter(|ch| ch.status().connected())
        && let Err(err) = ch.close(200, "connector shutting down".into()).await
    {
        tracing::debug!(error = %err, "closing the leader lock channel");
    }
}

/// The lock channel, reopened when the broker closed it. `None` when no channel could be
/// opened this round (the session is failed too if the connection is gone).
async fn usable(session: &Session, channel: &mut Option<Channel>) -> Option<Channel> {
    if let Some(ch) = channel.as_ref().filter(|ch| ch.status().connected()) {
        return Some(ch.clone());
    }
    match session.connection.create_channel().await {
        Ok(ch) => {
            *channel = Some(ch.clone());
            Some(ch)
        }
        // lapin recycles channel ids, and opening a channel right after the broker closed one
        // can report that close's error: only a dead connection ends the session.
        Err(err) if session.connection.status().connected() => {
            tracing::debug!(error = %err, "cannot open the leader lock channel; retrying");
            None
        }
        Err(err) => {
            session.fail(format!("cannot open the leader lock channel: {err}"));
            None
        }
    }
}

/// Whether nobody holds the lock, asked without provoking RESOURCE_LOCKED: a `mandatory`,
/// already expired (TTL 0) message to the lock queue is routed when the queue exists
/// (publishing to another connection's exclusive queue is allowed) and returned when it does
/// not. Declaring every round instead would leak a channel per round: lapin 4.12 never frees
/// a channel the broker closed, so a standby would run out of channels after `channel_max`
/// rounds (about 34 minutes at 1 s) and could then never take over. `None`: no answer.
async fn lock_is_free(inner: &Inner, session: &Session, lock: &str) -> Option<bool> {
    let route = Route {
        exchange: ShortString::default(),
        routing_key: short("leader_lock_queue", lock).ok()?,
        mandatory: true,
    };
    let properties = BasicProperties::default()
        .with_expiration("0".into())
        .with_delivery_mode(1)
        .with_app_id(short("app_id", &inner.config.instance_id).ok()?);
    let limit = inner.config.publish_timeout;
    let probe = publish_confirmed(
        &session.publish,
        &route,
        &[],
        properties,
        Instant::now() + limit,
        limit,
    )
    .await;
    match probe {
        Ok(Outcome::Routed) => Some(false),
        Ok(Outcome::Returned { .. }) => Some(true),
        Err(err) => {
            tracing::debug!(lock, error = %err, "leader lock probe failed");
            None
        }
    }
}

/// Tries to declare the lock. True: we hold it. False: someone else does, or the attempt
/// failed for another reason (logged; retried next round).
async fn acquire(session: &Session, channel: &Channel, lock: &str) -> bool {
    let options = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..QueueDeclareOptions::default()
    };
    match channel
        .queue_declare(lock.into(), options, FieldTable::default())
        .await
    {
        Ok(_) => {
            tracing::info!(epoch = session.epoch, lock, "leader lock acquired");
            true
        }
        Err(err) if reply_code(&err) == Some(RESOURCE_LOCKED) => {
            tracing::debug!(lock, "leader lock held by another instance");
            false
        }
        Err(err) => {
            tracing::warn!(lock, error = %err, "leader lock declare failed");
            false
        }
    }
}

/// A passive declare of our own exclusive queue succeeds only while we hold it.
async fn still_held(channel: &Channel, lock: &str) -> bool {
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(lock.into(), options, FieldTable::default())
        .await
        .is_ok()
}
