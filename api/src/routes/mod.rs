//! Every route, with the roles that may call it declared beside it.

pub mod api_keys;
pub mod as_of;
pub mod audit;
pub mod auth;
pub mod compare;
pub mod compliance;
pub mod datasets;
pub mod drift;
pub mod evaluate;
pub mod export;
pub mod health;
pub mod metrics;
pub mod model_bodies;
pub mod model_lifecycle;
pub mod model_upload;
pub mod model_versions;
pub mod models;
pub mod notifications;
pub mod predict;
pub mod predictions;
pub mod privacy;
pub mod quality;
pub mod recovery;
pub mod sessions;
pub mod sso;
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

/// A time in microseconds since the epoch as RFC 3339 (UTC), as every view shows times.
pub fn rfc3339(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .to_rfc3339()
}

/// The API router and its permission table.
pub fn table(state: AppState) -> (Router<AppState>, Vec<RouteSpec>) {
    use Access::{Authenticated, OwnerOr, Public, Roles};
    // The artifact limit is enforced exactly while streaming; the body limit only
    // leaves room for the other parts.
    let upload_limit = state.config.model_artifact_limit_bytes + 1024 * 1024;
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
        .add(
            Method::POST,
            "/api/v1/auth/forgot-password",
            Public,
            post(recovery::forgot_password),
        )
        .add(
            Method::POST,
            "/api/v1/auth/reset-password",
            Public,
            post(recovery::reset_password),
        )
        .add(
            Method::POST,
            "/api/v1/auth/verify-email",
            Public,
            post(recovery::verify_email),
        )
        .add(
            Method::POST,
            "/api/v1/auth/resend-verification",
            Public,
            post(recovery::resend_verification),
        )
        .add(
            Method::GET,
            "/api/v1/auth/sso/providers",
            Public,
            get(sso::providers),
        )
        .add(
            Method::GET,
            "/api/v1/auth/sso/{provider}/start",
            Public,
            get(sso::start),
        )
        .add(
            Method::GET,
            "/api/v1/auth/sso/{provider}/callback",
            Public,
            get(sso::callback),
        )
        .add(
            Method::POST,
            "/api/v1/auth/api-keys",
            Roles(ADMIN),
            post(api_keys::create),
        )
        .add(
            Method::GET,
            "/api/v1/auth/api-keys",
            Roles(ADMIN),
            get(api_keys::list),
        )
        .add(
            Method::DELETE,
            "/api/v1/auth/api-keys/{id}",
            Roles(ADMIN),
            delete(api_keys::revoke),
        )
        .add(
            Method::GET,
            "/api/v1/privacy/data-export/{user_id}",
            OwnerOr(ADMIN),
            get(privacy::export),
        )
        .add(
            Method::POST,
            "/api/v1/privacy/data-deletion/{user_id}",
            OwnerOr(ADMIN),
            post(privacy::erase),
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
            "/api/v1/models/{id}/versions",
            Roles(WRITERS),
            post(model_upload::upload).layer(axum::extract::DefaultBodyLimit::max(
                usize::try_from(upload_limit).unwrap_or(usize::MAX),
            )),
        )
        .add(
            Method::GET,
            "/api/v1/models/{id}/versions",
            Authenticated,
            get(model_versions::list),
        )
        .add(
            Method::GET,
            "/api/v1/models/{id}/versions/{version}",
            Authenticated,
            get(model_versions::get),
        )
        .add(
            Method::POST,
            "/api/v1/models/{id}/versions/{version}/submit",
            Roles(WRITERS),
            post(model_lifecycle::submit),
        )
        .add(
            Method::POST,
            "/api/v1/models/{id}/versions/{version}/approve",
            Roles(MODEL_OWNERS),
            post(model_lifecycle::approve),
        )
        .add(
            Method::POST,
            "/api/v1/models/{id}/versions/{version}/reject",
            Roles(MODEL_OWNERS),
            post(model_lifecycle::reject),
        )
        .add(
            Method::POST,
            "/api/v1/models/{id}/deploy",
            Roles(MODEL_OWNERS),
            post(model_lifecycle::deploy),
        )
        .add(
            Method::POST,
            "/api/v1/models/{id}/retire",
            Roles(MODEL_OWNERS),
            post(model_lifecycle::retire),
        )
        .add(
            Method::PUT,
            "/api/v1/models/{id}/aliases/{alias}",
            Roles(MODEL_OWNERS),
            put(model_versions::set_alias),
        )
        .add(
            Method::DELETE,
            "/api/v1/models/{id}/aliases/{alias}",
            Roles(MODEL_OWNERS),
            delete(model_versions::remove_alias),
        )
        .add(
            Method::POST,
            "/api/v1/models/{id}/predict",
            Authenticated,
            post(predict::predict).layer(axum::extract::DefaultBodyLimit::max(PREDICT_BODY_LIMIT)),
        )
        .add(
            Method::POST,
            "/api/v1/models/{id}/evaluate",
            Roles(WRITERS),
            post(evaluate::evaluate)
                .layer(axum::extract::DefaultBodyLimit::max(PREDICT_BODY_LIMIT)),
        )
        .add(
            Method::GET,
            "/api/v1/models/{id}/performance",
            Authenticated,
            get(evaluate::performance),
        )
        .add(
            Method::POST,
            "/api/v1/models/compare",
            Roles(WRITERS),
            post(compare::compare).layer(axum::extract::DefaultBodyLimit::max(PREDICT_BODY_LIMIT)),
        )
        .add(
            Method::GET,
            "/api/v1/models/{id}/predictions",
            Roles(predictions::PREDICTION_READERS),
            get(predictions::list),
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
            "/api/v1/compliance/status",
            Authenticated,
            get(compliance::status),
        )
        .add(
            Method::POST,
            "/api/v1/compliance/generate-report",
            Roles(compliance::REPORTERS),
            post(compliance::generate_report),
        )
        .add(
            Method::POST,
            "/api/v1/export/pdf",
            Authenticated,
            post(export::pdf),
        )
        .add(
            Method::POST,
            "/api/v1/export/excel",
            Authenticated,
            post(export::excel),
        )
        .add(
            Method::POST,
            "/api/v1/export/csv",
            Authenticated,
            post(export::csv),
        )
        .add(
            Method::GET,
            "/api/v1/export/jobs",
            Authenticated,
            get(export::jobs),
        )
        .add(
            Method::GET,
            "/api/v1/export/jobs/{id}/download",
            Authenticated,
            get(export::download),
        )
        .add(
            Method::DELETE,
            "/api/v1/export/jobs/{id}",
            Authenticated,
            delete(export::delete),
        )
        .add(
            Method::GET,
            "/api/v1/notifications",
            Authenticated,
            get(notifications::list),
        )
        .add(
            Method::POST,
            "/api/v1/notifications/mark-read/{id}",
            Authenticated,
            post(notifications::mark_read),
        )
        .add(
            Method::DELETE,
            "/api/v1/notifications/{id}",
            Authenticated,
            delete(notifications::delete),
        )
        .add(
            Method::POST,
            "/api/v1/notifications/mark-all-read",
            Authenticated,
            post(notifications::mark_all_read),
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

/// Largest predict body: a batch of rows is bigger than other JSON bodies.
const PREDICT_BODY_LIMIT: usize = 64 * 1024 * 1024;

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
