//! Cluster tests beside the node-loss run of tests/e2e_cluster.rs, on the same three-node
//! RabbitMQ cluster (scripts/rabbitmq-cluster, started by the tests): two connector groups
//! (one per Finesse cluster) without cross-talk, and the quorum queue's delivery limit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use base64::Engine as _;
use lapin::BasicProperties;
use lapin::options::BasicPublishOptions;
use lapin::types::{AMQPValue, FieldTable};
use support::desks::{Desks, cleanup, member, tap, until};
use support::{Connector, Names, Sim, cluster};
use tokio::time::Instant;

/// Two connector groups, one per Finesse cluster (two simulators with the same agents), on
/// the same RabbitMQ cluster: each with its own command queue, clients exchange, leader lock
/// and ConnectorSync, sharing the events exchange. The same agent id and the same destination
/// name in both: a command to one group reaches only its Finesse and its desk, and every event
/// on the shared exchange says which group published it (header `gc-group`, JSON field `group`,
/// `app_id` the group's instance), as does a JSON event on a client destination.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_connector_groups_share_the_cluster_without_cross_talk() {
    let urls = cluster::start().await;
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let shared_events = format!("t.grp-{tag}.events");
    let key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>());
    let mut groups = Vec::new();
    for group in ["fin-east", "fin-west"] {
        let mut names = Names::new(&format!("grp-{tag}-{group}"));
        names.events.clone_from(&shared_events);
        let sim = Sim::start(false).await;
        let mut settings = member(&urls, [3, 1, 2], &key);
        settings.push(("GC_INSTANCE__GROUP".into(), group.into()));
        let instance = format!("grp-{tag}-{group}-a");
        let connector = Connector::start_instance(&instance, &names, &sim, &settings).await;
        connector.wait_gauge("gc_leader", 1).await;
        groups.push((group, names, sim, connector, instance));
    }
    let events = tap(&urls[2], &shared_events).await;
    // The same destination name in both groups: each group has its own clients exchange.
    let destination = format!("desk-{tag}");
    let json_destination = format!("json-{tag}");
    let mut desks = Vec::new();
    let mut clients = Vec::new();
    for (_, names, ..) in &groups {
        clients.push(tap(&urls[2], &names.clients).await);
        let desk = Desks::open(&urls[2], names, std::slice::from_ref(&destination)).await;
        hello_json(&desk, names, &json_destination).await;
        desk.send(&format!("Hello#{destination}"), "", None).await;
        desk.send("Connect#1001", &format!("{destination},secret"), None)
            .await;
        desk.send("Login#1001", "secret,3001", None).await;
        until(Duration::from_secs(30), "1001 NOT_READY", || async {
            desk.texts_containing("1001#State#NOT_READY") == 1
        })
        .await;
        desks.push(desk);
    }

    // A command to the east group only.
    desks[0].send("MakeReady#1001", "", Some(1)).await;
    until(
        Duration::from_secs(30),
        "the east desk's answer",
        || async { desks[0].seen.lock().unwrap().answered.contains_key(&1) },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let east = groups[0].2.control.agent_state("1001").await.unwrap();
    let west = groups[1].2.control.agent_state("1001").await.unwrap();
    assert_eq!(east.state, "READY", "east Finesse ran the command");
    assert_eq!(west.state, "NOT_READY", "west Finesse did not");
    assert!(
        desks[1].seen.lock().unwrap().answered.is_empty()
            && desks[1].texts_containing("#State#READY") == 0,
        "the west desk saw nothing of the east command"
    );
    assert_eq!(desks[0].texts_containing("1001#State#NOT_READY"), 1);

    // On the shared exchange: every event names its group (header, JSON field, app_id), and
    // the READY came from east.
    let seen = events.lock().unwrap().clone();
    assert!(!seen.is_empty(), "events on the shared exchange");
    for (routing_key, app_id, group, body) in &seen {
        let (_, _, _, _, instance) = groups
            .iter()
            .find(|g| g.0 == group)
            .unwrap_or_else(|| panic!("event without a known gc-group: {routing_key} {body}"));
        assert_eq!(app_id, instance, "app_id is the group's instance");
        assert_eq!(
            json_group(body).as_deref(),
            Some(group.as_str()),
            "the JSON field `group` of {routing_key}: {body}"
        );
        support::schemas::validate(body).unwrap_or_else(|why| panic!("{why}: {body}"));
    }
    for group in ["fin-east", "fin-west"] {
        assert!(
            seen.iter().any(|e| e.2 == group),
            "no event from {group} on the shared exchange"
        );
    }
    // On each group's clients exchange: the JSON destination's System event names its group;
    // the legacy text does not change.
    for ((group, ..), tapped) in groups.iter().zip(&clients) {
        let tapped = tapped.lock().unwrap().clone();
        let system = tapped
            .iter()
            .find(|e| e.0 == json_destination && e.3.contains("\"System\""))
            .unwrap_or_else(|| panic!("no JSON System event on {group}'s clients: {tapped:?}"));
        assert_eq!(json_group(&system.3).as_deref(), Some(*group), "{system:?}");
        assert_eq!(&system.2, group, "header gc-group");
        assert!(
            tapped
                .iter()
                .filter(|e| e.0 == destination)
                .all(|e| !e.3.contains("fin-")),
            "a legacy text carries no group"
        );
    }
    let ready: Vec<&String> = seen
        .iter()
        .filter(|e| e.3.contains("\"READY\""))
        .map(|e| &e.2)
        .collect();
    assert_eq!(ready, ["fin-east"], "one READY event, from east: {seen:?}");
    println!(
        "two groups: {} events on the shared exchange, each with its group; no cross-talk",
        seen.len()
    );

    for (_, names, sim, connector, _) in groups {
        connector.stop().await;
        sim.stop().await;
        cleanup(&urls[2], &names).await;
    }
}

