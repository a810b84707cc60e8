//! Helpers shared by the integration tests: credentials and a self-signed TLS identity.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gc_finesse::rest::{Credentials, RequestId};
use gc_protocol::{AgentId, Password};

pub fn creds(agent: &str, password: &str) -> Credentials {
    Credentials::new(AgentId::parse(agent).unwrap(), Password::new(password))
}

/// A request id no other request of this test process carries.
pub fn fresh_id() -> RequestId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    RequestId::new(format!(
        "gc-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// A self-signed certificate for 127.0.0.1: its PEM (what the client trusts) and a rustls
/// server configuration presenting it.
pub struct TestTls {
    pub ca_pem: String,
    pub server: Arc<rustls::ServerConfig>,
}

pub fn test_tls() -> TestTls {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert_der = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert_der], key)
    .unwrap();
    TestTls {
        ca_pem: certified.cert.pem(),
        server: Arc::new(server),
    }
}
