//! Load bench: N agents (default 2000) each open an XMPP session (raw stanzas: stream, SASL
//! PLAIN, bind, session, presence) and sign in over REST (PUT LOGIN), waiting for their own
//! NOT_READY notification. Measures the time until all are signed in, then, with every session
//! still open, the simulator process's sessions, file descriptors and memory (RSS now and
//! peak), and the time to fan one SystemInfo notification out to every session.
//!
//! The simulator runs as its own process (the `finesse-sim` binary), so the figures are the
//! simulator's alone: this process holds the client ends of the N sessions, the simulator the
//! server ends (one descriptor each). Run: `cargo bench -p finesse-sim --bench load`, or for a
//! contact-centre-sized deployment `cargo bench -p finesse-sim --bench load -- --agents 12000`.
//! Environment: `LOAD_AGENTS` (2000; `--agents N` wins), `LOAD_RUNS` (3), `LOAD_CONCURRENCY`
//! (200 handshakes at once). Linux only (reads /proc). Both processes need N + a few hundred
//! descriptors (`ulimit -n`).

use std::error::Error;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::{Semaphore, mpsc};

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

const TIMEOUT: Duration = Duration::from_mins(1);
/// How long a signed-in session waits for the fan-out notification (sign-in of everyone
/// else comes first).
const HOLD_TIMEOUT: Duration = Duration::from_mins(30);

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `--agents N` / `--agents=N` on the command line (after `--` with cargo bench).
fn arg_agents() -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix("--agents=")
            .map(str::to_owned)
            .or_else(|| (a == "--agents").then(|| args.get(i + 1).cloned().unwrap_or_default()))
            .and_then(|v| v.parse().ok())
    })
}

/// A process's open file descriptors: all of them, and the sockets among them whose local
/// port is the XMPP port and the REST port.
#[derive(Debug, Clone, Copy, Default)]
struct Descriptors {
    total: usize,
    xmpp: usize,
    rest: usize,
}

fn port_of(addr: &str) -> u16 {
    addr.rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap_or(0)
}

/// Counts `/proc/<pid>/fd`; sockets are matched by inode with `/proc/<pid>/net/tcp{,6}`.
fn descriptors(pid: u32, xmpp_port: u16, rest_port: u16) -> Res<Descriptors> {
    let mut sockets = std::collections::HashSet::new();
    let mut total = 0;
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))? {
        total += 1;
        // A descriptor closed since the listing is simply not counted as a socket.
        if let Ok(target) = std::fs::read_link(entry?.path())
            && let Some(inode) = target
                .to_string_lossy()
                .strip_prefix("socket:[")
                .and_then(|t| t.strip_suffix(']'))
        {
            sockets.insert(inode.to_owned());
        }
    }
    // inode -> local port of the connected (ESTABLISHED, state 01) TCP sockets. The tables
    // are read while they change and may list a socket twice: keyed by inode, it counts once.
    let mut ports = std::collections::HashMap::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}"))?;
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if let (Some(local), Some(&"01"), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
                && let Some(port) = local
                    .rsplit(':')
                    .next()
                    .and_then(|p| u16::from_str_radix(p, 16).ok())
            {
                ports.insert((*inode).to_owned(), port);
            }
        }
    }
    let mut counts = Descriptors {
        total,
        ..Descriptors::default()
    };
    for port in sockets.iter().filter_map(|inode| ports.get(inode)) {
        if *port == xmpp_port {
            counts.xmpp += 1;
        } else if *port == rest_port {
            counts.rest += 1;
        }
    }
    Ok(counts)
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn memory_kib(pid: u32) -> Res<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

struct Sim {
    child: Child,
    rest: String,
    xmpp: String,
    control: String,
    _dir: tempfile::TempDir,
}

async fn start_sim(agents: usize) -> Res<Sim> {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("load.toml");
    std::fs::write(
        &config,
        format!(
            "directory = {{ generated = {agents} }}\nevent_log_capacity = 1000\n\
             [secondary]\nenabled = false\n"
        ),
    )?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_finesse-sim"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let (mut rest, mut xmpp, mut control) = (String::new(), String::new(), String::new());
    while control.is_empty() {
        let line = tokio::time::timeout(TIMEOUT, lines.next_line())
            .await??
            .ok_or("simulator exited")?;
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.first() {
            Some(&"primary") => {
                rest = words.get(2).ok_or("no REST url")?.to_string();
                xmpp = words.get(4).ok_or("no XMPP address")?.to_string();
            }
            Some(&"control") => control = words.get(1).ok_or("no control url")?.to_string(),
            _ => {}
        }
    }
    Ok(Sim {
        child,
        rest,
        xmpp,
        control,
        _dir: dir,
    })
}

/// A bare XMPP session: reads into a text buffer and waits for markers.
struct Session {
    tcp: TcpStream,
    buf: String,
}

