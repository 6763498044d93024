//! Sessions and login throttling: the parts of the user aggregate that decide
//! about refresh tokens and failed attempts.

use serde::Serialize;

use super::{RevokeReason, User, UserError, UserEvent};

/// One login session: a family of rotating refresh tokens.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Session {
    /// Hash of the refresh token that is valid now.
    #[serde(skip)]
    pub current_hash: String,
    /// Hashes of tokens already exchanged (presenting one again is reuse).
    #[serde(skip)]
    pub used_hashes: Vec<String>,
    /// Expiry of the current token, microseconds.
    pub expires_at: i64,
    /// Whether the session ended.
    pub revoked: bool,
}

impl User {
    /// How long after the last failure the next attempt must wait: nothing for
    /// the first five failures, then 1, 2, 4, ... seconds, at most a minute.
    pub fn throttle_delay_micros(&self) -> i64 {
        match self.failed_logins {
            0..=4 => 0,
            n => (1i64 << (n - 5).min(6)).min(60) * 1_000_000,
        }
    }

    /// Microseconds until a login may be attempted (0 = now).
    pub fn retry_after(&self, now: i64) -> i64 {
        let throttle = self.last_failure_at + self.throttle_delay_micros();
        (self.locked_until.max(throttle) - now).max(0)
    }

    pub(super) fn live_sessions(&self) -> impl Iterator<Item = &String> {
        self.sessions
            .iter()
            .filter(|(_, s)| !s.revoked)
            .map(|(id, _)| id)
    }

    pub(super) fn end_all(&self, reason: RevokeReason, keep: Option<&str>) -> Vec<UserEvent> {
        self.live_sessions()
            .filter(|id| Some(id.as_str()) != keep)
            .map(|id| UserEvent::SessionRevoked {
                session_id: id.clone(),
                reason,
            })
            .collect()
    }

    pub(super) fn refresh(
        &self,
        session_id: String,
        presented: &str,
        new_hash: String,
        expires: i64,
        now: i64,
    ) -> Result<Vec<UserEvent>, UserError> {
        let s = self
            .sessions
            .get(&session_id)
            .ok_or(UserError::UnknownSession)?;
        if s.revoked {
            return Err(UserError::SessionRevoked);
        }
        if s.current_hash == presented {
            if now > s.expires_at {
                return Err(UserError::SessionExpired);
            }
            return Ok(vec![UserEvent::SessionRefreshed {
                session_id,
                refresh_token_hash: new_hash,
                refresh_expires_at: expires,
            }]);
        }
        if s.used_hashes.iter().any(|h| h == presented) {
            // A stolen token was replayed: end the whole family.
            return Ok(vec![
                UserEvent::RefreshTokenReused {
                    session_id: session_id.clone(),
                },
                UserEvent::SessionRevoked {
                    session_id,
                    reason: RevokeReason::RefreshReuse,
                },
            ]);
        }
        Err(UserError::UnknownSession)
    }
}
