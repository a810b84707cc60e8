//! Building the connector from its settings and running it until SIGTERM / Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use backon::{BackoffBuilder as _, ExponentialBuilder};
use gc_broker::{Broker, BrokerConfig};
use gc_core::{Engine, EngineConfig};
use gc_finesse::xmpp::{XmppConfig, XmppEndpoint, XmppSecurity};
use gc_finesse::{ClusterConfig, FinesseCluster, NodeConfig, RestConfig};
use secrecy::ExposeSecret;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::{FinesseSettings, Settings};
use crate::driver::{self, DriverParts};
use crate::metrics::Metrics;
use crate::sync::{SyncCodec, SyncKey};
use crate::{http, simulator};

/// Runs the connector; returns when it has shut down.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    crate::install_crypto_provider();
    let metrics = Arc::new(Metrics::new());
    let shutdown = CancellationToken::new();
    spawn_signal_handler(shutdown.clone());
    spawn_watchdog(shutdown.clone(), settings.shutdown_grace);
    for warning in cleartext_warnings(&settings) {
        tracing::warn!("{warning}");
    }

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
    spawn_node_tracker(&broker, metrics.clone(), shutdown.clone());
    let (agent_queries, agent_query_rx) = mpsc::channel(16);
    let http_addr = http::serve(
        settings.http_listen,
        metrics.clone(),
        agent_queries,
        shutdown.clone(),
    )
    .await
    .with_context(|| format!("binding the health endpoint on {}", settings.http_listen))?;
    tracing::info!(%http_addr, "health and metrics at http://{http_addr}/metrics");

    let sync = sync_codec(&settings);
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
        agent_queries: agent_query_rx,
        group: settings.group.clone(),
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
        // Unique per process start: the request counter starts again at each start, and a
        // Finesse request id seen twice reads as one write done twice (gc-soak's audit found
        // a restarted instance reusing its previous life's ids).
        instance_id: format!("{}.{:08x}", settings.instance_id, rand::random::<u32>()),
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

/// The ConnectorSync codec of a redundant instance: sealed with the group key, or (only when
/// the operator allowed it) in plain text.
fn sync_codec(settings: &Settings) -> Option<SyncCodec> {
    if !settings.redundancy {
        return None;
    }
    let key = |k: &Option<secrecy::SecretString>| {
        k.as_ref()
            .and_then(|k| SyncKey::from_base64(k.expose_secret()))
    };
    match key(&settings.sync_key) {
        Some(current) => {
            let previous = key(&settings.sync_key_previous);
            tracing::info!(
                key_id = %current.id(),
                previous_key_id = ?previous.as_ref().map(|k| k.id().to_string()),
                max_age = ?settings.sync_max_age,
                "ConnectorSync sealed with the group key"
            );
            Some(SyncCodec::sealed(
                &settings.instance_id,
                current,
                previous,
                settings.sync_max_age,
            ))
        }
        None if settings.allow_plaintext_sync => {
            tracing::warn!(
                "ConnectorSync IN PLAIN TEXT AND UNAUTHENTICATED (redundancy.allow_plaintext_sync): \
                 agent passwords cross the broker in clear, and anyone who can publish to the \
                 sync exchange can rewrite this instance's mirror of sessions and destinations; \
                 set redundancy.sync_key"
            );
            Some(SyncCodec::plaintext())
        }
        None => None,
    }
}

/// Keeps `gc_broker_node_info` on the node the broker adapter is connected to, and logs each
/// move to another node (host:port/vhost; the adapter logs why).
fn spawn_node_tracker(broker: &Broker, metrics: Arc<Metrics>, shutdown: CancellationToken) {
    let mut nodes = broker.watch_endpoint();
    metrics.set_broker_node(&nodes.borrow_and_update());
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                changed = nodes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let endpoint = nodes.borrow_and_update().clone();
                    tracing::info!(broker_node = %endpoint, "broker node in use");
                    metrics.set_broker_node(&endpoint);
                }
            }
        }
    });
}

