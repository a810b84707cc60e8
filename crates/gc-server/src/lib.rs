//! The `generic-connector` service: configuration, wiring of the sans-IO engine (gc-core) to
//! RabbitMQ (gc-broker) and Finesse (gc-finesse), health and metrics.
//!
//! # Layout
//! - [`config`]: layered settings (defaults → TOML file → `GC_` environment), validated once.
//! - [`app`]: builds everything from the settings and runs until SIGTERM.
//! - `driver`: the task that owns the engine and carries out its effects (publisher, Finesse
//!   operations, sessions, timers).
//! - [`translate`]: Finesse session notifications routed to the engine (objects pass as they are).
//! - [`sync`]: ConnectorSync messages with sealed passwords.
//! - [`simulator`]: the built-in Finesse simulator used when no Finesse is configured.
//! - [`http`], [`metrics`], [`telemetry`]: operations.

pub mod app;
pub mod config;
mod driver;
pub mod http;
pub mod metrics;
pub mod simulator;
pub mod sync;
pub mod telemetry;
pub mod translate;

/// Installs ring as rustls' process-wide provider (reqwest is built without one).
pub fn install_crypto_provider() {
    gc_finesse::tls::install_default_provider();
}
