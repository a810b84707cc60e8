//! The operations endpoint: `/healthz` (the process runs), `/readyz` (connected to the broker
//! and Finesse in service), `/metrics` (Prometheus text) and `/agents` (the agents holding a
//! licence, as JSON: what `gcctl agents` shows). All read-only.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// A request for the ids of the agents holding a licence, answered by the driver (which owns
/// the engine). Asked for on demand: keeping a copy fresh on a timer would walk and copy every
/// agent a few times a second for a page read now and then.
pub(crate) type AgentQuery = oneshot::Sender<Vec<String>>;

/// What the handlers share.
#[derive(Clone)]
struct Endpoint {
    metrics: Arc<Metrics>,
    agents: mpsc::Sender<AgentQuery>,
}

/// Serves the endpoint until `shutdown` is cancelled; returns the bound address.
pub(crate) async fn serve(
    listen: SocketAddr,
    metrics: Arc<Metrics>,
    agent_queries: mpsc::Sender<AgentQuery>,
    shutdown: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics_text))
        .route("/agents", get(agents))
        .with_state(Endpoint {
            metrics,
            agents: agent_queries,
        });
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        if let Err(error) = served {
            tracing::warn!(%error, "the health and metrics endpoint stopped");
        }
    });
    Ok(addr)
}

async fn ready(State(Endpoint { metrics, .. }): State<Endpoint>) -> impl IntoResponse {
    let broker = metrics.broker_connected.get() == 1;
    let finesse = metrics.finesse_in_service.get() == 1;
    let body = format!("broker_connected {broker}\nfinesse_in_service {finesse}\n");
    let status = if broker && finesse {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body)
}

async fn metrics_text(State(Endpoint { metrics, .. }): State<Endpoint>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
}

/// `{"count": 2, "agents": [{"agentId": "1001"}, …]}`: the agents holding a licence (logged in
/// or logging in) on this instance, asked of the driver. 503 when the driver does not answer
/// within a second (it is stopping, or busy beyond reason).
async fn agents(State(Endpoint { agents, .. }): State<Endpoint>) -> axum::response::Response {
    let (tx, rx) = oneshot::channel();
    let asked = async {
        agents.send(tx).await.ok()?;
        rx.await.ok()
    };
    let Ok(Some(ids)) = tokio::time::timeout(std::time::Duration::from_secs(1), asked).await else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the connector is not answering\n",
        )
            .into_response();
    };
    let agents: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| serde_json::json!({ "agentId": id }))
        .collect();
    axum::Json(serde_json::json!({ "count": agents.len(), "agents": agents })).into_response()
}
