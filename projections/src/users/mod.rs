//! The `users` table: who can log in, with which role. Personal fields stay
//! sealed here exactly as in the log, so erasing a subject's key erases them.

use async_trait::async_trait;
use domain::{
    decode::decode,
    upcast::Upcasters,
    user::{User, UserEvent},
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects user events into `users`.
#[derive(Debug, Clone, Copy)]
pub struct Users;

#[async_trait]
impl Projection for Users {
    fn name(&self) -> &'static str {
        "users"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["users"]
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
        let at = e.recorded_at;
        let q = match event {
            UserEvent::UserRegistered { user_id, email_lookup, email, password_hash, display_name, role } => {
                sqlx::query(
                    "INSERT INTO users (id, email_lookup, email_sealed, password_sealed, display_name_sealed, \
                     role, is_active, last_login, login_count, created_at, updated_at, stream_version) \
                     VALUES ($1, $2, $3, $4, $5, $6, 1, NULL, 0, $7, $7, $8)",
                )
                .bind(user_id.to_string())
                .bind(email_lookup)
                .bind(email.as_str().to_owned())
                .bind(password_hash.map(|p| p.as_str().to_owned()).unwrap_or_default())
                .bind(display_name.map(|d| d.as_str().to_owned()))
                .bind(role.as_str())
                .bind(at)
                .bind(e.stream_version)
            }
            UserEvent::UserLoggedIn { .. } => sqlx::query(
                "UPDATE users SET last_login = $1, login_count = login_count + 1, updated_at = $1, \
                 stream_version = $2 WHERE id = $3",
            )
            .bind(at)
            .bind(e.stream_version)
            .bind(e.stream_id.clone()),
            UserEvent::UserRoleChanged { to, .. } => sqlx::query(
                "UPDATE users SET role = $1, updated_at = $2, stream_version = $3 WHERE id = $4",
            )
            .bind(to.as_str())
            .bind(at)
            .bind(e.stream_version)
            .bind(e.stream_id.clone()),
            UserEvent::UserDeactivated {} => sqlx::query(
                "UPDATE users SET is_active = 0, updated_at = $1, stream_version = $2 WHERE id = $3",
            )
            .bind(at)
            .bind(e.stream_version)
            .bind(e.stream_id.clone()),
            UserEvent::UserReactivated {} => sqlx::query(
                "UPDATE users SET is_active = 1, updated_at = $1, stream_version = $2 WHERE id = $3",
            )
            .bind(at)
            .bind(e.stream_version)
            .bind(e.stream_id.clone()),
            UserEvent::PasswordChanged { password_hash }
            | UserEvent::PasswordReset { password_hash, .. } => sqlx::query(
                "UPDATE users SET password_sealed = $1, updated_at = $2, stream_version = $3 WHERE id = $4",
            )
            .bind(password_hash.as_str().to_owned())
            .bind(at)
            .bind(e.stream_version)
            .bind(e.stream_id.clone()),
            UserEvent::EmailVerified { .. } => sqlx::query(
                "UPDATE users SET email_verified = 1, updated_at = $1, stream_version = $2 WHERE id = $3",
            )
            .bind(at)
            .bind(e.stream_version)
            .bind(e.stream_id.clone()),
            // Erasure scrubs every personal field from the read model (they were
            // sealed, and their key is gone, but nothing of them need remain) and
            // frees the address's look-up for a future registration.
            UserEvent::UserErased {} => sqlx::query(
                "UPDATE users SET email_sealed = '', password_sealed = '', display_name_sealed = NULL, \
                 email_lookup = 'erased:' || id, is_active = 0, erased_at = $1, updated_at = $1, \
                 stream_version = $2 WHERE id = $3",
            )
            .bind(at)
            .bind(e.stream_version)
            .bind(e.stream_id.clone()),
            UserEvent::SessionRefreshed { .. }
            | UserEvent::OneTimeTokenIssued { .. }
            | UserEvent::SsoLinked { .. }
            | UserEvent::RefreshTokenReused { .. }
            | UserEvent::UserLoginFailed { .. }
            | UserEvent::UserLockedOut { .. }
            | UserEvent::SessionRevoked { .. } => sqlx::query(
                "UPDATE users SET updated_at = $1, stream_version = $2 WHERE id = $3",
            )
            .bind(at)
            .bind(e.stream_version)
            .bind(e.stream_id.clone()),
        };
        q.execute(&mut **tx).await?;
        Ok(())
    }
}
