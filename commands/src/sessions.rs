//! Session commands: refresh-token rotation with reuse detection, logout,
//! password change, and the admin's user controls.
//!
//! A refresh token reads `rt1.<user id>.<session id>.<secret>`: the ids let the
//! server load the user's stream; only its SHA-256 is ever stored.

use domain::{
    ids::UserId,
    upcast::Upcasters,
    user::{RevokeReason, User, UserCommand, UserError, UserEvent},
    Metadata, Role, StoredEvent,
};

use crate::{
    cipher::Cipher,
    error::CommandError,
    handle::{load, Batch},
    password::{self, PasswordParams},
    store::{sql_now, EventStore, Until},
    users::{token_hash, UserCommandError},
};

/// A fresh refresh token for a session.
pub fn new_refresh_token(user: UserId, session_id: &str) -> String {
    format!(
        "rt1.{user}.{session_id}.{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The user and session a refresh token names, if it is well formed.
pub fn parse_refresh_token(token: &str) -> Option<(UserId, String)> {
    let mut parts = token.split('.');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("rt1"), Some(user), Some(session), Some(secret), None) if secret.len() >= 32 => {
            Some((UserId::parse(user)?, session.to_owned()))
        }
        _ => None,
    }
}

/// Why a session command failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The token is malformed, unknown, expired or revoked.
    #[error("invalid refresh token")]
    InvalidToken,
    /// A used token came back: the session was revoked.
    #[error("refresh token reuse detected; the session was revoked")]
    Reuse,
    /// The refused command's reason.
    #[error(transparent)]
    Rejected(UserError),
    /// Anything else.
    #[error(transparent)]
    Other(#[from] UserCommandError),
}

impl From<CommandError<UserError>> for SessionError {
    fn from(e: CommandError<UserError>) -> Self {
        match e {
            CommandError::Rejected(r) => SessionError::Rejected(r),
            CommandError::Store(s) => SessionError::Other(s.into()),
            CommandError::Codec(c) => SessionError::Other(c.into()),
            // Session commands never send If-Match; a stale version is a lost race.
            CommandError::Stale { expected, actual } => SessionError::Other(
                UserCommandError::Store(crate::error::StoreError::Conflict {
                    stream_type: "user".into(),
                    stream_id: String::new(),
                    expected,
                    actual,
                }),
            ),
        }
    }
}

async fn run(
    store: &dyn EventStore,
    user: UserId,
    cmd: UserCommand,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, SessionError> {
    let loaded = load::<User>(store, &Upcasters::domain(), &user.to_string(), Until::Now).await?;
    let mut batch = Batch::new(meta);
    batch.decide(&loaded, None, cmd)?;
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    store
        .append(batch.into_events())
        .await
        .map_err(|e| SessionError::Other(e.into()))
}

/// A rotated token pair's refresh half.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// The user.
    pub user_id: UserId,
    /// The user's role now.
    pub role: Role,
    /// The session.
    pub session_id: String,
    /// The new refresh token.
    pub refresh_token: String,
    /// The appended events.
    pub events: Vec<StoredEvent>,
}

/// Exchanges a refresh token; a replayed one revokes the session (and is reported).
pub async fn refresh(
    store: &dyn EventStore,
    token: &str,
    ttl_micros: i64,
    meta: Metadata,
) -> Result<Refreshed, SessionError> {
    let (user_id, session_id) = parse_refresh_token(token).ok_or(SessionError::InvalidToken)?;
    let loaded = load::<User>(
        store,
        &Upcasters::domain(),
        &user_id.to_string(),
        Until::Now,
    )
    .await?;
    let role = loaded.state.role.ok_or(SessionError::InvalidToken)?;
    let refresh_token = new_refresh_token(user_id, &session_id);
    let now = sql_now();
    let cmd = UserCommand::Refresh {
        session_id: session_id.clone(),
        presented_hash: token_hash(token),
        new_hash: token_hash(&refresh_token),
        new_expires_at: now + ttl_micros,
        now,
    };
    let mut meta = meta;
    meta.actor_id = Some(user_id.to_string());
    meta.actor_role = Some(role);
    meta.auth_method = Some("refresh_token".into());
    let mut batch = Batch::new(meta);
    let decided = batch.decide(&loaded, None, cmd).map_err(|e| match e {
        CommandError::Rejected(_) => SessionError::InvalidToken,
        other => other.into(),
    })?;
    let events = store
        .append(batch.into_events())
        .await
        .map_err(|e| SessionError::Other(e.into()))?;
    if decided
        .iter()
        .any(|e| matches!(e, UserEvent::RefreshTokenReused { .. }))
    {
        return Err(SessionError::Reuse);
    }
    Ok(Refreshed {
        user_id,
        role,
        session_id,
        refresh_token,
        events,
    })
}

/// Ends one session of `user`.
pub async fn end_session(
    store: &dyn EventStore,
    user: UserId,
    session_id: &str,
    reason: RevokeReason,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, SessionError> {
    run(
        store,
        user,
        UserCommand::EndSession {
            session_id: session_id.to_owned(),
            reason,
        },
        meta,
    )
    .await
}

/// Ends every live session of `user`.
pub async fn end_all(
    store: &dyn EventStore,
    user: UserId,
    reason: RevokeReason,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, SessionError> {
    run(store, user, UserCommand::EndAllSessions { reason }, meta).await
}

/// Admin controls over a user.
pub async fn administer(
    store: &dyn EventStore,
    user: UserId,
    cmd: UserCommand,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, SessionError> {
    run(store, user, cmd, meta).await
}

/// Checks the current password, stores the new one and ends the other sessions.
#[allow(clippy::too_many_arguments)]
pub async fn change_password(
    store: &dyn EventStore,
    cipher: &Cipher,
    params: PasswordParams,
    user: UserId,
    current: &str,
    new: &str,
    keep_session: &str,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, SessionError> {
    crate::password_policy::check(new).map_err(UserCommandError::from)?;
    let loaded = load::<User>(store, &Upcasters::domain(), &user.to_string(), Until::Now).await?;
    let subject = user.to_string();
    let phc = match &loaded.state.password_hash {
        Some(sealed) => cipher
            .open(&subject, sealed)
            .await
            .map_err(UserCommandError::from)?,
        None => None,
    };
    if !phc.is_some_and(|p| password::verify(current, &p)) {
        return Err(UserCommandError::BadCredentials.into());
    }
    let sealed = cipher
        .seal(
            &subject,
            &password::hash(new, params).map_err(UserCommandError::from)?,
        )
        .await
        .map_err(UserCommandError::from)?;
    let mut batch = Batch::new(meta);
    batch.decide(
        &loaded,
        None,
        UserCommand::ChangePassword {
            password_hash: sealed,
            keep_session: Some(keep_session.to_owned()),
        },
    )?;
    store
        .append(batch.into_events())
        .await
        .map_err(|e| SessionError::Other(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_name_their_user_and_session() {
        let user = UserId::from_uuid(uuid::Uuid::new_v4());
        let t = new_refresh_token(user, "s-1");
        assert_eq!(parse_refresh_token(&t), Some((user, "s-1".to_owned())));
        for bad in [
            "",
            "rt1.x.y.z",
            "rt2.a.b.cccccccccccccccccccccccccccccccccc",
            &format!("{t}.extra"),
        ] {
            assert_eq!(parse_refresh_token(bad), None, "{bad}");
        }
    }
}
