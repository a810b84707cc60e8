//! `User`, `Users` and `User/{id}/Dialogs`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{NodeCtx, accepted, authenticate, body, error, ok, request_id, xml};
use crate::api_error::ApiError;
use crate::render;
use crate::state::Action;

/// Resolves `{id}` (login id, or login name on UCCE) to a login id.
fn resolve(ctx: &NodeCtx, id: &str) -> Result<String, ApiError> {
    let world = ctx.engine.lock();
    let record = if world.ucce() {
        world.directory.agent(id)
    } else {
        world.directory.agent_by_id(id)
    };
    record
        .map(|r| r.login_id.clone())
        .ok_or_else(ApiError::user_not_found)
}

/// Who may read `target`: the user, or a supervisor of the user's team.
fn may_read(ctx: &NodeCtx, actor: &str, target: &str) -> Result<(), ApiError> {
    if actor == target || ctx.engine.lock().supervises(actor, target) {
        Ok(())
    } else {
        Err(ApiError::wrong_user())
    }
}

pub(super) async fn get_user(
    State(ctx): State<NodeCtx>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        let actor = authenticate(&ctx, &headers)?;
        let target = resolve(&ctx, &id)?;
        may_read(&ctx, &actor, &target)?;
        render::user(&ctx.engine.lock(), &target, "User").ok_or_else(ApiError::user_not_found)
    })();
    result.map_or_else(|e| error(&e), ok)
}

pub(super) async fn list(State(ctx): State<NodeCtx>, headers: HeaderMap) -> Response {
    let result = (|| {
        let actor = authenticate(&ctx, &headers)?;
        let world = ctx.engine.lock();
        if !world
            .record(&actor)
            .is_some_and(super::super::directory::AgentRecord::is_supervisor)
        {
            return Err(ApiError::unauthorized());
        }
        let mut out = String::from("<Users>");
        for record in &world.directory.agents {
            if let Some(x) = render::user(&world, &record.login_id, "User") {
                out.push_str(&x);
            }
        }
        out.push_str("</Users>");
        Ok(out)
    })();
    result.map_or_else(|e| error(&e), ok)
}

pub(super) async fn put_user(
    State(ctx): State<NodeCtx>,
    Path(id): Path<String>,
    headers: HeaderMap,
    text: String,
) -> Response {
    let result = (|| {
        let actor = authenticate(&ctx, &headers)?;
        let target = resolve(&ctx, &id)?;
        let req = body::user(&text)?;
        let checked = ctx.engine.lock().check_user_put(&actor, &target, &req)?;
        let rid = request_id(&headers);
        ctx.engine
            .submit(move |world, now, out| world.apply_user_put(&target, checked, &rid, now, out))
            .map_err(|_| ApiError::service_unavailable())
    })();
    result.map_or_else(|e| error(&e), |()| accepted())
}

/// The Finesse 8.5/9.0 REST subscription: gone on current servers.
pub(super) async fn legacy_subscribe() -> Response {
    xml(
        StatusCode::METHOD_NOT_ALLOWED,
        ApiError::new(405, "Method Not Allowed", "Subscribe over XMPP instead").to_xml(),
    )
}

pub(super) async fn get_dialogs(
    State(ctx): State<NodeCtx>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        let actor = authenticate(&ctx, &headers)?;
        let target = resolve(&ctx, &id)?;
        if actor != target {
            return Err(ApiError::wrong_user());
        }
        Ok(render::user_dialogs(&ctx.engine.lock(), &target))
    })();
    result.map_or_else(|e| error(&e), ok)
}

pub(super) async fn post_dialog(
    State(ctx): State<NodeCtx>,
    Path(id): Path<String>,
    headers: HeaderMap,
    text: String,
) -> Response {
    let result = (|| {
        let actor = authenticate(&ctx, &headers)?;
        let target = resolve(&ctx, &id)?;
        if actor != target {
            return Err(ApiError::wrong_user());
        }
        let req = body::dialog(&text)?;
        let raw = req
            .action
            .clone()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ApiError::parameter_missing("requestedAction"))?;
        let action = Action::parse(&raw)
            .ok_or_else(|| ApiError::invalid_input(format!("Invalid requestedAction {raw}")))?;
        let rid = request_id(&headers);
        let submitted = match action {
            Action::MakeCall => {
                ctx.engine.lock().check_make_call(&req)?;
                ctx.engine.submit(move |world, now, out| {
                    world.apply_make_call(&actor, &req, &rid, now, out);
                })
            }
            Action::SilentMonitor | Action::BargeCall => {
                let barge = action == Action::BargeCall;
                let agent = ctx.engine.lock().check_monitor(&actor, &req, barge)?;
                ctx.engine.submit(move |world, now, out| {
                    if barge {
                        world.apply_barge(&actor, &req, &rid, now, out);
                    } else {
                        world.apply_silent_monitor(&actor, &agent, &req, &rid, now, out);
                    }
                })
            }
            _ => {
                return Err(ApiError::invalid_input(format!(
                    "{raw} is requested with PUT /finesse/api/Dialog/{{id}}"
                )));
            }
        };
        submitted.map_err(|_| ApiError::service_unavailable())
    })();
    result.map_or_else(|e| error(&e), |()| accepted())
}
