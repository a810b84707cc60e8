//! XMPP transport security against scripted servers on 127.0.0.1: a session configured for
//! STARTTLS or direct TLS never falls back to plain text and never accepts a certificate it
//! cannot verify (unknown CA, another host's name, the system roots for a self-signed node).
//! In every refused case the server must not have seen the agent's credentials.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::time::Duration;

use backon::ExponentialBuilder;
use base64::Engine as _;
use common::{creds, test_tls};
use gc_finesse::Error;
use gc_finesse::failover::NodeId;
use gc_finesse::tls::TlsSettings;
use gc_finesse::xmpp::framing::{Frame, Splitter};
use gc_finesse::xmpp::{
    ActiveEndpoint, SessionEvent, SessionEventKind, XmppConfig, XmppEndpoint, XmppSecurity,
    XmppSession,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

const DOMAIN: &str = "fin-a";
const PASSWORD: &str = "s3cret-Pa55";
/// Guard against a hung test; no assertion depends on it.
const GUARD: Duration = Duration::from_secs(20);

const SASL_PLAIN: &str = "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>";
const STARTTLS: &str = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

fn config(tls: &TlsSettings) -> Arc<XmppConfig> {
    let mut c = XmppConfig::new(tls).unwrap();
    c.backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(50))
        .without_max_times();
    Arc::new(c)
}

/// A session of agent 1001 (password [`PASSWORD`]) against a listener on 127.0.0.1.
struct Setup {
    listener: TcpListener,
    events: mpsc::Receiver<SessionEvent>,
    _session: XmppSession,
    /// The session stops when the failover owner goes: kept for the test's life.
    _nodes: watch::Sender<Option<ActiveEndpoint>>,
}

async fn session(security: XmppSecurity, tls: &TlsSettings) -> Setup {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let endpoint = XmppEndpoint::new("127.0.0.1", port, DOMAIN, security);
    let (nodes_tx, nodes) = watch::channel(Some(ActiveEndpoint {
        node: NodeId::Primary,
        endpoint: Arc::new(endpoint),
    }));
    let (tx, events) = mpsc::channel(16);
    let session = XmppSession::spawn(creds("1001", PASSWORD), config(tls), nodes, tx);
    Setup {
        listener,
        events,
        _session: session,
        _nodes: nodes_tx,
    }
}

async fn accept(l: &TcpListener) -> TcpStream {
    tokio::time::timeout(GUARD, l.accept())
        .await
        .unwrap()
        .unwrap()
        .0
}

/// The error of the next `Disconnected` event (the session stays down and retries).
async fn refusal(events: &mut mpsc::Receiver<SessionEvent>) -> Error {
    loop {
        let event = tokio::time::timeout(GUARD, events.recv())
            .await
            .unwrap()
            .unwrap();
        match event.kind {
            SessionEventKind::Disconnected { error, .. } => return error,
            SessionEventKind::Connected { .. } => panic!("the session connected"),
            SessionEventKind::AuthFailed(e) => panic!("credentials were tried: {e}"),
            _ => {}
        }
    }
}

/// Reads from `tcp` until one of its frames satisfies `until` (returning the bytes read so
/// far) or the client closes (returning everything it sent).
async fn read_until(tcp: &mut TcpStream, until: impl Fn(&Frame) -> bool) -> (Vec<u8>, bool) {
    let mut split = Splitter::new();
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Ok(Some(frame)) = split.next_frame() {
            if until(&frame) {
                return (seen, true);
            }
        }
        let n = tokio::time::timeout(GUARD, tcp.read(&mut chunk))
            .await
            .unwrap()
            .unwrap_or(0);
        if n == 0 {
            return (seen, false);
        }
        seen.extend_from_slice(&chunk[..n]);
        split.push(&chunk[..n]);
    }
}

/// Answers the client's stream header with `features`; returns what the client sent.
async fn open_stream(tcp: &mut TcpStream, features: &str) -> Vec<u8> {
    let (seen, opened) = read_until(tcp, |f| matches!(f, Frame::StreamOpen { .. })).await;
    assert!(opened, "no stream header from the client");
    tcp.write_all(
        format!(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='{DOMAIN}' version='1.0'>\
             <stream:features>{features}</stream:features>"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    seen
}

/// Asserts that nothing in `bytes` carries the credentials (SASL PLAIN `\0user\0password`).
fn assert_no_credentials(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("\u{0}1001\u{0}{PASSWORD}"));
    assert!(
        !text.contains("<auth") && !text.contains(&encoded) && !text.contains(PASSWORD),
        "credentials were sent in clear: {text}"
    );
}

/// A rustls server configuration with a self-signed certificate for `names`.
fn server_for(names: &[&str]) -> (Arc<rustls::ServerConfig>, String) {
    let names = names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let certified = rcgen::generate_simple_self_signed(names).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key)
    .unwrap();
    (Arc::new(server), certified.cert.pem())
}

/// A CA certificate (PEM) that signed nothing any test server presents.
fn other_ca() -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Another CA");
    params.self_signed(&key).unwrap().pem()
}

