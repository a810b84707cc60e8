//! TLS for `amqps://` URIs: which server certificates are trusted, and the optional client
//! certificate.
//!
//! The adapter builds its own rustls [`ClientConfig`] (ring provider, like the rest of the
//! workspace) and hands it to lapin as the connector of the AMQP connection, so that:
//! * with `ca_file` set, *only* the CAs in that file are trusted (lapin's own connector would
//!   add them to the system roots);
//! * without it, the operating system's trust store decides (rustls-platform-verifier, as for
//!   the Finesse REST client);
//! * the server certificate is checked against the URI's host: a DNS name, or an IP address
//!   SAN when the host is an address.
//!
//! The configuration is rebuilt from the files on every connect, so a renewed client
//! certificate or CA bundle is picked up at the next reconnect without a restart.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::client::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::BrokerError;

/// TLS settings of the broker connection, used when the URI is `amqps://`.
///
/// Every field is a path to a PEM file; `None` means not configured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BrokerTls {
    /// CA certificates the broker's certificate must chain to. `None`: the system's roots.
    pub ca_file: Option<PathBuf>,
    /// Client certificate (chain) for brokers that require one (`ssl_options.verify =
    /// verify_peer`, `fail_if_no_peer_cert = true`). Needs `client_key_file`.
    pub client_cert_file: Option<PathBuf>,
    /// Private key of the client certificate (PKCS#8, PKCS#1 or SEC1 PEM, unencrypted). A
    /// secret: its content never appears in an error. Needs `client_cert_file`.
    pub client_key_file: Option<PathBuf>,
}

impl BrokerTls {
    /// Whether any TLS file is configured.
    pub fn is_set(&self) -> bool {
        self.ca_file.is_some() || self.client_cert_file.is_some() || self.client_key_file.is_some()
    }

    /// Checks what can be checked without reading files: a client certificate needs its key
    /// and a key needs its certificate.
    pub fn check_pairing(&self) -> Result<(), BrokerError> {
        match (&self.client_cert_file, &self.client_key_file) {
            (Some(_), None) => Err(BrokerError::InvalidConfig {
                field: "client_key_file",
                reason: "a client certificate needs its private key (client_key_file)".into(),
            }),
            (None, Some(_)) => Err(BrokerError::InvalidConfig {
                field: "client_cert_file",
                reason: "a client key needs its certificate (client_cert_file)".into(),
            }),
            _ => Ok(()),
        }
    }

    /// Reads the files and builds the rustls client configuration (ring provider).
    pub fn client_config(&self) -> Result<ClientConfig, BrokerError> {
        self.check_pairing()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error(format!("TLS protocol versions: {e}")))?;
        let builder = match &self.ca_file {
            Some(path) => builder.with_root_certificates(roots(path)?),
            None => {
                let verifier = rustls_platform_verifier::Verifier::new(provider)
                    .map_err(|e| tls_error(format!("the system's certificate verifier: {e}")))?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(verifier))
            }
        };
        match (&self.client_cert_file, &self.client_key_file) {
            (Some(cert), Some(key)) => builder
                .with_client_auth_cert(certificates("client_cert_file", cert)?, private_key(key)?)
                .map_err(|e| {
                    tls_error(format!(
                        "client_cert_file {} and client_key_file {}: {e}",
                        cert.display(),
                        key.display()
                    ))
                }),
            _ => Ok(builder.with_no_client_auth()),
        }
    }
}

fn tls_error(reason: String) -> BrokerError {
    BrokerError::Tls { reason }
}

fn read(field: &str, path: &Path) -> Result<Vec<u8>, BrokerError> {
    std::fs::read(path).map_err(|e| tls_error(format!("{field} {}: {e}", path.display())))
}

/// Every certificate of a PEM file (public data: parse errors may be quoted).
fn certificates(field: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, BrokerError> {
    let pem = read(field, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_error(format!("{field} {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(tls_error(format!(
            "{field} {}: no PEM certificate in the file",
            path.display()
        )));
    }
    Ok(certs)
}

fn roots(path: &Path) -> Result<RootCertStore, BrokerError> {
    let mut roots = RootCertStore::empty();
    for cert in certificates("ca_file", path)? {
        roots
            .add(cert)
            .map_err(|e| tls_error(format!("ca_file {}: {e}", path.display())))?;
    }
    Ok(roots)
}

/// The private key. Its parse errors are not quoted: they can repeat a line of the file.
fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, BrokerError> {
    let pem = read("client_key_file", path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|_| {
        tls_error(format!(
            "client_key_file {}: no unencrypted PKCS#8, PKCS#1 or SEC1 private key in PEM",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// A self-signed certificate and its key, as PEM.
    fn identity() -> (String, String) {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        (certified.cert.pem(), certified.signing_key.serialize_pem())
    }

    #[test]
    fn a_ca_file_and_a_client_identity_build() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = identity();
        let tls = BrokerTls {
            ca_file: Some(write(dir.path(), "ca.pem", &cert)),
            client_cert_file: Some(write(dir.path(), "client.pem", &cert)),
            client_key_file: Some(write(dir.path(), "client.key", &key)),
        };
        let config = tls.client_config().unwrap();
        assert!(config.client_auth_cert_resolver.has_certs());
    }

    #[test]
    fn no_files_means_the_system_roots_and_no_client_certificate() {
        let config = BrokerTls::default().client_config().unwrap();
        assert!(!config.client_auth_cert_resolver.has_certs());
    }

    #[test]
    fn a_certificate_without_its_key_and_a_key_without_its_certificate_are_refused() {
        let cert_only = BrokerTls {
            client_cert_file: Some("/etc/gc/client.pem".into()),
            ..BrokerTls::default()
        };
        let key_only = BrokerTls {
            client_key_file: Some("/etc/gc/client.key".into()),
            ..BrokerTls::default()
        };
        for tls in [cert_only, key_only] {
            assert!(matches!(
                tls.check_pairing(),
                Err(BrokerError::InvalidConfig { .. })
            ));
            assert!(tls.client_config().is_err());
        }
    }

    #[test]
    fn unusable_files_are_reported_with_their_path() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, _) = identity();
        let missing = dir.path().join("missing.pem");
        let empty = write(dir.path(), "empty.pem", "");
        let garbage = write(dir.path(), "garbage.pem", "not a certificate\n");
        for ca in [&missing, &empty, &garbage] {
            let tls = BrokerTls {
                ca_file: Some(ca.clone()),
                ..BrokerTls::default()
            };
            let error = tls.client_config().err().map(|e| e.to_string());
            assert!(
                error
                    .as_deref()
                    .is_some_and(|e| e.contains("ca_file") && e.contains(&*ca.to_string_lossy())),
                "{error:?}"
            );
        }
        // A key file that holds no key: reported without quoting the file.
        let key = write(
            dir.path(),
            "client.key",
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n",
        );
        let tls = BrokerTls {
            client_cert_file: Some(write(dir.path(), "client.pem", &cert)),
            client_key_file: Some(key),
            ..BrokerTls::default()
        };
        let error = tls.client_config().err().map(|e| e.to_string());
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("client_key_file") && !e.contains("c2VjcmV0")),
            "{error:?}"
        );
    }

    #[test]
    fn a_key_that_does_not_match_the_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, _) = identity();
        let (_, other_key) = identity();
        let tls = BrokerTls {
            client_cert_file: Some(write(dir.path(), "client.pem", &cert)),
            client_key_file: Some(write(dir.path(), "client.key", &other_key)),
            ..BrokerTls::default()
        };
        assert!(matches!(tls.client_config(), Err(BrokerError::Tls { .. })));
    }
}
