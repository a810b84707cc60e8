//! One file descriptor per connection: the `finesse-sim` binary, in its own process, holds one
//! descriptor per XMPP session and per REST connection, and gives them back when the clients
//! go. (It once kept a duplicate of every socket for cutting connections when a node stops:
//! two descriptors per session, so one process stopped near 10,000 sessions under a
//! 20,000-descriptor limit.) Linux only: counts `/proc/<pid>/fd`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{PATIENCE, Xmpp};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

const SESSIONS: usize = 300;
const REST_CONNECTIONS: usize = 40;
/// Descriptors the process may open or close by itself between two counts.
const SLACK: usize = 8;

struct Sim {
    child: Child,
    rest: String,
    xmpp: String,
    control: String,
    _dir: tempfile::TempDir,
}

async fn start_sim(agents: usize) -> Sim {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sim.toml");
    std::fs::write(
        &config,
        format!("directory = {{ generated = {agents} }}\n[secondary]\nenabled = false\n"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_finesse-sim"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut rest, mut xmpp, mut control) = (String::new(), String::new(), String::new());
    while control.is_empty() {
        let line = tokio::time::timeout(PATIENCE, lines.next_line())
            .await
            .expect("the binary prints its addresses")
            .unwrap()
            .expect("the binary keeps running");
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.first() {
            Some(&"primary") => {
                words[2].trim_start_matches("http://").clone_into(&mut rest);
                words[4].clone_into(&mut xmpp);
            }
            Some(&"control") => words[1].clone_into(&mut control),
            _ => {}
        }
    }
    Sim {
        child,
        rest,
        xmpp,
        control,
        _dir: dir,
    }
}

fn descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// The simulator's own count of bound XMPP sessions (over a keep-alive connection that stays
/// open from the first count to the last, so it is in every count).
async fn sessions(http: &reqwest::Client, control: &str) -> u64 {
    let health: serde_json::Value = http
        .get(format!("{control}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    health["xmppSessions"].as_u64().unwrap()
}

/// Waits until the simulator reports `n` sessions.
async fn until_sessions(http: &reqwest::Client, control: &str, n: u64) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while sessions(http, control).await != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the simulator never reported {n} sessions"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A keep-alive HTTP/1.1 connection that has been answered (so the server has accepted it).
async fn rest_connection(addr: &str) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /finesse/api/SystemInfo HTTP/1.1\r\nHost: sim\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("</SystemInfo>") {
        let n = tokio::time::timeout(PATIENCE, tcp.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "REST connection closed");
        answer.extend_from_slice(&chunk[..n]);
    }
    tcp
}

async fn session(xmpp: String, user: String) -> Xmpp {
    let tcp = TcpStream::connect(&xmpp).await.unwrap();
    let mut client = Xmpp::from_tcp(tcp, "finesse.local");
    client.open().await;
    client.auth(&user, "secret").await.unwrap();
    client.bind(&format!("gc-{user}")).await;
    client
}

#[tokio::test]
async fn each_xmpp_session_and_rest_connection_costs_the_simulator_one_descriptor() {
    let sim = start_sim(SESSIONS).await;
    let pid = sim.child.id().unwrap();
    let http = common::http_client(None);
    assert_eq!(sessions(&http, &sim.control).await, 0);
    let idle = descriptors(pid);

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..SESSIONS {
        tasks.spawn(session(sim.xmpp.clone(), format!("{}", 10_001 + i)));
    }
    let mut clients = Vec::new();
    while let Some(client) = tasks.join_next().await {
        clients.push(client.unwrap());
    }
    assert_eq!(sessions(&http, &sim.control).await, SESSIONS as u64);
    let with_sessions = descriptors(pid);
    let per_session = with_sessions.saturating_sub(idle);
    assert!(
        (SESSIONS..=SESSIONS + SLACK).contains(&per_session),
        "{SESSIONS} XMPP sessions took {per_session} descriptors (idle {idle}, now \
         {with_sessions}): expected one each"
    );

    let mut rest = Vec::new();
    for _ in 0..REST_CONNECTIONS {
        rest.push(rest_connection(&sim.rest).await);
    }
    let with_rest = descriptors(pid);
    let per_rest = with_rest.saturating_sub(with_sessions);
    assert!(
        (REST_CONNECTIONS..=REST_CONNECTIONS + SLACK).contains(&per_rest),
        "{REST_CONNECTIONS} REST connections took {per_rest} descriptors: expected one each"
    );

    // Everything is given back when the clients go.
    drop(rest);
    drop(clients);
    until_sessions(&http, &sim.control, 0).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while descriptors(pid) > idle + SLACK {
        assert!(
            tokio::time::Instant::now() < deadline,
            "descriptors not released: {} open, {idle} when idle",
            descriptors(pid)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
