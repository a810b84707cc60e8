//! One rustls client configuration (ring provider) shared by the REST client and the XMPP
//! sessions.
//!
//! Why explicit: the workspace builds reqwest with `rustls-no-provider`, so reqwest would panic
//! building a client unless a process-wide provider is installed. Handing it a ready
//! `ClientConfig` built on ring avoids that global, and lets REST and XMPP trust the same CA
//! (Finesse nodes commonly run self-signed certificates).

use std::fmt;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::Error;

/// Which certificates a Finesse node's TLS certificate must chain to.
#[derive(Clone, Default)]
pub struct TlsSettings {
    /// PEM bundle of trusted CA (or self-signed node) certificates. When set, only these are
    /// trusted; when `None`, the operating system's trust store is used.
    pub ca_pem: Option<Vec<u8>>,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field(
                "ca_pem",
                &self.ca_pem.as_ref().map(|p| format!("{} bytes", p.len())),
            )
            .finish()
    }
}

impl TlsSettings {
    /// Trust only the certificates in this PEM bundle.
    pub fn with_ca_pem(pem: impl Into<Vec<u8>>) -> Self {
        Self {
            ca_pem: Some(pem.into()),
        }
    }

    /// Builds the rustls configuration (no ALPN; callers set their own).
    pub(crate) fn client_config(&self) -> Result<ClientConfig, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls(e.to_string()))?;
        let config = match &self.ca_pem {
            Some(pem) => builder
                .with_root_certificates(roots_from_pem(pem)?)
                .with_no_client_auth(),
            None => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(platform_verifier(provider)?))
                .with_no_client_auth(),
        };
        Ok(config)
    }
}

fn roots_from_pem(pem: &[u8]) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| Error::Config(format!("CA PEM: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| Error::Config(format!("CA certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(Error::Config("CA PEM holds no certificate".into()));
    }
    Ok(roots)
}

fn platform_verifier(
    provider: Arc<CryptoProvider>,
) -> Result<rustls_platform_verifier::Verifier, Error> {
    rustls_platform_verifier::Verifier::new(provider).map_err(|e| Error::Tls(e.to_string()))
}

/// Installs ring as the process-wide rustls provider if none is installed yet. Harmless when
/// another crate already installed one.
pub fn install_default_provider() {
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
}
