//! End-to-end harness: a real RabbitMQ, `finesse-sim` and `generic-connector` as separate
//! processes, and a test client speaking AMQP as a CRM client would (JMSType header, CSV body,
//! reply-to, correlation id).
//!
//! Every environment uses its own queue and exchange names, so tests run in parallel on one
//! broker and leave nothing behind. RabbitMQ must answer on `GC_AMQP_URL` (default
//! 127.0.0.1:5672): these tests fail, never skip, when it does not.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use finesse_sim::control::ControlClient;
use futures::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, ExchangeDeleteOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub mod cluster;
pub mod desks;
pub mod schemas;
pub mod tls_broker;
pub mod webdriver;

/// How long a test waits for any one thing.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn amqp_url() -> String {
    std::env::var("GC_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// With `GC_E2E_LOG_DIR` set (scripts/test sets it), every connector's log goes to a file of
/// its own there, and the secrets it was given (sync keys, passwords in its broker URL) to a
/// `.secrets` file beside it: `scripts/scan-e2e-logs` then checks the whole suite's logs for
/// them and for the agents' password (issue 10: "a whole-suite log scan finds no password").
/// The path is printed, so a failing test's output says where its connector's log is.
fn suite_log(instance: &str, extra: &[(String, String)]) -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("GC_E2E_LOG_DIR")?);
    std::fs::create_dir_all(&dir).unwrap();
    let test = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let stem = format!("{test}-{instance}-{}", uuid::Uuid::new_v4().simple());
    let mut secrets = String::new();
    for (key, value) in extra {
        if key.ends_with("SYNC_KEY") || key.ends_with("SYNC_KEY_PREVIOUS") {
            secrets.push_str(value);
            secrets.push('\n');
        }
    }
    for (key, value) in extra
        .iter()
        .cloned()
        .chain(std::iter::once(("GC_BROKER__URL".to_owned(), amqp_url())))
    {
        if key == "GC_BROKER__URL"
            && let Some(password) = url_password(&value)
        {
            // As it appears in a URL (`:password@`): the user name may equal the password.
            secrets.push(':');
            secrets.push_str(password);
            secrets.push_str("@\n");
        }
    }
    std::fs::write(dir.join(format!("{stem}.secrets")), secrets).unwrap();
    let log = dir.join(format!("{stem}.log"));
    println!("connector {instance} logs to {}", log.display());
    Some(log)
}

/// The password of an `amqp://user:password@host/…` URL, if it has one.
fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    Some(userinfo.split_once(':')?.1).filter(|p| !p.is_empty())
}

