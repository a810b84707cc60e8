//! End-to-end against finesse-sim (two nodes, REST + XMPP): login confirmed by the
//! notification carrying our requestId, a call through all its states, a supervisor's team
//! feed, and failover from a stopped primary with the agent's session re-established.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use backon::ExponentialBuilder;
use common::{creds, fresh_id};
use finesse_sim::control::ControlClient;
use finesse_sim::{Cluster, SimConfig};
use gc_finesse::model::{
    Action, CallVariable, Dialog, DialogAction, DialogState, Notification, NotificationEvent,
    ParticipantState, Payload, ReasonCategory, Reply, Request, TargetState, User, UserState,
    team_node,
};
use gc_finesse::tls::TlsSettings;
use gc_finesse::{
    ClusterConfig, Credentials, Error, FinesseCluster, NodeConfig, NodeEvent, NodeId, RequestId,
    RestClient, RestConfig, SessionEvent, SessionEventKind, XmppConfig, XmppEndpoint, XmppSecurity,
};
use gc_protocol::{DialogId, ErrorCode, Extension, ObjectId, ReasonCode};
use tokio::sync::mpsc;

/// Guard against a hung test; no assertion depends on it.
const GUARD: Duration = Duration::from_secs(30);

struct Env {
    sim: Cluster,
    control: ControlClient,
    finesse: FinesseCluster,
    nodes: mpsc::Receiver<NodeEvent>,
    events: mpsc::Receiver<SessionEvent>,
    events_tx: mpsc::Sender<SessionEvent>,
    /// Events received while waiting for something else, searched first next time.
    backlog: VecDeque<SessionEvent>,
}

fn node(info: &finesse_sim::NodeInfo) -> NodeConfig {
    NodeConfig {
        rest_url: info.base_url.clone(),
        xmpp: XmppEndpoint::new(
            info.xmpp_addr.ip().to_string(),
            info.xmpp_addr.port(),
            info.xmpp_domain.clone(),
            XmppSecurity::Plain,
        ),
    }
}

async fn env() -> Env {
    let sim = Cluster::start(SimConfig::default()).await.unwrap();
    let control = sim.control().unwrap();
    let mut xmpp = XmppConfig::new(&TlsSettings::default()).unwrap();
    xmpp.backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(25))
        .with_max_delay(Duration::from_millis(150))
        .with_jitter()
        .without_max_times();
    let config = ClusterConfig {
        primary: node(&sim.node(finesse_sim::NodeId::Primary)),
        secondary: Some(node(&sim.node(finesse_sim::NodeId::Secondary))),
        rest: RestConfig {
            request_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            retry_delay: Duration::from_millis(20),
            ..RestConfig::default()
        },
        xmpp: Arc::new(xmpp),
        probe_interval: Duration::from_millis(100),
        probe_credentials: Some(creds("1001", "secret")),
    };
    let (node_tx, nodes) = mpsc::channel(64);
    let finesse = FinesseCluster::start(config, node_tx).unwrap();
    let (events_tx, events) = mpsc::channel(256);
    Env {
        sim,
        control,
        finesse,
        nodes,
        events,
        events_tx,
        backlog: VecDeque::new(),
    }
}

fn ext(e: &str) -> Extension {
    Extension::parse(e).unwrap()
}

/// Performs `request` with the id `id` (Finesse echoes it in the outcome's notification).
async fn perform(
    rest: &RestClient,
    c: &Credentials,
    id: &RequestId,
    request: Request,
) -> Result<Reply, Error> {
    rest.perform(c, id, &request).await
}

/// A write whose outcome the test does not follow.
async fn write(rest: &RestClient, c: &Credentials, request: Request) -> Result<Reply, Error> {
    rest.perform(c, &fresh_id(), &request).await
}

async fn get_user(rest: &RestClient, c: &Credentials) -> Result<User, Error> {
    match write(rest, c, Request::GetUser).await? {
        Reply::User(user) => Ok(*user),
        other => panic!("expected a user, got {other:?}"),
    }
}

fn login(extension: &str) -> Request {
    Request::Login {
        extension: ext(extension),
        mobile: None,
    }
}

fn ready() -> Request {
    Request::SetState {
        state: TargetState::Ready,
        reason: None,
    }
}

fn act(dialog: &DialogId, extension: &Extension, action: DialogAction) -> Request {
    Request::DialogAction {
        dialog: dialog.clone(),
        target: extension.clone(),
        action,
    }
}

