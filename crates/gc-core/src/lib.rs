//! The Generic Connector engine.
//!
//! One owner of all state, driven through a single entry point:
//! [`Engine::handle`]`(now, input) -> Vec<Effect>`. Inputs are client commands, Finesse REST
//! results and notifications, session and node changes, timers, peer messages and leadership;
//! effects are publications, Finesse operations, session and subscription changes, timers,
//! acks and dead letters (design.md section 3).
//!
//! # Layout
//! - [`io`]: [`Input`] and [`Effect`], everything that crosses the boundary.
//! - [`finesse`]: what the engine knows of Finesse: finesse-model's types used as they are
//!   (users, dialogs, typed states and actions, the [`finesse::Request`]s it emits and their
//!   replies), plus the engine's routed notifications, failures and session events.
//! - [`config`]: the engine's settings, [`EngineConfig`].
//! - [`clock`]: time as an input ([`Now`], [`Deadline`]).
//! - `engine/`: the engine itself, one file per concern (clients and destinations, commands,
//!   agent state and licences, requests in flight, notifications, call events, dialog queries
//!   and re-reads, presentation, system and redundancy).
//!
//! # Never
//! No async runtime, no sockets, no clock reads, no randomness: everything arrives as an input,
//! so every flow can be tested as a scenario with a simulated clock.

pub mod clock;
pub mod config;
mod engine;
pub mod finesse;
pub mod io;

pub use clock::{Deadline, Now};
pub use config::EngineConfig;
pub use engine::Engine;
pub use io::{
    ClientRequest, DeliveryToken, Effect, Input, PeerSync, Publication, RecordingAction, Target,
    TimerId,
};
