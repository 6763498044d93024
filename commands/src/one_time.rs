//! E-mail verification and password reset with single-use, expiring tokens.
//!
//! A token is `vt1.<user>.<mac>` (verify) or `pr1.<user>.<mac>` (reset), where
//! `mac` is an HMAC, under a key derived from the master key, of the purpose,
//! the user and a random nonce. The log records the nonce and the token's
//! SHA-256, never the token: the mailer re-derives it from the nonce, and
//! whoever reads the log alone cannot.

use domain::{
    ids::{Email, UserId},
    upcast::Upcasters,
    user::{EmailClaim, TokenPurpose, User, UserCommand, UserError},
    Metadata, StoredEvent,
};

use crate::{
    cipher::Cipher,
    error::CommandError,
    handle::{load, Batch},
    password::{self, PasswordParams},
    password_policy,
    store::{sql_now, EventStore, Until},
    users::{token_hash, UserCommandError},
};

/// How long a verification link stays valid.
pub const VERIFY_TTL_MICROS: i64 = 48 * 3600 * 1_000_000;
/// How long a reset link stays valid.
pub const RESET_TTL_MICROS: i64 = 3600 * 1_000_000;

/// Why a token could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Malformed, unknown, spent, superseded or expired.
    #[error("the token is invalid, used or expired")]
    Invalid,
    /// The new password breaks the policy.
    #[error(transparent)]
    Policy(#[from] password_policy::PolicyViolation),
    /// Anything else.
    #[error(transparent)]
    Other(#[from] UserCommandError),
}

impl From<CommandError<UserError>> for TokenError {
    fn from(e: CommandError<UserError>) -> Self {
        match e {
            CommandError::Rejected(_) => TokenError::Invalid,
            CommandError::Store(s) => TokenError::Other(s.into()),
            CommandError::Codec(c) => TokenError::Other(c.into()),
            CommandError::Stale { .. } => TokenError::Invalid,
        }
    }
}

fn prefix(purpose: TokenPurpose) -> &'static str {
    match purpose {
        TokenPurpose::VerifyEmail => "vt1",
        TokenPurpose::ResetPassword => "pr1",
    }
}

/// The token a nonce stands for (what the mailer puts in the link).
pub fn token_for(cipher: &Cipher, purpose: TokenPurpose, user: UserId, nonce: &str) -> String {
    let p = prefix(purpose);
    let mac = cipher.token_mac(&format!("{p}:{user}:{nonce}"));
    format!("{p}.{user}.{mac}")
}

/// The purpose and user a token names, if well formed.
pub fn parse(token: &str) -> Option<(TokenPurpose, UserId)> {
    let mut parts = token.split('.');
    let purpose = match parts.next()? {
        "vt1" => TokenPurpose::VerifyEmail,
        "pr1" => TokenPurpose::ResetPassword,
        _ => return None,
    };
    let user = UserId::parse(parts.next()?)?;
    let mac = parts.next()?;
    (mac.len() == 64 && parts.next().is_none()).then_some((purpose, user))
}

