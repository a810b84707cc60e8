//! A third-party XMPP client (Python's slixmpp, installed by scripts/pyenv) receives the
//! simulator's notifications after REST state changes; the payloads are compared
//! structurally with the real captures. Fails (never skips) when the Python env is missing.
// Helper functions here (not only #[test] bodies) assert with unwrap / expect / panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Stdio;

use common::shape::{assert_same_shape, capture, parse};
use common::{PATIENCE, Rest};
use finesse_sim::{Cluster, NodeId, SimConfig, TlsConfig};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

struct Listener {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Listener {
    fn spawn(cluster: &Cluster, user: &str, extra: &[&str]) -> Self {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/finesse_listener.py");
        let addr = cluster.node(NodeId::Primary).xmpp_addr;
        let mut child = Command::new(common::python())
            .arg(script)
            .arg(addr.ip().to_string())
            .arg(addr.port().to_string())
            .arg(format!("{user}@finesse.local/gc-{user}"))
            .arg("secret")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python starts");
        let stdout = child.stdout.take().unwrap();
        Self {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// The next JSON line whose `event` is `event` (others are skipped).
    async fn next(&mut self, event: &str) -> Value {
        loop {
            let line = tokio::time::timeout(PATIENCE * 3, self.lines.next_line())
                .await
                .unwrap_or_else(|_| panic!("slixmpp printed no {event} in time"))
                .unwrap()
                .unwrap_or_else(|| panic!("slixmpp exited before {event}"));
            let value: Value = serde_json::from_str(&line).unwrap();
            assert_ne!(
                value["event"], "failed_auth",
                "slixmpp could not authenticate"
            );
            if value["event"] == event {
                return value;
            }
        }
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

#[tokio::test]
async fn slixmpp_receives_the_login_notification_shaped_like_the_capture() {
    let cluster = Cluster::start(common::config()).await.unwrap();
    let mut listener = Listener::spawn(&cluster, "1001", &[]);
    let started = listener.next("session_started").await;
    assert_eq!(started["jid"], "1001@finesse.local/gc-1001");

    let rest = Rest::new(&cluster, NodeId::Primary, "1001");
    rest.state(
        "<User><state>LOGIN</state><extension>3001</extension></User>",
        "slixmpp-login-1",
    )
    .await;
    let n = listener.next("notification").await;
    assert_eq!(n["node"], "/finesse/api/User/1001");
    assert!(n["payloadTag"].as_str().unwrap().ends_with("notification"));
    let update = parse(n["payload"].as_str().unwrap());
    assert_eq!(update.text_at("requestId"), "slixmpp-login-1");
    assert_eq!(update.text_at("data/user/state"), "NOT_READY");
    assert_same_shape(
        &update,
        &capture("notifications/zoomint-user-login-not-ready.xml"),
        &["Update/data/user/teams"],
    );
    let stanza = parse(n["stanza"].as_str().unwrap());
    assert_same_shape(
        &stanza,
        &capture("notifications/zoomint-user-not-ready.stanza.xml"),
        &[],
    );

    rest.state("<User><state>READY</state></User>", "slixmpp-ready")
        .await;
    let n = listener.next("notification").await;
    let update = parse(n["payload"].as_str().unwrap());
    assert_eq!(update.text_at("data/user/state"), "READY");
    assert_eq!(update.text_at("requestId"), "slixmpp-ready");
    listener.stop().await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn slixmpp_over_starttls_subscribes_to_a_team_feed() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec![
        "finesse.local".to_owned(),
        "localhost".to_owned(),
    ])
    .unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(
        dir.path().join("key.pem"),
        certified.signing_key.serialize_pem(),
    )
    .unwrap();
    let config = SimConfig {
        tls: Some(TlsConfig {
            cert: cert.clone(),
            key: dir.path().join("key.pem"),
            rest: false,
            xmpp: true,
            xmpp_require_tls: true,
        }),
        ..common::config()
    };
    let cluster = Cluster::start(config).await.unwrap();
    let cafile = cert.to_string_lossy().into_owned();
    let mut listener = Listener::spawn(
        &cluster,
        "2001",
        &[
            "--starttls",
            &cafile,
            "--subscribe",
            "/finesse/api/Team/2/Users",
        ],
    );
    assert_eq!(
        listener.next("subscribed").await["node"],
        "/finesse/api/Team/2/Users"
    );
    let started = listener.next("session_started").await;
    assert_eq!(started["tls"], true, "{started}");

    let agent = Rest::new(&cluster, NodeId::Primary, "1006");
    agent
        .state(
            "<User><state>LOGIN</state><extension>3006</extension></User>",
            "member",
        )
        .await;
    let n = listener.next("notification").await;
    assert_eq!(n["node"], "/finesse/api/Team/2/Users");
    let update = parse(n["payload"].as_str().unwrap());
    assert_eq!(update.text_at("source"), "/finesse/api/User/1006");
    assert_eq!(update.text_at("data/user/state"), "NOT_READY");
    assert_eq!(update.text_at("data/user/loginId"), "1006");
    listener.stop().await;
    cluster.shutdown().await;
}
