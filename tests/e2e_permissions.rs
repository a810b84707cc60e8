//! End to end, broker permissions as a second wall (docs/operations.md, "Broker permissions";
//! deploy/rabbitmq-definitions.secure.json): on the default node, this test creates a connector
//! user and two client users with unique names (rabbitmqctl add_user, set_permissions,
//! set_topic_permissions) whose permissions cover this test's own exchange and queue names, runs
//! the real connector (redundancy on: leader lock and ConnectorSync) as the connector user, and
//! shows over real AMQP connections that a client user
//! * can bind its own destination's routing key on the clients exchange, publish a command to
//!   the command exchange and read the answer on its destination;
//! * cannot bind another desk's routing key (or `#`) on the clients exchange, publish to
//!   ConnectorSync, the clients or events exchange or the default exchange, bind to
//!   ConnectorSync or the events exchange, declare the leader lock or consume the command queue
//!   (ACCESS_REFUSED each time).
//!
//! The users are deleted afterwards, even when the test fails. RabbitMQ must answer on
//! `GC_AMQP_URL` (default 127.0.0.1:5672) and `rabbitmqctl` must reach its node: the test fails,
//! never skips, otherwise.

// Helpers outside #[test] functions build fixtures; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, ExchangeDeleteOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ErrorKind};
use support::{Connector, Names, PATIENCE, Sim, connect};
use tokio::process::Command;

/// The broker names the permissions are about (deploy/generic-connector.toml's `[broker]`).
#[derive(Debug)]
struct Topology {
    commands_exchange: String,
    commands_queue: String,
    clients_exchange: String,
    events_exchange: String,
    dead_letter_queue: String,
    sync_exchange: String,
    leader_queue: String,
}

impl Topology {
    /// The defaults, as in deploy/rabbitmq-definitions.secure.json.
    fn defaults() -> Self {
        Self {
            commands_exchange: "gc.commands".into(),
            commands_queue: "gc.commands".into(),
            clients_exchange: "gc.clients".into(),
            events_exchange: "gc.events".into(),
            dead_letter_queue: "gc.commands.dlq".into(),
            sync_exchange: "ConnectorSync".into(),
            leader_queue: "gc.leader".into(),
        }
    }

    fn of(names: &Names) -> Self {
        Self {
            commands_exchange: names.commands.clone(),
            commands_queue: names.commands.clone(),
            clients_exchange: names.clients.clone(),
            events_exchange: names.events.clone(),
            dead_letter_queue: names.dlq.clone(),
            sync_exchange: names.sync.clone(),
            leader_queue: names.leader.clone(),
        }
    }
}

/// Server-named queues (`queue.declare` with an empty name): the connector's ConnectorSync
/// queue and the clients' destination queues, all exclusive.
const SERVER_NAMED: &str = r"amq\.gen-.*";
/// The default exchange: the connector answers `reply_to` and dead-letters through it.
const DEFAULT_EXCHANGE: &str = r"amq\.default";

