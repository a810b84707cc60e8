//! Per-agent lanes: an agent's Finesse and recording requests run one after the other, so
//! Finesse (and the recording controller) see them in the order the client sent them, while
//! different agents' requests run side by side.
//!
//! The requests are futures polled by the driver itself (its select loop awaits
//! [`Lanes::next`]), not tasks: a request's result becomes the driver's next input without a
//! task of its own, a channel into it and a channel back, which were most of a command's
//! hand-offs. An agent with a request running has a queue of the ones waiting behind it; the
//! next starts when the one before it ends, and the queue goes with the last. Polling never
//! blocks, so a slow Finesse only leaves its futures pending: the driver goes on with other
//! inputs.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;

use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use gc_core::Input;
use gc_protocol::AgentId;

/// A request on an agent's lane; it ends with the input the engine must hear.
type Job = Pin<Box<dyn Future<Output = (AgentId, Input)> + Send>>;

/// The lanes of the agents with requests under way.
#[derive(Default)]
pub(super) struct Lanes {
    /// Requests running, one per agent at most.
    running: FuturesUnordered<Job>,
    /// For each agent with a request running, the ones waiting behind it, in order.
    waiting: HashMap<AgentId, VecDeque<Job>>,
}

impl Lanes {
    /// Runs `job` after every job queued before it for `agent`; its output comes out of
    /// [`Lanes::next`].
    pub(super) fn run(
        &mut self,
        agent: &AgentId,
        job: impl Future<Output = Input> + Send + 'static,
    ) {
        let lane = agent.clone();
        let job: Job = Box::pin(async move { (lane, job.await) });
        match self.waiting.get_mut(agent) {
            Some(queue) => queue.push_back(job),
            None => {
                self.waiting.insert(agent.clone(), VecDeque::new());
                self.running.push(job);
            }
        }
    }

    /// The output of the next request to end (its agent's next request starts); pending while
    /// none has ended, and forever when none is under way (for `select!`).
    pub(super) async fn next(&mut self) -> Input {
        match self.running.next().await {
            Some((agent, input)) => {
                self.started_next(&agent);
                input
            }
            None => std::future::pending().await,
        }
    }

    /// Starts `agent`'s next request after one ended, or closes its lane.
    fn started_next(&mut self, agent: &AgentId) {
        match self.waiting.get_mut(agent).and_then(VecDeque::pop_front) {
            Some(job) => self.running.push(job),
            None => {
                self.waiting.remove(agent);
            }
        }
    }

    /// Agents with requests under way.
    pub(super) fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Requests running or waiting, over all lanes.
    pub(super) fn busy(&self) -> usize {
        self.running.len() + self.waiting.values().map(VecDeque::len).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use gc_core::Input;

    use super::*;

    /// A recognisable input: a timer named after the job.
    fn marked(name: String) -> Input {
        Input::Timer(gc_core::TimerId::Request(name))
    }

    fn mark(input: &Input) -> String {
        match input {
            Input::Timer(gc_core::TimerId::Request(name)) => name.clone(),
            _ => panic!("unexpected input"),
        }
    }

    #[tokio::test]
    async fn jobs_of_one_agent_run_in_order_others_alongside_and_idle_lanes_close() {
        let mut lanes = Lanes::default();
        let first = AgentId::parse("1001").unwrap();
        let second = AgentId::parse("1002").unwrap();
        for i in 0..5u64 {
            lanes.run(&first, async move {
                // Later jobs are quicker: only the lane keeps them in order.
                tokio::time::sleep(Duration::from_millis(10 * (5 - i))).await;
                marked(format!("a{i}"))
            });
        }
        // Another agent's job does not wait for the first agent's.
        lanes.run(&second, async { marked("b0".into()) });
        assert_eq!((lanes.len(), lanes.busy()), (2, 6));
        let mut order = Vec::new();
        for _ in 0..6 {
            order.push(mark(&lanes.next().await));
        }
        assert_eq!(order, ["b0", "a0", "a1", "a2", "a3", "a4"]);
        assert_eq!((lanes.len(), lanes.busy()), (0, 0));
        // With nothing under way, `next` waits (the driver's select goes on with other work).
        assert!(
            tokio::time::timeout(Duration::from_millis(20), lanes.next())
                .await
                .is_err()
        );
        // A lane opens again for new work.
        lanes.run(&first, async { marked("a5".into()) });
        assert_eq!(mark(&lanes.next().await), "a5");
    }
}
