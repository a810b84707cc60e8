//! The XMPP session against a tiny scripted server on 127.0.0.1 (plain, STARTTLS, direct TLS).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::time::Duration;

use backon::ExponentialBuilder;
use base64::Engine as _;
use common::{creds, test_tls};
use gc_finesse::failover::NodeId;
use gc_finesse::model::{Element, Payload, RequestId, UserState, team_node, user_of};
use gc_finesse::tls::TlsSettings;
use gc_finesse::xmpp::framing::{Frame, Splitter};
use gc_finesse::xmpp::{
    ActiveEndpoint, SessionEvent, SessionEventKind, XmppConfig, XmppEndpoint, XmppSecurity,
    XmppSession,
};
use gc_protocol::AgentId;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

const DOMAIN: &str = "fin-a";
/// Guard against a hung test; no assertion depends on it.
const GUARD: Duration = Duration::from_secs(20);

trait Rw: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Rw for T {}

/// The server side of one client connection.
struct Peer {
    io: Box<dyn Rw>,
    split: Splitter,
}

impl Peer {
    fn new(io: impl Rw + 'static) -> Self {
        Self {
            io: Box::new(io),
            split: Splitter::new(),
        }
    }

    async fn send(&mut self, text: &str) {
        self.io.write_all(text.as_bytes()).await.unwrap();
        self.io.flush().await.unwrap();
    }

    /// Next frame from the client; `None` when the client closed the connection.
    async fn frame(&mut self) -> Option<Frame> {
        loop {
            if let Some(f) = self.split.next_frame().unwrap() {
                return Some(f);
            }
            let mut chunk = [0u8; 4096];
            let n = tokio::time::timeout(GUARD, self.io.read(&mut chunk))
                .await
                .unwrap()
                .ok()?;
            if n == 0 {
                return None;
            }
            self.split.push(&chunk[..n]);
        }
    }

    async fn stanza(&mut self) -> Element<'static> {
        loop {
            match self.frame().await.expect("client closed") {
                Frame::Stanza(s) => return s.element().unwrap().into_owned(),
                Frame::StreamOpen { .. } => {}
                Frame::StreamClose => panic!("client closed the stream"),
            }
        }
    }

    /// Next stanza that is not a keep-alive ping.
    async fn stanza_no_ping(&mut self) -> Element<'static> {
        loop {
            let e = self.stanza().await;
            if e.is("iq") && e.child("ping").is_some() {
                let id = e.attr("id").unwrap_or_default().to_owned();
                self.send(&format!("<iq type='result' id='{id}'/>")).await;
                continue;
            }
            return e;
        }
    }

    async fn open_stream(&mut self, features: &str) {
        match self.frame().await.expect("stream header") {
            Frame::StreamOpen { .. } => {}
            other => panic!("expected a stream header, got {other:?}"),
        }
        self.split = Splitter::new();
        self.send(&format!(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='{DOMAIN}' version='1.0'>\
             <stream:features>{features}</stream:features>"
        ))
        .await;
    }

    /// SASL + bind + session + presence. Returns the decoded `user\0password` or `None` when
    /// `accept` is false (the server answered not-authorized).
    async fn login(&mut self, accept: bool) -> Option<String> {
        self.open_stream(
            "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>",
        )
        .await;
        self.authenticate_and_bind(accept).await
    }

    async fn authenticate_and_bind(&mut self, accept: bool) -> Option<String> {
        let auth = self.stanza().await;
        assert!(auth.is("auth"));
        assert_eq!(auth.attr("mechanism"), Some("PLAIN"));
        let raw = base64::engine::general_purpose::STANDARD
            .decode(auth.text())
            .unwrap();
        let decoded = String::from_utf8(raw).unwrap();
        if !accept {
            self.send(
                "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>",
            )
            .await;
            return None;
        }
        self.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
            .await;
        self.open_stream(
            "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>",
        )
        .await;
        let bind = self.stanza().await;
        let resource = bind.child("bind").unwrap().text_of("resource").unwrap();
        let user = decoded.split('\0').nth(1).unwrap().to_owned();
        let id = bind.attr("id").unwrap().to_owned();
        self.send(&format!(
            "<iq type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{user}@{DOMAIN}/{resource}</jid></bind></iq>"
        ))
        .await;
        let session = self.stanza().await;
        assert!(session.child("session").is_some());
        let id = session.attr("id").unwrap().to_owned();
        self.send(&format!("<iq type='result' id='{id}'/>")).await;
        let presence = self.stanza().await;
        assert!(presence.is("presence"));
        assert_eq!(presence.text_of("priority").as_deref(), Some("0"));
        // The client confirms its presence is in effect with a ping round trip.
        let ping = self.stanza().await;
        assert!(
            ping.is("iq") && ping.child("ping").is_some(),
            "expected a ping after presence"
        );
        let id = ping.attr("id").unwrap().to_owned();
        self.send(&format!("<iq type='result' id='{id}'/>")).await;
        Some(decoded)
    }

    /// Pushes a pubsub notification carrying `update` (escaped, the current encoding).
    async fn notify(&mut self, node: &str, update: &str) {
        let escaped = update
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        self.send(&format!(
            "<message from='pubsub.{DOMAIN}'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='{node}'><item id='x'><notification xmlns='urn:xmpp:push:0'>{escaped}</notification>\
             </item></items></event></message>"
        ))
        .await;
    }
}

