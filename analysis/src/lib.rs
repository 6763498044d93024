//! RAIA's analysis engines. Pure: no tokio, sqlx, axum or IO; callers hand in data.

pub mod drift;
pub mod explain;
pub mod expr;
pub mod fairness;
pub mod inference;
pub mod json_float;
pub mod metrics;
mod parallel;
pub mod profile;
pub mod retrieval;
pub mod tabular;
pub mod text;
pub mod transform;
