//! The workload and the live invariants: agents' desktops, commands at a fixed open-loop rate,
//! answers matched by correlation id, per-second latency, and the convergence checks after
//! each fault.
//!
//! * (a) **Every command answered or dead-lettered.** A command counts once the broker
//!   confirmed it (or it was answered); it is *lost* when neither its answer (the first event
//!   with its correlation id) nor its dead-letter copy came within the answer timeout.
//! * (c) **Views converge.** From each fault's heal, every 500 ms the simulator's agent states
//!   are compared with the client's view of every *settled* agent (no command in flight, the
//!   last answer older than the snapshot). Converged when none differ, no command sent before
//!   the heal is still unanswered, and a command sent after the heal was answered (the system
//!   serves again). Violated when that takes longer than the convergence limit (5 s).
//! * (d) **No agent logged out.** LOGOUT seen by a client, or in a simulator snapshot.
//!
//! (b) is the audit's (`audit.rs`).

use std::collections::HashMap;
use std::time::Duration;

use finesse_sim::control::{AgentView, ControlClient};
use hdrhistogram::Histogram;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::client::{Client, Inbound};
use crate::faults::{FaultEvent, Injected};

/// How often stale commands are looked for.
const SWEEP: Duration = Duration::from_millis(250);
/// How often a convergence check compares.
const CHECK: Duration = Duration::from_millis(500);

/// An agent's state as the client last saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum View {
    Unknown,
    State(String),
}

#[derive(Clone, Debug)]
struct Agent {
    id: String,
    extension: String,
    destination: usize,
    view: View,
    in_flight: Option<u64>,
    answered_at: Option<Instant>,
    /// With `GC_SOAK_TRACE`: the last events seen, for the trace of a view that differs.
    history: std::collections::VecDeque<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Hello,
    Connect,
    Login,
    MakeReady,
    MakeNotReady,
    GetState,
    Beat,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Hello => "Hello",
            Self::Connect => "Connect",
            Self::Login => "Login",
            Self::MakeReady => "MakeReady",
            Self::MakeNotReady => "MakeNotReady",
            Self::GetState => "GetState",
            Self::Beat => "Beat",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    agent: Option<usize>,
    kind: Kind,
    sent: Instant,
    confirmed: bool,
}

/// One second of the run.
#[derive(Clone, Debug, Default)]
pub(crate) struct Second {
    pub(crate) t: f64,
    pub(crate) answered: u64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
    pub(crate) lost: u64,
}

/// One convergence check.
#[derive(Clone, Debug)]
pub(crate) struct Convergence {
    pub(crate) fault: usize,
    /// Seconds from the heal to convergence; None when it did not converge before the check
    /// ended.
    pub(crate) seconds: Option<f64>,
    /// Agents differing at the limit (None when converged in time).
    pub(crate) differing_at_limit: Option<usize>,
    pub(crate) example: Option<String>,
}

/// Everything counted.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) sent: u64,
    pub(crate) answered: u64,
    pub(crate) errors: HashMap<String, u64>,
    pub(crate) dead_lettered: HashMap<String, u64>,
    pub(crate) lost: u64,
    pub(crate) lost_examples: Vec<String>,
    pub(crate) not_accepted: u64,
    pub(crate) not_sent: u64,
    pub(crate) logout_events: u64,
    pub(crate) sim_logouts_max: usize,
    pub(crate) reconnects: u64,
    pub(crate) seconds: Vec<Second>,
    pub(crate) convergence: Vec<Convergence>,
    pub(crate) faults: Vec<Injected>,
    pub(crate) login_s: f64,
    pub(crate) logged_in: usize,
    /// Agents whose Connect + Login had to be sent again.
    pub(crate) login_retries: usize,
    /// Login-phase commands dead-lettered, by reason.
    pub(crate) login_dead_lettered: HashMap<String, u64>,
}

