//! Opening a session: TCP, TLS (direct or STARTTLS), SASL PLAIN, resource binding, the legacy
//! session iq where the server still asks for it, and initial presence (finesse-api.md §6.2).

use std::io;
use std::sync::Arc;

use finesse_model::Element;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_util::either::Either;

use super::framing::{Frame, Splitter};
use super::stanzas;
use super::{XmppEndpoint, XmppSecurity};
use crate::Error;
use crate::rest::Credentials;

/// The byte stream: plain TCP, or TLS over TCP (boxed: the TLS state is large and idle
/// sessions are many).
pub(crate) type Io = Either<TcpStream, Box<TlsStream<TcpStream>>>;

/// An open XMPP stream with its framing state.
pub(crate) struct Wire {
    io: Io,
    split: Splitter,
}

impl Wire {
    pub(crate) async fn send(&mut self, text: &str) -> Result<(), Error> {
        self.io.write_all(text.as_bytes()).await.map_err(io_error)?;
        self.io.flush().await.map_err(io_error)
    }

    /// The next frame. Cancel-safe: unread bytes stay in the splitter, and `read_buf` only
    /// appends what it actually read.
    pub(crate) async fn read_frame(&mut self) -> Result<Frame, Error> {
        loop {
            if let Some(frame) = self
                .split
                .next_frame()
                .map_err(|e| Error::Xmpp(e.to_string()))?
            {
                return Ok(frame);
            }
            let buf = self.split.buffer();
            if buf.capacity() - buf.len() < 512 {
                buf.reserve(2048);
            }
            let n = self.io.read_buf(buf).await.map_err(io_error)?;
            if n == 0 {
                return Err(Error::Xmpp("connection closed by the server".into()));
            }
        }
    }

