//! Which Finesse node is active, and when to switch (design.md §5, finesse-api.md §7). Pure:
//! health observations in, [`NodeEvent`]s out; the IO shell is [`crate::cluster`].
//!
//! Rules:
//! - health of a node = SystemInfo `IN_SERVICE` (probe or notification) + XMPP connected;
//! - two consecutive bad observations of the active node (unreachable, timed out, 503 or
//!   OUT_OF_SERVICE) make it failed; then the other node is probed;
//! - switch only to a node that reports `IN_SERVICE`; if the failed node recovers first, stay;
//! - with no usable node, report `Down` once, and the active node again when one recovers.

/// Which Finesse node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeId {
    /// Side A.
    Primary,
    /// Side B.
    Secondary,
}

impl NodeId {
    /// The other node.
    #[must_use]
    pub fn other(self) -> Self {
        match self {
            Self::Primary => Self::Secondary,
            Self::Secondary => Self::Primary,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Primary => 0,
            Self::Secondary => 1,
        }
    }
}

/// What one observation said about a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Health {
    /// SystemInfo `IN_SERVICE`.
    InService,
    /// SystemInfo says anything else, or REST answered 503.
    OutOfService,
    /// No connection, or no answer in time.
    NotReachable,
}

/// A node status change the core must hear about (it tells clients `System#…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    /// The node is in service.
    InService {
        /// Which node.
        node: NodeId,
    },
    /// The node answers but is out of service.
    OutOfService {
        /// Which node.
        node: NodeId,
    },
    /// The node cannot be reached.
    NotReachable {
        /// Which node.
        node: NodeId,
    },
    /// Agents move to `to`: sessions reconnect there, state is re-read.
    Switched {
        /// The failed node.
        from: NodeId,
        /// The node now active.
        to: NodeId,
    },
    /// No node is usable.
    Down,
}

/// Consecutive bad observations before a node counts as failed ("two tries on a node"); the
/// REST client's `TRIES_PER_NODE` is the per-request side of the same rule.
const FAILURES_BEFORE_SWITCH: u8 = 2;

/// The failover state machine.
#[derive(Clone, Debug)]
pub(crate) struct Failover {
    active: NodeId,
    has_secondary: bool,
    failures: u8,
    health: [Option<Health>; 2],
    xmpp_up: [bool; 2],
    down: bool,
}

impl Failover {
    /// Starts on `start` (normally the primary).
    pub(crate) fn new(start: NodeId, has_secondary: bool) -> Self {
        Self {
            active: if has_secondary {
                start
            } else {
                NodeId::Primary
            },
            has_secondary,
            failures: 0,
            health: [None, None],
            xmpp_up: [false, false],
            down: false,
        }
    }

    /// The node agents should use.
    pub(crate) fn active(&self) -> NodeId {
        self.active
    }

    /// Whether no node is usable right now (a probe for tests; the shell hears `Down`).
    #[cfg(test)]
    fn is_down(&self) -> bool {
        self.down
    }

    /// Health of the active node: IN_SERVICE and XMPP connected (a probe for tests).
    #[cfg(test)]
    fn is_healthy(&self) -> bool {
        let i = self.active.index();
        !self.down && self.health[i] == Some(Health::InService) && self.xmpp_up[i]
    }

    /// Last observation of `node` (a probe for tests).
    #[cfg(test)]
    fn health(&self, node: NodeId) -> Option<Health> {
        self.health[node.index()]
    }

    /// Nodes the shell should probe now, in order: while the active node is failing, the
    /// other node first (so its status is fresh when the active node's next failure decides
    /// between switching and `Down`), then the active node.
    pub(crate) fn probe_targets(&self) -> Vec<NodeId> {
        if self.has_secondary && self.failures > 0 {
            vec![self.active.other(), self.active]
        } else {
            vec![self.active]
        }
    }

    /// The XMPP connection to `node` went up or down (from a session or a monitor session).
    /// XMPP loss alone does not switch nodes; it makes the shell probe SystemInfo now.
    pub(crate) fn on_xmpp(&mut self, node: NodeId, connected: bool) {
        self.xmpp_up[node.index()] = connected;
    }

    /// One observation of `node` (SystemInfo probe, SystemInfo notification, or a REST
    /// failure that says something about the node).
    pub(crate) fn observe(&mut self, node: NodeId, health: Health) -> Vec<NodeEvent> {
        if node == NodeId::Secondary && !self.has_secondary {
            return Vec::new();
        }
        let previous = self.health[node.index()];
        self.health[node.index()] = Some(health);
        let mut events = Vec::new();
        if node == self.active {
            if previous != Some(health) {
                events.push(status_event(node, health));
            }
            if health == Health::InService {
                self.failures = 0;
                self.down = false;
                return events;
            }
            self.failures = self.failures.saturating_add(1);
        }
        // A standby observation is only recorded: clients hear about the node they use.
        if self.failures >= FAILURES_BEFORE_SWITCH {
            let other = self.active.other();
            if self.has_secondary && self.health[other.index()] == Some(Health::InService) {
                let from = self.active;
                self.active = other;
                self.failures = 0;
                self.down = false;
                events.push(NodeEvent::Switched { from, to: other });
            } else if !self.down
                && (!self.has_secondary
                    || self.health[other.index()].is_some_and(|h| h != Health::InService))
            {
                self.down = true;
                events.push(NodeEvent::Down);
            }
        }
        events
    }
}

