//! The Finesse REST API of one node (finesse-api.md §1–§4): XML bodies, Basic auth as the agent,
//! 202 for writes with the outcome published over XMPP, `ApiErrors` for synchronous failures.
//!
//! Layout: `body` (request parsing), `user` (User, Users, User Dialogs), `dialog` (Dialog),
//! `resources` (reason codes, wrap-ups, phone books, teams, queues, SystemInfo).
//! A middleware records every request in the event log, echoes `requestId`, and answers 503
//! while the node is OUT_OF_SERVICE.

mod body;
mod dialog;
mod resources;
mod user;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;

use crate::api_error::ApiError;
use crate::cluster::NodeId;
use crate::engine::Engine;
use crate::eventlog::{EventLog, RequestRecord};
use crate::state::Now;

/// Everything a handler needs: which node it is, the engine, the log.
#[derive(Debug, Clone)]
pub(crate) struct NodeCtx {
    pub(crate) node: NodeId,
    pub(crate) engine: Engine,
    pub(crate) log: Arc<EventLog>,
}

/// Largest request body accepted.
const MAX_BODY: usize = 1024 * 1024;

/// The router of one node.
pub(crate) fn router(ctx: NodeCtx) -> Router {
    let api = Router::new()
        .route("/finesse/api/SystemInfo", get(resources::system_info))
        .route("/finesse/api/Users", get(user::list))
        .route(
            "/finesse/api/User/{id}",
            get(user::get_user)
                .put(user::put_user)
                .post(user::legacy_subscribe),
        )
        .route(
            "/finesse/api/User/{id}/Dialogs",
            get(user::get_dialogs).post(user::post_dialog),
        )
        .route(
            "/finesse/api/User/{id}/ReasonCodes",
            get(resources::user_reason_codes),
        )
        .route(
            "/finesse/api/User/{id}/ReasonCode/{rc}",
            get(resources::user_reason_code),
        )
        .route(
            "/finesse/api/User/{id}/WrapUpReasons",
            get(resources::user_wrap_ups),
        )
        .route(
            "/finesse/api/User/{id}/WrapUpReason/{wr}",
            get(resources::user_wrap_up),
        )
        .route(
            "/finesse/api/User/{id}/PhoneBooks",
            get(resources::user_phone_books),
        )
        .route("/finesse/api/User/{id}/Queues", get(resources::user_queues))
        .route(
            "/finesse/api/TeamResource/{team}/{what}",
            get(resources::team_resource),
        )
        .route("/finesse/api/ReasonCodes", get(resources::reason_codes))
        .route("/finesse/api/ReasonCode/{rc}", get(resources::reason_code))
        .route("/finesse/api/WrapUpReasons", get(resources::wrap_ups))
        .route("/finesse/api/WrapUpReason/{wr}", get(resources::wrap_up))
        .route("/finesse/api/PhoneBooks", get(resources::phone_books))
        .route("/finesse/api/PhoneBook/{pb}", get(resources::phone_book))
        .route(
            "/finesse/api/PhoneBook/{pb}/Contacts",
            get(resources::contacts),
        )
        .route(
            "/finesse/api/PhoneBook/{pb}/Contact/{c}",
            get(resources::contact),
        )
        .route("/finesse/api/Team/{team}", get(resources::team))
        .route("/finesse/api/Queue/{queue}", get(resources::queue))
        .route(
            "/finesse/api/Dialog/{id}",
            get(dialog::get_dialog).put(dialog::put_dialog),
        )
        .fallback(not_found);
    api.layer(middleware::from_fn_with_state(ctx.clone(), observe))
        .with_state(ctx)
}

async fn not_found() -> Response {
    error(&ApiError::not_found("Not Found", "Resource not found"))
}

/// An XML answer.
pub(crate) fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/xml;charset=UTF-8")],
        body,
    )
        .into_response()
}

/// 200 with an XML body.
pub(crate) fn ok(body: String) -> Response {
    xml(StatusCode::OK, body)
}

/// 202 Accepted, empty body: the outcome comes as a notification.
pub(crate) fn accepted() -> Response {
    StatusCode::ACCEPTED.into_response()
}

/// A synchronous failure.
pub(crate) fn error(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    xml(status, e.to_xml())
}

/// The Basic-auth user name and password, if the header is well formed.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Authenticates the caller as a Finesse user; returns their login id.
pub(crate) fn authenticate(ctx: &NodeCtx, headers: &HeaderMap) -> Result<String, ApiError> {
    let (user, password) = basic(headers).ok_or_else(ApiError::unauthorized)?;
    ctx.engine
        .lock()
        .authenticate(&user, &password, &Now::current())
        .map_err(|_| ApiError::unauthorized())
}

/// The `requestId` header (any casing).
pub(crate) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("requestid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn observe(State(ctx): State<NodeCtx>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), ToString::to_string);
    let user = basic(&parts.headers).map(|(u, _)| u);
    let rid = parts
        .headers
        .get("requestid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (body_text, response) = match axum::body::to_bytes(body, MAX_BODY).await {
        Err(_) => (
            String::new(),
            error(&ApiError::bad_request(
                "Request body too large or unreadable",
            )),
        ),
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let in_service = ctx.engine.lock().nodes[ctx.node.index()].in_service;
            let response = if !in_service && parts.uri.path() != "/finesse/api/SystemInfo" {
                error(&ApiError::service_unavailable())
            } else {
                next.run(Request::from_parts(parts, Body::from(bytes)))
                    .await
            };
            (text, response)
        }
    };
    let mut response = response;
    if let Some(rid) = &rid
        && (method == axum::http::Method::PUT || method == axum::http::Method::POST)
        && let Ok(value) = HeaderValue::from_str(rid)
    {
        response.headers_mut().insert("requestid", value);
    }
    ctx.log.request(RequestRecord {
        seq: 0,
        time: Now::current().wall,
        node: ctx.node.name().to_owned(),
        method: method.to_string(),
        path,
        user,
        request_id: rid,
        body: body_text,
        status: response.status().as_u16(),
    });
    response
}
