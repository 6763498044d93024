//! Every route, with the roles that may call it declared beside it.

pub mod as_of;
pub mod audit;
pub mod auth;
pub mod datasets;
pub mod drift;
pub mod health;
pub mod metrics;
pub mod models;
pub mod quality;
pub mod sessions;
pub mod users;

use axum::{
    extract::State,
    http::Method,
    routing::{delete, get, post, put},
    Json, Router,
};

use crate::{
    access::{Access, RouteSpec, Routes, ADMIN, AUDIT, MODEL_OWNERS, WRITERS},
    openapi,
    state::AppState,
};

/// The API router and its permission table.
pub fn table(state: AppState) -> (Router<AppState>, Vec<RouteSpec>) {
    use Access::{Authenticated, Public, Roles};
    Routes::new(state)
        .add(Method::GET, "/api/v1/health", Public, get(health::live))
        .add(
            Method::GET,
            "/api/v1/health/detailed",
            Roles(ADMIN),
            get(health::detailed),
        )
        .add(
            Method::GET,
            "/api/v1/metrics/system",
            Roles(ADMIN),
            get(metrics::system),
        )
        .add(
            Method::GET,
            "/api/v1/metrics/application",
            Roles(ADMIN),
            get(metrics::application),
        )
        .add(
            Method::GET,
            "/api/v1/metrics/database",
            Roles(ADMIN),
            get(metrics::database),
        )
        .add(
            Method::GET,
            "/metrics",
            Roles(ADMIN),
            get(metrics::prometheus),
        )
        // Register is public so that self-registration can work; the handler
        // admits anonymous callers only when it is enabled.
        .add(
            Method::POST,
            "/api/v1/auth/register",
            Public,
            post(auth::register),
        )
        .add(
            Method::POST,
            "/api/v1/auth/login",
            Public,
            post(auth::login),
        )
        .add(Method::GET, "/api/v1/auth/me", Authenticated, get(auth::me))
        .add(
            Method::POST,
            "/api/v1/auth/refresh",
            Public,
            post(sessions::refresh),
        )
        .add(
            Method::POST,
            "/api/v1/auth/logout",
            Authenticated,
            post(sessions::logout),
        )
        .add(
            Method::GET,
            "/api/v1/auth/sessions",
            Authenticated,
            get(sessions::list),
        )
        .add(
            Method::DELETE,
            "/api/v1/auth/sessions/{id}",
            Authenticated,
            delete(sessions::end),
        )
        .add(
            Method::PUT,
            "/api/v1/auth/change-password",
            Authenticated,
            put(sessions::change_password),
        )
        .add(
            Method::GET,
            "/api/v1/auth/permissions",
            Public,
            get(auth_permissions),
        )
        .add(Method::GET, "/api/v1/users", Roles(ADMIN), get(users::list))
        .add(
            Method::PUT,
            "/api/v1/users/{id}/role",
            Roles(ADMIN),
            put(users::change_role),
        )
        .add(
            Method::POST,
            "/api/v1/users/{id}/deactivate",
            Roles(ADMIN),
            post(users::deactivate),
        )
        .add(
            Method::POST,
            "/api/v1/users/{id}/reactivate",
            Roles(ADMIN),
            post(users::reactivate),
        )
        .add(
            Method::POST,
            "/api/v1/users/{id}/logout",
            Roles(ADMIN),
            post(users::force_logout),
        )
        .add(
            Method::GET,
            "/api/v1/models",
            Authenticated,
            get(models::list),
        )
        .add(
            Method::POST,
            "/api/v1/models",
            Roles(WRITERS),
            post(models::create),
        )
        .add(
            Method::GET,
            "/api/v1/models/{id}",
            Authenticated,
            get(models::get),
        )
        .add(
            Method::PUT,
            "/api/v1/models/{id}",
            Roles(WRITERS),
            put(models::update),
        )
        .add(
            Method::DELETE,
            "/api/v1/models/{id}",
            Roles(MODEL_OWNERS),
            delete(models::delete),
        )
        .add(
            Method::POST,
            "/api/v1/datasets/upload",
            Roles(WRITERS),
            // The upload streams the file under its own limit (`dataset_max_bytes`).
            post(datasets::upload::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .add(
            Method::GET,
            "/api/v1/datasets",
            Authenticated,
            get(datasets::list),
        )
        .add(
            Method::GET,
            "/api/v1/datasets/{id}",
            Authenticated,
            get(datasets::get),
        )
        .add(
            Method::DELETE,
            "/api/v1/datasets/{id}",
            Roles(WRITERS),
            delete(datasets::delete),
        )
        .add(
            Method::GET,
            "/api/v1/datasets/{id}/preview",
            Authenticated,
            get(datasets::preview),
        )
        .add(
            Method::GET,
            "/api/v1/datasets/{id}/profile",
            Authenticated,
            get(datasets::profile),
        )
        .add(
            Method::POST,
            "/api/v1/datasets/{id}/validate",
            Roles(WRITERS),
            post(quality::validate),
        )
        .add(
            Method::POST,
            "/api/v1/data-quality/assess/{id}",
            Roles(WRITERS),
            post(quality::assess),
        )
        .add(
            Method::GET,
            "/api/v1/data-quality/report/{id}",
            Authenticated,
            get(quality::report),
        )
        .add(
            Method::GET,
            "/api/v1/data-quality/issues/{id}",
            Authenticated,
            get(quality::issues),
        )
        .add(
            Method::POST,
            "/api/v1/data-quality/rules",
            Roles(WRITERS),
            post(quality::set_rules),
        )
        .add(
            Method::POST,
            "/api/v1/drift/detect",
            Roles(WRITERS),
            post(drift::detect),
        )
        .add(
            Method::GET,
            "/api/v1/drift/reports/{id}",
            Authenticated,
            get(drift::reports),
        )
        .add(
            Method::GET,
            "/api/v1/drift/alerts",
            Authenticated,
            get(drift::alerts),
        )
        .add(
            Method::GET,
            "/api/v1/audit/logs",
            Roles(AUDIT),
            get(audit::logs),
        )
        .add(
            Method::POST,
            "/api/v1/audit/search",
            Roles(AUDIT),
            post(audit::search),
        )
        .add(
            Method::GET,
            "/api/v1/audit/verify",
            Roles(AUDIT),
            get(audit::verify),
        )
        .add(
            Method::GET,
            "/api/v1/openapi.json",
            Public,
            get(openapi::serve),
        )
        .add(Method::GET, "/api/v1/permissions", Public, get(permissions))
        .finish()
}

/// The permission table: every route and who may call it (also at `/api/v1/auth/permissions`).
#[utoipa::path(get, path = "/api/v1/permissions", tag = "meta", responses((status = 200, body = [RouteSpec])))]
pub async fn permissions(State(state): State<AppState>) -> Json<Vec<RouteSpec>> {
    Json(table(state).1)
}

/// The permission table under the auth prefix (the identity issue's path).
#[utoipa::path(get, path = "/api/v1/auth/permissions", tag = "auth", responses((status = 200, body = [RouteSpec])))]
pub async fn auth_permissions(state: State<AppState>) -> Json<Vec<RouteSpec>> {
    permissions(state).await
}
