//! Info/query requests of a bound session: XEP-0199 ping, legacy session, roster, service
//! discovery and XEP-0060 subscribe / unsubscribe / subscriptions on the pubsub service.

use std::fmt::Write as _;

use super::XmppCtx;
use super::session::{PUBSUB, iq_error};
use crate::notify::SubError;
use crate::xml::{Element, escape};

/// Answers one iq (nothing for `result` / `error` iqs, which answer our own requests).
pub(super) fn handle(
    ctx: &XmppCtx,
    jid: &str,
    hub_id: Option<u64>,
    iq: &Element,
    out: &mut String,
) {
    let kind = iq.attr("type").unwrap_or_default();
    if kind != "get" && kind != "set" {
        return;
    }
    let id = escape(iq.attr("id").unwrap_or_default()).into_owned();
    let to = iq.attr("to").unwrap_or(&ctx.domain).to_owned();
    let from = escape(&to).into_owned();
    let me = escape(jid).into_owned();
    let Some(child) = iq.children.first() else {
        out.push_str(&iq_error(&id, &from, "bad-request", "modify"));
        return;
    };
    let result = |out: &mut String, body: &str| {
        let _ = write!(
            out,
            "<iq type='result' id='{id}' from='{from}' to='{me}'>{body}</iq>"
        );
    };
    match (child.name.as_str(), child.ns.as_str(), kind) {
        ("ping", "urn:xmpp:ping", "get")
        | ("session", "urn:ietf:params:xml:ns:xmpp-session", "set") => {
            result(out, "");
        }
        ("query", "jabber:iq:roster", "get") => result(
            out,
            &format!(
                "<query xmlns='jabber:iq:roster'><item jid='finesse@{}' name='Finesse' \
                 subscription='both'/></query>",
                ctx.domain
            ),
        ),
        ("query", "jabber:iq:roster", "set") => result(out, ""),
        ("query", "http://jabber.org/protocol/disco#info", "get") => {
            let identity = if to == ctx.pubsub {
                "<identity category='pubsub' type='service' name='Finesse pubsub'/>"
            } else {
                "<identity category='server' type='im' name='Finesse Notification Service'/>"
            };
            result(
                out,
                &format!(
                    "<query xmlns='http://jabber.org/protocol/disco#info'>{identity}\
                     <feature var='urn:xmpp:ping'/><feature var='{PUBSUB}'/>\
                     <feature var='{PUBSUB}#subscribe'/></query>"
                ),
            );
        }
        ("query", "http://jabber.org/protocol/disco#items", "get") => {
            result(
                out,
                "<query xmlns='http://jabber.org/protocol/disco#items'/>",
            );
        }
        ("pubsub", PUBSUB, _) if to == ctx.pubsub => match hub_id {
            Some(hub_id) => pubsub(ctx, jid, hub_id, child, kind, &id, out),
            None => out.push_str(&iq_error(&id, &from, "not-authorized", "auth")),
        },
        _ => out.push_str(&iq_error(&id, &from, "service-unavailable", "cancel")),
    }
}

/// Whether this user may subscribe to this node, or why not.
fn authorise(ctx: &XmppCtx, user: &str, node: &str) -> Result<(), &'static str> {
    let world = ctx.engine.lock();
    let parts: Vec<&str> = node
        .trim_start_matches("/finesse/api/")
        .split('/')
        .collect();
    match parts.as_slice() {
        ["Team", team, "Users"] => {
            let team: u32 = team.parse().map_err(|_| "item-not-found")?;
            world.directory.team(team).ok_or("item-not-found")?;
            let allowed = world
                .record(user)
                .is_some_and(|r| r.is_supervisor() && r.supervised_teams.contains(&team));
            if allowed { Ok(()) } else { Err("forbidden") }
        }
        ["Queue", queue] => {
            let queue: u32 = queue.parse().map_err(|_| "item-not-found")?;
            if world.directory.queues.iter().any(|q| q.id == queue) {
                Ok(())
            } else {
                Err("item-not-found")
            }
        }
        ["User", owner]
        | ["User", owner, "Queues" | "Dialogs"]
        | ["User", owner, "Dialogs", "Media"] => {
            if world.record(owner).is_none() {
                Err("item-not-found")
            } else if *owner == user || world.supervises(user, owner) {
                Ok(())
            } else {
                Err("forbidden")
            }
        }
        ["SystemInfo"] => Ok(()),
        _ => Err("item-not-found"),
    }
}

fn pubsub(
    ctx: &XmppCtx,
    jid: &str,
    hub_id: u64,
    pubsub: &Element,
    kind: &str,
    id: &str,
    out: &mut String,
) {
    let from = escape(&ctx.pubsub).into_owned();
    let me = escape(jid).into_owned();
    let user = jid.split('@').next().unwrap_or_default();
    let bare = jid.split('/').next().unwrap_or_default();
    let Some(op) = pubsub.children.first() else {
        out.push_str(&iq_error(id, &from, "bad-request", "modify"));
        return;
    };
    let node = op.attr("node").unwrap_or_default().to_owned();
    let target = op.attr("jid").unwrap_or(jid);
    match (op.name.as_str(), kind) {
        ("subscribe" | "unsubscribe", "set") if target != jid && target != bare => {
            out.push_str(&pubsub_error(
                id,
                &from,
                "bad-request",
                "modify",
                "invalid-jid",
            ));
        }
        ("subscribe" | "unsubscribe", "set") if node.is_empty() => {
            out.push_str(&pubsub_error(
                id,
                &from,
                "bad-request",
                "modify",
                "nodeid-required",
            ));
        }
        ("subscribe", "set") => match authorise(ctx, user, &node) {
            Ok(()) => {
                let subid = ctx.engine.hub().subscribe(hub_id, &node);
                let _ = write!(
                    out,
                    "<iq type='result' id='{id}' from='{from}' to='{me}'><pubsub xmlns='{PUBSUB}'>\
                     <subscription node='{node}' jid='{me}' subid='{subid}' \
                     subscription='subscribed'/></pubsub></iq>",
                    node = escape(&node)
                );
            }
            Err(condition) => {
                let kind = if condition == "forbidden" {
                    "auth"
                } else {
                    "cancel"
                };
                out.push_str(&iq_error(id, &from, condition, kind));
            }
        },
        ("unsubscribe", "set") => match ctx.engine.hub().unsubscribe(hub_id, &node) {
            Ok(()) => {
                let _ = write!(out, "<iq type='result' id='{id}' from='{from}' to='{me}'/>");
            }
            Err(SubError::NotSubscribed) => out.push_str(&pubsub_error(
                id,
                &from,
                "unexpected-request",
                "cancel",
                "not-subscribed",
            )),
        },
        ("subscriptions", "get") => {
            let mut body = format!(
                "<iq type='result' id='{id}' from='{from}' to='{me}'>\
                                    <pubsub xmlns='{PUBSUB}'><subscriptions>"
            );
            for node in ctx.engine.hub().subscriptions_of(hub_id) {
                let _ = write!(
                    body,
                    "<subscription node='{}' jid='{me}' subscription='subscribed'/>",
                    escape(&node)
                );
            }
            body.push_str("</subscriptions></pubsub></iq>");
            out.push_str(&body);
        }
        _ => out.push_str(&iq_error(id, &from, "feature-not-implemented", "cancel")),
    }
}

fn pubsub_error(id: &str, from: &str, condition: &str, kind: &str, specific: &str) -> String {
    format!(
        "<iq type='error' id='{id}' from='{from}'><error type='{kind}'>\
         <{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
         <{specific} xmlns='{PUBSUB}#errors'/></error></iq>"
    )
}
