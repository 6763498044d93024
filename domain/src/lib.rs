//! RAIA's domain: pure aggregates, their commands and events, and the event envelope.
//!
//! Nothing here does IO: whatever a decision needs (time, ids, hashes, computed
//! metrics) arrives inside the command.

pub mod aggregate;
pub mod api_key;
pub mod chain;
pub mod chat;
pub mod client_address;
pub mod compliance;
pub mod connector;
pub mod dataset;
pub mod decode;
pub mod document;
pub mod drift;
pub mod envelope;
pub mod evaluation;
pub mod explanation;
pub mod export;
pub mod fairness;
pub mod ids;
pub mod job;
pub mod llm;
pub mod model;
pub mod notification;
pub mod registry;
pub mod retention;
pub mod role;
pub mod sealed;
pub mod stream;
pub mod subscription;
pub mod upcast;
pub mod user;

pub use aggregate::{Aggregate, CodecError, EventCodec};
pub use envelope::{ExpectedVersion, Metadata, NewEvent, StoredEvent};
pub use role::Role;
