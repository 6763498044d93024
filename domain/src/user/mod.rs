//! Users: registration, sessions with rotating refresh tokens, passwords, roles.

mod command;
mod email_claim;
mod event;
mod one_time;
mod session;
#[cfg(test)]
mod tests;

pub use command::UserCommand;
pub use email_claim::{ClaimEmail, EmailClaim, EmailClaimEvent, EmailTaken};
pub use event::{RevokeReason, UserEvent};
pub use one_time::{PendingToken, TokenPurpose};
pub use session::Session;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{aggregate::Aggregate, ids::UserId, role::Role, sealed::Sealed};

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
    /// Consecutive failed logins since the last success.
    pub failed_logins: u32,
    /// Time of the last failure, microseconds.
    pub last_failure_at: i64,
    /// Logins are refused until this time, microseconds (0 = never locked).
    pub locked_until: i64,
    /// Whether the address was verified.
    pub email_verified: bool,
    /// One-time tokens that may still be used.
    pub pending_tokens: Vec<PendingToken>,
    /// Identity-provider subjects linked (`provider:lookup`).
    pub sso_links: Vec<String>,
    /// Whether the person was erased.
    pub erased: bool,
    /// Keyed hash of the address (the e-mail claim stream's id).
    #[serde(skip)]
    pub email_lookup: Option<String>,
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
    /// The one-time token is unknown, spent, superseded or expired.
    #[error("the token is invalid, used or expired")]
    BadToken,
    /// The address is already verified.
    #[error("e-mail address already verified")]
    AlreadyVerified,
    /// The person was erased.
    #[error("user was erased")]
    Erased,
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
        if self.erased {
            return Err(UserError::Erased);
        }
        match cmd {
            UserCommand::Erase => {
                let mut events = vec![UserEvent::UserErased {}];
                events.extend(self.end_all(RevokeReason::Deactivated, None));
                Ok(events)
            }
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
            UserCommand::RecordLoginFailure {
                now,
                reason,
                lock_after,
                lock_for,
            } => {
                if now < self.locked_until {
                    // Already locked: refused without growing the log.
                    return Ok(Vec::new());
                }
                let attempt = self.failed_logins + 1;
                let mut events = vec![UserEvent::UserLoginFailed {
                    attempt,
                    at: now,
                    reason,
                }];
                if attempt >= lock_after {
                    events.push(UserEvent::UserLockedOut {
                        until: now + lock_for,
                    });
                }
                Ok(events)
            }
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
            UserCommand::IssueToken {
                purpose,
                nonce,
                token_hash,
                expires_at,
            } => self.issue_token(purpose, nonce, token_hash, expires_at),
            UserCommand::VerifyEmail { token_hash, now } => self.verify_email(token_hash, now),
            UserCommand::TrustEmail if self.email_verified => Ok(Vec::new()),
            UserCommand::TrustEmail => Ok(vec![UserEvent::EmailVerified {
                token_hash: String::new(),
            }]),
            UserCommand::ResetPassword {
                token_hash,
                now,
                password_hash,
            } => self.reset_password(token_hash, now, password_hash),
            UserCommand::LinkSso {
                provider,
                subject_lookup,
            } => {
                let key = format!("{provider}:{subject_lookup}");
                if self.sso_links.contains(&key) {
                    return Ok(Vec::new());
                }
                Ok(vec![UserEvent::SsoLinked {
                    provider,
                    subject_lookup,
                }])
            }
        }
    }

    fn apply(&mut self, event: &UserEvent) {
        match event {
            UserEvent::UserRegistered {
                user_id,
                role,
                password_hash,
                email_lookup,
                ..
            } => {
                self.email_lookup = Some(email_lookup.clone());
                self.id = Some(*user_id);
                self.role = Some(*role);
                self.password_hash = password_hash.clone();
                self.active = true;
            }
            UserEvent::UserLoggedIn {
                session_id,
                refresh_token_hash,
                refresh_expires_at,
                ..
            } => {
                self.logins += 1;
                self.failed_logins = 0;
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
            UserEvent::UserLoginFailed { attempt, at, .. } => {
                self.failed_logins = *attempt;
                self.last_failure_at = *at;
            }
            UserEvent::UserLockedOut { until } => {
                self.locked_until = *until;
                // A fresh count after the lockout ends.
                self.failed_logins = 0;
            }
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
            UserEvent::OneTimeTokenIssued { .. } => self.apply_token(event),
            UserEvent::EmailVerified { .. } => {
                self.email_verified = true;
                self.apply_token(event);
            }
            UserEvent::PasswordReset { password_hash, .. } => {
                self.password_hash = Some(password_hash.clone());
                // A reset also clears the failure count: the owner proved control.
                self.failed_logins = 0;
                self.locked_until = 0;
                self.apply_token(event);
            }
            UserEvent::SsoLinked {
                provider,
                subject_lookup,
            } => self.sso_links.push(format!("{provider}:{subject_lookup}")),
            UserEvent::UserErased {} => {
                self.erased = true;
                self.active = false;
                self.password_hash = None;
                self.pending_tokens.clear();
            }
        }
    }
}
