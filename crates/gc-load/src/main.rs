//! `gc-load`: a load client for `generic-connector`, speaking to it over RabbitMQ as CRM
//! clients do.
//!
//! A run: N agents on M client destinations; a **login storm** (Hello per destination, then
//! Connect + Login of every agent at once, timed until every agent's State arrived); then an
//! **open-loop** command mix at a fixed rate and/or a **saturating** closed-loop run with a
//! window of commands in flight. It records command → event latency (HDR histograms), the
//! throughput achieved, errors and lost commands, and its own CPU share, so a reader can see
//! that the load client was not the bottleneck. With `--spawn` it starts `finesse-sim` and
//! `generic-connector` itself, on broker names unique to the run.
//!
//! # Layout
//!
//! * `events`: the legacy events it reads. `agents`: agent states and the command mix (pure).
//! * `workload`: the driver task (sending, matching, phases). `stats`: histograms and output.
//! * `bus`: the AMQP client side.
//!
//! Spawned children, broker names and procfs figures come from `gc-testbed`, shared with
//! gc-soak.

mod agents;
mod bus;
mod events;
mod stats;
mod workload;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use finesse_sim::control::ControlClient;
use gc_testbed::{ConnectorSpec, Names, Sim, SimConfig, TestbedError, procfs};
use serde_json::{Value, json};
use tokio::process::Child;
use tokio::time::Instant;

use crate::agents::Roster;
use crate::bus::{Route, Sender};
use crate::stats::{PhaseStats, per_second, round1, round3};
use crate::workload::{Load, LoginStats, Mix};

/// Exit codes: 0 complete, 2 partial (lost commands, logins missing, a phase cut off),
/// 1 error, 3 watchdog, 64 bad arguments.
const EXIT_PARTIAL: u8 = 2;
const EXIT_WATCHDOG: u8 = 3;
const EXIT_USAGE: u8 = 64;

/// Load client for generic-connector: login storm, open-loop command mix, saturating run.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// AMQP URL of the broker (loopback only).
    #[arg(
        long,
        env = "GC_AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    amqp_url: String,
    /// Start finesse-sim and generic-connector (from --bin-dir) on names unique to this run.
    #[arg(long)]
    spawn: bool,
    /// Where the workspace binaries are (default: next to gc-load).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// With --spawn: run the connector under this command, e.g.
    /// "valgrind --tool=callgrind --callgrind-out-file=cg.out".
    #[arg(long, allow_hyphen_values = true)]
    connector_prefix: Option<String>,
    /// Without --spawn: the connector's command queue.
    #[arg(long, default_value = "gc.commands")]
    command_queue: String,
    /// Without --spawn: the connector's clients exchange.
    #[arg(long, default_value = "gc.clients")]
    clients_exchange: String,
    /// Without --spawn: the simulator's control API (for calls); no calls without it.
    #[arg(long)]
    control_url: Option<String>,
    /// Agents (login ids from --agent-base, extensions from --extension-base).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    agents: u32,
    /// Client destinations the agents are spread over.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    destinations: u32,
    #[arg(long, default_value_t = 10_001)]
    agent_base: u32,
    #[arg(long, default_value_t = 40_001)]
    extension_base: u32,
    /// Every agent's password.
    #[arg(long, default_value = "secret")]
    password: String,
    /// Phases after the login storm.
    #[arg(long, value_enum, default_value_t = Mode::Open)]
    mode: Mode,
    /// Open loop: commands per second.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    rate: u64,
    /// Open loop: commands to send.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    count: u64,
    /// Saturating run: commands in flight at most.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    window: u32,
    /// Saturating run: commands to send.
    #[arg(long, default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    window_count: u64,
    /// Commands sent (window 100) before measuring, not counted.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    warmup: u64,
    /// Share of state commands that are GetState.
    #[arg(long, default_value_t = 0.34)]
    get_share: f64,
    /// Share of commands that are call control (AnswerCall, ReleaseCall); 0 = no calls.
    #[arg(long, default_value_t = 0.1)]
    call_share: f64,
    /// Seconds after which an unanswered command counts as lost.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    answer_timeout: u64,
    /// Seconds to wait for answers after a phase's last command.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=600))]
    drain: u64,
    /// Seconds the login storm may take.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    login_timeout: u64,
    /// Seconds each measured phase may send for.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    phase_limit: u64,
    /// Seconds the whole run may take; the process ends after it, whatever happens.
    #[arg(long, default_value_t = 900, value_parser = clap::value_parser!(u64).range(10..=7200))]
    time_limit: u64,
    /// Also report the CPU share of this process (name=pid, e.g. broker=1234); repeatable.
    #[arg(long, value_parser = parse_watch)]
    watch: Vec<(String, u32)>,
    /// Log every agent out at the end (with --spawn the processes are simply stopped).
    #[arg(long)]
    logout: bool,
    /// One JSON object on stdout (the lines for people go to stderr).
    #[arg(long)]
    json: bool,
}

