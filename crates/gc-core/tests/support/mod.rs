//! Scenario harness for the engine: a simulated clock, timers that fire when time advances,
//! and helpers to send client commands, play Finesse's part (results, notifications) and read
//! what the engine published, per destination, as the client would see it.
//!
//! Finesse is scripted by each test, explicitly: the test sees every operation the engine asks
//! for and decides what Finesse answers.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use gc_core::finesse::{
    Action, CallType, CallVariable, Contact, Dialog, DialogState, FinesseFailure, FinesseReply,
    MediaProperties, NodeStatus, Notification, Participant, ParticipantState, PhoneBook,
    PhoneBookType, Queue, ReasonCodeInfo, Request, Role, SessionEvent, Team, TeamRef, User,
    UserState, WrapUpMode, WrapUpReason,
};
use gc_core::{
    ClientRequest, Deadline, DeliveryToken, Effect, Engine, EngineConfig, Input, Now, PeerSync,
    Publication, Target, TimerId,
};
use gc_protocol::{AgentId, Command, DialogId, ErrorCode, Format, ObjectId, ReasonCode};

/// A Finesse operation the engine asked for.
#[derive(Clone, Debug)]
pub struct Op {
    pub agent: AgentId,
    pub request_id: String,
    pub op: Request,
}

/// The world around one engine.
pub struct World {
    pub engine: Engine,
    pub now: Now,
    next_token: u64,
    timers: BTreeMap<TimerId, Deadline>,
    /// Everything published, in order, not yet taken.
    pub published: VecDeque<Publication>,
    /// Finesse operations not yet taken.
    pub ops: VecDeque<Op>,
    pub acked: Vec<DeliveryToken>,
    pub requeued: Vec<DeliveryToken>,
    pub dead_lettered: Vec<(DeliveryToken, String)>,
    pub opened: Vec<AgentId>,
    pub closed: Vec<AgentId>,
    pub subscribed: Vec<(AgentId, ObjectId)>,
    pub unsubscribed: Vec<(AgentId, ObjectId)>,
    pub synced: Vec<PeerSync>,
    pub recordings: Vec<Effect>,
    /// Every effect, in order (for invariant checks).
    pub log: Vec<Effect>,
}

pub fn agent(id: &str) -> AgentId {
    AgentId::parse(id).unwrap()
}

impl World {
    /// A world whose Finesse has answered its first probe: IN_SERVICE (what the driver
    /// reports before the connector is ready). `unprobed` leaves it unknown.
    pub fn new(config: EngineConfig) -> Self {
        let mut world = Self::unprobed(config);
        world.input(Input::Node {
            status: NodeStatus::InService,
            switched: false,
        });
        world.forget_effects();
        world.log.clear();
        world.published.clear();
        world
    }

    /// A world whose Finesse has not been probed yet.
    pub fn unprobed(config: EngineConfig) -> Self {
        Self {
            engine: Engine::new(config),
            now: Now {
                mono_ms: 1_000,
                unix_ms: 1_795_609_800_000,
            },
            next_token: 0,
            timers: BTreeMap::new(),
            published: VecDeque::new(),
            ops: VecDeque::new(),
            acked: Vec::new(),
            requeued: Vec::new(),
            dead_lettered: Vec::new(),
            opened: Vec::new(),
            closed: Vec::new(),
            subscribed: Vec::new(),
            unsubscribed: Vec::new(),
            synced: Vec::new(),
            recordings: Vec::new(),
            log: Vec::new(),
        }
    }

    pub fn standard() -> Self {
        Self::new(EngineConfig::default())
    }

