//! Outgoing stanzas (formatted) and the few incoming shapes the session must recognise. Pure.

use base64::Engine as _;
use finesse_model::Element;
use gc_protocol::Password;
use quick_xml::escape::escape;

pub(crate) const NS_TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
pub(crate) const NS_SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
pub(crate) const NS_BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
pub(crate) const NS_SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
pub(crate) const NS_PING: &str = "urn:xmpp:ping";
pub(crate) const NS_PUBSUB: &str = "http://jabber.org/protocol/pubsub";

/// The client's stream header.
pub(crate) fn stream_header(domain: &str) -> String {
    format!(
        "<?xml version='1.0'?><stream:stream to='{}' version='1.0' xmlns='jabber:client' \
         xmlns:stream='http://etherx.jabber.org/streams'>",
        escape(domain)
    )
}

pub(crate) const STREAM_END: &str = "</stream:stream>";

pub(crate) fn starttls() -> String {
    format!("<starttls xmlns='{NS_TLS}'/>")
}

/// SASL PLAIN (RFC 4616): base64 of `\0user\0password`, no authorisation identity.
pub(crate) fn auth_plain(user: &str, password: &Password) -> String {
    let mut raw = Vec::with_capacity(user.len() + password.expose().len() + 2);
    raw.push(0);
    raw.extend_from_slice(user.as_bytes());
    raw.push(0);
    raw.extend_from_slice(password.expose().as_bytes());
    let token = base64::engine::general_purpose::STANDARD.encode(raw);
    format!("<auth xmlns='{NS_SASL}' mechanism='PLAIN'>{token}</auth>")
}

pub(crate) fn bind(id: &str, resource: &str) -> String {
    format!(
        "<iq type='set' id='{}'><bind xmlns='{NS_BIND}'><resource>{}</resource></bind></iq>",
        escape(id),
        escape(resource)
    )
}

pub(crate) fn session(id: &str) -> String {
    format!(
        "<iq type='set' id='{}'><session xmlns='{NS_SESSION}'/></iq>",
        escape(id)
    )
}

/// Initial presence with priority 0 (finesse-api.md §6.2 step 3).
pub(crate) fn initial_presence() -> &'static str {
    "<presence><priority>0</priority></presence>"
}

pub(crate) fn unavailable_presence() -> &'static str {
    "<presence type='unavailable'/>"
}

/// XEP-0199 ping to the server.
pub(crate) fn ping(id: &str, to: &str) -> String {
    format!(
        "<iq type='get' id='{}' to='{}'><ping xmlns='{NS_PING}'/></iq>",
        escape(id),
        escape(to)
    )
}

/// XEP-0060 subscribe / unsubscribe with the full JID (§6.3).
pub(crate) fn pubsub(id: &str, service: &str, verb: &str, node: &str, jid: &str) -> String {
    format!(
        "<iq type='set' id='{}' to='{}'><pubsub xmlns='{NS_PUBSUB}'><{verb} node='{}' jid='{}'/></pubsub></iq>",
        escape(id),
        escape(service),
        escape(node),
        escape(jid)
    )
}

/// Answer to a server iq: `result` for a ping, `service-unavailable` for anything else
/// (RFC 6120 §8.4: every get/set iq must be answered).
pub(crate) fn iq_reply(request: &Element<'_>) -> Option<String> {
    let kind = request.attr("type").unwrap_or_default();
    if kind != "get" && kind != "set" {
        return None;
    }
    let id = escape(request.attr("id").unwrap_or_default());
    let to = request
        .attr("from")
        .map(|f| format!(" to='{}'", escape(f)))
        .unwrap_or_default();
    if request.child("ping").is_some() {
        Some(format!("<iq type='result' id='{id}'{to}/>"))
    } else {
        Some(format!(
            "<iq type='error' id='{id}'{to}><error type='cancel'>\
             <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        ))
    }
}

/// The first child element name of an `error` or SASL `failure` (the condition).
pub(crate) fn condition(e: &Element<'_>) -> String {
    e.child("error")
        .unwrap_or(e)
        .children()
        .iter()
        .find(|c| !c.is("text"))
        .map_or_else(|| "undefined-condition".to_owned(), |c| c.name().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sasl_plain_encodes_user_and_password() {
        let auth = auth_plain("1001", &Password::new("secret"));
        let e = Element::parse(auth.as_bytes()).unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(e.text())
            .unwrap();
        assert_eq!(raw, b"\x001001\x00secret");
        assert_eq!(e.attr("mechanism"), Some("PLAIN"));
    }

    #[test]
    fn subscribe_uses_the_full_jid_and_escapes_values() {
        let s = pubsub(
            "s1",
            "pubsub.fin",
            "subscribe",
            "/finesse/api/Team/1/Users",
            "2001@fin/gc-2001",
        );
        let e = Element::parse(s.as_bytes()).unwrap();
        let sub = e.child("pubsub").unwrap().child("subscribe").unwrap();
        assert_eq!(sub.attr("node"), Some("/finesse/api/Team/1/Users"));
        assert_eq!(sub.attr("jid"), Some("2001@fin/gc-2001"));
        assert_eq!(e.attr("to"), Some("pubsub.fin"));
    }

    #[test]
    fn server_iqs_are_answered() {
        let ping =
            Element::parse(b"<iq type='get' id='p1' from='fin'><ping xmlns='urn:xmpp:ping'/></iq>")
                .unwrap();
        assert_eq!(
            iq_reply(&ping).unwrap(),
            "<iq type='result' id='p1' to='fin'/>"
        );
        let other =
            Element::parse(b"<iq type='get' id='v'><query xmlns='jabber:iq:version'/></iq>")
                .unwrap();
        assert!(iq_reply(&other).unwrap().contains("service-unavailable"));
        let result = Element::parse(b"<iq type='result' id='v'/>").unwrap();
        assert_eq!(iq_reply(&result), None);
    }

    #[test]
    fn conditions_are_read_from_errors_and_failures() {
        let f = Element::parse(b"<failure xmlns='x'><not-authorized/><text>bad</text></failure>")
            .unwrap();
        assert_eq!(condition(&f), "not-authorized");
        let iq =
            Element::parse(b"<iq type='error'><error type='cancel'><item-not-found/></error></iq>")
                .unwrap();
        assert_eq!(condition(&iq), "item-not-found");
    }
}
