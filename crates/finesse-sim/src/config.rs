//! Simulator configuration: what the `--config` file holds and what [`crate::Cluster::start`]
//! takes.
//!
//! Every field has a default, so an empty file (or `SimConfig::default()`) gives a working
//! two-node UCCE cluster on ephemeral ports with the default data set. Durations are seconds as
//! floating point numbers, so tests can shrink the grace period or the lockout to milliseconds.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::directory::Directory;
use crate::error::SimError;

/// Which Finesse deployment the simulator imitates. The differences are the ones listed in
/// finesse-api.md §2.3: UCCX has no HOLD or WORK_READY user state, allows LOGOUT from READY, and
/// rejects a pending READY during a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Flavour {
    /// Unified Contact Center Enterprise (stand-alone Finesse). The default.
    #[default]
    Ucce,
    /// Unified Contact Center Express (co-resident Finesse).
    Uccx,
}

impl Flavour {
    /// The SystemInfo `deploymentType` value.
    pub fn deployment_type(self) -> &'static str {
        match self {
            Self::Ucce => "UCCE",
            Self::Uccx => "UCCX",
        }
    }
}

/// One Finesse node (side A or B).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// Host name this node reports in SystemInfo (`primaryNode/host`, `secondaryNode/host`).
    pub host: String,
    /// REST port; 0 picks a free port at start (kept across stop/start of the node).
    pub rest_port: u16,
    /// XMPP (TCP, plain or STARTTLS) port; 0 picks a free port at start.
    pub xmpp_port: u16,
    /// Whether the node runs at all. A single-node cluster disables the secondary.
    pub enabled: bool,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            host: "localhost".to_owned(),
            rest_port: 0,
            xmpp_port: 0,
            enabled: true,
        }
    }
}

/// Certificate and key for HTTPS and XMPP STARTTLS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file with the certificate chain (leaf first).
    pub cert: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// Serve REST over HTTPS (default true).
    #[serde(default = "yes")]
    pub rest: bool,
    /// Offer STARTTLS on the XMPP port (default true).
    #[serde(default = "yes")]
    pub xmpp: bool,
    /// Refuse SASL before STARTTLS (default false: plain clients still work).
    #[serde(default)]
    pub xmpp_require_tls: bool,
}

fn yes() -> bool {
    true
}

/// Where the directory (agents, teams, reason codes, …) comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DirectorySource {
    /// [`Directory::default_data_set`]: agents 1001..1008, supervisor 2001, two teams.
    #[default]
    Default,
    /// A JSON file in the [`Directory`] shape.
    File(PathBuf),
    /// [`Directory::generated`] with this many agents (load tests).
    Generated(usize),
    /// A directory given inline (handy from Rust tests).
    Inline(Directory),
}

impl DirectorySource {
    /// Loads the directory this source names.
    pub fn load(&self) -> Result<Directory, SimError> {
        let directory = match self {
            Self::Default => Directory::default_data_set(),
            Self::File(path) => Directory::from_json_file(path)?,
            Self::Generated(n) => Directory::generated(*n),
            Self::Inline(directory) => directory.clone(),
        };
        directory.validate()?;
        Ok(directory)
    }
}

/// The whole simulator configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// UCCE (default) or UCCX behaviour.
    pub flavour: Flavour,
    /// XMPP domain (SystemInfo `xmppDomain`); the pubsub service is `pubsub.<domain>`.
    pub xmpp_domain: String,
    /// Address every listener binds to.
    pub bind_address: IpAddr,
    /// Side A.
    pub primary: NodeConfig,
    /// Side B.
    pub secondary: NodeConfig,
    /// Port of the JSON control API (0 = ephemeral). It stays up when nodes stop.
    pub control_port: u16,
    /// HTTPS / STARTTLS material; `None` serves plain HTTP and plain XMPP.
    pub tls: Option<TlsConfig>,
    /// Agents, teams, queues, reason codes, wrap-up reasons, phone books.
    pub directory: DirectorySource,
    /// How long an agent may be without an available XMPP session before the forced logout
    /// (reason 255). Finesse uses about 60 s.
    pub grace_period_secs: f64,
    /// Consecutive wrong passwords that lock a user.
    pub lockout_threshold: u32,
    /// How long a locked user stays locked.
    pub lockout_duration_secs: f64,
    /// Wrap-up timer override in seconds; `None` uses each agent's `wrapUpTimer`.
    pub wrap_up_timer_secs: Option<f64>,
    /// Deliver notifications only to sessions that sent initial presence (as Openfire does).
    pub require_presence: bool,
    /// How many request and notification records the control API keeps (oldest dropped).
    pub event_log_capacity: usize,
    /// First dialog id handed out; ids increase from there.
    pub first_dialog_id: u64,
    /// Largest XMPP stanza accepted from a client, in bytes.
    pub max_stanza_bytes: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            flavour: Flavour::Ucce,
            xmpp_domain: "finesse.local".to_owned(),
            bind_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            primary: NodeConfig::default(),
            secondary: NodeConfig::default(),
            control_port: 0,
            tls: None,
            directory: DirectorySource::Default,
            grace_period_secs: 60.0,
            lockout_threshold: 5,
            lockout_duration_secs: 300.0,
            wrap_up_timer_secs: None,
            require_presence: true,
            event_log_capacity: 20_000,
            first_dialog_id: 16_819_500,
            max_stanza_bytes: 256 * 1024,
        }
    }
}