impl Env {
    /// The first event (backlog first, then new ones) for which `pick` returns something;
    /// other events are kept for later searches.
    async fn take<T>(
        &mut self,
        mut pick: impl FnMut(&SessionEvent) -> bool,
        map: impl Fn(SessionEvent) -> T,
    ) -> T {
        if let Some(i) = self.backlog.iter().position(&mut pick) {
            let e = self.backlog.remove(i).unwrap();
            return map(e);
        }
        loop {
            let Ok(Some(e)) = tokio::time::timeout(GUARD, self.events.recv()).await else {
                panic!(
                    "the awaited event never came; received meanwhile: {:#?}",
                    self.backlog
                );
            };
            if let SessionEventKind::AuthFailed(err) = &e.kind
                && !pick(&e)
            {
                panic!("{}: {err}", e.agent);
            }
            if pick(&e) {
                return map(e);
            }
            self.backlog.push_back(e);
        }
    }

    async fn connected(&mut self, agent: &str) -> NodeId {
        let agent = agent.to_owned();
        self.take(
            |e| e.agent.as_str() == agent && matches!(e.kind, SessionEventKind::Connected { .. }),
            |e| match e.kind {
                SessionEventKind::Connected { node, .. } => node,
                _ => unreachable!(),
            },
        )
        .await
    }

    /// The next notification for `agent` that satisfies `pred`.
    async fn notification(
        &mut self,
        agent: &str,
        pred: impl Fn(&Notification) -> bool,
    ) -> Notification {
        let agent = agent.to_owned();
        self.take(
            |e| {
                e.agent.as_str() == agent
                    && matches!(&e.kind, SessionEventKind::Notification(n) if pred(n))
            },
            |e| match e.kind {
                SessionEventKind::Notification(n) => *n,
                _ => unreachable!(),
            },
        )
        .await
    }

    /// The notification answering `id` (the requestId echo).
    async fn answer_to(&mut self, agent: &str, id: &RequestId) -> Notification {
        let id = id.clone();
        self.notification(agent, move |n| n.update.request_id.as_ref() == Some(&id))
            .await
    }

    /// The dialog notification answering `id` (Finesse echoes the id on the user's state
    /// change too).
    async fn dialog_answer(&mut self, agent: &str, id: &RequestId) -> Notification {
        let id = id.clone();
        self.notification(agent, move |n| {
            n.update.request_id.as_ref() == Some(&id) && dialog_of(n).is_some()
        })
        .await
    }

    /// The agent state change caused by request `id`.
    async fn user_answer(&mut self, agent: &str, id: &RequestId) -> UserState {
        let id = id.clone();
        let n = self
            .notification(agent, move |n| {
                n.update.request_id.as_ref() == Some(&id)
                    && matches!(n.update.payload, Payload::User(_))
            })
            .await;
        user(&n).state.clone().unwrap()
    }

    async fn next_node_event(&mut self) -> NodeEvent {
        tokio::time::timeout(GUARD, self.nodes.recv())
            .await
            .expect("no node event")
            .unwrap()
    }

    /// Opens the session, waits for it, logs in on `extension`, waits for NOT_READY.
    async fn login(&mut self, c: &Credentials, extension: &str) -> gc_finesse::XmppSession {
        let session = self.finesse.open_session(c.clone(), self.events_tx.clone());
        self.connected(c.agent.as_str()).await;
        let id = fresh_id();
        let rest = self.finesse.rest().unwrap();
        perform(&rest, c, &id, login(extension)).await.unwrap();
        let n = self.answer_to(c.agent.as_str(), &id).await;
        let user = user(&n);
        assert_eq!(
            user.state,
            Some(UserState::NotReady),
            "LOGIN resolves to NOT_READY"
        );
        assert_eq!(user.extension.as_deref(), Some(extension));
        session
    }
}

fn user(n: &Notification) -> &User {
    match &n.update.payload {
        Payload::User(u) => u,
        other => panic!("expected a user, got {other:?}"),
    }
}

fn dialog_of(n: &Notification) -> Option<&Dialog> {
    match &n.update.payload {
        Payload::Dialog(d) => Some(d),
        Payload::Dialogs(list) => list.first(),
        _ => None,
    }
}

