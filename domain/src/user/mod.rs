//! Users: registration, sessions with rotating refresh tokens, passwords, roles.

mod command;
mod email_claim;
mod event;
#[cfg(test)]
mod tests;

pub use command::UserCommand;
pub use email_claim::{ClaimEmail, EmailClaim, EmailClaimEvent, EmailTaken};
pub use event::{RevokeReason, UserEvent};

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{aggregate::Aggregate, ids::UserId, role::Role, sealed::Sealed};

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

/// The user aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct User {
    /// Set once registered.
    pub id: Option<UserId>,
    /// Current role.
    pub role: Option<Role>,
    /// False once deactivated.
    pub active: bool,
    /// Number of successful logins.
    pub logins: u64,
    /// The sealed password hash (never serialised out of the aggregate).
    #[serde(skip)]
    pub password_hash: Option<Sealed>,
    /// Sessions by id.
    pub sessions: BTreeMap<String, Session>,
}

/// Why a user command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// Register on an existing stream.
    #[error("user already exists")]
    AlreadyExists,
    /// Any other command on a missing user.
    #[error("user not found")]
    NotFound,
    /// The user was deactivated.
    #[error("user is deactivated")]
    Inactive,
    /// Reactivate on an active user.
    #[error("user is already active")]
    AlreadyActive,
    /// The role is already the requested one.
    #[error("user already has that role")]
    SameRole,
    /// No such session, or the token is not one of its tokens.
    #[error("unknown session or refresh token")]
    UnknownSession,
    /// The session ended.
    #[error("session was revoked")]
    SessionRevoked,
    /// The refresh token expired.
    #[error("refresh token expired")]
    SessionExpired,
}

impl User {
    fn live_sessions(&self) -> impl Iterator<Item = &String> {
        self.sessions
            .iter()
            .filter(|(_, s)| !s.revoked)
            .map(|(id, _)| id)
    }

    fn end_all(&self, reason: RevokeReason, keep: Option<&str>) -> Vec<UserEvent> {
        self.live_sessions()
            .filter(|id| Some(id.as_str()) != keep)
            .map(|id| UserEvent::SessionRevoked {
                session_id: id.clone(),
                reason,
            })
            .collect()
    }

    fn refresh(
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

impl Aggregate for User {
    const STREAM_TYPE: &'static str = "user";
    type Command = UserCommand;
    type Event = UserEvent;
    type Error = UserError;

    fn decide(&self, cmd: UserCommand) -> Result<Vec<UserEvent>, UserError> {
        if let UserCommand::Register {
            user_id,
            email_lookup,
            email,
            password_hash,
            display_name,
            role,
        } = cmd
        {
            if self.id.is_some() {
                return Err(UserError::AlreadyExists);
            }
            return Ok(vec![UserEvent::UserRegistered {
                user_id,
                email_lookup,
                email,
                password_hash,
                display_name,
                role,
            }]);
        }
        let current = self.role.ok_or(UserError::NotFound)?;
        match cmd {
            UserCommand::Reactivate if self.active => Err(UserError::AlreadyActive),
            UserCommand::Reactivate => Ok(vec![UserEvent::UserReactivated {}]),
            _ if !self.active => Err(UserError::Inactive),
            UserCommand::Register { .. } => Err(UserError::AlreadyExists),
            UserCommand::RecordLogin {
                method,
                session_id,
                refresh_token_hash,
                refresh_expires_at,
            } => Ok(vec![UserEvent::UserLoggedIn {
                method,
                session_id,
                refresh_token_hash,
                refresh_expires_at,
            }]),
            UserCommand::Refresh {
                session_id,
                presented_hash,
                new_hash,
                new_expires_at,
                now,
            } => self.refresh(session_id, &presented_hash, new_hash, new_expires_at, now),
            UserCommand::EndSession { session_id, reason } => {
                match self.sessions.get(&session_id) {
                    None => Err(UserError::UnknownSession),
                    Some(s) if s.revoked => Err(UserError::SessionRevoked),
                    Some(_) => Ok(vec![UserEvent::SessionRevoked { session_id, reason }]),
                }
            }
            UserCommand::EndAllSessions { reason } => Ok(self.end_all(reason, None)),
            UserCommand::ChangePassword {
                password_hash,
                keep_session,
            } => {
                let mut events = vec![UserEvent::PasswordChanged { password_hash }];
                events.extend(self.end_all(RevokeReason::PasswordChanged, keep_session.as_deref()));
                Ok(events)
            }
            UserCommand::ChangeRole { role } if role == current => Err(UserError::SameRole),
            UserCommand::ChangeRole { role } => Ok(vec![UserEvent::UserRoleChanged {
                from: current,
                to: role,
            }]),
            UserCommand::Deactivate => {
                let mut events = vec![UserEvent::UserDeactivated {}];
                events.extend(self.end_all(RevokeReason::Deactivated, None));
                Ok(events)
            }
        }
    }

    fn apply(&mut self, event: &UserEvent) {
        match event {
            UserEvent::UserRegistered {
                user_id,
                role,
                password_hash,
                ..
            } => {
                self.id = Some(*user_id);
                self.role = Some(*role);
                self.password_hash = Some(password_hash.clone());
                self.active = true;
            }
            UserEvent::UserLoggedIn {
                session_id,
                refresh_token_hash,
                refresh_expires_at,
                ..
            } => {
                self.logins += 1;
                self.sessions.insert(
                    session_id.clone(),
                    Session {
                        current_hash: refresh_token_hash.clone(),
                        used_hashes: Vec::new(),
                        expires_at: *refresh_expires_at,
                        revoked: false,
                    },
                );
            }
            UserEvent::SessionRefreshed {
                session_id,
                refresh_token_hash,
                refresh_expires_at,
            } => {
                if let Some(s) = self.sessions.get_mut(session_id) {
                    let old = std::mem::replace(&mut s.current_hash, refresh_token_hash.clone());
                    s.used_hashes.push(old);
                    s.expires_at = *refresh_expires_at;
                }
            }
            UserEvent::RefreshTokenReused { .. } => {}
            UserEvent::SessionRevoked { session_id, .. } => {
                if let Some(s) = self.sessions.get_mut(session_id) {
                    s.revoked = true;
                }
            }
            UserEvent::PasswordChanged { password_hash } => {
                self.password_hash = Some(password_hash.clone())
            }
            UserEvent::UserRoleChanged { to, .. } => self.role = Some(*to),
            UserEvent::UserDeactivated {} => self.active = false,
            UserEvent::UserReactivated {} => self.active = true,
        }
    }
}
