//! `generic-connector`: the Generic Connector service.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gc_server::config::Settings;

/// mimalloc rather than glibc's malloc: allocating and freeing (buffers, events, futures) took
/// about a sixth of the connector's CPU under load with glibc (README, performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// The stack every thread of the service gets. lapin decodes a delivery's header table
/// recursively on its own `lapin-io-loop` thread (spawned with the standard library's default
/// stack), and the engine's tokio workers clone and drop it recursively. A client can nest field
/// arrays as deep as one frame allows: about 26,000 levels in RabbitMQ's default 128 KiB frame,
/// which RabbitMQ accepts and delivers unchanged (tests/e2e_nested_headers.rs). Decoding that
/// takes about 36 MB of stack in a release build (1.4 KB a level) and 240 MB in a debug build
/// (9.1 KB a level); 2 MiB overflows, and a stack overflow aborts the process. Stack is
/// address space: only the pages a thread touches are ever committed.
const THREAD_STACK: usize = if cfg!(debug_assertions) {
    512 << 20
} else {
    128 << 20
};

/// lapin spawns its I/O thread itself, so the only way to size that thread's stack is the
/// standard library's `RUST_MIN_STACK`, read once when the first thread is spawned. Setting it
/// from inside needs `unsafe` (forbidden here), so when it is unset the process replaces itself
/// (same pid, same arguments and environment) with one that has it, before any thread exists.
/// An operator's own `RUST_MIN_STACK` is respected. If the re-exec fails the service runs on.
fn reexec_with_deep_stacks() {
    use std::os::unix::process::CommandExt as _;
    if std::env::var_os("RUST_MIN_STACK").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("RUST_MIN_STACK", THREAD_STACK.to_string())
        .exec();
    eprintln!("generic-connector: cannot re-execute with larger thread stacks ({error})");
}

/// The runtime `runtime.worker_threads` asks for. One thread (the default) is a current-thread
/// runtime: the driver, the broker's consumer and outbox, the Finesse requests and the
/// notification sessions then wake one another without crossing threads, which measured as the
/// least CPU per command (README, performance); lapin's I/O thread runs beside it either way.
fn runtime(worker_threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if worker_threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if worker_threads > 1 {
            builder.worker_threads(worker_threads);
        }
        builder
    };
    builder.enable_all().build()
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
        println!("  broker     {}", settings.broker.display_urls());
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
    reexec_with_deep_stacks();
    gc_server::telemetry::init(settings.log_format, &settings.log_filter);
    // The runtime's tasks run on the thread that calls `block_on` when it is a current-thread
    // one: a thread of our own with the deep stack, not the main thread (its stack is the
    // shell's `ulimit -s`).
    let serve = move || {
        let runtime = runtime(settings.worker_threads)?;
        let result = runtime.block_on(gc_server::app::run(settings));
        // Tasks still running after a bounded shutdown (a Finesse request past the grace
        // period, a blocking DNS lookup) must not hold the process: shutdown is already over.
        runtime.shutdown_timeout(std::time::Duration::from_millis(200));
        Ok::<_, std::io::Error>(result)
    };
    let served = std::thread::Builder::new()
        .name("gc-runtime".into())
        .stack_size(THREAD_STACK)
        .spawn(serve)
        .and_then(|thread| {
            // A panic goes on as it would have on the main thread.
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
    let result = match served {
        Ok(result) => result,
        Err(error) => {
            eprintln!("generic-connector: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("generic-connector: {error:#}");
            ExitCode::FAILURE
        }
    }
}