#[tokio::test]
async fn login_and_ready_are_confirmed_by_notifications_carrying_our_request_id() {
    let mut env = env().await;
    let c = creds("1001", "secret");
    let _session = env.login(&c, "3001").await;
    let rest = env.finesse.rest().unwrap();
    let id = RequestId::new("gc-ready-1001-1");
    assert_eq!(
        perform(&rest, &c, &id, ready()).await.unwrap(),
        Reply::Accepted
    );
    let n = env.answer_to("1001", &id).await;
    assert_eq!(n.node, "/finesse/api/User/1001");
    assert_eq!(n.update.event, Some(NotificationEvent::Put));
    assert_eq!(user(&n).state, Some(UserState::Ready));
    // REST reads agree with the notification.
    let u = get_user(&rest, &c).await.unwrap();
    assert_eq!(u.state, Some(UserState::Ready));
    assert_eq!(u.extension.as_deref(), Some("3001"));
    // NOT_READY with a reason, and the reason codes the simulator offers.
    let Reply::ReasonCodes(reasons) =
        write(&rest, &c, Request::GetReasonCodes(ReasonCategory::NotReady))
            .await
            .unwrap()
    else {
        panic!("reason codes expected")
    };
    let reason: ReasonCode = reasons
        .first()
        .and_then(|r| r.id.clone())
        .expect("a NOT_READY reason");
    let id = fresh_id();
    let not_ready = Request::SetState {
        state: TargetState::NotReady,
        reason: Some(reason.clone()),
    };
    perform(&rest, &c, &id, not_ready).await.unwrap();
    let n = env.answer_to("1001", &id).await;
    assert_eq!(user(&n).state, Some(UserState::NotReady));
    assert_eq!(user(&n).reason_code_id, Some(reason));
    env.sim.shutdown().await;
}

#[tokio::test]
#[allow(clippy::many_single_char_names)] // c(redentials), d(ialog), e(xtension), n(otification) …
async fn an_inbound_call_goes_through_every_state() {
    let mut env = env().await;
    let c = creds("1002", "secret");
    let _session = env.login(&c, "3002").await;
    let rest = env.finesse.rest().unwrap();
    let id = fresh_id();
    perform(&rest, &c, &id, ready()).await.unwrap();
    env.answer_to("1002", &id).await;

    let dialog_id = env
        .control
        .offer_inbound_call("1002", "00496912345678", &[("callVariable1", "CUST-42")])
        .await
        .unwrap();
    let key = dialog_id.to_string();
    let d = DialogId::parse(&key).unwrap();
    let e = ext("3002");

    // Ringing: a Dialogs POST with the agent's leg ALERTING and ANSWER allowed.
    let k = key.clone();
    let n = env
        .notification("1002", move |n| {
            n.update.event == Some(NotificationEvent::Post)
                && dialog_of(n).is_some_and(|d| d.id.as_str() == k)
        })
        .await;
    let dialog = dialog_of(&n).unwrap();
    let leg = dialog.participant("3002").unwrap();
    assert_eq!(leg.state, Some(ParticipantState::Alerting));
    assert!(leg.can(&Action::Answer));
    assert_eq!(
        dialog.media_properties.variable("callVariable1"),
        Some("CUST-42")
    );
    assert_eq!(dialog.from_address.as_deref(), Some("00496912345678"));

    let step = |action: &'static str| RequestId::new(format!("gc-{action}-{dialog_id}"));
    let leg_state = |n: &Notification| {
        dialog_of(n)
            .and_then(|d| d.participant("3002"))
            .and_then(|p| p.state.clone())
    };

    let id = step("answer");
    perform(&rest, &c, &id, act(&d, &e, DialogAction::Answer))
        .await
        .unwrap();
    let n = env.dialog_answer("1002", &id).await;
    assert_eq!(leg_state(&n), Some(ParticipantState::Active));
    assert_eq!(dialog_of(&n).unwrap().state, Some(DialogState::Active));
    assert_eq!(env.user_answer("1002", &id).await, UserState::Talking);

    let id = step("hold");
    perform(&rest, &c, &id, act(&d, &e, DialogAction::Hold))
        .await
        .unwrap();
    let n = env.dialog_answer("1002", &id).await;
    assert_eq!(leg_state(&n), Some(ParticipantState::Held));
    assert!(
        dialog_of(&n)
            .unwrap()
            .participant("3002")
            .unwrap()
            .can(&Action::Retrieve)
    );
    assert_eq!(env.user_answer("1002", &id).await, UserState::Hold);

    let id = step("retrieve");
    perform(&rest, &c, &id, act(&d, &e, DialogAction::Retrieve))
        .await
        .unwrap();
    let n = env.dialog_answer("1002", &id).await;
    assert_eq!(leg_state(&n), Some(ParticipantState::Active));

    let id = step("data");
    let vars = vec![
        CallVariable::new("callVariable2", "case 7"),
        CallVariable::new("user.crm.id", "A&B"),
    ];
    let data = DialogAction::UpdateCallData {
        variables: vars,
        wrap_up_reason: Some("Sale".into()),
    };
    perform(&rest, &c, &id, act(&d, &e, data)).await.unwrap();
    let n = env.dialog_answer("1002", &id).await;
    let media = &dialog_of(&n).unwrap().media_properties;
    assert_eq!(media.variable("callVariable2"), Some("case 7"));
    assert_eq!(media.variable("user.crm.id"), Some("A&B"));
    assert_eq!(media.wrap_up_reason.as_deref(), Some("Sale"));

    let id = step("drop");
    perform(&rest, &c, &id, act(&d, &e, DialogAction::Drop))
        .await
        .unwrap();
    let n = env.dialog_answer("1002", &id).await;
    let state = leg_state(&n);
    assert!(
        matches!(
            state,
            Some(ParticipantState::Dropped | ParticipantState::WrapUp)
        ),
        "{state:?}"
    );
    // The agent's own user feed went RESERVED → TALKING → HOLD → TALKING → wrap-up.
    let u = get_user(&rest, &c).await.unwrap();
    assert!(
        matches!(
            u.state,
            Some(UserState::Work | UserState::WorkReady | UserState::Ready | UserState::NotReady)
        ),
        "{:?}",
        u.state
    );
    // Leaving wrap-up (READY) ends the dialog: it leaves the agent's list.
    write(&rest, &c, ready()).await.unwrap();
    let k = key.clone();
    env.notification("1002", move |n| {
        n.update.event == Some(NotificationEvent::Delete)
            && dialog_of(n).is_some_and(|d| d.id.as_str() == k)
    })
    .await;
    let Reply::Dialogs(dialogs) = write(&rest, &c, Request::GetDialogs).await.unwrap() else {
        panic!("dialogs expected")
    };
    assert!(dialogs.iter().all(|x| x.id.as_str() != key));
    // Acting on the finished call is refused and mapped.
    let err = write(&rest, &c, act(&d, &e, DialogAction::Answer)).await;
    if let Err(err) = err {
        assert_ne!(err.gc_code(), ErrorCode::GeneralError, "{err}");
    }
    env.sim.shutdown().await;
}

