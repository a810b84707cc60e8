//! Settling command deliveries: ack, requeue, dead-letter. Each consumes its token, so a
//! delivery is settled at most once; a token from a connection that has since been lost is a
//! no-op, because the broker has already requeued that delivery (it comes again, marked
//! redelivered).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use tokio::time::{Instant, timeout};

use crate::message::{DeliveryToken, dead_letter_properties, short};
use crate::publisher::{Outcome, Route, publish_confirmed};
use crate::session::Session;
use crate::supervisor::Inner;
use crate::topology;

impl Inner {
    /// Acks a command.
    pub(crate) async fn ack(&self, token: DeliveryToken) {
        let _in_flight = self.in_flight.token();
        if self.session_of(&token).is_none() {
            return;
        }
        let acked = timeout(
            self.config.publish_timeout,
            token.acker.ack(BasicAckOptions::default()),
        )
        .await;
        match acked {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => {
                tracing::debug!(?token, "ack skipped: already settled or channel gone");
            }
            Ok(Err(err)) => tracing::warn!(?token, error = %err, "ack failed"),
            Err(_) => tracing::warn!(?token, "ack timed out"),
        }
    }

    /// Puts a command back in its queue: the broker redelivers it (to this instance or, after a
    /// leadership change, to the new leader), marked redelivered.
    pub(crate) async fn requeue(&self, token: DeliveryToken) {
        let _in_flight = self.in_flight.token();
        if self.session_of(&token).is_none() {
            return;
        }
        let requeue = BasicNackOptions {
            multiple: false,
            requeue: true,
        };
        match timeout(self.config.publish_timeout, token.acker.nack(requeue)).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::warn!(?token, error = %err, "requeue failed"),
            Err(_) => tracing::warn!(?token, "requeue timed out"),
        }
    }

    /// Dead-letters a command: publishes a copy to the dead-letter queue with header
    /// `x-gc-reason` = `reason` (plus the original properties and headers, `body` replacing
    /// the original body when given), waits for its confirm, then acks the original. If the
    /// copy cannot be confirmed the original is requeued instead, so it is never lost.
    pub(crate) async fn dead_letter(
        &self,
        token: DeliveryToken,
        reason: &str,
        body: Option<Bytes>,
    ) {
        let _in_flight = self.in_flight.token();
        let Some(session) = self.session_of(&token) else {
            return;
        };
        let Ok(dlq) = short("dead_letter_queue", &self.config.dead_letter_queue) else {
            return;
        };
        let route = Route {
            exchange: lapin::types::ShortString::default(),
            routing_key: dlq,
            mandatory: true,
        };
        let properties = dead_letter_properties(
            &token.original,
            reason,
            self.config.dead_letter_ttl,
            body.is_some(),
        );
        let body = body.unwrap_or_else(|| token.original.body.clone());
        let mut outcome = self.copy_once(&session, &route, &body, &properties).await;
        if matches!(outcome, Ok(Outcome::Returned { .. })) {
            // Someone deleted the DLQ since we connected: put it back and try once more.
            if topology::declare_dead_letter_queue(
                &session.connection,
                &session.publish,
                &self.config,
            )
            .await
            .is_ok()
            {
                outcome = self.copy_once(&session, &route, &body, &properties).await;
            }
        }
        if matches!(outcome, Ok(Outcome::Routed)) {
            self.counters.dead_lettered.fetch_add(1, Ordering::Relaxed);
            tracing::info!(?token, reason, "command dead-lettered");
            self.ack(token).await;
        } else {
            tracing::error!(
                ?token,
                reason,
                "dead-letter copy not confirmed; requeueing the command"
            );
            self.requeue(token).await;
        }
    }

    /// The live session the token belongs to, or `None` (counted) when it is stale.
    fn session_of(&self, token: &DeliveryToken) -> Option<Arc<Session>> {
        let current = self.current.borrow().clone();
        match current {
            Some(session) if session.epoch == token.epoch && session.is_alive() => Some(session),
            _ => {
                self.counters.stale_tokens.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(
                    ?token,
                    "token from a lost connection; the broker requeued it"
                );
                None
            }
        }
    }

    async fn copy_once(
        &self,
        session: &Session,
        route: &Route,
        body: &[u8],
        properties: &lapin::BasicProperties,
    ) -> Result<Outcome, crate::BrokerError> {
        let limit = self.config.publish_timeout;
        let deadline = Instant::now() + limit;
        let result = publish_confirmed(
            &session.publish,
            route,
            body,
            properties.clone(),
            deadline,
            limit,
        )
        .await;
        self.settle(session, route, result)
    }
}
