//! TLS on the broker hop, end to end: the connector binary against a RabbitMQ node with an
//! AMQPS listener (tests/support/tls_broker.rs, a throwaway CA made with rcgen).
//!
//! * the connector works over `amqps://` trusting the generated CA (`broker.ca_file`);
//! * a node whose certificate another CA signed is refused, and so is the same node when
//!   only the system's roots are trusted: the connector never becomes ready and logs the
//!   certificate error, never the password;
//! * a node that requires a client certificate refuses a connector without one and accepts
//!   the configured `broker.client_cert_file` / `broker.client_key_file`;
//! * `amqps://` pointed at a bare TCP listener: the first byte the connector sends is a TLS
//!   handshake record (0x16), not the AMQP protocol header.
//!
//! The TLS nodes are started with `scripts/rabbitmq-tls-node`; these tests fail, never skip,
//! when RabbitMQ cannot be started.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lapin::{Connection, ConnectionProperties};
use support::tls_broker::TlsBroker;
use support::{Connector, Env, Names, PATIENCE, Sim};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// Names of one environment (queues and exchanges of its own).
fn names(tag: &str) -> Names {
    Names {
        commands: format!("t.{tag}.commands"),
        clients: format!("t.{tag}.clients"),
        events: format!("t.{tag}.events"),
        dlq: format!("t.{tag}.dlq"),
        sync: format!("t.{tag}.sync"),
        leader: format!("t.{tag}.leader"),
    }
}

fn new_tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

fn path(p: &std::path::Path) -> String {
    p.to_str().expect("UTF-8 temporary path").to_owned()
}

