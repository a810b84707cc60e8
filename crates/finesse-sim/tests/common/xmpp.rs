//! A minimal raw XMPP client for assertions: it writes stanzas by hand and reads the
//! server's output as text, so it checks the wire format rather than trusting a library.

use std::sync::Arc;

use finesse_sim::{Cluster, NodeId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::PATIENCE;
use super::shape::{Node, parse};

/// The client's transport: plain TCP, or TLS after STARTTLS.
enum Stream {
    Tcp(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Stream {
    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Tcp(s) => s.read(buf).await,
            Self::Tls(s) => s.read(buf).await,
        }
    }

    async fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Self::Tcp(s) => {
                s.write_all(data).await?;
                s.flush().await
            }
            Self::Tls(s) => {
                s.write_all(data).await?;
                s.flush().await
            }
        }
    }
}

/// One pubsub notification as received.
#[derive(Debug, Clone)]
pub struct Notification {
    pub node: String,
    pub item_id: String,
    /// The unescaped `Update` document.
    pub payload: String,
    pub update: Node,
    /// The whole `<message>` stanza.
    pub stanza: String,
}

impl Notification {
    pub fn event(&self) -> String {
        self.update.text_at("event")
    }
    pub fn request_id(&self) -> String {
        self.update.text_at("requestId")
    }
    pub fn source(&self) -> String {
        self.update.text_at("source")
    }
    /// The element inside `data` (`user`, `dialog`, `dialogs`, `apiErrors`, …).
    pub fn data(&self) -> &Node {
        &self.update.child("data").unwrap().children[0]
    }
    /// The dialog in a `dialog` or `dialogs/Dialog` payload.
    pub fn dialog(&self) -> &Node {
        let data = self.data();
        if data.name == "dialogs" {
            &data.children[0]
        } else {
            data
        }
    }
    pub fn dialog_id(&self) -> u64 {
        self.dialog().text_at("id").parse().unwrap()
    }
    /// The state of the participant with this media address.
    pub fn participant_state(&self, address: &str) -> String {
        self.dialog()
            .child("participants")
            .unwrap()
            .children
            .iter()
            .find(|p| p.text_at("mediaAddress") == address)
            .map(|p| p.text_at("state"))
            .unwrap_or_default()
    }
    /// The actions of the participant with this media address.
    pub fn actions(&self, address: &str) -> Vec<String> {
        self.dialog()
            .child("participants")
            .unwrap()
            .children
            .iter()
            .find(|p| p.text_at("mediaAddress") == address)
            .map(|p| {
                p.child("actions")
                    .unwrap()
                    .children
                    .iter()
                    .map(|a| a.text.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub struct Xmpp {
    io: Stream,
    buf: String,
    pub jid: String,
    pub user: String,
    pub domain: String,
    next_id: u64,
    /// Notifications read while waiting for another one, kept for later waits.
    backlog: Vec<Notification>,
}

impl Xmpp {
    /// Opens the stream (plain TCP) and reads the features.
    pub async fn connect(cluster: &Cluster, node: NodeId) -> Self {
        let info = cluster.node(node);
        let tcp = TcpStream::connect(info.xmpp_addr)
            .await
            .expect("XMPP connect");
        let mut client = Self::over(Stream::Tcp(tcp), &info.xmpp_domain);
        client.open().await;
        client
    }

    fn over(io: Stream, domain: &str) -> Self {
        Self {
            io,
            buf: String::new(),
            jid: String::new(),
            user: String::new(),
            domain: domain.to_owned(),
            next_id: 1,
            backlog: Vec::new(),
        }
    }

    /// Wraps an already negotiated TLS stream (STARTTLS tests).
    pub fn from_tls(stream: tokio_rustls::client::TlsStream<TcpStream>, domain: &str) -> Self {
        Self::over(Stream::Tls(Box::new(stream)), domain)
    }

    /// Wraps a connected socket without opening the stream.
    pub fn from_tcp(tcp: TcpStream, domain: &str) -> Self {
        Self::over(Stream::Tcp(tcp), domain)
    }

    /// The plain socket back, for the TLS handshake after `<proceed/>`.
    pub fn into_tcp(self) -> TcpStream {
        match self.io {
            Stream::Tcp(tcp) => tcp,
            Stream::Tls(_) => panic!("already secure"),
        }
    }

    /// Sends a stream header and waits for the features.
    pub async fn open(&mut self) -> String {
        self.buf.clear();
        let header = format!(
            "<?xml version='1.0'?><stream:stream to='{}' xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
            self.domain
        );
        self.send(&header).await;
        self.wait_for("</stream:features>").await;
        std::mem::take(&mut self.buf)
    }

    pub async fn send(&mut self, text: &str) {
        self.io.write_all(text.as_bytes()).await.unwrap();
    }

    /// Reads more bytes; false on EOF.
    pub async fn read_more(&mut self) -> bool {
        let mut chunk = [0u8; 8192];
        let n = tokio::time::timeout(PATIENCE, self.io.read(&mut chunk))
            .await
            .unwrap_or_else(|_| panic!("XMPP read timed out; buffer: {}", self.buf))
            .unwrap_or(0);
        self.buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
        n > 0
    }

    /// Everything received and not consumed yet.
    pub fn take_buffer(&mut self) -> String {
        std::mem::take(&mut self.buf)
    }

    pub async fn wait_for(&mut self, needle: &str) {
        while !self.buf.contains(needle) {
            assert!(
                self.read_more().await,
                "stream closed waiting for {needle}: {}",
                self.buf
            );
        }
    }

    /// Reads until the server closes the connection; returns all it sent.
    pub async fn read_to_end(&mut self) -> String {
        while self.read_more().await {}
        std::mem::take(&mut self.buf)
    }

    /// SASL PLAIN; `Ok` after `<success/>` and the stream restart, `Err(failure text)`.
    pub async fn auth(&mut self, user: &str, password: &str) -> Result<(), String> {
        use base64::Engine as _;
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
        self.send(&format!(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>"
        ))
        .await;
        loop {
            if self.buf.contains("<success") {
                self.buf.clear();
                user.clone_into(&mut self.user);
                let features = self.open().await;
                assert!(features.contains("xmpp-bind"), "{features}");
                return Ok(());
            }
            if let Some(i) = self.buf.find("<failure") {
                self.wait_for("</failure>").await;
                let failure = self.buf[i..].to_owned();
                self.buf.clear();
                return Err(failure);
            }
            assert!(self.read_more().await, "closed during SASL: {}", self.buf);
        }
    }

    /// Sends an iq (with a fresh id) and returns the answer stanza.
    pub async fn iq(&mut self, kind: &str, to: &str, body: &str) -> String {
        let id = format!("t{}", self.next_id);
        self.next_id += 1;
        let to = if to.is_empty() {
            String::new()
        } else {
            format!(" to='{to}'")
        };
        self.send(&format!("<iq type='{kind}' id='{id}'{to}>{body}</iq>"))
            .await;
        let marker = format!("id='{id}'");
        loop {
            if let Some(at) = self.buf.find(&marker) {
                let start = self.buf[..at].rfind("<iq").unwrap();
                let tag_end = self.buf[at..].find('>').map(|i| i + at);
                if let Some(tag_end) = tag_end {
                    let end = if self.buf[..tag_end].ends_with('/') {
                        Some(tag_end + 1)
                    } else {
                        self.buf[tag_end..].find("</iq>").map(|i| i + tag_end + 5)
                    };
                    if let Some(end) = end {
                        let stanza = self.buf[start..end].to_owned();
                        self.buf.replace_range(start..end, "");
                        return stanza;
                    }
                }
            }
            assert!(
                self.read_more().await,
                "closed waiting for iq {id}: {}",
                self.buf
            );
        }
    }

    /// Binds a resource, opens the legacy session and sends initial presence.
    pub async fn bind(&mut self, resource: &str) {
        let answer = self
            .iq(
                "set",
                "",
                &format!("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{resource}</resource></bind>"),
            )
            .await;
        assert!(answer.contains("type='result'"), "{answer}");
        self.jid = super::text_of(&answer, "jid").unwrap();
        let session = self
            .iq(
                "set",
                "",
                "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>",
            )
            .await;
        assert!(session.contains("type='result'"), "{session}");
        self.send("<presence/>").await;
        self.wait_for("finesse@").await;
    }

    /// Connect, authenticate, bind `gc-<user>`, presence.
    pub async fn login(cluster: &Cluster, node: NodeId, user: &str, password: &str) -> Self {
        let mut client = Self::connect(cluster, node).await;
        client
            .auth(user, password)
            .await
            .expect("SASL PLAIN succeeds");
        client.bind(&format!("gc-{user}")).await;
        client
    }

    /// Forgets notifications read but not taken.
    pub fn clear_backlog(&mut self) {
        self.backlog.clear();
    }

    /// The next pubsub notification from the stream (ignores the backlog).
    pub async fn next_notification(&mut self) -> Notification {
        loop {
            if let Some(start) = self.buf.find("<message")
                && let Some(len) = self.buf[start..].find("</message>")
            {
                let end = start + len + "</message>".len();
                let stanza = self.buf[start..end].to_owned();
                self.buf.replace_range(start..end, "");
                return notification(stanza);
            }
            assert!(self.read_more().await, "closed waiting for a notification");
        }
    }

    /// The first notification (received earlier and not yet taken, or arriving now) that
    /// matches. Others are kept, so waits do not depend on the order of independent events.
    pub async fn wait_notification(
        &mut self,
        what: &str,
        pred: impl Fn(&Notification) -> bool,
    ) -> Notification {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let n = tokio::time::timeout(remaining, self.next_notification())
                .await
                .unwrap_or_else(|_| panic!("{}: no notification {what}", self.user));
            if pred(&n) {
                return n;
            }
            self.backlog.push(n);
        }
    }

    /// Waits for the own user's notification with this state.
    pub async fn user_state(&mut self, state: &str) -> Notification {
        let node = format!("/finesse/api/User/{}", self.user);
        self.wait_notification(&format!("user state {state}"), |n| {
            n.node == node && n.data().name == "user" && n.data().text_at("state") == state
        })
        .await
    }

    /// Waits for a Dialogs-node notification with this event (`POST`, `PUT`, `DELETE`)
    /// matching `pred`.
    pub async fn dialog_event(
        &mut self,
        event: &str,
        pred: impl Fn(&Notification) -> bool,
    ) -> Notification {
        let node = format!("/finesse/api/User/{}/Dialogs", self.user);
        self.wait_notification(&format!("dialog {event}"), |n| {
            n.node == node && n.event() == event && n.data().name != "apiErrors" && pred(n)
        })
        .await
    }

    /// Waits for an apiErrors notification.
    pub async fn api_error(&mut self) -> Notification {
        self.wait_notification("apiErrors", |n| n.data().name == "apiErrors")
            .await
    }

    pub async fn subscribe(&mut self, node: &str) -> String {
        let body = format!(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='{node}' jid='{}'/></pubsub>",
            self.jid
        );
        let pubsub = format!("pubsub.{}", self.domain);
        self.iq("set", &pubsub, &body).await
    }

    pub async fn unsubscribe(&mut self, node: &str) -> String {
        let body = format!(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><unsubscribe node='{node}' jid='{}'/></pubsub>",
            self.jid
        );
        let pubsub = format!("pubsub.{}", self.domain);
        self.iq("set", &pubsub, &body).await
    }

    /// Closes the stream and waits for the server to close its side.
    pub async fn close(mut self) {
        self.send("</stream:stream>").await;
        let rest = self.read_to_end().await;
        assert!(rest.contains("</stream:stream>"), "{rest}");
    }

    /// Ends the TCP connection without closing the stream (a crashed client).
    pub fn drop_connection(self) {
        drop(self.io);
    }
}

fn notification(stanza: String) -> Notification {
    let message = parse(&stanza);
    let items = message.at("event/items").expect("pubsub items");
    let item = items.child("item").expect("item");
    let payload = item
        .child("notification")
        .expect("notification")
        .text
        .clone();
    Notification {
        node: items.attr("node").unwrap().to_owned(),
        item_id: item.attr("id").unwrap().to_owned(),
        update: parse(&payload),
        payload,
        stanza,
    }
}

/// A TLS client configuration trusting `root_pem`, ring provider.
pub fn tls_client(root_pem: &[u8]) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(root_pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}
