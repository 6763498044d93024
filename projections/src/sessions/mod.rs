//! The `sessions` table: every login session, who opened it from where, and
//! whether and why it ended. The access guard reads it on every request, so a
//! logout or deactivation takes effect at once.

use async_trait::async_trait;
use domain::{
    decode::decode,
    upcast::Upcasters,
    user::{User, UserEvent},
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects session events into `sessions`.
#[derive(Debug, Clone, Copy)]
pub struct Sessions;

fn reason_str(r: &domain::user::RevokeReason) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[async_trait]
impl Projection for Sessions {
    fn name(&self) -> &'static str {
        "sessions"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["sessions"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &["user"]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != User::STREAM_TYPE {
            return Ok(());
        }
        let event: UserEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        let q = match event {
            UserEvent::UserLoggedIn {
                method,
                session_id,
                refresh_expires_at,
                ..
            } => {
                let meta = e.metadata().unwrap_or_default();
                sqlx::query(
                    "INSERT INTO sessions (session_id, user_id, method, client_ip, user_agent, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(session_id)
                .bind(e.stream_id.clone())
                .bind(method)
                .bind(meta.client_ip)
                .bind(meta.user_agent)
                .bind(e.recorded_at)
                .bind(refresh_expires_at)
            }
            UserEvent::SessionRefreshed {
                session_id,
                refresh_expires_at,
                ..
            } => sqlx::query(
                "UPDATE sessions SET last_refreshed_at = $1, expires_at = $2 WHERE session_id = $3",
            )
            .bind(e.recorded_at)
            .bind(refresh_expires_at)
            .bind(session_id),
            UserEvent::SessionRevoked { session_id, reason } => sqlx::query(
                "UPDATE sessions SET revoked_at = $1, revoke_reason = $2 WHERE session_id = $3",
            )
            .bind(e.recorded_at)
            .bind(reason_str(&reason))
            .bind(session_id),
            // Erasure: the read model forgets where the person connected from.
            UserEvent::UserErased {} => sqlx::query(
                "UPDATE sessions SET client_ip = NULL, user_agent = NULL WHERE user_id = $1",
            )
            .bind(e.stream_id.clone()),
            UserEvent::UserRegistered { .. }
            | UserEvent::OneTimeTokenIssued { .. }
            | UserEvent::EmailVerified { .. }
            | UserEvent::PasswordReset { .. }
            | UserEvent::SsoLinked { .. }
            | UserEvent::RefreshTokenReused { .. }
            | UserEvent::UserLoginFailed { .. }
            | UserEvent::UserLockedOut { .. }
            | UserEvent::PasswordChanged { .. }
            | UserEvent::UserRoleChanged { .. }
            | UserEvent::UserDeactivated {}
            | UserEvent::UserReactivated {} => return Ok(()),
        };
        q.execute(&mut **tx).await?;
        Ok(())
    }
}
