//! The control API server (JSON over HTTP). Endpoint list in `super` and the README.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};

use super::types::{
    AgentView, DialogCreated, DialogView, ErrorReply, EventsReply, LoadFile, NodeStatus, NodeView,
    ParticipantView, StatusRequest,
};
use crate::cluster::{NodeId, Shared};
use crate::directory::Directory;
use crate::eventlog::Event;
use crate::state::model::{AgentState, Dialog};
use crate::state::{InboundOffer, OutboundOffer, PreviewOffer, World};

type Ctx = State<Arc<Shared>>;
type Reply<T> = Result<Json<T>, Response>;

fn fail(status: StatusCode, error: impl Into<String>) -> Response {
    (
        status,
        Json(ErrorReply {
            error: error.into(),
        }),
    )
        .into_response()
}

#[allow(clippy::result_large_err)] // axum handlers answer errors as responses
fn node(raw: &str) -> Result<NodeId, Response> {
    NodeId::parse(raw).ok_or_else(|| fail(StatusCode::NOT_FOUND, format!("no node {raw}")))
}

fn since(params: &HashMap<String, String>) -> u64 {
    params
        .get("since")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/nodes", get(nodes))
        .route("/nodes/{node}/stop", post(stop_node))
        .route("/nodes/{node}/start", post(start_node))
        .route("/nodes/{node}/drop-xmpp", post(drop_xmpp))
        .route("/nodes/{node}/status", put(set_status))
        .route("/directory", get(directory).put(load_directory))
        .route("/directory/load", post(load_directory_file))
        .route("/agents", get(agents))
        .route("/agents/{id}", get(agent))
        .route("/calls/inbound", post(inbound))
        .route("/calls/outbound", post(outbound))
        .route("/calls/preview", post(preview))
        .route("/dialogs", get(dialogs))
        .route("/dialogs/{id}", get(dialog))
        .route("/dialogs/{id}/answer", post(remote_answer))
        .route("/dialogs/{id}/hangup", post(remote_hangup))
        .route("/dialogs/{id}/rona", post(ring_no_answer))
        .route("/events", get(events).delete(clear_events))
        .route("/requests", get(requests))
        .route("/notifications", get(notifications))
        .fallback(|| async { fail(StatusCode::NOT_FOUND, "no such control endpoint") })
        .with_state(shared)
}

async fn health(State(shared): Ctx) -> Json<serde_json::Value> {
    let sessions = shared.engine.hub().session_count();
    Json(serde_json::json!({"status": "ok", "xmppSessions": sessions}))
}

async fn nodes(State(shared): Ctx) -> Json<Vec<NodeView>> {
    let status: Vec<bool> = {
        let world = shared.engine.lock();
        world.nodes.iter().map(|n| n.in_service).collect()
    };
    Json(
        NodeId::ALL
            .into_iter()
            .filter(|id| *id == NodeId::Primary || shared.config.secondary.enabled)
            .map(|id| {
                let info = shared.node_info(id);
                NodeView {
                    node: id,
                    running: info.running,
                    status: if status[id.index()] {
                        NodeStatus::InService
                    } else {
                        NodeStatus::OutOfService
                    },
                    rest_addr: info.rest_addr,
                    xmpp_addr: info.xmpp_addr,
                    base_url: info.base_url,
                }
            })
            .collect(),
    )
}

