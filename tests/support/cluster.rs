//! The three-node RabbitMQ cluster of `scripts/rabbitmq-cluster` (127.0.0.1:5681-5683), for
//! the cluster tests: started (idempotently) by the first test that needs it, nodes stopped
//! and started again by the tests. It never touches the default node on 5672.
//!
//! Every call runs the script synchronously (`spawn_blocking` around it): starting a node
//! takes tens of seconds on a loaded two-core machine.

use std::path::PathBuf;
use std::process::Command;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/rabbitmq-cluster")
}

async fn run(args: Vec<String>) -> String {
    let shown = args.join(" ");
    let output = tokio::task::spawn_blocking(move || Command::new(script()).args(&args).output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("cannot run scripts/rabbitmq-cluster {shown}: {e}"));
    assert!(
        output.status.success(),
        "scripts/rabbitmq-cluster {shown} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Starts the cluster (nothing happens when it runs) and returns one AMQP URL per node (index
/// 0 is node 1), with the default vhost. The cluster tests fail, never skip, when it cannot
/// start.
pub async fn start() -> Vec<String> {
    // The tests of one binary run in parallel, and two `start`s of a stopped cluster at once
    // race for the same node directories and ports: one at a time.
    static STARTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = STARTING.lock().await;
    let urls: Vec<String> = run(vec!["start".into()])
        .await
        .lines()
        .filter(|l| l.starts_with("amqp://"))
        .map(|l| format!("{}/%2f", l.trim()))
        .collect();
    assert_eq!(urls.len(), 3, "three node URLs: {urls:?}");
    urls
}

/// Stops node `n` (1..=3) cleanly, keeping its data.
pub async fn stop_node(n: usize) {
    run(vec!["stop-node".into(), n.to_string()]).await;
}

/// Starts node `n` again; it rejoins the cluster.
pub async fn start_node(n: usize) {
    run(vec!["start-node".into(), n.to_string()]).await;
}

/// `rabbitmqctl` on node `n`.
pub async fn ctl(n: usize, args: &[&str]) -> String {
    let mut all = vec!["ctl".to_owned(), n.to_string()];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    run(all).await
}

/// The node (1..=3) that leads quorum queue `queue`, asked of node `ask`.
pub async fn queue_leader(ask: usize, queue: &str) -> Option<usize> {
    let listing = ctl(ask, &["-q", "list_queues", "name", "leader"]).await;
    listing.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        (fields.next() == Some(queue))
            .then(|| fields.next())
            .flatten()
            .and_then(node_number)
    })
}

/// `gc2@localhost` → 2.
pub fn node_number(name: &str) -> Option<usize> {
    name.strip_prefix("gc")?.split('@').next()?.parse().ok()
}

/// Which node (1..=3) an endpoint `127.0.0.1:568N/…` is.
pub fn node_of_endpoint(endpoint: &str) -> Option<usize> {
    let port: u16 = endpoint
        .split(':')
        .nth(1)?
        .split('/')
        .next()?
        .parse()
        .ok()?;
    (5681..=5683)
        .contains(&port)
        .then(|| usize::from(port - 5680))
}
