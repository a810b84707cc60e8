//! Configuration objects and system status: reason codes, wrap-up reasons, phone books and
//! contacts, teams, queues, SystemInfo (finesse-api.md §4).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::{NodeCtx, authenticate, error, ok, xml};
use crate::api_error::ApiError;
use crate::directory::PhoneBookRecord;
use crate::render;
use crate::state::World;

type Params = Query<HashMap<String, String>>;

fn reply(result: Result<String, ApiError>) -> Response {
    result.map_or_else(|e| error(&e), ok)
}

fn number(raw: &str, what: &'static str) -> Result<u32, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found(what, format!("{raw} not found")))
}

/// The `{id}` of a User sub-resource must be the caller.
fn own(ctx: &NodeCtx, headers: &HeaderMap, id: &str) -> Result<String, ApiError> {
    let actor = authenticate(ctx, headers)?;
    let world = ctx.engine.lock();
    let target = world
        .directory
        .agent(id)
        .map(|r| r.login_id.clone())
        .ok_or_else(ApiError::user_not_found)?;
    if target == actor {
        Ok(actor)
    } else {
        Err(ApiError::wrong_user())
    }
}

fn category(params: &HashMap<String, String>, allow_all: bool) -> Result<String, ApiError> {
    let value = params
        .get("category")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::parameter_missing("category"))?;
    match value.as_str() {
        "NOT_READY" | "LOGOUT" => Ok(value.clone()),
        "ALL" if allow_all => Ok(value.clone()),
        other => Err(ApiError::invalid_input(format!("Invalid category {other}"))),
    }
}

pub(super) async fn system_info(State(ctx): State<NodeCtx>) -> Response {
    ok(render::system_info(
        &ctx.engine.lock(),
        ctx.node,
        "SystemInfo",
    ))
}

pub(super) async fn user_reason_codes(
    State(ctx): State<NodeCtx>,
    Path(id): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        own(&ctx, &headers, &id)?;
        let category = category(&params, false)?;
        Ok(render::reason_codes(&ctx.engine.lock(), &category))
    })())
}

fn one_reason_code(world: &World, raw: &str) -> Result<String, ApiError> {
    let id = number(raw, "Not Found")?;
    world
        .directory
        .reason_codes
        .iter()
        .find(|r| r.id == id && !r.system_code)
        .map(render::reason_code_object)
        .ok_or_else(|| ApiError::not_found("Not Found", format!("ReasonCode {raw} not found")))
}

pub(super) async fn user_reason_code(
    State(ctx): State<NodeCtx>,
    Path((id, rc)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        own(&ctx, &headers, &id)?;
        one_reason_code(&ctx.engine.lock(), &rc)
    })())
}

pub(super) async fn user_wrap_ups(
    State(ctx): State<NodeCtx>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        own(&ctx, &headers, &id)?;
        Ok(render::wrap_up_reasons(&ctx.engine.lock(), None).unwrap_or_default())
    })())
}

fn one_wrap_up(world: &World, raw: &str) -> Result<String, ApiError> {
    let id = number(raw, "Not Found")?;
    render::wrap_up_reasons(world, Some(id))
        .ok_or_else(|| ApiError::not_found("Not Found", format!("WrapUpReason {raw} not found")))
}

pub(super) async fn user_wrap_up(
    State(ctx): State<NodeCtx>,
    Path((id, wr)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        own(&ctx, &headers, &id)?;
        one_wrap_up(&ctx.engine.lock(), &wr)
    })())
}

/// Global books plus the team books of `team`.
fn books_for(world: &World, team: u32) -> Vec<&PhoneBookRecord> {
    let team_books = world
        .directory
        .team(team)
        .map(|t| t.phone_books.clone())
        .unwrap_or_default();
    world
        .directory
        .phone_books
        .iter()
        .filter(|b| b.kind == "GLOBAL" || team_books.contains(&b.id))
        .collect()
}

pub(super) async fn user_phone_books(
    State(ctx): State<NodeCtx>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        let actor = own(&ctx, &headers, &id)?;
        let world = ctx.engine.lock();
        let team = world.record(&actor).map_or(0, |r| r.team_id);
        Ok(render::phone_books(books_for(&world, team).into_iter()))
    })())
}

pub(super) async fn user_queues(
    State(ctx): State<NodeCtx>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        let actor = own(&ctx, &headers, &id)?;
        let world = ctx.engine.lock();
        let Some(record) = world.record(&actor) else {
            return Err(ApiError::user_not_found());
        };
        let mut ids = record.queues.clone();
        for member in world
            .directory
            .agents
            .iter()
            .filter(|a| record.supervised_teams.contains(&a.team_id))
        {
            ids.extend(&member.queues);
        }
        let mut out = String::from("<Queues>");
        for q in world
            .directory
            .queues
            .iter()
            .filter(|q| ids.contains(&q.id))
        {
            out.push_str(&render::queue(&world, q));
        }
        out.push_str("</Queues>");
        Ok(out)
    })())
}

pub(super) async fn team_resource(
    State(ctx): State<NodeCtx>,
    Path((team, what)): Path<(String, String)>,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        authenticate(&ctx, &headers)?;
        let team = number(&team, "Not Found")?;
        let world = ctx.engine.lock();
        world
            .directory
            .team(team)
            .ok_or_else(|| ApiError::not_found("Not Found", format!("Team {team} not found")))?;
        match what.as_str() {
            "ReasonCodes" => Ok(render::reason_codes(&world, &category(&params, true)?)),
            "WrapUpReasons" => Ok(render::wrap_up_reasons(&world, None).unwrap_or_default()),
            "PhoneBooks" => Ok(render::phone_books(books_for(&world, team).into_iter())),
            _ => Err(ApiError::not_found(
                "Not Found",
                format!("TeamResource {what}"),
            )),
        }
    })())
}

