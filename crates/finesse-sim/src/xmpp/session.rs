//! One client connection of the notification service: stream negotiation (STARTTLS, SASL
//! PLAIN, resource binding, legacy session), then presence, pings, roster, XEP-0060
//! subscriptions and delivery of pubsub notifications queued by the hub.
//!
//! Everything a client sends is answered by RFC 6120 rules: unknown requests get
//! `service-unavailable`, malformed XML ends the stream with `not-well-formed`.

use std::fmt::Write as _;
use std::sync::Arc;

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

use super::XmppCtx;
use super::framing::{Frame, FrameError, Framer};
use crate::net::Conn;
use crate::notify::Outgoing;
use crate::state::Now;
use crate::xml::{Element, escape};

const NS_TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
const NS_SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
const NS_BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
const NS_SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
const NS_STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
const NS_PUBSUB: &str = "http://jabber.org/protocol/pubsub";

/// Where the negotiation is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// Before SASL.
    Connected,
    /// SASL succeeded; waiting for the restarted stream and the bind.
    Authenticated(String),
    /// Resource bound; a hub session exists.
    Bound,
}

/// What the caller must do after a frame.
enum Next {
    Continue,
    StartTls,
    Close,
}

pub(crate) struct Session {
    ctx: Arc<XmppCtx>,
    framer: Framer,
    stage: Stage,
    secure: bool,
    user: String,
    jid: String,
    hub_id: Option<u64>,
    rx: Option<mpsc::Receiver<Outgoing>>,
    presence_sent: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("jid", &self.jid)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(crate) fn new(ctx: Arc<XmppCtx>) -> Self {
        let max = ctx.max_stanza;
        Self {
            ctx,
            framer: Framer::new(max),
            stage: Stage::Connected,
            secure: false,
            user: String::new(),
            jid: String::new(),
            hub_id: None,
            rx: None,
            presence_sent: false,
        }
    }

    /// Runs the connection to its end.
    pub(crate) async fn run(mut self, mut conn: Conn) {
        if let Err(e) = self.drive(&mut conn).await {
            tracing::debug!(jid = %self.jid, error = %e, "XMPP connection ended");
        }
        let _ = conn.shutdown().await;
        if let Some(id) = self.hub_id.take() {
            self.ctx.engine.hub().remove(id);
        }
    }

    async fn drive(&mut self, conn: &mut Conn) -> std::io::Result<()> {
        loop {
            loop {
                let frame = match self.framer.next_frame() {
                    Ok(Some(frame)) => frame,
                    Ok(None) => break,
                    Err(e) => {
                        let condition = match e {
                            FrameError::TooLarge(_) => "policy-violation",
                            FrameError::Malformed(_) => "not-well-formed",
                        };
                        return stream_error(conn, condition).await;
                    }
                };
                let mut out = String::new();
                let next = self.handle(frame, &mut out);
                write(conn, &out).await?;
                match next {
                    Next::Continue => {}
                    Next::Close => return Ok(()),
                    Next::StartTls => {
                        self.upgrade(conn).await?;
                    }
                }
            }
            let rx = self.rx.as_mut();
            tokio::select! {
                read = read_into(conn, &mut self.framer) => {
                    if read? == 0 {
                        return Ok(());
                    }
                }
                msg = recv(rx) => match msg {
                    Some(Outgoing::Notification(n)) => write(conn, &n.stanza()).await?,
                    Some(Outgoing::Conflict) => return stream_error(conn, "conflict").await,
                    None => return Ok(()),
                },
            }
        }
    }

    async fn upgrade(&mut self, conn: &mut Conn) -> std::io::Result<()> {
        let Some(config) = self.ctx.tls.clone() else {
            return Err(std::io::Error::other("STARTTLS without TLS configuration"));
        };
        let placeholder = std::mem::replace(conn, Conn::Closed);
        let Conn::Plain(tcp) = placeholder else {
            return Err(std::io::Error::other("STARTTLS on a secure stream"));
        };
        let stream = TlsAcceptor::from(config).accept(tcp).await?;
        *conn = Conn::Tls(Box::new(stream));
        self.secure = true;
        self.framer = Framer::new(self.ctx.max_stanza);
        Ok(())
    }

    fn header(&self, out: &mut String) {
        let _ = write!(
            out,
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams' id='{}' from='{}' version='1.0' \
             xml:lang='en'>",
            uuid::Uuid::new_v4().simple(),
            self.ctx.domain
        );
    }

