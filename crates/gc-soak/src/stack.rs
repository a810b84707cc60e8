//! What the soak adds to `gc-testbed`'s processes: the redundant pair's settings and the
//! soak's own RabbitMQ node (driven through `scripts/rabbitmq-soak-node`). Every wait is
//! bounded.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine as _;
use gc_testbed::{ConnectorSpec, Names, Sim};
use tokio::process::Command;

/// The two members of the redundant pair, `soak-a` and `soak-b`: the same broker names,
/// simulator nodes (primary and secondary, probed every second) and sync key; each its own
/// instance id and HTTP port. Kept, to restart a member after a fault.
pub(crate) fn pair(
    bin_dir: &Path,
    amqp_url: &str,
    names: &Names,
    sim: &Sim,
) -> anyhow::Result<[ConnectorSpec; 2]> {
    let key = sync_key()?;
    let log = std::env::var("GC_SOAK_CONNECTOR_LOG").unwrap_or_else(|_| "warn,lapin=error".into());
    let member = |suffix: &str| -> anyhow::Result<ConnectorSpec> {
        let mut spec =
            ConnectorSpec::new(bin_dir, &format!("soak-{suffix}"), amqp_url, names, sim)?
                .with_env("GC_FINESSE__PROBE_INTERVAL_SECS", "1")
                .with_env("GC_REDUNDANCY__ENABLED", "true")
                .with_env("GC_REDUNDANCY__SYNC_KEY", &key);
        spec.log.clone_from(&log);
        Ok(spec)
    };
    Ok([member("a")?, member("b")?])
}

/// A random 32-byte sync key, base64 (never printed).
fn sync_key() -> anyhow::Result<String> {
    let mut key = [0u8; 32];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").context("opening /dev/urandom")?,
        &mut key,
    )?;
    Ok(base64::engine::general_purpose::STANDARD.encode(key))
}

/// `scripts/rabbitmq-soak-node ctl ARGS`, bounded in time; its standard output.
pub(crate) async fn rabbitmqctl(script: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = tokio::time::timeout(
        Duration::from_mins(2),
        Command::new(script)
            .arg("ctl")
            .args(args)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .with_context(|| format!("rabbitmqctl {args:?} did not end within 2 minutes"))??;
    if !output.status.success() {
        bail!(
            "rabbitmqctl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
