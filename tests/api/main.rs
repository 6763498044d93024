//! Black-box tests of RAIA: the store, the chain, the server over HTTP, the CLI
//! and a killed process, each on SQLite and on PostgreSQL.

// Test bodies are helpers the generated #[tokio::test]s call; a failure should panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod api_keys;
mod audit;
mod auth;
mod bad_input;
mod chain;
mod compliance;
mod crash;
mod datasets;
mod datasets_bad_input;
mod datasets_drift;
mod datasets_profile;
mod datasets_quality;
mod export;
mod exports;
mod idempotency;
mod model_bad_input;
mod model_lifecycle;
mod model_performance;
mod model_predict;
mod model_rebuild;
mod model_registry;
mod model_support;
mod models;
mod multi_node;
mod nats;
mod notifications;
mod ops;
mod privacy;
mod rebuild;
mod recovery;
mod sessions;
mod sso;
mod store;
mod throttle;
mod tokens;
