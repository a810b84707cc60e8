//! Building the connector from its settings and running it until SIGTERM / Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use gc_broker::{Broker, BrokerConfig};
use gc_core::{Engine, EngineConfig};
use gc_finesse::xmpp::{XmppConfig, XmppEndpoint};
use gc_finesse::{ClusterConfig, FinesseCluster, NodeConfig, RestConfig};
use secrecy::ExposeSecret;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::{FinesseSettings, Settings};
use crate::driver::{self, DriverParts};
use crate::metrics::Metrics;
use crate::sync::{PasswordPolicy, SyncSealer};
use crate::{http, simulator};

/// Runs the connector; returns when it has shut down.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    crate::install_crypto_provider();
    let metrics = Arc::new(Metrics::new());
    let shutdown = CancellationToken::new();
    spawn_signal_handler(shutdown.clone());
    spawn_watchdog(shutdown.clone(), settings.shutdown_grace);

    let (finesse, embedded) = match &settings.finesse {
        Some(finesse) => (finesse.clone(), None),
        None => {
            let sim = simulator::start_embedded(&settings.simulator).await?;
            (sim.settings.clone(), Some(sim))
        }
    };
    let (node_tx, node_rx) = mpsc::channel(64);
    let cluster = FinesseCluster::start(cluster_config(&finesse)?, node_tx)
        .context("starting the Finesse adapter")?;
    tracing::info!(primary = %finesse.primary.rest_url, secondary = ?finesse.secondary.as_ref().map(|s| &s.rest_url), "Finesse");

    let (broker, broker_events) = connect_broker(&settings, &shutdown).await?;
    metrics.broker_connected.set(1);
    let http_addr = http::serve(settings.http_listen, metrics.clone(), shutdown.clone())
        .await
        .with_context(|| format!("binding the health endpoint on {}", settings.http_listen))?;
    tracing::info!(%http_addr, "health and metrics at http://{http_addr}/metrics");

    let sync = sync_policy(&settings);
    let engine = Engine::new(engine_config(&settings, &finesse));
    let parts = DriverParts {
        engine,
        broker,
        broker_events,
        cluster,
        node_events: node_rx,
        metrics,
        sync,
        recording_url: settings.recording_url.clone(),
        logout_on_shutdown: settings.logout_on_shutdown,
    };
    tracing::info!(instance = %settings.instance_id, "generic-connector running");
    driver::run(parts, shutdown.clone(), settings.shutdown_grace).await;
    if let Some(sim) = embedded
        && tokio::time::timeout(Duration::from_millis(500), sim.cluster.shutdown())
            .await
            .is_err()
    {
        tracing::warn!("the built-in simulator did not stop in time; leaving it");
    }
    tracing::info!("generic-connector stopped");
    Ok(())
}

fn engine_config(settings: &Settings, finesse: &FinesseSettings) -> EngineConfig {
    EngineConfig {
        instance_id: settings.instance_id.clone(),
        default_format: settings.default_format,
        max_agents: settings.max_agents,
        request_timeout: settings.confirm_timeout,
        destination_timeout: settings.destination_timeout,
        logout_on_destination_loss: settings.logout_on_destination_loss,
        recording_configured: settings.recording_url.is_some(),
        force_logout_reason: settings.force_logout_reason.clone(),
        // A redundant instance waits for the leader lock; a standalone one leads at once.
        start_as_leader: !settings.redundancy,
        dedupe_window: settings.dedupe_window,
        max_destinations: settings.max_destinations,
        unbound_destination_timeout: settings.unbound_destination_timeout,
        max_unlicensed_agents: settings.max_unlicensed_agents,
        max_pending_per_agent: settings.max_pending_per_agent,
        answer_timeout: finesse.request_timeout,
        ..EngineConfig::default()
    }
}

fn sync_policy(settings: &Settings) -> Option<PasswordPolicy> {
    if !settings.redundancy {
        return None;
    }
    match settings
        .sync_key
        .as_ref()
        .and_then(|k| SyncSealer::from_base64(k.expose_secret()))
    {
        Some(sealer) => Some(PasswordPolicy::Sealed(Box::new(sealer))),
        None if settings.allow_plaintext_sync => Some(PasswordPolicy::Plaintext),
        None => None,
    }
}

