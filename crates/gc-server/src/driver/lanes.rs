//! Per-agent lanes: an agent's Finesse and recording requests run one after the other, so
//! Finesse (and the recording controller) see them in the order the client sent them, while
//! different agents' requests run side by side.
//!
//! A lane is a task with a queue; it exists while it has work. Idle lanes are closed on the
//! driver's tick, so the number of lanes follows the agents with requests under way, not every
//! agent that was ever seen.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use gc_protocol::AgentId;
use tokio::sync::mpsc;

/// A request to run on an agent's lane.
pub(super) type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

struct Lane {
    jobs: mpsc::UnboundedSender<Job>,
    /// Jobs queued or running.
    queued: Arc<AtomicUsize>,
}

/// The lanes of the agents with work under way.
#[derive(Default)]
pub(super) struct Lanes {
    lanes: HashMap<AgentId, Lane>,
}

impl Lanes {
    /// Runs `job` after every job queued before it for `agent`.
    pub(super) fn run(&mut self, agent: &AgentId, job: Job) {
        let lane = self.lanes.entry(agent.clone()).or_insert_with(|| {
            let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
            let queued = Arc::new(AtomicUsize::new(0));
            let done = queued.clone();
            tokio::spawn(async move {
                while let Some(job) = rx.recv().await {
                    job.await;
                    done.fetch_sub(1, Ordering::AcqRel);
                }
            });
            Lane { jobs, queued }
        });
        lane.queued.fetch_add(1, Ordering::AcqRel);
        if lane.jobs.send(job).is_err() {
            // The worker ended (the runtime is going down): nothing will run it.
            lane.queued.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Closes the lanes with nothing queued or running. Only the driver adds jobs, and it is
    /// the caller, so a lane found idle here cannot receive a job before it is dropped.
    pub(super) fn prune(&mut self) {
        self.lanes
            .retain(|_, lane| lane.queued.load(Ordering::Acquire) > 0);
    }

    /// Open lanes.
    pub(super) fn len(&self) -> usize {
        self.lanes.len()
    }

    /// Jobs queued or running, over all lanes.
    pub(super) fn busy(&self) -> usize {
        self.lanes
            .values()
            .map(|lane| lane.queued.load(Ordering::Acquire))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn jobs_of_one_agent_run_in_order_and_idle_lanes_close() {
        let mut lanes = Lanes::default();
        let agent = AgentId::parse("1001").unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        for i in 0..5u64 {
            let tx = tx.clone();
            lanes.run(
                &agent,
                Box::pin(async move {
                    // Later jobs are quicker: only the lane keeps them in order.
                    tokio::time::sleep(Duration::from_millis(10 * (5 - i))).await;
                    let _ = tx.send(i);
                }),
            );
        }
        let mut order = Vec::new();
        for _ in 0..5 {
            order.push(rx.recv().await.unwrap());
        }
        assert_eq!(order, [0, 1, 2, 3, 4]);
        assert_eq!(lanes.len(), 1);
        // The counter drops right after the last job's future completes.
        for _ in 0..100 {
            if lanes.busy() == 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
        lanes.prune();
        assert_eq!(lanes.len(), 0);
    }
}