#[tokio::test]
async fn a_supervisor_subscribes_to_a_team_and_sees_its_agents() {
    let mut env = env().await;
    let sup = creds("2001", "secret");
    let sup_session = env.finesse.open_session(sup.clone(), env.events_tx.clone());
    env.connected("2001").await;
    let node = team_node(&ObjectId::parse("1").unwrap());
    sup_session.subscribe(node.clone()).await.unwrap();
    let subscribed = env
        .take(
            |e| {
                matches!(
                    e.kind,
                    SessionEventKind::Subscribed { .. } | SessionEventKind::SubscribeFailed { .. }
                )
            },
            |e| e.kind,
        )
        .await;
    assert!(
        matches!(subscribed, SessionEventKind::Subscribed { node: ref n } if *n == node),
        "{subscribed:?}"
    );
    let c = creds("1001", "secret");
    let _agent = env.login(&c, "3001").await;
    let team_node = node.clone();
    let n = env
        .notification("2001", move |n| {
            n.node == team_node
                && matches!(&n.update.payload, Payload::User(u) if u.login_id.as_str() == "1001")
        })
        .await;
    assert_eq!(n.update.source.as_deref(), Some("/finesse/api/User/1001"));
    // The REST view of the team agrees.
    let rest = env.finesse.rest().unwrap();
    let team = ObjectId::parse("1").unwrap();
    let Reply::Team(team) = write(&rest, &sup, Request::GetTeam(team)).await.unwrap() else {
        panic!("a team expected")
    };
    let member = team
        .users
        .iter()
        .find(|u| u.login_id.as_str() == "1001")
        .expect("1001 in team 1");
    assert_eq!(member.extension.as_deref(), Some("3001"));
    sup_session.close().await;
    env.sim.shutdown().await;
}

