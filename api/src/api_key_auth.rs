//! Bearer authentication with an API key (`rk1.<id>.<secret>`): the key's hash
//! must match, the key must be live and its owner active; the caller acts with
//! the key's role. Uses are recorded at most once a minute, off the request path.

use domain::{ids::UserId, Role};
use sqlx::Row;
use subtle::ConstantTimeEq;

use crate::{access::Caller, error::ApiError, state::AppState};

/// Checks an API key and names the caller it stands for.
pub async fn authenticate(state: &AppState, key: &str) -> Result<Caller, ApiError> {
    let invalid = || ApiError::unauthorized("invalid API key");
    let (key_id, hash) = commands::api_keys::parse(key).ok_or_else(invalid)?;
    let row = sqlx::query(
        "SELECT k.secret_hash, k.role, k.owner_id, k.expires_at, k.revoked_at, k.last_used_at, u.is_active \
         FROM api_keys k JOIN users u ON u.id = k.owner_id WHERE k.key_id = $1",
    )
    .bind(key_id.clone())
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(invalid)?;
    let stored: String = row.try_get(0)?;
    if !bool::from(stored.as_bytes().ct_eq(hash.as_bytes())) {
        return Err(invalid());
    }
    let now = commands::sql_now();
    let expires: Option<i64> = row.try_get(3)?;
    let revoked: Option<i64> = row.try_get(4)?;
    if revoked.is_some() {
        return Err(ApiError::unauthorized("the API key was revoked"));
    }
    if expires.is_some_and(|e| e <= now) {
        return Err(ApiError::unauthorized("the API key has expired"));
    }
    if row.try_get::<i64, _>(6)? == 0 {
        return Err(ApiError::unauthorized("the key's account is deactivated"));
    }
    let role: String = row.try_get(1)?;
    let role = Role::parse(&role).ok_or_else(|| ApiError::internal("unknown role in api_keys"))?;
    let owner: String = row.try_get(2)?;
    let user_id = UserId::parse(&owner).ok_or_else(|| ApiError::internal("bad owner id"))?;
    let last: Option<i64> = row.try_get(5)?;
    if last.is_none_or(|t| now - t >= domain::api_key::USE_RECORD_INTERVAL_MICROS) {
        let state = state.clone();
        let key_id = key_id.clone();
        tokio::spawn(async move {
            let meta = domain::Metadata {
                actor_id: Some(owner),
                actor_role: Some(role),
                auth_method: Some("api_key".into()),
                ..Default::default()
            };
            match commands::api_keys::record_use(state.store.as_ref(), &key_id, meta).await {
                Ok(events) => state.settle(&events).await,
                Err(e) => tracing::warn!(error = %e, "recording an API key use"),
            }
        });
    }
    Ok(Caller {
        user_id,
        role,
        session_id: format!("api-key:{key_id}"),
    })
}