    fn handle(&mut self, frame: Frame, out: &mut String) -> Next {
        match frame {
            Frame::Open(header) => self.open(&header, out),
            Frame::Close => {
                out.push_str("</stream:stream>");
                Next::Close
            }
            Frame::Stanza(stanza) => match self.stage.clone() {
                Stage::Connected => self.negotiate(&stanza, out),
                Stage::Authenticated(user) => self.bind(&user, &stanza, out),
                Stage::Bound => {
                    self.stanza(&stanza, out);
                    Next::Continue
                }
            },
        }
    }

    fn open(&self, header: &Element, out: &mut String) -> Next {
        self.header(out);
        if header.attr("to").is_some_and(|to| to != self.ctx.domain) {
            out.push_str(
                "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
                 </stream:error></stream:stream>",
            );
            return Next::Close;
        }
        out.push_str("<stream:features>");
        match self.stage {
            Stage::Connected => {
                let offer_tls = self.ctx.tls.is_some() && !self.secure;
                if offer_tls {
                    let _ = write!(out, "<starttls xmlns='{NS_TLS}'>");
                    if self.ctx.require_tls {
                        out.push_str("<required/>");
                    }
                    out.push_str("</starttls>");
                }
                if !(offer_tls && self.ctx.require_tls) {
                    let _ = write!(
                        out,
                        "<mechanisms xmlns='{NS_SASL}'><mechanism>PLAIN</mechanism></mechanisms>"
                    );
                }
            }
            Stage::Authenticated(_) | Stage::Bound => {
                let _ = write!(
                    out,
                    "<bind xmlns='{NS_BIND}'/><session xmlns='{NS_SESSION}'><optional/></session>"
                );
            }
        }
        out.push_str("</stream:features>");
        Next::Continue
    }

    fn negotiate(&mut self, stanza: &Element, out: &mut String) -> Next {
        match (stanza.name.as_str(), stanza.ns.as_str()) {
            ("starttls", NS_TLS) if self.ctx.tls.is_some() && !self.secure => {
                let _ = write!(out, "<proceed xmlns='{NS_TLS}'/>");
                Next::StartTls
            }
            ("starttls", _) => {
                let _ = write!(out, "<failure xmlns='{NS_TLS}'/></stream:stream>");
                Next::Close
            }
            ("auth", NS_SASL) => {
                if self.ctx.require_tls && self.ctx.tls.is_some() && !self.secure {
                    out.push_str(&sasl_failure("encryption-required"));
                    return Next::Continue;
                }
                if stanza.attr("mechanism") != Some("PLAIN") {
                    out.push_str(&sasl_failure("invalid-mechanism"));
                    return Next::Continue;
                }
                match self.plain(stanza.text.trim()) {
                    Ok(user) => {
                        let _ = write!(out, "<success xmlns='{NS_SASL}'/>");
                        self.stage = Stage::Authenticated(user);
                        self.framer = Framer::new(self.ctx.max_stanza);
                    }
                    Err(condition) => out.push_str(&sasl_failure(condition)),
                }
                Next::Continue
            }
            _ => {
                out.push_str(
                    "<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
                     </stream:error></stream:stream>",
                );
                Next::Close
            }
        }
    }

