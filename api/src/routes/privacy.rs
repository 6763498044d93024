//! `/api/v1/privacy`: a person's data export and erasure (admins, or the
//! person themself).

use crate::routes::rfc3339;
use axum::{
    extract::{Path, State},
    Json,
};
use commands::privacy::{self, PrivacyError};
use domain::{ids::UserId, Role};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    extract::Ctx,
    state::AppState,
};

impl From<PrivacyError> for ApiError {
    fn from(e: PrivacyError) -> Self {
        match e {
            PrivacyError::NotFound => Self::not_found("user"),
            PrivacyError::Other(o) => o.into(),
        }
    }
}

fn subject(caller: &Caller, id: &str) -> ApiResult<UserId> {
    let user = UserId::parse(id).ok_or_else(|| ApiError::not_found("user"))?;
    if caller.role != Role::Admin && caller.user_id != user {
        return Err(ApiError::forbidden(
            "only an admin or the person themself may do this",
        ));
    }
    Ok(user)
}

/// One event in an export, personal fields decrypted.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedEvent {
    /// Log position.
    pub position: i64,
    /// Event type.
    pub event_type: String,
    /// Stream type.
    pub stream_type: String,
    /// Stream id.
    pub stream_id: String,
    /// When (RFC 3339).
    pub recorded_at: String,
    /// Payload, with the person's sealed fields opened (or `[erased]`).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Who did it, from where.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// The chain hash (to check against `raia replay export`).
    pub hash: String,
}

/// Everything RAIA holds about or by a person.
#[derive(Debug, Serialize, ToSchema)]
pub struct DataExport {
    /// The person.
    pub user_id: String,
    /// Whether their data was erased.
    pub erased: bool,
    /// When the export was made (RFC 3339).
    pub exported_at: String,
    /// Every event about or by them, oldest first.
    pub events: Vec<ExportedEvent>,
}

/// Exports every event about or by the person, decrypted.
#[utoipa::path(get, path = "/api/v1/privacy/data-export/{user_id}", tag = "privacy",
    security(("bearer" = [])), params(("user_id" = String, Path, description = "user id")),
    responses((status = 200, body = DataExport), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<DataExport>> {
    let user = subject(&caller, &id)?;
    let events = privacy::events_of(state.store.as_ref(), user).await?;
    if !events.iter().any(|e| e.stream_type == "user") {
        return Err(ApiError::not_found("user"));
    }
    let subject = user.to_string();
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let mut payload: serde_json::Value =
            serde_json::from_str(&e.payload).map_err(ApiError::internal)?;
        privacy::unseal(&state.cipher, &subject, &mut payload).await?;
        out.push(ExportedEvent {
            position: e.position,
            event_type: e.event_type,
            stream_type: e.stream_type,
            stream_id: e.stream_id,
            recorded_at: rfc3339(e.recorded_at),
            payload,
            metadata: serde_json::from_str(&e.metadata).map_err(ApiError::internal)?,
            hash: e.hash,
        });
    }
    Ok(Json(DataExport {
        user_id: subject.clone(),
        erased: state
            .cipher
            .is_erased(&subject)
            .await
            .map_err(ApiError::internal)?,
        exported_at: chrono::Utc::now().to_rfc3339(),
        events: out,
    }))
}

/// The person's address and name in clear (while their key still exists).
async fn personal_fields(state: &AppState, user: UserId) -> ApiResult<Vec<String>> {
    let row = sqlx::query("SELECT email_sealed, display_name_sealed FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(state.db.read())
        .await?;
    let mut out = Vec::new();
    if let Some(r) = row {
        use sqlx::Row;
        for i in 0..2 {
            if let Some(s) = r.try_get::<Option<String>, _>(i)?.filter(|s| !s.is_empty()) {
                let sealed = domain::sealed::Sealed::from_ciphertext(s);
                if let Some(p) = state
                    .cipher
                    .open(&user.to_string(), &sealed)
                    .await
                    .map_err(ApiError::internal)?
                {
                    out.push(p);
                }
            }
        }
    }
    Ok(out)
}

/// The result of an erasure.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erased {
    /// The person.
    pub user_id: String,
    /// Always `erased`.
    pub status: String,
    /// Position of the `UserErased` event (absent when already erased).
    pub position: Option<i64>,
}

/// Erases the person: the erasure is an event, their key is destroyed, their
/// account closed, their read-model rows and outbox mail scrubbed. The chain
/// still verifies.
#[utoipa::path(post, path = "/api/v1/privacy/data-deletion/{user_id}", tag = "privacy",
    security(("bearer" = [])), params(("user_id" = String, Path, description = "user id")),
    responses((status = 200, body = Erased), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)))]
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Erased>> {
    let user = subject(&caller, &id)?;
    let plain = personal_fields(&state, user).await?;
    let events = privacy::erase(state.store.as_ref(), &state.cipher, user, ctx.metadata).await?;
    // Cached answers to idempotent requests may quote the person: drop them.
    for p in plain.iter().filter(|p| p.len() >= 3) {
        sqlx::query("DELETE FROM idempotency_keys WHERE body LIKE $1")
            .bind(format!("%{p}%"))
            .execute(state.db.write())
            .await?;
    }
    if state.db.backend() == migrations::Backend::Postgres && !plain.is_empty() {
        // Reclaim the deleted rows now rather than at the next autovacuum.
        sqlx::query("VACUUM idempotency_keys")
            .execute(state.db.write())
            .await?;
    }
    state.settle(&events).await;
    state
        .mailer
        .forget(&user.to_string())
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(Erased {
        user_id: user.to_string(),
        status: "erased".into(),
        position: events
            .iter()
            .find(|e| e.event_type == "UserErased")
            .map(|e| e.position),
    }))
}