    /// Feeds an input and files its effects.
    pub fn input(&mut self, input: Input) {
        let effects = self.engine.handle(self.now, input);
        // Every event for a client destination goes to a destination registered now, except
        // O-026, whose purpose is to reach a destination the connector does not know, and the
        // PLEASE_RETRY that tells a destination it could not be registered (a cap).
        for effect in &effects {
            if let Effect::Publish(p) = effect
                && !matches!(
                    p.event,
                    gc_protocol::Event::DestinationReconnect { .. }
                        | gc_protocol::Event::Error {
                            code: ErrorCode::PleaseRetry,
                            ..
                        }
                )
            {
                for target in &p.targets {
                    if let Target::Destination { name, .. } = target {
                        assert!(
                            self.engine.has_destination(name),
                            "{:?} published to unregistered destination {name}",
                            p.event
                        );
                    }
                }
            }
        }
        for effect in effects {
            self.log.push(effect.clone());
            match effect {
                Effect::Publish(p) => self.published.push_back(p),
                Effect::Finesse {
                    agent,
                    request_id,
                    request: op,
                    ..
                } => {
                    self.ops.push_back(Op {
                        agent,
                        request_id,
                        op,
                    });
                }
                Effect::OpenSession { agent, .. } => self.opened.push(agent),
                Effect::CloseSession { agent } => self.closed.push(agent),
                Effect::SubscribeTeam { agent, team } => self.subscribed.push((agent, team)),
                Effect::UnsubscribeTeam { agent, team } => self.unsubscribed.push((agent, team)),
                Effect::Sync(s) => self.synced.push(s),
                e @ Effect::Recording { .. } => self.recordings.push(e),
                Effect::ArmTimer { timer, at } => {
                    self.timers.insert(timer, at);
                }
                Effect::CancelTimer(timer) => {
                    self.timers.remove(&timer);
                }
                Effect::Ack(token) => self.acked.push(token),
                Effect::Requeue(token) => self.requeued.push(token),
                Effect::DeadLetter { token, reason } => self.dead_lettered.push((token, reason)),
            }
        }
        if let Err(broken) = self.engine.check_invariants() {
            panic!("invariant broken: {broken}");
        }
    }

    /// Sends a client message as the broker would deliver it.
    pub fn send_full(
        &mut self,
        jms_type: &str,
        body: &str,
        reply_to: Option<&str>,
        correlation: Option<&str>,
        format: Option<Format>,
    ) -> DeliveryToken {
        self.next_token += 1;
        let token = DeliveryToken(self.next_token);
        let request = ClientRequest {
            command: Command::parse(Some(jms_type), body.as_bytes()),
            reply_to: reply_to.map(str::to_owned),
            correlation_id: correlation.map(str::to_owned),
            message_id: Some(format!("msg-{}", self.next_token)),
            redelivered: false,
            format,
            destination: None,
            token,
        };
        self.input(Input::Client(request));
        token
    }

    /// Sends a message with a given message id (a redelivery carries the same one).
    pub fn send_with_id(
        &mut self,
        jms_type: &str,
        body: &str,
        message_id: &str,
        redelivered: bool,
    ) -> DeliveryToken {
        self.next_token += 1;
        let token = DeliveryToken(self.next_token);
        self.input(Input::Client(ClientRequest {
            command: Command::parse(Some(jms_type), body.as_bytes()),
            reply_to: None,
            correlation_id: None,
            message_id: Some(message_id.to_owned()),
            redelivered,
            format: None,
            destination: None,
            token,
        }));
        token
    }

    /// Sends a message with header `gc-destination` naming the destination the sender reads.
    pub fn send_from(&mut self, jms_type: &str, body: &str, destination: &str) -> DeliveryToken {
        self.next_token += 1;
        let token = DeliveryToken(self.next_token);
        self.input(Input::Client(ClientRequest {
            command: Command::parse(Some(jms_type), body.as_bytes()),
            reply_to: None,
            correlation_id: None,
            message_id: Some(format!("msg-{}", self.next_token)),
            redelivered: false,
            format: None,
            destination: gc_protocol::DestinationName::parse(destination).ok(),
            token,
        }));
        token
    }

    pub fn send(&mut self, jms_type: &str, body: &str) -> DeliveryToken {
        self.send_full(jms_type, body, None, None, None)
    }