/// A convergence check in progress.
#[derive(Debug)]
struct Check {
    fault: usize,
    healed: Instant,
    verdict_at: Instant,
    ends: Instant,
    differing_at_limit: Option<usize>,
    requested: bool,
    /// Require an answer to a command sent after the heal (not for the final check, after
    /// which nothing is sent).
    need_serving: bool,
}

/// The driver.
pub(crate) struct Driver {
    client: Client,
    inbound: mpsc::UnboundedReceiver<Inbound>,
    control: ControlClient,
    agents: Vec<Agent>,
    destinations: Vec<String>,
    pending: HashMap<u64, Pending>,
    next_seq: u64,
    cursor: usize,
    rng: u64,
    answer_timeout: Duration,
    converge_limit: Duration,
    second: Histogram<u64>,
    all: Histogram<u64>,
    second_lost: u64,
    pub(crate) tally: Tally,
    start: Instant,
    check: Option<Check>,
    snapshots_tx: mpsc::UnboundedSender<(Instant, Result<Vec<AgentView>, String>)>,
    snapshots_rx: mpsc::UnboundedReceiver<(Instant, Result<Vec<AgentView>, String>)>,
    /// An agent that differed in the check running, for the report.
    pending_example: Option<String>,
    /// When the newest answered command was sent.
    newest_answered: Option<Instant>,
    /// `GC_SOAK_TRACE` is set: convergence checks are traced.
    trace: bool,
    audit: Option<crate::audit::Shared>,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("agents", &self.agents.len())
            .finish_non_exhaustive()
    }
}

