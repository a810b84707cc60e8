//! `gc-soak`: a bounded chaos soak of `generic-connector`.
//!
//! It starts a two-node `finesse-sim` with generated agents and a redundant pair of connectors
//! on the soak's own RabbitMQ node (`scripts/rabbitmq-soak-node`, port 5680: its application is
//! stopped and started, which must never happen to a broker other work uses), logs every agent
//! in, runs an open-loop command mix, and every `--fault-every` seconds injects one fault of
//! the rotation (kill -9 / SIGTERM of the leader, RabbitMQ `stop_app`/`start_app`, a forced
//! close of the leader's AMQP connection, a Finesse node stop, an XMPP drop of every session).
//! Four invariants are checked throughout and reported at the end:
//!
//! * (a) every command answered or dead-lettered with a reason (0 lost);
//! * (b) no Finesse write executed twice (the simulator's request log, by `requestId`);
//! * (c) every client's view converges to the simulator's truth within 5 s after each fault;
//! * (d) no agent logged out by a connector or Finesse failover.
//!
//! Every loop is bounded in count and time; everything it talks to is on loopback; the whole
//! run ends at `--time-limit` whatever happens. Exit codes: 0 clean, 2 invariant violated,
//! 1 error, 3 watchdog, 64 bad arguments.
//!
//! Layout: `stack` (the redundant pair and the RabbitMQ node; the processes themselves are
//! `gc-testbed`'s, shared with gc-load), `client` (the CRM side on the broker), `driver`
//! (workload and live invariants), `audit` (the simulator's request log), `faults`, `report`.

mod audit;
mod client;
mod driver;
mod faults;
mod report;
mod stack;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use finesse_sim::control::ControlClient;
use gc_testbed::{Names, Sim, SimConfig, procfs};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::client::{Client, Plan};
use crate::driver::Driver;
use crate::faults::{Fault, FaultEvent, Pair, Target};
use crate::report::{FaultRow, Invariants};

const EXIT_VIOLATED: u8 = 2;
const EXIT_WATCHDOG: u8 = 3;
const EXIT_USAGE: u8 = 64;

/// Bounded chaos soak: redundant pair + two-node simulator + own RabbitMQ node, under load and
/// faults, invariants checked throughout.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Seconds of load and faults (after the login storm).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(10..=7200))]
    seconds: u64,
    /// Agents logged in and commanded.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=12_000))]
    agents: u32,
    /// Client destinations the agents are spread over.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    destinations: u32,
    /// Commands per second (open loop).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=5000))]
    rate: u64,
    /// Seconds between two faults (the first comes after this long).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(5..=3600))]
    fault_every: u64,
    /// Faults to rotate through (kill, close, node, term, xmpp, broker); default all.
    #[arg(long, value_delimiter = ',')]
    faults: Vec<String>,
    /// Invariant (c): seconds within which views must converge after a fault heals.
    #[arg(long, default_value_t = 5)]
    converge_limit: u64,
    /// Seconds after which an unanswered command is lost.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=300))]
    answer_timeout: u64,
    /// AMQP URL of the soak's RabbitMQ node (loopback only).
    #[arg(
        long,
        env = "GC_SOAK_AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5680/%2f"
    )]
    amqp_url: String,
    /// The script that drives that node (`ctl stop_app`, …).
    #[arg(long, default_value = "scripts/rabbitmq-soak-node")]
    rabbit_script: PathBuf,
    /// Where the workspace binaries are (default: next to gc-soak).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Where the report goes (soak.json, soak.md, soak.svg).
    #[arg(long, default_value = "target/soak")]
    out: PathBuf,
    /// Also copy the plot here (e.g. docs/images/soak.svg).
    #[arg(long)]
    image: Option<PathBuf>,
    /// Seconds the whole run may take; default: the soak's length + 10 minutes.
    #[arg(long)]
    time_limit: Option<u64>,
}

fn fault_list(args: &Args) -> anyhow::Result<Vec<Fault>> {
    if args.faults.is_empty() {
        return Ok(Fault::ALL.to_vec());
    }
    args.faults
        .iter()
        .map(|f| Fault::parse(f).with_context(|| format!("unknown fault {f:?}")))
        .collect()
}

/// Injects faults in rotation every `every` until `end`; a fault that overruns its slot
/// delays the next one (never two at once). Returns the target for cleanup.
async fn run_faults(
    mut target: Target,
    faults: Vec<Fault>,
    every: Duration,
    end: Instant,
    tx: mpsc::UnboundedSender<FaultEvent>,
) -> Target {
    let mut next = Instant::now() + every;
    for fault in faults.iter().cycle().copied() {
        if next >= end || tx.is_closed() {
            break;
        }
        tokio::time::sleep_until(next).await;
        target.inject(fault, &tx).await;
        next = (next + every).max(Instant::now() + Duration::from_secs(5));
    }
    target
}

