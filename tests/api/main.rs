//! Black-box tests of RAIA: the store, the chain, the server over HTTP, the CLI
//! and a killed process, each on SQLite and on PostgreSQL.

// Test bodies are helpers the generated #[tokio::test]s call; a failure should panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod audit;
mod auth;
mod bad_input;
mod chain;
mod crash;
mod datasets;
mod datasets_bad_input;
mod datasets_drift;
mod datasets_profile;
mod datasets_quality;
mod export;
mod idempotency;
mod models;
mod multi_node;
mod nats;
mod ops;
mod rebuild;
mod sessions;
mod store;