impl Session {
    async fn send(&mut self, text: &str) -> Res<()> {
        self.tcp.write_all(text.as_bytes()).await?;
        Ok(())
    }

    async fn wait_for(&mut self, needle: &str) -> Res<()> {
        self.wait_within(needle, TIMEOUT).await
    }

    async fn wait_within(&mut self, needle: &str, patience: Duration) -> Res<()> {
        let mut chunk = [0u8; 4096];
        while !self.buf.contains(needle) {
            let n = tokio::time::timeout(patience, self.tcp.read(&mut chunk)).await??;
            if n == 0 {
                return Err(format!("closed while waiting for {needle}").into());
            }
            self.buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
        Ok(())
    }

    async fn open(&mut self) -> Res<()> {
        self.buf.clear();
        self.send(
            "<?xml version='1.0'?><stream:stream to='finesse.local' xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
        )
        .await?;
        self.wait_for("</stream:features>").await
    }
}

/// One agent: XMPP session first (as Finesse recommends), then REST LOGIN, then its
/// notification. Returns the open session.
async fn sign_in(
    id: String,
    ext: String,
    xmpp: String,
    rest: String,
    http: reqwest::Client,
) -> Res<Session> {
    let mut s = Session {
        tcp: TcpStream::connect(&xmpp).await?,
        buf: String::new(),
    };
    s.open().await?;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("\0{id}\0secret"));
    s.send(&format!(
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>"
    ))
    .await?;
    s.wait_for("<success").await?;
    s.open().await?;
    s.send(&format!(
        "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>gc-{id}</resource></bind></iq>\
         <iq type='set' id='s'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq><presence/>"
    ))
    .await?;
    s.wait_for("finesse@").await?;
    s.buf.clear();
    let response = http
        .put(format!("{rest}/finesse/api/User/{id}"))
        .basic_auth(&id, Some("secret"))
        .header("requestId", format!("load-{id}"))
        .body(format!(
            "<User><state>LOGIN</state><extension>{ext}</extension></User>"
        ))
        .send()
        .await?;
    if response.status().as_u16() != 202 {
        return Err(format!("LOGIN {id}: {}", response.status()).into());
    }
    s.wait_for(&format!("&lt;requestId&gt;load-{id}&lt;/requestId&gt;"))
        .await?;
    if !s.buf.contains("&lt;state&gt;NOT_READY&lt;/state&gt;") {
        return Err(format!("{id}: unexpected notification {}", s.buf).into());
    }
    s.buf.clear();
    Ok(s)
}

fn http_client() -> Res<reqwest::Client> {
    // reqwest is built with rustls-no-provider: give it an explicit ring configuration.
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .pool_max_idle_per_host(256)
        .build()?)
}

struct Figures {
    seconds: f64,
    sessions: u64,
    fds_idle: usize,
    fds: Descriptors,
    rss_idle_kib: u64,
    rss_kib: u64,
    hwm_kib: u64,
    fanout_seconds: f64,
}

