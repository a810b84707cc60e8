//! The workload driver: one task that owns every agent, sends commands, reads every event and
//! matches answers to commands.
//!
//! * **Matching.** Every command carries a unique `correlation_id`; the connector copies it
//!   onto its direct answers (State for Login / MakeReady / MakeNotReady / GetState, Error for
//!   anything refused), so the first event with that id answers the command. Call control is
//!   answered by the dialog's next state, which is not a direct answer (no correlation id):
//!   AnswerCall by `InboundCall#ACTIVE`, ReleaseCall by `InboundCall#WRAP_UP` (or `#DROP` when
//!   the agent has no wrap-up) of that agent and dialog (an agent has one command in flight at a
//!   time, so this is unambiguous).
//! * **Open loop.** Command *i* is due at *start + i/rate* whatever has been answered; the
//!   sender's lag behind that schedule is measured. A slot sends, in this order: AnswerCall to
//!   a ringing agent, ReleaseCall to a talking one, else a state command from the mix. Calls
//!   are offered through the simulator's control API (the caller is not a command), so that
//!   call control makes up `call_share` of the commands.
//! * **Bounds.** Every phase stops at its count or its time limit; a command unanswered after
//!   the answer timeout, or at the end of the drain, is counted lost.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, bail};
use finesse_sim::control::ControlClient;
use futures::StreamExt;
use futures::stream::SelectAll;
use gc_testbed::correlation;
use lapin::Consumer;
use lapin::message::Delivery;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, sleep_until};

use crate::agents::{AgentState, Call, Roster};
use crate::bus::Sender;
use crate::events::Event;
use crate::stats::{Kind, Latency, PhaseStats};

/// How often stale commands and stalled call flows are looked for.
const SWEEP: Duration = Duration::from_millis(250);

/// The caller's number on offered calls.
const CALLER: &str = "4012";

/// Settings of the command mix.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mix {
    /// Share of state commands that are GetState (the rest change the state).
    pub(crate) get_share: f64,
    /// Share of all commands that are call control (AnswerCall + ReleaseCall).
    pub(crate) call_share: f64,
    /// A command unanswered this long is lost.
    pub(crate) answer_timeout: Duration,
}

/// A command in flight.
#[derive(Clone, Copy, Debug)]
struct Pending {
    agent: usize,
    kind: Kind,
    sent: Instant,
    /// The State that answers it, when it is a state change.
    expect: Option<AgentState>,
}

/// What one offer of a call came to.
type OfferResult = (usize, Result<u64, String>);

/// The login storm's figures.
#[derive(Debug)]
pub(crate) struct LoginStats {
    /// Hello per destination → every System answer.
    pub(crate) hello: Duration,
    /// First Connect → every agent's login answered.
    pub(crate) elapsed: Duration,
    /// Agents whose Login was answered with State NOT_READY (or another State).
    pub(crate) logged_in: u64,
    /// Connect or Login answered with an Error, by code.
    pub(crate) stats: PhaseStats,
    /// Login → State latency.
    pub(crate) latency: Latency,
}

/// The driver.
#[derive(Debug)]
pub(crate) struct Load {
    sender: Sender,
    events: SelectAll<Consumer>,
    pub(crate) roster: Roster,
    destinations: Vec<String>,
    password: String,
    mix: Mix,
    pending: HashMap<u64, Pending>,
    next_seq: u64,
    /// Agents ringing, in the order their calls alerted.
    to_answer: std::collections::VecDeque<usize>,
    /// Agents talking, in the order their calls became active.
    to_release: std::collections::VecDeque<usize>,
    control: Option<ControlClient>,
    offers_tx: mpsc::UnboundedSender<OfferResult>,
    offers_rx: mpsc::UnboundedReceiver<OfferResult>,
    /// Fractional calls owed to the mix (one per 2 / call_share commands).
    call_credit: f64,
    /// The figures of the phase running.
    stats: PhaseStats,
    /// Time of the last answer in this phase.
    last_answer: Option<Instant>,
}

