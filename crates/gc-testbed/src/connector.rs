//! A `generic-connector` child: how to start it (kept, so a tool can restart it after a
//! fault), when it is ready, whether it leads, and how to stop it.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::{Names, START, Sim, TestbedError, binary, free_port, http_get};

/// How often readiness is probed while a connector starts.
const READY_POLL: Duration = Duration::from_millis(100);

/// How to start one connector. Its settings are `GC_…` environment variables (the child's
/// environment is cleared first, so nothing of the tool's own leaks in).
#[derive(Clone)]
pub struct ConnectorSpec {
    /// The `generic-connector` binary.
    pub bin: PathBuf,
    /// `instance.id`, also how the tools name it in their output.
    pub instance: String,
    /// `GC_…` settings.
    pub env: Vec<(String, String)>,
    /// Its health and metrics listener.
    pub http: SocketAddr,
    /// Its `RUST_LOG`.
    pub log: String,
    /// A program (and its arguments) to run it under, e.g. `valgrind --tool=callgrind`.
    pub prefix: Vec<String>,
}

impl ConnectorSpec {
    /// A connector named `instance` on the broker at `amqp_url` with the run's `names`,
    /// against `sim` (its primary and, when it has one, its secondary node, plain XMPP), with
    /// its HTTP listener on a free loopback port, a 3-s shutdown grace and `RUST_LOG=warn`.
    pub fn new(
        bin_dir: &Path,
        instance: &str,
        amqp_url: &str,
        names: &Names,
        sim: &Sim,
    ) -> Result<Self, TestbedError> {
        let http = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let primary = sim.primary();
        let mut spec = Self {
            bin: binary(bin_dir, "generic-connector")?,
            instance: instance.to_owned(),
            env: Vec::new(),
            http,
            log: "warn".to_owned(),
            prefix: Vec::new(),
        }
        .with_env("GC_INSTANCE__ID", instance)
        .with_env("GC_BROKER__URL", amqp_url)
        .with_env("GC_BROKER__COMMAND_QUEUE", &names.commands)
        .with_env("GC_BROKER__COMMAND_EXCHANGE", &names.commands)
        .with_env("GC_BROKER__CLIENTS_EXCHANGE", &names.clients)
        .with_env("GC_BROKER__EVENTS_EXCHANGE", &names.events)
        .with_env("GC_BROKER__DEAD_LETTER_QUEUE", &names.dlq)
        .with_env("GC_BROKER__SYNC_EXCHANGE", &names.sync)
        .with_env("GC_BROKER__LEADER_QUEUE", &names.leader)
        .with_env("GC_FINESSE__PRIMARY_URL", &primary.rest)
        .with_env("GC_FINESSE__PRIMARY_XMPP", &primary.xmpp)
        .with_env("GC_FINESSE__XMPP_DOMAIN", &sim.domain)
        .with_env("GC_FINESSE__XMPP_SECURITY", "plain")
        .with_env("GC_HTTP__LISTEN", &http.to_string())
        .with_env("GC_SHUTDOWN__GRACE_SECS", "3");
        if let Some(secondary) = sim.secondary() {
            spec = spec
                .with_env("GC_FINESSE__SECONDARY_URL", &secondary.rest)
                .with_env("GC_FINESSE__SECONDARY_XMPP", &secondary.xmpp);
        }
        Ok(spec)
    }

    /// One more setting (or another value for one already set: the last one counts).
    #[must_use]
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Starts it and waits until `/readyz` answers 200 (at most [`START`]). The child is
    /// killed when it is dropped.
    pub async fn start(&self) -> Result<Child, TestbedError> {
        let mut command = match self.prefix.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(&self.bin);
                command
            }
            None => Command::new(&self.bin),
        };
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", &self.log)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let child = command
            .spawn()
            .map_err(TestbedError::io(format!("starting {}", self.instance)))?;
        let deadline = Instant::now() + START;
        while http_get(self.http, "/readyz")
            .await
            .map(|(status, _)| status)
            != Some(200)
        {
            if Instant::now() >= deadline {
                return Err(TestbedError::NotReady {
                    instance: self.instance.clone(),
                    patience: START,
                });
            }
            tokio::time::sleep(READY_POLL).await;
        }
        Ok(child)
    }

    /// Whether it says it leads its group (`gc_leader 1` in its metrics).
    pub async fn leads(&self) -> bool {
        let Some((200, body)) = http_get(self.http, "/metrics").await else {
            return false;
        };
        body.lines().any(|l| l.trim() == "gc_leader 1")
    }
}

/// Settings are listed by name only: the broker URL's password and a sync key are secrets.
impl fmt::Debug for ConnectorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectorSpec")
            .field("bin", &self.bin)
            .field("instance", &self.instance)
            .field("env", &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("http", &self.http)
            .field("log", &self.log)
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// Sends SIGTERM (a graceful shutdown), through `kill(1)`: the workspace forbids the `unsafe`
/// of a libc call. Nothing happens when the child has already been reaped.
pub fn terminate(child: &Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .stdin(Stdio::null())
            .status();
    }
}

/// SIGTERM, so a profiler around the connector can write its output, then SIGKILL when it has
/// not exited within `patience`.
pub async fn stop(mut child: Child, patience: Duration) {
    terminate(&child);
    if tokio::time::timeout(patience, child.wait()).await.is_err() {
        let _ = child.kill().await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::process::Command;

    use super::{stop, terminate};

    #[tokio::test]
    async fn stop_ends_a_child_with_sigterm() {
        let child = Command::new("sleep")
            .arg("30")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        stop(child, Duration::from_secs(20)).await;
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn terminate_asks_for_a_graceful_exit() {
        let mut child = Command::new("sleep")
            .arg("30")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        terminate(&child);
        let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .unwrap()
            .unwrap();
        // Ended by signal 15, not 9.
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(15)
        );
    }
}