/// A name as a regular expression matching exactly it.
fn literal(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if r"\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `^(a|b|…)$`, each alternative once.
fn any_of(alternatives: &[String]) -> String {
    let mut unique: Vec<&str> = Vec::new();
    for a in alternatives {
        if !unique.contains(&a.as_str()) {
            unique.push(a);
        }
    }
    format!("^({})$", unique.join("|"))
}

/// configure, write, read (rabbitmqctl set_permissions).
#[derive(Debug, PartialEq, Eq)]
struct Permissions {
    configure: String,
    write: String,
    read: String,
}

/// The connector: declares, binds, consumes and publishes on all of its names.
fn connector_permissions(t: &Topology) -> Permissions {
    let mut names: Vec<String> = [
        &t.commands_exchange,
        &t.commands_queue,
        &t.clients_exchange,
        &t.events_exchange,
        &t.dead_letter_queue,
        &t.sync_exchange,
        &t.leader_queue,
    ]
    .iter()
    .map(|n| literal(n))
    .collect();
    names.push(SERVER_NAMED.to_owned());
    let all = any_of(&names);
    names.push(DEFAULT_EXCHANGE.to_owned());
    Permissions {
        configure: all.clone(),
        write: any_of(&names),
        read: all,
    }
}

/// A client (CRM desk): declares only server-named queues; writes to the command exchange
/// (and binds its own queues); reads the clients exchange (to bind) and its own queues.
fn client_permissions(t: &Topology) -> Permissions {
    Permissions {
        configure: format!("^{SERVER_NAMED}$"),
        write: any_of(&[literal(&t.commands_exchange), SERVER_NAMED.to_owned()]),
        read: any_of(&[literal(&t.clients_exchange), SERVER_NAMED.to_owned()]),
    }
}

/// exchange, write, read (rabbitmqctl set_topic_permissions) of a client: on the clients
/// exchange it may bind only its own routing key, i.e. its username, and publish nothing.
fn client_topic_permissions(t: &Topology) -> [String; 3] {
    [
        t.clients_exchange.clone(),
        "^$".to_owned(),
        "^{username}$".to_owned(),
    ]
}

fn rabbitmqctl_path() -> String {
    if let Ok(path) = std::env::var("GC_RABBITMQCTL") {
        return path;
    }
    if std::path::Path::new("/usr/sbin/rabbitmqctl").exists() {
        "/usr/sbin/rabbitmqctl".into()
    } else {
        "rabbitmqctl".into()
    }
}

/// Runs rabbitmqctl against the default node; fails the test when it fails.
async fn rabbitmqctl(args: &[&str]) {
    let output = tokio::time::timeout(
        Duration::from_mins(1),
        Command::new(rabbitmqctl_path())
            .arg("-q")
            .args(args)
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("rabbitmqctl {args:?} did not answer within 60 s"))
    .unwrap_or_else(|e| panic!("cannot run rabbitmqctl ({e}); it comes with rabbitmq-server"));
    assert!(
        output.status.success(),
        "rabbitmqctl {args:?} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The users of one test run; dropping it deletes them from the broker.
struct Users {
    connector: String,
    desk_a: String,
    desk_b: String,
    password: String,
    deleted: bool,
}

impl Users {
    async fn create(tag: &str, t: &Topology) -> Self {
        let users = Self {
            connector: format!("gcp-{tag}-connector"),
            desk_a: format!("gcp-{tag}-desk-a"),
            desk_b: format!("gcp-{tag}-desk-b"),
            password: uuid::Uuid::new_v4().simple().to_string(),
            deleted: false,
        };
        let setup = |user: String, permissions: Permissions, topic: Option<[String; 3]>| {
            let password = users.password.clone();
            async move {
                rabbitmqctl(&["add_user", &user, &password]).await;
                rabbitmqctl(&[
                    "set_permissions",
                    "-p",
                    "/",
                    &user,
                    &permissions.configure,
                    &permissions.write,
                    &permissions.read,
                ])
                .await;
                if let Some([exchange, write, read]) = topic {
                    rabbitmqctl(&[
                        "set_topic_permissions",
                        "-p",
                        "/",
                        &user,
                        &exchange,
                        &write,
                        &read,
                    ])
                    .await;
                }
            }
        };
        // Each rabbitmqctl call costs about a second: the three users in parallel.
        tokio::join!(
            setup(users.connector.clone(), connector_permissions(t), None),
            setup(
                users.desk_a.clone(),
                client_permissions(t),
                Some(client_topic_permissions(t))
            ),
            setup(
                users.desk_b.clone(),
                client_permissions(t),
                Some(client_topic_permissions(t))
            ),
        );
        users
    }

    fn url(&self, user: &str) -> String {
        let default = support::amqp_url();
        let rest = default
            .split_once('@')
            .map_or("127.0.0.1:5672/%2f", |(_, rest)| rest);
        format!("amqp://{user}:{}@{rest}", self.password)
    }

    async fn delete(mut self) {
        let delete = |user: String| async move { rabbitmqctl(&["delete_user", &user]).await };
        tokio::join!(
            delete(self.connector.clone()),
            delete(self.desk_a.clone()),
            delete(self.desk_b.clone()),
        );
        self.deleted = true;
    }
}

impl Drop for Users {
    fn drop(&mut self) {
        if !self.deleted {
            // The test failed halfway: do not leave users behind.
            for user in [&self.connector, &self.desk_a, &self.desk_b] {
                let _ = std::process::Command::new(rabbitmqctl_path())
                    .args(["-q", "delete_user", user])
                    .stdin(Stdio::null())
                    .output();
            }
        }
    }
}

async fn connect_as(url: &str) -> Connection {
    tokio::time::timeout(
        PATIENCE,
        Connection::connect(url, ConnectionProperties::default()),
    )
    .await
    .expect("connect within PATIENCE")
    .expect("the user logs in")
}

fn reply_code(err: &lapin::Error) -> Option<u16> {
    match err.kind() {
        ErrorKind::ProtocolError(amqp) => Some(amqp.get_id()),
        _ => None,
    }
}

/// Asserts that `result` is the broker's ACCESS_REFUSED (403).
fn assert_refused<T: std::fmt::Debug>(what: &str, result: Result<T, lapin::Error>) {
    match result {
        Err(err) => {
            println!("refused as expected: {what}: {err}");
            assert_eq!(
                reply_code(&err),
                Some(403),
                "{what}: expected ACCESS_REFUSED, got {err}"
            );
        }
        Ok(value) => {
            panic!("{what}: expected ACCESS_REFUSED, but the broker allowed it ({value:?})")
        }
    }
}

/// A fresh channel: a refusal closes the channel it happened on.
async fn channel(connection: &Connection) -> Channel {
    connection.create_channel().await.unwrap()
}

/// An exclusive server-named queue on a fresh channel.
async fn own_queue(connection: &Connection) -> (Channel, String) {
    let channel = channel(connection).await;
    let queue = channel
        .queue_declare(
            ShortString::from(""),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("a client declares a server-named queue");
    (channel, queue.name().to_string())
}

async fn bind(channel: &Channel, queue: &str, exchange: &str, key: &str) -> lapin::Result<()> {
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
}

/// Binds a new queue of `connection` to `exchange` with `key`.
async fn bind_new(connection: &Connection, exchange: &str, key: &str) -> lapin::Result<()> {
    let (channel, queue) = own_queue(connection).await;
    bind(&channel, &queue, exchange, key).await
}

/// Publishes a command (JMSType header, as a JMS client does) with a publisher confirm on a
/// fresh channel. A refused publish closes the channel: the confirm (or, should the confirm
/// already be settled, the next synchronous method) reports the broker's error.
async fn publish(
    connection: &Connection,
    exchange: &str,
    key: &str,
    jms_type: &str,
) -> lapin::Result<()> {
    let channel = channel(connection).await;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let mut headers = FieldTable::default();
    headers.insert(
        ShortString::from("JMSType"),
        AMQPValue::LongString(jms_type.into()),
    );
    let confirm = channel
        .basic_publish(
            exchange.into(),
            key.into(),
            BasicPublishOptions::default(),
            b"",
            BasicProperties::default().with_headers(headers),
        )
        .await?;
    let confirmation = tokio::time::timeout(PATIENCE, confirm)
        .await
        .expect("the publish is settled")?;
    assert!(confirmation.is_ack(), "{confirmation:?}");
    // A round trip on the same channel: if the publish was refused, the channel is closed.
    channel
        .queue_declare(
            ShortString::from(""),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map(drop)
}

#[test]
fn the_deploy_definitions_grant_what_this_test_proves() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/rabbitmq-definitions.secure.json"
    );
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let defaults = Topology::defaults();
    let permissions = |user: &str| {
        let entry = file["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["user"] == user)
            .unwrap_or_else(|| panic!("no permissions for {user}"));
        assert_eq!(entry["vhost"], "/");
        Permissions {
            configure: entry["configure"].as_str().unwrap().to_owned(),
            write: entry["write"].as_str().unwrap().to_owned(),
            read: entry["read"].as_str().unwrap().to_owned(),
        }
    };
    assert_eq!(
        permissions("gc-connector"),
        connector_permissions(&defaults)
    );
    let users: Vec<&str> = file["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    let clients: Vec<&str> = users
        .iter()
        .copied()
        .filter(|u| *u != "gc-connector")
        .collect();
    assert!(!clients.is_empty());
    for client in clients {
        assert_eq!(
            permissions(client),
            client_permissions(&defaults),
            "{client}"
        );
        let topic: Vec<&serde_json::Value> = file["topic_permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["user"] == client)
            .collect();
        assert_eq!(topic.len(), 1, "{client} has one topic permission");
        let [exchange, write, read] = client_topic_permissions(&defaults);
        assert_eq!(topic[0]["vhost"], "/");
        assert_eq!(topic[0]["exchange"], exchange.as_str());
        assert_eq!(topic[0]["write"], write.as_str());
        assert_eq!(topic[0]["read"], read.as_str());
    }
    // The topology is the one of the plain definitions file.
    let plain: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/rabbitmq-definitions.json"
        ))
        .unwrap(),
    )
    .unwrap();
    for key in ["queues", "exchanges", "bindings"] {
        assert_eq!(file[key], plain[key], "{key}");
    }
}

#[test]
fn literal_escapes_regex_metacharacters() {
    assert_eq!(literal("t.ab12.commands"), r"t\.ab12\.commands");
    assert_eq!(literal("ConnectorSync"), "ConnectorSync");
    assert_eq!(literal("a(b)*"), r"a\(b\)\*");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_user_reaches_only_its_own_destination() {
    // Fails here, never skips, when RabbitMQ is unreachable.
    let admin = connect().await;
    let tag = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let names = Names {
        commands: format!("t.{tag}.commands"),
        clients: format!("t.{tag}.clients"),
        events: format!("t.{tag}.events"),
        dlq: format!("t.{tag}.dlq"),
        sync: format!("t.{tag}.sync"),
        leader: format!("t.{tag}.leader"),
    };
    let topology = Topology::of(&names);
    let users = Users::create(&tag, &topology).await;

    // The connector, as the connector user, declares its topology, takes the leader lock and
    // binds its ConnectorSync queue.
    let sim = Sim::start(false).await;
    let key: [u8; 32] = rand::random();
    let connector = Connector::start(
        &tag,
        &names,
        &sim,
        &[
            ("GC_BROKER__URL".into(), users.url(&users.connector)),
            ("GC_REDUNDANCY__ENABLED".into(), "true".into()),
            (
                "GC_REDUNDANCY__SYNC_KEY".into(),
                base64::engine::general_purpose::STANDARD.encode(key),
            ),
        ],
    )
    .await;
    connector.wait_gauge("gc_leader", 1).await;

    // Desk A binds its own destination (its username) and sends a command.
    let desk_a = connect_as(&users.url(&users.desk_a)).await;
    let (channel_a, queue_a) = own_queue(&desk_a).await;
    bind(&channel_a, &queue_a, &names.clients, &users.desk_a)
        .await
        .expect("a desk binds its own destination's routing key");
    let mut consumer = channel_a
        .basic_consume(
            queue_a.as_str().into(),
            ShortString::from(""),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("a desk consumes its own queue");
    publish(
        &desk_a,
        &names.commands,
        &users.desk_a,
        &format!("Hello#{}", users.desk_a),
    )
    .await
    .expect("a desk publishes a command to the command exchange");
    let answer = tokio::time::timeout(PATIENCE, consumer.next())
        .await
        .expect("an answer on the desk's destination")
        .expect("the consumer is open")
        .expect("a delivery");
    assert_eq!(String::from_utf8_lossy(&answer.data), "System#IN_SERVICE");

    // Desk B may bind its own destination too: {username} is expanded per user.
    let desk_b = connect_as(&users.url(&users.desk_b)).await;
    bind_new(&desk_b, &names.clients, &users.desk_b)
        .await
        .expect("desk B binds its own destination's routing key");

    // What desk A must not do.
    assert_refused(
        "bind another desk's routing key on the clients exchange",
        bind_new(&desk_a, &names.clients, &users.desk_b).await,
    );
    assert_refused(
        "bind every routing key (#) on the clients exchange",
        bind_new(&desk_a, &names.clients, "#").await,
    );
    assert_refused(
        "publish to ConnectorSync",
        publish(&desk_a, &names.sync, "", "Hello#x").await,
    );
    assert_refused(
        "publish to its own destination on the clients exchange (spoof an event)",
        publish(&desk_a, &names.clients, &users.desk_a, "System#IN_SERVICE").await,
    );
    assert_refused(
        "publish to the events exchange",
        publish(&desk_a, &names.events, "agent_state", "x").await,
    );
    assert_refused(
        "publish through the default exchange (into any queue by name)",
        publish(&desk_a, "", &names.commands, "Hello#x").await,
    );
    assert_refused(
        "bind to ConnectorSync",
        bind_new(&desk_a, &names.sync, "").await,
    );
    assert_refused(
        "bind to the events exchange",
        bind_new(&desk_a, &names.events, "#").await,
    );
    assert_refused(
        "declare the leader lock",
        async {
            channel(&desk_a)
                .await
                .queue_declare(
                    names.leader.as_str().into(),
                    QueueDeclareOptions {
                        exclusive: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await
                .map(drop)
        }
        .await,
    );
    assert_refused(
        "consume the command queue",
        async {
            channel(&desk_a)
                .await
                .basic_consume(
                    names.commands.as_str().into(),
                    ShortString::from(""),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map(drop)
        }
        .await,
    );
    // The refusals closed channels only: desk A's connection and its destination still work.
    publish(
        &desk_a,
        &names.commands,
        &users.desk_a,
        &format!("Beat#{}", users.desk_a),
    )
    .await
    .expect("desk A still publishes commands");

    let _ = desk_a.close(200, "bye".into()).await;
    let _ = desk_b.close(200, "bye".into()).await;
    connector.stop().await;
    sim.stop().await;
    let cleanup = admin.create_channel().await.unwrap();
    for queue in [&names.commands, &names.dlq] {
        let _ = cleanup
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    for exchange in [&names.commands, &names.clients, &names.events, &names.sync] {
        let _ = cleanup
            .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
    let _ = admin.close(200, "bye".into()).await;
    users.delete().await;
}
