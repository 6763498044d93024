//! Users: registration, login records, role changes.

mod email_claim;
#[cfg(test)]
mod tests;

pub use email_claim::{ClaimEmail, EmailClaim, EmailClaimEvent, EmailTaken};

use serde::{Deserialize, Serialize};

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
}

/// What a caller may ask of a user.
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
        /// The sealed argon2id PHC string.
        password_hash: Sealed,
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
    /// Change the role.
    ChangeRole {
        /// The new role.
        role: Role,
    },
    /// Block further logins.
    Deactivate,
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
    /// The role changed.
    UserRoleChanged {
        /// Before.
        from: Role,
        /// After.
        to: Role,
    },
    /// The user can no longer log in.
    UserDeactivated {},
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
    /// The role is already the requested one.
    #[error("user already has that role")]
    SameRole,
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
        if !self.active {
            return Err(UserError::Inactive);
        }
        match cmd {
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
            UserCommand::ChangeRole { role } if role == current => Err(UserError::SameRole),
            UserCommand::ChangeRole { role } => Ok(vec![UserEvent::UserRoleChanged {
                from: current,
                to: role,
            }]),
            UserCommand::Deactivate => Ok(vec![UserEvent::UserDeactivated {}]),
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
                self.password_hash = Some(password_hash.clone());
                self.role = Some(*role);
                self.active = true;
            }
            UserEvent::UserLoggedIn { .. } => self.logins += 1,
            UserEvent::UserRoleChanged { to, .. } => self.role = Some(*to),
            UserEvent::UserDeactivated {} => self.active = false,
        }
    }
}