/// Connects to the broker, retrying with capped backoff until it answers or shutdown.
async fn connect_broker(
    settings: &Settings,
    shutdown: &CancellationToken,
) -> anyhow::Result<(Broker, mpsc::Receiver<gc_broker::BrokerEvent>)> {
    let b = &settings.broker;
    let config = BrokerConfig {
        uri: secrecy::SecretString::from(b.url.expose_secret().to_owned()),
        cluster_uris: b.more_urls.clone(),
        group: settings.group.clone(),
        queue_type: b.queue_type,
        delivery_limit: b.delivery_limit,
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
        tls: b.tls.clone(),
        shutdown_grace: settings.shutdown_grace.min(Duration::from_secs(5)),
        ..BrokerConfig::default()
    };
    // The workspace's one backoff: 250 ms doubling to 5 s, jittered.
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(250))
        .with_max_delay(Duration::from_secs(5))
        .with_jitter()
        .without_max_times()
        .build();
    loop {
        let delay = delays.next().unwrap_or(Duration::from_secs(5));
        match Broker::start(config.clone()).await {
            Ok(started) => {
                tracing::info!(broker = %started.0.endpoint(), nodes = %b.display_urls(), queue_type = b.queue_type.as_str(), "broker topology declared");
                return Ok(started);
            }
            Err(error) if error.is_transient() => {
                tracing::warn!(broker = %b.display_urls(), %error, ?delay, "broker not reachable; retrying");
            }
            Err(error) => return Err(error).context(format!("connecting to {}", b.display_urls())),
        }
        tokio::select! {
            () = shutdown.cancelled() => anyhow::bail!("shut down before the broker answered"),
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// One line per configured hop that carries secrets without TLS, for the start-up log. The
/// built-in simulator is left out: it listens on loopback and speaks plain on purpose.
pub fn cleartext_warnings(settings: &Settings) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(f) = &settings.finesse {
        let nodes = std::iter::once(("primary", &f.primary))
            .chain(f.secondary.as_ref().map(|n| ("secondary", n)));
        for (name, node) in nodes {
            if node.rest_url.starts_with("http://") {
                warnings.push(format!(
                    "finesse.{name}_url is plain http:// ({}): agent passwords (Basic auth on \
                     every REST request) and call data travel in clear; use https://",
                    node.rest_url
                ));
            }
        }
        if f.xmpp_security == XmppSecurity::Plain {
            warnings.push(
                "finesse.xmpp_security = \"plain\": agent passwords (SASL PLAIN) and every \
                 notification travel in clear; use \"starttls\" or \"tls\""
                    .to_owned(),
            );
        }
    }
    let b = &settings.broker;
    for url in std::iter::once(&b.url).chain(&b.more_urls) {
        let Some(host) = cleartext_broker_host(url.expose_secret()) else {
            continue;
        };
        warnings.push(format!(
            "broker.url is amqp:// to {host}, not on this host: the broker password and the \
             agent passwords in Connect commands travel in clear; use amqps://"
        ));
    }
    warnings
}

/// The host of an `amqp://` URL unless it is on this machine (loopback).
fn cleartext_broker_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("amqp://")?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    (!loopback).then(|| host.to_owned())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(env: &[(&str, &str)]) -> Settings {
        Settings::load(None, env.iter().copied()).unwrap()
    }

    #[test]
    fn the_built_in_simulator_and_a_local_broker_raise_no_warning() {
        assert!(cleartext_warnings(&settings(&[])).is_empty());
        let local = settings(&[("GC_BROKER__URL", "amqp://gc:pw@localhost:5672/%2f")]);
        assert!(cleartext_warnings(&local).is_empty());
    }

    #[test]
    fn cleartext_finesse_and_a_remote_plain_broker_are_named() {
        let s = settings(&[
            ("GC_BROKER__URL", "amqp://gc:hunter2@mq.example:5672/%2f"),
            ("GC_FINESSE__PRIMARY_URL", "http://fin-a:8082"),
            ("GC_FINESSE__PRIMARY_XMPP", "fin-a:5222"),
            ("GC_FINESSE__SECONDARY_URL", "https://fin-b:8445"),
            ("GC_FINESSE__SECONDARY_XMPP", "fin-b:5222"),
            ("GC_FINESSE__XMPP_SECURITY", "plain"),
        ]);
        let warnings = cleartext_warnings(&s);
        assert_eq!(warnings.len(), 3, "{warnings:#?}");
        assert!(warnings[0].starts_with("finesse.primary_url is plain http://"));
        assert!(warnings[0].contains("agent passwords"));
        assert!(warnings[1].starts_with("finesse.xmpp_security = \"plain\""));
        assert!(warnings[2].contains("amqp:// to mq.example"));
        assert!(!warnings.concat().contains("hunter2"));
    }

    #[test]
    fn tls_everywhere_raises_no_warning() {
        let s = settings(&[
            ("GC_BROKER__URL", "amqps://gc:pw@mq.example:5671/%2f"),
            ("GC_FINESSE__PRIMARY_URL", "https://fin-a:8445"),
            ("GC_FINESSE__PRIMARY_XMPP", "fin-a:5222"),
        ]);
        assert!(cleartext_warnings(&s).is_empty());
    }
}