impl Load {
    pub(crate) fn new(
        sender: Sender,
        events: SelectAll<Consumer>,
        roster: Roster,
        destinations: Vec<String>,
        password: String,
        mix: Mix,
        control: Option<ControlClient>,
    ) -> Self {
        let (offers_tx, offers_rx) = mpsc::unbounded_channel();
        Self {
            sender,
            events,
            roster,
            destinations,
            password,
            mix,
            pending: HashMap::new(),
            next_seq: 1,
            to_answer: std::collections::VecDeque::new(),
            to_release: std::collections::VecDeque::new(),
            control,
            offers_tx,
            offers_rx,
            call_credit: 0.0,
            stats: PhaseStats::new(),
            last_answer: None,
        }
    }

    // === phases ===

    /// Hello on every destination, then Connect + Login of every agent at once; returns when
    /// every login is answered or `limit` has passed.
    pub(crate) async fn login_storm(&mut self, limit: Duration) -> anyhow::Result<LoginStats> {
        let deadline = Instant::now() + limit;
        self.begin_phase();
        let started = Instant::now();
        let mut hellos = HashMap::new();
        for (i, name) in self.destinations.clone().iter().enumerate() {
            let seq = self.seq();
            self.sender.send(&format!("Hello#{name}"), "", seq).await?;
            hellos.insert(seq, i);
        }
        while !hellos.is_empty() {
            let delivery = tokio::time::timeout_at(deadline, self.events.next())
                .await
                .context("no System answer to Hello in time (is the connector running?)")?;
            let delivery = delivery.context("the event consumer was cancelled")??;
            if let Some(seq) = correlation(&delivery.properties) {
                hellos.remove(&seq);
            }
        }
        let hello = started.elapsed();

        let started = Instant::now();
        let mut connects = Vec::with_capacity(self.roster.agents.len());
        for i in 0..self.roster.agents.len() {
            let agent = &self.roster.agents[i];
            let (id, extension) = (agent.id.clone(), agent.extension.clone());
            let destination = &self.destinations[agent.destination];
            let body = format!("{destination},{}", self.password);
            let seq = self.seq();
            self.sender
                .send(&format!("Connect#{id}"), &body, seq)
                .await?;
            connects.push(seq);
            self.track(seq, i, Kind::Connect, None, Instant::now());
            let body = format!("{},{extension}", self.password);
            let seq = self.seq();
            let sent = Instant::now();
            self.sender.send(&format!("Login#{id}"), &body, seq).await?;
            self.track(seq, i, Kind::Login, Some(AgentState::NotReady), sent);
            self.stats.sent += 1;
        }
        // A Connect that succeeds is not answered: only its errors count.
        let logins = |load: &Self| load.pending.values().any(|p| p.kind == Kind::Login);
        while logins(self) {
            let Some(event) = self.next_input(deadline).await? else {
                break;
            };
            self.handle(event);
        }
        let elapsed = self.last_answer.map_or(limit, |t| t - started);
        for seq in connects {
            self.pending.remove(&seq);
        }
        self.expire_all();
        let stats = self.end_phase(elapsed, elapsed);
        let latency = stats
            .by_kind
            .get(&Kind::Login)
            .cloned()
            .unwrap_or_else(Latency::new);
        let logged_in = latency.len();
        Ok(LoginStats {
            hello,
            elapsed,
            logged_in,
            stats,
            latency,
        })
    }

    /// Open loop: `count` commands at `rate` per second, then the drain. `limit` bounds the
    /// sending; the drain is bounded by `drain`.
    pub(crate) async fn open_loop(
        &mut self,
        rate: u64,
        count: u64,
        limit: Duration,
        drain: Duration,
    ) -> anyhow::Result<PhaseStats> {
        self.begin_phase();
        let start = Instant::now();
        let deadline = start + limit;
        let period_ns = 1_000_000_000 / rate.max(1);
        let mut sweep = tokio::time::interval(SWEEP);
        sweep.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut i = 0u64;
        let due_at = |i: u64| start + Duration::from_nanos(i.saturating_mul(period_ns));
        let next = sleep_until(due_at(0));
        let stop = sleep_until(deadline);
        tokio::pin!(next, stop);
        let mut last_send = start;
        while i < count {
            tokio::select! {
                biased;
                () = &mut next => {
                    let due = due_at(i);
                    let now = Instant::now();
                    self.stats.lag.record(now.saturating_duration_since(due));
                    if !self.slot(now).await? {
                        self.stats.skipped += 1;
                    }
                    last_send = now;
                    i += 1;
                    next.as_mut().reset(due_at(i));
                }
                delivery = self.events.next() => {
                    self.on_delivery(delivery)?;
                }
                Some(offer) = self.offers_rx.recv() => self.on_offer(offer),
                _ = sweep.tick() => self.expire(Instant::now()),
                () = &mut stop => break,
            }
        }
        let send_elapsed = last_send - start;
        self.drain(drain).await?;
        let elapsed = self.last_answer.map_or(send_elapsed, |t| t - start);
        Ok(self.end_phase(send_elapsed, elapsed))
    }