fn user_update(agent: &str, state: &str, request_id: &str) -> String {
    format!(
        "<Update><data><user><loginId>{agent}</loginId><state>{state}</state></user></data>\
         <event>PUT</event><requestId>{request_id}</requestId><source>/finesse/api/User/{agent}</source></Update>"
    )
}

fn config(tls: &TlsSettings) -> Arc<XmppConfig> {
    let mut c = XmppConfig::new(tls).unwrap();
    c.backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(25))
        .with_jitter()
        .without_max_times();
    c.ping_interval = Duration::from_millis(200);
    c.idle_timeout = Duration::from_secs(30);
    Arc::new(c)
}

async fn listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

#[allow(clippy::unnecessary_wraps)] // the watch channel carries an Option
fn active(node: NodeId, port: u16, security: XmppSecurity) -> Option<ActiveEndpoint> {
    Some(ActiveEndpoint {
        node,
        endpoint: Arc::new(XmppEndpoint::new("127.0.0.1", port, DOMAIN, security)),
    })
}

async fn accept(l: &TcpListener) -> TcpStream {
    tokio::time::timeout(GUARD, l.accept())
        .await
        .unwrap()
        .unwrap()
        .0
}

async fn next(events: &mut mpsc::Receiver<SessionEvent>) -> SessionEvent {
    tokio::time::timeout(GUARD, events.recv())
        .await
        .unwrap()
        .unwrap()
}

/// Next event that is not `Disconnected`/`FinessePresence` noise.
async fn next_for(events: &mut mpsc::Receiver<SessionEvent>, agent: &str) -> SessionEventKind {
    loop {
        let e = next(events).await;
        if e.agent.as_str() == agent {
            return e.kind;
        }
    }
}

