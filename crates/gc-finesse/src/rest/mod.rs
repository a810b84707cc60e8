//! The Finesse REST client: one instance per node, cloned freely (it shares a connection pool).
//!
//! [`RestClient::perform`] is the one entry point for the engine's operations: a
//! [`Request`] (finesse-model) says what to send, this module sends it. Every call
//! authenticates as the agent (Basic), carries the `requestId` header on writes, has a
//! timeout, and maps failures to [`Error`] (HTTP status and `ApiErrors` body, `errors.rs`).
//! Connection failures are tried twice on the node, because the request never reached
//! Finesse; writes that timed out after being sent are not retried, because Finesse may have
//! acted on them. Node switching is not done here: [`crate::failover`] decides, from the
//! errors this client returns (fed in through [`crate::FinesseCluster::report_error`]).

mod errors;

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use finesse_model::{Reply, Request, SystemInfo};
use gc_protocol::{AgentId, Password};
use reqwest::{Method, StatusCode, Url};

use crate::Error;
use crate::tls::TlsSettings;

use errors::Target;
pub use finesse_model::RequestId;

/// Connection tries per request on one node ("two tries on a node", design.md §5).
const TRIES_PER_NODE: u8 = 2;

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

/// The node's base URL, parsed once: each request only sets the path and query on a copy.
#[derive(Clone, Debug)]
struct Base {
    url: Url,
    /// Path prefix of the base URL (normally empty), put before every request path.
    prefix: Arc<str>,
    /// The base as configured, without a trailing slash (logs, errors, [`RestClient::base_url`]).
    text: Arc<str>,
}

impl Base {
    fn parse(base_url: &str) -> Result<Self, Error> {
        let trimmed = base_url.trim().trim_end_matches('/');
        if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
            return Err(Error::Config(format!(
                "Finesse base URL must start with http:// or https://: {trimmed}"
            )));
        }
        let url = Url::parse(trimmed)
            .map_err(|e| Error::Config(format!("Finesse base URL {trimmed}: {e}")))?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::Config(format!(
                "Finesse base URL must not have a query or fragment: {trimmed}"
            )));
        }
        Ok(Self {
            prefix: Arc::from(url.path().trim_end_matches('/')),
            url,
            text: Arc::from(trimmed),
        })
    }

    fn with(&self, path: &str, query: Option<&str>) -> Url {
        let mut url = self.url.clone();
        if self.prefix.is_empty() {
            url.set_path(path);
        } else {
            url.set_path(&format!("{}{path}", self.prefix));
        }
        url.set_query(query);
        url
    }
}

/// REST client bound to one Finesse node.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    base: Base,
    config: Arc<RestConfig>,
    guard: Arc<AuthGuard>,
}

impl fmt::Debug for RestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestClient")
            .field("base", &self.base.text)
            .finish_non_exhaustive()
    }
}

/// One HTTP call, as [`RestClient::execute`] sends it.
struct Call<'a> {
    method: Method,
    path: &'a str,
    query: Option<&'a str>,
    body: Option<String>,
    request_id: Option<&'a RequestId>,
    target: Target<'a>,
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
            base: Base::parse(base_url)?,
            config: Arc::new(config),
            guard: Arc::new(AuthGuard::default()),
        })
    }

    /// The same client (pool, settings, refused-credentials memory) for another node.
    pub fn with_base(&self, base_url: &str) -> Result<Self, Error> {
        Ok(Self {
            base: Base::parse(base_url)?,
            ..self.clone()
        })
    }

    /// The node's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base.text
    }

    /// Performs `request` as the agent of `creds` and reads the answer. Writes carry
    /// `request_id` in the `requestId` header (Finesse echoes it in the outcome's
    /// notification) and answer [`Reply::Accepted`]; reads send no id and answer the object.
    pub async fn perform(
        &self,
        creds: &Credentials,
        request_id: &RequestId,
        request: &Request,
    ) -> Result<Reply, Error> {
        let path = request.path(&creds.agent);
        let query = request.query();
        let (method, id) = match request.method() {
            finesse_model::Method::Get => (Method::GET, None),
            finesse_model::Method::Put => (Method::PUT, Some(request_id)),
            finesse_model::Method::Post => (Method::POST, Some(request_id)),
        };
        if id.is_some() {
            tracing::debug!(agent = %creds.agent, %method, path, %request_id, "Finesse write");
        }
        let target = Target::of(request, &creds.agent);
        let call = Call {
            method,
            path: &path,
            query: query.as_deref(),
            body: request.body(),
            request_id: id,
            target,
        };
        let response = self.execute(Some(creds), call).await?;
        Ok(request.read_reply(&response.body)?)
    }

    /// `GET /finesse/api/SystemInfo` (the node health probe), with credentials when given
    /// (some releases require them).
    pub async fn system_info(&self, creds: Option<&Credentials>) -> Result<SystemInfo, Error> {
        let call = Call {
            method: Method::GET,
            path: "/finesse/api/SystemInfo",
            query: None,
            body: None,
            request_id: None,
            target: Target::Other,
        };
        let response = self.execute(creds, call).await?;
        Ok(SystemInfo::parse(&response.body)?)
    }

    /// Sends one request and maps every failure. Reads are retried once after a timeout;
    /// all requests are retried once after a connection failure.
    async fn execute(
        &self,
        creds: Option<&Credentials>,
        call: Call<'_>,
    ) -> Result<Response, Error> {
        if let Some(creds) = creds {
            self.guard.check(creds)?;
        }
        let Call {
            method,
            path,
            query,
            body,
            request_id,
            target,
        } = call;
        let idempotent = method == Method::GET;
        let url = self.base.with(path, query);
        let mut attempt: u8 = 0;
        loop {
            attempt += 1;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
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
                        tracing::debug!(node = %self.base.text, error = %e, "connection failed; trying once more");
                        tokio::time::sleep(self.config.retry_delay).await;
                        continue;
                    }
                    return Err(Error::NotReachable {
                        node: self.base.text.to_string(),
                        attempts: attempt,
                        reason: errors::describe(&e),
                    });
                }
                Err(e) if e.is_timeout() => {
                    if idempotent && attempt < TRIES_PER_NODE {
                        tracing::debug!(node = %self.base.text, "request timed out; trying once more");
                        continue;
                    }
                    return Err(Error::Timeout {
                        node: self.base.text.to_string(),
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
