//! `finesse-sim`: runs a simulated Finesse cluster until Ctrl-C / SIGTERM and prints where it
//! listens.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use finesse_sim::{Cluster, Directory, NodeId, SimConfig};

/// A Cisco Finesse simulator (REST, XMPP notifications, JSON control API).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file (TOML if it ends in .toml, else JSON). Without it: defaults.
    #[arg(long, short, env = "FINESSE_SIM_CONFIG")]
    config: Option<PathBuf>,
    /// Print the default directory (agents, teams, …) as JSON and exit.
    #[arg(long)]
    print_default_directory: bool,
    /// Print the default configuration as TOML and exit.
    #[arg(long)]
    print_default_config: bool,
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("finesse_sim=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_default_directory {
        return match serde_json::to_string_pretty(&Directory::default_data_set()) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("finesse-sim: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.print_default_config {
        return match toml::to_string_pretty(&SimConfig::default()) {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("finesse-sim: {e}");
                ExitCode::FAILURE
            }
        };
    }
    init_tracing();
    let config = match &args.config {
        Some(path) => match SimConfig::from_file(path) {
            Ok(config) => config,
            Err(e) => {
                eprintln!("finesse-sim: {e}");
                return ExitCode::from(64);
            }
        },
        None => SimConfig::default(),
    };
    let cluster = match Cluster::start(config).await {
        Ok(cluster) => cluster,
        Err(e) => {
            eprintln!("finesse-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let flavour = cluster.config().flavour.deployment_type();
    println!("finesse-sim ({flavour}) listening:");
    for id in NodeId::ALL {
        let node = cluster.node(id);
        if node.running {
            println!(
                "  {:<9} REST {}  XMPP {}  (domain {})",
                id.name(),
                node.base_url,
                node.xmpp_addr,
                node.xmpp_domain
            );
        }
    }
    println!("  control   {}", cluster.control_url());
    shutdown_signal().await;
    cluster.shutdown().await;
    ExitCode::SUCCESS
}
