//! The built-in Finesse simulator: with no Finesse configured, the connector runs finesse-sim
//! in-process with its default data set, so a new user sees a working system on a bare machine
//! with only RabbitMQ.

use anyhow::Context as _;
use finesse_sim::{Cluster, NodeConfig, NodeId, SimConfig};
use gc_finesse::XmppSecurity;

use crate::config::{FinesseSettings, NodeSettings, SimulatorSettings};

/// The running simulator and the Finesse settings that point at it.
#[allow(missing_debug_implementations)] // finesse_sim::Cluster has no Debug
pub struct EmbeddedSim {
    pub cluster: Cluster,
    pub settings: FinesseSettings,
}

/// Starts the simulator on the configured ports (0: any free port) and says so.
pub async fn start_embedded(ports: &SimulatorSettings) -> anyhow::Result<EmbeddedSim> {
    let config = SimConfig {
        primary: NodeConfig {
            rest_port: ports.rest_port,
            xmpp_port: ports.xmpp_port,
            ..NodeConfig::default()
        },
        secondary: NodeConfig {
            enabled: false,
            ..NodeConfig::default()
        },
        control_port: ports.control_port,
        ..SimConfig::default()
    };
    let cluster = Cluster::start(config)
        .await
        .context("starting the built-in Finesse simulator")?;
    let primary = cluster.node(NodeId::Primary);
    let settings = FinesseSettings {
        primary: NodeSettings {
            rest_url: primary.base_url.clone(),
            xmpp_host: primary.xmpp_addr.ip().to_string(),
            xmpp_port: primary.xmpp_addr.port(),
        },
        secondary: None,
        xmpp_domain: primary.xmpp_domain.clone(),
        xmpp_security: XmppSecurity::Plain,
        ca_file: None,
        request_timeout: std::time::Duration::from_secs(10),
        probe_interval: std::time::Duration::from_secs(5),
    };
    tracing::warn!(
        rest = %primary.base_url,
        xmpp = %primary.xmpp_addr,
        control = %cluster.control_url(),
        "no Finesse configured (finesse.primary_url is empty): running the built-in Finesse simulator \
         with its default agents 1001-1008 (password `secret`)"
    );
    Ok(EmbeddedSim { cluster, settings })
}
