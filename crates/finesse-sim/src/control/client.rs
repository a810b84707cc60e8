//! A typed async client for the control API, for tests of other crates.

use std::path::Path;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::types::{
    AgentView, DialogCreated, DialogView, ErrorReply, Event, EventsReply, InboundOffer, LoadFile,
    NodeStatus, NodeView, NotificationRecord, OutboundOffer, PreviewOffer, RequestRecord,
    StatusRequest,
};
use crate::cluster::NodeId;
use crate::directory::Directory;
use crate::error::SimError;

/// Client of one simulator's control API.
#[derive(Debug, Clone)]
pub struct ControlClient {
    base: String,
    http: reqwest::Client,
}

/// `(name, value)` pairs as `Vec<(String, String)>`.
fn owned(variables: &[(&str, &str)]) -> Vec<(String, String)> {
    variables
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

impl ControlClient {
    /// A client for the control API at `base_url` (as [`crate::Cluster::control_url`] gives).
    ///
    /// reqwest is built with `rustls-no-provider`, so a client needs a crypto provider even
    /// for plain HTTP: tried here, `reqwest::Client::builder().build()` *panics* when no
    /// process-wide provider is installed, and works after
    /// `rustls::crypto::ring::default_provider().install_default()` (whose "already
    /// installed" error can be ignored). Both ways work; this client takes the second one that
    /// needs no global state: an explicit rustls configuration with the ring provider through
    /// `tls_backend_preconfigured`, so it works whether or not (and whichever) default provider
    /// another crate installed.
    pub fn new(base_url: impl Into<String>) -> Result<Self, SimError> {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| SimError::Tls(e.to_string()))?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .no_proxy()
            .build()?;
        Ok(Self {
            base: base_url.into().trim_end_matches('/').to_owned(),
            http,
        })
    }

    async fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<reqwest::Response, SimError> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<ErrorReply>(&text).map_or(text, |e| e.error);
        Err(SimError::Control { status, message })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, SimError> {
        Ok(self
            .send::<()>(Method::GET, path, None)
            .await?
            .json()
            .await?)
    }

    async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, SimError> {
        Ok(self
            .send(Method::POST, path, Some(body))
            .await?
            .json()
            .await?)
    }

    async fn no_content<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(), SimError> {
        let response = self.send(method, path, body).await?;
        debug_assert!(
            response.status() == StatusCode::NO_CONTENT || response.status().is_success()
        );
        Ok(())
    }

    /// Succeeds when the control API answers.
    pub async fn health(&self) -> Result<(), SimError> {
        self.no_content::<()>(Method::GET, "/health", None).await
    }

    /// Offers a routed inbound call (`PREROUTE_ACD_IN`) from `from` to a READY agent.
    pub async fn offer_inbound_call(
        &self,
        agent: &str,
        from: &str,
        variables: &[(&str, &str)],
    ) -> Result<u64, SimError> {
        self.offer_inbound(&InboundOffer {
            agent: agent.to_owned(),
            from: from.to_owned(),
            variables: owned(variables),
            call_type: None,
            dialed_number: None,
            queue: None,
        })
        .await
    }

    /// Offers an inbound call with every option.
    pub async fn offer_inbound(&self, offer: &InboundOffer) -> Result<u64, SimError> {
        let created: DialogCreated = self.post_json("/calls/inbound", offer).await?;
        Ok(created.dialog_id)
    }

    /// A dialer call to a READY agent: the OTHER_IN packet, then OUTBOUND with `variables`
    /// (BA* included).
    pub async fn offer_outbound_call(
        &self,
        agent: &str,
        customer: &str,
        variables: &[(&str, &str)],
    ) -> Result<u64, SimError> {
        self.offer_outbound(&OutboundOffer {
            agent: agent.to_owned(),
            customer: customer.to_owned(),
            variables: owned(variables),
            dialer: None,
            reservation_packet: true,
        })
        .await
    }

    /// A dialer call with every option.
    pub async fn offer_outbound(&self, offer: &OutboundOffer) -> Result<u64, SimError> {
        let created: DialogCreated = self.post_json("/calls/outbound", offer).await?;
        Ok(created.dialog_id)
    }

    /// An outbound preview reservation for a READY agent.
    pub async fn offer_preview(
        &self,
        agent: &str,
        customer: &str,
        variables: &[(&str, &str)],
    ) -> Result<u64, SimError> {
        let offer = PreviewOffer {
            agent: agent.to_owned(),
            customer: customer.to_owned(),
            variables: owned(variables),
            dialer: None,
        };
        let created: DialogCreated = self.post_json("/calls/preview", &offer).await?;
        Ok(created.dialog_id)
    }

    /// The remote party of a dialog answers.
    pub async fn remote_answer(&self, dialog: u64) -> Result<(), SimError> {
        self.no_content::<()>(Method::POST, &format!("/dialogs/{dialog}/answer"), None)
            .await
    }

    /// The remote party of a dialog hangs up.
    pub async fn remote_hangup(&self, dialog: u64) -> Result<(), SimError> {
        self.no_content::<()>(Method::POST, &format!("/dialogs/{dialog}/hangup"), None)
            .await
    }

    /// Ring no answer: the router takes an alerting call back from the agent.
    pub async fn ring_no_answer(&self, dialog: u64) -> Result<(), SimError> {
        self.no_content::<()>(Method::POST, &format!("/dialogs/{dialog}/rona"), None)
            .await
    }

    /// Sets a node IN_SERVICE or OUT_OF_SERVICE.
    pub async fn set_node_status(&self, node: NodeId, status: NodeStatus) -> Result<(), SimError> {
        let path = format!("/nodes/{}/status", node.name());
        self.no_content(Method::PUT, &path, Some(&StatusRequest { status }))
            .await
    }

    /// Stops a node (ports close, connections cut).
    pub async fn stop_node(&self, node: NodeId) -> Result<(), SimError> {
        let path = format!("/nodes/{}/stop", node.name());
        self.no_content::<()>(Method::POST, &path, None).await
    }

    /// Starts a stopped node on its previous ports.
    pub async fn start_node(&self, node: NodeId) -> Result<(), SimError> {
        let path = format!("/nodes/{}/start", node.name());
        self.no_content::<()>(Method::POST, &path, None).await
    }

    /// Cuts every XMPP connection of a node; it keeps listening and serving REST.
    pub async fn drop_xmpp(&self, node: NodeId) -> Result<(), SimError> {
        let path = format!("/nodes/{}/drop-xmpp", node.name());
        self.no_content::<()>(Method::POST, &path, None).await
    }

    /// Both nodes' status and addresses.
    pub async fn nodes(&self) -> Result<Vec<NodeView>, SimError> {
        self.get("/nodes").await
    }

    /// Every logged request and notification newer than `since` (0 for all).
    pub async fn events(&self, since: u64) -> Result<EventsReply, SimError> {
        self.get(&format!("/events?since={since}")).await
    }

    /// Forgets the event log.
    pub async fn clear_events(&self) -> Result<(), SimError> {
        self.no_content::<()>(Method::DELETE, "/events", None).await
    }

    /// REST requests received, newer than `since`.
    pub async fn requests(&self, since: u64) -> Result<Vec<RequestRecord>, SimError> {
        let events: Vec<Event> = self.get(&format!("/requests?since={since}")).await?;
        Ok(events
            .into_iter()
            .filter_map(|e| match e {
                Event::Request(r) => Some(r),
                Event::Notification(_) => None,
            })
            .collect())
    }

    /// Notifications published, newer than `since`.
    pub async fn notifications(&self, since: u64) -> Result<Vec<NotificationRecord>, SimError> {
        let events: Vec<Event> = self.get(&format!("/notifications?since={since}")).await?;
        Ok(events
            .into_iter()
            .filter_map(|e| match e {
                Event::Notification(n) => Some(n),
                Event::Request(_) => None,
            })
            .collect())
    }

    /// One agent's runtime state.
    pub async fn agent_state(&self, agent: &str) -> Result<AgentView, SimError> {
        self.get(&format!("/agents/{agent}")).await
    }

    /// Every agent's runtime state.
    pub async fn agents(&self) -> Result<Vec<AgentView>, SimError> {
        self.get("/agents").await
    }

    /// One dialog.
    pub async fn dialog(&self, id: u64) -> Result<DialogView, SimError> {
        self.get(&format!("/dialogs/{id}")).await
    }

    /// Every dialog.
    pub async fn dialogs(&self) -> Result<Vec<DialogView>, SimError> {
        self.get("/dialogs").await
    }

    /// The directory in use.
    pub async fn directory(&self) -> Result<Directory, SimError> {
        self.get("/directory").await
    }

    /// Replaces the directory (agents keep their state if they still exist; calls end).
    pub async fn load_directory(&self, directory: &Directory) -> Result<(), SimError> {
        self.no_content(Method::PUT, "/directory", Some(directory))
            .await
    }

    /// Loads a directory file (a path the simulator process can read).
    pub async fn load_directory_file(&self, path: &Path) -> Result<(), SimError> {
        let body = LoadFile {
            path: path.to_owned(),
        };
        self.no_content(Method::POST, "/directory/load", Some(&body))
            .await
    }
}
