//! End to end, the Python quick-start `examples/python/login.py` (pika, a client that is not
//! ours) against a running connector: it must log agent 1001 in and print its events.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;
use std::process::Stdio;

use support::{Env, Options, amqp_url};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The virtualenv scripts/pyenv creates (pika installed), or `GC_PYTHON`.
fn python() -> PathBuf {
    if let Ok(python) = std::env::var("GC_PYTHON") {
        return PathBuf::from(python);
    }
    let python = workspace().join("target/pyenv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/pyenv once (it creates the virtualenv with pika), or set GC_PYTHON",
        python.display()
    );
    python
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_quick_start_logs_an_agent_in() {
    let python = python();
    let env = Env::start(Options::default()).await;
    let destination = format!("quickstart-{}", env.tag);
    let output = tokio::process::Command::new(&python)
        .arg(workspace().join("examples/python/login.py"))
        .env("GC_AMQP_URL", amqp_url())
        .env("GC_COMMAND_QUEUE", &env.names.commands)
        .env("GC_CLIENTS_EXCHANGE", &env.names.clients)
        .env("GC_AGENT", "1002")
        .env("GC_PASSWORD", "secret")
        .env("GC_EXTENSION", "3002")
        .env("GC_DESTINATION", &destination)
        .env("GC_WAIT", "20")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "login.py failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let lines: Vec<String> = stdout.lines().map(support::masked).collect();
    assert_eq!(
        lines,
        [
            "System#IN_SERVICE",
            "1002#State#NOT_READY##Jonas Weber",
            "1002#AgentInfo#Jonas#Weber#false#REQUIRED#Jonas Weber",
        ],
        "{stderr}"
    );
    let view = env.sim.control.agent_state("1002").await.unwrap();
    assert_eq!(
        (view.state.as_str(), view.extension.as_str()),
        ("NOT_READY", "3002")
    );
    env.stop().await;
}
