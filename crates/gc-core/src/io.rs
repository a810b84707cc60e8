//! The engine's inputs and effects: everything that crosses its boundary.

use gc_protocol::{
    AgentId, Command, DestinationName, DialogId, Event, Extension, Format, ObjectId, Password,
    ProtocolError,
};

use crate::finesse::{
    FinesseFailure, FinesseReply, NodeStatus, Notification, Request, SessionEvent,
};

/// An opaque handle the driver gives with each command so the engine can say when to ack it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryToken(pub u64);

/// A client message, parsed by gc-protocol (or not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRequest {
    /// The command, or why the message is not one.
    pub command: Result<Command, ProtocolError>,
    /// `reply_to` of the message.
    pub reply_to: Option<String>,
    /// The correlation id answers carry: the request's `correlation_id`, else its `message_id`.
    pub correlation_id: Option<String>,
    /// The message id (for de-duplicating redeliveries).
    pub message_id: Option<String>,
    /// Whether the broker redelivered it.
    pub redelivered: bool,
    /// The `gc-format` header.
    pub format: Option<Format>,
    /// The `gc-destination` header: the destination the sender reads (answers a command for an
    /// agent the connector does not know when there is no `reply_to`).
    pub destination: Option<DestinationName>,
    /// Ack handle.
    pub token: DeliveryToken,
}

/// What a peer connector shares on `ConnectorSync` (passwords already unsealed by the driver).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerSync {
    /// An agent session (O-025).
    Agent {
        /// The agent.
        agent: AgentId,
        /// The password.
        password: Password,
        /// The extension, if logged in.
        extension: Option<Extension>,
        /// When the session opened, `yyyy-MM-dd HH:mm:ss`.
        subscription_time: String,
        /// The bound destination.
        destination: Option<DestinationName>,
    },
    /// The agent's session closed.
    AgentRemoved(AgentId),
    /// A destination and its output format.
    Destination {
        /// The destination.
        name: DestinationName,
        /// Its format.
        format: Format,
    },
    /// The leader is about to perform a client command (journaled before Finesse sees it): if
    /// the broker redelivers it to a new leader, that one answers it without running it again.
    Executed {
        /// The command's message id.
        message_id: String,
    },
    /// An instance (re)joined the group (it says so each time it connects to the broker): the
    /// leader shares its whole state again, so a standby started after the sessions opened
    /// still has them all when it takes over.
    Join,
}

/// A Zoom recording action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordingAction {
    /// Pause recording.
    Pause,
    /// Resume recording.
    Resume,
}

/// A timer the engine armed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerId {
    /// No notification arrived for a write request in time: fall back to a GET.
    Request(String),
    /// A destination's heartbeat is due.
    Heartbeat(DestinationName),
    /// The first (OTHER_IN) packet of an outbound call was held back; give up waiting for the
    /// second one.
    HeldDialog(AgentId, DialogId),
    /// Commands of the agent wait for its session: answer those whose time is up.
    SessionWait(AgentId),
    /// The cool-down after sharing everything with joining peers is over: share again if a
    /// peer joined meanwhile.
    ShareCooldown,
}

/// An input to the engine.
// A notification carries a whole finesse-model User or Dialog. Inputs are moved once into the
// engine and live for one step; boxing them would only add an allocation per input.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A client message from the command queue.
    Client(ClientRequest),
    /// The outcome of an [`Effect::Finesse`].
    FinesseResult {
        /// The agent it was performed as.
        agent: AgentId,
        /// The request id given in the effect.
        request_id: String,
        /// Reply or failure.
        result: Result<FinesseReply, FinesseFailure>,
    },
    /// A notification on the agent's session.
    Notification {
        /// The agent.
        agent: AgentId,
        /// The notification.
        notification: Notification,
    },
    /// The agent's session changed.
    Session {
        /// The agent.
        agent: AgentId,
        /// What happened.
        event: SessionEvent,
    },
    /// The Finesse cluster's status changed; `switched` when the adapter moved to the other node.
    Node {
        /// The status.
        status: NodeStatus,
        /// Whether the active node changed.
        switched: bool,
    },
    /// The outcome of an [`Effect::Recording`].
    RecordingResult {
        /// The agent.
        agent: AgentId,
        /// The request id given in the effect.
        request_id: String,
        /// Whether the controller accepted it.
        result: Result<(), String>,
    },
    /// A timer fired.
    Timer(TimerId),
    /// A peer connector's message.
    Peer(PeerSync),
    /// This instance became (or stopped being) the leader of the redundant group.
    Leadership(bool),
    /// The connector is shutting down: no more client commands will come. With
    /// `logout_agents`, every agent holding a licence is logged out on Finesse (the engine
    /// plans those logouts like its own commands); otherwise agents stay logged in for a peer
    /// or the restarted connector.
    Shutdown {
        /// Log every licensed agent out.
        logout_agents: bool,
    },
}

