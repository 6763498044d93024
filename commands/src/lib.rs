//! RAIA's write side: the event store and its two backends, command handling,
//! crypto-shredding of personal data, passwords, and the NATS outbox relay.

pub mod blobs;
pub mod cipher;
pub mod datasets;
pub mod drift;
pub mod error;
pub mod handle;
pub mod models;
pub mod password;
pub mod relay;
pub mod sessions;
pub mod store;
pub mod users;

pub use error::{CommandError, StoreError};
pub use handle::{load, Batch, Loaded};
pub use store::{open_store, sql_now, EventStore, Head, Until};
