//! Property test: any sequence of client commands (valid and malformed, several agents and
//! destinations), Finesse results and notifications (for known and unknown agents, dialogs and
//! request ids), session events, node changes, timers, peer sync and leadership leaves the
//! engine consistent and never panics.
//!
//! After every step:
//! * `Engine::check_invariants` holds (licences within the maximum, agents bound only to
//!   registered destinations, a licence always has an extension, a logged-out agent tracks no
//!   dialog, every request in flight belongs to a known agent);
//! * every event published to a client destination went to a destination registered at that
//!   moment, except O-026 (DESTINATION#…#RECONNECT), whose very purpose is to reach a
//!   destination the connector does not know;
//! * no command is acked or dead-lettered twice (a second ack of a delivery tag closes the AMQP
//!   channel).
//!
//! Each step is a handful of random bytes interpreted below, so shrinking stays effective.

// Test helpers outside #[test] functions build fixtures from literals; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// A step is six random bytes `a`..`e` read as selectors; naming them would not help.
#![allow(clippy::many_single_char_names)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use gc_core::finesse::{
    Contact, Dialog, FinesseFailure, FinesseReply, NodeStatus, Notification, PhoneBook, Queue,
    SessionEvent,
};
use gc_core::{DeliveryToken, Effect, EngineConfig, Input, PeerSync, TimerId};
use gc_protocol::{DestinationName, ErrorCode, Extension, Format, Password};
use proptest::prelude::*;
use support::{DialogExt, Op, UserExt, World, agent, dialog, user};

const AGENTS: [&str; 4] = ["1001", "1002", "2001", "1005"];
const DESTINATIONS: [&str; 3] = ["crm-7", "crm-8", "web-1"];
const DIALOGS: [&str; 4] = ["16871253", "16871288", "16871300", "999"];

/// Command names with body templates: `{d}` a dialog id, `{e}` the agent's extension.
const COMMANDS: &[(&str, &[&str])] = &[
    ("Connect", &["{dest},secret", "{dest}", "gc.bad,secret"]),
    ("Login", &["secret,{e}", "secret", "", "secret,12a"]),
    (
        "MobileAgentLogin",
        &["secret,{e},0049301,true", "secret,{e}"],
    ),
    ("Logout", &[""]),
    ("MakeReady", &[""]),
    ("MakeNotReady", &[""]),
    ("GetState", &[""]),
    ("MakeNotReadyWithReason", &["7", ""]),
    ("MakeCall", &["4012", ""]),
    ("AnswerCall", &["{d}", ""]),
    ("HoldCall", &["{d}"]),
    ("RetrieveCall", &["{d}"]),
    ("ReleaseCall", &["{d}"]),
    ("wrapupreasoncode", &[""]),
    ("reasoncodelogout", &[""]),
    ("reasoncodenotready", &[""]),
    ("Transfer_sst", &["4013,{d}", "4013"]),
    ("ConsultCall", &["3002,{d}"]),
    ("TransferCall", &["{e},{d}"]),
    ("Conferencecall", &["{e},{d}"]),
    ("getdialogstate", &["{d}"]),
    ("wrapup", &["Bill Inquiry,{d}", ""]),
    ("logoutwithreason", &["12", ""]),
    ("force_logout", &[""]),
    ("getdialogstatecontrols", &["{d}"]),
    ("makeworknotready", &[""]),
    ("makeworkready", &[""]),
    ("getDialogParticipants", &["{d}"]),
    ("getallagents", &[""]),
    ("update_call_variable", &["{d},callVariable1,gold", "{d}"]),
    ("ZOOMPauseRecording", &[""]),
    ("ZOOMResumeRecording", &[""]),
    ("refresh", &[""]),
    ("GetPhonebooks", &[""]),
    ("GetPhonebookContacts", &["1", ""]),
    ("GetTeamPhonebooks", &[""]),
    ("AcceptOutboundPreview", &["{d},ACCEPT"]),
    ("RejectOutboundPreview", &["{d},REJECT"]),
    ("CloseOutboundPreview", &["{d},CLOSE"]),
    ("getqueuelist", &[""]),
    ("silentmonitor", &["3002", ""]),
    ("endsilentmonitor", &["{d}"]),
    ("dropparticipant", &["3002,{d}"]),
    ("getteamusers", &["1,true", "1", "2,true"]),
    ("getteamuserstate", &["1002"]),
    ("bargein", &["1002,{d}"]),
    ("MakeCoffee", &[""]),
];