/// Connects to RabbitMQ or fails the test with a clear message.
pub async fn connect() -> Connection {
    match Connection::connect(&amqp_url(), ConnectionProperties::default()).await {
        Ok(connection) => connection,
        Err(error) => panic!(
            "RabbitMQ is not reachable at {} ({error}); run scripts/rabbitmq-up (these tests never skip)",
            amqp_url()
        ),
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// A binary of the workspace, beside `generic-connector` (`cargo build --workspace --bins`).
pub fn binary(name: &str) -> PathBuf {
    let connector = PathBuf::from(env!("CARGO_BIN_EXE_generic-connector"));
    let path = connector.with_file_name(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (scripts/test does)",
        path.display()
    );
    path
}

/// The broker names of one environment.
#[derive(Clone, Debug)]
pub struct Names {
    pub commands: String,
    pub clients: String,
    pub events: String,
    pub dlq: String,
    pub sync: String,
    pub leader: String,
}

impl Names {
    pub fn new(tag: &str) -> Self {
        Self {
            commands: format!("t.{tag}.commands"),
            clients: format!("t.{tag}.clients"),
            events: format!("t.{tag}.events"),
            dlq: format!("t.{tag}.dlq"),
            sync: format!("t.{tag}.sync"),
            leader: format!("t.{tag}.leader"),
        }
    }
}

/// Options of an environment.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Extra `GC_…` variables for the connector.
    pub env: Vec<(String, String)>,
    /// Run both simulator nodes (for failover).
    pub two_nodes: bool,
    /// Extra lines for the simulator's TOML configuration (e.g. a generated directory).
    pub sim_toml: String,
}

/// A running simulator.
pub struct Sim {
    child: Child,
    pub control: ControlClient,
    pub primary_rest: String,
    pub primary_xmpp: String,
    pub secondary_rest: Option<String>,
    pub secondary_xmpp: Option<String>,
    pub domain: String,
}

impl Sim {
    pub async fn start(two_nodes: bool) -> Self {
        Self::start_with(two_nodes, "").await
    }

    /// A simulator with extra configuration lines (`directory = { generated = 2000 }` …).
    pub async fn start_with(two_nodes: bool, extra: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("gc-e2e-sim-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("sim.toml");
        let secondary = if two_nodes {
            ""
        } else {
            "[secondary]\nenabled = false\n"
        };
        std::fs::write(
            &config,
            format!("grace_period_secs = 60.0\n{extra}\n{secondary}"),
        )
        .unwrap();
        let mut child = Command::new(binary("finesse-sim"))
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "finesse_sim=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut nodes, mut control, mut domain) = (Vec::new(), None, String::new());
        while control.is_none() {
            let line = tokio::time::timeout(PATIENCE, lines.next_line())
                .await
                .expect("finesse-sim prints its addresses")
                .unwrap()
                .expect("finesse-sim keeps running");
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["control", url, ..] => control = Some((*url).to_owned()),
                [_, "REST", rest, "XMPP", xmpp, "(domain", d] => {
                    nodes.push(((*rest).to_owned(), (*xmpp).to_owned()));
                    d.trim_end_matches(')').clone_into(&mut domain);
                }
                _ => {}
            }
        }
        let control = ControlClient::new(control.unwrap()).unwrap();
        let (primary_rest, primary_xmpp) = nodes[0].clone();
        let secondary = nodes.get(1).cloned();
        Self {
            child,
            control,
            primary_rest,
            primary_xmpp,
            secondary_rest: secondary.as_ref().map(|s| s.0.clone()),
            secondary_xmpp: secondary.map(|s| s.1),
            domain,
        }
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A running connector.
pub struct Connector {
    child: Child,
    pub http: SocketAddr,
}

impl Connector {
    pub async fn start(tag: &str, names: &Names, sim: &Sim, extra: &[(String, String)]) -> Self {
        Self::start_instance(&format!("e2e-{tag}"), names, sim, extra).await
    }

    /// Starts a connector with its own instance id on an environment's broker names (a second
    /// member of a redundant group).
    pub async fn start_instance(
        instance: &str,
        names: &Names,
        sim: &Sim,
        extra: &[(String, String)],
    ) -> Self {
        let connector = Self::spawn(instance, names, sim, extra);
        connector.wait_ready().await;
        connector
    }

    /// Starts a connector without waiting for it to be ready.
    pub fn spawn(instance: &str, names: &Names, sim: &Sim, extra: &[(String, String)]) -> Self {
        Self::spawn_logged(instance, names, sim, extra, None)
    }

    /// Starts a connector whose log (standard error) goes to `log` instead of the test's
    /// output, and waits for it to be ready.
    pub async fn start_logged(
        instance: &str,
        names: &Names,
        sim: &Sim,
        extra: &[(String, String)],
        log: &std::path::Path,
    ) -> Self {
        let connector = Self::spawn_logged(instance, names, sim, extra, Some(log));
        connector.wait_ready().await;
        connector
    }

    fn spawn_logged(
        instance: &str,
        names: &Names,
        sim: &Sim,
        extra: &[(String, String)],
        log: Option<&std::path::Path>,
    ) -> Self {
        let suite_log = match log {
            Some(_) => None,
            None => suite_log(instance, extra),
        };
        let log = log.or(suite_log.as_deref());
        let http = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut command = Command::new(binary("generic-connector"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "RUST_LOG",
                // lapin warns about every returned (unroutable) message with its whole content;
                // the connector counts and rate-limits those itself.
                std::env::var("GC_E2E_LOG").unwrap_or_else(|_| "warn,lapin=error".into()),
            )
            .env("GC_INSTANCE__ID", instance)
            .env("GC_BROKER__URL", amqp_url())
            .env("GC_BROKER__COMMAND_QUEUE", &names.commands)
            .env("GC_BROKER__COMMAND_EXCHANGE", &names.commands)
            .env("GC_BROKER__CLIENTS_EXCHANGE", &names.clients)
            .env("GC_BROKER__EVENTS_EXCHANGE", &names.events)
            .env("GC_BROKER__DEAD_LETTER_QUEUE", &names.dlq)
            .env("GC_BROKER__SYNC_EXCHANGE", &names.sync)
            .env("GC_BROKER__LEADER_QUEUE", &names.leader)
            .env("GC_FINESSE__PRIMARY_URL", &sim.primary_rest)
            .env("GC_FINESSE__PRIMARY_XMPP", &sim.primary_xmpp)
            .env("GC_FINESSE__XMPP_DOMAIN", &sim.domain)
            .env("GC_FINESSE__XMPP_SECURITY", "plain")
            .env("GC_FINESSE__PROBE_INTERVAL_SECS", "1")
            .env("GC_HTTP__LISTEN", http.to_string())
            .env("GC_SHUTDOWN__GRACE_SECS", "3")
            .kill_on_drop(true)
            .stdout(Stdio::null())
            .stderr(match log {
                Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
                None => Stdio::inherit(),
            });
        if let (Some(rest), Some(xmpp)) = (&sim.secondary_rest, &sim.secondary_xmpp) {
            command
                .env("GC_FINESSE__SECONDARY_URL", rest)
                .env("GC_FINESSE__SECONDARY_XMPP", xmpp);
        }
        for (key, value) in extra {
            command.env(key, value);
        }
        let child = command.spawn().unwrap();
        Self { child, http }
    }

    /// Waits for `/readyz` to answer 200.
    pub async fn wait_ready(&self) {
        let url = format!("http://{}/readyz", self.http);
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let client = reqwest_client();
        loop {
            if let Ok(response) = client.get(&url).send().await
                && response.status().is_success()
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the connector did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn metrics(&self) -> String {
        let url = format!("http://{}/metrics", self.http);
        reqwest_client()
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The value of an unlabelled gauge or counter (`gc_leader`, `gc_agents_logged_in` …).
    pub async fn gauge(&self, name: &str) -> Option<i64> {
        let text = self.metrics().await;
        text.lines().find_map(|line| {
            let (key, value) = line.split_once(' ')?;
            (key == name).then(|| value.trim().parse().ok()).flatten()
        })
    }

    /// Waits until the gauge `name` has `value`, or fails after [`PATIENCE`].
    pub async fn wait_gauge(&self, name: &str, value: i64) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if self.gauge(name).await == Some(value) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} did not become {value}: {:?}",
                self.gauge(name).await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Resident memory of the process, in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/<pid>/status")
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("the connector runs")
    }

    /// Waits for the process to exit on its own (or fails after [`PATIENCE`]).
    pub async fn wait_exit(&mut self) -> std::process::ExitStatus {
        tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .expect("the connector exits")
            .unwrap()
    }

    /// SIGKILL: a crash, no shutdown work at all.
    pub async fn kill(mut self) {
        self.child.kill().await.unwrap();
        let _ = self.child.wait().await;
    }

    /// SIGTERM, then waits for the process to exit.
    pub async fn stop(mut self) -> std::process::ExitStatus {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        match tokio::time::timeout(PATIENCE, self.child.wait()).await {
            Ok(status) => status.unwrap(),
            Err(_) => {
                let _ = self.child.kill().await;
                panic!("the connector did not stop on SIGTERM");
            }
        }
    }
}

fn reqwest_client() -> reqwest::Client {
    gc_server::install_crypto_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// One end-to-end environment.
pub struct Env {
    pub tag: String,
    pub names: Names,
    pub sim: Sim,
    pub connector: Option<Connector>,
    pub amqp: Connection,
    pub channel: Channel,
}

/// Properties of a command message.
#[derive(Clone, Debug, Default)]
pub struct Props {
    pub reply_to: Option<String>,
    pub correlation_id: Option<String>,
    pub message_id: Option<String>,
    pub format: Option<String>,
    /// Use the AMQP `type` property instead of the JMSType header.
    pub type_property: bool,
}

impl Env {
    pub async fn start(options: Options) -> Self {
        let tag = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        let names = Names::new(&tag);
        let amqp = connect().await;
        let channel = amqp.create_channel().await.unwrap();
        let sim = Sim::start_with(options.two_nodes, &options.sim_toml).await;
        let connector = Connector::start(&tag, &names, &sim, &options.env).await;
        Self {
            tag,
            names,
            sim,
            connector: Some(connector),
            amqp,
            channel,
        }
    }

    pub fn connector(&self) -> &Connector {
        self.connector.as_ref().expect("the connector runs")
    }

    /// A client destination: a private queue bound to the clients exchange.
    pub async fn client(&self, destination: &str) -> Client {
        self.tap(&self.names.clients, destination).await
    }

    /// A queue bound to an exchange with a routing key (events exchange, DLQ …).
    pub async fn tap(&self, exchange: &str, routing_key: &str) -> Client {
        let channel = self.amqp.create_channel().await.unwrap();
        let queue = channel
            .queue_declare(
                ShortString::from(""),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        channel
            .queue_bind(
                queue.name().clone(),
                ShortString::from(exchange),
                ShortString::from(routing_key),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        Client::consume(channel, queue.name().to_string()).await
    }

    /// A consumer on an existing queue (the dead-letter queue …).
    pub async fn queue(&self, name: &str) -> Client {
        let channel = self.amqp.create_channel().await.unwrap();
        Client::consume(channel, name.to_owned()).await
    }

    /// The client destination name this environment gives an agent's desktop.
    pub fn destination(&self, agent: &str) -> String {
        format!("crm-{agent}-{}", self.tag)
    }

    /// Publishes raw bytes with the given properties to an exchange ("" for the default one).
    pub async fn publish(
        &self,
        exchange: &str,
        routing_key: &str,
        body: &[u8],
        properties: BasicProperties,
    ) {
        self.channel
            .basic_publish(
                ShortString::from(exchange),
                ShortString::from(routing_key),
                BasicPublishOptions::default(),
                body,
                properties,
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }

    /// Messages ready in a queue (not counting deliveries a consumer holds unacked).
    pub async fn ready_count(&self, queue: &str) -> u32 {
        let channel = self.amqp.create_channel().await.unwrap();
        let declared = channel
            .queue_declare(
                ShortString::from(queue),
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        let _ = channel.close(200, "done".into()).await;
        declared.message_count()
    }

    /// A reply queue (for `reply_to`).
    pub async fn reply_queue(&self) -> Client {
        let channel = self.amqp.create_channel().await.unwrap();
        let queue = channel
            .queue_declare(
                ShortString::from(""),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        Client::consume(channel, queue.name().to_string()).await
    }

    /// Sends a command as a JMS client would: JMSType header, body.
    pub async fn send(&self, jms_type: &str, body: &str) {
        self.send_with(jms_type, body.as_bytes(), Props::default())
            .await;
    }

    pub async fn send_with(&self, jms_type: &str, body: &[u8], props: Props) {
        let mut headers = FieldTable::default();
        let mut properties = BasicProperties::default().with_delivery_mode(2);
        if props.type_property {
            properties = properties.with_type(ShortString::from(jms_type));
        } else if !jms_type.is_empty() {
            headers.insert(
                ShortString::from("JMSType"),
                AMQPValue::LongString(jms_type.into()),
            );
        }
        if let Some(format) = &props.format {
            headers.insert(
                ShortString::from("gc-format"),
                AMQPValue::LongString(format.as_str().into()),
            );
        }
        properties = properties.with_headers(headers);
        if let Some(r) = &props.reply_to {
            properties = properties.with_reply_to(ShortString::from(r.as_str()));
        }
        if let Some(c) = &props.correlation_id {
            properties = properties.with_correlation_id(ShortString::from(c.as_str()));
        }
        if let Some(m) = &props.message_id {
            properties = properties.with_message_id(ShortString::from(m.as_str()));
        }
        self.channel
            .basic_publish(
                ShortString::from(""),
                ShortString::from(self.names.commands.as_str()),
                BasicPublishOptions::default(),
                body,
                properties,
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }

    /// Hello, Connect and Login for an agent; returns its client with the login events read.
    pub async fn login(&self, agent: &str, extension: &str) -> Client {
        let destination = format!("crm-{agent}-{}", self.tag);
        let mut client = self.client(&destination).await;
        self.send(&format!("Hello#{destination}"), "").await;
        client.expect("System#IN_SERVICE").await;
        self.send(
            &format!("Connect#{agent}"),
            &format!("{destination},secret"),
        )
        .await;
        self.send(&format!("Login#{agent}"), &format!("secret,{extension}"))
            .await;
        client.until(&format!("{agent}#AgentInfo#")).await;
        client
    }

    /// Hello (with `gc-format` when given), Connect and Login on `destination`; asserts the
    /// System answer and returns the client with nothing read after it.
    pub async fn connect_on(&self, agent: &str, destination: &str, format: Option<&str>) -> Client {
        let mut client = self.client(destination).await;
        let props = Props {
            format: format.map(str::to_owned),
            ..Props::default()
        };
        self.send_with(&format!("Hello#{destination}"), b"", props)
            .await;
        let status = client.text().await;
        assert!(
            status == "System#IN_SERVICE" || status == r#"{"type":"System","status":"IN_SERVICE"}"#,
            "{status}"
        );
        self.send(
            &format!("Connect#{agent}"),
            &format!("{destination},secret"),
        )
        .await;
        client
    }

    /// Stops everything and deletes this environment's broker objects.
    pub async fn stop(mut self) {
        if let Some(connector) = self.connector.take() {
            connector.stop().await;
        }
        // A fresh connection: the environment's own may have been cut (broker restart).
        let connection = connect().await;
        let channel = connection.create_channel().await.unwrap();
        for queue in [&self.names.commands, &self.names.dlq] {
            let _ = channel
                .queue_delete(
                    ShortString::from(queue.as_str()),
                    QueueDeleteOptions::default(),
                )
                .await;
        }
        for exchange in [
            &self.names.commands,
            &self.names.clients,
            &self.names.events,
            &self.names.sync,
        ] {
            let _ = channel
                .exchange_delete(
                    ShortString::from(exchange.as_str()),
                    ExchangeDeleteOptions::default(),
                )
                .await;
        }
        let _ = connection.close(200, "bye".into()).await;
        self.sim.stop().await;
    }
}

/// A received message.
#[derive(Clone, Debug)]
pub struct Received {
    pub body: String,
    pub properties: BasicProperties,
    pub routing_key: String,
    pub exchange: String,
}

impl Received {
    /// The `correlation_id` property.
    pub fn correlation_id(&self) -> Option<&str> {
        self.properties
            .correlation_id()
            .as_ref()
            .map(ShortString::as_str)
    }

    /// The `app_id` property.
    pub fn app_id(&self) -> Option<&str> {
        self.properties.app_id().as_ref().map(ShortString::as_str)
    }

    /// The `content_type` property.
    pub fn content_type(&self) -> Option<&str> {
        self.properties
            .content_type()
            .as_ref()
            .map(ShortString::as_str)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        let headers = self.properties.headers().as_ref()?;
        match headers.inner().get(name)? {
            AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
            AMQPValue::ShortString(s) => Some(s.to_string()),
            other => Some(format!("{other:?}")),
        }
    }
}

/// A consumer on one queue.
pub struct Client {
    pub queue: String,
    consumer: Consumer,
    _channel: Channel,
    /// JSON events validated against docs/schemas, by type ([`schemas`]).
    validated: std::collections::BTreeMap<String, usize>,
}

impl Drop for Client {
    fn drop(&mut self) {
        schemas::record(&self.validated);
    }
}

impl Client {
    async fn consume(channel: Channel, queue: String) -> Self {
        let consumer = channel
            .basic_consume(
                ShortString::from(queue.as_str()),
                ShortString::from(""),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        Self {
            queue,
            consumer,
            _channel: channel,
            validated: std::collections::BTreeMap::new(),
        }
    }

    /// The next message, or a panic after [`PATIENCE`].
    pub async fn next(&mut self) -> Received {
        let delivery = tokio::time::timeout(PATIENCE, self.consumer.next())
            .await
            .unwrap_or_else(|_| panic!("nothing arrived on {} within {PATIENCE:?}", self.queue))
            .expect("the consumer is open")
            .expect("a delivery");
        let _ = delivery.acker.ack(BasicAckOptions::default()).await;
        let received = Received {
            body: String::from_utf8_lossy(&delivery.data).into_owned(),
            properties: delivery.properties,
            routing_key: delivery.routing_key.to_string(),
            exchange: delivery.exchange.to_string(),
        };
        // Every JSON event is checked against its schema (tests/support/schemas.rs).
        if let Some(kind) = schemas::check_delivery(
            &self.queue,
            received.content_type(),
            received.header("x-gc-reason").is_some(),
            &received.body,
        ) {
            *self.validated.entry(kind).or_default() += 1;
        }
        received
    }

    /// The next message body.
    pub async fn text(&mut self) -> String {
        self.next().await.body
    }

    /// Asserts the next message body.
    pub async fn expect(&mut self, expected: &str) {
        let got = self.text().await;
        assert_eq!(got, expected);
    }

    /// Reads messages until one contains `fragment`; returns it (the earlier ones are dropped).
    pub async fn until(&mut self, fragment: &str) -> String {
        loop {
            let body = self.text().await;
            // Shown with the test's output when it fails.
            println!("{}: {body}", self.queue);
            if body.contains(fragment) {
                return body;
            }
        }
    }

    /// Asserts the next messages' bodies, in order.
    pub async fn expect_seq<S: AsRef<str>>(&mut self, expected: &[S]) {
        for (i, e) in expected.iter().enumerate() {
            let got = self.text().await;
            assert_eq!(got, e.as_ref(), "message {i} on {}", self.queue);
        }
    }

    /// The next message body parsed as JSON.
    pub async fn json(&mut self) -> serde_json::Value {
        let body = self.text().await;
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
    }

    /// Reads messages until one satisfies `pred`; returns it.
    pub async fn until_msg(&mut self, pred: impl Fn(&Received) -> bool) -> Received {
        loop {
            let m = self.next().await;
            println!("{}: {}", self.queue, m.body);
            if pred(&m) {
                return m;
            }
        }
    }

    /// Whether nothing arrives within `wait`.
    pub async fn quiet(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.consumer.next())
            .await
            .is_err()
    }
}

/// Replaces every `yyyy-MM-dd HH:mm:ss` time in `text` by `<time>` (call start and state change
/// times come from the simulator's clock).
pub fn masked(text: &str) -> String {
    fn is_time(b: &[u8]) -> bool {
        b.len() == 19
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b' ',
                13 | 16 => *c == b':',
                _ => c.is_ascii_digit(),
            })
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if i + 19 <= bytes.len() && is_time(&bytes[i..i + 19]) {
            out.push_str("<time>");
            i += 19;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The legacy call variables text: `callVariable1` to `callVariable10`, with the given values.
pub fn vars(values: &[(usize, &str)]) -> String {
    (1..=10)
        .map(|i| {
            let value = values.iter().find(|(n, _)| *n == i).map_or("", |(_, v)| *v);
            format!("callVariable{i}={value}")
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// Whether `actual` has every member of `expected`: objects recursively, arrays element by
/// element (same length), anything else equal.
pub fn json_contains(actual: &serde_json::Value, expected: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| json_contains(av, v))),
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(av, ev)| json_contains(av, ev))
        }
        _ => actual == expected,
    }
}

/// An agent's desktop: its destination queue and a tap on `gc.events` for the agent's events
/// (routing key `*.<agent>`).
pub struct Desk {
    pub agent: String,
    pub destination: String,
    pub client: Client,
    pub events: Client,
}

impl Desk {
    /// Asserts the next event on the destination (legacy text, times masked) and the same event
    /// on the events exchange: JSON containing `json`, routing key `<category>.<agent>`, header
    /// `category` = that category.
    pub async fn expect(&mut self, legacy: &str, json: serde_json::Value) {
        let got = self.client.text().await;
        assert_eq!(masked(&got), legacy, "on {}", self.destination);
        self.expect_event(json).await;
    }

    /// Asserts the next event on the events exchange only.
    pub async fn expect_event(&mut self, json: serde_json::Value) -> Received {
        let event = self.events.next().await;
        let value: serde_json::Value = serde_json::from_str(&event.body)
            .unwrap_or_else(|e| panic!("gc.events carries JSON ({e}): {}", event.body));
        assert!(
            json_contains(&value, &json),
            "gc.events: {value}\ndoes not contain {json}"
        );
        let category = event.header("category").expect("header category");
        assert_eq!(
            event.routing_key,
            format!("{category}.{}", self.agent),
            "routing key of {value}"
        );
        event
    }

    /// Asserts the next events on the destination only (legacy text, times masked).
    pub async fn expect_seq<S: AsRef<str>>(&mut self, expected: &[S]) {
        for e in expected {
            let got = self.client.text().await;
            assert_eq!(masked(&got), e.as_ref(), "on {}", self.destination);
        }
    }

    /// Skips events until one containing `fragment` (masked text returned).
    pub async fn until(&mut self, fragment: &str) -> String {
        masked(&self.client.until(fragment).await)
    }
}

impl Env {
    /// Hello, Connect and Login of `agent` on extension `extension` from its own legacy
    /// destination, asserting the exact login answer (State NOT_READY, AgentInfo …).
    pub async fn desk(&self, agent: &str, extension: &str) -> Desk {
        let destination = self.destination(agent);
        let events = self.tap(&self.names.events, &format!("*.{agent}")).await;
        let client = self.connect_on(agent, &destination, None).await;
        self.send(&format!("Login#{agent}"), &format!("secret,{extension}"))
            .await;
        let mut desk = Desk {
            agent: agent.to_owned(),
            destination,
            client,
            events,
        };
        let (first, last, supervisor) = directory_name(agent);
        let full = format!("{first} {last}");
        let wrap_up = if supervisor { "OPTIONAL" } else { "REQUIRED" };
        desk.expect(
            &format!("{agent}#State#NOT_READY##{full}"),
            serde_json::json!({"type": "State", "agentId": agent, "state": "NOT_READY"}),
        )
        .await;
        desk.expect(
            &format!("{agent}#AgentInfo#{first}#{last}#{supervisor}#{wrap_up}#{full}"),
            serde_json::json!({"type": "AgentInfo", "agentId": agent, "firstName": first, "supervisor": supervisor}),
        )
        .await;
        desk
    }

    /// A barrier: GetState of a logged-in agent, answered with `expected_state` on its desk.
    /// Everything published for the agent before it has been read once this returns.
    pub async fn sync_state(&self, desk: &mut Desk, expected: &str) {
        self.send(&format!("GetState#{}", desk.agent), "").await;
        let line = desk.client.text().await;
        assert_eq!(
            masked(&line),
            expected,
            "GetState barrier on {}",
            desk.destination
        );
        let _ = desk.events.next().await;
    }
}

/// First name, last name and supervisor flag of the simulator's default directory.
pub fn directory_name(agent: &str) -> (&'static str, &'static str, bool) {
    match agent {
        "1001" => ("Maria", "Meier", false),
        "1002" => ("Jonas", "Weber", false),
        "1003" => ("Aisha", "Khan", false),
        "1004" => ("Lukas", "Schmidt", false),
        "1005" => ("Sofia", "Rossi", false),
        "1006" => ("Daniel", "Novak", false),
        "1007" => ("Emma", "Laurent", false),
        "1008" => ("Tomasz", "Kowalski", false),
        "2001" => ("Sabine", "Hoffmann", true),
        other => panic!("agent {other} is not in the default directory"),
    }
}

/// A TCP listener that accepts and never answers: a Finesse REST or XMPP service that hangs.
/// Connections are held open until the task is dropped with the test.
pub async fn black_hole() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (addr, task)
}
