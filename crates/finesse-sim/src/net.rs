//! Sockets: TLS material, connection tracking and the axum listener adapter.
//!
//! Stopping a node must make it vanish like a crashed server: its listeners close *and* every
//! open connection (keep-alive HTTP, XMPP sessions) is cut. Each accepted socket is therefore
//! shared (`Arc`, one descriptor) between the task that owns the connection and a per-node
//! [`Connections`] set holding a weak reference; stopping the node calls `shutdown(Both)` on
//! all of them, which wakes the owning tasks with EOF. (An earlier version kept a `dup`ed
//! descriptor per socket in the set: two descriptors per connection.)

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use socket2::SockRef;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::config::TlsConfig;
use crate::error::SimError;

/// Loads the certificate chain and key into a rustls server configuration with the ring
/// provider (explicitly, so no process-wide default provider is needed).
pub(crate) fn server_tls(
    cfg: &TlsConfig,
    alpn: &[&[u8]],
) -> Result<Arc<rustls::ServerConfig>, SimError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(&cfg.cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| SimError::Tls(format!("{}: {e}", cfg.cert.display())))?;
    if certs.is_empty() {
        return Err(SimError::Tls(format!(
            "{}: no certificate",
            cfg.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(&cfg.key)
        .map_err(|e| SimError::Tls(format!("{}: {e}", cfg.key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SimError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| SimError::Tls(e.to_string()))?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// The open connections of one node.
///
/// The set holds weak references to the sockets themselves, not duplicated descriptors: each
/// accepted connection costs exactly one file descriptor, which is what lets one process serve
/// 12,000 XMPP sessions under a 20,000-descriptor limit.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    open: Mutex<HashMap<u64, Weak<TcpStream>>>,
    next: AtomicU64,
}

impl Connections {
    /// Registers an accepted socket; the returned [`Socket`] untracks it when dropped.
    pub(crate) fn track(self: &Arc<Self>, stream: TcpStream) -> Socket {
        let _ = stream.set_nodelay(true);
        let tcp = Arc::new(stream);
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, Arc::downgrade(&tcp));
        Socket {
            tcp,
            id,
            set: Arc::clone(self),
        }
    }

    /// Cuts every open connection: `shutdown(Both)` on the socket, which wakes the task that
    /// owns it with EOF (and makes its writes fail), and shows the peer a closed connection.
    /// Returns how many were open.
    pub(crate) fn cut_all(&self) -> usize {
        let open: Vec<Weak<TcpStream>> = self
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|(_, s)| s)
            .collect();
        let mut cut = 0;
        for socket in open.iter().filter_map(Weak::upgrade) {
            let _ = SockRef::from(socket.as_ref()).shutdown(Shutdown::Both);
            cut += 1;
        }
        cut
    }

    /// Number of tracked connections (REST and XMPP).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// An accepted TCP connection, shared (by a weak reference) with its node's [`Connections`] so
/// that stopping the node can cut it. Reads and writes go through the socket's readiness,
/// exactly as tokio's own `TcpStream` does.
#[derive(Debug)]
pub(crate) struct Socket {
    tcp: Arc<TcpStream>,
    id: u64,
    set: Arc<Connections>,
}

impl Socket {
    /// Waits until the socket is readable (data, EOF or an error).
    pub(crate) async fn readable(&self) -> io::Result<()> {
        self.tcp.readable().await
    }

    /// Reads what is there without waiting (`WouldBlock` when nothing is).
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.tcp.try_read(buf)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.set
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(self.tcp.poll_read_ready(cx))?;
            match self.tcp.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.tcp.poll_write_ready(cx))?;
            match self.tcp.try_write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                result => return Poll::Ready(result),
            }
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.tcp.poll_write_ready(cx))?;
            match self.tcp.try_write_vectored(bufs) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                result => return Poll::Ready(result),
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // As tokio's `TcpStream`: half-close the write side; already disconnected is fine.
        match SockRef::from(self.tcp.as_ref()).shutdown(Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Poll::Ready(Ok(())),
            result => Poll::Ready(result),
        }
    }
}

/// A server-side connection, plain or TLS.
#[derive(Debug)]
pub(crate) enum Conn {
    Plain(Socket),
    Tls(Box<TlsStream<Socket>>),
    /// A connection taken apart (during a STARTTLS upgrade that failed): reads EOF.
    Closed,
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Self::Closed => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Self::Closed => Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Self::Closed => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Self::Closed => Poll::Ready(Ok(())),
        }
    }
}

/// Feeds axum with connections accepted (and TLS-handshaken) by [`accept_loop`].
#[derive(Debug)]
pub(crate) struct ConnListener {
    rx: mpsc::Receiver<(Conn, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for ConnListener {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // The accept loop is gone: the node is stopping and this task is about to be
            // aborted with it.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Accepts on `listener`, tracks each socket, runs the TLS handshake off the accept path, and
/// hands finished connections to the returned axum listener.
pub(crate) fn http_listener(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    conns: Arc<Connections>,
) -> io::Result<(ConnListener, tokio::task::JoinHandle<()>)> {
    let local = listener.local_addr()?;
    let (tx, rx) = mpsc::channel(256);
    let task = tokio::spawn(async move {
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let tcp = conns.track(tcp);
            match &tls {
                None => {
                    if tx.send((Conn::Plain(tcp), peer)).await.is_err() {
                        return;
                    }
                }
                Some(config) => {
                    let acceptor = TlsAcceptor::from(Arc::clone(config));
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let handshake = acceptor.accept(tcp);
                        match tokio::time::timeout(Duration::from_secs(10), handshake).await {
                            Ok(Ok(stream)) => {
                                let _ = tx.send((Conn::Tls(Box::new(stream)), peer)).await;
                            }
                            Ok(Err(e)) => {
                                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                            }
                            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                        }
                    });
                }
            }
        }
    });
    Ok((ConnListener { rx, local }, task))
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    async fn pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        (client.unwrap(), accepted.unwrap().0)
    }

    #[tokio::test]
    async fn a_tracked_socket_reads_writes_and_untracks_itself() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let conns = Arc::new(Connections::default());
        let (mut client, accepted) = pair(&listener).await;
        let mut socket = conns.track(accepted);
        assert_eq!(conns.len(), 1);
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        socket.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        socket.write_all(b"pong").await.unwrap();
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pong");
        socket.shutdown().await.unwrap();
        assert_eq!(client.read(&mut buf).await.unwrap(), 0, "half-closed");
        drop(socket);
        assert_eq!(conns.len(), 0);
    }

    #[tokio::test]
    async fn cutting_wakes_the_owner_with_eof_and_closes_the_peer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let conns = Arc::new(Connections::default());
        let (mut client, accepted) = pair(&listener).await;
        let mut socket = conns.track(accepted);
        let owner = tokio::spawn(async move {
            let mut buf = [0u8; 16];
            let n = socket.read(&mut buf).await.unwrap();
            (n, socket.write_all(b"late").await.is_err())
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(conns.cut_all(), 1);
        let (n, write_failed) = tokio::time::timeout(Duration::from_secs(5), owner)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(n, 0, "the owner reads EOF");
        assert!(write_failed, "writes fail after the cut");
        let mut buf = [0u8; 16];
        assert_eq!(
            client.read(&mut buf).await.unwrap(),
            0,
            "the peer sees the close"
        );
        assert_eq!(conns.len(), 0);
    }
}
