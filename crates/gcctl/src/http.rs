//! The connector's read-only HTTP endpoint: `/agents`, `/readyz`, `/metrics`.

use std::time::Duration;

use anyhow::Context as _;

use crate::print::Style;

fn client() -> anyhow::Result<reqwest::Client> {
    // reqwest is built without a default TLS provider in this workspace.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .context("building the HTTP client")
}

async fn get(base: &str, path: &str) -> anyhow::Result<(reqwest::StatusCode, String)> {
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let response = client()?
        .get(&url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .with_context(|| format!("GET {url}"))?;
    Ok((status, text))
}

/// `gcctl agents`: one agent id a line, then the count.
pub(crate) async fn agents(base: &str, raw: bool) -> anyhow::Result<()> {
    let (status, text) = get(base, "/agents").await?;
    anyhow::ensure!(status.is_success(), "GET /agents answered {status}: {text}");
    if raw {
        println!("{}", text.trim_end());
        return Ok(());
    }
    let value: serde_json::Value =
        serde_json::from_str(&text).context("GET /agents answered something other than JSON")?;
    let agents = value
        .get("agents")
        .and_then(serde_json::Value::as_array)
        .context("GET /agents: no `agents` list")?;
    println!("AGENT");
    for agent in agents {
        if let Some(id) = agent.get("agentId").and_then(serde_json::Value::as_str) {
            println!("{id}");
        }
    }
    println!(
        "{} agent{} logged in",
        agents.len(),
        if agents.len() == 1 { "" } else { "s" }
    );
    Ok(())
}

/// The metrics `gcctl health` shows, with what they mean.
const KEY_METRICS: &[(&str, &str)] = &[
    ("gc_broker_connected", "connected to the broker"),
    ("gc_finesse_in_service", "Finesse in service"),
    ("gc_leader", "leads its group"),
    ("gc_agents_logged_in", "agents holding a licence"),
    ("gc_unlicensed_agents", "agents connected without a licence"),
    ("gc_destinations", "client destinations"),
    ("gc_commands_total", "commands handled"),
    ("gc_errors_total", "Error events sent"),
    (
        "gc_unroutable_events_total",
        "events no client queue was bound for",
    ),
    (
        "gc_publish_failures_total",
        "events that could not be published",
    ),
    ("gc_refused_total", "commands refused by a bound"),
];

/// The sum of a metric's samples (all label sets), if it has any.
fn sum(metrics: &str, name: &str) -> Option<f64> {
    let mut total = None;
    for line in metrics.lines().filter(|l| !l.starts_with('#')) {
        let Some((key, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let bare = key.split('{').next().unwrap_or(key);
        if bare == name
            && let Ok(v) = value.trim().parse::<f64>()
        {
            *total.get_or_insert(0.0) += v;
        }
    }
    total
}

/// `gcctl health`: readiness, then the key metrics; returns whether the connector is ready.
pub(crate) async fn health(base: &str, style: &Style) -> anyhow::Result<bool> {
    let (status, ready) = get(base, "/readyz").await?;
    let ok = status.is_success();
    let verdict = if ok {
        style.good("ready")
    } else {
        style.bad("NOT READY")
    };
    println!("{verdict} ({} /readyz)", status.as_u16());
    for line in ready.lines() {
        println!("  {line}");
    }
    let (_, metrics) = get(base, "/metrics").await?;
    for (name, meaning) in KEY_METRICS {
        if let Some(value) = sum(&metrics, name) {
            println!("{name:<28} {value:>8}  {meaning}");
        }
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_a_metric_over_its_labels() {
        let text = "# HELP gc_commands Client commands\n\
                    gc_commands_total{command=\"Login\",outcome=\"ok\"} 2\n\
                    gc_commands_total{command=\"Hello\",outcome=\"ok\"} 3\n\
                    gc_leader 1\n";
        assert_eq!(sum(text, "gc_commands_total"), Some(5.0));
        assert_eq!(sum(text, "gc_leader"), Some(1.0));
        assert_eq!(sum(text, "gc_missing"), None);
    }
}
