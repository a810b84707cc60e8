//! The engine's settings. The binary fills them from its layered configuration.

use std::time::Duration;

use gc_protocol::{Format, ReasonCode};

/// Engine settings, with defaults an operator can run with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// This instance's id: prefixes Finesse request ids so two instances never collide.
    pub instance_id: String,
    /// Output format of destinations that do not ask for one.
    pub default_format: Format,
    /// Most agents logged in at once (`None`: unlimited).
    pub max_agents: Option<usize>,
    /// How long to wait for the notification that confirms a write before reading the object.
    pub request_timeout: Duration,
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
    /// How many recent message ids are remembered to drop redelivered duplicates.
    pub dedupe_window: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            instance_id: "gc".into(),
            default_format: Format::Legacy,
            max_agents: None,
            request_timeout: Duration::from_secs(10),
            destination_timeout: None,
            logout_on_destination_loss: false,
            held_outbound_timeout: Duration::from_secs(3),
            recording_configured: false,
            force_logout_reason: None,
            start_as_leader: true,
            dedupe_window: 4096,
        }
    }
}