const USER_STATES: [&str; 9] = [
    "LOGOUT",
    "NOT_READY",
    "READY",
    "TALKING",
    "RESERVED_OUTBOUND",
    "RESERVED_OUTBOUND_PREVIEW",
    "WORK",
    "HOLD",
    "",
];
const CALL_TYPES: [&str; 7] = [
    "ACD_IN",
    "OTHER_IN",
    "OUTBOUND",
    "OUTBOUND_PREVIEW",
    "CONSULT",
    "AGENT_OUT",
    "SUPERVISOR_MONITOR",
];
const CALL_STATES: [&str; 8] = [
    "ALERTING",
    "ACTIVE",
    "HELD",
    "DROPPED",
    "FAILED",
    "INITIATING",
    "ACCEPTED",
    "WRAP_UP",
];
const CODES: [ErrorCode; 5] = [
    ErrorCode::CfInvalidObjectState,
    ErrorCode::NotReachable,
    ErrorCode::UnableToSubscribeToFinesse,
    ErrorCode::GeneralError,
    ErrorCode::Down,
];

fn pick<T: Clone>(items: &[T], i: u8) -> T {
    items[usize::from(i) % items.len()].clone()
}

fn extension(agent_id: &str) -> String {
    match agent_id {
        "2001" => "3901".into(),
        id => format!("30{}", &id[id.len() - 2..]),
    }
}

/// The world plus what the property needs to remember across steps.
struct Run {
    w: World,
    history: Vec<Op>,
    finished: HashSet<DeliveryToken>,
    logged: usize,
}

impl Run {
    fn new(config: EngineConfig) -> Self {
        Self {
            w: World::new(config),
            history: Vec::new(),
            finished: HashSet::new(),
            logged: 0,
        }
    }

    /// A request id: one the engine used (most of the time) or one it never did.
    fn request_id(&self, i: u8) -> Option<String> {
        match i % 5 {
            0 => None,
            1 => Some("bogus-1".into()),
            _ if self.history.is_empty() => None,
            _ => Some(
                self.history[usize::from(i) % self.history.len()]
                    .request_id
                    .clone(),
            ),
        }
    }

    fn step(&mut self, s: [u8; 6]) {
        let [kind, a, b, c, d, e] = s;
        let agent_id = pick(&AGENTS, a);
        match kind % 24 {
            0..=8 => self.command(a, b, c, d, e),
            9..=11 => self.finesse_result(a, b, c),
            12..=15 => self.dialog_notification(agent_id, b, c, d, e),
            16 => {
                let ext = if c.is_multiple_of(3) {
                    String::new()
                } else {
                    extension(agent_id)
                };
                let mut u = user(agent_id).state(pick(&USER_STATES, b)).extension(&ext);
                if c.is_multiple_of(2) {
                    u = u.reason("7");
                }
                let request_id = self.request_id(d);
                self.w.user_update(u, request_id.as_deref());
            }
            17 => {
                let failure = FinesseFailure {
                    code: pick(&CODES, b),
                    error_type: if c.is_multiple_of(2) {
                        "Parameter Missing".into()
                    } else {
                        String::new()
                    },
                    message: String::new(),
                };
                let request_id = self.request_id(d);
                self.w.api_error(agent_id, request_id.as_deref(), failure);
            }
            18 => {
                let event = match b % 4 {
                    0 => SessionEvent::Opened,
                    1 => SessionEvent::Failed(FinesseFailure::new(pick(&CODES, c))),
                    2 => SessionEvent::Interrupted,
                    _ => SessionEvent::Closed,
                };
                self.w.session(agent_id, event);
            }
            19 => {
                let status = [
                    NodeStatus::InService,
                    NodeStatus::OutOfService,
                    NodeStatus::NotReachable,
                ][usize::from(b) % 3];
                self.w.node(status, c.is_multiple_of(2));
            }
            20 => self.w.advance(Duration::from_millis(u64::from(b) * 250)),
            21 => self.timer(agent_id, b, c),
            22 => self.peer(agent_id, b, c),
            _ => {
                if b.is_multiple_of(4) {
                    self.w.leadership(c.is_multiple_of(2));
                } else if b % 16 == 1 {
                    self.w.input(Input::Shutdown {
                        logout_agents: c.is_multiple_of(2),
                    });
                } else {
                    self.team_or_recording(agent_id, b, c);
                }
            }
        }
    }

