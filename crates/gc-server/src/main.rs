//! `generic-connector`: the Generic Connector service.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gc_server::config::Settings;

/// Exit code for a bad configuration (sysexits EX_CONFIG would be 78; EX_USAGE is 64).
const EX_USAGE: u8 = 64;

/// Bridges CRM clients on RabbitMQ to Cisco Finesse.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file (TOML). Environment variables GC_<SECTION>__<KEY> override it.
    #[arg(long, short, env = "GC_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Run the connector (the default).
    Run,
    /// Validate the configuration, print a summary (secrets hidden) and exit.
    CheckConfig,
    /// Print the default configuration file, every key documented.
    PrintDefaultConfig,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let command = args.command.unwrap_or(Cmd::Run);
    if matches!(command, Cmd::PrintDefaultConfig) {
        print!("{}", gc_server::config::DEFAULT_FILE);
        return ExitCode::SUCCESS;
    }
    let env: Vec<(String, String)> = std::env::vars().collect();
    let settings = match Settings::load(
        args.config.as_deref(),
        env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("generic-connector: {error}");
            return ExitCode::from(EX_USAGE);
        }
    };
    if matches!(command, Cmd::CheckConfig) {
        println!("configuration OK");
        println!("  instance   {}", settings.instance_id);
        println!("  broker     {}", settings.broker.display_url());
        match &settings.finesse {
            Some(f) => println!(
                "  finesse    {} (xmpp {}:{})",
                f.primary.rest_url, f.primary.xmpp_host, f.primary.xmpp_port
            ),
            None => println!("  finesse    built-in simulator"),
        }
        println!("  http       {}", settings.http_listen);
        return ExitCode::SUCCESS;
    }
    gc_server::telemetry::init(settings.log_format, &settings.log_filter);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("generic-connector: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(gc_server::app::run(settings));
    // Tasks still running after a bounded shutdown (a Finesse request past the grace period,
    // a blocking DNS lookup) must not hold the process: shutdown is already over.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("generic-connector: {error:#}");
            ExitCode::FAILURE
        }
    }
}