/// Microseconds as milliseconds (latencies stay far below 2^52 µs).
#[allow(clippy::cast_precision_loss)]
fn ms_of(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn histogram() -> Histogram<u64> {
    // 1 µs .. 10 min, 3 significant digits: constant bounds, valid.
    #[allow(clippy::expect_used)]
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant histogram bounds are valid")
}

impl Driver {
    pub(crate) fn new(
        client: Client,
        inbound: mpsc::UnboundedReceiver<Inbound>,
        control: ControlClient,
        agents: usize,
        destinations: Vec<String>,
        answer_timeout: Duration,
        converge_limit: Duration,
    ) -> Self {
        let agents = (0..agents)
            .map(|i| {
                let n = u32::try_from(i).unwrap_or(u32::MAX);
                Agent {
                    id: 10_001u32.saturating_add(n).to_string(),
                    extension: 40_001u32.saturating_add(n).to_string(),
                    destination: i % destinations.len().max(1),
                    view: View::Unknown,
                    in_flight: None,
                    answered_at: None,
                    history: std::collections::VecDeque::new(),
                }
            })
            .collect();
        let (snapshots_tx, snapshots_rx) = mpsc::unbounded_channel();
        Self {
            client,
            inbound,
            control,
            agents,
            destinations,
            pending: HashMap::new(),
            next_seq: 1,
            cursor: 0,
            rng: 0x9E37_79B9_7F4A_7C15,
            answer_timeout,
            converge_limit,
            second: histogram(),
            all: histogram(),
            second_lost: 0,
            tally: Tally::default(),
            start: Instant::now(),
            check: None,
            snapshots_tx,
            snapshots_rx,
            pending_example: None,
            newest_answered: None,
            trace: std::env::var_os("GC_SOAK_TRACE").is_some(),
            audit: None,
        }
    }

    /// Waits for the client's connection, registers every destination and logs every agent
    /// in; returns when every agent is logged in or `limit` has passed.
    pub(crate) async fn login(&mut self, limit: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.inbound.recv()).await {
                Ok(Some(Inbound::Up)) => break,
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => anyhow::bail!("the client did not connect to the broker"),
            }
        }
        for d in 0..self.destinations.len() {
            let jms = format!("Hello#{}", self.destinations[d]);
            self.send(None, Kind::Hello, &jms).await;
        }
        while self.pending.values().any(|p| p.kind == Kind::Hello) {
            if !self.step(deadline).await {
                anyhow::bail!("no answer to Hello in time");
            }
        }
        let started = Instant::now();
        // Connect then Login of every agent at once (published in this order: see
        // `Client::send_with`). An agent whose Login fails anyway (dead-lettered, an error) gets
        // Connect + Login again, up to three rounds, counted as `login_retries`.
        for round in 1..=3 {
            let todo: Vec<usize> = (0..self.agents.len())
                .filter(|i| !self.logged_in(*i))
                .collect();
            if todo.is_empty() {
                break;
            }
            if round > 1 {
                self.tally.login_retries += todo.len();
            }
            for i in todo {
                let a = &self.agents[i];
                let connect = format!("Connect#{}", a.id);
                let body_dest = self.destinations[a.destination].clone();
                let login = format!("Login#{}", a.id);
                let ext = a.extension.clone();
                self.send_body(
                    None,
                    Kind::Connect,
                    &connect,
                    &format!("{body_dest},secret"),
                )
                .await;
                self.send_body(Some(i), Kind::Login, &login, &format!("secret,{ext}"))
                    .await;
            }
            while self.pending.values().any(|p| p.kind == Kind::Login) {
                if !self.step(deadline).await {
                    break;
                }
            }
            // A Connect that succeeds is not answered.
            self.pending.retain(|_, p| p.kind != Kind::Connect);
            // The State of the last answers may trail the answer itself by a moment.
            let settle = Instant::now() + Duration::from_secs(1);
            while self.step(settle).await {}
        }
        self.tally.login_s = started.elapsed().as_secs_f64();
        self.tally.logged_in = (0..self.agents.len())
            .filter(|i| self.logged_in(*i))
            .count();
        if self.tally.logged_in < self.agents.len() {
            let missing: Vec<String> = self
                .agents
                .iter()
                .filter(|a| !matches!(&a.view, View::State(s) if s != "LOGOUT"))
                .take(5)
                .map(|a| format!("{} {:?}", a.id, a.view))
                .collect();
            eprintln!(
                "gc-soak: not logged in: {} (errors {:?}, dead-lettered {:?}, not accepted by the broker {}, not sent {}, pending {}; e.g. {})",
                self.agents.len() - self.tally.logged_in,
                self.tally.errors,
                self.tally.dead_lettered,
                self.tally.not_accepted,
                self.tally.not_sent,
                self.pending.len(),
                missing.join(", ")
            );
        }
        self.tally = Tally {
            login_s: self.tally.login_s,
            logged_in: self.tally.logged_in,
            login_retries: self.tally.login_retries,
            login_dead_lettered: std::mem::take(&mut self.tally.dead_lettered),
            ..Tally::default()
        };
        self.pending.clear();
        for a in &mut self.agents {
            a.in_flight = None;
        }
        Ok(())
    }

    /// The open loop at `rate` for `duration`, with faults reported on `faults`; then the
    /// drain (answers for up to the answer timeout) and a last convergence check.
    pub(crate) async fn run(
        &mut self,
        rate: u64,
        duration: Duration,
        faults: &mut mpsc::UnboundedReceiver<FaultEvent>,
    ) {
        self.start = Instant::now();
        let end = self.start + duration;
        let period = Duration::from_nanos(1_000_000_000 / rate.max(1));
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let mut sweep = tokio::time::interval(SWEEP);
        let mut check = tokio::time::interval(CHECK);
        let mut second = tokio::time::interval(Duration::from_secs(1));
        let mut beat = tokio::time::interval(Duration::from_secs(10));
        for t in [&mut sweep, &mut check, &mut second, &mut beat] {
            t.set_missed_tick_behavior(MissedTickBehavior::Delay);
        }
        second.tick().await;
        beat.tick().await;
        loop {
            let now = Instant::now();
            if now >= end {
                break;
            }
            tokio::select! {
                biased;
                _ = tick.tick() => self.slot().await,
                Some(input) = self.inbound.recv() => self.on_inbound(input),
                Some((at, snap)) = self.snapshots_rx.recv() => self.on_snapshot(at, snap),
                Some(event) = faults.recv() => self.on_fault(event),
                _ = sweep.tick() => self.expire(Instant::now()),
                _ = check.tick() => self.check_tick(),
                _ = second.tick() => self.close_second(),
                _ = beat.tick() => {
                    for d in 0..self.destinations.len() {
                        let jms = format!("Beat#{}", self.destinations[d]);
                        self.send(None, Kind::Beat, &jms).await;
                    }
                }
                () = tokio::time::sleep_until(end) => break,
            }
        }
        // Drain: answers for what is in flight, then a final convergence check.
        let drain_end = Instant::now() + self.answer_timeout + Duration::from_secs(1);
        while (!self.pending.is_empty() || self.check.is_some()) && Instant::now() < drain_end {
            tokio::select! {
                Some(input) = self.inbound.recv() => self.on_inbound(input),
                Some((at, snap)) = self.snapshots_rx.recv() => self.on_snapshot(at, snap),
                _ = check.tick() => self.check_tick(),
                Some(event) = faults.recv() => self.on_fault(event),
                _ = sweep.tick() => self.expire(Instant::now()),
                _ = second.tick() => self.close_second(),
                () = tokio::time::sleep_until(drain_end) => break,
            }
        }
        self.expire(Instant::now() + self.answer_timeout + Duration::from_secs(1));
        self.close_second();
        self.finish_check();
        let final_check = self.tally.faults.len();
        self.start_check(final_check, Instant::now());
        if let Some(check) = &mut self.check {
            check.need_serving = false;
        }
        let check_end = Instant::now() + self.converge_limit + Duration::from_secs(10);
        while self.check.is_some() && Instant::now() < check_end {
            tokio::select! {
                Some(input) = self.inbound.recv() => self.on_inbound(input),
                Some((at, snap)) = self.snapshots_rx.recv() => self.on_snapshot(at, snap),
                _ = check.tick() => self.check_tick(),
                () = tokio::time::sleep_until(check_end) => break,
            }
        }
        self.finish_check();
    }

    fn logged_in(&self, i: usize) -> bool {
        matches!(&self.agents[i].view, View::State(s) if s != "LOGOUT")
    }

    /// Reads one input (for the login phase); false at the deadline.
    async fn step(&mut self, deadline: Instant) -> bool {
        match tokio::time::timeout_at(deadline, self.inbound.recv()).await {
            Ok(Some(input)) => {
                self.on_inbound(input);
                true
            }
            _ => false,
        }
    }

    fn rand(&mut self) -> u64 {
        // xorshift64*: deterministic, good enough to mix commands.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// One open-loop slot: the next agent without a command in flight gets one its view
    /// allows (a third of them GetState).
    async fn slot(&mut self) {
        let n = self.agents.len();
        for _ in 0..n {
            let i = self.cursor;
            self.cursor = (self.cursor + 1) % n;
            if self.agents[i].in_flight.is_some() {
                continue;
            }
            let get = self.rand().is_multiple_of(3);
            let kind = match &self.agents[i].view {
                View::Unknown => Kind::GetState,
                _ if get => Kind::GetState,
                View::State(s) if s == "NOT_READY" => Kind::MakeReady,
                View::State(s) if s == "READY" => Kind::MakeNotReady,
                View::State(_) => Kind::GetState,
            };
            let jms = format!("{}#{}", kind.name(), self.agents[i].id);
            self.send(Some(i), kind, &jms).await;
            return;
        }
    }

    async fn send(&mut self, agent: Option<usize>, kind: Kind, jms: &str) {
        self.send_body(agent, kind, jms, "").await;
    }

    async fn send_body(&mut self, agent: Option<usize>, kind: Kind, jms: &str, body: &str) {
        let seq = self.next_seq;
        self.next_seq += 1;
        if !self.client.send_with(jms, body, seq).await {
            self.tally.not_sent += 1;
            return;
        }
        self.tally.sent += 1;
        self.pending.insert(
            seq,
            Pending {
                agent,
                kind,
                sent: Instant::now(),
                confirmed: false,
            },
        );
        if let Some(i) = agent {
            self.agents[i].in_flight = Some(seq);
        }
    }

    fn on_inbound(&mut self, input: Inbound) {
        match input {
            Inbound::Event {
                text,
                correlation,
                at,
            } => self.on_event(&text, correlation, at),
            Inbound::Dead {
                correlation,
                reason,
            } => {
                if let Some(p) = correlation.and_then(|c| self.pending.remove(&c)) {
                    // "unknown agent 10001" and the like: counted by reason, not by agent.
                    let reason = reason
                        .trim_end_matches(|c: char| c.is_ascii_digit())
                        .trim_end();
                    *self
                        .tally
                        .dead_lettered
                        .entry(reason.to_owned())
                        .or_insert(0) += 1;
                    if let Some(i) = p.agent {
                        self.agents[i].in_flight = None;
                        self.agents[i].view = View::Unknown;
                    }
                }
            }
            Inbound::Confirm { seq, accepted } => {
                if let Some(p) = self.pending.get_mut(&seq) {
                    if accepted {
                        p.confirmed = true;
                    } else {
                        // Not taken by the broker: the client's loss, not the connector's.
                        let agent = p.agent;
                        self.pending.remove(&seq);
                        self.tally.not_accepted += 1;
                        if let Some(i) = agent {
                            self.agents[i].in_flight = None;
                        }
                    }
                }
            }
            Inbound::Up => self.tally.reconnects += 1,
            Inbound::Down => {}
        }
    }

    fn on_event(&mut self, text: &str, correlation: Option<u64>, at: Instant) {
        let mut fields = text.split('#');
        let agent_id = fields.next().unwrap_or_default();
        let what = fields.next().unwrap_or_default();
        let detail = fields.next().unwrap_or_default();
        let index = agent_id
            .parse::<u32>()
            .ok()
            .and_then(|n| n.checked_sub(10_001))
            .and_then(|n| usize::try_from(n).ok())
            .filter(|i| *i < self.agents.len());
        if what == "LOGOUT" || (what == "State" && detail == "LOGOUT") {
            self.tally.logout_events += 1;
        }
        if let (Some(i), "State") = (index, what) {
            self.agents[i].view = View::State(detail.to_owned());
        }
        if let Some(i) = index
            && self.trace
        {
            let line = format!(
                "t={:.3} {text} corr {correlation:?}",
                at.saturating_duration_since(self.start).as_secs_f64()
            );
            let history = &mut self.agents[i].history;
            if history.len() >= 10 {
                history.pop_front();
            }
            history.push_back(line);
        }
        // The answer is the State, Error or System event with the command's correlation id
        // (other events a command causes, AgentInfo after Login, carry the id too).
        let answer = matches!(what, "State" | "Error") || matches!(agent_id, "System" | "Error");
        if !answer {
            return;
        }
        let Some(pending) = correlation.and_then(|c| self.pending.remove(&c)) else {
            return;
        };
        self.tally.answered += 1;
        self.newest_answered = Some(
            self.newest_answered
                .map_or(pending.sent, |t| t.max(pending.sent)),
        );
        let latency = at.saturating_duration_since(pending.sent);
        let us = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let _ = self.second.record(us);
        let _ = self.all.record(us);
        if what == "Error" || agent_id == "Error" {
            let code = if agent_id == "Error" { what } else { detail };
            *self.tally.errors.entry(code.to_owned()).or_insert(0) += 1;
        }
        if let Some(i) = pending.agent {
            if self.agents[i].in_flight == Some(correlation.unwrap_or_default()) {
                self.agents[i].in_flight = None;
            }
            self.agents[i].answered_at = Some(at);
            if what == "Error" {
                self.agents[i].view = View::Unknown;
            }
        }
    }

    fn expire(&mut self, now: Instant) {
        let timeout = self.answer_timeout;
        let stale: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| now.saturating_duration_since(p.sent) > timeout)
            .map(|(s, _)| *s)
            .collect();
        for seq in stale {
            let Some(p) = self.pending.remove(&seq) else {
                continue;
            };
            if p.confirmed {
                self.tally.lost += 1;
                self.second_lost += 1;
                if self.tally.lost_examples.len() < 5 {
                    self.tally.lost_examples.push(format!(
                        "{} (correlation id {seq}) sent at t={:.1} s",
                        p.kind.name(),
                        p.sent.saturating_duration_since(self.start).as_secs_f64()
                    ));
                }
            } else {
                self.tally.not_accepted += 1;
            }
            if let Some(i) = p.agent {
                self.agents[i].in_flight = None;
                self.agents[i].view = View::Unknown;
            }
        }
    }

    fn close_second(&mut self) {
        let ms = |q: f64, h: &Histogram<u64>| ms_of(h.value_at_quantile(q));
        let s = Second {
            t: self.start.elapsed().as_secs_f64(),
            answered: self.second.len(),
            p50_ms: ms(0.5, &self.second),
            p99_ms: ms(0.99, &self.second),
            max_ms: ms_of(self.second.max()),
            lost: self.second_lost,
        };
        self.tally.seconds.push(s);
        self.second.reset();
        self.second_lost = 0;
    }

    /// The audit, for traces.
    pub(crate) fn set_audit(&mut self, audit: crate::audit::Shared) {
        self.audit = Some(audit);
    }

    pub(crate) fn latency_ms(&self, q: f64) -> f64 {
        ms_of(self.all.value_at_quantile(q))
    }

    pub(crate) fn latency_max_ms(&self) -> f64 {
        ms_of(self.all.max())
    }

    pub(crate) fn since_start(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.start).as_secs_f64()
    }

    /// A fault healed (its convergence check starts now, while the fault's tail goes on) or
    /// is over (its record).
    fn on_fault(&mut self, event: FaultEvent) {
        match event {
            FaultEvent::Healed { healed } => {
                // A check still running for the previous fault ends here.
                self.finish_check();
                // Faults come one at a time: this one's record is the next.
                let index = self.tally.faults.len();
                self.start_check(index, healed);
            }
            FaultEvent::Done(injected) => {
                eprintln!(
                    "gc-soak: t={:.0} s fault {} (healed after {:.1} s): {}{}",
                    self.since_start(injected.struck),
                    injected.fault.name(),
                    injected
                        .healed
                        .saturating_duration_since(injected.struck)
                        .as_secs_f64(),
                    injected.note,
                    if injected.failed { " (FAILED)" } else { "" }
                );
                self.tally.faults.push(injected);
            }
        }
    }

    fn start_check(&mut self, fault: usize, healed: Instant) {
        self.check = Some(Check {
            fault,
            healed,
            verdict_at: healed + self.converge_limit,
            ends: healed + self.converge_limit + Duration::from_secs(20),
            differing_at_limit: None,
            requested: false,
            need_serving: true,
        });
    }

    fn check_tick(&mut self) {
        let Some(check) = &mut self.check else { return };
        if Instant::now() >= check.ends {
            self.finish_check();
            return;
        }
        if check.requested {
            return;
        }
        check.requested = true;
        let control = self.control.clone();
        let tx = self.snapshots_tx.clone();
        tokio::spawn(async move {
            let at = Instant::now();
            let agents = tokio::time::timeout(Duration::from_secs(5), control.agents())
                .await
                .map_err(|_| "timed out".to_owned())
                .and_then(|r| r.map_err(|e| e.to_string()));
            let _ = tx.send((at, agents));
        });
    }

    fn on_snapshot(&mut self, at: Instant, snapshot: Result<Vec<AgentView>, String>) {
        let Some(check) = &mut self.check else { return };
        check.requested = false;
        let trace = self.trace;
        let views = match snapshot {
            Ok(views) => views,
            Err(e) => {
                if trace {
                    eprintln!(
                        "gc-soak: trace: +{:.1} s snapshot failed: {e}",
                        at.saturating_duration_since(check.healed).as_secs_f64()
                    );
                }
                return;
            }
        };
        let logouts = views.iter().filter(|v| v.state == "LOGOUT").count();
        self.tally.sim_logouts_max = self.tally.sim_logouts_max.max(logouts);
        let mut differing = 0;
        let mut example = None;
        let mut example_agent = None;
        for v in &views {
            let Some(i) = v
                .login_id
                .parse::<u32>()
                .ok()
                .and_then(|n| n.checked_sub(10_001))
                .and_then(|n| usize::try_from(n).ok())
                .filter(|i| *i < self.agents.len())
            else {
                continue;
            };
            let a = &self.agents[i];
            let settled = a.in_flight.is_none() && a.answered_at.is_none_or(|t| t < at);
            if !settled {
                continue;
            }
            if a.view != View::State(v.state.clone()) {
                differing += 1;
                if example.is_none() {
                    example = Some(format!(
                        "agent {}: client sees {:?}, simulator {}",
                        a.id, a.view, v.state
                    ));
                    example_agent = Some(i);
                }
            }
        }
        let now = Instant::now();
        let Some(check) = &mut self.check else { return };
        let healed = check.healed;
        let older = self.pending.values().filter(|p| p.sent < healed).count();
        let serving = !check.need_serving || self.newest_answered.is_some_and(|t| t >= healed);
        if trace {
            eprintln!(
                "gc-soak: trace: +{:.1} s differing {differing}, older unanswered {older}, serving {serving}, e.g. {}",
                at.saturating_duration_since(healed).as_secs_f64(),
                example.as_deref().unwrap_or("-")
            );
        }
        if older > 0 && example.is_none() {
            example = Some(format!(
                "{older} commands sent before the heal still unanswered"
            ));
        } else if !serving && example.is_none() {
            example = Some("no command sent after the heal answered yet".to_owned());
        }
        if differing == 0 && older == 0 && serving {
            let seconds = at.saturating_duration_since(check.healed).as_secs_f64();
            let fault = check.fault;
            self.check = None;
            self.tally.convergence.push(Convergence {
                fault,
                seconds: Some(seconds),
                differing_at_limit: None,
                example: None,
            });
            return;
        }
        if now >= check.verdict_at && check.differing_at_limit.is_none() {
            check.differing_at_limit = Some(differing);
            if trace && let Some(i) = example_agent {
                let a = &self.agents[i];
                eprintln!(
                    "gc-soak: trace: agent {} as the client saw it (heal at t={:.3}):",
                    a.id,
                    healed.saturating_duration_since(self.start).as_secs_f64()
                );
                for line in &a.history {
                    eprintln!("gc-soak: trace:   {line}");
                }
                if let Some(audit) = &self.audit {
                    let audit = audit
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    for line in audit.history.get(&a.id).into_iter().flatten() {
                        eprintln!("gc-soak: trace:   sim {line}");
                    }
                }
            }
            eprintln!(
                "gc-soak: not converged {:.0} s after the heal: {differing} agents differ ({})",
                self.converge_limit.as_secs_f64(),
                example.as_deref().unwrap_or("")
            );
        }
        // Kept for the report, should the check end unconverged.
        self.pending_example = example;
    }

    fn finish_check(&mut self) {
        let Some(check) = self.check.take() else {
            return;
        };
        self.tally.convergence.push(Convergence {
            fault: check.fault,
            seconds: None,
            differing_at_limit: check.differing_at_limit,
            example: self.pending_example.take(),
        });
    }
}