    /// Moves the clock and fires the timers that fall due, in order.
    pub fn advance(&mut self, by: Duration) {
        self.now = self.now + by;
        loop {
            let due = self
                .timers
                .iter()
                .filter(|(_, at)| at.0 <= self.now.mono_ms)
                .min_by_key(|(_, at)| **at)
                .map(|(t, _)| t.clone());
            let Some(timer) = due else { break };
            self.timers.remove(&timer);
            self.input(Input::Timer(timer));
        }
    }

    /// How many client messages were sent (their tokens are 1 to this).
    pub fn sent(&self) -> u64 {
        self.next_token
    }

    pub fn timer_armed(&self, timer: &TimerId) -> bool {
        self.timers.contains_key(timer)
    }

    // === Finesse's part ===

    /// Takes the next operation; panics when there is none.
    pub fn next_op(&mut self) -> Op {
        self.ops
            .pop_front()
            .expect("the engine asked Finesse for nothing")
    }

    /// Takes every operation asked for so far.
    pub fn take_ops(&mut self) -> Vec<Op> {
        self.ops.drain(..).collect()
    }

    pub fn reply(&mut self, op: &Op, result: Result<FinesseReply, FinesseFailure>) {
        self.input(Input::FinesseResult {
            agent: op.agent.clone(),
            request_id: op.request_id.clone(),
            result,
        });
    }

    pub fn accept(&mut self, op: &Op) {
        self.reply(op, Ok(FinesseReply::Accepted));
    }

    pub fn fail(&mut self, op: &Op, code: ErrorCode) {
        self.reply(op, Err(FinesseFailure::new(code)));
    }

    pub fn notify(&mut self, agent_id: &str, notification: Notification) {
        self.input(Input::Notification {
            agent: agent(agent_id),
            notification,
        });
    }

    pub fn user_update(&mut self, user: User, request_id: Option<&str>) {
        let id = user.login_id.to_string();
        self.notify(
            &id,
            Notification::User {
                user,
                request_id: request_id.map(str::to_owned),
            },
        );
    }

    pub fn session(&mut self, agent_id: &str, event: SessionEvent) {
        self.input(Input::Session {
            agent: agent(agent_id),
            event,
        });
    }

    pub fn node(&mut self, status: NodeStatus, switched: bool) {
        self.input(Input::Node { status, switched });
    }

    /// An asynchronous Finesse error (`apiErrors`) on the agent's session.
    pub fn api_error(&mut self, agent_id: &str, request_id: Option<&str>, failure: FinesseFailure) {
        self.notify(
            agent_id,
            Notification::ApiError {
                request_id: request_id.map(str::to_owned),
                failure,
            },
        );
    }

    /// A peer connector's ConnectorSync message.
    pub fn peer(&mut self, sync: PeerSync) {
        self.input(Input::Peer(sync));
    }

    /// Leadership gained or lost.
    pub fn leadership(&mut self, leader: bool) {
        self.input(Input::Leadership(leader));
    }

    /// Answers a GET with data.
    pub fn answer(&mut self, op: &Op, reply: FinesseReply) {
        self.reply(op, Ok(reply));
    }

    // === what clients see ===

    /// Takes the publications that went to a destination, rendered in its format. Only that
    /// target is taken: a publication for several destinations stays for the others.
    pub fn take_for(&mut self, destination: &str) -> Vec<String> {
        self.take_targets(|t| match t {
            Target::Destination { name, format } if name.as_str() == destination => Some(*format),
            _ => None,
        })
        .into_iter()
        .map(|(text, _)| text)
        .collect()
    }

    /// Takes the publications that went to a reply-to address, with their correlation ids.
    pub fn take_replies(&mut self, address: &str) -> Vec<(String, Option<String>)> {
        self.take_targets(|t| match t {
            Target::ReplyTo { address: a, format } if a == address => Some(*format),
            _ => None,
        })
    }