async fn run(agents: usize, concurrency: usize) -> Res<Figures> {
    let sim = start_sim(agents).await?;
    let pid = sim.child.id().ok_or("no pid")?;
    let (rss_idle_kib, _) = memory_kib(pid)?;
    let (xmpp_port, rest_port) = (port_of(&sim.xmpp), port_of(&sim.rest));
    let fds_idle = descriptors(pid, xmpp_port, rest_port)?.total;
    let http = http_client()?;
    let permits = Arc::new(Semaphore::new(concurrency));
    let (done_tx, mut done_rx) = mpsc::channel::<Res<()>>(agents);
    let (fanout_tx, mut fanout_rx) = mpsc::channel::<Res<()>>(agents);
    let (hold_tx, _) = tokio::sync::broadcast::channel::<()>(1);
    let started = Instant::now();
    for i in 0..agents {
        let (id, ext) = (format!("{}", 10_001 + i), format!("{}", 40_001 + i));
        let (xmpp, rest, http) = (sim.xmpp.clone(), sim.rest.clone(), http.clone());
        let permits = Arc::clone(&permits);
        let done = done_tx.clone();
        let fanout = fanout_tx.clone();
        let mut hold = hold_tx.subscribe();
        tokio::spawn(async move {
            let session = match permits.acquire().await {
                Ok(_permit) => sign_in(id, ext, xmpp, rest, http).await,
                Err(e) => Err(e.into()),
            };
            match session {
                Ok(mut session) => {
                    let _ = done.send(Ok(())).await;
                    // The SystemInfo of the fan-out measurement.
                    let seen = session.wait_within("OUT_OF_SERVICE", HOLD_TIMEOUT).await;
                    let _ = fanout.send(seen).await;
                    // Keep the session open until the measurement is over.
                    let _ = hold.recv().await;
                    drop(session);
                }
                Err(e) => {
                    let _ = done.send(Err(e)).await;
                }
            }
        });
    }
    drop(done_tx);
    drop(fanout_tx);
    for _ in 0..agents {
        done_rx.recv().await.ok_or("an agent task vanished")??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let fds = descriptors(pid, xmpp_port, rest_port)?;
    // Every agent is signed in with an open session: check it from the simulator's side.
    let health: serde_json::Value = http
        .get(format!("{}/health", sim.control))
        .send()
        .await?
        .json()
        .await?;
    let sessions = health["xmppSessions"].as_u64().unwrap_or(0);
    if sessions != agents as u64 {
        return Err(format!("the simulator reports {sessions} sessions, expected {agents}").into());
    }
    let states: Vec<serde_json::Value> = http
        .get(format!("{}/agents", sim.control))
        .send()
        .await?
        .json()
        .await?;
    let signed_in = states.iter().filter(|a| a["state"] == "NOT_READY").count();
    if signed_in != agents {
        return Err(format!("{signed_in} of {agents} agents are NOT_READY").into());
    }
    let (rss_kib, hwm_kib) = memory_kib(pid)?;
    // Fan-out: one SystemInfo (the node goes OUT_OF_SERVICE) to every session.
    let fanout_started = Instant::now();
    let answer = http
        .put(format!("{}/nodes/primary/status", sim.control))
        .json(&serde_json::json!({"status": "OUT_OF_SERVICE"}))
        .send()
        .await?;
    if !answer.status().is_success() {
        return Err(format!("set status: {}", answer.status()).into());
    }
    for _ in 0..agents {
        fanout_rx.recv().await.ok_or("an agent task vanished")??;
    }
    let fanout_seconds = fanout_started.elapsed().as_secs_f64();
    let _ = hold_tx.send(());
    drop(sim);
    Ok(Figures {
        seconds,
        sessions,
        fds_idle,
        fds,
        rss_idle_kib,
        rss_kib,
        hwm_kib,
        fanout_seconds,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

#[allow(clippy::cast_precision_loss)]
fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[allow(clippy::cast_precision_loss)] // figures for humans: counts far below 2^52
#[tokio::main]
async fn main() -> Res<()> {
    // Under `cargo test --benches` (no `--bench` argument) run a small smoke version.
    let full = std::env::args().any(|a| a == "--bench");
    let agents =
        arg_agents().unwrap_or_else(|| env_usize("LOAD_AGENTS", if full { 2000 } else { 50 }));
    let runs = env_usize("LOAD_RUNS", if full { 3 } else { 1 }).max(1);
    let concurrency = env_usize("LOAD_CONCURRENCY", 200).max(1);
    println!("finesse-sim load: {agents} agents, XMPP session + REST LOGIN each, {runs} runs");
    let mut all = Vec::new();
    for run_no in 1..=runs {
        let f = run(agents, concurrency).await?;
        println!(
            "run {run_no}: all signed in after {:.2} s ({:.0} logins/s); simulator holds {} \
             XMPP sessions; {} file descriptors open (idle {}): {} XMPP connections ({:.2} per \
             session), {} REST connections, {} other; RSS {:.1} MiB (idle {:.1} MiB, peak {:.1} \
             MiB); SystemInfo to every session in {:.2} s",
            f.seconds,
            agents as f64 / f.seconds,
            f.sessions,
            f.fds.total,
            f.fds_idle,
            f.fds.xmpp,
            f.fds.xmpp as f64 / f.sessions.max(1) as f64,
            f.fds.rest,
            f.fds.total.saturating_sub(f.fds.xmpp + f.fds.rest),
            mib(f.rss_kib),
            mib(f.rss_idle_kib),
            mib(f.hwm_kib),
            f.fanout_seconds,
        );
        all.push(f);
    }
    println!(
        "median: {:.2} s to sign in {agents} agents; {} descriptors with all sessions open \
         ({} of them XMPP connections; idle {}); RSS {:.1} MiB (peak {:.1} MiB, {:.1} KiB per session above idle); \
         SystemInfo fan-out {:.2} s",
        median(all.iter().map(|f| f.seconds).collect()),
        median(all.iter().map(|f| f.fds.total as f64).collect()),
        median(all.iter().map(|f| f.fds.xmpp as f64).collect()),
        median(all.iter().map(|f| f.fds_idle as f64).collect()),
        median(all.iter().map(|f| mib(f.rss_kib)).collect()),
        median(all.iter().map(|f| mib(f.hwm_kib)).collect()),
        median(
            all.iter()
                .map(|f| (f.rss_kib.saturating_sub(f.rss_idle_kib)) as f64 / agents as f64)
                .collect()
        ),
        median(all.iter().map(|f| f.fanout_seconds).collect()),
    );
    Ok(())
}
