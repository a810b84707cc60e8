//! The processes under test: a two-node `finesse-sim`, a redundant pair of
//! `generic-connector`s, and the soak's own RabbitMQ node (driven through
//! `scripts/rabbitmq-soak-node`). Every child dies with this process (`kill_on_drop`); every
//! wait is bounded.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::Instant;

/// How long a child may take to come up.
const START: Duration = Duration::from_mins(1);

/// Broker names of one run (unique, so a rerun never meets an old run's queues).
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

/// The running simulator (two nodes).
#[derive(Debug)]
pub(crate) struct Sim {
    child: Child,
    pub(crate) control: String,
    /// `(rest, xmpp)` of the primary and the secondary node.
    pub(crate) nodes: Vec<(String, String)>,
    pub(crate) domain: String,
    dir: PathBuf,
}

impl Sim {
    /// `agents` generated agents (`10001…`, extensions `40001…`, password `secret`), two nodes,
    /// an event log large enough for the audit to read every request between two polls.
    pub(crate) async fn start(bin_dir: &Path, agents: usize, run: &str) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("gc-soak-{run}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let config = dir.join("sim.toml");
        std::fs::write(
            &config,
            format!(
                "grace_period_secs = 60.0\nevent_log_capacity = 200000\n\
                 directory = {{ generated = {agents} }}\n"
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
        let (mut nodes, mut control, mut domain) = (Vec::new(), None, String::new());
        let deadline = Instant::now() + START;
        while control.is_none() {
            let line = tokio::time::timeout_at(deadline, lines.next_line())
                .await
                .context("finesse-sim did not print its addresses in time")??
                .context("finesse-sim exited at start")?;
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["control", url, ..] => control = Some((*url).to_owned()),
                [_, "REST", rest, "XMPP", xmpp, "(domain", d] => {
                    nodes.push(((*rest).to_owned(), (*xmpp).to_owned()));
                    d.trim_end_matches(')').clone_into(&mut domain);
                }
                _ => {}
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        if nodes.len() != 2 {
            bail!("finesse-sim printed {} nodes, expected two", nodes.len());
        }
        Ok(Self {
            child,
            control: control.unwrap_or_default(),
            nodes,
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

/// How to start a member of the redundant pair (kept to restart it after a fault).
#[derive(Clone, Debug)]
pub(crate) struct ConnectorSpec {
    pub(crate) bin: PathBuf,
    pub(crate) instance: String,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) http: SocketAddr,
}

impl ConnectorSpec {
    /// The settings shared by both members; `instance` and the HTTP port differ.
    pub(crate) fn pair(
        bin_dir: &Path,
        amqp_url: &str,
        names: &Names,
        sim: &Sim,
    ) -> anyhow::Result<[Self; 2]> {
        let bin = binary(bin_dir, "generic-connector")?;
        let key = sync_key()?;
        let env = |instance: &str, http: SocketAddr| {
            let mut env: Vec<(String, String)> = [
                ("GC_INSTANCE__ID", instance),
                ("GC_BROKER__URL", amqp_url),
                ("GC_BROKER__COMMAND_QUEUE", &names.commands),
                ("GC_BROKER__COMMAND_EXCHANGE", &names.commands),
                ("GC_BROKER__CLIENTS_EXCHANGE", &names.clients),
                ("GC_BROKER__EVENTS_EXCHANGE", &names.events),
                ("GC_BROKER__DEAD_LETTER_QUEUE", &names.dlq),
                ("GC_BROKER__SYNC_EXCHANGE", &names.sync),
                ("GC_BROKER__LEADER_QUEUE", &names.leader),
                ("GC_FINESSE__PRIMARY_URL", &sim.nodes[0].0),
                ("GC_FINESSE__PRIMARY_XMPP", &sim.nodes[0].1),
                ("GC_FINESSE__SECONDARY_URL", &sim.nodes[1].0),
                ("GC_FINESSE__SECONDARY_XMPP", &sim.nodes[1].1),
                ("GC_FINESSE__XMPP_DOMAIN", &sim.domain),
                ("GC_FINESSE__XMPP_SECURITY", "plain"),
                ("GC_FINESSE__PROBE_INTERVAL_SECS", "1"),
                ("GC_REDUNDANCY__ENABLED", "true"),
                ("GC_REDUNDANCY__SYNC_KEY", &key),
                ("GC_SHUTDOWN__GRACE_SECS", "3"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
            env.push(("GC_HTTP__LISTEN".into(), http.to_string()));
            env
        };
        let mk = |suffix: &str| -> anyhow::Result<Self> {
            let instance = format!("soak-{suffix}");
            let http = SocketAddr::from(([127, 0, 0, 1], free_port()?));
            Ok(Self {
                bin: bin.clone(),
                env: env(&instance, http),
                instance,
                http,
            })
        };
        Ok([mk("a")?, mk("b")?])
    }

    /// Starts the member and waits until `/readyz` answers 200.
    pub(crate) async fn start(&self) -> anyhow::Result<Child> {
        let mut command = Command::new(&self.bin);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "RUST_LOG",
                std::env::var("GC_SOAK_CONNECTOR_LOG")
                    .unwrap_or_else(|_| "warn,lapin=error".into()),
            )
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", self.instance))?;
        let deadline = Instant::now() + START;
        while http_get(self.http, "/readyz").await.map(|(s, _)| s) != Some(200) {
            if Instant::now() >= deadline {
                bail!("{} was not ready within {START:?}", self.instance);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(child)
    }

    /// Whether the member says it leads (`gc_leader 1` in its metrics).
    pub(crate) async fn leads(&self) -> bool {
        let Some((200, body)) = http_get(self.http, "/metrics").await else {
            return false;
        };
        body.lines().any(|l| l.trim() == "gc_leader 1")
    }
}

/// A random 32-byte sync key, base64 (never printed).
fn sync_key() -> anyhow::Result<String> {
    let mut key = [0u8; 32];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").context("opening /dev/urandom")?,
        &mut key,
    )?;
    Ok(base64::engine::general_purpose::STANDARD.encode(key))
}

/// `scripts/rabbitmq-soak-node ctl ARGS`, bounded in time; its standard output.
pub(crate) async fn rabbitmqctl(script: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = tokio::time::timeout(
        Duration::from_mins(2),
        Command::new(script)
            .arg("ctl")
            .args(args)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .with_context(|| format!("rabbitmqctl {args:?} did not end within 2 minutes"))??;
    if !output.status.success() {
        bail!(
            "rabbitmqctl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A workspace binary in `bin_dir`.
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
    let exe = std::env::current_exe().context("locating gc-soak's executable")?;
    exe.parent()
        .map(Path::to_path_buf)
        .context("gc-soak's executable has no directory")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Status and body of a plain HTTP/1.0 GET, bounded to 2 s and 256 KiB.
pub(crate) async fn http_get(address: SocketAddr, path: &str) -> Option<(u16, String)> {
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut raw = Vec::new();
        stream.take(256 * 1024).read_to_end(&mut raw).await.ok()?;
        let text = String::from_utf8_lossy(&raw);
        let status = text.split_whitespace().nth(1)?.parse().ok()?;
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Some((status, body))
    };
    tokio::time::timeout(Duration::from_secs(2), probe)
        .await
        .ok()
        .flatten()
}

/// Resident memory of a process in KiB (`VmRSS`), when procfs tells.
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}
