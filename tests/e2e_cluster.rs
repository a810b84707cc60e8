//! End to end on a three-node RabbitMQ cluster (scripts/rabbitmq-cluster, 127.0.0.1:5681-5683,
//! started by the test itself): a redundant pair of connectors with quorum queues and the
//! simulator, agents logged in and commands flowing at a fixed rate, while the node leading
//! the command queue's Raft group is stopped, and then the node the connector leader is
//! connected to. Asserted: no command lost, none executed twice at Finesse (the simulator's
//! request log), every desk keeps its agent, a member on a running node takes the lock, and
//! events resume (a generous bound; the measured values are printed).
//!
//! Size: `GC_CLUSTER_AGENTS` (default 100) and `GC_CLUSTER_RATE` commands/s (default 20) keep
//! CI modest; `GC_CLUSTER_AGENTS=500 GC_CLUSTER_RATE=100` is the size of issue 15.
//!
//! Layout, so that each stop hits what it is meant to: the command queue is declared through
//! node 1 (its Raft leader starts there), connector B starts first on node 2 (it leads), A on
//! node 1; the test client uses node 3, which is never stopped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Figures for the report: counts become f64 and back.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::type_complexity
)]

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use lapin::options::QueueDeclareOptions;
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection, ConnectionProperties};
use support::desks::{Desks, broker_node, cleanup, member, until};
use support::{Connector, Names, Sim, cluster};
use tokio::time::Instant;