/// Registers `destination` with `gc-format: json` (Hello), so its events come as JSON.
async fn hello_json(desk: &Desks, names: &Names, destination: &str) {
    let mut headers = FieldTable::default();
    headers.insert(
        "JMSType".into(),
        AMQPValue::LongString(format!("Hello#{destination}").into()),
    );
    headers.insert("gc-format".into(), AMQPValue::LongString("json".into()));
    let confirm = desk
        .channel
        .basic_publish(
            "".into(),
            names.commands.as_str().into(),
            BasicPublishOptions::default(),
            b"",
            BasicProperties::default()
                .with_delivery_mode(2)
                .with_headers(headers),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(confirm.is_ack(), "Hello confirmed");
}

/// The JSON field `group` of an event (in its object, or in the one object of `[{…}]`).
fn json_group(body: &str) -> Option<String> {
    let event: serde_json::Value = serde_json::from_str(body).ok()?;
    let object = if event.is_array() {
        event.get(0)?
    } else {
        &event
    };
    Some(object.get("group")?.as_str()?.to_owned())
}

/// The broker's second guard on the cluster: a command that fails every time (the consumer
/// puts it back each time, as one whose channel the message closes would) is moved to the
/// dead-letter queue by the quorum queue itself once `delivery_limit` deliveries are spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_failing_every_time_reaches_the_dead_letter_queue_on_the_cluster() {
    let urls = cluster::start().await;
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let names = Names::new(&format!("dl-{tag}"));
    let limit = 4;
    let secret = |url: &String| secrecy::SecretString::from(url.clone());
    let config = gc_broker::BrokerConfig {
        uri: secret(&urls[1]),
        cluster_uris: vec![secret(&urls[2]), secret(&urls[0])],
        queue_type: gc_broker::QueueType::Quorum,
        delivery_limit: Some(limit),
        instance_id: format!("dl-{tag}"),
        commands_queue: names.commands.clone(),
        commands_exchange: names.commands.clone(),
        clients_exchange: names.clients.clone(),
        events_exchange: names.events.clone(),
        dead_letter_queue: names.dlq.clone(),
        sync_exchange: names.sync.clone(),
        leader_lock_queue: None,
        ..gc_broker::BrokerConfig::default()
    };
    let (broker, mut rx) = gc_broker::Broker::start(config).await.unwrap();
    let desks = Desks::open(&urls[2], &names, &[]).await;
    desks.send("Poison#1001", "fails every time", Some(7)).await;

    let sent = Instant::now();
    let mut deliveries = 0;
    loop {
        assert!(
            sent.elapsed() < Duration::from_mins(1),
            "no dead-lettered copy after {deliveries} deliveries"
        );
        while let Ok(event) = rx.try_recv() {
            if let gc_broker::BrokerEvent::Command(command) = event {
                deliveries += 1;
                broker.requeue(command.token).await;
            }
        }
        let got = desks
            .channel
            .basic_get(
                names.dlq.as_str().into(),
                lapin::options::BasicGetOptions { no_ack: true },
            )
            .await
            .ok()
            .flatten();
        if got.is_some_and(|m| m.delivery.data == b"fails every time") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let dead_lettered = sent.elapsed();
    println!(
        "on the cluster: delivered {deliveries} times, then dead-lettered by the quorum queue \
         (delivery_limit {limit}), {:.2} s after it was sent",
        dead_lettered.as_secs_f64()
    );
    assert!(
        (limit..=limit + 1).contains(&deliveries),
        "{deliveries} deliveries for a limit of {limit}"
    );
    assert_eq!(broker.stats().dead_lettered, 0, "the broker did it");
    broker.shutdown().await;
    cleanup(&urls[2], &names).await;
}