/// Where an event goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A client destination (the `gc.clients` exchange, routing key = name).
    Destination {
        /// The destination.
        name: DestinationName,
        /// Its format.
        format: Format,
    },
    /// The `reply_to` address of a request.
    ReplyTo {
        /// The address.
        address: String,
        /// The format to use.
        format: Format,
    },
}

/// An event to publish. The driver also publishes every event as JSON on the integration
/// events exchange, once, whatever its targets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    /// The event.
    pub event: Event,
    /// Client targets (may be empty: the event then only goes to the events exchange).
    pub targets: Vec<Target>,
    /// The correlation id of the request it answers.
    pub correlation_id: Option<String>,
}

/// An effect for the driver to carry out, in order.
// Effects live briefly in one Vec per input; boxing the large publication would cost an
// allocation per event for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Publish an event.
    Publish(Publication),
    /// Call Finesse REST as the agent; answer with [`Input::FinesseResult`].
    Finesse {
        /// The agent.
        agent: AgentId,
        /// Its password (Basic auth).
        password: Password,
        /// Our request id (the `requestId` header).
        request_id: String,
        /// The request, as finesse-model data: gc-finesse performs it as it is.
        request: Request,
        /// Not started by then, it is not started at all (answered as failed with
        /// PLEASE_RETRY); started, it must end by then (a timeout is a failure too). So every
        /// command is answered within the request timeout, however slow Finesse is.
        deadline: crate::clock::Deadline,
        /// The message id of the client command to journal with the redundant peers
        /// ([`PeerSync::Executed`]) before Finesse sees the write; `None`: nothing to journal.
        journal: Option<String>,
    },
    /// Open the agent's notification session (answer with [`Input::Session`]).
    OpenSession {
        /// The agent.
        agent: AgentId,
        /// Its password.
        password: Password,
    },
    /// Close the agent's notification session.
    CloseSession {
        /// The agent.
        agent: AgentId,
    },
    /// Subscribe the agent's session to a team's users node.
    SubscribeTeam {
        /// The supervisor.
        agent: AgentId,
        /// The team.
        team: ObjectId,
    },
    /// Unsubscribe a team's users node.
    UnsubscribeTeam {
        /// The supervisor.
        agent: AgentId,
        /// The team.
        team: ObjectId,
    },
    /// Ask the recording controller to pause or resume (answer with
    /// [`Input::RecordingResult`]).
    Recording {
        /// The agent.
        agent: AgentId,
        /// Our request id.
        request_id: String,
        /// The agent's extension, when logged in.
        extension: Option<Extension>,
        /// The agent's active dialog, if any.
        dialog: Option<DialogId>,
        /// Pause or resume.
        action: RecordingAction,
    },
    /// Share state with peers.
    Sync(PeerSync),
    /// Arm (or re-arm) a timer.
    ArmTimer {
        /// The timer.
        timer: TimerId,
        /// When it fires (monotonic milliseconds).
        at: crate::clock::Deadline,
    },
    /// Cancel a timer.
    CancelTimer(TimerId),
    /// Ack the command (after the publications emitted before this effect are confirmed).
    Ack(DeliveryToken),
    /// Put the command back in the queue without running it (this instance is not the
    /// leader: the leader runs it).
    Requeue(DeliveryToken),
    /// Dead-letter the command with a reason.
    DeadLetter {
        /// The command.
        token: DeliveryToken,
        /// Why.
        reason: String,
    },
}
