//! `gcctl` end to end: the binary against a real RabbitMQ, `finesse-sim` and
//! `generic-connector`, each subcommand as an operator would run it (send, tail, events,
//! agents, dlq list/show/replay, health).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Stdio;

use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use support::{Env, Options, PATIENCE, amqp_url};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// `gcctl` with this environment's broker names and HTTP endpoint, colour off.
fn gcctl(env: &Env) -> Command {
    let mut command = Command::new(support::binary("gcctl"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GC_BROKER__URL", amqp_url())
        .env("GC_BROKER__COMMAND_QUEUE", &env.names.commands)
        .env("GC_BROKER__CLIENTS_EXCHANGE", &env.names.clients)
        .env("GC_BROKER__EVENTS_EXCHANGE", &env.names.events)
        .env("GC_BROKER__DEAD_LETTER_QUEUE", &env.names.dlq)
        .env("GC_HTTP_URL", format!("http://{}", env.connector().http))
        .kill_on_drop(true);
    command
}

/// Runs gcctl to the end; returns (exit code, standard output).
async fn run(env: &Env, args: &[&str]) -> (i32, String) {
    let output = tokio::time::timeout(PATIENCE, gcctl(env).args(args).output())
        .await
        .unwrap_or_else(|_| panic!("gcctl {args:?} did not finish"))
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("$ gcctl {}\n{stdout}{stderr}", args.join(" "));
    (output.status.code().unwrap_or(-1), stdout)
}

/// Starts a live gcctl (tail, events) and waits until it follows.
async fn follow(env: &Env, args: &[&str]) -> Child {
    let mut child = gcctl(env)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = tokio::time::timeout(PATIENCE, lines.next_line())
        .await
        .expect("gcctl says it follows")
        .unwrap()
        .unwrap_or_default();
    assert!(line.starts_with("gcctl: following"), "{line}");
    child
}

async fn finish(child: Child) -> String {
    let output = tokio::time::timeout(PATIENCE, child.wait_with_output())
        .await
        .expect("the live gcctl stops after --count")
        .unwrap();
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_tail_events_agents_and_health() {
    let env = Env::start(Options::default()).await;
    let destination = env.destination("1001");
    let tail = follow(
        &env,
        &["tail", &destination, "--count", "3", "--timeout", "20"],
    )
    .await;
    let events = follow(
        &env,
        &[
            "events",
            "*.1001",
            "--count",
            "2",
            "--timeout",
            "20",
            "--color",
            "always",
        ],
    )
    .await;

    let (code, out) = run(&env, &["send", &format!("Hello#{destination}")]).await;
    assert_eq!(code, 0);
    assert!(out.contains("<- System#IN_SERVICE"), "{out}");
    let (_, out) = run(
        &env,
        &[
            "send",
            "Connect#1001",
            &format!("{destination},secret"),
            "--wait",
            "1",
        ],
    )
    .await;
    assert!(
        out.contains(&format!("-> Connect#1001 {destination},***")),
        "{out}"
    );
    let (code, out) = run(
        &env,
        &[
            "send",
            "Login#1001",
            "secret,3001",
            "--destination",
            &destination,
            "--count",
            "2",
        ],
    )
    .await;
    assert_eq!(code, 0);
    assert!(out.contains("-> Login#1001 ***,3001"), "{out}");
    assert!(out.contains("1001#State#NOT_READY##Maria Meier"), "{out}");
    assert!(out.contains("1001#AgentInfo#Maria#Meier"), "{out}");
    assert!(!out.contains("secret"), "the password is printed: {out}");

    // tail: what the destination received, in order.
    let lines: Vec<String> = finish(tail).await.lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0], "System#IN_SERVICE");
    assert_eq!(lines[1], "1001#State#NOT_READY##Maria Meier");
    assert!(
        lines[2].starts_with("1001#AgentInfo#Maria#Meier#"),
        "{lines:?}"
    );

    // events: routing key and JSON, coloured on request.
    let out = finish(events).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains("agent_state.1001"), "{out}");
    assert!(
        lines[0].contains("\x1b[32mState\x1b[0m"),
        "coloured: {out:?}"
    );
    assert!(lines[1].contains("agent_info.1001"), "{out}");

    // An unknown command is answered with an Error on reply_to.
    let (code, out) = run(&env, &["send", "Dance#1001"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("1001#Error#UNKNOWN_COMMAND"), "{out}");

    // agents: from the connector's /agents (refreshed with the gauges).
    env.connector().wait_gauge("gc_agents_logged_in", 1).await;
    let (code, out) = run(&env, &["agents"]).await;
    assert_eq!(code, 0);
    assert_eq!(out, "AGENT\n1001\n1 agent logged in\n");
    let (_, out) = run(&env, &["agents", "--json"]).await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"count": 1, "agents": [{"agentId": "1001"}]})
    );

    // health: ready, with the key metrics.
    let (code, out) = run(&env, &["health"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("ready (200 /readyz)"), "{out}");
    let agents_line = out
        .lines()
        .find(|l| l.starts_with("gc_agents_logged_in"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(agents_line.split_whitespace().nth(1), Some("1"), "{out}");

    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_says_not_ready_and_fails_when_the_endpoint_is_down() {
    let env = Env::start(Options::default()).await;
    let mut command = gcctl(&env);
    command.env("GC_HTTP_URL", "http://127.0.0.1:9");
    let output = command.arg("health").output().await.unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GET http://127.0.0.1:9/readyz"), "{stderr}");
    env.stop().await;
}

fn command(jms_type: &str, message_id: &str) -> BasicProperties {
    let mut headers = FieldTable::default();
    if !jms_type.is_empty() {
        headers.insert(
            ShortString::from("JMSType"),
            AMQPValue::LongString(jms_type.into()),
        );
    }
    BasicProperties::default()
        .with_headers(headers)
        .with_message_id(ShortString::from(message_id))
        .with_delivery_mode(2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dlq_list_show_and_replay() {
    let env = Env::start(Options::default()).await;
    let commands = env.names.commands.clone();
    // Three commands that cannot be answered anywhere: an agent the connector does not know,
    // a Login whose body is not UTF-8 (it carries a password), and no command at all.
    env.publish("", &commands, b"", command("GetState#1001", "m-getstate"))
        .await;
    env.publish(
        "",
        &commands,
        b"secret,\xff3002",
        command("Login#1002", "m-login"),
    )
    .await;
    env.publish("", &commands, b"just some text", command("", "m-text"))
        .await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while env.ready_count(&env.names.dlq).await < 3 {
        assert!(tokio::time::Instant::now() < deadline, "3 dead letters");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let (code, out) = run(&env, &["dlq", "list"]).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("3 dead letter(s)"), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].contains("m-getstate") && lines[1].contains("unknown agent 1001"),
        "{out}"
    );
    assert!(
        lines[2].contains("m-login") && lines[2].contains("not UTF-8"),
        "{out}"
    );
    assert!(
        lines[3].contains("m-text") && lines[3].contains("no command"),
        "{out}"
    );
    // Browsing leaves them in the queue.
    assert_eq!(env.ready_count(&env.names.dlq).await, 3);

    let (code, out) = run(&env, &["dlq", "show", "m-login"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("reason:         "), "{out}");
    assert!(out.contains("JMS type:       Login#1002"), "{out}");
    assert!(out.contains("x-gc-reason: "), "{out}");
    assert!(out.contains("<redacted"), "{out}");
    assert!(!out.contains("secret"), "the password is printed: {out}");
    let (_, out) = run(&env, &["dlq", "show", "3"]).await;
    assert!(
        out.contains("message id:     m-text") && out.contains("just some text"),
        "{out}"
    );
    let (code, _) = run(&env, &["dlq", "show", "m-nothing"]).await;
    assert_eq!(code, 1);

    // Replayed once agent 1001 is logged in, the GetState is answered on its desk.
    let mut desk = env.desk("1001", "3001").await;
    let (code, out) = run(&env, &["dlq", "replay", "m-getstate"]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("m-getstate  GetState#1001  replayed to"),
        "{out}"
    );
    assert!(out.contains("1 replayed"), "{out}");
    desk.expect_seq(&["1001#State#NOT_READY##Maria Meier"])
        .await;
    assert_eq!(env.ready_count(&env.names.dlq).await, 2);

    // A redacted letter is not replayed; it stays.
    let (_, out) = run(&env, &["dlq", "replay", "--all"]).await;
    assert!(out.contains("m-login  Login#1002  skipped"), "{out}");
    assert!(out.contains("1 replayed"), "{out}");
    // The text without a command comes back to the queue (dead-lettered again).
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while env.ready_count(&env.names.dlq).await < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "dead-lettered again"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    env.stop().await;
}
