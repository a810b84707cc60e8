//! The Finesse REST client: one instance per node, cloned freely (it shares a connection pool).
//!
//! Every call authenticates as the agent (Basic), carries a `requestId` header on writes, has
//! a timeout, and maps failures to [`Error`] (HTTP status and `ApiErrors` body, `errors.rs`).
//! Connection failures are tried twice on the node, because the request never reached
//! Finesse; writes that timed out after being sent are not retried, because Finesse may have
//! acted on them. Node switching is not done here: [`crate::failover`] decides, from the
//! errors this client returns (fed in through [`crate::FinesseCluster::report_error`]).

mod errors;
mod ops;

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gc_protocol::{AgentId, Password};
use reqwest::{Method, StatusCode};

use crate::Error;
use crate::tls::TlsSettings;

pub use errors::Target;

/// Connection tries per request on one node ("two tries on a node", design.md §5).
pub const TRIES_PER_NODE: u8 = 2;

/// REST client settings.
#[derive(Clone, Debug)]
pub struct RestConfig {
    /// Whole-request deadline (send + response body).
    pub request_timeout: Duration,
    /// TCP + TLS connect deadline.
    pub connect_timeout: Duration,
    /// Pause before the second connection try.
    pub retry_delay: Duration,
    /// Largest response body read, in bytes.
    pub max_body: usize,
    /// Trusted certificates for HTTPS.
    pub tls: TlsSettings,
}

impl Default for RestConfig {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retry_delay: Duration::from_millis(300),
            max_body: 4 * 1024 * 1024,
            tls: TlsSettings::default(),
        }
    }
}

/// An agent's (or supervisor's) Finesse credentials. `Debug` never shows the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Finesse login id.
    pub agent: AgentId,
    /// Password (redacted in `Debug`).
    pub password: Password,
}

impl Credentials {
    /// Bundles id and password.
    pub fn new(agent: AgentId, password: Password) -> Self {
        Self { agent, password }
    }
}

/// The `requestId` header value of a write. Finesse echoes it in the resulting notification or
/// asynchronous error, so the caller can match outcomes to commands. The caller chooses it
/// (a notification can arrive before the `202` does, so the id must be known before sending).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh random id (`gc-` + UUID v4).
    pub fn generate() -> Self {
        Self(format!("gc-{}", uuid::Uuid::new_v4().simple()))
    }

    /// Wraps a caller-chosen id (e.g. from a deterministic core counter).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Remembers agents whose password Finesse refused, by a keyed hash of that password (never the
/// password), so the same password is not sent again: five failures lock the agent out.
#[derive(Default)]
struct AuthGuard {
    hasher: RandomState,
    rejected: Mutex<HashMap<AgentId, u64>>,
}

impl AuthGuard {
    fn fingerprint(&self, password: &Password) -> u64 {
        self.hasher.hash_one(password.expose())
    }