/// An environment whose connector talks `amqps://` to `broker` with `tls` settings; the test
/// client uses the same node's plain listener.
async fn tls_env(broker: &TlsBroker, tls: &[(&str, String)]) -> Env {
    let tag = new_tag();
    let names = names(&tag);
    let amqp = Connection::connect(&broker.amqp_url, ConnectionProperties::default())
        .await
        .unwrap_or_else(|e| panic!("the TLS node's plain listener does not answer: {e}"));
    let channel = amqp.create_channel().await.unwrap();
    let sim = Sim::start(false).await;
    let mut extra = vec![("GC_BROKER__URL".to_owned(), broker.amqps_url.clone())];
    extra.extend(tls.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let connector = Connector::start(&tag, &names, &sim, &extra).await;
    Env {
        tag,
        names,
        sim,
        connector: Some(connector),
        amqp,
        channel,
    }
}

/// Stops the connector and the simulator of an environment on a TLS node (the node itself
/// is stopped, with everything declared on it, by [`TlsBroker::stop`]).
async fn stop_env(env: Env) {
    let Env {
        connector,
        sim,
        amqp,
        ..
    } = env;
    if let Some(connector) = connector {
        connector.stop().await;
    }
    let _ = amqp.close(200, "bye".into()).await;
    sim.stop().await;
}

/// A connector process whose log (JSON lines on stderr) the test reads.
struct Logged {
    child: Child,
    http: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Logged {
    /// Starts the connector with the variables given (on top of a private instance id, HTTP
    /// port and JSON logs at `warn`). Without `GC_FINESSE__*` it runs the built-in simulator.
    fn spawn(vars: &[(&str, String)]) -> Self {
        let http = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        let mut command = Command::new(env!("CARGO_BIN_EXE_generic-connector"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "warn,lapin=error")
            .env("GC_LOG__FORMAT", "json")
            .env("GC_INSTANCE__ID", format!("e2e-tls-{}", new_tag()))
            .env("GC_HTTP__LISTEN", http.to_string())
            .env("GC_SHUTDOWN__GRACE_SECS", "1")
            .kill_on_drop(true)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in vars {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let mut reader = BufReader::new(child.stderr.take().unwrap()).lines();
        let sink = lines.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = reader.next_line().await {
                // Shown with the test's output when it fails.
                eprintln!("connector: {line}");
                sink.lock().unwrap().push(line);
            }
        });
        Self { child, http, lines }
    }

    fn log(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Waits until a log line contains every fragment; returns that line.
    async fn wait_log(&self, fragments: &[&str]) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let found = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .find(|l| fragments.iter().all(|f| l.contains(f)))
                .cloned();
            if let Some(line) = found {
                return line;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no log line with {fragments:?} within {PATIENCE:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether `/readyz` answers 200.
    async fn ready(&self) -> bool {
        let Ok(mut stream) = tokio::net::TcpStream::connect(self.http).await else {
            return false;
        };
        let request = format!(
            "GET /readyz HTTP/1.0\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.http
        );
        if tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes())
            .await
            .is_err()
        {
            return false;
        }
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer).await;
        answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
    }

    /// Waits for the process to exit on its own.
    async fn wait_exit(&mut self) -> Option<i32> {
        tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .expect("the connector exits")
            .unwrap()
            .code()
    }

    async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The settings of a connector that uses an external simulator (plain http:// and plain XMPP,
/// so its start-up log carries the cleartext warnings).
fn finesse_vars(sim: &Sim, names: &Names) -> Vec<(&'static str, String)> {
    vec![
        ("GC_BROKER__COMMAND_QUEUE", names.commands.clone()),
        ("GC_BROKER__COMMAND_EXCHANGE", names.commands.clone()),
        ("GC_BROKER__CLIENTS_EXCHANGE", names.clients.clone()),
        ("GC_BROKER__EVENTS_EXCHANGE", names.events.clone()),
        ("GC_BROKER__DEAD_LETTER_QUEUE", names.dlq.clone()),
        ("GC_BROKER__SYNC_EXCHANGE", names.sync.clone()),
        ("GC_BROKER__LEADER_QUEUE", names.leader.clone()),
        ("GC_FINESSE__PRIMARY_URL", sim.primary_rest.clone()),
        ("GC_FINESSE__PRIMARY_XMPP", sim.primary_xmpp.clone()),
        ("GC_FINESSE__XMPP_DOMAIN", sim.domain.clone()),
        ("GC_FINESSE__XMPP_SECURITY", "plain".to_owned()),
    ]
}

/// A CA certificate (PEM) that signed nothing the node presents.
fn foreign_ca(dir: &std::path::Path) -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Some other CA");
    let cert = params.self_signed(&key).unwrap();
    let file = dir.join("other-ca.pem");
    std::fs::write(&file, cert.pem()).unwrap();
    path(&file)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connector_runs_over_amqps_trusting_the_configured_ca() {
    let broker = TlsBroker::start().await;
    let env = tls_env(&broker, &[("GC_BROKER__CA_FILE", path(&broker.ca_pem))]).await;

    let mut desk = env.desk("1001", "3001").await;
    env.sync_state(&mut desk, "1001#State#NOT_READY##Maria Meier")
        .await;
    env.send("MakeReady#1001", "").await;
    desk.until("1001#State#READY").await;

    stop_env(env).await;
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_certificate_from_another_ca_is_refused() {
    let broker = TlsBroker::start().await;
    let sim = Sim::start(false).await;
    let names = names(&new_tag());
    let dir = tempfile::tempdir().unwrap();
    // Neither a foreign CA nor the system's roots vouch for the node's certificate.
    let password = "n0t-in-any-log";
    let url = broker
        .amqps_url
        .replace("guest:guest@", &format!("guest:{password}@"));
    let mut untrusted = Vec::new();
    for ca in [Some(foreign_ca(dir.path())), None] {
        let mut vars = finesse_vars(&sim, &names);
        vars.push(("GC_BROKER__URL", url.clone()));
        if let Some(ca) = ca {
            vars.push(("GC_BROKER__CA_FILE", ca));
        }
        untrusted.push(Logged::spawn(&vars));
    }
    for connector in &untrusted {
        let line = connector
            .wait_log(&["TLS handshake failed", "certificate"])
            .await;
        assert!(
            line.contains(&format!("127.0.0.1:{}", broker.port)),
            "{line}"
        );
        // Plain http:// and plain XMPP to Finesse are called out at start.
        connector
            .wait_log(&["finesse.primary_url is plain http://", "agent passwords"])
            .await;
        connector
            .wait_log(&["finesse.xmpp_security = \\\"plain\\\""])
            .await;
    }
    // Give them time to (wrongly) get through, then check they never did.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for connector in untrusted {
        assert!(!connector.ready().await, "an untrusted broker was accepted");
        let log = connector.log();
        assert!(!log.contains(password), "the password was logged:\n{log}");
        assert!(log.contains("UnknownIssuer"), "{log}");
        connector.kill().await;
    }
    sim.stop().await;
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_that_requires_a_client_certificate_gets_the_configured_one() {
    let broker = TlsBroker::start_requiring_client_cert().await;
    let ca = ("GC_BROKER__CA_FILE", path(&broker.ca_pem));

    // Without a client certificate the node refuses the connection. With TLS 1.3 the client
    // finishes its side of the handshake first, so the refusal arrives as an alert on the
    // first read.
    let sim = Sim::start(false).await;
    let names = names(&new_tag());
    let mut vars = finesse_vars(&sim, &names);
    vars.push(("GC_BROKER__URL", broker.amqps_url.clone()));
    vars.push(ca.clone());
    let anonymous = Logged::spawn(&vars);
    anonymous
        .wait_log(&["cannot connect to", "CertificateRequired"])
        .await;
    assert!(!anonymous.ready().await);
    anonymous.kill().await;
    sim.stop().await;

    // With it, everything works.
    let env = tls_env(
        &broker,
        &[
            ca,
            ("GC_BROKER__CLIENT_CERT_FILE", path(&broker.client_cert_pem)),
            ("GC_BROKER__CLIENT_KEY_FILE", path(&broker.client_key_pem)),
        ],
    )
    .await;
    let mut desk = env.desk("1001", "3001").await;
    env.sync_state(&mut desk, "1001#State#NOT_READY##Maria Meier")
        .await;
    stop_env(env).await;
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amqps_to_a_plain_listener_starts_with_a_tls_record() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // The built-in simulator: no Finesse settings, so no cleartext warning either.
    let connector = Logged::spawn(&[(
        "GC_BROKER__URL",
        format!("amqps://guest:guest@127.0.0.1:{port}/%2f"),
    )]);
    let (mut socket, _) = tokio::time::timeout(PATIENCE, listener.accept())
        .await
        .expect("the connector connects")
        .unwrap();
    let mut first = [0u8; 5];
    tokio::time::timeout(PATIENCE, socket.read_exact(&mut first))
        .await
        .expect("the connector sends something")
        .unwrap();
    // A TLS record: content type 22 (handshake), protocol version 3.x. A plaintext client
    // would have sent "AMQP\0\0\x09\x01".
    assert_eq!(first[0], 0x16, "first bytes: {first:02x?}");
    assert_eq!(first[1], 0x03, "first bytes: {first:02x?}");
    assert_ne!(&first[..4], b"AMQP");
    drop(socket);
    let log = connector.log();
    assert!(!log.contains("travel in clear"), "{log}");
    connector.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_tls_files_stop_the_start_as_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = path(&dir.path().join("missing-ca.pem"));
    let url = "amqps://guest:n0t-in-any-log@127.0.0.1:5671/%2f".to_owned();
    let cases = [
        vec![
            ("GC_BROKER__URL", url.clone()),
            ("GC_BROKER__CA_FILE", missing.clone()),
        ],
        vec![
            ("GC_BROKER__URL", url.clone()),
            ("GC_BROKER__CLIENT_CERT_FILE", foreign_ca(dir.path())),
        ],
    ];
    for (vars, expected) in cases
        .iter()
        .zip([missing.as_str(), "broker.client_key_file"])
    {
        let mut connector = Logged::spawn(vars);
        assert_eq!(connector.wait_exit().await, Some(64));
        connector.wait_log(&[expected]).await;
        assert!(!connector.log().contains("n0t-in-any-log"));
    }
}