fn status_event(node: NodeId, health: Health) -> NodeEvent {
    match health {
        Health::InService => NodeEvent::InService { node },
        Health::OutOfService => NodeEvent::OutOfService { node },
        Health::NotReachable => NodeEvent::NotReachable { node },
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use Health::{InService, NotReachable, OutOfService};
    use NodeId::{Primary, Secondary};

    #[test]
    fn two_bad_observations_then_switch_to_an_in_service_secondary() {
        let mut f = Failover::new(Primary, true);
        assert_eq!(
            f.observe(Primary, InService),
            [NodeEvent::InService { node: Primary }]
        );
        assert_eq!(
            f.observe(Primary, NotReachable),
            [NodeEvent::NotReachable { node: Primary }]
        );
        assert_eq!(f.active(), Primary, "one failure is not enough");
        assert_eq!(f.probe_targets(), [Secondary, Primary]);
        assert_eq!(f.observe(Secondary, InService), []);
        assert_eq!(
            f.observe(Primary, NotReachable),
            [NodeEvent::Switched {
                from: Primary,
                to: Secondary
            }]
        );
        assert_eq!(f.active(), Secondary);
        assert_eq!(f.probe_targets(), [Secondary]);
    }

    #[test]
    fn never_switch_to_a_node_that_is_not_in_service() {
        let mut f = Failover::new(Primary, true);
        f.observe(Primary, InService);
        f.observe(Secondary, OutOfService);
        f.observe(Primary, OutOfService);
        let events = f.observe(Primary, OutOfService);
        assert_eq!(events, [NodeEvent::Down]);
        assert_eq!(f.active(), Primary);
        assert!(f.is_down());
        // Secondary comes up first: switch then.
        assert_eq!(
            f.observe(Secondary, InService),
            [NodeEvent::Switched {
                from: Primary,
                to: Secondary
            }]
        );
        assert!(!f.is_down());
    }

    #[test]
    fn if_the_failing_node_recovers_first_stay() {
        let mut f = Failover::new(Primary, true);
        f.observe(Primary, InService);
        f.observe(Primary, NotReachable);
        f.observe(Secondary, NotReachable);
        assert_eq!(f.observe(Primary, NotReachable), [NodeEvent::Down]);
        assert_eq!(
            f.observe(Primary, InService),
            [NodeEvent::InService { node: Primary }]
        );
        assert_eq!(f.active(), Primary);
        assert!(!f.is_down());
    }

    #[test]
    fn single_node_cluster_goes_down_and_back() {
        let mut f = Failover::new(Secondary, false);
        assert_eq!(f.active(), Primary);
        f.observe(Primary, NotReachable);
        assert_eq!(f.observe(Primary, NotReachable), [NodeEvent::Down]);
        assert_eq!(f.observe(Secondary, InService), []);
        assert_eq!(
            f.observe(Primary, InService),
            [NodeEvent::InService { node: Primary }]
        );
    }

    #[test]
    fn health_needs_xmpp_too() {
        let mut f = Failover::new(Primary, true);
        f.observe(Primary, InService);
        assert!(!f.is_healthy());
        f.on_xmpp(Primary, true);
        assert!(f.is_healthy());
    }

    fn health() -> impl Strategy<Value = Health> {
        prop_oneof![Just(InService), Just(OutOfService), Just(NotReachable)]
    }

    fn node() -> impl Strategy<Value = NodeId> {
        prop_oneof![Just(Primary), Just(Secondary)]
    }

    proptest! {
        /// Whatever happens, a switch only ever lands on a node last seen IN_SERVICE, and the
        /// active node never changes without a `Switched` event.
        #[test]
        fn switches_only_to_in_service_nodes(steps in proptest::collection::vec((node(), health()), 0..60)) {
            let mut f = Failover::new(Primary, true);
            for (n, h) in steps {
                let before = f.active();
                let events = f.observe(n, h);
                let switched: Vec<_> = events.iter().filter(|e| matches!(e, NodeEvent::Switched { .. })).collect();
                if f.active() == before {
                    prop_assert!(switched.is_empty());
                } else {
                    prop_assert_eq!(switched.len(), 1);
                    prop_assert_eq!(f.health(f.active()), Some(InService));
                }
            }
        }
    }
}