#[tokio::test]
async fn plain_session_logs_in_and_delivers_typed_notifications() {
    let (l, port) = listener().await;
    let (_nodes_tx, nodes) = watch::channel(active(NodeId::Primary, port, XmppSecurity::Plain));
    let (tx, mut events) = mpsc::channel(64);
    let session = XmppSession::spawn(
        creds("1001", "secret"),
        config(&TlsSettings::default()),
        nodes,
        tx,
    );
    let mut peer = Peer::new(accept(&l).await);
    assert_eq!(
        peer.login(true).await.as_deref(),
        Some("\u{0}1001\u{0}secret")
    );
    match next_for(&mut events, "1001").await {
        SessionEventKind::Connected { node, jid } => {
            assert_eq!(node, NodeId::Primary);
            assert_eq!(jid, "1001@fin-a/gc-1001");
        }
        other => panic!("{other:?}"),
    }
    // The real 12.5 capture (escaped payload) as the server would send it.
    let stanza = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../finesse-model/tests/fixtures/notifications/zoomint-user-login-not-ready.stanza.xml"
    ))
    .unwrap();
    let stanza = stanza.split_once("-->").unwrap().1;
    peer.send(stanza).await;
    match next_for(&mut events, "1001").await {
        SessionEventKind::Notification(n) => {
            assert_eq!(n.node, "/finesse/api/User/6021");
            assert!(
                matches!(&n.update.payload, Payload::User(u) if u.state == Some(UserState::NotReady))
            );
        }
        other => panic!("{other:?}"),
    }
    // The older encoding: Update as child elements.
    peer.send(&format!(
        "<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='/finesse/api/User/1001'>\
         <item id='y'><notification xmlns='http://jabber.org/protocol/pubsub'>{}</notification></item></items></event></message>",
        user_update("1001", "READY", "gc-42")
    ))
    .await;
    match next_for(&mut events, "1001").await {
        SessionEventKind::Notification(n) => {
            assert_eq!(n.update.request_id, Some(RequestId::new("gc-42")));
            assert_eq!(n.node_user(), AgentId::parse("1001").ok());
        }
        other => panic!("{other:?}"),
    }
    // Finesse presence is reported.
    peer.send(&format!(
        "<presence from='finesse@{DOMAIN}/desktop' type='unavailable'/>"
    ))
    .await;
    assert!(matches!(
        next_for(&mut events, "1001").await,
        SessionEventKind::FinessePresence { available: false }
    ));
    // Server ping is answered.
    peer.send("<iq type='get' id='srv-ping' from='fin-a'><ping xmlns='urn:xmpp:ping'/></iq>")
        .await;
    loop {
        let e = peer.stanza().await;
        if e.attr("id") == Some("srv-ping") {
            assert_eq!(e.attr("type"), Some("result"));
            break;
        }
    }
    // The client pings on its own (interval 200 ms in this config).
    loop {
        let e = peer.stanza().await;
        if e.is("iq") && e.child("ping").is_some() {
            assert_eq!(e.attr("to"), Some(DOMAIN));
            assert_eq!(e.attr("type"), Some("get"));
            break;
        }
    }
    session.close().await;
    // Clean goodbye: unavailable presence, then the end of the stream.
    let mut saw_unavailable = false;
    loop {
        match peer.frame().await {
            Some(Frame::Stanza(e)) if e.is("presence") => {
                saw_unavailable = e.element().unwrap().attr("type") == Some("unavailable");
            }
            Some(Frame::StreamClose) | None => break,
            Some(_) => {}
        }
    }
    assert!(saw_unavailable);
}

