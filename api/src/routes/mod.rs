//! Every route, with the roles that may call it declared beside it.

pub mod api_keys;
pub mod as_of;
pub mod audit;
pub mod auth;
pub mod health;
pub mod metrics;
pub mod models;
pub mod privacy;
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

/// The API router and its permission table.
pub fn table(state: AppState) -> (Router<AppState>, Vec<RouteSpec>) {
    use Access::{Authenticated, OwnerOr, Public, Roles};
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