fn parse_watch(text: &str) -> Result<(String, u32), String> {
    let (name, pid) = text
        .split_once('=')
        .ok_or_else(|| "expected name=pid".to_owned())?;
    let pid = pid
        .parse()
        .map_err(|_| format!("not a process id: {pid}"))?;
    if name.is_empty() || name == "gc_load" || name == "wall_s" || name == "machine_busy_share" {
        return Err(format!("unusable name {name:?}"));
    }
    Ok((name.to_owned(), pid))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// Open loop at --rate.
    Open,
    /// Saturating closed loop with --window in flight.
    Window,
    /// Open loop, then the saturating run.
    Both,
    /// Only the login storm.
    Login,
}

impl Args {
    fn check(&self) -> Result<(), String> {
        if self.destinations > self.agents {
            return Err("--destinations must not exceed --agents".into());
        }
        for (name, share) in [
            ("--get-share", self.get_share),
            ("--call-share", self.call_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        if self.connector_prefix.is_some() && !self.spawn {
            return Err("--connector-prefix needs --spawn".into());
        }
        Ok(())
    }
}

/// CPU used by a process over a phase.
#[derive(Clone, Debug)]
struct CpuMark {
    name: String,
    pid: Option<u32>,
    at: Option<Duration>,
}

impl CpuMark {
    fn take(name: &str, pid: Option<u32>) -> Self {
        Self {
            name: name.to_owned(),
            pid,
            at: procfs::cpu_time(pid),
        }
    }

    /// `{cpu_s, share_of_one_core, share_of_all_cores}` since this mark over `wall`.
    fn json(&self, wall: Duration) -> Value {
        let (Some(before), Some(after)) = (self.at, procfs::cpu_time(self.pid)) else {
            return Value::Null;
        };
        let used = after.saturating_sub(before).as_secs_f64();
        let wall = wall.as_secs_f64().max(1e-9);
        let cores = f64::from(u32::try_from(procfs::cpus()).unwrap_or(1));
        json!({
            "cpu_s": round3(used),
            "share_of_one_core": round3(used / wall),
            "share_of_all_cores": round3(used / wall / cores),
        })
    }
}

/// The processes whose CPU a phase reports, besides gc-load itself: the spawned connector and
/// simulator, and any given with `--watch name=pid` (the broker, say).
#[derive(Clone, Debug, Default)]
struct Pids(Vec<(String, u32)>);

/// CPU marks of every process, and of the whole machine, at a phase's start.
#[derive(Debug)]
struct Marks {
    start: Instant,
    marks: Vec<CpuMark>,
    machine: Option<procfs::MachineTimes>,
}

impl Marks {
    fn take(pids: &Pids) -> Self {
        let mut marks = vec![CpuMark::take("gc_load", None)];
        marks.extend(
            pids.0
                .iter()
                .map(|(name, pid)| CpuMark::take(name, Some(*pid))),
        );
        Self {
            start: Instant::now(),
            marks,
            machine: procfs::machine_times(),
        }
    }

    fn json(&self) -> Value {
        let wall = self.start.elapsed();
        let mut v = json!({ "wall_s": round3(wall.as_secs_f64()) });
        for mark in &self.marks {
            v[mark.name.as_str()] = mark.json(wall);
        }
        if let (Some(before), Some(after)) = (self.machine, procfs::machine_times()) {
            v["machine_busy_share"] = json!(round3(after.busy_share_since(before)));
        }
        v
    }
}

fn cpu_line(cpu: &Value) -> String {
    let mut parts = Vec::new();
    if let Value::Object(members) = cpu {
        for (who, figures) in members {
            if let Some(share) = figures["share_of_one_core"].as_f64() {
                parts.push(format!("{who} {:.1} %", share * 100.0));
            }
        }
    }
    let machine = cpu["machine_busy_share"]
        .as_f64()
        .map(|b| format!("; machine busy {:.0} % of all CPUs", b * 100.0))
        .unwrap_or_default();
    format!(
        "  CPU (share of one core over {} s): {}{machine}",
        cpu["wall_s"],
        parts.join("  ")
    )
}

fn login_json(login: &LoginStats, agents: u32, destinations: u32, cpu: Value) -> Value {
    json!({
        "agents": agents,
        "destinations": destinations,
        "hello_s": round3(login.hello.as_secs_f64()),
        "elapsed_s": round3(login.elapsed.as_secs_f64()),
        "logged_in": login.logged_in,
        "logins_per_s": per_second(login.logged_in, login.elapsed),
        "errors": login.stats.error_count(),
        "error_codes": login.stats.errors,
        "lost": login.stats.lost,
        "latency_us": login.latency.json(),
        "cpu": cpu,
    })
}

fn phase_json(stats: &PhaseStats, extra: Value, cpu: Value) -> Value {
    let mut v = stats.json();
    if let (Value::Object(map), Value::Object(more)) = (&mut v, extra) {
        map.extend(more);
    }
    v["cpu"] = cpu;
    v
}

/// Everything the run produced.
#[derive(Debug, Default)]
struct Outcome {
    report: serde_json::Map<String, Value>,
    complete: bool,
}

/// Starts the connector of a `--spawn` run against `sim`, named after the run, and waits until
/// it is ready.
async fn start_connector(
    args: &Args,
    bin_dir: &Path,
    run: &str,
    names: &Names,
    sim: &Sim,
) -> Result<Child, TestbedError> {
    let mut spec = ConnectorSpec::new(bin_dir, run, &args.amqp_url, names, sim)?;
    spec.log = std::env::var("GC_LOAD_CONNECTOR_LOG").unwrap_or_else(|_| "warn".into());
    spec.prefix = args
        .connector_prefix
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    spec.start().await
}

async fn run(args: Args) -> anyhow::Result<Outcome> {
    gc_testbed::check_loopback(&args.amqp_url)?;
    let run = format!(
        "gcload.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() % 1_000_000)
    );
    let say = |line: String| {
        if args.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    let agents = usize::try_from(args.agents)?;
    // The broker first: without it nothing else is worth starting.
    let connection = bus::connect(&args.amqp_url).await?;

    let (sim, connector, route, control_url) = if args.spawn {
        let bin_dir = match &args.bin_dir {
            Some(dir) => dir.clone(),
            None => gc_testbed::own_dir()?,
        };
        let names = Names::new(&run);
        let config = SimConfig {
            agents,
            // The event log is for tests; a small one keeps the simulator's work per request
            // flat.
            event_log_capacity: 1000,
            two_nodes: false,
        };
        let sim = Sim::start(&bin_dir, &run, config).await?;
        let connector = match start_connector(&args, &bin_dir, &run, &names, &sim).await {
            Ok(c) => c,
            Err(e) => {
                sim.stop().await;
                return Err(e.into());
            }
        };
        let route = Route {
            command_queue: names.commands.clone(),
            clients_exchange: names.clients.clone(),
        };
        let control = sim.control.clone();
        (Some((sim, names)), Some(connector), route, Some(control))
    } else {
        let route = Route {
            command_queue: args.command_queue.clone(),
            clients_exchange: args.clients_exchange.clone(),
        };
        (None, None, route, args.control_url.clone())
    };
    let mut pids = Pids::default();
    if let Some(pid) = connector.as_ref().and_then(Child::id) {
        pids.0.push(("connector".into(), pid));
    }
    if let Some(pid) = sim.as_ref().and_then(|(s, _)| s.pid()) {
        pids.0.push(("simulator".into(), pid));
    }
    pids.0.extend(args.watch.iter().cloned());

    let measured = measure(&args, &run, &connection, route, control_url, pids, &say).await;

    if let Some(connector) = connector {
        // A profiler wrapped around the connector needs time to write its output.
        let patience = if args.connector_prefix.is_some() {
            Duration::from_mins(2)
        } else {
            Duration::from_secs(10)
        };
        gc_testbed::stop(connector, patience).await;
    }
    if let Some((sim, names)) = sim {
        sim.stop().await;
        bus::delete(
            &connection,
            &[&names.commands, &names.dlq],
            &[&names.commands, &names.clients, &names.events, &names.sync],
        )
        .await;
    }
    let _ = connection.close(200, "bye".into()).await;
    let mut outcome = measured?;
    outcome.report.insert(
        "params".into(),
        json!({
            "spawn": args.spawn, "agents": args.agents, "destinations": args.destinations,
            "mode": format!("{:?}", args.mode).to_lowercase(), "rate": args.rate,
            "count": args.count, "window": args.window, "window_count": args.window_count,
            "warmup": args.warmup, "get_share": args.get_share, "call_share": args.call_share,
            "answer_timeout_s": args.answer_timeout, "drain_s": args.drain,
            "format": "legacy", "command_delivery_mode": 2, "client_ack": "auto",
            "connector_prefix": args.connector_prefix,
        }),
    );
    Ok(outcome)
}

/// The measured part: set-up on the broker, the login storm, the phases.
async fn measure(
    args: &Args,
    run: &str,
    connection: &lapin::Connection,
    route: Route,
    control_url: Option<String>,
    pids: Pids,
    say: &impl Fn(String),
) -> anyhow::Result<Outcome> {
    let agents = usize::try_from(args.agents)?;
    let destinations = usize::try_from(args.destinations)?;
    let names: Vec<String> = (0..destinations)
        .map(|d| format!("{run}.desk{d}"))
        .collect();
    let events = bus::destinations(connection, &route, &names).await?;
    let sender = Sender::open(connection, route, run).await?;
    let control = control_url
        .map(ControlClient::new)
        .transpose()
        .context("the control API client")?;
    let calls = control.is_some() && args.call_share > 0.0;
    let mix = Mix {
        get_share: args.get_share,
        call_share: if calls { args.call_share } else { 0.0 },
        answer_timeout: Duration::from_secs(args.answer_timeout),
    };
    let roster = Roster::new(agents, destinations, args.agent_base, args.extension_base);
    let mut load = Load::new(
        sender,
        events,
        roster,
        names,
        args.password.clone(),
        mix,
        control,
    );
    let mut outcome = Outcome {
        complete: true,
        ..Outcome::default()
    };
    outcome.report.insert("tool".into(), json!("gc-load"));
    outcome
        .report
        .insert("tool_version".into(), json!(env!("CARGO_PKG_VERSION")));
    outcome.report.insert("cpus".into(), json!(procfs::cpus()));
    say(format!(
        "gc-load {}: {agents} agents on {destinations} destinations, {} CPUs shared with the broker{}",
        env!("CARGO_PKG_VERSION"),
        procfs::cpus(),
        if args.spawn {
            ", connector and simulator"
        } else {
            ""
        }
    ));

    let marks = Marks::take(&pids);
    let login = load
        .login_storm(Duration::from_secs(args.login_timeout))
        .await?;
    let cpu = marks.json();
    say(format!(
        "login storm: {}/{agents} agents logged in {:.3} s after the first Connect ({} logins/s; Hello on {destinations} destinations took {:.3} s), {} errors, {} lost\n  login → State: {}\n{}",
        login.logged_in,
        login.elapsed.as_secs_f64(),
        per_second(login.logged_in, login.elapsed),
        login.hello.as_secs_f64(),
        login.stats.error_count(),
        login.stats.lost,
        login.latency.line(),
        cpu_line(&cpu)
    ));
    outcome.complete &= login.logged_in == u64::from(args.agents) && login.stats.lost == 0;
    let mut login_report = login_json(&login, args.agents, args.destinations, cpu);
    // Memory held with every agent logged in (and its notification session open).
    let mut memory = serde_json::Map::new();
    for (name, pid) in &pids.0 {
        #[allow(clippy::cast_precision_loss)] // KiB of one process: far below 2^52
        let Some(kib) = procfs::rss_kib(*pid).map(|k| k as f64) else {
            continue;
        };
        let per_agent = kib / f64::from(args.agents);
        say(format!(
            "  RSS after the storm: {name} {:.1} MiB = {per_agent:.1} KiB per agent",
            kib / 1024.0
        ));
        memory.insert(
            name.clone(),
            json!({"rss_kib": kib, "kib_per_agent": round1(per_agent)}),
        );
    }
    login_report["memory"] = Value::Object(memory);
    outcome.report.insert("login".into(), login_report);
    if login.logged_in == 0 {
        bail!("no agent logged in; nothing to measure");
    }

    let limit = Duration::from_secs(args.phase_limit);
    let drain = Duration::from_secs(args.drain);
    if args.mode != Mode::Login && args.warmup > 0 {
        let warm = load.saturate(100, args.warmup, limit, drain).await?;
        say(format!(
            "warm-up: {} commands (window 100), {} lost, not counted",
            warm.sent, warm.lost
        ));
    }
    if matches!(args.mode, Mode::Open | Mode::Both) {
        let marks = Marks::take(&pids);
        let stats = load.open_loop(args.rate, args.count, limit, drain).await?;
        let cpu = marks.json();
        let cut = stats.sent + stats.skipped < args.count;
        say(format!(
            "open loop at {} commands/s: sent {} at {} commands/s (behind schedule: p99 {:.3} ms, max {:.3} ms){}\n{}\n{}",
            args.rate,
            stats.sent,
            per_second(stats.sent, stats.send_elapsed),
            stats.lag.quantile(0.99).as_secs_f64() * 1e3,
            stats.lag.max().as_secs_f64() * 1e3,
            if cut { "  ** CUT OFF **" } else { "" },
            stats.lines(),
            cpu_line(&cpu)
        ));
        outcome.complete &= !cut && stats.lost == 0;
        let extra = json!({
            "rate": args.rate,
            "count": args.count,
            "timed_out": cut,
            "max_send_lag_us": round1(stats.lag.max().as_secs_f64() * 1e6),
            "send_lag_p99_us": round1(stats.lag.quantile(0.99).as_secs_f64() * 1e6),
        });
        outcome
            .report
            .insert("open".into(), phase_json(&stats, extra, cpu));
    }
    if matches!(args.mode, Mode::Window | Mode::Both) {
        let marks = Marks::take(&pids);
        let window = usize::try_from(args.window)?;
        let stats = load
            .saturate(window, args.window_count, limit, drain)
            .await?;
        let cpu = marks.json();
        let cut = stats.sent < args.window_count;
        say(format!(
            "saturating run, window {}: sent {}, {} answered in {:.3} s = {} commands/s{}\n{}\n{}",
            args.window,
            stats.sent,
            stats.answered,
            stats.elapsed.as_secs_f64(),
            per_second(stats.answered, stats.elapsed),
            if cut { "  ** CUT OFF **" } else { "" },
            stats.lines(),
            cpu_line(&cpu)
        ));
        outcome.complete &= !cut && stats.lost == 0;
        let extra = json!({"window": args.window, "count": args.window_count, "timed_out": cut});
        outcome
            .report
            .insert("window".into(), phase_json(&stats, extra, cpu));
    }
    if args.logout {
        load.logout_all(drain).await?;
    }
    outcome
        .report
        .insert("complete".into(), json!(outcome.complete));
    Ok(outcome)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Err(e) = args.check() {
        eprintln!("gc-load: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    let json = args.json;
    let limit = Duration::from_secs(args.time_limit);
    match tokio::time::timeout(limit, run(args)).await {
        Ok(Ok(outcome)) => {
            if json {
                println!("{}", Value::Object(outcome.report));
            }
            if outcome.complete {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "gc-load: incomplete run (lost commands, missing logins or a cut-off phase)"
                );
                ExitCode::from(EXIT_PARTIAL)
            }
        }
        Ok(Err(e)) => {
            eprintln!("gc-load: {e:#}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("gc-load: the run exceeded --time-limit ({limit:?}); stopped");
            ExitCode::from(EXIT_WATCHDOG)
        }
    }
}