impl SimConfig {
    /// Reads a TOML (`.toml`) or JSON (any other extension) configuration file.
    pub fn from_file(path: &Path) -> Result<Self, SimError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::File {
            path: path.to_owned(),
            source,
        })?;
        let config: Self = if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str(&text)
                .map_err(|e| SimError::Config(format!("{}: {e}", path.display())))?
        } else {
            serde_json::from_str(&text)
                .map_err(|e| SimError::Config(format!("{}: {e}", path.display())))?
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks values that parse but make no sense; reports all of them at once.
    pub fn validate(&self) -> Result<(), SimError> {
        let mut problems = Vec::new();
        if self.xmpp_domain.trim().is_empty() || self.xmpp_domain.contains(['@', '/', ' ']) {
            problems.push(format!(
                "xmpp_domain {:?} is not a domain",
                self.xmpp_domain
            ));
        }
        for (name, secs) in [
            ("grace_period_secs", Some(self.grace_period_secs)),
            ("lockout_duration_secs", Some(self.lockout_duration_secs)),
            ("wrap_up_timer_secs", self.wrap_up_timer_secs),
        ] {
            if let Some(secs) = secs
                && !(secs.is_finite() && (0.0..1.0e9).contains(&secs))
            {
                problems.push(format!("{name} must be a non-negative number of seconds"));
            }
        }
        if self.lockout_threshold == 0 {
            problems.push("lockout_threshold must be at least 1".to_owned());
        }
        if self.max_stanza_bytes < 1024 {
            problems.push("max_stanza_bytes must be at least 1024".to_owned());
        }
        if !self.primary.enabled {
            problems.push("the primary node cannot be disabled".to_owned());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SimError::Config(problems.join("; ")))
        }
    }

    /// The pubsub service's domain (`pubsub.<xmpp_domain>`).
    pub fn pubsub_domain(&self) -> String {
        format!("pubsub.{}", self.xmpp_domain)
    }

    pub(crate) fn grace_period(&self) -> Duration {
        secs(self.grace_period_secs)
    }

    pub(crate) fn lockout_duration(&self) -> Duration {
        secs(self.lockout_duration_secs)
    }
}

/// Converts validated seconds to a `Duration` (negative or absurd values become zero).
pub(crate) fn secs(value: f64) -> Duration {
    Duration::try_from_secs_f64(value).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_toml_file_gives_the_defaults() {
        let config: SimConfig = toml::from_str("").unwrap();
        assert_eq!(config, SimConfig::default());
        assert_eq!(config.grace_period(), Duration::from_mins(1));
        assert_eq!(config.pubsub_domain(), "pubsub.finesse.local");
    }

    #[test]
    fn toml_names_every_section() {
        let config: SimConfig = toml::from_str(
            r#"
            flavour = "UCCX"
            grace_period_secs = 0.5
            directory = { generated = 20 }
            [primary]
            rest_port = 8445
            [secondary]
            enabled = false
            "#,
        )
        .unwrap();
        assert_eq!(config.flavour, Flavour::Uccx);
        assert_eq!(config.primary.rest_port, 8445);
        assert!(!config.secondary.enabled);
        assert_eq!(config.directory, DirectorySource::Generated(20));
        assert_eq!(config.grace_period(), Duration::from_millis(500));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_reported() {
        assert!(toml::from_str::<SimConfig>("no_such_key = 1").is_err());
        let config = SimConfig {
            lockout_threshold: 0,
            grace_period_secs: -1.0,
            ..SimConfig::default()
        };
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("lockout_threshold"), "{err}");
        assert!(err.contains("grace_period_secs"), "{err}");
    }
}
