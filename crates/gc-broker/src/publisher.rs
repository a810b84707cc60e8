//! Publishing with publisher confirms.
//!
//! Every publish goes through one confirm-mode channel per connection and returns only once
//! the broker has confirmed it (or failed, or the deadline passed). lapin tracks confirms per
//! message, so concurrent publishes pipeline on the channel; nothing is retried here, because
//! a retry after the message was handed to the broker can duplicate it. The caller keeps the
//! command unacked instead, and the redelivery is de-duplicated upstream.

use lapin::options::BasicPublishOptions;
use lapin::types::ShortString;
use lapin::{BasicProperties, Channel, Confirmation, PublisherConfirm};
use tokio::time::{Instant, timeout_at};

use crate::message::{Target, short};
use crate::{BrokerConfig, BrokerError};

/// Exchange, routing key and `mandatory` flag of one publish.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) exchange: ShortString,
    pub(crate) routing_key: ShortString,
    /// Ask the broker to return the message when no queue is bound for it.
    pub(crate) mandatory: bool,
}

impl Route {
    /// Where a [`Target`] goes (design.md 4.2, 4.3; protocol.md 2).
    pub(crate) fn for_target(target: &Target, config: &BrokerConfig) -> Result<Self, BrokerError> {
        let (exchange, routing_key, mandatory) = match target {
            Target::Client(destination) => {
                (config.clients_exchange.as_str(), destination.as_str(), true)
            }
            Target::Reply(reply_to) => ("", reply_to.as_str(), true),
            Target::Events(key) => (
                config.events_exchange.as_str(),
                key.as_str(),
                config.mandatory_events,
            ),
            Target::Sync => (config.sync_exchange.as_str(), "", false),
        };
        Ok(Self {
            exchange: short("exchange", exchange)?,
            routing_key: short("routing_key", routing_key)?,
            mandatory,
        })
    }
}

/// How a confirmed publish ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Routed to at least one queue (or not `mandatory`) and confirmed.
    Routed,
    /// `mandatory` and no queue was bound: the broker returned it, then confirmed.
    Returned {
        /// The reply code (312 NO_ROUTE).
        reply_code: u16,
        /// The broker's text.
        reply_text: String,
    },
}

/// Publishes `body` on the confirm-mode `channel` and waits for the confirm until `deadline`.
pub(crate) async fn publish_confirmed(
    channel: &Channel,
    route: &Route,
    body: &[u8],
    properties: BasicProperties,
    deadline: Instant,
    timeout: std::time::Duration,
) -> Result<Outcome, BrokerError> {
    let confirm = send(channel, route, body, properties, deadline, timeout).await?;
    confirmed(confirm, route, deadline, timeout).await
}

/// Hands the message to the channel and returns its pending confirm. lapin queues the frames
/// when this is first polled, so messages sent one after the other go out in that order while
/// their confirms are awaited together.
pub(crate) async fn send(
    channel: &Channel,
    route: &Route,
    body: &[u8],
    properties: BasicProperties,
    deadline: Instant,
    timeout: std::time::Duration,
) -> Result<PublisherConfirm, BrokerError> {
    let options = BasicPublishOptions {
        mandatory: route.mandatory,
        immediate: false,
    };
    timeout_at(
        deadline,
        channel.basic_publish(
            route.exchange.clone(),
            route.routing_key.clone(),
            options,
            body,
            properties,
        ),
    )
    .await
    .map_err(|_| BrokerError::ConfirmTimeout(timeout))?
    .map_err(BrokerError::Publish)
}

/// Waits for a publish's confirm until `deadline`.
pub(crate) async fn confirmed(
    confirm: PublisherConfirm,
    route: &Route,
    deadline: Instant,
    timeout: std::time::Duration,
) -> Result<Outcome, BrokerError> {
    let confirmation = timeout_at(deadline, confirm)
        .await
        .map_err(|_| BrokerError::ConfirmTimeout(timeout))?
        .map_err(BrokerError::Publish)?;
    match confirmation {
        Confirmation::Ack(None) | Confirmation::NotRequested => Ok(Outcome::Routed),
        Confirmation::Ack(Some(returned)) => Ok(Outcome::Returned {
            reply_code: returned.reply_code,
            reply_text: returned.reply_text.to_string(),
        }),
        Confirmation::Nack(_) => Err(BrokerError::Nacked {
            exchange: route.exchange.to_string(),
            routing_key: route.routing_key.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_map_to_exchange_key_and_mandatory() {
        let config = BrokerConfig::default();
        let client = Route::for_target(&Target::Client("crm-7".into()), &config).unwrap();
        assert_eq!(
            (
                client.exchange.as_str(),
                client.routing_key.as_str(),
                client.mandatory
            ),
            ("gc.clients", "crm-7", true)
        );
        let reply =
            Route::for_target(&Target::Reply("amq.rabbitmq.reply-to.x".into()), &config).unwrap();
        assert_eq!(
            (
                reply.exchange.as_str(),
                reply.routing_key.as_str(),
                reply.mandatory
            ),
            ("", "amq.rabbitmq.reply-to.x", true)
        );
        let events =
            Route::for_target(&Target::Events("agent_state.1001".into()), &config).unwrap();
        assert_eq!(
            (
                events.exchange.as_str(),
                events.routing_key.as_str(),
                events.mandatory
            ),
            ("gc.events", "agent_state.1001", false)
        );
    }

    #[test]
    fn an_overlong_routing_key_is_an_error() {
        let config = BrokerConfig::default();
        let err = Route::for_target(&Target::Client("d".repeat(256)), &config);
        assert!(matches!(
            err,
            Err(BrokerError::TooLong {
                field: "routing_key",
                len: 256
            })
        ));
    }
}
