//! (being written)
pub mod error;
pub mod model;

pub use error::Error;
