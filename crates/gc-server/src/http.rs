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
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// Serves the endpoint until `shutdown` is cancelled; returns the bound address.
pub async fn serve(
    listen: SocketAddr,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics_text))
        .route("/agents", get(agents))
        .with_state(metrics);
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

async fn ready(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
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

async fn metrics_text(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
}

/// `{"count": 2, "agents": [{"agentId": "1001"}, …]}`: the agents holding a licence (logged in
/// or logging in) on this instance, as of the last gauge refresh (at most 250 ms old).
async fn agents(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    let ids = metrics.agents();
    let agents: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| serde_json::json!({ "agentId": id }))
        .collect();
    axum::Json(serde_json::json!({ "count": agents.len(), "agents": agents }))
}
