//! The crate's one error type.
//!
//! Errors that a network peer causes (bad XML, wrong password, invalid state) are not `SimError`s:
//! they become Finesse-shaped answers (`ApiErrors`, `apiErrors` notifications, XMPP stream
//! errors). `SimError` is for the operator and the embedding test: configuration, binding,
//! TLS setup, directory files and the control client.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything that can go wrong starting, configuring or driving the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A listener could not be bound (port in use, address not local).
    #[error("cannot bind the {what} listener on {addr}: {source}")]
    Bind {
        /// Which listener (`"primary REST"`, `"control"`, …).
        what: String,
        /// The address we tried.
        addr: SocketAddr,
        /// The OS error.
        source: io::Error,
    },
    /// A file (configuration, directory, certificate) could not be read.
    #[error("cannot read {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The configuration is inconsistent or could not be parsed.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The directory (agents, teams, …) is inconsistent or could not be parsed.
    #[error("invalid directory: {0}")]
    Directory(String),
    /// The certificate or key could not be loaded into rustls.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// A control API call was answered with an error status.
    #[error("control API answered {status}: {message}")]
    Control {
        /// The HTTP status of the answer.
        status: u16,
        /// The error text the simulator returned.
        message: String,
    },
    /// The HTTP client behind [`crate::control::ControlClient`] failed.
    #[error("control API request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// Any other I/O failure.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The simulator's engine has stopped (the cluster was shut down).
    #[error("the simulator is shutting down")]
    ShuttingDown,
}
