//! The simulated agents' desktops: what each agent is doing, and which command the workload
//! gives it next. Pure: no IO, no clock reads (instants are passed in).
//!
//! An agent has at most one command of ours in flight, so every answer can be attributed, and
//! it is only given commands its state allows (MakeReady from NOT_READY or wrap-up,
//! MakeNotReady from READY or wrap-up, GetState from any idle state), so the mix measures the
//! connector's normal path rather than Finesse's refusals.

use tokio::time::Instant;

use crate::stats::Kind;

/// An agent's state as its last `State` event told it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AgentState {
    /// Not known yet, or lost track (after an error): ask with GetState.
    Unknown,
    LoggedOut,
    NotReady,
    Ready,
    Reserved,
    Talking,
    Work,
    WorkReady,
    /// Any other state (HOLD, LOGIN, …): left alone.
    Other,
}

impl AgentState {
    pub(crate) fn parse(state: &str) -> Self {
        match state {
            "LOGOUT" => Self::LoggedOut,
            "NOT_READY" => Self::NotReady,
            "READY" => Self::Ready,
            "RESERVED" => Self::Reserved,
            "TALKING" => Self::Talking,
            "WORK" => Self::Work,
            "WORK_READY" => Self::WorkReady,
            _ => Self::Other,
        }
    }
}

/// Where an agent is in a call flow the workload drives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Call {
    /// No call of ours.
    Idle,
    /// A call was offered through the simulator's control API; waiting for ALERTING.
    Offered,
    /// Ringing; waiting for a slot to send AnswerCall.
    Ringing { dialog: String },
    /// AnswerCall sent (command `seq`); waiting for ACTIVE.
    Answering { dialog: String, seq: u64 },
    /// Talking; waiting for a slot to send ReleaseCall.
    Active { dialog: String },
    /// ReleaseCall sent (command `seq`); waiting for DROP.
    Releasing { dialog: String, seq: u64 },
}

/// One agent's desktop.
#[derive(Clone, Debug)]
pub(crate) struct Agent {
    /// Login id.
    pub(crate) id: String,
    pub(crate) extension: String,
    /// Index of its client destination.
    pub(crate) destination: usize,
    pub(crate) state: AgentState,
    /// A state command (Login, MakeReady, …) of ours is in flight.
    pub(crate) busy: bool,
    /// The correlation id of that command.
    pub(crate) in_flight: Option<u64>,
    pub(crate) call: Call,
    /// When the current call flow started (to give up on one that stalls).
    pub(crate) call_since: Option<Instant>,
}

impl Agent {
    /// Free for a new state command or call.
    pub(crate) fn idle(&self) -> bool {
        !self.busy && self.call == Call::Idle
    }
}

/// All agents, with a round-robin cursor and a small deterministic random source.
#[derive(Debug)]
pub(crate) struct Roster {
    pub(crate) agents: Vec<Agent>,
    /// Login id of agent 0; agent `i` is `base + i`.
    base: u32,
    cursor: usize,
    rng: u64,
}

