//! Spawning `finesse-sim` and `generic-connector` for a self-contained run, the way the
//! end-to-end harness (`tests/support/mod.rs`) does: separate processes, a generated directory
//! of agents, and broker names unique to the run so nothing collides with another user of the
//! broker. Both children die with this process (`kill_on_drop`).

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

/// How long a child may take to come up.
const START: Duration = Duration::from_mins(1);

/// Broker names of one run.
#[derive(Clone, Debug)]
pub(crate) struct Names {
    pub(crate) commands: String,
    pub(crate) clients: String,
    pub(crate) events: String,
    pub(crate) dlq: String,
    pub(crate) sync: String,
    pub(crate) leader: String,
}

impl Names {
    pub(crate) fn new(run: &str) -> Self {
        Self {
            commands: format!("{run}.commands"),
            clients: format!("{run}.clients"),
            events: format!("{run}.events"),
            dlq: format!("{run}.dlq"),
            sync: format!("{run}.sync"),
            leader: format!("{run}.leader"),
        }
    }
}

/// A running simulator.
#[derive(Debug)]
pub(crate) struct Sim {
    child: Child,
    pub(crate) control: String,
    pub(crate) rest: String,
    pub(crate) xmpp: String,
    pub(crate) domain: String,
    dir: PathBuf,
}

impl Sim {
    /// Starts `finesse-sim` with `agents` generated agents (`10001…`, extensions `40001…`,
    /// password `secret`) and one node.
    pub(crate) async fn start(bin_dir: &Path, agents: usize, run: &str) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("gc-load-{run}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let config = dir.join("sim.toml");
        // The event log is for tests; a small one keeps the simulator's work per request flat.
        std::fs::write(
            &config,
            format!(
                "grace_period_secs = 60.0\nevent_log_capacity = 1000\n\
                 directory = {{ generated = {agents} }}\n[secondary]\nenabled = false\n"
            ),
        )?;
        let mut child = Command::new(binary(bin_dir, "finesse-sim")?)
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "finesse_sim=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting finesse-sim")?;
        let stdout = child.stdout.take().context("finesse-sim's stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let (mut node, mut control, mut domain) = (None, None, String::new());
        let deadline = tokio::time::Instant::now() + START;
        while control.is_none() {
            let line = tokio::time::timeout_at(deadline, lines.next_line())
                .await
                .context("finesse-sim did not print its addresses in time")??
                .context("finesse-sim exited at start")?;
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["control", url, ..] => control = Some((*url).to_owned()),
                [_, "REST", rest, "XMPP", xmpp, "(domain", d] if node.is_none() => {
                    node = Some(((*rest).to_owned(), (*xmpp).to_owned()));
                    d.trim_end_matches(')').clone_into(&mut domain);
                }
                _ => {}
            }
        }
        // Keep reading so the simulator never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (rest, xmpp) = node.context("finesse-sim printed no node")?;
        Ok(Self {
            child,
            control: control.unwrap_or_default(),
            rest,
            xmpp,
            domain,
            dir,
        })
    }

    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running connector.
#[derive(Debug)]
pub(crate) struct Connector {
    child: Child,
    http: SocketAddr,
}

impl Connector {
    /// Starts `generic-connector` on `names`, against `sim`, and waits until `/readyz` answers
    /// 200. `prefix` runs it under another program (`valgrind --tool=callgrind …`).
    pub(crate) async fn start(
        bin_dir: &Path,
        amqp_url: &str,
        names: &Names,
        sim: &Sim,
        run: &str,
        prefix: &[String],
    ) -> anyhow::Result<Self> {
        let http = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let connector = binary(bin_dir, "generic-connector")?;
        let mut command = match prefix.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(&connector);
                c
            }
            None => Command::new(&connector),
        };
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "RUST_LOG",
                std::env::var("GC_LOAD_CONNECTOR_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .env("GC_INSTANCE__ID", run)
            .env("GC_BROKER__URL", amqp_url)
            .env("GC_BROKER__COMMAND_QUEUE", &names.commands)
            .env("GC_BROKER__COMMAND_EXCHANGE", &names.commands)
            .env("GC_BROKER__CLIENTS_EXCHANGE", &names.clients)
            .env("GC_BROKER__EVENTS_EXCHANGE", &names.events)
            .env("GC_BROKER__DEAD_LETTER_QUEUE", &names.dlq)
            .env("GC_BROKER__SYNC_EXCHANGE", &names.sync)
            .env("GC_BROKER__LEADER_QUEUE", &names.leader)
            .env("GC_FINESSE__PRIMARY_URL", &sim.rest)
            .env("GC_FINESSE__PRIMARY_XMPP", &sim.xmpp)
            .env("GC_FINESSE__XMPP_DOMAIN", &sim.domain)
            .env("GC_FINESSE__XMPP_SECURITY", "plain")
            .env("GC_HTTP__LISTEN", http.to_string())
            .env("GC_SHUTDOWN__GRACE_SECS", "3")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let child = command.spawn().context("starting generic-connector")?;
        let connector = Self { child, http };
        connector.wait_ready(START).await?;
        Ok(connector)
    }

    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    async fn wait_ready(&self, patience: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            if http_status(self.http, "/readyz").await == Some(200) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("generic-connector was not ready within {patience:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM (so a profiler around it can write its output), then SIGKILL after a while.
    pub(crate) async fn stop(mut self, patience: Duration) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        if tokio::time::timeout(patience, self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// A workspace binary next to this one (or in `bin_dir`).
fn binary(bin_dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = bin_dir.join(name);
    if !path.exists() {
        bail!(
            "{} is missing: build it first (cargo build --release -p gc-server -p finesse-sim --bins)",
            path.display()
        );
    }
    Ok(path)
}

/// The directory of this executable: the workspace's target/<profile>.
pub(crate) fn own_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("locating gc-load's executable")?;
    exe.parent()
        .map(Path::to_path_buf)
        .context("gc-load's executable has no directory")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The status code of a plain HTTP/1.0 GET (no client library needed for a health probe).
async fn http_status(address: SocketAddr, path: &str) -> Option<u16> {
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut head = vec![0; 64];
        let n = stream.read(&mut head).await.ok()?;
        let text = std::str::from_utf8(head.get(..n)?).ok()?;
        text.split_whitespace().nth(1)?.parse().ok()
    };
    tokio::time::timeout(Duration::from_secs(2), probe)
        .await
        .ok()
        .flatten()
}
