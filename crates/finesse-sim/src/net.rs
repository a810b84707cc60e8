//! Sockets: TLS material, connection tracking and the axum listener adapter.
//!
//! Stopping a node must make it vanish like a crashed server: its listeners close *and* every
//! open connection (keep-alive HTTP, XMPP sessions) is cut. Each accepted socket is therefore
//! registered with a duplicate handle in a per-node [`Connections`] set; stopping the node calls
//! `shutdown(Both)` on all of them, which wakes the tasks that own the sockets with EOF.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

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
#[derive(Debug, Default)]
pub(crate) struct Connections {
    open: Mutex<HashMap<u64, std::net::TcpStream>>,
    next: AtomicU64,
}

/// Removes its connection from the set when the connection's owner drops it.
#[derive(Debug)]
pub(crate) struct Tracked {
    id: u64,
    set: Arc<Connections>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.set
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl Connections {
    /// Registers an accepted socket; keep the returned guard as long as the socket.
    pub(crate) fn track(self: &Arc<Self>, stream: TcpStream) -> io::Result<(TcpStream, Tracked)> {
        let std = stream.into_std()?;
        let handle = std.try_clone()?;
        let stream = TcpStream::from_std(std)?;
        let _ = stream.set_nodelay(true);
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, handle);
        Ok((
            stream,
            Tracked {
                id,
                set: Arc::clone(self),
            },
        ))
    }

    /// Cuts every open connection.
    pub(crate) fn cut_all(&self) {
        let open: Vec<std::net::TcpStream> = self
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|(_, s)| s)
            .collect();
        for socket in open {
            let _ = socket.shutdown(Shutdown::Both);
        }
    }
}

/// A server-side connection, plain or TLS, with its tracking guard.
#[derive(Debug)]
pub(crate) enum Conn {
    Plain(TcpStream, Tracked),
    Tls(
        Box<TlsStream<TcpStream>>,
        #[allow(dead_code)] // held for its Drop: untracks the socket
        Tracked,
    ),
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
            Self::Plain(s, _) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s, _) => Pin::new(s.as_mut()).poll_read(cx, buf),
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
            Self::Plain(s, _) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s, _) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Self::Closed => Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s, _) => Pin::new(s).poll_flush(cx),
            Self::Tls(s, _) => Pin::new(s.as_mut()).poll_flush(cx),
            Self::Closed => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s, _) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s, _) => Pin::new(s.as_mut()).poll_shutdown(cx),
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
            let Ok((tcp, guard)) = conns.track(tcp) else {
                continue;
            };
            match &tls {
                None => {
                    if tx.send((Conn::Plain(tcp, guard), peer)).await.is_err() {
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
                                let _ = tx.send((Conn::Tls(Box::new(stream), guard), peer)).await;
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
