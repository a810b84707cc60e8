//! The notification service with a raw XMPP client: negotiation, errors, pubsub envelope and
//! payloads compared structurally with the real Finesse captures, presence and the forced
//! logout after the grace period, STARTTLS.
// Helper functions here (not only #[test] bodies) assert with unwrap / expect / panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::shape::{assert_same_shape, capture, parse};
use common::xmpp::tls_client;
use common::{Rest, Xmpp, login_ready, start};
use finesse_sim::{Cluster, NodeId, SimConfig, TlsConfig};

#[tokio::test]
async fn user_and_error_notifications_have_the_shape_of_the_captures() {
    let cluster = start().await;
    // A supervisor has the `teams` list, exactly like the 12.5 capture's user.
    let sup = Rest::new(&cluster, NodeId::Primary, "2001");
    let mut sx = Xmpp::login(&cluster, NodeId::Primary, "2001", "secret").await;
    sup.state(
        "<User><state>LOGIN</state><extension>3901</extension></User>",
        "l",
    )
    .await;
    let n = sx.user_state("NOT_READY").await;
    let reference = capture("notifications/zoomint-user-login-not-ready.xml");
    assert_same_shape(&n.update, &reference, &[]);
    assert_eq!(
        n.data().child_names(),
        reference.at("data/user").unwrap().child_names(),
        "same element order as the capture"
    );
    // The whole stanza: message > event > items(node) > item(id) > notification.
    let stanza = parse(&n.stanza);
    let captured = capture("notifications/zoomint-user-not-ready.stanza.xml");
    assert_same_shape(&stanza, &captured, &[]);
    assert_eq!(stanza.attr("from"), Some("pubsub.finesse.local"));
    assert_eq!(stanza.attr("to"), Some("2001@finesse.local/gc-2001"));
    assert_eq!(
        stanza.at("event/items").unwrap().attr("node"),
        Some("/finesse/api/User/2001")
    );
    assert!(stanza.at("event/items/item").unwrap().attr("id").is_some());
    // The payload is escaped text, not child elements.
    assert!(n.stanza.contains("&lt;Update&gt;"), "{}", n.stanza);

    // A plain agent: the same minus `teams`.
    let agent = Rest::new(&cluster, NodeId::Primary, "1001");
    let mut ax = Xmpp::login(&cluster, NodeId::Primary, "1001", "secret").await;
    agent
        .state("<User><state>READY</state></User>", "early")
        .await;
    let error = ax.api_error().await;
    assert_same_shape(
        &error.update,
        &capture("errors/zoomint-apierror-invalid-state.xml"),
        &[],
    );
    agent
        .state(
            "<User><state>LOGIN</state><extension>9999</extension></User>",
            "bad",
        )
        .await;
    let error = ax.api_error().await;
    assert_same_shape(
        &error.update,
        &capture("errors/zoomint-apierror-invalid-device.xml"),
        &[],
    );
    agent
        .state(
            "<User><state>LOGIN</state><extension>3001</extension></User>",
            "l",
        )
        .await;
    let n = ax.user_state("NOT_READY").await;
    assert_same_shape(&n.update, &reference, &["Update/data/user/teams"]);
    agent.state("<User><state>READY</state></User>", "r").await;
    let n = ax.user_state("READY").await;
    assert_same_shape(
        &n.update,
        &capture("notifications/kr-user-ready-with-requestid.xml"),
        &[
            "Update/data/user/reasonCodeId",
            "Update/data/user/settings/wrapUpOnOutgoing",
            "Update/data/user/wrapUpTimer",
        ],
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn dialog_notifications_have_the_shape_of_the_captures() {
    let cluster = start().await;
    let control = cluster.control().unwrap();
    let (a, mut ax) = login_ready(&cluster, "1001", "3001").await;
    let caller = "01000000000";
    let vars = [
        ("callVariable1", "813636114"),
        ("user.microapp.ToExtVXML[0]", "application=1000;CV1=x"),
    ];
    let id = control
        .offer_inbound_call("1001", caller, &vars)
        .await
        .unwrap();
    let post = ax.dialog_event("POST", |n| n.dialog_id() == id).await;
    assert_same_shape(
        &post.update,
        &capture("notifications/kr-dialog-acd-in-alerting-post.xml"),
        &[],
    );
    let reserved = ax.user_state("RESERVED").await;
    assert_same_shape(
        &reserved.update,
        &capture("notifications/kr-user-reserved.xml"),
        &[
            "Update/data/user/reasonCodeId",
            "Update/data/user/settings/wrapUpOnOutgoing",
            "Update/data/user/wrapUpTimer",
        ],
    );
    a.action(
        id,
        "ANSWER",
        "<targetMediaAddress>3001</targetMediaAddress>",
        "a",
    )
    .await;
    let active = ax.dialog_event("PUT", |n| n.request_id() == "a").await;
    assert_same_shape(
        &active.update,
        &capture("notifications/kr-dialog-acd-in-active-put.xml"),
        &[],
    );
    a.action(
        id,
        "UPDATE_CALL_DATA",
        "<mediaProperties><wrapUpReason>VOICE_ANNOUNCE</wrapUpReason></mediaProperties>",
        "u",
    )
    .await;
    a.action(
        id,
        "HOLD",
        "<targetMediaAddress>3001</targetMediaAddress>",
        "h",
    )
    .await;
    let held = ax.dialog_event("PUT", |n| n.request_id() == "h").await;
    assert_same_shape(
        &held.update,
        &capture("notifications/kr-dialog-held-put.xml"),
        &[],
    );
    // An action not allowed now: the captured Generic Error shape.
    a.action(
        id,
        "HOLD",
        "<targetMediaAddress>3001</targetMediaAddress>",
        "h2",
    )
    .await;
    let error = ax.api_error().await;
    assert_same_shape(
        &error.update,
        &capture("errors/kr-apierror-generic-invalid-action.xml"),
        &[],
    );
    a.action(
        id,
        "RETRIEVE",
        "<targetMediaAddress>3001</targetMediaAddress>",
        "r",
    )
    .await;
    control.remote_hangup(id).await.unwrap();
    let wrap = ax
        .dialog_event("PUT", |n| {
            n.dialog_id() == id && n.participant_state("3001") == "WRAP_UP"
        })
        .await;
    assert_same_shape(
        &wrap.update,
        &capture("notifications/kr-dialog-wrapup-caller-dropped-put.xml"),
        &["Update/data/dialog/mediaProperties/wrapUpReason"],
    );

    // A call pulled back while alerting (ring no answer): DELETE with the agent DROPPED,
    // the caller still INITIATED at the route point; the agent goes NOT_READY (32767).
    a.state("<User><state>READY</state></User>", "ready").await;
    ax.user_state("READY").await;
    let id = control
        .offer_inbound_call("1001", caller, &vars)
        .await
        .unwrap();
    control.ring_no_answer(id).await.unwrap();
    let gone = ax.dialog_event("DELETE", |n| n.dialog_id() == id).await;
    assert_same_shape(
        &gone.update,
        &capture("notifications/kr-dialog-alerting-agent-dropped-delete.xml"),
        &[],
    );
    assert_eq!(gone.participant_state(caller), "INITIATED");
    assert_eq!(gone.participant_state("3001"), "DROPPED");
    let rona = ax.user_state("NOT_READY").await;
    assert_eq!(rona.data().text_at("reasonCode/code"), "32767");

    // An outgoing call starts as AGENT_INSIDE / INITIATING, like the capture.
    a.post(
        "/User/1001/Dialogs",
        "<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>3001</fromAddress>\
         <toAddress>3002</toAddress><mediaProperties><callvariables><CallVariable>\
         <name>callVariable1</name><value>x</value></CallVariable></callvariables>\
         </mediaProperties></Dialog>",
        "dial",
    )
    .await;
    let initiating = ax.dialog_event("POST", |n| n.request_id() == "dial").await;
    assert_same_shape(
        &initiating.update,
        &capture("notifications/kr-dialog-agent-inside-initiating-post.xml"),
        &[],
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn stream_negotiation_follows_rfc_6120() {
    let cluster = start().await;
    let mut c = Xmpp::connect(&cluster, NodeId::Primary).await;
    // No TLS configured: PLAIN only, no STARTTLS offered.
    c.send("<presence/>").await; // before authentication: not allowed
    let closed = c.read_to_end().await;
    assert!(closed.contains("<not-authorized"), "{closed}");

    let mut c = Xmpp::connect(&cluster, NodeId::Primary).await;
    let failure = c.auth("1001", "wrong").await.unwrap_err();
    assert!(failure.contains("<not-authorized/>"), "{failure}");
    c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>!!!</auth>")
        .await;
    c.wait_for("incorrect-encoding").await;
    c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='DIGEST-MD5'/>")
        .await;
    c.wait_for("invalid-mechanism").await;
    c.take_buffer();
    c.auth("1001", "secret").await.unwrap();
    c.bind("gc-1001").await;
    assert_eq!(c.jid, "1001@finesse.local/gc-1001");
    let ping = c
        .iq("get", "finesse.local", "<ping xmlns='urn:xmpp:ping'/>")
        .await;
    assert!(ping.contains("type='result'"), "{ping}");
    let roster = c.iq("get", "", "<query xmlns='jabber:iq:roster'/>").await;
    assert!(roster.contains("finesse@finesse.local"), "{roster}");
    let disco = c
        .iq(
            "get",
            "pubsub.finesse.local",
            "<query xmlns='http://jabber.org/protocol/disco#info'/>",
        )
        .await;
    assert!(disco.contains("category='pubsub'"), "{disco}");
    let unknown = c.iq("get", "", "<vCard xmlns='vcard-temp'/>").await;
    assert!(unknown.contains("service-unavailable"), "{unknown}");
    c.close().await;

    let mut c = Xmpp::connect(&cluster, NodeId::Primary).await;
    c.send("<iq type='get'><<<").await;
    let closed = c.read_to_end().await;
    assert!(closed.contains("not-well-formed"), "{closed}");
    cluster.shutdown().await;
}

#[tokio::test]
async fn a_second_session_with_the_same_resource_replaces_the_first() {
    let cluster = start().await;
    let mut first = Xmpp::login(&cluster, NodeId::Primary, "1002", "secret").await;
    let _second = Xmpp::login(&cluster, NodeId::Secondary, "1002", "secret").await;
    let closed = first.read_to_end().await;
    assert!(closed.contains("<conflict"), "{closed}");
    cluster.shutdown().await;
}

#[tokio::test]
async fn notifications_wait_for_initial_presence() {
    let cluster = start().await;
    let rest = Rest::new(&cluster, NodeId::Primary, "1003");
    let mut c = Xmpp::connect(&cluster, NodeId::Primary).await;
    c.auth("1003", "secret").await.unwrap();
    let bind = c
        .iq(
            "set",
            "",
            "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>quiet</resource></bind>",
        )
        .await;
    assert!(bind.contains("1003@finesse.local/quiet"), "{bind}");
    rest.state(
        "<User><state>LOGIN</state><extension>3003</extension></User>",
        "before",
    )
    .await;
    let control = cluster.control().unwrap();
    let logged = control.notifications(0).await.unwrap();
    let first = logged.iter().find(|n| n.request_id == "before").unwrap();
    assert!(
        first.recipients.is_empty(),
        "delivered without presence: {first:?}"
    );
    c.send("<presence/>").await;
    c.wait_for("finesse@").await;
    rest.state("<User><state>READY</state></User>", "after")
        .await;
    let n = c.next_notification().await;
    assert_eq!(n.request_id(), "after");
    cluster.shutdown().await;
}

async fn poll_state(
    cluster: &Cluster,
    agent: &str,
    state: &str,
) -> finesse_sim::control::AgentView {
    let control = cluster.control().unwrap();
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    loop {
        let view = control.agent_state(agent).await.unwrap();
        if view.state == state {
            return view;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{agent} never became {state}: {view:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_lost_xmpp_session_logs_the_agent_out_after_the_grace_period() {
    let config = SimConfig {
        grace_period_secs: 0.3,
        ..common::config()
    };
    let cluster = Cluster::start(config).await.unwrap();
    let (_rest, xmpp) = login_ready(&cluster, "1004", "3004").await;
    // A supervisor watching the team sees the forced logout with reason 255.
    let mut sup = Xmpp::login(&cluster, NodeId::Primary, "2001", "secret").await;
    sup.subscribe("/finesse/api/Team/1/Users").await;
    xmpp.drop_connection();
    let view = poll_state(&cluster, "1004", "LOGOUT").await;
    assert_eq!(view.reason_code, Some(255));
    let seen = sup
        .wait_notification("forced logout", |n| n.data().text_at("state") == "LOGOUT")
        .await;
    assert_eq!(seen.data().text_at("reasonCode/code"), "255");

    // Unavailable presence counts as gone too.
    let (_rest, mut xmpp) = login_ready(&cluster, "1003", "3003").await;
    xmpp.send("<presence type='unavailable'/>").await;
    poll_state(&cluster, "1003", "LOGOUT").await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn reconnecting_within_the_grace_period_keeps_the_agent_signed_in() {
    let config = SimConfig {
        grace_period_secs: 1.0,
        ..common::config()
    };
    let cluster = Cluster::start(config).await.unwrap();
    let (_rest, xmpp) = login_ready(&cluster, "1001", "3001").await;
    xmpp.drop_connection();
    let mut again = Xmpp::login(&cluster, NodeId::Secondary, "1001", "secret").await;
    // Well past the grace period: still READY, and the new session gets notifications.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let control = cluster.control().unwrap();
    let view = control.agent_state("1001").await.unwrap();
    assert_eq!(view.state, "READY");
    assert_eq!(view.xmpp_sessions, 1);
    Rest::new(&cluster, NodeId::Secondary, "1001")
        .state("<User><state>NOT_READY</state></User>", "nr")
        .await;
    assert_eq!(again.user_state("NOT_READY").await.request_id(), "nr");
    cluster.shutdown().await;
}

#[tokio::test]
async fn starttls_then_sasl_with_a_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec![
        "finesse.local".to_owned(),
        "127.0.0.1".to_owned(),
    ])
    .unwrap();
    let cert_pem = certified.cert.pem();
    std::fs::write(dir.path().join("c.pem"), &cert_pem).unwrap();
    std::fs::write(
        dir.path().join("k.pem"),
        certified.signing_key.serialize_pem(),
    )
    .unwrap();
    let config = SimConfig {
        tls: Some(TlsConfig {
            cert: dir.path().join("c.pem"),
            key: dir.path().join("k.pem"),
            rest: false,
            xmpp: true,
            xmpp_require_tls: true,
        }),
        ..common::config()
    };
    let cluster = Cluster::start(config).await.unwrap();
    let info = cluster.node(NodeId::Primary);
    assert!(info.base_url.starts_with("http://"));
    let tcp = tokio::net::TcpStream::connect(info.xmpp_addr)
        .await
        .unwrap();
    let mut plain = Xmpp::from_tcp(tcp, "finesse.local");
    let features = plain.open().await;
    assert!(
        features.contains("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"),
        "{features}"
    );
    assert!(
        !features.contains("PLAIN"),
        "SASL must wait for TLS: {features}"
    );
    plain
        .send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        .await;
    plain.wait_for("<proceed").await;
    let tcp = plain.into_tcp();
    let connector = tokio_rustls::TlsConnector::from(tls_client(cert_pem.as_bytes()));
    let name = rustls::pki_types::ServerName::try_from("finesse.local").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    let mut secure = Xmpp::from_tls(tls, "finesse.local");
    let features = secure.open().await;
    assert!(
        features.contains("<mechanism>PLAIN</mechanism>"),
        "{features}"
    );
    assert!(!features.contains("starttls"), "{features}");
    secure.auth("1005", "secret").await.unwrap();
    secure.bind("gc-1005").await;
    Rest::new(&cluster, NodeId::Primary, "1005")
        .state(
            "<User><state>LOGIN</state><extension>3005</extension></User>",
            "tls",
        )
        .await;
    assert_eq!(secure.user_state("NOT_READY").await.request_id(), "tls");
    cluster.shutdown().await;
}
