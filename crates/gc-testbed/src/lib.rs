//! What the workspace's load tools (`gc-load`, `gc-soak`) share to run `generic-connector` for
//! real: `finesse-sim` and connector child processes, the broker names of one run, a health
//! probe, and the CPU and memory figures procfs gives.
//!
//! It was two near-copies (gc-load's `procs.rs`, gc-soak's `stack.rs`); one library keeps a
//! fix to how a child is started, probed or stopped in one place. It does IO (processes,
//! sockets, procfs), so it is not one of the pure crates, and it is not published.
//!
//! Every child is started with `kill_on_drop`, so it dies with the tool; every wait is bounded.
//!
//! # Layout
//! - `sim`: [`Sim`], a running `finesse-sim` (one or two nodes, a generated directory).
//! - `connector`: [`ConnectorSpec`], how to start (and restart) a `generic-connector`, and
//!   [`stop`] / [`terminate`].
//! - `broker`: [`Names`] of one run, [`check_loopback`], a command's AMQP properties,
//!   [`consume_destination`].
//! - `http`: [`http_get`], a dependency-free HTTP/1.0 probe, and [`free_port`].
//! - `procfs`: CPU time and resident memory of a process, the machine's busy share.

mod broker;
mod connector;
mod http;
pub mod procfs;
mod sim;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use broker::{Names, check_loopback, command_properties, consume_destination, correlation};
pub use connector::{ConnectorSpec, stop, terminate};
pub use http::{free_port, http_get};
pub use sim::{Node, Sim, SimConfig};

/// How long a child may take to come up.
pub const START: Duration = Duration::from_mins(1);

/// What can go wrong starting or probing the processes of a run.
#[derive(Debug, thiserror::Error)]
pub enum TestbedError {
    /// A file, directory, socket or process operation failed; `what` says which.
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A workspace binary is not built.
    #[error(
        "{} is missing: build it first (cargo build --release -p gc-server -p finesse-sim --bins)",
        .0.display()
    )]
    MissingBinary(PathBuf),
    /// `finesse-sim` did not come up as expected (no addresses, exited, wrong node count).
    #[error("finesse-sim {0}")]
    Simulator(String),
    /// A connector's `/readyz` did not answer 200 in time.
    #[error("generic-connector {instance} was not ready within {patience:?}")]
    NotReady {
        instance: String,
        patience: Duration,
    },
    /// A broker operation failed; `what` says which.
    #[error("{what}")]
    Broker {
        what: String,
        #[source]
        source: lapin::Error,
    },
    /// The AMQP URL does not parse.
    #[error("bad AMQP URL: {0}")]
    BadUrl(String),
    /// The broker is not on this machine: the tools must never load a shared one.
    #[error("refusing the non-loopback broker {0}: the load tools run against a local broker only")]
    NotLoopback(String),
}

impl TestbedError {
    fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }
}

/// The directory of the running executable: the workspace's `target/<profile>`, where the
/// other binaries of the same build are.
pub fn own_dir() -> Result<PathBuf, TestbedError> {
    let exe = std::env::current_exe().map_err(TestbedError::io("locating this executable"))?;
    exe.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| TestbedError::Io {
            what: "locating this executable's directory".into(),
            source: std::io::ErrorKind::NotFound.into(),
        })
}

/// A workspace binary in `bin_dir`, or [`TestbedError::MissingBinary`].
fn binary(bin_dir: &Path, name: &str) -> Result<PathBuf, TestbedError> {
    let path = bin_dir.join(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(TestbedError::MissingBinary(path))
    }
}

#[cfg(test)]
mod tests {
    use super::{TestbedError, binary, own_dir};

    #[test]
    fn a_missing_binary_says_how_to_build_it() {
        let dir = std::env::temp_dir();
        let err = binary(&dir, "gc-testbed-no-such-binary").unwrap_err();
        assert!(matches!(err, TestbedError::MissingBinary(_)));
        assert!(
            err.to_string()
                .contains("cargo build --release -p gc-server")
        );
    }

    #[test]
    fn the_own_directory_holds_this_executable() {
        let dir = own_dir().unwrap();
        let exe = std::env::current_exe().unwrap();
        assert_eq!(exe.parent(), Some(dir.as_path()));
    }
}