#[tokio::test]
async fn a_stopped_primary_fails_over_to_the_secondary_and_the_agent_carries_on() {
    let mut env = env().await;
    assert_eq!(
        env.next_node_event().await,
        NodeEvent::InService {
            node: NodeId::Primary
        }
    );
    let c = creds("1003", "secret");
    let _session = env.login(&c, "3003").await;

    env.control
        .stop_node(finesse_sim::NodeId::Primary)
        .await
        .unwrap();
    loop {
        match env.next_node_event().await {
            NodeEvent::Switched { from, to } => {
                assert_eq!((from, to), (NodeId::Primary, NodeId::Secondary));
                break;
            }
            NodeEvent::Down => panic!("the secondary is in service"),
            _ => {}
        }
    }
    assert_eq!(env.finesse.active(), Some(NodeId::Secondary));
    assert_eq!(env.connected("1003").await, NodeId::Secondary);

    // Re-read state on the new node, re-login only if Finesse logged the agent out.
    let rest = env.finesse.rest().unwrap();
    assert_eq!(
        rest.base_url(),
        env.sim.node(finesse_sim::NodeId::Secondary).base_url
    );
    let u = get_user(&rest, &c).await.unwrap();
    if u.state == Some(UserState::Logout) {
        let id = fresh_id();
        perform(&rest, &c, &id, login("3003")).await.unwrap();
        env.answer_to("1003", &id).await;
    }
    let id = fresh_id();
    perform(&rest, &c, &id, ready()).await.unwrap();
    let n = env.answer_to("1003", &id).await;
    assert_eq!(user(&n).state, Some(UserState::Ready));
    // One XMPP session for the agent, never one per node.
    assert_eq!(
        env.control.agent_state("1003").await.unwrap().xmpp_sessions,
        1
    );
    // The old primary's REST answers nothing now.
    let old = env.finesse.rest_for(NodeId::Primary).unwrap();
    let err = get_user(&old, &c).await.unwrap_err();
    assert_eq!(err.gc_code(), ErrorCode::NotReachable);
    env.sim.shutdown().await;
}

#[tokio::test]
async fn simulator_errors_map_to_gc_codes() {
    let mut env = env().await;
    let rest = env.finesse.rest().unwrap();
    // Wrong password: 401, SUBSCRIPTION_FAILED, not repeated.
    let wrong = creds("1004", "not-the-password");
    let err = get_user(&rest, &wrong).await.unwrap_err();
    assert_eq!(err.gc_code(), ErrorCode::SubscriptionFailed);
    assert!(matches!(
        get_user(&rest, &wrong).await,
        Err(Error::CredentialsBlocked { .. })
    ));
    // XMPP with the wrong password: SUBSCRIPTION_FAILED ("Invalid LoginId / Password."), and the session stops.
    let session = env
        .finesse
        .open_session(creds("1005", "nope"), env.events_tx.clone());
    let failed = env
        .take(
            |e| e.agent.as_str() == "1005" && matches!(e.kind, SessionEventKind::AuthFailed(_)),
            |e| e.kind,
        )
        .await;
    let SessionEventKind::AuthFailed(err) = failed else {
        unreachable!()
    };
    assert_eq!(err.gc_code(), ErrorCode::SubscriptionFailed);
    drop(session);
    // LOGIN on an extension that does not exist: an asynchronous apiErrors for our request
    // (or a synchronous ApiErrors), mapped to a Finesse code.
    let c = creds("1006", "secret");
    let _s = env.finesse.open_session(c.clone(), env.events_tx.clone());
    env.connected("1006").await;
    let id = fresh_id();
    match perform(&rest, &c, &id, login("99999")).await {
        Ok(_) => {
            let n = env.answer_to("1006", &id).await;
            match &n.update.payload {
                Payload::ApiErrors(errors) => assert_ne!(errors.gc_code(), ErrorCode::GeneralError),
                other => panic!("expected apiErrors, got {other:?}"),
            }
        }
        Err(err) => assert_ne!(err.gc_code(), ErrorCode::GeneralError, "{err}"),
    }
    // Supporting reads parse.
    let c = creds("1001", "secret");
    let Reply::WrapUpReasons(reasons) = write(&rest, &c, Request::GetWrapUpReasons).await.unwrap()
    else {
        panic!("wrap-up reasons expected")
    };
    assert!(!reasons.is_empty());
    let Reply::PhoneBooks(books) = write(&rest, &c, Request::GetPhoneBooks).await.unwrap() else {
        panic!("phone books expected")
    };
    if let Some(book) = books.first().and_then(|b| b.id.clone()) {
        let reply = write(&rest, &c, Request::GetContacts(book)).await.unwrap();
        assert!(matches!(reply, Reply::Contacts(_)));
    }
    let Reply::Queues(queues) = write(&rest, &c, Request::GetQueues).await.unwrap() else {
        panic!("queues expected")
    };
    assert!(queues.iter().all(|q| q.name.is_some()));
    let info = rest.system_info(Some(&c)).await.unwrap();
    assert!(info.is_in_service());
    env.sim.shutdown().await;
}
