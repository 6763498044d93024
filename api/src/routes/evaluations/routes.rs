//! The evaluation routes with their access, added to the table in one go.

use axum::{
    http::Method,
    routing::{get, post},
};

use crate::{
    access::{Access, Routes, WRITERS},
    routes::evaluations::{compare, suite},
};

/// Adds every evaluation route: reads for anyone signed in, runs for writers.
pub fn add(r: Routes) -> Routes {
    use super as e;
    use Access::{Authenticated, Roles};
    r.add(
        Method::GET,
        "/api/v1/evaluations",
        Authenticated,
        get(e::list),
    )
    .add(
        Method::POST,
        "/api/v1/evaluations",
        Roles(WRITERS),
        post(e::create),
    )
    .add(
        Method::POST,
        "/api/v1/evaluations/compare",
        Authenticated,
        post(compare::compare),
    )
    .add(
        Method::POST,
        "/api/v1/evaluations/suites/{name}/run",
        Roles(WRITERS),
        post(suite::run),
    )
    .add(
        Method::GET,
        "/api/v1/evaluations/{id}",
        Authenticated,
        get(e::get),
    )
    .add(
        Method::GET,
        "/api/v1/evaluations/{id}/results",
        Authenticated,
        get(e::results),
    )
    .add(
        Method::POST,
        "/api/v1/evaluations/{id}/start",
        Roles(WRITERS),
        post(e::start),
    )
    .add(
        Method::POST,
        "/api/v1/evaluations/{id}/stop",
        Roles(WRITERS),
        post(e::stop),
    )
}