    /// Closed loop: as fast as answers come back, with at most `window` commands in flight,
    /// for `count` commands, then the drain.
    pub(crate) async fn saturate(
        &mut self,
        window: usize,
        count: u64,
        limit: Duration,
        drain: Duration,
    ) -> anyhow::Result<PhaseStats> {
        self.begin_phase();
        let start = Instant::now();
        let deadline = start + limit;
        let mut sweep = tokio::time::interval(SWEEP);
        sweep.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_send = start;
        let stop = sleep_until(deadline);
        tokio::pin!(stop);
        loop {
            while self.stats.sent < count && self.pending.len() < window {
                let now = Instant::now();
                if !self.slot(now).await? {
                    break;
                }
                last_send = now;
            }
            if self.stats.sent >= count || Instant::now() >= deadline {
                break;
            }
            tokio::select! {
                delivery = self.events.next() => self.on_delivery(delivery)?,
                Some(offer) = self.offers_rx.recv() => self.on_offer(offer),
                _ = sweep.tick() => self.expire(Instant::now()),
                () = &mut stop => break,
            }
        }
        let send_elapsed = last_send - start;
        self.drain(drain).await?;
        let elapsed = self.last_answer.map_or(send_elapsed, |t| t - start);
        Ok(self.end_phase(send_elapsed, elapsed))
    }

    /// Logout of every logged-in agent, answered or not within `limit` (not measured).
    pub(crate) async fn logout_all(&mut self, limit: Duration) -> anyhow::Result<()> {
        self.begin_phase();
        for i in 0..self.roster.agents.len() {
            if self.roster.agents[i].state != AgentState::LoggedOut {
                self.send(i, Kind::Logout, Some(AgentState::LoggedOut), Instant::now())
                    .await?;
            }
        }
        self.drain(limit).await?;
        self.pending.clear();
        Ok(())
    }

    // === phase bookkeeping ===

    fn begin_phase(&mut self) {
        self.stats = PhaseStats::new();
        self.last_answer = None;
        self.call_credit = 0.0;
    }

    fn end_phase(&mut self, send_elapsed: Duration, elapsed: Duration) -> PhaseStats {
        self.expire_all();
        let mut stats = std::mem::replace(&mut self.stats, PhaseStats::new());
        stats.send_elapsed = send_elapsed;
        stats.elapsed = elapsed;
        stats
    }