async fn run(args: Args) -> anyhow::Result<u64> {
    gc_testbed::check_loopback(&args.amqp_url)?;
    let faults = fault_list(&args)?;
    let run = format!(
        "gcsoak.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() % 1_000_000)
    );
    let bin_dir = match &args.bin_dir {
        Some(d) => d.clone(),
        None => gc_testbed::own_dir()?,
    };
    let agents = usize::try_from(args.agents)?;
    eprintln!(
        "gc-soak: {} s, {agents} agents, {}/s, a fault every {} s ({})",
        args.seconds,
        args.rate,
        args.fault_every,
        faults
            .iter()
            .map(|f| f.short())
            .collect::<Vec<_>>()
            .join(",")
    );
    let config = SimConfig {
        agents,
        // Large enough for the audit to read every request between two polls.
        event_log_capacity: 200_000,
        two_nodes: true,
    };
    let sim = Sim::start(&bin_dir, &run, config).await?;
    let names = Names::new(&run);
    let specs = stack::pair(&bin_dir, &args.amqp_url, &names, &sim)?;
    let first = specs[0].start().await?;
    // The first member leads before the second starts, so roles are known.
    let lead_deadline = Instant::now() + Duration::from_secs(30);
    while !specs[0].leads().await && Instant::now() < lead_deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let second = specs[1].start().await?;
    let pair = Pair {
        specs,
        children: [Some(first), Some(second)],
    };
    let control = ControlClient::new(sim.control.clone()).context("the control client")?;
    let (audit, audit_task) = audit::spawn(control.clone());

    let destinations: Vec<String> = (0..args.destinations)
        .map(|d| format!("{run}.desk{d}"))
        .collect();
    let plan = Plan {
        url: args.amqp_url.clone(),
        run: run.clone(),
        command_queue: names.commands.clone(),
        clients_exchange: names.clients.clone(),
        dlq: names.dlq.clone(),
        destinations: destinations.clone(),
    };
    let (client, inbound) = Client::start(plan.clone());
    let mut driver = Driver::new(
        client,
        inbound,
        control.clone(),
        agents,
        destinations,
        Duration::from_secs(args.answer_timeout),
        Duration::from_secs(args.converge_limit),
    );
    driver.set_audit(audit.clone());
    driver.login(Duration::from_mins(3)).await?;
    eprintln!(
        "gc-soak: {}/{agents} agents logged in in {:.1} s",
        driver.tally.logged_in, driver.tally.login_s
    );
    if driver.tally.logged_in < agents {
        bail!(
            "only {} of {agents} agents logged in",
            driver.tally.logged_in
        );
    }

    let target = Target {
        pair,
        control: control.clone(),
        rabbit_script: args.rabbit_script.clone(),
        audit: audit.clone(),
    };
    let duration = Duration::from_secs(args.seconds);
    let (fault_tx, mut fault_rx) = mpsc::unbounded_channel();
    let fault_task = tokio::spawn(run_faults(
        target,
        faults,
        Duration::from_secs(args.fault_every),
        // No fault starts in the last 25 s: each must heal and converge while commands flow.
        Instant::now() + duration.saturating_sub(Duration::from_secs(25)),
        fault_tx,
    ));
    driver.run(args.rate, duration, &mut fault_rx).await;
    // A fault still running finishes (bounded) before the report.
    let mut target = fault_task.await.context("the fault task")?;
    while let Ok(event) = fault_rx.try_recv() {
        if let FaultEvent::Done(injected) = event {
            driver.tally.faults.push(injected);
        }
    }
    // Let the audit read the last writes.
    tokio::time::sleep(Duration::from_secs(2)).await;
    audit_task.abort();
    let audited = audit::snapshot(&audit);
    let rss: Vec<(String, u64)> = target
        .pair
        .pids()
        .into_iter()
        .filter_map(|(name, pid)| Some((name, procfs::rss_kib(pid)?)))
        .collect();
    let sim_rss = sim.pid().and_then(procfs::rss_kib);

    target.pair.stop().await;
    sim.stop().await;
    Client::cleanup(&plan).await;

    // The report.
    let t = &driver.tally;
    let not_converged = t
        .convergence
        .iter()
        .filter(|c| {
            c.seconds
                .is_none_or(|s| s > Duration::from_secs(args.converge_limit).as_secs_f64())
        })
        .count();
    let invariants = Invariants {
        lost: t.lost,
        duplicate_writes: audited.duplicates,
        not_converged: u64::try_from(not_converged).unwrap_or(u64::MAX),
        logouts: t.logout_events
            + audited.logout_writes
            + u64::try_from(t.sim_logouts_max).unwrap_or(u64::MAX),
    };
    let rows: Vec<FaultRow> = t
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let c = t.convergence.iter().find(|c| c.fault == i);
            FaultRow {
                t: driver.since_start(f.struck),
                name: f.fault.name().to_owned(),
                short: f.fault.short().to_owned(),
                note: f.note.clone(),
                failed: f.failed,
                converged_s: c.and_then(|c| c.seconds),
                differing: c.and_then(|c| c.differing_at_limit),
                example: c.and_then(|c| c.example.clone()),
            }
        })
        .collect();
    let final_check = t.convergence.iter().find(|c| c.fault == t.faults.len());
    let error_answers: u64 = t.errors.values().sum();
    let summary = json!({
        "tool": "gc-soak",
        "cpus": procfs::cpus(),
        "params": {
            "seconds": args.seconds, "agents": args.agents, "destinations": args.destinations,
            "rate": args.rate, "fault_every_s": args.fault_every,
            "converge_limit_s": args.converge_limit, "answer_timeout_s": args.answer_timeout,
        },
        "login_s": (t.login_s * 10.0).round() / 10.0,
        "login_retries": t.login_retries,
        "login_dead_lettered": t.login_dead_lettered.len(),
        "invariants": {
            "lost": invariants.lost, "duplicate_writes": invariants.duplicate_writes,
            "not_converged": invariants.not_converged, "logouts": invariants.logouts,
            "logout_events": t.logout_events, "logout_writes": audited.logout_writes,
            "sim_logouts_max": t.sim_logouts_max,
            "violations": invariants.violations(),
        },
        "commands": {
            "sent": t.sent, "answered": t.answered, "error_answers": error_answers,
            "errors": t.errors, "dead_lettered": t.dead_lettered,
            "not_accepted": t.not_accepted, "not_sent": t.not_sent,
            "lost_examples": t.lost_examples, "client_connections": t.reconnects,
        },
        "latency_ms": {
            "p50": driver.latency_ms(0.5), "p99": driver.latency_ms(0.99),
            "p99_9": driver.latency_ms(0.999), "max": driver.latency_max_ms(),
        },
        "audit": {
            "writes": audited.writes, "duplicates": audited.duplicates,
            "examples": audited.examples, "missed": audited.missed, "read_errors": audited.errors,
        },
        "final_convergence_s": final_check.and_then(|c| c.seconds),
        "rss_kib": rss.iter().map(|(n, k)| json!({n.as_str(): k})).collect::<Vec<_>>(),
        "simulator_rss_kib": sim_rss,
        "faults": rows.iter().map(|f| json!({
            "t": (f.t * 10.0).round() / 10.0, "fault": f.name, "note": f.note, "failed": f.failed,
            "converged_s": f.converged_s, "differing_at_limit": f.differing, "example": f.example,
        })).collect::<Vec<_>>(),
    });
    report::write_all(&args.out, &summary, &t.seconds, &rows, invariants)?;
    if let Some(image) = &args.image {
        std::fs::copy(args.out.join("soak.svg"), image)
            .with_context(|| format!("copying the plot to {}", image.display()))?;
    }
    println!("{}", report::markdown(&summary, &rows, "soak.svg"));
    eprintln!(
        "gc-soak: report in {}/soak.md (figures in soak.json, plot soak.svg)",
        args.out.display()
    );
    let failed_faults = rows.iter().filter(|f| f.failed).count();
    if failed_faults > 0 {
        eprintln!("gc-soak: {failed_faults} fault(s) could not be injected as meant");
    }
    Ok(invariants.violations() + u64::try_from(failed_faults).unwrap_or(0))
}

#[tokio::main]
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
    let limit = Duration::from_secs(args.time_limit.unwrap_or(args.seconds + 600));
    match tokio::time::timeout(limit, run(args)).await {
        Ok(Ok(0)) => ExitCode::SUCCESS,
        Ok(Ok(n)) => {
            eprintln!("gc-soak: {n} violation(s)");
            ExitCode::from(EXIT_VIOLATED)
        }
        Ok(Err(e)) => {
            eprintln!("gc-soak: {e:#}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("gc-soak: the run exceeded --time-limit ({limit:?}); stopped");
            ExitCode::from(EXIT_WATCHDOG)
        }
    }
}
