//! The connector's health and metrics endpoints, read without an HTTP client library (a
//! probe needs one GET; a client stack would double the tools' build).

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::TestbedError;

/// Most of a reply [`http_get`] reads (the connector's `/metrics` is a few KiB).
const MAX_REPLY: u64 = 256 * 1024;

/// How long one probe may take.
const PATIENCE: Duration = Duration::from_secs(2);

/// Status and body of a plain HTTP/1.0 GET, bounded to 2 s and 256 KiB; `None` when the
/// server does not answer (not up yet, gone) or answers something that is not HTTP.
pub async fn http_get(address: SocketAddr, path: &str) -> Option<(u16, String)> {
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut raw = Vec::new();
        stream.take(MAX_REPLY).read_to_end(&mut raw).await.ok()?;
        let text = String::from_utf8_lossy(&raw);
        let status = text.split_whitespace().nth(1)?.parse().ok()?;
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Some((status, body))
    };
    tokio::time::timeout(PATIENCE, probe).await.ok().flatten()
}

/// A TCP port on 127.0.0.1 that was free a moment ago (for a child's listener).
pub fn free_port() -> Result<u16, TestbedError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(TestbedError::io("finding a free port"))
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::{free_port, http_get};

    /// Serves `reply` once to whoever connects, after reading the request head.
    async fn serve_once(reply: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut head = [0; 1024];
            let n = stream.read(&mut head).await.unwrap();
            assert!(head[..n].starts_with(b"GET /readyz HTTP/1.0\r\n"));
            stream.write_all(reply.as_bytes()).await.unwrap();
        });
        address
    }

    #[tokio::test]
    async fn status_and_body_are_read() {
        let address =
            serve_once("HTTP/1.0 503 Service Unavailable\r\nX: y\r\n\r\nnot ready\n").await;
        assert_eq!(
            http_get(address, "/readyz").await,
            Some((503, "not ready\n".to_owned()))
        );
    }

    #[tokio::test]
    async fn nothing_listening_is_no_answer() {
        let port = free_port().unwrap();
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        assert_eq!(http_get(address, "/readyz").await, None);
    }

    #[tokio::test]
    async fn a_reply_that_is_not_http_is_no_answer() {
        let address = serve_once("SSH-2.0-OpenSSH\r\n").await;
        assert_eq!(http_get(address, "/readyz").await, None);
    }
}