    /// Removes the targets `pick` selects, rendering each publication once per picked target;
    /// a publication left without targets is dropped.
    fn take_targets(
        &mut self,
        pick: impl Fn(&Target) -> Option<Format>,
    ) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        let mut rest = VecDeque::new();
        for mut p in self.published.drain(..) {
            let before = p.targets.len();
            p.targets.retain(|t| match pick(t) {
                Some(format) => {
                    out.push((p.event.render(format), p.correlation_id.clone()));
                    false
                }
                None => true,
            });
            if p.targets.len() == before || !p.targets.is_empty() {
                rest.push_back(p);
            }
        }
        self.published = rest;
        out
    }

    /// Drops everything published so far.
    pub fn clear(&mut self) {
        self.published.clear();
    }

    /// Every publication not yet taken, rendered as legacy text with its targets' names
    /// (`dest:<name>`, `reply:<address>`; none when it only goes to the events exchange).
    pub fn take_all(&mut self) -> Vec<(String, Vec<String>)> {
        self.published
            .drain(..)
            .map(|p| {
                let targets = p
                    .targets
                    .iter()
                    .map(|t| match t {
                        Target::Destination { name, .. } => format!("dest:{name}"),
                        Target::ReplyTo { address, .. } => format!("reply:{address}"),
                    })
                    .collect();
                (p.event.render(Format::Legacy), targets)
            })
            .collect()
    }

    /// Asserts that nothing was published and nothing asked of Finesse since the last take.
    pub fn assert_quiet(&mut self) {
        let published = self.take_all();
        assert!(
            published.is_empty(),
            "unexpected publications: {published:?}"
        );
        assert!(
            self.ops.is_empty(),
            "unexpected Finesse operations: {:?}",
            self.ops
        );
    }

    /// Clears the record of sessions, subscriptions, syncs, acks and recordings.
    pub fn forget_effects(&mut self) {
        self.opened.clear();
        self.closed.clear();
        self.subscribed.clear();
        self.unsubscribed.clear();
        self.synced.clear();
        self.acked.clear();
        self.dead_lettered.clear();
        self.recordings.clear();
    }

    // === common flows ===

    /// Hello, Connect and the session opening, for one agent on one destination.
    pub fn connect(&mut self, agent_id: &str, destination: &str) {
        self.send(&format!("Hello#{destination}"), "");
        self.send(
            &format!("Connect#{agent_id}"),
            &format!("{destination},secret"),
        );
        self.session(agent_id, SessionEvent::Opened);
        self.clear();
    }

    /// Connect, then a Login that Finesse accepts: the agent ends NOT_READY on `extension`.
    pub fn login(&mut self, agent_id: &str, destination: &str, extension: &str) {
        self.connect(agent_id, destination);
        self.send(&format!("Login#{agent_id}"), &format!("secret,{extension}"));
        let op = self.next_op();
        self.accept(&op);
        let user = user(agent_id).extension(extension).state("NOT_READY");
        self.user_update(user, Some(&op.request_id));
        self.clear();
    }

    /// A Connect of a known agent from another destination (or with another password) that
    /// Finesse accepts: the engine checks the credentials with a GET of the user first.
    pub fn take_over(&mut self, agent_id: &str, destination: &str, password: &str) {
        self.send(
            &format!("Connect#{agent_id}"),
            &format!("{destination},{password}"),
        );
        let op = self.next_op();
        assert_eq!(op.op, Request::GetUser, "credentials are checked first");
        self.answer(&op, user_reply(user(agent_id)));
    }

    /// Makes the agent READY through the engine.
    pub fn ready(&mut self, agent_id: &str) {
        self.send(&format!("MakeReady#{agent_id}"), "");
        let op = self.next_op();
        self.accept(&op);
        let ext = extension_of(agent_id);
        self.user_update(
            user(agent_id).extension(&ext).state("READY"),
            Some(&op.request_id),
        );
        self.clear();
    }
}

impl World {
    /// A new call ringing at the agent (Finesse POSTs it to the agent's Dialogs): the agent's
    /// NewInboundCall and InboundCall ALERTING are taken.
    pub fn ring(&mut self, agent_id: &str, id: &str) {
        let ext = extension_of(agent_id);
        self.notify(agent_id, added(ringing(id, &ext), None));
        self.clear();
    }