    /// SASL PLAIN: `[authzid] NUL authcid NUL password`, base64.
    fn plain(&self, text: &str) -> Result<String, &'static str> {
        let raw = if text == "=" { "" } else { text };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(raw)
            .map_err(|_| "incorrect-encoding")?;
        let decoded = String::from_utf8(decoded).map_err(|_| "incorrect-encoding")?;
        let mut parts = decoded.split('\0');
        let (Some(requested), Some(login), Some(password), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("incorrect-encoding");
        };
        let login = login.split('@').next().unwrap_or_default();
        let bare = format!("{login}@{}", self.ctx.domain);
        if !requested.is_empty() && requested != login && requested != bare {
            return Err("invalid-authzid");
        }
        let result = self
            .ctx
            .engine
            .lock()
            .authenticate(login, password, &Now::current());
        result.map_err(|failure| match failure {
            crate::state::AuthFailure::Locked => "account-disabled",
            _ => "not-authorized",
        })
    }

    fn bind(&mut self, user: &str, stanza: &Element, out: &mut String) -> Next {
        let bind = stanza.child("bind").filter(|b| b.ns == NS_BIND);
        let id = escape(stanza.attr("id").unwrap_or_default()).into_owned();
        let Some(bind) = bind.filter(|_| stanza.name == "iq" && stanza.attr("type") == Some("set"))
        else {
            if stanza.name == "iq" {
                out.push_str(&iq_error(&id, "", "not-allowed", "cancel"));
            }
            return Next::Continue;
        };
        let resource = bind
            .child_text("resource")
            .filter(|r| !r.is_empty() && !r.contains(['/', '@']))
            .map_or_else(
                || format!("sim-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
                str::to_owned,
            );
        user.clone_into(&mut self.user);
        self.jid = format!("{user}@{}/{resource}", self.ctx.domain);
        let (hub_id, rx) = self
            .ctx
            .engine
            .hub()
            .register(user, &self.jid, self.ctx.node);
        self.hub_id = Some(hub_id);
        self.rx = Some(rx);
        self.stage = Stage::Bound;
        let _ = write!(
            out,
            "<iq type='result' id='{id}'><bind xmlns='{NS_BIND}'><jid>{}</jid></bind></iq>",
            escape(&self.jid)
        );
        Next::Continue
    }

    fn stanza(&mut self, stanza: &Element, out: &mut String) {
        match stanza.name.as_str() {
            "iq" => super::iq::handle(self.ctx.as_ref(), &self.jid, self.hub_id, stanza, out),
            "presence" => self.presence(stanza, out),
            _ => {}
        }
    }

    fn presence(&mut self, stanza: &Element, out: &mut String) {
        if stanza.attr("to").is_some() {
            // Directed presence and subscription requests: nothing on the server to update.
            return;
        }
        let available = stanza.attr("type").is_none_or(|t| t == "available");
        let unavailable = stanza.attr("type") == Some("unavailable");
        if let Some(id) = self.hub_id {
            if available {
                self.ctx.engine.hub().set_available(id, true);
            } else if unavailable {
                self.ctx.engine.hub().set_available(id, false);
            }
        }
        if available {
            let _ = write!(out, "<presence from='{0}' to='{0}'/>", escape(&self.jid));
            if !self.presence_sent {
                self.presence_sent = true;
                let _ = write!(
                    out,
                    "<presence from='finesse@{0}/finesse' to='{1}'><priority>0</priority></presence>",
                    self.ctx.domain,
                    escape(&self.jid)
                );
            }
        }
    }
}

/// Size of one read from a client.
const READ_CHUNK: usize = 4096;

/// Reads what the client sent into the framer; 0 at end of stream.
///
/// A plain connection waits for readiness and only then reads into a buffer on the stack, so a
/// session waiting for its client (the normal state of a notification session) holds no read
/// buffer; with thousands of sessions that is most of a session's memory. A TLS connection
/// needs a buffer while it waits, as rustls may hold decrypted bytes already.
async fn read_into(conn: &mut Conn, framer: &mut Framer) -> std::io::Result<usize> {
    if let Conn::Plain(socket) = conn {
        loop {
            socket.readable().await?;
            let mut chunk = [0u8; READ_CHUNK];
            match socket.try_read(&mut chunk) {
                Ok(n) => {
                    framer.push(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }
    let mut buf = vec![0u8; READ_CHUNK];
    let n = conn.read(&mut buf).await?;
    framer.push(&buf[..n]);
    Ok(n)
}

async fn recv(rx: Option<&mut mpsc::Receiver<Outgoing>>) -> Option<Outgoing> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn write(conn: &mut Conn, text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    conn.write_all(text.as_bytes()).await?;
    conn.flush().await
}

async fn stream_error(conn: &mut Conn, condition: &str) -> std::io::Result<()> {
    write(
        conn,
        &format!(
            "<stream:error><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
             </stream:error></stream:stream>"
        ),
    )
    .await
}

fn sasl_failure(condition: &str) -> String {
    format!("<failure xmlns='{NS_SASL}'><{condition}/></failure>")
}

/// An iq error answer.
pub(super) fn iq_error(id: &str, from: &str, condition: &str, kind: &str) -> String {
    let from = if from.is_empty() {
        String::new()
    } else {
        format!(" from='{from}'")
    };
    format!(
        "<iq type='error' id='{id}'{from}><error type='{kind}'><{condition} xmlns='{NS_STANZAS}'/>\
         </error></iq>"
    )
}

/// The pubsub namespace (for the iq module).
pub(super) const PUBSUB: &str = NS_PUBSUB;
