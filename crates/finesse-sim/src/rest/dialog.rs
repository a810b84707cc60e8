//! `GET` and `PUT /finesse/api/Dialog/{id}`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{NodeCtx, accepted, authenticate, body, error, ok, request_id};
use crate::api_error::ApiError;
use crate::render;

fn dialog_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| ApiError::dialog_not_found())
}

pub(super) async fn get_dialog(
    State(ctx): State<NodeCtx>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        let actor = authenticate(&ctx, &headers)?;
        let id = dialog_id(&id)?;
        let world = ctx.engine.lock();
        let dialog = world
            .dialogs
            .get(&id)
            .ok_or_else(ApiError::dialog_not_found)?;
        if !dialog.seen_by.contains(&actor) {
            return Err(ApiError::wrong_user());
        }
        Ok(render::rest_dialog(&world, dialog))
    })();
    result.map_or_else(|e| error(&e), ok)
}

pub(super) async fn put_dialog(
    State(ctx): State<NodeCtx>,
    Path(id): Path<String>,
    headers: HeaderMap,
    text: String,
) -> Response {
    let result = (|| {
        let actor = authenticate(&ctx, &headers)?;
        let id = dialog_id(&id)?;
        let req = body::dialog(&text)?;
        let action = ctx.engine.lock().check_dialog_put(&actor, id, &req)?;
        let rid = request_id(&headers);
        ctx.engine
            .submit(move |world, now, out| {
                world.apply_dialog_put(&actor, id, action, &req, &rid, now, out);
            })
            .map_err(|_| ApiError::service_unavailable())
    })();
    result.map_or_else(|e| error(&e), |()| accepted())
}