    /// A call ringing at the agent, answered: the agent talks on it.
    pub fn talk(&mut self, agent_id: &str, id: &str) {
        self.ring(agent_id, id);
        let ext = extension_of(agent_id);
        self.notify(agent_id, changed(talking(id, &ext), None));
        self.clear();
    }
}

/// An ACD call from 4012 ringing at `ext`.
pub fn ringing(id: &str, ext: &str) -> Dialog {
    dialog(id, "ACD_IN", "4012", ext)
        .state("ALERTING")
        .with("4012", "ACTIVE", false, &[])
        .with(ext, "ALERTING", true, &["ANSWER"])
}

/// The same call, answered at `ext`.
pub fn talking(id: &str, ext: &str) -> Dialog {
    dialog(id, "ACD_IN", "4012", ext)
        .with("4012", "ACTIVE", false, &[])
        .with(
            ext,
            "ACTIVE",
            true,
            &[
                "HOLD",
                "DROP",
                "CONSULT_CALL",
                "TRANSFER_SST",
                "UPDATE_CALL_DATA",
            ],
        )
}

/// The same call, held at `ext`.
pub fn held(id: &str, ext: &str) -> Dialog {
    dialog(id, "ACD_IN", "4012", ext)
        .with("4012", "ACTIVE", false, &[])
        .with(ext, "HELD", true, &["RETRIEVE", "DROP", "UPDATE_CALL_DATA"])
}

/// The same call, gone from `ext` (what a DELETE carries).
pub fn dropped(id: &str, ext: &str) -> Dialog {
    dialog(id, "ACD_IN", "4012", ext)
        .state("DROPPED")
        .with("4012", "DROPPED", false, &[])
        .with(ext, "DROPPED", true, &[])
}

/// A failure with only a code and Finesse's error type.
pub fn failure(code: ErrorCode, error_type: &str) -> FinesseFailure {
    FinesseFailure {
        code,
        error_type: error_type.into(),
        message: String::new(),
    }
}

/// The default directory's extension of an agent (1001 → 3001, 2001 → 3901).
pub fn extension_of(agent_id: &str) -> String {
    match agent_id {
        "2001" => "3901".into(),
        id => format!("30{}", &id[id.len().saturating_sub(2)..]),
    }
}

// === builders ===

