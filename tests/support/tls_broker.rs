//! A standalone RabbitMQ node with an AMQPS listener, for TLS tests.
//!
//! [`TlsBroker::start`] makes a throwaway CA and a server certificate for `localhost` and
//! `127.0.0.1` with rcgen (plus a client certificate signed by the same CA, for mutual TLS),
//! writes them as PEM files into a temporary directory, and starts an extra node next to the
//! default one with `scripts/rabbitmq-tls-node` (its own node name and free ports, so tests may
//! run several at once). The node runs until [`TlsBroker::stop`] or until the value is dropped.
//! Starting takes 10–15 s (a fresh RabbitMQ node). Failures panic with the script's output: these
//! tests fail, never skip, when RabbitMQ cannot be started.
//!
//! ```ignore
//! let broker = TlsBroker::start().await;
//! // broker.amqps_url = "amqps://guest:guest@127.0.0.1:PORT/%2f"; trust broker.ca_pem.
//! broker.stop().await;
//! ```

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::process::Command;

/// A running TLS-enabled RabbitMQ node (guest/guest, which may log in from loopback only).
#[derive(Debug)]
pub struct TlsBroker {
    /// The node's name without `@localhost` (unique per broker).
    pub name: String,
    /// `amqps://guest:guest@127.0.0.1:PORT/%2f`.
    pub amqps_url: String,
    /// The same node's plain listener, `amqp://guest:guest@127.0.0.1:PORT/%2f`.
    pub amqp_url: String,
    /// The AMQPS port.
    pub port: u16,
    /// PEM file of the CA that signed the server (and client) certificate: what a client trusts.
    pub ca_pem: PathBuf,
    /// PEM files of a client certificate and its key signed by the same CA (for mutual TLS;
    /// the node asks for one only when started with [`TlsBroker::start_requiring_client_cert`]).
    pub client_cert_pem: PathBuf,
    pub client_key_pem: PathBuf,
    dir: tempfile::TempDir,
    running: bool,
}

/// `scripts/rabbitmq-tls-node` of this workspace.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/rabbitmq-tls-node")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// Writes ca.pem, server.pem, server.key, client.pem and client.key into `dir`.
fn write_certificates(dir: &Path) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Generic Connector test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let leaf = |names: Vec<String>, purpose: ExtendedKeyUsagePurpose, cn: &str| {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![purpose];
        let cert = params.signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    // "127.0.0.1" becomes an IP address SAN, "localhost" a DNS name.
    let (server_cert, server_key) = leaf(
        vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
        ExtendedKeyUsagePurpose::ServerAuth,
        "localhost",
    );
    let (client_cert, client_key) = leaf(
        vec!["gc-test-client".to_owned()],
        ExtendedKeyUsagePurpose::ClientAuth,
        "gc-test-client",
    );
    for (file, pem) in [
        ("ca.pem", ca_cert.pem()),
        ("server.pem", server_cert),
        ("server.key", server_key),
        ("client.pem", client_cert),
        ("client.key", client_key),
    ] {
        std::fs::write(dir.join(file), pem).unwrap();
    }
}

impl TlsBroker {
    /// Starts a node whose AMQPS listener does not ask for a client certificate.
    pub async fn start() -> Self {
        Self::start_with(false).await
    }

    /// Starts a node whose AMQPS listener requires a client certificate signed by the CA
    /// (`client_cert_pem` / `client_key_pem`).
    pub async fn start_requiring_client_cert() -> Self {
        Self::start_with(true).await
    }

    async fn start_with(verify_peer: bool) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("gc-tls-broker-")
            .tempdir()
            .unwrap();
        write_certificates(dir.path());
        let name = format!("gctls_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let (port, plain_port, dist_port) = (free_port(), free_port(), free_port());
        let mut command = Command::new("bash");
        command
            .arg(script())
            .arg("start")
            .args(["--name", &name])
            .args(["--port", &port.to_string()])
            .args(["--plain-port", &plain_port.to_string()])
            .args(["--dist-port", &dist_port.to_string()])
            .arg("--cert")
            .arg(dir.path().join("server.pem"))
            .arg("--key")
            .arg(dir.path().join("server.key"))
            .arg("--ca")
            .arg(dir.path().join("ca.pem"));
        if verify_peer {
            command.arg("--verify-peer");
        }
        let broker = Self {
            name,
            amqps_url: format!("amqps://guest:guest@127.0.0.1:{port}/%2f"),
            amqp_url: format!("amqp://guest:guest@127.0.0.1:{plain_port}/%2f"),
            port,
            ca_pem: dir.path().join("ca.pem"),
            client_cert_pem: dir.path().join("client.pem"),
            client_key_pem: dir.path().join("client.key"),
            dir,
            // From here on, drop stops whatever the script started, even if it failed halfway.
            running: true,
        };
        let output = command
            .stdin(Stdio::null())
            .output()
            .await
            .expect("run scripts/rabbitmq-tls-node");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success()
                && stdout.lines().next() == Some(broker.amqps_url.trim_end_matches("/%2f")),
            "scripts/rabbitmq-tls-node start failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        broker
    }

    /// Stops the node and deletes its data and the certificates.
    pub async fn stop(mut self) {
        self.running = false;
        let status = Command::new("bash")
            .arg(script())
            .arg("stop")
            .args(["--name", &self.name])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .await
            .expect("run scripts/rabbitmq-tls-node");
        assert!(status.success(), "scripts/rabbitmq-tls-node stop failed");
    }

    /// The directory holding the PEM files.
    pub fn cert_dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TlsBroker {
    fn drop(&mut self) {
        if self.running {
            // A test that panicked: do not leave the node running.
            let _ = std::process::Command::new("bash")
                .arg(script())
                .arg("stop")
                .args(["--name", &self.name])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}