    /// Next top-level stanza, skipping stream headers (set-up only: the few stanzas of the
    /// handshake are parsed into owned trees).
    async fn stanza(&mut self) -> Result<Element<'static>, Error> {
        loop {
            match self.read_frame().await? {
                Frame::Stanza(stanza) => {
                    let e = stanza
                        .element()
                        .map_err(|e| Error::Xmpp(format!("malformed stanza: {e}")))?
                        .into_owned();
                    if e.is("error") {
                        return Err(Error::Xmpp(format!(
                            "stream error: {}",
                            stanzas::condition(&e)
                        )));
                    }
                    return Ok(e);
                }
                Frame::StreamOpen { .. } => {}
                Frame::StreamClose => return Err(Error::Xmpp("server closed the stream".into())),
            }
        }
    }

    /// Waits for the iq answering `id`, ignoring anything else.
    async fn iq_answer(&mut self, id: &str) -> Result<Element<'static>, Error> {
        loop {
            let e = self.stanza().await?;
            if e.is("iq") && e.attr("id") == Some(id) {
                return Ok(e);
            }
        }
    }

    pub(crate) async fn shutdown(&mut self) {
        let _ = self.io.shutdown().await;
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(io_error)`
fn io_error(e: io::Error) -> Error {
    Error::Xmpp(e.to_string())
}

/// An authenticated, bound session with initial presence sent.
pub(crate) struct Connection {
    pub(crate) wire: Wire,
    pub(crate) jid: String,
}

/// Opens a session on `endpoint` as `creds`, bound to `resource`.
pub(crate) async fn open(
    endpoint: &XmppEndpoint,
    creds: &Credentials,
    resource: &str,
    tls: &Arc<rustls::ClientConfig>,
) -> Result<Connection, Error> {
    let tcp = TcpStream::connect((endpoint.host.as_str(), endpoint.port))
        .await
        .map_err(|e| Error::NotReachable {
            node: endpoint.address(),
            attempts: 1,
            reason: e.to_string(),
        })?;
    let _ = tcp.set_nodelay(true);
    let server_name = ServerName::try_from(
        endpoint
            .tls_name
            .clone()
            .unwrap_or_else(|| endpoint.host.clone()),
    )
    .map_err(|e| Error::Config(format!("TLS server name: {e}")))?;
    let connector = TlsConnector::from(tls.clone());
    let io = if endpoint.security == XmppSecurity::DirectTls {
        let stream = connector
            .connect(server_name.clone(), tcp)
            .await
            .map_err(|e| Error::Tls(e.to_string()))?;
        Either::Right(Box::new(stream))
    } else {
        Either::Left(tcp)
    };
    let mut wire = Wire {
        io,
        split: Splitter::new(),
    };
    let mut authenticated = false;
    loop {
        wire.send(&stanzas::stream_header(&endpoint.domain)).await?;
        let features = wire.stanza().await?;
        if !features.is("features") {
            return Err(Error::Xmpp(format!(
                "expected stream features, got <{}>",
                features.name()
            )));
        }
        let tls_offer = features.child("starttls");
        let on_tls = matches!(wire.io, Either::Right(_));
        if !on_tls && endpoint.security == XmppSecurity::StartTls {
            if tls_offer.is_none() {
                return Err(Error::Tls("server does not offer STARTTLS".into()));
            }
            wire.send(&stanzas::starttls()).await?;
            let answer = wire.stanza().await?;
            if !answer.is("proceed") {
                return Err(Error::Tls(format!("STARTTLS refused: <{}>", answer.name())));
            }
            let Either::Left(tcp) = wire.io else {
                return Err(Error::Tls("STARTTLS on a TLS stream".into()));
            };
            let stream = connector
                .connect(server_name.clone(), tcp)
                .await
                .map_err(|e| Error::Tls(e.to_string()))?;
            wire = Wire {
                io: Either::Right(Box::new(stream)),
                split: Splitter::new(),
            };
            continue;
        }
        if !on_tls && tls_offer.is_some_and(|t| t.child("required").is_some()) {
            return Err(Error::Config(
                "the server requires STARTTLS; configure StartTls".into(),
            ));
        }
        if !authenticated {
            let plain = features.child("mechanisms").is_some_and(|m| {
                m.children_named("mechanism")
                    .any(|x| x.text().eq_ignore_ascii_case("PLAIN"))
            });
            if !plain {
                return Err(Error::Xmpp("server does not offer SASL PLAIN".into()));
            }
            wire.send(&stanzas::auth_plain(creds.agent.as_str(), &creds.password))
                .await?;
            let answer = wire.stanza().await?;
            if answer.is("success") {
                authenticated = true;
                wire.split.reset();
                continue;
            }
            return Err(Error::XmppAuth {
                agent: creds.agent.to_string(),
                condition: stanzas::condition(&answer),
            });
        }
        let jid = bind(&mut wire, &features, resource).await?;
        let fallback = || format!("{}@{}/{resource}", creds.agent, endpoint.domain);
        let jid = jid.unwrap_or_else(fallback);
        wire.send(stanzas::initial_presence()).await?;
        // A ping round trip after the presence: the server handles a stream's stanzas in
        // order, so once it answers, our presence is in effect and a LOGIN sent now cannot
        // outrun the subscription that delivers its notification.
        wire.send(&stanzas::ping("ready-1", &endpoint.domain))
            .await?;
        wire.iq_answer("ready-1").await?;
        return Ok(Connection { wire, jid });
    }
}

async fn bind(
    wire: &mut Wire,
    features: &Element<'_>,
    resource: &str,
) -> Result<Option<String>, Error> {
    wire.send(&stanzas::bind("bind-1", resource)).await?;
    let answer = wire.iq_answer("bind-1").await?;
    if answer.attr("type") != Some("result") {
        return Err(Error::Xmpp(format!(
            "resource binding failed: {}",
            stanzas::condition(&answer)
        )));
    }
    let jid = answer.child("bind").and_then(|b| b.text_of("jid"));
    // RFC 3921 session establishment, still announced (without <optional/>) by older Openfire.
    if features
        .child("session")
        .is_some_and(|s| s.child("optional").is_none())
    {
        wire.send(&stanzas::session("session-1")).await?;
        let answer = wire.iq_answer("session-1").await?;
        if answer.attr("type") != Some("result") {
            return Err(Error::Xmpp(format!(
                "session start failed: {}",
                stanzas::condition(&answer)
            )));
        }
    }
    Ok(jid)
}
