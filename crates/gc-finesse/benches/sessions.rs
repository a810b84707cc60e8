//! Resident memory per agent notification session, measured against finesse-sim.
//!
//! `cargo bench -p gc-finesse --bench sessions` (set `GC_BENCH_SESSIONS`, default 10000).
//!
//! The simulator runs in child processes (this same binary, re-executed with
//! `GC_BENCH_SIM_CHILD=<n>`; one per 5,000 sessions, because the simulator keeps two file
//! descriptors per XMPP connection and a process may hold 20,000 here), so its per-connection
//! memory does not count against ours. The
//! parent measures its own RSS, opens N plain-TCP sessions (SASL, bind, presence), waits until
//! all are connected, measures again and prints the difference per session.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench program: fail loudly
#![allow(clippy::cast_precision_loss)] // KiB and session counts are far below 2^52

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::ExponentialBuilder;
use finesse_sim::{Cluster, DirectorySource, NodeId as SimNode, SimConfig};
use gc_finesse::failover::NodeId;
use gc_finesse::tls::TlsSettings;
use gc_finesse::xmpp::ActiveEndpoint;
use gc_finesse::{
    Credentials, SessionEvent, SessionEventKind, XmppConfig, XmppEndpoint, XmppSecurity,
    XmppSession,
};
use gc_protocol::{AgentId, Password};
use tokio::sync::{mpsc, watch};

const CHILD: &str = "GC_BENCH_SIM_CHILD";

fn main() {
    if let Ok(n) = std::env::var(CHILD) {
        run_simulator(n.parse().unwrap());
        return;
    }
    let n: usize = std::env::var("GC_BENCH_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    // The simulator keeps two descriptors per XMPP connection and the machine caps a process
    // at 20,000, so one simulator process per 5,000 sessions.
    let mut sims = Vec::new();
    for _ in 0..n.div_ceil(5_000).max(1) {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(CHILD, n.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let mut parts = line.split_whitespace();
        let xmpp_addr: std::net::SocketAddr = parts.next().unwrap().parse().unwrap();
        let domain = parts.next().unwrap().to_owned();
        sims.push((child, xmpp_addr, domain));
    }
    let targets: Vec<_> = sims
        .iter()
        .map(|(c, a, d)| (c.id(), *a, d.clone()))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(measure(n, targets));
    for (mut child, _, _) in sims {
        // Closing stdin tells the simulator child to exit.
        drop(child.stdin.take());
        let _ = child.wait();
    }
}

async fn measure(n: usize, sims: Vec<(u32, std::net::SocketAddr, String)>) {
    let mut config = XmppConfig::new(&TlsSettings::default()).unwrap();
    config.connect_timeout = Duration::from_mins(1);
    config.backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_millis(2500))
        .with_jitter()
        .without_max_times();
    let config = Arc::new(config);
    // Keep the senders alive for the whole run: a closed watch ends the sessions.
    let (_senders, receivers): (Vec<_>, Vec<_>) = sims
        .iter()
        .map(|(_, addr, domain)| {
            let endpoint = XmppEndpoint::new(
                addr.ip().to_string(),
                addr.port(),
                domain.clone(),
                XmppSecurity::Plain,
            );
            watch::channel(Some(ActiveEndpoint {
                node: NodeId::Primary,
                endpoint: Arc::new(endpoint),
            }))
        })
        .unzip();
    let (tx, mut rx) = mpsc::channel::<SessionEvent>(4096);
    let (connected_tx, mut connected_rx) = mpsc::unbounded_channel();
    let last_error = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let errors = last_error.clone();
    tokio::spawn(async move {
        let mut connected = 0usize;
        let mut disconnects = 0usize;
        while let Some(event) = rx.recv().await {
            match event.kind {
                SessionEventKind::Connected { .. } => {
                    connected += 1;
                    errors.lock().unwrap().remove(&event.agent);
                    let _ = connected_tx.send((connected, disconnects));
                }
                SessionEventKind::Disconnected { error, .. } => {
                    disconnects += 1;
                    errors
                        .lock()
                        .unwrap()
                        .insert(event.agent, error.to_string());
                }
                SessionEventKind::AuthFailed(e) => {
                    errors.lock().unwrap().insert(event.agent, e.to_string());
                }
                _ => {}
            }
        }
    });

    // Warm the allocator and the runtime with a few sessions, then take the baseline.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_kib("self");
    let started = Instant::now();
    let mut sessions = Vec::with_capacity(n);
    let mut last = (0, 0);
    for i in 0..n {
        let agent = AgentId::parse(&format!("{}", 10_001 + i)).unwrap();
        let creds = Credentials::new(agent, Password::new("secret"));
        let nodes = receivers[i % receivers.len()].clone();
        sessions.push(XmppSession::spawn(creds, config.clone(), nodes, tx.clone()));
        // Pace the logins the way a connector start-up would (at most ~500 handshakes in
        // flight), instead of 10,000 SYNs at once into the simulator's accept queue.
        while sessions.len() > last.0 + 500 {
            match tokio::time::timeout(Duration::from_mins(1), connected_rx.recv()).await {
                Ok(Some(progress)) => last = progress,
                _ => break,
            }
        }
    }
    let deadline = Instant::now() + Duration::from_mins(5);
    while last.0 < n && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(90), connected_rx.recv()).await {
            Ok(Some(progress)) => last = progress,
            _ => break,
        }
    }
    let connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib("self");
    let sim: u64 = sims
        .iter()
        .map(|(pid, _, _)| rss_kib(&pid.to_string()))
        .sum();
    let per_session = (after.saturating_sub(before)) as f64 * 1024.0 / last.0.max(1) as f64;
    println!("sessions requested:      {n}");
    println!(
        "sessions connected:      {} (reconnects seen: {})",
        last.0, last.1
    );
    println!("time to connect all:     {connect_time:.1?}");
    println!("connector RSS before:    {before} KiB");
    println!("connector RSS after:     {after} KiB");
    println!(
        "RSS per session:         {:.0} bytes ({:.1} KiB)",
        per_session,
        per_session / 1024.0
    );
    println!("simulator RSS ({} procs): {sim} KiB", sims.len());
    println!("open files (connector):  {}", open_files("self"));
    let errors = last_error.lock().unwrap();
    if !errors.is_empty() {
        println!("sessions with a last error: {}", errors.len());
        for (agent, error) in errors.iter().take(5) {
            println!("  {agent}: {error}");
        }
    }
    let _ = std::io::stdout().flush();
    for s in sessions.drain(..) {
        drop(s);
    }
}

/// Number of open file descriptors of a process, with its soft limit.
fn open_files(pid: &str) -> String {
    let count = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
    let limit = std::fs::read_to_string(format!("/proc/{pid}/limits"))
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|x| x.starts_with("Max open files"))
                .map(|x| x.split_whitespace().nth(3).unwrap_or("?").to_owned())
        })
        .unwrap_or_default();
    format!("{count} (limit {limit})")
}

/// VmRSS of `/proc/<pid>/status`, in KiB (0 if unavailable).
fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn run_simulator(n: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let config = SimConfig {
            directory: DirectorySource::Generated(n),
            ..SimConfig::default()
        };
        let cluster = Cluster::start(config).await.unwrap();
        let node = cluster.node(SimNode::Primary);
        println!("{} {}", node.xmpp_addr, node.xmpp_domain);
        let _ = std::io::stdout().flush();
        // Run until the parent closes our stdin.
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin()
                .read_line(&mut sink)
                .is_ok_and(|read| read > 0)
            {}
        })
        .await
        .unwrap();
        drop(cluster);
    });
}