pub(super) async fn reason_codes(
    State(ctx): State<NodeCtx>,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        authenticate(&ctx, &headers)?;
        Ok(render::reason_codes(
            &ctx.engine.lock(),
            &category(&params, true)?,
        ))
    })())
}

pub(super) async fn reason_code(
    State(ctx): State<NodeCtx>,
    Path(rc): Path<String>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        authenticate(&ctx, &headers)?;
        one_reason_code(&ctx.engine.lock(), &rc)
    })())
}

pub(super) async fn wrap_ups(State(ctx): State<NodeCtx>, headers: HeaderMap) -> Response {
    reply((|| {
        authenticate(&ctx, &headers)?;
        Ok(render::wrap_up_reasons(&ctx.engine.lock(), None).unwrap_or_default())
    })())
}

pub(super) async fn wrap_up(
    State(ctx): State<NodeCtx>,
    Path(wr): Path<String>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        authenticate(&ctx, &headers)?;
        one_wrap_up(&ctx.engine.lock(), &wr)
    })())
}

pub(super) async fn phone_books(State(ctx): State<NodeCtx>, headers: HeaderMap) -> Response {
    reply((|| {
        authenticate(&ctx, &headers)?;
        let world = ctx.engine.lock();
        Ok(render::phone_books(world.directory.phone_books.iter()))
    })())
}

fn book<'a>(world: &'a World, raw: &str) -> Result<&'a PhoneBookRecord, ApiError> {
    let id = number(raw, "Not Found")?;
    world
        .directory
        .phone_books
        .iter()
        .find(|b| b.id == id)
        .ok_or_else(|| ApiError::not_found("Not Found", format!("PhoneBook {raw} not found")))
}

pub(super) async fn phone_book(
    State(ctx): State<NodeCtx>,
    Path(pb): Path<String>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        authenticate(&ctx, &headers)?;
        Ok(render::phone_book(book(&ctx.engine.lock(), &pb)?))
    })())
}

/// `Range: objects=a-b` (1-based, inclusive); `Err` means 416.
fn range(headers: &HeaderMap) -> Result<Option<(usize, usize)>, ()> {
    let Some(value) = headers.get(header::RANGE) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?;
    let spec = value.trim().strip_prefix("objects=").ok_or(())?;
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b): (usize, usize) = (
        a.trim().parse().map_err(|_| ())?,
        b.trim().parse().map_err(|_| ())?,
    );
    if a == 0 || b < a {
        return Err(());
    }
    Ok(Some((a, b)))
}

pub(super) async fn contacts(
    State(ctx): State<NodeCtx>,
    Path(pb): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        authenticate(&ctx, &headers)?;
        let world = ctx.engine.lock();
        let book = book(&world, &pb)?;
        Ok((
            render::contacts(book, range(&headers).ok().flatten()),
            range(&headers),
        ))
    })();
    match result {
        Err(e) => error(&e),
        Ok((_, Err(()))) => error(&ApiError::new(
            416,
            "Range Not Satisfiable",
            "Invalid Range header",
        )),
        Ok((body, Ok(Some(_)))) => xml(StatusCode::PARTIAL_CONTENT, body),
        Ok((body, Ok(None))) => ok(body),
    }
}

pub(super) async fn contact(
    State(ctx): State<NodeCtx>,
    Path((pb, c)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        authenticate(&ctx, &headers)?;
        let world = ctx.engine.lock();
        let book = book(&world, &pb)?;
        let id = number(&c, "Not Found")?;
        book.contacts
            .iter()
            .find(|x| x.id == id)
            .map(|x| render::contact(book.id, x))
            .ok_or_else(|| ApiError::not_found("Not Found", format!("Contact {c} not found")))
    })())
}

pub(super) async fn team(
    State(ctx): State<NodeCtx>,
    Path(team): Path<String>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        let actor = authenticate(&ctx, &headers)?;
        let id = number(&team, "Not Found")?;
        let world = ctx.engine.lock();
        let supervises = world
            .record(&actor)
            .is_some_and(|r| r.is_supervisor() && r.supervised_teams.contains(&id));
        if world.directory.team(id).is_none() {
            return Err(ApiError::not_found(
                "Not Found",
                format!("Team {id} not found"),
            ));
        }
        if !supervises {
            return Err(ApiError::invalid_supervisor());
        }
        render::team(&world, id).ok_or_else(|| ApiError::not_found("Not Found", "Team not found"))
    })())
}

pub(super) async fn queue(
    State(ctx): State<NodeCtx>,
    Path(queue): Path<String>,
    headers: HeaderMap,
) -> Response {
    reply((|| {
        authenticate(&ctx, &headers)?;
        let id = number(&queue, "Not Found")?;
        let world = ctx.engine.lock();
        let q = world
            .directory
            .queues
            .iter()
            .find(|q| q.id == id)
            .ok_or_else(|| ApiError::not_found("Not Found", format!("Queue {id} not found")))?;
        Ok(render::queue(&world, q))
    })())
}
