//! End to end, secrets: a connector run at the most verbose log level through a session that
//! touches every secret — an AMQP password of its own, a ConnectorSync key, an agent's
//! password (right, wrong, in a body-only command), a dead-lettered Login — writes none of them
//! to its log, and the dead-letter copy of a command carrying a password holds none of it.

// Helpers outside #[test] functions build fixtures; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::Engine as _;
use support::{Connector, Env, Options, Props, amqp_url};

fn rabbitmqctl(args: &[&str]) {
    let status = std::process::Command::new("rabbitmqctl")
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("rabbitmqctl runs");
    assert!(status.success(), "rabbitmqctl {args:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_log_at_any_level() {
    let mut env = Env::start(Options::default()).await;
    env.connector.take().unwrap().stop().await;
    let tag = env.tag.clone();

    // Secrets nobody else uses, so a match can only be a leak.
    let agent_password = format!("Agent-Pw-{tag}");
    let wrong_password = format!("Wr0ng-Pw-{tag}");
    let amqp_user = format!("gc-secret-{tag}");
    let amqp_password = format!("Amqp-Pw-{tag}");
    let sync_key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>());

    // The simulator knows agent 1001 by the new password.
    let mut directory = env.sim.control.directory().await.unwrap();
    for record in &mut directory.agents {
        if record.login_id == "1001" {
            record.password.clone_from(&agent_password);
        }
    }
    env.sim.control.load_directory(&directory).await.unwrap();
    // The broker knows the connector by its own user.
    rabbitmqctl(&["add_user", &amqp_user, &amqp_password]);
    rabbitmqctl(&["set_permissions", "-p", "/", &amqp_user, ".*", ".*", ".*"]);
    let host = amqp_url()
        .rsplit_once('@')
        .map(|(_, host)| host.to_owned())
        .unwrap();
    let url = format!("amqp://{amqp_user}:{amqp_password}@{host}");

    let log = std::env::temp_dir().join(format!("gc-e2e-secrets-{tag}.log"));
    let extra = vec![
        ("RUST_LOG".to_owned(), "trace".to_owned()),
        ("GC_BROKER__URL".to_owned(), url),
        ("GC_REDUNDANCY__ENABLED".to_owned(), "true".to_owned()),
        ("GC_REDUNDANCY__SYNC_KEY".to_owned(), sync_key.clone()),
    ];
    let connector =
        Connector::start_logged(&format!("e2e-{tag}"), &env.names, &env.sim, &extra, &log).await;
    connector.wait_gauge("gc_leader", 1).await;

    let destination = env.destination("1001");
    let mut desk = env.client(&destination).await;
    let mut dlq = env.queue(&env.names.dlq).await;
    env.send(&format!("Hello#{destination}"), "").await;
    assert_eq!(desk.text().await, "System#IN_SERVICE");
    env.send("Connect#1001", &format!("{destination},{wrong_password}"))
        .await;
    assert_eq!(desk.text().await, "1001#Error#SUBSCRIPTION_FAILED");
    env.send("Connect#1001", &format!("{destination},{agent_password}"))
        .await;
    env.send("Login#1001", &format!("{agent_password},3001"))
        .await;
    assert_eq!(desk.text().await, "1001#State#NOT_READY##Maria Meier");
    desk.until("1001#AgentInfo#").await;
    // The body-only form (no JMS type), a password in it.
    env.send("", &format!("MakeReady#1001#{agent_password}"))
        .await;
    desk.until("1001#State#").await;
    // A Login for an agent nobody connected, without reply_to: dead-lettered, in both forms.
    env.send("Login#4444", &format!("{agent_password},3001"))
        .await;
    env.send_with(
        "",
        format!("Login#4444#{agent_password},3001").as_bytes(),
        Props::default(),
    )
    .await;
    for _ in 0..2 {
        let copy = dlq.next().await;
        assert!(!copy.body.contains(&agent_password), "{}", copy.body);
        assert!(copy.body.contains("redacted"), "{}", copy.body);
        let jms_type = copy.header("JMSType").unwrap_or_default();
        assert!(!jms_type.contains(&agent_password), "{jms_type}");
    }
    env.send("Logout#1001", "").await;
    desk.until("1001#State#LOGOUT").await;
    assert!(connector.stop().await.success());
    rabbitmqctl(&["delete_user", &amqp_user]);

    let text = std::fs::read_to_string(&log).unwrap();
    let lines = text.lines().count();
    println!("{lines} log lines at trace level");
    assert!(lines > 100, "the log was written");
    for secret in [
        agent_password.as_str(),
        wrong_password.as_str(),
        amqp_password.as_str(),
        sync_key.as_str(),
    ] {
        let found: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(secret))
            .take(3)
            .collect();
        assert!(found.is_empty(), "a secret in the log: {found:#?}");
    }
    std::fs::remove_file(&log).ok();
    env.stop().await;
}