    fn check(&self, creds: &Credentials) -> Result<(), Error> {
        let fp = self.fingerprint(&creds.password);
        let mut map = self
            .rejected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match map.get(&creds.agent) {
            Some(bad) if *bad == fp => Err(Error::CredentialsBlocked {
                agent: creds.agent.to_string(),
            }),
            Some(_) => {
                // A new password: give it its one chance.
                map.remove(&creds.agent);
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn record(&self, creds: &Credentials, rejected: bool) {
        let mut map = self
            .rejected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if rejected {
            map.insert(creds.agent.clone(), self.fingerprint(&creds.password));
        } else if !map.is_empty() {
            map.remove(&creds.agent);
        }
    }
}

/// REST client bound to one Finesse node.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    base: Arc<str>,
    config: Arc<RestConfig>,
    guard: Arc<AuthGuard>,
}

impl fmt::Debug for RestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// A successful response: status and body.
struct Response {
    status: StatusCode,
    body: Vec<u8>,
}

impl RestClient {
    /// A client for the node at `base_url` (`https://fin-a.example:8445`, or `http://…` for
    /// the simulator).
    pub fn new(base_url: &str, config: RestConfig) -> Result<Self, Error> {
        crate::tls::install_default_provider();
        let mut tls = config.tls.client_config()?;
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_mins(1))
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            base: normalise_base(base_url)?,
            config: Arc::new(config),
            guard: Arc::new(AuthGuard::default()),
        })
    }

    /// The same client (pool, settings, refused-credentials memory) for another node.
    pub fn with_base(&self, base_url: &str) -> Result<Self, Error> {
        Ok(Self {
            base: normalise_base(base_url)?,
            ..self.clone()
        })
    }

    /// The node's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Forgets that Finesse refused this agent's password (e.g. after the lockout period,
    /// when the owner wants one more try with the same password).
    pub fn forget_rejection(&self, agent: &AgentId) {
        let mut map = self
            .guard
            .rejected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(agent);
    }

    /// Sends one request and maps every failure. `idempotent` requests are retried once after
    /// a timeout; all requests are retried once after a connection failure.
    async fn execute(
        &self,
        creds: Option<&Credentials>,
        method: Method,
        path: &str,
        body: Option<String>,
        request_id: Option<&RequestId>,
        target: Target<'_>,
    ) -> Result<Response, Error> {
        if let Some(creds) = creds {
            self.guard.check(creds)?;
        }
        let idempotent = method == Method::GET;
        let url = format!("{}{}", self.base, path);
        let mut attempt: u8 = 0;
        loop {
            attempt += 1;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .timeout(self.config.request_timeout)
                .header(reqwest::header::ACCEPT, "application/xml");
            if let Some(creds) = creds {
                request = request.basic_auth(creds.agent.as_str(), Some(creds.password.expose()));
            }
            if let Some(id) = request_id {
                request = request.header("requestId", id.as_str());
            }
            if let Some(body) = &body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/xml")
                    .body(body.clone());
            }
            let outcome = match request.send().await {
                Ok(response) => self.read(response).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(response) if response.status.is_success() => {
                    if let Some(creds) = creds {
                        self.guard.record(creds, false);
                    }
                    return Ok(response);
                }
                Ok(response) => {
                    let agent = creds.map_or("", |c| c.agent.as_str());
                    let error = errors::map_failure(
                        response.status.as_u16(),
                        &response.body,
                        agent,
                        target,
                    );
                    if let (Some(creds), Error::Unauthorized { .. }) = (creds, &error) {
                        self.guard.record(creds, true);
                        tracing::warn!(agent = %creds.agent, "Finesse refused the agent's credentials; not retrying");
                    }
                    return Err(error);
                }
                Err(e) if e.is_connect() => {
                    if attempt < TRIES_PER_NODE {
                        tracing::debug!(node = %self.base, error = %e, "connection failed; trying once more");
                        tokio::time::sleep(self.config.retry_delay).await;
                        continue;
                    }
                    return Err(Error::NotReachable {
                        node: self.base.to_string(),
                        attempts: attempt,
                        reason: errors::describe(&e),
                    });
                }
                Err(e) if e.is_timeout() => {
                    if idempotent && attempt < TRIES_PER_NODE {
                        tracing::debug!(node = %self.base, "request timed out; trying once more");
                        continue;
                    }
                    return Err(Error::Timeout {
                        node: self.base.to_string(),
                        retried: attempt >= TRIES_PER_NODE,
                    });
                }
                Err(e) => return Err(Error::Io(errors::describe(&e))),
            }
        }
    }

    async fn read(&self, mut response: reqwest::Response) -> Result<Response, reqwest::Error> {
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > self.config.max_body {
                break; // a truncated body fails to parse, which is the right outcome
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response { status, body })
    }
}

fn normalise_base(base_url: &str) -> Result<Arc<str>, Error> {
    let trimmed = base_url.trim().trim_end_matches('/');
    if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
        return Err(Error::Config(format!(
            "Finesse base URL must start with http:// or https://: {trimmed}"
        )));
    }
    Ok(Arc::from(trimmed))
}