/// Text as Finesse's parsers give it: empty is absent.
pub fn opt(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// A user from the default directory: 1001 Maria Meier (team 1 Sales), 1002 Ali Khan, 1003
/// Eva Lind, 2001 Sam Boss (supervisor of teams 1 and 2).
pub fn user(id: &str) -> User {
    let (first, last) = match id {
        "1001" => ("Maria", "Meier"),
        "1002" => ("Ali", "Khan"),
        "1003" => ("Eva", "Lind"),
        "2001" => ("Sam", "Boss"),
        _ => ("Agent", id),
    };
    let team = |id: &str, name: &str| TeamRef {
        id: ObjectId::parse(id).ok(),
        name: Some(name.into()),
        uri: None,
    };
    User {
        login_id: AgentId::parse(id).unwrap(),
        uri: None,
        login_name: None,
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        extension: None,
        mobile_agent: None,
        active_device_id: None,
        roles: if id == "2001" {
            vec![Role::Agent, Role::Supervisor]
        } else {
            vec![Role::Agent]
        },
        state: Some(UserState::Logout),
        state_change_time: Some("2026-11-25T12:30:00.000Z".into()),
        pending_state: None,
        reason_code_id: None,
        reason_code: None,
        wrap_up_on_incoming: Some(WrapUpMode::Optional),
        wrap_up_on_outgoing: None,
        wrap_up_timer: None,
        media_type: Some("1".into()),
        team_id: ObjectId::parse("1").ok(),
        team_name: Some("Sales".into()),
        teams: if id == "2001" {
            vec![team("1", "Sales"), team("2", "Support")]
        } else {
            Vec::new()
        },
        skill_target_id: None,
        dialogs_uri: None,
        media_state: None,
    }
}

/// A team member as the Team API shows it: login id, names, extension and state (the rest
/// absent but the state change time and the media type).
pub fn member(id: &str, first: &str, last: &str, extension: &str, state: &str) -> User {
    let mut member = user(id);
    member.first_name = opt(first);
    member.last_name = opt(last);
    member.extension = opt(extension);
    member.state = opt(state).map(|s| UserState::parse(&s));
    member.roles = Vec::new();
    member.team_id = None;
    member.team_name = None;
    member.wrap_up_on_incoming = None;
    member
}

pub trait UserExt {
    fn state(self, state: &str) -> Self;
    fn extension(self, extension: &str) -> Self;
    fn reason(self, reason: &str) -> Self;
    fn pending(self, pending: &str) -> Self;
}

impl UserExt for User {
    fn state(mut self, state: &str) -> Self {
        self.state = opt(state).map(|s| UserState::parse(&s));
        self
    }
    fn extension(mut self, extension: &str) -> Self {
        self.extension = opt(extension);
        self
    }
    fn reason(mut self, reason: &str) -> Self {
        self.reason_code_id = ReasonCode::parse(reason).ok();
        self
    }
    fn pending(mut self, pending: &str) -> Self {
        self.pending_state = opt(pending).map(|s| UserState::parse(&s));
        self
    }
}

/// A reason code: Finesse id, numeric code, label.
pub fn reason_code(id: &str, code: &str, label: &str) -> ReasonCodeInfo {
    ReasonCodeInfo {
        id: ReasonCode::parse(id).ok(),
        code: opt(code),
        label: opt(label),
        ..ReasonCodeInfo::default()
    }
}

/// A wrap-up reason: Finesse id, label.
pub fn wrap_up_reason(id: &str, label: &str) -> WrapUpReason {
    WrapUpReason {
        id: ReasonCode::parse(id).ok(),
        label: opt(label),
        ..WrapUpReason::default()
    }
}

/// A phone book: id, name, `GLOBAL` or `TEAM`.
pub fn phone_book(id: &str, name: &str, kind: &str) -> PhoneBook {
    PhoneBook {
        id: ObjectId::parse(id).ok(),
        name: opt(name),
        kind: opt(kind).map(|k| PhoneBookType::parse(&k)),
        ..PhoneBook::default()
    }
}

/// A contact: id, first and last name, number, description.
pub fn contact(id: &str, first: &str, last: &str, phone: &str, description: &str) -> Contact {
    Contact {
        id: ObjectId::parse(id).ok(),
        first_name: opt(first),
        last_name: opt(last),
        phone_number: opt(phone),
        description: opt(description),
        ..Contact::default()
    }
}

/// A queue without statistics.
pub fn queue(name: &str) -> Queue {
    Queue {
        name: opt(name),
        ..Queue::default()
    }
}

/// A team with its members.
pub fn team(id: &str, name: &str, users: Vec<User>) -> Team {
    Team {
        id: ObjectId::parse(id).ok(),
        name: opt(name),
        users,
        ..Team::default()
    }
}

/// A user as a REST reply.
pub fn user_reply(user: User) -> FinesseReply {
    FinesseReply::User(Box::new(user))
}

/// A dialog builder.
pub fn dialog(id: &str, call_type: &str, from: &str, to: &str) -> Dialog {
    Dialog {
        id: DialogId::parse(id).unwrap(),
        uri: None,
        associated_dialog: None,
        secondary_id: None,
        media_type: None,
        from_address: opt(from),
        to_address: opt(to),
        callback_number: None,
        state: Some(DialogState::Active),
        media_properties: MediaProperties {
            call_type: opt(call_type).map(|c| CallType::parse(&c)),
            ..MediaProperties::default()
        },
        participants: Vec::new(),
    }
}

pub trait DialogExt {
    fn state(self, state: &str) -> Self;
    /// Sets the `stateCause` of the participant on `address`.
    fn cause(self, address: &str, cause: &str) -> Self;
    fn with(self, address: &str, state: &str, agent_device: bool, actions: &[&str]) -> Self;
    fn var(self, name: &str, value: &str) -> Self;
    fn associated(self, id: &str) -> Self;
    /// Finesse's `secondaryId` (the other dialog of a completed transfer or conference).
    fn secondary(self, id: &str) -> Self;
}

impl DialogExt for Dialog {
    fn state(mut self, state: &str) -> Self {
        self.state = opt(state).map(|s| DialogState::parse(&s));
        self
    }
    fn cause(mut self, address: &str, cause: &str) -> Self {
        for p in &mut self.participants {
            if p.media_address.as_deref() == Some(address) {
                p.state_cause = opt(cause);
            }
        }
        self
    }
    fn with(mut self, address: &str, state: &str, agent_device: bool, actions: &[&str]) -> Self {
        self.participants.push(Participant {
            media_address: opt(address),
            media_address_type: agent_device.then(|| "AGENT_DEVICE".into()),
            state: opt(state).map(|s| ParticipantState::parse(&s)),
            state_cause: None,
            start_time: Some("2026-11-25T12:30:05.000Z".into()),
            state_change_time: None,
            actions: actions.iter().map(|a| Action::parse(a)).collect(),
        });
        self
    }
    fn var(mut self, name: &str, value: &str) -> Self {
        self.media_properties
            .call_variables
            .push(CallVariable::new(name, value));
        self
    }
    fn associated(mut self, id: &str) -> Self {
        self.associated_dialog = DialogId::parse(id).ok();
        self
    }
    fn secondary(mut self, id: &str) -> Self {
        self.secondary_id = DialogId::parse(id).ok();
        self
    }
}

pub fn added(dialog: Dialog, request_id: Option<&str>) -> Notification {
    Notification::DialogAdded {
        dialog,
        request_id: request_id.map(str::to_owned),
    }
}

pub fn changed(dialog: Dialog, request_id: Option<&str>) -> Notification {
    Notification::DialogChanged {
        dialog,
        request_id: request_id.map(str::to_owned),
    }
}

pub fn removed(dialog: Dialog, request_id: Option<&str>) -> Notification {
    Notification::DialogRemoved {
        dialog,
        request_id: request_id.map(str::to_owned),
    }
}

/// The ten empty call variables as the legacy text shows them.
pub const NO_VARS: &str = "callVariable1=|callVariable2=|callVariable3=|callVariable4=|\
callVariable5=|callVariable6=|callVariable7=|callVariable8=|callVariable9=|callVariable10=";

/// The full name of a directory user, as the legacy text ends.
pub fn full_name(agent_id: &str) -> String {
    gc_core::finesse::full_name(&user(agent_id))
}

/// O-008 in the new format for a call from `from` without call variables.
pub fn inbound_line(agent_id: &str, state: &str, id: &str, from: &str) -> String {
    format!(
        "{agent_id}#InboundCall#{state}#DialogID:{id}#{from}#{NO_VARS}#2026-11-25 12:30:05#{}",
        full_name(agent_id)
    )
}

/// O-010 in the new format for a consult from `from` without call variables.
pub fn consult_line(agent_id: &str, state: &str, id: &str, from: &str) -> String {
    format!(
        "{agent_id}#ConsultCall#{state}#AssDialogID:{id}#{from}#{NO_VARS}#2026-11-25 12:30:05#{}",
        full_name(agent_id)
    )
}

/// A consult call from `from` to `to` with the two agents' participant states.
pub fn consult(id: &str, from: &str, to: &str, from_state: &str, to_state: &str) -> Dialog {
    dialog(id, "CONSULT", from, to)
        .with(from, from_state, true, &["DROP"])
        .with(to, to_state, true, &["ANSWER"])
}
