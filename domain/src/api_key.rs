//! API keys for machine clients: created with a role by an admin, stored only
//! as a hash, revocable, with a coarse last-used time.

use serde::{Deserialize, Serialize};

use crate::{aggregate::Aggregate, ids::UserId, role::Role};

/// Least time between two recorded uses of a key, microseconds.
pub const USE_RECORD_INTERVAL_MICROS: i64 = 60 * 1_000_000;

/// An API key's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApiKey {
    /// The account whose key it is.
    pub owner: Option<UserId>,
    /// Label.
    pub name: String,
    /// Role the key acts with.
    pub role: Option<Role>,
    /// Expiry, microseconds (none = no expiry).
    pub expires_at: Option<i64>,
    /// Whether revoked.
    pub revoked: bool,
    /// Last recorded use, microseconds.
    pub last_used_at: Option<i64>,
}

/// What may be asked of an API key.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiKeyCommand {
    /// Create it.
    Create {
        /// Owner account.
        owner: UserId,
        /// Label.
        name: String,
        /// Role it acts with.
        role: Role,
        /// SHA-256 of the secret.
        secret_hash: String,
        /// Expiry, microseconds.
        expires_at: Option<i64>,
    },
    /// Revoke it.
    Revoke,
    /// Record a use (dropped if one was recorded less than a minute ago).
    RecordUse {
        /// Now, microseconds.
        now: i64,
    },
}

/// What happened to an API key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ApiKeyEvent {
    /// A key was created (the secret was shown once and is kept only hashed).
    ApiKeyCreated {
        /// Owner account.
        owner: UserId,
        /// Label.
        name: String,
        /// Role.
        role: Role,
        /// SHA-256 of the secret.
        secret_hash: String,
        /// Expiry, microseconds.
        expires_at: Option<i64>,
    },
    /// The key was revoked.
    ApiKeyRevoked {},
    /// The key was used (at most one record per minute).
    ApiKeyUsed {
        /// When, microseconds.
        at: i64,
    },
}

/// Why an API key command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    /// Create on an existing key.
    #[error("API key already exists")]
    AlreadyExists,
    /// No such key.
    #[error("API key not found")]
    NotFound,
    /// Already revoked.
    #[error("API key already revoked")]
    Revoked,
}

impl Aggregate for ApiKey {
    const STREAM_TYPE: &'static str = "api_key";
    type Command = ApiKeyCommand;
    type Event = ApiKeyEvent;
    type Error = ApiKeyError;

    fn decide(&self, cmd: ApiKeyCommand) -> Result<Vec<ApiKeyEvent>, ApiKeyError> {
        match (cmd, self.owner) {
            (
                ApiKeyCommand::Create {
                    owner,
                    name,
                    role,
                    secret_hash,
                    expires_at,
                },
                None,
            ) => Ok(vec![ApiKeyEvent::ApiKeyCreated {
                owner,
                name,
                role,
                secret_hash,
                expires_at,
            }]),
            (ApiKeyCommand::Create { .. }, Some(_)) => Err(ApiKeyError::AlreadyExists),
            (_, None) => Err(ApiKeyError::NotFound),
            (_, Some(_)) if self.revoked => Err(ApiKeyError::Revoked),
            (ApiKeyCommand::Revoke, Some(_)) => Ok(vec![ApiKeyEvent::ApiKeyRevoked {}]),
            (ApiKeyCommand::RecordUse { now }, Some(_)) => {
                let recent = self
                    .last_used_at
                    .is_some_and(|t| now - t < USE_RECORD_INTERVAL_MICROS);
                Ok(if recent {
                    Vec::new()
                } else {
                    vec![ApiKeyEvent::ApiKeyUsed { at: now }]
                })
            }
        }
    }

    fn apply(&mut self, event: &ApiKeyEvent) {
        match event {
            ApiKeyEvent::ApiKeyCreated {
                owner,
                name,
                role,
                expires_at,
                ..
            } => {
                self.owner = Some(*owner);
                self.name = name.clone();
                self.role = Some(*role);
                self.expires_at = *expires_at;
            }
            ApiKeyEvent::ApiKeyRevoked {} => self.revoked = true,
            ApiKeyEvent::ApiKeyUsed { at } => self.last_used_at = Some(*at),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn created() -> ApiKey {
        let mut k = ApiKey::default();
        k.apply(&ApiKeyEvent::ApiKeyCreated {
            owner: UserId::from_uuid(uuid::Uuid::nil()),
            name: "ci".into(),
            role: Role::Viewer,
            secret_hash: "h".into(),
            expires_at: None,
        });
        k
    }

    #[test]
    fn uses_are_recorded_at_most_once_a_minute_and_revocation_is_final() {
        let mut k = created();
        let e = k.decide(ApiKeyCommand::RecordUse { now: 1 }).unwrap();
        k.apply(&e[0]);
        assert!(k
            .decide(ApiKeyCommand::RecordUse { now: 2 })
            .unwrap()
            .is_empty());
        assert_eq!(
            k.decide(ApiKeyCommand::RecordUse {
                now: 1 + USE_RECORD_INTERVAL_MICROS
            })
            .unwrap()
            .len(),
            1
        );
        k.apply(&ApiKeyEvent::ApiKeyRevoked {});
        assert_eq!(k.decide(ApiKeyCommand::Revoke), Err(ApiKeyError::Revoked));
        assert_eq!(
            ApiKey::default().decide(ApiKeyCommand::Revoke),
            Err(ApiKeyError::NotFound)
        );
    }
}
