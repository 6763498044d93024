//! Single sign-on accounts: an identity provider vouches for a verified
//! address; the account holding it is linked (or created), the address marked
//! verified, the mapped role applied, and a session opened.

use domain::{
    ids::Email,
    upcast::Upcasters,
    user::{EmailClaim, User, UserCommand},
    Metadata, Role,
};

use crate::{
    cipher::Cipher,
    handle::load,
    store::{EventStore, Until},
    users::{open_session, register_account, LoggedIn, UserCommandError},
};

/// What a checked ID token says about the person.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Provider name from the configuration.
    pub provider: String,
    /// The provider's subject id.
    pub subject: String,
    /// The address (verified by the provider).
    pub email: Email,
    /// Display name, if given.
    pub name: Option<String>,
    /// Role mapped from a claim, if the claim maps.
    pub mapped_role: Option<Role>,
    /// Role for a new account when no claim maps.
    pub default_role: Role,
    /// Whether an unknown address may get a new account.
    pub allow_create: bool,
}

/// Why a single sign-on could not log in.
#[derive(Debug, thiserror::Error)]
pub enum SsoLoginError {
    /// No account holds the address and creating one is not allowed.
    #[error("no account for this address, and this provider may not create accounts")]
    NoAccount,
    /// Anything else.
    #[error(transparent)]
    Other(#[from] UserCommandError),
}

/// Logs in (creating the account if allowed) through a checked identity.
pub async fn login(
    store: &dyn EventStore,
    cipher: &Cipher,
    id: Identity,
    refresh_ttl_micros: i64,
    meta: Metadata,
) -> Result<LoggedIn, SsoLoginError> {
    let up = Upcasters::domain();
    let lookup = cipher.lookup(id.email.as_str());
    let claim = load::<EmailClaim>(store, &up, &lookup, Until::Now)
        .await
        .map_err(UserCommandError::from)?;
    let user_id = match claim.state.holder {
        Some(u) => u,
        None if id.allow_create => {
            let role = id.mapped_role.unwrap_or(id.default_role);
            register_account(
                store,
                cipher,
                &id.email,
                None,
                id.name.as_deref(),
                role,
                meta.clone(),
            )
            .await?
            .0
        }
        None => return Err(SsoLoginError::NoAccount),
    };
    let user = load::<User>(store, &up, &user_id.to_string(), Until::Now)
        .await
        .map_err(UserCommandError::from)?;
    if !user.state.active {
        return Err(UserCommandError::Inactive.into());
    }
    let mut before = vec![
        UserCommand::TrustEmail,
        UserCommand::LinkSso {
            provider: id.provider.clone(),
            subject_lookup: cipher.lookup(&format!("sso:{}:{}", id.provider, id.subject)),
        },
    ];
    if let Some(role) = id.mapped_role.filter(|r| Some(*r) != user.state.role) {
        before.push(UserCommand::ChangeRole { role });
    }
    let method = format!("sso:{}", id.provider);
    Ok(open_session(store, &user, &method, before, refresh_ttl_micros, meta).await?)
}