impl Roster {
    /// `count` agents `base…` with extensions `extension_base…`, spread over `destinations`.
    pub(crate) fn new(count: usize, destinations: usize, base: u32, extension_base: u32) -> Self {
        let agents = (0..count)
            .map(|i| {
                let offset = u32::try_from(i).unwrap_or(u32::MAX);
                Agent {
                    id: base.saturating_add(offset).to_string(),
                    extension: extension_base.saturating_add(offset).to_string(),
                    destination: i % destinations.max(1),
                    state: AgentState::Unknown,
                    busy: false,
                    in_flight: None,
                    call: Call::Idle,
                    call_since: None,
                }
            })
            .collect();
        Self {
            agents,
            base,
            cursor: 0,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// The index of agent `id`, when it is one of ours.
    pub(crate) fn index(&self, id: &str) -> Option<usize> {
        let n: u32 = id.parse().ok()?;
        let i = usize::try_from(n.checked_sub(self.base)?).ok()?;
        (i < self.agents.len() && self.agents[i].id == id).then_some(i)
    }

    /// The next idle agent (round robin) and a command its state allows: GetState with
    /// probability `get_share`, else the state change it can make. `None` when no agent can
    /// take a command now.
    pub(crate) fn pick_command(&mut self, get_share: f64) -> Option<(usize, Kind)> {
        let n = self.agents.len();
        for step in 0..n {
            let i = (self.cursor + step) % n;
            let agent = &self.agents[i];
            if !agent.idle() {
                continue;
            }
            let state = agent.state;
            let kind = match state {
                AgentState::Unknown => Kind::GetState,
                AgentState::NotReady
                | AgentState::Ready
                | AgentState::Work
                | AgentState::WorkReady
                    if self.chance(get_share) =>
                {
                    Kind::GetState
                }
                AgentState::NotReady => Kind::MakeReady,
                AgentState::Ready => Kind::MakeNotReady,
                AgentState::Work | AgentState::WorkReady => {
                    if self.chance(0.5) {
                        Kind::MakeReady
                    } else {
                        Kind::MakeNotReady
                    }
                }
                _ => continue,
            };
            self.cursor = (i + 1) % n;
            return Some((i, kind));
        }
        None
    }

    /// The next idle READY agent (round robin), to offer a call to.
    pub(crate) fn pick_ready(&mut self) -> Option<usize> {
        let n = self.agents.len();
        let i = (0..n)
            .map(|step| (self.cursor + step) % n)
            .find(|&i| self.agents[i].idle() && self.agents[i].state == AgentState::Ready)?;
        self.cursor = (i + 1) % n;
        Some(i)
    }

    /// True with probability `p` (xorshift64*; the run is the same every time).
    fn chance(&mut self, p: f64) -> bool {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let x = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        // The top 32 bits as a fraction of 2^32.
        let top = u32::try_from(x >> 32).unwrap_or(u32::MAX);
        f64::from(top) / 4_294_967_296.0 < p
    }
}

#[cfg(test)]
mod tests {
    use super::{AgentState, Call, Roster};
    use crate::stats::Kind;

    fn roster(n: usize) -> Roster {
        Roster::new(n, 2, 10_001, 40_001)
    }

    #[test]
    fn agents_are_numbered_and_spread_over_destinations() {
        let r = roster(3);
        assert_eq!(r.agents[2].id, "10003");
        assert_eq!(r.agents[2].extension, "40003");
        assert_eq!(r.agents[1].destination, 1);
        assert_eq!(r.agents[2].destination, 0);
        assert_eq!(r.index("10002"), Some(1));
        assert_eq!(r.index("10004"), None);
        assert_eq!(r.index("9999"), None);
        assert_eq!(r.index("x"), None);
    }

    #[test]
    fn commands_fit_the_agent_state() {
        let mut r = roster(2);
        r.agents[0].state = AgentState::Ready;
        r.agents[1].state = AgentState::NotReady;
        for _ in 0..100 {
            let (i, kind) = r.pick_command(0.3).unwrap();
            match r.agents[i].state {
                AgentState::Ready => assert!(matches!(kind, Kind::MakeNotReady | Kind::GetState)),
                AgentState::NotReady => assert!(matches!(kind, Kind::MakeReady | Kind::GetState)),
                other => panic!("picked an agent in {other:?}"),
            }
        }
    }

    #[test]
    fn an_unknown_state_is_asked_for_first() {
        let mut r = roster(1);
        assert_eq!(r.pick_command(0.0), Some((0, Kind::GetState)));
    }

    #[test]
    fn busy_and_calling_agents_get_no_command() {
        let mut r = roster(3);
        for a in &mut r.agents {
            a.state = AgentState::NotReady;
        }
        r.agents[0].busy = true;
        r.agents[1].call = Call::Offered;
        for _ in 0..10 {
            assert_eq!(r.pick_command(0.5).map(|p| p.0), Some(2));
        }
        r.agents[2].state = AgentState::Talking;
        assert_eq!(r.pick_command(0.5), None);
    }

    #[test]
    fn calls_go_to_idle_ready_agents_in_turn() {
        let mut r = roster(4);
        for a in &mut r.agents {
            a.state = AgentState::Ready;
        }
        r.agents[1].busy = true;
        assert_eq!(r.pick_ready(), Some(0));
        assert_eq!(r.pick_ready(), Some(2));
        assert_eq!(r.pick_ready(), Some(3));
        assert_eq!(r.pick_ready(), Some(0));
    }

    #[test]
    fn the_share_of_get_state_follows_the_setting() {
        let mut r = roster(1);
        r.agents[0].state = AgentState::Ready;
        let gets = (0..10_000)
            .filter(|_| r.pick_command(0.25) == Some((0, Kind::GetState)))
            .count();
        assert!((2_200..2_800).contains(&gets), "{gets}");
    }
}