#[tokio::test]
async fn only_a_quiet_connection_is_pinged() {
    let (l, port) = listener().await;
    let (_nodes_tx, nodes) = watch::channel(active(NodeId::Primary, port, XmppSecurity::Plain));
    let (tx, mut events) = mpsc::channel(64);
    let session = XmppSession::spawn(
        creds("1001", "secret"),
        config(&TlsSettings::default()),
        nodes,
        tx,
    );
    let mut peer = Peer::new(accept(&l).await);
    peer.login(true).await;
    let drain = tokio::spawn(async move { while events.recv().await.is_some() {} });
    // Busy: a notification every 50 ms for a second, five ping intervals (200 ms): no ping.
    for _ in 0..20 {
        peer.notify("/finesse/api/User/1001", &user_update("1001", "READY", ""))
            .await;
        let quiet = tokio::time::timeout(Duration::from_millis(50), peer.frame()).await;
        if let Ok(Some(Frame::Stanza(e))) = quiet {
            let e = e.element().unwrap().into_owned();
            assert!(e.child("ping").is_none(), "pinged while busy: {e:?}");
        }
    }
    // Quiet: the next interval brings a ping.
    let started = tokio::time::Instant::now();
    let ping = peer.stanza().await;
    assert!(ping.is("iq") && ping.child("ping").is_some(), "{ping:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
    session.close().await;
    drain.await.unwrap();
}

#[tokio::test]
async fn bad_input_ends_only_that_connection_and_never_other_sessions() {
    let (l, port) = listener().await;
    let (_nodes_tx, nodes) = watch::channel(active(NodeId::Primary, port, XmppSecurity::Plain));
    let (tx, mut events) = mpsc::channel(256);
    let cfg = config(&TlsSettings::default());
    let _a = XmppSession::spawn(
        creds("1001", "secret"),
        cfg.clone(),
        nodes.clone(),
        tx.clone(),
    );
    let mut peer_a = Peer::new(accept(&l).await);
    peer_a.login(true).await;
    let _b = XmppSession::spawn(creds("1002", "secret"), cfg, nodes, tx);
    let mut peer_b = Peer::new(accept(&l).await);
    peer_b.login(true).await;

    // Unknown elements and a chat message are ignored; a garbage payload is reported; a
    // notification for an agent nobody knows is delivered for the owner to route.
    peer_a
        .send("<unknown-thing xmlns='x'><deep/></unknown-thing><message><body>hi</body></message>")
        .await;
    peer_a
        .send(
            "<message><event><items node='/finesse/api/User/1001'><item id='bad'>\
             <notification>&lt;Update&gt;&lt;data&gt;&lt;user&gt;</notification></item></items></event></message>",
        )
        .await;
    peer_a
        .notify("/finesse/api/User/9999", &user_update("9999", "READY", ""))
        .await;
    let mut saw_malformed = false;
    loop {
        match next_for(&mut events, "1001").await {
            SessionEventKind::Malformed { node, .. } => {
                assert_eq!(node, "/finesse/api/User/1001");
                saw_malformed = true;
            }
            SessionEventKind::Notification(n) => {
                assert_eq!(user_of(&n.node), AgentId::parse("9999").ok());
                break;
            }
            SessionEventKind::Connected { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(saw_malformed);

    // A stream that is not well-formed ends A's connection; A reconnects.
    peer_a.send("<message><a></b></message>").await;
    loop {
        match next_for(&mut events, "1001").await {
            SessionEventKind::Disconnected { .. } => break,
            SessionEventKind::Connected { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    let mut peer_a = Peer::new(accept(&l).await);
    peer_a.login(true).await;
    assert!(matches!(
        next_for(&mut events, "1001").await,
        SessionEventKind::Connected { .. }
    ));

    // A truncated stream (the server dies mid-stanza) also just reconnects.
    peer_a
        .send("<message><event><items node='/finesse/api/User/1001'><item>")
        .await;
    drop(peer_a);
    assert!(matches!(
        next_for(&mut events, "1001").await,
        SessionEventKind::Disconnected { .. }
    ));
    let mut peer_a = Peer::new(accept(&l).await);
    peer_a.login(true).await;
    assert!(matches!(
        next_for(&mut events, "1001").await,
        SessionEventKind::Connected { .. }
    ));

    // B never noticed any of it.
    peer_b
        .notify(
            "/finesse/api/User/1002",
            &user_update("1002", "READY", "r-b"),
        )
        .await;
    loop {
        match next_for(&mut events, "1002").await {
            SessionEventKind::Connected { .. } => {}
            SessionEventKind::Notification(n) => {
                assert_eq!(n.update.request_id, Some(RequestId::new("r-b")));
                break;
            }
            other => panic!("B saw {other:?}"),
        }
    }
    peer_a
        .notify(
            "/finesse/api/User/1001",
            &user_update("1001", "READY", "r-a"),
        )
        .await;
    assert!(matches!(
        next_for(&mut events, "1001").await,
        SessionEventKind::Notification(_)
    ));
}

#[tokio::test]
async fn team_subscriptions_are_explicit_survive_reconnects_and_are_removed_on_close() {
    let (l, port) = listener().await;
    let (_nodes_tx, nodes) = watch::channel(active(NodeId::Primary, port, XmppSecurity::Plain));
    let (tx, mut events) = mpsc::channel(64);
    let session = XmppSession::spawn(
        creds("2001", "secret"),
        config(&TlsSettings::default()),
        nodes,
        tx,
    );
    let mut peer = Peer::new(accept(&l).await);
    peer.login(true).await;
    let team = team_node(&gc_protocol::ObjectId::parse("1").unwrap());
    session.subscribe(team.clone()).await.unwrap();
    let iq = peer.stanza_no_ping().await;
    assert_eq!(iq.attr("type"), Some("set"));
    assert_eq!(iq.attr("to"), Some("pubsub.fin-a"));
    let sub = iq.child("pubsub").unwrap().child("subscribe").unwrap();
    assert_eq!(sub.attr("node"), Some("/finesse/api/Team/1/Users"));
    assert_eq!(sub.attr("jid"), Some("2001@fin-a/gc-2001"));
    let id = iq.attr("id").unwrap().to_owned();
    peer.send(&format!(
        "<iq type='result' id='{id}' from='pubsub.fin-a'/>"
    ))
    .await;
    loop {
        match next_for(&mut events, "2001").await {
            SessionEventKind::Subscribed { node } => {
                assert_eq!(node, team);
                break;
            }
            SessionEventKind::Connected { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    // A refused subscription is reported with its condition.
    session
        .subscribe("/finesse/api/Team/99/Users")
        .await
        .unwrap();
    let iq = peer.stanza_no_ping().await;
    let id = iq.attr("id").unwrap().to_owned();
    peer.send(&format!(
        "<iq type='error' id='{id}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
    ))
    .await;
    match next_for(&mut events, "2001").await {
        SessionEventKind::SubscribeFailed { node, condition } => {
            assert_eq!(node, "/finesse/api/Team/99/Users");
            assert_eq!(condition, "item-not-found");
        }
        other => panic!("{other:?}"),
    }
    session
        .unsubscribe("/finesse/api/Team/99/Users")
        .await
        .unwrap();
    let iq = peer.stanza_no_ping().await;
    assert!(iq.child("pubsub").unwrap().child("unsubscribe").is_some());
    // After the connection drops, the session re-subscribes on its own.
    drop(peer);
    let mut peer = Peer::new(accept(&l).await);
    peer.login(true).await;
    let iq = peer.stanza_no_ping().await;
    let sub = iq.child("pubsub").unwrap().child("subscribe").unwrap();
    assert_eq!(sub.attr("node"), Some("/finesse/api/Team/1/Users"));
    // A team member's state arrives on the team node.
    peer.notify(&team, &user_update("1001", "TALKING", ""))
        .await;
    loop {
        if let SessionEventKind::Notification(n) = next_for(&mut events, "2001").await {
            assert_eq!(n.node, team);
            assert_eq!(n.update.source.as_deref(), Some("/finesse/api/User/1001"));
            break;
        }
    }
    // Closing unsubscribes first.
    let closing = tokio::spawn(session.close());
    let iq = peer.stanza_no_ping().await;
    let unsub = iq.child("pubsub").unwrap().child("unsubscribe").unwrap();
    assert_eq!(unsub.attr("node"), Some("/finesse/api/Team/1/Users"));
    closing.await.unwrap();
}

#[tokio::test]
async fn refused_credentials_stop_the_session_for_good() {
    let (l, port) = listener().await;
    let (_nodes_tx, nodes) = watch::channel(active(NodeId::Primary, port, XmppSecurity::Plain));
    let (tx, mut events) = mpsc::channel(8);
    let session = XmppSession::spawn(
        creds("1001", "wrong"),
        config(&TlsSettings::default()),
        nodes,
        tx,
    );
    let mut peer = Peer::new(accept(&l).await);
    assert_eq!(peer.login(false).await, None);
    match next_for(&mut events, "1001").await {
        SessionEventKind::AuthFailed(e) => {
            assert!(e.is_auth_failure());
            assert_eq!(e.gc_code(), gc_protocol::ErrorCode::SubscriptionFailed);
            assert!(!format!("{e} {e:?}").contains("wrong"));
        }
        other => panic!("{other:?}"),
    }
    // The task is over: it will not try the password again.
    assert!(events.recv().await.is_none() || session.is_finished());
    assert!(session.is_finished());
}

async fn tls_session(security: XmppSecurity) {
    let tls = test_tls();
    let (l, port) = listener().await;
    let (_nodes_tx, nodes) = watch::channel(active(NodeId::Primary, port, security));
    let (tx, mut events) = mpsc::channel(8);
    let cfg = config(&TlsSettings::with_ca_pem(tls.ca_pem.clone()));
    let _session = XmppSession::spawn(creds("1001", "secret"), cfg, nodes, tx);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.server.clone());
    if security == XmppSecurity::StartTls {
        return starttls_server(acceptor, l, events).await;
    }
    let mut peer = Peer::new(acceptor.accept(accept(&l).await).await.unwrap());
    peer.login(true).await;
    assert!(matches!(
        next_for(&mut events, "1001").await,
        SessionEventKind::Connected { .. }
    ));
}

/// STARTTLS needs the raw TCP stream after `<proceed/>`, so the first exchange runs on it
/// directly before the TLS handshake.
async fn starttls_server(
    acceptor: tokio_rustls::TlsAcceptor,
    l: TcpListener,
    mut events: mpsc::Receiver<SessionEvent>,
) {
    let mut tcp = accept(&l).await;
    let mut split = Splitter::new();
    let mut buf = [0u8; 4096];
    // Read the stream header, offer STARTTLS, read <starttls/>, answer <proceed/>.
    let mut seen_starttls = false;
    let mut opened = false;
    while !seen_starttls {
        while let Some(frame) = split.next_frame().unwrap() {
            match frame {
                Frame::StreamOpen { .. } if !opened => {
                    opened = true;
                    tcp.write_all(
                        b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='t' version='1.0'>\
                          <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>",
                    )
                    .await
                    .unwrap();
                }
                Frame::Stanza(e) if e.is("starttls") => seen_starttls = true,
                _ => {}
            }
        }
        if !seen_starttls {
            let n = tcp.read(&mut buf).await.unwrap();
            assert!(n > 0);
            split.push(&buf[..n]);
        }
    }
    tcp.write_all(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        .await
        .unwrap();
    let tls = acceptor.accept(tcp).await.unwrap();
    let mut peer = Peer::new(tls);
    peer.login(true).await;
    assert!(matches!(
        next_for(&mut events, "1001").await,
        SessionEventKind::Connected { .. }
    ));
}

#[tokio::test]
async fn direct_tls_with_a_custom_ca() {
    tls_session(XmppSecurity::DirectTls).await;
}

#[tokio::test]
async fn starttls_with_a_custom_ca() {
    tls_session(XmppSecurity::StartTls).await;
}

#[tokio::test]
async fn plain_mode_refuses_a_server_that_requires_starttls() {
    let (l, port) = listener().await;
    let (_nodes_tx, nodes) = watch::channel(active(NodeId::Primary, port, XmppSecurity::Plain));
    let (tx, mut events) = mpsc::channel(8);
    let _session = XmppSession::spawn(
        creds("1001", "secret"),
        config(&TlsSettings::default()),
        nodes,
        tx,
    );
    let mut peer = Peer::new(accept(&l).await);
    peer.open_stream("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>")
        .await;
    match next_for(&mut events, "1001").await {
        SessionEventKind::Disconnected { error, .. } => {
            assert!(error.to_string().contains("STARTTLS"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_node_switch_closes_the_old_connection_before_opening_the_new_one() {
    let (la, port_a) = listener().await;
    let (lb, port_b) = listener().await;
    let (nodes_tx, nodes) = watch::channel(active(NodeId::Primary, port_a, XmppSecurity::Plain));
    let (tx, mut events) = mpsc::channel(64);
    let _session = XmppSession::spawn(
        creds("1001", "secret"),
        config(&TlsSettings::default()),
        nodes,
        tx,
    );
    let mut a = Peer::new(accept(&la).await);
    a.login(true).await;
    assert!(matches!(
        next_for(&mut events, "1001").await,
        SessionEventKind::Connected {
            node: NodeId::Primary,
            ..
        }
    ));
    nodes_tx
        .send(active(NodeId::Secondary, port_b, XmppSecurity::Plain))
        .unwrap();
    // The old node sees the goodbye first ...
    let mut unavailable = false;
    loop {
        match a.frame().await {
            Some(Frame::Stanza(e)) if e.is("presence") => {
                unavailable = e.element().unwrap().attr("type") == Some("unavailable");
            }
            Some(Frame::StreamClose) | None => break,
            Some(_) => {}
        }
    }
    assert!(unavailable);
    // ... then the new node gets the session.
    let mut b = Peer::new(accept(&lb).await);
    b.login(true).await;
    assert!(matches!(
        next_for(&mut events, "1001").await,
        SessionEventKind::Connected {
            node: NodeId::Secondary,
            ..
        }
    ));
    // No node in service: the session waits without connecting anywhere.
    nodes_tx.send(None).unwrap();
    loop {
        match b.frame().await {
            Some(Frame::StreamClose) | None => break,
            Some(_) => {}
        }
    }
}