fn assert_certificate_refused(error: &Error, why: &str) {
    match error {
        Error::Tls(reason) => assert!(
            reason.contains("invalid peer certificate") && reason.contains(why),
            "{reason}"
        ),
        other => panic!("expected a TLS error, got {other:?}"),
    }
    assert!(!format!("{error} {error:?}").contains(PASSWORD));
}

#[tokio::test]
async fn starttls_not_offered_is_refused_without_a_plaintext_fallback() {
    let tls = test_tls();
    let Setup {
        listener,
        mut events,
        _session,
        _nodes,
    } = session(
        XmppSecurity::StartTls,
        &TlsSettings::with_ca_pem(tls.ca_pem),
    )
    .await;
    // Twice: the retry after the refusal is no more willing to go on in plain text.
    for _ in 0..2 {
        let mut tcp = accept(&listener).await;
        let mut seen = open_stream(&mut tcp, SASL_PLAIN).await;
        let error = refusal(&mut events).await;
        match &error {
            Error::Tls(reason) => assert!(reason.contains("does not offer STARTTLS"), "{reason}"),
            other => panic!("expected a TLS error, got {other:?}"),
        }
        // Whatever the client sent until it hung up: no <auth>, no password.
        let (rest, _) = read_until(&mut tcp, |_| false).await;
        seen.extend(rest);
        assert_no_credentials(&seen);
    }
}

#[tokio::test]
async fn a_refused_starttls_is_not_followed_by_plain_text() {
    let tls = test_tls();
    let Setup {
        listener,
        mut events,
        _session,
        _nodes,
    } = session(
        XmppSecurity::StartTls,
        &TlsSettings::with_ca_pem(tls.ca_pem),
    )
    .await;
    let mut tcp = accept(&listener).await;
    let mut seen = open_stream(&mut tcp, &format!("{STARTTLS}{SASL_PLAIN}")).await;
    let (asked, _) = read_until(
        &mut tcp,
        |f| matches!(f, Frame::Stanza(e) if e.is("starttls")),
    )
    .await;
    seen.extend(asked);
    tcp.write_all(b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        .await
        .unwrap();
    let error = refusal(&mut events).await;
    assert!(
        matches!(&error, Error::Tls(r) if r.contains("STARTTLS refused")),
        "{error:?}"
    );
    let (rest, _) = read_until(&mut tcp, |_| false).await;
    seen.extend(rest);
    assert_no_credentials(&seen);
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_on_direct_tls() {
    let server = test_tls();
    let other_ca = other_ca();
    let Setup {
        listener,
        mut events,
        _session,
        _nodes,
    } = session(XmppSecurity::DirectTls, &TlsSettings::with_ca_pem(other_ca)).await;
    let acceptor = tokio_rustls::TlsAcceptor::from(server.server.clone());
    let tcp = accept(&listener).await;
    // The client aborts the handshake: the server never gets a TLS stream to read from.
    assert!(acceptor.accept(tcp).await.is_err());
    assert_certificate_refused(&refusal(&mut events).await, "UnknownIssuer");
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_after_starttls() {
    let server = test_tls();
    let other_ca = other_ca();
    let Setup {
        listener,
        mut events,
        _session,
        _nodes,
    } = session(XmppSecurity::StartTls, &TlsSettings::with_ca_pem(other_ca)).await;
    let mut tcp = accept(&listener).await;
    let mut seen = open_stream(&mut tcp, &format!("{STARTTLS}{SASL_PLAIN}")).await;
    let (asked, _) = read_until(
        &mut tcp,
        |f| matches!(f, Frame::Stanza(e) if e.is("starttls")),
    )
    .await;
    seen.extend(asked);
    assert_no_credentials(&seen);
    tcp.write_all(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        .await
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(server.server.clone());
    assert!(acceptor.accept(tcp).await.is_err());
    assert_certificate_refused(&refusal(&mut events).await, "UnknownIssuer");
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused() {
    // Trusted (it is its own CA) but issued for `localhost`, while the session dials
    // 127.0.0.1: the name check fails.
    let (server, pem) = server_for(&["localhost"]);
    let Setup {
        listener,
        mut events,
        _session,
        _nodes,
    } = session(XmppSecurity::DirectTls, &TlsSettings::with_ca_pem(pem)).await;
    let acceptor = tokio_rustls::TlsAcceptor::from(server);
    assert!(acceptor.accept(accept(&listener).await).await.is_err());
    assert_certificate_refused(&refusal(&mut events).await, "not valid for name");
}

#[tokio::test]
async fn without_a_ca_file_the_system_roots_refuse_a_self_signed_node() {
    let server = test_tls();
    let Setup {
        listener,
        mut events,
        _session,
        _nodes,
    } = session(XmppSecurity::DirectTls, &TlsSettings::default()).await;
    let acceptor = tokio_rustls::TlsAcceptor::from(server.server.clone());
    assert!(acceptor.accept(accept(&listener).await).await.is_err());
    let error = refusal(&mut events).await;
    assert!(
        matches!(&error, Error::Tls(r) if r.contains("invalid peer certificate")),
        "{error:?}"
    );
}
