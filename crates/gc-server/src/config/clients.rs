//! `[clients]` and `[recording]`: what CRM clients may make the connector hold and do.

use std::time::Duration;

use gc_protocol::{Format, ReasonCode};

use super::problems::Problems;
use super::raw;

/// The checked `[clients]` and `[recording]` sections.
pub(super) struct Clients {
    pub(super) default_format: Format,
    pub(super) destination_timeout: Option<Duration>,
    pub(super) logout_on_destination_loss: bool,
    pub(super) max_agents: Option<usize>,
    pub(super) force_logout_reason: Option<ReasonCode>,
    pub(super) max_destinations: usize,
    pub(super) unbound_destination_timeout: Duration,
    pub(super) max_unlicensed_agents: usize,
    pub(super) max_pending_per_agent: usize,
    pub(super) dedupe_window: usize,
    pub(super) recording_url: Option<String>,
}

pub(super) fn clients(
    raw: raw::Clients,
    recording: raw::Recording,
    problems: &mut Problems,
) -> Clients {
    let default_format = problems.choice(
        "clients.default_format",
        &raw.default_format,
        &[("legacy", Format::Legacy), ("json", Format::Json)],
        Format::Legacy,
    );
    let destination_timeout = problems.secs(
        "clients.destination_timeout_secs",
        raw.destination_timeout_secs,
        0,
    );
    let max_agents = problems.count("clients.max_agents", raw.max_agents, 0, 1_000_000);
    let force_logout_reason = if raw.force_logout_reason.is_empty() {
        None
    } else {
        let parsed = ReasonCode::parse(&raw.force_logout_reason).ok();
        if parsed.is_none() {
            problems.push("`clients.force_logout_reason` is not a reason code id");
        }
        parsed
    };
    let recording_url = recording.controller_url;
    if !recording_url.is_empty() && !recording_url.starts_with("http") {
        problems.push("`recording.controller_url` must be an http(s) URL");
    }
    Clients {
        default_format,
        destination_timeout: (!destination_timeout.is_zero()).then_some(destination_timeout),
        logout_on_destination_loss: raw.logout_on_destination_loss,
        max_agents: Some(max_agents).filter(|m| *m > 0),
        force_logout_reason,
        max_destinations: problems.count(
            "clients.max_destinations",
            raw.max_destinations,
            1,
            10_000_000,
        ),
        unbound_destination_timeout: problems.secs(
            "clients.unbound_destination_timeout_secs",
            raw.unbound_destination_timeout_secs,
            1,
        ),
        max_unlicensed_agents: problems.count(
            "clients.max_unlicensed_agents",
            raw.max_unlicensed_agents,
            1,
            10_000_000,
        ),
        max_pending_per_agent: problems.count(
            "clients.max_pending_per_agent",
            raw.max_pending_per_agent,
            1,
            65_535,
        ),
        dedupe_window: problems.count("clients.dedupe_window", raw.dedupe_window, 0, 10_000_000),
        recording_url: (!recording_url.is_empty()).then_some(recording_url),
    }
}
