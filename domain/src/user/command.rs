//! What a caller may ask of a user.

use crate::{ids::UserId, role::Role, sealed::Sealed};

use super::{event::RevokeReason, TokenPurpose};

/// What a caller may ask of a user. Facts (hashes, sealed values, the time)
/// arrive in the command; `decide` does no IO.
#[derive(Debug, Clone, PartialEq)]
pub enum UserCommand {
    /// Create the user. Email and password hash arrive already sealed.
    Register {
        /// New id.
        user_id: UserId,
        /// Keyed hash of the normalised address, for look-ups without plaintext.
        email_lookup: String,
        /// The sealed address.
        email: Sealed,
        /// The sealed argon2id PHC string (none: single sign-on only).
        password_hash: Option<Sealed>,
        /// The sealed display name, if given.
        display_name: Option<Sealed>,
        /// Initial role.
        role: Role,
    },
    /// Record a successful login and the session it opened.
    RecordLogin {
        /// How the user authenticated.
        method: String,
        /// The new session.
        session_id: String,
        /// SHA-256 of the refresh token (tokens are hashed at rest).
        refresh_token_hash: String,
        /// When the refresh token expires (microseconds since the epoch).
        refresh_expires_at: i64,
    },
    /// Record a failed attempt; locks the account when the policy says so.
    RecordLoginFailure {
        /// Now, microseconds since the epoch.
        now: i64,
        /// `bad_password` or `throttled`.
        reason: String,
        /// The failure count that locks the account.
        lock_after: u32,
        /// How long a lockout lasts, microseconds.
        lock_for: i64,
    },
    /// Exchange a refresh token for a new one.
    Refresh {
        /// The session named by the token.
        session_id: String,
        /// SHA-256 of the presented token.
        presented_hash: String,
        /// SHA-256 of the replacement token.
        new_hash: String,
        /// The replacement's expiry.
        new_expires_at: i64,
        /// Now, microseconds since the epoch.
        now: i64,
    },
    /// End one session.
    EndSession {
        /// The session.
        session_id: String,
        /// Why.
        reason: RevokeReason,
    },
    /// End every live session.
    EndAllSessions {
        /// Why.
        reason: RevokeReason,
    },
    /// Replace the password (the old one was checked by the caller) and end
    /// every other session.
    ChangePassword {
        /// The new sealed hash.
        password_hash: Sealed,
        /// The session to keep, if any.
        keep_session: Option<String>,
    },
    /// Change the role.
    ChangeRole {
        /// The new role.
        role: Role,
    },
    /// Block logins and end every session.
    Deactivate,
    /// Allow logins again.
    Reactivate,
    /// Issue a single-use token (mailed by the mailer).
    IssueToken {
        /// What for.
        purpose: TokenPurpose,
        /// Random nonce the token derives from.
        nonce: String,
        /// SHA-256 of the token.
        token_hash: String,
        /// Expiry, microseconds.
        expires_at: i64,
    },
    /// Confirm the address with a verification token.
    VerifyEmail {
        /// SHA-256 of the presented token.
        token_hash: String,
        /// Now, microseconds.
        now: i64,
    },
    /// Mark the address verified because an identity provider vouched for it.
    TrustEmail,
    /// Set a new password with a reset token.
    ResetPassword {
        /// SHA-256 of the presented token.
        token_hash: String,
        /// Now, microseconds.
        now: i64,
        /// The new sealed hash.
        password_hash: Sealed,
    },
    /// Link an identity-provider subject to this account (no-op if linked).
    LinkSso {
        /// Provider name.
        provider: String,
        /// Keyed hash of the subject id.
        subject_lookup: String,
    },
    /// Erase the person: close the account and end every session.
    Erase,
}
