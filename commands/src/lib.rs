//! RAIA's write side: the event store and its two backends, command handling,
//! crypto-shredding of personal data, passwords, and the NATS outbox relay.

pub mod api_keys;
pub mod blobs;
pub mod cipher;
pub mod connectors;
pub mod datasets;
pub mod drift;
pub mod error;
pub mod evaluations;
pub mod explanations;
pub mod fairness;
pub mod handle;
pub mod jobs;
pub mod model_artifacts;
pub mod model_cache;
pub mod models;
pub mod one_time;
pub mod password;
pub mod password_policy;
pub mod prediction_log;
pub mod privacy;
pub mod relay;
pub mod retention;
pub mod sessions;
pub mod sso;
pub mod store;
pub mod streams;
pub mod users;

pub use error::{CommandError, StoreError};
pub use handle::{load, Batch, Loaded};
pub use store::{open_store, sql_now, EventStore, Head, Until};