async fn stop_node(State(shared): Ctx, Path(raw): Path<String>) -> Result<StatusCode, Response> {
    shared.stop_node(node(&raw)?).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn drop_xmpp(State(shared): Ctx, Path(raw): Path<String>) -> Result<StatusCode, Response> {
    shared.drop_xmpp(node(&raw)?);
    Ok(StatusCode::NO_CONTENT)
}

async fn start_node(State(shared): Ctx, Path(raw): Path<String>) -> Result<StatusCode, Response> {
    let id = node(&raw)?;
    if id == NodeId::Secondary && !shared.config.secondary.enabled {
        return Err(fail(StatusCode::CONFLICT, "the secondary node is disabled"));
    }
    shared
        .start_node(id)
        .await
        .map_err(|e| fail(StatusCode::CONFLICT, e.to_string()))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_status(
    State(shared): Ctx,
    Path(raw): Path<String>,
    Json(req): Json<StatusRequest>,
) -> Result<StatusCode, Response> {
    let id = node(&raw)?;
    shared
        .set_node_status(id, req.status == NodeStatus::InService)
        .await
        .map_err(|e| fail(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn directory(State(shared): Ctx) -> Json<Directory> {
    Json(shared.engine.lock().directory.records().clone())
}

async fn replace_directory(shared: &Shared, directory: Directory) -> Result<StatusCode, Response> {
    directory
        .validate()
        .map_err(|e| fail(StatusCode::BAD_REQUEST, e.to_string()))?;
    shared
        .engine
        .call(move |world, now, _| world.load_directory(directory, now))
        .await
        .map_err(|e| fail(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn load_directory(
    State(shared): Ctx,
    Json(d): Json<Directory>,
) -> Result<StatusCode, Response> {
    replace_directory(&shared, d).await
}

async fn load_directory_file(
    State(shared): Ctx,
    Json(req): Json<LoadFile>,
) -> Result<StatusCode, Response> {
    let directory = Directory::from_json_file(&req.path)
        .map_err(|e| fail(StatusCode::BAD_REQUEST, e.to_string()))?;
    replace_directory(&shared, directory).await
}

fn agent_view(world: &World, id: &str) -> Option<AgentView> {
    let a = world.agents.get(id)?;
    Some(AgentView {
        login_id: a.id.clone(),
        state: a.state.as_str().to_owned(),
        pending_state: a.pending.map_or("", AgentState::as_str).to_owned(),
        reason_code_id: a.reason.as_ref().map_or(-1, |r| i64::from(r.id)),
        reason_code: a.reason.as_ref().map(|r| r.code),
        extension: a.extension.clone(),
        xmpp_sessions: a.sessions,
        locked: a
            .auth
            .locked_until
            .is_some_and(|t| t > tokio::time::Instant::now()),
        dialogs: world
            .dialogs
            .values()
            .filter(|d| d.seen_by.contains(id))
            .map(|d| d.id)
            .collect(),
    })
}

async fn agents(State(shared): Ctx) -> Json<Vec<AgentView>> {
    let world = shared.engine.lock();
    Json(
        world
            .directory
            .agents
            .iter()
            .filter_map(|r| agent_view(&world, &r.login_id))
            .collect(),
    )
}

async fn agent(State(shared): Ctx, Path(id): Path<String>) -> Reply<AgentView> {
    let world = shared.engine.lock();
    agent_view(&world, &id)
        .map(Json)
        .ok_or_else(|| fail(StatusCode::NOT_FOUND, format!("no agent {id}")))
}

async fn offer<T: Send + 'static>(
    shared: &Shared,
    offer: T,
    f: fn(&mut World, &T, &crate::state::Now, &mut crate::state::Out) -> Result<u64, String>,
) -> Reply<DialogCreated> {
    let result = shared
        .engine
        .call(move |world, now, out| f(world, &offer, now, out))
        .await
        .map_err(|e| fail(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    result
        .map(|dialog_id| Json(DialogCreated { dialog_id }))
        .map_err(|e| fail(StatusCode::CONFLICT, e))
}

async fn inbound(State(shared): Ctx, Json(o): Json<InboundOffer>) -> Reply<DialogCreated> {
    offer(&shared, o, World::offer_inbound).await
}

async fn outbound(State(shared): Ctx, Json(o): Json<OutboundOffer>) -> Reply<DialogCreated> {
    offer(&shared, o, World::offer_outbound).await
}

async fn preview(State(shared): Ctx, Json(o): Json<PreviewOffer>) -> Reply<DialogCreated> {
    offer(&shared, o, World::offer_preview).await
}

fn dialog_view(world: &World, d: &Dialog) -> DialogView {
    DialogView {
        id: d.id,
        call_type: d.call_type.clone(),
        state: d.state.as_str().to_owned(),
        from_address: d.from_address.clone(),
        to_address: d.to_address.clone(),
        associated_dialog_uri: d.associated_dialog_uri.clone(),
        secondary_id: d.secondary_id.clone(),
        variables: d.variables.clone(),
        wrap_up_reason: d.wrap_up_reason.clone(),
        participants: d
            .participants
            .iter()
            .enumerate()
            .map(|(i, p)| ParticipantView {
                address: p.address.clone(),
                agent: p.agent.clone(),
                state: p.state.as_str().to_owned(),
                actions: world
                    .actions(d, i)
                    .iter()
                    .map(|a| a.as_str().to_owned())
                    .collect(),
            })
            .collect(),
    }
}

async fn dialogs(State(shared): Ctx) -> Json<Vec<DialogView>> {
    let world = shared.engine.lock();
    Json(
        world
            .dialogs
            .values()
            .map(|d| dialog_view(&world, d))
            .collect(),
    )
}

async fn dialog(State(shared): Ctx, Path(id): Path<u64>) -> Reply<DialogView> {
    let world = shared.engine.lock();
    world
        .dialogs
        .get(&id)
        .map(|d| Json(dialog_view(&world, d)))
        .ok_or_else(|| fail(StatusCode::NOT_FOUND, format!("no dialog {id}")))
}

#[derive(Debug, Clone, Copy)]
enum Remote {
    Answer,
    Hangup,
    RingNoAnswer,
}

async fn remote(shared: &Shared, id: u64, what: Remote) -> Result<StatusCode, Response> {
    let result = shared
        .engine
        .call(move |world, now, out| match what {
            Remote::Answer => world.remote_answer(id, now, out),
            Remote::Hangup => world.remote_hangup(id, now, out),
            Remote::RingNoAnswer => world.ring_no_answer(id, now, out),
        })
        .await
        .map_err(|e| fail(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    result
        .map(|()| StatusCode::NO_CONTENT)
        .map_err(|e| fail(StatusCode::CONFLICT, e))
}

async fn remote_answer(State(shared): Ctx, Path(id): Path<u64>) -> Result<StatusCode, Response> {
    remote(&shared, id, Remote::Answer).await
}

async fn remote_hangup(State(shared): Ctx, Path(id): Path<u64>) -> Result<StatusCode, Response> {
    remote(&shared, id, Remote::Hangup).await
}

async fn ring_no_answer(State(shared): Ctx, Path(id): Path<u64>) -> Result<StatusCode, Response> {
    remote(&shared, id, Remote::RingNoAnswer).await
}

async fn events(
    State(shared): Ctx,
    Query(params): Query<HashMap<String, String>>,
) -> Json<EventsReply> {
    Json(EventsReply {
        last: shared.log.last_seq(),
        events: shared.log.since(since(&params)),
    })
}

async fn clear_events(State(shared): Ctx) -> StatusCode {
    shared.log.clear();
    StatusCode::NO_CONTENT
}

async fn requests(
    State(shared): Ctx,
    Query(params): Query<HashMap<String, String>>,
) -> Json<Vec<Event>> {
    let mut events = shared.log.since(since(&params));
    events.retain(|e| matches!(e, Event::Request(_)));
    Json(events)
}

async fn notifications(
    State(shared): Ctx,
    Query(params): Query<HashMap<String, String>>,
) -> Json<Vec<Event>> {
    let mut events = shared.log.since(since(&params));
    events.retain(|e| matches!(e, Event::Notification(_)));
    Json(events)
}