    fn command(&mut self, a: u8, b: u8, c: u8, d: u8, e: u8) {
        let agent_id = pick(&AGENTS, a);
        let destination = pick(&DESTINATIONS, c);
        let format = match e % 4 {
            0 => Some(Format::Json),
            1 => Some(Format::Legacy),
            _ => None,
        };
        let reply_to = (e.is_multiple_of(3)).then_some("rq");
        let (jms, body) = match b % 16 {
            0 => (format!("Hello#{destination}"), String::new()),
            1 => (format!("Beat#{destination}"), String::new()),
            2 => ("Hello#gc.reserved".to_owned(), String::new()),
            _ => {
                let (name, bodies) = COMMANDS[usize::from(d) % COMMANDS.len()];
                let template = bodies[usize::from(c) % bodies.len()];
                let body = template
                    .replace("{d}", pick(&DIALOGS, e))
                    .replace("{e}", &extension(agent_id))
                    .replace("{dest}", destination);
                (format!("{name}#{agent_id}"), body)
            }
        };
        if e.is_multiple_of(7) {
            // A redelivery of an earlier message id.
            self.w
                .send_with_id(&jms, &body, &format!("m-{}", d % 4), true);
        } else {
            self.w
                .send_full(&jms, &body, reply_to, Some("corr"), format);
        }
    }

    fn finesse_result(&mut self, a: u8, b: u8, c: u8) {
        if self.history.is_empty() {
            return;
        }
        let op = self.history[usize::from(a) % self.history.len()].clone();
        let result = match b % 11 {
            0..=2 => Ok(FinesseReply::Accepted),
            3 => Ok(support::user_reply(
                user(op.agent.as_str())
                    .state(pick(&USER_STATES, c))
                    .extension(&extension(op.agent.as_str())),
            )),
            4 => Ok(FinesseReply::Dialogs(
                (0..c % 3)
                    .map(|i| random_dialog(op.agent.as_str(), c.wrapping_add(i), i, c))
                    .collect(),
            )),
            5 => Ok(FinesseReply::ReasonCodes(vec![support::reason_code(
                "1", "1", "Lunch",
            )])),
            6 => Ok(FinesseReply::WrapUpReasons(vec![support::wrap_up_reason(
                "1", "Bill",
            )])),
            7 => Ok(if c.is_multiple_of(2) {
                FinesseReply::PhoneBooks(vec![PhoneBook::default()])
            } else {
                FinesseReply::Contacts(vec![Contact::default()])
            }),
            8 => Ok(if c.is_multiple_of(2) {
                FinesseReply::Team(support::team(
                    "1",
                    "Sales",
                    vec![support::member("1002", "", "", "", "")],
                ))
            } else {
                FinesseReply::Queues(vec![Queue::default()])
            }),
            _ => Err(FinesseFailure {
                code: pick(&CODES, c),
                error_type: if c.is_multiple_of(2) {
                    "Parameter Missing".into()
                } else {
                    String::new()
                },
                message: String::new(),
            }),
        };
        self.w.reply(&op, result);
    }

