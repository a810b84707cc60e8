//! The engine: one task that applies every write to the [`World`] in order, like Finesse
//! serialising requests towards the CTI server, and turns the resulting effects into
//! notifications and timers.
//!
//! REST handlers validate synchronously (under the lock), answer 202, and hand the rest to the
//! engine; the outcome arrives later as a notification. Reads take the lock directly.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{mpsc, oneshot};

use crate::error::SimError;
use crate::notify::Hub;
use crate::state::{Effect, Now, Out, Timer, World};

/// A write to apply on the engine.
pub(crate) type Op = Box<dyn FnOnce(&mut World, &Now, &mut Out) + Send>;

/// Work for the engine task.
pub(crate) enum Job {
    Op(Op),
    Timer(Timer),
    Presence { user: String, sessions: u32 },
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Op(_) => f.write_str("Op"),
            Self::Timer(t) => write!(f, "Timer({t:?})"),
            Self::Presence { user, sessions } => write!(f, "Presence({user}, {sessions})"),
        }
    }
}

/// Handle to the engine and the shared state.
#[derive(Debug, Clone)]
pub(crate) struct Engine {
    tx: mpsc::UnboundedSender<Job>,
    world: Arc<Mutex<World>>,
    hub: Arc<Hub>,
}

impl Engine {
    /// Starts the engine task. `tx` must be the sender whose receiver is `rx` (the hub holds
    /// a clone to report presence).
    pub(crate) fn start(
        world: World,
        hub: Arc<Hub>,
        tx: mpsc::UnboundedSender<Job>,
        rx: mpsc::UnboundedReceiver<Job>,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let engine = Self {
            tx,
            world: Arc::new(Mutex::new(world)),
            hub,
        };
        let task = tokio::spawn(engine.clone().run(rx));
        (engine, task)
    }

    pub(crate) fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// Locks the state for a read or a synchronous check. Poisoning cannot leave the state
    /// half-written in a way that matters more than stopping would, so it is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a write; its outcome is published as notifications.
    pub(crate) fn submit(
        &self,
        op: impl FnOnce(&mut World, &Now, &mut Out) + Send + 'static,
    ) -> Result<(), SimError> {
        self.tx
            .send(Job::Op(Box::new(op)))
            .map_err(|_| SimError::ShuttingDown)
    }

    /// Queues a write and waits for its result (control API).
    pub(crate) async fn call<R: Send + 'static>(
        &self,
        op: impl FnOnce(&mut World, &Now, &mut Out) -> R + Send + 'static,
    ) -> Result<R, SimError> {
        let (reply, result) = oneshot::channel();
        self.submit(move |world, now, out| {
            let _ = reply.send(op(world, now, out));
        })?;
        result.await.map_err(|_| SimError::ShuttingDown)
    }

    async fn run(self, mut rx: mpsc::UnboundedReceiver<Job>) {
        while let Some(job) = rx.recv().await {
            let now = Now::current();
            let mut out = Out::default();
            {
                let mut world = self.lock();
                match job {
                    Job::Op(op) => op(&mut world, &now, &mut out),
                    Job::Timer(timer) => world.fire(&timer, &now, &mut out),
                    Job::Presence { user, sessions } => world.presence(&user, sessions, &mut out),
                }
            }
            self.apply(out);
        }
    }

    fn apply(&self, out: Out) {
        for effect in out.effects {
            match effect {
                Effect::Publish { node, update } => self.hub.publish(&node, &update),
                Effect::SystemInfo { node, update } => self.hub.publish_system_info(node, &update),
                Effect::Arm { after, timer } => {
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = tx.send(Job::Timer(timer));
                    });
                }
            }
        }
    }
}
