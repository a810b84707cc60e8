//! The XMPP notification service of one node (finesse-api.md §6): TCP, plain or STARTTLS.
//!
//! Layout: `framing` (stream → frames, pure), `session` (one connection's negotiation and
//! delivery loop), `iq` (ping, roster, disco, pubsub subscriptions). One tokio task per
//! connection; notifications reach it through the hub's per-session queue.

mod framing;
mod iq;
mod session;

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::cluster::NodeId;
use crate::engine::Engine;
use crate::net::{Conn, Connections};

/// What every connection of a node shares.
#[derive(Debug)]
pub(crate) struct XmppCtx {
    pub(crate) node: NodeId,
    pub(crate) engine: Engine,
    pub(crate) domain: String,
    pub(crate) pubsub: String,
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    pub(crate) require_tls: bool,
    pub(crate) max_stanza: usize,
}

/// Accepts connections until the task is aborted (node stop).
pub(crate) async fn accept_loop(listener: TcpListener, ctx: Arc<XmppCtx>, conns: Arc<Connections>) {
    loop {
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                tracing::warn!(error = %e, "XMPP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let tcp = conns.track(tcp);
        let session = session::Session::new(Arc::clone(&ctx));
        tokio::spawn(session.run(Conn::Plain(tcp)));
    }
}
