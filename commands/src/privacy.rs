//! The person's rights: export of every event about or by them (decrypted), and
//! erasure by crypto-shredding — the erasure is an event, their key is
//! destroyed, their address is released, and the chain still verifies because
//! it covers only ciphertext.

use domain::{
    ids::UserId,
    sealed::Sealed,
    upcast::Upcasters,
    user::{ClaimEmail, EmailClaim, User, UserCommand, UserError},
    Metadata, StoredEvent,
};
use migrations::events::{event, COLUMNS};
use serde_json::Value;

use crate::{
    cipher::{Cipher, CipherError},
    error::CommandError,
    handle::{load, Batch},
    store::{EventStore, Until},
    users::UserCommandError,
};

/// What replaces a sealed field whose subject was erased.
pub const ERASED: &str = "[erased]";

/// Why erasure failed.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// No such user.
    #[error("user not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Other(#[from] UserCommandError),
}

impl From<CommandError<UserError>> for PrivacyError {
    fn from(e: CommandError<UserError>) -> Self {
        match e {
            CommandError::Rejected(UserError::NotFound) => PrivacyError::NotFound,
            other => PrivacyError::Other(other.into()),
        }
    }
}

impl From<CipherError> for PrivacyError {
    fn from(e: CipherError) -> Self {
        PrivacyError::Other(e.into())
    }
}

/// Erases a person: appends `UserErased` (ending their sessions) and the
/// release of their address, then destroys their key. Safe to repeat: an
/// already-erased user only has their key destroyed again (a no-op).
pub async fn erase(
    store: &dyn EventStore,
    cipher: &Cipher,
    user: UserId,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, PrivacyError> {
    let up = Upcasters::domain();
    let subject = user.to_string();
    let loaded = load::<User>(store, &up, &subject, Until::Now).await?;
    if loaded.state.id.is_none() {
        return Err(PrivacyError::NotFound);
    }
    let mut stored = Vec::new();
    if !loaded.state.erased {
        let mut batch = Batch::new(meta);
        batch.decide(&loaded, None, UserCommand::Erase)?;
        if let Some(lookup) = &loaded.state.email_lookup {
            let claim = load::<EmailClaim>(store, &up, lookup, Until::Now)
                .await
                .map_err(|e| PrivacyError::Other(e.into()))?;
            batch
                .decide(&claim, None, ClaimEmail::Release(user))
                .map_err(|e| PrivacyError::Other(e.into()))?;
        }
        stored = store
            .append(batch.into_events())
            .await
            .map_err(UserCommandError::from)?;
    }
    cipher.erase(&subject).await?;
    Ok(stored)
}

/// Every event about `user` (their stream) or by them (as actor), oldest first.
pub async fn events_of(
    store: &dyn EventStore,
    user: UserId,
) -> Result<Vec<StoredEvent>, PrivacyError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM events WHERE (stream_type = 'user' AND stream_id = $1) \
         OR metadata LIKE $2 ORDER BY position"
    );
    let rows = sqlx::query(&sql)
        .bind(user.to_string())
        .bind(format!("%\"actor_id\":\"{user}\"%"))
        .fetch_all(store.db().read())
        .await
        .map_err(|e| UserCommandError::Store(e.into()))?;
    rows.iter()
        .map(event)
        .collect::<Result<_, _>>()
        .map_err(|e| PrivacyError::Other(UserCommandError::Store(e.into())))
}

/// Whether a JSON string looks like a sealed field.
pub fn looks_sealed(s: &str) -> bool {
    s.len() > 40 && s.starts_with("v1:")
}

/// Replaces every sealed string in `value` that opens under `subject`'s key
/// with its plaintext, or with [`ERASED`] when the key was destroyed.
pub async fn unseal(cipher: &Cipher, subject: &str, value: &mut Value) -> Result<(), PrivacyError> {
    if cipher.is_erased(subject).await? {
        mark_erased(value);
        return Ok(());
    }
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if looks_sealed(s) => {
                if let Ok(Some(plain)) = cipher
                    .open(subject, &Sealed::from_ciphertext(s.clone()))
                    .await
                {
                    *s = plain;
                }
            }
            Value::Array(a) => stack.extend(a.iter_mut()),
            Value::Object(o) => stack.extend(o.values_mut()),
            _ => {}
        }
    }
    Ok(())
}

/// Replaces every sealed string in `value` with [`ERASED`] (for views of an
/// erased subject's events, where the ciphertext can never open again).
pub fn mark_erased(value: &mut Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if looks_sealed(s) => *s = ERASED.to_owned(),
            Value::Array(a) => stack.extend(a.iter_mut()),
            Value::Object(o) => stack.extend(o.values_mut()),
            _ => {}
        }
    }
}
