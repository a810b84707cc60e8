//! Prometheus metrics: commands by type and outcome, events by category, errors by code,
//! Finesse request latency, broker confirm latency, agents logged in.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CommandLabels {
    pub command: String,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CategoryLabels {
    pub category: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CapLabels {
    pub cap: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct NodeLabels {
    /// `host:port/vhost`, never with credentials.
    pub endpoint: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OpLabels {
    pub op: &'static str,
    pub outcome: &'static str,
}

/// Every metric the connector exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub commands: Family<CommandLabels, Counter>,
    pub events: Family<CategoryLabels, Counter>,
    pub errors: Family<CodeLabels, Counter>,
    pub finesse_latency: Family<OpLabels, Histogram>,
    pub confirm_latency: Histogram,
    pub agents_logged_in: Gauge,
    pub destinations: Gauge,
    pub finesse_in_service: Gauge,
    pub broker_connected: Gauge,
    /// The broker node of the current (or last) connection: one series, value 1.
    pub broker_node: Family<NodeLabels, Gauge>,
    pub leader: Gauge,
    pub unroutable: Counter,
    /// Events that could not be published to one target, by reason.
    pub publish_failures: Family<ReasonLabels, Counter>,
    /// Commands refused or cut short by a bound, by bound.
    pub refused: Family<CapLabels, Counter>,
    pub unlicensed_agents: Gauge,
    pub remembered_commands: Gauge,
    pub finesse_lanes: Gauge,
    /// ConnectorSync messages refused, by reason (`crate::sync::SyncRejection::reason`).
    pub sync_rejected: Family<ReasonLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~16 s
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("gc");
        let commands = Family::<CommandLabels, Counter>::default();
        let events = Family::<CategoryLabels, Counter>::default();
        let errors = Family::<CodeLabels, Counter>::default();
        let finesse_latency =
            Family::<OpLabels, Histogram>::new_with_constructor(latency_histogram);
        let confirm_latency = latency_histogram();
        let agents_logged_in = Gauge::<i64, std::sync::atomic::AtomicI64>::default();
        let destinations = Gauge::default();
        let finesse_in_service = Gauge::default();
        let broker_connected = Gauge::default();
        let broker_node = Family::<NodeLabels, Gauge>::default();
        let leader = Gauge::default();
        let unroutable = Counter::<u64, AtomicU64>::default();
        let publish_failures = Family::<ReasonLabels, Counter>::default();
        let refused = Family::<CapLabels, Counter>::default();
        let unlicensed_agents = Gauge::default();
        let remembered_commands = Gauge::default();
        let finesse_lanes = Gauge::default();
        let sync_rejected = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "publish_failures",
            "Events that could not be published to one target (skipped, nothing waits), by reason",
            publish_failures.clone(),
        );
        registry.register(
            "refused",
            "Commands refused or cut short by a bound (answered PLEASE_RETRY or FINESSE_UNAVAILABLE), by bound",
            refused.clone(),
        );
        registry.register(
            "unlicensed_agents",
            "Agents connected without a licence (each holds a Finesse session)",
            unlicensed_agents.clone(),
        );
        registry.register(
            "remembered_commands",
            "Message ids remembered to answer redeliveries",
            remembered_commands.clone(),
        );
        registry.register(
            "finesse_lanes",
            "Agents with Finesse requests queued or running",
            finesse_lanes.clone(),
        );
        registry.register(
            "sync_rejected",
            "ConnectorSync messages refused (unsealed, unknown_key, bad_seal, replayed, out_of_order, stale, oversize, malformed)",
            sync_rejected.clone(),
        );
        registry.register(
            "commands",
            "Client commands by command and outcome",
            commands.clone(),
        );
        registry.register("events", "Events published, by category", events.clone());
        registry.register(
            "errors",
            "Error events sent to clients, by code",
            errors.clone(),
        );
        registry.register(
            "finesse_request_seconds",
            "Finesse REST latency",
            finesse_latency.clone(),
        );
        registry.register(
            "broker_confirm_seconds",
            "Time to a publisher confirm",
            confirm_latency.clone(),
        );
        registry.register(
            "agents_logged_in",
            "Agents holding a licence",
            agents_logged_in.clone(),
        );
        registry.register(
            "destinations",
            "Registered client destinations",
            destinations.clone(),
        );
        registry.register(
            "finesse_in_service",
            "1 when Finesse is in service",
            finesse_in_service.clone(),
        );
        registry.register(
            "broker_connected",
            "1 when connected to the broker",
            broker_connected.clone(),
        );
        registry.register(
            "broker_node_info",
            "The RabbitMQ node (host:port/vhost) of the current or last broker connection",
            broker_node.clone(),
        );
        registry.register(
            "leader",
            "1 when this instance leads its group",
            leader.clone(),
        );
        registry.register(
            "unroutable_events",
            "Events no client queue was bound for",
            unroutable.clone(),
        );
        Self {
            registry,
            commands,
            events,
            errors,
            finesse_latency,
            confirm_latency,
            agents_logged_in,
            destinations,
            finesse_in_service,
            broker_connected,
            broker_node,
            leader,
            unroutable,
            publish_failures,
            refused,
            unlicensed_agents,
            remembered_commands,
            finesse_lanes,
            sync_rejected,
        }
    }

    /// Brings a counter family up to running totals kept elsewhere (the outbox, the engine).
    pub fn catch_up<L>(family: &Family<L, Counter>, totals: impl IntoIterator<Item = (L, u64)>)
    where
        L: Clone + std::hash::Hash + Eq + EncodeLabelSet + std::fmt::Debug + Send + Sync,
    {
        for (labels, total) in totals {
            let counter = family.get_or_create(&labels);
            let seen = counter.get();
            if total > seen {
                counter.inc_by(total - seen);
            }
        }
    }

    /// Records the broker node in use: the only series of `gc_broker_node_info`.
    pub fn set_broker_node(&self, endpoint: &str) {
        self.broker_node.clear();
        self.broker_node
            .get_or_create(&NodeLabels {
                endpoint: endpoint.to_owned(),
            })
            .set(1);
    }

    pub fn command(&self, command: &str, outcome: &'static str) {
        self.commands
            .get_or_create(&CommandLabels {
                command: command.to_owned(),
                outcome,
            })
            .inc();
    }

    pub fn finesse(&self, op: &'static str, outcome: &'static str, elapsed: Duration) {
        self.finesse_latency
            .get_or_create(&OpLabels { op, outcome })
            .observe(elapsed.as_secs_f64());
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_in_prometheus_text() {
        let m = Metrics::new();
        m.command("Login", "accepted");
        m.events
            .get_or_create(&CategoryLabels {
                category: "agent_state",
            })
            .inc();
        m.agents_logged_in.set(3);
        let text = m.render();
        assert!(
            text.contains("gc_commands_total{command=\"Login\",outcome=\"accepted\"} 1"),
            "{text}"
        );
        assert!(text.contains("gc_events_total{category=\"agent_state\"} 1"));
        assert!(text.contains("gc_agents_logged_in 3"));
    }
}
