//! The OpenAPI operations of the evaluation routes, merged into the main document.

use utoipa::OpenApi;

use crate::routes::evaluations::{self as e, compare, suite};

/// The annotated evaluation operations.
#[derive(OpenApi)]
#[openapi(paths(
    e::create,
    e::list,
    e::get,
    e::results,
    e::start,
    e::stop,
    compare::compare,
    suite::run,
))]
pub struct EvaluationsDoc;
