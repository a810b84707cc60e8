//! The interop matrix: each client stack's example (examples/<stack>/) runs as a real client
//! against a connector on its own broker names, logs an agent in, reads its events, and asks
//! for the state with a correlation id (and a reply-to where the stack has one).
//!
//! | stack | client | JMS type travels as | reply-to |
//! |---|---|---|---|
//! | Java (RabbitMQ Java client, the RabbitMQ JMS client's headers) | examples/java/Login.java | header `JMSType` | direct reply-to |
//! | STOMP (stomp.py, port 61613) | examples/stomp/login.py | frame header `JMSType` | `/temp-queue/replies` |
//! | AMQP 1.0 (Qpid Proton, Qpid JMS's wire protocol) | examples/amqp1/login.py | `subject`, application property `JMSType`, annotation `x-opt-jms-type` | `/queue/<name>` |
//! | Node (amqplib) | examples/node/login.js | header `JMSType` | a private queue |
//!
//! pika is covered by e2e_quickstart. The client tools come from `scripts/clients-up` (which
//! `scripts/test` runs); a missing one fails these tests, it never skips them.

// Helpers outside #[test] functions build fixtures and run processes; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use lapin::options::QueueDeleteOptions;
use lapin::types::ShortString;
use support::{Env, Options, amqp_url, directory_name, masked};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn required(path: &Path, what: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing ({what}): run scripts/clients-up (scripts/test does)",
        path.display()
    );
    path.to_owned()
}

/// The virtualenv's Python (stomp.py and python-qpid-proton installed), or `GC_PYTHON`.
fn python() -> PathBuf {
    match std::env::var("GC_PYTHON") {
        Ok(python) => PathBuf::from(python),
        Err(_) => required(&workspace().join("target/pyenv/bin/python"), "target/pyenv"),
    }
}

/// The classpath of the Java example: Debian's RabbitMQ Java client and SLF4J (no-op logger).
fn java_classpath() -> String {
    ["amqp-client.jar", "slf4j-api.jar", "slf4j-nop.jar"]
        .iter()
        .map(|jar| {
            let path = Path::new("/usr/share/java").join(jar);
            required(
                &path,
                "Debian packages librabbitmq-client-java, libslf4j-java",
            )
            .display()
            .to_string()
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// One client run: the program, its arguments, and the settings every example reads.
struct Run {
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Run {
    fn new(program: impl Into<PathBuf>, args: &[&str]) -> Self {
        Self {
            program: program.into(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: Vec::new(),
        }
    }

    fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Runs the client for `agent` on `destination` against `env`'s names and asserts its
    /// output: System, State, AgentInfo, and the state answer with the correlation id.
    async fn logs_in(self, env: &Env, agent: &str, destination: String) {
        let extension = format!("3{}", &agent[1..]);
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(&self.args)
            .current_dir(workspace())
            .env("GC_AMQP_URL", amqp_url())
            .env("GC_COMMAND_QUEUE", &env.names.commands)
            .env("GC_CLIENTS_EXCHANGE", &env.names.clients)
            .env("GC_AGENT", agent)
            .env("GC_PASSWORD", "secret")
            .env("GC_EXTENSION", &extension)
            .env("GC_DESTINATION", &destination)
            .env("GC_WAIT", "20")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let output = command
            .output()
            .await
            .unwrap_or_else(|e| panic!("running {}: {e}", self.program.display()));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{} {:?} failed ({}):\n{stdout}\n{stderr}",
            self.program.display(),
            self.args,
            output.status
        );
        let (first, last, _) = directory_name(agent);
        let name = format!("{first} {last}");
        let lines: Vec<String> = stdout.lines().map(masked).collect();
        assert_eq!(
            lines,
            [
                "System#IN_SERVICE".to_owned(),
                format!("{agent}#State#NOT_READY##{name}"),
                format!("{agent}#AgentInfo#{first}#{last}#false#REQUIRED#{name}"),
                format!("reply state-{destination} {agent}#State#NOT_READY##{name}"),
            ],
            "{stderr}"
        );
        let view = env.sim.control.agent_state(agent).await.unwrap();
        assert_eq!(
            (view.state.as_str(), view.extension.as_str()),
            ("NOT_READY", extension.as_str())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_java_client_with_the_jms_clients_headers_logs_in_and_gets_a_direct_reply() {
    let classpath = java_classpath();
    let env = Env::start(Options::default()).await;
    // Compiled here with the JDK's javac, as a build of the driver would.
    let classes = tempfile::tempdir().unwrap();
    let javac = tokio::process::Command::new("javac")
        .arg("-d")
        .arg(classes.path())
        .args(["-cp", &classpath])
        .arg(workspace().join("examples/java/Login.java"))
        .output()
        .await
        .unwrap_or_else(|e| panic!("javac ({e}): run scripts/clients-up"));
    assert!(
        javac.status.success(),
        "javac failed:\n{}",
        String::from_utf8_lossy(&javac.stderr)
    );
    let classpath = format!("{}:{classpath}", classes.path().display());
    Run::new("java", &["-cp", &classpath, "Login"])
        .logs_in(&env, "1005", format!("java-{}", env.tag))
        .await;
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stomp_client_logs_in_with_a_jms_type_frame_header() {
    let python = python();
    let env = Env::start(Options::default()).await;
    Run::new(&python, &["examples/stomp/login.py"])
        .env("GC_STOMP_HOST", "127.0.0.1")
        .env("GC_STOMP_PORT", "61613")
        .logs_in(&env, "1007", format!("stomp-{}", env.tag))
        .await;
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amqp1_clients_log_in_with_the_jms_type_in_subject_property_or_annotation() {
    let python = python();
    let env = Env::start(Options::default()).await;
    let amqp1_url = "amqp://guest:guest@127.0.0.1:5672";
    let reply_queue = format!("amqp1-replies-{}", env.tag);
    let run = |jms_type_in: &str| {
        Run::new(&python, &["examples/amqp1/login.py"])
            .env("GC_AMQP1_URL", amqp1_url)
            .env("GC_JMS_TYPE_IN", jms_type_in)
    };
    tokio::join!(
        // As Qpid JMS sends JMSType; the answer read on the destination.
        run("subject").logs_in(&env, "1006", format!("amqp1-s-{}", env.tag)),
        // Application property JMSType; reply-to /queue/<name>.
        run("property").env("GC_REPLY_QUEUE", &reply_queue).logs_in(
            &env,
            "1008",
            format!("amqp1-p-{}", env.tag)
        ),
        // As older Qpid JMS sent it.
        run("annotation").logs_in(&env, "1003", format!("amqp1-a-{}", env.tag)),
    );
    // Nothing was dead-lettered ("the message body is not UTF-8 text" before the decoder).
    assert_eq!(env.ready_count(&env.names.dlq).await, 0);
    // RabbitMQ declared the reply queue (durable) when the receiver opened it.
    let _ = env
        .channel
        .queue_delete(
            ShortString::from(reply_queue.as_str()),
            QueueDeleteOptions::default(),
        )
        .await;
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_amqplib_client_logs_in_and_gets_a_reply_on_its_queue() {
    let modules = required(
        &workspace().join("target/node/node_modules/amqplib"),
        "amqplib",
    );
    let env = Env::start(Options::default()).await;
    Run::new("node", &["examples/node/login.js"])
        .env(
            "NODE_PATH",
            &modules.parent().unwrap().display().to_string(),
        )
        .logs_in(&env, "1004", format!("node-{}", env.tag))
        .await;
    env.stop().await;
}
