//! The faults, injected one at a time in a fixed rotation, each bounded in time.
//!
//! Each fault ends with the system whole again (a killed connector restarted as the standby,
//! the broker application started, the Finesse node started), so the next fault meets a
//! redundant pair. What a fault reports is when it **struck** (the moment clients may start to
//! notice) and when it **healed** (the moment the system could be whole again: the broker back
//! for `stop_app`, the fault itself for the others, where the standby or the other node takes
//! over by itself). Convergence (invariant c) is measured from the heal.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use finesse_sim::NodeId;
use finesse_sim::control::ControlClient;
use gc_testbed::ConnectorSpec;
use tokio::process::Child;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::stack::rabbitmqctl;

/// The list, in the order the soak rotates through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    KillLeader,
    TermLeader,
    BrokerRestart,
    CloseConnection,
    FinesseNodeStop,
    XmppDrop,
}

impl Fault {
    pub(crate) const ALL: [Self; 6] = [
        Self::KillLeader,
        Self::CloseConnection,
        Self::FinesseNodeStop,
        Self::TermLeader,
        Self::XmppDrop,
        Self::BrokerRestart,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::KillLeader => "kill -9 leader",
            Self::TermLeader => "SIGTERM leader",
            Self::BrokerRestart => "RabbitMQ stop_app/start_app",
            Self::CloseConnection => "close connector AMQP connection",
            Self::FinesseNodeStop => "Finesse node stop",
            Self::XmppDrop => "XMPP drop of all sessions",
        }
    }

    pub(crate) fn short(self) -> &'static str {
        match self {
            Self::KillLeader => "kill",
            Self::TermLeader => "term",
            Self::BrokerRestart => "broker",
            Self::CloseConnection => "close",
            Self::FinesseNodeStop => "node",
            Self::XmppDrop => "xmpp",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.short() == text)
    }
}

/// What the fault task tells the driver: the heal as soon as it happens (convergence is
/// measured from it, while the fault's slower tail, a restart of the killed member or of the
/// stopped node, goes on), then the whole record.
#[derive(Clone, Debug)]
pub(crate) enum FaultEvent {
    Healed { healed: Instant },
    Done(Injected),
}

/// Reports the heal once (the first call wins).
#[derive(Debug)]
struct Heal<'a> {
    tx: &'a mpsc::UnboundedSender<FaultEvent>,
    struck: Instant,
    healed: Option<Instant>,
}

impl Heal<'_> {
    /// The system can be whole again from now on.
    fn now(&mut self) {
        self.at(Instant::now());
    }

    fn at(&mut self, at: Instant) {
        if self.healed.is_none() {
            self.healed = Some(at);
            let _ = self.tx.send(FaultEvent::Healed { healed: at });
        }
    }

    /// The fault strikes and heals in one step that starts now (a forced close: looking up
    /// the connection before is not part of the fault).
    fn strike_now(&mut self) {
        if self.healed.is_none() {
            let at = Instant::now();
            self.struck = at;
            self.at(at);
        }
    }
}

/// One injected fault.
#[derive(Clone, Debug)]
pub(crate) struct Injected {
    pub(crate) fault: Fault,
    pub(crate) struck: Instant,
    pub(crate) healed: Instant,
    /// What happened, for the report (which instance, which node, failover time …).
    pub(crate) note: String,
    /// The fault could not be injected as meant.
    pub(crate) failed: bool,
}

/// The redundant pair: specs and the running children.
#[derive(Debug)]
pub(crate) struct Pair {
    pub(crate) specs: [ConnectorSpec; 2],
    pub(crate) children: [Option<Child>; 2],
}

impl Pair {
    /// Index of the member that leads, waiting up to `patience` for one to.
    async fn leader(&self, patience: Duration) -> Option<usize> {
        let deadline = Instant::now() + patience;
        loop {
            for i in 0..2 {
                if self.children[i].is_some() && self.specs[i].leads().await {
                    return Some(i);
                }
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) fn pids(&self) -> Vec<(String, u32)> {
        (0..2)
            .filter_map(|i| {
                let pid = self.children[i].as_ref()?.id()?;
                Some((self.specs[i].instance.clone(), pid))
            })
            .collect()
    }

    pub(crate) async fn stop(&mut self) {
        for child in self.children.iter_mut().flatten() {
            let _ = child.kill().await;
        }
    }
}

/// What the faults act on.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) pair: Pair,
    pub(crate) control: ControlClient,
    pub(crate) rabbit_script: PathBuf,
    /// The node the connector was last seen talking to (from the audit).
    pub(crate) audit: crate::audit::Shared,
}

impl Target {
    /// Injects `fault` and brings the system back whole; every step bounded. The heal is
    /// sent on `tx` the moment it happens, the whole record when everything is over.
    pub(crate) async fn inject(&mut self, fault: Fault, tx: &mpsc::UnboundedSender<FaultEvent>) {
        let mut heal = Heal {
            tx,
            struck: Instant::now(),
            healed: None,
        };
        let result = match fault {
            Fault::KillLeader => self.leader_dies(true, &mut heal).await,
            Fault::TermLeader => self.leader_dies(false, &mut heal).await,
            Fault::BrokerRestart => self.broker_restart(&mut heal).await,
            Fault::CloseConnection => self.close_connection(&mut heal).await,
            Fault::FinesseNodeStop => self.node_stop(&mut heal).await,
            Fault::XmppDrop => self.xmpp_drop(&mut heal).await,
        };
        // A fault that failed before it struck still gets its (empty) convergence check.
        heal.now();
        let (note, failed) = match result {
            Ok(note) => (note, false),
            Err(e) => (format!("{e:#}"), true),
        };
        let _ = tx.send(FaultEvent::Done(Injected {
            fault,
            struck: heal.struck,
            healed: heal.healed.unwrap_or(heal.struck),
            note,
            failed,
        }));
    }

