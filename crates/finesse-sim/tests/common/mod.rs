//! Helpers shared by the integration tests: a REST client, a minimal raw XMPP client, the
//! structural comparison with the real captures, and the Python locator.
//!
//! Everything here talks to the simulator over its sockets only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

pub mod shape;
pub mod xmpp;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use finesse_sim::{Cluster, NodeId, SimConfig};

pub use self::xmpp::Xmpp;

/// How long a test waits for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A configuration for tests: ephemeral ports, everything else default.
pub fn config() -> SimConfig {
    SimConfig::default()
}

pub async fn start() -> Cluster {
    Cluster::start(config()).await.expect("simulator starts")
}

/// A reqwest client with an explicit ring-based rustls configuration (reqwest is built with
/// `rustls-no-provider`), optionally trusting one extra root certificate (PEM).
pub fn http_client(root_pem: Option<&[u8]>) -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    if let Some(pem) = root_pem {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        for cert in CertificateDer::pem_slice_iter(pem) {
            roots.add(cert.unwrap()).unwrap();
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .build()
        .unwrap()
}

/// A Finesse REST client acting as one user.
#[derive(Clone)]
pub struct Rest {
    pub http: reqwest::Client,
    pub base: String,
    pub user: String,
    pub password: String,
}

/// Status and body of an answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub request_id: Option<String>,
}

impl Rest {
    pub fn new(cluster: &Cluster, node: NodeId, user: &str) -> Self {
        Self {
            http: http_client(None),
            base: cluster.node(node).base_url,
            user: user.to_owned(),
            password: "secret".to_owned(),
        }
    }

    pub fn with_password(mut self, password: &str) -> Self {
        password.clone_into(&mut self.password);
        self
    }

    fn auth(&self) -> String {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.user, self.password));
        format!("Basic {token}")
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
        rid: Option<&str>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}/finesse/api{path}", self.base))
            .header("Authorization", self.auth());
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/xml")
                .body(body.to_owned());
        }
        if let Some(rid) = rid {
            request = request.header("requestId", rid);
        }
        let response = request.send().await.expect("REST request");
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("requestId")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap();
        Answer {
            status,
            body,
            request_id,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, None, None).await
    }

    pub async fn put(&self, path: &str, body: &str, rid: &str) -> Answer {
        self.send(reqwest::Method::PUT, path, Some(body), Some(rid))
            .await
    }

    pub async fn post(&self, path: &str, body: &str, rid: &str) -> Answer {
        self.send(reqwest::Method::POST, path, Some(body), Some(rid))
            .await
    }

    /// PUT on the own User; asserts 202.
    pub async fn state(&self, body: &str, rid: &str) {
        let answer = self.put(&format!("/User/{}", self.user), body, rid).await;
        assert_eq!(
            answer.status, 202,
            "PUT User {}: {}",
            self.user, answer.body
        );
    }

    /// PUT on another user (supervisor actions); asserts 202.
    pub async fn state_of(&self, user: &str, body: &str) {
        let answer = self
            .put(
                &format!("/User/{user}"),
                body,
                &format!("{}-on-{user}", self.user),
            )
            .await;
        assert_eq!(
            answer.status, 202,
            "PUT User {user} as {}: {}",
            self.user, answer.body
        );
    }

    /// PUT on a dialog; asserts 202.
    pub async fn action(&self, dialog: u64, action: &str, extra: &str, rid: &str) {
        let body = format!("<Dialog><requestedAction>{action}</requestedAction>{extra}</Dialog>");
        let answer = self.put(&format!("/Dialog/{dialog}"), &body, rid).await;
        assert_eq!(answer.status, 202, "{action} on {dialog}: {}", answer.body);
    }
}

/// The text of the first element with this name in a document (quick and strict enough for
/// assertions on our own answers).
pub fn text_of(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(xml[start..end].to_owned())
}

/// All texts of elements with this name.
pub fn texts_of(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(after[..j].to_owned());
        rest = &after[j..];
    }
    out
}

/// Login (XMPP first, as Finesse recommends), then READY; returns the session.
pub async fn login_ready(cluster: &Cluster, agent: &str, extension: &str) -> (Rest, Xmpp) {
    let rest = Rest::new(cluster, NodeId::Primary, agent);
    let mut xmpp = Xmpp::login(cluster, NodeId::Primary, agent, "secret").await;
    rest.state(
        &format!("<User><state>LOGIN</state><extension>{extension}</extension></User>"),
        &format!("login-{agent}"),
    )
    .await;
    xmpp.user_state("NOT_READY").await;
    rest.state(
        "<User><state>READY</state></User>",
        &format!("ready-{agent}"),
    )
    .await;
    xmpp.user_state("READY").await;
    (rest, xmpp)
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The Python with slixmpp: `GC_PYTHON`, else `<workspace>/target/pyenv/bin/python`. Fails
/// the test with instructions when missing: these tests are never skipped silently.
pub fn python() -> PathBuf {
    let path = std::env::var_os("GC_PYTHON").map_or_else(
        || workspace_root().join("target/pyenv/bin/python"),
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "Python with slixmpp not found at {}: run scripts/pyenv (or set GC_PYTHON)",
        path.display()
    );
    path
}