/// Issues a token for `user` (the mailer sends it). Refused quietly (no
/// events) when the user cannot use one: inactive, erased, already verified.
pub async fn issue(
    store: &dyn EventStore,
    cipher: &Cipher,
    user: UserId,
    purpose: TokenPurpose,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, TokenError> {
    let loaded = load::<User>(store, &Upcasters::domain(), &user.to_string(), Until::Now).await?;
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let token = token_for(cipher, purpose, user, &nonce);
    let ttl = match purpose {
        TokenPurpose::VerifyEmail => VERIFY_TTL_MICROS,
        TokenPurpose::ResetPassword => RESET_TTL_MICROS,
    };
    let cmd = UserCommand::IssueToken {
        purpose,
        nonce,
        token_hash: token_hash(&token),
        expires_at: sql_now() + ttl,
    };
    let mut batch = Batch::new(meta);
    match batch.decide(&loaded, None, cmd) {
        Ok(_) => {}
        Err(CommandError::Rejected(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    }
    Ok(store
        .append(batch.into_events())
        .await
        .map_err(UserCommandError::from)?)
}

/// Issues a token for whoever holds `email`, if anyone does. The caller answers
/// the same either way (and should not wait for this, so timing says nothing).
pub async fn issue_for_address(
    store: &dyn EventStore,
    cipher: &Cipher,
    email: &Email,
    purpose: TokenPurpose,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, TokenError> {
    let claim = load::<EmailClaim>(
        store,
        &Upcasters::domain(),
        &cipher.lookup(email.as_str()),
        Until::Now,
    )
    .await
    .map_err(|e| match e {
        CommandError::Store(s) => TokenError::Other(s.into()),
        CommandError::Codec(c) => TokenError::Other(c.into()),
        _ => TokenError::Invalid,
    })?;
    match claim.state.holder {
        Some(user) => issue(store, cipher, user, purpose, meta).await,
        None => Ok(Vec::new()),
    }
}

async fn loaded_for(
    store: &dyn EventStore,
    token: &str,
    want: TokenPurpose,
) -> Result<(UserId, crate::Loaded<User>), TokenError> {
    let (purpose, user) = parse(token).ok_or(TokenError::Invalid)?;
    if purpose != want {
        return Err(TokenError::Invalid);
    }
    let loaded = load::<User>(store, &Upcasters::domain(), &user.to_string(), Until::Now).await?;
    Ok((user, loaded))
}

/// Marks the address verified; the token is spent.
pub async fn verify_email(
    store: &dyn EventStore,
    token: &str,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, TokenError> {
    let (user, loaded) = loaded_for(store, token, TokenPurpose::VerifyEmail).await?;
    let mut meta = meta;
    meta.actor_id = Some(user.to_string());
    meta.actor_role = loaded.state.role;
    meta.auth_method = Some("email_token".into());
    let mut batch = Batch::new(meta);
    let cmd = UserCommand::VerifyEmail {
        token_hash: token_hash(token),
        now: sql_now(),
    };
    batch.decide(&loaded, None, cmd)?;
    Ok(store
        .append(batch.into_events())
        .await
        .map_err(UserCommandError::from)?)
}

/// Sets a new password with a reset token, ending every session; the token is spent.
pub async fn reset_password(
    store: &dyn EventStore,
    cipher: &Cipher,
    params: PasswordParams,
    token: &str,
    new_password: &str,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, TokenError> {
    let (user, loaded) = loaded_for(store, token, TokenPurpose::ResetPassword).await?;
    let hash = token_hash(token);
    // Check the token before the (slow) password hashing and the policy, so a
    // bad token is told as such whatever the password.
    let now = sql_now();
    if !loaded
        .state
        .pending_tokens
        .iter()
        .any(|t| t.hash == hash && t.expires_at >= now)
    {
        return Err(TokenError::Invalid);
    }
    password_policy::check(new_password)?;
    let subject = user.to_string();
    let phc = password::hash(new_password, params).map_err(UserCommandError::from)?;
    let sealed = cipher
        .seal(&subject, &phc)
        .await
        .map_err(UserCommandError::from)?;
    let mut meta = meta;
    meta.actor_id = Some(subject);
    meta.actor_role = loaded.state.role;
    meta.auth_method = Some("reset_token".into());
    let mut batch = Batch::new(meta);
    let cmd = UserCommand::ResetPassword {
        token_hash: hash,
        now,
        password_hash: sealed,
    };
    batch.decide(&loaded, None, cmd)?;
    Ok(store
        .append(batch.into_events())
        .await
        .map_err(UserCommandError::from)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_only_in_their_exact_shape() {
        let user = UserId::from_uuid(uuid::Uuid::new_v4());
        let good = format!("pr1.{user}.{}", "a".repeat(64));
        assert_eq!(parse(&good), Some((TokenPurpose::ResetPassword, user)));
        for bad in [
            format!("pr2.{user}.{}", "a".repeat(64)),
            format!("vt1.{user}.{}", "a".repeat(63)),
            format!("vt1.nope.{}", "a".repeat(64)),
            format!("{good}.x"),
        ] {
            assert_eq!(parse(&bad), None, "{bad}");
        }
    }
}
