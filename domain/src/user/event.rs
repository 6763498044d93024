//! What happened to a user.

use serde::{Deserialize, Serialize};

use crate::{ids::UserId, role::Role, sealed::Sealed};

use super::TokenPurpose;

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeReason {
    /// The user logged out (or ended the session).
    Logout,
    /// A used refresh token was presented again: the family is revoked.
    RefreshReuse,
    /// An admin forced it.
    Admin,
    /// The password changed.
    PasswordChanged,
    /// The account was deactivated.
    Deactivated,
}

/// What happened to a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum UserEvent {
    /// A user was created.
    UserRegistered {
        /// The id.
        user_id: UserId,
        /// Keyed hash of the address.
        email_lookup: String,
        /// Sealed address.
        email: Sealed,
        /// Sealed password hash (none for accounts created by single sign-on).
        #[serde(default)]
        password_hash: Option<Sealed>,
        /// Sealed display name.
        display_name: Option<Sealed>,
        /// Initial role.
        role: Role,
    },
    /// The user logged in, opening a session.
    UserLoggedIn {
        /// How.
        method: String,
        /// The session opened.
        session_id: String,
        /// SHA-256 of its refresh token.
        refresh_token_hash: String,
        /// Refresh expiry, microseconds since the epoch.
        refresh_expires_at: i64,
    },
    /// A login attempt failed (wrong password, or refused while throttled).
    UserLoginFailed {
        /// Consecutive failures so far, this one included.
        attempt: u32,
        /// When, microseconds since the epoch.
        at: i64,
        /// `bad_password` or `throttled`.
        reason: String,
    },
    /// Too many failures: logins are refused until `until`.
    UserLockedOut {
        /// End of the lockout, microseconds since the epoch.
        until: i64,
    },
    /// A refresh token was exchanged; the session's token rotated.
    SessionRefreshed {
        /// The session.
        session_id: String,
        /// SHA-256 of the new refresh token.
        refresh_token_hash: String,
        /// New expiry.
        refresh_expires_at: i64,
    },
    /// A refresh token that had already been used was presented again.
    RefreshTokenReused {
        /// The session whose token was replayed.
        session_id: String,
    },
    /// A session ended.
    SessionRevoked {
        /// The session.
        session_id: String,
        /// Why.
        reason: RevokeReason,
    },
    /// The password changed.
    PasswordChanged {
        /// The new sealed hash.
        password_hash: Sealed,
    },
    /// The role changed.
    UserRoleChanged {
        /// Before.
        from: Role,
        /// After.
        to: Role,
    },
    /// The user can no longer log in.
    UserDeactivated {},
    /// The user may log in again.
    UserReactivated {},
    /// A single-use token was issued (and mailed); only its hash is kept, and
    /// the nonce it is derived from with a server key held outside the log.
    OneTimeTokenIssued {
        /// What it is for.
        purpose: TokenPurpose,
        /// Random nonce the token is derived from.
        nonce: String,
        /// SHA-256 of the token.
        token_hash: String,
        /// Expiry, microseconds since the epoch.
        expires_at: i64,
    },
    /// The user proved they read mail at their address.
    EmailVerified {
        /// Hash of the token used (now spent); empty when an identity
        /// provider vouched for the address.
        token_hash: String,
    },
    /// The password was set with a reset token.
    PasswordReset {
        /// Hash of the token used (now spent).
        token_hash: String,
        /// The new sealed hash.
        password_hash: Sealed,
    },
    /// The user logged in through an identity provider for the first time,
    /// linking that identity to this account.
    SsoLinked {
        /// Provider name from the configuration.
        provider: String,
        /// Keyed hash of the provider's subject id.
        subject_lookup: String,
    },
    /// The person's data was erased: their key is destroyed, so every sealed
    /// field about them is unreadable; the account is closed for good.
    UserErased {},
}