    async fn leader_dies(&mut self, kill: bool, heal: &mut Heal<'_>) -> anyhow::Result<String> {
        let leader = self
            .pair
            .leader(Duration::from_secs(10))
            .await
            .context("no leader to kill")?;
        let mut child = self.pair.children[leader]
            .take()
            .context("the leader has no process")?;
        let start = Instant::now();
        heal.struck = start;
        if kill {
            child.start_kill()?;
        } else {
            gc_testbed::terminate(&child);
        }
        heal.now();
        let exited = tokio::time::timeout(Duration::from_secs(15), child.wait()).await;
        if exited.is_err() {
            let _ = child.kill().await;
        }
        let exit = start.elapsed();
        let other = 1 - leader;
        let took_over = self.pair.leader(Duration::from_secs(30)).await == Some(other);
        let takeover = start.elapsed();
        self.pair.children[leader] = Some(self.pair.specs[leader].start().await?);
        let name = &self.pair.specs[leader].instance;
        if !took_over {
            bail!("{name} died but the standby did not lead within 30 s");
        }
        Ok(format!(
            "{name} {}; exited after {:.1} s; {} leads after {:.1} s; {name} restarted as standby",
            if kill { "killed" } else { "terminated" },
            exit.as_secs_f64(),
            self.pair.specs[other].instance,
            takeover.as_secs_f64()
        ))
    }

    async fn broker_restart(&mut self, heal: &mut Heal<'_>) -> anyhow::Result<String> {
        let start = Instant::now();
        rabbitmqctl(&self.rabbit_script, &["stop_app"]).await?;
        let stopped = start.elapsed();
        tokio::time::sleep(Duration::from_secs(2)).await;
        rabbitmqctl(&self.rabbit_script, &["start_app"]).await?;
        heal.now();
        let up = self.pair.leader(Duration::from_mins(1)).await;
        Ok(format!(
            "stop_app took {:.1} s, down {:.1} s in all; leader after restart: {}",
            stopped.as_secs_f64(),
            start.elapsed().as_secs_f64(),
            up.map_or("none within 60 s", |i| self.pair.specs[i].instance.as_str())
        ))
    }

    async fn close_connection(&mut self, heal: &mut Heal<'_>) -> anyhow::Result<String> {
        let leader = self
            .pair
            .leader(Duration::from_secs(10))
            .await
            .context("no leader")?;
        let name = format!("gc-broker {}", self.pair.specs[leader].instance);
        let listing = rabbitmqctl(
            &self.rabbit_script,
            &["list_connections", "--silent", "pid", "client_properties"],
        )
        .await?;
        let pids: Vec<&str> = listing
            .lines()
            .filter(|l| l.contains(&name))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        if pids.is_empty() {
            bail!("no connection named {name:?} (listing: {listing:?})");
        }
        // Struck when the close is asked for: finding the connection (a rabbitmqctl run of a
        // second or more on a loaded machine) is not part of the fault.
        heal.strike_now();
        for pid in &pids {
            rabbitmqctl(
                &self.rabbit_script,
                &["close_connection", pid, "gc-soak fault"],
            )
            .await?;
        }
        Ok(format!("closed {} connection(s) of {name}", pids.len()))
    }

    fn active_node(&self) -> NodeId {
        let node = crate::audit::snapshot(&self.audit).node;
        if node == "secondary" {
            NodeId::Secondary
        } else {
            NodeId::Primary
        }
    }

    async fn node_stop(&mut self, heal: &mut Heal<'_>) -> anyhow::Result<String> {
        let node = self.active_node();
        heal.struck = Instant::now();
        self.control.stop_node(node).await?;
        // Healed at once: the connector fails over to the other node by itself, and must have
        // converged there long before this node comes back.
        heal.now();
        tokio::time::sleep(Duration::from_secs(10)).await;
        let during = crate::audit::snapshot(&self.audit).node;
        self.control.start_node(node).await?;
        Ok(format!(
            "{} node stopped for 10 s, then started again; the connector's last request while it was down went to the {during} node",
            node.name()
        ))
    }

    async fn xmpp_drop(&mut self, heal: &mut Heal<'_>) -> anyhow::Result<String> {
        let node = self.active_node();
        heal.struck = Instant::now();
        self.control.drop_xmpp(node).await?;
        heal.now();
        Ok(format!(
            "every XMPP session of the {} node cut",
            node.name()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The heal reaches the driver the moment it happens, not when the fault's tail (a restart
    /// of the stopped node 10 s later, of the killed member) is over: the convergence check
    /// used to start only then, so a node stop could never converge in under 10 s.
    #[tokio::test]
    async fn the_heal_is_reported_at_once_and_only_once() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut heal = Heal {
            tx: &tx,
            struck: Instant::now(),
            healed: None,
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        heal.strike_now();
        let Ok(FaultEvent::Healed { healed }) = rx.try_recv() else {
            panic!("no heal reported");
        };
        assert_eq!(heal.healed, Some(healed));
        assert_eq!(
            heal.struck, healed,
            "a forced close strikes when it is asked for"
        );
        heal.now();
        heal.strike_now();
        assert!(rx.try_recv().is_err(), "reported once");
    }
}
