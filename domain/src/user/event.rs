//! What happened to a user.

use serde::{Deserialize, Serialize};

use crate::{ids::UserId, role::Role, sealed::Sealed};

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
        /// Sealed password hash.
        password_hash: Sealed,
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
}