    /// Keeps reading events (and answering and releasing the calls still in progress) until
    /// nothing is in flight or `limit` has passed.
    async fn drain(&mut self, limit: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            while let Some(i) = self.to_answer.pop_front() {
                self.answer_call(i, Instant::now()).await?;
            }
            while let Some(i) = self.to_release.pop_front() {
                self.release_call(i, Instant::now()).await?;
            }
            let calls = self
                .roster
                .agents
                .iter()
                .any(|a| a.call != Call::Idle && a.call_since.is_some());
            if self.pending.is_empty() && !calls {
                return Ok(());
            }
            let Some(event) = self.next_input(deadline).await? else {
                return Ok(());
            };
            self.handle(event);
        }
    }

    /// Every command still in flight is lost; every call flow still running is abandoned.
    fn expire_all(&mut self) {
        for (_, pending) in self.pending.drain() {
            self.stats.lose(pending.kind);
            let agent = &mut self.roster.agents[pending.agent];
            agent.busy = false;
            agent.in_flight = None;
            agent.state = AgentState::Unknown;
        }
        for agent in &mut self.roster.agents {
            if agent.call != Call::Idle {
                agent.call = Call::Idle;
                agent.call_since = None;
                agent.state = AgentState::Unknown;
            }
        }
        self.to_answer.clear();
        self.to_release.clear();
    }

    /// Commands older than the answer timeout are lost; call flows stalled as long are
    /// abandoned (their agent is asked for its state).
    fn expire(&mut self, now: Instant) {
        let timeout = self.mix.answer_timeout;
        let stale: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| now.saturating_duration_since(p.sent) > timeout)
            .map(|(seq, _)| *seq)
            .collect();
        for seq in stale {
            if let Some(pending) = self.pending.remove(&seq) {
                self.stats.lose(pending.kind);
                let agent = &mut self.roster.agents[pending.agent];
                agent.busy = false;
                agent.in_flight = None;
                agent.state = AgentState::Unknown;
                if matches!(pending.kind, Kind::AnswerCall | Kind::ReleaseCall) {
                    agent.call = Call::Idle;
                    agent.call_since = None;
                }
            }
        }
        for (i, agent) in self.roster.agents.iter_mut().enumerate() {
            let stalled = agent
                .call_since
                .is_some_and(|t| now.saturating_duration_since(t) > timeout);
            if stalled && !matches!(agent.call, Call::Answering { .. } | Call::Releasing { .. }) {
                agent.call = Call::Idle;
                agent.call_since = None;
                agent.state = AgentState::Unknown;
                self.to_answer.retain(|&a| a != i);
                self.to_release.retain(|&a| a != i);
            }
        }
    }

    // === sending ===

    fn seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    fn track(
        &mut self,
        seq: u64,
        agent: usize,
        kind: Kind,
        expect: Option<AgentState>,
        sent: Instant,
    ) {
        self.pending.insert(
            seq,
            Pending {
                agent,
                kind,
                sent,
                expect,
            },
        );
    }

    /// Sends one command in a slot: call control first, else a state command from the mix.
    /// Also offers a call when the mix owes one. False when no agent could take a command.
    async fn slot(&mut self, now: Instant) -> anyhow::Result<bool> {
        let sent = self.slot_command(now).await?;
        if sent && self.control.is_some() {
            self.call_credit += self.mix.call_share / 2.0;
            if self.call_credit >= 1.0 {
                self.call_credit -= 1.0;
                self.offer_call(now);
            }
        }
        Ok(sent)
    }

    async fn slot_command(&mut self, now: Instant) -> anyhow::Result<bool> {
        while let Some(i) = self.to_answer.pop_front() {
            if self.answer_call(i, now).await? {
                return Ok(true);
            }
        }
        while let Some(i) = self.to_release.pop_front() {
            if self.release_call(i, now).await? {
                return Ok(true);
            }
        }
        let Some((i, kind)) = self.roster.pick_command(self.mix.get_share) else {
            return Ok(false);
        };
        let expect = match kind {
            Kind::MakeReady => Some(AgentState::Ready),
            Kind::MakeNotReady => Some(AgentState::NotReady),
            _ => None,
        };
        self.send(i, kind, expect, now).await?;
        Ok(true)
    }

    /// Sends a state command to agent `i`.
    async fn send(
        &mut self,
        i: usize,
        kind: Kind,
        expect: Option<AgentState>,
        now: Instant,
    ) -> anyhow::Result<()> {
        let seq = self.seq();
        let jms_type = format!("{}#{}", kind.command(), self.roster.agents[i].id);
        self.roster.agents[i].busy = true;
        self.roster.agents[i].in_flight = Some(seq);
        self.track(seq, i, kind, expect, now);
        self.stats.sent += 1;
        self.sender.send(&jms_type, "", seq).await
    }

    async fn answer_call(&mut self, i: usize, now: Instant) -> anyhow::Result<bool> {
        let Call::Ringing { dialog } = &self.roster.agents[i].call else {
            return Ok(false);
        };
        let dialog = dialog.clone();
        let seq = self.seq();
        let jms_type = format!("AnswerCall#{}", self.roster.agents[i].id);
        self.track(seq, i, Kind::AnswerCall, None, now);
        self.stats.sent += 1;
        self.sender.send(&jms_type, &dialog, seq).await?;
        self.roster.agents[i].call = Call::Answering { dialog, seq };
        Ok(true)
    }

    async fn release_call(&mut self, i: usize, now: Instant) -> anyhow::Result<bool> {
        let Call::Active { dialog } = &self.roster.agents[i].call else {
            return Ok(false);
        };
        let dialog = dialog.clone();
        let seq = self.seq();
        let jms_type = format!("ReleaseCall#{}", self.roster.agents[i].id);
        self.track(seq, i, Kind::ReleaseCall, None, now);
        self.stats.sent += 1;
        self.sender.send(&jms_type, &dialog, seq).await?;
        self.roster.agents[i].call = Call::Releasing { dialog, seq };
        Ok(true)
    }

    /// Offers a call to an idle READY agent through the simulator's control API (in its own
    /// task: the driver never waits for HTTP).
    fn offer_call(&mut self, now: Instant) {
        let Some(control) = self.control.clone() else {
            return;
        };
        let Some(i) = self.roster.pick_ready() else {
            return;
        };
        let agent = &mut self.roster.agents[i];
        agent.call = Call::Offered;
        agent.call_since = Some(now);
        self.stats.calls_offered += 1;
        let id = agent.id.clone();
        let results = self.offers_tx.clone();
        tokio::spawn(async move {
            let result = control
                .offer_inbound_call(&id, CALLER, &[])
                .await
                .map_err(|e| e.to_string());
            let _ = results.send((i, result));
        });
    }

    // === receiving ===

    /// The next event or offer result, or `None` once `deadline` has passed. Sweeps stale
    /// commands on the way.
    async fn next_input(&mut self, deadline: Instant) -> anyhow::Result<Option<Input>> {
        loop {
            let sweep = sleep_until(Instant::now() + SWEEP);
            tokio::select! {
                delivery = self.events.next() => {
                    let delivery = delivery.context("the event consumer was cancelled")??;
                    return Ok(Some(Input::Delivery(Box::new(delivery))));
                }
                Some(offer) = self.offers_rx.recv() => return Ok(Some(Input::Offer(offer))),
                () = sweep => self.expire(Instant::now()),
                () = sleep_until(deadline) => return Ok(None),
            }
        }
    }

    fn handle(&mut self, input: Input) {
        match input {
            Input::Delivery(delivery) => self.on_event(&delivery, Instant::now()),
            Input::Offer(offer) => self.on_offer(offer),
        }
    }

    fn on_delivery(
        &mut self,
        delivery: Option<Result<Delivery, lapin::Error>>,
    ) -> anyhow::Result<()> {
        let Some(delivery) = delivery else {
            bail!("the event consumer was cancelled");
        };
        self.on_event(&delivery?, Instant::now());
        Ok(())
    }

    fn on_offer(&mut self, (i, result): OfferResult) {
        if result.is_err() {
            self.stats.calls_refused += 1;
            let agent = &mut self.roster.agents[i];
            if agent.call == Call::Offered {
                agent.call = Call::Idle;
                agent.call_since = None;
                agent.state = AgentState::Unknown;
            }
        }
    }

    /// One event from a destination: track the agent, and answer the command it answers.
    fn on_event(&mut self, delivery: &Delivery, now: Instant) {
        let Ok(text) = std::str::from_utf8(&delivery.data) else {
            return;
        };
        let event = Event::parse(text);
        match event {
            Event::State { agent, state } => {
                if let Some(i) = self.roster.index(agent) {
                    self.roster.agents[i].state = AgentState::parse(state);
                }
            }
            Event::Logout { agent } => {
                if let Some(i) = self.roster.index(agent) {
                    self.roster.agents[i].state = AgentState::LoggedOut;
                }
            }
            Event::Call {
                agent,
                state,
                dialog,
            } => {
                if let Some(i) = self.roster.index(agent) {
                    self.on_call(i, state, dialog, now);
                }
            }
            _ => {}
        }
        let answered = correlation(&delivery.properties).and_then(|seq| self.pending.remove(&seq));
        match answered {
            Some(pending) => self.answer(pending, &event, now),
            None if matches!(event, Event::Error { .. }) => self.stats.unsolicited_errors += 1,
            None => {
                if let Event::State { agent, state } = event {
                    self.uncorrelated_state(agent, AgentState::parse(state), &event, now);
                }
            }
        }
    }

    /// A State without a correlation id that is what the agent's state command in flight
    /// asked for: the connector answered it without copying the correlation id (counted).
    fn uncorrelated_state(
        &mut self,
        agent: &str,
        state: AgentState,
        event: &Event<'_>,
        now: Instant,
    ) {
        let Some(i) = self.roster.index(agent) else {
            return;
        };
        let Some(seq) = self.roster.agents[i].in_flight else {
            return;
        };
        let expected = self
            .pending
            .get(&seq)
            .is_some_and(|p| p.expect == Some(state));
        if expected && let Some(pending) = self.pending.remove(&seq) {
            self.stats.uncorrelated += 1;
            self.answer(pending, event, now);
        }
    }

    /// A direct answer (same correlation id) to a command.
    fn answer(&mut self, pending: Pending, event: &Event<'_>, now: Instant) {
        let agent = &mut self.roster.agents[pending.agent];
        agent.busy = false;
        agent.in_flight = None;
        self.last_answer = Some(now);
        match *event {
            Event::Error { code, .. } => {
                *self.stats.errors.entry(code.to_owned()).or_default() += 1;
                self.stats.answered += 1;
                agent.state = AgentState::Unknown;
                if matches!(pending.kind, Kind::AnswerCall | Kind::ReleaseCall) {
                    agent.call = Call::Idle;
                    agent.call_since = None;
                }
            }
            Event::State { state, .. } => {
                if pending
                    .expect
                    .is_some_and(|e| e != AgentState::parse(state))
                {
                    self.stats.unexpected += 1;
                }
                self.stats.record(pending.kind, now - pending.sent);
            }
            _ => {
                self.stats.unexpected += 1;
                self.stats.record(pending.kind, now - pending.sent);
            }
        }
    }

    /// A call state of agent `i`: drives the call flow and answers call control.
    fn on_call(&mut self, i: usize, state: &str, dialog: &str, now: Instant) {
        let agent = &mut self.roster.agents[i];
        match (state, &agent.call) {
            ("ALERTING", Call::Offered) => {
                agent.call = Call::Ringing {
                    dialog: dialog.to_owned(),
                };
                self.to_answer.push_back(i);
            }
            ("ACTIVE", Call::Answering { dialog: d, seq }) if d == dialog => {
                let seq = *seq;
                agent.call = Call::Active {
                    dialog: dialog.to_owned(),
                };
                self.to_release.push_back(i);
                self.complete(seq, now);
            }
            // With wrap-up the participant goes to WRAP_UP and the dialog is dropped only
            // when wrap-up ends; without it the call is dropped at once.
            ("WRAP_UP" | "DROP" | "FAILED", Call::Releasing { dialog: d, seq }) if d == dialog => {
                let seq = *seq;
                agent.call = Call::Idle;
                agent.call_since = None;
                self.stats.calls_completed += 1;
                self.complete(seq, now);
            }
            ("DROP" | "FAILED", call) if *call != Call::Idle => {
                // The call ended before the flow did (the caller hung up, a ring timeout).
                let seq = match call {
                    Call::Answering { seq, .. } => Some(*seq),
                    _ => None,
                };
                agent.call = Call::Idle;
                agent.call_since = None;
                self.to_answer.retain(|&a| a != i);
                self.to_release.retain(|&a| a != i);
                if let Some(pending) = seq.and_then(|s| self.pending.remove(&s)) {
                    self.stats.unexpected += 1;
                    self.stats.record(pending.kind, now - pending.sent);
                    self.last_answer = Some(now);
                }
            }
            _ => {}
        }
    }

    /// Call control `seq` is answered by its call state.
    fn complete(&mut self, seq: u64, now: Instant) {
        if let Some(pending) = self.pending.remove(&seq) {
            self.last_answer = Some(now);
            self.stats.record(pending.kind, now - pending.sent);
        }
    }
}

/// Something the driver reacts to.
#[derive(Debug)]
enum Input {
    Delivery(Box<Delivery>),
    Offer(OfferResult),
}
