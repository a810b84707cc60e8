//! `gcctl`: the Generic Connector from a shell, for operators and integrators.
//!
//! It speaks to the connector the way clients and operators do: commands and events over
//! RabbitMQ (the same names and `GC_BROKER__*` variables as the connector), and the
//! connector's read-only HTTP endpoint (`/readyz`, `/metrics`, `/agents`). It holds no state.
//!
//! Exit codes: 0 done, 1 a failure (broker or endpoint unreachable, connector not ready),
//! 2 bad usage, 3 `send` got no answer in time.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

mod broker;
mod dlq;
mod http;
mod print;
mod redact;

/// The Generic Connector's command line.
#[derive(Debug, Parser)]
#[command(name = "gcctl", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    names: broker::Names,

    /// The connector's health and metrics endpoint.
    #[arg(
        long,
        env = "GC_HTTP_URL",
        default_value = "http://127.0.0.1:9464",
        global = true
    )]
    http: String,

    /// Colour the output: `auto` when standard output is a terminal and NO_COLOR is unset.
    #[arg(long, value_enum, default_value_t = Colour::Auto, global = true)]
    color: Colour,

    #[command(subcommand)]
    command: Cmd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Colour {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Sends a command and prints the answers (to its reply_to, and to --destination's events).
    Send {
        /// The JMS type, e.g. `Hello#crm-7`, `Login#1001`.
        jms_type: String,
        /// The body: the comma-separated parameters, e.g. `secret,3001`.
        #[arg(default_value = "")]
        body: String,
        /// Also print the events of this client destination (bound before sending).
        #[arg(long)]
        destination: Option<String>,
        /// Ask for this output format (`gc-format` header; Hello and Connect).
        #[arg(long, value_enum)]
        format: Option<print::WireFormat>,
        /// Stop after this many messages.
        #[arg(long)]
        count: Option<usize>,
        /// Stop when nothing arrived for this many seconds.
        #[arg(long, default_value_t = 2.0)]
        wait: f64,
    },
    /// Prints a client destination's events live (a private queue bound to gc.clients).
    Tail {
        /// The client destination.
        destination: String,
        #[command(flatten)]
        stop: StopAfter,
    },
    /// Prints the integration events of gc.events live.
    Events {
        /// A topic pattern on `<category>.<agentId>`: `#` (all), `*.1001`, `agent_call.*` …
        #[arg(default_value = "#")]
        pattern: String,
        #[command(flatten)]
        stop: StopAfter,
    },
    /// Lists the agents logged in on the connector (GET /agents).
    Agents {
        /// Print the endpoint's JSON as it is.
        #[arg(long)]
        json: bool,
    },
    /// Dead-lettered commands: list, show, replay.
    Dlq {
        #[command(subcommand)]
        action: dlq::Action,
    },
    /// Readiness and the key metrics of the connector.
    Health,
}

/// When a live command stops (it runs until Ctrl-C otherwise).
#[derive(Clone, Copy, Debug, clap::Args)]
struct StopAfter {
    /// Stop after this many messages.
    #[arg(long)]
    count: Option<usize>,
    /// Stop after this many seconds.
    #[arg(long)]
    timeout: Option<f64>,
}

impl StopAfter {
    fn timeout(self) -> Option<Duration> {
        self.timeout.map(Duration::from_secs_f64)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("gcctl: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("gcctl: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let style = print::Style::new(match cli.color {
        Colour::Always => true,
        Colour::Never => false,
        Colour::Auto => print::stdout_wants_colour(),
    });
    match cli.command {
        Cmd::Send {
            jms_type,
            body,
            destination,
            format,
            count,
            wait,
        } => {
            let request = broker::Request {
                jms_type,
                body,
                destination,
                format,
            };
            let stop = broker::Stop {
                count,
                idle: Some(Duration::from_secs_f64(wait)),
                total: None,
            };
            let answers = broker::send(&cli.names, &request, stop, &style).await?;
            Ok(if answers == 0 {
                eprintln!("gcctl: no answer within {wait} s");
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            })
        }
        Cmd::Tail { destination, stop } => {
            let exchange = cli.names.clients.clone();
            broker::follow(
                &cli.names,
                &exchange,
                &destination,
                stop.into(),
                &style,
                false,
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Events { pattern, stop } => {
            let exchange = cli.names.events.clone();
            broker::follow(&cli.names, &exchange, &pattern, stop.into(), &style, true).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Agents { json } => {
            http::agents(&cli.http, json).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Dlq { action } => {
            dlq::run(&cli.names, action, &style).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Health => Ok(if http::health(&cli.http, &style).await? {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }),
    }
}

impl From<StopAfter> for broker::Stop {
    fn from(stop: StopAfter) -> Self {
        Self {
            count: stop.count,
            idle: None,
            total: stop.timeout(),
        }
    }
}