/// A generous bound on recovery after a node stops (an invariant, not a speed claim).
const RECOVERY_BOUND: Duration = Duration::from_mins(1);

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Declares the command queue through node 1 with the arguments the connector uses (so the
/// connector's own declare is a no-op): its Raft leader starts on node 1.
async fn declare_command_queue(channel: &Channel, names: &Names) {
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    args.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
    args.insert("x-delivery-limit".into(), AMQPValue::LongLongInt(20));
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString("".into()),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(names.dlq.as_str().into()),
    );
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(names.commands.as_str().into(), durable, args)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redundant_pair_on_quorum_queues_survives_the_loss_of_a_node_twice() {
    let agents = knob("GC_CLUSTER_AGENTS", 100).max(2);
    let rate = knob("GC_CLUSTER_RATE", 20).max(1);
    let urls = cluster::start().await;
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let names = Names::new(&format!("cl-{tag}"));
    let sim = Sim::start_with(
        false,
        &format!("event_log_capacity = 2000000\ndirectory = {{ generated = {agents} }}"),
    )
    .await;

    // The command queue's Raft leader on node 1.
    let node1 = Connection::connect(&urls[0], ConnectionProperties::default())
        .await
        .expect("node 1 answers");
    let channel = node1.create_channel().await.unwrap();
    declare_command_queue(&channel, &names).await;
    let _ = channel.close(200, "declared".into()).await;
    let _ = node1.close(200, "declared".into()).await;
    assert_eq!(
        cluster::queue_leader(3, &names.commands).await,
        Some(1),
        "the command queue is led by node 1"
    );

    let key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>());
    let b = Connector::start_instance(
        &format!("cl-{tag}-b"),
        &names,
        &sim,
        &member(&urls, [2, 3, 1], &key),
    )
    .await;
    b.wait_gauge("gc_leader", 1).await;
    let a = Connector::start_instance(
        &format!("cl-{tag}-a"),
        &names,
        &sim,
        &member(&urls, [1, 3, 2], &key),
    )
    .await;
    assert_eq!(broker_node(&b).await, Some(2), "B leads from node 2");
    assert_eq!(broker_node(&a).await, Some(1), "A waits on node 1");
    assert_eq!(a.gauge("gc_leader").await, Some(0));

    // Desks: ten agents per destination, on node 3.
    let ids: Vec<String> = (0..agents).map(|i| (10_001 + i).to_string()).collect();
    let destinations: Vec<String> = (0..agents.div_ceil(10))
        .map(|d| format!("desk-{tag}-{d}"))
        .collect();
    let desks = Arc::new(Desks::open(&urls[2], &names, &destinations).await);
    for destination in &destinations {
        desks.send(&format!("Hello#{destination}"), "", None).await;
    }
    let login_started = Instant::now();
    for (i, agent) in ids.iter().enumerate() {
        let destination = &destinations[i / 10];
        desks
            .send(
                &format!("Connect#{agent}"),
                &format!("{destination},secret"),
                None,
            )
            .await;
        desks
            .send(
                &format!("Login#{agent}"),
                &format!("secret,{}", 40_001 + i),
                None,
            )
            .await;
    }
    until(Duration::from_mins(5), "every agent NOT_READY", || async {
        desks.texts_containing("#State#NOT_READY") >= agents
    })
    .await;
    println!(
        "{agents} agents logged in through the cluster in {:.1} s",
        login_started.elapsed().as_secs_f64()
    );
    a.wait_gauge("gc_agents_logged_in", i64::try_from(agents).unwrap())
        .await;
    let requests_before = sim
        .control
        .requests(0)
        .await
        .unwrap()
        .last()
        .map_or(0, |r| r.seq);

    // Commands at `rate`/s: agent k % agents, MakeReady and MakeNotReady in turn.
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sent: Arc<Mutex<Vec<(usize, &'static str, Instant)>>> = Arc::default();
    let sender = {
        let (desks, running, sent, ids) =
            (desks.clone(), running.clone(), sent.clone(), ids.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut k = 0usize;
            let mut inflight = tokio::task::JoinSet::new();
            while running.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                let agent = k % ids.len();
                let command = if (k / ids.len()).is_multiple_of(2) {
                    "MakeReady"
                } else {
                    "MakeNotReady"
                };
                sent.lock().unwrap().push((agent, command, Instant::now()));
                let desks = desks.clone();
                let jms = format!("{command}#{}", ids[agent]);
                let n = k as u64;
                inflight.spawn(async move { desks.send(&jms, "", Some(n)).await });
                k += 1;
                while inflight.try_join_next().is_some() {}
            }
            while inflight.join_next().await.is_some() {}
        })
    };

    tokio::time::sleep(Duration::from_secs(5)).await;
    // 1. The node leading the command queue.
    let stop1 = Instant::now();
    cluster::stop_node(1).await;
    let stop1_took = stop1.elapsed();
    let queue_moved = until(RECOVERY_BOUND, "a new command queue leader", || async {
        matches!(cluster::queue_leader(3, &names.commands).await, Some(2 | 3))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    let gap1 = desks.longest_gap_after(stop1, Instant::now());
    assert_eq!(b.gauge("gc_leader").await, Some(1), "B still leads");
    until(RECOVERY_BOUND, "A reconnected to another node", || async {
        matches!(broker_node(&a).await, Some(2 | 3))
            && a.gauge("gc_broker_connected").await == Some(1)
    })
    .await;
    cluster::start_node(1).await;
    tokio::time::sleep(Duration::from_secs(5)).await;

    // 2. The node the connector leader is connected to.
    let leader_node = broker_node(&b).await.expect("B's node");
    assert_eq!(leader_node, 2);
    let stop2 = Instant::now();
    cluster::stop_node(leader_node).await;
    let stop2_took = stop2.elapsed();
    // Either member may lead afterwards: B reconnects to another node at once and races A
    // for the free lock. What matters is one leader, on a node that runs.
    let lock_moved = until(RECOVERY_BOUND, "a leader on a running node", || async {
        for member in [&a, &b] {
            if member.gauge("gc_leader").await == Some(1)
                && broker_node(member).await.is_some_and(|n| n != leader_node)
            {
                return true;
            }
        }
        false
    })
    .await
        + stop2_took;
    let new_leader = if a.gauge("gc_leader").await == Some(1) {
        "A"
    } else {
        "B"
    };
    tokio::time::sleep(Duration::from_secs(8)).await;
    let gap2 = desks.longest_gap_after(stop2, Instant::now());
    running.store(false, std::sync::atomic::Ordering::Relaxed);
    sender.await.unwrap();

    // Every command answered (a generous drain), none lost.
    let sent = sent.lock().unwrap().clone();
    let total = sent.len();
    until(Duration::from_mins(2), "every command answered", || async {
        desks.seen.lock().unwrap().answered.len() >= total
    })
    .await;
    let (lost, errors, mut latencies) = {
        let seen = desks.seen.lock().unwrap();
        let lost: Vec<usize> = (0..total)
            .filter(|k| !seen.answered.contains_key(&(*k as u64)))
            .collect();
        let latencies: Vec<Duration> = sent
            .iter()
            .enumerate()
            .filter_map(|(k, (_, _, at))| Some(*seen.answered.get(&(k as u64))? - *at))
            .collect();
        (lost, seen.errors.clone(), latencies)
    };
    latencies.sort();
    let quantile = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q) as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };

    // At Finesse: each command executed exactly once (one state PUT per command).
    let requests = sim.control.requests(requests_before).await.unwrap();
    let mut executed: HashMap<(String, &str), usize> = HashMap::new();
    for r in &requests {
        if r.method != "PUT" {
            continue;
        }
        let Some(agent) = r.path.rsplit('/').next() else {
            continue;
        };
        let state = if r.body.contains("<state>READY</state>") {
            "MakeReady"
        } else if r.body.contains("<state>NOT_READY</state>") {
            "MakeNotReady"
        } else {
            continue;
        };
        *executed.entry((agent.to_owned(), state)).or_default() += 1;
    }
    let mut expected: HashMap<(String, &str), usize> = HashMap::new();
    for (agent, command, _) in &sent {
        *expected.entry((ids[*agent].clone(), command)).or_default() += 1;
    }
    let twice: Vec<_> = executed
        .iter()
        .filter(|(k, n)| **n > expected.get(*k).copied().unwrap_or(0))
        .collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|(k, n)| executed.get(*k).copied().unwrap_or(0) < **n)
        .collect();

    // Every desk keeps its agent: logged in at Finesse with one notification session.
    let views = sim.control.agents().await.unwrap();
    let logged_out: Vec<&str> = views
        .iter()
        .filter(|v| ids.contains(&v.login_id))
        .filter(|v| v.state == "LOGOUT" || v.xmpp_sessions != 1)
        .map(|v| v.login_id.as_str())
        .collect();

    println!(
        "cluster run: {agents} agents, {rate} commands/s, {total} commands, {} lost, {} executed \
         more than once, {} not executed, {} error answers",
        lost.len(),
        twice.len(),
        missing.len(),
        errors.len()
    );
    println!(
        "command -> answer latency over the whole run: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        quantile(0.5),
        quantile(0.99),
        quantile(1.0)
    );
    println!(
        "stop of node 1 (command queue leader): stop took {:.1} s, new queue leader after {:.1} s, \
         longest event silence {:.2} s",
        stop1_took.as_secs_f64(),
        queue_moved.as_secs_f64(),
        gap1.as_secs_f64()
    );
    println!(
        "stop of node {leader_node} (connector leader's node): stop took {:.1} s, {new_leader} \
         leads on a running node {:.2} s after the stop began, longest event silence {:.2} s",
        stop2_took.as_secs_f64(),
        lock_moved.as_secs_f64(),
        gap2.as_secs_f64()
    );
    assert!(lost.is_empty(), "commands lost: {lost:?}");
    assert!(twice.is_empty(), "executed twice at Finesse: {twice:?}");
    assert!(missing.is_empty(), "never executed: {missing:?}");
    assert!(
        logged_out.is_empty(),
        "desks lost their agent: {logged_out:?}"
    );
    assert!(errors.is_empty(), "error answers: {errors:?}");
    assert!(gap1 < RECOVERY_BOUND && gap2 < RECOVERY_BOUND);

    cluster::start_node(leader_node).await;
    a.stop().await;
    b.stop().await;
    sim.stop().await;
    cleanup(&urls[2], &names).await;
}
