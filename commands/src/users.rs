//! User commands: registration (seal personal data, hash the password, claim the
//! address) and password login.

use domain::{
    ids::{Email, UserId},
    upcast::Upcasters,
    user::{ClaimEmail, EmailClaim, User, UserCommand, UserError},
    Aggregate, Metadata, Role, StoredEvent,
};
use sha2::{Digest, Sha256};

use crate::{
    cipher::{Cipher, CipherError},
    error::{CommandError, StoreError},
    handle::{load, Batch, Loaded},
    password::{self, HashError, PasswordParams},
    password_policy::{self, PolicyViolation},
    store::{EventStore, Until},
};

pub use crate::password_policy::MIN_PASSWORD_LEN;
/// Consecutive failures that lock an account.
pub const LOCK_AFTER_FAILURES: u32 = 20;
/// How long a lockout lasts.
pub const LOCKOUT_MICROS: i64 = 15 * 60 * 1_000_000;

fn secs(micros: i64) -> u64 {
    (micros.max(0) as u64).div_ceil(1_000_000)
}

/// Records a failed attempt (retrying once if another attempt raced it).
async fn record_failure(
    store: &dyn EventStore,
    user: &str,
    reason: &str,
    metadata: &Metadata,
) -> Result<(), UserCommandError> {
    for _ in 0..2 {
        let loaded = load::<User>(store, &Upcasters::domain(), user, Until::Now).await?;
        let mut batch = Batch::new(metadata.clone());
        let cmd = UserCommand::RecordLoginFailure {
            now: crate::store::sql_now(),
            reason: reason.to_owned(),
            lock_after: LOCK_AFTER_FAILURES,
            lock_for: LOCKOUT_MICROS,
        };
        if batch.decide(&loaded, None, cmd).is_err() || batch.is_empty() {
            return Ok(());
        }
        match store.append(batch.into_events()).await {
            Ok(_) => return Ok(()),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// A registration request, validated at the edge.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Normalised address.
    pub email: Email,
    /// Plain password (hashed here, never stored or logged).
    pub password: String,
    /// Optional display name.
    pub display_name: Option<String>,
    /// Role to grant.
    pub role: Role,
}

/// Why registration or login failed.
#[derive(Debug, thiserror::Error)]
pub enum UserCommandError {
    /// The address is taken.
    #[error("e-mail address already registered")]
    EmailTaken,
    /// The password is too short.
    #[error(transparent)]
    WeakPassword(#[from] PolicyViolation),
    /// Wrong address or password (deliberately not saying which).
    #[error("invalid e-mail or password")]
    BadCredentials,
    /// The user is deactivated.
    #[error("account is deactivated")]
    Inactive,
    /// Too many recent failures: wait before trying again.
    #[error("too many failed logins; retry in {retry_after_secs} s")]
    Throttled {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The account is locked after repeated failures.
    #[error("account locked after repeated failed logins; retry in {retry_after_secs} s")]
    Locked {
        /// Seconds until the lockout ends.
        retry_after_secs: u64,
    },
    /// Sealing failed.
    #[error(transparent)]
    Cipher(#[from] CipherError),
    /// Hashing failed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An event would not decode.
    #[error(transparent)]
    Codec(#[from] domain::CodecError),
}

impl<E: std::error::Error> From<CommandError<E>> for UserCommandError {
    fn from(e: CommandError<E>) -> Self {
        match e {
            CommandError::Store(s) => Self::Store(s),
            CommandError::Codec(c) => Self::Codec(c),
            // Concurrent registration of one address: the claim stream conflicts.
            CommandError::Rejected(_) | CommandError::Stale { .. } => Self::EmailTaken,
        }
    }
}

/// Registers a user; returns the id and the appended events.
pub async fn register(
    store: &dyn EventStore,
    cipher: &Cipher,
    params: PasswordParams,
    new: NewUser,
    metadata: Metadata,
) -> Result<(UserId, Vec<StoredEvent>), UserCommandError> {
    password_policy::check(&new.password)?;
    let phc = password::hash(&new.password, params)?;
    register_account(
        store,
        cipher,
        &new.email,
        Some(phc),
        new.display_name.as_deref(),
        new.role,
        metadata,
    )
    .await
}

/// Claims the address and creates the user, with a password hash or (single
/// sign-on accounts) none.
pub async fn register_account(
    store: &dyn EventStore,
    cipher: &Cipher,
    email: &Email,
    phc: Option<String>,
    display_name: Option<&str>,
    role: Role,
    metadata: Metadata,
) -> Result<(UserId, Vec<StoredEvent>), UserCommandError> {
    let up = Upcasters::domain();
    let lookup = cipher.lookup(email.as_str());
    let claim = load::<EmailClaim>(store, &up, &lookup, Until::Now).await?;
    if claim.state.holder.is_some() {
        return Err(UserCommandError::EmailTaken);
    }
    let user_id = UserId::from_uuid(uuid::Uuid::now_v7());
    let subject = user_id.to_string();
    let cmd = UserCommand::Register {
        user_id,
        email_lookup: lookup.clone(),
        email: cipher.seal(&subject, email.as_str()).await?,
        password_hash: match phc {
            Some(p) => Some(cipher.seal(&subject, &p).await?),
            None => None,
        },
        display_name: match display_name {
            Some(n) => Some(cipher.seal(&subject, n).await?),
            None => None,
        },
        role,
    };
    let user = load::<User>(store, &up, &subject, Until::Now).await?;
    let mut batch = Batch::new(metadata);
    batch
        .decide(&claim, None, ClaimEmail::Claim(user_id))
        .map_err(UserCommandError::from)?;
    batch.decide(&user, None, cmd).map_err(|e| match e {
        CommandError::Rejected(UserError::AlreadyExists) => UserCommandError::EmailTaken,
        other => other.into(),
    })?;
    let stored = store
        .append(batch.into_events())
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => UserCommandError::EmailTaken,
            other => other.into(),
        })?;
    Ok((user_id, stored))
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// Who.
    pub user_id: UserId,
    /// With which role.
    pub role: Role,
    /// The new session.
    pub session_id: String,
    /// The opaque refresh token (returned once, stored only as a hash).
    pub refresh_token: String,
    /// The appended event.
    pub event: StoredEvent,
}

/// SHA-256 of a high-entropy token, hex: how tokens are kept at rest.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks a password against the log and records the login.
pub async fn login(
    store: &dyn EventStore,
    cipher: &Cipher,
    params: PasswordParams,
    email: &Email,
    password_plain: &str,
    refresh_ttl_micros: i64,
    metadata: Metadata,
) -> Result<LoggedIn, UserCommandError> {
    let up = Upcasters::domain();
    let claim = load::<EmailClaim>(store, &up, &cipher.lookup(email.as_str()), Until::Now).await?;
    let Some(user_id) = claim.state.holder else {
        // Same work as a real check, so timing does not reveal which addresses exist.
        let decoy = password::decoy(params)?;
        password::verify(password_plain, &decoy);
        return Err(UserCommandError::BadCredentials);
    };
    let user = load::<User>(store, &up, &user_id.to_string(), Until::Now).await?;
    // Lockout and growing delay are checked before the password, so an attacker
    // learns nothing from attempts made while they apply.
    let now = crate::store::sql_now();
    if user.state.locked_until > now {
        return Err(UserCommandError::Locked {
            retry_after_secs: secs(user.state.locked_until - now),
        });
    }
    let wait = user.state.retry_after(now);
    if wait > 0 {
        record_failure(store, &user_id.to_string(), "throttled", &metadata).await?;
        return Err(UserCommandError::Throttled {
            retry_after_secs: secs(wait),
        });
    }
    let phc = match &user.state.password_hash {
        Some(sealed) => cipher.open(&user_id.to_string(), sealed).await?,
        None => None,
    };
    let Some(phc) = phc else {
        return Err(UserCommandError::BadCredentials);
    };
    if !password::verify(password_plain, &phc) {
        record_failure(store, &user_id.to_string(), "bad_password", &metadata).await?;
        return Err(UserCommandError::BadCredentials);
    }
    if !user.state.active {
        return Err(UserCommandError::Inactive);
    }
    // Logins of one account from several clients at once race on its stream:
    // the loser re-reads it and tries again.
    let mut user = user;
    for attempt in 0..16u64 {
        let opened = open_session(
            store,
            &user,
            "password",
            Vec::new(),
            refresh_ttl_micros,
            metadata.clone(),
        )
        .await;
        match opened {
            Err(UserCommandError::Store(StoreError::Conflict { .. })) => {
                // A little jitter so the racers do not collide again in step.
                let jitter = rand::random::<u64>() % (1 + attempt * 2);
                tokio::time::sleep(std::time::Duration::from_millis(jitter)).await;
                user = load::<User>(store, &up, &user_id.to_string(), Until::Now).await?;
            }
            other => return other,
        }
    }
    Err(UserCommandError::Store(StoreError::Conflict {
        stream_type: "user".into(),
        stream_id: user_id.to_string(),
        expected: user.version,
        actual: user.version,
    }))
}

/// Opens a session for a loaded user (after `before`, commands that go in the
/// same append, e.g. linking an identity): records the login and returns the
/// refresh token. The actor is the user.
pub async fn open_session(
    store: &dyn EventStore,
    user: &Loaded<User>,
    method: &str,
    before: Vec<UserCommand>,
    refresh_ttl_micros: i64,
    metadata: Metadata,
) -> Result<LoggedIn, UserCommandError> {
    let user_id = user.state.id.ok_or(UserCommandError::BadCredentials)?;
    let session_id = uuid::Uuid::now_v7().to_string();
    let refresh_token = crate::sessions::new_refresh_token(user_id, &session_id);
    let mut cmds = before;
    cmds.push(UserCommand::RecordLogin {
        method: method.into(),
        session_id: session_id.clone(),
        refresh_token_hash: token_hash(&refresh_token),
        refresh_expires_at: crate::store::sql_now() + refresh_ttl_micros,
    });
    // The role after the earlier commands (a mapped role may have changed it).
    let mut after = user.state.clone();
    let mut metadata = metadata;
    metadata.actor_id = Some(user_id.to_string());
    metadata.actor_role = after.role;
    let mut batch = Batch::new(metadata);
    let decided = batch.decide_all(user, cmds).map_err(|e| match e {
        CommandError::Rejected(UserError::Inactive | UserError::Erased) => {
            UserCommandError::Inactive
        }
        other => other.into(),
    })?;
    decided.iter().for_each(|e| after.apply(e));
    let role = after.role.ok_or(UserCommandError::BadCredentials)?;
    let mut stored = store.append(batch.into_events()).await?;
    let event = stored.pop().ok_or(StoreError::Empty)?;
    Ok(LoggedIn {
        user_id,
        role,
        session_id,
        refresh_token,
        event,
    })
}
