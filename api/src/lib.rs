//! RAIA's HTTP server and command line: routes, authentication, access control,
//! problem+json errors, OpenAPI, health and metrics.

pub mod access;
pub mod api_key_auth;
pub mod cache;
pub mod cli;
pub mod compliance;
pub mod config;
pub mod connectors;
pub mod datadir;
pub mod error;
pub mod export;
pub mod extract;
pub mod feed;
pub mod idempotency;
pub mod jobs;
pub mod llm;
pub mod mail;
pub mod notify;
pub mod openapi;
pub mod otlp;
pub mod pagination;
pub mod problem_layer;
pub mod remote;
pub mod retention;
pub mod routes;
pub mod saml;
pub mod sso;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod token;
pub mod ws;