/// Connects to the broker, retrying with capped backoff until it answers or shutdown.
async fn connect_broker(
    settings: &Settings,
    shutdown: &CancellationToken,
) -> anyhow::Result<(Broker, mpsc::Receiver<gc_broker::BrokerEvent>)> {
    let b = &settings.broker;
    let config = BrokerConfig {
        uri: secrecy::SecretString::from(b.url.expose_secret().to_owned()),
        instance_id: settings.instance_id.clone(),
        commands_queue: b.command_queue.clone(),
        commands_exchange: b.command_exchange.clone(),
        clients_exchange: b.clients_exchange.clone(),
        events_exchange: b.events_exchange.clone(),
        dead_letter_queue: b.dead_letter_queue.clone(),
        sync_exchange: b.sync_exchange.clone(),
        leader_lock_queue: settings.redundancy.then(|| b.leader_queue.clone()),
        prefetch: b.prefetch,
        dead_letter_max_length: b.dead_letter_max_length,
        dead_letter_ttl: b.dead_letter_ttl,
        shutdown_grace: settings.shutdown_grace.min(Duration::from_secs(5)),
        ..BrokerConfig::default()
    };
    let mut delay = Duration::from_millis(250);
    loop {
        match Broker::start(config.clone()).await {
            Ok(started) => {
                tracing::info!(broker = %b.display_url(), "broker topology declared");
                return Ok(started);
            }
            Err(error) if error.is_transient() => {
                tracing::warn!(broker = %b.display_url(), %error, ?delay, "broker not reachable; retrying");
            }
            Err(error) => return Err(error).context(format!("connecting to {}", b.display_url())),
        }
        tokio::select! {
            () = shutdown.cancelled() => anyhow::bail!("shut down before the broker answered"),
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// gc-finesse's cluster configuration from our settings.
pub(crate) fn cluster_config(f: &FinesseSettings) -> anyhow::Result<ClusterConfig> {
    let security = f.xmpp_security;
    let mut rest = RestConfig {
        request_timeout: f.request_timeout,
        ..RestConfig::default()
    };
    if let Some(ca) = &f.ca_file {
        let pem = std::fs::read(ca)
            .with_context(|| format!("reading finesse.ca_file {}", ca.display()))?;
        rest.tls = gc_finesse::tls::TlsSettings::with_ca_pem(pem);
    }
    let xmpp = XmppConfig::new(&rest.tls).context("XMPP TLS settings")?;
    let node = |n: &crate::config::NodeSettings| NodeConfig {
        rest_url: n.rest_url.clone(),
        xmpp: XmppEndpoint::new(&n.xmpp_host, n.xmpp_port, &f.xmpp_domain, security),
    };
    Ok(ClusterConfig {
        primary: node(&f.primary),
        secondary: f.secondary.as_ref().map(node),
        rest,
        xmpp: Arc::new(xmpp),
        probe_interval: f.probe_interval,
        probe_credentials: None,
    })
}

/// How long past `shutdown.grace_secs` the process may live after SIGTERM before the watchdog
/// ends it.
pub const SHUTDOWN_MARGIN: Duration = Duration::from_millis(1_500);

/// The last resort behind the bounded shutdown: once shutdown has begun, the process ends at
/// grace + [`SHUTDOWN_MARGIN`] whatever is still running (a hung close, a task that ignores
/// cancellation). A plain thread, so a blocked runtime cannot stop it.
fn spawn_watchdog(shutdown: CancellationToken, grace: Duration) {
    tokio::spawn(async move {
        shutdown.cancelled().await;
        let spawned = std::thread::Builder::new()
            .name("shutdown-watchdog".into())
            .spawn(move || {
                std::thread::sleep(grace + SHUTDOWN_MARGIN);
                tracing::error!(
                    ?grace,
                    "shutdown did not finish within the grace period and its margin; exiting now \
                     (unsettled commands are redelivered by the broker)"
                );
                std::process::exit(1);
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start the shutdown watchdog");
        }
    });
}

fn spawn_signal_handler(shutdown: CancellationToken) {
    tokio::spawn(async move {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C: shutting down"),
            () = terminate => tracing::info!("SIGTERM: shutting down"),
        }
        shutdown.cancel();
    });
}
