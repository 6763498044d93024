//! Single-use, expiring tokens for e-mail verification and password reset: the
//! log keeps only each token's hash and the nonce it is derived from (with a
//! server key outside the log), never the token.

use serde::{Deserialize, Serialize};

use super::{RevokeReason, User, UserError, UserEvent};
use crate::sealed::Sealed;

/// What a one-time token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    /// Proves the user can read mail at their address.
    VerifyEmail,
    /// Lets the user set a new password.
    ResetPassword,
}

/// A token issued and not yet used, superseded or expired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingToken {
    /// What it is for.
    pub purpose: TokenPurpose,
    /// SHA-256 of the token.
    #[serde(skip)]
    pub hash: String,
    /// Expiry, microseconds.
    pub expires_at: i64,
}

impl User {
    /// Issues a token; a new token of a purpose supersedes older ones.
    pub(super) fn issue_token(
        &self,
        purpose: TokenPurpose,
        nonce: String,
        token_hash: String,
        expires_at: i64,
    ) -> Result<Vec<UserEvent>, UserError> {
        if purpose == TokenPurpose::VerifyEmail && self.email_verified {
            return Err(UserError::AlreadyVerified);
        }
        Ok(vec![UserEvent::OneTimeTokenIssued {
            purpose,
            nonce,
            token_hash,
            expires_at,
        }])
    }

    fn pending(&self, purpose: TokenPurpose, hash: &str, now: i64) -> Result<(), UserError> {
        let t = self
            .pending_tokens
            .iter()
            .find(|t| t.purpose == purpose && t.hash == hash)
            .ok_or(UserError::BadToken)?;
        if now > t.expires_at {
            return Err(UserError::BadToken);
        }
        Ok(())
    }

    /// Confirms the address with a verification token.
    pub(super) fn verify_email(&self, hash: String, now: i64) -> Result<Vec<UserEvent>, UserError> {
        self.pending(TokenPurpose::VerifyEmail, &hash, now)?;
        Ok(vec![UserEvent::EmailVerified { token_hash: hash }])
    }

    /// Sets a new password with a reset token and ends every session.
    pub(super) fn reset_password(
        &self,
        hash: String,
        now: i64,
        password_hash: Sealed,
    ) -> Result<Vec<UserEvent>, UserError> {
        self.pending(TokenPurpose::ResetPassword, &hash, now)?;
        let mut events = vec![UserEvent::PasswordReset {
            token_hash: hash,
            password_hash,
        }];
        events.extend(self.end_all(RevokeReason::PasswordChanged, None));
        Ok(events)
    }

    /// Folds a token event into the pending list.
    pub(super) fn apply_token(&mut self, event: &UserEvent) {
        match event {
            UserEvent::OneTimeTokenIssued {
                purpose,
                token_hash,
                expires_at,
                ..
            } => {
                self.pending_tokens.retain(|t| t.purpose != *purpose);
                self.pending_tokens.push(PendingToken {
                    purpose: *purpose,
                    hash: token_hash.clone(),
                    expires_at: *expires_at,
                });
            }
            UserEvent::EmailVerified { token_hash }
            | UserEvent::PasswordReset { token_hash, .. } => {
                self.pending_tokens.retain(|t| &t.hash != token_hash)
            }
            _ => {}
        }
    }
}
