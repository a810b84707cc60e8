//! The engine's settings. The binary fills them from its layered configuration.

use std::time::Duration;

use gc_protocol::{Format, ReasonCode};

/// Engine settings, with defaults an operator can run with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// This instance's id: prefixes Finesse request ids so two instances never collide. The
    /// binary adds a per-process part (`<instance>.<boot>`): a restarted instance starts its
    /// counter again and must not reuse the ids of its previous life.
    pub instance_id: String,
    /// Output format of destinations that do not ask for one.
    pub default_format: Format,
    /// Most agents logged in at once (`None`: unlimited).
    pub max_agents: Option<usize>,
    /// How long to wait for the notification that confirms a write before reading the object.
    pub request_timeout: Duration,
    /// Every command is answered within this: a Finesse request not done by then counts as
    /// failed (the driver enforces it), and a command waiting for the agent's session is
    /// answered FINESSE_UNAVAILABLE. Set from the REST request timeout.
    pub answer_timeout: Duration,
    /// A destination silent (no Hello, Beat or command) for this long is dropped. `None`
    /// keeps destinations for ever: the seed's clients do not all send Beat.
    pub destination_timeout: Option<Duration>,
    /// When a destination is dropped: log its agents out (`true`) or keep their sessions.
    pub logout_on_destination_loss: bool,
    /// How long the first (OTHER_IN) packet of an outbound call is held back waiting for the
    /// second one (O-028) before it is announced as an inbound call after all.
    pub held_outbound_timeout: Duration,
    /// Whether a recording controller is configured for the Zoom commands.
    pub recording_configured: bool,
    /// Logout reason used by `force_logout` (Finesse may require one).
    pub force_logout_reason: Option<ReasonCode>,
    /// Whether this instance starts as the leader (a standalone connector does).
    pub start_as_leader: bool,
    /// How many recent message ids (with their answers) are remembered, so a redelivered
    /// command is answered again instead of being run twice.
    pub dedupe_window: usize,
    /// Bound on the bytes of answers kept for redelivered commands.
    pub dedupe_bytes: usize,
    /// Most client destinations registered at once; a Hello (or Connect) beyond it is
    /// answered PLEASE_RETRY.
    pub max_destinations: usize,
    /// A destination that never had an agent bound expires after this long without Hello,
    /// Beat or command, even when `destination_timeout` is `None`.
    pub unbound_destination_timeout: Duration,
    /// Most agents known without a licence (connected, not logged in) at once: each holds a
    /// Finesse notification session. A Connect beyond it is answered PLEASE_RETRY.
    pub max_unlicensed_agents: usize,
    /// Most commands of one agent waiting for its session or for Finesse; more are answered
    /// PLEASE_RETRY at once, so one agent cannot hold every unacked delivery.
    pub max_pending_per_agent: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            instance_id: "gc".into(),
            default_format: Format::Legacy,
            max_agents: None,
            request_timeout: Duration::from_secs(10),
            answer_timeout: Duration::from_secs(10),
            destination_timeout: None,
            logout_on_destination_loss: false,
            held_outbound_timeout: Duration::from_secs(3),
            recording_configured: false,
            force_logout_reason: None,
            start_as_leader: true,
            dedupe_window: 4096,
            dedupe_bytes: 4 << 20,
            max_destinations: 10_000,
            unbound_destination_timeout: Duration::from_mins(10),
            max_unlicensed_agents: 2_000,
            max_pending_per_agent: 32,
        }
    }
}
