//! The crate's one error type.
//!
//! Every variant is written so that its text can be logged as is: none carries the AMQP URI
//! (whose userinfo holds the password). Where a URI is involved the variant carries the
//! [`endpoint`](crate::BrokerConfig::endpoint) (`host:port/vhost`) instead.

use std::time::Duration;

/// What can go wrong in the broker adapter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrokerError {
    /// The AMQP URI does not parse. The URI itself is never repeated here: it holds the password.
    #[error("invalid AMQP URI: {reason}")]
    InvalidUri {
        /// Why, in words that do not quote the URI.
        reason: &'static str,
    },

    /// A configuration value cannot be used.
    #[error("invalid broker configuration `{field}`: {reason}")]
    InvalidConfig {
        /// The [`BrokerConfig`](crate::BrokerConfig) field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The TLS settings of an `amqps://` URI cannot be used (a CA or client certificate file
    /// that cannot be read or parsed, a key that does not match its certificate). Names the
    /// file, never its content.
    #[error("broker TLS settings: {reason}")]
    Tls {
        /// What is wrong, with the file's path.
        reason: String,
    },

    /// TCP, TLS or the AMQP handshake failed (refused, unreachable, bad credentials, vhost).
    #[error("cannot connect to {endpoint}: {source}")]
    Connect {
        /// `host:port/vhost`.
        endpoint: String,
        /// lapin's error (it never contains the password).
        #[source]
        source: lapin::Error,
    },

    /// Connecting and declaring the topology took longer than `connect_timeout`.
    ///
    /// lapin has had releases whose connect hung forever (lapin #468, #470), so every connect
    /// attempt is bounded.
    #[error("connecting to {endpoint} did not complete within {after:?}")]
    ConnectTimeout {
        /// `host:port/vhost`.
        endpoint: String,
        /// The configured bound.
        after: Duration,
    },

    /// Declaring or binding part of the topology failed, e.g. a queue exists with other
    /// arguments (PRECONDITION_FAILED) or a name is reserved (ACCESS_REFUSED).
    #[error("cannot declare {what} `{name}`: {source}")]
    Topology {
        /// `queue`, `exchange`, `binding`, …
        what: &'static str,
        /// The entity's name.
        name: String,
        /// The broker's answer.
        #[source]
        source: lapin::Error,
    },

    /// A queue exists with another type than `broker.queue_type` asks for. RabbitMQ cannot
    /// change a queue's type in place; the text says how to migrate.
    #[error(
        "queue `{queue}` exists as a {existing} queue but broker.queue_type is \"{wanted}\"; \
         RabbitMQ cannot change a queue's type in place. To migrate: stop every connector \
         instance, let the queue empty (or move its messages elsewhere, e.g. with a shovel), \
         delete it (`rabbitmqctl delete_queue {queue}`), then start the connectors with the \
         new type: they declare it again. Or keep broker.queue_type = \"{existing}\""
    )]
    QueueTypeMismatch {
        /// The queue's name.
        queue: String,
        /// The configured type.
        wanted: &'static str,
        /// The type it has.
        existing: &'static str,
    },

    /// No live connection came up within `publish_timeout`; nothing was sent.
    #[error("not connected to the broker")]
    NotConnected,

    /// [`Broker::shutdown`](crate::Broker::shutdown) has begun; nothing was sent.
    #[error("the broker adapter is shutting down")]
    ShuttingDown,

    /// The broker answered the publish with a negative confirm: it did not take the message.
    #[error(
        "the broker refused (nacked) the message for exchange `{exchange}` key `{routing_key}`"
    )]
    Nacked {
        /// The exchange published to (empty for the default exchange).
        exchange: String,
        /// The routing key.
        routing_key: String,
    },

    /// No confirm arrived within `publish_timeout`. The message may or may not be stored.
    #[error("no publisher confirm within {0:?}")]
    ConfirmTimeout(Duration),

    /// The channel or connection failed after the message was handed to it (e.g. the broker
    /// restarted before confirming). The message may or may not be stored: the caller does not
    /// ack the command, so it is redelivered and de-duplicated upstream.
    #[error("publish failed: {0}")]
    Publish(#[source] lapin::Error),

    /// A value does not fit an AMQP short string (at most 255 bytes).
    #[error("`{field}` is {len} bytes long; AMQP allows at most 255")]
    TooLong {
        /// Which value.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
    },
}

impl BrokerError {
    /// True when retrying the same operation later can succeed (the connection is down or
    /// coming back); false for errors that repeat until configuration or input changes.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connect { .. }
            | Self::ConnectTimeout { .. }
            | Self::NotConnected
            | Self::ConfirmTimeout(_)
            | Self::Publish(_)
            | Self::Nacked { .. } => true,
            Self::InvalidUri { .. }
            | Self::InvalidConfig { .. }
            | Self::Tls { .. }
            | Self::Topology { .. }
            | Self::QueueTypeMismatch { .. }
            | Self::ShuttingDown
            | Self::TooLong { .. } => false,
        }
    }
}

impl BrokerError {
    /// How a failed publish counts: `None` when the connection is in trouble and sending the
    /// message again can work (not connected, no confirm in time, the channel failed); else
    /// the reason label of a failure that sending it again would repeat (too long for AMQP,
    /// refused by the broker, e.g. a full queue with `x-overflow: reject-publish`).
    pub fn publish_failure(&self) -> Option<&'static str> {
        match self {
            Self::NotConnected | Self::ConfirmTimeout(_) | Self::Publish(_) => None,
            Self::TooLong { .. } => Some("too_long"),
            Self::Nacked { .. } => Some("nacked"),
            Self::ShuttingDown => Some("shutting_down"),
            Self::InvalidUri { .. }
            | Self::InvalidConfig { .. }
            | Self::Tls { .. }
            | Self::Connect { .. }
            | Self::ConnectTimeout { .. }
            | Self::Topology { .. }
            | Self::QueueTypeMismatch { .. } => Some("other"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_problems_are_transient_and_bad_input_is_not() {
        assert!(BrokerError::NotConnected.is_transient());
        assert!(BrokerError::ConfirmTimeout(Duration::from_secs(1)).is_transient());
        assert!(
            !BrokerError::TooLong {
                field: "correlation_id",
                len: 300
            }
            .is_transient()
        );
        assert!(!BrokerError::ShuttingDown.is_transient());
    }

    #[test]
    fn only_connection_trouble_makes_a_publish_worth_repeating() {
        assert_eq!(BrokerError::NotConnected.publish_failure(), None);
        assert_eq!(
            BrokerError::ConfirmTimeout(Duration::from_secs(1)).publish_failure(),
            None
        );
        let nacked = BrokerError::Nacked {
            exchange: "gc.clients".into(),
            routing_key: "crm-7".into(),
        };
        assert_eq!(nacked.publish_failure(), Some("nacked"));
        let long = BrokerError::TooLong {
            field: "correlation_id",
            len: 300,
        };
        assert_eq!(long.publish_failure(), Some("too_long"));
    }
}