    fn dialog_notification(&mut self, agent_id: &str, b: u8, c: u8, d: u8, e: u8) {
        let dialog = random_dialog(agent_id, b, c, d);
        let request_id = self.request_id(e);
        let notification = match e % 3 {
            0 => Notification::DialogAdded { dialog, request_id },
            1 => Notification::DialogChanged { dialog, request_id },
            _ => Notification::DialogRemoved { dialog, request_id },
        };
        self.w.notify(agent_id, notification);
    }

    fn timer(&mut self, agent_id: &str, b: u8, c: u8) {
        let timer = match b % 3 {
            0 => TimerId::Request(self.request_id(c).unwrap_or_else(|| "gc-1".to_owned())),
            1 => TimerId::Heartbeat(DestinationName::parse(pick(&DESTINATIONS, c)).unwrap()),
            _ => TimerId::HeldDialog(
                agent(agent_id),
                gc_protocol::DialogId::parse(pick(&DIALOGS, c)).unwrap(),
            ),
        };
        self.w.input(Input::Timer(timer));
    }

    fn peer(&mut self, agent_id: &str, b: u8, c: u8) {
        let destination = DestinationName::parse(pick(&DESTINATIONS, c)).unwrap();
        let sync = match b % 3 {
            0 => PeerSync::Agent {
                agent: agent(agent_id),
                password: Password::new("secret"),
                extension: (c.is_multiple_of(2))
                    .then(|| Extension::parse(&extension(agent_id)).unwrap()),
                subscription_time: "2026-11-25 12:00:00".into(),
                destination: (!c.is_multiple_of(5)).then_some(destination),
            },
            1 => PeerSync::AgentRemoved(agent(agent_id)),
            _ => PeerSync::Destination {
                name: destination,
                format: if c.is_multiple_of(2) {
                    Format::Json
                } else {
                    Format::Legacy
                },
            },
        };
        self.w.peer(sync);
    }

    fn team_or_recording(&mut self, agent_id: &str, b: u8, c: u8) {
        if b.is_multiple_of(2) {
            let user = support::member("1002", "", "", "", pick(&USER_STATES, c));
            let team_id = if c.is_multiple_of(2) { "1" } else { "2" };
            self.w.notify(
                agent_id,
                Notification::TeamUser {
                    team_id: gc_protocol::ObjectId::parse(team_id).ok(),
                    user,
                },
            );
        } else {
            let request_id = self
                .w
                .recordings
                .iter()
                .rev()
                .find_map(|e| match e {
                    Effect::Recording { request_id, .. } => Some(request_id.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| "gc-1".into());
            self.w.input(Input::RecordingResult {
                agent: agent(agent_id),
                request_id,
                result: if c.is_multiple_of(2) {
                    Ok(())
                } else {
                    Err("down".into())
                },
            });
        }
    }

    /// Liveness: Finesse answers nothing more in time (the driver then reports every request
    /// as failed at its deadline) and time passes; every command sent is then settled (acked,
    /// requeued or dead-lettered) exactly once.
    fn drain(&mut self) -> Result<(), TestCaseError> {
        for _ in 0..8 {
            let ops: Vec<Op> = self.history.clone();
            for op in &ops {
                self.w.fail(op, ErrorCode::PleaseRetry);
            }
            for effect in std::mem::take(&mut self.w.recordings) {
                if let Effect::Recording {
                    agent, request_id, ..
                } = effect
                {
                    self.w.input(Input::RecordingResult {
                        agent,
                        request_id,
                        result: Err("late".into()),
                    });
                }
            }
            self.w.advance(Duration::from_mins(1));
            self.check()?;
        }
        let unsettled: Vec<u64> = (1..=self.w.sent())
            .filter(|t| !self.finished.contains(&DeliveryToken(*t)))
            .collect();
        if !unsettled.is_empty() && std::env::var("GC_PROP_DEBUG").is_ok() {
            for effect in &self.w.log {
                eprintln!("{effect:?}");
            }
        }
        prop_assert!(
            unsettled.is_empty(),
            "commands never settled: {:?}",
            unsettled
        );
        Ok(())
    }

    /// Checks what the last step did and files its Finesse operations.
    fn check(&mut self) -> Result<(), TestCaseError> {
        self.history.extend(self.w.ops.drain(..));
        // (Destinations are checked by `World::input` after every input: a step that moves
        // the clock feeds several.)
        for effect in &self.w.log[self.logged..] {
            if let Effect::Ack(token) | Effect::Requeue(token) | Effect::DeadLetter { token, .. } =
                effect
            {
                prop_assert!(
                    self.finished.insert(*token),
                    "command {token:?} finished twice"
                );
            }
        }
        self.logged = self.w.log.len();
        self.w.published.clear();
        prop_assert!(self.w.engine.check_invariants().is_ok());
        Ok(())
    }
}

/// A dialog for the agent: random id, type, state, its own participant (state and cause), a
/// far party, sometimes BA variables or an association.
fn random_dialog(agent_id: &str, b: u8, c: u8, d: u8) -> Dialog {
    let ext = extension(agent_id);
    let from = match d % 3 {
        0 => "4012".to_owned(),
        1 => ext.clone(),
        _ => "3002".to_owned(),
    };
    let mut dialog = dialog(pick(&DIALOGS, b), pick(&CALL_TYPES, c), &from, &ext)
        .state(pick(&CALL_STATES, d))
        .with("4012", pick(&CALL_STATES, c.wrapping_add(d)), false, &[])
        .with(
            &ext,
            pick(&CALL_STATES, b.wrapping_add(c)),
            true,
            &["ANSWER", "DROP", "HOLD"],
        );
    if c % 4 == 1 && ext != "3002" {
        // Another agent on the call (a consult, a conference, a monitored agent).
        dialog = dialog.with("3002", pick(&CALL_STATES, d), true, &["DROP"]);
    }
    if d.is_multiple_of(4) {
        dialog = dialog.var("BACampaign", "Spring");
    }
    if d.is_multiple_of(5) {
        dialog = dialog.cause(&ext, "BUSY");
    }
    if b.is_multiple_of(6) {
        dialog = dialog.associated(pick(&DIALOGS, d));
    }
    dialog
}

fn config() -> impl Strategy<Value = EngineConfig> {
    (
        prop::option::of(1usize..3),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        // A standby only puts commands back: lead most runs, so they reach the interesting
        // states.
        prop::bool::weighted(0.85),
        0usize..4,
    )
        .prop_map(
            |(max_agents, timeout, logout_on_loss, recording, leader, dedupe)| EngineConfig {
                max_agents,
                destination_timeout: timeout.then_some(Duration::from_secs(30)),
                logout_on_destination_loss: logout_on_loss,
                recording_configured: recording,
                start_as_leader: leader,
                dedupe_window: dedupe,
                ..EngineConfig::default()
            },
        )
}

/// Sets the stage most runs need (destinations and connected agents) so random steps reach
/// the interesting states quickly.
fn stage(run: &mut Run, prelude: u8) {
    if prelude.is_multiple_of(4) {
        return;
    }
    for (agent_id, destination) in [("1001", "crm-7"), ("1002", "crm-8"), ("2001", "web-1")] {
        run.w.send(&format!("Hello#{destination}"), "");
        run.w.send(
            &format!("Connect#{agent_id}"),
            &format!("{destination},secret"),
        );
        run.w.session(agent_id, SessionEvent::Opened);
        if prelude % 4 >= 2 {
            run.w.send(
                &format!("Login#{agent_id}"),
                &format!("secret,{}", extension(agent_id)),
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 384,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_sequence_keeps_the_engine_consistent(
        config in config(),
        prelude in any::<u8>(),
        steps in prop::collection::vec(any::<[u8; 6]>(), 1..80),
    ) {
        let mut run = Run::new(config);
        stage(&mut run, prelude);
        run.check()?;
        for step in steps {
            run.step(step);
            run.check()?;
        }
        run.drain()?;
    }
}
